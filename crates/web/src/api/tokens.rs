//! Per-user API tokens: shown once on creation, stored as a SHA-256 hash, revocable. Each has a
//! scope (`read`: safe methods only, or `read_write`) and an expiry (default 90 days, at most
//! 365 [unverified default]). Tokens are created only from a signed-in browser session with the
//! password given again (or with `cephalog user token`): a bearer token cannot mint another, so a
//! leaked token dies with its own revocation or expiry.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::AppState;
use crate::audit;
use crate::auth::{Principal, Via, confirm_password, new_token, token_hash};
use crate::error::{ApiError, ErrorBody, WebError};
use cephalog_store::TokenScope;

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewToken {
    /// What the token is for, e.g. "EHR bridge".
    pub name: String,
    /// The signed-in user's password, given again.
    pub password: String,
    /// `read` (GET only; the default) or `read_write`.
    #[serde(default)]
    #[schema(value_type = Option<String>)]
    pub scope: Option<TokenScope>,
    /// Days until the token expires: 1 to 365, default 90 [unverified default].
    #[serde(default, deserialize_with = "super::schema::optional_integer")]
    #[schema(minimum = 1, maximum = 365)]
    pub expires_in_days: Option<i64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Token {
    pub id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// `read` or `read_write`.
    #[schema(value_type = String)]
    pub scope: TokenScope,
    pub expires_at: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub token: Token,
    /// The token itself: shown this once, never again.
    pub secret: String,
}

impl From<cephalog_store::ApiTokenRecord> for Token {
    fn from(t: cephalog_store::ApiTokenRecord) -> Self {
        Token {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked_at: t.revoked_at,
            scope: t.scope,
            expires_at: t.expires_at,
        }
    }
}

/// The caller's own API tokens.
#[utoipa::path(get, path = "/tokens", tag = "tokens",
    responses((status = 200, body = Vec<Token>), (status = 401, body = ErrorBody)))]
pub async fn list(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<Token>>, ApiError> {
    let tokens = state.store.api_tokens(who.user.id).await?;
    Ok(Json(tokens.into_iter().map(Token::from).collect()))
}

/// Creates a token for the caller; the secret is in the answer and nowhere else. Only from a
/// signed-in browser session, with the password given again: a request with a bearer token
/// answers 403.
#[utoipa::path(post, path = "/tokens", tag = "tokens", request_body = NewToken,
    responses((status = 201, body = CreatedToken), (status = 401, body = ErrorBody),
        (status = 403, description = "Asked with an API token (tokens are created from a browser session or the CLI), or the password is not right", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    Json(t): Json<NewToken>,
) -> Result<(StatusCode, Json<CreatedToken>), ApiError> {
    if who.via == Via::Token {
        return Err(WebError::Forbidden(
            "API tokens are created from a signed-in browser session (with the password) or with \
             `cephalog user token`, never with another token"
                .to_owned(),
        )
        .into());
    }
    if t.name.trim().is_empty() {
        return Err(WebError::invalid("name", "name the token (what it is for)").into());
    }
    confirm_password(&state, &who.user, &t.password).await?;
    let secret = new_token();
    let rec = state
        .store
        .add_api_token(
            who.user.id,
            &t.name,
            &token_hash(&secret),
            t.scope.unwrap_or(TokenScope::Read),
            t.expires_in_days,
        )
        .await?;
    audit::record(
        &state,
        &who,
        "token.create",
        "api_token",
        &rec.id.to_string(),
        None,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(CreatedToken {
            token: rec.into(),
            secret,
        }),
    ))
}

/// Revokes one of the caller's tokens.
#[utoipa::path(delete, path = "/tokens/{id}", tag = "tokens",
    params(("id" = Uuid, Path, description = "token id")),
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    state.store.revoke_api_token(who.user.id, id).await?;
    audit::record(
        &state,
        &who,
        "token.revoke",
        "api_token",
        &id.to_string(),
        None,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}
