//! Hostile field values as text: the strings, numbers, dates and times a file, a form or a JSON body
//! may carry, biased towards the boundaries the parsers check.

use chrono::{Duration, NaiveDate};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

/// Strings that have broken parsers before: empty, white space, quotes and separators, line
/// breaks, control characters, unusual Unicode, markup and format strings.
const HOSTILE: &[&str] = &[
    "",
    " ",
    "\t",
    "  padded  ",
    "\"",
    "\"\"",
    "'",
    "a\"b",
    "\"unterminated",
    "\n",
    "\r\n",
    "\r",
    "a\nb",
    "line one\r\nline two",
    ",",
    ";",
    ",,,",
    "a,b;c",
    "=",
    "&",
    "%",
    "%zz",
    "+",
    "#",
    "[x]",
    "[[x]]",
    "{}",
    "[]",
    "null",
    "true",
    "é",
    "Ü",
    "ß",
    "İ",
    "ﬃ",
    "日本語",
    "🙂",
    "👩‍⚕️",
    "\u{202e}cilbup",
    "e\u{301}",
    "\u{feff}",
    "\u{feff}date",
    "\u{0}",
    "a\u{0}b",
    "\u{7f}",
    "\u{1}\u{8}\u{b}\u{c}",
    "\u{1b}[31m",
    "\u{fffd}",
    "\u{fffe}",
    "\u{10ffff}",
    "\u{2028}",
    "\u{85}",
    "١٢٣",
    "１２",
    "Ⅻ",
    "<script>alert(1)</script>",
    "&amp;&lt;",
    "'; DROP TABLE patients; --",
    "{{7*7}}",
    "${jndi:ldap://x}",
    "%s%n%x%d",
    "{0}",
    "../../etc/passwd",
    "C:\\con\\aux",
    "none",
    "None",
    "N/A",
    "-",
    "ignore",
    "nausea",
    "sumatriptan",
];

/// Numbers written as text, at the parsers' boundaries and beyond what their types hold.
const NUMBERS: &[&str] = &[
    "0",
    "-0",
    "+0",
    "00",
    "1",
    "-1",
    "+1",
    "7",
    "10",
    "11",
    "29",
    "30",
    "239",
    "240",
    "1000",
    "1001",
    "1439",
    "1440",
    "1441",
    "-1440",
    "2000",
    "2001",
    "65535",
    "65536",
    "2147483647",
    "2147483648",
    "-2147483649",
    "4294967295",
    "4294967296",
    "9223372036854775807",
    "9223372036854775808",
    "-9223372036854775808",
    "-9223372036854775809",
    "18446744073709551615",
    "18446744073709551616",
    "340282366920938463463374607431768211456",
    "99999999999999999999999999999999999999999999",
    "1e3",
    "1E400",
    "-1e400",
    "1e-400",
    "1.5",
    "0.5",
    "-0.5",
    ".5",
    "5.",
    "1,5",
    "1_000",
    "1 000",
    "0x10",
    "0b1",
    "0o7",
    "NaN",
    "nan",
    "inf",
    "-inf",
    "Infinity",
    " 7 ",
    "7 7",
    "7a",
    "٧",
    "７",
    "00000000000000000000000000001",
];

/// Dates at the calendar's and the types' edges, and in formats the readers do not take.
const DATES: &[&str] = &[
    "2024-02-29",
    "2025-02-29",
    "2026-02-30",
    "2026-04-31",
    "2026-13-01",
    "2026-00-10",
    "2026-01-00",
    "2026-1-1",
    "2026-01-01T00:00",
    "2026-01-01 ",
    " 2026-01-01",
    "01/02/2026",
    "2026/01/02",
    "20260102",
    "2026-W01",
    "0000-01-01",
    "0001-01-01",
    "-0001-01-01",
    "1899-12-31",
    "1900-01-01",
    "1969-12-31",
    "1970-01-01",
    "2038-01-19",
    "9999-12-31",
    "+10000-01-01",
    "262143-12-31",
    "262144-01-01",
    "-262144-01-01",
    "-999999-01-01",
    "2026-02-29T25:00",
    "today",
    "",
];

/// Times of day, for date-time fields.
const TIMES: &[&str] = &[
    "00:00",
    "23:59",
    "24:00",
    "25:00",
    "12:60",
    "12:00:60",
    "23:59:60",
    "12:00:59.999",
    "7:5",
    "12",
    "12:00:00Z",
    "12:00+01:00",
    "noon",
];

/// One of the hostile strings, an arbitrary string, or a long one.
pub fn hostile_text() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(HOSTILE).prop_map(str::to_owned),
        3 => any::<String>(),
        2 => "[ -~]{0,40}",
        1 => "\\PC{0,200}",
        1 => (prop::sample::select(&[255usize, 256, 1000, 1001, 2000, 2001, 10_000, 100_000][..]), "[a-zé]")
            .prop_map(|(n, c)| c.repeat(n)),
        1 => prop::sample::select(NUMBERS).prop_map(str::to_owned),
        1 => prop::sample::select(DATES).prop_map(str::to_owned),
    ]
    .boxed()
}

/// A number written as text: a boundary, any integer or float, or something that only looks like
/// a number.
pub fn hostile_number() -> BoxedStrategy<String> {
    prop_oneof![
        6 => prop::sample::select(NUMBERS).prop_map(str::to_owned),
        2 => any::<i64>().prop_map(|n| n.to_string()),
        1 => any::<u64>().prop_map(|n| n.to_string()),
        1 => any::<f64>().prop_map(|n| n.to_string()),
        1 => (-5i64..2000).prop_map(|n| n.to_string()),
        1 => hostile_text(),
    ]
    .boxed()
}

/// A date written as text: near `today` (past and future), at the edges, or malformed.
pub fn hostile_date(today: NaiveDate) -> BoxedStrategy<String> {
    prop_oneof![
        4 => prop::sample::select(DATES).prop_map(str::to_owned),
        3 => (-3i64..3700).prop_map(move |back| (today - Duration::days(back)).to_string()),
        1 => (0i32..10_000, 1u32..13, 1u32..32).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}")),
        1 => (any::<i32>(), 0u32..99, 0u32..99).prop_map(|(y, m, d)| format!("{y}-{m:02}-{d:02}")),
        1 => hostile_text(),
    ]
    .boxed()
}

/// A local date and time written as text.
pub fn hostile_datetime(today: NaiveDate) -> BoxedStrategy<String> {
    prop_oneof![
        3 => (hostile_date(today), prop::sample::select(TIMES), prop::sample::select(&[" ", "T", "  ", ""][..]))
            .prop_map(|(d, t, sep)| format!("{d}{sep}{t}")),
        2 => (-3i64..800, 0u32..24, 0u32..60)
            .prop_map(move |(back, h, m)| format!("{} {h:02}:{m:02}", today - Duration::days(back))),
        1 => hostile_date(today),
        1 => hostile_text(),
    ]
    .boxed()
}

/// A duration as people write it ("5h 20m", "1:30", "90"), at the edges or malformed.
pub fn hostile_duration() -> BoxedStrategy<String> {
    const DURATIONS: &[&str] = &[
        "0",
        "0h",
        "0:00",
        "00:00",
        "1:60",
        "1:5",
        ":30",
        "1:",
        "-5",
        "-1h",
        "1d",
        "1d 2h",
        "24h",
        "24:00",
        "1441",
        "2.5",
        "2.5h",
        ".5h",
        "h",
        "m",
        "5h 20m 3s",
        "5h20m",
        "5 h 20 m",
        "2 hours 30 minutes",
        "1 hour",
        "99999999999h",
        "9999999999999d",
        "153722867280912930:07",
        "9223372036854775807",
        "9223372036854775807:00",
        "1e3",
        "1e300h",
        "NaN",
        "inf h",
        "1.5.5h",
        "٢h",
        "5h -20m",
    ];
    prop_oneof![
        4 => prop::sample::select(DURATIONS).prop_map(str::to_owned),
        2 => (any::<u64>(), prop::sample::select(&["h", "m", "d", " min", " hours", ""][..]))
            .prop_map(|(n, u)| format!("{n}{u}")),
        1 => (any::<u32>(), any::<u32>()).prop_map(|(h, m)| format!("{h}:{m:02}")),
        1 => hostile_number(),
        1 => hostile_text(),
    ]
    .boxed()
}

/// Percent-encodes everything but the unreserved characters (for paths, queries and forms).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}
