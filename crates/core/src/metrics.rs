//! Diary metrics per period: headache, migraine and moderate/severe days, headache hours,
//! acute-medication days by class, paroxysm days, completeness, and per-28-day normalisation.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, Duration, NaiveDate};
use serde::Serialize;

use crate::diary::Diary;
use crate::drugs::DrugClass;
use crate::limits::{EARLIEST_DATE_OF_BIRTH, LimitError};
use crate::preset::DayPreset;
use crate::reference::{
    COMPLETENESS_FLOOR_PERCENT, INSUFFICIENT_DIARY_DATA, NORMALISATION_DAYS, UNVERIFIED_MARK,
};

/// An inclusive range of calendar dates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DateRange {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

impl DateRange {
    /// `None` when `end` precedes `start`.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Option<Self> {
        (start <= end).then_some(DateRange { start, end })
    }

    pub fn days(self) -> u32 {
        u32::try_from((self.end - self.start).num_days() + 1).unwrap_or(0)
    }

    /// The calendar month containing `date`.
    pub fn month_of(date: NaiveDate) -> Self {
        let start = date.with_day(1).unwrap_or(date);
        DateRange {
            start,
            end: last_day_of_month(start),
        }
    }
}

/// A period asked about (metrics over a diary, a report): from `from` to `to`, both included, no
/// earlier than [`EARLIEST_DATE_OF_BIRTH`] (no record holds an earlier day) and no later than
/// `today` (no diary day lies in the future), and not ending before it starts.
pub fn check_period(
    from: NaiveDate,
    to: NaiveDate,
    today: NaiveDate,
) -> Result<DateRange, LimitError> {
    if from < EARLIEST_DATE_OF_BIRTH {
        return Err(LimitError::new(
            "from",
            format!("{from} is before {EARLIEST_DATE_OF_BIRTH}, the earliest day a record holds"),
        ));
    }
    if to > today {
        return Err(LimitError::new(
            "to",
            format!("{to} is in the future (today is {today})"),
        ));
    }
    DateRange::new(from, to)
        .ok_or_else(|| LimitError::new("to", format!("{to} is before from ({from})")))
}

fn last_day_of_month(d: NaiveDate) -> NaiveDate {
    let (y, m) = if d.month() == 12 {
        (d.year() + 1, 1)
    } else {
        (d.year(), d.month() + 1)
    };
    NaiveDate::from_ymd_opt(y, m, 1)
        .and_then(|n| n.pred_opt())
        .unwrap_or(d)
}

/// How a range is split into periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodKind {
    /// Consecutive 28-day periods aligned to the start date; the last may be shorter.
    #[default]
    #[serde(rename = "28d")]
    Days28,
    /// Calendar months, clipped to the range at either end.
    #[serde(rename = "month")]
    Month,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not a period kind (28d, month)")]
pub struct UnknownPeriodKind(pub String);

impl PeriodKind {
    pub fn name(self) -> &'static str {
        match self {
            PeriodKind::Days28 => "28d",
            PeriodKind::Month => "month",
        }
    }
}

impl fmt::Display for PeriodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for PeriodKind {
    type Err = UnknownPeriodKind;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "28d" => Ok(PeriodKind::Days28),
            "month" => Ok(PeriodKind::Month),
            _ => Err(UnknownPeriodKind(s.to_owned())),
        }
    }
}

/// Splits a range into periods of the given kind.
pub fn split_periods(range: DateRange, kind: PeriodKind) -> Vec<DateRange> {
    let mut out = Vec::new();
    let mut start = range.start;
    while start <= range.end {
        let natural_end = match kind {
            PeriodKind::Days28 => start + Duration::days(i64::from(NORMALISATION_DAYS) - 1),
            PeriodKind::Month => last_day_of_month(start),
        };
        let end = natural_end.min(range.end);
        out.push(DateRange { start, end });
        match end.succ_opt() {
            Some(next) => start = next,
            None => break,
        }
    }
    out
}

/// Counts of days per acute-medication class, with `any` for days with any acute medicine.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClassCounts {
    #[serde(flatten)]
    pub by_class: BTreeMap<DrugClass, u32>,
    pub any: u32,
}

impl ClassCounts {
    fn zeroed() -> Self {
        ClassCounts {
            by_class: DrugClass::ALL.into_iter().map(|c| (c, 0)).collect(),
            any: 0,
        }
    }
    pub fn get(&self, class: DrugClass) -> u32 {
        self.by_class.get(&class).copied().unwrap_or(0)
    }
}

/// Whether `recorded` of `days` meets the completeness floor, computed exactly in integers.
pub fn meets_completeness_floor(recorded: u32, days: u32) -> bool {
    days > 0 && u64::from(recorded) * 100 >= u64::from(days) * u64::from(COMPLETENESS_FLOOR_PERCENT)
}

/// One period's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PeriodMetrics {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub days: u32,
    pub recorded_days: u32,
    pub completeness: f64,
    pub headache_days: u32,
    pub migraine_days: u32,
    pub moderate_severe_days: u32,
    pub headache_hours: f64,
    /// Days on which a medicine of each class was taken (one day counts once per class).
    pub acute_medication_days: ClassCounts,
    /// Intakes per class (each medicine entry counts).
    pub acute_medication_intakes: ClassCounts,
    pub paroxysm_days: u32,
    pub headache_days_per_28: Option<f64>,
    pub migraine_days_per_28: Option<f64>,
    /// Why the normalised figures are null, when they are.
    pub insufficient: Option<&'static str>,
}

impl PeriodMetrics {
    /// Figures for one period. `has_migraine_diagnosis` decides whether probable-migraine days
    /// count (ICHD-3 1.5) [V].
    pub fn compute(
        diary: &Diary,
        range: DateRange,
        preset: DayPreset,
        has_migraine_diagnosis: bool,
    ) -> Self {
        let mut m = PeriodMetrics {
            start: range.start,
            end: range.end,
            days: range.days(),
            recorded_days: 0,
            completeness: 0.0,
            headache_days: 0,
            migraine_days: 0,
            moderate_severe_days: 0,
            headache_hours: 0.0,
            acute_medication_days: ClassCounts::zeroed(),
            acute_medication_intakes: ClassCounts::zeroed(),
            paroxysm_days: 0,
            headache_days_per_28: None,
            migraine_days_per_28: None,
            insufficient: None,
        };
        let mut headache_minutes: u64 = 0;
        for day in diary.range(range.start, range.end) {
            m.recorded_days += 1;
            if preset.is_headache_day(day) {
                m.headache_days += 1;
                headache_minutes += u64::from(day.headache_minutes());
                if preset.migraine_basis(day, has_migraine_diagnosis).is_some() {
                    m.migraine_days += 1;
                }
                if day.peak_intensity().is_moderate_or_severe() {
                    m.moderate_severe_days += 1;
                }
            }
            if day.paroxysms() > 0 {
                m.paroxysm_days += 1;
            }
            if day.took_acute_medication() {
                m.acute_medication_days.any += 1;
                m.acute_medication_intakes.any +=
                    u32::try_from(day.medications().len()).unwrap_or(u32::MAX);
                for class in DrugClass::ALL {
                    let n = day
                        .medications()
                        .iter()
                        .filter(|x| x.class == class)
                        .count();
                    if n > 0 {
                        *m.acute_medication_days.by_class.entry(class).or_default() += 1;
                        *m.acute_medication_intakes
                            .by_class
                            .entry(class)
                            .or_default() += u32::try_from(n).unwrap_or(u32::MAX);
                    }
                }
            }
        }
        m.headache_hours = headache_minutes as f64 / 60.0;
        m.completeness = if m.days == 0 {
            0.0
        } else {
            f64::from(m.recorded_days) / f64::from(m.days)
        };
        if meets_completeness_floor(m.recorded_days, m.days) {
            m.headache_days_per_28 = Some(per_28(m.headache_days, m.recorded_days));
            m.migraine_days_per_28 = Some(per_28(m.migraine_days, m.recorded_days));
        } else {
            m.insufficient = Some(INSUFFICIENT_DIARY_DATA);
        }
        m
    }

    /// A count prorated to `target_days` over the recorded days, when completeness allows it.
    pub fn prorate(&self, count: u32, target_days: u32) -> Option<f64> {
        meets_completeness_floor(self.recorded_days, self.days)
            .then(|| f64::from(count) * f64::from(target_days) / f64::from(self.recorded_days))
    }
}

fn per_28(count: u32, recorded: u32) -> f64 {
    f64::from(count) * f64::from(NORMALISATION_DAYS) / f64::from(recorded)
}

/// Metrics over a range, split into periods, under a named preset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MetricsReport {
    pub preset: DayPreset,
    pub preset_definition: String,
    pub period_kind: PeriodKind,
    pub completeness_floor: String,
    pub periods: Vec<PeriodMetrics>,
}

/// Computes metrics for `range` split by `kind` under `preset`.
pub fn compute_metrics(
    diary: &Diary,
    has_migraine_diagnosis: bool,
    range: DateRange,
    kind: PeriodKind,
    preset: DayPreset,
) -> MetricsReport {
    MetricsReport {
        preset,
        preset_definition: preset.definition(),
        period_kind: kind,
        completeness_floor: format!(
            "per-28-day figures need at least {COMPLETENESS_FLOOR_PERCENT} % of days recorded {UNVERIFIED_MARK}"
        ),
        periods: split_periods(range, kind)
            .into_iter()
            .map(|r| PeriodMetrics::compute(diary, r, preset, has_migraine_diagnosis))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diary::{DiaryDay, DiaryDraft, Features, Intensity, MedicationIntake, Minutes};
    use crate::drugs::DrugDictionary;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn a_period_runs_from_1900_to_today_and_not_backwards() {
        let today = d("2026-11-01");
        let ok = check_period(d("1900-01-01"), today, today).expect("whole span");
        assert_eq!((ok.start, ok.end), (d("1900-01-01"), today));
        let field = |from: &str, to: &str| {
            check_period(d(from), d(to), today)
                .expect_err("refused")
                .field
        };
        assert_eq!(field("1899-12-31", "2026-11-01"), "from");
        assert_eq!(field("2026-10-01", "2026-11-02"), "to");
        assert!(check_period(d("2026-11-01"), d("2026-11-01"), today).is_ok());
        assert_eq!(field("2026-11-01", "2026-10-31"), "to");
    }

    fn headache(date: NaiveDate, minutes: i64, meds: &str) -> DiaryDay {
        let draft = DiaryDraft {
            headache_minutes: Minutes::new(minutes).expect("m"),
            peak_intensity: Intensity::Moderate,
            features: Features {
                unilateral: true,
                pulsating: true,
                nausea: true,
                ..Default::default()
            },
            medications: MedicationIntake::parse_list(meds, &DrugDictionary::builtin())
                .expect("meds"),
            ..Default::default()
        };
        DiaryDay::restore(date, draft).expect("valid")
    }

    fn diary_of(start: &str, recorded: u32, headache_every: u32, meds: &str) -> Diary {
        let s = d(start);
        Diary::new((0..recorded).map(|i| {
            let date = s + Duration::days(i64::from(i));
            if i % headache_every == 0 {
                headache(date, 300, meds)
            } else {
                DiaryDay::headache_free(date)
            }
        }))
        .expect("diary")
    }

    #[test]
    fn periods_of_28_days_align_to_the_start_and_clip_the_last() {
        let r = DateRange::new(d("2026-01-01"), d("2026-03-01")).expect("range");
        let p = split_periods(r, PeriodKind::Days28);
        assert_eq!(p.len(), 3);
        assert_eq!((p[0].start, p[0].end), (d("2026-01-01"), d("2026-01-28")));
        assert_eq!((p[1].start, p[1].end), (d("2026-01-29"), d("2026-02-25")));
        assert_eq!(
            (p[2].start, p[2].end, p[2].days()),
            (d("2026-02-26"), d("2026-03-01"), 4)
        );
    }

    #[test]
    fn calendar_months_of_28_29_30_31_days() {
        let r = DateRange::new(d("2024-02-01"), d("2024-05-31")).expect("range");
        let lens: Vec<u32> = split_periods(r, PeriodKind::Month)
            .iter()
            .map(|p| p.days())
            .collect();
        assert_eq!(lens, vec![29, 31, 30, 31]);
        let r = DateRange::new(d("2026-02-10"), d("2026-03-05")).expect("range");
        let p = split_periods(r, PeriodKind::Month);
        assert_eq!(p.iter().map(|p| p.days()).collect::<Vec<_>>(), vec![19, 5]);
        assert_eq!(DateRange::month_of(d("2026-02-14")).days(), 28);
        assert_eq!(DateRange::month_of(d("2026-12-14")).end, d("2026-12-31"));
    }

    #[test]
    fn completeness_floor_boundary_79_80_percent() {
        assert!(!meets_completeness_floor(79, 100));
        assert!(meets_completeness_floor(80, 100));
        // 22 of 28 is 78.6 %, 23 of 28 is 82.1 %.
        let r = DateRange::new(d("2026-01-01"), d("2026-01-28")).expect("range");
        let thin =
            PeriodMetrics::compute(&diary_of("2026-01-01", 22, 2, ""), r, DayPreset::Any, false);
        assert_eq!(thin.headache_days_per_28, None);
        assert_eq!(thin.insufficient, Some(INSUFFICIENT_DIARY_DATA));
        let ok =
            PeriodMetrics::compute(&diary_of("2026-01-01", 23, 2, ""), r, DayPreset::Any, false);
        assert_eq!(ok.headache_days, 12);
        let expected = 12.0 * 28.0 / 23.0;
        assert!((ok.headache_days_per_28.expect("normalised") - expected).abs() < 1e-9);
    }

    #[test]
    fn counts_hours_and_medication_days_by_class() {
        let r = DateRange::new(d("2026-01-01"), d("2026-01-28")).expect("range");
        let diary = diary_of(
            "2026-01-01",
            28,
            2,
            "sumatriptan 50mg; ibuprofen; ibuprofen",
        );
        let m = PeriodMetrics::compute(&diary, r, DayPreset::Label4h, false);
        assert_eq!(m.recorded_days, 28);
        assert_eq!(m.headache_days, 14);
        assert_eq!(m.migraine_days, 14);
        assert_eq!(m.moderate_severe_days, 14);
        assert!((m.headache_hours - 14.0 * 5.0).abs() < 1e-9);
        assert_eq!(m.acute_medication_days.get(DrugClass::Triptan), 14);
        assert_eq!(m.acute_medication_days.get(DrugClass::NonOpioid), 14);
        assert_eq!(m.acute_medication_intakes.get(DrugClass::NonOpioid), 28);
        assert_eq!(m.acute_medication_days.any, 14);
        assert_eq!(m.acute_medication_days.get(DrugClass::Opioid), 0);
        assert_eq!(m.headache_days_per_28, Some(14.0));
    }

    #[test]
    fn unrecorded_days_are_not_headache_free() {
        let r = DateRange::new(d("2026-01-01"), d("2026-01-28")).expect("range");
        let m = PeriodMetrics::compute(&Diary::default(), r, DayPreset::Any, false);
        assert_eq!(
            (m.recorded_days, m.headache_days, m.completeness),
            (0, 0, 0.0)
        );
        assert_eq!(m.headache_days_per_28, None);
    }

    #[test]
    fn the_report_names_its_preset() {
        let r = DateRange::new(d("2026-01-01"), d("2026-02-28")).expect("range");
        let rep = compute_metrics(
            &Diary::default(),
            false,
            r,
            PeriodKind::Month,
            DayPreset::Ihs30min,
        );
        assert_eq!(rep.preset, DayPreset::Ihs30min);
        assert!(rep.preset_definition.contains("30 min"));
        assert!(rep.completeness_floor.contains(UNVERIFIED_MARK));
        assert_eq!(rep.periods.len(), 2);
    }
}
