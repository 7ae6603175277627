//! Field parsers and the header check shared by the readers.

use std::collections::HashMap;

use chrono::{NaiveDate, NaiveDateTime};

use crate::error::FileErrors;

pub(crate) fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "0" | "false" | "no" => Ok(false),
        "1" | "true" | "yes" => Ok(true),
        _ => Err(format!(
            "'{s}' is not a yes/no value (use 1/0, true/false, yes/no or leave empty)"
        )),
    }
}

pub(crate) fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| format!("'{s}' is not a date (YYYY-MM-DD)"))
}

pub(crate) fn parse_datetime(s: &str) -> Result<NaiveDateTime, String> {
    let t = s.trim();
    [
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M",
        "%Y-%m-%d %H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
    .ok_or_else(|| format!("'{s}' is not a local date and time (YYYY-MM-DD HH:MM)"))
}

pub(crate) fn parse_count(s: &str) -> Result<u32, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(0);
    }
    t.parse::<u32>()
        .map_err(|_| format!("'{s}' is not a whole number of 0 or more"))
}

/// Column positions by name. Unknown, duplicate and missing required columns are errors on line 1.
pub(crate) struct Header {
    index: HashMap<String, usize>,
}

impl Header {
    pub(crate) fn check(
        record: &csv::StringRecord,
        known: &[&str],
        required: &[&str],
        errors: &mut FileErrors,
    ) -> Option<Header> {
        let mut index = HashMap::new();
        let mut unknown = Vec::new();
        for (i, name) in record.iter().enumerate() {
            let n = name
                .trim()
                .trim_start_matches('\u{feff}')
                .to_ascii_lowercase();
            if !known.contains(&n.as_str()) {
                unknown.push(name.to_owned());
            } else if index.insert(n.clone(), i).is_some() {
                errors.at(1, Some(&n), "column appears twice in the header");
            }
        }
        if !unknown.is_empty() {
            errors.at(
                1,
                None,
                format!(
                    "unknown column(s) {}; known columns are {}",
                    unknown.join(", "),
                    known.join(", ")
                ),
            );
        }
        let missing: Vec<&str> = required
            .iter()
            .copied()
            .filter(|r| !index.contains_key(*r))
            .collect();
        if !missing.is_empty() {
            errors.at(
                1,
                None,
                format!("missing required column(s) {}", missing.join(", ")),
            );
        }
        errors.errors.is_empty().then_some(Header { index })
    }

    /// The field, or "" when the column is absent.
    pub(crate) fn get<'r>(&self, record: &'r csv::StringRecord, name: &str) -> &'r str {
        self.index
            .get(name)
            .and_then(|i| record.get(*i))
            .unwrap_or("")
    }
}

use cephalog_core::{DrugDictionary, Features, Intensity, MedicationIntake};

/// The columns a daily row and an attack row share.
pub(crate) struct CommonFields {
    pub peak: Intensity,
    pub features: Features,
    pub medications: Vec<MedicationIntake>,
    pub paroxysms: u32,
    pub notes: String,
}

/// Reads the shared columns of one row, recording each bad field; `None` if any was bad.
pub(crate) fn parse_common(
    header: &Header,
    record: &csv::StringRecord,
    line: u64,
    dictionary: &DrugDictionary,
    errors: &mut FileErrors,
) -> Option<CommonFields> {
    let before = errors.errors.len() + errors.more;
    let peak = header
        .get(record, "peak_intensity")
        .parse::<Intensity>()
        .map_err(|e| errors.at(line, Some("peak_intensity"), e))
        .unwrap_or_default();
    let mut features = Features::default();
    for f in Features::FIELDS {
        match parse_bool(header.get(record, f)) {
            Ok(v) => {
                features.set(f, v);
            }
            Err(e) => errors.at(line, Some(f), e),
        }
    }
    let medications =
        MedicationIntake::parse_list(header.get(record, "acute_medications"), dictionary)
            .map_err(|e| errors.at(line, Some("acute_medications"), e))
            .unwrap_or_default();
    let paroxysms = parse_count(header.get(record, "paroxysms"))
        .map_err(|e| errors.at(line, Some("paroxysms"), e))
        .unwrap_or(0);
    let notes = header.get(record, "notes").to_owned();
    (errors.errors.len() + errors.more == before).then_some(CommonFields {
        peak,
        features,
        medications,
        paroxysms,
        notes,
    })
}
