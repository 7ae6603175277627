//! Rule sets, the preventive ledger, eligibility with its evidence, the overuse attestation and
//! questionnaires.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::App;
use crate::story;

/// The outcome of criterion `id` in an eligibility answer.
fn outcome(eligibility: &Value, id: &str) -> Value {
    criterion(eligibility, id)["outcome"].clone()
}

fn criterion(eligibility: &Value, id: &str) -> Value {
    eligibility["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == id))
        .cloned()
        .unwrap_or_else(|| panic!("criterion {id} in {eligibility}"))
}

/// The ledger the CLI journeys use: three failures in three classes, one a 90-day trial.
async fn add_ledger(who: &crate::harness::Client, patient: &str) {
    for trial in [
        json!({"drug": "propranolol", "start": "2025-01-01", "stop": "2025-03-31",
               "outcome": "not_effective", "reason": "no fewer headache days"}),
        json!({"drug": "topiramate", "start": "2025-04-15", "stop": "2025-05-10", "dose": "50 mg bd",
               "outcome": "not_tolerated", "reason": "paraesthesia"}),
        json!({"drug": "amitriptyline", "outcome": "contraindicated", "reason": "long QT"}),
    ] {
        let added = PREVENTIVE_ADD
            .with(who, &[patient], &trial)
            .await
            .expect(201);
        assert_eq!(added["drug"], trial["drug"]);
        assert!(added["id"].is_string(), "{added}");
    }
}

story!(rule_sets_are_listed, |app: App| async move {
    let dr = app.login("dr.north").await;
    let sets = RULE_SETS.call(&dr, &[], "").await.expect(200);
    let ids: Vec<&str> = sets
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|s| s["id"].as_str())
        .collect();
    assert_eq!(ids, ["fda-label", "nice-ta260", "wa-lni", "evicore"]);
    let nice = &sets[1];
    assert!(
        nice["name"].as_str().is_some_and(|n| n.contains("NICE")),
        "{nice}"
    );
    assert_eq!(nice["version"], "2012");
    assert_eq!(nice["preset"], "any");
    assert_eq!(
        nice["criteria"],
        json!([
            "headache-days",
            "migraine-days",
            "failed-preventives",
            "overuse-managed"
        ])
    );
    let anna = app.token("anna").await;
    RULE_SETS.call(&anna, &[], "").await.expect(403);
});

story!(preventive_ledger_counts_failures, |app: App| async move {
    let nurse = app.login("nurse.north").await;
    let anna = app.seed.anna.clone();
    add_ledger(&nurse, &anna).await;
    let ledger = PREVENTIVES.call(&nurse, &[&anna], "").await.expect(200);
    assert_eq!(ledger["on"], crate::harness::TODAY);
    assert_eq!(ledger["trials"].as_array().map(Vec::len), Some(3));
    assert_eq!(ledger["failed"], 3);
    assert_eq!(
        ledger["failed_classes"],
        json!(["beta_blocker", "anticonvulsant", "tricyclic_snri"])
    );
    let trial = |drug: &str| {
        ledger["trials"]
            .as_array()
            .and_then(|t| t.iter().find(|t| t["drug"] == drug))
            .cloned()
            .unwrap_or_else(|| panic!("{drug} in {ledger}"))
    };
    assert_eq!(trial("propranolol")["trial_days"], 90);
    assert_eq!(trial("topiramate")["class"], "anticonvulsant");
    assert_eq!(trial("amitriptyline")["trial_days"], json!(null));
    let strict = PREVENTIVES
        .call(&nurse, &[&anna], "min_trial_days=91")
        .await
        .expect(200);
    assert_eq!(
        strict["failed"], 2,
        "a 90-day trial does not count at 91 days"
    );
    assert_eq!(strict["too_short"], json!(["propranolol"]));
    // Refused entries name their field and store nothing.
    let err = PREVENTIVE_ADD
        .with(
            &nurse,
            &[&anna],
            &json!({"drug": "mystery-pill", "start": "2025-01-01", "outcome": "ongoing"}),
        )
        .await
        .expect(422);
    assert_eq!(err["error"]["field"], "class", "{err}");
    let err = PREVENTIVE_ADD
        .with(
            &nurse,
            &[&anna],
            &json!({"drug": "propranolol", "start": "2025-02-01", "stop": "2025-01-01",
                    "outcome": "not_effective", "reason": "x"}),
        )
        .await
        .expect(422);
    assert_eq!(err["error"]["field"], "stop", "{err}");
    let again = PREVENTIVES.call(&nurse, &[&anna], "").await.expect(200);
    assert_eq!(again["trials"].as_array().map(Vec::len), Some(3));
    // A patient may neither read nor write the ledger.
    let me = app.token("anna").await;
    PREVENTIVES.call(&me, &[&anna], "").await.expect(403);
});

story!(
    eligibility_shows_every_criterion_with_evidence,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let anna = app.seed.anna.clone();
        add_ledger(&dr, &anna).await;
        let e = ELIGIBILITY
            .call(&dr, &[&anna], "rules=nice-ta260&on=2026-07-01")
            .await
            .expect(200);
        assert_eq!(e["rule_set"], "nice-ta260");
        assert_eq!(e["preset"], "any");
        assert_eq!(e["on"], "2026-07-01");
        assert_eq!(
            e["verdict"], "not_eligible",
            "triptan overuse not yet managed: {e}"
        );
        assert_eq!(outcome(&e, "headache-days"), "met");
        assert_eq!(outcome(&e, "migraine-days"), "met");
        assert_eq!(outcome(&e, "failed-preventives"), "met");
        assert_eq!(outcome(&e, "overuse-managed"), "not_met");
        let headache = criterion(&e, "headache-days");
        assert_eq!(
            headache["months"].as_array().map(Vec::len),
            Some(3),
            "{headache}"
        );
        let evidence = headache["evidence"].as_str().expect("evidence");
        assert!(
            evidence.contains("2026-04 20.0") && evidence.contains("2026-06 20.0"),
            "20 headache days in each month: {evidence}"
        );
        assert!(
            criterion(&e, "failed-preventives")["evidence"]
                .as_str()
                .is_some_and(|t| t.starts_with("3 failed preventive(s) in 3 class(es)")),
            "{e}"
        );
        // A nurse may not attest; the clinician does, in their own name.
        let nurse = app.login("nurse.north").await;
        OVERUSE_ATTESTATION
            .with(
                &nurse,
                &[&anna],
                &json!({"on": "2026-06-30", "note": "withdrawal completed"}),
            )
            .await
            .expect(403);
        let a = OVERUSE_ATTESTATION
            .with(
                &dr,
                &[&anna],
                &json!({"on": "2026-06-30", "note": "withdrawal completed"}),
            )
            .await
            .expect(201);
        assert_eq!(
            a,
            json!({"by": "Dr North", "on": "2026-06-30", "note": "withdrawal completed"})
        );
        let err = OVERUSE_ATTESTATION
            .with(&dr, &[&anna], &json!({"on": "2026-07-02"}))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "on");
        let e = ELIGIBILITY
            .call(&dr, &[&anna], "rules=nice-ta260&on=2026-07-01")
            .await
            .expect(200);
        assert_eq!(e["verdict"], "eligible", "{e}");
        assert!(
            criterion(&e, "overuse-managed")["evidence"]
                .as_str()
                .is_some_and(|t| t.contains("attestation by Dr North on 2026-06-30")),
            "{e}"
        );
        // The label (the default rule set) counts 4-hour days: 20 a month; no session yet.
        let label = ELIGIBILITY.call(&dr, &[&anna], "").await.expect(200);
        assert_eq!(label["rule_set"], "fda-label");
        assert_eq!(label["preset"], "label-4h");
        assert_eq!(outcome(&label, "adult"), "met");
        assert_eq!(outcome(&label, "headache-days"), "met");
        assert_eq!(outcome(&label, "retreatment-interval"), "met");
        assert_eq!(label["verdict"], "eligible");
        assert!(
            criterion(&label, "headache-days")["source"]
                .as_str()
                .is_some_and(|s| s.contains("[unverified default]")),
            "{label}"
        );
        // No diary: the day counts cannot be decided.
        let ben = ELIGIBILITY
            .call(&dr, &[&app.seed.ben], "rules=fda-label")
            .await
            .expect(200);
        assert_eq!(outcome(&ben, "headache-days"), "unknown");
        assert_eq!(ben["verdict"], "insufficient_information");
        let err = ELIGIBILITY
            .call(&dr, &[&anna], "rules=nope")
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "rules");
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("known: fda-label, nice-ta260, wa-lni, evicore")),
            "{err}"
        );
    }
);

story!(
    a_phq9_with_item_9_above_0_heads_the_worklist_until_reviewed,
    |app: App| async move {
        let anna_id = app.seed.anna.clone();
        let me = app.token("anna").await;
        let quiet = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "phq9", "answers": [3, 3, 3, 3, 3, 3, 3, 3, 0],
                    "date": "2026-05-01"}),
            )
            .await
            .expect(201);
        assert_eq!(quiet["total"], 24);
        assert_eq!(quiet["interpretation"], "severe depressive symptoms");
        assert_eq!(quiet["same_day_review"], false);
        let flagged = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "PHQ-9", "answers": ["not at all", 0, 0, 0, 0, 0, 0, 0,
                    "several days"]}),
            )
            .await
            .expect(201);
        assert_eq!(flagged["total"], 1);
        assert_eq!(flagged["same_day_review"], true);
        let gad7 = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "gad7", "answers": [2, 2, 2, 2, 1, 1, 0]}),
            )
            .await
            .expect(201);
        assert_eq!(gad7["interpretation"], "moderate anxiety symptoms");
        let err = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "gad7", "answers": [2, 2, 4, 2, 1, 1, 0],
                    "date": "2026-05-02"}),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "answers[2]", "{err}");
        let flagged_id = flagged["id"].as_str().expect("id").to_owned();
        let quiet_id = quiet["id"].as_str().expect("id").to_owned();
        // The patient cannot record a clinician's review.
        QUESTIONNAIRE_REVIEW
            .with(&me, &[&anna_id, &flagged_id], &json!({"decision": "fine"}))
            .await
            .expect(403);
        let dr = app.login("dr.north").await;
        let page = dr.download("/worklist").await.text();
        let urgent = page
            .split("id=\"same-day-review\"")
            .nth(1)
            .and_then(|s| s.split("</section>").next())
            .expect("the same-day section");
        assert!(urgent.contains("URGENT: PHQ-9"), "{urgent}");
        let err = QUESTIONNAIRE_REVIEW
            .with(&dr, &[&anna_id, &quiet_id], &json!({"decision": "fine"}))
            .await
            .expect(409);
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("no same-day alert")),
            "{err}"
        );
        let review = QUESTIONNAIRE_REVIEW
            .with(
                &dr,
                &[&anna_id, &flagged_id],
                &json!({"decision": "phoned the same day; safe; plan agreed with the GP"}),
            )
            .await
            .expect(200);
        assert_eq!(review["questionnaire"], flagged_id.as_str());
        QUESTIONNAIRE_REVIEW
            .with(&dr, &[&anna_id, &flagged_id], &json!({"decision": "again"}))
            .await
            .expect(409);
        let page = dr.download("/worklist").await.text();
        assert!(
            page.contains("No questionnaire answer needs a review today."),
            "reviewed answers leave the worklist"
        );
    }
);

story!(
    questionnaires_are_filled_in_by_patients,
    |app: App| async move {
        let anna_id = app.seed.anna.clone();
        let me = app.token("anna").await;
        let midas = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "midas", "answers": [10, 5, 3, 2, 1], "date": "2026-06-01"}),
            )
            .await
            .expect(201);
        assert_eq!(midas["instrument"], "midas");
        assert_eq!(midas["total"], 21);
        assert_eq!(midas["date"], "2026-06-01");
        assert!(
            midas["interpretation"]
                .as_str()
                .is_some_and(|i| i.contains("grade IV")),
            "{midas}"
        );
        assert_eq!(midas["result"]["items"], json!([10, 5, 3, 2, 1]));
        let hit6 = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "HIT-6",
                    "answers": ["always", "very often", "sometimes", "rarely", "never", "always"]}),
            )
            .await
            .expect(201);
        assert_eq!(hit6["total"], 61);
        assert_eq!(hit6["interpretation"], "severe impact");
        assert_eq!(
            hit6["date"],
            crate::harness::TODAY,
            "dated today by default"
        );
        let err = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "hit6",
                    "answers": ["always", "often", "never", "never", "never", "never"]}),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "answers[1]", "{err}");
        let err = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna_id],
                &json!({"instrument": "midas", "answers": [1, 1, 1, 1, 1], "date": "2026-07-02"}),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "date");
        // The patient and the clinic's clinicians read them; an administrator does not; another
        // patient does not see them at all.
        let mine = QUESTIONNAIRES.call(&me, &[&anna_id], "").await.expect(200);
        assert_eq!(mine.as_array().map(Vec::len), Some(2));
        assert_eq!(mine[0]["id"], midas["id"]);
        let dr = app.login("dr.north").await;
        let theirs = QUESTIONNAIRES.call(&dr, &[&anna_id], "").await.expect(200);
        assert_eq!(theirs, mine);
        let admin = app.login("admin.north").await;
        QUESTIONNAIRES
            .call(&admin, &[&anna_id], "")
            .await
            .expect(403);
        let ben = app.token("ben").await;
        QUESTIONNAIRES.call(&ben, &[&anna_id], "").await.expect(404);
        QUESTIONNAIRE_ADD
            .with(
                &ben,
                &[&anna_id],
                &json!({"instrument": "midas", "answers": [0, 0, 0, 0, 0]}),
            )
            .await
            .expect(404);
    }
);
