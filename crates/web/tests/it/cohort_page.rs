//! The cohort report page: the sections as tables for a clinician, the form kept and the field
//! named on a bad filter (422), "No patients match" for an empty selection, nurses refused.

use serde_json::json;

use crate::api::routes::SESSION_RECORD;
use crate::harness::App;
use crate::story;

story!(
    cohort_page_shows_the_report_and_refuses_bad_filters,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let body = json!({
            "date": "2026-05-01", "vial_size": 200, "lot": "C4021AB", "expiry": "2027-03-31",
            "overrides": [{"check": "eligibility", "reason": "payer approval on file"}],
        });
        SESSION_RECORD
            .with(&dr, &[&app.seed.anna], &body)
            .await
            .expect(201);

        let worklist = dr.download("/worklist").await.text();
        assert!(
            worklist.contains(r#"href="/cohort""#),
            "clinicians are led to it"
        );
        let nurse = app.login("nurse.north").await;
        assert!(
            !nurse
                .download("/worklist")
                .await
                .text()
                .contains(r#"href="/cohort""#)
        );
        assert_eq!(nurse.download("/cohort").await.status, 403);
        let admin = app.login("admin.north").await;
        let page = admin.download("/admin/users").await.text();
        assert!(
            page.contains(r#"href="/cohort""#),
            "administrators are led to it"
        );

        let page = dr.download("/cohort?on=2026-07-01").await;
        assert_eq!(page.status, 200);
        let html = page.text();
        for id in [
            "selection-table",
            "cycles-table",
            "comparators-table",
            "at-risk-table",
            "sessions-table",
            "safety-table",
            "safety-published-table",
        ] {
            assert!(html.contains(&format!(r#"id="{id}""#)), "{id}");
        }
        assert!(html.contains("[unverified default]"));
        assert!(html.contains("Met the ≥30 % reduction"));
        assert!(!html.to_lowercase().contains("responder"));
        // Only the administrator chooses the scope.
        assert!(!html.contains(r#"name="scope""#));
        assert!(
            admin
                .download("/cohort")
                .await
                .text()
                .contains(r#"name="scope""#)
        );

        let bad = dr
            .download("/cohort?age_min=60&age_max=40&sex=female")
            .await;
        assert_eq!(bad.status, 422);
        let html = bad.text();
        assert!(html.contains(r#"id="cohort-error""#), "{html}");
        assert!(html.contains(r##"href="#age_min">age_min</a>"##), "{html}");
        assert!(
            html.contains(r#"name="age_max" value="40""#),
            "the form is kept"
        );
        assert!(
            html.contains(r#"<option value="female" selected>"#),
            "the form is kept"
        );
        assert!(!html.contains(r#"id="selection""#));

        let none = dr
            .download("/cohort?first_session_from=2020-01-01&first_session_to=2020-12-31")
            .await
            .text();
        assert!(
        none.contains("No patients match: rules nice-ta260, clinic North Clinic, first session 2020-01-01..2020-12-31."),
        "{none}"
    );

        let trail = app.store.audit_trail(None).await.expect("trail");
        let actions: Vec<(&str, &str)> = trail
            .iter()
            .filter(|e| e.fields.entity == "cohort")
            .map(|e| (e.fields.actor.as_str(), e.fields.action.as_str()))
            .collect();
        assert!(actions.contains(&("clinician:dr.north", "cohort.read")));
        assert!(actions.contains(&("clinician:dr.north", "cohort.read.refused")));
        assert!(actions.contains(&("nurse:nurse.north", "cohort.read.denied")));
    }
);
