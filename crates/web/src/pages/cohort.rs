//! The clinic cohort report page: the filters as a GET form, the report's sections as tables.
//! The figures are the app's; this module only puts them into words and tables.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use cephalog_app::figures::spelled::{mean_ci, rate, share};
use cephalog_app::figures::{num, range};
use cephalog_core::cohort::{
    CohortReport, Comparator, EventFigures, ExclusionReason, QuestionnaireChange,
};
use cephalog_core::{DiagnosisCode, Sex};

use super::{Nav, Routes, render};
use crate::AppState;
use crate::auth::Principal;
use crate::cohort::{CohortQuery, CohortRead, read};
use crate::error::{PageError, WebError};
use crate::policy::CohortScope;

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/cohort", cohort)
        .get("/cohort/report.pdf", cohort_pdf)
}

/// The PDF's address for the filters of `q`, as the form sent them.
fn pdf_href(q: &CohortQuery) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (name, value) in q.fields() {
        if let Some(v) = value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            query.append_pair(name, v);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        "/cohort/report.pdf".to_owned()
    } else {
        format!("/cohort/report.pdf?{query}")
    }
}

/// The clinic outcomes report of the filters, as a PDF download: the same access, refusals and
/// audit entry as the page.
async fn cohort_pdf(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<CohortQuery>,
) -> Result<Response, PageError> {
    let r = read(&state, &who, &q).await?;
    let clinic = match r.scope {
        CohortScope::Clinic => Some(who.user.clinic.clone()),
        CohortScope::Installation => None,
    };
    let outcomes = cephalog_reports::cohort::ClinicOutcomes {
        report: r.report,
        filter: r.filter,
        clinic,
        description: r.description,
        made_on: state.today(),
    };
    Ok(super::reports::pdf(outcomes, false, |o| o.render()).await?)
}

/// One option of a select.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// The filter form as the user left it.
#[derive(Debug, Clone)]
pub struct FilterForm {
    pub on: String,
    pub first_session_from: String,
    pub first_session_to: String,
    pub age_min: String,
    pub age_max: String,
    pub rules: Vec<Choice>,
    pub diagnosis: Vec<Choice>,
    pub sex: Vec<Choice>,
    /// Administrators choose the clinic or the installation; others see no scope field.
    pub scope: Option<Vec<Choice>>,
}

/// A field the server refused, and why.
#[derive(Debug, Clone)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// A published figure as a row.
#[derive(Debug, Clone)]
pub struct ComparatorRow {
    pub study: String,
    pub figure: String,
    pub value: String,
    pub at: String,
    pub mark: String,
}

/// One treatment cycle as a row.
#[derive(Debug, Clone)]
pub struct CycleRow {
    pub cycle: usize,
    pub treated: u64,
    pub in_progress: u64,
    pub adequate: u64,
    pub insufficient: u64,
    pub headache: String,
    pub migraine: String,
    pub acute: String,
    pub met_30: String,
    pub met_50: String,
    pub below_15: String,
    pub below_15_among_met_30: String,
    pub questionnaires: Vec<String>,
}

/// The published figures read beside one cycle.
#[derive(Debug, Clone)]
pub struct CycleComparators {
    pub cycle: usize,
    pub rows: Vec<ComparatorRow>,
}

#[derive(Debug, Clone)]
pub struct AtRiskRow {
    pub months: String,
    pub at_risk: u64,
    pub on_treatment: String,
    pub band: String,
}

#[derive(Debug, Clone)]
pub struct DecisionRow {
    pub rule_set: String,
    pub rule: String,
    pub source: String,
    pub cycle: usize,
    pub met: u64,
    pub not_met: u64,
    pub review: u64,
    pub unknown: u64,
    pub not_yet: u64,
}

#[derive(Debug, Clone)]
pub struct EventRow {
    pub name: String,
    pub events: u64,
    pub rate: String,
    pub patients: String,
}

#[derive(Debug, Clone)]
pub struct PublishedRow {
    pub figure: String,
    pub source: String,
    pub published: String,
    pub clinic: String,
}

/// The report in words and tables.
#[derive(Debug, Clone)]
pub struct Figures {
    pub as_of: String,
    pub description: String,
    pub installation: bool,
    pub considered: u64,
    pub selected: u64,
    pub without_adequate_baseline: u64,
    pub excluded: Vec<(String, u64)>,
    pub questionnaire_names: Vec<String>,
    pub cycles: Vec<CycleRow>,
    pub baseline: String,
    pub baseline_comparators: Vec<ComparatorRow>,
    pub cycle_comparators: Vec<CycleComparators>,
    pub other_comparators: Vec<ComparatorRow>,
    pub persistence_rule: String,
    pub persistence_counts: String,
    pub median: String,
    pub at_risk: Vec<AtRiskRow>,
    pub persistence_comparators: Vec<ComparatorRow>,
    pub sessions: u64,
    pub session_rows: Vec<(String, String)>,
    pub session_comparators: Vec<ComparatorRow>,
    pub decisions: Vec<DecisionRow>,
    pub safety_sessions: u64,
    pub events: Vec<EventRow>,
    pub terms: Vec<EventRow>,
    pub published: Vec<PublishedRow>,
    pub wording: String,
    /// Shares meeting the ≥30 % and ≥50 % reductions by cycle with Wilson whiskers (SVG).
    pub reduction_chart: String,
    /// Mean headache days per 28 by cycle beside the baseline (SVG).
    pub headache_chart: String,
    /// Time on treatment, Kaplan–Meier with its band and numbers at risk (SVG).
    pub persistence_chart: String,
}

#[derive(askama::Template)]
#[template(path = "cohort.html")]
struct CohortPage {
    nav: Option<Nav>,
    form: FilterForm,
    error: Option<FieldError>,
    figures: Option<Figures>,
    /// The clinic outcomes report of the same filters.
    pdf_href: String,
}

impl CohortPage {
    /// Whether `field` is the one refused (for `aria-invalid`).
    fn invalid(&self, field: &str) -> bool {
        self.error.as_ref().is_some_and(|e| e.field == field)
    }
}

fn comparator(c: &Comparator) -> ComparatorRow {
    ComparatorRow {
        study: c.study.to_owned(),
        figure: c.figure.to_owned(),
        value: format!("{} {}", num(c.value), c.unit),
        at: c.at.to_owned(),
        mark: c.mark().to_owned(),
    }
}

/// Why a patient is out, in the page's words (the core's name the command line's flags).
fn excluded_because(r: ExclusionReason) -> &'static str {
    match r {
        ExclusionReason::NoSession => "no chronic-migraine session on or before the report date",
        ExclusionReason::FirstSession => "first session outside the dates asked for",
        ExclusionReason::Diagnosis => "the diagnosis asked for is not recorded",
        ExclusionReason::Age => "age at the first session outside the ages asked for",
        ExclusionReason::Sex => "recorded sex other than the one asked for",
    }
}

fn events(name: String, f: &EventFigures) -> EventRow {
    EventRow {
        name,
        events: f.events,
        rate: rate(&f.per_100_sessions),
        patients: share(&f.patients),
    }
}

fn questionnaire(q: Option<&QuestionnaireChange>) -> String {
    q.map_or_else(|| "—".to_owned(), |q| mean_ci(&q.change))
}

fn figures(read: &CohortRead) -> Figures {
    let r: &CohortReport = &read.report;
    let questionnaire_names: Vec<String> = r
        .cycles
        .first()
        .map(|c| {
            c.questionnaires
                .iter()
                .map(|q| q.instrument.as_str().to_uppercase())
                .collect()
        })
        .unwrap_or_default();
    let cycles = r
        .cycles
        .iter()
        .map(|c| CycleRow {
            cycle: c.cycle,
            treated: c.treated,
            in_progress: c.in_progress,
            adequate: c.adequate_diary,
            insufficient: c.insufficient_diary_data,
            headache: mean_ci(&c.headache_days_change),
            migraine: mean_ci(&c.migraine_days_change),
            acute: mean_ci(&c.acute_medication_days_change),
            met_30: share(&c.met_30_percent_reduction),
            met_50: share(&c.met_50_percent_reduction),
            below_15: share(&c.below_15_headache_days),
            below_15_among_met_30: share(&c.below_15_among_met_30),
            questionnaires: (0..questionnaire_names.len())
                .map(|i| questionnaire(c.questionnaires.get(i)))
                .collect(),
        })
        .collect();
    let ps = &r.persistence;
    let s = &r.sessions;
    let a = &r.safety;
    let mut published: Vec<PublishedRow> = a
        .comparisons
        .iter()
        .map(|c| PublishedRow {
            figure: c.published.name.to_owned(),
            source: c.published.source.to_owned(),
            published: format!(
                "{} % {}",
                num(c.published.botox_percent_of_patients),
                c.published.status.mark()
            ),
            clinic: share(&c.clinic_patients),
        })
        .collect();
    published.extend(a.comparators.iter().map(|x| PublishedRow {
        figure: x.figure.to_owned(),
        source: format!("{} ({})", x.study, x.at),
        published: format!("{} % {}", num(x.value), x.mark()),
        clinic: share(if x.figure.contains("treatment-related") {
            &a.treatment_related.patients
        } else {
            &a.all.patients
        }),
    }));
    Figures {
        as_of: r.as_of.to_string(),
        description: read.description.clone(),
        installation: read.scope == CohortScope::Installation,
        considered: r.patients.considered,
        selected: r.patients.selected,
        without_adequate_baseline: r.patients.without_adequate_baseline,
        excluded: r
            .patients
            .excluded
            .iter()
            .map(|e| (excluded_because(e.reason).to_owned(), e.patients))
            .collect(),
        questionnaire_names,
        cycles,
        baseline: r
            .cycles
            .first()
            .map_or_else(|| "—".to_owned(), |c| mean_ci(&c.baseline_headache_days)),
        baseline_comparators: r.baseline_comparators.iter().map(comparator).collect(),
        cycle_comparators: r
            .cycles
            .iter()
            .filter(|c| !c.comparators.is_empty())
            .map(|c| CycleComparators {
                cycle: c.cycle,
                rows: c.comparators.iter().map(comparator).collect(),
            })
            .collect(),
        other_comparators: r.other_comparators.iter().map(comparator).collect(),
        persistence_rule: format!(
            "Time on treatment ends at a stop decision under {} or after more than {} days \
             without a session{}; patients still on treatment are censored at {}.",
            r.rule_set,
            ps.discontinuation_gap_days,
            ps.gap_mark.map(|m| format!(" {m}")).unwrap_or_default(),
            r.as_of
        ),
        persistence_counts: format!(
            "{} patients: {} stopped by a rule, {} by the gap, {} still on treatment.",
            ps.patients, ps.stopped_by_rule, ps.stopped_by_gap, ps.still_on_treatment
        ),
        median: ps.median_months.map_or_else(
            || "not reached".to_owned(),
            |m| format!("{} months", num(m)),
        ),
        at_risk: ps
            .at_risk
            .iter()
            .chain(std::iter::once(&ps.at_108_weeks))
            .map(|x| AtRiskRow {
                months: num(x.months),
                at_risk: x.at_risk,
                on_treatment: format!("{} %", num(x.on_treatment * 100.0)),
                band: x.band.map_or_else(
                    || "—".to_owned(),
                    |b| format!("{}–{} %", num(b.low * 100.0), num(b.high * 100.0)),
                ),
            })
            .collect(),
        persistence_comparators: ps.comparators.iter().map(comparator).collect(),
        sessions: s.sessions,
        session_rows: vec![
            (
                "Units per session: mean (95 % CI), range".to_owned(),
                format!("{}; {}", mean_ci(&s.units), range(&s.units_range)),
            ),
            (
                "Sites per session: mean (95 % CI), range".to_owned(),
                format!("{}; {}", mean_ci(&s.sites), range(&s.sites_range)),
            ),
            (
                "Days between sessions: median (IQR)".to_owned(),
                s.interval_days.map_or_else(
                    || "—".to_owned(),
                    |q| format!("{} ({}–{}), n {}", num(q.median), num(q.q1), num(q.q3), q.n),
                ),
            ),
            (
                "Intervals longer than 13 weeks, of all intervals".to_owned(),
                share(&s.intervals_over_13_weeks),
            ),
            (
                "Patients with an interval longer than 13 weeks".to_owned(),
                share(&s.patients_with_interval_over_13_weeks),
            ),
            (
                "Sessions with follow-the-pain sites".to_owned(),
                share(&s.follow_the_pain_sessions),
            ),
            (
                "Follow-the-pain units in those sessions".to_owned(),
                mean_ci(&s.follow_the_pain_units),
            ),
        ],
        session_comparators: s.comparators.iter().map(comparator).collect(),
        decisions: r
            .decisions
            .iter()
            .flat_map(|set| {
                set.rules.iter().flat_map(move |rule| {
                    rule.by_cycle.iter().map(move |c| DecisionRow {
                        rule_set: set.rule_set.clone(),
                        rule: rule.description.clone(),
                        source: rule.source.clone(),
                        cycle: c.cycle,
                        met: c.met,
                        not_met: c.not_met,
                        review: c.review,
                        unknown: c.unknown,
                        not_yet: c.not_yet_applicable,
                    })
                })
            })
            .collect(),
        safety_sessions: a.sessions,
        events: vec![
            events("All".to_owned(), &a.all),
            events("Serious".to_owned(), &a.serious),
            events("Not serious".to_owned(), &a.non_serious),
            events(
                "Treatment-related (clinic's assessment)".to_owned(),
                &a.treatment_related,
            ),
        ],
        terms: a
            .by_term
            .iter()
            .map(|t| {
                events(
                    format!("{} ({} serious)", t.term, t.serious_events),
                    &t.figures,
                )
            })
            .collect(),
        published,
        wording: r.wording.to_owned(),
        reduction_chart: cephalog_charts::cohort_responders_svg("reduction", &r.cycles),
        headache_chart: cephalog_charts::cohort_headache_days_svg("headache-days", &r.cycles),
        persistence_chart: cephalog_charts::cohort_persistence_svg("persistence", &r.persistence),
    }
}

fn choices(
    options: impl IntoIterator<Item = (String, String)>,
    current: Option<&str>,
) -> Vec<Choice> {
    options
        .into_iter()
        .map(|(value, label)| Choice {
            selected: current.map(str::trim) == Some(value.as_str()),
            value,
            label,
        })
        .collect()
}

fn form(state: &AppState, who: &Principal, q: &CohortQuery) -> FilterForm {
    let text = |v: &Option<String>| v.as_deref().unwrap_or("").trim().to_owned();
    let any = || std::iter::once((String::new(), "Any".to_owned()));
    FilterForm {
        on: q
            .on
            .as_deref()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .map_or_else(|| state.today().to_string(), str::to_owned),
        first_session_from: text(&q.first_session_from),
        first_session_to: text(&q.first_session_to),
        age_min: text(&q.age_min),
        age_max: text(&q.age_max),
        rules: choices(
            state
                .rules
                .iter()
                .map(|r| (r.id.clone(), format!("{} — {}", r.id, r.name))),
            Some(q.rules()),
        ),
        diagnosis: choices(
            any().chain(
                DiagnosisCode::ALL
                    .iter()
                    .map(|d| (d.code().to_owned(), format!("{} {}", d.code(), d.name()))),
            ),
            q.diagnosis.as_deref(),
        ),
        sex: choices(
            any().chain(
                [Sex::Female, Sex::Male, Sex::Other]
                    .map(|s| (s.as_str().to_owned(), s.as_str().to_owned())),
            ),
            q.sex.as_deref(),
        ),
        scope: (who.user.role == cephalog_auth::Role::Admin).then(|| {
            choices(
                [
                    ("clinic".to_owned(), format!("{} only", who.user.clinic)),
                    (
                        "installation".to_owned(),
                        "Every clinic of the installation".to_owned(),
                    ),
                ],
                Some(q.scope.as_deref().unwrap_or("clinic")),
            )
        }),
    }
}

async fn cohort(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<CohortQuery>,
) -> Result<Response, PageError> {
    let nav = Some(Nav::for_user(&who, "/cohort"));
    match read(&state, &who, &q).await {
        Ok(r) => Ok(render(&CohortPage {
            nav,
            form: form(&state, &who, &q),
            error: None,
            figures: Some(figures(&r)),
            pdf_href: pdf_href(&q),
        })),
        Err(WebError::Invalid { field, message }) => {
            // The form again, with the field at fault named; the audit layer records the read as
            // refused with this reason.
            let field = field.unwrap_or_default();
            let reason = format!("{field}: {message}");
            let mut response = (
                StatusCode::UNPROCESSABLE_ENTITY,
                render(&CohortPage {
                    nav,
                    form: form(&state, &who, &q),
                    error: Some(FieldError { field, message }),
                    figures: None,
                    pdf_href: pdf_href(&q),
                }),
            )
                .into_response();
            response
                .extensions_mut()
                .insert(crate::request_audit::Refusal(reason));
            Ok(response)
        }
        Err(e) => Err(PageError(e)),
    }
}
