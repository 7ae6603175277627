use std::fs::File;
use std::io::{self, BufReader, BufWriter};
use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use chrono::NaiveDate;
use indicatif::{ProgressBar, ProgressStyle};

use cephalog_core::preset::DayPreset;
use cephalog_core::{
    Diagnosis, DiagnosisCode, DrugClass, Patient, PeriodKind, Sex, classify as classify_diary,
};
use cephalog_interchange::{AttackProfile, read_attacks, read_daily, read_episodes, write_daily};
use cephalog_store::{Change, PatientRecord, Store};

use crate::output::{WithPatient, print_json};
use crate::{ClassifyArgs, DiaryCommand, DrugCommand, MetricsArgs, PatientCommand, output, today};

/// Parses `1.3` or `1.3@2019-05-01`.
fn parse_diagnosis(s: &str) -> Result<Diagnosis> {
    let (code, onset) = match s.split_once('@') {
        Some((c, o)) => (
            c,
            Some(
                o.parse::<NaiveDate>()
                    .with_context(|| format!("diagnosis onset '{o}' is not YYYY-MM-DD"))?,
            ),
        ),
        None => (s, None),
    };
    Ok(Diagnosis {
        code: code.parse::<DiagnosisCode>()?,
        onset,
    })
}

pub async fn patient(store: &Store, cmd: PatientCommand) -> Result<()> {
    match cmd {
        PatientCommand::Add {
            name,
            dob,
            sex,
            mrn,
            diagnoses,
            notes,
            clinic,
        } => {
            let sex = sex.map(|s| s.parse::<Sex>()).transpose()?;
            let mut p = Patient::new(&name, dob, sex, mrn, notes, today())?;
            for d in &diagnoses {
                p.diagnose(parse_diagnosis(d)?)?;
            }
            let clinic = cephalog_app::patients::clinic(store, &clinic).await?;
            let record = cephalog_app::patients::add(store, clinic, &p).await?;
            crate::access::record(store, Some(record.id), "patient", &record.id.to_string())
                .await?;
            println!("{}", record.id);
        }
        PatientCommand::List { json } => {
            crate::access::clinic(store).await?;
            let all = cephalog_app::patients::list(store, None).await?;
            if json {
                let list: Vec<_> = all.iter().map(output::PatientJson::from).collect();
                print_json(&list)?;
            } else {
                println!("{}", output::patient_table(&all, today()));
            }
        }
        PatientCommand::Show { id, json } => {
            let r = crate::access::patient(store, &id).await?;
            let diary = cephalog_app::diary::diary(store, r.id).await?;
            if json {
                print_json(&output::PatientJson::from(&r))?;
            } else {
                print!("{}", output::patient_details(&r, &diary, today()));
            }
        }
        PatientCommand::Diagnose { id, code, onset } => {
            let r = crate::access::patient(store, &id).await?;
            let code = code.parse::<DiagnosisCode>()?;
            cephalog_app::patients::add_diagnosis(store, r.id, &Diagnosis { code, onset }).await?;
            println!("{}: added {code}", r.id);
        }
    }
    Ok(())
}

fn parse_covers(s: &str) -> Result<(NaiveDate, NaiveDate)> {
    let (a, b) = s
        .split_once("..")
        .ok_or_else(|| anyhow!("--covers must be FROM..TO, e.g. 2026-01-01..2026-03-31"))?;
    let from = a
        .trim()
        .parse::<NaiveDate>()
        .with_context(|| format!("--covers: '{a}' is not YYYY-MM-DD"))?;
    let to = b
        .trim()
        .parse::<NaiveDate>()
        .with_context(|| format!("--covers: '{b}' is not YYYY-MM-DD"))?;
    if to < from {
        bail!("--covers: {to} is before {from}");
    }
    Ok((from, to))
}

fn progress_bar(len: u64, what: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    if let Ok(style) =
        ProgressStyle::with_template("{msg:>10} [{bar:30}] {percent:>3}% {elapsed_precise}")
    {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(what.to_owned());
    bar
}

pub async fn diary(store: &Store, cmd: DiaryCommand) -> Result<()> {
    match cmd {
        DiaryCommand::Import {
            patient,
            file,
            covers,
            format,
            profile,
            profiles_dir,
            replace,
            reason,
        } => {
            let format =
                ImportFormat::choose(format.as_deref(), profile.as_deref(), covers.is_some())?;
            let profile = match format {
                ImportFormat::Attacks => Some(crate::attacks::find_profile(
                    profiles_dir.as_deref(),
                    profile
                        .as_deref()
                        .unwrap_or(crate::attacks::DEFAULT_PROFILE),
                )?),
                _ => None,
            };
            import(
                store,
                &patient,
                &file,
                covers.as_deref(),
                profile.as_ref().map(|p| &p.profile),
                replace.then(|| Change {
                    by: crate::access::actor(),
                    reason: reason
                        .map(|r| r.trim().to_owned())
                        .filter(|r| !r.is_empty())
                        .unwrap_or_else(|| format!("replaced by an import of {}", file.display())),
                }),
            )
            .await
        }
        DiaryCommand::EnteredInError {
            patient,
            date,
            reason,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let change = Change::new(crate::access::actor(), reason)
                .context("--reason: say why the day was entered in error")?;
            let kept = cephalog_app::diary::enter_day_in_error(store, r.id, date, &change).await?;
            crate::access::record(store, Some(r.id), "diary_day", &date.to_string()).await?;
            println!(
                "{date} of patient {} marked entered in error (version {} kept in its history)",
                r.id, kept.version
            );
            Ok(())
        }
        DiaryCommand::History {
            patient,
            date,
            json,
        } => {
            let r = crate::access::patient(store, &patient).await?;
            let current = cephalog_app::diary::between(store, r.id, date, date)
                .await?
                .get(date)
                .cloned();
            let kept = cephalog_app::diary::day_history(store, r.id, date).await?;
            if json {
                let versions = kept
                    .iter()
                    .map(|v| {
                        serde_json::json!({
                            "version": v.version,
                            "action": v.action.as_str(),
                            "changed_at": v.changed_at,
                            "changed_by": v.changed_by,
                            "reason": v.reason,
                            "day": v.snapshot,
                        })
                    })
                    .collect::<Vec<_>>();
                let current_version = current
                    .as_ref()
                    .map(|_| kept.last().map_or(1, |v| v.version + 1));
                return print_json(&serde_json::json!({
                    "date": date,
                    "current": current.as_ref().map(crate::output::day_summary),
                    "current_version": current_version,
                    "versions": versions,
                }));
            }
            match &current {
                Some(d) => println!(
                    "{date}, in force (version {}): {}",
                    kept.last().map_or(1, |v| v.version + 1),
                    crate::output::day_summary(d)
                ),
                None => println!("{date}: not recorded"),
            }
            for v in kept.iter().rev() {
                let was = v
                    .diary_day()
                    .map(|d| crate::output::day_summary(&d))
                    .unwrap_or_else(|e| e.to_string());
                println!(
                    "  version {} ({}): {was}\n    {} by {} on {}: {}",
                    v.version,
                    v.action.as_str().replace('_', " "),
                    if v.action == cephalog_store::VersionAction::Corrected {
                        "replaced"
                    } else {
                        "withdrawn"
                    },
                    v.changed_by,
                    v.changed_at.format("%Y-%m-%d %H:%M UTC"),
                    v.reason
                );
            }
            Ok(())
        }
        DiaryCommand::Export { patient, out } => {
            let r = crate::access::patient(store, &patient).await?;
            let diary = cephalog_app::diary::diary(store, r.id).await?;
            match out {
                Some(path) => {
                    let f = File::create(&path)
                        .with_context(|| format!("cannot create {}", path.display()))?;
                    write_daily(BufWriter::new(f), diary.days())
                        .with_context(|| format!("writing {}", path.display()))?;
                    eprintln!("{} days written to {}", diary.len(), path.display());
                }
                None => write_daily(io::stdout().lock(), diary.days())
                    .context("writing to standard output")?,
            }
            Ok(())
        }
    }
}

/// What kind of file `diary import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ImportFormat {
    Daily,
    Episodes,
    Attacks,
}

impl ImportFormat {
    /// `--format`, or what the other flags imply: attacks with a profile, episodes with a covered
    /// period, daily otherwise.
    fn choose(format: Option<&str>, profile: Option<&str>, covers: bool) -> Result<Self> {
        let f = match format.map(|f| f.trim().to_ascii_lowercase()).as_deref() {
            Some("daily") => ImportFormat::Daily,
            Some("episodes" | "episode") => ImportFormat::Episodes,
            Some("attacks" | "attack") => ImportFormat::Attacks,
            Some(other) => bail!("--format '{other}': use daily, episodes or attacks"),
            None if profile.is_some() => ImportFormat::Attacks,
            None if covers => ImportFormat::Episodes,
            None => ImportFormat::Daily,
        };
        if profile.is_some() && f != ImportFormat::Attacks {
            bail!("--profile names an attack-log profile: use it with --format attacks");
        }
        if f == ImportFormat::Episodes && !covers {
            bail!("an episode CSV needs the period it covers: --covers FROM..TO");
        }
        if f == ImportFormat::Daily && covers {
            bail!("--covers is for episode and attack logs, not the daily CSV");
        }
        Ok(f)
    }
}

async fn import(
    store: &Store,
    patient: &str,
    file: &Path,
    covers: Option<&str>,
    profile: Option<&AttackProfile>,
    replace: Option<Change>,
) -> Result<()> {
    let covers = covers.map(parse_covers).transpose()?;
    let r = crate::access::patient(store, patient).await?;
    let dictionary = cephalog_app::diary::dictionary(store).await?;
    let f = File::open(file).with_context(|| format!("cannot open {}", file.display()))?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    let input = BufReader::new(f);
    let mut attack_summary = None;
    let parsed = match (profile, covers) {
        (Some(profile), covers) => {
            read_attacks(input, profile, &dictionary, covers, today()).map(|a| {
                let days = a.days.clone();
                attack_summary = Some(a);
                days
            })
        }
        (None, Some((from, to))) => read_episodes(input, &dictionary, from, to, today()),
        (None, None) => {
            let bar = progress_bar(size, "reading");
            let days = read_daily(input, &dictionary, today(), |pos| bar.set_position(pos));
            bar.finish_and_clear();
            days
        }
    };
    let days = parsed.map_err(|errors| {
        let listed = errors.errors.len() + errors.more;
        anyhow!(
            "{} has {listed} error(s); nothing was imported:\n{}",
            file.display(),
            prefix_lines(&errors.to_string(), &file.display().to_string())
        )
    })?;
    let bar = progress_bar(days.len() as u64, "storing");
    let summary = cephalog_app::diary::record(store, r.id, &days, replace.as_ref(), &mut |n| {
        bar.set_position(n as u64)
    })
    .await
    .with_context(|| format!("{}: nothing was imported", file.display()))?;
    bar.finish_and_clear();
    if let (Some(a), Some(p)) = (&attack_summary, profile) {
        println!(
            "{}: {} attack(s) ({}) over {}..{}",
            file.display(),
            a.attacks,
            p.name,
            a.from,
            a.to
        );
        for c in &a.absent_columns {
            eprintln!(
                "{}: no column '{c}' in the file; read as empty",
                file.display()
            );
        }
        for t in &a.unlisted_terms {
            eprintln!(
                "{}: symptom '{}' in column {} is not in profile '{}' and was skipped ({} row(s), first on line {})",
                file.display(),
                t.term,
                t.column,
                p.id,
                t.rows,
                t.first_line
            );
        }
    }
    println!(
        "{}: {} day(s) imported for patient {} ({} new, {} replaced)",
        file.display(),
        days.len(),
        r.id,
        summary.inserted,
        summary.replaced
    );
    Ok(())
}

fn prefix_lines(text: &str, prefix: &str) -> String {
    text.lines()
        .map(|l| format!("  {prefix}: {l}"))
        .collect::<Vec<_>>()
        .join("\n")
}

pub async fn metrics(store: &Store, a: MetricsArgs) -> Result<()> {
    let r = crate::access::patient(store, &a.patient).await?;
    let preset = a.preset.parse::<DayPreset>()?;
    let kind = a.period.parse::<PeriodKind>()?;
    let report =
        cephalog_app::metrics(store, &r, preset, kind, a.from, a.to, crate::today()).await?;
    if a.json {
        print_json(&WithPatient {
            patient: r.id,
            body: &report,
        })
    } else {
        print!("{}", output::metrics_table(&r, &report));
        Ok(())
    }
}

pub async fn classify(store: &Store, a: ClassifyArgs) -> Result<()> {
    let r: PatientRecord = crate::access::patient(store, &a.patient).await?;
    let diary = cephalog_app::diary::diary(store, r.id).await?;
    let c = classify_diary(
        &diary,
        r.patient.has_migraine_diagnosis(),
        a.on.unwrap_or_else(today),
    );
    if a.json {
        print_json(&WithPatient {
            patient: r.id,
            body: &c,
        })
    } else {
        print!("{}", output::classification_text(&r, &c));
        Ok(())
    }
}

pub async fn drug(store: &Store, cmd: DrugCommand) -> Result<()> {
    match cmd {
        DrugCommand::Add { name, class } => {
            let class = class.parse::<DrugClass>()?;
            cephalog_app::diary::add_clinic_drug(store, &name, class).await?;
            println!("added '{}' as {class}", name.trim());
        }
        DrugCommand::Lookup { name } => {
            let e = cephalog_app::diary::dictionary(store)
                .await?
                .lookup(&name)?;
            println!(
                "{} → {}{}",
                e.name,
                e.class,
                if e.migraine_specific {
                    " (migraine-specific)"
                } else {
                    ""
                }
            );
        }
        DrugCommand::List => {
            let dict = cephalog_app::diary::dictionary(store).await?;
            let mut any = false;
            for (name, class) in dict.clinic_entries() {
                println!("{name}\t{class}");
                any = true;
            }
            if !any {
                eprintln!(
                    "the clinic's dictionary has no names of its own; built-in names resolve as usual"
                );
            }
        }
    }
    Ok(())
}
