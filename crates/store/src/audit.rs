//! The audit trail: appends sealed with the configured key ring, the checkpoint log outside the
//! database, and verification that reads every row as text so a malformed row is named rather
//! than stopping the check.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use cephalog_auth::{
    AuditFields, AuditKey, AuditKeyRing, ChainBreak, ChainedEntry, Checkpoint, CheckpointReport,
    GENESIS_HASH, INSTALLATION_CHAIN, check_backup_checkpoints, check_checkpoints, verify_chain,
};

use crate::{Pool, Store, StoreError};

/// Where the audit trail's keys and checkpoints come from.
#[derive(Debug, Clone)]
pub struct AuditSettings {
    pub keys: AuditKeyRing,
    /// The key file the keys were read from, if any.
    pub key_file: Option<PathBuf>,
    /// The append-only checkpoint log; `None` when none is configured (verification then says a
    /// removed tail cannot be found).
    pub checkpoints: Option<PathBuf>,
}

impl AuditSettings {
    /// A key kept only in memory and no checkpoint log.
    pub fn ephemeral() -> Self {
        AuditSettings {
            keys: AuditKeyRing::ephemeral(),
            key_file: None,
            checkpoints: None,
        }
    }

    /// Reads the key file `key_file`; `create` makes it (readable by its owner only) with one
    /// fresh key when it does not exist.
    pub fn from_key_file(
        key_file: &Path,
        checkpoints: Option<PathBuf>,
        create: bool,
    ) -> Result<Self, StoreError> {
        let bad = |reason: String| StoreError::AuditKeys {
            path: key_file.display().to_string(),
            reason,
        };
        if create && !key_file.exists() {
            write_new_key_file(key_file).map_err(|e| bad(e.to_string()))?;
        }
        let text = std::fs::read_to_string(key_file).map_err(|e| bad(e.to_string()))?;
        let keys = AuditKeyRing::parse(&text).map_err(|e| bad(e.to_string()))?;
        Ok(AuditSettings {
            keys,
            key_file: Some(key_file.to_owned()),
            checkpoints,
        })
    }

    /// For a SQLite file `x.db`: the key file `x.db.audit-key` (created on first use) and the
    /// checkpoint log `x.db.audit-checkpoints` beside it — the zero-setup default. Anything else
    /// (an in-memory database, a PostgreSQL URL): [`AuditSettings::ephemeral`].
    pub fn default_for(url: &str) -> Result<Self, StoreError> {
        match sqlite_file(url) {
            Some(path) => {
                let (key, checkpoints) = beside(&path);
                Self::from_key_file(&key, Some(checkpoints), true)
            }
            None => Ok(Self::ephemeral()),
        }
    }
}

/// The file of a SQLite URL, or `None` for PostgreSQL and in-memory databases.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    if url.starts_with("postgres://")
        || url.starts_with("postgresql://")
        || url == "sqlite::memory:"
        || url == ":memory:"
    {
        return None;
    }
    let path = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let path = path.split('?').next().unwrap_or(path);
    Some(PathBuf::from(path))
}

/// The default key file and checkpoint log beside a SQLite database file.
pub fn beside(db: &Path) -> (PathBuf, PathBuf) {
    let name = db.file_name().map_or_else(
        || "cephalog.db".into(),
        |n| n.to_string_lossy().into_owned(),
    );
    (
        db.with_file_name(format!("{name}.audit-key")),
        db.with_file_name(format!("{name}.audit-checkpoints")),
    )
}

/// Writes a new key file with one fresh key, refusing to replace an existing one.
pub fn write_new_key_file(path: &Path) -> std::io::Result<()> {
    let mut opts = OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = opts.open(path)?;
    f.write_all(AuditKeyRing::new_file_text().as_bytes())?;
    f.sync_all()
}

/// Appends a fresh key to the key file, which then seals new entries; the old keys stay to
/// verify what they sealed. Returns the new key's id.
pub fn rotate_key_file(path: &Path) -> Result<String, StoreError> {
    let bad = |reason: String| StoreError::AuditKeys {
        path: path.display().to_string(),
        reason,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
    AuditKeyRing::parse(&text).map_err(|e| bad(e.to_string()))?;
    let key = cephalog_auth::AuditKey::generate();
    let mut f = OpenOptions::new()
        .append(true)
        .open(path)
        .map_err(|e| bad(e.to_string()))?;
    let sep = if text.ends_with('\n') || text.is_empty() {
        ""
    } else {
        "\n"
    };
    f.write_all(format!("{sep}{}\n", key.to_line()).as_bytes())
        .and_then(|()| f.sync_all())
        .map_err(|e| bad(e.to_string()))?;
    Ok(key.id().to_owned())
}

/// The lines of a checkpoint log with their numbers; a log not yet written has none.
/// Appends one line to the checkpoint log and syncs it to disk.
fn append_line(path: &Path, line: &str) -> Result<(), StoreError> {
    let bad = |e: std::io::Error| StoreError::Checkpoints {
        path: path.display().to_string(),
        reason: e.to_string(),
    };
    let mut f = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(bad)?;
    f.write_all(format!("{line}\n").as_bytes())
        .and_then(|()| f.sync_data())
        .map_err(bad)
}

fn read_checkpoint_lines(path: &Path) -> Result<Vec<(usize, String)>, StoreError> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| (i + 1, l.to_owned()))
            .collect()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(StoreError::Checkpoints {
            path: path.display().to_string(),
            reason: e.to_string(),
        }),
    }
}

/// The result of checking one chain of the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ChainVerification {
    /// A clinic's id, or `installation`.
    pub chain: String,
    pub entries: usize,
    /// The entry number the chain's head row records.
    pub head_seq: i64,
    /// The first entry that breaks the chain; `None` when it is intact up to its head.
    pub broken: Option<ChainBreak>,
    /// What the checkpoint log says of this chain; `None` when no log is configured.
    pub checkpoints: Option<CheckpointReport>,
}

impl ChainVerification {
    fn is_intact(&self) -> bool {
        self.broken.is_none()
            && self
                .checkpoints
                .as_ref()
                .is_none_or(|c| c.problem.is_none())
    }
}

/// The result of checking every chain of the audit trail: each chain's report, and the whole
/// trail summed up.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditVerification {
    /// Entries in all chains.
    pub entries: usize,
    /// The first break found, chain by chain in order of their names; `None` when every chain
    /// is intact up to its head.
    pub broken: Option<ChainBreak>,
    /// The checkpoint log over all chains (valid lines of each, entries not yet covered in all,
    /// the newest checkpoint, and the first chain's problem with the chain named); `None` when
    /// no log is configured.
    pub checkpoints: Option<CheckpointReport>,
    pub chains: Vec<ChainVerification>,
}

impl AuditVerification {
    fn of(chains: Vec<ChainVerification>) -> Self {
        let entries = chains.iter().map(|c| c.entries).sum();
        let broken = chains.iter().find_map(|c| c.broken.clone());
        let checkpoints = chains
            .iter()
            .filter_map(|c| c.checkpoints.as_ref().map(|r| (c.chain.as_str(), r)))
            .fold(None::<CheckpointReport>, |acc, (chain, r)| {
                let mut acc = acc.unwrap_or(CheckpointReport {
                    checkpoints: 0,
                    latest: None,
                    uncovered: 0,
                    problem: None,
                });
                acc.checkpoints += r.checkpoints;
                acc.uncovered += r.uncovered;
                if r.latest
                    .is_some_and(|(_, at)| acc.latest.is_none_or(|(_, a)| at > a))
                {
                    acc.latest = r.latest;
                }
                if acc.problem.is_none() {
                    acc.problem = r.problem.as_ref().map(|p| match chain {
                        INSTALLATION_CHAIN => p.clone(),
                        clinic => format!("chain {clinic}: {p}"),
                    });
                }
                Some(acc)
            });
        AuditVerification {
            entries,
            broken,
            checkpoints,
            chains,
        }
    }

    /// Every chain intact, and (where a log is configured) consistent with every checkpoint and
    /// not stale.
    pub fn is_intact(&self) -> bool {
        self.chains.iter().all(ChainVerification::is_intact)
    }

    /// The report of one chain.
    pub fn chain(&self, chain: &str) -> Option<&ChainVerification> {
        self.chains.iter().find(|c| c.chain == chain)
    }
}

/// A row of `audit_log` read as text, so that nothing in it can stop the reading.
pub(crate) struct RawEntry {
    pub chain: String,
    pub seq: i64,
    pub at: Option<String>,
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub patient_id: Option<String>,
    pub source: Option<String>,
    pub prev_hash: Option<String>,
    pub hash: Option<String>,
    pub key_id: Option<String>,
    pub detail: Option<String>,
}

/// A stored time: RFC 3339 (SQLite) or PostgreSQL's text form of a `timestamptz`.
fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%#z"))
        .ok()
        .map(|t| t.with_timezone(&Utc))
}

impl RawEntry {
    /// The entry, or the reason it is malformed.
    pub(crate) fn into_entry(self) -> Result<ChainedEntry, ChainBreak> {
        let (chain, seq) = (self.chain, self.seq);
        let broken = |reason: String| ChainBreak {
            chain: chain.clone(),
            seq,
            reason,
        };
        let need = |v: Option<String>, name: &str| {
            v.ok_or_else(|| broken(format!("malformed row: its {name} is missing")))
        };
        let at_text = need(self.at, "time")?;
        let at = parse_time(&at_text).ok_or_else(|| {
            broken(format!(
                "malformed row: its time '{at_text}' is not a timestamp"
            ))
        })?;
        Ok(ChainedEntry {
            fields: AuditFields {
                chain: chain.clone(),
                seq,
                at,
                actor: need(self.actor, "actor")?,
                action: need(self.action, "action")?,
                entity: need(self.entity, "entity")?,
                entity_id: need(self.entity_id, "entity id")?,
                patient_id: self.patient_id,
                source: need(self.source, "source")?,
                detail: need(self.detail, "detail")?,
            },
            prev_hash: need(self.prev_hash, "previous seal")?,
            hash: need(self.hash, "seal")?,
            key_id: self.key_id,
        })
    }
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

/// Which rows of `audit_log` to read.
pub(crate) enum Rows<'a> {
    /// One chain in order.
    Chain(&'a str),
    /// One patient's entries, in every chain, in time order.
    Patient(String),
    /// Every entry, chain by chain in order of their names.
    All,
}

/// Most entries in one multi-row INSERT (13 parameters each, well within both engines' limits).
const ROWS_PER_INSERT: usize = 500;

macro_rules! audit_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use std::collections::BTreeMap;

            use sqlx::Row;
            use uuid::Uuid;

            use cephalog_auth::{AuditFields, AuditKey, ChainedEntry, GENESIS_HASH};

            use super::{ROWS_PER_INSERT, RawEntry, Rows};
            use crate::StoreError;

            type Pool = sqlx::Pool<$db>;

            /// Appends entries in one transaction, chain by chain in order of the chains' names
            /// (so two writers lock head rows in the same order). Each chain's head row is
            /// moved first, which serialises that chain's appends and no other's; each entry is
            /// sealed after the one before it in its chain. Returns the entries in the order
            /// given.
            pub(crate) async fn append(
                pool: &Pool,
                key: &AuditKey,
                fields: Vec<AuditFields>,
            ) -> Result<Vec<ChainedEntry>, StoreError> {
                let total = fields.len();
                let mut by_chain: BTreeMap<String, Vec<(usize, AuditFields)>> = BTreeMap::new();
                for (i, f) in fields.into_iter().enumerate() {
                    by_chain.entry(f.chain.clone()).or_default().push((i, f));
                }
                let mut out: Vec<Option<ChainedEntry>> = vec![None; total];
                let mut tx = pool.begin().await?;
                for (chain, entries) in by_chain {
                    let n = i64::try_from(entries.len()).unwrap_or(i64::MAX);
                    // A chain's first entry makes its head row, and the move is made again.
                    let mut head = None;
                    for attempt in 0..2 {
                        head = sqlx::query(
                            "UPDATE audit_chains SET last_seq = last_seq + $1 WHERE chain = $2 \
                             RETURNING last_seq, last_hash",
                        )
                        .bind(n)
                        .bind(&chain)
                        .fetch_optional(&mut *tx)
                        .await?;
                        if head.is_some() || attempt == 1 {
                            break;
                        }
                        sqlx::query(
                            "INSERT INTO audit_chains (chain, last_seq, last_hash) \
                             VALUES ($1, 0, $2) ON CONFLICT (chain) DO NOTHING",
                        )
                        .bind(&chain)
                        .bind(GENESIS_HASH)
                        .execute(&mut *tx)
                        .await?;
                    }
                    let head = head.ok_or_else(|| {
                        StoreError::corrupt("audit append", "no head row for the chain")
                    })?;
                    let last: i64 = head.try_get("last_seq")?;
                    let mut prev: String = head.try_get("last_hash")?;
                    let mut sealed = Vec::with_capacity(entries.len());
                    for (k, (i, mut f)) in entries.into_iter().enumerate() {
                        f.seq = last - n + 1 + i64::try_from(k).unwrap_or(i64::MAX);
                        let e = ChainedEntry::seal(key, &prev, f);
                        prev.clone_from(&e.hash);
                        sealed.push((i, e));
                    }
                    for part in sealed.chunks(ROWS_PER_INSERT) {
                        let mut q = sqlx::QueryBuilder::<$db>::new(
                            "INSERT INTO audit_log (chain, seq, at, actor, action, entity, \
                             entity_id, patient_id, source, prev_hash, hash, key_id, detail) ",
                        );
                        q.push_values(part, |mut row, (_, e)| {
                            row.push_bind(e.fields.chain.clone())
                                .push_bind(e.fields.seq)
                                .push_bind(e.fields.at)
                                .push_bind(e.fields.actor.clone())
                                .push_bind(e.fields.action.clone())
                                .push_bind(e.fields.entity.clone())
                                .push_bind(e.fields.entity_id.clone())
                                .push_bind(e.fields.patient_id.clone())
                                .push_bind(e.fields.source.clone())
                                .push_bind(e.prev_hash.clone())
                                .push_bind(e.hash.clone())
                                .push_bind(e.key_id.clone())
                                .push_bind(e.fields.detail.clone());
                        });
                        q.build().execute(&mut *tx).await?;
                    }
                    sqlx::query("UPDATE audit_chains SET last_hash = $1 WHERE chain = $2")
                        .bind(&prev)
                        .bind(&chain)
                        .execute(&mut *tx)
                        .await?;
                    for (i, e) in sealed {
                        out[i] = Some(e);
                    }
                }
                tx.commit().await?;
                out.into_iter()
                    .map(|e| e.ok_or_else(|| StoreError::corrupt("audit append", "entry not written")))
                    .collect()
            }

            /// One chain's rows in order, or one patient's in every chain, each column read as
            /// text.
            pub(crate) async fn rows<'e, E>(pool: E, which: Rows<'_>) -> Result<Vec<RawEntry>, StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                macro_rules! select {
                    ($rest:literal) => {
                        concat!(
                            "SELECT chain, seq, CAST(at AS TEXT) AS at, actor, action, entity, ",
                            "entity_id, patient_id, source, prev_hash, hash, key_id, detail ",
                            "FROM audit_log ",
                            $rest
                        )
                    };
                }
                let rows = match which {
                    Rows::Chain(chain) => {
                        sqlx::query(select!("WHERE chain = $1 ORDER BY seq"))
                            .bind(chain)
                            .fetch_all(pool)
                            .await?
                    }
                    Rows::Patient(p) => {
                        sqlx::query(select!("WHERE patient_id = $1 ORDER BY at, chain, seq"))
                            .bind(p)
                            .fetch_all(pool)
                            .await?
                    }
                    Rows::All => sqlx::query(select!("ORDER BY chain, seq")).fetch_all(pool).await?,
                };
                rows.iter()
                    .map(|r| {
                        let text = |name: &str| r.try_get::<Option<String>, _>(name).ok().flatten();
                        Ok(RawEntry {
                            chain: r.try_get("chain")?,
                            seq: r.try_get("seq")?,
                            at: text("at"),
                            actor: text("actor"),
                            action: text("action"),
                            entity: text("entity"),
                            entity_id: text("entity_id"),
                            patient_id: text("patient_id"),
                            source: text("source"),
                            prev_hash: text("prev_hash"),
                            hash: text("hash"),
                            key_id: text("key_id"),
                            detail: text("detail"),
                        })
                    })
                    .collect()
            }

            /// The seal of entry `seq` of `chain`, as stored.
            pub(crate) async fn seal_at(
                pool: &Pool,
                chain: &str,
                seq: i64,
            ) -> Result<Option<String>, StoreError> {
                let r = sqlx::query("SELECT hash FROM audit_log WHERE chain = $1 AND seq = $2")
                    .bind(chain)
                    .bind(seq)
                    .fetch_optional(pool)
                    .await?;
                Ok(match r {
                    Some(r) => r.try_get::<Option<String>, _>("hash").ok().flatten(),
                    None => None,
                })
            }

            /// Every chain's head row: name, last entry number, last seal.
            pub(crate) async fn heads<'e, E>(pool: E) -> Result<Vec<(String, i64, String)>, StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                let rows = sqlx::query("SELECT chain, last_seq, last_hash FROM audit_chains ORDER BY chain")
                    .fetch_all(pool)
                    .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("chain")?, r.try_get("last_seq")?, r.try_get("last_hash")?)))
                    .collect()
            }

            /// The chains that hold entries.
            pub(crate) async fn chains_with_entries<'e, E>(pool: E) -> Result<Vec<String>, StoreError>
            where
                E: sqlx::Executor<'e, Database = $db>,
            {
                Ok(sqlx::query_scalar("SELECT DISTINCT chain FROM audit_log")
                    .fetch_all(pool)
                    .await?)
            }

            /// Every head, and the rows of every chain that has a head, holds entries or is named
            /// in `also`, read in one transaction: one moment of the trail, however many appends
            /// commit meanwhile (a snapshot on SQLite's WAL; repeatable read on PostgreSQL).
            #[allow(clippy::type_complexity)]
            pub(crate) async fn snapshot(
                pool: &Pool,
                also: &[String],
            ) -> Result<(Vec<(String, i64, String)>, Vec<(String, Vec<RawEntry>)>), StoreError> {
                let mut tx = pool.begin().await?;
                repeatable_read!($module, tx);
                let heads = heads(&mut *tx).await?;
                let mut names: std::collections::BTreeSet<String> =
                    heads.iter().map(|(c, _, _)| c.clone()).collect();
                names.extend(chains_with_entries(&mut *tx).await?);
                names.extend(also.iter().cloned());
                let mut chains = Vec::with_capacity(names.len());
                for chain in names {
                    let rows = rows(&mut *tx, Rows::Chain(&chain)).await?;
                    chains.push((chain, rows));
                }
                tx.rollback().await?;
                Ok((heads, chains))
            }

            /// The clinic of each of `patients` that is stored with one.
            pub(crate) async fn clinics_of(
                pool: &Pool,
                patients: &[Uuid],
            ) -> Result<Vec<(Uuid, Uuid)>, StoreError> {
                let mut out = Vec::with_capacity(patients.len());
                for p in patients {
                    let clinic: Option<Option<Uuid>> =
                        sqlx::query_scalar("SELECT clinic_id FROM patients WHERE id = $1")
                            .bind(p)
                            .fetch_optional(pool)
                            .await?;
                    if let Some(Some(c)) = clinic {
                        out.push((*p, c));
                    }
                }
                Ok(out)
            }
        }
    };
}

/// A read transaction's isolation for [`snapshot`](sqlite::snapshot): SQLite's WAL already reads
/// one snapshot from the first read on; PostgreSQL needs repeatable read.
macro_rules! repeatable_read {
    (sqlite, $tx:ident) => {};
    (postgres, $tx:ident) => {
        sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .execute(&mut *$tx)
            .await?;
    };
}

audit_engine!(sqlite, sqlx::Sqlite);
audit_engine!(postgres, sqlx::Postgres);

macro_rules! audit_dispatch {
    ($pool:expr, $p:ident => $call:expr) => {
        match $pool {
            Pool::Sqlite($p) => {
                use sqlite as a;
                $call
            }
            Pool::Postgres($p) => {
                use postgres as a;
                $call
            }
        }
    };
}

/// An append waiting for its turn: its entries and where to say they are stored.
struct Pending {
    fields: Vec<AuditFields>,
    done: tokio::sync::oneshot::Sender<Result<Vec<ChainedEntry>, StoreError>>,
}

/// Group commit of audit appends: requests that arrive while a transaction is being written wait
/// together, and the next one to get its turn writes all of them in one transaction. Each caller
/// is answered only once its own entries are committed. Nothing is kept between batches, so
/// several servers on one database stay correct (each chain's head row orders them); the batch
/// only saves transactions.
#[derive(Default)]
pub struct AuditWriter {
    queue: std::sync::Mutex<Vec<Pending>>,
    turn: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl std::fmt::Debug for AuditWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuditWriter").finish_non_exhaustive()
    }
}

impl AuditWriter {
    async fn append(
        &self,
        pool: &Pool,
        gate: &std::sync::Arc<crate::WriteGate>,
        key: &AuditKey,
        fields: Vec<AuditFields>,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        let (done, answer) = tokio::sync::oneshot::channel();
        self.queue
            .lock()
            .map_err(|_| StoreError::corrupt("audit append", "the append queue is unusable"))?
            .push(Pending { fields, done });
        let turn = self.turn.clone().lock_owned().await;
        let batch = match self.queue.lock() {
            Ok(mut q) => std::mem::take(&mut *q),
            Err(_) => Vec::new(),
        };
        if !batch.is_empty() {
            // Written in a task of its own, so a caller that goes away (a client hanging up)
            // cannot abandon the others' entries half-way.
            let (pool, gate, key) = (pool.clone(), gate.clone(), key.clone());
            tokio::spawn(async move {
                let write = gate.enter().await;
                write_batch(&pool, &key, batch).await;
                drop(write);
                drop(turn);
            });
        }
        answer.await.map_err(|_| {
            StoreError::corrupt(
                "audit append",
                "the writer stopped before the entry was stored",
            )
        })?
    }
}

/// Writes a batch in one transaction; when that fails, each append alone, so each caller gets
/// its own outcome.
async fn write_batch(pool: &Pool, key: &AuditKey, batch: Vec<Pending>) {
    if batch.len() > 1 {
        let sizes: Vec<usize> = batch.iter().map(|p| p.fields.len()).collect();
        let all: Vec<AuditFields> = batch.iter().flat_map(|p| p.fields.clone()).collect();
        if let Ok(written) = audit_dispatch!(pool, p => a::append(p, key, all).await) {
            let mut written = written.into_iter();
            for (pending, n) in batch.into_iter().zip(sizes) {
                let _ = pending.done.send(Ok(written.by_ref().take(n).collect()));
            }
            return;
        }
    }
    for pending in batch {
        let written = audit_dispatch!(pool, p => a::append(p, key, pending.fields).await);
        let _ = pending.done.send(written);
    }
}

impl Store {
    /// The audit trail's keys and checkpoint log.
    pub fn audit_settings(&self) -> &AuditSettings {
        &self.audit
    }

    /// The same database with other audit settings (after a key rotation, say).
    pub fn with_audit_settings(&self, settings: AuditSettings) -> Store {
        Store {
            pool: self.pool.clone(),
            audit: std::sync::Arc::new(settings),
            writer: std::sync::Arc::default(),
            gate: self.gate.clone(),
        }
    }

    /// Appends an entry to the sealed audit trail.
    pub async fn audit(&self, event: AuditEvent) -> Result<ChainedEntry, StoreError> {
        let mut sealed = self.audit_batch(vec![event]).await?;
        sealed
            .pop()
            .ok_or_else(|| StoreError::corrupt("audit append", "no entry written"))
    }

    /// Appends entries, in order, all stamped now; answers once they are committed. Each goes
    /// to its clinic's chain: the event's clinic, else its patient's, else the installation's.
    pub async fn audit_batch(
        &self,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let mut unplaced: Vec<Uuid> = events
            .iter()
            .filter(|e| e.clinic.is_none())
            .filter_map(|e| e.patient)
            .collect();
        unplaced.sort_unstable();
        unplaced.dedup();
        let clinics: std::collections::HashMap<Uuid, Uuid> = if unplaced.is_empty() {
            std::collections::HashMap::new()
        } else {
            audit_dispatch!(self.pool(), p => a::clinics_of(p, &unplaced).await)?
                .into_iter()
                .collect()
        };
        let now = Utc::now();
        let fields = events
            .into_iter()
            .map(|e| {
                let clinic = e
                    .clinic
                    .or_else(|| e.patient.and_then(|p| clinics.get(&p).copied()));
                AuditFields {
                    chain: clinic.map_or_else(|| INSTALLATION_CHAIN.to_owned(), |c| c.to_string()),
                    seq: 0,
                    at: now,
                    actor: e.actor,
                    action: e.action,
                    entity: e.entity,
                    entity_id: e.entity_id,
                    patient_id: e.patient.map(|p: Uuid| p.to_string()),
                    source: e.source,
                    detail: e.detail,
                }
            })
            .collect();
        self.writer
            .append(self.pool(), &self.gate, self.audit.keys.active(), fields)
            .await
    }

    /// One patient's audit trail (in every chain, in time order), or the whole trail chain by
    /// chain. A malformed row is an error here; [`Store::verify_audit`] names it instead.
    pub async fn audit_trail(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        let which = match patient {
            Some(p) => Rows::Patient(p.to_string()),
            None => Rows::All,
        };
        let rows = audit_dispatch!(self.pool(), q => a::rows(q, which).await)?;
        rows.into_iter()
            .map(|r| {
                r.into_entry().map_err(|b| {
                    StoreError::corrupt(
                        format!("audit entry {} of chain {}", b.seq, b.chain),
                        b.reason,
                    )
                })
            })
            .collect()
    }

    /// Checks every chain: every seal in order, its stored head, and every checkpoint of it in
    /// the log: a changed, inserted, deleted or malformed entry, a removed tail, a replaced
    /// chain, and a missing or stale checkpoint are each named.
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        self.verify_audit_as(false).await
    }

    /// [`Store::verify_audit`] of a database restored from a backup (or about to be): its
    /// chains may end before the log's newest checkpoints, as long as every checkpoint of an
    /// entry it holds matches.
    pub async fn verify_audit_as_backup(&self) -> Result<AuditVerification, StoreError> {
        self.verify_audit_as(true).await
    }

    /// Each chain's name and last entry number.
    pub async fn audit_heads(&self) -> Result<Vec<(String, i64)>, StoreError> {
        Ok(audit_dispatch!(self.pool(), p => a::heads(p).await)?
            .into_iter()
            .map(|(c, seq, _)| (c, seq))
            .collect())
    }

    /// After a restore: checks the restored trail as a backup's and appends a signed restore
    /// marker for each chain's head to the checkpoint log, so the checkpoints of the entries the
    /// restore replaced no longer count against it. Refused when the trail does not verify.
    pub async fn mark_restored(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let Some(path) = &self.audit.checkpoints else {
            return Err(StoreError::Checkpoints {
                path: String::new(),
                reason: "no checkpoint log is configured: a restore cannot be recorded".to_owned(),
            });
        };
        let v = self.verify_audit_as_backup().await?;
        let problem = v
            .broken
            .as_ref()
            .map(|b| format!("chain {} entry {}: {}", b.chain, b.seq, b.reason))
            .or_else(|| v.checkpoints.as_ref().and_then(|c| c.problem.clone()));
        if let Some(problem) = problem {
            return Err(StoreError::Checkpoints {
                path: path.display().to_string(),
                reason: format!("the restored audit trail does not verify: {problem}"),
            });
        }
        let now = Utc::now();
        let mut markers = Vec::new();
        for (chain, seq, hash) in audit_dispatch!(self.pool(), p => a::heads(p).await)? {
            let marker = Checkpoint::sign_restore(&self.audit.keys, &chain, seq, &hash, now);
            append_line(path, &marker.to_line())?;
            markers.push(marker);
        }
        Ok(markers)
    }

    async fn verify_audit_as(&self, backup: bool) -> Result<AuditVerification, StoreError> {
        let lines = match &self.audit.checkpoints {
            Some(path) => Some(read_checkpoint_lines(path)?),
            None => None,
        };
        // Every chain: those with a head row, those holding entries and those the checkpoint
        // log names, so that a chain removed whole is still checked against its checkpoints.
        let named: Vec<String> = lines
            .iter()
            .flatten()
            .filter_map(|(_, l)| Checkpoint::parse_line(l).ok())
            .map(|c| c.chain)
            .collect();
        let (heads, chain_rows) = audit_dispatch!(self.pool(), p => a::snapshot(p, &named).await)?;
        let heads: std::collections::HashMap<String, (i64, String)> = heads
            .into_iter()
            .map(|(c, seq, hash)| (c, (seq, hash)))
            .collect();
        let mut chains = Vec::new();
        for (chain, rows) in chain_rows {
            let (head_seq, head_hash) = heads
                .get(&chain)
                .cloned()
                .unwrap_or_else(|| (0, GENESIS_HASH.to_owned()));
            chains.push(self.verify_chain_rows(
                &chain,
                rows,
                head_seq,
                &head_hash,
                lines.as_deref(),
                backup,
            ));
        }
        Ok(AuditVerification::of(chains))
    }

    fn verify_chain_rows(
        &self,
        chain: &str,
        rows: Vec<RawEntry>,
        head_seq: i64,
        head_hash: &str,
        lines: Option<&[(usize, String)]>,
        backup: bool,
    ) -> ChainVerification {
        let entries: Vec<Result<ChainedEntry, ChainBreak>> =
            rows.into_iter().map(RawEntry::into_entry).collect();
        let seals: std::collections::HashMap<i64, String> = entries
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .map(|e| (e.fields.seq, e.hash.clone()))
            .collect();
        let count = entries.len();
        let (broken, end) = match verify_chain(entries, &self.audit.keys) {
            Err(b) => (Some(b), None),
            Ok(end) => {
                let broken =
                    ((end.seq, end.hash.as_str()) != (head_seq, head_hash)).then(|| ChainBreak {
                        chain: chain.to_owned(),
                        seq: end.seq + 1,
                        reason: format!(
                            "the trail ends at entry {} but the head records entry {head_seq}",
                            end.seq
                        ),
                    });
                (broken, Some(end))
            }
        };
        let checkpoints = match (lines, end) {
            (None, _) => None,
            (Some(lines), Some(end)) => {
                let seal_of = |seq: i64| seals.get(&seq).cloned();
                Some(if backup {
                    check_backup_checkpoints(&self.audit.keys, chain, lines, &end, seal_of)
                } else {
                    check_checkpoints(&self.audit.keys, chain, lines, &end, seal_of)
                })
            }
            // A broken chain is reported as such; checkpoints are read only against an intact one.
            (Some(lines), None) => Some(CheckpointReport {
                checkpoints: lines
                    .iter()
                    .filter_map(|(_, l)| Checkpoint::parse_line(l).ok())
                    .filter(|c| c.chain == chain)
                    .count(),
                latest: None,
                uncovered: 0,
                problem: None,
            }),
        };
        ChainVerification {
            chain: chain.to_owned(),
            entries: count,
            head_seq,
            broken,
            checkpoints,
        }
    }

    /// Signs the head of each chain that has moved since its last line in the checkpoint log and
    /// appends it, when a log is configured. Returns the checkpoints written. A chain that no
    /// longer holds its last checkpoint's entry with its seal is not signed (nor are the chains
    /// after it): that would cover a removed tail or a rewrite with a fresh signature.
    pub async fn write_checkpoint(&self) -> Result<Vec<Checkpoint>, StoreError> {
        let Some(path) = &self.audit.checkpoints else {
            return Ok(Vec::new());
        };
        let heads = audit_dispatch!(self.pool(), p => a::heads(p).await)?;
        let mut last: std::collections::HashMap<String, Checkpoint> =
            std::collections::HashMap::new();
        for (_, l) in read_checkpoint_lines(path)? {
            if let Ok(cp) = Checkpoint::parse_line(&l) {
                last.insert(cp.chain.clone(), cp);
            }
        }
        let now = Utc::now();
        let mut written = Vec::new();
        for (chain, seq, hash) in heads {
            if seq == 0 {
                continue;
            }
            if let Some(last) = last.get(&chain) {
                if last.seq == seq && last.hash == hash {
                    continue;
                }
                let stored =
                    audit_dispatch!(self.pool(), p => a::seal_at(p, &chain, last.seq).await)?;
                if last.seq > seq || stored.as_deref() != Some(last.hash.as_str()) {
                    return Err(StoreError::Checkpoints {
                        path: path.display().to_string(),
                        reason: format!(
                            "chain {chain} no longer matches its last checkpoint (entry {}, signed \
                             {}): not signing it; run `cephalog audit verify`",
                            last.seq, last.at
                        ),
                    });
                }
            }
            let cp = Checkpoint::sign(&self.audit.keys, &chain, seq, &hash, now);
            append_line(path, &cp.to_line())?;
            written.push(cp);
        }
        Ok(written)
    }
}
