//! `cephalog backup` and `cephalog restore`.

use anyhow::{Context, Result, bail};

use cephalog_store::Store;

use crate::output::print_json;
use crate::{BackupArgs, RestoreArgs, access};

pub async fn backup(store: &Store, a: BackupArgs) -> Result<()> {
    if a.out.exists() {
        bail!(
            "--out {} exists; a backup never overwrites a file",
            a.out.display()
        );
    }
    // Recorded first, so the backup holds the entry of its own making.
    access::database(store, "backup", &a.out.display().to_string(), String::new()).await?;
    let summary = store
        .backup_to(&a.out)
        .await
        .with_context(|| format!("cannot back up to {}", a.out.display()))?;
    if a.json {
        return print_json(&summary);
    }
    println!(
        "backup written to {} ({} bytes): {} patient(s), {} audit entries",
        summary.file.display(),
        summary.bytes,
        summary.patients,
        summary.audit_entries
    );
    println!(
        "keep it with the audit key file: the key verifies the backup's audit trail on restore"
    );
    Ok(())
}

pub async fn restore(target: &crate::Target, a: RestoreArgs) -> Result<()> {
    let Some(file) = cephalog_store::sqlite_file(&target.url) else {
        bail!(
            "`cephalog restore` replaces a SQLite database file; restore PostgreSQL with \
             pg_restore, then run `cephalog audit mark-restored` (see the README's Operations \
             section)"
        );
    };
    let settings = target.audit_settings()?;
    let report = cephalog_store::restore_sqlite(&a.from, &file, settings)
        .await
        .with_context(|| {
            format!(
                "{} was not restored; {} is unchanged",
                a.from.display(),
                file.display()
            )
        })?;
    let store = target.connect().await?;
    let detail = format!(
        "restored from {}: {} patient(s), {} audit entries verified",
        a.from.display(),
        report.patients,
        report.audit_entries
    );
    let recorded = access::database(&store, "restore", &a.from.display().to_string(), detail)
        .await
        .and(access::finish(&store, None).await);
    store.close().await;
    recorded?;
    if a.json {
        return print_json(&report);
    }
    println!(
        "{} restored from {}: {} patient(s); {} audit entries verified; the restore is recorded \
         in the checkpoint log for {} chain(s)",
        file.display(),
        a.from.display(),
        report.patients,
        report.audit_entries,
        report.audit_chains_marked
    );
    Ok(())
}
