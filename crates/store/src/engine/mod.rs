//! The query code, one file per aggregate (`patients`, `diary`, `treatment`, `safety`, `accounts`,
//! and `history` for record versions). Each file's queries are written once in its own macro and
//! instantiated for SQLite and PostgreSQL, giving `engine::<aggregate>::sqlite` and
//! `engine::<aggregate>::postgres`. A helper that another aggregate's transaction needs (an insert
//! inside a chart import or a correction) is `pub(crate)` and called across modules for the same
//! engine; `engine::packed` reads the diaries the database packs as JSON. `engine::sqlite` and
//! `engine::postgres` hold the queries about the database itself.
//!
//! Statements use `$n` placeholders in order of first appearance, which both engines accept, and
//! only types both engines encode (UUIDs, dates, timestamps, text, integers, booleans).

pub(crate) mod accounts;
pub(crate) mod diary;
pub(crate) mod history;
pub(crate) mod packed;
pub(crate) mod patients;
pub(crate) mod safety;
pub(crate) mod treatment;

/// Queries about the database itself rather than one aggregate.
macro_rules! shared_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use sqlx::Row;

            use crate::StoreError;

            type Pool = sqlx::Pool<$db>;

            pub(crate) async fn applied_migrations(pool: &Pool) -> Result<Vec<i64>, StoreError> {
                let rows = sqlx::query(
                    "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
                )
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| r.try_get::<i64, _>("version").map_err(StoreError::from))
                    .collect()
            }
        }
    };
}

shared_engine!(sqlite, sqlx::Sqlite);
shared_engine!(postgres, sqlx::Postgres);
