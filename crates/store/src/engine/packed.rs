//! A patient's diary packed by the database into two JSON arrays — the days, and the medicines —
//! for every diary read: one row crosses from the database instead of one per day and one per
//! medicine, which is what makes reading a diary fast (see BENCHMARKS.md). Each
//! day is an array (date, minutes, peak intensity, the features in `Features::FIELDS` order,
//! paroxysms, notes), each medicine one (date, name, dose, class, migraine-specific, position).
//! SQLite packs its 0/1 integers and PostgreSQL its booleans; both read here.

use std::fmt;

use chrono::NaiveDate;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

use cephalog_core::{
    DiaryDay, DiaryDraft, DrugClass, Features, Intensity, MedicationIntake, Minutes,
};

use crate::StoreError;

/// One day as written: date, minutes, peak intensity, the eight features as 0/1 in
/// `Features::FIELDS` order, paroxysms, notes.
type WrittenDay<'a> = (
    String,
    u16,
    &'a str,
    u8,
    u8,
    u8,
    u8,
    u8,
    u8,
    u8,
    u8,
    i32,
    &'a str,
);

/// One medicine as written: date, position, name, dose, class, migraine-specific as 0/1.
type WrittenMedicine<'a> = (String, i32, &'a str, Option<&'a str>, &'static str, u8);

/// `days` packed for one `INSERT … SELECT` from a JSON array (SQLite `json_each`, PostgreSQL
/// `json_array_elements`): the days' array, and the medicines' array when any day has one. The
/// write is the read's packing turned round: one statement and one bound value instead of a
/// bound value per field.
pub(crate) fn pack_days(days: &[DiaryDay]) -> Result<(String, Option<String>), StoreError> {
    let mut packed: Vec<WrittenDay<'_>> = Vec::with_capacity(days.len());
    let mut medicines: Vec<WrittenMedicine<'_>> = Vec::new();
    for d in days {
        let date = d.date().to_string();
        let paroxysms = i32::try_from(d.paroxysms()).map_err(|_| {
            StoreError::corrupt(format!("diary day {date}"), "paroxysm count too large")
        })?;
        let f = d.features();
        for (m, position) in d.medications().iter().zip(0..) {
            medicines.push((
                date.clone(),
                position,
                &m.name,
                m.dose.as_deref(),
                m.class.as_str(),
                u8::from(m.migraine_specific),
            ));
        }
        packed.push((
            date,
            d.headache_minutes(),
            d.peak_intensity().as_str(),
            u8::from(f.unilateral),
            u8::from(f.pulsating),
            u8::from(f.aggravated_by_activity),
            u8::from(f.nausea),
            u8::from(f.vomiting),
            u8::from(f.photophobia),
            u8::from(f.phonophobia),
            u8::from(f.aura),
            paroxysms,
            d.notes(),
        ));
    }
    let corrupt = |e: serde_json::Error| StoreError::corrupt("packed diary write", e);
    let days = serde_json::to_string(&packed).map_err(corrupt)?;
    let medicines = if medicines.is_empty() {
        None
    } else {
        Some(serde_json::to_string(&medicines).map_err(corrupt)?)
    };
    Ok((days, medicines))
}

/// A stored flag: a boolean (PostgreSQL) or 0/1 (SQLite).
#[derive(Debug, Clone, Copy)]
struct Flag(bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a boolean or 0/1")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Flag, E> {
                match v {
                    0 => Ok(Flag(false)),
                    1 => Ok(Flag(true)),
                    _ => Err(E::custom(format!("{v} is not a flag"))),
                }
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Flag, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is not a flag")))
                    .and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_any(V)
    }
}

/// One day: date, minutes, peak intensity, the eight features in `Features::FIELDS` order,
/// paroxysms, notes.
type PackedDay<'a> = (
    NaiveDate,
    i64,
    &'a str,
    [Flag; Features::FIELDS.len()],
    i64,
    String,
);

/// One medicine: date, name, dose, class, migraine-specific, position on its day.
type PackedMedicine<'a> = (NaiveDate, String, Option<String>, &'a str, Flag, i64);

fn corrupt(what: impl fmt::Display, e: impl fmt::Display) -> StoreError {
    StoreError::corrupt(what.to_string(), e)
}

/// The days of one patient from the packed arrays, in date order with their medicines.
pub(crate) fn unpack(days: &str, medicines: Option<&str>) -> Result<Vec<DiaryDay>, StoreError> {
    let mut packed: Vec<PackedDay<'_>> =
        serde_json::from_str(days).map_err(|e| corrupt("packed diary days", e))?;
    packed.sort_unstable_by_key(|d| d.0);
    let mut meds: Vec<PackedMedicine<'_>> = match medicines {
        Some(m) => serde_json::from_str(m).map_err(|e| corrupt("packed diary medicines", e))?,
        None => Vec::new(),
    };
    meds.sort_unstable_by_key(|m| (m.0, m.5));
    let mut meds = meds.into_iter().peekable();
    let mut out = Vec::with_capacity(packed.len());
    for (date, minutes, peak, flags, paroxysms, notes) in packed {
        let what = || format!("diary day {date}");
        let mut intakes = Vec::new();
        while let Some(m) = meds.next_if(|m| m.0 <= date) {
            if m.0 < date {
                return Err(corrupt(
                    format!("medicine on {}", m.0),
                    "its day is not recorded",
                ));
            }
            intakes.push(MedicationIntake {
                name: m.1,
                dose: m.2,
                class: m
                    .3
                    .parse::<DrugClass>()
                    .map_err(|e| corrupt(format!("medicine on {date}"), e))?,
                migraine_specific: m.4.0,
            });
        }
        let mut features = Features::default();
        for (name, flag) in Features::FIELDS.iter().zip(flags) {
            features.set(name, flag.0);
        }
        let draft = DiaryDraft {
            date: Some(date),
            headache_minutes: Minutes::new(minutes).map_err(|e| corrupt(what(), e))?,
            peak_intensity: peak.parse::<Intensity>().map_err(|e| corrupt(what(), e))?,
            features,
            medications: intakes,
            paroxysms: u32::try_from(paroxysms).map_err(|e| corrupt(what(), e))?,
            notes,
        };
        out.push(DiaryDay::restore(date, draft).map_err(|e| corrupt(what(), e))?);
    }
    if let Some(m) = meds.next() {
        return Err(corrupt(
            format!("medicine on {}", m.0),
            "its day is not recorded",
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAYS_SQLITE: &str = r#"[["2026-01-02",120,"moderate",[1,0,0,1,0,0,0,0],0,""],
        ["2026-01-01",0,"none",[0,0,0,0,0,0,0,0],0,"quiet day"]]"#;
    const DAYS_POSTGRES: &str = r#"[["2026-01-01",0,"none",[false,false,false,false,false,false,false,false],0,"quiet day"],
        ["2026-01-02",120,"moderate",[true,false,false,true,false,false,false,false],0,""]]"#;
    const MEDICINES: &str = r#"[["2026-01-02","ibuprofen","400 mg","non_opioid",0,1],
        ["2026-01-02","sumatriptan","50 mg","triptan",1,0]]"#;

    #[test]
    fn both_engines_packings_read_as_the_same_days_in_date_order_with_medicines_in_position() {
        let sqlite = unpack(DAYS_SQLITE, Some(MEDICINES)).expect("sqlite packing");
        let postgres = unpack(DAYS_POSTGRES, Some(MEDICINES)).expect("postgres packing");
        assert_eq!(sqlite, postgres);
        let dates: Vec<String> = sqlite.iter().map(|d| d.date().to_string()).collect();
        assert_eq!(dates, ["2026-01-01", "2026-01-02"]);
        let day = &sqlite[1];
        assert!(day.features().unilateral && day.features().nausea && !day.features().aura);
        let names: Vec<&str> = day.medications().iter().map(|m| m.name.as_str()).collect();
        assert_eq!(
            names,
            ["sumatriptan", "ibuprofen"],
            "by position on the day"
        );
        assert!(day.medications()[0].migraine_specific);
        assert_eq!(sqlite[0].notes(), "quiet day");
    }

    #[test]
    fn a_medicine_without_its_day_or_a_bad_value_is_reported_as_corrupt() {
        let orphan = r#"[["2025-12-31","ibuprofen",null,"non_opioid",0,0]]"#;
        let e = unpack(DAYS_SQLITE, Some(orphan)).expect_err("orphan medicine");
        assert!(e.to_string().contains("medicine on 2025-12-31"), "{e}");
        let late = r#"[["2026-01-03","ibuprofen",null,"non_opioid",0,0]]"#;
        assert!(unpack(DAYS_SQLITE, Some(late)).is_err());
        let flag = r#"[["2026-01-01",0,"none",[2,0,0,0,0,0,0,0],0,""]]"#;
        assert!(unpack(flag, None).is_err(), "2 is not a flag");
        let pain_without_intensity = r#"[["2026-01-01",30,"none",[0,0,0,0,0,0,0,0],0,""]]"#;
        let e = unpack(pain_without_intensity, None).expect_err("restored days are validated");
        assert!(e.to_string().contains("diary day 2026-01-01"), "{e}");
    }
}
