//! The clinic's pages: the worklist, the patient list, a patient's overview and access log, and
//! the clinic's adverse events.

use std::collections::HashMap;

use axum::Form;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_core::eligibility::Verdict;
use cephalog_core::schedule::ScheduleEntry;
use cephalog_store::PatientRecord;

use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
pub use crate::layout::PatientHeader;
use crate::policy::{ClinicNeed, Need};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/worklist", worklist)
        .get("/patients", patients)
        .post("/patients", add_patient)
        .get("/patients/{id}", overview)
        .get("/patients/{id}/access-log", access_log)
}

/// The rule set the worklist's "awaiting eligibility" list is checked against.
pub const WORKLIST_RULE_SET: &str = cephalog_app::defaults::ELIGIBILITY_RULES;

#[derive(Debug, Clone)]
pub struct Row {
    pub id: Uuid,
    pub name: String,
    pub mrn: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct Section {
    pub id: &'static str,
    pub title: &'static str,
    pub empty: &'static str,
    pub rows: Vec<Row>,
}

#[derive(askama::Template)]
#[template(path = "worklist.html")]
struct WorklistPage {
    nav: Option<Nav>,
    today: NaiveDate,
    basis: String,
    sections: Vec<Section>,
}

fn row(p: &PatientRecord, detail: String) -> Row {
    Row {
        id: p.id,
        name: p.patient.name().to_owned(),
        mrn: p.patient.mrn().unwrap_or("—").to_owned(),
        detail,
    }
}

fn schedule_rows(
    entries: &[ScheduleEntry<cephalog_app::Who>],
    by_id: &HashMap<Uuid, &PatientRecord>,
    detail: impl Fn(&ScheduleEntry<cephalog_app::Who>) -> String,
) -> Vec<Row> {
    entries
        .iter()
        .filter_map(|e| by_id.get(&e.patient.id).map(|p| row(p, detail(e))))
        .collect()
}

async fn worklist(State(state): State<AppState>, who: Principal) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "worklist.read").await?;
    let today = state.today();
    let rules = cephalog_app::find_rule_set(&state.rules, WORKLIST_RULE_SET).ok();
    let w =
        cephalog_app::worklist::worklist(&state.store, rules, who.user.clinic_id, today).await?;
    let by_id: HashMap<Uuid, &PatientRecord> = w.patients.iter().map(|p| (p.id, p)).collect();
    let schedule = &w.schedule;
    let with = |id: Uuid, detail: String| by_id.get(&id).map(|p| row(p, detail));

    // Answers that need a clinician today (PHQ-9 item 9 above 0) head the worklist.
    let same_day: Vec<Row> = w
        .questionnaire_alerts
        .iter()
        .filter_map(|a| {
            with(
                a.patient,
                format!("URGENT: {}", super::questionnaires::alert_text(a)),
            )
        })
        .collect();
    let awaiting: Vec<Row> = w
        .awaiting_eligibility
        .iter()
        .filter_map(|a| {
            let verdict = match a.verdict {
                Verdict::Eligible => "every criterion met",
                Verdict::NotEligible => "a criterion is not met",
                Verdict::InsufficientInformation => "information missing",
            };
            with(a.patient, format!("{}: {verdict}", a.rules))
        })
        .collect();
    let flagged: Vec<Row> = w
        .flagged_events
        .iter()
        .filter_map(|e| {
            let mut why = Vec::new();
            if let Some(u) = &e.urgent {
                why.push(format!(
                    "URGENT REVIEW: {} {} days after the session of {}",
                    u.symptom.label(),
                    u.days_after_session,
                    u.session_date
                ));
            }
            if let Some(due) = e.report_due {
                why.push(if due < today {
                    format!("serious, report overdue since {due}")
                } else {
                    format!("serious, report due {due}")
                });
            }
            with(
                e.patient,
                format!("{} (onset {}): {}", e.term, e.onset, why.join("; ")),
            )
        })
        .collect();
    let quiet: Vec<Row> = w
        .quiet_diaries
        .iter()
        .filter_map(|(id, last)| {
            with(
                *id,
                match last {
                    Some(last) => {
                        format!("last entry {last}, {} days ago", (today - *last).num_days())
                    }
                    None => "no diary entries yet".to_owned(),
                },
            )
        })
        .collect();

    let page = WorklistPage {
        nav: Some(Nav::for_user(&who, "/worklist")),
        today,
        basis: schedule.basis.clone(),
        sections: vec![
            Section {
                id: "same-day-review",
                title: "Same-day review: questionnaire answers",
                empty: "No questionnaire answer needs a review today.",
                rows: same_day,
            },
            Section {
                id: "overdue",
                title: "Overdue for treatment",
                empty: "Nobody is overdue.",
                rows: schedule_rows(&schedule.overdue, &by_id, |e| {
                    format!(
                        "last session {}, {} days past the window",
                        e.last_session, e.days_past_latest
                    )
                }),
            },
            Section {
                id: "due",
                title: "Due for treatment",
                empty: "Nobody is due.",
                rows: schedule_rows(&schedule.due, &by_id, |e| {
                    format!("last session {}, due by {}", e.last_session, e.latest_due)
                }),
            },
            Section {
                id: "too-early",
                title: "Too early for the next session",
                empty: "Nobody is waiting.",
                rows: schedule_rows(&schedule.too_early, &by_id, |e| {
                    format!(
                        "last session {}, due from {}",
                        e.last_session, e.earliest_due
                    )
                }),
            },
            Section {
                id: "awaiting-eligibility",
                title: "Awaiting eligibility (chronic migraine, not yet treated)",
                empty: "Nobody is waiting for an eligibility decision.",
                rows: awaiting,
            },
            Section {
                id: "flagged-events",
                title: "Flagged adverse events",
                empty: "No adverse event needs attention.",
                rows: flagged,
            },
            Section {
                id: "quiet-diaries",
                title: "Diaries gone quiet",
                empty: "Every diary is up to date.",
                rows: quiet,
            },
        ],
    };
    Ok(render(&page))
}

#[derive(askama::Template)]
#[template(path = "patients.html")]
struct PatientsPage {
    nav: Option<Nav>,
    rows: Vec<Row>,
    error: Option<String>,
}

async fn patients(State(state): State<AppState>, who: Principal) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "patients.list").await?;
    let today = state.today();
    let rows = cephalog_app::patients::list(&state.store, Some(who.user.clinic_id))
        .await?
        .iter()
        .map(|p| {
            let dx: Vec<&str> = p
                .patient
                .diagnoses()
                .iter()
                .map(|d| d.code.name())
                .collect();
            row(
                p,
                format!("age {}; {}", p.patient.age_on(today), dx.join(", ")),
            )
        })
        .collect();
    Ok(render(&PatientsPage {
        nav: Some(Nav::for_user(&who, "/patients")),
        rows,
        error: None,
    }))
}

#[derive(Deserialize)]
struct NewPatient {
    name: String,
    mrn: String,
    date_of_birth: String,
    sex: String,
}

async fn add_patient(
    State(state): State<AppState>,
    who: Principal,
    Form(f): Form<NewPatient>,
) -> Result<Response, PageError> {
    audit::clinic(&state, &who, ClinicNeed::AddPatient, "patient.add").await?;
    let dob: NaiveDate = f.date_of_birth.trim().parse().map_err(|_| {
        WebError::invalid(
            "date_of_birth",
            "the date of birth must be written YYYY-MM-DD",
        )
    })?;
    let sex = match f.sex.trim() {
        "" => None,
        s => Some(s.parse().map_err(|e| WebError::invalid("sex", e))?),
    };
    let mrn = Some(f.mrn.trim().to_owned()).filter(|m| !m.is_empty());
    let p = cephalog_core::Patient::new(&f.name, dob, sex, mrn, String::new(), state.today())
        .map_err(|e| WebError::invalid(e.field(), e))?;
    let r = cephalog_app::patients::add(&state.store, who.user.clinic_id, &p).await?;
    audit::record(
        &state,
        &who,
        "patient.add",
        "patient",
        &r.id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&format!("/patients/{}", r.id)).into_response())
}

#[derive(askama::Template)]
#[template(path = "patient.html")]
struct OverviewPage {
    nav: Option<Nav>,
    p: PatientHeader,
    classification: Vec<(String, String)>,
    classification_note: String,
    extras: super::overview::OverviewExtras,
    /// The visit summary's default period, for the download form.
    visit_from: String,
    visit_to: String,
    share: super::reports::ShareLinks,
}

async fn overview(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    axum::extract::Query(q): axum::extract::Query<super::overview::MonthQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "patient.read").await?;
    let today = state.today();
    let ctx = cephalog_app::patient::PatientContext::load(&state.store, r.clone()).await?;
    let c = ctx.classification(today);
    let classification = [
        ("Chronic migraine (ICHD-3 1.3)", &c.chronic_migraine),
        (
            "Chronic tension-type headache (ICHD-3 2.3)",
            &c.chronic_tension_type,
        ),
        ("Medication overuse (ICHD-3 8.2)", &c.medication_overuse),
        (
            "Occipital neuralgia (ICHD-3 13.4, diary part)",
            &c.occipital_neuralgia,
        ),
    ]
    .into_iter()
    .map(|(name, r)| {
        let mut text = r.summary.clone();
        for reason in &r.reasons {
            text.push_str("; ");
            text.push_str(reason);
        }
        (name.to_owned(), text)
    })
    .collect();
    Ok(render(&OverviewPage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&r, today),
        classification,
        classification_note: format!(
            "Headache days under preset {}; {}. Diary criteria only: the diagnosis is the clinician's.",
            c.preset, c.months_rule
        ),
        extras: super::overview::extras(&state, &ctx, q.month.as_deref())?,
        visit_from: (today - chrono::Duration::days(super::reports::VISIT_DEFAULT_DAYS - 1))
            .to_string(),
        visit_to: today.to_string(),
        share: super::reports::share_links(&state, &r, "overview").await?,
    }))
}

#[derive(askama::Template)]
#[template(path = "access_log.html")]
struct AccessLogPage {
    nav: Option<Nav>,
    p: PatientHeader,
    entries: Vec<cephalog_auth::ChainedEntry>,
}

async fn access_log(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadAccessLog, "audit.read").await?;
    let mut entries = state.store.audit_trail(Some(r.id)).await?;
    entries.reverse();
    Ok(render(&AccessLogPage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&r, state.today()).titled("Access log"),
        entries,
    }))
}
