//! Every fuzz target with a modest number of inputs: no panic, no unclear refusal, no 5xx, the
//! server still answering, and what is accepted reading back the same. (Times are not asserted
//! here: machines and debug builds differ; `cephalog-fuzz` checks them.)

use cephalog_fuzz::{Report, Run, Target};

fn smoke(target: Target) {
    let inputs = if target.is_router() { 100 } else { 300 };
    let r: Report = target.run(Run { inputs, seed: 7 });
    assert_eq!(r.inputs, inputs, "{}: every input ran", r.target);
    let found: Vec<String> = r
        .failures
        .iter()
        .map(|f| {
            format!(
                "{} ×{}: {}\n    input: {}",
                f.kind, f.count, f.detail, f.input
            )
        })
        .collect();
    assert_eq!(r.failed(), 0, "{}:\n{}", r.target, found.join("\n"));
    assert!(
        r.accepted > 0 && r.rejected > 0,
        "{}: the inputs are neither all good nor all bad ({} accepted, {} rejected)",
        r.target,
        r.accepted,
        r.rejected
    );
}

#[test]
fn daily_csv() {
    smoke(Target::DailyCsv);
}

#[test]
fn episode_csv() {
    smoke(Target::EpisodeCsv);
}

#[test]
fn attack_profile() {
    smoke(Target::AttackProfile);
}

#[test]
fn attack_log() {
    smoke(Target::AttackLog);
}

#[test]
fn rule_set() {
    smoke(Target::RuleSet);
}

#[test]
fn e2b_sender() {
    smoke(Target::E2bSender);
}

#[test]
fn fhir_bundle() {
    smoke(Target::FhirBundle);
}

#[test]
fn api_json() {
    smoke(Target::ApiJson);
}

#[test]
fn page_form() {
    smoke(Target::PageForm);
}
