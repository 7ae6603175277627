//! Attack-log profiles: the shipped ones and the clinic's own from a directory
//! (`--profiles-dir`), listed and shown by `cephalog attacks`; imports go through
//! `cephalog diary import --format attacks --profile ID`.

use std::path::Path;

use anyhow::{Context, Result, anyhow, bail};
use serde::Serialize;

use cephalog_interchange::profile::{DurationUnit, ExtraColumns, UnknownTerms};
use cephalog_interchange::{AttackProfile, builtin_profile_text, builtin_profiles, parse_profile};

use crate::AttacksCommand;
use crate::output::print_json;
use crate::output::table;

/// The profile `diary import --format attacks` uses when none is named.
pub const DEFAULT_PROFILE: &str = "generic";

/// Where a profile comes from.
#[derive(Debug, Clone)]
pub(crate) struct LoadedProfile {
    pub profile: AttackProfile,
    /// "shipped", or the clinic file's path.
    pub origin: String,
    text: Option<String>,
}

/// The shipped profiles and the clinic's own `*.toml` files from `dir`; an id defined twice is an
/// error naming the file.
pub(crate) fn load_profiles(dir: Option<&Path>) -> Result<Vec<LoadedProfile>> {
    let mut out: Vec<LoadedProfile> = builtin_profiles()?
        .into_iter()
        .map(|profile| LoadedProfile {
            profile,
            origin: "shipped".to_owned(),
            text: None,
        })
        .collect();
    let Some(dir) = dir else {
        return Ok(out);
    };
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read the profiles directory {}", dir.display()))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    for f in files {
        let text =
            std::fs::read_to_string(&f).with_context(|| format!("cannot read {}", f.display()))?;
        let profile = parse_profile(&text, &f.display().to_string())?;
        if let Some(other) = out.iter().find(|p| p.profile.id == profile.id) {
            bail!(
                "{}: profile id '{}' is already defined ({}); give the clinic's profile another id",
                f.display(),
                profile.id,
                other.origin
            );
        }
        out.push(LoadedProfile {
            profile,
            origin: f.display().to_string(),
            text: Some(text),
        });
    }
    Ok(out)
}

/// The profile with that id, or an error listing the known ones.
pub(crate) fn find_profile(dir: Option<&Path>, id: &str) -> Result<LoadedProfile> {
    let all = load_profiles(dir)?;
    let known = all
        .iter()
        .map(|p| p.profile.id.as_str())
        .collect::<Vec<_>>()
        .join(", ");
    all.iter()
        .find(|p| p.profile.id == id.trim())
        .cloned()
        .ok_or_else(|| anyhow!("no attack-log profile '{id}'; known profiles: {known}"))
}

#[derive(Serialize)]
struct ProfileJson<'a> {
    id: &'a str,
    name: &'a str,
    description: &'a str,
    origin: &'a str,
    columns: Vec<&'a str>,
}

pub fn attacks(cmd: AttacksCommand) -> Result<()> {
    match cmd {
        AttacksCommand::Profiles { json, profiles_dir } => {
            let all = load_profiles(profiles_dir.as_deref())?;
            if json {
                let list: Vec<ProfileJson<'_>> = all
                    .iter()
                    .map(|p| ProfileJson {
                        id: &p.profile.id,
                        name: &p.profile.name,
                        description: &p.profile.description,
                        origin: &p.origin,
                        columns: p.profile.columns(),
                    })
                    .collect();
                return print_json(&list);
            }
            let mut t = table();
            t.set_header(["id", "name", "columns", "from"]);
            for p in &all {
                t.add_row([
                    p.profile.id.clone(),
                    p.profile.name.clone(),
                    p.profile.columns().join(", "),
                    p.origin.clone(),
                ]);
            }
            println!("{t}");
            println!(
                "Import with: cephalog diary import --patient ID --format attacks --profile ID FILE"
            );
        }
        AttacksCommand::Show { id, profiles_dir } => {
            let p = find_profile(profiles_dir.as_deref(), &id)?;
            let text = p
                .text
                .as_deref()
                .or_else(|| builtin_profile_text(&p.profile.id))
                .unwrap_or_default();
            print!("{}", describe(&p.profile));
            println!();
            println!("# The profile file ({}):", p.origin);
            print!("{text}");
        }
    }
    Ok(())
}

/// The profile in words: which column gives what.
fn describe(p: &AttackProfile) -> String {
    let mut s = format!("{} ({})\n", p.name, p.id);
    if !p.description.is_empty() {
        s.push_str(&format!("  {}\n", p.description));
    }
    s.push_str(&format!(
        "  start:     {} ({})\n",
        p.start.column,
        p.start.formats.join(" | ")
    ));
    if let Some(e) = &p.end {
        s.push_str(&format!(
            "  end:       {} ({})\n",
            e.column,
            e.formats.join(" | ")
        ));
    }
    if let Some(d) = &p.duration {
        let unit = match d.unit {
            DurationUnit::Minutes => "minutes",
            DurationUnit::Hours => "hours",
        };
        s.push_str(&format!(
            "  duration:  {} (2h 30m, 1:30, or a number of {unit})\n",
            d.column
        ));
    }
    s.push_str(&format!(
        "  pain:      {} (0–10: 0 none, 1–3 mild, 4–6 moderate, 7–10 severe)\n",
        p.pain.column
    ));
    for c in &p.symptoms {
        let unknown = match c.unknown {
            UnknownTerms::Error => "unknown terms are errors",
            UnknownTerms::Warn => "unknown terms are listed and skipped",
            UnknownTerms::Ignore => "unknown terms are skipped",
        };
        s.push_str(&format!(
            "  symptoms:  {} ({} terms; {unknown})\n",
            c.column,
            c.terms.len()
        ));
    }
    if let Some(m) = &p.medicines {
        s.push_str(&format!(
            "  medicines: {} (each through the medicine dictionary)\n",
            m.columns.join(", ")
        ));
    }
    if let Some(n) = &p.notes {
        s.push_str(&format!("  notes:     {}\n", n.columns.join(", ")));
    }
    s.push_str(match p.extra_columns {
        ExtraColumns::Error => "  other columns are errors\n",
        ExtraColumns::Ignore => "  other columns are not read\n",
    });
    s
}
