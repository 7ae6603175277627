//! The history of clinical records: nothing is overwritten and nothing is lost. A correction keeps
//! the version it replaces, an "entered in error" keeps the version it withdraws, each with who
//! changed it, when and why (`record_versions`). The current version stays in the record's own
//! table, so metrics and classification read what is in force and nothing else.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use cephalog_core::{
    DiaryDay, DiaryDraft, DrugClass, Features, Intensity, MedicationIntake, Minutes,
};

use crate::StoreError;

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
