//! Two servers on one PostgreSQL database, as behind a load balancer: a sign-in made on one works
//! on the other, a sign-out on either ends it on both, and failed sign-ins count across both.

use cephalog_auth::{Role, Username, hash_password};
use cephalog_store::Store;
use cephalog_web::{AppState, Clock, Config};
use reqwest::StatusCode;
use reqwest::redirect::Policy;

const PASSWORD: &str = "a long enough password";

async fn server(url: &str) -> (String, Store) {
    let store = Store::connect(url).await.expect("store");
    let state = AppState::new(
        store.clone(),
        cephalog_app::load_rule_sets(None).expect("rules"),
        Config {
            secure_cookies: false,
            clock: Clock::Fixed("2026-11-01".parse().expect("date")),
            ..Config::default()
        },
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(cephalog_web::serve(listener, state, std::future::pending()));
    (base, store)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(Policy::none())
        .build()
        .expect("client")
}

async fn sign_in(c: &reqwest::Client, base: &str, password: &str) -> (StatusCode, Option<String>) {
    let res = c
        .post(format!("{base}/login"))
        .header("Origin", base)
        .form(&[("username", "dr.shared"), ("password", password)])
        .send()
        .await
        .expect("sign in");
    let cookie = res
        .headers()
        .get("set-cookie")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .map(str::to_owned);
    (res.status(), cookie)
}

async fn worklist(c: &reqwest::Client, base: &str, cookie: &str) -> StatusCode {
    c.get(format!("{base}/worklist"))
        .header("Cookie", cookie)
        .send()
        .await
        .expect("worklist")
        .status()
}

#[tokio::test]
async fn two_servers_share_sessions_and_throttling_through_postgres() {
    let Some(scratch) = crate::pg::scratch("two servers on one PostgreSQL").await else {
        return;
    };
    let url = scratch.url.clone();
    let (a, store) = server(&url).await;
    let (b, _) = server(&url).await;
    store
        .add_user(
            "Shared clinic",
            Username::new("dr.shared").expect("name"),
            "Dr Shared",
            Role::Clinician,
            None,
            &hash_password(PASSWORD).expect("hash"),
        )
        .await
        .expect("user");
    let c = client();

    let (status, cookie) = sign_in(&c, &a, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let cookie = cookie.expect("session cookie from server A");
    assert_eq!(
        worklist(&c, &b, &cookie).await,
        StatusCode::OK,
        "B honours A's sign-in"
    );
    assert_eq!(worklist(&c, &a, &cookie).await, StatusCode::OK);

    let out = c
        .post(format!("{b}/logout"))
        .header("Origin", &b)
        .header("Cookie", &cookie)
        .send()
        .await
        .expect("sign out");
    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        worklist(&c, &a, &cookie).await,
        StatusCode::SEE_OTHER,
        "signed out on B means signed out on A"
    );

    for (i, server) in [&a, &b, &a, &b, &a].into_iter().enumerate() {
        let (status, _) = sign_in(&c, server, "not the password").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "failure {i}");
    }
    let (status, _) = sign_in(&c, &b, PASSWORD).await;
    assert_eq!(
        status,
        StatusCode::TOO_MANY_REQUESTS,
        "failures on both servers count together"
    );

    store.close().await;
    scratch.drop().await;
}
