//! Adverse events: the clinic's list, a patient's list, recording a case (with the boxed-warning
//! symptoms called out), the case page (urgent-review flag, ICSR validity, reporting due date) and
//! its E2B(R3) and MedWatch 3500 downloads.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use cephalog_app::AppError;
use cephalog_auth::Role;
use cephalog_core::reference::{
    DISTANT_SPREAD_WINDOW_DAYS, NON_SERIOUS_REPORT_DAYS, SERIOUS_REPORT_DAYS,
};
use cephalog_core::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, BOXED_WARNING_SYMPTOMS, Causality, EventOutcome,
    ReporterDraft, ReporterQualification, SafetyError, SeriousOutcome,
};
use cephalog_e2b::ExportError;
use cephalog_store::{AdverseEventRecord, PatientRecord, SessionRecord, StoreError};

use super::form::FormData;
use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::layout::PatientHeader;
use crate::policy::{ClinicNeed, Need, patient_access};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/adverse-events", clinic_list)
        .get("/adverse-events/{id}", case_page)
        .post("/adverse-events/{id}/submitted", mark_submitted)
        .post("/adverse-events/{id}/acknowledge", acknowledge)
        .get("/adverse-events/{id}/e2b.xml", e2b_download)
        .get("/adverse-events/{id}/medwatch.json", medwatch_download)
        .get("/patients/{id}/adverse-events", patient_list)
        .get("/patients/{id}/adverse-events/new", new_form)
        .post("/patients/{id}/adverse-events", add)
}

/// A coded value as words: "possibly_related" → "possibly related".
fn words(s: &str) -> String {
    s.replace('_', " ")
}

/// The form field a domain error is about.
fn safety_field(e: &SafetyError) -> &'static str {
    match e.field() {
        "reported_term" => "term",
        "meddra_code" => "meddra",
        "ctcae_grade" => "grade",
        "resolution" => "resolution",
        "awareness_date" => "aware",
        "outcome" => "outcome",
        "seriousness" => "serious",
        "action_taken" => "action",
        "causality" => "causality",
        "reporter.country" => "reporter_country",
        "reporter.email" => "reporter_email",
        "reporter.qualification" => "reporter_qualification",
        _ => "session",
    }
}

fn safety_error(e: SafetyError) -> WebError {
    WebError::invalid(safety_field(&e), e)
}

fn coded<T: std::str::FromStr<Err = SafetyError>>(
    f: &FormData,
    name: &str,
    what: &str,
) -> Result<T, WebError> {
    f.required(name, what)?.parse::<T>().map_err(safety_error)
}

/// The adverse event a posted form describes. Suspect sessions are the ticked `session` ids;
/// none ticked, the latest session on or before the onset (as the command line does).
pub(crate) fn event_from_form(
    f: &FormData,
    sessions: &[SessionRecord],
    today: NaiveDate,
) -> Result<AdverseEvent, WebError> {
    let onset = f.required_date("onset", "Onset")?;
    if onset > today {
        return Err(WebError::invalid(
            "onset",
            format!("Onset: {onset} is in the future"),
        ));
    }
    let grade: i64 = f
        .number("grade", "CTCAE grade")?
        .ok_or_else(|| WebError::invalid("grade", "CTCAE grade: choose a grade"))?;
    let seriousness = f
        .all("serious")
        .map(|s| s.parse::<SeriousOutcome>().map_err(safety_error))
        .collect::<Result<Vec<_>, _>>()?;
    let mut chosen: Vec<&SessionRecord> = Vec::new();
    for id in f.all("session") {
        let s = id
            .parse::<Uuid>()
            .ok()
            .and_then(|id| sessions.iter().find(|s| s.id == id))
            .ok_or_else(|| {
                WebError::invalid("session", "Suspect session: choose a session from the list")
            })?;
        if !chosen.iter().any(|c| c.id == s.id) {
            chosen.push(s);
        }
    }
    if chosen.is_empty() {
        chosen.extend(
            sessions
                .iter()
                .filter(|s| s.session.date() <= onset)
                .max_by_key(|s| s.session.date()),
        );
    }
    let aware = f.date("aware", "Awareness date")?.unwrap_or(today);
    if aware > today {
        return Err(WebError::invalid(
            "aware",
            format!("Awareness date: {aware} is in the future"),
        ));
    }
    AdverseEvent::try_from(AdverseEventDraft {
        reported_term: f.text("term"),
        meddra_code: f.get("meddra").map(str::to_owned),
        onset,
        resolution: f.date("resolution", "Resolution")?,
        ctcae_grade: grade,
        seriousness,
        action_taken: coded::<ActionTaken>(f, "action", "Action taken")?,
        outcome: coded::<EventOutcome>(f, "outcome", "Outcome")?,
        causality: coded::<Causality>(f, "causality", "Causality")?,
        reporter: ReporterDraft {
            given_name: f.get("reporter_given").map(str::to_owned),
            family_name: f.get("reporter_family").map(str::to_owned),
            qualification: f
                .get("reporter_qualification")
                .map(|q| q.parse::<ReporterQualification>().map_err(safety_error))
                .transpose()?,
            country: f.get("reporter_country").map(str::to_owned),
            email: f.get("reporter_email").map(str::to_owned),
        },
        awareness_date: aware,
        narrative: f.text("narrative"),
        suspect_products: chosen
            .iter()
            .map(|s| cephalog_app::safety::suspect_product(&s.session))
            .collect(),
    })
    .map_err(safety_error)
}

/// A case in a list.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub id: Uuid,
    pub patient_id: Uuid,
    pub patient: String,
    pub onset: NaiveDate,
    pub term: String,
    pub grade: u8,
    pub serious: bool,
    pub urgent: Option<String>,
    pub icsr: String,
    pub due: String,
    pub overdue: bool,
}

fn case_row(
    rec: &AdverseEventRecord,
    p: &PatientRecord,
    session_dates: &[NaiveDate],
    today: NaiveDate,
) -> Result<CaseRow, WebError> {
    let v = cephalog_app::safety::case_view_of(rec, p, session_dates)
        .map_err(cephalog_app::AppError::from)?;
    Ok(CaseRow {
        id: rec.id,
        patient_id: p.id,
        patient: p.patient.name().to_owned(),
        onset: rec.event.onset(),
        term: rec.event.reported_term().to_owned(),
        grade: rec.event.ctcae_grade().get(),
        serious: v.serious,
        urgent: v.urgent_review.map(|u| {
            format!(
                "{}, {} days after the session of {}",
                u.symptom.label(),
                u.days_after_session,
                u.session_date
            )
        }),
        icsr: if v.icsr.valid {
            "valid".to_owned()
        } else {
            format!("missing {}", v.icsr.missing.len())
        },
        due: v.submitted_on.map_or_else(
            || format!("due {}", v.report_due),
            |d| format!("submitted {d}"),
        ),
        overdue: v.submitted_on.is_none() && v.report_due < today,
    })
}

#[derive(askama::Template)]
#[template(path = "adverse_events.html")]
struct ClinicListPage {
    nav: Option<Nav>,
    rows: Vec<CaseRow>,
    show_patient: bool,
    p: Option<PatientHeader>,
    may_write: bool,
}

async fn clinic_list(State(state): State<AppState>, who: Principal) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "adverse_events.list").await?;
    let today = state.today();
    let patients = cephalog_app::patients::list(&state.store, Some(who.user.clinic_id)).await?;
    let mut rows = Vec::new();
    for rec in cephalog_app::safety::adverse_events(&state.store, None).await? {
        let Some(p) = patients.iter().find(|p| p.id == rec.patient) else {
            continue;
        };
        let dates: Vec<NaiveDate> = cephalog_app::treatment::sessions(&state.store, p.id)
            .await?
            .iter()
            .map(|s| s.session.date())
            .collect();
        rows.push(case_row(&rec, p, &dates, today)?);
    }
    rows.sort_by(|a, b| {
        (b.urgent.is_some(), b.overdue, b.onset).cmp(&(a.urgent.is_some(), a.overdue, a.onset))
    });
    Ok(render(&ClinicListPage {
        nav: Some(Nav::for_user(&who, "/adverse-events")),
        rows,
        show_patient: true,
        p: None,
        may_write: false,
    }))
}

async fn patient_list(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "adverse_events.read").await?;
    let today = state.today();
    let dates: Vec<NaiveDate> = cephalog_app::treatment::sessions(&state.store, r.id)
        .await?
        .iter()
        .map(|s| s.session.date())
        .collect();
    let mut rows = Vec::new();
    for rec in cephalog_app::safety::adverse_events(&state.store, Some(r.id)).await? {
        rows.push(case_row(&rec, &r, &dates, today)?);
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.onset));
    Ok(render(&ClinicListPage {
        nav: Some(Nav::for_user(&who, "")),
        rows,
        show_patient: false,
        may_write: patient_access(&who.user, &r, Need::WriteClinical).is_ok(),
        p: Some(PatientHeader::of(&r, today).titled("Adverse events")),
    }))
}

/// A suspect-session checkbox.
#[derive(Debug, Clone)]
pub struct SessionChoice {
    pub id: Uuid,
    pub label: String,
    pub checked: bool,
}

/// A boxed-warning symptom with the words a reported term may use for it.
#[derive(Debug, Clone)]
pub struct SymptomRow {
    pub label: &'static str,
    pub also: String,
}

#[derive(askama::Template)]
#[template(path = "adverse_event_form.html")]
struct AeFormPage {
    nav: Option<Nav>,
    p: PatientHeader,
    today: NaiveDate,
    v: AeValues,
    sessions: Vec<SessionChoice>,
    symptoms: Vec<SymptomRow>,
    window_days: i64,
    serious_choices: Vec<(&'static str, String, bool)>,
    actions: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, String)>,
    causalities: Vec<(&'static str, String)>,
    qualifications: Vec<(&'static str, String)>,
    error: Option<String>,
}

/// The form's values: defaults, or as posted.
#[derive(Debug, Clone, Default)]
pub struct AeValues {
    pub term: String,
    pub meddra: String,
    pub onset: String,
    pub resolution: String,
    pub grade: String,
    pub serious: Vec<String>,
    pub action: String,
    pub outcome: String,
    pub causality: String,
    pub reporter_given: String,
    pub reporter_family: String,
    pub reporter_qualification: String,
    pub reporter_country: String,
    pub reporter_email: String,
    pub aware: String,
    pub narrative: String,
    pub sessions: Vec<String>,
}

impl AeValues {
    fn new(state: &AppState, who: &Principal) -> Self {
        let name = who.user.display_name.trim();
        let (given, family) = match name.rsplit_once(' ') {
            Some((g, f)) => (g.trim().to_owned(), f.trim().to_owned()),
            None => (String::new(), name.to_owned()),
        };
        let country = state
            .config
            .e2b_sender
            .as_ref()
            .map(|s| s.country.clone())
            .unwrap_or_default();
        AeValues {
            aware: state.today().to_string(),
            action: ActionTaken::NotApplicable.as_str().to_owned(),
            outcome: EventOutcome::Recovering.as_str().to_owned(),
            causality: Causality::NotAssessed.as_str().to_owned(),
            reporter_given: given,
            reporter_family: family,
            reporter_qualification: match who.user.role {
                Role::Clinician => ReporterQualification::Physician.as_str().to_owned(),
                _ => ReporterQualification::OtherHealthProfessional
                    .as_str()
                    .to_owned(),
            },
            reporter_country: country,
            ..AeValues::default()
        }
    }

    fn posted(f: &FormData) -> Self {
        AeValues {
            term: f.text("term"),
            meddra: f.text("meddra"),
            onset: f.text("onset"),
            resolution: f.text("resolution"),
            grade: f.text("grade"),
            serious: f.all("serious").map(str::to_owned).collect(),
            action: f.text("action"),
            outcome: f.text("outcome"),
            causality: f.text("causality"),
            reporter_given: f.text("reporter_given"),
            reporter_family: f.text("reporter_family"),
            reporter_qualification: f.text("reporter_qualification"),
            reporter_country: f.text("reporter_country"),
            reporter_email: f.text("reporter_email"),
            aware: f.text("aware"),
            narrative: f.text("narrative"),
            sessions: f.all("session").map(str::to_owned).collect(),
        }
    }
}

fn choices<T: Copy>(all: &[T], key: fn(T) -> &'static str) -> Vec<(&'static str, String)> {
    all.iter().map(|v| (key(*v), words(key(*v)))).collect()
}

fn form_page(
    who: &Principal,
    r: &PatientRecord,
    today: NaiveDate,
    v: AeValues,
    sessions: &[SessionRecord],
    error: Option<String>,
) -> AeFormPage {
    let mut sorted: Vec<&SessionRecord> = sessions.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.session.date()));
    AeFormPage {
        nav: Some(Nav::for_user(who, "")),
        p: PatientHeader::of(r, today)
            .titled("Record an adverse event")
            .in_tab("Adverse events"),
        today,
        sessions: sorted
            .iter()
            .map(|s| SessionChoice {
                id: s.id,
                label: format!(
                    "{}: {} U {}, lot {}",
                    s.session.date(),
                    s.session.units_given(),
                    s.session.product(),
                    s.session.lot()
                ),
                checked: v.sessions.iter().any(|x| *x == s.id.to_string()),
            })
            .collect(),
        symptoms: BOXED_WARNING_SYMPTOMS
            .iter()
            .map(|s| SymptomRow {
                label: s.label(),
                also: s.terms()[1..].join(", "),
            })
            .collect(),
        window_days: DISTANT_SPREAD_WINDOW_DAYS,
        serious_choices: SeriousOutcome::ALL
            .iter()
            .map(|o| {
                (
                    o.as_str(),
                    words(o.as_str()),
                    v.serious.iter().any(|s| s == o.as_str()),
                )
            })
            .collect(),
        actions: choices(ActionTaken::ALL, ActionTaken::as_str),
        outcomes: choices(EventOutcome::ALL, EventOutcome::as_str),
        causalities: choices(Causality::ALL, Causality::as_str),
        qualifications: choices(ReporterQualification::ALL, ReporterQualification::as_str),
        v,
        error,
    }
}

async fn new_form(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "adverse_event.form").await?;
    let sessions = cephalog_app::treatment::sessions(&state.store, r.id).await?;
    let v = AeValues::new(&state, &who);
    Ok(render(&form_page(
        &who,
        &r,
        state.today(),
        v,
        &sessions,
        None,
    )))
}

async fn add(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "adverse_event.add").await?;
    let today = state.today();
    let f = FormData::new(pairs);
    let sessions = cephalog_app::treatment::sessions(&state.store, r.id).await?;
    let event = match event_from_form(&f, &sessions, today) {
        Ok(e) => e,
        Err(e) => {
            let page = form_page(
                &who,
                &r,
                today,
                AeValues::posted(&f),
                &sessions,
                Some(e.to_string()),
            );
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    let aid = cephalog_app::safety::add_adverse_event(&state.store, r.id, &event)
        .await?
        .id;
    audit::record(
        &state,
        &who,
        "adverse_event.add",
        "adverse_event",
        &aid.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&format!("/adverse-events/{aid}")).into_response())
}

/// The case `aid` and its patient, if `who` may do `need` to that patient; records the access.
async fn case_access(
    state: &AppState,
    who: &Principal,
    aid: Uuid,
    need: Need,
    action: &str,
) -> Result<(AdverseEventRecord, PatientRecord), WebError> {
    let not_found = || WebError::NotFound(format!("no adverse event {aid}"));
    let rec = match cephalog_app::safety::adverse_event(&state.store, aid).await {
        Ok(r) => r,
        Err(AppError::Store(StoreError::NotFound(_))) => return Err(not_found()),
        Err(e) => return Err(e.into()),
    };
    let p = audit::patient(state, who, rec.patient, need, action)
        .await
        .map_err(|e| match e {
            WebError::NotFound(_) => not_found(),
            other => other,
        })?;
    audit::record(
        state,
        who,
        action,
        "adverse_event",
        &aid.to_string(),
        Some(p.id),
    )
    .await?;
    Ok((rec, p))
}

#[derive(askama::Template)]
#[template(path = "adverse_event.html")]
struct CasePage {
    nav: Option<Nav>,
    p: PatientHeader,
    id: Uuid,
    facts: Vec<(&'static str, String)>,
    suspects: Vec<String>,
    narrative: String,
    serious: bool,
    urgent: Option<String>,
    /// Who acknowledged the urgent review, when, and what was decided.
    acknowledged: Option<(String, String, String)>,
    ack_error: Option<String>,
    icsr_valid: bool,
    missing: Vec<String>,
    export_missing: Vec<String>,
    due: String,
    overdue: bool,
    submitted: Option<NaiveDate>,
    sender_configured: bool,
    may_write: bool,
    today: NaiveDate,
}

/// What the case page is told after a refused acknowledgement.
#[derive(Debug, Default, Deserialize)]
struct CaseQuery {
    error: Option<String>,
}

async fn case_page(
    State(state): State<AppState>,
    who: Principal,
    Path(aid): Path<Uuid>,
    Query(q): Query<CaseQuery>,
) -> Result<Response, PageError> {
    let (rec, p) = case_access(&state, &who, aid, Need::ReadClinical, "adverse_event.read").await?;
    let today = state.today();
    let v = cephalog_app::safety::case_view(&state.store, &rec).await?;
    let acknowledged = v.acknowledgement.clone().map(|a| {
        (
            a.by,
            a.at.format("%Y-%m-%d %H:%M UTC").to_string(),
            a.decision,
        )
    });
    let e = &rec.event;
    let reporter = e.reporter();
    let mut export_missing = Vec::new();
    if e.meddra_code().is_none() {
        export_missing.push(cephalog_e2b::MissingElement::MeddraCode.to_string());
    }
    if e.narrative().is_empty() {
        export_missing.push(cephalog_e2b::MissingElement::Narrative.to_string());
    }
    let facts = vec![
        ("Reported term", e.reported_term().to_owned()),
        (
            "MedDRA code",
            e.meddra_code()
                .map_or_else(|| "not coded".to_owned(), ToString::to_string),
        ),
        ("Onset", e.onset().to_string()),
        (
            "Resolution",
            e.resolution()
                .map_or_else(|| "—".to_owned(), |d| d.to_string()),
        ),
        ("CTCAE grade", e.ctcae_grade().get().to_string()),
        (
            "Seriousness",
            if v.serious {
                format!(
                    "serious: {}",
                    e.seriousness()
                        .outcomes()
                        .map(|o| words(o.as_str()))
                        .collect::<Vec<_>>()
                        .join(", ")
                )
            } else {
                "non-serious".to_owned()
            },
        ),
        ("Action taken", words(e.action_taken().as_str())),
        ("Outcome", words(e.outcome().as_str())),
        ("Causality", words(e.causality().as_str())),
        (
            "Reporter",
            format!(
                "{}{}{}",
                reporter.display_name().unwrap_or_else(|| "—".to_owned()),
                reporter
                    .qualification()
                    .map(|q| format!(", {}", words(q.as_str())))
                    .unwrap_or_default(),
                reporter
                    .country()
                    .map(|c| format!(", {c}"))
                    .unwrap_or_default()
            ),
        ),
        ("Clinic aware", e.awareness_date().to_string()),
    ];
    Ok(render(&CasePage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&p, today)
            .titled("Adverse event")
            .in_tab("Adverse events"),
        id: aid,
        facts,
        suspects: e
            .suspect_products()
            .iter()
            .map(|s| {
                format!(
                    "{} on {}, lot {}, {} U",
                    s.product_name(),
                    s.session_date(),
                    s.lot_number().unwrap_or("—"),
                    s.dose_units().map_or(0.0, |d| d.get())
                )
            })
            .collect(),
        narrative: e.narrative().to_owned(),
        serious: v.serious,
        urgent: v.urgent_review.map(|u| u.reason),
        acknowledged,
        ack_error: q.error,
        icsr_valid: v.icsr.valid,
        missing: v.icsr.missing.iter().map(ToString::to_string).collect(),
        export_missing,
        due: format!(
            "{} ({} days from the clinic's awareness on {} for a {} case)",
            v.report_due,
            if v.serious {
                SERIOUS_REPORT_DAYS
            } else {
                NON_SERIOUS_REPORT_DAYS
            },
            e.awareness_date(),
            if v.serious { "serious" } else { "non-serious" }
        ),
        overdue: v.submitted_on.is_none() && v.report_due < today,
        submitted: v.submitted_on,
        sender_configured: state.config.e2b_sender.is_some(),
        may_write: patient_access(&who.user, &p, Need::WriteClinical).is_ok(),
        today,
    }))
}

async fn mark_submitted(
    State(state): State<AppState>,
    who: Principal,
    Path(aid): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (rec, _) = case_access(
        &state,
        &who,
        aid,
        Need::WriteClinical,
        "adverse_event.submitted",
    )
    .await?;
    let f = FormData::new(pairs);
    let today = state.today();
    let on = f.date("on", "Submitted on")?.unwrap_or(today);
    cephalog_app::safety::mark_submitted(&state.store, rec.id, on, today).await?;
    Ok(Redirect::to(&format!("/adverse-events/{aid}")).into_response())
}

/// Acknowledges the case's urgent review: the signed-in clinician or nurse, now, and what was
/// decided (required). An acknowledged flag leaves the worklist and no longer refuses the next
/// session.
async fn acknowledge(
    State(state): State<AppState>,
    who: Principal,
    Path(aid): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (rec, _) = case_access(
        &state,
        &who,
        aid,
        Need::WriteClinical,
        "adverse_event.acknowledge",
    )
    .await?;
    let f = FormData::new(pairs);
    let decision = f.text("decision");
    if decision.trim().is_empty() {
        return Ok(
            Redirect::to(&format!("/adverse-events/{aid}?error=decision#acknowledge"))
                .into_response(),
        );
    }
    cephalog_app::safety::acknowledge_urgent_review(
        &state.store,
        aid,
        &who.user.display_name,
        &decision,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "adverse_event.acknowledge",
        "adverse_event",
        &aid.to_string(),
        Some(rec.patient),
    )
    .await?;
    Ok(Redirect::to(&format!("/adverse-events/{aid}#urgent-review")).into_response())
}

/// An export refusal as a page: what the case lacks (422), or the clinic's settings (409).
fn export_error(e: ExportError) -> WebError {
    match e {
        ExportError::Incomplete { .. } => WebError::Invalid {
            field: None,
            message: e.to_string(),
        },
        ExportError::InvalidInput { field, .. }
            if field.starts_with("C.3")
                || field.starts_with("N.")
                || field.starts_with("E.i.2.1a") =>
        {
            WebError::Conflict(format!(
                "the clinic's E2B(R3) sender details are not usable: {e}"
            ))
        }
        ExportError::InvalidInput { .. } => WebError::Invalid {
            field: None,
            message: e.to_string(),
        },
        other => WebError::Internal(other.to_string()),
    }
}

/// When a message is created: now, or noon (UTC) of the fixed "today" a demonstration or test
/// runs on, so a case is never dated after its own message.
fn message_time(state: &AppState) -> DateTime<FixedOffset> {
    match state.config.clock {
        crate::Clock::Fixed(d) => d
            .and_hms_opt(12, 0, 0)
            .map_or_else(|| Utc::now().fixed_offset(), |t| t.and_utc().fixed_offset()),
        crate::Clock::System => Utc::now().fixed_offset(),
    }
}

fn attachment(content_type: &'static str, filename: String, body: String) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response()
}

async fn e2b_download(
    State(state): State<AppState>,
    who: Principal,
    Path(aid): Path<Uuid>,
) -> Result<Response, PageError> {
    let (rec, p) = case_access(
        &state,
        &who,
        aid,
        Need::ReadClinical,
        "adverse_event.export",
    )
    .await?;
    let Some(settings) = state.config.e2b_sender.as_ref() else {
        return Err(PageError(WebError::Conflict(
            "the clinic's sender details for E2B(R3) messages are not configured; an \
             administrator sets them with `cephalog serve --e2b-sender FILE` (or e2b_sender in \
             the settings file)"
                .to_owned(),
        )));
    };
    let patient = cephalog_app::safety::icsr_patient(&p).map_err(cephalog_app::AppError::from)?;
    let xml = cephalog_app::safety::e2b_message(&rec, &patient, settings, message_time(&state))
        .map_err(export_error)?;
    Ok(attachment(
        "application/xml; charset=utf-8",
        format!("case-{aid}-e2b-r3.xml"),
        xml,
    ))
}

async fn medwatch_download(
    State(state): State<AppState>,
    who: Principal,
    Path(aid): Path<Uuid>,
) -> Result<Response, PageError> {
    let (rec, p) = case_access(
        &state,
        &who,
        aid,
        Need::ReadClinical,
        "adverse_event.export",
    )
    .await?;
    let patient = cephalog_app::safety::icsr_patient(&p).map_err(cephalog_app::AppError::from)?;
    let json =
        cephalog_app::safety::medwatch_json(&rec, &patient, state.today()).map_err(export_error)?;
    Ok(attachment(
        "application/json",
        format!("case-{aid}-medwatch-3500.json"),
        json,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use cephalog_core::protocol::Plan;
    use cephalog_core::session::{Indication, Product, Session, SessionDraft, SiteDose, VialSize};

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn session(date: &str) -> SessionRecord {
        let s = Session::record(
            SessionDraft {
                date: d(date),
                indication: Indication::ChronicMigraine,
                product: Product::OnabotulinumtoxinA,
                vial_size: VialSize::U200,
                vials: 1,
                lot: "L1".into(),
                expiry: d("2030-01-01"),
                diluent: VialSize::U200.protocol_diluent(),
                sites: SiteDose::from_plan(&Plan::preempt()),
                injector: "Dr Lee".into(),
                prescriber: None,
                notes: String::new(),
            },
            d("2026-12-31"),
        )
        .expect("session");
        SessionRecord {
            id: Uuid::now_v7(),
            session: s,
            overrides: Vec::new(),
        }
    }

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::new(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    fn base() -> Vec<(&'static str, &'static str)> {
        vec![
            ("term", "Drooping eyelid (left)"),
            ("meddra", "10015995"),
            ("onset", "2026-03-10"),
            ("grade", "2"),
            ("action", "not_applicable"),
            ("outcome", "recovering"),
            ("causality", "possibly_related"),
            ("reporter_given", "Dana"),
            ("reporter_family", "Lee"),
            ("reporter_qualification", "physician"),
            ("reporter_country", "GB"),
            ("aware", "2026-03-11"),
            ("narrative", "Left ptosis 8 days after the session."),
        ]
    }

    #[test]
    fn the_latest_session_before_onset_is_the_suspect_by_default() {
        let sessions = [
            session("2025-12-01"),
            session("2026-03-02"),
            session("2026-03-20"),
        ];
        let e = event_from_form(&form(&base()), &sessions, d("2026-04-01")).expect("event");
        assert_eq!(e.suspect_products().len(), 1);
        assert_eq!(e.suspect_products()[0].session_date(), d("2026-03-02"));
        let review = e
            .distant_spread_review(&[d("2026-03-02")])
            .expect("boxed-warning symptom within the window");
        assert_eq!(review.days_after_session, 8);
        assert!(!e.is_serious());
    }

    #[test]
    fn ticked_sessions_and_serious_outcomes() {
        let sessions = [session("2025-12-01"), session("2026-03-02")];
        let first = sessions[0].id.to_string();
        let mut pairs = base();
        pairs.extend([
            ("session", first.as_str()),
            ("session", first.as_str()),
            ("serious", "hospitalization"),
            ("serious", "other_important_medical_event"),
        ]);
        let e = event_from_form(&form(&pairs), &sessions, d("2026-04-01")).expect("event");
        assert_eq!(e.suspect_products().len(), 1);
        assert_eq!(e.suspect_products()[0].session_date(), d("2025-12-01"));
        assert!(e.is_serious());
        assert_eq!(e.seriousness().outcomes().count(), 2);
    }

    #[test]
    fn errors_name_the_form_field() {
        let sessions = [session("2026-03-02")];
        let field = |pairs: Vec<(&str, &str)>| match event_from_form(
            &form(&pairs),
            &sessions,
            d("2026-04-01"),
        ) {
            Err(WebError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        };
        let with = |k: &str, v: &'static str| {
            base()
                .into_iter()
                .map(|(a, b)| if a == k { (a, v) } else { (a, b) })
                .collect::<Vec<_>>()
        };
        assert_eq!(field(with("term", " ")).as_deref(), Some("term"));
        assert_eq!(field(with("meddra", "123")).as_deref(), Some("meddra"));
        assert_eq!(field(with("grade", "6")).as_deref(), Some("grade"));
        assert_eq!(field(with("grade", "")).as_deref(), Some("grade"));
        assert_eq!(field(with("onset", "2026-04-02")).as_deref(), Some("onset"));
        assert_eq!(field(with("aware", "2026-03-01")).as_deref(), Some("aware"));
        assert_eq!(
            field(with("causality", "maybe")).as_deref(),
            Some("causality")
        );
        assert_eq!(
            field(with("reporter_country", "GBR")).as_deref(),
            Some("reporter_country")
        );
        assert_eq!(field(with("outcome", "fatal")).as_deref(), Some("serious"));
        let mut bad_session = base();
        bad_session.push(("session", "not-an-id"));
        assert_eq!(field(bad_session).as_deref(), Some("session"));
        let mut bad_serious = base();
        bad_serious.push(("serious", "very"));
        assert_eq!(field(bad_serious).as_deref(), Some("serious"));
    }

    #[test]
    fn without_sessions_a_case_is_kept_but_lacks_a_suspect_product() {
        let e = event_from_form(&form(&base()), &[], d("2026-04-01")).expect("event");
        assert!(e.suspect_products().is_empty());
    }
}
