//! The audit trail of the command line: every command that reads or writes patient data records
//! who ran it (the operating-system user), what it did and whose data it was.

use std::sync::OnceLock;

use anyhow::Result;
use uuid::Uuid;

use cephalog_store::{AuditEvent, PatientRecord, Store};

static ACTION: OnceLock<String> = OnceLock::new();

/// Names the action the audit entries of this run record, e.g. "diary.import".
pub fn set_action(action: String) {
    let _ = ACTION.set(action);
}

fn action() -> String {
    ACTION.get().cloned().unwrap_or_else(|| "cli".to_owned())
}

/// "cli:<operating-system user>".
pub(crate) fn actor() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".to_owned());
    format!("cli:{user}")
}

/// Records an access to `entity`/`id`, about `patient` when it is one patient's data.
pub async fn record(store: &Store, patient: Option<Uuid>, entity: &str, id: &str) -> Result<()> {
    store
        .audit(AuditEvent {
            actor: actor(),
            action: action(),
            entity: entity.to_owned(),
            entity_id: id.to_owned(),
            patient,
            source: "cli".to_owned(),
        })
        .await?;
    Ok(())
}

/// Finds a patient by id or MRN and records the access.
pub async fn patient(store: &Store, key: &str) -> Result<PatientRecord> {
    let r = store.find_patient(key).await?;
    record(store, Some(r.id), "patient", &r.id.to_string()).await?;
    Ok(r)
}

/// Records a clinic-wide read or write (lists, schedules, the demo).
pub async fn clinic(store: &Store) -> Result<()> {
    record(store, None, "clinic", "*").await
}

/// Records that a patient's data left the system in an export (`format`: csv or json).
pub async fn export(store: &Store, patient: Uuid, format: &str) -> Result<()> {
    record(store, Some(patient), "export", format).await
}
