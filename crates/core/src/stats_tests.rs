//! Every expected value names its source beside it. "scipy" is SciPy 1.17.1, "statsmodels" is
//! statsmodels 0.15.0, "lifelines" is lifelines 0.30.3 and "numpy" is NumPy 2.4.6, each run on
//! the same numbers as the test; a published figure is given as printed (rounded) and checked to
//! its last printed digit.

use proptest::prelude::*;

use super::*;

const L95: ConfidenceLevel = ConfidenceLevel::NINETY_FIVE;

fn level(p: f64) -> ConfidenceLevel {
    ConfidenceLevel::new(p).expect("a valid level")
}

/// `actual` within `tolerance` of `expected`.
fn close(what: &str, actual: f64, expected: f64, tolerance: f64) {
    assert!(
        (actual - expected).abs() <= tolerance,
        "{what}: {actual} is not within {tolerance} of {expected}"
    );
}

/// A published figure printed to `digits` decimals: `actual` rounds to it.
fn printed(what: &str, actual: f64, expected: f64, digits: i32) {
    close(what, actual, expected, 0.5 * 10f64.powi(-digits) + 1e-12);
}

fn interval(what: &str, actual: Interval, low: f64, high: f64, tolerance: f64) {
    close(&format!("{what} low"), actual.low, low, tolerance);
    close(&format!("{what} high"), actual.high, high, tolerance);
}

// ---------------------------------------------------------------- confidence level

#[test]
fn a_level_must_lie_strictly_between_0_and_1() {
    for bad in [0.0, 1.0, -0.5, 1.5, f64::NAN, f64::INFINITY, 1.0 - 1e-17] {
        assert!(
            matches!(ConfidenceLevel::new(bad), Err(StatsError::Level(_))),
            "{bad}"
        );
    }
    assert_eq!(level(0.95), ConfidenceLevel::NINETY_FIVE);
    assert_eq!(ConfidenceLevel::default().get(), 0.95);
    // scipy: stats.norm.ppf(0.975) = 1.959963984540054
    close("z at 95 %", L95.z(), 1.959963984540054, 1e-12);
}

// ---------------------------------------------------------------- mean and t interval

/// Student's (1908) sleep data, also R's `datasets::sleep`: the extra hours of sleep under drug 2
/// less drug 1 in the same ten patients.
const SLEEP_DIFFERENCES: [f64; 10] = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4];

#[test]
fn the_t_interval_of_the_sleep_differences() {
    let m = mean_with_t_interval(&SLEEP_DIFFERENCES, L95)
        .expect("valid")
        .expect("data");
    assert_eq!(m.n, 10);
    // numpy: mean() = 1.58, std(ddof=1) = 1.229995483279873
    close("mean", m.mean, 1.58, 1e-12);
    close("sd", m.sd.expect("sd"), 1.229995483279873, 1e-12);
    // scipy: stats.t.interval(0.95, 9, loc=1.58, scale=1.229995483279873/sqrt(10))
    //   = (0.7001142367230175, 2.459885763276982)
    interval(
        "95 %",
        m.interval.expect("interval"),
        0.7001142367230175,
        2.459885763276982,
        1e-9,
    );
    // scipy: stats.t.ppf(0.975, 9) = 2.262157162798205
    let t = m.interval.expect("interval").high - m.mean;
    close(
        "t quantile",
        t / (1.229995483279873 / 10f64.sqrt()),
        2.262157162798205,
        1e-9,
    );
    // scipy: stats.t.interval(0.90, 9, loc=…, scale=…) = (0.8669947329707162, 2.2930052670292835)
    let m90 = mean_with_t_interval(&SLEEP_DIFFERENCES, level(0.90))
        .expect("valid")
        .expect("data");
    interval(
        "90 %",
        m90.interval.expect("interval"),
        0.8669947329707162,
        2.2930052670292835,
        1e-9,
    );
}

#[test]
fn the_t_interval_of_a_negative_change_and_of_two_values() {
    // A made-up change in monthly headache days, eight patients.
    let change = [-2.0, -6.0, 1.0, -4.0, -8.0, -3.0, 0.0, -5.0];
    let m = mean_with_t_interval(&change, L95)
        .expect("valid")
        .expect("data");
    // numpy mean -3.375, std(ddof=1) 3.020761493398643; scipy: stats.t.interval(0.95, 7,
    // loc=-3.375, scale=3.020761493398643/sqrt(8)) = (-5.900419807734676, -0.8495801922653241)
    close("mean", m.mean, -3.375, 1e-12);
    close("sd", m.sd.expect("sd"), 3.020761493398643, 1e-12);
    interval(
        "change",
        m.interval.expect("interval"),
        -5.900419807734676,
        -0.8495801922653241,
        1e-9,
    );
    // n = 2, one degree of freedom (t = 12.706…): scipy: stats.t.interval(0.95, 1, loc=4,
    // scale=sqrt(2)/sqrt(2)) = (-8.706204736174694, 16.706204736174694)
    let two = mean_with_t_interval(&[3.0, 5.0], L95)
        .expect("valid")
        .expect("data");
    interval(
        "n = 2",
        two.interval.expect("interval"),
        -8.706204736174694,
        16.706204736174694,
        1e-8,
    );
}

#[test]
fn a_mean_of_one_value_has_no_interval_and_of_none_is_absent() {
    let one = mean_with_t_interval(&[7.5], L95)
        .expect("valid")
        .expect("data");
    assert_eq!(
        (one.n, one.mean, one.sd, one.interval),
        (1, 7.5, None, None)
    );
    assert_eq!(mean_with_t_interval(&[], L95), Ok(None));
    // Identical values: sd 0, the interval is the point.
    let same = mean_with_t_interval(&[4.0, 4.0, 4.0], L95)
        .expect("valid")
        .expect("data");
    assert_eq!(same.sd, Some(0.0));
    assert_eq!(
        same.interval,
        Some(Interval {
            low: 4.0,
            high: 4.0
        })
    );
}

#[test]
fn a_mean_refuses_nan_and_infinite_values() {
    assert_eq!(
        mean_with_t_interval(&[1.0, f64::NAN], L95)
            .map_err(|e| matches!(e, StatsError::NotFinite { index: 1, .. })),
        Err(true)
    );
    assert!(mean_with_t_interval(&[f64::INFINITY], L95).is_err());
    assert!(mean_with_t_interval(&[f64::NEG_INFINITY, 1.0], L95).is_err());
}

// ---------------------------------------------------------------- proportions

fn wilson95(x: u64, n: u64) -> Proportion {
    wilson(x, n, L95).expect("valid").expect("n > 0")
}

fn exact95(x: u64, n: u64) -> Proportion {
    clopper_pearson(x, n, L95).expect("valid").expect("n > 0")
}

#[test]
fn wilson_reproduces_newcombe_1998_table_i() {
    // Newcombe RG, Stat Med 1998;17:857–72, Table I, method 3 (score, no continuity correction),
    // printed to 4 decimals; and statsmodels: proportion_confint(x, n, alpha=0.05,
    // method='wilson') to 1e-9.
    let cases = [
        // (x, n, published low, high, statsmodels low, high)
        (
            81,
            263,
            0.2553,
            0.3662,
            0.2552885198782742,
            0.36620957698280004,
        ),
        (
            15,
            148,
            0.0624,
            0.1605,
            0.06238639953073628,
            0.16048724172330803,
        ),
        (0, 20, 0.0000, 0.1611, 0.0, 0.1611251580528194),
        (
            1,
            29,
            0.0061,
            0.1718,
            0.006113214292762667,
            0.17175521879320294,
        ),
    ];
    for (x, n, low, high, sm_low, sm_high) in cases {
        let p = wilson95(x, n);
        let what = format!("{x}/{n}");
        printed(&what, p.interval.low, low, 4);
        printed(&what, p.interval.high, high, 4);
        interval(&what, p.interval, sm_low, sm_high, 1e-9);
        assert_eq!(p.share, x as f64 / n as f64);
        assert_eq!(p.method, ProportionMethod::Wilson);
    }
}

#[test]
fn wilson_at_the_boundaries() {
    // 0/20: the low bound is exactly 0 (statsmodels: 0.0).
    assert_eq!(wilson95(0, 20).interval.low, 0.0);
    // 20/20 mirrors 0/20 (statsmodels: proportion_confint(20, 20, method='wilson') =
    // (0.8388748419471804, 0.9999999999999999)); the high bound is exactly 1.
    let all = wilson95(20, 20);
    close("20/20 low", all.interval.low, 0.8388748419471804, 1e-9);
    assert_eq!(all.interval.high, 1.0);
    // n = 1 — statsmodels: proportion_confint(0, 1, method='wilson') = (0.0, 0.7934506856227627),
    // proportion_confint(1, 1, method='wilson') = (0.2065493143772374, 1.0).
    interval(
        "0/1",
        wilson95(0, 1).interval,
        0.0,
        0.7934506856227627,
        1e-9,
    );
    interval(
        "1/1",
        wilson95(1, 1).interval,
        0.2065493143772374,
        1.0,
        1e-9,
    );
    // 90 % — statsmodels: proportion_confint(7, 10, alpha=0.10, method='wilson') =
    // (0.44169979586983493, 0.873123416096802).
    let p90 = wilson(7, 10, level(0.90)).expect("valid").expect("n > 0");
    interval(
        "7/10 at 90 %",
        p90.interval,
        0.44169979586983493,
        0.873123416096802,
        1e-9,
    );
    // Large n — statsmodels: proportion_confint(412, 1000, method='wilson') =
    // (0.38188731127995773, 0.4427861982134999).
    interval(
        "412/1000",
        wilson95(412, 1000).interval,
        0.38188731127995773,
        0.4427861982134999,
        1e-9,
    );
}

#[test]
fn clopper_pearson_reproduces_newcombe_1998_table_i() {
    // Newcombe 1998, Table I, method 5 (exact, Clopper–Pearson), printed to 4 decimals; and
    // statsmodels: proportion_confint(x, n, alpha=0.05, method='beta') to 1e-9.
    let cases = [
        (
            81,
            263,
            0.2527,
            0.3676,
            0.25273674558527126,
            0.3676219226013514,
        ),
        (
            15,
            148,
            0.0578,
            0.1617,
            0.05784401008344857,
            0.161650490349479,
        ),
        (0, 20, 0.0000, 0.1684, 0.0, 0.16843347098308534),
        (
            1,
            29,
            0.0009,
            0.1776,
            0.000872646883579922,
            0.17764429548872293,
        ),
    ];
    for (x, n, low, high, sm_low, sm_high) in cases {
        let p = exact95(x, n);
        let what = format!("{x}/{n}");
        printed(&what, p.interval.low, low, 4);
        printed(&what, p.interval.high, high, 4);
        interval(&what, p.interval, sm_low, sm_high, 1e-9);
        assert_eq!(p.method, ProportionMethod::ClopperPearson);
    }
}

#[test]
fn clopper_pearson_at_the_boundaries() {
    // 0/n: low exactly 0; the high bound has the closed form 1 − (α/2)^(1/n) (Clopper and
    // Pearson 1934): 1 − 0.025^(1/20) = 0.16843347098308534 (statsmodels method='beta' agrees).
    let none = exact95(0, 20);
    assert_eq!(none.interval.low, 0.0);
    close(
        "0/20 high",
        none.interval.high,
        1.0 - 0.025f64.powf(1.0 / 20.0),
        1e-12,
    );
    // n/n: high exactly 1; statsmodels: proportion_confint(20, 20, method='beta') =
    // (0.8315665290169146, 1.0) = 0.025^(1/20).
    let all = exact95(20, 20);
    assert_eq!(all.interval.high, 1.0);
    close("20/20 low", all.interval.low, 0.8315665290169146, 1e-9);
    // n = 1: statsmodels (0/1) = (0.0, 0.975), (1/1) = (0.025, 1.0).
    interval("0/1", exact95(0, 1).interval, 0.0, 0.975, 1e-9);
    interval("1/1", exact95(1, 1).interval, 0.025, 1.0, 1e-9);
    // 7/10 — statsmodels: method='beta', alpha=0.05 → (0.3475471499400027, 0.9332604888222655);
    // alpha=0.10 → (0.39337578389458766, 0.9127355660858497).
    interval(
        "7/10",
        exact95(7, 10).interval,
        0.3475471499400027,
        0.9332604888222655,
        1e-9,
    );
    interval(
        "7/10 at 90 %",
        clopper_pearson(7, 10, level(0.90))
            .expect("valid")
            .expect("n > 0")
            .interval,
        0.39337578389458766,
        0.9127355660858497,
        1e-9,
    );
    // statsmodels: proportion_confint(412, 1000, method='beta') =
    // (0.3812915143086222, 0.4432281114624896).
    interval(
        "412/1000",
        exact95(412, 1000).interval,
        0.3812915143086222,
        0.4432281114624896,
        1e-9,
    );
}

#[test]
fn a_proportion_of_no_trials_is_absent_and_more_successes_than_trials_is_refused() {
    assert_eq!(wilson(0, 0, L95), Ok(None));
    assert_eq!(clopper_pearson(0, 0, L95), Ok(None));
    let refused = Err(StatsError::SuccessesExceedTrials { successes: 3, n: 2 });
    assert_eq!(wilson(3, 2, L95), refused);
    assert_eq!(clopper_pearson(3, 2, L95), refused);
    assert_eq!(
        clopper_pearson(1, 0, L95),
        Err(StatsError::SuccessesExceedTrials { successes: 1, n: 0 })
    );
}

// ---------------------------------------------------------------- Poisson rates

fn rate95(events: u64, exposure: f64, per: f64) -> PoissonRate {
    poisson_rate(events, exposure, per, L95)
        .expect("valid")
        .expect("exposure")
}

#[test]
fn garwood_limits_for_counts() {
    // Exact 95 % limits for a Poisson count (Garwood 1936), per unit exposure — scipy:
    // (stats.chi2.ppf(0.025, 2x)/2, stats.chi2.ppf(0.975, 2x + 2)/2). The 0 and 1 rows are the
    // familiar 3.689 ("rule of three" at 95 % two-sided) and 0.0253–5.572 of printed tables.
    let cases = [
        (0, 0.0, 3.6888794541139354),
        (1, 0.025317807984289897, 5.571643390938898),
        (5, 1.623486390118421, 11.66833207932267),
        (10, 4.7953886961324335, 18.39035604201778),
        (100, 81.36399125092315, 121.62679379242638),
        (250, 219.9679956309373, 282.98770504231607),
    ];
    for (x, low, high) in cases {
        let r = rate95(x, 1.0, 1.0);
        assert_eq!(r.rate, x as f64);
        interval(&format!("{x} events"), r.interval, low, high, 1e-10 * high);
    }
    assert_eq!(rate95(0, 1.0, 1.0).interval.low, 0.0);
}

#[test]
fn an_adverse_event_rate_per_100_sessions() {
    // 3 events over 155 sessions, per 100 — scipy: chi2.ppf(0.025, 6)/2/155*100 and
    // chi2.ppf(0.975, 8)/2/155*100 = 0.3991433050939365 to 5.65630520628537; rate 1.935….
    let r = rate95(3, 155.0, 100.0);
    close("rate", r.rate, 3.0 / 155.0 * 100.0, 1e-12);
    interval(
        "3/155",
        r.interval,
        0.3991433050939365,
        5.65630520628537,
        1e-10,
    );
    assert_eq!((r.events, r.exposure, r.per), (3, 155.0, 100.0));
    // 12 events over 4.5 patient-years, per patient-year — scipy: 1.3779055797160487 to
    // 4.6581300107059915 at 95 %, 1.5387138919078027 to 4.320570962203339 at 90 %.
    interval(
        "12/4.5",
        rate95(12, 4.5, 1.0).interval,
        1.3779055797160487,
        4.6581300107059915,
        1e-10,
    );
    interval(
        "12/4.5 at 90 %",
        poisson_rate(12, 4.5, 1.0, level(0.90))
            .expect("valid")
            .expect("exposure")
            .interval,
        1.5387138919078027,
        4.320570962203339,
        1e-10,
    );
    // No events over 40 sessions, per 100: 0 to 3.6888794541139354/40*100 (scipy, as above).
    interval(
        "0/40",
        rate95(0, 40.0, 100.0).interval,
        0.0,
        3.6888794541139354 / 40.0 * 100.0,
        1e-10,
    );
}

#[test]
fn a_rate_refuses_bad_exposure_and_is_absent_without_any() {
    assert_eq!(poisson_rate(0, 0.0, 100.0, L95), Ok(None));
    assert_eq!(
        poisson_rate(2, 0.0, 100.0, L95),
        Err(StatsError::EventsWithoutExposure { events: 2 })
    );
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            poisson_rate(1, bad, 100.0, L95),
            Err(StatsError::Exposure(_))
        ));
    }
    for bad in [0.0, -100.0, f64::NAN, f64::INFINITY] {
        assert!(matches!(
            poisson_rate(1, 10.0, bad, L95),
            Err(StatsError::Per(_))
        ));
    }
}

// ---------------------------------------------------------------- median and quartiles

fn quartiles(values: &[f64]) -> Quartiles {
    median_and_iqr(values).expect("valid").expect("data")
}

#[test]
fn quartiles_are_hyndman_fan_type_8() {
    // numpy: np.quantile([1..10], [0, .25, .5, .75, 1], method='median_unbiased') (type 8) =
    // [1, 2.9166666666666665, 5.5, 8.083333333333334, 10]; type 7 (numpy's default 'linear')
    // would give 3.25 and 7.75, so this tells the definitions apart.
    let q = quartiles(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0]);
    assert_eq!(q.n, 10);
    close("min", q.min, 1.0, 0.0);
    close("q1", q.q1, 2.0 + 11.0 / 12.0, 1e-12);
    close("median", q.median, 5.5, 0.0);
    close("q3", q.q3, 8.0 + 1.0 / 12.0, 1e-12);
    close("max", q.max, 10.0, 0.0);
    close("iqr", q.iqr(), 31.0 / 6.0, 1e-12);
    // Unsorted, odd n — numpy (median_unbiased): [7, 1, 3, 12, 5] → [1, 2.333…, 5, 8.666…, 12]
    // (type 7: 3 and 7).
    let q = quartiles(&[7.0, 1.0, 3.0, 12.0, 5.0]);
    close("q1", q.q1, 7.0 / 3.0, 1e-12);
    close("median", q.median, 5.0, 0.0);
    close("q3", q.q3, 26.0 / 3.0, 1e-12);
    assert_eq!((q.min, q.max), (1.0, 12.0));
}

#[test]
fn quartiles_of_one_value_ties_and_none() {
    // numpy: every quantile of [2.5] is 2.5, of [4, 4] is 4.
    let one = quartiles(&[2.5]);
    assert_eq!(
        (one.n, one.min, one.q1, one.median, one.q3, one.max),
        (1, 2.5, 2.5, 2.5, 2.5, 2.5)
    );
    let tied = quartiles(&[4.0, 4.0]);
    assert_eq!(
        (tied.q1, tied.median, tied.q3, tied.iqr()),
        (4.0, 4.0, 4.0, 0.0)
    );
    assert_eq!(median_and_iqr(&[]), Ok(None));
    assert!(matches!(
        median_and_iqr(&[1.0, 2.0, f64::NAN]),
        Err(StatsError::NotFinite { index: 2, .. })
    ));
}

// ---------------------------------------------------------------- Kaplan–Meier

fn observations(times: &[f64], events: &[bool]) -> Vec<Observation> {
    times
        .iter()
        .zip(events)
        .map(|(&time, &event)| Observation { time, event })
        .collect()
}

/// Freireich et al. (1963), the 6-mercaptopurine arm (Gehan 1965): weeks in remission, `false`
/// still in remission when follow-up ended.
fn six_mp() -> Vec<Observation> {
    let times = [
        6., 6., 6., 6., 7., 9., 10., 10., 11., 13., 16., 17., 19., 20., 22., 23., 25., 32., 32.,
        34., 35.,
    ];
    let events = [
        true, true, true, false, true, false, true, false, false, true, true, false, false, false,
        true, true, false, false, false, false, false,
    ];
    observations(&times, &events)
}

#[test]
fn kaplan_meier_of_the_6_mp_arm() {
    let curve = kaplan_meier(&six_mp()).expect("valid");
    assert_eq!(
        (curve.n, curve.events, curve.censored_before_first_event),
        (21, 9, 0)
    );
    // lifelines: KaplanMeierFitter().fit(T, E) — event_table (at_risk, observed),
    // survival_function_, confidence_interval_ (its default, the "exponential Greenwood"
    // log(−log S) band, is R's conf.type = "log-log"); the standard errors are Greenwood's
    // S·√Σ d/(n(n − d)) computed beside it in Python. The survival and standard errors are the
    // product-limit table printed for these data in survival texts (0.857 (0.076), 0.807 (0.087),
    // 0.753 (0.096), 0.690 (0.107), 0.627 (0.114), 0.538 (0.128), 0.448 (0.135)).
    // `censored` counts the censorings from the event time to the next (lifelines' event_table
    // lists them at their own times: 6 → 1; 9 → 1; 10, 11 → 2; 17, 19, 20 → 3; 25, 32, 34, 35 → 5).
    #[rustfmt::skip]
    let expected = [
        // time, at risk, events, censored, survival, se, band low, band high
        (6.0, 21, 3, 1, 0.8571428571, 0.0763603548, 0.6197179553, 0.9515517476),
        (7.0, 17, 1, 1, 0.8067226891, 0.0869352852, 0.5631465646, 0.9228090192),
        (10.0, 15, 1, 2, 0.7529411765, 0.0963496530, 0.5031995108, 0.8893618352),
        (13.0, 12, 1, 0, 0.6901960784, 0.1068147078, 0.4316102225, 0.8490659633),
        (16.0, 11, 1, 3, 0.6274509804, 0.1140538653, 0.3675108560, 0.8049121895),
        (22.0, 7, 1, 0, 0.5378151261, 0.1282337517, 0.2677789368, 0.7467907176),
        (23.0, 6, 1, 5, 0.4481792717, 0.1345914568, 0.1880520060, 0.6801426285),
    ];
    assert_eq!(curve.steps.len(), expected.len());
    for (step, (time, at_risk, events, censored, s, se, low, high)) in
        curve.steps.iter().zip(expected)
    {
        let what = format!("t = {time}");
        assert_eq!(
            (step.time, step.at_risk, step.events, step.censored),
            (time, at_risk, events, censored),
            "{what}"
        );
        close(&what, step.survival, s, 1e-9);
        close(&what, step.standard_error.expect("se"), se, 1e-9);
        interval(&what, step.band.expect("band"), low, high, 1e-9);
    }
    // lifelines: median_survival_time_ = 23.0.
    assert_eq!(curve.median(), Some(23.0));
    // The at-risk table — lifelines' event_table at_risk at those times, or the count of times
    // ≥ t: 21, 21, 15, 11, 8, 5, 4, 1, 0.
    let grid = [0.0, 5.0, 10.0, 15.0, 20.0, 25.0, 30.0, 35.0, 40.0];
    let table: Vec<u64> = curve
        .at_risk_at(&grid)
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(table, [21, 21, 15, 11, 8, 5, 4, 1, 0]);
    let nan = curve.at_risk_at(&[f64::NAN]);
    assert!(nan.len() == 1 && nan[0].0.is_nan() && nan[0].1 == 0);
    // Survival between event times is the last step's; before the first event it is 1.
    assert_eq!(curve.survival_at(5.9), 1.0);
    close("S(14)", curve.survival_at(14.0), 0.6901960784, 1e-9);
    assert_eq!(curve.step_at(40.0).map(|s| s.time), Some(23.0));
}

#[test]
fn kaplan_meier_band_at_90_percent() {
    // lifelines: KaplanMeierFitter(alpha=0.10).fit(T, E).confidence_interval_ on the 6-MP arm.
    let curve = kaplan_meier_with_level(&six_mp(), level(0.90)).expect("valid");
    let expected = [
        (6.0, 0.6711067805921728, 0.9421594057201212),
        (13.0, 0.4787003096742438, 0.8297610650198315),
        (23.0, 0.2264620882450107, 0.6481135841402932),
    ];
    for (time, low, high) in expected {
        let step = curve.step_at(time).expect("a step");
        assert_eq!(step.time, time);
        interval(
            &format!("t = {time}"),
            step.band.expect("band"),
            low,
            high,
            1e-9,
        );
    }
    assert_eq!(curve.level.get(), 0.90);
}

#[test]
fn kaplan_meier_of_the_control_arm_without_censoring_down_to_zero() {
    // Freireich et al. (1963) placebo arm (Gehan 1965; Cox and Oakes 1984, Table 1.1): no
    // censoring, many ties, the last patient relapses at 23 weeks.
    let times = [
        1., 1., 2., 2., 3., 4., 4., 5., 5., 8., 8., 8., 8., 11., 11., 12., 12., 15., 17., 22., 23.,
    ];
    let curve = kaplan_meier(&observations(&times, &[true; 21])).expect("valid");
    // lifelines: KaplanMeierFitter().fit(times, [1]*21); Greenwood se computed beside it.
    #[rustfmt::skip]
    let expected = [
        (1.0, 21, 2, 0.9047619048, 0.0640564485, 0.6700458822, 0.9752941490),
        (2.0, 19, 2, 0.8095238095, 0.0856890867, 0.5689050599, 0.9238888286),
        (8.0, 12, 4, 0.3809523810, 0.1059711696, 0.1830665488, 0.5777886777),
        (22.0, 2, 1, 0.0476190476, 0.0464714320, 0.0033244630, 0.1970449057),
    ];
    for (time, at_risk, events, s, se, low, high) in expected {
        let step = curve.step_at(time).expect("a step");
        let what = format!("t = {time}");
        assert_eq!(
            (step.time, step.at_risk, step.events),
            (time, at_risk, events)
        );
        close(&what, step.survival, s, 1e-9);
        close(&what, step.standard_error.expect("se"), se, 1e-9);
        interval(&what, step.band.expect("band"), low, high, 1e-9);
    }
    // S(10) = 8/21 = 0.381 with Greenwood se 0.106, the worked example usually quoted for
    // these data (Cox and Oakes' control arm); lifelines agrees (above).
    printed("S(10)", curve.survival_at(10.0), 0.381, 3);
    printed(
        "se(10)",
        curve
            .step_at(10.0)
            .and_then(|s| s.standard_error)
            .expect("se"),
        0.106,
        3,
    );
    // Everyone has relapsed by 23: survival 0, where Greenwood's se and the log-log band are
    // undefined (R gives NA; lifelines prints a 0–0 band).
    let last = curve.steps.last().expect("a last step");
    assert_eq!((last.time, last.at_risk, last.survival), (23.0, 1, 0.0));
    assert_eq!((last.standard_error, last.band), (None, None));
    // lifelines: median_survival_time_ = 8.0.
    assert_eq!(curve.median(), Some(8.0));
}

#[test]
fn a_censoring_tied_with_events_is_at_risk_for_them() {
    // Two events and a censoring at day 5, an event at day 8. With the censored patient at risk
    // at day 5, S(5) = 1 − 2/4 = 0.5 (were the censoring first, it would be 1 − 2/3).
    // lifelines: fit([5, 5, 5, 8], [1, 0, 1, 1]) → at_risk 4, S 0.5, band 0.0578470829951446 to
    // 0.844861281190374; then S(8) = 0.
    let obs = observations(&[5.0, 5.0, 5.0, 8.0], &[true, false, true, true]);
    let curve = kaplan_meier(&obs).expect("valid");
    let first = curve.steps[0];
    assert_eq!((first.at_risk, first.events, first.censored), (4, 2, 1));
    assert_eq!(first.survival, 0.5);
    interval(
        "t = 5",
        first.band.expect("band"),
        0.0578470829951446,
        0.844861281190374,
        1e-9,
    );
    assert_eq!((curve.steps[1].at_risk, curve.steps[1].survival), (1, 0.0));
    // The order of the input does not matter.
    let mut reversed = obs.clone();
    reversed.reverse();
    assert_eq!(kaplan_meier(&reversed).expect("valid"), curve);
    // lifelines: median_survival_time_ = 5.0 (survival is exactly 0.5 there).
    assert_eq!(curve.median(), Some(5.0));
}

#[test]
fn the_median_where_survival_is_exactly_one_half() {
    // Four events at days 1–4: S(2) = 0.75 · 2/3, 0.5 on paper and within rounding in floating
    // point. lifelines: median_survival_time_ = 2.0, the first time S ≤ 0.5 (R's print.survfit
    // would say 2.5, the middle of the flat stretch at 0.5).
    let obs = observations(&[1.0, 2.0, 3.0, 4.0], &[true; 4]);
    let curve = kaplan_meier(&obs).expect("valid");
    assert_eq!(curve.median(), Some(2.0));
    // lifelines: S(2) band 0.0578470829951446 to 0.8448612812 (the same as the tie case above,
    // with the same Greenwood sum 1/12 + 1/6).
    interval(
        "t = 2",
        curve.steps[1].band.expect("band"),
        0.0578470829951446,
        0.844861281190374,
        1e-9,
    );
}

#[test]
fn a_median_not_reached() {
    // Six patients, two events; survival stays at 0.556 > 0.5.
    // lifelines: fit([2, 3, 5, 8, 9, 12], [1, 0, 0, 1, 0, 0]) → S 0.8333333333, 0.5555555556,
    // bands 0.2731228499–0.9747124267 and 0.0734416501–0.8760704400, median_survival_time_ inf.
    let obs = observations(
        &[2.0, 3.0, 5.0, 8.0, 9.0, 12.0],
        &[true, false, false, true, false, false],
    );
    let curve = kaplan_meier(&obs).expect("valid");
    assert_eq!(curve.median(), None);
    assert_eq!(curve.steps.len(), 2);
    close("S(2)", curve.steps[0].survival, 0.8333333333, 1e-9);
    close("S(8)", curve.steps[1].survival, 0.5555555556, 1e-9);
    interval(
        "t = 2",
        curve.steps[0].band.expect("band"),
        0.2731228499,
        0.9747124267,
        1e-9,
    );
    interval(
        "t = 8",
        curve.steps[1].band.expect("band"),
        0.0734416501,
        0.8760704400,
        1e-9,
    );
    assert_eq!((curve.steps[0].censored, curve.steps[1].censored), (2, 2));
}

#[test]
fn censorings_before_the_first_event_and_an_event_at_time_zero() {
    // lifelines: fit([1, 2, 3, 3, 7, 9], [0, 0, 1, 0, 1, 0]) → at 3: at_risk 4, S 0.75, band
    // 0.1279469175951456–0.9605486422850785; at 7: at_risk 2, S 0.375, band
    // 0.0109711215748446–0.8080010724813436; median 7.
    let obs = observations(
        &[1.0, 2.0, 3.0, 3.0, 7.0, 9.0],
        &[false, false, true, false, true, false],
    );
    let curve = kaplan_meier(&obs).expect("valid");
    assert_eq!(curve.censored_before_first_event, 2);
    let s: Vec<(f64, u64, u64, u64)> = curve
        .steps
        .iter()
        .map(|s| (s.time, s.at_risk, s.events, s.censored))
        .collect();
    assert_eq!(s, [(3.0, 4, 1, 1), (7.0, 2, 1, 1)]);
    close("S(3)", curve.steps[0].survival, 0.75, 1e-12);
    close("S(7)", curve.steps[1].survival, 0.375, 1e-12);
    interval(
        "t = 3",
        curve.steps[0].band.expect("band"),
        0.1279469175951456,
        0.9605486422850785,
        1e-9,
    );
    interval(
        "t = 7",
        curve.steps[1].band.expect("band"),
        0.0109711215748446,
        0.8080010724813436,
        1e-9,
    );
    assert_eq!(curve.median(), Some(7.0));
    // An event on day 0 counts. lifelines: fit([0, 0, 4], [1, 0, 1]) → at 0: at_risk 3,
    // S 0.6666666666666666, band 0.0540734267865167–0.945206387272047.
    let zero = kaplan_meier(&observations(&[0.0, 0.0, 4.0], &[true, false, true])).expect("valid");
    assert_eq!((zero.steps[0].time, zero.steps[0].at_risk), (0.0, 3));
    interval(
        "t = 0",
        zero.steps[0].band.expect("band"),
        0.0540734267865167,
        0.945206387272047,
        1e-9,
    );
}

#[test]
fn kaplan_meier_of_no_one_and_of_only_censored_patients() {
    let empty = kaplan_meier(&[]).expect("valid");
    assert_eq!((empty.n, empty.events, empty.steps.len()), (0, 0, 0));
    assert_eq!(empty.median(), None);
    assert_eq!(empty.survival_at(10.0), 1.0);
    assert_eq!(empty.at_risk_at(&[0.0, 10.0]), [(0.0, 0), (10.0, 0)]);

    let censored =
        kaplan_meier(&observations(&[3.0, 10.0, 10.0, 30.0], &[false; 4])).expect("valid");
    assert_eq!((censored.n, censored.events), (4, 0));
    assert!(censored.steps.is_empty());
    assert_eq!(censored.censored_before_first_event, 4);
    assert_eq!(censored.median(), None);
    assert_eq!(censored.survival_at(100.0), 1.0);
    assert_eq!(
        censored.at_risk_at(&[0.0, 3.0, 4.0, 10.0, 31.0]),
        [(0.0, 4), (3.0, 4), (4.0, 3), (10.0, 3), (31.0, 0)]
    );
}

#[test]
fn kaplan_meier_refuses_negative_and_non_finite_times() {
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let obs = observations(&[1.0, bad], &[true, true]);
        assert!(
            matches!(kaplan_meier(&obs), Err(StatsError::Time { index: 1, .. })),
            "{bad}"
        );
    }
}

// ---------------------------------------------------------------- invariants

fn any_level() -> impl Strategy<Value = ConfidenceLevel> {
    (0.5f64..0.9999).prop_map(level)
}

proptest! {
    #[test]
    fn a_proportion_interval_holds_its_share_within_0_and_1(
        (n, successes) in (1u64..=MAX_COUNT).prop_flat_map(|n| (Just(n), 0..=n)),
        level in any_level(),
    ) {
        for p in [
            wilson(successes, n, level).expect("valid").expect("n > 0"),
            clopper_pearson(successes, n, level).expect("valid").expect("n > 0"),
        ] {
            let Interval { low, high } = p.interval;
            prop_assert!(0.0 <= low && low <= p.share && p.share <= high && high <= 1.0,
                "{:?} {successes}/{n}: {low} {} {high}", p.method, p.share);
            prop_assert_eq!(low == 0.0, successes == 0, "{:?}", p.method);
            prop_assert_eq!(high == 1.0, successes == n, "{:?}", p.method);
        }
        // The exact interval is never narrower than Wilson's at either end of 0/n and n/n.
        if successes == 0 {
            let w = wilson(0, n, level).expect("valid").expect("n > 0");
            let e = clopper_pearson(0, n, level).expect("valid").expect("n > 0");
            prop_assert!(e.interval.high >= w.interval.high);
        }
    }

    #[test]
    fn a_rate_interval_holds_its_rate(
        events in 0u64..=MAX_COUNT,
        exposure in 0.5f64..10_000.0,
        level in any_level(),
    ) {
        let r = poisson_rate(events, exposure, 100.0, level).expect("valid").expect("exposure");
        prop_assert!(0.0 <= r.interval.low && r.interval.low <= r.rate && r.rate <= r.interval.high,
            "{:?}", r);
        prop_assert!(r.interval.high.is_finite());
    }

    #[test]
    fn a_mean_lies_in_its_interval_and_quartiles_are_ordered(
        values in prop::collection::vec(-1000.0f64..1000.0, 1..60),
        level in any_level(),
    ) {
        let m = mean_with_t_interval(&values, level).expect("valid").expect("data");
        if let Some(i) = m.interval {
            prop_assert!(i.contains(m.mean), "{:?}", m);
        }
        let q = median_and_iqr(&values).expect("valid").expect("data");
        prop_assert!(q.min <= q.q1 && q.q1 <= q.median && q.median <= q.q3 && q.q3 <= q.max,
            "{:?}", q);
    }

    #[test]
    fn kaplan_meier_falls_stays_in_0_1_holds_its_band_and_counts_everyone(
        raw in prop::collection::vec((0u32..40, any::<bool>()), 0..80),
        level in any_level(),
    ) {
        let obs: Vec<Observation> = raw
            .iter()
            .map(|&(t, event)| Observation { time: f64::from(t), event })
            .collect();
        let curve = kaplan_meier_with_level(&obs, level).expect("valid");
        prop_assert_eq!(curve.n, obs.len() as u64);
        prop_assert_eq!(curve.events, obs.iter().filter(|o| o.event).count() as u64);
        let mut previous = 1.0;
        let mut expected_at_risk = curve.n - curve.censored_before_first_event;
        for s in &curve.steps {
            prop_assert!((0.0..=1.0).contains(&s.survival) && s.survival <= previous, "{:?}", s);
            previous = s.survival;
            prop_assert_eq!(s.at_risk, expected_at_risk);
            expected_at_risk = s.at_risk - s.events - s.censored;
            match s.band {
                Some(band) => prop_assert!(
                    0.0 <= band.low && band.contains(s.survival) && band.high <= 1.0,
                    "{:?}", s
                ),
                None => prop_assert_eq!(s.survival, 0.0),
            }
            prop_assert_eq!(s.standard_error.is_none(), s.survival == 0.0);
            let at_risk = curve.at_risk_at(&[s.time])[0].1;
            prop_assert_eq!(at_risk, s.at_risk);
        }
        prop_assert_eq!(expected_at_risk, 0);
        if let Some(median) = curve.median() {
            prop_assert!(curve.survival_at(median) <= 0.5 + 1e-12);
        }
    }
}

#[test]
fn counts_up_to_the_limit_agree_with_scipy_and_beyond_it_use_the_large_sample_forms() {
    // At MAX_COUNT (100 000) — scipy: stats.t.ppf(0.975, 99999) = 1.9599877077718442;
    // statsmodels: proportion_confint(x, 100000, method='beta') for x = 1, 50000, 99999; scipy:
    // chi2.ppf(0.025, 200000)/2 = 99381.15266374472, chi2.ppf(0.975, 200002)/2 =
    // 100621.74473974388. statrs 0.18's quantiles are less exact this far out: its t quantile is
    // 1.959980951985061 here (3.4e-6 relative), the beta and chi-square ones agree to 1e-8.
    let values: Vec<f64> = (0..100_000).map(|i| f64::from(i % 2)).collect();
    let m = mean_with_t_interval(&values, L95)
        .expect("valid")
        .expect("data");
    let sd = m.sd.expect("sd");
    let t = (m.interval.expect("interval").high - m.mean) / (sd / 100_000f64.sqrt());
    close("t", t, 1.9599877077718442, 1e-5 * 1.96);
    let cases = [
        (1, 2.531780477933314e-07, 5.571516034774276e-05),
        (50_000, 0.4968960624918004, 0.5031039375081996),
        (99_999, 0.9999442848396523, 0.9999997468219523),
    ];
    for (x, low, high) in cases {
        let p = exact95(x, MAX_COUNT);
        close(&format!("{x} low"), p.interval.low, low, 1e-8 * low);
        close(&format!("{x} high"), p.interval.high, high, 1e-8 * high);
    }
    let r = rate95(MAX_COUNT, 1.0, 1.0);
    interval(
        "events",
        r.interval,
        99381.15266374472,
        100621.74473974388,
        1e-8 * 1e5,
    );

    // Beyond the limit the large-sample forms take over (a registry's counts). scipy 1.x:
    // stats.t.ppf(0.975, 100000) = 1.9599877075346095, stats.t.ppf(0.975, 1000000) =
    // 1.959966356814107 (A&S 26.7.5 gives them to 2e-15); stats.chi2.ppf(0.025, 200002)/2 =
    // 99382.1495647746 and chi2.ppf(0.975, 200004)/2 = 100622.74783869852 (Wilson–Hilferty to
    // 5e-10 relative).
    close(
        "t beyond",
        t_quantile(100_000.0, 0.975).expect("t"),
        1.9599877075346095,
        1e-12,
    );
    close(
        "t far",
        t_quantile(1e6, 0.975).expect("t"),
        1.959966356814107,
        1e-12,
    );
    let many: Vec<f64> = (0..100_001).map(|i| f64::from(i % 2)).collect();
    let m = mean_with_t_interval(&many, L95)
        .expect("valid")
        .expect("data");
    let t = (m.interval.expect("interval").high - m.mean) / (m.sd.expect("sd") / 100_001f64.sqrt());
    close("t of 100 001 values", t, 1.9599877075346095, 1e-9);
    let r = rate95(MAX_COUNT + 1, 1.0, 1.0);
    interval(
        "events beyond",
        r.interval,
        99382.1495647746,
        100622.74783869852,
        1e-9 * 1e5,
    );
    // An exact proportion beyond the limit is Wilson's, and says so.
    let p = exact95(1, 1_000_000_000);
    assert_eq!(p.method, ProportionMethod::Wilson);
    assert_eq!(p, wilson95(1, 1_000_000_000));
    // Wilson has no such limit — statsmodels: proportion_confint(3, 10**6, method='wilson') =
    // (1.0202712409681232e-06, 8.821149774312438e-06).
    let rare = wilson95(3, 1_000_000);
    close("low", rare.interval.low, 1.0202712409681232e-06, 1e-15);
    close("high", rare.interval.high, 8.821149774312438e-06, 1e-15);
}
