use chrono::Duration;
use proptest::prelude::*;

use super::*;
use crate::protocol::{Anaesthetic, Laterality};

fn d(s: &str) -> NaiveDate {
    s.parse().expect("test date")
}

fn ml(v: f64) -> Volume {
    Volume::from_ml("test", v).expect("test volume")
}

const ADULT_DOB: &str = "1980-01-01";
const TODAY: &str = "2030-01-01";

fn draft(date: &str, indication: Indication, sites: Vec<SiteDose>) -> SessionDraft {
    let date = d(date);
    SessionDraft {
        date,
        indication,
        product: Product::OnabotulinumtoxinA,
        vial_size: VialSize::U200,
        vials: 1,
        lot: " C1234 ".to_owned(),
        expiry: date + Duration::days(365),
        diluent: ml(4.0),
        sites,
        injector: "Dr Ames".to_owned(),
        prescriber: None,
        notes: String::new(),
    }
}

fn preempt_draft(date: &str) -> SessionDraft {
    draft(
        date,
        Indication::ChronicMigraine,
        SiteDose::from_plan(&Plan::preempt()),
    )
}

fn session(draft: SessionDraft) -> Session {
    Session::record(draft, d(TODAY)).expect("valid session")
}

fn preempt(date: &str) -> Session {
    session(preempt_draft(date))
}

fn cervical_dystonia() -> Indication {
    Indication::other("cervical dystonia").expect("valid")
}

fn ona(date: &str, units: u32, indication: Indication) -> ToxinDose {
    ToxinDose::new(d(date), Product::OnabotulinumtoxinA, units, indication).expect("valid")
}

fn check(s: &Session, history: &[ToxinDose]) -> SessionCheck {
    s.check(d(ADULT_DOB), history, None, &[], &CheckPolicy::default())
}

fn has(findings: &[Finding], c: Check) -> bool {
    findings.iter().any(|f| f.check() == c)
}

/// PREEMPT sites with follow-the-pain extras, caps not applied (the session check judges them).
fn preempt_with(extra: &[(Muscle, Side)]) -> Vec<SiteDose> {
    SiteDose::from_plan(&Plan::preempt_ftp_with_caps(extra, None).expect("label limits"))
}

#[test]
fn expiry_the_day_before_or_of_the_session_is_refused_the_day_after_is_fine() {
    let mut dr = preempt_draft("2026-03-10");
    dr.expiry = d("2026-03-09");
    assert_eq!(
        Session::record(dr.clone(), d(TODAY)),
        Err(SessionError::Expired {
            expiry: d("2026-03-09"),
            date: d("2026-03-10")
        })
    );
    dr.expiry = d("2026-03-10");
    let err = Session::record(dr.clone(), d(TODAY)).expect_err("expires on the day");
    assert_eq!(
        err,
        SessionError::ExpiresOnSessionDate {
            date: d("2026-03-10")
        }
    );
    assert!(err.to_string().starts_with("expiry:"));
    dr.expiry = d("2026-03-11");
    assert!(Session::record(dr, d(TODAY)).is_ok());
}

#[test]
fn a_session_round_trips_through_its_draft() {
    let mut dr = preempt_draft("2026-03-10");
    dr.sites
        .retain(|s| s.target != Target::Muscle(Muscle::Procerus));
    dr.notes = "procerus skipped: bruising".to_owned();
    let s = session(dr);
    assert_eq!(Session::restore(s.to_draft()), Ok(s.clone()));
    assert_eq!(s.to_draft().lot, "C1234");
}

#[test]
fn lot_is_trimmed_required_and_bounded() {
    let s = preempt("2026-03-10");
    assert_eq!(s.lot().as_str(), "C1234");
    let mut dr = preempt_draft("2026-03-10");
    dr.lot = "   ".to_owned();
    assert_eq!(
        Session::record(dr.clone(), d(TODAY)),
        Err(SessionError::Protocol(ProtocolError::EmptyText {
            field: "lot"
        }))
    );
    dr.lot = "L".repeat(LOT_MAX_CHARS);
    assert!(Session::record(dr.clone(), d(TODAY)).is_ok());
    dr.lot = "L".repeat(LOT_MAX_CHARS + 1);
    let err = Session::record(dr, d(TODAY)).expect_err("too long");
    assert!(err.to_string().starts_with("lot:"));
}

#[test]
fn future_sessions_other_products_and_empty_fields_are_refused() {
    let dr = preempt_draft("2026-03-10");
    assert_eq!(
        Session::record(dr.clone(), d("2026-03-09")),
        Err(SessionError::FutureDate {
            date: d("2026-03-10"),
            today: d("2026-03-09")
        })
    );
    assert!(Session::record(dr.clone(), d("2026-03-10")).is_ok());
    let mut other = dr.clone();
    other.product = Product::AbobotulinumtoxinA;
    assert_eq!(
        Session::restore(other),
        Err(SessionError::ProductNotSupported(
            Product::AbobotulinumtoxinA
        ))
    );
    let mut none = dr.clone();
    none.vials = 0;
    assert_eq!(Session::restore(none), Err(SessionError::NoVials));
    let mut no_sites = dr.clone();
    no_sites.sites.clear();
    assert_eq!(Session::restore(no_sites), Err(SessionError::NoSites));
    let mut no_injector = dr.clone();
    no_injector.injector = String::new();
    assert!(Session::restore(no_injector).is_err());
    let mut many = dr;
    many.vials = u32::MAX;
    assert!(matches!(
        Session::restore(many),
        Err(SessionError::TooManyVials { .. })
    ));
}

#[test]
fn a_preempt_session_takes_muscles_only_and_unique_sites() {
    let mut dr = preempt_draft("2026-03-10");
    dr.sites.push(SiteDose {
        target: Target::Nerve(OccipitalNerve::GreaterOccipital),
        side: Side::Left,
        ordinal: 1,
        units: 5,
    });
    assert_eq!(
        Session::restore(dr),
        Err(SessionError::NotPreemptSite(Target::Nerve(
            OccipitalNerve::GreaterOccipital
        )))
    );
    let mut dup = preempt_draft("2026-03-10");
    let first = dup.sites[0].clone();
    dup.sites.push(first);
    assert!(matches!(
        Session::restore(dup),
        Err(SessionError::Protocol(ProtocolError::DuplicateSite { .. }))
    ));
    let mut midline = preempt_draft("2026-03-10");
    midline.sites[0].side = Side::Midline;
    assert!(matches!(
        Session::restore(midline),
        Err(SessionError::Protocol(ProtocolError::SideNotAllowed { .. }))
    ));
}

#[test]
fn waste_and_billing_follow_the_reference_example() {
    let s = preempt("2026-03-10");
    assert_eq!(
        s.waste(),
        Waste {
            opened: 200,
            given: 155,
            discarded: 45
        }
    );
    let billing = s.billing();
    let lines: Vec<String> = billing.lines.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec!["64615 × 1", "J0585 × 155", "J0585-JW × 45"]);
    assert!(billing.notes.is_empty());

    let mut two = preempt_draft("2026-03-10");
    two.vial_size = VialSize::U100;
    two.vials = 2;
    two.diluent = ml(2.0);
    let two = session(two);
    assert_eq!(two.waste().discarded, 45);
    assert_eq!(two.units_opened(), 200);
}

#[test]
fn nothing_discarded_bills_jz_on_the_administered_line() {
    let sites = vec![
        SiteDose {
            target: Target::Nerve(OccipitalNerve::GreaterOccipital),
            side: Side::Left,
            ordinal: 1,
            units: 50,
        },
        SiteDose {
            target: Target::Nerve(OccipitalNerve::GreaterOccipital),
            side: Side::Right,
            ordinal: 1,
            units: 50,
        },
    ];
    let mut dr = draft("2026-03-10", Indication::OccipitalNeuralgia, sites);
    dr.vial_size = VialSize::U100;
    dr.diluent = ml(2.0);
    let s = session(dr);
    assert_eq!(s.waste().discarded, 0);
    let billing = s.billing();
    let lines: Vec<String> = billing.lines.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec!["J0585-JZ × 100"]);
    assert_eq!(billing.notes.len(), 1);
    assert!(billing.notes[0].contains("occipital neuralgia (off-label)"));
}

#[test]
fn more_units_given_than_opened_is_an_error() {
    let mut dr = preempt_draft("2026-03-10");
    dr.vial_size = VialSize::U100;
    dr.diluent = ml(2.0);
    assert_eq!(
        Session::restore(dr),
        Err(SessionError::MoreGivenThanOpened {
            given: 155,
            opened: 100
        })
    );
}

#[test]
fn retreatment_at_83_days_is_refused_84_allowed() {
    let s = preempt("2026-03-10");
    let at_83 = [ona("2025-12-17", 155, Indication::ChronicMigraine)];
    assert_eq!((s.date() - at_83[0].date()).num_days(), 83);
    let c = check(&s, &at_83);
    assert!(!c.may_save());
    assert_eq!(
        c.refusals,
        vec![Finding::IntervalTooShort {
            other_date: d("2025-12-17"),
            other_indication: Indication::ChronicMigraine,
            days_apart: 83,
            other_is_later: false,
            minimum_days: 84,
        }]
    );
    assert!(c.refusals[0].to_string().contains("83 days after"));
    let at_84 = [ona("2025-12-16", 155, Indication::ChronicMigraine)];
    let c = check(&s, &at_84);
    assert!(c.may_save(), "{:?}", c.refusals);
    assert!(c.refusals.is_empty() && c.warnings.is_empty());
}

#[test]
fn the_interval_counts_other_indications_and_later_recorded_doses() {
    let s = preempt("2026-03-10");
    let other = [ona("2026-02-01", 100, cervical_dystonia())];
    assert!(has(&check(&s, &other).refusals, Check::RetreatmentInterval));
    let later = [ona("2026-06-01", 155, Indication::ChronicMigraine)];
    let c = check(&s, &later);
    assert!(matches!(
        c.refusals.as_slice(),
        [Finding::IntervalTooShort {
            other_is_later: true,
            days_apart: 83,
            ..
        }]
    ));
    let later_ok = [ona("2026-06-02", 155, Indication::ChronicMigraine)];
    assert!(check(&s, &later_ok).may_save());
}

#[test]
fn an_override_with_a_reason_lets_a_refusal_through_and_is_kept() {
    let s = preempt("2026-03-10");
    let history = [ona("2026-01-10", 155, Indication::ChronicMigraine)];
    let o = Override::new(
        Check::RetreatmentInterval,
        "  wearing off at 8 weeks, discussed ",
        "Dr Ames",
    )
    .expect("valid");
    assert_eq!(o.reason(), "wearing off at 8 weeks, discussed");
    let unused = Override::new(Check::CumulativeUnits, "not needed", "Dr Ames").expect("valid");
    let c = s.check(
        d(ADULT_DOB),
        &history,
        None,
        &[o.clone(), unused.clone()],
        &CheckPolicy::default(),
    );
    assert!(c.may_save());
    assert_eq!(c.overridden.len(), 1);
    assert_eq!(c.overridden[0].by, o);
    assert_eq!(c.overridden[0].finding.check(), Check::RetreatmentInterval);
    assert_eq!(c.unused_overrides, vec![unused]);
}

#[test]
fn overrides_need_a_reason_a_name_and_a_refusing_check() {
    assert!(matches!(
        Override::new(Check::RetreatmentInterval, "  ", "Dr Ames"),
        Err(SessionError::Protocol(ProtocolError::EmptyText {
            field: "override reason"
        }))
    ));
    assert!(Override::new(Check::RetreatmentInterval, "why", " ").is_err());
    assert_eq!(
        Override::new(Check::UnderAge, "why", "Dr Ames"),
        Err(SessionError::NotOverridable(Check::UnderAge))
    );
    for c in Check::ALL {
        assert_eq!(c.as_str().parse::<Check>(), Ok(c));
    }
    assert!("interval".parse::<Check>().is_err());
}

#[test]
fn cumulative_400_units_are_allowed_405_refused() {
    let s = preempt("2026-04-09");
    let at_400 = [ona("2026-01-10", 245, cervical_dystonia())];
    let c = check(&s, &at_400);
    assert!(c.may_save(), "{:?}", c.refusals);
    let at_405 = [ona("2026-01-10", 250, cervical_dystonia())];
    let c = check(&s, &at_405);
    assert!(!c.may_save());
    let Some(Finding::CumulativeUnitsExceeded {
        first_day,
        last_day,
        total_units,
        limit_units,
        doses,
    }) = c.refusals.first()
    else {
        panic!("expected a cumulative refusal, got {:?}", c.refusals);
    };
    assert_eq!(
        (*first_day, *last_day, *total_units, *limit_units),
        (d("2026-01-10"), d("2026-04-09"), 405, 400)
    );
    assert_eq!(doses.len(), 2);
    assert!(doses[1].this_session && !doses[0].this_session);
    let msg = c.refusals[0].to_string();
    assert!(msg.contains("405 U") && msg.contains("cervical dystonia"));
    assert!(msg.contains("3 calendar months"));
}

#[test]
fn the_cumulative_interval_is_three_calendar_months() {
    // 2026-01-10 + 3 months = 2026-04-10: a dose that day starts a new interval.
    let s = preempt("2026-04-10");
    let history = [ona("2026-01-10", 250, cervical_dystonia())];
    assert!(check(&s, &history).may_save());
    // End of month clamps: 30 November + 3 months = 28 February.
    let history = [ona("2025-11-30", 250, cervical_dystonia())];
    let inside = preempt("2026-02-27");
    assert!(has(
        &check(&inside, &history).refusals,
        Check::CumulativeUnits
    ));
    let outside = preempt("2026-02-28");
    assert!(!has(
        &check(&outside, &history).refusals,
        Check::CumulativeUnits
    ));
}

#[test]
fn the_cumulative_interval_looks_forward_as_well() {
    // A session recorded after a later dose (entered late) still shares that dose's interval.
    let s = preempt("2026-01-10");
    let history = [ona("2026-04-09", 250, cervical_dystonia())];
    assert!(has(&check(&s, &history).refusals, Check::CumulativeUnits));
    // Three doses: no single interval holds more than 400 U.
    let s = preempt("2026-04-05");
    let history = [
        ona("2026-01-01", 200, cervical_dystonia()),
        ona("2026-07-02", 240, cervical_dystonia()),
    ];
    let c = check(&s, &history);
    assert!(
        !has(&c.refusals, Check::CumulativeUnits),
        "{:?}",
        c.refusals
    );
}

#[test]
fn other_products_are_never_added_but_refused_for_review() {
    let s = preempt("2026-04-09");
    let dysport = ToxinDose::new(
        d("2026-01-10"),
        Product::AbobotulinumtoxinA,
        500,
        cervical_dystonia(),
    )
    .expect("valid");
    let c = check(&s, std::slice::from_ref(&dysport));
    assert!(!has(&c.refusals, Check::CumulativeUnits));
    assert!(has(&c.refusals, Check::UnitsNotComparable));
    assert!(c.refusals[0].to_string().contains("not interchangeable"));
    let earlier = ToxinDose::new(
        d("2026-01-09"),
        Product::AbobotulinumtoxinA,
        500,
        cervical_dystonia(),
    )
    .expect("valid");
    let later = preempt("2026-04-09");
    assert!(check(&later, &[earlier]).may_save());
    assert_eq!(
        ToxinDose::new(
            d("2026-01-09"),
            Product::OnabotulinumtoxinA,
            0,
            cervical_dystonia()
        ),
        Err(SessionError::ZeroDose)
    );
}

#[test]
fn under_18_on_the_session_date_is_a_warning() {
    let s17 = preempt("2026-05-09");
    let c = s17.check(d("2008-05-10"), &[], None, &[], &CheckPolicy::default());
    assert!(c.may_save());
    assert_eq!(
        c.warnings,
        vec![Finding::UnderAge {
            age: 17,
            adult_age: 18
        }]
    );
    assert!(
        c.warnings[0]
            .to_string()
            .contains("safety and effectiveness are not established")
    );
    let s18 = preempt("2026-05-10");
    let c = s18.check(d("2008-05-10"), &[], None, &[], &CheckPolicy::default());
    assert!(c.warnings.is_empty());
    // The chronic-migraine statement is not applied to other indications.
    let other = session(draft(
        "2026-05-09",
        cervical_dystonia(),
        vec![SiteDose {
            target: "site:sternocleidomastoid".parse().expect("named"),
            side: Side::Left,
            ordinal: 1,
            units: 50,
        }],
    ));
    let c = other.check(d("2008-05-10"), &[], None, &[], &CheckPolicy::default());
    assert!(!has(&c.warnings, Check::UnderAge));
}

#[test]
fn preempt_195_units_are_allowed_200_refused() {
    let full = [
        (Muscle::Temporalis, Side::Left),
        (Muscle::Temporalis, Side::Right),
        (Muscle::Occipitalis, Side::Left),
        (Muscle::Occipitalis, Side::Right),
        (Muscle::Trapezius, Side::Left),
        (Muscle::Trapezius, Side::Left),
        (Muscle::Trapezius, Side::Right),
        (Muscle::Trapezius, Side::Right),
    ];
    let s195 = session(draft(
        "2026-03-10",
        Indication::ChronicMigraine,
        preempt_with(&full),
    ));
    assert_eq!((s195.units_given(), s195.site_count()), (195, 39));
    let c = check(&s195, &[]);
    assert!(c.may_save(), "{:?}", c.refusals);
    assert!(c.warnings.is_empty(), "{:?}", c.warnings);

    let mut over = preempt_with(&full);
    over.push(SiteDose {
        target: Target::Muscle(Muscle::Trapezius),
        side: Side::Right,
        ordinal: 6,
        units: 5,
    });
    let s200 = session(draft("2026-03-10", Indication::ChronicMigraine, over));
    assert_eq!(s200.units_given(), 200);
    let c = check(&s200, &[]);
    assert!(c.refusals.contains(&Finding::PreemptAboveMaximum {
        units: 200,
        sites: 40,
        max_units: 195,
        max_sites: 39
    }));
    assert!(c.refusals.contains(&Finding::FollowThePainAboveMaximum {
        extra_units: 45,
        max_extra_units: 40
    }));
}

#[test]
fn preempt_sites_above_39_are_refused_even_within_195_units() {
    let mut dr = preempt_draft("2026-03-10");
    // The 31 fixed sites plus 9 extra trapezius sites of 1 U: 164 U over 40 sites.
    for ordinal in 4..=8 {
        dr.sites.push(SiteDose {
            target: Target::Muscle(Muscle::Trapezius),
            side: Side::Left,
            ordinal,
            units: 1,
        });
    }
    for ordinal in 4..=7 {
        dr.sites.push(SiteDose {
            target: Target::Muscle(Muscle::Trapezius),
            side: Side::Right,
            ordinal,
            units: 1,
        });
    }
    let s = session(dr);
    assert_eq!((s.units_given(), s.site_count()), (164, 40));
    let c = check(&s, &[]);
    assert!(c.refusals.contains(&Finding::PreemptAboveMaximum {
        units: 164,
        sites: 40,
        max_units: 195,
        max_sites: 39
    }));
}

#[test]
fn preempt_below_protocol_is_a_warning_with_the_counts() {
    let mut dr = preempt_draft("2026-03-10");
    dr.sites
        .retain(|s| s.target != Target::Muscle(Muscle::Procerus));
    let s = session(dr);
    let c = check(&s, &[]);
    assert!(c.may_save());
    assert_eq!(
        c.warnings,
        vec![Finding::PreemptBelowProtocol {
            units: 150,
            sites: 30,
            protocol_units: 155,
            protocol_sites: 31
        }]
    );
    let diff = s.diff(&Plan::preempt());
    assert_eq!(diff.skipped.len(), 1);
    assert!(diff.changed.is_empty() && diff.added.is_empty());
}

#[test]
fn extra_units_in_cervical_paraspinal_are_refused() {
    let mut dr = preempt_draft("2026-03-10");
    dr.sites.push(SiteDose {
        target: Target::Muscle(Muscle::CervicalParaspinal),
        side: Side::Left,
        ordinal: 3,
        units: 5,
    });
    let c = check(&session(dr), &[]);
    assert_eq!(
        c.refusals,
        vec![Finding::PreemptExtraOutsideFollowThePain {
            muscle: Muscle::CervicalParaspinal,
            extra_units: 5
        }]
    );
    assert!(
        c.refusals[0]
            .to_string()
            .contains("never cervical paraspinal")
    );
}

#[test]
fn follow_the_pain_caps_refuse_marked_and_a_clinic_may_lift_them() {
    let extra = [(Muscle::Temporalis, Side::Left); 3];
    let s = session(draft(
        "2026-03-10",
        Indication::ChronicMigraine,
        preempt_with(&extra),
    ));
    let c = check(&s, &[]);
    assert_eq!(
        c.refusals,
        vec![Finding::FollowThePainCapExceeded {
            muscle: Muscle::Temporalis,
            extra_units: 15,
            cap_units: 10
        }]
    );
    assert!(c.refusals[0].to_string().contains(UNVERIFIED_MARK));
    let at_cap = session(draft(
        "2026-03-10",
        Indication::ChronicMigraine,
        preempt_with(&extra[..2]),
    ));
    assert!(check(&at_cap, &[]).may_save());
    let lifted = s.check(
        d(ADULT_DOB),
        &[],
        None,
        &[],
        &CheckPolicy { ftp_caps: None },
    );
    assert!(lifted.may_save());
    let o = Override::new(
        Check::FollowThePainCaps,
        "pain mapped to temples",
        "Dr Ames",
    )
    .expect("valid");
    assert!(
        s.check(d(ADULT_DOB), &[], None, &[o], &CheckPolicy::default())
            .may_save()
    );
}

#[test]
fn preempt_site_doses_and_concentration_other_than_protocol_warn() {
    let mut dr = preempt_draft("2026-03-10");
    dr.vial_size = VialSize::U100;
    dr.diluent = ml(4.0);
    dr.sites[0].units = 3;
    // 153 U given from a 100 U vial would be too much; use two vials.
    dr.vials = 2;
    let s = session(dr);
    assert_eq!(s.sites()[0].volume(), ml(0.12));
    let c = check(&s, &[]);
    assert!(c.may_save());
    assert!(c.warnings.contains(&Finding::PreemptSiteDose {
        target: Target::Muscle(Muscle::Corrugator),
        side: Side::Left,
        ordinal: 1,
        units: 3,
        protocol_units: 5
    }));
    let conc = c
        .warnings
        .iter()
        .find(|f| f.check() == Check::Concentration)
        .expect("concentration warning");
    assert!(conc.to_string().contains("gives 2.5 U / 0.1 mL"), "{conc}");
    assert!(
        conc.to_string()
            .contains("PREEMPT uses 5 U / 0.1 mL (100 U in 2 mL or 200 U in 4 mL)"),
        "{conc}"
    );
    // 200 U in 4 mL is the protocol strength: no warning.
    assert!(!has(
        &check(&preempt("2026-03-10"), &[]).warnings,
        Check::Concentration
    ));
}

#[test]
fn a_whole_vial_discarded_is_a_warning() {
    let mut dr = preempt_draft("2026-03-10");
    dr.vials = 2;
    let c = check(&session(dr), &[]);
    assert!(c.may_save());
    assert_eq!(
        c.warnings,
        vec![Finding::WholeVialDiscarded {
            discarded_units: 245,
            vial_units: 200
        }]
    );
}

#[test]
fn names_parse_and_round_trip() {
    for i in [
        Indication::ChronicMigraine,
        Indication::OccipitalNeuralgia,
        cervical_dystonia(),
    ] {
        assert_eq!(i.key().parse::<Indication>(), Ok(i.clone()));
    }
    assert_eq!(
        "preempt".parse::<Indication>(),
        Ok(Indication::ChronicMigraine)
    );
    assert!("migraine".parse::<Indication>().is_err());
    assert!("other: ".parse::<Indication>().is_err());
    for p in Product::KNOWN.iter().map(|(p, _, _)| p.clone()) {
        assert_eq!(p.key().parse::<Product>(), Ok(p.clone()));
    }
    assert_eq!("Botox".parse::<Product>(), Ok(Product::OnabotulinumtoxinA));
    let other: Product = "other:NewTox".parse().expect("other");
    assert_eq!(other.key().parse::<Product>(), Ok(other));
    assert!("toxin".parse::<Product>().is_err());
    assert_eq!("100".parse::<VialSize>(), Ok(VialSize::U100));
    assert_eq!("200 U".parse::<VialSize>(), Ok(VialSize::U200));
    assert!("50".parse::<VialSize>().is_err());
}

#[test]
fn gon_block_bills_64405_per_side_and_records_relief_later() {
    let plan = NerveBlockPlan::typical_gon(Laterality::Bilateral);
    let mut block = NerveBlock::record(d("2026-03-10"), plan, "Dr Ames", String::new(), d(TODAY))
        .expect("valid");
    let billing = block.billing();
    let lines: Vec<String> = billing.lines.iter().map(ToString::to_string).collect();
    assert_eq!(lines, vec!["64405 × 1", "64405 × 1"]);
    assert!(billing.lines[0].description.ends_with("left"));
    assert!(billing.notes[0].contains(UNVERIFIED_MARK));
    assert_eq!(block.relief(), None);
    assert_eq!(
        block.record_relief(101, 60, d("2026-03-10")),
        Err(SessionError::ReliefPercent(101))
    );
    assert_eq!(
        block.record_relief(80, 60, d("2026-03-09")),
        Err(SessionError::ReliefBeforeBlock {
            recorded_on: d("2026-03-09"),
            date: d("2026-03-10")
        })
    );
    block
        .record_relief(100, 3 * 24 * 60, d("2026-03-14"))
        .expect("valid");
    let relief = block.relief().expect("recorded");
    assert_eq!((relief.percent(), relief.duration_minutes()), (100, 4320));

    let lesser = NerveBlockPlan::new(
        OccipitalNerve::LesserOccipital,
        Laterality::Right,
        Anaesthetic::Lidocaine1,
        ml(2.0),
        None,
    )
    .expect("valid");
    let restored = NerveBlock::restore(
        d("2026-03-10"),
        lesser,
        "Dr Ames",
        String::new(),
        Some((40, 90, d("2026-03-11"))),
    )
    .expect("valid");
    assert_eq!(restored.relief().map(Relief::percent), Some(40));
    let billing = restored.billing();
    assert!(billing.lines.is_empty());
    assert!(billing.notes[0].contains("lesser occipital"));
    assert!(
        NerveBlock::record(
            d("2026-03-11"),
            NerveBlockPlan::typical_gon(Laterality::Left),
            "Dr Ames",
            String::new(),
            d("2026-03-10")
        )
        .is_err()
    );
}

fn site_units() -> impl Strategy<Value = Vec<u32>> {
    prop::collection::vec(1u32..60, 1..12)
}

proptest! {
    /// Single-dose vials: units given plus units discarded equal units opened, and the J0585 lines
    /// bill exactly that.
    #[test]
    fn waste_plus_given_is_opened(units in site_units(), big in any::<bool>(), vials in 1u32..4) {
        let sites: Vec<SiteDose> = units
            .iter()
            .enumerate()
            .map(|(i, u)| SiteDose {
                target: Target::Nerve(OccipitalNerve::GreaterOccipital),
                side: Side::Left,
                ordinal: i as u32 + 1,
                units: *u,
            })
            .collect();
        let mut dr = draft("2026-03-10", Indication::OccipitalNeuralgia, sites);
        dr.vial_size = if big { VialSize::U200 } else { VialSize::U100 };
        dr.vials = vials;
        let given: u32 = units.iter().sum();
        let opened = vials * dr.vial_size.units();
        match Session::restore(dr) {
            Ok(s) => {
                let w = s.waste();
                prop_assert_eq!(w.given + w.discarded, w.opened);
                prop_assert_eq!(w.given, given);
                prop_assert_eq!(w.opened, opened);
                let billed: u32 = s.billing().lines.iter().filter(|l| l.code == "J0585").map(|l| l.quantity).sum();
                prop_assert_eq!(billed, opened);
            }
            Err(e) => {
                prop_assert!(given > opened);
                prop_assert_eq!(e, SessionError::MoreGivenThanOpened { given: u64::from(given), opened });
            }
        }
    }

    /// The cumulative check refuses exactly when some 3-calendar-month interval containing the
    /// session holds more than 400 U (checked against every possible start day).
    #[test]
    fn cumulative_check_matches_brute_force(doses in prop::collection::vec((0i64..200, 1u32..250), 0..5), at in 0i64..200) {
        let base = d("2026-01-01");
        let history: Vec<ToxinDose> = doses
            .iter()
            .map(|(off, u)| ona("2026-01-01", *u, cervical_dystonia()).with_date(base + Duration::days(*off)))
            .collect();
        let s = session(draft(
            "2026-01-01",
            Indication::OccipitalNeuralgia,
            vec![SiteDose { target: Target::Nerve(OccipitalNerve::GreaterOccipital), side: Side::Left, ordinal: 1, units: 100 }],
        ).with_date(base + Duration::days(at)));
        let mut all = history.clone();
        all.push(s.dose());
        let mut exceeded = false;
        let mut start = base - Duration::days(100);
        while start <= s.date() {
            let end = start.checked_add_months(Months::new(3)).expect("in range");
            if s.date() < end {
                let total: u32 = all.iter().filter(|x| x.date() >= start && x.date() < end).map(ToxinDose::units).sum();
                exceeded |= total > 400;
            }
            start += Duration::days(1);
        }
        let c = check(&s, &history);
        prop_assert_eq!(has(&c.refusals, Check::CumulativeUnits), exceeded);
    }
}

impl ToxinDose {
    fn with_date(mut self, date: NaiveDate) -> Self {
        self.date = date;
        self
    }
}

impl SessionDraft {
    fn with_date(mut self, date: NaiveDate) -> Self {
        self.date = date;
        self.expiry = date + Duration::days(365);
        self
    }
}

#[test]
fn a_planned_session_bills_like_a_recorded_one() {
    let w = Billing::planned_waste(VialSize::U200, 1, 155).expect("fits");
    assert_eq!((w.opened, w.given, w.discarded), (200, 155, 45));
    let lines: Vec<String> = Billing::of(&Indication::ChronicMigraine, w)
        .lines
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(lines, ["64615 × 1", "J0585 × 155", "J0585-JW × 45"]);
    let whole = Billing::planned_waste(VialSize::U100, 2, 200).expect("fits");
    let lines: Vec<String> = Billing::of(&Indication::ChronicMigraine, whole)
        .lines
        .iter()
        .map(ToString::to_string)
        .collect();
    assert_eq!(lines, ["64615 × 1", "J0585-JZ × 200"]);
    assert_eq!(Billing::planned_waste(VialSize::U100, 1, 155), None);
}

// --- Pathway checks -----------------------------------------------------------------------------

fn eligibility(verdict: Verdict, outcomes: &[(&str, CriterionOutcome)]) -> Eligibility {
    Eligibility {
        rule_set: "fda-label".to_owned(),
        rule_set_name: "FDA label".to_owned(),
        version: "1".to_owned(),
        preset: crate::preset::DayPreset::Label4h,
        on: d("2026-07-01"),
        verdict,
        criteria: outcomes
            .iter()
            .map(|(id, outcome)| crate::eligibility::CriterionResult {
                id: (*id).to_owned(),
                description: String::new(),
                outcome: *outcome,
                evidence: String::new(),
                source: String::new(),
                months: Vec::new(),
            })
            .collect(),
    }
}

/// A patient whose pathway raises nothing before a first chronic-migraine session.
fn clear_pathway() -> Pathway {
    Pathway {
        diagnoses: vec![DiagnosisCode::ChronicMigraine],
        diary_days: 1,
        previous_session: None,
        previous_migraine_session: None,
        eligibility: Some(eligibility(
            Verdict::Eligible,
            &[("headache_days", CriterionOutcome::Met)],
        )),
        continuation: None,
        events: Vec::new(),
    }
}

fn pathway_check(s: &Session, p: &Pathway) -> SessionCheck {
    s.check(d(ADULT_DOB), &[], Some(p), &[], &CheckPolicy::default())
}

fn decision(outcome: DecisionOutcome) -> Decision {
    Decision {
        rule: "reduction_30".to_owned(),
        description: String::new(),
        outcome,
        evidence: "headache days fell 10 %".to_owned(),
        source: String::new(),
    }
}

#[test]
fn a_clear_pathway_raises_nothing_and_no_pathway_checks_nothing() {
    let s = preempt("2026-07-18");
    assert_eq!(pathway_check(&s, &clear_pathway()), check(&s, &[]));
    assert!(pathway_check(&s, &clear_pathway()).refusals.is_empty());
    // Without the pathway (records that predate it) none of its checks run.
    assert!(check(&s, &[]).refusals.is_empty());
}

#[test]
fn no_diagnosis_and_no_diary_refuse_and_name_why() {
    let s = preempt("2026-07-18");
    let mut p = clear_pathway();
    p.diagnoses.clear();
    let c = pathway_check(&s, &p);
    assert_eq!(c.refusals, vec![Finding::NoDiagnosis]);
    assert!(c.refusals[0].to_string().contains("no ICHD-3 diagnosis"));
    let mut p = clear_pathway();
    p.diary_days = 0;
    let c = pathway_check(&s, &p);
    assert_eq!(c.refusals, vec![Finding::NoDiary]);
    // One diary day is a diary.
    p.diary_days = 1;
    assert!(pathway_check(&s, &p).refusals.is_empty());
    // They apply to every indication.
    let mut p = clear_pathway();
    p.diagnoses.clear();
    let other = session(draft(
        "2026-07-18",
        cervical_dystonia(),
        vec![SiteDose {
            target: Target::Muscle(Muscle::Trapezius),
            side: Side::Left,
            ordinal: 1,
            units: 50,
        }],
    ));
    assert!(has(&pathway_check(&other, &p).refusals, Check::Diagnosis));
}

#[test]
fn a_first_session_needs_an_eligible_verdict() {
    let s = preempt("2026-07-18");
    for verdict in [Verdict::NotEligible, Verdict::InsufficientInformation] {
        let mut p = clear_pathway();
        p.eligibility = Some(eligibility(
            verdict,
            &[
                ("headache_days", CriterionOutcome::Met),
                ("preventives", CriterionOutcome::Unknown),
                ("overuse", CriterionOutcome::NotMet),
            ],
        ));
        let c = pathway_check(&s, &p);
        assert_eq!(c.refusals.len(), 1, "{verdict:?}");
        let text = c.refusals[0].to_string();
        assert!(text.contains("fda-label"), "{text}");
        assert!(text.contains("preventives unknown"), "{text}");
        assert!(text.contains("overuse not met"), "{text}");
        assert!(!text.contains("headache_days"), "{text}");
    }
    // Not evaluated at all is unknown, not eligible.
    let mut p = clear_pathway();
    p.eligibility = None;
    assert!(has(&pathway_check(&s, &p).refusals, Check::Eligibility));
    // Eligibility is a chronic-migraine rule: an occipital-neuralgia session is not judged by it.
    let on = session(draft(
        "2026-07-18",
        Indication::OccipitalNeuralgia,
        vec![SiteDose {
            target: Target::Nerve(OccipitalNerve::GreaterOccipital),
            side: Side::Left,
            ordinal: 1,
            units: 10,
        }],
    ));
    assert!(!has(&pathway_check(&on, &p).refusals, Check::Eligibility));
}

#[test]
fn a_later_session_is_refused_only_when_a_continuation_rule_says_stop() {
    let s = preempt("2026-10-18");
    let mut p = clear_pathway();
    p.previous_session = Some(d("2026-07-18"));
    p.previous_migraine_session = Some(d("2026-07-18"));
    // Not eligible any more does not matter after the first session.
    p.eligibility = Some(eligibility(Verdict::NotEligible, &[]));
    for outcome in [
        DecisionOutcome::Continue,
        DecisionOutcome::Review,
        DecisionOutcome::NotYetApplicable,
        DecisionOutcome::Unknown,
    ] {
        p.continuation = Some(("nice-ta260".to_owned(), vec![decision(outcome)]));
        assert!(pathway_check(&s, &p).refusals.is_empty(), "{outcome:?}");
    }
    p.continuation = Some((
        "nice-ta260".to_owned(),
        vec![
            decision(DecisionOutcome::Continue),
            decision(DecisionOutcome::Stop),
        ],
    ));
    let c = pathway_check(&s, &p);
    assert_eq!(c.refusals.len(), 1);
    let text = c.refusals[0].to_string();
    assert!(
        text.contains("nice-ta260") && text.contains("says stop"),
        "{text}"
    );
    // An override with a reason lets it through, and is kept with the session.
    let o = Override::new(Check::Continuation, "responding by MIDAS", "Dr Ames").expect("o");
    let c = s.check(d(ADULT_DOB), &[], Some(&p), &[o], &CheckPolicy::default());
    assert!(c.may_save());
    assert_eq!(c.overridden.len(), 1);
}

#[test]
fn a_serious_event_since_the_previous_session_refuses_at_its_boundaries() {
    let s = preempt("2026-10-18");
    let event = |onset: &str, serious: bool| EventNote {
        onset: d(onset),
        term: "dysphagia".to_owned(),
        serious,
        open_urgent_review: None,
    };
    let mut p = clear_pathway();
    p.previous_session = Some(d("2026-07-18"));
    p.previous_migraine_session = Some(d("2026-07-18"));
    // The day before the previous session: not since it.
    p.events = vec![event("2026-07-17", true)];
    assert!(pathway_check(&s, &p).refusals.is_empty());
    // On the previous session's day and on this session's day: since it.
    for onset in ["2026-07-18", "2026-10-18"] {
        p.events = vec![event(onset, true)];
        let c = pathway_check(&s, &p);
        assert!(has(&c.refusals, Check::SeriousAdverseEvent), "{onset}");
        assert!(c.refusals[0].to_string().contains("dysphagia"));
    }
    // After this (backdated) session: not before it.
    p.events = vec![event("2026-10-19", true)];
    assert!(pathway_check(&s, &p).refusals.is_empty());
    // Not serious: nothing.
    p.events = vec![event("2026-08-01", false)];
    assert!(pathway_check(&s, &p).refusals.is_empty());
    // An open urgent review refuses whenever it began; acknowledged (None) it does not.
    p.events = vec![EventNote {
        open_urgent_review: Some("boxed-warning symptom".to_owned()),
        ..event("2026-01-01", false)
    }];
    let c = pathway_check(&s, &p);
    assert!(has(&c.refusals, Check::UrgentReview));
    assert!(c.refusals[0].to_string().contains("not acknowledged"));
    p.events[0].open_urgent_review = None;
    assert!(pathway_check(&s, &p).refusals.is_empty());
}

#[test]
fn billing_lines_name_the_diagnosis_they_rest_on() {
    let s = preempt("2026-07-18");
    let b = s.billing_for(&[
        DiagnosisCode::MedicationOveruse,
        DiagnosisCode::ChronicMigraine,
    ]);
    assert!(!b.lines.is_empty());
    for line in &b.lines {
        let d = line.diagnosis.expect("a diagnosis on every line");
        assert_eq!((d.ichd3, d.icd10cm), ("1.3", "G43.709"));
    }
    assert!(
        b.lines[0]
            .to_string()
            .ends_with("(ICHD-3 1.3 chronic migraine, ICD-10-CM G43.709)"),
        "{}",
        b.lines[0]
    );
    // Another migraine diagnosis is not what a chronic-migraine session rests on.
    let b = s.billing_for(&[DiagnosisCode::MigraineWithoutAura]);
    assert!(b.lines.iter().all(|l| l.diagnosis.is_none()));
    assert!(
        b.notes.iter().any(|n| n.contains("no ICHD-3 1.3")),
        "{:?}",
        b.notes
    );
    // Occipital neuralgia rests on 13.4, M54.81.
    let on = session(draft(
        "2026-07-18",
        Indication::OccipitalNeuralgia,
        vec![SiteDose {
            target: Target::Nerve(OccipitalNerve::GreaterOccipital),
            side: Side::Left,
            ordinal: 1,
            units: 10,
        }],
    ));
    let b = on.billing_for(&[DiagnosisCode::OccipitalNeuralgia]);
    assert_eq!(
        b.lines
            .iter()
            .map(|l| l.diagnosis.map(|d| d.icd10cm))
            .collect::<Vec<_>>(),
        vec![Some("M54.81"); b.lines.len()]
    );
    // Another indication is coded by hand.
    let other = session(draft(
        "2026-07-18",
        cervical_dystonia(),
        vec![SiteDose {
            target: Target::Muscle(Muscle::Trapezius),
            side: Side::Left,
            ordinal: 1,
            units: 50,
        }],
    ));
    let b = other.billing_for(&[DiagnosisCode::ChronicMigraine]);
    assert!(b.lines.iter().all(|l| l.diagnosis.is_none()));
    assert!(b.notes.iter().any(|n| n.contains("by hand")));
}
