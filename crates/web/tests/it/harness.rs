//! The real server on a fresh database: a SQLite file, or a fresh PostgreSQL schema when
//! `CEPHALOG_TEST_POSTGRES_URL` is set (e.g. `postgres://postgres@127.0.0.1:5432/test`). Without
//! it the PostgreSQL cases print that they were skipped, unless `CEPHALOG_REQUIRE_POSTGRES` is
//! set, when they fail.
//!
//! Every story starts from the same clinic: two clinics (North and South), users of every role,
//! three patients (Anna with a 3-month chronic-migraine diary and Ben in North, Carla in South),
//! and patient accounts for Anna and Ben. "Today" is fixed at [`TODAY`].

#![allow(dead_code)]

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use chrono::NaiveDate;
use serde_json::Value;

use cephalog_auth::{Role, Username};
use cephalog_core::{
    Diagnosis, DiaryDay, DiaryDraft, Features, Intensity, MedicationIntake, Minutes, Patient, Sex,
};
use cephalog_store::Store;
use cephalog_web::{AppState, Clock, Config};

/// The server's "today".
pub const TODAY: &str = "2026-07-01";
/// Every seeded user's password.
pub const PASSWORD: &str = "correct horse battery staple";

pub const NORTH: &str = "North Clinic";
pub const SOUTH: &str = "South Clinic";

pub fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// Which database a story runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

/// The seeded records' ids.
#[derive(Debug, Clone)]
pub struct Seed {
    /// North, chronic migraine (ICHD-3 1.3), diary 2026-04-01 to 2026-06-30.
    pub anna: String,
    /// North, no diary.
    pub ben: String,
    /// South, no diary.
    pub carla: String,
}

/// A running server and its database.
#[derive(Debug, Clone)]
pub struct App {
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub store: Store,
    pub seed: Seed,
    pub engine: Engine,
}

/// What an HTTP call answered.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    /// The JSON body, or the text as a JSON string when it is not JSON.
    pub body: Value,
    /// The `Retry-After` header, when the answer has one.
    pub retry_after: Option<String>,
}

impl Reply {
    /// Asserts the status, showing the body when it differs.
    #[track_caller]
    pub fn expect(self, status: u16) -> Value {
        assert_eq!(self.status, status, "body: {}", self.body);
        self.body
    }
}

/// An HTTP client for one user (or nobody).
#[derive(Debug, Clone)]
pub struct Client {
    http: reqwest::Client,
    base: String,
}

impl Client {
    /// Calls `method` `path` (with any query) under `/api/v1`, with a JSON body if given.
    pub async fn api(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.raw(method, &format!("/api/v1{path}"), body).await
    }

    /// Calls any path of the server.
    pub async fn raw(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.try_raw(method, path, body).await.expect("request")
    }

    /// Calls any path of the server; `Err` when the connection fails, as it may when the server
    /// refuses a body it will not read and closes the connection while the body is still being
    /// sent.
    pub async fn try_raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Reply, reqwest::Error> {
        let method = reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await?;
        let status = res.status().as_u16();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let text = res.text().await?;
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Ok(Reply {
            status,
            body,
            retry_after,
        })
    }
}

/// A response read as bytes, with its headers (PDF downloads).
#[derive(Debug, Clone)]
pub struct Download {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

impl Download {
    /// A header's value, or "".
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The body as text (for error pages and HTML).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Client {
    /// GETs any path of the server and keeps the body as bytes.
    pub async fn download(&self, path: &str) -> Download {
        let res = self
            .http
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request");
        Download {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.bytes().await.expect("body").to_vec(),
        }
    }

    /// POSTs an HTML form to any path of the server.
    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Download {
        let res = self
            .http
            .post(format!("{}{path}", self.base))
            .form(fields)
            .send()
            .await
            .expect("request");
        Download {
            status: res.status().as_u16(),
            headers: res.headers().clone(),
            body: res.bytes().await.expect("body").to_vec(),
        }
    }
}

fn password_hash() -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| cephalog_auth::hash_password(PASSWORD).expect("hash"))
}

fn builder(base: &str) -> reqwest::ClientBuilder {
    let mut headers = reqwest::header::HeaderMap::new();
    // The server refuses cookie-carrying unsafe requests that name no origin, as a browser would.
    headers.insert(
        reqwest::header::ORIGIN,
        reqwest::header::HeaderValue::from_str(base).expect("origin"),
    );
    reqwest::Client::builder()
        .default_headers(headers)
        .redirect(reqwest::redirect::Policy::none())
        .timeout(Duration::from_secs(60))
}

impl App {
    /// A client signed in as `username` through the sign-in page (cookie session).
    pub async fn login(&self, username: &str) -> Client {
        let http = builder(&self.base)
            .cookie_store(true)
            .build()
            .expect("client");
        let res = http
            .post(format!("{}/login", self.base))
            .form(&[("username", username), ("password", PASSWORD)])
            .send()
            .await
            .expect("sign in");
        assert_eq!(res.status().as_u16(), 303, "{username} signs in");
        Client {
            http,
            base: self.base.clone(),
        }
    }

    /// A client using a new API token of `username` (no cookies).
    pub async fn token(&self, username: &str) -> Client {
        let user = self
            .store
            .user_with_hash(&Username::new(username).expect("username"))
            .await
            .expect("user")
            .expect("seeded user")
            .0;
        let secret = cephalog_web::auth::new_token();
        self.store
            .add_api_token(
                user.id,
                "test",
                &cephalog_web::auth::token_hash(&secret),
                cephalog_store::TokenScope::ReadWrite,
                None,
            )
            .await
            .expect("token");
        self.bearer(&secret)
    }

    /// A client sending `Authorization: Bearer <secret>`.
    pub fn bearer(&self, secret: &str) -> Client {
        let mut headers = reqwest::header::HeaderMap::new();
        headers.insert(
            reqwest::header::AUTHORIZATION,
            reqwest::header::HeaderValue::from_str(&format!("Bearer {secret}")).expect("header"),
        );
        Client {
            http: reqwest::Client::builder()
                .default_headers(headers)
                .timeout(Duration::from_secs(60))
                .build()
                .expect("client"),
            base: self.base.clone(),
        }
    }

    /// A client signed in as nobody.
    pub fn anonymous(&self) -> Client {
        Client {
            http: builder(&self.base).build().expect("client"),
            base: self.base.clone(),
        }
    }
}

/// A 3-month diary (2026-04-01 to 2026-06-30) meeting chronic-migraine diary criteria with
/// triptan overuse: headache on days 1–20 of each month (300 minutes on days 1–10, 250 after),
/// migraine features on days 1–10, sumatriptan on days 1–12, no headache on the other days.
pub async fn chronic_migraine_diary(store: &Store) -> Vec<DiaryDay> {
    let dictionary = store.drug_dictionary().await.expect("dictionary");
    let sumatriptan = MedicationIntake::parse("sumatriptan 50mg", &dictionary).expect("drug");
    let mut days = Vec::new();
    for (month, len) in [(4, 30), (5, 31), (6, 30)] {
        for day in 1..=len {
            let date = d(&format!("2026-{month:02}-{day:02}"));
            let (minutes, intensity) = match day {
                1..=10 => (300, Intensity::Severe),
                11..=20 => (250, Intensity::Mild),
                _ => (0, Intensity::None),
            };
            let features = if day <= 10 {
                Features {
                    unilateral: true,
                    pulsating: true,
                    aggravated_by_activity: true,
                    nausea: true,
                    photophobia: true,
                    phonophobia: true,
                    ..Features::default()
                }
            } else {
                Features::default()
            };
            let draft = DiaryDraft {
                date: Some(date),
                headache_minutes: Minutes::new(minutes).expect("minutes"),
                peak_intensity: intensity,
                features,
                medications: if day <= 12 {
                    vec![sumatriptan.clone()]
                } else {
                    Vec::new()
                },
                paroxysms: 0,
                notes: String::new(),
            };
            days.push(DiaryDay::record(date, draft, d(TODAY)).expect("day"));
        }
    }
    days
}

fn patient(name: &str, mrn: &str, migraine: bool) -> Patient {
    let mut p = Patient::new(
        name,
        d("1980-05-05"),
        Some(Sex::Female),
        Some(mrn.to_owned()),
        String::new(),
        d(TODAY),
    )
    .expect("patient");
    if migraine {
        p.diagnose(Diagnosis {
            code: "1.3".parse().expect("code"),
            onset: Some(d("2018-01-01")),
        })
        .expect("diagnosis");
    }
    p
}

/// The clinics, users, patients and diary every story starts from.
pub async fn seed(store: &Store) -> Seed {
    let north = store.clinic(NORTH).await.expect("clinic");
    let south = store.clinic(SOUTH).await.expect("clinic");
    let anna = store
        .add_patient_in(north, &patient("Anna Example", "N1", true))
        .await
        .expect("anna")
        .id;
    let ben = store
        .add_patient_in(north, &patient("Ben Example", "N2", false))
        .await
        .expect("ben")
        .id;
    let carla = store
        .add_patient_in(south, &patient("Carla Example", "S1", true))
        .await
        .expect("carla")
        .id;
    let days = chronic_migraine_diary(store).await;
    store
        .import_days(anna, &days, None, &mut |_| {})
        .await
        .expect("diary");
    let users = [
        ("dr.north", "Dr North", Role::Clinician, NORTH, None),
        ("nurse.north", "Nurse North", Role::Nurse, NORTH, None),
        ("admin.north", "Admin North", Role::Admin, NORTH, None),
        ("dr.south", "Dr South", Role::Clinician, SOUTH, None),
        ("anna", "Anna Example", Role::Patient, NORTH, Some(anna)),
        ("ben", "Ben Example", Role::Patient, NORTH, Some(ben)),
    ];
    for (username, name, role, clinic, patient) in users {
        store
            .add_user(
                clinic,
                Username::new(username).expect("username"),
                name,
                role,
                patient,
                password_hash(),
            )
            .await
            .expect("user");
    }
    Seed {
        anna: anna.to_string(),
        ben: ben.to_string(),
        carla: carla.to_string(),
    }
}

/// What to undo after a story.
enum Database {
    Sqlite(#[allow(dead_code)] tempfile::TempDir),
    Postgres(crate::pg::Scratch),
}

/// A server on a fresh, seeded database, and how to stop it.
pub struct Running {
    pub app: App,
    database: Database,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
}

/// Starts the real router on 127.0.0.1 on a fresh database of `engine`; `None` (after saying so)
/// when PostgreSQL is asked for and not configured.
pub async fn spawn_app(engine: Engine, story: &str) -> Option<Running> {
    spawn_app_with(engine, story, |_| {}).await
}

/// As [`spawn_app`], with the server's settings changed by `configure`.
pub async fn spawn_app_with(
    engine: Engine,
    story: &str,
    configure: impl FnOnce(&mut Config),
) -> Option<Running> {
    let (url, database) = match engine {
        Engine::Sqlite => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = dir
                .path()
                .join("clinic.db")
                .to_str()
                .expect("utf-8 path")
                .to_owned();
            (url, Database::Sqlite(dir))
        }
        Engine::Postgres => {
            let scratch = crate::pg::scratch(story).await?;
            (scratch.url.clone(), Database::Postgres(scratch))
        }
    };
    let store = Store::connect(&url).await.expect("store");
    let seed = seed(&store).await;
    let rules = cephalog_app::load_rule_sets(None).expect("rule sets");
    let mut config = Config {
        secure_cookies: false,
        clock: Clock::Fixed(d(TODAY)),
        ..Config::default()
    };
    configure(&mut config);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("address"));
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(cephalog_web::serve(
        listener,
        AppState::new(store.clone(), rules, config),
        async move {
            let _ = stopped.await;
        },
    ));
    Some(Running {
        app: App {
            base,
            store,
            seed,
            engine,
        },
        database,
        stop,
        server,
    })
}

impl Running {
    /// Stops the server and removes the database.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let mut server = self.server;
        if tokio::time::timeout(Duration::from_secs(10), &mut server)
            .await
            .is_err()
        {
            server.abort();
        }
        self.app.store.close().await;
        match self.database {
            Database::Sqlite(dir) => drop(dir),
            Database::Postgres(scratch) => scratch.drop().await,
        }
    }
}

/// Runs a story against a fresh server on `engine`; the database is removed even when the story
/// fails.
pub async fn run<F, Fut>(engine: Engine, name: &str, story: F)
where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    run_with(engine, name, |_| {}, story).await;
}

/// As [`run`], with the server's settings changed by `configure`.
pub async fn run_with<F, Fut>(
    engine: Engine,
    name: &str,
    configure: impl FnOnce(&mut Config),
    story: F,
) where
    F: FnOnce(App) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(running) = spawn_app_with(engine, name, configure).await else {
        return;
    };
    let outcome = tokio::spawn(story(running.app.clone())).await;
    running.stop().await;
    if let Err(e) = outcome {
        if e.is_panic() {
            std::panic::resume_unwind(e.into_panic());
        }
        panic!("story {name} did not finish: {e}");
    }
}

/// Declares a story and one test per engine.
#[macro_export]
macro_rules! story {
    ($name:ident, config = $config:expr, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run_with(
                    $crate::harness::Engine::Sqlite,
                    stringify!($name),
                    $config,
                    $body,
                )
                .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run_with(
                    $crate::harness::Engine::Postgres,
                    stringify!($name),
                    $config,
                    $body,
                )
                .await;
            }
        }
    };
    ($name:ident, $body:expr) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $crate::harness::run($crate::harness::Engine::Sqlite, stringify!($name), $body)
                    .await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $crate::harness::run($crate::harness::Engine::Postgres, stringify!($name), $body)
                    .await;
            }
        }
    };
}
