//! Mutations of whole files as bytes: bit flips, inserted and deleted bytes, duplicated, removed
//! and swapped lines, truncation, splicing with another file and numbers swapped for boundary
//! values. They apply to seed files and to generated ones alike.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::text::{hostile_number, hostile_text};

/// Bytes worth putting anywhere: separators, quotes, line ends, brackets, invalid UTF-8.
const BYTES: &[u8] = &[
    0, 0x7f, 0x80, 0xc3, 0xe2, 0xef, 0xff, b'"', b'\'', b',', b';', b'\n', b'\r', b'\t', b' ',
    b'=', b'[', b']', b'{', b'}', b':', b'\\', b'#', b'-', b'.', b'0', b'9', b'e',
];

/// Tokens worth inserting: syntax of the formats read, and pieces of broken UTF-8.
const TOKENS: &[&str] = &[
    "\"",
    "\"\"",
    ",",
    ",,",
    ";",
    "\n",
    "\r\n",
    "\n\n",
    "[",
    "]",
    "[[",
    "{",
    "}",
    "=",
    " = ",
    ":",
    "null",
    "true",
    "-1",
    "1e999",
    "nan",
    "9223372036854775808",
    "\\u0000",
    "\\ud800",
    "\\",
    "#",
    "'''",
    "\"\"\"",
    "\u{feff}",
    "\u{0}",
    "é",
    "🙂",
];

#[derive(Debug, Clone)]
enum Edit {
    Flip { at: u64, bit: u8 },
    Set { at: u64, byte: u8 },
    Insert { at: u64, bytes: Vec<u8> },
    Delete { at: u64, len: usize },
    DuplicateLine { at: u64 },
    RemoveLine { at: u64 },
    SwapLines { a: u64, b: u64 },
    Truncate { at: u64 },
    Splice { at: u64, donor: u64, from: u64 },
    Number { which: u64, with: String },
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        2 => (any::<u64>(), 0u8..8).prop_map(|(at, bit)| Edit::Flip { at, bit }),
        2 => (any::<u64>(), prop_oneof![prop::sample::select(BYTES), any::<u8>()])
            .prop_map(|(at, byte)| Edit::Set { at, byte }),
        3 => (any::<u64>(), prop_oneof![
                3 => prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
                1 => prop::collection::vec(any::<u8>(), 1..8),
                1 => hostile_text().prop_map(String::into_bytes),
            ])
            .prop_map(|(at, bytes)| Edit::Insert { at, bytes }),
        2 => (any::<u64>(), 1usize..32).prop_map(|(at, len)| Edit::Delete { at, len }),
        2 => any::<u64>().prop_map(|at| Edit::DuplicateLine { at }),
        2 => any::<u64>().prop_map(|at| Edit::RemoveLine { at }),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(a, b)| Edit::SwapLines { a, b }),
        1 => any::<u64>().prop_map(|at| Edit::Truncate { at }),
        1 => (any::<u64>(), any::<u64>(), any::<u64>())
            .prop_map(|(at, donor, from)| Edit::Splice { at, donor, from }),
        3 => (any::<u64>(), hostile_number()).prop_map(|(which, with)| Edit::Number { which, with }),
    ]
}

/// Byte ranges of the lines of `b`, each with its line end.
fn lines(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < b.len() {
        out.push((start, b.len()));
    }
    out
}

/// Byte ranges of the runs of ASCII digits in `b`.
fn numbers(b: &[u8]) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i].is_ascii_digit() {
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            out.push((start, i));
        } else {
            i += 1;
        }
    }
    out
}

/// Element `p / 2^64` of the way along `0..size` (`size` > 0); shrinks towards the first.
pub fn pick(p: u64, size: usize) -> usize {
    usize::try_from((u128::from(p) * size as u128) >> 64).unwrap_or(0)
}

/// A position in `0..=len`.
fn pos(at: u64, len: usize) -> usize {
    pick(at, len + 1)
}

fn apply(b: &mut Vec<u8>, e: &Edit, donors: &[Vec<u8>]) {
    match e {
        Edit::Flip { at, bit } => {
            if !b.is_empty() {
                let i = pick(*at, b.len());
                b[i] ^= 1 << bit;
            }
        }
        Edit::Set { at, byte } => {
            if !b.is_empty() {
                let i = pick(*at, b.len());
                b[i] = *byte;
            }
        }
        Edit::Insert { at, bytes } => {
            let i = pos(*at, b.len());
            b.splice(i..i, bytes.iter().copied());
        }
        Edit::Delete { at, len } => {
            if !b.is_empty() {
                let i = pick(*at, b.len());
                let end = (i + len).min(b.len());
                b.drain(i..end);
            }
        }
        Edit::DuplicateLine { at } => {
            let ls = lines(b);
            if !ls.is_empty() {
                let (s, e) = ls[pick(*at, ls.len())];
                let mut line = b[s..e].to_vec();
                if line.last() != Some(&b'\n') {
                    line.insert(0, b'\n');
                }
                b.splice(e..e, line);
            }
        }
        Edit::RemoveLine { at } => {
            let ls = lines(b);
            if !ls.is_empty() {
                let (s, e) = ls[pick(*at, ls.len())];
                b.drain(s..e);
            }
        }
        Edit::SwapLines { a, b: other } => {
            let ls = lines(b);
            if ls.len() > 1 {
                let (i, j) = (pick(*a, ls.len()), pick(*other, ls.len()));
                let (i, j) = (i.min(j), i.max(j));
                if i != j {
                    let (first, second) = (ls[i], ls[j]);
                    let mut out = Vec::with_capacity(b.len() + 1);
                    out.extend_from_slice(&b[..first.0]);
                    out.extend_from_slice(&b[second.0..second.1]);
                    if out.last() != Some(&b'\n') {
                        out.push(b'\n');
                    }
                    out.extend_from_slice(&b[first.1..second.0]);
                    out.extend_from_slice(&b[first.0..first.1]);
                    out.extend_from_slice(&b[second.1..]);
                    *b = out;
                }
            }
        }
        Edit::Truncate { at } => {
            let i = pos(*at, b.len());
            b.truncate(i);
        }
        Edit::Splice { at, donor, from } => {
            if !donors.is_empty() {
                let d = &donors[pick(*donor, donors.len())];
                let i = pos(*at, b.len());
                let j = pos(*from, d.len());
                b.truncate(i);
                b.extend_from_slice(&d[j..]);
            }
        }
        Edit::Number { which, with } => {
            let ns = numbers(b);
            if !ns.is_empty() {
                let (s, e) = ns[pick(*which, ns.len())];
                b.splice(s..e, with.bytes());
            }
        }
    }
}

/// `base` with one to six edits applied; `donors` are the files spliced in.
pub fn mutated(base: BoxedStrategy<Vec<u8>>, donors: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    let donors = Arc::new(donors);
    (base, prop::collection::vec(edit(), 1..7))
        .prop_map(move |(mut b, edits)| {
            for e in &edits {
                apply(&mut b, e, &donors);
            }
            b
        })
        .boxed()
}

/// One of `seeds`, unchanged.
pub fn seed(seeds: Vec<Vec<u8>>) -> BoxedStrategy<Vec<u8>> {
    prop::sample::select(seeds).boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_edits_keep_the_other_lines() {
        let mut b = b"a\nb\nc".to_vec();
        apply(&mut b, &Edit::SwapLines { a: 0, b: u64::MAX }, &[]);
        assert_eq!(b, b"c\nb\na\n");
        let mut b = b"x,12,y".to_vec();
        apply(
            &mut b,
            &Edit::Number {
                which: 0,
                with: "1441".into(),
            },
            &[],
        );
        assert_eq!(b, b"x,1441,y");
    }
}
