//! Cephalog's diary files.
//!
//! - The daily CSV: one row per recorded day, header required, columns in any order.
//! - The episode CSV: one row per attack with start and end, split into calendar days by
//!   [`cephalog_core::EpisodeLog`].
//!
//! Readers check every row and report every bad one with its line, column and reason; they return
//! days only when the whole file is good, so a caller can store all or nothing.

mod daily;
mod episode;
mod error;
mod fields;
pub mod rules;

pub use daily::{DAILY_COLUMNS, read_daily, write_daily};
pub use episode::{EPISODE_COLUMNS, read_episodes};
pub use error::{FileErrors, RowError};
