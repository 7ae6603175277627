//! Cephalog's charts as SVG text, one implementation for the web pages and the PDF reports.
//!
//! Every chart is a function from plain input data to a complete `<svg>` document:
//!
//! - [`trend_svg`]: headache and migraine days per 28 days over time, with the baseline and the
//!   sessions;
//! - [`calendar_svg`]: one diary month, day by day;
//! - [`site_map_svg`]: the PREEMPT injection sites on a front and a back view of the head and neck;
//! - [`proms_svg`]: questionnaire totals over time, a panel per instrument with its bands;
//! - the clinic cohort report's charts: [`cohort_responders_svg`] (the share who met the ≥30 %
//!   and ≥50 % reductions by cycle, with Wilson intervals), [`cohort_headache_days_svg`] (mean
//!   headache days per 28 days by cycle beside the same patients' baseline, with t intervals) and
//!   [`cohort_persistence_svg`] (the Kaplan–Meier curve of time on treatment, its log-log band,
//!   the median and the numbers at risk).
//!
//! The output is meant to be embedded inline in HTML served under a strict Content-Security-Policy
//! (`style-src 'self'`): it has no `style` attributes, no `<style>` elements and no scripts, only
//! SVG presentation attributes and `class` names a stylesheet may use. Each chart has `role="img"`
//! and is labelled by its `<title>` and a plain-language `<desc>`; each data mark carries its value
//! in a `<title>` tooltip. Charts set a `viewBox` and no pixel size, so they scale to their
//! container; series differ by shape, dash or hatching as well as colour, so they survive a
//! greyscale print. The same input always gives byte-identical output.
//!
//! Element ids start with the input's `id`, so several charts can share a page; the site map's
//! circles use fixed ids (see [`site_key`]) and so belong once on a page.

#![warn(missing_docs)]

mod calendar;
mod cohort;
mod proms;
mod sitemap;
mod svg;
mod theme;
mod trend;

pub use calendar::{CalendarMonth, DayRecord, calendar_months, calendar_svg};
pub use cohort::{cohort_headache_days_svg, cohort_persistence_svg, cohort_responders_svg};
pub use proms::{PromPoint, PromSeries, proms_svg};
pub use sitemap::{
    SiteMapInput, SiteMark, SiteState, site_key, site_map_svg, sites_from_plan, sites_from_session,
};
pub use svg::escape;
pub use trend::{TrendInput, TrendPeriod, trend_svg};
