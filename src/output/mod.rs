//! Output: the atomic writer, number formatting, and one writer per output table.

pub mod atomic;
pub mod extra_columns;
pub mod format;
pub mod freq_list;
pub mod msmr;
pub mod plot_file;
pub mod smr;
