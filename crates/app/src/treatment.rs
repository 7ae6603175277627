//! Botulinum-toxin sessions: the plan a session follows, the session built from what was given,
//! the recording-time safety checks, and the session as shown (waste, billing, differences from
//! the plan, checks and overrides).

use chrono::NaiveDate;
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::DiagnosisCode;
use cephalog_core::protocol::{
    Concentration, Muscle, NerveDose, Plan, PlanDiff, ProtocolError, Side, Target, Volume,
};
use cephalog_core::rules::RuleSet;
use cephalog_core::session::{
    Billing, CheckPolicy, EventNote, Indication, NerveBlock, Override, Pathway, Product, Session,
    SessionCheck, SessionDraft, SiteDose, ToxinDose, VialSize, Waste,
};
use cephalog_store::{PatientRecord, SessionRecord, Store, StoredOverride};

use crate::AppError;

/// The injection plan a session follows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanChoice {
    /// PREEMPT fixed sites, 155 U over 31 sites.
    Preempt,
    /// PREEMPT plus follow-the-pain sites, one 5 U site per entry.
    PreemptFtp(Vec<(Muscle, Side)>),
    /// Off-label botulinum toxin at the occipital nerves (occipital neuralgia).
    OccipitalToxin(Vec<NerveDose>),
}

impl PlanChoice {
    /// The plan; `concentration` applies to the occipital plan only (PREEMPT plans are at
    /// 5 U / 0.1 mL by definition).
    pub fn plan(&self, concentration: Concentration) -> Result<Plan, ProtocolError> {
        match self {
            PlanChoice::Preempt => Ok(Plan::preempt()),
            PlanChoice::PreemptFtp(extra) => Plan::preempt_ftp(extra),
            PlanChoice::OccipitalToxin(doses) => Plan::occipital_toxin(doses, concentration),
        }
    }

    /// What a session following this plan treats.
    pub fn indication(&self) -> Indication {
        match self {
            PlanChoice::OccipitalToxin(_) => Indication::OccipitalNeuralgia,
            PlanChoice::Preempt | PlanChoice::PreemptFtp(_) => Indication::ChronicMigraine,
        }
    }
}

/// The plan a set of given PREEMPT sites is compared with: PREEMPT, or PREEMPT with the
/// follow-the-pain sites given (beyond the per-muscle caps too: the checks judge those).
pub fn plan_for_sites(sites: &[SiteDose]) -> Plan {
    let extra: Vec<(Muscle, Side)> = sites
        .iter()
        .filter_map(|s| {
            let m = s.target.muscle()?;
            (m.takes_follow_the_pain() && s.ordinal > m.preempt_row().sites_per_side())
                .then_some((m, s.side))
        })
        .collect();
    if extra.is_empty() {
        Plan::preempt()
    } else {
        Plan::preempt_ftp(&extra)
            .or_else(|_| Plan::preempt_ftp_with_caps(&extra, None))
            .unwrap_or_else(|_| Plan::preempt())
    }
}

/// A site given that the plan does not have. Without an ordinal it is numbered after the plan's
/// sites at that target and side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedSite {
    pub target: Target,
    pub side: Side,
    pub ordinal: Option<u32>,
    pub units: u32,
}

/// A session as entered: the plan, the planned sites not given, the sites added, and the vial.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionSpec {
    pub date: NaiveDate,
    pub plan: PlanChoice,
    /// Planned sites not given: target, side, ordinal.
    pub skipped: Vec<(Target, Side, u32)>,
    pub added: Vec<AddedSite>,
    pub product: Product,
    pub vial_size: VialSize,
    pub vials: u32,
    pub lot: String,
    pub expiry: NaiveDate,
    /// Diluent per vial; `None` is the protocol's (2 mL per 100 U).
    pub diluent: Option<Volume>,
    /// Who gave the injections (a clinician or a nurse).
    pub injector: String,
    /// The prescribing clinician who signs the session.
    pub prescriber: Option<String>,
    pub notes: String,
}

/// The plan and the validated session a specification describes (not yet checked against the
/// patient's history). A skipped site the plan does not have is an error naming its index.
pub fn build_session(spec: SessionSpec, today: NaiveDate) -> Result<(Plan, Session), AppError> {
    let diluent = spec
        .diluent
        .unwrap_or_else(|| spec.vial_size.protocol_diluent());
    let plan = spec
        .plan
        .plan(Concentration::new(spec.vial_size.units(), diluent)?)?;
    let mut sites = SiteDose::from_plan(&plan);
    for (index, (target, side, ordinal)) in spec.skipped.iter().enumerate() {
        let before = sites.len();
        sites.retain(|d| !(d.target == *target && d.side == *side && d.ordinal == *ordinal));
        if sites.len() == before {
            return Err(AppError::NotPlanned {
                index,
                site: format!("{target} {side} #{ordinal}"),
            });
        }
    }
    for a in spec.added {
        let ordinal = a.ordinal.unwrap_or_else(|| {
            let last = plan
                .sites()
                .iter()
                .filter(|s| *s.target() == a.target && s.side() == a.side)
                .map(|s| s.ordinal())
                .chain(
                    sites
                        .iter()
                        .filter(|s| s.target == a.target && s.side == a.side)
                        .map(|s| s.ordinal),
                )
                .max()
                .unwrap_or(0);
            last + 1
        });
        sites.push(SiteDose {
            target: a.target,
            side: a.side,
            ordinal,
            units: a.units,
        });
    }
    let session = Session::record(
        SessionDraft {
            date: spec.date,
            indication: spec.plan.indication(),
            product: spec.product,
            vial_size: spec.vial_size,
            vials: spec.vials,
            lot: spec.lot,
            expiry: spec.expiry,
            diluent,
            sites,
            injector: spec.injector,
            prescriber: spec.prescriber,
            notes: spec.notes,
        },
        today,
    )?;
    Ok((plan, session))
}

/// What recording a session did: its id when saved, and the checks.
#[derive(Debug, Clone, PartialEq)]
pub struct SessionOutcome {
    /// `None` when nothing was saved: a dry run, or a refusal not overridden.
    pub id: Option<Uuid>,
    pub check: SessionCheck,
}

pub use crate::defaults::{
    ELIGIBILITY_RULES as DEFAULT_ELIGIBILITY_RULES, RESPONSE_RULES as DEFAULT_RESPONSE_RULES,
};

/// What the pathway checks need about the patient for a session on `date`: diagnoses, diary
/// days, the previous sessions, eligibility under [`DEFAULT_ELIGIBILITY_RULES`] on the session
/// date before the first chronic-migraine session, the continuation decisions under
/// [`DEFAULT_RESPONSE_RULES`] before later ones, and the adverse events with their urgent-review
/// flags, an acknowledged flag counting as closed.
pub async fn session_pathway(
    store: &Store,
    rules: &[RuleSet],
    r: &PatientRecord,
    date: NaiveDate,
) -> Result<Pathway, AppError> {
    let sessions = store.sessions(r.id).await?;
    let before: Vec<&SessionRecord> = sessions
        .iter()
        .filter(|s| s.session.date() < date)
        .collect();
    let previous_session = before.iter().map(|s| s.session.date()).max();
    let previous_migraine_session = before
        .iter()
        .filter(|s| s.session.indication() == &Indication::ChronicMigraine)
        .map(|s| s.session.date())
        .max();
    let diary_days = store.diary(r.id).await?.len();
    let (eligibility, continuation) = if previous_migraine_session.is_none() {
        let set = crate::find_rule_set(rules, DEFAULT_ELIGIBILITY_RULES)?;
        (Some(crate::eligibility(store, set, r, date).await?), None)
    } else {
        let set = crate::find_rule_set(rules, DEFAULT_RESPONSE_RULES)?;
        let report = crate::response(store, set, r, date, None).await?;
        (None, report.map(|v| (set.id.clone(), v.report.decisions)))
    };
    let session_dates: Vec<NaiveDate> = sessions.iter().map(|s| s.session.date()).collect();
    let acks = store.urgent_review_acks(Some(r.id)).await?;
    let events = store
        .adverse_events(Some(r.id))
        .await?
        .into_iter()
        .map(|e| EventNote {
            onset: e.event.onset(),
            term: e.event.reported_term().to_owned(),
            serious: e.event.is_serious(),
            open_urgent_review: e
                .event
                .distant_spread_review(&session_dates)
                .filter(|_| !acks.iter().any(|a| a.event == e.id))
                .map(|u| u.reason),
        })
        .collect();
    Ok(Pathway {
        diagnoses: r.patient.diagnoses().iter().map(|d| d.code).collect(),
        diary_days,
        previous_session,
        previous_migraine_session,
        eligibility,
        continuation,
        events,
    })
}

/// Runs the recording-time checks (the session against the patient's stored toxin history, and
/// the pathway checks of [`session_pathway`]) and, unless `dry_run` or a check refuses, records
/// the session (the store runs the checks again inside the write transaction, so a session
/// recorded meanwhile cannot slip past them).
pub async fn record_session(
    store: &Store,
    rules: &[RuleSet],
    r: &PatientRecord,
    session: &Session,
    overrides: &[Override],
    policy: &CheckPolicy,
    dry_run: bool,
) -> Result<SessionOutcome, AppError> {
    cephalog_core::limits::check_not_before_birth(
        "date",
        session.date(),
        r.patient.date_of_birth(),
    )?;
    let pathway = session_pathway(store, rules, r, session.date()).await?;
    let check = store
        .check_session(r.id, session, Some(&pathway), overrides, policy)
        .await?;
    if !check.may_save() || dry_run {
        return Ok(SessionOutcome { id: None, check });
    }
    let (id, check) = store
        .record_session(r.id, session, Some(&pathway), overrides, policy)
        .await?;
    Ok(SessionOutcome {
        id: Some(id),
        check,
    })
}

/// A session as shown: vial, units, waste, billing lines and, when known, the differences from
/// the plan, the checks and the stored overrides.
#[derive(Debug, Serialize)]
pub struct SessionView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
    pub date: NaiveDate,
    pub indication: String,
    pub product: String,
    pub vial: String,
    pub vials: u32,
    pub lot: &'a str,
    pub expiry: NaiveDate,
    pub concentration: String,
    pub units_given: u32,
    pub sites_given: u32,
    pub waste: Waste,
    pub billing: Billing,
    pub injector: &'a str,
    /// The prescribing clinician who signed the session (absent on sessions recorded before
    /// Cephalog kept it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prescriber: Option<&'a str>,
    pub notes: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub plan_differences: Option<PlanDiff>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checks: Option<&'a SessionCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overrides: Option<&'a [StoredOverride]>,
}

/// The view of `s`, compared with `plan` when given; its billing lines name the diagnosis they
/// rest on among the patient's `diagnoses`.
pub fn session_view<'a>(
    id: Option<Uuid>,
    s: &'a Session,
    diagnoses: &[DiagnosisCode],
    plan: Option<&Plan>,
    checks: Option<&'a SessionCheck>,
    overrides: Option<&'a [StoredOverride]>,
) -> SessionView<'a> {
    SessionView {
        id,
        date: s.date(),
        indication: s.indication().to_string(),
        product: s.product().to_string(),
        vial: s.vial_size().to_string(),
        vials: s.vials(),
        lot: s.lot().as_str(),
        expiry: s.expiry(),
        concentration: s.concentration().to_string(),
        units_given: s.units_given(),
        sites_given: s.site_count(),
        waste: s.waste(),
        billing: s.billing_for(diagnoses),
        injector: s.injector().as_str(),
        prescriber: s.prescriber().map(|p| p.as_str()),
        notes: s.notes(),
        plan_differences: plan.map(|p| s.diff(p)),
        checks,
        overrides,
    }
}

/// A nerve block as listed, with its billing lines.
#[derive(Debug, Serialize)]
pub struct BlockView<'a> {
    pub id: Uuid,
    #[serde(flatten)]
    pub block: &'a NerveBlock,
    pub billing: Billing,
}

/// A patient's sessions and nerve blocks, oldest first.
#[derive(Debug, Serialize)]
pub struct SessionList<'a> {
    pub sessions: Vec<SessionView<'a>>,
    pub nerve_blocks: Vec<BlockView<'a>>,
}

/// The list view of stored sessions (with their overrides) and nerve blocks.
pub fn session_list<'a>(
    sessions: &'a [SessionRecord],
    blocks: &'a [(Uuid, NerveBlock)],
    diagnoses: &[DiagnosisCode],
) -> SessionList<'a> {
    SessionList {
        sessions: sessions
            .iter()
            .map(|s| {
                session_view(
                    Some(s.id),
                    &s.session,
                    diagnoses,
                    None,
                    None,
                    Some(&s.overrides),
                )
            })
            .collect(),
        nerve_blocks: blocks
            .iter()
            .map(|(id, b)| BlockView {
                id: *id,
                block: b,
                billing: b.billing(),
            })
            .collect(),
    }
}

/// The patient's toxin sessions with their overrides, oldest first.
pub async fn sessions(store: &Store, patient: Uuid) -> Result<Vec<SessionRecord>, AppError> {
    Ok(store.sessions(patient).await?)
}

/// The patient's nerve blocks with their ids, oldest first.
pub async fn nerve_blocks(
    store: &Store,
    patient: Uuid,
) -> Result<Vec<(Uuid, NerveBlock)>, AppError> {
    Ok(store.nerve_blocks(patient).await?)
}

/// The patient's sessions and nerve blocks, loaded together for [`session_list`].
pub async fn sessions_and_blocks(
    store: &Store,
    patient: Uuid,
) -> Result<(Vec<SessionRecord>, Vec<(Uuid, NerveBlock)>), AppError> {
    Ok((
        store.sessions(patient).await?,
        store.nerve_blocks(patient).await?,
    ))
}

/// Records a nerve block.
pub async fn record_nerve_block(
    store: &Store,
    patient: Uuid,
    block: &NerveBlock,
) -> Result<Uuid, AppError> {
    Ok(store.record_nerve_block(patient, block).await?)
}

/// Records the relief a nerve block gave: its share, how long it lasted, and when it was assessed.
pub async fn record_block_relief(
    store: &Store,
    patient: Uuid,
    block: Uuid,
    percent: u32,
    minutes: u32,
    on: NaiveDate,
) -> Result<NerveBlock, AppError> {
    Ok(store
        .record_block_relief(patient, block, percent, minutes, on)
        .await?)
}

/// Records a toxin dose given elsewhere (it counts in the interval and cumulative-dose checks).
pub async fn add_other_toxin_dose(
    store: &Store,
    patient: Uuid,
    dose: &ToxinDose,
    today: NaiveDate,
) -> Result<(), AppError> {
    Ok(store.add_other_toxin_dose(patient, dose, today).await?)
}

/// Toxin doses given elsewhere, oldest first.
pub async fn other_toxin_doses(store: &Store, patient: Uuid) -> Result<Vec<ToxinDose>, AppError> {
    Ok(store.other_toxin_doses(patient).await?)
}

/// The date of the patient's latest headache session, if any.
pub async fn last_headache_session(
    store: &Store,
    patient: Uuid,
) -> Result<Option<NaiveDate>, AppError> {
    Ok(store.last_headache_session(patient).await?)
}

/// How many toxin sessions the installation has recorded.
pub async fn session_count(store: &Store) -> Result<i64, AppError> {
    Ok(store.session_count().await?)
}

/// The patient a session belongs to.
pub async fn session_patient(store: &Store, session: Uuid) -> Result<Uuid, AppError> {
    Ok(store.session_patient(session).await?)
}
