//! The episode (attack) CSV: `start,end` (or `start,duration_minutes`) plus the daily CSV's feature,
//! medicine, paroxysm and notes columns. Rows are split into calendar days over a stated covered
//! period (see [`cephalog_core::EpisodeLog`]).

use std::io::Read;

use chrono::{Duration, NaiveDate, NaiveTime};

use cephalog_core::{DiaryDay, DrugDictionary, Episode, EpisodeError, EpisodeLog};

use crate::error::FileErrors;
use crate::fields::{Header, parse_common, parse_datetime};

pub const EPISODE_COLUMNS: [&str; 15] = [
    "start",
    "end",
    "duration_minutes",
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

const REQUIRED: [&str; 2] = ["start", "peak_intensity"];

/// Reads attacks over `from..=to` and returns one diary day per date in that period.
pub fn read_episodes(
    input: impl Read,
    dictionary: &DrugDictionary,
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<Vec<DiaryDay>, FileErrors> {
    let mut errors = FileErrors::new();
    if to < from {
        errors.at(
            0,
            None,
            format!("the covered period runs backwards: {from}..{to}"),
        );
        return Err(errors);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .from_reader(input);
    let header = match reader.headers() {
        Ok(h) => Header::check(h, &EPISODE_COLUMNS, &REQUIRED, &mut errors),
        Err(e) => {
            errors.at(1, None, format!("cannot read the header: {e}"));
            None
        }
    };
    let Some(header) = header else {
        return Err(errors);
    };
    let (lo, hi) = (
        from.and_time(NaiveTime::MIN),
        to.and_time(NaiveTime::MIN) + Duration::days(1),
    );
    let mut episodes = Vec::new();
    for result in reader.records() {
        let record = match result {
            Ok(r) => r,
            Err(e) => {
                errors.at(
                    e.position().map_or(0, |p| p.line()),
                    None,
                    format!("not a valid CSV row: {e}"),
                );
                continue;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        let start = parse_datetime(header.get(&record, "start"))
            .map_err(|e| errors.at(line, Some("start"), e))
            .ok();
        let end_text = header.get(&record, "end").trim();
        let duration_text = header.get(&record, "duration_minutes").trim();
        let end = match (end_text.is_empty(), duration_text.is_empty()) {
            (false, true) => parse_datetime(end_text)
                .map_err(|e| errors.at(line, Some("end"), e))
                .ok(),
            (true, false) => match (duration_text.parse::<i64>(), start) {
                (Ok(m), Some(s)) if m > 0 => {
                    let end = Duration::try_minutes(m).and_then(|d| s.checked_add_signed(d));
                    if end.is_none() {
                        errors.at(
                            line,
                            Some("duration_minutes"),
                            format!("'{duration_text}' minutes is longer than any attack"),
                        );
                    }
                    end
                }
                (Ok(_), None) => None,
                _ => {
                    errors.at(
                        line,
                        Some("duration_minutes"),
                        format!("'{duration_text}' is not a positive whole number"),
                    );
                    None
                }
            },
            (false, false) => {
                errors.at(
                    line,
                    Some("end"),
                    "give either end or duration_minutes, not both",
                );
                None
            }
            (true, true) => {
                errors.at(
                    line,
                    Some("end"),
                    "an attack needs an end or a duration_minutes",
                );
                None
            }
        };
        let common = parse_common(&header, &record, line, dictionary, &mut errors);
        let (Some(start), Some(end), Some(common)) = (start, end, common) else {
            continue;
        };
        let mut episode = match Episode::new(start, end, common.peak) {
            Ok(e) => e,
            Err(e) => {
                let column = if matches!(e, EpisodeError::NoIntensity) {
                    "peak_intensity"
                } else {
                    "end"
                };
                errors.at(line, Some(column), e);
                continue;
            }
        };
        if episode.start() < lo || episode.end() > hi {
            errors.at(
                line,
                Some("start"),
                format!("attack {start}–{end} falls outside the covered period {from}..{to}"),
            );
            continue;
        }
        episode.features = common.features;
        episode.medications = common.medications;
        episode.paroxysms = common.paroxysms;
        episode.notes = common.notes;
        episodes.push((line, episode));
    }
    if !errors.errors.is_empty() {
        return Err(errors);
    }
    let log = EpisodeLog::new(from, to, episodes.iter().map(|(_, e)| e.clone()).collect())
        .map_err(|e| FileErrors::of_episodes(&e, &episodes))?;
    log.into_days(today)
        .map_err(|e| FileErrors::of_episodes(&e, &episodes))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    fn read(s: &str, from: &str, to: &str) -> Result<Vec<DiaryDay>, FileErrors> {
        read_episodes(
            s.as_bytes(),
            &DrugDictionary::builtin(),
            d(from),
            d(to),
            d("2026-11-01"),
        )
    }

    #[test]
    fn attacks_become_days_over_the_covered_period() {
        let days = read(
            "start,end,peak_intensity,nausea,acute_medications\n\
             2026-03-01 22:00,2026-03-02 02:00,8,1,rizatriptan 10mg\n\
             2026-03-03T09:00,,5,,\n",
            "2026-03-01",
            "2026-03-04",
        );
        assert!(
            days.is_err(),
            "an attack without end or duration is an error"
        );
        let days = read(
            "start,end,duration_minutes,peak_intensity,nausea,acute_medications\n\
             2026-03-01 22:00,2026-03-02 02:00,,8,1,rizatriptan 10mg\n\
             2026-03-03T09:00,,90,5,,\n",
            "2026-03-01",
            "2026-03-04",
        )
        .expect("valid");
        let minutes: Vec<u16> = days.iter().map(DiaryDay::headache_minutes).collect();
        assert_eq!(minutes, vec![120, 120, 90, 0]);
        assert_eq!(
            days[0].medications().len(),
            1,
            "medicines go on the day the attack started"
        );
        assert!(days[1].medications().is_empty());
        assert!(days[1].features().nausea);
    }

    #[test]
    fn attacks_outside_the_period_name_their_line() {
        let err = read(
            "start,end,peak_intensity\n2026-03-01 10:00,2026-03-01 11:00,mild\n2026-03-09 10:00,2026-03-09 11:00,mild\n",
            "2026-03-01",
            "2026-03-04",
        )
        .expect_err("outside");
        assert_eq!(err.errors[0].line, 3);
        assert!(err.errors[0].reason.contains("outside the covered period"));
    }

    #[test]
    fn end_before_start_is_an_error() {
        let err = read(
            "start,end,peak_intensity\n2026-03-01 10:00,2026-03-01 09:00,mild\n",
            "2026-03-01",
            "2026-03-04",
        )
        .expect_err("backwards");
        assert_eq!(err.errors[0].column.as_deref(), Some("end"));
    }

    #[test]
    fn a_duration_too_long_for_the_calendar_is_an_error_on_its_line() {
        // Found by the fuzzer (`cephalog-fuzz`, episode_csv): this panicked in chrono.
        let err = read(
            "start,duration_minutes,peak_intensity
2026-03-01 10:00,153722867280913,mild
",
            "2026-03-01",
            "2026-03-04",
        )
        .expect_err("too long");
        assert_eq!(err.errors[0].line, 2);
        assert_eq!(err.errors[0].column.as_deref(), Some("duration_minutes"));
        assert!(
            err.errors[0].reason.contains("longer than any attack"),
            "{err}"
        );
    }

    #[test]
    fn a_day_the_attacks_make_invalid_names_the_first_attack_line() {
        // Found by the fuzzer: two attacks' notes together over the limit were reported on
        // "line 0".
        let note = "n".repeat(1500);
        let err = read(
            &format!(
                "start,end,peak_intensity,notes
2026-03-02 08:00,2026-03-02 09:00,mild,{note}
2026-03-02 18:00,2026-03-02 19:00,mild,{note}
"
            ),
            "2026-03-01",
            "2026-03-04",
        )
        .expect_err("notes too long together");
        assert_eq!(err.errors.len(), 1);
        assert_eq!(err.errors[0].line, 2);
        assert!(
            err.errors[0]
                .reason
                .starts_with("the attacks on 2026-03-02 together: "),
            "{err}"
        );
    }
}
