//! The records eligibility rests on beside the diary: the preventive ledger, questionnaires and
//! overuse-management attestations — recording, listing and correcting them.

use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::{Instrument, PromEntry, PromResult};
use cephalog_store::{Change, RecordVersion, Store};

use crate::AppError;

/// Records a preventive trial; dates after `today` are refused.
pub async fn add_preventive(
    store: &Store,
    patient: Uuid,
    trial: &PreventiveTrial,
    today: NaiveDate,
) -> Result<Uuid, AppError> {
    Ok(store.add_preventive(patient, trial, today).await?)
}

/// The preventive trials with their ids, oldest first.
pub async fn preventives(
    store: &Store,
    patient: Uuid,
) -> Result<Vec<(Uuid, PreventiveTrial)>, AppError> {
    Ok(store.preventives(patient).await?)
}

/// Corrects a preventive trial; the earlier version is kept with who and why.
pub async fn correct_preventive(
    store: &Store,
    patient: Uuid,
    id: Uuid,
    trial: &PreventiveTrial,
    change: &Change,
) -> Result<RecordVersion, AppError> {
    Ok(store.correct_preventive(patient, id, trial, change).await?)
}

/// Records a questionnaire's answers taken on `taken_on` and scores them.
pub async fn add_questionnaire(
    store: &Store,
    patient: Uuid,
    taken_on: NaiveDate,
    instrument: Instrument,
    answers: &[String],
    today: NaiveDate,
) -> Result<(Uuid, PromResult), AppError> {
    Ok(store
        .add_prom(patient, taken_on, instrument, answers, today)
        .await?)
}

/// The questionnaires with their ids, oldest first.
pub async fn questionnaires(
    store: &Store,
    patient: Uuid,
) -> Result<Vec<(Uuid, PromEntry)>, AppError> {
    Ok(store.proms(patient).await?)
}

/// Corrects a questionnaire's answers; the earlier version is kept with who and why.
pub async fn correct_questionnaire(
    store: &Store,
    patient: Uuid,
    id: Uuid,
    taken_on: NaiveDate,
    instrument: Instrument,
    answers: &[String],
    change: &Change,
) -> Result<(RecordVersion, PromResult), AppError> {
    Ok(store
        .correct_prom(patient, id, taken_on, instrument, answers, change)
        .await?)
}

/// Records an attestation that medication overuse was managed.
pub async fn attest_overuse_management(
    store: &Store,
    patient: Uuid,
    attestation: &Attestation,
    today: NaiveDate,
) -> Result<(), AppError> {
    Ok(store
        .add_overuse_attestation(patient, attestation, today)
        .await?)
}

/// The attestation in force on `on`, if any.
pub async fn overuse_attestation(
    store: &Store,
    patient: Uuid,
    on: NaiveDate,
) -> Result<Option<Attestation>, AppError> {
    Ok(store.overuse_attestation(patient, on).await?)
}

/// Every attestation, oldest first.
pub async fn overuse_attestations(
    store: &Store,
    patient: Uuid,
) -> Result<Vec<Attestation>, AppError> {
    Ok(store.overuse_attestations(patient).await?)
}
