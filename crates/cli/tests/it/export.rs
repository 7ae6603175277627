//! `cephalog export`: every table as CSV (read back here with the csv crate) and JSON.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use crate::harness::Env;
use crate::journey;

type Rows = Vec<BTreeMap<String, String>>;

/// Every table the CSV export writes.
const TABLES: [&str; 20] = [
    "clinics",
    "patients",
    "diagnoses",
    "diary_days",
    "diary_medications",
    "clinic_medicines",
    "preventives",
    "questionnaires",
    "sessions",
    "session_sites",
    "session_overrides",
    "outside_toxin_doses",
    "nerve_blocks",
    "adverse_events",
    "adverse_event_products",
    "attestations",
    "record_versions",
    "users",
    "api_tokens",
    "audit_log",
];

/// A CSV file as rows of column → value.
fn read_csv(path: &Path) -> Rows {
    let mut r = csv::Reader::from_path(path).expect("open CSV");
    let header = r.headers().expect("header").clone();
    assert!(!header.is_empty(), "{} has a header", path.display());
    r.records()
        .map(|rec| {
            let rec = rec.expect("a CSV row that parses");
            header
                .iter()
                .zip(rec.iter())
                .map(|(h, v)| (h.to_owned(), v.to_owned()))
                .collect()
        })
        .collect()
}

fn tables(dir: &Path) -> BTreeMap<&'static str, Rows> {
    TABLES
        .iter()
        .map(|t| (*t, read_csv(&dir.join(format!("{t}.csv")))))
        .collect()
}

fn count(rows: &Rows, column: &str, value: &str) -> usize {
    rows.iter().filter(|r| r[column] == value).count()
}

fn add_patient(env: &Env, mrn: &str) -> String {
    env.ok(&[
        "patient",
        "add",
        "--name",
        "Export Patient",
        "--dob",
        "1979-09-09",
        "--sex",
        "male",
        "--mrn",
        mrn,
        "--diagnosis",
        "1.3@2015-01-01",
        "--diagnosis",
        "8.2",
    ])
    .trim()
    .to_owned()
}

/// One patient with something in every table.
fn seed(env: &Env) -> String {
    let id = add_patient(env, "E1");
    add_patient(env, "OTHER");
    env.ok(&["drug", "add", "Migraleve", "--class", "combination"]);
    let diary = env.write(
        "diary.csv",
        "date,headache_minutes,peak_intensity,nausea,acute_medications,notes\n\
         2026-01-05,300,severe,1,sumatriptan 50mg; Migraleve 2 tablets,\"work, \"\"deadline\"\"\"\n\
         2026-01-06,0,none,0,,\n\
         2026-01-07,120,mild,0,ibuprofen 400 mg,\n",
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        "E1",
        diary.to_str().expect("path"),
    ]);
    let other = env.write(
        "other.csv",
        "date,headache_minutes,peak_intensity\n2026-01-05,60,mild\n",
    );
    env.ok(&[
        "diary",
        "import",
        "--patient",
        "OTHER",
        other.to_str().expect("path"),
    ]);
    env.ok(&[
        "preventive",
        "add",
        "--patient",
        "E1",
        "--drug",
        "topiramate",
        "--start",
        "2025-01-10",
        "--stop",
        "2025-03-01",
        "--outcome",
        "not_tolerated",
        "--reason",
        "paraesthesia",
    ]);
    env.ok(&[
        "prom",
        "add",
        "--patient",
        "E1",
        "--instrument",
        "midas",
        "--answers",
        "10,5,3,2,1",
        "--date",
        "2026-01-10",
    ]);
    env.ok(&[
        "prom",
        "add",
        "--patient",
        "E1",
        "--instrument",
        "hit6",
        "--answers",
        "always,very often,sometimes,rarely,never,always",
        "--date",
        "2026-01-10",
    ]);
    env.ok(&[
        "session",
        "add-dose",
        "--patient",
        "E1",
        "--date",
        "2026-01-15",
        "--units",
        "300",
        "--indication",
        "cervical dystonia",
    ]);
    env.ok(&[
        "session",
        "record",
        "--patient",
        "E1",
        "--date",
        "2026-02-02",
        "--vial",
        "200",
        "--lot",
        "C4021AB",
        "--expiry",
        "2027-03-31",
        "--injector",
        "Dr Example",
        "--override",
        "retreatment_interval=dystonia dose given elsewhere",
        "--override",
        "cumulative_units=neurologist agreed",
        "--override",
        "diary=paper diary reviewed in clinic",
        "--override",
        "eligibility=assessed in clinic against the payer's criteria",
    ]);
    let out = env.ok(&[
        "session",
        "block",
        "--patient",
        "E1",
        "--date",
        "2026-02-03",
        "--side",
        "left",
        "--steroid",
        "methylprednisolone:40",
        "--injector",
        "Dr Example",
    ]);
    assert!(out.contains("64405"), "{out}");
    let list: Value =
        serde_json::from_str(&env.ok(&["session", "list", "--patient", "E1", "--json"]))
            .expect("json");
    let block = list["nerve_blocks"][0]["id"]
        .as_str()
        .expect("block id")
        .to_owned();
    env.ok(&[
        "session",
        "relief",
        "--patient",
        "E1",
        "--block",
        &block,
        "--percent",
        "70",
        "--hours",
        "24",
        "--on",
        "2026-02-05",
    ]);
    let ae: Value = serde_json::from_str(&env.ok(&[
        "ae",
        "add",
        "--patient",
        "E1",
        "--term",
        "ptosis",
        "--meddra",
        "10015995",
        "--onset",
        "2026-02-12",
        "--grade",
        "2",
        "--causality",
        "related",
        "--reporter-qualification",
        "physician",
        "--reporter-country",
        "GB",
        "--aware",
        "2026-02-13",
        "--json",
    ]))
    .expect("json");
    let case = ae["id"].as_str().expect("case id").to_owned();
    env.ok(&["ae", "submitted", "--case", &case, "--on", "2026-02-20"]);
    env.ok(&[
        "attest-overuse",
        "--patient",
        "E1",
        "--by",
        "Dr Example",
        "--note",
        "withdrawal done",
        "--on",
        "2026-01-20",
    ]);
    let r = env.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "pat.e1",
            "--name",
            "Export Patient",
            "--role",
            "patient",
            "--patient",
            "E1",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(r.ok, "{}", r.stderr);
    id
}

journey!(a_patient_export_holds_every_table, |env: &Env| {
    let id = seed(env);
    let out_dir = env.path("export-e1");
    let out = env.ok(&[
        "export",
        "--patient",
        "E1",
        "--format",
        "csv",
        "--out",
        out_dir.to_str().expect("path"),
    ]);
    assert!(out.contains("1 patient(s) exported as csv"), "{out}");
    let t = tables(&out_dir);
    let one = |table: &str| -> &BTreeMap<String, String> {
        assert_eq!(t[table].len(), 1, "{table}: {:?}", t[table]);
        &t[table][0]
    };
    let p = one("patients");
    assert_eq!((p["id"].as_str(), p["mrn"].as_str()), (id.as_str(), "E1"));
    assert_eq!(p["date_of_birth"], "1979-09-09");
    assert_eq!(one("clinics")["id"], p["clinic_id"]);
    assert_eq!(t["diagnoses"].len(), 2);
    assert_eq!(t["diagnoses"][0]["onset"], "2015-01-01");
    // Only this patient's data.
    for name in TABLES {
        let key = match name {
            "clinics" | "clinic_medicines" | "api_tokens" => continue,
            "patients" => "id",
            _ => "patient_id",
        };
        assert!(
            t[name].iter().all(|r| r[key] == id),
            "{name}: another patient's rows: {:?}",
            t[name]
        );
    }
    let days = &t["diary_days"];
    assert_eq!(days.len(), 3);
    assert_eq!(days[0]["headache_minutes"], "300");
    assert_eq!(days[0]["nausea"], "true");
    assert_eq!(days[0]["notes"], "work, \"deadline\"");
    assert_eq!(
        days[0]["acute_medications"],
        "sumatriptan 50mg; Migraleve 2 tablets"
    );
    let meds = &t["diary_medications"];
    assert_eq!(meds.len(), 3);
    assert_eq!(
        (meds[1]["name"].as_str(), meds[1]["class"].as_str()),
        ("Migraleve", "combination")
    );
    assert_eq!(meds[0]["migraine_specific"], "true");
    assert_eq!(one("clinic_medicines")["name"], "migraleve");
    let prev = one("preventives");
    assert_eq!(
        (
            prev["drug"].as_str(),
            prev["outcome"].as_str(),
            prev["stop"].as_str()
        ),
        ("topiramate", "not_tolerated", "2025-03-01")
    );
    let q = &t["questionnaires"];
    assert_eq!(q.len(), 2);
    let midas = q
        .iter()
        .find(|r| r["instrument"] == "midas")
        .expect("MIDAS");
    assert_eq!(
        (midas["answers"].as_str(), midas["total"].as_str()),
        ("10;5;3;2;1", "21")
    );
    assert_eq!(midas["grade"], "IV");
    let hit6 = q.iter().find(|r| r["instrument"] == "hit6").expect("HIT-6");
    assert_eq!(
        hit6["answers"],
        "always;very often;sometimes;rarely;never;always"
    );
    let s = one("sessions");
    assert_eq!(
        (
            s["lot"].as_str(),
            s["expiry"].as_str(),
            s["product"].as_str()
        ),
        ("C4021AB", "2027-03-31", "onabotulinumtoxina")
    );
    assert_eq!(
        (
            s["units_opened"].as_str(),
            s["units_given"].as_str(),
            s["units_wasted"].as_str()
        ),
        ("200", "155", "45")
    );
    assert_eq!(s["billing"], "64615 × 1; J0585 × 155; J0585-JW × 45");
    // Re-treatment interval, cumulative units and, since the pathway checks, eligibility.
    assert_eq!(s["overrides"], "3");
    assert_eq!(t["session_sites"].len(), 31);
    let units: u32 = t["session_sites"]
        .iter()
        .map(|r| r["units"].parse::<u32>().expect("units"))
        .sum();
    assert_eq!(units, 155);
    assert!(
        t["session_sites"]
            .iter()
            .all(|r| r["session_id"] == s["id"])
    );
    let overrides = &t["session_overrides"];
    assert_eq!(
        overrides.len(),
        3,
        "with the pathway's eligibility override"
    );
    assert!(
        overrides
            .iter()
            .any(|o| o["check"] == "retreatment_interval"
                && o["reason"] == "dystonia dose given elsewhere"
                && o["by"] == "Dr Example")
    );
    let dose = one("outside_toxin_doses");
    assert_eq!(
        (dose["units"].as_str(), dose["indication"].as_str()),
        ("300", "other:cervical dystonia")
    );
    let b = one("nerve_blocks");
    assert_eq!(
        (
            b["laterality"].as_str(),
            b["steroid_agent"].as_str(),
            b["steroid_mg"].as_str()
        ),
        ("left", "methylprednisolone", "40.0")
    );
    assert_eq!(
        (b["relief_percent"].as_str(), b["relief_minutes"].as_str()),
        ("70", "1440")
    );
    let ae = one("adverse_events");
    assert_eq!(
        (
            ae["reported_term"].as_str(),
            ae["meddra_code"].as_str(),
            ae["submitted_on"].as_str()
        ),
        ("ptosis", "10015995", "2026-02-20")
    );
    assert_eq!(ae["awareness_date"], "2026-02-13");
    assert_eq!(one("adverse_event_products")["event_id"], ae["id"]);
    let a = one("attestations");
    assert_eq!(
        (a["attested_on"].as_str(), a["attested_by"].as_str()),
        ("2026-01-20", "Dr Example")
    );
    let u = one("users");
    assert_eq!(
        (u["username"].as_str(), u["role"].as_str()),
        ("pat.e1", "patient")
    );
    assert!(
        !u.keys()
            .any(|k| k.contains("hash") || k.contains("password"))
    );
    let users_text = std::fs::read_to_string(out_dir.join("users.csv")).expect("users");
    assert!(
        !users_text.contains("$argon2"),
        "no password hash leaves the system"
    );
    assert!(t["api_tokens"].is_empty(), "tokens only in whole exports");
    // The trail is the patient's, and names this export.
    let trail = &t["audit_log"];
    assert!(trail.iter().all(|e| e["patient_id"] == id));
    assert!(
        trail
            .iter()
            .any(|e| e["action"] == "export.patient" && e["entity"] == "export"),
        "{trail:?}"
    );
    assert_eq!(count(trail, "action", "diary.import"), 1);
    // The patient's diary file is the daily CSV: it imports into another patient unchanged.
    let diary_file = out_dir.join("diaries").join(format!("{id}.csv"));
    add_patient(env, "COPY");
    env.ok(&[
        "diary",
        "import",
        "--patient",
        "COPY",
        diary_file.to_str().expect("path"),
    ]);
    assert_eq!(
        env.ok(&["diary", "export", "--patient", "COPY"]),
        env.ok(&["diary", "export", "--patient", "E1"])
    );
    // JSON: one document with the same rows.
    let json_dir = env.path("export-json");
    env.ok(&[
        "export",
        "--patient",
        &id,
        "--format",
        "json",
        "--out",
        json_dir.to_str().expect("path"),
    ]);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(json_dir.join(format!("patient-{id}.json"))).expect("document"),
    )
    .expect("json");
    assert_eq!(doc["format"], "cephalog-patient-export");
    assert_eq!(doc["patient"]["mrn"], "E1");
    for (key, n) in [
        ("diagnoses", 2),
        ("diary_days", 3),
        ("diary_medications", 3),
        ("preventives", 1),
        ("questionnaires", 2),
        ("sessions", 1),
        ("session_sites", 31),
        ("session_overrides", 3),
        ("outside_toxin_doses", 1),
        ("nerve_blocks", 1),
        ("adverse_events", 1),
        ("adverse_event_products", 1),
        ("attestations", 1),
        ("users", 1),
    ] {
        assert_eq!(doc[key].as_array().map(Vec::len), Some(n), "{key}");
    }
    assert_eq!(doc["diary_days"][0]["nausea"], true);
    assert_eq!(doc["sessions"][0]["units_wasted"], 45);
    let err = env.fails(&["export", "--patient", "E1", "--format", "xml", "--out", "x"]);
    assert!(err.contains("use csv or json"), "{err}");
    let err = env.fails(&[
        "export",
        "--patient",
        "nobody",
        "--format",
        "csv",
        "--out",
        "x",
    ]);
    assert!(err.contains("no patient with id or MRN 'nobody'"), "{err}");
});

journey!(a_whole_clinic_export_matches_the_demo, |env: &Env| {
    let until = chrono::NaiveDate::from_ymd_opt(2026, 10, 31).expect("date");
    env.ok(&["demo", "--seed", "7", "--until", "2026-10-31", "--no-serve"]);
    let clinic = cephalog_cli::demo::generate(7, until).expect("demo clinic");
    let r = env.run_with_stdin(
        &[
            "user",
            "add",
            "--username",
            "bridge",
            "--name",
            "Bridge",
            "--role",
            "clinician",
            "--clinic",
            cephalog_cli::demo::DEMO_CLINIC,
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(r.ok, "{}", r.stderr);
    env.ok(&["user", "token", "bridge", "--name", "EHR bridge"]);
    let out_dir = env.path("clinic-export");
    let out = env.ok(&[
        "export",
        "--all",
        "--format",
        "csv",
        "--out",
        out_dir.to_str().expect("path"),
    ]);
    assert!(out.contains("11 patient(s) exported as csv"), "{out}");
    let t = tables(&out_dir);
    assert_eq!(t["patients"].len(), clinic.len());
    assert_eq!(t["clinics"].len(), 2);
    let id_of = |mrn: &str| -> String {
        t["patients"]
            .iter()
            .find(|p| p["mrn"] == mrn)
            .map(|p| p["id"].clone())
            .expect("patient by MRN")
    };
    for p in &clinic {
        let mrn = p.patient.mrn().expect("demo MRN");
        let id = id_of(mrn);
        assert_eq!(
            count(&t["diary_days"], "patient_id", &id),
            p.days.len(),
            "{mrn} days"
        );
        assert_eq!(
            count(&t["sessions"], "patient_id", &id),
            p.sessions.len(),
            "{mrn} sessions"
        );
        assert_eq!(
            count(&t["preventives"], "patient_id", &id),
            p.preventives.len(),
            "{mrn}"
        );
        assert_eq!(
            count(&t["questionnaires"], "patient_id", &id),
            p.proms.len(),
            "{mrn}"
        );
        assert_eq!(
            count(&t["adverse_events"], "patient_id", &id),
            p.adverse_events.len(),
            "{mrn} adverse events"
        );
        assert_eq!(
            count(&t["diagnoses"], "patient_id", &id),
            p.patient.diagnoses().len(),
            "{mrn}"
        );
        let meds: usize = p.days.iter().map(|d| d.medications().len()).sum();
        assert_eq!(
            count(&t["diary_medications"], "patient_id", &id),
            meds,
            "{mrn}"
        );
        for s in &p.sessions {
            let row = t["sessions"]
                .iter()
                .find(|r| r["patient_id"] == id && r["date"] == s.date().to_string())
                .expect("session row");
            assert_eq!(row["lot"], s.lot().as_str());
            assert_eq!(row["units_given"], s.units_given().to_string());
            assert_eq!(row["expiry"], s.expiry().to_string());
            let sites = t["session_sites"]
                .iter()
                .filter(|x| x["session_id"] == row["id"])
                .count();
            assert_eq!(sites, s.sites().len());
        }
        // The per-patient diary file reads back as the demo's days.
        let text = std::fs::read_to_string(out_dir.join("diaries").join(format!("{id}.csv")))
            .expect("diary file");
        assert_eq!(text.lines().count(), p.days.len() + 1, "{mrn}");
        let first = p.days.first().expect("days");
        let row = t["diary_days"]
            .iter()
            .find(|r| r["patient_id"] == id && r["date"] == first.date().to_string())
            .expect("first day");
        assert_eq!(
            row["headache_minutes"],
            first.headache_minutes().to_string()
        );
        assert_eq!(row["peak_intensity"], first.peak_intensity().as_str());
    }
    // The demo submits every complete case (its reporter identifiable: every demo patient is)
    // a week after awareness, except the eyelid ptosis.
    let submitted = t["adverse_events"]
        .iter()
        .filter(|r| !r["submitted_on"].is_empty())
        .count();
    let expected = clinic
        .iter()
        .flat_map(|p| &p.adverse_events)
        .filter(|e| {
            e.reported_term() != "eyelid ptosis"
                && e.reporter().is_identifiable()
                && e.awareness_date() + chrono::Duration::days(7) <= until
        })
        .count();
    assert_eq!(submitted, expected);
    // Users without hashes; the token's name but never the token.
    assert!(t["users"].iter().any(|u| u["username"] == "dr.lee"));
    assert!(
        t["users"]
            .iter()
            .all(|u| !u.keys().any(|k| k.contains("hash")))
    );
    assert_eq!(t["api_tokens"].len(), 1);
    assert_eq!(t["api_tokens"][0]["name"], "EHR bridge");
    let tokens_text = std::fs::read_to_string(out_dir.join("api_tokens.csv")).expect("tokens");
    assert!(!tokens_text.contains("cph_"));
    // The whole trail, this export's entries included, and it still verifies.
    let trail = &t["audit_log"];
    assert_eq!(count(trail, "action", "export.all"), clinic.len() + 1);
    // Chain by chain, each numbered from 1 without gaps.
    let mut chains: std::collections::BTreeMap<&str, Vec<i64>> = std::collections::BTreeMap::new();
    for e in trail {
        chains
            .entry(e["chain"].as_str())
            .or_default()
            .push(e["seq"].parse().expect("seq"));
    }
    assert!(!chains.is_empty());
    for (chain, seqs) in &chains {
        assert!(
            seqs.windows(2).all(|w| w[1] == w[0] + 1) && seqs.first() == Some(&1),
            "chain {chain}: {seqs:?}"
        );
    }
    assert!(env.ok(&["audit", "verify"]).contains("audit trail intact"));
    // JSON: one file for everything, one document per patient with the same counts.
    let json_dir = env.path("clinic-json");
    env.ok(&[
        "export",
        "--all",
        "--format",
        "json",
        "--out",
        json_dir.to_str().expect("path"),
    ]);
    let doc: Value = serde_json::from_str(
        &std::fs::read_to_string(json_dir.join("cephalog-export.json")).expect("document"),
    )
    .expect("json");
    assert_eq!(doc["format"], "cephalog-export");
    assert_eq!(doc["clinics"].as_array().map(Vec::len), Some(2));
    let docs = doc["patients"].as_array().expect("patients");
    assert_eq!(docs.len(), clinic.len());
    for p in &clinic {
        let mrn = p.patient.mrn().expect("MRN");
        let d = docs
            .iter()
            .find(|d| d["patient"]["mrn"] == mrn)
            .expect("patient document");
        assert_eq!(d["diary_days"].as_array().map(Vec::len), Some(p.days.len()));
        assert_eq!(
            d["sessions"].as_array().map(Vec::len),
            Some(p.sessions.len())
        );
        assert_eq!(d["clinic"]["id"], d["patient"]["clinic_id"]);
    }
});

const DAILY_HEADER: &str = "date,headache_minutes,peak_intensity,unilateral,pulsating,aggravated_by_activity,nausea,vomiting,photophobia,phonophobia,aura,acute_medications,paroxysms,notes";

journey!(
    export_carries_the_history_of_replaced_and_withdrawn_days,
    |env: &Env| {
        let id = add_patient(env, "H1");
        let first = env.write(
        "first.csv",
        &format!("{DAILY_HEADER}\n2026-03-01,900,severe,1,1,0,1,0,1,0,0,sumatriptan 50 mg,0,the worst in months\n2026-03-02,0,none,0,0,0,0,0,0,0,0,,0,\n"),
    );
        env.ok(&[
            "diary",
            "import",
            "--patient",
            "H1",
            first.to_str().expect("path"),
        ]);
        let fix = env.write(
            "fix.csv",
            &format!("{DAILY_HEADER}\n2026-03-01,0,none,0,0,0,0,0,0,0,0,,0,\n"),
        );
        // A reason without --replace is refused by the command line itself.
        env.fails(&[
            "diary",
            "import",
            "--patient",
            "H1",
            "--reason",
            "x",
            fix.to_str().expect("path"),
        ]);
        let out = env.ok(&[
            "diary",
            "import",
            "--patient",
            "H1",
            "--replace",
            "--reason",
            "the clinic re-read the paper diary",
            fix.to_str().expect("path"),
        ]);
        assert!(out.contains("0 new, 1 replaced"), "{out}");
        // Entered in error needs a reason; then the day leaves the diary, kept in its history.
        let err = env.fails(&[
            "diary",
            "entered-in-error",
            "--patient",
            "H1",
            "--date",
            "2026-03-02",
            "--reason",
            " ",
        ]);
        assert!(err.contains("reason"), "{err}");
        let out = env.ok(&[
            "diary",
            "entered-in-error",
            "--patient",
            "H1",
            "--date",
            "2026-03-02",
            "--reason",
            "belongs to another patient",
        ]);
        assert!(out.contains("marked entered in error"), "{out}");
        let err = env.fails(&[
            "diary",
            "entered-in-error",
            "--patient",
            "H1",
            "--date",
            "2026-03-02",
            "--reason",
            "again",
        ]);
        assert!(err.contains("not recorded"), "{err}");
        let exported = env.ok(&["diary", "export", "--patient", "H1"]);
        assert!(
            exported.contains("2026-03-01,0,none") && !exported.contains("2026-03-02"),
            "{exported}"
        );
        let history = env.ok(&[
            "diary",
            "history",
            "--patient",
            "H1",
            "--date",
            "2026-03-01",
        ]);
        assert!(
            history.contains("in force (version 2): no headache"),
            "{history}"
        );
        assert!(
            history.contains("version 1 (corrected): severe headache for 15 h"),
            "{history}"
        );
        assert!(
            history.contains("the clinic re-read the paper diary"),
            "{history}"
        );

        let out_dir = env.path("export-history");
        env.ok(&[
            "export",
            "--patient",
            "H1",
            "--format",
            "csv",
            "--out",
            out_dir.to_str().expect("path"),
        ]);
        let t = tables(&out_dir);
        assert_eq!(t["diary_days"].len(), 1);
        let versions = &t["record_versions"];
        assert_eq!(versions.len(), 2, "{versions:?}");
        let corrected = versions
            .iter()
            .find(|v| v["record_id"] == "2026-03-01")
            .expect("corrected day");
        assert_eq!(
            (
                corrected["record_kind"].as_str(),
                corrected["version"].as_str(),
                corrected["action"].as_str()
            ),
            ("diary_day", "1", "corrected")
        );
        assert_eq!(corrected["patient_id"], id);
        assert!(corrected["changed_by"].starts_with("cli:"), "{corrected:?}");
        assert_eq!(corrected["reason"], "the clinic re-read the paper diary");
        assert!(!corrected["changed_at"].is_empty());
        let was: Value = serde_json::from_str(&corrected["snapshot"]).expect("snapshot JSON");
        assert_eq!(was["headache_minutes"], 900);
        assert_eq!(was["peak_intensity"], "severe");
        assert_eq!(was["notes"], "the worst in months");
        assert_eq!(was["medicines"][0]["name"], "sumatriptan");
        let withdrawn = versions
            .iter()
            .find(|v| v["record_id"] == "2026-03-02")
            .expect("withdrawn day");
        assert_eq!(withdrawn["action"], "entered_in_error");
        assert_eq!(withdrawn["reason"], "belongs to another patient");
        // The trail names the changes.
        assert_eq!(
            t["audit_log"]
                .iter()
                .filter(|e| e["action"] == "diary.entered_in_error" && e["entity"] == "diary_day")
                .count(),
            1,
            "one entry in error, one record of it"
        );

        let json_dir = env.path("export-history-json");
        env.ok(&[
            "export",
            "--patient",
            "H1",
            "--format",
            "json",
            "--out",
            json_dir.to_str().expect("path"),
        ]);
        let doc: Value = serde_json::from_str(
            &std::fs::read_to_string(json_dir.join(format!("patient-{id}.json")))
                .expect("document"),
        )
        .expect("json");
        assert_eq!(
            doc["record_versions"].as_array().map(Vec::len),
            Some(2),
            "{doc}"
        );
    }
);
