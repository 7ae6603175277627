//! API tokens, patients and the diary: tokens are created, used and revoked; bulk diary writes
//! are all or nothing.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::{App, PASSWORD};
use crate::story;

fn day(date: &str, minutes: i64, intensity: &str) -> Value {
    if minutes == 0 {
        return json!({"date": date, "headache_minutes": 0});
    }
    json!({"date": date, "headache_minutes": minutes, "peak_intensity": intensity,
           "features": {"pulsating": true, "nausea": true}, "medicines": ["sumatriptan 50mg"]})
}

story!(
    api_tokens_are_created_used_and_revoked,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let err = TOKEN_CREATE
            .with(&dr, &[], &json!({"name": " ", "password": PASSWORD}))
            .await
            .expect(422);
        assert_eq!(err["error"]["field"], "name");
        let created = TOKEN_CREATE
            .with(
                &dr,
                &[],
                &json!({"name": "EHR bridge", "password": PASSWORD, "scope": "read_write"}),
            )
            .await
            .expect(201);
        assert_eq!(created["scope"], "read_write");
        let secret = created["secret"].as_str().expect("secret").to_owned();
        assert!(secret.starts_with("cph_") && secret.len() == 68, "{secret}");
        let id = created["id"].as_str().expect("id").to_owned();
        let bridge = app.bearer(&secret);
        let patients = PATIENTS.call(&bridge, &[], "").await.expect(200);
        let mrns: Vec<&Value> = patients
            .as_array()
            .expect("list")
            .iter()
            .map(|p| &p["mrn"])
            .collect();
        assert_eq!(mrns, [&json!("N1"), &json!("N2")], "North's patients only");
        // A token-authenticated write needs no Origin.
        let added = PATIENT_CREATE
            .with(
                &bridge,
                &[],
                &json!({"name": "Dora Example", "mrn": "N3", "date_of_birth": "1990-02-02",
                    "sex": "female", "diagnoses": [{"code": "1.3", "onset": "2020-01-01"}]}),
            )
            .await
            .expect(201);
        let dora = added["id"].as_str().expect("id").to_owned();
        let got = PATIENT.call(&bridge, &[&dora], "").await.expect(200);
        assert_eq!(
            got["diagnoses"],
            json!([{"code": "1.3", "onset": "2020-01-01"}])
        );
        let tokens = TOKENS.call(&dr, &[], "").await.expect(200);
        assert_eq!(tokens.as_array().map(Vec::len), Some(1));
        assert!(tokens[0]["last_used_at"].is_string(), "{tokens}");
        assert!(
            tokens[0].get("secret").is_none(),
            "the secret is shown once"
        );
        let revoked = TOKEN_REVOKE.call(&dr, &[&id], "").await;
        assert_eq!(revoked.status, 204, "{}", revoked.body);
        let refused = PATIENTS.call(&bridge, &[], "").await.expect(401);
        assert_eq!(refused["error"]["code"], "unauthenticated");
        let other = app.login("dr.south").await;
        TOKEN_REVOKE.call(&other, &[&id], "").await.expect(404);
    }
);

story!(
    tokens_come_from_a_signed_in_session_with_the_password_and_carry_scope_and_expiry,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        // The password again, right.
        let err = TOKEN_CREATE
            .with(&dr, &[], &json!({"name": "x"}))
            .await
            .expect(422);
        assert!(err["error"]["message"].as_str().is_some(), "{err}");
        let err = TOKEN_CREATE
            .with(&dr, &[], &json!({"name": "x", "password": "not it"}))
            .await
            .expect(403);
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("password")),
            "{err}"
        );
        // Default: read only, 90 days.
        let read = TOKEN_CREATE
            .with(&dr, &[], &json!({"name": "reports", "password": PASSWORD}))
            .await
            .expect(201);
        assert_eq!(read["scope"], "read");
        let created: chrono::DateTime<chrono::Utc> = read["created_at"]
            .as_str()
            .expect("at")
            .parse()
            .expect("time");
        let expires: chrono::DateTime<chrono::Utc> = read["expires_at"]
            .as_str()
            .expect("at")
            .parse()
            .expect("time");
        assert_eq!(expires - created, chrono::Duration::days(90));
        // Life 1 to 365 days.
        for days in [0, 366] {
            let err = TOKEN_CREATE
                .with(
                    &dr,
                    &[],
                    &json!({"name": "x", "password": PASSWORD, "expires_in_days": days}),
                )
                .await
                .expect(422);
            assert_eq!(err["error"]["field"], "expires_in_days", "{err}");
        }
        TOKEN_CREATE
            .with(
                &dr,
                &[],
                &json!({"name": "x", "password": PASSWORD, "expires_in_days": 365}),
            )
            .await
            .expect(201);
        // A read token reads, and every unsafe method answers 403 with nothing done.
        let reader = app.bearer(read["secret"].as_str().expect("secret"));
        PATIENTS.call(&reader, &[], "").await.expect(200);
        let refused = PATIENT_CREATE
            .with(
                &reader,
                &[],
                &json!({"name": "Read Only", "date_of_birth": "1990-02-02"}),
            )
            .await
            .expect(403);
        assert!(
            refused["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("scope read")),
            "{refused}"
        );
        let id = read["id"].as_str().expect("id");
        TOKEN_REVOKE.call(&reader, &[id], "").await.expect(403);
        // A token never mints another, whatever its scope: a leaked token dies with its revocation.
        let writer = app.token("dr.north").await;
        let err = TOKEN_CREATE
            .with(
                &writer,
                &[],
                &json!({"name": "child", "password": PASSWORD}),
            )
            .await
            .expect(403);
        assert!(
            err["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("browser session")),
            "{err}"
        );
        TOKEN_CREATE
            .with(
                &reader,
                &[],
                &json!({"name": "child", "password": PASSWORD}),
            )
            .await
            .expect(403);
        let listed = TOKENS.call(&dr, &[], "").await.expect(200);
        assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
        // An expired token answers 401.
        let user = app
            .store
            .user_with_hash(&cephalog_auth::Username::new("dr.north").expect("name"))
            .await
            .expect("user")
            .expect("user")
            .0;
        let secret = cephalog_web::auth::new_token();
        app.store
            .add_api_token_until(
                user.id,
                "expired",
                &cephalog_web::auth::token_hash(&secret),
                cephalog_store::TokenScope::ReadWrite,
                chrono::Utc::now() - chrono::Duration::seconds(1),
            )
            .await
            .expect("token");
        let expired = PATIENTS
            .call(&app.bearer(&secret), &[], "")
            .await
            .expect(401);
        assert_eq!(expired["error"]["code"], "unauthenticated");
    }
);

story!(
    an_mrn_is_unique_per_clinic_and_reveals_nothing_of_another_clinic,
    |app: App| async move {
        // S1 is South's; North may use it for its own patient.
        let dr = app.login("dr.north").await;
        let added = PATIENT_CREATE
            .with(
                &dr,
                &[],
                &json!({"name": "Sam Example", "mrn": "S1", "date_of_birth": "1990-02-02"}),
            )
            .await
            .expect(201);
        assert_eq!(added["mrn"], "S1");
        // Within North, S1 is now taken: the answer names North's own record only.
        let dup = PATIENT_CREATE
            .with(
                &dr,
                &[],
                &json!({"name": "Sam Again", "mrn": "S1", "date_of_birth": "1990-02-02"}),
            )
            .await
            .expect(409);
        assert!(
            dup["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains("in this clinic")),
            "{dup}"
        );
        let south = app.login("dr.south").await;
        let theirs = PATIENTS.call(&south, &[], "").await.expect(200);
        assert_eq!(
            theirs
                .as_array()
                .expect("list")
                .iter()
                .filter(|p| p["mrn"] == "S1")
                .count(),
            1,
            "South still sees only its own S1"
        );
    }
);

story!(bulk_diary_is_all_or_nothing, |app: App| async move {
    let me = app.token("ben").await;
    let ben = app.seed.ben.clone();
    // A day's own inconsistency names the field inside the day.
    let err = DIARY_BULK
        .with(
            &me,
            &[&ben],
            &json!({"days": [{"date": "2026-06-01", "headache_minutes": 0,
                              "features": {"nausea": true}}]}),
        )
        .await
        .expect(422);
    assert_eq!(err["error"]["field"], "days[0].features.nausea", "{err}");
    let mut days = vec![
        day("2026-06-01", 300, "severe"),
        day("2026-06-02", 0, "none"),
        day("2026-06-03", 120, "moderate"),
        day("2026-06-04", 200, "agonising"),
        day("2026-06-05", 60, "mild"),
    ];
    let err = DIARY_BULK
        .with(&me, &[&ben], &json!({"days": days}))
        .await
        .expect(422);
    assert_eq!(err["error"]["code"], "invalid");
    assert_eq!(err["error"]["field"], "days[3].peak_intensity", "{err}");
    assert_eq!(DIARY.call(&me, &[&ben], "").await.expect(200), json!([]));
    // A framework-level type error names the field too, and stores nothing.
    days[3] = json!({"date": "2026-06-04", "headache_minutes": "lots"});
    let err = DIARY_BULK
        .with(&me, &[&ben], &json!({"days": days}))
        .await
        .expect(422);
    assert_eq!(err["error"]["field"], "days[3].headache_minutes", "{err}");
    assert_eq!(DIARY.call(&me, &[&ben], "").await.expect(200), json!([]));
    days[3] = day("2026-06-04", 200, "moderate");
    let ok = DIARY_BULK
        .with(&me, &[&ben], &json!({"days": days}))
        .await
        .expect(200);
    assert_eq!(ok, json!({"inserted": 5, "replaced": 0}));
    let stored = DIARY
        .call(&me, &[&ben], "from=2026-06-02&to=2026-06-04")
        .await
        .expect(200);
    assert_eq!(stored.as_array().map(Vec::len), Some(3));
    assert_eq!(stored[0]["peak_intensity"], "none");
    let clash = DIARY_BULK
        .with(
            &me,
            &[&ben],
            &json!({"days": [day("2026-06-01", 10, "mild")]}),
        )
        .await
        .expect(409);
    assert_eq!(clash["error"]["code"], "conflict");
    let one = DIARY_DAY_PUT
        .with(&me, &[&ben, "2026-06-01"], &day("2026-06-01", 10, "mild"))
        .await
        .expect(200);
    assert_eq!(one["headache_minutes"], 10);
    let got = DIARY_DAY
        .call(&me, &[&ben, "2026-06-01"], "")
        .await
        .expect(200);
    assert_eq!(got["peak_intensity"], "mild");
    DIARY_DAY
        .call(&me, &[&ben, "2026-05-31"], "")
        .await
        .expect(404);
    // Metrics and classification read the diary.
    let dr = app.login("dr.north").await;
    let anna = app.seed.anna.clone();
    let metrics = METRICS
        .call(&dr, &[&anna], "period=month&preset=any")
        .await
        .expect(200);
    assert_eq!(
        metrics["periods"].as_array().map(Vec::len),
        Some(3),
        "{metrics}"
    );
    let cls = CLASSIFICATION
        .call(&dr, &[&anna], "on=2026-07-01")
        .await
        .expect(200);
    assert!(cls.is_object(), "{cls}");
});

story!(
    concurrent_upserts_of_one_day_all_succeed,
    |app: App| async move {
        // Sixteen clients writing the same day at once (a phone retrying, a clinic tablet): each
        // write waits its turn and succeeds; none fails on a database lock.
        let me = app.token("ben").await;
        let ben = app.seed.ben.clone();
        let writes: Vec<_> = (0..16)
            .map(|i| {
                let me = me.clone();
                let ben = ben.clone();
                tokio::spawn(async move {
                    let mut statuses = Vec::new();
                    for _ in 0..4 {
                        let body = json!({"headache_minutes": 30 * i, "peak_intensity":
                            if i == 0 { "none" } else { "moderate" }});
                        statuses.push(
                            DIARY_DAY_PUT
                                .with(&me, &[&ben, "2026-06-01"], &body)
                                .await
                                .status,
                        );
                    }
                    statuses
                })
            })
            .collect();
        for w in writes {
            let statuses = w.await.expect("task");
            assert!(statuses.iter().all(|s| *s == 200), "{statuses:?}");
        }
        let days = DIARY.call(&me, &[&ben], "").await.expect(200);
        assert_eq!(days.as_array().map(Vec::len), Some(1));
    }
);
