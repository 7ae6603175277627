use chrono::Duration;

use super::*;
use crate::diary::{DiaryDay, DiaryDraft, Features, Intensity, MedicationIntake, Minutes};
use crate::drugs::DrugDictionary;
use crate::preset::DayPreset;
use crate::preventives::PreventiveDraft;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("date")
}

fn patient(dob: &str) -> Patient {
    let mut p =
        Patient::new("A", d(dob), None, None, String::new(), d("2026-12-31")).expect("patient");
    p.diagnose(crate::patient::Diagnosis {
        code: crate::patient::DiagnosisCode::ChronicMigraine,
        onset: None,
    })
    .expect("dx");
    p
}

/// April–June 2026, every day recorded: `headache` 5-hour days per month, the first `migraine`
/// with migraine features, sumatriptan on the first `triptan` days.
fn diary(headache: u32, migraine: u32, triptan: u32) -> Diary {
    let dict = DrugDictionary::builtin();
    let mut days = Vec::new();
    let mut date = d("2026-04-01");
    while date <= d("2026-06-30") {
        let i = date.format("%d").to_string().parse::<u32>().expect("day") - 1;
        let meds = if i < triptan {
            MedicationIntake::parse_list("sumatriptan", &dict).expect("m")
        } else {
            vec![]
        };
        days.push(if i < headache {
            DiaryDay::restore(
                date,
                DiaryDraft {
                    headache_minutes: Minutes::new(300).expect("m"),
                    peak_intensity: if i < migraine {
                        Intensity::Severe
                    } else {
                        Intensity::Mild
                    },
                    features: if i < migraine {
                        Features {
                            unilateral: true,
                            pulsating: true,
                            nausea: true,
                            ..Default::default()
                        }
                    } else {
                        Features::default()
                    },
                    medications: meds,
                    ..Default::default()
                },
            )
            .expect("valid")
        } else {
            DiaryDay::headache_free(date)
        });
        date += Duration::days(1);
    }
    Diary::new(days).expect("diary")
}

fn crit(id: &str, kind: CriterionKind) -> Criterion {
    Criterion {
        id: id.into(),
        description: id.into(),
        source: "test source".into(),
        unverified: false,
        kind,
    }
}

fn rules(criteria: Vec<Criterion>) -> RuleSet {
    RuleSet {
        id: "t".into(),
        name: "t".into(),
        version: "1".into(),
        source: "t".into(),
        preset: DayPreset::Label4h,
        notes: None,
        criteria,
        continuation: vec![],
    }
}

fn trial(drug: &str, start: &str, stop: &str, outcome: PreventiveOutcome) -> PreventiveTrial {
    PreventiveTrial::new(PreventiveDraft {
        drug: drug.into(),
        start: Some(d(start)),
        stop: if outcome == PreventiveOutcome::Ongoing {
            None
        } else {
            Some(d(stop))
        },
        outcome: Some(outcome),
        reason: "documented".into(),
        ..Default::default()
    })
    .expect("trial")
}

fn one(
    c: Criterion,
    p: &Patient,
    diary: &Diary,
    prev: &[PreventiveTrial],
    last: Option<&str>,
    on: &str,
) -> CriterionResult {
    evaluate(
        &rules(vec![c]),
        EligibilityInput {
            patient: p,
            diary,
            preventives: prev,
            last_session: last.map(d),
            overuse_attestation: None,
            on: d(on),
        },
    )
    .criteria
    .remove(0)
}

const ON: &str = "2026-07-01";

#[test]
fn age_boundary_17_18() {
    let diary = diary(20, 10, 0);
    let c = || crit("age", CriterionKind::MinAge { years: 18 });
    assert_eq!(
        one(c(), &patient("2008-07-02"), &diary, &[], None, ON).outcome,
        CriterionOutcome::NotMet
    );
    let r = one(c(), &patient("2008-07-01"), &diary, &[], None, ON);
    assert_eq!(r.outcome, CriterionOutcome::Met);
    assert!(r.evidence.contains("age 18"));
}

#[test]
fn headache_and_migraine_days_14_15_and_7_8() {
    let p = patient("1980-01-01");
    let hd = || {
        crit(
            "hd",
            CriterionKind::HeadacheDays {
                min_per_month: 15.0,
                months: 3,
            },
        )
    };
    let md = || {
        crit(
            "md",
            CriterionKind::MigraineDays {
                min_per_month: 8.0,
                months: 3,
            },
        )
    };
    // June has 30 days, so 15 of 30 is exactly 15 prorated; April and June are 30-day months.
    assert_eq!(
        one(hd(), &p, &diary(15, 8, 0), &[], None, ON).outcome,
        CriterionOutcome::Met
    );
    let r = one(hd(), &p, &diary(14, 8, 0), &[], None, ON);
    assert_eq!(r.outcome, CriterionOutcome::NotMet);
    assert!(r.evidence.contains("2026-04 14.0"), "{}", r.evidence);
    assert_eq!(r.months.len(), 3);
    assert_eq!(
        one(md(), &p, &diary(15, 8, 0), &[], None, ON).outcome,
        CriterionOutcome::Met
    );
    assert_eq!(
        one(md(), &p, &diary(15, 7, 0), &[], None, ON).outcome,
        CriterionOutcome::NotMet
    );
    // Before three months are recorded it is unknown, not failed.
    assert_eq!(
        one(hd(), &p, &diary(20, 10, 0), &[], None, "2026-06-15").outcome,
        CriterionOutcome::Unknown
    );
}

#[test]
fn only_months_that_are_over_count() {
    let p = patient("1980-01-01");
    let hd = || {
        crit(
            "hd",
            CriterionKind::HeadacheDays {
                min_per_month: 15.0,
                months: 3,
            },
        )
    };
    // April–June meet the criterion; July is headache-free and recorded day by day.
    let mut days: Vec<DiaryDay> = diary(15, 8, 0).days().cloned().collect();
    let mut date = d("2026-07-01");
    while date <= d("2026-07-31") {
        days.push(DiaryDay::headache_free(date));
        date = date.succ_opt().expect("date");
    }
    let diary = Diary::new(days).expect("diary");
    // On 25 July, 25 of July's 31 days (81 %) are recorded: July is still in progress and does
    // not count, so the verdict is the same on every day of the month.
    for on in ["2026-07-01", "2026-07-25", "2026-07-30"] {
        let r = one(hd(), &p, &diary, &[], None, on);
        assert_eq!(r.outcome, CriterionOutcome::Met, "on {on}: {}", r.evidence);
        assert_eq!(r.months.first().map(|m| m.month.as_str()), Some("2026-04"));
    }
    // On its last day July is over and counts.
    let r = one(hd(), &p, &diary, &[], None, "2026-07-31");
    assert_eq!(r.outcome, CriterionOutcome::NotMet, "{}", r.evidence);
    assert_eq!(r.months.last().map(|m| m.month.as_str()), Some("2026-07"));
}

#[test]
fn diary_length_boundary() {
    let p = patient("1980-01-01");
    let dl = |n| crit("dl", CriterionKind::DiaryLength { min_days: n });
    assert_eq!(
        one(dl(91), &p, &diary(20, 10, 0), &[], None, ON).outcome,
        CriterionOutcome::Met
    );
    assert_eq!(
        one(dl(92), &p, &diary(20, 10, 0), &[], None, ON).outcome,
        CriterionOutcome::NotMet
    );
    assert_eq!(
        one(dl(1), &p, &Diary::default(), &[], None, ON).outcome,
        CriterionOutcome::NotMet
    );
}

#[test]
fn failed_preventives_counts_classes_and_trial_lengths() {
    let p = patient("1980-01-01");
    let diary = diary(20, 10, 0);
    let ledger = vec![
        trial(
            "propranolol",
            "2024-01-01",
            "2024-03-01",
            PreventiveOutcome::NotEffective,
        ),
        trial(
            "metoprolol",
            "2024-04-01",
            "2024-05-29",
            PreventiveOutcome::NotEffective,
        ),
        trial(
            "topiramate",
            "2024-06-01",
            "2024-06-20",
            PreventiveOutcome::NotTolerated,
        ),
    ];
    let fp = |count, classes, trial| {
        crit(
            "fp",
            CriterionKind::FailedPreventives {
                min_count: count,
                min_classes: classes,
                min_trial_days: trial,
            },
        )
    };
    assert_eq!(
        one(fp(3, 2, None), &p, &diary, &ledger, None, ON).outcome,
        CriterionOutcome::Met
    );
    assert_eq!(
        one(fp(3, 3, None), &p, &diary, &ledger, None, ON).outcome,
        CriterionOutcome::NotMet
    );
    let r = one(fp(3, 2, Some(60)), &p, &diary, &ledger, None, ON);
    assert_eq!(
        r.outcome,
        CriterionOutcome::NotMet,
        "metoprolol's 59 days do not count"
    );
    assert!(
        r.evidence.contains("too short to count: metoprolol"),
        "{}",
        r.evidence
    );
    assert_eq!(
        one(fp(2, 2, Some(60)), &p, &diary, &ledger, None, ON).outcome,
        CriterionOutcome::Met
    );
    let tl = |n| crit("tl", CriterionKind::MinTrialLength { days: n });
    assert_eq!(
        one(tl(59), &p, &diary, &ledger, None, ON).outcome,
        CriterionOutcome::Met
    );
    assert_eq!(
        one(tl(60), &p, &diary, &ledger, None, ON).outcome,
        CriterionOutcome::NotMet
    );
    assert_eq!(
        one(tl(60), &p, &diary, &[], None, ON).outcome,
        CriterionOutcome::Unknown
    );
}

#[test]
fn medication_overuse_managed_by_diary_or_attestation() {
    let p = patient("1980-01-01");
    let mo = || crit("mo", CriterionKind::MedicationOveruseManaged);
    assert_eq!(
        one(mo(), &p, &diary(20, 10, 9), &[], None, ON).outcome,
        CriterionOutcome::Met
    );
    let r = one(mo(), &p, &diary(20, 10, 10), &[], None, ON);
    assert_eq!(r.outcome, CriterionOutcome::NotMet);
    assert!(r.evidence.contains("8.2.2"), "{}", r.evidence);
    let attestation = Attestation {
        by: "Dr Example".into(),
        on: d("2026-06-30"),
        note: "withdrawal completed".into(),
    };
    let e = evaluate(
        &rules(vec![mo()]),
        EligibilityInput {
            patient: &p,
            diary: &diary(20, 10, 10),
            preventives: &[],
            last_session: None,
            overuse_attestation: Some(&attestation),
            on: d(ON),
        },
    );
    assert_eq!(e.criteria[0].outcome, CriterionOutcome::Met);
    assert!(e.criteria[0].evidence.contains("Dr Example"));
    assert_eq!(
        one(mo(), &p, &Diary::default(), &[], None, ON).outcome,
        CriterionOutcome::Unknown
    );
}

#[test]
fn session_interval_83_84_and_cgrp_antibody() {
    let p = patient("1980-01-01");
    let diary = diary(20, 10, 0);
    let si = || crit("si", CriterionKind::SessionInterval { min_days: 84 });
    assert_eq!(
        one(si(), &p, &diary, &[], Some("2026-04-09"), ON).outcome,
        CriterionOutcome::NotMet,
        "83 days"
    );
    assert_eq!(
        one(si(), &p, &diary, &[], Some("2026-04-08"), ON).outcome,
        CriterionOutcome::Met,
        "84 days"
    );
    assert_eq!(
        one(si(), &p, &diary, &[], None, ON).outcome,
        CriterionOutcome::Met
    );
    let cg = || crit("cg", CriterionKind::NoConcomitantCgrpAntibody);
    let on_erenumab = vec![trial(
        "erenumab",
        "2026-01-01",
        "",
        PreventiveOutcome::Ongoing,
    )];
    assert_eq!(
        one(cg(), &p, &diary, &on_erenumab, None, ON).outcome,
        CriterionOutcome::NotMet
    );
    let stopped = vec![trial(
        "erenumab",
        "2025-01-01",
        "2025-06-01",
        PreventiveOutcome::NotEffective,
    )];
    assert_eq!(
        one(cg(), &p, &diary, &stopped, None, ON).outcome,
        CriterionOutcome::Met
    );
}

#[test]
fn verdicts_combine_criteria_and_unverified_sources_are_marked() {
    let p = patient("1980-01-01");
    let mut age = crit("age", CriterionKind::MinAge { years: 18 });
    age.unverified = true;
    let rs = rules(vec![
        age,
        crit(
            "hd",
            CriterionKind::HeadacheDays {
                min_per_month: 15.0,
                months: 3,
            },
        ),
    ]);
    let input = |diary| EligibilityInput {
        patient: &p,
        diary,
        preventives: &[],
        last_session: None,
        overuse_attestation: None,
        on: d(ON),
    };
    let good = diary(20, 10, 0);
    let e = evaluate(&rs, input(&good));
    assert_eq!(e.verdict, Verdict::Eligible);
    assert!(e.criteria[0].source.ends_with(UNVERIFIED_MARK));
    let low = diary(10, 5, 0);
    assert_eq!(evaluate(&rs, input(&low)).verdict, Verdict::NotEligible);
    let none = Diary::default();
    assert_eq!(
        evaluate(&rs, input(&none)).verdict,
        Verdict::InsufficientInformation
    );
}
