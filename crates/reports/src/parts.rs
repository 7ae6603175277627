//! Blocks several reports share: the patient's identification and the closing note.

use chrono::NaiveDate;

use cephalog_store::PatientRecord;

use crate::markup::{escape, facts};

/// A date as the reports print it: ISO 8601, unambiguous across countries.
pub fn date(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// The patient's diagnoses as recorded, e.g. "ICHD-3 1.3 chronic migraine (onset 2019-05-01)".
pub fn diagnoses(r: &PatientRecord) -> Vec<String> {
    r.patient
        .diagnoses()
        .iter()
        .map(|d| {
            format!(
                "ICHD-3 {} {}{}",
                d.code.code(),
                d.code.name(),
                d.onset
                    .map(|o| format!(" (onset {})", date(o)))
                    .unwrap_or_default()
            )
        })
        .collect()
}

/// Name, date of birth with age on `on`, sex, record number, Cephalog id and diagnoses.
pub fn patient_block(r: &PatientRecord, on: NaiveDate) -> String {
    let p = &r.patient;
    let dx = diagnoses(r);
    facts(&[
        ("Patient", p.name().to_owned()),
        (
            "Date of birth",
            format!(
                "{} (age {} on {})",
                date(p.date_of_birth()),
                p.age_on(on),
                date(on)
            ),
        ),
        (
            "Sex",
            p.sex()
                .map_or_else(|| "not recorded".to_owned(), |s| s.to_string()),
        ),
        (
            "Record number",
            p.mrn().map_or_else(|| "none".to_owned(), str::to_owned),
        ),
        ("Cephalog id", r.id.to_string()),
        (
            "Diagnoses recorded",
            if dx.is_empty() {
                "none".to_owned()
            } else {
                dx.join("; ")
            },
        ),
    ])
}

/// The note every report ends with: what the figures are and are not.
pub fn decision_support_note(made_on: NaiveDate) -> String {
    format!(
        "#v(4pt)\n#text(size: 7pt, fill: luma(70))[{}]\n",
        escape(&format!(
            "Made by Cephalog on {} from the records held on that date. Diary figures support \
             clinical judgement and do not replace it: \"meets diary criteria for\" is not a \
             diagnosis. Figures marked [unverified default] rest on a default the clinic should \
             confirm.",
            date(made_on)
        ))
    )
}
