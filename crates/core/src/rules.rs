//! Eligibility and continuation rule sets as data.
//!
//! A rule set is a named, versioned, cited list of start criteria and continuation (stopping)
//! rules, with the diary day preset it counts under. Cephalog ships `fda-label`, `nice-ta260`,
//! `wa-lni` and `evicore` (files under `rules/` at the repository root, embedded in the binary); a
//! clinic adds its payer's policy as another file, without code. Reading the files is the
//! interchange crate's job; this module holds the types and their checks.

use serde::{Deserialize, Serialize};

use crate::preset::DayPreset;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    /// Short name used on the command line, e.g. `nice-ta260`.
    pub id: String,
    pub name: String,
    pub version: String,
    /// The document the rule set encodes.
    pub source: String,
    /// The diary day preset its day counts use.
    pub preset: DayPreset,
    #[serde(default)]
    pub notes: Option<String>,
    pub criteria: Vec<Criterion>,
    #[serde(default)]
    pub continuation: Vec<ContinuationRule>,
}

/// One start criterion.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Criterion {
    pub id: String,
    pub description: String,
    pub source: String,
    /// True where the fact is marked [U] (see `reference`): outputs show "[unverified default]".
    #[serde(default)]
    pub unverified: bool,
    #[serde(flatten)]
    pub kind: CriterionKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum CriterionKind {
    /// Age in completed years on the evaluation date.
    MinAge { years: u32 },
    /// Headache days per calendar month (prorated) in each of the most recent `months`
    /// consecutive adequately recorded months.
    HeadacheDays { min_per_month: f64, months: usize },
    /// Migraine days per calendar month likewise.
    MigraineDays { min_per_month: f64, months: usize },
    /// A diary spanning at least `min_days`, recorded on at least 80 % of the days in its span.
    DiaryLength { min_days: i64 },
    /// Failed, not tolerated or unsuitable preventives; not-effective trials shorter than
    /// `min_trial_days` are not counted.
    FailedPreventives {
        min_count: usize,
        #[serde(default)]
        min_classes: usize,
        #[serde(default)]
        min_trial_days: Option<i64>,
    },
    /// Every not-effective preventive trial lasted at least `days`.
    MinTrialLength { days: i64 },
    /// No ICHD-3 8.2 subtype met in the most recent months, or a clinician's attestation.
    MedicationOveruseManaged,
    /// At least `min_days` since the last botulinum-toxin session (met when there is none).
    SessionInterval { min_days: i64 },
    /// No CGRP monoclonal antibody under way on the evaluation date.
    NoConcomitantCgrpAntibody,
}

/// One continuation (stopping) rule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ContinuationRule {
    pub id: String,
    pub description: String,
    pub source: String,
    #[serde(default)]
    pub unverified: bool,
    #[serde(flatten)]
    pub kind: ContinuationKind,
}

/// Which diary count a response rule reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseMetric {
    HeadacheDays,
    MigraineDays,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum ContinuationKind {
    /// After `cycles` cycles, continue only with a reduction of at least `percent` (strictly more
    /// than `percent` when `strict`), against the baseline; otherwise stop.
    MinReductionAfterCycles {
        metric: ResponseMetric,
        percent: f64,
        cycles: usize,
        #[serde(default)]
        strict: bool,
    },
    /// Stop when headache days per month are below `below` for `months` consecutive adequately
    /// recorded months after the first session (the migraine has become episodic).
    StopWhenEpisodic { below: f64, months: usize },
    /// At most `courses` sessions.
    MaxCourses { courses: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RuleSetError {
    #[error("rule set {id}: {field}: {reason}")]
    Invalid {
        id: String,
        field: String,
        reason: String,
    },
}

impl RuleSet {
    /// The shortest preventive trial the rule set counts as tried, if it sets one (in its
    /// failed-preventives criterion or a trial-length criterion).
    pub fn min_trial_days(&self) -> Option<i64> {
        self.criteria.iter().find_map(|c| match c.kind {
            CriterionKind::FailedPreventives { min_trial_days, .. } => min_trial_days,
            CriterionKind::MinTrialLength { days } => Some(days),
            _ => None,
        })
    }

    /// Checks the numbers make sense: positive month counts, percentages 0–100, unique ids.
    pub fn check(&self) -> Result<(), RuleSetError> {
        let bad = |field: &str, reason: &str| {
            Err(RuleSetError::Invalid {
                id: self.id.clone(),
                field: field.to_owned(),
                reason: reason.to_owned(),
            })
        };
        if self.id.trim().is_empty() || self.id.contains(char::is_whitespace) {
            return bad("id", "must be one word, e.g. nice-ta260");
        }
        let mut ids = std::collections::BTreeSet::new();
        for c in &self.criteria {
            if !ids.insert(c.id.as_str()) {
                return bad(&c.id, "criterion id appears twice");
            }
            match &c.kind {
                CriterionKind::HeadacheDays {
                    min_per_month,
                    months,
                }
                | CriterionKind::MigraineDays {
                    min_per_month,
                    months,
                } => {
                    if *months == 0 || *months > 24 {
                        return bad(&c.id, "months must be 1–24");
                    }
                    if !(0.0..=31.0).contains(min_per_month) {
                        return bad(&c.id, "min_per_month must be 0–31");
                    }
                }
                CriterionKind::DiaryLength { min_days }
                | CriterionKind::MinTrialLength { days: min_days }
                | CriterionKind::SessionInterval { min_days } => {
                    if *min_days < 0 {
                        return bad(&c.id, "days must not be negative");
                    }
                }
                CriterionKind::MinAge { .. }
                | CriterionKind::FailedPreventives { .. }
                | CriterionKind::MedicationOveruseManaged
                | CriterionKind::NoConcomitantCgrpAntibody => {}
            }
        }
        for r in &self.continuation {
            if !ids.insert(r.id.as_str()) {
                return bad(&r.id, "rule id appears twice");
            }
            match &r.kind {
                ContinuationKind::MinReductionAfterCycles {
                    percent, cycles, ..
                } => {
                    if !(0.0..=100.0).contains(percent) {
                        return bad(&r.id, "percent must be 0–100");
                    }
                    if *cycles == 0 {
                        return bad(&r.id, "cycles must be at least 1");
                    }
                }
                ContinuationKind::StopWhenEpisodic { months, .. } => {
                    if *months == 0 {
                        return bad(&r.id, "months must be at least 1");
                    }
                }
                ContinuationKind::MaxCourses { courses } => {
                    if *courses == 0 {
                        return bad(&r.id, "courses must be at least 1");
                    }
                }
            }
        }
        Ok(())
    }
}
