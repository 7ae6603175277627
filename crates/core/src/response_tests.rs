use super::*;
use crate::diary::{DiaryDay, DiaryDraft, Features, Intensity, Minutes};
use crate::rules::ContinuationRule;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

/// A diary from `from` to `to` where each 28-day block starting at `from` has the given number of
/// 5-hour migraine days (first days of the block), the rest headache-free.
fn diary(from: &str, blocks: &[u32]) -> Diary {
    let start = d(from);
    let mut days = Vec::new();
    for (b, n) in blocks.iter().enumerate() {
        for i in 0..28u32 {
            let date = start + Duration::days(i64::from(b as u32 * 28 + i));
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
    }
    Diary::new(days).expect("diary")
}

fn rule(id: &str, kind: ContinuationKind) -> ContinuationRule {
    ContinuationRule {
        id: id.into(),
        description: id.into(),
        source: "test".into(),
        unverified: false,
        kind,
    }
}

fn rules(continuation: Vec<ContinuationRule>) -> RuleSet {
    RuleSet {
        id: "test".into(),
        name: "test".into(),
        version: "1".into(),
        source: "test".into(),
        preset: DayPreset::Label4h,
        notes: None,
        criteria: Vec::new(),
        continuation,
    }
}

fn nice_30() -> ContinuationRule {
    rule(
        "nice-30",
        ContinuationKind::MinReductionAfterCycles {
            metric: ResponseMetric::HeadacheDays,
            percent: 30.0,
            cycles: 2,
            strict: false,
        },
    )
}

fn wa_50() -> ContinuationRule {
    rule(
        "wa-50",
        ContinuationKind::MinReductionAfterCycles {
            metric: ResponseMetric::HeadacheDays,
            percent: 50.0,
            cycles: 2,
            strict: true,
        },
    )
}

/// Sessions every 84 days (3 blocks) from 2026-01-29, after a 28-day baseline block.
fn sessions(n: usize) -> Vec<NaiveDate> {
    (0..n)
        .map(|i| d("2026-01-29") + Duration::days(84 * i as i64))
        .collect()
}

#[test]
fn reduction_thresholds_at_29_9_30_49_9_50_50_1_percent() {
    let c = |cycle: f64| Change::new(Some(20.0), Some(cycle));
    assert_eq!(c(14.02).reduced_by_at_least(30.0), Some(false), "29.9 %");
    assert_eq!(c(14.0).reduced_by_at_least(30.0), Some(true), "30 %");
    assert_eq!(c(10.02).reduced_by_at_least(50.0), Some(false), "49.9 %");
    assert_eq!(c(10.0).reduced_by_at_least(50.0), Some(true), "50 %");
    assert_eq!(
        c(10.0).reduced_by_more_than(50.0),
        Some(false),
        "50 % is not more than 50 %"
    );
    assert_eq!(c(9.98).reduced_by_more_than(50.0), Some(true), "50.1 %");
    assert_eq!(
        Change::new(Some(0.0), Some(3.0)).percent,
        None,
        "no percentage from a zero baseline"
    );
    assert_eq!(Change::new(None, Some(3.0)).reduced_by_at_least(30.0), None);
}

#[test]
fn cycles_use_the_28_days_before_the_next_session() {
    // Baseline block 20 days; then blocks of 16, 14, 14 (cycle 1 ends at block 3), 10, 10, 10.
    let diary = diary("2026-01-01", &[20, 16, 14, 14, 10, 10, 10]);
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(2),
            baseline_end: None,
            as_of: d("2026-07-15"),
        },
        &rules(vec![nice_30()]),
    )
    .expect("report");
    assert_eq!(
        (report.baseline.start, report.baseline.end),
        (d("2026-01-01"), d("2026-01-28"))
    );
    assert_eq!(report.baseline.headache_days_per_28, Some(20.0));
    let c1 = &report.cycles[0];
    let w = c1.window.as_ref().expect("window");
    assert_eq!((w.start, w.end), (d("2026-03-26"), d("2026-04-22")));
    assert_eq!(c1.headache_days.cycle, Some(14.0));
    assert_eq!(c1.responder_30, Some(true));
    assert_eq!(c1.responder_50, Some(false));
    // The current cycle: the latest 28 days.
    let c2 = &report.cycles[1];
    let w2 = c2.window.as_ref().expect("window");
    assert_eq!(
        (w2.end, c2.status),
        (d("2026-07-15"), CycleStatus::Complete)
    );
    assert_eq!(
        report.decisions[0].outcome,
        DecisionOutcome::Continue,
        "{}",
        report.decisions[0].evidence
    );
}

#[test]
fn nice_stops_below_30_percent_after_two_cycles() {
    // Baseline 20; cycle 2 window has 15 (25 % reduction).
    let diary = diary("2026-01-01", &[20, 18, 18, 18, 18, 18, 15, 15, 15, 15]);
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(3),
            baseline_end: None,
            as_of: d("2026-08-01"),
        },
        &rules(vec![nice_30(), wa_50()]),
    )
    .expect("report");
    assert_eq!(report.cycles[1].headache_days.cycle, Some(15.0));
    assert_eq!(report.decisions[0].outcome, DecisionOutcome::Stop);
    assert!(
        report.decisions[0].evidence.contains("25.0 %"),
        "{}",
        report.decisions[0].evidence
    );
    assert_eq!(report.decisions[1].outcome, DecisionOutcome::Stop);
    let prompt = report
        .review_prompt
        .expect("no benefit by the third session");
    assert_eq!(prompt.outcome, DecisionOutcome::Review);
}

#[test]
fn too_few_cycles_are_not_yet_applicable_and_young_cycles_are_in_progress() {
    let diary = diary("2026-01-01", &[20, 10, 10]);
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(1),
            baseline_end: None,
            as_of: d("2026-02-10"),
        },
        &rules(vec![nice_30()]),
    )
    .expect("report");
    assert_eq!(report.cycles[0].status, CycleStatus::InProgress);
    assert_eq!(report.cycles[0].responder_30, None);
    assert_eq!(
        report.decisions[0].outcome,
        DecisionOutcome::NotYetApplicable
    );
    assert!(report.review_prompt.is_none());
    // 28 days after the session (inclusive) the window exists.
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(1),
            baseline_end: None,
            as_of: d("2026-02-25"),
        },
        &rules(vec![]),
    )
    .expect("report");
    assert_eq!(report.cycles[0].status, CycleStatus::Complete);
    assert_eq!(report.cycles[0].responder_50, Some(true));
}

#[test]
fn incomplete_diaries_give_insufficient_data_never_a_number() {
    // A diary with only the baseline: the cycle window is empty.
    let diary = diary("2026-01-01", &[20]);
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(2),
            baseline_end: None,
            as_of: d("2026-06-01"),
        },
        &rules(vec![nice_30()]),
    )
    .expect("report");
    assert_eq!(report.cycles[0].headache_days.cycle, None);
    assert_eq!(report.cycles[0].responder_30, None);
    assert_eq!(
        report.cycles[0].note.as_deref(),
        Some("cycle: insufficient diary data")
    );
    assert_eq!(report.decisions[0].outcome, DecisionOutcome::Unknown);
    assert!(
        assess(
            ResponseInput {
                diary: &diary,
                has_migraine_diagnosis: true,
                sessions: &[],
                baseline_end: None,
                as_of: d("2026-06-01")
            },
            &rules(vec![])
        )
        .is_none()
    );
}

#[test]
fn a_chosen_baseline_end_moves_the_baseline() {
    let diary = diary("2026-01-01", &[20, 10, 10, 10]);
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &[d("2026-03-01")],
            baseline_end: Some(d("2026-01-28")),
            as_of: d("2026-04-01"),
        },
        &rules(vec![]),
    )
    .expect("report");
    assert_eq!(report.baseline.headache_days_per_28, Some(20.0));
}

#[test]
fn max_courses_and_episodic_stopping() {
    let diary = diary("2026-01-01", &[20; 16]);
    let r = rules(vec![
        rule("wa-5", ContinuationKind::MaxCourses { courses: 5 }),
        rule(
            "nice-episodic",
            ContinuationKind::StopWhenEpisodic {
                below: 15.0,
                months: 3,
            },
        ),
    ]);
    let four = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(4),
            baseline_end: None,
            as_of: d("2027-01-01"),
        },
        &r,
    )
    .expect("report");
    assert_eq!(four.decisions[0].outcome, DecisionOutcome::Continue);
    assert_eq!(
        four.decisions[1].outcome,
        DecisionOutcome::Continue,
        "{}",
        four.decisions[1].evidence
    );
    let five = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions(5),
            baseline_end: None,
            as_of: d("2027-06-01"),
        },
        &r,
    )
    .expect("report");
    assert_eq!(five.decisions[0].outcome, DecisionOutcome::Stop);
    // 10 headache days per 28-day block is about 11 per month: episodic.
    let low = diary_from_blocks_after_baseline();
    let rep = assess(
        ResponseInput {
            diary: &low,
            has_migraine_diagnosis: true,
            sessions: &sessions(1),
            baseline_end: None,
            as_of: d("2026-07-01"),
        },
        &r,
    )
    .expect("report");
    assert_eq!(
        rep.decisions[1].outcome,
        DecisionOutcome::Stop,
        "{}",
        rep.decisions[1].evidence
    );
    assert!(
        rep.decisions[1].evidence.contains("2026-06 (10.0)"),
        "{}",
        rep.decisions[1].evidence
    );
}

fn diary_from_blocks_after_baseline() -> Diary {
    diary("2026-01-01", &[20, 10, 10, 10, 10, 10, 10])
}
