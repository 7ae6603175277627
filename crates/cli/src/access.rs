//! The audit trail of the command line: every command that reads or writes patient data records
//! who ran it (the operating-system user), what it did, whose data it was and whether it went
//! through. The entries of one command are kept until it ends and then appended together, so a
//! refused command is recorded as refused (`<action>.refused` with the reason), never as done.
//! A checkpoint of the trail's head follows.

use std::sync::{Mutex, OnceLock};

use anyhow::Result;
use uuid::Uuid;

use cephalog_store::{AuditEvent, PatientRecord, Store};

/// The entries this command has recorded so far.
static PENDING: Mutex<Vec<AuditEvent>> = Mutex::new(Vec::new());
/// The command's audit name, e.g. "diary.import".
static ACTION: OnceLock<String> = OnceLock::new();

/// Names the action this command's entries record.
pub fn set_action(action: String) {
    let _ = ACTION.set(action);
}

fn take_pending(failed: Option<&anyhow::Error>) -> Vec<AuditEvent> {
    let mut events: Vec<AuditEvent> = PENDING
        .lock()
        .map(|mut p| std::mem::take(&mut *p))
        .unwrap_or_default();
    let action = ACTION.get().map_or("cli", String::as_str);
    for e in &mut events {
        e.action = action.to_owned();
        if let Some(err) = failed {
            e.action.push_str(".refused");
            e.detail = if e.detail.is_empty() {
                format!("{err:#}")
            } else {
                format!("{}; refused: {err:#}", e.detail)
            };
        }
    }
    events
}

/// Appends this command's entries, marked refused with the error's reason when it failed, and
/// signs a checkpoint of the trail's head.
pub async fn finish(store: &Store, failed: Option<&anyhow::Error>) -> Result<()> {
    store.audit_batch(take_pending(failed)).await?;
    // A trail that no longer matches its checkpoints is not signed again; the command itself
    // has done its work, so this is a warning, and `audit verify` names the damage.
    if let Err(e) = store.write_checkpoint().await {
        eprintln!("warning: {e}");
    }
    Ok(())
}

/// "cli:<operating-system user>".
pub(crate) fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{user}")
}

/// Records an access to `entity`/`id`, about `patient` when it is one patient's data; the entry
/// is appended when the command ends ([`finish`]).
pub async fn record(_store: &Store, patient: Option<Uuid>, entity: &str, id: &str) -> Result<()> {
    let event = AuditEvent {
        // The patient's clinic's chain, or the installation's.
        clinic: None,
        actor: actor(),
        // Named when it is appended.
        action: String::new(),
        entity: entity.to_owned(),
        entity_id: id.to_owned(),
        patient,
        source: "cli".to_owned(),
        detail: String::new(),
    };
    PENDING
        .lock()
        .map_err(|_| anyhow::anyhow!("the audit queue is unusable after a panic"))?
        .push(event);
    Ok(())
}

/// Finds a patient by id or MRN and records the access.
pub async fn patient(store: &Store, key: &str) -> Result<PatientRecord> {
    let r = cephalog_app::patients::find(store, key).await?;
    record(store, Some(r.id), "patient", &r.id.to_string()).await?;
    Ok(r)
}

/// Records a clinic-wide read or write (lists, schedules, the demo).
pub async fn clinic(store: &Store) -> Result<()> {
    record(store, None, "clinic", "*").await
}

/// Records a cohort read (`entity` cohort) or research export (research-export): one entry, about the whole installation until the clinic is known
/// ([`cohort_clinic`]), whose detail names the filters (`filters`) and, once the report is
/// computed, the number of patients in it ([`cohort_patients`]).
pub async fn cohort(store: &Store, entity: &str, filters: String) -> Result<()> {
    record(store, None, entity, "*").await?;
    with_last(|e| e.detail = filters)
}

/// Puts the pending cohort entry on the chain of the clinic it reads.
pub fn cohort_clinic(clinic: Option<Uuid>) -> Result<()> {
    with_last(|e| {
        e.clinic = clinic;
        if let Some(c) = clinic {
            e.entity_id = c.to_string();
        }
    })
}

/// Adds the number of patients in the report to the pending cohort entry.
pub fn cohort_patients(patients: u64) -> Result<()> {
    with_last(|e| e.detail.push_str(&format!("; {patients} patient(s)")))
}

fn with_last(change: impl FnOnce(&mut AuditEvent)) -> Result<()> {
    let mut pending = PENDING
        .lock()
        .map_err(|_| anyhow::anyhow!("the audit queue is unusable after a panic"))?;
    if let Some(e) = pending.last_mut() {
        change(e);
    }
    Ok(())
}

/// Records a whole-database copy (`entity`: backup or restore, `id`: the file) and appends the
/// entry at once, so a backup holds the entry of its own making.
pub async fn database(store: &Store, entity: &str, file: &str, detail: String) -> Result<()> {
    let mut events = take_pending(None);
    events.push(AuditEvent {
        // A whole-database copy is an installation-level event.
        clinic: None,
        actor: actor(),
        action: ACTION.get().map_or("cli", String::as_str).to_owned(),
        entity: entity.to_owned(),
        entity_id: file.to_owned(),
        patient: None,
        source: "cli".to_owned(),
        detail,
    });
    store.audit_batch(events).await?;
    Ok(())
}

/// Records that a patient's data left the system in an export (`format`: csv or json), at once:
/// the export then reads the trail with this entry in it.
pub async fn export(store: &Store, patient: Uuid, format: &str) -> Result<()> {
    record(store, Some(patient), "export", format).await?;
    store.audit_batch(take_pending(None)).await?;
    Ok(())
}
