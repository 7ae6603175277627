//! The web server's JSON and form bodies as targets, sent through the real router in-process (no
//! socket) on a fresh SQLite database: a clinic, a clinician and a patient account, a patient
//! with a diary, a preventive, a questionnaire, a session and an adverse event, an API token and
//! signed-in sessions. Every answer is judged: no 5xx; a 4xx is the API's JSON error with a code
//! and a message, or for a page an HTML page; and the server still answers afterwards.

use std::cell::Cell;
use std::net::SocketAddr;

use axum::Router;
use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Union};
use serde_json::Value;
use tower::ServiceExt;
use uuid::Uuid;

use cephalog_auth::{Role, Username, hash_password};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex,
};
use cephalog_store::{Store, TokenScope};
use cephalog_web::{AppState, Clock, Config};

use crate::generate::bytes::{mutated, seed};
use crate::generate::form::{self, edited_form};
use crate::generate::text::{hostile_date, hostile_number, hostile_text, percent_encode};
use crate::generate::tree::{Node, Syntax, edited};
use crate::oracle::{FailureKind, Report, Run, Verdict, drive, last_panic};

const HOST: &str = "cephalog.test";
const PASSWORD: &str = "a long enough fuzzing password";
const CLINIC: &str = "Fuzz Clinic";
/// Every this many inputs the server is asked whether it still answers.
const LIVENESS_EVERY: u64 = 50;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default()
}

/// An answer: status, headers and body.
type Answer = (StatusCode, HeaderMap, String);

/// The server on its database, with the ids and credentials the inputs use.
pub struct Server {
    rt: tokio::runtime::Runtime,
    router: Router,
    patient: Uuid,
    trial: String,
    questionnaire: String,
    case: String,
    session: String,
    token: String,
    clinician: String,
    patient_user: String,
    session_sites: Vec<String>,
    _dir: tempfile::TempDir,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("patient", &self.patient)
            .finish_non_exhaustive()
    }
}

fn day(date: NaiveDate, minutes: i64) -> DiaryDay {
    let headache = minutes > 0;
    DiaryDay::record(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).unwrap_or_default(),
            peak_intensity: if headache {
                Intensity::Moderate
            } else {
                Intensity::None
            },
            features: Features {
                pulsating: headache,
                nausea: headache,
                ..Features::default()
            },
            ..DiaryDraft::default()
        },
        today(),
    )
    .expect("a seeded diary day is valid")
}

fn request(method: &str, path: &str) -> axum::http::request::Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header(header::HOST, HOST)
        .extension(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))))
}

impl Server {
    /// A fresh database with the clinic seeded, and the router over it.
    pub fn start() -> Server {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a tokio runtime");
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("fuzz.db");
        let (router, patient, token) = rt.block_on(async {
            let store = Store::connect(path.to_str().expect("a UTF-8 temporary path"))
                .await
                .expect("a fresh database");
            seed_store(store).await
        });
        let mut server = Server {
            rt,
            router,
            patient,
            trial: String::new(),
            questionnaire: String::new(),
            case: String::new(),
            session: String::new(),
            token,
            clinician: String::new(),
            patient_user: String::new(),
            session_sites: Vec::new(),
            _dir: dir,
        };
        server.clinician = server.sign_in("dr.fuzz");
        server.patient_user = server.sign_in("pat.fuzz");
        server.seed_records();
        server
    }

    /// Sends a request, and reads the whole answer; `Err` when the server panicked.
    fn send(&self, req: Request<Body>) -> Result<Answer, String> {
        let router = self.router.clone();
        self.rt.block_on(async move {
            let task = tokio::spawn(async move {
                let res = router.oneshot(req).await.unwrap_or_else(|e| match e {});
                let (parts, body) = res.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok::<_, String>((
                    parts.status,
                    parts.headers,
                    String::from_utf8_lossy(&bytes).into_owned(),
                ))
            });
            match task.await {
                Ok(Ok(answer)) => Ok(answer),
                Ok(Err(e)) => Err(format!("the body could not be read: {e}")),
                Err(e) if e.is_panic() => Err(last_panic()),
                Err(e) => Err(format!("the request task failed: {e}")),
            }
        })
    }

    fn sign_in(&self, user: &str) -> String {
        let req = request("POST", "/login")
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username={user}&password={}",
                PASSWORD.replace(' ', "+")
            )))
            .expect("a sign-in request");
        let (status, headers, body) = self.send(req).expect("sign-in answers");
        assert_eq!(status, StatusCode::SEE_OTHER, "{user} signs in: {body}");
        headers
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .expect("a session cookie")
            .to_owned()
    }

    fn api(&self, method: &str, path: &str, body: &str) -> Result<Answer, String> {
        let req = request(method, path)
            .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_owned()))
            .expect("an API request");
        self.send(req)
    }

    /// Records made through the API, so that the routes that change them have one to change.
    fn seed_records(&mut self) {
        let p = self.patient;
        let id_of = |answer: Result<Answer, String>, what: &str| -> String {
            let (status, _, body) = answer.unwrap_or_else(|e| panic!("{what}: {e}"));
            assert!(status.is_success(), "{what}: {status} {body}");
            serde_json::from_str::<Value>(&body)
                .ok()
                .and_then(|v| v.get("id").and_then(Value::as_str).map(str::to_owned))
                .unwrap_or_else(|| panic!("{what} answers its id: {body}"))
        };
        self.trial = id_of(
            self.api(
                "POST",
                &format!("/api/v1/patients/{p}/preventives"),
                PREVENTIVE,
            ),
            "a preventive",
        );
        self.questionnaire = id_of(
            self.api(
                "POST",
                &format!("/api/v1/patients/{p}/questionnaires"),
                HIT6,
            ),
            "a questionnaire",
        );
        self.session = id_of(
            self.api(
                "POST",
                &format!("/api/v1/patients/{p}/sessions"),
                &SESSION.replace("\"dry_run\":true", "\"dry_run\":false"),
            ),
            "a session",
        );
        self.case = id_of(
            self.api(
                "POST",
                &format!("/api/v1/patients/{p}/adverse-events"),
                ADVERSE_EVENT,
            ),
            "an adverse event",
        );
        let req = request("GET", &format!("/patients/{p}/sessions/new"))
            .header(header::COOKIE, &self.clinician)
            .body(Body::empty())
            .expect("a page request");
        let (_, _, page) = self.send(req).expect("the session form");
        self.session_sites = page
            .split("<input")
            .filter(|i| i.contains("name=\"site\"") && !i.contains("data-ftp"))
            .filter_map(|i| i.split("value=\"").nth(1)?.split('"').next())
            .map(str::to_owned)
            .collect();
        assert!(
            self.session_sites.len() > 20,
            "the session form lists the PREEMPT sites"
        );
    }

    /// Whether the server still answers: the health check, and a read through the API and a page.
    fn alive(&self) -> Result<(), String> {
        let checks = [
            request("GET", "/healthz").body(Body::empty()),
            request("GET", &format!("/api/v1/patients/{}", self.patient))
                .header(header::AUTHORIZATION, format!("Bearer {}", self.token))
                .body(Body::empty()),
            request("GET", "/worklist")
                .header(header::COOKIE, &self.clinician)
                .body(Body::empty()),
        ];
        for req in checks {
            let req = req.map_err(|e| e.to_string())?;
            let path = req.uri().path().to_owned();
            match self.send(req) {
                Ok((StatusCode::OK, _, _)) => {}
                Ok((s, _, body)) => {
                    return Err(format!(
                        "{path} answers {s}: {}",
                        body.chars().take(200).collect::<String>()
                    ));
                }
                Err(e) => return Err(format!("{path}: {e}")),
            }
        }
        Ok(())
    }

    fn fill(&self, template: &str, parts: &PathParts) -> String {
        let patient = match parts.patient {
            0 => self.patient.to_string(),
            1 => Uuid::from_u128(u128::from(parts.seed)).to_string(),
            _ => parts.text.clone(),
        };
        template
            .replace("{p}", &percent_encode(&patient))
            .replace("{date}", &percent_encode(&parts.date))
            .replace("{trial}", &self.trial)
            .replace("{q}", &self.questionnaire)
            .replace("{case}", &self.case)
            .replace("{kind}", &percent_encode(&parts.kind))
            .replace("{record}", &percent_encode(&parts.record))
    }
}

async fn seed_store(store: Store) -> (Router, Uuid, String) {
    let clinic = store.clinic(CLINIC).await.expect("a clinic");
    let mut p = Patient::new(
        "Fuzz Patient",
        NaiveDate::from_ymd_opt(1980, 5, 5).unwrap_or_default(),
        Some(Sex::Female),
        Some("FUZZ-1".into()),
        String::new(),
        today(),
    )
    .expect("a seeded patient is valid");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: None,
    })
    .expect("a diagnosis");
    let r = store.add_patient_in(clinic, &p).await.expect("a patient");
    let days: Vec<DiaryDay> = (2..120)
        .map(|back| {
            day(
                today() - Duration::days(back),
                [0, 300, 250][back as usize % 3],
            )
        })
        .collect();
    store
        .import_days(r.id, &days, None, &mut |_| {})
        .await
        .expect("a diary");
    let hash = hash_password(PASSWORD).expect("a password hash");
    let clinician = store
        .add_user(
            CLINIC,
            Username::new("dr.fuzz").expect("a username"),
            "Dr Fuzz",
            Role::Clinician,
            None,
            &hash,
        )
        .await
        .expect("a clinician");
    store
        .add_user(
            CLINIC,
            Username::new("pat.fuzz").expect("a username"),
            "Fuzz Patient",
            Role::Patient,
            Some(r.id),
            &hash,
        )
        .await
        .expect("a patient account");
    let secret = cephalog_web::auth::new_token();
    store
        .add_api_token(
            clinician.id,
            "fuzz",
            &cephalog_web::auth::token_hash(&secret),
            TokenScope::ReadWrite,
            None,
        )
        .await
        .expect("an API token");
    let sender = toml::from_str(crate::parsers::SENDER).ok();
    let state = AppState::new(
        store,
        cephalog_interchange::rules::builtin_rule_sets().expect("the shipped rule sets"),
        Config {
            secure_cookies: false,
            clock: Clock::Fixed(today()),
            e2b_sender: sender,
            api_requests_per_minute: u32::MAX,
            ..Config::default()
        },
    );
    (cephalog_web::router(state), r.id, secret)
}

// --- the API ------------------------------------------------------------------------------------

const DIARY_DAY: &str = r#"{"headache_minutes":300,"peak_intensity":"moderate","features":{"nausea":true,"photophobia":true,"unilateral":true},"medicines":["sumatriptan 50mg"],"paroxysms":0,"notes":"woke with it"}"#;
const DIARY_FREE: &str = r#"{"date":"2026-06-30","headache_minutes":0}"#;
const BULK: &str = r#"{"days":[{"date":"2026-06-20","headache_minutes":120,"peak_intensity":"mild","medicines":["ibuprofen 400 mg"]},{"date":"2026-06-21","headache_minutes":0},{"date":"2026-06-22","headache_minutes":1440,"peak_intensity":"8","features":{"aura":true,"vomiting":true},"paroxysms":3,"notes":"all day"}],"replace":true,"reason":"corrected from the paper diary"}"#;
const REASON: &str = r#"{"reason":"entered on the wrong date"}"#;
const NEW_PATIENT: &str = r#"{"name":"New Patient","mrn":"NEW-1","date_of_birth":"1990-02-03","sex":"female","notes":"","diagnoses":[{"code":"1.3","onset":"2019-01-01"},{"code":"8.2","onset":null}]}"#;
const PREVENTIVE: &str = r#"{"drug":"propranolol","class":null,"start":"2025-01-01","stop":"2025-04-01","dose":"80 mg","outcome":"not_effective","reason":"no change"}"#;
const PREVENTIVE_ONGOING: &str =
    r#"{"drug":"candesartan","start":"2026-05-01","outcome":"ongoing"}"#;
const ATTESTATION: &str = r#"{"on":"2026-06-30","note":"withdrawal completed"}"#;
const HIT6: &str = r#"{"instrument":"hit6","answers":["never","rarely","sometimes","very_often","always","always"],"date":"2026-06-30"}"#;
const MIDAS: &str = r#"{"instrument":"midas","answers":[1,2,3,4,5,20,6],"date":"2026-06-29"}"#;
const SESSION: &str = r#"{"date":"2026-06-25","plan":"preempt","product":"onabotulinumtoxinA","vial_size":200,"vials":1,"lot":"C1234","expiry":"2027-06-01","diluent_ml":4.0,"notes":"","overrides":[{"check":"eligibility","reason":"payer approval on file"}],"dry_run":true}"#;
const SESSION_FTP: &str = r#"{"date":"2026-06-26","plan":"preempt-ftp","follow_the_pain":[{"muscle":"temporalis","side":"left"},{"muscle":"trapezius","side":"right"}],"skipped":[{"site":"frontalis","side":"left","ordinal":1}],"added":[{"site":"temporalis","side":"right","ordinal":null,"units":5}],"vial_size":100,"vials":2,"lot":"C1234","expiry":"2027-06-01","injector":"Dr Fuzz","prescriber":"dr.fuzz","overrides":[{"check":"eligibility","reason":"payer approval on file"},{"check":"retreatment_interval","reason":"travelling"}],"dry_run":true}"#;
const ADVERSE_EVENT: &str = r#"{"reported_term":"Left eyelid ptosis","meddra_code":"10015995","onset":"2026-06-27","resolution":null,"ctcae_grade":2,"seriousness":["other_important_medical_event"],"action_taken":"not_applicable","outcome":"recovering","causality":"possibly_related","reporter":{"given_name":"Dana","family_name":"Fuzz","qualification":"physician","country":"GB","email":"dana@example.org"},"awareness_date":"2026-06-28","narrative":"Ptosis 2 days after the session.","session_dates":["2026-06-25"]}"#;
const ACKNOWLEDGE: &str =
    r#"{"decision":"seen in clinic; next session without the frontalis sites"}"#;
const TOKEN: &str =
    r#"{"name":"EHR bridge","password":"not the password","scope":"read","expires_in_days":30}"#;

/// A route of the API: method, path (with `{p}`, `{date}`, `{trial}`, `{q}`, `{case}`, `{kind}`,
/// `{record}`), good bodies and the query parameters it reads with a good value of each.
struct ApiRoute {
    method: &'static str,
    path: &'static str,
    bodies: &'static [&'static str],
    query: &'static [(&'static str, &'static str)],
}

const API: &[ApiRoute] = &[
    ApiRoute {
        method: "PUT",
        path: "/api/v1/patients/{p}/diary/{date}",
        bodies: &[DIARY_DAY, DIARY_FREE],
        query: &[("reason", "corrected")],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/diary/bulk",
        bodies: &[BULK],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/diary/{date}/entered-in-error",
        bodies: &[REASON],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients",
        bodies: &[NEW_PATIENT],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/preventives",
        bodies: &[PREVENTIVE, PREVENTIVE_ONGOING],
        query: &[],
    },
    ApiRoute {
        method: "PUT",
        path: "/api/v1/patients/{p}/preventives/{trial}",
        bodies: &[PREVENTIVE, PREVENTIVE_ONGOING],
        query: &[("reason", "dose was wrong")],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/overuse-attestation",
        bodies: &[ATTESTATION],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/questionnaires",
        bodies: &[HIT6, MIDAS],
        query: &[],
    },
    ApiRoute {
        method: "PUT",
        path: "/api/v1/patients/{p}/questionnaires/{q}",
        bodies: &[HIT6, MIDAS],
        query: &[("reason", "answers swapped")],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/sessions",
        bodies: &[SESSION, SESSION_FTP],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/adverse-events",
        bodies: &[ADVERSE_EVENT],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/adverse-events/{case}/acknowledge",
        bodies: &[ACKNOWLEDGE],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/patients/{p}/records/{kind}/{record}/entered-in-error",
        bodies: &[REASON],
        query: &[],
    },
    ApiRoute {
        method: "POST",
        path: "/api/v1/tokens",
        bodies: &[TOKEN],
        query: &[],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/metrics",
        bodies: &[],
        query: &[
            ("preset", "label-4h"),
            ("period", "month"),
            ("from", "2026-03-01"),
            ("to", "2026-06-30"),
        ],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/classification",
        bodies: &[],
        query: &[("on", "2026-06-30")],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/eligibility",
        bodies: &[],
        query: &[("rules", "nice-ta260"), ("on", "2026-06-30")],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/response",
        bodies: &[],
        query: &[
            ("rules", "nice-ta260"),
            ("on", "2026-06-30"),
            ("baseline_end", "2026-05-31"),
        ],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/preventives",
        bodies: &[],
        query: &[("on", "2026-06-30"), ("min_trial_days", "56")],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/patients/{p}/diary",
        bodies: &[],
        query: &[("from", "2026-06-01"), ("to", "2026-06-30")],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/schedule",
        bodies: &[],
        query: &[
            ("on", "2026-06-30"),
            ("earliest_days", "84"),
            ("latest_days", "98"),
        ],
    },
    ApiRoute {
        method: "GET",
        path: "/api/v1/plans/{kind}",
        bodies: &[],
        query: &[
            ("extra", "temporalis:left,trapezius:right"),
            ("side", "left"),
        ],
    },
];

/// The path's variable parts.
#[derive(Debug, Clone)]
struct PathParts {
    /// 0: the seeded patient; 1: an unknown id; 2: `text`.
    patient: u8,
    seed: u64,
    text: String,
    date: String,
    kind: String,
    record: String,
}

fn path_parts() -> impl Strategy<Value = PathParts> {
    let recent = (2i64..60).prop_map(|back| (today() - Duration::days(back)).to_string());
    (
        prop_oneof![18 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8)],
        any::<u64>(),
        hostile_text(),
        prop_oneof![4 => recent.clone(), 1 => hostile_date(today())],
        prop_oneof![
            6 => prop::sample::select(&["diary_day", "session", "adverse_event", "questionnaire", "preventive", "attestation", "preempt", "preempt-ftp", "gon-block"][..])
                .prop_map(str::to_owned),
            1 => hostile_text(),
        ],
        prop_oneof![3 => recent, 1 => any::<u128>().prop_map(|n| Uuid::from_u128(n).to_string()), 1 => hostile_text()],
    )
        .prop_map(|(patient, seed, text, date, kind, record)| PathParts {
            patient,
            seed,
            text,
            date,
            kind,
            record,
        })
}

/// Query pairs: each known parameter absent, good or hostile; now and then an unknown one.
fn query(known: &'static [(&'static str, &'static str)]) -> BoxedStrategy<String> {
    let params: Vec<BoxedStrategy<Option<(String, String)>>> = known
        .iter()
        .map(|&(name, good)| {
            let hostile = if good.len() == 10 && good.as_bytes()[4] == b'-' {
                hostile_date(today())
            } else if good.parse::<i64>().is_ok() {
                hostile_number()
            } else {
                hostile_text()
            };
            prop_oneof![
                3 => Just(None),
                4 => Just(Some((name.to_owned(), good.to_owned()))),
                3 => hostile.prop_map(move |v| Some((name.to_owned(), v))),
            ]
            .boxed()
        })
        .collect();
    (
        params,
        prop::option::weighted(0.05, ("[a-z_]{1,10}", hostile_text())),
    )
        .prop_map(|(params, extra)| {
            params
                .into_iter()
                .flatten()
                .chain(extra)
                .map(|(k, v)| format!("{}={}", percent_encode(&k), percent_encode(&v)))
                .collect::<Vec<_>>()
                .join("&")
        })
        .boxed()
}

/// What a body is sent as.
const CONTENT_TYPES: &[Option<&str>] = &[
    Some("application/json"),
    Some("application/json; charset=utf-8"),
    Some("application/merge-patch+json"),
    Some("text/plain"),
    Some("application/x-www-form-urlencoded"),
    None,
];

/// One API input: the route, its path parts, query, body and content type.
#[derive(Debug, Clone)]
pub struct ApiInput {
    route: usize,
    parts: PathParts,
    query: String,
    body: Option<String>,
    content_type: Option<&'static str>,
}

fn api_input() -> BoxedStrategy<ApiInput> {
    let routes: Vec<BoxedStrategy<ApiInput>> = API
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let body: BoxedStrategy<Option<String>> = if r.bodies.is_empty() {
                Just(None).boxed()
            } else {
                let trees: Vec<Node> = r
                    .bodies
                    .iter()
                    .filter_map(|b| serde_json::from_str::<Value>(b).ok())
                    .map(|v| Node::from_json(&v))
                    .collect();
                let raw: Vec<Vec<u8>> = r.bodies.iter().map(|b| b.as_bytes().to_vec()).collect();
                prop_oneof![
                    2 => seed(raw.clone()),
                    6 => edited(trees, Syntax::Json).prop_map(String::into_bytes),
                    2 => mutated(seed(raw.clone()), raw),
                ]
                .prop_map(|b| Some(String::from_utf8_lossy(&b).into_owned()))
                .boxed()
            };
            (
                path_parts(),
                query(r.query),
                body,
                prop_oneof![
                    20 => Just(CONTENT_TYPES[0]),
                    1 => prop::sample::select(CONTENT_TYPES),
                ],
            )
                .prop_map(move |(parts, query, body, content_type)| ApiInput {
                    route: i,
                    parts,
                    query,
                    body,
                    content_type,
                })
                .boxed()
        })
        .collect();
    Union::new(routes).boxed()
}

fn show_api(i: &ApiInput) -> String {
    let r = &API[i.route];
    format!(
        "{} {}?{} ({:?}; patient {}, date {:?}, kind {:?}, record {:?}) body {:?}",
        r.method,
        r.path,
        i.query,
        i.content_type,
        ["seeded", "unknown", "text"][usize::from(i.parts.patient.min(2))],
        i.parts.date,
        i.parts.kind,
        i.parts.record,
        i.body.as_deref().unwrap_or("")
    )
}

/// An API error answer is the JSON error shape with a code and a message.
fn json_error(status: StatusCode, headers: &HeaderMap, body: &str) -> Result<(), String> {
    let json = headers
        .get(header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
    if !json {
        return Err(format!("{status} is not JSON"));
    }
    let v: Value = serde_json::from_str(body).map_err(|_| format!("{status} is not JSON"))?;
    let e = v
        .get("error")
        .ok_or_else(|| format!("{status} has no error object"))?;
    for key in ["code", "message"] {
        let text = e.get(key).and_then(Value::as_str).unwrap_or("");
        if text.trim().is_empty() {
            return Err(format!("{status} has no error {key}"));
        }
    }
    Ok(())
}

/// Judges an answer; `page` for the HTML pages, otherwise the API.
fn judge(label: &str, answer: Result<Answer, String>, page: bool) -> Verdict {
    let (status, headers, body) = match answer {
        Ok(a) => a,
        Err(e) => return Verdict::Failed(FailureKind::Panic, e),
    };
    let excerpt: String = body.chars().take(400).collect();
    if std::env::var_os("CEPHALOG_FUZZ_TRACE").is_some() {
        eprintln!(
            "{label} → {}: {}",
            status.as_u16(),
            excerpt.chars().take(160).collect::<String>()
        );
    }
    if status.is_server_error() {
        return Verdict::Failed(
            FailureKind::ServerError,
            format!("{} on {label}: {excerpt}", status.as_u16()),
        );
    }
    if !status.is_client_error() {
        return Verdict::Accepted;
    }
    if page {
        let html = headers
            .get(header::CONTENT_TYPE)
            .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
        if html && !body.trim().is_empty() {
            Verdict::Rejected
        } else {
            Verdict::Failed(
                FailureKind::UnclearError,
                format!(
                    "{} on {label} is not an HTML page: {excerpt}",
                    status.as_u16()
                ),
            )
        }
    } else {
        match json_error(status, &headers, &body) {
            Ok(()) => Verdict::Rejected,
            Err(e) => Verdict::Failed(
                FailureKind::UnclearError,
                format!("{e} on {label}: {excerpt}"),
            ),
        }
    }
}

/// Adds the liveness check to a verdict every [`LIVENESS_EVERY`] inputs.
fn with_liveness(server: &Server, count: &Cell<u64>, v: Verdict) -> Verdict {
    count.set(count.get() + 1);
    if count.get().is_multiple_of(LIVENESS_EVERY)
        && let Err(e) = server.alive()
    {
        return Verdict::Failed(FailureKind::NoAnswer, format!("no answer: {e}"));
    }
    v
}

pub fn api_json(run: Run) -> Report {
    let server = Server::start();
    let count = Cell::new(0u64);
    let report = drive("api_json", api_input(), run, show_api, |i| {
        let r = &API[i.route];
        let mut path = server.fill(r.path, &i.parts);
        if !i.query.is_empty() {
            path = format!("{path}?{}", i.query);
        }
        let mut req = request(r.method, &path)
            .header(header::AUTHORIZATION, format!("Bearer {}", server.token));
        if let Some(ct) = i.content_type.filter(|_| i.body.is_some()) {
            req = req.header(header::CONTENT_TYPE, ct);
        }
        let req = match req.body(Body::from(i.body.clone().unwrap_or_default())) {
            Ok(req) => req,
            // Not a request an HTTP client could send.
            Err(_) => return Verdict::Rejected,
        };
        let label = format!("{} {}", r.method, r.path);
        let v = judge(&label, server.send(req), false);
        with_liveness(&server, &count, v)
    });
    after_the_run(&server, report)
}

/// The report, with a failure added when the server no longer answers once the run is over.
fn after_the_run(server: &Server, mut report: Report) -> Report {
    if let Err(e) = server.alive() {
        report.other += 1;
        report.failures.push(crate::oracle::Failure {
            kind: FailureKind::NoAnswer,
            detail: format!("no answer after the run: {e}"),
            count: 1,
            input: String::new(),
            whole_input: String::new(),
            shrunk: false,
            first_at: report.inputs,
        });
    }
    report
}

// --- the pages' forms ---------------------------------------------------------------------------

/// Who posts a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Clinician,
    Patient,
    Nobody,
}

/// A form of a page: where it posts, who may post it, and good forms.
struct PageRoute {
    path: &'static str,
    who: Who,
    forms: Vec<Vec<(String, String)>>,
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

fn page_routes(sites: &[String], session_id: &str) -> Vec<PageRoute> {
    let mut session = pairs(&[("plan", "preempt")]);
    session.extend(sites.iter().map(|s| ("site".to_owned(), s.clone())));
    session.extend(pairs(&[
        ("date", "2026-06-24"),
        ("product", "onabotulinumtoxina"),
        ("vial_size", "200"),
        ("vials", "1"),
        ("lot", "C1234"),
        ("expiry", "2027-06-01"),
        ("diluent_ml", ""),
        ("injector", "Dr Fuzz"),
        ("notes", ""),
        ("override-eligibility", "payer approval on file"),
        ("override-retreatment_interval", "travelling"),
        ("action", "check"),
    ]));
    let mut session_save = session.clone();
    if let Some(a) = session_save.iter_mut().find(|(k, _)| k == "action") {
        a.1 = "save".to_owned();
    }
    let diary = pairs(&[
        ("date", "2026-06-28"),
        ("intensity", "moderate"),
        ("hours", "3:30"),
        ("nausea", "1"),
        ("photophobia", "1"),
        ("medicine", "sumatriptan 50mg"),
        ("other_medicines", "ibuprofen 400mg, paracetamol"),
        ("paroxysms", "0"),
        ("notes", "after work"),
        ("replace", "confirmed"),
        ("reason", "corrected"),
    ]);
    let route = |path, who, forms| PageRoute { path, who, forms };
    vec![
        route(
            "/patients/{p}/diary",
            Who::Clinician,
            vec![
                diary.clone(),
                pairs(&[("date", "2026-06-27"), ("no_headache", "1")]),
            ],
        ),
        route("/patients/{p}/diary", Who::Patient, vec![diary]),
        route(
            "/patients/{p}/diary/entered-in-error",
            Who::Clinician,
            vec![pairs(&[("date", "2026-06-28"), ("reason", "wrong day")])],
        ),
        route(
            "/patients/{p}/preventives",
            Who::Clinician,
            vec![pairs(&[
                ("rules", "nice-ta260"),
                ("drug", "propranolol"),
                ("class", ""),
                ("start", "2025-01-01"),
                ("stop", "2025-04-01"),
                ("dose", "80 mg"),
                ("outcome", "not_effective"),
                ("reason", "no change"),
            ])],
        ),
        route(
            "/patients/{p}/overuse-attestation",
            Who::Clinician,
            vec![pairs(&[
                ("rules", "fda-label"),
                ("on", "2026-06-30"),
                ("note", "withdrawal completed"),
            ])],
        ),
        route(
            "/patients/{p}/questionnaires",
            Who::Patient,
            vec![
                pairs(&[
                    ("instrument", "hit6"),
                    ("date", "2026-06-20"),
                    ("hit6_1", "never"),
                    ("hit6_2", "rarely"),
                    ("hit6_3", "sometimes"),
                    ("hit6_4", "very_often"),
                    ("hit6_5", "always"),
                    ("hit6_6", "always"),
                ]),
                pairs(&[
                    ("instrument", "midas"),
                    ("date", "2026-06-19"),
                    ("midas1", "1"),
                    ("midas2", "2"),
                    ("midas3", "3"),
                    ("midas4", "4"),
                    ("midas5", "5"),
                    ("midas_a", "20"),
                    ("midas_b", "6"),
                ]),
            ],
        ),
        route(
            "/patients/{p}/sessions",
            Who::Clinician,
            vec![session, session_save],
        ),
        route(
            "/patients/{p}/adverse-events",
            Who::Clinician,
            vec![pairs(&[
                ("term", "Left eyelid ptosis"),
                ("meddra", "10015995"),
                ("onset", "2026-06-27"),
                ("resolution", ""),
                ("grade", "2"),
                ("serious", "other_important_medical_event"),
                ("action", "not_applicable"),
                ("outcome", "recovering"),
                ("causality", "possibly_related"),
                ("reporter_given", "Dana"),
                ("reporter_family", "Fuzz"),
                ("reporter_qualification", "physician"),
                ("reporter_country", "GB"),
                ("reporter_email", "dana@example.org"),
                ("aware", "2026-06-28"),
                ("narrative", "Ptosis 2 days after the session."),
                ("session", session_id),
            ])],
        ),
        route(
            "/adverse-events/{case}/acknowledge",
            Who::Clinician,
            vec![pairs(&[("decision", "seen in clinic")])],
        ),
        route(
            "/adverse-events/{case}/submitted",
            Who::Clinician,
            vec![pairs(&[("on", "2026-06-30")])],
        ),
        route(
            "/patients",
            Who::Clinician,
            vec![pairs(&[
                ("name", "Form Patient"),
                ("mrn", "FORM-1"),
                ("date_of_birth", "1991-03-04"),
                ("sex", "male"),
            ])],
        ),
        route(
            "/patients/{p}/share-links",
            Who::Clinician,
            vec![pairs(&[
                ("days", "7"),
                ("from", "2026-04-01"),
                ("to", "2026-06-30"),
                ("back", "diary"),
            ])],
        ),
        route(
            "/login",
            Who::Nobody,
            vec![pairs(&[
                ("username", "dr.fuzz"),
                ("password", "not the password"),
            ])],
        ),
    ]
}

/// One form input: the route, the patient in the path, the body and its content type.
#[derive(Debug, Clone)]
pub struct PageInput {
    route: usize,
    parts: PathParts,
    body: String,
    form_type: bool,
}

fn page_input(routes: &[PageRoute]) -> BoxedStrategy<PageInput> {
    let strategies: Vec<BoxedStrategy<PageInput>> = routes
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let trees: Vec<Node> = r
                .forms
                .iter()
                .map(|f| {
                    let refs: Vec<(&str, &str)> =
                        f.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                    form::seed(&refs)
                })
                .collect();
            let raw: Vec<Vec<u8>> = trees
                .iter()
                .map(|t| form::body(t, form::Encoding::PlusForSpace).into_bytes())
                .collect();
            let body = prop_oneof![
                1 => seed(raw.clone()),
                6 => edited_form(trees).prop_map(String::into_bytes),
                2 => mutated(seed(raw.clone()), raw),
            ]
            .prop_map(|b| String::from_utf8_lossy(&b).into_owned());
            (path_parts(), body, prop::bool::weighted(0.97))
                .prop_map(move |(parts, body, form_type)| PageInput {
                    route: i,
                    parts,
                    body,
                    form_type,
                })
                .boxed()
        })
        .collect();
    Union::new(strategies).boxed()
}

pub fn page_form(run: Run) -> Report {
    let server = Server::start();
    let routes = page_routes(&server.session_sites, &server.session);
    let count = Cell::new(0u64);
    let show = |i: &PageInput| {
        let r = &routes[i.route];
        format!(
            "POST {} as {:?} ({}; patient {}) body {:?}",
            r.path,
            r.who,
            if i.form_type { "form" } else { "text/plain" },
            ["seeded", "unknown", "text"][usize::from(i.parts.patient.min(2))],
            i.body
        )
    };
    let report = drive("page_form", page_input(&routes), run, show, |i| {
        let r = &routes[i.route];
        let path = server.fill(r.path, &i.parts);
        let mut req = request("POST", &path)
            .header("sec-fetch-site", "same-origin")
            .header(
                header::CONTENT_TYPE,
                if i.form_type {
                    "application/x-www-form-urlencoded"
                } else {
                    "text/plain"
                },
            );
        match r.who {
            Who::Clinician => req = req.header(header::COOKIE, &server.clinician),
            Who::Patient => req = req.header(header::COOKIE, &server.patient_user),
            Who::Nobody => {}
        }
        let Ok(req) = req.body(Body::from(i.body.clone())) else {
            return Verdict::Rejected;
        };
        let label = format!("POST {} as {:?}", r.path, r.who);
        let v = judge(&label, server.send(req), true);
        with_liveness(&server, &count, v)
    });
    after_the_run(&server, report)
}
