//! The defaults every edge shares — which rule set a page, a command or a check opens with, how
//! far back a trend reaches — kept here once so that the pages, the API, the command line and the
//! reports cannot drift apart.

/// The rule set a patient's eligibility is judged by: before the first chronic-migraine session
/// (the session-recording check), on the eligibility page, in the API and on the worklist.
/// Patients have no rule set of their own yet: this is the clinic-wide default.
pub const ELIGIBILITY_RULES: &str = "fda-label";

/// The rule set whose continuation rules apply before later chronic-migraine sessions, and the
/// response page's, the API's and the command line's default: the first shipped set with
/// continuation rules.
pub const RESPONSE_RULES: &str = "nice-ta260";

/// How far back the trend of headache and migraine days reaches, in 28-day periods (about a
/// year): on the overview and in the visit summary.
pub const TREND_PERIODS: i64 = 13;
