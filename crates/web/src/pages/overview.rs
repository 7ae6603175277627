//! What the patient overview shows beside the diary classification: the trend of headache and
//! migraine days per 28 days with the sessions and the baseline, the month calendar, and a line
//! from each page of the record.

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use cephalog_app::patient::{PatientContext, ResponseSummary};
use cephalog_charts::{PromSeries, TrendInput, proms_svg, trend_svg};
use cephalog_core::eligibility::Verdict;
use cephalog_core::metrics::{DateRange, PeriodKind, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::prom::PromEntry;

use super::diary::{Calendar, calendar};
use crate::AppState;
use crate::error::WebError;

/// How far back the overview's trend reaches: thirteen 28-day periods, about a year.
pub use cephalog_app::defaults::TREND_PERIODS;

#[derive(Debug, Deserialize)]
pub(crate) struct MonthQuery {
    pub(crate) month: Option<String>,
}

/// One line about a page of the record.
#[derive(Debug, Clone)]
pub struct Summary {
    pub id: &'static str,
    pub title: &'static str,
    pub href: String,
    pub text: String,
    /// A CSS class: "" or "urgent".
    pub class: &'static str,
}

/// The overview's trend, calendar and summaries.
#[derive(Debug, Clone)]
pub struct OverviewExtras {
    pub trend: Option<String>,
    pub trend_note: String,
    pub calendar: Calendar,
    pub summaries: Vec<Summary>,
}

fn parse_month(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(&format!("{s}-01"), "%Y-%m-%d").ok()
}

/// The 28 days before the first session: the default baseline of the response.
pub fn baseline_of(sessions: &[NaiveDate]) -> Option<DateRange> {
    let first = sessions.iter().min()?;
    Some(cephalog_core::response::baseline_before(*first))
}

/// The trend chart over the last [`TREND_PERIODS`] 28-day periods (from the first diary day when
/// the diary is younger), or `None` without a diary.
pub fn trend_chart(
    diary: &cephalog_core::Diary,
    has_migraine: bool,
    sessions: &[NaiveDate],
    today: NaiveDate,
) -> Option<String> {
    let first = diary.days().next()?.date();
    let start = (today - Duration::days(28 * TREND_PERIODS - 1)).max(first);
    let range = DateRange::new(start, today)?;
    let report = compute_metrics(
        diary,
        has_migraine,
        range,
        PeriodKind::Days28,
        DayPreset::default(),
    );
    let shown: Vec<NaiveDate> = sessions
        .iter()
        .copied()
        .filter(|d| *d >= start && *d <= today)
        .collect();
    let baseline = baseline_of(sessions).filter(|b| b.end >= start);
    Some(trend_svg(&TrendInput::from_metrics(
        &report, &shown, baseline,
    )))
}

/// The questionnaire chart, or `None` without questionnaires.
pub fn proms_chart(entries: &[PromEntry], sessions: &[NaiveDate]) -> Option<String> {
    (!entries.is_empty()).then(|| proms_svg(&PromSeries::from_entries(entries, sessions)))
}

/// The overview's trend, calendar and one line from each page of the record, translated from the
/// app's overview of the patient's context (loaded once for the whole page).
pub(crate) fn extras(
    state: &AppState,
    ctx: &PatientContext,
    month: Option<&str>,
) -> Result<OverviewExtras, WebError> {
    let today = state.today();
    let r = &ctx.record;
    let base = format!("/patients/{}", r.id);
    let has_migraine = r.patient.has_migraine_diagnosis();
    let sessions = ctx.migraine_session_dates();
    let month = month.and_then(parse_month).unwrap_or(today);
    let mut cal = calendar(
        &ctx.diary,
        has_migraine,
        DayPreset::default(),
        month,
        today,
        &base,
    );
    // Days open in the diary, not here.
    for week in &mut cal.weeks {
        for cell in week {
            cell.link = false;
        }
    }
    let o = ctx.overview(&state.rules, today)?;
    let mut summaries = Vec::new();

    let verdict = match o.eligibility.verdict {
        Verdict::Eligible => "every criterion met",
        Verdict::NotEligible => "a criterion is not met",
        Verdict::InsufficientInformation => "information missing",
    };
    summaries.push(Summary {
        id: "summary-eligibility",
        title: "Eligibility",
        href: format!("{base}/eligibility"),
        text: format!(
            "{}: {verdict}{}",
            o.eligibility.rule_set_name,
            if o.eligibility.open.is_empty() {
                String::new()
            } else {
                format!(" ({})", o.eligibility.open.join(", "))
            }
        ),
        class: "",
    });

    summaries.push(Summary {
        id: "summary-response",
        title: "Response",
        href: format!("{base}/response"),
        text: match &o.response {
            ResponseSummary::NoSession => "No chronic-migraine session recorded yet.".to_owned(),
            ResponseSummary::NoCompleteCycle { cycles } => {
                format!("{cycles} cycle(s); no completed cycle with enough diary data yet")
            }
            ResponseSummary::Cycle {
                rule_set,
                preset,
                cycle,
                headache_days,
                baseline_headache_days,
                reduction_percent,
            } => format!(
                "{rule_set} (day preset {preset}): cycle {cycle}: {headache_days:.1} headache days \
                 per 28 days against {:.1} at baseline{}",
                baseline_headache_days.unwrap_or_default(),
                reduction_percent
                    .map(|p| format!(" ({p:.0} % fewer)"))
                    .unwrap_or_default()
            ),
        },
        class: "",
    });

    let latest: Vec<String> = o
        .latest_questionnaires
        .iter()
        .map(|e| {
            format!(
                "{} {} ({}) on {}",
                e.result.instrument().label(),
                e.result.total(),
                e.result.interpretation(),
                e.date
            )
        })
        .collect();
    summaries.push(Summary {
        id: "summary-questionnaires",
        title: "Questionnaires",
        href: format!("{base}/questionnaires"),
        text: if latest.is_empty() {
            "No questionnaire yet.".to_owned()
        } else {
            format!("Latest: {}", latest.join("; "))
        },
        class: "",
    });

    summaries.push(Summary {
        id: "summary-sessions",
        title: "Sessions",
        href: format!("{base}/sessions"),
        text: match (o.sessions.last, o.sessions.next_due) {
            (Some(d), Some((from, to))) => format!(
                "{} session(s), the last on {d}; next due between {from} and {to}",
                o.sessions.count
            ),
            _ => "No session recorded.".to_owned(),
        },
        class: "",
    });

    let ae = &o.adverse_events;
    let mut ae_text = format!("{} adverse event(s) recorded", ae.count);
    if ae.urgent > 0 {
        ae_text.push_str(&format!("; URGENT REVIEW flagged on {}", ae.urgent));
    }
    if ae.overdue > 0 {
        ae_text.push_str(&format!("; {} report(s) overdue", ae.overdue));
    }
    summaries.push(Summary {
        id: "summary-adverse-events",
        title: "Adverse events",
        href: format!("{base}/adverse-events"),
        text: ae_text,
        class: if ae.urgent > 0 || ae.overdue > 0 {
            "urgent"
        } else {
            ""
        },
    });

    Ok(OverviewExtras {
        trend: trend_chart(&ctx.diary, has_migraine, &sessions, today),
        trend_note: format!(
            "28-day periods, preset {}; a gap is insufficient diary data, never zero.",
            DayPreset::default()
        ),
        calendar: cal,
        summaries,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn baseline_is_the_28_days_before_the_first_session() {
        let b = baseline_of(&[d("2026-05-01"), d("2026-02-01")]).expect("baseline");
        assert_eq!((b.start, b.end), (d("2026-01-04"), d("2026-01-31")));
        assert!(baseline_of(&[]).is_none());
    }

    #[test]
    fn no_trend_without_a_diary() {
        let diary = cephalog_core::Diary::new(Vec::new()).expect("diary");
        assert!(trend_chart(&diary, true, &[], d("2026-05-01")).is_none());
        assert!(proms_chart(&[], &[]).is_none());
    }
}
