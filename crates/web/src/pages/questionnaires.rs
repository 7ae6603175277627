//! The questionnaires over time, and a form for each instrument of the registry. A patient fills
//! them in for themselves; the clinic transcribes paper ones.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_core::prom::{Instrument, InstrumentDef, Item, PromError, PromResult, Scale, Wording};
use cephalog_store::PatientRecord;

use super::form::FormData;
use super::pathway::PromRow;
use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::layout::PatientHeader;
use crate::policy::{Need, patient_access};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/patients/{id}/questionnaires", page)
        .post("/patients/{id}/questionnaires", save)
        .post(
            "/patients/{id}/questionnaires/{questionnaire}/review",
            review,
        )
}

/// The field of the form an error of the scorer points to.
fn prom_field(def: &InstrumentDef, e: &PromError) -> String {
    match (e, e.position()) {
        (PromError::UnknownInstrument(_), _) => "instrument".to_owned(),
        (_, Some(i)) => def
            .items
            .get(i)
            .map_or("instrument", |x| x.field)
            .to_owned(),
        (_, None) => def
            .items
            .first()
            .map_or("instrument", |x| x.field)
            .to_owned(),
    }
}

/// The answers of a posted form, in the order the scorer takes them: every required item, then
/// the optional ones given, each only after the one before it.
pub(crate) fn form_answers(def: &InstrumentDef, f: &FormData) -> Result<Vec<String>, WebError> {
    let mut answers = Vec::with_capacity(def.items.len());
    let mut skipped: Option<&Item> = None;
    for item in def.items {
        match f.get(item.field) {
            Some(v) => {
                if let Some(before) = skipped {
                    return Err(WebError::invalid(
                        before.field,
                        format!(
                            "{} question {}: answer it too when you answer question {}",
                            def.label, before.link, item.link
                        ),
                    ));
                }
                answers.push(v.to_owned());
            }
            None if item.optional => skipped = skipped.or(Some(item)),
            None => {
                let what = match item.scale {
                    Scale::Count { unit, .. } => format!("give a number of {unit} (0 if none)"),
                    Scale::Choice(_) => "choose an answer".to_owned(),
                };
                return Err(WebError::invalid(
                    item.field,
                    format!("{} question {}: {what}", def.label, item.link),
                ));
            }
        }
    }
    Ok(answers)
}

/// A posted questionnaire: its date (today when blank; never in the future), instrument and
/// answers, checked by scoring them.
pub(crate) fn questionnaire_from_form(
    f: &FormData,
    today: NaiveDate,
) -> Result<(NaiveDate, Instrument, Vec<String>), WebError> {
    let instrument: Instrument = f
        .required("instrument", "Questionnaire")?
        .parse()
        .map_err(|e| WebError::invalid("instrument", e))?;
    let date = f.date("date", "Date")?.unwrap_or(today);
    if date > today {
        return Err(WebError::invalid(
            "date",
            format!("Date: {date} is in the future"),
        ));
    }
    let def = instrument.def();
    let answers = form_answers(def, f)?;
    let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
    PromResult::score(instrument, &refs)
        .and_then(|r| r.check_plausible())
        .map_err(|e| WebError::invalid(prom_field(def, &e), e))?;
    Ok((date, instrument, answers))
}

/// A questionnaire awaiting its same-day review, in words: "PHQ-9 of 2026-05-01: …".
pub(crate) fn alert_text(a: &cephalog_app::safety::QuestionnaireAlert) -> String {
    format!(
        "{} of {}: {}",
        a.instrument.label(),
        a.date,
        a.reasons.join("; ")
    )
}

/// One question of a form.
#[derive(Debug, Clone)]
pub struct FormItem {
    pub field: &'static str,
    /// "1. Little interest …", or "HIT-6 question 1" for a licensed instrument.
    pub text: String,
    /// The count's maximum, for a number field.
    pub max: Option<u8>,
    /// The answers (value, words), for a choice.
    pub choices: Vec<(&'static str, &'static str)>,
    pub required: bool,
    /// The value given or chosen, when a refused form comes back.
    pub value: String,
}

/// One instrument's form.
#[derive(Debug, Clone)]
pub struct FormView {
    pub code: &'static str,
    pub label: &'static str,
    pub title: &'static str,
    pub preamble: &'static str,
    pub date: String,
    pub items: Vec<FormItem>,
}

#[derive(askama::Template)]
#[template(path = "questionnaires.html")]
struct QuestionnairesPage {
    nav: Option<Nav>,
    own: bool,
    p: PatientHeader,
    rows: Vec<PromRow>,
    chart: Option<String>,
    today: NaiveDate,
    may_write: bool,
    forms: Vec<FormView>,
    /// What the bands mean, one line per instrument.
    bands: Vec<String>,
    error: Option<String>,
    saved: Option<String>,
    /// Answers awaiting a clinician's same-day review: (id, what it says).
    awaiting: Vec<(Uuid, String)>,
    /// The signed-in user may record a review.
    may_review: bool,
    /// What the saved answers' alert says: to the patient, or to the clinician who entered them.
    alert: Option<&'static str>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
    alert: Option<String>,
}

async fn build(
    state: &AppState,
    who: &Principal,
    r: &PatientRecord,
    posted: Option<&FormData>,
    error: Option<String>,
    saved: Option<String>,
    alert: Option<&'static str>,
) -> Result<QuestionnairesPage, WebError> {
    let today = state.today();
    let sessions = cephalog_app::migraine_session_dates(&state.store, r.id).await?;
    let proms = cephalog_app::proms_by_cycle(&state.store, r.id, &sessions).await?;
    let entries: Vec<cephalog_core::prom::PromEntry> =
        cephalog_app::pathway::questionnaires(&state.store, r.id)
            .await?
            .into_iter()
            .map(|(_, e)| e)
            .collect();
    let own = who.user.patient_id == Some(r.id);
    // The form a refused entry came from keeps its answers.
    let failed = posted.and_then(|f| f.get("instrument")).unwrap_or("");
    let value = |name: &str, form: &str| {
        posted
            .filter(|_| failed == form)
            .map(|f| f.text(name))
            .unwrap_or_default()
    };
    let forms = Instrument::ALL
        .into_iter()
        .map(|i| {
            let def = i.def();
            let date = value("date", def.code);
            FormView {
                code: def.code,
                label: def.label,
                title: def.title,
                preamble: def.preamble,
                date: if date.is_empty() {
                    today.to_string()
                } else {
                    date
                },
                items: def
                    .items
                    .iter()
                    .map(|item| FormItem {
                        field: item.field,
                        text: match def.wording {
                            Wording::Shipped => format!("{}. {}", item.link, item.text),
                            Wording::Licensed => format!("{} question {}", def.label, item.link),
                        },
                        max: match item.scale {
                            Scale::Count { max, .. } => Some(max),
                            Scale::Choice(_) => None,
                        },
                        choices: match item.scale {
                            Scale::Count { .. } => Vec::new(),
                            Scale::Choice(c) => {
                                c.choices.iter().map(|c| (c.code, c.label)).collect()
                            }
                        },
                        required: !item.optional,
                        value: value(item.field, def.code),
                    })
                    .collect(),
            }
        })
        .collect();
    Ok(QuestionnairesPage {
        nav: Some(Nav::for_user(
            who,
            &format!("/patients/{}/questionnaires", r.id),
        )),
        own,
        p: PatientHeader::of(r, today).titled("Questionnaires"),
        rows: proms
            .iter()
            .rev()
            .map(|p| PromRow {
                period: p.period.clone(),
                date: p.date,
                instrument: p.instrument.label(),
                total: p.total,
                interpretation: p.interpretation.clone(),
            })
            .collect(),
        chart: super::overview::proms_chart(&entries, &sessions),
        today,
        may_write: patient_access(&who.user, r, Need::WriteQuestionnaire).is_ok(),
        forms,
        awaiting: if own {
            Vec::new()
        } else {
            cephalog_app::safety::questionnaires_awaiting_review(&state.store, None, Some(r.id))
                .await?
                .iter()
                .map(|a| (a.questionnaire, alert_text(a)))
                .collect()
        },
        may_review: patient_access(&who.user, r, Need::WriteClinical).is_ok(),
        bands: Instrument::ALL.map(|i| i.def().bands_text()).to_vec(),
        error,
        saved,
        alert,
    })
}

async fn page(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "questionnaires.read").await?;
    let saved_instrument = q
        .saved
        .as_deref()
        .and_then(|s| s.parse::<Instrument>().ok());
    let saved = saved_instrument.map(|i| format!("{} saved. Thank you.", i.label()));
    // The alert the saved answers raised, named by its place in the instrument's list.
    let alert = saved_instrument.zip(q.alert.as_deref()).and_then(|(i, n)| {
        n.parse::<usize>()
            .ok()
            .and_then(|n| i.def().alerts.get(n))
            .map(|a| {
                if who.user.patient_id == Some(r.id) {
                    a.patient
                } else {
                    a.clinician
                }
            })
    });
    Ok(render(
        &build(&state, &who, &r, None, None, saved, alert).await?,
    ))
}

async fn save(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(
        &state,
        &who,
        id,
        Need::WriteQuestionnaire,
        "questionnaire.add",
    )
    .await?;
    let f = FormData::new(pairs);
    let (date, instrument, answers) = match questionnaire_from_form(&f, state.today()) {
        Ok(x) => x,
        Err(e) => {
            let page = build(&state, &who, &r, Some(&f), Some(e.to_string()), None, None).await?;
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    // The store refuses what only it can judge (a date before the age questionnaires are taken
    // at, a second answer set on one date): the form comes back with the reason.
    let (qid, result) = match cephalog_app::pathway::add_questionnaire(
        &state.store,
        r.id,
        date,
        instrument,
        &answers,
        state.today(),
    )
    .await
    {
        Ok(done) => done,
        Err(e) => {
            let e = WebError::from(e);
            if !matches!(e, WebError::Invalid { .. } | WebError::Conflict(_)) {
                return Err(e.into());
            }
            let page = build(&state, &who, &r, Some(&f), Some(e.to_string()), None, None).await?;
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    audit::record(
        &state,
        &who,
        "questionnaire.add",
        "questionnaire",
        &qid.to_string(),
        Some(r.id),
    )
    .await?;
    // The first alert raised, by its place in the instrument's list.
    let raised = result.alerts();
    let alert = instrument
        .def()
        .alerts
        .iter()
        .position(|a| raised.contains(&a))
        .map(|n| format!("&alert={n}"))
        .unwrap_or_default();
    Ok(Redirect::to(&format!(
        "/patients/{}/questionnaires?saved={}{alert}",
        r.id,
        instrument.as_str()
    ))
    .into_response())
}

/// Records the signed-in clinician's same-day review of a questionnaire and what was decided
/// (required); a reviewed questionnaire leaves the worklist.
async fn review(
    State(state): State<AppState>,
    who: Principal,
    Path((id, qid)): Path<(Uuid, Uuid)>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(
        &state,
        &who,
        id,
        Need::WriteClinical,
        "questionnaire.review",
    )
    .await?;
    let f = FormData::new(pairs);
    let decision = f.text("decision");
    if decision.trim().is_empty() {
        return Err(WebError::invalid("decision", "Decision: say what was decided").into());
    }
    cephalog_app::safety::review_questionnaire(
        &state.store,
        r.id,
        qid,
        &who.user.display_name,
        &decision,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "questionnaire.review",
        "questionnaire",
        &qid.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&format!("/patients/{}/questionnaires", r.id)).into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::new(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 5, 1).expect("date")
    }

    fn field_of(r: Result<(NaiveDate, Instrument, Vec<String>), WebError>) -> Option<String> {
        match r {
            Err(WebError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        }
    }

    #[test]
    fn midas_with_and_without_the_unscored_items() {
        let base = [
            ("instrument", "midas"),
            ("date", "2026-04-30"),
            ("midas1", "3"),
            ("midas2", "2"),
            ("midas3", "0"),
            ("midas4", " 1 "),
            ("midas5", "4"),
        ];
        let (date, i, a) = questionnaire_from_form(&form(&base), today()).expect("midas");
        assert_eq!(date, NaiveDate::from_ymd_opt(2026, 4, 30).expect("date"));
        assert_eq!(i, Instrument::Midas);
        assert_eq!(a, ["3", "2", "0", "1", "4"]);
        let mut full = base.to_vec();
        full.extend([("midas_a", "40"), ("midas_b", "7")]);
        let (_, _, a) = questionnaire_from_form(&form(&full), today()).expect("midas");
        assert_eq!(a.len(), 7);
        let mut only_b = base.to_vec();
        only_b.push(("midas_b", "7"));
        assert_eq!(
            field_of(questionnaire_from_form(&form(&only_b), today())).as_deref(),
            Some("midas_a")
        );
    }

    #[test]
    fn midas_errors_point_at_the_question() {
        let mut f = vec![
            ("instrument", "midas"),
            ("midas1", "1"),
            ("midas2", "2"),
            ("midas3", "91"),
            ("midas4", "1"),
            ("midas5", "1"),
        ];
        assert_eq!(
            field_of(questionnaire_from_form(&form(&f), today())).as_deref(),
            Some("midas3")
        );
        f[3] = ("midas3", "1");
        f.extend([("midas_a", "10"), ("midas_b", "11")]);
        assert_eq!(
            field_of(questionnaire_from_form(&form(&f), today())).as_deref(),
            Some("midas_b")
        );
        assert_eq!(
            field_of(questionnaire_from_form(
                &form(&[("instrument", "midas"), ("midas1", "1")]),
                today()
            ))
            .as_deref(),
            Some("midas2")
        );
    }

    #[test]
    fn hit6_needs_six_answers_and_no_future_date() {
        let mut f = vec![
            ("instrument", "hit6"),
            ("hit6_1", "never"),
            ("hit6_2", "rarely"),
            ("hit6_3", "sometimes"),
            ("hit6_4", "very_often"),
            ("hit6_5", "always"),
            ("hit6_6", "always"),
        ];
        let (date, i, a) = questionnaire_from_form(&form(&f), today()).expect("hit6");
        assert_eq!((date, i), (today(), Instrument::Hit6));
        let refs: Vec<&str> = a.iter().map(String::as_str).collect();
        assert_eq!(
            PromResult::score(Instrument::Hit6, &refs)
                .expect("score")
                .total(),
            6 + 8 + 10 + 11 + 13 + 13
        );
        f.push(("date", "2026-05-02"));
        assert_eq!(
            field_of(questionnaire_from_form(&form(&f), today())).as_deref(),
            Some("date")
        );
        f.pop();
        f[3] = ("hit6_3", "often");
        assert_eq!(
            field_of(questionnaire_from_form(&form(&f), today())).as_deref(),
            Some("hit6_3")
        );
        f.remove(6);
        assert_eq!(
            field_of(questionnaire_from_form(&form(&f), today())).as_deref(),
            Some("hit6_6")
        );
        assert_eq!(
            field_of(questionnaire_from_form(
                &form(&[("instrument", "sf36")]),
                today()
            ))
            .as_deref(),
            Some("instrument")
        );
    }
}
