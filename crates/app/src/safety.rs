//! Adverse events as the clinic sees them: the case with its seriousness, ICSR validity, report
//! due date and the boxed-warning review flag; the suspect products taken from the sessions; the
//! E2B(R3) message and the MedWatch 3500 field set of a case.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::safety::{
    AdverseEvent, IcsrPatient, IcsrPatientDraft, IcsrValidity, SafetyError, SuspectProductDraft,
    UrgentReview,
};
use cephalog_core::session::Session;
use cephalog_e2b::{ExportError, MedWatchReport, SenderSettings};
use cephalog_store::{AdverseEventRecord, PatientRecord, Store, StoreError, UrgentReviewAck};

use crate::AppError;

/// The patient as an ICSR names them: initials, the clinic's record number (or Cephalog's id),
/// date of birth and sex.
pub fn icsr_patient(r: &PatientRecord) -> Result<IcsrPatient, SafetyError> {
    let initials: String = r
        .patient
        .name()
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect();
    IcsrPatient::try_from(IcsrPatientDraft {
        initials: (!initials.is_empty()).then_some(initials),
        identifier: Some(
            r.patient
                .mrn()
                .map_or_else(|| r.id.to_string(), str::to_owned),
        ),
        date_of_birth: Some(r.patient.date_of_birth()),
        age_years: None,
        sex: r.patient.sex(),
        weight_kg: None,
    })
}

/// A case as shown: the event, its validity, due date, and review flag.
#[derive(Debug, Serialize)]
pub struct CaseView<'a> {
    pub id: Uuid,
    pub patient: Uuid,
    #[serde(flatten)]
    pub event: &'a AdverseEvent,
    pub serious: bool,
    pub icsr: IcsrValidity,
    pub report_due: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    /// Set when a boxed-warning symptom (distant spread of toxin effect) began after a session.
    pub urgent_review: Option<UrgentReview>,
    /// Who acknowledged the urgent review, when, and what was decided; an acknowledged flag
    /// leaves the worklist and no longer refuses the next session.
    pub acknowledgement: Option<UrgentReviewAck>,
}

/// Acknowledges the urgent review of event `id`: who, and what was decided. Refused when the
/// event is not flagged for urgent review, or is acknowledged already.
pub async fn acknowledge_urgent_review(
    store: &Store,
    id: Uuid,
    by: &str,
    decision: &str,
) -> Result<UrgentReviewAck, AppError> {
    let rec = store.adverse_event(id).await?;
    let v = case_view(store, &rec).await?;
    if v.urgent_review.is_none() {
        return Err(AppError::NotFlagged(id));
    }
    Ok(store.acknowledge_urgent_review(id, by, decision).await?)
}

/// Records that case `id` was submitted to the regulator on `on`. Only a valid ICSR can have
/// been submitted (the four minimum elements present), and only on a day between the clinic
/// becoming aware of the event and `today`.
pub async fn mark_submitted(
    store: &Store,
    id: Uuid,
    on: NaiveDate,
    today: NaiveDate,
) -> Result<(), AppError> {
    let rec = store.adverse_event(id).await?;
    let v = case_view(store, &rec).await?;
    if !v.icsr.valid {
        return Err(AppError::NotValidIcsr {
            missing: v
                .icsr
                .missing
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(", "),
        });
    }
    let aware = rec.event.awareness_date();
    if on > today || on < aware {
        return Err(AppError::Limit(cephalog_core::limits::LimitError::new(
            "on",
            format!("{on} must be between the awareness date {aware} and today ({today})"),
        )));
    }
    Ok(store.mark_adverse_event_submitted(id, on).await?)
}

/// The case view of a stored event, against its patient's record and session dates.
pub async fn case_view<'a>(
    store: &Store,
    rec: &'a AdverseEventRecord,
) -> Result<CaseView<'a>, AppError> {
    let patient = store.patient(rec.patient).await?;
    let sessions: Vec<NaiveDate> = store
        .sessions(rec.patient)
        .await?
        .iter()
        .map(|s| s.session.date())
        .collect();
    let mut v = case_view_of(rec, &patient, &sessions)?;
    v.acknowledgement = store
        .urgent_review_acks(Some(rec.patient))
        .await?
        .into_iter()
        .find(|a| a.event == rec.id);
    Ok(v)
}

/// [`case_view`] from what the caller has already read: the patient and their session dates.
pub fn case_view_of<'a>(
    rec: &'a AdverseEventRecord,
    patient: &PatientRecord,
    session_dates: &[NaiveDate],
) -> Result<CaseView<'a>, SafetyError> {
    Ok(CaseView {
        id: rec.id,
        patient: rec.patient,
        event: &rec.event,
        serious: rec.event.is_serious(),
        icsr: rec.event.icsr_validity(&icsr_patient(patient)?),
        report_due: rec.event.report_due_date(),
        submitted_on: rec.submitted_on,
        urgent_review: rec.event.distant_spread_review(session_dates),
        acknowledgement: None,
    })
}

/// A session as the suspect product of a case: product, lot, units given and date.
pub fn suspect_product(s: &Session) -> SuspectProductDraft {
    SuspectProductDraft {
        product_name: s.product().to_string(),
        lot_number: Some(s.lot().as_str().to_owned()),
        dose_units: Some(f64::from(s.units_given())),
        session_date: s.date(),
    }
}

/// The suspect products of an event: the sessions on `session_dates`, or when none are named the
/// patient's last session on or before `onset` (none if there is no such session). A named date
/// without a session is an error.
pub async fn suspect_products(
    store: &Store,
    patient: Uuid,
    onset: NaiveDate,
    session_dates: &[NaiveDate],
) -> Result<Vec<SuspectProductDraft>, AppError> {
    let sessions = store.sessions(patient).await?;
    let dates: Vec<NaiveDate> = if session_dates.is_empty() {
        sessions
            .iter()
            .map(|s| s.session.date())
            .filter(|d| *d <= onset)
            .max()
            .into_iter()
            .collect()
    } else {
        session_dates.to_vec()
    };
    dates
        .iter()
        .enumerate()
        .map(|(index, d)| {
            let s = sessions
                .iter()
                .find(|s| s.session.date() == *d)
                .ok_or(AppError::NoSessionOn { index, date: *d })?;
            Ok(suspect_product(&s.session))
        })
        .collect()
}

/// The adverse events of one clinic's patients (`None`: the whole installation), oldest onset
/// first.
pub async fn clinic_adverse_events(
    store: &Store,
    clinic: Option<Uuid>,
) -> Result<Vec<AdverseEventRecord>, AppError> {
    let all = store.adverse_events(None).await?;
    let Some(clinic) = clinic else {
        return Ok(all);
    };
    let mine: std::collections::HashSet<Uuid> = store
        .clinic_patients(clinic)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(all
        .into_iter()
        .filter(|e| mine.contains(&e.patient))
        .collect())
}

/// The E2B(R3) message of a case, sent by the clinic `settings` describe, created at `now`.
pub fn e2b_message(
    rec: &AdverseEventRecord,
    patient: &IcsrPatient,
    settings: &SenderSettings,
    now: DateTime<FixedOffset>,
) -> Result<String, ExportError> {
    let header = settings.header(rec.id, now);
    let sender = settings.sender()?;
    cephalog_e2b::icsr_xml(&rec.event, patient, &header, &sender)
}

/// The MedWatch 3500 field set of a case (JSON), reported on `report_date`.
pub fn medwatch_json(
    rec: &AdverseEventRecord,
    patient: &IcsrPatient,
    report_date: NaiveDate,
) -> Result<String, ExportError> {
    cephalog_e2b::medwatch_3500_json(
        &rec.event,
        patient,
        &MedWatchReport {
            report_date,
            product_available: None,
        },
    )
}

/// A questionnaire whose answers need a clinician's review the same day (PHQ-9 item 9 above 0),
/// not reviewed yet.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuestionnaireAlert {
    pub patient: Uuid,
    pub questionnaire: Uuid,
    pub date: chrono::NaiveDate,
    pub instrument: cephalog_core::prom::Instrument,
    /// What the clinician is told, one line per alert raised.
    pub reasons: Vec<&'static str>,
}

/// The questionnaires awaiting a same-day review, of one clinic's patients, of one patient, or
/// of every patient, oldest first: they head the worklist until a clinician records the review.
pub async fn questionnaires_awaiting_review(
    store: &Store,
    clinic: Option<Uuid>,
    patient: Option<Uuid>,
) -> Result<Vec<QuestionnaireAlert>, AppError> {
    Ok(store
        .questionnaires_awaiting_review(clinic, patient)
        .await?
        .into_iter()
        .map(|(questionnaire, patient, e)| QuestionnaireAlert {
            patient,
            questionnaire,
            date: e.date,
            instrument: e.result.instrument(),
            reasons: e.result.alerts().iter().map(|a| a.clinician).collect(),
        })
        .collect())
}

/// Records a clinician's same-day review of a questionnaire: who, and what was decided. Refused
/// when its answers raised no alert, or it has been reviewed already.
pub async fn review_questionnaire(
    store: &Store,
    patient: Uuid,
    questionnaire: Uuid,
    by: &str,
    decision: &str,
) -> Result<cephalog_store::QuestionnaireReview, AppError> {
    let entry = store
        .proms(patient)
        .await?
        .into_iter()
        .find(|(id, _)| *id == questionnaire)
        .map(|(_, e)| e)
        .ok_or_else(|| StoreError::NotFound(format!("questionnaire {questionnaire}")))?;
    if !entry.result.needs_same_day_review() {
        return Err(AppError::NothingToReview(questionnaire));
    }
    Ok(store
        .review_questionnaire(patient, questionnaire, by, decision)
        .await?)
}

/// Records an adverse event and returns the stored case.
pub async fn add_adverse_event(
    store: &Store,
    patient: Uuid,
    event: &AdverseEvent,
) -> Result<AdverseEventRecord, AppError> {
    let id = store.add_adverse_event(patient, event).await?;
    Ok(store.adverse_event(id).await?)
}

/// The adverse events of one patient (`None`: every patient), oldest onset first.
pub async fn adverse_events(
    store: &Store,
    patient: Option<Uuid>,
) -> Result<Vec<AdverseEventRecord>, AppError> {
    Ok(store.adverse_events(patient).await?)
}

/// One stored case.
pub async fn adverse_event(store: &Store, id: Uuid) -> Result<AdverseEventRecord, AppError> {
    Ok(store.adverse_event(id).await?)
}
