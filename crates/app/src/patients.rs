//! Patients and clinics: registering a patient in a clinic, finding one, listing a clinic's.

use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_core::{Diagnosis, Patient};
use cephalog_store::{ClinicRecord, PatientRecord, Store};

use crate::AppError;

/// Registers `patient` in `clinic`; an MRN already used refuses it.
pub async fn add(
    store: &Store,
    clinic: Uuid,
    patient: &Patient,
) -> Result<PatientRecord, AppError> {
    Ok(store.add_patient_in(clinic, patient).await?)
}

/// Records one more diagnosis of a registered patient.
pub async fn add_diagnosis(store: &Store, patient: Uuid, d: &Diagnosis) -> Result<(), AppError> {
    Ok(store.add_diagnosis(patient, d).await?)
}

/// The patient with this id.
pub async fn get(store: &Store, id: Uuid) -> Result<PatientRecord, AppError> {
    Ok(store.patient(id).await?)
}

/// The patient with this id or medical record number.
pub async fn find(store: &Store, id_or_mrn: &str) -> Result<PatientRecord, AppError> {
    Ok(store.find_patient(id_or_mrn).await?)
}

/// Every patient of the installation (`None`) or of one clinic, by name.
pub async fn list(store: &Store, clinic: Option<Uuid>) -> Result<Vec<PatientRecord>, AppError> {
    Ok(match clinic {
        Some(c) => store.clinic_patients(c).await?,
        None => store.patients().await?,
    })
}

/// How many patients the installation holds.
pub async fn count(store: &Store) -> Result<i64, AppError> {
    Ok(store.patient_count().await?)
}

/// The id of the clinic with this name, created if new.
pub async fn clinic(store: &Store, name: &str) -> Result<Uuid, AppError> {
    Ok(store.clinic(name).await?)
}

/// The installation's clinics.
pub async fn clinics(store: &Store) -> Result<Vec<ClinicRecord>, AppError> {
    Ok(store.clinics().await?)
}

/// Stores whole patients (a registry or a migration) in one transaction: all or none. Each is
/// checked for plausibility as a FHIR import is; a patient already stored refuses the lot.
pub async fn import_charts(
    store: &Store,
    charts: &[cephalog_store::PatientChart],
    today: NaiveDate,
) -> Result<(), AppError> {
    Ok(store.import_charts(charts, today).await?)
}
