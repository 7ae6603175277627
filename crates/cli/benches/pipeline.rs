//! Import and metrics throughput: `cargo bench -p cephalog-cli --bench pipeline`.
//!
//! 1. Import 1,000,000 diary days (1,000 patients × 1,000 days, one daily CSV per patient) through
//!    the same path as `cephalog diary import`: CSV parse and validation, then one transaction per
//!    file into a fresh SQLite database (and PostgreSQL when `CEPHALOG_TEST_POSTGRES_URL` is set).
//! 2. The ceiling: the `sqlite3` shell's `.import` of the same CSV files into a bare table.
//! 3. Metrics for 10,000 patients × 1 year: 28-day periods under `label-4h` plus the ICHD-3
//!    classification, in memory and loading each diary from SQLite.
//!
//! Set `BENCH_SCALE` (default 1.0) to shrink the run, e.g. 0.1 for a quick look.

use std::io::BufReader;
use std::process::Command;
use std::time::Instant;

use anyhow::{Context, Result};
use chrono::{Duration, NaiveDate};

use cephalog_cli::demo::synthetic_days;
use cephalog_core::metrics::DateRange;
use cephalog_core::preset::DayPreset;
use cephalog_core::{
    Diagnosis, DiagnosisCode, Diary, DrugDictionary, Patient, PeriodKind, Sex, classify,
    compute_metrics,
};
use cephalog_interchange::{read_daily, write_daily};
use cephalog_store::Store;

fn rate(rows: usize, secs: f64) -> String {
    format!(
        "{:>10.0} rows/s  ({rows} rows in {secs:.2} s)",
        rows as f64 / secs
    )
}

fn patient(i: usize, today: NaiveDate) -> Result<Patient> {
    let mut p = Patient::new(
        &format!("Bench {i}"),
        NaiveDate::from_ymd_opt(1980, 1, 1).context("date")?,
        Some(Sex::Female),
        Some(format!("B{i:06}")),
        String::new(),
        today,
    )?;
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: None,
    })?;
    Ok(p)
}

async fn import_all(
    store: &Store,
    files: &[std::path::PathBuf],
    today: NaiveDate,
) -> Result<(usize, f64, f64)> {
    let dict = DrugDictionary::builtin();
    let mut rows = 0;
    let mut parse_secs = 0.0;
    let start = Instant::now();
    for (i, f) in files.iter().enumerate() {
        let id = store.add_patient(&patient(i, today)?).await?.id;
        let t = Instant::now();
        let days = read_daily(
            BufReader::new(std::fs::File::open(f)?),
            &dict,
            today,
            |_| {},
        )
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        parse_secs += t.elapsed().as_secs_f64();
        store.import_days(id, &days, None, &mut |_| {}).await?;
        rows += days.len();
    }
    Ok((rows, start.elapsed().as_secs_f64(), parse_secs))
}

#[tokio::main]
async fn main() -> Result<()> {
    let scale: f64 = std::env::var("BENCH_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1.0);
    let import_patients = ((1000.0 * scale) as usize).max(1);
    let metric_patients = ((10_000.0 * scale) as usize).max(1);
    let dir = tempfile::tempdir()?;
    let today = chrono::Local::now().date_naive();
    let first = today - Duration::days(1000);

    println!("== generating {import_patients} patients × 1,000 days of daily CSV");
    let mut files = Vec::new();
    for i in 0..import_patients {
        let days = synthetic_days(i as u64, i, first, 1000)?;
        let path = dir.path().join(format!("p{i}.csv"));
        write_daily(std::fs::File::create(&path)?, &days)?;
        files.push(path);
    }
    let bytes: u64 = files
        .iter()
        .filter_map(|f| f.metadata().ok())
        .map(|m| m.len())
        .sum();
    println!("   {:.1} MB of CSV", bytes as f64 / 1e6);

    println!("== cephalog import into SQLite (parse + validate + one transaction per file)");
    let store = Store::connect(dir.path().join("bench.db").to_str().context("path")?).await?;
    let (rows, secs, parse) = import_all(&store, &files, today).await?;
    println!("   total   {}", rate(rows, secs));
    println!("   parsing {}", rate(rows, parse));
    store.close().await;

    if let Ok(url) = std::env::var("CEPHALOG_TEST_POSTGRES_URL") {
        println!("== cephalog import into PostgreSQL");
        let schema = format!("cephalog_bench_{}", std::process::id());
        let admin = Store::connect(&url).await?;
        if let cephalog_store::Pool::Postgres(pool) = admin.pool() {
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(pool)
                .await?;
        }
        let store = Store::connect(&format!("{url}?options=-c%20search_path%3D{schema}")).await?;
        let (rows, secs, _) = import_all(&store, &files, today).await?;
        println!("   total   {}", rate(rows, secs));
        store.close().await;
        if let cephalog_store::Pool::Postgres(pool) = admin.pool() {
            sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
                .execute(pool)
                .await?;
        }
    }

    println!("== sqlite3 shell .import of the same files into a bare table (the ceiling)");
    let mut script = String::from(
        ".bail on\n.mode csv\nCREATE TABLE bare (date TEXT, headache_minutes TEXT, peak_intensity TEXT, unilateral TEXT, pulsating TEXT, aggravated_by_activity TEXT, nausea TEXT, vomiting TEXT, photophobia TEXT, phonophobia TEXT, aura TEXT, acute_medications TEXT, paroxysms TEXT, notes TEXT);\n",
    );
    for f in &files {
        script.push_str(&format!(".import --skip 1 '{}' bare\n", f.display()));
    }
    script.push_str("SELECT count(*) FROM bare;\n");
    let script_path = dir.path().join("import.sql");
    std::fs::write(&script_path, script)?;
    let t = Instant::now();
    let out = Command::new("sqlite3")
        .arg(dir.path().join("bare.db"))
        .arg(format!(".read {}", script_path.display()))
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let secs = t.elapsed().as_secs_f64();
            let n: usize = String::from_utf8_lossy(&o.stdout)
                .trim()
                .parse()
                .unwrap_or(0);
            println!("   sqlite3 {}", rate(n, secs));
        }
        Ok(o) => println!("   sqlite3 failed: {}", String::from_utf8_lossy(&o.stderr)),
        Err(e) => println!("   sqlite3 not available ({e}); install it to see the ceiling"),
    }

    println!(
        "== metrics for {metric_patients} patients × 365 days (28-day periods, label-4h, plus ICHD-3 classification)"
    );
    let year_start = today - Duration::days(365);
    let diaries: Vec<Diary> = (0..metric_patients)
        .map(|i| {
            synthetic_days(i as u64 + 1_000_000, i, year_start, 365)
                .and_then(|d| Ok(Diary::new(d)?))
        })
        .collect::<Result<_>>()?;
    let range = DateRange::new(year_start, year_start + Duration::days(364)).context("range")?;
    let t = Instant::now();
    let mut checksum = 0u64;
    for d in &diaries {
        let m = compute_metrics(d, true, range, PeriodKind::Days28, DayPreset::Label4h);
        checksum += m
            .periods
            .iter()
            .map(|p| u64::from(p.headache_days))
            .sum::<u64>();
        let c = classify(d, true, today);
        checksum += c.chronic_migraine.months.len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "   in memory: {metric_patients} patients in {secs:.2} s = {:.0} patients/s, {} (checksum {checksum})",
        metric_patients as f64 / secs,
        rate(metric_patients * 365, secs)
    );

    let store = Store::connect(dir.path().join("metrics.db").to_str().context("path")?).await?;
    let t = Instant::now();
    let mut ids = Vec::new();
    for (i, d) in diaries.iter().enumerate() {
        let id = store.add_patient(&patient(i, today)?).await?.id;
        let days: Vec<_> = d.days().cloned().collect();
        store.import_days(id, &days, None, &mut |_| {}).await?;
        ids.push(id);
    }
    let load_secs = t.elapsed().as_secs_f64();
    println!(
        "   (stored {} diary days in {load_secs:.1} s: {})",
        metric_patients * 365,
        rate(metric_patients * 365, load_secs)
    );
    let t = Instant::now();
    for id in &ids {
        let r = store.patient(*id).await?;
        let d = store.diary(*id).await?;
        let m = compute_metrics(
            &d,
            r.patient.has_migraine_diagnosis(),
            range,
            PeriodKind::Days28,
            DayPreset::Label4h,
        );
        checksum += m.periods.len() as u64;
        checksum += classify(&d, r.patient.has_migraine_diagnosis(), today)
            .chronic_migraine
            .months
            .len() as u64;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "   from SQLite, patient by patient: {metric_patients} patients in {secs:.2} s = {:.0} patients/s, {} (checksum {checksum})",
        metric_patients as f64 / secs,
        rate(metric_patients * 365, secs)
    );
    // The whole clinic in one streaming pass: reading alone, then reading and computing.
    let t = Instant::now();
    let mut patients = 0usize;
    let days = store.each_diary(None, |_, _| patients += 1).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "   from SQLite, one streaming pass (read only): {patients} patients, {}",
        rate(usize::try_from(days)?, secs)
    );
    let t = Instant::now();
    let mut streamed = 0u64;
    let days = store
        .each_diary(None, |_, d| {
            let m = compute_metrics(&d, true, range, PeriodKind::Days28, DayPreset::Label4h);
            streamed += m.periods.len() as u64;
            streamed += classify(&d, true, today).chronic_migraine.months.len() as u64;
        })
        .await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "   from SQLite, one streaming pass with metrics and classification: {:.0} patients/s, {} (checksum {streamed})",
        metric_patients as f64 / secs,
        rate(usize::try_from(days)?, secs)
    );
    store.close().await;
    Ok(())
}
