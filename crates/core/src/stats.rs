//! The statistics of the clinic's cohort report: every figure with its n and a confidence
//! interval, so that it can stand beside a published comparator.
//!
//! - A mean with its Student t interval ([`mean_with_t_interval`]).
//! - A proportion with its Wilson score interval ([`wilson`], no continuity correction) or its
//!   exact Clopper–Pearson interval ([`clopper_pearson`]).
//! - An event rate over an exposure (adverse events per 100 sessions, say) with its exact
//!   Garwood interval ([`poisson_rate`]).
//! - The median and quartiles of a skewed measure ([`median_and_iqr`], Hyndman–Fan type 8).
//! - Time to an event with censoring: the Kaplan–Meier curve with Greenwood standard errors and
//!   a log-log confidence band, its median and an at-risk table ([`kaplan_meier`]).
//!
//! Every distribution quantile comes from `statrs` (Student t, beta, chi-square, normal) up to
//! [`MAX_COUNT`]; beyond it, where `statrs`' t, beta and chi-square quantiles lose accuracy, a
//! registry's counts use the large-sample forms: the Student t quantile by its expansion in the
//! normal quantile (Abramowitz & Stegun 26.7.5), the chi-square quantile by Wilson–Hilferty, and
//! a proportion's interval by Wilson's score method (said in its `method`). Invalid input (a confidence level outside (0, 1), a NaN
//! value, more successes than trials, a negative exposure or time) is a [`StatsError`], never a
//! panic; no data at all is `Ok(None)` (or, for survival, an empty curve), a normal state of a
//! young clinic rather than an error.

use serde::Serialize;
use statrs::distribution::{Beta, ChiSquared, ContinuousCDF, Normal, StudentsT};
use statrs::statistics::{Data, OrderStatistics, Statistics};
use thiserror::Error;

/// Why a statistic could not be computed from what it was given.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum StatsError {
    #[error("confidence level {0} is not strictly between 0 and 1")]
    Level(f64),
    #[error("value {index} ({value}) is not a finite number")]
    NotFinite { index: usize, value: f64 },
    #[error("{successes} successes out of {n}: more successes than trials")]
    SuccessesExceedTrials { successes: u64, n: u64 },
    #[error("exposure {0} is not a finite number of at least 0")]
    Exposure(f64),
    #[error("{events} events over no exposure")]
    EventsWithoutExposure { events: u64 },
    #[error("rate unit {0} is not a finite number greater than 0")]
    Per(f64),
    #[error("observation {index}: time {time} is not a finite number of at least 0")]
    Time { index: usize, time: f64 },
    /// `statrs` refused a distribution's parameters. The checks above make this unreachable;
    /// it is here so that nothing needs to unwrap.
    #[error("the statistics library refused a distribution: {0}")]
    Distribution(String),
}

fn distribution<T, E: std::fmt::Display>(made: Result<T, E>) -> Result<T, StatsError> {
    made.map_err(|e| StatsError::Distribution(e.to_string()))
}

/// The largest count (values of a mean, trials of an exact proportion, events of a rate) whose
/// interval is computed. The Student t, beta and chi-square quantiles of `statrs` 0.18 that those
/// intervals use agree with SciPy's to about 1e-12 (relative) up to ten thousand or so, and up to
/// this limit to within a few parts per million (the t quantile at 100 000 values: 3e-6 at 95 %);
/// beyond it they drift further (1e-5 for a million events) and from a few million on return NaN
/// or never return. Beyond it the large-sample forms take over ([`t_quantile`],
/// [`chi_square_quantile`]; an exact proportion becomes a Wilson interval), which at these sizes
/// are closer to the true quantiles than `statrs` is. Wilson intervals, quartiles and survival
/// curves use only the normal quantile or none.
pub const MAX_COUNT: u64 = 100_000;

/// The `p` quantile of Student's t with `df` degrees of freedom: `statrs` below [`MAX_COUNT`]
/// degrees of freedom, from there on the Cornish–Fisher expansion in the normal quantile z,
/// t ≈ z + (z³ + z)/(4ν) + (5z⁵ + 16z³ + 3z)/(96ν²) (Abramowitz & Stegun 1964, 26.7.5), whose
/// error is of order ν⁻³ (below 1e-13 there).
pub fn t_quantile(df: f64, p: f64) -> Result<f64, StatsError> {
    if df < MAX_COUNT as f64 {
        return Ok(distribution(StudentsT::new(0.0, 1.0, df))?.inverse_cdf(p));
    }
    let z = distribution(Normal::new(0.0, 1.0))?.inverse_cdf(p);
    let (z3, z5) = (z.powi(3), z.powi(5));
    Ok(z + (z3 + z) / (4.0 * df) + (5.0 * z5 + 16.0 * z3 + 3.0 * z) / (96.0 * df * df))
}

/// The `p` quantile of chi-square with `k` degrees of freedom: `statrs` up to 2 × [`MAX_COUNT`]
/// degrees of freedom (a Poisson interval of [`MAX_COUNT`] events), beyond them Wilson and
/// Hilferty's (1931) cube-root normal form k (1 − 2/(9k) + z √(2/(9k)))³, whose relative error
/// there is below 1e-7.
pub fn chi_square_quantile(k: f64, p: f64) -> Result<f64, StatsError> {
    if k <= 2.0 * MAX_COUNT as f64 {
        return Ok(distribution(ChiSquared::new(k))?.inverse_cdf(p));
    }
    let z = distribution(Normal::new(0.0, 1.0))?.inverse_cdf(p);
    let a = 2.0 / (9.0 * k);
    Ok(k * (1.0 - a + z * a.sqrt()).powi(3))
}

/// A two-sided confidence level, strictly between 0 and 1 (0.95 for a 95 % interval).
#[derive(Debug, Clone, Copy, PartialEq, PartialOrd, Serialize)]
#[serde(transparent)]
pub struct ConfidenceLevel(f64);

impl ConfidenceLevel {
    /// 95 %, the level of every interval in the cohort report.
    pub const NINETY_FIVE: ConfidenceLevel = ConfidenceLevel(0.95);

    /// `level` as a confidence level, if it is strictly between 0 and 1 and far enough from 1
    /// that its upper tail probability, 1 − (1 − level)/2, is still below 1 in floating point.
    pub fn new(level: f64) -> Result<Self, StatsError> {
        if level > 0.0 && level < 1.0 && 1.0 - (1.0 - level) / 2.0 < 1.0 {
            Ok(ConfidenceLevel(level))
        } else {
            Err(StatsError::Level(level))
        }
    }

    /// The level as a fraction (0.95).
    pub fn get(self) -> f64 {
        self.0
    }

    /// The probability below the interval, (1 − level)/2.
    fn lower_tail(self) -> f64 {
        (1.0 - self.0) / 2.0
    }

    /// The probability up to the top of the interval, 1 − (1 − level)/2.
    fn upper_tail(self) -> f64 {
        1.0 - self.lower_tail()
    }

    /// The standard normal quantile at the upper tail (1.959964… at 95 %).
    fn z(self) -> f64 {
        Normal::standard().inverse_cdf(self.upper_tail())
    }
}

impl Default for ConfidenceLevel {
    fn default() -> Self {
        ConfidenceLevel::NINETY_FIVE
    }
}

/// A confidence interval, `low ≤ high`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    pub low: f64,
    pub high: f64,
}

impl Interval {
    /// Whether `x` lies in the closed interval.
    pub fn contains(&self, x: f64) -> bool {
        self.low <= x && x <= self.high
    }
}

fn check_finite(values: &[f64]) -> Result<(), StatsError> {
    match values.iter().position(|v| !v.is_finite()) {
        Some(index) => Err(StatsError::NotFinite {
            index,
            value: values[index],
        }),
        None => Ok(()),
    }
}

fn count(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

/// A sample mean with its sample standard deviation and Student t interval.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanEstimate {
    pub n: usize,
    pub mean: f64,
    /// The sample standard deviation (divisor n − 1); `None` for a single value.
    pub sd: Option<f64>,
    /// mean ± t(n − 1) · sd / √n; `None` for a single value.
    pub interval: Option<Interval>,
    pub level: ConfidenceLevel,
}

/// The mean of `values` with its Student t confidence interval: mean ± t · sd/√n, t the
/// (1 + level)/2 quantile of Student's t with n − 1 degrees of freedom.
///
/// `Ok(None)` for no values; a single value has a mean but no standard deviation or interval.
/// A NaN or infinite value is an error.
pub fn mean_with_t_interval(
    values: &[f64],
    level: ConfidenceLevel,
) -> Result<Option<MeanEstimate>, StatsError> {
    check_finite(values)?;
    let n = values.len();
    if n == 0 {
        return Ok(None);
    }
    let mean = values.iter().mean();
    if n == 1 {
        return Ok(Some(MeanEstimate {
            n,
            mean,
            sd: None,
            interval: None,
            level,
        }));
    }
    let sd = values.iter().std_dev();
    let t = t_quantile((n - 1) as f64, level.upper_tail())?;
    let half = t * sd / (n as f64).sqrt();
    Ok(Some(MeanEstimate {
        n,
        mean,
        sd: Some(sd),
        interval: Some(Interval {
            low: mean - half,
            high: mean + half,
        }),
        level,
    }))
}

/// How a proportion's interval was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProportionMethod {
    /// Wilson's score interval without continuity correction (Newcombe 1998, method 3).
    Wilson,
    /// The exact Clopper–Pearson interval from beta quantiles (Newcombe 1998, method 5).
    ClopperPearson,
}

/// `successes` out of `n`, with a confidence interval for the underlying proportion.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Proportion {
    pub successes: u64,
    pub n: u64,
    /// successes / n.
    pub share: f64,
    /// Within [0, 1]; `low` is exactly 0 when there are no successes and `high` exactly 1 when
    /// all are successes.
    pub interval: Interval,
    pub level: ConfidenceLevel,
    pub method: ProportionMethod,
}

fn check_proportion(successes: u64, n: u64) -> Result<Option<f64>, StatsError> {
    if successes > n {
        return Err(StatsError::SuccessesExceedTrials { successes, n });
    }
    if n == 0 {
        return Ok(None);
    }
    Ok(Some(successes as f64 / n as f64))
}

/// The Wilson score interval for `successes` out of `n` (no continuity correction):
/// (p + z²/2n ± z·√(p(1 − p)/n + z²/4n²)) / (1 + z²/n), z the standard normal quantile.
///
/// `Ok(None)` when `n` is 0; more successes than trials is an error.
pub fn wilson(
    successes: u64,
    n: u64,
    level: ConfidenceLevel,
) -> Result<Option<Proportion>, StatsError> {
    let Some(share) = check_proportion(successes, n)? else {
        return Ok(None);
    };
    let trials = n as f64;
    let z = level.z();
    let z2 = z * z;
    let denominator = 1.0 + z2 / trials;
    let centre = (share + z2 / (2.0 * trials)) / denominator;
    let half =
        z * (share * (1.0 - share) / trials + z2 / (4.0 * trials * trials)).sqrt() / denominator;
    // The formula's bounds at 0/n and n/n are 0 and 1 up to rounding: make them exact.
    let low = if successes == 0 {
        0.0
    } else {
        (centre - half).clamp(0.0, share)
    };
    let high = if successes == n {
        1.0
    } else {
        (centre + half).clamp(share, 1.0)
    };
    Ok(Some(Proportion {
        successes,
        n,
        share,
        interval: Interval { low, high },
        level,
        method: ProportionMethod::Wilson,
    }))
}

/// The exact (Clopper–Pearson) interval for `successes` out of `n`: the α/2 quantile of
/// Beta(x, n − x + 1) and the 1 − α/2 quantile of Beta(x + 1, n − x), with the low bound 0 when
/// there are no successes and the high bound 1 when all are successes.
///
/// `Ok(None)` when `n` is 0; more successes than trials is an error. Beyond [`MAX_COUNT`] trials,
/// where the beta quantiles lose accuracy and the exact and score intervals agree to the fourth
/// decimal, the interval is Wilson's ([`wilson`], its `method` says so).
pub fn clopper_pearson(
    successes: u64,
    n: u64,
    level: ConfidenceLevel,
) -> Result<Option<Proportion>, StatsError> {
    if n > MAX_COUNT {
        return wilson(successes, n, level);
    }
    let Some(share) = check_proportion(successes, n)? else {
        return Ok(None);
    };
    let (x, trials) = (successes as f64, n as f64);
    let low = if successes == 0 {
        0.0
    } else {
        distribution(Beta::new(x, trials - x + 1.0))?.inverse_cdf(level.lower_tail())
    };
    let high = if successes == n {
        1.0
    } else {
        distribution(Beta::new(x + 1.0, trials - x))?.inverse_cdf(level.upper_tail())
    };
    Ok(Some(Proportion {
        successes,
        n,
        share,
        interval: Interval { low, high },
        level,
        method: ProportionMethod::ClopperPearson,
    }))
}

/// `events` over `exposure` (sessions, patient-years …), expressed per `per` units of exposure.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct PoissonRate {
    pub events: u64,
    pub exposure: f64,
    pub per: f64,
    /// events / exposure × per.
    pub rate: f64,
    /// The exact Garwood interval, in the same unit as `rate`.
    pub interval: Interval,
    pub level: ConfidenceLevel,
}

/// The rate of `events` over `exposure`, per `per` units (adverse events per 100 sessions:
/// `per` = 100, `exposure` = sessions), with the exact Poisson interval of Garwood (1936):
/// χ²(2x; α/2)/2 to χ²(2x + 2; 1 − α/2)/2 events, the low bound 0 when there are none.
///
/// `Ok(None)` when there is neither exposure nor an event; events over no exposure, a negative or
/// non-finite exposure and a `per` that is not a positive finite number are errors. Beyond
/// [`MAX_COUNT`] events the chi-square quantiles are Wilson–Hilferty's ([`chi_square_quantile`]).
pub fn poisson_rate(
    events: u64,
    exposure: f64,
    per: f64,
    level: ConfidenceLevel,
) -> Result<Option<PoissonRate>, StatsError> {
    if !(exposure.is_finite() && exposure >= 0.0) {
        return Err(StatsError::Exposure(exposure));
    }
    if !(per.is_finite() && per > 0.0) {
        return Err(StatsError::Per(per));
    }
    if exposure == 0.0 {
        return if events == 0 {
            Ok(None)
        } else {
            Err(StatsError::EventsWithoutExposure { events })
        };
    }
    let x = events as f64;
    let low_events = if events == 0 {
        0.0
    } else {
        chi_square_quantile(2.0 * x, level.lower_tail())? / 2.0
    };
    let high_events = chi_square_quantile(2.0 * x + 2.0, level.upper_tail())? / 2.0;
    let scale = per / exposure;
    Ok(Some(PoissonRate {
        events,
        exposure,
        per,
        rate: x * scale,
        interval: Interval {
            low: low_events * scale,
            high: high_events * scale,
        },
        level,
    }))
}

/// The five-number summary of a sample.
///
/// Quartiles are Hyndman and Fan's (1996) type 8, the median-unbiased definition they
/// recommend: R's `quantile(x, type = 8)`, NumPy's `method = "median_unbiased"`, and what
/// `statrs`' `OrderStatistics::quantile` computes. The median is the usual middle value (or mean
/// of the two middle values), which every type gives.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Quartiles {
    pub n: usize,
    pub min: f64,
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    pub max: f64,
}

impl Quartiles {
    /// The interquartile range, q3 − q1.
    pub fn iqr(&self) -> f64 {
        self.q3 - self.q1
    }
}

/// The median, quartiles (Hyndman–Fan type 8, see [`Quartiles`]), minimum and maximum of
/// `values`. `Ok(None)` for no values; a NaN or infinite value is an error.
pub fn median_and_iqr(values: &[f64]) -> Result<Option<Quartiles>, StatsError> {
    check_finite(values)?;
    let n = values.len();
    if n == 0 {
        return Ok(None);
    }
    let mut data = Data::new(values.to_vec());
    Ok(Some(Quartiles {
        n,
        min: data.order_statistic(1),
        q1: data.quantile(0.25),
        median: data.median(),
        q3: data.quantile(0.75),
        max: data.order_statistic(n),
    }))
}

/// One patient's follow-up: the time from the start (days, say) to the event, or to the end of
/// follow-up when `event` is false (censored).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Observation {
    pub time: f64,
    pub event: bool,
}

/// The Kaplan–Meier estimate at one distinct event time.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct SurvivalStep {
    pub time: f64,
    /// Followed up to at least this time (censorings at this very time included: events come
    /// first).
    pub at_risk: u64,
    pub events: u64,
    /// Censored from this time (after its events) until the next event time, so that the next
    /// step's `at_risk` is this one's less `events` and `censored`.
    pub censored: u64,
    /// The estimated probability of no event by the end of this time.
    pub survival: f64,
    /// Greenwood's standard error of `survival`; `None` once survival reaches 0, where it is
    /// undefined.
    pub standard_error: Option<f64>,
    /// The confidence band by the log-log transform, log(−log S) ± z·se (R `survival`'s
    /// `conf.type = "log-log"`); `None` where survival is 0.
    pub band: Option<Interval>,
}

/// A Kaplan–Meier survival curve: one step per distinct event time.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SurvivalCurve {
    /// Observations.
    pub n: u64,
    /// Events among them.
    pub events: u64,
    /// Censored before the first event time (all of them when there is no event).
    pub censored_before_first_event: u64,
    pub level: ConfidenceLevel,
    pub steps: Vec<SurvivalStep>,
    /// Every observation's time, ascending, for the at-risk table.
    #[serde(skip)]
    times: Vec<f64>,
}

/// R's `quantile.survfit` treats survival within √ε of a target as reaching it, so that a
/// product of fractions that is 0.5 on paper counts as 0.5.
const SURVIVAL_TOLERANCE: f64 = 1.490_116_119_384_765_6e-8;

impl SurvivalCurve {
    /// The median time to event: the first event time at which survival is at most 0.5. `None`
    /// when survival never falls that far (median not reached).
    ///
    /// Where survival is exactly 0.5 over a stretch, this is its start; R's `survfit` prints the
    /// midpoint of the stretch instead.
    pub fn median(&self) -> Option<f64> {
        self.steps
            .iter()
            .find(|s| s.survival <= 0.5 + SURVIVAL_TOLERANCE)
            .map(|s| s.time)
    }

    /// The step in force at `time`: the last event time at or before it. `None` before the first
    /// event, where survival is 1.
    pub fn step_at(&self, time: f64) -> Option<&SurvivalStep> {
        self.steps.iter().take_while(|s| s.time <= time).last()
    }

    /// The estimated survival at `time` (1 before the first event).
    pub fn survival_at(&self, time: f64) -> f64 {
        self.step_at(time).map_or(1.0, |s| s.survival)
    }

    /// The number at risk at each of `times` (followed up to at least that time), for the table
    /// printed under a survival plot. A NaN time has no one at risk.
    pub fn at_risk_at(&self, times: &[f64]) -> Vec<(f64, u64)> {
        times
            .iter()
            .map(|&t| {
                let at_risk = if t.is_nan() {
                    0
                } else {
                    self.times.len() - self.times.partition_point(|&x| x < t)
                };
                (t, count(at_risk))
            })
            .collect()
    }
}

/// The Kaplan–Meier curve of `observations` with 95 % log-log bands; see
/// [`kaplan_meier_with_level`].
pub fn kaplan_meier(observations: &[Observation]) -> Result<SurvivalCurve, StatsError> {
    kaplan_meier_with_level(observations, ConfidenceLevel::NINETY_FIVE)
}

/// The Kaplan–Meier product-limit estimate: at each distinct event time t with d events among
/// n at risk, S(t) = S(t⁻)·(1 − d/n). A censoring tied with events is counted at risk for them.
/// Greenwood: Var(log S) = Σ d/(n(n − d)), se(S) = S·√Var; the band is
/// S^exp(±z·√Var / log S), the log-log transform.
///
/// No observations give an empty curve; only censored ones a curve with no steps (survival 1
/// throughout). A time that is negative, NaN or infinite is an error.
pub fn kaplan_meier_with_level(
    observations: &[Observation],
    level: ConfidenceLevel,
) -> Result<SurvivalCurve, StatsError> {
    if let Some((index, o)) = observations
        .iter()
        .enumerate()
        .find(|(_, o)| !(o.time.is_finite() && o.time >= 0.0))
    {
        return Err(StatsError::Time {
            index,
            time: o.time,
        });
    }
    let mut sorted: Vec<Observation> = observations.to_vec();
    sorted.sort_by(|a, b| a.time.total_cmp(&b.time));
    let z = level.z();

    let mut steps: Vec<SurvivalStep> = Vec::new();
    let mut censored_before_first_event = 0u64;
    let mut at_risk = count(sorted.len());
    let mut survival = 1.0_f64;
    let mut greenwood = 0.0_f64;
    let mut rest = sorted.as_slice();
    while let Some(first) = rest.first() {
        let time = first.time;
        let tied = rest.iter().take_while(|o| o.time == time).count();
        let (here, later) = rest.split_at(tied);
        rest = later;
        let events = count(here.iter().filter(|o| o.event).count());
        let censored = count(tied) - events;
        if events > 0 {
            let (d, n) = (events as f64, at_risk as f64);
            survival *= 1.0 - d / n;
            greenwood += if at_risk > events {
                d / (n * (n - d))
            } else {
                f64::INFINITY
            };
            let (standard_error, band) = if survival > 0.0 {
                let sd_log = greenwood.sqrt();
                let spread = (z * sd_log / survival.ln().abs()).exp();
                (
                    Some(survival * sd_log),
                    Some(Interval {
                        low: survival.powf(spread),
                        high: survival.powf(1.0 / spread),
                    }),
                )
            } else {
                (None, None)
            };
            steps.push(SurvivalStep {
                time,
                at_risk,
                events,
                censored,
                survival,
                standard_error,
                band,
            });
        } else if let Some(last) = steps.last_mut() {
            last.censored += censored;
        } else {
            censored_before_first_event += censored;
        }
        at_risk -= count(tied);
    }
    Ok(SurvivalCurve {
        n: count(sorted.len()),
        events: steps.iter().map(|s| s.events).sum(),
        censored_before_first_event,
        level,
        times: sorted.iter().map(|o| o.time).collect(),
        steps,
    })
}

#[cfg(test)]
#[path = "stats_tests.rs"]
mod tests;
