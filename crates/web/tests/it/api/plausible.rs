//! Only plausible data: the server refuses what cannot be true — a day before the patient was
//! born, a count or a text beyond its documented limit, MIDAS answers that cannot all hold, a
//! second answer set of an instrument on one date, a date of birth before 1900 — with the field
//! and the reason, and stores nothing of it. Ben was born on 1980-05-05; "today" is 2026-07-01.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::App;
use crate::story;

fn field(err: &Value) -> &str {
    err["error"]["field"].as_str().unwrap_or("")
}

fn message(err: &Value) -> &str {
    err["error"]["message"].as_str().unwrap_or("")
}

story!(
    implausible_diary_days_are_refused_and_nothing_is_stored,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let day = json!({"headache_minutes": 60, "peak_intensity": "mild"});

        // A day before birth.
        let err = DIARY_DAY_PUT
            .with(&dr, &[&ben, "1950-01-01"], &day)
            .await
            .expect(422);
        assert_eq!(field(&err), "date", "{err}");
        assert!(
            message(&err).contains("before the patient's date of birth (1980-05-05)"),
            "{err}"
        );
        // The day of birth itself is a day of the patient's life.
        DIARY_DAY_PUT
            .with(&dr, &[&ben, "1980-05-05"], &day)
            .await
            .expect(200);

        // A bulk upload reaching back before birth stores none of its days.
        let days: Vec<Value> = (0..60)
            .map(|i| {
                let date = crate::harness::d("1980-04-01") + chrono::Duration::days(i);
                json!({"date": date.to_string(), "headache_minutes": 0, "peak_intensity": "none"})
            })
            .collect();
        let err = DIARY_BULK
            .with(&dr, &[&ben], &json!({ "days": days }))
            .await
            .expect(422);
        assert_eq!(field(&err), "date", "{err}");
        let stored = DIARY.call(&dr, &[&ben], "").await.expect(200);
        assert_eq!(stored.as_array().map(Vec::len), Some(1), "{stored}");

        // Paroxysms and notes at their limits, and one over.
        let at = "2026-06-10";
        let ok = json!({"headache_minutes": 60, "peak_intensity": "mild", "paroxysms": 1000,
                        "notes": "n".repeat(2000)});
        DIARY_DAY_PUT.with(&dr, &[&ben, at], &ok).await.expect(200);
        let many = json!({"headache_minutes": 60, "peak_intensity": "mild",
                          "paroxysms": 1_000_000});
        let err = DIARY_DAY_PUT
            .with(&dr, &[&ben, "2026-06-11"], &many)
            .await
            .expect(422);
        assert_eq!(field(&err), "paroxysms", "{err}");
        assert!(
            message(&err).contains("more than the 1000 allowed"),
            "{err}"
        );
        let long = json!({"headache_minutes": 60, "peak_intensity": "mild",
                          "notes": "n".repeat(2001)});
        let err = DIARY_DAY_PUT
            .with(&dr, &[&ben, "2026-06-11"], &long)
            .await
            .expect(422);
        assert_eq!(field(&err), "notes", "{err}");
        DIARY_DAY
            .call(&dr, &[&ben, "2026-06-11"], "")
            .await
            .expect(404);
    }
);

story!(
    implausible_questionnaires_are_refused,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let midas = |answers: [u32; 5], date: &str| json!({"instrument": "midas", "answers": answers, "date": date});

        // 90 days on every item (score 450) cannot all be true: items 1 and 2 share 90 days.
        let err = QUESTIONNAIRE_ADD
            .with(&dr, &[&ben], &midas([90; 5], "2026-06-01"))
            .await
            .expect(422);
        assert_eq!(field(&err), "answers[1]", "{err}");
        assert!(message(&err).contains("MIDAS items 1 and 2"), "{err}");
        QUESTIONNAIRE_ADD
            .with(&dr, &[&ben], &midas([45, 45, 0, 90, 90], "2026-06-01"))
            .await
            .expect(201);

        // One answer set of an instrument per date; another instrument on that date is fine.
        let err = QUESTIONNAIRE_ADD
            .with(&dr, &[&ben], &midas([1, 1, 1, 1, 1], "2026-06-01"))
            .await
            .expect(409);
        assert!(
            message(&err).contains("already recorded on 2026-06-01"),
            "{err}"
        );
        QUESTIONNAIRE_ADD
            .with(
                &dr,
                &[&ben],
                &json!({"instrument": "hit6", "date": "2026-06-01",
                        "answers": ["never", "never", "never", "never", "never", "never"]}),
            )
            .await
            .expect(201);

        // Dated 1990 the patient was 9; before birth is refused too.
        let err = QUESTIONNAIRE_ADD
            .with(&dr, &[&ben], &midas([1, 1, 1, 1, 1], "1990-01-01"))
            .await
            .expect(422);
        assert_eq!(field(&err), "date", "{err}");
        assert!(message(&err).contains("[unverified default]"), "{err}");
        QUESTIONNAIRE_ADD
            .with(&dr, &[&ben], &midas([1, 1, 1, 1, 1], "1970-01-01"))
            .await
            .expect(422);
        let kept = QUESTIONNAIRES.call(&dr, &[&ben], "").await.expect(200);
        assert_eq!(kept.as_array().map(Vec::len), Some(2), "{kept}");
    }
);

story!(implausible_patients_are_refused, |app: App| async move {
    let dr = app.token("dr.north").await;
    let err = PATIENT_CREATE
        .with(
            &dr,
            &[],
            &json!({"name": "Old Example", "date_of_birth": "1800-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(field(&err), "date_of_birth", "{err}");
    PATIENT_CREATE
        .with(
            &dr,
            &[],
            &json!({"name": "Oldest Example", "date_of_birth": "1900-01-01"}),
        )
        .await
        .expect(201);
    let err = PATIENT_CREATE
        .with(
            &dr,
            &[],
            &json!({"name": "x".repeat(10_000), "date_of_birth": "1990-01-01"}),
        )
        .await
        .expect(422);
    assert_eq!(field(&err), "name", "{err}");
    let err = PATIENT_CREATE
        .with(
            &dr,
            &[],
            &json!({"name": "Long Notes", "date_of_birth": "1990-01-01",
                        "mrn": "M".repeat(65)}),
        )
        .await
        .expect(422);
    assert_eq!(field(&err), "mrn", "{err}");
    let listed = PATIENTS.call(&dr, &[], "").await.expect(200);
    assert_eq!(listed.as_array().map(Vec::len), Some(3), "{listed}");
});

story!(
    an_oversized_form_is_answered_by_a_page_with_the_navigation,
    |app: App| async move {
        let dr = app.login("dr.north").await;
        let ben = app.seed.ben.clone();
        // Just over the 2 MB the server reads, so the client has sent it all before the answer.
        let note = "n".repeat(2 * 1024 * 1024 + 1024);
        let page = dr
            .post_form(
                &format!("/patients/{ben}/diary"),
                &[
                    ("date", "2026-06-12"),
                    ("intensity", "mild"),
                    ("hours", "1"),
                    ("notes", &note),
                ],
            )
            .await;
        assert_eq!(page.status, 413);
        assert!(page.header("content-type").starts_with("text/html"));
        let html = page.text();
        assert!(html.contains("nothing was saved"), "{html}");
        assert!(
            html.contains("aria-label=\"Main\""),
            "the navigation is kept"
        );
        assert!(html.contains("Worklist"), "{html}");

        // A form error from a handler keeps the navigation too.
        let refused = dr
            .post_form(
                &format!("/patients/{ben}/diary"),
                &[
                    ("date", "1950-01-01"),
                    ("intensity", "mild"),
                    ("hours", "1"),
                ],
            )
            .await;
        assert_eq!(refused.status, 422);
        let html = refused.text();
        assert!(html.contains("before the patient"), "{html}");
        assert!(html.contains("aria-label=\"Main\""), "{html}");

        // Hours and minutes, as typed and as shown.
        let saved = dr
            .post_form(
                &format!("/patients/{ben}/diary"),
                &[
                    ("date", "2026-06-12"),
                    ("intensity", "severe"),
                    ("hours", "15:38"),
                ],
            )
            .await;
        assert_eq!(saved.status, 303, "{}", saved.text());
        let shown = dr
            .download(&format!("/patients/{ben}/diary?date=2026-06-12"))
            .await;
        let html = shown.text();
        assert!(html.contains("value=\"15:38\""), "{html}");
        assert!(!html.contains("15.63"), "{html}");
        let api = app.token("dr.north").await;
        let day = DIARY_DAY
            .call(&api, &[&ben, "2026-06-12"], "")
            .await
            .expect(200);
        assert_eq!(day["headache_minutes"], 938, "{day}");
    }
);

story!(
    a_bulk_upload_of_100000_days_is_refused_with_a_clear_answer,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let start = crate::harness::d("1981-01-01");
        let days: Vec<Value> = (0..100_000)
            .map(|i| {
                let date = start + chrono::Duration::days(i % 16_000);
                json!({"date": date.to_string(), "headache_minutes": 0, "peak_intensity": "none"})
            })
            .collect();
        let path = DIARY_BULK.path_with(&[&ben]);
        // The server refuses a body over the limit without reading all of it. The client either
        // reads the answer, or, when the server closes the connection while the upload is still
        // being written, sees the connection fail: a refusal too (nothing is stored, below).
        match dr
            .try_raw(
                DIARY_BULK.method,
                &format!("/api/v1{path}"),
                Some(&json!({ "days": days })),
            )
            .await
        {
            Ok(reply) => {
                let err = reply.expect(413);
                assert_eq!(err["error"]["code"], "too_large", "{err}");
                assert!(message(&err).contains("2 MB"), "{err}");
            }
            Err(e) => assert!(
                e.is_request() || e.is_body() || e.is_connect(),
                "not a refusal by a closed connection: {e}"
            ),
        }
        let stored = DIARY.call(&dr, &[&ben], "").await.expect(200);
        // The server answers on, and stored nothing.
        assert_eq!(stored.as_array().map(Vec::len), Some(0), "nothing stored");
    }
);

story!(
    preventives_dated_before_birth_or_in_the_future_are_refused,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let trial = |start: &str, stop: &str| {
            json!({"drug": "propranolol", "start": start, "stop": stop,
                   "outcome": "not_effective", "reason": "no fewer headache days"})
        };
        let err = PREVENTIVE_ADD
            .with(&dr, &[&ben], &trial("1975-01-01", "1975-04-01"))
            .await
            .expect(422);
        assert_eq!(field(&err), "start", "{err}");
        let err = PREVENTIVE_ADD
            .with(&dr, &[&ben], &trial("2026-05-01", "2026-08-01"))
            .await
            .expect(422);
        assert_eq!(field(&err), "stop", "{err}");
        assert!(message(&err).contains("in the future"), "{err}");
        PREVENTIVE_ADD
            .with(&dr, &[&ben], &trial("2026-03-01", "2026-07-01"))
            .await
            .expect(201);
        let ledger = PREVENTIVES.call(&dr, &[&ben], "").await.expect(200);
        assert_eq!(
            ledger["trials"].as_array().map(Vec::len),
            Some(1),
            "{ledger}"
        );
    }
);

story!(
    a_token_over_its_requests_per_minute_is_answered_429_and_nothing_is_done,
    config = |c: &mut cephalog_web::Config| c.api_requests_per_minute = 5,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let minute = || chrono::Utc::now().timestamp().div_euclid(60);
        let started = minute();
        let mut answered = 0;
        let refused = loop {
            let reply = DIARY.call(&dr, &[&ben], "").await;
            if reply.status != 200 {
                break reply;
            }
            answered += 1;
            assert!(answered <= 10, "no limit after {answered} requests");
        };
        // Five a minute; a sixth in the same minute is refused. A clock minute ending during the
        // loop lets at most five more through.
        if minute() == started {
            assert_eq!(answered, 5);
        } else {
            assert!((5..=10).contains(&answered), "{answered}");
        }
        assert_eq!(refused.status, 429, "{}", refused.body);
        assert_eq!(
            refused.body["error"]["code"], "rate_limited",
            "{}",
            refused.body
        );
        assert!(
            message(&refused.body).contains("more than 5 requests this minute"),
            "{}",
            refused.body
        );
        let wait: u64 = refused
            .retry_after
            .as_deref()
            .and_then(|v| v.parse().ok())
            .expect("Retry-After in seconds");
        assert!((1..=60).contains(&wait), "{wait}");

        // A write over the limit stores nothing (when the minute of the refusal has not ended).
        let refused_in = minute();
        let day = json!({"headache_minutes": 60, "peak_intensity": "mild"});
        let reply = DIARY_DAY_PUT.with(&dr, &[&ben, "2026-06-01"], &day).await;
        if minute() == refused_in {
            assert_eq!(reply.status, 429, "{}", reply.body);
            let other = app.token("dr.north").await;
            DIARY_DAY
                .call(&other, &[&ben, "2026-06-01"], "")
                .await
                .expect(404);
        }
        // The limit is per token: another token of the same user is answered.
        let other = app.token("dr.north").await;
        DIARY.call(&other, &[&ben], "").await.expect(200);
    }
);

story!(
    nul_characters_and_impossible_periods_are_refused_naming_the_field,
    |app: App| async move {
        let dr = app.token("dr.north").await;
        let ben = app.seed.ben.clone();
        let day = json!({"headache_minutes": 60, "peak_intensity": "mild"});
        DIARY_DAY_PUT
            .with(&dr, &[&ben, "2026-06-10"], &day)
            .await
            .expect(200);

        // A NUL anywhere — a record's text, a change's reason, a token's name — is refused with
        // its field on both engines, never a server error, and nothing changes.
        let nul_notes =
            json!({"headache_minutes": 60, "peak_intensity": "mild", "notes": "a\u{0}b"});
        let err = DIARY_DAY_PUT
            .with(&dr, &[&ben, "2026-06-11"], &nul_notes)
            .await
            .expect(422);
        assert_eq!(field(&err), "notes", "{err}");
        let replaced = json!({"headache_minutes": 600, "peak_intensity": "severe"});
        let err = dr
            .api(
                "PUT",
                &format!("/patients/{ben}/diary/2026-06-10?reason=%00"),
                Some(&replaced),
            )
            .await
            .expect(422);
        assert_eq!(field(&err), "reason", "{err}");
        assert!(message(&err).contains("NUL"), "{err}");
        let kept = DIARY_DAY
            .call(&dr, &[&ben, "2026-06-10"], "")
            .await
            .expect(200);
        assert_eq!(kept["headache_minutes"], 60, "{kept}");
        let err = TOKEN_CREATE
            .with(
                &dr,
                &[],
                &json!({"name": "\u{0}", "password": crate::harness::PASSWORD}),
            )
            .await
            .expect(422);
        assert_eq!(field(&err), "name", "{err}");
        let err = PREVENTIVE_ADD
            .with(
                &dr,
                &[&ben],
                &json!({"drug": "topiramate", "dose": "50\u{0}mg", "start": "2026-01-01",
                        "outcome": "ongoing"}),
            )
            .await
            .expect(422);
        assert_eq!(field(&err), "dose", "{err}");

        // The same for a page's form, answered as a page.
        let web = app.login("dr.north").await;
        let page = web
            .post_form(
                &format!("/patients/{ben}/share-links"),
                &[("from", "2026-06-01"), ("to", "2026-06-30\0")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.text());
        assert!(page.header("content-type").starts_with("text/html"));
        assert!(page.text().contains("NUL"), "{}", page.text());
        // A share link's period before 1900 cannot be a period of anyone's record.
        let page = web
            .post_form(
                &format!("/patients/{ben}/share-links"),
                &[("to", "-0001-01-01")],
            )
            .await;
        assert_eq!(page.status, 422, "{}", page.text());

        // Metrics over a period from 1900 to today, not beyond and not backwards.
        let err = METRICS
            .call(&dr, &[&ben], "from=1899-12-31&to=2026-06-30")
            .await
            .expect(422);
        assert_eq!(field(&err), "from", "{err}");
        METRICS
            .call(&dr, &[&ben], "from=1900-01-01&to=2026-06-30")
            .await
            .expect(200);
        METRICS
            .call(
                &dr,
                &[&ben],
                &format!("from=2026-06-01&to={}", crate::harness::TODAY),
            )
            .await
            .expect(200);
        let err = METRICS
            .call(&dr, &[&ben], "from=2026-06-01&to=2026-07-02")
            .await
            .expect(422);
        assert_eq!(field(&err), "to", "{err}");
        assert!(message(&err).contains("in the future"), "{err}");
        let err = METRICS
            .call(&dr, &[&ben], "from=2026-06-02&to=2026-06-01")
            .await
            .expect(422);
        assert_eq!(field(&err), "to", "{err}");
    }
);
