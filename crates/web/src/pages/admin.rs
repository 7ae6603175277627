//! User administration for a clinic's administrators.

use axum::Form;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_auth::{Role, Username, generate_password, hash_password};
use cephalog_store::UserRecord;

use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::policy::{ClinicNeed, user_access};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/admin/users", users)
        .get("/admin/patients", patients)
        .post("/admin/users", add_user)
        .post("/admin/users/{id}/disable", disable)
        .post("/admin/users/{id}/enable", enable)
        .post("/admin/users/{id}/reset-password", reset_password)
}

#[derive(askama::Template)]
#[template(path = "users.html")]
struct UsersPage {
    nav: Option<Nav>,
    clinic: String,
    users: Vec<UserRecord>,
    patients: Vec<(Uuid, String)>,
    /// A password just set, shown once.
    shown_once: Option<(String, String)>,
    error: Option<String>,
}

async fn page(
    state: &AppState,
    who: &Principal,
    shown_once: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response, WebError> {
    let users = state
        .store
        .users()
        .await?
        .into_iter()
        .filter(|u| u.clinic_id == who.user.clinic_id)
        .collect();
    let patients = cephalog_app::patients::list(&state.store, Some(who.user.clinic_id))
        .await?
        .into_iter()
        .map(|p| {
            let label = match p.patient.mrn() {
                Some(m) => format!("{} ({m})", p.patient.name()),
                None => p.patient.name().to_owned(),
            };
            (p.id, label)
        })
        .collect();
    let status = if error.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    let html = render(&UsersPage {
        nav: Some(Nav::for_user(who, "/admin/users")),
        clinic: who.user.clinic.clone(),
        users,
        patients,
        shown_once,
        error,
    });
    Ok(axum::response::IntoResponse::into_response((status, html)))
}

async fn users(State(state): State<AppState>, who: Principal) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::ManageUsers, "users.list").await?;
    Ok(page(&state, &who, None, None).await?)
}

#[derive(Deserialize)]
struct NewUser {
    username: String,
    display_name: String,
    role: String,
    #[serde(default)]
    patient: String,
}

async fn add_user(
    State(state): State<AppState>,
    who: Principal,
    Form(f): Form<NewUser>,
) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::ManageUsers, "user.add").await?;
    let attempt = async {
        let username = Username::new(&f.username).map_err(|e| WebError::invalid("username", e))?;
        let role: Role = f.role.parse().map_err(|e| WebError::invalid("role", e))?;
        let patient = match (role, f.patient.trim()) {
            (Role::Patient, "") => {
                return Err(WebError::invalid(
                    "patient",
                    "a patient account names its patient",
                ));
            }
            (Role::Patient, id) => {
                let id: Uuid = id
                    .parse()
                    .map_err(|_| WebError::invalid("patient", "choose a patient from the list"))?;
                let p = cephalog_app::patients::get(&state.store, id).await?;
                if p.clinic_id != who.user.clinic_id {
                    return Err(WebError::invalid(
                        "patient",
                        "choose a patient from the list",
                    ));
                }
                Some(id)
            }
            _ => None,
        };
        let password = generate_password();
        let hash = tokio::task::spawn_blocking({
            let password = password.clone();
            move || hash_password(&password)
        })
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(|e| WebError::Internal(e.to_string()))?;
        let display = if f.display_name.trim().is_empty() {
            username.to_string()
        } else {
            f.display_name.trim().to_owned()
        };
        let u = state
            .store
            .add_user(&who.user.clinic, username, &display, role, patient, &hash)
            .await?;
        audit::record(&state, &who, "user.add", "user", &u.id.to_string(), patient).await?;
        Ok::<_, WebError>((u.username.to_string(), password))
    };
    match attempt.await {
        Ok(shown) => Ok(page(&state, &who, Some(shown), None).await?),
        Err(e @ (WebError::Invalid { .. } | WebError::Conflict(_))) => {
            Ok(page(&state, &who, None, Some(e.to_string())).await?)
        }
        Err(e) => Err(PageError(e)),
    }
}

async fn target(state: &AppState, who: &Principal, id: Uuid) -> Result<UserRecord, WebError> {
    let u = state.store.user(id).await?;
    user_access(&who.user, u.clinic_id).map_err(|d| match d {
        crate::policy::Denial::OutOfScope => WebError::NotFound(format!("no user {id}")),
        crate::policy::Denial::RoleMayNot => {
            WebError::Forbidden("your role may not do this".to_owned())
        }
    })?;
    Ok(u)
}

async fn set_disabled(
    state: &AppState,
    who: &Principal,
    id: Uuid,
    disabled: bool,
) -> Result<Response, WebError> {
    audit::clinic(state, who, ClinicNeed::ManageUsers, "user.update").await?;
    let u = target(state, who, id).await?;
    if u.id == who.user.id && disabled {
        return page(
            state,
            who,
            None,
            Some("you cannot disable your own account".to_owned()),
        )
        .await;
    }
    state.store.set_user_disabled(&u.username, disabled).await?;
    let action = if disabled {
        "user.disable"
    } else {
        "user.enable"
    };
    audit::record(state, who, action, "user", &u.id.to_string(), u.patient_id).await?;
    page(state, who, None, None).await
}

async fn disable(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    Ok(set_disabled(&state, &who, id, true).await?)
}

async fn enable(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    Ok(set_disabled(&state, &who, id, false).await?)
}

async fn reset_password(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::ManageUsers, "user.reset_password").await?;
    let u = target(&state, &who, id).await?;
    let password = generate_password();
    let hash = tokio::task::spawn_blocking({
        let password = password.clone();
        move || hash_password(&password)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?
    .map_err(|e| WebError::Internal(e.to_string()))?;
    state.store.set_password_hash(&u.username, &hash).await?;
    audit::record(
        &state,
        &who,
        "user.reset_password",
        "user",
        &u.id.to_string(),
        u.patient_id,
    )
    .await?;
    Ok(page(&state, &who, Some((u.username.to_string(), password)), None).await?)
}

#[derive(askama::Template)]
#[template(path = "admin_patients.html")]
struct PatientsPage {
    nav: Option<Nav>,
    clinic: String,
    patients: Vec<(Uuid, String, String)>,
}

/// The clinic's patients by name and MRN only, each leading to their access log (an
/// administrator oversees who reads records; the records themselves stay closed to them).
async fn patients(State(state): State<AppState>, who: Principal) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::ManageUsers, "patients.list").await?;
    let patients = cephalog_app::patients::list(&state.store, Some(who.user.clinic_id))
        .await?
        .into_iter()
        .map(|p| {
            (
                p.id,
                p.patient.name().to_owned(),
                p.patient.mrn().unwrap_or("—").to_owned(),
            )
        })
        .collect();
    Ok(render(&PatientsPage {
        nav: Some(Nav::for_user(&who, "/admin/patients")),
        clinic: who.user.clinic.clone(),
        patients,
    }))
}
