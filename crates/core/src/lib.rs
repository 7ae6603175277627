//! Cephalog's clinical domain.
//!
//! The clinic's words as types: diary days and episodes, the acute-medication dictionary, the
//! day-definition presets, per-period metrics and the ICHD-3 diary criteria; the preventive ledger,
//! questionnaires, eligibility rule sets and the response to treatment; injection protocols,
//! botulinum-toxin sessions with their safety checks and billing lines, the re-treatment schedule,
//! and adverse-event safety reporting; the cohort report's statistics ([`stats`]: confidence
//! intervals for means, proportions and rates, quartiles, Kaplan–Meier curves). The diary's
//! clinical numbers live in [`reference`] with their sources. This crate performs no I/O, holds no
//! clock (callers pass "today") and knows no wire format or database.

pub mod classify;
pub mod cohort;
pub mod diary;
pub mod drugs;
pub mod eligibility;
pub mod episodes;
pub mod limits;
pub mod metrics;
pub mod patient;
pub mod preset;
pub mod preventives;
pub mod prom;
pub mod protocol;
pub mod reference;
pub mod research;
pub mod response;
pub mod rules;
pub mod safety;
pub mod schedule;
pub mod session;
pub mod stats;

pub use classify::{Classification, CriterionStatus, classify};
pub use diary::{
    Diary, DiaryDay, DiaryDraft, DiaryError, Features, Intensity, MedicationIntake, Minutes,
};
pub use drugs::{DrugClass, DrugDictionary, DrugError};
pub use episodes::{Episode, EpisodeError, EpisodeLog};
pub use metrics::{DateRange, MetricsReport, PeriodKind, PeriodMetrics, compute_metrics};
pub use patient::{Diagnosis, DiagnosisCode, Patient, PatientError, Sex};
pub use preset::DayPreset;
pub use protocol::{
    Concentration, FtpCaps, InjectionSite, Muscle, NerveBlockPlan, NerveDose, OccipitalNerve,
    PREEMPT_FIXED_SITE_TABLE, Plan, PlanDiff, PlanKind, ProtocolError, Side, Target, Volume,
};
pub use safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, ClinicSafetyRates, EventOutcome,
    IcsrElement, IcsrPatient, IcsrPatientDraft, Reporter, ReporterDraft, ReporterQualification,
    SafetyError, SeriousOutcome, SuspectProduct, SuspectProductDraft,
};
pub use schedule::{DueStatus, Schedule, ScheduleEntry, ScheduleError, ScheduleWindow, schedule};
pub use session::{
    Billing, BillingLine, Check, CheckPolicy, Finding, Indication, NerveBlock, Override, Product,
    Session, SessionCheck, SessionDraft, SessionError, SiteDose, ToxinDose, VialSize, Waste,
};
pub use stats::{
    ConfidenceLevel, Interval, MAX_COUNT, MeanEstimate, Observation, PoissonRate, Proportion,
    ProportionMethod, Quartiles, StatsError, SurvivalCurve, SurvivalStep,
};
