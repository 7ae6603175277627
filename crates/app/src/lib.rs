//! Cephalog's use cases: each loads what it needs from the [`Store`], hands it to the pure domain
//! core and returns the core's answer. The command line and the web server both call these, so a
//! figure on a page and the same figure at the terminal cannot differ. Nothing here prints, speaks
//! HTTP or records the audit trail: the caller knows who is asking and records it.

pub mod cohort;
pub mod defaults;
pub mod diary;
pub mod fhir;
pub mod figures;
pub mod history;
pub mod pathway;
pub mod patient;
pub mod patients;
pub mod research;
pub mod safety;
pub mod treatment;
pub mod worklist;

use std::path::{Path, PathBuf};

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::eligibility::Eligibility;
use cephalog_core::metrics::{MetricsReport, PeriodKind, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::preventives::{LedgerSummary, PreventiveTrial, summarise};
use cephalog_core::prom::{Instrument, PromEntry};
use cephalog_core::protocol::ProtocolError;
use cephalog_core::response::ResponseReport;
use cephalog_core::rules::RuleSet;
use cephalog_core::safety::SafetyError;
use cephalog_core::schedule::{Schedule, ScheduleWindow, schedule};
use cephalog_core::session::SessionError;
use cephalog_interchange::rules::{RuleFileError, builtin_rule_sets, parse_rule_set};
use cephalog_store::{PatientRecord, Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    RuleFile(#[from] RuleFileError),
    #[error("cannot read {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: rule set id '{id}' is already defined")]
    DuplicateRuleSet { path: PathBuf, id: String },
    #[error("no rule set '{name}' (known: {known})")]
    UnknownRuleSet { name: String, known: String },
    #[error(transparent)]
    Session(#[from] SessionError),
    /// A value outside its plausible range (see `cephalog_core::limits`).
    #[error(transparent)]
    Limit(#[from] cephalog_core::limits::LimitError),
    #[error(transparent)]
    Protocol(#[from] ProtocolError),
    #[error(transparent)]
    Safety(#[from] SafetyError),
    /// A skipped site (the `index`th) that the plan does not have.
    #[error("the plan has no {site} to skip")]
    NotPlanned { index: usize, site: String },
    /// A FHIR Bundle that cannot be imported, with every resource at fault.
    #[error(transparent)]
    FhirImport(#[from] cephalog_fhir::ImportError),
    /// A named session date (the `index`th) on which the patient had no session.
    #[error("no session recorded for this patient on {date}")]
    NoSessionOn { index: usize, date: NaiveDate },
    /// A case marked submitted that is not a valid ICSR.
    #[error(
        "the case is not a valid ICSR (missing: {missing}); complete it before recording its \
         submission"
    )]
    NotValidIcsr { missing: String },
    /// An acknowledgement asked for an event that is not flagged for urgent review.
    #[error("adverse event {0} is not flagged for urgent review; there is nothing to acknowledge")]
    NotFlagged(Uuid),
    /// A cohort-report filter that cannot be applied, named as the command line names it.
    #[error("--{filter}: {reason}")]
    Filter {
        filter: &'static str,
        reason: String,
    },
    #[error(transparent)]
    Cohort(#[from] cephalog_core::cohort::CohortError),
    /// The research export's files could not be written.
    #[error("writing the research export: {0}")]
    Export(#[source] research::SinkError),
    /// A review asked for a questionnaire whose answers raised no same-day alert.
    #[error("questionnaire {0} raised no same-day alert; there is nothing to review")]
    NothingToReview(Uuid),
}

/// The shipped rule sets and the clinic's own `*.toml` files from `dir`; an id defined twice is an
/// error.
pub fn load_rule_sets(dir: Option<&Path>) -> Result<Vec<RuleSet>, AppError> {
    let mut sets = builtin_rule_sets()?;
    let Some(dir) = dir else { return Ok(sets) };
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| AppError::Io { path, source }
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for f in files {
        let text = std::fs::read_to_string(&f).map_err(io(&f))?;
        let set = parse_rule_set(&text, &f.display().to_string())?;
        if sets.iter().any(|s| s.id == set.id) {
            return Err(AppError::DuplicateRuleSet {
                path: f,
                id: set.id,
            });
        }
        sets.push(set);
    }
    Ok(sets)
}

/// The rule set with that id, or an error listing the known ones.
pub fn find_rule_set<'a>(sets: &'a [RuleSet], name: &str) -> Result<&'a RuleSet, AppError> {
    sets.iter()
        .find(|s| s.id == name)
        .ok_or_else(|| AppError::UnknownRuleSet {
            name: name.to_owned(),
            known: sets
                .iter()
                .map(|s| s.id.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        })
}

/// The diary metrics of a patient from `from` to `to` (by default the first and the last diary
/// day) per 28-day period or calendar month under `preset`. The period is checked as every period
/// asked about is ([`cephalog_core::metrics::check_period`]): from 1900 to `today`, not backwards.
pub async fn metrics(
    store: &Store,
    r: &PatientRecord,
    preset: DayPreset,
    kind: PeriodKind,
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<MetricsReport, AppError> {
    let diary = store.diary(r.id).await?;
    let (Some(from), Some(to)) = (from.or(diary.first_date()), to.or(diary.last_date())) else {
        return Err(cephalog_core::limits::LimitError::new(
            "from",
            "no diary days are recorded: give the first and last day of the period",
        )
        .into());
    };
    let range = cephalog_core::metrics::check_period(from, to, today)?;
    Ok(compute_metrics(
        &diary,
        r.patient.has_migraine_diagnosis(),
        range,
        kind,
        preset,
    ))
}

/// A patient's eligibility under `rules` on `on`, from the stored diary, preventive ledger,
/// overuse attestation and sessions.
pub async fn eligibility(
    store: &Store,
    rules: &RuleSet,
    r: &PatientRecord,
    on: NaiveDate,
) -> Result<Eligibility, AppError> {
    let diary = store.diary(r.id).await?;
    let trials: Vec<PreventiveTrial> = store
        .preventives(r.id)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let attestation = store.overuse_attestation(r.id, on).await?;
    let sessions = store.sessions(r.id).await?;
    Ok(patient::eligibility_of(
        rules,
        r,
        &diary,
        &trials,
        attestation.as_ref(),
        &sessions,
        on,
    ))
}

/// A treated patient's eligibility before treatment: under `rules` on the day before the first
/// chronic-migraine session on or before `on` — the verdict the start of treatment rested on,
/// which today's diary (a responder's, say) no longer shows. `None` before any session.
pub async fn eligibility_before_treatment(
    store: &Store,
    rules: &RuleSet,
    r: &PatientRecord,
    on: NaiveDate,
) -> Result<Option<(NaiveDate, Eligibility)>, AppError> {
    let first = migraine_session_dates(store, r.id)
        .await?
        .into_iter()
        .filter(|d| *d <= on)
        .min();
    match first.and_then(|f| f.pred_opt()) {
        Some(before) => Ok(Some((before, eligibility(store, rules, r, before).await?))),
        None => Ok(None),
    }
}

/// The patient's preventive ledger (with ids, oldest first) and its summary on `on`: failed,
/// not tolerated or unsuitable trials and their classes; not-effective trials shorter than
/// `min_trial_days` are listed apart.
pub async fn preventive_ledger(
    store: &Store,
    patient: Uuid,
    on: NaiveDate,
    min_trial_days: Option<i64>,
) -> Result<(Vec<(Uuid, PreventiveTrial)>, LedgerSummary), AppError> {
    let entries = store.preventives(patient).await?;
    let trials: Vec<PreventiveTrial> = entries.iter().map(|(_, t)| t.clone()).collect();
    let summary = summarise(&trials, on, min_trial_days);
    Ok((entries, summary))
}

/// A questionnaire placed in the treatment course: the baseline (before the first session) or the
/// cycle whose session it follows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PromInCycle {
    pub period: String,
    pub cycle: Option<usize>,
    pub date: NaiveDate,
    pub instrument: Instrument,
    pub total: u32,
    pub interpretation: String,
}

/// The response to treatment and the questionnaires placed by cycle.
#[derive(Debug, Clone, Serialize)]
pub struct ResponseView {
    #[serde(flatten)]
    pub report: ResponseReport,
    pub proms: Vec<PromInCycle>,
}

/// The patient's chronic-migraine session dates, oldest first.
pub async fn migraine_session_dates(
    store: &Store,
    patient: Uuid,
) -> Result<Vec<NaiveDate>, AppError> {
    Ok(patient::migraine_dates(&store.sessions(patient).await?))
}

/// The response per cycle under `rules` as of `on`; `None` before the first chronic-migraine
/// session.
pub async fn response(
    store: &Store,
    rules: &RuleSet,
    r: &PatientRecord,
    on: NaiveDate,
    baseline_end: Option<NaiveDate>,
) -> Result<Option<ResponseView>, AppError> {
    let diary = store.diary(r.id).await?;
    let sessions = migraine_session_dates(store, r.id).await?;
    let entries: Vec<PromEntry> = store
        .proms(r.id)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    Ok(patient::response_of(
        rules,
        r,
        &diary,
        &sessions,
        &entries,
        on,
        baseline_end,
    ))
}

/// The patient's questionnaires, each placed in the baseline or a cycle.
pub async fn proms_by_cycle(
    store: &Store,
    patient: Uuid,
    sessions: &[NaiveDate],
) -> Result<Vec<PromInCycle>, AppError> {
    let entries: Vec<PromEntry> = store
        .proms(patient)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    Ok(patient::proms_in_cycles(&entries, sessions))
}

/// A patient as the schedule names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Who {
    pub id: Uuid,
    pub mrn: Option<String>,
    pub name: String,
}

impl Who {
    pub fn of(r: &PatientRecord) -> Self {
        Who {
            id: r.id,
            mrn: r.patient.mrn().map(str::to_owned),
            name: r.patient.name().to_owned(),
        }
    }
}

/// Who is too early, due and overdue for their next session on `on`: the whole installation, or
/// one clinic's patients.
pub async fn treatment_schedule(
    store: &Store,
    window: ScheduleWindow,
    on: NaiveDate,
    clinic: Option<Uuid>,
) -> Result<Schedule<Who>, AppError> {
    let patients = match clinic {
        Some(c) => store.clinic_patients(c).await?,
        None => store.patients().await?,
    };
    let last = store.last_headache_sessions().await?;
    let entries = last.into_iter().filter_map(|(id, date)| {
        patients
            .iter()
            .find(|p| p.id == id)
            .map(|p| (Who::of(p), date))
    });
    Ok(schedule(on, window, entries))
}
