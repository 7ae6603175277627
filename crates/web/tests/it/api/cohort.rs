//! The cohort report: a clinic sees its own patients' figures, an administrator may ask for the
//! installation's, nurses and patients are refused, bad filters answer 422 naming the field, and
//! every read is in the audit trail with its filters and the number of patients.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::{App, Client};
use crate::story;

/// A PREEMPT session on `date` with the pathway checks the seed cannot meet overridden.
async fn treat(dr: &Client, patient: &str, date: &str) {
    let body = json!({
        "date": date, "vial_size": 200, "lot": "C4021AB", "expiry": "2027-03-31",
        "overrides": [
            {"check": "eligibility", "reason": "payer approval on file"},
            {"check": "diary", "reason": "paper diary reviewed in clinic"},
        ],
    });
    SESSION_RECORD.with(dr, &[patient], &body).await.expect(201);
}

/// The cohort entries of the trail: (actor, action, entity id, detail).
async fn cohort_entries(app: &App) -> Vec<(String, String, String, String)> {
    app.store
        .audit_trail(None)
        .await
        .expect("trail")
        .into_iter()
        .filter(|e| e.fields.entity == "cohort")
        .map(|e| {
            (
                e.fields.actor,
                e.fields.action,
                e.fields.entity_id,
                e.fields.detail,
            )
        })
        .collect()
}

story!(
    cohort_report_is_the_clinics_own_and_the_installation_for_an_admin,
    |app: App| async move {
        let north = app.login("dr.north").await;
        let south = app.login("dr.south").await;
        treat(&north, &app.seed.anna, "2026-05-01").await;
        treat(&south, &app.seed.carla, "2026-05-15").await;

        // North's clinician: Anna and Ben are considered, Anna (treated) is selected; South's
        // Carla is not counted anywhere.
        let r = COHORT.call(&north, &[], "on=2026-07-01").await.expect(200);
        assert_eq!(r["scope"], "clinic");
        let p = &r["report"]["patients"];
        assert_eq!(p["considered"], 2, "{r}");
        assert_eq!(p["selected"], 1, "{r}");
        assert_eq!(p["excluded"][0]["reason"], "no_session");
        assert_eq!(p["excluded"][0]["patients"], 1);
        assert_eq!(r["report"]["sessions"]["sessions"], 1);
        assert_eq!(r["report"]["rule_set"], "nice-ta260");
        assert_eq!(r["report"]["as_of"], "2026-07-01");
        assert!(
            r["description"]
                .as_str()
                .is_some_and(|d| d.contains("clinic North Clinic")),
            "{r}"
        );
        let cycle = &r["report"]["cycles"][0];
        assert_eq!(cycle["cycle"], 1);
        assert_eq!(cycle["treated"], 1);

        // South's clinician sees only Carla.
        let s = COHORT.call(&south, &[], "").await.expect(200);
        assert_eq!(s["report"]["patients"]["considered"], 1, "{s}");
        assert_eq!(s["report"]["patients"]["selected"], 1, "{s}");

        // The administrator: the clinic by default, the installation when asked.
        let admin = app.login("admin.north").await;
        let own = COHORT.call(&admin, &[], "").await.expect(200);
        assert_eq!(own["report"]["patients"]["considered"], 2);
        let all = COHORT
            .call(
                &admin,
                &[],
                "scope=installation&sex=female&age_min=40&age_max=50",
            )
            .await
            .expect(200);
        assert_eq!(all["scope"], "installation");
        assert_eq!(all["filters"]["clinic"], Value::Null);
        assert_eq!(all["report"]["patients"]["considered"], 3, "{all}");
        assert_eq!(all["report"]["patients"]["selected"], 2, "{all}");
        assert_eq!(all["report"]["sessions"]["sessions"], 2);

        // A filter nobody matches is an empty report, not an error.
        let none = COHORT
            .call(
                &north,
                &[],
                "first_session_from=2025-01-01&first_session_to=2025-12-31",
            )
            .await
            .expect(200);
        assert_eq!(none["report"]["patients"]["selected"], 0);

        // One entry per read, naming the filters and the number of patients in the CLI's words.
        let entries = cohort_entries(&app).await;
        let north_clinic = r["filters"]["clinic"]
            .as_str()
            .expect("clinic id")
            .to_owned();
        assert!(
            entries.contains(&(
                "clinician:dr.north".to_owned(),
                "cohort.read".to_owned(),
                north_clinic.clone(),
                "on 2026-07-01, rules nice-ta260, clinic North Clinic; 1 patient(s)".to_owned(),
            )),
            "{entries:?}"
        );
        assert!(
            entries.contains(&(
                "admin:admin.north".to_owned(),
                "cohort.read".to_owned(),
                "*".to_owned(),
                "on 2026-07-01, rules nice-ta260, age 40..50, sex female; 2 patient(s)".to_owned(),
            )),
            "{entries:?}"
        );
        assert_eq!(
            entries.iter().filter(|e| e.1 == "cohort.read").count(),
            5,
            "{entries:?}"
        );
    }
);

story!(
    cohort_report_refuses_other_roles_wider_scopes_and_bad_filters,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        // A clinician may not ask for the installation.
        let wide = COHORT
            .call(&dr, &[], "scope=installation")
            .await
            .expect(403);
        assert_eq!(wide["error"]["code"], "forbidden");
        // Nurses and patients do not read the oversight report.
        for who in ["nurse.north", "anna"] {
            let c = app.login(who).await;
            COHORT.call(&c, &[], "").await.expect(403);
        }
        let token = app.token("anna").await;
        COHORT.call(&token, &[], "").await.expect(403);

        // Bad filters: 422 naming the field.
        for (query, field) in [
            (
                "first_session_from=2026-06-01&first_session_to=2026-01-01",
                "first_session_from",
            ),
            ("first_session_from=2026-06-01", "first_session_to"),
            ("age_min=60&age_max=40", "age_min"),
            ("age_min=old&age_max=40", "age_min"),
            ("rules=no-such-rules", "rules"),
            ("sex=unknown", "sex"),
            ("diagnosis=9.9", "diagnosis"),
            ("on=yesterday", "on"),
            ("scope=everywhere", "scope"),
        ] {
            let e = COHORT.call(&dr, &[], query).await.expect(422);
            assert_eq!(e["error"]["code"], "invalid", "{query}: {e}");
            assert_eq!(e["error"]["field"], field, "{query}: {e}");
            assert!(
                !e["error"]["message"]
                    .as_str()
                    .unwrap_or_default()
                    .starts_with("--"),
                "{query}: {e}"
            );
        }
        let entries = cohort_entries(&app).await;
        let count = |actor: &str, action: &str| {
            entries
                .iter()
                .filter(|e| e.0 == actor && e.1 == action)
                .count()
        };
        assert_eq!(
            count("clinician:dr.north", "cohort.read.denied"),
            1,
            "{entries:?}"
        );
        assert_eq!(count("nurse:nurse.north", "cohort.read.denied"), 1);
        assert_eq!(count("patient:anna", "cohort.read.denied"), 2);
        assert_eq!(
            count("clinician:dr.north", "cohort.read.refused"),
            9,
            "{entries:?}"
        );
        assert_eq!(count("clinician:dr.north", "cohort.read"), 0);
        let refused = entries
            .iter()
            .find(|e| e.1 == "cohort.read.refused")
            .expect("a refused read");
        assert!(refused.3.starts_with("first_session_from: "), "{refused:?}");
    }
);
