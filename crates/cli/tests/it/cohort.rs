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
