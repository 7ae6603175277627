//! The small chart's Bundle against its golden file (`golden/small-bundle.json`; rewrite it with
//! `CEPHALOG_BLESS=1` after a deliberate change, and read the diff).

use std::path::PathBuf;

use cephalog_fhir::bundle_json;

use crate::fixtures::small_chart;

fn golden(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(name)
}

#[test]
fn the_small_bundle_matches_its_golden_file() {
    let got = bundle_json(&small_chart());
    let path = golden("small-bundle.json");
    if std::env::var_os("CEPHALOG_BLESS").is_some() {
        std::fs::write(&path, &got).expect("write golden");
    }
    let want = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (bless with CEPHALOG_BLESS=1)", path.display()));
    if got != want {
        let line = got
            .lines()
            .zip(want.lines())
            .position(|(a, b)| a != b)
            .map_or_else(|| "the length".to_owned(), |n| format!("line {}", n + 1));
        panic!(
            "the bundle differs from {} at {line}; bless with CEPHALOG_BLESS=1 if intended",
            path.display()
        );
    }
}

#[test]
fn the_small_bundle_is_a_collection_with_resource_type_first() {
    let text = bundle_json(&small_chart());
    assert!(
        text.starts_with("{\n  \"resourceType\": \"Bundle\",\n  \"id\": "),
        "{text}"
    );
    assert!(text.ends_with("}\n"));
    let v: serde_json::Value = serde_json::from_str(&text).expect("json");
    assert_eq!(v["type"], "collection");
    let entries = v["entry"].as_array().expect("entries");
    // Patient, Condition, 3 diary days with their 3 medicines, 1 metrics period.
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().expect("type"))
        .collect();
    assert_eq!(
        kinds,
        [
            "Patient",
            "Condition",
            "Observation",
            "MedicationStatement",
            "Observation",
            "Observation",
            "MedicationStatement",
            "MedicationStatement",
            "Observation",
        ]
    );
    for e in entries {
        let id = e["resource"]["id"].as_str().expect("id");
        assert_eq!(e["fullUrl"], format!("urn:uuid:{id}"));
        if let Some(subject) = e["resource"]["subject"]["reference"].as_str() {
            assert_eq!(
                subject,
                entries[0]["fullUrl"].as_str().expect("patient url")
            );
        }
    }
}
