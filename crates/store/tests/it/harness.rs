use std::future::Future;

use cephalog_store::{AuditSettings, Store};
use sqlx::Connection;

pub const PG_URL_VAR: &str = "CEPHALOG_TEST_POSTGRES_URL";
pub const PG_REQUIRE_VAR: &str = "CEPHALOG_REQUIRE_POSTGRES";

/// Runs a story on a fresh SQLite file.
pub async fn on_sqlite<F, Fut>(story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("temp dir");
    let url = dir.path().join("t.db");
    let store = Store::connect(url.to_str().expect("utf-8 path"))
        .await
        .expect("sqlite store");
    story(store.clone()).await;
    store.close().await;
}

/// Runs a story in a fresh PostgreSQL schema, or says it was skipped.
pub async fn on_postgres<F, Fut>(name: &str, story: F)
where
    F: FnOnce(Store) -> Fut,
    Fut: Future<Output = ()>,
{
    let Ok(base) = std::env::var(PG_URL_VAR) else {
        assert!(
            std::env::var(PG_REQUIRE_VAR).is_err(),
            "{PG_REQUIRE_VAR} is set but {PG_URL_VAR} is not: the PostgreSQL cases must run"
        );
        // Written to the process's stderr directly, past the test harness's output capture, so
        // the skip shows in every `cargo test` run.
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("SKIPPED (PostgreSQL): {name} — set {PG_URL_VAR} to run it\n").as_bytes(),
        );
        return;
    };
    let schema = format!("cephalog_test_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&base)
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("create schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    // The key file and checkpoint log a deployment configures, in a scratch folder.
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = AuditSettings::from_key_file(
        &dir.path().join("audit-key"),
        Some(dir.path().join("audit-checkpoints")),
        true,
    )
    .expect("audit settings");
    let store = Store::connect_with(&url, settings)
        .await
        .expect("postgres store");
    story(store.clone()).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .expect("drop schema");
}

/// Declares a story and one test per engine.
#[macro_export]
macro_rules! story {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test]
            async fn sqlite() {
                $crate::harness::on_sqlite($body).await;
            }
            #[tokio::test]
            async fn postgres() {
                $crate::harness::on_postgres(stringify!($name), $body).await;
            }
        }
    };
}
