//! Cephalog storage on SQLite (embedded default: one file, WAL) or PostgreSQL (chosen by a
//! `postgres://` URL). One logical schema, kept as versioned migrations per engine and applied on
//! connect. Every statement is parameterised. Writes that belong together run in one transaction.
//!
//! The query code is written once and instantiated for each engine by the `engine!` macro, so the
//! two back ends cannot drift apart.

mod audit;
mod backup;
mod engine;
mod error;
mod history;

use std::str::FromStr;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};
use uuid::Uuid;

use cephalog_auth::{Role, Username};
use cephalog_core::drugs::normalise_name;
use cephalog_core::eligibility::Attestation;
use cephalog_core::limits::{self, DateWindow, check_questionnaire_date};
use cephalog_core::preventives::PreventiveTrial;
use cephalog_core::prom::{Instrument, PromEntry, PromResult};
use cephalog_core::safety::AdverseEvent;
use cephalog_core::session::{
    CheckPolicy, NerveBlock, Override, Pathway, Session, SessionCheck, ToxinDose,
};
use cephalog_core::{Diagnosis, Diary, DiaryDay, DrugClass, DrugDictionary, Patient};

pub use audit::{
    AuditSettings, AuditVerification, ChainVerification, beside as audit_files_beside,
    rotate_key_file, sqlite_file, write_new_key_file,
};
pub use backup::{BackupSummary, RestoreReport, restore_sqlite};
pub use error::StoreError;
pub use history::{Change, RecordKind, RecordVersion, VersionAction};

/// A patient as stored: the opaque id, the domain record and when it was created.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PatientRecord {
    pub id: Uuid,
    /// The clinic (tenant) whose clinicians may see this patient.
    pub clinic_id: Uuid,
    pub patient: Patient,
    pub created_at: DateTime<Utc>,
}

/// A stored botulinum-toxin session with the overrides recorded with it.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionRecord {
    pub id: Uuid,
    pub session: Session,
    pub overrides: Vec<StoredOverride>,
}

/// An override as stored: the check, the finding it let through (in words), why and by whom.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StoredOverride {
    pub check: String,
    pub finding: String,
    pub reason: String,
    pub by: String,
}

/// Which adverse events to read.
#[derive(Debug, Clone, Copy)]
pub(crate) enum EventFilter {
    Clinic,
    Patient(Uuid),
    Case(Uuid),
}

/// A stored adverse event.
#[derive(Debug, Clone, PartialEq)]
pub struct AdverseEventRecord {
    pub id: Uuid,
    pub patient: Uuid,
    pub event: AdverseEvent,
    pub submitted_on: Option<NaiveDate>,
}

/// Who acknowledged an event's urgent review, when, and what was decided. An acknowledged flag
/// leaves the worklist and no longer refuses the next session.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UrgentReviewAck {
    pub event: Uuid,
    pub by: String,
    pub at: DateTime<Utc>,
    pub decision: String,
}

/// A clinician's same-day review of a questionnaire whose answers raised an alert.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct QuestionnaireReview {
    pub questionnaire: Uuid,
    pub by: String,
    pub at: DateTime<Utc>,
    pub decision: String,
}

/// Longest urgent-review decision Cephalog keeps.
pub const ACK_DECISION_MAX_CHARS: usize = 1000;

/// Who decided and what, as a review or an acknowledgement keeps them: both required, the
/// decision 1 to [`ACK_DECISION_MAX_CHARS`] characters. `verb` says what the person does
/// ("acknowledges", "reviews") in the refusal.
fn decided(by: &str, decision: &str, verb: &str) -> Result<(String, String), StoreError> {
    let decision = decision.trim();
    cephalog_core::limits::check_no_nul("decision", decision)?;
    if decision.is_empty() || decision.chars().count() > ACK_DECISION_MAX_CHARS {
        return Err(StoreError::Invalid {
            field: "decision",
            reason: format!("say what was decided (1 to {ACK_DECISION_MAX_CHARS} characters)"),
        });
    }
    if by.trim().is_empty() {
        return Err(StoreError::Invalid {
            field: "by",
            reason: format!("name who {verb}"),
        });
    }
    Ok((by.trim().to_owned(), decision.to_owned()))
}

/// A stored questionnaire scored again from its instrument code and `;`-separated answers.
fn stored_prom(id: Uuid, instrument: &str, answers: &str) -> Result<PromResult, StoreError> {
    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("questionnaire {id}"), e);
    let instrument = instrument.parse::<Instrument>().map_err(|e| corrupt(&e))?;
    let parts: Vec<&str> = answers.split(';').collect();
    PromResult::score(instrument, &parts).map_err(|e| corrupt(&e))
}

/// A user account (the password hash is kept apart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRecord {
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub clinic: String,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    /// For patient accounts: the patient whose diary it is.
    pub patient_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A clinic (tenant).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ClinicRecord {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// What to record in the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditEvent {
    /// The clinic whose chain records it; `None`: the patient's clinic, or the installation's
    /// chain for an event about no patient.
    pub clinic: Option<Uuid>,
    pub actor: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    pub patient: Option<Uuid>,
    pub source: String,
    /// Why a request was refused; empty when it went through.
    pub detail: String,
}

/// A patient's whole record: what an export reads and an import writes, ids included.
#[derive(Debug, Clone, PartialEq)]
pub struct PatientChart {
    pub record: PatientRecord,
    pub diary: Diary,
    pub preventives: Vec<(Uuid, PreventiveTrial)>,
    pub questionnaires: Vec<(Uuid, PromEntry)>,
    pub sessions: Vec<SessionRecord>,
    /// Botulinum-toxin doses given elsewhere.
    pub other_doses: Vec<ToxinDose>,
    pub nerve_blocks: Vec<(Uuid, NerveBlock)>,
    /// Medication-overuse attestations, oldest first.
    pub attestations: Vec<Attestation>,
    pub adverse_events: Vec<AdverseEventRecord>,
}

impl PatientChart {
    /// Everything in the chart is plausible as new data: a date of birth from 1900 to `today`,
    /// every dated record between birth and `today`, counts and text within
    /// [`cephalog_core::limits`], questionnaire answers that can all be true at once. A FHIR
    /// import passes through here, so it meets the same limits as the forms and the CSV.
    pub fn check_plausible(&self, today: NaiveDate) -> Result<(), StoreError> {
        use cephalog_core::limits::{
            LimitError, MAX_MRN_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, check_date_of_birth,
            check_text,
        };
        let p = &self.record.patient;
        check_date_of_birth(p.date_of_birth(), today)?;
        check_text("name", p.name(), MAX_NAME_CHARS)?;
        if let Some(mrn) = p.mrn() {
            check_text("mrn", mrn, MAX_MRN_CHARS)?;
        }
        check_text("notes", p.notes(), MAX_NOTE_CHARS)?;
        let window = DateWindow::new(p.date_of_birth(), today);
        let within = |what: String, date: NaiveDate| {
            window.check("date", date).map_err(|e| LimitError {
                field: e.field,
                reason: format!("{what}: {}", e.reason),
            })
        };
        for day in self.diary.days() {
            within(format!("diary day {}", day.date()), day.date())?;
            day.check_limits()?;
        }
        for (_, q) in &self.questionnaires {
            let what = format!("{} of {}", q.result.instrument().label(), q.date);
            check_questionnaire_date(&window, q.date).map_err(|e| LimitError {
                field: e.field,
                reason: format!("{what}: {}", e.reason),
            })?;
            q.result.check_plausible()?;
        }
        for s in &self.sessions {
            within(format!("session of {}", s.session.date()), s.session.date())?;
        }
        for d in &self.other_doses {
            within(format!("dose given elsewhere on {}", d.date()), d.date())?;
        }
        for (_, b) in &self.nerve_blocks {
            within(format!("nerve block of {}", b.date()), b.date())?;
        }
        for a in &self.adverse_events {
            let onset = a.event.onset();
            within(format!("adverse event of {onset}"), onset)?;
        }
        for (_, t) in &self.preventives {
            if let Some(start) = t.start() {
                within(format!("preventive started {start}"), start)?;
            }
        }
        Ok(())
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

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub inserted: usize,
    pub replaced: usize,
}

/// A per-user API token as listed (the token itself is shown once, and only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub scope: TokenScope,
    /// After this instant the token answers 401.
    pub expires_at: DateTime<Utc>,
}

/// A live API token, as one request used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenUse {
    pub user: Uuid,
    pub scope: TokenScope,
    /// Requests made with the token in the current clock minute, this one included; every server
    /// of an installation counts in the same row.
    pub requests_this_minute: u64,
    /// Seconds until the current minute ends and the count starts again.
    pub minute_ends_in_seconds: u64,
}

/// What an API token may do: read only (safe methods), or read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read_write",
        }
    }
}

impl std::str::FromStr for TokenScope {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "read_write" => Ok(TokenScope::ReadWrite),
            other => Err(StoreError::Invalid {
                field: "scope",
                reason: format!("'{other}' is not read or read_write"),
            }),
        }
    }
}

/// Days an API token lives when its creator names none [unverified default].
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
/// Longest life of an API token, in days [unverified default].
pub const TOKEN_MAX_DAYS: i64 = 365;

/// A read-only link to a patient's report for someone outside the clinic (the token itself is
/// shown once, and only its SHA-256 is kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShareLinkRecord {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The report the link opens: "visit_summary".
    pub report: String,
    /// The period the report covers.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Who made the link, as the audit trail names them (e.g. "clinician:dr.lee").
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl ShareLinkRecord {
    /// Whether the link opens at `now`: not revoked and not yet expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A share link to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShareLink {
    pub patient_id: Uuid,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The clinic patients join when none is named: a single-clinic installation needs no more.
pub const DEFAULT_CLINIC: &str = "Main clinic";

/// Which engine a store runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// A connection pool on one of the two engines.
#[derive(Debug, Clone)]
pub enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// The database and the keys that seal its audit trail.
#[derive(Debug, Clone)]
pub struct Store {
    pool: Pool,
    audit: Arc<AuditSettings>,
    writer: Arc<audit::AuditWriter>,
}

macro_rules! dispatch {
    ($self:ident, $pool:ident => $call:expr) => {
        match &$self.pool {
            Pool::Sqlite($pool) => {
                use engine::sqlite as e;
                $call
            }
            Pool::Postgres($pool) => {
                use engine::postgres as e;
                $call
            }
        }
    };
}

/// Rows per multi-row INSERT in bulk writes: 14 parameters a row stays well under SQLite's limit of
/// 32,766 bound parameters and PostgreSQL's 65,535.
pub const BATCH_ROWS: usize = 1000;

impl Store {
    /// Connects to `url` with the audit settings [`AuditSettings::default_for`] gives it: for a
    /// SQLite file, the key file and checkpoint log beside it; otherwise a key kept only in
    /// memory, which suits tests and private in-memory databases but not a database that outlives
    /// the process (the command line and the server pass their configured settings to
    /// [`Store::connect_with`]).
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let settings = AuditSettings::default_for(url)?;
        Self::connect_with(url, settings).await
    }

    /// Connects to `url` and applies pending migrations. `postgres://` and `postgresql://` URLs
    /// select PostgreSQL; `sqlite:` URLs and plain file paths select SQLite (the file is created if
    /// missing, in WAL mode); `sqlite::memory:` is a private in-memory database.
    pub async fn connect_with(url: &str, audit: AuditSettings) -> Result<Self, StoreError> {
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url).map_err(StoreError::connect(url))?;
            let pool = PgPoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await
                .map_err(StoreError::connect(url))?;
            Pool::Postgres(pool)
        } else {
            let memory = url == "sqlite::memory:" || url == ":memory:";
            let opts = if memory {
                SqliteConnectOptions::from_str("sqlite::memory:")
                    .map_err(StoreError::connect(url))?
            } else {
                let path = url
                    .strip_prefix("sqlite://")
                    .or_else(|| url.strip_prefix("sqlite:"))
                    .unwrap_or(url);
                SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
            };
            let opts = opts
                .foreign_keys(true)
                .busy_timeout(std::time::Duration::from_secs(10));
            // One connection for a private in-memory database (each would otherwise get its own).
            let pool = SqlitePoolOptions::new()
                .max_connections(if memory { 1 } else { 4 })
                .connect_with(opts)
                .await
                .map_err(StoreError::connect(url))?;
            Pool::Sqlite(pool)
        };
        let store = Store {
            pool,
            audit: Arc::new(audit),
            writer: Arc::default(),
        };
        store.migrate().await?;
        Ok(store)
    }

    /// The connection pool, for tests and tools that need the database itself.
    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    pub fn engine(&self) -> Engine {
        match &self.pool {
            Pool::Sqlite(_) => Engine::Sqlite,
            Pool::Postgres(_) => Engine::Postgres,
        }
    }

    /// Applies pending migrations.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => sqlx::migrate!("./migrations/sqlite").run(p).await?,
            Pool::Postgres(p) => sqlx::migrate!("./migrations/postgres").run(p).await?,
        }
        Ok(())
    }

    /// The migration versions applied, oldest first.
    pub async fn applied_migrations(&self) -> Result<Vec<i64>, StoreError> {
        dispatch!(self, p => e::applied_migrations(p).await)
    }

    /// Closes the pool, waiting for connections to finish.
    pub async fn close(&self) {
        match &self.pool {
            Pool::Sqlite(p) => p.close().await,
            Pool::Postgres(p) => p.close().await,
        }
    }

    /// Adds a patient to the default clinic ([`DEFAULT_CLINIC`]).
    pub async fn add_patient(&self, patient: &Patient) -> Result<PatientRecord, StoreError> {
        let clinic = self.clinic(DEFAULT_CLINIC).await?;
        self.add_patient_in(clinic, patient).await
    }

    /// Adds a patient to the clinic with that id.
    pub async fn add_patient_in(
        &self,
        clinic_id: Uuid,
        patient: &Patient,
    ) -> Result<PatientRecord, StoreError> {
        let record = PatientRecord {
            id: Uuid::now_v7(),
            clinic_id,
            patient: patient.clone(),
            created_at: Utc::now(),
        };
        dispatch!(self, p => e::add_patient(p, &record).await)?;
        Ok(record)
    }

    pub async fn add_diagnosis(&self, id: Uuid, diagnosis: &Diagnosis) -> Result<(), StoreError> {
        let mut record = self.patient(id).await?;
        record.patient.diagnose(diagnosis.clone())?;
        dispatch!(self, p => e::add_diagnosis(p, id, diagnosis).await)
    }

    pub async fn patient(&self, id: Uuid) -> Result<PatientRecord, StoreError> {
        dispatch!(self, p => e::patient(p, id).await)?
            .ok_or(StoreError::PatientNotFound(id.to_string()))
    }

    /// Finds a patient by id or by clinic record number (MRN). MRNs are unique per clinic only:
    /// an MRN that two clinics use is refused as ambiguous (give the patient's id instead).
    pub async fn find_patient(&self, id_or_mrn: &str) -> Result<PatientRecord, StoreError> {
        let key = id_or_mrn.trim();
        let id = match Uuid::parse_str(key) {
            Ok(id) => Some(id),
            Err(_) => {
                let ids = dispatch!(self, p => e::patient_ids_by_mrn(p, key).await)?;
                if ids.len() > 1 {
                    return Err(StoreError::AmbiguousMrn(key.to_owned()));
                }
                ids.first().copied()
            }
        };
        match id {
            Some(id) => dispatch!(self, p => e::patient(p, id).await)?,
            None => None,
        }
        .ok_or_else(|| StoreError::PatientNotFound(key.to_owned()))
    }

    /// Every patient of every clinic (administration and the command line).
    pub async fn patients(&self) -> Result<Vec<PatientRecord>, StoreError> {
        dispatch!(self, p => e::patients(p, None).await)
    }

    /// The patients of one clinic, by name.
    pub async fn clinic_patients(&self, clinic: Uuid) -> Result<Vec<PatientRecord>, StoreError> {
        dispatch!(self, p => e::patients(p, Some(clinic)).await)
    }

    /// Each patient's latest recorded diary day (patients with none are absent).
    pub async fn last_diary_days(&self) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
        dispatch!(self, p => e::last_diary_days(p).await)
    }

    pub async fn patient_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, p => e::patient_count(p).await)
    }

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
        dispatch!(self, p => e::import_days(p, id, days, replace, Utc::now().trunc_subsecs(6), progress).await)
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
        dispatch!(self, p => e::void_day(p, patient, date, change, Utc::now().trunc_subsecs(6)).await)?
            .ok_or_else(|| StoreError::NotFound(format!("diary day {date} is not recorded")))
    }

    /// The kept (superseded) versions of one diary day, oldest first.
    pub async fn diary_day_history(
        &self,
        patient: Uuid,
        date: NaiveDate,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        let key = date.to_string();
        dispatch!(self, p => e::record_versions(p, patient, Some(RecordKind::DiaryDay), Some(&key)).await)
    }

    /// The kept (superseded) versions of one record (`record_id`: a diary day's date, any other
    /// record's id), oldest first.
    pub async fn record_versions(
        &self,
        patient: Uuid,
        kind: RecordKind,
        record_id: &str,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        dispatch!(self, p => e::record_versions(p, patient, Some(kind), Some(record_id)).await)
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
        let seen = dispatch!(self, p => e::kept_count(p, patient, kind, &key).await)?;
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

    async fn supersede(
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
        dispatch!(self, p => e::supersede(p, patient, kind, id, seen, &snapshot, change, replacement, at).await)?
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

    /// Corrects a preventive trial: the stored version is kept, the new one takes its id.
    pub async fn correct_preventive(
        &self,
        patient: Uuid,
        id: Uuid,
        trial: &PreventiveTrial,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let r = Replacement::Preventive(trial.clone());
        self.supersede(patient, RecordKind::Preventive, id, change, Some(&r))
            .await
    }

    /// Corrects a questionnaire's date or answers (re-scored): the stored version is kept.
    pub async fn correct_prom(
        &self,
        patient: Uuid,
        id: Uuid,
        taken_on: NaiveDate,
        instrument: Instrument,
        answers: &[String],
        change: &Change,
    ) -> Result<(RecordVersion, PromResult), StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("date", taken_on, r.patient.date_of_birth())?;
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let result = PromResult::score(instrument, &refs)?;
        result.check_plausible()?;
        let text = answers
            .iter()
            .map(|a| a.trim())
            .collect::<Vec<_>>()
            .join(";");
        let r = Replacement::Questionnaire {
            taken_on,
            result: result.clone(),
            answers: text,
        };
        let kept = self
            .supersede(patient, RecordKind::Questionnaire, id, change, Some(&r))
            .await?;
        Ok((kept, result))
    }

    /// Corrects an overuse attestation: the stored version is kept.
    pub async fn correct_overuse_attestation(
        &self,
        patient: Uuid,
        id: Uuid,
        attestation: &Attestation,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let r = Replacement::Attestation(attestation.clone());
        self.supersede(patient, RecordKind::Attestation, id, change, Some(&r))
            .await
    }

    /// Corrects an adverse event (its submission date is kept): the stored version is kept.
    pub async fn correct_adverse_event(
        &self,
        patient: Uuid,
        id: Uuid,
        event: &AdverseEvent,
        change: &Change,
    ) -> Result<RecordVersion, StoreError> {
        let submitted_on = self
            .adverse_events(Some(patient))
            .await?
            .into_iter()
            .find(|e| e.id == id)
            .and_then(|e| e.submitted_on);
        let r = Replacement::AdverseEvent {
            event: event.clone(),
            submitted_on,
        };
        self.supersede(patient, RecordKind::AdverseEvent, id, change, Some(&r))
            .await
    }

    /// The patient's overuse attestations with their ids, oldest first.
    pub async fn overuse_attestation_records(
        &self,
        patient: Uuid,
    ) -> Result<Vec<(Uuid, Attestation)>, StoreError> {
        dispatch!(self, p => e::attestation_records(p, patient).await)
    }

    /// Every kept version of the patient's records, or of one kind, by kind, record and version.
    pub async fn record_history(
        &self,
        patient: Uuid,
        kind: Option<RecordKind>,
    ) -> Result<Vec<RecordVersion>, StoreError> {
        dispatch!(self, p => e::record_versions(p, patient, kind, None).await)
    }

    /// Every diary of `clinic`'s patients (`None`: the whole installation's) in one streaming
    /// pass, for whole-clinic analysis: `each` is called once per patient who has a diary, in
    /// order of patient id, with the whole diary. Nothing but the current patient's days is held
    /// in memory. Answers the number of diary days read.
    pub async fn each_diary<F>(&self, clinic: Option<Uuid>, mut each: F) -> Result<u64, StoreError>
    where
        F: FnMut(Uuid, Diary) + Send,
    {
        let mut one = |patient: Uuid, days: Vec<DiaryDay>| {
            let diary = Diary::new(days)
                .map_err(|e| StoreError::corrupt(format!("diary of patient {patient}"), e))?;
            each(patient, diary);
            Ok(())
        };
        dispatch!(self, p => e::each_diary(p, clinic, &mut one).await)
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
        let days = dispatch!(self, p => e::diary_days(p, id, from, to).await)?;
        Ok(Diary::new(days)?)
    }

    /// Everything stored about one patient, for an export.
    pub async fn patient_chart(&self, id: Uuid) -> Result<PatientChart, StoreError> {
        let record = self.patient(id).await?;
        Ok(PatientChart {
            diary: self.diary(id).await?,
            preventives: self.preventives(id).await?,
            questionnaires: self.proms(id).await?,
            sessions: self.sessions(id).await?,
            other_doses: dispatch!(self, p => e::other_doses_of(p, id).await)?,
            nerve_blocks: self.nerve_blocks(id).await?,
            attestations: dispatch!(self, p => e::attestations(p, id).await)?,
            adverse_events: self.adverse_events(Some(id)).await?,
            record,
        })
    }

    /// Stores a whole patient (an import) in one transaction, keeping the ids of the patient and
    /// of every record, in the clinic `chart.record.clinic_id` names. A patient already stored
    /// with the same id or MRN refuses the import ([`StoreError::PatientExists`]): nothing is
    /// written and nothing is replaced. The sessions keep the overrides they were recorded with;
    /// the recording-time checks are not run again.
    pub async fn import_chart(
        &self,
        chart: &PatientChart,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        chart.check_plausible(today)?;
        let answers: Vec<String> = chart
            .questionnaires
            .iter()
            .map(|(_, q)| q.result.stored_answers())
            .collect();
        dispatch!(self, p => e::import_chart(p, chart, &answers, Utc::now()).await)
    }

    /// Adds a preventive trial to the patient's ledger.
    pub async fn add_preventive(
        &self,
        patient: Uuid,
        trial: &PreventiveTrial,
        today: NaiveDate,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        let window = DateWindow::new(r.patient.date_of_birth(), today);
        if let Some(start) = trial.start() {
            window.check("start", start)?;
        }
        if let Some(stop) = trial.stop() {
            window.check("stop", stop)?;
        }
        let id = Uuid::now_v7();
        dispatch!(self, p => e::add_preventive(p, id, patient, trial, Utc::now()).await)?;
        Ok(id)
    }

    /// The patient's preventive ledger, oldest first.
    pub async fn preventives(
        &self,
        patient: Uuid,
    ) -> Result<Vec<(Uuid, PreventiveTrial)>, StoreError> {
        dispatch!(self, p => e::preventives(p, patient).await)
    }

    /// Scores and stores a questionnaire; the answers are kept and re-scored on reading. The date
    /// lies between the patient's birth (from the age questionnaires are accepted at) and
    /// `today`, the answers can all be true at once, and one answer set of an instrument is kept
    /// per date ([`StoreError::QuestionnaireExists`]: correct that one instead).
    pub async fn add_prom(
        &self,
        patient: Uuid,
        taken_on: NaiveDate,
        instrument: Instrument,
        answers: &[String],
        today: NaiveDate,
    ) -> Result<(Uuid, PromResult), StoreError> {
        let r = self.patient(patient).await?;
        let window = DateWindow::new(r.patient.date_of_birth(), today);
        check_questionnaire_date(&window, taken_on)?;
        let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
        let result = PromResult::score(instrument, &refs)?;
        result.check_plausible()?;
        let id = Uuid::now_v7();
        let text = answers
            .iter()
            .map(|a| a.trim())
            .collect::<Vec<_>>()
            .join(";");
        dispatch!(self, p => e::add_prom(p, id, patient, taken_on, &result, &text, Utc::now()).await)?;
        Ok((id, result))
    }

    /// The patient's questionnaires, oldest first.
    pub async fn proms(&self, patient: Uuid) -> Result<Vec<(Uuid, PromEntry)>, StoreError> {
        let rows = dispatch!(self, p => e::proms(p, patient).await)?;
        rows.into_iter()
            .map(|(id, date, instrument, answers)| {
                let result = stored_prom(id, &instrument, &answers)?;
                Ok((id, PromEntry { date, result }))
            })
            .collect()
    }

    /// Records a clinician's attestation that medication overuse has been managed.
    pub async fn add_overuse_attestation(
        &self,
        patient: Uuid,
        attestation: &Attestation,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let r = self.patient(patient).await?;
        DateWindow::new(r.patient.date_of_birth(), today).check("on", attestation.on)?;
        limits::check_text("note", &attestation.note, limits::MAX_NOTE_CHARS)?;
        dispatch!(self, p => e::add_attestation(p, Uuid::now_v7(), patient, attestation, Utc::now()).await)
    }

    /// The latest attestation on or before `on`.
    pub async fn overuse_attestation(
        &self,
        patient: Uuid,
        on: NaiveDate,
    ) -> Result<Option<Attestation>, StoreError> {
        let all = dispatch!(self, p => e::attestations(p, patient).await)?;
        Ok(all.into_iter().rev().find(|a| a.on <= on))
    }

    /// Every overuse attestation of the patient, oldest first.
    pub async fn overuse_attestations(
        &self,
        patient: Uuid,
    ) -> Result<Vec<Attestation>, StoreError> {
        dispatch!(self, p => e::attestations(p, patient).await)
    }

    /// Botulinum-toxin doses the patient had elsewhere (other indications or clinics), oldest first.
    pub async fn other_toxin_doses(&self, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => engine::sqlite::other_doses(&mut *p.acquire().await?, patient).await,
            Pool::Postgres(p) => {
                engine::postgres::other_doses(&mut *p.acquire().await?, patient).await
            }
        }
    }

    /// Every botulinum-toxin dose the patient has had: sessions recorded here and doses given
    /// elsewhere, of any indication.
    pub async fn toxin_history(&self, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
        match &self.pool {
            Pool::Sqlite(p) => {
                engine::sqlite::toxin_history(&mut *p.acquire().await?, patient).await
            }
            Pool::Postgres(p) => {
                engine::postgres::toxin_history(&mut *p.acquire().await?, patient).await
            }
        }
    }

    /// Runs the recording-time safety checks for a session against the patient's stored history.
    /// `pathway` is what the use case loaded about the patient's pathway (`None` checks the
    /// session alone).
    pub async fn check_session(
        &self,
        patient: Uuid,
        session: &Session,
        pathway: Option<&Pathway>,
        overrides: &[Override],
        policy: &CheckPolicy,
    ) -> Result<SessionCheck, StoreError> {
        let record = self.patient(patient).await?;
        let history = self.toxin_history(patient).await?;
        Ok(session.check(
            record.patient.date_of_birth(),
            &history,
            pathway,
            overrides,
            policy,
        ))
    }

    /// Records a session after the safety checks, run inside the write transaction with the
    /// patient's row locked; any refusal not overridden refuses the whole session and stores
    /// nothing. The overrides that let refusals through are stored with it.
    pub async fn record_session(
        &self,
        patient: Uuid,
        session: &Session,
        pathway: Option<&Pathway>,
        overrides: &[Override],
        policy: &CheckPolicy,
    ) -> Result<(Uuid, SessionCheck), StoreError> {
        let dob = self.patient(patient).await?.patient.date_of_birth();
        let id = Uuid::now_v7();
        let check = |history: &[ToxinDose]| session.check(dob, history, pathway, overrides, policy);
        let result = dispatch!(self, p => e::record_session_checked(p, id, patient, session, check, Utc::now()).await)?;
        Ok((id, result))
    }

    /// The patient's sessions, oldest first.
    pub async fn sessions(&self, patient: Uuid) -> Result<Vec<SessionRecord>, StoreError> {
        let rows = match &self.pool {
            Pool::Sqlite(p) => engine::sqlite::sessions(&mut *p.acquire().await?, patient).await?,
            Pool::Postgres(p) => {
                engine::postgres::sessions(&mut *p.acquire().await?, patient).await?
            }
        };
        rows.into_iter()
            .map(|(id, draft, overrides)| {
                let session = Session::restore(draft)
                    .map_err(|e| StoreError::corrupt(format!("session {id}"), e))?;
                let overrides = overrides
                    .into_iter()
                    .map(|(check, finding, reason, by)| StoredOverride {
                        check,
                        finding,
                        reason,
                        by,
                    })
                    .collect();
                Ok(SessionRecord {
                    id,
                    session,
                    overrides,
                })
            })
            .collect()
    }

    /// Records a botulinum-toxin dose given elsewhere (another indication or clinic), dated
    /// between the patient's birth and `today`.
    pub async fn add_other_toxin_dose(
        &self,
        patient: Uuid,
        dose: &ToxinDose,
        today: NaiveDate,
    ) -> Result<(), StoreError> {
        let r = self.patient(patient).await?;
        DateWindow::new(r.patient.date_of_birth(), today).check("date", dose.date())?;
        dispatch!(self, p => e::add_other_dose(p, Uuid::now_v7(), patient, dose, Utc::now()).await)
    }

    /// Records an occipital nerve block.
    pub async fn record_nerve_block(
        &self,
        patient: Uuid,
        block: &NerveBlock,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("date", block.date(), r.patient.date_of_birth())?;
        let id = Uuid::now_v7();
        dispatch!(self, p => e::insert_nerve_block(p, id, patient, block, Utc::now()).await)?;
        Ok(id)
    }

    /// The patient's nerve blocks, oldest first.
    pub async fn nerve_blocks(&self, patient: Uuid) -> Result<Vec<(Uuid, NerveBlock)>, StoreError> {
        dispatch!(self, p => e::nerve_blocks(p, patient).await)
    }

    /// Records the relief after a block (replacing an earlier record); checked by the domain first.
    pub async fn record_block_relief(
        &self,
        patient: Uuid,
        block: Uuid,
        percent: u32,
        minutes: u32,
        on: NaiveDate,
    ) -> Result<NerveBlock, StoreError> {
        let (_, mut b) = self
            .nerve_blocks(patient)
            .await?
            .into_iter()
            .find(|(id, _)| *id == block)
            .ok_or_else(|| {
                StoreError::NotFound(format!("nerve block {block} of patient {patient}"))
            })?;
        b.record_relief(percent, minutes, on)?;
        let relief = b
            .relief()
            .ok_or_else(|| StoreError::corrupt("nerve block", "relief not kept"))?;
        dispatch!(self, p => e::set_block_relief(p, block, relief.percent(), relief.duration_minutes(), on).await)?;
        Ok(b)
    }

    /// Stores an adverse event (valid ICSR or not).
    pub async fn add_adverse_event(
        &self,
        patient: Uuid,
        event: &AdverseEvent,
    ) -> Result<Uuid, StoreError> {
        let r = self.patient(patient).await?;
        limits::check_not_before_birth("onset", event.onset(), r.patient.date_of_birth())?;
        let id = Uuid::now_v7();
        dispatch!(self, p => e::insert_adverse_event(p, id, patient, event, Utc::now()).await)?;
        Ok(id)
    }

    /// Adverse events of one patient, or of the whole clinic.
    pub async fn adverse_events(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        self.read_adverse_events(patient.map_or(EventFilter::Clinic, EventFilter::Patient))
            .await
    }

    /// One adverse event by id.
    pub async fn adverse_event(&self, id: Uuid) -> Result<AdverseEventRecord, StoreError> {
        self.read_adverse_events(EventFilter::Case(id))
            .await?
            .pop()
            .ok_or_else(|| StoreError::NotFound(format!("adverse event {id}")))
    }

    async fn read_adverse_events(
        &self,
        filter: EventFilter,
    ) -> Result<Vec<AdverseEventRecord>, StoreError> {
        let rows = dispatch!(self, p => e::adverse_events(p, filter).await)?;
        rows.into_iter()
            .map(|(id, patient, draft, submitted_on)| {
                let event = AdverseEvent::try_from(draft)
                    .map_err(|e| StoreError::corrupt(format!("adverse event {id}"), e))?;
                Ok(AdverseEventRecord {
                    id,
                    patient,
                    event,
                    submitted_on,
                })
            })
            .collect()
    }

    /// Acknowledges the urgent review of event `id`: `by` (the clinician) and `decision` (what was
    /// decided) are required; an event already acknowledged keeps its first acknowledgement.
    pub async fn acknowledge_urgent_review(
        &self,
        id: Uuid,
        by: &str,
        decision: &str,
    ) -> Result<UrgentReviewAck, StoreError> {
        self.adverse_event(id).await?;
        let (by, decision) = decided(by, decision, "acknowledges")?;
        let ack = UrgentReviewAck {
            event: id,
            by,
            at: Utc::now(),
            decision,
        };
        if dispatch!(self, p => e::acknowledge_urgent_review(p, &ack).await)? {
            Ok(ack)
        } else {
            Err(StoreError::AlreadyAcknowledged(id.to_string()))
        }
    }

    /// Records the same-day review of questionnaire `id` of `patient`: `by` and `decision` are
    /// required; a questionnaire reviewed already keeps its first review.
    pub async fn review_questionnaire(
        &self,
        patient: Uuid,
        id: Uuid,
        by: &str,
        decision: &str,
    ) -> Result<QuestionnaireReview, StoreError> {
        let (by, decision) = decided(by, decision, "reviews")?;
        let review = QuestionnaireReview {
            questionnaire: id,
            by,
            at: Utc::now(),
            decision,
        };
        // The insert names the patient, so it stores nothing for another patient's
        // questionnaire; only then is it worth asking why.
        if dispatch!(self, p => e::review_questionnaire(p, patient, &review).await)? {
            return Ok(review);
        }
        let reviewed = self
            .questionnaire_reviews(Some(patient))
            .await?
            .iter()
            .any(|r| r.questionnaire == id);
        Err(if reviewed {
            StoreError::AlreadyReviewed(id.to_string())
        } else {
            StoreError::NotFound(format!("questionnaire {id}"))
        })
    }

    /// Same-day reviews, of one patient's questionnaires or of every one.
    pub async fn questionnaire_reviews(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<QuestionnaireReview>, StoreError> {
        dispatch!(self, p => e::questionnaire_reviews(p, patient).await)
    }

    /// Questionnaires not reviewed yet whose answers raise a same-day alert, of one clinic's
    /// patients, of one patient, or of all, oldest first: (id, patient, entry).
    pub async fn questionnaires_awaiting_review(
        &self,
        clinic: Option<Uuid>,
        patient: Option<Uuid>,
    ) -> Result<Vec<(Uuid, Uuid, PromEntry)>, StoreError> {
        let instruments: Vec<String> = Instrument::ALL
            .into_iter()
            .filter(|i| !i.def().alerts.is_empty())
            .map(|i| i.as_str().to_owned())
            .collect();
        let rows =
            dispatch!(self, p => e::unreviewed_proms(p, clinic, patient, &instruments).await)?;
        let mut out = Vec::new();
        for (id, patient, date, instrument, answers) in rows {
            let result = stored_prom(id, &instrument, &answers)?;
            if result.needs_same_day_review() {
                out.push((id, patient, PromEntry { date, result }));
            }
        }
        out.sort_by_key(|(_, _, e)| e.date);
        Ok(out)
    }

    /// Acknowledged urgent reviews, of one patient's events or of every event.
    pub async fn urgent_review_acks(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<UrgentReviewAck>, StoreError> {
        dispatch!(self, p => e::urgent_review_acks(p, patient).await)
    }

    /// Records that the case was submitted to the regulator on `on`.
    pub async fn mark_adverse_event_submitted(
        &self,
        id: Uuid,
        on: NaiveDate,
    ) -> Result<(), StoreError> {
        if dispatch!(self, p => e::mark_submitted(p, id, on).await)? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("adverse event {id}")))
        }
    }

    /// Botulinum-toxin sessions recorded in the clinic.
    pub async fn session_count(&self) -> Result<i64, StoreError> {
        dispatch!(self, p => e::session_count(p).await)
    }

    /// The clinic of that name, created on first use.
    pub async fn clinic(&self, name: &str) -> Result<Uuid, StoreError> {
        dispatch!(self, p => e::ensure_clinic(p, name.trim()).await)
    }

    /// Every clinic, by name.
    pub async fn clinics(&self) -> Result<Vec<ClinicRecord>, StoreError> {
        dispatch!(self, p => e::clinics(p).await)
    }

    /// Adds a user with an already hashed password. A patient account names its patient.
    pub async fn add_user(
        &self,
        clinic: &str,
        username: Username,
        display_name: &str,
        role: Role,
        patient: Option<Uuid>,
        password_hash: &str,
    ) -> Result<UserRecord, StoreError> {
        if (role == Role::Patient) != patient.is_some() {
            return Err(StoreError::PatientAccount);
        }
        if let Some(p) = patient {
            self.patient(p).await?;
        }
        let clinic_id = self.clinic(clinic).await?;
        let user = UserRecord {
            id: Uuid::now_v7(),
            clinic_id,
            clinic: clinic.trim().to_owned(),
            username,
            display_name: display_name.trim().to_owned(),
            role,
            patient_id: patient,
            disabled: false,
            created_at: Utc::now(),
        };
        dispatch!(self, p => e::insert_user(p, &user, password_hash).await)?;
        Ok(user)
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        Ok(dispatch!(self, p => e::users(p, None).await)?
            .into_iter()
            .map(|(u, _)| u)
            .collect())
    }

    /// A user and the stored password hash, for signing in.
    pub async fn user_with_hash(
        &self,
        username: &Username,
    ) -> Result<Option<(UserRecord, String)>, StoreError> {
        Ok(dispatch!(self, p => e::users(p, Some(username.as_str())).await)?.pop())
    }

    /// The user with that id.
    pub async fn user(&self, id: Uuid) -> Result<UserRecord, StoreError> {
        dispatch!(self, p => e::user_by_id(p, id).await)?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn set_user_disabled(
        &self,
        username: &Username,
        disabled: bool,
    ) -> Result<(), StoreError> {
        if dispatch!(self, p => e::set_user_disabled(p, username.as_str(), disabled).await)? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("user {username}")))
        }
    }

    pub async fn set_password_hash(
        &self,
        username: &Username,
        hash: &str,
    ) -> Result<(), StoreError> {
        if dispatch!(self, p => e::set_password_hash(p, username.as_str(), hash).await)? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("user {username}")))
        }
    }

    /// Each patient's last chronic-migraine or occipital-neuralgia session, for the schedule.
    pub async fn last_headache_sessions(&self) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
        dispatch!(self, p => e::last_headache_sessions(p, None).await)
    }

    /// One patient's last chronic-migraine or occipital-neuralgia session, if any.
    pub async fn last_headache_session(
        &self,
        patient: Uuid,
    ) -> Result<Option<NaiveDate>, StoreError> {
        Ok(
            dispatch!(self, p => e::last_headache_sessions(p, Some(patient)).await)?
                .pop()
                .map(|(_, d)| d),
        )
    }

    /// The dictionary: built-in names plus the clinic's.
    pub async fn drug_dictionary(&self) -> Result<DrugDictionary, StoreError> {
        let mut dict = DrugDictionary::builtin();
        for (name, class) in dispatch!(self, p => e::clinic_drugs(p).await)? {
            dict.add_clinic_entry(&name, class)?;
        }
        Ok(dict)
    }

    /// Adds a clinic medicine name; names the dictionary already knows are refused.
    pub async fn add_clinic_drug(&self, name: &str, class: DrugClass) -> Result<(), StoreError> {
        let mut dict = self.drug_dictionary().await?;
        dict.add_clinic_entry(name, class)?;
        dispatch!(self, p => e::add_clinic_drug(p, &normalise_name(name), class).await)
    }

    // --- web sessions: stored by the SHA-256 of the cookie's id ----------------------------

    /// The data of a live session and when it expires.
    pub async fn web_session(
        &self,
        id_hash: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        dispatch!(self, p => e::session_load(p, id_hash, Utc::now()).await)
    }

    /// Stores a new session; false when that id is already taken.
    pub async fn create_web_session(
        &self,
        id_hash: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(self, p => e::session_create(p, id_hash, data, expires_at).await)
    }

    pub async fn save_web_session(
        &self,
        id_hash: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(self, p => e::session_save(p, id_hash, data, expires_at).await)
    }

    pub async fn delete_web_session(&self, id_hash: &str) -> Result<(), StoreError> {
        dispatch!(self, p => e::session_delete(p, id_hash).await)
    }

    /// Deletes expired sessions; how many.
    pub async fn expire_web_sessions(&self) -> Result<u64, StoreError> {
        dispatch!(self, p => e::sessions_expire(p, Utc::now()).await)
    }

    // --- API tokens ---------------------------------------------------------------------------

    /// Stores a new token for `user` by its hash.
    /// `days` is its life: 1 to [`TOKEN_MAX_DAYS`] (default [`TOKEN_DEFAULT_DAYS`]).
    pub async fn add_api_token(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        days: Option<i64>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
        if !(1..=TOKEN_MAX_DAYS).contains(&days) {
            return Err(StoreError::Invalid {
                field: "expires_in_days",
                reason: format!("{days} is not 1 to {TOKEN_MAX_DAYS} days"),
            });
        }
        let now = Utc::now().trunc_subsecs(6);
        self.insert_api_token(
            user,
            name,
            token_hash,
            scope,
            now,
            now + chrono::Duration::days(days),
        )
        .await
    }

    /// Stores a new token for `user` by its hash, expiring at `expires_at` (no bounds: callers
    /// facing users go through [`Store::add_api_token`]).
    pub async fn add_api_token_until(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        expires_at: DateTime<Utc>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let now = Utc::now().trunc_subsecs(6);
        self.insert_api_token(user, name, token_hash, scope, now, expires_at)
            .await
    }

    async fn insert_api_token(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let t = ApiTokenRecord {
            id: Uuid::now_v7(),
            user_id: user,
            name: name.trim().to_owned(),
            created_at,
            last_used_at: None,
            revoked_at: None,
            scope,
            expires_at,
        };
        dispatch!(self, p => e::insert_api_token(p, &t, token_hash).await)?;
        Ok(t)
    }

    pub async fn api_tokens(&self, user: Uuid) -> Result<Vec<ApiTokenRecord>, StoreError> {
        dispatch!(self, p => e::api_tokens(p, user).await)
    }

    /// The owner and scope of the live (unrevoked, unexpired) token with that hash, marking it
    /// used and counting the request against the token's current minute.
    pub async fn use_api_token(&self, token_hash: &str) -> Result<Option<TokenUse>, StoreError> {
        dispatch!(self, p => e::use_api_token(p, token_hash, Utc::now()).await)
    }

    /// Revokes one of `user`'s tokens.
    pub async fn revoke_api_token(&self, user: Uuid, id: Uuid) -> Result<(), StoreError> {
        if dispatch!(self, p => e::revoke_api_token(p, user, id, Utc::now()).await)? {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("live API token {id}")))
        }
    }

    // --- share links ----------------------------------------------------------------------------

    /// Stores a share link to the patient's visit summary by the SHA-256 (hex) of its token.
    pub async fn add_share_link(
        &self,
        link: &NewShareLink,
        token_hash: &str,
    ) -> Result<ShareLinkRecord, StoreError> {
        let r = ShareLinkRecord {
            id: Uuid::now_v7(),
            patient_id: link.patient_id,
            report: "visit_summary".to_owned(),
            period_from: link.period_from,
            period_to: link.period_to,
            created_by: link.created_by.clone(),
            // Microseconds: what both engines keep, so the record returned is the one stored.
            created_at: link.created_at.trunc_subsecs(6),
            expires_at: link.expires_at.trunc_subsecs(6),
            revoked_at: None,
            revoked_by: None,
        };
        dispatch!(self, p => e::insert_share_link(p, &r, token_hash).await)?;
        Ok(r)
    }

    /// The patient's share links, newest first.
    pub async fn share_links(&self, patient: Uuid) -> Result<Vec<ShareLinkRecord>, StoreError> {
        dispatch!(self, p => e::share_links(p, Some(patient), None).await)
    }

    /// The link with that token hash, live or not (the caller decides with
    /// [`ShareLinkRecord::is_live`] and records the attempt).
    pub async fn share_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ShareLinkRecord>, StoreError> {
        Ok(
            dispatch!(self, p => e::share_links(p, None, Some(token_hash)).await)?
                .into_iter()
                .next(),
        )
    }

    /// Revokes one of the patient's links; revoking a revoked link changes nothing. `NotFound`
    /// when the patient has no such link.
    pub async fn revoke_share_link(
        &self,
        patient: Uuid,
        id: Uuid,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<ShareLinkRecord, StoreError> {
        dispatch!(self, p => e::revoke_share_link(p, patient, id, by, now).await)?;
        self.share_links(patient)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("share link {id}")))
    }

    /// The patient a recorded botulinum-toxin session belongs to.
    pub async fn session_patient(&self, session: Uuid) -> Result<Uuid, StoreError> {
        dispatch!(self, p => e::session_patient(p, session).await)?
            .ok_or_else(|| StoreError::NotFound(format!("session {session}")))
    }

    // --- sign-in throttling ---------------------------------------------------------------------

    /// Records a failed sign-in under each key (e.g. "user:name", "ip:address").
    pub async fn add_login_failure(&self, keys: &[String]) -> Result<(), StoreError> {
        dispatch!(self, p => e::add_login_failure(p, keys, Utc::now()).await)
    }

    /// Failed sign-ins under `key` after `since`, and the latest of them.
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        dispatch!(self, p => e::login_failures_since(p, key, since).await)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        dispatch!(self, p => e::clear_login_failures(p, key).await)
    }
}
