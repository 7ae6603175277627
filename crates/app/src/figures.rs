//! The cohort report's figures in words, one way for every edge: [`terse`] for the command line's
//! tables and the PDF's ("−6.2 (−8.0 to −4.4), n 20"; "12/20 60.0 % (38.7–78.1)"), [`spelled`]
//! for the page, where each interval is named ("−6.2 (95 % CI −8.0 to −4.4), n 20"; "12 of 20:
//! 60.0 % (95 % CI 38.7–78.1 %)"). A missing figure is "—".

use cephalog_core::stats::{MeanEstimate, PoissonRate, Proportion, Quartiles};

/// What a figure that could not be computed reads as.
pub const NONE: &str = "—";

/// A number with one decimal.
pub fn num(x: f64) -> String {
    format!("{x:.1}")
}

/// Smallest–largest of quartiles: "155.0–195.0".
pub fn range(q: &Option<Quartiles>) -> String {
    q.map_or_else(
        || NONE.to_owned(),
        |q| format!("{}–{}", num(q.min), num(q.max)),
    )
}

fn mean_with(m: &Option<MeanEstimate>, ci: &str) -> String {
    match m {
        None => NONE.to_owned(),
        Some(m) => match m.interval {
            Some(i) => format!(
                "{} ({ci}{} to {}), n {}",
                num(m.mean),
                num(i.low),
                num(i.high),
                m.n
            ),
            None => format!("{}, n {}", num(m.mean), m.n),
        },
    }
}

fn rate_with(r: &Option<PoissonRate>, ci: &str) -> String {
    r.map_or_else(
        || NONE.to_owned(),
        |r| {
            format!(
                "{} ({ci}{}–{})",
                num(r.rate),
                num(r.interval.low),
                num(r.interval.high)
            )
        },
    )
}

/// A share and its interval as percentages with one decimal, or `None`.
fn percents(p: &Option<Proportion>) -> Option<(u64, u64, String, String, String)> {
    p.as_ref().map(|p| {
        (
            p.successes,
            p.n,
            num(p.share * 100.0),
            num(p.interval.low * 100.0),
            num(p.interval.high * 100.0),
        )
    })
}

/// Figures for tables: the interval's level is in the table's heading.
pub mod terse {
    use super::*;

    /// "−6.2 (−8.0 to −4.4), n 20".
    pub fn mean_ci(m: &Option<MeanEstimate>) -> String {
        mean_with(m, "")
    }

    /// "12/20 60.0 % (38.7–78.1)".
    pub fn share(p: &Option<Proportion>) -> String {
        percents(p).map_or_else(
            || NONE.to_owned(),
            |(k, n, x, low, high)| format!("{k}/{n} {x} % ({low}–{high})"),
        )
    }

    /// "10.5 (9.0–12.2)".
    pub fn rate(r: &Option<PoissonRate>) -> String {
        rate_with(r, "")
    }
}

/// Figures in running text, each interval named.
pub mod spelled {
    use super::*;

    /// "−6.2 (95 % CI −8.0 to −4.4), n 20".
    pub fn mean_ci(m: &Option<MeanEstimate>) -> String {
        mean_with(m, "95 % CI ")
    }

    /// "12 of 20: 60.0 % (95 % CI 38.7–78.1 %)".
    pub fn share(p: &Option<Proportion>) -> String {
        percents(p).map_or_else(
            || NONE.to_owned(),
            |(k, n, x, low, high)| format!("{k} of {n}: {x} % (95 % CI {low}–{high} %)"),
        )
    }

    /// "10.5 (95 % CI 9.0–12.2)".
    pub fn rate(r: &Option<PoissonRate>) -> String {
        rate_with(r, "95 % CI ")
    }
}

#[cfg(test)]
mod tests {
    use cephalog_core::stats::{ConfidenceLevel, Interval};

    use super::*;

    fn mean() -> Option<MeanEstimate> {
        Some(MeanEstimate {
            mean: -6.25,
            n: 20,
            sd: Some(3.8),
            interval: Some(Interval {
                low: -8.04,
                high: -4.46,
            }),
            level: ConfidenceLevel::NINETY_FIVE,
        })
    }

    #[test]
    fn the_two_styles_say_the_same_figures() {
        assert_eq!(terse::mean_ci(&mean()), "-6.2 (-8.0 to -4.5), n 20");
        assert_eq!(
            spelled::mean_ci(&mean()),
            "-6.2 (95 % CI -8.0 to -4.5), n 20"
        );
        // Wilson 12/20: 0.3866–0.7812 (Newcombe 1998's method 3).
        let p = cephalog_core::stats::wilson(12, 20, ConfidenceLevel::NINETY_FIVE).expect("wilson");
        assert_eq!(terse::share(&p), "12/20 60.0 % (38.7–78.1)");
        assert_eq!(spelled::share(&p), "12 of 20: 60.0 % (95 % CI 38.7–78.1 %)");
        assert_eq!(terse::mean_ci(&None), "—");
        assert_eq!(spelled::share(&None), "—");
        assert_eq!(range(&None), "—");
    }
}
