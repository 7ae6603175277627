//! `cephalog-fuzz`: runs the fuzz targets and prints what each found.

use std::process::ExitCode;

use clap::Parser;

use cephalog_fuzz::{Report, Run, SLOW, Target};

/// Structured fuzzing of Cephalog's parsers of outside input.
#[derive(Debug, Parser)]
#[command(name = "cephalog-fuzz")]
struct Args {
    /// A target to run (repeat for several; default all): daily_csv, episode_csv,
    /// attack_profile, attack_log, rule_set, e2b_sender, fhir_bundle, api_json, page_form.
    #[arg(long = "target", value_name = "NAME")]
    targets: Vec<String>,
    /// Inputs per file target.
    #[arg(long, default_value_t = 2000)]
    inputs: u64,
    /// Inputs per web-server target (api_json, page_form); default a fifth of --inputs.
    #[arg(long)]
    router_inputs: Option<u64>,
    /// Seed of the input generator: the same seed gives the same inputs.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Write each distinct failure's (shrunk) input whole into this directory.
    #[arg(long, value_name = "DIR")]
    save: Option<std::path::PathBuf>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    let mut targets = Vec::new();
    for name in &args.targets {
        match Target::from_name(name) {
            Some(t) => targets.push(t),
            None => {
                eprintln!(
                    "unknown target '{name}'; the targets are {}",
                    Target::ALL.map(Target::name).join(", ")
                );
                return ExitCode::from(2);
            }
        }
    }
    if targets.is_empty() {
        targets = Target::ALL.to_vec();
    }
    let mut reports = Vec::new();
    for t in targets {
        let inputs = if t.is_router() {
            args.router_inputs.unwrap_or((args.inputs / 5).max(1))
        } else {
            args.inputs
        };
        eprintln!("{}: {inputs} inputs, seed {}…", t.name(), args.seed);
        let r = t.run(Run {
            inputs,
            seed: args.seed,
        });
        eprintln!("{}: done in {:.1} s", t.name(), r.elapsed.as_secs_f64());
        reports.push(r);
    }
    print_table(&reports);
    print_findings(&reports);
    if let Some(dir) = &args.save
        && let Err(e) = save(dir, &reports)
    {
        eprintln!(
            "cannot write the failing inputs into {}: {e}",
            dir.display()
        );
        return ExitCode::from(2);
    }
    let bad = reports.iter().any(|r| r.failed() > 0 || r.slow > 0);
    if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn save(dir: &std::path::Path, reports: &[Report]) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)?;
    for r in reports {
        if r.slow > 0 {
            let path = dir.join(format!("{}-slowest.txt", r.target));
            let text = format!(
                "slowest input, {:.1} ms:\n\n{}\n",
                r.slowest.as_secs_f64() * 1000.0,
                r.slowest_whole
            );
            std::fs::write(&path, text)?;
            println!("{}: slowest input written to {}", r.target, path.display());
        }
        for (i, f) in r.failures.iter().enumerate() {
            let path = dir.join(format!("{}-{}.txt", r.target, i + 1));
            let text = format!(
                "{} (first at input {} of seed; ×{}): {}\n\n{}\n",
                f.kind, f.first_at, f.count, f.detail, f.whole_input
            );
            std::fs::write(&path, text)?;
            println!("{}: {} written to {}", r.target, f.kind, path.display());
        }
    }
    Ok(())
}

fn print_table(reports: &[Report]) {
    println!(
        "| target | inputs | accepted | rejected | panics | unclear errors | 5xx | other | slowest ms | inputs/s |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for r in reports {
        println!(
            "| {} | {} | {} | {} | {} | {} | {} | {} | {:.1} | {:.0} |",
            r.target,
            r.inputs,
            r.accepted,
            r.rejected,
            r.panics,
            r.unclear,
            r.server_errors,
            r.other,
            r.slowest.as_secs_f64() * 1000.0,
            r.per_second()
        );
    }
}

fn print_findings(reports: &[Report]) {
    for r in reports {
        println!();
        println!(
            "{}: slowest input {:.1} ms: {}",
            r.target,
            r.slowest.as_secs_f64() * 1000.0,
            r.slowest_input
        );
        if r.slow > 0 {
            println!(
                "{}: {} input(s) took longer than {} s",
                r.target,
                r.slow,
                SLOW.as_secs()
            );
        }
        for f in &r.failures {
            println!(
                "{}: {} ×{} (first at input {}): {}",
                r.target,
                f.kind,
                f.count,
                f.first_at,
                f.detail.chars().take(600).collect::<String>()
            );
            println!(
                "    {} input: {}",
                if f.shrunk { "shrunk" } else { "first" },
                f.input
            );
        }
    }
}
