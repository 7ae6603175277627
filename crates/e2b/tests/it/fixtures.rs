//! One complete case, and the golden-file helper.

use std::path::PathBuf;

use cephalog_core::Sex;
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, IcsrPatient,
    IcsrPatientDraft, ReporterDraft, ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_e2b::{
    FDA_BATCH_RECEIVER, FDA_CDER_RECEIVER, IcsrHeader, MedWatchReport, Sender, SenderDraft,
};
use chrono::{DateTime, FixedOffset, NaiveDate};

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

pub const PRODUCT: &str = "onabotulinumtoxinA (Botox)";

/// Eyelid ptosis after the second of two sessions, serious (other important medical event), with
/// a MedDRA code as a clinic would supply it (the tests do not depend on what it codes).
pub fn event_draft() -> AdverseEventDraft {
    AdverseEventDraft {
        reported_term: "Eyelid ptosis, left".into(),
        meddra_code: Some("10015995".into()),
        onset: d("2026-03-04"),
        resolution: Some(d("2026-04-15")),
        ctcae_grade: 2,
        seriousness: vec![SeriousOutcome::OtherImportantMedicalEvent],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovered,
        causality: Causality::PossiblyRelated,
        reporter: ReporterDraft {
            given_name: Some("Maria".into()),
            family_name: Some("Okafor".into()),
            qualification: Some(ReporterQualification::Physician),
            country: Some("US".into()),
            email: Some("m.okafor@headache-clinic.example".into()),
        },
        awareness_date: d("2026-03-05"),
        narrative: "Left upper eyelid drooping noticed 7 days after the second session \
                    (155 U, PREEMPT sites). No diplopia, dysphagia or breathing difficulty. \
                    Resolved without treatment over 6 weeks."
            .into(),
        suspect_products: vec![
            SuspectProductDraft {
                product_name: PRODUCT.into(),
                lot_number: Some("C6123AC4".into()),
                dose_units: Some(155.0),
                session_date: d("2025-11-25"),
            },
            SuspectProductDraft {
                product_name: PRODUCT.into(),
                lot_number: Some("C6456BD2".into()),
                dose_units: Some(155.0),
                session_date: d("2026-02-25"),
            },
        ],
    }
}

pub fn event() -> AdverseEvent {
    AdverseEvent::try_from(event_draft()).expect("valid event")
}

pub fn event_with(f: impl FnOnce(&mut AdverseEventDraft)) -> AdverseEvent {
    let mut draft = event_draft();
    f(&mut draft);
    AdverseEvent::try_from(draft).expect("valid event")
}

pub fn patient_draft() -> IcsrPatientDraft {
    IcsrPatientDraft {
        initials: Some("JD".into()),
        identifier: Some("HC-004217".into()),
        date_of_birth: Some(d("1981-07-19")),
        age_years: None,
        sex: Some(Sex::Female),
        weight_kg: Some(64.5),
    }
}

pub fn patient() -> IcsrPatient {
    IcsrPatient::try_from(patient_draft()).expect("valid patient")
}

pub fn header() -> IcsrHeader {
    IcsrHeader {
        batch_number: "CEPHALOG-B-2026-0007".into(),
        case_id: "US-CEPHALOGHC-2026000123".into(),
        sender_id: "CEPHALOGHC".into(),
        batch_receiver_id: FDA_BATCH_RECEIVER.into(),
        message_receiver_id: FDA_CDER_RECEIVER.into(),
        created_at: DateTime::<FixedOffset>::parse_from_rfc3339("2026-03-09T14:30:05-05:00")
            .expect("test time"),
        latest_information: Some(d("2026-03-06")),
        meddra_version: "28.1".into(),
        language: "eng".into(),
    }
}

pub fn sender_draft() -> SenderDraft {
    SenderDraft {
        organisation: "Lakeside Headache Clinic".into(),
        department: "Neurology".into(),
        title: "Dr".into(),
        given_name: "Samuel".into(),
        family_name: "Park".into(),
        street: "200 Harbor Road".into(),
        city: "Chicago".into(),
        state: "IL".into(),
        postcode: "60601".into(),
        country: "US".into(),
        telephone: "+13125550100".into(),
        fax: "+13125550101".into(),
        email: "safety@lakeside-headache.example".into(),
    }
}

pub fn sender() -> Sender {
    Sender::try_from(sender_draft()).expect("valid sender")
}

pub fn medwatch_report() -> MedWatchReport {
    MedWatchReport {
        report_date: d("2026-03-09"),
        product_available: Some(false),
    }
}

/// Compares `actual` with the golden file; `CEPHALOG_BLESS=1` rewrites the file instead.
pub fn assert_golden(file: &str, actual: &str) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/golden")
        .join(file);
    if std::env::var_os("CEPHALOG_BLESS").is_some() {
        std::fs::write(&path, actual).expect("write golden file");
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "golden file {} unreadable ({e}); run with CEPHALOG_BLESS=1 to create it",
            path.display()
        )
    });
    if expected != actual {
        let line = expected
            .lines()
            .zip(actual.lines())
            .position(|(e, a)| e != a)
            .map_or_else(
                || expected.lines().count().min(actual.lines().count()) + 1,
                |i| i + 1,
            );
        panic!(
            "{file} differs from the golden file at line {line}:\n  golden: {:?}\n  actual: {:?}\n\
             Review the change; CEPHALOG_BLESS=1 accepts it.",
            expected.lines().nth(line - 1).unwrap_or(""),
            actual.lines().nth(line - 1).unwrap_or("")
        );
    }
}
