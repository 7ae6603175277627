//! Structured fuzzing of every parser of outside input: the daily CSV, the episode CSV, attack-log
//! profiles and files, rule-set TOML, the E2B sender file, FHIR Bundles, and the web server's JSON
//! and form bodies.
//!
//! Each target draws its inputs from proptest strategies through a seeded runner (the same seed
//! gives the same inputs): grammars of the formats with hostile values, and mutations of good
//! files. Every input is checked against the oracles: no panic; a refusal with a clear message
//! (naming a line of the file for the line-based formats; the JSON error shape for the API; an
//! HTML page for the pages); no 5xx; the server still answering; what is accepted reading back
//! the same. The first input of each distinct failure is shrunk. Times are measured per input.

pub mod generate;
pub mod oracle;
mod parsers;
mod router;

pub use oracle::{Failure, FailureKind, Report, Run, SLOW};

/// A fuzz target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    DailyCsv,
    EpisodeCsv,
    AttackProfile,
    AttackLog,
    RuleSet,
    E2bSender,
    FhirBundle,
    ApiJson,
    PageForm,
}

impl Target {
    pub const ALL: [Target; 9] = [
        Target::DailyCsv,
        Target::EpisodeCsv,
        Target::AttackProfile,
        Target::AttackLog,
        Target::RuleSet,
        Target::E2bSender,
        Target::FhirBundle,
        Target::ApiJson,
        Target::PageForm,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Target::DailyCsv => "daily_csv",
            Target::EpisodeCsv => "episode_csv",
            Target::AttackProfile => "attack_profile",
            Target::AttackLog => "attack_log",
            Target::RuleSet => "rule_set",
            Target::E2bSender => "e2b_sender",
            Target::FhirBundle => "fhir_bundle",
            Target::ApiJson => "api_json",
            Target::PageForm => "page_form",
        }
    }

    pub fn from_name(name: &str) -> Option<Target> {
        Target::ALL.into_iter().find(|t| t.name() == name)
    }

    /// Whether inputs go through the web server (slower: each is a request on a database).
    pub fn is_router(self) -> bool {
        matches!(self, Target::ApiJson | Target::PageForm)
    }

    /// Runs the target on a thread of its own, with the stack its input has in the product: a
    /// main thread's 8 MiB for the files (the command line reads them), a tokio worker's 2 MiB
    /// for the web server's bodies.
    pub fn run(self, run: Run) -> Report {
        let stack = if self.is_router() { 2 } else { 8 } << 20;
        std::thread::Builder::new()
            .name(self.name().to_owned())
            .stack_size(stack)
            .spawn(move || self.run_here(run))
            .expect("a thread for the target")
            .join()
            .unwrap_or_else(|e| std::panic::resume_unwind(e))
    }

    /// Runs the target on this thread.
    pub fn run_here(self, run: Run) -> Report {
        match self {
            Target::DailyCsv => parsers::daily_csv(run),
            Target::EpisodeCsv => parsers::episode_csv(run),
            Target::AttackProfile => parsers::attack_profile(run),
            Target::AttackLog => parsers::attack_log(run),
            Target::RuleSet => parsers::rule_set(run),
            Target::E2bSender => parsers::e2b_sender(run),
            Target::FhirBundle => parsers::fhir_bundle(run),
            Target::ApiJson => router::api_json(run),
            Target::PageForm => router::page_form(run),
        }
    }
}
