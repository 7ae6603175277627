//! Nothing overwritten, nothing lost: a replaced diary day keeps its earlier versions (who, when,
//! why), a day is marked entered in error with a reason and then counts nowhere, and a day is
//! never deleted.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::App;
use crate::story;

fn migraine() -> Value {
    json!({"headache_minutes": 900, "peak_intensity": "severe",
           "features": {"unilateral": true, "pulsating": true, "nausea": true},
           "medicines": ["sumatriptan 50mg"], "notes": "worst this month"})
}

story!(
    a_replaced_day_keeps_every_earlier_version,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let day = "2026-06-10";
        DIARY_DAY_PUT
            .with(&dr, &[&ben, day], &migraine())
            .await
            .expect(200);
        let h = DIARY_HISTORY.call(&dr, &[&ben, day], "").await.expect(200);
        assert_eq!(h["current_version"], 1, "{h}");
        assert_eq!(h["versions"], json!([]));
        assert_eq!(h["current"]["headache_minutes"], 900);

        // A PUT still upserts; the day it replaces is kept with who, when and why.
        DIARY_DAY_PUT
            .send(
                &dr,
                &[&ben, day],
                "reason=entered%20on%20the%20wrong%20day",
                Some(&json!({"headache_minutes": 0})),
            )
            .await
            .expect(200);
        let h = DIARY_HISTORY.call(&dr, &[&ben, day], "").await.expect(200);
        assert_eq!(h["current"]["headache_minutes"], 0, "{h}");
        assert_eq!(h["current_version"], 2);
        let v = &h["versions"][0];
        assert_eq!(v["version"], 1);
        assert_eq!(v["action"], "corrected");
        assert_eq!(v["changed_by"], "clinician:dr.north");
        assert_eq!(v["reason"], "entered on the wrong day");
        assert!(v["changed_at"].is_string(), "{v}");
        assert_eq!(v["day"]["headache_minutes"], 900);
        assert_eq!(v["day"]["peak_intensity"], "severe");
        assert_eq!(
            v["day"]["medicines"].as_array().map(Vec::len),
            Some(1),
            "{v}"
        );
        assert_eq!(v["day"]["notes"], "worst this month");

        // Without a reason, the API names what replaced it; the patient is named as the actor.
        let me = app.token("ben").await;
        DIARY_DAY_PUT
            .with(&me, &[&ben, day], &migraine())
            .await
            .expect(200);
        // A bulk replace keeps the days it replaces too.
        let ok = DIARY_BULK
            .with(
                &me,
                &[&ben],
                &json!({"days": [{"date": day, "headache_minutes": 60, "peak_intensity": "mild"}],
                        "replace": true, "reason": "synced from my phone app"}),
            )
            .await
            .expect(200);
        assert_eq!(ok, json!({"inserted": 0, "replaced": 1}));
        let h = DIARY_HISTORY.call(&dr, &[&ben, day], "").await.expect(200);
        let versions = h["versions"].as_array().expect("versions");
        assert_eq!(versions.len(), 3, "{h}");
        assert_eq!(versions[1]["changed_by"], "patient:ben");
        assert_eq!(versions[1]["reason"], "replaced through the API");
        assert_eq!(versions[1]["day"]["headache_minutes"], 0);
        assert_eq!(versions[2]["reason"], "synced from my phone app");
        assert_eq!(versions[2]["day"]["headache_minutes"], 900);
        assert_eq!(h["current_version"], 4);
        assert_eq!(h["current"]["peak_intensity"], "mild");

        // Another clinic's patient's history is not found.
        let south = app.token("dr.south").await;
        DIARY_HISTORY
            .call(&south, &[&ben, day], "")
            .await
            .expect(404);
    }
);

story!(
    a_day_is_entered_in_error_with_a_reason_and_never_deleted,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let anna = app.seed.anna.clone();
        let day = "2026-04-01";
        let before = METRICS
            .call(&dr, &[&anna], "period=month&preset=any")
            .await
            .expect(200);
        let april = &before["periods"][0];
        assert_eq!(
            (
                april["recorded_days"].clone(),
                april["headache_days"].clone()
            ),
            (json!(30), json!(20)),
            "{april}"
        );

        // DELETE is not how a day goes: it answers 405 and the day stays.
        let r = dr
            .api("delete", &format!("/patients/{anna}/diary/{day}"), None)
            .await;
        assert_eq!(r.status, 405, "{}", r.body);
        assert_eq!(r.body["error"]["code"], "method_not_allowed");
        DIARY_DAY.call(&dr, &[&anna, day], "").await.expect(200);

        // A reason is required; without it nothing changes.
        let err = DIARY_ENTERED_IN_ERROR
            .with(&dr, &[&anna, day], &json!({"reason": "  "}))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "reason", "{err}");
        let err = DIARY_ENTERED_IN_ERROR
            .with(&dr, &[&anna, day], &json!({}))
            .await
            .expect(422);
        assert_eq!(err["error"]["code"], "invalid", "{err}");
        DIARY_DAY.call(&dr, &[&anna, day], "").await.expect(200);

        let h = DIARY_ENTERED_IN_ERROR
            .with(
                &dr,
                &[&anna, day],
                &json!({"reason": "belongs to another patient"}),
            )
            .await
            .expect(200);
        assert_eq!(h["current"], Value::Null, "{h}");
        assert_eq!(h["current_version"], Value::Null);
        let v = &h["versions"][0];
        assert_eq!(v["action"], "entered_in_error");
        assert_eq!(v["reason"], "belongs to another patient");
        assert_eq!(v["changed_by"], "clinician:dr.north");
        assert_eq!(v["day"]["headache_minutes"], 300);

        // From then on it counts nowhere and reads as unrecorded.
        DIARY_DAY.call(&dr, &[&anna, day], "").await.expect(404);
        let listed = DIARY
            .call(&dr, &[&anna], "from=2026-04-01&to=2026-04-30")
            .await
            .expect(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(29));
        let after = METRICS
            .call(&dr, &[&anna], "period=month&preset=any")
            .await
            .expect(200);
        let april = &after["periods"][0];
        assert_eq!(
            (
                april["recorded_days"].clone(),
                april["headache_days"].clone()
            ),
            (json!(29), json!(19)),
            "{april}"
        );
        assert_eq!(
            after["periods"][1], before["periods"][1],
            "other months are untouched"
        );

        // Entering an unrecorded day in error is not found; the history stays as it was.
        DIARY_ENTERED_IN_ERROR
            .with(&dr, &[&anna, day], &json!({"reason": "again"}))
            .await
            .expect(404);
        let h = DIARY_HISTORY.call(&dr, &[&anna, day], "").await.expect(200);
        assert_eq!(h["versions"].as_array().map(Vec::len), Some(1), "{h}");

        // A patient may not withdraw another patient's day; a nurse of the clinic reads the history.
        let ben = app.token("ben").await;
        DIARY_ENTERED_IN_ERROR
            .with(&ben, &[&anna, "2026-04-02"], &json!({"reason": "mine"}))
            .await
            .expect(404);
        let nurse = app.token("nurse.north").await;
        DIARY_HISTORY
            .call(&nurse, &[&anna, day], "")
            .await
            .expect(200);
    }
);

story!(
    the_diary_page_replaces_a_recorded_day_only_when_confirmed,
    |app: App| async move {
        let ben = app.seed.ben.clone();
        let me = app.token("ben").await;
        let page = app.login("ben").await;
        let day = "2026-06-28"; // a Sunday, three days before the test clock's today
        let path = format!("/patients/{ben}/diary");
        // An unrecorded day offers the one-tap "No headache".
        let html = page.download(&format!("{path}?date={day}")).await.text();
        assert!(
            html.contains("No headache on Sunday 28 June 2026"),
            "{html}"
        );
        assert!(!html.contains("Replace entry"));

        DIARY_DAY_PUT
            .with(&me, &[&ben, day], &migraine())
            .await
            .expect(200);
        // A recorded day shows what is stored and no one-tap "No headache".
        let html = page.download(&format!("{path}?date={day}")).await.text();
        assert!(html.contains("Severe headache for 15 h"), "{html}");
        assert!(!html.contains("No headache on"), "{html}");
        assert!(
            html.contains("name=\"replace\" value=\"confirmed\""),
            "{html}"
        );

        // A one-tap post (a stale page) or a form without the confirmation replaces nothing.
        let refused = page
            .post_form(&path, &[("date", day), ("no_headache", "1")])
            .await;
        assert_eq!(refused.status, 409);
        assert!(
            refused.text().contains("already recorded"),
            "{}",
            refused.text()
        );
        assert!(refused.text().contains("Severe headache for 15 h"));
        let refused = page
            .post_form(
                &path,
                &[
                    ("date", day),
                    ("intensity", "mild"),
                    ("hours", "1"),
                    ("replace", "yes"),
                ],
            )
            .await;
        assert_eq!(refused.status, 409);
        let stored = DIARY_DAY.call(&me, &[&ben, day], "").await.expect(200);
        assert_eq!(stored["headache_minutes"], 900);
        assert!(
            app.store
                .diary_day_history(ben.parse().expect("id"), crate::harness::d(day))
                .await
                .expect("history")
                .is_empty()
        );

        // Confirmed: replaced, and the old version is kept with who and why.
        let done = page
            .post_form(
                &path,
                &[
                    ("date", day),
                    ("no_headache", "1"),
                    ("replace", "confirmed"),
                    ("reason", "it was the day before"),
                ],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text());
        let h = DIARY_HISTORY.call(&me, &[&ben, day], "").await.expect(200);
        assert_eq!(h["current"]["headache_minutes"], 0, "{h}");
        assert_eq!(h["versions"][0]["day"]["headache_minutes"], 900);
        assert_eq!(h["versions"][0]["changed_by"], "patient:ben");
        assert_eq!(h["versions"][0]["reason"], "it was the day before");
        let html = page.download(&format!("{path}?date={day}")).await.text();
        assert!(html.contains("History of Sunday 28 June 2026"), "{html}");
        assert!(html.contains("Version 1"), "{html}");

        // Entered in error from the page: a reason is required.
        let refused = page
            .post_form(
                &format!("{path}/entered-in-error"),
                &[("date", day), ("reason", " ")],
            )
            .await;
        assert_eq!(refused.status, 422);
        DIARY_DAY.call(&me, &[&ben, day], "").await.expect(200);
        let done = page
            .post_form(
                &format!("{path}/entered-in-error"),
                &[("date", day), ("reason", "I had no diary that week")],
            )
            .await;
        assert_eq!(done.status, 303, "{}", done.text());
        DIARY_DAY.call(&me, &[&ben, day], "").await.expect(404);
        let html = page.download(&format!("{path}?date={day}")).await.text();
        assert!(html.contains("Entered in error by patient:ben"), "{html}");
        assert!(
            html.contains("No headache on Sunday 28 June 2026"),
            "an unrecorded day again: {html}"
        );
    }
);

story!(
    every_record_is_corrected_or_entered_in_error_with_its_history,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let anna = app.seed.anna.clone();
        let anna_id: uuid::Uuid = anna.parse().expect("id");

        // A preventive corrected with a reason; the reason is required.
        let added = PREVENTIVE_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"drug": "topiramate", "start": "2025-01-01", "stop": "2025-02-01",
                "outcome": "not_tolerated", "reason": "paraesthesia"}),
            )
            .await
            .expect(201);
        let trial = added["id"].as_str().expect("id").to_owned();
        let fixed = json!({"drug": "topiramate", "start": "2025-01-01", "stop": "2025-04-01",
            "outcome": "not_tolerated", "reason": "paraesthesia"});
        let r = PREVENTIVE_CORRECT
            .send(&dr, &[&anna, &trial], "", Some(&fixed))
            .await;
        assert_eq!(r.status, 422, "no reason: {}", r.body);
        assert_eq!(r.body["error"]["field"], "reason");
        let r = PREVENTIVE_CORRECT
            .send(&dr, &[&anna, &trial], "reason=%20", Some(&fixed))
            .await;
        assert_eq!(r.status, 422, "{}", r.body);
        assert_eq!(r.body["error"]["field"], "reason");
        let ok = PREVENTIVE_CORRECT
            .send(
                &dr,
                &[&anna, &trial],
                "reason=stop%20date%20from%20the%20letter",
                Some(&fixed),
            )
            .await
            .expect(200);
        assert_eq!(ok["id"], trial.as_str());
        assert_eq!(ok["stop"], "2025-04-01");
        let h = RECORD_HISTORY
            .call(&dr, &[&anna, "preventive", &trial], "")
            .await
            .expect(200);
        assert_eq!(h.as_array().map(Vec::len), Some(1), "{h}");
        assert_eq!(h[0]["action"], "corrected");
        assert_eq!(h[0]["reason"], "stop date from the letter");
        assert_eq!(h[0]["changed_by"], "clinician:dr.north");
        assert_eq!(h[0]["snapshot"]["stop"], "2025-02-01");
        PREVENTIVE_CORRECT
            .send(
                &dr,
                &[&anna, &uuid::Uuid::now_v7().to_string()],
                "reason=x",
                Some(&fixed),
            )
            .await
            .expect(404);

        // A questionnaire corrected by the patient is re-scored; the old answers are kept.
        let me = app.token("anna").await;
        let q = QUESTIONNAIRE_ADD
            .with(
                &me,
                &[&anna],
                &json!({"instrument": "midas", "answers": [10, 5, 3, 2, 1], "date": "2026-06-01"}),
            )
            .await
            .expect(201);
        let qid = q["id"].as_str().expect("id").to_owned();
        let fixed = QUESTIONNAIRE_CORRECT
            .send(&me, &[&anna, &qid], "reason=I%20misread%20question%201",
                Some(&json!({"instrument": "midas", "answers": [1, 5, 3, 2, 1], "date": "2026-06-01"})))
            .await
            .expect(200);
        assert_eq!(fixed["total"], 12, "{fixed}");
        let h = RECORD_HISTORY
            .call(&me, &[&anna, "questionnaire", &qid], "")
            .await
            .expect(200);
        assert_eq!(h[0]["changed_by"], "patient:anna");
        assert_eq!(h[0]["snapshot"]["answers"], "10;5;3;2;1");

        // An adverse event entered in error leaves the case list and is kept.
        let case = ADVERSE_EVENT_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"reported_term": "neck pain", "onset": "2026-06-05", "ctcae_grade": 1}),
            )
            .await
            .expect(201);
        let case_id = case["id"].as_str().expect("id").to_owned();
        let err = RECORD_ENTERED_IN_ERROR
            .with(
                &dr,
                &[&anna, "adverse_event", &case_id],
                &json!({"reason": ""}),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "reason");
        let kept = RECORD_ENTERED_IN_ERROR
            .with(
                &dr,
                &[&anna, "adverse_event", &case_id],
                &json!({"reason": "reported for the wrong patient"}),
            )
            .await
            .expect(200);
        assert_eq!(kept["action"], "entered_in_error");
        assert_eq!(
            kept["snapshot"]["event"]["reported_term"], "neck pain",
            "{kept}"
        );
        assert_eq!(
            ADVERSE_EVENTS.call(&dr, &[&anna], "").await.expect(200),
            json!([])
        );
        ADVERSE_EVENT.call(&dr, &[&case_id], "").await.expect(404);

        // An attestation entered in error attests nothing any more; a nurse may not withdraw it.
        OVERUSE_ATTESTATION
            .with(
                &dr,
                &[&anna],
                &json!({"on": "2026-06-20", "note": "withdrawal completed"}),
            )
            .await
            .expect(201);
        let (att, _) = app
            .store
            .overuse_attestation_records(anna_id)
            .await
            .expect("list")
            .remove(0);
        let nurse = app.token("nurse.north").await;
        RECORD_ENTERED_IN_ERROR
            .with(
                &nurse,
                &[&anna, "attestation", &att.to_string()],
                &json!({"reason": "not mine to sign"}),
            )
            .await
            .expect(403);
        RECORD_ENTERED_IN_ERROR
            .with(
                &dr,
                &[&anna, "attestation", &att.to_string()],
                &json!({"reason": "signed in the wrong chart"}),
            )
            .await
            .expect(200);
        assert_eq!(
            app.store
                .overuse_attestation(anna_id, crate::harness::d("2026-06-30"))
                .await
                .expect("get"),
            None
        );

        // A diary day through the same route; an unknown kind names the field.
        RECORD_ENTERED_IN_ERROR
            .with(
                &dr,
                &[&anna, "diary_day", "2026-04-02"],
                &json!({"reason": "duplicate of the 1st"}),
            )
            .await
            .expect(200);
        DIARY_DAY
            .call(&dr, &[&anna, "2026-04-02"], "")
            .await
            .expect(404);
        let err = RECORD_HISTORY
            .call(&dr, &[&anna, "x-ray", "1"], "")
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "kind");

        // The whole history, by kind.
        let all = PATIENT_HISTORY.call(&dr, &[&anna], "").await.expect(200);
        let kinds: Vec<(&str, &str)> = all
            .as_array()
            .expect("list")
            .iter()
            .map(|v| {
                (
                    v["kind"].as_str().unwrap_or(""),
                    v["action"].as_str().unwrap_or(""),
                )
            })
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("adverse_event", "entered_in_error"),
                ("attestation", "entered_in_error"),
                ("diary_day", "entered_in_error"),
                ("preventive", "corrected"),
                ("questionnaire", "corrected"),
            ]
        );
        // The patient reads her own day's history, not the clinical history.
        PATIENT_HISTORY.call(&me, &[&anna], "").await.expect(403);
        let south = app.token("dr.south").await;
        PATIENT_HISTORY.call(&south, &[&anna], "").await.expect(404);
    }
);
