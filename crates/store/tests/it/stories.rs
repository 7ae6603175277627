use chrono::{Duration, NaiveDate};

use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, DrugClass, DrugDictionary, Features, Intensity,
    MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_store::{
    Change, Engine, ImportSummary, Pool, RecordKind, Store, StoreError, TokenScope, VersionAction,
};

use crate::story;

/// "Today" for the stories' new records: after every date they use.
fn today() -> NaiveDate {
    d("2026-11-01")
}

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn patient(name: &str, mrn: Option<&str>) -> Patient {
    let mut p = Patient::new(
        name,
        d("1985-06-15"),
        Some(Sex::Female),
        mrn.map(str::to_owned),
        "notes".into(),
        d("2026-11-01"),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: Some(d("2019-01-01")),
    })
    .expect("dx");
    p
}

fn days(from: &str, n: i64) -> Vec<DiaryDay> {
    let dict = DrugDictionary::builtin();
    (0..n)
        .map(|i| {
            let date = d(from) + Duration::days(i);
            if i % 3 == 0 {
                DiaryDay::headache_free(date)
            } else {
                let draft = DiaryDraft {
                    date: Some(date),
                    headache_minutes: Minutes::new(30 + 60 * i % 1400).expect("m"),
                    peak_intensity: Intensity::Severe,
                    features: Features {
                        unilateral: true,
                        nausea: i % 2 == 0,
                        aura: true,
                        ..Default::default()
                    },
                    medications: MedicationIntake::parse_list(
                        "sumatriptan 50 mg; co-codamol 30/500",
                        &dict,
                    )
                    .expect("meds"),
                    paroxysms: u32::try_from(i % 4).expect("small"),
                    notes: format!("day {i}, with \"quotes\""),
                };
                DiaryDay::restore(date, draft).expect("valid")
            }
        })
        .collect()
}

story!(
    migrations_apply_the_same_versions,
    |store: Store| async move {
        let versions = store.applied_migrations().await.expect("versions");
        // Every file of both engines' migration folders, numbered 1, 2, 3… without a gap.
        let dir = |engine: &str| -> Vec<i64> {
            let mut v: Vec<i64> = std::fs::read_dir(
                std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                    .join("migrations")
                    .join(engine),
            )
            .expect("migrations folder")
            .map(|e| {
                let name = e.expect("entry").file_name().to_string_lossy().into_owned();
                name[..4].parse().expect("NNNN_name.sql")
            })
            .collect();
            v.sort_unstable();
            v
        };
        assert_eq!(dir("sqlite"), dir("postgres"));
        let expected: Vec<i64> = (1..=i64::try_from(dir("sqlite").len()).expect("few")).collect();
        assert_eq!(dir("sqlite"), expected, "no gaps in the numbering");
        assert_eq!(versions, expected);
        // Applying again is a no-op.
        store.migrate().await.expect("idempotent");
        assert!(matches!(store.engine(), Engine::Sqlite | Engine::Postgres));
    }
);

story!(
    patients_are_stored_found_and_listed,
    |store: Store| async move {
        let a = store
            .add_patient(&patient("Alice Example", Some("MRN-1")))
            .await
            .expect("add");
        let b = store
            .add_patient(&patient("Bob Example", None))
            .await
            .expect("add");
        assert_eq!(store.patient(a.id).await.expect("get").patient, a.patient);
        assert_eq!(store.find_patient("MRN-1").await.expect("by mrn").id, a.id);
        assert_eq!(
            store
                .find_patient(&b.id.to_string())
                .await
                .expect("by id")
                .id,
            b.id
        );
        assert!(matches!(
            store.find_patient("nobody").await,
            Err(StoreError::PatientNotFound(_))
        ));
        let all = store.patients().await.expect("list");
        assert_eq!(
            all.iter().map(|r| r.patient.name()).collect::<Vec<_>>(),
            vec!["Alice Example", "Bob Example"]
        );
        assert_eq!(all[0].patient.diagnoses().len(), 1);
        assert_eq!(store.patient_count().await.expect("count"), 2);
        let dup = store
            .add_patient(&patient("Alice Again", Some("MRN-1")))
            .await;
        assert!(matches!(dup, Err(StoreError::DuplicateMrn(m)) if m == "MRN-1"));
        assert_eq!(
            store.patient_count().await.expect("count"),
            2,
            "a refused patient leaves nothing behind"
        );
    }
);

story!(diagnoses_are_added_once, |store: Store| async move {
    let a = store
        .add_patient(&patient("Alice", None))
        .await
        .expect("add");
    store
        .add_diagnosis(
            a.id,
            &Diagnosis {
                code: DiagnosisCode::MedicationOveruse,
                onset: None,
            },
        )
        .await
        .expect("new diagnosis");
    let again = store
        .add_diagnosis(
            a.id,
            &Diagnosis {
                code: DiagnosisCode::MedicationOveruse,
                onset: None,
            },
        )
        .await;
    assert!(matches!(again, Err(StoreError::Patient(_))));
    let got = store.patient(a.id).await.expect("get");
    assert_eq!(got.patient.diagnoses().len(), 2);
});

story!(diary_days_round_trip_exactly, |store: Store| async move {
    let a = store
        .add_patient(&patient("Alice", None))
        .await
        .expect("add");
    let written = days("2026-01-01", 2500);
    let mut seen = Vec::new();
    let summary = store
        .import_days(a.id, &written, None, &mut |n| seen.push(n))
        .await
        .expect("import");
    assert_eq!(
        summary,
        ImportSummary {
            inserted: 2500,
            replaced: 0
        }
    );
    assert_eq!(seen, vec![1000, 2000, 2500]);
    let back = store.diary(a.id).await.expect("diary");
    assert_eq!(back.days().cloned().collect::<Vec<_>>(), written);
    let part = store
        .diary_between(a.id, d("2026-01-10"), d("2026-01-19"))
        .await
        .expect("range");
    assert_eq!(part.len(), 10);
});

story!(
    clashing_dates_fail_whole_unless_replaced,
    |store: Store| async move {
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        store
            .import_days(a.id, &days("2026-01-01", 10), None, &mut |_| {})
            .await
            .expect("first");
        let overlapping = days("2026-01-08", 10);
        let err = store
            .import_days(a.id, &overlapping, None, &mut |_| {})
            .await
            .expect_err("clash");
        match err {
            StoreError::DatesAlreadyStored { dates, total } => {
                assert_eq!(total, 3);
                assert_eq!(dates, vec!["2026-01-08", "2026-01-09", "2026-01-10"]);
            }
            other => panic!("unexpected {other}"),
        }
        assert_eq!(
            store.diary(a.id).await.expect("diary").len(),
            10,
            "nothing of the refused import is stored"
        );
        let mut replacement = overlapping.clone();
        replacement[0] = DiaryDay::headache_free(d("2026-01-08"));
        let s = store
            .import_days(
                a.id,
                &replacement,
                Some(&Change::new("clinician:dr.lee", "paper diary re-read").expect("change")),
                &mut |_| {},
            )
            .await
            .expect("replace");
        assert_eq!(
            s,
            ImportSummary {
                inserted: 7,
                replaced: 3
            }
        );
        let diary = store.diary(a.id).await.expect("diary");
        assert_eq!(diary.len(), 17);
        assert_eq!(diary.get(d("2026-01-08")), Some(&replacement[0]));
        assert!(
            diary
                .get(d("2026-01-08"))
                .is_some_and(|day| day.medications().is_empty()),
            "replaced medicines are gone"
        );
    }
);

story!(
    importing_for_an_unknown_patient_fails,
    |store: Store| async move {
        let err = store
            .import_days(
                uuid::Uuid::now_v7(),
                &days("2026-01-01", 3),
                None,
                &mut |_| {},
            )
            .await;
        assert!(matches!(err, Err(StoreError::PatientNotFound(_))));
    }
);

story!(
    clinic_medicines_extend_the_dictionary,
    |store: Store| async move {
        assert!(
            store
                .drug_dictionary()
                .await
                .expect("dict")
                .lookup("Migraleve")
                .is_err()
        );
        store
            .add_clinic_drug("Migraleve", DrugClass::Combination)
            .await
            .expect("add");
        let dict = store.drug_dictionary().await.expect("dict");
        assert_eq!(
            dict.lookup("migraleve").expect("known").class,
            DrugClass::Combination
        );
        assert!(
            store
                .add_clinic_drug("ibuprofen", DrugClass::Opioid)
                .await
                .is_err()
        );
    }
);

story!(preventive_ledger_round_trips, |store: Store| async move {
    use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
    let a = store
        .add_patient(&patient("Alice", None))
        .await
        .expect("add");
    let t = PreventiveTrial::new(PreventiveDraft {
        drug: "topiramate".into(),
        start: Some(d("2024-01-01")),
        stop: Some(d("2024-03-31")),
        dose: Some("50 mg bd".into()),
        outcome: Some(PreventiveOutcome::NotTolerated),
        reason: "paraesthesia, word-finding difficulty".into(),
        ..Default::default()
    })
    .expect("trial");
    let c = PreventiveTrial::new(PreventiveDraft {
        drug: "amitriptyline".into(),
        outcome: Some(PreventiveOutcome::ContraindicatedOrUnsuitable),
        reason: "cardiac conduction disease".into(),
        ..Default::default()
    })
    .expect("trial");
    store.add_preventive(a.id, &t, today()).await.expect("add");
    store.add_preventive(a.id, &c, today()).await.expect("add");
    let back: Vec<_> = store
        .preventives(a.id)
        .await
        .expect("list")
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    assert_eq!(back.len(), 2);
    assert!(back.contains(&t) && back.contains(&c));
    assert!(
        store
            .add_preventive(uuid::Uuid::now_v7(), &t, today())
            .await
            .is_err()
    );
});

story!(
    questionnaires_are_scored_and_kept,
    |store: Store| async move {
        use cephalog_core::prom::Instrument;
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let midas: Vec<String> = ["10", "5", "3", "2", "1"].map(String::from).to_vec();
        let (_, r) = store
            .add_prom(a.id, d("2026-01-10"), Instrument::Midas, &midas, today())
            .await
            .expect("midas");
        assert_eq!(r.total(), 21);
        let hit: Vec<String> = [
            "always",
            "very often",
            "sometimes",
            "rarely",
            "never",
            "always",
        ]
        .map(String::from)
        .to_vec();
        store
            .add_prom(a.id, d("2026-01-11"), Instrument::Hit6, &hit, today())
            .await
            .expect("hit6");
        let bad: Vec<String> = ["always"; 5].map(String::from).to_vec();
        assert!(
            store
                .add_prom(a.id, d("2026-01-12"), Instrument::Hit6, &bad, today())
                .await
                .is_err()
        );
        let all = store.proms(a.id).await.expect("list");
        assert_eq!(
            all.iter()
                .map(|(_, e)| e.result.total())
                .collect::<Vec<_>>(),
            vec![21, 61]
        );
    }
);

story!(
    overuse_attestations_apply_from_their_date,
    |store: Store| async move {
        use cephalog_core::eligibility::Attestation;
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let att = Attestation {
            by: "Dr Example".into(),
            on: d("2026-03-01"),
            note: "withdrawal done".into(),
        };
        store
            .add_overuse_attestation(a.id, &att, today())
            .await
            .expect("add");
        assert_eq!(
            store
                .overuse_attestation(a.id, d("2026-02-28"))
                .await
                .expect("get"),
            None
        );
        assert_eq!(
            store
                .overuse_attestation(a.id, d("2026-03-01"))
                .await
                .expect("get"),
            Some(att)
        );
    }
);

fn preempt_session(date: &str) -> cephalog_core::session::Session {
    use cephalog_core::protocol::{Plan, Volume};
    use cephalog_core::session::{Indication, Product, Session, SessionDraft, SiteDose, VialSize};
    Session::restore(SessionDraft {
        date: d(date),
        indication: Indication::ChronicMigraine,
        product: Product::OnabotulinumtoxinA,
        vial_size: VialSize::U200,
        vials: 1,
        lot: "C1234AB".into(),
        expiry: d("2030-01-01"),
        diluent: Volume::from_microlitres(4000),
        sites: SiteDose::from_plan(&Plan::preempt()),
        injector: "Dr Example".into(),
        prescriber: None,
        notes: String::new(),
    })
    .expect("session")
}

story!(
    sessions_are_checked_stored_and_read_back,
    |store: Store| async move {
        use cephalog_core::session::{
            Check, CheckPolicy, Indication, Override, Product, ToxinDose,
        };
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let policy = CheckPolicy::default();
        let first = preempt_session("2026-01-05");
        let (id, check) = store
            .record_session(a.id, &first, None, &[], &policy)
            .await
            .expect("first session");
        assert!(check.refusals.is_empty());
        let back = store.sessions(a.id).await.expect("list");
        assert_eq!(back.len(), 1);
        assert_eq!((back[0].id, &back[0].session), (id, &first));
        assert_eq!(back[0].session.waste().discarded, 45);
        assert_eq!(store.session_patient(id).await.expect("owner"), a.id);
        // 83 days later: refused, nothing stored.
        let early = preempt_session("2026-03-29");
        let err = store
            .record_session(a.id, &early, None, &[], &policy)
            .await
            .expect_err("too early");
        assert!(matches!(err, StoreError::SessionRefused(_)), "{err}");
        assert_eq!(store.sessions(a.id).await.expect("list").len(), 1);
        // With a recorded reason it goes ahead, and the override is kept.
        let o = Override::new(
            Check::RetreatmentInterval,
            "travelling abroad for 4 months",
            "Dr Example",
        )
        .expect("override");
        store
            .record_session(a.id, &early, None, &[o], &policy)
            .await
            .expect("overridden");
        let back = store.sessions(a.id).await.expect("list");
        assert_eq!(back[1].overrides.len(), 1);
        assert_eq!(back[1].overrides[0].check, "retreatment_interval");
        assert_eq!(
            back[1].overrides[0].reason,
            "travelling abroad for 4 months"
        );
        // Doses given elsewhere count toward the history.
        let dystonia = ToxinDose::new(
            d("2026-06-01"),
            Product::OnabotulinumtoxinA,
            300,
            Indication::other("cervical dystonia").expect("indication"),
        )
        .expect("dose");
        store
            .add_other_toxin_dose(a.id, &dystonia, today())
            .await
            .expect("dose");
        assert_eq!(store.toxin_history(a.id).await.expect("history").len(), 3);
        let late = preempt_session("2026-08-30");
        let check = store
            .check_session(a.id, &late, None, &[], &policy)
            .await
            .expect("check");
        assert!(
            check
                .refusals
                .iter()
                .any(|f| f.check() == Check::CumulativeUnits),
            "{:?}",
            check.refusals
        );
        assert_eq!(
            store.last_headache_sessions().await.expect("last"),
            vec![(a.id, d("2026-03-29"))]
        );
        assert_eq!(
            store.last_headache_session(a.id).await.expect("last"),
            Some(d("2026-03-29"))
        );
        assert_eq!(
            store
                .last_headache_session(uuid::Uuid::now_v7())
                .await
                .expect("last"),
            None
        );
    }
);

story!(nerve_blocks_and_their_relief, |store: Store| async move {
    use cephalog_core::protocol::{Laterality, NerveBlockPlan};
    use cephalog_core::session::NerveBlock;
    let a = store
        .add_patient(&patient("Alice", None))
        .await
        .expect("add");
    let block = NerveBlock::record(
        d("2026-02-01"),
        NerveBlockPlan::typical_gon(Laterality::Bilateral),
        "Dr Example",
        String::new(),
        d("2026-02-01"),
    )
    .expect("block");
    let id = store
        .record_nerve_block(a.id, &block)
        .await
        .expect("record");
    assert_eq!(
        store.nerve_blocks(a.id).await.expect("list"),
        vec![(id, block.clone())]
    );
    assert!(
        store
            .record_block_relief(a.id, id, 101, 60, d("2026-02-02"))
            .await
            .is_err()
    );
    assert!(
        store
            .record_block_relief(a.id, id, 80, 60, d("2026-01-31"))
            .await
            .is_err(),
        "relief before the block"
    );
    let b = store
        .record_block_relief(a.id, id, 80, 4 * 60, d("2026-02-02"))
        .await
        .expect("relief");
    let back = store.nerve_blocks(a.id).await.expect("list");
    assert_eq!(back[0].1, b);
    assert_eq!(back[0].1.relief().map(|r| r.percent()), Some(80));
    assert_eq!(b.billing().lines.len(), 2, "64405 once per side");
});

story!(
    adverse_events_are_stored_valid_or_not,
    |store: Store| async move {
        use cephalog_core::safety::{
            ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
            ReporterQualification, SeriousOutcome, SuspectProductDraft,
        };
        let a = store
            .add_patient(&patient("Alice", Some("M1")))
            .await
            .expect("add");
        let complete = AdverseEvent::try_from(AdverseEventDraft {
            reported_term: "dysphagia".into(),
            meddra_code: Some("10013950".into()),
            onset: d("2026-02-10"),
            resolution: Some(d("2026-03-01")),
            ctcae_grade: 3,
            seriousness: vec![SeriousOutcome::Hospitalization],
            action_taken: ActionTaken::NotApplicable,
            outcome: EventOutcome::Recovered,
            causality: Causality::PossiblyRelated,
            reporter: ReporterDraft {
                given_name: Some("Ana".into()),
                family_name: Some("Ruiz".into()),
                qualification: Some(ReporterQualification::Physician),
                country: Some("GB".into()),
                email: None,
            },
            awareness_date: d("2026-02-12"),
            narrative: "Difficulty swallowing solids from day 4 after the session.".into(),
            suspect_products: vec![SuspectProductDraft {
                product_name: "onabotulinumtoxinA (Botox)".into(),
                lot_number: Some("C4021AB".into()),
                dose_units: Some(155.0),
                session_date: d("2026-02-06"),
            }],
        })
        .expect("event");
        let incomplete = AdverseEvent::try_from(AdverseEventDraft {
            reported_term: "neck pain".into(),
            meddra_code: None,
            onset: d("2026-02-08"),
            resolution: None,
            ctcae_grade: 1,
            seriousness: vec![],
            action_taken: ActionTaken::DoseNotChanged,
            outcome: EventOutcome::Recovering,
            causality: Causality::Related,
            reporter: ReporterDraft::default(),
            awareness_date: d("2026-02-09"),
            narrative: String::new(),
            suspect_products: vec![],
        })
        .expect("event");
        let id = store.add_adverse_event(a.id, &complete).await.expect("add");
        store
            .add_adverse_event(a.id, &incomplete)
            .await
            .expect("an incomplete case is stored too");
        let all = store.adverse_events(Some(a.id)).await.expect("list");
        assert_eq!(all.len(), 2);
        assert_eq!(all[1].event, complete, "ordered by onset");
        assert_eq!(all[0].event, incomplete);
        store
            .mark_adverse_event_submitted(id, d("2026-02-20"))
            .await
            .expect("submitted");
        assert_eq!(
            store.adverse_event(id).await.expect("get").submitted_on,
            Some(d("2026-02-20"))
        );
        assert_eq!(store.adverse_events(None).await.expect("clinic").len(), 2);
        assert!(
            store
                .mark_adverse_event_submitted(uuid::Uuid::now_v7(), d("2026-02-20"))
                .await
                .is_err()
        );
    }
);

story!(
    sessions_recorded_at_once_are_checked_one_after_the_other,
    |store: Store| async move {
        use cephalog_core::session::CheckPolicy;
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let policy = CheckPolicy::default();
        let (first, second) = (preempt_session("2026-01-05"), preempt_session("2026-01-15"));
        let (r1, r2) = tokio::join!(
            store.record_session(a.id, &first, None, &[], &policy),
            store.record_session(a.id, &second, None, &[], &policy)
        );
        let saved = [r1.is_ok(), r2.is_ok()].iter().filter(|ok| **ok).count();
        assert_eq!(
            saved, 1,
            "exactly one of two sessions 10 days apart is saved: {r1:?} / {r2:?}"
        );
        let refused = if r1.is_err() { r1 } else { r2 };
        assert!(matches!(refused, Err(StoreError::SessionRefused(_))));
        assert_eq!(store.sessions(a.id).await.expect("list").len(), 1);
    }
);

story!(
    users_have_roles_and_hashed_passwords,
    |store: Store| async move {
        use cephalog_auth::{Role, Username, hash_password, verify_password};
        let a = store
            .add_patient(&patient("Alice", Some("M1")))
            .await
            .expect("add");
        let hash = hash_password("correct horse battery").expect("hash");
        let admin = store
            .add_user(
                "Leeds Headache Clinic",
                Username::new("Admin").expect("name"),
                "Ada Admin",
                Role::Admin,
                None,
                &hash,
            )
            .await
            .expect("admin");
        assert_eq!(admin.username.as_str(), "admin");
        store
            .add_user(
                "Leeds Headache Clinic",
                Username::new("alice").expect("name"),
                "Alice",
                Role::Patient,
                Some(a.id),
                &hash,
            )
            .await
            .expect("patient account");
        let dup = store
            .add_user(
                "Leeds Headache Clinic",
                Username::new("ADMIN").expect("name"),
                "x",
                Role::Nurse,
                None,
                &hash,
            )
            .await;
        assert!(
            matches!(dup, Err(StoreError::DuplicateUsername(_))),
            "{dup:?}"
        );
        let no_patient = store
            .add_user(
                "Leeds Headache Clinic",
                Username::new("bob").expect("name"),
                "Bob",
                Role::Patient,
                None,
                &hash,
            )
            .await;
        assert!(matches!(no_patient, Err(StoreError::PatientAccount)));
        let users = store.users().await.expect("users");
        assert_eq!(users.len(), 2);
        assert_eq!(users[0].clinic, "Leeds Headache Clinic");
        let name = Username::new("admin").expect("name");
        let (_, stored) = store
            .user_with_hash(&name)
            .await
            .expect("get")
            .expect("found");
        assert!(
            stored.starts_with("$argon2id$") && verify_password("correct horse battery", &stored)
        );
        store
            .set_password_hash(
                &name,
                &hash_password("another long password").expect("hash"),
            )
            .await
            .expect("reset");
        let (_, stored) = store
            .user_with_hash(&name)
            .await
            .expect("get")
            .expect("found");
        assert!(
            verify_password("another long password", &stored)
                && !verify_password("correct horse battery", &stored)
        );
        store.set_user_disabled(&name, true).await.expect("disable");
        assert!(
            store
                .users()
                .await
                .expect("users")
                .iter()
                .any(|u| u.username == name && u.disabled)
        );
        assert!(
            store
                .set_user_disabled(&Username::new("nobody").expect("name"), true)
                .await
                .is_err()
        );
    }
);

pub async fn raw(store: &Store, sqlite: &str, postgres: &str) {
    match store.pool() {
        Pool::Sqlite(p) => {
            sqlx::query(sqlx::AssertSqlSafe(sqlite.to_owned()))
                .execute(p)
                .await
                .expect("raw sqlite");
        }
        Pool::Postgres(p) => {
            sqlx::query(sqlx::AssertSqlSafe(postgres.to_owned()))
                .execute(p)
                .await
                .expect("raw postgres");
        }
    }
}

story!(
    the_audit_trail_is_chained_and_tampering_is_found,
    |store: Store| async move {
        use cephalog_store::AuditEvent;
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        for action in [
            "patient.read",
            "diary.import",
            "metrics.read",
            "classify.read",
        ] {
            store
                .audit(AuditEvent {
                    actor: "user:ana".into(),
                    action: action.into(),
                    entity: "patient".into(),
                    entity_id: a.id.to_string(),
                    patient: Some(a.id),
                    source: "127.0.0.1".into(),
                    ..AuditEvent::default()
                })
                .await
                .expect("append");
        }
        let v = store.verify_audit().await.expect("verify");
        assert_eq!((v.entries, &v.broken), (4, &None));
        // Entries about a patient go to the patient's clinic's chain.
        assert_eq!(
            v.chains.iter().filter(|c| c.entries > 0).count(),
            1,
            "{v:?}"
        );
        assert_eq!(
            v.chain(&a.clinic_id.to_string()).map(|c| c.head_seq),
            Some(4),
            "{v:?}"
        );
        assert_eq!(store.audit_trail(Some(a.id)).await.expect("trail").len(), 4);
        // The table refuses updates and deletes.
        let refused = match store.pool() {
            Pool::Sqlite(p) => sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
                .execute(p)
                .await
                .is_err(),
            Pool::Postgres(p) => sqlx::query("UPDATE audit_log SET actor = 'x' WHERE seq = 2")
                .execute(p)
                .await
                .is_err(),
        };
        assert!(refused, "audit_log is append-only");
        // Someone with the database owner's rights goes round the trigger: the chain finds it.
        raw(
            &store,
            "DROP TRIGGER audit_log_no_update",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change",
        )
        .await;
        raw(
            &store,
            "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2",
            "UPDATE audit_log SET actor = 'user:mallory' WHERE seq = 2",
        )
        .await;
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(v.broken.map(|b| b.seq), Some(2));
        raw(
            &store,
            "UPDATE audit_log SET actor = 'user:ana' WHERE seq = 2",
            "UPDATE audit_log SET actor = 'user:ana' WHERE seq = 2",
        )
        .await;
        assert_eq!(store.verify_audit().await.expect("verify").broken, None);
        raw(&store, "DROP TRIGGER audit_log_no_delete", "SELECT 1").await;
        raw(
            &store,
            "DELETE FROM audit_log WHERE seq = 4",
            "DELETE FROM audit_log WHERE seq = 4",
        )
        .await;
        let v = store.verify_audit().await.expect("verify");
        assert_eq!(
            v.broken.map(|b| b.seq),
            Some(4),
            "a deleted last entry is found against the head"
        );
    }
);

story!(patients_belong_to_clinics, |store: Store| async move {
    let north = store.clinic("North").await.expect("clinic");
    let south = store.clinic("South").await.expect("clinic");
    let a = store
        .add_patient_in(north, &patient("Alice", Some("N1")))
        .await
        .expect("add");
    let b = store
        .add_patient_in(south, &patient("Bob", Some("S1")))
        .await
        .expect("add");
    let c = store
        .add_patient(&patient("Carol", None))
        .await
        .expect("add");
    assert_eq!(store.patient(a.id).await.expect("read").clinic_id, north);
    let names = |v: Vec<cephalog_store::PatientRecord>| {
        v.into_iter()
            .map(|p| p.patient.name().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        names(store.clinic_patients(north).await.expect("list")),
        ["Alice"]
    );
    assert_eq!(
        names(store.clinic_patients(south).await.expect("list")),
        ["Bob"]
    );
    let main = store
        .clinic(cephalog_store::DEFAULT_CLINIC)
        .await
        .expect("clinic");
    assert_eq!(c.clinic_id, main);
    assert_eq!(store.patients().await.expect("all").len(), 3);
    assert_eq!(
        store
            .patient(b.id)
            .await
            .expect("read")
            .patient
            .diagnoses()
            .len(),
        1
    );
});

story!(
    web_sessions_expire_and_are_replaced,
    |store: Store| async move {
        let later = chrono::Utc::now() + chrono::Duration::minutes(30);
        assert!(
            store
                .create_web_session("h1", "{}", later)
                .await
                .expect("create")
        );
        assert!(
            !store
                .create_web_session("h1", "{\"x\":1}", later)
                .await
                .expect("create"),
            "an id already taken is refused"
        );
        assert_eq!(
            store
                .web_session("h1")
                .await
                .expect("load")
                .map(|(d, _)| d)
                .as_deref(),
            Some("{}")
        );
        store
            .save_web_session("h1", "{\"user\":2}", later)
            .await
            .expect("save");
        assert_eq!(
            store
                .web_session("h1")
                .await
                .expect("load")
                .map(|(d, _)| d)
                .as_deref(),
            Some("{\"user\":2}")
        );
        let past = chrono::Utc::now() - chrono::Duration::seconds(1);
        store
            .save_web_session("h2", "{}", past)
            .await
            .expect("save");
        assert_eq!(
            store.web_session("h2").await.expect("load"),
            None,
            "expired"
        );
        assert_eq!(store.expire_web_sessions().await.expect("expire"), 1);
        store.delete_web_session("h1").await.expect("delete");
        assert_eq!(store.web_session("h1").await.expect("load"), None);
    }
);

story!(
    api_tokens_are_found_by_hash_and_revoked,
    |store: Store| async move {
        let hash = cephalog_auth::hash_password("a long enough password").expect("hash");
        let user = store
            .add_user(
                "North",
                cephalog_auth::Username::new("dr.north").expect("name"),
                "Dr North",
                cephalog_auth::Role::Clinician,
                None,
                &hash,
            )
            .await
            .expect("user");
        let t = store
            .add_api_token(user.id, "EHR bridge", "abc", TokenScope::Read, None)
            .await
            .expect("token");
        assert_eq!(t.scope, TokenScope::Read);
        assert_eq!(
            t.expires_at - t.created_at,
            chrono::Duration::days(cephalog_store::TOKEN_DEFAULT_DAYS)
        );
        assert_eq!(
            store
                .use_api_token("abc")
                .await
                .expect("use")
                .map(|u| (u.user, u.scope)),
            Some((user.id, TokenScope::Read))
        );
        // Life: 1 to 365 days.
        for days in [0, cephalog_store::TOKEN_MAX_DAYS + 1] {
            assert!(matches!(
                store
                    .add_api_token(user.id, "x", "abx", TokenScope::Read, Some(days))
                    .await,
                Err(StoreError::Invalid {
                    field: "expires_in_days",
                    ..
                })
            ));
        }
        let longest = store
            .add_api_token(
                user.id,
                "x",
                "aby",
                TokenScope::ReadWrite,
                Some(cephalog_store::TOKEN_MAX_DAYS),
            )
            .await
            .expect("the longest life");
        assert_eq!(
            store
                .use_api_token("aby")
                .await
                .expect("use")
                .map(|u| (u.user, u.scope)),
            Some((user.id, TokenScope::ReadWrite))
        );
        store
            .revoke_api_token(user.id, longest.id)
            .await
            .expect("revoke");
        // An expired token opens nothing.
        store
            .add_api_token_until(
                user.id,
                "expired",
                "abz",
                TokenScope::ReadWrite,
                chrono::Utc::now() - chrono::Duration::seconds(1),
            )
            .await
            .expect("token");
        assert_eq!(store.use_api_token("abz").await.expect("use"), None);
        assert_eq!(store.use_api_token("abd").await.expect("use"), None);
        let listed = store.api_tokens(user.id).await.expect("list");
        assert_eq!(listed.len(), 3);
        assert!(listed[0].last_used_at.is_some());
        assert_eq!(listed[0].id, t.id);
        assert!(
            store
                .revoke_api_token(uuid::Uuid::now_v7(), t.id)
                .await
                .is_err(),
            "not theirs"
        );
        store.revoke_api_token(user.id, t.id).await.expect("revoke");
        assert_eq!(
            store.use_api_token("abc").await.expect("use"),
            None,
            "revoked"
        );
        assert!(
            store.revoke_api_token(user.id, t.id).await.is_err(),
            "already revoked"
        );
        assert_eq!(
            store.user(user.id).await.expect("user").username,
            user.username
        );
    }
);

story!(
    failed_sign_ins_are_counted_per_key,
    |store: Store| async move {
        let since = chrono::Utc::now() - chrono::Duration::minutes(15);
        for _ in 0..3 {
            store
                .add_login_failure(&["user:ann".to_owned(), "ip:10.0.0.1".to_owned()])
                .await
                .expect("fail");
        }
        let (n, last) = store
            .login_failures("user:ann", since)
            .await
            .expect("count");
        assert_eq!(n, 3);
        assert!(last.is_some());
        assert_eq!(
            store
                .login_failures("user:bob", since)
                .await
                .expect("count")
                .0,
            0
        );
        store.clear_login_failures("user:ann").await.expect("clear");
        assert_eq!(
            store
                .login_failures("user:ann", since)
                .await
                .expect("count")
                .0,
            0
        );
        assert_eq!(
            store
                .login_failures("ip:10.0.0.1", since)
                .await
                .expect("count")
                .0,
            3
        );
    }
);

story!(
    share_links_are_found_by_hash_expire_and_are_revoked,
    |store: Store| async move {
        let a = store
            .add_patient(&patient("Alice", Some("S-1")))
            .await
            .expect("patient");
        let b = store
            .add_patient(&patient("Bella", Some("S-2")))
            .await
            .expect("patient");
        let now = chrono::Utc::now();
        let link = |created_by: &str, expires_at| cephalog_store::NewShareLink {
            patient_id: a.id,
            period_from: d("2026-04-01"),
            period_to: d("2026-06-30"),
            created_by: created_by.to_owned(),
            created_at: now,
            expires_at,
        };
        let hash = |c: char| c.to_string().repeat(64);
        let live = store
            .add_share_link(
                &link("clinician:dr.lee", now + Duration::days(14)),
                &hash('a'),
            )
            .await
            .expect("link");
        assert_eq!(live.report, "visit_summary");
        let found = store
            .share_link_by_hash(&hash('a'))
            .await
            .expect("read")
            .expect("found by its hash");
        assert_eq!(found, live);
        assert!(found.is_live(now));
        assert!(
            !found.is_live(now + Duration::days(14)),
            "expired at its expiry"
        );
        assert!(found.is_live(now + Duration::days(14) - Duration::seconds(1)));
        assert_eq!(
            store.share_link_by_hash(&hash('b')).await.expect("read"),
            None,
            "an unknown hash opens nothing"
        );
        assert!(
            store
                .add_share_link(&link("patient:alice", now + Duration::days(1)), &hash('a'))
                .await
                .is_err(),
            "a token hash is unique"
        );
        assert!(
            store
                .add_share_link(&link("patient:alice", now), &hash('c'))
                .await
                .is_err(),
            "a link expires after it is made"
        );
        assert!(
            store
                .add_share_link(&link("x", now + Duration::days(1)), "short")
                .await
                .is_err(),
            "only a SHA-256 is stored"
        );
        let second = store
            .add_share_link(&link("patient:alice", now + Duration::days(90)), &hash('d'))
            .await
            .expect("second link");
        let listed = store.share_links(a.id).await.expect("list");
        assert_eq!(
            listed.iter().map(|l| l.id).collect::<Vec<_>>(),
            vec![second.id, live.id],
            "newest first"
        );
        assert!(store.share_links(b.id).await.expect("list").is_empty());
        assert!(
            matches!(
                store
                    .revoke_share_link(b.id, live.id, "clinician:dr.lee", now)
                    .await,
                Err(StoreError::NotFound(_))
            ),
            "another patient's link is not found"
        );
        let revoked = store
            .revoke_share_link(a.id, live.id, "clinician:dr.lee", now)
            .await
            .expect("revoke");
        assert!(revoked.revoked_at.is_some());
        assert_eq!(revoked.revoked_by.as_deref(), Some("clinician:dr.lee"));
        assert!(!revoked.is_live(now));
        let again = store
            .revoke_share_link(a.id, live.id, "patient:alice", now + Duration::days(1))
            .await
            .expect("revoking twice changes nothing");
        assert_eq!(again, revoked);
        assert!(
            !store
                .share_link_by_hash(&hash('a'))
                .await
                .expect("read")
                .expect("still stored")
                .is_live(now)
        );
    }
);

story!(
    an_unknown_session_has_no_patient,
    |store: Store| async move {
        assert!(matches!(
            store.session_patient(uuid::Uuid::now_v7()).await,
            Err(StoreError::NotFound(_))
        ));
    }
);

/// A patient with one of every kind of record, stored through the usual writes.
pub(crate) async fn patient_with_everything(store: &Store, name: &str, mrn: &str) -> uuid::Uuid {
    use cephalog_core::eligibility::Attestation;
    use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
    use cephalog_core::prom::Instrument;
    use cephalog_core::protocol::{Laterality, NerveBlockPlan};
    use cephalog_core::safety::{
        ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
        SeriousOutcome, SuspectProductDraft,
    };
    use cephalog_core::session::{
        Check, CheckPolicy, Indication, NerveBlock, Override, Product, ToxinDose,
    };
    let a = store
        .add_patient(&patient(name, Some(mrn)))
        .await
        .expect("add");
    store
        .import_days(a.id, &days("2026-01-01", 40), None, &mut |_| {})
        .await
        .expect("diary");
    store
        .add_preventive(
            a.id,
            &PreventiveTrial::new(PreventiveDraft {
                drug: "topiramate".into(),
                start: Some(d("2025-01-10")),
                stop: Some(d("2025-03-01")),
                outcome: Some(PreventiveOutcome::NotTolerated),
                reason: "paraesthesia".into(),
                ..Default::default()
            })
            .expect("trial"),
            today(),
        )
        .await
        .expect("preventive");
    store
        .add_prom(
            a.id,
            d("2026-01-05"),
            Instrument::Hit6,
            &[
                "always",
                "very often",
                "sometimes",
                "rarely",
                "never",
                "always",
            ]
            .map(String::from),
            today(),
        )
        .await
        .expect("hit6");
    store
        .add_overuse_attestation(
            a.id,
            &Attestation {
                by: "Dr Example".into(),
                on: d("2026-01-06"),
                note: "withdrawal completed".into(),
            },
            today(),
        )
        .await
        .expect("attest");
    store
        .add_other_toxin_dose(
            a.id,
            &ToxinDose::new(
                d("2025-12-20"),
                Product::OnabotulinumtoxinA,
                100,
                Indication::other("cervical dystonia").expect("indication"),
            )
            .expect("dose"),
            today(),
        )
        .await
        .expect("dose elsewhere");
    // Within 84 days of the dose given elsewhere: recorded with an override.
    store
        .record_session(
            a.id,
            &preempt_session("2026-02-01"),
            None,
            &[Override::new(Check::RetreatmentInterval, "flare", "Dr Example").expect("override")],
            &CheckPolicy::default(),
        )
        .await
        .expect("session");
    let block = NerveBlock::record(
        d("2026-02-02"),
        NerveBlockPlan::typical_gon(Laterality::Left),
        "Dr Example",
        "left only".into(),
        d("2026-02-02"),
    )
    .expect("block");
    let block = store.record_nerve_block(a.id, &block).await.expect("block");
    store
        .record_block_relief(a.id, block, 70, 600, d("2026-02-03"))
        .await
        .expect("relief");
    let event = AdverseEvent::try_from(AdverseEventDraft {
        reported_term: "ptosis".into(),
        meddra_code: Some("10015995".into()),
        onset: d("2026-02-10"),
        resolution: None,
        ctcae_grade: 2,
        seriousness: vec![SeriousOutcome::OtherImportantMedicalEvent],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovering,
        causality: Causality::Related,
        reporter: ReporterDraft::default(),
        awareness_date: d("2026-02-11"),
        narrative: "Left ptosis.".into(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".into(),
            lot_number: Some("C1234AB".into()),
            dose_units: Some(155.0),
            session_date: d("2026-02-01"),
        }],
    })
    .expect("event");
    let case = store.add_adverse_event(a.id, &event).await.expect("event");
    store
        .mark_adverse_event_submitted(case, d("2026-02-20"))
        .await
        .expect("submitted");
    a.id
}

/// The chart with every record under a new id (and the patient under a new id and MRN).
fn renumbered(chart: &cephalog_store::PatientChart, mrn: &str) -> cephalog_store::PatientChart {
    let mut c = chart.clone();
    c.record.id = uuid::Uuid::now_v7();
    let mut p = c.record.patient.clone();
    p = Patient::restore(
        p.name(),
        p.date_of_birth(),
        p.sex(),
        Some(mrn.to_owned()),
        p.notes().to_owned(),
        p.diagnoses().to_vec(),
    )
    .expect("patient");
    c.record.patient = p;
    for x in &mut c.preventives {
        x.0 = uuid::Uuid::now_v7();
    }
    for x in &mut c.questionnaires {
        x.0 = uuid::Uuid::now_v7();
    }
    for x in &mut c.sessions {
        x.id = uuid::Uuid::now_v7();
    }
    for x in &mut c.nerve_blocks {
        x.0 = uuid::Uuid::now_v7();
    }
    for x in &mut c.adverse_events {
        x.id = uuid::Uuid::now_v7();
        x.patient = c.record.id;
    }
    c
}

story!(
    a_whole_chart_is_read_and_imported_in_one_transaction,
    |store: Store| async move {
        let id = patient_with_everything(&store, "Chart Example", "C-1").await;
        let chart = store.patient_chart(id).await.expect("chart");
        assert_eq!(chart.diary.len(), 40);
        assert_eq!(chart.preventives.len(), 1);
        assert_eq!(chart.questionnaires.len(), 1);
        assert_eq!(chart.attestations.len(), 1);
        assert_eq!(chart.other_doses.len(), 1);
        assert_eq!(chart.sessions.len(), 1);
        assert_eq!(chart.sessions[0].overrides.len(), 1);
        assert_eq!(chart.nerve_blocks.len(), 1);
        assert!(chart.nerve_blocks[0].1.relief().is_some());
        assert_eq!(chart.adverse_events.len(), 1);
        assert_eq!(chart.adverse_events[0].submitted_on, Some(d("2026-02-20")));

        // The same patient again: refused, by id and MRN.
        let err = store
            .import_chart(&chart, today())
            .await
            .expect_err("already stored");
        assert!(matches!(err, StoreError::PatientExists { .. }), "{err}");
        assert!(err.to_string().contains("MRN C-1"), "{err}");
        // A new patient and MRN but the same session id: the write fails part-way and leaves
        // nothing behind.
        let mut clash = renumbered(&chart, "C-2");
        clash.sessions[0].id = chart.sessions[0].id;
        store
            .import_chart(&clash, today())
            .await
            .expect_err("session id taken");
        assert!(matches!(
            store.find_patient("C-2").await,
            Err(StoreError::PatientNotFound(_))
        ));
        assert_eq!(store.patient_count().await.expect("count"), 1);
        let leftover = store.diary(clash.record.id).await.expect("diary");
        assert!(leftover.is_empty(), "no diary days of the refused import");

        // Under new ids: stored whole, and read back the same.
        let copy = renumbered(&chart, "C-3");
        store.import_chart(&copy, today()).await.expect("import");
        let back = store.patient_chart(copy.record.id).await.expect("chart");
        assert_eq!(back.record.id, copy.record.id);
        assert_eq!(back.record.patient, copy.record.patient);
        assert_eq!(back.diary, copy.diary);
        assert_eq!(back.preventives, copy.preventives);
        assert_eq!(back.questionnaires, copy.questionnaires);
        assert_eq!(back.sessions, copy.sessions);
        assert_eq!(back.other_doses, copy.other_doses);
        assert_eq!(back.nerve_blocks, copy.nerve_blocks);
        assert_eq!(back.attestations, copy.attestations);
        assert_eq!(back.adverse_events, copy.adverse_events);
        // The imported session counts in the patient's toxin history like any other.
        assert_eq!(
            store
                .toxin_history(copy.record.id)
                .await
                .expect("history")
                .len(),
            2
        );
    }
);

// --- nothing overwritten, nothing lost ------------------------------------------------------------

/// A 15-hour severe migraine with medicine and notes.
fn migraine_day(date: NaiveDate) -> DiaryDay {
    let draft = DiaryDraft {
        date: Some(date),
        headache_minutes: Minutes::new(15 * 60).expect("m"),
        peak_intensity: Intensity::Severe,
        features: Features {
            unilateral: true,
            pulsating: true,
            nausea: true,
            photophobia: true,
            ..Default::default()
        },
        medications: MedicationIntake::parse_list("sumatriptan 50 mg", &DrugDictionary::builtin())
            .expect("meds"),
        paroxysms: 0,
        notes: "worst this month".into(),
    };
    DiaryDay::restore(date, draft).expect("valid")
}

story!(
    replacing_a_day_keeps_the_earlier_version_with_who_when_and_why,
    |store: Store| async move {
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let day = d("2026-10-28");
        let first = migraine_day(day);
        store
            .import_days(a.id, std::slice::from_ref(&first), None, &mut |_| {})
            .await
            .expect("first");
        assert!(
            store
                .diary_day_history(a.id, day)
                .await
                .expect("history")
                .is_empty(),
            "a day recorded once has no earlier version"
        );
        let fix = Change::new("clinician:dr.lee", "wrong day on the paper diary").expect("change");
        let second = DiaryDay::headache_free(day);
        let s = store
            .import_days(a.id, std::slice::from_ref(&second), Some(&fix), &mut |_| {})
            .await
            .expect("replace");
        assert_eq!(
            s,
            ImportSummary {
                inserted: 0,
                replaced: 1
            }
        );
        assert_eq!(
            store.diary(a.id).await.expect("diary").get(day),
            Some(&second)
        );
        let kept = store.diary_day_history(a.id, day).await.expect("history");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].version, 1);
        assert_eq!(kept[0].action, VersionAction::Corrected);
        assert_eq!(kept[0].kind, RecordKind::DiaryDay);
        assert_eq!(kept[0].record_id, "2026-10-28");
        assert_eq!(kept[0].changed_by, "clinician:dr.lee");
        assert_eq!(kept[0].reason, "wrong day on the paper diary");
        assert_eq!(
            kept[0].diary_day().expect("snapshot"),
            first,
            "the old version is kept whole"
        );

        // A second replacement keeps the second version; the numbering goes on.
        let again = Change::new("cli:ana", "re-import of the app's log").expect("change");
        let third = migraine_day(day);
        store
            .import_days(
                a.id,
                &[third.clone(), DiaryDay::headache_free(d("2026-10-29"))],
                Some(&again),
                &mut |_| {},
            )
            .await
            .expect("replace again");
        let kept = store.diary_day_history(a.id, day).await.expect("history");
        assert_eq!(
            kept.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![1, 2]
        );
        assert_eq!(kept[1].diary_day().expect("snapshot"), second);
        assert_eq!(kept[1].changed_by, "cli:ana");
        assert!(
            store
                .diary_day_history(a.id, d("2026-10-29"))
                .await
                .expect("history")
                .is_empty(),
            "a new day replaces nothing and keeps nothing"
        );
        let all = store.record_history(a.id, None).await.expect("all");
        assert_eq!(all.len(), 2);

        // A replacement must say who and why; refused whole, nothing changes.
        let err = store
            .import_days(
                a.id,
                &[DiaryDay::headache_free(day)],
                Some(&Change {
                    by: "cli:ana".into(),
                    reason: "  ".into(),
                }),
                &mut |_| {},
            )
            .await;
        assert!(
            matches!(err, Err(StoreError::ChangeIncomplete("reason"))),
            "{err:?}"
        );
        assert_eq!(
            store.diary(a.id).await.expect("diary").get(day),
            Some(&third)
        );
        assert_eq!(
            store
                .diary_day_history(a.id, day)
                .await
                .expect("history")
                .len(),
            2
        );
    }
);

story!(
    a_day_entered_in_error_counts_nowhere_and_stays_in_the_history,
    |store: Store| async move {
        use cephalog_core::metrics::{DateRange, PeriodMetrics};
        use cephalog_core::preset::DayPreset;
        let a = store
            .add_patient(&patient("Alice", None))
            .await
            .expect("add");
        let mut all: Vec<DiaryDay> = (1..=10)
            .map(|n| DiaryDay::headache_free(d("2026-10-19") + Duration::days(n)))
            .collect();
        all.push(migraine_day(d("2026-10-31")));
        store
            .import_days(a.id, &all, None, &mut |_| {})
            .await
            .expect("import");
        let range = DateRange::new(d("2026-10-20"), d("2026-10-31")).expect("range");
        let figures = |diary: &cephalog_core::Diary| {
            PeriodMetrics::compute(diary, range, DayPreset::default(), true)
        };
        let before = figures(&store.diary(a.id).await.expect("diary"));
        assert_eq!((before.recorded_days, before.headache_days), (11, 1));

        // A reason is required; without it nothing changes.
        let err = store
            .enter_diary_day_in_error(
                a.id,
                d("2026-10-31"),
                &Change {
                    by: "patient:alice".into(),
                    reason: String::new(),
                },
            )
            .await;
        assert!(
            matches!(err, Err(StoreError::ChangeIncomplete("reason"))),
            "{err:?}"
        );
        assert_eq!(store.diary(a.id).await.expect("diary").len(), 11);

        let why = Change::new("patient:alice", "that migraine was on the 30th").expect("change");
        let kept = store
            .enter_diary_day_in_error(a.id, d("2026-10-31"), &why)
            .await
            .expect("entered in error");
        assert_eq!(kept.action, VersionAction::EnteredInError);
        assert_eq!(kept.version, 1);
        assert_eq!(
            kept.diary_day().expect("snapshot"),
            migraine_day(d("2026-10-31"))
        );
        let diary = store.diary(a.id).await.expect("diary");
        assert!(
            diary.get(d("2026-10-31")).is_none(),
            "the day reads as unrecorded"
        );
        let after = figures(&diary);
        assert_eq!(
            (after.recorded_days, after.headache_days),
            (10, 0),
            "it counts nowhere"
        );
        assert_eq!(
            after.days - after.recorded_days,
            2,
            "it is one more unrecorded day"
        );

        // Only a recorded day can be entered in error.
        let err = store
            .enter_diary_day_in_error(a.id, d("2026-10-31"), &why)
            .await;
        assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");

        // Recorded again later: a new version, the withdrawn one still kept.
        store
            .import_days(
                a.id,
                &[DiaryDay::headache_free(d("2026-10-31"))],
                None,
                &mut |_| {},
            )
            .await
            .expect("recorded again");
        let history = store
            .diary_day_history(a.id, d("2026-10-31"))
            .await
            .expect("history");
        assert_eq!(history.len(), 1);
        assert_eq!(history[0].reason, "that migraine was on the 30th");
        assert_eq!(history[0].changed_by, "patient:alice");

        // The kept versions cannot be changed or deleted.
        let refused = match store.pool() {
            Pool::Sqlite(p) => sqlx::query("DELETE FROM record_versions")
                .execute(p)
                .await
                .is_err(),
            Pool::Postgres(p) => sqlx::query("DELETE FROM record_versions")
                .execute(p)
                .await
                .is_err(),
        };
        assert!(refused, "record_versions is append-only");
        let refused = match store.pool() {
            Pool::Sqlite(p) => sqlx::query("UPDATE record_versions SET reason = 'x'")
                .execute(p)
                .await
                .is_err(),
            Pool::Postgres(p) => sqlx::query("UPDATE record_versions SET reason = 'x'")
                .execute(p)
                .await
                .is_err(),
        };
        assert!(refused, "record_versions is append-only");
        assert_eq!(
            store
                .record_history(a.id, Some(RecordKind::DiaryDay))
                .await
                .expect("all")
                .len(),
            1
        );
    }
);

story!(
    every_clinical_record_is_corrected_or_entered_in_error_never_lost,
    |store: Store| async move {
        use cephalog_core::eligibility::Attestation;
        use cephalog_core::preventives::{PreventiveDraft, PreventiveOutcome, PreventiveTrial};
        use cephalog_core::prom::Instrument;
        let id = patient_with_everything(&store, "Ever", "EV1").await;
        let who = |reason: &str| Change::new("clinician:dr.lee", reason).expect("change");

        // A preventive corrected: the new version takes the id, the old one is kept.
        let (pid, old_trial) = store.preventives(id).await.expect("list").remove(0);
        let fixed = PreventiveTrial::new(PreventiveDraft {
            drug: "topiramate".into(),
            start: Some(d("2025-01-10")),
            stop: Some(d("2025-04-01")),
            outcome: Some(PreventiveOutcome::NotTolerated),
            reason: "paraesthesia".into(),
            ..Default::default()
        })
        .expect("trial");
        let kept = store
            .correct_preventive(id, pid, &fixed, &who("stop date from the letter"))
            .await
            .expect("corrected");
        assert_eq!(
            (kept.version, kept.action, kept.kind),
            (1, VersionAction::Corrected, RecordKind::Preventive)
        );
        assert_eq!(kept.snapshot["stop"], "2025-03-01", "{}", kept.snapshot);
        assert_eq!(
            store.preventives(id).await.expect("list"),
            vec![(pid, fixed.clone())]
        );
        assert_ne!(old_trial, fixed);

        // A questionnaire corrected is re-scored; the old answers are kept.
        let (qid, _) = store.proms(id).await.expect("list").remove(0);
        let answers = ["never"; 6].map(String::from);
        let (kept, result) = store
            .correct_prom(
                id,
                qid,
                d("2026-01-05"),
                Instrument::Hit6,
                &answers,
                &who("answers misread"),
            )
            .await
            .expect("corrected");
        assert_eq!(result.total(), 36);
        assert_eq!(
            kept.snapshot["answers"],
            "always;very often;sometimes;rarely;never;always"
        );
        assert_eq!(store.proms(id).await.expect("list")[0].1.result.total(), 36);

        // An attestation corrected, then entered in error: it attests nothing any more.
        let (aid, _) = store
            .overuse_attestation_records(id)
            .await
            .expect("list")
            .remove(0);
        let later = Attestation {
            by: "Dr Example".into(),
            on: d("2026-01-08"),
            note: "withdrawal completed".into(),
        };
        store
            .correct_overuse_attestation(id, aid, &later, &who("dated from the clinic letter"))
            .await
            .expect("corrected");
        assert_eq!(
            store
                .overuse_attestation(id, d("2026-01-07"))
                .await
                .expect("get"),
            None
        );
        let kept = store
            .enter_in_error(
                id,
                RecordKind::Attestation,
                aid,
                &who("written for another patient"),
            )
            .await
            .expect("withdrawn");
        assert_eq!(
            (kept.version, kept.action),
            (2, VersionAction::EnteredInError)
        );
        assert_eq!(
            store
                .overuse_attestation(id, d("2026-12-31"))
                .await
                .expect("get"),
            None
        );

        // A session entered in error leaves the toxin history; sites and overrides are kept with it.
        let session = store.sessions(id).await.expect("sessions").remove(0);
        let before = store.toxin_history(id).await.expect("history").len();
        let err = store
            .enter_in_error(
                id,
                RecordKind::Session,
                session.id,
                &Change {
                    by: "clinician:dr.lee".into(),
                    reason: " ".into(),
                },
            )
            .await;
        assert!(
            matches!(err, Err(StoreError::ChangeIncomplete("reason"))),
            "{err:?}"
        );
        let kept = store
            .enter_in_error(
                id,
                RecordKind::Session,
                session.id,
                &who("recorded in the wrong chart"),
            )
            .await
            .expect("withdrawn");
        assert!(store.sessions(id).await.expect("sessions").is_empty());
        assert_eq!(
            store.toxin_history(id).await.expect("history").len(),
            before - 1
        );
        assert_eq!(
            kept.snapshot["overrides"].as_array().map(Vec::len),
            Some(1),
            "{}",
            kept.snapshot
        );
        assert_eq!(
            kept.snapshot["session"]["sites"].as_array().map(Vec::len),
            Some(session.session.sites().len())
        );
        let err = store
            .enter_in_error(id, RecordKind::Session, session.id, &who("again"))
            .await;
        assert!(matches!(err, Err(StoreError::NotFound(_))), "{err:?}");

        // An adverse event corrected keeps its submission date; the earlier version is kept.
        let case = store
            .adverse_events(Some(id))
            .await
            .expect("events")
            .remove(0);
        let mut draft_json = case.event.clone();
        let kept = store
            .correct_adverse_event(id, case.id, &draft_json, &who("narrative completed"))
            .await
            .expect("corrected");
        assert_eq!(kept.snapshot["submitted_on"], "2026-02-20");
        assert_eq!(kept.snapshot["event"]["reported_term"], "ptosis");
        let now = store.adverse_event(case.id).await.expect("case");
        assert_eq!(now.submitted_on, Some(d("2026-02-20")));
        draft_json = now.event;
        assert_eq!(draft_json, case.event);
        store
            .enter_in_error(
                id,
                RecordKind::AdverseEvent,
                case.id,
                &who("duplicate of another report"),
            )
            .await
            .expect("withdrawn");
        assert!(
            store
                .adverse_events(Some(id))
                .await
                .expect("events")
                .is_empty()
        );

        // Every kept version, by kind and record.
        let all = store.record_history(id, None).await.expect("history");
        let kinds: Vec<(RecordKind, i64, VersionAction)> =
            all.iter().map(|v| (v.kind, v.version, v.action)).collect();
        assert_eq!(
            kinds,
            vec![
                (RecordKind::AdverseEvent, 1, VersionAction::Corrected),
                (RecordKind::AdverseEvent, 2, VersionAction::EnteredInError),
                (RecordKind::Attestation, 1, VersionAction::Corrected),
                (RecordKind::Attestation, 2, VersionAction::EnteredInError),
                (RecordKind::Preventive, 1, VersionAction::Corrected),
                (RecordKind::Questionnaire, 1, VersionAction::Corrected),
                (RecordKind::Session, 1, VersionAction::EnteredInError),
            ]
        );
        assert!(all.iter().all(|v| v.changed_by == "clinician:dr.lee"));
        assert_eq!(
            store
                .record_versions(id, RecordKind::Session, &session.id.to_string())
                .await
                .expect("one")
                .len(),
            1
        );
    }
);

story!(
    mrns_are_unique_per_clinic_and_an_mrn_two_clinics_use_is_ambiguous,
    |store: Store| async move {
        let leeds = store.clinic("Leeds").await.expect("clinic");
        let york = store.clinic("York").await.expect("clinic");
        let a = store
            .add_patient_in(leeds, &patient("Alice", Some("H-1001")))
            .await
            .expect("first clinic");
        assert_eq!(store.find_patient("H-1001").await.expect("by MRN").id, a.id);
        let b = store
            .add_patient_in(york, &patient("Bob", Some("H-1001")))
            .await
            .expect("another clinic may use the same MRN");
        let dup = store
            .add_patient_in(leeds, &patient("Carol", Some("H-1001")))
            .await;
        assert!(matches!(dup, Err(StoreError::DuplicateMrn(m)) if m == "H-1001"));
        assert!(matches!(
            store.find_patient("H-1001").await,
            Err(StoreError::AmbiguousMrn(m)) if m == "H-1001"
        ));
        assert_eq!(
            store
                .find_patient(&b.id.to_string())
                .await
                .expect("by id")
                .id,
            b.id
        );
        assert_eq!(store.patient_count().await.expect("count"), 2);
    }
);

story!(
    a_clinics_diaries_stream_in_one_pass_as_stored,
    |store: Store| async move {
        let a = patient_with_everything(&store, "Stream One", "S-1").await;
        let b = patient_with_everything(&store, "Stream Two", "S-2").await;
        let clinic = store.patient(a).await.expect("patient").clinic_id;
        let mut seen = Vec::new();
        let days = store
            .each_diary(Some(clinic), |p, d| seen.push((p, d)))
            .await
            .expect("stream");
        let mut want = vec![
            (a, store.diary(a).await.expect("diary")),
            (b, store.diary(b).await.expect("diary")),
        ];
        want.sort_by_key(|(p, _)| *p);
        assert_eq!(
            seen, want,
            "the same diaries, medicines included, in patient order"
        );
        assert_eq!(days, 80);
        assert!(
            want.iter()
                .any(|(_, d)| d.days().any(|day| !day.medications().is_empty())),
            "the fixture has medicines"
        );
        // Another clinic's pass sees none of them; the installation's sees both.
        let other = store.clinic("Elsewhere").await.expect("clinic");
        let mut none = 0;
        assert_eq!(
            store
                .each_diary(Some(other), |_, _| none += 1)
                .await
                .expect("stream"),
            0
        );
        assert_eq!(none, 0);
        let mut all = 0;
        store
            .each_diary(None, |_, _| all += 1)
            .await
            .expect("stream");
        assert_eq!(all, 2);
    }
);

story!(
    slice_reads_give_exactly_the_per_patient_reads,
    |store: Store| async move {
        use cephalog_store::Patients;
        let a = patient_with_everything(&store, "Slice One", "L-1").await;
        let b = patient_with_everything(&store, "Slice Two", "L-2").await;
        let c = patient_with_everything(&store, "Slice Three", "L-3").await;
        let slice = [a, c];
        let sessions = store.sessions_of(&slice).await.expect("sessions");
        let mut want = Vec::new();
        let mut sorted = slice;
        sorted.sort();
        for p in sorted {
            for s in store.sessions(p).await.expect("sessions") {
                want.push((p, s));
            }
        }
        assert!(!want.is_empty(), "the fixture has sessions");
        assert!(
            want.iter().any(|(_, s)| !s.overrides.is_empty()),
            "the fixture has a session with an override"
        );
        assert_eq!(sessions, want, "sites and overrides included, by patient");
        let proms = store.proms_of(&slice).await.expect("questionnaires");
        let mut want = Vec::new();
        for p in sorted {
            for (id, q) in store.proms(p).await.expect("questionnaires") {
                want.push((p, id, q));
            }
        }
        assert!(!want.is_empty(), "the fixture has questionnaires");
        assert_eq!(proms, want);
        let mut seen = Vec::new();
        store
            .each_diary_of(Patients::These(&slice), |p, d| seen.push((p, d)))
            .await
            .expect("diaries");
        let mut want = Vec::new();
        for p in sorted {
            want.push((p, store.diary(p).await.expect("diary")));
        }
        assert_eq!(seen, want, "only the slice's diaries, in patient order");
        assert!(seen.iter().all(|(p, _)| *p != b));
        assert!(store.sessions_of(&[]).await.expect("none").is_empty());
        let mut none = 0;
        store
            .each_diary_of(Patients::These(&[]), |_, _| none += 1)
            .await
            .expect("none");
        assert_eq!(none, 0);
    }
);
