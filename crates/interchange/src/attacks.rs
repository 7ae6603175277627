//! Attack logs exported by phone apps, read through an [`AttackProfile`]: one row per attack with
//! a start, an end or a duration, a 0–10 pain level, symptom and medicine lists and notes. Attacks
//! become diary days by the core's episode rules ([`cephalog_core::EpisodeLog`]): split at
//! midnight, overlapping attacks merged, and every day of the covered period without an attack
//! recorded as headache-free. The covered period is the one the caller states or, failing that,
//! the first to the last attack day.

use std::collections::{BTreeMap, HashMap};
use std::io::Read;

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};

use cephalog_core::{
    DiaryDay, DrugDictionary, Episode, EpisodeError, EpisodeLog, Features, Intensity,
    MedicationIntake,
};

use crate::error::{FileErrors, RowError};
use crate::profile::{AttackProfile, DurationUnit, ExtraColumns, UnknownTerms, normalise_term};

/// Attacks read from a file, as diary days over the covered period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttackImport {
    /// One day per date of the covered period.
    pub days: Vec<DiaryDay>,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Attack rows read.
    pub attacks: usize,
    /// Symptom terms the profile does not list, under `unknown = "warn"`.
    pub unlisted_terms: Vec<UnlistedTerm>,
    /// Columns the profile names that the file does not have (read as empty).
    pub absent_columns: Vec<String>,
}

/// A symptom term read past: where it first appeared and on how many rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnlistedTerm {
    pub column: String,
    pub term: String,
    pub rows: usize,
    pub first_line: u64,
}

/// Reads an attack log through `profile`. `covers` is the period the log covers; without it, the
/// first to the last attack day. All or nothing: every bad row is reported by line, column (as the
/// file names it) and reason.
pub fn read_attacks(
    input: impl Read,
    profile: &AttackProfile,
    dictionary: &DrugDictionary,
    covers: Option<(NaiveDate, NaiveDate)>,
    today: NaiveDate,
) -> Result<AttackImport, FileErrors> {
    let mut errors = FileErrors::new();
    if let Some((from, to)) = covers {
        if to < from {
            errors.at(
                0,
                None,
                format!("the covered period runs backwards: {from}..{to}"),
            );
        } else if to > today {
            errors.at(
                0,
                None,
                format!("the covered period {from}..{to} ends after today ({today})"),
            );
        }
        if !errors.errors.is_empty() {
            return Err(errors);
        }
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .delimiter(profile.delimiter_byte())
        .from_reader(input);
    let columns = match reader.headers() {
        Ok(h) => Columns::check(h, profile, &mut errors),
        Err(e) => {
            errors.at(1, None, format!("cannot read the header: {e}"));
            None
        }
    };
    let Some(columns) = columns else {
        return Err(errors);
    };
    let mut episodes: Vec<(u64, Episode)> = Vec::new();
    let mut unlisted: BTreeMap<(String, String), UnlistedTerm> = BTreeMap::new();
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
        if record.iter().all(|f| f.trim().is_empty()) {
            continue;
        }
        let row = Row {
            record: &record,
            line,
            columns: &columns,
            profile,
        };
        if let Some(e) = row.episode(dictionary, today, &mut errors, &mut unlisted) {
            episodes.push((line, e));
        }
    }
    if !errors.errors.is_empty() {
        return Err(errors);
    }
    let (from, to) = match covers {
        Some(c) => c,
        None => {
            let first = episodes.iter().map(|(_, e)| e.start().date()).min();
            let last = episodes
                .iter()
                .map(|(_, e)| (e.end() - Duration::minutes(1)).date())
                .max();
            match (first, last) {
                (Some(f), Some(l)) => (f, l),
                _ => {
                    // Named on the header: all the file holds.
                    errors.at(
                        1,
                        None,
                        "the file holds no attacks; to record a headache-free period give the period it covers",
                    );
                    return Err(errors);
                }
            }
        }
    };
    let (lo, hi) = (
        from.and_time(NaiveTime::MIN),
        to.and_time(NaiveTime::MIN) + Duration::days(1),
    );
    for (line, e) in &episodes {
        if e.start() < lo || e.end() > hi {
            errors.at(
                *line,
                Some(&columns.name(&profile.start.column)),
                format!(
                    "attack {}–{} falls outside the covered period {from}..{to}",
                    e.start(),
                    e.end()
                ),
            );
        }
    }
    if !errors.errors.is_empty() {
        return Err(errors);
    }
    let attacks = episodes.len();
    let log = EpisodeLog::new(from, to, episodes.iter().map(|(_, e)| e.clone()).collect())
        .map_err(|e| FileErrors::of_episodes(&e, &episodes))?;
    let days = log
        .into_days(today)
        .map_err(|e| FileErrors::of_episodes(&e, &episodes))?;
    Ok(AttackImport {
        days,
        from,
        to,
        attacks,
        unlisted_terms: unlisted.into_values().collect(),
        absent_columns: columns.absent,
    })
}

/// Header positions of the profile's columns, by normalised name.
struct Columns {
    index: HashMap<String, (usize, String)>,
    absent: Vec<String>,
}

impl Columns {
    fn check(
        header: &csv::StringRecord,
        profile: &AttackProfile,
        errors: &mut FileErrors,
    ) -> Option<Columns> {
        let wanted: Vec<String> = profile.columns().into_iter().map(normalise_term).collect();
        let mut index = HashMap::new();
        let mut extra = Vec::new();
        for (i, name) in header.iter().enumerate() {
            let shown = name.trim().trim_start_matches('\u{feff}').trim().to_owned();
            let n = normalise_term(&shown);
            if !wanted.contains(&n) {
                extra.push(shown);
            } else if index.insert(n, (i, shown.clone())).is_some() {
                errors.at(1, Some(&shown), "column appears twice in the header");
            }
        }
        if !extra.is_empty() && profile.extra_columns == ExtraColumns::Error {
            errors.at(
                1,
                None,
                format!(
                    "column(s) {} are not in profile '{}'; its columns are {}",
                    extra.join(", "),
                    profile.id,
                    profile.columns().join(", ")
                ),
            );
        }
        let has = |c: &str| index.contains_key(&normalise_term(c));
        let mut missing = Vec::new();
        for c in [&profile.start.column, &profile.pain.column] {
            if !has(c) {
                missing.push(c.clone());
            }
        }
        let timed: Vec<&String> = profile
            .end
            .iter()
            .map(|c| &c.column)
            .chain(profile.duration.iter().map(|c| &c.column))
            .collect();
        if !timed.iter().any(|c| has(c)) {
            missing.push(
                timed
                    .iter()
                    .map(|c| c.as_str())
                    .collect::<Vec<_>>()
                    .join(" or "),
            );
        }
        if !missing.is_empty() {
            errors.at(
                1,
                None,
                format!(
                    "missing column(s) {} that profile '{}' needs",
                    missing.join(", "),
                    profile.id
                ),
            );
        }
        let absent = profile
            .columns()
            .into_iter()
            .filter(|c| !has(c) && !timed.iter().any(|t| t.as_str() == *c))
            .map(str::to_owned)
            .collect();
        errors
            .errors
            .is_empty()
            .then_some(Columns { index, absent })
    }

    /// The field, or "" when the column is absent.
    fn get<'r>(&self, record: &'r csv::StringRecord, column: &str) -> &'r str {
        self.index
            .get(&normalise_term(column))
            .and_then(|(i, _)| record.get(*i))
            .unwrap_or("")
    }

    /// The column as the file's header writes it (the profile's spelling when absent).
    fn name(&self, column: &str) -> String {
        self.index
            .get(&normalise_term(column))
            .map_or_else(|| column.to_owned(), |(_, shown)| shown.clone())
    }
}

struct Row<'a> {
    record: &'a csv::StringRecord,
    line: u64,
    columns: &'a Columns,
    profile: &'a AttackProfile,
}

impl Row<'_> {
    fn get(&self, column: &str) -> &str {
        self.columns.get(self.record, column).trim()
    }

    fn error(&self, errors: &mut FileErrors, column: &str, reason: impl std::fmt::Display) {
        errors.push(RowError {
            line: self.line,
            column: Some(self.columns.name(column)),
            reason: reason.to_string(),
        });
    }

    /// Items of a list field: split on any separator, trimmed, blanks and blank values dropped.
    fn items(&self, column: &str, separators: &[String]) -> Vec<String> {
        let mut parts = vec![self.get(column).to_owned()];
        for sep in separators {
            parts = parts
                .iter()
                .flat_map(|p| p.split(sep.as_str()).map(str::to_owned))
                .collect();
        }
        parts
            .into_iter()
            .map(|p| p.trim().to_owned())
            .filter(|p| {
                !p.is_empty()
                    && !self
                        .profile
                        .blank_values
                        .iter()
                        .any(|b| normalise_term(b) == normalise_term(p))
            })
            .collect()
    }

    fn episode(
        &self,
        dictionary: &DrugDictionary,
        today: NaiveDate,
        errors: &mut FileErrors,
        unlisted: &mut BTreeMap<(String, String), UnlistedTerm>,
    ) -> Option<Episode> {
        let before = errors.errors.len() + errors.more;
        let p = self.profile;
        let start_col = &p.start.column;
        let start = parse_datetime_with(self.get(start_col), &p.start.formats)
            .map_err(|e| self.error(errors, start_col, e))
            .ok();
        let end = self.end(start, errors);
        let pain_col = &p.pain.column;
        let peak = parse_pain(self.get(pain_col))
            .map_err(|e| self.error(errors, pain_col, e))
            .ok();
        let mut features = Features::default();
        for s in &p.symptoms {
            for term in self.items(&s.column, &s.separators) {
                match AttackProfile::lookup_term(s, &term) {
                    Some(Some(feature)) => {
                        features.set(feature, true);
                    }
                    Some(None) => {}
                    None => match s.unknown {
                        UnknownTerms::Error => self.error(
                            errors,
                            &s.column,
                            format!(
                                "unknown symptom '{term}'; profile '{}' knows {}",
                                p.id,
                                s.terms.keys().cloned().collect::<Vec<_>>().join(", ")
                            ),
                        ),
                        UnknownTerms::Warn => {
                            let key = (self.columns.name(&s.column), normalise_term(&term));
                            unlisted
                                .entry(key.clone())
                                .and_modify(|u| u.rows += 1)
                                .or_insert(UnlistedTerm {
                                    column: key.0,
                                    term,
                                    rows: 1,
                                    first_line: self.line,
                                });
                        }
                        UnknownTerms::Ignore => {}
                    },
                }
            }
        }
        let mut medications = Vec::new();
        if let Some(m) = &p.medicines {
            for column in &m.columns {
                for item in self.items(column, &m.separators) {
                    // "Sumatriptan (50 mg)" reads as "Sumatriptan 50 mg".
                    let text = item.replace(['(', ')'], " ");
                    match MedicationIntake::parse(&text, dictionary) {
                        Ok(intake) => medications.push(intake),
                        Err(e) => self.error(errors, column, e),
                    }
                }
            }
        }
        let notes = self.notes();
        if errors.errors.len() + errors.more != before {
            return None;
        }
        let (start, end, peak) = (start?, end?, peak?);
        let mut episode = match Episode::new(start, end, peak) {
            Ok(e) => e,
            Err(EpisodeError::NoIntensity) => {
                self.error(
                    errors,
                    pain_col,
                    "pain level 0 is no headache: an attack needs a pain level of 1–10",
                );
                return None;
            }
            Err(e) => {
                self.error(errors, self.end_column(), e);
                return None;
            }
        };
        if (episode.end() - Duration::minutes(1)).date() > today {
            self.error(
                errors,
                start_col,
                format!(
                    "attack {}–{} runs into the future (today is {today})",
                    episode.start(),
                    episode.end()
                ),
            );
            return None;
        }
        episode.features = features;
        episode.medications = medications;
        episode.notes = notes;
        Some(episode)
    }

    /// The column that gave the attack its end: the end column, or the duration column.
    fn end_column(&self) -> &str {
        match (&self.profile.end, &self.profile.duration) {
            (Some(e), _) if !self.get(&e.column).is_empty() => &e.column,
            (_, Some(d)) => &d.column,
            (Some(e), None) => &e.column,
            (None, None) => &self.profile.start.column,
        }
    }

    fn end(&self, start: Option<NaiveDateTime>, errors: &mut FileErrors) -> Option<NaiveDateTime> {
        let p = self.profile;
        let end_text = p.end.as_ref().map_or("", |c| self.get(&c.column));
        let duration_text = p.duration.as_ref().map_or("", |c| self.get(&c.column));
        let end = p
            .end
            .as_ref()
            .filter(|_| !end_text.is_empty())
            .and_then(|c| {
                parse_datetime_with(end_text, &c.formats)
                    .map_err(|e| self.error(errors, &c.column, e))
                    .ok()
            });
        let minutes = p
            .duration
            .as_ref()
            .filter(|_| !duration_text.is_empty())
            .and_then(|c| {
                parse_duration(duration_text, c.unit)
                    .map_err(|e| self.error(errors, &c.column, e))
                    .ok()
            });
        match (end_text.is_empty(), duration_text.is_empty()) {
            (true, true) => {
                let names: Vec<String> = p
                    .end
                    .iter()
                    .map(|c| self.columns.name(&c.column))
                    .chain(p.duration.iter().map(|c| self.columns.name(&c.column)))
                    .collect();
                self.error(
                    errors,
                    self.end_column(),
                    format!("an attack needs {}", names.join(" or ")),
                );
                None
            }
            (false, true) => end,
            (true, false) => {
                let (start, minutes) = (start?, minutes?);
                let end = Duration::try_minutes(minutes).and_then(|d| start.checked_add_signed(d));
                if end.is_none() {
                    let d = p.duration.as_ref().map_or("", |c| c.column.as_str());
                    self.error(
                        errors,
                        d,
                        format!("'{duration_text}' ({minutes} min) is longer than any attack"),
                    );
                }
                end
            }
            (false, false) => {
                let (end, minutes, start) = (end?, minutes?, start?);
                if (end - start).num_minutes() != minutes {
                    let d = p.duration.as_ref().map_or("", |c| c.column.as_str());
                    self.error(
                        errors,
                        d,
                        format!(
                            "'{duration_text}' ({minutes} min) disagrees with the end {end} ({} min after the start)",
                            (end - start).num_minutes()
                        ),
                    );
                    return None;
                }
                Some(end)
            }
        }
    }

    fn notes(&self) -> String {
        let Some(n) = &self.profile.notes else {
            return String::new();
        };
        let labelled = n.columns.len() > 1;
        n.columns
            .iter()
            .filter_map(|c| {
                let v = self.get(c);
                let blank = v.is_empty()
                    || self
                        .profile
                        .blank_values
                        .iter()
                        .any(|b| normalise_term(b) == normalise_term(v));
                (!blank).then(|| {
                    if labelled {
                        format!("{}: {v}", self.columns.name(c))
                    } else {
                        v.to_owned()
                    }
                })
            })
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// A local date and time in the first of `formats` that reads it.
pub fn parse_datetime_with(text: &str, formats: &[String]) -> Result<NaiveDateTime, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("no date and time given".to_owned());
    }
    formats
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(t, f).ok())
        .ok_or_else(|| {
            format!(
                "'{t}' is not a date and time in the profile's formats ({})",
                formats.join(", ")
            )
        })
}

/// A 0–10 pain score as the diary's intensity: 0 none, 1–3 mild, 4–6 moderate, 7–10 severe
/// ([`Intensity::from_score`]).
pub fn parse_pain(text: &str) -> Result<Intensity, String> {
    let t = text.trim();
    let bad = || format!("'{t}' is not a pain level: a whole number 0–10");
    if t.is_empty() {
        return Err("no pain level given (0–10)".to_owned());
    }
    let score: u8 = t.parse().map_err(|_| bad())?;
    Intensity::from_score(score).map_err(|_| bad())
}

/// A duration in whole minutes: "2h 30m", "1 hour 30 minutes", "1d 2h", "1:30" (hours and
/// minutes), or a bare number in `unit` ("150" minutes; "2.5" hours). Hours may have decimals and
/// are rounded to the minute. More than 0.
pub fn parse_duration(text: &str, unit: DurationUnit) -> Result<i64, String> {
    let t = text.trim().to_lowercase();
    let bad = || {
        format!(
            "'{}' is not a duration (e.g. 2h 30m, 1:30, or a number of {})",
            text.trim(),
            match unit {
                DurationUnit::Minutes => "minutes",
                DurationUnit::Hours => "hours",
            }
        )
    };
    let minutes = if let Some((h, m)) = t.split_once(':') {
        let (h, m) = (h.trim(), m.trim());
        if h.is_empty() || m.len() != 2 || !all_digits(h) || !all_digits(m) {
            return Err(bad());
        }
        let (h, m): (i64, i64) = (h.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
        if m >= 60 {
            return Err(bad());
        }
        h.checked_mul(60)
            .and_then(|h| h.checked_add(m))
            .ok_or_else(bad)?
    } else if let Ok(n) = t.parse::<f64>() {
        if !n.is_finite() || n < 0.0 || t.starts_with(['+', '-']) {
            return Err(bad());
        }
        match unit {
            DurationUnit::Minutes if n.fract() == 0.0 && all_digits(&t) => {
                t.parse().map_err(|_| bad())?
            }
            DurationUnit::Minutes => return Err(bad()),
            DurationUnit::Hours => to_minutes(n * 60.0).ok_or_else(bad)?,
        }
    } else {
        parse_units(&t).ok_or_else(bad)?
    };
    if minutes <= 0 {
        return Err(format!(
            "'{}' is not a duration of more than 0 minutes",
            text.trim()
        ));
    }
    Ok(minutes)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn to_minutes(x: f64) -> Option<i64> {
    let r = x.round();
    // Durations beyond a few years are not attacks; this also keeps the cast exact.
    (0.0..=1.0e7).contains(&r).then_some(r as i64)
}

/// "5h 20m", "2 hours 30 minutes", "1d 3h", "45 min", "1.5h": numbers each followed by a unit.
fn parse_units(t: &str) -> Option<i64> {
    let mut total = 0.0;
    let mut rest = t.trim();
    let mut any = false;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        if num_len == 0 {
            return None;
        }
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = rest[num_len..].trim_start();
        let word_len = rest
            .find(|c: char| !c.is_alphabetic())
            .unwrap_or(rest.len());
        let per = match &rest[..word_len] {
            "d" | "day" | "days" => 1440.0,
            "h" | "hr" | "hrs" | "hour" | "hours" => 60.0,
            "m" | "min" | "mins" | "minute" | "minutes" => 1.0,
            _ => return None,
        };
        total += n * per;
        any = true;
        rest = rest[word_len..].trim_start_matches([' ', ',']).trim_start();
        if let Some(r) = rest.strip_prefix("and ") {
            rest = r.trim_start();
        }
    }
    if any { to_minutes(total) } else { None }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::{builtin_profiles, parse_profile};

    const TODAY: &str = "2026-11-01";

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn profile(id: &str) -> AttackProfile {
        builtin_profiles()
            .expect("profiles")
            .into_iter()
            .find(|p| p.id == id)
            .expect("shipped profile")
    }

    fn read(
        id: &str,
        text: &str,
        covers: Option<(&str, &str)>,
    ) -> Result<AttackImport, FileErrors> {
        read_attacks(
            text.as_bytes(),
            &profile(id),
            &DrugDictionary::builtin(),
            covers.map(|(a, b)| (d(a), d(b))),
            d(TODAY),
        )
    }

    fn minutes(days: &[DiaryDay]) -> Vec<(String, u16)> {
        days.iter()
            .map(|d| (d.date().to_string(), d.headache_minutes()))
            .collect()
    }

    fn at(errors: &FileErrors) -> Vec<(u64, Option<&str>)> {
        errors
            .errors
            .iter()
            .map(|e| (e.line, e.column.as_deref()))
            .collect()
    }

    #[test]
    fn every_duration_format_reads() {
        let m = DurationUnit::Minutes;
        let h = DurationUnit::Hours;
        for (text, unit, want) in [
            ("2h 30m", m, 150),
            ("5h 20m", m, 320),
            ("5h20m", m, 320),
            ("14h", m, 840),
            ("45m", m, 45),
            ("45 min", m, 45),
            ("45 minutes", m, 45),
            ("1 hour 30 minutes", m, 90),
            ("2 hours, 5 mins", m, 125),
            ("1 hr and 15 min", m, 75),
            ("1.5h", m, 90),
            ("1d 2h", m, 1560),
            ("2 days", m, 2880),
            ("150", m, 150),
            (" 90 ", m, 90),
            ("1:30", m, 90),
            ("0:45", m, 45),
            ("26:05", m, 1565),
            ("2", h, 120),
            ("2.5", h, 150),
            ("0.25", h, 15),
            ("1:30", h, 90),
            ("3H 10M", m, 190),
        ] {
            assert_eq!(parse_duration(text, unit), Ok(want), "{text:?} in {unit:?}");
        }
        for bad in [
            "",
            "0",
            "0h",
            "0:00",
            "-30",
            "+30",
            "2.5",
            "1:3",
            "1:60",
            ":30",
            "2x",
            "h",
            "2h 30",
            "two hours",
            "1e3",
            "NaN",
            "inf",
        ] {
            assert!(parse_duration(bad, m).is_err(), "{bad:?} should not read");
        }
        let err = parse_duration("2 weeks", m).expect_err("weeks");
        assert!(
            err.contains("e.g. 2h 30m, 1:30, or a number of minutes"),
            "{err}"
        );
    }

    #[test]
    fn every_date_time_format_of_the_shipped_profiles_reads() {
        let want = NaiveDate::from_ymd_opt(2026, 3, 2)
            .and_then(|d| d.and_hms_opt(7, 15, 0))
            .expect("time");
        for id in ["generic", "migraine-buddy"] {
            let formats = &profile(id).start.formats;
            for text in [
                "2026-03-02 07:15",
                "2026-03-02T07:15",
                "2026-03-02 07:15:00",
                "2026-03-02T07:15:00",
                " 2026-03-02 7:15 ",
            ] {
                assert_eq!(parse_datetime_with(text, formats), Ok(want), "{id}: {text}");
            }
            for bad in [
                "2026-02-30 07:15",
                "02/03/2026 07:15",
                "2026-03-02",
                "",
                "07:15",
            ] {
                assert!(parse_datetime_with(bad, formats).is_err(), "{id}: {bad}");
            }
        }
        let us = vec!["%m/%d/%Y %I:%M %p".to_owned()];
        assert_eq!(parse_datetime_with("03/02/2026 07:15 AM", &us), Ok(want));
        let err = parse_datetime_with("yesterday", &us).expect_err("bad");
        assert!(
            err.contains("'yesterday'") && err.contains("%m/%d/%Y %I:%M %p"),
            "{err}"
        );
    }

    #[test]
    fn pain_maps_to_intensity_at_the_boundaries() {
        for (score, want) in [
            ("0", Intensity::None),
            ("1", Intensity::Mild),
            ("3", Intensity::Mild),
            ("4", Intensity::Moderate),
            ("6", Intensity::Moderate),
            ("7", Intensity::Severe),
            ("10", Intensity::Severe),
        ] {
            assert_eq!(parse_pain(score), Ok(want), "pain {score}");
        }
        for bad in ["11", "12", "-1", "6.5", "severe", ""] {
            assert!(parse_pain(bad).is_err(), "{bad:?}");
        }
        // Through a file: pain 3 is a mild day, 4 moderate, 7 severe; 0 and 11 are errors.
        let days = read(
            "generic",
            "start,duration,pain_0_10\n2026-03-01 10:00,60,3\n2026-03-02 10:00,60,4\n2026-03-03 10:00,60,7\n",
            None,
        )
        .expect("valid");
        let peaks: Vec<Intensity> = days.days.iter().map(DiaryDay::peak_intensity).collect();
        assert_eq!(
            peaks,
            vec![Intensity::Mild, Intensity::Moderate, Intensity::Severe]
        );
        let err = read(
            "generic",
            "start,duration,pain_0_10\n2026-03-01 10:00,60,0\n2026-03-02 10:00,60,11\n",
            None,
        )
        .expect_err("bad pain");
        assert_eq!(
            at(&err),
            vec![(2, Some("pain_0_10")), (3, Some("pain_0_10"))]
        );
        assert!(
            err.errors[0].reason.contains("pain level 0 is no headache"),
            "{err}"
        );
        assert!(
            err.errors[1].reason.contains("'11' is not a pain level"),
            "{err}"
        );
    }

    #[test]
    fn symptoms_map_to_features() {
        let days = read(
            "generic",
            "start,end,pain_0_10,symptoms\n\
             2026-03-01 08:00,2026-03-01 12:00,8,Nausea; light  sensitivity;SOUND sensitivity; throbbing; one side; worse with activity\n\
             2026-03-02 08:00,2026-03-02 09:00,5,vomiting;aura\n\
             2026-03-03 08:00,2026-03-03 09:00,5,\n",
            None,
        )
        .expect("valid");
        let f = days.days[0].features();
        assert!(
            f.nausea
                && f.photophobia
                && f.phonophobia
                && f.pulsating
                && f.unilateral
                && f.aggravated_by_activity
        );
        assert!(!f.vomiting && !f.aura);
        let g = days.days[1].features();
        assert!(g.vomiting && g.aura && !g.nausea);
        assert_eq!(*days.days[2].features(), Features::default());
        // The generic profile refuses a term it does not know, naming it and the known ones.
        let err = read(
            "generic",
            "start,end,pain_0_10,symptoms\n2026-03-01 08:00,2026-03-01 12:00,8,nausea;yawning\n",
            None,
        )
        .expect_err("unknown term");
        assert_eq!(at(&err), vec![(2, Some("symptoms"))]);
        assert!(
            err.errors[0].reason.contains("unknown symptom 'yawning'"),
            "{err}"
        );
        assert!(err.errors[0].reason.contains("light sensitivity"), "{err}");
        // Migraine Buddy lists unknown symptoms after the import, and skips unknown positions.
        let ok = read(
            "migraine-buddy",
            "Started,Lasted,Pain Level,Symptoms,Pain Position\n\
             2026-03-01 08:00,2h,6,\"Nausea, Yawning\",Forehead\n\
             2026-03-02 08:00,2h,6,Yawning;Neck pain,\"Left side, Forehead\"\n",
            None,
        )
        .expect("imported");
        assert_eq!(
            ok.unlisted_terms,
            vec![UnlistedTerm {
                column: "Symptoms".to_owned(),
                term: "Yawning".to_owned(),
                rows: 2,
                first_line: 2,
            }]
        );
        assert!(ok.days[0].features().nausea && !ok.days[0].features().unilateral);
        assert!(ok.days[1].features().unilateral);
        assert_eq!(
            ok.absent_columns,
            vec![
                "Helpful Medication",
                "Unhelpful Medication",
                "Triggers",
                "Notes"
            ]
        );
    }

    #[test]
    fn an_attack_over_midnight_makes_two_days() {
        let got = read(
            "migraine-buddy",
            "Started,Lasted,Pain Level\n2026-03-01 23:00,3h,7\n",
            None,
        )
        .expect("valid");
        assert_eq!((got.from, got.to), (d("2026-03-01"), d("2026-03-02")));
        assert_eq!(
            minutes(&got.days),
            vec![
                ("2026-03-01".to_owned(), 60),
                ("2026-03-02".to_owned(), 120)
            ]
        );
        assert!(
            got.days
                .iter()
                .all(|d| d.peak_intensity() == Intensity::Severe)
        );
        // An attack ending at midnight covers only its own day.
        let got = read(
            "generic",
            "start,end,pain_0_10\n2026-03-01 22:00,2026-03-02 00:00,5\n",
            None,
        )
        .expect("valid");
        assert_eq!(minutes(&got.days), vec![("2026-03-01".to_owned(), 120)]);
    }

    #[test]
    fn overlapping_attacks_count_the_union_of_their_minutes() {
        let got = read(
            "generic",
            "start,end,duration,pain_0_10,symptoms,medicines\n\
             2026-03-01 08:00,2026-03-01 12:00,,3,nausea,ibuprofen 400mg\n\
             2026-03-01 10:00,,4h,8,one side,sumatriptan 50 mg\n\
             2026-03-01 20:00,,1:00,2,,\n",
            None,
        )
        .expect("valid");
        let day = &got.days[0];
        assert_eq!(day.headache_minutes(), 6 * 60 + 60);
        assert_eq!(day.peak_intensity(), Intensity::Severe);
        assert!(day.features().nausea && day.features().unilateral);
        assert_eq!(day.medications().len(), 2);
        assert_eq!(got.attacks, 3);
    }

    #[test]
    fn the_covered_period_is_the_attack_days_unless_given() {
        let text = "start,end,pain_0_10\n2026-03-02 10:00,2026-03-02 11:00,5\n2026-03-05 10:00,2026-03-05 11:00,5\n";
        let got = read("generic", text, None).expect("valid");
        assert_eq!(
            minutes(&got.days),
            vec![
                ("2026-03-02".to_owned(), 60),
                ("2026-03-03".to_owned(), 0),
                ("2026-03-04".to_owned(), 0),
                ("2026-03-05".to_owned(), 60),
            ]
        );
        let got = read("generic", text, Some(("2026-03-01", "2026-03-06"))).expect("valid");
        assert_eq!(got.days.len(), 6);
        assert_eq!(got.days[0].headache_minutes(), 0);
        let err = read("generic", text, Some(("2026-03-03", "2026-03-06"))).expect_err("outside");
        assert_eq!(at(&err), vec![(2, Some("start"))]);
        assert!(
            err.errors[0].reason.contains("outside the covered period"),
            "{err}"
        );
        let err = read("generic", "start,end,pain_0_10\n", None).expect_err("empty");
        assert!(err.to_string().contains("holds no attacks"), "{err}");
        let empty = read(
            "generic",
            "start,end,pain_0_10\n",
            Some(("2026-03-01", "2026-03-02")),
        )
        .expect("a covered period without attacks is headache-free");
        assert_eq!(minutes(&empty.days).len(), 2);
        let err = read("generic", text, Some(("2026-03-01", "2099-01-01"))).expect_err("future");
        assert!(err.to_string().contains("ends after today"), "{err}");
    }

    #[test]
    fn headers_are_checked_against_the_profile() {
        let err = read("generic", "start,end,pain_0_10,mood\n", None).expect_err("extra");
        assert_eq!(at(&err), vec![(1, None)]);
        assert!(
            err.errors[0]
                .reason
                .contains("column(s) mood are not in profile 'generic'"),
            "{err}"
        );
        let err =
            read("migraine-buddy", "Started,Pain Level,Weather\n", None).expect_err("missing");
        assert!(
            err.errors[0]
                .reason
                .contains("missing column(s) Ended or Lasted"),
            "{err}"
        );
        let err = read("generic", "start,pain_0_10\n", None).expect_err("missing");
        assert!(
            err.errors[0]
                .reason
                .contains("missing column(s) end or duration"),
            "{err}"
        );
        // Header names match case- and space-insensitively; a byte-order mark is dropped.
        read(
            "migraine-buddy",
            "\u{feff}started , LASTED,pain level\n2026-03-01 10:00,1h,5\n",
            None,
        )
        .expect("header spelling");
    }

    #[test]
    fn end_and_duration_must_agree_when_both_given() {
        let err = read(
            "generic",
            "start,end,duration,pain_0_10\n2026-03-01 10:00,2026-03-01 11:00,2h,5\n2026-03-01 12:00,,,5\n",
            None,
        )
        .expect_err("disagree");
        assert_eq!(at(&err), vec![(2, Some("duration")), (3, Some("duration"))]);
        assert!(
            err.errors[0].reason.contains("disagrees with the end"),
            "{err}"
        );
        assert!(
            err.errors[1].reason.contains("needs end or duration"),
            "{err}"
        );
        read(
            "generic",
            "start,end,duration,pain_0_10\n2026-03-01 10:00,2026-03-01 11:00,60,5\n",
            None,
        )
        .expect("agree");
    }

    /// The sample the Migraine Buddy profile expects.
    const SAMPLE: &str = include_str!("../../../profiles/samples/migraine-buddy.csv");

    #[test]
    fn the_migraine_buddy_sample_imports() {
        let got = read("migraine-buddy", SAMPLE, None).expect("sample imports");
        assert_eq!(got.attacks, 5);
        assert_eq!((got.from, got.to), (d("2026-03-02"), d("2026-03-12")));
        assert_eq!(got.days.len(), 11);
        let day = |date: &str| {
            got.days
                .iter()
                .find(|x| x.date() == d(date))
                .expect("day in period")
        };
        let first = day("2026-03-02");
        assert_eq!(first.headache_minutes(), 320);
        assert_eq!(first.peak_intensity(), Intensity::Severe);
        let f = first.features();
        assert!(f.unilateral && f.nausea && f.photophobia && f.pulsating && !f.vomiting);
        assert_eq!(first.medications()[0].name, "Sumatriptan");
        assert_eq!(first.medications()[0].dose.as_deref(), Some("50mg"));
        assert_eq!(
            first.notes(),
            "Triggers: Poor sleep; Notes: Woke up with it"
        );
        // 22:30 + 3h 10m: 90 minutes on the 4th, 100 on the 5th; medicines on the start day.
        assert_eq!(day("2026-03-04").headache_minutes(), 90);
        assert_eq!(day("2026-03-05").headache_minutes(), 100);
        assert_eq!(
            day("2026-03-04").medications().len(),
            2,
            "unhelpful medicines were taken too"
        );
        assert!(day("2026-03-05").medications().is_empty());
        assert!(day("2026-03-05").features().phonophobia);
        assert_eq!(
            day("2026-03-03").headache_minutes(),
            0,
            "covered, no attack"
        );
        assert_eq!(day("2026-03-07").peak_intensity(), Intensity::Mild);
        assert!(
            day("2026-03-09").features().aura
                && day("2026-03-09").features().aggravated_by_activity
        );
        assert_eq!(day("2026-03-12").headache_minutes(), 45);
        assert!(
            !day("2026-03-12").features().unilateral,
            "'Both sides' is not unilateral"
        );
        assert!(got.unlisted_terms.is_empty(), "{:?}", got.unlisted_terms);
    }

    #[test]
    fn every_bad_row_of_a_migraine_buddy_export_is_reported() {
        let mut text = SAMPLE.to_owned();
        text.push_str(
            "2026-03-14 08:00,,2h,Migraine,6,Left side,Nausea,,Sumatriptn 50mg,,Home,\n\
             2026-03-31 09:00,,1h,Migraine,5,,,,,,Home,\n\
             2026-03-16 10:00,,2h,Migraine,12,,,,,,Home,\n\
             2026-03-17 10:00,,0:00,Migraine,5,,,,,,Home,\n\
             2026-03-18 10:00,,3 fortnights,Migraine,5,,,,Paracetamol,Ibuprofn,Home,\n\
             2026-03-19 10:00,2026-03-19 09:00,,Migraine,5,,,,,,Home,\n\
             2026-03-20 10:00,2026-03-20 11:00,2h,Migraine,5,,,,,,Home,\n",
        );
        text = text.replace("2026-03-31 09:00", "31/03/2026 09:00");
        let err = read("migraine-buddy", &text, None).expect_err("bad rows");
        assert_eq!(
            at(&err),
            vec![
                (7, Some("Helpful Medication")),
                (8, Some("Started")),
                (9, Some("Pain Level")),
                (10, Some("Lasted")),
                (11, Some("Lasted")),
                (11, Some("Unhelpful Medication")),
                (12, Some("Ended")),
                (13, Some("Lasted")),
            ],
            "{err}"
        );
        assert!(
            err.errors[0]
                .reason
                .contains("unknown medicine 'Sumatriptn'"),
            "{err}"
        );
        assert!(
            err.errors[0].reason.contains("did you mean sumatriptan"),
            "{err}"
        );
        assert!(
            err.errors[1]
                .reason
                .contains("'31/03/2026 09:00' is not a date and time"),
            "{err}"
        );
        assert!(
            err.errors[2].reason.contains("'12' is not a pain level"),
            "{err}"
        );
        assert!(
            err.errors[3].reason.contains("more than 0 minutes"),
            "{err}"
        );
        assert!(
            err.errors[4]
                .reason
                .contains("'3 fortnights' is not a duration"),
            "{err}"
        );
        assert!(
            err.errors[5].reason.contains("did you mean ibuprofen"),
            "{err}"
        );
        assert!(err.errors[6].reason.contains("is not after start"), "{err}");
        assert!(
            err.errors[7].reason.contains("disagrees with the end"),
            "{err}"
        );
    }

    #[test]
    fn end_before_start_names_the_end_column() {
        let err = read(
            "generic",
            "start,end,pain_0_10\n2026-03-01 10:00,2026-03-01 09:00,5\n2026-03-02 10:00,2099-03-02 09:00,5\n",
            None,
        )
        .expect_err("backwards");
        assert_eq!(at(&err), vec![(2, Some("end")), (3, Some("start"))]);
        assert!(err.errors[0].reason.contains("is not after start"), "{err}");
        assert!(
            err.errors[1].reason.contains("runs into the future"),
            "{err}"
        );
    }

    #[test]
    fn a_clinic_profile_reads_its_own_layout() {
        let p = parse_profile(
            "id = \"clinic-sheet\"\nname = \"Clinic sheet\"\ndelimiter = \";\"\nextra_columns = \"ignore\"\n\
             [start]\ncolumn = \"Begin\"\nformats = [\"%d.%m.%Y %H:%M\"]\n\
             [duration]\ncolumn = \"Hours\"\nunit = \"hours\"\n\
             [pain]\ncolumn = \"VAS\"\n\
             [[symptoms]]\ncolumn = \"Signs\"\nseparators = [\"/\"]\nunknown = \"ignore\"\n[symptoms.terms]\nUebelkeit = \"nausea\"\n\
             [medicines]\ncolumns = [\"Meds\"]\nseparators = [\"+\"]\n",
            "clinic-sheet.toml",
        )
        .expect("profile");
        let got = read_attacks(
            "Begin;Hours;VAS;Signs;Meds;Weather\n01.03.2026 22:30;2.5;9;Uebelkeit/Schwindel;Sumatriptan 50 mg + Paracetamol;sunny\n"
                .as_bytes(),
            &p,
            &DrugDictionary::builtin(),
            None,
            d(TODAY),
        )
        .expect("valid");
        assert_eq!(
            minutes(&got.days),
            vec![("2026-03-01".to_owned(), 90), ("2026-03-02".to_owned(), 60)]
        );
        assert!(got.days[0].features().nausea);
        assert_eq!(got.days[0].medications().len(), 2);
    }

    #[test]
    fn durations_beyond_the_calendar_are_errors_not_panics() {
        // Found by the fuzzer (`cephalog-fuzz`, attack_log): the first overflowed a
        // multiplication, the second panicked in chrono.
        let m = DurationUnit::Minutes;
        assert!(parse_duration("9223372036854775807:00", m).is_err());
        for duration in ["9223372036854775807:00", "153722867280913"] {
            let err = read(
                "generic",
                &format!("start,duration,pain_0_10\n2026-03-02 07:15,{duration},5\n"),
                None,
            )
            .expect_err("too long");
            assert_eq!(at(&err), vec![(2, Some("duration"))], "{duration}: {err}");
        }
    }

    #[test]
    fn a_file_without_attacks_names_its_header() {
        let err = read("generic", "start,duration,pain_0_10\n", None).expect_err("empty");
        assert_eq!(err.errors[0].line, 1, "{err}");
    }
}
