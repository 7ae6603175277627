//! `cephalog cohort` on the demo clinic: the JSON report, a refused filter, and one audit entry
//! naming the filters and the number of patients.

use crate::harness::Env;
use crate::journey;

journey!(
    cohort_json_refused_filters_and_one_audit_entry,
    |env: &Env| {
        env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
        let out = env.ok(&["cohort", "--on", "2026-10-31", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let selected = v["patients"]["selected"].as_u64().expect("selected");
        assert!(selected > 0, "{out}");
        assert_eq!(v["rule_set"], "nice-ta260");
        let cycle = &v["cycles"][0];
        assert_eq!(cycle["cycle"], 1);
        assert!(cycle["treated"].as_u64().is_some_and(|n| n > 0), "{cycle}");
        assert!(v["persistence"]["at_risk"].is_array());
        assert!(v["sessions"]["sessions"].as_u64().is_some_and(|n| n > 0));
        assert!(v["safety"]["all"]["events"].is_u64());
        // The [U] benchmarks carry the unverified mark.
        assert!(
            out.contains("[unverified default]"),
            "no unverified mark in the JSON"
        );
        // The human tables say the same number of patients.
        let human = env.ok(&["cohort", "--on", "2026-10-31"]);
        assert!(
            human.contains(&format!("Patients: {selected} selected")),
            "{human}"
        );
        // Filters that match nobody give an answer, not an error.
        let none = env.ok(&["cohort", "--on", "2026-10-31", "--age", "100..110"]);
        assert!(none.contains("No patients match"), "{none}");
        // Bad filters are refused, naming the filter.
        let err = env.fails(&["cohort", "--age", "60..40"]);
        assert!(err.contains("--age"), "{err}");
        let err = env.fails(&["cohort", "--first-session", "2026-01-01"]);
        assert!(err.contains("--first-session"), "{err}");
        let err = env.fails(&["cohort", "--rules", "no-such-rules"]);
        assert!(err.contains("--rules"), "{err}");
        let err = env.fails(&["cohort", "--clinic", "Nowhere"]);
        assert!(err.contains("--clinic"), "{err}");
        // One audit entry per cohort read, naming the filters and the number of patients.
        let log = env.ok(&["audit", "log", "--json"]);
        let entries: serde_json::Value = serde_json::from_str(&log).expect("json");
        let reads: Vec<&serde_json::Value> = entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "cohort.read")
            .collect();
        assert_eq!(reads.len(), 3, "{log}");
        let detail = reads[0]["detail"].as_str().expect("detail");
        assert!(detail.contains("rules nice-ta260"), "{detail}");
        assert!(
            detail.contains(&format!("{selected} patient(s)")),
            "{detail}"
        );
        let refused = entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "cohort.read.refused")
            .count();
        assert_eq!(refused, 4, "{log}");
    }
);

journey!(
    cohort_pdf_is_the_clinic_outcomes_report_with_one_audit_entry,
    |env: &Env| {
        env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
        let out = env.ok(&["cohort", "--on", "2026-10-31", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let selected = v["patients"]["selected"].as_u64().expect("selected");
        let considered = v["patients"]["considered"].as_u64().expect("considered");
        assert!(selected > 0, "{out}");

        let pdf = env.path("outcomes.pdf");
        let path = pdf.to_str().expect("utf-8 path");
        let said = env.ok(&["cohort", "--on", "2026-10-31", "--pdf", path]);
        assert!(said.contains("outcomes.pdf ("), "{said}");
        let bytes = std::fs::read(&pdf).expect("pdf written");
        assert!(bytes.starts_with(b"%PDF-"), "a PDF");
        // --pdf and --json are one or the other.
        let err = env.fails(&["cohort", "--json", "--pdf", path]);
        assert!(err.contains("--pdf") || err.contains("--json"), "{err}");

        // One audit entry per run, the PDF's naming the number of patients like the JSON's.
        let log = env.ok(&["audit", "log", "--json"]);
        let entries: serde_json::Value = serde_json::from_str(&log).expect("json");
        let reads: Vec<&serde_json::Value> = entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "cohort.read")
            .collect();
        assert_eq!(reads.len(), 2, "{log}");
        for r in &reads {
            let detail = r["detail"].as_str().expect("detail");
            assert!(
                detail.contains(&format!("{selected} patient(s)")),
                "{detail}"
            );
        }

        if !crate::reports::pdftools(
            "cohort_pdf_is_the_clinic_outcomes_report_with_one_audit_entry",
        ) {
            return;
        }
        let text = crate::reports::pdf_text(&pdf);
        assert!(text.contains("Clinic outcomes report"), "{text}");
        assert!(
            text.contains(&format!(
                "Patients selected: {selected} of {considered} considered"
            )),
            "{text}"
        );
    }
);

/// The rows of a CSV file as maps from column to field.
fn csv_rows(path: &std::path::Path) -> Vec<std::collections::HashMap<String, String>> {
    let mut r = csv::Reader::from_path(path).expect("csv");
    let headers = r.headers().expect("header").clone();
    r.records()
        .map(|rec| {
            let rec = rec.expect("record");
            headers
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

journey!(
    research_export_is_de_identified_all_or_nothing_and_audited,
    |env: &Env| {
        env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
        let out = env.ok(&["cohort", "--on", "2026-10-31", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&out).expect("json");
        let selected = v["patients"]["selected"].as_u64().expect("selected");
        let sessions = v["sessions"]["sessions"].as_u64().expect("sessions");
        assert!(selected > 0, "{out}");
        let dir = env.path("research");
        let dir_arg = dir.to_string_lossy().into_owned();
        let printed = env.ok(&[
            "cohort",
            "export",
            "--on",
            "2026-10-31",
            "--format",
            "csv",
            "--out",
            &dir_arg,
        ]);
        assert!(
            printed.contains(&format!("Research export of {selected} patient(s)")),
            "{printed}"
        );
        let manifest: serde_json::Value =
            serde_json::from_str(&crate::harness::read(&dir.join("manifest.json"))).expect("json");
        assert_eq!(manifest["patients"], selected);
        assert_eq!(manifest["format"], "csv");

        // Every selected patient under a study id, with a baseline row; ages capped; no record
        // number, name or note anywhere.
        let cycles = csv_rows(&dir.join("patient_cycles.csv"));
        let ids: std::collections::BTreeSet<&str> =
            cycles.iter().map(|r| r["study_id"].as_str()).collect();
        assert_eq!(ids.len() as u64, selected);
        for id in &ids {
            assert!(
                id.len() == 5 && id.starts_with('S') && id[1..].chars().all(|c| c.is_ascii_digit()),
                "study id {id}"
            );
            assert!(
                cycles.iter().any(|r| r["study_id"] == *id
                    && r["cycle"] == "0"
                    && r["window_end_day"] == "-1"),
                "{id} has its baseline, ending the day before day 0"
            );
        }
        for r in &cycles {
            let age: u32 = r["age_at_first_session"].parse().expect("age");
            assert!(age <= 90, "{r:?}");
        }
        let session_rows = csv_rows(&dir.join("sessions.csv"));
        assert_eq!(
            session_rows.len() as u64,
            sessions,
            "every session of the report"
        );
        for id in &ids {
            let first = session_rows
                .iter()
                .filter(|r| r["study_id"] == *id)
                .map(|r| r["day"].parse::<i64>().expect("day"))
                .min();
            assert_eq!(first, Some(0), "{id}: days count from the first session");
        }
        let days = csv_rows(&dir.join("diary_days.csv"));
        assert!(days.len() > 100, "{} diary days", days.len());
        assert!(days.iter().all(|r| ids.contains(r["study_id"].as_str())));
        for file in cephalog_research::file_names(cephalog_research::Format::Csv) {
            let text = crate::harness::read(&dir.join(&file));
            assert!(!text.contains("DEMO-"), "{file} holds a record number");
            if file.ends_with(".csv") && file != cephalog_research::DICTIONARY_FILE {
                let header = text.lines().next().unwrap_or_default();
                for free_text in ["notes", "narrative", "reported_term", "name", "mrn"] {
                    assert!(
                        !header.split(',').any(|c| c == free_text),
                        "{file} has a {free_text} column"
                    );
                }
            }
        }

        // A second export into the same folder is refused and changes nothing.
        let before = crate::harness::read(&dir.join("patient_cycles.csv"));
        let err = env.fails(&["cohort", "export", "--format", "csv", "--out", &dir_arg]);
        assert!(err.contains("never overwrites"), "{err}");
        assert_eq!(
            crate::harness::read(&dir.join("patient_cycles.csv")),
            before
        );
        // Bad filters and formats are refused, and leave no files.
        let other = env.path("refused");
        let other_arg = other.to_string_lossy().into_owned();
        let err = env.fails(&["cohort", "export", "--age", "60..40", "--out", &other_arg]);
        assert!(err.contains("--age"), "{err}");
        let err = env.fails(&["cohort", "export", "--format", "xlsx", "--out", &other_arg]);
        assert!(
            err.contains("--format") && err.contains("parquet, csv"),
            "{err}"
        );
        assert!(
            !other.exists() || std::fs::read_dir(&other).expect("listing").count() == 0,
            "a refused export leaves nothing"
        );

        // One audit entry per export, naming the filters, the format and the patients.
        let log = env.ok(&["audit", "log", "--json"]);
        let entries: serde_json::Value = serde_json::from_str(&log).expect("json");
        let exports: Vec<&serde_json::Value> = entries
            .as_array()
            .expect("entries")
            .iter()
            .filter(|e| e["action"] == "cohort.export")
            .collect();
        assert_eq!(exports.len(), 1, "{log}");
        let detail = exports[0]["detail"].as_str().expect("detail");
        assert!(detail.contains("rules nice-ta260"), "{detail}");
        assert!(detail.contains("format csv"), "{detail}");
        assert!(
            detail.contains(&format!("{selected} patient(s)")),
            "{detail}"
        );
    }
);

journey!(
    a_synthetic_registry_has_every_course_a_registry_sees,
    |env: &Env| {
        let out = env.ok(&[
            "demo",
            "--patients",
            "120",
            "--years",
            "2",
            "--until",
            "2026-10-31",
            "--seed",
            "3",
            "--no-serve",
        ]);
        assert!(out.contains("120 patients"), "{out}");
        let json = env.ok(&["cohort", "--on", "2026-10-31", "--json"]);
        let v: serde_json::Value = serde_json::from_str(&json).expect("json");
        assert_eq!(
            v["patients"]["selected"], 120,
            "every registry patient is treated"
        );
        let p = &v["persistence"];
        for (what, key) in [
            ("stopped under a rule", "stopped_by_rule"),
            ("dropped out (gap)", "stopped_by_gap"),
            ("still on treatment", "still_on_treatment"),
        ] {
            assert!(p[key].as_u64().is_some_and(|n| n > 0), "none {what}: {p}");
        }
        let s = &v["sessions"];
        assert!(
            s["intervals_over_13_weeks"]["successes"]
                .as_u64()
                .is_some_and(|n| n > 0),
            "late sessions: {s}"
        );
        assert!(
            v["safety"]["all"]["events"].as_u64().is_some_and(|n| n > 0),
            "adverse events"
        );
        // Incomplete diaries: some cycles count as insufficient diary data.
        let cycles = v["cycles"].as_array().expect("cycles");
        assert!(cycles.len() >= 6, "two years of 12-weekly cycles");
        assert!(
            cycles
                .iter()
                .any(|c| c["insufficient_diary_data"].as_u64().is_some_and(|n| n > 0))
        );
        // Responders and non-responders both.
        let met = &cycles[1]["met_30_percent_reduction"];
        let (yes, n) = (met["successes"].as_u64(), met["n"].as_u64());
        assert!(yes.zip(n).is_some_and(|(y, n)| y > 0 && y < n), "{met}");
        // The demo fills only an empty database, and the years are bounded.
        let err = env.fails(&["demo", "--patients", "5", "--no-serve"]);
        assert!(err.contains("already holds"), "{err}");
    }
);

#[test]
fn a_registry_needs_one_year_or_more() {
    let env = Env::sqlite();
    let err = env.fails(&["demo", "--patients", "5", "--years", "0", "--no-serve"]);
    assert!(err.contains("--years"), "{err}");
}
