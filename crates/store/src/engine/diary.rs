//! The queries of the diary: days and their medicines, a whole clinic's diaries streamed, a day
//! entered in error, and the clinic's medicine names; written once and instantiated for SQLite and
//! PostgreSQL.

/// A diary's days packed into one JSON array of arrays (see `engine::packed`): date, minutes,
/// peak intensity, the features nested in `Features::FIELDS` order, paroxysms, notes; `[]` for
/// none.
macro_rules! packed_days {
    (sqlite) => {
        "json_group_array(json_array(day, headache_minutes, peak_intensity, json_array(unilateral, \
         pulsating, aggravated_by_activity, nausea, vomiting, photophobia, phonophobia, aura), \
         paroxysms, notes))"
    };
    (postgres) => {
        "COALESCE(json_agg(json_build_array(day, headache_minutes, peak_intensity, \
         json_build_array(unilateral, pulsating, aggravated_by_activity, nausea, vomiting, \
         photophobia, phonophobia, aura), paroxysms, notes)), '[]')::text"
    };
}

/// A diary's medicines packed likewise: date, name, dose, class, migraine-specific, position.
macro_rules! packed_medicines {
    (sqlite) => {
        "json_group_array(json_array(day, name, dose, class, migraine_specific, position))"
    };
    (postgres) => {
        "COALESCE(json_agg(json_build_array(day, name, dose, class, migraine_specific, position)), \
         '[]')::text"
    };
}

/// The rows of a packed write (see [`crate::engine::packed::pack_days`]) for `INSERT … SELECT`:
/// the patient is `$1`, the days' array `$2`. SQLite walks the array with `jsonb_each`, whose
/// elements come as binary JSON, so each field is read without parsing the element's text again.
macro_rules! unpacked_days {
    (sqlite) => {
        "SELECT $1, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, \
         value->>7, value->>8, value->>9, value->>10, value->>11, value->>12 FROM jsonb_each($2)"
    };
    (postgres) => {
        "SELECT $1, (e->>0)::date, (e->>1)::int, e->>2, (e->>3)::boolean, (e->>4)::boolean, \
         (e->>5)::boolean, (e->>6)::boolean, (e->>7)::boolean, (e->>8)::boolean, (e->>9)::boolean, \
         (e->>10)::boolean, (e->>11)::int, e->>12 FROM json_array_elements($2::json) AS e"
    };
}

/// The medicines of a packed write likewise.
macro_rules! unpacked_medicines {
    (sqlite) => {
        "SELECT $1, value->>0, value->>1, value->>2, value->>3, value->>4, value->>5 FROM jsonb_each($2)"
    };
    (postgres) => {
        "SELECT $1, (e->>0)::date, (e->>1)::int, e->>2, e->>3, e->>4, (e->>5)::boolean \
         FROM json_array_elements($2::json) AS e"
    };
}

macro_rules! diary_engine {
    ($module:ident, $db:ty) => {
        pub(crate) mod $module {
            use std::collections::HashSet;

            use chrono::{DateTime, NaiveDate, Utc};
            use sqlx::{QueryBuilder, Row};
            use uuid::Uuid;

            use cephalog_core::{DiaryDay, DrugClass};

            use crate::engine::history::$module as history;
            use crate::history::{Change, DiarySnapshot, RecordKind, RecordVersion, VersionAction};
            use crate::{BATCH_ROWS, ImportSummary, StoreError};

            type Db = $db;
            type Pool = sqlx::Pool<Db>;
            type Conn = <Db as sqlx::Database>::Connection;

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
                    history::keep_versions(&mut tx, id, RecordKind::DiaryDay, &stored, VersionAction::Corrected, change, at)
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
            pub(crate) async fn write_days(
                conn: &mut Conn,
                id: Uuid,
                days: &[DiaryDay],
                progress: &mut (dyn FnMut(usize) + Send),
            ) -> Result<(), StoreError> {
                let mut written = 0;
                for chunk in days.chunks(BATCH_ROWS) {
                    let (packed_days, packed_medicines) = crate::engine::packed::pack_days(chunk)?;
                    sqlx::query(concat!(
                        "INSERT INTO diary_days (patient_id, day, headache_minutes, peak_intensity, unilateral, \
                         pulsating, aggravated_by_activity, nausea, vomiting, photophobia, phonophobia, aura, \
                         paroxysms, notes) ",
                        unpacked_days!($module)
                    ))
                    .bind(id)
                    .bind(packed_days)
                    .execute(&mut *conn)
                    .await?;
                    if let Some(medicines) = packed_medicines {
                        sqlx::query(concat!(
                            "INSERT INTO diary_medications (patient_id, day, position, name, dose, class, \
                             migraine_specific) ",
                            unpacked_medicines!($module)
                        ))
                        .bind(id)
                        .bind(medicines)
                        .execute(&mut *conn)
                        .await?;
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
                let medicines: String = sqlx::query_scalar(concat!(
                    "SELECT ", packed_medicines!($module),
                    " FROM diary_medications WHERE patient_id = $1 AND day BETWEEN $2 AND $3",
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_one(&mut *conn)
                .await?;
                let days: String = sqlx::query_scalar(concat!(
                    "SELECT ", packed_days!($module),
                    " FROM diary_days WHERE patient_id = $1 AND day BETWEEN $2 AND $3",
                ))
                .bind(id)
                .bind(from)
                .bind(to)
                .fetch_one(&mut *conn)
                .await?;
                crate::engine::packed::unpack(&days, Some(&medicines))
            }

            /// Every diary of `clinic`'s patients (or of the installation's), in one streaming pass
            /// ordered by patient and day: the days and the medicines are read by two cursors
            /// merged as they go, and `each` is called once per patient with a diary, with its days
            /// in order. Answers the number of days read.
            pub(crate) async fn each_diary(
                pool: &Pool,
                which: crate::diary::Patients<'_>,
                each: &mut (dyn FnMut(Uuid, Vec<DiaryDay>) -> Result<(), StoreError> + Send),
            ) -> Result<u64, StoreError> {
                use futures_util::TryStreamExt;
                use crate::diary::Patients;
                if matches!(which, Patients::These(ps) if ps.is_empty()) {
                    return Ok(0);
                }
                let mut day_conn = pool.acquire().await?;
                let mut med_conn = pool.acquire().await?;
                // One row per patient, id and packed array, in order of patient id.
                let build = |packed: &str, table: &str| {
                    let mut qb = QueryBuilder::<Db>::new(format!("SELECT patient_id, {packed} FROM {table}"));
                    match which {
                        Patients::All => {}
                        Patients::Clinic(c) => {
                            qb.push(" WHERE patient_id IN (SELECT id FROM patients WHERE clinic_id = ");
                            qb.push_bind(c);
                            qb.push(")");
                        }
                        Patients::These(ps) => {
                            qb.push(" WHERE patient_id IN (");
                            let mut sep = qb.separated(", ");
                            for p in ps {
                                sep.push_bind(*p);
                            }
                            qb.push(")");
                        }
                    }
                    qb.push(" GROUP BY patient_id ORDER BY patient_id");
                    qb
                };
                let mut days_query = build(packed_days!($module), "diary_days");
                let mut meds_query = build(packed_medicines!($module), "diary_medications");
                let mut days = days_query.build().fetch(&mut *day_conn);
                let mut meds = meds_query.build().fetch(&mut *med_conn);
                let packed_row = |r: &<Db as sqlx::Database>::Row| -> Result<(Uuid, String), StoreError> {
                    Ok((r.try_get(0)?, r.try_get(1)?))
                };
                let mut next_med = match meds.try_next().await? {
                    Some(r) => Some(packed_row(&r)?),
                    None => None,
                };
                let mut count = 0u64;
                while let Some(r) = days.try_next().await? {
                    let (patient, packed_days) = packed_row(&r)?;
                    let mut medicines = None;
                    while let Some((p, packed)) = next_med.take() {
                        if p > patient {
                            next_med = Some((p, packed));
                            break;
                        }
                        if p < patient {
                            return Err(StoreError::corrupt(
                                format!("diary medicines of patient {p}"),
                                "their days are not recorded",
                            ));
                        }
                        medicines = Some(packed);
                        next_med = match meds.try_next().await? {
                            Some(r) => Some(packed_row(&r)?),
                            None => None,
                        };
                    }
                    let diary = crate::engine::packed::unpack(&packed_days, medicines.as_deref())?;
                    count += diary.len() as u64;
                    each(patient, diary)?;
                }
                if let Some((p, _)) = next_med {
                    return Err(StoreError::corrupt(
                        format!("diary medicines of patient {p}"),
                        "their days are not recorded",
                    ));
                }
                Ok(count)
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
                let kept = history::keep_versions(
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

            /// Each patient's latest recorded diary day.
            pub(crate) async fn last_diary_days(pool: &Pool) -> Result<Vec<(Uuid, NaiveDate)>, StoreError> {
                let rows = sqlx::query("SELECT patient_id, MAX(day) AS last FROM diary_days GROUP BY patient_id")
                    .fetch_all(pool)
                    .await?;
                rows.iter().map(|r| Ok((r.try_get("patient_id")?, r.try_get("last")?))).collect()
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
        }
    };
}

diary_engine!(sqlite, sqlx::Sqlite);
diary_engine!(postgres, sqlx::Postgres);
