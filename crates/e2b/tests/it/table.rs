//! The FDA's E2B(R3) data-element table (`tests/data/fda/fda-icsr-data-elements.csv`, see the
//! README there for its source), read at test time, and the "values allowed" column turned into
//! checks.

use std::collections::BTreeSet;
use std::path::PathBuf;

/// One data element of the table.
#[derive(Debug, Clone)]
pub struct Row {
    /// ICH or FDA (regional element).
    pub source: String,
    pub number: String,
    pub name: String,
    pub data_type: String,
    pub values_allowed: String,
    pub ich: String,
    pub ich_rule: String,
    pub post_market: String,
    /// nullFlavors the table marks "Yes" for this element.
    pub null_flavors: Vec<String>,
    pub value_xpath: String,
    pub null_xpath: String,
}

impl Row {
    pub fn ich_required(&self) -> bool {
        self.ich == "Required"
    }

    pub fn post_market_required(&self) -> bool {
        self.post_market == "Required"
    }
}

pub fn table_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/fda/fda-icsr-data-elements.csv")
}

pub fn example_path(file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/fda")
        .join(file)
}

const COL_SOURCE: usize = 0;
const COL_NUMBER: usize = 2;
const COL_NAME: usize = 3;
const COL_DATA_TYPE: usize = 5;
const COL_VALUES: usize = 6;
const COL_ICH: usize = 7;
const COL_ICH_RULE: usize = 8;
const COL_POST_MARKET: usize = 9;
const COL_NULL_FIRST: usize = 20;
const COL_NULL_LAST: usize = 28;
const COL_XPATH_VALUE: usize = 32;
const COL_XPATH_NULL: usize = 33;

/// Every element row of the table (group headings without an XPath are dropped).
pub fn load() -> Vec<Row> {
    let path = table_path();
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_path(&path)
        .unwrap_or_else(|e| {
            panic!(
                "the FDA data-element table is needed at {} (it ships with the e2b \
                 crate's tests): {e}",
                path.display()
            )
        });
    let records: Vec<csv::StringRecord> = reader
        .records()
        .collect::<Result<_, _>>()
        .expect("the FDA table is well-formed CSV");
    let (groups, header, rows) = match records.as_slice() {
        [groups, header, rows @ ..] => (groups, header, rows),
        _ => panic!("the FDA table has no header rows"),
    };
    let cell = |r: &csv::StringRecord, i: usize| r.get(i).unwrap_or("").trim().to_owned();
    assert_eq!(
        cell(groups, COL_ICH),
        "ICH",
        "table layout: ICH conformance column"
    );
    assert_eq!(
        cell(groups, COL_POST_MARKET),
        "Post-Market",
        "table layout: post-market conformance column"
    );
    assert_eq!(cell(header, COL_NUMBER), "DATA ELEMENT NUMBER");
    assert_eq!(cell(header, COL_VALUES), "VALUES ALLOWED");
    assert_eq!(cell(header, COL_ICH), "CONFORMANCE");
    assert_eq!(cell(header, COL_XPATH_VALUE), "Value");
    assert_eq!(cell(header, COL_XPATH_NULL), "Null");
    let flavors: Vec<String> = (COL_NULL_FIRST..=COL_NULL_LAST)
        .map(|i| cell(header, i))
        .collect();
    assert_eq!(flavors.first().map(String::as_str), Some("NI"));
    rows.iter()
        .map(|r| Row {
            source: cell(r, COL_SOURCE),
            number: cell(r, COL_NUMBER),
            name: cell(r, COL_NAME),
            data_type: cell(r, COL_DATA_TYPE),
            values_allowed: cell(r, COL_VALUES),
            ich: cell(r, COL_ICH),
            ich_rule: cell(r, COL_ICH_RULE),
            post_market: cell(r, COL_POST_MARKET),
            null_flavors: (COL_NULL_FIRST..=COL_NULL_LAST)
                .zip(&flavors)
                .filter(|(i, _)| cell(r, *i).to_ascii_lowercase().starts_with("yes"))
                .map(|(_, f)| f.clone())
                .collect(),
            value_xpath: cell(r, COL_XPATH_VALUE),
            null_xpath: cell(r, COL_XPATH_NULL),
        })
        .filter(|r| r.value_xpath.starts_with('/') || r.value_xpath.starts_with("substring("))
        .collect()
}

/// What the "values allowed" column permits, as far as it can be checked.
#[derive(Debug, Clone, PartialEq)]
pub enum Allowed {
    /// A code list: "1=Spontaneous report 2=…", "C16352=African American …".
    Codes(BTreeSet<String>),
    /// "false, true" or "true".
    Booleans(BTreeSet<String>),
    /// ISO 3166-1 alpha-2 (and "EU").
    Country,
    /// ISO 639-2 alpha-3.
    Language,
    Numeric,
    /// "N.N".
    MeddraVersion,
    /// A date or date-time; `to_the_second` when the business rule asks for seconds.
    DateTime {
        to_the_second: bool,
    },
    /// UCUM units listed by code.
    Units(BTreeSet<String>),
    FreeText,
    /// Wording that names no checkable set (e.g. "Constrained UCUM codes: {DF}, SPL, …").
    Unchecked,
}

impl Allowed {
    pub fn of(row: &Row) -> Allowed {
        let mut text = row
            .values_allowed
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if let Some(rest) = text.strip_prefix("<Observation><code>=")
            && let Some((_, after)) = rest.split_once(". ")
        {
            text = after.to_owned();
        }
        let text = match text.find("nullFlavor") {
            Some(i) => text[..i].trim().trim_end_matches(',').trim().to_owned(),
            None => text,
        };
        let lower = text.to_ascii_lowercase();
        if row.data_type == "Date/Time" || text.starts_with("CCYY") || lower.contains("appendix ii")
        {
            return Allowed::DateTime {
                to_the_second: row.ich_rule.contains("to the second"),
            };
        }
        if lower.contains("iso 3166") {
            return Allowed::Country;
        }
        if lower.contains("iso 639") {
            return Allowed::Language;
        }
        if lower.starts_with("ucum code") {
            let list = text.split_once(':').map(|(_, l)| l).unwrap_or("");
            return Allowed::Units(
                list.split(',')
                    .filter_map(|item| item.split_whitespace().next())
                    .map(str::to_owned)
                    .collect(),
            );
        }
        if lower.contains("ucum") {
            return Allowed::Unchecked;
        }
        let codes: BTreeSet<String> = text
            .split_whitespace()
            .filter_map(|token| token.split_once('=').map(|(code, _)| code))
            .filter(|code| !code.is_empty())
            .map(str::to_owned)
            .collect();
        if !codes.is_empty() {
            return Allowed::Codes(codes);
        }
        let words: BTreeSet<String> = lower
            .split(',')
            .map(|w| w.trim().to_owned())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() && words.iter().all(|w| w == "true" || w == "false") {
            return Allowed::Booleans(words);
        }
        match lower.as_str() {
            "numeric" => Allowed::Numeric,
            "n.n" => Allowed::MeddraVersion,
            _ if lower.starts_with("free text") => Allowed::FreeText,
            _ => Allowed::Unchecked,
        }
    }

    /// Whether a value found in a message fits.
    pub fn admits(&self, value: &str) -> bool {
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        match self {
            Allowed::Codes(codes) | Allowed::Booleans(codes) | Allowed::Units(codes) => {
                codes.contains(value)
            }
            Allowed::Country => value.len() == 2 && value.bytes().all(|b| b.is_ascii_uppercase()),
            Allowed::Language => value.len() == 3 && value.bytes().all(|b| b.is_ascii_lowercase()),
            Allowed::Numeric => {
                let mut parts = value.splitn(2, '.');
                parts.next().is_some_and(digits) && parts.next().is_none_or(digits)
            }
            Allowed::MeddraVersion => value
                .split_once('.')
                .is_some_and(|(a, b)| digits(a) && digits(b)),
            Allowed::DateTime { to_the_second } => {
                let (stamp, offset) = match value.find(['+', '-']) {
                    Some(i) => (&value[..i], Some(&value[i + 1..])),
                    None => (value, None),
                };
                let precise = if *to_the_second {
                    stamp.len() == 14
                } else {
                    stamp.len() >= 8
                };
                digits(stamp)
                    && precise
                    && stamp.len() <= 14
                    && offset.is_none_or(|o| o.len() == 4 && digits(o))
            }
            Allowed::FreeText => !value.trim().is_empty(),
            Allowed::Unchecked => true,
        }
    }
}
