//! A patient's record loaded once for the use cases of one request or command, and the use cases
//! that work from it: eligibility (today and before treatment), the response, the ICHD-3 diary
//! classification and the overview a clinician opens a record with. The single-purpose functions
//! of the crate root load only what they need and compute through the same functions, so a figure
//! is the same whichever way it is asked for.

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::classify::{Classification, classify};
use cephalog_core::eligibility::{
    Attestation, CriterionOutcome, Eligibility, EligibilityInput, Verdict, evaluate,
};
use cephalog_core::preset::DayPreset;
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::{Instrument, PromEntry};
use cephalog_core::response::{CycleStatus, ResponseInput, assess};
use cephalog_core::rules::RuleSet;
use cephalog_core::schedule::ScheduleWindow;
use cephalog_core::session::Indication;
use cephalog_core::{Diary, Patient};
use cephalog_store::{AdverseEventRecord, PatientRecord, SessionRecord, Store, UrgentReviewAck};

use crate::{AppError, PromInCycle, ResponseView, defaults, find_rule_set};

/// What a patient's use cases read, loaded once.
#[derive(Debug, Clone)]
pub struct PatientContext {
    pub record: PatientRecord,
    pub diary: Diary,
    pub sessions: Vec<SessionRecord>,
    pub preventives: Vec<(Uuid, PreventiveTrial)>,
    pub questionnaires: Vec<(Uuid, PromEntry)>,
    /// Medication-overuse attestations, oldest first.
    pub attestations: Vec<Attestation>,
    pub adverse_events: Vec<AdverseEventRecord>,
    pub acknowledgements: Vec<UrgentReviewAck>,
}

impl PatientContext {
    /// Loads the patient's diary, sessions, preventives, questionnaires, attestations, adverse
    /// events and urgent-review acknowledgements.
    pub async fn load(store: &Store, record: PatientRecord) -> Result<Self, AppError> {
        let chart = store.patient_chart(record.id).await?;
        let acknowledgements = store.urgent_review_acks(Some(record.id)).await?;
        Ok(PatientContext {
            record,
            diary: chart.diary,
            sessions: chart.sessions,
            preventives: chart.preventives,
            questionnaires: chart.questionnaires,
            attestations: chart.attestations,
            adverse_events: chart.adverse_events,
            acknowledgements,
        })
    }

    pub fn patient(&self) -> &Patient {
        &self.record.patient
    }

    /// Chronic-migraine session dates, oldest first.
    pub fn migraine_session_dates(&self) -> Vec<NaiveDate> {
        migraine_dates(&self.sessions)
    }

    /// Eligibility under `rules` on `on`.
    pub fn eligibility(&self, rules: &RuleSet, on: NaiveDate) -> Eligibility {
        let trials: Vec<PreventiveTrial> =
            self.preventives.iter().map(|(_, t)| t.clone()).collect();
        let attestation = self.attestations.iter().rev().find(|a| a.on <= on);
        eligibility_of(
            rules,
            &self.record,
            &self.diary,
            &trials,
            attestation,
            &self.sessions,
            on,
        )
    }

    /// Eligibility the day before the first chronic-migraine session on or before `on`.
    pub fn eligibility_before_treatment(
        &self,
        rules: &RuleSet,
        on: NaiveDate,
    ) -> Option<(NaiveDate, Eligibility)> {
        let first = self
            .migraine_session_dates()
            .into_iter()
            .filter(|d| *d <= on)
            .min()?;
        let before = first.pred_opt()?;
        Some((before, self.eligibility(rules, before)))
    }

    /// The response per cycle under `rules` as of `on`; `None` before the first session.
    pub fn response(
        &self,
        rules: &RuleSet,
        on: NaiveDate,
        baseline_end: Option<NaiveDate>,
    ) -> Option<ResponseView> {
        let entries: Vec<PromEntry> = self.questionnaires.iter().map(|(_, e)| e.clone()).collect();
        response_of(
            rules,
            &self.record,
            &self.diary,
            &self.migraine_session_dates(),
            &entries,
            on,
            baseline_end,
        )
    }

    /// The ICHD-3 diary classification as of `on`.
    pub fn classification(&self, on: NaiveDate) -> Classification {
        classify(&self.diary, self.patient().has_migraine_diagnosis(), on)
    }

    /// What a clinician opens the record with: eligibility under the default rule set, the latest
    /// completed cycle under the default response rules, the latest questionnaire of each
    /// instrument, the sessions and the adverse events, as of `today`.
    pub fn overview(&self, rules: &[RuleSet], today: NaiveDate) -> Result<Overview, AppError> {
        let set = find_rule_set(rules, defaults::ELIGIBILITY_RULES)?;
        let e = self.eligibility(set, today);
        let eligibility = EligibilitySummary {
            rule_set_name: e.rule_set_name.clone(),
            verdict: e.verdict,
            open: e
                .criteria
                .iter()
                .filter(|c| c.outcome != CriterionOutcome::Met)
                .map(|c| c.id.clone())
                .collect(),
        };
        let migraine = self.migraine_session_dates();
        let response = if migraine.is_empty() {
            ResponseSummary::NoSession
        } else {
            let set = find_rule_set(rules, defaults::RESPONSE_RULES)?;
            match self.response(set, today, None) {
                None => ResponseSummary::NoSession,
                Some(v) => {
                    let latest = v.report.cycles.iter().rev().find(|c| {
                        c.status == CycleStatus::Complete && c.headache_days.cycle.is_some()
                    });
                    match latest {
                        Some(c) => ResponseSummary::Cycle {
                            rule_set: v.report.rule_set.clone(),
                            preset: v.report.preset,
                            cycle: c.cycle,
                            headache_days: c.headache_days.cycle.unwrap_or_default(),
                            baseline_headache_days: c.headache_days.baseline,
                            reduction_percent: c.headache_days.reduction_percent(),
                        },
                        None => ResponseSummary::NoCompleteCycle {
                            cycles: v.report.cycles.len(),
                        },
                    }
                }
            }
        };
        let latest_questionnaires = Instrument::ALL
            .into_iter()
            .filter_map(|i| {
                self.questionnaires
                    .iter()
                    .map(|(_, e)| e)
                    .filter(|e| e.result.instrument() == i)
                    .max_by_key(|e| e.date)
                    .cloned()
            })
            .collect();
        let last_headache_session = self
            .sessions
            .iter()
            .filter(|s| s.session.indication().is_headache())
            .map(|s| s.session.date())
            .max();
        let session_dates: Vec<NaiveDate> =
            self.sessions.iter().map(|s| s.session.date()).collect();
        let urgent = self
            .adverse_events
            .iter()
            .filter(|e| e.event.distant_spread_review(&session_dates).is_some())
            .filter(|e| !self.acknowledgements.iter().any(|a| a.event == e.id))
            .count();
        let overdue = self
            .adverse_events
            .iter()
            .filter(|e| e.submitted_on.is_none() && e.event.report_due_date() < today)
            .count();
        Ok(Overview {
            eligibility,
            response,
            latest_questionnaires,
            sessions: SessionsSummary {
                count: self.sessions.len(),
                last: last_headache_session,
                next_due: last_headache_session.map(|d| ScheduleWindow::default().due_dates(d)),
            },
            adverse_events: AdverseEventsSummary {
                count: self.adverse_events.len(),
                urgent,
                overdue,
            },
        })
    }
}

/// The eligibility line of the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EligibilitySummary {
    pub rule_set_name: String,
    pub verdict: Verdict,
    /// The criteria not met or not decided.
    pub open: Vec<String>,
}

/// The response line of the overview.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub enum ResponseSummary {
    NoSession,
    NoCompleteCycle {
        cycles: usize,
    },
    /// The latest completed cycle with diary data.
    Cycle {
        rule_set: String,
        preset: DayPreset,
        cycle: usize,
        headache_days: f64,
        baseline_headache_days: Option<f64>,
        reduction_percent: Option<f64>,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionsSummary {
    /// Sessions of every indication.
    pub count: usize,
    /// The latest headache session.
    pub last: Option<NaiveDate>,
    /// When the next is due, from the latest headache session.
    pub next_due: Option<(NaiveDate, NaiveDate)>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AdverseEventsSummary {
    pub count: usize,
    /// Flagged for urgent review and not acknowledged.
    pub urgent: usize,
    /// Reports past their due date and not submitted.
    pub overdue: usize,
}

/// The overview of a patient's record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overview {
    pub eligibility: EligibilitySummary,
    pub response: ResponseSummary,
    /// The latest answer set of each instrument.
    pub latest_questionnaires: Vec<PromEntry>,
    pub sessions: SessionsSummary,
    pub adverse_events: AdverseEventsSummary,
}

pub(crate) fn migraine_dates(sessions: &[SessionRecord]) -> Vec<NaiveDate> {
    let mut dates: Vec<NaiveDate> = sessions
        .iter()
        .filter(|s| s.session.indication() == &Indication::ChronicMigraine)
        .map(|s| s.session.date())
        .collect();
    dates.sort();
    dates
}

pub(crate) fn eligibility_of(
    rules: &RuleSet,
    r: &PatientRecord,
    diary: &Diary,
    trials: &[PreventiveTrial],
    attestation: Option<&Attestation>,
    sessions: &[SessionRecord],
    on: NaiveDate,
) -> Eligibility {
    let last_session = sessions
        .iter()
        .map(|s| s.session.date())
        .filter(|d| *d < on)
        .max();
    evaluate(
        rules,
        EligibilityInput {
            patient: &r.patient,
            diary,
            preventives: trials,
            last_session,
            overuse_attestation: attestation,
            on,
        },
    )
}

pub(crate) fn response_of(
    rules: &RuleSet,
    r: &PatientRecord,
    diary: &Diary,
    migraine_sessions: &[NaiveDate],
    questionnaires: &[PromEntry],
    on: NaiveDate,
    baseline_end: Option<NaiveDate>,
) -> Option<ResponseView> {
    let report = assess(
        ResponseInput {
            diary,
            has_migraine_diagnosis: r.patient.has_migraine_diagnosis(),
            sessions: migraine_sessions,
            baseline_end,
            as_of: on,
        },
        rules,
    )?;
    Some(ResponseView {
        report,
        proms: proms_in_cycles(questionnaires, migraine_sessions),
    })
}

pub(crate) fn proms_in_cycles(entries: &[PromEntry], sessions: &[NaiveDate]) -> Vec<PromInCycle> {
    let mut sorted = sessions.to_vec();
    sorted.sort();
    entries
        .iter()
        .map(|e| {
            let cycle = cephalog_core::response::cycle_of(e.date, &sorted);
            PromInCycle {
                period: cycle.map_or_else(|| "baseline".to_owned(), |c| format!("cycle {c}")),
                cycle,
                date: e.date,
                instrument: e.result.instrument(),
                total: e.result.total(),
                interpretation: e.result.interpretation(),
            }
        })
        .collect()
}
