//! Day definitions: what counts as a headache day, a migraine day and a moderate/severe day.
//!
//! There is no single consensus wording (IHS diary guidelines: Silberstein 2008, Tassorelli 2018;
//! ICHD-3 1.3 A states no duration), so the headache-day definition is
//! a named preset and every output names the preset it used.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::diary::DiaryDay;
use crate::reference::{
    IHS_HEADACHE_DAY_MINUTES, LABEL_HEADACHE_DAY_MINUTES, MIGRAINE_ATTACK_MIN_MINUTES,
    MIGRAINE_DAY_MIN_MINUTES, UNVERIFIED_MARK,
};

/// A headache-day definition.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "String")]
pub enum DayPreset {
    /// Any headache: ICHD-3 1.3 A states no duration [V].
    #[serde(rename = "any")]
    Any,
    /// At least 4 h of headache: FDA label indication wording [V2]. The default.
    #[default]
    #[serde(rename = "label-4h")]
    Label4h,
    /// At least 30 min, or any headache treated with acute medication: van der Arend 2023 [V].
    #[serde(rename = "ihs-30min")]
    Ihs30min,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a day-definition preset (any, label-4h, ihs-30min)")]
pub struct UnknownPreset(pub String);

impl DayPreset {
    pub const ALL: [DayPreset; 3] = [DayPreset::Any, DayPreset::Label4h, DayPreset::Ihs30min];

    pub fn name(self) -> &'static str {
        match self {
            DayPreset::Any => "any",
            DayPreset::Label4h => "label-4h",
            DayPreset::Ihs30min => "ihs-30min",
        }
    }

    /// The definition in words, with its source and, where the reference marks part of it [U],
    /// the unverified mark.
    pub fn definition(self) -> String {
        match self {
            DayPreset::Any => {
                "headache day = any headache minutes (ICHD-3 1.3 A states no duration)".to_owned()
            }
            DayPreset::Label4h => format!(
                "headache day = at least {} h of headache in the calendar day (FDA label wording; minutes summed, \
                 not necessarily continuous {UNVERIFIED_MARK})",
                LABEL_HEADACHE_DAY_MINUTES / 60
            ),
            DayPreset::Ihs30min => format!(
                "headache day = at least {IHS_HEADACHE_DAY_MINUTES} min of headache, or any headache treated with \
                 acute medication (van der Arend 2023; IHS wording {UNVERIFIED_MARK})"
            ),
        }
    }

    pub fn is_headache_day(self, day: &DiaryDay) -> bool {
        let m = day.headache_minutes();
        match self {
            DayPreset::Any => m > 0,
            DayPreset::Label4h => m >= LABEL_HEADACHE_DAY_MINUTES,
            DayPreset::Ihs30min => {
                m >= IHS_HEADACHE_DAY_MINUTES || (m > 0 && day.took_acute_medication())
            }
        }
    }

    /// Why a day is a migraine day under this preset, or `None`. Migraine days are counted only
    /// among the preset's headache days, so they never outnumber headache days.
    pub fn migraine_basis(
        self,
        day: &DiaryDay,
        has_migraine_diagnosis: bool,
    ) -> Option<MigraineBasis> {
        if !self.is_headache_day(day) {
            return None;
        }
        migraine_basis(day, has_migraine_diagnosis)
    }

    /// A headache day under this preset with peak intensity moderate or severe [V].
    pub fn is_moderate_severe_day(self, day: &DiaryDay) -> bool {
        self.is_headache_day(day) && day.peak_intensity().is_moderate_or_severe()
    }
}

impl fmt::Display for DayPreset {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl TryFrom<String> for DayPreset {
    type Error = UnknownPreset;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl FromStr for DayPreset {
    type Err = UnknownPreset;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DayPreset::ALL
            .into_iter()
            .find(|p| p.name() == s.trim())
            .ok_or_else(|| UnknownPreset(s.to_owned()))
    }
}

/// The ground on which a day counts as a migraine day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum MigraineBasis {
    /// ICHD-3 1.1 B, C and D all hold on a headache of at least 30 min.
    MigraineFeatures,
    /// Exactly two of B, C, D hold (probable migraine, 1.5) in a patient with a migraine diagnosis.
    ProbableMigraine,
    /// Aura recorded with the headache (1.2).
    Aura,
    /// A migraine-specific acute medicine was taken (triptan, ergot, gepant, ditan).
    MigraineSpecificMedication,
}

/// The three conditions of ICHD-3 1.1 as read from one diary day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MigraineConditions {
    /// L (1.1 B): at least 4 h of headache, or an acute medicine taken (a treated attack is deemed
    /// long enough).
    pub long_enough: bool,
    /// P (1.1 C): at least two of unilateral, pulsating, peak ≥ moderate, aggravated by activity.
    pub pain_features: bool,
    /// S (1.1 D): nausea, or vomiting, or photophobia and phonophobia together.
    pub symptoms: bool,
}

impl MigraineConditions {
    pub fn of(day: &DiaryDay) -> Self {
        let f = day.features();
        let pain = [
            f.unilateral,
            f.pulsating,
            day.peak_intensity().is_moderate_or_severe(),
            f.aggravated_by_activity,
        ]
        .into_iter()
        .filter(|b| *b)
        .count();
        MigraineConditions {
            long_enough: day.headache_minutes() >= MIGRAINE_ATTACK_MIN_MINUTES
                || day.took_acute_medication(),
            pain_features: pain >= 2,
            symptoms: f.nausea || f.vomiting || (f.photophobia && f.phonophobia),
        }
    }

    pub fn count(self) -> usize {
        [self.long_enough, self.pain_features, self.symptoms]
            .into_iter()
            .filter(|b| *b)
            .count()
    }
}

/// Migraine basis of a day regardless of preset (the caller checks the headache-day definition).
fn migraine_basis(day: &DiaryDay, has_migraine_diagnosis: bool) -> Option<MigraineBasis> {
    let minutes = day.headache_minutes();
    if minutes == 0 {
        return None;
    }
    if minutes >= MIGRAINE_DAY_MIN_MINUTES {
        match MigraineConditions::of(day).count() {
            3 => return Some(MigraineBasis::MigraineFeatures),
            2 if has_migraine_diagnosis => return Some(MigraineBasis::ProbableMigraine),
            _ => {}
        }
    }
    if day.features().aura {
        return Some(MigraineBasis::Aura);
    }
    if day.took_migraine_specific_medication() {
        return Some(MigraineBasis::MigraineSpecificMedication);
    }
    None
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;

    use super::*;
    use crate::diary::{DiaryDraft, Features, Intensity, MedicationIntake, Minutes};
    use crate::drugs::DrugDictionary;

    fn day(minutes: i64, peak: Intensity, f: Features, meds: &str) -> DiaryDay {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1).expect("date");
        let medications =
            MedicationIntake::parse_list(meds, &DrugDictionary::builtin()).expect("meds");
        let draft = DiaryDraft {
            headache_minutes: Minutes::new(minutes).expect("minutes"),
            peak_intensity: peak,
            features: f,
            medications,
            ..Default::default()
        };
        DiaryDay::restore(date, draft).expect("valid day")
    }

    fn full_features() -> Features {
        Features {
            unilateral: true,
            pulsating: true,
            nausea: true,
            ..Default::default()
        }
    }

    #[test]
    fn label_preset_boundary_239_240() {
        assert!(!DayPreset::Label4h.is_headache_day(&day(
            239,
            Intensity::Mild,
            Features::default(),
            ""
        )));
        assert!(DayPreset::Label4h.is_headache_day(&day(
            240,
            Intensity::Mild,
            Features::default(),
            ""
        )));
    }

    #[test]
    fn ihs_preset_boundary_29_30_and_treated() {
        let p = DayPreset::Ihs30min;
        assert!(!p.is_headache_day(&day(29, Intensity::Mild, Features::default(), "")));
        assert!(p.is_headache_day(&day(30, Intensity::Mild, Features::default(), "")));
        assert!(p.is_headache_day(&day(1, Intensity::Mild, Features::default(), "ibuprofen")));
        assert!(!p.is_headache_day(&day(0, Intensity::None, Features::default(), "ibuprofen")));
    }

    #[test]
    fn any_preset_counts_a_single_minute() {
        assert!(!DayPreset::Any.is_headache_day(&day(0, Intensity::None, Features::default(), "")));
        assert!(DayPreset::Any.is_headache_day(&day(1, Intensity::Mild, Features::default(), "")));
    }

    #[test]
    fn migraine_features_need_thirty_minutes() {
        // L holds through the medicine; P through unilateral + pulsating; S through nausea.
        let p = DayPreset::Any;
        assert_eq!(
            p.migraine_basis(
                &day(29, Intensity::Mild, full_features(), "ibuprofen"),
                false
            ),
            None
        );
        assert_eq!(
            p.migraine_basis(
                &day(30, Intensity::Mild, full_features(), "ibuprofen"),
                false
            ),
            Some(MigraineBasis::MigraineFeatures)
        );
    }

    #[test]
    fn duration_condition_boundary_239_240_untreated() {
        let p = DayPreset::Any;
        assert_eq!(
            p.migraine_basis(&day(239, Intensity::Mild, full_features(), ""), false),
            None
        );
        assert_eq!(
            p.migraine_basis(&day(240, Intensity::Mild, full_features(), ""), false),
            Some(MigraineBasis::MigraineFeatures)
        );
    }

    #[test]
    fn probable_migraine_counts_only_with_a_migraine_diagnosis() {
        let two_of_three = day(
            120,
            Intensity::Severe,
            Features {
                unilateral: true,
                nausea: true,
                ..Default::default()
            },
            "",
        );
        assert_eq!(DayPreset::Any.migraine_basis(&two_of_three, false), None);
        assert_eq!(
            DayPreset::Any.migraine_basis(&two_of_three, true),
            Some(MigraineBasis::ProbableMigraine)
        );
        let one_of_three = day(
            120,
            Intensity::Mild,
            Features {
                nausea: true,
                ..Default::default()
            },
            "",
        );
        assert_eq!(DayPreset::Any.migraine_basis(&one_of_three, true), None);
    }

    #[test]
    fn photophobia_alone_is_not_enough_both_are() {
        let base = Features {
            unilateral: true,
            pulsating: true,
            ..Default::default()
        };
        let photo = Features {
            photophobia: true,
            ..base
        };
        let both = Features {
            photophobia: true,
            phonophobia: true,
            ..base
        };
        assert_eq!(
            DayPreset::Any.migraine_basis(&day(300, Intensity::Mild, photo, ""), false),
            None
        );
        assert!(
            DayPreset::Any
                .migraine_basis(&day(300, Intensity::Mild, both, ""), false)
                .is_some()
        );
    }

    #[test]
    fn aura_or_specific_medicine_make_a_migraine_day_only_on_headache_days() {
        let aura = Features {
            aura: true,
            ..Default::default()
        };
        assert_eq!(
            DayPreset::Any.migraine_basis(&day(10, Intensity::Mild, aura, ""), false),
            Some(MigraineBasis::Aura)
        );
        assert_eq!(
            DayPreset::Any.migraine_basis(&day(0, Intensity::None, aura, ""), false),
            None
        );
        let triptan = day(10, Intensity::Mild, Features::default(), "rizatriptan 10mg");
        assert_eq!(
            DayPreset::Any.migraine_basis(&triptan, false),
            Some(MigraineBasis::MigraineSpecificMedication)
        );
        // Under label-4h a 10-minute day is not a headache day, so not a migraine day either.
        assert_eq!(DayPreset::Label4h.migraine_basis(&triptan, false), None);
        let simple = day(10, Intensity::Mild, Features::default(), "ibuprofen");
        assert_eq!(DayPreset::Any.migraine_basis(&simple, false), None);
    }

    #[test]
    fn moderate_severe_needs_a_headache_day_and_peak() {
        assert!(!DayPreset::Label4h.is_moderate_severe_day(&day(
            200,
            Intensity::Severe,
            Features::default(),
            ""
        )));
        assert!(DayPreset::Label4h.is_moderate_severe_day(&day(
            240,
            Intensity::Moderate,
            Features::default(),
            ""
        )));
        assert!(!DayPreset::Label4h.is_moderate_severe_day(&day(
            240,
            Intensity::Mild,
            Features::default(),
            ""
        )));
    }

    #[test]
    fn preset_names_round_trip() {
        for p in DayPreset::ALL {
            assert_eq!(p.name().parse::<DayPreset>(), Ok(p));
        }
        assert!("4h".parse::<DayPreset>().is_err());
        assert!(DayPreset::Label4h.definition().contains(UNVERIFIED_MARK));
    }
}
