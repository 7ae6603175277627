//! Acute headache medicines and their ICHD-3 8.2 classes.
//!
//! The built-in dictionary maps generic names (and a few common brand names) to the classes of the
//! ICHD-3 8.2: ergotamine, triptans, opioids, non-opioid ("simple") analgesics — one
//! class for paracetamol, NSAIDs and ASA — and combination analgesics, plus gepants, ditans and
//! other acute medicines. A clinic adds its own names; an unknown name is an error that suggests the
//! nearest known ones.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::Serialize;

/// An acute-medication class as ICHD-3 8.2 counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DrugClass {
    Triptan,
    Ergot,
    Opioid,
    NonOpioid,
    Combination,
    Gepant,
    Ditan,
    Other,
}

impl DrugClass {
    pub const ALL: [DrugClass; 8] = [
        DrugClass::Triptan,
        DrugClass::Ergot,
        DrugClass::Opioid,
        DrugClass::NonOpioid,
        DrugClass::Combination,
        DrugClass::Gepant,
        DrugClass::Ditan,
        DrugClass::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DrugClass::Triptan => "triptan",
            DrugClass::Ergot => "ergot",
            DrugClass::Opioid => "opioid",
            DrugClass::NonOpioid => "non_opioid",
            DrugClass::Combination => "combination",
            DrugClass::Gepant => "gepant",
            DrugClass::Ditan => "ditan",
            DrugClass::Other => "other",
        }
    }

    /// Migraine-specific acute medicines: a headache day on which one was taken counts as a
    /// migraine day (ICHD-3 1.3 C: relieved by a triptan or ergot derivative) [V].
    pub fn is_migraine_specific(self) -> bool {
        matches!(
            self,
            DrugClass::Triptan | DrugClass::Ergot | DrugClass::Gepant | DrugClass::Ditan
        )
    }
}

impl fmt::Display for DrugClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for DrugClass {
    type Err = DrugError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let n = normalise_name(s).replace(['-', ' '], "_");
        DrugClass::ALL
            .into_iter()
            .find(|c| c.as_str() == n)
            .ok_or_else(|| DrugError::UnknownClass {
                name: s.to_owned(),
                known: DrugClass::ALL.map(DrugClass::as_str).join(", "),
            })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DrugError {
    #[error("unknown medicine '{name}'{}", suggestion_text(.suggestions))]
    Unknown {
        name: String,
        suggestions: Vec<String>,
    },
    #[error("unknown medicine class '{name}' (known: {known})")]
    UnknownClass { name: String, known: String },
    #[error("medicine name is empty")]
    Empty,
    #[error("'{0}' is already in the dictionary")]
    AlreadyKnown(String),
}

fn suggestion_text(s: &[String]) -> String {
    if s.is_empty() {
        "; add it to the clinic's dictionary with its class".to_owned()
    } else {
        format!(
            "; did you mean {}? Or add it to the clinic's dictionary with its class",
            s.join(", ")
        )
    }
}

/// What the dictionary knows about one name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrugEntry {
    /// The name as the dictionary spells it.
    pub name: String,
    pub class: DrugClass,
    /// True when the medicine contains a migraine-specific ingredient (a triptan in a combination
    /// product counts).
    pub migraine_specific: bool,
    /// Where the entry comes from: built in, or the clinic's own dictionary.
    pub source: EntrySource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntrySource {
    BuiltIn,
    Clinic,
    ClassName,
}

/// Single ingredients. `adjuvant` marks caffeine-like adjuvants that make a combination analgesic
/// (ICHD-3 8.2.5: a combination analgesic joins drugs of ≥2 classes, analgesic or adjuvant).
const INGREDIENTS: &[(&str, DrugClass, bool)] = &[
    // Triptans, ICHD-3 8.2.2.
    ("almotriptan", DrugClass::Triptan, false),
    ("eletriptan", DrugClass::Triptan, false),
    ("frovatriptan", DrugClass::Triptan, false),
    ("naratriptan", DrugClass::Triptan, false),
    ("rizatriptan", DrugClass::Triptan, false),
    ("sumatriptan", DrugClass::Triptan, false),
    ("zolmitriptan", DrugClass::Triptan, false),
    // Ergots, ICHD-3 8.2.1.
    ("ergotamine", DrugClass::Ergot, false),
    ("dihydroergotamine", DrugClass::Ergot, false),
    // Opioids, ICHD-3 8.2.4.
    ("buprenorphine", DrugClass::Opioid, false),
    ("butorphanol", DrugClass::Opioid, false),
    ("codeine", DrugClass::Opioid, false),
    ("dihydrocodeine", DrugClass::Opioid, false),
    ("hydrocodone", DrugClass::Opioid, false),
    ("hydromorphone", DrugClass::Opioid, false),
    ("morphine", DrugClass::Opioid, false),
    ("oxycodone", DrugClass::Opioid, false),
    ("pethidine", DrugClass::Opioid, false),
    ("tapentadol", DrugClass::Opioid, false),
    ("tramadol", DrugClass::Opioid, false),
    // Non-opioid analgesics: paracetamol, NSAIDs and ASA are one class, ICHD-3 8.2.3.
    ("aspirin", DrugClass::NonOpioid, false),
    ("celecoxib", DrugClass::NonOpioid, false),
    ("dexketoprofen", DrugClass::NonOpioid, false),
    ("diclofenac", DrugClass::NonOpioid, false),
    ("etoricoxib", DrugClass::NonOpioid, false),
    ("flurbiprofen", DrugClass::NonOpioid, false),
    ("ibuprofen", DrugClass::NonOpioid, false),
    ("indomethacin", DrugClass::NonOpioid, false),
    ("ketoprofen", DrugClass::NonOpioid, false),
    ("ketorolac", DrugClass::NonOpioid, false),
    ("mefenamic acid", DrugClass::NonOpioid, false),
    ("meloxicam", DrugClass::NonOpioid, false),
    ("metamizole", DrugClass::NonOpioid, false),
    ("naproxen", DrugClass::NonOpioid, false),
    ("paracetamol", DrugClass::NonOpioid, false),
    ("piroxicam", DrugClass::NonOpioid, false),
    ("tolfenamic acid", DrugClass::NonOpioid, false),
    // Gepants (acute CGRP receptor antagonists).
    ("atogepant", DrugClass::Gepant, false),
    ("rimegepant", DrugClass::Gepant, false),
    ("ubrogepant", DrugClass::Gepant, false),
    ("zavegepant", DrugClass::Gepant, false),
    // Ditans.
    ("lasmiditan", DrugClass::Ditan, false),
    // Adjuvants and other acute medicines.
    ("butalbital", DrugClass::Other, true),
    ("caffeine", DrugClass::Other, true),
    ("domperidone", DrugClass::Other, false),
    ("metoclopramide", DrugClass::Other, false),
    ("prochlorperazine", DrugClass::Other, false),
];

/// Other spellings of single ingredients.
const SYNONYMS: &[(&str, &str)] = &[
    ("acetaminophen", "paracetamol"),
    ("apap", "paracetamol"),
    ("acetylsalicylic acid", "aspirin"),
    ("asa", "aspirin"),
    ("dipyrone", "metamizole"),
    ("dhe", "dihydroergotamine"),
    ("indometacin", "indomethacin"),
    ("meperidine", "pethidine"),
    // Brand names of single ingredients.
    ("imitrex", "sumatriptan"),
    ("imigran", "sumatriptan"),
    ("maxalt", "rizatriptan"),
    ("zomig", "zolmitriptan"),
    ("relpax", "eletriptan"),
    ("nurtec", "rimegepant"),
    ("vydura", "rimegepant"),
    ("ubrelvy", "ubrogepant"),
    ("zavzpret", "zavegepant"),
    ("reyvow", "lasmiditan"),
    ("tylenol", "paracetamol"),
    ("advil", "ibuprofen"),
    ("nurofen", "ibuprofen"),
    ("aleve", "naproxen"),
];

/// Combination products by name, resolved to their ingredients.
const PRODUCTS: &[(&str, &str)] = &[
    ("co-codamol", "paracetamol+codeine"),
    ("tylenol with codeine", "paracetamol+codeine"),
    ("excedrin", "aspirin+paracetamol+caffeine"),
    ("fioricet", "butalbital+paracetamol+caffeine"),
    ("fiorinal", "butalbital+aspirin+caffeine"),
    ("vicodin", "hydrocodone+paracetamol"),
    ("percocet", "oxycodone+paracetamol"),
    ("treximet", "sumatriptan+naproxen"),
    ("cafergot", "ergotamine+caffeine"),
];

/// Lower-case, trimmed, inner white space folded, and " + " written "+": the form the dictionary
/// keys names by.
pub fn normalise_name(s: &str) -> String {
    let folded = s
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase();
    folded
        .split('+')
        .map(str::trim)
        .collect::<Vec<_>>()
        .join("+")
}

/// The acute-medication dictionary: built-in names plus the clinic's own.
#[derive(Debug, Clone)]
pub struct DrugDictionary {
    clinic: BTreeMap<String, DrugClass>,
}

impl Default for DrugDictionary {
    fn default() -> Self {
        Self::builtin()
    }
}

impl DrugDictionary {
    /// The dictionary with built-in names only.
    pub fn builtin() -> Self {
        DrugDictionary {
            clinic: BTreeMap::new(),
        }
    }

    /// Adds a clinic name. A name the dictionary already resolves is an error, so a clinic cannot
    /// silently reclassify a built-in medicine.
    pub fn add_clinic_entry(&mut self, name: &str, class: DrugClass) -> Result<(), DrugError> {
        let n = normalise_name(name);
        if n.is_empty() {
            return Err(DrugError::Empty);
        }
        if self.lookup(&n).is_ok() {
            return Err(DrugError::AlreadyKnown(name.trim().to_owned()));
        }
        self.clinic.insert(n, class);
        Ok(())
    }

    pub fn clinic_entries(&self) -> impl Iterator<Item = (&str, DrugClass)> {
        self.clinic.iter().map(|(n, c)| (n.as_str(), *c))
    }

    fn ingredient(name: &str) -> Option<(&'static str, DrugClass, bool)> {
        let canonical = SYNONYMS
            .iter()
            .find(|(s, _)| *s == name)
            .map_or(name, |(_, c)| *c);
        INGREDIENTS
            .iter()
            .find(|(n, _, _)| *n == canonical)
            .copied()
    }

    /// Resolves a name (a drug, a product, a `+`-joined combination of known ingredients, a class
    /// name, or a clinic entry) to its class.
    pub fn lookup(&self, name: &str) -> Result<DrugEntry, DrugError> {
        let n = normalise_name(name);
        if n.is_empty() {
            return Err(DrugError::Empty);
        }
        if let Ok(class) = n.parse::<DrugClass>() {
            return Ok(DrugEntry {
                name: class.as_str().to_owned(),
                class,
                migraine_specific: class.is_migraine_specific(),
                source: EntrySource::ClassName,
            });
        }
        if let Some(&class) = self.clinic.get(&n) {
            return Ok(DrugEntry {
                name: n,
                class,
                migraine_specific: class.is_migraine_specific(),
                source: EntrySource::Clinic,
            });
        }
        let expanded = PRODUCTS
            .iter()
            .find(|(p, _)| *p == n)
            .map_or(n.as_str(), |(_, i)| *i);
        let parts: Vec<&str> = expanded.split('+').collect();
        let mut ingredients = Vec::with_capacity(parts.len());
        for part in &parts {
            match Self::ingredient(part) {
                Some(i) => ingredients.push(i),
                None => {
                    return Err(DrugError::Unknown {
                        name: name.trim().to_owned(),
                        suggestions: self.suggest(&n),
                    });
                }
            }
        }
        ingredients.sort_by_key(|i| i.0);
        ingredients.dedup_by_key(|i| i.0);
        let class = combine(&ingredients);
        Ok(DrugEntry {
            name: ingredients
                .iter()
                .map(|i| i.0)
                .collect::<Vec<_>>()
                .join("+"),
            class,
            migraine_specific: ingredients.iter().any(|i| i.1.is_migraine_specific()),
            source: EntrySource::BuiltIn,
        })
    }

    /// Up to three known names closest to `n` (Jaro–Winkler similarity of at least 0.8).
    fn suggest(&self, n: &str) -> Vec<String> {
        let mut scored: Vec<(f64, String)> = self
            .known_names()
            .map(|k| (strsim::jaro_winkler(n, &k), k))
            .filter(|(s, _)| *s >= 0.8)
            .collect();
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.dedup_by(|a, b| a.1 == b.1);
        scored.into_iter().take(3).map(|(_, k)| k).collect()
    }

    /// Every name the dictionary resolves, class names included.
    pub fn known_names(&self) -> impl Iterator<Item = String> + '_ {
        INGREDIENTS
            .iter()
            .map(|i| i.0.to_owned())
            .chain(SYNONYMS.iter().map(|s| s.0.to_owned()))
            .chain(PRODUCTS.iter().map(|p| p.0.to_owned()))
            .chain(DrugClass::ALL.iter().map(|c| c.as_str().to_owned()))
            .chain(self.clinic.keys().cloned())
    }
}

/// The class of a product from its ingredients. One ingredient: its class. Several: two or more
/// non-opioid analgesics without an adjuvant stay `non_opioid`; ergotamine with caffeine stays
/// `ergot` (ICHD-3 8.2.1 counts ergotamine in any formulation) [U]; anything that joins drugs of two
/// or more classes, or an analgesic with an adjuvant, is a combination analgesic (ICHD-3
/// 8.2.5) [V].
fn combine(ingredients: &[(&str, DrugClass, bool)]) -> DrugClass {
    let active: Vec<DrugClass> = ingredients.iter().filter(|i| !i.2).map(|i| i.1).collect();
    let has_adjuvant = ingredients.iter().any(|i| i.2);
    match (active.as_slice(), has_adjuvant) {
        ([], _) => DrugClass::Other,
        ([only], false) => *only,
        (all, false) if all.iter().all(|c| *c == all[0]) => all[0],
        (all, true) if all.iter().all(|c| *c == DrugClass::Ergot) => DrugClass::Ergot,
        _ => DrugClass::Combination,
    }
}

/// Splits "sumatriptan 50mg" into the name and the dose: the dose starts at the first word that
/// begins with a digit.
pub fn split_name_and_dose(s: &str) -> (String, Option<String>) {
    let words: Vec<&str> = s.split_whitespace().collect();
    let at = words
        .iter()
        .position(|w| w.starts_with(|c: char| c.is_ascii_digit() || c == '.'));
    match at {
        Some(i) if i > 0 => (words[..i].join(" "), Some(words[i..].join(" "))),
        _ => (words.join(" "), None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn class(name: &str) -> DrugClass {
        DrugDictionary::builtin().lookup(name).expect(name).class
    }

    #[test]
    fn every_required_generic_resolves_to_its_class() {
        for t in [
            "sumatriptan",
            "rizatriptan",
            "zolmitriptan",
            "naratriptan",
            "almotriptan",
            "eletriptan",
            "frovatriptan",
        ] {
            assert_eq!(class(t), DrugClass::Triptan, "{t}");
        }
        assert_eq!(class("ergotamine"), DrugClass::Ergot);
        assert_eq!(class("Dihydroergotamine"), DrugClass::Ergot);
        for o in [
            "codeine",
            "tramadol",
            "oxycodone",
            "hydrocodone",
            "morphine",
            "tapentadol",
        ] {
            assert_eq!(class(o), DrugClass::Opioid, "{o}");
        }
        for n in [
            "paracetamol",
            "acetaminophen",
            "aspirin",
            "ibuprofen",
            "naproxen",
            "diclofenac",
            "metamizole",
        ] {
            assert_eq!(class(n), DrugClass::NonOpioid, "{n}");
        }
        for g in ["rimegepant", "ubrogepant", "zavegepant", "atogepant"] {
            assert_eq!(class(g), DrugClass::Gepant, "{g}");
        }
        assert_eq!(class("lasmiditan"), DrugClass::Ditan);
    }

    #[test]
    fn combinations_follow_the_ichd_rule() {
        assert_eq!(class("paracetamol+codeine"), DrugClass::Combination);
        assert_eq!(class("codeine + paracetamol"), DrugClass::Combination);
        assert_eq!(
            class("aspirin+paracetamol+caffeine"),
            DrugClass::Combination
        );
        assert_eq!(class("co-codamol"), DrugClass::Combination);
        // Two non-opioid analgesics without an adjuvant are not a combination analgesic.
        assert_eq!(class("aspirin+paracetamol"), DrugClass::NonOpioid);
        assert_eq!(class("ergotamine+caffeine"), DrugClass::Ergot);
        let treximet = DrugDictionary::builtin().lookup("Treximet").expect("known");
        assert_eq!(treximet.class, DrugClass::Combination);
        assert!(
            treximet.migraine_specific,
            "a triptan inside a combination is migraine-specific"
        );
        assert!(
            !DrugDictionary::builtin()
                .lookup("co-codamol")
                .expect("known")
                .migraine_specific
        );
    }

    #[test]
    fn class_names_stand_for_themselves() {
        assert_eq!(class("triptan"), DrugClass::Triptan);
        assert_eq!(class("non-opioid"), DrugClass::NonOpioid);
        assert_eq!(class("NON_OPIOID"), DrugClass::NonOpioid);
        assert!(
            DrugDictionary::builtin()
                .lookup("gepant")
                .expect("class")
                .migraine_specific
        );
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let err = DrugDictionary::builtin()
            .lookup("sumatriptn")
            .expect_err("misspelt");
        let DrugError::Unknown { suggestions, .. } = &err else {
            panic!("wrong error {err:?}")
        };
        assert_eq!(suggestions.first().map(String::as_str), Some("sumatriptan"));
        assert!(err.to_string().contains("did you mean sumatriptan"));
        let err = DrugDictionary::builtin()
            .lookup("qqqqqq")
            .expect_err("nothing near");
        assert!(
            err.to_string()
                .contains("add it to the clinic's dictionary")
        );
        assert!(DrugDictionary::builtin().lookup("ibuprofen+qqq").is_err());
    }

    #[test]
    fn clinic_entries_extend_but_never_override() {
        let mut d = DrugDictionary::builtin();
        assert!(d.lookup("Migraleve").is_err());
        d.add_clinic_entry("Migraleve", DrugClass::Combination)
            .expect("new");
        assert_eq!(
            d.lookup("migraleve").expect("now known").source,
            EntrySource::Clinic
        );
        assert_eq!(
            d.add_clinic_entry("ibuprofen", DrugClass::Opioid),
            Err(DrugError::AlreadyKnown("ibuprofen".into()))
        );
    }

    #[test]
    fn doses_split_from_names() {
        assert_eq!(
            split_name_and_dose("sumatriptan 50mg"),
            ("sumatriptan".into(), Some("50mg".into()))
        );
        assert_eq!(
            split_name_and_dose(" mefenamic  acid 500 mg"),
            ("mefenamic acid".into(), Some("500 mg".into()))
        );
        assert_eq!(split_name_and_dose("triptan"), ("triptan".into(), None));
        assert_eq!(
            split_name_and_dose("co-codamol 30/500"),
            ("co-codamol".into(), Some("30/500".into()))
        );
    }
}
