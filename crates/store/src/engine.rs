//! The query code, written once and instantiated for SQLite and PostgreSQL.
//!
//! Statements use `$n` placeholders in order of first appearance, which both engines accept, and
//! only types both engines encode (UUIDs, dates, timestamps, text, integers, booleans).

/// The columns of a diary day after `patient_id`, in the order `day_from_row` reads them (the
/// features in `Features::FIELDS` order).
macro_rules! day_columns {
    () => {
        "day, headache_minutes, peak_intensity, unilateral, pulsating, aggravated_by_activity, \
         nausea, vomiting, photophobia, phonophobia, aura, paroxysms, notes"
    };
}

/// The columns of a medicine after `patient_id`, in the order `medication_from_row` reads them.
macro_rules! medication_columns {
    () => {
        "day, name, dose, class, migraine_specific"
    };
}

/// The order within a day: a day's medicines in the order they were recorded.
macro_rules! extra_order {
    ("diary_medications") => {
        ", position"
    };
    ($other:literal) => {
        ""
    };
}

macro_rules! engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use std::collections::{BTreeMap, HashSet};

            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use cephalog_auth::{Role, Username};
            use cephalog_core::eligibility::Attestation;
            use cephalog_core::preventives::{PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial};
            use cephalog_core::prom::PromResult;
            use cephalog_core::safety::{
                ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
                ReporterQualification, SeriousOutcome, SuspectProductDraft,
            };
            use cephalog_core::protocol::{Anaesthetic, Laterality, NerveBlockPlan, OccipitalNerve, Side, Steroid, Target, Volume};
            use cephalog_core::session::{Indication, NerveBlock, Product, Session, SessionCheck, SessionDraft, SiteDose, ToxinDose, VialSize};
            use cephalog_core::{
                Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, DrugClass, Features, Intensity, MedicationIntake,
                Minutes, Patient, Sex,
            };

            use crate::{BATCH_ROWS, EventFilter, ImportSummary, UserRecord, PatientRecord, StoreError};
            use crate::history::{Change, DiarySnapshot, RecordKind, RecordVersion, VersionAction};

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

            pub(crate) async fn applied_migrations(pool: &Pool) -> Result<Vec<i64>, StoreError> {
                let rows = sqlx::query("SELECT version FROM _sqlx_migrations WHERE success ORDER BY version")
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(|r| r.try_get::<i64, _>("version").map_err(StoreError::from)).collect()
            }

            pub(crate) async fn add_patient(pool: &Pool, r: &PatientRecord) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                insert_patient(&mut tx, r).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn insert_patient(conn: &mut Conn, r: &PatientRecord) -> Result<(), StoreError> {
                let p = &r.patient;
                let inserted = sqlx::query(
                    "INSERT INTO patients (id, mrn, name, date_of_birth, sex, notes, created_at, clinic_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(r.id)
                .bind(p.mrn())
                .bind(p.name())
                .bind(p.date_of_birth())
                .bind(p.sex().map(Sex::as_str))
                .bind(p.notes())
                .bind(r.created_at)
                .bind(r.clinic_id)
                .execute(&mut *conn)
                .await;
                match inserted {
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        return Err(StoreError::DuplicateMrn(p.mrn().unwrap_or_default().to_owned()));
                    }
                    other => other?,
                };
                for d in p.diagnoses() {
                    insert_diagnosis(&mut *conn, r.id, d).await?;
                }
                Ok(())
            }

            async fn insert_diagnosis(conn: &mut Conn, id: Uuid, d: &Diagnosis) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO patient_diagnoses (patient_id, code, onset) VALUES ($1, $2, $3)")
                    .bind(id)
                    .bind(d.code.code())
                    .bind(d.onset)
                    .execute(&mut *conn)
                    .await?;
                Ok(())
            }

            pub(crate) async fn add_diagnosis(pool: &Pool, id: Uuid, d: &Diagnosis) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                insert_diagnosis(&mut tx, id, d).await?;
                tx.commit().await?;
                Ok(())
            }

            /// Every patient with that MRN, in every clinic (MRNs are unique only per clinic).
            pub(crate) async fn patient_ids_by_mrn(pool: &Pool, mrn: &str) -> Result<Vec<Uuid>, StoreError> {
                let rows = sqlx::query("SELECT id FROM patients WHERE mrn = $1 ORDER BY id LIMIT 2").bind(mrn).fetch_all(pool).await?;
                rows.iter().map(|r| r.try_get::<Uuid, _>("id").map_err(StoreError::from)).collect()
            }

            pub(crate) async fn patient(pool: &Pool, id: Uuid) -> Result<Option<PatientRecord>, StoreError> {
                let row = sqlx::query(
                    "SELECT id, mrn, name, date_of_birth, sex, notes, created_at, clinic_id FROM patients WHERE id = $1",
                )
                .bind(id)
                .fetch_optional(pool)
                .await?;
                let Some(row) = row else { return Ok(None) };
                let dx = sqlx::query("SELECT patient_id, code, onset FROM patient_diagnoses WHERE patient_id = $1")
                    .bind(id)
                    .fetch_all(pool)
                    .await?;
                let mut diagnoses = diagnoses_by_patient(&dx)?;
                patient_from_row(&row, diagnoses.remove(&id).unwrap_or_default()).map(Some)
            }

            /// Every patient, or those of one clinic.
            pub(crate) async fn patients(pool: &Pool, clinic: Option<Uuid>) -> Result<Vec<PatientRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, mrn, name, date_of_birth, sex, notes, created_at, clinic_id FROM patients \
                     WHERE $1 IS NULL OR clinic_id = $1 ORDER BY name, id",
                )
                .bind(clinic)
                .fetch_all(pool)
                .await?;
                let dx = sqlx::query(
                    "SELECT d.patient_id, d.code, d.onset FROM patient_diagnoses d JOIN patients p ON p.id = d.patient_id \
                     WHERE $1 IS NULL OR p.clinic_id = $1",
                )
                .bind(clinic)
                .fetch_all(pool)
                .await?;
                let mut diagnoses = diagnoses_by_patient(&dx)?;
                rows.iter()
                    .map(|row| {
                        let id: Uuid = row.try_get("id")?;
                        patient_from_row(row, diagnoses.remove(&id).unwrap_or_default())
                    })
                    .collect()
            }

            pub(crate) async fn patient_count(pool: &Pool) -> Result<i64, StoreError> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM patients").fetch_one(pool).await?.try_get("n")?)
            }

            fn diagnoses_by_patient(
                rows: &[<Db as sqlx::Database>::Row],
            ) -> Result<BTreeMap<Uuid, Vec<Diagnosis>>, StoreError> {
                let mut out: BTreeMap<Uuid, Vec<Diagnosis>> = BTreeMap::new();
                for r in rows {
                    let code: String = r.try_get("code")?;
                    let code = code.parse::<DiagnosisCode>().map_err(|e| StoreError::corrupt("diagnosis", e))?;
                    out.entry(r.try_get("patient_id")?).or_default().push(Diagnosis { code, onset: r.try_get("onset")? });
                }
                Ok(out)
            }

            fn patient_from_row(
                row: &<Db as sqlx::Database>::Row,
                diagnoses: Vec<Diagnosis>,
            ) -> Result<PatientRecord, StoreError> {
                let id: Uuid = row.try_get("id")?;
                let sex: Option<String> = row.try_get("sex")?;
                let sex = sex.map(|s| s.parse::<Sex>()).transpose().map_err(|e| StoreError::corrupt("patient sex", e))?;
                let name: String = row.try_get("name")?;
                let dob: NaiveDate = row.try_get("date_of_birth")?;
                let patient = Patient::restore(&name, dob, sex, row.try_get("mrn")?, row.try_get("notes")?, diagnoses)
                    .map_err(|e| StoreError::corrupt(format!("patient {id}"), e))?;
                let created_at: DateTime<Utc> = row.try_get("created_at")?;
                let clinic_id: Option<Uuid> = row.try_get("clinic_id")?;
                let clinic_id = clinic_id.ok_or_else(|| StoreError::corrupt(format!("patient {id}"), "it belongs to no clinic"))?;
                Ok(PatientRecord { id, clinic_id, patient, created_at })
            }

            pub(crate) async fn import_days(
                pool: &Pool,
                id: Uuid,
                days: &[DiaryDay],
                replace: Option<&Change>,
                at: DateTime<Utc>,
                progress: &mut (dyn FnMut(usize) + Send),
            ) -> Result<ImportSummary, StoreError> {
                let (Some(first), Some(last)) =
                    (days.iter().map(DiaryDay::date).min(), days.iter().map(DiaryDay::date).max())
                else {
                    return Ok(ImportSummary { inserted: 0, replaced: 0 });
                };
                let mut tx = pool.begin().await?;
                // Writing the patient's row first takes the write lock (the row lock on PostgreSQL,
                // the database's on SQLite) before anything is read, so two writers of one diary
                // queue instead of both reading, then clashing.
                sqlx::query("UPDATE patients SET id = id WHERE id = $1").bind(id).execute(&mut *tx).await?;
                let existing = sqlx::query("SELECT day FROM diary_days WHERE patient_id = $1 AND day BETWEEN $2 AND $3")
                    .bind(id)
                    .bind(first)
                    .bind(last)
                    .fetch_all(&mut *tx)
                    .await?;
                let existing: HashSet<NaiveDate> =
                    existing.iter().map(|r| r.try_get::<NaiveDate, _>("day")).collect::<Result<_, _>>()?;
                let mut clashes: Vec<NaiveDate> =
                    days.iter().map(DiaryDay::date).filter(|d| existing.contains(d)).collect();
                clashes.sort();
                if !clashes.is_empty() {
                    let Some(change) = replace else {
                        return Err(StoreError::DatesAlreadyStored {
                            total: clashes.len(),
                            dates: clashes.iter().take(20).map(NaiveDate::to_string).collect(),
                        });
                    };
                    // The days replaced are kept, each as the version the new one supersedes.
                    let clash_set: HashSet<NaiveDate> = clashes.iter().copied().collect();
                    let stored: Vec<(String, String)> = read_days(&mut tx, id, first, last)
                        .await?
                        .iter()
                        .filter(|d| clash_set.contains(&d.date()))
                        .map(|d| (d.date().to_string(), DiarySnapshot::json(d)))
                        .collect();
                    keep_versions(&mut tx, id, RecordKind::DiaryDay, &stored, VersionAction::Corrected, change, at)
                        .await?;
                    for chunk in clashes.chunks(BATCH_ROWS) {
                        let mut qb = QueryBuilder::<Db>::new("DELETE FROM diary_days WHERE patient_id = ");
                        qb.push_bind(id).push(" AND day IN (");
                        let mut sep = qb.separated(", ");
                        for d in chunk {
                            sep.push_bind(*d);
                        }
                        qb.push(")");
                        qb.build().execute(&mut *tx).await?;
                    }
                }
                write_days(&mut tx, id, days, progress).await?;
                tx.commit().await?;
                Ok(ImportSummary { inserted: days.len() - clashes.len(), replaced: clashes.len() })
            }

            /// Inserts diary days and their medicines in batches (the caller holds the transaction).
            async fn write_days(
                conn: &mut Conn,
                id: Uuid,
                days: &[DiaryDay],
                progress: &mut (dyn FnMut(usize) + Send),
            ) -> Result<(), StoreError> {
                let mut written = 0;
                for chunk in days.chunks(BATCH_ROWS) {
                    let mut qb = QueryBuilder::<Db>::new(
                        "INSERT INTO diary_days (patient_id, day, headache_minutes, peak_intensity, unilateral, \
                         pulsating, aggravated_by_activity, nausea, vomiting, photophobia, phonophobia, aura, \
                         paroxysms, notes) ",
                    );
                    let mut bad = None;
                    qb.push_values(chunk, |mut b, d| {
                        let f = d.features();
                        let paroxysms = i32::try_from(d.paroxysms()).unwrap_or_else(|_| {
                            bad = Some(d.date());
                            i32::MAX
                        });
                        b.push_bind(id)
                            .push_bind(d.date())
                            .push_bind(i32::from(d.headache_minutes()))
                            .push_bind(d.peak_intensity().as_str())
                            .push_bind(f.unilateral)
                            .push_bind(f.pulsating)
                            .push_bind(f.aggravated_by_activity)
                            .push_bind(f.nausea)
                            .push_bind(f.vomiting)
                            .push_bind(f.photophobia)
                            .push_bind(f.phonophobia)
                            .push_bind(f.aura)
                            .push_bind(paroxysms)
                            .push_bind(d.notes().to_owned());
                    });
                    if let Some(date) = bad {
                        return Err(StoreError::corrupt(format!("diary day {date}"), "paroxysm count too large"));
                    }
                    qb.build().execute(&mut *conn).await?;
                    let meds: Vec<(NaiveDate, i32, &MedicationIntake)> = chunk
                        .iter()
                        .flat_map(|d| d.medications().iter().zip(0..).map(move |(m, i)| (d.date(), i, m)))
                        .collect();
                    for mchunk in meds.chunks(BATCH_ROWS) {
                        let mut qb = QueryBuilder::<Db>::new(
                            "INSERT INTO diary_medications (patient_id, day, position, name, dose, class, \
                             migraine_specific) ",
                        );
                        qb.push_values(mchunk, |mut b, (date, pos, m)| {
                            b.push_bind(id)
                                .push_bind(*date)
                                .push_bind(*pos)
                                .push_bind(m.name.clone())
                                .push_bind(m.dose.clone())
                                .push_bind(m.class.as_str())
                                .push_bind(m.migraine_specific);
                        });
                        qb.build().execute(&mut *conn).await?;
                    }
                    written += chunk.len();
                    progress(written);
                }
                Ok(())
            }

            pub(crate) async fn diary_days(
                pool: &Pool,
                id: Uuid,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<DiaryDay>, StoreError> {
                read_days(&mut *pool.acquire().await?, id, from, to).await
            }

            async fn read_days(
                conn: &mut Conn,
                id: Uuid,
                from: NaiveDate,
                to: NaiveDate,
            ) -> Result<Vec<DiaryDay>, StoreError> {
                let mut meds: BTreeMap<NaiveDate, Vec<MedicationIntake>> = BTreeMap::new();
                let med_rows = sqlx::query(concat!(
                    "SELECT patient_id, ", medication_columns!(),
                    " FROM diary_medications WHERE patient_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day, position",
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?;
                for r in &med_rows {
                    let (_, day, m) = medication_from_row(r)?;
                    meds.entry(day).or_default().push(m);
                }
                let rows = sqlx::query(concat!(
                    "SELECT patient_id, ", day_columns!(),
                    " FROM diary_days WHERE patient_id = $1 AND day BETWEEN $2 AND $3 ORDER BY day",
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_all(&mut *conn)
                .await?;
                rows.iter()
                    .map(|r| {
                        let date: NaiveDate = r.try_get(1)?;
                        day_from_row(r, meds.remove(&date).unwrap_or_default())
                    })
                    .collect()
            }

            /// A medicine row selected as `patient_id, medication_columns!()`: its patient, day and
            /// the intake.
            fn medication_from_row(
                r: &<Db as sqlx::Database>::Row,
            ) -> Result<(Uuid, NaiveDate, MedicationIntake), StoreError> {
                let day: NaiveDate = r.try_get(1)?;
                let class: String = r.try_get(4)?;
                Ok((
                    r.try_get(0)?,
                    day,
                    MedicationIntake {
                        name: r.try_get(2)?,
                        dose: r.try_get(3)?,
                        class: class
                            .parse::<DrugClass>()
                            .map_err(|e| StoreError::corrupt(format!("medicine on {day}"), e))?,
                        migraine_specific: r.try_get(5)?,
                    },
                ))
            }

            /// A diary row selected as `patient_id, day_columns!()` (columns read by position: the
            /// features in `Features::FIELDS` order), with its medicines.
            fn day_from_row(
                r: &<Db as sqlx::Database>::Row,
                medications: Vec<MedicationIntake>,
            ) -> Result<DiaryDay, StoreError> {
                let date: NaiveDate = r.try_get(1)?;
                let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("diary day {date}"), e);
                let mut features = Features::default();
                for (i, f) in Features::FIELDS.iter().enumerate() {
                    features.set(f, r.try_get::<bool, _>(4 + i)?);
                }
                let minutes: i32 = r.try_get(2)?;
                let peak: String = r.try_get(3)?;
                let paroxysms: i32 = r.try_get(4 + Features::FIELDS.len())?;
                let draft = DiaryDraft {
                    date: Some(date),
                    headache_minutes: Minutes::new(i64::from(minutes)).map_err(|e| corrupt(&e))?,
                    peak_intensity: peak.parse::<Intensity>().map_err(|e| corrupt(&e))?,
                    features,
                    medications,
                    paroxysms: u32::try_from(paroxysms).map_err(|e| corrupt(&e))?,
                    notes: r.try_get(5 + Features::FIELDS.len())?,
                };
                DiaryDay::restore(date, draft).map_err(|e| corrupt(&e))
            }

            /// Every diary of `clinic`'s patients (or of the installation's), in one streaming pass
            /// ordered by patient and day: the days and the medicines are read by two cursors
            /// merged as they go, and `each` is called once per patient with a diary, with its days
            /// in order. Answers the number of days read.
            pub(crate) async fn each_diary(
                pool: &Pool,
                clinic: Option<Uuid>,
                each: &mut (dyn FnMut(Uuid, Vec<DiaryDay>) -> Result<(), StoreError> + Send),
            ) -> Result<u64, StoreError> {
                use futures_util::TryStreamExt;
                macro_rules! in_clinic {
                    ($table:literal, $columns:expr) => {
                        (
                            concat!("SELECT patient_id, ", $columns, " FROM ", $table, " ORDER BY patient_id, day",
                                    extra_order!($table)),
                            concat!("SELECT patient_id, ", $columns, " FROM ", $table,
                                    " WHERE patient_id IN (SELECT id FROM patients WHERE clinic_id = $1) ",
                                    "ORDER BY patient_id, day", extra_order!($table)),
                        )
                    };
                }
                let (all_days, clinic_days) = in_clinic!("diary_days", day_columns!());
                let (all_meds, clinic_meds) = in_clinic!("diary_medications", medication_columns!());
                let mut day_conn = pool.acquire().await?;
                let mut med_conn = pool.acquire().await?;
                let (mut days, mut meds) = match clinic {
                    None => (
                        sqlx::query(all_days).fetch(&mut *day_conn),
                        sqlx::query(all_meds).fetch(&mut *med_conn),
                    ),
                    Some(c) => (
                        sqlx::query(clinic_days).bind(c).fetch(&mut *day_conn),
                        sqlx::query(clinic_meds).bind(c).fetch(&mut *med_conn),
                    ),
                };
                let mut next_med = match meds.try_next().await? {
                    Some(r) => Some(medication_from_row(&r)?),
                    None => None,
                };
                let mut count = 0u64;
                let mut current: Option<(Uuid, Vec<DiaryDay>)> = None;
                while let Some(r) = days.try_next().await? {
                    let patient: Uuid = r.try_get(0)?;
                    let date: NaiveDate = r.try_get(1)?;
                    let mut intakes = Vec::new();
                    while let Some((p, d, m)) = next_med.take() {
                        if (p, d) > (patient, date) {
                            next_med = Some((p, d, m));
                            break;
                        }
                        if (p, d) == (patient, date) {
                            intakes.push(m);
                        }
                        next_med = match meds.try_next().await? {
                            Some(r) => Some(medication_from_row(&r)?),
                            None => None,
                        };
                    }
                    let day = day_from_row(&r, intakes)?;
                    count += 1;
                    match &mut current {
                        Some((p, days)) if *p == patient => days.push(day),
                        _ => {
                            if let Some((p, days)) = current.replace((patient, vec![day])) {
                                each(p, days)?;
                            }
                        }
                    }
                }
                if let Some((p, days)) = current {
                    each(p, days)?;
                }
                Ok(count)
            }

            /// Keeps superseded versions of records of one kind (record id, snapshot JSON), each
            /// numbered after the versions already kept of that record (the caller holds the
            /// transaction).
            async fn keep_versions(
                conn: &mut Conn,
                patient: Uuid,
                kind: RecordKind,
                records: &[(String, String)],
                action: VersionAction,
                change: &Change,
                at: DateTime<Utc>,
            ) -> Result<Vec<RecordVersion>, StoreError> {
                change.checked()?;
                let mut kept = Vec::with_capacity(records.len());
                for (record_id, snapshot) in records {
                    let row = sqlx::query(
                        "SELECT COALESCE(MAX(version), 0) AS v FROM record_versions \
                         WHERE patient_id = $1 AND record_kind = $2 AND record_id = $3",
                    )
                    .bind(patient)
                    .bind(kind.as_str())
                    .bind(record_id)
                    .fetch_one(&mut *conn)
                    .await?;
                    let last: i64 = row.try_get::<i64, _>("v").or_else(|_| row.try_get::<i32, _>("v").map(i64::from))?;
                    let v = RecordVersion {
                        id: Uuid::now_v7(),
                        patient_id: patient,
                        kind,
                        record_id: record_id.clone(),
                        version: last + 1,
                        action,
                        changed_at: at,
                        changed_by: change.by.trim().to_owned(),
                        reason: change.reason.trim().to_owned(),
                        snapshot: serde_json::from_str(snapshot)
                            .map_err(|e| StoreError::corrupt(format!("{} {record_id}", kind.as_str()), e))?,
                    };
                    sqlx::query(
                        "INSERT INTO record_versions (id, patient_id, record_kind, record_id, version, action, snapshot, \
                         changed_at, changed_by, reason) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                    )
                    .bind(v.id)
                    .bind(patient)
                    .bind(kind.as_str())
                    .bind(record_id)
                    .bind(i32::try_from(v.version).unwrap_or(i32::MAX))
                    .bind(action.as_str())
                    .bind(snapshot)
                    .bind(at)
                    .bind(&v.changed_by)
                    .bind(&v.reason)
                    .execute(&mut *conn)
                    .await?;
                    kept.push(v);
                }
                Ok(kept)
            }

            /// Marks a diary day entered in error: the day is kept in its history and leaves the
            /// diary, so it counts nowhere and reads as unrecorded. `None` when the day is not
            /// recorded.
            pub(crate) async fn void_day(
                pool: &Pool,
                patient: Uuid,
                date: NaiveDate,
                change: &Change,
                at: DateTime<Utc>,
            ) -> Result<Option<RecordVersion>, StoreError> {
                change.checked()?;
                let mut tx = pool.begin().await?;
                sqlx::query("UPDATE patients SET id = id WHERE id = $1").bind(patient).execute(&mut *tx).await?;
                let Some(day) = read_days(&mut tx, patient, date, date).await?.pop() else {
                    return Ok(None);
                };
                let kept = keep_versions(
                    &mut tx,
                    patient,
                    RecordKind::DiaryDay,
                    &[(date.to_string(), DiarySnapshot::json(&day))],
                    VersionAction::EnteredInError,
                    change,
                    at,
                )
                .await?;
                sqlx::query("DELETE FROM diary_days WHERE patient_id = $1 AND day = $2")
                    .bind(patient)
                    .bind(date)
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(kept.into_iter().next())
            }

            /// The kept versions of a patient's records, of one kind and record if given, oldest first.
            pub(crate) async fn record_versions(
                pool: &Pool,
                patient: Uuid,
                kind: Option<RecordKind>,
                record_id: Option<&str>,
            ) -> Result<Vec<RecordVersion>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, patient_id, record_kind, record_id, version, action, snapshot, changed_at, changed_by, \
                     reason FROM record_versions WHERE patient_id = $1 AND ($2 IS NULL OR record_kind = $2) \
                     AND ($3 IS NULL OR record_id = $3) ORDER BY record_kind, record_id, version",
                )
                .bind(patient)
                .bind(kind.map(RecordKind::as_str))
                .bind(record_id)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: Uuid = r.try_get("id")?;
                        let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("kept version {id}"), e);
                        let kind: String = r.try_get("record_kind")?;
                        let action: String = r.try_get("action")?;
                        let snapshot: String = r.try_get("snapshot")?;
                        let version: i32 = r.try_get("version")?;
                        Ok(RecordVersion {
                            id,
                            patient_id: r.try_get("patient_id")?,
                            kind: kind.parse::<RecordKind>().map_err(|e| corrupt(&e))?,
                            record_id: r.try_get("record_id")?,
                            version: i64::from(version),
                            action: action.parse::<VersionAction>().map_err(|e| corrupt(&e))?,
                            changed_at: r.try_get("changed_at")?,
                            changed_by: r.try_get("changed_by")?,
                            reason: r.try_get("reason")?,
                            snapshot: serde_json::from_str(&snapshot).map_err(|e| corrupt(&e))?,
                        })
                    })
                    .collect()
            }


            /// How many versions of a record are kept (the number a change must still see).
            pub(crate) async fn kept_count(
                pool: &Pool,
                patient: Uuid,
                kind: RecordKind,
                record_id: &str,
            ) -> Result<i64, StoreError> {
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM record_versions WHERE patient_id = $1 AND record_kind = $2 AND record_id = $3",
                )
                .bind(patient)
                .bind(kind.as_str())
                .bind(record_id)
                .fetch_one(pool)
                .await?;
                Ok(row.try_get("n")?)
            }

            /// Supersedes a stored record (not a diary day) in one transaction that first locks
            /// the patient's row: its current version (`snapshot`, read by the caller when
            /// `seen` versions were kept) is kept, then the record leaves its table and, for a
            /// correction, `replacement` takes its place under the same id. `Ok(None)` when the
            /// record is not stored; `Conflict` when it changed after the caller read it.
            #[allow(clippy::too_many_arguments)]
            pub(crate) async fn supersede(
                pool: &Pool,
                patient: Uuid,
                kind: RecordKind,
                id: Uuid,
                seen: i64,
                snapshot: &str,
                change: &Change,
                replacement: Option<&crate::Replacement>,
                at: DateTime<Utc>,
            ) -> Result<Option<RecordVersion>, StoreError> {
                change.checked()?;
                let mut tx = pool.begin().await?;
                let locked = sqlx::query("UPDATE patients SET id = id WHERE id = $1").bind(patient).execute(&mut *tx).await?;
                if locked.rows_affected() != 1 {
                    return Err(StoreError::PatientNotFound(patient.to_string()));
                }
                let key = id.to_string();
                let row = sqlx::query(
                    "SELECT COUNT(*) AS n FROM record_versions WHERE patient_id = $1 AND record_kind = $2 AND record_id = $3",
                )
                .bind(patient)
                .bind(kind.as_str())
                .bind(&key)
                .fetch_one(&mut *tx)
                .await?;
                let now_kept: i64 = row.try_get("n")?;
                if now_kept != seen {
                    return Err(StoreError::ChangedMeanwhile(format!("{} {id}", kind.as_str().replace('_', " "))));
                }
                let delete = match kind {
                    RecordKind::Session => "DELETE FROM toxin_sessions WHERE id = $1 AND patient_id = $2",
                    RecordKind::AdverseEvent => "DELETE FROM adverse_events WHERE id = $1 AND patient_id = $2",
                    RecordKind::Questionnaire => "DELETE FROM proms WHERE id = $1 AND patient_id = $2",
                    RecordKind::Preventive => "DELETE FROM preventive_trials WHERE id = $1 AND patient_id = $2",
                    RecordKind::Attestation => "DELETE FROM overuse_attestations WHERE id = $1 AND patient_id = $2",
                    RecordKind::DiaryDay => return Err(StoreError::corrupt("diary day", "a diary day is changed by its date")),
                };
                let action = if replacement.is_some() { VersionAction::Corrected } else { VersionAction::EnteredInError };
                let kept = keep_versions(&mut tx, patient, kind, &[(key, snapshot.to_owned())], action, change, at).await?;
                let gone = sqlx::query(delete).bind(id).bind(patient).execute(&mut *tx).await?;
                if gone.rows_affected() != 1 {
                    return Ok(None);
                }
                match replacement {
                    None => {}
                    Some(crate::Replacement::Preventive(t)) => insert_preventive(&mut tx, id, patient, t, at).await?,
                    Some(crate::Replacement::Questionnaire { taken_on, result, answers }) => {
                        insert_prom(&mut tx, id, patient, *taken_on, result, answers, at).await?
                    }
                    Some(crate::Replacement::Attestation(a)) => insert_attestation(&mut tx, id, patient, a, at).await?,
                    Some(crate::Replacement::AdverseEvent { event, submitted_on }) => {
                        write_adverse_event(&mut tx, id, patient, event, at).await?;
                        if let Some(on) = submitted_on {
                            write_submitted(&mut tx, id, *on).await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(kept.into_iter().next())
            }

            /// The patient's attestations with their ids, oldest first.
            pub(crate) async fn attestation_records(pool: &Pool, patient: Uuid) -> Result<Vec<(Uuid, Attestation)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, attested_on, attested_by, note FROM overuse_attestations WHERE patient_id = $1 \
                     ORDER BY attested_on, created_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("id")?,
                            Attestation { on: r.try_get("attested_on")?, by: r.try_get("attested_by")?, note: r.try_get("note")? },
                        ))
                    })
                    .collect()
            }

            pub(crate) async fn add_preventive(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                t: &PreventiveTrial,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_preventive(&mut *pool.acquire().await?, id, patient, t, created_at).await
            }

            async fn insert_preventive(
                conn: &mut Conn,
                id: Uuid,
                patient: Uuid,
                t: &PreventiveTrial,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO preventive_trials (id, patient_id, drug, class, start_date, stop_date, dose, \
                     outcome, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(id)
                .bind(patient)
                .bind(t.drug())
                .bind(t.class().as_str())
                .bind(t.start())
                .bind(t.stop())
                .bind(t.dose())
                .bind(t.outcome().as_str())
                .bind(t.reason())
                .bind(created_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            pub(crate) async fn preventives(
                pool: &Pool,
                patient: Uuid,
            ) -> Result<Vec<(Uuid, PreventiveTrial)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, drug, class, start_date, stop_date, dose, outcome, reason FROM preventive_trials \
                     WHERE patient_id = $1 ORDER BY start_date, created_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: Uuid = r.try_get("id")?;
                        let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("preventive {id}"), e);
                        let class: String = r.try_get("class")?;
                        let outcome: String = r.try_get("outcome")?;
                        let draft = PreventiveDraft {
                            drug: r.try_get("drug")?,
                            class: Some(class.parse::<PreventiveClass>().map_err(|e| corrupt(&e))?),
                            start: r.try_get("start_date")?,
                            stop: r.try_get("stop_date")?,
                            dose: r.try_get("dose")?,
                            outcome: Some(outcome.parse::<PreventiveOutcome>().map_err(|e| corrupt(&e))?),
                            reason: r.try_get("reason")?,
                        };
                        Ok((id, PreventiveTrial::new(draft).map_err(|e| corrupt(&e))?))
                    })
                    .collect()
            }

            pub(crate) async fn add_prom(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                taken_on: NaiveDate,
                result: &PromResult,
                answers: &str,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                // One answer set of an instrument per date: a second is a correction, made as one.
                let done = sqlx::query(
                    "INSERT INTO proms (id, patient_id, taken_on, instrument, answers, total, created_at) \
                     SELECT $1, $2, $3, $4, $5, $6, $7 WHERE NOT EXISTS \
                     (SELECT 1 FROM proms WHERE patient_id = $2 AND taken_on = $3 AND instrument = $4)",
                )
                .bind(id)
                .bind(patient)
                .bind(taken_on)
                .bind(result.instrument().as_str())
                .bind(answers)
                .bind(i32::try_from(result.total()).unwrap_or(i32::MAX))
                .bind(created_at)
                .execute(pool)
                .await?;
                if done.rows_affected() == 0 {
                    return Err(StoreError::QuestionnaireExists {
                        instrument: result.instrument().label(),
                        date: taken_on,
                    });
                }
                Ok(())
            }

            async fn insert_prom(
                conn: &mut Conn,
                id: Uuid,
                patient: Uuid,
                taken_on: NaiveDate,
                result: &PromResult,
                answers: &str,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO proms (id, patient_id, taken_on, instrument, answers, total, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(patient)
                .bind(taken_on)
                .bind(result.instrument().as_str())
                .bind(answers)
                .bind(i32::try_from(result.total()).unwrap_or(i32::MAX))
                .bind(created_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            pub(crate) async fn proms(pool: &Pool, patient: Uuid) -> Result<Vec<(Uuid, NaiveDate, String, String)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, taken_on, instrument, answers FROM proms WHERE patient_id = $1 ORDER BY taken_on, created_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| Ok((r.try_get("id")?, r.try_get("taken_on")?, r.try_get("instrument")?, r.try_get("answers")?)))
                    .collect()
            }

            pub(crate) async fn add_attestation(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                a: &Attestation,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_attestation(&mut *pool.acquire().await?, id, patient, a, created_at).await
            }

            async fn insert_attestation(
                conn: &mut Conn,
                id: Uuid,
                patient: Uuid,
                a: &Attestation,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO overuse_attestations (id, patient_id, attested_on, attested_by, note, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6)",
                )
                .bind(id)
                .bind(patient)
                .bind(a.on)
                .bind(&a.by)
                .bind(&a.note)
                .bind(created_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            pub(crate) async fn attestations(pool: &Pool, patient: Uuid) -> Result<Vec<Attestation>, StoreError> {
                let rows = sqlx::query(
                    "SELECT attested_on, attested_by, note FROM overuse_attestations WHERE patient_id = $1 \
                     ORDER BY attested_on, created_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| Ok(Attestation { on: r.try_get("attested_on")?, by: r.try_get("attested_by")?, note: r.try_get("note")? }))
                    .collect()
            }

            /// Checks a session against the patient's toxin history and stores it, in one
            /// transaction that first locks the patient's row, so two sessions recorded at once for
            /// the same patient are checked one after the other.
            pub(crate) async fn record_session_checked(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                s: &Session,
                check: impl FnOnce(&[ToxinDose]) -> SessionCheck,
                created_at: DateTime<Utc>,
            ) -> Result<SessionCheck, StoreError> {
                let mut tx = pool.begin().await?;
                let locked = sqlx::query("UPDATE patients SET id = id WHERE id = $1").bind(patient).execute(&mut *tx).await?;
                if locked.rows_affected() != 1 {
                    return Err(StoreError::PatientNotFound(patient.to_string()));
                }
                let history = toxin_history(&mut tx, patient).await?;
                let result = check(&history);
                if !result.may_save() {
                    return Err(StoreError::SessionRefused(Box::new(result)));
                }
                let overrides: Vec<crate::StoredOverride> = result
                    .overridden
                    .iter()
                    .map(|o| crate::StoredOverride {
                        check: o.by.check().as_str().to_owned(),
                        finding: o.finding.to_string(),
                        reason: o.by.reason().to_owned(),
                        by: o.by.by().as_str().to_owned(),
                    })
                    .collect();
                insert_session(&mut tx, id, patient, s, &overrides, created_at).await?;
                tx.commit().await?;
                Ok(result)
            }

            /// Every toxin dose: sessions recorded here and doses given elsewhere, by date.
            pub(crate) async fn toxin_history(
                conn: &mut <Db as sqlx::Database>::Connection,
                patient: Uuid,
            ) -> Result<Vec<ToxinDose>, StoreError> {
                let mut doses = Vec::new();
                for (id, draft, _) in sessions(&mut *conn, patient).await? {
                    let session = Session::restore(draft).map_err(|e| StoreError::corrupt(format!("session {id}"), e))?;
                    doses.push(session.dose());
                }
                doses.extend(other_doses(&mut *conn, patient).await?);
                doses.sort_by_key(ToxinDose::date);
                Ok(doses)
            }

            async fn insert_session(
                tx: &mut sqlx::Transaction<'_, Db>,
                id: Uuid,
                patient: Uuid,
                s: &Session,
                overrides: &[crate::StoredOverride],
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let d = s.to_draft();
                sqlx::query(
                    "INSERT INTO toxin_sessions (id, patient_id, session_date, indication, product, vial_units, \
                     vials, lot, expiry, diluent_ul, injector, notes, created_at, prescriber) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
                )
                .bind(id)
                .bind(patient)
                .bind(d.date)
                .bind(d.indication.key())
                .bind(d.product.key())
                .bind(i32::try_from(d.vial_size.units()).unwrap_or(i32::MAX))
                .bind(i32::try_from(d.vials).unwrap_or(i32::MAX))
                .bind(&d.lot)
                .bind(d.expiry)
                .bind(i32::try_from(d.diluent.microlitres()).unwrap_or(i32::MAX))
                .bind(&d.injector)
                .bind(&d.notes)
                .bind(created_at)
                .bind(&d.prescriber)
                .execute(&mut **tx)
                .await?;
                for (pos, site) in d.sites.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO session_sites (session_id, position, target, side, ordinal, units) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i32::try_from(pos).unwrap_or(i32::MAX))
                    .bind(site.target.key())
                    .bind(site.side.as_str())
                    .bind(i32::try_from(site.ordinal).unwrap_or(i32::MAX))
                    .bind(i32::try_from(site.units).unwrap_or(i32::MAX))
                    .execute(&mut **tx)
                    .await?;
                }
                for (pos, o) in overrides.iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO session_overrides (session_id, position, check_kind, finding, reason, by_name) \
                         VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i32::try_from(pos).unwrap_or(i32::MAX))
                    .bind(&o.check)
                    .bind(&o.finding)
                    .bind(&o.reason)
                    .bind(&o.by)
                    .execute(&mut **tx)
                    .await?;
                }
                Ok(())
            }

            pub(crate) async fn sessions(
                conn: &mut <Db as sqlx::Database>::Connection,
                patient: Uuid,
            ) -> Result<Vec<(Uuid, SessionDraft, Vec<(String, String, String, String)>)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, session_date, indication, product, vial_units, vials, lot, expiry, diluent_ul, \
                     injector, prescriber, notes FROM toxin_sessions WHERE patient_id = $1 \
                     ORDER BY session_date, created_at",
                )
                .bind(patient)
                .fetch_all(&mut *conn)
                .await?;
                let mut out = Vec::new();
                for r in &rows {
                    let id: Uuid = r.try_get("id")?;
                    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("session {id}"), e);
                    let site_rows = sqlx::query(
                        "SELECT target, side, ordinal, units FROM session_sites WHERE session_id = $1 ORDER BY position",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    let mut sites = Vec::new();
                    for sr in &site_rows {
                        let target: String = sr.try_get("target")?;
                        let side: String = sr.try_get("side")?;
                        let ordinal: i32 = sr.try_get("ordinal")?;
                        let units: i32 = sr.try_get("units")?;
                        sites.push(SiteDose {
                            target: target.parse::<Target>().map_err(|e| corrupt(&e))?,
                            side: side.parse::<Side>().map_err(|e| corrupt(&e))?,
                            ordinal: u32::try_from(ordinal).map_err(|e| corrupt(&e))?,
                            units: u32::try_from(units).map_err(|e| corrupt(&e))?,
                        });
                    }
                    let override_rows = sqlx::query(
                        "SELECT check_kind, finding, reason, by_name FROM session_overrides WHERE session_id = $1 \
                         ORDER BY position",
                    )
                    .bind(id)
                    .fetch_all(&mut *conn)
                    .await?;
                    let overrides = override_rows
                        .iter()
                        .map(|o| Ok((o.try_get("check_kind")?, o.try_get("finding")?, o.try_get("reason")?, o.try_get("by_name")?)))
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let indication: String = r.try_get("indication")?;
                    let product: String = r.try_get("product")?;
                    let vial_units: i32 = r.try_get("vial_units")?;
                    let vials: i32 = r.try_get("vials")?;
                    let diluent: i32 = r.try_get("diluent_ul")?;
                    let draft = SessionDraft {
                        date: r.try_get("session_date")?,
                        indication: indication.parse::<Indication>().map_err(|e| corrupt(&e))?,
                        product: product.parse::<Product>().map_err(|e| corrupt(&e))?,
                        vial_size: vial_units.to_string().parse::<VialSize>().map_err(|e| corrupt(&e))?,
                        vials: u32::try_from(vials).map_err(|e| corrupt(&e))?,
                        lot: r.try_get("lot")?,
                        expiry: r.try_get("expiry")?,
                        diluent: Volume::from_microlitres(u32::try_from(diluent).map_err(|e| corrupt(&e))?),
                        sites,
                        injector: r.try_get("injector")?,
                        prescriber: r.try_get("prescriber")?,
                        notes: r.try_get("notes")?,
                    };
                    out.push((id, draft, overrides));
                }
                Ok(out)
            }

            pub(crate) async fn add_other_dose(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                dose: &ToxinDose,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_other_dose(&mut *pool.acquire().await?, id, patient, dose, created_at).await
            }

            async fn insert_other_dose(
                conn: &mut Conn,
                id: Uuid,
                patient: Uuid,
                dose: &ToxinDose,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO other_toxin_doses (id, patient_id, dose_date, product, units, indication, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(id)
                .bind(patient)
                .bind(dose.date())
                .bind(dose.product().key())
                .bind(i32::try_from(dose.units()).unwrap_or(i32::MAX))
                .bind(dose.indication().key())
                .bind(created_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            pub(crate) async fn other_doses(
                conn: &mut <Db as sqlx::Database>::Connection,
                patient: Uuid,
            ) -> Result<Vec<ToxinDose>, StoreError> {
                let rows = sqlx::query(
                    "SELECT dose_date, product, units, indication FROM other_toxin_doses WHERE patient_id = $1 \
                     ORDER BY dose_date",
                )
                .bind(patient)
                .fetch_all(&mut *conn)
                .await?;
                rows.iter()
                    .map(|r| {
                        let date: NaiveDate = r.try_get("dose_date")?;
                        let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("toxin dose on {date}"), e);
                        let product: String = r.try_get("product")?;
                        let indication: String = r.try_get("indication")?;
                        let units: i32 = r.try_get("units")?;
                        ToxinDose::new(
                            date,
                            product.parse::<Product>().map_err(|e| corrupt(&e))?,
                            u32::try_from(units).map_err(|e| corrupt(&e))?,
                            indication.parse::<Indication>().map_err(|e| corrupt(&e))?,
                        )
                        .map_err(|e| corrupt(&e))
                    })
                    .collect()
            }

            /// Each patient's (or one patient's) last chronic-migraine or occipital-neuralgia session.
            pub(crate) async fn last_headache_sessions(
                pool: &Pool,
                patient: Option<Uuid>,
            ) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT patient_id, MAX(session_date) AS last FROM toxin_sessions \
                     WHERE indication IN ('chronic_migraine', 'occipital_neuralgia') \
                     AND ($1 IS NULL OR patient_id = $1) GROUP BY patient_id ORDER BY patient_id",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter().map(|r| Ok((r.try_get("patient_id")?, r.try_get("last")?))).collect()
            }

            pub(crate) async fn insert_nerve_block(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                b: &NerveBlock,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                write_nerve_block(&mut *pool.acquire().await?, id, patient, b, created_at).await
            }

            async fn write_nerve_block(
                conn: &mut Conn,
                id: Uuid,
                patient: Uuid,
                b: &NerveBlock,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let g = b.given();
                sqlx::query(
                    "INSERT INTO nerve_blocks (id, patient_id, block_date, nerve, laterality, agent, volume_ul, \
                     steroid_agent, steroid_mg, injector, notes, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
                )
                .bind(id)
                .bind(patient)
                .bind(b.date())
                .bind(g.nerve().as_str())
                .bind(g.laterality().as_str())
                .bind(g.agent().key())
                .bind(i32::try_from(g.volume_per_side().microlitres()).unwrap_or(i32::MAX))
                .bind(g.steroid().map(|s| s.agent().as_str().to_owned()))
                .bind(g.steroid().map(|s| s.dose_mg()))
                .bind(b.injector().as_str())
                .bind(b.notes())
                .bind(created_at)
                .execute(&mut *conn)
                .await?;
                Ok(())
            }

            pub(crate) async fn set_block_relief(
                pool: &Pool,
                id: Uuid,
                percent: u8,
                minutes: u32,
                on: NaiveDate,
            ) -> Result<bool, StoreError> {
                write_block_relief(&mut *pool.acquire().await?, id, percent, minutes, on).await
            }

            async fn write_block_relief(
                conn: &mut Conn,
                id: Uuid,
                percent: u8,
                minutes: u32,
                on: NaiveDate,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE nerve_blocks SET relief_percent = $1, relief_minutes = $2, relief_recorded_on = $3 \
                     WHERE id = $4",
                )
                .bind(i32::from(percent))
                .bind(i32::try_from(minutes).unwrap_or(i32::MAX))
                .bind(on)
                .bind(id)
                .execute(&mut *conn)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn nerve_blocks(pool: &Pool, patient: Uuid) -> Result<Vec<(Uuid, NerveBlock)>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, block_date, nerve, laterality, agent, volume_ul, steroid_agent, steroid_mg, injector, \
                     notes, relief_percent, relief_minutes, relief_recorded_on FROM nerve_blocks \
                     WHERE patient_id = $1 ORDER BY block_date, created_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        let id: Uuid = r.try_get("id")?;
                        let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("nerve block {id}"), e);
                        let nerve: String = r.try_get("nerve")?;
                        let laterality: String = r.try_get("laterality")?;
                        let agent: String = r.try_get("agent")?;
                        let volume: i32 = r.try_get("volume_ul")?;
                        let steroid_agent: Option<String> = r.try_get("steroid_agent")?;
                        let steroid_mg: Option<f64> = r.try_get("steroid_mg")?;
                        let steroid = match (steroid_agent, steroid_mg) {
                            (Some(a), Some(mg)) => Some(Steroid::new(&a, mg).map_err(|e| corrupt(&e))?),
                            _ => None,
                        };
                        let plan = NerveBlockPlan::new(
                            nerve.parse::<OccipitalNerve>().map_err(|e| corrupt(&e))?,
                            laterality.parse::<Laterality>().map_err(|e| corrupt(&e))?,
                            agent.parse::<Anaesthetic>().map_err(|e| corrupt(&e))?,
                            Volume::from_microlitres(u32::try_from(volume).map_err(|e| corrupt(&e))?),
                            steroid,
                        )
                        .map_err(|e| corrupt(&e))?;
                        let percent: Option<i32> = r.try_get("relief_percent")?;
                        let minutes: Option<i32> = r.try_get("relief_minutes")?;
                        let on: Option<NaiveDate> = r.try_get("relief_recorded_on")?;
                        let relief = match (percent, minutes, on) {
                            (Some(p), Some(m), Some(on)) => Some((
                                u32::try_from(p).map_err(|e| corrupt(&e))?,
                                u32::try_from(m).map_err(|e| corrupt(&e))?,
                                on,
                            )),
                            _ => None,
                        };
                        let injector: String = r.try_get("injector")?;
                        let block = NerveBlock::restore(r.try_get("block_date")?, plan, &injector, r.try_get("notes")?, relief)
                            .map_err(|e| corrupt(&e))?;
                        Ok((id, block))
                    })
                    .collect()
            }

            pub(crate) async fn insert_adverse_event(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                e: &AdverseEvent,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                write_adverse_event(&mut tx, id, patient, e, created_at).await?;
                tx.commit().await?;
                Ok(())
            }

            async fn write_adverse_event(
                tx: &mut Conn,
                id: Uuid,
                patient: Uuid,
                e: &AdverseEvent,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let r = e.reporter();
                let seriousness = e.seriousness().outcomes().map(|o| o.as_str()).collect::<Vec<_>>().join(",");
                sqlx::query(
                    "INSERT INTO adverse_events (id, patient_id, reported_term, meddra_code, onset, resolution, \
                     ctcae_grade, seriousness, action_taken, outcome, causality, reporter_given_name, \
                     reporter_family_name, reporter_qualification, reporter_country, reporter_email, awareness_date, \
                     narrative, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)",
                )
                .bind(id)
                .bind(patient)
                .bind(e.reported_term())
                .bind(e.meddra_code().map(|c| c.as_str().to_owned()))
                .bind(e.onset())
                .bind(e.resolution())
                .bind(i32::from(e.ctcae_grade().get()))
                .bind(seriousness)
                .bind(e.action_taken().as_str())
                .bind(e.outcome().as_str())
                .bind(e.causality().as_str())
                .bind(r.given_name())
                .bind(r.family_name())
                .bind(r.qualification().map(|q| q.as_str()))
                .bind(r.country().map(|c| c.as_str().to_owned()))
                .bind(r.email())
                .bind(e.awareness_date())
                .bind(e.narrative())
                .bind(created_at)
                .execute(&mut *tx)
                .await?;
                for (pos, p) in e.suspect_products().iter().enumerate() {
                    sqlx::query(
                        "INSERT INTO adverse_event_products (event_id, position, product_name, lot_number, dose_units, \
                         session_date) VALUES ($1, $2, $3, $4, $5, $6)",
                    )
                    .bind(id)
                    .bind(i32::try_from(pos).unwrap_or(i32::MAX))
                    .bind(p.product_name())
                    .bind(p.lot_number())
                    .bind(p.dose_units().map(|d| d.get()))
                    .bind(p.session_date())
                    .execute(&mut *tx)
                    .await?;
                }
                Ok(())
            }

            pub(crate) async fn mark_submitted(pool: &Pool, id: Uuid, on: NaiveDate) -> Result<bool, StoreError> {
                write_submitted(&mut *pool.acquire().await?, id, on).await
            }

            /// Stores a questionnaire's same-day review; false when it has one already or is not the
            /// patient's.
            pub(crate) async fn review_questionnaire(
                pool: &Pool,
                patient: Uuid,
                r: &crate::QuestionnaireReview,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO questionnaire_reviews (prom_id, reviewed_by, reviewed_at, decision) \
                     SELECT id, $3, $4, $5 FROM proms WHERE id = $1 AND patient_id = $2 \
                     ON CONFLICT (prom_id) DO NOTHING",
                )
                .bind(r.questionnaire)
                .bind(patient)
                .bind(&r.by)
                .bind(r.at)
                .bind(&r.decision)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Same-day reviews, of one patient's questionnaires or of all.
            pub(crate) async fn questionnaire_reviews(
                pool: &Pool,
                patient: Option<Uuid>,
            ) -> Result<Vec<crate::QuestionnaireReview>, StoreError> {
                let rows = sqlx::query(
                    "SELECT k.prom_id, k.reviewed_by, k.reviewed_at, k.decision FROM questionnaire_reviews k \
                     JOIN proms q ON q.id = k.prom_id WHERE ($1 IS NULL OR q.patient_id = $1) \
                     ORDER BY k.reviewed_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::QuestionnaireReview {
                            questionnaire: r.try_get("prom_id")?,
                            by: r.try_get("reviewed_by")?,
                            at: r.try_get("reviewed_at")?,
                            decision: r.try_get("decision")?,
                        })
                    })
                    .collect()
            }

            /// Questionnaires of the given instruments with no review yet, of a clinic's patients,
            /// of one patient or of all: (id, patient, date, instrument, answers).
            pub(crate) async fn unreviewed_proms(
                pool: &Pool,
                clinic: Option<Uuid>,
                patient: Option<Uuid>,
                instruments: &[String],
            ) -> Result<Vec<(Uuid, Uuid, NaiveDate, String, String)>, StoreError> {
                let mut out = Vec::new();
                for instrument in instruments {
                    let rows = sqlx::query(
                        "SELECT q.id, q.patient_id, q.taken_on, q.instrument, q.answers FROM proms q \
                         JOIN patients p ON p.id = q.patient_id \
                         WHERE q.instrument = $1 AND ($2 IS NULL OR p.clinic_id = $2) \
                         AND ($3 IS NULL OR q.patient_id = $3) \
                         AND NOT EXISTS (SELECT 1 FROM questionnaire_reviews k WHERE k.prom_id = q.id) \
                         ORDER BY q.taken_on, q.created_at",
                    )
                    .bind(instrument)
                    .bind(clinic)
                    .bind(patient)
                    .fetch_all(pool)
                    .await?;
                    for r in &rows {
                        out.push((
                            r.try_get("id")?,
                            r.try_get("patient_id")?,
                            r.try_get("taken_on")?,
                            r.try_get("instrument")?,
                            r.try_get("answers")?,
                        ));
                    }
                }
                Ok(out)
            }

            /// Stores the acknowledgement of an event's urgent review; false when it already has one.
            pub(crate) async fn acknowledge_urgent_review(
                pool: &Pool,
                ack: &crate::UrgentReviewAck,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO urgent_review_acks (event_id, acknowledged_by, acknowledged_at, decision) \
                     VALUES ($1, $2, $3, $4) ON CONFLICT (event_id) DO NOTHING",
                )
                .bind(ack.event)
                .bind(&ack.by)
                .bind(ack.at)
                .bind(&ack.decision)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Acknowledgements of urgent reviews, of one patient's events or of all.
            pub(crate) async fn urgent_review_acks(
                pool: &Pool,
                patient: Option<Uuid>,
            ) -> Result<Vec<crate::UrgentReviewAck>, StoreError> {
                let rows = sqlx::query(
                    "SELECT k.event_id, k.acknowledged_by, k.acknowledged_at, k.decision FROM urgent_review_acks k \
                     JOIN adverse_events a ON a.id = k.event_id WHERE ($1 IS NULL OR a.patient_id = $1) \
                     ORDER BY k.acknowledged_at",
                )
                .bind(patient)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::UrgentReviewAck {
                            event: r.try_get("event_id")?,
                            by: r.try_get("acknowledged_by")?,
                            at: r.try_get("acknowledged_at")?,
                            decision: r.try_get("decision")?,
                        })
                    })
                    .collect()
            }

            async fn write_submitted(conn: &mut Conn, id: Uuid, on: NaiveDate) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE adverse_events SET submitted_on = $1 WHERE id = $2")
                    .bind(on)
                    .bind(id)
                    .execute(&mut *conn)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            /// Adverse events of one patient, or of every patient when `patient` is `None`:
            /// (id, patient, draft, submitted on).
            pub(crate) async fn adverse_events(
                pool: &Pool,
                filter: EventFilter,
            ) -> Result<Vec<(Uuid, Uuid, AdverseEventDraft, Option<NaiveDate>)>, StoreError> {
                let rows = match filter {
                    EventFilter::Clinic => {
                        sqlx::query("SELECT * FROM adverse_events ORDER BY onset, created_at").fetch_all(pool).await?
                    }
                    EventFilter::Patient(p) => {
                        sqlx::query("SELECT * FROM adverse_events WHERE patient_id = $1 ORDER BY onset, created_at")
                            .bind(p)
                            .fetch_all(pool)
                            .await?
                    }
                    EventFilter::Case(id) => {
                        sqlx::query("SELECT * FROM adverse_events WHERE id = $1").bind(id).fetch_all(pool).await?
                    }
                };
                let mut out = Vec::new();
                for r in &rows {
                    let id: Uuid = r.try_get("id")?;
                    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("adverse event {id}"), e);
                    let product_rows = sqlx::query(
                        "SELECT product_name, lot_number, dose_units, session_date FROM adverse_event_products \
                         WHERE event_id = $1 ORDER BY position",
                    )
                    .bind(id)
                    .fetch_all(pool)
                    .await?;
                    let suspect_products = product_rows
                        .iter()
                        .map(|p| {
                            Ok(SuspectProductDraft {
                                product_name: p.try_get("product_name")?,
                                lot_number: p.try_get("lot_number")?,
                                dose_units: p.try_get("dose_units")?,
                                session_date: p.try_get("session_date")?,
                            })
                        })
                        .collect::<Result<Vec<_>, StoreError>>()?;
                    let seriousness: String = r.try_get("seriousness")?;
                    let seriousness = seriousness
                        .split(',')
                        .filter(|s| !s.is_empty())
                        .map(|s| s.parse::<SeriousOutcome>().map_err(|e| corrupt(&e)))
                        .collect::<Result<Vec<_>, _>>()?;
                    let qualification: Option<String> = r.try_get("reporter_qualification")?;
                    let action: String = r.try_get("action_taken")?;
                    let outcome: String = r.try_get("outcome")?;
                    let causality: String = r.try_get("causality")?;
                    let grade: i32 = r.try_get("ctcae_grade")?;
                    let draft = AdverseEventDraft {
                        reported_term: r.try_get("reported_term")?,
                        meddra_code: r.try_get("meddra_code")?,
                        onset: r.try_get("onset")?,
                        resolution: r.try_get("resolution")?,
                        ctcae_grade: i64::from(grade),
                        seriousness,
                        action_taken: action.parse::<ActionTaken>().map_err(|e| corrupt(&e))?,
                        outcome: outcome.parse::<EventOutcome>().map_err(|e| corrupt(&e))?,
                        causality: causality.parse::<Causality>().map_err(|e| corrupt(&e))?,
                        reporter: ReporterDraft {
                            given_name: r.try_get("reporter_given_name")?,
                            family_name: r.try_get("reporter_family_name")?,
                            qualification: qualification
                                .map(|q| q.parse::<ReporterQualification>())
                                .transpose()
                                .map_err(|e| corrupt(&e))?,
                            country: r.try_get("reporter_country")?,
                            email: r.try_get("reporter_email")?,
                        },
                        awareness_date: r.try_get("awareness_date")?,
                        narrative: r.try_get("narrative")?,
                        suspect_products,
                    };
                    out.push((id, r.try_get("patient_id")?, draft, r.try_get("submitted_on")?));
                }
                Ok(out)
            }

            /// Writes a whole patient in one transaction, keeping every record's id; refused when a
            /// patient with the same id or MRN is already stored.
            pub(crate) async fn import_chart(
                pool: &Pool,
                chart: &crate::PatientChart,
                answers: &[String],
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let r = &chart.record;
                let mut tx = pool.begin().await?;
                let clash = sqlx::query(
                    "SELECT id, mrn FROM patients WHERE id = $1 OR (mrn = $2 AND clinic_id IS NOT DISTINCT FROM $3)",
                )
                    .bind(r.id)
                    .bind(r.patient.mrn())
                    .bind(r.clinic_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                if let Some(row) = clash {
                    let id: Uuid = row.try_get("id")?;
                    let mrn: Option<String> = row.try_get("mrn")?;
                    return Err(StoreError::PatientExists {
                        id: id.to_string(),
                        mrn: mrn.unwrap_or_default(),
                    });
                }
                insert_patient(&mut tx, r).await?;
                let days: Vec<DiaryDay> = chart.diary.days().cloned().collect();
                write_days(&mut tx, r.id, &days, &mut |_| {}).await?;
                for (id, t) in &chart.preventives {
                    insert_preventive(&mut tx, *id, r.id, t, created_at).await?;
                }
                for ((id, q), text) in chart.questionnaires.iter().zip(answers) {
                    insert_prom(&mut tx, *id, r.id, q.date, &q.result, text, created_at).await?;
                }
                for a in &chart.attestations {
                    insert_attestation(&mut tx, Uuid::now_v7(), r.id, a, created_at).await?;
                }
                for s in &chart.sessions {
                    insert_session(&mut tx, s.id, r.id, &s.session, &s.overrides, created_at).await?;
                }
                for d in &chart.other_doses {
                    insert_other_dose(&mut tx, Uuid::now_v7(), r.id, d, created_at).await?;
                }
                for (id, b) in &chart.nerve_blocks {
                    write_nerve_block(&mut tx, *id, r.id, b, created_at).await?;
                    if let Some(relief) = b.relief() {
                        write_block_relief(&mut tx, *id, relief.percent(), relief.duration_minutes(), relief.recorded_on())
                            .await?;
                    }
                }
                for e in &chart.adverse_events {
                    write_adverse_event(&mut tx, e.id, r.id, &e.event, created_at).await?;
                    if let Some(on) = e.submitted_on {
                        write_submitted(&mut tx, e.id, on).await?;
                    }
                }
                tx.commit().await?;
                Ok(())
            }

            /// Botulinum-toxin doses given elsewhere, by date.
            pub(crate) async fn other_doses_of(pool: &Pool, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
                other_doses(&mut *pool.acquire().await?, patient).await
            }

            pub(crate) async fn session_count(pool: &Pool) -> Result<i64, StoreError> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM toxin_sessions").fetch_one(pool).await?.try_get("n")?)
            }

            pub(crate) async fn ensure_clinic(pool: &Pool, name: &str) -> Result<Uuid, StoreError> {
                if let Some(r) = sqlx::query("SELECT id FROM clinics WHERE name = $1").bind(name).fetch_optional(pool).await? {
                    return Ok(r.try_get("id")?);
                }
                let id = Uuid::now_v7();
                sqlx::query("INSERT INTO clinics (id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING")
                    .bind(id)
                    .bind(name)
                    .bind(Utc::now())
                    .execute(pool)
                    .await?;
                let r = sqlx::query("SELECT id FROM clinics WHERE name = $1").bind(name).fetch_one(pool).await?;
                Ok(r.try_get("id")?)
            }

            /// Every clinic, by name.
            pub(crate) async fn clinics(pool: &Pool) -> Result<Vec<crate::ClinicRecord>, StoreError> {
                let rows = sqlx::query("SELECT id, name, created_at FROM clinics ORDER BY name").fetch_all(pool).await?;
                rows.iter()
                    .map(|r| Ok(crate::ClinicRecord { id: r.try_get("id")?, name: r.try_get("name")?, created_at: r.try_get("created_at")? }))
                    .collect()
            }

            pub(crate) async fn insert_user(pool: &Pool, u: &UserRecord, password_hash: &str) -> Result<(), StoreError> {
                let done = sqlx::query(
                    "INSERT INTO users (id, clinic_id, username, display_name, role, patient_id, password_hash, disabled, \
                     created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(u.id)
                .bind(u.clinic_id)
                .bind(u.username.as_str())
                .bind(&u.display_name)
                .bind(u.role.as_str())
                .bind(u.patient_id)
                .bind(password_hash)
                .bind(u.disabled)
                .bind(u.created_at)
                .execute(pool)
                .await;
                match done {
                    Err(sqlx::Error::Database(e)) if e.is_unique_violation() => {
                        Err(StoreError::DuplicateUsername(u.username.to_string()))
                    }
                    other => other.map(|_| ()).map_err(StoreError::from),
                }
            }

            const USER_SELECT: &str = "SELECT u.id, u.clinic_id, c.name AS clinic, u.username, u.display_name, u.role, \
                 u.patient_id, u.password_hash, u.disabled, u.created_at \
                 FROM users u JOIN clinics c ON c.id = u.clinic_id";

            /// Every user, or the one with `username`, with the stored password hash.
            pub(crate) async fn users(pool: &Pool, username: Option<&str>) -> Result<Vec<(UserRecord, String)>, StoreError> {
                let rows = match username {
                    None => sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} ORDER BY u.username"))).fetch_all(pool).await?,
                    Some(name) => {
                        sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.username = $1")))
                            .bind(name)
                            .fetch_all(pool)
                            .await?
                    }
                };
                rows.iter().map(user_from_row).collect()
            }

            /// The user with that id.
            pub(crate) async fn user_by_id(pool: &Pool, id: Uuid) -> Result<Option<UserRecord>, StoreError> {
                let row = sqlx::query(sqlx::AssertSqlSafe(format!("{USER_SELECT} WHERE u.id = $1")))
                    .bind(id)
                    .fetch_optional(pool)
                    .await?;
                row.as_ref().map(user_from_row).transpose().map(|u| u.map(|(u, _)| u))
            }

            fn user_from_row(r: &<Db as sqlx::Database>::Row) -> Result<(UserRecord, String), StoreError> {
                let username: String = r.try_get("username")?;
                let role: String = r.try_get("role")?;
                let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("user {username}"), e);
                Ok((
                    UserRecord {
                        id: r.try_get("id")?,
                        clinic_id: r.try_get("clinic_id")?,
                        clinic: r.try_get("clinic")?,
                        username: Username::new(&username).map_err(|e| corrupt(&e))?,
                        display_name: r.try_get("display_name")?,
                        role: role.parse::<Role>().map_err(|e| corrupt(&e))?,
                        patient_id: r.try_get("patient_id")?,
                        disabled: r.try_get("disabled")?,
                        created_at: r.try_get("created_at")?,
                    },
                    r.try_get("password_hash")?,
                ))
            }

            pub(crate) async fn set_user_disabled(pool: &Pool, username: &str, disabled: bool) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET disabled = $1 WHERE username = $2")
                    .bind(disabled)
                    .bind(username)
                    .execute(pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn set_password_hash(pool: &Pool, username: &str, hash: &str) -> Result<bool, StoreError> {
                let done = sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
                    .bind(hash)
                    .bind(username)
                    .execute(pool)
                    .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn clinic_drugs(pool: &Pool) -> Result<Vec<(String, DrugClass)>, StoreError> {
                let rows = sqlx::query("SELECT name, class FROM clinic_drugs ORDER BY name").fetch_all(pool).await?;
                rows.iter()
                    .map(|r| {
                        let name: String = r.try_get("name")?;
                        let class: String = r.try_get("class")?;
                        let class = class.parse::<DrugClass>().map_err(|e| StoreError::corrupt(format!("medicine {name}"), e))?;
                        Ok((name, class))
                    })
                    .collect()
            }

            pub(crate) async fn add_clinic_drug(pool: &Pool, name: &str, class: DrugClass) -> Result<(), StoreError> {
                sqlx::query("INSERT INTO clinic_drugs (name, class) VALUES ($1, $2)")
                    .bind(name)
                    .bind(class.as_str())
                    .execute(pool)
                    .await?;
                Ok(())
            }

            // --- web sessions ---------------------------------------------------------------

            pub(crate) async fn session_load(
                pool: &Pool,
                id_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<(String, DateTime<Utc>)>, StoreError> {
                let row = sqlx::query("SELECT data, expires_at FROM web_sessions WHERE id_hash = $1 AND expires_at > $2")
                    .bind(id_hash)
                    .bind(now)
                    .fetch_optional(pool)
                    .await?;
                row.map(|r| Ok((r.try_get("data")?, r.try_get("expires_at")?))).transpose()
            }

            /// Inserts a new session; false when the id is taken.
            pub(crate) async fn session_create(
                pool: &Pool,
                id_hash: &str,
                data: &str,
                expires_at: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "INSERT INTO web_sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) ON CONFLICT (id_hash) DO NOTHING",
                )
                .bind(id_hash)
                .bind(data)
                .bind(expires_at)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn session_save(
                pool: &Pool,
                id_hash: &str,
                data: &str,
                expires_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO web_sessions (id_hash, data, expires_at) VALUES ($1, $2, $3) \
                     ON CONFLICT (id_hash) DO UPDATE SET data = excluded.data, expires_at = excluded.expires_at",
                )
                .bind(id_hash)
                .bind(data)
                .bind(expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            pub(crate) async fn session_delete(pool: &Pool, id_hash: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM web_sessions WHERE id_hash = $1").bind(id_hash).execute(pool).await?;
                Ok(())
            }

            pub(crate) async fn sessions_expire(pool: &Pool, now: DateTime<Utc>) -> Result<u64, StoreError> {
                Ok(sqlx::query("DELETE FROM web_sessions WHERE expires_at <= $1").bind(now).execute(pool).await?.rows_affected())
            }

            // --- API tokens -------------------------------------------------------------------

            pub(crate) async fn insert_api_token(
                pool: &Pool,
                t: &crate::ApiTokenRecord,
                token_hash: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO api_tokens (id, user_id, name, token_hash, created_at, scope, expires_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(t.id)
                .bind(t.user_id)
                .bind(&t.name)
                .bind(token_hash)
                .bind(t.created_at)
                .bind(t.scope.as_str())
                .bind(t.expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            pub(crate) async fn api_tokens(pool: &Pool, user: Uuid) -> Result<Vec<crate::ApiTokenRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, user_id, name, created_at, last_used_at, revoked_at, scope, expires_at FROM api_tokens \
                     WHERE user_id = $1 ORDER BY created_at, id",
                )
                .bind(user)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::ApiTokenRecord {
                            id: r.try_get("id")?,
                            user_id: r.try_get("user_id")?,
                            name: r.try_get("name")?,
                            created_at: r.try_get("created_at")?,
                            last_used_at: r.try_get("last_used_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                            scope: r.try_get::<String, _>("scope")?.parse()?,
                            expires_at: r.try_get("expires_at")?,
                        })
                    })
                    .collect()
            }

            /// The live (unrevoked, unexpired) token with that hash: its owner, scope and the
            /// requests counted in the current minute, this one included; marks it used.
            pub(crate) async fn use_api_token(
                pool: &Pool,
                token_hash: &str,
                now: DateTime<Utc>,
            ) -> Result<Option<crate::TokenUse>, StoreError> {
                let minute = now.timestamp().div_euclid(60);
                let row = sqlx::query(
                    "UPDATE api_tokens SET last_used_at = $1, \
                     rate_count = CASE WHEN rate_minute = $3 THEN rate_count + 1 ELSE 1 END, \
                     rate_minute = $3 \
                     WHERE token_hash = $2 AND revoked_at IS NULL \
                     AND expires_at > $1 RETURNING user_id, scope, rate_count",
                )
                .bind(now)
                .bind(token_hash)
                .bind(minute)
                .fetch_optional(pool)
                .await?;
                row.map(|r| {
                    Ok(crate::TokenUse {
                        user: r.try_get("user_id")?,
                        scope: r.try_get::<String, _>("scope")?.parse()?,
                        requests_this_minute: u64::try_from(r.try_get::<i64, _>("rate_count")?)
                            .unwrap_or(u64::MAX),
                        minute_ends_in_seconds: u64::try_from(60 - now.timestamp().rem_euclid(60))
                            .unwrap_or(60),
                    })
                })
                .transpose()
            }

            pub(crate) async fn revoke_api_token(pool: &Pool, user: Uuid, id: Uuid, now: DateTime<Utc>) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND user_id = $3 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(id)
                .bind(user)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            // --- share links ------------------------------------------------------------------

            pub(crate) async fn insert_share_link(
                pool: &Pool,
                l: &crate::ShareLinkRecord,
                token_hash: &str,
            ) -> Result<(), StoreError> {
                sqlx::query(
                    "INSERT INTO share_links (id, patient_id, token_hash, report, period_from, period_to, created_by, \
                     created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                )
                .bind(l.id)
                .bind(l.patient_id)
                .bind(token_hash)
                .bind(&l.report)
                .bind(l.period_from)
                .bind(l.period_to)
                .bind(&l.created_by)
                .bind(l.created_at)
                .bind(l.expires_at)
                .execute(pool)
                .await?;
                Ok(())
            }

            /// Links of one patient (newest first), or the one with a token hash.
            pub(crate) async fn share_links(
                pool: &Pool,
                patient: Option<Uuid>,
                token_hash: Option<&str>,
            ) -> Result<Vec<crate::ShareLinkRecord>, StoreError> {
                let rows = sqlx::query(
                    "SELECT id, patient_id, report, period_from, period_to, created_by, created_at, expires_at, \
                     revoked_at, revoked_by FROM share_links \
                     WHERE ($1 IS NULL OR patient_id = $1) AND ($2 IS NULL OR token_hash = $2) \
                     ORDER BY created_at DESC, id DESC",
                )
                .bind(patient)
                .bind(token_hash)
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok(crate::ShareLinkRecord {
                            id: r.try_get("id")?,
                            patient_id: r.try_get("patient_id")?,
                            report: r.try_get("report")?,
                            period_from: r.try_get("period_from")?,
                            period_to: r.try_get("period_to")?,
                            created_by: r.try_get("created_by")?,
                            created_at: r.try_get("created_at")?,
                            expires_at: r.try_get("expires_at")?,
                            revoked_at: r.try_get("revoked_at")?,
                            revoked_by: r.try_get("revoked_by")?,
                        })
                    })
                    .collect()
            }

            pub(crate) async fn revoke_share_link(
                pool: &Pool,
                patient: Uuid,
                id: Uuid,
                by: &str,
                now: DateTime<Utc>,
            ) -> Result<bool, StoreError> {
                let done = sqlx::query(
                    "UPDATE share_links SET revoked_at = $1, revoked_by = $2 \
                     WHERE id = $3 AND patient_id = $4 AND revoked_at IS NULL",
                )
                .bind(now)
                .bind(by)
                .bind(id)
                .bind(patient)
                .execute(pool)
                .await?;
                Ok(done.rows_affected() == 1)
            }

            pub(crate) async fn session_patient(pool: &Pool, session: Uuid) -> Result<Option<Uuid>, StoreError> {
                let row = sqlx::query("SELECT patient_id FROM toxin_sessions WHERE id = $1")
                    .bind(session)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.map(|r| r.try_get("patient_id")).transpose()?)
            }

            // --- sign-in throttling ------------------------------------------------------------

            pub(crate) async fn add_login_failure(pool: &Pool, keys: &[String], at: DateTime<Utc>) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                for k in keys {
                    sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)").bind(k).bind(at).execute(&mut *tx).await?;
                }
                sqlx::query("DELETE FROM login_failures WHERE at < $1")
                    .bind(at - chrono::Duration::days(1))
                    .execute(&mut *tx)
                    .await?;
                tx.commit().await?;
                Ok(())
            }

            pub(crate) async fn login_failures_since(pool: &Pool, key: &str, since: DateTime<Utc>) -> Result<(i64, Option<DateTime<Utc>>), StoreError> {
                let r = sqlx::query("SELECT COUNT(*) AS n, MAX(at) AS last FROM login_failures WHERE key = $1 AND at > $2")
                    .bind(key)
                    .bind(since)
                    .fetch_one(pool)
                    .await?;
                Ok((r.try_get("n")?, r.try_get("last")?))
            }

            pub(crate) async fn clear_login_failures(pool: &Pool, key: &str) -> Result<(), StoreError> {
                sqlx::query("DELETE FROM login_failures WHERE key = $1").bind(key).execute(pool).await?;
                Ok(())
            }

            /// Each patient's latest recorded diary day.
            pub(crate) async fn last_diary_days(pool: &Pool) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
                let rows = sqlx::query("SELECT patient_id, MAX(day) AS last FROM diary_days GROUP BY patient_id")
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("patient_id")?, r.try_get("last")?))).collect()
            }
        }
    };
}

engine!(sqlite, sqlx::Sqlite);
engine!(postgres, sqlx::Postgres);
