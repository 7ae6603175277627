//! `GET /patients/{id}/$everything`: the patient's record as a FHIR R4 Bundle, for clinicians and
//! nurses of the patient's clinic, audited, byte-stable, and importable into an empty database.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::{App, TODAY, d};
use crate::story;

/// GET with a bearer token of `username`, returning the status, content type and body text.
async fn get_raw(app: &App, username: &str, path: &str) -> (u16, String, String) {
    let user = app
        .store
        .user_with_hash(&cephalog_auth::Username::new(username).expect("username"))
        .await
        .expect("user")
        .expect("seeded user")
        .0;
    let secret = cephalog_web::auth::new_token();
    app.store
        .add_api_token(
            user.id,
            "fhir test",
            &cephalog_web::auth::token_hash(&secret),
            cephalog_store::TokenScope::ReadWrite,
            None,
        )
        .await
        .expect("token");
    let res = reqwest::Client::new()
        .get(format!("{}/api/v1{path}", app.base))
        .bearer_auth(&secret)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, content_type, res.text().await.expect("body"))
}

story!(
    everything_is_a_fhir_bundle_of_the_patient,
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
        ADVERSE_EVENT_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"reported_term": "ptosis", "meddra_code": "10015995", "onset": "2026-06-13",
                    "ctcae_grade": 2, "causality": "related"}),
            )
            .await
            .expect(201);
        QUESTIONNAIRE_ADD
            .with(
                &dr,
                &[&anna],
                &json!({"instrument": "midas", "answers": [10, 5, 3, 2, 1], "date": "2026-06-01"}),
            )
            .await
            .expect(201);

        let path = EVERYTHING.path_with(&[&anna]);
        let (status, content_type, text) = get_raw(&app, "dr.north", &path).await;
        assert_eq!(status, 200, "{text}");
        assert_eq!(content_type, "application/fhir+json");
        let bundle: Value = serde_json::from_str(&text).expect("json");
        assert_eq!(bundle["resourceType"], "Bundle");
        assert_eq!(bundle["type"], "collection");
        let kinds = |kind: &str| {
            bundle["entry"]
                .as_array()
                .expect("entries")
                .iter()
                .filter(|e| e["resource"]["resourceType"] == kind)
                .count()
        };
        assert_eq!(kinds("Patient"), 1);
        assert_eq!(
            bundle["entry"][0]["resource"]["identifier"][0]["value"],
            "N1"
        );
        assert_eq!(kinds("Condition"), 1);
        // 91 diary days and 4 periods of 28 days (the last one 7 days long).
        assert_eq!(kinds("Observation"), 91 + 4);
        assert_eq!(kinds("Procedure"), 1);
        assert_eq!(kinds("MedicationAdministration"), 1);
        assert_eq!(kinds("QuestionnaireResponse"), 1);
        assert_eq!(kinds("AdverseEvent"), 1);

        // The same record gives the same bytes, and a nurse may read it too.
        let (_, _, again) = get_raw(&app, "nurse.north", &path).await;
        assert!(again == text, "the Bundle changed between two reads");

        // The read is in the patient's audit trail.
        let id = anna.parse().expect("uuid");
        let trail = app.store.audit_trail(Some(id)).await.expect("trail");
        assert!(
        trail
            .iter()
            .any(|e| e.fields.action == "fhir.export" && e.fields.actor.contains("nurse.north")),
        "{trail:?}"
    );

        // Imported into an empty database, the Bundle exports to the same bytes.
        let dir = tempfile::tempdir().expect("dir");
        let fresh =
            cephalog_store::Store::connect(dir.path().join("fresh.db").to_str().expect("path"))
                .await
                .expect("store");
        let clinic = fresh.clinic("Imported").await.expect("clinic");
        cephalog_app::fhir::import_bundle(&fresh, clinic, &text, d(TODAY))
            .await
            .expect("import");
        let back = cephalog_app::fhir::patient_bundle(&fresh, id)
            .await
            .expect("export");
        assert!(back == text, "export → import → export changed the bytes");
        fresh.close().await;

        // Patients, other clinics and the anonymous do not get it.
        for who in ["anna", "admin.north"] {
            let (status, _, body) = get_raw(&app, who, &path).await;
            assert!(matches!(status, 403 | 404), "{who}: {status} {body}");
        }
        let (status, _, _) = get_raw(&app, "dr.south", &path).await;
        assert_eq!(
            status, 404,
            "another clinic's patient does not exist for dr.south"
        );
        EVERYTHING
            .call(&app.anonymous(), &[&anna], "")
            .await
            .expect(401);
        let unknown = uuid::Uuid::now_v7().to_string();
        EVERYTHING.call(&dr, &[&unknown], "").await.expect(404);
    }
);
