//! The file parsers as targets: the daily and episode CSVs, attack-log profiles and files, rule
//! sets, the E2B sender file and FHIR Bundles. Each target draws from a grammar of its format and
//! from mutations of good files, and checks every input against the oracles: no panic, a refusal
//! with a clear message (naming a line of the file for the line-based formats), and what is
//! accepted reading back the same (the daily CSV, FHIR) or exporting well-formed (E2B).

use chrono::{DateTime, Duration, NaiveDate};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;
use uuid::Uuid;

use cephalog_core::eligibility::{self, EligibilityInput};
use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
use cephalog_core::response::{self, ResponseInput};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, IcsrPatient,
    IcsrPatientDraft, ReporterDraft, ReporterQualification, SeriousOutcome, SuspectProductDraft,
};
use cephalog_core::{
    Diagnosis, DiagnosisCode, Diary, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_interchange::profile::AttackProfile;
use cephalog_interchange::{
    DAILY_COLUMNS, FileErrors, builtin_profile_text, parse_profile, read_attacks, read_daily,
    read_episodes, write_daily,
};

use crate::generate::bytes::{mutated, seed};
use crate::generate::csv::{Column, Field, Layout, csv_file};
use crate::generate::tree::{Node, Syntax, edited};
use crate::oracle::{FailureKind, Report, Run, Verdict, drive};

/// "Today" for every file target: fixed, so that runs repeat.
pub fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default()
}

const MB_SAMPLE: &str = include_str!("../../../profiles/samples/migraine-buddy.csv");
const GENERIC_SAMPLE: &str = "start,end,duration,pain_0_10,symptoms,medicines,notes\n\
    2026-03-02 07:15,2026-03-02 12:35,,7,nausea; light sensitivity,sumatriptan 50 mg,woke with it\n\
    2026-03-04 22:00,,3h,5,one side,,\n";
const RULE_FILES: [&str; 4] = [
    include_str!("../../../rules/fda-label.toml"),
    include_str!("../../../rules/nice-ta260.toml"),
    include_str!("../../../rules/wa-lni.toml"),
    include_str!("../../../rules/evicore.toml"),
];
const FHIR_BUNDLES: [&str; 1] = [include_str!("../../fhir/tests/it/golden/small-bundle.json")];
const FHIR_DEMO: &str = include_str!("../seeds/demo-bundle.json");
/// The sender file of the README and the CLI journeys.
pub const SENDER: &str = r#"sender_id = "CEPHALOGCLINIC"
meddra_version = "27.1"
case_country = "GB"
organisation = "Example Headache Clinic"
department = "Neurology"
title = "Dr"
given_name = "Ana"
family_name = "Ruiz"
street = "1 Hospital Road"
city = "Leeds"
state = "West Yorkshire"
postcode = "LS1 3EX"
country = "GB"
telephone = "+44 113 000 0000"
fax = "+44 113 000 0001"
email = "safety@example.org"
"#;

// --- the oracles of files -----------------------------------------------------------------------

/// A reason as one failure's name: quoted parts, numbers and dates dropped, cut short.
fn gist(reason: &str) -> String {
    let mut out = String::new();
    let mut quoted = false;
    for c in reason.chars() {
        match c {
            '\'' => {
                quoted = !quoted;
                if quoted {
                    out.push_str("'…'");
                }
            }
            _ if quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('#') {
                    out.push('#');
                }
            }
            ':' => out.push(';'),
            c => out.push(c),
        }
    }
    out.chars().take(70).collect()
}

/// Lines of the input, counting `\n` or lone `\r` line ends.
fn line_count(input: &[u8]) -> u64 {
    let n = input.iter().filter(|&&b| b == b'\n').count();
    let r = input.iter().filter(|&&b| b == b'\r').count();
    n.max(r) as u64 + 1
}

/// A refusal of a line-based file is clear when it lists at least one problem and each names a
/// line of the file and gives a reason.
fn file_errors(e: &FileErrors, input: &[u8]) -> Verdict {
    if e.errors.is_empty() {
        return Verdict::Failed(
            FailureKind::UnclearError,
            "no problem listed: an empty list of errors".to_owned(),
        );
    }
    let lines = line_count(input);
    for r in &e.errors {
        if r.reason.trim().is_empty() {
            return Verdict::Failed(
                FailureKind::UnclearError,
                format!("empty reason on line {}: {r}", r.line),
            );
        }
        if r.line == 0 {
            return Verdict::Failed(
                FailureKind::UnclearError,
                format!("names no line ({}): {r}", gist(&r.reason)),
            );
        }
        if r.line > lines {
            return Verdict::Failed(
                FailureKind::UnclearError,
                format!(
                    "names a line past the end ({}): line {} of {lines}: {r}",
                    gist(&r.reason),
                    r.line
                ),
            );
        }
    }
    if e.to_string().trim().is_empty() {
        return Verdict::Failed(FailureKind::UnclearError, "empty message".to_owned());
    }
    Verdict::Rejected
}

/// A refusal of a whole document is clear when its message says something.
fn message(text: &str) -> Verdict {
    let t = text.trim();
    // "origin: " with nothing after it is no reason.
    if t.is_empty() || t.ends_with(':') {
        Verdict::Failed(
            FailureKind::UnclearError,
            format!("empty message: '{text}'"),
        )
    } else {
        Verdict::Rejected
    }
}

fn show_bytes(b: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(b))
}

fn show_text(s: &str) -> String {
    format!("{s:?}")
}

/// Strategies of a file: the grammar's files, the seeds mutated, and the grammar's files mutated.
fn files(grammar: BoxedStrategy<Vec<u8>>, seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    prop_oneof![
        5 => grammar.clone(),
        3 => mutated(seed(seeds.clone()), seeds.clone()),
        2 => mutated(grammar, seeds),
    ]
    .boxed()
}

/// Strategies of a TOML or JSON document: the seeds with edits to their values and keys, the seeds
/// mutated as bytes, and edited seeds mutated as bytes.
fn documents(texts: &[&str], syntax: Syntax) -> BoxedStrategy<String> {
    let trees: Vec<Node> = texts
        .iter()
        .filter_map(|t| match syntax {
            Syntax::Toml => Node::parse_toml(t),
            Syntax::Json => serde_json::from_str::<serde_json::Value>(t)
                .ok()
                .map(|v| Node::from_json(&v)),
        })
        .collect();
    let raw: Vec<Vec<u8>> = texts.iter().map(|t| t.as_bytes().to_vec()).collect();
    let tree_bytes = edited(trees, syntax).prop_map(String::into_bytes).boxed();
    prop_oneof![
        5 => tree_bytes.clone(),
        1 => seed(raw.clone()),
        3 => mutated(seed(raw.clone()), raw.clone()),
        2 => mutated(tree_bytes, raw),
    ]
    // Files are read as UTF-8 text; what is not is refused before any parser sees it.
    .prop_map(|b| String::from_utf8_lossy(&b).into_owned())
    .boxed()
}

// --- the daily CSV ------------------------------------------------------------------------------

fn daily_layout() -> Layout {
    let columns = DAILY_COLUMNS
        .iter()
        .map(|&name| {
            let field = match name {
                "date" => Field::Date,
                "headache_minutes" => Field::Minutes,
                "peak_intensity" => Field::Intensity,
                "acute_medications" => Field::Medicines,
                "paroxysms" => Field::Count,
                "notes" => Field::Notes,
                feature => Field::Flag(
                    Features::FIELDS
                        .iter()
                        .position(|f| *f == feature)
                        .unwrap_or(0),
                ),
            };
            Column {
                name,
                field,
                required: matches!(name, "date" | "headache_minutes" | "peak_intensity"),
            }
        })
        .collect();
    Layout {
        columns,
        delimiter: ',',
    }
}

fn sample_day(back: i64, minutes: i64, peak: Intensity, meds: &str, note: &str) -> DiaryDay {
    let date = today() - Duration::days(back);
    let dictionary = DrugDictionary::builtin();
    let headache = minutes > 0;
    DiaryDay::record(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).unwrap_or_default(),
            peak_intensity: peak,
            features: Features {
                nausea: headache,
                photophobia: headache,
                unilateral: headache,
                aura: back % 2 == 0,
                ..Features::default()
            },
            medications: MedicationIntake::parse_list(meds, &dictionary).unwrap_or_default(),
            paroxysms: u32::try_from(back % 3).unwrap_or(0),
            notes: note.to_owned(),
        },
        today(),
    )
    .expect("a sample day is valid")
}

fn sample_days() -> Vec<DiaryDay> {
    vec![
        sample_day(
            9,
            300,
            Intensity::Severe,
            "sumatriptan 50mg; ibuprofen 400 mg",
            "woke with it",
        ),
        sample_day(8, 0, Intensity::None, "", ""),
        sample_day(
            7,
            1440,
            Intensity::Moderate,
            "paracetamol",
            "all day, \"awful\"",
        ),
        sample_day(6, 30, Intensity::Mild, "", "short; then fine\nsecond line"),
        sample_day(5, 239, Intensity::Moderate, "rizatriptan 10 mg", ""),
    ]
}

fn daily_seeds() -> Vec<Vec<u8>> {
    let mut written = Vec::new();
    write_daily(&mut written, &sample_days()).expect("writing to memory");
    vec![
        written,
        b"peak_intensity,date,headache_minutes,nausea,acute_medications\n\
          severe,2026-06-01,300,1,sumatriptan 50mg\n\
          none,2026-06-02,0,,\n"
            .to_vec(),
    ]
}

pub fn daily_csv(run: Run) -> Report {
    let dictionary = DrugDictionary::builtin();
    let strategy = files(csv_file(daily_layout(), today()), daily_seeds());
    drive(
        "daily_csv",
        strategy,
        run,
        |b| show_bytes(b),
        |input| match read_daily(input.as_slice(), &dictionary, today(), |_| {}) {
            Err(e) => file_errors(&e, input),
            Ok(days) => {
                let mut again = Vec::new();
                if let Err(e) = write_daily(&mut again, &days) {
                    return Verdict::Failed(
                        FailureKind::Inconsistent,
                        format!("accepted days cannot be written back: {e}"),
                    );
                }
                match read_daily(again.as_slice(), &dictionary, today(), |_| {}) {
                    Ok(back) if back == days => Verdict::Accepted,
                    Ok(_) => Verdict::Failed(
                        FailureKind::Inconsistent,
                        "written back, the days read differently: ".to_owned()
                            + &String::from_utf8_lossy(&again),
                    ),
                    Err(e) => Verdict::Failed(
                        FailureKind::Inconsistent,
                        format!(
                            "written back, the days are refused ({}): {e}",
                            gist(&e.to_string())
                        ),
                    ),
                }
            }
        },
    )
}

// --- the episode CSV ----------------------------------------------------------------------------

fn episode_layout() -> Layout {
    let mut columns = vec![
        Column {
            name: "start",
            field: Field::Start,
            required: true,
        },
        Column {
            name: "end",
            field: Field::End(true),
            required: false,
        },
        Column {
            name: "duration_minutes",
            field: Field::DurationMinutes,
            required: false,
        },
        Column {
            name: "peak_intensity",
            field: Field::Pain,
            required: true,
        },
    ];
    for (i, f) in Features::FIELDS.iter().enumerate() {
        columns.push(Column {
            name: f,
            field: Field::Flag(i),
            required: false,
        });
    }
    for (name, field) in [
        ("acute_medications", Field::Medicines),
        ("paroxysms", Field::Count),
        ("notes", Field::Notes),
    ] {
        columns.push(Column {
            name,
            field,
            required: false,
        });
    }
    Layout {
        columns,
        delimiter: ',',
    }
}

fn episode_seeds() -> Vec<Vec<u8>> {
    vec![
        b"start,end,duration_minutes,peak_intensity,nausea,acute_medications\n\
          2026-03-01 22:00,2026-03-02 02:00,,8,1,rizatriptan 10mg\n\
          2026-03-03T09:00,,90,5,,\n"
            .to_vec(),
        b"start,duration_minutes,peak_intensity,photophobia,aura,notes,paroxysms\n\
          2026-05-30 23:30,1440,severe,yes,1,\"all night, then\nall day\",2\n"
            .to_vec(),
    ]
}

pub fn episode_csv(run: Run) -> Report {
    let dictionary = DrugDictionary::builtin();
    let (from, to) = (today() - Duration::days(400), today() - Duration::days(1));
    let strategy = files(csv_file(episode_layout(), today()), episode_seeds());
    drive(
        "episode_csv",
        strategy,
        run,
        |b| show_bytes(b),
        |input| match read_episodes(input.as_slice(), &dictionary, from, to, today()) {
            Ok(_) => Verdict::Accepted,
            Err(e) => file_errors(&e, input),
        },
    )
}

// --- attack logs and their profiles -------------------------------------------------------------

const GENERIC_TERMS: &[&str] = &[
    "unilateral",
    "one side",
    "throbbing",
    "worse with activity",
    "nausea",
    "vomiting",
    "light sensitivity",
    "sound sensitivity",
    "aura",
];
const MB_SYMPTOMS: &[&str] = &[
    "Nausea",
    "Vomiting",
    "Sensitivity to light",
    "Sensitivity to sound",
    "Throbbing pain",
    "Worse with activity",
    "Aura",
    "Neck pain",
    "Yawning",
];
const MB_POSITIONS: &[&str] = &[
    "Left side",
    "Right side",
    "Right eye",
    "Forehead",
    "Both sides",
];

fn generic_layout() -> Layout {
    let c = |name, field, required| Column {
        name,
        field,
        required,
    };
    Layout {
        columns: vec![
            c("start", Field::Start, true),
            c("end", Field::End(false), false),
            c("duration", Field::Duration, true),
            c("pain_0_10", Field::Pain, true),
            c("symptoms", Field::Terms(GENERIC_TERMS, ";"), false),
            c("medicines", Field::Medicines, false),
            c("notes", Field::Notes, false),
        ],
        delimiter: ',',
    }
}

fn mb_layout() -> Layout {
    let c = |name, field, required| Column {
        name,
        field,
        required,
    };
    Layout {
        columns: vec![
            c("Started", Field::Start, true),
            c("Ended", Field::End(false), false),
            c("Lasted", Field::Duration, true),
            c("Type", Field::Other, false),
            c("Pain Level", Field::Pain, true),
            c("Pain Position", Field::Terms(MB_POSITIONS, ","), false),
            c("Symptoms", Field::Terms(MB_SYMPTOMS, ","), false),
            c("Triggers", Field::Notes, false),
            c("Helpful Medication", Field::Medicines, false),
            c("Unhelpful Medication", Field::Medicines, false),
            c("Location", Field::Other, false),
            c("Notes", Field::Notes, false),
        ],
        delimiter: ',',
    }
}

fn builtin(id: &str) -> AttackProfile {
    let text = builtin_profile_text(id).expect("a shipped profile");
    parse_profile(text, id).expect("the shipped profiles are valid")
}

/// Which profile, which covered period (stated or not), which file.
type AttackInput = (bool, bool, Vec<u8>);

fn show_attack(i: &AttackInput) -> String {
    format!(
        "profile {}, period {}, file {:?}",
        if i.0 { "migraine-buddy" } else { "generic" },
        if i.1 { "stated" } else { "from the file" },
        String::from_utf8_lossy(&i.2)
    )
}

/// Reads an attack log and judges the answer.
fn attack_verdict(
    input: &[u8],
    profile: &AttackProfile,
    dictionary: &DrugDictionary,
    stated: bool,
) -> Verdict {
    let covers = stated.then(|| (today() - Duration::days(400), today() - Duration::days(1)));
    match read_attacks(input, profile, dictionary, covers, today()) {
        Ok(_) => Verdict::Accepted,
        Err(e) => file_errors(&e, input),
    }
}

pub fn attack_log(run: Run) -> Report {
    let dictionary = DrugDictionary::builtin();
    let (generic, mb) = (builtin("generic"), builtin("migraine-buddy"));
    let samples = vec![
        MB_SAMPLE.as_bytes().to_vec(),
        GENERIC_SAMPLE.as_bytes().to_vec(),
    ];
    let generic_files = files(csv_file(generic_layout(), today()), samples.clone());
    let mb_files = files(csv_file(mb_layout(), today()), samples);
    let strategy = (
        any::<bool>(),
        prop_oneof![
            generic_files.prop_map(|f| (false, f)),
            mb_files.prop_map(|f| (true, f)),
        ],
    )
        .prop_map(|(stated, (which, file))| (which, stated, file));
    drive(
        "attack_log",
        strategy,
        run,
        show_attack,
        |(which, stated, input)| {
            let profile = if *which { &mb } else { &generic };
            attack_verdict(input, profile, &dictionary, *stated)
        },
    )
}

pub fn attack_profile(run: Run) -> Report {
    let dictionary = DrugDictionary::builtin();
    let minimal = "id = \"x\"\nname = \"X\"\n[start]\ncolumn = \"s\"\nformats = [\"%Y-%m-%d %H:%M\"]\n[duration]\ncolumn = \"d\"\n[pain]\ncolumn = \"p\"\n";
    let texts = [
        builtin_profile_text("generic").unwrap_or_default(),
        builtin_profile_text("migraine-buddy").unwrap_or_default(),
        minimal,
    ];
    let strategy = documents(&texts, Syntax::Toml);
    drive(
        "attack_profile",
        strategy,
        run,
        |t| show_text(t),
        |text| {
            match parse_profile(text, "clinic.toml") {
                Err(e) => message(&e.to_string()),
                // A profile accepted must read files without panicking and refuse them clearly.
                Ok(profile) => {
                    for sample in [MB_SAMPLE, GENERIC_SAMPLE] {
                        for stated in [false, true] {
                            if let v @ Verdict::Failed(..) =
                                attack_verdict(sample.as_bytes(), &profile, &dictionary, stated)
                            {
                                return v;
                            }
                        }
                    }
                    Verdict::Accepted
                }
            }
        },
    )
}

// --- rule sets ----------------------------------------------------------------------------------

/// A patient, diary, preventives and sessions for evaluating accepted rule sets on.
struct Record {
    patient: Patient,
    diary: Diary,
    preventives: Vec<PreventiveTrial>,
    sessions: Vec<NaiveDate>,
}

fn record() -> Record {
    let mut patient = Patient::new(
        "Fuzz Patient",
        NaiveDate::from_ymd_opt(1980, 5, 5).unwrap_or_default(),
        Some(Sex::Female),
        Some("F1".to_owned()),
        String::new(),
        today(),
    )
    .expect("a sample patient is valid");
    patient
        .diagnose(Diagnosis {
            code: DiagnosisCode::ChronicMigraine,
            onset: None,
        })
        .expect("a diagnosis");
    let days = (1..200).map(|back| {
        let (m, i) = match back % 3 {
            0 => (0, Intensity::None),
            1 => (300, Intensity::Severe),
            _ => (250, Intensity::Mild),
        };
        sample_day(
            back,
            m,
            i,
            if back % 4 == 0 {
                "sumatriptan 50mg"
            } else {
                ""
            },
            "",
        )
    });
    let diary = Diary::new(days).expect("a sample diary");
    let trial = |drug: &str, outcome| {
        PreventiveTrial::new(PreventiveDraft {
            drug: drug.to_owned(),
            class: None,
            start: Some(today() - Duration::days(400)),
            stop: Some(today() - Duration::days(300)),
            dose: None,
            outcome: Some(outcome),
            reason: "no change".to_owned(),
        })
        .expect("a sample trial")
    };
    Record {
        patient,
        diary,
        preventives: vec![
            trial("propranolol", PreventiveOutcome::NotEffective),
            trial("topiramate", PreventiveOutcome::NotTolerated),
        ],
        sessions: vec![today() - Duration::days(170), today() - Duration::days(80)],
    }
}

pub fn rule_set(run: Run) -> Report {
    let r = record();
    let strategy = documents(&RULE_FILES, Syntax::Toml);
    drive(
        "rule_set",
        strategy,
        run,
        |t| show_text(t),
        |text| {
            match cephalog_interchange::rules::parse_rule_set(text, "clinic.toml") {
                Err(e) => message(&e.to_string()),
                // An accepted rule set must evaluate: eligibility and response.
                Ok(rules) => {
                    let _ = eligibility::evaluate(
                        &rules,
                        EligibilityInput {
                            patient: &r.patient,
                            diary: &r.diary,
                            preventives: &r.preventives,
                            last_session: r.sessions.last().copied(),
                            overuse_attestation: None,
                            on: today(),
                        },
                    );
                    let _ = response::assess(
                        ResponseInput {
                            diary: &r.diary,
                            has_migraine_diagnosis: true,
                            sessions: &r.sessions,
                            baseline_end: None,
                            as_of: today(),
                        },
                        &rules,
                    );
                    Verdict::Accepted
                }
            }
        },
    )
}

// --- the E2B sender file ------------------------------------------------------------------------

fn case() -> (AdverseEvent, IcsrPatient) {
    let d = |back: i64| today() - Duration::days(back);
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "Eyelid ptosis, left".into(),
        meddra_code: Some("10015995".into()),
        onset: d(20),
        resolution: None,
        ctcae_grade: 2,
        seriousness: vec![SeriousOutcome::OtherImportantMedicalEvent],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovering,
        causality: Causality::PossiblyRelated,
        reporter: ReporterDraft {
            given_name: Some("Maria".into()),
            family_name: Some("Okafor".into()),
            qualification: Some(ReporterQualification::Physician),
            country: Some("GB".into()),
            email: Some("m.okafor@clinic.example".into()),
        },
        awareness_date: d(19),
        narrative: "Left upper eyelid drooping 8 days after the session.".into(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".into(),
            lot_number: Some("C6123AC4".into()),
            dose_units: Some(155.0),
            session_date: d(28),
        }],
    })
    .expect("a sample case is valid");
    let patient = IcsrPatient::try_from(IcsrPatientDraft {
        initials: Some("FP".into()),
        identifier: Some("F1".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1980, 5, 5),
        age_years: None,
        sex: Some(Sex::Female),
        weight_kg: Some(64.5),
    })
    .expect("a sample patient is valid");
    (event, patient)
}

pub fn e2b_sender(run: Run) -> Report {
    let (event, patient) = case();
    let now = DateTime::parse_from_rfc3339("2026-07-01T09:30:00+01:00").unwrap_or_default();
    let case_id = Uuid::from_u128(0x0123_4567_89ab_cdef);
    let strategy = documents(&[SENDER], Syntax::Toml);
    drive(
        "e2b_sender",
        strategy,
        run,
        |t| show_text(t),
        |text| {
            // As the command line and the server read the file.
            let settings: cephalog_e2b::SenderSettings = match toml::from_str(text) {
                Ok(s) => s,
                Err(e) => return message(e.message()),
            };
            let sender = match settings.sender() {
                Ok(s) => s,
                Err(e) => return message(&e.to_string()),
            };
            let header = settings.header(case_id, now);
            match cephalog_e2b::icsr_xml(&event, &patient, &header, &sender) {
                Err(e) => message(&e.to_string()),
                Ok(xml) => match roxmltree::Document::parse(&xml) {
                    Ok(_) => Verdict::Accepted,
                    Err(e) => Verdict::Failed(
                        FailureKind::Inconsistent,
                        format!(
                            "the E2B(R3) message is not well-formed XML ({}): {e}",
                            gist(&e.to_string())
                        ),
                    ),
                },
            }
        },
    )
}

// --- FHIR Bundles -------------------------------------------------------------------------------

pub fn fhir_bundle(run: Run) -> Report {
    let mut texts: Vec<&str> = FHIR_BUNDLES.to_vec();
    texts.push(FHIR_DEMO);
    let strategy = documents(&texts, Syntax::Json);
    drive(
        "fhir_bundle",
        strategy,
        run,
        |t| show_text(t),
        |text| {
            match cephalog_fhir::import_bundle(text) {
                Err(e) => {
                    if e.issues.is_empty() {
                        return Verdict::Failed(
                            FailureKind::UnclearError,
                            "no problem listed: an empty list of issues".to_owned(),
                        );
                    }
                    if let Some(i) = e
                        .issues
                        .iter()
                        .find(|i| i.reason.trim().is_empty() || i.resource.trim().is_empty())
                    {
                        return Verdict::Failed(
                            FailureKind::UnclearError,
                            format!("an issue without resource or reason: {i}"),
                        );
                    }
                    Verdict::Rejected
                }
                Ok(chart) => {
                    // What the import then checks before it stores anything: dates between
                    // birth and today, lengths and counts within their limits.
                    if let Err(e) = cephalog_app::fhir::from_fhir(chart.clone(), Uuid::nil())
                        .check_plausible(today())
                    {
                        return message(&e.to_string());
                    }
                    // Export → import gives the chart back.
                    let again = cephalog_fhir::bundle_json(&chart);
                    match cephalog_fhir::import_bundle(&again) {
                        Ok(back) if back == chart => Verdict::Accepted,
                        Ok(_) => Verdict::Failed(
                            FailureKind::Inconsistent,
                            "exported and imported again, the chart differs: ".to_owned() + &again,
                        ),
                        Err(e) => Verdict::Failed(
                            FailureKind::Inconsistent,
                            format!(
                                "exported, the chart is refused ({}): {e}",
                                gist(
                                    &e.issues
                                        .first()
                                        .map(|i| i.reason.clone())
                                        .unwrap_or_default()
                                )
                            ),
                        ),
                    }
                }
            }
        },
    )
}
