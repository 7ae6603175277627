//! The run every target shares: inputs drawn from a proptest strategy by a seeded generator, each
//! checked with panics caught and its time measured, failures counted by kind and the first input
//! of each distinct failure shrunk to a small one.

use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// An input slower than this is a failure of the run (not of a test: machines differ).
pub const SLOW: Duration = Duration::from_secs(1);
/// Distinct failures shrunk per target; later ones are counted and shown as found.
const SHRUNK_PER_TARGET: usize = 6;
/// Steps and time one shrink may take.
const SHRINK_STEPS: usize = 400;
const SHRINK_TIME: Duration = Duration::from_secs(30);
/// Characters of an input shown in a report.
const SHOWN: usize = 600;

/// What one input did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Read, stored or answered 2xx/3xx.
    Accepted,
    /// Refused with a clear error.
    Rejected,
    /// Something the oracles do not allow; the text says what, its first clause (up to ": ")
    /// tells one failure from another.
    Failed(FailureKind, String),
}

/// Ways an input can fail the oracles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FailureKind {
    /// A panic in the parser, the handler or the code behind them.
    Panic,
    /// A rejection without a clear message: empty, naming no line of the file, or (API) not the
    /// JSON error shape, (pages) not an HTML page.
    UnclearError,
    /// The server answered 5xx.
    ServerError,
    /// The server stopped answering.
    NoAnswer,
    /// Accepted data that does not read back the same, or an export of it that is not well-formed.
    Inconsistent,
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FailureKind::Panic => "panic",
            FailureKind::UnclearError => "unclear error",
            FailureKind::ServerError => "5xx",
            FailureKind::NoAnswer => "no answer",
            FailureKind::Inconsistent => "inconsistent",
        })
    }
}

/// One distinct failure: how often it happened and the smallest input found that shows it.
#[derive(Debug, Clone)]
pub struct Failure {
    pub kind: FailureKind,
    pub detail: String,
    pub count: u64,
    /// The input as shown, shrunk when it was among the first distinct failures.
    pub input: String,
    /// The whole input, as `input` shows it but not cut short.
    pub whole_input: String,
    pub shrunk: bool,
    /// Which input (from 1) first failed this way.
    pub first_at: u64,
}

/// What a run of one target found.
#[derive(Debug, Clone)]
pub struct Report {
    pub target: &'static str,
    pub inputs: u64,
    pub accepted: u64,
    pub rejected: u64,
    pub panics: u64,
    pub unclear: u64,
    pub server_errors: u64,
    /// No answer, or inconsistent.
    pub other: u64,
    /// Inputs slower than [`SLOW`].
    pub slow: u64,
    pub slowest: Duration,
    pub slowest_input: String,
    /// The slowest input whole.
    pub slowest_whole: String,
    pub elapsed: Duration,
    pub failures: Vec<Failure>,
}

impl Report {
    /// Inputs that failed an oracle (slowness aside).
    pub fn failed(&self) -> u64 {
        self.panics + self.unclear + self.server_errors + self.other
    }

    pub fn per_second(&self) -> f64 {
        let s = self.elapsed.as_secs_f64();
        if s > 0.0 { self.inputs as f64 / s } else { 0.0 }
    }
}

/// How many inputs, from which seed.
#[derive(Debug, Clone, Copy)]
pub struct Run {
    pub inputs: u64,
    pub seed: u64,
}

thread_local! {
    /// Panics on this thread are being caught by a run: recorded, not printed.
    static QUIET: Cell<bool> = const { Cell::new(false) };
}

/// The last panic's message and place.
static LAST_PANIC: Mutex<Option<String>> = Mutex::new(None);

fn install_hook() {
    static ONCE: OnceLock<()> = OnceLock::new();
    ONCE.get_or_init(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            let message = info
                .payload()
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| info.payload().downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "(no message)".to_owned());
            let place = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            if let Ok(mut last) = LAST_PANIC.lock() {
                *last = Some(format!("panicked at {place}: {message}"));
            }
            if !QUIET.with(Cell::get) {
                previous(info);
            }
        }));
    });
}

/// The message of the last panic caught.
pub fn last_panic() -> String {
    LAST_PANIC
        .lock()
        .ok()
        .and_then(|mut l| l.take())
        .unwrap_or_else(|| "panicked: (no message recorded)".to_owned())
}

/// Runs `check` with panics caught and not printed.
pub fn guarded(check: impl FnOnce() -> Verdict) -> Verdict {
    install_hook();
    let was = QUIET.with(|q| q.replace(true));
    let out = panic::catch_unwind(AssertUnwindSafe(check));
    QUIET.with(|q| q.set(was));
    out.unwrap_or_else(|_| Verdict::Failed(FailureKind::Panic, last_panic()))
}

/// What tells one failure from another: the panic's place, or the text before the first ": ".
fn signature(kind: FailureKind, detail: &str) -> (FailureKind, String) {
    let head = match detail.split_once(": ") {
        Some((h, _)) => h,
        None => detail,
    };
    (kind, head.chars().take(160).collect())
}

fn shown(s: &str, limit: usize) -> String {
    let mut out: String = s.chars().take(limit).collect();
    if s.chars().count() > limit {
        out.push_str(&format!("… ({} bytes in all)", s.len()));
    }
    out
}

fn runner(target: &str, seed: u64) -> TestRunner {
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    for (i, b) in target.bytes().take(24).enumerate() {
        bytes[8 + i] = b;
    }
    TestRunner::new_with_rng(
        Config {
            failure_persistence: None,
            ..Config::default()
        },
        TestRng::from_seed(RngAlgorithm::ChaCha, &bytes),
    )
}

/// Draws `run.inputs` inputs from `strategy` and checks each; `describe` shows an input.
pub fn drive<S, D, C>(
    target: &'static str,
    strategy: S,
    run: Run,
    describe: D,
    mut check: C,
) -> Report
where
    S: Strategy,
    D: Fn(&S::Value) -> String,
    C: FnMut(&S::Value) -> Verdict,
{
    let mut runner = runner(target, run.seed);
    let mut report = Report {
        target,
        inputs: 0,
        accepted: 0,
        rejected: 0,
        panics: 0,
        unclear: 0,
        server_errors: 0,
        other: 0,
        slow: 0,
        slowest: Duration::ZERO,
        slowest_input: String::new(),
        slowest_whole: String::new(),
        elapsed: Duration::ZERO,
        failures: Vec::new(),
    };
    let mut seen: BTreeMap<(FailureKind, String), usize> = BTreeMap::new();
    let started = Instant::now();
    for _ in 0..run.inputs {
        let Ok(mut tree) = strategy.new_tree(&mut runner) else {
            continue;
        };
        let value = tree.current();
        let t0 = Instant::now();
        let verdict = guarded(|| check(&value));
        let took = t0.elapsed();
        report.inputs += 1;
        if took > SLOW {
            report.slow += 1;
        }
        if took > report.slowest {
            report.slowest = took;
            report.slowest_whole = describe(&value);
            report.slowest_input = shown(&report.slowest_whole, 120);
        }
        match verdict {
            Verdict::Accepted => report.accepted += 1,
            Verdict::Rejected => report.rejected += 1,
            Verdict::Failed(kind, detail) => {
                match kind {
                    FailureKind::Panic => report.panics += 1,
                    FailureKind::UnclearError => report.unclear += 1,
                    FailureKind::ServerError => report.server_errors += 1,
                    FailureKind::NoAnswer | FailureKind::Inconsistent => report.other += 1,
                }
                let sig = signature(kind, &detail);
                if let Some(&i) = seen.get(&sig) {
                    report.failures[i].count += 1;
                    continue;
                }
                let shrink = report.failures.len() < SHRUNK_PER_TARGET;
                let (input, detail) = if shrink {
                    shrink_failure(&mut tree, &sig, &describe, &mut check, detail)
                } else {
                    (describe(&value), detail)
                };
                seen.insert(sig, report.failures.len());
                report.failures.push(Failure {
                    kind,
                    detail,
                    count: 1,
                    input: shown(&input, SHOWN),
                    whole_input: input,
                    shrunk: shrink,
                    first_at: report.inputs,
                });
            }
        }
    }
    report.elapsed = started.elapsed();
    report
}

/// Simplifies the failing input while it fails the same way (proptest's shrinking, bounded).
fn shrink_failure<T, D, C>(
    tree: &mut T,
    sig: &(FailureKind, String),
    describe: &D,
    check: &mut C,
    detail: String,
) -> (String, String)
where
    T: ValueTree,
    D: Fn(&T::Value) -> String,
    C: FnMut(&T::Value) -> Verdict,
{
    let mut best = (describe(&tree.current()), detail);
    let started = Instant::now();
    let mut steps = 0;
    let mut more = tree.simplify();
    while more && steps < SHRINK_STEPS && started.elapsed() < SHRINK_TIME {
        steps += 1;
        let v = tree.current();
        match guarded(|| check(&v)) {
            Verdict::Failed(kind, d) if signature(kind, &d) == *sig => {
                best = (describe(&v), d);
                more = tree.simplify();
            }
            _ => more = tree.complicate(),
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_counted_and_shrunk() {
        let r = drive(
            "test",
            0u32..1000,
            Run {
                inputs: 200,
                seed: 1,
            },
            u32::to_string,
            |&n| {
                if n >= 500 {
                    Verdict::Failed(FailureKind::UnclearError, "too big: n".to_owned())
                } else if n == 7 {
                    panic!("seven")
                } else {
                    Verdict::Accepted
                }
            },
        );
        assert_eq!(r.inputs, 200);
        assert!(r.unclear > 50, "{r:?}");
        let big = r
            .failures
            .iter()
            .find(|f| f.kind == FailureKind::UnclearError)
            .expect("the failure is listed");
        assert_eq!(big.input, "500", "shrunk to the boundary");
        assert_eq!(big.count, r.unclear);
    }

    #[test]
    fn a_panic_is_caught_with_its_message() {
        let v = guarded(|| panic!("boom {}", 1));
        match v {
            Verdict::Failed(FailureKind::Panic, m) => assert!(m.contains("boom 1"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
}
