//! The daily diary CSV.
//!
//! `date,headache_minutes,peak_intensity,unilateral,pulsating,aggravated_by_activity,nausea,vomiting,
//! photophobia,phonophobia,aura,acute_medications,paroxysms,notes` — header required, columns in any
//! order; booleans 1/0, true/false, yes/no or empty (false); `acute_medications` a `;`-separated list
//! of drug or class names each optionally followed by a dose; `paroxysms` and `notes` optional.

use std::collections::HashMap;
use std::io::{Read, Write};

use chrono::NaiveDate;

use cephalog_core::{DiaryDay, DiaryDraft, DrugDictionary, Features, Minutes};

use crate::error::FileErrors;
use crate::fields::{Header, parse_common, parse_date};

/// Every column of the daily CSV, in the order the exporter writes them.
pub const DAILY_COLUMNS: [&str; 14] = [
    "date",
    "headache_minutes",
    "peak_intensity",
    "unilateral",
    "pulsating",
    "aggravated_by_activity",
    "nausea",
    "vomiting",
    "photophobia",
    "phonophobia",
    "aura",
    "acute_medications",
    "paroxysms",
    "notes",
];

const REQUIRED: [&str; 3] = ["date", "headache_minutes", "peak_intensity"];

/// Reads a daily CSV. `progress` is called now and then with the bytes read so far.
pub fn read_daily(
    input: impl Read,
    dictionary: &DrugDictionary,
    today: NaiveDate,
    mut progress: impl FnMut(u64),
) -> Result<Vec<DiaryDay>, FileErrors> {
    let mut errors = FileErrors::new();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(input);
    let header = match reader.headers() {
        Ok(h) => Header::check(h, &DAILY_COLUMNS, &REQUIRED, &mut errors),
        Err(e) => {
            errors.at(1, None, format!("cannot read the header: {e}"));
            None
        }
    };
    let Some(header) = header else {
        return Err(errors);
    };
    let mut days = Vec::new();
    let mut seen: HashMap<NaiveDate, u64> = HashMap::new();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.at(line, None, format!("not a valid CSV row: {e}"));
                if !matches!(e.kind(), csv::ErrorKind::UnequalLengths { .. }) {
                    break;
                }
                continue;
            }
        }
        let line = record.position().map_or(0, |p| p.line());
        if line.is_multiple_of(4096) {
            progress(record.position().map_or(0, |p| p.byte()));
        }
        if let Some(day) = parse_row(&header, &record, line, dictionary, today, &mut errors) {
            if let Some(first) = seen.insert(day.date(), line) {
                errors.at(
                    line,
                    Some("date"),
                    format!("{} is recorded twice (also on line {first})", day.date()),
                );
            } else {
                days.push(day);
            }
        }
    }
    errors.into_result(days)
}

fn parse_row(
    header: &Header,
    record: &csv::StringRecord,
    line: u64,
    dictionary: &DrugDictionary,
    today: NaiveDate,
    errors: &mut FileErrors,
) -> Option<DiaryDay> {
    let date = parse_date(header.get(record, "date"))
        .map_err(|e| errors.at(line, Some("date"), e))
        .ok();
    let minutes_text = header.get(record, "headache_minutes").trim();
    let minutes = match minutes_text.parse::<i64>() {
        Ok(m) => Minutes::new(m)
            .map_err(|e| errors.at(line, Some("headache_minutes"), e))
            .ok(),
        Err(_) => {
            errors.at(
                line,
                Some("headache_minutes"),
                format!("'{minutes_text}' is not a whole number of minutes"),
            );
            None
        }
    };
    let common = parse_common(header, record, line, dictionary, errors);
    let (date, minutes, common) = (date?, minutes?, common?);
    let draft = DiaryDraft {
        date: Some(date),
        headache_minutes: minutes,
        peak_intensity: common.peak,
        features: common.features,
        medications: common.medications,
        paroxysms: common.paroxysms,
        notes: common.notes,
    };
    DiaryDay::record(date, draft, today)
        .map_err(|e| errors.at(line, Some(e.field()), e.reason()))
        .ok()
}

fn flag(b: bool) -> &'static str {
    if b { "1" } else { "0" }
}

/// Writes days as a daily CSV that [`read_daily`] reads back to the same days.
pub fn write_daily<'a>(
    output: impl Write,
    days: impl IntoIterator<Item = &'a DiaryDay>,
) -> Result<(), csv::Error> {
    let mut w = csv::Writer::from_writer(output);
    w.write_record(DAILY_COLUMNS)?;
    for d in days {
        let f: &Features = d.features();
        let meds = d
            .medications()
            .iter()
            .map(|m| m.display_text())
            .collect::<Vec<_>>()
            .join("; ");
        let date = d.date().format("%Y-%m-%d").to_string();
        let minutes = d.headache_minutes().to_string();
        let paroxysms = d.paroxysms().to_string();
        w.write_record([
            date.as_str(),
            minutes.as_str(),
            d.peak_intensity().as_str(),
            flag(f.unilateral),
            flag(f.pulsating),
            flag(f.aggravated_by_activity),
            flag(f.nausea),
            flag(f.vomiting),
            flag(f.photophobia),
            flag(f.phonophobia),
            flag(f.aura),
            meds.as_str(),
            paroxysms.as_str(),
            d.notes(),
        ])?;
    }
    w.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use cephalog_core::{Intensity, MedicationIntake};

    const TODAY: &str = "2026-11-01";

    fn read(s: &str) -> Result<Vec<DiaryDay>, FileErrors> {
        read_daily(
            s.as_bytes(),
            &DrugDictionary::builtin(),
            TODAY.parse().expect("date"),
            |_| {},
        )
    }

    #[test]
    fn reads_columns_in_any_order_with_optional_ones_absent() {
        let days = read(
            "peak_intensity,date,headache_minutes,nausea,acute_medications\n\
             7,2026-03-01,300,yes,sumatriptan 50mg; ibuprofen 400 mg\n\
             none,2026-03-02,0,,\n",
        )
        .expect("valid");
        assert_eq!(days.len(), 2);
        assert_eq!(days[0].peak_intensity(), Intensity::Severe);
        assert!(days[0].features().nausea);
        assert_eq!(days[0].medications().len(), 2);
        assert_eq!(days[1].headache_minutes(), 0);
    }

    #[test]
    fn unknown_and_missing_columns_are_named() {
        let err = read("date,headache_minutes,peak_intensity,mood\n").expect_err("unknown");
        assert_eq!(err.errors[0].line, 1);
        assert!(err.errors[0].reason.contains("unknown column(s) mood"));
        let err = read("date,peak_intensity\n").expect_err("missing");
        assert!(
            err.to_string()
                .contains("missing required column(s) headache_minutes")
        );
    }

    #[test]
    fn every_bad_row_is_reported_with_line_and_column() {
        let err = read(
            "date,headache_minutes,peak_intensity,nausea,acute_medications\n\
             2026-03-01,300,severe,maybe,\n\
             2026-03-02,1500,severe,,\n\
             2026-03-03,0,none,1,\n\
             2026-03-04,60,mild,,sumatripan\n\
             2026-13-01,60,mild,,\n\
             2026-12-01,60,mild,,\n\
             2026-03-07,60,mild,,\n\
             2026-03-07,60,mild,,\n",
        )
        .expect_err("bad rows");
        let got: Vec<(u64, Option<&str>)> = err
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect();
        assert_eq!(
            got,
            vec![
                (2, Some("nausea")),
                (3, Some("headache_minutes")),
                (4, Some("nausea")),
                (5, Some("acute_medications")),
                (6, Some("date")),
                (7, Some("date")),
                (9, Some("date")),
            ]
        );
        assert!(err.errors[3].reason.contains("did you mean sumatriptan"));
        assert!(err.errors[5].reason.contains("future"));
        assert!(err.errors[6].reason.contains("also on line 8"));
    }

    #[test]
    fn minutes_without_intensity_is_a_contradiction() {
        let err = read("date,headache_minutes,peak_intensity\n2026-03-01,30,none\n")
            .expect_err("contradiction");
        assert_eq!(err.errors[0].column.as_deref(), Some("peak_intensity"));
    }

    fn arb_day() -> impl Strategy<Value = DiaryDay> {
        let meds = prop::collection::vec(
            (
                prop::sample::select(vec![
                    "sumatriptan",
                    "ibuprofen",
                    "co-codamol",
                    "triptan",
                    "Rimegepant",
                ]),
                prop::option::of(1u32..1000),
            ),
            0..3,
        );
        (
            0i64..400,
            0i64..=1440,
            1u8..=10,
            any::<[bool; 8]>(),
            meds,
            0u32..50,
            "[a-zA-Z ,;\"\n]{0,20}",
        )
            .prop_map(|(offset, minutes, score, flags, meds, paroxysms, notes)| {
                let date = NaiveDate::from_ymd_opt(2025, 1, 1).expect("date")
                    + chrono::Duration::days(offset);
                let headache = minutes > 0;
                let mut features = Features::default();
                for (f, v) in Features::FIELDS.iter().zip(flags) {
                    features.set(f, v && (headache || *f == "aura"));
                }
                let dict = DrugDictionary::builtin();
                let medications = meds
                    .into_iter()
                    .map(|(n, dose)| {
                        let text = dose.map_or(n.to_owned(), |d| format!("{n} {d} mg"));
                        MedicationIntake::parse(&text, &dict).expect("known")
                    })
                    .collect();
                let draft = DiaryDraft {
                    date: Some(date),
                    headache_minutes: Minutes::new(minutes).expect("in range"),
                    peak_intensity: if headache {
                        Intensity::from_score(score).expect("1-10")
                    } else {
                        Intensity::None
                    },
                    features,
                    medications,
                    paroxysms,
                    notes,
                };
                DiaryDay::restore(date, draft).expect("valid")
            })
    }

    proptest! {
        /// Export then import gives back exactly the days exported.
        #[test]
        fn export_then_import_is_the_identity(days in prop::collection::btree_map(0i64..400, arb_day(), 0..40)) {
            let days: Vec<DiaryDay> = {
                let mut by_date = std::collections::BTreeMap::new();
                for d in days.into_values() { by_date.insert(d.date(), d); }
                by_date.into_values().collect()
            };
            let mut buf = Vec::new();
            write_daily(&mut buf, &days).expect("write");
            let back = read_daily(buf.as_slice(), &DrugDictionary::builtin(), TODAY.parse().expect("date"), |_| {})
                .expect("read back");
            prop_assert_eq!(back, days);
        }
    }
}
