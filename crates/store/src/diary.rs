//! The diary: a patient's days and the medicines taken on them, imported in one transaction,
//! read by period or for a whole clinic in one streaming pass, and withdrawn when entered in
//! error; and the drug dictionary with the clinic's own medicine names.

use chrono::{NaiveDate, SubsecRound, Utc};
use uuid::Uuid;

use cephalog_core::drugs::normalise_name;
use cephalog_core::{Diary, DiaryDay, DrugClass, DrugDictionary};

use crate::{Change, RecordKind, RecordVersion, Store, StoreError};

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub replaced: usize,
}

/// Whose records a whole-clinic read covers.
#[derive(Debug, Clone, Copy)]
pub enum Patients<'a> {
    /// Every patient of the installation.
    All,
    /// One clinic's patients.
    Clinic(Uuid),
    /// These patients (at most a few thousand: each is a bound parameter).
    These(&'a [Uuid]),
}

impl Store {
    /// Stores days for a patient in one transaction: all of them or none. A date already stored
    /// makes the whole import fail, listing the dates, unless `replace` names who replaces them
    /// and why: then each stored day on those dates is kept in its history (a `corrected`
    /// version) and the new day takes its place. `progress` is called with the days written so far.
    pub async fn import_days(
        &self,
        id: Uuid,
        days: &[DiaryDay],
        replace: Option<&Change>,
        progress: &mut (dyn FnMut(usize) + Send),
    ) -> Result<ImportSummary, StoreError> {
        let patient = self.patient(id).await?;
        let born = patient.patient.date_of_birth();
        for day in days {
            day.check_new_for(born)?;
        }
        if let Some(c) = replace {
            c.checked()?;
        }
        dispatch!(write self, diary, p => e::import_days(p, id, days, replace, Utc::now().trunc_subsecs(6), progress).await)
    }

    /// The patient's whole diary.
    pub async fn diary(&self, id: Uuid) -> Result<Diary, StoreError> {
        // ISO 8601 four-digit years: both engines compare and store these.
        let (first, last) = (
            NaiveDate::from_ymd_opt(1, 1, 1),
            NaiveDate::from_ymd_opt(9999, 12, 31),
        );
        match (first, last) {
            (Some(first), Some(last)) => self.diary_between(id, first, last).await,
            _ => Err(StoreError::corrupt("date bounds", "out of range")),
        }
    }

    /// The patient's diary between two dates, inclusive.
    pub async fn diary_between(
        &self,
        id: Uuid,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Diary, StoreError> {
        let days = dispatch!(self, diary, p => e::diary_days(p, id, from, to).await)?;
        Ok(Diary::new(days)?)
    }

    /// Every diary of `clinic`'s patients (`None`: the whole installation's) in one streaming
    /// pass, for whole-clinic analysis: `each` is called once per patient who has a diary, in
    /// order of patient id, with the whole diary. Nothing but the current patient's days is held
    /// in memory. Answers the number of diary days read.
    pub async fn each_diary<F>(&self, clinic: Option<Uuid>, each: F) -> Result<u64, StoreError>
    where
        F: FnMut(Uuid, Diary) + Send,
    {
        let which = match clinic {
            Some(c) => Patients::Clinic(c),
            None => Patients::All,
        };
        self.each_diary_of(which, each).await
    }

    /// [`Store::each_diary`] over the patients `which` names; with [`Patients::These`], one
    /// query for the lot (a whole-clinic analysis reads the clinic a slice of patients at a time,
    /// so nothing but a slice is ever held).
    pub async fn each_diary_of<F>(
        &self,
        which: Patients<'_>,
        mut each: F,
    ) -> Result<u64, StoreError>
    where
        F: FnMut(Uuid, Diary) + Send,
    {
        let mut one = |patient: Uuid, days: Vec<DiaryDay>| {
            let diary = Diary::new(days)
                .map_err(|e| StoreError::corrupt(format!("diary of patient {patient}"), e))?;
            each(patient, diary);
            Ok(())
        };
        dispatch!(self, diary, p => e::each_diary(p, which, &mut one).await)
    }

    /// Each patient's latest recorded diary day (patients with none are absent).
    pub async fn last_diary_days(&self) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
        dispatch!(self, diary, p => e::last_diary_days(p).await)
    }

    /// Marks the diary day entered in error: it is kept in the day's history with who, when and
    /// why, and leaves the diary, so it counts in no figure and reads as unrecorded. `NotFound`
    /// when the day is not recorded; the reason is required.
    pub async fn enter_diary_day_in_error(
        &self,
        patient: Uuid,
        date: NaiveDate,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        self.patient(patient).await?;
        dispatch!(write self, diary, p => e::void_day(p, patient, date, change, Utc::now().trunc_subsecs(6)).await)?
            .ok_or_else(|| StoreError::NotFound(format!("diary day {date} is not recorded")))
    }

    /// The kept (superseded) versions of one diary day, oldest first.
    pub async fn diary_day_history(
        &self,
        patient: Uuid,
        date: NaiveDate,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        let key = date.to_string();
        dispatch!(self, history, p => e::record_versions(p, patient, Some(RecordKind::DiaryDay), Some(&key)).await)
    }

    /// The dictionary: built-in names plus the clinic's.
    pub async fn drug_dictionary(&self) -> Result<DrugDictionary, StoreError> {
        let mut dict = DrugDictionary::builtin();
        for (name, class) in dispatch!(self, diary, p => e::clinic_drugs(p).await)? {
            dict.add_clinic_entry(&name, class)?;
        }
        Ok(dict)
    }

    /// Adds a clinic medicine name; names the dictionary already knows are refused.
    pub async fn add_clinic_drug(&self, name: &str, class: DrugClass) -> Result<(), StoreError> {
        let mut dict = self.drug_dictionary().await?;
        dict.add_clinic_entry(name, class)?;
        dispatch!(write self, diary, p => e::add_clinic_drug(p, &normalise_name(name), class).await)
    }
}
