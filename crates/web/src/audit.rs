//! Records every read and write of patient data in the hash-chained audit trail, and checks access
//! on the way: [`patient`] is how a route reaches a patient's record.

use uuid::Uuid;

use cephalog_store::{AuditEvent, PatientRecord};

use crate::AppState;
use crate::auth::Principal;
use crate::error::WebError;
use crate::policy::{ClinicNeed, Denial, Need, clinic_access, patient_access};

/// Appends an audit entry for `who` doing `action` to `entity`/`id`.
pub async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    entity: &str,
    id: &str,
    patient: Option<Uuid>,
) -> Result<(), WebError> {
    state
        .store
        .audit(AuditEvent {
            actor: format!("{}:{}", who.user.role.as_str(), who.user.username),
            action: action.to_owned(),
            entity: entity.to_owned(),
            entity_id: id.to_owned(),
            patient,
            source: who.source.clone(),
        })
        .await?;
    Ok(())
}

fn denial(d: Denial, id: Uuid) -> WebError {
    match d {
        Denial::OutOfScope => WebError::NotFound(format!("no patient {id}")),
        Denial::RoleMayNot => WebError::Forbidden("your role may not do this".to_owned()),
    }
}

/// The patient `id` if `who` may do `need` to them; records the access (or the refusal, as
/// "`action`.denied") in the audit trail.
pub async fn patient(
    state: &AppState,
    who: &Principal,
    id: Uuid,
    need: Need,
    action: &str,
) -> Result<PatientRecord, WebError> {
    let found = match state.store.patient(id).await {
        Ok(r) => Some(r),
        Err(cephalog_store::StoreError::PatientNotFound(_)) => None,
        Err(e) => return Err(e.into()),
    };
    // A refusal of a stored patient goes into their trail; an unknown id is logged without one.
    let stored = found.is_some().then_some(id);
    let decision = match found {
        Some(r) => patient_access(&who.user, &r, need).map(|()| r),
        None => Err(Denial::OutOfScope),
    };
    match decision {
        Ok(r) => {
            record(state, who, action, "patient", &id.to_string(), Some(id)).await?;
            Ok(r)
        }
        Err(d) => {
            record(
                state,
                who,
                &format!("{action}.denied"),
                "patient",
                &id.to_string(),
                stored,
            )
            .await?;
            Err(denial(d, id))
        }
    }
}

/// Checks a clinic-wide need and records the access.
pub async fn clinic(
    state: &AppState,
    who: &Principal,
    need: ClinicNeed,
    action: &str,
) -> Result<(), WebError> {
    clinic_access(&who.user, need)
        .map_err(|_| WebError::Forbidden("your role may not do this".to_owned()))?;
    record(
        state,
        who,
        action,
        "clinic",
        &who.user.clinic_id.to_string(),
        None,
    )
    .await
}
