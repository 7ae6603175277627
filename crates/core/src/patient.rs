//! Patients and their ICHD-3 diagnoses.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::Serialize;

/// Errors in patient data, each naming the field at fault.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PatientError {
    #[error("name: must not be empty")]
    EmptyName,
    #[error("date of birth: {dob} is after {today}")]
    BirthInFuture { dob: NaiveDate, today: NaiveDate },
    #[error("sex: '{0}' is not one of female, male, other")]
    UnknownSex(String),
    #[error("diagnosis: '{code}' is not a known ICHD-3 code (known: {known})")]
    UnknownDiagnosis { code: String, known: String },
    #[error("diagnosis: onset {onset} is before the date of birth {dob}")]
    OnsetBeforeBirth { onset: NaiveDate, dob: NaiveDate },
    #[error("diagnosis: {0} is recorded twice")]
    DuplicateDiagnosis(DiagnosisCode),
    #[error(transparent)]
    Limit(#[from] crate::limits::LimitError),
}

impl PatientError {
    /// The patient field the error is about.
    pub fn field(&self) -> &'static str {
        match self {
            PatientError::EmptyName => "name",
            PatientError::BirthInFuture { .. } => "date_of_birth",
            PatientError::UnknownSex(_) => "sex",
            PatientError::UnknownDiagnosis { .. }
            | PatientError::OnsetBeforeBirth { .. }
            | PatientError::DuplicateDiagnosis(_) => "diagnoses",
            PatientError::Limit(l) => l.field,
        }
    }
}

/// Administrative sex as recorded by the clinic.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Sex {
    Female,
    Male,
    Other,
}

impl Sex {
    pub fn as_str(self) -> &'static str {
        match self {
            Sex::Female => "female",
            Sex::Male => "male",
            Sex::Other => "other",
        }
    }
}

impl FromStr for Sex {
    type Err = PatientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "female" | "f" => Ok(Sex::Female),
            "male" | "m" => Ok(Sex::Male),
            "other" | "o" => Ok(Sex::Other),
            _ => Err(PatientError::UnknownSex(s.to_owned())),
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The ICD-10-CM code written beside an ICHD-3 diagnosis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Icd10Cm {
    pub code: &'static str,
    pub display: &'static str,
    /// `[V2]` or `[U]`, with what was checked.
    pub status: &'static str,
}

/// ICD-10-CM for an ICHD-3 diagnosis. Cephalog does not record intractability or status
/// migrainosus, so the codes are the "not intractable, without status migrainosus" ones, which
/// ICD-10-CM makes the NOS default; a coder changes them when the record says otherwise.
pub fn icd10cm(code: DiagnosisCode) -> Icd10Cm {
    match code {
        DiagnosisCode::MigraineWithoutAura => Icd10Cm {
            code: "G43.009",
            display: "Migraine without aura, not intractable, without status migrainosus",
            status: "[V2] code book (inclusion term: migraine without aura NOS)",
        },
        DiagnosisCode::MigraineWithAura => Icd10Cm {
            code: "G43.109",
            display: "Migraine with aura, not intractable, without status migrainosus",
            status: "[V2] code book (inclusion term: migraine with aura NOS)",
        },
        DiagnosisCode::ChronicMigraine => Icd10Cm {
            code: "G43.709",
            display: "Chronic migraine without aura, not intractable, without status migrainosus",
            status: "[V2] ICD-10-CM (CDC/CMS); chronic migraine with aura is G43.E09 (FY2025), not chosen because ICHD-3 1.3 does not say",
        },
        DiagnosisCode::ProbableMigraine => Icd10Cm {
            code: "G43.909",
            display: "Migraine, unspecified, not intractable, without status migrainosus",
            status: "[U] ICD-10-CM has no probable-migraine code; unspecified migraine is Cephalog's choice",
        },
        DiagnosisCode::ChronicTensionType => Icd10Cm {
            code: "G44.229",
            display: "Chronic tension-type headache, not intractable",
            status: "[V2] code book (inclusion term: chronic tension-type headache NOS)",
        },
        DiagnosisCode::MedicationOveruse => Icd10Cm {
            code: "G44.40",
            display: "Drug-induced headache, not elsewhere classified, not intractable",
            status: "[V2] code book (G44.4 inclusion term: medication overuse headache); G44.41 if intractable",
        },
        DiagnosisCode::OccipitalNeuralgia => Icd10Cm {
            code: "M54.81",
            display: "Occipital neuralgia",
            status: "[V2] ICD-10-CM (CDC/CMS) M54.81; ICHD-3 13.4",
        },
    }
}

/// The ICHD-3 diagnoses Cephalog works with (ICHD-3, Cephalalgia 2018;38(1):1–211) [V].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum DiagnosisCode {
    /// 1.1 Migraine without aura.
    #[serde(rename = "1.1")]
    MigraineWithoutAura,
    /// 1.2 Migraine with aura.
    #[serde(rename = "1.2")]
    MigraineWithAura,
    /// 1.3 Chronic migraine.
    #[serde(rename = "1.3")]
    ChronicMigraine,
    /// 1.5 Probable migraine.
    #[serde(rename = "1.5")]
    ProbableMigraine,
    /// 2.3 Chronic tension-type headache.
    #[serde(rename = "2.3")]
    ChronicTensionType,
    /// 8.2 Medication-overuse headache.
    #[serde(rename = "8.2")]
    MedicationOveruse,
    /// 13.4 Occipital neuralgia.
    #[serde(rename = "13.4")]
    OccipitalNeuralgia,
}

impl DiagnosisCode {
    pub const ALL: [DiagnosisCode; 7] = [
        DiagnosisCode::MigraineWithoutAura,
        DiagnosisCode::MigraineWithAura,
        DiagnosisCode::ChronicMigraine,
        DiagnosisCode::ProbableMigraine,
        DiagnosisCode::ChronicTensionType,
        DiagnosisCode::MedicationOveruse,
        DiagnosisCode::OccipitalNeuralgia,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DiagnosisCode::MigraineWithoutAura => "1.1",
            DiagnosisCode::MigraineWithAura => "1.2",
            DiagnosisCode::ChronicMigraine => "1.3",
            DiagnosisCode::ProbableMigraine => "1.5",
            DiagnosisCode::ChronicTensionType => "2.3",
            DiagnosisCode::MedicationOveruse => "8.2",
            DiagnosisCode::OccipitalNeuralgia => "13.4",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            DiagnosisCode::MigraineWithoutAura => "migraine without aura",
            DiagnosisCode::MigraineWithAura => "migraine with aura",
            DiagnosisCode::ChronicMigraine => "chronic migraine",
            DiagnosisCode::ProbableMigraine => "probable migraine",
            DiagnosisCode::ChronicTensionType => "chronic tension-type headache",
            DiagnosisCode::MedicationOveruse => "medication-overuse headache",
            DiagnosisCode::OccipitalNeuralgia => "occipital neuralgia",
        }
    }

    /// ICHD-3 group 1 (migraine). Probable-migraine days count as migraine days only in a patient
    /// with such a diagnosis (ICHD-3 1.5) [V].
    pub fn is_migraine(self) -> bool {
        matches!(
            self,
            DiagnosisCode::MigraineWithoutAura
                | DiagnosisCode::MigraineWithAura
                | DiagnosisCode::ChronicMigraine
                | DiagnosisCode::ProbableMigraine
        )
    }
}

impl FromStr for DiagnosisCode {
    type Err = PatientError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        DiagnosisCode::ALL
            .into_iter()
            .find(|c| c.code() == t)
            .ok_or_else(|| PatientError::UnknownDiagnosis {
                code: s.to_owned(),
                known: DiagnosisCode::ALL
                    .iter()
                    .map(|c| format!("{} {}", c.code(), c.name()))
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }
}

impl fmt::Display for DiagnosisCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.code(), self.name())
    }
}

/// A diagnosis recorded by a clinician, with its onset where known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnosis {
    pub code: DiagnosisCode,
    pub onset: Option<NaiveDate>,
}

/// A patient. Constructed through [`Patient::new`], which checks every field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Patient {
    name: String,
    date_of_birth: NaiveDate,
    sex: Option<Sex>,
    mrn: Option<String>,
    diagnoses: Vec<Diagnosis>,
    notes: String,
}

impl Patient {
    /// A new patient: a name, a date of birth from
    /// [`crate::limits::EARLIEST_DATE_OF_BIRTH`] to `today`, and text within
    /// [`crate::limits`].
    pub fn new(
        name: &str,
        date_of_birth: NaiveDate,
        sex: Option<Sex>,
        mrn: Option<String>,
        notes: String,
        today: NaiveDate,
    ) -> Result<Self, PatientError> {
        use crate::limits::{
            MAX_MRN_CHARS, MAX_NAME_CHARS, MAX_NOTE_CHARS, check_date_of_birth, check_text,
        };
        if date_of_birth > today {
            return Err(PatientError::BirthInFuture {
                dob: date_of_birth,
                today,
            });
        }
        check_date_of_birth(date_of_birth, today)?;
        let p = Self::build(name, date_of_birth, sex, mrn, notes)?;
        check_text("name", &p.name, MAX_NAME_CHARS)?;
        if let Some(mrn) = &p.mrn {
            check_text("mrn", mrn, MAX_MRN_CHARS)?;
        }
        check_text("notes", &p.notes, MAX_NOTE_CHARS)?;
        Ok(p)
    }

    fn build(
        name: &str,
        date_of_birth: NaiveDate,
        sex: Option<Sex>,
        mrn: Option<String>,
        notes: String,
    ) -> Result<Self, PatientError> {
        let name = name.trim();
        if name.is_empty() {
            return Err(PatientError::EmptyName);
        }
        let mrn = mrn.map(|m| m.trim().to_owned()).filter(|m| !m.is_empty());
        Ok(Patient {
            name: name.to_owned(),
            date_of_birth,
            sex,
            mrn,
            diagnoses: Vec::new(),
            notes,
        })
    }

    /// Rebuilds a patient read back from storage (no clock involved, and not re-checked against
    /// limits set after it was stored).
    pub fn restore(
        name: &str,
        date_of_birth: NaiveDate,
        sex: Option<Sex>,
        mrn: Option<String>,
        notes: String,
        diagnoses: Vec<Diagnosis>,
    ) -> Result<Self, PatientError> {
        let mut p = Patient::build(name, date_of_birth, sex, mrn, notes)?;
        for d in diagnoses {
            p.diagnose(d)?;
        }
        Ok(p)
    }

    /// Adds a diagnosis; a code already present is an error.
    pub fn diagnose(&mut self, diagnosis: Diagnosis) -> Result<(), PatientError> {
        if let Some(onset) = diagnosis.onset
            && onset < self.date_of_birth
        {
            return Err(PatientError::OnsetBeforeBirth {
                onset,
                dob: self.date_of_birth,
            });
        }
        if self.diagnoses.iter().any(|d| d.code == diagnosis.code) {
            return Err(PatientError::DuplicateDiagnosis(diagnosis.code));
        }
        self.diagnoses.push(diagnosis);
        self.diagnoses.sort_by_key(|d| d.code);
        Ok(())
    }

    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn date_of_birth(&self) -> NaiveDate {
        self.date_of_birth
    }
    pub fn sex(&self) -> Option<Sex> {
        self.sex
    }
    pub fn mrn(&self) -> Option<&str> {
        self.mrn.as_deref()
    }
    pub fn diagnoses(&self) -> &[Diagnosis] {
        &self.diagnoses
    }
    pub fn notes(&self) -> &str {
        &self.notes
    }

    /// Whether any ICHD-3 group 1 (migraine) diagnosis is recorded.
    pub fn has_migraine_diagnosis(&self) -> bool {
        self.diagnoses.iter().any(|d| d.code.is_migraine())
    }

    /// Age in completed years on `on` (a birthday counts from the day itself; 29 February
    /// birthdays count from 1 March in non-leap years).
    pub fn age_on(&self, on: NaiveDate) -> u32 {
        age_on(self.date_of_birth, on)
    }
}

pub use crate::limits::age_on;

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("test date")
    }

    #[test]
    fn age_turns_on_the_birthday() {
        assert_eq!(age_on(d("2008-05-10"), d("2026-05-09")), 17);
        assert_eq!(age_on(d("2008-05-10"), d("2026-05-10")), 18);
    }

    #[test]
    fn leap_day_birthday_counts_from_first_of_march() {
        assert_eq!(age_on(d("2008-02-29"), d("2026-02-28")), 17);
        assert_eq!(age_on(d("2008-02-29"), d("2026-03-01")), 18);
    }

    #[test]
    fn diagnosis_codes_parse_and_reject_unknown() {
        assert_eq!(
            "1.3".parse::<DiagnosisCode>(),
            Ok(DiagnosisCode::ChronicMigraine)
        );
        assert_eq!(
            " 13.4 ".parse::<DiagnosisCode>(),
            Ok(DiagnosisCode::OccipitalNeuralgia)
        );
        let err = "1.4"
            .parse::<DiagnosisCode>()
            .expect_err("1.4 is not supported");
        assert!(err.to_string().contains("1.3 chronic migraine"));
    }

    #[test]
    fn patient_rejects_future_birth_and_duplicate_diagnosis() {
        let today = d("2026-01-01");
        assert!(Patient::new("A", d("2026-01-02"), None, None, String::new(), today).is_err());
        assert_eq!(
            Patient::new("  ", d("1990-01-01"), None, None, String::new(), today),
            Err(PatientError::EmptyName)
        );
        let mut p = Patient::new(
            "A B",
            d("1990-01-01"),
            Some(Sex::Female),
            Some(" ".into()),
            String::new(),
            today,
        )
        .expect("valid");
        assert_eq!(p.mrn(), None);
        assert!(!p.has_migraine_diagnosis());
        p.diagnose(Diagnosis {
            code: DiagnosisCode::ChronicTensionType,
            onset: None,
        })
        .expect("first");
        assert!(!p.has_migraine_diagnosis());
        p.diagnose(Diagnosis {
            code: DiagnosisCode::ChronicMigraine,
            onset: Some(d("2020-01-01")),
        })
        .expect("second");
        assert!(p.has_migraine_diagnosis());
        assert!(
            p.diagnose(Diagnosis {
                code: DiagnosisCode::ChronicMigraine,
                onset: None
            })
            .is_err()
        );
        assert!(
            p.diagnose(Diagnosis {
                code: DiagnosisCode::MedicationOveruse,
                onset: Some(d("1980-01-01"))
            })
            .is_err()
        );
    }
}
