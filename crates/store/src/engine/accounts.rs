//! The queries of accounts: users, web sessions, API tokens, share links and failed sign-ins;
//! written once and instantiated for SQLite and PostgreSQL.

macro_rules! accounts_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use chrono::{DateTime, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use cephalog_auth::{Role, Username};

            use crate::{StoreError, UserRecord};

            type Db = $db;
            type Pool = sqlx::Pool<Db>;

            pub(crate) async fn insert_user(pool: &Pool, u: &UserRecord, password_hash: &str) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO users (id, clinic_id, username, display_name, role, patient_id, password_hash, disabled, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.id)
                .bind(u.clinic_id)
                .bind(u.username.as_str())
                .bind(&u.display_name)
                .bind(u.role.as_str())
                .bind(u.patient_id)
                .bind(password_hash)
                .bind(u.disabled)
                .bind(u.created_at)
                .execute(pool)
                .await;
                match done {
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Err(StoreError::DuplicateUsername(u.username.to_string()))
                    }
                    other => other.map(|_| ()).map_err(StoreError::from),
                }
            }

            const USER_SELECT: &str = "SELECT u.id, u.clinic_id, c.name AS clinic, u.username, u.display_name, u.role, \
                 u.patient_id, u.password_hash, u.disabled, u.created_at \
                 FROM users u JOIN clinics c ON c.id = u.clinic_id";

            /// Every user, or the one with `username`, with the stored password hash.
            pub(crate) async fn users(pool: &Pool, username: Option<&str>) -> Result<Vec<(UserRecord, String)>, StoreError> {
                let rows = match username {
                    None => sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} ORDER BY u.username"))).fetch_all(pool).await?,
                    Some(name) => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.username = $1")))
                            .bind(name)
                            .fetch_all(pool)
                            .await?
                    }
                };
                rows.iter().map(user_from_row).collect()
            }

            /// The user with that id.
            pub(crate) async fn user_by_id(pool: &Pool, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                row.as_ref().map(user_from_row).transpose().map(|u| u.map(|(u, _)| u))
            }

            fn user_from_row(r: &<Db as sqlx::Database>::Row) -> Result<(UserRecord, String), StoreError> {
                let username: String = r.try_get("username")?;
                let role: String = r.try_get("role")?;
                let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("user {username}"), e);
                Ok((
                    UserRecord {
                        id: r.try_get("id")?,
                        clinic_id: r.try_get("clinic_id")?,
                        clinic: r.try_get("clinic")?,
                        username: Username::new(&username).map_err(|e| corrupt(&e))?,
                        display_name: r.try_get("display_name")?,
                        role: role.parse::<Role>().map_err(|e| corrupt(&e))?,
                        patient_id: r.try_get("patient_id")?,
                        disabled: r.try_get("disabled")?,
                        created_at: r.try_get("created_at")?,
                    },
                    r.try_get("password_hash")?,
                ))
            }

            pub(crate) async fn set_user_disabled(pool: &Pool, username: &str, disabled: bool) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                    .bind(disabled)
                    .bind(username)
                    .execute(pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn set_password_hash(pool: &Pool, username: &str, hash: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                    .bind(hash)
                    .bind(username)
                    .execute(pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            // --- web sessions ---------------------------------------------------------------

            pub(crate) async fn session_load(
                pool: &Pool,
                id_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
                let row = sqlx::query("SELECT data, expires_at FROM web_sessions WHERE id_hash = $1 AND expires_at > $2")
                    .bind(id_hash)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?;
                row.map(|r| Ok((r.try_get("data")?, r.try_get("expires_at")?))).transpose()
            }

            /// Inserts a new session; false when the id is taken.
            pub(crate) async fn session_create(
                pool: &Pool,
                id_hash: &str,
                data: &str,
                expires_at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO web_sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(id_hash)
                .bind(data)
                .bind(expires_at)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn session_save(
                pool: &Pool,
                id_hash: &str,
                data: &str,
                expires_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO web_sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                )
                .bind(id_hash)
                .bind(data)
                .bind(expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            pub(crate) async fn session_delete(pool: &Pool, id_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await?;
                Ok(())
            }

            pub(crate) async fn sessions_expire(pool: &Pool, now: DateTime<Utc>) -> Result<u64, StoreError> {
                Ok(sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected())
            }

            // --- API tokens -------------------------------------------------------------------

            pub(crate) async fn insert_api_token(
                pool: &Pool,
                t: &crate::ApiTokenRecord,
                token_hash: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, scope, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.id)
                .bind(t.user_id)
                .bind(&t.name)
                .bind(token_hash)
                .bind(t.created_at)
                .bind(t.scope.as_str())
                .bind(t.expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            pub(crate) async fn api_tokens(pool: &Pool, user: Uuid) -> Result<Vec<crate::ApiTokenRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, user_id, name, created_at, last_used_at, revoked_at, scope, expires_at FROM api_tokens \
                     WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(user)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::ApiTokenRecord {
                            id: r.try_get("id")?,
                            user_id: r.try_get("user_id")?,
                            name: r.try_get("name")?,
                            created_at: r.try_get("created_at")?,
                            last_used_at: r.try_get("last_used_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                            scope: r.try_get::<String, _>("scope")?.parse()?,
                            expires_at: r.try_get("expires_at")?,
                        })
                    })
                    .collect()
            }

            /// The live (unrevoked, unexpired) token with that hash: its owner, scope and the
            /// requests counted in the current minute, this one included; marks it used.
            pub(crate) async fn use_api_token(
                pool: &Pool,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<crate::TokenUse>, StoreError> {
                let minute = now.timestamp().div_euclid(60);
                let row = sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1, \
                     rate_count = CASE WHEN rate_minute = $3 THEN rate_count + 1 ELSE 1 END, \
                     rate_minute = $3 \
                     WHERE token_hash = $2 AND revoked_at IS NULL \
                     AND expires_at > $1 RETURNING user_id, scope, rate_count",
                )
                .bind(now)
                .bind(token_hash)
                .bind(minute)
                .fetch_optional(pool)
                .await?;
                row.map(|r| {
                    Ok(crate::TokenUse {
                        user: r.try_get("user_id")?,
                        scope: r.try_get::<String, _>("scope")?.parse()?,
                        requests_this_minute: u64::try_from(r.try_get::<i64, _>("rate_count")?)
                            .unwrap_or(u64::MAX),
                        minute_ends_in_seconds: u64::try_from(60 - now.timestamp().rem_euclid(60))
                            .unwrap_or(60),
                    })
                })
                .transpose()
            }

            pub(crate) async fn revoke_api_token(pool: &Pool, user: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .bind(user)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            // --- share links ------------------------------------------------------------------

            pub(crate) async fn insert_share_link(
                pool: &Pool,
                l: &crate::ShareLinkRecord,
                token_hash: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO share_links (id, patient_id, token_hash, report, period_from, period_to, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(l.id)
                .bind(l.patient_id)
                .bind(token_hash)
                .bind(&l.report)
                .bind(l.period_from)
                .bind(l.period_to)
                .bind(&l.created_by)
                .bind(l.created_at)
                .bind(l.expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            /// Links of one patient (newest first), or the one with a token hash.
            pub(crate) async fn share_links(
                pool: &Pool,
                patient: Option<Uuid>,
                token_hash: Option<&str>,
            ) -> Result<Vec<crate::ShareLinkRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, patient_id, report, period_from, period_to, created_by, created_at, expires_at, \
                     revoked_at, revoked_by FROM share_links \
                     WHERE ($1 IS NULL OR patient_id = $1) AND ($2 IS NULL OR token_hash = $2) \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(patient)
                .bind(token_hash)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::ShareLinkRecord {
                            id: r.try_get("id")?,
                            patient_id: r.try_get("patient_id")?,
                            report: r.try_get("report")?,
                            period_from: r.try_get("period_from")?,
                            period_to: r.try_get("period_to")?,
                            created_by: r.try_get("created_by")?,
                            created_at: r.try_get("created_at")?,
                            expires_at: r.try_get("expires_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                            revoked_by: r.try_get("revoked_by")?,
                        })
                    })
                    .collect()
            }

            pub(crate) async fn revoke_share_link(
                pool: &Pool,
                patient: Uuid,
                id: Uuid,
                by: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE share_links SET revoked_at = $1, revoked_by = $2 \
                     WHERE id = $3 AND patient_id = $4 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(by)
                .bind(id)
                .bind(patient)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            // --- sign-in throttling ------------------------------------------------------------

            pub(crate) async fn add_login_failure(pool: &Pool, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                for k in keys {
                    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)").bind(k).bind(at).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(at - chrono::Duration::days(1))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn login_failures_since(pool: &Pool, key: &str, since: DateTime<Utc>) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
                let r = sqlx::query("SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE key = $1 AND at > $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(pool)
                    .await?;
                Ok((r.try_get("n")?, r.try_get("last")?))
            }

            pub(crate) async fn clear_login_failures(pool: &Pool, key: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(pool).await?;
                Ok(())
            }
        }
    };
}

accounts_engine!(sqlite, sqlx::Sqlite);
accounts_engine!(postgres, sqlx::Postgres);
