//! Plausibility limits on what a clinic records: the same in the forms, the API, the CSV and FHIR
//! imports, because every one of them passes through the checks here before anything is stored.
//!
//! None of these is a clinical threshold from a guideline; they bound what can be true of a
//! person and a diary, so that a mistyped year or a runaway upload is refused with its field and
//! reason instead of skewing every figure computed from it. Each constant says why it has its
//! value; the one resting on a clinical convention without a verified source is marked
//! "[unverified default]" where it is shown.

use chrono::NaiveDate;

/// The earliest date of birth accepted. The oldest verified human lifespan is 122 years
/// (Robine & Allard, Science 1998;279:1834), so nobody alive and treated today was born before
/// 1900; a year before it is a typing error.
pub const EARLIEST_DATE_OF_BIRTH: NaiveDate = match NaiveDate::from_ymd_opt(1900, 1, 1) {
    Some(d) => d,
    None => panic!("1900-01-01 is a date"),
};

/// Most paroxysms counted on one day. ICHD-3 13.4 occipital neuralgia describes paroxysms
/// "lasting from a few seconds to minutes", and trigeminal-type attacks can recur many times an
/// hour; a thousand a day (about one a minute while awake) is beyond any reported frequency, so a
/// larger count is a slip of the keyboard.
pub const MAX_PAROXYSMS_PER_DAY: u32 = 1_000;

/// Longest free-text note on a record (a diary day, a session, an adverse event, a patient), in
/// characters: a long paragraph. Longer text belongs in the clinic's letters, not in a field
/// every page shows.
pub const MAX_NOTE_CHARS: usize = 2_000;

/// Longest patient or professional name, in characters.
pub const MAX_NAME_CHARS: usize = 200;

/// Longest medical record number, in characters.
pub const MAX_MRN_CHARS: usize = 64;

/// Youngest age, in whole years on the date taken, at which a questionnaire (MIDAS, HIT-6) is
/// accepted (every instrument: MIDAS, HIT-6, PHQ-9, GAD-7). HIT-6 and PHQ-9 have been used in
/// adolescents from 12; MIDAS is an adult instrument with a
/// paediatric version (PedMIDAS) for younger children. [unverified default]
pub const MIN_QUESTIONNAIRE_AGE_YEARS: u32 = 12;

/// Age in completed years on `on` for someone born on `dob`; 0 when `on` precedes `dob`.
pub fn age_on(dob: NaiveDate, on: NaiveDate) -> u32 {
    use chrono::Datelike;
    if on < dob {
        return 0;
    }
    let mut years = on.year() - dob.year();
    if (on.month(), on.day()) < (dob.month(), dob.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A value outside its plausible range, naming the field and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{field}: {reason}")]
pub struct LimitError {
    pub field: &'static str,
    pub reason: String,
}

impl LimitError {
    pub fn new(field: &'static str, reason: impl Into<String>) -> Self {
        LimitError {
            field,
            reason: reason.into(),
        }
    }
}

/// The dates a patient's record can carry: from the date of birth to today, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateWindow {
    pub born: NaiveDate,
    pub today: NaiveDate,
}

impl DateWindow {
    pub fn new(born: NaiveDate, today: NaiveDate) -> Self {
        DateWindow { born, today }
    }

    /// `date` of the record's `field` lies in the window.
    pub fn check(&self, field: &'static str, date: NaiveDate) -> Result<(), LimitError> {
        check_not_before_birth(field, date, self.born)?;
        if date > self.today {
            return Err(LimitError::new(
                field,
                format!("{date} is in the future (today is {})", self.today),
            ));
        }
        Ok(())
    }
}

/// `date` of the record's `field` is not before the patient's date of birth (no clock involved).
pub fn check_not_before_birth(
    field: &'static str,
    date: NaiveDate,
    born: NaiveDate,
) -> Result<(), LimitError> {
    if date < born {
        return Err(LimitError::new(
            field,
            format!("{date} is before the patient's date of birth ({born})"),
        ));
    }
    Ok(())
}

/// A date of birth from [`EARLIEST_DATE_OF_BIRTH`] up to `today`.
pub fn check_date_of_birth(dob: NaiveDate, today: NaiveDate) -> Result<(), LimitError> {
    if dob < EARLIEST_DATE_OF_BIRTH {
        return Err(LimitError::new(
            "date_of_birth",
            format!("{dob} is before {EARLIEST_DATE_OF_BIRTH}"),
        ));
    }
    if dob > today {
        return Err(LimitError::new(
            "date_of_birth",
            format!("{dob} is in the future (today is {today})"),
        ));
    }
    Ok(())
}

/// Text of the record's `field` is at most `max` characters and holds no NUL character.
pub fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), LimitError> {
    check_no_nul(field, text)?;
    let n = text.chars().count();
    if n > max {
        return Err(LimitError::new(
            field,
            format!("{n} characters is more than the {max} allowed"),
        ));
    }
    Ok(())
}

/// Text holds no NUL character (U+0000): no clinical text has one, and the databases do not
/// keep it (PostgreSQL refuses it in text; SQLite's `length` stops at it, so a text starting with
/// one fails the "not empty" checks).
pub fn check_no_nul(field: &'static str, text: &str) -> Result<(), LimitError> {
    if text.contains('\0') {
        return Err(LimitError::new(
            field,
            "holds a NUL character (U+0000), which cannot be stored",
        ));
    }
    Ok(())
}

/// A count of the record's `field` is at most `max`.
pub fn check_count(field: &'static str, value: u64, max: u64) -> Result<(), LimitError> {
    if value > max {
        return Err(LimitError::new(
            field,
            format!("{value} is more than the {max} allowed"),
        ));
    }
    Ok(())
}

/// A questionnaire taken on `taken_on` by a patient born on `born`: in the date window and at an
/// age of at least [`MIN_QUESTIONNAIRE_AGE_YEARS`].
pub fn check_questionnaire_date(
    window: &DateWindow,
    taken_on: NaiveDate,
) -> Result<(), LimitError> {
    window.check("date", taken_on)?;
    let age = age_on(window.born, taken_on);
    if age < MIN_QUESTIONNAIRE_AGE_YEARS {
        return Err(LimitError::new(
            "date",
            format!(
                "the patient was {age} on {taken_on}; questionnaires are accepted from age \
                 {MIN_QUESTIONNAIRE_AGE_YEARS} [unverified default]"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().expect("date")
    }

    #[test]
    fn the_window_runs_from_birth_to_today_inclusive() {
        let w = DateWindow::new(d("1984-03-02"), d("2026-11-01"));
        assert!(w.check("date", d("1984-03-02")).is_ok());
        assert!(w.check("date", d("2026-11-01")).is_ok());
        let before = w.check("date", d("1984-03-01")).expect_err("before birth");
        assert_eq!(before.field, "date");
        assert!(before.reason.contains("before the patient's date of birth"));
        let after = w.check("date", d("2026-11-02")).expect_err("future");
        assert!(after.reason.contains("in the future"), "{after}");
    }

    #[test]
    fn dates_of_birth_from_1900_to_today() {
        let today = d("2026-11-01");
        assert!(check_date_of_birth(d("1900-01-01"), today).is_ok());
        assert!(check_date_of_birth(d("1899-12-31"), today).is_err());
        assert!(check_date_of_birth(today, today).is_ok());
        assert!(check_date_of_birth(d("2026-11-02"), today).is_err());
        assert!(check_date_of_birth(d("1800-05-05"), today).is_err());
    }

    #[test]
    fn text_and_counts_at_their_limits() {
        assert!(check_text("notes", &"é".repeat(MAX_NOTE_CHARS), MAX_NOTE_CHARS).is_ok());
        // Found by the fuzzer (`cephalog-fuzz`): a name of one NUL was a server error.
        let nul = check_text("name", "\0", MAX_NAME_CHARS).expect_err("a NUL");
        assert_eq!(nul.field, "name");
        assert!(nul.reason.contains("NUL"), "{nul}");
        let long = check_text("notes", &"a".repeat(MAX_NOTE_CHARS + 1), MAX_NOTE_CHARS)
            .expect_err("too long");
        assert_eq!(
            long.to_string(),
            "notes: 2001 characters is more than the 2000 allowed"
        );
        assert!(check_count("paroxysms", 1_000, u64::from(MAX_PAROXYSMS_PER_DAY)).is_ok());
        assert!(check_count("paroxysms", 1_001, u64::from(MAX_PAROXYSMS_PER_DAY)).is_err());
    }

    #[test]
    fn questionnaires_from_age_twelve() {
        let w = DateWindow::new(d("1984-03-02"), d("2026-11-01"));
        assert!(check_questionnaire_date(&w, d("1996-03-02")).is_ok());
        let young = check_questionnaire_date(&w, d("1996-03-01")).expect_err("aged 11");
        assert!(young.reason.contains("was 11"), "{young}");
        assert!(young.reason.contains("[unverified default]"));
        assert!(check_questionnaire_date(&w, d("1990-06-01")).is_err());
        assert!(check_questionnaire_date(&w, d("2026-11-02")).is_err());
    }
}
