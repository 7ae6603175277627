//! `cephalog export`: everything a clinic stores, for one patient or the whole installation, as
//! CSV (one file per table, with a header) or JSON (one document per patient, or one for
//! everything), so no clinic is locked in.
//!
//! CSV: `clinics.csv`, `patients.csv`, `diagnoses.csv`, `diary_days.csv`, `diary_medications.csv`,
//! `clinic_medicines.csv`, `preventives.csv`, `questionnaires.csv`, `sessions.csv`,
//! `session_sites.csv`, `session_overrides.csv`, `outside_toxin_doses.csv`, `nerve_blocks.csv`,
//! `adverse_events.csv`, `adverse_event_products.csv`, `attestations.csv`, `record_versions.csv`
//! (every earlier version of a corrected or entered-in-error record: who, when, why, and what it
//! held as JSON), `users.csv` (never a
//! password hash), `api_tokens.csv` (never a token or its hash; whole installation only) and
//! `audit_log.csv`; plus `diaries/<patient id>.csv`, each patient's diary as the daily CSV that
//! `cephalog diary import` reads back.
//!
//! JSON: the same rows under the same table names: `patient-<id>.json` for one patient, or
//! `cephalog-export.json` with the installation's tables and one document per patient.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::Diary;
use cephalog_interchange::write_daily;
use cephalog_store::{PatientRecord, Store};

use crate::ExportArgs;

/// Version of the export's layout, written into JSON documents.
pub const EXPORT_VERSION: u32 = 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    Json,
}

pub async fn export(store: &Store, a: ExportArgs) -> Result<()> {
    let format = match a.format.trim().to_ascii_lowercase().as_str() {
        "csv" => Format::Csv,
        "json" => Format::Json,
        other => bail!("--format '{other}': use csv or json"),
    };
    let format_name = if format == Format::Csv { "csv" } else { "json" };
    let (patients, whole) = match &a.patient {
        Some(key) => (vec![crate::access::patient(store, key).await?], false),
        None if a.all => {
            crate::access::clinic(store).await?;
            (cephalog_app::patients::list(store, None).await?, true)
        }
        None => bail!("give --patient ID (or MRN) or --all"),
    };
    // Every patient whose data leaves the system is named in the audit trail, before the trail
    // itself is read, so the export carries its own record.
    for p in &patients {
        crate::access::export(store, p.id, format_name).await?;
    }
    let mut tables = Tables::default();
    let mut diaries = Vec::new();
    for p in &patients {
        let diary = tables.add_patient(store, p).await?;
        diaries.push((p.id, diary));
    }
    tables.add_shared(store, &patients, whole).await?;
    std::fs::create_dir_all(&a.out)
        .with_context(|| format!("cannot create {}", a.out.display()))?;
    let written = match format {
        Format::Csv => tables.write_csv(&a.out, &diaries)?,
        Format::Json => tables.write_json(&a.out, &patients, whole)?,
    };
    println!(
        "{} patient(s) exported as {format_name} to {} ({} file(s))",
        patients.len(),
        a.out.display(),
        written
    );
    Ok(())
}

/// An earlier version of a record: superseded by a correction or withdrawn as entered in error.
#[derive(Debug, Default, Serialize)]
struct RecordVersionRow {
    id: Uuid,
    patient_id: Uuid,
    /// diary_day, session, adverse_event, questionnaire, preventive or attestation.
    record_kind: String,
    /// The date of a diary day, the id of any other record.
    record_id: String,
    /// 1 is the version first recorded.
    version: i64,
    /// corrected or entered_in_error.
    action: String,
    changed_at: DateTime<Utc>,
    changed_by: String,
    reason: String,
    /// What the version held, as JSON.
    snapshot: String,
}

#[derive(Debug, Default, Serialize)]
struct ClinicRow {
    id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize)]
struct PatientRow {
    id: Uuid,
    clinic_id: Uuid,
    mrn: Option<String>,
    name: String,
    date_of_birth: NaiveDate,
    sex: Option<String>,
    notes: String,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize)]
struct DiagnosisRow {
    patient_id: Uuid,
    code: String,
    onset: Option<NaiveDate>,
}

/// A diary day: the daily CSV's columns after the patient's id.
#[derive(Debug, Default, Serialize)]
struct DiaryRow {
    patient_id: Uuid,
    date: NaiveDate,
    headache_minutes: u16,
    peak_intensity: String,
    unilateral: bool,
    pulsating: bool,
    aggravated_by_activity: bool,
    nausea: bool,
    vomiting: bool,
    photophobia: bool,
    phonophobia: bool,
    aura: bool,
    acute_medications: String,
    paroxysms: u32,
    notes: String,
}

#[derive(Debug, Default, Serialize)]
struct DiaryMedicationRow {
    patient_id: Uuid,
    date: NaiveDate,
    position: usize,
    name: String,
    dose: Option<String>,
    class: String,
    migraine_specific: bool,
}

#[derive(Debug, Default, Serialize)]
struct ClinicMedicineRow {
    name: String,
    class: String,
}

#[derive(Debug, Default, Serialize)]
struct PreventiveRow {
    id: Uuid,
    patient_id: Uuid,
    drug: String,
    class: String,
    start: Option<NaiveDate>,
    stop: Option<NaiveDate>,
    dose: Option<String>,
    outcome: String,
    reason: String,
}

#[derive(Debug, Default, Serialize)]
struct QuestionnaireRow {
    id: Uuid,
    patient_id: Uuid,
    taken_on: NaiveDate,
    instrument: String,
    /// The answers as given, `;`-separated (MIDAS: days for items 1–5, then A and B if given).
    answers: String,
    total: u32,
    /// The band's code: MIDAS grade (I–IV), HIT-6 impact, PHQ-9 or GAD-7 severity.
    grade: String,
    grade_description: String,
}

#[derive(Debug, Default, Serialize)]
struct SessionRow {
    id: Uuid,
    patient_id: Uuid,
    date: NaiveDate,
    indication: String,
    product: String,
    vial_units: u32,
    vials: u32,
    lot: String,
    expiry: NaiveDate,
    diluent_ml_per_vial: f64,
    units_opened: u32,
    units_given: u32,
    units_wasted: u32,
    sites: u32,
    injector: String,
    notes: String,
    /// Billing lines, `;`-separated (codes and quantities; never a price).
    billing: String,
    overrides: usize,
}

#[derive(Debug, Default, Serialize)]
struct SessionSiteRow {
    session_id: Uuid,
    patient_id: Uuid,
    position: usize,
    target: String,
    side: String,
    ordinal: u32,
    units: u32,
    volume_ml: f64,
}

#[derive(Debug, Default, Serialize)]
struct SessionOverrideRow {
    session_id: Uuid,
    patient_id: Uuid,
    position: usize,
    check: String,
    finding: String,
    reason: String,
    by: String,
}

#[derive(Debug, Default, Serialize)]
struct OutsideDoseRow {
    patient_id: Uuid,
    date: NaiveDate,
    product: String,
    units: u32,
    indication: String,
}

#[derive(Debug, Default, Serialize)]
struct NerveBlockRow {
    id: Uuid,
    patient_id: Uuid,
    date: NaiveDate,
    nerve: String,
    laterality: String,
    agent: String,
    volume_ml_per_side: f64,
    steroid_agent: Option<String>,
    steroid_mg: Option<f64>,
    injector: String,
    notes: String,
    relief_percent: Option<u8>,
    relief_minutes: Option<u32>,
    relief_recorded_on: Option<NaiveDate>,
}

#[derive(Debug, Default, Serialize)]
struct AdverseEventRow {
    id: Uuid,
    patient_id: Uuid,
    reported_term: String,
    meddra_code: Option<String>,
    onset: NaiveDate,
    resolution: Option<NaiveDate>,
    ctcae_grade: u8,
    serious: bool,
    /// Serious outcomes, `,`-separated.
    seriousness: String,
    action_taken: String,
    outcome: String,
    causality: String,
    reporter_given_name: Option<String>,
    reporter_family_name: Option<String>,
    reporter_qualification: Option<String>,
    reporter_country: Option<String>,
    reporter_email: Option<String>,
    awareness_date: NaiveDate,
    report_due_date: NaiveDate,
    submitted_on: Option<NaiveDate>,
    narrative: String,
}

#[derive(Debug, Default, Serialize)]
struct AdverseEventProductRow {
    event_id: Uuid,
    patient_id: Uuid,
    position: usize,
    product_name: String,
    lot_number: Option<String>,
    dose_units: Option<f64>,
    session_date: NaiveDate,
}

#[derive(Debug, Default, Serialize)]
struct AttestationRow {
    patient_id: Uuid,
    attested_on: NaiveDate,
    attested_by: String,
    note: String,
}

#[derive(Debug, Default, Serialize)]
struct UserRow {
    id: Uuid,
    clinic_id: Uuid,
    clinic: String,
    username: String,
    display_name: String,
    role: String,
    patient_id: Option<Uuid>,
    disabled: bool,
    created_at: DateTime<Utc>,
}

#[derive(Debug, Default, Serialize)]
struct ApiTokenRow {
    id: Uuid,
    user_id: Uuid,
    name: String,
    created_at: DateTime<Utc>,
    last_used_at: Option<DateTime<Utc>>,
    revoked_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Default, Serialize)]
struct AuditRow {
    /// The chain: a clinic's id, or `installation`.
    chain: String,
    seq: i64,
    at: DateTime<Utc>,
    actor: String,
    action: String,
    entity: String,
    entity_id: String,
    patient_id: Option<String>,
    source: String,
    prev_hash: String,
    hash: String,
}

/// Every table, as rows.
#[derive(Debug, Default, Serialize)]
struct Tables {
    clinics: Vec<ClinicRow>,
    patients: Vec<PatientRow>,
    diagnoses: Vec<DiagnosisRow>,
    diary_days: Vec<DiaryRow>,
    diary_medications: Vec<DiaryMedicationRow>,
    clinic_medicines: Vec<ClinicMedicineRow>,
    preventives: Vec<PreventiveRow>,
    questionnaires: Vec<QuestionnaireRow>,
    sessions: Vec<SessionRow>,
    session_sites: Vec<SessionSiteRow>,
    session_overrides: Vec<SessionOverrideRow>,
    outside_toxin_doses: Vec<OutsideDoseRow>,
    nerve_blocks: Vec<NerveBlockRow>,
    adverse_events: Vec<AdverseEventRow>,
    adverse_event_products: Vec<AdverseEventProductRow>,
    attestations: Vec<AttestationRow>,
    record_versions: Vec<RecordVersionRow>,
    users: Vec<UserRow>,
    api_tokens: Vec<ApiTokenRow>,
    audit_log: Vec<AuditRow>,
}

impl Tables {
    /// Reads one patient's records into the tables; returns the diary.
    async fn add_patient(&mut self, store: &Store, r: &PatientRecord) -> Result<Diary> {
        let id = r.id;
        let p = &r.patient;
        self.patients.push(PatientRow {
            id,
            clinic_id: r.clinic_id,
            mrn: p.mrn().map(str::to_owned),
            name: p.name().to_owned(),
            date_of_birth: p.date_of_birth(),
            sex: p.sex().map(|s| s.as_str().to_owned()),
            notes: p.notes().to_owned(),
            created_at: r.created_at,
        });
        for d in p.diagnoses() {
            self.diagnoses.push(DiagnosisRow {
                patient_id: id,
                code: d.code.to_string(),
                onset: d.onset,
            });
        }
        let diary = cephalog_app::diary::diary(store, id).await?;
        for d in diary.days() {
            let f = d.features();
            self.diary_days.push(DiaryRow {
                patient_id: id,
                date: d.date(),
                headache_minutes: d.headache_minutes(),
                peak_intensity: d.peak_intensity().as_str().to_owned(),
                unilateral: f.unilateral,
                pulsating: f.pulsating,
                aggravated_by_activity: f.aggravated_by_activity,
                nausea: f.nausea,
                vomiting: f.vomiting,
                photophobia: f.photophobia,
                phonophobia: f.phonophobia,
                aura: f.aura,
                acute_medications: d
                    .medications()
                    .iter()
                    .map(|m| m.display_text())
                    .collect::<Vec<_>>()
                    .join("; "),
                paroxysms: d.paroxysms(),
                notes: d.notes().to_owned(),
            });
            for (position, m) in d.medications().iter().enumerate() {
                self.diary_medications.push(DiaryMedicationRow {
                    patient_id: id,
                    date: d.date(),
                    position,
                    name: m.name.clone(),
                    dose: m.dose.clone(),
                    class: m.class.as_str().to_owned(),
                    migraine_specific: m.migraine_specific,
                });
            }
        }
        for (pid, t) in cephalog_app::pathway::preventives(store, id).await? {
            self.preventives.push(PreventiveRow {
                id: pid,
                patient_id: id,
                drug: t.drug().to_owned(),
                class: t.class().as_str().to_owned(),
                start: t.start(),
                stop: t.stop(),
                dose: t.dose().map(str::to_owned),
                outcome: t.outcome().as_str().to_owned(),
                reason: t.reason().to_owned(),
            });
        }
        for (qid, q) in cephalog_app::pathway::questionnaires(store, id).await? {
            self.questionnaires.push(QuestionnaireRow {
                id: qid,
                patient_id: id,
                taken_on: q.date,
                instrument: q.result.instrument().as_str().to_owned(),
                answers: q.result.stored_answers(),
                total: q.result.total(),
                grade: q.result.band().code.to_owned(),
                grade_description: q.result.band().words.to_owned(),
            });
        }
        for s in cephalog_app::treatment::sessions(store, id).await? {
            let session = &s.session;
            let waste = session.waste();
            self.sessions.push(SessionRow {
                id: s.id,
                patient_id: id,
                date: session.date(),
                indication: session.indication().key(),
                product: session.product().key(),
                vial_units: session.vial_size().units(),
                vials: session.vials(),
                lot: session.lot().as_str().to_owned(),
                expiry: session.expiry(),
                diluent_ml_per_vial: session.diluent().ml(),
                units_opened: waste.opened,
                units_given: waste.given,
                units_wasted: waste.discarded,
                sites: session.site_count(),
                injector: session.injector().as_str().to_owned(),
                notes: session.notes().to_owned(),
                billing: session
                    .billing()
                    .lines
                    .iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("; "),
                overrides: s.overrides.len(),
            });
            for (position, site) in session.sites().iter().enumerate() {
                self.session_sites.push(SessionSiteRow {
                    session_id: s.id,
                    patient_id: id,
                    position,
                    target: site.target().key(),
                    side: site.side().as_str().to_owned(),
                    ordinal: site.ordinal(),
                    units: site.units(),
                    volume_ml: site.volume().ml(),
                });
            }
            for (position, o) in s.overrides.iter().enumerate() {
                self.session_overrides.push(SessionOverrideRow {
                    session_id: s.id,
                    patient_id: id,
                    position,
                    check: o.check.clone(),
                    finding: o.finding.clone(),
                    reason: o.reason.clone(),
                    by: o.by.clone(),
                });
            }
        }
        for d in cephalog_app::treatment::other_toxin_doses(store, id).await? {
            self.outside_toxin_doses.push(OutsideDoseRow {
                patient_id: id,
                date: d.date(),
                product: d.product().key(),
                units: d.units(),
                indication: d.indication().key(),
            });
        }
        for (bid, b) in cephalog_app::treatment::nerve_blocks(store, id).await? {
            let g = b.given();
            self.nerve_blocks.push(NerveBlockRow {
                id: bid,
                patient_id: id,
                date: b.date(),
                nerve: g.nerve().as_str().to_owned(),
                laterality: g.laterality().as_str().to_owned(),
                agent: g.agent().key(),
                volume_ml_per_side: g.volume_per_side().ml(),
                steroid_agent: g.steroid().map(|s| s.agent().as_str().to_owned()),
                steroid_mg: g.steroid().map(|s| s.dose_mg()),
                injector: b.injector().as_str().to_owned(),
                notes: b.notes().to_owned(),
                relief_percent: b.relief().map(|r| r.percent()),
                relief_minutes: b.relief().map(|r| r.duration_minutes()),
                relief_recorded_on: b.relief().map(|r| r.recorded_on()),
            });
        }
        for ae in cephalog_app::safety::adverse_events(store, Some(id)).await? {
            let e = &ae.event;
            let r = e.reporter();
            self.adverse_events.push(AdverseEventRow {
                id: ae.id,
                patient_id: id,
                reported_term: e.reported_term().to_owned(),
                meddra_code: e.meddra_code().map(|c| c.as_str().to_owned()),
                onset: e.onset(),
                resolution: e.resolution(),
                ctcae_grade: e.ctcae_grade().get(),
                serious: e.is_serious(),
                seriousness: e
                    .seriousness()
                    .outcomes()
                    .map(|o| o.as_str())
                    .collect::<Vec<_>>()
                    .join(","),
                action_taken: e.action_taken().as_str().to_owned(),
                outcome: e.outcome().as_str().to_owned(),
                causality: e.causality().as_str().to_owned(),
                reporter_given_name: r.given_name().map(str::to_owned),
                reporter_family_name: r.family_name().map(str::to_owned),
                reporter_qualification: r.qualification().map(|q| q.as_str().to_owned()),
                reporter_country: r.country().map(|c| c.as_str().to_owned()),
                reporter_email: r.email().map(str::to_owned),
                awareness_date: e.awareness_date(),
                report_due_date: e.report_due_date(),
                submitted_on: ae.submitted_on,
                narrative: e.narrative().to_owned(),
            });
            for (position, p) in e.suspect_products().iter().enumerate() {
                self.adverse_event_products.push(AdverseEventProductRow {
                    event_id: ae.id,
                    patient_id: id,
                    position,
                    product_name: p.product_name().to_owned(),
                    lot_number: p.lot_number().map(str::to_owned),
                    dose_units: p.dose_units().map(|d| d.get()),
                    session_date: p.session_date(),
                });
            }
        }
        for a in cephalog_app::pathway::overuse_attestations(store, id).await? {
            self.attestations.push(AttestationRow {
                patient_id: id,
                attested_on: a.on,
                attested_by: a.by,
                note: a.note,
            });
        }
        for v in cephalog_app::history::record_history(store, id, None).await? {
            self.record_versions.push(RecordVersionRow {
                id: v.id,
                patient_id: v.patient_id,
                record_kind: v.kind.as_str().to_owned(),
                record_id: v.record_id,
                version: v.version,
                action: v.action.as_str().to_owned(),
                changed_at: v.changed_at,
                changed_by: v.changed_by,
                reason: v.reason,
                snapshot: v.snapshot.to_string(),
            });
        }
        Ok(diary)
    }

    /// Clinics, users, tokens, the clinic's medicine names and the audit trail: all of them for
    /// the whole installation; for one patient, their clinic, their own accounts and their trail.
    async fn add_shared(
        &mut self,
        store: &Store,
        patients: &[PatientRecord],
        whole: bool,
    ) -> Result<()> {
        let ids: Vec<Uuid> = patients.iter().map(|p| p.id).collect();
        let clinic_ids: Vec<Uuid> = patients.iter().map(|p| p.clinic_id).collect();
        for c in cephalog_app::patients::clinics(store).await? {
            if whole || clinic_ids.contains(&c.id) {
                self.clinics.push(ClinicRow {
                    id: c.id,
                    name: c.name,
                    created_at: c.created_at,
                });
            }
        }
        for u in store.users().await? {
            if !whole && !u.patient_id.is_some_and(|p| ids.contains(&p)) {
                continue;
            }
            if whole {
                for t in store.api_tokens(u.id).await? {
                    self.api_tokens.push(ApiTokenRow {
                        id: t.id,
                        user_id: t.user_id,
                        name: t.name,
                        created_at: t.created_at,
                        last_used_at: t.last_used_at,
                        revoked_at: t.revoked_at,
                    });
                }
            }
            self.users.push(UserRow {
                id: u.id,
                clinic_id: u.clinic_id,
                clinic: u.clinic,
                username: u.username.to_string(),
                display_name: u.display_name,
                role: u.role.as_str().to_owned(),
                patient_id: u.patient_id,
                disabled: u.disabled,
                created_at: u.created_at,
            });
        }
        for (name, class) in cephalog_app::diary::dictionary(store)
            .await?
            .clinic_entries()
        {
            self.clinic_medicines.push(ClinicMedicineRow {
                name: name.to_owned(),
                class: class.as_str().to_owned(),
            });
        }
        let trail = if whole {
            store.audit_trail(None).await?
        } else {
            let mut all = Vec::new();
            for id in &ids {
                all.extend(store.audit_trail(Some(*id)).await?);
            }
            all
        };
        for e in trail {
            let f = e.fields;
            self.audit_log.push(AuditRow {
                chain: f.chain,
                seq: f.seq,
                at: f.at,
                actor: f.actor,
                action: f.action,
                entity: f.entity,
                entity_id: f.entity_id,
                patient_id: f.patient_id,
                source: f.source,
                prev_hash: e.prev_hash,
                hash: e.hash,
            });
        }
        Ok(())
    }

    /// One CSV per table and each diary as the daily CSV; how many files.
    fn write_csv(&self, dir: &Path, diaries: &[(Uuid, Diary)]) -> Result<usize> {
        write_table(dir, "clinics", &self.clinics)?;
        write_table(dir, "patients", &self.patients)?;
        write_table(dir, "diagnoses", &self.diagnoses)?;
        write_table(dir, "diary_days", &self.diary_days)?;
        write_table(dir, "diary_medications", &self.diary_medications)?;
        write_table(dir, "clinic_medicines", &self.clinic_medicines)?;
        write_table(dir, "preventives", &self.preventives)?;
        write_table(dir, "questionnaires", &self.questionnaires)?;
        write_table(dir, "sessions", &self.sessions)?;
        write_table(dir, "session_sites", &self.session_sites)?;
        write_table(dir, "session_overrides", &self.session_overrides)?;
        write_table(dir, "outside_toxin_doses", &self.outside_toxin_doses)?;
        write_table(dir, "nerve_blocks", &self.nerve_blocks)?;
        write_table(dir, "adverse_events", &self.adverse_events)?;
        write_table(dir, "adverse_event_products", &self.adverse_event_products)?;
        write_table(dir, "attestations", &self.attestations)?;
        write_table(dir, "record_versions", &self.record_versions)?;
        write_table(dir, "users", &self.users)?;
        write_table(dir, "api_tokens", &self.api_tokens)?;
        write_table(dir, "audit_log", &self.audit_log)?;
        let diary_dir = dir.join("diaries");
        std::fs::create_dir_all(&diary_dir)
            .with_context(|| format!("cannot create {}", diary_dir.display()))?;
        for (id, diary) in diaries {
            let path = diary_dir.join(format!("{id}.csv"));
            let f = create(&path)?;
            write_daily(BufWriter::new(f), diary.days())
                .with_context(|| format!("writing {}", path.display()))?;
        }
        Ok(20 + diaries.len())
    }

    /// One JSON document per patient, or one for everything; how many files.
    fn write_json(&self, dir: &Path, patients: &[PatientRecord], whole: bool) -> Result<usize> {
        let exported_at = Utc::now();
        if whole {
            let docs: Vec<PatientDocument<'_>> = patients
                .iter()
                .map(|p| self.patient_document(p.id, exported_at))
                .collect();
            let doc = InstallationDocument {
                format: "cephalog-export",
                version: EXPORT_VERSION,
                exported_at,
                clinics: &self.clinics,
                users: &self.users,
                api_tokens: &self.api_tokens,
                clinic_medicines: &self.clinic_medicines,
                audit_log: &self.audit_log,
                patients: docs,
            };
            write_json_file(&dir.join("cephalog-export.json"), &doc)?;
            Ok(1)
        } else {
            for p in patients {
                let doc = self.patient_document(p.id, exported_at);
                write_json_file(&dir.join(format!("patient-{}.json", p.id)), &doc)?;
            }
            Ok(patients.len())
        }
    }

    fn patient_document(&self, id: Uuid, exported_at: DateTime<Utc>) -> PatientDocument<'_> {
        fn of<T>(rows: &[T], id: Uuid, key: impl Fn(&T) -> Uuid) -> Vec<&T> {
            rows.iter().filter(|r| key(r) == id).collect()
        }
        PatientDocument {
            format: "cephalog-patient-export",
            version: EXPORT_VERSION,
            exported_at,
            patient: self.patients.iter().find(|p| p.id == id),
            clinic: self
                .patients
                .iter()
                .find(|p| p.id == id)
                .and_then(|p| self.clinics.iter().find(|c| c.id == p.clinic_id)),
            diagnoses: of(&self.diagnoses, id, |r| r.patient_id),
            diary_days: of(&self.diary_days, id, |r| r.patient_id),
            diary_medications: of(&self.diary_medications, id, |r| r.patient_id),
            preventives: of(&self.preventives, id, |r| r.patient_id),
            questionnaires: of(&self.questionnaires, id, |r| r.patient_id),
            sessions: of(&self.sessions, id, |r| r.patient_id),
            session_sites: of(&self.session_sites, id, |r| r.patient_id),
            session_overrides: of(&self.session_overrides, id, |r| r.patient_id),
            outside_toxin_doses: of(&self.outside_toxin_doses, id, |r| r.patient_id),
            nerve_blocks: of(&self.nerve_blocks, id, |r| r.patient_id),
            adverse_events: of(&self.adverse_events, id, |r| r.patient_id),
            adverse_event_products: of(&self.adverse_event_products, id, |r| r.patient_id),
            attestations: of(&self.attestations, id, |r| r.patient_id),
            record_versions: of(&self.record_versions, id, |r| r.patient_id),
            users: self
                .users
                .iter()
                .filter(|u| u.patient_id == Some(id))
                .collect(),
            audit_log: self
                .audit_log
                .iter()
                .filter(|e| e.patient_id.as_deref() == Some(id.to_string().as_str()))
                .collect(),
        }
    }
}

#[derive(Serialize)]
struct PatientDocument<'a> {
    format: &'static str,
    version: u32,
    exported_at: DateTime<Utc>,
    patient: Option<&'a PatientRow>,
    clinic: Option<&'a ClinicRow>,
    diagnoses: Vec<&'a DiagnosisRow>,
    diary_days: Vec<&'a DiaryRow>,
    diary_medications: Vec<&'a DiaryMedicationRow>,
    preventives: Vec<&'a PreventiveRow>,
    questionnaires: Vec<&'a QuestionnaireRow>,
    sessions: Vec<&'a SessionRow>,
    session_sites: Vec<&'a SessionSiteRow>,
    session_overrides: Vec<&'a SessionOverrideRow>,
    outside_toxin_doses: Vec<&'a OutsideDoseRow>,
    nerve_blocks: Vec<&'a NerveBlockRow>,
    adverse_events: Vec<&'a AdverseEventRow>,
    adverse_event_products: Vec<&'a AdverseEventProductRow>,
    attestations: Vec<&'a AttestationRow>,
    record_versions: Vec<&'a RecordVersionRow>,
    users: Vec<&'a UserRow>,
    audit_log: Vec<&'a AuditRow>,
}

#[derive(Serialize)]
struct InstallationDocument<'a> {
    format: &'static str,
    version: u32,
    exported_at: DateTime<Utc>,
    clinics: &'a [ClinicRow],
    users: &'a [UserRow],
    api_tokens: &'a [ApiTokenRow],
    clinic_medicines: &'a [ClinicMedicineRow],
    audit_log: &'a [AuditRow],
    patients: Vec<PatientDocument<'a>>,
}

fn create(path: &PathBuf) -> Result<File> {
    File::create(path).with_context(|| format!("cannot create {}", path.display()))
}

/// The CSV header of `T`: its field names, in order, read from a serialised default row.
fn header_of<T: Serialize + Default>() -> Result<csv::StringRecord> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.serialize(T::default())?;
    let bytes = w.into_inner().context("building a CSV header")?;
    Ok(csv::Reader::from_reader(bytes.as_slice())
        .headers()?
        .clone())
}

/// `dir/<name>.csv`: the header, then one row per record (the header even when there are none).
fn write_table<T: Serialize + Default>(dir: &Path, name: &str, rows: &[T]) -> Result<()> {
    let path = dir.join(format!("{name}.csv"));
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(BufWriter::new(create(&path)?));
    w.write_record(&header_of::<T>()?)?;
    for r in rows {
        w.serialize(r)
            .with_context(|| format!("writing {}", path.display()))?;
    }
    w.flush()
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn write_json_file<T: Serialize>(path: &PathBuf, value: &T) -> Result<()> {
    let mut w = BufWriter::new(create(path)?);
    serde_json::to_writer_pretty(&mut w, value)
        .with_context(|| format!("writing {}", path.display()))?;
    std::io::Write::write_all(&mut w, b"\n")?;
    std::io::Write::flush(&mut w).with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
