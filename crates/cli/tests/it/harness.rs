use std::path::{Path, PathBuf};

use assert_cmd::Command;
use sqlx::{Connection, PgConnection};
use tokio::runtime::Runtime;

pub const PG_URL_VAR: &str = "CEPHALOG_TEST_POSTGRES_URL";
pub const PG_REQUIRE_VAR: &str = "CEPHALOG_REQUIRE_POSTGRES";

/// A database and a scratch directory for one test.
pub struct Env {
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_schema: Option<(String, String)>,
}

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Env {
    pub fn sqlite() -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = dir.path().join("clinic.db").to_string_lossy().into_owned();
        Env {
            url,
            dir,
            pg_schema: None,
        }
    }

    /// A fresh PostgreSQL schema, or `None` (with a note) when no server is configured.
    pub fn postgres(name: &str) -> Option<Env> {
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
            return None;
        };
        let schema = format!("cephalog_cli_{}", uuid_like());
        admin(&base, &format!("CREATE SCHEMA {schema}"));
        let sep = if base.contains('?') { '&' } else { '?' };
        let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
        Some(Env {
            url,
            dir: tempfile::tempdir().expect("temp dir"),
            pg_schema: Some((base, schema)),
        })
    }

    /// The audit key file and checkpoint log a PostgreSQL deployment configures, in the scratch
    /// directory; a SQLite file keeps its own beside it.
    pub fn audit_env(&self) -> Vec<(&'static str, PathBuf)> {
        if self.pg_schema.is_some() {
            vec![
                ("CEPHALOG_AUDIT_KEY_FILE", self.path("audit-key")),
                ("CEPHALOG_AUDIT_CHECKPOINTS", self.path("audit-checkpoints")),
            ]
        } else {
            Vec::new()
        }
    }

    /// The PostgreSQL server's URL and this test's schema, for tools such as pg_dump.
    pub fn pg_server_and_schema(&self) -> Option<(&str, &str)> {
        self.pg_schema
            .as_ref()
            .map(|(base, schema)| (base.as_str(), schema.as_str()))
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write fixture");
        p
    }

    /// Runs `cephalog --database URL ARGS…` in the scratch directory.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::cargo_bin("cephalog")
            .expect("binary")
            .current_dir(self.dir.path())
            .env_remove("CEPHALOG_DATABASE_URL")
            .envs(self.audit_env())
            .arg("--database")
            .arg(&self.url)
            .args(args)
            .output()
            .expect("run cephalog");
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs with `input` on standard input.
    pub fn run_with_stdin(&self, args: &[&str], input: &str) -> Run {
        let out = Command::cargo_bin("cephalog")
            .expect("binary")
            .current_dir(self.dir.path())
            .env_remove("CEPHALOG_DATABASE_URL")
            .envs(self.audit_env())
            .arg("--database")
            .arg(&self.url)
            .args(args)
            .write_stdin(input.to_owned())
            .output()
            .expect("run cephalog");
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs and insists on success; returns standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert!(r.ok, "cephalog {args:?} failed:\n{}", r.stderr);
        r.stdout
    }

    /// Runs and insists on failure; returns standard error.
    pub fn fails(&self, args: &[&str]) -> String {
        let r = self.run(args);
        assert!(!r.ok, "cephalog {args:?} should have failed:\n{}", r.stdout);
        r.stderr
    }
}

impl Drop for Env {
    fn drop(&mut self) {
        if let Some((base, schema)) = &self.pg_schema {
            admin(base, &format!("DROP SCHEMA IF EXISTS {schema} CASCADE"));
        }
    }
}

impl Env {
    /// Runs statements on the database itself, as someone holding the file or the database
    /// owner's rights would (SQLite statement first, PostgreSQL second).
    pub fn sql(&self, sqlite: &str, postgres: &str) {
        let rt = Runtime::new().expect("runtime");
        rt.block_on(async {
            if self.pg_schema.is_some() {
                let mut c = PgConnection::connect(&self.url).await.expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(postgres.to_owned()))
                    .execute(&mut c)
                    .await
                    .expect("postgres statement");
            } else {
                let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", self.url))
                    .await
                    .expect("connect");
                sqlx::raw_sql(sqlx::AssertSqlSafe(sqlite.to_owned()))
                    .execute(&mut c)
                    .await
                    .expect("sqlite statement");
            }
        });
    }
}

/// Runs statements on another SQLite file (a backup), as someone holding it would.
pub fn sqlite_file_sql(file: &Path, sql: &str) {
    let rt = Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("connect");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .expect("sqlite statement");
    });
}

/// The first column of the first row a query answers on a SQLite file, as text.
pub fn sqlite_scalar(file: &Path, sql: &str) -> String {
    let rt = Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!("sqlite://{}", file.display()))
            .await
            .expect("connect");
        sqlx::query_scalar::<_, String>(sqlx::AssertSqlSafe(sql.to_owned()))
            .fetch_one(&mut c)
            .await
            .expect("sqlite query")
    })
}

fn admin(url: &str, sql: &str) {
    let rt = Runtime::new().expect("runtime");
    rt.block_on(async {
        let mut c = PgConnection::connect(url)
            .await
            .expect("connect to PostgreSQL");
        sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(&mut c)
            .await
            .expect("admin statement");
    });
}

fn uuid_like() -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    format!("{:x}{:x}", nanos, std::process::id())
}

pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).expect("read file")
}

/// Declares a journey and one test per engine.
#[macro_export]
macro_rules! journey {
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[test]
            fn sqlite() {
                let f: fn(&$crate::harness::Env) = $body;
                f(&$crate::harness::Env::sqlite());
            }
            #[test]
            fn postgres() {
                let f: fn(&$crate::harness::Env) = $body;
                if let Some(env) = $crate::harness::Env::postgres(stringify!($name)) {
                    f(&env);
                }
            }
        }
    };
}
