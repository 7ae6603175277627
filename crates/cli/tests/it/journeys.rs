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
    let out = env.ok(&["demo", "--seed", "7", "--until", "2026-10-31"]);
    assert!(
        out.contains("DEMO-0001") && out.contains("11 patients"),
        "{out}"
    );
    let list: Value = serde_json::from_str(&env.ok(&["patient", "list", "--json"])).expect("json");
    assert_eq!(list.as_array().map(Vec::len), Some(11));
    let err = env.fails(&["demo"]);
    assert!(err.contains("only an empty database"), "{err}");
    let json: Value = serde_json::from_str(&env.ok(&[
        "classify",
        "--patient",
        "DEMO-0001",
        "--json",
        "--on",
        "2026-10-31",
    ]))
    .expect("json");
    assert_eq!(json["chronic_migraine"]["status"], "met");
});
