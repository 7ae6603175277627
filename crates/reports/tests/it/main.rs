//! The reports typeset from a stored patient and read back: from typst's own layout (always) and
//! from the PDF with poppler's `pdftotext` and `pdfinfo` (skipped, saying so, when poppler-utils is
//! not installed, unless `CEPHALOG_REQUIRE_PDFTOOLS` is set). The first page of each report is
//! saved as a PNG in `<target>/report-screens/` for a look at the layout.

mod cohort;
mod fixture;
mod pdf;
mod reports;
