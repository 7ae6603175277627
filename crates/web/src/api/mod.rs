//! The JSON API, versioned under `/api/v1`. The OpenAPI document at `/api/v1/openapi.json` is
//! generated from the handlers' annotations, so it lists exactly the routes served.
//!
//! Clients authenticate with a per-user token (`Authorization: Bearer cph_…`, created at
//! `POST /api/v1/tokens` or with `cephalog user token`) or with the browser session. The same
//! access rules and audit trail apply as to the pages.

mod diary;
mod fhir;
mod history;
mod pathway;
mod patients;
mod safety;
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
    components(schemas(ErrorBody, ErrorDetail)),
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
        .routes(routes!(history::patient_history))
        .routes(routes!(history::record_history))
        .routes(routes!(history::entered_in_error))
        .routes(routes!(pathway::attest_overuse))
        .routes(routes!(pathway::questionnaires, pathway::add_questionnaire))
        .routes(routes!(pathway::response))
        .routes(routes!(treatment::plan))
        .routes(routes!(treatment::sessions, treatment::record))
        .routes(routes!(treatment::schedule))
        .routes(routes!(safety::list, safety::add))
        .routes(routes!(safety::clinic_list))
        .routes(routes!(safety::get))
        .routes(routes!(safety::acknowledge))
        .routes(routes!(fhir::everything))
}

/// The OpenAPI document of the API, as served.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api().split_for_parts().1
}

pub(crate) fn router() -> Router<AppState> {
    let (router, doc) = api().split_for_parts();
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
