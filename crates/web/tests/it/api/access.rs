//! The access policy through the API: patients reach only their own record and only what a
//! patient may do; clinicians only their clinic's patients; every access is in the audit trail.

use serde_json::json;

use super::routes::*;
use crate::harness::App;
use crate::story;

story!(
    a_patient_token_reaches_only_its_own_record,
    |app: App| async move {
        let anna_id = app.seed.anna.clone();
        let ben_id = app.seed.ben.clone();
        let me = app.token("anna").await;
        let diary = DIARY.call(&me, &[&anna_id], "").await.expect(200);
        assert_eq!(diary.as_array().map(Vec::len), Some(91));
        PATIENT.call(&me, &[&anna_id], "").await.expect(200);
        // Another patient's record does not exist as far as Anna can tell.
        let other = DIARY.call(&me, &[&ben_id], "").await.expect(404);
        assert_eq!(other["error"]["code"], "not_found");
        PATIENT.call(&me, &[&ben_id], "").await.expect(404);
        ELIGIBILITY.call(&me, &[&ben_id], "").await.expect(404);
        // Her own clinical record is not hers to read.
        let forbidden = ELIGIBILITY.call(&me, &[&anna_id], "").await.expect(403);
        assert_eq!(forbidden["error"]["code"], "forbidden");
        for route in [
            SESSIONS,
            PREVENTIVES,
            RESPONSE,
            CLASSIFICATION,
            ADVERSE_EVENTS,
        ] {
            route.call(&me, &[&anna_id], "").await.expect(403);
        }
        SESSION_RECORD
            .with(
                &me,
                &[&anna_id],
                &json!({"date": "2026-06-01", "vial_size": 100,
                                        "lot": "L", "expiry": "2027-01-01"}),
            )
            .await
            .expect(403);
        PATIENTS.call(&me, &[], "").await.expect(403);
        // The refusals and the reads are in the audit trail, under her account.
        let uuid = |s: &str| s.parse::<uuid::Uuid>().expect("uuid");
        let trail = app
            .store
            .audit_trail(Some(uuid(&anna_id)))
            .await
            .expect("trail");
        let actions: Vec<(&str, &str)> = trail
            .iter()
            .map(|e| (e.fields.actor.as_str(), e.fields.action.as_str()))
            .collect();
        assert!(
            actions.contains(&("patient:anna", "diary.read")),
            "{actions:?}"
        );
        assert!(
            actions.contains(&("patient:anna", "eligibility.read.denied")),
            "{actions:?}"
        );
        let ben_trail = app
            .store
            .audit_trail(Some(uuid(&ben_id)))
            .await
            .expect("trail");
        assert!(
        ben_trail
            .iter()
            .any(|e| e.fields.actor == "patient:anna" && e.fields.action == "diary.read.denied"),
        "the attempt on Ben's record is recorded against Ben"
    );
    }
);

story!(
    clinicians_reach_only_their_clinics_patients,
    |app: App| async move {
        let south = app.login("dr.south").await;
        let anna = app.seed.anna.clone();
        for route in [
            ELIGIBILITY,
            PREVENTIVES,
            SESSIONS,
            RESPONSE,
            QUESTIONNAIRES,
            ADVERSE_EVENTS,
        ] {
            let r = route.call(&south, &[&anna], "").await.expect(404);
            assert_eq!(r["error"]["message"], json!(format!("no patient {anna}")));
        }
        PREVENTIVE_ADD
            .with(
                &south,
                &[&anna],
                &json!({"drug": "propranolol", "outcome": "ongoing",
                                         "start": "2026-01-01"}),
            )
            .await
            .expect(404);
        let admin = app.login("admin.north").await;
        ELIGIBILITY.call(&admin, &[&anna], "").await.expect(403);
        // Every route the north clinician uses on Anna is recorded with the action.
        let dr = app.login("dr.north").await;
        ELIGIBILITY.call(&dr, &[&anna], "").await.expect(200);
        SESSIONS.call(&dr, &[&anna], "").await.expect(200);
        let trail = app
            .store
            .audit_trail(Some(anna.parse().expect("uuid")))
            .await
            .expect("trail");
        for action in ["eligibility.read", "sessions.read"] {
            assert!(
                trail
                    .iter()
                    .any(|e| e.fields.actor == "clinician:dr.north" && e.fields.action == action),
                "{action}"
            );
        }
        let verified = app.store.verify_audit().await.expect("verify");
        assert!(verified.broken.is_none(), "{verified:?}");
    }
);

story!(
    refused_writes_are_recorded_as_refused_with_the_reason,
    |app: App| async move {
        let anna = app.seed.anna.clone();
        let me = app.token("anna").await;
        for _ in 0..10 {
            let err = DIARY_DAY_PUT
                .with(
                    &me,
                    &[&anna, "2026-06-02"],
                    &json!({"date": "2026-06-02", "headache_minutes": 90,
                            "peak_intensity": "unbearable"}),
                )
                .await
                .expect(422);
            assert_eq!(err["error"]["code"], "invalid");
        }
        DIARY_DAY_PUT
            .with(
                &me,
                &[&anna, "2026-06-03"],
                &json!({"date": "2026-06-03", "headache_minutes": 0}),
            )
            .await
            .expect(200);
        // A share link with an impossible expiry, from the page.
        let page = app.login("anna").await;
        let refused = page
            .post_form(
                &format!("/patients/{anna}/share-links"),
                &[("days", "5000")],
            )
            .await;
        assert_eq!(refused.status, 422);
        let trail = app
            .store
            .audit_trail(Some(anna.parse().expect("uuid")))
            .await
            .expect("trail");
        let refusals: Vec<_> = trail
            .iter()
            .filter(|e| e.fields.action == "diary.write.refused")
            .collect();
        assert_eq!(
            refusals.len(),
            10,
            "each refused write is recorded as refused"
        );
        assert!(
            refusals.iter().all(|e| !e.fields.detail.is_empty()),
            "with the reason: {refusals:?}"
        );
        let writes: Vec<_> = trail
            .iter()
            .filter(|e| e.fields.action == "diary.write")
            .collect();
        assert_eq!(
            writes.len(),
            1,
            "only the write that went through is a write"
        );
        assert!(writes[0].fields.detail.is_empty());
        let shares: Vec<_> = trail
            .iter()
            .filter(|e| e.fields.action.starts_with("share.create"))
            .map(|e| (e.fields.action.as_str(), e.fields.detail.as_str()))
            .collect();
        assert!(
            shares
                .iter()
                .all(|(a, d)| *a == "share.create.refused" && d.starts_with("days:")),
            "{shares:?}"
        );
        assert!(!shares.is_empty());
        app.store.write_checkpoint().await.expect("checkpoint");
        let v = app.store.verify_audit().await.expect("verify");
        assert!(v.is_intact(), "{v:?}");
    }
);
