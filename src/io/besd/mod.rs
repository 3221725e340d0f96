//! BESD: binary eQTL summary data, every layout the reference reads (data-spec/besd.md).

pub mod header;
pub mod reader;
pub mod sink;
pub mod stream;
pub mod writer;

pub use header::{BesdHeader, BesdLayout};
pub use reader::{BesdEntry, BesdFile};
