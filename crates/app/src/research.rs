//! The de-identified research export: the cohort report's patients, under the same filters, as
//! the tables of [`cephalog_core::research`], handed to a [`ResearchSink`] that writes them.
//!
//! Patients get study ids in a random order drawn for each export, so neither the ids nor their
//! order can be linked back to the clinic's records; the key is kept nowhere.

use std::collections::HashMap;

use chrono::NaiveDate;
use rand::seq::SliceRandom;
use uuid::Uuid;

use cephalog_core::research::{
    ADVERSE_EVENTS, DIARY_DAYS, PATIENT_CYCLES, QUESTIONNAIRES, Row, SESSIONS, TableSpec,
    course_rows, diary_rows,
};
use cephalog_core::rules::RuleSet;
use cephalog_store::Store;

use crate::AppError;
use crate::cohort::{CohortFilter, patient_courses};

/// A sink's failure, carried through [`AppError::Export`].
pub type SinkError = Box<dyn std::error::Error + Send + Sync>;

/// Where the export's rows go (a folder of Parquet or CSV files, a test's memory).
pub trait ResearchSink {
    fn write(&mut self, table: &'static TableSpec, rows: Vec<Row>) -> Result<(), SinkError>;
}

/// The study ids of `n` patients: S0001 … in a random order.
fn study_ids(n: usize) -> Vec<String> {
    let width = n.to_string().len().max(4);
    let mut ids: Vec<String> = (1..=n).map(|i| format!("S{i:0width$}")).collect();
    ids.shuffle(&mut rand::rng());
    ids
}

/// Writes the research export of the patients `filter` selects, as of `on`, to `sink`, and
/// returns how many patients it holds. Only treated patients inside every filter are exported
/// (the cohort report's selection); diary days after `on` are left out.
pub async fn research_export(
    store: &Store,
    rules: &[RuleSet],
    filter: &CohortFilter,
    on: NaiveDate,
    sink: &mut (dyn ResearchSink + Send),
) -> Result<u64, AppError> {
    let courses = patient_courses(store, rules, filter, on).await?;
    let selection = filter.selection();
    let selected: Vec<_> = courses.iter().filter(|c| selection.includes(c)).collect();
    let ids = study_ids(selected.len());
    // Course rows in study-id order, so the files' order says nothing of the records'.
    let mut order: Vec<(&String, _)> = ids.iter().zip(&selected).collect();
    order.sort_by(|a, b| a.0.cmp(b.0));
    let mut anchors: HashMap<Uuid, (&str, NaiveDate)> = HashMap::new();
    for (study_id, course) in order {
        let Some(rows) = course_rows(study_id, course) else {
            continue;
        };
        if let (Ok(id), Some(first)) = (course.id.parse::<Uuid>(), course.first_session) {
            anchors.insert(id, (study_id.as_str(), first));
        }
        for (table, rows) in [
            (&PATIENT_CYCLES, rows.patient_cycles),
            (&SESSIONS, rows.sessions),
            (&ADVERSE_EVENTS, rows.adverse_events),
            (&QUESTIONNAIRES, rows.questionnaires),
        ] {
            sink.write(table, rows).map_err(AppError::Export)?;
        }
    }
    let mut failed: Option<SinkError> = None;
    store
        .each_diary(filter.clinic, |patient, diary| {
            if failed.is_some() {
                return;
            }
            if let Some((study_id, first)) = anchors.get(&patient) {
                let rows = diary_rows(study_id, *first, &diary, on);
                if let Err(e) = sink.write(&DIARY_DAYS, rows) {
                    failed = Some(e);
                }
            }
        })
        .await?;
    if let Some(e) = failed {
        return Err(AppError::Export(e));
    }
    Ok(u64::try_from(selected.len()).unwrap_or(u64::MAX))
}
