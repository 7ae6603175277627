//! The JSON API, versioned under `/api/v1`. The OpenAPI document at `/api/v1/openapi.json` is
//! generated from the handlers' annotations, so it lists exactly the routes served.
//!
//! Clients authenticate with a per-user token (`Authorization: Bearer cph_…`, created at
//! `POST /api/v1/tokens` or with `cephalog user token`) or with the browser session. The same
//! access rules and audit trail apply as to the pages.

mod diary;
mod patients;
mod tokens;

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
}
