//! ICHD-3 criteria as far as a diary can show them: chronic migraine (1.3 A and C), chronic
//! tension-type headache (2.3), medication overuse (8.2 and its subtypes) and the diary-recordable
//! part of occipital neuralgia (13.4 B1).
//!
//! The months that decide: calendar months recorded with at least 80 % completeness, counts
//! prorated to the month's length; the most recent 3 consecutive such months decide. Results say
//! "meets diary criteria for", never "has": the diagnosis is the clinician's.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;

use crate::diary::{Diary, DiaryDay, Intensity};
use crate::drugs::DrugClass;
use crate::metrics::{DateRange, PeriodMetrics, meets_completeness_floor};
use crate::preset::DayPreset;
use crate::reference::{
    CHRONIC_HEADACHE_DAYS_PER_MONTH, CHRONIC_MIGRAINE_DAYS_PER_MONTH, CHRONIC_MONTHS_REQUIRED,
    MOH_DAYS_DEFAULT, MOH_DAYS_NON_OPIOID, MOH_DAYS_OTHER, MONTHS_INTERPRETATION,
    OCCIPITAL_PAROXYSM_DAYS_PER_MONTH, TTH_MIN_PAIN_FEATURES, UNVERIFIED_MARK,
};

/// The ICHD-3 preset used for classification: 1.3 A states no duration [V].
pub const CLASSIFICATION_PRESET: DayPreset = DayPreset::Any;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CriterionStatus {
    Met,
    NotMet,
    InsufficientData,
}

/// One calendar month's figures, raw and prorated to the month's length.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MonthFigures {
    /// "YYYY-MM".
    pub month: String,
    pub days: u32,
    pub recorded_days: u32,
    pub completeness: f64,
    /// At least 80 % of the month recorded.
    pub adequate: bool,
    pub headache_days: u32,
    pub migraine_days: u32,
    pub tension_type_days: u32,
    pub paroxysm_days: u32,
    /// Acute-medication days per class.
    pub medication_days: BTreeMap<DrugClass, u32>,
    /// Days with any of ergot, triptan, non-opioid, opioid or combination (ICHD-3 8.2.6).
    pub listed_class_medication_days: u32,
    /// Days with a gepant, ditan or other acute medicine (ICHD-3 8.2.7).
    pub other_medication_days: u32,
    /// The counts above prorated to the month's length (null when the month is not adequate).
    pub prorated: Option<ProratedFigures>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ProratedFigures {
    pub headache_days: f64,
    pub migraine_days: f64,
    pub tension_type_days: f64,
    pub paroxysm_days: f64,
    pub medication_days: BTreeMap<DrugClass, f64>,
    pub listed_class_medication_days: f64,
    pub other_medication_days: f64,
}

/// A subtype of 8.2 found met.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MohSubtype {
    pub code: &'static str,
    pub name: &'static str,
    pub threshold_days: f64,
    /// Days per month in each deciding month, prorated.
    pub days_per_month: Vec<f64>,
    /// Marked where the threshold was not checked in its source.
    pub note: Option<String>,
}

/// The result of one diagnosis's diary criteria.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CriterionResult {
    pub code: &'static str,
    pub status: CriterionStatus,
    /// One sentence: "Meets diary criteria for …", "Does not meet …", or why there is not enough.
    pub summary: String,
    /// Month by month, what fell short (empty when met).
    pub reasons: Vec<String>,
    /// The months that decided (or, with insufficient data, every month examined).
    pub months: Vec<MonthFigures>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subtypes: Vec<MohSubtype>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// All diary classifications for one patient on one date.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Classification {
    pub as_of: NaiveDate,
    pub preset: DayPreset,
    pub months_rule: &'static str,
    pub chronic_migraine: CriterionResult,
    pub chronic_tension_type: CriterionResult,
    pub medication_overuse: CriterionResult,
    pub occipital_neuralgia: CriterionResult,
}

/// ICHD-3 2.3 C and D as read from a diary day (with headache): at least two of bilateral,
/// non-pulsating, mild/moderate, not aggravated by activity; no more than one of photophobia,
/// phonophobia, nausea; no vomiting. The diary does not grade nausea, so any nausea counts as the
/// one permitted accompaniment (2.3 D allows mild nausea only).
pub fn is_tension_type_day(day: &DiaryDay) -> bool {
    if day.headache_minutes() == 0 {
        return false;
    }
    let f = day.features();
    let pain = [
        !f.unilateral,
        !f.pulsating,
        matches!(day.peak_intensity(), Intensity::Mild | Intensity::Moderate),
        !f.aggravated_by_activity,
    ]
    .into_iter()
    .filter(|b| *b)
    .count();
    let accompaniments = [f.photophobia, f.phonophobia, f.nausea]
        .into_iter()
        .filter(|b| *b)
        .count();
    pain >= TTH_MIN_PAIN_FEATURES && accompaniments <= 1 && !f.vomiting
}

const LISTED_CLASSES: [DrugClass; 5] = [
    DrugClass::Ergot,
    DrugClass::Triptan,
    DrugClass::NonOpioid,
    DrugClass::Opioid,
    DrugClass::Combination,
];
const OTHER_CLASSES: [DrugClass; 3] = [DrugClass::Gepant, DrugClass::Ditan, DrugClass::Other];

fn month_figures(
    diary: &Diary,
    month: DateRange,
    preset: DayPreset,
    has_migraine_diagnosis: bool,
) -> MonthFigures {
    let base = PeriodMetrics::compute(diary, month, preset, has_migraine_diagnosis);
    let days: Vec<&DiaryDay> = diary.range(month.start, month.end).collect();
    let count = |pred: &dyn Fn(&DiaryDay) -> bool| -> u32 {
        u32::try_from(days.iter().filter(|d| pred(d)).count()).unwrap_or(u32::MAX)
    };
    let tension_type_days = count(&is_tension_type_day);
    let listed = count(&|d| {
        d.medications()
            .iter()
            .any(|m| LISTED_CLASSES.contains(&m.class))
    });
    let other = count(&|d| {
        d.medications()
            .iter()
            .any(|m| OTHER_CLASSES.contains(&m.class))
    });
    let medication_days = base.acute_medication_days.by_class.clone();
    let adequate = meets_completeness_floor(base.recorded_days, base.days);
    let prorate = |n: u32| base.prorate(n, base.days).unwrap_or(0.0);
    let prorated = adequate.then(|| ProratedFigures {
        headache_days: prorate(base.headache_days),
        migraine_days: prorate(base.migraine_days),
        tension_type_days: prorate(tension_type_days),
        paroxysm_days: prorate(base.paroxysm_days),
        medication_days: medication_days
            .iter()
            .map(|(c, n)| (*c, prorate(*n)))
            .collect(),
        listed_class_medication_days: prorate(listed),
        other_medication_days: prorate(other),
    });
    MonthFigures {
        month: format!("{:04}-{:02}", month.start.year(), month.start.month()),
        days: base.days,
        recorded_days: base.recorded_days,
        completeness: base.completeness,
        adequate,
        headache_days: base.headache_days,
        migraine_days: base.migraine_days,
        tension_type_days,
        paroxysm_days: base.paroxysm_days,
        medication_days,
        listed_class_medication_days: listed,
        other_medication_days: other,
        prorated,
    }
}

/// Every calendar month from the first diary entry to the last one on or before `as_of`, with
/// headache and migraine days under `preset`. Days after `as_of` are not counted.
pub fn calendar_months(
    diary: &Diary,
    preset: DayPreset,
    has_migraine_diagnosis: bool,
    as_of: NaiveDate,
) -> Vec<MonthFigures> {
    if diary.last_date().is_some_and(|last| last > as_of) {
        let until = Diary::new(diary.range(NaiveDate::MIN, as_of).cloned()).unwrap_or_default();
        return months_examined(&until, preset, as_of, has_migraine_diagnosis);
    }
    months_examined(diary, preset, as_of, has_migraine_diagnosis)
}

/// The most recent `n` consecutive adequately recorded months, oldest first.
pub fn latest_adequate_run(months: &[MonthFigures], n: usize) -> Option<&[MonthFigures]> {
    if n == 0 {
        return None;
    }
    months
        .windows(n)
        .rev()
        .find(|w| w.iter().all(|m| m.adequate))
}

fn months_examined(
    diary: &Diary,
    preset: DayPreset,
    as_of: NaiveDate,
    has_migraine_diagnosis: bool,
) -> Vec<MonthFigures> {
    let (Some(first), Some(last)) = (
        diary.first_date(),
        diary
            .range(NaiveDate::MIN, as_of)
            .next_back()
            .map(DiaryDay::date),
    ) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let mut month = DateRange::month_of(first);
    while month.start <= last {
        out.push(month_figures(diary, month, preset, has_migraine_diagnosis));
        match month.end.succ_opt() {
            Some(next) => month = DateRange::month_of(next),
            None => break,
        }
    }
    out
}

fn fmt1(x: f64) -> String {
    format!("{x:.1}")
}

fn month_list(months: &[MonthFigures]) -> String {
    months
        .iter()
        .map(|m| m.month.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Applies a per-month test to the deciding months; each failing month gives a reason.
fn decide(
    code: &'static str,
    name: &str,
    months: &[MonthFigures],
    test: impl Fn(&MonthFigures, &ProratedFigures) -> Option<String>,
) -> CriterionResult {
    let reasons: Vec<String> = months
        .iter()
        .filter_map(|m| {
            m.prorated
                .as_ref()
                .and_then(|p| test(m, p))
                .map(|r| format!("{}: {r}", m.month))
        })
        .collect();
    let (status, summary) = if reasons.is_empty() {
        (
            CriterionStatus::Met,
            format!(
                "Meets diary criteria for {name} (ICHD-3 {code}) in {}.",
                month_list(months)
            ),
        )
    } else {
        (
            CriterionStatus::NotMet,
            format!(
                "Does not meet diary criteria for {name} (ICHD-3 {code}) in {}.",
                month_list(months)
            ),
        )
    };
    CriterionResult {
        code,
        status,
        summary,
        reasons,
        months: months.to_vec(),
        subtypes: Vec::new(),
        note: None,
    }
}

fn insufficient(code: &'static str, name: &str, examined: &[MonthFigures]) -> CriterionResult {
    let adequate = examined.iter().filter(|m| m.adequate).count();
    CriterionResult {
        code,
        status: CriterionStatus::InsufficientData,
        summary: format!(
            "Insufficient diary data to assess {name} (ICHD-3 {code}): {CHRONIC_MONTHS_REQUIRED} consecutive calendar \
             months with at least 80 % of days recorded are needed; {} month(s) examined, {adequate} adequately recorded.",
            examined.len()
        ),
        reasons: Vec::new(),
        months: examined.to_vec(),
        subtypes: Vec::new(),
        note: None,
    }
}

fn chronic_migraine(months: &[MonthFigures]) -> CriterionResult {
    decide("1.3", "chronic migraine", months, |_, p| {
        let mut short = Vec::new();
        if p.headache_days < CHRONIC_HEADACHE_DAYS_PER_MONTH {
            short.push(format!(
                "{} headache days (needs ≥{CHRONIC_HEADACHE_DAYS_PER_MONTH})",
                fmt1(p.headache_days)
            ));
        }
        if p.migraine_days < CHRONIC_MIGRAINE_DAYS_PER_MONTH {
            short.push(format!(
                "{} migraine days (needs ≥{CHRONIC_MIGRAINE_DAYS_PER_MONTH})",
                fmt1(p.migraine_days)
            ));
        }
        (!short.is_empty()).then(|| short.join(", "))
    })
}

fn chronic_tension_type(months: &[MonthFigures], cm: &CriterionResult) -> CriterionResult {
    let mut r = decide("2.3", "chronic tension-type headache", months, |_, p| {
        (p.tension_type_days < CHRONIC_HEADACHE_DAYS_PER_MONTH).then(|| {
            format!(
                "{} days of headache with tension-type features (needs ≥{CHRONIC_HEADACHE_DAYS_PER_MONTH})",
                fmt1(p.tension_type_days)
            )
        })
    });
    if cm.status == CriterionStatus::Met {
        r.status = CriterionStatus::NotMet;
        r.summary = "Does not meet diary criteria for chronic tension-type headache (ICHD-3 2.3): excluded because \
                     the diary meets criteria for chronic migraine (1.3)."
            .to_owned();
        r.reasons = vec!["excluded by chronic migraine (ICHD-3 1.3)".to_owned()];
    }
    r.note = Some(
        "Nausea is not graded in the diary; any nausea counts as the one accompaniment 2.3 D allows.".to_owned(),
    );
    r
}

struct MohRule {
    code: &'static str,
    name: &'static str,
    threshold: f64,
    days: fn(&ProratedFigures) -> f64,
    unverified: bool,
}

fn class_days(p: &ProratedFigures, c: DrugClass) -> f64 {
    p.medication_days.get(&c).copied().unwrap_or(0.0)
}

const MOH_RULES: [MohRule; 6] = [
    MohRule {
        code: "8.2.1",
        name: "ergotamine-overuse headache",
        threshold: MOH_DAYS_DEFAULT,
        days: |p| class_days(p, DrugClass::Ergot),
        unverified: false,
    },
    MohRule {
        code: "8.2.2",
        name: "triptan-overuse headache",
        threshold: MOH_DAYS_DEFAULT,
        days: |p| class_days(p, DrugClass::Triptan),
        unverified: false,
    },
    MohRule {
        code: "8.2.3",
        name: "non-opioid analgesic-overuse headache",
        threshold: MOH_DAYS_NON_OPIOID,
        days: |p| class_days(p, DrugClass::NonOpioid),
        unverified: false,
    },
    MohRule {
        code: "8.2.4",
        name: "opioid-overuse headache",
        threshold: MOH_DAYS_DEFAULT,
        days: |p| class_days(p, DrugClass::Opioid),
        unverified: false,
    },
    MohRule {
        code: "8.2.5",
        name: "combination-analgesic-overuse headache",
        threshold: MOH_DAYS_DEFAULT,
        days: |p| class_days(p, DrugClass::Combination),
        unverified: false,
    },
    MohRule {
        code: "8.2.7",
        name: "medication-overuse headache attributed to other medication (gepants, ditans, other)",
        threshold: MOH_DAYS_OTHER,
        days: |p| p.other_medication_days,
        unverified: true,
    },
];

/// The ICHD-3 8.2 subtype that overuse of one acute-medication class falls under: its code, name,
/// threshold in days per month and whether the threshold is unverified (8.2.7).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OveruseThreshold {
    pub code: &'static str,
    pub name: &'static str,
    pub days_per_month: f64,
    pub unverified: bool,
}

/// The 8.2 subtype and threshold for `class` (gepants, ditans and other acute medicines share
/// 8.2.7). Overuse of several listed classes together (8.2.6) is judged on the months, not here.
pub fn overuse_threshold(class: DrugClass) -> OveruseThreshold {
    let code = match class {
        DrugClass::Ergot => "8.2.1",
        DrugClass::Triptan => "8.2.2",
        DrugClass::NonOpioid => "8.2.3",
        DrugClass::Opioid => "8.2.4",
        DrugClass::Combination => "8.2.5",
        DrugClass::Gepant | DrugClass::Ditan | DrugClass::Other => "8.2.7",
    };
    let rule = MOH_RULES
        .iter()
        .find(|r| r.code == code)
        .unwrap_or(&MOH_RULES[MOH_RULES.len() - 1]);
    OveruseThreshold {
        code: rule.code,
        name: rule.name,
        days_per_month: rule.threshold,
        unverified: rule.unverified,
    }
}

fn medication_overuse(months: &[MonthFigures]) -> CriterionResult {
    let prorated: Vec<&ProratedFigures> =
        months.iter().filter_map(|m| m.prorated.as_ref()).collect();
    let headache_ok = prorated
        .iter()
        .all(|p| p.headache_days >= CHRONIC_HEADACHE_DAYS_PER_MONTH);
    let mut subtypes = Vec::new();
    let mut reasons: Vec<String> = months
        .iter()
        .filter_map(|m| {
            let p = m.prorated.as_ref()?;
            (p.headache_days < CHRONIC_HEADACHE_DAYS_PER_MONTH).then(|| {
                format!(
                    "{}: {} headache days (8.2 A needs ≥{CHRONIC_HEADACHE_DAYS_PER_MONTH})",
                    m.month,
                    fmt1(p.headache_days)
                )
            })
        })
        .collect();
    if headache_ok {
        for rule in &MOH_RULES {
            let per_month: Vec<f64> = prorated.iter().map(|p| (rule.days)(p)).collect();
            if per_month.iter().all(|d| *d >= rule.threshold) {
                subtypes.push(MohSubtype {
                    code: rule.code,
                    name: rule.name,
                    threshold_days: rule.threshold,
                    days_per_month: per_month,
                    note: rule.unverified.then(|| {
                        format!("the 8.2.7 threshold was not checked in ICHD-3 {UNVERIFIED_MARK}")
                    }),
                });
            }
        }
        let single_class_overuse = subtypes.iter().any(|s| s.code != "8.2.7");
        let several = months.iter().all(|m| {
            let classes_used = LISTED_CLASSES
                .iter()
                .filter(|c| m.medication_days.get(c).copied().unwrap_or(0) > 0)
                .count();
            classes_used >= 2
                && m.prorated
                    .as_ref()
                    .is_some_and(|p| p.listed_class_medication_days >= MOH_DAYS_DEFAULT)
        });
        if !single_class_overuse && several {
            subtypes.push(MohSubtype {
                code: "8.2.6",
                name: "medication-overuse headache attributed to multiple drug classes not individually overused",
                threshold_days: MOH_DAYS_DEFAULT,
                days_per_month: prorated.iter().map(|p| p.listed_class_medication_days).collect(),
                note: None,
            });
        }
        if subtypes.is_empty() {
            reasons.push("no acute-medication class reached its threshold (10 days; 15 for non-opioid analgesics) in every month".to_owned());
        }
    }
    let (status, summary) = if subtypes.is_empty() {
        (
            CriterionStatus::NotMet,
            format!(
                "Does not meet diary criteria for medication overuse (ICHD-3 8.2) in {}.",
                month_list(months)
            ),
        )
    } else {
        (
            CriterionStatus::Met,
            format!(
                "Meets diary criteria for medication overuse (ICHD-3 8.2) in {}: {}.",
                month_list(months),
                subtypes
                    .iter()
                    .map(|s| format!("{} {}", s.code, s.name))
                    .collect::<Vec<_>>()
                    .join("; ")
            ),
        )
    };
    if status == CriterionStatus::Met {
        reasons.clear();
    }
    CriterionResult {
        code: "8.2",
        status,
        summary,
        reasons,
        months: months.to_vec(),
        subtypes,
        note: Some("Days of intake are counted, not doses. 8.2 also needs a pre-existing headache disorder.".to_owned()),
    }
}

fn occipital_neuralgia(months: &[MonthFigures]) -> CriterionResult {
    let mut r = decide(
        "13.4",
        "occipital neuralgia (criterion B1, paroxysms)",
        months,
        |_, p| {
            (p.paroxysm_days < OCCIPITAL_PAROXYSM_DAYS_PER_MONTH)
                .then(|| "no day with occipital paroxysms".to_owned())
        },
    );
    r.note = Some(format!(
        "The diary shows only paroxysms (13.4 B1), counted when recorded on at least {OCCIPITAL_PAROXYSM_DAYS_PER_MONTH} \
         day per month {UNVERIFIED_MARK}; criteria C and D (tenderness, dysaesthesia, relief by nerve block) need \
         examination."
    ));
    r
}

/// Classifies a patient's diary as of `as_of`.
pub fn classify(diary: &Diary, has_migraine_diagnosis: bool, as_of: NaiveDate) -> Classification {
    let examined = calendar_months(diary, CLASSIFICATION_PRESET, has_migraine_diagnosis, as_of);
    let deciding =
        latest_adequate_run(&examined, CHRONIC_MONTHS_REQUIRED).map(<[MonthFigures]>::to_vec);
    let (cm, ctth, moh, on) = match deciding {
        None => (
            insufficient("1.3", "chronic migraine", &examined),
            insufficient("2.3", "chronic tension-type headache", &examined),
            insufficient("8.2", "medication overuse", &examined),
            insufficient("13.4", "occipital neuralgia", &examined),
        ),
        Some(months) => {
            let cm = chronic_migraine(&months);
            let ctth = chronic_tension_type(&months, &cm);
            (
                cm,
                ctth,
                medication_overuse(&months),
                occipital_neuralgia(&months),
            )
        }
    };
    Classification {
        as_of,
        preset: CLASSIFICATION_PRESET,
        months_rule: MONTHS_INTERPRETATION,
        chronic_migraine: cm,
        chronic_tension_type: ctth,
        medication_overuse: moh,
        occipital_neuralgia: on,
    }
}

#[cfg(test)]
#[path = "classify_tests.rs"]
mod tests;
