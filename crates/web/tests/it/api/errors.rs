//! One JSON error shape for every failure: `{"error": {"code", "message", "field"}}`.

use serde_json::{Value, json};

use super::routes::*;
use crate::harness::App;
use crate::story;

/// Asserts the error shape and returns (code, field).
#[track_caller]
fn shape(body: &Value) -> (String, Value) {
    let error = body["error"]
        .as_object()
        .unwrap_or_else(|| panic!("{body}"));
    let mut keys: Vec<&str> = error.keys().map(String::as_str).collect();
    keys.sort_unstable();
    assert_eq!(keys, ["code", "field", "message"], "{body}");
    assert!(
        error["message"].as_str().is_some_and(|m| !m.is_empty()),
        "{body}"
    );
    assert_eq!(body.as_object().map(|o| o.len()), Some(1), "{body}");
    (
        error["code"].as_str().expect("code").to_owned(),
        error["field"].clone(),
    )
}

story!(errors_share_one_json_shape, |app: App| async move {
    let dr = app.login("dr.north").await;
    let nobody = app.anonymous();
    let missing = uuid::Uuid::now_v7().to_string();
    let cases: Vec<(crate::harness::Reply, u16, &str, Value)> = vec![
        (
            PATIENT.call(&nobody, &[&app.seed.anna], "").await,
            401,
            "unauthenticated",
            Value::Null,
        ),
        (
            ELIGIBILITY.call(&dr, &[&missing], "").await,
            404,
            "not_found",
            Value::Null,
        ),
        (
            ELIGIBILITY.call(&dr, &[&app.seed.anna], "rules=nope").await,
            422,
            "invalid",
            json!("rules"),
        ),
        (
            PREVENTIVE_ADD
                .with(
                    &dr,
                    &[&app.seed.anna],
                    &json!({"drug": 5, "outcome": "ongoing"}),
                )
                .await,
            422,
            "invalid",
            json!("drug"),
        ),
        (
            PREVENTIVE_ADD
                .with(
                    &dr,
                    &[&app.seed.anna],
                    &json!({"drug": "x", "outcome": "ongoing", "colour": 1}),
                )
                .await,
            422,
            "invalid",
            json!("colour"),
        ),
        (
            PREVENTIVE_ADD
                .with(&dr, &[&app.seed.anna], &json!({"outcome": "ongoing"}))
                .await,
            422,
            "invalid",
            Value::Null,
        ),
        (
            ELIGIBILITY.call(&dr, &["not-a-uuid"], "").await,
            400,
            "invalid",
            Value::Null,
        ),
        (
            ELIGIBILITY
                .call(&dr, &[&app.seed.anna], "on=yesterday")
                .await,
            400,
            "invalid",
            Value::Null,
        ),
    ];
    for (reply, status, code, field) in &cases {
        assert_eq!(reply.status, *status, "{}", reply.body);
        let (c, f) = shape(&reply.body);
        assert_eq!((c.as_str(), &f), (*code, field), "{}", reply.body);
    }
    // A route that does not exist, and a method a route does not take.
    let r = dr.api("get", "/no-such-thing", None).await;
    assert_eq!(r.status, 404);
    assert_eq!(shape(&r.body).0, "not_found");
    let r = dr.api("delete", "/rule-sets", None).await;
    assert_eq!(r.status, 405);
    assert_eq!(shape(&r.body).0, "method_not_allowed");
});
