//! Accounts: users, server-side web sessions, API tokens, share links for readers outside the
//! clinic, and failed sign-ins for throttling.

use chrono::{DateTime, NaiveDate, SubsecRound, Utc};
use uuid::Uuid;

use cephalog_auth::{Role, Username};

use crate::{Store, StoreError};

/// A user account (the password hash is kept apart).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct UserRecord {
    pub id: Uuid,
    pub clinic_id: Uuid,
    pub clinic: String,
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    /// For patient accounts: the patient whose diary it is.
    pub patient_id: Option<Uuid>,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

/// A per-user API token as listed (the token itself is shown once, and only its hash is kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiTokenRecord {
    pub id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub last_used_at: Option<DateTime<Utc>>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub scope: TokenScope,
    /// After this instant the token answers 401.
    pub expires_at: DateTime<Utc>,
}

/// A live API token, as one request used it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenUse {
    pub user: Uuid,
    pub scope: TokenScope,
    /// Requests made with the token in the current clock minute, this one included; every server
    /// of an installation counts in the same row.
    pub requests_this_minute: u64,
    /// Seconds until the current minute ends and the count starts again.
    pub minute_ends_in_seconds: u64,
}

/// What an API token may do: read only (safe methods), or read and write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    Read,
    ReadWrite,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read_write",
        }
    }
}

impl std::str::FromStr for TokenScope {
    type Err = StoreError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "read" => Ok(TokenScope::Read),
            "read_write" => Ok(TokenScope::ReadWrite),
            other => Err(StoreError::Invalid {
                field: "scope",
                reason: format!("'{other}' is not read or read_write"),
            }),
        }
    }
}

/// Days an API token lives when its creator names none [unverified default].
pub const TOKEN_DEFAULT_DAYS: i64 = 90;
/// Longest life of an API token, in days [unverified default].
pub const TOKEN_MAX_DAYS: i64 = 365;

/// A read-only link to a patient's report for someone outside the clinic (the token itself is
/// shown once, and only its SHA-256 is kept).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ShareLinkRecord {
    pub id: Uuid,
    pub patient_id: Uuid,
    /// The report the link opens: "visit_summary".
    pub report: String,
    /// The period the report covers.
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    /// Who made the link, as the audit trail names them (e.g. "clinician:dr.lee").
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoked_by: Option<String>,
}

impl ShareLinkRecord {
    /// Whether the link opens at `now`: not revoked and not yet expired.
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.revoked_at.is_none() && now < self.expires_at
    }
}

/// A share link to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShareLink {
    pub patient_id: Uuid,
    pub period_from: NaiveDate,
    pub period_to: NaiveDate,
    pub created_by: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

impl Store {
    /// Adds a user with an already hashed password. A patient account names its patient.
    pub async fn add_user(
        &self,
        clinic: &str,
        username: Username,
        display_name: &str,
        role: Role,
        patient: Option<Uuid>,
        password_hash: &str,
    ) -> Result<UserRecord, StoreError> {
        if (role == Role::Patient) != patient.is_some() {
            return Err(StoreError::PatientAccount);
        }
        if let Some(p) = patient {
            self.patient(p).await?;
        }
        let clinic_id = self.clinic(clinic).await?;
        let user = UserRecord {
            id: Uuid::now_v7(),
            clinic_id,
            clinic: clinic.trim().to_owned(),
            username,
            display_name: display_name.trim().to_owned(),
            role,
            patient_id: patient,
            disabled: false,
            created_at: Utc::now(),
        };
        dispatch!(write self, accounts, p => e::insert_user(p, &user, password_hash).await)?;
        Ok(user)
    }

    /// Every user, by username.
    pub async fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        Ok(dispatch!(self, accounts, p => e::users(p, None).await)?
            .into_iter()
            .map(|(u, _)| u)
            .collect())
    }

    /// A user and the stored password hash, for signing in.
    pub async fn user_with_hash(
        &self,
        username: &Username,
    ) -> Result<Option<(UserRecord, String)>, StoreError> {
        Ok(dispatch!(self, accounts, p => e::users(p, Some(username.as_str())).await)?.pop())
    }

    /// The user with that id.
    pub async fn user(&self, id: Uuid) -> Result<UserRecord, StoreError> {
        dispatch!(self, accounts, p => e::user_by_id(p, id).await)?
            .ok_or_else(|| StoreError::NotFound(format!("user {id}")))
    }

    pub async fn set_user_disabled(
        &self,
        username: &Username,
        disabled: bool,
    ) -> Result<(), StoreError> {
        if dispatch!(write self, accounts, p => e::set_user_disabled(p, username.as_str(), disabled).await)?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("user {username}")))
        }
    }

    pub async fn set_password_hash(
        &self,
        username: &Username,
        hash: &str,
    ) -> Result<(), StoreError> {
        if dispatch!(write self, accounts, p => e::set_password_hash(p, username.as_str(), hash).await)?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("user {username}")))
        }
    }

    // --- web sessions: stored by the SHA-256 of the cookie's id ----------------------------

    /// The data of a live session and when it expires.
    pub async fn web_session(
        &self,
        id_hash: &str,
    ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
        dispatch!(self, accounts, p => e::session_load(p, id_hash, Utc::now()).await)
    }

    /// Stores a new session; false when that id is already taken.
    pub async fn create_web_session(
        &self,
        id_hash: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        dispatch!(write self, accounts, p => e::session_create(p, id_hash, data, expires_at).await)
    }

    pub async fn save_web_session(
        &self,
        id_hash: &str,
        data: &str,
        expires_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        dispatch!(write self, accounts, p => e::session_save(p, id_hash, data, expires_at).await)
    }

    pub async fn delete_web_session(&self, id_hash: &str) -> Result<(), StoreError> {
        dispatch!(write self, accounts, p => e::session_delete(p, id_hash).await)
    }

    /// Deletes expired sessions; how many.
    pub async fn expire_web_sessions(&self) -> Result<u64, StoreError> {
        dispatch!(write self, accounts, p => e::sessions_expire(p, Utc::now()).await)
    }

    // --- API tokens ---------------------------------------------------------------------------

    /// Stores a new token for `user` by its hash.
    /// `days` is its life: 1 to [`TOKEN_MAX_DAYS`] (default [`TOKEN_DEFAULT_DAYS`]).
    pub async fn add_api_token(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        days: Option<i64>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let days = days.unwrap_or(TOKEN_DEFAULT_DAYS);
        if !(1..=TOKEN_MAX_DAYS).contains(&days) {
            return Err(StoreError::Invalid {
                field: "expires_in_days",
                reason: format!("{days} is not 1 to {TOKEN_MAX_DAYS} days"),
            });
        }
        let now = Utc::now().trunc_subsecs(6);
        self.insert_api_token(
            user,
            name,
            token_hash,
            scope,
            now,
            now + chrono::Duration::days(days),
        )
        .await
    }

    /// Stores a new token for `user` by its hash, expiring at `expires_at` (no bounds: callers
    /// facing users go through [`Store::add_api_token`]).
    pub async fn add_api_token_until(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        expires_at: DateTime<Utc>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let now = Utc::now().trunc_subsecs(6);
        self.insert_api_token(user, name, token_hash, scope, now, expires_at)
            .await
    }

    async fn insert_api_token(
        &self,
        user: Uuid,
        name: &str,
        token_hash: &str,
        scope: TokenScope,
        created_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> Result<ApiTokenRecord, StoreError> {
        let t = ApiTokenRecord {
            id: Uuid::now_v7(),
            user_id: user,
            name: name.trim().to_owned(),
            created_at,
            last_used_at: None,
            revoked_at: None,
            scope,
            expires_at,
        };
        dispatch!(write self, accounts, p => e::insert_api_token(p, &t, token_hash).await)?;
        Ok(t)
    }

    pub async fn api_tokens(&self, user: Uuid) -> Result<Vec<ApiTokenRecord>, StoreError> {
        dispatch!(self, accounts, p => e::api_tokens(p, user).await)
    }

    /// The owner and scope of the live (unrevoked, unexpired) token with that hash, marking it
    /// used and counting the request against the token's current minute.
    pub async fn use_api_token(&self, token_hash: &str) -> Result<Option<TokenUse>, StoreError> {
        dispatch!(write self, accounts, p => e::use_api_token(p, token_hash, Utc::now()).await)
    }

    /// Revokes one of `user`'s tokens.
    pub async fn revoke_api_token(&self, user: Uuid, id: Uuid) -> Result<(), StoreError> {
        if dispatch!(write self, accounts, p => e::revoke_api_token(p, user, id, Utc::now()).await)?
        {
            Ok(())
        } else {
            Err(StoreError::NotFound(format!("live API token {id}")))
        }
    }

    // --- share links ----------------------------------------------------------------------------

    /// Stores a share link to the patient's visit summary by the SHA-256 (hex) of its token.
    pub async fn add_share_link(
        &self,
        link: &NewShareLink,
        token_hash: &str,
    ) -> Result<ShareLinkRecord, StoreError> {
        let r = ShareLinkRecord {
            id: Uuid::now_v7(),
            patient_id: link.patient_id,
            report: "visit_summary".to_owned(),
            period_from: link.period_from,
            period_to: link.period_to,
            created_by: link.created_by.clone(),
            // Microseconds: what both engines keep, so the record returned is the one stored.
            created_at: link.created_at.trunc_subsecs(6),
            expires_at: link.expires_at.trunc_subsecs(6),
            revoked_at: None,
            revoked_by: None,
        };
        dispatch!(write self, accounts, p => e::insert_share_link(p, &r, token_hash).await)?;
        Ok(r)
    }

    /// The patient's share links, newest first.
    pub async fn share_links(&self, patient: Uuid) -> Result<Vec<ShareLinkRecord>, StoreError> {
        dispatch!(self, accounts, p => e::share_links(p, Some(patient), None).await)
    }

    /// The link with that token hash, live or not (the caller decides with
    /// [`ShareLinkRecord::is_live`] and records the attempt).
    pub async fn share_link_by_hash(
        &self,
        token_hash: &str,
    ) -> Result<Option<ShareLinkRecord>, StoreError> {
        Ok(
            dispatch!(self, accounts, p => e::share_links(p, None, Some(token_hash)).await)?
                .into_iter()
                .next(),
        )
    }

    /// Revokes one of the patient's links; revoking a revoked link changes nothing. `NotFound`
    /// when the patient has no such link.
    pub async fn revoke_share_link(
        &self,
        patient: Uuid,
        id: Uuid,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<ShareLinkRecord, StoreError> {
        dispatch!(write self, accounts, p => e::revoke_share_link(p, patient, id, by, now).await)?;
        self.share_links(patient)
            .await?
            .into_iter()
            .find(|l| l.id == id)
            .ok_or_else(|| StoreError::NotFound(format!("share link {id}")))
    }

    // --- sign-in throttling ---------------------------------------------------------------------

    /// Records a failed sign-in under each key (e.g. "user:name", "ip:address").
    pub async fn add_login_failure(&self, keys: &[String]) -> Result<(), StoreError> {
        dispatch!(write self, accounts, p => e::add_login_failure(p, keys, Utc::now()).await)
    }

    /// Failed sign-ins under `key` after `since`, and the latest of them.
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
        dispatch!(self, accounts, p => e::login_failures_since(p, key, since).await)
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<(), StoreError> {
        dispatch!(write self, accounts, p => e::clear_login_failures(p, key).await)
    }
}
