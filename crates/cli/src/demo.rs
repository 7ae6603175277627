//! The demo clinic: realistic synthetic patients with months of diary, deterministic for a seed and
//! an end date.
//!
//! Profiles: chronic migraine with triptan, simple-analgesic and combination-analgesic overuse;
//! chronic migraine without overuse (with and without aura); episodic migraine; chronic
//! tension-type headache; occipital neuralgia; a patient who keeps a patchy diary; and a 17-year-old.
//! Every diary has ordinary gaps (a forgotten day here and there) and some have a holiday's worth.

use anyhow::{Context, Result, anyhow, bail};
use chrono::{Duration, NaiveDate};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use cephalog_core::classify::CriterionStatus;
use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
use cephalog_core::prom::Instrument;
use cephalog_core::protocol::{Muscle, Plan, Side};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_core::session::{
    Check, CheckPolicy, Indication, Override, Product, Session, SessionDraft, SiteDose, VialSize,
};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex, classify,
};
use cephalog_store::Store;

use crate::{DEFAULT_DEMO_DATABASE, DemoArgs, today};

/// Days of diary each demo patient has (about ten months).
const DIARY_DAYS: i64 = 320;

#[derive(Debug, Clone, Copy)]
enum Pattern {
    Migraine,
    TensionType,
    Occipital,
}

/// An acute medicine a profile takes, and on what share of headache days.
#[derive(Debug, Clone, Copy)]
struct Med {
    text: &'static str,
    share: f64,
}

#[derive(Debug, Clone, Copy)]
struct Profile {
    label: &'static str,
    diagnoses: &'static [(DiagnosisCode, i64)],
    pattern: Pattern,
    /// Chance of headache on a given day.
    headache: f64,
    /// Chance that a migraine-pattern headache lasts 4 h or more.
    long: f64,
    aura: f64,
    meds: &'static [Med],
    /// Chance a day goes unrecorded, and the length of one holiday gap (0 for none).
    missing: f64,
    gap_days: i64,
    age: i64,
    sex: Sex,
    preventives: &'static [PastPreventive],
    /// Botulinum-toxin treatment: the share of the headache chance left once treatment starts
    /// (0.4 is a good responder, 0.95 no response); `None` for untreated patients.
    treatment: Option<f64>,
}

/// Treated patients' first session: after this many days of diary (a baseline of about 3 months),
/// then every 12 weeks.
const FIRST_SESSION_DAY: i64 = 130;
const SESSION_INTERVAL_DAYS: i64 = 84;

/// A preventive in a demo history: drug, start (months before the diary ends), months taken
/// (0 for never started or still taking), outcome and the reason.
type PastPreventive = (&'static str, i64, i64, PreventiveOutcome, &'static str);

const THREE_FAILED: &[PastPreventive] = &[
    (
        "propranolol",
        40,
        3,
        PreventiveOutcome::NotEffective,
        "no fewer headache days after 12 weeks at 80 mg twice daily",
    ),
    (
        "topiramate",
        32,
        2,
        PreventiveOutcome::NotTolerated,
        "paraesthesia and word-finding difficulty",
    ),
    (
        "amitriptyline",
        24,
        4,
        PreventiveOutcome::NotEffective,
        "no benefit at 30 mg at night after 16 weeks",
    ),
];
const FOUR_FAILED: &[PastPreventive] = &[
    (
        "propranolol",
        60,
        4,
        PreventiveOutcome::NotEffective,
        "no benefit at 160 mg daily",
    ),
    (
        "topiramate",
        48,
        1,
        PreventiveOutcome::NotTolerated,
        "cognitive slowing",
    ),
    (
        "amitriptyline",
        36,
        3,
        PreventiveOutcome::NotTolerated,
        "weight gain and daytime sedation",
    ),
    (
        "candesartan",
        20,
        4,
        PreventiveOutcome::NotEffective,
        "no benefit at 16 mg daily",
    ),
];
const CONTRAINDICATED_AND_CGRP: &[PastPreventive] = &[
    (
        "propranolol",
        0,
        0,
        PreventiveOutcome::ContraindicatedOrUnsuitable,
        "asthma",
    ),
    (
        "topiramate",
        30,
        3,
        PreventiveOutcome::NotEffective,
        "no benefit at 50 mg twice daily",
    ),
    (
        "amitriptyline",
        22,
        1,
        PreventiveOutcome::NotTolerated,
        "palpitations",
    ),
    (
        "erenumab",
        14,
        6,
        PreventiveOutcome::NotEffective,
        "less than 30 % fewer migraine days after 6 months",
    ),
];
const TWO_FAILED: &[PastPreventive] = &[
    (
        "topiramate",
        20,
        2,
        PreventiveOutcome::NotTolerated,
        "low mood",
    ),
    (
        "propranolol",
        12,
        3,
        PreventiveOutcome::NotEffective,
        "no benefit at 80 mg twice daily",
    ),
];
const ONE_FAILED: &[PastPreventive] = &[(
    "amitriptyline",
    10,
    3,
    PreventiveOutcome::NotEffective,
    "no benefit at 10 mg at night",
)];
const ON_PROPRANOLOL: &[PastPreventive] = &[("propranolol", 14, 0, PreventiveOutcome::Ongoing, "")];
const ON_AMITRIPTYLINE: &[PastPreventive] =
    &[("amitriptyline", 12, 0, PreventiveOutcome::Ongoing, "")];

const PROFILES: [Profile; 11] = [
    Profile {
        label: "chronic migraine, triptan overuse",
        diagnoses: &[
            (DiagnosisCode::ChronicMigraine, 6),
            (DiagnosisCode::MedicationOveruse, 1),
        ],
        pattern: Pattern::Migraine,
        headache: 0.82,
        long: 0.85,
        aura: 0.0,
        meds: &[
            Med {
                text: "sumatriptan 50 mg",
                share: 0.62,
            },
            Med {
                text: "ibuprofen 400 mg",
                share: 0.15,
            },
        ],
        missing: 0.03,
        gap_days: 0,
        age: 42,
        sex: Sex::Female,
        preventives: THREE_FAILED,
        treatment: Some(0.55),
    },
    Profile {
        label: "chronic migraine, simple-analgesic overuse",
        diagnoses: &[
            (DiagnosisCode::ChronicMigraine, 9),
            (DiagnosisCode::MedicationOveruse, 2),
        ],
        pattern: Pattern::Migraine,
        headache: 0.85,
        long: 0.85,
        aura: 0.0,
        meds: &[
            Med {
                text: "paracetamol 1 g",
                share: 0.7,
            },
            Med {
                text: "naproxen 500 mg",
                share: 0.25,
            },
        ],
        missing: 0.04,
        gap_days: 12,
        age: 51,
        sex: Sex::Female,
        preventives: FOUR_FAILED,
        treatment: Some(0.45),
    },
    Profile {
        label: "chronic migraine, combination-analgesic overuse",
        diagnoses: &[
            (DiagnosisCode::MigraineWithoutAura, 15),
            (DiagnosisCode::ChronicMigraine, 4),
        ],
        pattern: Pattern::Migraine,
        headache: 0.8,
        long: 0.85,
        aura: 0.0,
        meds: &[Med {
            text: "co-codamol 30/500",
            share: 0.75,
        }],
        missing: 0.02,
        gap_days: 0,
        age: 38,
        sex: Sex::Male,
        preventives: THREE_FAILED,
        treatment: Some(0.95),
    },
    Profile {
        label: "chronic migraine without overuse",
        diagnoses: &[(DiagnosisCode::ChronicMigraine, 5)],
        pattern: Pattern::Migraine,
        headache: 0.76,
        long: 0.85,
        aura: 0.0,
        meds: &[
            Med {
                text: "rizatriptan 10 mg",
                share: 0.25,
            },
            Med {
                text: "ibuprofen 400 mg",
                share: 0.2,
            },
        ],
        missing: 0.05,
        gap_days: 0,
        age: 35,
        sex: Sex::Female,
        preventives: THREE_FAILED,
        treatment: Some(0.35),
    },
    Profile {
        label: "chronic migraine with aura",
        diagnoses: &[
            (DiagnosisCode::MigraineWithAura, 20),
            (DiagnosisCode::ChronicMigraine, 3),
        ],
        pattern: Pattern::Migraine,
        headache: 0.76,
        long: 0.85,
        aura: 0.25,
        meds: &[
            Med {
                text: "ubrogepant 100 mg",
                share: 0.2,
            },
            Med {
                text: "aspirin 900 mg",
                share: 0.2,
            },
        ],
        missing: 0.04,
        gap_days: 14,
        age: 29,
        sex: Sex::Female,
        preventives: CONTRAINDICATED_AND_CGRP,
        treatment: Some(0.75),
    },
    Profile {
        label: "episodic migraine",
        diagnoses: &[(DiagnosisCode::MigraineWithoutAura, 10)],
        pattern: Pattern::Migraine,
        headache: 0.22,
        long: 0.8,
        aura: 0.0,
        meds: &[Med {
            text: "sumatriptan 100 mg",
            share: 0.6,
        }],
        missing: 0.03,
        gap_days: 0,
        age: 33,
        sex: Sex::Female,
        preventives: ON_PROPRANOLOL,
        treatment: None,
    },
    Profile {
        label: "episodic migraine with aura",
        diagnoses: &[(DiagnosisCode::MigraineWithAura, 12)],
        pattern: Pattern::Migraine,
        headache: 0.18,
        long: 0.7,
        aura: 0.4,
        meds: &[
            Med {
                text: "zolmitriptan 2.5 mg",
                share: 0.5,
            },
            Med {
                text: "metoclopramide 10 mg",
                share: 0.3,
            },
        ],
        missing: 0.05,
        gap_days: 10,
        age: 47,
        sex: Sex::Male,
        preventives: &[],
        treatment: None,
    },
    Profile {
        label: "chronic tension-type headache",
        diagnoses: &[(DiagnosisCode::ChronicTensionType, 7)],
        pattern: Pattern::TensionType,
        headache: 0.78,
        long: 0.6,
        aura: 0.0,
        meds: &[Med {
            text: "paracetamol 1 g",
            share: 0.25,
        }],
        missing: 0.03,
        gap_days: 0,
        age: 56,
        sex: Sex::Male,
        preventives: ON_AMITRIPTYLINE,
        treatment: None,
    },
    Profile {
        label: "occipital neuralgia",
        diagnoses: &[(DiagnosisCode::OccipitalNeuralgia, 2)],
        pattern: Pattern::Occipital,
        headache: 0.3,
        long: 0.1,
        aura: 0.0,
        meds: &[Med {
            text: "ibuprofen 400 mg",
            share: 0.3,
        }],
        missing: 0.04,
        gap_days: 0,
        age: 61,
        sex: Sex::Female,
        preventives: &[],
        treatment: None,
    },
    Profile {
        label: "chronic migraine, patchy diary",
        diagnoses: &[(DiagnosisCode::ChronicMigraine, 3)],
        pattern: Pattern::Migraine,
        headache: 0.7,
        long: 0.6,
        aura: 0.0,
        meds: &[Med {
            text: "eletriptan 40 mg",
            share: 0.35,
        }],
        missing: 0.3,
        gap_days: 21,
        age: 44,
        sex: Sex::Female,
        preventives: TWO_FAILED,
        treatment: None,
    },
    Profile {
        label: "chronic migraine, age 17",
        diagnoses: &[(DiagnosisCode::ChronicMigraine, 1)],
        pattern: Pattern::Migraine,
        headache: 0.6,
        long: 0.5,
        aura: 0.0,
        meds: &[Med {
            text: "ibuprofen 400 mg",
            share: 0.4,
        }],
        missing: 0.06,
        gap_days: 0,
        age: 17,
        sex: Sex::Male,
        preventives: ONE_FAILED,
        treatment: None,
    },
];

pub(crate) const FEMALE_NAMES: [&str; 8] = [
    "Amelia", "Priya", "Hannah", "Sofia", "Ingrid", "Leila", "Mei", "Rosa",
];
pub(crate) const MALE_NAMES: [&str; 8] = [
    "Jonas", "Tomás", "Kwame", "Mateo", "Yusuf", "Oliver", "Daniel", "Aiden",
];
pub(crate) const LAST_NAMES: [&str; 16] = [
    "Hartmann",
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Castillo",
    "Nakamura",
    "Fischer",
    "Byrne",
    "Rossi",
    "Haddad",
    "Kowalski",
    "Silva",
    "Jensen",
    "Novak",
    "Duarte",
    "Walsh",
];

const TRIGGER_NOTES: [&str; 6] = [
    "poor sleep",
    "work stress",
    "skipped lunch",
    "menstruation",
    "weather change",
    "long drive",
];

pub(crate) fn chance(rng: &mut ChaCha8Rng, p: f64) -> bool {
    rng.random::<f64>() < p
}

fn migraine_day(rng: &mut ChaCha8Rng, p: &Profile) -> DiaryDraft {
    let long = chance(rng, p.long);
    let minutes = if long {
        rng.random_range(240..=1200)
    } else {
        rng.random_range(30..240)
    };
    let peak = if chance(rng, 0.75) {
        if chance(rng, 0.45) {
            Intensity::Severe
        } else {
            Intensity::Moderate
        }
    } else {
        Intensity::Mild
    };
    let photophobia = chance(rng, 0.7);
    DiaryDraft {
        headache_minutes: Minutes::new(minutes).unwrap_or_default(),
        peak_intensity: peak,
        features: Features {
            unilateral: chance(rng, 0.6),
            pulsating: chance(rng, 0.7),
            aggravated_by_activity: chance(rng, 0.65),
            nausea: chance(rng, 0.55),
            vomiting: chance(rng, 0.12),
            photophobia,
            phonophobia: photophobia && chance(rng, 0.8),
            aura: chance(rng, p.aura),
        },
        ..Default::default()
    }
}

fn tension_day(rng: &mut ChaCha8Rng, p: &Profile) -> DiaryDraft {
    let minutes = if chance(rng, p.long) {
        rng.random_range(240..=900)
    } else {
        rng.random_range(30..240)
    };
    DiaryDraft {
        headache_minutes: Minutes::new(minutes).unwrap_or_default(),
        peak_intensity: if chance(rng, 0.6) {
            Intensity::Mild
        } else {
            Intensity::Moderate
        },
        features: Features {
            photophobia: chance(rng, 0.1),
            ..Default::default()
        },
        ..Default::default()
    }
}

fn occipital_day(rng: &mut ChaCha8Rng, p: &Profile) -> DiaryDraft {
    let mut draft = if chance(rng, p.headache) {
        DiaryDraft {
            headache_minutes: Minutes::new(rng.random_range(10..180)).unwrap_or_default(),
            peak_intensity: if chance(rng, 0.6) {
                Intensity::Severe
            } else {
                Intensity::Moderate
            },
            features: Features {
                unilateral: true,
                ..Default::default()
            },
            ..Default::default()
        }
    } else {
        DiaryDraft::default()
    };
    if chance(rng, 0.45) {
        draft.paroxysms = rng.random_range(2..25);
    }
    draft
}

fn generate_day(
    rng: &mut ChaCha8Rng,
    p: &Profile,
    date: NaiveDate,
    dict: &DrugDictionary,
) -> Result<DiaryDay> {
    let mut draft = match p.pattern {
        Pattern::Occipital => occipital_day(rng, p),
        _ if !chance(rng, p.headache) => DiaryDraft::default(),
        Pattern::Migraine => migraine_day(rng, p),
        Pattern::TensionType => tension_day(rng, p),
    };
    if draft.headache_minutes.get() > 0 {
        for m in p.meds {
            if chance(rng, m.share) {
                draft
                    .medications
                    .push(MedicationIntake::parse(m.text, dict).context("demo medicine")?);
            }
        }
        if chance(rng, 0.08) {
            draft.notes = TRIGGER_NOTES[rng.random_range(0..TRIGGER_NOTES.len())].to_owned();
        }
    }
    Ok(DiaryDay::restore(date, draft)?)
}

/// A gap-free synthetic diary of `n_days` from `first`, in the pattern of demo profile
/// `profile % 11`: for benchmarks and load tests.
pub fn synthetic_days(
    seed: u64,
    profile: usize,
    first: NaiveDate,
    n_days: i64,
) -> Result<Vec<DiaryDay>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dict = DrugDictionary::builtin();
    let p = &PROFILES[profile % PROFILES.len()];
    (0..n_days)
        .map(|i| generate_day(&mut rng, p, first + Duration::days(i), &dict))
        .collect()
}

/// One synthetic patient and their diary.
#[derive(Debug)]
pub struct DemoPatient {
    pub profile: &'static str,
    pub patient: Patient,
    pub days: Vec<DiaryDay>,
    pub preventives: Vec<PreventiveTrial>,
    /// MIDAS and HIT-6 at the start of the diary and near its end, PHQ-9 and GAD-7 at the start:
    /// date, instrument, answers.
    pub proms: Vec<(NaiveDate, Instrument, Vec<String>)>,
    pub sessions: Vec<Session>,
    pub adverse_events: Vec<AdverseEvent>,
}

/// Adverse events the demo gives its treated patients, by profile index: reported term, MedDRA code
/// (as a clinic would supply it), days after which session, CTCAE grade, serious outcomes,
/// outcome, causality, whether the reporter's details were taken.
type DemoEvent = (
    &'static str,
    Option<&'static str>,
    (usize, i64),
    i64,
    &'static [SeriousOutcome],
    EventOutcome,
    Causality,
    bool,
);

fn demo_events(profile: usize) -> &'static [DemoEvent] {
    const NECK_PAIN: DemoEvent = (
        "neck pain",
        Some("10028836"),
        (0, 3),
        1,
        &[],
        EventOutcome::Recovered,
        Causality::Related,
        true,
    );
    match profile {
        0 => &[
            NECK_PAIN,
            (
                "eyelid ptosis",
                Some("10015995"),
                (1, 10),
                2,
                &[],
                EventOutcome::Recovered,
                Causality::Related,
                true,
            ),
        ],
        2 => &[(
            "difficulty swallowing",
            Some("10013950"),
            (1, 6),
            3,
            &[SeriousOutcome::Hospitalization],
            EventOutcome::Recovered,
            Causality::PossiblyRelated,
            true,
        )],
        3 => &[NECK_PAIN],
        4 => &[(
            "injection site pain",
            None,
            (0, 1),
            1,
            &[],
            EventOutcome::Recovered,
            Causality::Related,
            false,
        )],
        _ => &[],
    }
}

fn adverse_events(
    profile: usize,
    sessions: &[Session],
    until: NaiveDate,
) -> Result<Vec<AdverseEvent>> {
    let mut out = Vec::new();
    for (term, meddra, (session, days), grade, serious, outcome, causality, reporter) in
        demo_events(profile)
    {
        let Some(s) = sessions.get(*session) else {
            continue;
        };
        let onset = s.date() + Duration::days(*days);
        if onset > until {
            continue;
        }
        out.push(AdverseEvent::try_from(AdverseEventDraft {
            reported_term: (*term).to_owned(),
            meddra_code: meddra.map(str::to_owned),
            onset,
            resolution: (*outcome == EventOutcome::Recovered)
                .then(|| onset + Duration::days(14))
                .filter(|d| *d <= until),
            ctcae_grade: *grade,
            seriousness: serious.to_vec(),
            action_taken: ActionTaken::NotApplicable,
            outcome: if onset + Duration::days(14) <= until {
                *outcome
            } else {
                EventOutcome::Recovering
            },
            causality: *causality,
            reporter: if *reporter {
                ReporterDraft {
                    given_name: Some("Ana".to_owned()),
                    family_name: Some("Ruiz".to_owned()),
                    qualification: Some(ReporterQualification::Physician),
                    country: Some("GB".to_owned()),
                    email: None,
                }
            } else {
                ReporterDraft::default()
            },
            awareness_date: (onset + Duration::days(2)).min(until),
            narrative: format!(
                "{term} beginning {days} day(s) after the session of {}.",
                s.date()
            ),
            suspect_products: vec![SuspectProductDraft {
                product_name: s.product().to_string(),
                lot_number: Some(s.lot().as_str().to_owned()),
                dose_units: Some(f64::from(s.units_given())),
                session_date: s.date(),
            }],
        })?);
    }
    Ok(out)
}

impl DemoPatient {
    /// The date the diary classification is shown for: before the first session for treated
    /// patients (their baseline), else the last diary day.
    pub fn baseline_date(&self, until: NaiveDate) -> NaiveDate {
        self.sessions
            .first()
            .map_or(until, |s| s.date() - Duration::days(1))
    }
}

pub(crate) const INJECTORS: [&str; 2] = ["Dr Ana Ruiz", "Nurse Sam Patel"];

fn preventive_history(p: &Profile, until: NaiveDate) -> Result<Vec<PreventiveTrial>> {
    p.preventives
        .iter()
        .map(|(drug, months_ago, months, outcome, reason)| {
            let start = (*outcome != PreventiveOutcome::ContraindicatedOrUnsuitable)
                .then(|| until - Duration::days(months_ago * 30));
            let stop = match outcome {
                PreventiveOutcome::NotEffective | PreventiveOutcome::NotTolerated => {
                    start.map(|s| s + Duration::days(months * 30 - 1))
                }
                _ => None,
            };
            Ok(PreventiveTrial::new(PreventiveDraft {
                drug: (*drug).to_owned(),
                class: None,
                start,
                stop,
                dose: None,
                outcome: Some(*outcome),
                reason: (*reason).to_owned(),
            })?)
        })
        .collect()
}

pub(crate) const HIT6_WORDS: [&str; 5] = ["never", "rarely", "sometimes", "very often", "always"];

/// Questionnaire answers at the start of the diary and near its end, in keeping with how often the
/// profile has headache then (treatment lowers it for the treated profiles).
fn questionnaires(
    rng: &mut ChaCha8Rng,
    p: &Profile,
    dates: [NaiveDate; 2],
) -> Vec<(NaiveDate, Instrument, Vec<String>)> {
    let mut out = Vec::new();
    for (k, date) in dates.into_iter().enumerate() {
        let burden = if k == 0 {
            p.headache
        } else {
            p.headache * p.treatment.unwrap_or(1.0)
        };
        let midas: Vec<String> = (0..5)
            .map(|_| ((burden * 30.0 * rng.random_range(0.2..0.9)) as u32).to_string())
            .collect();
        out.push((date, Instrument::Midas, midas));
        let level = (burden * 5.0).min(4.0) as usize;
        let hit6: Vec<String> = (0..6)
            .map(|_| {
                let jitter = rng.random_range(0..3);
                HIT6_WORDS[(level + jitter).saturating_sub(1).min(4)].to_owned()
            })
            .collect();
        out.push((date, Instrument::Hit6, hit6));
        // Depression and anxiety screening at the first visit only, drawn from the burden
        // without the random stream (so the rest of the clinic stays as it was); PHQ-9 item 9
        // is answered "not at all".
        if k == 0 {
            let level = (burden * 3.0).min(3.0) as u32;
            let screen = |items: usize, last_zero: bool| -> Vec<String> {
                (0..items)
                    .map(|i| {
                        if last_zero && i + 1 == items {
                            0
                        } else {
                            (level + (i % 2) as u32).saturating_sub(1).min(3)
                        }
                    })
                    .map(|v| v.to_string())
                    .collect()
            };
            out.push((date, Instrument::Phq9, screen(9, true)));
            out.push((date, Instrument::Gad7, screen(7, false)));
        }
    }
    out
}

/// Builds the demo clinic for a seed and a last diary day.
pub fn generate(seed: u64, until: NaiveDate) -> Result<Vec<DemoPatient>> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let dict = DrugDictionary::builtin();
    let first = until - Duration::days(DIARY_DAYS - 1);
    let mut out = Vec::new();
    for (i, p) in PROFILES.iter().enumerate() {
        let first_names = if p.sex == Sex::Female {
            &FEMALE_NAMES
        } else {
            &MALE_NAMES
        };
        let name = format!(
            "{} {}",
            first_names[rng.random_range(0..first_names.len())],
            LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]
        );
        let dob = until - Duration::days(p.age * 365 + rng.random_range(30..330));
        let mut patient = Patient::new(
            &name,
            dob,
            Some(p.sex),
            Some(format!("DEMO-{:04}", i + 1)),
            String::new(),
            until,
        )?;
        for (code, years) in p.diagnoses {
            let onset = until - Duration::days(years * 365 + rng.random_range(0..200));
            patient.diagnose(Diagnosis {
                code: *code,
                onset: Some(onset.max(dob)),
            })?;
        }
        let gap_start = (p.gap_days > 0).then(|| {
            first + Duration::days(rng.random_range(FIRST_SESSION_DAY + 20..DIARY_DAYS - 30))
        });
        let mut days = Vec::new();
        for offset in 0..DIARY_DAYS {
            let date = first + Duration::days(offset);
            let in_gap =
                gap_start.is_some_and(|g| date >= g && date < g + Duration::days(p.gap_days));
            let treated = p.treatment.filter(|_| offset >= FIRST_SESSION_DAY);
            let profile = match treated {
                Some(share) => Profile {
                    headache: p.headache * share,
                    ..*p
                },
                None => *p,
            };
            let day = generate_day(&mut rng, &profile, date, &dict)?;
            if !in_gap && !chance(&mut rng, p.missing) {
                days.push(day);
            }
        }
        let preventives = preventive_history(p, until)?;
        let mut sessions = Vec::new();
        if p.treatment.is_some() {
            let mut day = FIRST_SESSION_DAY;
            while day < DIARY_DAYS {
                let date = first + Duration::days(day);
                let extra: &[(Muscle, Side)] = if sessions.len() == 1 && i % 2 == 0 {
                    &[
                        (Muscle::Temporalis, Side::Left),
                        (Muscle::Occipitalis, Side::Right),
                    ]
                } else {
                    &[]
                };
                let plan = if extra.is_empty() {
                    Plan::preempt()
                } else {
                    Plan::preempt_ftp(extra)?
                };
                sessions.push(Session::restore(SessionDraft {
                    date,
                    indication: Indication::ChronicMigraine,
                    product: Product::OnabotulinumtoxinA,
                    vial_size: VialSize::U200,
                    vials: 1,
                    lot: format!("C{}AB", rng.random_range(1000..9999)),
                    expiry: date + Duration::days(rng.random_range(120..700)),
                    diluent: VialSize::U200.protocol_diluent(),
                    sites: SiteDose::from_plan(&plan),
                    injector: INJECTORS[sessions.len() % INJECTORS.len()].to_owned(),
                    prescriber: None,
                    notes: String::new(),
                })?);
                day += SESSION_INTERVAL_DAYS;
            }
        }
        let proms = questionnaires(&mut rng, p, [first, until - Duration::days(7)]);
        out.push(DemoPatient {
            profile: p.label,
            patient,
            days,
            preventives,
            proms,
            adverse_events: adverse_events(i, &sessions, until)?,
            sessions,
        });
    }
    Ok(out)
}

fn status(s: CriterionStatus) -> &'static str {
    match s {
        CriterionStatus::Met => "met",
        CriterionStatus::NotMet => "not met",
        CriterionStatus::InsufficientData => "insufficient data",
    }
}

/// The demo's clinics: patients are in the first; the last demo patient is in the second, to show
/// that a clinic's staff see only their own patients.
pub const DEMO_CLINIC: &str = "Cephalog Demo Headache Clinic";
pub const DEMO_OTHER_CLINIC: &str = "Northside Neurology";
/// Every demo login's password (the demo's data are synthetic and it serves on this machine only).
pub const DEMO_PASSWORD: &str = "cephalog-demo";

/// Opens the demo's database (the default file recreated), which must hold no patient, with the
/// access recorded and the rule sets loaded.
pub(crate) async fn open_empty(
    database: Option<String>,
    target: crate::Target,
    rules_dir: Option<std::path::PathBuf>,
) -> Result<(Store, String, Vec<cephalog_core::rules::RuleSet>)> {
    let url = match database {
        Some(url) => url,
        None => {
            for suffix in ["", "-wal", "-shm", ".audit-checkpoints"] {
                let path = format!("{DEFAULT_DEMO_DATABASE}{suffix}");
                if std::path::Path::new(&path).exists() {
                    std::fs::remove_file(&path)
                        .with_context(|| format!("cannot replace the old demo database {path}"))?;
                }
            }
            DEFAULT_DEMO_DATABASE.to_owned()
        }
    };
    let store = crate::Target {
        url: url.clone(),
        ..target
    }
    .connect()
    .await?;
    crate::access::clinic(&store).await?;
    let rules = crate::pathway::load_rule_sets(rules_dir.as_deref())?;
    let existing = cephalog_app::patients::count(&store).await?;
    if existing > 0 {
        bail!(
            "the database already holds {existing} patient(s); the demo fills only an empty database"
        );
    }
    Ok((store, url, rules))
}

pub async fn run(
    database: Option<String>,
    target: crate::Target,
    rules_dir: Option<std::path::PathBuf>,
    args: DemoArgs,
) -> Result<()> {
    let (store, url, rules) = open_empty(database, target, rules_dir).await?;
    let until = args.until.unwrap_or_else(|| today() - Duration::days(1));
    let clinic = generate(args.seed, until)?;
    println!(
        "Cephalog demo clinic (seed {}, diaries to {until}) in {url}",
        args.seed
    );
    let mut table = crate::output::table();
    table.set_header([
        "MRN",
        "name",
        "age",
        "profile",
        "diary days",
        "chronic migraine*",
        "chronic TTH*",
        "medication overuse*",
        "sessions",
    ]);
    let home = cephalog_app::patients::clinic(&store, DEMO_CLINIC).await?;
    let other = cephalog_app::patients::clinic(&store, DEMO_OTHER_CLINIC).await?;
    let mut records = Vec::new();
    for (i, p) in clinic.iter().enumerate() {
        let tenant = if i + 1 == clinic.len() { other } else { home };
        let record = cephalog_app::patients::add(&store, tenant, &p.patient).await?;
        records.push(record.clone());
        cephalog_app::diary::record(&store, record.id, &p.days, None, &mut |_| {}).await?;
        for t in &p.preventives {
            cephalog_app::pathway::add_preventive(&store, record.id, t, until).await?;
        }
        for (date, instrument, answers) in &p.proms {
            cephalog_app::pathway::add_questionnaire(
                &store,
                record.id,
                *date,
                *instrument,
                answers,
                until,
            )
            .await?;
        }
        for session in &p.sessions {
            record_demo_session(&store, &rules, &record, session).await?;
        }
        for event in &p.adverse_events {
            let id = cephalog_app::safety::add_adverse_event(&store, record.id, event)
                .await?
                .id;
            // Complete cases reported in good time, except one left for the overdue list; a
            // case still missing an ICSR element waits to be completed, unsubmitted.
            let submitted = event.awareness_date() + Duration::days(7);
            if event.reported_term() != "eyelid ptosis" && submitted <= until {
                match cephalog_app::safety::mark_submitted(&store, id, submitted, until).await {
                    Ok(()) | Err(cephalog_app::AppError::NotValidIcsr { .. }) => {}
                    Err(e) => return Err(e.into()),
                }
            }
        }
        let diary = cephalog_core::Diary::new(p.days.iter().cloned())?;
        let c = classify(
            &diary,
            p.patient.has_migraine_diagnosis(),
            p.baseline_date(until),
        );
        let moh = if c.medication_overuse.subtypes.is_empty() {
            status(c.medication_overuse.status).to_owned()
        } else {
            c.medication_overuse
                .subtypes
                .iter()
                .map(|s| s.code)
                .collect::<Vec<_>>()
                .join(" + ")
        };
        table.add_row([
            p.patient.mrn().unwrap_or("").to_owned(),
            p.patient.name().to_owned(),
            p.patient.age_on(until).to_string(),
            p.profile.to_owned(),
            p.days.len().to_string(),
            status(c.chronic_migraine.status).to_owned(),
            status(c.chronic_tension_type.status).to_owned(),
            moh,
            p.sessions.len().to_string(),
        ]);
    }
    println!("{table}");
    println!("* ICHD-3 diary criteria at baseline: before the first session for treated patients.");
    println!();
    println!(
        "{} patients, {} diary days.",
        clinic.len(),
        clinic.iter().map(|p| p.days.len()).sum::<usize>()
    );
    let logins = demo_logins(&store, &records).await?;
    crate::access::finish(&store, None).await?;
    if args.no_serve {
        println!("Try:");
        println!("  cephalog --database {url} metrics --patient DEMO-0001 --period month");
        println!("  cephalog --database {url} classify --patient DEMO-0001");
        println!("  cephalog --database {url} diary export --patient DEMO-0008");
        store.close().await;
        return Ok(());
    }
    serve(store, rules, until, &args.listen, &logins).await
}

/// Serves the demo database on `listen` with a fixed clock at `until`, printing the logins.
pub(crate) async fn serve(
    store: Store,
    rules: Vec<cephalog_core::rules::RuleSet>,
    until: NaiveDate,
    listen: &str,
    logins: &[(String, String)],
) -> Result<()> {
    crate::server::init_logs("text");
    let config = cephalog_web::Config {
        // The demo serves plain HTTP on this machine.
        secure_cookies: false,
        clock: cephalog_web::Clock::Fixed(until),
        e2b_sender: Some(demo_sender()),
        ..cephalog_web::Config::default()
    };
    let state = cephalog_web::AppState::new(store.clone(), rules, config);
    crate::server::run_server(listen, state, |addr| {
        println!();
        println!("Cephalog demo is serving on http://{addr}/ (today is {until} in the demo)");
        println!("Logins (password for all: {DEMO_PASSWORD}):");
        for (user, what) in logins {
            println!("  {user:<12} {what}");
        }
        println!("Stop with Ctrl-C.");
    })
    .await?;
    store.close().await;
    Ok(())
}

/// The demo clinic's E2B(R3) sender details: invented, so the demo's case pages can offer the
/// download. Never submit a demo message.
/// Why the demo clinic's clinicians went ahead where a pathway check refused, as a clinic would
/// record it.
fn demo_override_reason(check: Check) -> Option<&'static str> {
    Some(match check {
        Check::Diagnosis => "referral letter names chronic migraine; coding to follow",
        Check::Diary => "paper diary from the referring clinic reviewed",
        Check::Eligibility => {
            "referral diary and headache history reviewed in clinic; payer approval on file"
        }
        Check::Continuation => {
            "stopping rule discussed with the patient; one more cycle agreed before a review off \
             treatment"
        }
        Check::SeriousAdverseEvent | Check::UrgentReview => {
            "event resolved; reviewed with the patient, benefit judged to outweigh the risk"
        }
        _ => return None,
    })
}

/// Records a demo session through the same checks as the clinic's own: where a pathway check
/// refuses (a patient not eligible before treatment, say), the session carries a recorded
/// override with its reason, as it would in the clinic. Any other refusal is an error in the
/// demo's data.
async fn record_demo_session(
    store: &Store,
    rules: &[cephalog_core::rules::RuleSet],
    record: &cephalog_store::PatientRecord,
    session: &cephalog_core::session::Session,
) -> Result<()> {
    let policy = CheckPolicy::default();
    let by = session
        .prescriber()
        .unwrap_or_else(|| session.injector())
        .to_string();
    let tried =
        cephalog_app::treatment::record_session(store, rules, record, session, &[], &policy, true)
            .await?;
    let mut overrides = Vec::new();
    for refusal in &tried.check.refusals {
        let check = refusal.check();
        let reason = demo_override_reason(check).ok_or_else(|| {
            anyhow!(
                "demo session of {} for {} is refused: {refusal}",
                session.date(),
                record.id
            )
        })?;
        overrides.push(Override::new(check, reason, &by)?);
    }
    let done = cephalog_app::treatment::record_session(
        store, rules, record, session, &overrides, &policy, false,
    )
    .await?;
    if done.id.is_none() {
        bail!(
            "demo session of {} for {} was not saved",
            session.date(),
            record.id
        );
    }
    Ok(())
}

pub fn demo_sender() -> cephalog_e2b::SenderSettings {
    cephalog_e2b::SenderSettings {
        sender_id: "CEPHALOGDEMO".to_owned(),
        meddra_version: "27.1".to_owned(),
        batch_receiver: cephalog_e2b::FDA_BATCH_RECEIVER.to_owned(),
        message_receiver: cephalog_e2b::FDA_CDER_RECEIVER.to_owned(),
        case_country: "GB".to_owned(),
        organisation: DEMO_CLINIC.to_owned(),
        department: "Headache service (demonstration)".to_owned(),
        title: "Dr".to_owned(),
        given_name: "Ana".to_owned(),
        family_name: "Ruiz".to_owned(),
        street: "1 Example Street".to_owned(),
        city: "Exampleton".to_owned(),
        state: "Demo County".to_owned(),
        postcode: "EX1 1AA".to_owned(),
        country: "GB".to_owned(),
        telephone: "+44 0000 000000".to_owned(),
        fax: "+44 0000 000001".to_owned(),
        email: "safety@demo.invalid".to_owned(),
    }
}

/// The demo's accounts: an administrator, a clinician and a nurse of the demo clinic, two patients
/// with their own diaries, and a clinician of the other clinic.
pub(crate) async fn demo_logins(
    store: &Store,
    records: &[cephalog_store::PatientRecord],
) -> Result<Vec<(String, String)>> {
    use cephalog_auth::{Role, Username, hash_password};
    let hash = hash_password(DEMO_PASSWORD)?;
    let mut logins = Vec::new();
    let mut add = |username: &str,
                   name: &str,
                   role: Role,
                   patient: Option<&cephalog_store::PatientRecord>,
                   clinic: &str| {
        let entry = (
            username.to_owned(),
            format!(
                "{} — {name}{}",
                role.as_str(),
                patient
                    .map(|p| format!(" ({})", p.patient.mrn().unwrap_or("")))
                    .unwrap_or_default()
            ),
            Username::new(username),
            name.to_owned(),
            role,
            patient.map(|p| p.id),
            clinic.to_owned(),
        );
        logins.push(entry);
    };
    add("admin", "Alex Admin", Role::Admin, None, DEMO_CLINIC);
    add(
        "dr.lee",
        "Dr Morgan Lee",
        Role::Clinician,
        None,
        DEMO_CLINIC,
    );
    add("nurse.kim", "Sam Kim RN", Role::Nurse, None, DEMO_CLINIC);
    if let Some(p) = records.first() {
        add(
            "patient1",
            p.patient.name(),
            Role::Patient,
            Some(p),
            DEMO_CLINIC,
        );
    }
    if let Some(p) = records.get(1) {
        add(
            "patient2",
            p.patient.name(),
            Role::Patient,
            Some(p),
            DEMO_CLINIC,
        );
    }
    add(
        "dr.north",
        "Dr Robin North",
        Role::Clinician,
        None,
        DEMO_OTHER_CLINIC,
    );
    let mut shown = Vec::new();
    for (user, what, username, name, role, patient, clinic) in logins {
        store
            .add_user(&clinic, username?, &name, role, patient, &hash)
            .await?;
        shown.push((user, format!("{what}, {clinic}")));
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_clinic() {
        let until = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let a = generate(7, until).expect("demo");
        let b = generate(7, until).expect("demo");
        let c = generate(8, until).expect("demo");
        assert_eq!(
            a.iter().map(|p| &p.days).collect::<Vec<_>>(),
            b.iter().map(|p| &p.days).collect::<Vec<_>>()
        );
        assert_ne!(
            a.iter().map(|p| &p.days).collect::<Vec<_>>(),
            c.iter().map(|p| &p.days).collect::<Vec<_>>()
        );
    }

    #[test]
    fn the_clinic_has_the_promised_variety() {
        let until = NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
        let clinic = generate(2026, until).expect("demo");
        let mut cm = 0;
        let mut moh = 0;
        let mut ctth = 0;
        let mut insufficient = 0;
        for p in &clinic {
            let span = p
                .days
                .last()
                .map(DiaryDay::date)
                .zip(p.days.first().map(DiaryDay::date))
                .map(|(l, f)| (l - f).num_days());
            assert!(
                span.is_some_and(|s| s >= 183),
                "{}: at least six months of diary",
                p.profile
            );
            assert!(
                p.days.len() < DIARY_DAYS as usize,
                "{}: every diary has gaps",
                p.profile
            );
            let diary = cephalog_core::Diary::new(p.days.iter().cloned()).expect("diary");
            let c = classify(
                &diary,
                p.patient.has_migraine_diagnosis(),
                p.baseline_date(until),
            );
            cm += usize::from(c.chronic_migraine.status == CriterionStatus::Met);
            moh += usize::from(c.medication_overuse.status == CriterionStatus::Met);
            ctth += usize::from(c.chronic_tension_type.status == CriterionStatus::Met);
            insufficient +=
                usize::from(c.chronic_migraine.status == CriterionStatus::InsufficientData);
        }
        assert!(cm >= 4, "chronic migraine in {cm}");
        assert!(moh >= 2, "medication overuse in {moh}");
        assert!(ctth >= 1, "chronic tension-type in {ctth}");
        assert!(insufficient >= 1, "a patchy diary in {insufficient}");
        assert!(
            clinic
                .iter()
                .any(|p| p.days.iter().any(|d| d.paroxysms() > 0))
        );
    }
}
