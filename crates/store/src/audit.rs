//! The audit trail: appends sealed with the configured key ring, the checkpoint log outside the
//! database, and verification that reads every row as text so a malformed row is named rather
//! than stopping the check.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use uuid::Uuid;

use cephalog_auth::{
    AuditFields, AuditKeyRing, ChainBreak, ChainedEntry, Checkpoint, CheckpointReport,
    check_backup_checkpoints, check_checkpoints, verify_chain,
};

use crate::{AuditEvent, Pool, Store, StoreError};

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

/// The result of checking the whole audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditVerification {
    pub entries: usize,
    pub head_seq: i64,
    /// The first entry that breaks the chain; `None` when the chain is intact up to the stored
    /// head.
    pub broken: Option<ChainBreak>,
    /// What the checkpoint log says; `None` when no log is configured.
    pub checkpoints: Option<CheckpointReport>,
}

impl AuditVerification {
    /// Intact, and (where a log is configured) consistent with every checkpoint and not stale.
    pub fn is_intact(&self) -> bool {
        self.broken.is_none()
            && self
                .checkpoints
                .as_ref()
                .is_none_or(|c| c.problem.is_none())
    }
}

/// A row of `audit_log` read as text, so that nothing in it can stop the reading.
pub(crate) struct RawEntry {
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
        let seq = self.seq;
        let need = |v: Option<String>, name: &str| {
            v.ok_or_else(|| ChainBreak {
                seq,
                reason: format!("malformed row: its {name} is missing"),
            })
        };
        let at_text = need(self.at, "time")?;
        let at = parse_time(&at_text).ok_or_else(|| ChainBreak {
            seq,
            reason: format!("malformed row: its time '{at_text}' is not a timestamp"),
        })?;
        Ok(ChainedEntry {
            fields: AuditFields {
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

macro_rules! audit_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use sqlx::Row;

            use cephalog_auth::{AuditFields, AuditKey, ChainedEntry};

            use super::RawEntry;
            use crate::StoreError;

            type Pool = sqlx::Pool<$db>;

            /// Appends entries in one transaction. The head row is updated first, which
            /// serialises appends; each entry is sealed after the one before it.
            pub(crate) async fn append(
                pool: &Pool,
                key: &AuditKey,
                fields: Vec<AuditFields>,
            ) -> Result<Vec<ChainedEntry>, StoreError> {
                let n = i64::try_from(fields.len()).unwrap_or(i64::MAX);
                let mut tx = pool.begin().await?;
                sqlx::query("UPDATE audit_head SET last_seq = last_seq + $1 WHERE id = 1")
                    .bind(n)
                    .execute(&mut *tx)
                    .await?;
                let head = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
                    .fetch_one(&mut *tx)
                    .await?;
                let last: i64 = head.try_get("last_seq")?;
                let mut prev: String = head.try_get("last_hash")?;
                let mut out = Vec::with_capacity(fields.len());
                for (i, mut f) in fields.into_iter().enumerate() {
                    f.seq = last - n + 1 + i64::try_from(i).unwrap_or(i64::MAX);
                    let e = ChainedEntry::seal(key, &prev, f);
                    sqlx::query(
                        "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, patient_id, \
                         source, prev_hash, hash, key_id, detail) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                    )
                    .bind(e.fields.seq)
                    .bind(e.fields.at)
                    .bind(&e.fields.actor)
                    .bind(&e.fields.action)
                    .bind(&e.fields.entity)
                    .bind(&e.fields.entity_id)
                    .bind(&e.fields.patient_id)
                    .bind(&e.fields.source)
                    .bind(&e.prev_hash)
                    .bind(&e.hash)
                    .bind(&e.key_id)
                    .bind(&e.fields.detail)
                    .execute(&mut *tx)
                    .await?;
                    prev = e.hash.clone();
                    out.push(e);
                }
                sqlx::query("UPDATE audit_head SET last_hash = $1 WHERE id = 1")
                    .bind(&prev)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(out)
            }

            /// Every row (or one patient's) in order, each column read as text.
            pub(crate) async fn rows(
                pool: &Pool,
                patient: Option<String>,
            ) -> Result<Vec<RawEntry>, StoreError> {
                macro_rules! select {
                    ($rest:literal) => {
                        concat!(
                            "SELECT seq, CAST(at AS TEXT) AS at, actor, action, entity, entity_id, ",
                            "patient_id, source, prev_hash, hash, key_id, detail FROM audit_log ",
                            $rest
                        )
                    };
                }
                let rows = match patient {
                    Some(p) => {
                        sqlx::query(select!("WHERE patient_id = $1 ORDER BY seq"))
                            .bind(p)
                            .fetch_all(pool)
                            .await?
                    }
                    None => sqlx::query(select!("ORDER BY seq")).fetch_all(pool).await?,
                };
                rows.iter()
                    .map(|r| {
                        let text = |name: &str| r.try_get::<Option<String>, _>(name).ok().flatten();
                        Ok(RawEntry {
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

            /// The seal of entry `seq`, as stored.
            pub(crate) async fn seal_at(pool: &Pool, seq: i64) -> Result<Option<String>, StoreError> {
                let r = sqlx::query("SELECT hash FROM audit_log WHERE seq = $1")
                    .bind(seq)
                    .fetch_optional(pool)
                    .await?;
                Ok(match r {
                    Some(r) => r.try_get::<Option<String>, _>("hash").ok().flatten(),
                    None => None,
                })
            }

            pub(crate) async fn head(pool: &Pool) -> Result<(i64, String), StoreError> {
                let r = sqlx::query("SELECT last_seq, last_hash FROM audit_head WHERE id = 1")
                    .fetch_one(pool)
                    .await?;
                Ok((r.try_get("last_seq")?, r.try_get("last_hash")?))
            }
        }
    };
}

audit_engine!(sqlite, sqlx::Sqlite);
audit_engine!(postgres, sqlx::Postgres);

macro_rules! audit_dispatch {
    ($self:ident, $pool:ident => $call:expr) => {
        match $self.pool() {
            Pool::Sqlite($pool) => {
                use sqlite as a;
                $call
            }
            Pool::Postgres($pool) => {
                use postgres as a;
                $call
            }
        }
    };
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
        }
    }

    /// Appends an entry to the sealed audit trail.
    pub async fn audit(&self, event: AuditEvent) -> Result<ChainedEntry, StoreError> {
        let mut sealed = self.audit_batch(vec![event]).await?;
        sealed
            .pop()
            .ok_or_else(|| StoreError::corrupt("audit append", "no entry written"))
    }

    /// Appends entries in one transaction, in order, all stamped now.
    pub async fn audit_batch(
        &self,
        events: Vec<AuditEvent>,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        if events.is_empty() {
            return Ok(Vec::new());
        }
        let now = Utc::now();
        let fields = events
            .into_iter()
            .map(|e| AuditFields {
                seq: 0,
                at: now,
                actor: e.actor,
                action: e.action,
                entity: e.entity,
                entity_id: e.entity_id,
                patient_id: e.patient.map(|p: Uuid| p.to_string()),
                source: e.source,
                detail: e.detail,
            })
            .collect();
        let key = self.audit.keys.active();
        audit_dispatch!(self, p => a::append(p, key, fields).await)
    }

    /// The audit trail, whole or for one patient, in order. A malformed row is an error here;
    /// [`Store::verify_audit`] names it instead.
    pub async fn audit_trail(
        &self,
        patient: Option<Uuid>,
    ) -> Result<Vec<ChainedEntry>, StoreError> {
        let rows = audit_dispatch!(self, p => a::rows(p, patient.map(|p| p.to_string())).await)?;
        rows.into_iter()
            .map(|r| {
                r.into_entry()
                    .map_err(|b| StoreError::corrupt(format!("audit entry {}", b.seq), b.reason))
            })
            .collect()
    }

    /// Checks every seal in order, the stored head, and every checkpoint in the log: a changed,
    /// inserted, deleted or malformed entry, a removed tail, a replaced trail, and a missing or
    /// stale checkpoint are each named.
    pub async fn verify_audit(&self) -> Result<AuditVerification, StoreError> {
        self.verify_audit_as(false).await
    }

    /// [`Store::verify_audit`] of a database restored from a backup (or about to be): its trail
    /// may end before the log's newest checkpoints, as long as every checkpoint of an entry it
    /// holds matches.
    pub async fn verify_audit_as_backup(&self) -> Result<AuditVerification, StoreError> {
        self.verify_audit_as(true).await
    }

    /// The audit trail's last entry number.
    pub async fn audit_head_seq(&self) -> Result<i64, StoreError> {
        Ok(audit_dispatch!(self, p => a::head(p).await)?.0)
    }

    /// After a restore: checks the restored trail as a backup's and appends a signed restore
    /// marker for its head to the checkpoint log, so the checkpoints of the entries the restore
    /// replaced no longer count against it. Refused when the trail does not verify.
    pub async fn mark_restored(&self) -> Result<Checkpoint, StoreError> {
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
            .map(|b| format!("entry {}: {}", b.seq, b.reason))
            .or_else(|| v.checkpoints.as_ref().and_then(|c| c.problem.clone()));
        if let Some(problem) = problem {
            return Err(StoreError::Checkpoints {
                path: path.display().to_string(),
                reason: format!("the restored audit trail does not verify: {problem}"),
            });
        }
        let (seq, hash) = audit_dispatch!(self, p => a::head(p).await)?;
        let marker = Checkpoint::sign_restore(&self.audit.keys, seq, &hash, Utc::now());
        append_line(path, &marker.to_line())?;
        Ok(marker)
    }

    async fn verify_audit_as(&self, backup: bool) -> Result<AuditVerification, StoreError> {
        let rows = audit_dispatch!(self, p => a::rows(p, None).await)?;
        let (head_seq, head_hash) = audit_dispatch!(self, p => a::head(p).await)?;
        let entries: Vec<Result<ChainedEntry, ChainBreak>> =
            rows.into_iter().map(RawEntry::into_entry).collect();
        let seals: std::collections::HashMap<i64, String> = entries
            .iter()
            .filter_map(|e| e.as_ref().ok())
            .map(|e| (e.fields.seq, e.hash.clone()))
            .collect();
        let count = entries.len();
        let (broken, end) =
            match verify_chain(entries, &self.audit.keys) {
                Err(b) => (Some(b), None),
                Ok(end) => {
                    let broken = ((end.seq, end.hash.as_str()) != (head_seq, head_hash.as_str()))
                        .then(|| ChainBreak {
                            seq: end.seq + 1,
                            reason: format!(
                                "the trail ends at entry {} but the head records entry {head_seq}",
                                end.seq
                            ),
                        });
                    (broken, Some(end))
                }
            };
        let checkpoints = match (&self.audit.checkpoints, end) {
            (None, _) => None,
            (Some(path), Some(end)) => {
                let lines = read_checkpoint_lines(path)?;
                let seal_of = |seq: i64| seals.get(&seq).cloned();
                Some(if backup {
                    check_backup_checkpoints(&self.audit.keys, &lines, &end, seal_of)
                } else {
                    check_checkpoints(&self.audit.keys, &lines, &end, seal_of)
                })
            }
            // A broken chain is reported as such; checkpoints are read only against an intact one.
            (Some(path), None) => Some(CheckpointReport {
                checkpoints: read_checkpoint_lines(path)?.len(),
                latest: None,
                uncovered: 0,
                problem: None,
            }),
        };
        Ok(AuditVerification {
            entries: count,
            head_seq,
            broken,
            checkpoints,
        })
    }

    /// Signs the trail's head and appends it to the checkpoint log, when a log is configured and
    /// the head has moved since the log's last line. Returns the checkpoint written. A trail that
    /// no longer holds the last checkpoint's entry with its seal is not signed: that would cover
    /// a removed tail or a rewrite with a fresh signature.
    pub async fn write_checkpoint(&self) -> Result<Option<Checkpoint>, StoreError> {
        let Some(path) = &self.audit.checkpoints else {
            return Ok(None);
        };
        let (seq, hash) = audit_dispatch!(self, p => a::head(p).await)?;
        if seq == 0 {
            return Ok(None);
        }
        let lines = read_checkpoint_lines(path)?;
        let last = lines
            .last()
            .and_then(|(_, l)| Checkpoint::parse_line(l).ok());
        if let Some(last) = &last {
            if last.seq == seq && last.hash == hash {
                return Ok(None);
            }
            let stored = audit_dispatch!(self, p => a::seal_at(p, last.seq).await)?;
            if last.seq > seq || stored.as_deref() != Some(last.hash.as_str()) {
                return Err(StoreError::Checkpoints {
                    path: path.display().to_string(),
                    reason: format!(
                        "the trail no longer matches the last checkpoint (entry {}, signed {}): \
                         not signing it; run `cephalog audit verify`",
                        last.seq, last.at
                    ),
                });
            }
        }
        let cp = Checkpoint::sign(&self.audit.keys, seq, &hash, Utc::now());
        append_line(path, &cp.to_line())?;
        Ok(Some(cp))
    }
}
