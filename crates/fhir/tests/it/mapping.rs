//! How each record is written: codes, ICD-10-CM, body sites, questionnaire items, adverse events,
//! and the bulk export.

use serde_json::{Value, json};

use cephalog_fhir::codes::{self, ext};
use cephalog_fhir::{BulkExport, RefStyle, bundle_json, resources};

use crate::fixtures::{full_chart, small_chart};

/// The full chart's Bundle as JSON, and its resources of one type.
fn bundle() -> Value {
    serde_json::from_str(&bundle_json(&full_chart())).expect("json")
}

fn of_type(b: &Value, kind: &str) -> Vec<Value> {
    b["entry"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|e| e["resource"].clone())
        .filter(|r| r["resourceType"] == kind)
        .collect()
}

fn coding<'a>(concept: &'a Value, system: &str) -> &'a Value {
    concept["coding"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["system"] == system))
        .unwrap_or_else(|| panic!("no {system} coding in {concept}"))
}

fn ext_of<'a>(v: &'a Value, url: &str) -> Vec<&'a Value> {
    v["extension"]
        .as_array()
        .map(|e| e.iter().filter(|x| x["url"] == url).collect())
        .unwrap_or_default()
}

fn sub<'a>(e: &'a Value, url: &str) -> &'a Value {
    e["extension"]
        .as_array()
        .and_then(|x| x.iter().find(|x| x["url"] == url))
        .unwrap_or_else(|| panic!("no {url} in {e}"))
}

#[test]
fn patient_carries_mrn_id_name_birth_date_and_gender() {
    let b = bundle();
    let p = &of_type(&b, "Patient")[0];
    assert_eq!(
        p["identifier"][0],
        json!({"type": {"coding": [{"system": codes::IDENTIFIER_TYPE, "code": "MR", "display": "Medical record number"}]},
               "system": codes::MRN, "value": "H-1001"})
    );
    assert_eq!(p["identifier"][1]["system"], codes::RECORD_ID);
    assert_eq!(p["name"], json!([{"text": "Ada Example"}]));
    assert_eq!(p["birthDate"], "1984-03-02");
    assert_eq!(p["gender"], "female");
    assert_eq!(
        ext_of(p, ext::PATIENT_NOTES)[0]["valueString"],
        "prefers morning appointments"
    );
}

#[test]
fn conditions_carry_icd10cm_and_ichd3() {
    let b = bundle();
    let conditions = of_type(&b, "Condition");
    assert_eq!(conditions.len(), 2);
    let cm = &conditions[0];
    assert_eq!(coding(&cm["code"], codes::ICD10CM)["code"], "G43.709");
    assert_eq!(coding(&cm["code"], codes::ICHD3)["code"], "1.3");
    assert_eq!(cm["onsetDateTime"], "2019-05-01");
    assert_eq!(
        coding(&cm["clinicalStatus"], codes::CONDITION_CLINICAL)["code"],
        "active"
    );
    let moh = &conditions[1];
    assert_eq!(coding(&moh["code"], codes::ICD10CM)["code"], "G44.40");
    assert_eq!(coding(&moh["code"], codes::ICHD3)["code"], "8.2");
    assert!(moh.get("onsetDateTime").is_none());
}

#[test]
fn a_diary_day_is_an_observation_with_components_and_its_medicines() {
    let b = bundle();
    let day = of_type(&b, "Observation")
        .into_iter()
        .find(|o| o["effectiveDateTime"] == "2025-12-01")
        .expect("first day");
    assert_eq!(coding(&day["code"], codes::DIARY)["code"], "diary-day");
    assert_eq!(
        coding(&day["category"][0], codes::OBSERVATION_CATEGORY)["code"],
        "survey"
    );
    let comp = |code: &str| {
        day["component"]
            .as_array()
            .and_then(|c| {
                c.iter()
                    .find(|c| coding(&c["code"], codes::DIARY)["code"] == code)
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {code}"))
    };
    assert_eq!(
        comp("headache-minutes")["valueQuantity"],
        json!({"value": 480, "unit": "min", "system": codes::UCUM, "code": "min"})
    );
    let peak = comp("peak-intensity");
    assert_eq!(coding(&peak["code"], codes::LOINC)["code"], "38208-5");
    assert_eq!(
        coding(&peak["valueCodeableConcept"], codes::PEAK_INTENSITY)["code"],
        "severe"
    );
    assert_eq!(comp("unilateral")["valueBoolean"], true);
    assert_eq!(comp("aggravated-by-activity")["valueBoolean"], false);
    assert_eq!(comp("paroxysms")["valueInteger"], 0);
    let meds: Vec<Value> = of_type(&b, "MedicationStatement")
        .into_iter()
        .filter(|m| m["effectiveDateTime"] == "2025-12-01")
        .collect();
    assert_eq!(meds.len(), 2);
    assert_eq!(meds[0]["medicationCodeableConcept"]["text"], "sumatriptan");
    assert_eq!(
        coding(&meds[0]["medicationCodeableConcept"], codes::ACUTE_CLASS)["code"],
        "triptan"
    );
    assert_eq!(meds[0]["dosage"][0]["text"], "50mg");
    assert_eq!(
        ext_of(&meds[0], ext::MIGRAINE_SPECIFIC)[0]["valueBoolean"],
        true
    );
    assert_eq!(
        coding(&meds[1]["medicationCodeableConcept"], codes::ACUTE_CLASS)["code"],
        "non_opioid"
    );
    assert_eq!(
        meds[0]["derivedFrom"][0]["reference"],
        format!("urn:uuid:{}", day["id"].as_str().expect("id"))
    );
}

#[test]
fn metrics_cover_28_day_periods_under_a_named_preset() {
    let b = bundle();
    let metrics: Vec<Value> = of_type(&b, "Observation")
        .into_iter()
        .filter(|o| o["code"]["coding"][0]["code"] == "diary-metrics")
        .collect();
    // 2025-12-01 to 2026-03-30: four full periods and a shorter fifth.
    assert_eq!(metrics.len(), 5);
    assert_eq!(
        metrics[0]["effectivePeriod"],
        json!({"start": "2025-12-01", "end": "2025-12-28"})
    );
    assert_eq!(
        coding(&metrics[0]["method"], codes::DAY_PRESET)["code"],
        "label-4h"
    );
    let comp = |m: &Value, code: &str| {
        m["component"]
            .as_array()
            .and_then(|c| {
                c.iter()
                    .find(|c| coding(&c["code"], codes::DIARY)["code"] == code)
            })
            .cloned()
            .unwrap_or_else(|| panic!("no {code}"))
    };
    // Days 5 and 22 of the first 28 are unrecorded; days 0, 10, 15, 20, 25 have 480 minutes and
    // days 1, 6, 11, 16, 21, 26 have 240 (4 h: a headache day under label-4h).
    assert_eq!(comp(&metrics[0], "recorded-days")["valueInteger"], 26);
    assert_eq!(comp(&metrics[0], "headache-days")["valueInteger"], 11);
    assert!(comp(&metrics[0], "headache-days-per-28")["valueQuantity"]["value"].is_number());
    // The last period is 8 days long, with one unrecorded: still complete enough here, or not.
    let last = metrics.last().expect("last");
    let per28 = comp(last, "headache-days-per-28");
    assert!(
        per28["valueQuantity"].is_object() != per28["dataAbsentReason"].is_object(),
        "a value or a reason, never both: {per28}"
    );
}

#[test]
fn preventives_carry_status_period_reason_and_outcome() {
    let b = bundle();
    let ms: Vec<Value> = of_type(&b, "MedicationStatement")
        .into_iter()
        .filter(|m| coding(&m["category"], codes::MEDICATION_USE)["code"] == "preventive")
        .collect();
    assert_eq!(ms.len(), 4);
    let topiramate = ms
        .iter()
        .find(|m| m["medicationCodeableConcept"]["text"] == "topiramate")
        .expect("topiramate");
    assert_eq!(topiramate["status"], "stopped");
    assert_eq!(
        topiramate["effectivePeriod"],
        json!({"start": "2025-01-10", "end": "2025-03-01"})
    );
    assert_eq!(
        coding(&topiramate["statusReason"][0], codes::PREVENTIVE_OUTCOME)["code"],
        "not_tolerated"
    );
    assert_eq!(topiramate["statusReason"][0]["text"], "paraesthesia");
    assert_eq!(
        coding(&topiramate["reasonCode"][0], codes::MEDICATION_PURPOSE)["code"],
        "headache-prevention"
    );
    assert_eq!(
        topiramate["note"][0]["text"],
        "Outcome: not tolerated. Reason: paraesthesia"
    );
    assert_eq!(
        ext_of(topiramate, ext::PREVENTIVE_CLASS)[0]["valueCoding"]["code"],
        "anticonvulsant"
    );
    let candesartan = ms
        .iter()
        .find(|m| m["medicationCodeableConcept"]["text"] == "candesartan")
        .expect("candesartan");
    assert_eq!(candesartan["status"], "not-taken");
    assert!(candesartan.get("effectivePeriod").is_none());
    let amitriptyline = ms
        .iter()
        .find(|m| m["medicationCodeableConcept"]["text"] == "amitriptyline")
        .expect("amitriptyline");
    assert_eq!(amitriptyline["status"], "active");
    assert_eq!(
        amitriptyline["effectivePeriod"],
        json!({"start": "2026-02-01"})
    );
}

#[test]
fn questionnaires_carry_their_items() {
    let b = bundle();
    let qr = of_type(&b, "QuestionnaireResponse");
    assert_eq!(qr.len(), 3);
    let midas = qr
        .iter()
        .find(|q| q["questionnaire"] == codes::QUESTIONNAIRE_MIDAS && q["authored"] == "2026-01-15")
        .expect("midas");
    let items: Vec<(String, Value)> = midas["item"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| {
            (
                i["linkId"].as_str().expect("link").to_owned(),
                i["answer"][0].clone(),
            )
        })
        .collect();
    assert_eq!(
        items,
        [
            ("1".to_owned(), json!({"valueInteger": 10})),
            ("2".to_owned(), json!({"valueInteger": 5})),
            ("3".to_owned(), json!({"valueInteger": 3})),
            ("4".to_owned(), json!({"valueInteger": 2})),
            ("5".to_owned(), json!({"valueInteger": 1})),
            ("A".to_owned(), json!({"valueInteger": 30})),
            ("B".to_owned(), json!({"valueInteger": 7})),
            ("score".to_owned(), json!({"valueInteger": 21})),
        ]
    );
    let hit6 = qr
        .iter()
        .find(|q| q["questionnaire"] == codes::QUESTIONNAIRE_HIT6)
        .expect("hit6");
    assert_eq!(
        hit6["item"][1]["answer"][0]["valueCoding"]["code"],
        "very_often"
    );
    assert_eq!(
        hit6["item"][1]["answer"][0]["valueCoding"]["system"],
        codes::HIT6_ANSWER
    );
    assert_eq!(hit6["item"][6]["linkId"], "score");
    assert_eq!(
        hit6["item"][6]["answer"][0]["valueInteger"],
        13 + 11 + 10 + 8 + 6 + 13
    );
    assert_eq!(hit6["status"], "completed");
}

/// PHQ-9 is LOINC panel 44249-1: its items, answers and total are LOINC codes.
#[test]
fn phq9_items_answers_and_total_are_loinc_coded() {
    use cephalog_core::prom::{Instrument, PromEntry, PromResult};
    let mut chart = full_chart();
    let phq9 = PromResult::score(
        Instrument::Phq9,
        &["2", "1", "3", "2", "0", "1", "1", "0", "1"],
    )
    .expect("phq9");
    chart.questionnaires.push((
        crate::fixtures::id(310),
        PromEntry {
            date: crate::fixtures::d("2026-02-01"),
            result: phq9,
        },
    ));
    let b: Value = serde_json::from_str(&bundle_json(&chart)).expect("json");
    let qr = of_type(&b, "QuestionnaireResponse");
    let phq9 = qr
        .iter()
        .find(|q| q["questionnaire"] == "https://cephalog.org/fhir/Questionnaire/phq9")
        .expect("phq9");
    let links: Vec<&str> = phq9["item"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["linkId"].as_str().expect("link"))
        .collect();
    assert_eq!(
        links,
        [
            "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
            "44260-8", "44261-6"
        ]
    );
    assert_eq!(
        phq9["item"][2]["answer"][0]["valueCoding"],
        json!({"system": codes::LOINC, "code": "LA6571-9", "display": "Nearly every day"})
    );
    assert_eq!(
        phq9["item"][8]["answer"][0]["valueCoding"]["code"],
        "LA6569-3"
    );
    assert_eq!(phq9["item"][9]["answer"][0]["valueInteger"], 11);
}

#[test]
fn sessions_are_a_procedure_with_a_body_site_per_site_and_an_administration() {
    let b = bundle();
    let procedures = of_type(&b, "Procedure");
    let first = procedures
        .iter()
        .find(|p| p["performedDateTime"] == "2026-01-20")
        .expect("PREEMPT session");
    assert_eq!(coding(&first["code"], codes::CPT)["code"], "64615");
    let sites = first["bodySite"].as_array().expect("body sites");
    assert_eq!(sites.len(), 31, "one bodySite per PREEMPT site");
    let temporalis_left: Vec<&Value> = sites
        .iter()
        .filter(|s| coding(s, codes::INJECTION_SITE)["code"] == "temporalis")
        .filter(|s| sub(&s["extension"][0], "side")["valueCode"] == "left")
        .collect();
    assert_eq!(temporalis_left.len(), 4);
    let detail = &temporalis_left[3]["extension"][0];
    assert_eq!(detail["url"], ext::INJECTION_SITE);
    assert_eq!(sub(detail, "ordinal")["valuePositiveInt"], 4);
    assert_eq!(
        sub(detail, "units")["valueQuantity"],
        json!({"value": 5, "unit": "U", "system": codes::UCUM, "code": "[arb'U]"})
    );
    assert_eq!(temporalis_left[3]["text"], "temporalis, left, site 4: 5 U");
    assert_eq!(first["performer"][0]["actor"]["display"], "Dr A. Clinician");
    let procerus: Vec<&Value> = sites
        .iter()
        .filter(|s| coding(s, codes::INJECTION_SITE)["code"] == "procerus")
        .collect();
    assert_eq!(
        sub(&procerus[0]["extension"][0], "side")["valueCode"],
        "midline"
    );

    let admin = of_type(&b, "MedicationAdministration")
        .into_iter()
        .find(|m| m["effectiveDateTime"] == "2026-01-20")
        .expect("administration");
    assert_eq!(
        admin["partOf"][0]["reference"],
        format!("urn:uuid:{}", first["id"].as_str().expect("id"))
    );
    assert_eq!(admin["medicationReference"]["reference"], "#toxin");
    let med = &admin["contained"][0];
    assert_eq!(med["resourceType"], "Medication");
    assert_eq!(
        med["batch"],
        json!({"lotNumber": "C4021AB", "expirationDate": "2027-03-31"})
    );
    assert_eq!(med["amount"]["numerator"]["value"], 200);
    assert_eq!(admin["dosage"]["dose"]["value"], 155);
    assert_eq!(admin["dosage"]["route"]["coding"][0]["code"], "IM");
    assert_eq!(ext_of(&admin, ext::DILUENT)[0]["valueQuantity"]["value"], 4);

    let overridden = procedures
        .iter()
        .find(|p| p["performedDateTime"] == "2026-03-30")
        .expect("second session");
    let o = ext_of(overridden, ext::SAFETY_OVERRIDE);
    assert_eq!(sub(o[0], "check")["valueCode"], "retreatment_interval");
    assert_eq!(
        sub(o[0], "reason")["valueString"],
        "travelling for 4 months"
    );

    let occipital = procedures
        .iter()
        .find(|p| p["performedDateTime"] == "2026-02-10")
        .expect("off-label session");
    assert_eq!(
        coding(&occipital["code"], codes::PROCEDURE)["code"],
        "botulinum-toxin-injection"
    );
    assert_eq!(
        coding(&occipital["reasonCode"][0], codes::INDICATION)["code"],
        "occipital_neuralgia"
    );
    let named = occipital["bodySite"]
        .as_array()
        .and_then(|s| {
            s.iter()
                .find(|s| coding(s, codes::INJECTION_SITE)["code"] == "named-site")
        })
        .expect("named site");
    assert_eq!(
        sub(&named["extension"][0], "name")["valueString"],
        "splenius capitis"
    );

    let block = procedures
        .iter()
        .find(|p| p["performedDateTime"] == "2026-02-03")
        .expect("nerve block");
    assert_eq!(coding(&block["code"], codes::CPT)["code"], "64405");
    assert_eq!(block["bodySite"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        coding(&block["usedCode"][0], codes::ANAESTHETIC)["code"],
        "bupivacaine_0.5"
    );
    let relief = ext_of(block, ext::BLOCK_RELIEF);
    assert_eq!(sub(relief[0], "percent")["valueInteger"], 80);
}

#[test]
fn adverse_events_carry_meddra_seriousness_severity_outcome_and_suspects() {
    let b = bundle();
    let events = of_type(&b, "AdverseEvent");
    assert_eq!(events.len(), 3);
    let ptosis = &events[0];
    assert_eq!(ptosis["actuality"], "actual");
    assert_eq!(
        ptosis["event"],
        json!({"coding": [{"system": codes::MEDDRA, "code": "10015995"}], "text": "eyelid ptosis"})
    );
    assert_eq!(ptosis["date"], "2026-02-01");
    assert_eq!(ptosis["detected"], "2026-02-02");
    assert_eq!(
        coding(&ptosis["seriousness"], codes::AE_SERIOUSNESS)["code"],
        "Serious"
    );
    assert_eq!(
        coding(&ptosis["severity"], codes::AE_SEVERITY)["code"],
        "moderate"
    );
    assert_eq!(coding(&ptosis["severity"], codes::CTCAE_GRADE)["code"], "2");
    assert_eq!(
        coding(&ptosis["outcome"], codes::AE_OUTCOME)["code"],
        "resolvedWithSequelae"
    );
    let criteria = ext_of(ptosis, ext::AE_SERIOUS_CRITERION);
    assert_eq!(criteria.len(), 2);
    assert_eq!(
        coding(&criteria[0]["valueCodeableConcept"], codes::AE_SERIOUSNESS)["code"],
        "SeriousRequiresPreventImpairment"
    );
    // The first suspect is the session's administration; the dose given elsewhere is contained.
    let admin = of_type(&b, "MedicationAdministration")
        .into_iter()
        .find(|m| m["effectiveDateTime"] == "2026-01-20")
        .expect("administration");
    assert_eq!(
        ptosis["suspectEntity"][0]["instance"]["reference"],
        format!("urn:uuid:{}", admin["id"].as_str().expect("id"))
    );
    assert_eq!(
        coding(
            &ptosis["suspectEntity"][0]["causality"][0]["assessment"],
            codes::CAUSALITY
        )["code"],
        "related"
    );
    assert_eq!(
        ptosis["suspectEntity"][1]["instance"]["reference"],
        "#product-2"
    );
    assert_eq!(ptosis["recorder"]["reference"], "#reporter");
    let reporter = ptosis["contained"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "reporter"))
        .expect("reporter");
    assert_eq!(reporter["resourceType"], "Practitioner");
    assert_eq!(reporter["address"][0]["country"], "GB");
    let neck = &events[2];
    assert_eq!(
        neck["event"],
        json!({"text": "neck pain"}),
        "no MedDRA code: the term alone"
    );
    assert_eq!(
        coding(&neck["seriousness"], codes::AE_SERIOUSNESS)["code"],
        "Non-serious"
    );
    let consumer = &neck["contained"][0];
    assert_eq!(consumer["resourceType"], "RelatedPerson");
}

#[test]
fn bulk_export_writes_one_ndjson_file_per_type_with_relative_references() {
    let mut bulk = BulkExport::new();
    bulk.add(&full_chart());
    bulk.add(&small_chart());
    let files = bulk.files();
    let names: Vec<&str> = files.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(
        names,
        [
            "Patient.ndjson",
            "Condition.ndjson",
            "Observation.ndjson",
            "MedicationStatement.ndjson",
            "MedicationAdministration.ndjson",
            "Procedure.ndjson",
            "QuestionnaireResponse.ndjson",
            "AdverseEvent.ndjson",
        ]
    );
    let patients = &files[0].1;
    assert_eq!(patients.lines().count(), 2);
    for (name, text) in &files {
        assert!(text.ends_with('\n'));
        for line in text.lines() {
            let v: Value = serde_json::from_str(line).expect("one resource per line");
            assert_eq!(
                format!("{}.ndjson", v["resourceType"].as_str().expect("type")),
                *name
            );
            if let Some(r) = v["subject"]["reference"].as_str() {
                assert!(r.starts_with("Patient/"), "{r}");
            }
        }
    }
    let full = resources(&full_chart(), RefStyle::Relative);
    let in_files: usize = files.iter().map(|(_, t)| t.lines().count()).sum();
    assert_eq!(
        in_files,
        full.len() + resources(&small_chart(), RefStyle::Relative).len()
    );
}
