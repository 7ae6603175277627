//! Backups of the embedded SQLite database while it serves, and restores that check a backup
//! before they replace anything. PostgreSQL is backed up with `pg_dump` and restored with
//! `pg_restore` (README, "Operations"); [`Store::mark_restored`] then records the restore in the
//! checkpoint log, as a SQLite restore does by itself.

use std::path::{Path, PathBuf};

use crate::{AuditSettings, Pool, Store, StoreError};

/// What a backup holds.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct BackupSummary {
    pub file: PathBuf,
    pub bytes: u64,
    pub patients: i64,
    /// Entries in the backup's audit trail, all chains.
    pub audit_entries: i64,
}

/// What a restore put in place.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RestoreReport {
    pub patients: i64,
    /// Audit entries in the restored trail, all verified.
    pub audit_entries: usize,
    /// The chains whose restore is recorded in the checkpoint log (none without a log).
    pub audit_chains_marked: usize,
}

fn invalid(field: &'static str, reason: impl Into<String>) -> StoreError {
    StoreError::Invalid {
        field,
        reason: reason.into(),
    }
}

impl Store {
    /// Writes a consistent copy of the SQLite database to `out` while it keeps serving
    /// (`VACUUM INTO` reads one snapshot: every transaction committed before it began, none
    /// after). `out` must not exist. PostgreSQL answers with how to use `pg_dump` instead.
    pub async fn backup_to(&self, out: &Path) -> Result<BackupSummary, StoreError> {
        let Pool::Sqlite(pool) = self.pool() else {
            return Err(invalid(
                "database",
                "a PostgreSQL database is backed up with pg_dump (see the README's Operations \
                 section); `cephalog backup` copies the embedded SQLite database",
            ));
        };
        if out.exists() {
            return Err(invalid(
                "out",
                format!("{} exists; a backup never overwrites a file", out.display()),
            ));
        }
        let target = out
            .to_str()
            .ok_or_else(|| invalid("out", "the backup's path is not valid UTF-8"))?;
        sqlx::query("VACUUM INTO ?1")
            .bind(target)
            .execute(pool)
            .await?;
        let bytes = std::fs::metadata(out)
            .map_err(|e| invalid("out", format!("{}: {e}", out.display())))?
            .len();
        // Read back from the copy itself: what it holds, not what the live database holds now.
        let copy = Store::connect_with(target, AuditSettings::ephemeral()).await?;
        let counted = async {
            let patients = copy.patient_count().await?;
            let entries = copy.audit_heads().await?.iter().map(|(_, seq)| seq).sum();
            Ok::<_, StoreError>((patients, entries))
        }
        .await;
        copy.close().await;
        let (patients, audit_entries) = counted?;
        Ok(BackupSummary {
            file: out.to_owned(),
            bytes,
            patients,
            audit_entries,
        })
    }

    /// `PRAGMA integrity_check` of a SQLite database: `Ok` when it answers "ok", else every
    /// problem it lists. PostgreSQL keeps its own consistency and answers `Ok`.
    pub async fn integrity_check(&self) -> Result<(), StoreError> {
        let Pool::Sqlite(pool) = self.pool() else {
            return Ok(());
        };
        let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
            .fetch_all(pool)
            .await?;
        if rows == ["ok"] {
            Ok(())
        } else {
            Err(StoreError::corrupt("database file", rows.join("; ")))
        }
    }
}

/// Restores the SQLite database `target` from `backup`, checking the backup first: it is copied
/// beside the target, upgraded to this version's schema, and must pass `PRAGMA integrity_check`
/// and a full audit verification with `settings` (every seal, and every checkpoint of an entry it
/// holds). Only then does it replace the target (whose server must be stopped), and the restore
/// is recorded in the checkpoint log. Nothing is replaced when a check fails.
pub async fn restore_sqlite(
    backup: &Path,
    target: &Path,
    settings: AuditSettings,
) -> Result<RestoreReport, StoreError> {
    if !backup.is_file() {
        return Err(invalid(
            "from",
            format!("{} is not a backup file", backup.display()),
        ));
    }
    let staged = PathBuf::from(format!("{}.restoring", target.display()));
    let io = |what: &Path| {
        let what = what.display().to_string();
        move |e: std::io::Error| invalid("from", format!("{what}: {e}"))
    };
    remove_database_files(&staged).map_err(io(&staged))?;
    std::fs::copy(backup, &staged).map_err(io(backup))?;
    let checked = check_staged(&staged, settings.clone()).await;
    let (patients, audit_entries) = match checked {
        Ok(v) => v,
        Err(e) => {
            remove_database_files(&staged).map_err(io(&staged))?;
            return Err(e);
        }
    };
    remove_database_files(target).map_err(io(target))?;
    std::fs::rename(&staged, target).map_err(io(target))?;
    let url = target
        .to_str()
        .ok_or_else(|| invalid("database", "the database path is not valid UTF-8"))?;
    let store = Store::connect_with(url, settings).await?;
    let marked = match store.audit_settings().checkpoints {
        Some(_) => store.mark_restored().await.map(|m| m.len()),
        None => Ok(0),
    };
    store.close().await;
    Ok(RestoreReport {
        patients,
        audit_entries,
        audit_chains_marked: marked?,
    })
}

/// Checks a staged copy: schema upgraded, integrity, and the audit trail verified as a backup's.
async fn check_staged(staged: &Path, settings: AuditSettings) -> Result<(i64, usize), StoreError> {
    let url = staged
        .to_str()
        .ok_or_else(|| invalid("from", "the staging path is not valid UTF-8"))?;
    let store = Store::connect_with(url, settings).await?;
    let result = async {
        store.integrity_check().await?;
        let v = store.verify_audit_as_backup().await?;
        if let Some(b) = &v.broken {
            return Err(invalid(
                "from",
                format!(
                    "the backup's audit trail is broken at entry {} of chain {}: {}",
                    b.seq, b.chain, b.reason
                ),
            ));
        }
        if let Some(p) = v.checkpoints.as_ref().and_then(|c| c.problem.as_ref()) {
            return Err(invalid(
                "from",
                format!("the backup's audit trail does not match the checkpoint log: {p}"),
            ));
        }
        Ok((store.patient_count().await?, v.entries))
    }
    .await;
    store.close().await;
    result
}

/// Removes a SQLite database file with its write-ahead log and shared-memory files, where they
/// exist.
fn remove_database_files(db: &Path) -> std::io::Result<()> {
    for suffix in ["", "-wal", "-shm"] {
        let f = PathBuf::from(format!("{}{suffix}", db.display()));
        match std::fs::remove_file(&f) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
