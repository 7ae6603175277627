//! `cephalog fhir`: Bundles and bulk NDJSON out, Bundles in; export → import into an empty
//! database → export gives the same bytes.

use std::path::Path;

use serde_json::{Value, json};

use crate::harness::{Env, read};
use crate::journey;

/// Another empty database on the same engine as `env`.
fn empty_like(env: &Env, name: &str) -> Option<Env> {
    if env.url.starts_with("postgres") {
        Env::postgres(name)
    } else {
        Some(Env::sqlite())
    }
}

fn path(p: &Path) -> &str {
    p.to_str().expect("utf-8 path")
}

journey!(fhir_export_import_export_is_byte_identical, |env: &Env| {
    env.ok(&["demo", "--seed", "5", "--until", "2026-10-31", "--no-serve"]);
    let Some(other) = empty_like(env, "fhir_round_trip_target") else {
        return;
    };
    // A treated patient with sessions and adverse events, and an untreated one.
    for mrn in ["DEMO-0001", "DEMO-0004", "DEMO-0008"] {
        let file = env.path(&format!("{mrn}.json"));
        env.ok(&["fhir", "export", "--patient", mrn, "--out", path(&file)]);
        let first = read(&file);
        let bundle: Value = serde_json::from_str(&first).expect("json");
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        let out = other.ok(&["fhir", "import", path(&file)]);
        assert!(out.contains(&format!("(MRN {mrn})")), "{out}");
        let again = other.ok(&["fhir", "export", "--patient", mrn]);
        assert!(
            again == first,
            "{mrn}: export → import → export changed the bytes"
        );
    }
    // The same patient again: refused, and nothing changes.
    let before = other.ok(&["patient", "list", "--json"]);
    let err = other.fails(&["fhir", "import", path(&env.path("DEMO-0004.json"))]);
    assert!(err.contains("already stored"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert_eq!(other.ok(&["patient", "list", "--json"]), before);
    // The imports are in the audit trail.
    let log = other.ok(&["audit", "log", "--patient", "DEMO-0004", "--json"]);
    assert!(log.contains("fhir.import"), "{log}");
    let log = env.ok(&["audit", "log", "--patient", "DEMO-0004", "--json"]);
    assert!(log.contains("fhir.export"), "{log}");
});

journey!(
    fhir_export_all_writes_ndjson_per_resource_type,
    |env: &Env| {
        env.ok(&["demo", "--seed", "5", "--until", "2026-10-31", "--no-serve"]);
        let dir = env.path("bulk");
        let out = env.ok(&["fhir", "export", "--all", "--out", path(&dir)]);
        assert!(out.contains("11 patient(s) exported"), "{out}");
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .expect("dir")
            .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(
            names,
            [
                "AdverseEvent.ndjson",
                "Condition.ndjson",
                "MedicationAdministration.ndjson",
                "MedicationStatement.ndjson",
                "Observation.ndjson",
                "Patient.ndjson",
                "Procedure.ndjson",
                "QuestionnaireResponse.ndjson",
            ]
        );
        let patients = read(&dir.join("Patient.ndjson"));
        assert_eq!(patients.lines().count(), 11);
        for line in read(&dir.join("Procedure.ndjson")).lines() {
            let v: Value = serde_json::from_str(line).expect("one resource per line");
            assert_eq!(v["resourceType"], "Procedure");
            assert!(
                v["subject"]["reference"]
                    .as_str()
                    .is_some_and(|r| r.starts_with("Patient/")),
                "{v}"
            );
        }
        // Every patient's trail records the export.
        let log = env.ok(&["audit", "log", "--patient", "DEMO-0011", "--json"]);
        assert!(log.contains("fhir.export"), "{log}");
        // --all needs a directory, and a patient and --all do not go together.
        assert!(
            env.fails(&["fhir", "export", "--all"])
                .contains("--out DIR")
        );
        env.fails(&[
            "fhir",
            "export",
            "--all",
            "--patient",
            "DEMO-0001",
            "--out",
            "x",
        ]);
        env.fails(&["fhir", "export"]);
    }
);

journey!(
    a_bad_bundle_names_each_resource_and_stores_nothing,
    |env: &Env| {
        env.ok(&[
            "patient",
            "add",
            "--name",
            "Fhir Patient",
            "--dob",
            "1980-05-05",
            "--sex",
            "female",
            "--mrn",
            "F1",
            "--diagnosis",
            "1.3@2018-01-01",
        ]);
        let csv = env.write(
        "diary.csv",
        "date,headache_minutes,peak_intensity,nausea\n2026-04-01,300,severe,1\n2026-04-02,0,none,0\n",
    );
        env.ok(&["diary", "import", "--patient", "F1", path(&csv)]);
        let mut bundle: Value =
            serde_json::from_str(&env.ok(&["fhir", "export", "--patient", "F1"])).expect("json");
        let entries = bundle["entry"].as_array_mut().expect("entries");
        let mut bad = Vec::new();
        for e in entries.iter_mut() {
            let r = &mut e["resource"];
            let label = format!(
                "{}/{}",
                r["resourceType"].as_str().expect("type"),
                r["id"].as_str().expect("id")
            );
            if r["resourceType"] == "Condition" {
                r["code"]["coding"][1]["code"] = json!("1.4");
                bad.push(label);
            } else if r["effectiveDateTime"] == "2026-04-01" {
                // 300 minutes of headache with no intensity.
                r["component"][1]["valueCodeableConcept"]["coding"][0]["code"] = json!("none");
                bad.push(label);
            }
        }
        let file = env.write("bad.json", &bundle.to_string());
        let Some(other) = empty_like(env, "fhir_bad_bundle_target") else {
            return;
        };
        let err = other.fails(&["fhir", "import", path(&file)]);
        assert!(
            err.contains("(2 problem(s)); nothing was imported"),
            "{err}"
        );
        for label in &bad {
            assert!(err.contains(label.as_str()), "{label} not named:\n{err}");
        }
        assert!(err.contains("'1.4' is not a known ICHD-3 code"), "{err}");
        assert!(err.contains("recorded with peak intensity none"), "{err}");
        assert_eq!(other.ok(&["patient", "list", "--json"]).trim(), "[]");
        let err = other.fails(&[
            "fhir",
            "import",
            path(&other.write("x.json", "{\"resourceType\": \"Patient\"}")),
        ]);
        assert!(err.contains("not Bundle"), "{err}");
    }
);
