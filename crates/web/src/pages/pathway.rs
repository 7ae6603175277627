//! The treatment pathway of one patient: eligibility under a chosen rule set with the preventive
//! ledger and the overuse attestation, and the response to treatment cycle by cycle.

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_core::eligibility::{Attestation, CriterionOutcome, Verdict};
use cephalog_core::preventives::{
    PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial, summarise,
};
use cephalog_core::reference::UNVERIFIED_MARK;
use cephalog_core::response::{Change, CycleStatus, Decision, DecisionOutcome};
use cephalog_core::rules::{CriterionKind, RuleSet};
use cephalog_store::PatientRecord;

use super::form::FormData;
use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::layout::PatientHeader;
use crate::policy::{Need, patient_access};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/patients/{id}/eligibility", eligibility)
        .post("/patients/{id}/preventives", add_preventive)
        .post("/patients/{id}/overuse-attestation", attest)
        .get("/patients/{id}/response", response)
}

/// The rule sets the eligibility and response pages open with: the ones the session-recording
/// checks judge by.
pub use cephalog_app::treatment::{DEFAULT_ELIGIBILITY_RULES, DEFAULT_RESPONSE_RULES};

/// One choice of the rule-set menu.
#[derive(Debug, Clone)]
pub struct RuleOption {
    pub id: String,
    pub label: String,
    pub selected: bool,
}

/// The rule set asked for (or the default, or the first there is) and the menu.
pub(crate) fn choose_rules<'a>(
    sets: &'a [RuleSet],
    asked: Option<&str>,
    default: &str,
) -> Result<(&'a RuleSet, Vec<RuleOption>), WebError> {
    let chosen = match asked.map(str::trim).filter(|s| !s.is_empty()) {
        Some(id) => cephalog_app::find_rule_set(sets, id)?,
        None => cephalog_app::find_rule_set(sets, default)
            .ok()
            .or_else(|| sets.first())
            .ok_or_else(|| WebError::Internal("no rule sets are loaded".to_owned()))?,
    };
    let options = sets
        .iter()
        .map(|s| RuleOption {
            id: s.id.clone(),
            label: format!("{} (version {})", s.name, s.version),
            selected: s.id == chosen.id,
        })
        .collect();
    Ok((chosen, options))
}

#[derive(Debug, Deserialize)]
pub(crate) struct RulesQuery {
    rules: Option<String>,
    saved: Option<String>,
}

/// The months a day-count criterion used.
#[derive(Debug, Clone)]
pub struct MonthRow {
    pub month: String,
    pub recorded: String,
    pub adequate: bool,
    pub headache_days: String,
    pub migraine_days: String,
}

#[derive(Debug, Clone)]
pub struct CriterionRow {
    pub id: String,
    pub description: String,
    /// met, not-met, unknown: the CSS class.
    pub outcome: &'static str,
    pub outcome_label: &'static str,
    pub evidence: String,
    pub source: String,
    pub unverified: bool,
    pub months: Vec<MonthRow>,
}

#[derive(Debug, Clone)]
pub struct TrialRow {
    pub drug: String,
    pub class: String,
    pub start: String,
    pub stop: String,
    pub days: String,
    pub dose: String,
    pub outcome: String,
    pub reason: String,
}

/// What the preventive form shows (blank, or as posted when it was refused).
#[derive(Debug, Clone, Default)]
pub struct PreventiveForm {
    pub drug: String,
    pub class: String,
    pub start: String,
    pub stop: String,
    pub dose: String,
    pub outcome: String,
    pub reason: String,
}

#[derive(askama::Template)]
#[template(path = "eligibility.html")]
struct EligibilityPage {
    nav: Option<Nav>,
    p: PatientHeader,
    rules_id: String,
    rule_sets: Vec<RuleOption>,
    rule_set_name: String,
    rule_set_source: String,
    on: NaiveDate,
    preset: String,
    verdict_class: &'static str,
    verdict: &'static str,
    criteria: Vec<CriterionRow>,
    /// For a treated patient, the verdict on the day before the first session.
    before: Option<BeforeTreatment>,
    trials: Vec<TrialRow>,
    ledger_summary: String,
    too_short: String,
    classes: Vec<(&'static str, String)>,
    outcomes: Vec<(&'static str, &'static str)>,
    form: PreventiveForm,
    may_write: bool,
    needs_attestation: bool,
    attestation: Option<String>,
    may_attest: bool,
    error: Option<String>,
    saved: Option<&'static str>,
}

/// The eligibility a treated patient's treatment started on.
struct BeforeTreatment {
    on: NaiveDate,
    verdict_class: &'static str,
    verdict: &'static str,
    /// Each criterion: id, description, outcome class and label, evidence.
    criteria: Vec<(String, String, &'static str, &'static str, String)>,
}

fn outcome_words(o: CriterionOutcome) -> (&'static str, &'static str) {
    match o {
        CriterionOutcome::Met => ("met", "met"),
        CriterionOutcome::NotMet => ("not-met", "not met"),
        CriterionOutcome::Unknown => ("unknown", "unknown"),
    }
}

fn verdict_words(v: Verdict) -> (&'static str, &'static str) {
    match v {
        Verdict::Eligible => (
            "met",
            "Every criterion is met: the diary and records meet this rule set's criteria for treatment",
        ),
        Verdict::NotEligible => ("not-met", "At least one criterion is not met"),
        Verdict::InsufficientInformation => (
            "unknown",
            "Information missing: no criterion fails, but some cannot be decided",
        ),
    }
}

fn one_decimal(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

fn outcome_label(o: PreventiveOutcome) -> &'static str {
    match o {
        PreventiveOutcome::NotEffective => "not effective",
        PreventiveOutcome::NotTolerated => "not tolerated",
        PreventiveOutcome::ContraindicatedOrUnsuitable => "contraindicated or unsuitable",
        PreventiveOutcome::Ongoing => "ongoing",
    }
}

fn class_label(c: PreventiveClass) -> String {
    match c {
        PreventiveClass::TricyclicSnri => "tricyclic or SNRI".to_owned(),
        PreventiveClass::CgrpAntibody => "CGRP antibody".to_owned(),
        PreventiveClass::GepantPrevention => "gepant (prevention)".to_owned(),
        other => other.as_str().replace('_', " "),
    }
}

#[allow(clippy::too_many_arguments)]
async fn eligibility_page(
    state: &AppState,
    who: &Principal,
    r: &PatientRecord,
    asked: Option<&str>,
    form: PreventiveForm,
    error: Option<String>,
    saved: Option<&'static str>,
) -> Result<EligibilityPage, WebError> {
    let today = state.today();
    let (rules, rule_sets) = choose_rules(&state.rules, asked, DEFAULT_ELIGIBILITY_RULES)?;
    let e = cephalog_app::eligibility(&state.store, rules, r, today).await?;
    let before = cephalog_app::eligibility_before_treatment(&state.store, rules, r, today)
        .await?
        .map(|(on, b)| {
            let (verdict_class, verdict) = verdict_words(b.verdict);
            BeforeTreatment {
                on,
                verdict_class,
                verdict,
                criteria: b
                    .criteria
                    .iter()
                    .map(|c| {
                        let (class, label) = outcome_words(c.outcome);
                        (
                            c.id.clone(),
                            c.description.clone(),
                            class,
                            label,
                            c.evidence.clone(),
                        )
                    })
                    .collect(),
            }
        });
    let (verdict_class, verdict) = verdict_words(e.verdict);
    let criteria = e
        .criteria
        .iter()
        .map(|c| {
            let (outcome, outcome_label) = outcome_words(c.outcome);
            CriterionRow {
                id: c.id.clone(),
                description: c.description.clone(),
                outcome,
                outcome_label,
                evidence: c.evidence.clone(),
                unverified: c.source.contains(UNVERIFIED_MARK)
                    || c.evidence.contains(UNVERIFIED_MARK),
                source: c.source.clone(),
                months: c
                    .months
                    .iter()
                    .map(|m| MonthRow {
                        month: m.month.clone(),
                        recorded: format!("{} of {}", m.recorded_days, m.days),
                        adequate: m.adequate,
                        headache_days: match &m.prorated {
                            Some(p) => format!("{:.1}", p.headache_days),
                            None => "insufficient diary data".to_owned(),
                        },
                        migraine_days: match &m.prorated {
                            Some(p) => format!("{:.1}", p.migraine_days),
                            None => "insufficient diary data".to_owned(),
                        },
                    })
                    .collect(),
            }
        })
        .collect();
    let trials: Vec<PreventiveTrial> = cephalog_app::pathway::preventives(&state.store, r.id)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let min_days = rules.min_trial_days();
    let s = summarise(&trials, today, min_days);
    let ledger_summary = format!(
        "{} failed, not tolerated or unsuitable, in {} class(es){}{}",
        s.failed,
        s.failed_classes.len(),
        if s.failed_classes.is_empty() {
            String::new()
        } else {
            format!(
                ": {}",
                s.failed_classes
                    .iter()
                    .map(|c| class_label(*c))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
        min_days.map_or_else(String::new, |d| format!(
            " (not-effective trials count from {d} days under this rule set)"
        )),
    );
    let needs_attestation = rules
        .criteria
        .iter()
        .any(|c| matches!(c.kind, CriterionKind::MedicationOveruseManaged));
    let attestation = cephalog_app::pathway::overuse_attestation(&state.store, r.id, today)
        .await?
        .map(|a| {
            format!(
                "Medication overuse recorded as managed by {} on {}{}",
                a.by,
                a.on,
                if a.note.is_empty() {
                    String::new()
                } else {
                    format!(": {}", a.note)
                }
            )
        });
    Ok(EligibilityPage {
        nav: Some(Nav::for_user(who, "")),
        p: PatientHeader::of(r, today).titled("Eligibility"),
        rules_id: rules.id.clone(),
        rule_sets,
        rule_set_name: e.rule_set_name.clone(),
        rule_set_source: rules.source.clone(),
        on: e.on,
        preset: format!("{} — {}", e.preset, e.preset.definition()),
        verdict_class,
        verdict,
        criteria,
        before,
        trials: trials
            .iter()
            .map(|t| TrialRow {
                drug: t.drug().to_owned(),
                class: class_label(t.class()),
                start: t.start().map_or("—".into(), |d| d.to_string()),
                stop: t.stop().map_or("—".into(), |d| d.to_string()),
                days: t.trial_days(today).map_or("—".into(), |d| d.to_string()),
                dose: t.dose().unwrap_or("").to_owned(),
                outcome: outcome_label(t.outcome()).to_owned(),
                reason: t.reason().to_owned(),
            })
            .collect(),
        ledger_summary,
        too_short: s.too_short.join(", "),
        classes: PreventiveClass::ALL
            .iter()
            .map(|c| (c.as_str(), class_label(*c)))
            .collect(),
        outcomes: PreventiveOutcome::ALL
            .iter()
            .map(|o| (o.as_str(), outcome_label(*o)))
            .collect(),
        form,
        may_write: patient_access(&who.user, r, Need::WriteClinical).is_ok(),
        needs_attestation,
        attestation,
        may_attest: patient_access(&who.user, r, Need::Prescribe).is_ok(),
        error,
        saved,
    })
}

async fn eligibility(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "eligibility.read").await?;
    let saved = match q.saved.as_deref() {
        Some("preventive") => Some("Preventive trial added."),
        Some("attestation") => Some("Attestation recorded."),
        _ => None,
    };
    let page = eligibility_page(
        &state,
        &who,
        &r,
        q.rules.as_deref(),
        PreventiveForm::default(),
        None,
        saved,
    )
    .await?;
    Ok(render(&page))
}

/// The preventive trial a posted form describes.
pub(crate) fn preventive_from_form(f: &FormData) -> Result<PreventiveTrial, WebError> {
    let class = f
        .get("class")
        .map(|c| {
            c.parse::<PreventiveClass>()
                .map_err(|e| WebError::invalid("class", e))
        })
        .transpose()?;
    let outcome = f
        .required("outcome", "Outcome")?
        .parse::<PreventiveOutcome>()
        .map_err(|e| WebError::invalid("outcome", e))?;
    let draft = PreventiveDraft {
        drug: f.text("drug"),
        class,
        start: f.date("start", "Start")?,
        stop: f.date("stop", "Stop")?,
        dose: f.get("dose").map(str::to_owned),
        outcome: Some(outcome),
        reason: f.text("reason"),
    };
    PreventiveTrial::new(draft).map_err(|e| WebError::invalid(e.field(), e))
}

fn rules_link(id: Uuid, page: &str, rules: Option<&str>, saved: &str) -> String {
    let mut link = format!("/patients/{id}/{page}?saved={saved}");
    if let Some(r) = rules.filter(|r| {
        !r.is_empty()
            && r.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    }) {
        link.push_str("&rules=");
        link.push_str(r);
    }
    link
}

async fn add_preventive(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::WriteClinical, "preventive.add").await?;
    let f = FormData::new(pairs);
    let trial = match preventive_from_form(&f) {
        Ok(t) => t,
        Err(e) => {
            let form = PreventiveForm {
                drug: f.text("drug"),
                class: f.text("class"),
                start: f.text("start"),
                stop: f.text("stop"),
                dose: f.text("dose"),
                outcome: f.text("outcome"),
                reason: f.text("reason"),
            };
            let page = eligibility_page(
                &state,
                &who,
                &r,
                f.get("rules"),
                form,
                Some(e.to_string()),
                None,
            )
            .await?;
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    let pid =
        cephalog_app::pathway::add_preventive(&state.store, r.id, &trial, state.today()).await?;
    audit::record(
        &state,
        &who,
        "preventive.add",
        "preventive",
        &pid.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&rules_link(
        r.id,
        "eligibility",
        f.get("rules"),
        "preventive",
    ))
    .into_response())
}

async fn attest(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::Prescribe, "overuse_attestation.add").await?;
    let f = FormData::new(pairs);
    let today = state.today();
    let on = match f.date("on", "Date") {
        Ok(d) => d.unwrap_or(today),
        Err(e) => {
            let page = eligibility_page(
                &state,
                &who,
                &r,
                f.get("rules"),
                PreventiveForm::default(),
                Some(e.to_string()),
                None,
            )
            .await?;
            return Ok((e.status(), render(&page)).into_response());
        }
    };
    if on > today {
        let page = eligibility_page(
            &state,
            &who,
            &r,
            f.get("rules"),
            PreventiveForm::default(),
            Some(format!("Date: {on} is in the future")),
            None,
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
    }
    cephalog_app::pathway::attest_overuse_management(
        &state.store,
        r.id,
        &Attestation {
            by: who.user.display_name.clone(),
            on,
            note: f.text("note"),
        },
        today,
    )
    .await?;
    audit::record(
        &state,
        &who,
        "overuse_attestation.add",
        "overuse_attestation",
        &on.to_string(),
        Some(r.id),
    )
    .await?;
    Ok(Redirect::to(&rules_link(
        r.id,
        "eligibility",
        f.get("rules"),
        "attestation",
    ))
    .into_response())
}

/// One row of the response table.
#[derive(Debug, Clone)]
pub struct CycleRow {
    pub cycle: usize,
    pub session_date: NaiveDate,
    pub window: String,
    pub headache: String,
    pub headache_change: String,
    pub migraine: String,
    pub migraine_change: String,
    pub responder_30: &'static str,
    pub responder_50: &'static str,
    pub note: String,
}

#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub word: &'static str,
    pub class: &'static str,
    pub description: String,
    pub evidence: String,
    pub source: String,
}

#[derive(Debug, Clone)]
pub struct PromRow {
    pub period: String,
    pub date: NaiveDate,
    pub instrument: &'static str,
    pub total: u32,
    pub interpretation: String,
}

/// The response as shown: baseline, cycles, decisions.
#[derive(Debug, Clone)]
pub struct ResponseView {
    pub preset: String,
    pub baseline: String,
    pub cycles: Vec<CycleRow>,
    pub decisions: Vec<DecisionRow>,
    pub review: Option<DecisionRow>,
}

#[derive(askama::Template)]
#[template(path = "response.html")]
struct ResponsePage {
    nav: Option<Nav>,
    p: PatientHeader,
    rule_sets: Vec<RuleOption>,
    rule_set_name: String,
    on: NaiveDate,
    view: Option<ResponseView>,
    trend: Option<String>,
    proms: Vec<PromRow>,
}

fn change_text(c: &Change) -> String {
    match (c.absolute, c.percent) {
        (Some(a), Some(p)) => format!("{a:+.1} ({p:+.1} %)"),
        (Some(a), None) => format!("{a:+.1}"),
        _ => "—".to_owned(),
    }
}

fn yes_no(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "yes",
        Some(false) => "no",
        None => "—",
    }
}

pub(crate) fn decision_row(d: &Decision) -> DecisionRow {
    let (word, class) = match d.outcome {
        DecisionOutcome::Continue => ("Continue", "met"),
        DecisionOutcome::Stop => ("Stop", "not-met"),
        DecisionOutcome::Review => ("Review", "unknown"),
        DecisionOutcome::NotYetApplicable => ("Not yet applicable", "pending"),
        DecisionOutcome::Unknown => ("Unknown", "unknown"),
    };
    DecisionRow {
        word,
        class,
        description: d.description.clone(),
        evidence: d.evidence.clone(),
        source: d.source.clone(),
    }
}

/// The response report in rows.
pub(crate) fn response_view(report: &cephalog_core::response::ResponseReport) -> ResponseView {
    let b = &report.baseline;
    ResponseView {
        preset: format!("{} — {}", report.preset, report.preset.definition()),
        baseline: format!(
            "{} to {}: {} headache days and {} migraine days per 28 days ({} of the days recorded){}",
            b.start,
            b.end,
            one_decimal(b.headache_days_per_28),
            one_decimal(b.migraine_days_per_28),
            format_args!("{:.0} %", b.completeness * 100.0),
            b.insufficient.map(|s| format!("; {s}")).unwrap_or_default()
        ),
        cycles: report
            .cycles
            .iter()
            .map(|c| CycleRow {
                cycle: c.cycle,
                session_date: c.session_date,
                window: c
                    .window
                    .as_ref()
                    .map_or("—".to_owned(), |w| format!("{} to {}", w.start, w.end)),
                headache: one_decimal(c.headache_days.cycle),
                headache_change: change_text(&c.headache_days),
                migraine: one_decimal(c.migraine_days.cycle),
                migraine_change: change_text(&c.migraine_days),
                responder_30: yes_no(c.responder_30),
                responder_50: yes_no(c.responder_50),
                note: match (c.status, &c.note) {
                    (_, Some(n)) => n.clone(),
                    (CycleStatus::InProgress, None) => "in progress".to_owned(),
                    (CycleStatus::Complete, None) => String::new(),
                },
            })
            .collect(),
        decisions: report.decisions.iter().map(decision_row).collect(),
        review: report.review_prompt.as_ref().map(decision_row),
    }
}

async fn response(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<RulesQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "response.read").await?;
    let today = state.today();
    let (rules, rule_sets) =
        choose_rules(&state.rules, q.rules.as_deref(), DEFAULT_RESPONSE_RULES)?;
    let found = cephalog_app::response(&state.store, rules, &r, today, None).await?;
    let proms = match &found {
        Some(v) => v.proms.clone(),
        None => {
            let sessions = cephalog_app::migraine_session_dates(&state.store, r.id).await?;
            cephalog_app::proms_by_cycle(&state.store, r.id, &sessions).await?
        }
    };
    let page = ResponsePage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&r, today).titled("Response"),
        rule_sets,
        rule_set_name: rules.name.clone(),
        on: today,
        view: found.as_ref().map(|v| response_view(&v.report)),
        trend: found.as_ref().map(|v| {
            cephalog_charts::trend_svg(&cephalog_charts::TrendInput::from_response(&v.report))
        }),
        proms: proms
            .iter()
            .map(|p| PromRow {
                period: p.period.clone(),
                date: p.date,
                instrument: p.instrument.label(),
                total: p.total,
                interpretation: p.interpretation.clone(),
            })
            .collect(),
    };
    Ok(render(&page))
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

    #[test]
    fn a_failed_trial_from_the_form() {
        let t = preventive_from_form(&form(&[
            ("drug", "Topiramate"),
            ("class", ""),
            ("start", "2025-01-01"),
            ("stop", "2025-04-01"),
            ("dose", "50 mg twice daily"),
            ("outcome", "not_effective"),
            ("reason", "no change in headache days"),
        ]))
        .expect("trial");
        assert_eq!(t.class(), PreventiveClass::Anticonvulsant);
        assert_eq!(t.outcome(), PreventiveOutcome::NotEffective);
        assert_eq!(t.dose(), Some("50 mg twice daily"));
    }

    #[test]
    fn the_form_names_the_field_at_fault() {
        let field = |pairs: &[(&str, &str)]| match preventive_from_form(&form(pairs)) {
            Err(WebError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        };
        assert_eq!(
            field(&[("drug", "topiramate"), ("outcome", "not_tolerated")]).as_deref(),
            Some("start")
        );
        assert_eq!(
            field(&[
                ("drug", "unknownol"),
                ("outcome", "contraindicated"),
                ("reason", "x")
            ])
            .as_deref(),
            Some("class")
        );
        assert_eq!(
            field(&[("drug", "x"), ("outcome", "bad")]).as_deref(),
            Some("outcome")
        );
        assert_eq!(
            field(&[
                ("drug", "propranolol"),
                ("start", "2025-13-01"),
                ("outcome", "ongoing")
            ])
            .as_deref(),
            Some("start")
        );
    }

    #[test]
    fn redirect_keeps_only_a_plain_rule_set_id() {
        let id = Uuid::nil();
        assert_eq!(
            rules_link(id, "eligibility", Some("nice-ta260"), "preventive"),
            format!("/patients/{id}/eligibility?saved=preventive&rules=nice-ta260")
        );
        assert_eq!(
            rules_link(id, "eligibility", Some("x&y=z"), "preventive"),
            format!("/patients/{id}/eligibility?saved=preventive")
        );
    }

    #[test]
    fn rule_choice_falls_back_and_refuses_unknown_ids() {
        let sets = cephalog_app::load_rule_sets(None).expect("rules");
        let (r, menu) = choose_rules(&sets, None, "fda-label").expect("default");
        assert_eq!(r.id, "fda-label");
        assert_eq!(menu.iter().filter(|o| o.selected).count(), 1);
        let (r, _) = choose_rules(&sets, Some("wa-lni"), "fda-label").expect("chosen");
        assert_eq!(r.id, "wa-lni");
        let (r, _) = choose_rules(&sets, None, "no-such").expect("first");
        assert_eq!(r.id, sets[0].id);
        assert!(choose_rules(&sets, Some("no-such"), "fda-label").is_err());
    }
}
