//! One storage story suite, run against SQLite and PostgreSQL.
//!
//! PostgreSQL cases need `CEPHALOG_TEST_POSTGRES_URL` (e.g. `postgres://postgres@127.0.0.1:5432/test`);
//! without it they print that they were skipped, unless `CEPHALOG_REQUIRE_POSTGRES=1`, when they fail.

mod audit;
mod harness;
mod stories;
mod upgrade;
