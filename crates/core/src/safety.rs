//! Adverse events after botulinum-toxin sessions, and what the clinic owes the regulator.
//!
//! Severity (CTCAE v5 grade) and seriousness (the MedWatch serious outcomes) are separate fields
//! (CTCAE v5.0; 21 CFR 312.32 and FDA MedWatch Form 3500). An event is stored even when it is not
//! yet a valid individual case safety report (ICSR); [`AdverseEvent::missing_icsr_elements`] says
//! which minimum element is missing. A reaction may carry a MedDRA code the clinic supplies:
//! MedDRA is licensed, so Cephalog ships no dictionary and never derives a code from a term.
//!
//! Nothing here reads a clock: callers pass "as of" dates. Every number comes from
//! [`crate::reference`].

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use chrono::{Days, NaiveDate};
use serde::{Serialize, Serializer};

use crate::patient::{Sex, age_on};
use crate::reference::{
    COMPEL_RELATED_EYELID_PTOSIS_PERCENT, COMPEL_RELATED_FACIAL_PARESIS_PERCENT,
    COMPEL_RELATED_HEADACHE_PERCENT, COMPEL_RELATED_INJECTION_SITE_PAIN_PERCENT,
    COMPEL_RELATED_MUSCULAR_WEAKNESS_PERCENT, COMPEL_RELATED_MUSCULOSKELETAL_STIFFNESS_PERCENT,
    COMPEL_RELATED_NECK_PAIN_PERCENT, CTCAE_MAX_GRADE, CTCAE_MIN_GRADE, DISTANT_SPREAD_WINDOW_DAYS,
    LABEL_NECK_PAIN_PERCENT, LABEL_NECK_PAIN_PLACEBO_PERCENT, NON_SERIOUS_REPORT_DAYS,
    PREEMPT_RELATED_NECK_PAIN_PERCENT, PREEMPT_RELATED_NECK_PAIN_PLACEBO_PERCENT,
    PREEMPT_SERIOUS_AE_PERCENT, PREEMPT_SERIOUS_AE_PLACEBO_PERCENT, SERIOUS_REPORT_DAYS,
    UNVERIFIED_MARK,
};

/// Errors in adverse-event data, each naming the field at fault via [`SafetyError::field`].
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SafetyError {
    #[error("reported term: must not be empty")]
    EmptyReportedTerm,
    #[error("MedDRA code: '{0}' is not an 8-digit MedDRA LLT or PT code")]
    InvalidMeddraCode(String),
    #[error("CTCAE grade: {0} is outside {CTCAE_MIN_GRADE}–{CTCAE_MAX_GRADE}")]
    GradeOutOfRange(i64),
    #[error("resolution date: {resolution} is before the onset {onset}")]
    ResolutionBeforeOnset {
        onset: NaiveDate,
        resolution: NaiveDate,
    },
    #[error("awareness date: {awareness} is before the onset {onset}")]
    AwarenessBeforeOnset {
        onset: NaiveDate,
        awareness: NaiveDate,
    },
    #[error("outcome: CTCAE grade 5 is death related to the event, but the outcome is '{0}'")]
    GradeFiveNotFatal(EventOutcome),
    #[error("seriousness: a fatal outcome needs the serious outcome 'death'")]
    FatalWithoutDeath,
    #[error("reporter country: '{0}' is not an ISO 3166-1 alpha-2 code")]
    InvalidCountry(String),
    #[error("reporter email: '{0}' is not an email address")]
    InvalidEmail(String),
    #[error("suspect product {index}: the product name must not be empty")]
    EmptyProductName { index: usize },
    #[error("suspect product {index}: {units} is not a positive number of units")]
    InvalidDose { index: usize, units: f64 },
    #[error("patient weight: {0} kg is not a positive weight")]
    InvalidWeight(f64),
    #[error("{0}: holds a NUL character (U+0000), which cannot be stored")]
    NulCharacter(&'static str),
    #[error("{field}: '{value}' is not one of {known}")]
    UnknownValue {
        field: &'static str,
        value: String,
        known: String,
    },
}

impl SafetyError {
    /// The field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            SafetyError::EmptyReportedTerm => "reported_term",
            SafetyError::InvalidMeddraCode(_) => "meddra_code",
            SafetyError::GradeOutOfRange(_) => "ctcae_grade",
            SafetyError::ResolutionBeforeOnset { .. } => "resolution",
            SafetyError::AwarenessBeforeOnset { .. } => "awareness_date",
            SafetyError::GradeFiveNotFatal(_) => "outcome",
            SafetyError::FatalWithoutDeath => "seriousness",
            SafetyError::InvalidCountry(_) => "reporter.country",
            SafetyError::InvalidEmail(_) => "reporter.email",
            SafetyError::EmptyProductName { .. } => "suspect_products.product_name",
            SafetyError::InvalidDose { .. } => "suspect_products.dose_units",
            SafetyError::InvalidWeight(_) => "patient.weight_kg",
            SafetyError::NulCharacter(field) => field,
            SafetyError::UnknownValue { field, .. } => field,
        }
    }
}

/// Lower-case, words separated by single spaces, every other character dropped: "Drooping
/// eyelid (left)" becomes "drooping eyelid left".
pub(crate) fn normalise_term(term: &str) -> String {
    term.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Whether the normalised `haystack` holds `phrase` (already normalised) as whole words.
fn contains_phrase(haystack: &str, phrase: &str) -> bool {
    format!(" {haystack} ").contains(&format!(" {phrase} "))
}

/// Coded values written as snake_case words, parsed from any case with spaces, hyphens or
/// slashes in place of underscores.
macro_rules! coded_value {
    (
        $(#[$meta:meta])*
        $name:ident, $field:literal, [$($(#[$vmeta:meta])* $variant:ident => $text:literal),+ $(,)?]
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl FromStr for $name {
            type Err = SafetyError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let key = s
                    .trim()
                    .to_lowercase()
                    .replace([' ', '-', '/'], "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.as_str() == key)
                    .ok_or_else(|| SafetyError::UnknownValue {
                        field: $field,
                        value: s.to_owned(),
                        known: $name::ALL
                            .iter()
                            .map(|v| v.as_str())
                            .collect::<Vec<_>>()
                            .join(", "),
                    })
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

coded_value!(
    /// A serious outcome in the sense of 21 CFR 312.32 and the MedWatch form (FDA MedWatch Form
    /// 3500) [V]. An event with none of these is non-serious, whatever its CTCAE grade.
    SeriousOutcome, "seriousness", [
        Death => "death",
        LifeThreatening => "life_threatening",
        /// Hospitalization, initial or prolonged.
        Hospitalization => "hospitalization",
        /// Disability or permanent damage.
        Disability => "disability",
        /// Congenital anomaly or birth defect.
        CongenitalAnomaly => "congenital_anomaly",
        /// Required intervention to prevent permanent impairment or damage.
        RequiredIntervention => "required_intervention",
        OtherImportantMedicalEvent => "other_important_medical_event",
    ]
);

coded_value!(
    /// What was done with the product because of the event (the E2B(R3) G.k.8 list).
    ActionTaken, "action_taken", [
        DrugWithdrawn => "drug_withdrawn",
        DoseReduced => "dose_reduced",
        DoseIncreased => "dose_increased",
        /// Nothing changed ("none").
        DoseNotChanged => "dose_not_changed",
        NotApplicable => "not_applicable",
        Unknown => "unknown",
    ]
);

coded_value!(
    /// Outcome of the event at the last observation (the E2B(R3) E.i.7 list).
    EventOutcome, "outcome", [
        Recovered => "recovered",
        Recovering => "recovering",
        NotRecovered => "not_recovered",
        RecoveredWithSequelae => "recovered_with_sequelae",
        Fatal => "fatal",
        Unknown => "unknown",
    ]
);

coded_value!(
    /// The clinic's assessment of whether the product caused the event.
    Causality, "causality", [
        Related => "related",
        PossiblyRelated => "possibly_related",
        UnlikelyRelated => "unlikely_related",
        Unrelated => "unrelated",
        NotAssessed => "not_assessed",
    ]
);

coded_value!(
    /// The reporter's qualification, the E2B(R3) C.2.r.4 list.
    ReporterQualification, "reporter.qualification", [
        Physician => "physician",
        Pharmacist => "pharmacist",
        OtherHealthProfessional => "other_health_professional",
        Lawyer => "lawyer",
        /// Consumer or other non-health professional.
        Consumer => "consumer",
    ]
);

impl ActionTaken {
    /// E2B(R3) G.k.8 code: 1 withdrawn, 2 reduced, 3 increased, 4 not changed, 0 unknown,
    /// 9 not applicable.
    pub fn e2b_code(self) -> u8 {
        match self {
            ActionTaken::DrugWithdrawn => 1,
            ActionTaken::DoseReduced => 2,
            ActionTaken::DoseIncreased => 3,
            ActionTaken::DoseNotChanged => 4,
            ActionTaken::Unknown => 0,
            ActionTaken::NotApplicable => 9,
        }
    }
}

impl EventOutcome {
    /// E2B(R3) E.i.7 code: 1 recovered, 2 recovering, 3 not recovered, 4 recovered with
    /// sequelae, 5 fatal, 0 unknown.
    pub fn e2b_code(self) -> u8 {
        match self {
            EventOutcome::Recovered => 1,
            EventOutcome::Recovering => 2,
            EventOutcome::NotRecovered => 3,
            EventOutcome::RecoveredWithSequelae => 4,
            EventOutcome::Fatal => 5,
            EventOutcome::Unknown => 0,
        }
    }
}

impl Causality {
    /// Related or possibly related: what trials call "treatment-related".
    pub fn is_treatment_related(self) -> bool {
        matches!(self, Causality::Related | Causality::PossiblyRelated)
    }
}

impl ReporterQualification {
    /// E2B(R3) C.2.r.4 code, 1–5.
    pub fn e2b_code(self) -> u8 {
        match self {
            ReporterQualification::Physician => 1,
            ReporterQualification::Pharmacist => 2,
            ReporterQualification::OtherHealthProfessional => 3,
            ReporterQualification::Lawyer => 4,
            ReporterQualification::Consumer => 5,
        }
    }

    /// Physician, pharmacist or other health professional.
    pub fn is_health_professional(self) -> bool {
        matches!(
            self,
            ReporterQualification::Physician
                | ReporterQualification::Pharmacist
                | ReporterQualification::OtherHealthProfessional
        )
    }
}

/// A MedDRA lowest-level-term or preferred-term code as the clinic supplies it: 8 digits, kept as
/// text.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct MeddraCode(String);

impl MeddraCode {
    /// MedDRA LLT and PT codes are 8-digit numbers.
    pub const DIGITS: usize = 8;

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for MeddraCode {
    type Err = SafetyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.len() == MeddraCode::DIGITS && t.bytes().all(|b| b.is_ascii_digit()) {
            Ok(MeddraCode(t.to_owned()))
        } else {
            Err(SafetyError::InvalidMeddraCode(s.to_owned()))
        }
    }
}

impl fmt::Display for MeddraCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Severity on the CTCAE v5.0 scale, 1 (mild) to 5 (death related to the event).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CtcaeGrade(u8);

impl CtcaeGrade {
    pub fn new(grade: i64) -> Result<Self, SafetyError> {
        u8::try_from(grade)
            .ok()
            .filter(|g| (CTCAE_MIN_GRADE..=CTCAE_MAX_GRADE).contains(g))
            .map(CtcaeGrade)
            .ok_or(SafetyError::GradeOutOfRange(grade))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// An ISO 3166-1 alpha-2 country code, upper case. The format is checked (two letters A–Z); the
/// list of assigned codes is not bundled.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct CountryCode(String);

impl CountryCode {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for CountryCode {
    type Err = SafetyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_uppercase();
        if t.len() == 2 && t.bytes().all(|b| b.is_ascii_uppercase()) {
            Ok(CountryCode(t))
        } else {
            Err(SafetyError::InvalidCountry(s.to_owned()))
        }
    }
}

impl fmt::Display for CountryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The serious outcomes of an event; empty means non-serious.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
#[serde(transparent)]
pub struct Seriousness(BTreeSet<SeriousOutcome>);

impl Seriousness {
    pub fn new(outcomes: impl IntoIterator<Item = SeriousOutcome>) -> Self {
        Seriousness(outcomes.into_iter().collect())
    }

    pub fn is_serious(&self) -> bool {
        !self.0.is_empty()
    }

    pub fn contains(&self, outcome: SeriousOutcome) -> bool {
        self.0.contains(&outcome)
    }

    pub fn outcomes(&self) -> impl Iterator<Item = SeriousOutcome> + '_ {
        self.0.iter().copied()
    }
}

/// A dose of toxin in label units (onabotulinumtoxinA "Units"; not interchangeable with other
/// botulinum toxin products: FDA label).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct DoseUnits(f64);

impl DoseUnits {
    pub fn get(self) -> f64 {
        self.0
    }
}

fn trimmed(text: Option<String>) -> Option<String> {
    text.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty())
}

/// Reporter data as entered: every field may be missing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReporterDraft {
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub qualification: Option<ReporterQualification>,
    /// ISO 3166-1 alpha-2.
    pub country: Option<String>,
    pub email: Option<String>,
}

/// The primary source of the report. The name is optional; ICSR validity needs the
/// qualification and the country.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Reporter {
    given_name: Option<String>,
    family_name: Option<String>,
    qualification: Option<ReporterQualification>,
    country: Option<CountryCode>,
    email: Option<String>,
}

impl TryFrom<ReporterDraft> for Reporter {
    type Error = SafetyError;
    fn try_from(d: ReporterDraft) -> Result<Self, Self::Error> {
        let country = trimmed(d.country)
            .map(|c| c.parse::<CountryCode>())
            .transpose()?;
        let email = trimmed(d.email);
        if let Some(e) = &email {
            let well_formed = e
                .split_once('@')
                .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
                && !e.contains(char::is_whitespace);
            if !well_formed {
                return Err(SafetyError::InvalidEmail(e.clone()));
            }
        }
        Ok(Reporter {
            given_name: trimmed(d.given_name),
            family_name: trimmed(d.family_name),
            qualification: d.qualification,
            country,
            email,
        })
    }
}

impl Reporter {
    pub fn given_name(&self) -> Option<&str> {
        self.given_name.as_deref()
    }
    pub fn family_name(&self) -> Option<&str> {
        self.family_name.as_deref()
    }
    pub fn qualification(&self) -> Option<ReporterQualification> {
        self.qualification
    }
    pub fn country(&self) -> Option<&CountryCode> {
        self.country.as_ref()
    }
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// "Family, Given", or whichever part is known.
    pub fn display_name(&self) -> Option<String> {
        match (&self.family_name, &self.given_name) {
            (Some(f), Some(g)) => Some(format!("{f}, {g}")),
            (Some(n), None) | (None, Some(n)) => Some(n.clone()),
            (None, None) => None,
        }
    }

    /// ICH E2D: an identifiable reporter has a qualification and a country (ICH E2D)
    /// [V].
    pub fn is_identifiable(&self) -> bool {
        self.qualification.is_some() && self.country.is_some()
    }
}

/// A suspect product administration as entered.
#[derive(Debug, Clone, PartialEq)]
pub struct SuspectProductDraft {
    /// As reported, e.g. "onabotulinumtoxinA (Botox)".
    pub product_name: String,
    pub lot_number: Option<String>,
    pub dose_units: Option<f64>,
    pub session_date: NaiveDate,
}

/// One administration of a suspect product at a session.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SuspectProduct {
    product_name: String,
    lot_number: Option<String>,
    dose_units: Option<DoseUnits>,
    session_date: NaiveDate,
}

impl SuspectProduct {
    /// Validates one product; `index` (from 1) names it in errors.
    pub fn new(draft: SuspectProductDraft, index: usize) -> Result<Self, SafetyError> {
        let product_name = draft.product_name.trim();
        if product_name.is_empty() {
            return Err(SafetyError::EmptyProductName { index });
        }
        let dose_units = draft
            .dose_units
            .map(|u| {
                if u.is_finite() && u > 0.0 {
                    Ok(DoseUnits(u))
                } else {
                    Err(SafetyError::InvalidDose { index, units: u })
                }
            })
            .transpose()?;
        Ok(SuspectProduct {
            product_name: product_name.to_owned(),
            lot_number: trimmed(draft.lot_number),
            dose_units,
            session_date: draft.session_date,
        })
    }

    pub fn product_name(&self) -> &str {
        &self.product_name
    }
    pub fn lot_number(&self) -> Option<&str> {
        self.lot_number.as_deref()
    }
    pub fn dose_units(&self) -> Option<DoseUnits> {
        self.dose_units
    }
    pub fn session_date(&self) -> NaiveDate {
        self.session_date
    }
}

/// Patient identification for an ICSR as entered. The store's patient supplies these; the core
/// needs nothing else about the patient.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IcsrPatientDraft {
    pub initials: Option<String>,
    /// A medical-record-number-like identifier.
    pub identifier: Option<String>,
    pub date_of_birth: Option<NaiveDate>,
    /// Age in years at onset, when the date of birth is not given.
    pub age_years: Option<u32>,
    pub sex: Option<Sex>,
    pub weight_kg: Option<f64>,
}

/// Patient identification for an ICSR; every field may be missing.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IcsrPatient {
    initials: Option<String>,
    identifier: Option<String>,
    date_of_birth: Option<NaiveDate>,
    age_years: Option<u32>,
    sex: Option<Sex>,
    weight_kg: Option<f64>,
}

impl TryFrom<IcsrPatientDraft> for IcsrPatient {
    type Error = SafetyError;
    fn try_from(d: IcsrPatientDraft) -> Result<Self, Self::Error> {
        if let Some(w) = d.weight_kg
            && !(w.is_finite() && w > 0.0)
        {
            return Err(SafetyError::InvalidWeight(w));
        }
        Ok(IcsrPatient {
            initials: trimmed(d.initials),
            identifier: trimmed(d.identifier),
            date_of_birth: d.date_of_birth,
            age_years: d.age_years,
            sex: d.sex,
            weight_kg: d.weight_kg,
        })
    }
}

impl IcsrPatient {
    pub fn initials(&self) -> Option<&str> {
        self.initials.as_deref()
    }
    pub fn identifier(&self) -> Option<&str> {
        self.identifier.as_deref()
    }
    pub fn date_of_birth(&self) -> Option<NaiveDate> {
        self.date_of_birth
    }
    pub fn age_years(&self) -> Option<u32> {
        self.age_years
    }
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }
    pub fn weight_kg(&self) -> Option<f64> {
        self.weight_kg
    }

    /// Age in completed years on `onset`: from the date of birth when known, else the age given.
    pub fn age_at(&self, onset: NaiveDate) -> Option<u32> {
        self.date_of_birth
            .map(|dob| age_on(dob, onset))
            .or(self.age_years)
    }

    /// ICH E2D: an identifiable patient has at least one of initials or identifier, age or date
    /// of birth, sex (ICH E2D) [V].
    pub fn is_identifiable(&self) -> bool {
        self.initials.is_some()
            || self.identifier.is_some()
            || self.date_of_birth.is_some()
            || self.age_years.is_some()
            || self.sex.is_some()
    }
}

/// An adverse event as entered, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct AdverseEventDraft {
    pub reported_term: String,
    /// MedDRA LLT or PT code supplied by the clinic, 8 digits.
    pub meddra_code: Option<String>,
    pub onset: NaiveDate,
    pub resolution: Option<NaiveDate>,
    /// CTCAE v5 grade, 1–5.
    pub ctcae_grade: i64,
    /// Serious outcomes; none for a non-serious event.
    pub seriousness: Vec<SeriousOutcome>,
    pub action_taken: ActionTaken,
    pub outcome: EventOutcome,
    pub causality: Causality,
    pub reporter: ReporterDraft,
    /// The day the clinic learned of the event: day 0 of the reporting clock.
    pub awareness_date: NaiveDate,
    pub narrative: String,
    pub suspect_products: Vec<SuspectProductDraft>,
}

/// One adverse event (one reaction) after one or more sessions. Constructed from an
/// [`AdverseEventDraft`], which checks every field; a valid event may still be an incomplete ICSR.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AdverseEvent {
    reported_term: String,
    meddra_code: Option<MeddraCode>,
    onset: NaiveDate,
    resolution: Option<NaiveDate>,
    ctcae_grade: CtcaeGrade,
    seriousness: Seriousness,
    action_taken: ActionTaken,
    outcome: EventOutcome,
    causality: Causality,
    reporter: Reporter,
    awareness_date: NaiveDate,
    narrative: String,
    suspect_products: Vec<SuspectProduct>,
}

impl TryFrom<AdverseEventDraft> for AdverseEvent {
    type Error = SafetyError;
    fn try_from(d: AdverseEventDraft) -> Result<Self, Self::Error> {
        let r = &d.reporter;
        let texts = [
            ("reported_term", Some(d.reported_term.as_str())),
            ("meddra_code", d.meddra_code.as_deref()),
            ("narrative", Some(d.narrative.as_str())),
            ("reporter.given_name", r.given_name.as_deref()),
            ("reporter.family_name", r.family_name.as_deref()),
            ("reporter.country", r.country.as_deref()),
            ("reporter.email", r.email.as_deref()),
        ]
        .into_iter()
        .chain(d.suspect_products.iter().flat_map(|p| {
            [
                (
                    "suspect_products.product_name",
                    Some(p.product_name.as_str()),
                ),
                ("suspect_products.lot_number", p.lot_number.as_deref()),
            ]
        }));
        for (field, text) in texts {
            if text.is_some_and(|t| t.contains('\0')) {
                return Err(SafetyError::NulCharacter(field));
            }
        }
        let reported_term = d.reported_term.trim();
        if reported_term.is_empty() {
            return Err(SafetyError::EmptyReportedTerm);
        }
        let meddra_code = trimmed(d.meddra_code)
            .map(|c| c.parse::<MeddraCode>())
            .transpose()?;
        let ctcae_grade = CtcaeGrade::new(d.ctcae_grade)?;
        if let Some(resolution) = d.resolution
            && resolution < d.onset
        {
            return Err(SafetyError::ResolutionBeforeOnset {
                onset: d.onset,
                resolution,
            });
        }
        if d.awareness_date < d.onset {
            return Err(SafetyError::AwarenessBeforeOnset {
                onset: d.onset,
                awareness: d.awareness_date,
            });
        }
        let seriousness = Seriousness::new(d.seriousness);
        if ctcae_grade.get() == CTCAE_MAX_GRADE && d.outcome != EventOutcome::Fatal {
            return Err(SafetyError::GradeFiveNotFatal(d.outcome));
        }
        if d.outcome == EventOutcome::Fatal && !seriousness.contains(SeriousOutcome::Death) {
            return Err(SafetyError::FatalWithoutDeath);
        }
        let reporter = Reporter::try_from(d.reporter)?;
        let suspect_products = d
            .suspect_products
            .into_iter()
            .enumerate()
            .map(|(i, p)| SuspectProduct::new(p, i + 1))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(AdverseEvent {
            reported_term: reported_term.to_owned(),
            meddra_code,
            onset: d.onset,
            resolution: d.resolution,
            ctcae_grade,
            seriousness,
            action_taken: d.action_taken,
            outcome: d.outcome,
            causality: d.causality,
            reporter,
            awareness_date: d.awareness_date,
            narrative: d.narrative.trim().to_owned(),
            suspect_products,
        })
    }
}

impl AdverseEvent {
    pub fn reported_term(&self) -> &str {
        &self.reported_term
    }
    pub fn meddra_code(&self) -> Option<&MeddraCode> {
        self.meddra_code.as_ref()
    }
    pub fn onset(&self) -> NaiveDate {
        self.onset
    }
    pub fn resolution(&self) -> Option<NaiveDate> {
        self.resolution
    }
    pub fn ctcae_grade(&self) -> CtcaeGrade {
        self.ctcae_grade
    }
    pub fn seriousness(&self) -> &Seriousness {
        &self.seriousness
    }
    pub fn is_serious(&self) -> bool {
        self.seriousness.is_serious()
    }
    pub fn action_taken(&self) -> ActionTaken {
        self.action_taken
    }
    pub fn outcome(&self) -> EventOutcome {
        self.outcome
    }
    pub fn causality(&self) -> Causality {
        self.causality
    }
    pub fn reporter(&self) -> &Reporter {
        &self.reporter
    }
    pub fn awareness_date(&self) -> NaiveDate {
        self.awareness_date
    }
    /// May be empty: the event is storable without one (an E2B(R3) export is not).
    pub fn narrative(&self) -> &str {
        &self.narrative
    }
    pub fn suspect_products(&self) -> &[SuspectProduct] {
        &self.suspect_products
    }

    /// The ICSR minimum elements this event and patient lack; empty when the case is a valid
    /// ICSR.
    pub fn missing_icsr_elements(&self, patient: &IcsrPatient) -> Vec<IcsrElement> {
        missing_icsr_elements(
            &self.reporter,
            patient,
            &self.suspect_products,
            &[self.reported_term.as_str()],
        )
    }

    /// Validity and missing elements together, for output.
    pub fn icsr_validity(&self, patient: &IcsrPatient) -> IcsrValidity {
        let missing = self.missing_icsr_elements(patient);
        IcsrValidity {
            valid: missing.is_empty(),
            missing,
        }
    }

    /// The last day to submit this case: see [`report_due_date`].
    pub fn report_due_date(&self) -> NaiveDate {
        report_due_date(self.awareness_date, self.is_serious())
    }

    /// The boxed-warning review flag for this event, given the patient's session dates: see
    /// [`distant_spread_review`].
    pub fn distant_spread_review(&self, session_dates: &[NaiveDate]) -> Option<UrgentReview> {
        distant_spread_review(&self.reported_term, self.onset, session_dates)
    }
}

/// The four minimum elements of a valid ICSR (ICH E2D; ICH E2B(R3)) [V].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum IcsrElement {
    /// An identifiable reporter: qualification and country.
    Reporter,
    /// An identifiable patient: initials or identifier, age or date of birth, or sex.
    Patient,
    /// At least one suspect product.
    SuspectProduct,
    /// At least one suspect reaction.
    Reaction,
}

impl IcsrElement {
    pub const ALL: [IcsrElement; 4] = [
        IcsrElement::Reporter,
        IcsrElement::Patient,
        IcsrElement::SuspectProduct,
        IcsrElement::Reaction,
    ];

    pub fn description(self) -> &'static str {
        match self {
            IcsrElement::Reporter => "identifiable reporter (qualification and country)",
            IcsrElement::Patient => {
                "identifiable patient (initials or identifier, age or date of birth, or sex)"
            }
            IcsrElement::SuspectProduct => "suspect product",
            IcsrElement::Reaction => "suspect reaction",
        }
    }
}

impl fmt::Display for IcsrElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.description())
    }
}

/// Whether a case is a valid ICSR, and if not, what it lacks.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IcsrValidity {
    pub valid: bool,
    pub missing: Vec<IcsrElement>,
}

/// The ICSR minimum elements missing from a case's parts, in [`IcsrElement::ALL`] order. Works on
/// a case still being put together (no reaction term yet) as well as on a stored
/// [`AdverseEvent`]; blank reaction terms do not count.
pub fn missing_icsr_elements(
    reporter: &Reporter,
    patient: &IcsrPatient,
    suspect_products: &[SuspectProduct],
    reaction_terms: &[&str],
) -> Vec<IcsrElement> {
    IcsrElement::ALL
        .into_iter()
        .filter(|element| match element {
            IcsrElement::Reporter => !reporter.is_identifiable(),
            IcsrElement::Patient => !patient.is_identifiable(),
            IcsrElement::SuspectProduct => suspect_products.is_empty(),
            IcsrElement::Reaction => reaction_terms.iter().all(|t| t.trim().is_empty()),
        })
        .collect()
}

coded_value!(
    /// A symptom of distant spread of toxin effect named in the onabotulinumtoxinA boxed warning
    /// (FDA label, Boxed Warning) [V].
    BoxedWarningSymptom, "boxed_warning_symptom", [
        Asthenia => "asthenia",
        GeneralizedMuscleWeakness => "generalized_muscle_weakness",
        Diplopia => "diplopia",
        Ptosis => "ptosis",
        Dysphagia => "dysphagia",
        Dysphonia => "dysphonia",
        Dysarthria => "dysarthria",
        UrinaryIncontinence => "urinary_incontinence",
        BreathingDifficulties => "breathing_difficulties",
    ]
);

/// The boxed-warning symptoms, in label order: asthenia, generalized muscle weakness, diplopia,
/// ptosis, dysphagia, dysphonia, dysarthria, urinary incontinence, breathing difficulties
/// (onabotulinumtoxinA FDA label, boxed warning "distant spread of toxin effect"; clinical
/// reference §3) [V].
pub const BOXED_WARNING_SYMPTOMS: [BoxedWarningSymptom; 9] = [
    BoxedWarningSymptom::Asthenia,
    BoxedWarningSymptom::GeneralizedMuscleWeakness,
    BoxedWarningSymptom::Diplopia,
    BoxedWarningSymptom::Ptosis,
    BoxedWarningSymptom::Dysphagia,
    BoxedWarningSymptom::Dysphonia,
    BoxedWarningSymptom::Dysarthria,
    BoxedWarningSymptom::UrinaryIncontinence,
    BoxedWarningSymptom::BreathingDifficulties,
];

impl BoxedWarningSymptom {
    /// The label's word for the symptom and the lay or spelling variants a reported term may use.
    /// A term matches when it holds one of these as whole words, in any case ("left eyelid
    /// ptosis", "Double vision"). Muscle weakness matches in any muscle: the flag errs towards
    /// review.
    pub fn terms(self) -> &'static [&'static str] {
        match self {
            BoxedWarningSymptom::Asthenia => &[
                "asthenia",
                "generalized weakness",
                "generalised weakness",
                "general weakness",
            ],
            BoxedWarningSymptom::GeneralizedMuscleWeakness => &[
                "generalized muscle weakness",
                "generalised muscle weakness",
                "muscle weakness",
                "muscular weakness",
            ],
            BoxedWarningSymptom::Diplopia => &["diplopia", "double vision"],
            BoxedWarningSymptom::Ptosis => &[
                "ptosis",
                "blepharoptosis",
                "drooping eyelid",
                "droopy eyelid",
                "eyelid drooping",
            ],
            BoxedWarningSymptom::Dysphagia => &[
                "dysphagia",
                "difficulty swallowing",
                "swallowing difficulty",
                "trouble swallowing",
            ],
            BoxedWarningSymptom::Dysphonia => &["dysphonia", "hoarse voice", "hoarseness"],
            BoxedWarningSymptom::Dysarthria => &["dysarthria", "slurred speech"],
            BoxedWarningSymptom::UrinaryIncontinence => {
                &["urinary incontinence", "incontinence of urine"]
            }
            BoxedWarningSymptom::BreathingDifficulties => &[
                "breathing difficulties",
                "breathing difficulty",
                "difficulty breathing",
                "shortness of breath",
                "dyspnoea",
                "dyspnea",
            ],
        }
    }

    /// The label's wording.
    pub fn label(self) -> &'static str {
        self.terms()[0]
    }
}

/// The boxed-warning symptom a reported term names, if any (case-insensitive, synonyms per
/// [`BoxedWarningSymptom::terms`]).
pub fn boxed_warning_symptom(reported_term: &str) -> Option<BoxedWarningSymptom> {
    let term = normalise_term(reported_term);
    BOXED_WARNING_SYMPTOMS
        .into_iter()
        .find(|s| s.terms().iter().any(|t| contains_phrase(&term, t)))
}

/// A reported term that calls for urgent review under the boxed warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UrgentReview {
    pub symptom: BoxedWarningSymptom,
    pub onset: NaiveDate,
    /// The latest session on or before the onset.
    pub session_date: NaiveDate,
    /// Onset minus session date, 0 on the session day.
    pub days_after_session: i64,
    pub reason: String,
}

/// Flags an event for urgent review when its reported term names a boxed-warning symptom
/// ([`BOXED_WARNING_SYMPTOMS`]) and it began 0 to [`DISTANT_SPREAD_WINDOW_DAYS`] days, both
/// inclusive, after the latest session on or before the onset. An onset before every session is
/// not flagged.
pub fn distant_spread_review(
    reported_term: &str,
    onset: NaiveDate,
    session_dates: &[NaiveDate],
) -> Option<UrgentReview> {
    let symptom = boxed_warning_symptom(reported_term)?;
    let session_date = session_dates
        .iter()
        .copied()
        .filter(|s| *s <= onset)
        .max()?;
    let days_after_session = (onset - session_date).num_days();
    (days_after_session <= DISTANT_SPREAD_WINDOW_DAYS).then(|| UrgentReview {
        symptom,
        onset,
        session_date,
        days_after_session,
        reason: format!(
            "reported term '{}' names the boxed-warning symptom {} (distant spread of toxin \
             effect), beginning {days_after_session} days after the session of {session_date}; \
             urgent review within the {DISTANT_SPREAD_WINDOW_DAYS}-day window {UNVERIFIED_MARK}",
            reported_term.trim(),
            symptom.label(),
        ),
    })
}

/// The last day to submit a case: awareness plus [`SERIOUS_REPORT_DAYS`] for a serious case,
/// [`NON_SERIOUS_REPORT_DAYS`] otherwise, the awareness day being day 0. A submission on the due
/// date is on time.
pub fn report_due_date(awareness_date: NaiveDate, serious: bool) -> NaiveDate {
    let days = if serious {
        SERIOUS_REPORT_DAYS
    } else {
        NON_SERIOUS_REPORT_DAYS
    };
    awareness_date
        .checked_add_days(Days::new(u64::from(days)))
        .unwrap_or(NaiveDate::MAX)
}

/// A case as the reporting clock sees it; `K` is the caller's case key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReportingCase<K> {
    pub case: K,
    pub awareness_date: NaiveDate,
    pub serious: bool,
    pub submitted: bool,
}

/// A case past its due date and not yet submitted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OverdueReport<K> {
    pub case: K,
    pub serious: bool,
    pub awareness_date: NaiveDate,
    pub due_date: NaiveDate,
    pub days_overdue: i64,
}

/// Unsubmitted cases whose due date ([`report_due_date`]) is before `as_of`, earliest due first
/// (serious first on the same day).
pub fn overdue_reports<K: Clone>(
    cases: &[ReportingCase<K>],
    as_of: NaiveDate,
) -> Vec<OverdueReport<K>> {
    let mut overdue: Vec<OverdueReport<K>> = cases
        .iter()
        .filter(|c| !c.submitted)
        .filter_map(|c| {
            let due_date = report_due_date(c.awareness_date, c.serious);
            (as_of > due_date).then(|| OverdueReport {
                case: c.case.clone(),
                serious: c.serious,
                awareness_date: c.awareness_date,
                due_date,
                days_overdue: (as_of - due_date).num_days(),
            })
        })
        .collect();
    overdue.sort_by_key(|o| (o.due_date, !o.serious));
    overdue
}

/// The grade of a published figure's evidence, shown as its status mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceStatus {
    /// [V]: read in the primary source.
    Verified,
    /// [V2]: consistent secondary restatements.
    Secondary,
    /// [U]: shown with [`UNVERIFIED_MARK`].
    Unverified,
}

impl EvidenceStatus {
    pub const fn mark(self) -> &'static str {
        match self {
            EvidenceStatus::Verified => "[V]",
            EvidenceStatus::Secondary => "[V2]",
            EvidenceStatus::Unverified => UNVERIFIED_MARK,
        }
    }
}

impl Serialize for EvidenceStatus {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.mark())
    }
}

/// Which clinic events a published figure is compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// Serious events (any serious outcome).
    Serious,
    /// Events whose reported term holds one of these phrases as whole words, in any case.
    Terms(&'static [&'static str]),
}

/// A published adverse-event figure (FDA label, Adverse Reactions; PREEMPT pooled; COMPEL). The
/// percentages are of PATIENTS with at least one such event during the trial, not of sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PublishedFigure {
    pub name: &'static str,
    pub measure: Measure,
    /// The figure counts only events the investigators judged treatment-related.
    pub treatment_related_only: bool,
    pub botox_percent_of_patients: f64,
    pub placebo_percent_of_patients: Option<f64>,
    pub source: &'static str,
    pub status: EvidenceStatus,
}

const NECK_PAIN_TERMS: &[&str] = &["neck pain", "cervicalgia"];
const LABEL_SOURCE: &str = "onabotulinumtoxinA FDA label, Adverse Reactions, chronic migraine";
const PREEMPT_SOURCE: &str = "PREEMPT pooled, Dodick 2010, Headache 50:921, 24-week double-blind \
                              phase";
const COMPEL_SOURCE: &str = "COMPEL, Blumenfeld 2018, 155 U every 12 weeks for 9 cycles, N = 716 \
                             (J Headache Pain 2018;19:13)";

/// Every published figure Cephalog compares clinic rates with.
pub const PUBLISHED_SAFETY_FIGURES: [PublishedFigure; 10] = [
    PublishedFigure {
        name: "neck pain",
        measure: Measure::Terms(NECK_PAIN_TERMS),
        treatment_related_only: false,
        botox_percent_of_patients: LABEL_NECK_PAIN_PERCENT,
        placebo_percent_of_patients: Some(LABEL_NECK_PAIN_PLACEBO_PERCENT),
        source: LABEL_SOURCE,
        status: EvidenceStatus::Secondary,
    },
    PublishedFigure {
        name: "serious adverse events",
        measure: Measure::Serious,
        treatment_related_only: false,
        botox_percent_of_patients: PREEMPT_SERIOUS_AE_PERCENT,
        placebo_percent_of_patients: Some(PREEMPT_SERIOUS_AE_PLACEBO_PERCENT),
        source: PREEMPT_SOURCE,
        status: EvidenceStatus::Secondary,
    },
    PublishedFigure {
        name: "treatment-related neck pain",
        measure: Measure::Terms(NECK_PAIN_TERMS),
        treatment_related_only: true,
        botox_percent_of_patients: PREEMPT_RELATED_NECK_PAIN_PERCENT,
        placebo_percent_of_patients: Some(PREEMPT_RELATED_NECK_PAIN_PLACEBO_PERCENT),
        source: PREEMPT_SOURCE,
        status: EvidenceStatus::Secondary,
    },
    PublishedFigure {
        name: "treatment-related neck pain",
        measure: Measure::Terms(NECK_PAIN_TERMS),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_NECK_PAIN_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related eyelid ptosis",
        measure: Measure::Terms(&[
            "ptosis",
            "blepharoptosis",
            "drooping eyelid",
            "droopy eyelid",
            "eyelid drooping",
        ]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_EYELID_PTOSIS_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related musculoskeletal stiffness",
        measure: Measure::Terms(&[
            "musculoskeletal stiffness",
            "muscle stiffness",
            "neck stiffness",
            "stiff neck",
        ]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_MUSCULOSKELETAL_STIFFNESS_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related injection-site pain",
        measure: Measure::Terms(&["injection site pain"]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_INJECTION_SITE_PAIN_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related headache",
        measure: Measure::Terms(&["headache"]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_HEADACHE_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related muscular weakness",
        measure: Measure::Terms(&["muscular weakness", "muscle weakness"]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_MUSCULAR_WEAKNESS_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
    PublishedFigure {
        name: "treatment-related facial paresis",
        measure: Measure::Terms(&["facial paresis", "facial weakness"]),
        treatment_related_only: true,
        botox_percent_of_patients: COMPEL_RELATED_FACIAL_PARESIS_PERCENT,
        placebo_percent_of_patients: None,
        source: COMPEL_SOURCE,
        status: EvidenceStatus::Verified,
    },
];

/// Why a clinic rate and a published figure are not the same number.
pub const PER_PATIENT_NOTE: &str = "Published figures are the percentage of patients with at \
    least one such event during the trial (PREEMPT double-blind phase: 24 weeks, 2 cycles; \
    COMPEL: 108 weeks, 9 cycles). The clinic figure counts events per session: one patient may \
    have the event after several sessions, and one session may be followed by several events, \
    so the two measure different things. Read them side by side for order of magnitude only.";

impl PublishedFigure {
    /// Whether a clinic event counts towards this figure.
    pub fn counts(&self, event: &AdverseEvent) -> bool {
        if self.treatment_related_only && !event.causality().is_treatment_related() {
            return false;
        }
        match self.measure {
            Measure::Serious => event.is_serious(),
            Measure::Terms(terms) => {
                let term = normalise_term(event.reported_term());
                terms.iter().any(|t| contains_phrase(&term, t))
            }
        }
    }
}

/// A count of events and its rate per session and per 100 sessions; no rate without sessions.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Rate {
    pub events: u32,
    pub per_session: Option<f64>,
    pub per_100_sessions: Option<f64>,
}

impl Rate {
    pub fn new(events: u32, sessions: u32) -> Self {
        let per_session = (sessions > 0).then(|| f64::from(events) / f64::from(sessions));
        Rate {
            events,
            per_session,
            per_100_sessions: per_session.map(|r| r * 100.0),
        }
    }
}

/// The clinic's rate for one reported term (terms grouped case- and punctuation-insensitively).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermRate {
    pub term: String,
    pub rate: Rate,
}

/// A clinic rate side by side with a published figure. The clinic rate is events per session
/// (and per 100 sessions); the published figure is the percentage of patients with at least one
/// such event over the trial, so the two are not the same measure ([`PER_PATIENT_NOTE`], repeated
/// in `note`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RateComparison {
    pub clinic: Rate,
    pub published: PublishedFigure,
    pub note: &'static str,
}

/// The clinic's adverse-event rates over a set of sessions.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClinicSafetyRates {
    pub sessions: u32,
    pub overall: Rate,
    pub serious: Rate,
    /// Related or possibly related in the clinic's assessment.
    pub treatment_related: Rate,
    /// Most frequent first, then alphabetical.
    pub by_term: Vec<TermRate>,
    pub comparisons: Vec<RateComparison>,
}

/// Rates of `events` over `sessions` sessions (the caller picks both for the same period), with
/// every [`PUBLISHED_SAFETY_FIGURES`] entry beside the matching clinic rate.
pub fn clinic_safety_rates(sessions: u32, events: &[AdverseEvent]) -> ClinicSafetyRates {
    let count = |pred: &dyn Fn(&AdverseEvent) -> bool| {
        u32::try_from(events.iter().filter(|e| pred(e)).count()).unwrap_or(u32::MAX)
    };
    let mut terms: BTreeMap<String, u32> = BTreeMap::new();
    for e in events {
        *terms.entry(normalise_term(e.reported_term())).or_default() += 1;
    }
    let mut by_term: Vec<TermRate> = terms
        .into_iter()
        .map(|(term, n)| TermRate {
            term,
            rate: Rate::new(n, sessions),
        })
        .collect();
    by_term.sort_by(|a, b| b.rate.events.cmp(&a.rate.events).then(a.term.cmp(&b.term)));
    ClinicSafetyRates {
        sessions,
        overall: Rate::new(count(&|_| true), sessions),
        serious: Rate::new(count(&|e| e.is_serious()), sessions),
        treatment_related: Rate::new(count(&|e| e.causality().is_treatment_related()), sessions),
        by_term,
        comparisons: PUBLISHED_SAFETY_FIGURES
            .iter()
            .map(|figure| RateComparison {
                clinic: Rate::new(count(&|e| figure.counts(e)), sessions),
                published: figure.clone(),
                note: PER_PATIENT_NOTE,
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "safety_tests.rs"]
mod tests;
