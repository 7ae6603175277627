use super::*;

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn product(session: &str) -> SuspectProductDraft {
    SuspectProductDraft {
        product_name: "onabotulinumtoxinA (Botox)".into(),
        lot_number: Some("C1234AB".into()),
        dose_units: Some(155.0),
        session_date: d(session),
    }
}

fn reporter() -> ReporterDraft {
    ReporterDraft {
        given_name: Some("Ana".into()),
        family_name: Some("Ruiz".into()),
        qualification: Some(ReporterQualification::Physician),
        country: Some("es".into()),
        email: Some("a.ruiz@clinic.example".into()),
    }
}

fn draft() -> AdverseEventDraft {
    AdverseEventDraft {
        reported_term: "Neck pain".into(),
        meddra_code: Some("10028836".into()),
        onset: d("2026-02-03"),
        resolution: Some(d("2026-02-10")),
        ctcae_grade: 1,
        seriousness: vec![],
        action_taken: ActionTaken::DoseNotChanged,
        outcome: EventOutcome::Recovered,
        causality: Causality::Related,
        reporter: reporter(),
        awareness_date: d("2026-02-04"),
        narrative: "Neck pain two days after the session, eased with paracetamol.".into(),
        suspect_products: vec![product("2026-02-01")],
    }
}

fn event(f: impl FnOnce(&mut AdverseEventDraft)) -> AdverseEvent {
    let mut dr = draft();
    f(&mut dr);
    AdverseEvent::try_from(dr).expect("valid event")
}

fn event_err(f: impl FnOnce(&mut AdverseEventDraft)) -> SafetyError {
    let mut dr = draft();
    f(&mut dr);
    AdverseEvent::try_from(dr).expect_err("invalid event")
}

fn patient() -> IcsrPatient {
    IcsrPatient::try_from(IcsrPatientDraft {
        initials: Some("JD".into()),
        identifier: Some("MRN-0042".into()),
        date_of_birth: Some(d("1984-05-10")),
        age_years: None,
        sex: Some(Sex::Female),
        weight_kg: Some(61.5),
    })
    .expect("valid patient")
}

#[test]
fn a_complete_draft_becomes_an_event_with_trimmed_fields() {
    let e = event(|dr| dr.reported_term = "  Neck pain ".into());
    assert_eq!(e.reported_term(), "Neck pain");
    assert_eq!(e.meddra_code().map(MeddraCode::as_str), Some("10028836"));
    assert_eq!(e.reporter().country().map(CountryCode::as_str), Some("ES"));
    assert_eq!(e.reporter().display_name().as_deref(), Some("Ruiz, Ana"));
    assert_eq!(e.suspect_products().len(), 1);
    assert_eq!(
        e.suspect_products()[0].dose_units().map(DoseUnits::get),
        Some(155.0)
    );
    assert!(!e.is_serious());
}

#[test]
fn ctcae_grade_accepts_one_to_five_only() {
    assert_eq!(
        event_err(|dr| dr.ctcae_grade = 0),
        SafetyError::GradeOutOfRange(0)
    );
    assert_eq!(event(|dr| dr.ctcae_grade = 1).ctcae_grade().get(), 1);
    let fatal = event(|dr| {
        dr.ctcae_grade = 5;
        dr.outcome = EventOutcome::Fatal;
        dr.seriousness = vec![SeriousOutcome::Death];
    });
    assert_eq!(fatal.ctcae_grade().get(), 5);
    let err = event_err(|dr| dr.ctcae_grade = 6);
    assert_eq!(err, SafetyError::GradeOutOfRange(6));
    assert_eq!(err.field(), "ctcae_grade");
    assert_eq!(
        event_err(|dr| dr.ctcae_grade = -1),
        SafetyError::GradeOutOfRange(-1)
    );
}

#[test]
fn grade_five_is_death_and_fatal_needs_the_death_outcome() {
    let err = event_err(|dr| dr.ctcae_grade = 5);
    assert_eq!(err, SafetyError::GradeFiveNotFatal(EventOutcome::Recovered));
    assert_eq!(err.field(), "outcome");
    let err = event_err(|dr| {
        dr.ctcae_grade = 4;
        dr.outcome = EventOutcome::Fatal;
        dr.seriousness = vec![SeriousOutcome::Hospitalization];
    });
    assert_eq!(err, SafetyError::FatalWithoutDeath);
}

#[test]
fn severity_and_seriousness_are_independent() {
    let mild_but_serious = event(|dr| {
        dr.ctcae_grade = 1;
        dr.seriousness = vec![SeriousOutcome::OtherImportantMedicalEvent];
    });
    assert!(mild_but_serious.is_serious());
    let severe_not_serious = event(|dr| dr.ctcae_grade = 3);
    assert!(!severe_not_serious.is_serious());
    let twice = event(|dr| {
        dr.seriousness = vec![
            SeriousOutcome::Hospitalization,
            SeriousOutcome::Hospitalization,
        ]
    });
    assert_eq!(twice.seriousness().outcomes().count(), 1);
}

/// A change to the default draft.
type Change = Box<dyn FnOnce(&mut AdverseEventDraft)>;

#[test]
fn each_field_error_names_its_field() {
    let cases: Vec<(Change, &str)> = vec![
        (
            Box::new(|dr| dr.reported_term = "  ".into()),
            "reported_term",
        ),
        (
            Box::new(|dr| dr.meddra_code = Some("1002883".into())),
            "meddra_code",
        ),
        (
            Box::new(|dr| dr.meddra_code = Some("1002883X".into())),
            "meddra_code",
        ),
        (
            Box::new(|dr| dr.resolution = Some(d("2026-02-02"))),
            "resolution",
        ),
        (
            Box::new(|dr| dr.awareness_date = d("2026-02-02")),
            "awareness_date",
        ),
        (
            Box::new(|dr| dr.reporter.country = Some("ESP".into())),
            "reporter.country",
        ),
        (
            Box::new(|dr| dr.reporter.email = Some("ruiz at clinic".into())),
            "reporter.email",
        ),
        (
            Box::new(|dr| dr.suspect_products[0].product_name = " ".into()),
            "suspect_products.product_name",
        ),
        (
            Box::new(|dr| dr.suspect_products[0].dose_units = Some(0.0)),
            "suspect_products.dose_units",
        ),
        (
            Box::new(|dr| dr.suspect_products[0].dose_units = Some(f64::NAN)),
            "suspect_products.dose_units",
        ),
    ];
    for (change, field) in cases {
        let mut dr = draft();
        change(&mut dr);
        let err = AdverseEvent::try_from(dr).expect_err(field);
        assert_eq!(err.field(), field, "{err}");
        assert!(!err.to_string().is_empty());
    }
    let err = event_err(|dr| {
        dr.suspect_products.push(product("2026-01-01"));
        dr.suspect_products[1].dose_units = Some(-5.0);
    });
    assert!(err.to_string().starts_with("suspect product 2:"), "{err}");
}

#[test]
fn resolution_on_the_onset_day_and_same_day_awareness_are_valid() {
    let e = event(|dr| {
        dr.resolution = Some(dr.onset);
        dr.awareness_date = dr.onset;
    });
    assert_eq!(e.resolution(), Some(e.onset()));
}

#[test]
fn coded_values_parse_loosely_and_list_the_known_ones() {
    assert_eq!("Dose reduced".parse(), Ok(ActionTaken::DoseReduced));
    assert_eq!(
        "recovered/with sequelae".parse::<EventOutcome>(),
        Ok(EventOutcome::RecoveredWithSequelae)
    );
    assert_eq!(
        "OTHER-HEALTH-PROFESSIONAL".parse(),
        Ok(ReporterQualification::OtherHealthProfessional)
    );
    let err = "probably".parse::<Causality>().expect_err("unknown");
    assert_eq!(err.field(), "causality");
    assert!(err.to_string().contains("possibly_related"));
    assert_eq!(
        ReporterQualification::ALL
            .iter()
            .map(|q| q.e2b_code())
            .collect::<Vec<_>>(),
        vec![1, 2, 3, 4, 5]
    );
}

#[test]
fn patient_rejects_non_positive_weight() {
    let err = IcsrPatient::try_from(IcsrPatientDraft {
        weight_kg: Some(0.0),
        ..IcsrPatientDraft::default()
    })
    .expect_err("zero weight");
    assert_eq!(err.field(), "patient.weight_kg");
}

#[test]
fn age_at_onset_prefers_the_date_of_birth() {
    let p = patient();
    assert_eq!(p.age_at(d("2026-05-09")), Some(41));
    assert_eq!(p.age_at(d("2026-05-10")), Some(42));
    let by_age = IcsrPatient::try_from(IcsrPatientDraft {
        age_years: Some(37),
        ..IcsrPatientDraft::default()
    })
    .expect("age only");
    assert_eq!(by_age.age_at(d("2026-01-01")), Some(37));
}

#[test]
fn a_complete_case_is_a_valid_icsr() {
    let v = event(|_| {}).icsr_validity(&patient());
    assert!(v.valid);
    assert!(v.missing.is_empty());
}

#[test]
fn reporter_needs_both_qualification_and_country() {
    let no_qualification = event(|dr| dr.reporter.qualification = None);
    assert_eq!(
        no_qualification.missing_icsr_elements(&patient()),
        vec![IcsrElement::Reporter]
    );
    let no_country = event(|dr| dr.reporter.country = None);
    assert_eq!(
        no_country.missing_icsr_elements(&patient()),
        vec![IcsrElement::Reporter]
    );
    let anonymous_but_qualified = event(|dr| {
        dr.reporter.given_name = None;
        dr.reporter.family_name = None;
    });
    assert!(
        anonymous_but_qualified
            .missing_icsr_elements(&patient())
            .is_empty()
    );
}

#[test]
fn patient_is_identifiable_by_any_one_element() {
    let e = event(|_| {});
    let nobody = IcsrPatient::try_from(IcsrPatientDraft::default()).expect("empty");
    assert_eq!(e.missing_icsr_elements(&nobody), vec![IcsrElement::Patient]);
    let one_each = [
        IcsrPatientDraft {
            initials: Some("JD".into()),
            ..IcsrPatientDraft::default()
        },
        IcsrPatientDraft {
            identifier: Some("MRN-1".into()),
            ..IcsrPatientDraft::default()
        },
        IcsrPatientDraft {
            date_of_birth: Some(d("1990-01-01")),
            ..IcsrPatientDraft::default()
        },
        IcsrPatientDraft {
            age_years: Some(40),
            ..IcsrPatientDraft::default()
        },
        IcsrPatientDraft {
            sex: Some(Sex::Male),
            ..IcsrPatientDraft::default()
        },
    ];
    for p in one_each {
        let p = IcsrPatient::try_from(p).expect("patient");
        assert!(e.missing_icsr_elements(&p).is_empty(), "{p:?}");
    }
    let blank_initials = IcsrPatient::try_from(IcsrPatientDraft {
        initials: Some("  ".into()),
        ..IcsrPatientDraft::default()
    })
    .expect("blank");
    assert_eq!(
        e.missing_icsr_elements(&blank_initials),
        vec![IcsrElement::Patient]
    );
}

#[test]
fn missing_suspect_product_and_reaction_are_named() {
    let no_product = event(|dr| dr.suspect_products.clear());
    assert_eq!(
        no_product.missing_icsr_elements(&patient()),
        vec![IcsrElement::SuspectProduct]
    );
    let e = event(|_| {});
    assert_eq!(
        missing_icsr_elements(e.reporter(), &patient(), e.suspect_products(), &[]),
        vec![IcsrElement::Reaction]
    );
    assert_eq!(
        missing_icsr_elements(e.reporter(), &patient(), e.suspect_products(), &[" "]),
        vec![IcsrElement::Reaction]
    );
    // A stored event always has its reaction: the draft without a term is refused.
    assert_eq!(
        event_err(|dr| dr.reported_term = String::new()),
        SafetyError::EmptyReportedTerm
    );
}

#[test]
fn all_missing_elements_are_listed_in_order() {
    let bare = event(|dr| {
        dr.reporter = ReporterDraft::default();
        dr.suspect_products.clear();
    });
    let nobody = IcsrPatient::try_from(IcsrPatientDraft::default()).expect("empty");
    let missing = missing_icsr_elements(bare.reporter(), &nobody, bare.suspect_products(), &[]);
    assert_eq!(missing, IcsrElement::ALL.to_vec());
    assert_eq!(
        IcsrElement::Reporter.to_string(),
        "identifiable reporter (qualification and country)"
    );
}

#[test]
fn boxed_warning_terms_match_case_insensitively_with_synonyms() {
    let cases = [
        ("Diplopia", BoxedWarningSymptom::Diplopia),
        ("double vision", BoxedWarningSymptom::Diplopia),
        ("DIFFICULTY SWALLOWING", BoxedWarningSymptom::Dysphagia),
        (
            "shortness of breath",
            BoxedWarningSymptom::BreathingDifficulties,
        ),
        ("Dyspnoea", BoxedWarningSymptom::BreathingDifficulties),
        (
            "dyspnea on exertion",
            BoxedWarningSymptom::BreathingDifficulties,
        ),
        ("drooping eyelid", BoxedWarningSymptom::Ptosis),
        ("Left eyelid ptosis", BoxedWarningSymptom::Ptosis),
        ("hoarse voice", BoxedWarningSymptom::Dysphonia),
        ("slurred speech", BoxedWarningSymptom::Dysarthria),
        ("asthenia", BoxedWarningSymptom::Asthenia),
        (
            "generalised muscle weakness",
            BoxedWarningSymptom::GeneralizedMuscleWeakness,
        ),
        (
            "urinary incontinence",
            BoxedWarningSymptom::UrinaryIncontinence,
        ),
        (
            "breathing difficulties",
            BoxedWarningSymptom::BreathingDifficulties,
        ),
        ("dysarthria", BoxedWarningSymptom::Dysarthria),
    ];
    for (term, symptom) in cases {
        assert_eq!(boxed_warning_symptom(term), Some(symptom), "{term}");
    }
    for term in [
        "neck pain",
        "headache",
        "injection-site pain",
        "ptosisx",
        "dysphagial",
    ] {
        assert_eq!(boxed_warning_symptom(term), None, "{term}");
    }
    for s in BOXED_WARNING_SYMPTOMS {
        assert_eq!(boxed_warning_symptom(s.label()), Some(s));
    }
}

#[test]
fn boxed_warning_window_is_84_days_inclusive() {
    let session = d("2026-01-05");
    let sessions = [session];
    let on = |days: u64| {
        distant_spread_review(
            "dysphagia",
            session
                .checked_add_days(Days::new(days))
                .expect("date in range"),
            &sessions,
        )
    };
    let same_day = on(0).expect("day 0 flagged");
    assert_eq!(same_day.days_after_session, 0);
    let last = on(84).expect("day 84 flagged");
    assert_eq!(last.days_after_session, 84);
    assert_eq!(last.symptom, BoxedWarningSymptom::Dysphagia);
    assert!(last.reason.contains(UNVERIFIED_MARK));
    assert!(last.reason.contains("2026-01-05"));
    assert_eq!(on(85), None);
    assert_eq!(
        distant_spread_review("dysphagia", d("2026-01-04"), &sessions),
        None,
        "onset before the first session"
    );
    assert_eq!(
        distant_spread_review("neck pain", session, &sessions),
        None,
        "not a boxed-warning symptom"
    );
    assert_eq!(distant_spread_review("dysphagia", session, &[]), None);
}

#[test]
fn boxed_warning_counts_from_the_latest_session_before_onset() {
    let sessions = [
        d("2026-04-01"),
        d("2025-10-01"),
        d("2026-01-01"),
        d("2026-07-01"),
    ];
    let flag = distant_spread_review("double vision", d("2026-04-20"), &sessions)
        .expect("19 days after the April session");
    assert_eq!(flag.session_date, d("2026-04-01"));
    assert_eq!(flag.days_after_session, 19);
    let e = event(|dr| {
        dr.reported_term = "Ptosis".into();
        dr.onset = d("2026-03-26");
        dr.awareness_date = d("2026-03-26");
        dr.resolution = None;
    });
    let flag = e
        .distant_spread_review(&sessions)
        .expect("84 days after January");
    assert_eq!(flag.days_after_session, 84);
}

#[test]
fn serious_cases_are_due_on_day_15() {
    let aware = d("2026-03-01");
    assert_eq!(report_due_date(aware, true), d("2026-03-16"));
    let cases = [ReportingCase {
        case: "S1",
        awareness_date: aware,
        serious: true,
        submitted: false,
    }];
    assert!(
        overdue_reports(&cases, d("2026-03-16")).is_empty(),
        "day 15"
    );
    let overdue = overdue_reports(&cases, d("2026-03-17"));
    assert_eq!(overdue.len(), 1, "day 16");
    assert_eq!(overdue[0].days_overdue, 1);
    assert_eq!(overdue[0].due_date, d("2026-03-16"));
}

#[test]
fn non_serious_cases_are_due_on_day_90() {
    let aware = d("2026-01-01");
    let due = report_due_date(aware, false);
    assert_eq!(due, d("2026-04-01"));
    let cases = [ReportingCase {
        case: 7_u32,
        awareness_date: aware,
        serious: false,
        submitted: false,
    }];
    assert!(overdue_reports(&cases, due).is_empty(), "day 90");
    assert_eq!(
        overdue_reports(&cases, d("2026-04-02"))
            .iter()
            .map(|o| o.case)
            .collect::<Vec<_>>(),
        vec![7],
        "day 91"
    );
    let e = event(|_| {});
    assert_eq!(e.awareness_date(), d("2026-02-04"));
    assert_eq!(e.report_due_date(), d("2026-05-05"));
}

#[test]
fn submitted_cases_are_never_overdue_and_the_list_is_ordered() {
    let as_of = d("2026-12-31");
    let cases = [
        ReportingCase {
            case: "late-non-serious",
            awareness_date: d("2026-01-01"),
            serious: false,
            submitted: false,
        },
        ReportingCase {
            case: "done",
            awareness_date: d("2026-01-01"),
            serious: true,
            submitted: true,
        },
        ReportingCase {
            case: "serious",
            awareness_date: d("2026-03-17"),
            serious: true,
            submitted: false,
        },
        ReportingCase {
            case: "early-serious",
            awareness_date: d("2026-02-01"),
            serious: true,
            submitted: false,
        },
    ];
    let ids: Vec<_> = overdue_reports(&cases, as_of)
        .into_iter()
        .map(|o| o.case)
        .collect();
    assert_eq!(ids, vec!["early-serious", "serious", "late-non-serious"]);
}

#[test]
fn rates_are_per_session_and_per_100_sessions() {
    let events = vec![
        event(|dr| dr.reported_term = "Neck pain".into()),
        event(|dr| dr.reported_term = "neck  PAIN".into()),
        event(|dr| {
            dr.reported_term = "Eyelid ptosis".into();
            dr.causality = Causality::PossiblyRelated;
            dr.seriousness = vec![SeriousOutcome::OtherImportantMedicalEvent];
        }),
        event(|dr| {
            dr.reported_term = "Headache".into();
            dr.causality = Causality::Unrelated;
        }),
    ];
    let r = clinic_safety_rates(200, &events);
    assert_eq!(r.overall.events, 4);
    assert_eq!(r.overall.per_session, Some(0.02));
    assert_eq!(r.overall.per_100_sessions, Some(2.0));
    assert_eq!(r.serious.events, 1);
    assert_eq!(r.serious.per_100_sessions, Some(0.5));
    assert_eq!(r.treatment_related.events, 3);
    assert_eq!(r.by_term[0].term, "neck pain");
    assert_eq!(r.by_term[0].rate.events, 2);
    assert_eq!(
        r.by_term
            .iter()
            .map(|t| t.term.as_str())
            .collect::<Vec<_>>(),
        vec!["neck pain", "eyelid ptosis", "headache"]
    );
    let cmp = |name: &str, source_word: &str| {
        r.comparisons
            .iter()
            .find(|c| c.published.name == name && c.published.source.contains(source_word))
            .expect("comparison present")
    };
    assert_eq!(cmp("neck pain", "label").clinic.events, 2);
    assert_eq!(cmp("serious adverse events", "PREEMPT").clinic.events, 1);
    assert_eq!(
        cmp("treatment-related eyelid ptosis", "COMPEL")
            .clinic
            .events,
        1
    );
    assert_eq!(
        cmp("treatment-related headache", "COMPEL").clinic.events,
        0,
        "unrelated headache is not treatment-related"
    );
    let unrelated_neck = event(|dr| dr.causality = Causality::UnlikelyRelated);
    let r2 = clinic_safety_rates(10, &[unrelated_neck]);
    let label = &r2.comparisons[0];
    assert_eq!(label.published.name, "neck pain");
    assert_eq!(
        label.clinic.events, 1,
        "label figure counts every neck pain"
    );
    assert_eq!(
        r2.comparisons[3].clinic.events, 0,
        "COMPEL counts related only"
    );
}

#[test]
fn no_sessions_means_no_rate() {
    let r = clinic_safety_rates(0, &[event(|_| {})]);
    assert_eq!(r.overall.events, 1);
    assert_eq!(r.overall.per_session, None);
    assert_eq!(r.overall.per_100_sessions, None);
    assert!(r.comparisons.iter().all(|c| c.clinic.per_session.is_none()));
}

#[test]
fn published_figures_carry_source_status_and_the_per_patient_note() {
    let r = clinic_safety_rates(1, &[]);
    assert_eq!(r.comparisons.len(), PUBLISHED_SAFETY_FIGURES.len());
    for c in &r.comparisons {
        assert!(c.note.contains("percentage of patients"));
        assert!(c.note.contains("per session"));
        assert!(!c.published.source.is_empty());
        let expected = if c.published.source.contains("COMPEL") {
            "[V]"
        } else {
            "[V2]"
        };
        assert_eq!(c.published.status.mark(), expected, "{}", c.published.name);
    }
    assert_eq!(PUBLISHED_SAFETY_FIGURES[0].botox_percent_of_patients, 9.0);
    assert_eq!(
        PUBLISHED_SAFETY_FIGURES[0].placebo_percent_of_patients,
        Some(3.0)
    );
    assert_eq!(PUBLISHED_SAFETY_FIGURES[1].botox_percent_of_patients, 4.8);
    assert_eq!(EvidenceStatus::Unverified.mark(), UNVERIFIED_MARK);
}

/// Found by the fuzzer (`cephalog-fuzz`, page_form): a reported term of one NUL was a server
/// error (the database cannot keep it).
#[test]
fn a_nul_character_in_any_text_is_refused_naming_the_field() {
    let e = event_err(|d| d.reported_term = "\0".into());
    assert_eq!(e.field(), "reported_term");
    assert!(e.to_string().contains("NUL"), "{e}");
    let e = event_err(|d| d.narrative = "ptosis\0".into());
    assert_eq!(e.field(), "narrative");
    let e = event_err(|d| d.reporter.family_name = Some("Ok\0afor".into()));
    assert_eq!(e.field(), "reporter.family_name");
    let e = event_err(|d| d.suspect_products[0].lot_number = Some("\0".into()));
    assert_eq!(e.field(), "suspect_products.lot_number");
}
