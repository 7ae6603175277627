//! Cephalog's web server: the pages clinicians and patients use and the versioned JSON API.
//!
//! The server keeps no state of its own: sessions, sign-in throttling counters and everything else
//! live in the database, so several servers can run behind a load balancer on one PostgreSQL.
//! Every route checks who is asking ([`auth::Principal`]) against [`policy`], and every read and
//! write of patient data is recorded in the audit trail ([`audit`]).

pub mod api;
mod assets;
pub mod audit;
pub mod auth;
mod cohort;
mod config;
pub mod error;
mod layout;
pub mod pages;
pub mod policy;
mod request_audit;
mod security;
mod sessions;
mod state;
#[cfg(test)]
mod tests;

use std::net::SocketAddr;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;
use tower_sessions::SessionManagerLayer;
use tower_sessions::cookie::SameSite;

pub use config::{Clock, Config};
pub use state::AppState;

/// Request bodies above this are refused (a year of diary as JSON is about 200 kB).
pub(crate) const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// Requests taking longer than this are answered 408.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Every route of the application with its middleware.
pub fn router(state: AppState) -> Router {
    let secure = state.config.secure_cookies;
    let sessions = SessionManagerLayer::new(sessions::DbSessionStore::new(state.store.clone()))
        .with_name(if secure {
            "__Host-cephalog"
        } else {
            "cephalog"
        })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(tower_sessions::Expiry::OnInactivity(
            time::Duration::try_from(state.config.idle_timeout).unwrap_or(time::Duration::MINUTE),
        ));
    let rule_sets: Vec<String> = state.rules.iter().map(|r| r.id.clone()).collect();
    Router::new()
        .merge(pages::router(state.clone()))
        .nest("/api/v1", api::router(&rule_sets))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .merge(assets::router())
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            audit::layer,
        ))
        .layer(axum::middleware::from_fn(security::cross_origin_guard))
        .layer(sessions)
        .layer(security::headers())
        .layer(DefaultBodyLimit::max(BODY_LIMIT_BYTES))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .layer(TraceLayer::new_for_http().make_span_with(security::request_span))
        .with_state(state)
}

/// Ready when the database answers.
async fn ready(axum::extract::State(state): axum::extract::State<AppState>) -> StatusCode {
    match state.store.applied_migrations().await {
        Ok(_) => StatusCode::OK,
        Err(e) => {
            tracing::error!(error = %e, "database not ready");
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Serves until `shutdown` completes, then finishes the requests in flight.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone());
    let sweeper = tokio::spawn(sessions::sweep_expired(state.store.clone()));
    let checkpoints = tokio::spawn(audit::checkpoint_every_minute(state.store.clone()));
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await;
    sweeper.abort();
    checkpoints.abort();
    // The last entries are covered before the server stops.
    if let Err(e) = state.store.write_checkpoint().await {
        tracing::error!(error = %e, "cannot write the audit checkpoint");
    }
    served
}
