//! Response to treatment: change against the baseline per cycle, responders, and the rule set's
//! continuation (stopping) decisions, each with its evidence and source.
//!
//! Baseline: the 28 days before the first session (or the 28 days ending at a chosen date). Cycle
//! n: the 28 days ending the day before session n+1; for the current cycle, the latest 28 days
//! (once 28 days have passed since its session). Below 80 % diary completeness a window gives
//! "insufficient diary data", never a number.

use chrono::{Duration, NaiveDate};
use serde::Serialize;

use crate::classify::{calendar_months, latest_adequate_run};
use crate::diary::Diary;
use crate::metrics::{DateRange, PeriodMetrics};
use crate::preset::DayPreset;
use crate::reference::{INSUFFICIENT_DIARY_DATA, NORMALISATION_DAYS, UNVERIFIED_MARK};
use crate::rules::{ContinuationKind, ResponseMetric, RuleSet};

/// ≥30 % reduction in headache days: NICE TA260's continuation threshold [V].
pub const RESPONDER_30_PERCENT: f64 = 30.0;
/// ≥50 % reduction: the trial responder definition (PREEMPT), WA L&I and eviCore [V].
pub const RESPONDER_50_PERCENT: f64 = 50.0;
/// "No benefit by the third session → review with the clinician" is a review prompt, not a stop
/// (patient-facing clinic guidance). Benefit is read as a ≥30 % reduction in any completed cycle
/// [U].
pub const REVIEW_AFTER_CYCLES: usize = 2;
pub const REVIEW_BENEFIT_PERCENT: f64 = 30.0;
/// Percentages are compared with this tolerance, so 30 % computed in floating point as
/// 29.999999999999996 still counts as 30 %.
const PERCENT_EPSILON: f64 = 1e-9;

/// Headache and migraine days per 28 in one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowFigures {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub recorded_days: u32,
    pub completeness: f64,
    pub headache_days_per_28: Option<f64>,
    pub migraine_days_per_28: Option<f64>,
    pub insufficient: Option<&'static str>,
}

impl WindowFigures {
    fn of(
        diary: &Diary,
        range: DateRange,
        preset: DayPreset,
        has_migraine_diagnosis: bool,
    ) -> Self {
        let m = PeriodMetrics::compute(diary, range, preset, has_migraine_diagnosis);
        WindowFigures {
            start: m.start,
            end: m.end,
            recorded_days: m.recorded_days,
            completeness: m.completeness,
            headache_days_per_28: m.headache_days_per_28,
            migraine_days_per_28: m.migraine_days_per_28,
            insufficient: m.insufficient,
        }
    }
}

/// Change of one count against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Change {
    pub baseline: Option<f64>,
    pub cycle: Option<f64>,
    /// cycle − baseline (negative is fewer days).
    pub absolute: Option<f64>,
    /// (cycle − baseline) / baseline × 100; null when the baseline is 0 or either side is missing.
    pub percent: Option<f64>,
}

impl Change {
    /// The change from `baseline` to `cycle`, each `None` when not known.
    pub fn new(baseline: Option<f64>, cycle: Option<f64>) -> Self {
        let absolute = baseline.zip(cycle).map(|(b, c)| c - b);
        let percent = baseline
            .zip(cycle)
            .filter(|(b, _)| *b > 0.0)
            .map(|(b, c)| (c - b) / b * 100.0);
        Change {
            baseline,
            cycle,
            absolute,
            percent,
        }
    }

    /// The reduction in percent (positive is fewer days).
    pub fn reduction_percent(&self) -> Option<f64> {
        self.percent.map(|p| -p)
    }

    /// Whether the count fell by at least `percent` (within a floating-point tolerance, so 30 %
    /// computed as 29.999999999999996 counts); `None` when the percentage is not computable.
    pub fn reduced_by_at_least(&self, percent: f64) -> Option<bool> {
        self.reduction_percent()
            .map(|r| r >= percent - PERCENT_EPSILON)
    }

    fn reduced_by_more_than(&self, percent: f64) -> Option<bool> {
        self.reduction_percent()
            .map(|r| r > percent + PERCENT_EPSILON)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CycleStatus {
    Complete,
    /// The current cycle, fewer than 28 days after its session: no window yet.
    InProgress,
}

/// One treatment cycle against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleResponse {
    pub cycle: usize,
    pub session_date: NaiveDate,
    pub status: CycleStatus,
    pub window: Option<WindowFigures>,
    pub headache_days: Change,
    pub migraine_days: Change,
    pub responder_30: Option<bool>,
    pub responder_50: Option<bool>,
    /// Why there are no numbers, when there are none.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionOutcome {
    Continue,
    Stop,
    Review,
    /// Not enough cycles or months yet for the rule to apply.
    NotYetApplicable,
    /// The rule applies but the diary is too incomplete to decide.
    Unknown,
}

/// A continuation decision with its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Decision {
    pub rule: String,
    pub description: String,
    pub outcome: DecisionOutcome,
    pub evidence: String,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResponseReport {
    pub rule_set: String,
    pub preset: DayPreset,
    pub baseline: WindowFigures,
    pub cycles: Vec<CycleResponse>,
    pub decisions: Vec<Decision>,
    pub review_prompt: Option<Decision>,
}

/// What the response needs.
#[derive(Debug, Clone, Copy)]
pub struct ResponseInput<'a> {
    pub diary: &'a Diary,
    pub has_migraine_diagnosis: bool,
    /// Botulinum-toxin session dates for this indication, in any order.
    pub sessions: &'a [NaiveDate],
    /// End of the 28-day baseline; default the day before the first session.
    pub baseline_end: Option<NaiveDate>,
    pub as_of: NaiveDate,
}

/// The default baseline of a course whose first session is `first`: the
/// [`NORMALISATION_DAYS`] days before it.
pub fn baseline_before(first: NaiveDate) -> DateRange {
    window_ending(first - Duration::days(1))
}

fn window_ending(end: NaiveDate) -> DateRange {
    DateRange {
        start: end - Duration::days(i64::from(NORMALISATION_DAYS) - 1),
        end,
    }
}

fn fmt_opt(x: Option<f64>) -> String {
    x.map_or_else(|| INSUFFICIENT_DIARY_DATA.to_owned(), |v| format!("{v:.1}"))
}

/// The cycle a record dated `date` belongs to: the number (from 1) of the latest session on or
/// before it among `sorted_sessions` (oldest first); `None` before the first (the baseline).
pub fn cycle_of(date: NaiveDate, sorted_sessions: &[NaiveDate]) -> Option<usize> {
    sorted_sessions
        .iter()
        .rposition(|s| *s <= date)
        .map(|i| i + 1)
}

/// Computes the response report under a rule set. `None` when there is no session yet.
pub fn assess(input: ResponseInput<'_>, rules: &RuleSet) -> Option<ResponseReport> {
    let mut sessions: Vec<NaiveDate> = input
        .sessions
        .iter()
        .copied()
        .filter(|d| *d <= input.as_of)
        .collect();
    sessions.sort();
    sessions.dedup();
    let first = *sessions.first()?;
    let preset = rules.preset;
    let baseline_end = input.baseline_end.unwrap_or(first - Duration::days(1));
    let baseline = WindowFigures::of(
        input.diary,
        window_ending(baseline_end),
        preset,
        input.has_migraine_diagnosis,
    );
    let mut cycles = Vec::new();
    for (i, session) in sessions.iter().enumerate() {
        let (end, status) = match sessions.get(i + 1) {
            Some(next) => (Some(*next - Duration::days(1)), CycleStatus::Complete),
            None if (input.as_of - *session).num_days() + 1 >= i64::from(NORMALISATION_DAYS) => {
                (Some(input.as_of), CycleStatus::Complete)
            }
            None => (None, CycleStatus::InProgress),
        };
        let window = end.map(|e| {
            WindowFigures::of(
                input.diary,
                window_ending(e),
                preset,
                input.has_migraine_diagnosis,
            )
        });
        let headache = Change::new(
            baseline.headache_days_per_28,
            window.as_ref().and_then(|w| w.headache_days_per_28),
        );
        let migraine = Change::new(
            baseline.migraine_days_per_28,
            window.as_ref().and_then(|w| w.migraine_days_per_28),
        );
        let note = match (&window, status) {
            (_, CycleStatus::InProgress) => Some(format!(
                "cycle in progress: {} day(s) since the session; the 28-day window needs 28",
                (input.as_of - *session).num_days() + 1
            )),
            _ if baseline.headache_days_per_28.is_none() => {
                Some(format!("baseline: {INSUFFICIENT_DIARY_DATA}"))
            }
            (Some(w), _) if w.headache_days_per_28.is_none() => {
                Some(format!("cycle: {INSUFFICIENT_DIARY_DATA}"))
            }
            _ if baseline.headache_days_per_28 == Some(0.0) => {
                Some("baseline has no headache days: no percentage change".to_owned())
            }
            _ => None,
        };
        cycles.push(CycleResponse {
            cycle: i + 1,
            session_date: *session,
            status,
            window,
            responder_30: headache.reduced_by_at_least(RESPONDER_30_PERCENT),
            responder_50: headache.reduced_by_at_least(RESPONDER_50_PERCENT),
            headache_days: headache,
            migraine_days: migraine,
            note,
        });
    }
    let decisions = rules
        .continuation
        .iter()
        .map(|r| decide(r, &cycles, &sessions, &input, preset))
        .collect();
    let review_prompt = review_prompt(&cycles);
    Some(ResponseReport {
        rule_set: rules.id.clone(),
        preset,
        baseline,
        cycles,
        decisions,
        review_prompt,
    })
}

fn decide(
    rule: &crate::rules::ContinuationRule,
    cycles: &[CycleResponse],
    sessions: &[NaiveDate],
    input: &ResponseInput<'_>,
    preset: DayPreset,
) -> Decision {
    let source = if rule.unverified {
        format!("{} {UNVERIFIED_MARK}", rule.source)
    } else {
        rule.source.clone()
    };
    let (outcome, evidence) = match &rule.kind {
        ContinuationKind::MinReductionAfterCycles {
            metric,
            percent,
            cycles: n,
            strict,
        } => {
            let name = match metric {
                ResponseMetric::HeadacheDays => "headache days",
                ResponseMetric::MigraineDays => "migraine days",
            };
            match cycles
                .get(n - 1)
                .filter(|c| c.status == CycleStatus::Complete)
            {
                None => (
                    DecisionOutcome::NotYetApplicable,
                    format!(
                        "{} completed cycle(s); the rule applies after {n}",
                        cycles
                            .iter()
                            .filter(|c| c.status == CycleStatus::Complete)
                            .count()
                    ),
                ),
                Some(c) => {
                    let change = match metric {
                        ResponseMetric::HeadacheDays => &c.headache_days,
                        ResponseMetric::MigraineDays => &c.migraine_days,
                    };
                    let met = if *strict {
                        change.reduced_by_more_than(*percent)
                    } else {
                        change.reduced_by_at_least(*percent)
                    };
                    let cmp = if *strict { ">" } else { "≥" };
                    let figures = format!(
                        "cycle {}: {name} per 28 days {} at baseline, {} in the cycle, reduction {}",
                        c.cycle,
                        fmt_opt(change.baseline),
                        fmt_opt(change.cycle),
                        change
                            .reduction_percent()
                            .map_or_else(|| "not computable".to_owned(), |r| format!("{r:.1} %")),
                    );
                    match met {
                        Some(true) => (
                            DecisionOutcome::Continue,
                            format!("{figures} ({cmp}{percent} % needed: met)"),
                        ),
                        Some(false) => (
                            DecisionOutcome::Stop,
                            format!("{figures} ({cmp}{percent} % needed: not met)"),
                        ),
                        None => (
                            DecisionOutcome::Unknown,
                            format!("{figures}; cannot decide"),
                        ),
                    }
                }
            }
        }
        ContinuationKind::StopWhenEpisodic { below, months } => {
            let first = sessions.first().copied().unwrap_or(input.as_of);
            let all = calendar_months(
                input.diary,
                preset,
                input.has_migraine_diagnosis,
                input.as_of,
            );
            let after: Vec<_> = all
                .into_iter()
                .filter(|m| m.month.as_str() > first.format("%Y-%m").to_string().as_str())
                .collect();
            let run = after.windows(*months).rev().find(|w| {
                w.iter().all(|m| {
                    m.adequate
                        && m.prorated
                            .as_ref()
                            .is_some_and(|p| p.headache_days < *below)
                })
            });
            match (run, latest_adequate_run(&after, *months)) {
                (Some(w), _) => (
                    DecisionOutcome::Stop,
                    format!(
                        "headache days per month below {below} in {}",
                        w.iter()
                            .map(|m| format!(
                                "{} ({:.1})",
                                m.month,
                                m.prorated.as_ref().map_or(0.0, |p| p.headache_days)
                            ))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ),
                (None, Some(_)) => (
                    DecisionOutcome::Continue,
                    format!(
                        "no {months} consecutive recorded months after the first session below {below} headache days"
                    ),
                ),
                (None, None) => (
                    DecisionOutcome::NotYetApplicable,
                    format!(
                        "fewer than {months} adequately recorded whole months after the first session"
                    ),
                ),
            }
        }
        ContinuationKind::MaxCourses { courses } => {
            if sessions.len() >= *courses {
                (
                    DecisionOutcome::Stop,
                    format!(
                        "{} course(s) given; the maximum is {courses}",
                        sessions.len()
                    ),
                )
            } else {
                (
                    DecisionOutcome::Continue,
                    format!("{} of at most {courses} course(s) given", sessions.len()),
                )
            }
        }
    };
    Decision {
        rule: rule.id.clone(),
        description: rule.description.clone(),
        outcome,
        evidence,
        source,
    }
}

fn review_prompt(cycles: &[CycleResponse]) -> Option<Decision> {
    let complete: Vec<&CycleResponse> = cycles
        .iter()
        .filter(|c| c.status == CycleStatus::Complete)
        .collect();
    if complete.len() < REVIEW_AFTER_CYCLES {
        return None;
    }
    let judged: Vec<bool> = complete
        .iter()
        .filter_map(|c| c.headache_days.reduced_by_at_least(REVIEW_BENEFIT_PERCENT))
        .collect();
    if judged.is_empty() || judged.iter().any(|b| *b) {
        return None;
    }
    Some(Decision {
        rule: "review-third-session".to_owned(),
        description: "No benefit by the third session: review the plan".to_owned(),
        outcome: DecisionOutcome::Review,
        evidence: format!(
            "no completed cycle reached a {REVIEW_BENEFIT_PERCENT} % reduction in headache days ({} cycle(s) judged)",
            judged.len()
        ),
        source: format!("patient-facing clinic guidance; benefit read as ≥30 % {UNVERIFIED_MARK}"),
    })
}

#[cfg(test)]
#[path = "response_tests.rs"]
mod tests;
