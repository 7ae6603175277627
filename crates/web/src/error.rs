//! One error type for handlers. API routes answer JSON (`{"error": {"code", "message", "field"}}`);
//! pages answer an HTML page or, when nobody is signed in, a redirect to the sign-in page. A 5xx is
//! logged in full and answered opaquely.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Serialize;

use cephalog_store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("sign in first")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    NotFound(String),
    #[error("{message}")]
    Invalid {
        field: Option<String>,
        message: String,
    },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    TooManyAttempts(String),
    /// An API token went over its requests per minute; it may try again after `retry_after`
    /// seconds.
    #[error(
        "this API token has made more than {limit} requests this minute; nothing was done. \
         Try again in {retry_after} s"
    )]
    RateLimited { limit: u32, retry_after: u64 },
    #[error("internal error: {0}")]
    Internal(String),
}

impl WebError {
    pub fn invalid(field: impl Into<String>, message: impl ToString) -> Self {
        WebError::Invalid {
            field: Some(field.into()),
            message: message.to_string(),
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::Unauthenticated => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) => StatusCode::FORBIDDEN,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::Invalid { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooManyAttempts(_) | WebError::RateLimited { .. } => {
                StatusCode::TOO_MANY_REQUESTS
            }
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The machine-readable code of the JSON error.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::Unauthenticated => "unauthenticated",
            WebError::Forbidden(_) => "forbidden",
            WebError::NotFound(_) => "not_found",
            WebError::Invalid { .. } => "invalid",
            WebError::Conflict(_) => "conflict",
            WebError::TooManyAttempts(_) => "too_many_attempts",
            WebError::RateLimited { .. } => "rate_limited",
            WebError::Internal(_) => "internal",
        }
    }

    /// What the user may be told: everything but the detail of an internal error.
    pub fn public_message(&self) -> String {
        match self {
            WebError::Internal(detail) => {
                tracing::error!(%detail, "internal error");
                "something went wrong on the server; the error has been logged".to_owned()
            }
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::PatientNotFound(_) | StoreError::NotFound(_) => {
                WebError::NotFound(e.to_string())
            }
            StoreError::DuplicateMrn(_)
            | StoreError::AmbiguousMrn(_)
            | StoreError::AlreadyAcknowledged(_)
            | StoreError::AlreadyReviewed(_)
            | StoreError::PatientExists { .. }
            | StoreError::DuplicateUsername(_)
            | StoreError::DatesAlreadyStored { .. }
            | StoreError::QuestionnaireExists { .. }
            | StoreError::ChangedMeanwhile(_) => WebError::Conflict(e.to_string()),
            StoreError::SessionRefused(_) => WebError::Conflict(e.to_string()),
            StoreError::ChangeIncomplete(what) => WebError::Invalid {
                field: Some(if what == "reason" { "reason" } else { "actor" }.to_owned()),
                message: e.to_string(),
            },
            StoreError::Invalid { field, .. } => WebError::invalid(field, e),
            StoreError::Limit(ref l) => WebError::invalid(l.field, &e),
            StoreError::Diary(ref d) => WebError::invalid(d.field(), &e),
            StoreError::Patient(cephalog_core::PatientError::Limit(ref l)) => {
                WebError::invalid(l.field, &e)
            }
            StoreError::Patient(_)
            | StoreError::Drug(_)
            | StoreError::Prom(_)
            | StoreError::Session(_)
            | StoreError::NulInText
            | StoreError::PatientAccount => WebError::Invalid {
                field: None,
                message: e.to_string(),
            },
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<cephalog_app::AppError> for WebError {
    fn from(e: cephalog_app::AppError) -> Self {
        match e {
            cephalog_app::AppError::Store(s) => s.into(),
            cephalog_app::AppError::UnknownRuleSet { .. } => WebError::invalid("rules", e),
            cephalog_app::AppError::Filter { filter, reason } => WebError::invalid(filter, reason),
            cephalog_app::AppError::Limit(ref l) => WebError::invalid(l.field, &e),
            cephalog_app::AppError::Safety(s) => WebError::invalid(s.field(), s),
            cephalog_app::AppError::NotPlanned { index, .. } => {
                WebError::invalid(format!("skipped[{index}]"), e)
            }
            cephalog_app::AppError::NoSessionOn { index, .. } => {
                WebError::invalid(format!("session_dates[{index}]"), e)
            }
            cephalog_app::AppError::NotFlagged(_)
            | cephalog_app::AppError::NothingToReview(_)
            | cephalog_app::AppError::NotValidIcsr { .. } => WebError::Conflict(e.to_string()),
            cephalog_app::AppError::Session(_) | cephalog_app::AppError::Protocol(_) => {
                WebError::Invalid {
                    field: None,
                    message: e.to_string(),
                }
            }
            other => WebError::Internal(other.to_string()),
        }
    }
}

impl From<tower_sessions::session::Error> for WebError {
    fn from(e: tower_sessions::session::Error) -> Self {
        WebError::Internal(format!("session: {e}"))
    }
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// A JSON error.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable: invalid, unauthenticated, forbidden, not_found, method_not_allowed,
    /// conflict, too_large, unsupported_media_type, too_many_attempts, rate_limited, internal.
    pub code: String,
    pub message: String,
    /// The request field at fault, when one is.
    pub field: Option<String>,
}

/// A [`WebError`] answered as JSON (API routes).
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl<E: Into<WebError>> From<E> for ApiError {
    fn from(e: E) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let field = match &self.0 {
            WebError::Invalid { field, .. } => field.clone(),
            _ => None,
        };
        let message = self.0.public_message();
        let refusal = crate::request_audit::Refusal(match &field {
            Some(f) => format!("{f}: {message}"),
            None => message.clone(),
        });
        let body = ErrorBody {
            error: ErrorDetail {
                code: self.0.code().to_owned(),
                message,
                field,
            },
        };
        let mut response = (self.0.status(), Json(body)).into_response();
        if let WebError::RateLimited { retry_after, .. } = self.0 {
            response
                .headers_mut()
                .insert(axum::http::header::RETRY_AFTER, retry_after.into());
        }
        response.extensions_mut().insert(refusal);
        response
    }
}

/// A [`WebError`] answered as a page (HTML routes).
#[derive(Debug)]
pub struct PageError(pub WebError);

impl<E: Into<WebError>> From<E> for PageError {
    fn from(e: E) -> Self {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, WebError::Unauthenticated) {
            return Redirect::to("/login").into_response();
        }
        let status = self.0.status();
        let message = self.0.public_message();
        let refusal = crate::request_audit::Refusal(match &self.0 {
            WebError::Invalid {
                field: Some(f),
                message,
            } => format!("{f}: {message}"),
            _ => message.clone(),
        });
        let text = crate::layout::ErrorText {
            title: status.canonical_reason().unwrap_or("Error").to_owned(),
            message,
        };
        let page = crate::layout::ErrorPage {
            nav: None,
            status: status.as_u16(),
            title: text.title.clone(),
            message: text.message.clone(),
        };
        let mut response = match askama::Template::render(&page) {
            Ok(html) => (status, Html(html)).into_response(),
            Err(e) => {
                tracing::error!(error = %e, "cannot render the error page");
                status.into_response()
            }
        };
        response.extensions_mut().insert(refusal);
        response.extensions_mut().insert(text);
        response
    }
}
