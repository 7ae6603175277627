use super::*;

fn score(i: Instrument, a: &[&str]) -> Result<PromResult, PromError> {
    PromResult::score(i, a)
}

fn midas(a: &[&str]) -> PromResult {
    score(Instrument::Midas, a).expect("valid MIDAS")
}

#[test]
fn every_definition_is_well_formed() {
    for i in Instrument::ALL {
        let d = i.def();
        assert_eq!(d.instrument, i);
        assert_eq!(i.as_str().parse::<Instrument>(), Ok(i));
        assert_eq!(d.label.parse::<Instrument>(), Ok(i), "{}", d.label);
        assert_eq!(d.bands[0].from, 0, "{}", d.label);
        assert!(d.bands.windows(2).all(|w| w[0].from < w[1].from));
        // Optional items come last.
        let first_optional = d.items.iter().position(|x| x.optional);
        if let Some(f) = first_optional {
            assert!(d.items[f..].iter().all(|x| x.optional), "{}", d.label);
        }
        // Every field name is unique across the registry.
        for other in Instrument::ALL.iter().filter(|o| **o != i) {
            for item in d.items {
                assert!(other.def().items.iter().all(|x| x.field != item.field));
            }
        }
        for a in d.alerts {
            assert!(a.item < d.items.len());
        }
        if d.wording == Wording::Shipped {
            assert!(d.items.iter().all(|x| !x.text.is_empty()), "{}", d.label);
        } else {
            assert!(d.items.iter().all(|x| x.text.is_empty()), "{}", d.label);
        }
    }
    assert!("phq-8".parse::<Instrument>().is_err());
}

#[test]
fn midas_paired_items_add_up_to_at_most_90_days() {
    let check = |a: &[&str]| midas(a).check_plausible();
    assert!(check(&["45", "45", "45", "45", "90"]).is_ok());
    assert!(check(&["90", "0", "0", "90", "90"]).is_ok());
    let work = check(&["46", "45", "0", "0", "0"]).expect_err("91 work days");
    assert!(matches!(
        work,
        PromError::PairOver {
            first: "1",
            second: "2",
            second_position: 1,
            total: 91,
            ..
        }
    ));
    let home = check(&["0", "0", "1", "90", "0"]).expect_err("91 household days");
    assert!(matches!(
        home,
        PromError::PairOver {
            first: "3",
            second: "4",
            ..
        }
    ));
    assert!(check(&["90", "90", "90", "90", "90"]).is_err());
}

#[test]
fn midas_grades_at_their_boundaries() {
    for (total, grade) in [
        (0, "I"),
        (5, "I"),
        (6, "II"),
        (10, "II"),
        (11, "III"),
        (20, "III"),
        (21, "IV"),
        (450, "IV"),
    ] {
        assert_eq!(
            Instrument::Midas.def().band(total).code,
            grade,
            "score {total}"
        );
    }
    let m = midas(&["2", "1", "0", "2", "1", "30", "7"]);
    assert_eq!((m.total(), m.band().code), (6, "II"));
    assert_eq!(m.interpretation(), "grade II, mild disability");
    let unscored: Vec<u32> = m
        .answers()
        .filter(|a| !a.item.scored)
        .map(|a| a.points())
        .collect();
    assert_eq!(unscored, [30, 7]);
    assert_eq!(m.stored_answers(), "2;1;0;2;1;30;7");
}

#[test]
fn midas_items_are_days_0_to_90() {
    assert_eq!(midas(&["90", "90", "90", "90", "90"]).total(), 450);
    assert!(matches!(
        score(Instrument::Midas, &["91", "0", "0", "0", "0"]),
        Err(PromError::Answer {
            position: 0,
            link: "1",
            ..
        })
    ));
    assert!(score(Instrument::Midas, &["-1", "0", "0", "0", "0"]).is_err());
    assert!(matches!(
        score(Instrument::Midas, &["1", "2", "3", "4"]),
        Err(PromError::Count { got: 4, .. })
    ));
    // Item B is 0–10.
    assert!(score(Instrument::Midas, &["0", "0", "0", "0", "0", "0", "10"]).is_ok());
    assert!(matches!(
        score(Instrument::Midas, &["0", "0", "0", "0", "0", "0", "11"]),
        Err(PromError::Answer {
            position: 6,
            link: "B",
            ..
        })
    ));
    assert!(score(Instrument::Midas, &["0"; 8]).is_err());
}

#[test]
fn hit6_totals_and_bands() {
    let all = |a: &str| score(Instrument::Hit6, &[a; 6]).expect("valid");
    assert_eq!(
        (all("never").total(), all("never").band().code),
        (36, "little_or_no_impact")
    );
    assert_eq!(
        (all("always").total(), all("always").band().code),
        (78, "severe_impact")
    );
    let d = Instrument::Hit6.def();
    assert_eq!((d.min_total(), d.max_total()), (36, 78));
    let h = |a: [&str; 6]| score(Instrument::Hit6, &a).expect("valid");
    let t = h([
        "sometimes",
        "sometimes",
        "rarely",
        "rarely",
        "rarely",
        "very often",
    ]);
    assert_eq!(
        (t.total(), t.interpretation().as_str()),
        (55, "some impact")
    );
    for (total, band) in [
        (49, "little_or_no_impact"),
        (50, "some_impact"),
        (55, "some_impact"),
        (56, "substantial_impact"),
        (59, "substantial_impact"),
        (60, "severe_impact"),
    ] {
        assert_eq!(d.band(total).code, band, "{total}");
    }
    let t = h([
        "very_often",
        "Very often",
        "very-often",
        "sometimes",
        "sometimes",
        "never",
    ]);
    assert_eq!(t.total(), 59);
    assert_eq!(
        t.stored_answers(),
        "very often;very often;very often;sometimes;sometimes;never"
    );
}

#[test]
fn hit6_needs_one_valid_answer_per_item_and_no_points() {
    assert!(matches!(
        score(Instrument::Hit6, &["never"; 5]),
        Err(PromError::Count { got: 5, .. })
    ));
    assert!(score(Instrument::Hit6, &["never"; 7]).is_err());
    assert!(matches!(
        score(
            Instrument::Hit6,
            &["never", "never", "often", "never", "never", "never"]
        ),
        Err(PromError::Answer { position: 2, .. })
    ));
    // HIT-6 answers are words: "6" is not "never".
    assert!(score(Instrument::Hit6, &["6"; 6]).is_err());
}

/// PHQ-9 bands 0–4, 5–9, 10–14, 15–19, 20–27 (Kroenke 2001), at each boundary.
#[test]
fn phq9_totals_and_bands_at_their_boundaries() {
    let d = Instrument::Phq9.def();
    assert_eq!((d.min_total(), d.max_total()), (0, 27));
    for (total, band) in [
        (0, "minimal"),
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "moderately_severe"),
        (19, "moderately_severe"),
        (20, "severe"),
        (27, "severe"),
    ] {
        assert_eq!(d.band(total).code, band, "{total}");
    }
    // Answers as points or words score alike: 3+3+3+2+2+1+1+0+0 = 15.
    let by_points = score(
        Instrument::Phq9,
        &["3", "3", "3", "2", "2", "1", "1", "0", "0"],
    )
    .expect("valid");
    let by_words = score(
        Instrument::Phq9,
        &[
            "nearly every day",
            "Nearly every day",
            "nearly_every_day",
            "more than half the days",
            "more_than_half_the_days",
            "several days",
            "several_days",
            "not at all",
            "Not at all",
        ],
    )
    .expect("valid");
    assert_eq!(by_points, by_words);
    assert_eq!(by_points.total(), 15);
    assert_eq!(
        by_points.interpretation(),
        "moderately severe depressive symptoms"
    );
    assert!(score(Instrument::Phq9, &["4"; 9]).is_err());
    assert!(score(Instrument::Phq9, &["0"; 8]).is_err());
    assert!(score(Instrument::Phq9, &["0"; 10]).is_err());
    assert_eq!(
        d.bands_text(),
        "PHQ-9: 0–27 (0–4 minimal, 5–9 mild, 10–14 moderate, 15–19 mod. severe, 20–27 severe)"
    );
}

/// Item 9 above 0 needs a same-day review whatever the total; 0 on item 9 never does.
#[test]
fn phq9_item_9_above_0_needs_a_same_day_review() {
    let mut a = ["0"; 9];
    let quiet = score(Instrument::Phq9, &a).expect("valid");
    assert!(!quiet.needs_same_day_review());
    a[8] = "1";
    let flagged = score(Instrument::Phq9, &a).expect("valid");
    assert_eq!(flagged.total(), 1);
    assert_eq!(flagged.band().code, "minimal");
    assert!(flagged.needs_same_day_review());
    // A high total with item 9 at 0 is not an alert.
    let high = score(
        Instrument::Phq9,
        &["3", "3", "3", "3", "3", "3", "3", "3", "0"],
    )
    .expect("ok");
    assert_eq!(high.total(), 24);
    assert!(!high.needs_same_day_review());
    let json = serde_json::to_value(&flagged).expect("json");
    assert_eq!(json["alerts"].as_array().map(Vec::len), Some(1));
    assert_eq!(json["answers"][8]["answer"], "several days");
    assert_eq!(json["band"], "minimal");
}

/// GAD-7 bands 0–4, 5–9, 10–14, 15–21 (Spitzer 2006).
#[test]
fn gad7_totals_and_bands_at_their_boundaries() {
    let d = Instrument::Gad7.def();
    assert_eq!((d.min_total(), d.max_total()), (0, 21));
    for (total, band) in [
        (4, "minimal"),
        (5, "mild"),
        (9, "mild"),
        (10, "moderate"),
        (14, "moderate"),
        (15, "severe"),
        (21, "severe"),
    ] {
        assert_eq!(d.band(total).code, band, "{total}");
    }
    let g = score(Instrument::Gad7, &["2", "2", "2", "2", "1", "1", "0"]).expect("valid");
    assert_eq!((g.total(), g.band().code), (10, "moderate"));
    assert!(!g.needs_same_day_review());
    assert!(score(Instrument::Gad7, &["0"; 9]).is_err());
}

#[test]
fn errors_name_the_item_and_what_it_takes() {
    let e = score(
        Instrument::Phq9,
        &["0", "0", "often", "0", "0", "0", "0", "0", "0"],
    )
    .expect_err("bad");
    assert_eq!(e.position(), Some(2));
    assert_eq!(
        e.to_string(),
        "PHQ-9 item 3: 'often' is not one of not at all (0), several days (1), more than half \
         the days (2), nearly every day (3)"
    );
    let e = score(Instrument::Midas, &["1"]).expect_err("short");
    assert_eq!(
        e.to_string(),
        "MIDAS needs 5 to 7 answers (items 1, 2, 3, 4, 5, then optionally A, B), got 1"
    );
    assert_eq!(
        "sf36"
            .parse::<Instrument>()
            .expect_err("unknown")
            .to_string(),
        "'sf36' is not an instrument (midas, hit6, phq9, gad7)"
    );
}
