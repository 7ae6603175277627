use std::fmt;

use chrono::Duration;

use cephalog_core::{Episode, EpisodeError};

/// One problem in a file: where it is and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    /// 1-based line number in the file (the header is line 1).
    pub line: u64,
    /// The column, when the problem is in one field.
    pub column: Option<String>,
    pub reason: String,
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column {c}: {}", self.line, self.reason),
            None => write!(f, "line {}: {}", self.line, self.reason),
        }
    }
}

/// Every problem found in a file (the first [`FileErrors::LIMIT`] of them).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct FileErrors {
    pub errors: Vec<RowError>,
    /// How many more errors there were beyond those listed.
    pub more: usize,
}

impl FileErrors {
    pub const LIMIT: usize = 50;

    pub(crate) fn new() -> Self {
        FileErrors {
            errors: Vec::new(),
            more: 0,
        }
    }

    pub(crate) fn push(&mut self, e: RowError) {
        if self.errors.len() < Self::LIMIT {
            self.errors.push(e);
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn at(&mut self, line: u64, column: Option<&str>, reason: impl fmt::Display) {
        self.push(RowError {
            line,
            column: column.map(str::to_owned),
            reason: reason.to_string(),
        });
    }

    /// An error of turning the file's attacks into days, on the line of the first attack it
    /// concerns (a day the attacks together make invalid: the first attack on that day), or on
    /// line 1 when it concerns none.
    pub(crate) fn of_episodes(e: &EpisodeError, episodes: &[(u64, Episode)]) -> FileErrors {
        let (line, reason) = match e {
            EpisodeError::Day { date, source } => (
                episodes
                    .iter()
                    .filter(|(_, ep)| {
                        ep.start().date() <= *date
                            && (ep.end() - Duration::minutes(1)).date() >= *date
                    })
                    .map(|(line, _)| *line)
                    .min(),
                format!("the attacks on {date} together: {source}"),
            ),
            EpisodeError::OutsideCovered { start, .. } => (
                episodes
                    .iter()
                    .find(|(_, ep)| ep.start() == *start)
                    .map(|(line, _)| *line),
                e.to_string(),
            ),
            other => (None, other.to_string()),
        };
        let mut errors = FileErrors::new();
        errors.at(line.unwrap_or(1), None, reason);
        errors
    }

    pub(crate) fn into_result<T>(self, value: T) -> Result<T, FileErrors> {
        if self.errors.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

impl fmt::Display for FileErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.errors.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        if self.more > 0 {
            write!(f, "\n… and {} more", self.more)?;
        }
        Ok(())
    }
}
