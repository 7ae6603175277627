//! Reading posted forms: the raw name/value pairs (checkboxes repeat a name), trimmed, with blank
//! fields treated as absent and errors naming the field.

use chrono::NaiveDate;

use crate::error::WebError;

/// A posted form's fields in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormData(Vec<(String, String)>);

impl FormData {
    pub(crate) fn new(pairs: Vec<(String, String)>) -> Self {
        FormData(pairs)
    }

    /// The first value of `name`, trimmed; `None` when missing or blank.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// The value of `name`, or "" (for re-showing a form).
    pub(crate) fn text(&self, name: &str) -> String {
        self.get(name).unwrap_or_default().to_owned()
    }

    /// Every non-blank value of `name`, trimmed (checkbox groups).
    pub(crate) fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.0
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.trim())
            .filter(|v| !v.is_empty())
    }

    /// Every field whose name starts with `prefix`, as (rest of the name, trimmed value), blank
    /// values left out.
    pub(crate) fn with_prefix<'a>(
        &'a self,
        prefix: &'a str,
    ) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
        self.0.iter().filter_map(move |(n, v)| {
            let rest = n.strip_prefix(prefix)?;
            let v = v.trim();
            (!v.is_empty()).then_some((rest, v))
        })
    }

    /// A required field.
    pub(crate) fn required(&self, name: &str, what: &str) -> Result<&str, WebError> {
        self.get(name)
            .ok_or_else(|| WebError::invalid(name, format!("{what}: fill this in")))
    }

    /// An optional date written YYYY-MM-DD.
    pub(crate) fn date(&self, name: &str, what: &str) -> Result<Option<NaiveDate>, WebError> {
        self.get(name)
            .map(|v| {
                v.parse::<NaiveDate>().map_err(|_| {
                    WebError::invalid(name, format!("{what}: '{v}' is not a date (YYYY-MM-DD)"))
                })
            })
            .transpose()
    }

    /// A required date written YYYY-MM-DD.
    pub(crate) fn required_date(&self, name: &str, what: &str) -> Result<NaiveDate, WebError> {
        self.date(name, what)?
            .ok_or_else(|| WebError::invalid(name, format!("{what}: give the date")))
    }

    /// An optional whole number.
    pub(crate) fn number<T: std::str::FromStr>(
        &self,
        name: &str,
        what: &str,
    ) -> Result<Option<T>, WebError> {
        self.get(name)
            .map(|v| {
                v.parse::<T>().map_err(|_| {
                    WebError::invalid(name, format!("{what}: '{v}' is not a whole number"))
                })
            })
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData::new(
            pairs
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn blank_is_absent_and_values_are_trimmed() {
        let f = form(&[
            ("a", "  x "),
            ("b", "   "),
            ("c", "1"),
            ("c", ""),
            ("c", "2"),
        ]);
        assert_eq!(f.get("a"), Some("x"));
        assert_eq!(f.get("b"), None);
        assert_eq!(f.all("c").collect::<Vec<_>>(), ["1", "2"]);
        assert!(f.required("b", "B").is_err());
    }

    #[test]
    fn dates_and_numbers_name_their_field() {
        let f = form(&[("d", "2026-02-30"), ("e", "2026-02-28"), ("n", "x")]);
        let err = f.date("d", "Onset").expect_err("bad date");
        assert!(matches!(err, WebError::Invalid { field: Some(ref x), .. } if x == "d"));
        assert_eq!(
            f.required_date("e", "E").expect("date"),
            NaiveDate::from_ymd_opt(2026, 2, 28).expect("date")
        );
        assert!(f.required_date("missing", "M").is_err());
        assert!(f.number::<u32>("n", "N").is_err());
        assert_eq!(f.number::<u32>("missing", "M").expect("none"), None);
    }

    #[test]
    fn prefixed_fields() {
        let f = form(&[("override-a", "why"), ("override-b", " "), ("x", "1")]);
        assert_eq!(
            f.with_prefix("override-").collect::<Vec<_>>(),
            [("a", "why")]
        );
    }
}
