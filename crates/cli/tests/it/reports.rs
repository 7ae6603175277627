//! `cephalog report` on the demo clinic: the PDFs are written, read back with poppler's
//! `pdftotext` and `pdfinfo` (skipped, saying so, without poppler-utils unless
//! `CEPHALOG_REQUIRE_PDFTOOLS` is set) and checked against the JSON the other commands give, and
//! every report is in the audit trail.

use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::Env;
use crate::journey;

pub(crate) fn pdftools(test: &str) -> bool {
    let runs = |tool: &str| {
        Command::new(tool)
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    };
    if runs("pdftotext") && runs("pdfinfo") {
        return true;
    }
    assert!(
        std::env::var_os("CEPHALOG_REQUIRE_PDFTOOLS").is_none(),
        "CEPHALOG_REQUIRE_PDFTOOLS is set but poppler-utils is not installed"
    );
    let _ = std::io::Write::write_all(
        &mut std::io::stderr().lock(),
        format!("SKIPPED (pdftotext): {test} — install poppler-utils to run it\n").as_bytes(),
    );
    false
}

pub(crate) fn pdf_text(path: &Path) -> String {
    let out = Command::new("pdftotext")
        .args(["-layout", "-enc", "UTF-8"])
        .arg(path)
        .arg("-")
        .output()
        .expect("pdftotext");
    assert!(out.status.success());
    String::from_utf8(out.stdout).expect("utf-8")
}

fn pdf_pages(path: &Path) -> usize {
    let out = Command::new("pdfinfo").arg(path).output().expect("pdfinfo");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .expect("page count")
}

fn audit_actions(env: &Env, patient: &str) -> Vec<String> {
    let trail: Value =
        serde_json::from_str(&env.ok(&["audit", "log", "--patient", patient, "--json"]))
            .expect("json");
    trail
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str().map(str::to_owned))
        .collect()
}

journey!(reports_are_written_read_back_and_audited, |env: &Env| {
    env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
    let tools = pdftools("reports_are_written_read_back_and_audited");

    // Visit summary: the period's figures are the metrics command's.
    let visit = env.path("visit.pdf");
    let out = env.ok(&[
        "report",
        "visit",
        "--patient",
        "DEMO-0004",
        "--from",
        "2026-08-09",
        "--to",
        "2026-10-31",
        "--out",
        visit.to_str().expect("path"),
    ]);
    assert!(
        out.contains("visit.pdf (2 pages)") || out.contains("(1 page)"),
        "{out}"
    );
    assert!(std::fs::read(&visit).expect("pdf").starts_with(b"%PDF-"));
    let metrics: Value = serde_json::from_str(&env.ok(&[
        "metrics",
        "--patient",
        "DEMO-0004",
        "--from",
        "2026-08-09",
        "--to",
        "2026-10-31",
        "--json",
    ]))
    .expect("json");
    let periods = metrics["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 3);
    if tools {
        assert!(
            pdf_pages(&visit) <= 2,
            "a typical patient's summary fits two pages"
        );
        let text = pdf_text(&visit);
        for p in periods {
            let label = format!(
                "{} to {}",
                p["start"].as_str().expect("start"),
                p["end"].as_str().expect("end")
            );
            let per28 = p["headache_days_per_28"]
                .as_f64()
                .map_or_else(|| "insufficient".to_owned(), |x| format!("{x:.1}"));
            let headache = p["headache_days"].to_string();
            let line = text
                .lines()
                .find(|l| l.contains(&label))
                .unwrap_or_else(|| panic!("a row for {label}:\n{text}"));
            assert!(
                line.contains(&format!(" {headache} ")) && line.contains(&per28),
                "{label}: {headache} headache days, {per28} per 28 in {line:?}"
            );
        }
        assert!(
            text.contains("Rosa Okafor") && text.contains("DEMO-0004"),
            "{text}"
        );
    }

    // Prior authorisation: every criterion's outcome, as the eligibility command gives it.
    let pa = env.path("prior-auth.pdf");
    env.ok(&[
        "report",
        "prior-auth",
        "--patient",
        "DEMO-0001",
        "--rules",
        "fda-label",
        "--out",
        pa.to_str().expect("path"),
    ]);
    let eligibility: Value = serde_json::from_str(&env.ok(&[
        "eligibility",
        "--patient",
        "DEMO-0001",
        "--rules",
        "fda-label",
        "--json",
    ]))
    .expect("json");
    if tools {
        let text = pdf_text(&pa);
        for c in eligibility["criteria"].as_array().expect("criteria") {
            let id = c["id"].as_str().expect("id");
            let word = match c["outcome"].as_str().expect("outcome") {
                "met" => "MET",
                "not_met" => "NOT MET",
                _ => "UNKNOWN",
            };
            let rows: Vec<&str> = text
                .lines()
                .filter(|l| l.trim_start().starts_with(&format!("{id} ")))
                .collect();
            let today_row = rows
                .last()
                .unwrap_or_else(|| panic!("a row for {id}:\n{text}"));
            assert!(today_row.contains(word), "{id} {word}: {today_row:?}");
            if word == "MET" {
                assert!(!today_row.contains("NOT MET"), "{today_row:?}");
            }
        }
        for code in ["64615", "J0585"] {
            assert!(text.contains(code), "billing line {code}");
        }
    }

    // Session note: the lot and the billing lines of that session.
    let sessions: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "DEMO-0004", "--json"]))
            .expect("json");
    let first = &sessions["sessions"][0];
    let id = first["id"].as_str().expect("session id");
    let lot = first["lot"].as_str().expect("lot");
    let note = env.path("note.pdf");
    let out = env.ok(&[
        "report",
        "session",
        "--session",
        id,
        "--out",
        note.to_str().expect("path"),
    ]);
    assert!(out.contains("(1 page)"), "{out}");
    if tools {
        let text = pdf_text(&note);
        assert!(text.contains(lot), "lot {lot}:\n{text}");
        assert!(
            text.contains("J0585-JW") && text.contains("64615"),
            "{text}"
        );
    }

    // Refusals name the problem and write nothing.
    let err = env.fails(&[
        "report",
        "prior-auth",
        "--patient",
        "DEMO-0001",
        "--rules",
        "nope",
        "--out",
        "x.pdf",
    ]);
    assert!(err.contains("no rule set 'nope'"), "{err}");
    let err = env.fails(&[
        "report",
        "visit",
        "--patient",
        "DEMO-0004",
        "--from",
        "2026-10-31",
        "--to",
        "2026-10-01",
        "--out",
        "x.pdf",
    ]);
    assert!(err.contains("after --to"), "{err}");
    let err = env.fails(&[
        "report",
        "session",
        "--session",
        "01a1fdd9-70da-71db-8b5a-6a5bdd1af82b",
        "--out",
        "x.pdf",
    ]);
    assert!(err.contains("no session"), "{err}");
    assert!(!env.path("x.pdf").exists());

    // Each report is in the patient's audit trail.
    assert!(audit_actions(env, "DEMO-0004").contains(&"report.visit".to_owned()));
    assert!(audit_actions(env, "DEMO-0004").contains(&"report.session".to_owned()));
    assert!(audit_actions(env, "DEMO-0001").contains(&"report.prior-auth".to_owned()));
    assert!(env.ok(&["audit", "verify"]).contains("audit trail intact"));
});
