//! Charts to export: a small one for the golden file and a full one with every kind of record.

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use cephalog_core::eligibility::Attestation;
use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
use cephalog_core::prom::{Instrument, PromEntry, PromResult};
use cephalog_core::protocol::{
    Anaesthetic, Concentration, Laterality, NerveBlockPlan, NerveDose, OccipitalNerve, Plan, Side,
    Steroid, Target, Volume,
};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_core::session::{
    Indication, NerveBlock, Product, Session, SessionDraft, SiteDose, ToxinDose, VialSize,
};
use cephalog_core::{
    Diagnosis, DiagnosisCode, Diary, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_fhir::{CaseEntry, Chart, OverrideEntry, SessionEntry};

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

pub fn id(n: u128) -> Uuid {
    Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0000 + n)
}

pub fn patient() -> Patient {
    let mut p = Patient::restore(
        "Ada Example",
        d("1984-03-02"),
        Some(Sex::Female),
        Some("H-1001".to_owned()),
        "prefers morning appointments".to_owned(),
        Vec::new(),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: Some(d("2019-05-01")),
    })
    .expect("1.3");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::MedicationOveruse,
        onset: None,
    })
    .expect("8.2");
    p
}

pub fn day(date: NaiveDate, minutes: i64, peak: Intensity, meds: &str, notes: &str) -> DiaryDay {
    let dict = DrugDictionary::builtin();
    let headache = minutes > 0;
    DiaryDay::restore(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).expect("minutes"),
            peak_intensity: peak,
            features: Features {
                unilateral: headache,
                pulsating: headache,
                nausea: headache && minutes >= 300,
                photophobia: headache,
                phonophobia: headache,
                aura: minutes == 0 && notes.contains("aura"),
                ..Features::default()
            },
            medications: MedicationIntake::parse_list(meds, &dict).expect("medicines"),
            paroxysms: u32::from(notes.contains("paroxysms")) * 3,
            notes: notes.to_owned(),
        },
    )
    .expect("day")
}

/// One patient, one diagnosis, three diary days: the golden bundle.
pub fn small_chart() -> Chart {
    let mut p = Patient::restore(
        "Bo Small",
        d("1990-07-14"),
        Some(Sex::Male),
        Some("S-7".to_owned()),
        String::new(),
        Vec::new(),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::OccipitalNeuralgia,
        onset: Some(d("2024-02-01")),
    })
    .expect("13.4");
    let mut chart = Chart::new(id(1), p);
    chart.diary = Diary::new([
        day(
            d("2026-03-01"),
            300,
            Intensity::Severe,
            "sumatriptan 50mg",
            "",
        ),
        day(
            d("2026-03-02"),
            0,
            Intensity::None,
            "",
            "paroxysms at night",
        ),
        day(
            d("2026-03-03"),
            45,
            Intensity::Mild,
            "ibuprofen 400 mg; co-codamol",
            "better",
        ),
    ])
    .expect("diary");
    chart
}

fn preempt_session(date: &str, lot: &str, ftp: bool) -> Session {
    let plan = if ftp {
        Plan::preempt_ftp(&[
            (cephalog_core::Muscle::Temporalis, Side::Left),
            (cephalog_core::Muscle::Trapezius, Side::Right),
        ])
        .expect("ftp plan")
    } else {
        Plan::preempt()
    };
    Session::restore(SessionDraft {
        date: d(date),
        indication: Indication::ChronicMigraine,
        product: Product::OnabotulinumtoxinA,
        vial_size: VialSize::U200,
        vials: 1,
        lot: lot.to_owned(),
        expiry: d("2027-03-31"),
        diluent: Volume::from_microlitres(4000),
        sites: SiteDose::from_plan(&plan),
        injector: "Dr A. Clinician".to_owned(),
        prescriber: None,
        notes: if ftp {
            "follow-the-pain temporalis left".to_owned()
        } else {
            String::new()
        },
    })
    .expect("session")
}

fn occipital_session(date: &str) -> Session {
    let concentration = Concentration::new(100, Volume::from_microlitres(2500)).expect("conc");
    let plan = Plan::occipital_toxin(
        &[
            NerveDose {
                nerve: OccipitalNerve::GreaterOccipital,
                side: Side::Left,
                units: 25,
            },
            NerveDose {
                nerve: OccipitalNerve::GreaterOccipital,
                side: Side::Right,
                units: 25,
            },
        ],
        concentration,
    )
    .expect("plan");
    let mut sites = SiteDose::from_plan(&plan);
    sites.push(SiteDose {
        target: Target::Named(
            cephalog_core::protocol::Name::new("site", "splenius capitis").expect("name"),
        ),
        side: Side::Left,
        ordinal: 1,
        units: 10,
    });
    Session::restore(SessionDraft {
        date: d(date),
        indication: Indication::OccipitalNeuralgia,
        product: Product::OnabotulinumtoxinA,
        vial_size: VialSize::U100,
        vials: 1,
        lot: "C9999ZZ".to_owned(),
        expiry: d("2027-06-30"),
        diluent: Volume::from_microlitres(2500),
        sites,
        injector: "Dr B. Neuro".to_owned(),
        prescriber: None,
        notes: "off-label, consented".to_owned(),
    })
    .expect("occipital session")
}

fn trial(
    drug: &str,
    start: Option<&str>,
    stop: Option<&str>,
    outcome: PreventiveOutcome,
    reason: &str,
) -> PreventiveTrial {
    PreventiveTrial::new(PreventiveDraft {
        drug: drug.to_owned(),
        class: None,
        start: start.map(d),
        stop: stop.map(d),
        dose: Some("50 mg bd".to_owned()),
        outcome: Some(outcome),
        reason: reason.to_owned(),
    })
    .expect("trial")
}

/// Every kind of record Cephalog keeps for a patient.
pub fn full_chart() -> Chart {
    let mut chart = Chart::new(id(100), patient());
    let start = d("2025-12-01");
    chart.diary = Diary::new((0..120).filter(|i| i % 17 != 5).map(|i| {
        let date = start + Duration::days(i);
        match i % 5 {
            0 => day(
                date,
                480,
                Intensity::Severe,
                "sumatriptan 50mg; paracetamol 1g",
                "",
            ),
            1 => day(
                date,
                240,
                Intensity::Moderate,
                "ibuprofen 400 mg",
                "work stress",
            ),
            2 => day(
                date,
                0,
                Intensity::None,
                "",
                if i % 2 == 0 { "aura" } else { "" },
            ),
            3 => day(date, 30, Intensity::Mild, "", "paroxysms"),
            _ => day(date, 0, Intensity::None, "", ""),
        }
    }))
    .expect("diary");
    chart.preventives = vec![
        (
            id(201),
            trial(
                "topiramate",
                Some("2025-01-10"),
                Some("2025-03-01"),
                PreventiveOutcome::NotTolerated,
                "paraesthesia",
            ),
        ),
        (
            id(202),
            trial(
                "propranolol",
                Some("2024-05-01"),
                Some("2024-08-30"),
                PreventiveOutcome::NotEffective,
                "no fewer headache days",
            ),
        ),
        (
            id(203),
            trial(
                "candesartan",
                None,
                None,
                PreventiveOutcome::ContraindicatedOrUnsuitable,
                "low blood pressure",
            ),
        ),
        (
            id(204),
            trial(
                "amitriptyline",
                Some("2026-02-01"),
                None,
                PreventiveOutcome::Ongoing,
                "",
            ),
        ),
    ];
    let midas = PromResult::score(Instrument::Midas, &["10", "5", "3", "2", "1", "30", "7"])
        .expect("midas");
    let hit6 = PromResult::score(
        Instrument::Hit6,
        &[
            "always",
            "very often",
            "sometimes",
            "rarely",
            "never",
            "always",
        ],
    )
    .expect("hit6");
    let midas_short =
        PromResult::score(Instrument::Midas, &["1", "0", "0", "2", "0"]).expect("midas");
    chart.questionnaires = vec![
        (
            id(301),
            PromEntry {
                date: d("2026-01-15"),
                result: midas,
            },
        ),
        (
            id(302),
            PromEntry {
                date: d("2026-01-15"),
                result: hit6,
            },
        ),
        (
            id(303),
            PromEntry {
                date: d("2026-03-20"),
                result: midas_short,
            },
        ),
    ];
    chart.sessions = vec![
        SessionEntry {
            id: id(401),
            session: preempt_session("2026-01-20", "C4021AB", false),
            overrides: Vec::new(),
        },
        SessionEntry {
            id: id(402),
            session: preempt_session("2026-03-30", "C5555CD", true),
            overrides: vec![OverrideEntry {
                check: "retreatment_interval".to_owned(),
                finding: "69 days after the dose of 2026-01-20 (84 days required)".to_owned(),
                reason: "travelling for 4 months".to_owned(),
                by: "Dr A. Clinician".to_owned(),
            }],
        },
        SessionEntry {
            id: id(403),
            session: occipital_session("2026-02-10"),
            overrides: Vec::new(),
        },
    ];
    chart.other_doses = vec![
        ToxinDose::new(
            d("2025-11-01"),
            Product::AbobotulinumtoxinA,
            300,
            Indication::other("cervical dystonia").expect("indication"),
        )
        .expect("dose"),
        ToxinDose::new(
            d("2025-10-01"),
            "other:Relatox".parse().expect("product"),
            50,
            Indication::ChronicMigraine,
        )
        .expect("dose"),
    ];
    let block = NerveBlock::restore(
        d("2026-02-03"),
        NerveBlockPlan::new(
            OccipitalNerve::GreaterOccipital,
            Laterality::Bilateral,
            Anaesthetic::Bupivacaine05,
            Volume::from_microlitres(2500),
            Some(Steroid::new("methylprednisolone", 40.0).expect("steroid")),
        )
        .expect("plan"),
        "Dr B. Neuro",
        "GON block".to_owned(),
        Some((80, 2160, d("2026-02-05"))),
    )
    .expect("block");
    let lesser = NerveBlock::restore(
        d("2026-02-24"),
        NerveBlockPlan::new(
            OccipitalNerve::LesserOccipital,
            Laterality::Left,
            "other:ropivacaine 0.2 %".parse().expect("agent"),
            Volume::from_microlitres(1500),
            None,
        )
        .expect("plan"),
        "Dr B. Neuro",
        String::new(),
        None,
    )
    .expect("block");
    chart.nerve_blocks = vec![(id(501), block), (id(502), lesser)];
    chart.attestations = vec![Attestation {
        by: "Dr A. Clinician".to_owned(),
        on: d("2026-01-10"),
        note: "withdrawal completed".to_owned(),
    }];
    let ptosis = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "eyelid ptosis".to_owned(),
        meddra_code: Some("10015995".to_owned()),
        onset: d("2026-02-01"),
        resolution: Some(d("2026-03-01")),
        ctcae_grade: 2,
        seriousness: vec![
            SeriousOutcome::OtherImportantMedicalEvent,
            SeriousOutcome::RequiredIntervention,
        ],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::RecoveredWithSequelae,
        causality: Causality::Related,
        reporter: ReporterDraft {
            given_name: Some("Ana".to_owned()),
            family_name: Some("Ruiz".to_owned()),
            qualification: Some(ReporterQualification::Physician),
            country: Some("GB".to_owned()),
            email: Some("ana.ruiz@example.org".to_owned()),
        },
        awareness_date: d("2026-02-02"),
        narrative: "Left eyelid ptosis from day 12.".to_owned(),
        suspect_products: vec![
            SuspectProductDraft {
                product_name: "onabotulinumtoxinA (Botox)".to_owned(),
                lot_number: Some("C4021AB".to_owned()),
                dose_units: Some(155.0),
                session_date: d("2026-01-20"),
            },
            SuspectProductDraft {
                product_name: "abobotulinumtoxinA (Dysport)".to_owned(),
                lot_number: None,
                dose_units: Some(300.0),
                session_date: d("2025-11-01"),
            },
        ],
    })
    .expect("event");
    let neck = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "neck pain".to_owned(),
        meddra_code: None,
        onset: d("2026-04-02"),
        resolution: None,
        ctcae_grade: 1,
        seriousness: Vec::new(),
        action_taken: ActionTaken::NotApplicable,
        outcome: EventOutcome::Recovering,
        causality: Causality::PossiblyRelated,
        reporter: ReporterDraft {
            given_name: None,
            family_name: Some("Example".to_owned()),
            qualification: Some(ReporterQualification::Consumer),
            country: Some("IE".to_owned()),
            email: None,
        },
        awareness_date: d("2026-04-03"),
        narrative: String::new(),
        suspect_products: Vec::new(),
    })
    .expect("event");
    let quiet = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "injection-site pain".to_owned(),
        meddra_code: None,
        onset: d("2026-03-30"),
        resolution: Some(d("2026-03-31")),
        ctcae_grade: 1,
        seriousness: Vec::new(),
        action_taken: ActionTaken::Unknown,
        outcome: EventOutcome::Recovered,
        causality: Causality::NotAssessed,
        reporter: ReporterDraft::default(),
        awareness_date: d("2026-03-30"),
        narrative: String::new(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".to_owned(),
            lot_number: Some("C5555CD".to_owned()),
            dose_units: Some(165.0),
            session_date: d("2026-03-30"),
        }],
    })
    .expect("event");
    chart.adverse_events = vec![
        CaseEntry {
            id: id(601),
            event: ptosis,
            submitted_on: Some(d("2026-02-09")),
        },
        CaseEntry {
            id: id(602),
            event: neck,
            submitted_on: None,
        },
        CaseEntry {
            id: id(603),
            event: quiet,
            submitted_on: None,
        },
    ];
    chart
}
