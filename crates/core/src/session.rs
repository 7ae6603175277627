//! What was actually given: botulinum-toxin sessions and occipital nerve blocks, their waste and
//! billing lines, and the safety checks run when a session is recorded (FDA label; CMS HCPCS and
//! JW/JZ rules; AMA CPT).
//!
//! A [`Session`] exists only validated (lot, expiry, units within the vials opened). Whether it may
//! be saved is a separate question answered by [`Session::check`]: refusals (re-treatment interval,
//! cumulative dose, PREEMPT maximum and site rules) block saving unless an [`Override`] with a
//! recorded reason covers them; warnings never block.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::{Serialize, Serializer};

use crate::eligibility::{CriterionOutcome, Eligibility, Verdict};
use crate::patient::{DiagnosisCode, age_on, icd10cm};
use crate::protocol::{
    Concentration, FtpCaps, InjectionSite, Muscle, Name, NerveBlockPlan, OccipitalNerve,
    PREEMPT_FIXED_SITE_TABLE, Plan, PlanDiff, ProtocolError, Side, Target, Volume, clean_text,
    sort_unique_sites, units_by_muscle,
};
use crate::reference::{
    ADULT_AGE_YEARS, CPT_CHEMODENERVATION_CHRONIC_MIGRAINE, CPT_GREATER_OCCIPITAL_NERVE_BLOCK,
    CUMULATIVE_MAX_UNITS, CUMULATIVE_WINDOW_INTERPRETATION, CUMULATIVE_WINDOW_MONTHS,
    FTP_MAX_EXTRA_UNITS, HCPCS_ONABOTULINUMTOXINA, MODIFIER_DISCARDED, MODIFIER_NONE_DISCARDED,
    PREEMPT_FIXED_SITE_COUNT, PREEMPT_FIXED_UNITS, PREEMPT_MAX_SITES, PREEMPT_MAX_UNITS,
    PREEMPT_SITE_VOLUME_MICROLITRES, PREEMPT_UNITS_PER_SITE, RETREATMENT_MIN_DAYS,
    RETREATMENT_MIN_WEEKS, UNVERIFIED_MARK, VIAL_100_DILUENT_MICROLITRES, VIAL_100_UNITS,
    VIAL_200_DILUENT_MICROLITRES, VIAL_200_UNITS,
};
use crate::response::{Decision, DecisionOutcome};

/// Longest vial lot number Cephalog keeps.
pub const LOT_MAX_CHARS: usize = 40;

/// Longest override reason Cephalog keeps.
pub const OVERRIDE_REASON_MAX_CHARS: usize = 500;

/// Errors in session and nerve-block data, each naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SessionError {
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
    #[error("date: {date} is in the future (today is {today})")]
    FutureDate { date: NaiveDate, today: NaiveDate },
    #[error("expiry: the vial lot expired on {expiry}, before the session date {date}")]
    Expired { expiry: NaiveDate, date: NaiveDate },
    #[error(
        "expiry: the vial lot expires on the session date {date}; Cephalog takes the expiry date as the first day a vial may no longer be used"
    )]
    ExpiresOnSessionDate { date: NaiveDate },
    #[error("vials: at least one vial must be opened")]
    NoVials,
    #[error("vials: {vials} vials of {vial_units} U is more than Cephalog can count")]
    TooManyVials { vials: u32, vial_units: u32 },
    #[error(
        "product: sessions are recorded in onabotulinumtoxinA units (vial sizes, reconstitution and protocol are its label's); {0} units are not interchangeable"
    )]
    ProductNotSupported(Product),
    #[error(
        "product: '{0}' is not a known botulinum toxin (onabotulinumtoxinA, abobotulinumtoxinA, incobotulinumtoxinA, prabotulinumtoxinA, daxibotulinumtoxinA, letibotulinumtoxinA, rimabotulinumtoxinB, or 'other:<name>')"
    )]
    UnknownProduct(String),
    #[error("vial size: '{0}' is not 100 or 200 U")]
    UnknownVialSize(String),
    #[error(
        "indication: '{0}' is not one of chronic_migraine, occipital_neuralgia or 'other:<name>'"
    )]
    UnknownIndication(String),
    #[error("sites: at least one injection site is needed")]
    NoSites,
    #[error("sites: {0} is not a PREEMPT muscle; a chronic-migraine session uses PREEMPT muscles")]
    NotPreemptSite(Target),
    #[error("units: {given} U given exceed the {opened} U opened")]
    MoreGivenThanOpened { given: u64, opened: u32 },
    #[error("units: at least 1 U must be given")]
    ZeroDose,
    #[error("override: {0} is a warning, not a refusal; it needs no override")]
    NotOverridable(Check),
    #[error("check: '{0}' is not a check name")]
    UnknownCheck(String),
    #[error("relief: {0} % is outside 0–100")]
    ReliefPercent(u32),
    #[error("relief: recorded on {recorded_on}, before the block on {date}")]
    ReliefBeforeBlock {
        recorded_on: NaiveDate,
        date: NaiveDate,
    },
    #[error("{0}")]
    Protocol(#[from] ProtocolError),
}

fn key_of(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// Why botulinum toxin was given.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Indication {
    /// Chronic migraine, PREEMPT protocol (FDA label).
    ChronicMigraine,
    /// Occipital neuralgia: always off-label (FDA label, Indications and Usage) [V].
    OccipitalNeuralgia,
    /// Any other indication (e.g. cervical dystonia); its doses count towards the cumulative cap.
    Other(Name),
}

impl Indication {
    /// Storage key: `chronic_migraine`, `occipital_neuralgia`, `other:<name>`; [`FromStr`] reads
    /// it back. Also the serialised form.
    pub fn key(&self) -> String {
        match self {
            Indication::ChronicMigraine => "chronic_migraine".to_owned(),
            Indication::OccipitalNeuralgia => "occipital_neuralgia".to_owned(),
            Indication::Other(n) => format!("other:{n}"),
        }
    }

    pub fn other(name: &str) -> Result<Self, SessionError> {
        Ok(Indication::Other(Name::new("indication", name)?))
    }

    /// The ICHD-3 diagnosis a session of this indication rests on.
    pub fn diagnosis(&self) -> Option<DiagnosisCode> {
        match self {
            Indication::ChronicMigraine => Some(DiagnosisCode::ChronicMigraine),
            Indication::OccipitalNeuralgia => Some(DiagnosisCode::OccipitalNeuralgia),
            Indication::Other(_) => None,
        }
    }

    pub fn is_off_label(&self) -> bool {
        *self == Indication::OccipitalNeuralgia
    }

    /// Headache indications, to which the chronic-migraine age statement applies.
    pub fn is_headache(&self) -> bool {
        matches!(
            self,
            Indication::ChronicMigraine | Indication::OccipitalNeuralgia
        )
    }
}

impl fmt::Display for Indication {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Indication::ChronicMigraine => f.write_str("chronic migraine (PREEMPT)"),
            Indication::OccipitalNeuralgia => f.write_str("occipital neuralgia (off-label)"),
            Indication::Other(n) => n.fmt(f),
        }
    }
}

impl FromStr for Indication {
    type Err = SessionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(name) = t.strip_prefix("other:") {
            return Indication::other(name);
        }
        match key_of(t).as_str() {
            "chronic_migraine" | "preempt" => Ok(Indication::ChronicMigraine),
            "occipital_neuralgia" => Ok(Indication::OccipitalNeuralgia),
            _ => Err(SessionError::UnknownIndication(s.to_owned())),
        }
    }
}

impl Serialize for Indication {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// A botulinum-toxin product. Units are product-specific and never interchangeable (FDA label)
/// [V2]: Cephalog never adds units of different products.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Product {
    /// Botox.
    OnabotulinumtoxinA,
    /// Dysport.
    AbobotulinumtoxinA,
    /// Xeomin.
    IncobotulinumtoxinA,
    /// Jeuveau.
    PrabotulinumtoxinA,
    /// Daxxify.
    DaxibotulinumtoxinA,
    /// Letybo.
    LetibotulinumtoxinA,
    /// Myobloc.
    RimabotulinumtoxinB,
    /// Any other product, by name.
    Other(Name),
}

impl Product {
    const KNOWN: [(Product, &'static str, &'static str); 7] = [
        (Product::OnabotulinumtoxinA, "onabotulinumtoxina", "botox"),
        (Product::AbobotulinumtoxinA, "abobotulinumtoxina", "dysport"),
        (
            Product::IncobotulinumtoxinA,
            "incobotulinumtoxina",
            "xeomin",
        ),
        (Product::PrabotulinumtoxinA, "prabotulinumtoxina", "jeuveau"),
        (
            Product::DaxibotulinumtoxinA,
            "daxibotulinumtoxina",
            "daxxify",
        ),
        (
            Product::LetibotulinumtoxinA,
            "letibotulinumtoxina",
            "letybo",
        ),
        (
            Product::RimabotulinumtoxinB,
            "rimabotulinumtoxinb",
            "myobloc",
        ),
    ];

    /// Storage key: the lower-case nonproprietary name, or `other:<name>`; [`FromStr`] reads it
    /// back (brand names too). Also the serialised form.
    pub fn key(&self) -> String {
        let key = match self {
            Product::OnabotulinumtoxinA => "onabotulinumtoxina",
            Product::AbobotulinumtoxinA => "abobotulinumtoxina",
            Product::IncobotulinumtoxinA => "incobotulinumtoxina",
            Product::PrabotulinumtoxinA => "prabotulinumtoxina",
            Product::DaxibotulinumtoxinA => "daxibotulinumtoxina",
            Product::LetibotulinumtoxinA => "letibotulinumtoxina",
            Product::RimabotulinumtoxinB => "rimabotulinumtoxinb",
            Product::Other(n) => return format!("other:{n}"),
        };
        key.to_owned()
    }
}

impl fmt::Display for Product {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = match self {
            Product::OnabotulinumtoxinA => "onabotulinumtoxinA (Botox)",
            Product::AbobotulinumtoxinA => "abobotulinumtoxinA (Dysport)",
            Product::IncobotulinumtoxinA => "incobotulinumtoxinA (Xeomin)",
            Product::PrabotulinumtoxinA => "prabotulinumtoxinA (Jeuveau)",
            Product::DaxibotulinumtoxinA => "daxibotulinumtoxinA (Daxxify)",
            Product::LetibotulinumtoxinA => "letibotulinumtoxinA (Letybo)",
            Product::RimabotulinumtoxinB => "rimabotulinumtoxinB (Myobloc)",
            Product::Other(n) => return n.fmt(f),
        };
        f.write_str(name)
    }
}

impl FromStr for Product {
    type Err = SessionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(name) = t.strip_prefix("other:") {
            return Ok(Product::Other(Name::new("product", name)?));
        }
        let k = key_of(t);
        Product::KNOWN
            .iter()
            .find(|(_, key, brand)| *key == k || *brand == k)
            .map(|(p, _, _)| p.clone())
            .ok_or_else(|| SessionError::UnknownProduct(s.to_owned()))
    }
}

impl Serialize for Product {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// OnabotulinumtoxinA single-dose vial sizes (FDA label) [V2].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum VialSize {
    #[serde(rename = "100")]
    U100,
    #[serde(rename = "200")]
    U200,
}

impl VialSize {
    pub fn units(self) -> u32 {
        match self {
            VialSize::U100 => VIAL_100_UNITS,
            VialSize::U200 => VIAL_200_UNITS,
        }
    }

    /// The diluent that gives 5 U / 0.1 mL: 2 mL for 100 U, 4 mL for 200 U (FDA label) [V2].
    pub fn protocol_diluent(self) -> Volume {
        match self {
            VialSize::U100 => Volume::from_microlitres(VIAL_100_DILUENT_MICROLITRES),
            VialSize::U200 => Volume::from_microlitres(VIAL_200_DILUENT_MICROLITRES),
        }
    }
}

impl fmt::Display for VialSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} U", self.units())
    }
}

impl FromStr for VialSize {
    type Err = SessionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = key_of(s).replace('_', "");
        match k.trim_end_matches('u') {
            "100" => Ok(VialSize::U100),
            "200" => Ok(VialSize::U200),
            _ => Err(SessionError::UnknownVialSize(s.to_owned())),
        }
    }
}

/// A vial lot number: trimmed, not empty, at most [`LOT_MAX_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Lot(String);

impl Lot {
    pub fn new(text: &str) -> Result<Self, SessionError> {
        Ok(Lot(clean_text("lot", text, LOT_MAX_CHARS)?))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Lot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// One site as given, before validation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SiteDose {
    pub target: Target,
    pub side: Side,
    pub ordinal: u32,
    pub units: u32,
}

impl SiteDose {
    /// The sites of a plan as doses, for recording a session given exactly as planned.
    pub fn from_plan(plan: &Plan) -> Vec<SiteDose> {
        plan.sites()
            .iter()
            .map(|s| SiteDose {
                target: s.target().clone(),
                side: s.side(),
                ordinal: s.ordinal(),
                units: s.units(),
            })
            .collect()
    }
}

/// An unvalidated botulinum-toxin session, as read from a form or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionDraft {
    pub date: NaiveDate,
    pub indication: Indication,
    pub product: Product,
    pub vial_size: VialSize,
    pub vials: u32,
    pub lot: String,
    pub expiry: NaiveDate,
    /// Diluent per vial.
    pub diluent: Volume,
    pub sites: Vec<SiteDose>,
    /// Who gave the injections: a clinician or a nurse.
    pub injector: String,
    /// The prescribing clinician who signs the session; `None` on sessions recorded before
    /// Cephalog kept it (the injector signed them).
    pub prescriber: Option<String>,
    pub notes: String,
}

/// A validated botulinum-toxin session.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Session {
    date: NaiveDate,
    indication: Indication,
    product: Product,
    vial_size: VialSize,
    vials: u32,
    lot: Lot,
    expiry: NaiveDate,
    concentration: Concentration,
    sites: Vec<InjectionSite>,
    injector: Name,
    prescriber: Option<Name>,
    notes: String,
    units_given: u32,
    units_opened: u32,
}

impl Session {
    /// Validates a new session: as [`Session::restore`], and not dated after `today`.
    pub fn record(draft: SessionDraft, today: NaiveDate) -> Result<Self, SessionError> {
        if draft.date > today {
            return Err(SessionError::FutureDate {
                date: draft.date,
                today,
            });
        }
        crate::limits::check_text("notes", &draft.notes, crate::limits::MAX_NOTE_CHARS)?;
        Self::restore(draft)
    }

    /// Validates a session read back from storage (no clock involved): onabotulinumtoxinA; at least
    /// one vial; a lot; a vial not expired on the session date (the expiry date is the first day a
    /// vial may no longer be used, so expiry on or before the session date is refused); sites that
    /// suit the indication; no more units given than opened.
    pub fn restore(d: SessionDraft) -> Result<Self, SessionError> {
        if d.product != Product::OnabotulinumtoxinA {
            return Err(SessionError::ProductNotSupported(d.product));
        }
        if d.vials == 0 {
            return Err(SessionError::NoVials);
        }
        let lot = Lot::new(&d.lot)?;
        if d.expiry < d.date {
            return Err(SessionError::Expired {
                expiry: d.expiry,
                date: d.date,
            });
        }
        if d.expiry == d.date {
            return Err(SessionError::ExpiresOnSessionDate { date: d.date });
        }
        let vial_units = d.vial_size.units();
        let units_opened = d
            .vials
            .checked_mul(vial_units)
            .ok_or(SessionError::TooManyVials {
                vials: d.vials,
                vial_units,
            })?;
        let concentration = Concentration::new(vial_units, d.diluent)?;
        let injector = Name::new("injector", &d.injector)?;
        if d.sites.is_empty() {
            return Err(SessionError::NoSites);
        }
        let mut sites = Vec::with_capacity(d.sites.len());
        for s in d.sites {
            if d.indication == Indication::ChronicMigraine && s.target.muscle().is_none() {
                return Err(SessionError::NotPreemptSite(s.target));
            }
            sites.push(InjectionSite::new(
                s.target,
                s.side,
                s.ordinal,
                s.units,
                &concentration,
            )?);
        }
        sort_unique_sites(&mut sites)?;
        let given: u64 = sites.iter().map(|s| u64::from(s.units())).sum();
        if given > u64::from(units_opened) {
            return Err(SessionError::MoreGivenThanOpened {
                given,
                opened: units_opened,
            });
        }
        // given <= units_opened, a u32.
        let units_given = u32::try_from(given).unwrap_or(units_opened);
        Ok(Session {
            date: d.date,
            indication: d.indication,
            product: d.product,
            vial_size: d.vial_size,
            vials: d.vials,
            lot,
            expiry: d.expiry,
            concentration,
            sites,
            injector,
            prescriber: d
                .prescriber
                .as_deref()
                .map(|p| Name::new("prescriber", p))
                .transpose()?,
            notes: d.notes,
            units_given,
            units_opened,
        })
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn indication(&self) -> &Indication {
        &self.indication
    }
    pub fn product(&self) -> &Product {
        &self.product
    }
    pub fn vial_size(&self) -> VialSize {
        self.vial_size
    }
    pub fn vials(&self) -> u32 {
        self.vials
    }
    pub fn lot(&self) -> &Lot {
        &self.lot
    }
    pub fn expiry(&self) -> NaiveDate {
        self.expiry
    }
    /// Diluent per vial.
    pub fn diluent(&self) -> Volume {
        self.concentration.diluent()
    }
    pub fn concentration(&self) -> &Concentration {
        &self.concentration
    }
    pub fn sites(&self) -> &[InjectionSite] {
        &self.sites
    }
    pub fn injector(&self) -> &Name {
        &self.injector
    }
    pub fn prescriber(&self) -> Option<&Name> {
        self.prescriber.as_ref()
    }
    pub fn notes(&self) -> &str {
        &self.notes
    }
    pub fn units_given(&self) -> u32 {
        self.units_given
    }
    pub fn units_opened(&self) -> u32 {
        self.units_opened
    }
    pub fn site_count(&self) -> u32 {
        u32::try_from(self.sites.len()).unwrap_or(u32::MAX)
    }

    /// The session as a draft, for storage and editing: [`Session::restore`] of it gives the
    /// session back.
    pub fn to_draft(&self) -> SessionDraft {
        SessionDraft {
            date: self.date,
            indication: self.indication.clone(),
            product: self.product.clone(),
            vial_size: self.vial_size,
            vials: self.vials,
            lot: self.lot.0.clone(),
            expiry: self.expiry,
            diluent: self.concentration.diluent(),
            sites: self
                .sites
                .iter()
                .map(|s| SiteDose {
                    target: s.target().clone(),
                    side: s.side(),
                    ordinal: s.ordinal(),
                    units: s.units(),
                })
                .collect(),
            injector: self.injector.to_string(),
            prescriber: self.prescriber.as_ref().map(ToString::to_string),
            notes: self.notes.clone(),
        }
    }

    /// Units opened, given and discarded (single-dose vials: what is not given is discarded).
    pub fn waste(&self) -> Waste {
        Waste {
            opened: self.units_opened,
            given: self.units_given,
            discarded: self.units_opened - self.units_given,
        }
    }

    /// This session as a dose for the interval and cumulative checks of later sessions.
    pub fn dose(&self) -> ToxinDose {
        ToxinDose {
            date: self.date,
            product: self.product.clone(),
            units: self.units_given,
            indication: self.indication.clone(),
        }
    }

    /// The sites given compared with `plan`.
    pub fn diff(&self, plan: &Plan) -> PlanDiff {
        plan.diff(&self.sites)
    }

    /// Billing lines (CMS HCPCS J0585, JW/JZ modifier FAQ; AMA CPT) [V]: CPT 64615 × 1 for a
    /// chronic-migraine session; J0585 × units given with J0585-JW × units discarded, or J0585-JZ ×
    /// units given when nothing is discarded (CMS puts JZ on the administered line). Never a price.
    pub fn billing(&self) -> Billing {
        Billing::of(&self.indication, self.waste())
    }

    /// [`Session::billing`] with the diagnosis each line rests on, from the patient's
    /// `diagnoses` ([`Billing::resting_on`]).
    pub fn billing_for(&self, diagnoses: &[DiagnosisCode]) -> Billing {
        self.billing().resting_on(&self.indication, diagnoses)
    }

    /// The safety checks at recording time. `date_of_birth` is the patient's; `history` holds the
    /// patient's other botulinum-toxin doses of every indication and product (earlier sessions via
    /// [`Session::dose`] and doses given elsewhere), not this session itself; `overrides` are the
    /// clinician's recorded reasons for going ahead despite a refusal.
    ///
    /// `pathway`, when given, adds the pathway checks ([`Pathway::findings`]); the use cases
    /// always give it, and only stores of records that predate those checks leave it out.
    pub fn check(
        &self,
        date_of_birth: NaiveDate,
        history: &[ToxinDose],
        pathway: Option<&Pathway>,
        overrides: &[Override],
        policy: &CheckPolicy,
    ) -> SessionCheck {
        let mut findings = Vec::new();
        if let Some(p) = pathway {
            findings.extend(p.findings(&self.indication, self.date));
        }
        self.check_interval(history, &mut findings);
        self.check_cumulative(history, &mut findings);
        let age = age_on(date_of_birth, self.date);
        if self.indication.is_headache() && age < ADULT_AGE_YEARS {
            findings.push(Finding::UnderAge {
                age,
                adult_age: ADULT_AGE_YEARS,
            });
        }
        if self.indication == Indication::ChronicMigraine {
            self.check_preempt(policy, &mut findings);
        }
        let waste = self.waste();
        if waste.discarded >= self.vial_size.units() {
            findings.push(Finding::WholeVialDiscarded {
                discarded_units: waste.discarded,
                vial_units: self.vial_size.units(),
            });
        }
        SessionCheck::sort(findings, overrides)
    }

    /// Re-treatment no sooner than 12 weeks (84 days) after, or before, any other botulinum-toxin
    /// dose of any indication (FDA label) [V2].
    fn check_interval(&self, history: &[ToxinDose], findings: &mut Vec<Finding>) {
        let before = history
            .iter()
            .filter(|d| d.date <= self.date)
            .max_by_key(|d| d.date);
        let after = history
            .iter()
            .filter(|d| d.date > self.date)
            .min_by_key(|d| d.date);
        for (dose, other_is_later) in [(before, false), (after, true)] {
            let Some(dose) = dose else { continue };
            let days_apart = (self.date - dose.date).num_days().abs();
            if days_apart < RETREATMENT_MIN_DAYS {
                findings.push(Finding::IntervalTooShort {
                    other_date: dose.date,
                    other_indication: dose.indication.clone(),
                    days_apart,
                    other_is_later,
                    minimum_days: RETREATMENT_MIN_DAYS,
                });
            }
        }
    }

    /// At most 400 U of onabotulinumtoxinA in any 3-month interval, all indications (FDA label)
    /// [V2], read as [`CUMULATIVE_WINDOW_INTERPRETATION`]. Doses of other products in a shared
    /// interval cannot be added and are refused for the clinician to assess.
    fn check_cumulative(&self, history: &[ToxinDose], findings: &mut Vec<Finding>) {
        let this = self.dose();
        let same: Vec<&ToxinDose> = history
            .iter()
            .filter(|d| d.product == self.product)
            .chain(std::iter::once(&this))
            .collect();
        let mut starts: Vec<NaiveDate> = same
            .iter()
            .map(|d| d.date)
            .filter(|s| *s <= self.date)
            .collect();
        starts.sort_unstable();
        starts.dedup();
        // The heaviest interval containing this session starts on one of the doses in it.
        let mut worst: Option<(NaiveDate, NaiveDate, u64)> = None;
        for start in starts {
            let end = window_end(start);
            if self.date >= end {
                continue;
            }
            let total: u64 = same
                .iter()
                .filter(|d| d.date >= start && d.date < end)
                .map(|d| u64::from(d.units))
                .sum();
            if worst.is_none_or(|(_, _, t)| total > t) {
                worst = Some((start, end, total));
            }
        }
        if let Some((start, end, total)) = worst
            && total > u64::from(CUMULATIVE_MAX_UNITS)
        {
            let mut doses: Vec<WindowDose> = same
                .iter()
                .filter(|d| d.date >= start && d.date < end)
                .map(|d| WindowDose {
                    date: d.date,
                    units: d.units,
                    indication: d.indication.clone(),
                    this_session: std::ptr::eq(*d, &this),
                })
                .collect();
            doses.sort_by_key(|d| d.date);
            findings.push(Finding::CumulativeUnitsExceeded {
                first_day: start,
                last_day: end.pred_opt().unwrap_or(end),
                total_units: total,
                limit_units: CUMULATIVE_MAX_UNITS,
                doses,
            });
        }
        for d in history.iter().filter(|d| d.product != self.product) {
            let shared = (d.date <= self.date && self.date < window_end(d.date))
                || (self.date <= d.date && d.date < window_end(self.date));
            if shared {
                findings.push(Finding::UnitsNotComparable {
                    date: d.date,
                    product: d.product.clone(),
                    units: d.units,
                    indication: d.indication.clone(),
                });
            }
        }
    }

    /// PREEMPT totals and sites: above 195 U or 39 sites refused; extra units only in temporalis,
    /// occipitalis and trapezius, at most 40 U (FDA label) [V2]; per-muscle caps from `policy`
    /// ([U] by default); fewer than 155 U or 31 sites, a site dose other than 5 U, or a
    /// concentration other than 5 U / 0.1 mL are warnings.
    fn check_preempt(&self, policy: &CheckPolicy, findings: &mut Vec<Finding>) {
        let units = self.units_given;
        let sites = self.site_count();
        if units > PREEMPT_MAX_UNITS || sites > PREEMPT_MAX_SITES {
            findings.push(Finding::PreemptAboveMaximum {
                units,
                sites,
                max_units: PREEMPT_MAX_UNITS,
                max_sites: PREEMPT_MAX_SITES,
            });
        }
        let by_muscle = units_by_muscle(&self.sites);
        let mut ftp_extra = 0;
        for row in &PREEMPT_FIXED_SITE_TABLE {
            let given = by_muscle.get(&row.muscle).copied().unwrap_or(0);
            let extra = given.saturating_sub(row.units);
            if extra == 0 {
                continue;
            }
            if !row.muscle.takes_follow_the_pain() {
                findings.push(Finding::PreemptExtraOutsideFollowThePain {
                    muscle: row.muscle,
                    extra_units: extra,
                });
                continue;
            }
            ftp_extra += extra;
            if let Some(cap) = policy.ftp_caps.and_then(|c| c.cap_for(row.muscle))
                && extra > cap
            {
                findings.push(Finding::FollowThePainCapExceeded {
                    muscle: row.muscle,
                    extra_units: extra,
                    cap_units: cap,
                });
            }
        }
        if ftp_extra > FTP_MAX_EXTRA_UNITS {
            findings.push(Finding::FollowThePainAboveMaximum {
                extra_units: ftp_extra,
                max_extra_units: FTP_MAX_EXTRA_UNITS,
            });
        }
        if units < PREEMPT_FIXED_UNITS || sites < PREEMPT_FIXED_SITE_COUNT {
            findings.push(Finding::PreemptBelowProtocol {
                units,
                sites,
                protocol_units: PREEMPT_FIXED_UNITS,
                protocol_sites: PREEMPT_FIXED_SITE_COUNT,
            });
        }
        for s in self
            .sites
            .iter()
            .filter(|s| s.units() != PREEMPT_UNITS_PER_SITE)
        {
            findings.push(Finding::PreemptSiteDose {
                target: s.target().clone(),
                side: s.side(),
                ordinal: s.ordinal(),
                units: s.units(),
                protocol_units: PREEMPT_UNITS_PER_SITE,
            });
        }
        if !self.concentration.is_preempt() {
            findings.push(Finding::ConcentrationNotProtocol {
                vial_units: self.concentration.units(),
                diluent: self.concentration.diluent(),
                units_per_tenth_ml: self.concentration.units_per_tenth_ml(),
            });
        }
    }
}

/// The first day after the 3-month interval that starts on `start`.
fn window_end(start: NaiveDate) -> NaiveDate {
    start
        .checked_add_months(Months::new(CUMULATIVE_WINDOW_MONTHS))
        .unwrap_or(NaiveDate::MAX)
}

/// Units opened, given and discarded in a session. `given + discarded == opened`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Waste {
    pub opened: u32,
    pub given: u32,
    pub discarded: u32,
}

/// One billing line: a code, an optional modifier, a quantity. Never a price.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BillingLine {
    pub code: &'static str,
    pub modifier: Option<&'static str>,
    pub quantity: u32,
    /// The diagnosis the line rests on (see [`Billing::resting_on`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<BillingDiagnosis>,
    pub description: String,
}

/// The diagnosis a billing line rests on: the patient's ICHD-3 diagnosis and its ICD-10-CM code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct BillingDiagnosis {
    pub ichd3: &'static str,
    pub name: &'static str,
    pub icd10cm: &'static str,
}

impl BillingDiagnosis {
    pub fn of(code: DiagnosisCode) -> Self {
        BillingDiagnosis {
            ichd3: code.code(),
            name: code.name(),
            icd10cm: icd10cm(code).code,
        }
    }
}

impl fmt::Display for BillingDiagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ICHD-3 {} {}, ICD-10-CM {}",
            self.ichd3, self.name, self.icd10cm
        )
    }
}

impl fmt::Display for BillingLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)?;
        if let Some(m) = self.modifier {
            write!(f, "-{m}")?;
        }
        write!(f, " × {}", self.quantity)?;
        if let Some(d) = &self.diagnosis {
            write!(f, " ({d})")?;
        }
        Ok(())
    }
}

/// Billing lines and what Cephalog could not code.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct Billing {
    pub lines: Vec<BillingLine>,
    pub notes: Vec<String>,
}

impl Billing {
    /// The billing lines of a session of `indication` with `waste` (see [`Session::billing`]); a
    /// planned session's lines come from the plan's units and the vials it will open.
    pub fn of(indication: &Indication, waste: Waste) -> Billing {
        let mut lines = Vec::new();
        let mut notes = Vec::new();
        if *indication == Indication::ChronicMigraine {
            lines.push(BillingLine {
                code: CPT_CHEMODENERVATION_CHRONIC_MIGRAINE,
                modifier: None,
                quantity: 1,
                diagnosis: None,
                description: "chemodenervation for chronic migraine, bilateral, once per session"
                    .to_owned(),
            });
        } else {
            notes.push(format!(
                    "no procedure code for {} that Cephalog has checked: code the injection procedure by hand",
                    indication
                ));
        }
        if waste.discarded > 0 {
            lines.push(BillingLine {
                code: HCPCS_ONABOTULINUMTOXINA,
                modifier: None,
                quantity: waste.given,
                diagnosis: None,
                description: "onabotulinumtoxinA, units administered".to_owned(),
            });
            lines.push(BillingLine {
                code: HCPCS_ONABOTULINUMTOXINA,
                modifier: Some(MODIFIER_DISCARDED),
                quantity: waste.discarded,
                diagnosis: None,
                description: "onabotulinumtoxinA, units discarded from single-dose vials"
                    .to_owned(),
            });
        } else {
            lines.push(BillingLine {
                code: HCPCS_ONABOTULINUMTOXINA,
                modifier: Some(MODIFIER_NONE_DISCARDED),
                quantity: waste.given,
                diagnosis: None,
                description: "onabotulinumtoxinA, units administered; nothing discarded".to_owned(),
            });
        }
        Billing { lines, notes }
    }

    /// The lines with the diagnosis they rest on: the patient's ICHD-3 diagnosis that the
    /// indication names (1.3 for chronic migraine, 13.4 for occipital neuralgia) with its
    /// ICD-10-CM code. A patient without that diagnosis on record gets a note saying the lines
    /// rest on none; an indication Cephalog has no diagnosis for is coded by hand.
    pub fn resting_on(mut self, indication: &Indication, diagnoses: &[DiagnosisCode]) -> Billing {
        let Some(needed) = indication.diagnosis() else {
            self.notes.push(format!(
                "no ICHD-3 diagnosis for {indication} in Cephalog: name the diagnosis on the claim by hand"
            ));
            return self;
        };
        if diagnoses.contains(&needed) {
            let d = BillingDiagnosis::of(needed);
            for line in &mut self.lines {
                line.diagnosis = Some(d);
            }
        } else {
            self.notes.push(format!(
                "the patient has no ICHD-3 {} ({}) diagnosis on record: these lines rest on no diagnosis",
                needed.code(),
                needed.name()
            ));
        }
        self
    }

    /// The waste of opening `vials` vials of `vial_size` to give `given` units (what is not given is
    /// discarded); `None` when the vials hold fewer units than are given.
    pub fn planned_waste(vial_size: VialSize, vials: u32, given: u32) -> Option<Waste> {
        let opened = vial_size.units().checked_mul(vials)?;
        let discarded = opened.checked_sub(given)?;
        Some(Waste {
            opened,
            given,
            discarded,
        })
    }
}

/// A botulinum-toxin dose for the interval and cumulative checks: a session recorded in Cephalog
/// ([`Session::dose`]) or a dose given elsewhere, of any indication and product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ToxinDose {
    date: NaiveDate,
    product: Product,
    units: u32,
    indication: Indication,
}

impl ToxinDose {
    /// A dose of at least 1 U, in the product's own units.
    pub fn new(
        date: NaiveDate,
        product: Product,
        units: u32,
        indication: Indication,
    ) -> Result<Self, SessionError> {
        if units == 0 {
            return Err(SessionError::ZeroDose);
        }
        Ok(ToxinDose {
            date,
            product,
            units,
            indication,
        })
    }
    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn product(&self) -> &Product {
        &self.product
    }
    pub fn units(&self) -> u32 {
        self.units
    }
    pub fn indication(&self) -> &Indication {
        &self.indication
    }
}

/// An adverse event as the recording-time checks see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventNote {
    pub onset: NaiveDate,
    pub term: String,
    pub serious: bool,
    /// Set when the event is flagged for urgent review and nobody has acknowledged it yet.
    pub open_urgent_review: Option<String>,
}

/// What the clinic knows about the patient's pathway when a session is recorded, loaded by the
/// caller from the stored records: diagnoses, diary, eligibility (before the first
/// chronic-migraine session), continuation decisions (before later ones) and adverse events.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Pathway {
    pub diagnoses: Vec<DiagnosisCode>,
    /// Diary days on record.
    pub diary_days: usize,
    /// The patient's last botulinum-toxin session (any indication) before this one.
    pub previous_session: Option<NaiveDate>,
    /// The last chronic-migraine session before this one; `None` makes this the first.
    pub previous_migraine_session: Option<NaiveDate>,
    /// Eligibility on the session date under the patient's rule set (for a first session).
    pub eligibility: Option<Eligibility>,
    /// The rule set the continuation decisions come from, and the decisions (later sessions).
    pub continuation: Option<(String, Vec<Decision>)>,
    pub events: Vec<EventNote>,
}

impl Pathway {
    /// The pathway findings for a session of `indication` on `date`: no ICHD-3 diagnosis; no
    /// diary; for chronic migraine, an eligibility verdict other than eligible before the first
    /// session, or a continuation rule that says stop before a later one; a serious adverse event
    /// that began on or after the previous session's day (and not after this session's); an
    /// urgent review not acknowledged, whenever it began.
    pub fn findings(&self, indication: &Indication, date: NaiveDate) -> Vec<Finding> {
        let mut out = Vec::new();
        if self.diagnoses.is_empty() {
            out.push(Finding::NoDiagnosis);
        }
        if self.diary_days == 0 {
            out.push(Finding::NoDiary);
        }
        if *indication == Indication::ChronicMigraine {
            if self.previous_migraine_session.is_none() {
                match &self.eligibility {
                    Some(e) if e.verdict == Verdict::Eligible => {}
                    Some(e) => out.push(Finding::EligibilityNotMet {
                        rule_set: e.rule_set.clone(),
                        verdict: Some(e.verdict),
                        unmet: e
                            .criteria
                            .iter()
                            .filter(|c| c.outcome != CriterionOutcome::Met)
                            .map(|c| {
                                let outcome = if c.outcome == CriterionOutcome::NotMet {
                                    "not met"
                                } else {
                                    "unknown"
                                };
                                format!("{} {outcome}", c.id)
                            })
                            .collect(),
                    }),
                    None => out.push(Finding::EligibilityNotMet {
                        rule_set: "(none evaluated)".to_owned(),
                        verdict: None,
                        unmet: Vec::new(),
                    }),
                }
            } else if let Some((rule_set, decisions)) = &self.continuation {
                for d in decisions
                    .iter()
                    .filter(|d| d.outcome == DecisionOutcome::Stop)
                {
                    out.push(Finding::ContinuationStop {
                        rule_set: rule_set.clone(),
                        rule: d.rule.clone(),
                        evidence: d.evidence.clone(),
                    });
                }
            }
        }
        for e in &self.events {
            let since_previous = self.previous_session.is_none_or(|p| e.onset >= p);
            if e.serious && since_previous && e.onset <= date {
                out.push(Finding::SeriousAdverseEventSince {
                    onset: e.onset,
                    term: e.term.clone(),
                    previous_session: self.previous_session,
                });
            }
            if let Some(reason) = &e.open_urgent_review {
                out.push(Finding::OpenUrgentReview {
                    onset: e.onset,
                    term: e.term.clone(),
                    reason: reason.clone(),
                });
            }
        }
        out
    }
}

/// Settings of the checks a clinic may change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CheckPolicy {
    /// Follow-the-pain per-muscle caps; `None` applies only the label limits. Default: the
    /// unverified Blumenfeld 2010 caps.
    pub ftp_caps: Option<FtpCaps>,
}

impl Default for CheckPolicy {
    fn default() -> Self {
        CheckPolicy {
            ftp_caps: Some(FtpCaps::BLUMENFELD_2010),
        }
    }
}

/// The checks run when a session is recorded. Refusals block saving unless overridden; warnings
/// are shown and never block.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// Refusal: another botulinum-toxin dose less than 84 days away.
    RetreatmentInterval,
    /// Refusal: more than 400 U in a 3-month interval.
    CumulativeUnits,
    /// Refusal: a dose of another product in a shared 3-month interval cannot be added.
    UnitsNotComparable,
    /// Refusal: PREEMPT above 195 U, 39 sites or 40 U of follow-the-pain.
    PreemptMaximum,
    /// Refusal: PREEMPT extra units outside temporalis, occipitalis and trapezius.
    PreemptExtraOutsideFollowThePain,
    /// Refusal: follow-the-pain per-muscle caps ([U] by default).
    FollowThePainCaps,
    /// Warning: PREEMPT below 155 U or 31 sites.
    PreemptBelowProtocol,
    /// Warning: a PREEMPT site dose other than 5 U.
    PreemptSiteDose,
    /// Warning: a PREEMPT concentration other than 5 U / 0.1 mL.
    Concentration,
    /// Warning: under 18 on the session date.
    UnderAge,
    /// Warning: a whole vial's worth or more discarded.
    VialCount,
    /// Refusal: the patient has no ICHD-3 diagnosis on record.
    Diagnosis,
    /// Refusal: the patient has no diary day on record.
    Diary,
    /// Refusal: first chronic-migraine session with an eligibility verdict that is not "eligible".
    Eligibility,
    /// Refusal: a later chronic-migraine session while a continuation rule says stop.
    Continuation,
    /// Refusal: a serious adverse event began since the previous session.
    SeriousAdverseEvent,
    /// Refusal: an urgent review (boxed-warning symptom) has not been acknowledged.
    UrgentReview,
}

impl Check {
    pub const ALL: [Check; 17] = [
        Check::RetreatmentInterval,
        Check::CumulativeUnits,
        Check::UnitsNotComparable,
        Check::PreemptMaximum,
        Check::PreemptExtraOutsideFollowThePain,
        Check::FollowThePainCaps,
        Check::PreemptBelowProtocol,
        Check::PreemptSiteDose,
        Check::Concentration,
        Check::UnderAge,
        Check::VialCount,
        Check::Diagnosis,
        Check::Diary,
        Check::Eligibility,
        Check::Continuation,
        Check::SeriousAdverseEvent,
        Check::UrgentReview,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Check::RetreatmentInterval => "retreatment_interval",
            Check::CumulativeUnits => "cumulative_units",
            Check::UnitsNotComparable => "units_not_comparable",
            Check::PreemptMaximum => "preempt_maximum",
            Check::PreemptExtraOutsideFollowThePain => "preempt_extra_outside_follow_the_pain",
            Check::FollowThePainCaps => "follow_the_pain_caps",
            Check::PreemptBelowProtocol => "preempt_below_protocol",
            Check::PreemptSiteDose => "preempt_site_dose",
            Check::Concentration => "concentration",
            Check::UnderAge => "under_age",
            Check::VialCount => "vial_count",
            Check::Diagnosis => "diagnosis",
            Check::Diary => "diary",
            Check::Eligibility => "eligibility",
            Check::Continuation => "continuation",
            Check::SeriousAdverseEvent => "serious_adverse_event",
            Check::UrgentReview => "urgent_review",
        }
    }

    /// Whether a finding of this check blocks saving (unless overridden).
    pub fn is_refusal(self) -> bool {
        matches!(
            self,
            Check::RetreatmentInterval
                | Check::CumulativeUnits
                | Check::UnitsNotComparable
                | Check::PreemptMaximum
                | Check::PreemptExtraOutsideFollowThePain
                | Check::FollowThePainCaps
                | Check::Diagnosis
                | Check::Diary
                | Check::Eligibility
                | Check::Continuation
                | Check::SeriousAdverseEvent
                | Check::UrgentReview
        )
    }
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Check {
    type Err = SessionError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = key_of(s);
        Check::ALL
            .into_iter()
            .find(|c| c.as_str() == k)
            .ok_or_else(|| SessionError::UnknownCheck(s.to_owned()))
    }
}

/// A dose inside a 3-month interval of a cumulative finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowDose {
    pub date: NaiveDate,
    pub units: u32,
    pub indication: Indication,
    /// True for the session being recorded.
    pub this_session: bool,
}

/// One result of a check, with its numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "finding", rename_all = "snake_case")]
pub enum Finding {
    IntervalTooShort {
        other_date: NaiveDate,
        other_indication: Indication,
        days_apart: i64,
        other_is_later: bool,
        minimum_days: i64,
    },
    CumulativeUnitsExceeded {
        first_day: NaiveDate,
        last_day: NaiveDate,
        total_units: u64,
        limit_units: u32,
        doses: Vec<WindowDose>,
    },
    UnitsNotComparable {
        date: NaiveDate,
        product: Product,
        units: u32,
        indication: Indication,
    },
    PreemptAboveMaximum {
        units: u32,
        sites: u32,
        max_units: u32,
        max_sites: u32,
    },
    FollowThePainAboveMaximum {
        extra_units: u32,
        max_extra_units: u32,
    },
    PreemptExtraOutsideFollowThePain {
        muscle: Muscle,
        extra_units: u32,
    },
    FollowThePainCapExceeded {
        muscle: Muscle,
        extra_units: u32,
        cap_units: u32,
    },
    PreemptBelowProtocol {
        units: u32,
        sites: u32,
        protocol_units: u32,
        protocol_sites: u32,
    },
    PreemptSiteDose {
        target: Target,
        side: Side,
        ordinal: u32,
        units: u32,
        protocol_units: u32,
    },
    ConcentrationNotProtocol {
        vial_units: u32,
        diluent: Volume,
        units_per_tenth_ml: f64,
    },
    UnderAge {
        age: u32,
        adult_age: u32,
    },
    WholeVialDiscarded {
        discarded_units: u32,
        vial_units: u32,
    },
    NoDiagnosis,
    NoDiary,
    EligibilityNotMet {
        rule_set: String,
        verdict: Option<Verdict>,
        /// The criteria not met or unknown, in words.
        unmet: Vec<String>,
    },
    ContinuationStop {
        rule_set: String,
        rule: String,
        evidence: String,
    },
    SeriousAdverseEventSince {
        onset: NaiveDate,
        term: String,
        previous_session: Option<NaiveDate>,
    },
    OpenUrgentReview {
        onset: NaiveDate,
        term: String,
        reason: String,
    },
}

impl Finding {
    /// The check this finding belongs to.
    pub fn check(&self) -> Check {
        match self {
            Finding::IntervalTooShort { .. } => Check::RetreatmentInterval,
            Finding::CumulativeUnitsExceeded { .. } => Check::CumulativeUnits,
            Finding::UnitsNotComparable { .. } => Check::UnitsNotComparable,
            Finding::PreemptAboveMaximum { .. } | Finding::FollowThePainAboveMaximum { .. } => {
                Check::PreemptMaximum
            }
            Finding::PreemptExtraOutsideFollowThePain { .. } => {
                Check::PreemptExtraOutsideFollowThePain
            }
            Finding::FollowThePainCapExceeded { .. } => Check::FollowThePainCaps,
            Finding::PreemptBelowProtocol { .. } => Check::PreemptBelowProtocol,
            Finding::PreemptSiteDose { .. } => Check::PreemptSiteDose,
            Finding::ConcentrationNotProtocol { .. } => Check::Concentration,
            Finding::UnderAge { .. } => Check::UnderAge,
            Finding::WholeVialDiscarded { .. } => Check::VialCount,
            Finding::NoDiagnosis => Check::Diagnosis,
            Finding::NoDiary => Check::Diary,
            Finding::EligibilityNotMet { .. } => Check::Eligibility,
            Finding::ContinuationStop { .. } => Check::Continuation,
            Finding::SeriousAdverseEventSince { .. } => Check::SeriousAdverseEvent,
            Finding::OpenUrgentReview { .. } => Check::UrgentReview,
        }
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::IntervalTooShort {
                other_date,
                other_indication,
                days_apart,
                other_is_later,
                minimum_days,
            } => {
                let relation = if *other_is_later { "before" } else { "after" };
                write!(
                    f,
                    "re-treatment interval: {days_apart} days {relation} the botulinum-toxin dose of {other_date} \
                     ({other_indication}); the label's minimum is {RETREATMENT_MIN_WEEKS} weeks ({minimum_days} days) \
                     (FDA label) [V2]"
                )
            }
            Finding::CumulativeUnitsExceeded {
                first_day,
                last_day,
                total_units,
                limit_units,
                doses,
            } => {
                let list = doses
                    .iter()
                    .map(|d| {
                        let this = if d.this_session { ", this session" } else { "" };
                        format!("{} {} U ({}{this})", d.date, d.units, d.indication)
                    })
                    .collect::<Vec<_>>()
                    .join("; ");
                write!(
                    f,
                    "cumulative dose: {total_units} U of onabotulinumtoxinA from {first_day} to {last_day} exceeds the \
                     label maximum of {limit_units} U in any 3-month interval, all indications (FDA label) [V2]: \
                     {list}; {CUMULATIVE_WINDOW_INTERPRETATION}"
                )
            }
            Finding::UnitsNotComparable {
                date,
                product,
                units,
                indication,
            } => write!(
                f,
                "cumulative dose: {units} U of {product} on {date} ({indication}) cannot be added to \
                 onabotulinumtoxinA units, which are not interchangeable with other products (FDA label) [V2]; \
                 assess the {CUMULATIVE_MAX_UNITS} U limit by hand"
            ),
            Finding::PreemptAboveMaximum {
                units,
                sites,
                max_units,
                max_sites,
            } => write!(
                f,
                "PREEMPT maximum: {units} U over {sites} sites; the label allows at most {max_units} U over \
                 {max_sites} sites with follow-the-pain (FDA label) [V2]"
            ),
            Finding::FollowThePainAboveMaximum {
                extra_units,
                max_extra_units,
            } => write!(
                f,
                "PREEMPT follow-the-pain: {extra_units} U above the fixed sites; the label allows at most \
                 {max_extra_units} U more (FDA label) [V2]"
            ),
            Finding::PreemptExtraOutsideFollowThePain {
                muscle,
                extra_units,
            } => write!(
                f,
                "PREEMPT follow-the-pain: {extra_units} U above the fixed sites in {muscle}; extra sites go only in \
                 temporalis, occipitalis or trapezius, never cervical paraspinal (FDA label) [V2]"
            ),
            Finding::FollowThePainCapExceeded {
                muscle,
                extra_units,
                cap_units,
            } => write!(
                f,
                "PREEMPT follow-the-pain: {extra_units} U above the fixed sites in {muscle} exceed the per-muscle \
                 cap of {cap_units} U (Blumenfeld 2010) {UNVERIFIED_MARK}"
            ),
            Finding::PreemptBelowProtocol {
                units,
                sites,
                protocol_units,
                protocol_sites,
            } => write!(
                f,
                "PREEMPT below protocol: {units} U over {sites} sites; the protocol gives {protocol_units} U over \
                 {protocol_sites} sites (FDA label) [V2]"
            ),
            Finding::PreemptSiteDose {
                target,
                side,
                ordinal,
                units,
                protocol_units,
            } => write!(
                f,
                "PREEMPT site dose: {target} {side} #{ordinal} got {units} U; the protocol gives {protocol_units} U \
                 per site (FDA label) [V2]"
            ),
            Finding::ConcentrationNotProtocol {
                vial_units,
                diluent,
                units_per_tenth_ml,
            } => write!(
                f,
                "concentration: {vial_units} U in {diluent} gives {} U / 0.1 mL; PREEMPT uses {} (FDA label) [V2]",
                trim_number(*units_per_tenth_ml),
                preempt_reconstitution()
            ),
            Finding::UnderAge { age, adult_age } => write!(
                f,
                "age: {age} years on the session date; under {adult_age}, safety and effectiveness are not \
                 established (FDA pediatric labeling) [V]"
            ),
            Finding::WholeVialDiscarded {
                discarded_units,
                vial_units,
            } => write!(
                f,
                "vials: {discarded_units} U discarded, a whole {vial_units} U vial or more; check the number of vials"
            ),
            Finding::NoDiagnosis => write!(
                f,
                "diagnosis: the patient has no ICHD-3 diagnosis on record; the session and its billing lines \
                 rest on none"
            ),
            Finding::NoDiary => write!(
                f,
                "diary: the patient has no headache diary on record; eligibility and response cannot be assessed"
            ),
            Finding::EligibilityNotMet {
                rule_set,
                verdict,
                unmet,
            } => {
                let verdict = match verdict {
                    Some(Verdict::Eligible) => "eligible",
                    Some(Verdict::NotEligible) => "not eligible",
                    Some(Verdict::InsufficientInformation) | None => {
                        "unknown (insufficient information)"
                    }
                };
                write!(
                    f,
                    "eligibility: first chronic-migraine session, and the eligibility verdict under rule set \
                     {rule_set} is {verdict}"
                )?;
                if !unmet.is_empty() {
                    write!(f, ": {}", unmet.join("; "))?;
                }
                Ok(())
            }
            Finding::ContinuationStop {
                rule_set,
                rule,
                evidence,
            } => write!(
                f,
                "continuation: rule {rule} of rule set {rule_set} says stop: {evidence}"
            ),
            Finding::SeriousAdverseEventSince {
                onset,
                term,
                previous_session,
            } => match previous_session {
                Some(p) => write!(
                    f,
                    "adverse event: serious adverse event '{term}' began on {onset}, since the previous session \
                     of {p}; review it before injecting again"
                ),
                None => write!(
                    f,
                    "adverse event: serious adverse event '{term}' began on {onset}; review it before injecting"
                ),
            },
            Finding::OpenUrgentReview {
                onset,
                term,
                reason,
            } => write!(
                f,
                "urgent review: '{term}' (onset {onset}) is flagged for urgent review and not acknowledged: {reason}"
            ),
        }
    }
}

/// "5 U / 0.1 mL (100 U in 2 mL or 200 U in 4 mL)", from the label constants.
fn preempt_reconstitution() -> String {
    format!(
        "{PREEMPT_UNITS_PER_SITE} U / {} ({} U in {} or {} U in {})",
        Volume::from_microlitres(PREEMPT_SITE_VOLUME_MICROLITRES),
        VialSize::U100.units(),
        VialSize::U100.protocol_diluent(),
        VialSize::U200.units(),
        VialSize::U200.protocol_diluent()
    )
}

fn trim_number(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// A clinician's recorded decision to go ahead despite a refusal: which check, why, and who. It
/// covers every finding of that check in the session it is given with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Override {
    check: Check,
    reason: String,
    by: Name,
}

impl Override {
    /// An override of a refusing check, with a non-empty reason and the clinician's name.
    pub fn new(check: Check, reason: &str, by: &str) -> Result<Self, SessionError> {
        if !check.is_refusal() {
            return Err(SessionError::NotOverridable(check));
        }
        let reason = clean_text("override reason", reason, OVERRIDE_REASON_MAX_CHARS)?;
        let by = Name::new("override by", by)?;
        Ok(Override { check, reason, by })
    }
    pub fn check(&self) -> Check {
        self.check
    }
    pub fn reason(&self) -> &str {
        &self.reason
    }
    pub fn by(&self) -> &Name {
        &self.by
    }
}

/// A refusal that an override let through.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Overridden {
    pub finding: Finding,
    pub by: Override,
}

/// The outcome of [`Session::check`], to show before saving.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct SessionCheck {
    /// Block saving.
    pub refusals: Vec<Finding>,
    /// Shown; never block.
    pub warnings: Vec<Finding>,
    /// Refusals let through by an override; store them with the session.
    pub overridden: Vec<Overridden>,
    /// Overrides given for checks that found nothing.
    pub unused_overrides: Vec<Override>,
}

impl SessionCheck {
    fn sort(findings: Vec<Finding>, overrides: &[Override]) -> SessionCheck {
        let mut out = SessionCheck::default();
        for finding in findings {
            let check = finding.check();
            if !check.is_refusal() {
                out.warnings.push(finding);
            } else if let Some(o) = overrides.iter().find(|o| o.check == check) {
                out.overridden.push(Overridden {
                    finding,
                    by: o.clone(),
                });
            } else {
                out.refusals.push(finding);
            }
        }
        out.unused_overrides = overrides
            .iter()
            .filter(|o| !out.overridden.iter().any(|x| x.by.check == o.check))
            .cloned()
            .collect();
        out
    }

    /// True when nothing is refused (all refusals overridden or none found).
    pub fn may_save(&self) -> bool {
        self.refusals.is_empty()
    }
}

/// Pain relief after a nerve block, recorded later: percent and how long it lasted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Relief {
    percent: u8,
    duration_minutes: u32,
    recorded_on: NaiveDate,
}

impl Relief {
    pub fn percent(&self) -> u8 {
        self.percent
    }
    pub fn duration_minutes(&self) -> u32 {
        self.duration_minutes
    }
    pub fn recorded_on(&self) -> NaiveDate {
        self.recorded_on
    }
}

/// An occipital nerve block as given. Relief is recorded later ([`NerveBlock::record_relief`]);
/// ICHD-3 13.4 criterion D depends on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NerveBlock {
    date: NaiveDate,
    given: NerveBlockPlan,
    injector: Name,
    notes: String,
    relief: Option<Relief>,
}

impl NerveBlock {
    /// A new block, not dated after `today`.
    pub fn record(
        date: NaiveDate,
        given: NerveBlockPlan,
        injector: &str,
        notes: String,
        today: NaiveDate,
    ) -> Result<Self, SessionError> {
        if date > today {
            return Err(SessionError::FutureDate { date, today });
        }
        Ok(NerveBlock {
            date,
            given,
            injector: Name::new("injector", injector)?,
            notes,
            relief: None,
        })
    }

    /// A block read back from storage, with its relief if recorded.
    pub fn restore(
        date: NaiveDate,
        given: NerveBlockPlan,
        injector: &str,
        notes: String,
        relief: Option<(u32, u32, NaiveDate)>,
    ) -> Result<Self, SessionError> {
        let mut block = NerveBlock {
            date,
            given,
            injector: Name::new("injector", injector)?,
            notes,
            relief: None,
        };
        if let Some((percent, minutes, on)) = relief {
            block.record_relief(percent, minutes, on)?;
        }
        Ok(block)
    }

    /// Records relief: 0–100 %, lasting `duration_minutes`, recorded on or after the block date.
    /// Replaces an earlier record.
    pub fn record_relief(
        &mut self,
        percent: u32,
        duration_minutes: u32,
        recorded_on: NaiveDate,
    ) -> Result<(), SessionError> {
        let pct = u8::try_from(percent)
            .ok()
            .filter(|p| *p <= 100)
            .ok_or(SessionError::ReliefPercent(percent))?;
        if recorded_on < self.date {
            return Err(SessionError::ReliefBeforeBlock {
                recorded_on,
                date: self.date,
            });
        }
        self.relief = Some(Relief {
            percent: pct,
            duration_minutes,
            recorded_on,
        });
        Ok(())
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn given(&self) -> &NerveBlockPlan {
        &self.given
    }
    pub fn injector(&self) -> &Name {
        &self.injector
    }
    pub fn notes(&self) -> &str {
        &self.notes
    }
    pub fn relief(&self) -> Option<&Relief> {
        self.relief.as_ref()
    }

    /// CPT 64405 once per side of a greater occipital nerve block (AMA CPT) [V2].
    /// How payers want a bilateral block reported (one line per side or a bilateral modifier) is
    /// not in the reference, so the note carries the unverified mark. The reference has no code
    /// for a lesser occipital nerve block: none is emitted, and the note says so.
    pub fn billing(&self) -> Billing {
        let mut billing = Billing::default();
        match self.given.nerve() {
            OccipitalNerve::GreaterOccipital => {
                for side in self.given.laterality().sides() {
                    billing.lines.push(BillingLine {
                        code: CPT_GREATER_OCCIPITAL_NERVE_BLOCK,
                        modifier: None,
                        quantity: 1,
                        diagnosis: None,
                        description: format!("greater occipital nerve block, {side}"),
                    });
                }
                billing.notes.push(format!(
                    "{CPT_GREATER_OCCIPITAL_NERVE_BLOCK} is listed once per side blocked; whether a payer wants one \
                     line per side or a bilateral modifier was not checked in a source {UNVERIFIED_MARK}"
                ));
            }
            OccipitalNerve::LesserOccipital => billing.notes.push(
                "no code for a lesser occipital nerve block that Cephalog has checked: code it by hand"
                    .to_owned(),
            ),
        }
        billing
    }
}

#[cfg(test)]
#[path = "session_tests.rs"]
mod tests;
