//! One diary month as a calendar grid, weeks starting on Monday.

use chrono::{Datelike, Duration, NaiveDate};

use cephalog_core::metrics::{DateRange, PeriodKind, split_periods};
use cephalog_core::preset::{DayPreset, MigraineBasis};
use cephalog_core::{Diary, Intensity};

use crate::svg::{
    Num, Root, Svg, date_text, document, hatch_pattern, id_prefix, legend_label, legend_layout,
    month_name, triangle_points, weekday_name,
};
use crate::theme::{
    CELL_BORDER, FONT_HEADING, FONT_SMALL, GRID, HATCH_BACKGROUND, INK, LEGEND_SWATCH_HEIGHT,
    LEGEND_SWATCH_RADIUS, LEGEND_SWATCH_WIDTH, MILD, MODERATE, MUTED, PAPER, SEVERE, STROKE_MARK,
    STROKE_THIN,
};

/// One recorded diary day, as the calendar shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct DayRecord {
    /// The day.
    pub date: NaiveDate,
    /// Headache minutes, 0 on a headache-free day.
    pub headache_minutes: u16,
    /// Peak intensity; [`Intensity::None`] on a headache-free day.
    pub peak: Intensity,
    /// Whether the day counts as a headache day under the month's preset.
    pub headache_day: bool,
    /// Why the day is a migraine day under the preset, or `None`.
    pub migraine: Option<MigraineBasis>,
    /// Whether any acute medicine was taken.
    pub acute_medication: bool,
}

/// One month of the diary.
#[derive(Debug, Clone, PartialEq)]
pub struct CalendarMonth {
    /// Prefix of the chart's element ids; unique on the page.
    pub id: String,
    /// The chart's accessible name.
    pub title: String,
    /// Any day of the month to draw.
    pub month: NaiveDate,
    /// The days the chart covers. Days of the month outside it (e.g. after today) are drawn
    /// blank: neither recorded nor unrecorded.
    pub span: DateRange,
    /// The recorded days. A day inside `span` with no record is "not recorded", never
    /// headache-free. Records outside the month are ignored.
    pub days: Vec<DayRecord>,
    /// The headache-day definition the records were classified with.
    pub preset: DayPreset,
}

/// The calendar months from `from` to `to` (whole months, each clipped to the span), each day
/// classified by core's preset rules: [`DayPreset::is_headache_day`] and
/// [`DayPreset::migraine_basis`]. Empty when `to` precedes `from`.
pub fn calendar_months(
    diary: &Diary,
    from: NaiveDate,
    to: NaiveDate,
    preset: DayPreset,
    has_migraine_diagnosis: bool,
) -> Vec<CalendarMonth> {
    let Some(span) = DateRange::new(from, to) else {
        return Vec::new();
    };
    split_periods(span, PeriodKind::Month)
        .into_iter()
        .map(|part| {
            let days = diary
                .range(part.start, part.end)
                .map(|d| DayRecord {
                    date: d.date(),
                    headache_minutes: d.headache_minutes(),
                    peak: d.peak_intensity(),
                    headache_day: preset.is_headache_day(d),
                    migraine: preset.migraine_basis(d, has_migraine_diagnosis),
                    acute_medication: d.took_acute_medication(),
                })
                .collect();
            CalendarMonth {
                id: format!("calendar-{}-{:02}", part.start.year(), part.start.month()),
                title: format!(
                    "Headache diary, {} {}",
                    month_name(part.start.month()),
                    part.start.year()
                ),
                month: part.start,
                span: part,
                days,
                preset,
            }
        })
        .collect()
}

const COLUMNS: u32 = 7;
const MARGIN: f64 = 14.0;
const CELL_WIDTH: f64 = 48.0;
const CELL_HEIGHT: f64 = 44.0;
/// Space between cells.
const CELL_GAP: f64 = 2.0;
const CELL_RADIUS: f64 = 3.0;
const HEADING_HEIGHT: f64 = 26.0;
const WEEKDAY_ROW_HEIGHT: f64 = 18.0;
const LEGEND_GAP: f64 = 10.0;
const BOTTOM: f64 = 6.0;
/// Inset of day numbers and markers from the cell's edges.
const INSET: f64 = 5.0;
const MIGRAINE_MARK_RADIUS: f64 = 6.0;
const MEDICATION_MARK_RADIUS: f64 = 3.5;
/// Intensity bars: width, gap and height step (mild 1 bar, moderate 2, severe 3).
const BAR_WIDTH: f64 = 3.5;
const BAR_GAP: f64 = 2.0;
const BAR_STEP: f64 = 5.0;

const NOT_RECORDED: &str = "not recorded";
const HEADACHE_FREE: &str = "headache-free";
const MIGRAINE_DAY: &str = "migraine day";
const ACUTE_MEDICATION: &str = "acute medication";
const OUTSIDE: &str = "not charted";

/// What a day cell shows.
enum Cell<'a> {
    Outside,
    NotRecorded,
    Recorded(&'a DayRecord),
}

fn intensity_fill(peak: Intensity) -> &'static str {
    match peak {
        Intensity::None => PAPER,
        Intensity::Mild => MILD,
        Intensity::Moderate => MODERATE,
        Intensity::Severe => SEVERE,
    }
}

/// Day numbers on the darkest fill are white.
fn number_fill(peak: Intensity) -> &'static str {
    if peak == Intensity::Severe {
        PAPER
    } else {
        INK
    }
}

fn bars(peak: Intensity) -> u32 {
    match peak {
        Intensity::None => 0,
        Intensity::Mild => 1,
        Intensity::Moderate => 2,
        Intensity::Severe => 3,
    }
}

fn basis_text(basis: MigraineBasis) -> &'static str {
    match basis {
        MigraineBasis::MigraineFeatures => "ICHD-3 migraine features",
        MigraineBasis::ProbableMigraine => "probable migraine in a patient with migraine",
        MigraineBasis::Aura => "aura",
        MigraineBasis::MigraineSpecificMedication => "migraine-specific medicine taken",
    }
}

fn duration_text(minutes: u16) -> String {
    match (minutes / 60, minutes % 60) {
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn day_tooltip(date: NaiveDate, cell: &Cell<'_>, preset: DayPreset) -> String {
    let weekday = weekday_name(date.weekday().num_days_from_monday());
    let day = format!("{weekday} {}", date_text(date));
    match cell {
        Cell::Outside => format!("{day}: {OUTSIDE}"),
        Cell::NotRecorded => format!("{day}: {NOT_RECORDED}"),
        Cell::Recorded(r) => {
            let mut parts = Vec::new();
            if r.headache_minutes == 0 {
                parts.push(HEADACHE_FREE.to_owned());
            } else {
                parts.push(format!(
                    "headache {}, peak {}",
                    duration_text(r.headache_minutes),
                    r.peak
                ));
                parts.push(if r.headache_day {
                    format!("a headache day ({preset})")
                } else {
                    format!("not a headache day ({preset})")
                });
            }
            if let Some(b) = r.migraine {
                parts.push(format!("{MIGRAINE_DAY} ({})", basis_text(b)));
            }
            if r.acute_medication {
                parts.push(format!("{ACUTE_MEDICATION} taken"));
            }
            format!("{day}: {}", parts.join("; "))
        }
    }
}

/// Draws one month.
pub fn calendar_svg(month: &CalendarMonth) -> String {
    let id = id_prefix(&month.id);
    let unrecorded_id = format!("{id}-unrecorded");
    let unrecorded_fill = format!("url(#{unrecorded_id})");
    let first = month.month.with_day(1).unwrap_or(month.month);
    let last = DateRange::month_of(first).end;
    let (span_start, span_end) = (
        month.span.start.min(month.span.end),
        month.span.start.max(month.span.end),
    );
    let lead = first.weekday().num_days_from_monday();
    let day_count = (last - first).num_days() as u32 + 1;
    let rows = (lead + day_count).div_ceil(COLUMNS);
    let grid_top = HEADING_HEIGHT + WEEKDAY_ROW_HEIGHT;
    let width = 2.0 * MARGIN + f64::from(COLUMNS) * CELL_WIDTH;

    let mut defs = Svg::new();
    hatch_pattern(&mut defs, &unrecorded_id, Some(HATCH_BACKGROUND));
    let mut body = Svg::new();
    body.text(
        "text",
        &[
            ("class", &"heading"),
            ("x", &Num(width / 2.0)),
            ("y", &Num(FONT_HEADING + 4.0)),
            ("font-size", &Num(FONT_HEADING)),
            ("font-weight", &"bold"),
            ("text-anchor", &"middle"),
            ("fill", &INK),
        ],
        &format!("{} {}", month_name(first.month()), first.year()),
    );
    body.open("g", &[("class", &"weekdays")]);
    for col in 0..COLUMNS {
        body.label(
            MARGIN + CELL_WIDTH * (f64::from(col) + 0.5),
            grid_top - 5.0,
            "middle",
            MUTED,
            weekday_name(col),
        );
    }
    body.close("g");

    let mut counts = Counts::default();
    body.open("g", &[("class", &"days")]);
    for offset in 0..day_count {
        let date = first + Duration::days(i64::from(offset));
        let slot = lead + offset;
        let x = MARGIN + CELL_WIDTH * f64::from(slot % COLUMNS) + CELL_GAP / 2.0;
        let y = grid_top + CELL_HEIGHT * f64::from(slot / COLUMNS) + CELL_GAP / 2.0;
        let (w, h) = (CELL_WIDTH - CELL_GAP, CELL_HEIGHT - CELL_GAP);
        let cell = if date < span_start || date > span_end {
            Cell::Outside
        } else {
            match month.days.iter().find(|d| d.date == date) {
                Some(r) => Cell::Recorded(r),
                None => Cell::NotRecorded,
            }
        };
        counts.add(&cell);
        let (class, fill, stroke, number) = match &cell {
            Cell::Outside => ("day day-outside", "none", GRID, MUTED),
            Cell::NotRecorded => (
                "day day-unrecorded",
                unrecorded_fill.as_str(),
                CELL_BORDER,
                INK,
            ),
            Cell::Recorded(r) if r.headache_minutes == 0 => {
                ("day day-headache-free", PAPER, CELL_BORDER, INK)
            }
            Cell::Recorded(r) => (
                match r.peak {
                    Intensity::Severe => "day day-headache day-severe",
                    Intensity::Moderate => "day day-headache day-moderate",
                    _ => "day day-headache day-mild",
                },
                intensity_fill(r.peak),
                CELL_BORDER,
                number_fill(r.peak),
            ),
        };
        let date_attr = date.to_string();
        body.open("g", &[("class", &class), ("data-date", &date_attr)]);
        body.title(&day_tooltip(date, &cell, month.preset));
        body.leaf(
            "rect",
            &[
                ("x", &Num(x)),
                ("y", &Num(y)),
                ("width", &Num(w)),
                ("height", &Num(h)),
                ("rx", &Num(CELL_RADIUS)),
                ("fill", &fill),
                ("stroke", &stroke),
                ("stroke-width", &Num(STROKE_THIN)),
            ],
        );
        body.text(
            "text",
            &[
                ("x", &Num(x + INSET)),
                ("y", &Num(y + INSET + FONT_SMALL * 0.8)),
                ("font-size", &Num(FONT_SMALL)),
                ("font-weight", &"bold"),
                ("fill", &number),
            ],
            &date.day().to_string(),
        );
        if let Cell::Recorded(r) = &cell {
            if r.headache_minutes > 0 {
                intensity_bars(
                    &mut body,
                    (x + INSET, y + h - INSET),
                    r.peak,
                    number_fill(r.peak),
                );
            }
            if r.migraine.is_some() {
                migraine_mark(
                    &mut body,
                    x + w - INSET - MIGRAINE_MARK_RADIUS,
                    y + INSET + MIGRAINE_MARK_RADIUS,
                );
            }
            if r.acute_medication {
                medication_mark(
                    &mut body,
                    x + w - INSET - MEDICATION_MARK_RADIUS - 1.0,
                    y + h - INSET - MEDICATION_MARK_RADIUS,
                );
            }
        }
        body.close("g");
    }
    body.close("g");

    // Legend: the states, then the markers; "not charted" only when some day is.
    let mut items = vec![
        Legend::NotRecorded,
        Legend::HeadacheFree,
        Legend::Peak(Intensity::Mild),
        Legend::Peak(Intensity::Moderate),
        Legend::Peak(Intensity::Severe),
        Legend::Migraine,
        Legend::Medication,
    ];
    if counts.outside > 0 {
        items.push(Legend::Outside);
    }
    let labels: Vec<&str> = items.iter().map(Legend::label).collect();
    let legend_top = grid_top + CELL_HEIGHT * f64::from(rows) + LEGEND_GAP;
    let legend = legend_layout(&labels, MARGIN, width - MARGIN, legend_top);
    body.open("g", &[("class", &"legend")]);
    for (item, (x, y)) in items.iter().zip(legend.positions.iter().copied()) {
        let swatch = |body: &mut Svg, fill: &str, stroke: &str| {
            body.leaf(
                "rect",
                &[
                    ("x", &Num(x)),
                    ("y", &Num(y - LEGEND_SWATCH_HEIGHT / 2.0)),
                    ("width", &Num(LEGEND_SWATCH_WIDTH)),
                    ("height", &Num(LEGEND_SWATCH_HEIGHT)),
                    ("rx", &Num(LEGEND_SWATCH_RADIUS)),
                    ("fill", &fill),
                    ("stroke", &stroke),
                    ("stroke-width", &Num(STROKE_THIN)),
                ],
            );
        };
        match item {
            Legend::NotRecorded => swatch(&mut body, &unrecorded_fill, CELL_BORDER),
            Legend::HeadacheFree => swatch(&mut body, PAPER, CELL_BORDER),
            Legend::Peak(peak) => {
                swatch(&mut body, intensity_fill(*peak), CELL_BORDER);
                intensity_bars(&mut body, (x + 4.0, y + 6.0), *peak, number_fill(*peak));
            }
            Legend::Migraine => migraine_mark(&mut body, x + LEGEND_SWATCH_WIDTH / 2.0, y),
            Legend::Medication => medication_mark(&mut body, x + LEGEND_SWATCH_WIDTH / 2.0, y),
            Legend::Outside => swatch(&mut body, "none", GRID),
        }
        legend_label(&mut body, (x, y), item.label());
    }
    body.close("g");

    let height = legend_top + legend.height + BOTTOM;
    let desc = counts.describe(first, month.preset);
    document(
        &Root {
            id: &id,
            class: "cephalog-calendar",
            width,
            height,
            title: &month.title,
            desc: &desc,
        },
        defs,
        body,
    )
}

enum Legend {
    NotRecorded,
    HeadacheFree,
    Peak(Intensity),
    Migraine,
    Medication,
    Outside,
}

impl Legend {
    fn label(&self) -> &'static str {
        match self {
            Legend::NotRecorded => NOT_RECORDED,
            Legend::HeadacheFree => HEADACHE_FREE,
            Legend::Peak(p) => p.as_str(),
            Legend::Migraine => MIGRAINE_DAY,
            Legend::Medication => ACUTE_MEDICATION,
            Legend::Outside => OUTSIDE,
        }
    }
}

/// 1, 2 or 3 bars of rising height at the cell's bottom left: the peak intensity as a shape.
fn intensity_bars(body: &mut Svg, (x, bottom): (f64, f64), peak: Intensity, fill: &str) {
    for i in 0..bars(peak) {
        let height = BAR_STEP * f64::from(i + 1);
        body.leaf(
            "rect",
            &[
                ("x", &Num(x + f64::from(i) * (BAR_WIDTH + BAR_GAP))),
                ("y", &Num(bottom - height)),
                ("width", &Num(BAR_WIDTH)),
                ("height", &Num(height)),
                ("fill", &fill),
                ("pointer-events", &"none"),
            ],
        );
    }
}

/// A white triangle with a dark outline: visible on every fill.
fn migraine_mark(body: &mut Svg, cx: f64, cy: f64) {
    body.leaf(
        "polygon",
        &[
            ("class", &"migraine"),
            (
                "points",
                &triangle_points(cx, cy + 1.0, MIGRAINE_MARK_RADIUS),
            ),
            ("fill", &PAPER),
            ("stroke", &INK),
            ("stroke-width", &Num(STROKE_MARK)),
            ("stroke-linejoin", &"round"),
        ],
    );
}

/// A dark dot in a white ring: visible on every fill.
fn medication_mark(body: &mut Svg, cx: f64, cy: f64) {
    body.leaf(
        "circle",
        &[
            ("class", &"medication"),
            ("cx", &Num(cx)),
            ("cy", &Num(cy)),
            ("r", &Num(MEDICATION_MARK_RADIUS)),
            ("fill", &INK),
            ("stroke", &PAPER),
            ("stroke-width", &Num(STROKE_MARK)),
        ],
    );
}

#[derive(Default)]
struct Counts {
    outside: u32,
    unrecorded: u32,
    recorded: u32,
    headache_free: u32,
    headache_days: u32,
    migraine_days: u32,
    medication_days: u32,
}

impl Counts {
    fn add(&mut self, cell: &Cell<'_>) {
        match cell {
            Cell::Outside => self.outside += 1,
            Cell::NotRecorded => self.unrecorded += 1,
            Cell::Recorded(r) => {
                self.recorded += 1;
                if r.headache_minutes == 0 {
                    self.headache_free += 1;
                }
                if r.headache_day {
                    self.headache_days += 1;
                }
                if r.migraine.is_some() {
                    self.migraine_days += 1;
                }
                if r.acute_medication {
                    self.medication_days += 1;
                }
            }
        }
    }

    fn describe(&self, first: NaiveDate, preset: DayPreset) -> String {
        let charted = self.recorded + self.unrecorded;
        let mut s = format!(
            "{} {}: {} of {charted} days recorded; {} headache-free, {} headache days and {} migraine days ({preset}), \
             acute medication on {} days; {} days not recorded.",
            month_name(first.month()),
            first.year(),
            self.recorded,
            self.headache_free,
            self.headache_days,
            self.migraine_days,
            self.medication_days,
            self.unrecorded
        );
        if self.outside > 0 {
            s.push_str(&format!(" {} days outside the charted span.", self.outside));
        }
        s
    }
}
