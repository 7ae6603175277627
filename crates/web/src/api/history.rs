//! The history of a patient's records: every earlier version of a corrected or entered-in-error
//! diary day, session, adverse event, questionnaire, preventive or attestation, with who changed
//! it, when and why; and marking any of them entered in error with a reason. Nothing is deleted.

use axum::Json;
use axum::extract::{Path, State};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cephalog_store::{RecordKind, RecordVersion};

use super::diary::EnteredInError;
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::Need;

/// An earlier version of a record.
#[derive(Debug, Serialize, ToSchema)]
pub struct RecordVersionJson {
    /// diary_day, session, adverse_event, questionnaire, preventive or attestation.
    pub kind: String,
    /// The date of a diary day, the id of any other record.
    pub record_id: String,
    /// 1 is the version first recorded.
    pub version: i64,
    /// corrected (a later version replaced it) or entered_in_error (withdrawn).
    pub action: String,
    pub changed_at: chrono::DateTime<chrono::Utc>,
    /// Who changed it, as the audit trail names them.
    pub changed_by: String,
    pub reason: String,
    /// What the version held.
    #[schema(value_type = Object)]
    pub snapshot: serde_json::Value,
}

impl RecordVersionJson {
    fn of(v: RecordVersion) -> Self {
        RecordVersionJson {
            kind: v.kind.as_str().to_owned(),
            record_id: v.record_id,
            version: v.version,
            action: v.action.as_str().to_owned(),
            changed_at: v.changed_at,
            changed_by: v.changed_by,
            reason: v.reason,
            snapshot: v.snapshot,
        }
    }
}

fn kind_of(s: &str) -> Result<RecordKind, WebError> {
    s.parse::<RecordKind>().map_err(|_| {
        WebError::invalid(
            "kind",
            format!(
                "'{s}' is not a kind of record: use diary_day, session, adverse_event, questionnaire, preventive or attestation"
            ),
        )
    })
}

/// What reading and changing a kind of record needs (an unknown kind: the clinical record's,
/// so access is decided before the kind is refused).
fn needs(kind: Option<RecordKind>) -> (Need, Need) {
    let Some(kind) = kind else {
        return (Need::ReadClinical, Need::WriteClinical);
    };
    match kind {
        RecordKind::DiaryDay => (Need::ReadDiary, Need::WriteDiary),
        RecordKind::Questionnaire => (Need::ReadDiary, Need::WriteQuestionnaire),
        RecordKind::Session | RecordKind::Attestation => (Need::ReadClinical, Need::Prescribe),
        RecordKind::AdverseEvent | RecordKind::Preventive => {
            (Need::ReadClinical, Need::WriteClinical)
        }
    }
}

/// Every earlier version of the patient's records, by kind, record and version.
#[utoipa::path(get, path = "/patients/{id}/history", tag = "history",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, body = Vec<RecordVersionJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn patient_history(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<RecordVersionJson>>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "history.read").await?;
    let all = cephalog_app::history::record_history(&state.store, r.id, None).await?;
    Ok(Json(all.into_iter().map(RecordVersionJson::of).collect()))
}

/// The earlier versions of one record, oldest first (`record_id`: a diary day's date, any other
/// record's id).
#[utoipa::path(get, path = "/patients/{id}/records/{kind}/{record_id}/history", tag = "history",
    params(("id" = Uuid, Path, description = "patient id"),
        ("kind" = super::schema::RecordKind, Path, description = "diary_day, session, adverse_event, questionnaire, preventive or attestation"),
        ("record_id" = String, Path, description = "a diary day's date (YYYY-MM-DD) or the record's id")),
    responses((status = 200, body = Vec<RecordVersionJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_history(
    State(state): State<AppState>,
    who: Principal,
    Path((id, kind, record_id)): Path<(Uuid, String, String)>,
) -> Result<Json<Vec<RecordVersionJson>>, ApiError> {
    let parsed = kind.parse::<RecordKind>().ok();
    let r = audit::patient(&state, &who, id, needs(parsed).0, "history.read").await?;
    let kind = kind_of(&kind)?;
    let key = record_key(kind, &record_id)?;
    let versions = cephalog_app::history::record_versions(&state.store, r.id, kind, &key).await?;
    Ok(Json(
        versions.into_iter().map(RecordVersionJson::of).collect(),
    ))
}

/// A diary day's date or another record's id, checked.
fn record_key(kind: RecordKind, record_id: &str) -> Result<String, WebError> {
    if kind == RecordKind::DiaryDay {
        record_id
            .parse::<NaiveDate>()
            .map(|d| d.to_string())
            .map_err(|_| {
                WebError::NotFound(format!(
                    "no such record: '{record_id}' (a diary day is named by its date, YYYY-MM-DD)"
                ))
            })
    } else {
        record_id
            .parse::<Uuid>()
            .map(|u| u.to_string())
            .map_err(|_| {
                WebError::NotFound(format!("no such record: '{record_id}' is not a record id"))
            })
    }
}

/// Marks a record entered in error (the reason is required). It is never deleted: the version
/// withdrawn is kept in its history with who, when and why, and from then on the record counts
/// nowhere (a session leaves the toxin history, an attestation attests nothing, a diary day reads
/// as unrecorded).
#[utoipa::path(post, path = "/patients/{id}/records/{kind}/{record_id}/entered-in-error", tag = "history",
    params(("id" = Uuid, Path, description = "patient id"),
        ("kind" = super::schema::RecordKind, Path, description = "diary_day, session, adverse_event, questionnaire, preventive or attestation"),
        ("record_id" = String, Path, description = "a diary day's date (YYYY-MM-DD) or the record's id")),
    request_body = EnteredInError,
    responses((status = 200, body = RecordVersionJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn entered_in_error(
    State(state): State<AppState>,
    who: Principal,
    Path((id, kind, record_id)): Path<(Uuid, String, String)>,
    Json(body): Json<EnteredInError>,
) -> Result<Json<RecordVersionJson>, ApiError> {
    let parsed = kind.parse::<RecordKind>().ok();
    let action = format!(
        "{}.entered_in_error",
        parsed.map_or("record", RecordKind::as_str)
    );
    let r = audit::patient(&state, &who, id, needs(parsed).1, &action).await?;
    let kind = kind_of(&kind)?;
    let key = record_key(kind, &record_id)?;
    if body.reason.trim().is_empty() {
        return Err(
            WebError::invalid("reason", "give the reason the record was entered in error").into(),
        );
    }
    let change = super::change(&who, Some(&body.reason), "");
    let kept = match kind {
        RecordKind::DiaryDay => {
            let date: NaiveDate = key
                .parse()
                .map_err(|_| WebError::invalid("record_id", "not a date"))?;
            cephalog_app::diary::enter_day_in_error(&state.store, r.id, date, &change).await?
        }
        other => {
            let record: Uuid = key.parse().map_err(|_| {
                WebError::NotFound(format!("no such record: '{key}' is not a record id"))
            })?;
            cephalog_app::history::enter_in_error(&state.store, r.id, other, record, &change)
                .await?
        }
    };
    audit::record(&state, &who, &action, kind.as_str(), &key, Some(r.id)).await?;
    Ok(Json(RecordVersionJson::of(kept)))
}
