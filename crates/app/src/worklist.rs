//! The clinic's worklist as one use case: who needs a same-day review of their questionnaire
//! answers, who is overdue, due or too early for treatment, who awaits an eligibility decision,
//! which adverse events are flagged, and whose diary has gone quiet. The pages (and any other
//! edge) only word it.

use std::collections::{HashMap, HashSet};

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use cephalog_core::DiagnosisCode;
use cephalog_core::eligibility::Verdict;
use cephalog_core::rules::RuleSet;
use cephalog_core::safety::UrgentReview;
use cephalog_core::schedule::{Schedule, ScheduleWindow};
use cephalog_store::{PatientRecord, Store};

use crate::safety::{QuestionnaireAlert, questionnaires_awaiting_review};
use crate::{AppError, Who, eligibility, treatment_schedule};

/// A diary with no entry for more than this many days has "gone quiet" [unverified default: a
/// week, the usual interval at which headache nurses chase diaries].
pub const QUIET_DIARY_DAYS: i64 = 7;

/// An adverse event that needs attention: an unacknowledged boxed-warning review, or a serious
/// case not yet reported.
#[derive(Debug, Clone)]
pub struct FlaggedEvent {
    pub patient: Uuid,
    pub term: String,
    pub onset: NaiveDate,
    pub urgent: Option<UrgentReview>,
    /// The report's due date, for a serious case not yet submitted.
    pub report_due: Option<NaiveDate>,
}

/// A chronic-migraine patient not yet treated, with the eligibility verdict.
#[derive(Debug, Clone)]
pub struct AwaitingEligibility {
    pub patient: Uuid,
    pub rules: String,
    pub verdict: Verdict,
}

/// The worklist of one clinic on a day.
#[derive(Debug, Clone)]
pub struct Worklist {
    /// The clinic's patients, by name.
    pub patients: Vec<PatientRecord>,
    pub questionnaire_alerts: Vec<QuestionnaireAlert>,
    pub schedule: Schedule<Who>,
    pub awaiting_eligibility: Vec<AwaitingEligibility>,
    pub flagged_events: Vec<FlaggedEvent>,
    /// Patients whose last diary day is more than [`QUIET_DIARY_DAYS`] ago, or who have none.
    pub quiet_diaries: Vec<(Uuid, Option<NaiveDate>)>,
}

impl Worklist {
    /// A patient of the worklist.
    pub fn patient(&self, id: Uuid) -> Option<&PatientRecord> {
        self.patients.iter().find(|p| p.id == id)
    }
}

/// The worklist of `clinic` on `today`; eligibility is judged by `rules` when given.
pub async fn worklist(
    store: &Store,
    rules: Option<&RuleSet>,
    clinic: Uuid,
    today: NaiveDate,
) -> Result<Worklist, AppError> {
    let patients = store.clinic_patients(clinic).await?;
    let ids: HashSet<Uuid> = patients.iter().map(|p| p.id).collect();
    let schedule =
        treatment_schedule(store, ScheduleWindow::default(), today, Some(clinic)).await?;
    // The schedule lists exactly the clinic's patients with a headache session.
    let treated: HashSet<Uuid> = [&schedule.overdue, &schedule.due, &schedule.too_early]
        .into_iter()
        .flatten()
        .map(|e| e.patient.id)
        .collect();

    let mut awaiting_eligibility = Vec::new();
    if let Some(rules) = rules {
        for p in patients.iter().filter(|p| {
            !treated.contains(&p.id)
                && p.patient
                    .diagnoses()
                    .iter()
                    .any(|d| d.code == DiagnosisCode::ChronicMigraine)
        }) {
            let e = eligibility(store, rules, p, today).await?;
            awaiting_eligibility.push(AwaitingEligibility {
                patient: p.id,
                rules: rules.name.clone(),
                verdict: e.verdict,
            });
        }
    }

    // Session dates, read only for treated patients with an adverse event.
    let mut sessions_by_patient: HashMap<Uuid, Vec<NaiveDate>> = HashMap::new();
    // An acknowledged urgent review has been dealt with: it leaves the worklist.
    let acknowledged: HashSet<Uuid> = store
        .urgent_review_acks(None)
        .await?
        .into_iter()
        .map(|a| a.event)
        .collect();
    let mut flagged_events = Vec::new();
    for ae in store.adverse_events(None).await? {
        if !ids.contains(&ae.patient) {
            continue;
        }
        if treated.contains(&ae.patient) && !sessions_by_patient.contains_key(&ae.patient) {
            let dates = store
                .sessions(ae.patient)
                .await?
                .iter()
                .map(|s| s.session.date())
                .collect();
            sessions_by_patient.insert(ae.patient, dates);
        }
        let sessions = sessions_by_patient
            .get(&ae.patient)
            .map(Vec::as_slice)
            .unwrap_or_default();
        let urgent = ae
            .event
            .distant_spread_review(sessions)
            .filter(|_| !acknowledged.contains(&ae.id));
        let report_due = (ae.submitted_on.is_none() && ae.event.is_serious())
            .then(|| ae.event.report_due_date());
        if urgent.is_some() || report_due.is_some() {
            flagged_events.push(FlaggedEvent {
                patient: ae.patient,
                term: ae.event.reported_term().to_owned(),
                onset: ae.event.onset(),
                urgent,
                report_due,
            });
        }
    }

    let last_days: HashMap<Uuid, NaiveDate> = store.last_diary_days().await?.into_iter().collect();
    let quiet_diaries = patients
        .iter()
        .filter_map(|p| match last_days.get(&p.id) {
            Some(last) if today - *last > Duration::days(QUIET_DIARY_DAYS) => {
                Some((p.id, Some(*last)))
            }
            None => Some((p.id, None)),
            _ => None,
        })
        .collect();

    let questionnaire_alerts = questionnaires_awaiting_review(store, Some(clinic), None).await?;
    Ok(Worklist {
        patients,
        questionnaire_alerts,
        schedule,
        awaiting_eligibility,
        flagged_events,
        quiet_diaries,
    })
}
