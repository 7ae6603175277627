//! Patient-reported measures: MIDAS (Stewart 2001) and HIT-6 (Kosinski 2003) [V].
//!
//! HIT-6 is a licensed instrument: Cephalog ships its scoring only; the clinic supplies the item
//! wording under its own licence.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

/// MIDAS items are days in the last 3 months: 0–90.
pub const MIDAS_MAX_DAYS: u8 = 90;
/// MIDAS grade lower bounds: I 0–5, II 6–10, III 11–20, IV ≥21 [V].
pub const MIDAS_GRADE_II_FROM: u32 = 6;
pub const MIDAS_GRADE_III_FROM: u32 = 11;
pub const MIDAS_GRADE_IV_FROM: u32 = 21;
/// HIT-6 answer scores: never 6, rarely 8, sometimes 10, very often 11, always 13 [V].
pub const HIT6_SCORES: [(Hit6Answer, u32); 5] = [
    (Hit6Answer::Never, 6),
    (Hit6Answer::Rarely, 8),
    (Hit6Answer::Sometimes, 10),
    (Hit6Answer::VeryOften, 11),
    (Hit6Answer::Always, 13),
];
/// HIT-6 has 6 items, each answered once [V].
pub const HIT6_ITEMS: usize = 6;
/// Lowest HIT-6 total: every item answered "never" (6 × 6 = 36) [V].
pub const HIT6_MIN_TOTAL: u32 = HIT6_ITEMS as u32 * HIT6_SCORES[0].1;
/// Highest HIT-6 total: every item answered "always" (6 × 13 = 78) [V].
pub const HIT6_MAX_TOTAL: u32 = HIT6_ITEMS as u32 * HIT6_SCORES[HIT6_SCORES.len() - 1].1;
/// HIT-6 band lower bounds: ≤49 little or no impact, 50–55 some, 56–59 substantial, ≥60 severe [V].
pub const HIT6_SOME_FROM: u32 = 50;
pub const HIT6_SUBSTANTIAL_FROM: u32 = 56;
pub const HIT6_SEVERE_FROM: u32 = 60;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PromError {
    #[error("MIDAS needs 5 scored answers (days in the last 3 months), got {0}")]
    MidasCount(usize),
    #[error("MIDAS item {item}: '{value}' is not a number of days 0–90")]
    MidasDays { item: usize, value: String },
    #[error("MIDAS item B (average pain): '{0}' is not 0–10")]
    MidasPain(String),
    #[error("HIT-6 needs exactly one answer for each of its 6 items, got {0}")]
    Hit6Count(usize),
    #[error("HIT-6 item {item}: '{value}' is not never, rarely, sometimes, very often or always")]
    Hit6Answer { item: usize, value: String },
    #[error(
        "MIDAS items {first} and {second} ({what}): {total} days together is more than the \
         {MIDAS_MAX_DAYS} days of the last 3 months"
    )]
    MidasPairOver {
        first: usize,
        second: usize,
        what: &'static str,
        total: u32,
    },
    #[error("'{0}' is not an instrument (midas, hit6)")]
    UnknownInstrument(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    Midas,
    Hit6,
}

impl Instrument {
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Midas => "midas",
            Instrument::Hit6 => "hit6",
        }
    }

    /// The instrument's published name.
    pub fn label(self) -> &'static str {
        match self {
            Instrument::Midas => "MIDAS",
            Instrument::Hit6 => "HIT-6",
        }
    }
}

impl FromStr for Instrument {
    type Err = PromError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_lowercase().replace('-', "").as_str() {
            "midas" => Ok(Instrument::Midas),
            "hit6" => Ok(Instrument::Hit6),
            _ => Err(PromError::UnknownInstrument(s.to_owned())),
        }
    }
}

impl fmt::Display for Instrument {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum MidasGrade {
    I,
    II,
    III,
    IV,
}

impl MidasGrade {
    pub fn of(score: u32) -> Self {
        match score {
            s if s >= MIDAS_GRADE_IV_FROM => MidasGrade::IV,
            s if s >= MIDAS_GRADE_III_FROM => MidasGrade::III,
            s if s >= MIDAS_GRADE_II_FROM => MidasGrade::II,
            _ => MidasGrade::I,
        }
    }

    pub fn description(self) -> &'static str {
        match self {
            MidasGrade::I => "little or no disability",
            MidasGrade::II => "mild disability",
            MidasGrade::III => "moderate disability",
            MidasGrade::IV => "severe disability",
        }
    }
}

/// A scored MIDAS questionnaire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Midas {
    /// The 5 scored items, days in the last 3 months.
    pub items: [u8; 5],
    /// Unscored item A: headache days in the last 3 months.
    pub headache_days: Option<u8>,
    /// Unscored item B: average pain, 0–10.
    pub average_pain: Option<u8>,
    pub score: u32,
    pub grade: MidasGrade,
}

fn days(item: usize, v: &str) -> Result<u8, PromError> {
    v.trim()
        .parse::<u8>()
        .ok()
        .filter(|d| *d <= MIDAS_MAX_DAYS)
        .ok_or_else(|| PromError::MidasDays {
            item,
            value: v.to_owned(),
        })
}

impl Midas {
    /// Scores the 5 day-count answers, with the two unscored items optionally after them.
    pub fn score(answers: &[&str]) -> Result<Self, PromError> {
        if !(5..=7).contains(&answers.len()) {
            return Err(PromError::MidasCount(answers.len()));
        }
        let mut items = [0u8; 5];
        for (i, a) in answers.iter().take(5).enumerate() {
            items[i] = days(i + 1, a)?;
        }
        let headache_days = answers.get(5).map(|a| days(6, a)).transpose()?;
        let average_pain = answers
            .get(6)
            .map(|a| {
                a.trim()
                    .parse::<u8>()
                    .ok()
                    .filter(|p| *p <= 10)
                    .ok_or_else(|| PromError::MidasPain((*a).to_owned()))
            })
            .transpose()?;
        let score = items.iter().map(|d| u32::from(*d)).sum();
        Ok(Midas {
            items,
            headache_days,
            average_pain,
            score,
            grade: MidasGrade::of(score),
        })
    }

    /// The answers can all be true at once: a day missed counts in item 1 or 2, never both
    /// (item 2 counts "not including days you missed"), so items 1 and 2 — work or school — add up
    /// to at most the 90 days asked about, and so do items 3 and 4, household work (Stewart et
    /// al., Neurology 2001;56(6 Suppl 1):S20-8, the MIDAS questionnaire's wording). Checked for
    /// each new answer set; stored answers are scored as they were given.
    pub fn check_plausible(&self) -> Result<(), PromError> {
        for (first, second, what) in [(1, 2, "work or school"), (3, 4, "household work")] {
            let total = u32::from(self.items[first - 1]) + u32::from(self.items[second - 1]);
            if total > u32::from(MIDAS_MAX_DAYS) {
                return Err(PromError::MidasPairOver {
                    first,
                    second,
                    what,
                    total,
                });
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hit6Answer {
    Never,
    Rarely,
    Sometimes,
    VeryOften,
    Always,
}

impl Hit6Answer {
    fn parse(item: usize, s: &str) -> Result<Self, PromError> {
        match s.trim().to_lowercase().replace(['_', '-'], " ").as_str() {
            "never" => Ok(Hit6Answer::Never),
            "rarely" => Ok(Hit6Answer::Rarely),
            "sometimes" => Ok(Hit6Answer::Sometimes),
            "very often" => Ok(Hit6Answer::VeryOften),
            "always" => Ok(Hit6Answer::Always),
            _ => Err(PromError::Hit6Answer {
                item,
                value: s.to_owned(),
            }),
        }
    }

    pub fn points(self) -> u32 {
        HIT6_SCORES
            .iter()
            .find(|(a, _)| *a == self)
            .map_or(0, |(_, p)| *p)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Hit6Band {
    LittleOrNoImpact,
    SomeImpact,
    SubstantialImpact,
    SevereImpact,
}

impl Hit6Band {
    pub fn of(total: u32) -> Self {
        match total {
            t if t >= HIT6_SEVERE_FROM => Hit6Band::SevereImpact,
            t if t >= HIT6_SUBSTANTIAL_FROM => Hit6Band::SubstantialImpact,
            t if t >= HIT6_SOME_FROM => Hit6Band::SomeImpact,
            _ => Hit6Band::LittleOrNoImpact,
        }
    }

    /// The band in words.
    pub fn description(self) -> &'static str {
        match self {
            Hit6Band::LittleOrNoImpact => "little or no impact",
            Hit6Band::SomeImpact => "some impact",
            Hit6Band::SubstantialImpact => "substantial impact",
            Hit6Band::SevereImpact => "severe impact",
        }
    }
}

/// A scored HIT-6.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit6 {
    pub answers: [Hit6Answer; HIT6_ITEMS],
    pub total: u32,
    pub band: Hit6Band,
}

impl Hit6 {
    pub fn score(answers: &[&str]) -> Result<Self, PromError> {
        if answers.len() != HIT6_ITEMS {
            return Err(PromError::Hit6Count(answers.len()));
        }
        let mut parsed = [Hit6Answer::Never; HIT6_ITEMS];
        for (i, a) in answers.iter().enumerate() {
            parsed[i] = Hit6Answer::parse(i + 1, a)?;
        }
        let total = parsed.iter().map(|a| a.points()).sum();
        Ok(Hit6 {
            answers: parsed,
            total,
            band: Hit6Band::of(total),
        })
    }
}

/// A scored questionnaire on a date.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "instrument", rename_all = "snake_case")]
pub enum PromResult {
    Midas(Midas),
    Hit6(Hit6),
}

impl PromResult {
    /// Scores answers given as text (days for MIDAS; answer words for HIT-6).
    pub fn score(instrument: Instrument, answers: &[&str]) -> Result<Self, PromError> {
        match instrument {
            Instrument::Midas => Midas::score(answers).map(PromResult::Midas),
            Instrument::Hit6 => Hit6::score(answers).map(PromResult::Hit6),
        }
    }

    /// New answers that can all be true at once (see [`Midas::check_plausible`]).
    pub fn check_plausible(&self) -> Result<(), PromError> {
        match self {
            PromResult::Midas(m) => m.check_plausible(),
            PromResult::Hit6(_) => Ok(()),
        }
    }

    pub fn instrument(&self) -> Instrument {
        match self {
            PromResult::Midas(_) => Instrument::Midas,
            PromResult::Hit6(_) => Instrument::Hit6,
        }
    }

    /// The total score.
    pub fn total(&self) -> u32 {
        match self {
            PromResult::Midas(m) => m.score,
            PromResult::Hit6(h) => h.total,
        }
    }

    /// The grade or band in words.
    pub fn interpretation(&self) -> String {
        match self {
            PromResult::Midas(m) => format!("grade {:?}, {}", m.grade, m.grade.description()),
            PromResult::Hit6(h) => h.band.description().to_owned(),
        }
    }
}

/// A questionnaire as recorded for a patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PromEntry {
    pub date: NaiveDate,
    pub result: PromResult,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn midas_paired_items_add_up_to_at_most_90_days() {
        let check = |a: &[&str]| Midas::score(a).expect("scored").check_plausible();
        assert!(check(&["45", "45", "45", "45", "90"]).is_ok());
        assert!(check(&["90", "0", "0", "90", "90"]).is_ok());
        let work = check(&["46", "45", "0", "0", "0"]).expect_err("91 work days");
        assert!(matches!(
            work,
            PromError::MidasPairOver {
                first: 1,
                second: 2,
                total: 91,
                ..
            }
        ));
        let home = check(&["0", "0", "1", "90", "0"]).expect_err("91 household days");
        assert!(matches!(
            home,
            PromError::MidasPairOver {
                first: 3,
                second: 4,
                ..
            }
        ));
        // Every item at 90 (score 450) cannot be true.
        assert!(check(&["90", "90", "90", "90", "90"]).is_err());
    }

    #[test]
    fn midas_grades_at_their_boundaries() {
        for (score, grade) in [
            (0, MidasGrade::I),
            (5, MidasGrade::I),
            (6, MidasGrade::II),
            (10, MidasGrade::II),
            (11, MidasGrade::III),
            (20, MidasGrade::III),
            (21, MidasGrade::IV),
            (450, MidasGrade::IV),
        ] {
            assert_eq!(MidasGrade::of(score), grade, "score {score}");
        }
        let m = Midas::score(&["2", "1", "0", "2", "1", "30", "7"]).expect("valid");
        assert_eq!(
            (m.score, m.grade, m.headache_days, m.average_pain),
            (6, MidasGrade::II, Some(30), Some(7))
        );
    }

    #[test]
    fn midas_items_are_days_0_to_90() {
        assert!(Midas::score(&["90", "90", "90", "90", "90"]).is_ok_and(|m| m.score == 450));
        assert_eq!(
            Midas::score(&["91", "0", "0", "0", "0"]),
            Err(PromError::MidasDays {
                item: 1,
                value: "91".into()
            })
        );
        assert!(Midas::score(&["-1", "0", "0", "0", "0"]).is_err());
        assert_eq!(
            Midas::score(&["1", "2", "3", "4"]),
            Err(PromError::MidasCount(4))
        );
        assert!(Midas::score(&["0", "0", "0", "0", "0", "0", "11"]).is_err());
    }

    #[test]
    fn hit6_totals_and_bands() {
        let all = |a: &str| Hit6::score(&[a; 6]).expect("valid");
        assert_eq!(
            (all("never").total, all("never").band),
            (36, Hit6Band::LittleOrNoImpact)
        );
        assert_eq!(
            (all("always").total, all("always").band),
            (78, Hit6Band::SevereImpact)
        );
        assert_eq!((HIT6_MIN_TOTAL, HIT6_MAX_TOTAL), (36, 78));
        assert_eq!(all("never").total, HIT6_MIN_TOTAL);
        assert_eq!(all("always").total, HIT6_MAX_TOTAL);
        // 49 / 50, 55 / 56, 59 / 60.
        let band = |answers: [&str; 6]| Hit6::score(&answers).expect("valid");
        let h = band([
            "sometimes",
            "sometimes",
            "rarely",
            "rarely",
            "rarely",
            "very often",
        ]);
        assert_eq!((h.total, h.band), (55, Hit6Band::SomeImpact));
        let h = band([
            "sometimes",
            "sometimes",
            "sometimes",
            "rarely",
            "rarely",
            "rarely",
        ]);
        assert_eq!((h.total, h.band), (54, Hit6Band::SomeImpact));
        assert_eq!(Hit6Band::of(49), Hit6Band::LittleOrNoImpact);
        assert_eq!(Hit6Band::of(50), Hit6Band::SomeImpact);
        assert_eq!(Hit6Band::of(55), Hit6Band::SomeImpact);
        assert_eq!(Hit6Band::of(56), Hit6Band::SubstantialImpact);
        assert_eq!(Hit6Band::of(59), Hit6Band::SubstantialImpact);
        assert_eq!(Hit6Band::of(60), Hit6Band::SevereImpact);
        let h = band([
            "very_often",
            "Very often",
            "very-often",
            "sometimes",
            "sometimes",
            "never",
        ]);
        assert_eq!(h.total, 59);
    }

    #[test]
    fn hit6_needs_one_valid_answer_per_item() {
        assert_eq!(Hit6::score(&["never"; 5]), Err(PromError::Hit6Count(5)));
        assert_eq!(Hit6::score(&["never"; 7]), Err(PromError::Hit6Count(7)));
        assert_eq!(
            Hit6::score(&["never", "never", "often", "never", "never", "never"]),
            Err(PromError::Hit6Answer {
                item: 3,
                value: "often".into()
            })
        );
    }
}
