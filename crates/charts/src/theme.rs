//! Colours, fonts and line widths shared by every chart, in one place.
//!
//! Colours are chosen to keep their order in greyscale (light to dark) and every series also
//! differs by shape, dash or pattern, so a black-and-white print stays readable.

/// Font family for all text.
pub(crate) const FONT_FAMILY: &str = "Helvetica, Arial, sans-serif";
/// Tick labels, legend and annotations.
pub(crate) const FONT_SMALL: f64 = 11.0;
/// Axis titles.
pub(crate) const FONT_AXIS: f64 = 12.0;
/// Headings drawn inside a chart (month names, view names).
pub(crate) const FONT_HEADING: f64 = 14.0;
/// Average glyph width as a fraction of the font size, for laying text out.
pub(crate) const CHAR_WIDTH_EM: f64 = 0.56;

/// Text, axes and outlines.
pub(crate) const INK: &str = "#1a1a1a";
/// Secondary text (tick labels, notes): 7:1 against white.
pub(crate) const MUTED: &str = "#4d4d4d";
/// Grid lines.
pub(crate) const GRID: &str = "#d4d4d4";
/// Faint threshold lines.
pub(crate) const THRESHOLD: &str = "#8c8c8c";
/// The page.
pub(crate) const PAPER: &str = "#ffffff";

/// Headache-day series: dark blue, solid line, filled circles.
pub(crate) const HEADACHE: &str = "#1f4e8c";
/// Migraine-day series: dark red, dashed line, hollow triangles.
pub(crate) const MIGRAINE: &str = "#a3172b";
/// Questionnaire series, by the instrument's place in the registry (MIDAS dark blue, HIT-6 dark
/// purple, PHQ-9 dark brown, GAD-7 dark teal): each at least 7:1 against the page.
pub(crate) const PROM_SERIES: [&str; 4] = ["#1f4e8c", "#5a2d82", "#7a3e00", "#0b5a50"];
/// The baseline window's shading.
pub(crate) const BASELINE_FILL: &str = "#e6e6e6";
/// Confidence bands (the cohort's t interval and Kaplan–Meier band): a light tint of the
/// headache-day blue, under the series it belongs to.
pub(crate) const BAND_FILL: &str = "#c9d6ea";
/// Hatching for "no data" (gaps and unrecorded days).
pub(crate) const HATCH: &str = "#8c8c8c";
/// Background under the "no data" hatching.
pub(crate) const HATCH_BACKGROUND: &str = "#f5f5f5";
/// Session markers.
pub(crate) const SESSION: &str = "#333333";

/// Calendar: peak intensity mild, moderate, severe; light to dark in greyscale.
pub(crate) const MILD: &str = "#fdd9a6";
pub(crate) const MODERATE: &str = "#ee8a3c";
pub(crate) const SEVERE: &str = "#9b3203";
/// Calendar: border of recorded days.
pub(crate) const CELL_BORDER: &str = "#9e9e9e";

/// Site map: skin and outlines of the head drawing.
pub(crate) const SKIN: &str = "#f7f3ee";
pub(crate) const OUTLINE: &str = "#6e6e6e";
/// Site map: given and added sites.
pub(crate) const GIVEN: &str = "#1f4e8c";
/// Site map: the cross over a skipped site.
pub(crate) const SKIPPED: &str = "#a3172b";

/// Line widths: grid, axes and cell borders; data marks and markers; drawing outlines and
/// rings; face features; series lines; legend swatch borders.
pub(crate) const STROKE_THIN: f64 = 1.0;
pub(crate) const STROKE_MARK: f64 = 1.5;
pub(crate) const STROKE_FEATURE: f64 = 1.2;
pub(crate) const STROKE_SERIES: f64 = 2.0;
pub(crate) const STROKE_HAIRLINE: f64 = 0.5;
/// Dash patterns.
pub(crate) const DASH_SERIES: &str = "6 4";
pub(crate) const DASH_MARKER: &str = "4 3";
pub(crate) const DASH_THRESHOLD: &str = "2 3";

/// Width of the white outline that keeps labels readable over hatching.
pub(crate) const HALO_WIDTH: f64 = 3.0;
/// Tick marks.
pub(crate) const TICK_LENGTH: f64 = 4.0;
/// Least distance between labelled date ticks.
pub(crate) const MIN_TICK_SPACING: f64 = 44.0;
/// Spacing of the diagonal hatching.
pub(crate) const HATCH_SPACING: f64 = 6.0;

/// Legend geometry.
pub(crate) const LEGEND_SWATCH_WIDTH: f64 = 22.0;
pub(crate) const LEGEND_SWATCH_HEIGHT: f64 = 14.0;
pub(crate) const LEGEND_SWATCH_RADIUS: f64 = 2.0;
pub(crate) const LEGEND_SWATCH_GAP: f64 = 5.0;
pub(crate) const LEGEND_ITEM_GAP: f64 = 14.0;
pub(crate) const LEGEND_ROW_HEIGHT: f64 = 18.0;
