//! The clinic cohort report.

use axum::Json;
use axum::extract::{Query, State};
use serde::Serialize;
use utoipa::ToSchema;

use cephalog_app::cohort::CohortFilter;
use cephalog_core::cohort::CohortReport;

use crate::AppState;
use crate::auth::Principal;
use crate::cohort::{CohortQuery, read};
use crate::error::{ApiError, ErrorBody};
use crate::policy::CohortScope;

/// The cohort report with what it was asked for.
#[derive(Debug, Serialize, ToSchema)]
pub struct CohortJson {
    /// clinic or installation.
    #[schema(value_type = super::schema::CohortScope)]
    pub scope: &'static str,
    /// The filters in words, as the audit trail names them: "rules nice-ta260, clinic North
    /// Clinic, sex female".
    pub description: String,
    /// The filters applied: clinic (id, or null for the installation), first_session
    /// ([from, to]), diagnosis, rules, age ([low, high]) and sex, each null when not asked for.
    #[schema(value_type = Object)]
    pub filters: CohortFilter,
    /// The report (`cephalog cohort --json` gives the same figures): as_of, rule_set, level;
    /// patients (considered, selected, excluded with the reason and count, without an adequate
    /// baseline); per cycle the treated, in progress, adequate-diary and insufficient-diary-data
    /// counts, the mean changes in headache, migraine and acute-medication days per 28 days with
    /// n and 95 % t interval, the shares who met the ≥30 % and ≥50 % reductions and below 15
    /// headache days with Wilson intervals, questionnaire changes, and the published comparators
    /// (study, figure, value, unit, time point, status: [V], [V2] or [unverified default]);
    /// persistence (Kaplan–Meier curve, median months, at-risk table, the 108-week landmark);
    /// sessions (units, sites, intervals, shares of intervals and of patients over 13 weeks,
    /// follow-the-pain); decisions per rule set, rule and cycle; safety (events per 100 sessions
    /// with exact Poisson interval, share of patients with Clopper–Pearson interval, by
    /// seriousness, relatedness and term, beside published figures); the wording note.
    #[schema(value_type = Object)]
    pub report: CohortReport,
}

/// The cohort report of the caller's clinic (or, for an administrator asking scope=installation,
/// of every clinic): who is in and out and why, per-cycle outcomes with n and 95 % intervals
/// beside the published figures, persistence, sessions, continuation decisions and adverse
/// events. For clinicians and administrators; every read is in the audit trail with its filters
/// and the number of patients. Figures describe diaries and records, never a diagnosis.
#[utoipa::path(get, path = "/cohort", tag = "cohort",
    params(CohortQuery),
    responses((status = 200, body = CohortJson),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn cohort(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<CohortQuery>,
) -> Result<Json<CohortJson>, ApiError> {
    q.refuse_empty()?;
    let r = read(&state, &who, &q).await?;
    Ok(Json(CohortJson {
        scope: match r.scope {
            CohortScope::Clinic => "clinic",
            CohortScope::Installation => "installation",
        },
        description: r.description,
        filters: r.filter,
        report: r.report,
    }))
}
