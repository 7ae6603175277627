//! Every clinical number Cephalog uses, in one place, each with its source.
//!
//! Status marks follow `shared/clinical-reference.md`: [V] read in the primary source, [V2] a
//! consistent secondary restatement, [U] unverified. A [U] value is a documented, overridable
//! default, and every output that uses one carries [`UNVERIFIED_MARK`].

/// Shown beside every output that rests on a fact marked [U] in the clinical reference.
pub const UNVERIFIED_MARK: &str = "[unverified default]";

/// Minutes in a calendar day: the upper bound of headache minutes on one diary day.
pub const MINUTES_PER_DAY: u16 = 1440;

/// `label-4h` preset: a headache day has at least 4 h of headache. FDA label indication wording
/// ("headache lasting 4 hours a day or longer") [V2]; PREEMPT baseline "≥15 headache days lasting
/// ≥4 h" [V2]. Whether the 4 h must be continuous is [U]; Cephalog sums the day's minutes.
pub const LABEL_HEADACHE_DAY_MINUTES: u16 = 240;

/// `ihs-30min` preset: a headache day has at least 30 min of headache, or any headache treated with
/// acute medication. van der Arend 2023 e-diary proposal [V]; the IHS guideline wording [U].
pub const IHS_HEADACHE_DAY_MINUTES: u16 = 30;

/// A migraine day by ICHD-3 1.1 C+D needs a headache of at least 30 min (clinical reference §2) [V].
pub const MIGRAINE_DAY_MIN_MINUTES: u16 = 30;

/// ICHD-3 1.1 B: untreated attacks last 4–72 h [V]. A day with at least this many minutes, or one
/// on which an acute medicine was taken (a treated attack), satisfies the duration condition.
pub const MIGRAINE_ATTACK_MIN_MINUTES: u16 = 240;

/// Trial convention for normalising counts: per 28 days (PREEMPT primary endpoint) [V].
pub const NORMALISATION_DAYS: u32 = 28;

/// Diary completeness below which a period's counts are "insufficient diary data", never a number.
/// Clinical reference §2: default 80 % [U].
pub const COMPLETENESS_FLOOR_PERCENT: u32 = 80;

/// Reason given wherever completeness is below [`COMPLETENESS_FLOOR_PERCENT`].
pub const INSUFFICIENT_DIARY_DATA: &str = "insufficient diary data";

/// ICHD-3 1.3 A, 2.3 A and 8.2 A: headache on at least 15 days per month [V].
pub const CHRONIC_HEADACHE_DAYS_PER_MONTH: f64 = 15.0;

/// ICHD-3 1.3 C: migraine features on at least 8 days per month [V].
pub const CHRONIC_MIGRAINE_DAYS_PER_MONTH: f64 = 8.0;

/// ICHD-3 1.3, 2.3 and 8.2 speak of ">3 months". From a diary Cephalog takes this as 3 consecutive
/// adequately recorded calendar months, and says so in every classification.
pub const CHRONIC_MONTHS_REQUIRED: usize = 3;

/// Wording attached to every classification that uses [`CHRONIC_MONTHS_REQUIRED`].
pub const MONTHS_INTERPRETATION: &str = "ICHD-3 \">3 months\" is taken as 3 consecutive calendar months recorded with at least 80 % completeness";

/// ICHD-3 8.2.1, 8.2.2, 8.2.4, 8.2.5 and 8.2.6: intake on at least 10 days per month [V].
pub const MOH_DAYS_DEFAULT: f64 = 10.0;

/// ICHD-3 8.2.3, non-opioid analgesics (paracetamol, NSAIDs, ASA, one class): at least 15 days per
/// month [V].
pub const MOH_DAYS_NON_OPIOID: f64 = 15.0;

/// ICHD-3 8.2.7, medication-overuse headache attributed to other medication: at least 10 days per
/// month. This subtype is in ICHD-3 but not in the clinical reference [U]; Cephalog applies it to
/// gepants, ditans and other acute medicines and marks it unverified.
pub const MOH_DAYS_OTHER: f64 = 10.0;

/// ICHD-3 13.4 B1: paroxysms lasting seconds to minutes. The diary cannot show criteria C and D
/// (tenderness, nerve-block relief). Cephalog reports paroxysms recorded on at least this many days
/// in each of the months as supporting 13.4 B1 [U].
pub const OCCIPITAL_PAROXYSM_DAYS_PER_MONTH: f64 = 1.0;

/// ICHD-3 2.3 C: at least 2 of bilateral, pressing/non-pulsating, mild/moderate, not aggravated by
/// routine activity [V].
pub const TTH_MIN_PAIN_FEATURES: usize = 2;

// ---------------------------------------------------------------------------------------------
// Safety reporting (clinical reference §3, §8 and §9)
// ---------------------------------------------------------------------------------------------

/// Lowest CTCAE v5.0 grade: mild (Common Terminology Criteria for Adverse Events v5.0, NCI 2017;
/// clinical reference §8) [V].
pub const CTCAE_MIN_GRADE: u8 = 1;

/// Highest CTCAE v5.0 grade: "death related to AE" (CTCAE v5.0) [V]. An event of this grade has a
/// fatal outcome and the serious outcome "death".
pub const CTCAE_MAX_GRADE: u8 = 5;

/// Boxed warning, distant spread of toxin effect: symptoms "may occur hours to weeks after
/// injection" (onabotulinumtoxinA FDA label, clinical reference §3) [V]. The label sets no upper
/// bound; Cephalog looks back one re-treatment interval, 12 weeks = 84 days (label dosing,
/// clinical reference §3 [V2]), on both ends inclusive. The window length is a Cephalog default
/// [U].
pub const DISTANT_SPREAD_WINDOW_DAYS: i64 = 84;

/// Expedited reporting of a serious case: 15 calendar days from the day the clinic became aware
/// of it, that day being day 0 (EU timelines, clinical reference §8) [V2].
pub const SERIOUS_REPORT_DAYS: u32 = 15;

/// Reporting of a non-serious case: 90 calendar days from awareness, day 0 being the day of
/// awareness (EU timelines, clinical reference §8) [V2].
pub const NON_SERIOUS_REPORT_DAYS: u32 = 90;

/// FDA label, chronic migraine adverse reactions: neck pain in 9 % of onabotulinumtoxinA
/// patients (clinical reference §3) [V2]. Percentage of patients, not of sessions.
pub const LABEL_NECK_PAIN_PERCENT: f64 = 9.0;

/// FDA label, chronic migraine adverse reactions: neck pain in 3 % of placebo patients
/// (clinical reference §3) [V2].
pub const LABEL_NECK_PAIN_PLACEBO_PERCENT: f64 = 3.0;

/// PREEMPT pooled (Dodick 2010, Headache 50:921): serious adverse events in 4.8 % of
/// onabotulinumtoxinA patients (clinical reference §3) [V2]. Percentage of patients over the
/// 24-week double-blind phase (two treatment cycles).
pub const PREEMPT_SERIOUS_AE_PERCENT: f64 = 4.8;

/// PREEMPT pooled: serious adverse events in 2.3 % of placebo patients (clinical reference §3)
/// [V2].
pub const PREEMPT_SERIOUS_AE_PLACEBO_PERCENT: f64 = 2.3;

/// PREEMPT pooled: treatment-related neck pain in 6.7 % of onabotulinumtoxinA patients
/// (clinical reference §3) [V2].
pub const PREEMPT_RELATED_NECK_PAIN_PERCENT: f64 = 6.7;

/// PREEMPT pooled: treatment-related neck pain in 2.2 % of placebo patients (clinical reference
/// §3) [V2].
pub const PREEMPT_RELATED_NECK_PAIN_PLACEBO_PERCENT: f64 = 2.2;

/// COMPEL (Blumenfeld 2018; 155 U every 12 weeks for 9 cycles, N = 716): treatment-related neck
/// pain in 4.1 % of patients (clinical reference §3) [V].
pub const COMPEL_RELATED_NECK_PAIN_PERCENT: f64 = 4.1;

/// COMPEL: treatment-related eyelid ptosis in 2.5 % of patients (clinical reference §3) [V].
pub const COMPEL_RELATED_EYELID_PTOSIS_PERCENT: f64 = 2.5;

/// COMPEL: treatment-related musculoskeletal stiffness in 2.4 % of patients (clinical reference
/// §3) [V].
pub const COMPEL_RELATED_MUSCULOSKELETAL_STIFFNESS_PERCENT: f64 = 2.4;

/// COMPEL: treatment-related injection-site pain in 2.0 % of patients (clinical reference §3)
/// [V].
pub const COMPEL_RELATED_INJECTION_SITE_PAIN_PERCENT: f64 = 2.0;

/// COMPEL: treatment-related headache in 1.7 % of patients (clinical reference §3) [V].
pub const COMPEL_RELATED_HEADACHE_PERCENT: f64 = 1.7;

/// COMPEL: treatment-related muscular weakness in 1.4 % of patients (clinical reference §3) [V].
pub const COMPEL_RELATED_MUSCULAR_WEAKNESS_PERCENT: f64 = 1.4;

/// COMPEL: treatment-related facial paresis in 1.3 % of patients (clinical reference §3) [V].
pub const COMPEL_RELATED_FACIAL_PARESIS_PERCENT: f64 = 1.3;
