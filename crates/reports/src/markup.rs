//! Writing Typst markup from data: every piece of text that comes from a record goes through
//! [`escape`] (in markup) or [`string`] (in code), so a patient's name, a note or a medicine can
//! never become markup, code, a heading, a list or a link.

use std::fmt::Write as _;

/// Text made safe to place in Typst markup (inside a document or a `[…]` content block): every
/// ASCII punctuation character is preceded by a backslash (typst's escape for "this character,
/// literally"), so nothing in the text can start code (`#`), emphasis, raw text, maths, a label, a
/// reference, a heading, a list, a comment, a link, a smart quote or a shorthand (`--`, `...`,
/// `~`). Line breaks become typst line breaks, tabs become spaces and other control characters
/// are dropped.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 4);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\\n");
            }
            '\n' | '\u{2028}' | '\u{2029}' | '\u{85}' => out.push_str("\\\n"),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c if c.is_ascii_punctuation() => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

/// Text as a typst string literal (for code: `image(alt: …)`, `document(title: …)`), quotes
/// included.
pub fn string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A `[…]` content block holding `text`.
pub fn content(text: &str) -> String {
    format!("[{}]", escape(text))
}

/// A number with one decimal, or the words given for "none".
pub fn one_decimal(x: Option<f64>, none: &str) -> String {
    x.map_or_else(|| none.to_owned(), |v| format!("{v:.1}"))
}

/// A table: `columns` is typst's column list (e.g. `(auto, 1fr)`), `header` the header cells'
/// text, `rows` each row's cells as markup (already escaped, or built with [`content`]).
pub fn table(columns: &str, header: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = String::new();
    let _ = write!(out, "#table(columns: {columns},\n  table.header(");
    for h in header {
        let _ = write!(out, "[*{}*], ", escape(h));
    }
    out.push_str("),\n");
    for row in rows {
        out.push_str("  ");
        for cell in row {
            let _ = write!(out, "[{cell}], ");
        }
        out.push('\n');
    }
    out.push_str(")\n");
    out
}

/// A two-column grid of labels and values (text, escaped here).
pub fn facts(pairs: &[(&str, String)]) -> String {
    let mut out =
        String::from("#grid(columns: (auto, 1fr), column-gutter: 8pt, row-gutter: 3pt,\n");
    for (k, v) in pairs {
        let _ = writeln!(out, "  [*{}*], [{}],", escape(k), escape(v));
    }
    out.push_str(")\n");
    out
}

/// The outcome of a check in capitals, as the reports print it.
pub fn outcome_word(met: Option<bool>) -> &'static str {
    match met {
        Some(true) => "MET",
        Some(false) => "NOT MET",
        None => "UNKNOWN",
    }
}

/// A continuation decision in capitals.
pub fn decision_word(d: cephalog_core::response::DecisionOutcome) -> &'static str {
    use cephalog_core::response::DecisionOutcome as D;
    match d {
        D::Continue => "CONTINUE",
        D::Stop => "STOP",
        D::Review => "REVIEW",
        D::NotYetApplicable => "NOT YET APPLICABLE",
        D::Unknown => "UNKNOWN",
    }
}

/// The preamble every report starts with: page, fonts, table style, and a footer naming the
/// report, the patient and the page.
pub fn preamble(title: &str, footer: &str) -> String {
    format!(
        r#"#set document(title: {title_s}, author: "Cephalog", date: none)
#set page(paper: "a4", margin: (x: 1.4cm, top: 1.3cm, bottom: 1.5cm),
  footer: context text(size: 7pt, fill: luma(90))[{footer} #h(1fr) Page #counter(page).display() of #counter(page).final().first()])
#set text(font: "{font}", size: 8pt, lang: "en", region: "GB")
#set par(justify: false, leading: 0.45em, spacing: 0.7em)
#set table(stroke: 0.4pt + luma(170), inset: (x: 3pt, y: 2.2pt))
#set grid(row-gutter: 0pt)
#show table.cell.where(y: 0): set text(size: 7.5pt)
#show heading: set block(above: 0.9em, below: 0.45em)
#show heading.where(level: 1): set text(size: 13pt)
#show heading.where(level: 2): set text(size: 9.5pt)
"#,
        title_s = string(title),
        footer = escape(footer),
        font = crate::typeset::FONT_FAMILY,
    )
}

/// A heading of `level` with `text`.
pub fn heading(level: usize, text: &str) -> String {
    format!("{} {}\n", "=".repeat(level.max(1)), escape(text))
}

/// A paragraph of text.
pub fn para(text: &str) -> String {
    format!("{}\n\n", escape(text))
}

/// A chart placed at `width` (e.g. `100%`), labelled for the PDF's tags by `alt`.
pub fn image(chart: &crate::typeset::Chart, width: &str, alt: &str) -> String {
    format!(
        "#image({}, width: {width}, alt: {})\n",
        string(&chart.path()),
        string(alt)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::typeset::{layout, page_texts};

    /// What typst typesets for `markup` on its own: the text runs of the first page.
    fn typeset(markup: &str) -> String {
        let doc = layout(
            &format!("#set page(width: 40cm, height: auto, margin: 1cm)\n#set text(font: \"DejaVu Sans\")\n{markup}"),
            &[],
        )
        .expect("compiles");
        page_texts(&doc).join(" ")
    }

    fn words(s: &str) -> String {
        s.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    const NASTY: &[&str] = &[
        "#panic(\"boom\")",
        "#include \"/etc/passwd\"",
        "*bold* _emph_ `raw` $x^2$",
        "= Heading at the start",
        "- list item",
        "+ numbered",
        "1. enumerated",
        "/ Term: description",
        "// a comment",
        "/* block */ comment",
        "<label> and @reference",
        "https://example.org/a_b",
        "a \\ b \\u{41} \\",
        "quotes 'single' \"double\"",
        "dashes -- and --- and ... and ~",
        "[brackets] {braces} (parens)",
        "50% & 3 < 4 > 2 = x; a, b: c! d? e^f | g",
        "Zoë Łukasiewicz-Ørsted, O'Brien ≥ 10 × 2",
        "#let x = 1; #x",
        "```rust\nfn main() {}\n```",
        "$",
        "\\",
        "#",
        "]",
    ];

    #[test]
    fn escaped_text_is_typeset_verbatim() {
        for s in NASTY {
            let got = typeset(&escape(s));
            assert_eq!(words(&got), words(s), "escape({s:?})");
            let inside = typeset(&format!("#box{}", content(s)));
            assert_eq!(words(&inside), words(s), "content({s:?})");
            let code = typeset(&format!("#text({})", string(s)));
            assert_eq!(words(&code), words(s), "string({s:?})");
        }
    }

    #[test]
    fn line_breaks_stay_line_breaks_and_controls_go() {
        assert_eq!(escape("a\nb"), "a\\\nb");
        assert_eq!(escape("a\r\nb"), "a\\\nb");
        assert_eq!(escape("a\tb\u{7}c"), "a bc");
        assert_eq!(
            words(&typeset(&escape("one\n- two\n= three"))),
            "one - two = three"
        );
        assert_eq!(string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u{1}\"");
    }

    #[test]
    fn only_ascii_punctuation_is_escaped() {
        assert_eq!(escape("Ada Example"), "Ada Example");
        assert_eq!(escape("≥ 15 days/month"), "≥ 15 days\\/month");
        assert_eq!(escape("#"), "\\#");
        assert_eq!(escape("\\u{41}"), "\\\\u\\{41\\}");
    }

    #[test]
    fn tables_and_facts_escape_their_text() {
        let t = table(
            "(auto, auto)",
            &["a*", "b#"],
            &[vec![escape("#x"), escape("[y]")]],
        );
        assert_eq!(words(&typeset(&t)), "a* b# #x [y]");
        let f = facts(&[("Name", "_Ann_ #1".to_owned())]);
        assert_eq!(words(&typeset(&f)), "Name _Ann_ #1");
    }
}
