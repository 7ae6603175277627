//! The history of clinical records: nothing is overwritten and nothing is lost. A correction keeps
//! the version it replaces, an "entered in error" keeps the version it withdraws, each with who
//! changed it, when and why (`record_versions`). The current version stays in the record's own
//! table, so metrics and classification read what is in force and nothing else.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::PromResult;
use cephalog_core::safety::AdverseEvent;
use cephalog_core::{
    DiaryDay, DiaryDraft, DrugClass, Features, Intensity, MedicationIntake, Minutes,
};

use crate::{Store, StoreError};

/// Who changes a record and why: the actor as the audit trail names them ("clinician:dr.lee",
/// "cli:alice") and the reason in their words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    pub by: String,
    pub reason: String,
}

impl Change {
    /// A change by `by` for `reason`; both must be given (the reason names the field "reason").
    pub fn new(by: impl Into<String>, reason: impl Into<String>) -> Result<Self, StoreError> {
        let by = by.into().trim().to_owned();
        let reason = reason.into().trim().to_owned();
        if by.is_empty() {
            return Err(StoreError::ChangeIncomplete("who makes the change"));
        }
        if reason.is_empty() {
            return Err(StoreError::ChangeIncomplete("reason"));
        }
        cephalog_core::limits::check_no_nul("reason", &reason)?;
        cephalog_core::limits::check_no_nul("by", &by)?;
        Ok(Change { by, reason })
    }

    pub(crate) fn checked(&self) -> Result<(), StoreError> {
        Change::new(self.by.clone(), self.reason.clone()).map(|_| ())
    }
}

/// The kinds of clinical record whose versions are kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RecordKind {
    DiaryDay,
    Session,
    AdverseEvent,
    Questionnaire,
    Preventive,
    Attestation,
}

impl RecordKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::DiaryDay => "diary_day",
            RecordKind::Session => "session",
            RecordKind::AdverseEvent => "adverse_event",
            RecordKind::Questionnaire => "questionnaire",
            RecordKind::Preventive => "preventive",
            RecordKind::Attestation => "attestation",
        }
    }
}

impl std::str::FromStr for RecordKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "diary_day" => RecordKind::DiaryDay,
            "session" => RecordKind::Session,
            "adverse_event" => RecordKind::AdverseEvent,
            "questionnaire" => RecordKind::Questionnaire,
            "preventive" => RecordKind::Preventive,
            "attestation" => RecordKind::Attestation,
            other => return Err(format!("unknown record kind '{other}'")),
        })
    }
}

/// What happened to a kept version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VersionAction {
    /// A new version replaced it.
    Corrected,
    /// It was withdrawn: the record no longer counts anywhere.
    EnteredInError,
}

impl VersionAction {
    pub fn as_str(self) -> &'static str {
        match self {
            VersionAction::Corrected => "corrected",
            VersionAction::EnteredInError => "entered_in_error",
        }
    }
}

impl std::str::FromStr for VersionAction {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "corrected" => Ok(VersionAction::Corrected),
            "entered_in_error" => Ok(VersionAction::EnteredInError),
            other => Err(format!("unknown version action '{other}'")),
        }
    }
}

/// A superseded version of a record: what it said (`snapshot`, JSON) and the change that
/// superseded it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecordVersion {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub kind: RecordKind,
    /// The date (YYYY-MM-DD) of a diary day, the id of any other record.
    pub record_id: String,
    /// 1 is the version first recorded.
    pub version: i64,
    pub action: VersionAction,
    pub changed_at: DateTime<Utc>,
    pub changed_by: String,
    pub reason: String,
    pub snapshot: serde_json::Value,
}

impl RecordVersion {
    /// The diary day this version held (for a `DiaryDay` version).
    pub fn diary_day(&self) -> Result<DiaryDay, StoreError> {
        let what = || {
            format!(
                "kept version {} of diary day {}",
                self.version, self.record_id
            )
        };
        let s: DiarySnapshot = serde_json::from_value(self.snapshot.clone())
            .map_err(|e| StoreError::corrupt(what(), e))?;
        s.into_day().map_err(|e| StoreError::corrupt(what(), e))
    }
}

/// A diary day as kept in its history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct DiarySnapshot {
    date: NaiveDate,
    headache_minutes: u16,
    peak_intensity: String,
    /// The accompanying features, by field name.
    features: std::collections::BTreeMap<String, bool>,
    medicines: Vec<MedicineSnapshot>,
    paroxysms: u32,
    notes: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct MedicineSnapshot {
    name: String,
    dose: Option<String>,
    class: String,
    migraine_specific: bool,
}

impl DiarySnapshot {
    pub(crate) fn of(d: &DiaryDay) -> Self {
        DiarySnapshot {
            date: d.date(),
            headache_minutes: d.headache_minutes(),
            peak_intensity: d.peak_intensity().as_str().to_owned(),
            features: Features::FIELDS
                .iter()
                .map(|f| ((*f).to_owned(), d.features().get(f).unwrap_or(false)))
                .collect(),
            medicines: d
                .medications()
                .iter()
                .map(|m| MedicineSnapshot {
                    name: m.name.clone(),
                    dose: m.dose.clone(),
                    class: m.class.as_str().to_owned(),
                    migraine_specific: m.migraine_specific,
                })
                .collect(),
            paroxysms: d.paroxysms(),
            notes: d.notes().to_owned(),
        }
    }

    pub(crate) fn json(d: &DiaryDay) -> String {
        serde_json::to_string(&DiarySnapshot::of(d)).unwrap_or_else(|_| "{}".to_owned())
    }

    fn into_day(self) -> Result<DiaryDay, String> {
        let medications = self
            .medicines
            .into_iter()
            .map(|m| {
                Ok(MedicationIntake {
                    class: m.class.parse::<DrugClass>().map_err(|e| e.to_string())?,
                    name: m.name,
                    dose: m.dose,
                    migraine_specific: m.migraine_specific,
                })
            })
            .collect::<Result<Vec<_>, String>>()?;
        let mut features = Features::default();
        for (name, on) in &self.features {
            if !features.set(name, *on) {
                return Err(format!("unknown feature '{name}'"));
            }
        }
        let draft = DiaryDraft {
            date: Some(self.date),
            headache_minutes: Minutes::new(i64::from(self.headache_minutes))
                .map_err(|e| e.to_string())?,
            peak_intensity: self
                .peak_intensity
                .parse::<Intensity>()
                .map_err(|e| e.to_string())?,
            features,
            medications,
            paroxysms: self.paroxysms,
            notes: self.notes,
        };
        DiaryDay::restore(self.date, draft).map_err(|e| e.to_string())
    }
}

/// What takes a corrected record's place (under the same id).
pub(crate) enum Replacement {
    Preventive(PreventiveTrial),
    Questionnaire {
        taken_on: NaiveDate,
        result: PromResult,
        answers: String,
    },
    Attestation(Attestation),
    AdverseEvent {
        event: AdverseEvent,
        submitted_on: Option<NaiveDate>,
    },
}

impl Store {
    /// The kept (superseded) versions of one record (`record_id`: a diary day's date, any other
    /// record's id), oldest first.
    pub async fn record_versions(
        &self,
        patient: Uuid,
        kind: RecordKind,
        record_id: &str,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        dispatch!(self, history, p => e::record_versions(p, patient, Some(kind), Some(record_id)).await)
    }

    /// Every kept version of the patient's records, or of one kind, by kind, record and version.
    pub async fn record_history(
        &self,
        patient: Uuid,
        kind: Option<RecordKind>,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        dispatch!(self, history, p => e::record_versions(p, patient, kind, None).await)
    }

    /// The current version of a record (not a diary day) as JSON, and how many versions of it
    /// were kept when it was read.
    async fn current_snapshot(
        &self,
        patient: Uuid,
        kind: RecordKind,
        id: Uuid,
    ) -> Result<(String, i64), StoreError> {
        let key = id.to_string();
        // Counted first: a change after this makes the count differ when the change is written.
        let seen = dispatch!(self, history, p => e::kept_count(p, patient, kind, &key).await)?;
        let missing = || StoreError::NotFound(format!("{} {id}", kind.as_str().replace('_', " ")));
        let value = match kind {
            RecordKind::Session => {
                let s = self
                    .sessions(patient)
                    .await?
                    .into_iter()
                    .find(|s| s.id == id)
                    .ok_or_else(missing)?;
                serde_json::json!({"session": s.session, "overrides": s.overrides})
            }
            RecordKind::AdverseEvent => {
                let e = self
                    .adverse_events(Some(patient))
                    .await?
                    .into_iter()
                    .find(|e| e.id == id)
                    .ok_or_else(missing)?;
                serde_json::json!({"event": e.event, "submitted_on": e.submitted_on})
            }
            RecordKind::Questionnaire => {
                let (_, q) = self
                    .proms(patient)
                    .await?
                    .into_iter()
                    .find(|(q, _)| *q == id)
                    .ok_or_else(missing)?;
                serde_json::json!({"taken_on": q.date, "answers": q.result.stored_answers(), "result": q.result})
            }
            RecordKind::Preventive => {
                let (_, t) = self
                    .preventives(patient)
                    .await?
                    .into_iter()
                    .find(|(t, _)| *t == id)
                    .ok_or_else(missing)?;
                serde_json::to_value(t).map_err(|e| StoreError::corrupt("preventive", e))?
            }
            RecordKind::Attestation => {
                let (_, a) = self
                    .overuse_attestation_records(patient)
                    .await?
                    .into_iter()
                    .find(|(a, _)| *a == id)
                    .ok_or_else(missing)?;
                serde_json::to_value(a).map_err(|e| StoreError::corrupt("attestation", e))?
            }
            RecordKind::DiaryDay => {
                return Err(StoreError::NotFound(format!(
                    "record {id}: a diary day is named by its date"
                )));
            }
        };
        Ok((value.to_string(), seen))
    }

    pub(crate) async fn supersede(
        &self,
        patient: Uuid,
        kind: RecordKind,
        id: Uuid,
        change: &Change,
        replacement: Option<&Replacement>,
    ) -> Result<RecordVersion, StoreError> {
        change.checked()?;
        self.patient(patient).await?;
        let (snapshot, seen) = self.current_snapshot(patient, kind, id).await?;
        let at = Utc::now().trunc_subsecs(6);
        dispatch!(write self, history, p => e::supersede(p, patient, kind, id, seen, &snapshot, change, replacement, at).await)?
            .ok_or_else(|| StoreError::NotFound(format!("{} {id}", kind.as_str().replace('_', " "))))
    }

    /// Marks a session, adverse event, questionnaire, preventive or attestation entered in error:
    /// it is kept in its history with who, when and why and leaves its table, so it counts
    /// nowhere (a session no longer in the toxin history, an attestation no longer attesting).
    /// A diary day is withdrawn with [`Store::enter_diary_day_in_error`].
    pub async fn enter_in_error(
        &self,
        patient: Uuid,
        kind: RecordKind,
        id: Uuid,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        self.supersede(patient, kind, id, change, None).await
    }
}
