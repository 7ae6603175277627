//! A patient's diary: reading it whole or by dates, recording days (one, or many in one
//! transaction), a day's kept versions and marking a day entered in error; the drug dictionary
//! that turns a medicine's name into its class.

use chrono::NaiveDate;
use uuid::Uuid;

use cephalog_core::{Diary, DiaryDay, DrugClass, DrugDictionary};
use cephalog_store::{Change, ImportSummary, RecordVersion, Store};

use crate::AppError;

/// The whole diary.
pub async fn diary(store: &Store, patient: Uuid) -> Result<Diary, AppError> {
    Ok(store.diary(patient).await?)
}

/// The recorded days from `from` to `to`, both included.
pub async fn between(
    store: &Store,
    patient: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> Result<Diary, AppError> {
    Ok(store.diary_between(patient, from, to).await?)
}

/// One day, if recorded.
pub async fn day(
    store: &Store,
    patient: Uuid,
    date: NaiveDate,
) -> Result<Option<DiaryDay>, AppError> {
    Ok(store
        .diary_between(patient, date, date)
        .await?
        .get(date)
        .cloned())
}

/// Records `days` in one transaction: all or nothing. A day already recorded refuses the whole
/// write unless `replace` says who replaces it and why; the replaced version is kept.
/// `progress` is told how many days are written so far.
pub async fn record(
    store: &Store,
    patient: Uuid,
    days: &[DiaryDay],
    replace: Option<&Change>,
    progress: &mut (dyn FnMut(usize) + Send),
) -> Result<ImportSummary, AppError> {
    Ok(store.import_days(patient, days, replace, progress).await?)
}

/// A recorded day's earlier versions, oldest first.
pub async fn day_history(
    store: &Store,
    patient: Uuid,
    date: NaiveDate,
) -> Result<Vec<RecordVersion>, AppError> {
    Ok(store.diary_day_history(patient, date).await?)
}

/// Marks a recorded day entered in error: it leaves the diary and is kept, with who and why.
pub async fn enter_day_in_error(
    store: &Store,
    patient: Uuid,
    date: NaiveDate,
    change: &Change,
) -> Result<RecordVersion, AppError> {
    Ok(store
        .enter_diary_day_in_error(patient, date, change)
        .await?)
}

/// The medicine names known to the installation (the shipped dictionary and the clinic's own).
pub async fn dictionary(store: &Store) -> Result<DrugDictionary, AppError> {
    Ok(store.drug_dictionary().await?)
}

/// Adds a medicine name of the clinic's to the dictionary under `class`.
pub async fn add_clinic_drug(store: &Store, name: &str, class: DrugClass) -> Result<(), AppError> {
    Ok(store.add_clinic_drug(name, class).await?)
}
