//! The audit trail through the command line: sealed entries, checkpoints after every command, key
//! rotation, and tampering by someone holding the database but not the key file found by
//! `cephalog audit verify`.

use crate::harness::Env;
use crate::journey;

fn add_patient(env: &Env, mrn: &str) {
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Ada Example",
        "--dob",
        "1984-03-02",
        "--mrn",
        mrn,
    ]);
}

journey!(
    the_trail_is_sealed_checkpointed_and_keys_rotate,
    |env: &Env| {
        add_patient(env, "A1");
        env.ok(&["patient", "show", "A1"]);
        let out = env.ok(&["audit", "verify"]);
        assert!(out.contains("audit trail intact: 2 entries"), "{out}");
        assert!(out.contains("checkpoints: 2 valid"), "{out}");
        // A refused command is recorded as refused, with the reason.
        let err = env.fails(&["patient", "diagnose", "A1", "9.9", "--onset", "2025-01-01"]);
        assert!(!err.is_empty());
        let log = env.ok(&["audit", "log", "--patient", "A1", "--json"]);
        let entries: serde_json::Value = serde_json::from_str(&log).expect("json");
        let refused = entries
            .as_array()
            .expect("entries")
            .iter()
            .find(|e| e["action"] == "patient.diagnose.refused")
            .unwrap_or_else(|| panic!("no refusal in {log}"));
        assert!(
            refused["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{refused}"
        );
        let out = env.ok(&["audit", "rotate-key"]);
        assert!(out.contains("new audit key k"), "{out}");
        env.ok(&["patient", "show", "A1"]);
        let out = env.ok(&["audit", "verify", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        assert_eq!(v["broken"], serde_json::Value::Null, "{out}");
        assert_eq!(
            v["checkpoints"]["problem"],
            serde_json::Value::Null,
            "{out}"
        );
        let out = env.ok(&["audit", "verify"]);
        assert!(out.contains("keys: k"), "{out}");
        let keys = out
            .split("keys: ")
            .nth(1)
            .and_then(|k| k.split(')').next())
            .unwrap_or_default();
        assert_eq!(keys.split(", ").count(), 2, "two keys: {out}");
    }
);

journey!(tampering_with_the_database_is_found, |env: &Env| {
    add_patient(env, "A1");
    for _ in 0..4 {
        env.ok(&["patient", "show", "A1"]);
    }
    assert!(
        env.ok(&["audit", "verify"])
            .contains("audit trail intact: 5 entries")
    );
    // The triggers dropped and entry 3 turned into another clinician's read.
    env.sql(
        "DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; \
         UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 3",
        "DROP TRIGGER audit_log_no_change ON audit_log; \
         UPDATE audit_log SET actor = 'cli:mallory' WHERE seq = 3",
    );
    let err = env.fails(&["audit", "verify"]);
    assert!(err.contains("broken at entry 3"), "{err}");
    // Put back, then the last two entries removed and the head moved to match.
    env.sql(
        "UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 2) WHERE seq = 3; \
         DELETE FROM audit_log WHERE seq > 3; \
         UPDATE audit_chains SET last_seq = 3, \
         last_hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE last_seq > 0",
        "UPDATE audit_log SET actor = (SELECT actor FROM audit_log WHERE seq = 2) WHERE seq = 3; \
         DELETE FROM audit_log WHERE seq > 3; \
         UPDATE audit_chains SET last_seq = 3, \
         last_hash = (SELECT hash FROM audit_log WHERE seq = 3) WHERE last_seq > 0",
    );
    let err = env.fails(&["audit", "verify"]);
    assert!(err.contains("entries were removed"), "{err}");
});
