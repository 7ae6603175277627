//! The clinic outcomes report typeset from the fixture clinic and read back: the cohort report's
//! own figures in the PDF, the charts embedded, a clinic name with Typst markup printed as text,
//! and an empty selection saying so and naming its filters.

use std::path::Path;
use std::process::Command;

use cephalog_app::cohort::{CohortFilter, cohort_report};
use cephalog_app::figures::terse::{mean_ci, share};
use cephalog_reports::cohort::TITLE;
use cephalog_store::DEFAULT_CLINIC;

use crate::fixture::{clinic, today};
use crate::pdf;

const RULES: &str = "nice-ta260";
const HOSTILE: &str = "#panic(\"boom\") *Clinic* _one_ [x] $y$ <l> @r // c";

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Without any white space: a table cell wrapped at a dash reads the same.
fn compact(s: &str) -> String {
    s.split_whitespace().collect()
}

/// The PDF's text in reading order (no layout), so a table cell wrapped over lines stays whole.
fn raw_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-raw", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success(), "pdftotext failed");
    words(&String::from_utf8(out.stdout).expect("utf-8"))
}

async fn clinic_id(store: &cephalog_store::Store, name: &str) -> uuid::Uuid {
    cephalog_app::patients::clinic(store, name)
        .await
        .expect("clinic")
}

#[tokio::test]
async fn clinic_outcomes_print_the_cohort_reports_figures() {
    let c = clinic().await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let mut filter = CohortFilter::new(RULES);
    filter.clinic = Some(clinic_id(&c.store, DEFAULT_CLINIC).await);
    let outcomes =
        cephalog_reports::load::clinic_outcomes(&c.store, &rules, &filter, today(), today())
            .await
            .expect("outcomes");
    // The figures are the app's cohort report's.
    let expected = cohort_report(&c.store, &rules, &filter, today())
        .await
        .expect("cohort");
    assert_eq!(outcomes.report, expected);
    assert_eq!(expected.patients.selected, 1);
    assert!(!expected.cycles.is_empty());
    assert_eq!(outcomes.clinic.as_deref(), Some(DEFAULT_CLINIC));

    let (markup, charts) = outcomes.markup();
    let names: Vec<&str> = charts.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "cohort-responders",
            "cohort-headache-days",
            "cohort-persistence"
        ]
    );
    for chart in &charts {
        assert!(markup.contains(&chart.path()), "{} embedded", chart.name);
    }

    let report = outcomes.render().expect("render");
    assert!(report.pdf.starts_with(b"%PDF-"));
    assert_eq!(
        report.file_name,
        "clinic-outcomes-Main-clinic-2026-07-01.pdf"
    );
    let typeset = words(&report.page_texts.join(" "));
    for wanted in [
        TITLE,
        "Main clinic",
        "rules nice-ta260, clinic Main clinic",
        "Patients selected: 1 of 1 considered",
        "[unverified default]",
        "neck pain",
    ] {
        assert!(typeset.contains(wanted), "{wanted} in the report");
    }

    let path = pdf::save(&report.pdf, "clinic-outcomes");
    if !pdf::tools("clinic_outcomes_print_the_cohort_reports_figures") {
        return;
    }
    assert_eq!(pdf::pages(&path), report.pages, "pdfinfo agrees with typst");
    pdf::screenshot(&path, "clinic-outcomes");
    let text = raw_text(&path);
    let packed = compact(&text);
    assert!(text.contains(TITLE), "{text}");
    assert!(
        text.contains("Patients selected: 1 of 1 considered"),
        "{text}"
    );
    for c in &expected.cycles {
        for figure in [
            mean_ci(&c.baseline_headache_days),
            mean_ci(&c.headache_days),
            mean_ci(&c.headache_days_change),
            share(&c.met_30_percent_reduction),
            share(&c.met_50_percent_reduction),
        ] {
            assert!(
                packed.contains(&compact(&figure)),
                "cycle {}: {figure} in the PDF\n{text}",
                c.cycle
            );
        }
    }
    let ps = &expected.persistence;
    assert!(
        text.contains(&format!(
            "Patients: {}; {} stopped by a rule, {} by the gap, {} still on treatment",
            ps.patients, ps.stopped_by_rule, ps.stopped_by_gap, ps.still_on_treatment
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!("{} sessions.", expected.safety.sessions)),
        "{text}"
    );
}

#[tokio::test]
async fn clinic_outcomes_escape_the_clinic_name_and_say_when_no_patient_matches() {
    let c = clinic().await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let mut filter = CohortFilter::new(RULES);
    filter.clinic = Some(clinic_id(&c.store, HOSTILE).await);
    let outcomes =
        cephalog_reports::load::clinic_outcomes(&c.store, &rules, &filter, today(), today())
            .await
            .expect("outcomes");
    assert_eq!(outcomes.report.patients.selected, 0);
    let (_, charts) = outcomes.markup();
    assert!(charts.is_empty(), "no charts of nobody");
    let report = outcomes
        .render()
        .expect("markup in the name is text, not code");
    let typeset = words(&report.page_texts.join(" "));
    assert!(typeset.contains(&words(HOSTILE)), "{typeset}");
    assert!(
        typeset.contains(&words(&format!(
            "No patients match: rules nice-ta260, clinic {HOSTILE}."
        ))),
        "{typeset}"
    );

    // Another filter that matches nobody in a clinic that has patients.
    let mut aged = CohortFilter::new(RULES);
    aged.age = Some((100, 110));
    let outcomes =
        cephalog_reports::load::clinic_outcomes(&c.store, &rules, &aged, today(), today())
            .await
            .expect("outcomes");
    let report = outcomes.render().expect("render");
    let path = pdf::save(&report.pdf, "clinic-outcomes-none");
    if !pdf::tools("clinic_outcomes_escape_the_clinic_name_and_say_when_no_patient_matches") {
        return;
    }
    let text = raw_text(&path);
    assert!(
        text.contains("No patients match: rules nice-ta260, age 100..110."),
        "{text}"
    );
    assert!(
        text.contains("Patients selected: 0 of 1 considered"),
        "{text}"
    );
}
