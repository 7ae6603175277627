//! Golden patient courses: a baseline and five treatment cycles, assessed under each shipped rule
//! set, with every continuation decision checked.

use chrono::{Duration, NaiveDate};

use cephalog_core::Diary;
use cephalog_core::diary::{DiaryDay, DiaryDraft, Features, Intensity, Minutes};
use cephalog_core::response::{DecisionOutcome, ResponseInput, assess};
use cephalog_interchange::rules::builtin_rule_sets;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

const START: &str = "2025-01-01";

/// Baseline block of 28 days, then 5 cycles of 84 days (3 blocks each); `per_block[i]` migraine
/// days (5 h, full migraine features) at the start of each block of period i (0 = baseline).
fn course(per_period: [u32; 6]) -> (Diary, Vec<NaiveDate>) {
    let start = d(START);
    let mut days = Vec::new();
    let mut block_start = start;
    for (period, n) in per_period.iter().enumerate() {
        let blocks = if period == 0 { 1 } else { 3 };
        for _ in 0..blocks {
            for i in 0..28u32 {
                let date = block_start + Duration::days(i64::from(i));
                days.push(if i < *n {
                    DiaryDay::restore(
                        date,
                        DiaryDraft {
                            headache_minutes: Minutes::new(300).expect("m"),
                            peak_intensity: Intensity::Severe,
                            features: Features {
                                unilateral: true,
                                pulsating: true,
                                nausea: true,
                                ..Default::default()
                            },
                            ..Default::default()
                        },
                    )
                    .expect("valid")
                } else {
                    DiaryDay::headache_free(date)
                });
            }
            block_start += Duration::days(28);
        }
    }
    let sessions = (0..5)
        .map(|i| start + Duration::days(28 + 84 * i))
        .collect();
    (Diary::new(days).expect("diary"), sessions)
}

fn outcomes(
    per_period: [u32; 6],
    rule_set: &str,
) -> (Vec<(String, DecisionOutcome)>, bool, Vec<Option<bool>>) {
    let (diary, sessions) = course(per_period);
    let rules = builtin_rule_sets()
        .expect("rules")
        .into_iter()
        .find(|r| r.id == rule_set)
        .expect("rule set");
    let last = *sessions.last().expect("sessions");
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions,
            baseline_end: None,
            as_of: last + Duration::days(83),
        },
        &rules,
    )
    .expect("report");
    assert_eq!(report.cycles.len(), 5);
    (
        report
            .decisions
            .iter()
            .map(|d| (d.rule.clone(), d.outcome))
            .collect(),
        report.review_prompt.is_some(),
        report.cycles.iter().map(|c| c.responder_50).collect(),
    )
}

const RESPONDER: [u32; 6] = [22, 10, 9, 8, 8, 8];
const NON_RESPONDER: [u32; 6] = [20, 18, 17, 18, 19, 18];
const PARTIAL: [u32; 6] = [20, 16, 13, 12, 12, 12];

#[test]
fn responder_course() {
    use DecisionOutcome::*;
    let (nice, prompt, r50) = outcomes(RESPONDER, "nice-ta260");
    assert_eq!(
        nice,
        vec![
            ("stop-under-30".into(), Continue),
            ("stop-when-episodic".into(), Stop)
        ]
    );
    assert!(!prompt);
    assert_eq!(r50, vec![Some(true); 5]);
    let (wa, _, _) = outcomes(RESPONDER, "wa-lni");
    assert_eq!(
        wa,
        vec![
            ("continue-over-50".into(), Continue),
            ("max-five-courses".into(), Stop)
        ]
    );
    let (evicore, _, _) = outcomes(RESPONDER, "evicore");
    assert_eq!(evicore, vec![("reauthorize-50-migraine".into(), Continue)]);
    let (label, _, _) = outcomes(RESPONDER, "fda-label");
    assert!(label.is_empty(), "the label has no stopping rule");
}

#[test]
fn non_responder_course() {
    use DecisionOutcome::*;
    let (nice, prompt, r50) = outcomes(NON_RESPONDER, "nice-ta260");
    assert_eq!(
        nice,
        vec![
            ("stop-under-30".into(), Stop),
            ("stop-when-episodic".into(), Continue)
        ]
    );
    assert!(prompt, "no benefit by the third session");
    assert_eq!(r50, vec![Some(false); 5]);
    let (wa, _, _) = outcomes(NON_RESPONDER, "wa-lni");
    assert_eq!(
        wa,
        vec![
            ("continue-over-50".into(), Stop),
            ("max-five-courses".into(), Stop)
        ]
    );
    let (evicore, _, _) = outcomes(NON_RESPONDER, "evicore");
    assert_eq!(evicore, vec![("reauthorize-50-migraine".into(), Stop)]);
}

#[test]
fn partial_responder_course_meets_nice_but_not_wa() {
    use DecisionOutcome::*;
    // Cycle 2: 13 of a baseline 20 is a 35 % reduction.
    let (nice, prompt, _) = outcomes(PARTIAL, "nice-ta260");
    assert_eq!(nice[0], ("stop-under-30".into(), Continue));
    assert!(!prompt);
    let (wa, _, _) = outcomes(PARTIAL, "wa-lni");
    assert_eq!(wa[0], ("continue-over-50".into(), Stop));
    let (evicore, _, _) = outcomes(PARTIAL, "evicore");
    assert_eq!(evicore, vec![("reauthorize-50-migraine".into(), Stop)]);
}
