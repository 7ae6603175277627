//! The SVG writer every chart uses: XML escaping, fixed-decimal numbers, elements with escaped
//! attributes, the root element with its accessible name, a legend layout and a date axis.

use std::fmt;

use chrono::{Datelike, Duration, NaiveDate};

use crate::theme::{
    CHAR_WIDTH_EM, DASH_MARKER, FONT_AXIS, FONT_FAMILY, FONT_SMALL, HALO_WIDTH, HATCH,
    HATCH_SPACING, INK, LEGEND_ITEM_GAP, LEGEND_ROW_HEIGHT, LEGEND_SWATCH_GAP,
    LEGEND_SWATCH_HEIGHT, LEGEND_SWATCH_WIDTH, MIN_TICK_SPACING, MUTED, PAPER, SESSION,
    STROKE_MARK, TICK_LENGTH,
};

/// Escapes text for XML content and attribute values: `&`, `<`, `>`, `"` and `'` become
/// entities; tab, line feed and carriage return become character references, so a parser's
/// whitespace normalisation leaves them as they were; characters XML 1.0 does not allow (the
/// other control characters, U+FFFE and U+FFFF) become U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// A number printed with one decimal, the same on every platform; `-0.0` prints as `0.0` and a
/// non-finite number as `0.0`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Num(pub f64);

impl fmt::Display for Num {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = if self.0.is_finite() { self.0 } else { 0.0 };
        let s = format!("{v:.1}");
        if s == "-0.0" {
            f.write_str("0.0")
        } else {
            f.write_str(&s)
        }
    }
}

/// An attribute: name and value. The value is escaped when written.
pub(crate) type Attr<'a> = (&'static str, &'a dyn fmt::Display);

/// An SVG fragment under construction, one element per line.
#[derive(Debug, Default)]
pub(crate) struct Svg {
    out: String,
}

impl Svg {
    pub(crate) fn new() -> Self {
        Svg::default()
    }

    fn start_tag(&mut self, tag: &str, attrs: &[Attr<'_>]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (name, value) in attrs {
            self.out.push(' ');
            self.out.push_str(name);
            self.out.push_str("=\"");
            self.out.push_str(&escape(&value.to_string()));
            self.out.push('"');
        }
    }

    /// `<tag …>` and a line break: children follow, then [`Svg::close`].
    pub(crate) fn open(&mut self, tag: &str, attrs: &[Attr<'_>]) {
        self.start_tag(tag, attrs);
        self.out.push_str(">\n");
    }

    /// `</tag>`.
    pub(crate) fn close(&mut self, tag: &str) {
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// `<tag …/>`.
    pub(crate) fn leaf(&mut self, tag: &str, attrs: &[Attr<'_>]) {
        self.start_tag(tag, attrs);
        self.out.push_str("/>\n");
    }

    /// `<tag …>text</tag>`, the text escaped.
    pub(crate) fn text(&mut self, tag: &str, attrs: &[Attr<'_>], text: &str) {
        self.start_tag(tag, attrs);
        self.out.push('>');
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// `<tag …><title>tooltip</title></tag>`: a data mark with its value as a tooltip.
    pub(crate) fn titled(&mut self, tag: &str, attrs: &[Attr<'_>], tooltip: &str) {
        self.start_tag(tag, attrs);
        self.out.push_str("><title>");
        self.out.push_str(&escape(tooltip));
        self.out.push_str("</title></");
        self.out.push_str(tag);
        self.out.push_str(">\n");
    }

    /// `<title>tooltip</title>`, as the first child of an open group.
    pub(crate) fn title(&mut self, tooltip: &str) {
        self.text("title", &[], tooltip);
    }

    /// A text label in the chart's small font.
    pub(crate) fn label(&mut self, x: f64, y: f64, anchor: &str, fill: &str, text: &str) {
        self.text(
            "text",
            &[
                ("x", &Num(x)),
                ("y", &Num(y)),
                ("font-size", &Num(FONT_SMALL)),
                ("text-anchor", &anchor),
                ("fill", &fill),
            ],
            text,
        );
    }

    /// A label with a white halo, readable over hatching and shading.
    pub(crate) fn halo_label(&mut self, x: f64, y: f64, transform: Option<&str>, text: &str) {
        let (x, y) = (Num(x), Num(y));
        let mut attrs: Vec<Attr<'_>> = vec![
            ("x", &x),
            ("y", &y),
            ("font-size", &Num(FONT_SMALL)),
            ("text-anchor", &"middle"),
            ("fill", &INK),
            ("stroke", &PAPER),
            ("stroke-width", &Num(HALO_WIDTH)),
            ("stroke-linejoin", &"round"),
            ("paint-order", &"stroke"),
        ];
        if let Some(t) = &transform {
            attrs.push(("transform", t));
        }
        self.text("text", &attrs, text);
    }

    /// A line segment.
    pub(crate) fn line(
        &mut self,
        (x1, y1): (f64, f64),
        (x2, y2): (f64, f64),
        stroke: &str,
        width: f64,
    ) {
        self.leaf(
            "line",
            &[
                ("x1", &Num(x1)),
                ("y1", &Num(y1)),
                ("x2", &Num(x2)),
                ("y2", &Num(y2)),
                ("stroke", &stroke),
                ("stroke-width", &Num(width)),
            ],
        );
    }

    /// Appends a finished fragment.
    pub(crate) fn append(&mut self, other: Svg) {
        self.out.push_str(&other.out);
    }
}

/// A chart's element-id prefix: ASCII letters, digits, `-` and `_` kept, anything else turned
/// into `-`; a prefix that is empty or does not start with a letter gets a leading `c`.
pub(crate) fn id_prefix(id: &str) -> String {
    let cleaned: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if cleaned.starts_with(|c: char| c.is_ascii_alphabetic()) {
        cleaned
    } else {
        format!("c{cleaned}")
    }
}

/// What the root element needs.
pub(crate) struct Root<'a> {
    pub id: &'a str,
    pub class: &'a str,
    pub width: f64,
    pub height: f64,
    pub title: &'a str,
    pub desc: &'a str,
}

/// The whole document: the root `<svg>` with `viewBox`, `role="img"` and `aria-labelledby`
/// naming its `<title>` and `<desc>`, then `defs` and `body`.
pub(crate) fn document(root: &Root<'_>, defs: Svg, body: Svg) -> String {
    let id = id_prefix(root.id);
    let title_id = format!("{id}-title");
    let desc_id = format!("{id}-desc");
    let labelled_by = format!("{title_id} {desc_id}");
    let view_box = format!("0 0 {} {}", Num(root.width), Num(root.height));
    let class = format!("cephalog-chart {}", root.class);
    let mut svg = Svg::new();
    svg.open(
        "svg",
        &[
            ("xmlns", &"http://www.w3.org/2000/svg"),
            ("id", &id),
            ("class", &class),
            ("viewBox", &view_box),
            ("preserveAspectRatio", &"xMidYMid meet"),
            ("role", &"img"),
            ("aria-labelledby", &labelled_by),
            ("font-family", &FONT_FAMILY),
            ("fill", &INK),
        ],
    );
    svg.text("title", &[("id", &title_id)], root.title);
    svg.text("desc", &[("id", &desc_id)], root.desc);
    if !defs.out.is_empty() {
        svg.open("defs", &[]);
        svg.append(defs);
        svg.close("defs");
    }
    svg.append(body);
    svg.close("svg");
    svg.out
}

/// Estimated width of `text` at `font_size`: a fixed average glyph width, so layout is the same
/// whatever font the reader has.
pub(crate) fn text_width(text: &str, font_size: f64) -> f64 {
    text.chars().count() as f64 * font_size * CHAR_WIDTH_EM
}

/// Where each legend item goes: its swatch's left edge and the row's vertical centre.
#[derive(Debug)]
pub(crate) struct LegendLayout {
    pub positions: Vec<(f64, f64)>,
    pub height: f64,
}

/// Lays legend items out left to right from (`x0`, `y0`), wrapping to a new row before `x1`.
pub(crate) fn legend_layout(labels: &[&str], x0: f64, x1: f64, y0: f64) -> LegendLayout {
    let mut positions = Vec::with_capacity(labels.len());
    let mut x = x0;
    let mut row = 0.0;
    for label in labels {
        let width = LEGEND_SWATCH_WIDTH + LEGEND_SWATCH_GAP + text_width(label, FONT_SMALL);
        if x > x0 && x + width > x1 {
            x = x0;
            row += 1.0;
        }
        positions.push((x, y0 + LEGEND_ROW_HEIGHT * (row + 0.5)));
        x += width + LEGEND_ITEM_GAP;
    }
    let rows = if labels.is_empty() { 0.0 } else { row + 1.0 };
    LegendLayout {
        positions,
        height: rows * LEGEND_ROW_HEIGHT,
    }
}

/// Writes a legend label beside its swatch at `(x, y)` from [`legend_layout`].
pub(crate) fn legend_label(svg: &mut Svg, (x, y): (f64, f64), text: &str) {
    svg.text(
        "text",
        &[
            ("x", &Num(x + LEGEND_SWATCH_WIDTH + LEGEND_SWATCH_GAP)),
            ("y", &Num(y + FONT_SMALL * 0.35)),
            ("font-size", &Num(FONT_SMALL)),
            ("fill", &INK),
        ],
        text,
    );
}

const MONTH_ABBREVIATIONS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

const MONTH_NAMES: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

const WEEKDAY_NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/// "Jan" for month 1.
pub(crate) fn month_abbreviation(month: u32) -> &'static str {
    MONTH_ABBREVIATIONS
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// "January" for month 1.
pub(crate) fn month_name(month: u32) -> &'static str {
    MONTH_NAMES
        .get(month.saturating_sub(1) as usize)
        .copied()
        .unwrap_or("")
}

/// "Mon" for 0 … "Sun" for 6.
pub(crate) fn weekday_name(from_monday: u32) -> &'static str {
    WEEKDAY_NAMES
        .get(from_monday as usize)
        .copied()
        .unwrap_or("")
}

/// "3 Feb 2026": unambiguous in every locale.
pub(crate) fn date_text(d: NaiveDate) -> String {
    format!("{} {} {}", d.day(), month_abbreviation(d.month()), d.year())
}

/// "3 Feb 2026 – 2 Mar 2026", or one date when both ends are the same day.
pub(crate) fn span_text(start: NaiveDate, end: NaiveDate) -> String {
    if start == end {
        date_text(start)
    } else {
        format!("{} – {}", date_text(start), date_text(end))
    }
}

/// A value with one decimal, the same on every platform.
pub(crate) fn one_decimal(v: f64) -> String {
    Num(v).to_string()
}

/// Dates mapped onto a horizontal pixel range; a date stands for the whole day, from its
/// left edge.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TimeScale {
    start: NaiveDate,
    days: f64,
    x0: f64,
    x1: f64,
}

impl TimeScale {
    /// Days `start` up to, not including, `end`; at least one day.
    pub(crate) fn new(start: NaiveDate, end: NaiveDate, x0: f64, x1: f64) -> Self {
        let days = (end - start).num_days().max(1) as f64;
        TimeScale {
            start,
            days,
            x0,
            x1,
        }
    }

    /// The left edge of `d`.
    pub(crate) fn x(&self, d: NaiveDate) -> f64 {
        let offset = (d - self.start).num_days() as f64;
        self.x0 + (self.x1 - self.x0) * offset / self.days
    }

    /// The middle of the days `start` to `end`, inclusive.
    pub(crate) fn mid(&self, start: NaiveDate, end: NaiveDate) -> f64 {
        (self.x(start) + self.x(end + Duration::days(1))) / 2.0
    }

    fn end(&self) -> NaiveDate {
        // `days` came from a whole number of days.
        self.start + Duration::days(self.days as i64)
    }

    /// Ticks at the first of months, every 1, 2, 3, 6 or 12 months so labels do not crowd:
    /// (x, month label, year label on the first tick and on every January).
    pub(crate) fn month_ticks(&self) -> Vec<(f64, String, Option<String>)> {
        const STEPS: [u32; 5] = [1, 2, 3, 6, 12];
        let px_per_month = (self.x1 - self.x0) / self.days * 30.44;
        let step = STEPS
            .into_iter()
            .find(|s| f64::from(*s) * px_per_month >= MIN_TICK_SPACING)
            .unwrap_or(12);
        let mut ticks = Vec::new();
        let Some(mut month) = self.start.with_day(1) else {
            return ticks;
        };
        if month < self.start {
            month = next_month(month);
        }
        let end = self.end();
        while month <= end {
            if (month.month() - 1) % step == 0 {
                let year =
                    (ticks.is_empty() || month.month() == 1).then(|| month.year().to_string());
                let label = if step == 12 {
                    String::new()
                } else {
                    month_abbreviation(month.month()).to_owned()
                };
                ticks.push((self.x(month), label, year));
            }
            month = next_month(month);
        }
        if ticks.is_empty() {
            ticks.push((self.x(self.start), date_text(self.start), None));
        }
        ticks
    }

    /// Draws the month ticks below a plot whose bottom edge is `y`, and the axis title "date".
    pub(crate) fn draw_axis(&self, svg: &mut Svg, y: f64, with_labels: bool) {
        for (x, label, year) in self.month_ticks() {
            svg.line((x, y), (x, y + TICK_LENGTH), INK, 1.0);
            if !with_labels {
                continue;
            }
            let (first, second) = if label.is_empty() {
                (year.unwrap_or_default(), None)
            } else {
                (label, year)
            };
            svg.label(x, y + TICK_LENGTH + FONT_SMALL, "middle", MUTED, &first);
            if let Some(year) = second {
                svg.label(
                    x,
                    y + TICK_LENGTH + 2.0 * FONT_SMALL + 1.0,
                    "middle",
                    MUTED,
                    &year,
                );
            }
        }
    }
}

/// A diagonal hatching pattern, for "no data"; `background` fills behind the lines, or
/// nothing when `None` so shading underneath shows through.
pub(crate) fn hatch_pattern(defs: &mut Svg, id: &str, background: Option<&str>) {
    defs.open(
        "pattern",
        &[
            ("id", &id),
            ("width", &Num(HATCH_SPACING)),
            ("height", &Num(HATCH_SPACING)),
            ("patternUnits", &"userSpaceOnUse"),
            ("patternTransform", &"rotate(45)"),
        ],
    );
    if let Some(fill) = &background {
        defs.leaf(
            "rect",
            &[
                ("width", &Num(HATCH_SPACING)),
                ("height", &Num(HATCH_SPACING)),
                ("fill", fill),
            ],
        );
    }
    defs.line((0.0, 0.0), (0.0, HATCH_SPACING), HATCH, 1.5);
    defs.close("pattern");
}

/// The points of an upward triangle around (`cx`, `cy`) with circumradius `r`.
pub(crate) fn triangle_points(cx: f64, cy: f64, r: f64) -> String {
    let half_base = r * 0.866;
    format!(
        "{},{} {},{} {},{}",
        Num(cx),
        Num(cy - r),
        Num(cx + half_base),
        Num(cy + r / 2.0),
        Num(cx - half_base),
        Num(cy + r / 2.0)
    )
}

/// The label of a session marker.
pub(crate) const SESSION_LABEL: &str = "session";
/// Height of a row of session labels; two rows fit above a plot.
const SESSION_LABEL_ROW: f64 = 13.0;

/// Vertical dashed lines at the session dates from above `plot_top` to `plot_bottom`, each
/// labelled "session" above the plot; a label that would overlap the previous one moves up a row.
pub(crate) fn draw_sessions(
    body: &mut Svg,
    scale: &TimeScale,
    sessions: &[NaiveDate],
    plot_top: f64,
    plot_bottom: f64,
) {
    body.open("g", &[("class", &"sessions")]);
    let mut row_ends = [f64::NEG_INFINITY; 2];
    let half = text_width(SESSION_LABEL, FONT_SMALL) / 2.0 + 3.0;
    for d in sessions {
        let x = scale.x(*d);
        let row = row_ends
            .iter()
            .position(|end| x - half >= *end)
            .unwrap_or(1);
        row_ends[row] = x + half;
        let label_y = plot_top - 6.0 - SESSION_LABEL_ROW * row as f64;
        body.titled(
            "line",
            &[
                ("class", &"session"),
                ("x1", &Num(x)),
                ("y1", &Num(label_y + 3.0)),
                ("x2", &Num(x)),
                ("y2", &Num(plot_bottom)),
                ("stroke", &SESSION),
                ("stroke-width", &Num(STROKE_MARK)),
                ("stroke-dasharray", &DASH_MARKER),
            ],
            &format!("{SESSION_LABEL} on {}", date_text(*d)),
        );
        body.label(x, label_y, "middle", INK, SESSION_LABEL);
    }
    body.close("g");
}

/// The legend swatch of a session marker.
pub(crate) fn session_swatch(body: &mut Svg, (x, y): (f64, f64)) {
    let mid = x + LEGEND_SWATCH_WIDTH / 2.0;
    body.leaf(
        "line",
        &[
            ("x1", &Num(mid)),
            ("y1", &Num(y - LEGEND_SWATCH_HEIGHT / 2.0)),
            ("x2", &Num(mid)),
            ("y2", &Num(y + LEGEND_SWATCH_HEIGHT / 2.0)),
            ("stroke", &SESSION),
            ("stroke-width", &Num(STROKE_MARK)),
            ("stroke-dasharray", &DASH_MARKER),
        ],
    );
}

/// A vertical axis title, centred on `y_mid` along the left edge.
pub(crate) fn axis_title_y(body: &mut Svg, y_mid: f64, text: &str) {
    let x = FONT_AXIS;
    body.text(
        "text",
        &[
            ("class", &"axis-title"),
            ("x", &Num(x)),
            ("y", &Num(y_mid)),
            ("font-size", &Num(FONT_AXIS)),
            ("text-anchor", &"middle"),
            ("fill", &INK),
            (
                "transform",
                &format!("rotate(-90 {} {})", Num(x), Num(y_mid)),
            ),
        ],
        text,
    );
}

/// A horizontal axis title.
pub(crate) fn axis_title_x(body: &mut Svg, x_mid: f64, y: f64, text: &str) {
    body.text(
        "text",
        &[
            ("class", &"axis-title"),
            ("x", &Num(x_mid)),
            ("y", &Num(y)),
            ("font-size", &Num(FONT_AXIS)),
            ("text-anchor", &"middle"),
            ("fill", &INK),
        ],
        text,
    );
}

fn next_month(d: NaiveDate) -> NaiveDate {
    d.checked_add_months(chrono::Months::new(1)).unwrap_or(d)
}

/// Moves labels apart vertically so none is closer than `gap` to the one below it; `ys` are
/// the wanted positions, returned in the same order. Labels only move up.
pub(crate) fn spread_up(ys: &[f64], gap: f64) -> Vec<f64> {
    let mut order: Vec<usize> = (0..ys.len()).collect();
    order.sort_by(|a, b| ys[*b].total_cmp(&ys[*a]));
    let mut out = ys.to_vec();
    let mut previous: Option<f64> = None;
    for i in order {
        let y = match previous {
            Some(p) => out[i].min(p - gap),
            None => out[i],
        };
        out[i] = y;
        previous = Some(y);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_replaces_markup_and_quotes() {
        assert_eq!(
            escape(r#"a<b>&"c"'d"#),
            "a&lt;b&gt;&amp;&quot;c&quot;&apos;d"
        );
        assert_eq!(escape("plain text – ü"), "plain text – ü");
        assert_eq!(
            escape("tab\tline\nreturn\rnul\u{0}bell\u{7}"),
            "tab&#9;line&#10;return&#13;nul\u{FFFD}bell\u{FFFD}"
        );
        assert_eq!(escape("\u{FFFF}"), "\u{FFFD}");
        assert_eq!(escape("&amp;"), "&amp;amp;");
    }

    #[test]
    fn numbers_have_one_decimal_and_no_negative_zero() {
        assert_eq!(Num(1.0).to_string(), "1.0");
        assert_eq!(Num(2.26).to_string(), "2.3");
        assert_eq!(Num(-0.04).to_string(), "0.0");
        assert_eq!(Num(-1.26).to_string(), "-1.3");
        assert_eq!(Num(f64::NAN).to_string(), "0.0");
        assert_eq!(Num(f64::INFINITY).to_string(), "0.0");
    }

    #[test]
    fn id_prefixes_are_safe() {
        assert_eq!(id_prefix("trend"), "trend");
        assert_eq!(id_prefix("a b\"<c>"), "a-b--c-");
        assert_eq!(id_prefix(""), "c");
        assert_eq!(id_prefix("2026"), "c2026");
    }

    #[test]
    fn labels_spread_upwards() {
        assert_eq!(
            spread_up(&[100.0, 96.0, 50.0], 10.0),
            vec![100.0, 90.0, 50.0]
        );
        assert_eq!(
            spread_up(&[96.0, 100.0, 99.0], 10.0),
            vec![80.0, 100.0, 90.0]
        );
    }

    #[test]
    fn attributes_are_escaped() {
        let mut svg = Svg::new();
        svg.text("text", &[("class", &"a\"b")], "<x>");
        assert_eq!(svg.out, "<text class=\"a&quot;b\">&lt;x&gt;</text>\n");
    }

    #[test]
    fn month_ticks_thin_out_on_long_ranges() {
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        let short = TimeScale::new(d("2026-01-10"), d("2026-04-10"), 0.0, 400.0);
        let labels: Vec<String> = short.month_ticks().into_iter().map(|t| t.1).collect();
        assert_eq!(labels, vec!["Feb", "Mar", "Apr"]);
        let long = TimeScale::new(d("2020-01-01"), d("2026-01-01"), 0.0, 400.0);
        let ticks = long.month_ticks();
        assert!(ticks.iter().all(|t| t.1.is_empty() && t.2.is_some()));
        let none = TimeScale::new(d("2026-01-10"), d("2026-01-20"), 0.0, 400.0);
        assert_eq!(none.month_ticks().len(), 1);
    }
}
