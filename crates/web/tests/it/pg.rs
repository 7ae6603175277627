//! A fresh PostgreSQL schema for tests that start their own servers, or a skip notice.

use sqlx::Connection;

use cephalog_store::Store;

pub struct Scratch {
    base: String,
    schema: String,
    pub url: String,
}

/// A new schema on the test PostgreSQL, or `None` (after saying the test was skipped) when
/// `CEPHALOG_TEST_POSTGRES_URL` is unset; with `CEPHALOG_REQUIRE_POSTGRES` set that is a failure.
pub async fn scratch(test: &str) -> Option<Scratch> {
    let Ok(base) = std::env::var("CEPHALOG_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CEPHALOG_REQUIRE_POSTGRES").is_err(),
            "CEPHALOG_REQUIRE_POSTGRES is set but CEPHALOG_TEST_POSTGRES_URL is not"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("SKIPPED (PostgreSQL): {test} — set CEPHALOG_TEST_POSTGRES_URL to run it\n")
                .as_bytes(),
        );
        return None;
    };
    let schema = format!("cephalog_scratch_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Some(Scratch { base, schema, url })
}

impl Scratch {
    pub async fn store(&self) -> Store {
        Store::connect(&self.url).await.expect("postgres store")
    }

    /// Removes the schema.
    pub async fn drop(self) {
        let mut admin = sqlx::PgConnection::connect(&self.base)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP SCHEMA {} CASCADE",
            self.schema
        )))
        .execute(&mut admin)
        .await
        .expect("drop schema");
    }
}
