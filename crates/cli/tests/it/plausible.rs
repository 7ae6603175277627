//! Only plausible data through the command line, and outputs that agree with each other: a diary
//! file reaching back before birth or over a limit stores nothing and says where and why; a
//! questionnaire is refused when it cannot be true; `--json` output is one JSON document.

use serde_json::Value;

use crate::harness::Env;
use crate::journey;

const HEADER: &str = "date,headache_minutes,peak_intensity,unilateral,pulsating,aggravated_by_activity,nausea,vomiting,photophobia,phonophobia,aura,acute_medications,paroxysms,notes";

fn add_patient(env: &Env) {
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Plausible Example",
        "--dob",
        "1980-05-05",
        "--mrn",
        "PL1",
        "--diagnosis",
        "1.3@2018-01-01",
    ]);
}

journey!(implausible_files_store_nothing_and_say_why, |env: &Env| {
    add_patient(env);
    // A day before birth: the file, the field and the reason; nothing stored.
    let csv = format!(
        "{HEADER}\n1980-05-05,60,mild,0,0,0,0,0,0,0,0,,0,\n1980-05-04,60,mild,0,0,0,0,0,0,0,0,,0,\n"
    );
    let file = env.write("early.csv", &csv);
    let err = env.fails(&[
        "diary",
        "import",
        "--patient",
        "PL1",
        file.to_str().expect("path"),
    ]);
    assert!(err.contains("early.csv"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");
    assert!(
        err.contains("1980-05-04 is before the patient's date of birth (1980-05-05)"),
        "{err}"
    );
    assert_eq!(
        env.ok(&["diary", "export", "--patient", "PL1"]).trim(),
        HEADER,
        "nothing stored"
    );

    // Over a limit: the line and the column.
    let notes = "n".repeat(2001);
    let csv = format!(
        "{HEADER}\n2026-06-01,60,mild,0,0,0,0,0,0,0,0,,1001,\n2026-06-02,60,mild,0,0,0,0,0,0,0,0,,0,{notes}\n"
    );
    let file = env.write("over.csv", &csv);
    let err = env.fails(&[
        "diary",
        "import",
        "--patient",
        "PL1",
        file.to_str().expect("path"),
    ]);
    assert!(
        err.contains("line 2, column paroxysms: 1001 is more than the 1000 allowed"),
        "{err}"
    );
    assert!(
        err.contains("line 3, column notes: 2001 characters is more than the 2000 allowed"),
        "{err}"
    );

    // A MIDAS that cannot be true, then a second one on one date.
    let err = env.fails(&[
        "prom",
        "add",
        "--patient",
        "PL1",
        "--instrument",
        "midas",
        "--date",
        "2026-06-01",
        "--answers",
        "90,90,90,90,90",
    ]);
    assert!(err.contains("MIDAS items 1 and 2"), "{err}");
    env.ok(&[
        "prom",
        "add",
        "--patient",
        "PL1",
        "--instrument",
        "midas",
        "--date",
        "2026-06-01",
        "--answers",
        "10,5,3,2,1",
    ]);
    let err = env.fails(&[
        "prom",
        "add",
        "--patient",
        "PL1",
        "--instrument",
        "midas",
        "--date",
        "2026-06-01",
        "--answers",
        "1,1,1,1,1",
    ]);
    assert!(err.contains("already recorded on 2026-06-01"), "{err}");
    // A date of birth before 1900.
    let err = env.fails(&["patient", "add", "--name", "Too Old", "--dob", "1899-12-31"]);
    assert!(
        err.contains("date_of_birth: 1899-12-31 is before 1900-01-01"),
        "{err}"
    );
});

journey!(
    json_outputs_are_one_document_with_every_figure,
    |env: &Env| {
        add_patient(env);
        env.ok(&[
            "preventive",
            "add",
            "--patient",
            "PL1",
            "--drug",
            "propranolol",
            "--start",
            "2025-01-01",
            "--stop",
            "2025-03-31",
            "--outcome",
            "not_effective",
            "--reason",
            "no fewer headache days",
        ]);
        let ledger: Value =
            serde_json::from_str(&env.ok(&["preventive", "list", "--patient", "PL1", "--json"]))
                .expect("json");
        assert_eq!(ledger["trials"][0]["trial_days"], 90, "{ledger}");
        assert_eq!(ledger["trials"][0]["drug"], "propranolol", "{ledger}");

        let dry = env.run(&[
            "session",
            "record",
            "--patient",
            "PL1",
            "--date",
            "2026-06-02",
            "--vial",
            "200",
            "--lot",
            "C4021AB",
            "--expiry",
            "2027-03-31",
            "--injector",
            "Dr Example",
            "--override",
            "diary=paper diary reviewed in clinic",
            "--override",
            "eligibility=payer approval on file",
            "--dry-run",
            "--json",
        ]);
        assert!(dry.ok, "{}", dry.stderr);
        let v: Value =
            serde_json::from_str(&dry.stdout).expect("standard output is one JSON document");
        assert_eq!(v["units_given"], 155, "{v}");
        assert!(
            dry.stderr.contains("dry run: nothing saved"),
            "{}",
            dry.stderr
        );

        // A case with no suspect product (no session recorded) is not a valid ICSR: it cannot have
        // been submitted.
        let case: Value = serde_json::from_str(&env.ok(&[
            "ae",
            "add",
            "--patient",
            "PL1",
            "--term",
            "eyelid ptosis",
            "--onset",
            "2026-06-10",
            "--grade",
            "2",
            "--aware",
            "2026-06-11",
            "--json",
        ]))
        .expect("json");
        assert_eq!(case["icsr"]["valid"], false, "{case}");
        let id = case["id"].as_str().expect("id");
        let err = env.fails(&["ae", "submitted", "--case", id, "--on", "2026-06-12"]);
        assert!(err.contains("not a valid ICSR"), "{err}");
        let listed = env.ok(&["ae", "list", "--patient", "PL1", "--json"]);
        assert!(
            !listed.contains("\"submitted_on\":\"2026-06-12\""),
            "{listed}"
        );
    }
);
