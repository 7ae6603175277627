//! HTTP load check: `cargo bench -p cephalog-web --bench load` (needs `wrk`, Debian package `wrk`).
//!
//! Starts the real application (release build, SQLite temp file, or PostgreSQL when
//! `CEPHALOG_TEST_POSTGRES_URL` is set). Then `wrk` loads, one after the other:
//! 1. `/healthz` of the same server (the reference: the whole middleware stack, no database);
//! 2. the patient's diary page (signed-in session cookie; a year of diary; every request reads the
//!    diary, computes the last 28 days' figures, renders the calendar and appends an audit entry);
//! 3. the clinician's overview of that patient (session cookie; metrics, classification,
//!    eligibility, schedule, questionnaires, charts; one audit entry);
//! 4. a diary upsert through the JSON API (`PUT /api/v1/patients/{id}/diary/{date}` with a token;
//!    validation, one transaction, one audit entry).
//!
//! Each line gives its requests/s as a share of `/healthz`'s in the same run.
//!
//! `LOAD_SECONDS` (default 10) and `LOAD_CONNECTIONS` (default 16) tune the run.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;

use anyhow::{Context, Result, bail};
use chrono::{Duration, NaiveDate};

use cephalog_auth::{Role, Username, hash_password};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex,
};
use cephalog_store::Store;
use cephalog_web::{AppState, Clock, Config};

const PASSWORD: &str = "a long enough password";

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 1).unwrap_or_default()
}

async fn seed(store: &Store) -> Result<(uuid::Uuid, String)> {
    let clinic = store.clinic("Load clinic").await?;
    let mut p = Patient::new(
        "Load Patient",
        today() - Duration::days(40 * 365),
        Some(Sex::Female),
        Some("L1".into()),
        String::new(),
        today(),
    )?;
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: None,
    })?;
    let r = store.add_patient_in(clinic, &p).await?;
    let days: Vec<DiaryDay> = (1..=365)
        .map(|i| {
            let date = today() - Duration::days(i);
            let headache = i % 2 == 0;
            DiaryDay::record(
                date,
                DiaryDraft {
                    date: Some(date),
                    headache_minutes: Minutes::new(if headache { 300 } else { 0 })?,
                    peak_intensity: if headache {
                        Intensity::Moderate
                    } else {
                        Intensity::None
                    },
                    features: Features {
                        pulsating: headache,
                        photophobia: headache,
                        ..Features::default()
                    },
                    ..DiaryDraft::default()
                },
                today(),
            )
            .map_err(anyhow::Error::from)
        })
        .collect::<Result<_>>()?;
    store.import_days(r.id, &days, None, &mut |_| {}).await?;
    let hash = hash_password(PASSWORD)?;
    let u = store
        .add_user(
            "Load clinic",
            Username::new("load.patient")?,
            "Load Patient",
            Role::Patient,
            Some(r.id),
            &hash,
        )
        .await?;
    store
        .add_user(
            "Load clinic",
            Username::new("load.clinician")?,
            "Load Clinician",
            Role::Clinician,
            None,
            &hash,
        )
        .await?;
    let secret = cephalog_web::auth::new_token();
    store
        .add_api_token(
            u.id,
            "load",
            &cephalog_web::auth::token_hash(&secret),
            cephalog_store::TokenScope::ReadWrite,
            None,
        )
        .await?;
    Ok((r.id, secret))
}

/// Signs in over a plain socket and returns the session cookie.
fn sign_in(addr: SocketAddr, username: &str) -> Result<String> {
    let body = format!(
        "username={username}&password={}",
        PASSWORD.replace(' ', "+")
    );
    let mut s = TcpStream::connect(addr)?;
    write!(
        s,
        "POST /login HTTP/1.1\r\nHost: {addr}\r\nOrigin: http://{addr}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut out = String::new();
    s.read_to_string(&mut out)?;
    out.lines()
        .find_map(|l| {
            l.strip_prefix("set-cookie: ")
                .or_else(|| l.strip_prefix("Set-Cookie: "))
        })
        .and_then(|c| c.split(';').next())
        .map(str::to_owned)
        .context("no session cookie in the sign-in answer")
}

struct Figures {
    /// Requests answered in the run.
    requests: u64,
    requests_per_sec: f64,
    p50: String,
    p99: String,
    errors: String,
}

fn wrk(url: &str, extra: &[&str]) -> Result<Figures> {
    let seconds = std::env::var("LOAD_SECONDS").unwrap_or_else(|_| "10".into());
    let connections = std::env::var("LOAD_CONNECTIONS").unwrap_or_else(|_| "16".into());
    let out = Command::new("wrk")
        .args([
            "-t2",
            "-c",
            &connections,
            "-d",
            &format!("{seconds}s"),
            "--latency",
        ])
        .args(extra)
        .arg(url)
        .output()
        .context("cannot run wrk (apt-get install wrk)")?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    if !out.status.success() {
        bail!("wrk failed: {text}{}", String::from_utf8_lossy(&out.stderr));
    }
    let field = |prefix: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(prefix).map(|r| r.trim().to_owned()))
    };
    let requests_per_sec = field("Requests/sec:")
        .and_then(|v| v.parse().ok())
        .context("no Requests/sec in wrk output")?;
    let errors = text
        .lines()
        .filter(|l| l.contains("Non-2xx") || l.contains("Socket errors"))
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("; ");
    let requests = text
        .lines()
        .find_map(|l| {
            let (n, rest) = l.trim().split_once(' ')?;
            rest.starts_with("requests in").then(|| n.parse().ok())?
        })
        .context("no 'requests in' line in wrk output")?;
    Ok(Figures {
        requests,
        requests_per_sec,
        p50: field("50%").unwrap_or_default(),
        p99: field("99%").unwrap_or_default(),
        errors: if errors.is_empty() {
            "none".into()
        } else {
            errors
        },
    })
}

async fn run(url: &str, label: &str) -> Result<()> {
    let store = Store::connect(url).await?;
    let (patient, token) = seed(&store).await?;
    let rules = cephalog_app::load_rule_sets(None)?;
    let config = Config {
        secure_cookies: false,
        clock: Clock::Fixed(today()),
        // The bench measures throughput, not the per-token limit.
        api_requests_per_minute: u32::MAX,
        ..Config::default()
    };
    let app = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app_addr = app.local_addr()?;
    let state = AppState::new(store.clone(), rules.clone(), config.clone());
    tokio::spawn(cephalog_web::serve(app, state, std::future::pending()));
    let cookie = tokio::task::spawn_blocking(move || sign_in(app_addr, "load.patient")).await??;
    let clinician =
        tokio::task::spawn_blocking(move || sign_in(app_addr, "load.clinician")).await??;
    let script = std::env::temp_dir().join(format!("cephalog-upsert-{}.lua", std::process::id()));
    std::fs::write(
        &script,
        format!(
            "wrk.method = \"PUT\"\nwrk.body = '{{\"headache_minutes\":240,\"peak_intensity\":\"moderate\",\"features\":{{\"pulsating\":true}},\"medicines\":[\"sumatriptan 50mg\"]}}'\nwrk.headers[\"Content-Type\"] = \"application/json\"\nwrk.headers[\"Authorization\"] = \"Bearer {token}\"\n"
        ),
    )?;
    let cookie_header = format!("Cookie: {cookie}");
    let script_path = script.to_string_lossy().into_owned();
    let runs: Vec<(&str, String, Vec<String>)> = vec![
        (
            "`/healthz` of the same server (reference)",
            format!("http://{app_addr}/healthz"),
            vec![],
        ),
        (
            "patient diary page (GET, session)",
            format!("http://{app_addr}/patients/{patient}/diary"),
            vec!["-H".into(), cookie_header],
        ),
        (
            "clinician's patient overview (GET, session)",
            format!("http://{app_addr}/patients/{patient}"),
            vec!["-H".into(), format!("Cookie: {clinician}")],
        ),
        (
            "diary upsert (PUT, API token)",
            format!(
                "http://{app_addr}/api/v1/patients/{patient}/diary/{}",
                today() - Duration::days(1)
            ),
            vec!["-s".into(), script_path],
        ),
    ];
    println!("\n{label}");
    println!("| what | requests/s | of /healthz | p50 | p99 | errors |");
    println!("|---|---:|---:|---:|---:|---|");
    let mut reference = None;
    for (what, url, extra) in runs {
        let f = tokio::task::spawn_blocking(move || {
            let args: Vec<&str> = extra.iter().map(String::as_str).collect();
            wrk(&url, &args)
        })
        .await??;
        let reference = *reference.get_or_insert(f.requests_per_sec);
        println!(
            "| {what} | {:.0} | {:.1} % | {} | {} | {} |",
            f.requests_per_sec,
            100.0 * f.requests_per_sec / reference,
            f.p50,
            f.p99,
            f.errors
        );
    }
    let _ = std::fs::remove_file(&script);
    if url.starts_with("postgres") {
        // A second server process's worth of state: its own pool and audit writer, the same
        // database and key. Both loaded at once with the patient's diary page.
        let second_store = Store::connect_with(url, store.audit_settings().clone()).await?;
        let second = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let second_addr = second.local_addr()?;
        let state = AppState::new(second_store, rules, config);
        tokio::spawn(cephalog_web::serve(second, state, std::future::pending()));
        let before: i64 = store.audit_heads().await?.iter().map(|(_, n)| n).sum();
        let runs = [app_addr, second_addr].map(|addr| {
            let url = format!("http://{addr}/patients/{patient}/diary");
            let cookie = format!("Cookie: {cookie}");
            std::thread::spawn(move || wrk(&url, &["-H", &cookie]))
        });
        let mut answered = 0;
        for (i, run) in runs.into_iter().enumerate() {
            let f = run
                .join()
                .map_err(|_| anyhow::anyhow!("wrk thread panicked"))??;
            println!(
                "| two servers, one PostgreSQL: server {} diary page | {:.0} | | {} | {} | {} |",
                i + 1,
                f.requests_per_sec,
                f.p50,
                f.p99,
                f.errors
            );
            answered += f.requests;
        }
        let after: i64 = store.audit_heads().await?.iter().map(|(_, n)| n).sum();
        let appended = u64::try_from(after - before)?;
        println!(
            "two servers: {answered} requests answered, {appended} audit entries appended (every \
             answered request has its entry: {})",
            appended >= answered
        );
    }
    let audit = store.verify_audit().await?;
    println!(
        "audit trail: {} entries in {} chain(s), every chain intact: {}",
        audit.entries,
        audit.chains.iter().filter(|c| c.entries > 0).count(),
        audit.broken.is_none()
    );
    if let Some(b) = &audit.broken {
        println!(
            "first break: chain {} entry {}: {}",
            b.chain, b.seq, b.reason
        );
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    if Command::new("wrk").arg("--version").output().is_err() {
        eprintln!("SKIPPED: wrk is not installed (apt-get install wrk)");
        return Ok(());
    }
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("load.db");
    run(path.to_str().context("path")?, "SQLite (temp file, WAL)").await?;
    if let Ok(base) = std::env::var("CEPHALOG_TEST_POSTGRES_URL") {
        use sqlx::Connection;
        let schema = format!("cephalog_load_{}", uuid::Uuid::now_v7().simple());
        let mut admin = sqlx::PgConnection::connect(&base).await?;
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
            .execute(&mut admin)
            .await?;
        let sep = if base.contains('?') { '&' } else { '?' };
        let outcome = run(
            &format!("{base}{sep}options=-c%20search_path%3D{schema}"),
            "PostgreSQL 15 (same machine)",
        )
        .await;
        sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
            .execute(&mut admin)
            .await?;
        outcome?;
    }
    Ok(())
}
