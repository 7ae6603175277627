//! The clinic cohort report: how the clinic's treated patients are doing, each figure with its n,
//! a 95 % interval ([`crate::stats`]) and the published benchmark it can be read beside.
//!
//! The input is one [`PatientCourse`] per patient, built by [`course`] from the patient's records
//! through the same response code the patient's response page uses ([`crate::response::assess`]),
//! so a patient's figures in the cohort are the figures on their page. [`cohort_report`] selects
//! the patients ([`Selection`]), and computes:
//!
//! - per treatment cycle: patients treated, with an adequate diary (baseline and cycle both at
//!   least [`COMPLETENESS_FLOOR_PERCENT`] % complete; the rest are counted as "insufficient diary
//!   data", never as 0), the mean change in headache, migraine and acute-medication days per 28
//!   days, the share who met the ≥30 % and ≥50 % reductions, the share below 15 headache days per
//!   28, and the change in MIDAS and HIT-6 totals;
//! - persistence: Kaplan–Meier time on treatment from the first session, ended by a stop decision
//!   of the rule set or by more than [`DISCONTINUATION_GAP_DAYS`] without a session, censored at
//!   the report date;
//! - sessions: dose, sites, intervals and follow-the-pain use;
//! - the continuation decisions of every rule set at each cycle;
//! - adverse events per 100 sessions and the share of patients with at least one;
//! - who is in, who is out, and why.
//!
//! Wording: a patient "met the ≥30 % reduction"; no figure says a patient "responded" or "has" a
//! diagnosis. The report is decision support for the clinic's audit, not a verdict on anyone.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use serde::Serialize;
use thiserror::Error;

use crate::diary::Diary;
use crate::metrics::{DateRange, PeriodMetrics};
use crate::patient::{DiagnosisCode, Patient, Sex};
use crate::prom::{Instrument, PromEntry};
use crate::protocol::Plan;
use crate::reference::{
    CHRONIC_HEADACHE_DAYS_PER_MONTH, CM_PASS_TREATMENT_RELATED_AE_PERCENT, COMPEL_ANY_AE_PERCENT,
    COMPEL_BASELINE_HEADACHE_DAYS, COMPEL_COMPLETED_108_WEEKS_PERCENT,
    COMPEL_HEADACHE_DAYS_CHANGE_WEEK_60, COMPEL_HEADACHE_DAYS_CHANGE_WEEK_108,
    COMPLETENESS_FLOOR_PERCENT, DISCONTINUATION_GAP_DAYS, GSTT_RESPONDER_30_PERCENT_CYCLE_2,
    GSTT_RESPONDERS_EPISODIC_PERCENT, LONG_INTERVAL_DAYS, NORMALISATION_DAYS,
    PREEMPT_POOLED_BASELINE_HEADACHE_DAYS, PREEMPT_POOLED_HEADACHE_DAYS_CHANGE_WEEK_24,
    PREEMPT_POOLED_RESPONDER_50_PERCENT_WEEK_24, PREEMPT2_HEADACHE_DAYS_CHANGE_WEEK_24,
    QUESTIONNAIRE_BASELINE_DAYS, REAL_WORLD_HEADACHE_DAYS_CHANGE, REAL_WORLD_RESPONDER_50_PERCENT,
    REPOSE_BASELINE_HEADACHE_DAYS, REPOSE_HEADACHE_DAYS_VISIT_8, REPOSE_MEAN_SITES,
    REPOSE_MEAN_UNITS, REPOSE_PATIENTS_WITH_LONG_INTERVAL_PERCENT, UNVERIFIED_MARK,
};
use crate::response::{
    Change, CycleStatus, Decision, DecisionOutcome, RESPONDER_30_PERCENT, RESPONDER_50_PERCENT,
    ResponseInput, WindowFigures, assess, cycle_of,
};
use crate::rules::RuleSet;
use crate::safety::{
    AdverseEvent, EvidenceStatus, PUBLISHED_SAFETY_FIGURES, PublishedFigure, normalise_term,
};
use crate::session::{Indication, Session};
use crate::stats::{
    ConfidenceLevel, Interval, MeanEstimate, Observation, PoissonRate, Proportion, Quartiles,
    StatsError, SurvivalCurve, clopper_pearson, kaplan_meier, mean_with_t_interval, median_and_iqr,
    poisson_rate, wilson,
};

/// A diary window is adequate for the cohort's change figures when at least this share of its
/// days is recorded: [`COMPLETENESS_FLOOR_PERCENT`] as a fraction (0.8), the floor every period
/// figure uses [U].
pub const ADEQUATE_DIARY_COMPLETENESS: f64 = COMPLETENESS_FLOOR_PERCENT as f64 / 100.0;

/// Completeness is compared with this tolerance, so 23.2/29 computed in floating point just
/// below 0.8 still counts.
const COMPLETENESS_EPSILON: f64 = 1e-9;

/// Days in an average month (365.25 / 12): persistence times are in months of this length.
pub const DAYS_PER_MONTH: f64 = 30.4375;

/// The months the at-risk table of the persistence curve shows by default.
pub const DEFAULT_AT_RISK_MONTHS: [u32; 7] = [0, 3, 6, 9, 12, 18, 24];

/// COMPEL's 108 weeks, in days: the landmark the persistence curve is read at.
const COMPEL_WEEKS_108_DAYS: i64 = 108 * 7;

/// What the report says about its words, printed with it.
pub const WORDING_NOTE: &str = "Figures describe diaries and records: \"met the ≥30 % reduction\" \
    means the headache days per 28 days fell by at least 30 % against the 28 days before the first \
    session; no figure is a diagnosis or a verdict on a patient. Published benchmarks come from \
    other populations, timings and definitions: read them side by side, not as targets.";

// ---------------------------------------------------------------------------------------------
// One patient's course
// ---------------------------------------------------------------------------------------------

/// One diary window of a course: its completeness and its counts per 28 days (each `None` when
/// the window has insufficient diary data).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WindowCourse {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub completeness: f64,
    pub headache_days_per_28: Option<f64>,
    pub migraine_days_per_28: Option<f64>,
    /// Days with any acute medicine, per 28 days.
    pub acute_medication_days_per_28: Option<f64>,
}

impl WindowCourse {
    /// Complete enough for the cohort's change figures, with figures.
    pub fn is_adequate(&self) -> bool {
        self.completeness >= ADEQUATE_DIARY_COMPLETENESS - COMPLETENESS_EPSILON
            && self.headache_days_per_28.is_some()
    }
}

/// The continuation decisions of one rule set as they stood at the end of a cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleDecisions {
    pub rule_set: String,
    /// The day the decisions were taken as of: the last day of the cycle's window.
    pub on: NaiveDate,
    pub decisions: Vec<Decision>,
}

/// One treatment cycle of a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleCourse {
    pub cycle: usize,
    pub session_date: NaiveDate,
    /// Whether the cycle's 28-day window has ended (see [`crate::response::CycleStatus`]).
    pub complete: bool,
    pub window: Option<WindowCourse>,
    /// Per rule set with continuation rules; empty while the cycle is in progress.
    pub decisions: Vec<CycleDecisions>,
}

/// A questionnaire total placed in the course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionnaireScore {
    pub instrument: Instrument,
    pub date: NaiveDate,
    /// `None`: before the first session.
    pub cycle: Option<usize>,
    pub total: u32,
}

/// One chronic-migraine session of a course.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionCourse {
    pub date: NaiveDate,
    pub units: u32,
    pub sites: u32,
    /// Units at sites beyond the PREEMPT fixed-site table (follow-the-pain).
    pub follow_the_pain_units: u32,
}

/// What the cohort report needs of one patient.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatientCourse {
    /// The patient's opaque id, as the caller names patients.
    pub id: String,
    pub sex: Option<Sex>,
    pub diagnoses: Vec<DiagnosisCode>,
    /// The first chronic-migraine session on or before the report date; `None`: not treated.
    pub first_session: Option<NaiveDate>,
    pub age_at_first_session: Option<u32>,
    /// The rule set whose preset the figures use and whose stop decisions end time on treatment.
    pub rule_set: String,
    /// The 28 days before the first session.
    pub baseline: Option<WindowCourse>,
    pub cycles: Vec<CycleCourse>,
    pub questionnaires: Vec<QuestionnaireScore>,
    pub sessions: Vec<SessionCourse>,
    /// Adverse events with onset from the first session to the report date.
    pub adverse_events: Vec<AdverseEvent>,
}

/// A patient's records, for [`course`].
#[derive(Debug, Clone, Copy)]
pub struct CourseInput<'a> {
    pub id: &'a str,
    pub patient: &'a Patient,
    pub diary: &'a Diary,
    /// Every session of the patient; the chronic-migraine ones make the course.
    pub sessions: &'a [Session],
    pub questionnaires: &'a [PromEntry],
    pub adverse_events: &'a [AdverseEvent],
    pub as_of: NaiveDate,
}

fn window_course(
    diary: &Diary,
    w: &WindowFigures,
    rules: &RuleSet,
    has_migraine: bool,
) -> WindowCourse {
    let acute = PeriodMetrics::compute(
        diary,
        DateRange {
            start: w.start,
            end: w.end,
        },
        rules.preset,
        has_migraine,
    );
    WindowCourse {
        start: w.start,
        end: w.end,
        completeness: w.completeness,
        headache_days_per_28: w.headache_days_per_28,
        migraine_days_per_28: w.migraine_days_per_28,
        acute_medication_days_per_28: acute
            .prorate(acute.acute_medication_days.any, NORMALISATION_DAYS),
    }
}

/// One patient's course under `rules` as of `input.as_of`: the response per cycle exactly as
/// [`assess`] gives it (default baseline: the 28 days before the first session), acute-medication
/// days over the same windows, the continuation decisions of every rule set in `rule_sets` with
/// continuation rules at the end of each completed cycle, the questionnaires placed by cycle, the
/// sessions and the adverse events since the first session.
pub fn course(input: CourseInput<'_>, rules: &RuleSet, rule_sets: &[RuleSet]) -> PatientCourse {
    let patient = input.patient;
    let has_migraine = patient.has_migraine_diagnosis();
    let mut migraine_sessions: Vec<&Session> = input
        .sessions
        .iter()
        .filter(|s| *s.indication() == Indication::ChronicMigraine && s.date() <= input.as_of)
        .collect();
    migraine_sessions.sort_by_key(|s| s.date());
    let mut dates: Vec<NaiveDate> = migraine_sessions.iter().map(|s| s.date()).collect();
    dates.dedup();
    let response_input = |as_of: NaiveDate| ResponseInput {
        diary: input.diary,
        has_migraine_diagnosis: has_migraine,
        sessions: &dates,
        baseline_end: None,
        as_of,
    };
    let report = assess(response_input(input.as_of), rules);
    let first_session = dates.first().copied();
    let preempt = Plan::preempt();
    let cycles = report.as_ref().map_or_else(Vec::new, |r| {
        r.cycles
            .iter()
            .map(|c| {
                let complete = c.status == CycleStatus::Complete;
                let window = c
                    .window
                    .as_ref()
                    .map(|w| window_course(input.diary, w, rules, has_migraine));
                let decisions = match (&c.window, complete) {
                    (Some(w), true) => rule_sets
                        .iter()
                        .filter(|s| !s.continuation.is_empty())
                        .filter_map(|s| {
                            assess(response_input(w.end), s).map(|at| CycleDecisions {
                                rule_set: s.id.clone(),
                                on: w.end,
                                decisions: at.decisions,
                            })
                        })
                        .collect(),
                    _ => Vec::new(),
                };
                CycleCourse {
                    cycle: c.cycle,
                    session_date: c.session_date,
                    complete,
                    window,
                    decisions,
                }
            })
            .collect()
    });
    let questionnaires = input
        .questionnaires
        .iter()
        .filter(|e| e.date <= input.as_of)
        .map(|e| QuestionnaireScore {
            instrument: e.result.instrument(),
            date: e.date,
            cycle: cycle_of(e.date, &dates),
            total: e.result.total(),
        })
        .collect();
    PatientCourse {
        id: input.id.to_owned(),
        sex: patient.sex(),
        diagnoses: patient.diagnoses().iter().map(|d| d.code).collect(),
        first_session,
        age_at_first_session: first_session.map(|d| patient.age_on(d)),
        rule_set: rules.id.clone(),
        baseline: report
            .as_ref()
            .map(|r| window_course(input.diary, &r.baseline, rules, has_migraine)),
        cycles,
        questionnaires,
        sessions: migraine_sessions
            .iter()
            .map(|s| SessionCourse {
                date: s.date(),
                units: s.units_given(),
                sites: s.site_count(),
                follow_the_pain_units: s.diff(&preempt).added.iter().map(|a| a.units()).sum(),
            })
            .collect(),
        adverse_events: first_session.map_or_else(Vec::new, |first| {
            input
                .adverse_events
                .iter()
                .filter(|e| e.onset() >= first && e.onset() <= input.as_of)
                .cloned()
                .collect()
        }),
    }
}

// ---------------------------------------------------------------------------------------------
// Selection and options
// ---------------------------------------------------------------------------------------------

/// Which treated patients the report covers; `None` selects everyone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Selection {
    /// First session from … to, inclusive.
    pub first_session: Option<(NaiveDate, NaiveDate)>,
    pub diagnosis: Option<DiagnosisCode>,
    /// Age at the first session from … to, inclusive.
    pub age: Option<(u32, u32)>,
    pub sex: Option<Sex>,
}

impl Selection {
    /// Whether the report covers `course` (treated, and inside every filter).
    pub fn includes(&self, course: &PatientCourse) -> bool {
        excluded_by(course, self).is_none()
    }
}

/// How the report is computed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortOptions {
    /// Time on treatment ends after more than this many days without a session
    /// ([`DISCONTINUATION_GAP_DAYS`] by default, [U]).
    pub discontinuation_gap_days: i64,
    /// The months of the at-risk table.
    pub at_risk_months: Vec<u32>,
}

impl Default for CohortOptions {
    fn default() -> Self {
        CohortOptions {
            discontinuation_gap_days: DISCONTINUATION_GAP_DAYS,
            at_risk_months: DEFAULT_AT_RISK_MONTHS.to_vec(),
        }
    }
}

/// Why the report could not be computed.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum CohortError {
    #[error("the discontinuation gap must be at least 1 day, not {0}")]
    Gap(i64),
    #[error(transparent)]
    Stats(#[from] StatsError),
}

/// Why a patient is not in the report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExclusionReason {
    /// No chronic-migraine session on or before the report date.
    NoSession,
    FirstSession,
    Diagnosis,
    Age,
    Sex,
}

impl ExclusionReason {
    pub fn describe(self) -> &'static str {
        match self {
            ExclusionReason::NoSession => {
                "no chronic-migraine session on or before the report date"
            }
            ExclusionReason::FirstSession => "first session outside the --first-session range",
            ExclusionReason::Diagnosis => "without the --diagnosis asked for",
            ExclusionReason::Age => "age at the first session outside the --age range",
            ExclusionReason::Sex => "sex other than the --sex asked for",
        }
    }
}

/// How many patients were left out for one reason (each counted once, under the first reason
/// in [`ExclusionReason`] order).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exclusion {
    pub reason: ExclusionReason,
    pub description: &'static str,
    pub patients: u64,
}

/// Who is in and who is out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SelectionSummary {
    /// Patients the report was given.
    pub considered: u64,
    pub selected: u64,
    pub excluded: Vec<Exclusion>,
    /// Selected, but the 28 days before the first session are not adequately recorded (or were
    /// not recorded at all): in the session, persistence and safety figures, not in the changes.
    pub without_adequate_baseline: u64,
}

// ---------------------------------------------------------------------------------------------
// Published benchmarks
// ---------------------------------------------------------------------------------------------

/// A published figure printed beside a clinic figure.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparator {
    pub study: &'static str,
    pub figure: &'static str,
    pub value: f64,
    pub unit: &'static str,
    /// When it was measured in the study.
    pub at: &'static str,
    /// [V], [V2] or [`UNVERIFIED_MARK`].
    pub status: EvidenceStatus,
}

impl Comparator {
    /// The status mark to print beside the figure.
    pub fn mark(&self) -> &'static str {
        self.status.mark()
    }
}

const PREEMPT_POOLED: &str = "PREEMPT pooled (Dodick 2010)";
const COMPEL: &str = "COMPEL (Blumenfeld 2018)";
const REPOSE: &str = "REPOSE (Ahmed 2019)";
const GSTT: &str = "Guy's and St Thomas' audit";
const HEADACHE_CHANGE: &str = "mean change in headache days per 28 days";
const DAYS: &str = "days per 28";
const PERCENT: &str = "%";

fn baseline_comparators() -> Vec<Comparator> {
    vec![
        Comparator {
            study: PREEMPT_POOLED,
            figure: "mean headache days per 28 days at baseline",
            value: PREEMPT_POOLED_BASELINE_HEADACHE_DAYS,
            unit: DAYS,
            at: "baseline",
            status: EvidenceStatus::Verified,
        },
        Comparator {
            study: COMPEL,
            figure: "mean headache days per 28 days at baseline",
            value: COMPEL_BASELINE_HEADACHE_DAYS,
            unit: DAYS,
            at: "baseline",
            status: EvidenceStatus::Verified,
        },
        Comparator {
            study: REPOSE,
            figure: "mean headache days per month at the first visit",
            value: REPOSE_BASELINE_HEADACHE_DAYS,
            unit: "days per month",
            at: "first visit",
            status: EvidenceStatus::Secondary,
        },
    ]
}

fn cycle_comparators(cycle: usize) -> Vec<Comparator> {
    match cycle {
        2 => vec![
            Comparator {
                study: PREEMPT_POOLED,
                figure: HEADACHE_CHANGE,
                value: PREEMPT_POOLED_HEADACHE_DAYS_CHANGE_WEEK_24,
                unit: DAYS,
                at: "week 24 (after 2 cycles)",
                status: EvidenceStatus::Secondary,
            },
            Comparator {
                study: "PREEMPT 2 (Diener 2010)",
                figure: HEADACHE_CHANGE,
                value: PREEMPT2_HEADACHE_DAYS_CHANGE_WEEK_24,
                unit: DAYS,
                at: "weeks 21–24 (after 2 cycles)",
                status: EvidenceStatus::Verified,
            },
            Comparator {
                study: PREEMPT_POOLED,
                figure: "share with ≥50 % fewer headache days",
                value: PREEMPT_POOLED_RESPONDER_50_PERCENT_WEEK_24,
                unit: PERCENT,
                at: "week 24 (after 2 cycles)",
                status: EvidenceStatus::Unverified,
            },
            Comparator {
                study: GSTT,
                figure: "share with ≥30 % fewer headache days",
                value: GSTT_RESPONDER_30_PERCENT_CYCLE_2,
                unit: PERCENT,
                at: "after 2 cycles",
                status: EvidenceStatus::Secondary,
            },
            Comparator {
                study: GSTT,
                figure: "of those with ≥30 % fewer, share below 15 headache days",
                value: GSTT_RESPONDERS_EPISODIC_PERCENT,
                unit: PERCENT,
                at: "after 2 cycles",
                status: EvidenceStatus::Secondary,
            },
        ],
        5 => vec![Comparator {
            study: COMPEL,
            figure: HEADACHE_CHANGE,
            value: COMPEL_HEADACHE_DAYS_CHANGE_WEEK_60,
            unit: DAYS,
            at: "week 60 (after 5 cycles)",
            status: EvidenceStatus::Verified,
        }],
        7 => vec![Comparator {
            study: REPOSE,
            figure: "mean headache days per month",
            value: REPOSE_HEADACHE_DAYS_VISIT_8,
            unit: "days per month",
            at: "visit 8 (read as after 7 cycles)",
            status: EvidenceStatus::Secondary,
        }],
        9 => vec![Comparator {
            study: COMPEL,
            figure: HEADACHE_CHANGE,
            value: COMPEL_HEADACHE_DAYS_CHANGE_WEEK_108,
            unit: DAYS,
            at: "week 108 (after 9 cycles)",
            status: EvidenceStatus::Verified,
        }],
        _ => Vec::new(),
    }
}

fn undated_comparators() -> Vec<Comparator> {
    vec![
        Comparator {
            study: "real-world meta-analysis",
            figure: "mean change in headache days",
            value: REAL_WORLD_HEADACHE_DAYS_CHANGE,
            unit: "days",
            at: "time point not stated",
            status: EvidenceStatus::Unverified,
        },
        Comparator {
            study: "real-world meta-analysis",
            figure: "share with ≥50 % fewer headache days",
            value: REAL_WORLD_RESPONDER_50_PERCENT,
            unit: PERCENT,
            at: "time point not stated",
            status: EvidenceStatus::Unverified,
        },
    ]
}

// ---------------------------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------------------------

/// The figures of one treatment cycle.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CycleFigures {
    pub cycle: usize,
    /// Selected patients who had this cycle's session.
    pub treated: u64,
    /// Fewer than 28 days since the session: no window yet.
    pub in_progress: u64,
    /// Baseline and cycle window both adequately recorded: the n of the change figures.
    pub adequate_diary: u64,
    /// Window ended, but the baseline or the cycle is below the completeness floor (or missing).
    pub insufficient_diary_data: u64,
    /// Mean headache days per 28 days in the baseline of the adequate patients.
    pub baseline_headache_days: Option<MeanEstimate>,
    /// Mean headache days per 28 days in the cycle window.
    pub headache_days: Option<MeanEstimate>,
    /// cycle − baseline, per patient (negative: fewer days).
    pub headache_days_change: Option<MeanEstimate>,
    pub migraine_days_change: Option<MeanEstimate>,
    pub acute_medication_days_change: Option<MeanEstimate>,
    /// Met the ≥30 % reduction in headache days (patients with a baseline above 0).
    pub met_30_percent_reduction: Option<Proportion>,
    pub met_50_percent_reduction: Option<Proportion>,
    /// Below 15 headache days per 28 in the cycle window.
    pub below_15_headache_days: Option<Proportion>,
    /// Of those who met the ≥30 % reduction, below 15 headache days per 28.
    pub below_15_among_met_30: Option<Proportion>,
    /// cycle − baseline total, per patient with both (MIDAS, HIT-6 — see [`Self::questionnaires`]).
    pub questionnaires: Vec<QuestionnaireChange>,
    pub comparators: Vec<Comparator>,
}

/// The change of one questionnaire's total against the baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuestionnaireChange {
    pub instrument: Instrument,
    /// Treated in the cycle but without a baseline answer (within
    /// [`QUESTIONNAIRE_BASELINE_DAYS`] before the first session) or without one in the cycle.
    pub without_pair: u64,
    pub change: Option<MeanEstimate>,
}

/// The persistence curve at one time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtRisk {
    pub months: f64,
    pub at_risk: u64,
    pub on_treatment: f64,
    pub band: Option<Interval>,
}

/// Time on treatment from the first session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Persistence {
    pub discontinuation_gap_days: i64,
    /// [`UNVERIFIED_MARK`] when the gap is the unverified default.
    pub gap_mark: Option<&'static str>,
    pub patients: u64,
    pub stopped_by_rule: u64,
    pub stopped_by_gap: u64,
    pub still_on_treatment: u64,
    /// Times in months ([`DAYS_PER_MONTH`]).
    pub curve: SurvivalCurve,
    pub median_months: Option<f64>,
    pub at_risk: Vec<AtRisk>,
    /// The curve at 108 weeks, beside COMPEL's completers.
    pub at_108_weeks: AtRisk,
    pub comparators: Vec<Comparator>,
}

/// Dose, sites, intervals and follow-the-pain.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SessionFigures {
    pub sessions: u64,
    pub units: Option<MeanEstimate>,
    pub units_range: Option<Quartiles>,
    pub sites: Option<MeanEstimate>,
    pub sites_range: Option<Quartiles>,
    /// Days between consecutive sessions of a patient.
    pub interval_days: Option<Quartiles>,
    /// Intervals longer than 13 weeks ([`LONG_INTERVAL_DAYS`]), of all intervals.
    pub intervals_over_13_weeks: Option<Proportion>,
    /// Patients with at least one such interval, of the patients with an interval.
    pub patients_with_interval_over_13_weeks: Option<Proportion>,
    /// Sessions with follow-the-pain sites.
    pub follow_the_pain_sessions: Option<Proportion>,
    /// Follow-the-pain units in those sessions.
    pub follow_the_pain_units: Option<MeanEstimate>,
    pub comparators: Vec<Comparator>,
}

/// How many patients' decisions came out each way for one rule at one cycle.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct OutcomeCounts {
    pub cycle: usize,
    /// Continue: the rule was met.
    pub met: u64,
    /// Stop: the rule was not met.
    pub not_met: u64,
    pub review: u64,
    pub not_yet_applicable: u64,
    /// The diary was too incomplete to decide.
    pub unknown: u64,
}

/// One continuation rule across the cycles.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleTally {
    pub rule: String,
    pub description: String,
    pub source: String,
    pub by_cycle: Vec<OutcomeCounts>,
}

/// The continuation decisions of one rule set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RuleSetDecisions {
    pub rule_set: String,
    pub rules: Vec<RuleTally>,
}

/// Events as a rate per 100 sessions and as a share of patients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EventFigures {
    pub events: u64,
    pub per_100_sessions: Option<PoissonRate>,
    /// Patients with at least one, of the selected patients.
    pub patients: Option<Proportion>,
}

/// One reported term.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermFigures {
    /// Lower-case, punctuation dropped.
    pub term: String,
    pub figures: EventFigures,
    pub serious_events: u64,
}

/// A published adverse-event figure (share of patients) beside the clinic's share of patients.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyComparison {
    pub published: PublishedFigure,
    pub clinic_patients: Option<Proportion>,
}

/// Adverse events after the first session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SafetyFigures {
    pub sessions: u64,
    pub all: EventFigures,
    pub serious: EventFigures,
    pub non_serious: EventFigures,
    /// Related or possibly related in the clinic's assessment.
    pub treatment_related: EventFigures,
    /// Most events first, then alphabetical.
    pub by_term: Vec<TermFigures>,
    pub comparisons: Vec<SafetyComparison>,
    /// Share-of-patient figures without a term list: COMPEL's any adverse event, CM-PASS's
    /// treatment-related ones, beside `all.patients` and `treatment_related.patients`.
    pub comparators: Vec<Comparator>,
}

/// The cohort report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CohortReport {
    pub as_of: NaiveDate,
    pub rule_set: String,
    pub level: ConfidenceLevel,
    pub selection: Selection,
    pub patients: SelectionSummary,
    pub baseline_comparators: Vec<Comparator>,
    pub cycles: Vec<CycleFigures>,
    pub persistence: Persistence,
    pub sessions: SessionFigures,
    pub decisions: Vec<RuleSetDecisions>,
    pub safety: SafetyFigures,
    /// Published figures without a stated time point.
    pub other_comparators: Vec<Comparator>,
    pub wording: &'static str,
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn excluded_by(c: &PatientCourse, s: &Selection) -> Option<ExclusionReason> {
    let Some(first) = c.first_session else {
        return Some(ExclusionReason::NoSession);
    };
    if s.first_session
        .is_some_and(|(from, to)| first < from || first > to)
    {
        return Some(ExclusionReason::FirstSession);
    }
    if s.diagnosis.is_some_and(|d| !c.diagnoses.contains(&d)) {
        return Some(ExclusionReason::Diagnosis);
    }
    if let Some((low, high)) = s.age
        && c.age_at_first_session.is_none_or(|a| a < low || a > high)
    {
        return Some(ExclusionReason::Age);
    }
    if s.sex.is_some_and(|x| c.sex != Some(x)) {
        return Some(ExclusionReason::Sex);
    }
    None
}

/// The cohort report of `courses` selected by `selection`, as of `as_of` (the date the courses
/// were built as of).
pub fn cohort_report(
    courses: &[PatientCourse],
    selection: &Selection,
    options: &CohortOptions,
    rule_set: &str,
    as_of: NaiveDate,
) -> Result<CohortReport, CohortError> {
    if options.discontinuation_gap_days < 1 {
        return Err(CohortError::Gap(options.discontinuation_gap_days));
    }
    let mut excluded: BTreeMap<ExclusionReason, u64> = BTreeMap::new();
    let mut selected: Vec<&PatientCourse> = Vec::new();
    for c in courses {
        match excluded_by(c, selection) {
            Some(reason) => *excluded.entry(reason).or_default() += 1,
            None => selected.push(c),
        }
    }
    let patients = SelectionSummary {
        considered: count(courses.len()),
        selected: count(selected.len()),
        excluded: excluded
            .into_iter()
            .map(|(reason, patients)| Exclusion {
                reason,
                description: reason.describe(),
                patients,
            })
            .collect(),
        without_adequate_baseline: count(
            selected
                .iter()
                .filter(|c| !c.baseline.as_ref().is_some_and(WindowCourse::is_adequate))
                .count(),
        ),
    };
    let cycle_count = selected.iter().map(|c| c.cycles.len()).max().unwrap_or(0);
    let cycles = (1..=cycle_count)
        .map(|k| cycle_figures(&selected, k))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CohortReport {
        as_of,
        rule_set: rule_set.to_owned(),
        level: ConfidenceLevel::NINETY_FIVE,
        selection: selection.clone(),
        patients,
        baseline_comparators: baseline_comparators(),
        cycles,
        persistence: persistence(&selected, options, as_of)?,
        sessions: session_figures(&selected)?,
        decisions: decision_tallies(&selected, cycle_count),
        safety: safety_figures(&selected)?,
        other_comparators: undated_comparators(),
        wording: WORDING_NOTE,
    })
}

fn mean(values: &[f64]) -> Result<Option<MeanEstimate>, StatsError> {
    mean_with_t_interval(values, ConfidenceLevel::NINETY_FIVE)
}

fn share_wilson(successes: usize, n: usize) -> Result<Option<Proportion>, StatsError> {
    wilson(count(successes), count(n), ConfidenceLevel::NINETY_FIVE)
}

fn share_exact(successes: usize, n: usize) -> Result<Option<Proportion>, StatsError> {
    clopper_pearson(count(successes), count(n), ConfidenceLevel::NINETY_FIVE)
}

/// The latest total of `instrument` in the baseline (within [`QUESTIONNAIRE_BASELINE_DAYS`]
/// before the first session) or in `cycle`.
pub(crate) fn latest_total(
    c: &PatientCourse,
    instrument: Instrument,
    cycle: Option<usize>,
) -> Option<u32> {
    let earliest_baseline = c
        .first_session
        .map(|f| f - Duration::days(QUESTIONNAIRE_BASELINE_DAYS));
    c.questionnaires
        .iter()
        .filter(|q| q.instrument == instrument && q.cycle == cycle)
        .filter(|q| cycle.is_some() || earliest_baseline.is_some_and(|e| q.date >= e))
        .max_by_key(|q| q.date)
        .map(|q| q.total)
}

fn cycle_figures(selected: &[&PatientCourse], k: usize) -> Result<CycleFigures, StatsError> {
    let treated: Vec<(&PatientCourse, &CycleCourse)> = selected
        .iter()
        .filter_map(|c| c.cycles.get(k - 1).map(|cy| (*c, cy)))
        .collect();
    let in_progress = treated.iter().filter(|(_, cy)| !cy.complete).count();
    let adequate: Vec<(&WindowCourse, &WindowCourse)> = treated
        .iter()
        .filter(|(_, cy)| cy.complete)
        .filter_map(|(c, cy)| match (&c.baseline, &cy.window) {
            (Some(b), Some(w)) if b.is_adequate() && w.is_adequate() => Some((b, w)),
            _ => None,
        })
        .collect();
    let complete = treated.len() - in_progress;
    let diff = |f: fn(&WindowCourse) -> Option<f64>| -> Vec<f64> {
        adequate
            .iter()
            .filter_map(|(b, w)| f(w).zip(f(b)).map(|(x, y)| x - y))
            .collect()
    };
    let headache = |w: &WindowCourse| w.headache_days_per_28;
    let changes: Vec<Change> = adequate
        .iter()
        .map(|(b, w)| Change::new(b.headache_days_per_28, w.headache_days_per_28))
        .collect();
    let judged = |percent: f64| -> (usize, usize) {
        let flags: Vec<bool> = changes
            .iter()
            .filter_map(|ch| ch.reduced_by_at_least(percent))
            .collect();
        (flags.iter().filter(|f| **f).count(), flags.len())
    };
    let (met_30, judged_30) = judged(RESPONDER_30_PERCENT);
    let (met_50, judged_50) = judged(RESPONDER_50_PERCENT);
    let below = |ch: &Change| {
        ch.cycle
            .is_some_and(|x| x < CHRONIC_HEADACHE_DAYS_PER_MONTH)
    };
    let met_30_changes: Vec<&Change> = changes
        .iter()
        .filter(|ch| ch.reduced_by_at_least(RESPONDER_30_PERCENT) == Some(true))
        .collect();
    let questionnaires = [Instrument::Midas, Instrument::Hit6]
        .into_iter()
        .map(|instrument| {
            let pairs: Vec<f64> = treated
                .iter()
                .filter_map(|(c, _)| {
                    latest_total(c, instrument, None)
                        .zip(latest_total(c, instrument, Some(k)))
                        .map(|(b, x)| f64::from(x) - f64::from(b))
                })
                .collect();
            Ok(QuestionnaireChange {
                instrument,
                without_pair: count(treated.len() - pairs.len()),
                change: mean(&pairs)?,
            })
        })
        .collect::<Result<Vec<_>, StatsError>>()?;
    Ok(CycleFigures {
        cycle: k,
        treated: count(treated.len()),
        in_progress: count(in_progress),
        adequate_diary: count(adequate.len()),
        insufficient_diary_data: count(complete - adequate.len()),
        baseline_headache_days: mean(
            &adequate
                .iter()
                .filter_map(|(b, _)| b.headache_days_per_28)
                .collect::<Vec<_>>(),
        )?,
        headache_days: mean(
            &adequate
                .iter()
                .filter_map(|(_, w)| w.headache_days_per_28)
                .collect::<Vec<_>>(),
        )?,
        headache_days_change: mean(&diff(headache))?,
        migraine_days_change: mean(&diff(|w| w.migraine_days_per_28))?,
        acute_medication_days_change: mean(&diff(|w| w.acute_medication_days_per_28))?,
        met_30_percent_reduction: share_wilson(met_30, judged_30)?,
        met_50_percent_reduction: share_wilson(met_50, judged_50)?,
        below_15_headache_days: share_wilson(
            changes.iter().filter(|ch| below(ch)).count(),
            adequate.len(),
        )?,
        below_15_among_met_30: share_wilson(
            met_30_changes.iter().filter(|ch| below(ch)).count(),
            met_30_changes.len(),
        )?,
        questionnaires,
        comparators: cycle_comparators(k),
    })
}

/// How a patient's time on treatment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    Rule,
    Gap,
    Censored,
}

/// The end of a course's time on treatment and how it ended.
fn time_on_treatment(c: &PatientCourse, gap: i64, as_of: NaiveDate) -> Option<(i64, Ending)> {
    let mut dates: Vec<NaiveDate> = c.sessions.iter().map(|s| s.date).collect();
    dates.sort();
    dates.dedup();
    let first = c.first_session.or(dates.first().copied())?;
    let gap_end = dates
        .windows(2)
        .find(|w| (w[1] - w[0]).num_days() > gap)
        .map(|w| w[0])
        .or_else(|| {
            dates
                .last()
                .filter(|last| (as_of - **last).num_days() > gap)
                .copied()
        })
        .map(|last| last + Duration::days(gap));
    let stop = c
        .cycles
        .iter()
        .flat_map(|cy| cy.decisions.iter())
        .filter(|d| d.rule_set == c.rule_set)
        .filter(|d| {
            d.decisions
                .iter()
                .any(|x| x.outcome == DecisionOutcome::Stop)
        })
        .map(|d| d.on)
        .min();
    let (end, ending) = match (stop, gap_end) {
        (Some(s), Some(g)) if g < s => (g, Ending::Gap),
        (Some(s), _) => (s, Ending::Rule),
        (None, Some(g)) => (g, Ending::Gap),
        (None, None) => (as_of, Ending::Censored),
    };
    Some(((end - first).num_days().max(0), ending))
}

fn at_risk_row(curve: &SurvivalCurve, months: f64) -> AtRisk {
    let at_risk = curve.at_risk_at(&[months]).first().map_or(0, |(_, n)| *n);
    AtRisk {
        months,
        at_risk,
        on_treatment: curve.survival_at(months),
        band: curve.step_at(months).and_then(|s| s.band),
    }
}

fn persistence(
    selected: &[&PatientCourse],
    options: &CohortOptions,
    as_of: NaiveDate,
) -> Result<Persistence, StatsError> {
    let gap = options.discontinuation_gap_days;
    let times: Vec<(i64, Ending)> = selected
        .iter()
        .filter_map(|c| time_on_treatment(c, gap, as_of))
        .collect();
    let observations: Vec<Observation> = times
        .iter()
        .map(|(days, ending)| Observation {
            time: *days as f64 / DAYS_PER_MONTH,
            event: *ending != Ending::Censored,
        })
        .collect();
    let curve = kaplan_meier(&observations)?;
    let ended = |e: Ending| count(times.iter().filter(|(_, x)| *x == e).count());
    Ok(Persistence {
        discontinuation_gap_days: gap,
        gap_mark: (gap == DISCONTINUATION_GAP_DAYS).then_some(UNVERIFIED_MARK),
        patients: count(times.len()),
        stopped_by_rule: ended(Ending::Rule),
        stopped_by_gap: ended(Ending::Gap),
        still_on_treatment: ended(Ending::Censored),
        median_months: curve.median(),
        at_risk: options
            .at_risk_months
            .iter()
            .map(|m| at_risk_row(&curve, f64::from(*m)))
            .collect(),
        at_108_weeks: at_risk_row(&curve, COMPEL_WEEKS_108_DAYS as f64 / DAYS_PER_MONTH),
        comparators: vec![Comparator {
            study: COMPEL,
            figure: "share who completed the study",
            value: COMPEL_COMPLETED_108_WEEKS_PERCENT,
            unit: PERCENT,
            at: "108 weeks",
            status: EvidenceStatus::Secondary,
        }],
        curve,
    })
}

fn session_figures(selected: &[&PatientCourse]) -> Result<SessionFigures, StatsError> {
    let sessions: Vec<&SessionCourse> = selected.iter().flat_map(|c| c.sessions.iter()).collect();
    let units: Vec<f64> = sessions.iter().map(|s| f64::from(s.units)).collect();
    let sites: Vec<f64> = sessions.iter().map(|s| f64::from(s.sites)).collect();
    let mut intervals: Vec<f64> = Vec::new();
    let (mut with_interval, mut with_long) = (0usize, 0usize);
    for c in selected {
        let mut dates: Vec<NaiveDate> = c.sessions.iter().map(|s| s.date).collect();
        dates.sort();
        dates.dedup();
        let gaps: Vec<i64> = dates.windows(2).map(|w| (w[1] - w[0]).num_days()).collect();
        if !gaps.is_empty() {
            with_interval += 1;
            if gaps.iter().any(|g| *g > LONG_INTERVAL_DAYS) {
                with_long += 1;
            }
        }
        intervals.extend(gaps.iter().map(|g| *g as f64));
    }
    let ftp: Vec<f64> = sessions
        .iter()
        .filter(|s| s.follow_the_pain_units > 0)
        .map(|s| f64::from(s.follow_the_pain_units))
        .collect();
    Ok(SessionFigures {
        sessions: count(sessions.len()),
        units: mean(&units)?,
        units_range: median_and_iqr(&units)?,
        sites: mean(&sites)?,
        sites_range: median_and_iqr(&sites)?,
        interval_days: median_and_iqr(&intervals)?,
        intervals_over_13_weeks: share_wilson(
            intervals
                .iter()
                .filter(|d| **d > LONG_INTERVAL_DAYS as f64)
                .count(),
            intervals.len(),
        )?,
        patients_with_interval_over_13_weeks: share_wilson(with_long, with_interval)?,
        follow_the_pain_sessions: share_wilson(ftp.len(), sessions.len())?,
        follow_the_pain_units: mean(&ftp)?,
        comparators: vec![
            Comparator {
                study: REPOSE,
                figure: "mean units per session",
                value: REPOSE_MEAN_UNITS,
                unit: "U",
                at: "all sessions",
                status: EvidenceStatus::Secondary,
            },
            Comparator {
                study: REPOSE,
                figure: "mean injection sites per session",
                value: REPOSE_MEAN_SITES,
                unit: "sites",
                at: "all sessions",
                status: EvidenceStatus::Secondary,
            },
            Comparator {
                study: REPOSE,
                figure: "share of patients with an interval longer than 13 weeks",
                value: REPOSE_PATIENTS_WITH_LONG_INTERVAL_PERCENT,
                unit: PERCENT,
                at: "whole study",
                status: EvidenceStatus::Secondary,
            },
        ],
    })
}

fn decision_tallies(selected: &[&PatientCourse], cycles: usize) -> Vec<RuleSetDecisions> {
    let mut sets: Vec<RuleSetDecisions> = Vec::new();
    for c in selected {
        for cy in &c.cycles {
            for at in &cy.decisions {
                let pos = match sets.iter().position(|s| s.rule_set == at.rule_set) {
                    Some(p) => p,
                    None => {
                        sets.push(RuleSetDecisions {
                            rule_set: at.rule_set.clone(),
                            rules: Vec::new(),
                        });
                        sets.len() - 1
                    }
                };
                let set = &mut sets[pos];
                for d in &at.decisions {
                    let rpos = match set.rules.iter().position(|r| r.rule == d.rule) {
                        Some(p) => p,
                        None => {
                            set.rules.push(RuleTally {
                                rule: d.rule.clone(),
                                description: d.description.clone(),
                                source: d.source.clone(),
                                by_cycle: (1..=cycles)
                                    .map(|cycle| OutcomeCounts {
                                        cycle,
                                        ..OutcomeCounts::default()
                                    })
                                    .collect(),
                            });
                            set.rules.len() - 1
                        }
                    };
                    if let Some(counts) = set.rules[rpos].by_cycle.get_mut(cy.cycle - 1) {
                        match d.outcome {
                            DecisionOutcome::Continue => counts.met += 1,
                            DecisionOutcome::Stop => counts.not_met += 1,
                            DecisionOutcome::Review => counts.review += 1,
                            DecisionOutcome::NotYetApplicable => counts.not_yet_applicable += 1,
                            DecisionOutcome::Unknown => counts.unknown += 1,
                        }
                    }
                }
            }
        }
    }
    sets
}

fn event_figures(
    selected: &[&PatientCourse],
    sessions: u64,
    keep: &dyn Fn(&AdverseEvent) -> bool,
) -> Result<EventFigures, StatsError> {
    let per_patient: Vec<usize> = selected
        .iter()
        .map(|c| c.adverse_events.iter().filter(|e| keep(e)).count())
        .collect();
    let events: usize = per_patient.iter().sum();
    Ok(EventFigures {
        events: count(events),
        per_100_sessions: poisson_rate(
            count(events),
            sessions as f64,
            100.0,
            ConfidenceLevel::NINETY_FIVE,
        )?,
        patients: share_exact(
            per_patient.iter().filter(|n| **n > 0).count(),
            selected.len(),
        )?,
    })
}

fn safety_figures(selected: &[&PatientCourse]) -> Result<SafetyFigures, StatsError> {
    let sessions = count(selected.iter().map(|c| c.sessions.len()).sum());
    let mut terms: BTreeMap<String, u64> = BTreeMap::new();
    for e in selected.iter().flat_map(|c| c.adverse_events.iter()) {
        *terms.entry(normalise_term(e.reported_term())).or_default() += 1;
    }
    let mut by_term = terms
        .keys()
        .map(|term| {
            let same = |e: &AdverseEvent| normalise_term(e.reported_term()) == *term;
            Ok(TermFigures {
                term: term.clone(),
                figures: event_figures(selected, sessions, &same)?,
                serious_events: count(
                    selected
                        .iter()
                        .flat_map(|c| c.adverse_events.iter())
                        .filter(|e| same(e) && e.is_serious())
                        .count(),
                ),
            })
        })
        .collect::<Result<Vec<_>, StatsError>>()?;
    by_term.sort_by(|a, b| {
        b.figures
            .events
            .cmp(&a.figures.events)
            .then(a.term.cmp(&b.term))
    });
    let comparisons = PUBLISHED_SAFETY_FIGURES
        .iter()
        .map(|figure| {
            let with = selected
                .iter()
                .filter(|c| c.adverse_events.iter().any(|e| figure.counts(e)))
                .count();
            Ok(SafetyComparison {
                published: figure.clone(),
                clinic_patients: share_exact(with, selected.len())?,
            })
        })
        .collect::<Result<Vec<_>, StatsError>>()?;
    Ok(SafetyFigures {
        sessions,
        all: event_figures(selected, sessions, &|_| true)?,
        serious: event_figures(selected, sessions, &|e| e.is_serious())?,
        non_serious: event_figures(selected, sessions, &|e| !e.is_serious())?,
        treatment_related: event_figures(selected, sessions, &|e| {
            e.causality().is_treatment_related()
        })?,
        by_term,
        comparisons,
        comparators: vec![
            Comparator {
                study: COMPEL,
                figure: "share of patients with at least one adverse event",
                value: COMPEL_ANY_AE_PERCENT,
                unit: PERCENT,
                at: "108 weeks",
                status: EvidenceStatus::Secondary,
            },
            Comparator {
                study: "CM-PASS",
                figure: "share of patients with a treatment-related adverse event",
                value: CM_PASS_TREATMENT_RELATED_AE_PERCENT,
                unit: PERCENT,
                at: "whole study",
                status: EvidenceStatus::Unverified,
            },
        ],
    })
}

#[cfg(test)]
#[path = "cohort_tests.rs"]
mod tests;
