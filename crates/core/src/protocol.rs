//! Injection protocols as data: the PREEMPT fixed-site table, follow-the-pain extra sites, the
//! occipital nerve block and off-label botulinum toxin for occipital neuralgia (FDA label,
//! Dosage and Administration; PREEMPT, Blumenfeld 2010; Kapural 2007, Marcolla 2022).
//!
//! A [`Plan`] lists every injection site with its units and volume; a [`NerveBlockPlan`] describes a
//! local-anaesthetic block. Both are what a clinician intends; what was given is a
//! [`crate::session::Session`] or [`crate::session::NerveBlock`].

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Serialize, Serializer};

use crate::reference::{
    FTP_CAP_OCCIPITALIS_UNITS, FTP_CAP_TEMPORALIS_UNITS, FTP_CAP_TRAPEZIUS_UNITS,
    FTP_MAX_EXTRA_SITES, FTP_MAX_EXTRA_UNITS, GON_BLOCK_TYPICAL_MAX_MICROLITRES,
    GON_BLOCK_TYPICAL_MIN_MICROLITRES, ON_TOXIN_KAPURAL_2007_UNITS_PER_NERVE,
    ON_TOXIN_MARCOLLA_2022_MEAN_UNITS_PER_NERVE, PREEMPT_FIXED_SITE_COUNT, PREEMPT_FIXED_UNITS,
    PREEMPT_MAX_SITES, PREEMPT_MAX_UNITS, PREEMPT_SITE_VOLUME_MICROLITRES, PREEMPT_UNITS_PER_SITE,
    UNVERIFIED_MARK, VIAL_100_DILUENT_MICROLITRES, VIAL_100_UNITS,
};

/// Longest free-text name (site, agent, indication, product, injector) Cephalog keeps.
pub const NAME_MAX_CHARS: usize = 60;

/// Errors in protocol data, each naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    #[error(
        "muscle: '{0}' is not one of corrugator, procerus, frontalis, temporalis, occipitalis, cervical_paraspinal, trapezius"
    )]
    UnknownMuscle(String),
    #[error("side: '{0}' is not one of left, right, midline")]
    UnknownSide(String),
    #[error("nerve: '{0}' is not one of greater_occipital, lesser_occipital")]
    UnknownNerve(String),
    #[error("site: '{0}' is not a muscle, an occipital nerve or 'site:<name>'")]
    UnknownTarget(String),
    #[error("laterality: '{0}' is not one of left, right, bilateral")]
    UnknownLaterality(String),
    #[error(
        "agent: '{0}' is not one of bupivacaine 0.5%, lidocaine 1%, lidocaine 2% or 'other:<name>'"
    )]
    UnknownAgent(String),
    #[error("{field}: must not be empty")]
    EmptyText { field: &'static str },
    #[error("{field}: {chars} characters is more than {max}")]
    TextTooLong {
        field: &'static str,
        chars: usize,
        max: usize,
    },
    #[error("{field}: must not contain control characters")]
    ControlCharacter { field: &'static str },
    #[error("{field}: '{value}' mL is not a positive volume")]
    BadVolume { field: &'static str, value: String },
    #[error("concentration: {0} U in a vial is not a positive amount")]
    ZeroVialUnits(u32),
    #[error("side: {target} cannot be injected on the {side} side")]
    SideNotAllowed { target: Target, side: Side },
    #[error("units: {target} {side} #{ordinal} must be at least 1 U")]
    ZeroUnits {
        target: Target,
        side: Side,
        ordinal: u32,
    },
    #[error("ordinal: sites of {target} {side} are numbered from 1")]
    ZeroOrdinal { target: Target, side: Side },
    #[error("site: {target} {side} #{ordinal} is listed twice")]
    DuplicateSite {
        target: Target,
        side: Side,
        ordinal: u32,
    },
    #[error(
        "follow-the-pain: extra sites go only in temporalis, occipitalis or trapezius, never {0} (FDA label) [V2]"
    )]
    FtpMuscle(Muscle),
    #[error(
        "follow-the-pain: {sites} extra sites exceed the label maximum of {max_sites} sites ({max_units} U) (FDA label) [V2]"
    )]
    FtpTooManySites {
        sites: u32,
        max_sites: u32,
        max_units: u32,
    },
    #[error(
        "follow-the-pain: {units} extra U in {muscle} exceed the per-muscle cap of {cap} U (Blumenfeld 2010) {mark}",
        mark = UNVERIFIED_MARK
    )]
    FtpMuscleCap {
        muscle: Muscle,
        units: u32,
        cap: u32,
    },
    #[error("nerve doses: at least one nerve is needed")]
    NoNerveDoses,
    #[error("nerve doses: {nerve} {side} is listed twice")]
    DuplicateNerve { nerve: OccipitalNerve, side: Side },
    #[error("steroid dose: '{0}' mg is not a positive dose")]
    BadSteroidDose(String),
}

/// Validated short free text: trimmed, not empty, at most [`NAME_MAX_CHARS`] characters, no
/// control characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Name(String);

impl Name {
    /// Validates `text` for the named `field`.
    pub fn new(field: &'static str, text: &str) -> Result<Self, ProtocolError> {
        clean_text(field, text, NAME_MAX_CHARS).map(Name)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Name {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Trims `text` and checks it is non-empty, at most `max` characters and free of control
/// characters.
pub(crate) fn clean_text(
    field: &'static str,
    text: &str,
    max: usize,
) -> Result<String, ProtocolError> {
    let t = text.trim();
    if t.is_empty() {
        return Err(ProtocolError::EmptyText { field });
    }
    let chars = t.chars().count();
    if chars > max {
        return Err(ProtocolError::TextTooLong { field, chars, max });
    }
    if t.chars().any(char::is_control) {
        return Err(ProtocolError::ControlCharacter { field });
    }
    Ok(t.to_owned())
}

/// Lower-cases and maps spaces and hyphens to underscores, for parsing names.
fn key_of(s: &str) -> String {
    s.trim().to_ascii_lowercase().replace(['-', ' '], "_")
}

/// The seven head and neck muscle areas of the PREEMPT protocol (FDA label, Dosage and
/// Administration) [V2].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Muscle {
    Corrugator,
    Procerus,
    Frontalis,
    Temporalis,
    Occipitalis,
    CervicalParaspinal,
    Trapezius,
}

impl Muscle {
    pub const ALL: [Muscle; 7] = [
        Muscle::Corrugator,
        Muscle::Procerus,
        Muscle::Frontalis,
        Muscle::Temporalis,
        Muscle::Occipitalis,
        Muscle::CervicalParaspinal,
        Muscle::Trapezius,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Muscle::Corrugator => "corrugator",
            Muscle::Procerus => "procerus",
            Muscle::Frontalis => "frontalis",
            Muscle::Temporalis => "temporalis",
            Muscle::Occipitalis => "occipitalis",
            Muscle::CervicalParaspinal => "cervical_paraspinal",
            Muscle::Trapezius => "trapezius",
        }
    }

    /// Procerus is a single midline muscle; every other PREEMPT muscle is paired.
    pub fn is_midline(self) -> bool {
        self == Muscle::Procerus
    }

    /// Muscles that may take PREEMPT follow-the-pain extra sites: temporalis, occipitalis and
    /// trapezius, never cervical paraspinal (FDA label) [V2].
    pub fn takes_follow_the_pain(self) -> bool {
        matches!(
            self,
            Muscle::Temporalis | Muscle::Occipitalis | Muscle::Trapezius
        )
    }

    /// The fixed-site row of this muscle in [`PREEMPT_FIXED_SITE_TABLE`].
    pub fn preempt_row(self) -> &'static PreemptRow {
        let index = match self {
            Muscle::Corrugator => 0,
            Muscle::Procerus => 1,
            Muscle::Frontalis => 2,
            Muscle::Temporalis => 3,
            Muscle::Occipitalis => 4,
            Muscle::CervicalParaspinal => 5,
            Muscle::Trapezius => 6,
        };
        &PREEMPT_FIXED_SITE_TABLE[index]
    }
}

impl fmt::Display for Muscle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_str().replace('_', " "))
    }
}

impl FromStr for Muscle {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let k = key_of(s);
        Muscle::ALL
            .into_iter()
            .find(|m| m.as_str() == k)
            .ok_or_else(|| ProtocolError::UnknownMuscle(s.to_owned()))
    }
}

/// The side of an injection. Midline is for single midline muscles (procerus).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Left,
    Right,
    Midline,
}

impl Side {
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Left => "left",
            Side::Right => "right",
            Side::Midline => "midline",
        }
    }
}

impl fmt::Display for Side {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Side {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match key_of(s).as_str() {
            "left" | "l" => Ok(Side::Left),
            "right" | "r" => Ok(Side::Right),
            "midline" | "m" => Ok(Side::Midline),
            _ => Err(ProtocolError::UnknownSide(s.to_owned())),
        }
    }
}

/// The occipital nerves of ICHD-3 13.4 that are blocked or injected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum OccipitalNerve {
    GreaterOccipital,
    LesserOccipital,
}

impl OccipitalNerve {
    pub const ALL: [OccipitalNerve; 2] = [
        OccipitalNerve::GreaterOccipital,
        OccipitalNerve::LesserOccipital,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OccipitalNerve::GreaterOccipital => "greater_occipital",
            OccipitalNerve::LesserOccipital => "lesser_occipital",
        }
    }
}

impl fmt::Display for OccipitalNerve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OccipitalNerve::GreaterOccipital => f.write_str("greater occipital nerve"),
            OccipitalNerve::LesserOccipital => f.write_str("lesser occipital nerve"),
        }
    }
}

impl FromStr for OccipitalNerve {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match key_of(s).as_str() {
            "greater_occipital" | "greater_occipital_nerve" | "greater" | "gon" => {
                Ok(OccipitalNerve::GreaterOccipital)
            }
            "lesser_occipital" | "lesser_occipital_nerve" | "lesser" | "lon" => {
                Ok(OccipitalNerve::LesserOccipital)
            }
            _ => Err(ProtocolError::UnknownNerve(s.to_owned())),
        }
    }
}

/// Where an injection goes: a PREEMPT muscle, an occipital nerve, or a named site (for other
/// indications, e.g. a cervical-dystonia muscle).
///
/// Its storage key ([`Target::key`], also its serialised form) is the muscle name, the nerve name
/// with `_nerve`, or `site:<name>`; [`FromStr`] reads it back.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Target {
    Muscle(Muscle),
    Nerve(OccipitalNerve),
    Named(Name),
}

impl Target {
    /// Storage key: `temporalis`, `greater_occipital_nerve`, `site:sternocleidomastoid`.
    pub fn key(&self) -> String {
        match self {
            Target::Muscle(m) => m.as_str().to_owned(),
            Target::Nerve(n) => format!("{}_nerve", n.as_str()),
            Target::Named(n) => format!("site:{n}"),
        }
    }

    /// Whether `side` makes sense here: procerus only midline; the other PREEMPT muscles and the
    /// nerves only left or right; a named site any side.
    pub fn allows(&self, side: Side) -> bool {
        match self {
            Target::Muscle(m) if m.is_midline() => side == Side::Midline,
            Target::Muscle(_) | Target::Nerve(_) => side != Side::Midline,
            Target::Named(_) => true,
        }
    }

    pub fn muscle(&self) -> Option<Muscle> {
        match self {
            Target::Muscle(m) => Some(*m),
            _ => None,
        }
    }
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Target::Muscle(m) => m.fmt(f),
            Target::Nerve(n) => n.fmt(f),
            Target::Named(n) => n.fmt(f),
        }
    }
}

impl FromStr for Target {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(name) = t.strip_prefix("site:") {
            return Name::new("site name", name).map(Target::Named);
        }
        if let Ok(m) = t.parse::<Muscle>() {
            return Ok(Target::Muscle(m));
        }
        t.parse::<OccipitalNerve>()
            .map(Target::Nerve)
            .map_err(|_| ProtocolError::UnknownTarget(s.to_owned()))
    }
}

impl Serialize for Target {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// A volume of liquid, held in whole microlitres. Serialised in millilitres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Volume(u32);

impl Volume {
    pub const fn from_microlitres(microlitres: u32) -> Volume {
        Volume(microlitres)
    }

    /// A positive volume in millilitres, rounded to the nearest microlitre.
    pub fn from_ml(field: &'static str, ml: f64) -> Result<Volume, ProtocolError> {
        let bad = || ProtocolError::BadVolume {
            field,
            value: ml.to_string(),
        };
        if !ml.is_finite() || ml <= 0.0 {
            return Err(bad());
        }
        let micro = (ml * 1000.0).round();
        if micro < 1.0 || micro > f64::from(u32::MAX) {
            return Err(bad());
        }
        // In range and integral: the cast is exact.
        Ok(Volume(micro as u32))
    }

    pub fn microlitres(self) -> u32 {
        self.0
    }

    pub fn ml(self) -> f64 {
        f64::from(self.0) / 1000.0
    }
}

impl fmt::Display for Volume {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 1000;
        let frac = self.0 % 1000;
        if frac == 0 {
            write!(f, "{whole} mL")
        } else {
            let digits = format!("{frac:03}");
            write!(f, "{whole}.{} mL", digits.trim_end_matches('0'))
        }
    }
}

impl Serialize for Volume {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_f64(self.ml())
    }
}

/// A reconstituted toxin: so many units in so much diluent. Two concentrations are equal when
/// they give the same units per millilitre (100 U in 2 mL equals 200 U in 4 mL).
#[derive(Debug, Clone, Copy)]
pub struct Concentration {
    units: u32,
    diluent: Volume,
}

impl Concentration {
    /// The PREEMPT concentration, 5 U / 0.1 mL: a 100 U vial in 2 mL (FDA label) [V2].
    pub const PREEMPT: Concentration = Concentration {
        units: VIAL_100_UNITS,
        diluent: Volume::from_microlitres(VIAL_100_DILUENT_MICROLITRES),
    };

    /// `units` dissolved in `diluent`; both must be positive.
    pub fn new(units: u32, diluent: Volume) -> Result<Self, ProtocolError> {
        if units == 0 {
            return Err(ProtocolError::ZeroVialUnits(units));
        }
        if diluent.microlitres() == 0 {
            return Err(ProtocolError::BadVolume {
                field: "diluent",
                value: "0".to_owned(),
            });
        }
        Ok(Concentration { units, diluent })
    }

    pub fn units(&self) -> u32 {
        self.units
    }

    pub fn diluent(&self) -> Volume {
        self.diluent
    }

    /// Units per 0.1 mL: vial units / diluent mL / 10.
    pub fn units_per_tenth_ml(&self) -> f64 {
        f64::from(self.units) * 100.0 / f64::from(self.diluent.microlitres())
    }

    /// Whether this is the PREEMPT 5 U / 0.1 mL (exact, in integers).
    pub fn is_preempt(&self) -> bool {
        *self == Concentration::PREEMPT
    }

    /// The volume that holds `units`, rounded to the nearest microlitre.
    pub fn volume_for(&self, units: u32) -> Volume {
        let num = u64::from(units) * u64::from(self.diluent.microlitres());
        let den = u64::from(self.units);
        let micro = (num + den / 2) / den;
        Volume(u32::try_from(micro).unwrap_or(u32::MAX))
    }
}

impl PartialEq for Concentration {
    fn eq(&self, other: &Self) -> bool {
        u64::from(self.units) * u64::from(other.diluent.microlitres())
            == u64::from(other.units) * u64::from(self.diluent.microlitres())
    }
}

impl Eq for Concentration {}

impl fmt::Display for Concentration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let per = self.units_per_tenth_ml();
        let per = format!("{per:.2}");
        let per = per.trim_end_matches('0').trim_end_matches('.');
        write!(f, "{per} U / 0.1 mL ({} U in {})", self.units, self.diluent)
    }
}

impl Serialize for Concentration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut s = serializer.serialize_struct("Concentration", 3)?;
        s.serialize_field("units_per_0_1_ml", &self.units_per_tenth_ml())?;
        s.serialize_field("units", &self.units)?;
        s.serialize_field("diluent_ml", &self.diluent.ml())?;
        s.end()
    }
}

/// How a PREEMPT muscle's sites are split between the sides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PerSide {
    /// So many sites on each side.
    Each(u32),
    /// One midline muscle.
    Midline,
}

/// One row of the PREEMPT fixed-site table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PreemptRow {
    pub muscle: Muscle,
    pub units: u32,
    pub sites: u32,
    pub per_side: PerSide,
}

impl PreemptRow {
    /// The sides this muscle is injected on.
    pub fn sides(&self) -> &'static [Side] {
        match self.per_side {
            PerSide::Each(_) => &[Side::Left, Side::Right],
            PerSide::Midline => &[Side::Midline],
        }
    }

    /// Sites on one of [`PreemptRow::sides`].
    pub fn sites_per_side(&self) -> u32 {
        match self.per_side {
            PerSide::Each(n) => n,
            PerSide::Midline => self.sites,
        }
    }
}

/// The PREEMPT fixed-site protocol for chronic migraine: onabotulinumtoxinA 155 U IM over 31 sites
/// in 7 head and neck muscle areas, 5 U in 0.1 mL per site (FDA label, Botox prescribing
/// information, chronic migraine dosing) [V2].
pub const PREEMPT_FIXED_SITE_TABLE: [PreemptRow; 7] = [
    PreemptRow {
        muscle: Muscle::Corrugator,
        units: 10,
        sites: 2,
        per_side: PerSide::Each(1),
    },
    PreemptRow {
        muscle: Muscle::Procerus,
        units: 5,
        sites: 1,
        per_side: PerSide::Midline,
    },
    PreemptRow {
        muscle: Muscle::Frontalis,
        units: 20,
        sites: 4,
        per_side: PerSide::Each(2),
    },
    PreemptRow {
        muscle: Muscle::Temporalis,
        units: 40,
        sites: 8,
        per_side: PerSide::Each(4),
    },
    PreemptRow {
        muscle: Muscle::Occipitalis,
        units: 30,
        sites: 6,
        per_side: PerSide::Each(3),
    },
    PreemptRow {
        muscle: Muscle::CervicalParaspinal,
        units: 20,
        sites: 4,
        per_side: PerSide::Each(2),
    },
    PreemptRow {
        muscle: Muscle::Trapezius,
        units: 30,
        sites: 6,
        per_side: PerSide::Each(3),
    },
];

/// Follow-the-pain extra units allowed per muscle, over both sides. The default,
/// [`FtpCaps::BLUMENFELD_2010`], is unverified [U]: a clinic may replace it, or apply only the
/// label limits (no per-muscle caps).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct FtpCaps {
    pub temporalis_units: u32,
    pub occipitalis_units: u32,
    pub trapezius_units: u32,
}

impl FtpCaps {
    /// +10 U temporalis, +10 U occipitalis, +20 U trapezius (Blumenfeld 2010, Headache 50:1406)
    /// [U].
    pub const BLUMENFELD_2010: FtpCaps = FtpCaps {
        temporalis_units: FTP_CAP_TEMPORALIS_UNITS,
        occipitalis_units: FTP_CAP_OCCIPITALIS_UNITS,
        trapezius_units: FTP_CAP_TRAPEZIUS_UNITS,
    };

    /// The cap for `muscle`; `None` for muscles that take no follow-the-pain sites.
    pub fn cap_for(&self, muscle: Muscle) -> Option<u32> {
        match muscle {
            Muscle::Temporalis => Some(self.temporalis_units),
            Muscle::Occipitalis => Some(self.occipitalis_units),
            Muscle::Trapezius => Some(self.trapezius_units),
            _ => None,
        }
    }

    /// The caps in words. Marked unverified when they are the Blumenfeld 2010 default.
    pub fn describe(&self) -> String {
        let source = if *self == FtpCaps::BLUMENFELD_2010 {
            format!("Blumenfeld 2010 {UNVERIFIED_MARK}")
        } else {
            "clinic setting".to_owned()
        };
        format!(
            "follow-the-pain per-muscle caps: temporalis +{} U, occipitalis +{} U, trapezius +{} U ({source})",
            self.temporalis_units, self.occipitalis_units, self.trapezius_units
        )
    }
}

impl Default for FtpCaps {
    fn default() -> Self {
        FtpCaps::BLUMENFELD_2010
    }
}

/// One injection site: where, which side, its number within target and side (1..n), units and
/// volume.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct InjectionSite {
    target: Target,
    side: Side,
    ordinal: u32,
    units: u32,
    volume: Volume,
}

impl InjectionSite {
    /// A site of `units` at `concentration`; the side must suit the target, the ordinal starts at
    /// 1 and units are positive.
    pub fn new(
        target: Target,
        side: Side,
        ordinal: u32,
        units: u32,
        concentration: &Concentration,
    ) -> Result<Self, ProtocolError> {
        if !target.allows(side) {
            return Err(ProtocolError::SideNotAllowed { target, side });
        }
        if ordinal == 0 {
            return Err(ProtocolError::ZeroOrdinal { target, side });
        }
        if units == 0 {
            return Err(ProtocolError::ZeroUnits {
                target,
                side,
                ordinal,
            });
        }
        let volume = concentration.volume_for(units);
        Ok(InjectionSite {
            target,
            side,
            ordinal,
            units,
            volume,
        })
    }

    pub fn target(&self) -> &Target {
        &self.target
    }
    pub fn side(&self) -> Side {
        self.side
    }
    pub fn ordinal(&self) -> u32 {
        self.ordinal
    }
    pub fn units(&self) -> u32 {
        self.units
    }
    pub fn volume(&self) -> Volume {
        self.volume
    }

    /// Identity of the site within a plan or session: target, side, ordinal.
    pub fn key(&self) -> (&Target, Side, u32) {
        (&self.target, self.side, self.ordinal)
    }
}

/// Sorts sites by target, side and ordinal and refuses a site listed twice.
pub(crate) fn sort_unique_sites(sites: &mut [InjectionSite]) -> Result<(), ProtocolError> {
    sites.sort_by(|a, b| a.key().cmp(&b.key()));
    if let Some(w) = sites.windows(2).find(|w| w[0].key() == w[1].key()) {
        return Err(ProtocolError::DuplicateSite {
            target: w[0].target.clone(),
            side: w[0].side,
            ordinal: w[0].ordinal,
        });
    }
    Ok(())
}

/// Units per PREEMPT muscle over both sides; sites at nerves or named sites are left out.
pub fn units_by_muscle(sites: &[InjectionSite]) -> BTreeMap<Muscle, u32> {
    let mut by = BTreeMap::new();
    for s in sites {
        if let Some(m) = s.target.muscle() {
            *by.entry(m).or_insert(0) += s.units;
        }
    }
    by
}

/// Which protocol a plan follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PlanKind {
    /// PREEMPT fixed sites, 155 U over 31 sites.
    Preempt,
    /// PREEMPT fixed sites plus follow-the-pain extra sites.
    PreemptFollowThePain,
    /// Off-label botulinum toxin at the occipital nerves for occipital neuralgia.
    OccipitalNeuralgiaToxin,
}

impl PlanKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlanKind::Preempt => "preempt",
            PlanKind::PreemptFollowThePain => "preempt_ftp",
            PlanKind::OccipitalNeuralgiaToxin => "occipital_neuralgia_toxin",
        }
    }

    /// Botulinum toxin for occipital neuralgia is off-label (FDA label, Indications and Usage) [V].
    pub fn is_off_label(self) -> bool {
        self == PlanKind::OccipitalNeuralgiaToxin
    }
}

impl fmt::Display for PlanKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A dose of off-label botulinum toxin at one occipital nerve on one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct NerveDose {
    pub nerve: OccipitalNerve,
    pub side: Side,
    pub units: u32,
}

/// An injection plan: every site with units and volume, at one concentration.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Plan {
    kind: PlanKind,
    concentration: Concentration,
    sites: Vec<InjectionSite>,
    notes: Vec<String>,
    /// Where `notes` says the follow-the-pain per-muscle caps were not applied, if it does.
    #[serde(skip)]
    uncapped_note: Option<usize>,
}

impl Plan {
    /// The PREEMPT fixed-site plan: [`PREEMPT_FIXED_SITE_TABLE`] at 5 U / 0.1 mL, 155 U over 31
    /// sites.
    pub fn preempt() -> Plan {
        let concentration = Concentration::PREEMPT;
        let sites = fixed_sites(&concentration);
        Plan {
            kind: PlanKind::Preempt,
            concentration,
            sites,
            notes: vec![preempt_note()],
            uncapped_note: None,
        }
    }

    /// PREEMPT plus follow-the-pain: each entry of `extra` is one more 5 U site in that muscle on
    /// that side. Extra sites go only in temporalis, occipitalis and trapezius, at most 8 (40 U),
    /// at most 195 U over 39 sites in all (FDA label) [V2]; per muscle the Blumenfeld 2010 caps
    /// apply ([`FtpCaps::BLUMENFELD_2010`], [U]). [`Plan::preempt_ftp_with_caps`] replaces them.
    pub fn preempt_ftp(extra: &[(Muscle, Side)]) -> Result<Plan, ProtocolError> {
        Plan::preempt_ftp_with_caps(extra, Some(FtpCaps::BLUMENFELD_2010))
    }

    /// [`Plan::preempt_ftp`] with the clinic's per-muscle caps, or none (`None`: only the label
    /// limits apply).
    pub fn preempt_ftp_with_caps(
        extra: &[(Muscle, Side)],
        caps: Option<FtpCaps>,
    ) -> Result<Plan, ProtocolError> {
        let concentration = Concentration::PREEMPT;
        let mut sites = fixed_sites(&concentration);
        let extra_sites = u32::try_from(extra.len()).unwrap_or(u32::MAX);
        if extra_sites > FTP_MAX_EXTRA_SITES {
            return Err(ProtocolError::FtpTooManySites {
                sites: extra_sites,
                max_sites: FTP_MAX_EXTRA_SITES,
                max_units: FTP_MAX_EXTRA_UNITS,
            });
        }
        let mut extra_units: BTreeMap<Muscle, u32> = BTreeMap::new();
        for &(muscle, side) in extra {
            if !muscle.takes_follow_the_pain() {
                return Err(ProtocolError::FtpMuscle(muscle));
            }
            let target = Target::Muscle(muscle);
            let ordinal = 1 + sites
                .iter()
                .filter(|s| s.target == target && s.side == side)
                .count();
            let ordinal = u32::try_from(ordinal).unwrap_or(u32::MAX);
            sites.push(InjectionSite::new(
                target,
                side,
                ordinal,
                PREEMPT_UNITS_PER_SITE,
                &concentration,
            )?);
            *extra_units.entry(muscle).or_insert(0) += PREEMPT_UNITS_PER_SITE;
        }
        if let Some(caps) = caps {
            for (&muscle, &units) in &extra_units {
                if let Some(cap) = caps.cap_for(muscle)
                    && units > cap
                {
                    return Err(ProtocolError::FtpMuscleCap { muscle, units, cap });
                }
            }
        }
        sort_unique_sites(&mut sites)?;
        let added: u32 = extra_units.values().sum();
        let mut notes = vec![
            preempt_note(),
            format!(
                "follow-the-pain: +{added} U over {extra_sites} sites in temporalis, occipitalis and/or trapezius; \
                 label maximum +{FTP_MAX_EXTRA_UNITS} U, {PREEMPT_MAX_UNITS} U over {PREEMPT_MAX_SITES} sites (FDA label) [V2]"
            ),
        ];
        let uncapped_note = caps.is_none().then_some(notes.len());
        notes.push(match caps {
            Some(c) => c.describe(),
            None => {
                "follow-the-pain per-muscle caps not applied (clinic setting): label limits only"
                    .to_owned()
            }
        });
        Ok(Plan {
            kind: PlanKind::PreemptFollowThePain,
            concentration,
            sites,
            notes,
            uncapped_note,
        })
    }

    /// Off-label botulinum toxin for occipital neuralgia: one site per nerve and side with a free
    /// dose. Study doses are shown as context, never enforced (Kapural 2007, Marcolla 2022) [V].
    pub fn occipital_toxin(
        doses: &[NerveDose],
        concentration: Concentration,
    ) -> Result<Plan, ProtocolError> {
        if doses.is_empty() {
            return Err(ProtocolError::NoNerveDoses);
        }
        let mut sites = Vec::with_capacity(doses.len());
        for d in doses {
            if sites
                .iter()
                .any(|s: &InjectionSite| s.target == Target::Nerve(d.nerve) && s.side == d.side)
            {
                return Err(ProtocolError::DuplicateNerve {
                    nerve: d.nerve,
                    side: d.side,
                });
            }
            sites.push(InjectionSite::new(
                Target::Nerve(d.nerve),
                d.side,
                1,
                d.units,
                &concentration,
            )?);
        }
        sort_unique_sites(&mut sites)?;
        Ok(Plan {
            kind: PlanKind::OccipitalNeuralgiaToxin,
            concentration,
            sites,
            notes: vec![
                "off-label: botulinum toxin for occipital neuralgia is not a labelled indication"
                    .to_owned(),
                occipital_toxin_study_doses(),
            ],
            uncapped_note: None,
        })
    }

    pub fn kind(&self) -> PlanKind {
        self.kind
    }
    pub fn concentration(&self) -> &Concentration {
        &self.concentration
    }
    pub fn sites(&self) -> &[InjectionSite] {
        &self.sites
    }
    /// What the plan rests on, with sources and marks.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// [`Plan::notes`] for a plan compared with sites that may go beyond the per-muscle caps (so
    /// built without them) while the session checks still apply `checked`: the note that the
    /// caps were not applied gives way to the caps the checks use.
    pub fn notes_with_checked_caps(&self, checked: &FtpCaps) -> Vec<String> {
        let mut notes = self.notes.clone();
        if let Some(n) = self.uncapped_note.and_then(|i| notes.get_mut(i)) {
            *n = format!("{}; the checks apply them", checked.describe());
        }
        notes
    }
    pub fn is_off_label(&self) -> bool {
        self.kind.is_off_label()
    }

    pub fn total_units(&self) -> u32 {
        self.sites.iter().map(|s| s.units).sum()
    }

    pub fn total_sites(&self) -> u32 {
        u32::try_from(self.sites.len()).unwrap_or(u32::MAX)
    }

    pub fn total_volume(&self) -> Volume {
        Volume(self.sites.iter().map(|s| s.volume.0).sum())
    }

    /// Compares `given` sites with the plan by target, side and ordinal: planned sites not given,
    /// sites given with other units, and sites given that were not planned.
    pub fn diff(&self, given: &[InjectionSite]) -> PlanDiff {
        let planned: BTreeMap<_, _> = self.sites.iter().map(|s| (s.key(), s)).collect();
        let given_by: BTreeMap<_, _> = given.iter().map(|s| (s.key(), s)).collect();
        let skipped = planned
            .iter()
            .filter(|(k, _)| !given_by.contains_key(*k))
            .map(|(_, s)| (*s).clone())
            .collect();
        let added = given_by
            .iter()
            .filter(|(k, _)| !planned.contains_key(*k))
            .map(|(_, s)| (*s).clone())
            .collect();
        let changed = planned
            .iter()
            .filter_map(|(k, p)| {
                let g = given_by.get(k)?;
                (g.units != p.units).then(|| ChangedSite {
                    target: p.target.clone(),
                    side: p.side,
                    ordinal: p.ordinal,
                    planned_units: p.units,
                    given_units: g.units,
                })
            })
            .collect();
        PlanDiff {
            skipped,
            changed,
            added,
        }
    }
}

fn fixed_sites(concentration: &Concentration) -> Vec<InjectionSite> {
    let mut sites = Vec::new();
    for row in &PREEMPT_FIXED_SITE_TABLE {
        let per_site = row.units / row.sites;
        for &side in row.sides() {
            for ordinal in 1..=row.sites_per_side() {
                sites.push(InjectionSite {
                    target: Target::Muscle(row.muscle),
                    side,
                    ordinal,
                    units: per_site,
                    volume: concentration.volume_for(per_site),
                });
            }
        }
    }
    sites
}

fn preempt_note() -> String {
    format!(
        "PREEMPT fixed sites: {PREEMPT_FIXED_UNITS} U over {PREEMPT_FIXED_SITE_COUNT} sites, {PREEMPT_UNITS_PER_SITE} U in \
         {} per site (FDA label) [V2]",
        Volume(PREEMPT_SITE_VOLUME_MICROLITRES)
    )
}

/// The published doses for off-label toxin in occipital neuralgia, as context.
pub fn occipital_toxin_study_doses() -> String {
    format!(
        "study doses, context only, not limits: {ON_TOXIN_KAPURAL_2007_UNITS_PER_NERVE} U per nerve (Kapural 2007, n=6); \
         mean {ON_TOXIN_MARCOLLA_2022_MEAN_UNITS_PER_NERVE} U per nerve (Marcolla 2022, n=29) [V]"
    )
}

/// A site given with other units than planned.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ChangedSite {
    pub target: Target,
    pub side: Side,
    pub ordinal: u32,
    pub planned_units: u32,
    pub given_units: u32,
}

/// What was given compared with the plan.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct PlanDiff {
    pub skipped: Vec<InjectionSite>,
    pub changed: Vec<ChangedSite>,
    pub added: Vec<InjectionSite>,
}

impl PlanDiff {
    /// True when everything was given as planned.
    pub fn is_empty(&self) -> bool {
        self.skipped.is_empty() && self.changed.is_empty() && self.added.is_empty()
    }
}

/// Which sides a nerve block covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Laterality {
    Left,
    Right,
    Bilateral,
}

impl Laterality {
    pub fn as_str(self) -> &'static str {
        match self {
            Laterality::Left => "left",
            Laterality::Right => "right",
            Laterality::Bilateral => "bilateral",
        }
    }

    pub fn sides(self) -> &'static [Side] {
        match self {
            Laterality::Left => &[Side::Left],
            Laterality::Right => &[Side::Right],
            Laterality::Bilateral => &[Side::Left, Side::Right],
        }
    }
}

impl fmt::Display for Laterality {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Laterality {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match key_of(s).as_str() {
            "left" | "l" => Ok(Laterality::Left),
            "right" | "r" => Ok(Laterality::Right),
            "bilateral" | "both" => Ok(Laterality::Bilateral),
            _ => Err(ProtocolError::UnknownLaterality(s.to_owned())),
        }
    }
}

/// The local anaesthetic of a nerve block, bupivacaine 0.5 % or lidocaine (nerve-block practice as
/// restated in secondary sources) [V2].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Anaesthetic {
    Bupivacaine05,
    Lidocaine1,
    Lidocaine2,
    /// Any other agent, by name with its strength (e.g. "ropivacaine 0.2 %").
    Other(Name),
}

impl Anaesthetic {
    /// Storage key: `bupivacaine_0.5`, `lidocaine_1`, `lidocaine_2`, `other:<name>`.
    pub fn key(&self) -> String {
        match self {
            Anaesthetic::Bupivacaine05 => "bupivacaine_0.5".to_owned(),
            Anaesthetic::Lidocaine1 => "lidocaine_1".to_owned(),
            Anaesthetic::Lidocaine2 => "lidocaine_2".to_owned(),
            Anaesthetic::Other(n) => format!("other:{n}"),
        }
    }
}

impl fmt::Display for Anaesthetic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Anaesthetic::Bupivacaine05 => f.write_str("bupivacaine 0.5 %"),
            Anaesthetic::Lidocaine1 => f.write_str("lidocaine 1 %"),
            Anaesthetic::Lidocaine2 => f.write_str("lidocaine 2 %"),
            Anaesthetic::Other(n) => n.fmt(f),
        }
    }
}

impl FromStr for Anaesthetic {
    type Err = ProtocolError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if let Some(name) = t.strip_prefix("other:") {
            return Name::new("agent", name).map(Anaesthetic::Other);
        }
        let k: String = key_of(t)
            .chars()
            .filter(|c| !matches!(c, '_' | '%'))
            .collect();
        match k.as_str() {
            "bupivacaine0.5" => Ok(Anaesthetic::Bupivacaine05),
            "lidocaine1" | "lignocaine1" => Ok(Anaesthetic::Lidocaine1),
            "lidocaine2" | "lignocaine2" => Ok(Anaesthetic::Lidocaine2),
            _ => Err(ProtocolError::UnknownAgent(s.to_owned())),
        }
    }
}

impl Serialize for Anaesthetic {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.key())
    }
}

/// A steroid added to a nerve block: agent and dose in mg.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Steroid {
    agent: Name,
    dose_mg: f64,
}

impl Steroid {
    pub fn new(agent: &str, dose_mg: f64) -> Result<Self, ProtocolError> {
        let agent = Name::new("steroid agent", agent)?;
        if !dose_mg.is_finite() || dose_mg <= 0.0 {
            return Err(ProtocolError::BadSteroidDose(dose_mg.to_string()));
        }
        Ok(Steroid { agent, dose_mg })
    }
    pub fn agent(&self) -> &Name {
        &self.agent
    }
    pub fn dose_mg(&self) -> f64 {
        self.dose_mg
    }
}

impl fmt::Display for Steroid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {} mg", self.agent, self.dose_mg)
    }
}

/// An occipital nerve block (greater: CPT 64405): nerve, side(s), local anaesthetic, volume per
/// side, optional steroid (nerve-block practice as restated in secondary sources) [V2].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NerveBlockPlan {
    nerve: OccipitalNerve,
    laterality: Laterality,
    agent: Anaesthetic,
    volume_per_side: Volume,
    steroid: Option<Steroid>,
}

impl NerveBlockPlan {
    /// A block of `volume_per_side` of `agent` at `nerve` on `laterality`; the volume must be
    /// positive. A volume outside the typical 2–3 mL is a warning ([`NerveBlockPlan::warnings`]),
    /// not an error.
    pub fn new(
        nerve: OccipitalNerve,
        laterality: Laterality,
        agent: Anaesthetic,
        volume_per_side: Volume,
        steroid: Option<Steroid>,
    ) -> Result<Self, ProtocolError> {
        if volume_per_side.microlitres() == 0 {
            return Err(ProtocolError::BadVolume {
                field: "volume",
                value: "0".to_owned(),
            });
        }
        Ok(NerveBlockPlan {
            nerve,
            laterality,
            agent,
            volume_per_side,
            steroid,
        })
    }

    /// The usual greater occipital nerve block: bupivacaine 0.5 %, 2 mL per side (the low end of
    /// the typical 2–3 mL), no steroid (nerve-block practice, secondary sources) [V2].
    pub fn typical_gon(laterality: Laterality) -> Self {
        NerveBlockPlan {
            nerve: OccipitalNerve::GreaterOccipital,
            laterality,
            agent: Anaesthetic::Bupivacaine05,
            volume_per_side: Volume(GON_BLOCK_TYPICAL_MIN_MICROLITRES),
            steroid: None,
        }
    }

    pub fn nerve(&self) -> OccipitalNerve {
        self.nerve
    }
    pub fn laterality(&self) -> Laterality {
        self.laterality
    }
    pub fn agent(&self) -> &Anaesthetic {
        &self.agent
    }
    pub fn volume_per_side(&self) -> Volume {
        self.volume_per_side
    }
    pub fn steroid(&self) -> Option<&Steroid> {
        self.steroid.as_ref()
    }

    pub fn total_volume(&self) -> Volume {
        let sides = u32::try_from(self.laterality.sides().len()).unwrap_or(2);
        Volume(self.volume_per_side.0.saturating_mul(sides))
    }

    /// Where and how, with the source.
    pub fn notes(&self) -> Vec<String> {
        let mut notes = Vec::new();
        if self.nerve == OccipitalNerve::GreaterOccipital {
            notes.push(
                "greater occipital nerve: about 2 cm lateral and 2 cm inferior to the external occipital \
                 protuberance, medial to the occipital artery (nerve-block practice, secondary sources) [V2]"
                    .to_owned(),
            );
        }
        notes.push(
            "record relief % and how long it lasted: ICHD-3 13.4 criterion D depends on it"
                .to_owned(),
        );
        notes
    }

    /// A volume per side outside the typical 2–3 mL (nerve-block practice, secondary sources) [V2].
    pub fn warnings(&self) -> Vec<String> {
        let v = self.volume_per_side.microlitres();
        if (GON_BLOCK_TYPICAL_MIN_MICROLITRES..=GON_BLOCK_TYPICAL_MAX_MICROLITRES).contains(&v) {
            Vec::new()
        } else {
            vec![format!(
                "volume {} per side is outside the typical {}–{} (nerve-block practice, secondary sources) [V2]",
                self.volume_per_side,
                Volume(GON_BLOCK_TYPICAL_MIN_MICROLITRES),
                Volume(GON_BLOCK_TYPICAL_MAX_MICROLITRES)
            )]
        }
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn ml(v: f64) -> Volume {
        Volume::from_ml("test", v).expect("test volume")
    }

    #[test]
    fn preempt_table_matches_the_label_totals() {
        let units: u32 = PREEMPT_FIXED_SITE_TABLE.iter().map(|r| r.units).sum();
        let sites: u32 = PREEMPT_FIXED_SITE_TABLE.iter().map(|r| r.sites).sum();
        assert_eq!(units, 155);
        assert_eq!(sites, 31);
        assert_eq!(units, PREEMPT_FIXED_UNITS);
        assert_eq!(sites, PREEMPT_FIXED_SITE_COUNT);
        for row in &PREEMPT_FIXED_SITE_TABLE {
            assert_eq!(
                row.units,
                row.sites * PREEMPT_UNITS_PER_SITE,
                "{}",
                row.muscle
            );
            let per_side_total =
                row.sites_per_side() * u32::try_from(row.sides().len()).expect("small");
            assert_eq!(per_side_total, row.sites, "{}", row.muscle);
            assert_eq!(row.muscle.preempt_row(), row);
        }
        assert_eq!(PREEMPT_FIXED_SITE_TABLE.len(), Muscle::ALL.len());
    }

    #[test]
    fn preempt_plan_lists_31_sites_of_5_units_in_0_1_ml() {
        let plan = Plan::preempt();
        assert_eq!(plan.total_units(), 155);
        assert_eq!(plan.total_sites(), 31);
        assert_eq!(plan.total_volume(), ml(3.1));
        assert!(plan.sites().iter().all(|s| s.units() == 5));
        assert!(plan.sites().iter().all(|s| s.volume() == ml(0.1)));
        assert!(!plan.is_off_label());
        let temporalis_left: Vec<u32> = plan
            .sites()
            .iter()
            .filter(|s| *s.target() == Target::Muscle(Muscle::Temporalis) && s.side() == Side::Left)
            .map(InjectionSite::ordinal)
            .collect();
        assert_eq!(temporalis_left, vec![1, 2, 3, 4]);
        let procerus: Vec<_> = plan
            .sites()
            .iter()
            .filter(|s| *s.target() == Target::Muscle(Muscle::Procerus))
            .collect();
        assert_eq!(procerus.len(), 1);
        assert_eq!(procerus[0].side(), Side::Midline);
    }

    #[test]
    fn ftp_adds_numbered_sites_up_to_195_units_over_39() {
        let extra = [
            (Muscle::Temporalis, Side::Left),
            (Muscle::Temporalis, Side::Right),
            (Muscle::Occipitalis, Side::Left),
            (Muscle::Occipitalis, Side::Left),
            (Muscle::Trapezius, Side::Left),
            (Muscle::Trapezius, Side::Right),
            (Muscle::Trapezius, Side::Right),
            (Muscle::Trapezius, Side::Left),
        ];
        let plan = Plan::preempt_ftp(&extra).expect("label maximum");
        assert_eq!(plan.total_units(), 195);
        assert_eq!(plan.total_sites(), 39);
        assert_eq!(plan.kind(), PlanKind::PreemptFollowThePain);
        let occ_left: Vec<u32> = plan
            .sites()
            .iter()
            .filter(|s| {
                *s.target() == Target::Muscle(Muscle::Occipitalis) && s.side() == Side::Left
            })
            .map(InjectionSite::ordinal)
            .collect();
        assert_eq!(occ_left, vec![1, 2, 3, 4, 5]);
        assert!(plan.notes().iter().any(|n| n.contains(UNVERIFIED_MARK)));
        let diff = plan.diff(Plan::preempt().sites());
        assert_eq!(diff.skipped.len(), 8);
        assert!(diff.added.is_empty() && diff.changed.is_empty());
    }

    #[test]
    fn ftp_refuses_a_ninth_site() {
        let extra = [(Muscle::Trapezius, Side::Left); 9];
        assert_eq!(
            Plan::preempt_ftp_with_caps(&extra, None),
            Err(ProtocolError::FtpTooManySites {
                sites: 9,
                max_sites: 8,
                max_units: 40
            })
        );
        let eight = [(Muscle::Trapezius, Side::Left); 8];
        let plan = Plan::preempt_ftp_with_caps(&eight, None).expect("label allows 8 sites");
        assert_eq!(plan.total_units(), 195);
        assert!(plan.notes().iter().all(|n| !n.contains(UNVERIFIED_MARK)));
    }

    #[test]
    fn ftp_never_goes_into_cervical_paraspinal_or_the_face() {
        for muscle in [
            Muscle::CervicalParaspinal,
            Muscle::Corrugator,
            Muscle::Procerus,
            Muscle::Frontalis,
        ] {
            let side = if muscle.is_midline() {
                Side::Midline
            } else {
                Side::Left
            };
            assert_eq!(
                Plan::preempt_ftp_with_caps(&[(muscle, side)], None),
                Err(ProtocolError::FtpMuscle(muscle))
            );
        }
        let err = Plan::preempt_ftp(&[(Muscle::CervicalParaspinal, Side::Right)])
            .expect_err("never cervical paraspinal");
        assert!(err.to_string().contains("never cervical paraspinal"));
    }

    #[test]
    fn ftp_per_muscle_caps_are_enforced_marked_and_overridable() {
        let at_cap = [
            (Muscle::Temporalis, Side::Left),
            (Muscle::Temporalis, Side::Left),
        ];
        assert!(Plan::preempt_ftp(&at_cap).is_ok());
        let over = [(Muscle::Temporalis, Side::Left); 3];
        let err = Plan::preempt_ftp(&over).expect_err("temporalis cap +10 U");
        assert_eq!(
            err,
            ProtocolError::FtpMuscleCap {
                muscle: Muscle::Temporalis,
                units: 15,
                cap: 10
            }
        );
        assert!(err.to_string().contains(UNVERIFIED_MARK));
        assert!(Plan::preempt_ftp(&[(Muscle::Occipitalis, Side::Right); 3]).is_err());
        assert!(Plan::preempt_ftp(&[(Muscle::Trapezius, Side::Right); 4]).is_ok());
        assert!(Plan::preempt_ftp(&[(Muscle::Trapezius, Side::Right); 5]).is_err());
        // A clinic's own caps, or none.
        let wider = FtpCaps {
            temporalis_units: 20,
            ..FtpCaps::BLUMENFELD_2010
        };
        let plan = Plan::preempt_ftp_with_caps(&over, Some(wider)).expect("clinic caps");
        assert!(plan.notes().iter().any(|n| n.contains("clinic setting")));
        assert_eq!(
            plan.notes_with_checked_caps(&FtpCaps::BLUMENFELD_2010),
            plan.notes(),
            "a plan built with caps keeps its notes"
        );
        let uncapped = Plan::preempt_ftp_with_caps(&over, None).expect("no caps");
        assert!(uncapped.notes().iter().any(|n| n.contains("not applied")));
        let shown = uncapped.notes_with_checked_caps(&FtpCaps::BLUMENFELD_2010);
        assert_eq!(shown.len(), uncapped.notes().len());
        assert!(
            shown.iter().all(|n| !n.contains("not applied")),
            "{shown:?}"
        );
        assert!(
            shown
                .iter()
                .any(|n| n.starts_with(&FtpCaps::BLUMENFELD_2010.describe())
                    && n.ends_with("the checks apply them")),
            "{shown:?}"
        );
    }

    #[test]
    fn ftp_refuses_midline_for_paired_muscles() {
        assert!(matches!(
            Plan::preempt_ftp(&[(Muscle::Temporalis, Side::Midline)]),
            Err(ProtocolError::SideNotAllowed { .. })
        ));
    }

    #[test]
    fn occipital_toxin_plan_is_off_label_with_free_doses() {
        let plan = Plan::occipital_toxin(
            &[
                NerveDose {
                    nerve: OccipitalNerve::GreaterOccipital,
                    side: Side::Right,
                    units: 50,
                },
                NerveDose {
                    nerve: OccipitalNerve::LesserOccipital,
                    side: Side::Right,
                    units: 15,
                },
                NerveDose {
                    nerve: OccipitalNerve::GreaterOccipital,
                    side: Side::Left,
                    units: 120,
                },
            ],
            Concentration::PREEMPT,
        )
        .expect("free dose");
        assert!(plan.is_off_label());
        assert_eq!(plan.total_units(), 185);
        assert_eq!(plan.total_sites(), 3);
        assert_eq!(plan.sites()[0].volume(), ml(2.4));
        assert!(plan.notes().iter().any(|n| n.contains("Kapural 2007")));
        assert!(plan.notes().iter().any(|n| n.contains("18.7")));
        assert_eq!(
            Plan::occipital_toxin(&[], Concentration::PREEMPT),
            Err(ProtocolError::NoNerveDoses)
        );
        let dup = NerveDose {
            nerve: OccipitalNerve::GreaterOccipital,
            side: Side::Left,
            units: 10,
        };
        assert!(matches!(
            Plan::occipital_toxin(&[dup, dup], Concentration::PREEMPT),
            Err(ProtocolError::DuplicateNerve { .. })
        ));
        let midline = NerveDose {
            side: Side::Midline,
            ..dup
        };
        assert!(Plan::occipital_toxin(&[midline], Concentration::PREEMPT).is_err());
        let zero = NerveDose { units: 0, ..dup };
        assert!(matches!(
            Plan::occipital_toxin(&[zero], Concentration::PREEMPT),
            Err(ProtocolError::ZeroUnits { .. })
        ));
    }

    #[test]
    fn diff_lists_skipped_changed_and_added_sites() {
        let plan = Plan::preempt();
        let c = Concentration::PREEMPT;
        let mut given: Vec<InjectionSite> = plan
            .sites()
            .iter()
            .filter(|s| *s.target() != Target::Muscle(Muscle::Procerus))
            .cloned()
            .collect();
        given[0] = InjectionSite::new(given[0].target().clone(), given[0].side(), 1, 10, &c)
            .expect("valid");
        given.push(
            InjectionSite::new(Target::Muscle(Muscle::Trapezius), Side::Left, 4, 5, &c)
                .expect("valid"),
        );
        let diff = plan.diff(&given);
        assert_eq!(diff.skipped.len(), 1);
        assert_eq!(*diff.skipped[0].target(), Target::Muscle(Muscle::Procerus));
        assert_eq!(
            diff.changed,
            vec![ChangedSite {
                target: Target::Muscle(Muscle::Corrugator),
                side: Side::Left,
                ordinal: 1,
                planned_units: 5,
                given_units: 10
            }]
        );
        assert_eq!(diff.added.len(), 1);
        assert_eq!(diff.added[0].ordinal(), 4);
        assert!(plan.diff(plan.sites()).is_empty());
    }

    #[test]
    fn concentrations_compare_by_strength() {
        let c200 = Concentration::new(200, ml(4.0)).expect("valid");
        assert_eq!(c200, Concentration::PREEMPT);
        assert!(c200.is_preempt());
        let c100_4 = Concentration::new(100, ml(4.0)).expect("valid");
        assert!(!c100_4.is_preempt());
        assert!((c100_4.units_per_tenth_ml() - 2.5).abs() < 1e-9);
        assert_eq!(c100_4.volume_for(5), ml(0.2));
        assert_eq!(c100_4.to_string(), "2.5 U / 0.1 mL (100 U in 4 mL)");
        assert_eq!(
            Concentration::PREEMPT.to_string(),
            "5 U / 0.1 mL (100 U in 2 mL)"
        );
        assert!(Concentration::new(0, ml(2.0)).is_err());
        assert!(Concentration::new(100, Volume::from_microlitres(0)).is_err());
    }

    #[test]
    fn volumes_parse_and_print_in_ml() {
        assert_eq!(ml(2.0).microlitres(), 2000);
        assert_eq!(ml(0.1).to_string(), "0.1 mL");
        assert_eq!(ml(2.5).to_string(), "2.5 mL");
        assert_eq!(ml(0.125).to_string(), "0.125 mL");
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY, 0.0004] {
            assert!(Volume::from_ml("diluent", bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn names_parse_and_round_trip() {
        for m in Muscle::ALL {
            assert_eq!(m.as_str().parse::<Muscle>(), Ok(m));
            let t = Target::Muscle(m);
            assert_eq!(t.key().parse::<Target>(), Ok(t));
        }
        assert_eq!(
            "Cervical paraspinal".parse::<Muscle>(),
            Ok(Muscle::CervicalParaspinal)
        );
        assert!("masseter".parse::<Muscle>().is_err());
        for n in OccipitalNerve::ALL {
            let t = Target::Nerve(n);
            assert_eq!(t.key().parse::<Target>(), Ok(t));
        }
        let named: Target = "site: sternocleidomastoid ".parse().expect("named site");
        assert_eq!(named.key(), "site:sternocleidomastoid");
        assert_eq!(named.key().parse::<Target>(), Ok(named));
        assert!("site:  ".parse::<Target>().is_err());
        assert!("elbow".parse::<Target>().is_err());
        assert_eq!("R".parse::<Side>(), Ok(Side::Right));
        assert!("up".parse::<Side>().is_err());
        for a in [
            Anaesthetic::Bupivacaine05,
            Anaesthetic::Lidocaine1,
            Anaesthetic::Lidocaine2,
            Anaesthetic::Other(Name::new("agent", "ropivacaine 0.2 %").expect("valid")),
        ] {
            assert_eq!(a.key().parse::<Anaesthetic>(), Ok(a.clone()));
        }
        assert_eq!(
            "Bupivacaine 0.5%".parse::<Anaesthetic>(),
            Ok(Anaesthetic::Bupivacaine05)
        );
        assert!("bupivacaine".parse::<Anaesthetic>().is_err());
        assert_eq!("both".parse::<Laterality>(), Ok(Laterality::Bilateral));
    }

    #[test]
    fn names_are_trimmed_bounded_and_printable() {
        assert_eq!(Name::new("f", "  a b ").map(|n| n.0), Ok("a b".to_owned()));
        assert_eq!(
            Name::new("f", " "),
            Err(ProtocolError::EmptyText { field: "f" })
        );
        assert!(Name::new("f", &"x".repeat(NAME_MAX_CHARS)).is_ok());
        assert!(Name::new("f", &"x".repeat(NAME_MAX_CHARS + 1)).is_err());
        assert_eq!(
            Name::new("f", "a\u{7}b"),
            Err(ProtocolError::ControlCharacter { field: "f" })
        );
    }

    #[test]
    fn gon_block_plan_warns_outside_2_to_3_ml() {
        let typical = NerveBlockPlan::typical_gon(Laterality::Bilateral);
        assert_eq!(typical.total_volume(), ml(4.0));
        assert!(typical.warnings().is_empty());
        assert!(typical.notes().iter().any(|n| n.contains("2 cm lateral")));
        let at_3 = NerveBlockPlan::new(
            OccipitalNerve::GreaterOccipital,
            Laterality::Left,
            Anaesthetic::Lidocaine1,
            ml(3.0),
            None,
        )
        .expect("valid");
        assert!(at_3.warnings().is_empty());
        let at_3_5 = NerveBlockPlan::new(
            OccipitalNerve::GreaterOccipital,
            Laterality::Left,
            Anaesthetic::Lidocaine2,
            ml(3.5),
            Some(Steroid::new("triamcinolone", 40.0).expect("valid")),
        )
        .expect("a warning, not an error");
        assert_eq!(at_3_5.warnings().len(), 1);
        assert!(at_3_5.warnings()[0].contains("3.5 mL"));
        let at_1_9 = NerveBlockPlan::new(
            OccipitalNerve::LesserOccipital,
            Laterality::Right,
            Anaesthetic::Bupivacaine05,
            ml(1.9),
            None,
        )
        .expect("valid");
        assert_eq!(at_1_9.warnings().len(), 1);
        assert!(Steroid::new("dexamethasone", 0.0).is_err());
        assert!(Steroid::new(" ", 4.0).is_err());
    }

    fn ftp_muscle() -> impl Strategy<Value = Muscle> {
        prop::sample::select(vec![
            Muscle::Temporalis,
            Muscle::Occipitalis,
            Muscle::Trapezius,
        ])
    }

    fn any_side() -> impl Strategy<Value = Side> {
        prop::sample::select(vec![Side::Left, Side::Right])
    }

    proptest! {
        /// Plan totals are the sums over the sites, and any follow-the-pain plan that is accepted
        /// stays within 195 U over 39 sites and the per-muscle caps.
        #[test]
        fn ftp_plan_totals_are_site_sums(extra in prop::collection::vec((ftp_muscle(), any_side()), 0..12)) {
            match Plan::preempt_ftp(&extra) {
                Ok(plan) => {
                    let units: u32 = plan.sites().iter().map(InjectionSite::units).sum();
                    prop_assert_eq!(plan.total_units(), units);
                    prop_assert_eq!(plan.total_sites() as usize, plan.sites().len());
                    prop_assert_eq!(plan.total_units(), 155 + 5 * extra.len() as u32);
                    prop_assert!(plan.total_units() <= PREEMPT_MAX_UNITS);
                    prop_assert!(plan.total_sites() <= PREEMPT_MAX_SITES);
                    let by = units_by_muscle(plan.sites());
                    for m in [Muscle::Temporalis, Muscle::Occipitalis, Muscle::Trapezius] {
                        let cap = FtpCaps::BLUMENFELD_2010.cap_for(m).expect("ftp muscle");
                        prop_assert!(by[&m] <= m.preempt_row().units + cap);
                    }
                    let micro: u32 = plan.sites().iter().map(|s| s.volume().microlitres()).sum();
                    prop_assert_eq!(plan.total_volume().microlitres(), micro);
                }
                Err(e) => {
                    let over_cap = [Muscle::Temporalis, Muscle::Occipitalis, Muscle::Trapezius].iter().any(|m| {
                        5 * extra.iter().filter(|(x, _)| x == m).count() as u32
                            > FtpCaps::BLUMENFELD_2010.cap_for(*m).expect("ftp muscle")
                    });
                    prop_assert!(extra.len() > 8 || over_cap, "refused without cause: {e}");
                }
            }
        }

        #[test]
        fn occipital_plan_totals_are_site_sums(units in prop::collection::vec(1u32..300, 1..=4)) {
            let slots = [
                (OccipitalNerve::GreaterOccipital, Side::Left),
                (OccipitalNerve::GreaterOccipital, Side::Right),
                (OccipitalNerve::LesserOccipital, Side::Left),
                (OccipitalNerve::LesserOccipital, Side::Right),
            ];
            let doses: Vec<NerveDose> = units.iter().zip(slots).map(|(u, (nerve, side))| NerveDose { nerve, side, units: *u }).collect();
            let plan = Plan::occipital_toxin(&doses, Concentration::PREEMPT).expect("valid doses");
            prop_assert_eq!(plan.total_units(), units.iter().sum::<u32>());
            prop_assert_eq!(plan.total_sites() as usize, units.len());
        }
    }
}
