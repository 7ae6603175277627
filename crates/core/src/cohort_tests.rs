//! The cohort report on a hand-built golden cohort: every expected figure is worked out in the
//! comments from the courses below; intervals use t(0.975, 7) = 2.364624, t(0.975, 6) = 2.446912,
//! z = 1.959964 and the χ² quantiles χ²(0.025; 8) = 2.179731, χ²(0.975; 10) = 20.483177.

use super::*;
use crate::response::Decision;
use crate::safety::{
    ActionTaken, AdverseEventDraft, Causality, EventOutcome, ReporterDraft, ReporterQualification,
    SeriousOutcome, SuspectProductDraft,
};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

const AS_OF: &str = "2026-11-30";
/// Sessions every 84 days: cycles 1 and 2 complete (windows end 2026-08-23 and 2026-11-15),
/// cycle 3 in progress on 2026-11-30 (15 days).
const S: [&str; 3] = ["2026-06-01", "2026-08-24", "2026-11-16"];
const NICE: &str = "nice-ta260";
const REDUCTION: &str = "nice-30-after-2";

/// (completeness, headache, migraine, acute-medication days per 28); the figures are dropped
/// below the completeness floor, as the response code drops them.
type W = (f64, f64, f64, f64);

fn window(w: W) -> WindowCourse {
    let ok = w.0 >= ADEQUATE_DIARY_COMPLETENESS;
    WindowCourse {
        start: d("2026-01-01"),
        end: d("2026-01-28"),
        completeness: w.0,
        headache_days_per_28: ok.then_some(w.1),
        migraine_days_per_28: ok.then_some(w.2),
        acute_medication_days_per_28: ok.then_some(w.3),
    }
}

/// A baseline window whose figures are kept although it is below the floor: the cohort must
/// judge completeness itself.
fn window_keeping_figures(w: W) -> WindowCourse {
    WindowCourse {
        headache_days_per_28: Some(w.1),
        migraine_days_per_28: Some(w.2),
        acute_medication_days_per_28: Some(w.3),
        ..window(w)
    }
}

fn decision(outcome: DecisionOutcome) -> Decision {
    Decision {
        rule: REDUCTION.into(),
        description: "≥30 % fewer headache days after 2 cycles".into(),
        outcome,
        evidence: String::new(),
        source: "NICE TA260".into(),
    }
}

struct P {
    id: &'static str,
    sex: Sex,
    age: u32,
    dx: Vec<DiagnosisCode>,
    sessions: Vec<(&'static str, u32, u32, u32)>,
    baseline: Option<WindowCourse>,
    /// Per cycle: the window (None: in progress) and the rule's outcome at its end.
    cycles: Vec<(Option<W>, Option<DecisionOutcome>)>,
}

fn build(p: P) -> PatientCourse {
    let dates: Vec<NaiveDate> = p.sessions.iter().map(|s| d(s.0)).collect();
    let cycles = p
        .cycles
        .iter()
        .enumerate()
        .map(|(i, (w, outcome))| {
            let end = dates
                .get(i + 1)
                .map_or(d(AS_OF), |next| *next - Duration::days(1));
            CycleCourse {
                cycle: i + 1,
                session_date: dates[i],
                complete: w.is_some(),
                window: w.map(window),
                decisions: outcome
                    .map(|o| CycleDecisions {
                        rule_set: NICE.into(),
                        on: end,
                        decisions: vec![decision(o)],
                    })
                    .into_iter()
                    .collect(),
            }
        })
        .collect();
    PatientCourse {
        id: p.id.into(),
        sex: Some(p.sex),
        diagnoses: p.dx,
        first_session: dates.first().copied(),
        age_at_first_session: dates.first().map(|_| p.age),
        rule_set: NICE.into(),
        baseline: p.baseline,
        cycles,
        questionnaires: Vec::new(),
        sessions: p
            .sessions
            .iter()
            .map(|(date, units, sites, ftp)| SessionCourse {
                date: d(date),
                units: *units,
                sites: *sites,
                follow_the_pain_units: *ftp,
            })
            .collect(),
        adverse_events: Vec::new(),
    }
}

fn standard() -> Vec<(&'static str, u32, u32, u32)> {
    S.iter().map(|s| (*s, 155, 31, 0)).collect()
}

fn event(term: &str, onset: &str, serious: bool) -> AdverseEvent {
    AdverseEvent::try_from(AdverseEventDraft {
        reported_term: term.into(),
        meddra_code: None,
        onset: d(onset),
        resolution: None,
        ctcae_grade: if serious { 3 } else { 1 },
        seriousness: if serious {
            vec![SeriousOutcome::Hospitalization]
        } else {
            vec![]
        },
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovered,
        causality: Causality::Related,
        reporter: ReporterDraft {
            given_name: Some("Ana".into()),
            family_name: Some("Ruiz".into()),
            qualification: Some(ReporterQualification::Physician),
            country: Some("es".into()),
            email: None,
        },
        awareness_date: d(onset),
        narrative: "After the session.".into(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".into(),
            lot_number: None,
            dose_units: Some(155.0),
            session_date: d("2026-06-01"),
        }],
    })
    .expect("valid event")
}

fn score(
    instrument: Instrument,
    date: &str,
    cycle: Option<usize>,
    total: u32,
) -> QuestionnaireScore {
    QuestionnaireScore {
        instrument,
        date: d(date),
        cycle,
        total,
    }
}

use DecisionOutcome::{Continue, NotYetApplicable as NotYet, Stop, Unknown};
const CM: DiagnosisCode = DiagnosisCode::ChronicMigraine;

/// Twelve patients. Headache/migraine/acute days per 28 (baseline → cycle 1 → cycle 2):
///
/// | id  | sex | age | baseline        | cycle 1        | cycle 2        | notes |
/// |-----|-----|-----|-----------------|----------------|----------------|-------|
/// | P01 | F | 40 | 20/12/10         | 10/6/5          | 8/4/4          | 2 neck pain AEs |
/// | P02 | F | 35 | 16/10/8          | 12/8/6          | 12/7/6         | |
/// | P03 | M | 50 | 24/14/12         | 20/12/10        | 18/10/9        | |
/// | P04 | F | 45 | 28/20/20         | 14/10/10        | 14/8/8         | 8.2 too; 195 U, 39 sites, 40 U follow-the-pain; ptosis |
/// | P05 | M | 60 | 18/9/6           | 18/9/6          | 16/8/6         | serious dysphagia |
/// | P06 | F | 30 | 0.79 complete    | 10/5/5          | 10/5/5         | baseline inadequate |
/// | P07 | F | 55 | 0.80: 22/11/11   | 0.80: 11/6/6    | 0.5 complete   | |
/// | P08 | M | 42 | 15/8/7           | 14/7/7          | 9/4/3          | sessions 92 days apart |
/// | P09 | F | 38 | 20/10/10         | 14/7/6          | 15/8/7         | sessions 91 days apart |
/// | P10 | M | 65 | 18/9/9           | 0.0 complete    | —              | one session 2026-01-05 |
/// | P11 | F | 33 | —                | —               | —              | never treated |
/// | P12 | M | 48 | not recorded     | 10/5/5          | 10/5/5         | |
fn golden() -> Vec<PatientCourse> {
    let full = |h, m, a| Some((1.0, h, m, a));
    let mut courses = vec![
        build(P {
            id: "P01",
            sex: Sex::Female,
            age: 40,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((1.0, 20.0, 12.0, 10.0))),
            cycles: vec![
                (full(10.0, 6.0, 5.0), Some(NotYet)),
                (full(8.0, 4.0, 4.0), Some(Continue)),
                (None, None),
            ],
        }),
        build(P {
            id: "P02",
            sex: Sex::Female,
            age: 35,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((1.0, 16.0, 10.0, 8.0))),
            cycles: vec![
                (full(12.0, 8.0, 6.0), Some(NotYet)),
                (full(12.0, 7.0, 6.0), Some(Stop)),
                (None, None),
            ],
        }),
        build(P {
            id: "P03",
            sex: Sex::Male,
            age: 50,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((1.0, 24.0, 14.0, 12.0))),
            cycles: vec![
                (full(20.0, 12.0, 10.0), Some(NotYet)),
                (full(18.0, 10.0, 9.0), Some(Stop)),
                (None, None),
            ],
        }),
        build(P {
            id: "P04",
            sex: Sex::Female,
            age: 45,
            dx: vec![CM, DiagnosisCode::MedicationOveruse],
            sessions: S.iter().map(|s| (*s, 195, 39, 40)).collect(),
            baseline: Some(window((1.0, 28.0, 20.0, 20.0))),
            cycles: vec![
                (full(14.0, 10.0, 10.0), Some(NotYet)),
                (full(14.0, 8.0, 8.0), Some(Continue)),
                (None, None),
            ],
        }),
        build(P {
            id: "P05",
            sex: Sex::Male,
            age: 60,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((1.0, 18.0, 9.0, 6.0))),
            cycles: vec![
                (full(18.0, 9.0, 6.0), Some(NotYet)),
                (full(16.0, 8.0, 6.0), Some(Stop)),
                (None, None),
            ],
        }),
        build(P {
            id: "P06",
            sex: Sex::Female,
            age: 30,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window_keeping_figures((0.79, 20.0, 10.0, 10.0))),
            cycles: vec![
                (full(10.0, 5.0, 5.0), Some(NotYet)),
                (full(10.0, 5.0, 5.0), Some(Unknown)),
                (None, None),
            ],
        }),
        build(P {
            id: "P07",
            sex: Sex::Female,
            age: 55,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((0.80, 22.0, 11.0, 11.0))),
            cycles: vec![
                (Some((0.80, 11.0, 6.0, 6.0)), Some(NotYet)),
                (Some((0.5, 0.0, 0.0, 0.0)), Some(Unknown)),
                (None, None),
            ],
        }),
        build(P {
            id: "P08",
            sex: Sex::Male,
            age: 42,
            dx: vec![CM],
            sessions: vec![("2026-06-01", 155, 31, 0), ("2026-09-01", 155, 31, 0)],
            baseline: Some(window((1.0, 15.0, 8.0, 7.0))),
            cycles: vec![
                (full(14.0, 7.0, 7.0), Some(NotYet)),
                (full(9.0, 4.0, 3.0), Some(Continue)),
            ],
        }),
        build(P {
            id: "P09",
            sex: Sex::Female,
            age: 38,
            dx: vec![CM],
            sessions: vec![("2026-06-01", 155, 31, 0), ("2026-08-31", 155, 31, 0)],
            baseline: Some(window((1.0, 20.0, 10.0, 10.0))),
            cycles: vec![
                (full(14.0, 7.0, 6.0), Some(NotYet)),
                (full(15.0, 8.0, 7.0), Some(Stop)),
            ],
        }),
        build(P {
            id: "P10",
            sex: Sex::Male,
            age: 65,
            dx: vec![CM],
            sessions: vec![("2026-01-05", 155, 31, 0)],
            baseline: Some(window((1.0, 18.0, 9.0, 9.0))),
            cycles: vec![(Some((0.0, 0.0, 0.0, 0.0)), Some(NotYet))],
        }),
        build(P {
            id: "P11",
            sex: Sex::Female,
            age: 33,
            dx: vec![CM],
            sessions: vec![],
            baseline: None,
            cycles: vec![],
        }),
        build(P {
            id: "P12",
            sex: Sex::Male,
            age: 48,
            dx: vec![CM],
            sessions: standard(),
            baseline: Some(window((0.0, 0.0, 0.0, 0.0))),
            cycles: vec![
                (full(10.0, 5.0, 5.0), Some(NotYet)),
                (full(10.0, 5.0, 5.0), Some(Unknown)),
                (None, None),
            ],
        }),
    ];
    // Questionnaires. P01: MIDAS 40 at baseline, 20 in cycle 1, 10 in cycle 2; HIT-6 64 → 58.
    // P02: MIDAS 30 on 2026-01-15, more than 90 days before the first session: no baseline.
    // P04: MIDAS 60 then 50 at baseline (the latest counts), 36 in cycle 1.
    courses[0].questionnaires = vec![
        score(Instrument::Midas, "2026-05-20", None, 40),
        score(Instrument::Midas, "2026-08-01", Some(1), 20),
        score(Instrument::Midas, "2026-11-01", Some(2), 10),
        score(Instrument::Hit6, "2026-05-31", None, 64),
        score(Instrument::Hit6, "2026-08-01", Some(1), 58),
    ];
    courses[1].questionnaires = vec![
        score(Instrument::Midas, "2026-01-15", None, 30),
        score(Instrument::Midas, "2026-08-01", Some(1), 20),
    ];
    courses[3].questionnaires = vec![
        score(Instrument::Midas, "2026-05-25", None, 60),
        score(Instrument::Midas, "2026-05-30", None, 50),
        score(Instrument::Midas, "2026-08-20", Some(1), 36),
    ];
    courses[0].adverse_events = vec![
        event("Neck pain", "2026-06-03", false),
        event("neck pain.", "2026-08-26", false),
    ];
    courses[3].adverse_events = vec![event("Eyelid ptosis", "2026-06-05", false)];
    courses[4].adverse_events = vec![event("Dysphagia", "2026-06-10", true)];
    courses
}

fn report(courses: &[PatientCourse], selection: &Selection) -> CohortReport {
    cohort_report(
        courses,
        selection,
        &CohortOptions::default(),
        NICE,
        d(AS_OF),
    )
    .expect("report")
}

fn close(actual: f64, expected: f64) {
    assert!(
        (actual - expected).abs() < 1e-6,
        "{actual} is not {expected}"
    );
}

fn interval(i: Option<Interval>, low: f64, high: f64) {
    let i = i.expect("an interval");
    close(i.low, low);
    close(i.high, high);
}

fn proportion(p: &Option<Proportion>, successes: u64, n: u64) -> Proportion {
    let p = p.expect("a proportion");
    assert_eq!((p.successes, p.n), (successes, n));
    p
}

#[test]
fn golden_cohort_who_is_in_and_out() {
    let r = report(&golden(), &Selection::default());
    // 12 given; P11 never treated; P06 (0.79), P12 (not recorded) without an adequate baseline.
    assert_eq!(r.patients.considered, 12);
    assert_eq!(r.patients.selected, 11);
    assert_eq!(r.patients.excluded.len(), 1);
    assert_eq!(r.patients.excluded[0].reason, ExclusionReason::NoSession);
    assert_eq!(r.patients.excluded[0].patients, 1);
    assert_eq!(r.patients.without_adequate_baseline, 2);
}

#[test]
fn golden_cohort_cycle_1() {
    let r = report(&golden(), &Selection::default());
    assert_eq!(r.cycles.len(), 3);
    let c = &r.cycles[0];
    // Treated: the 11 selected. Adequate: P01–P05, P07 (0.80 both), P08, P09 = 8. Insufficient:
    // P06 (baseline 0.79), P10 (cycle 0.0), P12 (baseline 0.0) = 3.
    assert_eq!(
        (
            c.treated,
            c.in_progress,
            c.adequate_diary,
            c.insufficient_diary_data
        ),
        (11, 0, 8, 3)
    );
    // Baseline (20+16+24+28+18+22+15+20)/8 = 20.375; cycle (10+12+20+14+18+11+14+14)/8 = 14.125.
    close(c.baseline_headache_days.expect("mean").mean, 20.375);
    close(c.headache_days.expect("mean").mean, 14.125);
    // Changes −10, −4, −4, −14, 0, −11, −1, −6: mean −6.25, sd √(173.5/7) = 4.978525,
    // ± 2.364624 · 4.978525/√8 = ± 4.162152 → −10.412151 to −2.087849.
    let h = c.headache_days_change.expect("mean");
    assert_eq!(h.n, 8);
    close(h.mean, -6.25);
    close(h.sd.expect("sd"), 4.978_525_312_350_464);
    interval(h.interval, -10.412_151_319_988_082, -2.087_848_680_011_918);
    // Migraine −6, −2, −2, −10, 0, −5, −1, −3 = −29/8; acute −5, −2, −2, −10, 0, −5, 0, −4 = −28/8.
    close(c.migraine_days_change.expect("mean").mean, -3.625);
    close(c.acute_medication_days_change.expect("mean").mean, -3.5);
    // ≥30 %: P01 50 %, P04 50 %, P07 50 %, P09 exactly 30 % (20 → 14) = 4/8; Wilson 0.215216–0.784784.
    let m30 = proportion(&c.met_30_percent_reduction, 4, 8);
    close(m30.interval.low, 0.215_216_062_213_877_57);
    close(m30.interval.high, 0.784_783_937_786_122_4);
    // ≥50 %: P01, P04, P07 (exactly 50 %) = 3/8; Wilson 0.136844–0.694258.
    let m50 = proportion(&c.met_50_percent_reduction, 3, 8);
    close(m50.interval.low, 0.136_844_285_823_597_42);
    close(m50.interval.high, 0.694_257_605_397_372_7);
    // Below 15: 10, 12, 14, 11, 14, 14 (not 20 or 18) = 6/8; Wilson 0.409275–0.928521.
    let b = proportion(&c.below_15_headache_days, 6, 8);
    close(b.interval.low, 0.409_275_430_310_168_83);
    close(b.interval.high, 0.928_520_787_247_890_9);
    // Of the 4 who met ≥30 %, all below 15.
    proportion(&c.below_15_among_met_30, 4, 4);
    // MIDAS: P01 20 − 40 = −20, P04 36 − 50 = −14 → −17, n 2; P02's baseline is too old.
    let midas = &c.questionnaires[0];
    assert_eq!(midas.instrument, Instrument::Midas);
    assert_eq!(midas.without_pair, 9);
    let m = midas.change.expect("mean");
    assert_eq!(m.n, 2);
    close(m.mean, -17.0);
    // HIT-6: P01 58 − 64 = −6, one patient: no interval.
    let hit6 = c.questionnaires[1].change.expect("mean");
    assert_eq!((hit6.n, hit6.interval), (1, None));
    close(hit6.mean, -6.0);
    assert!(c.comparators.is_empty());
}

#[test]
fn golden_cohort_cycle_2_with_its_benchmarks() {
    let r = report(&golden(), &Selection::default());
    let c = &r.cycles[1];
    // Treated: all but P10 = 10. Adequate: P01–P05, P08, P09 = 7; insufficient: P06, P07 (0.5),
    // P12 = 3.
    assert_eq!(
        (
            c.treated,
            c.in_progress,
            c.adequate_diary,
            c.insufficient_diary_data
        ),
        (10, 0, 7, 3)
    );
    // Changes −12, −4, −6, −14, −2, −6, −5: mean −7, sd √(114/6) = 4.358899,
    // ± 2.446912 · 4.358899/√7 → −11.031309 to −2.968691.
    let h = c.headache_days_change.expect("mean");
    close(h.mean, -7.0);
    interval(
        h.interval,
        -11.031_309_155_281_592,
        -2.968_690_844_718_407_7,
    );
    // ≥30 %: P01 60 %, P04 50 %, P08 40 % = 3/7; ≥50 %: P01, P04 = 2/7.
    let m30 = proportion(&c.met_30_percent_reduction, 3, 7);
    close(m30.interval.low, 0.158_219_855_251_469_75);
    close(m30.interval.high, 0.749_541_635_472_342_8);
    proportion(&c.met_50_percent_reduction, 2, 7);
    // Below 15: 8, 12, 14, 9 = 4/7 (P09's 15 is not below 15); of the 3 at ≥30 %, all 3.
    proportion(&c.below_15_headache_days, 4, 7);
    proportion(&c.below_15_among_met_30, 3, 3);
    // MIDAS: P01 10 − 40 = −30 only.
    close(c.questionnaires[0].change.expect("mean").mean, -30.0);
    // Cycle 2 stands beside PREEMPT (week 24) and the Guy's and St Thomas' audit.
    let studies: Vec<&str> = c.comparators.iter().map(|x| x.study).collect();
    assert!(studies.contains(&"PREEMPT 2 (Diener 2010)"));
    let preempt_50 = c
        .comparators
        .iter()
        .find(|x| x.value == PREEMPT_POOLED_RESPONDER_50_PERCENT_WEEK_24)
        .expect("PREEMPT pooled ≥50 %");
    assert_eq!(preempt_50.mark(), UNVERIFIED_MARK);
    // Cycle 3: 8 treated, all in progress, no figures.
    let c3 = &r.cycles[2];
    assert_eq!((c3.treated, c3.in_progress, c3.adequate_diary), (8, 8, 0));
    assert_eq!(c3.headache_days_change, None);
    assert_eq!(c3.met_30_percent_reduction, None);
}

#[test]
fn golden_cohort_persistence() {
    let r = report(&golden(), &Selection::default());
    let p = &r.persistence;
    // Stop decisions under nice-ta260 at the end of cycle 2: P02, P03, P05 on 2026-11-15 (167
    // days after 2026-06-01), P09 on 2026-11-30 (182 days). P10: one session on 2026-01-05 and
    // none for more than 183 days: stopped on 2026-07-07 (183 days). Censored on 2026-11-30 at
    // 182 days: P01, P04, P06, P07, P08, P12.
    assert_eq!(p.patients, 11);
    assert_eq!(
        (p.stopped_by_rule, p.stopped_by_gap, p.still_on_treatment),
        (4, 1, 6)
    );
    assert_eq!(p.gap_mark, Some(UNVERIFIED_MARK));
    // Kaplan–Meier: 167 d: 3 of 11 → 8/11; 182 d: 1 of 8 → 7/11 (6 censored after it); 183 d:
    // 1 of 1 → 0. Median: 183 days = 183/30.4375 months.
    let s = &p.curve.steps;
    assert_eq!(s.len(), 3);
    close(s[0].time, 167.0 / DAYS_PER_MONTH);
    assert_eq!((s[0].at_risk, s[0].events), (11, 3));
    close(s[0].survival, 8.0 / 11.0);
    assert_eq!((s[1].at_risk, s[1].events, s[1].censored), (8, 1, 6));
    close(s[1].survival, 7.0 / 11.0);
    close(s[2].survival, 0.0);
    close(p.median_months.expect("median"), 183.0 / DAYS_PER_MONTH);
    // At risk: 11 at 0 and 3 months; at 6 months (182.6 days) only P10 (183 days).
    let at = |m: f64| p.at_risk.iter().find(|a| a.months == m).expect("row");
    assert_eq!(at(0.0).at_risk, 11);
    assert_eq!(at(3.0).at_risk, 11);
    assert_eq!(at(6.0).at_risk, 1);
    close(at(6.0).on_treatment, 7.0 / 11.0);
    assert_eq!(at(12.0).at_risk, 0);
}

#[test]
fn golden_cohort_sessions() {
    let r = report(&golden(), &Selection::default());
    let s = &r.sessions;
    // 8 patients × 3 + P08 2 + P09 2 + P10 1 = 29 sessions; P04's 3 at 195 U / 39 sites.
    assert_eq!(s.sessions, 29);
    // Units (26 · 155 + 3 · 195)/29 = 4615/29; sites (26 · 31 + 3 · 39)/29 = 923/29.
    close(s.units.expect("mean").mean, 4615.0 / 29.0);
    close(s.sites.expect("mean").mean, 923.0 / 29.0);
    let u = s.units_range.expect("range");
    assert_eq!((u.min, u.median, u.max), (155.0, 155.0, 195.0));
    // Intervals: 16 of 84 days, P09's 91, P08's 92: median 84; only 92 is longer than 13 weeks.
    let i = s.interval_days.expect("intervals");
    assert_eq!((i.n, i.min, i.median, i.max), (18, 84.0, 84.0, 92.0));
    let long = proportion(&s.intervals_over_13_weeks, 1, 18);
    close(long.interval.low, 0.009_875_190_978_303_097);
    close(long.interval.high, 0.257_573_007_818_725_94);
    // Patients with an interval: 10; with a long one: P08 alone (REPOSE's figure is per patient).
    let patients = proportion(&s.patients_with_interval_over_13_weeks, 1, 10);
    close(patients.interval.low, 0.017_876_213_095_072_896);
    close(patients.interval.high, 0.404_150_026_795_238_5);
    // Follow-the-pain: P04's 3 sessions of 29, 40 U each.
    proportion(&s.follow_the_pain_sessions, 3, 29);
    let ftp = s.follow_the_pain_units.expect("mean");
    assert_eq!((ftp.n, ftp.mean), (3, 40.0));
    assert_eq!(s.comparators.len(), 3);
}

#[test]
fn golden_cohort_decisions_per_cycle() {
    let r = report(&golden(), &Selection::default());
    assert_eq!(r.decisions.len(), 1);
    let set = &r.decisions[0];
    assert_eq!(set.rule_set, NICE);
    let rule = &set.rules[0];
    assert_eq!(rule.rule, REDUCTION);
    // Cycle 1: the 11 completed cycles, the rule not yet applicable.
    assert_eq!(
        rule.by_cycle[0],
        OutcomeCounts {
            cycle: 1,
            not_yet_applicable: 11,
            ..OutcomeCounts::default()
        }
    );
    // Cycle 2: met P01, P04, P08; not met P02, P03, P05, P09; unknown P06, P07, P12.
    assert_eq!(
        rule.by_cycle[1],
        OutcomeCounts {
            cycle: 2,
            met: 3,
            not_met: 4,
            unknown: 3,
            ..OutcomeCounts::default()
        }
    );
    // Cycle 3 is in progress everywhere: no decisions.
    assert_eq!(
        rule.by_cycle[2],
        OutcomeCounts {
            cycle: 3,
            ..OutcomeCounts::default()
        }
    );
}

#[test]
fn golden_cohort_adverse_events() {
    let r = report(&golden(), &Selection::default());
    let s = &r.safety;
    // 4 events over 29 sessions: 13.793103 per 100; Garwood 2.179731/2 to 20.483177/2 events
    // → 3.758156 to 35.315823 per 100 sessions.
    assert_eq!((s.sessions, s.all.events), (29, 4));
    let rate = s.all.per_100_sessions.expect("rate");
    close(rate.rate, 400.0 / 29.0);
    assert!((rate.interval.low - 3.758_156).abs() < 1e-5);
    assert!((rate.interval.high - 35.315_823).abs() < 1e-5);
    // Patients with at least one: P01, P04, P05 = 3/11 (Clopper–Pearson).
    proportion(&s.all.patients, 3, 11);
    // Serious: P05's dysphagia, 1 event, 1 patient; non-serious 3 events in 2 patients.
    assert_eq!(s.serious.events, 1);
    proportion(&s.serious.patients, 1, 11);
    assert_eq!(s.non_serious.events, 3);
    proportion(&s.non_serious.patients, 2, 11);
    // By term: "neck pain" twice (one patient), then dysphagia and eyelid ptosis alphabetically.
    let terms: Vec<(&str, u64, u64)> = s
        .by_term
        .iter()
        .map(|t| {
            (
                t.term.as_str(),
                t.figures.events,
                t.figures.patients.expect("share").successes,
            )
        })
        .collect();
    assert_eq!(
        terms,
        [
            ("neck pain", 2, 1),
            ("dysphagia", 1, 1),
            ("eyelid ptosis", 1, 1)
        ]
    );
    assert_eq!(s.by_term[1].serious_events, 1);
    // Beside the label's neck pain (any causality): 1 patient of 11.
    let neck = s
        .comparisons
        .iter()
        .find(|c| c.published.name == "neck pain")
        .expect("label neck pain");
    proportion(&neck.clinic_patients, 1, 11);
}

#[test]
fn filters_count_each_excluded_patient_once_under_the_first_filter_failed() {
    let courses = golden();
    // Medication-overuse headache: only P04; P11 is out for having no session first.
    let r = report(
        &courses,
        &Selection {
            diagnosis: Some(DiagnosisCode::MedicationOveruse),
            ..Selection::default()
        },
    );
    assert_eq!(r.patients.selected, 1);
    let out: Vec<(ExclusionReason, u64)> = r
        .patients
        .excluded
        .iter()
        .map(|e| (e.reason, e.patients))
        .collect();
    assert_eq!(
        out,
        [
            (ExclusionReason::NoSession, 1),
            (ExclusionReason::Diagnosis, 10)
        ]
    );
    // Age 40–50 at the first session: P01 (40), P03 (50), P04, P08, P12 — both ends included.
    let r = report(
        &courses,
        &Selection {
            age: Some((40, 50)),
            ..Selection::default()
        },
    );
    assert_eq!(r.patients.selected, 5);
    // First session in June 2026: all but P10 (January).
    let r = report(
        &courses,
        &Selection {
            first_session: Some((d("2026-06-01"), d("2026-06-30"))),
            sex: Some(Sex::Female),
            ..Selection::default()
        },
    );
    // Women with a June start: P01, P02, P04, P06, P07, P09; men are out under sex.
    assert_eq!(r.patients.selected, 6);
    let out: Vec<(ExclusionReason, u64)> = r
        .patients
        .excluded
        .iter()
        .map(|e| (e.reason, e.patients))
        .collect();
    assert_eq!(
        out,
        [
            (ExclusionReason::NoSession, 1),
            (ExclusionReason::FirstSession, 1),
            (ExclusionReason::Sex, 4)
        ]
    );
}

#[test]
fn an_empty_selection_gives_a_report_without_figures() {
    let r = report(
        &golden(),
        &Selection {
            age: Some((90, 99)),
            ..Selection::default()
        },
    );
    assert_eq!(r.patients.selected, 0);
    assert!(r.cycles.is_empty());
    assert_eq!(r.persistence.patients, 0);
    assert_eq!(r.persistence.median_months, None);
    assert_eq!(r.sessions.units, None);
    assert_eq!(r.safety.all.per_100_sessions, None);
    assert_eq!(r.safety.all.patients, None);
}

/// One patient with a single cycle: baseline and cycle windows as given.
fn one_cycle(id: &'static str, baseline: W, cycle: W) -> PatientCourse {
    build(P {
        id,
        sex: Sex::Female,
        age: 40,
        dx: vec![CM],
        sessions: vec![("2026-06-01", 155, 31, 0)],
        baseline: Some(window_keeping_figures(baseline)),
        cycles: vec![(Some(cycle), None)],
    })
}

#[test]
fn completeness_079_is_insufficient_and_080_adequate() {
    assert!(!window_keeping_figures((0.79, 20.0, 10.0, 5.0)).is_adequate());
    assert!(window((0.80, 20.0, 10.0, 5.0)).is_adequate());
    // 23.2/29 in floating point is a hair below 0.8 and still counts.
    assert!(window_keeping_figures((23.2 / 29.0, 20.0, 10.0, 5.0)).is_adequate());
    let courses = [
        one_cycle("a", (0.79, 20.0, 10.0, 5.0), (1.0, 10.0, 5.0, 2.0)),
        one_cycle("b", (0.80, 20.0, 10.0, 5.0), (0.79, 10.0, 5.0, 2.0)),
        one_cycle("c", (0.80, 20.0, 10.0, 5.0), (0.80, 10.0, 5.0, 2.0)),
    ];
    let c = &report(&courses, &Selection::default()).cycles[0];
    assert_eq!((c.adequate_diary, c.insufficient_diary_data), (1, 2));
}

#[test]
fn a_29_percent_reduction_is_not_30_and_30_is() {
    let courses = [
        one_cycle("a", (1.0, 20.0, 10.0, 5.0), (1.0, 14.2, 5.0, 2.0)),
        one_cycle("b", (1.0, 20.0, 10.0, 5.0), (1.0, 14.0, 5.0, 2.0)),
        one_cycle("c", (1.0, 20.0, 10.0, 5.0), (1.0, 10.2, 5.0, 2.0)),
        one_cycle("d", (1.0, 20.0, 10.0, 5.0), (1.0, 10.0, 5.0, 2.0)),
    ];
    let c = &report(&courses, &Selection::default()).cycles[0];
    // 29 % and 30 %; 49 % and 50 %.
    proportion(&c.met_30_percent_reduction, 3, 4);
    proportion(&c.met_50_percent_reduction, 1, 4);
}

#[test]
fn fourteen_headache_days_are_below_15_and_fifteen_are_not() {
    let courses = [
        one_cycle("a", (1.0, 20.0, 10.0, 5.0), (1.0, 14.0, 5.0, 2.0)),
        one_cycle("b", (1.0, 20.0, 10.0, 5.0), (1.0, 15.0, 5.0, 2.0)),
    ];
    let c = &report(&courses, &Selection::default()).cycles[0];
    proportion(&c.below_15_headache_days, 1, 2);
}

#[test]
fn an_interval_of_91_days_is_not_longer_than_13_weeks_and_92_is() {
    let two = |id, second| {
        build(P {
            id,
            sex: Sex::Male,
            age: 50,
            dx: vec![CM],
            sessions: vec![("2026-01-01", 155, 31, 0), (second, 155, 31, 0)],
            baseline: None,
            cycles: vec![(None, None), (None, None)],
        })
    };
    // 2026-01-01 + 91 days = 2026-04-02; + 92 = 2026-04-03.
    let courses = [two("a", "2026-04-02"), two("b", "2026-04-03")];
    let s = report(&courses, &Selection::default()).sessions;
    proportion(&s.intervals_over_13_weeks, 1, 2);
    proportion(&s.patients_with_interval_over_13_weeks, 1, 2);
}

#[test]
fn time_on_treatment_ends_after_more_than_the_gap_without_a_session() {
    let single = |as_of: &str| {
        let c = build(P {
            id: "a",
            sex: Sex::Male,
            age: 50,
            dx: vec![CM],
            sessions: vec![("2026-01-01", 155, 31, 0)],
            baseline: None,
            cycles: vec![(None, None)],
        });
        cohort_report(
            &[c],
            &Selection::default(),
            &CohortOptions::default(),
            NICE,
            d(as_of),
        )
        .expect("report")
        .persistence
    };
    // 183 days after the only session: not yet stopped, censored at 183 days.
    let p = single("2026-07-03");
    assert_eq!((p.still_on_treatment, p.stopped_by_gap), (1, 0));
    // 184 days: stopped, at 183 days.
    let p = single("2026-07-04");
    assert_eq!((p.still_on_treatment, p.stopped_by_gap), (0, 1));
    close(p.curve.steps[0].time, 183.0 / DAYS_PER_MONTH);
    // A gap of 184 days between sessions ends the course at the first of them + 183.
    let c = build(P {
        id: "b",
        sex: Sex::Male,
        age: 50,
        dx: vec![CM],
        sessions: vec![("2026-01-01", 155, 31, 0), ("2026-07-04", 155, 31, 0)],
        baseline: None,
        cycles: vec![(None, None), (None, None)],
    });
    let p = cohort_report(
        &[c],
        &Selection::default(),
        &CohortOptions {
            discontinuation_gap_days: 183,
            ..CohortOptions::default()
        },
        NICE,
        d("2026-08-01"),
    )
    .expect("report")
    .persistence;
    assert_eq!(p.stopped_by_gap, 1);
    close(p.curve.steps[0].time, 183.0 / DAYS_PER_MONTH);
    // Another gap is not the unverified default any more.
    let other = cohort_report(
        &[],
        &Selection::default(),
        &CohortOptions {
            discontinuation_gap_days: 120,
            ..CohortOptions::default()
        },
        NICE,
        d("2026-08-01"),
    )
    .expect("report");
    assert_eq!(other.persistence.gap_mark, None);
    assert_eq!(
        cohort_report(
            &[],
            &Selection::default(),
            &CohortOptions {
                discontinuation_gap_days: 0,
                ..CohortOptions::default()
            },
            NICE,
            d("2026-08-01"),
        ),
        Err(CohortError::Gap(0))
    );
}
