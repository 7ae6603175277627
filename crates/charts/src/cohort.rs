//! The clinic cohort report's charts, drawn from the core's figures as they are
//! ([`cephalog_core::cohort`]): the share who met the ≥30 % and ≥50 % reductions by cycle with
//! their Wilson intervals, the mean headache days per 28 days by cycle beside the same patients'
//! baseline with the t intervals, and the Kaplan–Meier curve of time on treatment with its
//! log-log band and the numbers at risk.
//!
//! A cycle without an adequately recorded diary is drawn as "insufficient diary data", never as
//! 0; a report with no cycles or no patients gives a chart that says there is nothing to show.

use cephalog_core::cohort::{CycleFigures, Persistence};
use cephalog_core::reference::{INSUFFICIENT_DIARY_DATA, NORMALISATION_DAYS};
use cephalog_core::stats::{Interval, MeanEstimate, Proportion, SurvivalCurve};

use crate::svg::{
    Attr, Num, Root, Svg, axis_title_x, axis_title_y, document, hatch_pattern, id_prefix,
    legend_label, legend_layout, one_decimal,
};
use crate::theme::{
    BAND_FILL, DASH_MARKER, DASH_SERIES, FONT_SMALL, GRID, HATCH_SPACING, HEADACHE, INK,
    LEGEND_SWATCH_HEIGHT, LEGEND_SWATCH_WIDTH, MIGRAINE, MUTED, PAPER, STROKE_HAIRLINE,
    STROKE_MARK, STROKE_SERIES, STROKE_THIN, TICK_LENGTH,
};

const WIDTH: f64 = 440.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 14.0;
const TOP: f64 = 14.0;
const PLOT_HEIGHT: f64 = 200.0;
/// Height of a row of labels under the plot (cycle or month, then n or at risk).
const ROW: f64 = 14.0;
/// Room below the plot: two rows of labels and the axis title.
const X_AXIS_SPACE: f64 = TICK_LENGTH + FONT_SMALL + 2.0 * ROW + 12.0;
const BOTTOM: f64 = 8.0;
const POINT_RADIUS: f64 = 3.5;
const SQUARE_SIDE: f64 = 6.5;
const WHISKER_CAP: f64 = 3.0;
/// The widest a bar gets, however few cycles there are.
const MAX_BAR_WIDTH: f64 = 26.0;

const MET_30_LABEL: &str = "met ≥30 % reduction";
const MET_50_LABEL: &str = "met ≥50 % reduction";
const CYCLE_AXIS_TITLE: &str = "treatment cycle";

/// The plot area and its vertical scale from 0 to `max`.
#[derive(Debug, Clone, Copy)]
struct Plot {
    left: f64,
    right: f64,
    top: f64,
    bottom: f64,
    max: f64,
}

impl Plot {
    fn new(max: f64) -> Self {
        Plot {
            left: LEFT,
            right: WIDTH - RIGHT,
            top: TOP,
            bottom: TOP + PLOT_HEIGHT,
            max,
        }
    }

    /// The height of `v`, clamped to the plot; a non-finite value sits on the axis.
    fn y(&self, v: f64) -> f64 {
        let v = if v.is_finite() { v } else { 0.0 };
        self.bottom - PLOT_HEIGHT * v.clamp(0.0, self.max) / self.max
    }

    fn mid_x(&self) -> f64 {
        (self.left + self.right) / 2.0
    }

    fn mid_y(&self) -> f64 {
        (self.top + self.bottom) / 2.0
    }

    /// The first row of labels under the plot.
    fn row1(&self) -> f64 {
        self.bottom + TICK_LENGTH + FONT_SMALL
    }

    /// The second row of labels under the plot.
    fn row2(&self) -> f64 {
        self.row1() + ROW
    }

    fn axis_title_y(&self) -> f64 {
        self.row2() + ROW + 4.0
    }

    fn legend_top(&self) -> f64 {
        self.bottom + X_AXIS_SPACE
    }
}

/// Horizontal grid, ticks and labels at `ticks` (value, label), and the axis title.
fn y_axis(body: &mut Svg, plot: &Plot, ticks: &[(f64, String)], title: &str) {
    body.open("g", &[("class", &"axis axis-y")]);
    for (v, label) in ticks {
        let y = plot.y(*v);
        if *v > 0.0 {
            body.line((plot.left, y), (plot.right, y), GRID, STROKE_THIN);
        }
        body.line(
            (plot.left - TICK_LENGTH, y),
            (plot.left, y),
            INK,
            STROKE_THIN,
        );
        body.label(
            plot.left - TICK_LENGTH - 2.0,
            y + FONT_SMALL * 0.35,
            "end",
            MUTED,
            label,
        );
    }
    axis_title_y(body, plot.mid_y(), title);
    body.close("g");
}

fn percent_ticks() -> Vec<(f64, String)> {
    (0..=5)
        .map(|i| (f64::from(i) * 0.2, format!("{}", i * 20)))
        .collect()
}

/// The axis lines, drawn over bands and bars.
fn frame(body: &mut Svg, plot: &Plot) {
    body.line(
        (plot.left, plot.top),
        (plot.left, plot.bottom),
        INK,
        STROKE_THIN,
    );
    body.line(
        (plot.left, plot.bottom),
        (plot.right, plot.bottom),
        INK,
        STROKE_THIN,
    );
}

/// "Nothing to show" in the middle of an empty plot.
fn nothing(body: &mut Svg, plot: &Plot, text: &str) {
    body.text(
        "text",
        &[
            ("class", &"empty"),
            ("x", &Num(plot.mid_x())),
            ("y", &Num(plot.mid_y())),
            ("font-size", &Num(FONT_SMALL)),
            ("text-anchor", &"middle"),
            ("fill", &MUTED),
        ],
        text,
    );
}

/// The slot of each cycle along the x axis.
#[derive(Debug, Clone, Copy)]
struct Slots {
    left: f64,
    width: f64,
}

impl Slots {
    fn new(count: usize, plot: &Plot) -> Self {
        Slots {
            left: plot.left,
            width: (plot.right - plot.left) / count.max(1) as f64,
        }
    }

    fn centre(&self, i: usize) -> f64 {
        self.left + self.width * (i as f64 + 0.5)
    }

    fn start(&self, i: usize) -> f64 {
        self.left + self.width * i as f64
    }
}

/// Cycle numbers under their slots, a row of n under them (labelled "n" at the left), and the
/// axis title.
fn cycle_axis(body: &mut Svg, plot: &Plot, slots: &Slots, cycles: &[(usize, u64)]) {
    body.open("g", &[("class", &"axis axis-x")]);
    for (i, (cycle, n)) in cycles.iter().enumerate() {
        let x = slots.centre(i);
        body.line(
            (x, plot.bottom),
            (x, plot.bottom + TICK_LENGTH),
            INK,
            STROKE_THIN,
        );
        body.label(x, plot.row1(), "middle", INK, &cycle.to_string());
        body.text(
            "text",
            &[
                ("class", &"n"),
                ("x", &Num(x)),
                ("y", &Num(plot.row2())),
                ("font-size", &Num(FONT_SMALL)),
                ("text-anchor", &"middle"),
                ("fill", &MUTED),
            ],
            &n.to_string(),
        );
    }
    if !cycles.is_empty() {
        body.label(plot.left - 6.0, plot.row2(), "end", MUTED, "n");
    }
    axis_title_x(body, plot.mid_x(), plot.axis_title_y(), CYCLE_AXIS_TITLE);
    body.close("g");
}

/// A hatched slot: the cycle's window ended but no diary was adequate (or it is in progress).
fn gap_slot(body: &mut Svg, plot: &Plot, slots: &Slots, i: usize, fill: &str, tooltip: &str) {
    let inset = slots.width * 0.1;
    body.titled(
        "rect",
        &[
            ("class", &"gap"),
            ("x", &Num(slots.start(i) + inset)),
            ("y", &Num(plot.top)),
            ("width", &Num(slots.width - 2.0 * inset)),
            ("height", &Num(PLOT_HEIGHT)),
            ("fill", &fill),
        ],
        tooltip,
    );
}

/// An error bar from `low` to `high` at `x` (already in pixels), with caps.
fn whisker(body: &mut Svg, class: &str, x: f64, (low, high): (f64, f64), tooltip: &str) {
    let d = format!(
        "M{} {}H{}M{} {}V{}M{} {}H{}",
        Num(x - WHISKER_CAP),
        Num(low),
        Num(x + WHISKER_CAP),
        Num(x),
        Num(low),
        Num(high),
        Num(x - WHISKER_CAP),
        Num(high),
        Num(x + WHISKER_CAP),
    );
    let class = format!("whisker {class}");
    body.titled(
        "path",
        &[
            ("class", &class),
            ("d", &d),
            ("fill", &"none"),
            ("stroke", &INK),
            ("stroke-width", &Num(STROKE_THIN)),
        ],
        tooltip,
    );
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

fn swatch_whisker(body: &mut Svg, (x, y): (f64, f64)) {
    let mid = x + LEGEND_SWATCH_WIDTH / 2.0;
    let half = LEGEND_SWATCH_HEIGHT / 2.0;
    let d = format!(
        "M{} {}H{}M{} {}V{}M{} {}H{}",
        Num(mid - WHISKER_CAP),
        Num(y + half),
        Num(mid + WHISKER_CAP),
        Num(mid),
        Num(y + half),
        Num(y - half),
        Num(mid - WHISKER_CAP),
        Num(y - half),
        Num(mid + WHISKER_CAP),
    );
    body.leaf(
        "path",
        &[
            ("d", &d),
            ("fill", &"none"),
            ("stroke", &INK),
            ("stroke-width", &Num(STROKE_THIN)),
        ],
    );
}

/// A pattern of diagonal lines in `colour` over the page, for the ≥50 % bars.
fn stripe_pattern(defs: &mut Svg, id: &str, colour: &str) {
    defs.open(
        "pattern",
        &[
            ("id", &id),
            ("width", &Num(HATCH_SPACING * 0.75)),
            ("height", &Num(HATCH_SPACING * 0.75)),
            ("patternUnits", &"userSpaceOnUse"),
            ("patternTransform", &"rotate(-45)"),
        ],
    );
    defs.leaf(
        "rect",
        &[
            ("width", &Num(HATCH_SPACING * 0.75)),
            ("height", &Num(HATCH_SPACING * 0.75)),
            ("fill", &PAPER),
        ],
    );
    defs.line((0.0, 0.0), (0.0, HATCH_SPACING * 0.75), colour, 2.5);
    defs.close("pattern");
}

fn percent(x: f64) -> String {
    one_decimal(x * 100.0)
}

fn interval_percent(i: &Interval) -> String {
    format!("{}–{} %", percent(i.low), percent(i.high))
}

fn share_text(p: &Proportion) -> String {
    format!(
        "{} of {} ({} %, 95 % Wilson interval {})",
        p.successes,
        p.n,
        percent(p.share),
        interval_percent(&p.interval)
    )
}

fn mean_text(m: &MeanEstimate) -> String {
    match m.interval {
        Some(i) => format!(
            "{} (95 % t interval {}–{}; n {})",
            one_decimal(m.mean),
            one_decimal(i.low),
            one_decimal(i.high),
            m.n
        ),
        None => format!("{} (n {}: no interval)", one_decimal(m.mean), m.n),
    }
}

/// Why a cycle has nothing to draw: its windows are not over, or no diary was adequate.
fn missing_text(c: &CycleFigures) -> String {
    if c.in_progress == c.treated {
        format!(
            "Cycle {}: in progress ({} treated, fewer than 28 days since the session)",
            c.cycle, c.treated
        )
    } else {
        format!(
            "Cycle {}: {INSUFFICIENT_DIARY_DATA} ({} treated, {} in progress, {} without an \
             adequate baseline and cycle diary)",
            c.cycle, c.treated, c.in_progress, c.insufficient_diary_data
        )
    }
}

/// The share who met the ≥30 % and ≥50 % reductions in headache days per 28 days at each cycle
/// (bars), with their 95 % Wilson intervals (whiskers) and, under each cycle, the number of
/// patients judged (`n`). `id` prefixes the element ids; `cycles` are the report's
/// [`cephalog_core::cohort::CohortReport::cycles`].
pub fn cohort_responders_svg(id: &str, cycles: &[CycleFigures]) -> String {
    let id = id_prefix(id);
    let gap_id = format!("{id}-gap");
    let met50_id = format!("{id}-met50");
    let plot = Plot::new(1.0);
    let slots = Slots::new(cycles.len(), &plot);
    let mut defs = Svg::new();
    hatch_pattern(&mut defs, &gap_id, None);
    stripe_pattern(&mut defs, &met50_id, MIGRAINE);
    let gap_fill = format!("url(#{gap_id})");
    let met50_fill = format!("url(#{met50_id})");
    let mut body = Svg::new();
    y_axis(&mut body, &plot, &percent_ticks(), "share of patients (%)");

    if cycles.is_empty() {
        nothing(&mut body, &plot, "no treatment cycles to show");
    }
    let bar_width = (slots.width * 0.32).min(MAX_BAR_WIDTH);
    let mut whiskers = Svg::new();
    body.open("g", &[("class", &"bars")]);
    for (i, c) in cycles.iter().enumerate() {
        let centre = slots.centre(i);
        let series = [
            (
                &c.met_30_percent_reduction,
                "met-30",
                "≥30 %",
                HEADACHE,
                -1.0,
            ),
            (
                &c.met_50_percent_reduction,
                "met-50",
                "≥50 %",
                met50_fill.as_str(),
                1.0,
            ),
        ];
        if series.iter().all(|s| s.0.is_none()) {
            gap_slot(&mut body, &plot, &slots, i, &gap_fill, &missing_text(c));
            continue;
        }
        for (p, class, words, fill, side) in series {
            let Some(p) = p else { continue };
            let x_mid = centre + side * (bar_width / 2.0 + 1.0);
            let top = plot.y(p.share);
            let mark_class = format!("mark mark-{class}");
            body.titled(
                "rect",
                &[
                    ("class", &mark_class),
                    ("x", &Num(x_mid - bar_width / 2.0)),
                    ("y", &Num(top)),
                    ("width", &Num(bar_width)),
                    ("height", &Num(plot.bottom - top)),
                    ("fill", &fill),
                    ("stroke", &INK),
                    ("stroke-width", &Num(STROKE_HAIRLINE)),
                ],
                &format!(
                    "Cycle {}: {} met the {words} reduction",
                    c.cycle,
                    share_text(p)
                ),
            );
            whisker(
                &mut whiskers,
                &format!("whisker-{class}"),
                x_mid,
                (plot.y(p.interval.low), plot.y(p.interval.high)),
                &format!(
                    "Cycle {}, met the {words} reduction: 95 % Wilson interval {}",
                    c.cycle,
                    interval_percent(&p.interval)
                ),
            );
        }
    }
    body.close("g");
    body.open("g", &[("class", &"whiskers")]);
    body.append(whiskers);
    body.close("g");

    frame(&mut body, &plot);
    let axis: Vec<(usize, u64)> = cycles
        .iter()
        .map(|c| {
            (
                c.cycle,
                c.met_30_percent_reduction
                    .as_ref()
                    .or(c.met_50_percent_reduction.as_ref())
                    .map_or(0, |p| p.n),
            )
        })
        .collect();
    cycle_axis(&mut body, &plot, &slots, &axis);

    let labels = [
        MET_30_LABEL,
        MET_50_LABEL,
        "95 % Wilson interval",
        INSUFFICIENT_DIARY_DATA,
    ];
    let legend = legend_layout(&labels, plot.left, plot.right, plot.legend_top());
    body.open("g", &[("class", &"legend")]);
    for (i, (label, pos)) in labels
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        match i {
            0 => swatch_rect(&mut body, pos, HEADACHE),
            1 => swatch_rect(&mut body, pos, &met50_fill),
            2 => swatch_whisker(&mut body, pos),
            _ => swatch_rect(&mut body, pos, &gap_fill),
        }
        legend_label(&mut body, pos, label);
    }
    body.close("g");

    let height = plot.legend_top() + legend.height + BOTTOM;
    let desc = describe_responders(cycles);
    document(
        &Root {
            id: &id,
            class: "cephalog-cohort-reduction",
            width: WIDTH,
            height,
            title: "Share who met the ≥30 % and ≥50 % reductions in headache days, by treatment \
                    cycle (95 % Wilson intervals)",
            desc: &desc,
        },
        defs,
        body,
    )
}

fn describe_responders(cycles: &[CycleFigures]) -> String {
    if cycles.is_empty() {
        return "No treatment cycles to show: no selected patient has a session.".to_owned();
    }
    let mut parts = vec![format!(
        "Share of the patients with an adequately recorded baseline and cycle diary who met the \
         ≥30 % and the ≥50 % reduction in headache days per 28 days, cycles 1 to {}.",
        cycles.len()
    )];
    for c in cycles {
        match (&c.met_30_percent_reduction, &c.met_50_percent_reduction) {
            (None, None) => parts.push(format!("{}.", missing_text(c))),
            (a, b) => {
                let one = |p: &Option<Proportion>, words: &str| {
                    p.as_ref().map_or_else(
                        || format!("{words}: not judged"),
                        |p| format!("{words} {}", share_text(p)),
                    )
                };
                parts.push(format!(
                    "Cycle {}: {}; {}.",
                    c.cycle,
                    one(a, "met the ≥30 % reduction"),
                    one(b, "met the ≥50 % reduction")
                ));
            }
        }
    }
    parts.join(" ")
}

/// Mean headache days per 28 days in each cycle's window (filled circles joined by a line, with
/// the 95 % t interval as a shaded band) beside the baseline mean of the same patients (hollow
/// squares with their t interval as whiskers), and the number of patients (`n`, those with an
/// adequate baseline and cycle diary) under each cycle. The baseline differs from cycle to
/// cycle because the patients do.
pub fn cohort_headache_days_svg(id: &str, cycles: &[CycleFigures]) -> String {
    let id = id_prefix(id);
    let gap_id = format!("{id}-gap");
    let max = f64::from(NORMALISATION_DAYS);
    let plot = Plot::new(max);
    let slots = Slots::new(cycles.len(), &plot);
    let mut defs = Svg::new();
    hatch_pattern(&mut defs, &gap_id, None);
    let gap_fill = format!("url(#{gap_id})");
    let mut body = Svg::new();
    let ticks: Vec<(f64, String)> = (0..=NORMALISATION_DAYS)
        .step_by(7)
        .map(|t| (f64::from(t), t.to_string()))
        .collect();
    y_axis(&mut body, &plot, &ticks, "headache days per 28 days");
    if cycles.is_empty() {
        nothing(&mut body, &plot, "no treatment cycles to show");
    }
    let offset = (slots.width * 0.18).min(10.0);
    let finite = |m: &Option<MeanEstimate>| m.filter(|m| m.mean.is_finite());
    let cycle_points: Vec<Option<(f64, MeanEstimate)>> = cycles
        .iter()
        .enumerate()
        .map(|(i, c)| finite(&c.headache_days).map(|m| (slots.centre(i) + offset, m)))
        .collect();

    // Gaps, then the band of the cycle means (runs of cycles with an interval).
    body.open("g", &[("class", &"gaps")]);
    for (i, c) in cycles.iter().enumerate() {
        if cycle_points.get(i).is_some_and(Option::is_none) {
            gap_slot(&mut body, &plot, &slots, i, &gap_fill, &missing_text(c));
        }
    }
    body.close("g");
    body.open("g", &[("class", &"band")]);
    let with_interval: Vec<Option<(f64, Interval)>> = cycle_points
        .iter()
        .map(|p| p.and_then(|(x, m)| m.interval.map(|i| (x, i))))
        .collect();
    for run in with_interval.split(Option::is_none) {
        let run: Vec<(f64, Interval)> = run.iter().flatten().copied().collect();
        match run.as_slice() {
            [] => {}
            [(x, i)] => {
                body.leaf(
                    "rect",
                    &[
                        ("class", &"band-segment"),
                        ("x", &Num(x - 5.0)),
                        ("y", &Num(plot.y(i.high))),
                        ("width", &Num(10.0)),
                        ("height", &Num(plot.y(i.low) - plot.y(i.high))),
                        ("fill", &BAND_FILL),
                    ],
                );
            }
            run => {
                let upper = run
                    .iter()
                    .map(|(x, i)| format!("{},{}", Num(*x), Num(plot.y(i.high))));
                let lower = run
                    .iter()
                    .rev()
                    .map(|(x, i)| format!("{},{}", Num(*x), Num(plot.y(i.low))));
                let points: Vec<String> = upper.chain(lower).collect();
                body.leaf(
                    "polygon",
                    &[
                        ("class", &"band-segment"),
                        ("points", &points.join(" ")),
                        ("fill", &BAND_FILL),
                    ],
                );
            }
        }
    }
    body.close("g");

    // The line through the cycle means, broken at every gap.
    body.open("g", &[("class", &"series series-cycle")]);
    for run in cycle_points.split(Option::is_none) {
        if run.len() < 2 {
            continue;
        }
        let points: Vec<String> = run
            .iter()
            .flatten()
            .map(|(x, m)| format!("{},{}", Num(*x), Num(plot.y(m.mean))))
            .collect();
        body.leaf(
            "polyline",
            &[
                ("points", &points.join(" ")),
                ("fill", &"none"),
                ("stroke", &HEADACHE),
                ("stroke-width", &Num(STROKE_SERIES)),
                ("stroke-linejoin", &"round"),
            ],
        );
    }
    body.close("g");

    // Baseline whiskers and squares, then the cycle means.
    body.open("g", &[("class", &"marks")]);
    for (i, c) in cycles.iter().enumerate() {
        let (Some(b), Some(_)) = (finite(&c.baseline_headache_days), cycle_points[i]) else {
            continue;
        };
        let x = slots.centre(i) - offset;
        if let Some(iv) = b.interval {
            whisker(
                &mut body,
                "whisker-baseline",
                x,
                (plot.y(iv.low), plot.y(iv.high)),
                &format!(
                    "Cycle {}, the same patients' baseline: 95 % t interval {}–{}",
                    c.cycle,
                    one_decimal(iv.low),
                    one_decimal(iv.high)
                ),
            );
        }
        let y = plot.y(b.mean);
        body.titled(
            "rect",
            &[
                ("class", &"mark mark-baseline"),
                ("x", &Num(x - SQUARE_SIDE / 2.0)),
                ("y", &Num(y - SQUARE_SIDE / 2.0)),
                ("width", &Num(SQUARE_SIDE)),
                ("height", &Num(SQUARE_SIDE)),
                ("fill", &PAPER),
                ("stroke", &INK),
                ("stroke-width", &Num(STROKE_MARK)),
            ],
            &format!(
                "Cycle {}: the same patients' baseline mean {} headache days per 28 days",
                c.cycle,
                mean_text(&b)
            ),
        );
    }
    for (c, p) in cycles.iter().zip(&cycle_points) {
        let Some((x, m)) = p else { continue };
        body.titled(
            "circle",
            &[
                ("class", &"mark mark-cycle"),
                ("cx", &Num(*x)),
                ("cy", &Num(plot.y(m.mean))),
                ("r", &Num(POINT_RADIUS)),
                ("fill", &HEADACHE),
                ("stroke", &PAPER),
                ("stroke-width", &Num(STROKE_THIN)),
            ],
            &format!(
                "Cycle {}: mean {} headache days per 28 days",
                c.cycle,
                mean_text(m)
            ),
        );
    }
    body.close("g");

    frame(&mut body, &plot);
    let axis: Vec<(usize, u64)> = cycles.iter().map(|c| (c.cycle, c.adequate_diary)).collect();
    cycle_axis(&mut body, &plot, &slots, &axis);

    let labels = [
        "cycle mean",
        "95 % t interval of the cycle mean",
        "same patients' baseline mean (95 % t interval)",
        INSUFFICIENT_DIARY_DATA,
    ];
    let legend = legend_layout(&labels, plot.left, plot.right, plot.legend_top());
    body.open("g", &[("class", &"legend")]);
    for (i, (label, (x, y))) in labels
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        match i {
            0 => {
                body.line(
                    (x, y),
                    (x + LEGEND_SWATCH_WIDTH, y),
                    HEADACHE,
                    STROKE_SERIES,
                );
                body.leaf(
                    "circle",
                    &[
                        ("cx", &Num(x + LEGEND_SWATCH_WIDTH / 2.0)),
                        ("cy", &Num(y)),
                        ("r", &Num(POINT_RADIUS)),
                        ("fill", &HEADACHE),
                    ],
                );
            }
            1 => swatch_rect(&mut body, (x, y), BAND_FILL),
            2 => {
                swatch_whisker(&mut body, (x, y));
                let mid = x + LEGEND_SWATCH_WIDTH / 2.0;
                body.leaf(
                    "rect",
                    &[
                        ("x", &Num(mid - SQUARE_SIDE / 2.0)),
                        ("y", &Num(y - SQUARE_SIDE / 2.0)),
                        ("width", &Num(SQUARE_SIDE)),
                        ("height", &Num(SQUARE_SIDE)),
                        ("fill", &PAPER),
                        ("stroke", &INK),
                        ("stroke-width", &Num(STROKE_MARK)),
                    ],
                );
            }
            _ => swatch_rect(&mut body, (x, y), &gap_fill),
        }
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = plot.legend_top() + legend.height + BOTTOM;
    let desc = describe_headache_days(cycles);
    document(
        &Root {
            id: &id,
            class: "cephalog-cohort-headache-days",
            width: WIDTH,
            height,
            title: "Mean headache days per 28 days by treatment cycle, beside the same patients' \
                    baseline (95 % t intervals)",
            desc: &desc,
        },
        defs,
        body,
    )
}

fn describe_headache_days(cycles: &[CycleFigures]) -> String {
    if cycles.is_empty() {
        return "No treatment cycles to show: no selected patient has a session.".to_owned();
    }
    let mut parts = vec![format!(
        "Mean headache days per 28 days in the window of each treatment cycle, among the patients \
         with an adequately recorded baseline and cycle diary, beside the same patients' baseline \
         mean, cycles 1 to {}.",
        cycles.len()
    )];
    for c in cycles {
        match (&c.baseline_headache_days, &c.headache_days) {
            (Some(b), Some(m)) => parts.push(format!(
                "Cycle {}: {} in the cycle against {} at baseline.",
                c.cycle,
                mean_text(m),
                mean_text(b)
            )),
            (None, Some(m)) => parts.push(format!("Cycle {}: {}.", c.cycle, mean_text(m))),
            _ => parts.push(format!("{}.", missing_text(c))),
        }
    }
    parts.join(" ")
}

/// The Kaplan–Meier curve of time on treatment from the first session (a step line, the share
/// still on treatment), its 95 % log-log band shaded, the median marked when the curve reaches
/// 50 %, and the numbers at risk at the months of the report's at-risk table under the x axis.
/// A curve with no stop is a flat line at 100 %; one with no patients says so.
pub fn cohort_persistence_svg(id: &str, persistence: &Persistence) -> String {
    let id = id_prefix(id);
    let curve = &persistence.curve;
    let plot = Plot::new(1.0);
    let mut body = Svg::new();
    y_axis(&mut body, &plot, &percent_ticks(), "still on treatment (%)");

    let finite = |t: f64| t.is_finite().then_some(t);
    let last_step = curve
        .steps
        .iter()
        .filter_map(|s| finite(s.time))
        .fold(0.0_f64, f64::max);
    let end = last_step.max(last_follow_up(curve));
    let table_end = persistence
        .at_risk
        .iter()
        .filter_map(|a| finite(a.months))
        .fold(0.0_f64, f64::max);
    let x_max = end.max(table_end).max(1.0);
    let x_of = |t: f64| plot.left + (plot.right - plot.left) * t.clamp(0.0, x_max) / x_max;

    // Ticks: the at-risk table's months, or every 3 (6, 12) months without one.
    let ticks: Vec<(f64, Option<u64>)> = if persistence.at_risk.is_empty() {
        let step = [3.0, 6.0, 12.0, 24.0]
            .into_iter()
            .find(|s| x_max / s <= 8.0)
            .unwrap_or(60.0);
        (0..)
            .map(|k| f64::from(k) * step)
            .take_while(|t| *t <= x_max)
            .map(|t| (t, None))
            .collect()
    } else {
        persistence
            .at_risk
            .iter()
            .filter(|a| a.months.is_finite() && a.months >= 0.0 && a.months <= x_max)
            .map(|a| (a.months, Some(a.at_risk)))
            .collect()
    };

    if curve.n == 0 {
        nothing(&mut body, &plot, "no patients to show");
    } else {
        // Band: one rectangle per stretch between event times.
        body.open("g", &[("class", &"band")]);
        for (i, s) in curve.steps.iter().enumerate() {
            let Some(b) = s.band else { continue };
            let until = curve.steps.get(i + 1).map_or(end, |n| n.time);
            let (x0, x1) = (x_of(s.time), x_of(until));
            if x1 <= x0 {
                continue;
            }
            body.leaf(
                "rect",
                &[
                    ("class", &"band-segment"),
                    ("x", &Num(x0)),
                    ("y", &Num(plot.y(b.high))),
                    ("width", &Num(x1 - x0)),
                    ("height", &Num(plot.y(b.low) - plot.y(b.high))),
                    ("fill", &BAND_FILL),
                ],
            );
        }
        body.close("g");

        // The step line: level until each event time, then down.
        let mut points = vec![(x_of(0.0), plot.y(1.0))];
        let mut level = 1.0;
        for s in &curve.steps {
            points.push((x_of(s.time), plot.y(level)));
            level = s.survival;
            points.push((x_of(s.time), plot.y(level)));
        }
        points.push((x_of(end), plot.y(level)));
        let points: Vec<String> = points
            .iter()
            .map(|(x, y)| format!("{},{}", Num(*x), Num(*y)))
            .collect();
        body.open("g", &[("class", &"series series-persistence")]);
        body.leaf(
            "polyline",
            &[
                ("class", &"curve"),
                ("points", &points.join(" ")),
                ("fill", &"none"),
                ("stroke", &HEADACHE),
                ("stroke-width", &Num(STROKE_SERIES)),
                ("stroke-linejoin", &"miter"),
            ],
        );
        body.close("g");

        // One mark per step: the drop, with what happened there.
        body.open("g", &[("class", &"marks")]);
        let mut before = 1.0;
        for s in &curve.steps {
            let x = x_of(s.time);
            let band = s.band.map_or_else(
                || "no band".to_owned(),
                |b| format!("95 % band {}", interval_percent(&b)),
            );
            body.titled(
                "line",
                &[
                    ("class", &"mark mark-step"),
                    ("x1", &Num(x)),
                    ("y1", &Num(plot.y(before))),
                    ("x2", &Num(x)),
                    ("y2", &Num(plot.y(s.survival))),
                    ("stroke", &HEADACHE),
                    ("stroke-width", &Num(STROKE_SERIES)),
                ],
                &format!(
                    "{} months: {} of {} on treatment stopped; {} % still on treatment ({band})",
                    one_decimal(s.time),
                    s.events,
                    s.at_risk,
                    percent(s.survival)
                ),
            );
            before = s.survival;
        }
        body.close("g");

        // The median, or a note that the curve never reaches 50 %.
        match persistence.median_months.filter(|m| m.is_finite()) {
            Some(m) => {
                let (x, y) = (x_of(m), plot.y(0.5));
                body.open("g", &[("class", &"median")]);
                body.title(&format!(
                    "Median time on treatment: {} months",
                    one_decimal(m)
                ));
                let d = format!(
                    "M{} {}H{}V{}",
                    Num(plot.left),
                    Num(y),
                    Num(x),
                    Num(plot.bottom)
                );
                let dash: Attr<'_> = ("stroke-dasharray", &DASH_MARKER);
                body.leaf(
                    "path",
                    &[
                        ("d", &d),
                        ("fill", &"none"),
                        ("stroke", &INK),
                        ("stroke-width", &Num(STROKE_THIN)),
                        dash,
                    ],
                );
                body.halo_label(
                    (x + 4.0).min(plot.right - 50.0).max(plot.left + 50.0),
                    y - 6.0,
                    None,
                    &format!("median {} months", one_decimal(m)),
                );
                body.close("g");
            }
            None => body.text(
                "text",
                &[
                    ("class", &"median"),
                    ("x", &Num(plot.right - 4.0)),
                    ("y", &Num(plot.bottom - 8.0)),
                    ("font-size", &Num(FONT_SMALL)),
                    ("text-anchor", &"end"),
                    ("fill", &MUTED),
                ],
                "median not reached",
            ),
        }
    }

    frame(&mut body, &plot);

    // Months and the numbers at risk under the axis.
    body.open("g", &[("class", &"axis axis-x")]);
    for (t, at_risk) in &ticks {
        let x = x_of(*t);
        body.line(
            (x, plot.bottom),
            (x, plot.bottom + TICK_LENGTH),
            INK,
            STROKE_THIN,
        );
        body.label(x, plot.row1(), "middle", INK, &months_label(*t));
        if let Some(n) = at_risk {
            body.text(
                "text",
                &[
                    ("class", &"at-risk"),
                    ("x", &Num(x)),
                    ("y", &Num(plot.row2())),
                    ("font-size", &Num(FONT_SMALL)),
                    ("text-anchor", &"middle"),
                    ("fill", &MUTED),
                ],
                &n.to_string(),
            );
        }
    }
    if ticks.iter().any(|(_, n)| n.is_some()) {
        body.label(plot.left - 6.0, plot.row2(), "end", MUTED, "at risk");
    }
    axis_title_x(
        &mut body,
        plot.mid_x(),
        plot.axis_title_y(),
        "months from the first session",
    );
    body.close("g");

    let labels = ["still on treatment", "95 % log-log band", "median"];
    let legend = legend_layout(&labels, plot.left, plot.right, plot.legend_top());
    body.open("g", &[("class", &"legend")]);
    for (i, (label, (x, y))) in labels
        .iter()
        .zip(legend.positions.iter().copied())
        .enumerate()
    {
        match i {
            0 => body.line(
                (x, y),
                (x + LEGEND_SWATCH_WIDTH, y),
                HEADACHE,
                STROKE_SERIES,
            ),
            1 => swatch_rect(&mut body, (x, y), BAND_FILL),
            _ => body.leaf(
                "line",
                &[
                    ("x1", &Num(x)),
                    ("y1", &Num(y)),
                    ("x2", &Num(x + LEGEND_SWATCH_WIDTH)),
                    ("y2", &Num(y)),
                    ("stroke", &INK),
                    ("stroke-width", &Num(STROKE_THIN)),
                    ("stroke-dasharray", &DASH_SERIES),
                ],
            ),
        }
        legend_label(&mut body, (x, y), label);
    }
    body.close("g");

    let height = plot.legend_top() + legend.height + BOTTOM;
    let desc = describe_persistence(persistence);
    document(
        &Root {
            id: &id,
            class: "cephalog-cohort-persistence",
            width: WIDTH,
            height,
            title: "Time on treatment from the first session (Kaplan–Meier, 95 % log-log band)",
            desc: &desc,
        },
        Svg::new(),
        body,
    )
}

/// The longest follow-up in the curve (0 without observations), where its line ends: the time
/// beyond which no one is at risk, found from the curve's at-risk counts by doubling and then
/// halving the search interval (to a thousandth of a day's worth of months).
fn last_follow_up(curve: &SurvivalCurve) -> f64 {
    let followed = |t: f64| curve.at_risk_at(&[t]).first().is_some_and(|(_, n)| *n > 0);
    if !followed(0.0) {
        return 0.0;
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    for _ in 0..64 {
        if !followed(high) {
            break;
        }
        low = high;
        high *= 2.0;
    }
    if followed(high) {
        return low;
    }
    for _ in 0..64 {
        if high - low < 1e-5 {
            break;
        }
        let mid = (low + high) / 2.0;
        if followed(mid) {
            low = mid;
        } else {
            high = mid;
        }
    }
    low
}

/// "3" for 3.0 months, "24.8" for 24.8.
fn months_label(t: f64) -> String {
    if (t - t.round()).abs() < 0.05 {
        format!("{}", Num(t.round()))
            .trim_end_matches(".0")
            .to_owned()
    } else {
        one_decimal(t)
    }
}

fn describe_persistence(p: &Persistence) -> String {
    if p.curve.n == 0 {
        return "No patients to show: no selected patient has a session.".to_owned();
    }
    let mut parts = vec![format!(
        "Kaplan–Meier estimate of the share still on treatment, in months from the first session, \
         for {} patients: {} stopped under a stop decision of the rule set, {} after more than {} \
         days without a session{}, {} still on treatment.",
        p.patients,
        p.stopped_by_rule,
        p.stopped_by_gap,
        p.discontinuation_gap_days,
        p.gap_mark.map(|m| format!(" {m}")).unwrap_or_default(),
        p.still_on_treatment
    )];
    if p.curve.steps.is_empty() {
        parts.push("No one stopped: the curve stays at 100 %.".to_owned());
    }
    parts.push(match p.median_months {
        Some(m) => format!("Median time on treatment {} months.", one_decimal(m)),
        None => "Median time on treatment not reached.".to_owned(),
    });
    for a in &p.at_risk {
        parts.push(format!(
            "At {} months: {} % still on treatment{}, {} at risk.",
            months_label(a.months),
            percent(a.on_treatment),
            a.band
                .map(|b| format!(" (95 % band {})", interval_percent(&b)))
                .unwrap_or_default(),
            a.at_risk
        ));
    }
    parts.join(" ")
}
