//! The JSON API, versioned under `/api/v1`. The OpenAPI document at `/api/v1/openapi.json` is
//! generated from the handlers' annotations, so it lists exactly the routes served.
//!
//! Clients authenticate with a per-user token (`Authorization: Bearer cph_…`, created at
//! `POST /api/v1/tokens` or with `cephalog user token`) or with the browser session. The same
//! access rules and audit trail apply as to the pages.

mod cohort;
mod diary;
mod fhir;
mod history;
mod pathway;
mod patients;
mod safety;
pub(crate) mod schema;
mod tokens;
mod treatment;

pub(crate) use diary::change;

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::{ErrorBody, ErrorDetail};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Cephalog API",
        version = "1",
        description = "Headache diaries, metrics, ICHD-3 diary classification, eligibility, botulinum-toxin treatment, response and safety. Decision support only: results say what a diary meets, the clinician decides."
    ),
    servers((url = "/api/v1")),
    // Every value set, whether a body or a parameter refers to it (parameters' references are not
    // collected on their own).
    components(schemas(
        ErrorBody, ErrorDetail,
        schema::Preset, schema::Period, schema::RecordKind, schema::Intensity, schema::Sex,
        schema::Ichd3Code, schema::TrialOutcome, schema::PreventiveClass, schema::Instrument,
        schema::Seriousness, schema::ActionTaken, schema::EventOutcome, schema::Causality,
        schema::PlanKind, schema::SessionPlan, schema::Side, schema::LeftRight, schema::Muscle,
        schema::FtpMuscle, schema::OverridableCheck, schema::CohortScope,
    )),
    modifiers(&BearerAuth),
    security(("token" = []), ("session" = []))
)]
struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "token",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(utoipa::openapi::security::ApiKey::Cookie(
                utoipa::openapi::security::ApiKeyValue::new("__Host-cephalog"),
            )),
        );
    }
}

fn api() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(tokens::list, tokens::create))
        .routes(routes!(tokens::revoke))
        .routes(routes!(patients::list, patients::create))
        .routes(routes!(patients::get))
        .routes(routes!(patients::metrics))
        .routes(routes!(patients::classification))
        .routes(routes!(diary::list))
        .routes(routes!(diary::upsert, diary::get_day))
        .routes(routes!(diary::bulk))
        .routes(routes!(diary::history))
        .routes(routes!(diary::entered_in_error))
        .routes(routes!(pathway::rule_sets))
        .routes(routes!(pathway::eligibility))
        .routes(routes!(pathway::preventives, pathway::add_preventive))
        .routes(routes!(pathway::correct_preventive))
        .routes(routes!(pathway::correct_questionnaire))
        .routes(routes!(pathway::review_questionnaire))
        .routes(routes!(history::patient_history))
        .routes(routes!(history::record_history))
        .routes(routes!(history::entered_in_error))
        .routes(routes!(pathway::attest_overuse))
        .routes(routes!(pathway::questionnaires, pathway::add_questionnaire))
        .routes(routes!(pathway::response))
        .routes(routes!(treatment::plan))
        .routes(routes!(treatment::sessions, treatment::record))
        .routes(routes!(treatment::schedule))
        .routes(routes!(cohort::cohort))
        .routes(routes!(safety::list, safety::add))
        .routes(routes!(safety::clinic_list))
        .routes(routes!(safety::get))
        .routes(routes!(safety::acknowledge))
        .routes(routes!(fhir::everything))
}

/// The OpenAPI document of the API as served by an installation with the shipped rule sets.
pub fn openapi() -> utoipa::openapi::OpenApi {
    let shipped: Vec<String> = cephalog_app::load_rule_sets(None)
        .map(|sets| sets.into_iter().map(|r| r.id).collect())
        .unwrap_or_default();
    let mut doc = api().split_for_parts().1;
    document(&mut doc, &shipped);
    doc
}

/// What the handlers' annotations cannot say: the error answers, and the rule sets this
/// installation has (the shipped ones and the clinic's own).
fn document(doc: &mut utoipa::openapi::OpenApi, rule_sets: &[String]) {
    document_errors(doc);
    document_rule_sets(doc, rule_sets);
}

/// Every `rules` parameter lists the rule-set ids the server knows.
fn document_rule_sets(doc: &mut utoipa::openapi::OpenApi, ids: &[String]) {
    use utoipa::openapi::RefOr;
    if ids.is_empty() {
        return;
    }
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            for p in op.parameters.iter_mut().flatten() {
                if let RefOr::T(p) = p
                    && p.name == "rules"
                {
                    p.schema = Some(RefOr::T(
                        utoipa::openapi::ObjectBuilder::new()
                            .schema_type(utoipa::openapi::schema::Type::String)
                            .enum_values(Some(ids.iter().cloned()))
                            .into(),
                    ));
                }
            }
        }
    }
}

/// The error answers every route can give, whatever its handler does: who is asking (401, 403),
/// the per-token rate (429), a malformed path or query (400), a record that is not there or not
/// the caller's (404), a body that is too large, not JSON or not valid (413, 415, 400, 422).
/// Answers particular to a route (409) are declared on its handler.
fn document_errors(doc: &mut utoipa::openapi::OpenApi) {
    use utoipa::openapi::path::ParameterIn;
    use utoipa::openapi::{Ref, RefOr, ResponseBuilder};
    for item in doc.paths.paths.values_mut() {
        let operations = [
            &mut item.get,
            &mut item.put,
            &mut item.post,
            &mut item.delete,
            &mut item.patch,
        ];
        for op in operations.into_iter().flatten() {
            let params: Vec<ParameterIn> = op
                .parameters
                .iter()
                .flatten()
                .filter_map(|p| match p {
                    RefOr::T(p) => Some(p.parameter_in.clone()),
                    RefOr::Ref(_) => None,
                })
                .collect();
            let in_path = params.iter().any(|p| matches!(p, ParameterIn::Path));
            let in_query = params.iter().any(|p| matches!(p, ParameterIn::Query));
            let body = op.request_body.is_some();
            let mut errors: Vec<(u16, &str)> = vec![
                (
                    401,
                    "No valid token or session: sign in or send `Authorization: Bearer cph_…`.",
                ),
                (
                    403,
                    "The caller's role, or a read-only token, may not do this.",
                ),
                (
                    429,
                    "The token made more requests this minute than the server allows; `Retry-After` says when to try again.",
                ),
            ];
            if in_path || in_query || body {
                errors.push((
                    400,
                    "A path or query value, or the body's JSON, could not be read.",
                ));
            }
            if in_path {
                errors.push((404, "No such record, or not one the caller may see."));
            }
            if body {
                errors.push((
                    413,
                    "The body is larger than the server accepts; nothing was stored.",
                ));
                errors.push((415, "The body is not sent as `application/json`."));
            }
            if body || in_query {
                errors.push((
                    422,
                    "A value is out of range or contradicts another; `field` names it.",
                ));
            }
            for (status, description) in errors {
                let mut response = ResponseBuilder::new().description(description).content(
                    "application/json",
                    utoipa::openapi::Content::new(Some(Ref::from_schema_name("ErrorBody"))),
                );
                if status == 429 {
                    response = response.header(
                        "Retry-After",
                        utoipa::openapi::header::HeaderBuilder::new()
                            .schema(Some(
                                utoipa::openapi::ObjectBuilder::new()
                                    .schema_type(utoipa::openapi::schema::Type::Integer)
                                    .minimum(Some(1)),
                            ))
                            .description(Some("Seconds until the token may send again."))
                            .build(),
                    );
                }
                op.responses
                    .responses
                    .entry(status.to_string())
                    .or_insert_with(|| RefOr::T(response.build()));
            }
        }
    }
}

pub(crate) fn router(rule_sets: &[String]) -> Router<AppState> {
    let (router, mut doc) = api().split_for_parts();
    document(&mut doc, rule_sets);
    let doc = std::sync::Arc::new(doc);
    router
        .route(
            "/openapi.json",
            get(move || {
                let doc = doc.clone();
                async move { Json(doc.as_ref().clone()) }
            }),
        )
        .fallback(|| async {
            crate::error::ApiError(crate::error::WebError::NotFound(
                "no such API route".to_owned(),
            ))
        })
        .layer(axum::middleware::from_fn(crate::security::screen_api_input))
        .layer(axum::middleware::map_response(json_errors))
}

/// The error code of a status the framework answered itself.
fn status_code_word(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 | 422 => "invalid",
        401 => "unauthenticated",
        403 => "forbidden",
        404 => "not_found",
        405 => "method_not_allowed",
        409 => "conflict",
        413 => "too_large",
        415 => "unsupported_media_type",
        429 => "too_many_attempts",
        500..=599 => "internal",
        _ => "error",
    }
}

/// The request field a framework rejection names, e.g. `days[3].headache_minutes` in "Failed to
/// deserialize the JSON body into the target type: days[3].headache_minutes: invalid type …".
fn rejected_field(message: &str) -> Option<String> {
    let (_, rest) = message.split_once("target type: ")?;
    let (path, _) = rest.split_once(": ")?;
    (!path.is_empty() && !path.contains(' ') && path != ".").then(|| path.to_owned())
}

/// Errors the framework answers before a handler runs (a body that is not the JSON asked for, a
/// malformed id or date in the path or query, a method the path does not take) answered in the
/// API's JSON error shape like every other error.
async fn json_errors(response: Response) -> Response {
    let status = response.status();
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !(status.is_client_error() || status.is_server_error()) || is_json {
        return response;
    }
    let (parts, body) = response.into_parts();
    let text = axum::body::to_bytes(body, 64 * 1024)
        .await
        .map(|b| String::from_utf8_lossy(&b).trim().to_owned())
        .unwrap_or_default();
    let message = if status == StatusCode::PAYLOAD_TOO_LARGE {
        format!(
            "the request body is larger than the {} MB the server accepts; nothing was stored. \
             Send fewer days per request (a year of diary is about 200 kB)",
            crate::BODY_LIMIT_BYTES / (1024 * 1024)
        )
    } else if text.is_empty() {
        status
            .canonical_reason()
            .unwrap_or("the request was refused")
            .to_lowercase()
    } else {
        text
    };
    let field = rejected_field(&message);
    let mut out = (
        status,
        Json(ErrorBody {
            error: ErrorDetail {
                code: status_code_word(status).to_owned(),
                message,
                field,
            },
        }),
    )
        .into_response();
    for (name, value) in &parts.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            out.headers_mut().append(name.clone(), value.clone());
        }
    }
    out
}
