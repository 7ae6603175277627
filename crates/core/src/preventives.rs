//! The preventive-treatment ledger prior authorisation asks for: each preventive tried, its class,
//! dates, dose and outcome with the reason; counts of failed preventives and distinct failed
//! classes; and the length of each trial.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

/// Preventive drug classes as payers and NICE TA260 count them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PreventiveClass {
    BetaBlocker,
    /// Anticonvulsants: topiramate, valproate.
    Anticonvulsant,
    /// Tricyclic and SNRI antidepressants.
    TricyclicSnri,
    Candesartan,
    Flunarizine,
    CgrpAntibody,
    GepantPrevention,
    Other,
}

impl PreventiveClass {
    pub const ALL: [PreventiveClass; 8] = [
        PreventiveClass::BetaBlocker,
        PreventiveClass::Anticonvulsant,
        PreventiveClass::TricyclicSnri,
        PreventiveClass::Candesartan,
        PreventiveClass::Flunarizine,
        PreventiveClass::CgrpAntibody,
        PreventiveClass::GepantPrevention,
        PreventiveClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PreventiveClass::BetaBlocker => "beta_blocker",
            PreventiveClass::Anticonvulsant => "anticonvulsant",
            PreventiveClass::TricyclicSnri => "tricyclic_snri",
            PreventiveClass::Candesartan => "candesartan",
            PreventiveClass::Flunarizine => "flunarizine",
            PreventiveClass::CgrpAntibody => "cgrp_antibody",
            PreventiveClass::GepantPrevention => "gepant_prevention",
            PreventiveClass::Other => "other",
        }
    }

    /// The class of a preventive drug by generic name, where Cephalog knows it.
    pub fn of_drug(name: &str) -> Option<PreventiveClass> {
        let n = name.trim().to_lowercase();
        PREVENTIVE_DRUGS
            .iter()
            .find(|(d, _)| *d == n)
            .map(|(_, c)| *c)
    }
}

impl fmt::Display for PreventiveClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for PreventiveClass {
    type Err = PreventiveError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.trim().to_lowercase().replace(['-', ' ', '/'], "_");
        PreventiveClass::ALL
            .into_iter()
            .find(|c| c.as_str() == n)
            .ok_or_else(|| PreventiveError::UnknownClass(s.to_owned()))
    }
}

/// Common migraine preventives by generic name and class.
const PREVENTIVE_DRUGS: &[(&str, PreventiveClass)] = &[
    ("propranolol", PreventiveClass::BetaBlocker),
    ("metoprolol", PreventiveClass::BetaBlocker),
    ("atenolol", PreventiveClass::BetaBlocker),
    ("bisoprolol", PreventiveClass::BetaBlocker),
    ("nadolol", PreventiveClass::BetaBlocker),
    ("timolol", PreventiveClass::BetaBlocker),
    ("topiramate", PreventiveClass::Anticonvulsant),
    ("valproate", PreventiveClass::Anticonvulsant),
    ("sodium valproate", PreventiveClass::Anticonvulsant),
    ("divalproex", PreventiveClass::Anticonvulsant),
    ("amitriptyline", PreventiveClass::TricyclicSnri),
    ("nortriptyline", PreventiveClass::TricyclicSnri),
    ("venlafaxine", PreventiveClass::TricyclicSnri),
    ("duloxetine", PreventiveClass::TricyclicSnri),
    ("candesartan", PreventiveClass::Candesartan),
    ("flunarizine", PreventiveClass::Flunarizine),
    ("erenumab", PreventiveClass::CgrpAntibody),
    ("fremanezumab", PreventiveClass::CgrpAntibody),
    ("galcanezumab", PreventiveClass::CgrpAntibody),
    ("eptinezumab", PreventiveClass::CgrpAntibody),
    ("atogepant", PreventiveClass::GepantPrevention),
    ("rimegepant", PreventiveClass::GepantPrevention),
    ("pizotifen", PreventiveClass::Other),
    ("lisinopril", PreventiveClass::Other),
    ("melatonin", PreventiveClass::Other),
    ("riboflavin", PreventiveClass::Other),
    ("magnesium", PreventiveClass::Other),
];

/// How a preventive trial ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PreventiveOutcome {
    /// Not effective after an adequate trial.
    NotEffective,
    NotTolerated,
    /// Contraindicated or unsuitable (never started, or stopped for that reason).
    ContraindicatedOrUnsuitable,
    Ongoing,
}

impl PreventiveOutcome {
    pub const ALL: [PreventiveOutcome; 4] = [
        PreventiveOutcome::NotEffective,
        PreventiveOutcome::NotTolerated,
        PreventiveOutcome::ContraindicatedOrUnsuitable,
        PreventiveOutcome::Ongoing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PreventiveOutcome::NotEffective => "not_effective",
            PreventiveOutcome::NotTolerated => "not_tolerated",
            PreventiveOutcome::ContraindicatedOrUnsuitable => "contraindicated",
            PreventiveOutcome::Ongoing => "ongoing",
        }
    }

    /// Failed, not tolerated or unsuitable: what NICE TA260 and payers count as a failed
    /// preventive (NICE TA260, section 1) [V].
    pub fn is_failure(self) -> bool {
        !matches!(self, PreventiveOutcome::Ongoing)
    }
}

impl FromStr for PreventiveOutcome {
    type Err = PreventiveError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = s.trim().to_lowercase().replace(['-', ' '], "_");
        match n.as_str() {
            "unsuitable" | "contraindicated_or_unsuitable" => {
                return Ok(PreventiveOutcome::ContraindicatedOrUnsuitable);
            }
            "ineffective" => return Ok(PreventiveOutcome::NotEffective),
            _ => {}
        }
        PreventiveOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == n)
            .ok_or_else(|| PreventiveError::UnknownOutcome(s.to_owned()))
    }
}

impl fmt::Display for PreventiveOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PreventiveError {
    #[error("drug: must not be empty")]
    EmptyDrug,
    #[error(
        "class: '{0}' is not a preventive class (beta_blocker, anticonvulsant, tricyclic_snri, candesartan, flunarizine, cgrp_antibody, gepant_prevention, other)"
    )]
    UnknownClass(String),
    #[error("class: '{0}' is not a known preventive; give its class")]
    ClassNeeded(String),
    #[error("outcome: '{0}' is not one of not_effective, not_tolerated, contraindicated, ongoing")]
    UnknownOutcome(String),
    #[error("start: a trial with outcome {0} needs a start date")]
    StartNeeded(PreventiveOutcome),
    #[error("stop: a trial with outcome {0} needs a stop date")]
    StopNeeded(PreventiveOutcome),
    #[error("stop: an ongoing trial has no stop date")]
    StopOnOngoing,
    #[error("stop: {stop} is before start {start}")]
    StopBeforeStart { start: NaiveDate, stop: NaiveDate },
    #[error("reason: a failed or unsuitable preventive needs the reason")]
    ReasonNeeded,
}

impl PreventiveError {
    pub fn field(&self) -> &'static str {
        match self {
            PreventiveError::EmptyDrug => "drug",
            PreventiveError::UnknownClass(_) | PreventiveError::ClassNeeded(_) => "class",
            PreventiveError::UnknownOutcome(_) => "outcome",
            PreventiveError::StartNeeded(_) => "start",
            PreventiveError::StopNeeded(_)
            | PreventiveError::StopOnOngoing
            | PreventiveError::StopBeforeStart { .. } => "stop",
            PreventiveError::ReasonNeeded => "reason",
        }
    }
}

/// An unvalidated ledger entry.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PreventiveDraft {
    pub drug: String,
    /// Inferred from the drug name when absent.
    pub class: Option<PreventiveClass>,
    pub start: Option<NaiveDate>,
    pub stop: Option<NaiveDate>,
    pub dose: Option<String>,
    pub outcome: Option<PreventiveOutcome>,
    pub reason: String,
}

/// One preventive tried.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreventiveTrial {
    drug: String,
    class: PreventiveClass,
    start: Option<NaiveDate>,
    stop: Option<NaiveDate>,
    dose: Option<String>,
    outcome: PreventiveOutcome,
    reason: String,
}

impl PreventiveTrial {
    pub fn new(d: PreventiveDraft) -> Result<Self, PreventiveError> {
        let drug = d.drug.trim().to_owned();
        if drug.is_empty() {
            return Err(PreventiveError::EmptyDrug);
        }
        let class = match d.class {
            Some(c) => c,
            None => PreventiveClass::of_drug(&drug)
                .ok_or_else(|| PreventiveError::ClassNeeded(drug.clone()))?,
        };
        let outcome = d.outcome.unwrap_or(PreventiveOutcome::Ongoing);
        match outcome {
            PreventiveOutcome::Ongoing => {
                if d.start.is_none() {
                    return Err(PreventiveError::StartNeeded(outcome));
                }
                if d.stop.is_some() {
                    return Err(PreventiveError::StopOnOngoing);
                }
            }
            PreventiveOutcome::NotEffective | PreventiveOutcome::NotTolerated => {
                if d.start.is_none() {
                    return Err(PreventiveError::StartNeeded(outcome));
                }
                if d.stop.is_none() {
                    return Err(PreventiveError::StopNeeded(outcome));
                }
            }
            PreventiveOutcome::ContraindicatedOrUnsuitable => {}
        }
        if let (Some(start), Some(stop)) = (d.start, d.stop)
            && stop < start
        {
            return Err(PreventiveError::StopBeforeStart { start, stop });
        }
        let reason = d.reason.trim().to_owned();
        if outcome.is_failure() && reason.is_empty() {
            return Err(PreventiveError::ReasonNeeded);
        }
        let dose = d
            .dose
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        Ok(PreventiveTrial {
            drug,
            class,
            start: d.start,
            stop: d.stop,
            dose,
            outcome,
            reason,
        })
    }

    pub fn drug(&self) -> &str {
        &self.drug
    }
    pub fn class(&self) -> PreventiveClass {
        self.class
    }
    pub fn start(&self) -> Option<NaiveDate> {
        self.start
    }
    pub fn stop(&self) -> Option<NaiveDate> {
        self.stop
    }
    pub fn dose(&self) -> Option<&str> {
        self.dose.as_deref()
    }
    pub fn outcome(&self) -> PreventiveOutcome {
        self.outcome
    }
    pub fn reason(&self) -> &str {
        &self.reason
    }

    /// Days from start to stop (inclusive), or to `on` for an ongoing trial; `None` when the drug
    /// was never started.
    pub fn trial_days(&self, on: NaiveDate) -> Option<i64> {
        let start = self.start?;
        let end = self.stop.unwrap_or(on);
        Some((end - start).num_days() + 1)
    }

    /// Whether the trial was under way on `on`.
    pub fn active_on(&self, on: NaiveDate) -> bool {
        self.start.is_some_and(|s| s <= on) && self.stop.is_none_or(|e| e >= on)
    }
}

/// The figures a ledger gives for prior authorisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerSummary {
    /// Failed, not tolerated or unsuitable preventives counted (not-effective trials shorter than
    /// the minimum are left out).
    pub failed: usize,
    pub failed_classes: BTreeSet<PreventiveClass>,
    /// Not-effective trials shorter than the minimum trial length: listed, not counted.
    pub too_short: Vec<String>,
}

/// Counts failed preventives on `on`. A not-effective trial counts only if it lasted at least
/// `min_trial_days` (when given); intolerance and unsuitability count whatever the length.
pub fn summarise(
    trials: &[PreventiveTrial],
    on: NaiveDate,
    min_trial_days: Option<i64>,
) -> LedgerSummary {
    let mut s = LedgerSummary {
        failed: 0,
        failed_classes: BTreeSet::new(),
        too_short: Vec::new(),
    };
    for t in trials.iter().filter(|t| {
        t.outcome.is_failure() && t.start.is_none_or(|d| d <= on) && t.stop.is_none_or(|d| d <= on)
    }) {
        let short = t.outcome == PreventiveOutcome::NotEffective
            && min_trial_days.is_some_and(|min| t.trial_days(on).is_some_and(|d| d < min));
        if short {
            s.too_short.push(t.drug.clone());
        } else {
            s.failed += 1;
            s.failed_classes.insert(t.class);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn trial(
        drug: &str,
        start: Option<&str>,
        stop: Option<&str>,
        outcome: PreventiveOutcome,
    ) -> PreventiveTrial {
        PreventiveTrial::new(PreventiveDraft {
            drug: drug.into(),
            start: start.map(d),
            stop: stop.map(d),
            outcome: Some(outcome),
            reason: if outcome.is_failure() {
                "documented".into()
            } else {
                String::new()
            },
            ..Default::default()
        })
        .expect("valid trial")
    }

    #[test]
    fn classes_are_inferred_from_known_drugs_or_required() {
        assert_eq!(
            trial(
                "Propranolol",
                Some("2024-01-01"),
                None,
                PreventiveOutcome::Ongoing
            )
            .class(),
            PreventiveClass::BetaBlocker
        );
        let err = PreventiveTrial::new(PreventiveDraft {
            drug: "mystery".into(),
            start: Some(d("2024-01-01")),
            ..Default::default()
        });
        assert_eq!(err.map_err(|e| e.field()), Err("class"));
        assert_eq!(
            "tricyclic/snri".parse::<PreventiveClass>(),
            Ok(PreventiveClass::TricyclicSnri)
        );
        assert_eq!(
            "unsuitable".parse::<PreventiveOutcome>(),
            Ok(PreventiveOutcome::ContraindicatedOrUnsuitable)
        );
    }

    #[test]
    fn dates_and_reasons_are_checked() {
        let base = PreventiveDraft {
            drug: "topiramate".into(),
            reason: "no benefit".into(),
            ..Default::default()
        };
        let e = |draft: PreventiveDraft| PreventiveTrial::new(draft).expect_err("invalid");
        assert_eq!(
            e(PreventiveDraft {
                outcome: Some(PreventiveOutcome::NotEffective),
                start: Some(d("2024-01-01")),
                ..base.clone()
            }),
            PreventiveError::StopNeeded(PreventiveOutcome::NotEffective)
        );
        assert_eq!(
            e(PreventiveDraft {
                outcome: Some(PreventiveOutcome::NotTolerated),
                start: Some(d("2024-02-01")),
                stop: Some(d("2024-01-01")),
                ..base.clone()
            }),
            PreventiveError::StopBeforeStart {
                start: d("2024-02-01"),
                stop: d("2024-01-01")
            }
        );
        assert_eq!(
            e(PreventiveDraft {
                outcome: Some(PreventiveOutcome::Ongoing),
                start: Some(d("2024-01-01")),
                stop: Some(d("2024-03-01")),
                ..base.clone()
            }),
            PreventiveError::StopOnOngoing
        );
        assert_eq!(
            e(PreventiveDraft {
                outcome: Some(PreventiveOutcome::ContraindicatedOrUnsuitable),
                reason: " ".into(),
                ..base.clone()
            }),
            PreventiveError::ReasonNeeded
        );
        // Contraindicated without ever starting is fine.
        assert!(
            PreventiveTrial::new(PreventiveDraft {
                outcome: Some(PreventiveOutcome::ContraindicatedOrUnsuitable),
                ..base
            })
            .is_ok()
        );
    }

    #[test]
    fn trial_length_is_inclusive_and_runs_to_today_when_ongoing() {
        let t = trial(
            "topiramate",
            Some("2024-01-01"),
            Some("2024-02-29"),
            PreventiveOutcome::NotEffective,
        );
        assert_eq!(t.trial_days(d("2026-01-01")), Some(60));
        let o = trial(
            "candesartan",
            Some("2026-01-01"),
            None,
            PreventiveOutcome::Ongoing,
        );
        assert_eq!(o.trial_days(d("2026-01-10")), Some(10));
        assert!(o.active_on(d("2026-01-10")) && !o.active_on(d("2025-12-31")));
    }

    #[test]
    fn failures_and_distinct_classes_are_counted_with_the_trial_minimum() {
        let trials = vec![
            trial(
                "propranolol",
                Some("2023-01-01"),
                Some("2023-03-01"),
                PreventiveOutcome::NotEffective,
            ), // 60 days
            trial(
                "metoprolol",
                Some("2023-04-01"),
                Some("2023-05-29"),
                PreventiveOutcome::NotEffective,
            ), // 59 days
            trial(
                "topiramate",
                Some("2023-06-01"),
                Some("2023-06-10"),
                PreventiveOutcome::NotTolerated,
            ),
            trial(
                "amitriptyline",
                None,
                None,
                PreventiveOutcome::ContraindicatedOrUnsuitable,
            ),
            trial(
                "candesartan",
                Some("2024-01-01"),
                None,
                PreventiveOutcome::Ongoing,
            ),
        ];
        let s = summarise(&trials, d("2025-01-01"), Some(60));
        assert_eq!(s.failed, 3);
        assert_eq!(s.too_short, vec!["metoprolol".to_owned()]);
        assert_eq!(s.failed_classes.len(), 3);
        let s = summarise(&trials, d("2025-01-01"), None);
        assert_eq!(s.failed, 4);
        assert_eq!(s.failed_classes.len(), 3, "two beta-blockers are one class");
        // Trials not yet ended on the date do not count yet; the contraindication does.
        assert_eq!(summarise(&trials, d("2023-02-01"), None).failed, 1);
    }
}
