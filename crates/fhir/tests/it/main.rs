//! The FHIR interchange: the mapping of each record, a golden bundle, export → import → export,
//! the bulk NDJSON export and the import's errors.

mod errors;
mod fixtures;
mod golden;
mod mapping;
mod roundtrip;
