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

story!(
    cohort_page_draws_its_charts_and_downloads_the_same_report_as_a_pdf,
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
        let html = dr.download("/cohort?on=2026-07-01&sex=female").await.text();
        for id in [
            "reduction-chart",
            "headache-days-chart",
            "persistence-chart",
        ] {
            let at = html
                .find(&format!(r#"id="{id}""#))
                .unwrap_or_else(|| panic!("no {id}"));
            assert!(
                html[at..].trim_start_matches(|c| c != '<').contains("<svg"),
                "{id}"
            );
        }
        let href = "/cohort/report.pdf?on=2026-07-01&#38;sex=female";
        assert!(
            html.contains(href),
            "the PDF link keeps the filters: {}",
            html.lines()
                .find(|l| l.contains("cohort-pdf"))
                .unwrap_or("")
        );

        let pdf = dr
            .download("/cohort/report.pdf?on=2026-07-01&rules=nice-ta260&sex=female")
            .await;
        assert_eq!(pdf.status, 200);
        assert_eq!(pdf.header("content-type"), "application/pdf");
        assert!(pdf.header("content-disposition").starts_with("attachment;"));
        assert!(pdf.body.starts_with(b"%PDF"));
        if let Some(text) = crate::reports::pdf_text(&pdf.body, "cohort_pdf") {
            assert!(text.contains("Clinic outcomes report"), "{text}");
            assert!(text.contains("sex female"), "the filters are named: {text}");
            assert!(text.contains("North Clinic"), "{text}");
        }
        // A bad filter is refused as on the page; a nurse may not have it.
        let bad = dr
            .download("/cohort/report.pdf?age_min=60&age_max=40")
            .await;
        assert_eq!(bad.status, 422);
        let nurse = app.login("nurse.north").await;
        assert_eq!(nurse.download("/cohort/report.pdf").await.status, 403);

        let trail = app.store.audit_trail(None).await.expect("trail");
        let reads = trail
            .iter()
            .filter(|e| e.fields.entity == "cohort" && e.fields.action == "cohort.read")
            .filter(|e| e.fields.detail.contains("sex female"))
            .count();
        assert_eq!(reads, 2, "the page and the PDF, each one entry");
    }
);
