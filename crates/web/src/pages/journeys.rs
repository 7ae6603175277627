//! The record's pages through the whole router (no socket): eligibility, response, questionnaires,
//! recording a session with Check and Save, an adverse event with its case page and downloads.

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode, header};
use chrono::{Duration, NaiveDate};
use http_body_util::BodyExt;
use tower::ServiceExt;
use uuid::Uuid;

use cephalog_auth::{Role, Username, hash_password};
use cephalog_core::{
    Diagnosis, DiagnosisCode, DiaryDay, DiaryDraft, Features, Intensity, Minutes, Patient, Sex,
};

use crate::{AppState, Clock, Config};

const PASSWORD: &str = "a long enough password";
const HOST: &str = "cephalog.test";

fn today() -> NaiveDate {
    "2026-11-01".parse().expect("date")
}

struct App {
    router: Router,
    patient: Uuid,
    _dir: tempfile::TempDir,
}

fn sender() -> cephalog_e2b::SenderSettings {
    cephalog_e2b::SenderSettings {
        sender_id: "TESTCLINIC".into(),
        meddra_version: "27.1".into(),
        batch_receiver: cephalog_e2b::FDA_BATCH_RECEIVER.into(),
        message_receiver: cephalog_e2b::FDA_CDER_RECEIVER.into(),
        case_country: "GB".into(),
        organisation: "Test Clinic".into(),
        department: "Neurology".into(),
        title: "Dr".into(),
        given_name: "Ana".into(),
        family_name: "Ruiz".into(),
        street: "1 Road".into(),
        city: "Leeds".into(),
        state: "West Yorkshire".into(),
        postcode: "LS1 1AA".into(),
        country: "GB".into(),
        telephone: "+44 1".into(),
        fax: "+44 2".into(),
        email: "safety@example.org".into(),
    }
}

fn day(date: NaiveDate) -> DiaryDay {
    DiaryDay::record(
        date,
        DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(300).expect("minutes"),
            peak_intensity: Intensity::Moderate,
            features: Features {
                pulsating: true,
                unilateral: true,
                nausea: true,
                ..Features::default()
            },
            ..DiaryDraft::default()
        },
        today(),
    )
    .expect("day")
}

async fn app(e2b_sender: Option<cephalog_e2b::SenderSettings>) -> App {
    let dir = tempfile::tempdir().expect("temp dir");
    let store = cephalog_store::Store::connect(dir.path().join("t.db").to_str().expect("path"))
        .await
        .expect("store");
    let clinic = store.clinic("Home").await.expect("clinic");
    let mut p = Patient::new(
        "Ann Patient",
        "1980-01-01".parse().expect("date"),
        Some(Sex::Female),
        Some("M1".into()),
        String::new(),
        today(),
    )
    .expect("patient");
    p.diagnose(Diagnosis {
        code: DiagnosisCode::ChronicMigraine,
        onset: None,
    })
    .expect("diagnosis");
    let r = store.add_patient_in(clinic, &p).await.expect("add");
    let days: Vec<DiaryDay> = (1..=120)
        .filter(|i| i % 5 != 0)
        .map(|i| day(today() - Duration::days(i)))
        .collect();
    store
        .import_days(r.id, &days, None, &mut |_| {})
        .await
        .expect("diary");
    let hash = hash_password(PASSWORD).expect("hash");
    for (name, display, role, patient) in [
        ("dr.home", "Dr Dana Home", Role::Clinician, None),
        ("nurse.home", "Nurse Home", Role::Nurse, None),
        ("ann", "Ann Patient", Role::Patient, Some(r.id)),
    ] {
        store
            .add_user(
                "Home",
                Username::new(name).expect("name"),
                display,
                role,
                patient,
                &hash,
            )
            .await
            .expect("user");
    }
    let state = AppState::new(
        store,
        cephalog_app::load_rule_sets(None).expect("rules"),
        Config {
            clock: Clock::Fixed(today()),
            e2b_sender,
            ..Config::default()
        },
    );
    App {
        router: crate::router(state),
        patient: r.id,
        _dir: dir,
    }
}

async fn send(app: &App, req: Request<Body>) -> (StatusCode, HeaderMap, String) {
    let res = app.router.clone().oneshot(req).await.expect("response");
    let status = res.status();
    let headers = res.headers().clone();
    let body = res.into_body().collect().await.expect("body").to_bytes();
    (status, headers, String::from_utf8_lossy(&body).into_owned())
}

fn post(path: &str, cookie: &str, body: String) -> Request<Body> {
    Request::post(path)
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "same-origin")
        .header(header::COOKIE, cookie)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .expect("request")
}

fn get(path: &str, cookie: &str) -> Request<Body> {
    Request::get(path)
        .header(header::HOST, HOST)
        .header(header::COOKIE, cookie)
        .body(Body::empty())
        .expect("request")
}

async fn sign_in(app: &App, user: &str) -> String {
    let req = Request::post("/login")
        .header(header::HOST, HOST)
        .header("sec-fetch-site", "same-origin")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "username={user}&password={}",
            PASSWORD.replace(' ', "+")
        )))
        .expect("request");
    let (status, headers, body) = send(app, req).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    headers
        .get(header::SET_COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .expect("session cookie")
        .to_owned()
}

fn location(h: &HeaderMap) -> String {
    h.get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned()
}

/// The PREEMPT fixed sites as form fields.
fn fixed_sites() -> String {
    super::sessions::site_options()
        .iter()
        .filter(|o| !o.ftp)
        .map(|o| format!("site={}", o.key))
        .collect::<Vec<_>>()
        .join("&")
}

/// A PREEMPT session form. The seeded diary is too short for an eligibility verdict, so the form
/// overrides the pathway's eligibility check with a reason (the check itself is tested in
/// `pathway_checks_show_at_the_check_step_and_a_nurse_names_the_prescriber`).
fn session_form(date: NaiveDate, extra: &str, action: &str) -> String {
    format!(
        "plan=preempt&{}{extra}&date={date}&product=onabotulinumtoxina&vial_size=200&vials=1&lot=C1234&expiry=2027-06-01&diluent_ml=&injector=Dr+Dana+Home&notes=&override-eligibility=payer+approval+on+file&action={action}",
        fixed_sites()
    )
}

#[tokio::test]
async fn eligibility_response_and_questionnaires() {
    let app = app(None).await;
    let dr = sign_in(&app, "dr.home").await;
    let p = app.patient;
    let (s, _, body) = send(&app, get(&format!("/patients/{p}/eligibility"), &dr)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"id="eligibility""#), "{body}");
    assert!(body.contains("<h1>Eligibility: Ann Patient</h1>"));
    assert!(body.contains(r#"<option value="nice-ta260""#));
    let (s, _, _) = send(
        &app,
        get(&format!("/patients/{p}/eligibility?rules=nope"), &dr),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let (s, h, _) = send(
        &app,
        post(
            &format!("/patients/{p}/preventives"),
            &dr,
            "rules=nice-ta260&drug=propranolol&class=&start=2025-01-01&stop=2025-04-01&dose=80+mg&outcome=not_effective&reason=no+change".into(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = send(&app, get(&location(&h), &dr)).await;
    assert!(body.contains("Preventive trial added."));
    assert!(body.contains("<th scope=\"row\">propranolol</th>"));

    let (_, _, body) = send(&app, get(&format!("/patients/{p}/response"), &dr)).await;
    assert!(body.contains(r#"id="no-session""#), "{body}");
    assert!(!body.contains(r#"id="response-table""#));

    let ann = sign_in(&app, "ann").await;
    let (s, _, body) = send(&app, get(&format!("/patients/{p}/questionnaires"), &ann)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("<h1>My questionnaires</h1>"));
    let (s, h, _) = send(
        &app,
        post(
            &format!("/patients/{p}/questionnaires"),
            &ann,
            "instrument=hit6&date=2026-10-31&hit6_1=never&hit6_2=rarely&hit6_3=sometimes&hit6_4=very_often&hit6_5=always&hit6_6=always".into(),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, body) = send(&app, get(&location(&h), &ann)).await;
    assert!(body.contains("HIT-6 saved."), "{body}");
    assert!(body.contains("<td>HIT-6</td><td>61</td>"), "{body}");
    let (s, _, _) = send(&app, get(&format!("/patients/{p}/eligibility"), &ann)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_session_is_checked_then_saved_and_refusals_need_a_reason() {
    let app = app(None).await;
    let dr = sign_in(&app, "dr.home").await;
    let p = app.patient;
    let (s, _, body) = send(
        &app,
        get(&format!("/patients/{p}/sessions/new?plan=preempt-ftp"), &dr),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains(
            r#"<output id="running-total" aria-live="polite">155 U at 31 sites</output>"#
        )
    );
    assert_eq!(body.matches(" data-ftp").count(), 16);
    assert_eq!(body.matches(r#"name="site""#).count(), 47);
    assert!(body.contains(r#"value="Dr Dana Home""#));
    assert!(
        body.contains("data-site=\"temporalis-left-1\""),
        "the site map"
    );

    // Check: nothing saved, totals and billing shown.
    let first = today() - Duration::days(100);
    let (s, _, body) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &dr,
            session_form(first, "&site=temporalis-left-5", "check"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(">160 U at 32 sites<"), "{body}");
    assert!(body.contains("J0585-JW × 40"));
    let (_, _, list) = send(&app, get(&format!("/patients/{p}/sessions"), &dr)).await;
    assert!(list.contains(r#"id="no-sessions""#));

    // Save.
    let (s, h, _) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &dr,
            session_form(first, "", "save"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let detail = location(&h);
    assert!(detail.starts_with(&format!("/patients/{p}/sessions/")));
    let (s, _, body) = send(&app, get(&detail, &dr)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("J0585-JW × 45"));

    // A second session 30 days later is refused, then saved with a reason.
    let second = first + Duration::days(30);
    let (s, _, body) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &dr,
            session_form(second, "", "save"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(
        body.contains(r#"name="override-retreatment_interval""#),
        "{body}"
    );
    let (s, _, _) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &dr,
            session_form(
                second,
                "&override-retreatment_interval=travelling+for+three+months",
                "save",
            ),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let (_, _, body) = send(&app, get(&format!("/patients/{p}/response"), &dr)).await;
    assert!(body.contains(r#"id="response-table""#), "{body}");
}

#[tokio::test]
async fn pathway_checks_show_at_the_check_step_and_a_nurse_names_the_prescriber() {
    let app = app(None).await;
    let p = app.patient;
    let first = today() - Duration::days(100);
    // Without the eligibility override: the Check step names why and offers a reason box.
    let dr = sign_in(&app, "dr.home").await;
    let form = session_form(first, "", "check")
        .replace("&override-eligibility=payer+approval+on+file", "");
    let (s, _, body) = send(&app, post(&format!("/patients/{p}/sessions"), &dr, form)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("eligibility: first chronic-migraine session"),
        "{body}"
    );
    assert!(body.contains(r#"name="override-eligibility""#), "{body}");
    // A nurse opens the form with no prescriber filled in and must name one.
    let nurse = sign_in(&app, "nurse.home").await;
    let (s, _, body) = send(&app, get(&format!("/patients/{p}/sessions/new"), &nurse)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"name="prescriber" value="""#), "{body}");
    let (s, _, body) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &nurse,
            session_form(first, "", "save"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("Prescriber: name the prescribing clinician"),
        "{body}"
    );
    let (s, h, _) = send(
        &app,
        post(
            &format!("/patients/{p}/sessions"),
            &nurse,
            session_form(first, "&prescriber=dr.home", "save"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, _, detail) = send(&app, get(&location(&h), &nurse)).await;
    assert!(
        detail.contains("<dt>Prescriber</dt><dd>Dr Dana Home</dd>"),
        "{detail}"
    );
}

async fn record_ptosis(app: &App, dr: &str) -> String {
    let p = app.patient;
    let (s, _, _) = send(
        app,
        post(
            &format!("/patients/{p}/sessions"),
            dr,
            session_form(today() - Duration::days(20), "", "save"),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let onset = today() - Duration::days(12);
    let (s, h, body) = send(
        app,
        post(
            &format!("/patients/{p}/adverse-events"),
            dr,
            format!(
                "term=Left+eyelid+ptosis&meddra=10015995&onset={onset}&grade=2&action=not_applicable&outcome=recovering&causality=possibly_related&reporter_given=Dana&reporter_family=Home&reporter_qualification=physician&reporter_country=GB&aware={}&narrative=Ptosis+8+days+after+the+session.",
                onset + Duration::days(1)
            ),
        ),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    location(&h)
}

#[tokio::test]
async fn an_adverse_event_is_flagged_and_exported() {
    let app = app(Some(sender())).await;
    let dr = sign_in(&app, "dr.home").await;
    let p = app.patient;
    let (s, _, body) = send(&app, get(&format!("/patients/{p}/adverse-events/new"), &dr)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("distant spread of toxin effect"));
    assert!(body.contains("<strong>dysphagia</strong>"));
    let case = record_ptosis(&app, &dr).await;
    let (s, _, body) = send(&app, get(&case, &dr)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains(r#"id="urgent-review""#), "{body}");
    assert!(body.contains("URGENT REVIEW"));
    assert!(body.contains("A valid individual case safety report"));
    let (s, h, xml) = send(&app, get(&format!("{case}/e2b.xml"), &dr)).await;
    assert_eq!(s, StatusCode::OK, "{xml}");
    assert!(
        h[header::CONTENT_TYPE]
            .to_str()
            .expect("type")
            .starts_with("application/xml")
    );
    assert!(xml.contains("TESTCLINIC"));
    let (s, _, json) = send(&app, get(&format!("{case}/medwatch.json"), &dr)).await;
    assert_eq!(s, StatusCode::OK, "{json}");
    let (s, _, body) = send(&app, get("/adverse-events", &dr)).await;
    assert_eq!(s, StatusCode::OK);
    assert!(body.contains("Left eyelid ptosis"));
    let ann = sign_in(&app, "ann").await;
    let (s, _, _) = send(&app, get(&case, &ann)).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = send(
        &app,
        get(&format!("/adverse-events/{}", Uuid::now_v7()), &dr),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_sender_details_the_e2b_download_is_a_conflict() {
    let app = app(None).await;
    let dr = sign_in(&app, "dr.home").await;
    let case = record_ptosis(&app, &dr).await;
    let (s, _, body) = send(&app, get(&format!("{case}/e2b.xml"), &dr)).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("not configured"), "{body}");
}
