//! The MedWatch 3500 field set.

use cephalog_core::safety::{EventOutcome, IcsrElement, ReporterQualification, SeriousOutcome};
use cephalog_e2b::{
    ExportError, MedWatchReport, MissingElement, medwatch_3500, medwatch_3500_json,
};
use serde_json::Value;

use crate::fixtures::{assert_golden, d, event, event_with, medwatch_report, patient};

fn json() -> Value {
    let text = medwatch_3500_json(&event(), &patient(), &medwatch_report()).expect("exports");
    serde_json::from_str(&text).expect("valid JSON")
}

#[test]
fn golden_complete_case() {
    let text = medwatch_3500_json(&event(), &patient(), &medwatch_report()).expect("exports");
    assert_golden("complete_case_3500.json", &text);
}

#[test]
fn fields_are_keyed_by_form_section_and_item() {
    let v = json();
    assert_eq!(v["form"], "FDA 3500");
    assert_eq!(v["A"]["A.1"], "JD");
    assert_eq!(v["A"]["A.2"]["age"], 44);
    assert_eq!(v["A"]["A.2"]["date_of_birth"], "19-Jul-1981");
    assert_eq!(v["A"]["A.3"], "Female");
    assert_eq!(v["A"]["A.4"]["value"], 64.5);
    assert_eq!(v["B"]["B.1"][0], "Adverse Event");
    assert_eq!(v["B"]["B.3"], "04-Mar-2026");
    assert_eq!(v["B"]["B.4"], "09-Mar-2026");
    let b5 = v["B"]["B.5"].as_str().expect("B.5 text");
    assert!(
        b5.starts_with("Eyelid ptosis, left (CTCAE v5 grade 2)"),
        "{b5}"
    );
    assert!(
        b5.contains("causality (clinic assessment): possibly related"),
        "{b5}"
    );
    assert!(b5.ends_with(event().narrative()), "{b5}");
    assert_eq!(v["C"]["C.1"], false);
    let products = v["D"].as_array().expect("D entries");
    assert_eq!(products.len(), 2);
    assert_eq!(products[1]["D.1"]["lot_number"], "C6456BD2");
    assert_eq!(products[1]["D.2"]["dose_or_amount"], 155.0);
    assert_eq!(products[1]["D.2"]["route"], "Intramuscular");
    assert_eq!(products[1]["D.3"]["start"], "25-Feb-2026");
    assert_eq!(v["G"]["G.1"]["name"], "Okafor, Maria");
    assert_eq!(v["G"]["G.1"]["country"], "US");
    assert_eq!(v["G"]["G.2"], true);
    assert_eq!(v["G"]["G.3"], "Physician");
}

#[test]
fn outcome_checkboxes_follow_seriousness() {
    let v = json();
    let b2 = &v["B"]["B.2"];
    assert_eq!(b2["other_serious_or_important_medical_events"], true);
    for unchecked in [
        "death",
        "life_threatening",
        "hospitalization_initial_or_prolonged",
        "disability_or_permanent_damage",
        "congenital_anomaly_birth_defects",
        "required_intervention_to_prevent_permanent_impairment",
    ] {
        assert_eq!(b2[unchecked], false, "{unchecked}");
    }
    let fatal = event_with(|dr| {
        dr.ctcae_grade = 5;
        dr.outcome = EventOutcome::Fatal;
        dr.seriousness = vec![SeriousOutcome::Death, SeriousOutcome::Hospitalization];
        dr.resolution = Some(d("2026-03-08"));
    });
    let form = medwatch_3500(&fatal, &patient(), &medwatch_report()).expect("exports");
    assert!(form.event.outcomes.death);
    assert!(form.event.outcomes.hospitalization_initial_or_prolonged);
    assert_eq!(
        form.event.outcomes.date_of_death.as_deref(),
        Some("08-Mar-2026")
    );
}

#[test]
fn a_consumer_is_not_a_health_professional() {
    let e = event_with(|dr| dr.reporter.qualification = Some(ReporterQualification::Consumer));
    let form = medwatch_3500(&e, &patient(), &medwatch_report()).expect("exports");
    assert_eq!(form.reporter.health_professional, Some(false));
    assert_eq!(form.reporter.occupation, Some("Consumer"));
}

#[test]
fn an_invalid_case_is_refused() {
    let e = event_with(|dr| dr.reporter.qualification = None);
    match medwatch_3500(&e, &patient(), &medwatch_report()) {
        Err(ExportError::Incomplete { missing }) => {
            assert_eq!(missing, [MissingElement::Icsr(IcsrElement::Reporter)])
        }
        other => panic!("expected Incomplete, got {other:?}"),
    }
    let uncoded = event_with(|dr| dr.meddra_code = None);
    assert!(
        medwatch_3500(&uncoded, &patient(), &medwatch_report()).is_ok(),
        "the 3500 needs no MedDRA code"
    );
}

#[test]
fn a_report_dated_before_awareness_is_refused() {
    let early = MedWatchReport {
        report_date: d("2026-03-04"),
        product_available: None,
    };
    match medwatch_3500(&event(), &patient(), &early) {
        Err(ExportError::InvalidInput { field, .. }) => {
            assert_eq!(field, "B.4 date of this report")
        }
        other => panic!("expected InvalidInput, got {other:?}"),
    }
}
