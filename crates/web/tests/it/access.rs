//! Every route × every role, on own and other patients, own and other clinics: the expected allow
//! or deny, asserted. The table must name every route the server has (pages from
//! `pages::route_list`, API from the OpenAPI document), so a new route cannot be left out.

use std::collections::BTreeSet;

use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::NaiveDate;
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

use cephalog_auth::{Role, Username, hash_password};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex,
};
use cephalog_store::Store;
use cephalog_web::{AppState, Clock, Config};

const PASSWORD: &str = "a long enough password";
const HOST: &str = "cephalog.test";

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn today() -> NaiveDate {
    d("2026-11-01")
}

/// Who asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Anonymous,
    /// The patient account of patient A.
    PatientA,
    Clinician,
    Nurse,
    Admin,
    /// A clinician of the other clinic (patient C's).
    AwayClinician,
}

const EVERYONE: [Who; 6] = [
    Who::Anonymous,
    Who::PatientA,
    Who::Clinician,
    Who::Nurse,
    Who::Admin,
    Who::AwayClinician,
];

/// Whose record a patient route addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    /// Patient A: the patient account's own record, in the home clinic.
    A,
    /// Patient B: another patient of the home clinic.
    B,
    /// Patient C: a patient of the other clinic.
    C,
}

/// What a route needs, in the words of the expectations below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// No sign-in needed.
    Public,
    /// Any signed-in user (their own things: tokens).
    SignedIn,
    /// Clinic-wide lists for clinicians and nurses.
    ClinicStaff,
    /// User administration.
    Admin,
    /// Diary, metrics, calendar: the patient themself and their clinic's clinicians and nurses.
    Diary,
    /// The clinical record: their clinic's clinicians and nurses.
    Clinical,
    /// Prescriber's acts: their clinic's clinicians.
    Prescribe,
    /// Recording a toxin session: their clinic's clinicians, and nurses (who name the prescribing
    /// clinician).
    RecordSession,
    /// The doctor-visit summary: the patient themself and their clinic's clinicians and nurses.
    VisitSummary,
    /// The access log: their clinic's clinicians and administrators.
    AccessLog,
    /// Share links to the visit summary: the patient themself and their clinic's clinicians and
    /// nurses.
    Share,
    /// The clinic's cohort report: clinicians and administrators, of their own clinic.
    Oversight,
}

/// The expected answer, written out by hand for each scope (not computed from the policy code).
fn allowed(scope: Scope, who: Who, target: Option<Target>) -> bool {
    use Target::*;
    use Who::*;
    let home = matches!(target, Some(A | B));
    let away = target == Some(C);
    match scope {
        Scope::Public => true,
        Scope::SignedIn => who != Anonymous,
        Scope::ClinicStaff => matches!(who, Clinician | Nurse | AwayClinician),
        Scope::Admin => who == Admin,
        Scope::Oversight => matches!(who, Clinician | Admin | AwayClinician),
        Scope::Diary | Scope::Share | Scope::VisitSummary => match who {
            PatientA => target == Some(A),
            Clinician | Nurse => home,
            AwayClinician => away,
            Anonymous | Admin => false,
        },
        Scope::Clinical | Scope::RecordSession => match who {
            Clinician | Nurse => home,
            AwayClinician => away,
            _ => false,
        },
        Scope::Prescribe => match who {
            Clinician => home,
            AwayClinician => away,
            _ => false,
        },
        Scope::AccessLog => match who {
            Clinician | Admin => home,
            AwayClinician => away,
            _ => false,
        },
    }
}

/// One row of the table.
pub struct Case {
    pub method: Method,
    /// The route pattern as registered, e.g. "/patients/{id}/diary".
    pub pattern: &'static str,
    pub scope: Scope,
    /// What `{id}` names in the pattern.
    pub id: IdKind,
    /// A body good enough to pass extraction, so a refusal can only come from access control.
    pub body: Option<(&'static str, String)>,
}

/// What a route's `{id}` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IdKind {
    Patient,
    User,
    Token,
    AdverseEvent,
}

fn case(method: Method, pattern: &'static str, scope: Scope) -> Case {
    Case {
        method,
        pattern,
        scope,
        id: IdKind::Patient,
        body: None,
    }
}

fn of(mut c: Case, id: IdKind) -> Case {
    c.id = id;
    c
}

fn form(mut c: Case, body: &str) -> Case {
    c.body = Some(("application/x-www-form-urlencoded", body.to_owned()));
    c
}

fn json(mut c: Case, body: serde_json::Value) -> Case {
    c.body = Some(("application/json", body.to_string()));
    c
}

/// Every route with what it needs.
fn table() -> Vec<Case> {
    use Method as M;
    use Scope::*;
    vec![
        // Public
        case(M::GET, "/", Public),
        case(M::GET, "/login", Public),
        form(
            case(M::POST, "/login", Public),
            "username=nobody&password=x",
        ),
        case(M::GET, "/healthz", Public),
        case(M::GET, "/readyz", Public),
        case(M::GET, "/static/app.css", Public),
        case(M::GET, "/static/app.js", Public),
        case(M::GET, "/api/v1/openapi.json", Public),
        // Pages
        case(M::GET, "/patients/{id}/diary", Diary),
        form(
            case(M::POST, "/patients/{id}/diary", Diary),
            "date=2026-10-30&no_headache=1",
        ),
        // An empty reason: refused as invalid (422) once access is granted, so nothing changes.
        form(
            case(M::POST, "/patients/{id}/diary/entered-in-error", Diary),
            "date=2026-10-31&reason=",
        ),
        case(M::GET, "/worklist", ClinicStaff),
        case(M::GET, "/patients", ClinicStaff),
        form(
            case(M::POST, "/patients", ClinicStaff),
            "name=New+Patient&mrn=&date_of_birth=1990-01-01&sex=",
        ),
        case(M::GET, "/patients/{id}", Clinical),
        case(M::GET, "/patients/{id}/access-log", AccessLog),
        case(M::GET, "/patients/{id}/eligibility", Clinical),
        form(
            case(M::POST, "/patients/{id}/preventives", Clinical),
            "drug=propranolol&start=2025-01-01&stop=2025-03-31&outcome=not_effective&reason=no+change",
        ),
        form(
            case(M::POST, "/patients/{id}/overuse-attestation", Prescribe),
            "on=2026-10-01&note=withdrawal+completed",
        ),
        case(M::GET, "/patients/{id}/response", Clinical),
        case(M::GET, "/patients/{id}/questionnaires", Diary),
        form(
            case(M::POST, "/patients/{id}/questionnaires", Diary),
            "instrument=midas&date=2026-10-01&midas1=1&midas2=1&midas3=1&midas4=1&midas5=1",
        ),
        form(
            case(
                M::POST,
                "/patients/{id}/questionnaires/{questionnaire}/review",
                Clinical,
            ),
            "decision=phoned+today",
        ),
        case(M::GET, "/patients/{id}/sessions", Clinical),
        case(M::GET, "/patients/{id}/sessions/new", RecordSession),
        form(
            case(M::POST, "/patients/{id}/sessions", RecordSession),
            "action=check&plan=preempt&site=corrugator-left-1&date=2026-10-31&vial_size=200&vials=1&lot=C4021AB&expiry=2027-03-31&injector=Dr+Home",
        ),
        case(M::GET, "/patients/{id}/sessions/{sid}", Clinical),
        case(M::GET, "/patients/{id}/sessions/{sid}/note.pdf", Clinical),
        case(M::GET, "/patients/{id}/reports/visit.pdf", VisitSummary),
        case(M::GET, "/patients/{id}/reports/prior-auth.pdf", Clinical),
        form(
            case(M::POST, "/patients/{id}/share-links", Share),
            "from=2026-09-01&to=2026-10-31&days=14&back=overview",
        ),
        form(
            case(M::POST, "/patients/{id}/share-links/{lid}/revoke", Share),
            "back=diary",
        ),
        // A live link of patient A's: the token is all it takes.
        case(M::GET, "/share/{token}", Public),
        case(M::GET, "/adverse-events", ClinicStaff),
        case(M::GET, "/cohort", Oversight),
        case(M::GET, "/cohort/report.pdf", Oversight),
        case(M::GET, "/patients/{id}/adverse-events", Clinical),
        case(M::GET, "/patients/{id}/adverse-events/new", Clinical),
        form(
            case(M::POST, "/patients/{id}/adverse-events", Clinical),
            "term=neck+pain&onset=2026-10-01&grade=1&action=not_applicable&outcome=recovered&causality=related",
        ),
        of(
            case(M::GET, "/adverse-events/{id}", Clinical),
            IdKind::AdverseEvent,
        ),
        of(
            form(
                case(M::POST, "/adverse-events/{id}/submitted", Clinical),
                "on=2026-10-31",
            ),
            IdKind::AdverseEvent,
        ),
        of(
            form(
                case(M::POST, "/adverse-events/{id}/acknowledge", Clinical),
                "decision=seen+in+clinic",
            ),
            IdKind::AdverseEvent,
        ),
        of(
            case(M::GET, "/adverse-events/{id}/e2b.xml", Clinical),
            IdKind::AdverseEvent,
        ),
        of(
            case(M::GET, "/adverse-events/{id}/medwatch.json", Clinical),
            IdKind::AdverseEvent,
        ),
        case(M::GET, "/admin/users", Admin),
        case(M::GET, "/admin/patients", Admin),
        form(
            case(M::POST, "/admin/users", Admin),
            "username=someone.new&display_name=Someone&role=nurse&patient=",
        ),
        of(
            case(M::POST, "/admin/users/{id}/disable", Admin),
            IdKind::User,
        ),
        of(
            case(M::POST, "/admin/users/{id}/enable", Admin),
            IdKind::User,
        ),
        of(
            case(M::POST, "/admin/users/{id}/reset-password", Admin),
            IdKind::User,
        ),
        // API
        case(M::GET, "/api/v1/tokens", SignedIn),
        json(
            case(M::POST, "/api/v1/tokens", SignedIn),
            serde_json::json!({"name": "t", "password": PASSWORD}),
        ),
        of(
            case(M::DELETE, "/api/v1/tokens/{id}", SignedIn),
            IdKind::Token,
        ),
        case(M::GET, "/api/v1/patients", ClinicStaff),
        json(
            case(M::POST, "/api/v1/patients", ClinicStaff),
            serde_json::json!({"name": "Api Patient", "date_of_birth": "1990-01-01"}),
        ),
        case(M::GET, "/api/v1/patients/{id}", Diary),
        case(M::GET, "/api/v1/patients/{id}/metrics", Diary),
        case(M::GET, "/api/v1/patients/{id}/classification", Clinical),
        case(M::GET, "/api/v1/patients/{id}/diary", Diary),
        case(M::GET, "/api/v1/patients/{id}/diary/{date}", Diary),
        json(
            case(M::PUT, "/api/v1/patients/{id}/diary/{date}", Diary),
            serde_json::json!({"headache_minutes": 0}),
        ),
        json(
            case(M::POST, "/api/v1/patients/{id}/diary/bulk", Diary),
            serde_json::json!({"days": [{"date": "2026-10-29", "headache_minutes": 0}], "replace": true}),
        ),
        case(M::GET, "/api/v1/patients/{id}/diary/{date}/history", Diary),
        json(
            case(
                M::POST,
                "/api/v1/patients/{id}/diary/{date}/entered-in-error",
                Diary,
            ),
            serde_json::json!({"reason": ""}),
        ),
        case(M::GET, "/api/v1/patients/{id}/history", Clinical),
        // `{kind}` is not a kind of record here: refused as invalid (422) once access is granted.
        case(
            M::GET,
            "/api/v1/patients/{id}/records/{kind}/{record_id}/history",
            Clinical,
        ),
        json(
            case(
                M::POST,
                "/api/v1/patients/{id}/records/{kind}/{record_id}/entered-in-error",
                Clinical,
            ),
            serde_json::json!({"reason": "x"}),
        ),
        // No reason given: refused as invalid (422) once access is granted.
        json(
            case(
                M::PUT,
                "/api/v1/patients/{id}/preventives/{trial}",
                Clinical,
            ),
            serde_json::json!({"drug": "propranolol", "outcome": "ongoing"}),
        ),
        json(
            case(
                M::PUT,
                "/api/v1/patients/{id}/questionnaires/{questionnaire}",
                Diary,
            ),
            serde_json::json!({"instrument": "midas", "answers": [1, 1, 1, 1, 1]}),
        ),
        json(
            case(
                M::POST,
                "/api/v1/patients/{id}/questionnaires/{questionnaire}/review",
                Clinical,
            ),
            serde_json::json!({"decision": "phoned today"}),
        ),
        case(M::GET, "/api/v1/rule-sets", ClinicStaff),
        case(M::GET, "/api/v1/plans/{kind}", ClinicStaff),
        case(M::GET, "/api/v1/schedule", ClinicStaff),
        case(M::GET, "/api/v1/cohort", Oversight),
        case(M::GET, "/api/v1/adverse-events", ClinicStaff),
        of(
            case(M::GET, "/api/v1/adverse-events/{id}", Clinical),
            IdKind::AdverseEvent,
        ),
        of(
            json(
                case(M::POST, "/api/v1/adverse-events/{id}/acknowledge", Clinical),
                serde_json::json!({"decision": "seen in clinic"}),
            ),
            IdKind::AdverseEvent,
        ),
        case(M::GET, "/api/v1/patients/{id}/eligibility", Clinical),
        case(M::GET, "/api/v1/patients/{id}/preventives", Clinical),
        json(
            case(M::POST, "/api/v1/patients/{id}/preventives", Clinical),
            serde_json::json!({"drug": "propranolol", "start": "2025-01-01", "stop": "2025-03-31",
                "outcome": "not_effective", "reason": "no fewer headache days"}),
        ),
        json(
            case(
                M::POST,
                "/api/v1/patients/{id}/overuse-attestation",
                Prescribe,
            ),
            serde_json::json!({"on": "2026-10-01", "note": "withdrawal completed"}),
        ),
        case(M::GET, "/api/v1/patients/{id}/questionnaires", Diary),
        json(
            case(M::POST, "/api/v1/patients/{id}/questionnaires", Diary),
            serde_json::json!({"instrument": "midas", "answers": [1, 1, 1, 1, 1], "date": "2026-10-01"}),
        ),
        case(M::GET, "/api/v1/patients/{id}/sessions", Clinical),
        json(
            case(M::POST, "/api/v1/patients/{id}/sessions", RecordSession),
            serde_json::json!({"date": "2026-10-30", "vial_size": 200, "lot": "C4021AB",
                "expiry": "2027-03-31", "dry_run": true}),
        ),
        case(M::GET, "/api/v1/patients/{id}/response", Clinical),
        case(M::GET, "/api/v1/patients/{id}/adverse-events", Clinical),
        json(
            case(M::POST, "/api/v1/patients/{id}/adverse-events", Clinical),
            serde_json::json!({"reported_term": "neck pain", "onset": "2026-10-01", "ctcae_grade": 1}),
        ),
        case(M::GET, "/api/v1/patients/{id}/$everything", Clinical),
        // Last: it ends each subject's session.
        case(M::POST, "/logout", Public),
    ]
}

struct World {
    router: Router,
    store: Store,
    patients: [(Target, Uuid); 3],
    cookies: Vec<(Who, String)>,
    /// A user of the home clinic for the admin routes, and one of the other clinic.
    home_user: Uuid,
    away_user: Uuid,
    /// Each signed-in subject's own API token id (to revoke).
    tokens: Vec<(Who, Uuid)>,
    /// An adverse event of each patient.
    events: Vec<(Target, Uuid)>,
    /// A session of each patient (for `{sid}`).
    sessions: Vec<(Target, Uuid)>,
    /// A share link of each patient (for `{lid}`).
    share_links: Vec<(Target, Uuid)>,
    /// A PHQ-9 of each patient awaiting its same-day review (for `{questionnaire}`).
    questionnaires: Vec<(Target, Uuid)>,
    /// The token of a live share link of patient A's (for `{token}`).
    share_token: String,
}

fn diary_day(date: NaiveDate) -> DiaryDay {
    DiaryDay::record(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(300).expect("minutes"),
            peak_intensity: Intensity::Moderate,
            features: Features {
                pulsating: true,
                photophobia: true,
                ..Features::default()
            },
            ..DiaryDraft::default()
        },
        today(),
    )
    .expect("day")
}

async fn world(store: Store) -> World {
    let home = store.clinic("Home").await.expect("clinic");
    let away = store.clinic("Away").await.expect("clinic");
    let mut ids = Vec::new();
    for (name, clinic) in [("Ann A", home), ("Bea B", home), ("Cal C", away)] {
        let mut p = Patient::new(
            name,
            d("1980-01-01"),
            Some(Sex::Female),
            None,
            String::new(),
            today(),
        )
        .expect("patient");
        p.diagnose(Diagnosis {
            code: DiagnosisCode::ChronicMigraine,
            onset: None,
        })
        .expect("dx");
        let r = store.add_patient_in(clinic, &p).await.expect("add");
        let days: Vec<DiaryDay> = (1..60)
            .map(|i| diary_day(today() - chrono::Duration::days(i)))
            .collect();
        store
            .import_days(r.id, &days, None, &mut |_| {})
            .await
            .expect("diary");
        ids.push(r.id);
    }
    let hash = hash_password(PASSWORD).expect("hash");
    let mut users = Vec::new();
    for (name, role, clinic, patient) in [
        ("pat.a", Role::Patient, "Home", Some(ids[0])),
        ("dr.home", Role::Clinician, "Home", None),
        ("nurse.home", Role::Nurse, "Home", None),
        ("admin.home", Role::Admin, "Home", None),
        ("dr.away", Role::Clinician, "Away", None),
        ("spare.home", Role::Nurse, "Home", None),
        ("spare.away", Role::Nurse, "Away", None),
    ] {
        let u = store
            .add_user(
                clinic,
                Username::new(name).expect("name"),
                name,
                role,
                patient,
                &hash,
            )
            .await
            .expect("user");
        users.push((name, u.id));
    }
    let user = |n: &str| {
        users
            .iter()
            .find(|(u, _)| *u == n)
            .map(|(_, id)| *id)
            .expect("user")
    };
    let state = AppState::new(
        store.clone(),
        cephalog_app::load_rule_sets(None).expect("rules"),
        Config {
            clock: Clock::Fixed(today()),
            ..Config::default()
        },
    );
    let mut w = World {
        router: cephalog_web::router(state),
        store: store.clone(),
        patients: [
            (Target::A, ids[0]),
            (Target::B, ids[1]),
            (Target::C, ids[2]),
        ],
        cookies: Vec::new(),
        home_user: user("spare.home"),
        away_user: user("spare.away"),
        tokens: Vec::new(),
        events: Vec::new(),
        sessions: Vec::new(),
        questionnaires: Vec::new(),
        share_links: Vec::new(),
        share_token: format!("{:064x}", 0xc0ffee_u64),
    };
    for (who, name) in [
        (Who::PatientA, "pat.a"),
        (Who::Clinician, "dr.home"),
        (Who::Nurse, "nurse.home"),
        (Who::Admin, "admin.home"),
        (Who::AwayClinician, "dr.away"),
    ] {
        let cookie = w.sign_in(name).await;
        w.cookies.push((who, cookie));
        let t = store
            .add_api_token(
                user(name),
                "access test",
                &cephalog_web::auth::token_hash(&format!("cph_{name}")),
                cephalog_store::TokenScope::ReadWrite,
                None,
            )
            .await
            .expect("token");
        w.tokens.push((who, t.id));
    }
    for (target, who) in [
        (Target::A, Who::Clinician),
        (Target::B, Who::Clinician),
        (Target::C, Who::AwayClinician),
    ] {
        let path = format!("/api/v1/patients/{}/adverse-events", w.patient(target));
        let req = Request::post(path.as_str())
            .header(header::HOST, HOST)
            .header("sec-fetch-site", "same-origin")
            .header(header::COOKIE, w.cookie(who).expect("cookie"))
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                serde_json::json!({"reported_term": "neck pain", "onset": "2026-10-01", "ctcae_grade": 1})
                    .to_string(),
            ))
            .expect("request");
        let (status, _, body) = w.send(req).await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        // A session five weeks ago, so the response has a cycle under way.
        let session =
            Request::post(format!("/api/v1/patients/{}/sessions", w.patient(target)).as_str())
                .header(header::HOST, HOST)
                .header("sec-fetch-site", "same-origin")
                .header(header::COOKIE, w.cookie(who).expect("cookie"))
                .header(header::CONTENT_TYPE, "application/json")
                .body(Body::from(
                    serde_json::json!({"date": "2026-09-25", "vial_size": 200, "lot": "C4021AB",
                    "expiry": "2027-03-31", "overrides": [{"check": "eligibility",
                    "reason": "assessed in clinic"}]})
                    .to_string(),
                ))
                .expect("request");
        let (s2, _, b2) = w.send(session).await;
        assert!(s2.is_success(), "{s2} {b2}");
        let v: serde_json::Value = serde_json::from_str(&body).expect("json");
        let id = v["id"]
            .as_str()
            .and_then(|i| i.parse().ok())
            .expect("event id");
        w.events.push((target, id));
        let session = w
            .store
            .sessions(w.patient(target))
            .await
            .expect("sessions")
            .first()
            .map(|s| s.id)
            .expect("session");
        w.sessions.push((target, session));
        let phq9: Vec<String> = ["0", "0", "0", "0", "0", "0", "0", "0", "1"]
            .map(str::to_owned)
            .to_vec();
        let (questionnaire, _) = w
            .store
            .add_prom(
                w.patient(target),
                d("2026-09-20"),
                cephalog_core::prom::Instrument::Phq9,
                &phq9,
                d("2026-10-31"),
            )
            .await
            .expect("phq9");
        w.questionnaires.push((target, questionnaire));
        let now = chrono::Utc::now();
        let patient = w.patient(target);
        let link = |n: u64| cephalog_store::NewShareLink {
            patient_id: patient,
            period_from: d("2026-09-01"),
            period_to: d("2026-10-31"),
            created_by: "clinician:dr.home".to_owned(),
            created_at: now,
            expires_at: now + chrono::Duration::days(14 + i64::try_from(n).expect("small")),
        };
        let revocable = w
            .store
            .add_share_link(
                &link(1),
                &cephalog_web::auth::token_hash(&format!("{:064x}", target as u64 + 1)),
            )
            .await
            .expect("share link");
        w.share_links.push((target, revocable.id));
        if target == Target::A {
            w.store
                .add_share_link(&link(0), &cephalog_web::auth::token_hash(&w.share_token))
                .await
                .expect("share link");
        }
    }
    w
}

impl World {
    async fn send(&self, req: Request<Body>) -> (StatusCode, Option<String>, String) {
        let res = self.router.clone().oneshot(req).await.expect("response");
        let status = res.status();
        let location = res
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let cookie = res
            .headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned);
        let body = res.into_body().collect().await.expect("body").to_bytes();
        let text = String::from_utf8_lossy(&body).into_owned();
        (status, location.or(cookie), text)
    }

    async fn sign_in(&self, name: &str) -> String {
        let req = Request::post("/login")
            .header(header::HOST, HOST)
            .header("sec-fetch-site", "same-origin")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "username={name}&password={}",
                PASSWORD.replace(' ', "+")
            )))
            .expect("request");
        let res = self.router.clone().oneshot(req).await.expect("sign in");
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name} signs in");
        res.headers()
            .get(header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .map(str::to_owned)
            .expect("cookie")
    }

    fn cookie(&self, who: Who) -> Option<&str> {
        self.cookies
            .iter()
            .find(|(w, _)| *w == who)
            .map(|(_, c)| c.as_str())
    }

    fn patient(&self, t: Target) -> Uuid {
        self.patients
            .iter()
            .find(|(x, _)| *x == t)
            .map(|(_, id)| *id)
            .expect("patient")
    }

    /// The concrete path for `pattern`, addressing `target` (and records of theirs).
    fn path(&self, c: &Case, who: Who, target: Option<Target>) -> String {
        let id = match (c.id, target) {
            (IdKind::Patient, Some(t)) => self.patient(t),
            // Admin routes address a user of the home clinic, or (for C) one of the other clinic.
            (IdKind::User, t) => {
                if t == Some(Target::C) {
                    self.away_user
                } else {
                    self.home_user
                }
            }
            (IdKind::Token, _) => self
                .tokens
                .iter()
                .find(|(w, _)| *w == who)
                .map_or_else(Uuid::now_v7, |(_, id)| *id),
            (IdKind::AdverseEvent, Some(t)) => self
                .events
                .iter()
                .find(|(x, _)| *x == t)
                .map(|(_, id)| *id)
                .expect("event"),
            (_, None) => Uuid::now_v7(),
        };
        let session = target
            .and_then(|t| self.sessions.iter().find(|(x, _)| *x == t))
            .map_or_else(Uuid::now_v7, |(_, id)| *id);
        let questionnaire = target
            .and_then(|t| self.questionnaires.iter().find(|(x, _)| *x == t))
            .map_or_else(Uuid::now_v7, |(_, id)| *id);
        let link = target
            .and_then(|t| self.share_links.iter().find(|(x, _)| *x == t))
            .map_or_else(Uuid::now_v7, |(_, id)| *id);
        c.pattern
            .replace("{id}", &id.to_string())
            .replace("{sid}", &session.to_string())
            .replace("{lid}", &link.to_string())
            .replace("{token}", &self.share_token)
            .replace("{date}", "2026-10-31")
            .replace("{kind}", "preempt")
            .replace("{record_id}", &Uuid::now_v7().to_string())
            .replace("{trial}", &Uuid::now_v7().to_string())
            .replace("{questionnaire}", &questionnaire.to_string())
    }
}

/// The targets a route is tried on.
fn targets(c: &Case) -> Vec<Option<Target>> {
    if c.pattern.contains("{id}") && c.id != IdKind::Token {
        vec![Some(Target::A), Some(Target::B), Some(Target::C)]
    } else {
        vec![None]
    }
}

fn expectation(c: &Case, who: Who, target: Option<Target>) -> bool {
    if c.id == IdKind::User {
        // User administration: the home clinic's admin, on home users only.
        return who == Who::Admin && target != Some(Target::C);
    }
    allowed(c.scope, who, target)
}

async fn run_table(store: Store) {
    let w = world(store).await;
    let cases = table();

    // Completeness: the table names every route the server has, and no route it lacks.
    let mut served: BTreeSet<(String, String)> = cephalog_web::pages::route_list()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_owned()))
        .collect();
    let doc = cephalog_web::api::openapi();
    for (path, item) in &doc.paths.paths {
        for (method, op) in [
            ("GET", &item.get),
            ("POST", &item.post),
            ("PUT", &item.put),
            ("DELETE", &item.delete),
            ("PATCH", &item.patch),
        ] {
            if op.is_some() {
                served.insert((method.to_owned(), format!("/api/v1{path}")));
            }
        }
    }
    for extra in [
        "/healthz",
        "/readyz",
        "/static/app.css",
        "/static/app.js",
        "/api/v1/openapi.json",
    ] {
        served.insert(("GET".to_owned(), extra.to_owned()));
    }
    let listed: BTreeSet<(String, String)> = cases
        .iter()
        .map(|c| (c.method.to_string(), c.pattern.to_owned()))
        .collect();
    let missing: Vec<_> = served.difference(&listed).collect();
    let unknown: Vec<_> = listed.difference(&served).collect();
    assert!(
        missing.is_empty(),
        "routes missing from the access table: {missing:?}"
    );
    assert!(
        unknown.is_empty(),
        "table rows for routes the server lacks: {unknown:?}"
    );

    let mut failures = Vec::new();
    let mut checked = 0;
    for c in &cases {
        for target in targets(c) {
            for who in EVERYONE {
                let path = w.path(c, who, target);
                let mut req = Request::builder()
                    .method(c.method.clone())
                    .uri(&path)
                    .header(header::HOST, HOST)
                    .header("sec-fetch-site", "same-origin");
                if let Some(cookie) = w.cookie(who) {
                    req = req.header(header::COOKIE, cookie);
                }
                let body = match &c.body {
                    Some((ct, b)) => {
                        req = req.header(header::CONTENT_TYPE, *ct);
                        Body::from(b.clone())
                    }
                    None => Body::empty(),
                };
                let (status, location, text) = w.send(req.body(body).expect("request")).await;
                let to_login =
                    status == StatusCode::SEE_OTHER && location.as_deref() == Some("/login");
                // A public route is refused only by 403/404 (signing in with a wrong password
                // answers 401 to everyone, which is the route working).
                let denied = if c.scope == Scope::Public {
                    matches!(status, StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
                } else {
                    matches!(
                        status,
                        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND
                    ) || to_login
                };
                let expected = expectation(c, who, target);
                checked += 1;
                if expected == denied {
                    failures.push(format!(
                        "{} {path} as {who:?} on {target:?}: expected {}, got {status} {}",
                        c.method,
                        if expected { "allow" } else { "deny" },
                        text.chars().take(160).collect::<String>()
                    ));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} checks failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every refusal of a patient's record is in the audit trail too.
    let denied = w
        .store
        .audit_trail(None)
        .await
        .expect("trail")
        .iter()
        .filter(|e| e.fields.action.ends_with(".denied"))
        .count();
    assert!(denied > 0, "refusals are audited");
    assert!(
        w.store
            .verify_audit()
            .await
            .expect("verify")
            .broken
            .is_none()
    );
}

#[tokio::test]
async fn every_route_allows_and_denies_as_the_table_says_on_sqlite() {
    let dir = tempfile::tempdir().expect("dir");
    let store = Store::connect(dir.path().join("t.db").to_str().expect("path"))
        .await
        .expect("store");
    run_table(store).await;
}

#[tokio::test]
async fn every_route_allows_and_denies_as_the_table_says_on_postgres() {
    let Some(scratch) = crate::pg::scratch("access table").await else {
        return;
    };
    let store = scratch.store().await;
    run_table(store.clone()).await;
    store.close().await;
    scratch.drop().await;
}
