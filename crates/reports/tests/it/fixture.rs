//! A typical treated patient on a fresh SQLite database: six months of chronic-migraine diary with
//! triptan overuse before the first session and fewer headache days after it, three failed
//! preventives, two PREEMPT sessions, questionnaires before and after, and one adverse event.

use chrono::{Datelike, Duration, NaiveDate};

use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
use cephalog_core::prom::Instrument;
use cephalog_core::protocol::Plan;
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    SuspectProductDraft,
};
use cephalog_core::session::{
    CheckPolicy, Indication, Product, Session, SessionDraft, SiteDose, VialSize,
};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, Features, Intensity, MedicationIntake, Minutes,
    Patient, Sex,
};
use cephalog_store::{PatientRecord, Store};

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// The day the reports are made.
pub fn today() -> NaiveDate {
    d("2026-07-01")
}

pub const FIRST_SESSION: &str = "2026-04-01";
pub const SECOND_SESSION: &str = "2026-06-24";
pub const LOTS: [&str; 2] = ["C4021AB", "C5177XZ"];

/// The store, its directory (kept alive) and the patient.
pub struct Clinic {
    pub store: Store,
    pub patient: PatientRecord,
    _dir: tempfile::TempDir,
}

fn day(date: NaiveDate, dictionary: &cephalog_core::DrugDictionary) -> DiaryDay {
    let n = date.day();
    let before = date < d(FIRST_SESSION);
    let (headache_days, migraine_days, triptan_days) =
        if before { (18, 10, 12) } else { (8, 5, 5) };
    if n > headache_days {
        return DiaryDay::headache_free(date);
    }
    let migraine = n <= migraine_days;
    let mut meds = Vec::new();
    if n <= triptan_days {
        meds.push(MedicationIntake::parse("sumatriptan 50mg", dictionary).expect("drug"));
    } else if before && n <= 16 {
        meds.push(MedicationIntake::parse("ibuprofen 400 mg", dictionary).expect("drug"));
    }
    let draft = DiaryDraft {
        date: Some(date),
        headache_minutes: Minutes::new(if migraine { 480 } else { 300 }).expect("minutes"),
        peak_intensity: if migraine {
            Intensity::Severe
        } else {
            Intensity::Moderate
        },
        features: if migraine {
            Features {
                unilateral: true,
                pulsating: true,
                aggravated_by_activity: true,
                nausea: true,
                photophobia: true,
                phonophobia: true,
                ..Features::default()
            }
        } else {
            Features::default()
        },
        medications: meds,
        paroxysms: 0,
        notes: String::new(),
    };
    DiaryDay::record(date, draft, today()).expect("day")
}

fn preempt(date: &str, lot: &str) -> Session {
    Session::record(
        SessionDraft {
            date: d(date),
            indication: Indication::ChronicMigraine,
            product: Product::OnabotulinumtoxinA,
            vial_size: VialSize::U200,
            vials: 1,
            lot: lot.to_owned(),
            expiry: d("2027-03-31"),
            diluent: VialSize::U200.protocol_diluent(),
            sites: SiteDose::from_plan(&Plan::preempt()),
            injector: "Dr Ana Ruiz".to_owned(),
            prescriber: None,
            notes: "Tolerated well; ice packs offered.".to_owned(),
        },
        today(),
    )
    .expect("session")
}

fn trial(
    drug: &str,
    start: &str,
    stop: &str,
    outcome: PreventiveOutcome,
    reason: &str,
) -> PreventiveTrial {
    PreventiveTrial::new(PreventiveDraft {
        drug: drug.to_owned(),
        class: None,
        start: Some(d(start)),
        stop: Some(d(stop)),
        dose: None,
        outcome: Some(outcome),
        reason: reason.to_owned(),
    })
    .expect("trial")
}

/// The clinic with its one patient, Ada O'Brien.
pub async fn clinic() -> Clinic {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(dir.path().join("clinic.db").to_str().expect("utf-8"))
        .await
        .expect("store");
    let mut p = Patient::new(
        "Ada O'Brien",
        d("1984-03-02"),
        Some(Sex::Female),
        Some("H-1001".to_owned()),
        String::new(),
        today(),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: Some(d("2019-05-01")),
    })
    .expect("diagnosis");
    let patient = store.add_patient(&p).await.expect("add");
    let dictionary = store.drug_dictionary().await.expect("dictionary");
    let mut days = Vec::new();
    let mut date = d("2026-01-01");
    while date <= d("2026-06-30") {
        // Three forgotten days in February.
        if !(d("2026-02-10")..=d("2026-02-12")).contains(&date) {
            days.push(day(date, &dictionary));
        }
        date += Duration::days(1);
    }
    store
        .import_days(patient.id, &days, None, &mut |_| {})
        .await
        .expect("diary");
    for t in [
        trial(
            "propranolol",
            "2025-01-01",
            "2025-03-31",
            PreventiveOutcome::NotEffective,
            "no fewer headache days",
        ),
        trial(
            "topiramate",
            "2025-04-15",
            "2025-05-10",
            PreventiveOutcome::NotTolerated,
            "paraesthesia",
        ),
        trial(
            "amitriptyline",
            "2025-06-01",
            "2025-08-31",
            PreventiveOutcome::NotEffective,
            "no fewer headache days",
        ),
    ] {
        store
            .add_preventive(patient.id, &t, today())
            .await
            .expect("preventive");
    }
    for (date, instrument, answers) in [
        ("2026-03-25", Instrument::Midas, "20,10,8,6,4"),
        (
            "2026-03-25",
            Instrument::Hit6,
            "always,very often,sometimes,very often,sometimes,very often",
        ),
        ("2026-06-20", Instrument::Midas, "6,3,2,1,1"),
        ("2026-06-20", Instrument::Phq9, "1,1,2,0,1,0,0,0,0"),
    ] {
        let answers: Vec<String> = answers.split(',').map(str::to_owned).collect();
        store
            .add_prom(patient.id, d(date), instrument, &answers, today())
            .await
            .expect("questionnaire");
    }
    for (date, lot) in [(FIRST_SESSION, LOTS[0]), (SECOND_SESSION, LOTS[1])] {
        store
            .record_session(
                patient.id,
                &preempt(date, lot),
                None,
                &[],
                &CheckPolicy::default(),
            )
            .await
            .expect("session");
    }
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "neck pain".to_owned(),
        meddra_code: None,
        onset: d("2026-04-05"),
        resolution: Some(d("2026-04-12")),
        ctcae_grade: 1,
        seriousness: Vec::new(),
        action_taken: ActionTaken::NotApplicable,
        outcome: EventOutcome::Recovered,
        causality: Causality::Related,
        reporter: ReporterDraft::default(),
        awareness_date: d("2026-04-06"),
        narrative: "Neck pain beginning 4 days after the session.".to_owned(),
        suspect_products: vec![SuspectProductDraft {
            product_name: Product::OnabotulinumtoxinA.to_string(),
            lot_number: Some(LOTS[0].to_owned()),
            dose_units: Some(155.0),
            session_date: d(FIRST_SESSION),
        }],
    })
    .expect("event");
    store
        .add_adverse_event(patient.id, &event)
        .await
        .expect("adverse event");
    let patient = store.patient(patient.id).await.expect("patient");
    Clinic {
        store,
        patient,
        _dir: dir,
    }
}
