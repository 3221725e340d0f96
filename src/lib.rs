//! fastsmr: Summary-data-based Mendelian Randomization (SMR) and the HEIDI test.
#![warn(missing_docs)]

pub mod error;
pub mod io;
pub mod output;
pub mod stats;
pub mod types;
