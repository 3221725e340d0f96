//! `.epi`: the probe table of a BESD triplet (data-spec/epi.md).

use crate::error::Result;
use crate::types::{Bp, Chrom};
use std::io::BufRead;
use std::path::Path;

/// One probe of an `.epi` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EpiRecord {
    /// Probe chromosome code.
    pub chr: Chrom,
    /// Probe ID (a later duplicate renamed `ID_<line>`).
    pub probe: String,
    /// Probe position.
    pub bp: Bp,
    /// Gene name, verbatim.
    pub gene: String,
    /// Orientation: the first character of the sixth column.
    pub orientation: char,
}

/// Read an `.epi` file (plain or gzipped).
pub fn read_epi(path: &Path) -> Result<Vec<EpiRecord>> {
    let _ = path;
    todo!()
}

/// Parse `.epi` text from a reader; `path` names the source in errors.
pub fn parse_epi<R: BufRead>(reader: R, path: &Path) -> Result<Vec<EpiRecord>> {
    let _ = (reader, path);
    todo!()
}
