//! Crash safety: the `cephalog` process is killed (SIGKILL) at random moments during a diary
//! import, a session recording and a FHIR import, 20 times each, on both engines. After every
//! kill the database passes `PRAGMA integrity_check` (SQLite), the operation left all of its
//! records or none, and `cephalog audit verify` finds the trail intact.

use std::process::Stdio;
use std::time::{Duration, Instant};

use assert_cmd::cargo::CommandCargoExt;
use serde_json::Value;

use crate::harness::{Env, sqlite_scalar};
use crate::journey;

const KILLS: usize = 20;

/// A small deterministic generator for the moments to kill at (the runs are reproducible).
struct Moments(u64);

impl Moments {
    /// A delay between zero and `max`.
    fn next(&mut self, max: Duration) -> Duration {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let fraction = (self.0 >> 11) as f64 / (1u64 << 53) as f64;
        max.mul_f64(fraction)
    }
}

/// Starts `cephalog ARGS…` on the env's database, kills it after `after` unless it ended first;
/// answers whether it was killed.
fn kill_during(env: &Env, args: &[&str], after: Duration) -> bool {
    let mut child = std::process::Command::cargo_bin("cephalog")
        .expect("binary")
        .current_dir(env.dir.path())
        .env_remove("CEPHALOG_DATABASE_URL")
        .envs(env.audit_env())
        .arg("--database")
        .arg(&env.url)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start cephalog");
    let start = Instant::now();
    loop {
        if child.try_wait().expect("wait").is_some() {
            return false;
        }
        if start.elapsed() >= after {
            child.kill().expect("SIGKILL");
            child.wait().expect("reap");
            return true;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
}

/// How long `cephalog ARGS…` takes when left alone.
fn timed(env: &Env, args: &[&str]) -> Duration {
    let start = Instant::now();
    env.ok(args);
    start.elapsed()
}

/// The database is sound after a kill: integrity (SQLite) and an intact audit trail.
fn assert_sound(env: &Env, what: &str) {
    if !env.url.starts_with("postgres") {
        let check = sqlite_scalar(std::path::Path::new(&env.url), "PRAGMA integrity_check");
        assert_eq!(check, "ok", "{what}: integrity check");
    }
    let verified = env.run(&["audit", "verify"]);
    assert!(
        verified.ok,
        "{what}: audit verify failed: {}{}",
        verified.stdout, verified.stderr
    );
}

fn diary_days(env: &Env, mrn: &str) -> usize {
    env.ok(&["diary", "export", "--patient", mrn])
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .count()
}

fn add_patient(env: &Env, mrn: &str) {
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Crash Example",
        "--dob",
        "1930-01-01",
        "--mrn",
        mrn,
        "--diagnosis",
        "1.3@2018-01-01",
    ]);
}

const HEADER: &str = "date,headache_minutes,peak_intensity,unilateral,pulsating,aggravated_by_activity,nausea,vomiting,photophobia,phonophobia,aura,acute_medications,paroxysms,notes";

/// `n` daily rows from 1940-01-01.
fn long_diary(n: i64) -> String {
    let start = chrono::NaiveDate::from_ymd_opt(1940, 1, 1).expect("date");
    let mut s = String::from(HEADER);
    for i in 0..n {
        let date = start + chrono::Duration::days(i);
        if i % 3 == 0 {
            s.push_str(&format!(
                "\n{date},300,severe,1,1,1,1,0,1,1,0,sumatriptan 50mg,0,"
            ));
        } else {
            s.push_str(&format!("\n{date},0,none,0,0,0,0,0,0,0,0,,0,"));
        }
    }
    s.push('\n');
    s
}

journey!(killed_diary_imports_leave_all_or_nothing, |env: &Env| {
    const DAYS: i64 = 20_000;
    let file = env.write("long.csv", &long_diary(DAYS));
    let file = file.to_str().expect("path").to_owned();
    add_patient(env, "T0");
    let full = timed(env, &["diary", "import", "--patient", "T0", &file]);
    assert_eq!(diary_days(env, "T0"), DAYS as usize);
    let mut moments = Moments(9);
    let mut killed = 0;
    let mut whole = 0;
    for i in 1..=KILLS {
        let mrn = format!("K{i}");
        add_patient(env, &mrn);
        let after = moments.next(full);
        killed += usize::from(kill_during(
            env,
            &["diary", "import", "--patient", &mrn, &file],
            after,
        ));
        let stored = diary_days(env, &mrn);
        assert!(
            stored == 0 || stored == DAYS as usize,
            "import {i} killed after {after:?} left {stored} of {DAYS} days"
        );
        assert_sound(env, &format!("diary import {i}"));
        // Re-running the import completes it, or refuses every date already stored.
        whole += usize::from(stored > 0);
        if stored == 0 {
            env.ok(&["diary", "import", "--patient", &mrn, &file]);
        } else {
            let err = env.fails(&["diary", "import", "--patient", &mrn, &file]);
            assert!(err.contains("already stored"), "{err}");
        }
        assert_eq!(diary_days(env, &mrn), DAYS as usize);
    }
    eprintln!(
        "diary import of {DAYS} days ({full:?} alone): {killed} of {KILLS} runs killed; {whole} \
         left every day, {} none",
        KILLS - whole
    );
    assert!(
        killed >= KILLS / 2,
        "only {killed} of {KILLS} runs were killed mid-way"
    );
});

journey!(
    killed_session_recordings_leave_all_or_nothing,
    |env: &Env| {
        let session = |mrn: &str| {
            vec![
                "session".to_owned(),
                "record".to_owned(),
                "--patient".to_owned(),
                mrn.to_owned(),
                "--date".to_owned(),
                "2026-06-02".to_owned(),
                "--vial".to_owned(),
                "200".to_owned(),
                "--lot".to_owned(),
                "C4021AB".to_owned(),
                "--expiry".to_owned(),
                "2027-03-31".to_owned(),
                "--injector".to_owned(),
                "Dr Example".to_owned(),
                "--override".to_owned(),
                "diary=paper diary reviewed in clinic".to_owned(),
                "--override".to_owned(),
                "eligibility=payer approval on file".to_owned(),
            ]
        };
        add_patient(env, "T0");
        let args = session("T0");
        let full = timed(env, &args.iter().map(String::as_str).collect::<Vec<_>>());
        let mut moments = Moments(11);
        let (mut killed, mut whole) = (0, 0);
        for i in 1..=KILLS {
            let mrn = format!("K{i}");
            add_patient(env, &mrn);
            let args = session(&mrn);
            let after = moments.next(full);
            killed += usize::from(kill_during(
                env,
                &args.iter().map(String::as_str).collect::<Vec<_>>(),
                after,
            ));
            let listed: Value =
                serde_json::from_str(&env.ok(&["session", "list", "--patient", &mrn, "--json"]))
                    .expect("json");
            let sessions = listed["sessions"].as_array().expect("sessions");
            match sessions.as_slice() {
                [] => {}
                [s] => {
                    whole += 1;
                    assert_eq!(s["sites_given"], 31, "a session is stored whole: {s}");
                    assert_eq!(s["units_given"], 155, "{s}");
                    assert_eq!(
                        s["overrides"].as_array().map(Vec::len),
                        Some(2),
                        "with both overrides: {s}"
                    );
                }
                more => panic!("session {i} stored {} times", more.len()),
            }
            assert_sound(env, &format!("session recording {i}"));
        }
        eprintln!(
            "session recording ({full:?} alone): {killed} of {KILLS} runs killed; {whole} stored \
             whole, {} not at all",
            KILLS - whole
        );
    }
);

journey!(killed_fhir_imports_leave_all_or_nothing, |env: &Env| {
    // The bundles: one exported patient per kill, each with a year of diary.
    let diary = env.write("year.csv", &long_diary(365));
    let diary = diary.to_str().expect("path").to_owned();
    let mut bundles = Vec::new();
    for i in 0..=KILLS {
        let mrn = format!("F{i}");
        add_patient(env, &mrn);
        env.ok(&["diary", "import", "--patient", &mrn, &diary]);
        let file = env.path(&format!("{mrn}.json"));
        env.ok(&[
            "fhir",
            "export",
            "--patient",
            &mrn,
            "--out",
            file.to_str().expect("path"),
        ]);
        bundles.push((mrn, file.to_str().expect("path").to_owned()));
    }
    let other = if env.url.starts_with("postgres") {
        Env::postgres("killed_fhir_imports_target").expect("postgres")
    } else {
        Env::sqlite()
    };
    let (first_mrn, first) = &bundles[0];
    let full = timed(&other, &["fhir", "import", first]);
    assert_eq!(diary_days(&other, first_mrn), 365);
    let mut moments = Moments(13);
    let (mut killed, mut whole) = (0, 0);
    for (i, (mrn, file)) in bundles.iter().enumerate().skip(1) {
        let after = moments.next(full);
        killed += usize::from(kill_during(&other, &["fhir", "import", file], after));
        let found = other.run(&["diary", "export", "--patient", mrn]);
        if found.ok {
            whole += 1;
            assert_eq!(
                diary_days(&other, mrn),
                365,
                "import {i} stored part of a patient"
            );
        } else {
            assert!(found.stderr.contains("no patient"), "{}", found.stderr);
            other.ok(&["fhir", "import", file]);
        }
        assert_sound(&other, &format!("FHIR import {i}"));
    }
    eprintln!(
        "FHIR import of a patient with a year of diary ({full:?} alone): {killed} of {KILLS} runs \
         killed; {whole} stored whole, {} not at all",
        KILLS - whole
    );
});

/// A server process, killed (SIGKILL) and reaped when asked or when the test ends.
struct Server(std::process::Child);

impl Server {
    fn kill(&mut self) {
        // An already ended process cannot be killed again; reaping it is what matters.
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One HTTP/1.1 request on a fresh connection; the status, or `None` when the server was gone
/// before it answered.
fn put_day(port: u16, token: &str, patient: &str, date: &str) -> Option<u16> {
    use std::io::{Read, Write};
    let body = r#"{"headache_minutes": 300, "peak_intensity": "severe", "features": {"nausea": true, "photophobia": true}, "notes": "burst"}"#;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).ok()?;
    let request = format!(
        "PUT /api/v1/patients/{patient}/diary/{date} HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Authorization: Bearer {token}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).ok()?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer).ok()?;
    answer.split_whitespace().nth(1)?.parse().ok()
}

journey!(
    killed_servers_keep_every_acknowledged_upsert_whole,
    |env: &Env| {
        let id = env
            .ok(&[
                "patient",
                "add",
                "--name",
                "Burst Example",
                "--dob",
                "1930-01-01",
                "--mrn",
                "B1",
            ])
            .trim()
            .to_owned();
        let added = env.run_with_stdin(
            &[
                "user",
                "add",
                "--username",
                "bridge",
                "--name",
                "EHR bridge",
                "--role",
                "clinician",
                "--password-stdin",
            ],
            "a long enough password\n",
        );
        assert!(added.ok, "{}", added.stderr);
        let out = env.ok(&[
            "user",
            "token",
            "bridge",
            "--name",
            "burst",
            "--scope",
            "read_write",
        ]);
        let token = out
            .lines()
            .find(|l| l.starts_with("cph_"))
            .expect("token")
            .trim()
            .to_owned();
        let mut moments = Moments(17);
        let start = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).expect("date");
        let mut next_day = 0i64;
        let mut acknowledged: Vec<String> = Vec::new();
        let mut sent_total = 0;
        for i in 1..=KILLS {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free port")
                .port();
            let mut server = Server(
                std::process::Command::cargo_bin("cephalog")
                    .expect("binary")
                    .current_dir(env.dir.path())
                    .env_remove("CEPHALOG_DATABASE_URL")
                    .envs(env.audit_env())
                    .arg("--database")
                    .arg(&env.url)
                    .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
                    // The bursts outrun the per-token request limit on a fast
                    // machine; this test is about crashes, not throttling.
                    .args(["--api-requests-per-minute", "1000000000"])
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .expect("start the server"),
            );
            // Wait until it answers.
            let ready = Instant::now();
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    ready.elapsed() < Duration::from_secs(30),
                    "server {i} did not start"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            let kill_after = moments.next(Duration::from_millis(600));
            let burst = Instant::now();
            let mut killed = false;
            loop {
                if !killed && burst.elapsed() >= kill_after {
                    server.kill();
                    killed = true;
                }
                let date = (start + chrono::Duration::days(next_day)).to_string();
                next_day += 1;
                sent_total += 1;
                match put_day(port, &token, &id, &date) {
                    Some(200) => acknowledged.push(date),
                    Some(other) => panic!("upsert of {date} answered {other}"),
                    None => break,
                }
            }
            server.kill();
            assert_sound(env, &format!("API burst {i}"));
        }
        // Every acknowledged upsert is stored, whole; nothing else is half-stored.
        let csv = env.ok(&["diary", "export", "--patient", "B1"]);
        let rows: Vec<&str> = csv.lines().skip(1).filter(|l| !l.is_empty()).collect();
        for date in &acknowledged {
            let row = rows
                .iter()
                .find(|r| r.starts_with(date.as_str()))
                .unwrap_or_else(|| panic!("{date} was acknowledged but is not stored"));
            assert!(row.contains(",300,severe,"), "{date} stored whole: {row}");
            assert!(row.ends_with(",burst"), "{row}");
        }
        for row in &rows {
            assert!(
                row.contains(",300,severe,") && row.ends_with(",burst"),
                "{row}"
            );
        }
        eprintln!(
            "API upsert bursts: {KILLS} servers killed; {} upserts sent, {} acknowledged, {} stored",
            sent_total,
            acknowledged.len(),
            rows.len()
        );
        assert!(acknowledged.len() >= KILLS, "the bursts wrote something");
    }
);
