//! The queries of treatment: toxin sessions with their sites and overrides, toxin doses given
//! elsewhere, nerve blocks, preventive trials, questionnaires and their same-day reviews, and
//! medication-overuse attestations; written once and instantiated for SQLite and PostgreSQL.

macro_rules! treatment_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use cephalog_core::eligibility::Attestation;
            use cephalog_core::preventives::{PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial};
            use cephalog_core::prom::PromResult;
            use cephalog_core::protocol::{Anaesthetic, Laterality, NerveBlockPlan, OccipitalNerve, Side, Steroid, Target, Volume};
            use cephalog_core::session::{Indication, NerveBlock, Product, Session, SessionCheck, SessionDraft, SiteDose, ToxinDose, VialSize};

            use crate::StoreError;

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

            // --- toxin sessions ------------------------------------------------------------------

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

            pub(crate) async fn insert_session(
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
                // One statement for all the sites and one for the overrides.
                if !d.sites.is_empty() {
                    let mut qb = sqlx::QueryBuilder::<Db>::new(
                        "INSERT INTO session_sites (session_id, position, target, side, ordinal, units) ",
                    );
                    qb.push_values(d.sites.iter().enumerate(), |mut b, (pos, site)| {
                        b.push_bind(id)
                            .push_bind(i32::try_from(pos).unwrap_or(i32::MAX))
                            .push_bind(site.target.key())
                            .push_bind(site.side.as_str())
                            .push_bind(i32::try_from(site.ordinal).unwrap_or(i32::MAX))
                            .push_bind(i32::try_from(site.units).unwrap_or(i32::MAX));
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                if !overrides.is_empty() {
                    let mut qb = sqlx::QueryBuilder::<Db>::new(
                        "INSERT INTO session_overrides (session_id, position, check_kind, finding, reason, by_name) ",
                    );
                    qb.push_values(overrides.iter().enumerate(), |mut b, (pos, o)| {
                        b.push_bind(id)
                            .push_bind(i32::try_from(pos).unwrap_or(i32::MAX))
                            .push_bind(o.check.clone())
                            .push_bind(o.finding.clone())
                            .push_bind(o.reason.clone())
                            .push_bind(o.by.clone());
                    });
                    qb.build().execute(&mut **tx).await?;
                }
                Ok(())
            }

            /// A session as read: its patient, id, draft and overrides (check, finding, reason, by).
            pub(crate) type StoredSession = (Uuid, Uuid, SessionDraft, Vec<(String, String, String, String)>);

            pub(crate) async fn sessions(
                conn: &mut <Db as sqlx::Database>::Connection,
                patient: Uuid,
            ) -> Result<Vec<(Uuid, SessionDraft, Vec<(String, String, String, String)>)>, StoreError> {
                Ok(sessions_of(conn, &[patient])
                    .await?
                    .into_iter()
                    .map(|(_, id, draft, overrides)| (id, draft, overrides))
                    .collect())
            }

            /// `sql` followed by `(id, id, …)` for the patients, bound.
            fn with_patients(sql: &str, patients: &[Uuid], tail: &str) -> sqlx::QueryBuilder<Db> {
                let mut qb = sqlx::QueryBuilder::<Db>::new(sql);
                qb.push(" (");
                let mut sep = qb.separated(", ");
                for p in patients {
                    sep.push_bind(*p);
                }
                qb.push(")");
                qb.push(tail);
                qb
            }

            /// The sessions of every patient in `patients`, by patient then date, each with its
            /// sites and overrides: three queries however many patients and sessions.
            pub(crate) async fn sessions_of(
                conn: &mut <Db as sqlx::Database>::Connection,
                patients: &[Uuid],
            ) -> Result<Vec<StoredSession>, StoreError> {
                if patients.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = with_patients(
                    "SELECT id, patient_id, session_date, indication, product, vial_units, vials, lot, expiry, \
                     diluent_ul, injector, prescriber, notes FROM toxin_sessions WHERE patient_id IN",
                    patients,
                    " ORDER BY patient_id, session_date, created_at",
                )
                .build()
                .fetch_all(&mut *conn)
                .await?;
                let mut sites: std::collections::HashMap<Uuid, Vec<SiteDose>> = std::collections::HashMap::new();
                let site_rows = with_patients(
                    "SELECT s.session_id, s.target, s.side, s.ordinal, s.units FROM session_sites s \
                     JOIN toxin_sessions t ON t.id = s.session_id WHERE t.patient_id IN",
                    patients,
                    " ORDER BY s.session_id, s.position",
                )
                .build()
                .fetch_all(&mut *conn)
                .await?;
                for sr in &site_rows {
                    let id: Uuid = sr.try_get("session_id")?;
                    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("session {id}"), e);
                    let target: String = sr.try_get("target")?;
                    let side: String = sr.try_get("side")?;
                    let ordinal: i32 = sr.try_get("ordinal")?;
                    let units: i32 = sr.try_get("units")?;
                    sites.entry(id).or_default().push(SiteDose {
                        target: target.parse::<Target>().map_err(|e| corrupt(&e))?,
                        side: side.parse::<Side>().map_err(|e| corrupt(&e))?,
                        ordinal: u32::try_from(ordinal).map_err(|e| corrupt(&e))?,
                        units: u32::try_from(units).map_err(|e| corrupt(&e))?,
                    });
                }
                type StoredOverride = (String, String, String, String);
                let mut overrides: std::collections::HashMap<Uuid, Vec<StoredOverride>> = std::collections::HashMap::new();
                let override_rows = with_patients(
                    "SELECT o.session_id, o.check_kind, o.finding, o.reason, o.by_name FROM session_overrides o \
                     JOIN toxin_sessions t ON t.id = o.session_id WHERE t.patient_id IN",
                    patients,
                    " ORDER BY o.session_id, o.position",
                )
                .build()
                .fetch_all(&mut *conn)
                .await?;
                for o in &override_rows {
                    let id: Uuid = o.try_get("session_id")?;
                    overrides.entry(id).or_default().push((
                        o.try_get("check_kind")?,
                        o.try_get("finding")?,
                        o.try_get("reason")?,
                        o.try_get("by_name")?,
                    ));
                }
                let mut out = Vec::with_capacity(rows.len());
                for r in &rows {
                    let id: Uuid = r.try_get("id")?;
                    let patient: Uuid = r.try_get("patient_id")?;
                    let corrupt = |e: &dyn std::fmt::Display| StoreError::corrupt(format!("session {id}"), e);
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
                        sites: sites.remove(&id).unwrap_or_default(),
                        injector: r.try_get("injector")?,
                        prescriber: r.try_get("prescriber")?,
                        notes: r.try_get("notes")?,
                    };
                    out.push((patient, id, draft, overrides.remove(&id).unwrap_or_default()));
                }
                Ok(out)
            }

            /// The questionnaires of every patient in `patients`: patient, id, date, instrument and
            /// answers, by patient then date.
            pub(crate) async fn proms_of(
                pool: &Pool,
                patients: &[Uuid],
            ) -> Result<Vec<(Uuid, Uuid, NaiveDate, String, String)>, StoreError> {
                if patients.is_empty() {
                    return Ok(Vec::new());
                }
                let rows = with_patients(
                    "SELECT patient_id, id, taken_on, instrument, answers FROM proms WHERE patient_id IN",
                    patients,
                    " ORDER BY patient_id, taken_on, created_at",
                )
                .build()
                .fetch_all(pool)
                .await?;
                rows.iter()
                    .map(|r| {
                        Ok((
                            r.try_get("patient_id")?,
                            r.try_get("id")?,
                            r.try_get("taken_on")?,
                            r.try_get("instrument")?,
                            r.try_get("answers")?,
                        ))
                    })
                    .collect()
            }

            pub(crate) async fn session_count(pool: &Pool) -> Result<i64, StoreError> {
                Ok(sqlx::query("SELECT COUNT(*) AS n FROM toxin_sessions").fetch_one(pool).await?.try_get("n")?)
            }

            pub(crate) async fn session_patient(pool: &Pool, session: Uuid) -> Result<Option<Uuid>, StoreError> {
                let row = sqlx::query("SELECT patient_id FROM toxin_sessions WHERE id = $1")
                    .bind(session)
                    .fetch_optional(pool)
                    .await?;
                Ok(row.map(|r| r.try_get("patient_id")).transpose()?)
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

            // --- toxin doses, here and elsewhere -------------------------------------------------

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

            pub(crate) async fn add_other_dose(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                dose: &ToxinDose,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_other_dose(&mut *pool.acquire().await?, id, patient, dose, created_at).await
            }

            pub(crate) async fn insert_other_dose(
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

            /// Botulinum-toxin doses given elsewhere, by date.
            pub(crate) async fn other_doses_of(pool: &Pool, patient: Uuid) -> Result<Vec<ToxinDose>, StoreError> {
                other_doses(&mut *pool.acquire().await?, patient).await
            }

            // --- nerve blocks --------------------------------------------------------------------

            pub(crate) async fn insert_nerve_block(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                b: &NerveBlock,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                write_nerve_block(&mut *pool.acquire().await?, id, patient, b, created_at).await
            }

            pub(crate) async fn write_nerve_block(
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

            pub(crate) async fn write_block_relief(
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

            // --- preventive trials ---------------------------------------------------------------

            pub(crate) async fn add_preventive(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                t: &PreventiveTrial,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_preventive(&mut *pool.acquire().await?, id, patient, t, created_at).await
            }

            pub(crate) async fn insert_preventive(
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

            // --- questionnaires and their same-day reviews ---------------------------------------

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

            pub(crate) async fn insert_prom(
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

            // --- medication-overuse attestations -------------------------------------------------

            pub(crate) async fn add_attestation(
                pool: &Pool,
                id: Uuid,
                patient: Uuid,
                a: &Attestation,
                created_at: DateTime<Utc>,
            ) -> Result<(), StoreError> {
                insert_attestation(&mut *pool.acquire().await?, id, patient, a, created_at).await
            }

            pub(crate) async fn insert_attestation(
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
        }
    };
}

treatment_engine!(sqlite, sqlx::Sqlite);
treatment_engine!(postgres, sqlx::Postgres);
