//! Adverse events: the boxed-warning review flag, ICSR validity, the report due date, and the
//! clinic scope of the lists.

use serde_json::json;

use super::routes::*;
use crate::harness::App;
use crate::story;

story!(
    adverse_events_are_flagged_validated_and_scoped,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let anna = app.seed.anna.clone();
        SESSION_RECORD
        .with(
            &dr,
            &[&anna],
            &json!({"date": "2026-06-01", "vial_size": 200, "lot": "C4021AB", "expiry": "2027-03-31",
                "overrides": [{"check": "eligibility", "reason": "payer approval on file"}]}),
        )
        .await
        .expect(201);
        // A boxed-warning symptom 12 days after the session: urgent review; a complete case.
        let case = ADVERSE_EVENT_ADD
            .with(
                &dr,
                &[&anna],
                &json!({
                    "reported_term": "ptosis",
                    "meddra_code": "10015995",
                    "onset": "2026-06-13",
                    "ctcae_grade": 2,
                    "seriousness": ["other_important_medical_event"],
                    "outcome": "recovering",
                    "causality": "related",
                    "reporter": {"given_name": "Ana", "family_name": "Ruiz",
                                 "qualification": "physician", "country": "GB"},
                    "awareness_date": "2026-06-14",
                    "narrative": "Left eyelid ptosis from day 12."
                }),
            )
            .await
            .expect(201);
        assert_eq!(case["patient"], json!(anna));
        assert_eq!(case["serious"], true);
        assert_eq!(case["icsr"], json!({"valid": true, "missing": []}));
        assert_eq!(
            case["report_due"], "2026-06-29",
            "serious: 15 days from awareness"
        );
        assert_eq!(case["urgent_review"]["symptom"], "ptosis");
        assert_eq!(case["urgent_review"]["session_date"], "2026-06-01");
        assert_eq!(case["urgent_review"]["days_after_session"], 12);
        assert_eq!(case["suspect_products"][0]["lot_number"], "C4021AB");
        assert_eq!(case["suspect_products"][0]["dose_units"], 155.0);
        let case_id = case["id"].as_str().expect("id").to_owned();
        // An incomplete case is stored, with what is missing; a nurse may record it.
        let nurse = app.login("nurse.north").await;
        let incomplete = ADVERSE_EVENT_ADD
            .with(
                &nurse,
                &[&anna],
                &json!({"reported_term": "neck pain", "onset": "2026-06-05", "ctcae_grade": 1}),
            )
            .await
            .expect(201);
        assert_eq!(incomplete["icsr"]["valid"], false);
        assert!(
            incomplete["icsr"]["missing"]
                .as_array()
                .is_some_and(|m| m.contains(&json!("reporter"))),
            "{incomplete}"
        );
        assert_eq!(incomplete["urgent_review"], json!(null));
        assert_eq!(incomplete["serious"], false);
        assert_eq!(
            incomplete["report_due"], "2026-09-29",
            "non-serious: 90 days from today"
        );
        // Refusals name their field.
        for (body, field) in [
            (
                json!({"reported_term": "x", "onset": "2026-06-05", "ctcae_grade": 6}),
                "ctcae_grade",
            ),
            (
                json!({"reported_term": "x", "onset": "2026-07-05", "ctcae_grade": 1}),
                "onset",
            ),
            // The document's pattern is 8 digits or null: a blank code is not "no code".
            (
                json!({"reported_term": "x", "onset": "2026-06-05", "ctcae_grade": 1,
                   "meddra_code": ""}),
                "meddra_code",
            ),
            (
                json!({"reported_term": "x", "onset": "2026-06-05", "ctcae_grade": 1,
                   "session_dates": ["2026-01-01"]}),
                "session_dates[0]",
            ),
            (
                json!({"reported_term": "x", "onset": "2026-06-05", "ctcae_grade": 1,
                   "seriousness": ["mild"]}),
                "seriousness[0]",
            ),
            (
                json!({"reported_term": "x", "onset": "2026-06-05", "ctcae_grade": 1,
                   "reporter": {"country": "Narnia"}}),
                "reporter.country",
            ),
        ] {
            let err = ADVERSE_EVENT_ADD
                .with(&dr, &[&anna], &body)
                .await
                .expect(422);
            assert_eq!(err["error"]["field"], field, "{err}");
        }
        let listed = ADVERSE_EVENTS.call(&dr, &[&anna], "").await.expect(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(2));
        assert_eq!(
            listed[0]["reported_term"], "neck pain",
            "oldest onset first"
        );
        // Another clinic's case.
        let south = app.login("dr.south").await;
        let carla_case = ADVERSE_EVENT_ADD
        .with(
            &south,
            &[&app.seed.carla],
            &json!({"reported_term": "injection site pain", "onset": "2026-06-20", "ctcae_grade": 1}),
        )
        .await
        .expect(201);
        assert_eq!(
            carla_case["suspect_products"],
            json!([]),
            "Carla has no session"
        );
        let carla_case_id = carla_case["id"].as_str().expect("id").to_owned();
        let north_list = CLINIC_ADVERSE_EVENTS.call(&dr, &[], "").await.expect(200);
        assert_eq!(north_list.as_array().map(Vec::len), Some(2));
        assert!(
            north_list
                .as_array()
                .is_some_and(|l| l.iter().all(|c| c["patient"] == json!(anna))),
            "{north_list}"
        );
        let south_list = CLINIC_ADVERSE_EVENTS
            .call(&south, &[], "")
            .await
            .expect(200);
        assert_eq!(south_list.as_array().map(Vec::len), Some(1));
        let one = ADVERSE_EVENT.call(&dr, &[&case_id], "").await.expect(200);
        assert_eq!(one["urgent_review"]["symptom"], "ptosis");
        let hidden = ADVERSE_EVENT
            .call(&dr, &[&carla_case_id], "")
            .await
            .expect(404);
        assert_eq!(
            hidden["error"]["message"],
            json!(format!("no adverse event {carla_case_id}")),
            "the case's patient is not named"
        );
        ADVERSE_EVENT
            .call(&south, &[&carla_case_id], "")
            .await
            .expect(200);
        ADVERSE_EVENT
            .call(&dr, &[&uuid::Uuid::now_v7().to_string()], "")
            .await
            .expect(404);
        // Patients and administrators do not read adverse events.
        let patient = app.token("anna").await;
        CLINIC_ADVERSE_EVENTS
            .call(&patient, &[], "")
            .await
            .expect(403);
        ADVERSE_EVENTS
            .call(&patient, &[&anna], "")
            .await
            .expect(403);
        ADVERSE_EVENT
            .call(&patient, &[&case_id], "")
            .await
            .expect(403);
        let admin = app.login("admin.north").await;
        ADVERSE_EVENTS.call(&admin, &[&anna], "").await.expect(403);
    }
);
