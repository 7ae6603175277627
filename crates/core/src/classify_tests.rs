use chrono::Duration;

use super::*;
use crate::diary::{DiaryDraft, Features, MedicationIntake, Minutes};
use crate::drugs::DrugDictionary;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

/// What to put in each month.
#[derive(Clone, Copy, Default)]
struct MonthSpec {
    headache: u32,
    migraine: u32,
    med: Option<(&'static str, u32)>,
    med2: Option<(&'static str, u32)>,
    /// Days left unrecorded at the end of the month.
    unrecorded: u32,
    paroxysm_days: u32,
}

fn migraine_features() -> Features {
    Features {
        unilateral: true,
        pulsating: true,
        nausea: true,
        ..Default::default()
    }
}

fn tension_features() -> Features {
    Features {
        photophobia: true,
        ..Default::default()
    }
}

fn build(first_month: &str, specs: &[MonthSpec]) -> Diary {
    let dict = DrugDictionary::builtin();
    let mut days = Vec::new();
    let mut start = d(first_month);
    for spec in specs {
        let month = DateRange::month_of(start);
        let recorded = month.days() - spec.unrecorded;
        for i in 0..recorded {
            let date = month.start + Duration::days(i64::from(i));
            let mut meds = Vec::new();
            for (name, n) in [spec.med, spec.med2].into_iter().flatten() {
                if i < n {
                    meds.extend(MedicationIntake::parse_list(name, &dict).expect("med"));
                }
            }
            let draft = if i < spec.headache {
                DiaryDraft {
                    headache_minutes: Minutes::new(300).expect("m"),
                    peak_intensity: if i < spec.migraine {
                        Intensity::Severe
                    } else {
                        Intensity::Mild
                    },
                    features: if i < spec.migraine {
                        migraine_features()
                    } else {
                        tension_features()
                    },
                    medications: meds,
                    paroxysms: u32::from(i < spec.paroxysm_days),
                    ..Default::default()
                }
            } else {
                DiaryDraft {
                    medications: meds,
                    paroxysms: u32::from(i < spec.paroxysm_days) * 3,
                    ..Default::default()
                }
            };
            days.push(DiaryDay::restore(date, draft).expect("valid"));
        }
        start = month.end + Duration::days(1);
    }
    Diary::new(days).expect("diary")
}

fn cm(headache: u32, migraine: u32) -> MonthSpec {
    MonthSpec {
        headache,
        migraine,
        ..Default::default()
    }
}

const AS_OF: &str = "2027-01-01";

#[test]
fn chronic_migraine_boundary_14_15_headache_days() {
    let met = classify(&build("2026-04-01", &[cm(15, 8); 3]), true, d(AS_OF));
    assert_eq!(met.chronic_migraine.status, CriterionStatus::Met);
    assert!(
        met.chronic_migraine
            .summary
            .starts_with("Meets diary criteria for chronic migraine")
    );
    assert_eq!(met.chronic_migraine.months.len(), 3);
    assert_eq!(met.chronic_migraine.months[0].month, "2026-04");

    let short = classify(
        &build("2026-04-01", &[cm(15, 8), cm(14, 8), cm(15, 8)]),
        true,
        d(AS_OF),
    );
    assert_eq!(short.chronic_migraine.status, CriterionStatus::NotMet);
    assert_eq!(short.chronic_migraine.reasons.len(), 1);
    assert!(short.chronic_migraine.reasons[0].starts_with("2026-05: 14.0 headache days"));
}

#[test]
fn chronic_migraine_boundary_7_8_migraine_days() {
    let short = classify(
        &build("2026-04-01", &[cm(20, 8), cm(20, 8), cm(20, 7)]),
        true,
        d(AS_OF),
    );
    assert_eq!(short.chronic_migraine.status, CriterionStatus::NotMet);
    assert!(short.chronic_migraine.reasons[0].contains("7.0 migraine days"));
}

#[test]
fn fewer_than_three_adequate_months_is_insufficient() {
    let two = classify(&build("2026-04-01", &[cm(20, 10); 2]), true, d(AS_OF));
    assert_eq!(
        two.chronic_migraine.status,
        CriterionStatus::InsufficientData
    );
    assert_eq!(
        two.medication_overuse.status,
        CriterionStatus::InsufficientData
    );
    assert_eq!(two.chronic_migraine.months.len(), 2);
    let empty = classify(&Diary::default(), true, d(AS_OF));
    assert_eq!(
        empty.chronic_tension_type.status,
        CriterionStatus::InsufficientData
    );
}

#[test]
fn completeness_boundary_decides_which_months_count() {
    // June has 30 days: 24 recorded is 80 %, 23 is 76.7 %.
    let ok = MonthSpec {
        unrecorded: 6,
        ..cm(14, 8)
    };
    let thin = MonthSpec {
        unrecorded: 7,
        ..cm(14, 8)
    };
    let c = classify(
        &build("2026-05-01", &[cm(20, 10), ok, cm(20, 10)]),
        true,
        d(AS_OF),
    );
    assert_eq!(
        c.chronic_migraine.status,
        CriterionStatus::Met,
        "{:?}",
        c.chronic_migraine.reasons
    );
    // 14 of 24 recorded days prorated to 30 days is 17.5 headache days.
    let june = &c.chronic_migraine.months[1];
    assert_eq!(june.headache_days, 14);
    assert_eq!(june.prorated.as_ref().map(|p| p.headache_days), Some(17.5));
    let c = classify(
        &build("2026-05-01", &[cm(20, 10), thin, cm(20, 10)]),
        true,
        d(AS_OF),
    );
    assert_eq!(c.chronic_migraine.status, CriterionStatus::InsufficientData);
}

#[test]
fn the_most_recent_three_adequate_months_decide() {
    let gap = MonthSpec {
        unrecorded: 20,
        ..cm(5, 0)
    };
    let c = classify(
        &build(
            "2026-01-01",
            &[
                cm(20, 10),
                cm(20, 10),
                cm(20, 10),
                gap,
                cm(5, 1),
                cm(5, 1),
                cm(5, 1),
            ],
        ),
        true,
        d(AS_OF),
    );
    assert_eq!(c.chronic_migraine.status, CriterionStatus::NotMet);
    let months: Vec<&str> = c
        .chronic_migraine
        .months
        .iter()
        .map(|m| m.month.as_str())
        .collect();
    assert_eq!(months, vec!["2026-05", "2026-06", "2026-07"]);
    // As of the end of April, the earlier three months decide.
    let c = classify(
        &build(
            "2026-01-01",
            &[
                cm(20, 10),
                cm(20, 10),
                cm(20, 10),
                gap,
                cm(5, 1),
                cm(5, 1),
                cm(5, 1),
            ],
        ),
        true,
        d("2026-04-30"),
    );
    assert_eq!(c.chronic_migraine.status, CriterionStatus::Met);
}

#[test]
fn months_of_28_29_30_31_days_prorate_to_their_length() {
    // 2024: February has 29 days. Every month has 4 unrecorded days.
    let spec = MonthSpec {
        unrecorded: 4,
        ..cm(12, 8)
    };
    let c = classify(&build("2024-02-01", &[spec; 3]), true, d(AS_OF));
    let got: Vec<(u32, f64)> = c
        .chronic_migraine
        .months
        .iter()
        .map(|m| (m.days, m.prorated.as_ref().map_or(0.0, |p| p.headache_days)))
        .collect();
    assert_eq!(got[0], (29, 12.0 * 29.0 / 25.0));
    assert_eq!(got[1], (31, 12.0 * 31.0 / 27.0));
    assert_eq!(got[2], (30, 12.0 * 30.0 / 26.0));
    let c = classify(&build("2026-02-01", &[spec; 3]), true, d(AS_OF));
    assert_eq!(c.chronic_migraine.months[0].days, 28);
    assert_eq!(
        c.chronic_migraine.months[0]
            .prorated
            .as_ref()
            .map(|p| p.headache_days),
        Some(14.0)
    );
}

#[test]
fn probable_migraine_days_need_a_diagnosis() {
    // Severe, unilateral, no nausea or light/sound sensitivity, 300 min: L and P hold, S does not.
    let probable = |date: NaiveDate| {
        let draft = DiaryDraft {
            headache_minutes: Minutes::new(300).expect("m"),
            peak_intensity: Intensity::Severe,
            features: Features {
                unilateral: true,
                ..Default::default()
            },
            ..Default::default()
        };
        DiaryDay::restore(date, draft).expect("valid")
    };
    let month = DateRange::month_of(d("2026-04-01"));
    let mut days = Vec::new();
    let mut date = month.start;
    while date <= d("2026-06-30") {
        days.push(if date.day() <= 16 {
            probable(date)
        } else {
            DiaryDay::headache_free(date)
        });
        date += Duration::days(1);
    }
    let diary = Diary::new(days).expect("diary");
    assert_eq!(
        classify(&diary, false, d(AS_OF)).chronic_migraine.status,
        CriterionStatus::NotMet
    );
    assert_eq!(
        classify(&diary, true, d(AS_OF)).chronic_migraine.status,
        CriterionStatus::Met
    );
}

#[test]
fn chronic_tension_type_and_its_exclusion_by_chronic_migraine() {
    let ctth = classify(&build("2026-04-01", &[cm(16, 0); 3]), false, d(AS_OF));
    assert_eq!(ctth.chronic_tension_type.status, CriterionStatus::Met);
    assert!(
        ctth.chronic_tension_type
            .summary
            .starts_with("Meets diary criteria for chronic tension-type headache")
    );
    let short = classify(
        &build("2026-04-01", &[cm(16, 0), cm(16, 0), cm(14, 0)]),
        false,
        d(AS_OF),
    );
    assert_eq!(short.chronic_tension_type.status, CriterionStatus::NotMet);
    // 16 tension-type days and 8 migraine days: chronic migraine is met and excludes 2.3.
    let both = classify(&build("2026-04-01", &[cm(24, 8); 3]), true, d(AS_OF));
    assert_eq!(both.chronic_migraine.status, CriterionStatus::Met);
    assert_eq!(both.chronic_tension_type.status, CriterionStatus::NotMet);
    assert!(both.chronic_tension_type.summary.contains("excluded"));
}

#[test]
fn tension_type_day_features() {
    let date = d("2026-04-01");
    let day = |f: Features, peak: Intensity| {
        DiaryDay::restore(
            date,
            DiaryDraft {
                headache_minutes: Minutes::new(120).expect("m"),
                peak_intensity: peak,
                features: f,
                ..Default::default()
            },
        )
        .expect("valid")
    };
    assert!(is_tension_type_day(&day(
        Features::default(),
        Intensity::Mild
    )));
    assert!(is_tension_type_day(&day(
        Features {
            nausea: true,
            ..Default::default()
        },
        Intensity::Moderate
    )));
    assert!(!is_tension_type_day(&day(
        Features {
            photophobia: true,
            phonophobia: true,
            ..Default::default()
        },
        Intensity::Mild
    )));
    assert!(!is_tension_type_day(&day(
        Features {
            vomiting: true,
            ..Default::default()
        },
        Intensity::Mild
    )));
    // Severe, unilateral, pulsating, aggravated: none of 2.3 C.
    let all = Features {
        unilateral: true,
        pulsating: true,
        aggravated_by_activity: true,
        ..Default::default()
    };
    assert!(!is_tension_type_day(&day(all, Intensity::Severe)));
    // Exactly two of 2.3 C: bilateral + non-pulsating fail, mild + not aggravated hold.
    let two = Features {
        unilateral: true,
        pulsating: true,
        ..Default::default()
    };
    assert!(is_tension_type_day(&day(two, Intensity::Mild)));
}

fn moh(med: &'static str, days: u32) -> MonthSpec {
    MonthSpec {
        med: Some((med, days)),
        ..cm(20, 10)
    }
}

fn subtype_codes(c: &Classification) -> Vec<&'static str> {
    c.medication_overuse
        .subtypes
        .iter()
        .map(|s| s.code)
        .collect()
}

#[test]
fn triptan_overuse_boundary_9_10_days() {
    let met = classify(
        &build("2026-04-01", &[moh("sumatriptan", 10); 3]),
        true,
        d(AS_OF),
    );
    assert_eq!(met.medication_overuse.status, CriterionStatus::Met);
    assert_eq!(subtype_codes(&met), vec!["8.2.2"]);
    assert!(
        met.medication_overuse
            .summary
            .contains("8.2.2 triptan-overuse headache")
    );
    let not = classify(
        &build(
            "2026-04-01",
            &[
                moh("sumatriptan", 10),
                moh("sumatriptan", 9),
                moh("sumatriptan", 10),
            ],
        ),
        true,
        d(AS_OF),
    );
    assert_eq!(not.medication_overuse.status, CriterionStatus::NotMet);
}

#[test]
fn non_opioid_overuse_boundary_14_15_days() {
    let met = classify(
        &build("2026-04-01", &[moh("ibuprofen", 15); 3]),
        true,
        d(AS_OF),
    );
    assert_eq!(subtype_codes(&met), vec!["8.2.3"]);
    let not = classify(
        &build("2026-04-01", &[moh("ibuprofen", 14); 3]),
        true,
        d(AS_OF),
    );
    assert_eq!(not.medication_overuse.status, CriterionStatus::NotMet);
    assert!(subtype_codes(&not).is_empty());
}

#[test]
fn each_ten_day_class_names_its_subtype() {
    for (drug, code) in [
        ("ergotamine", "8.2.1"),
        ("codeine", "8.2.4"),
        ("co-codamol", "8.2.5"),
        ("rimegepant", "8.2.7"),
    ] {
        let c = classify(&build("2026-04-01", &[moh(drug, 10); 3]), true, d(AS_OF));
        assert_eq!(subtype_codes(&c), vec![code], "{drug}");
        let c = classify(&build("2026-04-01", &[moh(drug, 9); 3]), true, d(AS_OF));
        assert!(subtype_codes(&c).is_empty(), "{drug} at 9 days");
    }
    let c = classify(
        &build("2026-04-01", &[moh("rimegepant", 10); 3]),
        true,
        d(AS_OF),
    );
    assert!(
        c.medication_overuse.subtypes[0]
            .note
            .as_deref()
            .is_some_and(|n| n.contains(UNVERIFIED_MARK))
    );
}

#[test]
fn several_classes_none_overused_alone_is_8_2_6() {
    // Triptan on days 0–5, ibuprofen on days 0–9: 10 days with a listed medicine, none alone over.
    let spec = MonthSpec {
        med: Some(("sumatriptan", 6)),
        med2: Some(("ibuprofen", 10)),
        ..cm(20, 10)
    };
    let c = classify(&build("2026-04-01", &[spec; 3]), true, d(AS_OF));
    assert_eq!(subtype_codes(&c), vec!["8.2.6"]);
    // 9 days in total is not enough.
    let spec9 = MonthSpec {
        med: Some(("sumatriptan", 6)),
        med2: Some(("ibuprofen", 9)),
        ..cm(20, 10)
    };
    let c = classify(&build("2026-04-01", &[spec9; 3]), true, d(AS_OF));
    assert!(subtype_codes(&c).is_empty());
    // One class alone on 12 days is not "several classes".
    let c = classify(
        &build("2026-04-01", &[moh("ibuprofen", 12); 3]),
        true,
        d(AS_OF),
    );
    assert!(subtype_codes(&c).is_empty());
    // Triptan overused alone: 8.2.2, not 8.2.6.
    let spec = MonthSpec {
        med: Some(("sumatriptan", 10)),
        med2: Some(("ibuprofen", 5)),
        ..cm(20, 10)
    };
    let c = classify(&build("2026-04-01", &[spec; 3]), true, d(AS_OF));
    assert_eq!(subtype_codes(&c), vec!["8.2.2"]);
}

#[test]
fn several_subtypes_can_apply_at_once() {
    let spec = MonthSpec {
        med: Some(("sumatriptan", 12)),
        med2: Some(("codeine", 11)),
        ..cm(20, 10)
    };
    let c = classify(&build("2026-04-01", &[spec; 3]), true, d(AS_OF));
    assert_eq!(subtype_codes(&c), vec!["8.2.2", "8.2.4"]);
}

#[test]
fn medication_overuse_needs_fifteen_headache_days() {
    let spec = MonthSpec {
        med: Some(("sumatriptan", 12)),
        ..cm(14, 8)
    };
    let c = classify(&build("2026-04-01", &[spec; 3]), true, d(AS_OF));
    assert_eq!(c.medication_overuse.status, CriterionStatus::NotMet);
    assert!(
        c.medication_overuse
            .reasons
            .iter()
            .any(|r| r.contains("14.0 headache days"))
    );
}

#[test]
fn occipital_paroxysms_support_13_4_b1_only() {
    let spec = MonthSpec {
        paroxysm_days: 3,
        ..cm(2, 0)
    };
    let c = classify(&build("2026-04-01", &[spec; 3]), false, d(AS_OF));
    assert_eq!(c.occipital_neuralgia.status, CriterionStatus::Met);
    assert!(
        c.occipital_neuralgia
            .note
            .as_deref()
            .is_some_and(|n| n.contains("need") && n.contains(UNVERIFIED_MARK))
    );
    let none = classify(&build("2026-04-01", &[cm(2, 0); 3]), false, d(AS_OF));
    assert_eq!(none.occipital_neuralgia.status, CriterionStatus::NotMet);
}

#[test]
fn wording_never_claims_a_diagnosis() {
    let c = classify(
        &build("2026-04-01", &[moh("sumatriptan", 12); 3]),
        true,
        d(AS_OF),
    );
    for r in [
        &c.chronic_migraine,
        &c.chronic_tension_type,
        &c.medication_overuse,
        &c.occipital_neuralgia,
    ] {
        assert!(
            !r.summary.to_lowercase().contains("patient has"),
            "{}",
            r.summary
        );
        assert!(r.summary.contains("diary criteria"), "{}", r.summary);
    }
    assert!(c.months_rule.contains("3 consecutive"));
}

#[test]
fn days_after_the_as_of_date_do_not_count() {
    let diary = build("2026-04-01", &[cm(20, 10); 3]);
    // Half of June is before 15 June: June is not adequately recorded as of then.
    let c = classify(&diary, true, d("2026-06-15"));
    assert_eq!(c.chronic_migraine.status, CriterionStatus::InsufficientData);
    let june = c.chronic_migraine.months.last().expect("june");
    assert_eq!(
        (june.month.as_str(), june.recorded_days, june.adequate),
        ("2026-06", 15, false)
    );
    assert_eq!(
        classify(&diary, true, d("2026-06-30"))
            .chronic_migraine
            .status,
        CriterionStatus::Met
    );
}

#[test]
fn each_class_has_its_overuse_threshold() {
    let t = overuse_threshold(DrugClass::Triptan);
    assert_eq!(
        (t.code, t.days_per_month, t.unverified),
        ("8.2.2", 10.0, false)
    );
    let t = overuse_threshold(DrugClass::NonOpioid);
    assert_eq!((t.code, t.days_per_month), ("8.2.3", 15.0));
    for c in [DrugClass::Gepant, DrugClass::Ditan, DrugClass::Other] {
        let t = overuse_threshold(c);
        assert_eq!((t.code, t.unverified), ("8.2.7", true));
    }
    for c in DrugClass::ALL {
        assert!(overuse_threshold(c).name.contains("overuse"));
    }
}
