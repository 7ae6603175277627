use serde_json::Value;

use crate::harness::{Env, read};
use crate::journey;

const HEADER: &str = "date,headache_minutes,peak_intensity,unilateral,pulsating,aggravated_by_activity,nausea,vomiting,photophobia,phonophobia,aura,acute_medications,paroxysms,notes";

/// A 3-month daily CSV (2026-04-01 to 2026-06-30) meeting chronic-migraine diary criteria with
/// triptan overuse: headache on days 1–20 of each month, migraine features on days 1–10,
/// sumatriptan on days 1–12.
fn chronic_migraine_csv() -> String {
    let mut s = String::from(HEADER);
    s.push('\n');
    for (month, len) in [(4, 30), (5, 31), (6, 30)] {
        for day in 1..=len {
            let date = format!("2026-{month:02}-{day:02}");
            let row = if day <= 10 {
                format!("{date},300,severe,1,1,1,1,0,1,1,0,sumatriptan 50mg,0,\n")
            } else if day <= 12 {
                format!("{date},250,mild,0,0,0,0,0,0,0,0,sumatriptan 50mg,0,\n")
            } else if day <= 20 {
                format!("{date},250,mild,0,0,0,0,0,0,0,0,,0,\"stress, \"\"work\"\"\"\n")
            } else {
                format!("{date},0,none,0,0,0,0,0,0,0,0,,0,\n")
            };
            s.push_str(&row);
        }
    }
    s
}

fn add_patient(env: &Env, mrn: &str) -> String {
    let out = env.ok(&[
        "patient",
        "add",
        "--name",
        "Test Patient",
        "--dob",
        "1980-05-05",
        "--sex",
        "female",
        "--mrn",
        mrn,
        "--diagnosis",
        "1.3@2018-01-01",
    ]);
    let id = out.trim().to_owned();
    assert_eq!(out, format!("{id}\n"), "patient add prints the id alone");
    assert_eq!(id.len(), 36, "a UUID: {id}");
    id
}

/// Everything the database holds for a patient, as the CLI shows it.
fn snapshot(env: &Env, patient: &str) -> (String, String) {
    (
        env.ok(&["patient", "list", "--json"]),
        env.ok(&["diary", "export", "--patient", patient]),
    )
}

journey!(import_export_round_trips_exactly, |env: &Env| {
    let id = add_patient(env, "P1");
    let csv = env.write("diary.csv", &chronic_migraine_csv());
    let out = env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    assert!(out.contains("91 day(s) imported"), "{out}");
    let exported = env.ok(&["diary", "export", "--patient", "P1"]);
    assert_eq!(
        exported,
        chronic_migraine_csv(),
        "export writes the file that was imported"
    );
    // The export imports into another patient and exports identically.
    let other = add_patient(env, "P2");
    let again = env.write("again.csv", &exported);
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &other,
        again.to_str().expect("path"),
    ]);
    assert_eq!(env.ok(&["diary", "export", "--patient", "P2"]), exported);
    let out_file = env.path("out.csv");
    env.ok(&[
        "diary",
        "export",
        "--patient",
        "P2",
        "--out",
        out_file.to_str().expect("path"),
    ]);
    assert_eq!(read(&out_file), exported);
});

journey!(bad_files_change_nothing, |env: &Env| {
    let id = add_patient(env, "P1");
    let good = env.write(
        "good.csv",
        &format!("{HEADER}\n2026-03-01,60,mild,0,0,0,0,0,0,0,0,,0,\n"),
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        good.to_str().expect("path"),
    ]);
    let before = snapshot(env, "P1");
    let bad_files = [
        (
            "unknown-column.csv",
            "date,headache_minutes,peak_intensity,mood\n2026-03-02,0,none,ok\n",
            "line 1: unknown column(s) mood",
        ),
        (
            "bad-minutes.csv",
            "date,headache_minutes,peak_intensity\n2026-03-02,60,mild\n2026-03-03,2000,mild\n",
            "line 3, column headache_minutes",
        ),
        (
            "contradiction.csv",
            "date,headache_minutes,peak_intensity,nausea\n2026-03-02,0,none,1\n",
            "line 2, column nausea",
        ),
        (
            "future.csv",
            "date,headache_minutes,peak_intensity\n2099-01-01,0,none\n",
            "line 2, column date: 2099-01-01 is in the future",
        ),
        (
            "twice.csv",
            "date,headache_minutes,peak_intensity\n2026-03-05,0,none\n2026-03-05,10,mild\n",
            "recorded twice (also on line 2)",
        ),
        (
            "unknown-drug.csv",
            "date,headache_minutes,peak_intensity,acute_medications\n2026-03-02,60,mild,sumatripten\n",
            "did you mean sumatriptan",
        ),
        (
            "clash.csv",
            "date,headache_minutes,peak_intensity\n2026-03-02,0,none\n2026-03-01,0,none\n",
            "already stored for this patient: 2026-03-01",
        ),
        (
            "bad-bool.csv",
            "date,headache_minutes,peak_intensity,aura\n2026-03-02,0,none,perhaps\n",
            "line 2, column aura",
        ),
    ];
    for (name, text, expect) in bad_files {
        let path = env.write(name, text);
        let err = env.fails(&[
            "diary",
            "import",
            "--patient",
            &id,
            path.to_str().expect("path"),
        ]);
        assert!(
            err.contains(name),
            "{name}: the error names the file: {err}"
        );
        assert!(
            err.contains(expect),
            "{name}: expected '{expect}' in: {err}"
        );
        assert!(err.contains("nothing was imported"), "{name}: {err}");
        assert_eq!(
            snapshot(env, "P1"),
            before,
            "{name} left the database as it was"
        );
    }
    let episodes = env.write(
        "attacks.csv",
        "start,end,peak_intensity\n2026-03-10 10:00,2026-03-10 11:00,mild\n",
    );
    let err = env.fails(&[
        "diary",
        "import",
        "--patient",
        &id,
        "--covers",
        "2026-03-01..2026-03-05",
        episodes.to_str().expect("path"),
    ]);
    assert!(err.contains("outside the covered period"), "{err}");
    assert_eq!(snapshot(env, "P1"), before);
    let err = env.fails(&[
        "diary",
        "import",
        "--patient",
        &id,
        env.path("missing.csv").to_str().expect("path"),
    ]);
    assert!(err.contains("cannot open"), "{err}");
});

journey!(replace_overwrites_only_when_asked, |env: &Env| {
    let id = add_patient(env, "P1");
    let a = env.write(
        "a.csv",
        &format!("{HEADER}\n2026-03-01,60,mild,0,0,0,0,0,0,0,0,,0,first\n"),
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        a.to_str().expect("path"),
    ]);
    let b = env.write("b.csv", &format!("{HEADER}\n2026-03-01,300,severe,1,0,0,0,0,0,0,0,,0,second\n2026-03-02,0,none,0,0,0,0,0,0,0,0,,0,\n"));
    env.fails(&[
        "diary",
        "import",
        "--patient",
        &id,
        b.to_str().expect("path"),
    ]);
    let out = env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        "--replace",
        b.to_str().expect("path"),
    ]);
    assert!(out.contains("1 new, 1 replaced"), "{out}");
    let exported = env.ok(&["diary", "export", "--patient", &id]);
    assert!(
        exported.contains("2026-03-01,300,severe")
            && exported.contains("second")
            && !exported.contains("first")
    );
    // Re-running the same import with --replace creates no duplicates.
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        "--replace",
        b.to_str().expect("path"),
    ]);
    assert_eq!(env.ok(&["diary", "export", "--patient", &id]), exported);
});

journey!(episode_logs_split_at_midnight, |env: &Env| {
    let id = add_patient(env, "P1");
    let log = env.write(
        "attacks.csv",
        "start,end,peak_intensity,nausea,acute_medications\n2026-03-01 22:00,2026-03-02 03:00,8,yes,rizatriptan 10 mg\n",
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        "--covers",
        "2026-03-01..2026-03-03",
        log.to_str().expect("path"),
    ]);
    let exported = env.ok(&["diary", "export", "--patient", &id]);
    let rows: Vec<&str> = exported.lines().skip(1).collect();
    assert_eq!(rows.len(), 3);
    assert!(
        rows[0].starts_with("2026-03-01,120,severe,0,0,0,1,")
            && rows[0].contains("rizatriptan 10 mg"),
        "{}",
        rows[0]
    );
    assert!(
        rows[1].starts_with("2026-03-02,180,severe,0,0,0,1,"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with("2026-03-03,0,none,"),
        "a covered day without attacks is headache-free: {}",
        rows[2]
    );
});

journey!(metrics_json_has_the_promised_shape, |env: &Env| {
    let id = add_patient(env, "P1");
    let csv = env.write("diary.csv", &chronic_migraine_csv());
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    let json: Value = serde_json::from_str(&env.ok(&[
        "metrics",
        "--patient",
        &id,
        "--json",
        "--period",
        "month",
        "--preset",
        "label-4h",
    ]))
    .expect("json");
    assert_eq!(json["patient"], Value::String(id.clone()));
    assert_eq!(json["preset"], "label-4h");
    assert_eq!(json["period_kind"], "month");
    let periods = json["periods"].as_array().expect("periods");
    assert_eq!(periods.len(), 3);
    let april = &periods[0];
    assert_eq!(april["start"], "2026-04-01");
    assert_eq!(april["end"], "2026-04-30");
    assert_eq!(april["days"], 30);
    assert_eq!(april["recorded_days"], 30);
    assert_eq!(april["completeness"], 1.0);
    assert_eq!(april["headache_days"], 20);
    // Days 11 and 12 count through sumatriptan, a migraine-specific medicine.
    assert_eq!(april["migraine_days"], 12);
    assert_eq!(april["moderate_severe_days"], 10);
    assert_eq!(april["acute_medication_days"]["triptan"], 12);
    assert_eq!(april["acute_medication_days"]["any"], 12);
    assert_eq!(april["acute_medication_days"]["opioid"], 0);
    let per28 = april["headache_days_per_28"].as_f64().expect("number");
    assert!((per28 - 20.0 * 28.0 / 30.0).abs() < 1e-9);
    let hours = april["headache_hours"].as_f64().expect("number");
    assert!((hours - (10.0 * 300.0 + 10.0 * 250.0) / 60.0).abs() < 1e-9);
    // Under label-4h a 239-minute day would not count; under `any` every headache does.
    let table = env.ok(&[
        "metrics",
        "--patient",
        "P1",
        "--from",
        "2026-04-01",
        "--to",
        "2026-05-31",
    ]);
    assert!(
        table.contains("Preset label-4h") && table.contains("[unverified default]"),
        "{table}"
    );
    // A range beyond the diary is insufficient, never a number.
    let json: Value = serde_json::from_str(&env.ok(&[
        "metrics",
        "--patient",
        &id,
        "--json",
        "--from",
        "2026-06-20",
        "--to",
        "2026-07-17",
    ]))
    .expect("json");
    assert_eq!(json["periods"][0]["headache_days_per_28"], Value::Null);
    assert_eq!(
        json["periods"][0]["insufficient"],
        "insufficient diary data"
    );
});

journey!(classify_reports_criteria_with_months, |env: &Env| {
    let id = add_patient(env, "P1");
    let csv = env.write("diary.csv", &chronic_migraine_csv());
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    let json: Value = serde_json::from_str(&env.ok(&[
        "classify",
        "--patient",
        &id,
        "--json",
        "--on",
        "2026-07-15",
    ]))
    .expect("json");
    assert_eq!(json["chronic_migraine"]["status"], "met");
    assert_eq!(json["chronic_tension_type"]["status"], "not_met");
    assert_eq!(json["medication_overuse"]["status"], "met");
    assert_eq!(json["medication_overuse"]["subtypes"][0]["code"], "8.2.2");
    let months: Vec<&str> = json["chronic_migraine"]["months"]
        .as_array()
        .expect("months")
        .iter()
        .filter_map(|m| m["month"].as_str())
        .collect();
    assert_eq!(months, vec!["2026-04", "2026-05", "2026-06"]);
    let text = env.ok(&["classify", "--patient", "P1", "--on", "2026-07-15"]);
    assert!(
        text.contains("Meets diary criteria for chronic migraine"),
        "{text}"
    );
    assert!(text.contains("3 consecutive calendar months"), "{text}");
    // Before three months are recorded there is not enough to decide.
    let json: Value = serde_json::from_str(&env.ok(&[
        "classify",
        "--patient",
        &id,
        "--json",
        "--on",
        "2026-06-15",
    ]))
    .expect("json");
    assert_eq!(json["chronic_migraine"]["status"], "insufficient_data");
});

journey!(patients_and_diagnoses, |env: &Env| {
    let id = add_patient(env, "P1");
    env.ok(&["patient", "diagnose", "P1", "8.2", "--onset", "2025-01-01"]);
    let err = env.fails(&["patient", "diagnose", "P1", "8.2"]);
    assert!(err.contains("recorded twice"), "{err}");
    let err = env.fails(&["patient", "diagnose", "P1", "9.9"]);
    assert!(err.contains("not a known ICHD-3 code"), "{err}");
    let show = env.ok(&["patient", "show", &id]);
    assert!(
        show.contains("ICHD-3 8.2 medication-overuse headache, onset 2025-01-01"),
        "{show}"
    );
    let err = env.fails(&[
        "patient",
        "add",
        "--name",
        "Dup",
        "--dob",
        "1990-01-01",
        "--mrn",
        "P1",
    ]);
    assert!(err.contains("MRN 'P1' already exists"), "{err}");
    let err = env.fails(&["patient", "add", "--name", "Future", "--dob", "2099-01-01"]);
    assert!(err.contains("date of birth"), "{err}");
    let list: Value = serde_json::from_str(&env.ok(&["patient", "list", "--json"])).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(1));
    assert_eq!(list[0]["diagnoses"][1]["code"], "8.2");
    let err = env.fails(&["patient", "show", "nobody"]);
    assert!(err.contains("no patient with id or MRN 'nobody'"), "{err}");
});

journey!(clinic_dictionary_admits_new_names, |env: &Env| {
    let id = add_patient(env, "P1");
    let csv = env.write("m.csv", "date,headache_minutes,peak_intensity,acute_medications\n2026-03-02,60,mild,Migraleve 2 tablets\n");
    let err = env.fails(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    assert!(err.contains("unknown medicine 'Migraleve'"), "{err}");
    env.ok(&["drug", "add", "Migraleve", "--class", "combination"]);
    assert!(
        env.ok(&["drug", "lookup", "migraleve"])
            .contains("combination")
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    let err = env.fails(&["drug", "add", "ibuprofen", "--class", "opioid"]);
    assert!(err.contains("already in the dictionary"), "{err}");
    assert!(
        env.ok(&["drug", "lookup", "co-codamol"])
            .contains("combination")
    );
});

journey!(demo_fills_an_empty_database_once, |env: &Env| {
    let out = env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
    assert!(
        out.contains("DEMO-0001") && out.contains("11 patients"),
        "{out}"
    );
    let list: Value = serde_json::from_str(&env.ok(&["patient", "list", "--json"])).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(11));
    let err = env.fails(&["demo"]);
    assert!(err.contains("only an empty database"), "{err}");
    // Treated patients' first session is 130 days into a 320-day diary ending 2026-10-31.
    let json: Value = serde_json::from_str(&env.ok(&[
        "classify",
        "--patient",
        "DEMO-0001",
        "--json",
        "--on",
        "2026-04-24",
    ]))
    .expect("json");
    assert_eq!(json["chronic_migraine"]["status"], "met");
    let sessions: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "DEMO-0004", "--json"]))
            .expect("json");
    assert_eq!(sessions["sessions"][0]["date"], "2026-04-25");
    let response: Value = serde_json::from_str(&env.ok(&[
        "response",
        "--patient",
        "DEMO-0004",
        "--on",
        "2026-10-31",
        "--json",
    ]))
    .expect("json");
    assert_eq!(response["cycles"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        response["cycles"][0]["responder_30"], true,
        "the demo's good responder: {response}"
    );
    let ledger: Value =
        serde_json::from_str(&env.ok(&["preventive", "list", "--patient", "DEMO-0002", "--json"]))
            .expect("json");
    assert_eq!(ledger["failed"], 4);

    // The demo is coherent: a patient treated while not eligible before treatment carries the
    // recorded override, and only a valid ICSR is recorded as submitted.
    let mut treated = 0;
    for p in list.as_array().expect("patients") {
        let mrn = p["mrn"].as_str().expect("mrn");
        let sessions: Value =
            serde_json::from_str(&env.ok(&["session", "list", "--patient", mrn, "--json"]))
                .expect("json");
        let Some(first) = sessions["sessions"].as_array().and_then(|s| {
            s.iter().find(|s| {
                s["indication"]
                    .as_str()
                    .is_some_and(|i| i.starts_with("chronic migraine"))
            })
        }) else {
            continue;
        };
        treated += 1;
        let date: chrono::NaiveDate = first["date"].as_str().expect("date").parse().expect("date");
        let before = (date - chrono::Duration::days(1)).to_string();
        let e: Value = serde_json::from_str(&env.ok(&[
            "eligibility",
            "--patient",
            mrn,
            "--rules",
            "fda-label",
            "--on",
            &before,
            "--json",
        ]))
        .expect("json");
        let overridden = first["overrides"]
            .as_array()
            .is_some_and(|o| o.iter().any(|o| o["check"] == "eligibility"));
        assert!(
            e["verdict"] == "eligible" || overridden,
            "{mrn} treated on {date} with verdict {} and no override",
            e["verdict"]
        );
    }
    assert!(treated >= 4, "{treated} treated demo patients");
    let cases: Value = serde_json::from_str(&env.ok(&["ae", "list", "--json"])).expect("json");
    let cases = cases.as_array().expect("cases");
    assert!(
        cases.iter().any(|c| !c["submitted_on"].is_null()),
        "some submitted"
    );
    for c in cases {
        if !c["submitted_on"].is_null() {
            assert_eq!(
                c["icsr"]["valid"], true,
                "submitted but not a valid ICSR: {c}"
            );
        }
    }
});

fn add_ledger(env: &Env, id: &str) {
    env.ok(&[
        "preventive",
        "add",
        "--patient",
        id,
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
    env.ok(&[
        "preventive",
        "add",
        "--patient",
        id,
        "--drug",
        "topiramate",
        "--start",
        "2025-04-15",
        "--stop",
        "2025-05-10",
        "--dose",
        "50 mg bd",
        "--outcome",
        "not_tolerated",
        "--reason",
        "paraesthesia",
    ]);
    env.ok(&[
        "preventive",
        "add",
        "--patient",
        id,
        "--drug",
        "amitriptyline",
        "--outcome",
        "contraindicated",
        "--reason",
        "long QT",
    ]);
}

journey!(preventive_ledger_counts_failures, |env: &Env| {
    let id = add_patient(env, "P1");
    add_ledger(env, &id);
    let json: Value =
        serde_json::from_str(&env.ok(&["preventive", "list", "--patient", "P1", "--json"]))
            .expect("json");
    assert_eq!(json["failed"], 3);
    assert_eq!(json["failed_classes"].as_array().map(Vec::len), Some(3));
    assert_eq!(json["trials"].as_array().map(Vec::len), Some(3));
    let json: Value = serde_json::from_str(&env.ok(&[
        "preventive",
        "list",
        "--patient",
        "P1",
        "--json",
        "--min-trial-days",
        "91",
    ]))
    .expect("json");
    assert_eq!(
        json["failed"], 2,
        "an 90-day not-effective trial does not count at a 91-day minimum"
    );
    let before = env.ok(&["preventive", "list", "--patient", "P1", "--json"]);
    let err = env.fails(&[
        "preventive",
        "add",
        "--patient",
        &id,
        "--drug",
        "mystery-pill",
        "--start",
        "2025-01-01",
        "--outcome",
        "ongoing",
    ]);
    assert!(err.contains("class"), "{err}");
    let err = env.fails(&[
        "preventive",
        "add",
        "--patient",
        &id,
        "--drug",
        "propranolol",
        "--start",
        "2025-01-01",
        "--outcome",
        "failed",
    ]);
    assert!(err.contains("outcome"), "{err}");
    let err = env.fails(&[
        "preventive",
        "add",
        "--patient",
        &id,
        "--drug",
        "propranolol",
        "--start",
        "2025-02-01",
        "--stop",
        "2025-01-01",
        "--outcome",
        "not_effective",
        "--reason",
        "x",
    ]);
    assert!(err.contains("before start"), "{err}");
    assert_eq!(
        env.ok(&["preventive", "list", "--patient", "P1", "--json"]),
        before,
        "refused entries store nothing"
    );
});

journey!(
    a_phq9_self_harm_answer_asks_for_a_same_day_review,
    |env: &Env| {
        add_patient(env, "P1");
        let out = env.ok(&[
            "prom",
            "add",
            "--patient",
            "P1",
            "--instrument",
            "gad7",
            "--answers",
            "several days,not at all,nearly every day,0,1,2,3",
            "--date",
            "2026-01-05",
        ]);
        assert!(out.contains("10 (moderate anxiety symptoms)"), "{out}");
        assert!(!out.contains("SAME-DAY REVIEW"), "{out}");
        let out = env.ok(&[
            "prom",
            "add",
            "--patient",
            "P1",
            "--instrument",
            "phq9",
            "--answers",
            "0,0,0,0,0,0,0,0,1",
            "--date",
            "2026-01-05",
        ]);
        assert!(out.contains("1 (minimal depressive symptoms)"), "{out}");
        assert!(out.contains("SAME-DAY REVIEW: PHQ-9 item 9"), "{out}");
        let id = out
            .split("--questionnaire ")
            .nth(1)
            .and_then(|s| s.split_whitespace().next())
            .expect("the questionnaire's id")
            .to_owned();
        let review = [
            "prom",
            "review",
            "--patient",
            "P1",
            "--questionnaire",
            id.as_str(),
            "--by",
            "Dr Lee",
            "--decision",
            "phoned the same day; safe; GP informed",
        ];
        let out = env.ok(&review);
        assert!(out.contains("reviewed by Dr Lee"), "{out}");
        let err = env.fails(&review);
        assert!(err.contains("reviewed already"), "{err}");
    }
);

journey!(questionnaires_are_scored_over_time, |env: &Env| {
    add_patient(env, "P1");
    let out = env.ok(&[
        "prom",
        "add",
        "--patient",
        "P1",
        "--instrument",
        "midas",
        "--answers",
        "10,5,3,2,1",
        "--date",
        "2026-01-05",
    ]);
    assert!(out.contains("21 (grade IV"), "{out}");
    let out = env.ok(&[
        "prom",
        "add",
        "--patient",
        "P1",
        "--instrument",
        "hit6",
        "--answers",
        "always,very often,sometimes,rarely,never,always",
        "--date",
        "2026-01-05",
    ]);
    assert!(out.contains("61 (severe impact)"), "{out}");
    let err = env.fails(&[
        "prom",
        "add",
        "--patient",
        "P1",
        "--instrument",
        "hit6",
        "--answers",
        "always,often,never,never,never,never",
    ]);
    assert!(err.contains("HIT-6 item 2"), "{err}");
    let err = env.fails(&[
        "prom",
        "add",
        "--patient",
        "P1",
        "--instrument",
        "midas",
        "--answers",
        "91,0,0,0,0",
    ]);
    assert!(err.contains("MIDAS item 1"), "{err}");
    let list: Value = serde_json::from_str(&env.ok(&["prom", "list", "--patient", "P1", "--json"]))
        .expect("json");
    assert!(list["patient"].is_string(), "{list}");
    assert_eq!(list["questionnaires"][0]["result"]["instrument"], "midas");
    assert_eq!(list["questionnaires"][1]["result"]["total"], 61);
    let text = env.ok(&["prom", "list", "--patient", "P1"]);
    assert!(
        text.contains("grade IV") && text.contains("severe impact"),
        "{text}"
    );
});

journey!(
    eligibility_shows_every_criterion_with_evidence,
    |env: &Env| {
        let id = add_patient(env, "P1");
        let csv = env.write("diary.csv", &chronic_migraine_csv());
        env.ok(&[
            "diary",
            "import",
            "--patient",
            &id,
            csv.to_str().expect("path"),
        ]);
        add_ledger(env, &id);
        let json: Value = serde_json::from_str(&env.ok(&[
            "eligibility",
            "--patient",
            "P1",
            "--rules",
            "nice-ta260",
            "--on",
            "2026-07-01",
            "--json",
        ]))
        .expect("json");
        assert_eq!(json["rule_set"], "nice-ta260");
        assert_eq!(json["preset"], "any");
        assert_eq!(
            json["verdict"], "not_eligible",
            "triptan overuse is not yet managed"
        );
        let outcome = |json: &Value, id: &str| {
            json["criteria"]
                .as_array()
                .and_then(|c| c.iter().find(|c| c["id"] == id))
                .map(|c| c["outcome"].clone())
                .expect("criterion")
        };
        assert_eq!(outcome(&json, "headache-days"), "met");
        assert_eq!(outcome(&json, "migraine-days"), "met");
        assert_eq!(outcome(&json, "failed-preventives"), "met");
        assert_eq!(outcome(&json, "overuse-managed"), "not_met");
        env.ok(&[
            "attest-overuse",
            "--patient",
            "P1",
            "--by",
            "Dr Example",
            "--note",
            "withdrawal completed",
            "--on",
            "2026-06-30",
        ]);
        let json: Value = serde_json::from_str(&env.ok(&[
            "eligibility",
            "--patient",
            "P1",
            "--rules",
            "nice-ta260",
            "--on",
            "2026-07-01",
            "--json",
        ]))
        .expect("json");
        assert_eq!(json["verdict"], "eligible");
        // WA needs 2 classes and a 90-day diary; the label counts 4-hour days.
        let wa: Value = serde_json::from_str(&env.ok(&[
            "eligibility",
            "--patient",
            "P1",
            "--rules",
            "wa-lni",
            "--on",
            "2026-07-01",
            "--json",
        ]))
        .expect("json");
        assert_eq!(outcome(&wa, "diary"), "met");
        assert_eq!(outcome(&wa, "adult"), "met");
        let text = env.ok(&[
            "eligibility",
            "--patient",
            "P1",
            "--rules",
            "fda-label",
            "--on",
            "2026-07-01",
        ]);
        assert!(text.contains("[unverified default]"), "{text}");
        assert!(
            text.contains("headache days per month under preset label-4h"),
            "{text}"
        );
        let err = env.fails(&["eligibility", "--patient", "P1", "--rules", "nope"]);
        assert!(
            err.contains("known: fda-label, nice-ta260, wa-lni, evicore"),
            "{err}"
        );
    }
);

journey!(clinics_add_rule_sets_as_files, |env: &Env| {
    let dir = env.path("rules");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("acme.toml"),
        "id = \"acme-health\"\nname = \"Acme Health policy\"\nversion = \"2026\"\nsource = \"Acme policy 12.3\"\npreset = \"label-4h\"\n\n[[criteria]]\nid = \"failed\"\nkind = \"failed_preventives\"\nmin_count = 2\nmin_classes = 2\ndescription = \"2 preventives from 2 classes\"\nsource = \"Acme 12.3(b)\"\n",
    )
    .expect("write");
    let rules_dir = dir.to_str().expect("path");
    let list = env.ok(&["--rules-dir", rules_dir, "rules", "list"]);
    assert!(list.contains("acme-health"), "{list}");
    let id = add_patient(env, "P1");
    add_ledger(env, &id);
    let json: Value = serde_json::from_str(&env.ok(&[
        "--rules-dir",
        rules_dir,
        "eligibility",
        "--patient",
        "P1",
        "--rules",
        "acme-health",
        "--json",
    ]))
    .expect("json");
    assert_eq!(json["verdict"], "eligible");
    std::fs::write(dir.join("broken.toml"), "id = \"b\"\nname = \"b\"\nversion = \"1\"\nsource = \"s\"\npreset = \"any\"\n[[criteria]]\nid = \"x\"\nkind = \"min_age\"\nyears = \"eighteen\"\ndescription = \"d\"\nsource = \"s\"\n").expect("write");
    let err = env.fails(&["--rules-dir", rules_dir, "rules", "list"]);
    assert!(err.contains("broken.toml") && err.contains("line"), "{err}");
    let show = env.ok(&["rules", "show", "wa-lni"]);
    assert!(
        show.contains("max-five-courses") && show.contains("[unverified default]"),
        "{show}"
    );
});

/// Overrides of the pathway checks for journeys about something else: their patients keep little
/// or no diary and have no eligibility verdict. The pathway checks themselves are tested in
/// `the_pathway_checks_refuse_and_name_why`.
pub const PATHWAY_OVERRIDES: [&str; 4] = [
    "--override",
    "diary=paper diary reviewed in clinic",
    "--override",
    "eligibility=assessed in clinic against the payer's criteria",
];

fn record(env: &Env, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec![
        "session",
        "record",
        "--patient",
        "P1",
        "--vial",
        "200",
        "--lot",
        "C4021AB",
        "--expiry",
        "2027-03-31",
        "--injector",
        "Dr Example",
    ];
    args.extend_from_slice(&PATHWAY_OVERRIDES);
    args.extend_from_slice(extra);
    env.run(&args)
}

journey!(sessions_are_checked_billed_and_listed, |env: &Env| {
    add_patient(env, "P1");
    // PREEMPT with two follow-the-pain sites: 165 U from a 200 U vial.
    let r = record(
        env,
        &[
            "--date",
            "2026-04-01",
            "--plan",
            "preempt-ftp",
            "--extra",
            "temporalis:left",
            "--extra",
            "trapezius:right",
            "--json",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let json: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(json["units_given"], 165);
    assert_eq!(json["sites_given"], 33);
    assert_eq!(json["waste"]["discarded"], 35);
    let lines: Vec<String> = json["billing"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .map(|l| {
            format!(
                "{}{}×{}",
                l["code"].as_str().unwrap_or(""),
                l["modifier"]
                    .as_str()
                    .map(|m| format!("-{m}"))
                    .unwrap_or_default(),
                l["quantity"]
            )
        })
        .collect();
    assert_eq!(lines, vec!["64615×1", "J0585×165", "J0585-JW×35"]);
    // Each line names the diagnosis it rests on: ICHD-3 1.3 and its ICD-10-CM code.
    for l in json["billing"]["lines"].as_array().expect("lines") {
        assert_eq!(
            l["diagnosis"],
            serde_json::json!({"ichd3": "1.3", "name": "chronic migraine", "icd10cm": "G43.709"})
        );
    }
    // 83 days later: refused, nothing saved.
    let before = env.ok(&["session", "list", "--patient", "P1", "--json"]);
    let r = record(env, &["--date", "2026-06-23"]);
    assert!(!r.ok);
    assert!(
        r.stdout.contains("REFUSED: re-treatment interval: 83 days"),
        "{}",
        r.stdout
    );
    assert!(r.stderr.contains("nothing was saved"), "{}", r.stderr);
    assert_eq!(
        env.ok(&["session", "list", "--patient", "P1", "--json"]),
        before
    );
    // 84 days later: allowed; a skipped site shows and 155 − 5 U is below protocol (a warning).
    let r = record(env, &["--date", "2026-06-24", "--skip", "frontalis:left:2"]);
    assert!(r.ok, "{}", r.stderr);
    assert!(
        r.stdout.contains("skipped: frontalis left #2"),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("warning: PREEMPT below protocol"),
        "{}",
        r.stdout
    );
    // An expired vial is an error; so is one expiring on the session day.
    let r = env.run(&[
        "session",
        "record",
        "--patient",
        "P1",
        "--date",
        "2026-09-20",
        "--vial",
        "200",
        "--lot",
        "X1",
        "--expiry",
        "2026-09-20",
        "--injector",
        "Dr Example",
    ]);
    assert!(!r.ok && r.stderr.contains("expir"), "{}", r.stderr);
    // Over 195 U is refused: 40 U of follow-the-pain plus nothing else fits, 45 U does not.
    let nine: Vec<&str> = [
        "temporalis:left",
        "temporalis:right",
        "occipitalis:left",
        "occipitalis:right",
        "trapezius:left",
        "trapezius:left",
        "trapezius:right",
        "trapezius:right",
        "temporalis:left",
    ]
    .iter()
    .flat_map(|s| ["--extra", *s])
    .collect();
    let mut args = vec!["plan", "show", "preempt-ftp"];
    args.extend(nine.iter().copied());
    let err = env.fails(&args);
    assert!(
        err.contains("195") || err.contains("40 U") || err.contains("cap"),
        "{err}"
    );
    // Another indication's doses count toward 400 U in 3 months.
    env.ok(&[
        "session",
        "add-dose",
        "--patient",
        "P1",
        "--date",
        "2026-08-01",
        "--units",
        "300",
        "--indication",
        "cervical dystonia",
    ]);
    let r = record(
        env,
        &[
            "--date",
            "2026-09-20",
            "--override",
            "retreatment_interval=dystonia clinic dose 50 days earlier, agreed with neurologist",
        ],
    );
    assert!(!r.ok, "300 + 155 U within 3 months is over 400 U");
    assert!(
        r.stdout.contains("REFUSED") && r.stdout.contains("400"),
        "{}",
        r.stdout
    );
    let r = record(
        env,
        &[
            "--date",
            "2026-09-20",
            "--override",
            "retreatment_interval=agreed with neurologist",
            "--override",
            "cumulative_units=dystonia dose reduced next time",
            "--by",
            "Dr Lead",
        ],
    );
    assert!(r.ok, "{}", r.stderr);
    let list: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "P1", "--json"]))
            .expect("json");
    let sessions = list["sessions"].as_array().expect("sessions");
    assert_eq!(sessions.len(), 3);
    let overrides = sessions[2]["overrides"].as_array().expect("overrides");
    // The two refusals overridden here, and the pathway's diary check (this patient keeps none).
    let mut checks: Vec<&str> = overrides
        .iter()
        .filter_map(|o| o["check"].as_str())
        .collect();
    checks.sort_unstable();
    assert_eq!(
        checks,
        vec!["cumulative_units", "diary", "retreatment_interval"]
    );
    assert!(overrides.iter().all(|o| o["by"] == "Dr Lead"));
});

journey!(schedule_and_response_follow_the_sessions, |env: &Env| {
    let id = add_patient(env, "P1");
    let csv = env.write("diary.csv", &chronic_migraine_csv());
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    let r = record(env, &["--date", "2026-05-01"]);
    assert!(r.ok, "{}", r.stderr);
    let json: Value =
        serde_json::from_str(&env.ok(&["schedule", "--on", "2026-07-24", "--json"])).expect("json");
    assert_eq!(
        json["due"].as_array().map(Vec::len),
        Some(1),
        "84 days after 1 May is 24 July: {json}"
    );
    let json: Value =
        serde_json::from_str(&env.ok(&["schedule", "--on", "2026-07-23", "--json"])).expect("json");
    assert_eq!(json["too_early"].as_array().map(Vec::len), Some(1));
    let json: Value =
        serde_json::from_str(&env.ok(&["schedule", "--on", "2026-08-08", "--json"])).expect("json");
    assert_eq!(
        json["overdue"].as_array().map(Vec::len),
        Some(1),
        "99 days is overdue"
    );
    let json: Value = serde_json::from_str(&env.ok(&[
        "response",
        "--patient",
        "P1",
        "--rules",
        "nice-ta260",
        "--on",
        "2026-06-30",
        "--json",
    ]))
    .expect("json");
    assert_eq!(json["preset"], "any");
    assert_eq!(json["baseline"]["start"], "2026-04-03");
    assert_eq!(json["cycles"][0]["window"]["end"], "2026-06-30");
    assert_eq!(json["decisions"][0]["outcome"], "not_yet_applicable");
    let text = env.ok(&["response", "--patient", "P1", "--on", "2026-06-30"]);
    assert!(text.contains("Decision support only"), "{text}");
    let err = env.fails(&["response", "--patient", "P1", "--on", "2026-04-30"]);
    assert!(err.contains("no chronic-migraine session"), "{err}");
    // Eligibility now sees the last session.
    let json: Value = serde_json::from_str(&env.ok(&[
        "eligibility",
        "--patient",
        "P1",
        "--rules",
        "fda-label",
        "--on",
        "2026-07-23",
        "--json",
    ]))
    .expect("json");
    let interval = json["criteria"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["id"] == "retreatment-interval"))
        .expect("criterion");
    assert_eq!(interval["outcome"], "not_met", "{interval}");
});

const SENDER: &str = r#"sender_id = "CEPHALOGCLINIC"
meddra_version = "27.1"
case_country = "GB"
organisation = "Example Headache Clinic"
department = "Neurology"
title = "Dr"
given_name = "Ana"
family_name = "Ruiz"
street = "1 Hospital Road"
city = "Leeds"
state = "West Yorkshire"
postcode = "LS1 3EX"
country = "GB"
telephone = "+44 113 000 0000"
fax = "+44 113 000 0001"
email = "safety@example.org"
"#;

journey!(
    adverse_events_are_flagged_validated_and_exported,
    |env: &Env| {
        add_patient(env, "P1");
        assert!(record(env, &["--date", "2026-03-02"]).ok);
        // A boxed-warning symptom 12 days after the session: urgent review; a complete case.
        let out = env.ok(&[
            "ae",
            "add",
            "--patient",
            "P1",
            "--term",
            "ptosis",
            "--meddra",
            "10015995",
            "--onset",
            "2026-03-14",
            "--grade",
            "2",
            "--serious",
            "other_important_medical_event",
            "--outcome",
            "recovering",
            "--causality",
            "related",
            "--reporter-given",
            "Ana",
            "--reporter-family",
            "Ruiz",
            "--reporter-qualification",
            "physician",
            "--reporter-country",
            "GB",
            "--aware",
            "2026-03-15",
            "--narrative",
            "Left eyelid ptosis from day 12.",
            "--json",
        ]);
        let case: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(case["icsr"]["valid"], true);
        assert_eq!(case["urgent_review"]["symptom"], "ptosis");
        assert_eq!(
            case["report_due"], "2026-03-30",
            "serious: 15 days from awareness"
        );
        let id = case["id"].as_str().expect("id").to_owned();
        // An incomplete case is stored, with what is missing.
        let out = env.ok(&[
            "ae",
            "add",
            "--patient",
            "P1",
            "--term",
            "neck pain",
            "--onset",
            "2026-03-05",
            "--grade",
            "1",
            "--aware",
            "2026-03-06",
            "--json",
        ]);
        let incomplete: Value = serde_json::from_str(&out).expect("json");
        assert_eq!(incomplete["icsr"]["valid"], false);
        assert_eq!(incomplete["urgent_review"], Value::Null);
        let inc_id = incomplete["id"].as_str().expect("id").to_owned();
        let err = env.fails(&[
            "ae",
            "add",
            "--patient",
            "P1",
            "--term",
            "x",
            "--onset",
            "2026-03-05",
            "--grade",
            "6",
        ]);
        assert!(err.contains("grade"), "{err}");
        assert_eq!(
            serde_json::from_str::<Value>(&env.ok(&["ae", "list", "--json"]))
                .expect("json")
                .as_array()
                .map(Vec::len),
            Some(2)
        );
        // Overdue on 31 March (serious, due 30 March); submitted, it leaves the list.
        let overdue: Value =
            serde_json::from_str(&env.ok(&["ae", "overdue", "--on", "2026-03-31", "--json"]))
                .expect("json");
        assert_eq!(overdue.as_array().map(Vec::len), Some(1));
        env.ok(&["ae", "submitted", "--case", &id, "--on", "2026-03-20"]);
        let overdue: Value =
            serde_json::from_str(&env.ok(&["ae", "overdue", "--on", "2026-03-31", "--json"]))
                .expect("json");
        assert_eq!(overdue.as_array().map(Vec::len), Some(0));
        // Exports.
        let sender = env.write("sender.toml", SENDER);
        let xml_path = env.path("case.xml");
        env.ok(&[
            "ae",
            "export",
            "--case",
            &id,
            "--format",
            "e2b-r3",
            "--sender",
            sender.to_str().expect("path"),
            "--out",
            xml_path.to_str().expect("path"),
        ]);
        let xml = read(&xml_path);
        assert!(
            xml.contains("MCCI_IN200100UV01")
                && xml.contains("10015995")
                && xml.contains("C4021AB"),
            "{xml}"
        );
        let medwatch: Value = serde_json::from_str(&env.ok(&[
            "ae",
            "export",
            "--case",
            &id,
            "--format",
            "medwatch-json",
        ]))
        .expect("json");
        assert_eq!(medwatch["form"], "FDA 3500");
        let err = env.fails(&[
            "ae",
            "export",
            "--case",
            &inc_id,
            "--format",
            "e2b-r3",
            "--sender",
            sender.to_str().expect("path"),
        ]);
        assert!(err.contains("reporter") || err.contains("missing"), "{err}");
        let err = env.fails(&["ae", "export", "--case", &id, "--format", "e2b-r3"]);
        assert!(err.contains("--sender"), "{err}");
        let rates: Value = serde_json::from_str(&env.ok(&["ae", "rates", "--json"])).expect("json");
        assert_eq!(rates["sessions"], 1);
    }
);

journey!(nerve_blocks_record_relief_and_bill_64405, |env: &Env| {
    add_patient(env, "P1");
    let out = env.ok(&[
        "session",
        "block",
        "--patient",
        "P1",
        "--date",
        "2026-03-01",
        "--side",
        "left",
        "--volume-ml",
        "3",
        "--injector",
        "Dr Example",
    ]);
    assert!(out.contains("64405 × 1"), "{out}");
    let list: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "P1", "--json"]))
            .expect("json");
    let block = &list["nerve_blocks"][0];
    let id = block["id"].as_str().expect("id").to_owned();
    assert_eq!(block["billing"]["lines"].as_array().map(Vec::len), Some(1));
    let out = env.ok(&[
        "session",
        "relief",
        "--patient",
        "P1",
        "--block",
        &id,
        "--percent",
        "80",
        "--hours",
        "36",
        "--on",
        "2026-03-03",
    ]);
    assert!(out.contains("80 % for 36.0 h"), "{out}");
    let err = env.fails(&[
        "session",
        "relief",
        "--patient",
        "P1",
        "--block",
        &id,
        "--percent",
        "120",
        "--hours",
        "1",
    ]);
    assert!(err.contains("120") || err.contains("percent"), "{err}");
    let err = env.fails(&[
        "session",
        "block",
        "--patient",
        "P1",
        "--date",
        "2099-01-01",
        "--injector",
        "Dr Example",
    ]);
    assert!(err.contains("future"), "{err}");
});

journey!(occipital_toxin_and_questionnaires_by_cycle, |env: &Env| {
    let id = add_patient(env, "P1");
    let out = env.ok(&[
        "session",
        "record",
        "--patient",
        "P1",
        "--date",
        "2026-03-02",
        "--plan",
        "on-toxin",
        "--nerve-dose",
        "greater:left:25",
        "--nerve-dose",
        "greater:right:25",
        "--vial",
        "100",
        "--lot",
        "X77",
        "--expiry",
        "2027-01-01",
        "--injector",
        "Dr Example",
        "--override",
        "diary=paper diary reviewed in clinic",
        "--json",
    ]);
    let s: Value = serde_json::from_str(&out).expect("json");
    assert_eq!(s["indication"], "occipital neuralgia (off-label)");
    assert_eq!(s["units_given"], 50);
    let codes: Vec<&str> = s["billing"]["lines"]
        .as_array()
        .expect("lines")
        .iter()
        .filter_map(|l| l["code"].as_str())
        .collect();
    assert!(
        !codes.contains(&"64615"),
        "64615 is for chronic migraine only: {codes:?}"
    );
    // Questionnaires fall into the baseline or the cycle they follow.
    let csv = env.write("diary.csv", &chronic_migraine_csv());
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &id,
        csv.to_str().expect("path"),
    ]);
    let other = add_patient(env, "P2");
    let csv = env.write("diary2.csv", &chronic_migraine_csv());
    env.ok(&[
        "diary",
        "import",
        "--patient",
        &other,
        csv.to_str().expect("path"),
    ]);
    let r = env.run(&[
        "session",
        "record",
        "--patient",
        "P2",
        "--vial",
        "200",
        "--lot",
        "C4021AB",
        "--expiry",
        "2027-03-31",
        "--injector",
        "Dr Example",
        "--override",
        "eligibility=assessed in clinic against the payer's criteria",
        "--date",
        "2026-05-01",
    ]);
    assert!(r.ok, "{}", r.stderr);
    env.ok(&[
        "prom",
        "add",
        "--patient",
        "P2",
        "--instrument",
        "midas",
        "--answers",
        "10,5,3,2,1",
        "--date",
        "2026-04-20",
    ]);
    env.ok(&[
        "prom",
        "add",
        "--patient",
        "P2",
        "--instrument",
        "midas",
        "--answers",
        "2,1,0,0,0",
        "--date",
        "2026-06-20",
    ]);
    let json: Value = serde_json::from_str(&env.ok(&[
        "response",
        "--patient",
        "P2",
        "--on",
        "2026-06-30",
        "--json",
    ]))
    .expect("json");
    assert_eq!(json["proms"][0]["period"], "baseline");
    assert_eq!(json["proms"][1]["period"], "cycle 1");
    assert_eq!(json["proms"][1]["total"], 3);
});

journey!(users_and_the_audit_trail, |env: &Env| {
    let id = add_patient(env, "P1");
    env.ok(&[
        "metrics",
        "--patient",
        "P1",
        "--from",
        "2026-01-01",
        "--to",
        "2026-01-28",
    ]);
    let r = env.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "ana.ruiz",
            "--name",
            "Dr Ana Ruiz",
            "--role",
            "clinician",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(r.ok, "{}", r.stderr);
    assert!(!r.stdout.contains("password (shown once)"));
    let r = env.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "short.pw",
            "--name",
            "X",
            "--role",
            "nurse",
            "--password-stdin",
        ],
        "short\n",
    );
    assert!(!r.ok && r.stderr.contains("at least 12"), "{}", r.stderr);
    let out = env.ok(&[
        "user",
        "add",
        "--username",
        "patient.one",
        "--name",
        "Patient One",
        "--role",
        "patient",
        "--patient",
        "P1",
    ]);
    assert!(out.contains("password (shown once): "), "{out}");
    let err = env.fails(&[
        "user",
        "add",
        "--username",
        "ana.ruiz",
        "--name",
        "Again",
        "--role",
        "admin",
    ]);
    assert!(err.contains("already exists"), "{err}");
    let err = env.fails(&[
        "user",
        "add",
        "--username",
        "nopatient",
        "--name",
        "X",
        "--role",
        "patient",
    ]);
    assert!(err.contains("patient account"), "{err}");
    env.ok(&["user", "disable", "ana.ruiz"]);
    let list = env.ok(&["user", "list"]);
    assert!(
        list.contains("disabled") && list.contains("patient.one"),
        "{list}"
    );
    let out = env.ok(&["user", "reset-password", "patient.one"]);
    assert!(out.contains("password (shown once): "), "{out}");
    // Every read and write of the patient's data is in the trail, and the chain is intact.
    let trail: Value =
        serde_json::from_str(&env.ok(&["audit", "log", "--patient", "P1", "--json"]))
            .expect("json");
    let actions: Vec<&str> = trail
        .as_array()
        .expect("entries")
        .iter()
        .filter_map(|e| e["action"].as_str())
        .collect();
    assert!(
        actions.starts_with(&["patient.add", "metrics.read"]),
        "{actions:?}"
    );
    assert!(actions.contains(&"user.add"), "{actions:?}");
    assert!(
        trail[0]["actor"]
            .as_str()
            .is_some_and(|a| a.starts_with("cli:"))
    );
    assert_eq!(trail[0]["patient_id"], Value::String(id));
    let out = env.ok(&["audit", "verify"]);
    assert!(out.contains("audit trail intact"), "{out}");
});

journey!(api_tokens_are_issued_listed_and_revoked, |env: &Env| {
    let r = env.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "bridge",
            "--name",
            "EHR bridge",
            "--role",
            "clinician",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(r.ok, "{}", r.stderr);
    let out = env.ok(&["user", "token", "bridge", "--name", "EHR bridge"]);
    let secret = out
        .lines()
        .find(|l| l.starts_with("cph_"))
        .expect("the token is shown");
    assert_eq!(secret.len(), 4 + 64);
    let id = out.split_whitespace().nth(1).expect("token id").to_owned();
    let listed = env.ok(&["user", "tokens", "bridge"]);
    assert!(
        listed.contains(&id) && listed.contains("EHR bridge"),
        "{listed}"
    );
    assert!(!listed.contains(secret), "the secret is never listed");
    env.ok(&["user", "revoke-token", "bridge", &id]);
    let err = env.fails(&["user", "revoke-token", "bridge", &id]);
    assert!(err.contains("no live API token"), "{err}");
    let err = env.fails(&["user", "token", "nobody", "--name", "x"]);
    assert!(err.contains("no user nobody"), "{err}");
});

journey!(the_pathway_checks_refuse_and_name_why, |env: &Env| {
    // A patient with no ICHD-3 diagnosis, no diary and so no eligibility verdict.
    let out = env.ok(&[
        "patient",
        "add",
        "--name",
        "No Record",
        "--dob",
        "1980-05-05",
        "--mrn",
        "P9",
    ]);
    let id = out.trim().to_owned();
    let base = [
        "session",
        "record",
        "--patient",
        "P9",
        "--vial",
        "200",
        "--lot",
        "C4021AB",
        "--expiry",
        "2027-03-31",
        "--injector",
        "Dr Example",
    ];
    let run = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        env.run(&args)
    };
    let r = run(&["--date", "2026-03-02", "--dry-run"]);
    assert!(!r.ok, "refused, even as a dry run");
    for why in [
        "REFUSED: diagnosis: the patient has no ICHD-3 diagnosis",
        "REFUSED: diary: the patient has no headache diary",
        "REFUSED: eligibility: first chronic-migraine session, and the eligibility verdict under rule set fda-label",
    ] {
        assert!(r.stdout.contains(why), "{why}: {}", r.stdout);
    }
    assert!(
        r.stderr.contains("diagnosis, diary, eligibility"),
        "{}",
        r.stderr
    );
    let r = run(&["--date", "2026-03-02"]);
    assert!(
        !r.ok && r.stderr.contains("nothing was saved"),
        "{}",
        r.stderr
    );
    let none: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "P9", "--json"]))
            .expect("json");
    assert_eq!(none["sessions"].as_array().map(Vec::len), Some(0));
    // Each overridden with a reason: saved, the overrides kept with the session.
    let r = run(&[
        "--date",
        "2026-03-02",
        "--override",
        "diagnosis=referral letter names chronic migraine; coding to follow",
        "--override",
        "diary=paper diary reviewed in clinic",
        "--override",
        "eligibility=payer approval on file",
    ]);
    assert!(r.ok, "{}", r.stderr);
    let list: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "P9", "--json"]))
            .expect("json");
    let checks: Vec<&str> = list["sessions"][0]["overrides"]
        .as_array()
        .expect("overrides")
        .iter()
        .filter_map(|o| o["check"].as_str())
        .collect();
    assert_eq!(checks, vec!["diagnosis", "diary", "eligibility"]);
    // Without an ICHD-3 1.3 diagnosis the billing lines rest on none, and say so.
    let billing = &list["sessions"][0]["billing"];
    assert!(
        billing["lines"]
            .as_array()
            .expect("lines")
            .iter()
            .all(|l| l.get("diagnosis").is_none()),
        "{billing}"
    );
    assert!(
        billing["notes"].as_array().expect("notes").iter().any(|n| n
            .as_str()
            .is_some_and(|n| n.contains("rest on no diagnosis"))),
        "{billing}"
    );
    // Hospitalised with dysphagia 10 days later: serious, and flagged for urgent review.
    let out = env.ok(&[
        "ae",
        "add",
        "--patient",
        "P9",
        "--term",
        "dysphagia",
        "--onset",
        "2026-03-12",
        "--grade",
        "3",
        "--serious",
        "hospitalization",
        "--aware",
        "2026-03-13",
        "--json",
    ]);
    let case: Value = serde_json::from_str(&out).expect("json");
    let case_id = case["id"].as_str().expect("id").to_owned();
    assert_eq!(case["urgent_review"]["symptom"], "dysphagia");
    // The next injection warns of both, before anything is saved.
    let later = [
        "--date",
        "2026-06-02",
        "--override",
        "diagnosis=referral letter names chronic migraine; coding to follow",
        "--override",
        "diary=paper diary reviewed in clinic",
        "--dry-run",
    ];
    let r = run(&later);
    assert!(!r.ok);
    assert!(
        r.stdout.contains(
            "REFUSED: adverse event: serious adverse event 'dysphagia' began on 2026-03-12, since the previous session of 2026-03-02"
        ),
        "{}",
        r.stdout
    );
    assert!(
        r.stdout.contains("REFUSED: urgent review: 'dysphagia'")
            && r.stdout.contains("not acknowledged"),
        "{}",
        r.stdout
    );
    // Acknowledged: who and what was decided; the urgent review no longer refuses.
    let err = env.fails(&[
        "ae",
        "acknowledge",
        "--case",
        &case_id,
        "--by",
        "Dr Example",
        "--decision",
        " ",
    ]);
    assert!(err.contains("decision"), "{err}");
    let out = env.ok(&[
        "ae",
        "acknowledge",
        "--case",
        &case_id,
        "--by",
        "Dr Example",
        "--decision",
        "seen in clinic; swallow recovered; next session without the cervical sites",
    ]);
    assert!(out.contains("acknowledged by Dr Example"), "{out}");
    let err = env.fails(&[
        "ae",
        "acknowledge",
        "--case",
        &case_id,
        "--by",
        "Dr Other",
        "--decision",
        "again",
    ]);
    assert!(err.contains("already acknowledged"), "{err}");
    let shown = env.ok(&["ae", "show", &case_id]);
    assert!(
        shown.contains("urgent review acknowledged by Dr Example"),
        "{shown}"
    );
    let r = run(&later);
    assert!(!r.stdout.contains("REFUSED: urgent review"), "{}", r.stdout);
    assert!(r.stdout.contains("REFUSED: adverse event"), "{}", r.stdout);
    // The serious event still needs a reason to inject again.
    let mut saved = later.to_vec();
    saved.pop();
    saved.extend([
        "--override",
        "serious_adverse_event=reviewed; benefit outweighs risk, reduced cervical dose",
    ]);
    let r = run(&saved);
    assert!(r.ok, "{}", r.stderr);
    // A non-flagged event has nothing to acknowledge.
    let out = env.ok(&[
        "ae",
        "add",
        "--patient",
        &id,
        "--term",
        "neck pain",
        "--onset",
        "2026-06-05",
        "--grade",
        "1",
        "--aware",
        "2026-06-05",
        "--json",
    ]);
    let plain: Value = serde_json::from_str(&out).expect("json");
    let err = env.fails(&[
        "ae",
        "acknowledge",
        "--case",
        plain["id"].as_str().expect("id"),
        "--by",
        "Dr Example",
        "--decision",
        "noted",
    ]);
    assert!(err.contains("not flagged for urgent review"), "{err}");
});
