//! MIDAS and HIT-6 over time, and the forms to enter them. A patient fills them in for themselves;
//! the clinic transcribes paper ones.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_core::prom::{Instrument, PromError, PromResult};
use cephalog_store::PatientRecord;

use super::form::FormData;
use super::pathway::{PromRow, instrument_label};
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
}

/// The MIDAS questions: five scored (days in the last 3 months) and two unscored, A and B
/// (Stewart et al., Neurology 2001;56(6 Suppl 1):S20–S28) [V].
pub const MIDAS_QUESTIONS: [(&str, &str); 7] = [
    (
        "midas1",
        "1. On how many days in the last 3 months did you miss work or school because of your headaches?",
    ),
    (
        "midas2",
        "2. How many days in the last 3 months was your productivity at work or school reduced by half or more because of your headaches? (Do not count days you counted in question 1.)",
    ),
    (
        "midas3",
        "3. On how many days in the last 3 months did you not do household work because of your headaches?",
    ),
    (
        "midas4",
        "4. How many days in the last 3 months was your productivity in household work reduced by half or more because of your headaches? (Do not count days you counted in question 3.)",
    ),
    (
        "midas5",
        "5. On how many days in the last 3 months did you miss family, social or leisure activities because of your headaches?",
    ),
    (
        "midas_a",
        "A. On how many days in the last 3 months did you have a headache? (If a headache lasted more than one day, count each day.) Not scored.",
    ),
    (
        "midas_b",
        "B. On a scale of 0 to 10, on average how painful were these headaches? (0 = no pain at all, 10 = pain as bad as it can be.) Not scored.",
    ),
];

/// The HIT-6 answers, their form values and words.
pub const HIT6_CHOICES: [(&str, &str); 5] = [
    ("never", "Never"),
    ("rarely", "Rarely"),
    ("sometimes", "Sometimes"),
    ("very_often", "Very often"),
    ("always", "Always"),
];

/// The field of the form an error of the scorer points to.
fn prom_field(e: &PromError) -> String {
    match e {
        PromError::MidasDays { item, .. } if *item == 6 => "midas_a".to_owned(),
        PromError::MidasDays { item, .. } => format!("midas{item}"),
        PromError::MidasPairOver { second, .. } => format!("midas{second}"),
        PromError::MidasPain(_) => "midas_b".to_owned(),
        PromError::Hit6Answer { item, .. } => format!("hit6_{item}"),
        PromError::MidasCount(_) => "midas1".to_owned(),
        PromError::Hit6Count(_) => "hit6_1".to_owned(),
        PromError::UnknownInstrument(_) => "instrument".to_owned(),
    }
}

/// The answers of a posted MIDAS form, in the order the scorer takes them: the five scored items,
/// then A and B when given.
pub(crate) fn midas_answers(f: &FormData) -> Result<Vec<String>, WebError> {
    let mut answers = Vec::with_capacity(7);
    for i in 1..=5 {
        let name = format!("midas{i}");
        let v = f.get(&name).ok_or_else(|| {
            WebError::invalid(
                &name,
                format!("MIDAS question {i}: give a number of days (0 if none)"),
            )
        })?;
        answers.push(v.to_owned());
    }
    match (f.get("midas_a"), f.get("midas_b")) {
        (Some(a), Some(b)) => answers.extend([a.to_owned(), b.to_owned()]),
        (Some(a), None) => answers.push(a.to_owned()),
        (None, Some(_)) => {
            return Err(WebError::invalid(
                "midas_a",
                "MIDAS question A: give the headache days too when you answer question B",
            ));
        }
        (None, None) => {}
    }
    Ok(answers)
}

/// The six answers of a posted HIT-6 form.
pub(crate) fn hit6_answers(f: &FormData) -> Result<Vec<String>, WebError> {
    (1..=6)
        .map(|i| {
            let name = format!("hit6_{i}");
            f.get(&name).map(str::to_owned).ok_or_else(|| {
                WebError::invalid(&name, format!("HIT-6 question {i}: choose an answer"))
            })
        })
        .collect()
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
    let answers = match instrument {
        Instrument::Midas => midas_answers(f)?,
        Instrument::Hit6 => hit6_answers(f)?,
    };
    let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
    PromResult::score(instrument, &refs)
        .and_then(|r| r.check_plausible())
        .map_err(|e| WebError::invalid(prom_field(&e), e))?;
    Ok((date, instrument, answers))
}

/// One HIT-6 question of the form: its number, field name and the answer chosen.
#[derive(Debug, Clone)]
pub struct Hit6Item {
    pub number: usize,
    pub name: String,
    pub chosen: String,
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
    midas: Vec<(&'static str, &'static str, String)>,
    midas_date: String,
    hit6: Vec<Hit6Item>,
    hit6_date: String,
    choices: [(&'static str, &'static str); 5],
    error: Option<String>,
    saved: Option<String>,
}

impl QuestionnairesPage {
    fn midas_max(&self, name: &str) -> u32 {
        if name == "midas_b" { 10 } else { 90 }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct SavedQuery {
    saved: Option<String>,
}

async fn build(
    state: &AppState,
    who: &Principal,
    r: &PatientRecord,
    posted: Option<&FormData>,
    error: Option<String>,
    saved: Option<String>,
) -> Result<QuestionnairesPage, WebError> {
    let today = state.today();
    let sessions = cephalog_app::migraine_session_dates(&state.store, r.id).await?;
    let proms = cephalog_app::proms_by_cycle(&state.store, r.id, &sessions).await?;
    let entries: Vec<cephalog_core::prom::PromEntry> = state
        .store
        .proms(r.id)
        .await?
        .into_iter()
        .map(|(_, e)| e)
        .collect();
    let own = who.user.patient_id == Some(r.id);
    // The form a refused entry came from keeps its answers.
    let failed = match posted.and_then(|f| f.get("instrument")) {
        Some("hit6") => "hit6",
        Some(_) => "midas",
        None => "",
    };
    let value = |name: &str, form: &str| {
        posted
            .filter(|_| failed == form)
            .map(|f| f.text(name))
            .unwrap_or_default()
    };
    let date_default = |form: &str| {
        let v = value("date", form);
        if v.is_empty() { today.to_string() } else { v }
    };
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
                instrument: instrument_label(p.instrument),
                total: p.total,
                interpretation: p.interpretation.clone(),
            })
            .collect(),
        chart: super::overview::proms_chart(&entries, &sessions),
        today,
        may_write: patient_access(&who.user, r, Need::WriteQuestionnaire).is_ok(),
        midas: MIDAS_QUESTIONS
            .iter()
            .map(|(name, text)| (*name, *text, value(name, "midas")))
            .collect(),
        midas_date: date_default("midas"),
        hit6: (1..=6)
            .map(|i| {
                let name = format!("hit6_{i}");
                Hit6Item {
                    number: i,
                    chosen: value(&name, "hit6"),
                    name,
                }
            })
            .collect(),
        hit6_date: date_default("hit6"),
        choices: HIT6_CHOICES,
        error,
        saved,
    })
}

async fn page(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<SavedQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "questionnaires.read").await?;
    let saved = q.saved.as_deref().map(|s| match s {
        "hit6" => "HIT-6 saved. Thank you.".to_owned(),
        _ => "MIDAS saved. Thank you.".to_owned(),
    });
    Ok(render(&build(&state, &who, &r, None, None, saved).await?))
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
            let page = build(&state, &who, &r, Some(&f), Some(e.to_string()), None).await?;
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    // The store refuses what only it can judge (a date before the age questionnaires are taken
    // at, a second answer set on one date): the form comes back with the reason.
    let (qid, _) = match state
        .store
        .add_prom(r.id, date, instrument, &answers, state.today())
        .await
    {
        Ok(done) => done,
        Err(e) => {
            let e = WebError::from(e);
            if !matches!(e, WebError::Invalid { .. } | WebError::Conflict(_)) {
                return Err(e.into());
            }
            let page = build(&state, &who, &r, Some(&f), Some(e.to_string()), None).await?;
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
    Ok(Redirect::to(&format!(
        "/patients/{}/questionnaires?saved={}",
        r.id,
        instrument.as_str()
    ))
    .into_response())
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
                &form(&[("instrument", "phq9")]),
                today()
            ))
            .as_deref(),
            Some("instrument")
        );
    }
}
