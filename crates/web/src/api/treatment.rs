//! Injection plans, botulinum-toxin sessions (recorded after the safety checks, or tried as a dry
//! run) and the clinic's re-treatment schedule.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use cephalog_app::AppError;
use cephalog_app::treatment::{
    AddedSite, PlanChoice, SessionSpec, build_session, record_session, session_list, session_view,
};
use cephalog_core::protocol::{
    Laterality, Muscle, NerveBlockPlan, Plan, ProtocolError, Side, Target, Volume,
};
use cephalog_core::schedule::{ScheduleError, ScheduleWindow};
use cephalog_core::session::{
    Check, CheckPolicy, Finding, Override, Product, SessionCheck, SessionError, VialSize,
};
use cephalog_store::StoreError;

use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{ApiError, ErrorBody, WebError};
use crate::policy::{ClinicNeed, Need};

#[derive(Debug, Deserialize, IntoParams)]
pub struct PlanQuery {
    /// preempt-ftp: follow-the-pain sites as MUSCLE:SIDE, comma-separated, e.g.
    /// `temporalis:left,trapezius:right` (one 5 U site each).
    pub extra: Option<String>,
    /// gon-block: left, right or bilateral (default).
    pub side: Option<String>,
}

/// A plan as served: every site with units and volume and the totals, or a nerve block.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum PlanJson {
    Injection {
        #[serde(flatten)]
        plan: Plan,
        total_units: u32,
        total_sites: u32,
        total_volume_ml: f64,
    },
    NerveBlock {
        kind: &'static str,
        #[serde(flatten)]
        block: NerveBlockPlan,
        total_volume_ml: f64,
        notes: Vec<String>,
        warnings: Vec<String>,
    },
}

fn follow_the_pain(text: &str, field: &str) -> Result<Vec<(Muscle, Side)>, WebError> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            let (m, side) = s.split_once(':').ok_or_else(|| {
                WebError::invalid(
                    field,
                    format!("'{s}': give MUSCLE:SIDE, e.g. temporalis:left"),
                )
            })?;
            let m = m
                .parse::<Muscle>()
                .map_err(|e| WebError::invalid(field, e))?;
            let side = side
                .parse::<Side>()
                .map_err(|e| WebError::invalid(field, e))?;
            Ok((m, side))
        })
        .collect()
}

/// An injection plan (`preempt`: 155 U over 31 sites; `preempt-ftp`: with follow-the-pain sites)
/// or the usual greater occipital nerve block (`gon-block`). For clinicians and nurses.
#[utoipa::path(get, path = "/plans/{kind}", tag = "treatment",
    params(("kind" = super::schema::PlanKind, Path, description = "preempt, preempt-ftp or gon-block"), PlanQuery),
    responses((status = 200, description = "The plan: kind, concentration, sites (target, side, ordinal, units, volume), totals and notes with sources; or for gon-block the nerve, laterality, agent, volume per side, total volume, notes and warnings", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn plan(
    State(state): State<AppState>,
    who: Principal,
    Path(kind): Path<String>,
    Query(q): Query<PlanQuery>,
) -> Result<Json<PlanJson>, ApiError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "plan.read").await?;
    let extra = follow_the_pain(q.extra.as_deref().unwrap_or(""), "extra")?;
    let injection = |plan: Plan| PlanJson::Injection {
        total_units: plan.total_units(),
        total_sites: plan.total_sites(),
        total_volume_ml: plan.total_volume().ml(),
        plan,
    };
    match kind.as_str() {
        "preempt" if extra.is_empty() => Ok(Json(injection(Plan::preempt()))),
        "preempt" => {
            Err(WebError::invalid("extra", "follow-the-pain sites need preempt-ftp").into())
        }
        "preempt-ftp" => Ok(Json(injection(
            Plan::preempt_ftp(&extra).map_err(|e| WebError::invalid("extra", e))?,
        ))),
        "gon-block" => {
            let side: Laterality = q
                .side
                .as_deref()
                .unwrap_or("bilateral")
                .parse()
                .map_err(|e| WebError::invalid("side", e))?;
            let block = NerveBlockPlan::typical_gon(side);
            Ok(Json(PlanJson::NerveBlock {
                kind: "gon_block",
                total_volume_ml: block.total_volume().ml(),
                notes: block.notes(),
                warnings: block.warnings(),
                block,
            }))
        }
        other => Err(WebError::NotFound(format!(
            "no plan '{other}' (preempt, preempt-ftp, gon-block)"
        ))
        .into()),
    }
}

/// The patient's botulinum-toxin sessions (vial, units, waste, billing lines, stored overrides)
/// and nerve blocks, oldest first.
#[utoipa::path(get, path = "/patients/{id}/sessions", tag = "treatment",
    params(("id" = Uuid, Path, description = "patient id")),
    responses((status = 200, description = "sessions (each with date, indication, product, vial, lot, expiry, concentration, units and sites given, waste, billing lines, injector, notes, overrides) and nerve_blocks (with billing and relief)", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn sessions(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "sessions.read").await?;
    let sessions = cephalog_app::treatment::sessions(&state.store, r.id).await?;
    let blocks = cephalog_app::treatment::nerve_blocks(&state.store, r.id).await?;
    let diagnoses: Vec<_> = r.patient.diagnoses().iter().map(|d| d.code).collect();
    Ok(Json(&session_list(&sessions, &blocks, &diagnoses)).into_response())
}

/// A muscle and side for one follow-the-pain site.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FtpSite {
    /// temporalis, occipitalis or trapezius.
    #[schema(value_type = super::schema::FtpMuscle)]
    pub muscle: String,
    /// left or right.
    #[schema(value_type = super::schema::LeftRight)]
    pub side: String,
}

/// A planned site not given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SkippedSite {
    /// A PREEMPT muscle, e.g. frontalis.
    #[schema(value_type = super::schema::Muscle)]
    pub site: String,
    /// left, right or midline.
    #[schema(value_type = super::schema::Side)]
    pub side: String,
    /// The site's number within muscle and side, from 1.
    #[serde(deserialize_with = "super::schema::integer")]
    #[schema(minimum = 1)]
    pub ordinal: u32,
}

/// A site given that the plan does not have (skip a planned site and add it back to change its
/// units).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ExtraSite {
    /// A PREEMPT muscle, e.g. temporalis.
    #[schema(value_type = super::schema::Muscle)]
    pub site: String,
    /// left, right or midline.
    #[schema(value_type = super::schema::Side)]
    pub side: String,
    /// Default: after the plan's sites at that muscle and side.
    #[serde(default, deserialize_with = "super::schema::optional_integer")]
    #[schema(minimum = 1)]
    pub ordinal: Option<u32>,
    #[serde(deserialize_with = "super::schema::integer")]
    #[schema(minimum = 1)]
    pub units: u32,
}

/// Going ahead despite a refusing check, with the clinical reason; recorded in the signed-in
/// prescriber's name.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideJson {
    /// retreatment_interval, cumulative_units, units_not_comparable, preempt_maximum,
    /// preempt_extra_outside_follow_the_pain or follow_the_pain_caps.
    #[schema(value_type = super::schema::OverridableCheck)]
    pub check: String,
    #[schema(min_length = 1, pattern = r"\S")]
    pub reason: String,
}

fn default_plan() -> String {
    "preempt".to_owned()
}

fn one() -> u32 {
    1
}

/// A PREEMPT or PREEMPT follow-the-pain session as given.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewSession {
    pub date: NaiveDate,
    /// preempt (default) or preempt-ftp.
    #[serde(default = "default_plan")]
    #[schema(value_type = super::schema::SessionPlan)]
    pub plan: String,
    /// preempt-ftp: one 5 U site per entry.
    #[serde(default, deserialize_with = "super::schema::objects")]
    pub follow_the_pain: Vec<FtpSite>,
    /// Planned sites not given.
    #[serde(default, deserialize_with = "super::schema::objects")]
    pub skipped: Vec<SkippedSite>,
    /// Sites given that the plan does not have.
    #[serde(default, deserialize_with = "super::schema::objects")]
    pub added: Vec<ExtraSite>,
    /// Default onabotulinumtoxinA (the only product sessions are recorded in).
    pub product: Option<String>,
    /// Units per vial: 100 or 200.
    #[serde(deserialize_with = "super::schema::integer")]
    #[schema(minimum = 100, maximum = 200, multiple_of = 100)]
    pub vial_size: u32,
    /// Vials opened (default 1).
    #[serde(default = "one", deserialize_with = "super::schema::integer")]
    #[schema(minimum = 1)]
    pub vials: u32,
    #[schema(min_length = 1, pattern = r"\S")]
    pub lot: String,
    /// The first day the vial may no longer be used.
    pub expiry: NaiveDate,
    /// Diluent per vial in mL (default 2 mL per 100 U: 5 U / 0.1 mL).
    pub diluent_ml: Option<f64>,
    /// Who gave the injections, a clinician or a nurse. Default: the signed-in user's name.
    pub injector: Option<String>,
    /// Username of the prescribing clinician of the clinic, who signs the session. Default: the
    /// signed-in user when a clinician; a nurse must name one.
    pub prescriber: Option<String>,
    #[serde(default)]
    pub notes: String,
    #[serde(default, deserialize_with = "super::schema::objects")]
    pub overrides: Vec<OverrideJson>,
    /// Run the checks and show waste and billing without saving.
    #[serde(default)]
    pub dry_run: bool,
}

/// One refusal of the safety checks.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusalJson {
    /// The check to name in an override.
    pub check: String,
    /// The finding in words, with its numbers and source.
    pub description: String,
    /// The finding's figures.
    #[schema(value_type = Object)]
    pub finding: Finding,
}

/// A session refused by the safety checks: nothing was saved.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedBody {
    pub error: RefusedDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RefusedDetail {
    /// Always `conflict`.
    pub code: String,
    pub message: String,
    /// Always `overrides`: an override with a reason lets a refusal through.
    pub field: Option<String>,
    pub refusals: Vec<RefusalJson>,
}

fn refused(check: &SessionCheck) -> Response {
    let checks: Vec<&str> = check.refusals.iter().map(|f| f.check().as_str()).collect();
    let body = RefusedBody {
        error: RefusedDetail {
            code: "conflict".to_owned(),
            message: format!(
                "session refused by the safety checks ({}); nothing was saved. Override only with a \
                 recorded clinical reason: overrides [{{\"check\", \"reason\"}}]",
                checks.join(", ")
            ),
            field: Some("overrides".to_owned()),
            refusals: check
                .refusals
                .iter()
                .map(|f| RefusalJson {
                    check: f.check().as_str().to_owned(),
                    description: f.to_string(),
                    finding: f.clone(),
                })
                .collect(),
        },
    };
    (StatusCode::CONFLICT, Json(body)).into_response()
}

/// The request field a session error is about.
fn session_field(e: &SessionError) -> Option<&'static str> {
    Some(match e {
        SessionError::FutureDate { .. } => "date",
        SessionError::Limit(l) => l.field,
        SessionError::Expired { .. } | SessionError::ExpiresOnSessionDate { .. } => "expiry",
        SessionError::NoVials
        | SessionError::TooManyVials { .. }
        | SessionError::MoreGivenThanOpened { .. } => "vials",
        SessionError::ProductNotSupported(_) | SessionError::UnknownProduct(_) => "product",
        SessionError::UnknownVialSize(_) => "vial_size",
        SessionError::NoSites => "skipped",
        SessionError::NotPreemptSite(_) | SessionError::ZeroDose => "added",
        SessionError::NotOverridable(_) | SessionError::UnknownCheck(_) => "overrides",
        SessionError::Protocol(p) => return protocol_field(p),
        _ => return None,
    })
}

fn protocol_field(e: &ProtocolError) -> Option<&'static str> {
    Some(match e {
        ProtocolError::EmptyText { field }
        | ProtocolError::TextTooLong { field, .. }
        | ProtocolError::ControlCharacter { field }
        | ProtocolError::BadVolume { field, .. } => match *field {
            "lot" => "lot",
            "injector" => "injector",
            "product" => "product",
            "diluent" => "diluent_ml",
            "override reason" | "override by" => "overrides",
            _ => return None,
        },
        ProtocolError::ZeroVialUnits(_) => "vial_size",
        ProtocolError::FtpMuscle(_)
        | ProtocolError::FtpTooManySites { .. }
        | ProtocolError::FtpMuscleCap { .. } => "follow_the_pain",
        ProtocolError::SideNotAllowed { .. }
        | ProtocolError::ZeroUnits { .. }
        | ProtocolError::ZeroOrdinal { .. }
        | ProtocolError::DuplicateSite { .. } => "added",
        _ => return None,
    })
}

fn invalid_session(e: SessionError) -> WebError {
    WebError::Invalid {
        field: session_field(&e).map(str::to_owned),
        message: e.to_string(),
    }
}

fn muscle_target(text: &str, field: String) -> Result<Target, WebError> {
    text.parse::<Target>()
        .map_err(|e| WebError::invalid(field, e))
}

fn parse_side(text: &str, field: String) -> Result<Side, WebError> {
    text.parse::<Side>()
        .map_err(|e| WebError::invalid(field, e))
}

/// The specification and overrides a request describes.
fn spec_from(
    n: NewSession,
    who: &Principal,
) -> Result<(SessionSpec, Vec<Override>, bool), WebError> {
    let plan = match n.plan.as_str() {
        "preempt" if n.follow_the_pain.is_empty() => PlanChoice::Preempt,
        "preempt" => {
            return Err(WebError::invalid(
                "follow_the_pain",
                "follow-the-pain sites need the plan preempt-ftp",
            ));
        }
        "preempt-ftp" => PlanChoice::PreemptFtp(
            n.follow_the_pain
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let m = s.muscle.parse::<Muscle>().map_err(|e| {
                        WebError::invalid(format!("follow_the_pain[{i}].muscle"), e)
                    })?;
                    Ok((
                        m,
                        parse_side(&s.side, format!("follow_the_pain[{i}].side"))?,
                    ))
                })
                .collect::<Result<_, WebError>>()?,
        ),
        other => {
            return Err(WebError::invalid(
                "plan",
                format!("no session plan '{other}' (preempt, preempt-ftp)"),
            ));
        }
    };
    let skipped = n
        .skipped
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok((
                muscle_target(&s.site, format!("skipped[{i}].site"))?,
                parse_side(&s.side, format!("skipped[{i}].side"))?,
                s.ordinal,
            ))
        })
        .collect::<Result<_, WebError>>()?;
    let added = n
        .added
        .iter()
        .enumerate()
        .map(|(i, s)| {
            Ok(AddedSite {
                target: muscle_target(&s.site, format!("added[{i}].site"))?,
                side: parse_side(&s.side, format!("added[{i}].side"))?,
                ordinal: s.ordinal,
                units: s.units,
            })
        })
        .collect::<Result<_, WebError>>()?;
    let product = n
        .product
        .as_deref()
        .map(str::parse::<Product>)
        .transpose()
        .map_err(|e| WebError::invalid("product", e))?
        .unwrap_or(Product::OnabotulinumtoxinA);
    let vial_size = n
        .vial_size
        .to_string()
        .parse::<VialSize>()
        .map_err(|e| WebError::invalid("vial_size", e))?;
    let diluent = n
        .diluent_ml
        .map(|ml| Volume::from_ml("diluent", ml))
        .transpose()
        .map_err(|e| WebError::invalid("diluent_ml", e))?;
    let name = who.user.display_name.trim();
    let name = if name.is_empty() {
        who.user.username.as_str().to_owned()
    } else {
        name.to_owned()
    };
    let overrides = n
        .overrides
        .iter()
        .enumerate()
        .map(|(i, o)| {
            let check = o
                .check
                .parse::<Check>()
                .map_err(|e| WebError::invalid(format!("overrides[{i}].check"), e))?;
            Override::new(check, &o.reason, &name).map_err(|e| {
                let part = if matches!(e, SessionError::NotOverridable(_)) {
                    "check"
                } else {
                    "reason"
                };
                WebError::invalid(format!("overrides[{i}].{part}"), e)
            })
        })
        .collect::<Result<Vec<_>, WebError>>()?;
    let spec = SessionSpec {
        date: n.date,
        plan,
        skipped,
        added,
        product,
        vial_size,
        vials: n.vials,
        lot: n.lot,
        expiry: n.expiry,
        diluent,
        injector: n.injector.unwrap_or(name),
        prescriber: None,
        notes: n.notes,
    };
    Ok((spec, overrides, n.dry_run))
}

/// A session as recorded or tried.
#[derive(Debug, Serialize)]
struct Recorded<'a> {
    /// False for a dry run.
    saved: bool,
    /// Whether the checks let the session be saved (no refusal left without an override).
    may_save: bool,
    #[serde(flatten)]
    session: cephalog_app::treatment::SessionView<'a>,
}

/// Records a PREEMPT or PREEMPT follow-the-pain session after the safety checks (re-treatment
/// interval, 400 U in 3 months, PREEMPT maximum, follow-the-pain caps; warnings never block).
/// A refusal not overridden answers 409 with the refusals and saves nothing. `dry_run` answers
/// 200 with the checks (refusals included, `may_save`), waste and billing lines, and saves
/// nothing. Prescribers only.
#[utoipa::path(post, path = "/patients/{id}/sessions", tag = "treatment",
    params(("id" = Uuid, Path, description = "patient id")),
    request_body = NewSession,
    responses(
        (status = 201, description = "Recorded: id, date, vial, units and sites given, waste (opened, given, discarded), billing lines (code, modifier, quantity), differences from the plan, checks (warnings, overridden)", body = Object),
        (status = 200, description = "Dry run: the same without id, saved = false, may_save and the refusals under checks", body = Object),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "Refused by the safety checks; nothing saved", body = RefusedBody),
        (status = 422, body = ErrorBody)))]
pub async fn record(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Json(n): Json<NewSession>,
) -> Result<Response, ApiError> {
    let r = audit::patient(&state, &who, id, Need::RecordSession, "session.record").await?;
    let prescriber =
        crate::pages::sessions::prescriber_for(&state, &who, n.prescriber.as_deref()).await?;
    let (mut spec, overrides, dry_run) = spec_from(n, &who)?;
    spec.prescriber = Some(prescriber);
    let (plan, session) = build_session(spec, state.today()).map_err(|e| match e {
        AppError::Session(s) => invalid_session(s),
        AppError::Protocol(p) => WebError::Invalid {
            field: protocol_field(&p).map(str::to_owned),
            message: p.to_string(),
        },
        other => other.into(),
    })?;
    let policy = CheckPolicy::default();
    let outcome = match record_session(
        &state.store,
        &state.rules,
        &r,
        &session,
        &overrides,
        &policy,
        dry_run,
    )
    .await
    {
        Ok(o) => o,
        Err(AppError::Store(StoreError::SessionRefused(check))) => return Ok(refused(&check)),
        Err(e) => return Err(e.into()),
    };
    let may_save = outcome.check.may_save();
    let view = session_view(
        outcome.id,
        &session,
        &r.patient
            .diagnoses()
            .iter()
            .map(|d| d.code)
            .collect::<Vec<_>>(),
        Some(&plan),
        Some(&outcome.check),
        None,
    );
    if dry_run {
        return Ok(Json(Recorded {
            saved: false,
            may_save,
            session: view,
        })
        .into_response());
    }
    let Some(session_id) = outcome.id else {
        return Ok(refused(&outcome.check));
    };
    audit::record(
        &state,
        &who,
        "session.record",
        "session",
        &session_id.to_string(),
        Some(r.id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Recorded {
            saved: true,
            may_save,
            session: view,
        }),
    )
        .into_response())
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ScheduleQuery {
    /// The date to plan for (default: today).
    pub on: Option<NaiveDate>,
    /// Earliest re-treatment, days after the last session (default 84).
    #[param(minimum = 0)]
    pub earliest_days: Option<i64>,
    /// Latest re-treatment before a patient counts as overdue (default 98); not before
    /// earliest_days.
    #[param(minimum = 0)]
    pub latest_days: Option<i64>,
}

/// The caller's clinic's patients too early, due and overdue for their next session.
#[utoipa::path(get, path = "/schedule", tag = "treatment",
    params(ScheduleQuery),
    responses((status = 200, description = "on, window, basis and the too_early, due and overdue lists (patient id, MRN, name, last session, days since, due window)", body = Object),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn schedule(
    State(state): State<AppState>,
    who: Principal,
    Query(q): Query<ScheduleQuery>,
) -> Result<Response, ApiError> {
    audit::clinic(&state, &who, ClinicNeed::Worklist, "schedule.read").await?;
    let defaults = ScheduleWindow::default();
    let window = ScheduleWindow::new(
        q.earliest_days.unwrap_or(defaults.earliest_days()),
        q.latest_days.unwrap_or(defaults.latest_days()),
    )
    .map_err(|e| {
        let field = match e {
            ScheduleError::NegativeEarliest(_) => "earliest_days",
            ScheduleError::LatestBeforeEarliest { .. } => "latest_days",
        };
        WebError::invalid(field, e)
    })?;
    let on = q.on.unwrap_or_else(|| state.today());
    let s = cephalog_app::treatment_schedule(&state.store, window, on, Some(who.user.clinic_id))
        .await?;
    Ok(Json(&s).into_response())
}
