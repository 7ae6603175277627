//! The OpenAPI document against the router and the tests' route table: the same routes, and every
//! documented route answered by a handler.

use std::collections::BTreeSet;

use serde_json::json;

use super::routes::{ALL, Route};
use crate::harness::App;
use crate::story;

story!(openapi_document_matches_the_router, |app: App| async move {
    let doc = app
        .anonymous()
        .api("get", "/openapi.json", None)
        .await
        .expect(200);
    // Every reference points at a component the document holds.
    fn refs(v: &serde_json::Value, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                if let Some(r) = m.get("$ref").and_then(|r| r.as_str()) {
                    out.push(r.to_owned());
                }
                m.values().for_each(|v| refs(v, out));
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| refs(v, out)),
            _ => {}
        }
    }
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty(), "the document uses references");
    for r in all {
        let pointer = r.strip_prefix('#').expect("a local reference");
        assert!(doc.pointer(pointer).is_some(), "{r} does not resolve");
    }
    let version = doc["openapi"].as_str().expect("openapi version");
    assert!(version.starts_with("3."), "OpenAPI 3.x: {version}");
    assert_eq!(doc["info"]["title"], "Cephalog API");
    let documented: BTreeSet<(String, String)> = doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .flat_map(|(path, item)| {
            item.as_object()
                .expect("path item")
                .keys()
                .filter(|k| {
                    matches!(
                        k.as_str(),
                        "get" | "put" | "post" | "delete" | "patch" | "head" | "options"
                    )
                })
                .map(move |m| (m.clone(), path.clone()))
        })
        .collect();
    let tested: BTreeSet<(String, String)> = ALL
        .iter()
        .map(|r| (r.method.to_owned(), r.path.to_owned()))
        .collect();
    assert_eq!(
        documented.difference(&tested).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "documented but not in the tests' table"
    );
    assert_eq!(
        tested.difference(&documented).collect::<Vec<_>>(),
        Vec::<&(String, String)>::new(),
        "in the tests' table but not documented"
    );
    // Every operation has a response and a tag; every error response uses the error schema.
    for (method, path) in &documented {
        let op = &doc["paths"][path][method];
        assert!(
            op["tags"].as_array().is_some_and(|t| !t.is_empty()),
            "{method} {path}"
        );
        assert!(
            op["responses"].as_object().is_some_and(|r| !r.is_empty()),
            "{method} {path}"
        );
    }
    // Every documented route is served: a handler answers (whatever it thinks of the request),
    // never the router's "no such route" or "method not allowed".
    let dr = app.login("dr.north").await;
    let unknown = uuid::Uuid::now_v7().to_string();
    for route in ALL {
        let params: Vec<&str> = route
            .path
            .split('/')
            .filter(|s| s.starts_with('{'))
            .map(|s| match (s, route.path) {
                ("{kind}", _) => "preempt",
                ("{date}", _) => "2026-06-01",
                _ => unknown.as_str(),
            })
            .collect();
        let body = matches!(route.method, "post" | "put").then(|| json!({}));
        let reply = route.send(&dr, &params, "", body.as_ref()).await;
        let Route { method, path } = route;
        assert_ne!(reply.status, 405, "{method} {path}: {}", reply.body);
        assert!(
            !(reply.status == 404 && reply.body["error"]["message"] == "no such API route"),
            "{method} {path} is documented but not routed"
        );
        assert!(reply.status < 500, "{method} {path}: {}", reply.body);
    }
    // And the router's answer for a route that is not there, for contrast.
    let missing = dr.api("get", "/patients/x/nothing-here", None).await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["error"]["message"], "no such API route");
});

story!(
    the_document_states_the_servers_plausibility_limits,
    |app: App| async move {
        use cephalog_core::limits::{
            MAX_MRN_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, MAX_PAROXYSMS_PER_DAY,
        };
        let doc = app
            .anonymous()
            .api("get", "/openapi.json", None)
            .await
            .expect(200);
        let schemas = &doc["components"]["schemas"];
        let day = &schemas["DiaryDayJson"]["properties"];
        assert_eq!(day["paroxysms"]["maximum"], json!(MAX_PAROXYSMS_PER_DAY));
        assert_eq!(day["notes"]["maxLength"], json!(MAX_NOTE_CHARS));
        let patient = &schemas["NewPatient"]["properties"];
        assert_eq!(patient["name"]["maxLength"], json!(MAX_NAME_CHARS));
        assert_eq!(patient["mrn"]["maxLength"], json!(MAX_MRN_CHARS));
        assert_eq!(patient["notes"]["maxLength"], json!(MAX_NOTE_CHARS));
        // The questionnaires the document offers are the registry's.
        assert_eq!(
            schemas["Instrument"]["enum"],
            json!(cephalog_core::prom::Instrument::ALL.map(|i| i.as_str()))
        );
        assert_eq!(
            schemas["Instrument"]["enum"],
            json!(["midas", "hit6", "phq9", "gad7"])
        );
    }
);
