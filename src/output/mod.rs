//! Output files: row structs with the reference's exact column names, number formatting, and
//! atomic writing.

pub mod atomic;
pub mod format;
pub mod smr;
