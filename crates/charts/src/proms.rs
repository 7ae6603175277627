//! MIDAS and HIT-6 totals over time, each in its own panel with its severity bands.

use chrono::{Duration, NaiveDate};

use cephalog_core::prom::{
    HIT6_MAX_TOTAL, HIT6_MIN_TOTAL, HIT6_SEVERE_FROM, HIT6_SOME_FROM, HIT6_SUBSTANTIAL_FROM,
    Hit6Band, MIDAS_GRADE_II_FROM, MIDAS_GRADE_III_FROM, MIDAS_GRADE_IV_FROM, MidasGrade,
    PromEntry, PromResult,
};

use crate::svg::{
    Num, Root, SESSION_LABEL, Svg, TimeScale, axis_title_x, axis_title_y, date_text, document,
    draw_sessions, id_prefix, legend_label, legend_layout, session_swatch, span_text, spread_up,
};
use crate::theme::{
    DASH_SERIES, DASH_THRESHOLD, FONT_SMALL, HALO_WIDTH, HIT6, INK, LEGEND_SWATCH_WIDTH, MIDAS,
    MUTED, PAPER, STROKE_MARK, STROKE_SERIES, STROKE_THIN, THRESHOLD, TICK_LENGTH,
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
    /// MIDAS totals (days), in any order.
    pub midas: Vec<PromPoint>,
    /// HIT-6 totals, in any order.
    pub hit6: Vec<PromPoint>,
    /// Botulinum-toxin session dates, drawn as vertical markers.
    pub sessions: Vec<NaiveDate>,
}

impl PromSeries {
    /// The totals of a patient's questionnaires, with the sessions to mark.
    pub fn from_entries(entries: &[PromEntry], sessions: &[NaiveDate]) -> Self {
        let points = |want: fn(&PromResult) -> bool| -> Vec<PromPoint> {
            entries
                .iter()
                .filter(|e| want(&e.result))
                .map(|e| PromPoint {
                    date: e.date,
                    total: e.result.total(),
                })
                .collect()
        };
        PromSeries {
            id: "proms".to_owned(),
            title: "Questionnaires: MIDAS and HIT-6 totals".to_owned(),
            midas: points(|r| matches!(r, PromResult::Midas(_))),
            hit6: points(|r| matches!(r, PromResult::Hit6(_))),
            sessions: sessions.to_vec(),
        }
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
/// The MIDAS axis reaches at least this far above the grade IV threshold, so every band shows.
const MIDAS_HEADROOM: u32 = 9;
/// Candidate MIDAS tick steps; the first that needs no more than `MAX_TICKS` ticks is used.
const MIDAS_TICK_STEPS: [u32; 7] = [5, 10, 20, 25, 50, 100, 200];
const MAX_TICKS: u32 = 6;
const HIT6_TICK_STEP: u32 = 10;
/// Least vertical distance between band labels.
const BAND_LABEL_GAP: f64 = 10.0;
/// Font size of the band labels.
const FONT_BAND: f64 = 10.0;
const POINT_RADIUS: f64 = 3.5;
const SQUARE_HALF: f64 = 3.5;
const MIDAS_AXIS_TITLE: &str = "MIDAS score (days)";
const X_AXIS_TITLE: &str = "date";

fn grade_name(g: MidasGrade) -> &'static str {
    match g {
        MidasGrade::I => "I",
        MidasGrade::II => "II",
        MidasGrade::III => "III",
        MidasGrade::IV => "IV",
    }
}

/// One panel: its vertical extent, value range, ticks and threshold bands.
struct Panel {
    class: &'static str,
    top: f64,
    min: f64,
    max: f64,
    ticks: Vec<u32>,
    /// (threshold, label).
    bands: Vec<(u32, String)>,
    axis_title: String,
    empty_text: &'static str,
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

fn midas_panel(top: f64, points: &[PromPoint]) -> Panel {
    let highest = points
        .iter()
        .map(|p| p.total)
        .max()
        .unwrap_or(0)
        .max(MIDAS_GRADE_IV_FROM + MIDAS_HEADROOM);
    let step = MIDAS_TICK_STEPS
        .into_iter()
        .find(|s| highest.div_ceil(*s) <= MAX_TICKS)
        .unwrap_or_else(|| highest.div_ceil(MAX_TICKS));
    let max = highest.div_ceil(step) * step;
    Panel {
        class: "panel panel-midas",
        top,
        min: 0.0,
        max: f64::from(max),
        ticks: (0..=max).step_by(step as usize).collect(),
        bands: [
            MIDAS_GRADE_II_FROM,
            MIDAS_GRADE_III_FROM,
            MIDAS_GRADE_IV_FROM,
        ]
        .into_iter()
        .map(|t| (t, format!("grade {} ≥{t}", grade_name(MidasGrade::of(t)))))
        .collect(),
        axis_title: MIDAS_AXIS_TITLE.to_owned(),
        empty_text: "no MIDAS recorded",
    }
}

fn hit6_panel(top: f64) -> Panel {
    Panel {
        class: "panel panel-hit6",
        top,
        min: f64::from(HIT6_MIN_TOTAL),
        max: f64::from(HIT6_MAX_TOTAL),
        ticks: (HIT6_MIN_TOTAL..=HIT6_MAX_TOTAL)
            .filter(|t| t % HIT6_TICK_STEP == 0)
            .collect(),
        bands: [HIT6_SOME_FROM, HIT6_SUBSTANTIAL_FROM, HIT6_SEVERE_FROM]
            .into_iter()
            .map(|t| (t, format!("{} ≥{t}", hit6_band_short(Hit6Band::of(t)))))
            .collect(),
        axis_title: format!("HIT-6 score ({HIT6_MIN_TOTAL}–{HIT6_MAX_TOTAL})"),
        empty_text: "no HIT-6 recorded",
    }
}

/// The first word of a HIT-6 band, for labels beside the threshold lines.
fn hit6_band_short(band: Hit6Band) -> &'static str {
    band.description()
        .split(' ')
        .next()
        .unwrap_or_else(|| band.description())
}

#[derive(Clone, Copy)]
enum Series {
    Midas,
    Hit6,
}

impl Series {
    fn name(self) -> &'static str {
        match self {
            Series::Midas => "MIDAS",
            Series::Hit6 => "HIT-6",
        }
    }

    fn colour(self) -> &'static str {
        match self {
            Series::Midas => MIDAS,
            Series::Hit6 => HIT6,
        }
    }

    fn interpretation(self, total: u32) -> String {
        match self {
            Series::Midas => {
                let g = MidasGrade::of(total);
                format!("grade {}, {}", grade_name(g), g.description())
            }
            Series::Hit6 => Hit6Band::of(total).description().to_owned(),
        }
    }

    /// The mark: a filled circle for MIDAS, a hollow square for HIT-6.
    fn mark(self, body: &mut Svg, (x, y): (f64, f64), tooltip: Option<&str>) {
        // Only data marks carry the "mark" class; the legend's sample does not.
        let class = match tooltip {
            Some(_) => format!(
                "mark mark-{}",
                self.name().to_ascii_lowercase().replace('-', "")
            ),
            None => "legend-mark".to_owned(),
        };
        let (cx, cy) = (Num(x), Num(y));
        let (sx, sy, side) = (
            Num(x - SQUARE_HALF),
            Num(y - SQUARE_HALF),
            Num(2.0 * SQUARE_HALF),
        );
        let (r, sw, colour) = (Num(POINT_RADIUS), Num(STROKE_MARK), self.colour());
        let attrs: Vec<crate::svg::Attr<'_>> = match self {
            Series::Midas => vec![
                ("class", &class),
                ("cx", &cx),
                ("cy", &cy),
                ("r", &r),
                ("fill", &colour),
                ("stroke", &PAPER),
                ("stroke-width", &sw),
            ],
            Series::Hit6 => vec![
                ("class", &class),
                ("x", &sx),
                ("y", &sy),
                ("width", &side),
                ("height", &side),
                ("fill", &PAPER),
                ("stroke", &colour),
                ("stroke-width", &sw),
            ],
        };
        let tag = match self {
            Series::Midas => "circle",
            Series::Hit6 => "rect",
        };
        match tooltip {
            Some(t) => body.titled(tag, &attrs, t),
            None => body.leaf(tag, &attrs),
        }
    }

    fn dash(self) -> Option<&'static str> {
        match self {
            Series::Midas => None,
            Series::Hit6 => Some(DASH_SERIES),
        }
    }
}

/// Draws the MIDAS and HIT-6 panels.
pub fn proms_svg(series: &PromSeries) -> String {
    let id = id_prefix(&series.id);
    let (left, right) = (LEFT, WIDTH - RIGHT);
    let data_right = right - BAND_LABEL_ZONE;
    let mut midas = series.midas.clone();
    midas.sort_by_key(|p| (p.date, p.total));
    let mut hit6 = series.hit6.clone();
    hit6.sort_by_key(|p| (p.date, p.total));
    let mut sessions = series.sessions.clone();
    sessions.sort();
    sessions.dedup();

    let dates = || {
        midas
            .iter()
            .chain(&hit6)
            .map(|p| p.date)
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

    let panels = [
        (midas_panel(TOP, &midas), Series::Midas, &midas),
        (
            hit6_panel(TOP + PANEL_HEIGHT + PANEL_GAP),
            Series::Hit6,
            &hit6,
        ),
    ];
    let plot_bottom = panels[1].0.bottom();

    let mut body = Svg::new();
    for (panel, kind, points) in &panels {
        body.open("g", &[("class", &panel.class)]);
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
                panel.empty_text,
            ),
        }
        body.close("g");
    }
    if let Some(scale) = &scale {
        draw_sessions(&mut body, scale, &sessions, TOP, plot_bottom);
        body.open("g", &[("class", &"axis axis-x")]);
        scale.draw_axis(&mut body, panels[0].0.bottom(), false);
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
    let labels = [
        "MIDAS total",
        "HIT-6 total",
        "severity band (lower bound)",
        SESSION_LABEL,
    ];
    let legend = legend_layout(&labels, left, right, plot_bottom + X_AXIS_SPACE);
    body.open("g", &[("class", &"legend")]);
    for (i, (label, (x, y))) in labels
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        let mid = x + LEGEND_SWATCH_WIDTH / 2.0;
        match i {
            0 | 1 => {
                let kind = if i == 0 { Series::Midas } else { Series::Hit6 };
                series_line(&mut body, &[(x, y), (x + LEGEND_SWATCH_WIDTH, y)], kind);
                kind.mark(&mut body, (mid, y), None);
            }
            2 => threshold_line(&mut body, x, x + LEGEND_SWATCH_WIDTH, y),
            _ => session_swatch(&mut body, (x, y)),
        }
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = plot_bottom + X_AXIS_SPACE + legend.height + BOTTOM;
    let desc = describe(&midas, &hit6, &sessions);
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
    let class = format!(
        "series series-{}",
        kind.name().to_ascii_lowercase().replace('-', "")
    );
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

fn describe(midas: &[PromPoint], hit6: &[PromPoint], sessions: &[NaiveDate]) -> String {
    let mut parts = vec![
        describe_series(Series::Midas, midas),
        describe_series(Series::Hit6, hit6),
    ];
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
