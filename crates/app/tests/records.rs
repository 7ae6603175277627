//! The records the edges reach only through the app: patients kept per clinic, diary days written
//! all or nothing, replaced only with who and why, read by date and kept when replaced or entered
//! in error.

use chrono::{Duration, NaiveDate};

use cephalog_app::{diary, patients};
use cephalog_core::{DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex};
use cephalog_store::{Change, Store};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn patient(name: &str, mrn: &str) -> Patient {
    Patient::new(
        name,
        d("1980-03-01"),
        Some(Sex::Female),
        Some(mrn.to_owned()),
        String::new(),
        d("2026-11-01"),
    )
    .expect("patient")
}

fn headache(date: NaiveDate, minutes: i64) -> DiaryDay {
    DiaryDay::restore(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).expect("minutes"),
            peak_intensity: Intensity::Moderate,
            features: Features {
                unilateral: true,
                ..Features::default()
            },
            medications: Vec::new(),
            paroxysms: 0,
            notes: String::new(),
        },
    )
    .expect("day")
}

#[tokio::test]
async fn patients_are_listed_per_clinic_and_found_by_record_number() {
    let store = Store::connect("sqlite::memory:").await.expect("store");
    let north = patients::clinic(&store, "North").await.expect("clinic");
    let south = patients::clinic(&store, "South").await.expect("clinic");
    assert_eq!(
        patients::clinic(&store, "North").await.expect("again"),
        north
    );
    let a = patients::add(&store, north, &patient("Ann North", "N-1"))
        .await
        .expect("add");
    patients::add(&store, south, &patient("Sam South", "S-1"))
        .await
        .expect("add");
    let refused = patients::add(&store, north, &patient("Someone", "N-1")).await;
    assert!(refused.is_err(), "a clinic uses a record number once");
    let names = |list: Vec<cephalog_store::PatientRecord>| {
        list.iter()
            .map(|r| r.patient.name().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(patients::list(&store, Some(north)).await.expect("north")),
        ["Ann North"]
    );
    assert_eq!(patients::list(&store, None).await.expect("all").len(), 2);
    assert_eq!(patients::count(&store).await.expect("count"), 2);
    assert_eq!(
        patients::find(&store, "N-1").await.expect("by mrn").id,
        a.id
    );
    assert_eq!(
        patients::get(&store, a.id)
            .await
            .expect("by id")
            .patient
            .name(),
        "Ann North"
    );
}

#[tokio::test]
async fn diary_days_are_replaced_only_with_a_reason_and_kept() {
    let store = Store::connect("sqlite::memory:").await.expect("store");
    let clinic = patients::clinic(&store, "North").await.expect("clinic");
    let p = patients::add(&store, clinic, &patient("Ann North", "N-1"))
        .await
        .expect("add")
        .id;
    let first = d("2026-10-01");
    let week: Vec<DiaryDay> = (0..7)
        .map(|i| headache(first + Duration::days(i), 60 * (i + 1)))
        .collect();
    let written = diary::record(&store, p, &week, None, &mut |_| {})
        .await
        .expect("record");
    assert_eq!((written.inserted, written.replaced), (7, 0));

    // A day already recorded refuses the whole write without a reason, and nothing changes.
    let again = vec![
        headache(d("2026-10-08"), 30),
        headache(d("2026-10-02"), 600),
    ];
    assert!(
        diary::record(&store, p, &again, None, &mut |_| {})
            .await
            .is_err()
    );
    assert_eq!(
        diary::day(&store, p, d("2026-10-08")).await.expect("read"),
        None
    );

    let change = Change {
        by: "clinician:ward".to_owned(),
        reason: "patient corrected the duration".to_owned(),
    };
    let replaced = diary::record(&store, p, &again, Some(&change), &mut |_| {})
        .await
        .expect("replace");
    assert_eq!((replaced.inserted, replaced.replaced), (1, 1));
    let day = diary::day(&store, p, d("2026-10-02"))
        .await
        .expect("read")
        .expect("recorded");
    assert_eq!(day.headache_minutes(), 600);
    let history = diary::day_history(&store, p, d("2026-10-02"))
        .await
        .expect("history");
    assert!(!history.is_empty(), "the replaced version is kept");

    let between = diary::between(&store, p, d("2026-10-03"), d("2026-10-05"))
        .await
        .expect("between");
    let dates: Vec<NaiveDate> = between.days().map(DiaryDay::date).collect();
    assert_eq!(dates, [d("2026-10-03"), d("2026-10-04"), d("2026-10-05")]);

    diary::enter_day_in_error(&store, p, d("2026-10-03"), &change)
        .await
        .expect("in error");
    assert_eq!(
        diary::day(&store, p, d("2026-10-03")).await.expect("read"),
        None
    );
    assert_eq!(diary::diary(&store, p).await.expect("diary").len(), 7);
}
