//! Cephalog's diary files.
//!
//! - The daily CSV: one row per recorded day, header required, columns in any order.
//! - The episode CSV: one row per attack with start and end, split into calendar days by
//!   [`cephalog_core::EpisodeLog`].
//! - Attack logs exported by phone apps, read through column-mapping profiles kept as TOML data
//!   (`profiles/` at the repository root, embedded; a clinic adds its own).
//!
//! Readers check every row and report every bad one with its line, column and reason; they return
//! days only when the whole file is good, so a caller can store all or nothing.

mod attacks;
mod daily;
mod episode;
mod error;
mod fields;
pub mod profile;
pub mod rules;

pub use attacks::{
    AttackImport, UnlistedTerm, parse_datetime_with, parse_duration, parse_pain, read_attacks,
};
pub use daily::{DAILY_COLUMNS, read_daily, write_daily};
pub use episode::{EPISODE_COLUMNS, read_episodes};
pub use error::{FileErrors, RowError};
pub use profile::{
    AttackProfile, ProfileError, builtin_profile_text, builtin_profiles, parse_profile,
};
