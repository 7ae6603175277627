//! Headache and migraine days per 28 days over time, with the baseline and the sessions.

use chrono::{Duration, NaiveDate};

use cephalog_core::metrics::{DateRange, MetricsReport};
use cephalog_core::reference::{INSUFFICIENT_DIARY_DATA, NORMALISATION_DAYS};
use cephalog_core::response::{CycleStatus, ResponseReport};

use crate::svg::{
    Num, Root, SESSION_LABEL, Svg, TimeScale, axis_title_x, axis_title_y, date_text, document,
    draw_sessions, hatch_pattern, id_prefix, legend_label, legend_layout, one_decimal,
    session_swatch, span_text, text_width, triangle_points,
};
use crate::theme::{
    BASELINE_FILL, DASH_SERIES, FONT_SMALL, GRID, HEADACHE, INK, LEGEND_SWATCH_HEIGHT,
    LEGEND_SWATCH_WIDTH, MIGRAINE, MUTED, PAPER, STROKE_HAIRLINE, STROKE_MARK, STROKE_SERIES,
    STROKE_THIN, TICK_LENGTH,
};

/// One period's figures. `None` is "insufficient diary data": drawn as a gap, never as 0.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendPeriod {
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period, inclusive.
    pub end: NaiveDate,
    /// Headache days per 28 days.
    pub headache_days_per_28: Option<f64>,
    /// Migraine days per 28 days.
    pub migraine_days_per_28: Option<f64>,
}

/// What the trend chart shows.
#[derive(Debug, Clone, PartialEq)]
pub struct TrendInput {
    /// Prefix of the chart's element ids; unique on the page.
    pub id: String,
    /// The chart's accessible name.
    pub title: String,
    /// The periods, in any order.
    pub periods: Vec<TrendPeriod>,
    /// Botulinum-toxin session dates, drawn as vertical markers.
    pub sessions: Vec<NaiveDate>,
    /// The baseline window, shaded.
    pub baseline: Option<DateRange>,
}

impl TrendInput {
    /// The periods of a metrics report, with the sessions and baseline to mark.
    pub fn from_metrics(
        report: &MetricsReport,
        sessions: &[NaiveDate],
        baseline: Option<DateRange>,
    ) -> Self {
        TrendInput {
            id: "trend".to_owned(),
            title: format!(
                "Headache and migraine days per 28 days ({} periods; headache-day definition {})",
                report.period_kind, report.preset
            ),
            periods: report
                .periods
                .iter()
                .map(|p| TrendPeriod {
                    start: p.start,
                    end: p.end,
                    headache_days_per_28: p.headache_days_per_28,
                    migraine_days_per_28: p.migraine_days_per_28,
                })
                .collect(),
            sessions: sessions.to_vec(),
            baseline,
        }
    }

    /// The baseline and every completed cycle window of a response report, with the sessions.
    /// A cycle still in progress has no window yet and is left out (it is not a gap).
    pub fn from_response(report: &ResponseReport) -> Self {
        let b = &report.baseline;
        let mut periods = vec![TrendPeriod {
            start: b.start,
            end: b.end,
            headache_days_per_28: b.headache_days_per_28,
            migraine_days_per_28: b.migraine_days_per_28,
        }];
        periods.extend(
            report
                .cycles
                .iter()
                .filter(|c| c.status == CycleStatus::Complete)
                .filter_map(|c| c.window.as_ref())
                .map(|w| TrendPeriod {
                    start: w.start,
                    end: w.end,
                    headache_days_per_28: w.headache_days_per_28,
                    migraine_days_per_28: w.migraine_days_per_28,
                }),
        );
        TrendInput {
            id: "response".to_owned(),
            title: format!(
                "Headache and migraine days per 28 days: baseline and treatment cycles (headache-day definition {})",
                report.preset
            ),
            periods,
            sessions: report.cycles.iter().map(|c| c.session_date).collect(),
            baseline: Some(DateRange {
                start: b.start,
                end: b.end,
            }),
        }
    }
}

const WIDTH: f64 = 440.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 14.0;
/// Room above the plot for two rows of "session" labels.
const TOP: f64 = 34.0;
const PLOT_HEIGHT: f64 = 200.0;
/// Room below the plot for tick labels (month, year) and the axis title.
const X_AXIS_SPACE: f64 = 50.0;
const BOTTOM: f64 = 8.0;
/// A y tick every week.
const Y_TICK_STEP: u32 = 7;
const POINT_RADIUS: f64 = 3.5;
const TRIANGLE_RADIUS: f64 = 7.0;
const BASELINE_LABEL: &str = "baseline";
const GAP_LABEL: &str = "no data";
const Y_AXIS_TITLE: &str = "days per 28 days";
const X_AXIS_TITLE: &str = "date";

fn usable(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// Draws the trend chart.
pub fn trend_svg(input: &TrendInput) -> String {
    let id = id_prefix(&input.id);
    let gap_id = format!("{id}-gap");
    let y_max = f64::from(NORMALISATION_DAYS);
    let (plot_top, plot_bottom) = (TOP, TOP + PLOT_HEIGHT);
    let (plot_left, plot_right) = (LEFT, WIDTH - RIGHT);
    let y_of = |v: f64| plot_bottom - PLOT_HEIGHT * v.clamp(0.0, y_max) / y_max;

    let mut periods: Vec<TrendPeriod> = input
        .periods
        .iter()
        .map(|p| TrendPeriod {
            start: p.start.min(p.end),
            end: p.start.max(p.end),
            ..p.clone()
        })
        .collect();
    periods.sort_by_key(|p| (p.start, p.end));
    let mut sessions = input.sessions.clone();
    sessions.sort();
    sessions.dedup();

    let first = periods
        .iter()
        .map(|p| p.start)
        .chain(sessions.iter().copied())
        .chain(input.baseline.map(|b| b.start.min(b.end)))
        .min();
    let last = periods
        .iter()
        .map(|p| p.end)
        .chain(sessions.iter().copied())
        .chain(input.baseline.map(|b| b.start.max(b.end)))
        .max();
    let scale = first
        .zip(last)
        .map(|(f, l)| TimeScale::new(f, l + Duration::days(1), plot_left, plot_right));

    let mut defs = Svg::new();
    hatch_pattern(&mut defs, &gap_id, None);
    let mut body = Svg::new();

    // Grid and y axis.
    body.open("g", &[("class", &"axis axis-y")]);
    let mut tick = 0;
    while tick <= NORMALISATION_DAYS {
        let y = y_of(f64::from(tick));
        if tick > 0 {
            body.line((plot_left, y), (plot_right, y), GRID, STROKE_THIN);
        }
        body.line(
            (plot_left - TICK_LENGTH, y),
            (plot_left, y),
            INK,
            STROKE_THIN,
        );
        body.label(
            plot_left - TICK_LENGTH - 2.0,
            y + FONT_SMALL * 0.35,
            "end",
            MUTED,
            &tick.to_string(),
        );
        tick += Y_TICK_STEP;
    }
    axis_title_y(&mut body, (plot_top + plot_bottom) / 2.0, Y_AXIS_TITLE);
    body.close("g");

    if let Some(scale) = scale {
        // Baseline band.
        if let Some(b) = input.baseline {
            let (start, end) = (b.start.min(b.end), b.start.max(b.end));
            let x0 = scale.x(start);
            let x1 = scale.x(end + Duration::days(1));
            body.open("g", &[("class", &"baseline")]);
            body.titled(
                "rect",
                &[
                    ("x", &Num(x0)),
                    ("y", &Num(plot_top)),
                    ("width", &Num(x1 - x0)),
                    ("height", &Num(PLOT_HEIGHT)),
                    ("fill", &BASELINE_FILL),
                ],
                &format!("{BASELINE_LABEL}: {}", span_text(start, end)),
            );
            body.close("g");
        }

        // Gaps: periods with insufficient diary data.
        body.open("g", &[("class", &"gaps")]);
        let fill = format!("url(#{gap_id})");
        for p in &periods {
            let missing: Vec<&str> = [
                ("headache days", p.headache_days_per_28),
                ("migraine days", p.migraine_days_per_28),
            ]
            .into_iter()
            .filter(|(_, v)| usable(*v).is_none())
            .map(|(name, _)| name)
            .collect();
            if missing.is_empty() {
                continue;
            }
            let x0 = scale.x(p.start);
            let x1 = scale.x(p.end + Duration::days(1));
            body.titled(
                "rect",
                &[
                    ("class", &"gap"),
                    ("x", &Num(x0)),
                    ("y", &Num(plot_top)),
                    ("width", &Num(x1 - x0)),
                    ("height", &Num(PLOT_HEIGHT)),
                    ("fill", &fill),
                ],
                &format!(
                    "{}: {INSUFFICIENT_DIARY_DATA} ({} not shown)",
                    span_text(p.start, p.end),
                    missing.join(" and ")
                ),
            );
        }
        // One "no data" label per run of adjacent gaps.
        for (x0, x1) in gap_runs(&periods, &scale) {
            gap_label(&mut body, x0, x1, (plot_top + plot_bottom) / 2.0);
        }
        body.close("g");

        if let Some(b) = input.baseline {
            let (start, end) = (b.start.min(b.end), b.start.max(b.end));
            body.halo_label(
                scale.mid(start, end),
                plot_top + FONT_SMALL + 2.0,
                None,
                BASELINE_LABEL,
            );
        }

        draw_sessions(&mut body, &scale, &sessions, plot_top, plot_bottom);

        // Series: lines broken at every gap, then one mark per value.
        let headache: Vec<Option<(f64, f64, f64)>> = periods
            .iter()
            .map(|p| {
                usable(p.headache_days_per_28).map(|v| (scale.mid(p.start, p.end), y_of(v), v))
            })
            .collect();
        let migraine: Vec<Option<(f64, f64, f64)>> = periods
            .iter()
            .map(|p| {
                usable(p.migraine_days_per_28).map(|v| (scale.mid(p.start, p.end), y_of(v), v))
            })
            .collect();
        body.open("g", &[("class", &"series series-headache")]);
        polylines(&mut body, &headache, HEADACHE, None);
        body.close("g");
        body.open("g", &[("class", &"series series-migraine")]);
        polylines(&mut body, &migraine, MIGRAINE, Some(DASH_SERIES));
        body.close("g");
        body.open("g", &[("class", &"marks")]);
        for (p, m) in periods.iter().zip(&migraine) {
            if let Some((x, y, v)) = m {
                body.titled(
                    "polygon",
                    &[
                        ("class", &"mark mark-migraine"),
                        ("points", &triangle_points(*x, *y, TRIANGLE_RADIUS)),
                        ("fill", &PAPER),
                        ("stroke", &MIGRAINE),
                        ("stroke-width", &Num(STROKE_MARK)),
                    ],
                    &format!(
                        "{}: {} migraine days per 28 days",
                        span_text(p.start, p.end),
                        one_decimal(*v)
                    ),
                );
            }
        }
        for (p, h) in periods.iter().zip(&headache) {
            if let Some((x, y, v)) = h {
                body.titled(
                    "circle",
                    &[
                        ("class", &"mark mark-headache"),
                        ("cx", &Num(*x)),
                        ("cy", &Num(*y)),
                        ("r", &Num(POINT_RADIUS)),
                        ("fill", &HEADACHE),
                        ("stroke", &PAPER),
                        ("stroke-width", &Num(STROKE_THIN)),
                    ],
                    &format!(
                        "{}: {} headache days per 28 days",
                        span_text(p.start, p.end),
                        one_decimal(*v)
                    ),
                );
            }
        }
        body.close("g");

        body.open("g", &[("class", &"axis axis-x")]);
        scale.draw_axis(&mut body, plot_bottom, true);
        body.close("g");
    } else {
        body.label(
            (plot_left + plot_right) / 2.0,
            (plot_top + plot_bottom) / 2.0,
            "middle",
            MUTED,
            "no diary periods to show",
        );
    }

    // Axis lines on top of bands.
    body.line(
        (plot_left, plot_top),
        (plot_left, plot_bottom),
        INK,
        STROKE_THIN,
    );
    body.line(
        (plot_left, plot_bottom),
        (plot_right, plot_bottom),
        INK,
        STROKE_THIN,
    );
    axis_title_x(
        &mut body,
        (plot_left + plot_right) / 2.0,
        plot_bottom + X_AXIS_SPACE - 6.0,
        X_AXIS_TITLE,
    );

    // Legend.
    let labels = [
        "headache days",
        "migraine days",
        BASELINE_LABEL,
        SESSION_LABEL,
        INSUFFICIENT_DIARY_DATA,
    ];
    let legend = legend_layout(&labels, plot_left, plot_right, plot_bottom + X_AXIS_SPACE);
    body.open("g", &[("class", &"legend")]);
    for (i, (label, (x, y))) in labels
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        let w = LEGEND_SWATCH_WIDTH;
        match i {
            0 => {
                body.line((x, y), (x + w, y), HEADACHE, STROKE_SERIES);
                body.leaf(
                    "circle",
                    &[
                        ("cx", &Num(x + w / 2.0)),
                        ("cy", &Num(y)),
                        ("r", &Num(POINT_RADIUS)),
                        ("fill", &HEADACHE),
                    ],
                );
            }
            1 => {
                body.leaf(
                    "line",
                    &[
                        ("x1", &Num(x)),
                        ("y1", &Num(y)),
                        ("x2", &Num(x + w)),
                        ("y2", &Num(y)),
                        ("stroke", &MIGRAINE),
                        ("stroke-width", &Num(STROKE_SERIES)),
                        ("stroke-dasharray", &DASH_SERIES),
                    ],
                );
                body.leaf(
                    "polygon",
                    &[
                        (
                            "points",
                            &triangle_points(x + w / 2.0, y + 1.0, TRIANGLE_RADIUS - 1.0),
                        ),
                        ("fill", &PAPER),
                        ("stroke", &MIGRAINE),
                        ("stroke-width", &Num(STROKE_MARK)),
                    ],
                );
            }
            2 => swatch_rect(&mut body, (x, y), BASELINE_FILL),
            3 => session_swatch(&mut body, (x, y)),
            _ => swatch_rect(&mut body, (x, y), &format!("url(#{gap_id})")),
        }
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = plot_bottom + X_AXIS_SPACE + legend.height + BOTTOM;
    let desc = describe(&periods, &sessions, input.baseline);
    document(
        &Root {
            id: &id,
            class: "cephalog-trend",
            width: WIDTH,
            height,
            title: &input.title,
            desc: &desc,
        },
        defs,
        body,
    )
}

fn has_gap(p: &TrendPeriod) -> bool {
    usable(p.headache_days_per_28).is_none() || usable(p.migraine_days_per_28).is_none()
}

/// The horizontal extents of runs of periods with a gap that touch each other.
fn gap_runs(periods: &[TrendPeriod], scale: &TimeScale) -> Vec<(f64, f64)> {
    let mut runs: Vec<(NaiveDate, NaiveDate)> = Vec::new();
    for p in periods.iter().filter(|p| has_gap(p)) {
        match runs.last_mut() {
            Some((_, end)) if p.start <= *end + Duration::days(1) => *end = (*end).max(p.end),
            _ => runs.push((p.start, p.end)),
        }
    }
    runs.into_iter()
        .map(|(s, e)| (scale.x(s), scale.x(e + Duration::days(1))))
        .collect()
}

/// "no data" across a gap: horizontal when it fits, else vertical, else left to the legend.
fn gap_label(body: &mut Svg, x0: f64, x1: f64, y_mid: f64) {
    let width = x1 - x0;
    let x = (x0 + x1) / 2.0;
    if width >= text_width(GAP_LABEL, FONT_SMALL) + 4.0 {
        body.halo_label(x, y_mid, None, GAP_LABEL);
    } else if width >= FONT_SMALL + 2.0 {
        let x = x + FONT_SMALL * 0.35;
        let rotate = format!("rotate(-90 {} {})", Num(x), Num(y_mid));
        body.halo_label(x, y_mid, Some(&rotate), GAP_LABEL);
    }
}

fn swatch_rect(body: &mut Svg, (x, y): (f64, f64), fill: &str) {
    body.leaf(
        "rect",
        &[
            ("x", &Num(x)),
            ("y", &Num(y - LEGEND_SWATCH_HEIGHT / 2.0)),
            ("width", &Num(LEGEND_SWATCH_WIDTH)),
            ("height", &Num(LEGEND_SWATCH_HEIGHT)),
            ("fill", &fill),
            ("stroke", &MUTED),
            ("stroke-width", &Num(STROKE_HAIRLINE)),
        ],
    );
}

/// One polyline per run of consecutive values; a gap breaks the line.
fn polylines(body: &mut Svg, points: &[Option<(f64, f64, f64)>], stroke: &str, dash: Option<&str>) {
    for run in points.split(Option::is_none) {
        if run.len() < 2 {
            continue;
        }
        let pts: Vec<String> = run
            .iter()
            .flatten()
            .map(|(x, y, _)| format!("{},{}", Num(*x), Num(*y)))
            .collect();
        let pts = pts.join(" ");
        let width = Num(STROKE_SERIES);
        let mut attrs: Vec<crate::svg::Attr<'_>> = vec![
            ("points", &pts),
            ("fill", &"none"),
            ("stroke", &stroke),
            ("stroke-width", &width),
            ("stroke-linejoin", &"round"),
        ];
        if let Some(d) = &dash {
            attrs.push(("stroke-dasharray", d));
        }
        body.leaf("polyline", &attrs);
    }
}

fn figures(p: &TrendPeriod) -> String {
    match (
        usable(p.headache_days_per_28),
        usable(p.migraine_days_per_28),
    ) {
        (Some(h), Some(m)) => format!(
            "{} headache days and {} migraine days per 28 days",
            one_decimal(h),
            one_decimal(m)
        ),
        (Some(h), None) => format!("{} headache days per 28 days", one_decimal(h)),
        (None, Some(m)) => format!("{} migraine days per 28 days", one_decimal(m)),
        (None, None) => INSUFFICIENT_DIARY_DATA.to_owned(),
    }
}

fn describe(
    periods: &[TrendPeriod],
    sessions: &[NaiveDate],
    baseline: Option<DateRange>,
) -> String {
    let mut parts = Vec::new();
    match (periods.first(), periods.last()) {
        (Some(first), Some(last)) => parts.push(format!(
            "Headache days and migraine days per 28 days in {} period{}, {}.",
            periods.len(),
            if periods.len() == 1 { "" } else { "s" },
            span_text(first.start, last.end)
        )),
        _ => parts.push("No diary periods to show.".to_owned()),
    }
    if let Some(b) = baseline {
        let (start, end) = (b.start.min(b.end), b.start.max(b.end));
        match periods.iter().find(|p| p.start >= start && p.end <= end) {
            Some(p) => parts.push(format!(
                "Baseline {}: {}.",
                span_text(start, end),
                figures(p)
            )),
            None => parts.push(format!("Baseline {}.", span_text(start, end))),
        }
    }
    if let Some(last) = periods.last() {
        parts.push(format!(
            "Latest period {}: {}.",
            span_text(last.start, last.end),
            figures(last)
        ));
    }
    let gaps = periods.iter().filter(|p| has_gap(p)).count();
    if gaps > 0 {
        parts.push(format!(
            "{gaps} period{} with {INSUFFICIENT_DIARY_DATA}, shown as gaps.",
            if gaps == 1 { "" } else { "s" }
        ));
    }
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
