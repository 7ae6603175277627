//! JSON and TOML documents as one tree, so that the same edits apply to both: values swapped for
//! hostile ones of the same kind or of another, keys removed, known and unknown keys added,
//! entries duplicated, values wrapped and nested, pieces spliced from elsewhere in the document.
//! The tree keeps duplicate keys and raw text, so that what neither format's values can say (a
//! number too large, `nan`, a date-time, broken syntax, deep nesting) can still be written.

use std::sync::Arc;

use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

use super::bytes::pick;
use super::text::{hostile_date, hostile_number, hostile_text};

/// A JSON or TOML value.
#[derive(Debug, Clone, PartialEq)]
pub enum Node {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Array(Vec<Node>),
    /// Entries in order; a key may appear twice.
    Table(Vec<(String, Node)>),
    /// Written as is.
    Raw(String),
}

/// Which text a tree is written as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    Json,
    Toml,
}

impl Node {
    pub fn from_json(v: &serde_json::Value) -> Node {
        use serde_json::Value;
        match v {
            Value::Null => Node::Null,
            Value::Bool(b) => Node::Bool(*b),
            Value::Number(n) => match (n.as_i64(), n.as_f64()) {
                (Some(i), _) => Node::Int(i),
                (None, Some(f)) if n.is_f64() => Node::Float(f),
                _ => Node::Raw(n.to_string()),
            },
            Value::String(s) => Node::Str(s.clone()),
            Value::Array(a) => Node::Array(a.iter().map(Node::from_json).collect()),
            Value::Object(o) => Node::Table(
                o.iter()
                    .map(|(k, v)| (k.clone(), Node::from_json(v)))
                    .collect(),
            ),
        }
    }

    pub fn from_toml(v: &toml::Value) -> Node {
        use toml::Value;
        match v {
            Value::String(s) => Node::Str(s.clone()),
            Value::Integer(i) => Node::Int(*i),
            Value::Float(f) => Node::Float(*f),
            Value::Boolean(b) => Node::Bool(*b),
            Value::Datetime(d) => Node::Raw(d.to_string()),
            Value::Array(a) => Node::Array(a.iter().map(Node::from_toml).collect()),
            Value::Table(t) => Node::Table(
                t.iter()
                    .map(|(k, v)| (k.clone(), Node::from_toml(v)))
                    .collect(),
            ),
        }
    }

    /// A TOML document as a tree (a table).
    pub fn parse_toml(text: &str) -> Option<Node> {
        toml::from_str::<toml::Table>(text)
            .ok()
            .map(|t| Node::from_toml(&toml::Value::Table(t)))
    }

    pub fn write(&self, syntax: Syntax) -> String {
        match syntax {
            Syntax::Json => {
                let mut out = String::new();
                json(self, &mut out);
                out
            }
            Syntax::Toml => match self {
                Node::Table(t) => {
                    let mut out = String::new();
                    toml_section(&[], t, false, &mut out);
                    out
                }
                other => {
                    let mut out = "value = ".to_owned();
                    toml_inline(other, &mut out);
                    out.push('\n');
                    out
                }
            },
        }
    }

    /// Every node's path (child positions from the root), the root first.
    fn paths(&self) -> Vec<Vec<usize>> {
        fn walk(n: &Node, here: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
            out.push(here.clone());
            let children: Vec<&Node> = match n {
                Node::Array(a) => a.iter().collect(),
                Node::Table(t) => t.iter().map(|(_, v)| v).collect(),
                _ => Vec::new(),
            };
            for (i, c) in children.into_iter().enumerate() {
                here.push(i);
                walk(c, here, out);
                here.pop();
            }
        }
        let mut out = Vec::new();
        walk(self, &mut Vec::new(), &mut out);
        out
    }

    fn at_mut(&mut self, path: &[usize]) -> Option<&mut Node> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Node::Array(a) => a.get_mut(*first)?.at_mut(rest),
            Node::Table(t) => t.get_mut(*first)?.1.at_mut(rest),
            _ => None,
        }
    }

    fn at(&self, path: &[usize]) -> Option<&Node> {
        let Some((first, rest)) = path.split_first() else {
            return Some(self);
        };
        match self {
            Node::Array(a) => a.get(*first)?.at(rest),
            Node::Table(t) => t.get(*first)?.1.at(rest),
            _ => None,
        }
    }

    /// Every key of every table, for adding known keys where they do not belong.
    fn keys(&self, out: &mut Vec<String>) {
        match self {
            Node::Array(a) => a.iter().for_each(|n| n.keys(out)),
            Node::Table(t) => {
                for (k, v) in t {
                    if !out.contains(k) {
                        out.push(k.clone());
                    }
                    v.keys(out);
                }
            }
            _ => {}
        }
    }
}

fn json_string(s: &str, out: &mut String) {
    out.push_str(&serde_json::Value::String(s.to_owned()).to_string());
}

fn json(n: &Node, out: &mut String) {
    match n {
        Node::Null => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Float(f) => match serde_json::Number::from_f64(*f) {
            Some(n) => out.push_str(&n.to_string()),
            None => out.push_str(&format!("{f}")),
        },
        Node::Str(s) => json_string(s, out),
        Node::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json(v, out);
            }
            out.push(']');
        }
        Node::Table(t) => {
            out.push('{');
            for (i, (k, v)) in t.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_string(k, out);
                out.push(':');
                json(v, out);
            }
            out.push('}');
        }
        Node::Raw(r) => out.push_str(r),
    }
}

fn toml_key(k: &str, out: &mut String) {
    if !k.is_empty()
        && k.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    {
        out.push_str(k);
    } else {
        toml_string(k, out);
    }
}

fn toml_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn toml_inline(n: &Node, out: &mut String) {
    match n {
        // TOML has no null: an empty inline table stands in (a wrong type wherever it lands).
        Node::Null => out.push_str("{}"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::Float(f) if f.is_nan() => out.push_str("nan"),
        Node::Float(f) if f.is_infinite() => out.push_str(if *f > 0.0 { "inf" } else { "-inf" }),
        Node::Float(f) => out.push_str(&format!("{f:?}")),
        Node::Str(s) => toml_string(s, out),
        Node::Array(a) => {
            out.push('[');
            for (i, v) in a.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                toml_inline(v, out);
            }
            out.push(']');
        }
        Node::Table(t) => {
            out.push('{');
            for (i, (k, v)) in t.iter().enumerate() {
                out.push_str(if i > 0 { ", " } else { " " });
                toml_key(k, out);
                out.push_str(" = ");
                toml_inline(v, out);
            }
            out.push_str(" }");
        }
        Node::Raw(r) => out.push_str(r),
    }
}

fn is_table_array(n: &Node) -> bool {
    matches!(n, Node::Array(a) if !a.is_empty() && a.iter().all(|x| matches!(x, Node::Table(_))))
}

/// A table as a section: its plain values, then its tables as `[a.b]` and its arrays of tables
/// as `[[a.b]]`.
fn toml_section(path: &[String], t: &[(String, Node)], array: bool, out: &mut String) {
    if !path.is_empty() {
        out.push_str(if array { "\n[[" } else { "\n[" });
        for (i, p) in path.iter().enumerate() {
            if i > 0 {
                out.push('.');
            }
            toml_key(p, out);
        }
        out.push_str(if array { "]]\n" } else { "]\n" });
    }
    for (k, v) in t {
        if !matches!(v, Node::Table(_)) && !is_table_array(v) {
            toml_key(k, out);
            out.push_str(" = ");
            toml_inline(v, out);
            out.push('\n');
        }
    }
    for (k, v) in t {
        let mut sub = path.to_vec();
        sub.push(k.clone());
        match v {
            Node::Table(inner) => toml_section(&sub, inner, false, out),
            Node::Array(items) if is_table_array(v) => {
                for item in items {
                    if let Node::Table(inner) = item {
                        toml_section(&sub, inner, true, out);
                    }
                }
            }
            _ => {}
        }
    }
}

/// Raw text of each syntax that its values cannot otherwise say.
fn raw(syntax: Syntax) -> BoxedStrategy<String> {
    const JSON: &[&str] = &[
        "1e999",
        "-1e999",
        "NaN",
        "Infinity",
        "01",
        "-0",
        "1.",
        ".5",
        "+1",
        "0x10",
        "18446744073709551616",
        "340282366920938463463374607431768211456",
        "'single'",
        "undefined",
        "\"\\ud800\"",
        "\"\\u0000\"",
        "\"\\x41\"",
        "tru",
        "nul",
        "[",
        "{",
        "}",
        "\"unterminated",
        "[1,]",
        "{\"a\":1,}",
    ];
    const TOML: &[&str] = &[
        "nan",
        "+inf",
        "-inf",
        "-nan",
        "1979-05-27T07:32:00Z",
        "1979-05-27T07:32:00",
        "1979-05-27",
        "07:32:00",
        "0x_1",
        "1__0",
        "9223372036854775808",
        "-9223372036854775809",
        "1e400",
        "'''multi\nline'''",
        "\"\"\"a\n\"\"\"",
        "'literal \\ no escape'",
        "\"\\u0000\"",
        "\"\\uD800\"",
        "[",
        "{ a = 1, }",
        "{ a = 1 }\nb = 2",
        "\"a\" = 1",
        "1\n[x]",
    ];
    let (pool, open, close): (&'static [&'static str], &str, &str) = match syntax {
        Syntax::Json => (JSON, "[", "]"),
        Syntax::Toml => (TOML, "[", "]"),
    };
    let (open, close) = (open.to_owned(), close.to_owned());
    prop_oneof![
        4 => prop::sample::select(pool).prop_map(str::to_owned),
        1 => prop::sample::select(&[32usize, 127, 128, 129, 1000, 100_000][..])
            .prop_map(move |depth| format!("{}1{}", open.repeat(depth), close.repeat(depth))),
        1 => prop::sample::select(&[128usize, 10_000][..])
            .prop_map(move |depth| "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth)),
    ]
    .boxed()
}

/// A small tree of hostile values.
pub fn any_node(syntax: Syntax) -> BoxedStrategy<Node> {
    let leaf = prop_oneof![
        Just(Node::Null),
        any::<bool>().prop_map(Node::Bool),
        prop_oneof![
            prop::sample::select(&[0i64, -1, 1, 1440, 1441, 4_294_967_295, i64::MAX, i64::MIN][..]),
            any::<i64>(),
        ]
        .prop_map(Node::Int),
        prop_oneof![
            prop::sample::select(&[0.5, -0.0, 1e308, -1e308, 5e-324, f64::NAN, f64::INFINITY][..]),
            any::<f64>(),
        ]
        .prop_map(Node::Float),
        hostile_text().prop_map(Node::Str),
        raw(syntax).prop_map(Node::Raw),
    ];
    leaf.prop_recursive(3, 12, 4, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Node::Array),
            prop::collection::vec(("[a-z_]{1,8}", inner), 0..4).prop_map(Node::Table),
        ]
    })
    .boxed()
}

/// A replacement for one value, chosen when the value is known.
#[derive(Debug, Clone)]
struct Hostile {
    same_kind: bool,
    int: i64,
    float: f64,
    text: String,
    date: String,
    number_text: String,
    node: Node,
}

fn hostile(syntax: Syntax) -> impl Strategy<Value = Hostile> {
    let today = chrono::NaiveDate::from_ymd_opt(2026, 7, 1).unwrap_or_default();
    (
        prop::bool::weighted(0.6),
        prop_oneof![
            prop::sample::select(
                &[
                    0i64,
                    -1,
                    1,
                    10,
                    11,
                    24,
                    25,
                    1440,
                    1441,
                    100_000,
                    4_294_967_295,
                    4_294_967_296,
                    i64::MAX,
                    i64::MIN
                ][..]
            ),
            any::<i64>(),
        ],
        prop_oneof![
            prop::sample::select(
                &[
                    0.0,
                    -0.0,
                    -1.0,
                    0.5,
                    31.0,
                    31.5,
                    100.0,
                    100.5,
                    1e308,
                    f64::NAN,
                    f64::INFINITY,
                    f64::NEG_INFINITY
                ][..]
            ),
            any::<f64>(),
        ],
        hostile_text(),
        hostile_date(today),
        hostile_number(),
        any_node(syntax),
    )
        .prop_map(
            |(same_kind, int, float, text, date, number_text, node)| Hostile {
                same_kind,
                int,
                float,
                text,
                date,
                number_text,
                node,
            },
        )
}

impl Hostile {
    fn instead_of(&self, old: &Node) -> Node {
        if !self.same_kind {
            return self.node.clone();
        }
        match old {
            Node::Null | Node::Raw(_) => self.node.clone(),
            Node::Bool(b) => Node::Bool(!b),
            Node::Int(_) => Node::Int(self.int),
            Node::Float(_) => Node::Float(self.float),
            Node::Str(s) if looks_like_date(s) => Node::Str(self.date.clone()),
            Node::Str(s) if s.parse::<f64>().is_ok() => Node::Str(self.number_text.clone()),
            Node::Str(_) => Node::Str(self.text.clone()),
            Node::Array(a) => {
                let mut a = a.clone();
                a.push(self.node.clone());
                Node::Array(a)
            }
            Node::Table(_) => self.node.clone(),
        }
    }
}

fn looks_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 10 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-'
}

#[derive(Debug, Clone)]
enum Edit {
    Replace {
        at: u64,
        with: Hostile,
    },
    Remove {
        at: u64,
    },
    AddKey {
        at: u64,
        key: u64,
        unknown: Option<String>,
        value: Hostile,
    },
    Duplicate {
        at: u64,
    },
    Wrap {
        at: u64,
        array: bool,
    },
    Splice {
        at: u64,
        from: u64,
    },
}

fn edit(syntax: Syntax) -> impl Strategy<Value = Edit> {
    prop_oneof![
        6 => (any::<u64>(), hostile(syntax)).prop_map(|(at, with)| Edit::Replace { at, with }),
        2 => any::<u64>().prop_map(|at| Edit::Remove { at }),
        2 => (any::<u64>(), any::<u64>(), prop::option::weighted(0.5, "[a-zA-Z_]{1,12}"), hostile(syntax))
            .prop_map(|(at, key, unknown, value)| Edit::AddKey { at, key, unknown, value }),
        1 => any::<u64>().prop_map(|at| Edit::Duplicate { at }),
        1 => (any::<u64>(), any::<bool>()).prop_map(|(at, array)| Edit::Wrap { at, array }),
        1 => (any::<u64>(), any::<u64>()).prop_map(|(at, from)| Edit::Splice { at, from }),
    ]
}

fn apply(root: &mut Node, e: &Edit, known_keys: &[String]) {
    let paths = root.paths();
    let path_of = |p: u64| paths[pick(p, paths.len())].clone();
    match e {
        Edit::Replace { at, with } => {
            if let Some(n) = root.at_mut(&path_of(*at)) {
                *n = with.instead_of(n);
            }
        }
        Edit::Remove { at } => {
            let path = path_of(*at);
            if let Some((last, parent)) = path.split_last()
                && let Some(p) = root.at_mut(parent)
            {
                match p {
                    Node::Array(a) if *last < a.len() => {
                        a.remove(*last);
                    }
                    Node::Table(t) if *last < t.len() => {
                        t.remove(*last);
                    }
                    _ => {}
                }
            }
        }
        Edit::AddKey {
            at,
            key,
            unknown,
            value,
        } => {
            let tables: Vec<&Vec<usize>> = paths
                .iter()
                .filter(|p| matches!(root.at(p), Some(Node::Table(_))))
                .collect();
            if tables.is_empty() {
                return;
            }
            let path = tables[pick(*at, tables.len())].clone();
            let name = match (unknown, known_keys.is_empty()) {
                (Some(u), _) => u.clone(),
                (None, false) => known_keys[pick(*key, known_keys.len())].clone(),
                (None, true) => "unknown".to_owned(),
            };
            if let Some(Node::Table(t)) = root.at_mut(&path) {
                let old = t.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
                let v = value.instead_of(&old.unwrap_or(Node::Str(String::new())));
                t.push((name, v));
            }
        }
        Edit::Duplicate { at } => {
            let path = path_of(*at);
            if let Some((last, parent)) = path.split_last()
                && let Some(p) = root.at_mut(parent)
            {
                match p {
                    Node::Array(a) if *last < a.len() => {
                        let v = a[*last].clone();
                        a.insert(*last, v);
                    }
                    Node::Table(t) if *last < t.len() => {
                        let v = t[*last].clone();
                        t.insert(*last, v);
                    }
                    _ => {}
                }
            }
        }
        Edit::Wrap { at, array } => {
            if let Some(n) = root.at_mut(&path_of(*at)) {
                let inner = std::mem::replace(n, Node::Null);
                *n = if *array {
                    Node::Array(vec![inner])
                } else {
                    Node::Table(vec![("value".to_owned(), inner)])
                };
            }
        }
        Edit::Splice { at, from } => {
            let donor = root.at(&path_of(*from)).cloned();
            if let (Some(d), Some(n)) = (donor, root.at_mut(&path_of(*at))) {
                *n = d;
            }
        }
    }
}

/// One of `seeds` with one to three edits, written in `syntax`.
pub fn edited(seeds: Vec<Node>, syntax: Syntax) -> BoxedStrategy<String> {
    edited_tree(seeds, syntax)
        .prop_map(move |n| n.write(syntax))
        .boxed()
}

/// One of `seeds` with one to three edits.
pub fn edited_tree(seeds: Vec<Node>, syntax: Syntax) -> BoxedStrategy<Node> {
    let mut known = Vec::new();
    for s in &seeds {
        s.keys(&mut known);
    }
    let known = Arc::new(known);
    (
        prop::sample::select(seeds),
        prop::collection::vec(edit(syntax), 1..4),
    )
        .prop_map(move |(mut n, edits)| {
            for e in &edits {
                apply(&mut n, e, &known);
            }
            n
        })
        .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_documents_are_written_back_as_read() {
        let text = "id = \"x\"\nn = 1.5\n[start]\ncolumn = \"s\"\nformats = [\"%Y\"]\n\n[[symptoms]]\ncolumn = \"a b\"\n[symptoms.terms]\n\"light x\" = \"photophobia\"\n";
        let tree = Node::parse_toml(text).expect("toml");
        let again = Node::parse_toml(&tree.write(Syntax::Toml)).expect("written toml");
        assert_eq!(tree, again);
    }

    #[test]
    fn json_documents_are_written_back_as_read() {
        let v: serde_json::Value =
            serde_json::from_str(r#"{"a":[1,2.5,"x\n",null,{"b":true}],"c":-3}"#).expect("json");
        let tree = Node::from_json(&v);
        let again: serde_json::Value =
            serde_json::from_str(&tree.write(Syntax::Json)).expect("written json");
        assert_eq!(v, again);
    }
}
