//! Cephalog storage on SQLite (embedded default: one file, WAL) or PostgreSQL (chosen by a
//! `postgres://` URL). One logical schema, kept as versioned migrations per engine and applied on
//! connect. Every statement is parameterised. Writes that belong together run in one transaction.
//!
//! The store is split by aggregate: patients (with clinics and whole charts), the diary (with the
//! drug dictionary), treatment (sessions, toxin doses, nerve blocks, preventives, questionnaires,
//! overuse attestations), safety (adverse events and urgent reviews) and accounts (users, web
//! sessions, API tokens, share links, failed sign-ins), plus record history, the audit trail and
//! backups. Each aggregate's module holds its record types and its part of [`Store`]; its queries
//! live in `engine/<aggregate>.rs`, written once in a macro (`patients_engine!`, `diary_engine!`,
//! …) that is instantiated for each engine, so the two back ends cannot drift apart.

/// Runs `$call` with `e` naming the engine module of `$aggregate` (`engine::$aggregate::sqlite`
/// or `::postgres`) that matches the store's pool, bound to `$pool`; without an aggregate, the
/// shared queries of `engine`.
macro_rules! dispatch {
    // A write: on SQLite it waits its turn at the store's write gate first.
    (write $self:ident, $aggregate:ident, $pool:ident => $call:expr) => {{
        let _turn = $self.gate.enter().await;
        dispatch!($self, $aggregate, $pool => $call)
    }};
    ($self:ident, $aggregate:ident, $pool:ident => $call:expr) => {
        match &$self.pool {
            $crate::Pool::Sqlite($pool) => {
                use $crate::engine::$aggregate::sqlite as e;
                $call
            }
            $crate::Pool::Postgres($pool) => {
                use $crate::engine::$aggregate::postgres as e;
                $call
            }
        }
    };
    ($self:ident, $pool:ident => $call:expr) => {
        match &$self.pool {
            $crate::Pool::Sqlite($pool) => {
                use $crate::engine::sqlite as e;
                $call
            }
            $crate::Pool::Postgres($pool) => {
                use $crate::engine::postgres as e;
                $call
            }
        }
    };
}

mod accounts;
mod audit;
mod backup;
mod diary;
mod engine;
mod error;
mod history;
mod patients;
mod safety;
mod treatment;

use std::str::FromStr;
use std::sync::Arc;

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions};

pub use accounts::{
    ApiTokenRecord, NewShareLink, ShareLinkRecord, TOKEN_DEFAULT_DAYS, TOKEN_MAX_DAYS, TokenScope,
    TokenUse, UserRecord,
};
pub use audit::{
    AuditEvent, AuditSettings, AuditVerification, ChainVerification, beside as audit_files_beside,
    rotate_key_file, sqlite_file, write_new_key_file,
};
pub use backup::{BackupSummary, RestoreReport, restore_sqlite};
pub use diary::{ImportSummary, Patients};
pub use error::StoreError;
pub use history::{Change, RecordKind, RecordVersion, VersionAction};
pub use patients::{ClinicRecord, DEFAULT_CLINIC, PatientChart, PatientRecord};
pub use safety::{ACK_DECISION_MAX_CHARS, AdverseEventRecord, UrgentReviewAck};
pub use treatment::{QuestionnaireReview, SessionRecord, StoredOverride};

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
    gate: Arc<WriteGate>,
}

/// SQLite lets one connection write at a time and has the others retry after growing sleeps (up
/// to 100 ms each), so under load a write can wait far longer than the writes ahead of it take.
/// On a SQLite database the store's write transactions (the audit writer's included) queue here
/// first, in order of arrival, and reach SQLite one at a time; reads never wait here. Another
/// process on the same file still meets SQLite's own lock and busy timeout. PostgreSQL locks rows
/// and gets no gate.
#[derive(Debug, Default)]
pub(crate) struct WriteGate(Option<tokio::sync::Mutex<()>>);

impl WriteGate {
    fn for_pool(pool: &Pool) -> Self {
        WriteGate(matches!(pool, Pool::Sqlite(_)).then(|| tokio::sync::Mutex::new(())))
    }

    /// Waits for this process's turn to write (at once on PostgreSQL).
    pub(crate) async fn enter(&self) -> Option<tokio::sync::MutexGuard<'_, ()>> {
        match &self.0 {
            Some(turn) => Some(turn.lock().await),
            None => None,
        }
    }
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
            gate: Arc::new(WriteGate::for_pool(&pool)),
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
}
