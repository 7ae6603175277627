//! The de-identified research export: the tables a registry or a researcher receives, and the
//! Safe Harbor rules that make them (HIPAA, 45 CFR § 164.514(b)(2)).
//!
//! - No names, record numbers, contact details or free text: diary notes, medicine names and
//!   doses, adverse-event terms and narratives never become a cell. Adverse events carry their
//!   MedDRA code, grade and coded fields only.
//! - Patients appear under study ids the caller draws at random; the key is not exported.
//! - Every date is a day number relative to the patient's first chronic-migraine session (day 0;
//!   the baseline runs from day −28 to day −1).
//! - Age at the first session in whole years, 90 and over given as 90
//!   ([`SAFE_HARBOR_AGE_CAP`]).
//!
//! The tables are described once ([`TABLES`]): the writers take their column names and types
//! from here and the data dictionary is printed from the same descriptions. Rows are built per
//! patient, so an export streams one patient at a time.

use chrono::NaiveDate;

use crate::cohort::{PatientCourse, WindowCourse, latest_total};
use crate::diary::{Diary, Features};
use crate::prom::Instrument;
use crate::reference::SAFE_HARBOR_AGE_CAP;
use crate::response::{Change, DecisionOutcome, RESPONDER_30_PERCENT, RESPONDER_50_PERCENT};

/// A column's type, as the writers store it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A 64-bit signed integer.
    Int,
    /// A 64-bit float.
    Float,
    Bool,
    /// UTF-8 text drawn from a coded list (never free text).
    Text,
}

impl Kind {
    /// The name the data dictionary gives the type.
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Int => "integer",
            Kind::Float => "float",
            Kind::Bool => "boolean",
            Kind::Text => "text",
        }
    }
}

/// One column of an exported table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnSpec {
    pub name: &'static str,
    pub kind: Kind,
    pub description: &'static str,
}

/// One exported table: its file name (without extension), what a row is, and its columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableSpec {
    pub name: &'static str,
    pub description: &'static str,
    pub columns: &'static [ColumnSpec],
}

/// One cell; `None` is a missing value (an empty CSV field, a Parquet null).
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(Option<String>),
}

impl Cell {
    pub fn kind(&self) -> Kind {
        match self {
            Cell::Int(_) => Kind::Int,
            Cell::Float(_) => Kind::Float,
            Cell::Bool(_) => Kind::Bool,
            Cell::Text(_) => Kind::Text,
        }
    }

    fn text(s: &str) -> Cell {
        Cell::Text(Some(s.to_owned()))
    }

    fn int(n: impl Into<i64>) -> Cell {
        Cell::Int(Some(n.into()))
    }
}

/// A row, its cells in the order of its table's columns.
pub type Row = Vec<Cell>;

const fn col(name: &'static str, kind: Kind, description: &'static str) -> ColumnSpec {
    ColumnSpec {
        name,
        kind,
        description,
    }
}

const STUDY_ID: ColumnSpec = col(
    "study_id",
    Kind::Text,
    "The patient's study id, drawn at random for this export; the key to the clinic's records is not exported",
);

/// One row per patient and cycle; cycle 0 is the baseline.
pub const PATIENT_CYCLES: TableSpec = TableSpec {
    name: "patient_cycles",
    description: "One row per patient and treatment cycle; cycle 0 is the 28-day baseline before the first chronic-migraine session",
    columns: &[
        STUDY_ID,
        col("sex", Kind::Text, "female, male, other or unknown"),
        col(
            "age_at_first_session",
            Kind::Int,
            "Age in whole years at the first session; 90 and over are given as 90 (HIPAA Safe Harbor)",
        ),
        col(
            "diagnoses",
            Kind::Text,
            "ICHD-3 codes recorded for the patient, separated by ';'",
        ),
        col(
            "rule_set",
            Kind::Text,
            "The rule set whose diary-day definitions and stopping rules the figures use",
        ),
        col("cycle", Kind::Int, "0: baseline; 1, 2, …: treatment cycles"),
        col(
            "session_day",
            Kind::Int,
            "Day of the cycle's session relative to the first session (day 0); empty for the baseline",
        ),
        col(
            "window_start_day",
            Kind::Int,
            "First day of the diary window the figures describe, relative to the first session",
        ),
        col(
            "window_end_day",
            Kind::Int,
            "Last day of the diary window, relative to the first session",
        ),
        col(
            "complete",
            Kind::Bool,
            "The window had ended by the report date (false: cycle in progress)",
        ),
        col(
            "completeness",
            Kind::Float,
            "Share of the window's days with a diary entry (0 to 1)",
        ),
        col(
            "adequate_diary",
            Kind::Bool,
            "Completeness at least 0.8 with figures: the window counts in change figures",
        ),
        col(
            "headache_days_per_28",
            Kind::Float,
            "Headache days per 28 days under the rule set's definitions; empty when the diary is insufficient",
        ),
        col(
            "migraine_days_per_28",
            Kind::Float,
            "Migraine days per 28 days; empty when the diary is insufficient",
        ),
        col(
            "acute_medication_days_per_28",
            Kind::Float,
            "Days with any acute medicine per 28 days; empty when the diary is insufficient",
        ),
        col(
            "headache_days_change_per_28",
            Kind::Float,
            "Cycle minus baseline headache days per 28, when the cycle is complete and both windows are adequate",
        ),
        col(
            "met_30_percent_reduction",
            Kind::Bool,
            "Headache days per 28 fell by at least 30 % against baseline (empty when not judged)",
        ),
        col(
            "met_50_percent_reduction",
            Kind::Bool,
            "Headache days per 28 fell by at least 50 % against baseline (empty when not judged)",
        ),
        col(
            "midas_total",
            Kind::Int,
            "Latest MIDAS total in the window's cycle (baseline: within 90 days before the first session)",
        ),
        col(
            "hit6_total",
            Kind::Int,
            "Latest HIT-6 total in the window's cycle (baseline: within 90 days before the first session)",
        ),
        col(
            "stop_rules_met",
            Kind::Text,
            "The rule set's stopping rules that advised stopping at the end of the cycle, separated by ';'",
        ),
    ],
};

/// One row per diary day.
pub const DIARY_DAYS: TableSpec = TableSpec {
    name: "diary_days",
    description: "One row per recorded diary day up to the report date; notes and medicine names are not exported",
    columns: &[
        STUDY_ID,
        col(
            "day",
            Kind::Int,
            "The day relative to the first session (day 0)",
        ),
        col(
            "headache_minutes",
            Kind::Int,
            "Minutes with headache that day (0: headache-free day)",
        ),
        col(
            "peak_intensity",
            Kind::Text,
            "none, mild, moderate or severe",
        ),
        col("unilateral", Kind::Bool, "Headache on one side"),
        col("pulsating", Kind::Bool, "Pulsating quality"),
        col(
            "aggravated_by_activity",
            Kind::Bool,
            "Aggravated by or causing avoidance of routine physical activity",
        ),
        col("nausea", Kind::Bool, "Nausea"),
        col("vomiting", Kind::Bool, "Vomiting"),
        col("photophobia", Kind::Bool, "Photophobia"),
        col("phonophobia", Kind::Bool, "Phonophobia"),
        col("aura", Kind::Bool, "Aura"),
        col(
            "paroxysms",
            Kind::Int,
            "Paroxysms of neuralgic pain recorded that day",
        ),
        col(
            "acute_medicine_intakes",
            Kind::Int,
            "Acute medicine intakes recorded that day",
        ),
        col(
            "acute_medicine_classes",
            Kind::Text,
            "Classes of the medicines taken (triptan, ergot, opioid, non_opioid, combination, gepant, ditan, other), separated by ';'",
        ),
        col(
            "migraine_specific_medicine",
            Kind::Bool,
            "At least one migraine-specific medicine (triptan, ergot, gepant, ditan) taken",
        ),
    ],
};

/// One row per chronic-migraine session.
pub const SESSIONS: TableSpec = TableSpec {
    name: "sessions",
    description: "One row per chronic-migraine botulinum toxin session up to the report date",
    columns: &[
        STUDY_ID,
        col(
            "cycle",
            Kind::Int,
            "The treatment cycle the session opens (1, 2, …)",
        ),
        col(
            "day",
            Kind::Int,
            "The session's day relative to the first session",
        ),
        col("units", Kind::Int, "Units injected"),
        col("sites", Kind::Int, "Injection sites"),
        col(
            "follow_the_pain_units",
            Kind::Int,
            "Units at sites beyond the PREEMPT fixed-site table",
        ),
    ],
};

/// One row per adverse event.
pub const ADVERSE_EVENTS: TableSpec = TableSpec {
    name: "adverse_events",
    description: "One row per adverse event with onset from the first session to the report date; reported terms and narratives are free text and are not exported",
    columns: &[
        STUDY_ID,
        col(
            "onset_day",
            Kind::Int,
            "Onset relative to the first session",
        ),
        col(
            "resolution_day",
            Kind::Int,
            "Resolution relative to the first session; empty when not resolved",
        ),
        col(
            "meddra_code",
            Kind::Text,
            "MedDRA code (8 digits) when coded",
        ),
        col("ctcae_grade", Kind::Int, "CTCAE grade 1–5"),
        col(
            "serious",
            Kind::Bool,
            "Meets an ICH E2A seriousness criterion",
        ),
        col("outcome", Kind::Text, "ICH E2B(R3) outcome, coded"),
        col("causality", Kind::Text, "Relationship to the toxin, coded"),
    ],
};

/// One row per questionnaire.
pub const QUESTIONNAIRES: TableSpec = TableSpec {
    name: "questionnaires",
    description: "One row per questionnaire completed (MIDAS, HIT-6, PHQ-9, GAD-7); item answers are not exported",
    columns: &[
        STUDY_ID,
        col("instrument", Kind::Text, "midas, hit6, phq9 or gad7"),
        col("day", Kind::Int, "The day relative to the first session"),
        col(
            "cycle",
            Kind::Int,
            "The treatment cycle it falls in; empty before the first session",
        ),
        col("total", Kind::Int, "The instrument's total score"),
    ],
};

/// Every table of an export, in the order they are written.
pub const TABLES: [&TableSpec; 5] = [
    &PATIENT_CYCLES,
    &DIARY_DAYS,
    &SESSIONS,
    &ADVERSE_EVENTS,
    &QUESTIONNAIRES,
];

/// The age a Safe Harbor export shows: `age`, or [`SAFE_HARBOR_AGE_CAP`] for any age above it.
pub fn safe_harbor_age(age: u32) -> u32 {
    age.min(SAFE_HARBOR_AGE_CAP)
}

/// `date` as a day number relative to `anchor` (the first session: day 0).
pub fn relative_day(anchor: NaiveDate, date: NaiveDate) -> i64 {
    (date - anchor).num_days()
}

/// A patient's rows of the tables that come from the course (every table but the diary's).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CourseRows {
    pub patient_cycles: Vec<Row>,
    pub sessions: Vec<Row>,
    pub adverse_events: Vec<Row>,
    pub questionnaires: Vec<Row>,
}

fn window_cells(anchor: NaiveDate, w: Option<&WindowCourse>) -> [Cell; 7] {
    let day = |d: NaiveDate| Cell::int(relative_day(anchor, d));
    match w {
        None => [
            Cell::Int(None),
            Cell::Int(None),
            Cell::Float(None),
            Cell::Bool(Some(false)),
            Cell::Float(None),
            Cell::Float(None),
            Cell::Float(None),
        ],
        Some(w) => [
            day(w.start),
            day(w.end),
            Cell::Float(Some(w.completeness)),
            Cell::Bool(Some(w.is_adequate())),
            Cell::Float(w.headache_days_per_28),
            Cell::Float(w.migraine_days_per_28),
            Cell::Float(w.acute_medication_days_per_28),
        ],
    }
}

/// The course's rows under `study_id`, or `None` for a patient never treated (no first
/// session, so no day 0 to count from).
pub fn course_rows(study_id: &str, course: &PatientCourse) -> Option<CourseRows> {
    let anchor = course.first_session?;
    let id = || Cell::text(study_id);
    let day = |d: NaiveDate| Cell::int(relative_day(anchor, d));
    let patient = [
        id(),
        Cell::text(course.sex.map_or("unknown", |s| s.as_str())),
        Cell::Int(
            course
                .age_at_first_session
                .map(|a| i64::from(safe_harbor_age(a))),
        ),
        Cell::text(
            &course
                .diagnoses
                .iter()
                .map(|d| d.code())
                .collect::<Vec<_>>()
                .join(";"),
        ),
        Cell::text(&course.rule_set),
    ];
    let totals = |cycle: Option<usize>| {
        [Instrument::Midas, Instrument::Hit6]
            .map(|i| Cell::Int(latest_total(course, i, cycle).map(i64::from)))
    };
    let baseline = course.baseline.as_ref();
    let mut rows = CourseRows::default();
    let mut row: Row = patient.to_vec();
    row.push(Cell::int(0));
    row.push(Cell::Int(None));
    let mut window = window_cells(anchor, baseline).to_vec();
    // The baseline window is over by the first session.
    window.insert(2, Cell::Bool(baseline.map(|_| true)));
    row.extend(window);
    row.extend([Cell::Float(None), Cell::Bool(None), Cell::Bool(None)]);
    row.extend(totals(None));
    row.push(Cell::Text(None));
    rows.patient_cycles.push(row);
    let baseline_adequate = baseline.filter(|b| b.is_adequate());
    for cy in &course.cycles {
        let mut row: Row = patient.to_vec();
        row.push(Cell::int(i64::try_from(cy.cycle).unwrap_or(i64::MAX)));
        row.push(day(cy.session_date));
        let mut window = window_cells(anchor, cy.window.as_ref()).to_vec();
        window.insert(2, Cell::Bool(Some(cy.complete)));
        row.extend(window);
        let judged = baseline_adequate
            .zip(
                cy.window
                    .as_ref()
                    .filter(|w| cy.complete && w.is_adequate()),
            )
            .map(|(b, w)| Change::new(b.headache_days_per_28, w.headache_days_per_28));
        row.push(Cell::Float(judged.as_ref().and_then(|c| c.absolute)));
        for percent in [RESPONDER_30_PERCENT, RESPONDER_50_PERCENT] {
            row.push(Cell::Bool(
                judged.as_ref().and_then(|c| c.reduced_by_at_least(percent)),
            ));
        }
        row.extend(totals(Some(cy.cycle)));
        let stops: Vec<&str> = cy
            .decisions
            .iter()
            .filter(|d| d.rule_set == course.rule_set)
            .flat_map(|d| &d.decisions)
            .filter(|d| d.outcome == DecisionOutcome::Stop)
            .map(|d| d.rule.as_str())
            .collect();
        row.push(Cell::Text(
            (!cy.decisions.is_empty()).then(|| stops.join(";")),
        ));
        rows.patient_cycles.push(row);
    }
    for (i, s) in course.sessions.iter().enumerate() {
        rows.sessions.push(vec![
            id(),
            Cell::int(i64::try_from(i + 1).unwrap_or(i64::MAX)),
            day(s.date),
            Cell::int(s.units),
            Cell::int(s.sites),
            Cell::int(s.follow_the_pain_units),
        ]);
    }
    for e in &course.adverse_events {
        rows.adverse_events.push(vec![
            id(),
            day(e.onset()),
            Cell::Int(e.resolution().map(|r| relative_day(anchor, r))),
            Cell::Text(e.meddra_code().map(|c| c.as_str().to_owned())),
            Cell::int(e.ctcae_grade().get()),
            Cell::Bool(Some(e.is_serious())),
            Cell::text(e.outcome().as_str()),
            Cell::text(e.causality().as_str()),
        ]);
    }
    for q in &course.questionnaires {
        rows.questionnaires.push(vec![
            id(),
            Cell::text(q.instrument.as_str()),
            day(q.date),
            Cell::Int(q.cycle.map(|c| i64::try_from(c).unwrap_or(i64::MAX))),
            Cell::int(q.total),
        ]);
    }
    Some(rows)
}

/// The diary's days up to `until` under `study_id`, days counted from `first_session`.
pub fn diary_rows(
    study_id: &str,
    first_session: NaiveDate,
    diary: &Diary,
    until: NaiveDate,
) -> Vec<Row> {
    diary
        .days()
        .filter(|d| d.date() <= until)
        .map(|d| {
            let meds = d.medications();
            let mut classes: Vec<&str> = meds.iter().map(|m| m.class.as_str()).collect();
            classes.sort_unstable();
            classes.dedup();
            let mut row = vec![
                Cell::text(study_id),
                Cell::int(relative_day(first_session, d.date())),
                Cell::int(d.headache_minutes()),
                Cell::text(d.peak_intensity().as_str()),
            ];
            row.extend(
                Features::FIELDS
                    .iter()
                    .map(|f| Cell::Bool(d.features().get(f))),
            );
            row.extend([
                Cell::int(d.paroxysms()),
                Cell::int(i64::try_from(meds.len()).unwrap_or(i64::MAX)),
                Cell::text(&classes.join(";")),
                Cell::Bool(Some(meds.iter().any(|m| m.migraine_specific))),
            ]);
            row
        })
        .collect()
}

#[cfg(test)]
#[path = "research_tests.rs"]
mod tests;
