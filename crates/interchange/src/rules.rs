//! Eligibility rule-set files (TOML). The shipped rule sets live in `rules/` at the repository root
//! and are embedded in the binary; a clinic adds its own files beside them.

use cephalog_core::rules::RuleSet;

/// The rule sets Cephalog ships, by file name and text.
const BUILTIN: [(&str, &str); 4] = [
    (
        "fda-label.toml",
        include_str!("../../../rules/fda-label.toml"),
    ),
    (
        "nice-ta260.toml",
        include_str!("../../../rules/nice-ta260.toml"),
    ),
    ("wa-lni.toml", include_str!("../../../rules/wa-lni.toml")),
    ("evicore.toml", include_str!("../../../rules/evicore.toml")),
];

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}: {reason}")]
pub struct RuleFileError {
    pub origin: String,
    pub reason: String,
}

/// Parses one rule-set file; `origin` names it in errors (with line and column from the parser).
pub fn parse_rule_set(text: &str, origin: &str) -> Result<RuleSet, RuleFileError> {
    let rules: RuleSet = toml::from_str(text).map_err(|e| {
        let at = e
            .span()
            .map(|s| {
                let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                format!("line {line}: ")
            })
            .unwrap_or_default();
        RuleFileError {
            origin: origin.to_owned(),
            reason: format!("{at}{}", e.message()),
        }
    })?;
    rules.check().map_err(|e| RuleFileError {
        origin: origin.to_owned(),
        reason: e.to_string(),
    })?;
    Ok(rules)
}

/// The shipped rule sets.
pub fn builtin_rule_sets() -> Result<Vec<RuleSet>, RuleFileError> {
    BUILTIN
        .iter()
        .map(|(name, text)| parse_rule_set(text, name))
        .collect()
}

#[cfg(test)]
mod tests {
    use cephalog_core::preset::DayPreset;
    use cephalog_core::rules::{ContinuationKind, CriterionKind};

    use super::*;

    #[test]
    fn the_shipped_rule_sets_parse_and_name_their_presets() {
        let sets = builtin_rule_sets().expect("shipped rule sets are valid");
        let ids: Vec<&str> = sets.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, vec!["fda-label", "nice-ta260", "wa-lni", "evicore"]);
        assert_eq!(
            sets[0].preset,
            DayPreset::Label4h,
            "the label counts 4-hour days"
        );
        for r in &sets {
            assert!(!r.source.is_empty());
            for c in &r.criteria {
                assert!(!c.source.is_empty(), "{}: {}", r.id, c.id);
            }
        }
        let nice = &sets[1];
        assert!(nice.criteria.iter().any(|c| c.kind
            == CriterionKind::FailedPreventives {
                min_count: 3,
                min_classes: 0,
                min_trial_days: None
            }));
        assert!(
            nice.continuation
                .iter()
                .any(|c| matches!(c.kind, ContinuationKind::StopWhenEpisodic { months: 3, .. }))
        );
        let wa = &sets[2];
        assert!(wa.continuation.iter().any(|c| matches!(
            c.kind,
            ContinuationKind::MinReductionAfterCycles { strict: true, .. }
        )));
        assert!(
            wa.criteria.iter().any(|c| c.unverified),
            "the 90-day reading of 3 months is marked"
        );
    }

    #[test]
    fn bad_files_name_the_line_and_the_problem() {
        let err = parse_rule_set("id = \"x\"\nname = \"x\"\nversion = \"1\"\nsource = \"s\"\npreset = \"6h\"\ncriteria = []\n", "x.toml")
            .expect_err("bad preset");
        assert!(err.to_string().starts_with("x.toml: line 5"), "{err}");
        assert!(err.to_string().contains("6h"), "{err}");
        let err = parse_rule_set(
            "id = \"x\"\nname = \"x\"\nversion = \"1\"\nsource = \"s\"\npreset = \"any\"\n[[criteria]]\nid = \"a\"\nkind = \"shoe_size\"\ndescription = \"d\"\nsource = \"s\"\n",
            "x.toml",
        )
        .expect_err("unknown kind");
        assert!(err.to_string().contains("shoe_size"), "{err}");
        let err = parse_rule_set(
            "id = \"x\"\nname = \"x\"\nversion = \"1\"\nsource = \"s\"\npreset = \"any\"\n[[criteria]]\nid = \"a\"\nkind = \"headache_days\"\nmin_per_month = 15.0\nmonths = 0\ndescription = \"d\"\nsource = \"s\"\n",
            "x.toml",
        )
        .expect_err("zero months");
        assert!(err.to_string().contains("months must be 1–24"), "{err}");
    }
}
