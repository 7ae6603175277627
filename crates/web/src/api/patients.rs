//! Patients, their metrics and their ICHD-3 diary classification.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cephalog_core::classify::{Classification, classify as classify_diary};
use cephalog_core::metrics::{MetricsReport, PeriodKind};
use cephalog_core::preset::DayPreset;
use cephalog_core::{Diagnosis, Patient};
use cephalog_store::PatientRecord;

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::{ClinicNeed, Need};

/// A patient as the API shows them.
#[derive(Debug, Serialize, ToSchema)]
pub struct PatientJson {
    pub id: Uuid,
    pub name: String,
    pub mrn: Option<String>,
    pub date_of_birth: NaiveDate,
    /// female, male or other.
    pub sex: Option<String>,
    /// ICHD-3 codes with onset.
    pub diagnoses: Vec<DiagnosisJson>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct DiagnosisJson {
    /// ICHD-3 code: 1.1, 1.2, 1.3, 1.5, 2.3, 8.2 or 13.4.
    #[schema(value_type = super::schema::Ichd3Code)]
    pub code: String,
    pub onset: Option<NaiveDate>,
}

impl From<&PatientRecord> for PatientJson {
    fn from(r: &PatientRecord) -> Self {
        let p = &r.patient;
        PatientJson {
            id: r.id,
            name: p.name().to_owned(),
            mrn: p.mrn().map(str::to_owned),
            date_of_birth: p.date_of_birth(),
            sex: p.sex().map(|s| s.as_str().to_owned()),
            diagnoses: p
                .diagnoses()
                .iter()
                .map(|d| DiagnosisJson {
                    code: d.code.code().to_owned(),
                    onset: d.onset,
                })
                .collect(),
            created_at: r.created_at,
        }
    }
}

/// The patients of the caller's clinic.
#[utoipa::path(get, path = "/patients", tag = "patients",
    responses((status = 200, body = Vec<PatientJson>), (status = 403, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<PatientJson>>, ApiError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "patients.list").await?;
    let all = cephalog_app::patients::list(&state.store, Some(who.user.clinic_id)).await?;
    Ok(Json(all.iter().map(PatientJson::from).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewPatient {
    /// At most 200 characters.
    #[schema(min_length = 1, max_length = 200)]
    pub name: String,
    /// The clinic's record number, unique in the clinic; at most 64 characters.
    #[schema(max_length = 64)]
    pub mrn: Option<String>,
    /// From 1900-01-01 to today.
    pub date_of_birth: NaiveDate,
    #[schema(value_type = Option<super::schema::Sex>)]
    pub sex: Option<String>,
    /// At most 2,000 characters.
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub notes: String,
    #[serde(default, deserialize_with = "super::schema::objects")]
    pub diagnoses: Vec<DiagnosisJson>,
}

/// Adds a patient to the caller's clinic.
#[utoipa::path(post, path = "/patients", tag = "patients", request_body = NewPatient,
    responses((status = 201, body = PatientJson), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(n): Json<NewPatient>,
) -> Result<(StatusCode, Json<PatientJson>), ApiError> {
    audit::clinic(&state, &who, ClinicNeed::AddPatient, "patient.add").await?;
    let sex = n
        .sex
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e| WebError::invalid("sex", e))?;
    let mut p = Patient::new(&n.name, n.date_of_birth, sex, n.mrn, n.notes, state.today())
        .map_err(|e| WebError::invalid(e.field(), e))?;
    for (i, d) in n.diagnoses.iter().enumerate() {
        let code = d
            .code
            .parse()
            .map_err(|e| WebError::invalid(format!("diagnoses[{i}].code"), e))?;
        p.diagnose(Diagnosis {
            code,
            onset: d.onset,
        })
        .map_err(|e| WebError::invalid(format!("diagnoses[{i}]"), e))?;
    }
    let r = cephalog_app::patients::add(&state.store, who.user.clinic_id, &p).await?;
    audit::record(
        &state,
        &who,
        "patient.add",
        "patient",
        &r.id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(PatientJson::from(&r))))
}

/// One patient.
#[utoipa::path(get, path = "/patients/{id}", tag = "patients",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, body = PatientJson), (status = 404, body = ErrorBody)))]
pub async fn get(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<PatientJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "patient.read").await?;
    Ok(Json(PatientJson::from(&r)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct MetricsQuery {
    /// Day-definition preset: any, label-4h (default) or ihs-30min.
    #[param(value_type = Option<super::schema::Preset>)]
    pub preset: Option<String>,
    /// 28d (default) or month.
    #[param(value_type = Option<super::schema::Period>)]
    pub period: Option<String>,
    /// First day, 1900-01-01 or later (default: the first diary day).
    pub from: Option<NaiveDate>,
    /// Last day, today or earlier and not before `from` (default: the last diary day).
    pub to: Option<NaiveDate>,
}

/// Headache, migraine and moderate/severe days, headache hours and acute-medication days by class
/// per period, normalised to 28 days where at least 80 % of the period is recorded.
#[utoipa::path(get, path = "/patients/{id}/metrics", tag = "patients",
    params(("id" = Uuid, Path, description = "patient id"), MetricsQuery),
    responses((status = 200, description = "The metrics report: preset and its definition, period kind, completeness floor and one entry per period", body = Object),
        (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn metrics(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<MetricsQuery>,
) -> Result<Json<MetricsReport>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "metrics.read").await?;
    let preset: DayPreset = q
        .preset
        .as_deref()
        .unwrap_or("label-4h")
        .parse()
        .map_err(|e| WebError::invalid("preset", e))?;
    let kind: PeriodKind = q
        .period
        .as_deref()
        .unwrap_or("28d")
        .parse()
        .map_err(|e| WebError::invalid("period", e))?;
    let report =
        cephalog_app::metrics(&state.store, &r, preset, kind, q.from, q.to, state.today()).await?;
    Ok(Json(report))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct OnQuery {
    /// The date to assess on (default: today).
    pub on: Option<NaiveDate>,
}

/// ICHD-3 diary criteria for chronic migraine, chronic tension-type headache, medication overuse
/// and occipital neuralgia, each with its months and reasons ("meets diary criteria for").
#[utoipa::path(get, path = "/patients/{id}/classification", tag = "patients",
    params(("id" = Uuid, Path, description = "patient id"), OnQuery),
    responses((status = 200, description = "The classification with the evidence of each criterion", body = Object),
        (status = 404, body = ErrorBody)))]
pub async fn classification(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<OnQuery>,
) -> Result<Json<Classification>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "classification.read").await?;
    let diary = cephalog_app::diary::diary(&state.store, r.id).await?;
    Ok(Json(classify_diary(
        &diary,
        r.patient.has_migraine_diagnosis(),
        q.on.unwrap_or_else(|| state.today()),
    )))
}
