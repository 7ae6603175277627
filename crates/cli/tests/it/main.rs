//! The `cephalog` binary driven end to end, on SQLite and on PostgreSQL.
//!
//! PostgreSQL cases need `CEPHALOG_TEST_POSTGRES_URL`; without it they print that they were
//! skipped, unless `CEPHALOG_REQUIRE_POSTGRES=1`, when they fail.

mod attacks;
mod audit;
mod backup;
mod cohort;
mod crash;
mod export;
mod fhir;
mod harness;
mod journeys;
mod plausible;
mod reports;
