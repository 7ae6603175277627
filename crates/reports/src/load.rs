//! Gathering what each report shows from the store, through the same use cases as the pages and
//! the command line. The caller has already checked access to the patient and records it.

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use cephalog_app::cohort::CohortFilter;
use cephalog_app::treatment::plan_for_sites;
use cephalog_charts::{TrendInput, calendar_months};
use cephalog_core::classify;
use cephalog_core::metrics::{DateRange, PeriodKind, PeriodMetrics, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_core::protocol::Plan;
use cephalog_core::reference::NORMALISATION_DAYS;
use cephalog_core::rules::RuleSet;
use cephalog_core::session::{Billing, Indication, VialSize};
use cephalog_store::{PatientRecord, SessionRecord, Store, StoreError};

use crate::ReportError;
use crate::cohort::ClinicOutcomes;
use crate::prior_auth::{PlannedTreatment, PriorAuthPacket};
use crate::session_note::SessionNote;
use crate::visit::{CALENDAR_MONTHS, VisitSummary};

/// The trend reaches back this many 28-day periods (about a year), as on the patient overview.
pub use cephalog_app::defaults::TREND_PERIODS;

/// The procedure note of the patient's session `session`; `NotFound` when the patient has no such
/// session.
pub async fn session_note(
    store: &Store,
    patient: &PatientRecord,
    session: Uuid,
    made_on: NaiveDate,
) -> Result<SessionNote, ReportError> {
    let record = cephalog_app::treatment::sessions(store, patient.id)
        .await?
        .into_iter()
        .find(|s| s.id == session)
        .ok_or_else(|| StoreError::NotFound(format!("session {session} of this patient")))?;
    Ok(SessionNote {
        patient: patient.clone(),
        session: record,
        made_on,
    })
}

/// The visit summary of `period`: figures under `preset`, the response under `response_rules`.
pub async fn visit_summary(
    store: &Store,
    patient: &PatientRecord,
    period: DateRange,
    preset: DayPreset,
    response_rules: &RuleSet,
    made_on: NaiveDate,
) -> Result<VisitSummary, ReportError> {
    let diary = cephalog_app::diary::diary(store, patient.id).await?;
    let has_migraine = patient.patient.has_migraine_diagnosis();
    let metrics = compute_metrics(&diary, has_migraine, period, PeriodKind::Days28, preset);
    let whole = PeriodMetrics::compute(&diary, period, preset, has_migraine);
    let migraine_sessions: Vec<NaiveDate> = cephalog_app::migraine_session_dates(store, patient.id)
        .await?
        .into_iter()
        .filter(|d| *d <= period.end)
        .collect();
    // The trend: up to a year of 28-day periods ending with the period (never before the diary).
    let trend = diary
        .days()
        .next()
        .map(|first| first.date())
        .and_then(|first| {
            let year_back =
                period.end - Duration::days(i64::from(NORMALISATION_DAYS) * TREND_PERIODS - 1);
            let start = period.start.min(year_back).max(first);
            let range = DateRange::new(start, period.end)?;
            let report = compute_metrics(&diary, has_migraine, range, PeriodKind::Days28, preset);
            let shown: Vec<NaiveDate> = migraine_sessions
                .iter()
                .copied()
                .filter(|d| *d >= start)
                .collect();
            let baseline = migraine_sessions.first().and_then(|f| {
                Some(cephalog_core::response::baseline_before(*f)).filter(|b| b.end >= start)
            });
            Some(TrendInput::from_metrics(&report, &shown, baseline))
        });
    let mut calendars = calendar_months(&diary, period.start, period.end, preset, has_migraine);
    let keep = calendars.len().saturating_sub(CALENDAR_MONTHS);
    calendars.drain(..keep);
    let classification = classify(&diary, has_migraine, period.end);
    let preventives = cephalog_app::pathway::preventives(store, patient.id)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let sessions: Vec<SessionRecord> = cephalog_app::treatment::sessions(store, patient.id)
        .await?
        .into_iter()
        .filter(|s| s.session.date() <= period.end)
        .collect();
    let response = cephalog_app::response(store, response_rules, patient, period.end, None).await?;
    let proms = cephalog_app::proms_by_cycle(store, patient.id, &migraine_sessions)
        .await?
        .into_iter()
        .filter(|q| q.date <= period.end)
        .collect();
    let adverse_events = cephalog_app::safety::adverse_events(store, Some(patient.id))
        .await?
        .into_iter()
        .filter(|a| a.event.onset() <= period.end)
        .collect();
    Ok(VisitSummary {
        patient: patient.clone(),
        period,
        made_on,
        metrics,
        whole,
        trend,
        calendars,
        classification,
        preventives,
        sessions,
        response_rules: (response_rules.id.clone(), response_rules.name.clone()),
        response,
        proms,
        adverse_events,
    })
}

/// The prior-authorisation (or, after a first session, re-authorisation) packet under `rules` on
/// `made_on`. The plan is the last chronic-migraine session's (its sites and vials), or PREEMPT
/// from one 200 U vial before any session.
pub async fn prior_auth(
    store: &Store,
    patient: &PatientRecord,
    rules: &RuleSet,
    made_on: NaiveDate,
) -> Result<PriorAuthPacket, ReportError> {
    let eligibility = cephalog_app::eligibility(store, rules, patient, made_on).await?;
    let diary = cephalog_app::diary::diary(store, patient.id).await?;
    let classification = classify(&diary, patient.patient.has_migraine_diagnosis(), made_on);
    let attestation =
        cephalog_app::pathway::overuse_attestation(store, patient.id, made_on).await?;
    let preventives = cephalog_app::pathway::preventives(store, patient.id)
        .await?
        .into_iter()
        .map(|(_, t)| t)
        .collect();
    let last = cephalog_app::treatment::sessions(store, patient.id)
        .await?
        .into_iter()
        .filter(|s| {
            *s.session.indication() == Indication::ChronicMigraine && s.session.date() <= made_on
        })
        .max_by_key(|s| s.session.date());
    let plan = match last {
        Some(s) => {
            let x = &s.session;
            PlannedTreatment {
                plan: plan_for_sites(&x.to_draft().sites),
                vial_size: x.vial_size(),
                vials: x.vials(),
                waste: x.waste(),
                billing: x.billing(),
                basis: format!("as the last session on {}", x.date()),
            }
        }
        None => {
            let plan = Plan::preempt();
            let (vial_size, vials) = (VialSize::U200, 1);
            let waste =
                Billing::planned_waste(vial_size, vials, plan.total_units()).ok_or_else(|| {
                    ReportError::Invalid("the plan does not fit its vials".to_owned())
                })?;
            PlannedTreatment {
                billing: Billing::of(&Indication::ChronicMigraine, waste),
                plan,
                vial_size,
                vials,
                waste,
                basis: "the PREEMPT fixed-site protocol".to_owned(),
            }
        }
    };
    let sessions: Vec<NaiveDate> = cephalog_app::migraine_session_dates(store, patient.id)
        .await?
        .into_iter()
        .filter(|d| *d <= made_on)
        .collect();
    let before_treatment =
        cephalog_app::eligibility_before_treatment(store, rules, patient, made_on)
            .await?
            .map(|(_, e)| e);
    let response = cephalog_app::response(store, rules, patient, made_on, None)
        .await?
        .map(|v| v.report);
    Ok(PriorAuthPacket {
        patient: patient.clone(),
        made_on,
        rules: rules.clone(),
        eligibility,
        before_treatment,
        classification,
        attestation,
        preventives,
        plan,
        sessions,
        response,
    })
}

/// The clinic outcomes report of the patients `filter` selects under `rules` (the installation's
/// rule sets, the filter's among them), as of `on`, through
/// [`cephalog_app::cohort::cohort_report`]; the clinic is named from the installation's clinics.
/// A filter the app refuses (a reversed range, an unknown rule set or clinic) is an error naming
/// it; a filter that matches nobody is a report saying so. The caller records the read.
pub async fn clinic_outcomes(
    store: &Store,
    rules: &[RuleSet],
    filter: &CohortFilter,
    on: NaiveDate,
    made_on: NaiveDate,
) -> Result<ClinicOutcomes, ReportError> {
    let report = cephalog_app::cohort::cohort_report(store, rules, filter, on).await?;
    let clinic = match filter.clinic {
        Some(id) => cephalog_app::patients::clinics(store)
            .await?
            .into_iter()
            .find(|c| c.id == id)
            .map(|c| c.name),
        None => None,
    };
    Ok(ClinicOutcomes {
        description: filter.describe(clinic.as_deref()),
        report,
        filter: filter.clone(),
        clinic,
        made_on,
    })
}
