use cephalog_core::metrics::{DateRange, PeriodKind, PeriodMetrics, compute_metrics};
use cephalog_core::preset::DayPreset;
use cephalog_reports::Report;
use cephalog_reports::visit::{metrics_row, period_label};

use crate::fixture::{LOTS, clinic, d, today};
use crate::pdf;

fn words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Saves the PDF and its first page; the PDF's text (from pdftotext), or `None` when the tools are
/// missing.
fn read_back(report: &Report, name: &str, test: &str) -> Option<String> {
    let path = pdf::save(&report.pdf, name);
    if !pdf::tools(test) {
        return None;
    }
    assert_eq!(pdf::pages(&path), report.pages, "pdfinfo agrees with typst");
    pdf::screenshot(&path, name);
    Some(pdf::text(&path))
}

fn strip_markup(cell: &str) -> String {
    cell.replace(['\\', '*'], "")
}

#[tokio::test]
async fn visit_summary_shows_the_metrics_engines_figures_on_two_pages() {
    let c = clinic().await;
    let rules = cephalog_app::load_rule_sets(None).expect("rules");
    let rules = cephalog_app::find_rule_set(&rules, "nice-ta260").expect("nice");
    let period = DateRange::new(d("2026-04-01"), d("2026-06-30")).expect("period");
    let v = cephalog_reports::load::visit_summary(
        &c.store,
        &c.patient,
        period,
        DayPreset::default(),
        rules,
        today(),
    )
    .await
    .expect("summary");
    let report = v.render().expect("render");
    assert!(report.pdf.starts_with(b"%PDF-"));
    assert!(report.pages <= 2, "{} pages", report.pages);
    assert_eq!(
        report.file_name,
        "visit-summary-2026-04-01-to-2026-06-30.pdf"
    );

    // The metrics engine's own figures for the same period and preset.
    let diary = c.store.diary(c.patient.id).await.expect("diary");
    let engine = compute_metrics(
        &diary,
        true,
        period,
        PeriodKind::Days28,
        DayPreset::default(),
    );
    assert_eq!(engine.periods.len(), 4);
    let whole = PeriodMetrics::compute(&diary, period, DayPreset::default(), true);
    let mut expected: Vec<Vec<String>> = engine
        .periods
        .iter()
        .map(|p| metrics_row(&period_label(p.start, p.end), p))
        .collect();
    expected.push(metrics_row("Whole period", &whole));
    let typeset = words(&report.page_texts.join(" "));
    for row in &expected {
        let row: Vec<String> = row.iter().map(|c| strip_markup(c)).collect();
        assert!(
            typeset.contains(&words(&row.join(" "))),
            "row {row:?} in the typeset text"
        );
    }
    // The 28-day figures for the period, spelled out.
    assert_eq!(
        whole
            .headache_days_per_28
            .map(|x| format!("{x:.1}"))
            .as_deref(),
        Some("7.4")
    );
    assert!(
        typeset.contains("insufficient diary data"),
        "the last 7-day period is too short to normalise"
    );
    assert!(typeset.contains("preset label-4h"), "{typeset}");
    for text in [
        "Ada O'Brien",
        "H-1001",
        "ICHD-3 1.3 chronic migraine",
        "propranolol",
        "paraesthesia",
        LOTS[0],
        "MIDAS",
        "neck pain",
        "meets diary criteria for",
    ] {
        assert!(
            typeset.to_lowercase().contains(&text.to_lowercase()),
            "{text} in the summary"
        );
    }

    let Some(text) = read_back(&report, "visit-summary", "visit_summary") else {
        return;
    };
    for p in &engine.periods {
        let per28 = p
            .headache_days_per_28
            .map_or_else(|| "insufficient".to_owned(), |x| format!("{x:.1}"));
        let label = period_label(p.start, p.end);
        let recorded = format!("{} of {}", p.recorded_days, p.days);
        let headache = p.headache_days.to_string();
        assert!(
            pdf::has_row(&text, &[&label, &recorded, &headache, &per28]),
            "the PDF's row for {label}: {recorded}, {headache} headache days, {per28} per 28\n{text}"
        );
    }
    assert!(
        pdf::has_row(&text, &["Whole period", "91 of 91", "7.4"]),
        "{text}"
    );
    for text_wanted in ["Ada O’Brien", "Ada O'Brien"] {
        if text.contains(text_wanted) {
            return;
        }
    }
    panic!("the patient's name in the PDF:\n{text}");
}

#[tokio::test]
async fn session_note_names_lot_dilution_sites_and_billing() {
    let c = clinic().await;
    let sessions = c.store.sessions(c.patient.id).await.expect("sessions");
    let first = sessions.first().expect("a session");
    let note = cephalog_reports::load::session_note(&c.store, &c.patient, first.id, today())
        .await
        .expect("note");
    let report = note.render().expect("render");
    assert_eq!(report.pages, 1);
    let typeset = words(&report.page_texts.join(" "));
    for wanted in [
        "2026-04-01",
        LOTS[0],
        "2027-03-31",
        "onabotulinumtoxinA (Botox)",
        "4 mL of diluent per vial: 5 U / 0.1 mL (200 U in 4 mL)",
        "155 U at 31 sites",
        "200 U opened, 155 U given, 45 U discarded",
        "Dr Ana Ruiz",
        "64615 1",
        "J0585 155",
        "J0585-JW 45",
        "Given as planned.",
    ] {
        assert!(typeset.contains(wanted), "{wanted} in the note: {typeset}");
    }
    let other =
        cephalog_reports::load::session_note(&c.store, &c.patient, uuid::Uuid::now_v7(), today())
            .await;
    assert!(other.is_err(), "another session is not found");

    let Some(text) = read_back(&report, "session-note", "session_note") else {
        return;
    };
    for row in [
        &["64615", "1", "chemodenervation"][..],
        &["J0585", "155", "administered"],
        &["J0585-JW", "45", "discarded"],
        &["Lot", LOTS[0]],
        &["Expiry", "2027-03-31"],
    ] {
        assert!(pdf::has_row(&text, row), "{row:?} in the PDF:\n{text}");
    }
    assert!(
        text.lines().filter(|l| l.contains("0.1 mL")).count() >= 31,
        "every site with its volume:\n{text}"
    );
}
