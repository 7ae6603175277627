//! Attack logs from phone apps, imported through profiles: `diary import --format attacks`.

use serde_json::Value;

use crate::harness::Env;
use crate::journey;

/// The Migraine Buddy export the shipped profile expects.
const SAMPLE: &str = include_str!("../../../../profiles/samples/migraine-buddy.csv");

fn add_patient(env: &Env, mrn: &str) -> String {
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Attack Patient",
        "--dob",
        "1985-02-03",
        "--sex",
        "female",
        "--mrn",
        mrn,
        "--diagnosis",
        "1.3",
    ])
    .trim()
    .to_owned()
}

/// Everything stored for the patient, as the CLI shows it.
fn snapshot(env: &Env, mrn: &str) -> (String, String) {
    (
        env.ok(&["patient", "list", "--json"]),
        env.ok(&["diary", "export", "--patient", mrn]),
    )
}

fn import(env: &Env, mrn: &str, file: &std::path::Path, extra: &[&str]) -> crate::harness::Run {
    let mut args = vec!["diary", "import", "--patient", mrn];
    args.extend_from_slice(extra);
    args.push(file.to_str().expect("path"));
    env.run(&args)
}

journey!(migraine_buddy_exports_become_diary_days, |env: &Env| {
    add_patient(env, "A1");
    let file = env.write("migraine-buddy.csv", SAMPLE);
    let run = import(
        env,
        "A1",
        &file,
        &["--format", "attacks", "--profile", "migraine-buddy"],
    );
    assert!(run.ok, "{}", run.stderr);
    assert!(
        run.stdout
            .contains("5 attack(s) (Migraine Buddy CSV export) over 2026-03-02..2026-03-12"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("11 day(s) imported") && run.stdout.contains("11 new, 0 replaced"),
        "{}",
        run.stdout
    );
    let exported = env.ok(&["diary", "export", "--patient", "A1"]);
    let rows: Vec<&str> = exported.lines().skip(1).collect();
    assert_eq!(
        rows.len(),
        11,
        "the covered period, first to last attack day"
    );
    assert!(
        rows[0].starts_with("2026-03-02,320,severe,1,1,0,1,0,1,0,0,Sumatriptan 50mg,0,")
            && rows[0].ends_with("Triggers: Poor sleep; Notes: Woke up with it"),
        "{}",
        rows[0]
    );
    assert!(rows[1].starts_with("2026-03-03,0,none,"), "{}", rows[1]);
    assert!(
        rows[2].starts_with("2026-03-04,90,severe,1,")
            && rows[2].contains("Rizatriptan 10mg; Ibuprofen 400mg"),
        "{}",
        rows[2]
    );
    assert!(
        rows[3].starts_with("2026-03-05,100,severe,1,"),
        "the attack runs past midnight: {}",
        rows[3]
    );
    // Re-running the same import creates nothing twice: refused without --replace…
    let before = snapshot(env, "A1");
    let again = import(
        env,
        "A1",
        &file,
        &["--format", "attacks", "--profile", "migraine-buddy"],
    );
    assert!(!again.ok);
    assert!(
        again.stderr.contains("already stored for this patient")
            && again.stderr.contains("nothing was imported"),
        "{}",
        again.stderr
    );
    assert_eq!(snapshot(env, "A1"), before);
    // …and with --replace the same days are written over, not added.
    let replaced = import(
        env,
        "A1",
        &file,
        &["--profile", "migraine-buddy", "--replace"],
    );
    assert!(replaced.ok, "{}", replaced.stderr);
    assert!(
        replaced.stdout.contains("0 new, 11 replaced"),
        "{}",
        replaced.stdout
    );
    assert_eq!(snapshot(env, "A1"), before);
    // The figures come from the imported days.
    let metrics: Value =
        serde_json::from_str(&env.ok(&["metrics", "--patient", "A1", "--preset", "any", "--json"]))
            .expect("json");
    assert_eq!(metrics["periods"][0]["headache_days"], 6);
    assert_eq!(metrics["periods"][0]["recorded_days"], 11);
});

journey!(generic_attack_logs_with_a_stated_period, |env: &Env| {
    add_patient(env, "A2");
    let file = env.write(
        "attacks.csv",
        "start,end,duration,pain_0_10,symptoms,medicines,notes\n\
         2026-04-02 23:00,,3h,8,nausea; one side,rizatriptan 10 mg,\n\
         2026-04-02 23:30,2026-04-03 01:00,,4,light sensitivity,,second attack\n",
    );
    let out = env.ok(&[
        "diary",
        "import",
        "--patient",
        "A2",
        "--format",
        "attacks",
        "--covers",
        "2026-04-01..2026-04-05",
        file.to_str().expect("path"),
    ]);
    assert!(
        out.contains("2 attack(s) (Generic attack log) over 2026-04-01..2026-04-05"),
        "{out}"
    );
    let exported = env.ok(&["diary", "export", "--patient", "A2"]);
    let rows: Vec<&str> = exported.lines().skip(1).collect();
    assert_eq!(rows.len(), 5);
    assert!(rows[0].starts_with("2026-04-01,0,none,"), "{}", rows[0]);
    assert!(
        rows[1]
            .starts_with("2026-04-02,60,severe,1,0,0,1,0,1,0,0,rizatriptan 10 mg,0,second attack"),
        "{}",
        rows[1]
    );
    assert!(
        rows[2].starts_with("2026-04-03,120,severe,1,"),
        "{}",
        rows[2]
    );
    assert!(rows[4].starts_with("2026-04-05,0,none,"), "{}", rows[4]);
});

journey!(bad_attack_logs_change_nothing, |env: &Env| {
    add_patient(env, "A3");
    let good = env.write(
        "good.csv",
        "date,headache_minutes,peak_intensity\n2026-02-01,60,mild\n",
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        "A3",
        good.to_str().expect("path"),
    ]);
    let before = snapshot(env, "A3");
    let mut text = SAMPLE.to_owned();
    text.push_str(
        "2026-03-14 08:00,,2h,Migraine,6,Left side,Nausea,,Sumatriptn 50mg,,Home,\n\
         31/03/2026 09:00,,1h,Migraine,5,,,,,,Home,\n\
         2026-03-16 10:00,,2h,Migraine,12,,,,,,Home,\n\
         2026-03-17 10:00,,-2h,Migraine,5,,,,,,Home,\n\
         2026-03-18 10:00,2026-03-18 08:00,,Migraine,5,,,,,,Home,\n",
    );
    let bad = env.write("bad-export.csv", &text);
    let err = import(env, "A3", &bad, &["--profile", "migraine-buddy"]);
    assert!(!err.ok);
    let e = &err.stderr;
    assert!(
        e.contains("bad-export.csv has 5 error(s); nothing was imported"),
        "{e}"
    );
    for expect in [
        "bad-export.csv: line 7, column Helpful Medication: unknown medicine 'Sumatriptn'; did you mean sumatriptan",
        "bad-export.csv: line 8, column Started: '31/03/2026 09:00' is not a date and time",
        "bad-export.csv: line 9, column Pain Level: '12' is not a pain level",
        "bad-export.csv: line 10, column Lasted: '-2h' is not a duration",
        "bad-export.csv: line 11, column Ended: end 2026-03-18 08:00:00 is not after start 2026-03-18 10:00:00",
    ] {
        assert!(e.contains(expect), "expected '{expect}' in: {e}");
    }
    assert_eq!(
        snapshot(env, "A3"),
        before,
        "the bad file left the database as it was"
    );
    // End before start, with the generic profile.
    let backwards = env.write(
        "backwards.csv",
        "start,end,pain_0_10\n2026-03-01 10:00,2026-03-01 09:00,5\n",
    );
    let e = import(env, "A3", &backwards, &["--format", "attacks"]).stderr;
    assert!(
        e.contains("backwards.csv: line 2, column end: end 2026-03-01 09:00:00 is not after start"),
        "{e}"
    );
    assert_eq!(snapshot(env, "A3"), before);
    // The period clashes with a stored day: refused, nothing written.
    let clash = env.write(
        "clash.csv",
        "start,end,pain_0_10\n2026-02-01 10:00,2026-02-01 11:00,5\n2026-02-02 10:00,2026-02-02 11:00,5\n",
    );
    let e = import(env, "A3", &clash, &["--format", "attacks"]).stderr;
    assert!(
        e.contains("already stored for this patient: 2026-02-01"),
        "{e}"
    );
    assert_eq!(snapshot(env, "A3"), before);
    // Flags that do not fit together, and unknown profiles.
    let e = import(env, "A3", &clash, &["--profile", "nope"]).stderr;
    assert!(
        e.contains("no attack-log profile 'nope'; known profiles: generic, migraine-buddy"),
        "{e}"
    );
    let e = import(
        env,
        "A3",
        &clash,
        &["--format", "daily", "--profile", "generic"],
    )
    .stderr;
    assert!(e.contains("--profile names an attack-log profile"), "{e}");
    let e = import(env, "A3", &clash, &["--format", "episodes"]).stderr;
    assert!(e.contains("needs the period it covers"), "{e}");
    let e = import(env, "A3", &clash, &["--format", "xml"]).stderr;
    assert!(e.contains("use daily, episodes or attacks"), "{e}");
    assert_eq!(snapshot(env, "A3"), before);
});

journey!(clinics_add_attack_profiles_as_files, |env: &Env| {
    add_patient(env, "A4");
    let dir = env.path("profiles");
    std::fs::create_dir(&dir).expect("dir");
    std::fs::write(
        dir.join("headache-sheet.toml"),
        "id = \"headache-sheet\"\nname = \"Clinic headache sheet\"\ndelimiter = \";\"\n\
         [start]\ncolumn = \"Begin\"\nformats = [\"%d.%m.%Y %H:%M\"]\n\
         [duration]\ncolumn = \"Hours\"\nunit = \"hours\"\n\
         [pain]\ncolumn = \"NRS\"\n\
         [medicines]\ncolumns = [\"Taken\"]\nseparators = [\"/\"]\n",
    )
    .expect("profile");
    let dir_arg = dir.to_str().expect("path");
    let listed = env.ok(&["attacks", "profiles", "--profiles-dir", dir_arg]);
    assert!(
        listed.contains("generic")
            && listed.contains("migraine-buddy")
            && listed.contains("headache-sheet"),
        "{listed}"
    );
    let json: Value = serde_json::from_str(&env.ok(&[
        "attacks",
        "profiles",
        "--profiles-dir",
        dir_arg,
        "--json",
    ]))
    .expect("json");
    assert_eq!(json.as_array().map(Vec::len), Some(3));
    assert_eq!(json[1]["columns"][0], "Started");
    let shown = env.ok(&["attacks", "show", "migraine-buddy"]);
    assert!(
        shown.contains("pain:      Pain Level") && shown.contains("[unverified default]"),
        "{shown}"
    );
    let file = env.write(
        "sheet.csv",
        "Begin;Hours;NRS;Taken\n01.03.2026 20:00;1.5;6;Sumatriptan 50 mg/Paracetamol 1 g\n",
    );
    let run = import(
        env,
        "A4",
        &file,
        &["--profile", "headache-sheet", "--profiles-dir", dir_arg],
    );
    assert!(run.ok, "{}", run.stderr);
    let exported = env.ok(&["diary", "export", "--patient", "A4"]);
    assert!(
        exported.contains(
            "2026-03-01,90,moderate,0,0,0,0,0,0,0,0,Sumatriptan 50 mg; Paracetamol 1 g,0,"
        ),
        "{exported}"
    );
    // A clinic file may not take a shipped profile's id; a broken file names its line.
    std::fs::write(
        dir.join("z-generic.toml"),
        "id = \"generic\"\nname = \"x\"\n[start]\ncolumn = \"s\"\nformats = [\"%Y\"]\n[duration]\ncolumn = \"d\"\n[pain]\ncolumn = \"p\"\n",
    )
    .expect("profile");
    let e = env.fails(&["attacks", "profiles", "--profiles-dir", dir_arg]);
    assert!(
        e.contains("profile id 'generic' is already defined (shipped)"),
        "{e}"
    );
    std::fs::write(dir.join("z-generic.toml"), "id = \"broken\"\nname = 3\n").expect("profile");
    let e = env.fails(&["attacks", "profiles", "--profiles-dir", dir_arg]);
    assert!(e.contains("z-generic.toml: line 2"), "{e}");
});
