//! What the patient overview shows beside the diary classification: the trend of headache and
//! migraine days per 28 days with the sessions and the baseline, the month calendar, and a line
//! from each page of the record.

use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use cephalog_charts::{PromSeries, TrendInput, proms_svg, trend_svg};
use cephalog_core::eligibility::Verdict;
use cephalog_core::metrics::{DateRange, PeriodKind, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::prom::PromEntry;
use cephalog_core::response::CycleStatus;
use cephalog_core::schedule::ScheduleWindow;
use cephalog_store::PatientRecord;

use super::diary::{Calendar, calendar};
use super::pathway::{DEFAULT_ELIGIBILITY_RULES, DEFAULT_RESPONSE_RULES, instrument_label};
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

pub(crate) async fn extras(
    state: &AppState,
    r: &PatientRecord,
    month: Option<&str>,
) -> Result<OverviewExtras, WebError> {
    let today = state.today();
    let base = format!("/patients/{}", r.id);
    let diary = state.store.diary(r.id).await?;
    let has_migraine = r.patient.has_migraine_diagnosis();
    let sessions = cephalog_app::migraine_session_dates(&state.store, r.id).await?;
    let month = month.and_then(parse_month).unwrap_or(today);
    let mut cal = calendar(
        &diary,
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
    let mut summaries = Vec::new();

    if let Ok(rules) = cephalog_app::find_rule_set(&state.rules, DEFAULT_ELIGIBILITY_RULES) {
        let e = cephalog_app::eligibility(&state.store, rules, r, today).await?;
        let verdict = match e.verdict {
            Verdict::Eligible => "every criterion met",
            Verdict::NotEligible => "a criterion is not met",
            Verdict::InsufficientInformation => "information missing",
        };
        let open: Vec<&str> = e
            .criteria
            .iter()
            .filter(|c| c.outcome != cephalog_core::eligibility::CriterionOutcome::Met)
            .map(|c| c.id.as_str())
            .collect();
        summaries.push(Summary {
            id: "summary-eligibility",
            title: "Eligibility",
            href: format!("{base}/eligibility"),
            text: format!(
                "{}: {verdict}{}",
                e.rule_set_name,
                if open.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", open.join(", "))
                }
            ),
            class: "",
        });
    }

    let response_text = if sessions.is_empty() {
        "No chronic-migraine session recorded yet.".to_owned()
    } else {
        match cephalog_app::find_rule_set(&state.rules, DEFAULT_RESPONSE_RULES) {
            Ok(rules) => match cephalog_app::response(&state.store, rules, r, today, None).await? {
                Some(v) => {
                    let latest = v.report.cycles.iter().rev().find(|c| {
                        c.status == CycleStatus::Complete && c.headache_days.cycle.is_some()
                    });
                    match latest {
                        Some(c) => format!(
                            "{} (day preset {}): cycle {}: {:.1} headache days per 28 days against \
                             {:.1} at baseline{}",
                            v.report.rule_set,
                            v.report.preset,
                            c.cycle,
                            c.headache_days.cycle.unwrap_or_default(),
                            c.headache_days.baseline.unwrap_or_default(),
                            c.headache_days
                                .reduction_percent()
                                .map(|p| format!(" ({p:.0} % fewer)"))
                                .unwrap_or_default()
                        ),
                        None => format!(
                            "{} cycle(s); no completed cycle with enough diary data yet",
                            v.report.cycles.len()
                        ),
                    }
                }
                None => "No response yet.".to_owned(),
            },
            Err(_) => format!("{} session(s)", sessions.len()),
        }
    };
    summaries.push(Summary {
        id: "summary-response",
        title: "Response",
        href: format!("{base}/response"),
        text: response_text,
        class: "",
    });

    let proms: Vec<PromEntry> = state
        .store
        .proms(r.id)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let latest: Vec<String> = [
        cephalog_core::prom::Instrument::Midas,
        cephalog_core::prom::Instrument::Hit6,
    ]
    .into_iter()
    .filter_map(|i| {
        proms
            .iter()
            .rev()
            .find(|e| e.result.instrument() == i)
            .map(|e| {
                format!(
                    "{} {} ({}) on {}",
                    instrument_label(i),
                    e.result.total(),
                    e.result.interpretation(),
                    e.date
                )
            })
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

    let all_sessions = state.store.sessions(r.id).await?;
    let last = all_sessions
        .iter()
        .filter(|s| s.session.indication().is_headache())
        .map(|s| s.session.date())
        .max();
    summaries.push(Summary {
        id: "summary-sessions",
        title: "Sessions",
        href: format!("{base}/sessions"),
        text: match last {
            None => "No session recorded.".to_owned(),
            Some(d) => {
                let (from, to) = ScheduleWindow::default().due_dates(d);
                format!(
                    "{} session(s), the last on {d}; next due between {from} and {to}",
                    all_sessions.len()
                )
            }
        },
        class: "",
    });

    let session_dates: Vec<NaiveDate> = all_sessions.iter().map(|s| s.session.date()).collect();
    let events = state.store.adverse_events(Some(r.id)).await?;
    let acknowledged = state.store.urgent_review_acks(Some(r.id)).await?;
    let urgent = events
        .iter()
        .filter(|e| e.event.distant_spread_review(&session_dates).is_some())
        .filter(|e| !acknowledged.iter().any(|a| a.event == e.id))
        .count();
    let overdue = events
        .iter()
        .filter(|e| e.submitted_on.is_none() && e.event.report_due_date() < today)
        .count();
    let mut ae_text = format!("{} adverse event(s) recorded", events.len());
    if urgent > 0 {
        ae_text.push_str(&format!("; URGENT REVIEW flagged on {urgent}"));
    }
    if overdue > 0 {
        ae_text.push_str(&format!("; {overdue} report(s) overdue"));
    }
    summaries.push(Summary {
        id: "summary-adverse-events",
        title: "Adverse events",
        href: format!("{base}/adverse-events"),
        text: ae_text,
        class: if urgent > 0 || overdue > 0 {
            "urgent"
        } else {
            ""
        },
    });

    Ok(OverviewExtras {
        trend: trend_chart(&diary, has_migraine, &sessions, today),
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
