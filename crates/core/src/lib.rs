//! Cephalog's clinical domain.
//!
//! The clinic's words as types: diary days and episodes, the acute-medication dictionary, the
//! day-definition presets, per-period metrics, the ICHD-3 diary criteria and adverse-event safety
//! reporting. Every clinical number
//! lives in [`reference`] with its source. This crate performs no I/O, holds no clock (callers pass
//! "today") and knows no wire format or database.

pub mod classify;
pub mod diary;
pub mod drugs;
pub mod episodes;
pub mod metrics;
pub mod patient;
pub mod preset;
pub mod reference;
pub mod safety;

pub use classify::{Classification, CriterionStatus, classify};
pub use diary::{
    Diary, DiaryDay, DiaryDraft, DiaryError, Features, Intensity, MedicationIntake, Minutes,
};
pub use drugs::{DrugClass, DrugDictionary, DrugError};
pub use episodes::{Episode, EpisodeError, EpisodeLog};
pub use metrics::{DateRange, MetricsReport, PeriodKind, PeriodMetrics, compute_metrics};
pub use patient::{Diagnosis, DiagnosisCode, Patient, PatientError, Sex};
pub use preset::DayPreset;
pub use safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, ClinicSafetyRates, EventOutcome,
    IcsrElement, IcsrPatient, IcsrPatientDraft, Reporter, ReporterDraft, ReporterQualification,
    SafetyError, SeriousOutcome, SuspectProduct, SuspectProductDraft,
};
