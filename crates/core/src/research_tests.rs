use super::*;
use crate::cohort::{CycleCourse, CycleDecisions, QuestionnaireScore, SessionCourse};
use crate::diary::{DiaryDay, DiaryDraft, Intensity, MedicationIntake, Minutes};
use crate::drugs::DrugClass;
use crate::patient::{DiagnosisCode, Sex};
use crate::response::Decision;
use crate::safety::{
    ActionTaken, AdverseEvent, AdverseEventDraft, Causality, EventOutcome, ReporterDraft,
    ReporterQualification, SuspectProductDraft,
};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

const NOTE: &str = "Migraine after Maria's wedding at 12 Elm Street";
const TERM: &str = "Neck pain after the session with Dr Ruiz";

fn window(start: &str, end: &str, completeness: f64, headache: f64) -> WindowCourse {
    WindowCourse {
        start: d(start),
        end: d(end),
        completeness,
        headache_days_per_28: Some(headache),
        migraine_days_per_28: Some(headache / 2.0),
        acute_medication_days_per_28: Some(4.0),
    }
}

fn event() -> AdverseEvent {
    AdverseEvent::try_from(AdverseEventDraft {
        reported_term: TERM.into(),
        meddra_code: Some("10028836".into()),
        onset: d("2026-06-03"),
        resolution: Some(d("2026-06-10")),
        ctcae_grade: 1,
        seriousness: vec![],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovered,
        causality: Causality::Related,
        reporter: ReporterDraft {
            given_name: Some("Ana".into()),
            family_name: Some("Ruiz".into()),
            qualification: Some(ReporterQualification::Physician),
            country: Some("es".into()),
            email: Some("ana.ruiz@example.org".into()),
        },
        awareness_date: d("2026-06-03"),
        narrative: NOTE.into(),
        suspect_products: vec![SuspectProductDraft {
            product_name: "onabotulinumtoxinA (Botox)".into(),
            lot_number: Some("C1234C3".into()),
            dose_units: Some(155.0),
            session_date: d("2026-06-01"),
        }],
    })
    .expect("valid event")
}

fn stop(rule: &str) -> Decision {
    Decision {
        rule: rule.into(),
        description: String::new(),
        outcome: DecisionOutcome::Stop,
        evidence: "evidence".into(),
        source: "source".into(),
    }
}

/// Treated 2026-06-01 and 2026-08-24 at 93: baseline 20 headache days, cycle 1 12 (−40 %), cycle 2
/// in progress.
fn course(age: u32) -> PatientCourse {
    PatientCourse {
        id: "0190a3c4-0000-7000-8000-000000000001".into(),
        sex: Some(Sex::Female),
        diagnoses: vec![DiagnosisCode::ChronicMigraine],
        first_session: Some(d("2026-06-01")),
        age_at_first_session: Some(age),
        rule_set: "nice-ta260".into(),
        baseline: Some(window("2026-05-04", "2026-05-31", 1.0, 20.0)),
        cycles: vec![
            CycleCourse {
                cycle: 1,
                session_date: d("2026-06-01"),
                complete: true,
                window: Some(window("2026-07-27", "2026-08-23", 0.9, 12.0)),
                decisions: vec![
                    CycleDecisions {
                        rule_set: "nice-ta260".into(),
                        on: d("2026-08-23"),
                        decisions: vec![stop("nice-30-after-2")],
                    },
                    CycleDecisions {
                        rule_set: "other".into(),
                        on: d("2026-08-23"),
                        decisions: vec![stop("other-rule")],
                    },
                ],
            },
            CycleCourse {
                cycle: 2,
                session_date: d("2026-08-24"),
                complete: false,
                window: None,
                decisions: vec![],
            },
        ],
        questionnaires: vec![
            QuestionnaireScore {
                instrument: Instrument::Midas,
                date: d("2026-05-20"),
                cycle: None,
                total: 40,
            },
            QuestionnaireScore {
                instrument: Instrument::Midas,
                date: d("2026-08-20"),
                cycle: Some(1),
                total: 22,
            },
        ],
        sessions: vec![
            SessionCourse {
                date: d("2026-06-01"),
                units: 155,
                sites: 31,
                follow_the_pain_units: 0,
            },
            SessionCourse {
                date: d("2026-08-24"),
                units: 195,
                sites: 39,
                follow_the_pain_units: 40,
            },
        ],
        adverse_events: vec![event()],
    }
}

fn cell<'a>(table: &TableSpec, row: &'a Row, column: &str) -> &'a Cell {
    let i = table
        .columns
        .iter()
        .position(|c| c.name == column)
        .unwrap_or_else(|| panic!("no column {column} in {}", table.name));
    &row[i]
}

fn check_shape(table: &TableSpec, rows: &[Row]) {
    for row in rows {
        assert_eq!(row.len(), table.columns.len(), "{}: {row:?}", table.name);
        for (c, spec) in row.iter().zip(table.columns) {
            assert_eq!(c.kind(), spec.kind, "{}.{}", table.name, spec.name);
        }
    }
}

fn diary() -> Diary {
    let day = |date: &str, minutes: i64, meds: Vec<MedicationIntake>| {
        DiaryDay::restore(
            d(date),
            DiaryDraft {
                date: Some(d(date)),
                headache_minutes: Minutes::new(minutes).expect("minutes"),
                peak_intensity: if minutes > 0 {
                    Intensity::Severe
                } else {
                    Intensity::None
                },
                features: Features {
                    unilateral: minutes > 0,
                    photophobia: minutes > 0,
                    ..Features::default()
                },
                medications: meds,
                paroxysms: 0,
                notes: NOTE.into(),
            },
        )
        .expect("valid day")
    };
    let med = |name: &str, class: DrugClass| MedicationIntake {
        name: name.into(),
        dose: Some("50mg".into()),
        class,
        migraine_specific: class.is_migraine_specific(),
    };
    Diary::new([
        day(
            "2026-05-30",
            240,
            vec![med("sumatriptan", DrugClass::Triptan)],
        ),
        day(
            "2026-06-01",
            60,
            vec![
                med("ibuprofen", DrugClass::NonOpioid),
                med("naproxen", DrugClass::NonOpioid),
            ],
        ),
        day("2026-06-02", 0, vec![]),
        day("2026-06-05", 0, vec![]),
    ])
    .expect("valid diary")
}

#[test]
fn every_row_has_its_tables_columns_in_order_and_type() {
    let rows = course_rows("S0001", &course(50)).expect("treated");
    check_shape(&PATIENT_CYCLES, &rows.patient_cycles);
    check_shape(&SESSIONS, &rows.sessions);
    check_shape(&ADVERSE_EVENTS, &rows.adverse_events);
    check_shape(&QUESTIONNAIRES, &rows.questionnaires);
    check_shape(
        &DIARY_DAYS,
        &diary_rows("S0001", d("2026-06-01"), &diary(), d("2026-12-01")),
    );
    assert_eq!(rows.patient_cycles.len(), 3, "baseline and two cycles");
    assert_eq!(rows.sessions.len(), 2);
    assert_eq!(rows.adverse_events.len(), 1);
    assert_eq!(rows.questionnaires.len(), 2);
}

#[test]
fn column_names_are_unique_and_the_diary_features_are_the_diarys() {
    for t in TABLES {
        let mut names: Vec<&str> = t.columns.iter().map(|c| c.name).collect();
        names.sort_unstable();
        let before = names.len();
        names.dedup();
        assert_eq!(names.len(), before, "{}", t.name);
        assert_eq!(
            t.columns[0], STUDY_ID,
            "{} starts with the study id",
            t.name
        );
    }
    let features: Vec<&str> = DIARY_DAYS.columns[4..12].iter().map(|c| c.name).collect();
    assert_eq!(features, Features::FIELDS);
}

#[test]
fn ages_above_89_are_given_as_90() {
    assert_eq!(safe_harbor_age(0), 0);
    assert_eq!(safe_harbor_age(89), 89);
    assert_eq!(safe_harbor_age(90), 90);
    assert_eq!(safe_harbor_age(91), 90);
    assert_eq!(safe_harbor_age(117), 90);
    for (age, shown) in [(89, 89), (90, 90), (93, 90)] {
        let rows = course_rows("S", &course(age)).expect("treated");
        for r in &rows.patient_cycles {
            assert_eq!(
                cell(&PATIENT_CYCLES, r, "age_at_first_session"),
                &Cell::Int(Some(shown))
            );
        }
    }
}

#[test]
fn dates_are_days_from_the_first_session() {
    let rows = course_rows("S", &course(50)).expect("treated");
    let [baseline, one, two] = &rows.patient_cycles[..] else {
        panic!("three rows")
    };
    let t = &PATIENT_CYCLES;
    assert_eq!(cell(t, baseline, "cycle"), &Cell::Int(Some(0)));
    assert_eq!(cell(t, baseline, "session_day"), &Cell::Int(None));
    assert_eq!(cell(t, baseline, "window_start_day"), &Cell::Int(Some(-28)));
    assert_eq!(cell(t, baseline, "window_end_day"), &Cell::Int(Some(-1)));
    assert_eq!(cell(t, one, "session_day"), &Cell::Int(Some(0)));
    // 2026-07-27 is 56 days after 2026-06-01; 2026-08-23 is 83.
    assert_eq!(cell(t, one, "window_start_day"), &Cell::Int(Some(56)));
    assert_eq!(cell(t, one, "window_end_day"), &Cell::Int(Some(83)));
    assert_eq!(cell(t, two, "session_day"), &Cell::Int(Some(84)));
    assert_eq!(cell(t, two, "complete"), &Cell::Bool(Some(false)));
    let s = &rows.sessions;
    assert_eq!(cell(&SESSIONS, &s[1], "day"), &Cell::Int(Some(84)));
    assert_eq!(cell(&SESSIONS, &s[1], "cycle"), &Cell::Int(Some(2)));
    let e = &rows.adverse_events[0];
    assert_eq!(cell(&ADVERSE_EVENTS, e, "onset_day"), &Cell::Int(Some(2)));
    assert_eq!(
        cell(&ADVERSE_EVENTS, e, "resolution_day"),
        &Cell::Int(Some(9))
    );
    let q = &rows.questionnaires[0];
    assert_eq!(cell(&QUESTIONNAIRES, q, "day"), &Cell::Int(Some(-12)));
    let days = diary_rows("S", d("2026-06-01"), &diary(), d("2026-06-04"));
    let numbers: Vec<&Cell> = days.iter().map(|r| cell(&DIARY_DAYS, r, "day")).collect();
    assert_eq!(
        numbers,
        [-2, 0, 1]
            .map(|n| Cell::Int(Some(n)))
            .iter()
            .collect::<Vec<_>>(),
        "days after the report date are left out"
    );
}

#[test]
fn changes_and_responders_follow_the_cohort_definitions() {
    let rows = course_rows("S", &course(50)).expect("treated");
    let t = &PATIENT_CYCLES;
    let one = &rows.patient_cycles[1];
    // 12 − 20 = −8, a 40 % reduction: met 30 %, not 50 %.
    assert_eq!(
        cell(t, one, "headache_days_change_per_28"),
        &Cell::Float(Some(-8.0))
    );
    assert_eq!(
        cell(t, one, "met_30_percent_reduction"),
        &Cell::Bool(Some(true))
    );
    assert_eq!(
        cell(t, one, "met_50_percent_reduction"),
        &Cell::Bool(Some(false))
    );
    assert_eq!(cell(t, one, "midas_total"), &Cell::Int(Some(22)));
    assert_eq!(
        cell(t, &rows.patient_cycles[0], "midas_total"),
        &Cell::Int(Some(40))
    );
    assert_eq!(
        cell(t, one, "stop_rules_met"),
        &Cell::Text(Some("nice-30-after-2".into())),
        "only the report's rule set"
    );
    let two = &rows.patient_cycles[2];
    assert_eq!(
        cell(t, two, "headache_days_change_per_28"),
        &Cell::Float(None)
    );
    assert_eq!(cell(t, two, "met_30_percent_reduction"), &Cell::Bool(None));
    assert_eq!(cell(t, two, "stop_rules_met"), &Cell::Text(None));
    // A baseline below the completeness floor is not judged against.
    let mut thin = course(50);
    thin.baseline = Some(window("2026-05-04", "2026-05-31", 0.75, 20.0));
    let rows = course_rows("S", &thin).expect("treated");
    let one = &rows.patient_cycles[1];
    assert_eq!(cell(t, one, "met_30_percent_reduction"), &Cell::Bool(None));
    assert_eq!(
        cell(t, &rows.patient_cycles[0], "adequate_diary"),
        &Cell::Bool(Some(false))
    );
}

#[test]
fn no_free_text_or_identifier_reaches_a_cell() {
    let rows = course_rows("S0001", &course(50)).expect("treated");
    let days = diary_rows("S0001", d("2026-06-01"), &diary(), d("2026-12-01"));
    let all = rows
        .patient_cycles
        .iter()
        .chain(&rows.sessions)
        .chain(&rows.adverse_events)
        .chain(&rows.questionnaires)
        .chain(&days);
    for row in all {
        for c in row {
            if let Cell::Text(Some(t)) = c {
                for secret in [
                    NOTE,
                    TERM,
                    "Ruiz",
                    "example.org",
                    "C1234C3",
                    "sumatriptan",
                    "50mg",
                    "0190a3c4",
                ] {
                    assert!(!t.contains(secret), "{t:?} holds {secret:?}");
                }
            }
        }
    }
    let first = &days[0];
    assert_eq!(
        cell(&DIARY_DAYS, first, "acute_medicine_classes"),
        &Cell::Text(Some("triptan".into()))
    );
    assert_eq!(
        cell(&DIARY_DAYS, &days[1], "acute_medicine_classes"),
        &Cell::Text(Some("non_opioid".into())),
        "a class once however many of its medicines were taken"
    );
    assert_eq!(
        cell(&DIARY_DAYS, &days[1], "acute_medicine_intakes"),
        &Cell::Int(Some(2))
    );
    assert_eq!(
        cell(&ADVERSE_EVENTS, &rows.adverse_events[0], "meddra_code"),
        &Cell::Text(Some("10028836".into()))
    );
}

#[test]
fn a_patient_never_treated_has_no_rows() {
    let mut c = course(50);
    c.first_session = None;
    assert_eq!(course_rows("S", &c), None);
}
