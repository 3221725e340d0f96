//! Output files: row structs with the reference's exact column names, and number formatting.

pub mod format;
