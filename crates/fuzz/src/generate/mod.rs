//! Input generators: hostile values, CSV files from a grammar, JSON and TOML documents and forms
//! edited from good ones, and byte-level mutations of any file.

pub mod bytes;
pub mod csv;
pub mod form;
pub mod text;
pub mod tree;
