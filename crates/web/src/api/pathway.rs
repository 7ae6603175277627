//! The treatment pathway before and after the first session: rule sets, eligibility, the
//! preventive ledger, the medication-overuse attestation, questionnaires and the response to
//! treatment.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cephalog_app::ResponseView;
use cephalog_core::eligibility::{Attestation, Eligibility};
use cephalog_core::preventives::{
    PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial,
};
use cephalog_core::prom::{Instrument, PromError, PromResult};

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::{ClinicNeed, Need};

/// A rule set: eligibility criteria and continuation rules with the day preset they count under.
#[derive(Debug, Serialize, ToSchema)]
pub struct RuleSetJson {
    /// Used in `?rules=`, e.g. `nice-ta260`.
    pub id: String,
    pub name: String,
    pub version: String,
    /// The document the rule set encodes.
    pub source: String,
    /// Day-definition preset: any, label-4h or ihs-30min.
    pub preset: String,
    pub notes: Option<String>,
    /// Ids of the start criteria.
    pub criteria: Vec<String>,
    /// Ids of the continuation (stopping) rules.
    pub continuation: Vec<String>,
}

/// The rule sets this server knows: the shipped ones and the clinic's own.
#[utoipa::path(get, path = "/rule-sets", tag = "pathway",
    responses((status = 200, body = Vec<RuleSetJson>), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn rule_sets(
    State(state): State<AppState>,
    who: Principal,
) -> Result<Json<Vec<RuleSetJson>>, ApiError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "rules.list").await?;
    Ok(Json(
        state
            .rules
            .iter()
            .map(|s| RuleSetJson {
                id: s.id.clone(),
                name: s.name.clone(),
                version: s.version.clone(),
                source: s.source.clone(),
                preset: s.preset.to_string(),
                notes: s.notes.clone(),
                criteria: s.criteria.iter().map(|c| c.id.clone()).collect(),
                continuation: s.continuation.iter().map(|c| c.id.clone()).collect(),
            })
            .collect(),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct EligibilityQuery {
    /// Rule set id (default: fda-label); see `/rule-sets`.
    pub rules: Option<String>,
    /// The date to evaluate on (default: today).
    pub on: Option<NaiveDate>,
}

/// Every criterion of a rule set met, not met or unknown, with its evidence (numbers, months,
/// records) and source, and the verdict. Decision support: the clinician decides.
#[utoipa::path(get, path = "/patients/{id}/eligibility", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), EligibilityQuery),
    responses((status = 200, description = "The eligibility: rule set, preset, date, verdict (eligible, not_eligible, insufficient_information) and per criterion its outcome (met, not_met, unknown), evidence, source and months", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn eligibility(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<EligibilityQuery>,
) -> Result<Json<Eligibility>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "eligibility.read").await?;
    let rules = cephalog_app::find_rule_set(
        &state.rules,
        q.rules
            .as_deref()
            .unwrap_or(cephalog_app::defaults::ELIGIBILITY_RULES),
    )?;
    let on = q.on.unwrap_or_else(|| state.today());
    Ok(Json(
        cephalog_app::eligibility(&state.store, rules, &r, on).await?,
    ))
}

/// One preventive trial of the ledger.
#[derive(Debug, Serialize, ToSchema)]
pub struct PreventiveJson {
    pub id: Uuid,
    pub drug: String,
    /// beta_blocker, anticonvulsant, tricyclic_snri, candesartan, flunarizine, cgrp_antibody,
    /// gepant_prevention or other.
    pub class: String,
    pub start: Option<NaiveDate>,
    pub stop: Option<NaiveDate>,
    pub dose: Option<String>,
    /// not_effective, not_tolerated, contraindicated or ongoing.
    pub outcome: String,
    pub reason: String,
    /// Days from start to stop (or to the ledger's date while ongoing).
    pub trial_days: Option<i64>,
}

impl PreventiveJson {
    fn of(id: Uuid, t: &PreventiveTrial, on: NaiveDate) -> Self {
        PreventiveJson {
            id,
            drug: t.drug().to_owned(),
            class: t.class().as_str().to_owned(),
            start: t.start(),
            stop: t.stop(),
            dose: t.dose().map(str::to_owned),
            outcome: t.outcome().as_str().to_owned(),
            reason: t.reason().to_owned(),
            trial_days: t.trial_days(on),
        }
    }
}

/// The preventive ledger with what it counts for eligibility.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerJson {
    /// The date the ledger is summarised on.
    pub on: NaiveDate,
    pub trials: Vec<PreventiveJson>,
    /// Trials failed, not tolerated or unsuitable (contraindicated).
    pub failed: usize,
    /// The classes of those trials.
    pub failed_classes: Vec<String>,
    /// Not-effective trials shorter than `min_trial_days`, not counted.
    pub too_short: Vec<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// Summarise on this date (default: today).
    pub on: Option<NaiveDate>,
    /// Count a not-effective trial only if it lasted at least this many days.
    pub min_trial_days: Option<i64>,
}

/// The patient's preventive ledger, oldest first, with the failed count and classes.
#[utoipa::path(get, path = "/patients/{id}/preventives", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), LedgerQuery),
    responses((status = 200, body = LedgerJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn preventives(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<LedgerQuery>,
) -> Result<Json<LedgerJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "preventives.read").await?;
    let on = q.on.unwrap_or_else(|| state.today());
    let (entries, s) =
        cephalog_app::preventive_ledger(&state.store, r.id, on, q.min_trial_days).await?;
    Ok(Json(LedgerJson {
        on,
        trials: entries
            .iter()
            .map(|(id, t)| PreventiveJson::of(*id, t, on))
            .collect(),
        failed: s.failed,
        failed_classes: s
            .failed_classes
            .iter()
            .map(|c| c.as_str().to_owned())
            .collect(),
        too_short: s.too_short,
    }))
}

/// A preventive tried.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPreventive {
    #[schema(min_length = 1, pattern = r"\S")]
    pub drug: String,
    /// Inferred for known drugs; needed otherwise.
    #[schema(value_type = Option<super::schema::PreventiveClass>)]
    pub class: Option<String>,
    pub start: Option<NaiveDate>,
    pub stop: Option<NaiveDate>,
    pub dose: Option<String>,
    /// not_effective, not_tolerated, contraindicated or ongoing.
    #[schema(value_type = super::schema::TrialOutcome)]
    pub outcome: String,
    /// Needed for a failed or unsuitable trial.
    #[serde(default)]
    pub reason: String,
}

/// Adds a trial to the ledger.
#[utoipa::path(post, path = "/patients/{id}/preventives", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = NewPreventive,
    responses((status = 201, body = PreventiveJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_preventive(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(n): Json<NewPreventive>,
) -> Result<(StatusCode, Json<PreventiveJson>), ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "preventive.add").await?;
    let trial = trial_of(n)?;
    let trial_id =
        cephalog_app::pathway::add_preventive(&state.store, r.id, &trial, state.today()).await?;
    audit::record(
        &state,
        &who,
        "preventive.add",
        "preventive",
        &trial_id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(PreventiveJson::of(trial_id, &trial, state.today())),
    ))
}

/// Why a record is corrected (required; kept in its history with the earlier version).
#[derive(Debug, Deserialize, IntoParams)]
pub struct CorrectionQuery {
    /// Required; read after the caller's access is checked, so a caller who may not change the
    /// record learns nothing from a missing reason.
    #[param(value_type = String, required = true, min_length = 1, pattern = r"\S")]
    pub reason: Option<String>,
}

impl CorrectionQuery {
    fn reason(&self) -> Result<&str, WebError> {
        self.reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .ok_or_else(|| WebError::invalid("reason", "say why the record is corrected"))
    }
}

/// Corrects a trial in the ledger. The stored version is kept in the trial's history (see
/// `GET /patients/{id}/records/preventive/{record_id}/history`) with who, when and the reason.
#[utoipa::path(put, path = "/patients/{id}/preventives/{trial}", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), ("trial" = Uuid, Path, description = "preventive id"), CorrectionQuery),
    request_body = NewPreventive,
    responses((status = 200, body = PreventiveJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_preventive(
    State(state): State<AppState>,
    who: Principal,
    Path((id, trial_id)): Path<(Uuid, Uuid)>,
    Query(q): Query<CorrectionQuery>,
    Json(n): Json<NewPreventive>,
) -> Result<Json<PreventiveJson>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "preventive.correct").await?;
    let reason = q.reason()?;
    let trial = trial_of(n)?;
    cephalog_app::pathway::correct_preventive(
        &state.store,
        r.id,
        trial_id,
        &trial,
        &super::change(&who, Some(reason), ""),
    )
    .await?;
    audit::record(
        &state,
        &who,
        "preventive.correct",
        "preventive",
        &trial_id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Json(PreventiveJson::of(trial_id, &trial, state.today())))
}

fn trial_of(n: NewPreventive) -> Result<PreventiveTrial, WebError> {
    let draft = PreventiveDraft {
        drug: n.drug,
        class: n
            .class
            .as_deref()
            .map(str::parse::<PreventiveClass>)
            .transpose()
            .map_err(|e| WebError::invalid(e.field(), &e))?,
        start: n.start,
        stop: n.stop,
        dose: n.dose,
        outcome: Some(
            n.outcome
                .parse::<PreventiveOutcome>()
                .map_err(|e| WebError::invalid(e.field(), &e))?,
        ),
        reason: n.reason,
    };
    PreventiveTrial::new(draft).map_err(|e| WebError::invalid(e.field(), &e))
}

/// A prescriber's statement that medication overuse has been managed.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAttestation {
    /// The date of the statement (default: today).
    pub on: Option<NaiveDate>,
    /// How it was managed, e.g. "withdrawal completed".
    #[serde(default)]
    pub note: String,
}

/// An attestation as recorded: by the signed-in prescriber.
#[derive(Debug, Serialize, ToSchema)]
pub struct AttestationJson {
    pub by: String,
    pub on: NaiveDate,
    pub note: String,
}

/// Records, in the signed-in prescriber's name, that medication overuse has been managed; the
/// eligibility criterion `medication_overuse_managed` then counts as met from that date.
#[utoipa::path(post, path = "/patients/{id}/overuse-attestation", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = NewAttestation,
    responses((status = 201, body = AttestationJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn attest_overuse(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(n): Json<NewAttestation>,
) -> Result<(StatusCode, Json<AttestationJson>), ApiError> {
    let r = audit::patient(&state, &who, id, Need::Prescribe, "overuse.attest").await?;
    let today = state.today();
    let on = n.on.unwrap_or(today);
    if on > today {
        return Err(WebError::invalid("on", format!("{on} is in the future")).into());
    }
    let by = who.user.display_name.trim();
    let by = if by.is_empty() {
        who.user.username.as_str()
    } else {
        by
    };
    let a = Attestation {
        by: by.to_owned(),
        on,
        note: n.note.trim().to_owned(),
    };
    cephalog_app::pathway::attest_overuse_management(&state.store, r.id, &a, today).await?;
    audit::record(
        &state,
        &who,
        "overuse.attest",
        "overuse_attestation",
        &on.to_string(),
        Some(r.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(AttestationJson {
            by: a.by,
            on: a.on,
            note: a.note,
        }),
    ))
}

/// One answer: a number of days (MIDAS) or an answer word (HIT-6: never, rarely, sometimes, very
/// often, always).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum Answer {
    Number(#[serde(deserialize_with = "super::schema::integer")] u32),
    Text(String),
}

impl Answer {
    fn text(&self) -> String {
        match self {
            Answer::Number(n) => n.to_string(),
            Answer::Text(t) => t.clone(),
        }
    }
}

/// A questionnaire filled in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewQuestionnaire {
    /// midas, hit6, phq9 or gad7.
    #[schema(value_type = super::schema::Instrument)]
    pub instrument: String,
    /// The answers in item order. MIDAS: the 5 scored day counts, optionally followed by item A
    /// (headache days) and item B (average pain 0–10). HIT-6: its 6 answers in words (never,
    /// rarely, sometimes, very often, always). PHQ-9 and GAD-7: their 9 and 7 answers as words
    /// (not at all, several days, more than half the days, nearly every day) or points 0–3.
    pub answers: Vec<Answer>,
    /// The day it was filled in (default: today).
    pub date: Option<NaiveDate>,
}

/// A scored questionnaire.
#[derive(Debug, Serialize, ToSchema)]
pub struct QuestionnaireJson {
    pub id: Uuid,
    pub date: NaiveDate,
    /// midas, hit6, phq9 or gad7.
    pub instrument: String,
    pub total: u32,
    /// The band in words (MIDAS grade, HIT-6 impact, PHQ-9 and GAD-7 severity).
    pub interpretation: String,
    /// The answers need a clinician's review today (PHQ-9 item 9 above 0).
    pub same_day_review: bool,
    /// The scored items.
    #[schema(value_type = Object)]
    pub result: PromResult,
}

impl QuestionnaireJson {
    fn of(id: Uuid, date: NaiveDate, result: PromResult) -> Self {
        QuestionnaireJson {
            id,
            date,
            instrument: result.instrument().as_str().to_owned(),
            total: result.total(),
            interpretation: result.interpretation(),
            same_day_review: result.needs_same_day_review(),
            result,
        }
    }
}

fn prom_field(e: &PromError) -> String {
    match (e, e.position()) {
        (PromError::UnknownInstrument(_), _) => "instrument".to_owned(),
        (_, Some(i)) => format!("answers[{i}]"),
        (_, None) => "answers".to_owned(),
    }
}

/// The patient's questionnaires, oldest first. Read with [`Need::ReadDiary`], the need the
/// policy gives a patient for their own record, so a patient reads back what they filled in and
/// the clinic's clinicians and nurses read it too (an administrator does not).
#[utoipa::path(get, path = "/patients/{id}/questionnaires", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, body = Vec<QuestionnaireJson>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn questionnaires(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Json<Vec<QuestionnaireJson>>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadDiary, "questionnaires.read").await?;
    let entries = cephalog_app::pathway::questionnaires(&state.store, r.id).await?;
    Ok(Json(
        entries
            .into_iter()
            .map(|(id, e)| QuestionnaireJson::of(id, e.date, e.result))
            .collect(),
    ))
}

/// Scores and stores a questionnaire (MIDAS, HIT-6, PHQ-9, GAD-7). Patients submit their own
/// ([`Need::WriteQuestionnaire`]).
#[utoipa::path(post, path = "/patients/{id}/questionnaires", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = NewQuestionnaire,
    responses((status = 201, body = QuestionnaireJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_questionnaire(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(n): Json<NewQuestionnaire>,
) -> Result<(StatusCode, Json<QuestionnaireJson>), ApiError> {
    let r = audit::patient(
        &state,
        &who,
        id,
        Need::WriteQuestionnaire,
        "questionnaire.add",
    )
    .await?;
    let instrument: Instrument = n
        .instrument
        .parse()
        .map_err(|e: PromError| WebError::invalid("instrument", &e))?;
    let today = state.today();
    let date = n.date.unwrap_or(today);
    if date > today {
        return Err(WebError::invalid("date", format!("{date} is in the future")).into());
    }
    let answers: Vec<String> = n.answers.iter().map(Answer::text).collect();
    let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
    // Scored here first so a bad answer names its index; the store scores again on writing.
    PromResult::score(instrument, &refs)
        .and_then(|r| r.check_plausible())
        .map_err(|e| WebError::invalid(prom_field(&e), &e))?;
    let (prom_id, result) = cephalog_app::pathway::add_questionnaire(
        &state.store,
        r.id,
        date,
        instrument,
        &answers,
        today,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "questionnaire.add",
        "questionnaire",
        &prom_id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(QuestionnaireJson::of(prom_id, date, result)),
    ))
}

/// A clinician's same-day review of answers that raised an alert.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuestionnaireReviewBody {
    /// What was decided, e.g. "phoned the same day; safe; GP and crisis line informed" (1 to
    /// 1000 characters).
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub decision: String,
}

/// Records the caller's same-day review of a questionnaire whose answers raised an alert (PHQ-9
/// item 9 above 0): who, now, and what was decided. A reviewed questionnaire leaves the
/// worklist. Answers the review.
#[utoipa::path(post, path = "/patients/{id}/questionnaires/{questionnaire}/review", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), ("questionnaire" = Uuid, Path, description = "questionnaire id")),
    request_body = QuestionnaireReviewBody,
    responses((status = 200, description = "The review: questionnaire, by, at, decision", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "No same-day alert, or reviewed already", body = ErrorBody),
        (status = 422, body = ErrorBody)))]
pub async fn review_questionnaire(
    State(state): State<AppState>,
    who: Principal,
    Path((id, questionnaire)): Path<(Uuid, Uuid)>,
    Json(b): Json<QuestionnaireReviewBody>,
) -> Result<Json<cephalog_store::QuestionnaireReview>, ApiError> {
    let r = audit::patient(
        &state,
        &who,
        id,
        Need::WriteClinical,
        "questionnaire.review",
    )
    .await?;
    let review = cephalog_app::safety::review_questionnaire(
        &state.store,
        r.id,
        questionnaire,
        &who.user.display_name,
        &b.decision,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "questionnaire.review",
        "questionnaire",
        &questionnaire.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Json(review))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ResponseQuery {
    /// Rule set whose preset and continuation rules apply (default: nice-ta260).
    pub rules: Option<String>,
    /// Assess as of this date (default: today).
    pub on: Option<NaiveDate>,
    /// Last day of the 28-day baseline (default: the day before the first session).
    pub baseline_end: Option<NaiveDate>,
}

/// The response per treatment cycle against the baseline, the rule set's continuation decisions,
/// and the questionnaires placed by cycle. 404 before the first chronic-migraine session.
#[utoipa::path(get, path = "/patients/{id}/response", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), ResponseQuery),
    responses((status = 200, description = "The response report: rule set, preset, baseline figures, one entry per cycle (window, headache and migraine days per 28 days, change, 30 % and 50 % responder), decisions with evidence, review prompt, and questionnaires by cycle", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn response(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<ResponseQuery>,
) -> Result<Json<ResponseView>, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "response.read").await?;
    let rules = cephalog_app::find_rule_set(
        &state.rules,
        q.rules
            .as_deref()
            .unwrap_or(cephalog_app::defaults::RESPONSE_RULES),
    )?;
    let on = q.on.unwrap_or_else(|| state.today());
    cephalog_app::response(&state.store, rules, &r, on, q.baseline_end)
        .await?
        .map(Json)
        .ok_or_else(|| {
            ApiError(WebError::NotFound(
                "no chronic-migraine session yet".to_owned(),
            ))
        })
}

/// Corrects a questionnaire's date or answers (re-scored). The stored version is kept in its
/// history with who, when and the reason.
#[utoipa::path(put, path = "/patients/{id}/questionnaires/{questionnaire}", tag = "pathway",
    params(("id" = Uuid, Path, description = "patient id"), ("questionnaire" = Uuid, Path, description = "questionnaire id"), CorrectionQuery),
    request_body = NewQuestionnaire,
    responses((status = 200, body = QuestionnaireJson), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn correct_questionnaire(
    State(state): State<AppState>,
    who: Principal,
    Path((id, prom_id)): Path<(Uuid, Uuid)>,
    Query(q): Query<CorrectionQuery>,
    Json(n): Json<NewQuestionnaire>,
) -> Result<Json<QuestionnaireJson>, ApiError> {
    let r = audit::patient(
        &state,
        &who,
        id,
        Need::WriteQuestionnaire,
        "questionnaire.correct",
    )
    .await?;
    let reason = q.reason()?;
    let instrument: Instrument = n
        .instrument
        .parse()
        .map_err(|e: PromError| WebError::invalid("instrument", &e))?;
    let today = state.today();
    let date = n.date.unwrap_or(today);
    if date > today {
        return Err(WebError::invalid("date", format!("{date} is in the future")).into());
    }
    let answers: Vec<String> = n.answers.iter().map(Answer::text).collect();
    let refs: Vec<&str> = answers.iter().map(String::as_str).collect();
    PromResult::score(instrument, &refs).map_err(|e| WebError::invalid(prom_field(&e), &e))?;
    let (_, result) = cephalog_app::pathway::correct_questionnaire(
        &state.store,
        r.id,
        prom_id,
        date,
        instrument,
        &answers,
        &super::change(&who, Some(reason), ""),
    )
    .await?;
    audit::record(
        &state,
        &who,
        "questionnaire.correct",
        "questionnaire",
        &prom_id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Json(QuestionnaireJson::of(prom_id, date, result)))
}
