//! Upgrades. A database of every earlier version, filled with the rows of a populated newest
//! database (as far as its tables and columns go), upgrades to the newest with every row intact,
//! on both engines. A database written before audit entries were sealed (migration 8) upgraded to
//! the current schema: its plain SHA-256 entries are kept, new entries are sealed after them, and
//! the whole trail verifies.

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
            chain: cephalog_auth::INSTALLATION_CHAIN.into(),
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
    // The entries from before chains existed, and the new one about no clinic, form the
    // installation chain.
    assert_eq!(v.chains.len(), 1, "{v:?}");
    assert_eq!(v.chain("installation").map(|c| c.head_seq), Some(4));
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

/// The newest migration version (both engines have the same numbers: the migration story checks
/// it).
fn latest() -> i64 {
    sqlx::migrate!("./migrations/sqlite")
        .migrations
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap_or(0)
}

/// A database at the newest version with a record in as many tables as the store writes: a
/// patient with every kind of clinical record, a corrected questionnaire (a kept version), a
/// user, an API token, an urgent-review acknowledgement and audit entries.
async fn populate(store: &Store) {
    use cephalog_auth::{Role, Username};
    use cephalog_store::{Change, TokenScope};
    let id = crate::stories::patient_with_everything(store, "Upgrade Example", "U1").await;
    let (qid, q) = store.proms(id).await.expect("proms").remove(0);
    let answers: Vec<String> = ["never"; 6].iter().map(|s| (*s).to_owned()).collect();
    store
        .correct_prom(
            id,
            qid,
            q.date,
            q.result.instrument(),
            &answers,
            &Change::new("clinician:dr.lee", "entered for the wrong visit").expect("change"),
        )
        .await
        .expect("corrected");
    let case = store.adverse_events(Some(id)).await.expect("events")[0].id;
    store
        .acknowledge_urgent_review(case, "Dr Lee", "reviewed; no spread")
        .await
        .expect("acknowledged");
    let user = store
        .add_user(
            cephalog_store::DEFAULT_CLINIC,
            Username::new("dr.lee").expect("username"),
            "Dr Lee",
            Role::Clinician,
            None,
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
        )
        .await
        .expect("user");
    store
        .add_api_token(user.id, "bridge", "ab12", TokenScope::Read, Some(30))
        .await
        .expect("token");
    store
        .audit(AuditEvent {
            actor: "clinician:dr.lee".into(),
            action: "patient.read".into(),
            entity: "patient".into(),
            entity_id: id.to_string(),
            patient: Some(id),
            source: "cli".into(),
            ..AuditEvent::default()
        })
        .await
        .expect("audit");
}

/// One engine's way to list tables and columns, copy rows between two databases and compare.
trait Engine {
    /// Tables of the database `db` ("main"/"src" on SQLite, a schema on PostgreSQL).
    async fn tables(&mut self, db: &str) -> Vec<String>;
    async fn columns(&mut self, db: &str, table: &str) -> Vec<String>;
    async fn execute(&mut self, sql: String);
    async fn count(&mut self, sql: String) -> i64;
    /// `a` and `b` hold the same value (NULL equal to NULL).
    fn same(&self, a: &str, b: &str) -> String;
    /// Replaces the rows the migrations seeded with the source's.
    fn copy(&self, target: &str, source: &str, table: &str, cols: &str) -> Vec<String>;
}

struct Sqlite(sqlx::SqliteConnection);

impl Engine for Sqlite {
    async fn tables(&mut self, db: &str) -> Vec<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM {db}.sqlite_master WHERE type = 'table' \
             AND name NOT LIKE '\\_sqlx%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' \
             ORDER BY name"
        )))
        .fetch_all(&mut self.0)
        .await
        .expect("tables")
    }
    async fn columns(&mut self, db: &str, table: &str) -> Vec<String> {
        sqlx::query_scalar(sqlx::AssertSqlSafe(format!(
            "SELECT name FROM pragma_table_info('{table}', '{db}') ORDER BY cid"
        )))
        .fetch_all(&mut self.0)
        .await
        .expect("columns")
    }
    async fn execute(&mut self, sql: String) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut self.0)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    async fn count(&mut self, sql: String) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&mut self.0)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
    fn same(&self, a: &str, b: &str) -> String {
        format!("{a} IS {b}")
    }
    fn copy(&self, target: &str, source: &str, table: &str, cols: &str) -> Vec<String> {
        vec![format!(
            "INSERT OR REPLACE INTO {target}.{table} ({cols}) SELECT {cols} FROM {source}.{table}"
        )]
    }
}

struct Postgres(sqlx::PgConnection);

impl Engine for Postgres {
    async fn tables(&mut self, db: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = $1 \
             AND table_type = 'BASE TABLE' AND table_name NOT LIKE '\\_sqlx%' ORDER BY 1",
        )
        .bind(db)
        .fetch_all(&mut self.0)
        .await
        .expect("tables")
    }
    async fn columns(&mut self, db: &str, table: &str) -> Vec<String> {
        sqlx::query_scalar(
            "SELECT column_name::text FROM information_schema.columns WHERE table_schema = $1 \
             AND table_name = $2 ORDER BY ordinal_position",
        )
        .bind(db)
        .bind(table)
        .fetch_all(&mut self.0)
        .await
        .expect("columns")
    }
    async fn execute(&mut self, sql: String) {
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.clone()))
            .execute(&mut self.0)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }
    async fn count(&mut self, sql: String) -> i64 {
        sqlx::query_scalar(sqlx::AssertSqlSafe(sql.clone()))
            .fetch_one(&mut self.0)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
    fn same(&self, a: &str, b: &str) -> String {
        format!("{a} IS NOT DISTINCT FROM {b}")
    }
    fn copy(&self, target: &str, source: &str, table: &str, cols: &str) -> Vec<String> {
        vec![
            format!("DELETE FROM {target}.{table}"),
            format!("INSERT INTO {target}.{table} ({cols}) SELECT {cols} FROM {source}.{table}"),
        ]
    }
}

/// Tables a migration replaced, with where their rows went; the newest database has none to copy.
const RETIRED: &[(&str, &str)] = &[(
    "audit_head",
    "0014: its one row became the installation chain's row of audit_chains (checked by \
     a_version_8_*_trail_upgrades_and_verifies)",
)];

/// Fills `target` (a database at an earlier version) with the source's rows, limited to the
/// columns that version has; answers each table's columns.
async fn fill<E: Engine>(e: &mut E, target: &str, source: &str) -> Vec<(String, Vec<String>, i64)> {
    let source_tables = e.tables(source).await;
    let mut filled = Vec::new();
    for table in e.tables(target).await {
        if RETIRED.iter().any(|(t, _)| *t == table) {
            continue;
        }
        assert!(
            source_tables.contains(&table),
            "table {table} of an earlier version is gone in the newest"
        );
        let here = e.columns(target, &table).await;
        let newest = e.columns(source, &table).await;
        let cols: Vec<String> = here
            .iter()
            .filter(|c| newest.contains(c))
            .cloned()
            .collect();
        assert_eq!(
            cols, here,
            "{table}: a column of an earlier version is gone in the newest"
        );
        for sql in e.copy(target, source, &table, &cols.join(", ")) {
            e.execute(sql).await;
        }
        let n = e
            .count(format!("SELECT count(*) FROM {target}.{table}"))
            .await;
        filled.push((table, cols, n));
    }
    filled
}

/// After the upgrade, every row the earlier version held is there with the values it had.
async fn assert_survived<E: Engine>(
    e: &mut E,
    target: &str,
    source: &str,
    filled: &[(String, Vec<String>, i64)],
    version: i64,
) {
    for (table, cols, n) in filled {
        let now = e
            .count(format!("SELECT count(*) FROM {target}.{table}"))
            .await;
        assert!(now >= *n, "v{version}: {table} had {n} rows, has {now}");
        let same: Vec<String> = cols
            .iter()
            .map(|c| e.same(&format!("t.{c}"), &format!("s.{c}")))
            .collect();
        let lost = e
            .count(format!(
                "SELECT count(*) FROM {source}.{table} s WHERE NOT EXISTS \
                 (SELECT 1 FROM {target}.{table} t WHERE {})",
                same.join(" AND ")
            ))
            .await;
        assert_eq!(
            lost, 0,
            "v{version}: {lost} row(s) of {table} changed or lost"
        );
    }
}

#[tokio::test]
async fn every_migration_upgrades_a_populated_sqlite_database() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = dir.path().join("newest.db");
    let store = Store::connect(source.to_str().expect("utf-8"))
        .await
        .expect("newest");
    populate(&store).await;
    store.close().await;
    let mut checked = Vec::new();
    for version in 1..latest() {
        let path = dir.path().join(format!("v{version}.db"));
        let url = format!("sqlite://{}?mode=rwc", path.display());
        let mut conn = sqlx::SqliteConnection::connect(&url)
            .await
            .expect("connect");
        sqlx::migrate!("./migrations/sqlite")
            .run_to(version, &mut conn)
            .await
            .expect("migrate");
        let mut e = Sqlite(conn);
        e.execute("PRAGMA foreign_keys = OFF".into()).await;
        e.execute(format!("ATTACH DATABASE '{}' AS src", source.display()))
            .await;
        let filled = fill(&mut e, "main", "src").await;
        e.execute("DETACH DATABASE src".into()).await;
        e.0.close().await.expect("close");
        let upgraded =
            Store::connect_with(path.to_str().expect("utf-8"), AuditSettings::ephemeral())
                .await
                .unwrap_or_else(|err| panic!("v{version} does not upgrade: {err}"));
        assert_eq!(
            upgraded.applied_migrations().await.expect("versions").len() as i64,
            latest()
        );
        upgraded.close().await;
        let mut e = Sqlite(
            sqlx::SqliteConnection::connect(&url)
                .await
                .expect("connect"),
        );
        e.execute(format!("ATTACH DATABASE '{}' AS src", source.display()))
            .await;
        assert_survived(&mut e, "main", "src", &filled, version).await;
        let rows: i64 = filled.iter().map(|f| f.2).sum();
        checked.push(format!("v{version}: {} tables, {rows} rows", filled.len()));
    }
    eprintln!("SQLite upgrades: {}", checked.join("; "));
}

#[tokio::test]
async fn every_migration_upgrades_a_populated_postgres_database() {
    let Ok(base) = std::env::var(PG_URL_VAR) else {
        assert!(
            std::env::var(PG_REQUIRE_VAR).is_err(),
            "PostgreSQL required"
        );
        eprintln!("SKIPPED (PostgreSQL): every_migration_upgrades_a_populated_postgres_database");
        return;
    };
    let mut admin = sqlx::PgConnection::connect(&base).await.expect("connect");
    let tag = uuid::Uuid::now_v7().simple().to_string();
    let source = format!("cephalog_upgrade_src_{tag}");
    let schema_url = |schema: &str| {
        let sep = if base.contains('?') { '&' } else { '?' };
        format!("{base}{sep}options=-c%20search_path%3D{schema}")
    };
    let mut schemas = vec![source.clone()];
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {source}")))
        .execute(&mut admin)
        .await
        .expect("schema");
    let dir = tempfile::tempdir().expect("temp dir");
    let settings =
        AuditSettings::from_key_file(&dir.path().join("key"), None, true).expect("settings");
    let store = Store::connect_with(&schema_url(&source), settings.clone())
        .await
        .expect("newest");
    populate(&store).await;
    store.close().await;
    for version in 1..latest() {
        let target = format!("cephalog_upgrade_v{version}_{tag}");
        schemas.push(target.clone());
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {target}")))
            .execute(&mut admin)
            .await
            .expect("schema");
        let mut conn = sqlx::PgConnection::connect(&schema_url(&target))
            .await
            .expect("connect");
        sqlx::migrate!("./migrations/postgres")
            .run_to(version, &mut conn)
            .await
            .expect("migrate");
        let mut e = Postgres(conn);
        e.execute("SET session_replication_role = replica".into())
            .await;
        let filled = fill(&mut e, &target, &source).await;
        e.0.close().await.expect("close");
        let upgraded = Store::connect_with(&schema_url(&target), settings.clone())
            .await
            .unwrap_or_else(|err| panic!("v{version} does not upgrade: {err}"));
        upgraded.close().await;
        let mut e = Postgres(sqlx::PgConnection::connect(&base).await.expect("connect"));
        assert_survived(&mut e, &target, &source, &filled, version).await;
    }
    for schema in schemas {
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut admin)
            .await
            .expect("drop");
    }
}
