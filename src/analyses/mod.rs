//! The analyses the probe engine runs, each an [`crate::engine::Analysis`]: cis SMR + HEIDI
//! ([`cis`]).

pub mod cis;
pub mod multi;
pub mod omics;
pub mod plot;
pub mod trans;
