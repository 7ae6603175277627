//! Records every read and write of patient data in the sealed audit trail, and checks access on
//! the way: [`patient`] is how a route reaches a patient's record.
//!
//! A request's entries are collected while it runs and appended, in one transaction, after the
//! handler has answered and before the answer leaves ([`layer`]): a request answered with an
//! error has its entries recorded as `<action>.refused` with the reason, so a refused write is
//! never logged as a write. If the entries cannot be stored the client gets a 500 instead of the
//! answer.

use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use cephalog_store::{AuditEvent, PatientRecord, Store};

use crate::AppState;
use crate::auth::Principal;
use crate::error::WebError;
use crate::policy::{ClinicNeed, Denial, Need, clinic_access, patient_access};

pub use crate::request_audit::{Refusal, RequestAudit};

/// Collects the request's audit entries and appends them once it has been answered.
pub async fn layer(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    let queue = RequestAudit::default();
    req.extensions_mut().insert(queue.clone());
    let response = next.run(req).await;
    let mut events = match queue.0.lock() {
        Ok(mut q) => std::mem::take(&mut *q),
        Err(_) => {
            tracing::error!("the request's audit entries were lost to a panic");
            return crate::error::ApiError(WebError::Internal("audit queue poisoned".to_owned()))
                .into_response();
        }
    };
    if events.is_empty() {
        return response;
    }
    let status = response.status();
    if status.is_client_error() || status.is_server_error() {
        let reason = response
            .extensions()
            .get::<Refusal>()
            .map_or_else(|| status.to_string(), |r| r.0.clone());
        for e in &mut events {
            if !e.action.ends_with(".denied") {
                e.action.push_str(".refused");
                e.detail.clone_from(&reason);
            }
        }
    }
    match state.store.audit_batch(events).await {
        Ok(_) => response,
        Err(e) => {
            tracing::error!(error = %e, "cannot append to the audit trail");
            crate::error::ApiError(WebError::Internal("audit trail".to_owned())).into_response()
        }
    }
}

/// Signs a checkpoint of the audit trail's head every minute while entries arrive.
pub async fn checkpoint_every_minute(store: Store) {
    let mut tick = tokio::time::interval(Duration::from_secs(60));
    loop {
        tick.tick().await;
        if let Err(e) = store.write_checkpoint().await {
            tracing::error!(error = %e, "cannot write the audit checkpoint");
        }
    }
}

/// Records that `who` did `action` to `entity`/`id`: queued with the request's other entries, or
/// appended at once outside a request. It goes to the chain of `who`'s clinic, the only clinic
/// whose patients they reach.
pub async fn record(
    state: &AppState,
    who: &Principal,
    action: &str,
    entity: &str,
    id: &str,
    patient: Option<Uuid>,
) -> Result<(), WebError> {
    record_in(state, who, who.user.clinic_id, action, entity, id, patient).await
}

/// [`record`] in the chain of `clinic`.
async fn record_in(
    state: &AppState,
    who: &Principal,
    clinic: Uuid,
    action: &str,
    entity: &str,
    id: &str,
    patient: Option<Uuid>,
) -> Result<(), WebError> {
    let event = AuditEvent {
        clinic: Some(clinic),
        actor: format!("{}:{}", who.user.role.as_str(), who.user.username),
        action: action.to_owned(),
        entity: entity.to_owned(),
        entity_id: id.to_owned(),
        patient,
        source: who.source.clone(),
        detail: String::new(),
    };
    push(state, who, event).await
}

/// Queues `event` with the request's other entries, or appends it at once outside a request.
async fn push(state: &AppState, who: &Principal, event: AuditEvent) -> Result<(), WebError> {
    match &who.audit {
        Some(queue) => queue
            .0
            .lock()
            .map_err(|_| WebError::Internal("audit queue poisoned".to_owned()))?
            .push(event),
        None => {
            state.store.audit(event).await?;
        }
    }
    Ok(())
}

/// Records a read of the cohort report (or its refusal, `action` ending in `.denied`) with
/// `detail` naming the filters, as `cephalog cohort` does: about the clinic `clinic` and in its
/// chain, or about the whole installation (`None`) and in the installation's chain.
pub async fn cohort(
    state: &AppState,
    who: &Principal,
    clinic: Option<Uuid>,
    action: &str,
    detail: String,
) -> Result<(), WebError> {
    let event = AuditEvent {
        clinic,
        actor: format!("{}:{}", who.user.role.as_str(), who.user.username),
        action: action.to_owned(),
        entity: "cohort".to_owned(),
        entity_id: clinic.map_or_else(|| "*".to_owned(), |c| c.to_string()),
        patient: None,
        source: who.source.clone(),
        detail,
    };
    push(state, who, event).await
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
    let found = match cephalog_app::patients::get(&state.store, id).await {
        Ok(r) => Some(r),
        Err(cephalog_app::AppError::Store(cephalog_store::StoreError::PatientNotFound(_))) => None,
        Err(e) => return Err(e.into()),
    };
    // A refusal of a stored patient goes into their trail, in their clinic's chain; an unknown
    // id is logged without one, in the asker's clinic's chain.
    let stored = found.is_some().then_some(id);
    let chain = found.as_ref().map_or(who.user.clinic_id, |r| r.clinic_id);
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
            record_in(
                state,
                who,
                chain,
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
