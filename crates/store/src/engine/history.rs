//! The queries of record versions: versions kept, read and counted, and a record superseded
//! (entered in error or corrected) in one transaction; written once and instantiated for SQLite
//! and PostgreSQL.

macro_rules! history_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use chrono::{DateTime, Utc};
            use sqlx::Row;
            use uuid::Uuid;

            use crate::StoreError;
            use crate::engine::safety::$module as safety;
            use crate::engine::treatment::$module as treatment;
            use crate::history::{Change, RecordKind, RecordVersion, Replacement, VersionAction};

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

            /// Keeps superseded versions of records of one kind (record id, snapshot JSON), each
            /// numbered after the versions already kept of that record (the caller holds the
            /// transaction).
            pub(crate) async fn keep_versions(
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
                replacement: Option<&Replacement>,
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
                    Some(Replacement::Preventive(t)) => treatment::insert_preventive(&mut tx, id, patient, t, at).await?,
                    Some(Replacement::Questionnaire { taken_on, result, answers }) => {
                        treatment::insert_prom(&mut tx, id, patient, *taken_on, result, answers, at).await?
                    }
                    Some(Replacement::Attestation(a)) => treatment::insert_attestation(&mut tx, id, patient, a, at).await?,
                    Some(Replacement::AdverseEvent { event, submitted_on }) => {
                        safety::write_adverse_event(&mut tx, id, patient, event, at).await?;
                        if let Some(on) = submitted_on {
                            safety::write_submitted(&mut tx, id, *on).await?;
                        }
                    }
                }
                tx.commit().await?;
                Ok(kept.into_iter().next())
            }
        }
    };
}

history_engine!(sqlite, sqlx::Sqlite);
history_engine!(postgres, sqlx::Postgres);
