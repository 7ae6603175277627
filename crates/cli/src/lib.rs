//! The `cephalog` command line: patients, diary import and export, metrics, classification, the
//! medicine dictionary and the demo clinic.

mod access;
mod accounts;
mod attacks;
mod backup;
mod cohort;
mod commands;
pub mod demo;
mod export;
mod fhir;
mod output;
mod pathway;
mod registry;
mod report;
mod safety;
mod server;
mod treatment;

use std::path::PathBuf;

use anyhow::{Result, bail};
use chrono::NaiveDate;
use clap::{Args, Parser, Subcommand};
use uuid::Uuid;

use cephalog_store::{AuditSettings, Store};

/// The SQLite file used when no database is named.
pub const DEFAULT_DATABASE: &str = "cephalog.db";
/// The SQLite file `cephalog demo` fills when no database is named.
pub const DEFAULT_DEMO_DATABASE: &str = "cephalog-demo.db";

/// Cephalog: botulinum-toxin therapy of chronic headache, from diary to response.
#[derive(Debug, Parser)]
#[command(name = "cephalog", version, about)]
pub struct Cli {
    /// Database: a SQLite file path (or sqlite: URL), or a postgres:// URL.
    #[arg(
        long,
        global = true,
        env = "CEPHALOG_DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,
    /// A directory of the clinic's own rule-set files (*.toml), read beside the shipped ones.
    #[arg(long, global = true, env = "CEPHALOG_RULES_DIR")]
    pub rules_dir: Option<PathBuf>,
    /// The audit key file (one 256-bit key per line in hex; created with a fresh key when
    /// missing). Default for a SQLite file X: X.audit-key beside it. Required for PostgreSQL.
    #[arg(long, global = true, env = "CEPHALOG_AUDIT_KEY_FILE")]
    pub audit_key_file: Option<PathBuf>,
    /// The append-only log of signed audit checkpoints. Default for a SQLite file X:
    /// X.audit-checkpoints beside it. Keep it, like the key file, away from the database.
    #[arg(long, global = true, env = "CEPHALOG_AUDIT_CHECKPOINTS")]
    pub audit_checkpoints: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Patients and their diagnoses.
    #[command(subcommand)]
    Patient(PatientCommand),
    /// Import and export diaries.
    #[command(subcommand)]
    Diary(DiaryCommand),
    /// Diary metrics per period under a day-definition preset.
    Metrics(MetricsArgs),
    /// ICHD-3 diary criteria: chronic migraine, chronic tension-type, medication overuse, occipital
    /// neuralgia (paroxysms).
    Classify(ClassifyArgs),
    /// The acute-medicine dictionary.
    #[command(subcommand)]
    Drug(DrugCommand),
    /// Fill a database with a realistic synthetic clinic and serve it on the web.
    Demo(DemoArgs),
    /// Serve the web app and the JSON API.
    Serve(ServeArgs),
    /// The preventive-treatment ledger.
    #[command(subcommand)]
    Preventive(PreventiveCommand),
    /// Patient-reported measures: MIDAS, HIT-6, PHQ-9 and GAD-7.
    #[command(subcommand)]
    Prom(PromCommand),
    /// Eligibility and continuation rule sets.
    #[command(subcommand)]
    Rules(RulesCommand),
    /// Evaluate a rule set for a patient.
    Eligibility(EligibilityArgs),
    /// Record a clinician's attestation that medication overuse has been managed.
    AttestOveruse(AttestArgs),
    /// Injection plans: PREEMPT, PREEMPT with follow-the-pain, occipital nerve block.
    #[command(subcommand)]
    Plan(PlanCommand),
    /// Botulinum-toxin sessions.
    #[command(subcommand)]
    Session(SessionCommand),
    /// Who is due, overdue or too early for their next session.
    Schedule(ScheduleArgs),
    /// Response per cycle against the baseline, with the rule set's continuation decisions.
    Response(ResponseArgs),
    /// Adverse events and safety reports (E2B(R3), MedWatch 3500).
    #[command(subcommand)]
    Ae(AeCommand),
    /// The clinic cohort report: how the treated patients are doing per cycle, time on
    /// treatment, sessions, continuation decisions and adverse events, beside published figures.
    Cohort(CohortArgs),
    /// User accounts (the first admin is made here).
    #[command(subcommand)]
    User(UserCommand),
    /// The audit trail of every read and write of patient data.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Attack-log profiles for importing phone apps' attack exports (see `diary import --format
    /// attacks`).
    #[command(subcommand)]
    Attacks(AttacksCommand),
    /// Export everything stored, per patient or for the whole installation, as CSV or JSON.
    Export(ExportArgs),
    /// FHIR R4: export a patient as a Bundle or the clinic as bulk NDJSON; import a Bundle.
    #[command(subcommand)]
    Fhir(FhirCommand),
    /// PDF reports: the doctor-visit summary, the prior-authorisation packet, the session note.
    #[command(subcommand)]
    Report(ReportCommand),
    /// Write a consistent copy of the SQLite database while it keeps serving (PostgreSQL: use
    /// pg_dump, see the README's Operations section).
    Backup(BackupArgs),
    /// Replace the SQLite database (--database) with a backup, after checking the backup's
    /// integrity and every audit seal and checkpoint; nothing is replaced when a check fails.
    /// Stop the server first.
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct BackupArgs {
    /// The backup file to write; it must not exist.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file to restore from.
    #[arg(long)]
    pub from: PathBuf,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The doctor-visit summary of a period: diary figures, trend, calendars, acute medication
    /// and overuse, preventives, sessions and response, questionnaires, adverse events.
    Visit {
        #[arg(long)]
        patient: String,
        /// First day of the period (default: 83 days before --to).
        #[arg(long)]
        from: Option<NaiveDate>,
        /// Last day of the period (default: today).
        #[arg(long)]
        to: Option<NaiveDate>,
        /// Headache-day definition: label-4h, any or ihs-30min.
        #[arg(long, default_value = "label-4h")]
        preset: String,
        /// The rule set the response per cycle is read against.
        #[arg(long, default_value = cephalog_app::defaults::RESPONSE_RULES)]
        rules: String,
        #[arg(long)]
        out: PathBuf,
    },
    /// The prior-authorisation (or re-authorisation) packet under a rule set: every criterion
    /// with its outcome, the diary month by month, preventives, overuse, plan and billing lines,
    /// and the response per cycle.
    PriorAuth {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        rules: String,
        /// The date the criteria are evaluated on (default: today).
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        out: PathBuf,
    },
    /// The procedure note of one session: product, lot, expiry, dilution, sites, waste, billing
    /// lines and injector, with the site map.
    Session {
        #[arg(long)]
        session: Uuid,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum AttacksCommand {
    /// List the attack-log profiles: the shipped ones and the clinic's own.
    Profiles {
        /// A directory of the clinic's own profile files (*.toml), read beside the shipped ones.
        #[arg(long, env = "CEPHALOG_PROFILES_DIR")]
        profiles_dir: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Show one profile: which column gives what, and the file to copy.
    Show {
        id: String,
        #[arg(long, env = "CEPHALOG_PROFILES_DIR")]
        profiles_dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum FhirCommand {
    /// Export one patient as a FHIR R4 Bundle (to standard output, or --out FILE), or with --all
    /// every patient as bulk NDJSON, one file per resource type, into --out DIR.
    Export {
        /// The patient (id or MRN).
        #[arg(long, required_unless_present = "all", conflicts_with = "all")]
        patient: Option<String>,
        /// Every patient of every clinic.
        #[arg(long)]
        all: bool,
        /// The Bundle file; with --all, the directory for the NDJSON files.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Import a FHIR R4 Bundle as a new patient: every resource is checked first, and nothing is
    /// stored unless all of them map. A patient already stored under the same id or MRN refuses it.
    Import {
        file: PathBuf,
        /// The clinic (tenant) the patient joins; created on first use.
        #[arg(long, default_value = cephalog_store::DEFAULT_CLINIC)]
        clinic: String,
    },
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    /// One patient (id or MRN).
    #[arg(long, required_unless_present = "all", conflicts_with = "all")]
    pub patient: Option<String>,
    /// Every clinic, patient, user and the whole audit trail.
    #[arg(long)]
    pub all: bool,
    /// csv (one file per table) or json (one document per patient, or one for everything).
    #[arg(long)]
    pub format: String,
    /// The directory to write into (created if missing; files already there are replaced).
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. The password is read from standard input with --password-stdin, or generated
    /// and printed once.
    Add {
        #[arg(long)]
        username: String,
        #[arg(long)]
        name: String,
        /// admin, clinician, nurse or patient.
        #[arg(long)]
        role: String,
        /// For a patient account: the patient (id or MRN).
        #[arg(long)]
        patient: Option<String>,
        /// The clinic (tenant) the user works in; created on first use.
        #[arg(long, default_value = cephalog_store::DEFAULT_CLINIC)]
        clinic: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users.
    List,
    /// Issue an API token for a user (shown once; only its hash is kept). Tokens are issued here
    /// or from a signed-in browser session, never with another token.
    Token {
        username: String,
        /// What the token is for, e.g. "EHR bridge".
        #[arg(long)]
        name: String,
        /// `read` (GET only) or `read_write`.
        #[arg(long, default_value = "read")]
        scope: String,
        /// Days until the token expires: 1 to 365 [unverified default: 90].
        #[arg(long, value_name = "DAYS")]
        expires: Option<i64>,
    },
    /// Revoke one of a user's API tokens.
    RevokeToken { username: String, id: uuid::Uuid },
    /// List a user's API tokens.
    Tokens { username: String },
    /// Disable a user (they can no longer sign in).
    Disable { username: String },
    /// Set a new password (from standard input with --password-stdin, or generated and printed).
    ResetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check every seal, the stored head and every signed checkpoint; name the first changed,
    /// inserted, deleted or malformed entry, a removed tail, a replaced trail, or a missing or
    /// stale checkpoint.
    Verify {
        #[arg(long)]
        json: bool,
    },
    /// Sign the trail's head now and append it to the checkpoint log (the command line does
    /// this after every command, the server every minute).
    Checkpoint,
    /// Add a fresh key to the key file: it seals from now on; the old keys still verify.
    RotateKey,
    /// After restoring a PostgreSQL dump: verify the restored trail against the checkpoint log and
    /// record the restore in it (a SQLite `cephalog restore` does this itself).
    MarkRestored,
    /// Show the trail, whole or for one patient.
    Log {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum AeCommand {
    /// Record an adverse event; boxed-warning symptoms after a session are flagged for urgent review.
    Add(Box<AeAddArgs>),
    /// List adverse events (one patient, or the whole clinic).
    List {
        #[arg(long)]
        patient: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Show one case with its ICSR validity and due date.
    Show {
        id: Uuid,
        #[arg(long)]
        json: bool,
    },
    /// Cases past their reporting due date and not submitted.
    Overdue {
        #[arg(long)]
        on: Option<NaiveDate>,
        #[arg(long)]
        json: bool,
    },
    /// Acknowledge a case's urgent review: who, and what was decided. An acknowledged flag leaves
    /// the worklist and no longer refuses the next session.
    Acknowledge {
        #[arg(long)]
        case: Uuid,
        /// The clinician acknowledging.
        #[arg(long)]
        by: String,
        /// What was decided, e.g. "seen in clinic; swallow recovered; next session at half dose".
        #[arg(long)]
        decision: String,
    },
    /// Record that a case was submitted.
    Submitted {
        #[arg(long)]
        case: Uuid,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Adverse-event rates per session and per 100 sessions beside published figures.
    Rates {
        #[arg(long)]
        json: bool,
    },
    /// Export a valid case: e2b-r3 (ICH E2B(R3) XML) or medwatch-json (MedWatch 3500 field set).
    Export {
        #[arg(long)]
        case: Uuid,
        #[arg(long)]
        format: String,
        /// The sender's details (TOML) for E2B(R3); see README.
        #[arg(long, env = "CEPHALOG_SENDER_FILE")]
        sender: Option<PathBuf>,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct AeAddArgs {
    #[arg(long)]
    pub patient: String,
    /// The reaction as reported, e.g. "ptosis".
    #[arg(long)]
    pub term: String,
    /// MedDRA LLT/PT code supplied by the clinic (8 digits).
    #[arg(long)]
    pub meddra: Option<String>,
    #[arg(long)]
    pub onset: NaiveDate,
    #[arg(long)]
    pub resolution: Option<NaiveDate>,
    /// CTCAE v5 grade 1–5.
    #[arg(long)]
    pub grade: i64,
    /// Serious outcomes, comma-separated: death, life_threatening, hospitalization, disability,
    /// congenital_anomaly, required_intervention, other_important_medical_event.
    #[arg(long, default_value = "")]
    pub serious: String,
    #[arg(long, default_value = "not_applicable")]
    pub action: String,
    #[arg(long, default_value = "unknown")]
    pub outcome: String,
    #[arg(long, default_value = "not_assessed")]
    pub causality: String,
    #[arg(long)]
    pub reporter_given: Option<String>,
    #[arg(long)]
    pub reporter_family: Option<String>,
    /// physician, pharmacist, other_health_professional, lawyer or consumer.
    #[arg(long)]
    pub reporter_qualification: Option<String>,
    /// ISO 3166-1 alpha-2, e.g. GB.
    #[arg(long)]
    pub reporter_country: Option<String>,
    /// The day the clinic learned of it (default: today).
    #[arg(long)]
    pub aware: Option<NaiveDate>,
    #[arg(long, default_value = "")]
    pub narrative: String,
    /// The session(s) suspected, by date (default: the latest session on or before onset).
    #[arg(long = "session-date")]
    pub session_dates: Vec<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PlanCommand {
    /// Show a plan: preempt, preempt-ftp, on-toxin or gon-block.
    Show {
        name: String,
        /// Follow-the-pain sites for preempt-ftp: MUSCLE:SIDE, repeatable (e.g. temporalis:left).
        #[arg(long = "extra")]
        extra: Vec<String>,
        /// Doses for on-toxin (off-label, occipital neuralgia): NERVE:SIDE:UNITS, repeatable.
        #[arg(long = "nerve-dose")]
        nerve_doses: Vec<String>,
        /// Side(s) for gon-block: left, right or bilateral.
        #[arg(long, default_value = "bilateral")]
        side: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum SessionCommand {
    /// Record a session: PREEMPT (with skipped and follow-the-pain sites) or off-label occipital
    /// nerve toxin.
    Record(SessionRecordArgs),
    /// List a patient's sessions with waste and billing lines.
    List {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        json: bool,
    },
    /// Record an occipital nerve block (CPT 64405 for the greater occipital nerve).
    Block {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        date: NaiveDate,
        /// greater or lesser.
        #[arg(long, default_value = "greater")]
        nerve: String,
        /// left, right or bilateral.
        #[arg(long, default_value = "bilateral")]
        side: String,
        /// bupivacaine_0.5, lidocaine_1, lidocaine_2 or another agent's name.
        #[arg(long, default_value = "bupivacaine_0.5")]
        agent: String,
        #[arg(long, default_value_t = 2.0)]
        volume_ml: f64,
        /// Steroid added: AGENT:MG, e.g. methylprednisolone:40.
        #[arg(long)]
        steroid: Option<String>,
        #[arg(long)]
        injector: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Record the relief after a nerve block (ICHD-3 13.4 D depends on it).
    Relief {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        block: Uuid,
        #[arg(long)]
        percent: u32,
        /// How long the relief lasted, in hours.
        #[arg(long)]
        hours: f64,
        #[arg(long)]
        on: Option<NaiveDate>,
    },
    /// Record a botulinum-toxin dose given elsewhere (counts toward the 400 U / 3 months cap).
    AddDose {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        units: u32,
        /// e.g. "cervical dystonia".
        #[arg(long)]
        indication: String,
        #[arg(long, default_value = "onabotulinumtoxinA")]
        product: String,
    },
}

#[derive(Debug, Args)]
pub struct SessionRecordArgs {
    #[arg(long)]
    pub patient: String,
    #[arg(long)]
    pub date: NaiveDate,
    /// preempt, preempt-ftp, or on-toxin (off-label botulinum toxin for occipital neuralgia).
    #[arg(long, default_value = "preempt")]
    pub plan: String,
    /// Follow-the-pain sites: MUSCLE:SIDE, repeatable.
    #[arg(long = "extra")]
    pub extra: Vec<String>,
    /// Doses for on-toxin: NERVE:SIDE:UNITS, repeatable (e.g. greater:left:25).
    #[arg(long = "nerve-dose")]
    pub nerve_doses: Vec<String>,
    /// Sites not given: MUSCLE:SIDE:ORDINAL, repeatable (e.g. frontalis:left:2).
    #[arg(long = "skip")]
    pub skip: Vec<String>,
    /// Vial size in units: 100 or 200.
    #[arg(long)]
    pub vial: String,
    #[arg(long, default_value_t = 1)]
    pub vials: u32,
    #[arg(long)]
    pub lot: String,
    #[arg(long)]
    pub expiry: NaiveDate,
    /// Diluent per vial in mL (default: 2 mL for 100 U, 4 mL for 200 U, giving 5 U / 0.1 mL).
    #[arg(long)]
    pub diluent_ml: Option<f64>,
    /// Who gave the injections: a clinician or a nurse.
    #[arg(long)]
    pub injector: String,
    /// The prescribing clinician who signs the session (default: the injector).
    #[arg(long)]
    pub prescriber: Option<String>,
    #[arg(long, default_value = "")]
    pub notes: String,
    /// Go ahead despite a refusal: CHECK=REASON, repeatable (e.g. retreatment_interval="travel").
    #[arg(long = "override")]
    pub overrides: Vec<String>,
    /// The clinician recording overrides (default: the injector).
    #[arg(long)]
    pub by: Option<String>,
    /// Run the checks and show waste and billing without saving.
    #[arg(long)]
    pub dry_run: bool,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ScheduleArgs {
    /// The date to plan for (default today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// Earliest re-treatment, days after the last session.
    #[arg(long, default_value_t = 84)]
    pub earliest_days: i64,
    /// Latest re-treatment before a patient counts as overdue.
    #[arg(long, default_value_t = 98)]
    pub latest_days: i64,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CohortArgs {
    #[command(subcommand)]
    pub command: Option<CohortCommand>,
    #[command(flatten)]
    pub filters: CohortFilterArgs,
    #[arg(long)]
    pub json: bool,
    /// Write the clinic outcomes report (tables, charts, citations) as a PDF to FILE instead of
    /// printing the tables.
    #[arg(long, value_name = "FILE", conflicts_with = "json")]
    pub pdf: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum CohortCommand {
    /// Write the de-identified research export (HIPAA Safe Harbor) of the patients the filters
    /// select: patient-cycles, diary days, sessions, adverse events and questionnaires, with a
    /// data dictionary and a manifest.
    Export(CohortExportArgs),
}

#[derive(Debug, Args)]
pub struct CohortExportArgs {
    #[command(flatten)]
    pub filters: CohortFilterArgs,
    /// parquet or csv.
    #[arg(long, default_value = "parquet")]
    pub format: String,
    /// The folder the files are written into (created when missing; existing files are never
    /// overwritten).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
}

/// The cohort's filters, shared by the report and the research export.
#[derive(Debug, Args)]
pub struct CohortFilterArgs {
    /// Assess as of this date (default today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    /// One clinic's patients, by name (default: every clinic's).
    #[arg(long)]
    pub clinic: Option<String>,
    /// First chronic-migraine session in FROM..TO (dates, inclusive).
    #[arg(long, value_name = "FROM..TO")]
    pub first_session: Option<String>,
    /// An ICHD-3 diagnosis code the patients carry, e.g. 1.3.
    #[arg(long)]
    pub diagnosis: Option<String>,
    /// Rule set whose preset the figures use and whose stop decisions end time on treatment.
    #[arg(long, default_value = cephalog_app::defaults::RESPONSE_RULES)]
    pub rules: String,
    /// Age at the first session in A..B (years, inclusive).
    #[arg(long, value_name = "A..B")]
    pub age: Option<String>,
    /// female, male or other.
    #[arg(long)]
    pub sex: Option<String>,
}

#[derive(Debug, Args)]
pub struct ResponseArgs {
    #[arg(long)]
    pub patient: String,
    /// Rule set whose preset and continuation rules apply.
    #[arg(long, default_value = cephalog_app::defaults::RESPONSE_RULES)]
    pub rules: String,
    /// End of the 28-day baseline (default: the day before the first session).
    #[arg(long)]
    pub baseline_end: Option<NaiveDate>,
    /// Assess as of this date (default today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum PreventiveCommand {
    /// Add a preventive tried.
    Add {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        drug: String,
        /// beta_blocker, anticonvulsant, tricyclic_snri, candesartan, flunarizine, cgrp_antibody,
        /// gepant_prevention or other (inferred for known drugs).
        #[arg(long)]
        class: Option<String>,
        #[arg(long)]
        start: Option<NaiveDate>,
        #[arg(long)]
        stop: Option<NaiveDate>,
        #[arg(long)]
        dose: Option<String>,
        /// not_effective, not_tolerated, contraindicated or ongoing.
        #[arg(long)]
        outcome: String,
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// List a patient's ledger with failed counts.
    List {
        #[arg(long)]
        patient: String,
        /// Not-effective trials shorter than this many days are not counted as failures.
        #[arg(long)]
        min_trial_days: Option<i64>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum PromCommand {
    /// Score and record a questionnaire.
    Add {
        #[arg(long)]
        patient: String,
        /// midas, hit6, phq9 or gad7.
        #[arg(long)]
        instrument: String,
        /// Comma-separated: MIDAS 5 day counts (optionally then headache days and average pain);
        /// HIT-6 6 answers (never, rarely, sometimes, very often, always); PHQ-9 9 and GAD-7 7
        /// answers (not at all, several days, more than half the days, nearly every day, or 0–3).
        #[arg(long)]
        answers: String,
        /// Date taken (default today).
        #[arg(long)]
        date: Option<NaiveDate>,
    },
    /// Record the same-day review of answers that raised an alert (PHQ-9 item 9 above 0): who,
    /// and what was decided. A reviewed questionnaire leaves the worklist.
    Review {
        #[arg(long)]
        patient: String,
        /// The questionnaire's id.
        #[arg(long)]
        questionnaire: Uuid,
        /// The clinician reviewing.
        #[arg(long)]
        by: String,
        /// What was decided, e.g. "phoned the same day; safe; GP informed".
        #[arg(long)]
        decision: String,
    },
    /// List a patient's questionnaires over time.
    List {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum RulesCommand {
    /// List the rule sets.
    List,
    /// Show one rule set's criteria and continuation rules.
    Show {
        name: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct EligibilityArgs {
    #[arg(long)]
    pub patient: String,
    /// Rule set id, e.g. nice-ta260.
    #[arg(long)]
    pub rules: String,
    /// Evaluate on this date (default today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct AttestArgs {
    #[arg(long)]
    pub patient: String,
    /// The clinician attesting.
    #[arg(long)]
    pub by: String,
    #[arg(long, default_value = "")]
    pub note: String,
    /// Date of the attestation (default today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
}

#[derive(Debug, Subcommand)]
pub enum PatientCommand {
    /// Add a patient; prints the new patient's id alone.
    Add {
        #[arg(long)]
        name: String,
        /// Date of birth, YYYY-MM-DD.
        #[arg(long)]
        dob: NaiveDate,
        /// female, male or other.
        #[arg(long)]
        sex: Option<String>,
        /// The clinic's record number.
        #[arg(long)]
        mrn: Option<String>,
        /// ICHD-3 code, optionally with onset: 1.3 or 1.3@2019-05-01. Repeatable.
        #[arg(long = "diagnosis")]
        diagnoses: Vec<String>,
        #[arg(long, default_value = "")]
        notes: String,
        /// The clinic (tenant) whose staff see this patient; created on first use.
        #[arg(long, default_value = cephalog_store::DEFAULT_CLINIC)]
        clinic: String,
    },
    /// List patients.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one patient (by id or MRN).
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Add a diagnosis to a patient.
    Diagnose {
        id: String,
        /// ICHD-3 code, e.g. 1.3.
        code: String,
        #[arg(long)]
        onset: Option<NaiveDate>,
    },
}

#[derive(Debug, Subcommand)]
pub enum DiaryCommand {
    /// Import a daily CSV, an episode CSV (--covers), or an app's attack log (--format attacks
    /// --profile ID). All or nothing.
    Import {
        #[arg(long)]
        patient: String,
        file: PathBuf,
        /// The period an episode or attack log covers: FROM..TO. Alone, makes FILE an episode CSV;
        /// for an attack log it defaults to the first to the last attack day.
        #[arg(long)]
        covers: Option<String>,
        /// daily, episodes or attacks (default: episodes with --covers, attacks with --profile,
        /// daily otherwise).
        #[arg(long)]
        format: Option<String>,
        /// The attack-log profile (see `cephalog attacks profiles`); default generic.
        #[arg(long)]
        profile: Option<String>,
        /// A directory of the clinic's own attack-log profiles (*.toml).
        #[arg(long, env = "CEPHALOG_PROFILES_DIR")]
        profiles_dir: Option<PathBuf>,
        /// Replace days already stored on the file's dates instead of failing (each replaced day
        /// is kept in its history).
        #[arg(long)]
        replace: bool,
        /// Why stored days are replaced (kept in their history with --replace).
        #[arg(long, requires = "replace")]
        reason: Option<String>,
    },
    /// Mark a recorded day entered in error: it is kept in its history with who, when and the
    /// reason, and counts nowhere from then on (a day is never deleted).
    EnteredInError {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        date: NaiveDate,
        /// Why the day is withdrawn (required).
        #[arg(long)]
        reason: String,
    },
    /// A day's history: the version in force and every earlier one with who changed it, when and
    /// why.
    History {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        date: NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// Export a patient's diary as the daily CSV (to standard output, or --out FILE).
    Export {
        #[arg(long)]
        patient: String,
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct MetricsArgs {
    #[arg(long)]
    pub patient: String,
    /// First day (default: the first recorded day).
    #[arg(long)]
    pub from: Option<NaiveDate>,
    /// Last day (default: the last recorded day).
    #[arg(long)]
    pub to: Option<NaiveDate>,
    /// any, label-4h or ihs-30min.
    #[arg(long, default_value = "label-4h")]
    pub preset: String,
    /// 28d (aligned to --from) or month.
    #[arg(long, default_value = "28d")]
    pub period: String,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    #[arg(long)]
    pub patient: String,
    /// Classify as of this date (default: today).
    #[arg(long)]
    pub on: Option<NaiveDate>,
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Subcommand)]
pub enum DrugCommand {
    /// Add a name to the clinic's dictionary.
    Add {
        name: String,
        /// triptan, ergot, opioid, non_opioid, combination, gepant, ditan or other.
        #[arg(long)]
        class: String,
    },
    /// Show how a name resolves.
    Lookup { name: String },
    /// List the clinic's own names.
    List,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Seed for the synthetic clinic; the same seed and --until give the same clinic.
    #[arg(long, default_value_t = 2026)]
    pub seed: u64,
    /// Last diary day (default: yesterday).
    #[arg(long)]
    pub until: Option<NaiveDate>,
    /// Address to serve on.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub listen: String,
    /// Fill the database and stop, without serving it.
    #[arg(long)]
    pub no_serve: bool,
    /// Make a synthetic registry of this many treated chronic-migraine patients instead of the
    /// demo clinic (responders, partial and non-responders, drop-outs, late sessions, adverse
    /// events, incomplete diaries).
    #[arg(long, value_name = "N")]
    pub patients: Option<usize>,
    /// Years of diary each registry patient keeps (with --patients).
    #[arg(long, value_name = "Y", default_value_t = 2, requires = "patients")]
    pub years: u32,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (default 127.0.0.1:8080).
    #[arg(long, env = "CEPHALOG_LISTEN")]
    pub listen: Option<String>,
    /// A TOML settings file (listen, database_url, rules_dir, insecure_cookies,
    /// trust_forwarded_for, idle_timeout_minutes, absolute_timeout_hours, log_format, e2b_sender,
    /// audit_key_file, audit_checkpoints, api_requests_per_minute); flags and environment
    /// variables take precedence.
    #[arg(long, env = "CEPHALOG_CONFIG")]
    pub config: Option<PathBuf>,
    /// Cookies without `Secure`, for plain HTTP on one's own machine. A clinic serves over TLS.
    #[arg(long, env = "CEPHALOG_INSECURE_COOKIES")]
    pub insecure_cookies: bool,
    /// Take the client address from X-Forwarded-For (behind a load balancer).
    #[arg(long, env = "CEPHALOG_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// text (default) or json request logs.
    #[arg(long, env = "CEPHALOG_LOG_FORMAT")]
    pub log_format: Option<String>,
    /// Treat this date as today (a fixed clock, for demonstrations and tests).
    #[arg(long)]
    pub today: Option<NaiveDate>,
    /// The clinic's sender details (TOML, as for `ae export --sender`) for E2B(R3) downloads.
    #[arg(long, env = "CEPHALOG_SENDER_FILE")]
    pub e2b_sender: Option<PathBuf>,
    /// Requests one API token may make in a clock minute across every server (default 600);
    /// more are answered 429 with Retry-After.
    #[arg(long, env = "CEPHALOG_API_REQUESTS_PER_MINUTE", value_parser = clap::value_parser!(u32).range(1..))]
    pub api_requests_per_minute: Option<u32>,
}

/// Today's date on this machine: the limit for diary entries.
pub fn today() -> NaiveDate {
    chrono::Local::now().date_naive()
}

/// Where the database is and what seals its audit trail.
#[derive(Debug, Clone)]
pub struct Target {
    pub url: String,
    pub key_file: Option<PathBuf>,
    pub checkpoints: Option<PathBuf>,
}

impl Target {
    fn new(url: Option<String>, key_file: Option<PathBuf>, checkpoints: Option<PathBuf>) -> Self {
        Target {
            url: url.unwrap_or_else(|| DEFAULT_DATABASE.to_owned()),
            key_file,
            checkpoints,
        }
    }

    /// The audit settings: the configured key file (created when missing) and checkpoint log;
    /// for a SQLite file without them, the files beside it; for an in-memory database, a key in
    /// memory. PostgreSQL needs a configured key file.
    pub fn audit_settings(&self) -> Result<AuditSettings> {
        let beside =
            cephalog_store::sqlite_file(&self.url).map(|f| cephalog_store::audit_files_beside(&f));
        let checkpoints = self
            .checkpoints
            .clone()
            .or_else(|| beside.as_ref().map(|(_, c)| c.clone()));
        let key_file = match (&self.key_file, &beside) {
            (Some(k), _) => k.clone(),
            (None, Some((k, _))) => k.clone(),
            (None, None) if self.url.starts_with("postgres") => bail!(
                "a PostgreSQL database needs an audit key file kept outside it: \
                 --audit-key-file FILE or CEPHALOG_AUDIT_KEY_FILE (made with a fresh key when \
                 missing), and a checkpoint log: --audit-checkpoints FILE or \
                 CEPHALOG_AUDIT_CHECKPOINTS"
            ),
            (None, None) => return Ok(AuditSettings::ephemeral()),
        };
        Ok(AuditSettings::from_key_file(&key_file, checkpoints, true)?)
    }

    /// Connects with these audit settings.
    pub async fn connect(&self) -> Result<Store> {
        Ok(Store::connect_with(&self.url, self.audit_settings()?).await?)
    }
}

pub async fn run(cli: Cli) -> Result<()> {
    access::set_action(action_name(&cli.command));
    let rules_dir = cli.rules_dir;
    let target = Target::new(
        cli.database.clone(),
        cli.audit_key_file,
        cli.audit_checkpoints,
    );
    // Commands that open no database, or open their own.
    let command = match cli.command {
        Command::Demo(a) => {
            return match a.patients {
                Some(n) => registry::run(cli.database, target, rules_dir, a, n).await,
                None => demo::run(cli.database, target, rules_dir, a).await,
            };
        }
        Command::Serve(a) => return server::serve(cli.database, target, rules_dir, a).await,
        Command::Rules(c) => return pathway::rules(rules_dir.as_deref(), c),
        Command::Plan(c) => return treatment::plan(c),
        Command::Attacks(c) => return attacks::attacks(c),
        Command::Restore(a) => return backup::restore(&target, a).await,
        other => other,
    };
    let store = target.connect().await?;
    let db = &store;
    let result = match command {
        Command::Patient(c) => commands::patient(db, c).await,
        Command::Diary(c) => commands::diary(db, c).await,
        Command::Metrics(a) => commands::metrics(db, a).await,
        Command::Classify(a) => commands::classify(db, a).await,
        Command::Drug(c) => commands::drug(db, c).await,
        Command::Preventive(c) => pathway::preventive(db, c).await,
        Command::Prom(c) => pathway::prom(db, c).await,
        Command::Eligibility(a) => pathway::eligibility(db, rules_dir.as_deref(), a).await,
        Command::AttestOveruse(a) => pathway::attest(db, a).await,
        Command::Session(c) => treatment::session(db, rules_dir.as_deref(), c).await,
        Command::Schedule(a) => treatment::schedule(db, a).await,
        Command::Response(a) => treatment::response(db, rules_dir.as_deref(), a).await,
        Command::Ae(c) => safety::ae(db, c).await,
        Command::Cohort(a) => cohort::cohort(db, rules_dir.as_deref(), a).await,
        Command::User(c) => accounts::user(db, c).await,
        Command::Audit(c) => accounts::audit(db, &target, c).await,
        Command::Export(a) => export::export(db, a).await,
        Command::Fhir(c) => fhir::fhir(db, c).await,
        Command::Report(c) => report::report(db, rules_dir.as_deref(), c).await,
        Command::Backup(a) => backup::backup(db, a).await,
        Command::Demo(_)
        | Command::Serve(_)
        | Command::Rules(_)
        | Command::Plan(_)
        | Command::Attacks(_)
        | Command::Restore(_) => unreachable!("handled above"),
    };
    let finished = access::finish(db, result.as_ref().err()).await;
    store.close().await;
    result.and(finished)
}

/// The audit name of a command, e.g. "diary.import".
fn action_name(c: &Command) -> String {
    let (top, sub) = match c {
        Command::Patient(p) => (
            "patient",
            match p {
                PatientCommand::Add { .. } => "add",
                PatientCommand::List { .. } => "list",
                PatientCommand::Show { .. } => "show",
                PatientCommand::Diagnose { .. } => "diagnose",
            },
        ),
        Command::Diary(d) => (
            "diary",
            match d {
                DiaryCommand::Import { .. } => "import",
                DiaryCommand::Export { .. } => "export",
                DiaryCommand::EnteredInError { .. } => "entered_in_error",
                DiaryCommand::History { .. } => "history",
            },
        ),
        Command::Metrics(_) => ("metrics", "read"),
        Command::Classify(_) => ("classify", "read"),
        Command::Drug(_) => ("drug", "dictionary"),
        Command::Demo(_) => ("demo", "create"),
        Command::Serve(_) => ("server", "start"),
        Command::Preventive(p) => (
            "preventive",
            if matches!(p, PreventiveCommand::Add { .. }) {
                "add"
            } else {
                "list"
            },
        ),
        Command::Prom(p) => (
            "prom",
            match p {
                PromCommand::Add { .. } => "add",
                PromCommand::Review { .. } => "review",
                PromCommand::List { .. } => "list",
            },
        ),
        Command::Rules(_) => ("rules", "read"),
        Command::Eligibility(_) => ("eligibility", "read"),
        Command::AttestOveruse(_) => ("overuse", "attest"),
        Command::Plan(_) => ("plan", "read"),
        Command::Session(s) => (
            "session",
            match s {
                SessionCommand::Record(_) => "record",
                SessionCommand::List { .. } => "list",
                SessionCommand::Block { .. } => "block",
                SessionCommand::Relief { .. } => "relief",
                SessionCommand::AddDose { .. } => "add-dose",
            },
        ),
        Command::Schedule(_) => ("schedule", "read"),
        Command::Response(_) => ("response", "read"),
        Command::Cohort(c) => (
            "cohort",
            match c.command {
                None => "read",
                Some(CohortCommand::Export(_)) => "export",
            },
        ),
        Command::Ae(a) => (
            "ae",
            match a {
                AeCommand::Add(_) => "add",
                AeCommand::List { .. } => "list",
                AeCommand::Show { .. } => "show",
                AeCommand::Overdue { .. } => "overdue",
                AeCommand::Submitted { .. } => "submitted",
                AeCommand::Acknowledge { .. } => "acknowledge",
                AeCommand::Rates { .. } => "rates",
                AeCommand::Export { .. } => "export",
            },
        ),
        Command::User(u) => (
            "user",
            match u {
                UserCommand::Add { .. } => "add",
                UserCommand::List => "list",
                UserCommand::Token { .. } => "token",
                UserCommand::RevokeToken { .. } => "revoke-token",
                UserCommand::Tokens { .. } => "tokens",
                UserCommand::Disable { .. } => "disable",
                UserCommand::ResetPassword { .. } => "reset-password",
            },
        ),
        Command::Report(r) => (
            "report",
            match r {
                ReportCommand::Visit { .. } => "visit",
                ReportCommand::PriorAuth { .. } => "prior-auth",
                ReportCommand::Session { .. } => "session",
            },
        ),
        Command::Audit(a) => (
            "audit",
            match a {
                AuditCommand::Verify { .. } => "verify",
                AuditCommand::Checkpoint => "checkpoint",
                AuditCommand::RotateKey => "rotate-key",
                AuditCommand::MarkRestored => "mark-restored",
                AuditCommand::Log { .. } => "log",
            },
        ),
        Command::Attacks(_) => ("attacks", "profiles"),
        Command::Backup(_) => ("database", "backup"),
        Command::Restore(_) => ("database", "restore"),
        Command::Export(a) => ("export", if a.all { "all" } else { "patient" }),
        Command::Fhir(f) => (
            "fhir",
            match f {
                FhirCommand::Export { .. } => "export",
                FhirCommand::Import { .. } => "import",
            },
        ),
    };
    format!("{top}.{sub}")
}
