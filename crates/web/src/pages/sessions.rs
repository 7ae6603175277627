//! Botulinum-toxin sessions: recording one from the PREEMPT plan (with follow-the-pain sites),
//! checking it before saving (running total, waste, billing lines, safety checks with overrides),
//! and the list and detail of recorded sessions.

use std::collections::{BTreeMap, BTreeSet};

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use cephalog_app::AppError;
use cephalog_app::treatment::SessionOutcome;
use cephalog_core::DiagnosisCode;
use cephalog_core::protocol::{FtpCaps, Muscle, Plan, PlanDiff, Side, Target};
use cephalog_core::reference::{PREEMPT_UNITS_PER_SITE, UNVERIFIED_MARK};
use cephalog_core::session::{
    Check, CheckPolicy, Indication, Override, Product, Session, SessionCheck, SessionDraft,
    SessionError, SiteDose, VialSize,
};
use cephalog_store::{PatientRecord, SessionRecord, StoreError};

use super::form::FormData;
use super::{Nav, Routes, render};
use crate::AppState;
use crate::audit;
use crate::auth::Principal;
use crate::error::{PageError, WebError};
use crate::layout::PatientHeader;
use crate::policy::{Need, patient_access};

pub(super) fn routes(r: Routes) -> Routes {
    r.get("/patients/{id}/sessions", list)
        .post("/patients/{id}/sessions", submit)
        .get("/patients/{id}/sessions/new", new_form)
        .get("/patients/{id}/sessions/{sid}", detail)
}

/// The key of a site, as the site map marks it (`data-site`): `<target>-<side>-<ordinal>` with
/// core's storage names, e.g. `temporalis-left-1`, `procerus-midline-1`.
pub fn site_key(target: &Target, side: Side, ordinal: u32) -> String {
    cephalog_charts::site_key(target, side, ordinal)
}

/// A PREEMPT muscle site read back from its key.
pub fn parse_site_key(key: &str) -> Option<(Muscle, Side, u32)> {
    let mut parts = key.rsplitn(3, '-');
    let ordinal = parts.next()?.parse::<u32>().ok()?;
    let side = parts.next()?.parse::<Side>().ok()?;
    let muscle = parts.next()?.parse::<Muscle>().ok()?;
    (ordinal > 0 && site_key(&Target::Muscle(muscle), side, ordinal) == key)
        .then_some((muscle, side, ordinal))
}

/// One site the form offers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteOption {
    pub key: String,
    pub muscle: Muscle,
    pub side: Side,
    pub ordinal: u32,
    pub units: u32,
    /// A follow-the-pain site: beyond the PREEMPT fixed sites.
    pub ftp: bool,
}

/// The PREEMPT fixed sites (31, 5 U each), then the follow-the-pain sites offered: in temporalis,
/// occipitalis and trapezius, on each side as many 5 U sites as the default per-muscle cap holds
/// (Blumenfeld 2010, [unverified default]); the checks refuse whatever goes beyond the label or
/// the caps.
pub fn site_options() -> Vec<SiteOption> {
    let mut out: Vec<SiteOption> = Plan::preempt()
        .sites()
        .iter()
        .filter_map(|s| {
            let muscle = s.target().muscle()?;
            Some(SiteOption {
                key: site_key(s.target(), s.side(), s.ordinal()),
                muscle,
                side: s.side(),
                ordinal: s.ordinal(),
                units: s.units(),
                ftp: false,
            })
        })
        .collect();
    for muscle in Muscle::ALL
        .into_iter()
        .filter(|m| m.takes_follow_the_pain())
    {
        let row = muscle.preempt_row();
        let extra = FtpCaps::BLUMENFELD_2010
            .cap_for(muscle)
            .unwrap_or(0)
            .div_ceil(PREEMPT_UNITS_PER_SITE);
        for &side in row.sides() {
            for n in 1..=extra {
                let ordinal = row.sites_per_side() + n;
                out.push(SiteOption {
                    key: site_key(&Target::Muscle(muscle), side, ordinal),
                    muscle,
                    side,
                    ordinal,
                    units: PREEMPT_UNITS_PER_SITE,
                    ftp: true,
                });
            }
        }
    }
    out
}

/// The sites ticked on a posted form (fields `site`), each one the form offers, each once.
pub(crate) fn sites_from_form(
    f: &FormData,
    options: &[SiteOption],
) -> Result<Vec<SiteDose>, WebError> {
    let mut seen = BTreeSet::new();
    let mut sites = Vec::new();
    for key in f.all("site") {
        let (muscle, side, ordinal) = parse_site_key(key)
            .ok_or_else(|| WebError::invalid("site", format!("'{key}' is not a site key")))?;
        let o = options
            .iter()
            .find(|o| o.muscle == muscle && o.side == side && o.ordinal == ordinal)
            .ok_or_else(|| {
                WebError::invalid(
                    "site",
                    format!("{muscle} {side} #{ordinal} is not an injection site of this form"),
                )
            })?;
        if seen.insert(key) {
            sites.push(SiteDose {
                target: Target::Muscle(o.muscle),
                side: o.side,
                ordinal: o.ordinal,
                units: o.units,
            });
        }
    }
    Ok(sites)
}

/// The plan a set of given sites is compared with: PREEMPT, or PREEMPT with the follow-the-pain
/// sites given (beyond the per-muscle caps too: the checks judge those).
pub fn plan_for(sites: &[SiteDose]) -> Plan {
    cephalog_app::treatment::plan_for_sites(sites)
}

/// The form field a session error is about.
fn session_field(e: &SessionError) -> &'static str {
    match e {
        SessionError::FutureDate { .. } => "date",
        SessionError::Limit(l) => l.field,
        SessionError::Expired { .. } | SessionError::ExpiresOnSessionDate { .. } => "expiry",
        SessionError::NoVials
        | SessionError::TooManyVials { .. }
        | SessionError::MoreGivenThanOpened { .. } => "vials",
        SessionError::ProductNotSupported(_) | SessionError::UnknownProduct(_) => "product",
        SessionError::UnknownVialSize(_) => "vial_size",
        SessionError::NoSites
        | SessionError::NotPreemptSite(_)
        | SessionError::ZeroDose
        | SessionError::UnknownIndication(_) => "site",
        SessionError::NotOverridable(_) | SessionError::UnknownCheck(_) => "override",
        SessionError::Protocol(p) => match p {
            cephalog_core::protocol::ProtocolError::BadVolume { .. }
            | cephalog_core::protocol::ProtocolError::ZeroVialUnits(_) => "diluent_ml",
            cephalog_core::protocol::ProtocolError::EmptyText { field }
            | cephalog_core::protocol::ProtocolError::TextTooLong { field, .. }
            | cephalog_core::protocol::ProtocolError::ControlCharacter { field } => match *field {
                "lot" => "lot",
                "injector" => "injector",
                _ => "site",
            },
            _ => "site",
        },
        SessionError::ReliefPercent(_) | SessionError::ReliefBeforeBlock { .. } => "site",
    }
}

fn session_error(e: SessionError) -> WebError {
    WebError::invalid(session_field(&e), e)
}

/// The chronic-migraine session a posted form describes (recorded today at the latest).
pub(crate) fn session_from_form(
    f: &FormData,
    options: &[SiteOption],
    prescriber: Option<String>,
    today: NaiveDate,
) -> Result<Session, WebError> {
    let date = f.required_date("date", "Session date")?;
    let product = f
        .get("product")
        .unwrap_or("onabotulinumtoxina")
        .parse::<Product>()
        .map_err(session_error)?;
    let vial_size = f
        .required("vial_size", "Vial size")?
        .parse::<VialSize>()
        .map_err(session_error)?;
    let vials: u32 = f
        .number("vials", "Vials opened")?
        .ok_or_else(|| WebError::invalid("vials", "Vials opened: fill this in"))?;
    let diluent = match f.get("diluent_ml") {
        None => vial_size.protocol_diluent(),
        Some(v) => {
            let ml: f64 = v.replace(',', ".").parse().map_err(|_| {
                WebError::invalid(
                    "diluent_ml",
                    format!("Diluent: '{v}' is not a number of mL"),
                )
            })?;
            cephalog_core::protocol::Volume::from_ml("diluent", ml)
                .map_err(|e| WebError::invalid("diluent_ml", e))?
        }
    };
    let sites = sites_from_form(f, options)?;
    Session::record(
        SessionDraft {
            date,
            indication: Indication::ChronicMigraine,
            product,
            vial_size,
            vials,
            lot: f.text("lot"),
            expiry: f.required_date("expiry", "Expiry")?,
            diluent,
            sites,
            injector: f.text("injector"),
            prescriber,
            notes: f.text("notes"),
        },
        today,
    )
    .map_err(session_error)
}

/// The prescribing clinician who signs a session recorded by `who`: the clinician named by
/// username (an enabled clinician of `who`'s clinic); with none named, `who` when a clinician. A
/// nurse records a session only with the prescriber named. Answers the prescriber's name.
pub(crate) async fn prescriber_for(
    state: &AppState,
    who: &Principal,
    named: Option<&str>,
) -> Result<String, WebError> {
    use cephalog_auth::{Role, Username};
    let named = named.map(str::trim).filter(|n| !n.is_empty());
    let Some(named) = named else {
        return if who.user.role == Role::Clinician {
            Ok(who.user.display_name.clone())
        } else {
            Err(WebError::invalid(
                "prescriber",
                "Prescriber: name the prescribing clinician (their username) who signs this session",
            ))
        };
    };
    let not_one = || {
        WebError::invalid(
            "prescriber",
            format!("Prescriber: '{named}' is not a clinician of this clinic"),
        )
    };
    let username = Username::new(named).map_err(|_| not_one())?;
    match state.store.user_with_hash(&username).await? {
        Some((u, _))
            if u.role == Role::Clinician && !u.disabled && u.clinic_id == who.user.clinic_id =>
        {
            Ok(u.display_name)
        }
        _ => Err(not_one()),
    }
}

/// The overrides of a posted form: each non-blank `override-<check>` is the reason to go ahead
/// despite that check's refusal, given by `by`.
pub(crate) fn overrides_from_form(f: &FormData, by: &str) -> Result<Vec<Override>, WebError> {
    f.with_prefix("override-")
        .map(|(check, reason)| {
            let field = format!("override-{check}");
            let check = check
                .parse::<Check>()
                .map_err(|e| WebError::invalid(&field, e))?;
            Override::new(check, reason, by).map_err(|e| WebError::invalid(&field, e))
        })
        .collect()
}

/// A checkbox of the form.
#[derive(Debug, Clone)]
pub struct SiteBox {
    pub key: String,
    pub label: String,
    pub units: u32,
    pub checked: bool,
}

/// The sites of one muscle.
#[derive(Debug, Clone)]
pub struct SiteGroup {
    pub title: String,
    pub sites: Vec<SiteBox>,
}

fn muscle_title(m: Muscle) -> String {
    let name = m.to_string();
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |c| {
        c.to_uppercase().collect::<String>() + chars.as_str()
    })
}

fn groups(options: &[SiteOption], checked: &BTreeSet<String>, ftp: bool) -> Vec<SiteGroup> {
    let mut out: Vec<SiteGroup> = Vec::new();
    for m in Muscle::ALL {
        let sites: Vec<SiteBox> = options
            .iter()
            .filter(|o| o.muscle == m && o.ftp == ftp)
            .map(|o| SiteBox {
                key: o.key.clone(),
                label: format!("{} {}", o.side, o.ordinal),
                units: o.units,
                checked: checked.contains(&o.key),
            })
            .collect();
        if sites.is_empty() {
            continue;
        }
        let units: u32 = sites.iter().map(|s| s.units).sum();
        let title = if ftp {
            format!(
                "{}: follow-the-pain, up to {} U in all (default cap, {UNVERIFIED_MARK})",
                muscle_title(m),
                FtpCaps::BLUMENFELD_2010.cap_for(m).unwrap_or(0)
            )
        } else {
            let n = sites.len();
            format!(
                "{}: {units} U at {n} site{}",
                muscle_title(m),
                if n == 1 { "" } else { "s" }
            )
        };
        out.push(SiteGroup { title, sites });
    }
    out
}

/// A finding of the checks in words.
#[derive(Debug, Clone)]
pub struct FindingRow {
    pub check: &'static str,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct OverriddenRow {
    pub check: &'static str,
    pub text: String,
    pub reason: String,
    pub by: String,
}

/// What "Check" shows: totals, waste, billing, differences from the plan and the checks.
#[derive(Debug, Clone)]
pub struct CheckView {
    pub units: u32,
    pub sites: u32,
    pub opened: u32,
    pub discarded: u32,
    pub concentration: String,
    pub billing: Vec<(String, String)>,
    pub billing_notes: Vec<String>,
    pub differences: Vec<String>,
    pub refusals: Vec<FindingRow>,
    pub warnings: Vec<FindingRow>,
    pub overridden: Vec<OverriddenRow>,
    pub unused: Vec<String>,
    pub may_save: bool,
}

/// The differences between given sites and the plan, in words.
pub fn diff_lines(d: &PlanDiff) -> Vec<String> {
    let mut out = Vec::new();
    for s in &d.skipped {
        out.push(format!(
            "skipped: {} {} #{} ({} U)",
            s.target(),
            s.side(),
            s.ordinal(),
            s.units()
        ));
    }
    for s in &d.added {
        out.push(format!(
            "added: {} {} #{} ({} U)",
            s.target(),
            s.side(),
            s.ordinal(),
            s.units()
        ));
    }
    for c in &d.changed {
        out.push(format!(
            "changed: {} {} #{}: {} U planned, {} U given",
            c.target, c.side, c.ordinal, c.planned_units, c.given_units
        ));
    }
    out
}

fn billing_rows(s: &Session, diagnoses: &[DiagnosisCode]) -> (Vec<(String, String)>, Vec<String>) {
    let b = s.billing_for(diagnoses);
    (
        b.lines
            .iter()
            .map(|l| (l.to_string(), l.description.clone()))
            .collect(),
        b.notes,
    )
}

pub(crate) fn check_view(
    s: &Session,
    plan: &Plan,
    c: &SessionCheck,
    diagnoses: &[DiagnosisCode],
) -> CheckView {
    let w = s.waste();
    let (billing, billing_notes) = billing_rows(s, diagnoses);
    CheckView {
        units: s.units_given(),
        sites: s.site_count(),
        opened: w.opened,
        discarded: w.discarded,
        concentration: s.concentration().to_string(),
        billing,
        billing_notes,
        differences: diff_lines(&s.diff(plan)),
        refusals: c
            .refusals
            .iter()
            .map(|f| FindingRow {
                check: f.check().as_str(),
                text: f.to_string(),
            })
            .collect(),
        warnings: c
            .warnings
            .iter()
            .map(|f| FindingRow {
                check: f.check().as_str(),
                text: f.to_string(),
            })
            .collect(),
        overridden: c
            .overridden
            .iter()
            .map(|o| OverriddenRow {
                check: o.finding.check().as_str(),
                text: o.finding.to_string(),
                reason: o.by.reason().to_owned(),
                by: o.by.by().to_string(),
            })
            .collect(),
        unused: c
            .unused_overrides
            .iter()
            .map(|o| o.check().as_str().to_owned())
            .collect(),
        may_save: c.may_save(),
    }
}

/// A textarea for the reason to override a refusing check.
#[derive(Debug, Clone)]
pub struct OverrideBox {
    pub check: &'static str,
    pub reason: String,
}

#[derive(askama::Template)]
#[template(path = "session_form.html")]
struct SessionFormPage {
    nav: Option<Nav>,
    p: PatientHeader,
    plan: &'static str,
    fixed: Vec<SiteGroup>,
    ftp: Vec<SiteGroup>,
    ftp_open: bool,
    running_total: String,
    date: String,
    today: NaiveDate,
    vial_size: String,
    vials: String,
    lot: String,
    expiry: String,
    diluent_ml: String,
    injector: String,
    prescriber: String,
    notes: String,
    plan_notes: Vec<String>,
    result: Option<CheckView>,
    overrides: Vec<OverrideBox>,
    site_map: Option<String>,
    error: Option<String>,
}

/// The form's values: defaults for a new session, or as posted.
struct Values {
    plan: &'static str,
    sites: BTreeSet<String>,
    date: String,
    vial_size: String,
    vials: String,
    lot: String,
    expiry: String,
    diluent_ml: String,
    injector: String,
    prescriber: String,
    notes: String,
    overrides: BTreeMap<String, String>,
}

fn plan_name(s: Option<&str>) -> &'static str {
    match s {
        Some("preempt-ftp") => "preempt-ftp",
        _ => "preempt",
    }
}

impl Values {
    fn new(plan: &'static str, who: &Principal, today: NaiveDate, options: &[SiteOption]) -> Self {
        Values {
            plan,
            sites: options
                .iter()
                .filter(|o| !o.ftp)
                .map(|o| o.key.clone())
                .collect(),
            date: today.to_string(),
            vial_size: "200".to_owned(),
            vials: "1".to_owned(),
            lot: String::new(),
            expiry: String::new(),
            diluent_ml: String::new(),
            injector: who.user.display_name.clone(),
            prescriber: if who.user.role == cephalog_auth::Role::Clinician {
                who.user.username.to_string()
            } else {
                String::new()
            },
            notes: String::new(),
            overrides: BTreeMap::new(),
        }
    }

    fn posted(f: &FormData) -> Self {
        Values {
            plan: plan_name(f.get("plan")),
            sites: f.all("site").map(str::to_owned).collect(),
            date: f.text("date"),
            vial_size: f.text("vial_size"),
            vials: f.text("vials"),
            lot: f.text("lot"),
            expiry: f.text("expiry"),
            diluent_ml: f.text("diluent_ml"),
            injector: f.text("injector"),
            prescriber: f.text("prescriber"),
            notes: f.text("notes"),
            overrides: f
                .with_prefix("override-")
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
        }
    }
}

fn running_total(options: &[SiteOption], sites: &BTreeSet<String>) -> String {
    let chosen: Vec<&SiteOption> = options.iter().filter(|o| sites.contains(&o.key)).collect();
    let units: u32 = chosen.iter().map(|o| o.units).sum();
    format!("{units} U at {} sites", chosen.len())
}

fn form_page(
    who: &Principal,
    r: &PatientRecord,
    today: NaiveDate,
    v: Values,
    result: Option<(&Session, &Plan, &SessionCheck)>,
    error: Option<String>,
) -> SessionFormPage {
    let options = site_options();
    let ftp_open =
        v.plan == "preempt-ftp" || options.iter().any(|o| o.ftp && v.sites.contains(&o.key));
    let plan = match result {
        Some((_, p, _)) => p.clone(),
        None => {
            let sites: Vec<SiteDose> = options
                .iter()
                .filter(|o| v.sites.contains(&o.key))
                .map(|o| SiteDose {
                    target: Target::Muscle(o.muscle),
                    side: o.side,
                    ordinal: o.ordinal,
                    units: o.units,
                })
                .collect();
            plan_for(&sites)
        }
    };
    let diagnoses: Vec<DiagnosisCode> = r.patient.diagnoses().iter().map(|d| d.code).collect();
    let result = result.map(|(s, p, c)| check_view(s, p, c, &diagnoses));
    // A textarea for every refusal found and every reason already given.
    let mut checks: BTreeSet<&'static str> = BTreeSet::new();
    if let Some(c) = &result {
        checks.extend(c.refusals.iter().map(|f| f.check));
        checks.extend(c.overridden.iter().map(|o| o.check));
    }
    for k in v.overrides.keys() {
        if let Ok(c) = k.parse::<Check>() {
            checks.insert(c.as_str());
        }
    }
    let overrides = checks
        .into_iter()
        .map(|check| OverrideBox {
            check,
            reason: v.overrides.get(check).cloned().unwrap_or_default(),
        })
        .collect();
    let site_map = form_site_map(&options, &v.sites);
    SessionFormPage {
        nav: Some(Nav::for_user(who, "")),
        p: PatientHeader::of(r, today)
            .titled("Record a session")
            .in_tab("Sessions"),
        plan: v.plan,
        fixed: groups(&options, &v.sites, false),
        ftp: groups(&options, &v.sites, true),
        ftp_open,
        running_total: running_total(&options, &v.sites),
        date: v.date,
        today,
        vial_size: v.vial_size,
        vials: v.vials,
        lot: v.lot,
        expiry: v.expiry,
        diluent_ml: v.diluent_ml,
        injector: v.injector,
        prescriber: v.prescriber,
        notes: v.notes,
        // The per-muscle caps are always the checks' default, even when the sites ticked go
        // beyond them.
        plan_notes: plan.notes_with_checked_caps(&FtpCaps::BLUMENFELD_2010),
        result,
        overrides,
        site_map: Some(site_map),
        error,
    }
}

/// The site map of the form: every site offered, ticked ones drawn as given, the others as
/// planned (the script dims unticked sites as they change).
fn form_site_map(options: &[SiteOption], ticked: &BTreeSet<String>) -> String {
    use cephalog_charts::{SiteMapInput, SiteMark, SiteState};
    let sites = options
        .iter()
        .map(|o| SiteMark {
            target: Target::Muscle(o.muscle),
            side: o.side,
            ordinal: o.ordinal,
            units: o.units,
            planned_units: None,
            state: if ticked.contains(&o.key) {
                SiteState::Given
            } else {
                SiteState::Planned
            },
        })
        .collect();
    cephalog_charts::site_map_svg(&SiteMapInput {
        id: "sites".to_owned(),
        title: "Injection sites: filled sites are ticked to be given".to_owned(),
        sites,
    })
}

#[derive(Debug, Deserialize)]
pub(crate) struct PlanQuery {
    plan: Option<String>,
}

async fn new_form(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Query(q): Query<PlanQuery>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::RecordSession, "session.form").await?;
    let today = state.today();
    let options = site_options();
    let v = Values::new(plan_name(q.plan.as_deref()), &who, today, &options);
    Ok(render(&form_page(&who, &r, today, v, None, None)))
}

async fn submit(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::RecordSession, "session.record").await?;
    let today = state.today();
    let f = FormData::new(pairs);
    let options = site_options();
    let save = f.get("action") == Some("save");
    let refused = |e: WebError| {
        let page = form_page(
            &who,
            &r,
            today,
            Values::posted(&f),
            None,
            Some(e.to_string()),
        );
        (e.status(), render(&page)).into_response()
    };
    let prescriber = match prescriber_for(&state, &who, f.get("prescriber")).await {
        Ok(p) => p,
        Err(e) => return Ok(refused(e)),
    };
    let session = match session_from_form(&f, &options, Some(prescriber), today) {
        Ok(s) => s,
        Err(e) => return Ok(refused(e)),
    };
    let by = who.user.display_name.clone();
    let overrides = match overrides_from_form(&f, &by) {
        Ok(o) => o,
        Err(e) => return Ok(refused(e)),
    };
    let plan = plan_for(&sites_from_form(&f, &options)?);
    let policy = CheckPolicy::default();
    let outcome = cephalog_app::treatment::record_session(
        &state.store,
        &state.rules,
        &r,
        &session,
        &overrides,
        &policy,
        !save,
    )
    .await;
    let check = match outcome {
        Ok(SessionOutcome { id: Some(sid), .. }) => {
            audit::record(
                &state,
                &who,
                "session.record",
                "session",
                &sid.to_string(),
                Some(r.id),
            )
            .await?;
            return Ok(Redirect::to(&format!("/patients/{}/sessions/{sid}", r.id)).into_response());
        }
        Ok(SessionOutcome { id: None, check }) if !save => {
            let page = form_page(
                &who,
                &r,
                today,
                Values::posted(&f),
                Some((&session, &plan, &check)),
                None,
            );
            return Ok(render(&page));
        }
        Ok(SessionOutcome { id: None, check }) => check,
        Err(AppError::Store(StoreError::SessionRefused(check))) => *check,
        Err(AppError::Limit(l)) => return Ok(refused(WebError::invalid(l.field, &l))),
        Err(e) => return Err(e.into()),
    };
    let page = form_page(
        &who,
        &r,
        today,
        Values::posted(&f),
        Some((&session, &plan, &check)),
        Some(
            "Not saved: the safety checks refuse this session. Give a reason for each refusal to \
             go ahead, or change the session."
                .to_owned(),
        ),
    );
    Ok((StatusCode::CONFLICT, render(&page)).into_response())
}

/// A session in the list.
#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: Uuid,
    pub date: NaiveDate,
    pub indication: String,
    pub units: u32,
    pub sites: u32,
    pub vials: String,
    pub injector: String,
    pub overrides: usize,
}

#[derive(askama::Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    nav: Option<Nav>,
    p: PatientHeader,
    sessions: Vec<SessionRow>,
    blocks: Vec<String>,
    may_prescribe: bool,
    next_due: Option<String>,
}

async fn list(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<Uuid>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "sessions.read").await?;
    let today = state.today();
    let records = cephalog_app::treatment::sessions(&state.store, r.id).await?;
    let blocks = cephalog_app::treatment::nerve_blocks(&state.store, r.id).await?;
    let last = records
        .iter()
        .filter(|s| s.session.indication().is_headache())
        .map(|s| s.session.date())
        .max();
    let next_due = last.map(|d| {
        let (from, to) = cephalog_core::schedule::ScheduleWindow::default().due_dates(d);
        format!("Next session due between {from} and {to} (last session {d}).")
    });
    let mut sessions: Vec<SessionRow> = records
        .iter()
        .map(|s| SessionRow {
            id: s.id,
            date: s.session.date(),
            indication: s.session.indication().to_string(),
            units: s.session.units_given(),
            sites: s.session.site_count(),
            vials: format!(
                "{} × {} vial, lot {}",
                s.session.vials(),
                s.session.vial_size(),
                s.session.lot()
            ),
            injector: s.session.injector().to_string(),
            overrides: s.overrides.len(),
        })
        .collect();
    sessions.reverse();
    Ok(render(&SessionsPage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&r, today).titled("Sessions"),
        sessions,
        blocks: blocks
            .iter()
            .rev()
            .map(|(_, b)| {
                let g = b.given();
                format!(
                    "{}: {} ({}), {} {} per side; injector {}",
                    b.date(),
                    g.nerve(),
                    g.laterality(),
                    g.volume_per_side(),
                    g.agent(),
                    b.injector()
                )
            })
            .collect(),
        may_prescribe: patient_access(&who.user, &r, Need::RecordSession).is_ok(),
        next_due,
    }))
}

/// One site of a recorded session.
#[derive(Debug, Clone)]
pub struct SiteRow {
    pub key: String,
    pub target: String,
    pub side: String,
    pub ordinal: u32,
    pub units: u32,
    pub volume: String,
}

#[derive(askama::Template)]
#[template(path = "session.html")]
struct SessionPage {
    nav: Option<Nav>,
    p: PatientHeader,
    session_id: Uuid,
    date: NaiveDate,
    indication: String,
    product: String,
    vials: String,
    lot: String,
    expiry: NaiveDate,
    injector: String,
    prescriber: Option<String>,
    notes: String,
    view: CheckView,
    sites: Vec<SiteRow>,
    overrides: Vec<cephalog_store::StoredOverride>,
    site_map: Option<String>,
}

async fn detail(
    State(state): State<AppState>,
    who: Principal,
    Path((id, sid)): Path<(Uuid, Uuid)>,
) -> Result<Response, PageError> {
    let r = audit::patient(&state, &who, id, Need::ReadClinical, "session.read").await?;
    let rec: SessionRecord = cephalog_app::treatment::sessions(&state.store, r.id)
        .await?
        .into_iter()
        .find(|s| s.id == sid)
        .ok_or_else(|| WebError::NotFound(format!("no session {sid} for this patient")))?;
    let s = &rec.session;
    let plan = plan_for(&s.to_draft().sites);
    // The checks as they stand now are not what was checked when it was saved: show only the
    // totals, waste, billing and differences, and the stored overrides.
    let diagnoses: Vec<DiagnosisCode> = r.patient.diagnoses().iter().map(|d| d.code).collect();
    let view = check_view(s, &plan, &SessionCheck::default(), &diagnoses);
    Ok(render(&SessionPage {
        nav: Some(Nav::for_user(&who, "")),
        p: PatientHeader::of(&r, state.today())
            .titled("Session")
            .in_tab("Sessions"),
        session_id: rec.id,
        date: s.date(),
        indication: s.indication().to_string(),
        product: s.product().to_string(),
        vials: format!("{} × {} vial", s.vials(), s.vial_size()),
        lot: s.lot().to_string(),
        expiry: s.expiry(),
        injector: s.injector().to_string(),
        prescriber: s.prescriber().map(ToString::to_string),
        notes: s.notes().to_owned(),
        view,
        sites: s
            .sites()
            .iter()
            .map(|x| SiteRow {
                key: site_key(x.target(), x.side(), x.ordinal()),
                target: x.target().to_string(),
                side: x.side().to_string(),
                ordinal: x.ordinal(),
                units: x.units(),
                volume: x.volume().to_string(),
            })
            .collect(),
        overrides: rec.overrides.clone(),
        site_map: Some(cephalog_charts::site_map_svg(
            &cephalog_charts::SiteMapInput::for_session(&plan, s),
        )),
    }))
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

    fn base(sites: &[String]) -> Vec<(String, String)> {
        let mut v: Vec<(String, String)> = [
            ("date", "2026-05-01"),
            ("product", "onabotulinumtoxina"),
            ("vial_size", "200"),
            ("vials", "1"),
            ("lot", "C1234"),
            ("expiry", "2027-01-01"),
            ("diluent_ml", ""),
            ("injector", "Dr Lee"),
            ("notes", ""),
        ]
        .iter()
        .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
        .collect();
        v.extend(sites.iter().map(|s| ("site".to_owned(), s.clone())));
        v
    }

    #[test]
    fn keys_round_trip_and_match_the_site_map_format() {
        assert_eq!(
            site_key(&Target::Muscle(Muscle::CervicalParaspinal), Side::Right, 2),
            "cervical_paraspinal-right-2"
        );
        assert_eq!(
            site_key(&Target::Muscle(Muscle::Procerus), Side::Midline, 1),
            "procerus-midline-1"
        );
        assert_eq!(
            parse_site_key("cervical_paraspinal-right-2"),
            Some((Muscle::CervicalParaspinal, Side::Right, 2))
        );
        for bad in [
            "",
            "temporalis-left",
            "temporalis-up-1",
            "temporalis-left-0",
            "x-left-1",
        ] {
            assert_eq!(parse_site_key(bad), None, "{bad}");
        }
        for o in site_options() {
            assert_eq!(parse_site_key(&o.key), Some((o.muscle, o.side, o.ordinal)));
            assert_eq!(
                o.key,
                cephalog_charts::site_key(&Target::Muscle(o.muscle), o.side, o.ordinal),
                "the form's keys are the site map's"
            );
        }
    }

    #[test]
    fn the_form_offers_preempt_and_capped_follow_the_pain_sites() {
        let options = site_options();
        let fixed: Vec<_> = options.iter().filter(|o| !o.ftp).collect();
        assert_eq!(fixed.len(), 31);
        assert_eq!(fixed.iter().map(|o| o.units).sum::<u32>(), 155);
        let ftp: Vec<_> = options.iter().filter(|o| o.ftp).collect();
        // Per side: temporalis 2 (10 U cap), occipitalis 2 (10 U), trapezius 4 (20 U).
        assert_eq!(ftp.len(), 16);
        assert!(ftp.iter().any(|o| o.key == "temporalis-left-5"));
        assert!(ftp.iter().any(|o| o.key == "trapezius-right-7"));
        assert!(ftp.iter().all(|o| o.muscle.takes_follow_the_pain()));
        let keys: BTreeSet<_> = options.iter().map(|o| &o.key).collect();
        assert_eq!(keys.len(), options.len());
    }

    #[test]
    fn a_full_preempt_session_from_the_form() {
        let options = site_options();
        let keys: Vec<String> = options
            .iter()
            .filter(|o| !o.ftp)
            .map(|o| o.key.clone())
            .collect();
        let f = FormData::new(base(&keys));
        let s = session_from_form(&f, &options, None, today()).expect("session");
        assert_eq!(s.units_given(), 155);
        assert_eq!(s.site_count(), 31);
        assert_eq!(s.waste().discarded, 45);
        assert!(s.concentration().is_preempt());
        assert!(s.diff(&plan_for(&s.to_draft().sites)).is_empty());
        let billing: Vec<String> = s.billing().lines.iter().map(ToString::to_string).collect();
        assert_eq!(billing, ["64615 × 1", "J0585 × 155", "J0585-JW × 45"]);
    }

    #[test]
    fn follow_the_pain_sites_join_the_plan() {
        let options = site_options();
        let mut keys: Vec<String> = options
            .iter()
            .filter(|o| !o.ftp)
            .map(|o| o.key.clone())
            .collect();
        keys.push("temporalis-left-5".to_owned());
        keys.push("temporalis-left-5".to_owned());
        keys.push("trapezius-right-4".to_owned());
        let f = FormData::new(base(&keys));
        let sites = sites_from_form(&f, &options).expect("sites");
        assert_eq!(sites.len(), 33, "a site ticked twice counts once");
        let plan = plan_for(&sites);
        assert_eq!(plan.total_units(), 165);
        let s = session_from_form(&f, &options, None, today()).expect("session");
        assert!(s.diff(&plan).is_empty());
    }

    #[test]
    fn bad_forms_name_the_field() {
        let options = site_options();
        let field = |pairs: Vec<(String, String)>| match session_from_form(
            &FormData::new(pairs),
            &options,
            None,
            today(),
        ) {
            Err(WebError::Invalid { field, .. }) => field,
            other => panic!("expected an invalid field, got {other:?}"),
        };
        let keys = vec!["corrugator-left-1".to_owned()];
        let mut v = base(&keys);
        v.push(("site".into(), "cervical_paraspinal-left-3".into()));
        assert_eq!(field(v).as_deref(), Some("site"));
        let with = |k: &str, val: &str| {
            base(&keys)
                .into_iter()
                .map(|(a, b)| if a == k { (a, val.to_owned()) } else { (a, b) })
                .collect::<Vec<_>>()
        };
        assert_eq!(
            field(with("expiry", "2026-04-01")).as_deref(),
            Some("expiry")
        );
        assert_eq!(field(with("date", "2026-05-02")).as_deref(), Some("date"));
        assert_eq!(field(with("vials", "0")).as_deref(), Some("vials"));
        assert_eq!(field(with("vials", "two")).as_deref(), Some("vials"));
        assert_eq!(field(with("lot", " ")).as_deref(), Some("lot"));
        assert_eq!(
            field(with("diluent_ml", "-1")).as_deref(),
            Some("diluent_ml")
        );
        assert_eq!(
            field(with("product", "dysport")).as_deref(),
            Some("product")
        );
        assert_eq!(field(with("vial_size", "50")).as_deref(), Some("vial_size"));
        assert_eq!(field(base(&[])).as_deref(), Some("site"));
    }

    #[test]
    fn overrides_from_reasons() {
        let f = form(&[
            (
                "override-retreatment_interval",
                "travelling abroad for 3 months",
            ),
            ("override-cumulative_units", "  "),
        ]);
        let o = overrides_from_form(&f, "Dr Lee").expect("overrides");
        assert_eq!(o.len(), 1);
        assert_eq!(o[0].check(), Check::RetreatmentInterval);
        assert_eq!(o[0].by().as_str(), "Dr Lee");
        let warning = form(&[("override-under_age", "x")]);
        assert!(overrides_from_form(&warning, "Dr Lee").is_err());
        let unknown = form(&[("override-nonsense", "x")]);
        match overrides_from_form(&unknown, "Dr Lee") {
            Err(WebError::Invalid { field, .. }) => {
                assert_eq!(field.as_deref(), Some("override-nonsense"));
            }
            other => panic!("{other:?}"),
        }
    }
}
