//! PDF reports and share links: the visit summary, the prior-authorisation packet and the session
//! procedure note as downloads; expiring, revocable, read-only links that let a doctor outside the
//! clinic open a patient's visit summary without signing in.
//!
//! A share link's token (32 random bytes) is shown once, when the link is made; only its SHA-256
//! is stored. Every opening is in the audit trail under the actor `share:<link id>` with the
//! address it came from; an unknown, expired or revoked token answers 404 like any missing page.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{Duration, NaiveDate, Utc};
use serde::Deserialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use cephalog_core::metrics::DateRange;
use cephalog_core::preset::DayPreset;
use cephalog_core::rules::RuleSet;
use cephalog_reports::{Report, ReportError};
use cephalog_store::{AuditEvent, NewShareLink, PatientRecord, ShareLinkRecord};

use super::pathway::{DEFAULT_ELIGIBILITY_RULES, DEFAULT_RESPONSE_RULES};
use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::{Principal, client_address};
use crate::error::{PageError, WebError};
use crate::policy::Need;

/// A share link lasts this long unless its maker chooses otherwise [unverified default: two
/// weeks, long enough for a referral appointment].
pub const SHARE_LINK_DEFAULT_DAYS: i64 = 14;
/// The longest a share link may last [unverified default: about a quarter, one treatment cycle].
pub const SHARE_LINK_MAX_DAYS: i64 = 90;
/// The visit summary's default period: the 84 days (three 28-day periods) up to today.
pub const VISIT_DEFAULT_DAYS: i64 = 84;
/// The longest period a visit summary covers (two years).
pub const VISIT_MAX_DAYS: i64 = 731;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/patients/{id}/reports/visit.pdf", visit_pdf)
        .get("/patients/{id}/reports/prior-auth.pdf", prior_auth_pdf)
        .get("/patients/{id}/sessions/{sid}/note.pdf", session_note_pdf)
        .post("/patients/{id}/share-links", create_share_link)
        .post("/patients/{id}/share-links/{lid}/revoke", revoke_share_link)
        .get("/share/{token}", open_share_link)
}

fn report_error(e: ReportError) -> WebError {
    match e {
        ReportError::App(a) => a.into(),
        ReportError::Store(s) => s.into(),
        ReportError::Invalid(message) => WebError::Invalid {
            field: None,
            message,
        },
        ReportError::Typeset(detail) => WebError::Internal(format!("report: {detail}")),
    }
}

/// Typesets on the blocking pool (typst is CPU-bound) and answers the PDF.
pub(super) async fn pdf<T, F>(data: T, inline: bool, f: F) -> Result<Response, WebError>
where
    T: Send + 'static,
    F: FnOnce(&T) -> Result<Report, ReportError> + Send + 'static,
{
    let report = tokio::task::spawn_blocking(move || f(&data))
        .await
        .map_err(|e| WebError::Internal(format!("report task: {e}")))?
        .map_err(report_error)?;
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "{}; filename=\"{}\"",
                    if inline { "inline" } else { "attachment" },
                    cephalog_reports::file_safe(&report.file_name)
                ),
            ),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
        report.pdf,
    )
        .into_response())
}

/// A date field: empty is `None`, anything else must be YYYY-MM-DD.
fn date_field(field: &str, value: Option<&str>) -> Result<Option<NaiveDate>, WebError> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .parse()
            .map(Some)
            .map_err(|_| WebError::invalid(field, format!("'{v}' is not a date (YYYY-MM-DD)"))),
    }
}

/// The period of a visit summary: `to` defaults to today, `from` to [`VISIT_DEFAULT_DAYS`]
/// before it; no later than today and no longer than [`VISIT_MAX_DAYS`].
pub fn visit_period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> Result<DateRange, WebError> {
    let to = to.unwrap_or(today);
    if to > today {
        return Err(WebError::invalid(
            "to",
            format!("the period ends after today ({today})"),
        ));
    }
    let from = from.unwrap_or(to - Duration::days(VISIT_DEFAULT_DAYS - 1));
    let range = DateRange::new(from, to)
        .ok_or_else(|| WebError::invalid("from", format!("{from} is after {to}")))?;
    let earliest = cephalog_core::limits::EARLIEST_DATE_OF_BIRTH;
    if range.start < earliest {
        return Err(WebError::invalid(
            "from",
            format!("the period starts before {earliest}, the earliest date of birth kept"),
        ));
    }
    if i64::from(range.days()) > VISIT_MAX_DAYS {
        return Err(WebError::invalid(
            "from",
            format!("a visit summary covers at most {VISIT_MAX_DAYS} days"),
        ));
    }
    Ok(range)
}

/// The rule set the visit summary reads the response against.
fn response_rules(state: &AppState) -> Result<&RuleSet, WebError> {
    cephalog_app::find_rule_set(&state.rules, DEFAULT_RESPONSE_RULES)
        .ok()
        .or_else(|| state.rules.first())
        .ok_or_else(|| WebError::Internal("no rule set loaded".to_owned()))
}

async fn visit_summary(
    state: &AppState,
    r: &PatientRecord,
    period: DateRange,
) -> Result<cephalog_reports::visit::VisitSummary, WebError> {
    cephalog_reports::load::visit_summary(
        &state.store,
        r,
        period,
        DayPreset::default(),
        response_rules(state)?,
        state.today(),
    )
    .await
    .map_err(report_error)
}

#[derive(Debug, Deserialize)]
pub(crate) struct VisitQuery {
    from: Option<String>,
    to: Option<String>,
}

async fn visit_pdf(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<VisitQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::VisitSummary, "report.visit").await?;
    let period = visit_period(
        date_field("from", q.from.as_deref())?,
        date_field("to", q.to.as_deref())?,
        state.today(),
    )?;
    let data = visit_summary(&state, &r, period).await?;
    Ok(pdf(data, false, |v| v.render()).await?)
}

#[derive(Debug, Deserialize)]
pub(crate) struct RulesQuery {
    rules: Option<String>,
}

async fn prior_auth_pdf(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "report.prior-auth").await?;
    let name = q
        .rules
        .as_deref()
        .filter(|s| !s.is_empty())
        .unwrap_or(DEFAULT_ELIGIBILITY_RULES);
    let rules = cephalog_app::find_rule_set(&state.rules, name).map_err(WebError::from)?;
    let data = cephalog_reports::load::prior_auth(&state.store, &r, rules, state.today())
        .await
        .map_err(report_error)?;
    Ok(pdf(data, false, |p| p.render()).await?)
}

async fn session_note_pdf(
    State(state): State<AppState>,
    who: Principal,
    Path((id, sid)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "report.session").await?;
    let data = cephalog_reports::load::session_note(&state.store, &r, sid, state.today())
        .await
        .map_err(report_error)?;
    audit::record(
        &state,
        &who,
        "report.session",
        "session",
        &sid.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(pdf(data, false, |n| n.render()).await?)
}

// --- share links -------------------------------------------------------------------------------

/// One share link as the list shows it.
#[derive(Debug, Clone)]
pub struct ShareLinkRow {
    pub id: Uuid,
    pub period: String,
    pub created: String,
    pub created_by: String,
    pub expires: String,
    /// "open", "expired" or "revoked".
    pub status: &'static str,
    pub live: bool,
}

/// The share links of a patient and the form to make one.
#[derive(Debug, Clone)]
pub struct ShareLinks {
    pub patient_id: Uuid,
    pub rows: Vec<ShareLinkRow>,
    pub from: String,
    pub to: String,
    pub default_days: i64,
    pub max_days: i64,
    /// The page the forms return to: "overview" or "diary".
    pub back: &'static str,
}

fn row(l: &ShareLinkRecord, now: chrono::DateTime<Utc>) -> ShareLinkRow {
    let status = if l.revoked_at.is_some() {
        "revoked"
    } else if l.is_live(now) {
        "open"
    } else {
        "expired"
    };
    ShareLinkRow {
        id: l.id,
        period: format!("{} to {}", l.period_from, l.period_to),
        created: l.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        created_by: l.created_by.clone(),
        expires: l.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        status,
        live: l.is_live(now),
    }
}

/// The patient's share links for a page (`back` names it).
pub(crate) async fn share_links(
    state: &AppState,
    r: &PatientRecord,
    back: &'static str,
) -> Result<ShareLinks, WebError> {
    let now = Utc::now();
    let today = state.today();
    Ok(ShareLinks {
        patient_id: r.id,
        rows: state
            .store
            .share_links(r.id)
            .await?
            .iter()
            .map(|l| row(l, now))
            .collect(),
        from: (today - Duration::days(VISIT_DEFAULT_DAYS - 1)).to_string(),
        to: today.to_string(),
        default_days: SHARE_LINK_DEFAULT_DAYS,
        max_days: SHARE_LINK_MAX_DAYS,
        back,
    })
}

fn back_to(id: Uuid, back: Option<&str>) -> String {
    match back {
        Some("diary") => format!("/patients/{id}/diary#share-links"),
        _ => format!("/patients/{id}#share-links"),
    }
}

/// The SHA-256 of a share token, as stored.
pub fn share_token_hash(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

/// A new share token: 32 random bytes in hex (64 characters).
pub fn new_share_token() -> String {
    use rand::RngCore;
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[derive(Debug, Deserialize)]
pub(crate) struct ShareForm {
    from: Option<String>,
    to: Option<String>,
    days: Option<String>,
    back: Option<String>,
}

#[derive(askama::Template)]
#[template(path = "share_link.html")]
struct ShareLinkPage {
    nav: Option<Nav>,
    patient_name: String,
    url: String,
    period: String,
    expires: String,
    back: String,
}

async fn create_share_link(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    headers: HeaderMap,
    Form(f): Form<ShareForm>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::Share, "share.create").await?;
    let period = visit_period(
        date_field("from", f.from.as_deref())?,
        date_field("to", f.to.as_deref())?,
        state.today(),
    )?;
    let days = match f.days.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
        None => SHARE_LINK_DEFAULT_DAYS,
        Some(d) => d.parse::<i64>().map_err(|_| {
            WebError::invalid("days", format!("'{d}' is not a whole number of days"))
        })?,
    };
    if !(1..=SHARE_LINK_MAX_DAYS).contains(&days) {
        return Err(PageError(WebError::invalid(
            "days",
            format!("a share link lasts 1 to {SHARE_LINK_MAX_DAYS} days"),
        )));
    }
    let token = new_share_token();
    let now = Utc::now();
    let link = state
        .store
        .add_share_link(
            &NewShareLink {
                patient_id: r.id,
                period_from: period.start,
                period_to: period.end,
                created_by: format!("{}:{}", who.user.role.as_str(), who.user.username),
                created_at: now,
                expires_at: now + Duration::days(days),
            },
            &share_token_hash(&token),
        )
        .await?;
    audit::record(
        &state,
        &who,
        "share.create",
        "share_link",
        &link.id.to_string(),
        Some(r.id),
    )
    .await?;
    let origin = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .map(|h| {
            let scheme = if state.config.secure_cookies {
                "https"
            } else {
                "http"
            };
            format!("{scheme}://{h}")
        })
        .unwrap_or_default();
    Ok((
        StatusCode::CREATED,
        render(&ShareLinkPage {
            nav: Some(Nav::for_user(&who, "")),
            patient_name: r.patient.name().to_owned(),
            url: format!("{origin}/share/{token}"),
            period: format!("{} to {}", period.start, period.end),
            expires: link.expires_at.format("%Y-%m-%d %H:%M UTC").to_string(),
            back: back_to(r.id, f.back.as_deref()),
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct BackForm {
    back: Option<String>,
}

async fn revoke_share_link(
    State(state): State<AppState>,
    who: Principal,
    Path((id, lid)): Path<(Uuid, Uuid)>,
    Form(f): Form<BackForm>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::Share, "share.revoke").await?;
    let by = format!("{}:{}", who.user.role.as_str(), who.user.username);
    state
        .store
        .revoke_share_link(r.id, lid, &by, Utc::now())
        .await?;
    audit::record(
        &state,
        &who,
        "share.revoke",
        "share_link",
        &lid.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&back_to(r.id, f.back.as_deref())).into_response())
}

fn not_found() -> PageError {
    PageError(WebError::NotFound(
        "this link does not exist, has expired or was revoked".to_owned(),
    ))
}

/// Opens a share link: the visit summary of its period, as the records stand now.
async fn open_share_link(
    State(state): State<AppState>,
    Path(token): Path<String>,
    request: axum::http::request::Parts,
) -> Result<Response, PageError> {
    if token.len() != 64 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(not_found());
    }
    let Some(link) = state
        .store
        .share_link_by_hash(&share_token_hash(&token.to_ascii_lowercase()))
        .await?
    else {
        return Err(not_found());
    };
    let live = link.is_live(Utc::now());
    state
        .store
        .audit(AuditEvent {
            // The patient's clinic's chain.
            clinic: None,
            actor: format!("share:{}", link.id),
            action: if live {
                "share.open"
            } else {
                "share.open.denied"
            }
            .to_owned(),
            entity: "share_link".to_owned(),
            entity_id: link.id.to_string(),
            patient: Some(link.patient_id),
            source: format!("share {}", client_address(&request, &state)),
            detail: if live {
                String::new()
            } else {
                "the link has expired or was revoked".to_owned()
            },
        })
        .await?;
    if !live {
        return Err(not_found());
    }
    let r = cephalog_app::patients::get(&state.store, link.patient_id).await?;
    let period = DateRange::new(link.period_from, link.period_to).ok_or_else(not_found)?;
    let data = visit_summary(&state, &r, period).await?;
    Ok(pdf(data, true, |v| v.render()).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_visit_period_defaults_to_84_days_and_is_bounded() {
        let today = d("2026-07-01");
        let p = visit_period(None, None, today).expect("default");
        assert_eq!((p.start, p.end, p.days()), (d("2026-04-09"), today, 84));
        assert!(visit_period(None, Some(d("2026-07-02")), today).is_err());
        assert!(visit_period(Some(d("2026-06-02")), Some(d("2026-06-01")), today).is_err());
        assert!(visit_period(Some(d("2024-07-01")), None, today).is_ok());
        assert!(visit_period(Some(d("2024-06-30")), None, today).is_err());
        // Dates are kept as text: a period outside years 1900–9999 would not sort as one.
        assert!(visit_period(Some(d("1900-01-01")), Some(d("1900-03-01")), today).is_ok());
        assert!(visit_period(None, Some(d("1900-01-01")), today).is_err());
        assert!(visit_period(None, Some(d("-0001-01-01")), today).is_err());
    }

    #[test]
    fn tokens_are_32_random_bytes_kept_as_their_sha256() {
        let a = new_share_token();
        assert_eq!(a.len(), 64);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert_ne!(a, new_share_token());
        assert_eq!(share_token_hash(&a).len(), 64);
        assert_ne!(share_token_hash(&a), a);
    }
}
