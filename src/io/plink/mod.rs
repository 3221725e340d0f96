//! PLINK 1 binary fileset: `.fam`, `.bim`, `.bed` (SNP-major) (data-spec/plink.md).

pub mod bed;
pub mod bim;
pub mod fam;

pub use bed::BedFile;
pub use bim::{read_bim, read_bim_flagged, BimRecord, BimRow, BimTable};
pub use fam::{read_fam, FamRecord};
