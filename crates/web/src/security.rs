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
/// A request carrying an `Authorization` header is not checked: it is authenticated by that header
/// alone (any cookie beside it is never read), and no page of another site can make a browser send
/// one without a CORS preflight, which this server never grants. A cookie-carrying request that
/// names no origin at all is refused: every browser that sends cookies sends one of the two
/// headers on a POST.
pub(crate) fn cross_origin_refusal(req: &Request) -> Option<&'static str> {
    if matches!(
        *req.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return None;
    }
    let h = req.headers();
    if h.get(header::AUTHORIZATION).is_some() {
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

/// The API's guard: refusals in its JSON error shape.
pub(crate) async fn screen_api_input(req: Request, next: Next) -> Response {
    screen_input(true, req, next).await
}

/// The pages' guard: refusals as an error page.
pub(crate) async fn screen_page_input(req: Request, next: Next) -> Response {
    screen_input(false, req, next).await
}

/// Refuses, with 422 naming the field, any request whose query string or form or JSON body holds a
/// NUL character (U+0000), and an API body that is JSON but not an object. No field of a clinical
/// record can hold a NUL: PostgreSQL refuses it in text and SQLite's `length` stops at it, so left
/// to the database it would fail there (a 500 on one engine, a stored text that reads shorter on
/// the other). Bodies are read at most to the body limit; multipart uploads are left to the
/// parsers of what they carry.
async fn screen_input(is_api: bool, req: Request, next: Next) -> Response {
    const NUL: &str = "holds a NUL character (U+0000), which no field accepts";
    let refuse = |field: String, message: &str| {
        let err = WebError::Invalid {
            field: Some(field),
            message: message.to_owned(),
        };
        if is_api {
            crate::error::ApiError(err).into_response()
        } else {
            PageError(err).into_response()
        }
    };
    if let Some(field) = req.uri().query().and_then(nul_in_form) {
        return refuse(field, NUL);
    }
    let kind = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        });
    let kind = match kind.as_deref() {
        Some("application/x-www-form-urlencoded") => BodyKind::Form,
        Some(k) if k == "application/json" || k.ends_with("+json") => BodyKind::Json,
        _ => return next.run(req).await,
    };
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > crate::BODY_LIMIT_BYTES) {
        // Refused by the extractor as too large, as before this guard.
        return next.run(req).await;
    }
    let (parts, body) = req.into_parts();
    let bytes = match axum::body::to_bytes(body, crate::BODY_LIMIT_BYTES).await {
        Ok(b) => b,
        // Answered as the extractors answer it; the API and the pages put it in their shape.
        Err(_) => return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response(),
    };
    if is_api && matches!(kind, BodyKind::Json) && !is_json_object(&bytes) {
        // Every API body is an object; serde would read a struct from an array of its fields.
        return refuse("body".to_owned(), "the body must be a JSON object");
    }
    let found = match kind {
        BodyKind::Form => std::str::from_utf8(&bytes).ok().and_then(nul_in_form),
        BodyKind::Json => nul_in_json(&bytes),
    };
    if let Some(field) = found {
        return refuse(field, NUL);
    }
    next.run(Request::from_parts(parts, axum::body::Body::from(bytes)))
        .await
}

/// The body's JSON text starts an object (an empty body is left to the extractor, which names it).
fn is_json_object(bytes: &[u8]) -> bool {
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b) => *b == b'{',
        None => true,
    }
}

enum BodyKind {
    Form,
    Json,
}

/// The first field of a query string or form body whose name or value decodes to text holding
/// NUL.
fn nul_in_form(encoded: &str) -> Option<String> {
    let lower = encoded.to_ascii_lowercase();
    if !lower.contains("%00") && !encoded.contains('\0') {
        return None;
    }
    form_urlencoded::parse(encoded.as_bytes())
        .find(|(k, v)| k.contains('\0') || v.contains('\0'))
        .map(|(k, _)| k.replace('\0', "\\u0000"))
}

/// The path (`days[3].notes`) of the first string or key of a JSON body holding NUL. Bodies that are
/// not JSON are left to the extractor, which names what is wrong with them.
fn nul_in_json(bytes: &[u8]) -> Option<String> {
    // A NUL can only be written `\u0000` in JSON text; most bodies have none.
    let escaped = bytes
        .windows(6)
        .any(|w| w[0] == b'\\' && w[1] == b'u' && w[2..].iter().all(|b| *b == b'0'));
    if !escaped {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(bytes).ok()?;
    fn walk(v: &serde_json::Value, path: &str) -> Option<String> {
        match v {
            serde_json::Value::String(s) if s.contains('\0') => Some(if path.is_empty() {
                "body".to_owned()
            } else {
                path.to_owned()
            }),
            serde_json::Value::Array(items) => items
                .iter()
                .enumerate()
                .find_map(|(i, item)| walk(item, &format!("{path}[{i}]"))),
            serde_json::Value::Object(map) => map.iter().find_map(|(k, item)| {
                let key = k.replace('\0', "\\u0000");
                let here = if path.is_empty() {
                    key
                } else {
                    format!("{path}.{key}")
                };
                if k.contains('\0') {
                    Some(here)
                } else {
                    walk(item, &here)
                }
            }),
            _ => None,
        }
    }
    walk(&value, "")
}

#[cfg(test)]
mod nul_tests {
    use super::*;

    #[test]
    fn a_nul_in_a_form_names_its_field() {
        assert_eq!(nul_in_form("a=1&decision=%00"), Some("decision".to_owned()));
        assert_eq!(nul_in_form("a=1&reason=x%00y"), Some("reason".to_owned()));
        assert_eq!(nul_in_form("a=1&b=%2500"), None, "an encoded '%00' is text");
        assert_eq!(nul_in_form("a=%0A&b=2"), None);
    }

    #[test]
    fn a_nul_in_json_names_its_path() {
        let body = br#"{"days":[{"date":"2026-01-01"},{"notes":"a\u0000b"}]}"#;
        assert_eq!(nul_in_json(body), Some("days[1].notes".to_owned()));
        assert_eq!(
            nul_in_json(br#"{"decision":"\u0000"}"#),
            Some("decision".to_owned())
        );
        // A backslash followed by "u0000" is text, not a NUL.
        assert_eq!(nul_in_json(br#"{"notes":"C:\\u0000"}"#), None);
        assert_eq!(nul_in_json(br#"{"notes":"plain"}"#), None);
    }
}
