//! Cephalog's PDF reports: the doctor-visit summary, the prior-authorisation packet, the
//! session procedure note and the clinic outcomes report (the cohort report, [`cohort`]).
//!
//! Each report is built in three steps: the data is gathered from the store through the same use
//! cases the pages and the command line use ([`load`]); it is written out as Typst markup, every
//! text escaped ([`markup`]), with the charts of `cephalog-charts` as SVG files; and the markup is
//! typeset and exported as PDF by the typst library ([`typeset`]), with embedded fonts and no
//! clock, so equal data gives equal bytes. No PDF syntax is written here.
//!
//! Reports say "meets diary criteria for", never that a patient has a diagnosis, and show every
//! criterion with its outcome: an unmet or unknown criterion is printed, never left out.

pub mod cohort;
pub mod load;
pub mod markup;
mod parts;
pub mod prior_auth;
pub mod session_note;
pub mod typeset;
pub mod visit;

use typst_layout::PagedDocument;

pub use typeset::Chart;

/// Why a report could not be made.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// Typst refused the markup or the charts (a bug in this crate, never the data's fault).
    #[error("typesetting failed: {0}")]
    Typeset(String),
    #[error(transparent)]
    App(#[from] cephalog_app::AppError),
    #[error(transparent)]
    Store(#[from] cephalog_store::StoreError),
    /// The request cannot be met (an empty period, a session of another patient).
    #[error("{0}")]
    Invalid(String),
}

/// A finished report: the PDF and what it was typeset from.
#[derive(Debug, Clone)]
pub struct Report {
    /// The PDF file.
    pub pdf: Vec<u8>,
    /// Pages in the PDF.
    pub pages: usize,
    /// The text of each page as typeset (for checks; the PDF is the report).
    pub page_texts: Vec<String>,
    /// A file name for downloads, e.g. `visit-summary-2026-07-01.pdf`.
    pub file_name: String,
}

/// `text` fit for a file name: ASCII letters, digits, `-` and `.`; anything else becomes `-`.
pub fn file_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '.' {
                c
            } else {
                '-'
            }
        })
        .collect()
}

/// Typesets `markup` with `charts` into a [`Report`].
pub fn render(markup: &str, charts: &[Chart], file_name: String) -> Result<Report, ReportError> {
    let document: PagedDocument = typeset::layout(markup, charts)?;
    let pdf = typeset::pdf(&document, &file_name)?;
    Ok(Report {
        pdf,
        pages: document.pages().len(),
        page_texts: typeset::page_texts(&document),
        file_name,
    })
}
