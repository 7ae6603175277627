//! Patient-reported measures as a registry: each questionnaire is an [`InstrumentDef`] in
//! [`instruments`] (MIDAS, HIT-6, PHQ-9, GAD-7), and one scorer reads answers against any of them.
//! The edges iterate [`Instrument::ALL`] and ask the definition for items, answer choices, bands,
//! alerts, FHIR coding and chart axis, so they hold no instrument's particulars.

pub mod instruments;

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeStruct};

pub use instruments::{MIDAS_MAX_DAYS, MIDAS_PAIN_MAX};

/// A questionnaire Cephalog scores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Midas,
    Hit6,
    Phq9,
    Gad7,
}

impl Instrument {
    /// Every instrument, in the order pages, reports and charts show them.
    pub const ALL: [Instrument; 4] = [
        Instrument::Midas,
        Instrument::Hit6,
        Instrument::Phq9,
        Instrument::Gad7,
    ];

    /// The instrument's definition.
    pub fn def(self) -> &'static InstrumentDef {
        match self {
            Instrument::Midas => &instruments::MIDAS,
            Instrument::Hit6 => &instruments::HIT6,
            Instrument::Phq9 => &instruments::PHQ9,
            Instrument::Gad7 => &instruments::GAD7,
        }
    }

    /// The code stored and used in the API and the CLI: midas, hit6, phq9, gad7.
    pub fn as_str(self) -> &'static str {
        self.def().code
    }

    /// The instrument's published name.
    pub fn label(self) -> &'static str {
        self.def().label
    }

    /// The codes of every instrument, for messages: "midas, hit6, phq9, gad7".
    pub fn codes() -> String {
        Self::ALL.map(Instrument::as_str).join(", ")
    }
}

impl FromStr for Instrument {
    type Err = PromError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = s.trim().to_lowercase().replace(['-', '_', ' '], "");
        Self::ALL
            .into_iter()
            .find(|i| i.as_str() == wanted)
            .ok_or_else(|| PromError::UnknownInstrument(s.to_owned()))
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Whether Cephalog shows the items' wording or the clinic supplies it under its licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wording {
    Shipped,
    Licensed,
}

/// One questionnaire, defined once.
#[derive(Debug)]
pub struct InstrumentDef {
    pub instrument: Instrument,
    /// Stored code: midas, hit6, phq9, gad7.
    pub code: &'static str,
    /// Published name: MIDAS, HIT-6, PHQ-9, GAD-7.
    pub label: &'static str,
    /// What it measures, in a few words.
    pub title: &'static str,
    /// Primary source.
    pub source: &'static str,
    pub wording: Wording,
    /// What the person answering reads first (the recall period, or the licence note).
    pub preamble: &'static str,
    /// The items in order; optional items come last and are answered in order.
    pub items: &'static [Item],
    /// Bands by lower bound, ascending, the first from 0.
    pub bands: &'static [Band],
    /// Pairs of items whose answers cannot add up to more than a maximum.
    pub limits: &'static [PairLimit],
    /// Answers that need a clinician's attention.
    pub alerts: &'static [Alert],
    pub fhir: FhirCoding,
    pub chart: ChartAxis,
    /// A headache-impact measure (MIDAS, HIT-6): charted and reported even when none is
    /// recorded yet, and placed by treatment cycle in the response table.
    pub impact: bool,
}

/// One item of a questionnaire.
#[derive(Debug)]
pub struct Item {
    /// Its number or letter as printed, and its FHIR linkId unless LOINC codes it.
    pub link: &'static str,
    /// The form field's name.
    pub field: &'static str,
    /// The wording ("" for a licensed instrument).
    pub text: &'static str,
    pub scale: Scale,
    /// Counted in the total.
    pub scored: bool,
    pub optional: bool,
    /// LOINC code of the item.
    pub loinc: Option<&'static str>,
}

/// How an item is answered.
#[derive(Debug, Clone, Copy)]
pub enum Scale {
    /// A whole number 0..=max.
    Count { max: u8, unit: &'static str },
    /// One of a list of answers.
    Choice(ChoiceScale),
}

#[derive(Debug, Clone, Copy)]
pub struct ChoiceScale {
    pub choices: &'static [Choice],
    /// The answer may be given as its points (PHQ-9's 0–3).
    pub points_accepted: bool,
}

#[derive(Debug, PartialEq, Eq)]
pub struct Choice {
    /// Its code (FHIR, form values); the answer is stored as its label in lower case.
    pub code: &'static str,
    pub label: &'static str,
    pub points: u32,
    /// LOINC answer code.
    pub loinc: Option<&'static str>,
}

/// A score band: totals from `from` up to the next band's.
#[derive(Debug, PartialEq, Eq)]
pub struct Band {
    pub from: u32,
    pub code: &'static str,
    /// Label beside a threshold line.
    pub short: &'static str,
    /// The band in words.
    pub words: &'static str,
}

/// Two items (0-based) whose answers add up to at most `max`.
#[derive(Debug)]
pub struct PairLimit {
    pub first: usize,
    pub second: usize,
    pub max: u32,
    pub what: &'static str,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertKind {
    /// A clinician reviews the answers the same day; the patient goes to the top of the worklist.
    SameDayReview,
}

/// An answer at or above `at_least` points on item `item` (0-based).
#[derive(Debug, PartialEq, Eq)]
pub struct Alert {
    pub item: usize,
    pub at_least: u32,
    pub kind: AlertKind,
    /// What the clinician's worklist says.
    pub clinician: &'static str,
    /// What the patient reads on saving.
    pub patient: &'static str,
}

/// FHIR coding of the questionnaire.
#[derive(Debug)]
pub struct FhirCoding {
    /// Last part of the Questionnaire canonical (`https://cephalog.org/fhir/Questionnaire/…`).
    pub questionnaire: &'static str,
    /// LOINC panel code and display.
    pub panel: Option<(&'static str, &'static str)>,
    /// LOINC total-score code and display; the total's linkId when present.
    pub total: Option<(&'static str, &'static str)>,
    /// Item linkIds and answers are LOINC codes.
    pub answers_in_loinc: bool,
}

/// The chart's value axis.
#[derive(Debug)]
pub enum ChartAxis {
    /// From the lowest to the highest possible total, ticks every `step`.
    Fixed { step: u32 },
    /// From 0 to past the highest total or the top band plus `headroom`, with the first step
    /// that needs no more than six ticks.
    Open {
        headroom: u32,
        steps: &'static [u32],
        unit: &'static str,
    },
}

impl InstrumentDef {
    fn required_items(&self) -> usize {
        self.items.iter().filter(|i| !i.optional).count()
    }

    /// The lowest possible total.
    pub fn min_total(&self) -> u32 {
        self.items
            .iter()
            .filter(|i| i.scored)
            .map(|i| i.scale.min_points())
            .sum()
    }

    /// The highest possible total.
    pub fn max_total(&self) -> u32 {
        self.items
            .iter()
            .filter(|i| i.scored)
            .map(|i| i.scale.max_points())
            .sum()
    }

    /// The band a total falls in.
    pub fn band(&self, total: u32) -> &'static Band {
        self.bands
            .iter()
            .rev()
            .find(|b| total >= b.from)
            .unwrap_or(&self.bands[0])
    }

    /// The bands above the lowest: the thresholds a chart draws.
    pub fn thresholds(&self) -> &'static [Band] {
        &self.bands[1..]
    }

    /// The bands as one sentence: "PHQ-9: 0–27 (0–4 minimal, 5–9 mild, …)".
    pub fn bands_text(&self) -> String {
        let max = self.max_total();
        let parts: Vec<String> = self
            .bands
            .iter()
            .enumerate()
            .map(|(i, b)| match self.bands.get(i + 1) {
                Some(next) => format!(
                    "{}–{} {}",
                    b.from.max(self.min_total()),
                    next.from - 1,
                    b.short
                ),
                None if matches!(self.chart, ChartAxis::Open { .. }) => {
                    format!("{} or more {}", b.from, b.short)
                }
                None => format!("{}–{max} {}", b.from, b.short),
            })
            .collect();
        match self.chart {
            ChartAxis::Open { unit, .. } => {
                format!("{}: {unit} ({})", self.label, parts.join(", "))
            }
            ChartAxis::Fixed { .. } => format!(
                "{}: {}–{} ({})",
                self.label,
                self.min_total(),
                max,
                parts.join(", ")
            ),
        }
    }

    /// How many answers it takes, in words.
    fn expected_count(&self) -> String {
        let required = self.required_items();
        if required == self.items.len() {
            format!("exactly one answer for each of its {required} items")
        } else {
            format!(
                "{required} to {} answers (items {}, then optionally {})",
                self.items.len(),
                self.items[..required]
                    .iter()
                    .map(|i| i.link)
                    .collect::<Vec<_>>()
                    .join(", "),
                self.items[required..]
                    .iter()
                    .map(|i| i.link)
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        }
    }
}

impl Scale {
    fn min_points(&self) -> u32 {
        match self {
            Scale::Count { .. } => 0,
            Scale::Choice(c) => c.choices.iter().map(|c| c.points).min().unwrap_or(0),
        }
    }

    fn max_points(&self) -> u32 {
        match self {
            Scale::Count { max, .. } => u32::from(*max),
            Scale::Choice(c) => c.choices.iter().map(|c| c.points).max().unwrap_or(0),
        }
    }

    /// What an answer must be, in words.
    pub fn expected(&self) -> String {
        match self {
            Scale::Count { max, unit } => format!("a whole number of {unit} 0–{max}"),
            Scale::Choice(c) => {
                let words: Vec<String> = c
                    .choices
                    .iter()
                    .map(|ch| {
                        if c.points_accepted {
                            format!("{} ({})", ch.label.to_lowercase(), ch.points)
                        } else {
                            ch.label.to_lowercase()
                        }
                    })
                    .collect();
                format!("one of {}", words.join(", "))
            }
        }
    }

    /// Reads an answer: its value (a count, or the choice's index).
    fn parse(&self, s: &str) -> Option<u32> {
        let t = s.trim();
        match self {
            Scale::Count { max, .. } => t.parse::<u8>().ok().filter(|v| v <= max).map(u32::from),
            Scale::Choice(c) => {
                let norm = t.to_lowercase().replace(['_', '-'], " ");
                let norm = norm.split_whitespace().collect::<Vec<_>>().join(" ");
                c.choices
                    .iter()
                    .position(|ch| {
                        ch.code.replace('_', " ") == norm
                            || ch.label.to_lowercase() == norm
                            || (c.points_accepted && ch.points.to_string() == norm)
                    })
                    .and_then(|i| u32::try_from(i).ok())
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    #[error("{label} needs {expected}, got {got}")]
    Count {
        label: &'static str,
        expected: String,
        got: usize,
    },
    /// `position` is the answer's 0-based index.
    #[error("{label} item {link}: '{value}' is not {expected}")]
    Answer {
        label: &'static str,
        position: usize,
        link: &'static str,
        value: String,
        expected: String,
    },
    #[error(
        "{label} items {first} and {second} ({what}): {total} days together is more than the \
         {max} days of the last 3 months"
    )]
    PairOver {
        label: &'static str,
        first: &'static str,
        second: &'static str,
        /// 0-based index of the second item.
        second_position: usize,
        what: &'static str,
        total: u32,
        max: u32,
    },
    #[error("'{0}' is not an instrument ({codes})", codes = Instrument::codes())]
    UnknownInstrument(String),
}

impl PromError {
    /// The 0-based index of the answer at fault, when one is.
    pub fn position(&self) -> Option<usize> {
        match self {
            PromError::Answer { position, .. } => Some(*position),
            PromError::PairOver {
                second_position, ..
            } => Some(*second_position),
            PromError::Count { .. } | PromError::UnknownInstrument(_) => None,
        }
    }
}

/// A scored questionnaire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromResult {
    instrument: Instrument,
    /// One value per answered item: the count, or the choice's index.
    values: Vec<u32>,
    total: u32,
}

/// One answered item of a [`PromResult`].
#[derive(Debug, Clone, Copy)]
pub struct ItemAnswer {
    pub item: &'static Item,
    /// The count, or the chosen answer.
    pub value: AnswerValue,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AnswerValue {
    Count(u32),
    Choice(&'static Choice),
}

impl ItemAnswer {
    /// The points it adds (the count, or the choice's points).
    pub fn points(&self) -> u32 {
        match self.value {
            AnswerValue::Count(n) => n,
            AnswerValue::Choice(c) => c.points,
        }
    }

    /// The answer as stored and exported: the count, or the choice in lower-case words
    /// ("very often", "not at all").
    pub fn code(&self) -> String {
        match self.value {
            AnswerValue::Count(n) => n.to_string(),
            AnswerValue::Choice(c) => c.label.to_lowercase(),
        }
    }

    /// The answer in words.
    pub fn label(&self) -> String {
        match self.value {
            AnswerValue::Count(n) => n.to_string(),
            AnswerValue::Choice(c) => c.label.to_owned(),
        }
    }
}

impl PromResult {
    /// Scores answers given as text in item order: counts as numbers, choices as their code or
    /// words (or points where the scale allows); optional items may follow the required ones.
    pub fn score(instrument: Instrument, answers: &[&str]) -> Result<Self, PromError> {
        let def = instrument.def();
        if answers.len() < def.required_items() || answers.len() > def.items.len() {
            return Err(PromError::Count {
                label: def.label,
                expected: def.expected_count(),
                got: answers.len(),
            });
        }
        let mut values = Vec::with_capacity(answers.len());
        for (position, (item, a)) in def.items.iter().zip(answers).enumerate() {
            let v = item.scale.parse(a).ok_or_else(|| PromError::Answer {
                label: def.label,
                position,
                link: item.link,
                value: (*a).to_owned(),
                expected: item.scale.expected(),
            })?;
            values.push(v);
        }
        let mut result = PromResult {
            instrument,
            values,
            total: 0,
        };
        result.total = result
            .answers()
            .filter(|a| a.item.scored)
            .map(|a| a.points())
            .sum();
        Ok(result)
    }

    /// New answers that can all be true at once (the definition's [`PairLimit`]s). Checked for
    /// each new answer set; stored answers are scored as they were given.
    pub fn check_plausible(&self) -> Result<(), PromError> {
        let def = self.def();
        let points: Vec<u32> = self.answers().map(|a| a.points()).collect();
        for l in def.limits {
            let total = points.get(l.first).copied().unwrap_or(0)
                + points.get(l.second).copied().unwrap_or(0);
            if total > l.max {
                return Err(PromError::PairOver {
                    label: def.label,
                    first: def.items[l.first].link,
                    second: def.items[l.second].link,
                    second_position: l.second,
                    what: l.what,
                    total,
                    max: l.max,
                });
            }
        }
        Ok(())
    }

    pub fn instrument(&self) -> Instrument {
        self.instrument
    }

    pub fn def(&self) -> &'static InstrumentDef {
        self.instrument.def()
    }

    /// The answered items in order.
    pub fn answers(&self) -> impl Iterator<Item = ItemAnswer> + '_ {
        self.def()
            .items
            .iter()
            .zip(&self.values)
            .map(|(item, v)| ItemAnswer {
                item,
                value: match item.scale {
                    Scale::Count { .. } => AnswerValue::Count(*v),
                    Scale::Choice(c) => AnswerValue::Choice(&c.choices[*v as usize]),
                },
            })
    }

    /// The total score.
    pub fn total(&self) -> u32 {
        self.total
    }

    /// The band the total falls in.
    pub fn band(&self) -> &'static Band {
        self.def().band(self.total)
    }

    /// The grade or band in words.
    pub fn interpretation(&self) -> String {
        self.band().words.to_owned()
    }

    /// The alerts these answers raise.
    pub fn alerts(&self) -> Vec<&'static Alert> {
        let points: Vec<u32> = self.answers().map(|a| a.points()).collect();
        self.def()
            .alerts
            .iter()
            .filter(|a| points.get(a.item).is_some_and(|p| *p >= a.at_least))
            .collect()
    }

    /// Whether the answers need a clinician's review the same day.
    pub fn needs_same_day_review(&self) -> bool {
        self.alerts()
            .iter()
            .any(|a| a.kind == AlertKind::SameDayReview)
    }

    /// The answers as stored: `;`-separated codes in item order.
    pub fn stored_answers(&self) -> String {
        self.answers()
            .map(|a| a.code())
            .collect::<Vec<_>>()
            .join(";")
    }
}

struct AnswersJson<'a>(&'a PromResult);

impl Serialize for AnswersJson<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.values.len()))?;
        for a in self.0.answers() {
            seq.serialize_element(&AnswerJson(a))?;
        }
        seq.end()
    }
}

struct AnswerJson(ItemAnswer);

impl Serialize for AnswerJson {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("item", self.0.item.link)?;
        m.serialize_entry("answer", &self.0.code())?;
        m.serialize_entry("points", &self.0.points())?;
        m.serialize_entry("scored", &self.0.item.scored)?;
        m.end()
    }
}

impl Serialize for PromResult {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let alerts: Vec<&str> = self.alerts().iter().map(|a| a.clinician).collect();
        let items: Vec<u32> = self
            .answers()
            .filter(|a| a.item.scored)
            .map(|a| a.points())
            .collect();
        let mut st = s.serialize_struct("PromResult", 7)?;
        st.serialize_field("instrument", &self.instrument)?;
        st.serialize_field("answers", &AnswersJson(self))?;
        // The points of each scored item, in order (MIDAS: its five day counts).
        st.serialize_field("items", &items)?;
        st.serialize_field("total", &self.total)?;
        st.serialize_field("band", self.band().code)?;
        st.serialize_field("interpretation", self.band().words)?;
        st.serialize_field("alerts", &alerts)?;
        st.end()
    }
}

/// A questionnaire as recorded for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromEntry {
    pub date: NaiveDate,
    pub result: PromResult,
}

#[cfg(test)]
mod tests;
