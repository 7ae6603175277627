//! The export written to a real folder and read back: Parquet through the Arrow reader, CSV
//! through the csv crate.

use std::fs::File;
use std::path::Path;

use arrow_array::{Array, BooleanArray, Float64Array, Int64Array, StringArray};
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use cephalog_core::research::{
    ADVERSE_EVENTS, Cell, DIARY_DAYS, PATIENT_CYCLES, Row, SESSIONS, TABLES, TableSpec,
};
use cephalog_research::{About, Export, ExportError, Format, file_names};

fn about(patients: u64) -> About {
    About {
        generated_by: "Cephalog test".into(),
        report_date: "2026-11-30".into(),
        filters: "rules nice-ta260".into(),
        patients,
    }
}

/// A session row: study id, cycle, day, units, sites, follow-the-pain units.
fn session(id: &str, cycle: i64, day: i64, units: i64) -> Row {
    vec![
        Cell::Text(Some(id.into())),
        Cell::Int(Some(cycle)),
        Cell::Int(Some(day)),
        Cell::Int(Some(units)),
        Cell::Int(Some(31)),
        Cell::Int(Some(0)),
    ]
}

/// A diary row with `minutes` of headache and every other cell empty or false.
fn diary_day(id: &str, day: i64, minutes: i64) -> Row {
    DIARY_DAYS
        .columns
        .iter()
        .map(|c| match c.name {
            "study_id" => Cell::Text(Some(id.into())),
            "day" => Cell::Int(Some(day)),
            "headache_minutes" => Cell::Int(Some(minutes)),
            _ => match c.kind {
                cephalog_core::research::Kind::Int => Cell::Int(Some(0)),
                cephalog_core::research::Kind::Float => Cell::Float(None),
                cephalog_core::research::Kind::Bool => Cell::Bool(Some(false)),
                cephalog_core::research::Kind::Text => Cell::Text(None),
            },
        })
        .collect()
}

fn parquet_rows(path: &Path) -> usize {
    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(path).expect("open"))
        .expect("a Parquet file")
        .build()
        .expect("reader");
    reader.map(|b| b.expect("batch").num_rows()).sum()
}

#[test]
fn a_parquet_export_reads_back_with_typed_columns_and_descriptions() {
    let dir = tempfile::tempdir().expect("temp dir");
    let out = dir.path().join("export");
    let mut e = Export::create(&out, Format::Parquet).expect("created");
    e.write(
        &SESSIONS,
        vec![session("S01", 1, 0, 155), session("S01", 2, 84, 195)],
    )
    .expect("sessions");
    // More rows than one Arrow batch holds.
    let days: Vec<Row> = (-28..9000)
        .map(|d| diary_day("S01", d, d.rem_euclid(3) * 60))
        .collect();
    e.write(&DIARY_DAYS, days).expect("days");
    let counts = e.finish(&about(1)).expect("finished");
    let rows: Vec<(&str, u64)> = counts.iter().map(|c| (c.table, c.rows)).collect();
    assert_eq!(
        rows,
        [
            ("patient_cycles", 0),
            ("diary_days", 9028),
            ("sessions", 2),
            ("adverse_events", 0),
            ("questionnaires", 0)
        ]
    );
    let mut names: Vec<String> = std::fs::read_dir(&out)
        .expect("listing")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let mut expected = file_names(Format::Parquet);
    expected.sort();
    assert_eq!(
        names, expected,
        "the files and nothing else (no staging left)"
    );

    assert_eq!(parquet_rows(&out.join("diary_days.parquet")), 9028);
    let builder = ParquetRecordBatchReaderBuilder::try_new(
        File::open(out.join("sessions.parquet")).expect("open"),
    )
    .expect("Parquet");
    let schema = builder.schema().clone();
    let field = schema.field_with_name("units").expect("units column");
    assert_eq!(field.data_type(), &arrow_schema::DataType::Int64);
    assert_eq!(
        field.metadata().get("description").map(String::as_str),
        Some("Units injected")
    );
    let batch = builder
        .build()
        .expect("reader")
        .next()
        .expect("a batch")
        .expect("batch");
    let units = batch
        .column_by_name("units")
        .and_then(|c| c.as_any().downcast_ref::<Int64Array>())
        .expect("Int64 units");
    assert_eq!(units.values().to_vec(), vec![155, 195]);
    let ids = batch
        .column_by_name("study_id")
        .and_then(|c| c.as_any().downcast_ref::<StringArray>())
        .expect("text study ids");
    assert_eq!(ids.value(1), "S01");

    let manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("manifest.json")).expect("manifest"),
    )
    .expect("JSON");
    assert_eq!(manifest["patients"], 1);
    assert_eq!(manifest["format"], "parquet");
    assert_eq!(manifest["tables"][1]["rows"], 9028);
    assert_eq!(manifest["tables"][1]["file"], "diary_days.parquet");
}

#[test]
fn nulls_and_types_survive_in_parquet() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut e = Export::create(dir.path(), Format::Parquet).expect("created");
    let row: Row = PATIENT_CYCLES
        .columns
        .iter()
        .map(|c| match c.name {
            "study_id" => Cell::Text(Some("S02".into())),
            "completeness" => Cell::Float(Some(0.9)),
            "complete" => Cell::Bool(Some(true)),
            _ => match c.kind {
                cephalog_core::research::Kind::Int => Cell::Int(None),
                cephalog_core::research::Kind::Float => Cell::Float(None),
                cephalog_core::research::Kind::Bool => Cell::Bool(None),
                cephalog_core::research::Kind::Text => Cell::Text(None),
            },
        })
        .collect();
    e.write(&PATIENT_CYCLES, vec![row]).expect("row");
    e.finish(&about(1)).expect("finished");
    let batch = ParquetRecordBatchReaderBuilder::try_new(
        File::open(dir.path().join("patient_cycles.parquet")).expect("open"),
    )
    .expect("Parquet")
    .build()
    .expect("reader")
    .next()
    .expect("a batch")
    .expect("batch");
    let completeness = batch
        .column_by_name("completeness")
        .and_then(|c| c.as_any().downcast_ref::<Float64Array>())
        .expect("float");
    assert_eq!(completeness.value(0), 0.9);
    let complete = batch
        .column_by_name("complete")
        .and_then(|c| c.as_any().downcast_ref::<BooleanArray>())
        .expect("bool");
    assert!(complete.value(0));
    let age = batch.column_by_name("age_at_first_session").expect("age");
    assert!(age.is_null(0), "a missing value is a null, not 0");
}

#[test]
fn a_csv_export_has_a_header_per_table_and_empty_fields_for_missing_values() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut e = Export::create(dir.path(), Format::Csv).expect("created");
    let mut row = session("S03", 1, 0, 155);
    row[5] = Cell::Int(None);
    e.write(&SESSIONS, vec![row]).expect("row");
    e.finish(&about(1)).expect("finished");
    let text = std::fs::read_to_string(dir.path().join("sessions.csv")).expect("csv");
    assert_eq!(
        text,
        "study_id,cycle,day,units,sites,follow_the_pain_units\nS03,1,0,155,31,\n"
    );
    let header = std::fs::read_to_string(dir.path().join("adverse_events.csv")).expect("csv");
    assert_eq!(header.lines().count(), 1, "an empty table keeps its header");
    let dictionary =
        std::fs::read_to_string(dir.path().join("data_dictionary.csv")).expect("dictionary");
    let lines: Vec<&str> = dictionary.lines().collect();
    assert_eq!(lines[0], "table,column,type,description");
    let columns: usize = TABLES
        .iter()
        .map(|t: &&TableSpec| t.columns.len() + 1)
        .sum();
    assert_eq!(lines.len(), 1 + columns, "a line per table and per column");
    assert!(lines.contains(&"sessions,units,integer,Units injected"));
}

#[test]
fn an_export_never_overwrites_and_a_failed_one_leaves_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("sessions.csv"), "mine").expect("file");
    let refused = Export::create(dir.path(), Format::Csv).expect_err("refused");
    assert!(
        matches!(&refused, ExportError::Exists { file, .. } if file == "sessions.csv"),
        "{refused}"
    );
    assert!(
        refused.to_string().contains("never overwrites"),
        "{refused}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("sessions.csv")).expect("kept"),
        "mine"
    );

    let other = tempfile::tempdir().expect("temp dir");
    let mut e = Export::create(other.path(), Format::Parquet).expect("created");
    e.write(&SESSIONS, vec![session("S04", 1, 0, 155)])
        .expect("row");
    let wrong = e
        .write(&ADVERSE_EVENTS, vec![session("S04", 1, 0, 155)])
        .expect_err("a session row is not an adverse event");
    assert!(
        matches!(
            wrong,
            ExportError::Shape {
                table: "adverse_events",
                ..
            }
        ),
        "{wrong}"
    );
    drop(e);
    assert_eq!(
        std::fs::read_dir(other.path()).expect("listing").count(),
        0,
        "an export dropped unfinished leaves nothing"
    );
}
