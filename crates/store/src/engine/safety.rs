//! The queries of safety: adverse events with their suspect products and submission dates, and
//! the acknowledgements of urgent reviews; written once and instantiated for SQLite and
//! PostgreSQL.

macro_rules! safety_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use cephalog_core::safety::{
                ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
                ReporterQualification, SeriousOutcome, SuspectProductDraft,
            };

            use crate::StoreError;
            use crate::safety::EventFilter;

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

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

            pub(crate) async fn write_adverse_event(
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

            pub(crate) async fn write_submitted(conn: &mut Conn, id: Uuid, on: NaiveDate) -> Result<bool, StoreError> {
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
        }
    };
}

safety_engine!(sqlite, sqlx::Sqlite);
safety_engine!(postgres, sqlx::Postgres);
