//! `.esi`: the SNP table of a BESD triplet (data-spec/esi.md).

use crate::error::Result;
use crate::types::{Bp, Chrom};
use std::io::BufRead;
use std::path::Path;

/// One SNP of an `.esi` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EsiRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: String,
    /// Position.
    pub bp: Bp,
    /// Effect allele (upper case): the allele every beta refers to.
    pub a1: String,
    /// Other allele (upper case).
    pub a2: String,
    /// Frequency of A1 as stored (float32); `None` when `NA` or absent.
    pub freq: Option<f32>,
}

/// Read an `.esi` file (plain or gzipped).
pub fn read_esi(path: &Path) -> Result<Vec<EsiRecord>> {
    let _ = path;
    todo!()
}

/// Parse `.esi` text from a reader; `path` names the source in errors.
pub fn parse_esi<R: BufRead>(reader: R, path: &Path) -> Result<Vec<EsiRecord>> {
    let _ = (reader, path);
    todo!()
}
