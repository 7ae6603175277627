//! Questionnaire totals over time, one panel per instrument with its bands: the headache-impact
//! measures (MIDAS, HIT-6) always, the others (PHQ-9, GAD-7) when recorded. Everything an
//! instrument's panel shows comes from its registry definition.

use chrono::{Duration, NaiveDate};

use cephalog_core::prom::{ChartAxis, Instrument, InstrumentDef, PromEntry};

use crate::svg::{
    Num, Root, SESSION_LABEL, Svg, TimeScale, axis_title_x, axis_title_y, date_text, document,
    draw_sessions, id_prefix, legend_label, legend_layout, session_swatch, span_text, spread_up,
};
use crate::theme::{
    DASH_SERIES, DASH_THRESHOLD, FONT_SMALL, HALO_WIDTH, INK, LEGEND_SWATCH_WIDTH, MUTED, PAPER,
    PROM_SERIES, STROKE_MARK, STROKE_SERIES, STROKE_THIN, THRESHOLD, TICK_LENGTH,
};

/// One questionnaire's total on its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PromPoint {
    /// The day it was answered.
    pub date: NaiveDate,
    /// The total score.
    pub total: u32,
}

/// What the questionnaire chart shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PromSeries {
    /// Prefix of the chart's element ids; unique on the page.
    pub id: String,
    /// The chart's accessible name.
    pub title: String,
    /// Totals per instrument, each in any order.
    pub points: Vec<(Instrument, Vec<PromPoint>)>,
    /// Botulinum-toxin session dates, drawn as vertical markers.
    pub sessions: Vec<NaiveDate>,
}

impl PromSeries {
    /// The totals of a patient's questionnaires, with the sessions to mark.
    pub fn from_entries(entries: &[PromEntry], sessions: &[NaiveDate]) -> Self {
        let points = Instrument::ALL
            .into_iter()
            .map(|i| {
                let pts = entries
                    .iter()
                    .filter(|e| e.result.instrument() == i)
                    .map(|e| PromPoint {
                        date: e.date,
                        total: e.result.total(),
                    })
                    .collect();
                (i, pts)
            })
            .collect();
        PromSeries {
            id: "proms".to_owned(),
            title: "Questionnaires: totals over time".to_owned(),
            points,
            sessions: sessions.to_vec(),
        }
    }

    /// The totals of one instrument.
    pub fn of(&self, instrument: Instrument) -> &[PromPoint] {
        self.points
            .iter()
            .find(|(i, _)| *i == instrument)
            .map_or(&[], |(_, p)| p.as_slice())
    }
}

const WIDTH: f64 = 440.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 14.0;
/// Room at the right of each panel, beyond the last date, for the band labels.
const BAND_LABEL_ZONE: f64 = 88.0;
/// Room above the first panel for two rows of "session" labels.
const TOP: f64 = 34.0;
const PANEL_HEIGHT: f64 = 120.0;
const PANEL_GAP: f64 = 22.0;
/// Room below the plot for tick labels (month, year) and the axis title.
const X_AXIS_SPACE: f64 = 50.0;
const BOTTOM: f64 = 8.0;
/// Days of margin either side of the first and last dates.
const PAD_DAYS: i64 = 14;
/// An open axis uses the first of its steps that needs no more than this many ticks.
const MAX_TICKS: u32 = 6;
/// Least vertical distance between band labels.
const BAND_LABEL_GAP: f64 = 10.0;
/// Font size of the band labels.
const FONT_BAND: f64 = 10.0;
const POINT_RADIUS: f64 = 3.5;
const SQUARE_HALF: f64 = 3.5;
const X_AXIS_TITLE: &str = "date";

/// One panel: its vertical extent, value range, ticks and threshold bands.
struct Panel {
    class: String,
    top: f64,
    min: f64,
    max: f64,
    ticks: Vec<u32>,
    /// (threshold, label).
    bands: Vec<(u32, String)>,
    axis_title: String,
    empty_text: String,
}

impl Panel {
    fn y(&self, v: f64) -> f64 {
        let bottom = self.top + PANEL_HEIGHT;
        bottom - PANEL_HEIGHT * (v.clamp(self.min, self.max) - self.min) / (self.max - self.min)
    }

    fn bottom(&self) -> f64 {
        self.top + PANEL_HEIGHT
    }
}

/// An instrument's panel, its axis and bands from the registry.
fn panel(def: &InstrumentDef, top: f64, points: &[PromPoint]) -> Panel {
    let bands = def
        .thresholds()
        .iter()
        .map(|b| (b.from, format!("{} ≥{}", b.short, b.from)))
        .collect();
    let (min, max, ticks, axis_title) = match def.chart {
        ChartAxis::Fixed { step } => {
            let (lo, hi) = (def.min_total(), def.max_total());
            let ticks = (lo..=hi).filter(|t| t % step == 0).collect();
            (lo, hi, ticks, format!("{} score ({lo}–{hi})", def.label))
        }
        ChartAxis::Open {
            headroom,
            steps,
            unit,
        } => {
            let top_band = def.bands.last().map_or(0, |b| b.from);
            let highest = points
                .iter()
                .map(|p| p.total)
                .max()
                .unwrap_or(0)
                .max(top_band + headroom);
            let step = steps
                .iter()
                .copied()
                .find(|s| highest.div_ceil(*s) <= MAX_TICKS)
                .unwrap_or_else(|| highest.div_ceil(MAX_TICKS));
            let max = highest.div_ceil(step) * step;
            let ticks = (0..=max).step_by(step as usize).collect();
            (0, max, ticks, format!("{} score ({unit})", def.label))
        }
    };
    Panel {
        class: format!("panel panel-{}", def.code),
        top,
        min: f64::from(min),
        max: f64::from(max),
        ticks,
        bands,
        axis_title,
        empty_text: format!("no {} recorded", def.label),
    }
}

/// How an instrument's series is drawn: its colour from the palette by the instrument's place in
/// the registry, alternating filled circles and solid lines with hollow squares and dashes.
#[derive(Clone, Copy)]
struct Series(Instrument);

impl Series {
    fn index(self) -> usize {
        Instrument::ALL
            .iter()
            .position(|i| *i == self.0)
            .unwrap_or(0)
    }

    fn name(self) -> &'static str {
        self.0.label()
    }

    fn colour(self) -> &'static str {
        PROM_SERIES[self.index() % PROM_SERIES.len()]
    }

    fn square(self) -> bool {
        self.index() % 2 == 1
    }

    fn interpretation(self, total: u32) -> &'static str {
        self.0.def().band(total).words
    }

    /// The mark: a filled circle or a hollow square.
    fn mark(self, body: &mut Svg, (x, y): (f64, f64), tooltip: Option<&str>) {
        // Only data marks carry the "mark" class; the legend's sample does not.
        let class = match tooltip {
            Some(_) => format!("mark mark-{}", self.0.as_str()),
            None => "legend-mark".to_owned(),
        };
        let (cx, cy) = (Num(x), Num(y));
        let (sx, sy, side) = (
            Num(x - SQUARE_HALF),
            Num(y - SQUARE_HALF),
            Num(2.0 * SQUARE_HALF),
        );
        let (r, sw, colour) = (Num(POINT_RADIUS), Num(STROKE_MARK), self.colour());
        let attrs: Vec<crate::svg::Attr<'_>> = if self.square() {
            vec![
                ("class", &class),
                ("x", &sx),
                ("y", &sy),
                ("width", &side),
                ("height", &side),
                ("fill", &PAPER),
                ("stroke", &colour),
                ("stroke-width", &sw),
            ]
        } else {
            vec![
                ("class", &class),
                ("cx", &cx),
                ("cy", &cy),
                ("r", &r),
                ("fill", &colour),
                ("stroke", &PAPER),
                ("stroke-width", &sw),
            ]
        };
        let tag = if self.square() { "rect" } else { "circle" };
        match tooltip {
            Some(t) => body.titled(tag, &attrs, t),
            None => body.leaf(tag, &attrs),
        }
    }

    fn dash(self) -> Option<&'static str> {
        self.square().then_some(DASH_SERIES)
    }
}

/// Draws one panel per headache-impact instrument and per other instrument recorded.
pub fn proms_svg(series: &PromSeries) -> String {
    let id = id_prefix(&series.id);
    let (left, right) = (LEFT, WIDTH - RIGHT);
    let data_right = right - BAND_LABEL_ZONE;
    let shown: Vec<(Instrument, Vec<PromPoint>)> = Instrument::ALL
        .into_iter()
        .filter_map(|i| {
            let mut pts = series.of(i).to_vec();
            pts.sort_by_key(|p| (p.date, p.total));
            (i.def().impact || !pts.is_empty()).then_some((i, pts))
        })
        .collect();
    let mut sessions = series.sessions.clone();
    sessions.sort();
    sessions.dedup();

    let dates = || {
        shown
            .iter()
            .flat_map(|(_, pts)| pts.iter().map(|p| p.date))
            .chain(sessions.iter().copied())
    };
    let scale = dates().min().zip(dates().max()).map(|(first, last)| {
        TimeScale::new(
            first - Duration::days(PAD_DAYS),
            last + Duration::days(PAD_DAYS + 1),
            left,
            data_right,
        )
    });

    let panels: Vec<(Panel, Series, &[PromPoint])> = shown
        .iter()
        .enumerate()
        .map(|(n, (i, pts))| {
            let top = TOP + (PANEL_HEIGHT + PANEL_GAP) * n as f64;
            (panel(i.def(), top, pts), Series(*i), pts.as_slice())
        })
        .collect();
    let first_bottom = panels.first().map_or(TOP + PANEL_HEIGHT, |p| p.0.bottom());
    let plot_bottom = panels.last().map_or(TOP + PANEL_HEIGHT, |p| p.0.bottom());

    let mut body = Svg::new();
    for (panel, kind, points) in &panels {
        body.open("g", &[("class", &panel.class.as_str())]);
        draw_panel_frame(&mut body, panel, left, data_right, right);
        match &scale {
            Some(scale) if !points.is_empty() => {
                draw_series(&mut body, panel, scale, *kind, points);
            }
            _ => body.label(
                (left + data_right) / 2.0,
                panel.top + PANEL_HEIGHT / 2.0,
                "middle",
                MUTED,
                &panel.empty_text,
            ),
        }
        body.close("g");
    }
    if let Some(scale) = &scale {
        draw_sessions(&mut body, scale, &sessions, TOP, plot_bottom);
        body.open("g", &[("class", &"axis axis-x")]);
        if panels.len() > 1 {
            scale.draw_axis(&mut body, first_bottom, false);
        }
        scale.draw_axis(&mut body, plot_bottom, true);
        body.close("g");
    }
    axis_title_x(
        &mut body,
        (left + data_right) / 2.0,
        plot_bottom + X_AXIS_SPACE - 6.0,
        X_AXIS_TITLE,
    );

    // Legend.
    let mut labels: Vec<String> = panels
        .iter()
        .map(|(_, kind, _)| format!("{} total", kind.name()))
        .collect();
    labels.push("severity band (lower bound)".to_owned());
    labels.push(SESSION_LABEL.to_owned());
    let label_refs: Vec<&str> = labels.iter().map(String::as_str).collect();
    let legend = legend_layout(&label_refs, left, right, plot_bottom + X_AXIS_SPACE);
    body.open("g", &[("class", &"legend")]);
    for (i, (label, (x, y))) in label_refs
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        let mid = x + LEGEND_SWATCH_WIDTH / 2.0;
        if let Some((_, kind, _)) = panels.get(i) {
            series_line(&mut body, &[(x, y), (x + LEGEND_SWATCH_WIDTH, y)], *kind);
            kind.mark(&mut body, (mid, y), None);
        } else if i == panels.len() {
            threshold_line(&mut body, x, x + LEGEND_SWATCH_WIDTH, y);
        } else {
            session_swatch(&mut body, (x, y));
        }
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = plot_bottom + X_AXIS_SPACE + legend.height + BOTTOM;
    let desc = describe(&panels, &sessions);
    document(
        &Root {
            id: &id,
            class: "cephalog-proms",
            width: WIDTH,
            height,
            title: &series.title,
            desc: &desc,
        },
        Svg::new(),
        body,
    )
}

fn threshold_line(body: &mut Svg, x0: f64, x1: f64, y: f64) {
    body.leaf(
        "line",
        &[
            ("class", &"threshold"),
            ("x1", &Num(x0)),
            ("y1", &Num(y)),
            ("x2", &Num(x1)),
            ("y2", &Num(y)),
            ("stroke", &THRESHOLD),
            ("stroke-width", &Num(STROKE_THIN)),
            ("stroke-dasharray", &DASH_THRESHOLD),
        ],
    );
}

/// Axes, ticks, the band thresholds with their labels, and the axis title. Dates run from
/// `left` to `data_right`; the threshold lines go on to `right`, where their labels end.
fn draw_panel_frame(body: &mut Svg, panel: &Panel, left: f64, data_right: f64, right: f64) {
    let ys: Vec<f64> = panel
        .bands
        .iter()
        .map(|(t, _)| panel.y(f64::from(*t)))
        .collect();
    let label_ys = spread_up(
        &ys.iter().map(|y| y - 3.0).collect::<Vec<_>>(),
        BAND_LABEL_GAP,
    );
    body.open("g", &[("class", &"bands")]);
    for y in &ys {
        threshold_line(body, left, right, *y);
    }
    for ((_, label), label_y) in panel.bands.iter().zip(&label_ys) {
        body.text(
            "text",
            &[
                ("x", &Num(right)),
                ("y", &Num(*label_y)),
                ("font-size", &Num(FONT_BAND)),
                ("text-anchor", &"end"),
                ("fill", &MUTED),
                ("stroke", &PAPER),
                ("stroke-width", &Num(HALO_WIDTH)),
                ("stroke-linejoin", &"round"),
                ("paint-order", &"stroke"),
            ],
            label,
        );
    }
    body.close("g");
    for t in &panel.ticks {
        let y = panel.y(f64::from(*t));
        body.line((left - TICK_LENGTH, y), (left, y), INK, STROKE_THIN);
        body.label(
            left - TICK_LENGTH - 2.0,
            y + FONT_SMALL * 0.35,
            "end",
            MUTED,
            &t.to_string(),
        );
    }
    body.line((left, panel.top), (left, panel.bottom()), INK, STROKE_THIN);
    body.line(
        (left, panel.bottom()),
        (data_right, panel.bottom()),
        INK,
        STROKE_THIN,
    );
    axis_title_y(body, panel.top + PANEL_HEIGHT / 2.0, &panel.axis_title);
}

fn series_line(body: &mut Svg, points: &[(f64, f64)], kind: Series) {
    if points.len() < 2 {
        return;
    }
    let pts: Vec<String> = points
        .iter()
        .map(|(x, y)| format!("{},{}", Num(*x), Num(*y)))
        .collect();
    let pts = pts.join(" ");
    let width = Num(STROKE_SERIES);
    let colour = kind.colour();
    let mut attrs: Vec<crate::svg::Attr<'_>> = vec![
        ("points", &pts),
        ("fill", &"none"),
        ("stroke", &colour),
        ("stroke-width", &width),
        ("stroke-linejoin", &"round"),
    ];
    let dash = kind.dash();
    if let Some(d) = &dash {
        attrs.push(("stroke-dasharray", d));
    }
    body.leaf("polyline", &attrs);
}

fn draw_series(
    body: &mut Svg,
    panel: &Panel,
    scale: &TimeScale,
    kind: Series,
    points: &[PromPoint],
) {
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| (scale.mid(p.date, p.date), panel.y(f64::from(p.total))))
        .collect();
    let class = format!("series series-{}", kind.0.as_str());
    body.open("g", &[("class", &class)]);
    series_line(body, &xy, kind);
    for (p, at) in points.iter().zip(xy) {
        let tooltip = format!(
            "{}: {} {} ({})",
            date_text(p.date),
            kind.name(),
            p.total,
            kind.interpretation(p.total)
        );
        kind.mark(body, at, Some(&tooltip));
    }
    body.close("g");
}

fn describe_series(kind: Series, points: &[PromPoint]) -> String {
    match (points.first(), points.last()) {
        (Some(first), Some(_)) if points.len() == 1 => format!(
            "{}: one questionnaire on {}, total {} ({}).",
            kind.name(),
            date_text(first.date),
            first.total,
            kind.interpretation(first.total)
        ),
        (Some(first), Some(last)) => format!(
            "{}: {} questionnaires, {}; first {} ({}), latest {} ({}).",
            kind.name(),
            points.len(),
            span_text(first.date, last.date),
            first.total,
            kind.interpretation(first.total),
            last.total,
            kind.interpretation(last.total)
        ),
        _ => format!("{}: none recorded.", kind.name()),
    }
}

fn describe(panels: &[(Panel, Series, &[PromPoint])], sessions: &[NaiveDate]) -> String {
    let mut parts: Vec<String> = panels
        .iter()
        .map(|(_, kind, points)| describe_series(*kind, points))
        .collect();
    if !sessions.is_empty() {
        let dates: Vec<String> = sessions.iter().map(|d| date_text(*d)).collect();
        parts.push(format!(
            "Session{} on {}.",
            if sessions.len() == 1 { "" } else { "s" },
            dates.join(", ")
        ));
    }
    parts.join(" ")
}
