//! The headache diary: one validated record per calendar day.
//!
//! A day with no record is UNRECORDED, never headache-free (a Cephalog diary convention; no
//! primary source).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

use crate::drugs::{DrugClass, DrugDictionary, DrugError, split_name_and_dose};
use crate::limits::{
    LimitError, MAX_NOTE_CHARS, MAX_PAROXYSMS_PER_DAY, check_count, check_not_before_birth,
    check_text,
};
use crate::reference::MINUTES_PER_DAY;

/// Errors in a diary day, each naming the field at fault via [`DiaryError::field`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DiaryError {
    #[error("headache minutes {0} is outside 0–1440")]
    MinutesOutOfRange(i64),
    #[error("'{0}' is not an intensity: use none, mild, moderate, severe or a 0–10 score")]
    UnknownIntensity(String),
    #[error("{minutes} headache minutes recorded with peak intensity none")]
    PainWithoutIntensity { minutes: u16 },
    #[error("peak intensity {0} recorded on a day with 0 headache minutes")]
    IntensityWithoutHeadache(Intensity),
    #[error("{} recorded on a day with 0 headache minutes", .0.join(", "))]
    FeaturesWithoutHeadache(Vec<&'static str>),
    #[error("{date} is in the future (today is {today})")]
    FutureDate { date: NaiveDate, today: NaiveDate },
    #[error("{0} is recorded twice")]
    DuplicateDay(NaiveDate),
    #[error("{0}")]
    Medication(#[from] DrugError),
    #[error(transparent)]
    Limit(#[from] LimitError),
}

impl DiaryError {
    /// What is wrong, without the field's name (for messages that name the field already).
    pub fn reason(&self) -> String {
        match self {
            DiaryError::Limit(e) => e.reason.clone(),
            other => other.to_string(),
        }
    }

    /// The diary field (CSV column) the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            DiaryError::MinutesOutOfRange(_) => "headache_minutes",
            DiaryError::UnknownIntensity(_)
            | DiaryError::PainWithoutIntensity { .. }
            | DiaryError::IntensityWithoutHeadache(_) => "peak_intensity",
            DiaryError::FeaturesWithoutHeadache(f) => {
                f.first().copied().unwrap_or("headache_minutes")
            }
            DiaryError::FutureDate { .. } | DiaryError::DuplicateDay(_) => "date",
            DiaryError::Medication(_) => "acute_medications",
            DiaryError::Limit(e) => e.field,
        }
    }
}

/// Headache minutes on one calendar day, 0–1440.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(transparent)]
pub struct Minutes(u16);

impl Minutes {
    pub const ZERO: Minutes = Minutes(0);

    pub fn new(value: i64) -> Result<Self, DiaryError> {
        u16::try_from(value)
            .ok()
            .filter(|v| *v <= MINUTES_PER_DAY)
            .map(Minutes)
            .ok_or(DiaryError::MinutesOutOfRange(value))
    }

    pub fn get(self) -> u16 {
        self.0
    }
}

/// Peak intensity on the 4-point scale used by PREEMPT (Aurora 2010, Diener 2010) [V].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Intensity {
    #[default]
    None,
    Mild,
    Moderate,
    Severe,
}

impl Intensity {
    /// Maps a 0–10 numeric rating: 0 none, 1–3 mild, 4–6 moderate, 7–10 severe (clinical
    /// reference §2, documented mapping).
    pub fn from_score(score: u8) -> Result<Self, DiaryError> {
        match score {
            0 => Ok(Intensity::None),
            1..=3 => Ok(Intensity::Mild),
            4..=6 => Ok(Intensity::Moderate),
            7..=10 => Ok(Intensity::Severe),
            _ => Err(DiaryError::UnknownIntensity(score.to_string())),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Intensity::None => "none",
            Intensity::Mild => "mild",
            Intensity::Moderate => "moderate",
            Intensity::Severe => "severe",
        }
    }

    pub fn is_moderate_or_severe(self) -> bool {
        self >= Intensity::Moderate
    }
}

impl FromStr for Intensity {
    type Err = DiaryError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        match t.as_str() {
            "" | "none" => Ok(Intensity::None),
            "mild" => Ok(Intensity::Mild),
            "moderate" => Ok(Intensity::Moderate),
            "severe" => Ok(Intensity::Severe),
            _ => t
                .parse::<u8>()
                .map_err(|_| DiaryError::UnknownIntensity(s.to_owned()))
                .and_then(Intensity::from_score),
        }
    }
}

impl fmt::Display for Intensity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Migraine features of the day's headache (ICHD-3 1.1 C and D) and aura (1.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize)]
pub struct Features {
    pub unilateral: bool,
    pub pulsating: bool,
    pub aggravated_by_activity: bool,
    pub nausea: bool,
    pub vomiting: bool,
    pub photophobia: bool,
    pub phonophobia: bool,
    pub aura: bool,
}

impl Features {
    /// Field names in CSV order, with accessors, for importers and exporters.
    pub const FIELDS: [&'static str; 8] = [
        "unilateral",
        "pulsating",
        "aggravated_by_activity",
        "nausea",
        "vomiting",
        "photophobia",
        "phonophobia",
        "aura",
    ];

    pub fn get(&self, field: &str) -> Option<bool> {
        Some(match field {
            "unilateral" => self.unilateral,
            "pulsating" => self.pulsating,
            "aggravated_by_activity" => self.aggravated_by_activity,
            "nausea" => self.nausea,
            "vomiting" => self.vomiting,
            "photophobia" => self.photophobia,
            "phonophobia" => self.phonophobia,
            "aura" => self.aura,
            _ => return None,
        })
    }

    /// Sets a feature by its field name; false for an unknown name.
    pub fn set(&mut self, field: &str, value: bool) -> bool {
        let slot = match field {
            "unilateral" => &mut self.unilateral,
            "pulsating" => &mut self.pulsating,
            "aggravated_by_activity" => &mut self.aggravated_by_activity,
            "nausea" => &mut self.nausea,
            "vomiting" => &mut self.vomiting,
            "photophobia" => &mut self.photophobia,
            "phonophobia" => &mut self.phonophobia,
            "aura" => &mut self.aura,
            _ => return false,
        };
        *slot = value;
        true
    }

    /// Either day's feature: for merging overlapping attacks.
    pub fn or(self, o: Features) -> Features {
        Features {
            unilateral: self.unilateral || o.unilateral,
            pulsating: self.pulsating || o.pulsating,
            aggravated_by_activity: self.aggravated_by_activity || o.aggravated_by_activity,
            nausea: self.nausea || o.nausea,
            vomiting: self.vomiting || o.vomiting,
            photophobia: self.photophobia || o.photophobia,
            phonophobia: self.phonophobia || o.phonophobia,
            aura: self.aura || o.aura,
        }
    }

    /// Features that describe pain or its accompaniments, which need a headache to exist. Aura is
    /// valid without headache (ICHD-3 1.2 typical aura without headache).
    fn pain_features_set(&self) -> Vec<&'static str> {
        Self::FIELDS
            .into_iter()
            .filter(|f| *f != "aura" && self.get(f) == Some(true))
            .collect()
    }
}

/// One acute medicine taken on a day: the name as written, the dose if given, and the class the
/// dictionary resolved it to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct MedicationIntake {
    pub name: String,
    pub dose: Option<String>,
    pub class: DrugClass,
    pub migraine_specific: bool,
}

impl MedicationIntake {
    /// Parses "sumatriptan 50mg" through the dictionary.
    pub fn parse(text: &str, dictionary: &DrugDictionary) -> Result<Self, DrugError> {
        let (name, dose) = split_name_and_dose(text);
        let entry = dictionary.lookup(&name)?;
        Ok(MedicationIntake {
            name,
            dose,
            class: entry.class,
            migraine_specific: entry.migraine_specific,
        })
    }

    /// Parses a `;`-separated list; empty items are skipped.
    pub fn parse_list(text: &str, dictionary: &DrugDictionary) -> Result<Vec<Self>, DrugError> {
        text.split(';')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(|s| Self::parse(s, dictionary))
            .collect()
    }

    /// "name dose", as written in the diary CSV.
    pub fn display_text(&self) -> String {
        match &self.dose {
            Some(d) => format!("{} {}", self.name, d),
            None => self.name.clone(),
        }
    }
}

/// An unvalidated diary day, as read from a file or a form.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DiaryDraft {
    pub date: Option<NaiveDate>,
    pub headache_minutes: Minutes,
    pub peak_intensity: Intensity,
    pub features: Features,
    pub medications: Vec<MedicationIntake>,
    pub paroxysms: u32,
    pub notes: String,
}

/// A validated diary day.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct DiaryDay {
    date: NaiveDate,
    headache_minutes: Minutes,
    peak_intensity: Intensity,
    features: Features,
    medications: Vec<MedicationIntake>,
    paroxysms: u32,
    notes: String,
}

impl DiaryDay {
    /// Validates a new entry: internally consistent and not after `today`.
    pub fn record(
        date: NaiveDate,
        draft: DiaryDraft,
        today: NaiveDate,
    ) -> Result<Self, DiaryError> {
        if date > today {
            return Err(DiaryError::FutureDate { date, today });
        }
        let day = Self::restore(date, draft)?;
        day.check_limits()?;
        Ok(day)
    }

    /// The day's counts and text are within [`crate::limits`]: at most
    /// [`MAX_PAROXYSMS_PER_DAY`] paroxysms and a note of at most [`MAX_NOTE_CHARS`] characters.
    /// Checked for every new entry; a day read back from storage is not re-checked, so a limit
    /// tightened later never hides a stored day.
    pub fn check_limits(&self) -> Result<(), DiaryError> {
        check_count(
            "paroxysms",
            u64::from(self.paroxysms),
            u64::from(MAX_PAROXYSMS_PER_DAY),
        )?;
        check_text("notes", &self.notes, MAX_NOTE_CHARS)?;
        Ok(())
    }

    /// A new entry for a patient born on `born`: [`DiaryDay::check_limits`] and not before birth.
    pub fn check_new_for(&self, born: NaiveDate) -> Result<(), DiaryError> {
        check_not_before_birth("date", self.date, born)?;
        self.check_limits()
    }

    /// Validates a day read back from storage: internally consistent (no clock involved).
    pub fn restore(date: NaiveDate, d: DiaryDraft) -> Result<Self, DiaryError> {
        let minutes = d.headache_minutes.get();
        if minutes > 0 && d.peak_intensity == Intensity::None {
            return Err(DiaryError::PainWithoutIntensity { minutes });
        }
        if minutes == 0 {
            let features = d.features.pain_features_set();
            if !features.is_empty() {
                return Err(DiaryError::FeaturesWithoutHeadache(features));
            }
            if d.peak_intensity != Intensity::None {
                return Err(DiaryError::IntensityWithoutHeadache(d.peak_intensity));
            }
        }
        Ok(DiaryDay {
            date,
            headache_minutes: d.headache_minutes,
            peak_intensity: d.peak_intensity,
            features: d.features,
            medications: d.medications,
            paroxysms: d.paroxysms,
            notes: d.notes,
        })
    }

    /// A headache-free recorded day.
    pub fn headache_free(date: NaiveDate) -> Self {
        DiaryDay {
            date,
            headache_minutes: Minutes::ZERO,
            peak_intensity: Intensity::None,
            features: Features::default(),
            medications: Vec::new(),
            paroxysms: 0,
            notes: String::new(),
        }
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }
    pub fn headache_minutes(&self) -> u16 {
        self.headache_minutes.get()
    }
    pub fn peak_intensity(&self) -> Intensity {
        self.peak_intensity
    }
    pub fn features(&self) -> &Features {
        &self.features
    }
    pub fn medications(&self) -> &[MedicationIntake] {
        &self.medications
    }
    pub fn paroxysms(&self) -> u32 {
        self.paroxysms
    }
    pub fn notes(&self) -> &str {
        &self.notes
    }
    pub fn took_acute_medication(&self) -> bool {
        !self.medications.is_empty()
    }
    pub fn took_migraine_specific_medication(&self) -> bool {
        self.medications.iter().any(|m| m.migraine_specific)
    }

    /// The day as an editable draft.
    pub fn to_draft(&self) -> DiaryDraft {
        DiaryDraft {
            date: Some(self.date),
            headache_minutes: self.headache_minutes,
            peak_intensity: self.peak_intensity,
            features: self.features,
            medications: self.medications.clone(),
            paroxysms: self.paroxysms,
            notes: self.notes.clone(),
        }
    }
}

/// A patient's diary: at most one record per date, in date order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diary {
    days: BTreeMap<NaiveDate, DiaryDay>,
}

impl Diary {
    /// Builds a diary; a date recorded twice is an error.
    pub fn new(days: impl IntoIterator<Item = DiaryDay>) -> Result<Self, DiaryError> {
        let mut map = BTreeMap::new();
        for day in days {
            let date = day.date;
            if map.insert(date, day).is_some() {
                return Err(DiaryError::DuplicateDay(date));
            }
        }
        Ok(Diary { days: map })
    }

    pub fn get(&self, date: NaiveDate) -> Option<&DiaryDay> {
        self.days.get(&date)
    }
    pub fn days(&self) -> impl DoubleEndedIterator<Item = &DiaryDay> {
        self.days.values()
    }
    pub fn range(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> impl DoubleEndedIterator<Item = &DiaryDay> {
        self.days.range(from..=to).map(|(_, d)| d)
    }
    pub fn first_date(&self) -> Option<NaiveDate> {
        self.days.keys().next().copied()
    }
    pub fn last_date(&self) -> Option<NaiveDate> {
        self.days.keys().next_back().copied()
    }
    pub fn len(&self) -> usize {
        self.days.len()
    }
    pub fn is_empty(&self) -> bool {
        self.days.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    fn draft(minutes: i64, peak: Intensity) -> DiaryDraft {
        DiaryDraft {
            headache_minutes: Minutes::new(minutes).expect("valid"),
            peak_intensity: peak,
            ..Default::default()
        }
    }

    #[test]
    fn minutes_bounds() {
        assert!(Minutes::new(-1).is_err());
        assert_eq!(Minutes::new(0).map(Minutes::get), Ok(0));
        assert_eq!(Minutes::new(1440).map(Minutes::get), Ok(1440));
        assert_eq!(Minutes::new(1441), Err(DiaryError::MinutesOutOfRange(1441)));
    }

    #[test]
    fn numeric_scale_maps_to_four_points() {
        let expect = [
            (0, Intensity::None),
            (1, Intensity::Mild),
            (3, Intensity::Mild),
            (4, Intensity::Moderate),
            (6, Intensity::Moderate),
            (7, Intensity::Severe),
            (10, Intensity::Severe),
        ];
        for (score, want) in expect {
            assert_eq!(Intensity::from_score(score), Ok(want), "score {score}");
            assert_eq!(score.to_string().parse::<Intensity>(), Ok(want));
        }
        assert!(Intensity::from_score(11).is_err());
        assert!("-1".parse::<Intensity>().is_err());
        assert_eq!("Severe".parse::<Intensity>(), Ok(Intensity::Severe));
        assert!("bad".parse::<Intensity>().is_err());
    }

    #[test]
    fn contradictions_are_errors() {
        let day = d("2026-01-10");
        assert_eq!(
            DiaryDay::restore(day, draft(30, Intensity::None)),
            Err(DiaryError::PainWithoutIntensity { minutes: 30 })
        );
        assert_eq!(
            DiaryDay::restore(day, draft(0, Intensity::Mild)),
            Err(DiaryError::IntensityWithoutHeadache(Intensity::Mild))
        );
        for feature in Features::FIELDS.into_iter().filter(|f| *f != "aura") {
            let mut dr = draft(0, Intensity::None);
            assert!(dr.features.set(feature, true));
            let err = DiaryDay::restore(day, dr).expect_err(feature);
            assert_eq!(err.field(), feature);
        }
    }

    #[test]
    fn aura_and_paroxysms_without_headache_are_valid() {
        let mut dr = draft(0, Intensity::None);
        dr.features.aura = true;
        dr.paroxysms = 12;
        let day = DiaryDay::restore(d("2026-01-10"), dr).expect("valid");
        assert_eq!(day.paroxysms(), 12);
        assert!(day.features().aura);
    }

    #[test]
    fn paroxysms_notes_and_birth_at_their_limits() {
        let today = d("2026-01-10");
        let with = |paroxysms: u32, notes: usize| DiaryDraft {
            paroxysms,
            notes: "n".repeat(notes),
            ..draft(60, Intensity::Mild)
        };
        assert!(DiaryDay::record(today, with(1_000, 2_000), today).is_ok());
        let many = DiaryDay::record(today, with(1_001, 0), today).expect_err("1001");
        assert_eq!(many.field(), "paroxysms");
        let long = DiaryDay::record(today, with(0, 2_001), today).expect_err("2001");
        assert_eq!(long.field(), "notes");
        // Read back from storage, a day is not re-checked against limits set later.
        assert!(DiaryDay::restore(today, with(1_001, 2_001)).is_ok());
        let day =
            DiaryDay::record(d("1984-03-02"), draft(60, Intensity::Mild), today).expect("valid");
        assert!(day.check_new_for(d("1984-03-02")).is_ok());
        let early = day
            .check_new_for(d("1984-03-03"))
            .expect_err("before birth");
        assert_eq!(early.field(), "date");
        assert!(
            early
                .to_string()
                .contains("before the patient's date of birth")
        );
    }

    #[test]
    fn future_dates_are_refused_today_is_fine() {
        let today = d("2026-01-10");
        assert!(DiaryDay::record(today, draft(60, Intensity::Mild), today).is_ok());
        assert_eq!(
            DiaryDay::record(d("2026-01-11"), draft(60, Intensity::Mild), today),
            Err(DiaryError::FutureDate {
                date: d("2026-01-11"),
                today
            })
        );
    }

    #[test]
    fn a_day_recorded_twice_is_an_error() {
        let a = DiaryDay::headache_free(d("2026-01-10"));
        assert_eq!(
            Diary::new([a.clone(), a]),
            Err(DiaryError::DuplicateDay(d("2026-01-10")))
        );
    }

    #[test]
    fn medication_lists_parse_with_doses() {
        let dict = DrugDictionary::builtin();
        let meds = MedicationIntake::parse_list("sumatriptan 50mg; ibuprofen 400 mg;;", &dict)
            .expect("valid");
        assert_eq!(meds.len(), 2);
        assert_eq!(meds[0].class, DrugClass::Triptan);
        assert!(meds[0].migraine_specific);
        assert_eq!(meds[1].display_text(), "ibuprofen 400 mg");
        assert!(MedicationIntake::parse_list("sumatripan", &dict).is_err());
    }
}
