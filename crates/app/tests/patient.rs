//! The patient context: loaded once, it gives the same eligibility, response and classification
//! as the single-purpose use cases that load only what they need, and the overview built from it
//! agrees with them.

use chrono::{Duration, NaiveDate};

use cephalog_app::patient::{PatientContext, ResponseSummary};
use cephalog_app::treatment::{
    PlanChoice, SessionSpec, build_session, record_session, session_pathway,
};
use cephalog_app::{defaults, eligibility, eligibility_before_treatment, find_rule_set, response};
use cephalog_core::eligibility::Attestation;
use cephalog_core::prom::Instrument;
use cephalog_core::session::{CheckPolicy, Override, Product, VialSize};
use cephalog_core::{Diagnosis, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex};
use cephalog_store::{PatientRecord, Store};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const TODAY: &str = "2026-11-01";

/// Chronic migraine from January to October: headache on 20 days a month (migraine on 12), a
/// responder after the first session on 2026-05-01.
fn diary() -> Vec<DiaryDay> {
    let mut days = Vec::new();
    let mut date = d("2026-01-01");
    while date < d(TODAY) {
        let day = date.format("%d").to_string().parse::<u32>().expect("day");
        let treated = date >= d("2026-05-01");
        let headache = if treated { day <= 8 } else { day <= 20 };
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

async fn seeded() -> (Store, PatientRecord) {
    let store = Store::connect("sqlite::memory:").await.expect("store");
    let mut p = Patient::new(
        "Context Example",
        d("1980-05-05"),
        Some(Sex::Female),
        Some("C1".into()),
        String::new(),
        d(TODAY),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: "1.3".parse().expect("code"),
        onset: Some(d("2018-01-01")),
    })
    .expect("diagnosis");
    let r = store.add_patient(&p).await.expect("add");
    store
        .import_days(r.id, &diary(), None, &mut |_| {})
        .await
        .expect("diary");
    store
        .add_prom(
            r.id,
            d("2026-04-20"),
            Instrument::Midas,
            &["10", "5", "3", "2", "1"].map(String::from),
            d(TODAY),
        )
        .await
        .expect("midas");
    store
        .add_prom(
            r.id,
            d("2026-07-20"),
            Instrument::Midas,
            &["2", "1", "0", "1", "0"].map(String::from),
            d(TODAY),
        )
        .await
        .expect("midas");
    store
        .add_overuse_attestation(
            r.id,
            &Attestation {
                by: "Dr Example".into(),
                on: d("2026-04-01"),
                note: "no overuse".into(),
            },
            d(TODAY),
        )
        .await
        .expect("attest");
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    for date in ["2026-05-01", "2026-07-24"] {
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
        // Overrides for whatever pathway check refuses, as a clinic would record them.
        let pathway = session_pathway(&store, &rules, &r, d(date))
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
            &store,
            &rules,
            &r,
            &session,
            &overrides,
            &CheckPolicy::default(),
            false,
        )
        .await
        .expect("record");
        assert!(done.id.is_some(), "session of {date} recorded");
    }
    (store, r)
}

#[tokio::test]
async fn the_context_gives_the_figures_the_single_use_cases_give() {
    let (store, r) = seeded().await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let ctx = PatientContext::load(&store, r.clone())
        .await
        .expect("context");
    assert_eq!(ctx.diary.len(), diary().len());
    assert_eq!(
        ctx.migraine_session_dates(),
        [d("2026-05-01"), d("2026-07-24")]
    );
    for set in &rules {
        for on in [d("2026-04-30"), d(TODAY)] {
            let alone = eligibility(&store, set, &r, on).await.expect("eligibility");
            assert_eq!(ctx.eligibility(set, on), alone, "{} on {on}", set.id);
        }
        let before = eligibility_before_treatment(&store, set, &r, d(TODAY))
            .await
            .expect("before");
        assert_eq!(ctx.eligibility_before_treatment(set, d(TODAY)), before);
        let alone = response(&store, set, &r, d(TODAY), None)
            .await
            .expect("response");
        let from_context = ctx.response(set, d(TODAY), None);
        assert_eq!(
            serde_json::to_value(&from_context).expect("json"),
            serde_json::to_value(&alone).expect("json"),
            "{}",
            set.id
        );
    }
}

#[tokio::test]
async fn the_overview_agrees_with_the_use_cases() {
    let (store, r) = seeded().await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let ctx = PatientContext::load(&store, r.clone())
        .await
        .expect("context");
    let o = ctx.overview(&rules, d(TODAY)).expect("overview");

    let set = find_rule_set(&rules, defaults::ELIGIBILITY_RULES).expect("set");
    let e = eligibility(&store, set, &r, d(TODAY))
        .await
        .expect("eligibility");
    assert_eq!(o.eligibility.verdict, e.verdict);
    assert_eq!(o.eligibility.rule_set_name, e.rule_set_name);

    let set = find_rule_set(&rules, defaults::RESPONSE_RULES).expect("set");
    let v = response(&store, set, &r, d(TODAY), None)
        .await
        .expect("response")
        .expect("treated");
    let ResponseSummary::Cycle {
        rule_set,
        cycle,
        headache_days,
        baseline_headache_days,
        ..
    } = &o.response
    else {
        panic!("a completed cycle: {:?}", o.response);
    };
    assert_eq!(rule_set, &v.report.rule_set);
    let c = &v.report.cycles[*cycle - 1];
    assert_eq!(Some(*headache_days), c.headache_days.cycle);
    assert_eq!(*baseline_headache_days, c.headache_days.baseline);
    assert!(
        baseline_headache_days.is_some_and(|b| b > *headache_days),
        "the responder has fewer headache days: {:?}",
        o.response
    );

    assert_eq!(o.latest_questionnaires.len(), 1, "the latest MIDAS only");
    assert_eq!(o.latest_questionnaires[0].date, d("2026-07-20"));
    assert_eq!(o.sessions.count, 2);
    assert_eq!(o.sessions.last, Some(d("2026-07-24")));
    assert_eq!(
        o.sessions.next_due.map(|(from, _)| from),
        Some(d("2026-07-24") + Duration::days(84))
    );
    assert_eq!(
        (
            o.adverse_events.count,
            o.adverse_events.urgent,
            o.adverse_events.overdue
        ),
        (0, 0, 0)
    );
}

/// PHQ-9 answers with item 9 above 0 await a review; a high total with item 9 at 0 does not; a
/// review takes the questionnaire off the list and cannot be given twice or to quiet answers.
#[tokio::test]
async fn phq9_item_9_awaits_a_same_day_review_until_one_is_recorded() {
    use cephalog_app::safety::{questionnaires_awaiting_review, review_questionnaire};
    let (store, r) = seeded().await;
    let phq9 = |answers: [&str; 9], date: &str| {
        let store = &store;
        let answers = answers.map(String::from);
        let date = d(date);
        async move {
            store
                .add_prom(r.id, date, Instrument::Phq9, &answers, d(TODAY))
                .await
                .expect("phq9")
                .0
        }
    };
    let quiet = phq9(["3", "3", "3", "3", "3", "3", "3", "3", "0"], "2026-09-01").await;
    assert!(
        questionnaires_awaiting_review(&store, None, None)
            .await
            .expect("list")
            .is_empty()
    );
    let flagged = phq9(["0", "0", "0", "0", "0", "0", "0", "0", "2"], "2026-10-01").await;
    let awaiting = questionnaires_awaiting_review(&store, Some(r.clinic_id), Some(r.id))
        .await
        .expect("list");
    assert_eq!(awaiting.len(), 1);
    assert_eq!(
        (
            awaiting[0].questionnaire,
            awaiting[0].patient,
            awaiting[0].instrument
        ),
        (flagged, r.id, Instrument::Phq9)
    );
    assert!(awaiting[0].reasons[0].starts_with("PHQ-9 item 9"));
    assert!(
        review_questionnaire(&store, r.id, quiet, "Dr Lee", "fine")
            .await
            .is_err(),
        "nothing to review"
    );
    let review = review_questionnaire(&store, r.id, flagged, "Dr Lee", "phoned; safe")
        .await
        .expect("review");
    assert_eq!(
        (review.by.as_str(), review.decision.as_str()),
        ("Dr Lee", "phoned; safe")
    );
    assert!(
        questionnaires_awaiting_review(&store, None, None)
            .await
            .expect("list")
            .is_empty()
    );
    assert!(
        review_questionnaire(&store, r.id, flagged, "Dr Lee", "again")
            .await
            .is_err()
    );
}

/// The worklist gathers the clinic's same-day reviews and quiet diaries from the store.
#[tokio::test]
async fn the_worklist_lists_reviews_due_and_quiet_diaries() {
    use cephalog_app::worklist::{QUIET_DIARY_DAYS, worklist};
    let (store, r) = seeded().await;
    store
        .add_prom(
            r.id,
            d("2026-10-20"),
            Instrument::Phq9,
            &["0", "0", "0", "0", "0", "0", "0", "0", "3"].map(String::from),
            d(TODAY),
        )
        .await
        .expect("phq9");
    let w = worklist(&store, None, r.clinic_id, d(TODAY))
        .await
        .expect("worklist");
    assert_eq!(w.questionnaire_alerts.len(), 1);
    assert_eq!(w.questionnaire_alerts[0].patient, r.id);
    assert!(w.quiet_diaries.is_empty(), "the diary runs to yesterday");
    assert!(w.patient(r.id).is_some());
    // The last diary day is 2026-10-31: quiet once more than a week has passed.
    let last = d("2026-10-31");
    let on_the_day = last + Duration::days(QUIET_DIARY_DAYS);
    let w = worklist(&store, None, r.clinic_id, on_the_day)
        .await
        .expect("worklist");
    assert!(
        w.quiet_diaries.is_empty(),
        "exactly a week is not quiet yet"
    );
    let w = worklist(&store, None, r.clinic_id, on_the_day + Duration::days(1))
        .await
        .expect("worklist");
    assert_eq!(w.quiet_diaries, [(r.id, Some(last))]);
}
