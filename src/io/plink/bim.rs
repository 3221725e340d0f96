//! `.bim` reader (data-spec/plink.md §bim).

use crate::error::Result;
use crate::types::{Bp, Chrom};
use std::path::Path;

/// One SNP of a `.bim` file.
#[derive(Debug, Clone, PartialEq)]
pub struct BimRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: String,
    /// Genetic distance (unused).
    pub cm: f64,
    /// Position.
    pub bp: Bp,
    /// Allele 1 (upper case): the allele counted by the `.bed` codes.
    pub a1: String,
    /// Allele 2 (upper case).
    pub a2: String,
}

/// Read a `.bim` file.
pub fn read_bim(path: &Path) -> Result<Vec<BimRecord>> {
    let _ = path;
    todo!()
}
