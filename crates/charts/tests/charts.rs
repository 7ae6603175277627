//! Every chart parsed back as XML: well-formed, safe under a strict Content-Security-Policy,
//! accessible, and showing what the data says.

mod fixtures;

use std::collections::BTreeSet;

use cephalog_charts::{
    CalendarMonth, PromPoint, PromSeries, SiteMapInput, SiteMark, SiteState, TrendInput,
    TrendPeriod, calendar_svg, cohort_headache_days_svg, cohort_persistence_svg,
    cohort_responders_svg, escape, proms_svg, site_key, site_map_svg, sites_from_plan, trend_svg,
};
use cephalog_core::cohort::{AtRisk, CycleFigures, Persistence};
use cephalog_core::metrics::DateRange;
use cephalog_core::preset::DayPreset;
use cephalog_core::prom::Instrument;
use cephalog_core::protocol::{
    Concentration, FtpCaps, Muscle, Name, NerveDose, OccipitalNerve, Plan, Side, Target,
};
use cephalog_core::reference::UNVERIFIED_MARK;
use cephalog_core::response::{ResponseInput, assess};
use cephalog_core::rules::RuleSet;
use cephalog_core::stats::{
    ConfidenceLevel, Observation, SurvivalCurve, kaplan_meier, mean_with_t_interval, wilson,
};
use fixtures::d;
use proptest::prelude::*;
use roxmltree::{Document, Node};

const AWKWARD: &str = "Pat <O'Brien> & \"Sons\"";

/// Parses the SVG and checks what every chart must satisfy.
fn check(svg: &str) -> Document<'_> {
    for banned in ["style=", "<style", "<script", "javascript:"] {
        assert!(!svg.contains(banned), "{banned} found");
    }
    let doc = Document::parse(svg).expect("well-formed XML");
    for node in doc.descendants().filter(Node::is_element) {
        let name = node.tag_name().name();
        assert!(
            !matches!(name, "style" | "script" | "foreignObject"),
            "<{name}>"
        );
        for a in node.attributes() {
            assert!(a.name() != "style", "style attribute on <{name}>");
            assert!(
                !a.name().starts_with("on"),
                "event handler {} on <{name}>",
                a.name()
            );
        }
    }
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    assert_eq!(
        root.tag_name().namespace(),
        Some("http://www.w3.org/2000/svg")
    );
    assert_eq!(root.attribute("role"), Some("img"));
    assert!(
        root.attribute("viewBox")
            .is_some_and(|v| v.starts_with("0 0 "))
    );
    assert!(root.attribute("preserveAspectRatio").is_some());
    assert_eq!(root.attribute("width"), None, "no fixed pixel width");
    assert_eq!(root.attribute("height"), None, "no fixed pixel height");
    let labelled_by: Vec<&str> = root
        .attribute("aria-labelledby")
        .expect("aria-labelledby")
        .split(' ')
        .collect();
    assert_eq!(labelled_by.len(), 2);
    let by_id = |id: &str| {
        doc.descendants()
            .find(|n| n.attribute("id") == Some(id))
            .unwrap_or_else(|| panic!("no element with id {id}"))
    };
    let title = by_id(labelled_by[0]);
    let desc = by_id(labelled_by[1]);
    assert_eq!(title.tag_name().name(), "title");
    assert_eq!(desc.tag_name().name(), "desc");
    assert_eq!(title.parent(), Some(root));
    assert!(!title.text().unwrap_or("").trim().is_empty());
    assert!(desc.text().unwrap_or("").len() > 20, "desc is a summary");
    let ids: Vec<&str> = doc
        .descendants()
        .filter_map(|n| n.attribute("id"))
        .collect();
    let unique: BTreeSet<&str> = ids.iter().copied().collect();
    assert_eq!(ids.len(), unique.len(), "ids are unique");
    for mark in marks(&doc, "mark") {
        assert!(has_title(mark), "mark without tooltip");
    }
    doc
}

fn classes<'a>(n: Node<'a, '_>) -> Vec<&'a str> {
    n.attribute("class").unwrap_or("").split(' ').collect()
}

fn marks<'a, 'i>(doc: &'a Document<'i>, class: &str) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| classes(*n).contains(&class))
        .collect()
}

fn has_title(n: Node<'_, '_>) -> bool {
    n.children()
        .any(|c| c.tag_name().name() == "title" && !c.text().unwrap_or("").is_empty())
}

fn texts<'a>(doc: &'a Document<'_>) -> Vec<&'a str> {
    doc.descendants()
        .filter(|n| n.tag_name().name() == "text")
        .filter_map(|n| n.text())
        .collect()
}

fn title_text<'a>(doc: &'a Document<'_>) -> &'a str {
    doc.root_element()
        .children()
        .find(|n| n.tag_name().name() == "title")
        .and_then(|n| n.text())
        .unwrap_or("")
}

fn desc_text<'a>(doc: &'a Document<'_>) -> &'a str {
    doc.root_element()
        .children()
        .find(|n| n.tag_name().name() == "desc")
        .and_then(|n| n.text())
        .unwrap_or("")
}

fn num(n: Node<'_, '_>, attr: &str) -> f64 {
    n.attribute(attr)
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("numeric {attr}"))
}

// Trend.

fn period(start: &str, end: &str, h: Option<f64>, m: Option<f64>) -> TrendPeriod {
    TrendPeriod {
        start: d(start),
        end: d(end),
        headache_days_per_28: h,
        migraine_days_per_28: m,
    }
}

#[test]
fn trend_sample_is_labelled() {
    let svg = trend_svg(&fixtures::trend_input());
    let doc = check(&svg);
    let t = texts(&doc);
    for label in [
        "days per 28 days",
        "date",
        "baseline",
        "session",
        "headache days",
        "migraine days",
    ] {
        assert!(t.contains(&label), "{label}");
    }
    assert!(t.contains(&"insufficient diary data"));
    assert_eq!(
        t.iter().filter(|s| **s == "session").count(),
        2 + 1,
        "two markers and the legend"
    );
    assert!(desc_text(&doc).contains("Baseline 27 Oct 2025 – 23 Nov 2025"));
    assert_eq!(marks(&doc, "gap").len(), 1);
}

#[test]
fn a_response_report_charts_baseline_and_completed_cycles() {
    let rules = RuleSet {
        id: "test".into(),
        name: "test".into(),
        version: "1".into(),
        source: "test".into(),
        preset: DayPreset::Any,
        notes: None,
        criteria: Vec::new(),
        continuation: Vec::new(),
    };
    let diary = fixtures::diary();
    let sessions = fixtures::sessions();
    let report = assess(
        ResponseInput {
            diary: &diary,
            has_migraine_diagnosis: true,
            sessions: &sessions[..2],
            baseline_end: None,
            as_of: d(fixtures::LAST_DAY),
        },
        &rules,
    )
    .expect("sessions given");
    let input = TrendInput::from_response(&report);
    // The baseline and two completed cycles.
    assert_eq!(input.periods.len(), 3);
    assert_eq!(input.sessions, sessions[..2].to_vec());
    assert_eq!(
        input.baseline,
        DateRange::new(d("2025-10-27"), d("2025-11-23"))
    );
    let svg = trend_svg(&input);
    let doc = check(&svg);
    assert_eq!(
        marks(&doc, "mark-headache").len(),
        2,
        "the second cycle lacks data"
    );
    assert_eq!(marks(&doc, "gap").len(), 1);
}

#[test]
fn an_insufficient_period_is_a_gap_never_a_zero() {
    let input = TrendInput {
        id: "t".to_owned(),
        title: "trend".to_owned(),
        periods: vec![
            period("2026-01-01", "2026-01-28", Some(12.0), Some(8.0)),
            period("2026-01-29", "2026-02-25", Some(10.0), Some(6.0)),
            period("2026-02-26", "2026-03-25", None, None),
            period("2026-03-26", "2026-04-22", Some(7.0), Some(3.0)),
            period("2026-04-23", "2026-05-20", Some(6.0), Some(2.0)),
        ],
        sessions: vec![d("2026-01-29")],
        baseline: DateRange::new(d("2026-01-01"), d("2026-01-28")),
    };
    let svg = trend_svg(&input);
    let doc = check(&svg);
    let headache = marks(&doc, "mark-headache");
    let migraine = marks(&doc, "mark-migraine");
    assert_eq!((headache.len(), migraine.len()), (4, 4));
    // No mark sits on the zero line and none is dated in the gap.
    let zero_y = doc
        .descendants()
        .find(|n| n.tag_name().name() == "text" && n.text() == Some("0"))
        .map(|n| num(n, "y") - 11.0 * 0.35)
        .expect("y tick 0");
    for m in &headache {
        assert!((num(*m, "cy") - zero_y).abs() > 1.0, "a mark at zero");
    }
    for m in headache.iter().chain(&migraine) {
        let tip = m.first_element_child().and_then(|t| t.text()).unwrap_or("");
        assert!(!tip.contains("26 Feb 2026"), "{tip}");
    }
    // The lines break at the gap: two runs of two points per series.
    let lines: Vec<Node<'_, '_>> = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "polyline")
        .filter(|n| n.ancestors().any(|a| classes(a).contains(&"series")))
        .collect();
    assert_eq!(lines.len(), 4);
    assert!(
        lines
            .iter()
            .all(|l| l.attribute("points").unwrap_or("").split(' ').count() == 2)
    );
    let gaps = marks(&doc, "gap");
    assert_eq!(gaps.len(), 1);
    let tip = gaps[0]
        .first_element_child()
        .and_then(|t| t.text())
        .unwrap_or("");
    assert!(
        tip.contains("insufficient diary data") && tip.contains("26 Feb 2026"),
        "{tip}"
    );
    assert!(texts(&doc).contains(&"no data"));
    assert!(desc_text(&doc).contains("1 period with insufficient diary data"));
}

#[test]
fn a_missing_value_in_one_series_only_breaks_that_series() {
    let input = TrendInput {
        id: "t".to_owned(),
        title: "trend".to_owned(),
        periods: vec![
            period("2026-01-01", "2026-01-28", Some(12.0), Some(f64::NAN)),
            period("2026-01-29", "2026-02-25", Some(10.0), None),
        ],
        sessions: vec![],
        baseline: None,
    };
    let doc_text = trend_svg(&input);
    let doc = check(&doc_text);
    assert_eq!(marks(&doc, "mark-headache").len(), 2);
    assert_eq!(marks(&doc, "mark-migraine").len(), 0);
    assert_eq!(marks(&doc, "gap").len(), 2);
}

#[test]
fn an_empty_trend_still_has_axes() {
    let input = TrendInput {
        id: "empty".to_owned(),
        title: "nothing yet".to_owned(),
        periods: vec![],
        sessions: vec![],
        baseline: None,
    };
    let svg = trend_svg(&input);
    let doc = check(&svg);
    assert!(texts(&doc).contains(&"days per 28 days"));
    assert!(texts(&doc).contains(&"no diary periods to show"));
}

fn arb_period() -> impl Strategy<Value = (i64, i64, Option<f64>, Option<f64>)> {
    let value = prop_oneof![
        3 => (0.0f64..=40.0).prop_map(Some),
        1 => Just(None),
        1 => Just(Some(f64::NAN)),
    ];
    (0i64..2000, 0i64..60, value.clone(), value)
}

proptest! {
    /// Any periods give well-formed SVG with one mark per finite value.
    #[test]
    fn any_periods_give_one_mark_per_value(
        periods in prop::collection::vec(arb_period(), 0..30),
        sessions in prop::collection::vec(0i64..2000, 0..6),
    ) {
        let base = d("2020-01-01");
        let input = TrendInput {
            id: "p".to_owned(),
            title: "p".to_owned(),
            periods: periods
                .iter()
                .map(|(s, len, h, m)| TrendPeriod {
                    start: base + chrono::Duration::days(*s),
                    end: base + chrono::Duration::days(s + len),
                    headache_days_per_28: *h,
                    migraine_days_per_28: *m,
                })
                .collect(),
            sessions: sessions.iter().map(|s| base + chrono::Duration::days(*s)).collect(),
            baseline: None,
        };
        let svg = trend_svg(&input);
        let doc = check(&svg);
        let finite = |v: &Option<f64>| v.is_some_and(f64::is_finite);
        prop_assert_eq!(
            marks(&doc, "mark-headache").len(),
            periods.iter().filter(|p| finite(&p.2)).count()
        );
        prop_assert_eq!(
            marks(&doc, "mark-migraine").len(),
            periods.iter().filter(|p| finite(&p.3)).count()
        );
        prop_assert_eq!(svg, trend_svg(&input));
    }

    /// Escaped text parses back to itself, in content and in attributes.
    #[test]
    fn escaped_text_round_trips(text in any::<String>()) {
        let xml = format!("<t a=\"{}\">{}</t>", escape(&text), escape(&text));
        let doc = Document::parse(&xml).expect("well-formed");
        let expected: String = text
            .chars()
            .map(|c| match c {
                '\t' | '\n' | '\r' => c,
                c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => '\u{FFFD}',
                c => c,
            })
            .collect();
        prop_assert_eq!(doc.root_element().attribute("a"), Some(expected.as_str()));
        prop_assert_eq!(doc.root_element().text().unwrap_or(""), expected.as_str());
    }
}

// Calendar.

fn empty_month(first: &str) -> CalendarMonth {
    let first = d(first);
    CalendarMonth {
        id: "m".to_owned(),
        title: "month".to_owned(),
        month: first,
        span: DateRange::month_of(first),
        days: vec![],
        preset: DayPreset::Label4h,
    }
}

fn day_cells<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.attribute("data-date").is_some())
        .collect()
}

fn cell<'a, 'i>(doc: &'a Document<'i>, date: &str) -> Node<'a, 'i> {
    doc.descendants()
        .find(|n| n.attribute("data-date") == Some(date))
        .unwrap_or_else(|| panic!("no cell for {date}"))
}

fn cell_rect<'a, 'i>(doc: &'a Document<'i>, date: &str) -> Node<'a, 'i> {
    cell(doc, date)
        .children()
        .find(|n| n.tag_name().name() == "rect")
        .expect("cell rect")
}

#[test]
fn months_have_one_cell_per_day() {
    for (first, days) in [
        ("2026-02-01", 28),
        ("2024-02-01", 29),
        ("2026-04-01", 30),
        ("2026-01-01", 31),
        ("2026-12-15", 31),
    ] {
        let svg = calendar_svg(&empty_month(first));
        let doc = check(&svg);
        let cells = day_cells(&doc);
        assert_eq!(cells.len(), days, "{first}");
        assert!(cells.iter().all(|c| has_title(*c)));
        assert!(
            cells
                .iter()
                .all(|c| classes(*c).contains(&"day-unrecorded"))
        );
    }
}

#[test]
fn weeks_start_on_monday() {
    // 2026-02-01 is a Sunday: last column of the first row; the 2nd, a Monday, opens row 2.
    let svg = calendar_svg(&empty_month("2026-02-01"));
    let doc = check(&svg);
    let header_x = |name: &str| {
        doc.descendants()
            .find(|n| n.tag_name().name() == "text" && n.text() == Some(name))
            .map(|n| num(n, "x"))
            .unwrap_or_else(|| panic!("header {name}"))
    };
    let header: Vec<&str> = doc
        .descendants()
        .filter(|n| classes(*n).contains(&"weekdays"))
        .flat_map(|g| g.children().filter_map(|t| t.text()))
        .filter(|t| !t.trim().is_empty())
        .collect();
    assert_eq!(
        header,
        vec!["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]
    );
    let centre = |date: &str| {
        let r = cell_rect(&doc, date);
        (num(r, "x") + num(r, "width") / 2.0, num(r, "y"))
    };
    let (sun_x, sun_y) = centre("2026-02-01");
    let (mon_x, mon_y) = centre("2026-02-02");
    assert!((sun_x - header_x("Sun")).abs() < 0.2);
    assert!((mon_x - header_x("Mon")).abs() < 0.2);
    assert!(mon_y > sun_y);
    assert_eq!(centre("2026-02-08").0, sun_x);
    assert_eq!(centre("2026-02-28").0, header_x("Sat"));
}

#[test]
fn unrecorded_days_are_not_headache_free() {
    let month = fixtures::february();
    let svg = calendar_svg(&month);
    let doc = check(&svg);
    let free = month
        .days
        .iter()
        .find(|r| r.headache_minutes == 0)
        .expect("a headache-free day");
    let free_date = free.date.to_string();
    for unrecorded in fixtures::FEBRUARY_UNRECORDED {
        let c = cell(&doc, unrecorded);
        assert!(classes(c).contains(&"day-unrecorded"), "{unrecorded}");
        let fill = cell_rect(&doc, unrecorded).attribute("fill").unwrap_or("");
        assert!(fill.starts_with("url(#"), "unrecorded days are hatched");
        assert_ne!(Some(fill), cell_rect(&doc, &free_date).attribute("fill"));
        let tip = c.first_element_child().and_then(|t| t.text()).unwrap_or("");
        assert!(tip.ends_with("not recorded"), "{tip}");
    }
    assert!(classes(cell(&doc, &free_date)).contains(&"day-headache-free"));
    let t = texts(&doc);
    for label in [
        "not recorded",
        "headache-free",
        "mild",
        "moderate",
        "severe",
        "migraine day",
        "acute medication",
        "Mon",
    ] {
        assert!(t.contains(&label), "legend {label}");
    }
    assert!(desc_text(&doc).contains("3 days not recorded"));
}

#[test]
fn calendar_marks_migraine_and_medication_days_from_core_rules() {
    let month = fixtures::february();
    let svg = calendar_svg(&month);
    let doc = check(&svg);
    for r in &month.days {
        let c = cell(&doc, &r.date.to_string());
        let has = |class: &str| c.children().any(|n| classes(n).contains(&class));
        assert_eq!(has("migraine"), r.migraine.is_some(), "{}", r.date);
        assert_eq!(has("medication"), r.acute_medication, "{}", r.date);
        let expected = match r.peak {
            cephalog_core::Intensity::None => "day-headache-free",
            cephalog_core::Intensity::Mild => "day-mild",
            cephalog_core::Intensity::Moderate => "day-moderate",
            cephalog_core::Intensity::Severe => "day-severe",
        };
        assert!(classes(c).contains(&expected), "{}", r.date);
    }
    assert!(month.days.iter().any(|r| r.migraine.is_some()));
    assert!(month.days.iter().any(|r| r.acute_medication));
}

#[test]
fn days_after_the_span_are_blank_not_unrecorded() {
    let month = fixtures::april_to_20th();
    let svg = calendar_svg(&month);
    let doc = check(&svg);
    let outside = day_cells(&doc)
        .into_iter()
        .filter(|c| classes(*c).contains(&"day-outside"))
        .count();
    assert_eq!(outside, 10);
    assert!(classes(cell(&doc, "2026-04-21")).contains(&"day-outside"));
    assert!(classes(cell(&doc, "2026-04-01")).contains(&"day-unrecorded"));
    assert!(texts(&doc).contains(&"not charted"));
}

#[test]
fn calendar_months_cover_the_span() {
    let months = cephalog_charts::calendar_months(
        &fixtures::diary(),
        d("2025-12-20"),
        d("2026-02-10"),
        DayPreset::Any,
        true,
    );
    let firsts: Vec<String> = months.iter().map(|m| m.month.to_string()).collect();
    assert_eq!(firsts, vec!["2025-12-20", "2026-01-01", "2026-02-01"]);
    assert_eq!(months[0].span.start, d("2025-12-20"));
    assert_eq!(months[2].span.end, d("2026-02-10"));
    let ids: BTreeSet<&str> = months.iter().map(|m| m.id.as_str()).collect();
    assert_eq!(ids.len(), 3);
    let svg = calendar_svg(&months[0]);
    let doc = check(&svg);
    assert_eq!(day_cells(&doc).len(), 31);
    assert!(classes(cell(&doc, "2025-12-19")).contains(&"day-outside"));
    assert!(
        cephalog_charts::calendar_months(
            &fixtures::diary(),
            d("2026-02-10"),
            d("2026-02-01"),
            DayPreset::Any,
            true
        )
        .is_empty()
    );
}

// Site map.

fn site_circles<'a, 'i>(doc: &'a Document<'i>) -> Vec<Node<'a, 'i>> {
    doc.descendants()
        .filter(|n| n.attribute("data-site").is_some())
        .collect()
}

fn assert_sites_apart(doc: &Document<'_>) {
    let circles = site_circles(doc);
    for (i, a) in circles.iter().enumerate() {
        for b in &circles[i + 1..] {
            let dist = (num(*a, "cx") - num(*b, "cx")).hypot(num(*a, "cy") - num(*b, "cy"));
            assert!(
                dist >= 2.0 * num(*a, "r"),
                "{:?} and {:?} overlap",
                a.attribute("data-site"),
                b.attribute("data-site")
            );
        }
    }
}

#[test]
fn the_preempt_plan_has_31_numbered_sites_with_stable_ids() {
    let svg = site_map_svg(&fixtures::plan_map());
    let doc = check(&svg);
    let circles = site_circles(&doc);
    assert_eq!(circles.len(), 31);
    let ids: BTreeSet<&str> = circles.iter().filter_map(|c| c.attribute("id")).collect();
    assert_eq!(ids.len(), 31);
    for c in &circles {
        let key = c.attribute("data-site").expect("key");
        assert_eq!(c.attribute("id"), Some(format!("site-{key}").as_str()));
        assert_eq!(c.attribute("data-state"), Some("planned"));
        assert_eq!(c.tag_name().name(), "circle");
        let tip = c
            .first_element_child()
            .and_then(|t| t.text())
            .expect("tooltip");
        assert!(tip.contains(": 5 U planned"), "{tip}");
    }
    for key in [
        "corrugator-left-1",
        "procerus-midline-1",
        "frontalis-right-2",
        "temporalis-left-4",
        "occipitalis-right-3",
        "cervical_paraspinal-left-2",
        "trapezius-right-3",
    ] {
        assert!(ids.contains(format!("site-{key}").as_str()), "{key}");
    }
    let numbers: BTreeSet<u32> = doc
        .descendants()
        .filter(|n| classes(*n).contains(&"site"))
        .filter_map(|g| g.children().find(|n| n.tag_name().name() == "text"))
        .filter_map(|t| t.text()?.parse().ok())
        .collect();
    assert_eq!(numbers, (1..=31).collect());
    let t = texts(&doc);
    for label in [
        "front", "back", "left", "right", "planned", "given", "skipped",
    ] {
        assert!(t.contains(&label), "{label}");
    }
    assert_sites_apart(&doc);
    // The front view shows the patient's left on the viewer's right, the back view on the left.
    let cx = |key: &str| {
        circles
            .iter()
            .find(|c| c.attribute("data-site") == Some(key))
            .map(|c| num(*c, "cx"))
            .expect(key)
    };
    assert!(cx("corrugator-left-1") > cx("procerus-midline-1"));
    assert!(cx("corrugator-right-1") < cx("procerus-midline-1"));
    assert!(cx("occipitalis-left-1") < cx("occipitalis-right-1"));
}

#[test]
fn a_session_shows_given_skipped_changed_and_added_sites() {
    let svg = site_map_svg(&fixtures::session_map());
    let doc = check(&svg);
    let circles = site_circles(&doc);
    // 37 planned (31 + 6 follow-the-pain): 36 given, procerus skipped, one added.
    assert_eq!(circles.len(), 38);
    let state = |key: &str| {
        circles
            .iter()
            .find(|c| c.attribute("data-site") == Some(key))
            .and_then(|c| c.attribute("data-state"))
            .unwrap_or_else(|| panic!("{key}"))
    };
    assert_eq!(state("procerus-midline-1"), "skipped");
    assert_eq!(state("trapezius-left-5"), "added");
    assert_eq!(state("trapezius-left-4"), "given");
    assert_eq!(state("trapezius-right-1"), "given");
    let count = |s: &str| {
        circles
            .iter()
            .filter(|c| c.attribute("data-state") == Some(s))
            .count()
    };
    assert_eq!(
        (count("given"), count("skipped"), count("added")),
        (36, 1, 1)
    );
    let tip = |key: &str| {
        circles
            .iter()
            .find(|c| c.attribute("data-site") == Some(key))
            .and_then(|c| c.first_element_child())
            .and_then(|t| t.text())
            .unwrap_or("")
    };
    assert!(tip("trapezius-right-1").contains("10 U given (planned 5 U)"));
    assert!(tip("procerus-midline-1").contains("skipped"));
    assert!(tip("trapezius-left-4").contains("follow-the-pain"));
    // Skipped sites are drawn hollow with a cross, added ones filled in a solid outer ring.
    let group = |key: &str| {
        circles
            .iter()
            .find(|c| c.attribute("data-site") == Some(key))
            .and_then(|c| c.parent())
            .expect("site group")
    };
    assert_eq!(
        group("procerus-midline-1")
            .children()
            .filter(|n| n.tag_name().name() == "line")
            .count(),
        2
    );
    let ring = |key: &str| {
        group(key)
            .children()
            .find(|n| classes(*n).contains(&"site-ring"))
            .map(|r| r.attribute("stroke-dasharray").is_some())
    };
    assert_eq!(ring("trapezius-left-5"), Some(false), "added: solid ring");
    assert_eq!(
        ring("trapezius-left-4"),
        Some(true),
        "follow-the-pain: dashed ring"
    );
    assert_eq!(ring("trapezius-left-1"), None);
    let fill = |key: &str| {
        circles
            .iter()
            .find(|c| c.attribute("data-site") == Some(key))
            .and_then(|c| c.attribute("fill"))
    };
    assert_ne!(fill("procerus-midline-1"), fill("trapezius-left-1"));
    assert_eq!(fill("trapezius-left-5"), fill("trapezius-left-1"));
    assert!(desc_text(&doc).contains("skipped: 1 site, 5 U"));
    assert_sites_apart(&doc);
}

#[test]
fn every_follow_the_pain_site_has_its_own_place() {
    for muscle in [Muscle::Temporalis, Muscle::Occipitalis, Muscle::Trapezius] {
        for side in [Side::Left, Side::Right] {
            let extra = [(muscle, side); 8];
            let plan = Plan::preempt_ftp_with_caps(&extra, None).expect("label limits only");
            let svg = site_map_svg(&SiteMapInput::for_plan(&plan));
            let doc = check(&svg);
            assert_eq!(site_circles(&doc).len(), 39);
            assert_sites_apart(&doc);
        }
    }
    let label_caps = [
        (Muscle::Temporalis, Side::Left),
        (Muscle::Temporalis, Side::Right),
        (Muscle::Occipitalis, Side::Left),
        (Muscle::Occipitalis, Side::Left),
        (Muscle::Trapezius, Side::Left),
        (Muscle::Trapezius, Side::Right),
        (Muscle::Trapezius, Side::Right),
        (Muscle::Trapezius, Side::Right),
    ];
    let plan =
        Plan::preempt_ftp_with_caps(&label_caps, Some(FtpCaps::BLUMENFELD_2010)).expect("caps");
    let svg = site_map_svg(&SiteMapInput::for_plan(&plan));
    assert_sites_apart(&check(&svg));
}

#[test]
fn nerve_sites_are_drawn_and_named_sites_described() {
    let plan = Plan::occipital_toxin(
        &[
            NerveDose {
                nerve: OccipitalNerve::GreaterOccipital,
                side: Side::Left,
                units: 50,
            },
            NerveDose {
                nerve: OccipitalNerve::GreaterOccipital,
                side: Side::Right,
                units: 50,
            },
            NerveDose {
                nerve: OccipitalNerve::LesserOccipital,
                side: Side::Left,
                units: 15,
            },
        ],
        Concentration::PREEMPT,
    )
    .expect("plan");
    let mut input = SiteMapInput::for_plan(&plan);
    input.sites.push(SiteMark {
        target: Target::Named(Name::new("site", AWKWARD).expect("name")),
        side: Side::Left,
        ordinal: 1,
        units: 10,
        planned_units: None,
        state: SiteState::Given,
    });
    let svg = site_map_svg(&input);
    let doc = check(&svg);
    let keys: BTreeSet<&str> = site_circles(&doc)
        .iter()
        .filter_map(|c| c.attribute("data-site"))
        .collect();
    assert_eq!(
        keys,
        [
            "greater_occipital_nerve-left-1",
            "greater_occipital_nerve-right-1",
            "lesser_occipital_nerve-left-1"
        ]
        .into_iter()
        .collect()
    );
    assert!(desc_text(&doc).contains(AWKWARD), "{}", desc_text(&doc));
}

#[test]
fn site_keys_use_core_names() {
    assert_eq!(
        site_key(&Target::Muscle(Muscle::CervicalParaspinal), Side::Right, 2),
        "cervical_paraspinal-right-2"
    );
    assert_eq!(
        site_key(&Target::Muscle(Muscle::Procerus), Side::Midline, 1),
        "procerus-midline-1"
    );
    let named = Target::Named(Name::new("site", "Sterno cleido!").expect("name"));
    assert_eq!(
        site_key(&named, Side::Left, 1),
        "site_sterno_cleido_-left-1"
    );
    let marks = sites_from_plan(&Plan::preempt());
    assert_eq!(marks.len(), 31);
    assert!(
        marks
            .iter()
            .all(|m| m.state == SiteState::Planned && !m.is_follow_the_pain())
    );
}

// Questionnaires.

#[test]
fn proms_have_two_labelled_panels_with_core_bands() {
    let series = fixtures::prom_series();
    let svg = proms_svg(&series);
    let doc = check(&svg);
    let t = texts(&doc);
    let hit6 = Instrument::Hit6.def();
    let hit6_axis = format!("HIT-6 score ({}–{})", hit6.min_total(), hit6.max_total());
    for label in [
        "MIDAS score (days)",
        hit6_axis.as_str(),
        "date",
        "session",
        "MIDAS total",
        "HIT-6 total",
    ] {
        assert!(t.contains(&label), "{label}");
    }
    assert_eq!(hit6_axis, "HIT-6 score (36–78)");
    for threshold in [6, 11, 21, 50, 56, 60] {
        let suffix = format!("≥{threshold}");
        assert_eq!(
            t.iter().filter(|s| s.ends_with(&suffix)).count(),
            1,
            "{suffix}"
        );
    }
    assert_eq!(
        marks(&doc, "threshold").len(),
        6 + 1,
        "six bands and the legend"
    );
    assert_eq!(
        marks(&doc, "mark-midas").len(),
        series.of(Instrument::Midas).len()
    );
    assert_eq!(
        marks(&doc, "mark-hit6").len(),
        series.of(Instrument::Hit6).len()
    );
    // No PHQ-9 or GAD-7 recorded: no panel for them.
    assert!(!t.iter().any(|s| s.contains("PHQ-9") || s.contains("GAD-7")));
    let tip = marks(&doc, "mark-midas")[0]
        .first_element_child()
        .and_then(|n| n.text())
        .unwrap_or("");
    assert_eq!(tip, "27 Oct 2025: MIDAS 64 (grade IV, severe disability)");
    assert!(desc_text(&doc).contains("latest 52 (some impact)"));
}

#[test]
fn proms_without_answers_say_so() {
    let series = PromSeries {
        id: "none".to_owned(),
        title: "none".to_owned(),
        points: vec![(
            Instrument::Hit6,
            vec![PromPoint {
                date: d("2026-01-05"),
                total: 80,
            }],
        )],
        sessions: vec![],
    };
    let svg = proms_svg(&series);
    let doc = check(&svg);
    assert!(texts(&doc).contains(&"no MIDAS recorded"));
    assert_eq!(marks(&doc, "mark-hit6").len(), 1);
    assert!(desc_text(&doc).contains("MIDAS: none recorded."));
}

/// A screening questionnaire recorded gets its own panel, axis and bands from the registry.
#[test]
fn proms_show_a_recorded_phq9_in_its_own_panel() {
    let mut series = fixtures::prom_series();
    series.points.push((
        Instrument::Phq9,
        vec![
            PromPoint {
                date: d("2025-10-27"),
                total: 16,
            },
            PromPoint {
                date: d("2026-04-27"),
                total: 7,
            },
        ],
    ));
    let svg = proms_svg(&series);
    let doc = check(&svg);
    let t = texts(&doc);
    for label in [
        "PHQ-9 score (0–27)",
        "PHQ-9 total",
        "mild ≥5",
        "moderate ≥10",
        "mod. severe ≥15",
        "severe ≥20",
    ] {
        assert!(t.contains(&label), "{label}");
    }
    assert_eq!(marks(&doc, "mark-phq9").len(), 2);
    assert_eq!(marks(&doc, "threshold").len(), 6 + 4 + 1);
    assert!(desc_text(&doc).contains(
        "PHQ-9: 2 questionnaires, 27 Oct 2025 – 27 Apr 2026; first 16 (moderately severe \
         depressive symptoms), latest 7 (mild depressive symptoms)."
    ));
    assert!(!t.iter().any(|s| s.contains("GAD-7")));
}

// Cohort.

/// A cycle's figures: `judged` patients of whom `met30` and `met50` met the reductions (no
/// figures when `judged` is 0), and the baseline and cycle headache days of each.
fn cycle_figures(
    cycle: usize,
    (judged, met30, met50): (u64, u64, u64),
    baseline: &[f64],
    during: &[f64],
) -> CycleFigures {
    let level = ConfidenceLevel::NINETY_FIVE;
    let share = |k| wilson(k, judged, level).expect("wilson");
    let changes: Vec<f64> = during.iter().zip(baseline).map(|(c, b)| c - b).collect();
    CycleFigures {
        cycle,
        treated: judged + 2,
        in_progress: 0,
        adequate_diary: judged,
        insufficient_diary_data: 2,
        baseline_headache_days: mean_with_t_interval(baseline, level).expect("mean"),
        headache_days: mean_with_t_interval(during, level).expect("mean"),
        headache_days_change: mean_with_t_interval(&changes, level).expect("mean"),
        migraine_days_change: None,
        acute_medication_days_change: None,
        met_30_percent_reduction: share(met30),
        met_50_percent_reduction: share(met50),
        below_15_headache_days: None,
        below_15_among_met_30: None,
        questionnaires: vec![],
        comparators: vec![],
    }
}

fn cohort_cycles() -> Vec<CycleFigures> {
    let baseline: Vec<f64> = (0..20).map(|i| 16.0 + f64::from(i % 7)).collect();
    let during: Vec<f64> = (0..20).map(|i| 6.0 + f64::from(i % 9)).collect();
    vec![
        cycle_figures(1, (20, 12, 8), &baseline, &during),
        // Windows ended, no diary adequate: a gap, never 0.
        cycle_figures(2, (0, 0, 0), &[], &[]),
        // One patient: a mean without an interval.
        cycle_figures(3, (1, 1, 0), &[20.0], &[9.0]),
    ]
}

fn persistence(observations: &[(f64, bool)]) -> Persistence {
    let obs: Vec<Observation> = observations
        .iter()
        .map(|(time, event)| Observation {
            time: *time,
            event: *event,
        })
        .collect();
    let curve = kaplan_meier(&obs).expect("curve");
    let row = |c: &SurvivalCurve, months: f64| AtRisk {
        months,
        at_risk: c.at_risk_at(&[months])[0].1,
        on_treatment: c.survival_at(months),
        band: c.step_at(months).and_then(|s| s.band),
    };
    let stopped = obs.iter().filter(|o| o.event).count() as u64;
    Persistence {
        discontinuation_gap_days: 180,
        gap_mark: Some(UNVERIFIED_MARK),
        patients: obs.len() as u64,
        stopped_by_rule: stopped,
        stopped_by_gap: 0,
        still_on_treatment: obs.len() as u64 - stopped,
        median_months: curve.median(),
        at_risk: [0.0, 3.0, 6.0, 9.0, 12.0, 18.0, 24.0]
            .into_iter()
            .map(|m| row(&curve, m))
            .collect(),
        at_108_weeks: row(&curve, 24.8),
        comparators: vec![],
        curve,
    }
}

fn no_nan(svg: &str) {
    for bad in ["NaN", "inf"] {
        assert!(!svg.contains(bad), "{bad} in the chart");
    }
}

#[test]
fn cohort_responders_have_two_bars_and_whiskers_per_judged_cycle() {
    let cycles = cohort_cycles();
    let svg = cohort_responders_svg("responders", &cycles);
    no_nan(&svg);
    let doc = check(&svg);
    assert_eq!(marks(&doc, "mark-met-30").len(), 2);
    assert_eq!(marks(&doc, "mark-met-50").len(), 2);
    assert_eq!(marks(&doc, "whisker").len(), 4);
    for w in marks(&doc, "whisker") {
        assert!(has_title(w), "whisker without its interval");
    }
    assert_eq!(marks(&doc, "gap").len(), 1, "cycle 2 is a gap");
    // 12 of 20 is 60 % of the 200-pixel plot.
    let first = marks(&doc, "mark-met-30")[0];
    assert!((num(first, "height") - 120.0).abs() < 0.11);
    let t = texts(&doc);
    for label in [
        "1",
        "2",
        "3",
        "20",
        "0",
        "n",
        "treatment cycle",
        "share of patients (%)",
    ] {
        assert!(t.contains(&label), "{label}");
    }
    let n_row: Vec<&str> = marks(&doc, "n").iter().filter_map(|n| n.text()).collect();
    assert_eq!(n_row, ["20", "0", "1"]);
    assert!(title_text(&doc).contains("≥30 % and ≥50 %"));
    let desc = desc_text(&doc);
    assert!(
        desc.contains("Cycle 1: met the ≥30 % reduction 12 of 20 (60.0 %"),
        "{desc}"
    );
    assert!(desc.contains("Cycle 2: insufficient diary data"), "{desc}");
}

#[test]
fn cohort_headache_days_show_cycle_means_with_a_band_beside_the_baseline() {
    let cycles = cohort_cycles();
    let svg = cohort_headache_days_svg("headache", &cycles);
    no_nan(&svg);
    let doc = check(&svg);
    assert_eq!(marks(&doc, "mark-cycle").len(), 2);
    assert_eq!(marks(&doc, "mark-baseline").len(), 2);
    // The single patient of cycle 3 has no interval: one whisker, one band piece.
    assert_eq!(marks(&doc, "whisker-baseline").len(), 1);
    assert_eq!(marks(&doc, "band-segment").len(), 1);
    assert_eq!(marks(&doc, "gap").len(), 1);
    let mean = cycles[0].headache_days.expect("mean");
    let circle = marks(&doc, "mark-cycle")[0];
    assert!((num(circle, "cy") - (214.0 - 200.0 * mean.mean / 28.0)).abs() < 0.06);
    let n_row: Vec<&str> = marks(&doc, "n").iter().filter_map(|n| n.text()).collect();
    assert_eq!(n_row, ["20", "0", "1"]);
    assert!(title_text(&doc).starts_with("Mean headache days per 28 days by treatment cycle"));
    assert!(desc_text(&doc).contains("n 1: no interval"));
}

#[test]
fn cohort_persistence_steps_at_each_stop_with_band_median_and_at_risk() {
    let p = persistence(&[
        (2.0, true),
        (4.0, false),
        (5.0, true),
        (6.0, true),
        (8.0, false),
        (10.0, false),
        (12.0, true),
        (14.0, false),
    ]);
    assert_eq!(p.median_months, Some(12.0));
    let svg = cohort_persistence_svg("persistence", &p);
    no_nan(&svg);
    let doc = check(&svg);
    assert_eq!(marks(&doc, "mark-step").len(), 4);
    assert_eq!(marks(&doc, "band-segment").len(), 4);
    assert_eq!(marks(&doc, "curve").len(), 1);
    let at_risk: Vec<&str> = marks(&doc, "at-risk")
        .iter()
        .filter_map(|n| n.text())
        .collect();
    assert_eq!(at_risk, ["8", "7", "5", "3", "2", "0", "0"]);
    let t = texts(&doc);
    for label in ["0", "3", "12", "24", "at risk", "median 12.0 months"] {
        assert!(t.contains(&label), "{label}");
    }
    let desc = desc_text(&doc);
    assert!(
        desc.contains("Median time on treatment 12.0 months."),
        "{desc}"
    );
    assert!(desc.contains(UNVERIFIED_MARK), "{desc}");
}

#[test]
fn cohort_persistence_without_a_stop_is_flat_and_has_no_median() {
    let p = persistence(&[(3.0, false), (7.5, false)]);
    let svg = cohort_persistence_svg("flat", &p);
    no_nan(&svg);
    let doc = check(&svg);
    assert!(marks(&doc, "mark-step").is_empty());
    assert!(marks(&doc, "band-segment").is_empty());
    assert!(texts(&doc).contains(&"median not reached"));
    let curve = marks(&doc, "curve")[0];
    let ys: BTreeSet<&str> = curve
        .attribute("points")
        .expect("points")
        .split(' ')
        .filter_map(|p| p.split(',').nth(1))
        .collect();
    assert_eq!(ys.into_iter().collect::<Vec<_>>(), ["14.0"], "at 100 %");
    assert!(desc_text(&doc).contains("No one stopped"));
}

#[test]
fn empty_cohort_charts_say_there_is_nothing_to_show() {
    for svg in [
        cohort_responders_svg("r", &[]),
        cohort_headache_days_svg("h", &[]),
    ] {
        no_nan(&svg);
        let doc = check(&svg);
        assert!(texts(&doc).contains(&"no treatment cycles to show"));
        assert!(marks(&doc, "mark").is_empty());
        assert!(desc_text(&doc).starts_with("No treatment cycles to show"));
    }
    let svg = cohort_persistence_svg("p", &persistence(&[]));
    no_nan(&svg);
    let doc = check(&svg);
    assert!(texts(&doc).contains(&"no patients to show"));
    assert!(marks(&doc, "curve").is_empty());
}

#[test]
fn cohort_charts_share_a_page() {
    let cycles = cohort_cycles();
    let p = persistence(&[(2.0, true), (9.0, false)]);
    let page = [
        cohort_responders_svg("cohort-responders", &cycles),
        cohort_headache_days_svg("cohort-headache-days", &cycles),
        cohort_persistence_svg("cohort-persistence", &p),
    ];
    let mut ids = BTreeSet::new();
    for svg in &page {
        let doc = check(svg);
        for id in doc.descendants().filter_map(|n| n.attribute("id")) {
            assert!(ids.insert(id.to_owned()), "{id} twice on the page");
        }
    }
    assert_eq!(page[0], cohort_responders_svg("cohort-responders", &cycles));
}

// All charts.

#[test]
fn titles_are_escaped() {
    let mut trend = fixtures::trend_input();
    trend.title = AWKWARD.to_owned();
    let mut month = fixtures::february();
    month.title = AWKWARD.to_owned();
    let mut sites = fixtures::plan_map();
    sites.title = AWKWARD.to_owned();
    let mut proms = fixtures::prom_series();
    proms.title = AWKWARD.to_owned();
    for svg in [
        trend_svg(&trend),
        calendar_svg(&month),
        site_map_svg(&sites),
        proms_svg(&proms),
    ] {
        assert!(svg.contains("Pat &lt;O&apos;Brien&gt; &amp; &quot;Sons&quot;"));
        let doc = check(&svg);
        assert_eq!(title_text(&doc), AWKWARD);
    }
}

#[test]
fn ids_are_prefixed_so_charts_can_share_a_page() {
    let mut a = fixtures::february();
    a.id = "cal \"a\"".to_owned();
    let svg = calendar_svg(&a);
    let doc = check(&svg);
    assert_eq!(doc.root_element().attribute("id"), Some("cal--a-"));
    assert!(
        doc.descendants()
            .filter_map(|n| n.attribute("id"))
            .all(|id| id.starts_with("cal--a-"))
    );
}

#[test]
fn output_is_deterministic() {
    assert_eq!(
        trend_svg(&fixtures::trend_input()),
        trend_svg(&fixtures::trend_input())
    );
    assert_eq!(
        calendar_svg(&fixtures::february()),
        calendar_svg(&fixtures::february())
    );
    assert_eq!(
        site_map_svg(&fixtures::session_map()),
        site_map_svg(&fixtures::session_map())
    );
    assert_eq!(
        proms_svg(&fixtures::prom_series()),
        proms_svg(&fixtures::prom_series())
    );
    // Input order does not matter.
    let mut shuffled = fixtures::session_map();
    shuffled.sites.reverse();
    assert_eq!(
        site_map_svg(&shuffled),
        site_map_svg(&fixtures::session_map())
    );
    let mut trend = fixtures::trend_input();
    trend.periods.reverse();
    assert_eq!(trend_svg(&trend), trend_svg(&fixtures::trend_input()));
}
