//! The cohort report as the page `/cohort` and the API's `GET /api/v1/cohort` ask for it: the
//! query's filters read and refused by name, the access decided by [`policy::cohort_access`], the
//! report computed by `cephalog-app`, and one audit entry per read naming the filters and the
//! number of patients in the words `cephalog cohort` uses.

use chrono::NaiveDate;
use serde::Deserialize;
use utoipa::IntoParams;

use cephalog_app::AppError;
use cephalog_app::cohort::CohortFilter;
use cephalog_core::cohort::CohortReport;
use cephalog_core::{DiagnosisCode, Sex};

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::WebError;
use crate::policy::{self, CohortScope};

/// The cohort report's filters, as query parameters (the page's form sends the same names; an
/// empty value is no filter).
#[derive(Debug, Clone, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CohortQuery {
    /// The report date: courses are followed up to it (default: today).
    #[param(value_type = Option<NaiveDate>)]
    pub on: Option<String>,
    /// First chronic-migraine session on or after this date; give first_session_to with it.
    #[param(value_type = Option<NaiveDate>)]
    pub first_session_from: Option<String>,
    /// First chronic-migraine session on or before this date; give first_session_from with it.
    #[param(value_type = Option<NaiveDate>)]
    pub first_session_to: Option<String>,
    /// Only patients with this ICHD-3 diagnosis recorded.
    #[param(value_type = Option<crate::api::schema::Ichd3Code>)]
    pub diagnosis: Option<String>,
    /// The rule set whose preset the figures use and whose stop decisions end time on treatment
    /// (default: nice-ta260).
    pub rules: Option<String>,
    /// Age at the first session, lowest (years); give age_max with it.
    #[param(value_type = Option<u32>, minimum = 0)]
    pub age_min: Option<String>,
    /// Age at the first session, highest (years); give age_min with it.
    #[param(value_type = Option<u32>, minimum = 0)]
    pub age_max: Option<String>,
    /// Only patients of this recorded sex.
    #[param(value_type = Option<crate::api::schema::Sex>)]
    pub sex: Option<String>,
    /// clinic (default): the caller's clinic; installation: every clinic (administrators only).
    #[param(value_type = Option<crate::api::schema::CohortScope>)]
    pub scope: Option<String>,
}

impl CohortQuery {
    /// Each parameter with its name, in the order of the form.
    pub fn fields(&self) -> [(&'static str, &Option<String>); 9] {
        [
            ("on", &self.on),
            ("first_session_from", &self.first_session_from),
            ("first_session_to", &self.first_session_to),
            ("diagnosis", &self.diagnosis),
            ("rules", &self.rules),
            ("age_min", &self.age_min),
            ("age_max", &self.age_max),
            ("sex", &self.sex),
            ("scope", &self.scope),
        ]
    }

    /// The API's reading: a parameter given empty is refused, naming it (the page's form sends
    /// the fields it leaves empty, and there an empty value is no filter).
    pub fn refuse_empty(&self) -> Result<(), WebError> {
        match self
            .fields()
            .into_iter()
            .find(|(_, v)| v.as_deref().is_some_and(|t| t.trim().is_empty()))
        {
            Some((field, _)) => Err(WebError::invalid(field, "give a value or leave it out")),
            None => Ok(()),
        }
    }
}

/// A value given, trimmed; an empty one is none.
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|t| !t.is_empty())
}

fn date(field: &'static str, v: &Option<String>) -> Result<Option<NaiveDate>, WebError> {
    given(v)
        .map(|t| {
            t.parse::<NaiveDate>().map_err(|_| {
                WebError::invalid(field, format!("'{t}' is not a date: write YYYY-MM-DD"))
            })
        })
        .transpose()
}

fn years(field: &'static str, v: &Option<String>) -> Result<Option<u32>, WebError> {
    given(v)
        .map(|t| {
            t.parse::<u32>().map_err(|_| {
                WebError::invalid(field, format!("'{t}' is not an age in whole years"))
            })
        })
        .transpose()
}

/// Both ends of a range, one end alone refused naming the missing one.
fn range<T>(
    (from_field, from): (&'static str, Option<T>),
    (to_field, to): (&'static str, Option<T>),
) -> Result<Option<(T, T)>, WebError> {
    match (from, to) {
        (None, None) => Ok(None),
        (Some(a), Some(b)) => Ok(Some((a, b))),
        (Some(_), None) => Err(WebError::invalid(
            to_field,
            format!("give {to_field} with {from_field}: a range needs both ends"),
        )),
        (None, Some(_)) => Err(WebError::invalid(
            from_field,
            format!("give {from_field} with {to_field}: a range needs both ends"),
        )),
    }
}

impl CohortQuery {
    /// The scope asked for (default: the clinic).
    pub fn scope(&self) -> Result<CohortScope, WebError> {
        match given(&self.scope) {
            None | Some("clinic") => Ok(CohortScope::Clinic),
            Some("installation") => Ok(CohortScope::Installation),
            Some(other) => Err(WebError::invalid(
                "scope",
                format!("'{other}' is not a scope: clinic or installation"),
            )),
        }
    }

    /// The rule set asked for, or the default.
    pub fn rules(&self) -> &str {
        given(&self.rules).unwrap_or(cephalog_app::defaults::RESPONSE_RULES)
    }

    /// The filters as given, in the words of `cephalog cohort`'s audit entry ("on 2026-07-01,
    /// rules nice-ta260, sex female"), before they are checked: what a refused read asked for.
    pub fn asked(&self, today: NaiveDate) -> String {
        let mut parts = vec![format!("rules {}", self.rules())];
        if let Some(s) = given(&self.scope) {
            parts.push(format!("scope {s}"));
        }
        if given(&self.first_session_from).is_some() || given(&self.first_session_to).is_some() {
            parts.push(format!(
                "first session {}..{}",
                given(&self.first_session_from).unwrap_or(""),
                given(&self.first_session_to).unwrap_or("")
            ));
        }
        if let Some(d) = given(&self.diagnosis) {
            parts.push(format!("diagnosis {d}"));
        }
        if given(&self.age_min).is_some() || given(&self.age_max).is_some() {
            parts.push(format!(
                "age {}..{}",
                given(&self.age_min).unwrap_or(""),
                given(&self.age_max).unwrap_or("")
            ));
        }
        if let Some(s) = given(&self.sex) {
            parts.push(format!("sex {s}"));
        }
        format!(
            "on {}, {}",
            given(&self.on).unwrap_or(&today.to_string()),
            parts.join(", ")
        )
    }

    /// The app's filter and the report date; a malformed value is refused naming its field.
    pub fn filter(
        &self,
        clinic: Option<uuid::Uuid>,
        today: NaiveDate,
    ) -> Result<(CohortFilter, NaiveDate), WebError> {
        let on = date("on", &self.on)?.unwrap_or(today);
        let mut f = CohortFilter::new(self.rules());
        f.clinic = clinic;
        f.first_session = range(
            (
                "first_session_from",
                date("first_session_from", &self.first_session_from)?,
            ),
            (
                "first_session_to",
                date("first_session_to", &self.first_session_to)?,
            ),
        )?;
        f.age = range(
            ("age_min", years("age_min", &self.age_min)?),
            ("age_max", years("age_max", &self.age_max)?),
        )?;
        f.diagnosis = given(&self.diagnosis)
            .map(|t| {
                t.parse::<DiagnosisCode>()
                    .map_err(|e| WebError::invalid("diagnosis", e))
            })
            .transpose()?;
        f.sex = given(&self.sex)
            .map(|t| t.parse::<Sex>().map_err(|e| WebError::invalid("sex", e)))
            .transpose()?;
        Ok((f, on))
    }
}

/// The query parameter an app filter refusal is about.
fn query_field(filter: &'static str) -> &'static str {
    match filter {
        "first-session" => "first_session_from",
        "age" => "age_min",
        "clinic" => "scope",
        other => other,
    }
}

/// A cohort report read.
#[derive(Debug, Clone)]
pub struct CohortRead {
    pub scope: CohortScope,
    pub filter: CohortFilter,
    /// The filters in words ("rules nice-ta260, clinic North Clinic, sex female").
    pub description: String,
    pub report: CohortReport,
}

fn forbidden(scope: CohortScope) -> WebError {
    WebError::Forbidden(match scope {
        CohortScope::Clinic => {
            "the cohort report is for clinicians and administrators; your role may not read it"
                .to_owned()
        }
        CohortScope::Installation => "only an administrator may read the whole installation's \
                                      cohort report; ask for your clinic's (scope clinic)"
            .to_owned(),
    })
}

/// The report `q` asks for, if `who` may read it. The read is recorded as `cohort.read` naming
/// the filters and "; N patient(s)"; a role or scope the policy refuses as `cohort.read.denied`;
/// a malformed filter answers 422 naming its field (recorded by the audit layer as
/// `cohort.read.refused` with the reason).
pub async fn read(
    state: &AppState,
    who: &Principal,
    q: &CohortQuery,
) -> Result<CohortRead, WebError> {
    const ACTION: &str = "cohort.read";
    let today = state.today();
    let home = who.user.clinic_id;
    let scope = match policy::cohort_access(&who.user, CohortScope::Clinic) {
        Ok(()) => q.scope(),
        Err(_) => Err(forbidden(CohortScope::Clinic)),
    };
    let scope = match scope {
        Ok(s) => s,
        Err(e) => {
            let action = if matches!(e, WebError::Forbidden(_)) {
                format!("{ACTION}.denied")
            } else {
                ACTION.to_owned()
            };
            audit::cohort(state, who, Some(home), &action, q.asked(today)).await?;
            return Err(e);
        }
    };
    let clinic = match scope {
        CohortScope::Clinic => Some(home),
        CohortScope::Installation => None,
    };
    if policy::cohort_access(&who.user, scope).is_err() {
        audit::cohort(
            state,
            who,
            Some(home),
            &format!("{ACTION}.denied"),
            q.asked(today),
        )
        .await?;
        return Err(forbidden(scope));
    }
    let computed = async {
        let (filter, on) = q.filter(clinic, today)?;
        let report = cephalog_app::cohort::cohort_report(&state.store, &state.rules, &filter, on)
            .await
            .map_err(|e| match e {
                AppError::Filter { filter, reason } => {
                    WebError::invalid(query_field(filter), reason)
                }
                other => other.into(),
            })?;
        Ok::<_, WebError>((filter, on, report))
    }
    .await;
    match computed {
        Ok((filter, on, report)) => {
            let description = filter.describe(Some(&who.user.clinic));
            audit::cohort(
                state,
                who,
                clinic,
                ACTION,
                format!(
                    "on {on}, {description}; {} patient(s)",
                    report.patients.selected
                ),
            )
            .await?;
            Ok(CohortRead {
                scope,
                filter,
                description,
                report,
            })
        }
        Err(e) => {
            audit::cohort(state, who, clinic, ACTION, q.asked(today)).await?;
            Err(e)
        }
    }
}
