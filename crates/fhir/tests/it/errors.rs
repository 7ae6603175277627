//! A bundle that cannot be imported names every resource at fault and why.

use serde_json::{Value, json};

use cephalog_fhir::{ImportError, bundle_json, import_bundle};

use crate::fixtures::full_chart;

fn bundle() -> Value {
    serde_json::from_str(&bundle_json(&full_chart())).expect("json")
}

fn import(v: &Value) -> ImportError {
    import_bundle(&v.to_string()).expect_err("the import should fail")
}

fn entry_index(b: &Value, pred: impl Fn(&Value) -> bool) -> usize {
    b["entry"]
        .as_array()
        .and_then(|e| e.iter().position(|e| pred(&e["resource"])))
        .expect("entry")
}

fn label(b: &Value, i: usize) -> String {
    let r = &b["entry"][i]["resource"];
    format!(
        "{}/{}",
        r["resourceType"].as_str().expect("type"),
        r["id"].as_str().expect("id")
    )
}

#[test]
fn every_bad_resource_is_named_with_its_reason() {
    let mut b = bundle();
    // A diary day with headache minutes and no intensity.
    let day = entry_index(&b, |r| {
        r["effectiveDateTime"] == "2025-12-01" && r["resourceType"] == "Observation"
    });
    b["entry"][day]["resource"]["component"][1]["valueCodeableConcept"]["coding"][0]["code"] =
        json!("none");
    // A preventive with an unknown outcome.
    let prev = entry_index(&b, |r| {
        r["medicationCodeableConcept"]["text"] == "topiramate"
    });
    b["entry"][prev]["resource"]["statusReason"][0]["coding"][0]["code"] = json!("so-so");
    // An element Cephalog does not know.
    let cond = entry_index(&b, |r| r["resourceType"] == "Condition");
    b["entry"][cond]["resource"]["severity"] = json!({"text": "bad"});
    // A resource type Cephalog does not import.
    b["entry"]
        .as_array_mut()
        .expect("entries")
        .push(json!({"fullUrl": "urn:uuid:x", "resource": {"resourceType": "Encounter", "id": "enc-1", "status": "finished"}}));
    let err = import(&b);
    let by: Vec<(String, String)> = err
        .issues
        .iter()
        .map(|i| (i.resource.clone(), i.reason.clone()))
        .collect();
    assert_eq!(by.len(), 4, "{err}");
    let find = |l: &str| {
        by.iter()
            .find(|(r, _)| r == l)
            .map(|(_, why)| why.clone())
            .unwrap_or_else(|| panic!("{l} not reported: {err}"))
    };
    assert!(find(&label(&b, day)).contains("peak_intensity"), "{err}");
    assert!(find(&label(&b, prev)).contains("so-so"), "{err}");
    assert!(
        find(&label(&b, cond)).contains("unknown field `severity`"),
        "{err}"
    );
    assert!(
        find("Encounter/enc-1").contains("not a resource type Cephalog imports"),
        "{err}"
    );
    assert!(
        err.to_string()
            .starts_with("the bundle cannot be imported: 4 problem(s)")
    );
}

#[test]
fn a_session_needs_both_halves_and_consistent_doses() {
    let mut b = bundle();
    let admin = entry_index(&b, |r| {
        r["resourceType"] == "MedicationAdministration" && r["effectiveDateTime"] == "2026-01-20"
    });
    let procedure_label = {
        let p = entry_index(&b, |r| {
            r["resourceType"] == "Procedure" && r["performedDateTime"] == "2026-01-20"
        });
        label(&b, p)
    };
    let other_admin = entry_index(&b, |r| {
        r["resourceType"] == "MedicationAdministration" && r["effectiveDateTime"] == "2026-03-30"
    });
    b["entry"][other_admin]["resource"]["dosage"]["dose"]["value"] = json!(150);
    let other_label = label(&b, other_admin);
    b["entry"].as_array_mut().expect("entries").remove(admin);
    let err = import(&b);
    assert!(
        err.issues
            .iter()
            .any(|i| i.resource == procedure_label
                && i.reason.contains("no MedicationAdministration")),
        "{err}"
    );
    assert!(
        err.issues
            .iter()
            .any(|i| i.resource == other_label
                && i.reason.contains("dose 150 U differs from the 165 U")),
        "{err}"
    );
}

#[test]
fn unknown_extensions_and_foreign_subjects_are_refused() {
    let mut b = bundle();
    let p = entry_index(&b, |r| {
        r["resourceType"] == "Procedure" && r["performedDateTime"] == "2026-02-03"
    });
    b["entry"][p]["resource"]["extension"]
        .as_array_mut()
        .expect("extensions")
        .push(json!({"url": "https://example.org/fhir/x", "valueString": "?"}));
    let q = entry_index(&b, |r| r["resourceType"] == "QuestionnaireResponse");
    b["entry"][q]["resource"]["subject"]["reference"] = json!("Patient/someone-else");
    let err = import(&b);
    assert!(
        err.issues
            .iter()
            .any(|i| i.resource == label(&b, p) && i.reason.contains("https://example.org/fhir/x")),
        "{err}"
    );
    assert!(
        err.issues.iter().any(|i| i.resource == label(&b, q) && i.reason.contains("is not the bundle's Patient")),
        "{err}"
    );
}

#[test]
fn questionnaire_totals_must_match_their_answers() {
    let mut b = bundle();
    let q = entry_index(&b, |r| r["resourceType"] == "QuestionnaireResponse");
    let items = b["entry"][q]["resource"]["item"]
        .as_array_mut()
        .expect("items");
    let last = items.len() - 1;
    items[last]["answer"][0]["valueInteger"] = json!(99);
    let err = import(&b);
    assert_eq!(err.issues.len(), 1, "{err}");
    assert!(err.issues[0].reason.contains("stated score 99"), "{err}");
}

#[test]
fn a_bundle_needs_exactly_one_patient_and_to_be_a_collection() {
    let mut b = bundle();
    b["type"] = json!("transaction");
    assert!(
        import(&b)
            .to_string()
            .contains("type is transaction, not collection")
    );
    let mut b = bundle();
    let patient = b["entry"][0].clone();
    let mut twin = patient.clone();
    twin["fullUrl"] = json!("urn:uuid:twin");
    twin["resource"]["id"] = json!("twin");
    b["entry"].as_array_mut().expect("entries").push(twin);
    assert!(import(&b).to_string().contains("holds 2 Patient resources"));
    let err = import_bundle("{not json").expect_err("not json");
    assert_eq!(err.issues[0].resource, "Bundle");
}

#[test]
fn a_record_id_used_twice_is_refused() {
    let mut b = bundle();
    let ids: Vec<usize> = b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .enumerate()
        .filter(|(_, e)| e["resource"]["resourceType"] == "QuestionnaireResponse")
        .map(|(i, _)| i)
        .collect();
    let first = b["entry"][ids[0]]["resource"]["identifier"].clone();
    b["entry"][ids[1]]["resource"]["identifier"] = first;
    let err = import(&b);
    assert_eq!(err.issues.len(), 1, "{err}");
    assert!(err.issues[0].reason.contains("used twice"), "{err}");
}

#[test]
fn records_without_cephalog_ids_get_new_ones() {
    let mut b: Value =
        serde_json::from_str(&bundle_json(&crate::fixtures::small_chart())).expect("json");
    for e in b["entry"].as_array_mut().expect("entries") {
        if let Some(ids) = e["resource"]
            .get_mut("identifier")
            .and_then(Value::as_array_mut)
        {
            ids.retain(|i| i["system"] != cephalog_fhir::codes::RECORD_ID);
        }
    }
    let chart = import_bundle(&b.to_string()).expect("imports");
    assert_ne!(chart.id, crate::fixtures::small_chart().id);
    assert_eq!(chart.patient.mrn(), Some("S-7"));
    assert_eq!(chart.diary, crate::fixtures::small_chart().diary);
}
