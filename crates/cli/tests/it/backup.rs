//! Backup and restore of the embedded database: a backup taken while writes go on holds every
//! record committed before it began, a restore checks the backup before it replaces anything,
//! and the restored audit trail verifies against the checkpoint log.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use serde_json::Value;

use crate::harness::{Env, sqlite_file_sql};

fn mrns(env: &Env) -> Vec<String> {
    let list: Value = serde_json::from_str(&env.ok(&["patient", "list", "--json"])).expect("json");
    list.as_array()
        .expect("patients")
        .iter()
        .filter_map(|p| p["mrn"].as_str().map(str::to_owned))
        .collect()
}

#[test]
fn a_backup_taken_during_writes_restores_every_record_committed_before_it() {
    let env = Env::sqlite();
    // (mrn, started, finished) of every patient the writer added.
    let added: Mutex<Vec<(String, Instant, Instant)>> = Mutex::new(Vec::new());
    let stop = AtomicBool::new(false);
    let backup = env.path("clinic.backup.db");
    let (began, ended) = std::thread::scope(|s| {
        s.spawn(|| {
            let mut i = 0;
            while !stop.load(Ordering::SeqCst) {
                let mrn = format!("W{i}");
                let started = Instant::now();
                env.ok(&[
                    "patient",
                    "add",
                    "--name",
                    "Writer Example",
                    "--dob",
                    "1980-01-01",
                    "--mrn",
                    &mrn,
                ]);
                added
                    .lock()
                    .expect("lock")
                    .push((mrn, started, Instant::now()));
                i += 1;
            }
        });
        while added.lock().expect("lock").len() < 3 {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        let began = Instant::now();
        let out = env.ok(&["backup", "--out", backup.to_str().expect("path")]);
        let ended = Instant::now();
        assert!(out.contains("backup written to"), "{out}");
        while added
            .lock()
            .expect("lock")
            .iter()
            .filter(|a| a.1 > ended)
            .count()
            < 2
        {
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        stop.store(true, Ordering::SeqCst);
        (began, ended)
    });
    let added = added.into_inner().expect("lock");
    assert_eq!(mrns(&env).len(), added.len(), "every add committed");

    // A backup never overwrites a file.
    let err = env.fails(&["backup", "--out", backup.to_str().expect("path")]);
    assert!(err.contains("exists"), "{err}");

    // With the server stopped, the database goes back to the backup.
    let out = env.ok(&["restore", "--from", backup.to_str().expect("path")]);
    assert!(out.contains("restored from"), "{out}");
    let restored = mrns(&env);
    for (mrn, started, finished) in &added {
        if *finished < began {
            assert!(
                restored.contains(mrn),
                "{mrn}, committed before the backup, is restored"
            );
        }
        if *started > ended {
            assert!(
                !restored.contains(mrn),
                "{mrn}, added after the backup, is not in it"
            );
        }
    }
    // The restored trail verifies: the checkpoints of the entries it replaced give way to the
    // signed restore marker.
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    let log = std::fs::read_to_string(env.path("clinic.db.audit-checkpoints")).expect("log");
    assert!(log.contains("cephalog-audit-restore v1 seq="), "{log}");
    let trail = env.ok(&["audit", "log", "--json"]);
    assert!(
        trail.contains("\"database.backup\""),
        "the backup is in the trail"
    );
    assert!(
        trail.contains("\"database.restore\""),
        "the restore is in the trail"
    );
}

#[test]
fn a_restore_checks_the_backup_before_it_replaces_anything() {
    let env = Env::sqlite();
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Kept Example",
        "--dob",
        "1980-01-01",
        "--mrn",
        "K1",
    ]);
    let backup = env.path("tampered.db");
    env.ok(&["backup", "--out", backup.to_str().expect("path")]);
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Later Example",
        "--dob",
        "1980-01-01",
        "--mrn",
        "K2",
    ]);
    // Someone with the backup file rewrites an entry of its trail.
    sqlite_file_sql(
        &backup,
        "DROP TRIGGER audit_log_no_update; \
         UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 1",
    );
    let err = env.fails(&["restore", "--from", backup.to_str().expect("path")]);
    assert!(err.contains("is unchanged"), "{err}");
    assert!(err.contains("audit trail is broken at entry 1"), "{err}");
    assert_eq!(mrns(&env), ["K1", "K2"], "nothing replaced");
    assert!(
        !env.path("clinic.db.restoring").exists(),
        "nothing left behind"
    );

    // Not a database at all.
    let junk = env.write("junk.db", "not a database");
    let err = env.fails(&["restore", "--from", junk.to_str().expect("path")]);
    assert!(err.contains("is unchanged"), "{err}");
    assert_eq!(mrns(&env), ["K1", "K2"]);
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
}

/// The README's PostgreSQL backup and restore, with the commands it documents (limited to this
/// test's schema): `pg_dump --format=custom`, `pg_restore --clean --if-exists`, then
/// `cephalog audit mark-restored`.
#[test]
fn postgres_is_backed_up_and_restored_with_the_documented_commands() {
    let Some(env) =
        Env::postgres("postgres_is_backed_up_and_restored_with_the_documented_commands")
    else {
        return;
    };
    let (server, schema) = env.pg_server_and_schema().expect("postgres");
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Kept Example",
        "--dob",
        "1980-01-01",
        "--mrn",
        "K1",
    ]);
    // `cephalog backup` is for the embedded database and says what to use instead.
    let err = env.fails(&["backup", "--out", env.path("x.db").to_str().expect("path")]);
    assert!(err.contains("pg_dump"), "{err}");
    let dump = env.path("cephalog.dump");
    let run = |program: &str, args: &[&str]| {
        let out = std::process::Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(
        "pg_dump",
        &[
            "--format=custom",
            "--schema",
            schema,
            "--file",
            dump.to_str().expect("path"),
            server,
        ],
    );
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Later Example",
        "--dob",
        "1980-01-01",
        "--mrn",
        "K2",
    ]);
    run(
        "pg_restore",
        &[
            "--clean",
            "--if-exists",
            "--no-owner",
            "--dbname",
            server,
            dump.to_str().expect("path"),
        ],
    );
    // The restored trail is shorter than the checkpoint log says: until the restore is recorded,
    // verification reports the removed entries.
    let err = env.fails(&["audit", "verify"]);
    assert!(err.contains("entries were removed"), "{err}");
    let out = env.ok(&["audit", "mark-restored"]);
    assert!(out.contains("restore recorded"), "{out}");
    let verified = env.ok(&["audit", "verify"]);
    assert!(verified.contains("intact"), "{verified}");
    assert_eq!(mrns(&env), ["K1"]);
}
