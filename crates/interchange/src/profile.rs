//! Attack-log profiles: how one app's (or one clinic's) attack export maps onto Cephalog's
//! attacks, kept as TOML data. The shipped profiles live in `profiles/` at the repository root and
//! are embedded in the binary; a clinic adds its own files beside them.
//!
//! ```toml
//! id = "generic"
//! name = "Generic attack log"
//! delimiter = ","              # the file's field delimiter
//! extra_columns = "error"      # or "ignore": columns the profile does not name
//! blank_values = ["none"]      # list items read as nothing entered (case-insensitive)
//!
//! [start]                      # required
//! column = "start"
//! formats = ["%Y-%m-%d %H:%M"] # chrono formats, tried in order
//!
//! [end]                        # end and/or duration
//! column = "end"
//! formats = ["%Y-%m-%d %H:%M"]
//!
//! [duration]                   # "2h 30m", "1:30", or a bare number in `unit`
//! column = "duration"
//! unit = "minutes"             # or "hours"
//!
//! [pain]                       # 0–10
//! column = "pain_0_10"
//!
//! [[symptoms]]                 # any number of list columns
//! column = "symptoms"
//! separators = [";"]
//! unknown = "error"            # or "warn", "ignore": terms not in `terms`
//! [symptoms.terms]
//! "light sensitivity" = "photophobia"   # a diary feature, or "ignore"
//!
//! [medicines]                  # each item through the medicine dictionary
//! columns = ["medicines"]
//! separators = [";"]
//!
//! [notes]
//! columns = ["notes"]
//! ```

use std::collections::BTreeMap;

use chrono::format::{Item, StrftimeItems};
use serde::Deserialize;

use cephalog_core::Features;

/// The profiles Cephalog ships, by file name and text.
const BUILTIN: [(&str, &str); 2] = [
    (
        "generic.toml",
        include_str!("../../../profiles/generic.toml"),
    ),
    (
        "migraine-buddy.toml",
        include_str!("../../../profiles/migraine-buddy.toml"),
    ),
];

/// What a symptom term may map to besides a diary feature.
pub const IGNORE_TERM: &str = "ignore";

/// A column mapping for one attack-log format.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttackProfile {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// The file's field delimiter: one ASCII character.
    #[serde(default = "default_delimiter")]
    pub delimiter: String,
    #[serde(default)]
    pub extra_columns: ExtraColumns,
    /// List items read as "nothing entered" (compared case-insensitively), e.g. "None".
    #[serde(default)]
    pub blank_values: Vec<String>,
    pub start: DateTimeColumn,
    pub end: Option<DateTimeColumn>,
    pub duration: Option<DurationColumn>,
    pub pain: PainColumn,
    #[serde(default)]
    pub symptoms: Vec<SymptomColumn>,
    pub medicines: Option<ListColumns>,
    pub notes: Option<NotesColumns>,
}

fn default_delimiter() -> String {
    ",".to_owned()
}

/// What to do with columns the profile does not name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExtraColumns {
    /// An error naming them, as in the daily CSV.
    #[default]
    Error,
    /// Not read.
    Ignore,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DateTimeColumn {
    pub column: String,
    /// chrono `strftime` formats of a local date and time, tried in order.
    pub formats: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DurationUnit {
    #[default]
    Minutes,
    Hours,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DurationColumn {
    pub column: String,
    /// The unit of a bare number ("150", "2.5").
    #[serde(default)]
    pub unit: DurationUnit,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PainColumn {
    /// A 0–10 pain score.
    pub column: String,
}

/// What to do with a symptom term the profile does not list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UnknownTerms {
    /// The row is bad: the import stops.
    #[default]
    Error,
    /// The attack is imported without it; the term is listed after the import.
    Warn,
    /// The attack is imported without it.
    Ignore,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SymptomColumn {
    pub column: String,
    pub separators: Vec<String>,
    #[serde(default)]
    pub unknown: UnknownTerms,
    /// Term (compared case-insensitively, inner white space folded) → diary feature or "ignore".
    pub terms: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ListColumns {
    pub columns: Vec<String>,
    pub separators: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotesColumns {
    /// Joined with "; ", each after its column's name when there is more than one.
    pub columns: Vec<String>,
}

/// A profile file that cannot be used: which file, and why (with the line when the TOML parser
/// knows it).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct ProfileError {
    pub origin: String,
    pub reason: String,
}

/// A term as profiles and files are compared: trimmed, lower-case, inner white space folded.
pub(crate) fn normalise_term(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

impl AttackProfile {
    /// The delimiter as a byte (checked by [`parse_profile`]).
    pub fn delimiter_byte(&self) -> u8 {
        self.delimiter.as_bytes().first().copied().unwrap_or(b',')
    }

    /// Every column the profile names, as written in the profile.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = vec![self.start.column.as_str()];
        out.extend(self.end.iter().map(|c| c.column.as_str()));
        out.extend(self.duration.iter().map(|c| c.column.as_str()));
        out.push(self.pain.column.as_str());
        out.extend(self.symptoms.iter().map(|c| c.column.as_str()));
        out.extend(
            self.medicines
                .iter()
                .flat_map(|m| m.columns.iter().map(String::as_str)),
        );
        out.extend(
            self.notes
                .iter()
                .flat_map(|m| m.columns.iter().map(String::as_str)),
        );
        out
    }

    /// The symptom term's feature: `Some(Some(feature))`, `Some(None)` for an ignored term, `None`
    /// for a term the column does not list.
    pub(crate) fn lookup_term<'a>(
        column: &'a SymptomColumn,
        term: &str,
    ) -> Option<Option<&'a str>> {
        let t = normalise_term(term);
        column
            .terms
            .iter()
            .find(|(k, _)| normalise_term(k) == t)
            .map(|(_, v)| (v != IGNORE_TERM).then_some(v.as_str()))
    }

    /// Checks what serde cannot: one-character delimiter, usable date-time formats, an end or a
    /// duration, known features, separators, no column named twice.
    fn check(&self) -> Result<(), String> {
        if self.id.trim().is_empty() || self.id.contains(char::is_whitespace) {
            return Err(format!(
                "id '{}' must be a non-empty word (e.g. my-app)",
                self.id
            ));
        }
        if self.delimiter.len() != 1 || !self.delimiter.is_ascii() {
            return Err(format!(
                "delimiter '{}' must be one ASCII character",
                self.delimiter
            ));
        }
        if self.end.is_none() && self.duration.is_none() {
            return Err("an attack needs an end or a duration: add [end] or [duration]".to_owned());
        }
        for (what, c) in [("start", Some(&self.start)), ("end", self.end.as_ref())] {
            let Some(c) = c else { continue };
            if c.formats.is_empty() {
                return Err(format!("[{what}] lists no formats"));
            }
            for f in &c.formats {
                if StrftimeItems::new(f).any(|i| matches!(i, Item::Error)) {
                    return Err(format!(
                        "[{what}] format '{f}' is not a chrono date-time format"
                    ));
                }
            }
        }
        for s in &self.symptoms {
            if s.separators.iter().any(String::is_empty) || s.separators.is_empty() {
                return Err(format!(
                    "[[symptoms]] '{}': separators must be non-empty strings",
                    s.column
                ));
            }
            for (term, feature) in &s.terms {
                if feature != IGNORE_TERM && !Features::FIELDS.contains(&feature.as_str()) {
                    return Err(format!(
                        "[[symptoms]] '{}': term '{term}' maps to '{feature}', which is not one of {} or {IGNORE_TERM}",
                        s.column,
                        Features::FIELDS.join(", ")
                    ));
                }
            }
        }
        if let Some(m) = &self.medicines
            && (m.separators.is_empty() || m.separators.iter().any(String::is_empty))
        {
            return Err("[medicines]: separators must be non-empty strings".to_owned());
        }
        let mut seen: Vec<String> = Vec::new();
        for c in self.columns() {
            let n = normalise_term(c);
            if n.is_empty() {
                return Err("a column name is empty".to_owned());
            }
            if seen.contains(&n) {
                return Err(format!("column '{c}' is named twice"));
            }
            seen.push(n);
        }
        Ok(())
    }
}

/// Parses one profile file; `origin` names it in errors (with the line from the parser).
pub fn parse_profile(text: &str, origin: &str) -> Result<AttackProfile, ProfileError> {
    let profile: AttackProfile = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            })
            .unwrap_or_default();
        ProfileError {
            origin: origin.to_owned(),
            reason: format!("{at}{}", e.message()),
        }
    })?;
    profile.check().map_err(|reason| ProfileError {
        origin: origin.to_owned(),
        reason,
    })?;
    Ok(profile)
}

/// The shipped profiles.
pub fn builtin_profiles() -> Result<Vec<AttackProfile>, ProfileError> {
    BUILTIN
        .iter()
        .map(|(name, text)| parse_profile(text, name))
        .collect()
}

/// The text of a shipped profile by id, for a clinic to copy.
pub fn builtin_profile_text(id: &str) -> Option<&'static str> {
    BUILTIN
        .iter()
        .find(|(name, _)| name.strip_suffix(".toml") == Some(id))
        .map(|(_, text)| *text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_profiles_parse() {
        let profiles = builtin_profiles().expect("shipped profiles are valid");
        let ids: Vec<&str> = profiles.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, vec!["generic", "migraine-buddy"]);
        let mb = &profiles[1];
        assert_eq!(mb.start.column, "Started");
        assert_eq!(
            mb.duration.as_ref().map(|d| d.column.as_str()),
            Some("Lasted")
        );
        assert_eq!(mb.pain.column, "Pain Level");
        assert_eq!(mb.extra_columns, ExtraColumns::Ignore);
        assert!(
            builtin_profile_text("migraine-buddy")
                .is_some_and(|t| t.contains("[unverified default]"))
        );
        assert_eq!(
            AttackProfile::lookup_term(&mb.symptoms[0], "  Sensitivity   to LIGHT "),
            Some(Some("photophobia"))
        );
        assert_eq!(
            AttackProfile::lookup_term(&mb.symptoms[0], "Neck pain"),
            Some(None)
        );
        assert_eq!(AttackProfile::lookup_term(&mb.symptoms[0], "Yawning"), None);
    }

    const MINIMAL: &str = "id = \"x\"\nname = \"X\"\n[start]\ncolumn = \"s\"\nformats = [\"%Y-%m-%d %H:%M\"]\n[duration]\ncolumn = \"d\"\n[pain]\ncolumn = \"p\"\n";

    #[test]
    fn bad_profiles_name_the_file_and_the_problem() {
        parse_profile(MINIMAL, "x.toml").expect("minimal profile");
        let err = parse_profile(
            &MINIMAL.replace("[duration]\ncolumn = \"d\"\n", ""),
            "x.toml",
        )
        .expect_err("no end");
        assert!(err.to_string().contains("an end or a duration"), "{err}");
        let err = parse_profile(&format!("{MINIMAL}colour = \"red\"\n"), "x.toml")
            .expect_err("unknown key");
        assert!(err.to_string().starts_with("x.toml: line"), "{err}");
        assert!(err.to_string().contains("colour"), "{err}");
        let err = parse_profile(
            &format!(
                "{MINIMAL}[[symptoms]]\ncolumn = \"y\"\nseparators = [\";\"]\n[symptoms.terms]\nsick = \"queasy\"\n"
            ),
            "x.toml",
        )
        .expect_err("unknown feature");
        assert!(err.to_string().contains("'queasy'"), "{err}");
        let err = parse_profile(&MINIMAL.replace("%Y-%m-%d %H:%M", "%Y-%Q"), "x.toml")
            .expect_err("bad format");
        assert!(err.to_string().contains("not a chrono"), "{err}");
        let err = parse_profile(
            &MINIMAL.replace("column = \"p\"", "column = \"S\""),
            "x.toml",
        )
        .expect_err("twice");
        assert!(err.to_string().contains("named twice"), "{err}");
        let err = parse_profile(&format!("delimiter = \";;\"\n{MINIMAL}"), "x.toml")
            .expect_err("delimiter");
        assert!(err.to_string().contains("one ASCII character"), "{err}");
    }
}
