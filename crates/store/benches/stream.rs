//! Reading diaries from a SQLite file — the whole clinic in one pass (`Store::each_diary`) and
//! patient by patient (`Store::diary`) — measured beside the bare stack in the same run: the same
//! rows stepped through sqlx without decoding them into diary days.
//! `cargo bench -p cephalog-store --bench stream [-- PATIENTS]` (default 2,000 patients × 365
//! days, a third with two medicines). Figures go to BENCHMARKS.md; nothing here asserts a time.

use std::time::Instant;

use chrono::{Duration, NaiveDate};
use futures_util::TryStreamExt;
use sqlx::Row;

use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_store::{Pool, Store};

type Error = Box<dyn std::error::Error>;

fn year(from: NaiveDate, seed: u64, dict: &DrugDictionary) -> Result<Vec<DiaryDay>, Error> {
    let mut x = seed | 1;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x
    };
    (0..365)
        .map(|i| {
            let date = from + Duration::days(i);
            let r = next();
            if r % 3 == 0 {
                return Ok(DiaryDay::headache_free(date));
            }
            let draft = DiaryDraft {
                date: Some(date),
                headache_minutes: Minutes::new(i64::try_from(60 + r % 900)?)?,
                peak_intensity: Intensity::Moderate,
                features: Features {
                    unilateral: r % 2 == 0,
                    pulsating: r % 5 == 0,
                    nausea: r % 7 == 0,
                    ..Default::default()
                },
                medications: if r % 3 == 1 {
                    MedicationIntake::parse_list("sumatriptan 50 mg; ibuprofen 400 mg", dict)?
                } else {
                    Vec::new()
                },
                paroxysms: 0,
                notes: String::new(),
            };
            Ok(DiaryDay::restore(date, draft)?)
        })
        .collect()
}

fn rate(days: u64, secs: f64) -> String {
    format!("{:>10.0} days/s ({secs:.2} s)", days as f64 / secs)
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let patients: u64 = std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .map(|a| a.parse())
        .transpose()?
        .unwrap_or(2_000);
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("stream.db");
    let store = Store::connect(&path.display().to_string()).await?;
    let dict = DrugDictionary::builtin();
    let from: NaiveDate = "2025-01-01".parse()?;
    let today: NaiveDate = "2026-12-01".parse()?;
    let t = Instant::now();
    for i in 0..patients {
        let mut p = Patient::new(
            &format!("Patient {i}"),
            "1980-01-01".parse()?,
            Some(Sex::Female),
            None,
            String::new(),
            today,
        )?;
        p.diagnose(Diagnosis {
            code: DiagnosisCode::ChronicMigraine,
            onset: None,
        })?;
        let r = store.add_patient(&p).await?;
        store
            .import_days(r.id, &year(from, i + 1, &dict)?, None, &mut |_| {})
            .await?;
    }
    let total = patients * 365;
    println!(
        "written: {patients} patients × 365 days in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    let Pool::Sqlite(pool) = store.pool() else {
        return Err("the bench runs on SQLite".into());
    };
    for round in 1..=3 {
        let t = Instant::now();
        let mut rows = sqlx::query(
            "SELECT patient_id, day, headache_minutes, peak_intensity, unilateral, pulsating, \
             aggravated_by_activity, nausea, vomiting, photophobia, phonophobia, aura, paroxysms, \
             notes FROM diary_days ORDER BY patient_id, day",
        )
        .fetch(pool);
        let mut bare = 0u64;
        while let Some(r) = rows.try_next().await? {
            bare += u64::from(r.len() > 0);
        }
        let bare_secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut ids = Vec::new();
        let mut seen = 0u64;
        let days = store
            .each_diary(None, |id, d| {
                ids.push(id);
                seen += d.len() as u64;
            })
            .await?;
        let secs = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut one_by_one = 0u64;
        for id in &ids {
            one_by_one += store.diary(*id).await?.len() as u64;
        }
        let each_secs = t.elapsed().as_secs_f64();
        assert_eq!((days, seen, bare, one_by_one), (total, total, total, total));
        let bare_rate = bare as f64 / bare_secs;
        println!(
            "round {round}: each_diary {} ({:.2}× bare) | diary() per patient {} ({:.2}× bare) | bare sqlx rows {}",
            rate(days, secs),
            days as f64 / secs / bare_rate,
            rate(one_by_one, each_secs),
            one_by_one as f64 / each_secs / bare_rate,
            rate(bare, bare_secs),
        );
    }
    store.close().await;
    Ok(())
}
