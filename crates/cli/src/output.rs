//! Human-readable tables and the JSON shapes of CLI output.

use std::fmt::Write as _;
use std::io::{self, Write as _};

use anyhow::Result;

use chrono::{DateTime, NaiveDate, Utc};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde::Serialize;
use uuid::Uuid;

use cephalog_core::classify::{Classification, CriterionResult, CriterionStatus};
use cephalog_core::{Diagnosis, Diary, DrugClass, MetricsReport};
use cephalog_store::PatientRecord;

#[derive(Serialize)]
pub struct PatientJson<'a> {
    id: Uuid,
    name: &'a str,
    mrn: Option<&'a str>,
    date_of_birth: NaiveDate,
    sex: Option<&'static str>,
    diagnoses: &'a [Diagnosis],
    notes: &'a str,
    created_at: DateTime<Utc>,
}

impl<'a> From<&'a PatientRecord> for PatientJson<'a> {
    fn from(r: &'a PatientRecord) -> Self {
        let p = &r.patient;
        PatientJson {
            id: r.id,
            name: p.name(),
            mrn: p.mrn(),
            date_of_birth: p.date_of_birth(),
            sex: p.sex().map(|s| s.as_str()),
            diagnoses: p.diagnoses(),
            notes: p.notes(),
            created_at: r.created_at,
        }
    }
}

pub(crate) fn table() -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic);
    t
}

fn diagnoses_text(d: &[Diagnosis]) -> String {
    d.iter()
        .map(|d| d.code.code())
        .collect::<Vec<_>>()
        .join(", ")
}

pub fn patient_table(all: &[PatientRecord], today: NaiveDate) -> String {
    let mut t = table();
    t.set_header(["id", "MRN", "name", "age", "sex", "diagnoses"]);
    for r in all {
        let p = &r.patient;
        t.add_row([
            r.id.to_string(),
            p.mrn().unwrap_or("").to_owned(),
            p.name().to_owned(),
            p.age_on(today).to_string(),
            p.sex().map_or("", |s| s.as_str()).to_owned(),
            diagnoses_text(p.diagnoses()),
        ]);
    }
    format!("{t}\n{} patient(s)", all.len())
}

pub fn patient_details(r: &PatientRecord, diary: &Diary, today: NaiveDate) -> String {
    let p = &r.patient;
    let mut s = String::new();
    let _ = writeln!(s, "id:            {}", r.id);
    let _ = writeln!(s, "name:          {}", p.name());
    let _ = writeln!(s, "MRN:           {}", p.mrn().unwrap_or("—"));
    let _ = writeln!(
        s,
        "date of birth: {} (age {})",
        p.date_of_birth(),
        p.age_on(today)
    );
    let _ = writeln!(s, "sex:           {}", p.sex().map_or("—", |s| s.as_str()));
    let _ = writeln!(s, "diagnoses:");
    if p.diagnoses().is_empty() {
        let _ = writeln!(s, "  none recorded");
    }
    for d in p.diagnoses() {
        let onset = d.onset.map(|o| format!(", onset {o}")).unwrap_or_default();
        let _ = writeln!(s, "  ICHD-3 {}{onset}", d.code);
    }
    match (diary.first_date(), diary.last_date()) {
        (Some(a), Some(b)) => {
            let _ = writeln!(
                s,
                "diary:         {} day(s) recorded, {a} to {b}",
                diary.len()
            );
        }
        _ => {
            let _ = writeln!(s, "diary:         no days recorded");
        }
    }
    if !p.notes().is_empty() {
        let _ = writeln!(s, "notes:         {}", p.notes());
    }
    s
}

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".to_owned(), |v| format!("{v:.1}"))
}

pub fn metrics_table(r: &PatientRecord, report: &MetricsReport) -> String {
    let classes: Vec<DrugClass> = DrugClass::ALL
        .into_iter()
        .filter(|c| {
            report
                .periods
                .iter()
                .any(|p| p.acute_medication_days.get(*c) > 0)
        })
        .collect();
    let mut t = table();
    let mut header: Vec<String> = [
        "period",
        "days",
        "recorded",
        "headache days",
        "migraine days",
        "mod/severe days",
        "headache hours",
    ]
    .map(str::to_owned)
    .to_vec();
    header.push("med days (any)".to_owned());
    header.extend(classes.iter().map(|c| format!("{c} days")));
    header.extend(["paroxysm days", "headache /28d", "migraine /28d"].map(str::to_owned));
    t.set_header(header);
    for p in &report.periods {
        let mut row = vec![
            Cell::new(format!("{} – {}", p.start, p.end)),
            Cell::new(p.days),
            Cell::new(format!(
                "{} ({:.0} %)",
                p.recorded_days,
                p.completeness * 100.0
            )),
            Cell::new(p.headache_days),
            Cell::new(p.migraine_days),
            Cell::new(p.moderate_severe_days),
            Cell::new(format!("{:.1}", p.headache_hours)),
            Cell::new(p.acute_medication_days.any),
        ];
        row.extend(
            classes
                .iter()
                .map(|c| Cell::new(p.acute_medication_days.get(*c))),
        );
        row.push(Cell::new(p.paroxysm_days));
        row.push(Cell::new(num(p.headache_days_per_28)));
        row.push(Cell::new(num(p.migraine_days_per_28)));
        t.add_row(row);
    }
    for i in 1..t.column_count() {
        if let Some(c) = t.column_mut(i) {
            c.set_cell_alignment(CellAlignment::Right);
        }
    }
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Patient {} — {} — periods: {}",
        r.id,
        r.patient.name(),
        report.period_kind
    );
    let _ = writeln!(s, "Preset {}: {}", report.preset, report.preset_definition);
    let _ = writeln!(s, "{t}");
    let _ = writeln!(
        s,
        "— = insufficient diary data: {}.",
        report.completeness_floor
    );
    let _ = writeln!(s, "Unrecorded days are not counted as headache-free.");
    s
}

fn status_word(s: CriterionStatus) -> &'static str {
    match s {
        CriterionStatus::Met => "MET",
        CriterionStatus::NotMet => "NOT MET",
        CriterionStatus::InsufficientData => "INSUFFICIENT DATA",
    }
}

fn criterion_text(s: &mut String, title: &str, c: &CriterionResult) {
    let _ = writeln!(
        s,
        "\n{title} (ICHD-3 {}): {}",
        c.code,
        status_word(c.status)
    );
    let _ = writeln!(s, "  {}", c.summary);
    for r in &c.reasons {
        let _ = writeln!(s, "  - {r}");
    }
    for st in &c.subtypes {
        let days = st
            .days_per_month
            .iter()
            .map(|d| format!("{d:.1}"))
            .collect::<Vec<_>>()
            .join(", ");
        let _ = writeln!(
            s,
            "  * {} {}: {days} days/month (threshold ≥{})",
            st.code, st.name, st.threshold_days
        );
        if let Some(n) = &st.note {
            let _ = writeln!(s, "    {n}");
        }
    }
    if let Some(n) = &c.note {
        let _ = writeln!(s, "  Note: {n}");
    }
}

fn months_table(c: &CriterionResult) -> String {
    let mut t = table();
    t.set_header([
        "month",
        "recorded",
        "headache days",
        "migraine days",
        "tension-type days",
        "any acute med days",
        "paroxysm days",
    ]);
    for m in &c.months {
        let p = m.prorated.as_ref();
        let both = |raw: u32, pr: Option<f64>| match pr {
            Some(v) => format!("{raw} → {v:.1}"),
            None => format!("{raw} → —"),
        };
        let any_med = m.listed_class_medication_days.max(m.other_medication_days);
        t.add_row([
            m.month.clone(),
            format!(
                "{}/{} ({:.0} %)",
                m.recorded_days,
                m.days,
                m.completeness * 100.0
            ),
            both(m.headache_days, p.map(|p| p.headache_days)),
            both(m.migraine_days, p.map(|p| p.migraine_days)),
            both(m.tension_type_days, p.map(|p| p.tension_type_days)),
            any_med.to_string(),
            both(m.paroxysm_days, p.map(|p| p.paroxysm_days)),
        ]);
    }
    t.to_string()
}

pub fn classification_text(r: &PatientRecord, c: &Classification) -> String {
    let mut s = String::new();
    let _ = writeln!(
        s,
        "Patient {} — {} — diary classification as of {}",
        r.id,
        r.patient.name(),
        c.as_of
    );
    let _ = writeln!(
        s,
        "Headache days under preset '{}'; {}.",
        c.preset, c.months_rule
    );
    let _ = writeln!(
        s,
        "\nMonths (counts recorded → prorated to the month's length):"
    );
    let _ = writeln!(s, "{}", months_table(&c.chronic_migraine));
    criterion_text(&mut s, "Chronic migraine", &c.chronic_migraine);
    criterion_text(
        &mut s,
        "Chronic tension-type headache",
        &c.chronic_tension_type,
    );
    criterion_text(&mut s, "Medication overuse", &c.medication_overuse);
    criterion_text(&mut s, "Occipital neuralgia", &c.occipital_neuralgia);
    let _ = writeln!(
        s,
        "\nThese are diary criteria only; the diagnosis is the clinician's."
    );
    s
}

/// One diary day in words: "severe headache for 15 h (nausea, photophobia); medicines:
/// sumatriptan 50mg; notes: …", or "no headache".
pub fn day_summary(d: &cephalog_core::DiaryDay) -> String {
    let mut out = if d.headache_minutes() == 0 {
        "no headache".to_owned()
    } else {
        let m = d.headache_minutes();
        let time = match (m / 60, m % 60) {
            (0, m) => format!("{m} min"),
            (h, 0) => format!("{h} h"),
            (h, m) => format!("{h} h {m} min"),
        };
        format!("{} headache for {time}", d.peak_intensity())
    };
    let features: Vec<&str> = cephalog_core::Features::FIELDS
        .iter()
        .copied()
        .filter(|f| d.features().get(f).unwrap_or(false))
        .collect();
    if !features.is_empty() {
        out.push_str(&format!(" ({})", features.join(", ").replace('_', " ")));
    }
    if !d.medications().is_empty() {
        let meds: Vec<String> = d
            .medications()
            .iter()
            .map(|m| match &m.dose {
                Some(dose) => format!("{} {dose}", m.name),
                None => m.name.clone(),
            })
            .collect();
        out.push_str(&format!("; medicines: {}", meds.join(", ")));
    }
    if d.paroxysms() > 0 {
        out.push_str(&format!("; {} paroxysm(s)", d.paroxysms()));
    }
    if !d.notes().is_empty() {
        out.push_str(&format!("; notes: {}", d.notes()));
    }
    out
}

/// Writes `value` as pretty JSON, one document, to standard output.
pub(crate) fn print_json<T: Serialize + ?Sized>(value: &T) -> Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}

#[derive(Serialize)]
pub(crate) struct WithPatient<'a, T: Serialize> {
    pub(crate) patient: Uuid,
    #[serde(flatten)]
    pub(crate) body: &'a T,
}
