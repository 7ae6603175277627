//! Who is asking: a signed-in browser session or an API token, resolved to an enabled user on
//! every request. Sign-in with throttling, sign-out, and API token issue and revocation.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::header;
use axum::http::request::Parts;
use chrono::{Duration, Utc};
use rand::RngCore;
use sha2::{Digest, Sha256};
use tower_sessions::Session;

use cephalog_auth::{Username, verify_password};
use cephalog_store::{Store, TokenScope, UserRecord};

use crate::AppState;
use crate::error::WebError;

const USER_KEY: &str = "uid";
const SIGNED_IN_KEY: &str = "signed_in";
const SEEN_KEY: &str = "seen";
/// A session's idle expiry is pushed back at most this often (each push is a database write).
const TOUCH_EVERY_SECS: i64 = 60;

/// Failed sign-ins counted over this window.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failed sign-ins for one username within the window before it is refused: OWASP Authentication
/// Cheat Sheet ("Account Lockout": lock after a small number of failures for a limited time)
/// [unverified default].
pub const MAX_FAILURES_PER_USER: i64 = 5;
/// Failed sign-ins from one address within the window (a ward shares an address) [unverified
/// default].
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

/// How the request was authenticated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Session,
    Token,
}

/// The signed-in user of a request, and where the request came from (for the audit trail).
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: UserRecord,
    pub via: Via,
    /// The token's scope (`None` for a browser session).
    pub scope: Option<TokenScope>,
    /// "web 10.0.0.7" or "api 10.0.0.7".
    pub source: String,
    /// Where this request's audit entries are collected.
    pub audit: Option<crate::request_audit::RequestAudit>,
}

/// The client's address: the connection's peer, or the last `X-Forwarded-For` hop when the server
/// is configured to trust its load balancer.
pub fn client_address(parts: &Parts, state: &AppState) -> String {
    if state.config.trust_forwarded_for
        && let Some(last) = parts
            .headers
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
    {
        return last.trim().to_owned();
    }
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or_else(|| "unknown".to_owned(), |c| c.0.ip().to_string())
}

/// The SHA-256 of an API token, as stored.
pub fn token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new API token: "cph_" and 32 random bytes in hex.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    format!("cph_{}", hex::encode(bytes))
}

async fn enabled_user(store: &Store, id: uuid::Uuid) -> Result<Option<UserRecord>, WebError> {
    match store.user(id).await {
        Ok(u) if !u.disabled => Ok(Some(u)),
        Ok(_) | Err(cephalog_store::StoreError::NotFound(_)) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

impl FromRequestParts<AppState> for Principal {
    /// JSON for the API, a redirect to the sign-in page (or an error page) for pages.
    type Rejection = axum::response::Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, axum::response::Response> {
        use axum::response::IntoResponse;
        let api = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path(), |u| u.0.path())
            .starts_with("/api/");
        principal(parts, state).await.map_err(|e| {
            if api {
                crate::error::ApiError(e).into_response()
            } else {
                crate::error::PageError(e).into_response()
            }
        })
    }
}

/// The signed-in user (session or token) when there is one, for pages that show the navigation
/// whoever asks (error pages).
pub(crate) async fn principal_if_signed_in(
    parts: &mut Parts,
    state: &AppState,
) -> Option<Principal> {
    principal(parts, state).await.ok()
}

/// The request's principal: found once (session or token, and the user), then kept with the
/// request, so a second extractor neither reloads the user nor counts the token twice.
async fn principal(parts: &mut Parts, state: &AppState) -> Result<Principal, WebError> {
    if let Some(known) = parts.extensions.get::<Principal>() {
        return Ok(known.clone());
    }
    let found = find_principal(parts, state).await?;
    parts.extensions.insert(found.clone());
    Ok(found)
}

async fn find_principal(parts: &mut Parts, state: &AppState) -> Result<Principal, WebError> {
    let address = client_address(parts, state);
    if let Some(auth) = parts.headers.get(header::AUTHORIZATION) {
        let token = auth
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(WebError::Unauthenticated)?;
        let used = state
            .store
            .use_api_token(&token_hash(token.trim()))
            .await?
            .ok_or(WebError::Unauthenticated)?;
        let limit = state.config.api_requests_per_minute;
        if used.requests_this_minute > u64::from(limit) {
            return Err(WebError::RateLimited {
                limit,
                retry_after: used.minute_ends_in_seconds,
            });
        }
        let (id, scope) = (used.user, used.scope);
        let user = enabled_user(&state.store, id)
            .await?
            .ok_or(WebError::Unauthenticated)?;
        if scope == TokenScope::Read && !parts.method.is_safe() {
            return Err(WebError::Forbidden(
                "this API token may only read (scope read); writing needs a read_write token"
                    .to_owned(),
            ));
        }
        return Ok(Principal {
            user,
            via: Via::Token,
            scope: Some(scope),
            source: format!("api {address}"),
            audit: parts.extensions.get().cloned(),
        });
    }
    let session = Session::from_request_parts(parts, state)
        .await
        .map_err(|(_, msg)| WebError::Internal(msg.to_owned()))?;
    let Some(id) = session.get::<uuid::Uuid>(USER_KEY).await? else {
        return Err(WebError::Unauthenticated);
    };
    let now = Utc::now().timestamp();
    let signed_in = session.get::<i64>(SIGNED_IN_KEY).await?.unwrap_or(0);
    let absolute = i64::try_from(state.config.absolute_timeout.as_secs()).unwrap_or(i64::MAX);
    if now.saturating_sub(signed_in) > absolute {
        session.flush().await?;
        return Err(WebError::Unauthenticated);
    }
    let Some(user) = enabled_user(&state.store, id).await? else {
        session.flush().await?;
        return Err(WebError::Unauthenticated);
    };
    let seen = session.get::<i64>(SEEN_KEY).await?.unwrap_or(0);
    if now - seen >= TOUCH_EVERY_SECS {
        session.insert(SEEN_KEY, now).await?;
    }
    Ok(Principal {
        user,
        via: Via::Session,
        scope: None,
        source: format!("web {address}"),
        audit: parts.extensions.get().cloned(),
    })
}

/// Why a sign-in was refused.
#[derive(Debug, thiserror::Error)]
pub enum SignInError {
    #[error("the username or password is not right")]
    Wrong,
    #[error(
        "too many failed sign-ins; wait {THROTTLE_WINDOW_MINUTES} minutes or ask an administrator"
    )]
    Throttled,
    #[error(transparent)]
    Web(#[from] WebError),
}

impl From<cephalog_store::StoreError> for SignInError {
    fn from(e: cephalog_store::StoreError) -> Self {
        SignInError::Web(e.into())
    }
}

/// Checks a username and password, counting failures per username and per address; on success
/// starts a fresh session (new id) for the user.
pub async fn sign_in(
    state: &AppState,
    session: &Session,
    address: &str,
    username: &str,
    password: &str,
) -> Result<UserRecord, SignInError> {
    let store = &state.store;
    let name = username.trim().to_lowercase();
    let user_key = format!("user:{name}");
    let ip_key = format!("ip:{address}");
    let since = Utc::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    if store.login_failures(&user_key, since).await?.0 >= MAX_FAILURES_PER_USER
        || store.login_failures(&ip_key, since).await?.0 >= MAX_FAILURES_PER_ADDRESS
    {
        return Err(SignInError::Throttled);
    }
    let found = match Username::new(&name) {
        Ok(u) => store.user_with_hash(&u).await?,
        Err(_) => None,
    };
    let candidate = found
        .as_ref()
        .filter(|(user, _)| !user.disabled)
        .map(|(_, hash)| hash.clone());
    let password = password.to_owned();
    // Hashing is deliberately slow: off the async workers. An unknown username is checked against
    // a hash of a random password, so timing does not tell which usernames exist.
    let ok = tokio::task::spawn_blocking(move || match candidate {
        Some(hash) => verify_password(&password, &hash),
        None => {
            let _ = verify_password(&password, dummy_hash());
            false
        }
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let (true, Some((user, _))) = (ok, found) else {
        store.add_login_failure(&[user_key, ip_key]).await?;
        return Err(SignInError::Wrong);
    };
    store.clear_login_failures(&user_key).await?;
    session.cycle_id().await.map_err(WebError::from)?;
    session
        .insert(USER_KEY, user.id)
        .await
        .map_err(WebError::from)?;
    let now = Utc::now().timestamp();
    session
        .insert(SIGNED_IN_KEY, now)
        .await
        .map_err(WebError::from)?;
    session
        .insert(SEEN_KEY, now)
        .await
        .map_err(WebError::from)?;
    Ok(user)
}

/// Checks the signed-in user's password again before a sensitive step (creating an API token).
/// Failures count towards the user's sign-in throttle; a wrong password answers 403.
pub async fn confirm_password(
    state: &AppState,
    user: &UserRecord,
    password: &str,
) -> Result<(), WebError> {
    let store = &state.store;
    let user_key = format!("user:{}", user.username);
    let since = Utc::now() - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    if store.login_failures(&user_key, since).await?.0 >= MAX_FAILURES_PER_USER {
        return Err(WebError::TooManyAttempts(format!(
            "too many failed sign-ins; wait {THROTTLE_WINDOW_MINUTES} minutes or ask an administrator"
        )));
    }
    let hash = store
        .user_with_hash(&user.username)
        .await?
        .map(|(_, hash)| hash)
        .ok_or(WebError::Unauthenticated)?;
    let password = password.to_owned();
    let ok = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?;
    if ok {
        Ok(())
    } else {
        store.add_login_failure(&[user_key]).await?;
        Err(WebError::Forbidden(
            "password: the password is not right".to_owned(),
        ))
    }
}

/// Ends the session.
pub async fn sign_out(session: &Session) -> Result<(), WebError> {
    session.flush().await?;
    Ok(())
}

/// An argon2id hash of a random password nobody knows, checked when the username does not exist.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        cephalog_auth::hash_password(&cephalog_auth::generate_password()).unwrap_or_default()
    })
}
