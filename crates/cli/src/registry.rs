//! A synthetic registry: `cephalog demo --patients N --years Y`. Thousands of chronic-migraine
//! patients treated with onabotulinumtoxinA, for trying the cohort report, the research export
//! and the whole-clinic reads at registry scale.
//!
//! Each patient is drawn from their own seeded stream (the same seed, count, years and end date
//! give the same registry): a baseline of 3–6 months of diary, then sessions about every 12
//! weeks — most on time, some late, a few very late — with the response of a good, partial or
//! non-responder, drop-outs who stop after one to three sessions, non-responders stopping after
//! the third, diaries kept diligently, patchily or poorly (and stopped after treatment ends),
//! MIDAS and HIT-6 at baseline and at each session, and the adverse events injection sessions
//! bring (neck pain, eyelid ptosis, injection-site pain, worse headache; a rare serious one).
//!
//! Patients are generated on a thread of their own while the database stores the previous batch,
//! a batch of patients per transaction.

use std::sync::mpsc;
use std::time::Instant;

use anyhow::{Context, Result, anyhow};
use chrono::{Duration, NaiveDate, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use uuid::Uuid;

use cephalog_core::prom::{Instrument, PromEntry, PromResult};
use cephalog_core::protocol::{Muscle, Plan, Side};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_core::session::{Indication, Product, Session, SessionDraft, SiteDose, VialSize};
use cephalog_core::{
    Diagnosis, DiagnosisCode, Diary, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_store::{AdverseEventRecord, PatientChart, PatientRecord, SessionRecord, Store};

use crate::demo::{
    DEMO_CLINIC, DEMO_OTHER_CLINIC, FEMALE_NAMES, HIT6_WORDS, INJECTORS, LAST_NAMES, MALE_NAMES,
    chance, demo_logins, open_empty, serve,
};
use crate::{DemoArgs, today};

/// Patients stored per transaction.
const BATCH_PATIENTS: usize = 250;
/// Batches generated ahead of the database.
const BATCHES_AHEAD: usize = 2;
/// Every how many patients one goes to the second clinic (so a registry has more than one).
const OTHER_CLINIC_EVERY: usize = 10;

/// How a patient's headache days respond: the share of the baseline chance of headache left
/// once treatment works, and the share of patients so.
const RESPONSES: [(Response, f64); 4] = [
    (Response::Good, 0.45),
    (Response::Partial, 0.25),
    (Response::None, 0.20),
    (Response::DropOut, 0.10),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Response {
    /// About half the headache days.
    Good,
    /// About a quarter fewer.
    Partial,
    /// No change; stops after the third session.
    None,
    /// Stops after one to three sessions whatever the response.
    DropOut,
}

impl Response {
    fn remaining(self, rng: &mut ChaCha8Rng) -> f64 {
        match self {
            Response::Good => rng.random_range(0.35..0.6),
            Response::Partial => rng.random_range(0.65..0.8),
            Response::None => rng.random_range(0.9..1.05),
            Response::DropOut => rng.random_range(0.5..1.0),
        }
    }
}

/// What the registry run stored.
#[derive(Debug, Default)]
pub struct RegistrySummary {
    pub patients: usize,
    pub diary_days: usize,
    pub sessions: usize,
    pub questionnaires: usize,
    pub adverse_events: usize,
    pub seconds: f64,
}

/// Medicines the registry's patients take, parsed once.
struct Medicines {
    triptan: MedicationIntake,
    nsaid: MedicationIntake,
    combination: MedicationIntake,
}

impl Medicines {
    fn new() -> Result<Self> {
        let dict = DrugDictionary::builtin();
        let parse = |t: &str| MedicationIntake::parse(t, &dict).context("registry medicine");
        Ok(Medicines {
            triptan: parse("sumatriptan 50 mg")?,
            nsaid: parse("ibuprofen 400 mg")?,
            combination: parse("paracetamol+codeine 500 mg")?,
        })
    }
}

fn day(
    rng: &mut ChaCha8Rng,
    date: NaiveDate,
    headache: f64,
    overuse: bool,
    meds: &Medicines,
) -> Result<DiaryDay> {
    if !chance(rng, headache) {
        return Ok(DiaryDay::restore(date, DiaryDraft::default())?);
    }
    let migraine = chance(rng, 0.6);
    let minutes = if chance(rng, 0.7) {
        rng.random_range(240..=1200)
    } else {
        rng.random_range(30..240)
    };
    let photophobia = migraine && chance(rng, 0.75);
    let mut medications = Vec::new();
    if chance(rng, if overuse { 0.7 } else { 0.35 }) {
        medications.push(if migraine {
            meds.triptan.clone()
        } else {
            meds.nsaid.clone()
        });
    }
    if overuse && chance(rng, 0.15) {
        medications.push(meds.combination.clone());
    }
    Ok(DiaryDay::restore(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).unwrap_or_default(),
            peak_intensity: match (migraine, chance(rng, 0.5)) {
                (true, true) => Intensity::Severe,
                (true, false) | (false, true) => Intensity::Moderate,
                (false, false) => Intensity::Mild,
            },
            features: Features {
                unilateral: migraine && chance(rng, 0.6),
                pulsating: migraine && chance(rng, 0.8),
                aggravated_by_activity: migraine && chance(rng, 0.7),
                nausea: migraine && chance(rng, 0.6),
                vomiting: migraine && chance(rng, 0.1),
                photophobia,
                phonophobia: photophobia && chance(rng, 0.8),
                aura: migraine && chance(rng, 0.05),
            },
            medications,
            paroxysms: 0,
            notes: String::new(),
        },
    )?)
}

/// MIDAS (five day counts) and HIT-6 (six answers) for a headache chance.
fn questionnaires(
    rng: &mut ChaCha8Rng,
    date: NaiveDate,
    headache: f64,
) -> Result<Vec<(Uuid, PromEntry)>> {
    let midas: Vec<String> = (0..5)
        .map(|_| ((headache * 30.0 * rng.random_range(0.2..0.9)) as u32).to_string())
        .collect();
    let level = (headache * 5.0).min(4.0) as usize;
    let hit6: Vec<String> = (0..6)
        .map(|_| HIT6_WORDS[(level + rng.random_range(0..3)).saturating_sub(1).min(4)].to_owned())
        .collect();
    [(Instrument::Midas, midas), (Instrument::Hit6, hit6)]
        .into_iter()
        .map(|(instrument, answers)| {
            let answers: Vec<&str> = answers.iter().map(String::as_str).collect();
            Ok((
                Uuid::now_v7(),
                PromEntry {
                    date,
                    result: PromResult::score(instrument, &answers)
                        .map_err(|e| anyhow!("registry {}: {e}", instrument.as_str()))?,
                },
            ))
        })
        .collect()
}

/// The adverse events a session may bring: term, MedDRA code, CTCAE grade, days after the
/// session, chance per session.
const EVENTS: [(&str, &str, i64, i64, f64); 4] = [
    ("neck pain", "10028836", 1, 3, 0.05),
    ("eyelid ptosis", "10015995", 2, 10, 0.02),
    ("injection site pain", "10022086", 1, 1, 0.03),
    ("headache", "10019211", 2, 2, 0.02),
];

fn adverse_event(
    rng: &mut ChaCha8Rng,
    session: NaiveDate,
    units: f64,
    until: NaiveDate,
) -> Result<Option<AdverseEvent>> {
    let serious = chance(rng, 0.002);
    let picked = EVENTS
        .iter()
        .find(|e| chance(rng, e.4))
        .map(|e| (e.0, e.1, e.2, e.3));
    let (term, code, grade, after) = match (picked, serious) {
        (Some(e), false) => e,
        (_, true) => ("dysphagia", "10013950", 3, 5),
        (None, false) => return Ok(None),
    };
    let onset = session + Duration::days(after);
    if onset > until {
        return Ok(None);
    }
    let resolution = onset + Duration::days(rng.random_range(5..30));
    Ok(Some(AdverseEvent::try_from(AdverseEventDraft {
        reported_term: term.to_owned(),
        meddra_code: Some(code.to_owned()),
        onset,
        resolution: (resolution <= until).then_some(resolution),
        ctcae_grade: grade,
        seriousness: if serious {
            vec![SeriousOutcome::Hospitalization]
        } else {
            vec![]
        },
        action_taken: ActionTaken::NotApplicable,
        outcome: if resolution <= until {
            EventOutcome::Recovered
        } else {
            EventOutcome::Recovering
        },
        causality: if serious {
            Causality::PossiblyRelated
        } else {
            Causality::Related
        },
        reporter: ReporterDraft {
            given_name: None,
            family_name: None,
            qualification: Some(ReporterQualification::Physician),
            country: Some("GB".to_owned()),
            email: None,
        },
        awareness_date: onset,
        narrative: String::new(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".to_owned(),
            lot_number: None,
            dose_units: Some(units),
            session_date: session,
        }],
    })?))
}

/// Patient `index` of the registry (zero-based), in `clinic`, with `years` of diary to `until`.
fn patient(
    seed: u64,
    index: usize,
    clinic: Uuid,
    years: u32,
    until: NaiveDate,
    meds: &Medicines,
) -> Result<PatientChart> {
    let mut rng =
        ChaCha8Rng::seed_from_u64(seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let sex = if chance(&mut rng, 0.8) {
        Sex::Female
    } else {
        Sex::Male
    };
    let names = if sex == Sex::Female {
        &FEMALE_NAMES
    } else {
        &MALE_NAMES
    };
    let name = format!(
        "{} {}",
        names[rng.random_range(0..names.len())],
        LAST_NAMES[rng.random_range(0..LAST_NAMES.len())]
    );
    // Adults 18 to 92 at the end of the diary (a few over 89, which an export must aggregate).
    let age = rng.random_range(18..=92);
    let dob = until - Duration::days(age * 365 + rng.random_range(0..365));
    let mut p = Patient::new(
        &name,
        dob,
        Some(sex),
        Some(format!("REG-{:07}", index + 1)),
        String::new(),
        until,
    )?;
    let overuse = chance(&mut rng, 0.3);
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: Some((until - Duration::days(rng.random_range(800..4000))).max(dob)),
    })?;
    if overuse {
        p.diagnose(Diagnosis {
            code: DiagnosisCode::MedicationOveruse,
            onset: None,
        })?;
    }

    let total_days = i64::from(years) * 365;
    let first = until - Duration::days(total_days - 1);
    let baseline_days = rng.random_range(90..180).min(total_days - 1);
    let roll: f64 = rng.random();
    let mut acc = 0.0;
    let response = RESPONSES
        .iter()
        .find(|(_, share)| {
            acc += share;
            roll < acc
        })
        .map_or(Response::Good, |(r, _)| *r);
    let remaining = response.remaining(&mut rng);
    let max_sessions = match response {
        Response::DropOut => rng.random_range(1..=3),
        Response::None => 3,
        _ => usize::MAX,
    };
    let missing = match rng.random_range(0..10) {
        0..=6 => 0.02,
        7..=8 => 0.15,
        _ => 0.4,
    };
    let headache_before: f64 = rng.random_range(0.55..0.85);

    // Sessions: every 12 weeks, most on time, some late, a few very late.
    let mut session_dates = Vec::new();
    let mut next = first + Duration::days(baseline_days);
    while next <= until && session_dates.len() < max_sessions {
        session_dates.push(next);
        let delay = match rng.random_range(0..10) {
            0..=6 => rng.random_range(0..7),
            7..=8 => rng.random_range(7..36),
            _ => rng.random_range(36..120),
        };
        next += Duration::days(84 + delay);
    }
    // The diary stops a few weeks after a patient stops treatment.
    let stopped = max_sessions != usize::MAX && session_dates.len() == max_sessions;
    let diary_end = match session_dates.last() {
        Some(last) if stopped => (*last + Duration::days(84 + rng.random_range(0..60))).min(until),
        _ => until,
    };

    let mut days = Vec::with_capacity(usize::try_from(total_days).unwrap_or(0));
    let mut date = first;
    let treated_from = session_dates.first().copied();
    let mut questionnaires_taken = Vec::new();
    while date <= diary_end {
        // The toxin takes about 4 weeks to reach its effect.
        let headache = match treated_from {
            Some(t) if date >= t => {
                let ramp = ((date - t).num_days() as f64 / 28.0).min(1.0);
                headache_before * (1.0 - ramp * (1.0 - remaining))
            }
            _ => headache_before,
        };
        let d = day(&mut rng, date, headache.min(0.97), overuse, meds)?;
        if !chance(&mut rng, missing) {
            days.push(d);
        }
        date += Duration::days(1);
    }
    questionnaires_taken.extend(questionnaires(
        &mut rng,
        first + Duration::days(baseline_days - 7),
        headache_before,
    )?);
    let mut sessions = Vec::new();
    let mut adverse_events = Vec::new();
    for (k, date) in session_dates.iter().enumerate() {
        let ftp = chance(&mut rng, 0.3);
        let plan = if ftp {
            Plan::preempt_ftp(&[
                (Muscle::Temporalis, Side::Left),
                (Muscle::Occipitalis, Side::Right),
            ])?
        } else {
            Plan::preempt()
        };
        let session = Session::restore(SessionDraft {
            date: *date,
            indication: Indication::ChronicMigraine,
            product: Product::OnabotulinumtoxinA,
            vial_size: VialSize::U200,
            vials: 1,
            lot: format!("C{}AB", rng.random_range(1000..9999)),
            expiry: *date + Duration::days(rng.random_range(120..700)),
            diluent: VialSize::U200.protocol_diluent(),
            sites: SiteDose::from_plan(&plan),
            injector: INJECTORS[k % INJECTORS.len()].to_owned(),
            prescriber: None,
            notes: String::new(),
        })?;
        let units = f64::from(session.units_given());
        if k > 0 {
            questionnaires_taken.extend(questionnaires(
                &mut rng,
                *date,
                headache_before * remaining,
            )?);
        }
        if let Some(e) = adverse_event(&mut rng, *date, units, until)? {
            adverse_events.push(AdverseEventRecord {
                id: Uuid::now_v7(),
                patient: Uuid::nil(),
                event: e,
                submitted_on: None,
            });
        }
        sessions.push(SessionRecord {
            id: Uuid::now_v7(),
            session,
            overrides: Vec::new(),
        });
    }
    let id = Uuid::now_v7();
    for e in &mut adverse_events {
        e.patient = id;
    }
    Ok(PatientChart {
        record: PatientRecord {
            id,
            clinic_id: clinic,
            patient: p,
            created_at: Utc::now(),
        },
        diary: Diary::new(days)?,
        preventives: Vec::new(),
        questionnaires: questionnaires_taken,
        sessions,
        other_doses: Vec::new(),
        nerve_blocks: Vec::new(),
        attestations: Vec::new(),
        adverse_events,
    })
}

/// Generates and stores the registry into an empty database; prints nothing.
pub async fn fill(
    store: &Store,
    seed: u64,
    patients: usize,
    years: u32,
    until: NaiveDate,
) -> Result<RegistrySummary> {
    if years == 0 || years > 20 {
        return Err(anyhow!("--years: from 1 to 20, not {years}"));
    }
    let home = cephalog_app::patients::clinic(store, DEMO_CLINIC).await?;
    let other = cephalog_app::patients::clinic(store, DEMO_OTHER_CLINIC).await?;
    let (tx, rx) = mpsc::sync_channel::<Result<Vec<PatientChart>>>(BATCHES_AHEAD);
    let generator = std::thread::spawn(move || {
        let meds = match Medicines::new() {
            Ok(m) => m,
            Err(e) => {
                let _ = tx.send(Err(e));
                return;
            }
        };
        let mut start = 0;
        while start < patients {
            let end = (start + BATCH_PATIENTS).min(patients);
            let batch = (start..end)
                .map(|i| {
                    let clinic = if (i + 1) % OTHER_CLINIC_EVERY == 0 {
                        other
                    } else {
                        home
                    };
                    patient(seed, i, clinic, years, until, &meds)
                })
                .collect::<Result<Vec<_>>>();
            let failed = batch.is_err();
            if tx.send(batch).is_err() || failed {
                return;
            }
            start = end;
        }
    });
    let started = Instant::now();
    let mut summary = RegistrySummary::default();
    let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
    loop {
        let rx = rx.clone();
        let next = tokio::task::spawn_blocking(move || {
            rx.lock()
                .map_err(|_| anyhow!("registry generator"))?
                .recv()
                .ok()
                .transpose()
        })
        .await
        .context("registry generator")??;
        let Some(batch) = next else { break };
        cephalog_app::patients::import_charts(store, &batch, until).await?;
        for c in &batch {
            summary.patients += 1;
            summary.diary_days += c.diary.len();
            summary.sessions += c.sessions.len();
            summary.questionnaires += c.questionnaires.len();
            summary.adverse_events += c.adverse_events.len();
        }
    }
    generator
        .join()
        .map_err(|_| anyhow!("the registry generator stopped unexpectedly"))?;
    summary.seconds = started.elapsed().as_secs_f64();
    Ok(summary)
}

/// `cephalog demo --patients N`: the registry in an empty database, then served like the demo
/// (or not, with --no-serve).
pub async fn run(
    database: Option<String>,
    target: crate::Target,
    rules_dir: Option<std::path::PathBuf>,
    args: DemoArgs,
    patients: usize,
) -> Result<()> {
    let (store, url, rules) = open_empty(database, target, rules_dir).await?;
    let until = args.until.unwrap_or_else(|| today() - Duration::days(1));
    let s = fill(&store, args.seed, patients, args.years, until).await?;
    println!(
        "Cephalog synthetic registry (seed {}, {} year(s) of diary to {until}) in {url}",
        args.seed, args.years
    );
    println!(
        "{} patients, {} diary days, {} sessions, {} questionnaires, {} adverse events in \
         {:.1} s ({:.0} diary days/s).",
        s.patients,
        s.diary_days,
        s.sessions,
        s.questionnaires,
        s.adverse_events,
        s.seconds,
        s.diary_days as f64 / s.seconds.max(1e-9)
    );
    let mut records = Vec::new();
    for mrn in ["REG-0000001", "REG-0000002"] {
        if let Ok(r) = cephalog_app::patients::find(&store, mrn).await {
            records.push(r);
        }
    }
    let logins = demo_logins(&store, &records).await?;
    crate::access::finish(&store, None).await?;
    if args.no_serve {
        println!("Try:");
        println!("  cephalog --database {url} cohort --on {until}");
        println!(
            "  cephalog --database {url} cohort export --on {until} --format parquet --out registry-export"
        );
        store.close().await;
        return Ok(());
    }
    serve(store, rules, until, &args.listen, &logins).await
}
