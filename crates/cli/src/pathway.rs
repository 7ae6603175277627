//! Commands of the treatment pathway: the preventive ledger, questionnaires, rule sets and
//! eligibility.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, bail};
use serde::Serialize;

use cephalog_core::eligibility::{Attestation, CriterionOutcome, Verdict};
use cephalog_core::preventives::{
    PreventiveClass, PreventiveDraft, PreventiveOutcome, PreventiveTrial,
};
use cephalog_core::prom::{Instrument, PromEntry};
use cephalog_core::rules::RuleSet;
use cephalog_store::Store;

use crate::output::table;
use crate::output::{WithPatient, print_json};
use crate::{AttestArgs, EligibilityArgs, PreventiveCommand, PromCommand, RulesCommand, today};

/// The shipped rule sets and the clinic's own from `dir`; an id defined twice is an error.
pub fn load_rule_sets(dir: Option<&Path>) -> Result<Vec<RuleSet>> {
    Ok(cephalog_app::load_rule_sets(dir)?)
}

pub(crate) fn find_rule_set(dir: Option<&Path>, name: &str) -> Result<RuleSet> {
    let sets = load_rule_sets(dir)?;
    Ok(cephalog_app::find_rule_set(&sets, name)?.clone())
}

#[derive(Serialize)]
struct LedgerJson<'a> {
    trials: Vec<TrialJson<'a>>,
    failed: usize,
    failed_classes: Vec<PreventiveClass>,
    too_short: &'a [String],
}

/// A trial as listed: the trial and its length in days (to the ledger's date while ongoing), as
/// the table shows it.
#[derive(Serialize)]
struct TrialJson<'a> {
    #[serde(flatten)]
    trial: &'a PreventiveTrial,
    trial_days: Option<i64>,
}

pub async fn preventive(store: &Store, cmd: PreventiveCommand) -> Result<()> {
    match cmd {
        PreventiveCommand::Add {
            patient,
            drug,
            class,
            start,
            stop,
            dose,
            outcome,
            reason,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let draft = PreventiveDraft {
                drug,
                class: class.map(|c| c.parse::<PreventiveClass>()).transpose()?,
                start,
                stop,
                dose,
                outcome: Some(outcome.parse::<PreventiveOutcome>()?),
                reason,
            };
            let trial = PreventiveTrial::new(draft)?;
            let id = cephalog_app::pathway::add_preventive(store, r.id, &trial, today()).await?;
            println!("{id}");
        }
        PreventiveCommand::List {
            patient,
            min_trial_days,
            json,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let on = today();
            let (entries, s) =
                cephalog_app::preventive_ledger(store, r.id, on, min_trial_days).await?;
            let trials: Vec<PreventiveTrial> = entries.into_iter().map(|(_, t)| t).collect();
            if json {
                let body = LedgerJson {
                    trials: trials
                        .iter()
                        .map(|trial| TrialJson {
                            trial,
                            trial_days: trial.trial_days(on),
                        })
                        .collect(),
                    failed: s.failed,
                    failed_classes: s.failed_classes.iter().copied().collect(),
                    too_short: &s.too_short,
                };
                return print_json(&WithPatient {
                    patient: r.id,
                    body: &body,
                });
            }
            let mut t = table();
            t.set_header([
                "drug", "class", "start", "stop", "days", "dose", "outcome", "reason",
            ]);
            for tr in &trials {
                t.add_row([
                    tr.drug().to_owned(),
                    tr.class().to_string(),
                    tr.start().map_or("—".into(), |d| d.to_string()),
                    tr.stop().map_or("—".into(), |d| d.to_string()),
                    tr.trial_days(on).map_or("—".into(), |d| d.to_string()),
                    tr.dose().unwrap_or("").to_owned(),
                    tr.outcome().to_string(),
                    tr.reason().to_owned(),
                ]);
            }
            println!("{t}");
            println!(
                "{} failed, not tolerated or unsuitable, in {} class(es): {}",
                s.failed,
                s.failed_classes.len(),
                s.failed_classes
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            if !s.too_short.is_empty() {
                println!(
                    "not counted (trial shorter than the minimum): {}",
                    s.too_short.join(", ")
                );
            }
        }
    }
    Ok(())
}

pub async fn prom(store: &Store, cmd: PromCommand) -> Result<()> {
    match cmd {
        PromCommand::Add {
            patient,
            instrument,
            answers,
            date,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let instrument = instrument.parse::<Instrument>()?;
            let date = date.unwrap_or_else(today);
            if date > today() {
                bail!("--date {date} is in the future");
            }
            let answers: Vec<String> = answers.split(',').map(|a| a.trim().to_owned()).collect();
            let (id, result) = cephalog_app::pathway::add_questionnaire(
                store,
                r.id,
                date,
                instrument,
                &answers,
                today(),
            )
            .await?;
            println!(
                "{instrument} on {date}: {} ({})",
                result.total(),
                result.interpretation()
            );
            for a in result.alerts() {
                println!(
                    "SAME-DAY REVIEW: {} — record it with `cephalog prom review --patient {} \
                     --questionnaire {id} --by NAME --decision TEXT`",
                    a.clinician, r.id
                );
            }
        }
        PromCommand::Review {
            patient,
            questionnaire,
            by,
            decision,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let review = cephalog_app::safety::review_questionnaire(
                store,
                r.id,
                questionnaire,
                &by,
                &decision,
            )
            .await?;
            println!(
                "questionnaire {questionnaire} reviewed by {} at {}: {}",
                review.by,
                review.at.format("%Y-%m-%d %H:%M UTC"),
                review.decision
            );
        }
        PromCommand::List { patient, json } => {
            let r = crate::access::patient(store, &patient).await?;
            let entries: Vec<PromEntry> = cephalog_app::pathway::questionnaires(store, r.id)
                .await?
                .into_iter()
                .map(|(_, e)| e)
                .collect();
            if json {
                #[derive(Serialize)]
                struct Questionnaires<'a> {
                    questionnaires: &'a [PromEntry],
                }
                return print_json(&WithPatient {
                    patient: r.id,
                    body: &Questionnaires {
                        questionnaires: &entries,
                    },
                });
            }
            let mut t = table();
            t.set_header(["date", "instrument", "score", "interpretation"]);
            for e in &entries {
                t.add_row([
                    e.date.to_string(),
                    e.result.instrument().to_string(),
                    e.result.total().to_string(),
                    e.result.interpretation(),
                ]);
            }
            println!("{t}");
        }
    }
    Ok(())
}

pub fn rules(dir: Option<&Path>, cmd: RulesCommand) -> Result<()> {
    match cmd {
        RulesCommand::List => {
            let mut t = table();
            t.set_header([
                "id",
                "name",
                "version",
                "preset",
                "criteria",
                "continuation rules",
            ]);
            for s in load_rule_sets(dir)? {
                t.add_row([
                    s.id.clone(),
                    s.name.clone(),
                    s.version.clone(),
                    s.preset.to_string(),
                    s.criteria.len().to_string(),
                    s.continuation.len().to_string(),
                ]);
            }
            println!("{t}");
        }
        RulesCommand::Show { name, json } => {
            let s = find_rule_set(dir, &name)?;
            if json {
                return print_json(&s);
            }
            print!("{}", rule_set_text(&s));
        }
    }
    Ok(())
}

fn mark(unverified: bool) -> &'static str {
    if unverified {
        " [unverified default]"
    } else {
        ""
    }
}

fn rule_set_text(s: &RuleSet) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {} (version {})", s.id, s.name, s.version);
    let _ = writeln!(out, "Source: {}", s.source);
    let _ = writeln!(out, "Day preset: {} — {}", s.preset, s.preset.definition());
    if let Some(n) = &s.notes {
        let _ = writeln!(out, "Notes: {n}");
    }
    let _ = writeln!(out, "\nStart criteria:");
    for c in &s.criteria {
        let _ = writeln!(
            out,
            "  - {}: {}\n      source: {}{}",
            c.id,
            c.description,
            c.source,
            mark(c.unverified)
        );
    }
    if !s.continuation.is_empty() {
        let _ = writeln!(out, "\nContinuation rules:");
        for c in &s.continuation {
            let _ = writeln!(
                out,
                "  - {}: {}\n      source: {}{}",
                c.id,
                c.description,
                c.source,
                mark(c.unverified)
            );
        }
    }
    out
}

fn outcome_word(o: CriterionOutcome) -> &'static str {
    match o {
        CriterionOutcome::Met => "met",
        CriterionOutcome::NotMet => "NOT MET",
        CriterionOutcome::Unknown => "unknown",
    }
}

pub async fn eligibility(store: &Store, dir: Option<&Path>, a: EligibilityArgs) -> Result<()> {
    let rules = find_rule_set(dir, &a.rules)?;
    let r = crate::access::patient(store, &a.patient).await?;
    let on = a.on.unwrap_or_else(today);
    let result = cephalog_app::eligibility(store, &rules, &r, on).await?;
    if a.json {
        return print_json(&WithPatient {
            patient: r.id,
            body: &result,
        });
    }
    let verdict = |v: Verdict| match v {
        Verdict::Eligible => "ELIGIBLE — every criterion is met",
        Verdict::NotEligible => "NOT ELIGIBLE — at least one criterion is not met",
        Verdict::InsufficientInformation => {
            "INSUFFICIENT INFORMATION — no criterion fails, but some cannot be decided"
        }
    };
    println!(
        "Patient {} — {} — {} on {on}",
        r.id,
        r.patient.name(),
        result.rule_set_name
    );
    println!("Day preset: {}", result.preset);
    if let Some((before, b)) =
        cephalog_app::eligibility_before_treatment(store, &rules, &r, on).await?
    {
        println!(
            "Before treatment ({before}, the day before the first session): {}",
            verdict(b.verdict)
        );
        print!("Today: ");
    }
    println!("{}\n", verdict(result.verdict));
    for c in &result.criteria {
        println!("[{}] {}: {}", outcome_word(c.outcome), c.id, c.description);
        println!("    evidence: {}", c.evidence);
        println!("    source:   {}", c.source);
    }
    println!("\nDecision support only: the clinician decides.");
    Ok(())
}

pub async fn attest(store: &Store, a: AttestArgs) -> Result<()> {
    let r = crate::access::patient(store, &a.patient).await?;
    let on = a.on.unwrap_or_else(today);
    if a.by.trim().is_empty() {
        bail!("--by: name the clinician attesting");
    }
    cephalog_app::pathway::attest_overuse_management(
        store,
        r.id,
        &Attestation {
            by: a.by.trim().to_owned(),
            on,
            note: a.note,
        },
        today(),
    )
    .await?;
    println!("{}: medication overuse recorded as managed on {on}", r.id);
    Ok(())
}
