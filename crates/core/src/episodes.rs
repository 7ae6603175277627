//! Attack (episode) logs, split into calendar days.
//!
//! An attack that crosses midnight contributes to each calendar day it covers, with that day's
//! part of its duration (a Cephalog diary convention; no primary source). Overlapping attacks are
//! merged: a day's minutes are the length of the union of its attack intervals, its features the
//! OR of theirs and its peak the maximum. An episode log states the period it covers: a day in it
//! with no attack is headache-free; a day outside it stays unrecorded.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime, Timelike};

use crate::diary::{
    DiaryDay, DiaryDraft, DiaryError, Features, Intensity, MedicationIntake, Minutes,
};

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EpisodeError {
    #[error("end {end} is not after start {start}")]
    NotAfterStart {
        start: NaiveDateTime,
        end: NaiveDateTime,
    },
    #[error("an attack needs a peak intensity other than none")]
    NoIntensity,
    #[error("the covered period runs backwards: {from}..{to}")]
    CoversBackwards { from: NaiveDate, to: NaiveDate },
    #[error("attack {start}–{end} falls outside the covered period {from}..{to}")]
    OutsideCovered {
        start: NaiveDateTime,
        end: NaiveDateTime,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{date}: {source}")]
    Day { date: NaiveDate, source: DiaryError },
}

/// One attack, timed in local wall-clock minutes (seconds are dropped).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Episode {
    start: NaiveDateTime,
    end: NaiveDateTime,
    pub peak: Intensity,
    pub features: Features,
    /// Medicines for this attack; they are recorded on the day the attack started.
    pub medications: Vec<MedicationIntake>,
    /// Occipital paroxysms counted during the attack, recorded on the day it started.
    pub paroxysms: u32,
    pub notes: String,
}

fn to_minute(t: NaiveDateTime) -> NaiveDateTime {
    t.with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .unwrap_or(t)
}

impl Episode {
    pub fn new(
        start: NaiveDateTime,
        end: NaiveDateTime,
        peak: Intensity,
    ) -> Result<Self, EpisodeError> {
        let (start, end) = (to_minute(start), to_minute(end));
        if end <= start {
            return Err(EpisodeError::NotAfterStart { start, end });
        }
        if peak == Intensity::None {
            return Err(EpisodeError::NoIntensity);
        }
        Ok(Episode {
            start,
            end,
            peak,
            features: Features::default(),
            medications: Vec::new(),
            paroxysms: 0,
            notes: String::new(),
        })
    }

    pub fn start(&self) -> NaiveDateTime {
        self.start
    }
    pub fn end(&self) -> NaiveDateTime {
        self.end
    }
    pub fn minutes(&self) -> i64 {
        (self.end - self.start).num_minutes()
    }
}

/// Attacks over a stated period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EpisodeLog {
    from: NaiveDate,
    to: NaiveDate,
    episodes: Vec<Episode>,
}

fn midnight(d: NaiveDate) -> NaiveDateTime {
    d.and_time(NaiveTime::MIN)
}

impl EpisodeLog {
    /// Checks every attack lies inside `from..=to`.
    pub fn new(
        from: NaiveDate,
        to: NaiveDate,
        episodes: Vec<Episode>,
    ) -> Result<Self, EpisodeError> {
        if to < from {
            return Err(EpisodeError::CoversBackwards { from, to });
        }
        let (lo, hi) = (midnight(from), midnight(to) + Duration::days(1));
        if let Some(e) = episodes.iter().find(|e| e.start < lo || e.end > hi) {
            return Err(EpisodeError::OutsideCovered {
                start: e.start,
                end: e.end,
                from,
                to,
            });
        }
        Ok(EpisodeLog { from, to, episodes })
    }

    /// One diary day for every date in the covered period.
    pub fn into_days(self, today: NaiveDate) -> Result<Vec<DiaryDay>, EpisodeError> {
        let mut days = Vec::new();
        let mut date = self.from;
        while date <= self.to {
            let (lo, hi) = (midnight(date), midnight(date) + Duration::days(1));
            let mut intervals: Vec<(NaiveDateTime, NaiveDateTime)> = Vec::new();
            let mut draft = DiaryDraft::default();
            let mut notes = Vec::new();
            for e in self.episodes.iter().filter(|e| e.start < hi && e.end > lo) {
                intervals.push((e.start.max(lo), e.end.min(hi)));
                draft.peak_intensity = draft.peak_intensity.max(e.peak);
                draft.features = draft.features.or(e.features);
                if e.start.date() == date {
                    draft.medications.extend(e.medications.iter().cloned());
                    draft.paroxysms += e.paroxysms;
                    if !e.notes.is_empty() {
                        notes.push(e.notes.as_str());
                    }
                }
            }
            draft.headache_minutes = Minutes::new(union_minutes(intervals))
                .map_err(|source| EpisodeError::Day { date, source })?;
            draft.notes = notes.join("; ");
            days.push(
                DiaryDay::record(date, draft, today)
                    .map_err(|source| EpisodeError::Day { date, source })?,
            );
            date = date.succ_opt().unwrap_or(date);
            if date == NaiveDate::MAX {
                break;
            }
        }
        Ok(days)
    }
}

/// Length in minutes of the union of intervals.
fn union_minutes(mut intervals: Vec<(NaiveDateTime, NaiveDateTime)>) -> i64 {
    intervals.sort();
    let mut total = 0;
    let mut current: Option<(NaiveDateTime, NaiveDateTime)> = None;
    for (s, e) in intervals {
        current = match current {
            Some((cs, ce)) if s <= ce => Some((cs, ce.max(e))),
            Some((cs, ce)) => {
                total += (ce - cs).num_minutes();
                Some((s, e))
            }
            None => Some((s, e)),
        };
    }
    if let Some((cs, ce)) = current {
        total += (ce - cs).num_minutes();
    }
    total
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("test time")
    }
    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }
    const TODAY: &str = "2026-12-31";

    #[test]
    fn an_attack_across_midnight_splits_into_both_days() {
        let e = Episode::new(
            t("2026-03-01 22:00"),
            t("2026-03-02 03:30"),
            Intensity::Severe,
        )
        .expect("valid");
        let days = EpisodeLog::new(d("2026-03-01"), d("2026-03-03"), vec![e])
            .expect("covered")
            .into_days(d(TODAY))
            .expect("days");
        let minutes: Vec<u16> = days.iter().map(DiaryDay::headache_minutes).collect();
        assert_eq!(minutes, vec![120, 210, 0]);
        assert_eq!(days[1].peak_intensity(), Intensity::Severe);
        assert_eq!(
            days[2].peak_intensity(),
            Intensity::None,
            "a covered day without attacks is headache-free"
        );
    }

    #[test]
    fn an_attack_over_several_days_fills_the_middle_ones() {
        let e = Episode::new(
            t("2026-03-01 12:00"),
            t("2026-03-04 06:00"),
            Intensity::Moderate,
        )
        .expect("valid");
        let days = EpisodeLog::new(d("2026-03-01"), d("2026-03-04"), vec![e])
            .expect("covered")
            .into_days(d(TODAY))
            .expect("days");
        let minutes: Vec<u16> = days.iter().map(DiaryDay::headache_minutes).collect();
        assert_eq!(minutes, vec![720, 1440, 1440, 360]);
    }

    #[test]
    fn overlapping_attacks_merge_features_and_peak() {
        let mut a = Episode::new(
            t("2026-03-01 08:00"),
            t("2026-03-01 12:00"),
            Intensity::Mild,
        )
        .expect("a");
        a.features.nausea = true;
        a.medications =
            MedicationIntake::parse_list("ibuprofen", &crate::DrugDictionary::builtin())
                .expect("m");
        let mut b = Episode::new(
            t("2026-03-01 10:00"),
            t("2026-03-01 14:00"),
            Intensity::Severe,
        )
        .expect("b");
        b.features.unilateral = true;
        let days = EpisodeLog::new(d("2026-03-01"), d("2026-03-01"), vec![a, b])
            .expect("covered")
            .into_days(d(TODAY))
            .expect("days");
        assert_eq!(days[0].headache_minutes(), 360);
        assert_eq!(days[0].peak_intensity(), Intensity::Severe);
        assert!(days[0].features().nausea && days[0].features().unilateral);
        assert_eq!(days[0].medications().len(), 1);
    }

    #[test]
    fn attacks_outside_the_period_or_backwards_are_errors() {
        let e = Episode::new(
            t("2026-03-01 22:00"),
            t("2026-03-02 01:00"),
            Intensity::Mild,
        )
        .expect("valid");
        assert!(matches!(
            EpisodeLog::new(d("2026-03-01"), d("2026-03-01"), vec![e]),
            Err(EpisodeError::OutsideCovered { .. })
        ));
        assert!(
            Episode::new(
                t("2026-03-01 22:00"),
                t("2026-03-01 22:00"),
                Intensity::Mild
            )
            .is_err()
        );
        assert_eq!(
            Episode::new(
                t("2026-03-01 22:00"),
                t("2026-03-01 23:00"),
                Intensity::None
            ),
            Err(EpisodeError::NoIntensity)
        );
        assert!(EpisodeLog::new(d("2026-03-02"), d("2026-03-01"), vec![]).is_err());
    }

    #[test]
    fn future_days_in_the_period_are_refused() {
        let log = EpisodeLog::new(d("2026-03-01"), d("2026-03-02"), vec![]).expect("empty log");
        assert!(matches!(
            log.into_days(d("2026-03-01")),
            Err(EpisodeError::Day { .. })
        ));
    }

    proptest! {
        /// Splitting never creates or loses minutes: the day totals equal the union of the attacks.
        #[test]
        fn splitting_conserves_minutes(spans in prop::collection::vec((0i64..(10 * 1440), 1i64..3000), 0..12)) {
            let base = t("2026-01-01 00:00");
            let episodes: Vec<Episode> = spans
                .iter()
                .map(|(s, len)| {
                    let start = base + Duration::minutes(*s);
                    Episode::new(start, start + Duration::minutes(*len), Intensity::Mild).expect("valid")
                })
                .collect();
            let intervals: Vec<_> = episodes.iter().map(|e| (e.start(), e.end())).collect();
            let expected = union_minutes(intervals);
            let log = EpisodeLog::new(d("2026-01-01"), d("2026-01-14"), episodes).expect("inside");
            let days = log.into_days(d(TODAY)).expect("days");
            prop_assert_eq!(days.len(), 14);
            let total: i64 = days.iter().map(|d| i64::from(d.headache_minutes())).sum();
            prop_assert_eq!(total, expected);
            let disjoint_total: i64 = spans.iter().map(|(_, l)| *l).sum();
            prop_assert!(total <= disjoint_total);
        }
    }
}
