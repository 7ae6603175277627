//! Adverse events: recorded with the boxed-warning review flag, ICSR validity (and what is
//! missing) and the report due date; listed per patient and for the clinic.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::ToSchema;
use uuid::Uuid;

use cephalog_app::AppError;
use cephalog_app::safety::{case_view, clinic_adverse_events, suspect_products};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SafetyError, SeriousOutcome,
};
use cephalog_store::{AdverseEventRecord, StoreError};

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::{ClinicNeed, Need};

/// Who reported the event. An identifiable reporter is one of the four ICSR minimum elements.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReporterJson {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// physician, pharmacist, other_health_professional, lawyer or consumer.
    pub qualification: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. GB.
    pub country: Option<String>,
    pub email: Option<String>,
}

/// An adverse event as reported. A case is stored whatever it lacks; the answer says what an
/// ICSR still needs.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAdverseEvent {
    /// The reaction as reported, e.g. "ptosis".
    #[schema(min_length = 1, pattern = r"\S")]
    pub reported_term: String,
    /// MedDRA LLT or PT code supplied by the clinic (8 digits).
    #[schema(pattern = "^[0-9]{8}$")]
    pub meddra_code: Option<String>,
    pub onset: NaiveDate,
    pub resolution: Option<NaiveDate>,
    /// CTCAE v5 grade 1–5.
    #[serde(deserialize_with = "super::schema::integer")]
    #[schema(minimum = 1, maximum = 5)]
    pub ctcae_grade: i64,
    /// Serious outcomes: death, life_threatening, hospitalization, disability,
    /// congenital_anomaly, required_intervention, other_important_medical_event.
    #[serde(default)]
    #[schema(value_type = Vec<super::schema::Seriousness>)]
    pub seriousness: Vec<String>,
    /// drug_withdrawn, dose_reduced, dose_increased, dose_not_changed, not_applicable (default)
    /// or unknown.
    #[schema(value_type = Option<super::schema::ActionTaken>)]
    pub action_taken: Option<String>,
    /// recovered, recovering, not_recovered, recovered_with_sequelae, fatal or unknown (default).
    #[schema(value_type = Option<super::schema::EventOutcome>)]
    pub outcome: Option<String>,
    /// related, possibly_related, unlikely_related, unrelated or not_assessed (default).
    #[schema(value_type = Option<super::schema::Causality>)]
    pub causality: Option<String>,
    #[serde(default, deserialize_with = "super::schema::object")]
    pub reporter: ReporterJson,
    /// When the clinic learnt of it (default: today); the report is due 15 (serious) or 90 days
    /// after.
    pub awareness_date: Option<NaiveDate>,
    #[serde(default)]
    pub narrative: String,
    /// The sessions suspected (default: the last session on or before the onset).
    #[serde(default)]
    pub session_dates: Vec<NaiveDate>,
}

fn coded<T: std::str::FromStr<Err = SafetyError>>(
    value: Option<&str>,
    default: T,
    field: &str,
) -> Result<T, WebError> {
    value
        .map(str::parse::<T>)
        .transpose()
        .map_err(|e| WebError::invalid(field, e))
        .map(|v| v.unwrap_or(default))
}

async fn view_response(
    state: &AppState,
    rec: &AdverseEventRecord,
    status: StatusCode,
) -> Result<Response, ApiError> {
    let v = case_view(&state.store, rec).await?;
    Ok((status, Json(&v)).into_response())
}

const CASE_DESCRIPTION: &str = "The case: id, patient, the event (term, MedDRA code, onset, resolution, CTCAE grade, seriousness, action, outcome, causality, reporter, awareness date, narrative, suspect products), serious, icsr (valid and the missing elements), report_due, submitted_on, and urgent_review (symptom, onset, session date, days after the session, reason) when a boxed-warning symptom of distant toxin spread began after a session";

/// Records an adverse event. The answer carries the URGENT REVIEW flag when a boxed-warning
/// symptom (distant spread of toxin effect) began after a session, whether the case is a valid
/// ICSR and what it lacks, and the report due date.
#[utoipa::path(post, path = "/patients/{id}/adverse-events", tag = "safety",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = NewAdverseEvent,
    responses((status = 201, description = CASE_DESCRIPTION, body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(n): Json<NewAdverseEvent>,
) -> Result<Response, ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "adverse_event.add").await?;
    let today = state.today();
    if n.onset > today {
        return Err(WebError::invalid("onset", format!("{} is in the future", n.onset)).into());
    }
    let seriousness = n
        .seriousness
        .iter()
        .enumerate()
        .map(|(i, s)| {
            s.parse::<SeriousOutcome>()
                .map_err(|e| WebError::invalid(format!("seriousness[{i}]"), e))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let action_taken = coded(
        n.action_taken.as_deref(),
        ActionTaken::NotApplicable,
        "action_taken",
    )?;
    let outcome = coded(n.outcome.as_deref(), EventOutcome::Unknown, "outcome")?;
    let causality = coded(n.causality.as_deref(), Causality::NotAssessed, "causality")?;
    let qualification = n
        .reporter
        .qualification
        .as_deref()
        .map(str::parse::<ReporterQualification>)
        .transpose()
        .map_err(|e| WebError::invalid("reporter.qualification", e))?;
    // The page's form sends an empty field for "no code"; the API's document says 8 digits or
    // null, so a blank string is refused rather than read as null.
    if n.meddra_code
        .as_deref()
        .is_some_and(|c| c.trim().is_empty())
    {
        return Err(WebError::invalid(
            "meddra_code",
            "is blank: send the 8-digit MedDRA code, or null when there is none",
        )
        .into());
    }
    let suspect_products = suspect_products(&state.store, r.id, n.onset, &n.session_dates).await?;
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: n.reported_term,
        meddra_code: n.meddra_code,
        onset: n.onset,
        resolution: n.resolution,
        ctcae_grade: n.ctcae_grade,
        seriousness,
        action_taken,
        outcome,
        causality,
        reporter: ReporterDraft {
            given_name: n.reporter.given_name,
            family_name: n.reporter.family_name,
            qualification,
            country: n.reporter.country,
            email: n.reporter.email,
        },
        awareness_date: n.awareness_date.unwrap_or(today),
        narrative: n.narrative,
        suspect_products,
    })
    .map_err(|e| WebError::invalid(e.field(), &e))?;
    let rec = cephalog_app::safety::add_adverse_event(&state.store, r.id, &event).await?;
    audit::record(
        &state,
        &who,
        "adverse_event.add",
        "adverse_event",
        &rec.id.to_string(),
        Some(r.id),
    )
    .await?;
    view_response(&state, &rec, StatusCode::CREATED).await
}

async fn views(state: &AppState, records: &[AdverseEventRecord]) -> Result<Response, ApiError> {
    let mut out = Vec::with_capacity(records.len());
    for rec in records {
        out.push(case_view(&state.store, rec).await?);
    }
    Ok(Json(&out).into_response())
}

/// The patient's adverse events, oldest onset first.
#[utoipa::path(get, path = "/patients/{id}/adverse-events", tag = "safety",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, description = "The cases, each as POST answers it", body = Vec<Object>),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "adverse_events.read").await?;
    let records = cephalog_app::safety::adverse_events(&state.store, Some(r.id)).await?;
    views(&state, &records).await
}

/// The adverse events of the caller's clinic's patients, oldest onset first.
#[utoipa::path(get, path = "/adverse-events", tag = "safety",
    responses((status = 200, description = "The cases, each as POST answers it", body = Vec<Object>),
        (status = 403, body = ErrorBody)))]
pub async fn clinic_list(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Response, ApiError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "adverse_events.list").await?;
    let records = clinic_adverse_events(&state.store, Some(who.user.clinic_id)).await?;
    views(&state, &records).await
}

/// One adverse event, if its patient is within the caller's reach.
#[utoipa::path(get, path = "/adverse-events/{id}", tag = "safety",
    params(("id" = Uuid, Path, description = "case id")),
    responses((status = 200, description = CASE_DESCRIPTION, body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let missing = || WebError::NotFound(format!("no adverse event {id}"));
    let rec = match cephalog_app::safety::adverse_event(&state.store, id).await {
        Ok(rec) => rec,
        Err(AppError::Store(StoreError::NotFound(_))) => return Err(missing().into()),
        Err(e) => return Err(e.into()),
    };
    audit::patient(
        &state,
        &who,
        rec.patient,
        Need::ReadClinical,
        "adverse_event.read",
    )
    .await
    .map_err(|e| match e {
        WebError::NotFound(_) => missing(),
        other => other,
    })?;
    view_response(&state, &rec, StatusCode::OK).await
}

/// What was decided on an urgent review.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Acknowledgement {
    /// What was decided, e.g. "seen in clinic; swallow recovered; next session without the
    /// cervical sites" (1 to 1000 characters).
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub decision: String,
}

/// Acknowledges the case's urgent review: the caller, now, and what was decided. An acknowledged
/// flag leaves the worklist and no longer refuses the patient's next session. Answers the case.
#[utoipa::path(post, path = "/adverse-events/{id}/acknowledge", tag = "safety",
    params(("id" = Uuid, Path, description = "case id")),
    request_body = Acknowledgement,
    responses((status = 200, description = "The case, with acknowledgement (by, at, decision)", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Not flagged for urgent review, or already acknowledged", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn acknowledge(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(a): Json<Acknowledgement>,
) -> Result<Response, ApiError> {
    let missing = || WebError::NotFound(format!("no adverse event {id}"));
    let rec = match cephalog_app::safety::adverse_event(&state.store, id).await {
        Ok(rec) => rec,
        Err(AppError::Store(StoreError::NotFound(_))) => return Err(missing().into()),
        Err(e) => return Err(e.into()),
    };
    audit::patient(
        &state,
        &who,
        rec.patient,
        Need::WriteClinical,
        "adverse_event.acknowledge",
    )
    .await
    .map_err(|e| match e {
        WebError::NotFound(_) => missing(),
        other => other,
    })?;
    cephalog_app::safety::acknowledge_urgent_review(
        &state.store,
        id,
        &who.user.display_name,
        &a.decision,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "adverse_event.acknowledge",
        "adverse_event",
        &id.to_string(),
        Some(rec.patient),
    )
    .await?;
    view_response(&state, &rec, StatusCode::OK).await
}
