//! FHIR R4: the patient's whole record as a Bundle (`$everything`).

use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use uuid::Uuid;

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody};
use crate::policy::Need;

const EVERYTHING: &str = "A FHIR R4 Bundle of type collection (application/fhir+json): the Patient (MRN and Cephalog id), a Condition per ICHD-3 diagnosis (ICD-10-CM and ICHD-3 codes), an Observation per diary day and per 28-day period of metrics, MedicationStatements for acute medicines, preventives and toxin given elsewhere, a Procedure and MedicationAdministration per session (CPT 64615, a body site per injection site, lot and expiry), nerve-block Procedures (CPT 64405), QuestionnaireResponses (MIDAS, HIT-6) and AdverseEvents. The same record always gives the same bytes.";

/// The patient's whole record as a FHIR R4 Bundle, as `cephalog fhir export` writes it.
#[utoipa::path(get, path = "/patients/{id}/$everything", tag = "fhir",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, description = EVERYTHING, content_type = "application/fhir+json", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn everything(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "fhir.export").await?;
    let bundle = cephalog_app::fhir::patient_bundle(&state.store, r.id).await?;
    Ok(([(header::CONTENT_TYPE, "application/fhir+json")], bundle).into_response())
}
