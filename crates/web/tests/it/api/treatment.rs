//! Plans, sessions (dry run, refusal, override), the schedule and the response to treatment.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::{App, Client};
use crate::story;

/// The override these stories give the pathway's eligibility check: the seeded diary starts in
/// April, too short for an eligibility verdict before the summer's sessions. The pathway checks
/// are tested in `pathway_checks_refuse_and_a_nurse_records_with_the_prescriber_named`.
const ELIGIBILITY_OVERRIDE: &str = "payer approval on file";

/// A PREEMPT session from a 200 U vial on `date`, with `extra` fields merged in (its overrides
/// beside the eligibility override).
fn session(date: &str, extra: Value) -> Value {
    let mut s = json!({
        "date": date,
        "vial_size": 200,
        "lot": "C4021AB",
        "expiry": "2027-03-31",
        "overrides": [{"check": "eligibility", "reason": ELIGIBILITY_OVERRIDE}],
    });
    if let (Some(s), Some(extra)) = (s.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            if let (Some(Value::Array(mine)), Value::Array(more)) = (s.get_mut(k), v) {
                mine.extend(more.iter().cloned());
            } else {
                s.insert(k.clone(), v.clone());
            }
        }
    }
    s
}

/// The stored overrides of a session other than the eligibility override.
fn own_overrides(session: &Value) -> Vec<Value> {
    session["overrides"]
        .as_array()
        .expect("overrides")
        .iter()
        .filter(|o| o["check"] != "eligibility")
        .cloned()
        .collect()
}

/// Billing lines as "CODE[-MODIFIER]×QUANTITY", sorted.
fn billing(view: &Value) -> Vec<String> {
    let mut lines: Vec<String> = view["billing"]["lines"]
        .as_array()
        .expect("billing lines")
        .iter()
        .map(|l| {
            format!(
                "{}{}×{}",
                l["code"].as_str().unwrap_or_default(),
                l["modifier"]
                    .as_str()
                    .map(|m| format!("-{m}"))
                    .unwrap_or_default(),
                l["quantity"]
            )
        })
        .collect();
    lines.sort();
    lines
}

async fn record(dr: &Client, patient: &str, body: Value) -> Value {
    SESSION_RECORD.with(dr, &[patient], &body).await.expect(201)
}

story!(plans_are_served_to_clinicians, |app: App| async move {
    let nurse = app.login("nurse.north").await;
    let p = PLAN.call(&nurse, &["preempt"], "").await.expect(200);
    assert_eq!(p["kind"], "preempt");
    assert_eq!(p["total_units"], 155);
    assert_eq!(p["total_sites"], 31);
    assert_eq!(p["total_volume_ml"], 3.1);
    assert_eq!(p["concentration"]["units_per_0_1_ml"], 5.0);
    assert_eq!(p["sites"].as_array().map(Vec::len), Some(31));
    let procerus = &p["sites"][2];
    assert_eq!(
        (&procerus["target"], &procerus["side"], &procerus["units"]),
        (&json!("procerus"), &json!("midline"), &json!(5)),
        "{p}"
    );
    let ftp = PLAN
        .call(
            &nurse,
            &["preempt-ftp"],
            "extra=temporalis:left,trapezius:right",
        )
        .await
        .expect(200);
    assert_eq!(ftp["kind"], "preempt_follow_the_pain");
    assert_eq!(ftp["total_units"], 165);
    assert_eq!(ftp["total_sites"], 33);
    let err = PLAN
        .call(&nurse, &["preempt-ftp"], "extra=frontalis:left")
        .await
        .expect(422);
    assert_eq!(err["error"]["field"], "extra");
    PLAN.call(&nurse, &["preempt"], "extra=temporalis:left")
        .await
        .expect(422);
    let gon = PLAN.call(&nurse, &["gon-block"], "").await.expect(200);
    assert_eq!(gon["kind"], "gon_block");
    assert_eq!(gon["nerve"], "greater_occipital");
    assert_eq!(gon["laterality"], "bilateral");
    assert_eq!(gon["volume_per_side"], 2.0);
    assert_eq!(gon["total_volume_ml"], 4.0);
    let left = PLAN
        .call(&nurse, &["gon-block"], "side=left")
        .await
        .expect(200);
    assert_eq!(left["total_volume_ml"], 2.0);
    PLAN.call(&nurse, &["botox-everywhere"], "")
        .await
        .expect(404);
    let patient = app.token("anna").await;
    PLAN.call(&patient, &["preempt"], "").await.expect(403);
    let admin = app.login("admin.north").await;
    PLAN.call(&admin, &["preempt"], "").await.expect(403);
});

story!(
    sessions_are_checked_billed_and_overridden,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let anna = app.seed.anna.clone();
        // A dry run answers the checks, waste and billing and saves nothing.
        let dry = SESSION_RECORD
            .with(
                &dr,
                &[&anna],
                &session("2026-05-01", json!({"dry_run": true})),
            )
            .await
            .expect(200);
        assert_eq!(dry["saved"], false);
        assert_eq!(dry["may_save"], true);
        assert!(dry.get("id").is_none(), "{dry}");
        assert_eq!(dry["units_given"], 155);
        assert_eq!(dry["sites_given"], 31);
        assert_eq!(
            dry["waste"],
            json!({"opened": 200, "given": 155, "discarded": 45})
        );
        assert_eq!(billing(&dry), ["64615×1", "J0585-JW×45", "J0585×155"]);
        assert_eq!(
            dry["billing"]["lines"][0]["diagnosis"],
            json!({"ichd3": "1.3", "name": "chronic migraine", "icd10cm": "G43.709"}),
            "the lines name the diagnosis they rest on"
        );
        assert_eq!(dry["injector"], "Dr North", "the signed-in user by default");
        assert_eq!(dry["checks"]["refusals"], json!([]));
        let none = SESSIONS.call(&dr, &[&anna], "").await.expect(200);
        assert_eq!(none, json!({"sessions": [], "nerve_blocks": []}));
        // A nurse records a session only with the prescribing clinician named.
        let nurse = app.login("nurse.north").await;
        let err = SESSION_RECORD
            .with(&nurse, &[&anna], &session("2026-05-01", json!({})))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "prescriber");
        let first = record(&dr, &anna, session("2026-05-01", json!({}))).await;
        assert_eq!(first["saved"], true);
        assert!(first["id"].is_string(), "{first}");
        // 60 days later: refused by the 84-day check, nothing saved.
        let refused = SESSION_RECORD
            .with(&dr, &[&anna], &session("2026-06-30", json!({})))
            .await
            .expect(409);
        let error = &refused["error"];
        assert_eq!(error["code"], "conflict");
        assert_eq!(error["field"], "overrides");
        assert!(
            error["message"]
                .as_str()
                .is_some_and(|m| m.contains("retreatment_interval")),
            "{refused}"
        );
        let refusals = error["refusals"].as_array().expect("refusals");
        assert_eq!(refusals.len(), 1, "{refused}");
        assert_eq!(refusals[0]["check"], "retreatment_interval");
        assert_eq!(refusals[0]["finding"]["days_apart"], 60);
        assert_eq!(refusals[0]["finding"]["minimum_days"], 84);
        assert!(
            refusals[0]["description"]
                .as_str()
                .is_some_and(|d| d.contains("60 days") && d.contains("84 days")),
            "{refused}"
        );
        let listed = SESSIONS.call(&dr, &[&anna], "").await.expect(200);
        assert_eq!(listed["sessions"].as_array().map(Vec::len), Some(1));
        // A dry run of the same shows the refusal without refusing.
        let dry = SESSION_RECORD
            .with(
                &dr,
                &[&anna],
                &session("2026-06-30", json!({"dry_run": true})),
            )
            .await
            .expect(200);
        assert_eq!(dry["may_save"], false);
        assert_eq!(
            dry["checks"]["refusals"][0]["finding"],
            "interval_too_short"
        );
        // With an override and its reason: recorded, the override stored in the prescriber's name.
        let reason = "travelling abroad for 3 months; agreed with the patient";
        let second = record(
            &dr,
            &anna,
            session(
                "2026-06-30",
                json!({"overrides": [{"check": "retreatment_interval", "reason": reason}]}),
            ),
        )
        .await;
        assert_eq!(
            second["checks"]["overridden"][0]["by"]["check"],
            "retreatment_interval"
        );
        assert_eq!(second["checks"]["overridden"][0]["by"]["by"], "Dr North");
        let listed = SESSIONS.call(&dr, &[&anna], "").await.expect(200);
        let sessions = listed["sessions"].as_array().expect("sessions");
        assert_eq!(sessions.len(), 2);
        assert_eq!(sessions[0]["date"], "2026-05-01");
        assert_eq!(own_overrides(&sessions[0]), Vec::<Value>::new());
        assert_eq!(sessions[0]["overrides"][0]["check"], "eligibility");
        let o = &own_overrides(&sessions[1])[0];
        assert_eq!(
            (&o["check"], &o["reason"], &o["by"]),
            (
                &json!("retreatment_interval"),
                &json!(reason),
                &json!("Dr North")
            )
        );
        assert_eq!(
            billing(&sessions[1]),
            ["64615×1", "J0585-JW×45", "J0585×155"]
        );
        // A warning is not overridable.
        let err = SESSION_RECORD
            .with(
                &dr,
                &[&anna],
                &session(
                    "2026-06-30",
                    json!({"dry_run": true, "overrides": [{"check": "under_age", "reason": "x"}]}),
                ),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "overrides[1].check");
    }
);

story!(
    sessions_record_sites_given_skipped_and_added,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let ben = app.seed.ben.clone();
        // Follow-the-pain: 165 U over 33 sites.
        let ftp = SESSION_RECORD
            .with(
                &dr,
                &[&ben],
                &session(
                    "2026-04-01",
                    json!({"plan": "preempt-ftp", "dry_run": true, "injector": "Dr Example",
                       "follow_the_pain": [{"muscle": "temporalis", "side": "left"},
                                           {"muscle": "trapezius", "side": "right"}]}),
                ),
            )
            .await
            .expect(200);
        assert_eq!(ftp["units_given"], 165);
        assert_eq!(ftp["sites_given"], 33);
        assert_eq!(ftp["injector"], "Dr Example");
        assert_eq!(billing(&ftp), ["64615×1", "J0585-JW×35", "J0585×165"]);
        // One site skipped, one given at 10 U instead of 5, one added: 155 − 5 + 5 + 5 = 160 U.
        let changed = SESSION_RECORD
        .with(
            &dr,
            &[&ben],
            &session(
                "2026-04-01",
                json!({"dry_run": true,
                       "skipped": [{"site": "frontalis", "side": "left", "ordinal": 2},
                                   {"site": "occipitalis", "side": "right", "ordinal": 1}],
                       "added": [{"site": "occipitalis", "side": "right", "ordinal": 1, "units": 10},
                                 {"site": "temporalis", "side": "left", "units": 5}]}),
            ),
        )
        .await
        .expect(200);
        assert_eq!(changed["units_given"], 160, "{changed}");
        assert_eq!(changed["sites_given"], 31);
        let diff = &changed["plan_differences"];
        assert_eq!(diff["skipped"][0]["target"], "frontalis");
        assert_eq!(diff["changed"][0]["given_units"], 10);
        assert_eq!(diff["added"][0]["target"], "temporalis");
        assert_eq!(
            diff["added"][0]["ordinal"], 5,
            "after the plan's 4 left temporalis sites"
        );
        // Errors name the field.
        let err = SESSION_RECORD
            .with(
                &dr,
                &[&ben],
                &session(
                    "2026-04-01",
                    json!({"skipped": [{"site": "frontalis", "side": "left", "ordinal": 9}]}),
                ),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "skipped[0]");
        let mut expired = session("2026-04-01", json!({}));
        expired["expiry"] = json!("2026-04-01");
        let err = SESSION_RECORD
            .with(&dr, &[&ben], &expired)
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "expiry");
        let err = SESSION_RECORD
            .with(
                &dr,
                &[&ben],
                &session("2026-04-01", json!({"vial_size": 150})),
            )
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "vial_size");
        let err = SESSION_RECORD
            .with(&dr, &[&ben], &session("2026-07-02", json!({})))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "date");
        let listed = SESSIONS.call(&dr, &[&ben], "").await.expect(200);
        assert_eq!(listed["sessions"], json!([]), "nothing was saved");
    }
);

story!(response_follows_the_cycles, |app: App| async move {
    let dr = app.login("dr.north").await;
    let anna = app.seed.anna.clone();
    let none = RESPONSE.call(&dr, &[&anna], "").await.expect(404);
    assert_eq!(
        none["error"],
        json!({"code": "not_found", "message": "no chronic-migraine session yet", "field": null})
    );
    record(&dr, &anna, session("2026-05-01", json!({}))).await;
    record(
        &dr,
        &anna,
        session(
            "2026-06-30",
            json!({"overrides": [{"check": "retreatment_interval", "reason": "early review"}]}),
        ),
    )
    .await;
    let me = app.token("anna").await;
    QUESTIONNAIRE_ADD
        .with(
            &me,
            &[&anna],
            &json!({"instrument": "midas", "answers": [10, 5, 3, 2, 1], "date": "2026-04-20"}),
        )
        .await
        .expect(201);
    QUESTIONNAIRE_ADD
        .with(
            &me,
            &[&anna],
            &json!({"instrument": "midas", "answers": [5, 2, 1, 0, 0], "date": "2026-06-01"}),
        )
        .await
        .expect(201);
    let r = RESPONSE
        .call(&dr, &[&anna], "rules=nice-ta260&on=2026-06-30")
        .await
        .expect(200);
    assert_eq!(r["rule_set"], "nice-ta260");
    assert_eq!(r["preset"], "any");
    assert_eq!(r["baseline"]["start"], "2026-04-03");
    assert_eq!(r["baseline"]["end"], "2026-04-30");
    let cycles = r["cycles"].as_array().expect("cycles");
    assert_eq!(cycles.len(), 2, "{r}");
    assert_eq!(cycles[0]["cycle"], 1);
    assert_eq!(cycles[0]["session_date"], "2026-05-01");
    assert_eq!(cycles[1]["cycle"], 2);
    assert_eq!(cycles[1]["session_date"], "2026-06-30");
    assert_eq!(
        r["proms"]
            .as_array()
            .map(|p| p.iter().map(|q| q["period"].clone()).collect::<Vec<_>>()),
        Some(vec![json!("baseline"), json!("cycle 1")])
    );
    assert_eq!(r["proms"][1]["total"], 8);
    assert!(
        r["decisions"].as_array().is_some_and(|d| !d.is_empty()),
        "{r}"
    );
    // A patient does not read the clinical assessment.
    RESPONSE.call(&me, &[&anna], "").await.expect(403);
});

story!(
    schedule_lists_only_the_clinics_patients,
    |app: App| async move {
        let north = app.login("dr.north").await;
        let south = app.login("dr.south").await;
        record(&north, &app.seed.anna, session("2026-05-01", json!({}))).await;
        // Carla keeps no diary in this seed.
        record(
            &south,
            &app.seed.carla,
            session(
                "2026-05-08",
                json!({"overrides": [{"check": "diary", "reason": "paper diary reviewed in clinic"}]}),
            ),
        )
        .await;
        let s = SCHEDULE
            .call(&north, &[], "on=2026-07-24")
            .await
            .expect(200);
        assert_eq!(s["on"], "2026-07-24");
        let due = s["due"].as_array().expect("due");
        assert_eq!(due.len(), 1, "84 days after 1 May is 24 July: {s}");
        assert_eq!(due[0]["patient"]["id"], json!(app.seed.anna));
        assert_eq!(due[0]["patient"]["mrn"], "N1");
        assert_eq!(due[0]["days_since"], 84);
        assert_eq!(
            s["too_early"],
            json!([]),
            "South's patient is not listed: {s}"
        );
        let s = SCHEDULE
            .call(&south, &[], "on=2026-07-24")
            .await
            .expect(200);
        assert_eq!(s["due"], json!([]));
        assert_eq!(s["too_early"][0]["patient"]["id"], json!(app.seed.carla));
        let s = SCHEDULE
            .call(&north, &[], "on=2026-08-08")
            .await
            .expect(200);
        assert_eq!(
            s["overdue"].as_array().map(Vec::len),
            Some(1),
            "99 days is overdue"
        );
        let s = SCHEDULE
            .call(
                &north,
                &[],
                "on=2026-07-24&earliest_days=90&latest_days=120",
            )
            .await
            .expect(200);
        assert_eq!(s["too_early"].as_array().map(Vec::len), Some(1));
        let err = SCHEDULE
            .call(&north, &[], "earliest_days=90&latest_days=80")
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "latest_days");
        let patient = app.token("anna").await;
        SCHEDULE.call(&patient, &[], "").await.expect(403);
    }
);

story!(
    pathway_checks_refuse_and_a_nurse_records_with_the_prescriber_named,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let nurse = app.login("nurse.north").await;
        let (anna, ben) = (app.seed.anna.clone(), app.seed.ben.clone());
        // Ben: no ICHD-3 diagnosis, no diary, so no eligibility verdict. The dry run says why.
        let plain = json!({"date": "2026-03-15", "vial_size": 200, "lot": "C4021AB",
            "expiry": "2027-03-31", "dry_run": true});
        let dry = SESSION_RECORD.with(&dr, &[&ben], &plain).await.expect(200);
        assert_eq!(dry["may_save"], false);
        let checks: Vec<&str> = dry["checks"]["refusals"]
            .as_array()
            .expect("refusals")
            .iter()
            .filter_map(|f| f["finding"].as_str())
            .collect();
        assert_eq!(
            checks,
            ["no_diagnosis", "no_diary", "eligibility_not_met"],
            "{dry}"
        );
        let mut save = plain.clone();
        save["dry_run"] = json!(false);
        let refused = SESSION_RECORD.with(&dr, &[&ben], &save).await.expect(409);
        assert_eq!(
            refused["error"]["refusals"].as_array().map(Vec::len),
            Some(3)
        );
        assert_eq!(
            SESSIONS.call(&dr, &[&ben], "").await.expect(200)["sessions"],
            json!([])
        );
        // A nurse injects; the prescribing clinician of the clinic is named and signs.
        for (prescriber, why) in [
            ("nurse.north", "a nurse is not a prescriber"),
            ("dr.south", "another clinic's clinician"),
            ("nobody.here", "no such user"),
        ] {
            let err = SESSION_RECORD
                .with(
                    &nurse,
                    &[&anna],
                    &session("2026-03-15", json!({"prescriber": prescriber})),
                )
                .await
                .expect(422);
            assert_eq!(err["error"]["field"], "prescriber", "{why}");
        }
        let given = record(
            &nurse,
            &anna,
            session("2026-03-15", json!({"prescriber": "dr.north"})),
        )
        .await;
        assert_eq!(given["injector"], "Nurse North");
        assert_eq!(given["prescriber"], "Dr North");
        let listed = SESSIONS.call(&dr, &[&anna], "").await.expect(200);
        assert_eq!(listed["sessions"][0]["prescriber"], "Dr North");
        // A clinician recording is the prescriber.
        let dry = SESSION_RECORD
            .with(
                &dr,
                &[&anna],
                &session("2026-06-15", json!({"dry_run": true})),
            )
            .await
            .expect(200);
        assert_eq!(dry["prescriber"], "Dr North");
        // Hospitalised with dysphagia 10 days after: serious, flagged for urgent review.
        let case = ADVERSE_EVENT_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"reported_term": "dysphagia", "onset": "2026-03-25", "ctcae_grade": 3,
                    "seriousness": ["hospitalization"], "awareness_date": "2026-03-26"}),
            )
            .await
            .expect(201);
        let case_id = case["id"].as_str().expect("id").to_owned();
        assert_eq!(case["acknowledgement"], json!(null));
        let worklist = dr.raw("GET", "/worklist", None).await;
        assert!(
            worklist
                .body
                .as_str()
                .is_some_and(|b| b.contains("URGENT REVIEW")),
            "{}",
            worklist.body
        );
        // The next injection warns of both before anything is saved.
        let next = session("2026-06-15", json!({"dry_run": true}));
        let dry = SESSION_RECORD.with(&dr, &[&anna], &next).await.expect(200);
        let found: Vec<&str> = dry["checks"]["refusals"]
            .as_array()
            .expect("refusals")
            .iter()
            .filter_map(|f| f["finding"].as_str())
            .collect();
        assert_eq!(
            found,
            ["serious_adverse_event_since", "open_urgent_review"],
            "{dry}"
        );
        // Acknowledged: who, when, what was decided. The flag leaves the worklist.
        let err = ADVERSE_EVENT_ACK
            .with(&dr, &[&case_id], &json!({"decision": "  "}))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "decision");
        let south = app.login("dr.south").await;
        ADVERSE_EVENT_ACK
            .with(&south, &[&case_id], &json!({"decision": "not mine"}))
            .await
            .expect(404);
        let acked = ADVERSE_EVENT_ACK
            .with(
                &nurse,
                &[&case_id],
                &json!({"decision": "seen in clinic; swallow recovered; no cervical sites next time"}),
            )
            .await
            .expect(200);
        assert_eq!(acked["acknowledgement"]["by"], "Nurse North");
        assert!(acked["acknowledgement"]["at"].is_string(), "{acked}");
        ADVERSE_EVENT_ACK
            .with(&dr, &[&case_id], &json!({"decision": "again"}))
            .await
            .expect(409);
        let worklist = dr.raw("GET", "/worklist", None).await;
        assert!(
            worklist
                .body
                .as_str()
                .is_some_and(|b| !b.contains("URGENT REVIEW")),
            "{}",
            worklist.body
        );
        let dry = SESSION_RECORD.with(&dr, &[&anna], &next).await.expect(200);
        assert_eq!(
            dry["checks"]["refusals"][0]["finding"], "serious_adverse_event_since",
            "{dry}"
        );
        assert_eq!(dry["checks"]["refusals"].as_array().map(Vec::len), Some(1));
        // The serious event still needs a reason to inject again; with it, saved.
        let saved = record(
            &dr,
            &anna,
            session(
                "2026-06-15",
                json!({"overrides": [{"check": "serious_adverse_event",
                    "reason": "reviewed; benefit outweighs risk"}]}),
            ),
        )
        .await;
        assert_eq!(saved["saved"], true);
        // A case with no urgent review has nothing to acknowledge.
        let plain_case = ADVERSE_EVENT_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"reported_term": "neck pain", "onset": "2026-03-28", "ctcae_grade": 1}),
            )
            .await
            .expect(201);
        ADVERSE_EVENT_ACK
            .with(
                &dr,
                &[plain_case["id"].as_str().expect("id")],
                &json!({"decision": "noted"}),
            )
            .await
            .expect(409);
    }
);

story!(
    a_treated_patients_eligibility_shows_before_treatment_and_today,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let anna = app.seed.anna.clone();
        let page = app.login("dr.north").await;
        let before = page
            .download(&format!("/patients/{anna}/eligibility"))
            .await
            .text();
        assert!(!before.contains("id=\"before-treatment\""), "untreated");
        record(&dr, &anna, session("2026-06-02", json!({}))).await;
        let html = page
            .download(&format!("/patients/{anna}/eligibility"))
            .await
            .text();
        assert!(html.contains("id=\"before-treatment\""), "{html}");
        assert!(
            html.contains("on 2026-06-01, the day before the first session"),
            "{html}"
        );
        assert!(html.contains("id=\"before-verdict\""), "{html}");
        assert!(html.contains("Today: "), "{html}");
    }
);

story!(
    the_overviews_response_names_its_rule_set_and_day_preset,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let anna = app.seed.anna.clone();
        // The diary starts on 1 April: the first session's cycle is complete by 1 July.
        let first = session(
            "2026-04-02",
            json!({"overrides": [{"check": "diary", "reason": "paper diary reviewed"}]}),
        );
        SESSION_RECORD.with(&dr, &[&anna], &first).await.expect(201);
        let page = app.login("dr.north").await;
        let html = page.download(&format!("/patients/{anna}")).await.text();
        let at = html
            .find("id=\"summary-response\"")
            .expect("response summary");
        let summary = &html[at..(at + 600).min(html.len())];
        assert!(summary.contains("(day preset "), "{summary}");
        assert!(summary.contains("cycle 1: "), "{summary}");
    }
);
