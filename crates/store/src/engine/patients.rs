//! The queries of patients, their diagnoses and clinics, and a whole chart written in one
//! transaction (an import), written once and instantiated for SQLite and PostgreSQL.

macro_rules! patients_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use std::collections::BTreeMap;

            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use cephalog_core::{Diagnosis, DiagnosisCode, DiaryDay, Patient, Sex};

            use crate::engine::diary::$module as diary;
            use crate::engine::safety::$module as safety;
            use crate::engine::treatment::$module as treatment;
            use crate::{PatientRecord, StoreError};

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

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

            /// Writes a whole patient in one transaction, keeping every record's id; refused when a
            /// patient with the same id or MRN is already stored.
            /// Stores whole patients in one transaction: all of them or none.
            pub(crate) async fn import_charts(
                pool: &Pool,
                charts: &[(&crate::PatientChart, Vec<String>)],
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let mut tx = pool.begin().await?;
                for (chart, answers) in charts {
                    import_chart(&mut tx, chart, answers, created_at).await?;
                }
                tx.commit().await?;
                Ok(())
            }

            async fn import_chart(
                tx: &mut sqlx::Transaction<'_, Db>,
                chart: &crate::PatientChart,
                answers: &[String],
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                let r = &chart.record;
                let clash = sqlx::query(
                    "SELECT id, mrn FROM patients WHERE id = $1 OR (mrn = $2 AND clinic_id IS NOT DISTINCT FROM $3)",
                )
                    .bind(r.id)
                    .bind(r.patient.mrn())
                    .bind(r.clinic_id)
                    .fetch_optional(&mut **tx)
                    .await?;
                if let Some(row) = clash {
                    let id: Uuid = row.try_get("id")?;
                    let mrn: Option<String> = row.try_get("mrn")?;
                    return Err(StoreError::PatientExists {
                        id: id.to_string(),
                        mrn: mrn.unwrap_or_default(),
                    });
                }
                insert_patient(tx, r).await?;
                let days: Vec<DiaryDay> = chart.diary.days().cloned().collect();
                diary::write_days(tx, r.id, &days, &mut |_| {}).await?;
                for (id, t) in &chart.preventives {
                    treatment::insert_preventive(tx, *id, r.id, t, created_at).await?;
                }
                for ((id, q), text) in chart.questionnaires.iter().zip(answers) {
                    treatment::insert_prom(tx, *id, r.id, q.date, &q.result, text, created_at).await?;
                }
                for a in &chart.attestations {
                    treatment::insert_attestation(tx, Uuid::now_v7(), r.id, a, created_at).await?;
                }
                for s in &chart.sessions {
                    treatment::insert_session(tx, s.id, r.id, &s.session, &s.overrides, created_at).await?;
                }
                for d in &chart.other_doses {
                    treatment::insert_other_dose(tx, Uuid::now_v7(), r.id, d, created_at).await?;
                }
                for (id, b) in &chart.nerve_blocks {
                    treatment::write_nerve_block(tx, *id, r.id, b, created_at).await?;
                    if let Some(relief) = b.relief() {
                        treatment::write_block_relief(tx, *id, relief.percent(), relief.duration_minutes(), relief.recorded_on())
                            .await?;
                    }
                }
                for e in &chart.adverse_events {
                    safety::write_adverse_event(tx, e.id, r.id, &e.event, created_at).await?;
                    if let Some(on) = e.submitted_on {
                        safety::write_submitted(tx, e.id, on).await?;
                    }
                }
                Ok(())
            }
        }
    };
}

patients_engine!(sqlite, sqlx::Sqlite);
patients_engine!(postgres, sqlx::Postgres);
