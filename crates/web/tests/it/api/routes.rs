//! Every API route the tests call, as the OpenAPI document names it. Tests reach the API only
//! through these, so the OpenAPI test can check that the document, the router and this table
//! agree.

use serde_json::Value;

use crate::harness::{Client, Reply};

/// One route: method and path template (with `{param}` segments).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

const fn route(method: &'static str, path: &'static str) -> Route {
    Route { method, path }
}

pub const TOKENS: Route = route("get", "/tokens");
pub const TOKEN_CREATE: Route = route("post", "/tokens");
pub const TOKEN_REVOKE: Route = route("delete", "/tokens/{id}");
pub const PATIENTS: Route = route("get", "/patients");
pub const PATIENT_CREATE: Route = route("post", "/patients");
pub const PATIENT: Route = route("get", "/patients/{id}");
pub const METRICS: Route = route("get", "/patients/{id}/metrics");
pub const CLASSIFICATION: Route = route("get", "/patients/{id}/classification");
pub const DIARY: Route = route("get", "/patients/{id}/diary");
pub const DIARY_DAY: Route = route("get", "/patients/{id}/diary/{date}");
pub const DIARY_DAY_PUT: Route = route("put", "/patients/{id}/diary/{date}");
pub const DIARY_BULK: Route = route("post", "/patients/{id}/diary/bulk");
pub const DIARY_HISTORY: Route = route("get", "/patients/{id}/diary/{date}/history");
pub const DIARY_ENTERED_IN_ERROR: Route =
    route("post", "/patients/{id}/diary/{date}/entered-in-error");
pub const PATIENT_HISTORY: Route = route("get", "/patients/{id}/history");
pub const RECORD_HISTORY: Route = route("get", "/patients/{id}/records/{kind}/{record_id}/history");
pub const RECORD_ENTERED_IN_ERROR: Route = route(
    "post",
    "/patients/{id}/records/{kind}/{record_id}/entered-in-error",
);
pub const PREVENTIVE_CORRECT: Route = route("put", "/patients/{id}/preventives/{trial}");
pub const QUESTIONNAIRE_CORRECT: Route =
    route("put", "/patients/{id}/questionnaires/{questionnaire}");
pub const RULE_SETS: Route = route("get", "/rule-sets");
pub const ELIGIBILITY: Route = route("get", "/patients/{id}/eligibility");
pub const PREVENTIVES: Route = route("get", "/patients/{id}/preventives");
pub const PREVENTIVE_ADD: Route = route("post", "/patients/{id}/preventives");
pub const OVERUSE_ATTESTATION: Route = route("post", "/patients/{id}/overuse-attestation");
pub const PLAN: Route = route("get", "/plans/{kind}");
pub const SESSIONS: Route = route("get", "/patients/{id}/sessions");
pub const SESSION_RECORD: Route = route("post", "/patients/{id}/sessions");
pub const SCHEDULE: Route = route("get", "/schedule");
pub const COHORT: Route = route("get", "/cohort");
pub const RESPONSE: Route = route("get", "/patients/{id}/response");
pub const QUESTIONNAIRES: Route = route("get", "/patients/{id}/questionnaires");
pub const QUESTIONNAIRE_ADD: Route = route("post", "/patients/{id}/questionnaires");
pub const QUESTIONNAIRE_REVIEW: Route = route(
    "post",
    "/patients/{id}/questionnaires/{questionnaire}/review",
);
pub const ADVERSE_EVENTS: Route = route("get", "/patients/{id}/adverse-events");
pub const ADVERSE_EVENT_ADD: Route = route("post", "/patients/{id}/adverse-events");
pub const CLINIC_ADVERSE_EVENTS: Route = route("get", "/adverse-events");
pub const ADVERSE_EVENT: Route = route("get", "/adverse-events/{id}");
pub const ADVERSE_EVENT_ACK: Route = route("post", "/adverse-events/{id}/acknowledge");
pub const EVERYTHING: Route = route("get", "/patients/{id}/$everything");

/// The whole table.
pub const ALL: &[Route] = &[
    TOKENS,
    TOKEN_CREATE,
    TOKEN_REVOKE,
    PATIENTS,
    PATIENT_CREATE,
    PATIENT,
    METRICS,
    CLASSIFICATION,
    DIARY,
    DIARY_DAY,
    DIARY_DAY_PUT,
    DIARY_BULK,
    DIARY_HISTORY,
    DIARY_ENTERED_IN_ERROR,
    PATIENT_HISTORY,
    RECORD_HISTORY,
    RECORD_ENTERED_IN_ERROR,
    PREVENTIVE_CORRECT,
    QUESTIONNAIRE_CORRECT,
    RULE_SETS,
    ELIGIBILITY,
    PREVENTIVES,
    PREVENTIVE_ADD,
    OVERUSE_ATTESTATION,
    PLAN,
    SESSIONS,
    SESSION_RECORD,
    SCHEDULE,
    COHORT,
    RESPONSE,
    QUESTIONNAIRES,
    QUESTIONNAIRE_ADD,
    QUESTIONNAIRE_REVIEW,
    ADVERSE_EVENTS,
    ADVERSE_EVENT_ADD,
    CLINIC_ADVERSE_EVENTS,
    ADVERSE_EVENT,
    ADVERSE_EVENT_ACK,
    EVERYTHING,
];

impl Route {
    /// The path with each `{param}` replaced, in order, by `params`.
    pub fn path_with(&self, params: &[&str]) -> String {
        let mut out = String::new();
        let mut rest = self.path;
        let mut params = params.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}').expect("closing brace") + open;
            out.push_str(&rest[..open]);
            out.push_str(params.next().expect("a value for every path parameter"));
            rest = &rest[close + 1..];
        }
        assert!(params.next().is_none(), "more values than path parameters");
        out.push_str(rest);
        out
    }

    /// Calls the route with `params` in the path, `query` (without `?`, may be empty) and a body.
    pub async fn send(
        &self,
        client: &Client,
        params: &[&str],
        query: &str,
        body: Option<&Value>,
    ) -> Reply {
        let mut path = self.path_with(params);
        if !query.is_empty() {
            path.push('?');
            path.push_str(query);
        }
        client.api(self.method, &path, body).await
    }

    /// A GET (or DELETE) route without a body.
    pub async fn call(&self, client: &Client, params: &[&str], query: &str) -> Reply {
        assert!(
            matches!(self.method, "get" | "delete"),
            "{} {} takes a body",
            self.method,
            self.path
        );
        self.send(client, params, query, None).await
    }

    /// A POST or PUT route with a JSON body.
    pub async fn with(&self, client: &Client, params: &[&str], body: &Value) -> Reply {
        assert!(
            matches!(self.method, "post" | "put"),
            "{} {} takes no body",
            self.method,
            self.path
        );
        self.send(client, params, "", Some(body)).await
    }
}
