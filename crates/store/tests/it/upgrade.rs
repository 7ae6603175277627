//! A database written before audit entries were sealed (migration 8) upgraded to the current
//! schema: its plain SHA-256 entries are kept, new entries are sealed after them, and the whole
//! trail verifies.

use chrono::{DateTime, Utc};
use sqlx::Connection;

use cephalog_auth::audit::legacy_hash;
use cephalog_auth::{AuditFields, GENESIS_HASH};
use cephalog_store::{AuditEvent, AuditSettings, Store};

use crate::harness::{PG_REQUIRE_VAR, PG_URL_VAR};

/// Three entries as version 8 wrote them: a plain SHA-256 chain, and the head row.
fn legacy_statements() -> Vec<String> {
    let at: DateTime<Utc> = "2026-01-05T09:00:00.123456Z".parse().expect("time");
    let mut prev = GENESIS_HASH.to_owned();
    let mut out = Vec::new();
    for seq in 1..=3 {
        let f = AuditFields {
            seq,
            at,
            actor: "cli:root".into(),
            action: "patient.show".into(),
            entity: "patient".into(),
            entity_id: "p1".into(),
            patient_id: Some("p1".into()),
            source: "cli".into(),
            detail: String::new(),
        };
        let hash = legacy_hash(&prev, &f);
        out.push(format!(
            "INSERT INTO audit_log (seq, at, actor, action, entity, entity_id, patient_id, source, \
             prev_hash, hash) VALUES ({seq}, '2026-01-05T09:00:00.123456Z', 'cli:root', \
             'patient.show', 'patient', 'p1', 'p1', 'cli', '{prev}', '{hash}')"
        ));
        prev = hash;
    }
    out.push(format!(
        "UPDATE audit_head SET last_seq = 3, last_hash = '{prev}' WHERE id = 1"
    ));
    out
}

async fn after_upgrade(store: Store) {
    let versions = store.applied_migrations().await.expect("versions");
    assert!(versions.len() > 8, "{versions:?}");
    store
        .audit(AuditEvent {
            actor: "clinician:dr.lee".into(),
            action: "patient.read".into(),
            entity: "patient".into(),
            entity_id: "p1".into(),
            source: "web 127.0.0.1".into(),
            ..AuditEvent::default()
        })
        .await
        .expect("append after the upgrade");
    store.write_checkpoint().await.expect("checkpoint");
    let trail = store.audit_trail(None).await.expect("trail");
    assert_eq!(trail.len(), 4);
    assert!(
        trail[..3]
            .iter()
            .all(|e| e.key_id.is_none() && e.fields.detail.is_empty())
    );
    assert!(trail[3].key_id.is_some());
    let v = store.verify_audit().await.expect("verify");
    assert!(v.is_intact(), "{v:?}");
    assert_eq!(v.head_seq, 4);
}

#[tokio::test]
async fn a_version_8_sqlite_trail_upgrades_and_verifies() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("old.db");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let mut conn = sqlx::SqliteConnection::connect(&url)
        .await
        .expect("connect");
    sqlx::migrate!("./migrations/sqlite")
        .run_to(8, &mut conn)
        .await
        .expect("migrate to 8");
    for sql in legacy_statements() {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("legacy row");
    }
    conn.close().await.expect("close");
    let store = Store::connect(path.to_str().expect("utf-8"))
        .await
        .expect("upgrade");
    after_upgrade(store).await;
}

#[tokio::test]
async fn a_version_8_postgres_trail_upgrades_and_verifies() {
    let Ok(base) = std::env::var(PG_URL_VAR) else {
        assert!(
            std::env::var(PG_REQUIRE_VAR).is_err(),
            "PostgreSQL required"
        );
        eprintln!("SKIPPED (PostgreSQL): a_version_8_postgres_trail_upgrades_and_verifies");
        return;
    };
    let schema = format!("cephalog_upgrade_{}", uuid::Uuid::now_v7().simple());
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&mut admin)
        .await
        .expect("schema");
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    let mut conn = sqlx::PgConnection::connect(&url).await.expect("connect");
    sqlx::migrate!("./migrations/postgres")
        .run_to(8, &mut conn)
        .await
        .expect("migrate to 8");
    for sql in legacy_statements() {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut conn)
            .await
            .expect("legacy row");
    }
    conn.close().await.expect("close");
    let dir = tempfile::tempdir().expect("temp dir");
    let settings = AuditSettings::from_key_file(
        &dir.path().join("key"),
        Some(dir.path().join("checkpoints")),
        true,
    )
    .expect("settings");
    let store = Store::connect_with(&url, settings).await.expect("upgrade");
    after_upgrade(store.clone()).await;
    store.close().await;
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&mut admin)
        .await
        .expect("drop");
}
