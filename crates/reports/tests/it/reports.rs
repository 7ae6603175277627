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
        "PHQ-9",
        "mild depressive symptoms",
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

/// The lines of pdftotext's layout that start (after indentation) with `id`.
fn lines_starting<'a>(text: &'a str, id: &str) -> Vec<&'a str> {
    text.lines()
        .filter(|l| l.trim_start().starts_with(id) && l.trim_start()[id.len()..].starts_with(' '))
        .collect()
}

#[tokio::test]
async fn prior_auth_states_every_criterion_with_its_outcome() {
    let c = clinic().await;
    let sets = cephalog_app::load_rule_sets(None).expect("rules");
    let tools = pdf::tools("prior_auth");
    for (rules_id, on) in [
        ("nice-ta260", "2026-03-31"),
        ("fda-label", "2026-03-31"),
        ("wa-lni", "2026-03-31"),
        ("evicore", "2026-03-31"),
        ("nice-ta260", "2026-07-01"),
        ("wa-lni", "2026-07-01"),
    ] {
        let rules = cephalog_app::find_rule_set(&sets, rules_id).expect("rule set");
        let packet = cephalog_reports::load::prior_auth(&c.store, &c.patient, rules, d(on))
            .await
            .expect("packet");
        let reauth = d(on) >= d("2026-04-01");
        let report = packet.render().expect("render");
        let typeset = words(&report.page_texts.join(" "));
        let e = &packet.eligibility;
        assert_eq!(e.criteria.len(), rules.criteria.len());
        assert_eq!(packet.before_treatment.is_some(), reauth);
        // Every evaluation shown: before treatment (re-authorisation), then today.
        let evaluations: Vec<_> = packet
            .before_treatment
            .iter()
            .chain(std::iter::once(e))
            .collect();
        for ev in &evaluations {
            assert!(
                typeset.contains(&format!(
                    "{} on {}",
                    cephalog_reports::prior_auth::verdict_word(ev.verdict),
                    ev.on
                )),
                "{rules_id}: the verdict on {}",
                ev.on
            );
            for crit in &ev.criteria {
                let word = cephalog_reports::prior_auth::criterion_word(crit.outcome);
                assert!(
                    typeset.contains(&format!("{} {} {word}", crit.id, words(&crit.description))),
                    "{rules_id} on {}: {} {word} in {typeset}",
                    ev.on,
                    crit.id
                );
            }
        }
        assert!(typeset.contains("ICHD-3 1.3 chronic migraine"));
        assert!(typeset.contains("ICD-10-CM: not printed here"));
        for drug in ["propranolol", "topiramate", "amitriptyline", "paraesthesia"] {
            assert!(typeset.contains(drug), "{rules_id}: {drug}");
        }
        for line in ["64615 1", "J0585 155", "J0585-JW 45"] {
            assert!(typeset.contains(line), "{rules_id}: billing line {line}");
        }
        assert_eq!(typeset.contains("Re-authorisation"), reauth);
        if reauth {
            assert!(typeset.contains("Response per cycle"), "{rules_id}");
            let response = packet.response.as_ref().expect("a response");
            for d in &response.decisions {
                assert!(
                    typeset.contains(&format!(
                        "{} {} {}",
                        d.rule,
                        words(&d.description),
                        cephalog_reports::markup::decision_word(d.outcome)
                    )),
                    "{rules_id}: continuation rule {}",
                    d.rule
                );
            }
        } else {
            assert!(typeset.contains("the PREEMPT fixed-site protocol"));
        }
        if rules_id == "nice-ta260" && !reauth {
            // Triptan overuse with no attestation: stated, not hidden.
            let overuse = e
                .criteria
                .iter()
                .find(|c| c.id == "overuse-managed")
                .expect("criterion");
            assert_eq!(
                overuse.outcome,
                cephalog_core::eligibility::CriterionOutcome::NotMet
            );
            assert!(
                typeset.contains("Meets diary criteria for 8.2.2"),
                "{typeset}"
            );
        }

        if !tools {
            continue;
        }
        let name = format!("prior-auth-{rules_id}-{on}");
        let path = pdf::save(&report.pdf, &name);
        assert_eq!(pdf::pages(&path), report.pages);
        if rules_id == "nice-ta260" {
            pdf::screenshot(&path, &name);
        }
        let text = pdf::text(&path);
        for (i, crit) in e.criteria.iter().enumerate() {
            let lines = lines_starting(&text, &crit.id);
            assert!(
                lines.len() >= evaluations.len(),
                "a row for {} in each evaluation:\n{text}",
                crit.id
            );
            for (ev, line) in evaluations.iter().zip(&lines) {
                let word = cephalog_reports::prior_auth::criterion_word(ev.criteria[i].outcome);
                assert!(line.contains(word), "{}: {word} in {line:?}", crit.id);
                if word == "MET" {
                    assert!(!line.contains("NOT MET"), "{line:?}");
                }
            }
        }
        for row in [
            &["64615", "1", "chemodenervation"][..],
            &["J0585", "155", "administered"],
            &["J0585-JW", "45", "discarded"],
        ] {
            assert!(pdf::has_row(&text, row), "{rules_id}: {row:?}\n{text}");
        }
    }
}
