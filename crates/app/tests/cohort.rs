//! The cohort report through a real SQLite store: its per-patient figures are the figures of
//! each patient's response page, and bad filters are refused naming the filter.

use chrono::{Duration, NaiveDate};

use cephalog_app::cohort::{CohortFilter, cohort_report};
use cephalog_app::treatment::{
    PlanChoice, SessionSpec, build_session, record_session, session_pathway,
};
use cephalog_app::{AppError, response};
use cephalog_core::cohort::ExclusionReason;
use cephalog_core::prom::Instrument;
use cephalog_core::rules::RuleSet;
use cephalog_core::session::{CheckPolicy, Override, Product, VialSize};
use cephalog_core::{Diagnosis, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex};
use cephalog_store::{PatientRecord, Store};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const TODAY: &str = "2026-11-01";
const RULES: &str = "nice-ta260";

/// Headache on `before` days a month (migraine on the first 12 of them) until 2026-05-01, then
/// on `after` days a month.
fn diary(before: u32, after: u32) -> Vec<DiaryDay> {
    let mut days = Vec::new();
    let mut date = d("2026-01-01");
    while date < d(TODAY) {
        let day: u32 = date.format("%d").to_string().parse().expect("day");
        let limit = if date >= d("2026-05-01") {
            after
        } else {
            before
        };
        let headache = day <= limit;
        let migraine = headache && day <= 12;
        let draft = if headache {
            DiaryDraft {
                headache_minutes: Minutes::new(300).expect("minutes"),
                peak_intensity: if migraine {
                    Intensity::Severe
                } else {
                    Intensity::Mild
                },
                features: if migraine {
                    Features {
                        unilateral: true,
                        pulsating: true,
                        nausea: true,
                        photophobia: true,
                        phonophobia: true,
                        ..Default::default()
                    }
                } else {
                    Features::default()
                },
                ..Default::default()
            }
        } else {
            DiaryDraft::default()
        };
        days.push(DiaryDay::record(date, draft, d(TODAY)).expect("day"));
        date += Duration::days(1);
    }
    days
}

async fn add(store: &Store, mrn: &str, sex: Sex, born: &str) -> PatientRecord {
    let mut p = Patient::new(
        "Cohort Example",
        d(born),
        Some(sex),
        Some(mrn.into()),
        String::new(),
        d(TODAY),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: "1.3".parse().expect("code"),
        onset: Some(d("2018-01-01")),
    })
    .expect("diagnosis");
    store.add_patient(&p).await.expect("add")
}

async fn session(store: &Store, rules: &[RuleSet], r: &PatientRecord, date: &str) {
    let (_, session) = build_session(
        SessionSpec {
            date: d(date),
            plan: PlanChoice::Preempt,
            skipped: vec![],
            added: vec![],
            product: Product::OnabotulinumtoxinA,
            vial_size: VialSize::U200,
            vials: 1,
            lot: "C4021AB".into(),
            expiry: d("2027-03-31"),
            diluent: None,
            injector: "Dr Example".into(),
            prescriber: None,
            notes: String::new(),
        },
        d(TODAY),
    )
    .expect("session");
    let pathway = session_pathway(store, rules, r, d(date))
        .await
        .expect("pathway");
    let check = store
        .check_session(r.id, &session, Some(&pathway), &[], &CheckPolicy::default())
        .await
        .expect("check");
    let overrides: Vec<Override> = check
        .refusals
        .iter()
        .map(|f| Override::new(f.check(), "reviewed in clinic", "Dr Example").expect("o"))
        .collect();
    let done = record_session(
        store,
        rules,
        r,
        &session,
        &overrides,
        &CheckPolicy::default(),
        false,
    )
    .await
    .expect("record");
    assert!(done.id.is_some(), "session of {date} recorded");
}

/// Three patients: one whose headache days fall from 20 to 8 a month after the first session,
/// one who stays at 20, and one never treated.
async fn seeded(dir: &std::path::Path) -> (Store, Vec<PatientRecord>) {
    let url = dir.join("cohort.db");
    seeded_at(url.to_str().expect("utf-8")).await
}

async fn seeded_at(url: &str) -> (Store, Vec<PatientRecord>) {
    let store = Store::connect(url).await.expect("store");
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let fewer = add(&store, "C1", Sex::Female, "1980-05-05").await;
    let same = add(&store, "C2", Sex::Female, "1970-02-02").await;
    let never = add(&store, "C3", Sex::Male, "1990-03-03").await;
    for (r, after) in [(&fewer, 8), (&same, 20), (&never, 20)] {
        store
            .import_days(r.id, &diary(20, after), None, &mut |_| {})
            .await
            .expect("diary");
    }
    for (date, answers) in [
        ("2026-04-20", ["10", "5", "3", "2", "1"]),
        ("2026-07-20", ["2", "1", "0", "1", "0"]),
    ] {
        store
            .add_prom(
                fewer.id,
                d(date),
                Instrument::Midas,
                &answers.map(String::from),
                d(TODAY),
            )
            .await
            .expect("midas");
    }
    for r in [&fewer, &same] {
        for date in ["2026-05-01", "2026-07-24"] {
            session(&store, &rules, r, date).await;
        }
    }
    (store, vec![fewer, same, never])
}

fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cephalog-app-{name}-{}", uuid::Uuid::now_v7()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

#[tokio::test]
async fn the_cohort_gives_each_patients_response_page_figures() {
    let dir = scratch("cohort");
    let (store, patients) = seeded(&dir).await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let set = cephalog_app::find_rule_set(&rules, RULES).expect("set");
    let r = cohort_report(&store, &rules, &CohortFilter::new(RULES), d(TODAY))
        .await
        .expect("report");
    assert_eq!(r.patients.considered, 3);
    assert_eq!(r.patients.selected, 2);
    assert_eq!(r.patients.excluded[0].reason, ExclusionReason::NoSession);
    // Each cycle's mean change and ≥30 % count are those of the two response pages.
    let mut pages = Vec::new();
    for p in &patients[..2] {
        pages.push(
            response(&store, set, p, d(TODAY), None)
                .await
                .expect("response")
                .expect("treated"),
        );
    }
    assert_eq!(r.cycles.len(), 2);
    for (i, c) in r.cycles.iter().enumerate() {
        let changes: Vec<f64> = pages
            .iter()
            .filter_map(|v| v.report.cycles[i].headache_days.absolute)
            .collect();
        assert_eq!(c.adequate_diary, changes.len() as u64, "cycle {}", i + 1);
        let mean = changes.iter().sum::<f64>() / changes.len() as f64;
        let cohort = c.headache_days_change.expect("mean").mean;
        assert!(
            (cohort - mean).abs() < 1e-9,
            "cycle {}: {cohort} vs {mean}",
            i + 1
        );
        let met = pages
            .iter()
            .filter(|v| v.report.cycles[i].responder_30 == Some(true))
            .count() as u64;
        assert_eq!(
            c.met_30_percent_reduction.expect("share").successes,
            met,
            "cycle {}",
            i + 1
        );
    }
    // The patient whose headache days fell met the ≥30 % reduction, the other did not.
    assert_eq!(
        r.cycles[0]
            .met_30_percent_reduction
            .expect("share")
            .successes,
        1
    );
    // MIDAS: one patient with a baseline and a cycle-1 answer.
    assert_eq!(r.cycles[0].questionnaires[0].change.expect("mean").n, 1);
    // Sessions: 4 of PREEMPT, 155 U at 31 sites; intervals of 84 days.
    assert_eq!(r.sessions.sessions, 4);
    assert_eq!(r.sessions.units.expect("units").mean, 155.0);
    assert_eq!(r.sessions.sites.expect("sites").mean, 31.0);
    assert_eq!(r.sessions.interval_days.expect("intervals").median, 84.0);
    // The continuation decisions of every shipped rule set with such rules are tallied.
    assert!(r.decisions.iter().any(|s| s.rule_set == RULES));
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn bad_filters_are_refused_naming_the_filter_and_no_match_is_an_empty_report() {
    let dir = scratch("filters");
    let (store, _) = seeded(&dir).await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let refused = |e: AppError| match e {
        AppError::Filter { filter, .. } => filter,
        other => panic!("not a filter refusal: {other}"),
    };
    let mut f = CohortFilter::new(RULES);
    f.age = Some((60, 40));
    let e = cohort_report(&store, &rules, &f, d(TODAY))
        .await
        .expect_err("reversed age");
    assert!(e.to_string().contains("--age"), "{e}");
    assert_eq!(refused(e), "age");
    let mut f = CohortFilter::new(RULES);
    f.first_session = Some((d("2026-12-01"), d("2026-01-01")));
    let e = cohort_report(&store, &rules, &f, d(TODAY)).await;
    assert_eq!(refused(e.expect_err("reversed")), "first-session");
    let e = cohort_report(
        &store,
        &rules,
        &CohortFilter::new("no-such-rules"),
        d(TODAY),
    )
    .await;
    assert_eq!(refused(e.expect_err("unknown rules")), "rules");
    let mut f = CohortFilter::new(RULES);
    f.clinic = Some(uuid::Uuid::now_v7());
    let e = cohort_report(&store, &rules, &f, d(TODAY)).await;
    assert_eq!(refused(e.expect_err("unknown clinic")), "clinic");
    // Nobody treated is male: a report with no patients, and the words to say so.
    let mut f = CohortFilter::new(RULES);
    f.sex = Some(Sex::Male);
    let r = cohort_report(&store, &rules, &f, d(TODAY))
        .await
        .expect("empty report");
    assert_eq!(r.patients.selected, 0);
    assert_eq!(f.describe(None), "rules nice-ta260, sex male");
    store.close().await;
    let _ = std::fs::remove_dir_all(dir);
}

/// A scratch PostgreSQL schema's URL, or `None` (with a note) when no server is configured.
async fn postgres_scratch(test: &str) -> Option<(String, String, String)> {
    let Ok(base) = std::env::var("CEPHALOG_TEST_POSTGRES_URL") else {
        assert!(
            std::env::var("CEPHALOG_REQUIRE_POSTGRES").is_err(),
            "CEPHALOG_REQUIRE_POSTGRES is set but CEPHALOG_TEST_POSTGRES_URL is not"
        );
        let _ = std::io::Write::write_all(
            &mut std::io::stderr().lock(),
            format!("SKIPPED (PostgreSQL): {test} — set CEPHALOG_TEST_POSTGRES_URL to run it\n")
                .as_bytes(),
        );
        return None;
    };
    let schema = format!("cephalog_app_{}", uuid::Uuid::now_v7().simple());
    let admin = sqlx::PgPool::connect(&base).await.expect("PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
        .execute(&admin)
        .await
        .expect("schema");
    admin.close().await;
    let sep = if base.contains('?') { '&' } else { '?' };
    let url = format!("{base}{sep}options=-c%20search_path%3D{schema}");
    Some((base, schema, url))
}

#[tokio::test]
async fn the_cohort_report_on_postgresql_is_the_report_on_sqlite_figure_for_figure() {
    let Some((base, schema, url)) =
        postgres_scratch("the_cohort_report_on_postgresql_is_the_report_on_sqlite").await
    else {
        return;
    };
    let dir = scratch("cohort-engines");
    let (sqlite, _) = seeded(&dir).await;
    let (postgres, _) = seeded_at(&url).await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let mut reports = Vec::new();
    for store in [&sqlite, &postgres] {
        let r = cohort_report(store, &rules, &CohortFilter::new(RULES), d(TODAY))
            .await
            .expect("report");
        reports.push(serde_json::to_value(&r).expect("json"));
    }
    assert_eq!(reports[0]["patients"]["selected"], 2);
    assert!(
        reports[0]["cycles"]
            .as_array()
            .is_some_and(|c| c.len() >= 2)
    );
    assert_eq!(
        reports[0], reports[1],
        "every figure, interval and count the same on both engines"
    );
    postgres.close().await;
    let admin = sqlx::PgPool::connect(&base).await.expect("PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP SCHEMA {schema} CASCADE")))
        .execute(&admin)
        .await
        .expect("drop schema");
    let _ = std::fs::remove_dir_all(dir);
}
