//! Cross-origin request protection and the security headers every response carries.

use axum::extract::Request;
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceBuilder;
use tower::layer::util::{Identity, Stack};
use tower_http::set_header::SetResponseHeaderLayer;

use crate::error::{PageError, WebError};

/// Scripts and styles only from our own origin, no inline script or style, no framing, forms post
/// only to us.
const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

type Headers = Stack<
    SetResponseHeaderLayer<HeaderValue>,
    Stack<
        SetResponseHeaderLayer<HeaderValue>,
        Stack<
            SetResponseHeaderLayer<HeaderValue>,
            Stack<
                SetResponseHeaderLayer<HeaderValue>,
                Stack<SetResponseHeaderLayer<HeaderValue>, Identity>,
            >,
        >,
    >,
>;

/// Content-Security-Policy, X-Content-Type-Options, X-Frame-Options, Referrer-Policy and, unless a
/// handler chose otherwise, `Cache-Control: no-store` (pages carry patient data).
pub(crate) fn headers() -> ServiceBuilder<Headers> {
    ServiceBuilder::new()
        .layer(SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::X_FRAME_OPTIONS,
            HeaderValue::from_static("DENY"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        ))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-store"),
        ))
}

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");

/// Why an unsafe request is refused as cross-origin, if it is. Browsers say where a request comes
/// from in `Sec-Fetch-Site` (or, older ones, `Origin`); a request from another site is refused.
/// A request authenticated by an API token (no cookie can have been attached by a browser on
/// another site's behalf) is not checked. A cookie-carrying request that names no origin at all is
/// refused too: every browser that sends cookies sends one of the two headers on a POST.
pub(crate) fn cross_origin_refusal(req: &Request) -> Option<&'static str> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return None;
    }
    let h = req.headers();
    if h.get(header::AUTHORIZATION).is_some() && h.get(header::COOKIE).is_none() {
        return None;
    }
    if let Some(site) = h.get(SEC_FETCH_SITE) {
        return match site.as_bytes() {
            b"same-origin" | b"none" => None,
            _ => Some("the request came from another site"),
        };
    }
    match (h.get(header::ORIGIN), h.get(header::HOST)) {
        (Some(origin), Some(host)) => {
            let origin = origin.to_str().unwrap_or_default();
            let authority = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .unwrap_or_default();
            if authority.as_bytes() == host.as_bytes() {
                None
            } else {
                Some("the request's Origin is not this server")
            }
        }
        (Some(_), None) => Some("the request names no host"),
        (None, _) if h.get(header::COOKIE).is_some() => {
            Some("the request does not say where it came from")
        }
        (None, _) => None,
    }
}

pub(crate) async fn cross_origin_guard(req: Request, next: Next) -> Response {
    match cross_origin_refusal(&req) {
        None => next.run(req).await,
        Some(reason) => {
            tracing::warn!(reason, path = %req.uri().path(), "cross-origin request refused");
            let err = WebError::Forbidden(format!("refused: {reason}"));
            if req.uri().path().starts_with("/api/") {
                crate::error::ApiError(err).into_response()
            } else {
                PageError(err).into_response()
            }
        }
    }
}

/// The span of a request in the logs: method, route and a request id — never patient data (the
/// path carries only opaque ids, and the query string is left out).
pub(crate) fn request_span(req: &Request) -> tracing::Span {
    let route = req
        .extensions()
        .get::<axum::extract::MatchedPath>()
        .map_or_else(|| req.uri().path().to_owned(), |m| m.as_str().to_owned());
    tracing::info_span!("request", method = %req.method(), route = %route, id = %uuid::Uuid::now_v7())
}
