//! The E2B(R3) export, read back and checked element by element against the FDA table.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use cephalog_core::Sex;
use cephalog_core::safety::{
    Causality, IcsrElement, IcsrPatient, IcsrPatientDraft, ReporterDraft, SeriousOutcome,
    SuspectProductDraft,
};
use cephalog_e2b::{ExportError, MissingElement, Sender, SenderDraft, icsr_xml};
use roxmltree::Document;

use crate::fixtures::{
    PRODUCT, assert_golden, d, event, event_with, header, patient, patient_draft, sender,
    sender_draft,
};
use crate::table::{self, Allowed, Row};
use crate::xpath;

const IE: &str = "/MCCI_IN200100UV01/PORR_IN049016UV[r]/controlActProcess[@classCode='CACT']\
[@moodCode='EVN']/subject[@typeCode='SUBJ'][1]/investigationEvent[@classCode='INVSTG'][@moodCode='EVN']";
const ROLE: &str = "/component[@typeCode='COMP'][adverseEventAssessment][1]/adverseEventAssessment\
[@classCode='INVSTG'][@moodCode='EVN']/subject1[@typeCode='SBJ'][1]/primaryRole[@classCode='INVSBJ']";

/// FDA-regional rows whose table XPath differs from where the FDA's own example messages put the
/// element (the README's known wrinkles), checked where the examples put them:
/// (element, value path relative to the investigation event, null path or "").
const EXAMPLE_PLACES: &[(&str, &str, &str)] = &[
    // The table points at a subjectOf2/investigationCharacteristic coded 2 in the ICH
    // observation list; both examples write an observationEvent coded C54588.
    (
        "FDA.C.1.7.1",
        "/component[@typeCode='COMP'][observationEvent/code[@code='C54588']\
         [@codeSystem='2.16.840.1.113883.3.26.1.1']][1]/observationEvent[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='CE'][@codeSystem='2.16.840.1.113883.3.989.5.1.2.2.1.1.1']/@code",
        "",
    ),
    // The table points at a subjectOf2/investigationCharacteristic; the examples write an
    // observationEvent coded C156384.
    (
        "FDA.C.1.12",
        "/component[@typeCode='COMP'][observationEvent/code[@code='C156384']\
         [@codeSystem='2.16.840.1.113883.3.26.1.1']][1]/observationEvent[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='BL']/@value",
        "/component[@typeCode='COMP'][observationEvent/code[@code='C156384']\
         [@codeSystem='2.16.840.1.113883.3.26.1.1']][1]/observationEvent[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='BL']/@nullFlavor",
    ),
    // The table points at player1/raceCode; the examples write an observation coded C17049.
    (
        "FDA.D.11.r.1",
        "ROLE/subjectOf2[@typeCode='SBJ'][observation/code[@code='C17049']\
         [@codeSystem='2.16.840.1.113883.3.26.1.1']][r]/observation[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='CE'][@codeSystem='2.16.840.1.113883.3.26.1.1']/@code",
        "ROLE/subjectOf2[@typeCode='SBJ'][observation/code[@code='C17049']\
         [@codeSystem='2.16.840.1.113883.3.26.1.1']][r]/observation[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='CE']/@nullFlavor",
    ),
    // The table's code is garbled ('726', two OIDs run together); the examples write code 7 in
    // the FDA observation list.
    (
        "FDA.E.i.3.2h",
        "ROLE/subjectOf2[@typeCode='SBJ'][observation[id][code[@code='29']\
         [@codeSystem='2.16.840.1.113883.3.989.2.1.1.19']]][i]/observation[@classCode='OBS']\
         [@moodCode='EVN']/outboundRelationship2[@typeCode='PERT'][observation/code[@code='7']\
         [@codeSystem='2.16.840.1.113883.3.989.5.1.2.2.1.3']][1]/observation[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='BL'][1]/@value",
        "ROLE/subjectOf2[@typeCode='SBJ'][observation[id][code[@code='29']\
         [@codeSystem='2.16.840.1.113883.3.989.2.1.1.19']]][i]/observation[@classCode='OBS']\
         [@moodCode='EVN']/outboundRelationship2[@typeCode='PERT'][observation/code[@code='7']\
         [@codeSystem='2.16.840.1.113883.3.989.5.1.2.2.1.3']][1]/observation[@classCode='OBS']\
         [@moodCode='EVN']/value[@xsi:type='BL'][1]/@nullFlavor",
    ),
];

fn rows() -> &'static [Row] {
    static ROWS: OnceLock<Vec<Row>> = OnceLock::new();
    ROWS.get_or_init(table::load)
}

fn row(number: &str) -> &'static Row {
    rows()
        .iter()
        .find(|r| r.number == number)
        .unwrap_or_else(|| panic!("{number} is not in the FDA table"))
}

fn place(relative: &str) -> String {
    let expanded = relative.replace("ROLE", ROLE);
    format!("{IE}{expanded}")
}

/// The value and null paths of a row: the example messages' place for the rows above; where the
/// table allows a nullFlavor but gives no null path, the nullFlavor on the same element.
fn paths(row: &Row) -> Result<(xpath::Path, Option<xpath::Path>), String> {
    let (value, null) = match EXAMPLE_PLACES.iter().find(|(n, _, _)| *n == row.number) {
        Some((_, v, n)) => (
            place(v),
            if n.is_empty() {
                String::new()
            } else {
                place(n)
            },
        ),
        None => (row.value_xpath.clone(), row.null_xpath.clone()),
    };
    let value = xpath::parse(&value)?;
    let null = if !null.is_empty() {
        Some(xpath::parse(&null)?)
    } else if row.null_flavors.is_empty() {
        None
    } else {
        Some(xpath::null_flavor_of(&value))
    };
    Ok((value, null))
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Found {
    Values(Vec<String>),
    NullFlavor(String),
}

fn resolve(doc: &Document<'_>, row: &Row) -> Result<Found, String> {
    let (value, null) = paths(row)?;
    let values: Vec<String> = xpath::evaluate(doc, &value)
        .into_iter()
        .filter(|v| !v.is_empty())
        .collect();
    if !values.is_empty() {
        return Ok(Found::Values(values));
    }
    if let Some(flavor) = null.and_then(|n| xpath::evaluate(doc, &n).into_iter().next()) {
        return if row.null_flavors.contains(&flavor) {
            Ok(Found::NullFlavor(flavor))
        } else {
            Err(format!(
                "nullFlavor {flavor} is not one the table allows ({:?})",
                row.null_flavors
            ))
        };
    }
    Err("nothing at its XPath".into())
}

fn values(doc: &Document<'_>, number: &str) -> Vec<String> {
    match resolve(doc, row(number)) {
        Ok(Found::Values(v)) => v,
        other => panic!("{number}: expected values, found {other:?}"),
    }
}

fn null_flavor(doc: &Document<'_>, number: &str) -> String {
    match resolve(doc, row(number)) {
        Ok(Found::NullFlavor(f)) => f,
        other => panic!("{number}: expected a nullFlavor, found {other:?}"),
    }
}

fn export() -> String {
    icsr_xml(&event(), &patient(), &header(), &sender()).expect("complete case exports")
}

fn parse(xml: &str) -> Document<'_> {
    Document::parse(xml).expect("the export is well-formed XML")
}

/// Every required row that does not resolve, with the reason.
fn unmet(doc: &Document<'_>, required: impl Fn(&Row) -> bool) -> Vec<String> {
    rows()
        .iter()
        .filter(|r| required(r))
        .filter_map(|r| {
            resolve(doc, r)
                .err()
                .map(|why| format!("[{}] {} {}: {why}", r.source, r.number, r.name))
        })
        .collect()
}

#[test]
fn the_table_lists_the_required_elements() {
    let ich = rows().iter().filter(|r| r.ich_required()).count();
    let post_market = rows().iter().filter(|r| r.post_market_required()).count();
    assert!(ich >= 30, "{ich} ICH-required rows");
    assert!(post_market >= 15, "{post_market} post-market-required rows");
    for r in rows()
        .iter()
        .filter(|r| r.ich_required() || r.post_market_required())
    {
        paths(r).unwrap_or_else(|e| panic!("{}: {e}", r.number));
    }
}

fn example(file: &str) -> String {
    let path = table::example_path(file);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{} is needed: {e}", path.display()))
}

/// The matcher and the example places above, checked on the FDA's own messages: both meet every
/// ICH-required row (as the README says), and the post-market example meets every post-market
/// row.
#[test]
fn the_fda_examples_meet_every_required_row() {
    for (file, post_market) in [
        ("FAERS2022Scenario1.xml", true),
        ("FAERS2022Scenario3.xml", false),
    ] {
        let xml = example(file);
        let doc = parse(&xml);
        let failures = unmet(&doc, |r| {
            r.ich_required() || (post_market && r.post_market_required())
        });
        assert!(failures.is_empty(), "{file}:\n{}", failures.join("\n"));
    }
}

#[test]
fn the_check_catches_a_missing_element_and_a_wrong_null_flavor() {
    let xml = export();
    let no_initials = xml.replacen("<name>JD</name>", "<name/>", 1);
    let failures = unmet(&parse(&no_initials), Row::ich_required);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(failures[0].contains("D.1 "), "{failures:?}");
    let wrong_flavor = xml.replacen("nullFlavor=\"NI\"", "nullFlavor=\"UNK\"", 1);
    let failures = unmet(&parse(&wrong_flavor), Row::ich_required);
    assert_eq!(failures.len(), 1, "{failures:?}");
    assert!(
        failures[0].contains("not one the table allows"),
        "{failures:?}"
    );
}

#[test]
fn every_required_element_is_at_its_xpath() {
    let xml = export();
    let doc = parse(&xml);
    let failures = unmet(&doc, |r| r.ich_required() || r.post_market_required());
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_value_written_is_one_the_table_allows() {
    let xml = export();
    let doc = parse(&xml);
    let mut checked = BTreeSet::new();
    let mut failures = Vec::new();
    for r in rows() {
        let allowed = Allowed::of(r);
        match resolve(&doc, r) {
            Ok(Found::Values(vs)) => {
                for v in vs.iter().filter(|v| !allowed.admits(v)) {
                    failures.push(format!("{}: '{v}' is not allowed by {allowed:?}", r.number));
                }
                if allowed != Allowed::Unchecked {
                    checked.insert(r.number.as_str());
                }
            }
            Ok(Found::NullFlavor(_)) => {}
            Err(why) if r.ich_required() || r.post_market_required() => {
                failures.push(format!("{}: {why}", r.number));
            }
            Err(_) => {}
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
    for coded in [
        "N.1.1",
        "N.1.5",
        "C.1.2",
        "C.1.3",
        "C.1.6.1",
        "C.1.7",
        "FDA.C.1.7.1",
        "C.1.8.2",
        "FDA.C.1.12",
        "C.2.r.3",
        "C.2.r.4",
        "C.2.r.5",
        "C.3.1",
        "C.3.4.5",
        "D.2.2b",
        "D.5",
        "E.i.1.1b",
        "E.i.2.1a",
        "E.i.2.1b",
        "E.i.3.2f",
        "E.i.7",
        "G.k.1",
        "G.k.8",
    ] {
        assert!(checked.contains(coded), "{coded} was not checked");
    }
}

#[test]
fn golden_complete_case() {
    assert_golden("complete_case.xml", &export());
}

#[test]
fn the_case_is_written_where_the_table_says() {
    let xml = export();
    let doc = parse(&xml);
    assert_eq!(values(&doc, "N.1.2"), ["CEPHALOG-B-2026-0007"]);
    assert_eq!(values(&doc, "N.1.5"), ["20260309143005-0500"]);
    assert_eq!(values(&doc, "C.1.1"), ["US-CEPHALOGHC-2026000123"]);
    assert_eq!(values(&doc, "N.2.r.1"), values(&doc, "C.1.1"));
    assert_eq!(values(&doc, "C.1.8.1"), values(&doc, "C.1.1"));
    assert_eq!(values(&doc, "N.2.r.4"), values(&doc, "C.1.2"));
    assert_eq!(values(&doc, "C.1.4"), ["20260305"]);
    assert_eq!(values(&doc, "C.1.5"), ["20260306"]);
    assert_eq!(values(&doc, "N.1.4"), ["ZZFDA"]);
    assert_eq!(values(&doc, "N.2.r.3"), ["CDER"]);
    assert_eq!(values(&doc, "D.1"), ["JD"]);
    assert_eq!(values(&doc, "D.1.1.2"), ["HC-004217"]);
    assert_eq!(values(&doc, "D.2.1"), ["19810719"]);
    assert_eq!(values(&doc, "D.2.2a"), ["44"]);
    assert_eq!(values(&doc, "D.3"), ["64.5"]);
    assert_eq!(values(&doc, "D.5"), ["2"]);
    assert_eq!(null_flavor(&doc, "FDA.D.12"), "UNK");
    assert_eq!(null_flavor(&doc, "FDA.D.11.r.1"), "UNK");
    assert_eq!(values(&doc, "E.i.1.1a"), ["Eyelid ptosis, left"]);
    assert_eq!(values(&doc, "E.i.2.1b"), ["10015995"]);
    assert_eq!(values(&doc, "E.i.2.1a"), ["28.1"]);
    assert_eq!(values(&doc, "E.i.4"), ["20260304"]);
    assert_eq!(values(&doc, "E.i.7"), ["1"]);
    assert_eq!(values(&doc, "C.2.r.1.2"), ["Maria"]);
    assert_eq!(values(&doc, "C.2.r.1.4"), ["Okafor"]);
    assert_eq!(values(&doc, "C.2.r.4"), ["1"]);
    assert_eq!(values(&doc, "C.2.r.3"), ["US"]);
    assert_eq!(
        values(&doc, "FDA.C.2.r.2.8"),
        ["mailto:m.okafor@headache-clinic.example"]
    );
    assert_eq!(values(&doc, "C.3.2"), ["Lakeside Headache Clinic"]);
    assert_eq!(values(&doc, "C.3.1"), ["3"]);
    assert_eq!(values(&doc, "H.1"), [event().narrative()]);
}

#[test]
fn seriousness_criteria_map_to_e_i_3_2() {
    let xml = export();
    let doc = parse(&xml);
    assert_eq!(values(&doc, "E.i.3.2f"), ["true"]);
    for unflagged in [
        "E.i.3.2a",
        "E.i.3.2b",
        "E.i.3.2c",
        "E.i.3.2d",
        "E.i.3.2e",
        "FDA.E.i.3.2h",
    ] {
        assert_eq!(null_flavor(&doc, unflagged), "NI", "{unflagged}");
    }
    assert_eq!(values(&doc, "C.1.7"), ["true"]);
    assert_eq!(values(&doc, "FDA.C.1.7.1"), ["1"]);

    let each = [
        (SeriousOutcome::Death, "E.i.3.2a"),
        (SeriousOutcome::LifeThreatening, "E.i.3.2b"),
        (SeriousOutcome::Hospitalization, "E.i.3.2c"),
        (SeriousOutcome::Disability, "E.i.3.2d"),
        (SeriousOutcome::CongenitalAnomaly, "E.i.3.2e"),
        (SeriousOutcome::OtherImportantMedicalEvent, "E.i.3.2f"),
        (SeriousOutcome::RequiredIntervention, "FDA.E.i.3.2h"),
    ];
    for (outcome, number) in each {
        let e = event_with(|dr| {
            dr.seriousness = vec![outcome];
            if outcome == SeriousOutcome::Death {
                dr.outcome = cephalog_core::EventOutcome::Fatal;
            }
        });
        let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
        let doc = parse(&xml);
        assert_eq!(values(&doc, number), ["true"], "{outcome}");
        let set: Vec<&str> = each
            .iter()
            .map(|(_, n)| *n)
            .filter(|n| resolve(&doc, row(n)) == Ok(Found::Values(vec!["true".into()])))
            .collect();
        let expected: Vec<&str> = if outcome == SeriousOutcome::RequiredIntervention {
            vec!["E.i.3.2f", "FDA.E.i.3.2h"]
        } else {
            vec![number]
        };
        assert_eq!(set, expected, "{outcome}");
    }
}

#[test]
fn a_non_serious_case_is_not_expedited() {
    let e = event_with(|dr| dr.seriousness.clear());
    let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(values(&doc, "C.1.7"), ["false"]);
    assert_eq!(values(&doc, "FDA.C.1.7.1"), ["2"]);
    for n in [
        "E.i.3.2a",
        "E.i.3.2b",
        "E.i.3.2c",
        "E.i.3.2d",
        "E.i.3.2e",
        "E.i.3.2f",
        "FDA.E.i.3.2h",
    ] {
        assert_eq!(null_flavor(&doc, n), "NI", "{n}");
    }
}

#[test]
fn administrations_of_one_product_share_a_drug_entry() {
    let e = event_with(|dr| {
        dr.suspect_products.push(SuspectProductDraft {
            product_name: "incobotulinumtoxinA".into(),
            lot_number: None,
            dose_units: None,
            session_date: d("2026-01-10"),
        })
    });
    let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(values(&doc, "G.k.2.2"), [PRODUCT, "incobotulinumtoxinA"]);
    assert_eq!(values(&doc, "G.k.1"), ["1", "1"]);
    assert_eq!(values(&doc, "G.k.4.r.7"), ["C6123AC4", "C6456BD2"]);
    assert_eq!(values(&doc, "G.k.4.r.10.1"), ["Intramuscular"; 3]);
    assert_eq!(values(&doc, "G.k.8"), ["4", "4"]);
    let doses: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("doseQuantity"))
        .map(|n| (n.attribute("value"), n.attribute("unit")))
        .collect();
    assert_eq!(doses, [(Some("155"), Some("U")), (Some("155"), Some("U"))]);
    let product_ids: BTreeSet<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("productUseReference"))
        .filter_map(|n| n.first_element_child())
        .filter_map(|id| id.attribute("root"))
        .collect();
    assert_eq!(product_ids.len(), 2, "one id per drug");
}

#[test]
fn causality_is_written_per_drug_unless_not_assessed() {
    let count = |xml: &str| {
        parse(xml)
            .descendants()
            .filter(|n| {
                n.has_tag_name("causalityAssessment")
                    && n.first_element_child()
                        .is_some_and(|c| c.attribute("code") == Some("39"))
            })
            .count()
    };
    assert_eq!(count(&export()), 1);
    let e = event_with(|dr| dr.causality = Causality::NotAssessed);
    let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
    assert_eq!(count(&xml), 0);
    assert!(export().contains("<value xsi:type=\"ST\">Possibly related</value>"));
}

#[test]
fn patient_without_initials_or_sex_gets_permitted_null_flavors() {
    let masked = IcsrPatient::try_from(IcsrPatientDraft {
        initials: None,
        sex: Some(Sex::Other),
        ..patient_draft()
    })
    .expect("patient");
    let xml = icsr_xml(&event(), &masked, &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(null_flavor(&doc, "D.1"), "MSK");
    assert_eq!(null_flavor(&doc, "D.5"), "MSK");
    let age_only = IcsrPatient::try_from(IcsrPatientDraft {
        age_years: Some(52),
        ..IcsrPatientDraft::default()
    })
    .expect("patient");
    let xml = icsr_xml(&event(), &age_only, &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(null_flavor(&doc, "D.1"), "UNK");
    assert_eq!(null_flavor(&doc, "D.5"), "UNK");
    assert_eq!(values(&doc, "D.2.2a"), ["52"]);
    assert!(
        resolve(&doc, row("D.2.1")).is_err(),
        "no birth date written"
    );
    assert!(unmet(&doc, |r| r.ich_required() || r.post_market_required()).is_empty());
}

#[test]
fn reporter_without_email_gets_the_fda_null_flavor() {
    let e = event_with(|dr| dr.reporter.email = None);
    let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(null_flavor(&doc, "FDA.C.2.r.2.8"), "NASK");
    assert!(xml.contains("<telecom nullFlavor=\"NASK\" value=\"mailto\"/>"));
}

#[test]
fn text_is_escaped_and_reads_back_unchanged() {
    let narrative = "Ptosis <left> & \"mild\" — après séance";
    let e = event_with(|dr| {
        dr.narrative = narrative.into();
        dr.reported_term = "Ptosis & <diplopia>".into();
    });
    let xml = icsr_xml(&e, &patient(), &header(), &sender()).expect("exports");
    let doc = parse(&xml);
    assert_eq!(values(&doc, "H.1"), [narrative]);
    assert_eq!(values(&doc, "E.i.1.1a"), ["Ptosis & <diplopia>"]);
}

#[test]
fn the_same_case_gives_the_same_message_and_ids_follow_the_case() {
    assert_eq!(export(), export());
    let mut other = header();
    other.case_id = "US-CEPHALOGHC-2026000124".into();
    let a = export();
    let b = icsr_xml(&event(), &patient(), &other, &sender()).expect("exports");
    let reaction_id = |xml: &str| {
        parse(xml)
            .descendants()
            .find(|n| n.has_tag_name("adverseEffectReference"))
            .and_then(|n| n.first_element_child())
            .and_then(|id| id.attribute("root").map(str::to_owned))
            .expect("reaction id")
    };
    assert_ne!(reaction_id(&a), reaction_id(&b));
}

#[test]
fn an_invalid_case_is_refused_naming_what_is_missing() {
    let bare = event_with(|dr| {
        dr.reporter = ReporterDraft::default();
        dr.suspect_products.clear();
        dr.meddra_code = None;
        dr.narrative = String::new();
    });
    let nobody = IcsrPatient::try_from(IcsrPatientDraft::default()).expect("patient");
    let err = icsr_xml(&bare, &nobody, &header(), &sender()).expect_err("invalid case");
    let ExportError::Incomplete { missing } = &err else {
        panic!("expected Incomplete, got {err}");
    };
    assert_eq!(
        missing,
        &[
            MissingElement::Icsr(IcsrElement::Reporter),
            MissingElement::Icsr(IcsrElement::Patient),
            MissingElement::Icsr(IcsrElement::SuspectProduct),
            MissingElement::MeddraCode,
            MissingElement::Narrative,
        ]
    );
    let message = err.to_string();
    for words in [
        "identifiable reporter",
        "identifiable patient",
        "suspect product",
        "MedDRA code",
        "narrative",
    ] {
        assert!(message.contains(words), "{message}");
    }
}

#[test]
fn each_missing_element_alone_is_named() {
    let cases = [
        (
            event_with(|dr| dr.reporter.country = None),
            MissingElement::Icsr(IcsrElement::Reporter),
        ),
        (
            event_with(|dr| dr.suspect_products.clear()),
            MissingElement::Icsr(IcsrElement::SuspectProduct),
        ),
        (
            event_with(|dr| dr.meddra_code = None),
            MissingElement::MeddraCode,
        ),
        (
            event_with(|dr| dr.narrative = " ".into()),
            MissingElement::Narrative,
        ),
    ];
    for (e, expected) in cases {
        match icsr_xml(&e, &patient(), &header(), &sender()) {
            Err(ExportError::Incomplete { missing }) => assert_eq!(missing, [expected]),
            other => panic!("{expected}: {other:?}"),
        }
    }
    let nobody = IcsrPatient::try_from(IcsrPatientDraft::default()).expect("patient");
    match icsr_xml(&event(), &nobody, &header(), &sender()) {
        Err(ExportError::Incomplete { missing }) => {
            assert_eq!(missing, [MissingElement::Icsr(IcsrElement::Patient)])
        }
        other => panic!("patient: {other:?}"),
    }
}

#[test]
fn header_and_sender_are_checked() {
    let refused = |f: &dyn Fn(&mut cephalog_e2b::IcsrHeader)| {
        let mut h = header();
        f(&mut h);
        match icsr_xml(&event(), &patient(), &h, &sender()) {
            Err(ExportError::InvalidInput { field, .. }) => field,
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    };
    assert_eq!(
        refused(&|h| h.meddra_version = "28".into()),
        "E.i.2.1a MedDRA version"
    );
    assert_eq!(refused(&|h| h.language = "en".into()), "E.i.1.1b language");
    assert_eq!(
        refused(&|h| h.case_id = " ".into()),
        "C.1.1 case identifier"
    );
    assert_eq!(
        refused(&|h| h.latest_information = Some(d("2026-03-04"))),
        "C.1.5 most recent information"
    );
    assert_eq!(
        refused(&|h| h.latest_information = Some(d("2026-03-10"))),
        "C.1.5 most recent information"
    );
    let mut h = header();
    h.latest_information = None;
    let xml = icsr_xml(&event(), &patient(), &h, &sender()).expect("exports");
    assert_eq!(
        values(&parse(&xml), "C.1.5"),
        ["20260305"],
        "awareness date"
    );

    let err = Sender::try_from(SenderDraft {
        fax: "  ".into(),
        ..sender_draft()
    })
    .expect_err("no fax");
    assert!(err.to_string().starts_with("C.3.4.7 sender fax"), "{err}");
    let err = Sender::try_from(SenderDraft {
        country: "USA".into(),
        ..sender_draft()
    })
    .expect_err("bad country");
    assert!(err.to_string().starts_with("C.3.4.5"), "{err}");
}

/// Found by the fuzzer (`cephalog-fuzz`, e2b_sender): a sender field holding a control character
/// gave a message no XML reader accepts. The sender and the header name the field; the
/// text of the case names its element too.
#[test]
fn characters_xml_cannot_carry_are_refused_not_written() {
    let err = Sender::try_from(SenderDraft {
        department: "Neuro\u{0}logy".into(),
        ..sender_draft()
    })
    .expect_err("a NUL in the department");
    assert!(
        err.to_string()
            .starts_with("C.3.3.1 sender department: holds the character U+0000"),
        "{err}"
    );
    let mut h = header();
    h.sender_id = "CLINIC\u{1b}".into();
    let err = icsr_xml(&event(), &patient(), &h, &sender()).expect_err("an escape character");
    assert!(
        err.to_string().starts_with("N.1.3 sender identifier"),
        "{err}"
    );
    let e = event_with(|dr| dr.narrative = "Ptosis\u{b} after the session.".into());
    let err = icsr_xml(&e, &patient(), &header(), &sender()).expect_err("a vertical tab");
    assert!(
        err.to_string()
            .starts_with("H.1 case narrative: holds the character U+000B"),
        "{err}"
    );
    // Tabs and line breaks are XML characters and are written.
    let e = event_with(|dr| dr.narrative = "Ptosis\tafter\r\nthe session.".into());
    parse(&icsr_xml(&e, &patient(), &header(), &sender()).expect("exports"));
}
