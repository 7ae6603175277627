//! cephalog-e2b integration tests: exports checked against the FDA data-element table, the FDA
//! example messages and golden files.

mod fixtures;
mod icsr;
mod medwatch;
mod table;
mod xpath;
