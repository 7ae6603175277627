//! The de-identified research export on disk: each table of [`cephalog_core::research`] as one
//! Parquet file (typed columns through the Apache Arrow crates, readable by DuckDB, pandas, R's
//! `arrow`) or one CSV file, with `data_dictionary.csv` and `manifest.json`.
//!
//! All files or none: the tables are written in a hidden staging folder inside the target
//! folder and moved into place only when every one is complete; an export never overwrites a
//! file, and a failed one leaves nothing behind.

use std::collections::HashMap;
use std::fs::{self, File};
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;

use arrow_array::{ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray};
use arrow_schema::{ArrowError, DataType, Field, Schema, SchemaRef};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::errors::ParquetError;
use parquet::file::properties::WriterProperties;
use serde::Serialize;
use thiserror::Error;

use cephalog_core::research::{Cell, Kind, Row, TABLES, TableSpec};

/// Rows gathered before they are handed to the Parquet writer as one Arrow batch.
const BATCH_ROWS: usize = 8192;

/// The data dictionary's file name.
pub const DICTIONARY_FILE: &str = "data_dictionary.csv";
/// The manifest's file name.
pub const MANIFEST_FILE: &str = "manifest.json";

/// The file format of the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Parquet,
    Csv,
}

impl Format {
    pub fn extension(self) -> &'static str {
        match self {
            Format::Parquet => "parquet",
            Format::Csv => "csv",
        }
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "parquet" => Ok(Format::Parquet),
            "csv" => Ok(Format::Csv),
            other => Err(format!("unknown format '{other}' (known: parquet, csv)")),
        }
    }
}

/// Why an export could not be written.
#[derive(Debug, Error)]
pub enum ExportError {
    #[error(
        "{}: {file} is already there; an export never overwrites a file: choose an empty or new folder",
        dir.display()
    )]
    Exists { dir: PathBuf, file: String },
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {source}", path.display())]
    Parquet { path: PathBuf, source: ParquetError },
    #[error("{}: {source}", path.display())]
    Arrow { path: PathBuf, source: ArrowError },
    #[error("{}: {source}", path.display())]
    Csv { path: PathBuf, source: csv::Error },
    #[error("{}: {source}", path.display())]
    Json {
        path: PathBuf,
        source: serde_json::Error,
    },
    /// A row that does not fit its table: a fault in the export, not in the data.
    #[error(
        "table {table}: a row has {found} cells for {expected} columns, or a cell of the wrong type in column {column}"
    )]
    Shape {
        table: &'static str,
        column: &'static str,
        found: usize,
        expected: usize,
    },
    #[error("table {0} is not one of the export's tables")]
    UnknownTable(&'static str),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io {
        path: path.to_owned(),
        source,
    }
}

/// What the manifest says about an export besides its tables.
#[derive(Debug, Clone, Serialize)]
pub struct About {
    /// The product and version that wrote it.
    pub generated_by: String,
    /// The report date the figures are assessed as of.
    pub report_date: String,
    /// The filters in words.
    pub filters: String,
    pub patients: u64,
}

/// One table in the manifest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TableCount {
    pub table: &'static str,
    pub file: String,
    pub rows: u64,
}

#[derive(Serialize)]
struct Manifest<'a> {
    format: Format,
    #[serde(flatten)]
    about: &'a About,
    de_identification: &'static str,
    dictionary: &'static str,
    tables: &'a [TableCount],
}

const DE_IDENTIFICATION: &str = "HIPAA Safe Harbor (45 CFR 164.514(b)(2)): no names, record \
    numbers, contact details or free text; patients under study ids drawn at random for this \
    export (the key is not exported); every date as days from the patient's first session; \
    ages 90 and over as 90.";

enum Sink {
    Parquet {
        writer: ArrowWriter<BufWriter<File>>,
        schema: SchemaRef,
        buffer: Vec<Row>,
    },
    Csv(csv::Writer<BufWriter<File>>),
}

struct TableFile {
    spec: &'static TableSpec,
    file: String,
    path: PathBuf,
    sink: Sink,
    rows: u64,
}

fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Bool => DataType::Boolean,
        Kind::Text => DataType::Utf8,
    }
}

/// The Arrow schema of a table; each field carries its description as metadata.
pub fn schema(spec: &TableSpec) -> Schema {
    Schema::new(
        spec.columns
            .iter()
            .map(|c| {
                Field::new(c.name, data_type(c.kind), true).with_metadata(HashMap::from([(
                    "description".to_owned(),
                    c.description.to_owned(),
                )]))
            })
            .collect::<Vec<_>>(),
    )
    .with_metadata(HashMap::from([(
        "description".to_owned(),
        spec.description.to_owned(),
    )]))
}

fn check_shape(spec: &'static TableSpec, row: &Row) -> Result<(), ExportError> {
    let bad = |column: &'static str| ExportError::Shape {
        table: spec.name,
        column,
        found: row.len(),
        expected: spec.columns.len(),
    };
    if row.len() != spec.columns.len() {
        return Err(bad(""));
    }
    for (c, s) in row.iter().zip(spec.columns) {
        if c.kind() != s.kind {
            return Err(bad(s.name));
        }
    }
    Ok(())
}

/// The rows as one Arrow batch (their shape already checked).
fn batch(spec: &TableSpec, schema: &SchemaRef, rows: &[Row]) -> Result<RecordBatch, ArrowError> {
    let columns: Vec<ArrayRef> = spec
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| -> ArrayRef {
            match c.kind {
                Kind::Int => Arc::new(Int64Array::from_iter(rows.iter().map(|r| match &r[i] {
                    Cell::Int(v) => *v,
                    _ => None,
                }))),
                Kind::Float => {
                    Arc::new(Float64Array::from_iter(rows.iter().map(|r| match &r[i] {
                        Cell::Float(v) => *v,
                        _ => None,
                    })))
                }
                Kind::Bool => Arc::new(BooleanArray::from_iter(rows.iter().map(|r| match &r[i] {
                    Cell::Bool(v) => *v,
                    _ => None,
                }))),
                Kind::Text => Arc::new(StringArray::from_iter(rows.iter().map(|r| match &r[i] {
                    Cell::Text(v) => v.as_deref(),
                    _ => None,
                }))),
            }
        })
        .collect();
    RecordBatch::try_new(schema.clone(), columns)
}

fn csv_field(c: &Cell) -> String {
    match c {
        Cell::Int(v) => v.map(|n| n.to_string()).unwrap_or_default(),
        Cell::Float(v) => v.map(|x| x.to_string()).unwrap_or_default(),
        Cell::Bool(v) => v.map(|b| b.to_string()).unwrap_or_default(),
        Cell::Text(v) => v.clone().unwrap_or_default(),
    }
}

impl TableFile {
    fn create(
        spec: &'static TableSpec,
        staging: &Path,
        format: Format,
    ) -> Result<Self, ExportError> {
        let file = format!("{}.{}", spec.name, format.extension());
        let path = staging.join(&file);
        let out = BufWriter::new(File::create(&path).map_err(io(&path))?);
        let sink = match format {
            Format::Parquet => {
                let schema: SchemaRef = Arc::new(schema(spec));
                let props = WriterProperties::builder()
                    .set_compression(Compression::SNAPPY)
                    .set_created_by(format!("Cephalog {}", env!("CARGO_PKG_VERSION")))
                    .build();
                let writer =
                    ArrowWriter::try_new(out, schema.clone(), Some(props)).map_err(|source| {
                        ExportError::Parquet {
                            path: path.clone(),
                            source,
                        }
                    })?;
                Sink::Parquet {
                    writer,
                    schema,
                    buffer: Vec::with_capacity(BATCH_ROWS),
                }
            }
            Format::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(spec.columns.iter().map(|c| c.name))
                    .map_err(|source| ExportError::Csv {
                        path: path.clone(),
                        source,
                    })?;
                Sink::Csv(w)
            }
        };
        Ok(TableFile {
            spec,
            file,
            path,
            sink,
            rows: 0,
        })
    }

    fn write(&mut self, rows: Vec<Row>) -> Result<(), ExportError> {
        for row in &rows {
            check_shape(self.spec, row)?;
        }
        self.rows += rows.len() as u64;
        match &mut self.sink {
            Sink::Csv(w) => {
                for row in &rows {
                    w.write_record(row.iter().map(csv_field))
                        .map_err(|source| ExportError::Csv {
                            path: self.path.clone(),
                            source,
                        })?;
                }
            }
            Sink::Parquet { buffer, .. } => {
                buffer.extend(rows);
                if buffer.len() >= BATCH_ROWS {
                    self.flush()?;
                }
            }
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), ExportError> {
        if let Sink::Parquet {
            writer,
            schema,
            buffer,
        } = &mut self.sink
            && !buffer.is_empty()
        {
            let b = batch(self.spec, schema, buffer).map_err(|source| ExportError::Arrow {
                path: self.path.clone(),
                source,
            })?;
            writer.write(&b).map_err(|source| ExportError::Parquet {
                path: self.path.clone(),
                source,
            })?;
            buffer.clear();
        }
        Ok(())
    }

    fn close(mut self) -> Result<TableCount, ExportError> {
        self.flush()?;
        match self.sink {
            Sink::Parquet { writer, .. } => {
                writer.close().map_err(|source| ExportError::Parquet {
                    path: self.path.clone(),
                    source,
                })?;
            }
            Sink::Csv(mut w) => w.flush().map_err(io(&self.path))?,
        }
        Ok(TableCount {
            table: self.spec.name,
            file: self.file,
            rows: self.rows,
        })
    }
}

/// An export being written into `dir`.
pub struct Export {
    dir: PathBuf,
    staging: PathBuf,
    format: Format,
    tables: Vec<TableFile>,
    finished: bool,
}

impl std::fmt::Debug for Export {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Export")
            .field("dir", &self.dir)
            .field("format", &self.format)
            .finish_non_exhaustive()
    }
}

/// The files an export writes into its folder, in order.
pub fn file_names(format: Format) -> Vec<String> {
    TABLES
        .iter()
        .map(|t| format!("{}.{}", t.name, format.extension()))
        .chain([DICTIONARY_FILE.to_owned(), MANIFEST_FILE.to_owned()])
        .collect()
}

impl Export {
    /// Starts an export into `dir` (created when missing). Refused when any file the export
    /// would write is already there.
    pub fn create(dir: &Path, format: Format) -> Result<Self, ExportError> {
        fs::create_dir_all(dir).map_err(io(dir))?;
        for file in file_names(format) {
            if dir.join(&file).exists() {
                return Err(ExportError::Exists {
                    dir: dir.to_owned(),
                    file,
                });
            }
        }
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        let staging = dir.join(format!(".cephalog-export-{}-{nanos}", std::process::id()));
        fs::create_dir(&staging).map_err(io(&staging))?;
        let mut export = Export {
            dir: dir.to_owned(),
            staging,
            format,
            tables: Vec::new(),
            finished: false,
        };
        for spec in TABLES {
            let t = TableFile::create(spec, &export.staging, format)?;
            export.tables.push(t);
        }
        Ok(export)
    }

    /// Appends rows to `table`.
    pub fn write(&mut self, table: &'static TableSpec, rows: Vec<Row>) -> Result<(), ExportError> {
        self.tables
            .iter_mut()
            .find(|t| t.spec.name == table.name)
            .ok_or(ExportError::UnknownTable(table.name))?
            .write(rows)
    }

    /// Completes every table, writes the dictionary and the manifest, and moves them all into
    /// the folder. Returns the row count of each table.
    pub fn finish(mut self, about: &About) -> Result<Vec<TableCount>, ExportError> {
        let tables = std::mem::take(&mut self.tables)
            .into_iter()
            .map(TableFile::close)
            .collect::<Result<Vec<_>, _>>()?;
        let dictionary = self.staging.join(DICTIONARY_FILE);
        write_dictionary(&dictionary)?;
        let manifest = self.staging.join(MANIFEST_FILE);
        let text = serde_json::to_string_pretty(&Manifest {
            format: self.format,
            about,
            de_identification: DE_IDENTIFICATION,
            dictionary: DICTIONARY_FILE,
            tables: &tables,
        })
        .map_err(|source| ExportError::Json {
            path: manifest.clone(),
            source,
        })?;
        fs::write(&manifest, text + "\n").map_err(io(&manifest))?;
        let names = file_names(self.format);
        let mut moved: Vec<PathBuf> = Vec::new();
        for name in &names {
            let to = self.dir.join(name);
            let result = if to.exists() {
                Err(ExportError::Exists {
                    dir: self.dir.clone(),
                    file: name.clone(),
                })
            } else {
                fs::rename(self.staging.join(name), &to).map_err(io(&to))
            };
            if let Err(e) = result {
                for m in moved {
                    // Best effort: the files moved so far go, so nothing half-made stays.
                    let _ = fs::remove_file(m);
                }
                return Err(e);
            }
            moved.push(to);
        }
        self.finished = true;
        fs::remove_dir_all(&self.staging).map_err(io(&self.staging))?;
        Ok(tables)
    }
}

impl Drop for Export {
    fn drop(&mut self) {
        if !self.finished {
            // An unfinished export leaves nothing behind.
            let _ = fs::remove_dir_all(&self.staging);
        }
    }
}

/// The data dictionary: one row per table (column `*`) and per column.
fn write_dictionary(path: &Path) -> Result<(), ExportError> {
    let csv_error = |source| ExportError::Csv {
        path: path.to_owned(),
        source,
    };
    let mut w = csv::Writer::from_path(path).map_err(csv_error)?;
    w.write_record(["table", "column", "type", "description"])
        .map_err(csv_error)?;
    for t in TABLES {
        w.write_record([t.name, "*", "table", t.description])
            .map_err(csv_error)?;
        for c in t.columns {
            w.write_record([t.name, c.name, c.kind.as_str(), c.description])
                .map_err(csv_error)?;
        }
    }
    w.flush().map_err(io(path))
}
