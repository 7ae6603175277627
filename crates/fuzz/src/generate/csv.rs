//! CSV files written from a grammar: a header of known, unknown, duplicated and missing columns in
//! any order, rows built from a consistent model of an attack or a diary day (so that many files
//! are good), with any field swapped for a hostile value of its kind, rows with a field too few or
//! too many, quoting right or wrong, and any line ending.

use chrono::{Duration, NaiveDate, NaiveDateTime, NaiveTime};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::text::{hostile_date, hostile_datetime, hostile_duration, hostile_number, hostile_text};

/// What a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    /// The day, YYYY-MM-DD.
    Date,
    /// The attack's start.
    Start,
    /// The attack's end; with `true`, given only when the row gives no duration (the episode CSV
    /// takes one or the other).
    End(bool),
    /// Whole minutes of headache in the day (daily CSV).
    Minutes,
    /// Whole minutes of the attack (episode CSV), given when the row gives no end.
    DurationMinutes,
    /// "5h 20m" and friends (attack logs).
    Duration,
    /// none/mild/moderate/severe or 0–10.
    Intensity,
    /// A 0–10 pain level.
    Pain,
    /// A yes/no flag: the `n`th feature.
    Flag(usize),
    /// Medicines, `;`- or `,`-separated.
    Medicines,
    /// A whole count.
    Count,
    /// Free text.
    Notes,
    /// A list of the terms given, separated by the first separator.
    Terms(&'static [&'static str], &'static str),
    /// A column the reader does not read.
    Other,
}

/// A column of a CSV layout.
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub name: &'static str,
    pub field: Field,
    pub required: bool,
}

/// A CSV dialect: its columns and delimiter.
#[derive(Debug, Clone)]
pub struct Layout {
    pub columns: Vec<Column>,
    pub delimiter: char,
}

const MEDICINES: &[&str] = &[
    "sumatriptan 50mg",
    "rizatriptan 10 mg",
    "ibuprofen 400mg",
    "paracetamol",
    "naproxen 500 mg",
    "rimegepant",
];

/// One row's consistent content.
#[derive(Debug, Clone)]
struct Model {
    minutes: u32,
    start: u32,
    score: u8,
    flags: [bool; 8],
    medicines: Vec<usize>,
    paroxysms: u32,
    note: String,
    terms: Vec<usize>,
    duration_style: u8,
    intensity_words: bool,
}

fn model() -> impl Strategy<Value = Model> {
    (
        prop_oneof![
            2 => Just(0u32),
            1 => prop::sample::select(&[1u32, 29, 30, 239, 240, 1439, 1440][..]),
            4 => 1u32..1441,
        ],
        0u32..1440,
        1u8..11,
        any::<[bool; 8]>(),
        prop::collection::vec(0..MEDICINES.len(), 0..3),
        prop_oneof![4 => Just(0u32), 1 => 0u32..4],
        "[a-zA-Z ,.]{0,24}",
        prop::collection::vec(any::<usize>(), 0..3),
        0u8..3,
        any::<bool>(),
    )
        .prop_map(
            |(
                minutes,
                start,
                score,
                flags,
                medicines,
                paroxysms,
                note,
                terms,
                duration_style,
                intensity_words,
            )| {
                Model {
                    minutes,
                    start,
                    score,
                    flags,
                    medicines,
                    paroxysms,
                    note,
                    terms,
                    duration_style,
                    intensity_words,
                }
            },
        )
}

impl Model {
    /// The field's good value for this row, on `day`.
    fn value(&self, field: Field, day: NaiveDate) -> String {
        let headache = self.minutes > 0;
        let start = day.and_time(NaiveTime::MIN) + Duration::minutes(i64::from(self.start));
        let attack = i64::from(self.minutes.max(1));
        match field {
            Field::Date => day.to_string(),
            Field::Start => datetime(start),
            Field::End(either) if either && self.duration_style != 0 => String::new(),
            Field::End(_) => datetime(start + Duration::minutes(attack)),
            Field::Minutes => self.minutes.to_string(),
            Field::DurationMinutes if self.duration_style == 0 => String::new(),
            Field::DurationMinutes => attack.to_string(),
            Field::Duration => match self.duration_style {
                0 => format!("{}h {}m", attack / 60, attack % 60),
                1 => format!("{}:{:02}", attack / 60, attack % 60),
                _ => attack.to_string(),
            },
            Field::Intensity if !headache => {
                if self.intensity_words { "none" } else { "0" }.to_owned()
            }
            Field::Intensity => {
                if self.intensity_words {
                    match self.score {
                        1..=3 => "mild",
                        4..=6 => "moderate",
                        _ => "severe",
                    }
                    .to_owned()
                } else {
                    self.score.to_string()
                }
            }
            Field::Pain => self.score.to_string(),
            Field::Flag(n) => {
                // Aura may come without headache; the pain features may not.
                let on = self.flags[n % 8] && (headache || n == 7);
                if on { "1" } else { "0" }.to_owned()
            }
            Field::Medicines => self
                .medicines
                .iter()
                .map(|&i| MEDICINES[i % MEDICINES.len()])
                .collect::<Vec<_>>()
                .join("; "),
            Field::Count => self.paroxysms.to_string(),
            Field::Notes | Field::Other => self.note.clone(),
            Field::Terms(terms, sep) => self
                .terms
                .iter()
                .filter(|_| !terms.is_empty())
                .map(|&i| terms[i % terms.len()])
                .collect::<Vec<_>>()
                .join(&format!("{sep} ")),
        }
    }
}

fn datetime(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// A hostile value for a field of this kind.
fn hostile_for(field: Field, today: NaiveDate) -> BoxedStrategy<String> {
    match field {
        Field::Date => hostile_date(today),
        Field::Start | Field::End(_) => hostile_datetime(today),
        Field::Minutes | Field::DurationMinutes | Field::Count | Field::Pain => hostile_number(),
        Field::Duration => hostile_duration(),
        Field::Intensity => prop_oneof![
            prop::sample::select(
                &[
                    "",
                    "NONE",
                    "Severe ",
                    "extreme",
                    "11",
                    "-1",
                    "3.5",
                    "moderate;severe",
                    "０"
                ][..]
            )
            .prop_map(str::to_owned),
            hostile_number(),
            hostile_text(),
        ]
        .boxed(),
        Field::Flag(_) => prop_oneof![
            prop::sample::select(&["2", "y", "n", "TRUE", "Yes", "ja", "1.0", "-1", " 1 "][..])
                .prop_map(str::to_owned),
            hostile_text(),
        ]
        .boxed(),
        Field::Medicines => prop_oneof![
            prop::sample::select(
                &[
                    "sumatriptan 50mg;;",
                    ";",
                    "unknownium 5 mg",
                    "sumatriptan 99999999999mg",
                    "sumatriptan -5 mg",
                    "sumatriptan 0 mg",
                    "sumatriptan 1e9 mg",
                    "sumatriptan+ibuprofen",
                    "+",
                    "triptan",
                    "SUMATRIPTAN 50MG",
                    "sumatriptan 50 mg 50 mg",
                    "ibuprofen, paracetamol",
                ][..]
            )
            .prop_map(str::to_owned),
            hostile_text(),
        ]
        .boxed(),
        Field::Terms(terms, sep) => {
            let listed: Vec<String> = terms.iter().map(|t| (*t).to_owned()).collect();
            prop_oneof![
                prop::collection::vec(
                    prop_oneof![
                        prop::sample::select(listed).prop_map(|t| t.to_uppercase()),
                        hostile_text(),
                    ],
                    0..4
                )
                .prop_map(move |v| v.join(sep)),
                Just(sep.repeat(3)),
                hostile_text(),
            ]
            .boxed()
        }
        Field::Notes | Field::Other => hostile_text(),
    }
}

/// How a header name is written.
#[derive(Debug, Clone, Copy)]
enum Spelling {
    AsIs,
    Upper,
    Padded,
    Bom,
}

fn spell(name: &str, s: Spelling) -> String {
    match s {
        Spelling::AsIs => name.to_owned(),
        Spelling::Upper => name.to_uppercase(),
        Spelling::Padded => format!(" {name} "),
        Spelling::Bom => format!("\u{feff}{name}"),
    }
}

/// How a field is quoted.
fn quote(field: &str, delimiter: char, right: bool) -> String {
    let needs = field.contains(delimiter)
        || field.contains('"')
        || field.contains('\n')
        || field.contains('\r');
    if right && needs {
        format!("\"{}\"", field.replace('"', "\"\""))
    } else {
        field.to_owned()
    }
}

/// What the grammar chose for one file, before it is written.
#[derive(Debug, Clone)]
struct Plan {
    keep: Vec<bool>,
    order: Vec<usize>,
    spelling: Vec<Spelling>,
    unknown: Option<String>,
    duplicate: Option<usize>,
    first_day: i64,
    gap: i64,
    rows: Vec<(Model, Vec<Option<String>>, i8)>,
    quoting: bool,
    line_end: &'static str,
    final_newline: bool,
    blank_line: Option<usize>,
}

/// CSV files of `layout`; days fall before `today` (the last day of a covered period).
pub fn csv_file(layout: Layout, today: NaiveDate) -> BoxedStrategy<Vec<u8>> {
    let n = layout.columns.len();
    let hostile_cells: Vec<BoxedStrategy<Option<String>>> = layout
        .columns
        .iter()
        .map(|c| prop::option::weighted(0.02, hostile_for(c.field, today)).boxed())
        .collect();
    let row = (
        model(),
        hostile_cells,
        prop_oneof![30 => Just(0i8), 1 => Just(-1i8), 1 => Just(1i8)],
    );
    let keep = layout
        .columns
        .iter()
        .map(|c| prop::bool::weighted(if c.required { 0.98 } else { 0.75 }))
        .collect::<Vec<_>>();
    let order = Just((0..n).collect::<Vec<usize>>()).prop_shuffle();
    let spelling = prop::collection::vec(
        prop_oneof![
            20 => Just(Spelling::AsIs),
            1 => Just(Spelling::Upper),
            1 => Just(Spelling::Padded),
            1 => Just(Spelling::Bom),
        ],
        n,
    );
    (
        (keep, order, spelling),
        prop::option::weighted(0.04, prop_oneof![Just("colour".to_owned()), hostile_text()]),
        prop::option::weighted(0.03, 0..n.max(1)),
        (1i64..300, 1i64..4),
        prop::collection::vec(row, 0..14),
        (
            prop::bool::weighted(0.97),
            prop_oneof![8 => Just("\n"), 3 => Just("\r\n"), 1 => Just("\r")],
            prop::bool::weighted(0.8),
            prop::option::weighted(0.05, any::<usize>()),
        ),
    )
        .prop_map(
            |(
                (keep, order, spelling),
                unknown,
                duplicate,
                (first_day, gap),
                rows,
                (quoting, line_end, final_newline, blank_line),
            )| Plan {
                keep,
                order,
                spelling,
                unknown,
                duplicate,
                first_day,
                gap,
                rows,
                quoting,
                line_end,
                final_newline,
                blank_line,
            },
        )
        .prop_map(move |plan| write(&layout, today, &plan))
        .boxed()
}

fn write(layout: &Layout, today: NaiveDate, p: &Plan) -> Vec<u8> {
    let d = layout.delimiter;
    let mut cols: Vec<usize> = p
        .order
        .iter()
        .copied()
        .filter(|&i| p.keep.get(i).copied().unwrap_or(true))
        .collect();
    if let Some(i) = p.duplicate
        && i < layout.columns.len()
    {
        cols.push(i);
    }
    let mut header: Vec<String> = cols
        .iter()
        .map(|&i| spell(layout.columns[i].name, p.spelling[i]))
        .collect();
    if let Some(u) = &p.unknown {
        header.push(u.clone());
    }
    let mut lines: Vec<String> = vec![
        header
            .iter()
            .map(|h| quote(h, d, p.quoting))
            .collect::<Vec<_>>()
            .join(&d.to_string()),
    ];
    let days = p.rows.len() as i64;
    for (r, (model, hostile, shape)) in p.rows.iter().enumerate() {
        let back = p.first_day + (days - r as i64) * p.gap;
        let day = today - Duration::days(back);
        let mut fields: Vec<String> = cols
            .iter()
            .map(|&i| {
                hostile[i]
                    .clone()
                    .unwrap_or_else(|| model.value(layout.columns[i].field, day))
            })
            .collect();
        if p.unknown.is_some() {
            fields.push(model.note.clone());
        }
        match shape {
            -1 => {
                fields.pop();
            }
            1 => fields.push(String::new()),
            _ => {}
        }
        lines.push(
            fields
                .iter()
                .map(|f| quote(f, d, p.quoting))
                .collect::<Vec<_>>()
                .join(&d.to_string()),
        );
    }
    if let Some(b) = p.blank_line {
        let at = b % lines.len();
        lines.insert(at.max(1), String::new());
    }
    let mut text = lines.join(p.line_end);
    if p.final_newline {
        text.push_str(p.line_end);
    }
    text.into_bytes()
}
