//! In-process tests of sign-in, sessions, throttling, the cross-origin guard and the security
//! headers, through the whole router (no socket).

use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

use cephalog_auth::{Role, Username, hash_password};
use cephalog_core::{Patient, Sex};
use cephalog_store::Store;

use crate::{AppState, Clock, Config};

const PASSWORD: &str = "correct horse battery";
const HOST: &str = "cephalog.test";

struct App {
    router: Router,
    store: Store,
    patient: Uuid,
    _dir: tempfile::TempDir,
}

async fn app(config: Config) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = Store::connect(dir.path().join("t.db").to_str().expect("path"))
        .await
        .expect("store");
    let clinic = store.clinic("Home").await.expect("clinic");
    let d = |s: &str| s.parse().expect("date");
    let p = store
        .add_patient_in(
            clinic,
            &Patient::new(
                "Ann Patient",
                d("1980-01-01"),
                Some(Sex::Female),
                Some("M1".into()),
                String::new(),
                d("2026-11-01"),
            )
            .expect("patient"),
        )
        .await
        .expect("add");
    let hash = hash_password(PASSWORD).expect("hash");
    for (name, role, patient) in [
        ("dr.home", Role::Clinician, None),
        ("ann", Role::Patient, Some(p.id)),
    ] {
        store
            .add_user(
                "Home",
                Username::new(name).expect("name"),
                name,
                role,
                patient,
                &hash,
            )
            .await
            .expect("user");
    }
    let state = AppState::new(
        store.clone(),
        cephalog_app::load_rule_sets(None).expect("rules"),
        config,
    );
    App {
        router: crate::router(state),
        store,
        patient: p.id,
        _dir: dir,
    }
}

fn fixed() -> Config {
    Config {
        clock: Clock::Fixed("2026-11-01".parse().expect("date")),
        ..Config::default()
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, axum::http::HeaderMap, String) {
    let res = app.router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn login_request(user: &str, password: &str) -> Request<Body> {
    Request::post("/login")
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={user}&password={}",
            password.replace(' ', "+")
        )))
        .expect("request")
}

/// Signs in and returns the session cookie ("name=value").
async fn sign_in(app: &App, user: &str) -> String {
    let (status, headers, body) = send(app, login_request(user, PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

fn get(path: &str, cookie: Option<&str>) -> Request<Body> {
    let mut r = Request::get(path).header(header::HOST, HOST);
    if let Some(c) = cookie {
        r = r.header(header::COOKIE, c);
    }
    r.body(Body::empty()).expect("request")
}

#[tokio::test]
async fn every_response_carries_the_security_headers() {
    let app = app(fixed()).await;
    let (status, h, _) = send(&app, get("/login", None)).await;
    assert_eq!(status, StatusCode::OK);
    let csp = h[header::CONTENT_SECURITY_POLICY].to_str().expect("csp");
    for part in [
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
        "form-action 'self'",
    ] {
        assert!(csp.contains(part), "{csp}");
    }
    assert!(!csp.contains("unsafe-inline"));
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(h[header::X_FRAME_OPTIONS], "DENY");
    assert_eq!(h[header::CACHE_CONTROL], "no-store");
    let (_, h, _) = send(&app, get("/static/app.css", None)).await;
    assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(
        h[header::CACHE_CONTROL]
            .to_str()
            .expect("cc")
            .contains("max-age")
    );
}

#[tokio::test]
async fn the_session_cookie_is_secure_http_only_and_same_site() {
    let app = app(fixed()).await;
    let (_, h, _) = send(&app, login_request("dr.home", PASSWORD)).await;
    let cookie = h[header::SET_COOKIE].to_str().expect("cookie");
    assert!(cookie.starts_with("__Host-cephalog="), "{cookie}");
    for attr in ["HttpOnly", "SameSite=Lax", "Secure", "Path=/"] {
        assert!(cookie.contains(attr), "{attr} missing in {cookie}");
    }
    // The id in the cookie is not what the database keeps.
    let id = cookie
        .split(';')
        .next()
        .and_then(|c| c.split('=').nth(1))
        .expect("id");
    assert!(app.store.web_session(id).await.expect("load").is_none());
}

#[tokio::test]
async fn signing_out_ends_the_session_everywhere() {
    let app = app(fixed()).await;
    let cookie = sign_in(&app, "dr.home").await;
    let (status, _, _) = send(&app, get("/worklist", Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    let out = Request::post("/logout")
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, &cookie)
        .body(Body::empty())
        .expect("request");
    assert_eq!(send(&app, out).await.0, StatusCode::SEE_OTHER);
    let (status, h, _) = send(&app, get("/worklist", Some(&cookie))).await;
    assert_eq!(
        status,
        StatusCode::SEE_OTHER,
        "the old cookie no longer signs in"
    );
    assert_eq!(h[header::LOCATION], "/login");
}

#[tokio::test]
async fn unauthenticated_pages_redirect_and_the_api_answers_401_json() {
    let app = app(fixed()).await;
    let (status, h, _) = send(&app, get(&format!("/patients/{}/diary", app.patient), None)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert_eq!(h[header::LOCATION], "/login");
    let (status, _, body) = send(&app, get("/api/v1/patients", None)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let v: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["error"]["code"], "unauthenticated");
}

#[tokio::test]
async fn repeated_wrong_passwords_lock_the_username_for_a_while() {
    let app = app(fixed()).await;
    for i in 0..crate::auth::MAX_FAILURES_PER_USER {
        let (status, _, body) = send(&app, login_request("dr.home", "wrong password!!")).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "attempt {i}");
        assert!(body.contains("not right"), "{body}");
    }
    let (status, _, body) = send(&app, login_request("dr.home", PASSWORD)).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "even the right password waits"
    );
    assert!(body.contains("too many failed sign-ins"), "{body}");
    // Another user is not affected.
    let (status, _, _) = send(&app, login_request("ann", PASSWORD)).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_unknown_username_fails_like_a_wrong_password() {
    let app = app(fixed()).await;
    let (status, _, body) = send(&app, login_request("nobody", PASSWORD)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(body.contains("username or password is not right"));
}

#[tokio::test]
async fn cross_site_posts_are_refused() {
    let app = app(fixed()).await;
    let cookie = sign_in(&app, "ann").await;
    let path = format!("/patients/{}/diary", app.patient);
    // Each accepted post records a day not yet recorded ("No headache" is offered only for those).
    let post = |site: Option<&str>, origin: Option<&str>, cookie: Option<&str>, day: usize| {
        let form = format!("date=2026-10-{:02}&no_headache=1", 31 - day);
        let mut r = Request::post(path.as_str())
            .header(header::HOST, HOST)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(s) = site {
            r = r.header("sec-fetch-site", s);
        }
        if let Some(o) = origin {
            r = r.header(header::ORIGIN, o);
        }
        if let Some(c) = cookie {
            r = r.header(header::COOKIE, c);
        }
        r.body(Body::from(form)).expect("request")
    };
    let cases = [
        (Some("cross-site"), None, StatusCode::FORBIDDEN),
        (Some("same-site"), None, StatusCode::FORBIDDEN),
        (None, Some("https://evil.example"), StatusCode::FORBIDDEN),
        (None, None, StatusCode::FORBIDDEN),
        (None, Some("https://cephalog.test"), StatusCode::SEE_OTHER),
        (Some("same-origin"), None, StatusCode::SEE_OTHER),
    ];
    for (day, (site, origin, expected)) in cases.into_iter().enumerate() {
        let (status, _, body) = send(&app, post(site, origin, Some(&cookie), day)).await;
        assert_eq!(status, expected, "{site:?} {origin:?}: {body}");
    }
    let stored = app.store.diary(app.patient).await.expect("diary");
    assert_eq!(stored.len(), 2, "only the same-origin posts were stored");
}

#[tokio::test]
async fn a_request_with_an_authorization_header_is_never_the_cookies_user() {
    // The cross-origin guard lets a request with an Authorization header through whatever cookie
    // it carries; that is safe only because such a request is then that header's alone.
    let app = app(fixed()).await;
    let cookie = sign_in(&app, "ann").await;
    for (method, path, body, kind) in [
        (
            "POST",
            format!("/patients/{}/diary", app.patient),
            "date=2026-10-20&no_headache=1".to_owned(),
            "application/x-www-form-urlencoded",
        ),
        (
            "PUT",
            format!("/api/v1/patients/{}/diary/2026-10-20", app.patient),
            r#"{"headache_minutes": 0, "peak_intensity": "none"}"#.to_owned(),
            "application/json",
        ),
    ] {
        let r = Request::builder()
            .method(method)
            .uri(path.as_str())
            .header(header::HOST, HOST)
            .header("sec-fetch-site", "cross-site")
            .header(header::COOKIE, &cookie)
            .header(header::AUTHORIZATION, "Bearer cph_not_a_token")
            .header(header::CONTENT_TYPE, kind)
            .body(Body::from(body))
            .expect("request");
        let (status, _, body) = send(&app, r).await;
        assert!(
            status == StatusCode::UNAUTHORIZED || status == StatusCode::SEE_OTHER,
            "{path}: {status} {body}"
        );
    }
    let stored = app.store.diary(app.patient).await.expect("diary");
    assert_eq!(stored.len(), 0, "nothing stored under the cookie's user");
}

#[tokio::test]
async fn the_absolute_timeout_ends_even_a_busy_session() {
    let app = app(Config {
        absolute_timeout: std::time::Duration::ZERO,
        ..fixed()
    })
    .await;
    let cookie = sign_in(&app, "dr.home").await;
    std::thread::sleep(std::time::Duration::from_millis(1100));
    let (status, _, _) = send(&app, get("/worklist", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_disabled_user_is_signed_out_at_the_next_request() {
    let app = app(fixed()).await;
    let cookie = sign_in(&app, "dr.home").await;
    app.store
        .set_user_disabled(&Username::new("dr.home").expect("name"), true)
        .await
        .expect("disable");
    let (status, _, _) = send(&app, get("/worklist", Some(&cookie))).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn page_reads_are_audited_with_who_and_where_from() {
    let app = app(fixed()).await;
    let cookie = sign_in(&app, "ann").await;
    let (status, _, body) = send(
        &app,
        get(&format!("/patients/{}/diary", app.patient), Some(&cookie)),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let trail = app
        .store
        .audit_trail(Some(app.patient))
        .await
        .expect("trail");
    let last = trail.last().expect("an entry");
    assert_eq!(last.fields.actor, "patient:ann");
    assert_eq!(last.fields.action, "diary.read");
    assert!(
        last.fields.source.starts_with("web "),
        "{}",
        last.fields.source
    );
    assert!(
        app.store
            .verify_audit()
            .await
            .expect("verify")
            .broken
            .is_none()
    );
}

#[tokio::test]
async fn the_diary_page_shows_an_earlier_months_days_and_recent_medicines() {
    use cephalog_core::{
        DiaryDay, DiaryDraft, DrugDictionary, Features, Intensity, MedicationIntake, Minutes,
    };
    let app = app(fixed()).await;
    let today: chrono::NaiveDate = "2026-11-01".parse().expect("date");
    let day = |date: &str, medicines: &str| {
        let date: chrono::NaiveDate = date.parse().expect("date");
        DiaryDay::record(
            date,
            DiaryDraft {
                date: Some(date),
                headache_minutes: Minutes::new(300).expect("minutes"),
                peak_intensity: Intensity::Severe,
                features: Features {
                    pulsating: true,
                    ..Features::default()
                },
                medications: MedicationIntake::parse_list(medicines, &DrugDictionary::builtin())
                    .expect("medicines"),
                ..DiaryDraft::default()
            },
            today,
        )
        .expect("day")
    };
    let days = [
        day("2026-03-10", ""),
        day("2026-10-20", "sumatriptan 50 mg"),
    ];
    app.store
        .import_days(app.patient, &days, None, &mut |_| {})
        .await
        .expect("import");
    let cookie = sign_in(&app, "ann").await;
    let path = |q: &str| format!("/patients/{}/diary?{q}", app.patient);
    // A month far from today and from the day shown: its recorded day is in its calendar.
    let (status, _, body) = send(&app, get(&path("month=2026-03"), Some(&cookie))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("Tuesday 10 March 2026: "), "{body}");
    assert!(
        !body.contains("Tuesday 10 March 2026: not recorded"),
        "{body}"
    );
    assert!(body.contains("Wednesday 11 March 2026: not recorded"));
    // The medicines of the days before the day shown are offered again.
    let (_, _, body) = send(&app, get(&path("date=2026-10-25"), Some(&cookie))).await;
    assert!(body.contains("sumatriptan 50 mg"), "{body}");
    let (_, _, body) = send(
        &app,
        get(&path("date=2026-10-05&month=2026-09"), Some(&cookie)),
    )
    .await;
    assert!(
        !body.contains("sumatriptan 50 mg"),
        "only days before the day shown"
    );
}
