//! Server-rendered pages. Every form works without JavaScript; the little script we serve only
//! adds conveniences (running totals on the session form).

mod admin;
mod clinic;
mod cohort;
mod diary;
mod form;
#[cfg(test)]
mod journeys;
mod overview;
mod pathway;
mod questionnaires;
mod reports;
mod safety;
pub(crate) mod sessions;

use askama::Template;
use axum::extract::State;
use axum::handler::Handler;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Form, Router};
use serde::Deserialize;
use tower_sessions::Session;

use cephalog_auth::Role;

use crate::AppState;
use crate::auth::{self, Principal, SignInError};
use crate::error::PageError;
pub(crate) use crate::layout::{ErrorPage, ErrorText, Nav, NavLink};

/// The pages' routes, listed as they are registered (the access-control test walks this list).
pub(crate) struct Routes {
    router: Router<AppState>,
    list: Vec<(Method, &'static str)>,
}

impl Routes {
    fn new() -> Self {
        Routes {
            router: Router::new(),
            list: Vec::new(),
        }
    }

    pub(crate) fn get<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.list.push((Method::GET, path));
        self.router = self.router.route(path, get(handler));
        self
    }

    pub(crate) fn post<H, T>(mut self, path: &'static str, handler: H) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.list.push((Method::POST, path));
        self.router = self.router.route(path, post(handler));
        self
    }
}

fn routes() -> Routes {
    let r = Routes::new()
        .get("/", home)
        .get("/login", login_page)
        .post("/login", login)
        .post("/logout", logout);
    let r = diary::routes(r);
    let r = clinic::routes(r);
    let r = cohort::routes(r);
    let r = pathway::routes(r);
    let r = questionnaires::routes(r);
    let r = sessions::routes(r);
    let r = safety::routes(r);
    let r = reports::routes(r);
    admin::routes(r)
}

pub(crate) fn router(state: AppState) -> Router<AppState> {
    routes()
        .router
        .layer(axum::middleware::from_fn(
            crate::security::screen_page_input,
        ))
        .layer(axum::middleware::from_fn_with_state(state, error_pages))
}

/// Every error a page route answers — a handler's, or one the framework gives before the handler
/// runs (a form too large, a body that is not a form, a method the path does not take) — is an
/// HTML page with the site's layout and, for a signed-in user, their navigation, never bare text.
async fn error_pages(
    State(state): State<AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let (headers, extensions, uri, method) = (
        request.headers().clone(),
        request.extensions().clone(),
        request.uri().clone(),
        request.method().clone(),
    );
    let response = next.run(request).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    let is_html = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"text/html"));
    if is_html && response.extensions().get::<ErrorText>().is_none() {
        // A page of its own, such as a form shown again with what to correct.
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let text = match parts.extensions.get::<ErrorText>() {
        Some(t) => t.clone(),
        None => {
            let bytes = axum::body::to_bytes(body, 16 * 1024)
                .await
                .unwrap_or_default();
            ErrorText {
                title: status.canonical_reason().unwrap_or("Error").to_owned(),
                message: framework_message(status, &String::from_utf8_lossy(&bytes)),
            }
        }
    };
    let mut again = axum::extract::Request::new(());
    *again.headers_mut() = headers;
    *again.extensions_mut() = extensions;
    *again.uri_mut() = uri;
    *again.method_mut() = method;
    let (mut request_parts, ()) = again.into_parts();
    let nav = auth::principal_if_signed_in(&mut request_parts, &state)
        .await
        .map(|who| Nav::for_user(&who, ""));
    let page = ErrorPage {
        nav,
        status: status.as_u16(),
        title: text.title,
        message: text.message,
    };
    let html = match page.render() {
        Ok(html) => html,
        Err(e) => {
            tracing::error!(error = %e, "cannot render the error page");
            return status.into_response();
        }
    };
    parts.headers.insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, axum::body::Body::from(html))
}

/// What to tell a user about an error the framework answered on its own.
fn framework_message(status: axum::http::StatusCode, body: &str) -> String {
    match status.as_u16() {
        413 => format!(
            "What you sent is larger than the {} MB the server accepts, so nothing was saved. \
             Shorten the text (notes take up to {} characters) and send it again.",
            crate::BODY_LIMIT_BYTES / (1024 * 1024),
            cephalog_core::limits::MAX_NOTE_CHARS
        ),
        405 => "This address does not take that kind of request.".to_owned(),
        404 => "There is no page at this address.".to_owned(),
        _ if body.trim().is_empty() => "The request could not be handled.".to_owned(),
        _ => format!("The request could not be handled: {}", body.trim()),
    }
}

/// Every page route: method and path pattern.
pub fn route_list() -> Vec<(Method, &'static str)> {
    routes().list
}

impl Nav {
    /// Whether the user's role may open a patient's access log (clinicians and administrators,
    /// as `policy` decides); the record's tabs leave the link out otherwise.
    pub fn reads_access_log(&self) -> bool {
        matches!(self.role, "clinician" | "admin")
    }

    /// The links a user's role leads to, with `current` marked.
    pub fn for_user(who: &Principal, current: &str) -> Self {
        let u = &who.user;
        let mut links: Vec<(String, &'static str)> = Vec::new();
        match u.role {
            Role::Patient => {
                if let Some(p) = u.patient_id {
                    links.push((format!("/patients/{p}/diary"), "My diary"));
                    links.push((format!("/patients/{p}/questionnaires"), "My questionnaires"));
                }
            }
            Role::Clinician | Role::Nurse => {
                links.push(("/worklist".to_owned(), "Worklist"));
                links.push(("/patients".to_owned(), "Patients"));
                links.push(("/adverse-events".to_owned(), "Adverse events"));
                // The cohort report is oversight (`policy::cohort_access`): not for nurses.
                if u.role == Role::Clinician {
                    links.push(("/cohort".to_owned(), "Cohort report"));
                }
            }
            Role::Admin => {
                links.push(("/admin/users".to_owned(), "Users"));
                links.push(("/admin/patients".to_owned(), "Access logs"));
                links.push(("/cohort".to_owned(), "Cohort report"));
            }
        }
        Nav {
            display_name: u.display_name.clone(),
            role: u.role.as_str(),
            links: links
                .into_iter()
                .map(|(href, label)| NavLink {
                    current: href == current,
                    href,
                    label,
                })
                .collect(),
        }
    }
}

/// Renders a template into a response, or an error page.
pub(crate) fn render<T: Template>(t: &T) -> Response {
    match t.render() {
        Ok(html) => axum::response::Html(html).into_response(),
        Err(e) => {
            PageError(crate::error::WebError::Internal(format!("template: {e}"))).into_response()
        }
    }
}

/// The start page for each role.
async fn home(who: Result<Principal, Response>) -> Redirect {
    match who {
        Err(_) => Redirect::to("/login"),
        Ok(p) => Redirect::to(&match (p.user.role, p.user.patient_id) {
            (Role::Patient, Some(id)) => format!("/patients/{id}/diary"),
            (Role::Admin, _) => "/admin/users".to_owned(),
            _ => "/worklist".to_owned(),
        }),
    }
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    nav: Option<Nav>,
    error: Option<String>,
    username: String,
}

async fn login_page() -> Response {
    render(&LoginPage {
        nav: None,
        error: None,
        username: String::new(),
    })
}

#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

async fn login(
    State(state): State<AppState>,
    session: Session,
    request: axum::http::request::Parts,
    Form(f): Form<LoginForm>,
) -> Result<Response, PageError> {
    let address = auth::client_address(&request, &state);
    match auth::sign_in(&state, &session, &address, &f.username, &f.password).await {
        Ok(user) => {
            tracing::info!(role = user.role.as_str(), "signed in");
            Ok(Redirect::to("/").into_response())
        }
        Err(SignInError::Web(e)) => Err(PageError(e)),
        Err(e) => {
            let status = match e {
                SignInError::Throttled => axum::http::StatusCode::TOO_MANY_REQUESTS,
                _ => axum::http::StatusCode::UNAUTHORIZED,
            };
            Ok((
                status,
                render(&LoginPage {
                    nav: None,
                    error: Some(e.to_string()),
                    username: f.username,
                }),
            )
                .into_response())
        }
    }
}

async fn logout(session: Session) -> Result<Redirect, PageError> {
    auth::sign_out(&session).await?;
    Ok(Redirect::to("/login"))
}
