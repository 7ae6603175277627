//! The kept versions of a patient's records and marking a record entered in error: nothing is
//! overwritten or deleted, every change says who made it and why.

use uuid::Uuid;

use cephalog_store::{Change, RecordKind, RecordVersion, Store};

use crate::AppError;

/// Every kept version of the patient's records (of one kind, or all), oldest first.
pub async fn record_history(
    store: &Store,
    patient: Uuid,
    kind: Option<RecordKind>,
) -> Result<Vec<RecordVersion>, AppError> {
    Ok(store.record_history(patient, kind).await?)
}

/// The kept versions of one record.
pub async fn record_versions(
    store: &Store,
    patient: Uuid,
    kind: RecordKind,
    record_id: &str,
) -> Result<Vec<RecordVersion>, AppError> {
    Ok(store.record_versions(patient, kind, record_id).await?)
}

/// Marks a record entered in error: it leaves the chart and is kept, with who and why.
pub async fn enter_in_error(
    store: &Store,
    patient: Uuid,
    kind: RecordKind,
    id: Uuid,
    change: &Change,
) -> Result<RecordVersion, AppError> {
    Ok(store.enter_in_error(patient, kind, id, change).await?)
}
