//! Adverse-event cases as the clinic sees them (the boxed-warning review flag, ICSR validity, the
//! reporting due date) and their exports: the E2B(R3) message and the MedWatch 3500 field set.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::safety::{
    AdverseEvent, IcsrPatient, IcsrPatientDraft, IcsrValidity, SuspectProductDraft, UrgentReview,
};
use cephalog_core::session::Session;
use cephalog_e2b::{ExportError, MedWatchReport, SenderSettings};
use cephalog_store::{AdverseEventRecord, PatientRecord, Store};

use crate::AppError;

/// The patient as an ICSR names them: initials, the clinic's record number (or Cephalog's id),
/// date of birth and sex.
pub fn icsr_patient(r: &PatientRecord) -> Result<IcsrPatient, AppError> {
    let initials: String = r
        .patient
        .name()
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .collect();
    Ok(IcsrPatient::try_from(IcsrPatientDraft {
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
    })?)
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

/// A case as shown: the event, whether it is serious, its ICSR validity, report due date, the
/// boxed-warning review flag and when it was submitted.
#[derive(Debug, Clone, Serialize)]
pub struct CaseView {
    pub id: Uuid,
    pub patient: Uuid,
    #[serde(flatten)]
    pub event: AdverseEvent,
    pub serious: bool,
    pub icsr: IcsrValidity,
    pub report_due: NaiveDate,
    pub submitted_on: Option<NaiveDate>,
    pub urgent_review: Option<UrgentReview>,
}

/// The case view of a stored event, against the patient's record and sessions.
pub async fn case_view(store: &Store, rec: &AdverseEventRecord) -> Result<CaseView, AppError> {
    let patient = store.patient(rec.patient).await?;
    let sessions: Vec<NaiveDate> = store
        .sessions(rec.patient)
        .await?
        .iter()
        .map(|s| s.session.date())
        .collect();
    case_view_of(rec, &patient, &sessions)
}

/// [`case_view`] from what the caller has already read: the patient and their session dates.
pub fn case_view_of(
    rec: &AdverseEventRecord,
    patient: &PatientRecord,
    session_dates: &[NaiveDate],
) -> Result<CaseView, AppError> {
    Ok(CaseView {
        id: rec.id,
        patient: rec.patient,
        event: rec.event.clone(),
        serious: rec.event.is_serious(),
        icsr: rec.event.icsr_validity(&icsr_patient(patient)?),
        report_due: rec.event.report_due_date(),
        submitted_on: rec.submitted_on,
        urgent_review: rec.event.distant_spread_review(session_dates),
    })
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
