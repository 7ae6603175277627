//! Evaluating an eligibility rule set for a patient on a date: every criterion `met`, `not_met` or
//! `unknown`, with the numbers, months and records it used and its source; the whole
//! `eligible`, `not_eligible` or `insufficient_information`.

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::classify::{
    CriterionStatus as DiaryStatus, MonthFigures, calendar_months, classify, latest_adequate_run,
};
use crate::diary::Diary;
use crate::metrics::meets_completeness_floor;
use crate::patient::Patient;
use crate::preventives::{PreventiveClass, PreventiveOutcome, PreventiveTrial, summarise};
use crate::reference::UNVERIFIED_MARK;
use crate::rules::{Criterion, CriterionKind, RuleSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionOutcome {
    Met,
    NotMet,
    Unknown,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Eligible,
    NotEligible,
    InsufficientInformation,
}

/// A clinician's statement that medication overuse has been appropriately managed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attestation {
    pub by: String,
    pub on: NaiveDate,
    pub note: String,
}

/// One criterion's result.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub id: String,
    pub description: String,
    pub outcome: CriterionOutcome,
    /// The numbers, months and records used, in words.
    pub evidence: String,
    pub source: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub months: Vec<MonthFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Eligibility {
    pub rule_set: String,
    pub rule_set_name: String,
    pub version: String,
    pub preset: crate::preset::DayPreset,
    pub on: NaiveDate,
    pub verdict: Verdict,
    pub criteria: Vec<CriterionResult>,
}

/// What an evaluation reads.
#[derive(Debug, Clone, Copy)]
pub struct EligibilityInput<'a> {
    pub patient: &'a Patient,
    pub diary: &'a Diary,
    pub preventives: &'a [PreventiveTrial],
    /// The last botulinum-toxin session before the date, if any.
    pub last_session: Option<NaiveDate>,
    pub overuse_attestation: Option<&'a Attestation>,
    pub on: NaiveDate,
}

/// Evaluates a rule set.
pub fn evaluate(rules: &RuleSet, input: EligibilityInput<'_>) -> Eligibility {
    let criteria: Vec<CriterionResult> = rules
        .criteria
        .iter()
        .map(|c| criterion(rules, c, &input))
        .collect();
    let verdict = if criteria
        .iter()
        .any(|c| c.outcome == CriterionOutcome::NotMet)
    {
        Verdict::NotEligible
    } else if criteria
        .iter()
        .any(|c| c.outcome == CriterionOutcome::Unknown)
    {
        Verdict::InsufficientInformation
    } else {
        Verdict::Eligible
    };
    Eligibility {
        rule_set: rules.id.clone(),
        rule_set_name: rules.name.clone(),
        version: rules.version.clone(),
        preset: rules.preset,
        on: input.on,
        verdict,
        criteria,
    }
}

fn met(b: bool) -> CriterionOutcome {
    if b {
        CriterionOutcome::Met
    } else {
        CriterionOutcome::NotMet
    }
}

/// The calendar month "YYYY-MM" has ended by the end of `on` (its last day is `on` or earlier).
fn month_is_over(month: &str, on: NaiveDate) -> bool {
    let this_month = on.format("%Y-%m").to_string();
    month != this_month || on.succ_opt().is_none_or(|next| next.month() != on.month())
}

fn month_days(
    rules: &RuleSet,
    input: &EligibilityInput<'_>,
    months: usize,
    min: f64,
    what: &str,
    pick: fn(&MonthFigures) -> Option<f64>,
) -> (CriterionOutcome, String, Vec<MonthFigures>) {
    let mut all = calendar_months(
        input.diary,
        rules.preset,
        input.patient.has_migraine_diagnosis(),
        input.on,
    );
    // Only months that are over count: a month in progress would count once 80 % of it is
    // recorded, so the verdict for the same diary would change with the day of the month.
    if let Some(current) = all.last()
        && !month_is_over(&current.month, input.on)
    {
        all.pop();
    }
    match latest_adequate_run(&all, months) {
        None => (
            CriterionOutcome::Unknown,
            format!(
                "{months} consecutive calendar months recorded on at least 80 % of days are needed; {} of {} month(s) \
                 in the diary qualify",
                all.iter().filter(|m| m.adequate).count(),
                all.len()
            ),
            all,
        ),
        Some(run) => {
            let figures: Vec<String> = run
                .iter()
                .map(|m| format!("{} {:.1}", m.month, pick(m).unwrap_or(0.0)))
                .collect();
            let ok = run.iter().all(|m| pick(m).is_some_and(|v| v >= min));
            (
                met(ok),
                format!(
                    "{what} per month under preset {} (prorated): {}; needs ≥{min} in each",
                    rules.preset,
                    figures.join(", ")
                ),
                run.to_vec(),
            )
        }
    }
}

fn criterion(rules: &RuleSet, c: &Criterion, input: &EligibilityInput<'_>) -> CriterionResult {
    let mut months = Vec::new();
    let (outcome, evidence) = match &c.kind {
        CriterionKind::MinAge { years } => {
            let age = input.patient.age_on(input.on);
            (
                met(age >= *years),
                format!(
                    "age {age} on {} (born {}); needs ≥{years}",
                    input.on,
                    input.patient.date_of_birth()
                ),
            )
        }
        CriterionKind::HeadacheDays {
            min_per_month,
            months: n,
        } => {
            let (o, e, m) = month_days(rules, input, *n, *min_per_month, "headache days", |m| {
                m.prorated.as_ref().map(|p| p.headache_days)
            });
            months = m;
            (o, e)
        }
        CriterionKind::MigraineDays {
            min_per_month,
            months: n,
        } => {
            let (o, e, m) = month_days(rules, input, *n, *min_per_month, "migraine days", |m| {
                m.prorated.as_ref().map(|p| p.migraine_days)
            });
            months = m;
            (o, e)
        }
        CriterionKind::DiaryLength { min_days } => {
            let recorded: Vec<_> = input.diary.range(NaiveDate::MIN, input.on).collect();
            match (recorded.first(), recorded.last()) {
                (Some(first), Some(last)) => {
                    let span = (last.date() - first.date()).num_days() + 1;
                    let n = u32::try_from(recorded.len()).unwrap_or(u32::MAX);
                    let complete =
                        meets_completeness_floor(n, u32::try_from(span).unwrap_or(u32::MAX));
                    (
                        met(span >= *min_days && complete),
                        format!(
                            "diary {} to {}: {span} days spanned, {} recorded ({:.0} %); needs ≥{min_days} days at ≥80 %",
                            first.date(),
                            last.date(),
                            recorded.len(),
                            recorded.len() as f64 * 100.0 / span as f64
                        ),
                    )
                }
                _ => (
                    CriterionOutcome::NotMet,
                    "no diary days recorded".to_owned(),
                ),
            }
        }
        CriterionKind::FailedPreventives {
            min_count,
            min_classes,
            min_trial_days,
        } => {
            let s = summarise(input.preventives, input.on, *min_trial_days);
            let classes: Vec<&str> = s.failed_classes.iter().map(|c| c.as_str()).collect();
            let listed: Vec<String> = input
                .preventives
                .iter()
                .filter(|t| t.outcome().is_failure())
                .map(|t| {
                    let days = t
                        .trial_days(input.on)
                        .map_or_else(|| "never started".to_owned(), |d| format!("{d} days"));
                    format!(
                        "{} ({}, {}, {days}: {})",
                        t.drug(),
                        t.class(),
                        t.outcome(),
                        t.reason()
                    )
                })
                .collect();
            let mut e = format!(
                "{} failed preventive(s) in {} class(es) [{}]; needs ≥{min_count}{}",
                s.failed,
                classes.len(),
                classes.join(", "),
                if *min_classes > 0 {
                    format!(" from ≥{min_classes} classes")
                } else {
                    String::new()
                }
            );
            if let Some(min) = min_trial_days {
                e.push_str(&format!("; not-effective trials count from {min} days"));
            }
            if !s.too_short.is_empty() {
                e.push_str(&format!("; too short to count: {}", s.too_short.join(", ")));
            }
            if !listed.is_empty() {
                e.push_str(&format!(". Ledger: {}", listed.join("; ")));
            }
            (
                met(s.failed >= *min_count && s.failed_classes.len() >= *min_classes),
                e,
            )
        }
        CriterionKind::MinTrialLength { days } => {
            let trials: Vec<(&str, Option<i64>)> = input
                .preventives
                .iter()
                .filter(|t| t.outcome() == PreventiveOutcome::NotEffective)
                .map(|t| (t.drug(), t.trial_days(input.on)))
                .collect();
            let short: Vec<String> = trials
                .iter()
                .filter(|(_, d)| d.is_none_or(|d| d < *days))
                .map(|(n, d)| format!("{n} ({} days)", d.unwrap_or(0)))
                .collect();
            if trials.is_empty() {
                (
                    CriterionOutcome::Unknown,
                    "no not-effective preventive trial recorded".to_owned(),
                )
            } else {
                (
                    met(short.is_empty()),
                    if short.is_empty() {
                        format!(
                            "all {} not-effective trial(s) lasted ≥{days} days",
                            trials.len()
                        )
                    } else {
                        format!("shorter than {days} days: {}", short.join(", "))
                    },
                )
            }
        }
        CriterionKind::MedicationOveruseManaged => {
            let cls = classify(
                input.diary,
                input.patient.has_migraine_diagnosis(),
                input.on,
            );
            let moh = &cls.medication_overuse;
            match (moh.status, input.overuse_attestation) {
                (_, Some(a)) => (
                    CriterionOutcome::Met,
                    format!(
                        "clinician attestation by {} on {}: {}; diary: {}",
                        a.by, a.on, a.note, moh.summary
                    ),
                ),
                (DiaryStatus::NotMet, None) => (
                    CriterionOutcome::Met,
                    format!("no ICHD-3 8.2 subtype met: {}", moh.summary),
                ),
                (DiaryStatus::Met, None) => (
                    CriterionOutcome::NotMet,
                    format!("{} No clinician attestation recorded.", moh.summary),
                ),
                (DiaryStatus::InsufficientData, None) => (
                    CriterionOutcome::Unknown,
                    format!("{} No clinician attestation recorded.", moh.summary),
                ),
            }
        }
        CriterionKind::SessionInterval { min_days } => match input.last_session {
            None => (
                CriterionOutcome::Met,
                "no previous botulinum-toxin session".to_owned(),
            ),
            Some(last) => {
                let days = (input.on - last).num_days();
                (
                    met(days >= *min_days),
                    format!("{days} days since the session on {last}; needs ≥{min_days}"),
                )
            }
        },
        CriterionKind::NoConcomitantCgrpAntibody => {
            let active: Vec<&str> = input
                .preventives
                .iter()
                .filter(|t| {
                    t.class() == PreventiveClass::CgrpAntibody
                        && t.outcome() == PreventiveOutcome::Ongoing
                        && t.active_on(input.on)
                })
                .map(PreventiveTrial::drug)
                .collect();
            if active.is_empty() {
                (
                    CriterionOutcome::Met,
                    "no CGRP monoclonal antibody under way in the ledger".to_owned(),
                )
            } else {
                (
                    CriterionOutcome::NotMet,
                    format!("CGRP monoclonal antibody under way: {}", active.join(", ")),
                )
            }
        }
    };
    let source = if c.unverified {
        format!("{} {UNVERIFIED_MARK}", c.source)
    } else {
        c.source.clone()
    };
    CriterionResult {
        id: c.id.clone(),
        description: c.description.clone(),
        outcome,
        evidence,
        source,
        months,
    }
}

#[cfg(test)]
#[path = "eligibility_tests.rs"]
mod tests;
