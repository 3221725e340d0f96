//! Random access to one probe's stored entries (data-spec/besd.md §3-6).

use crate::error::Result;
use crate::io::besd::header::{BesdHeader, BesdLayout};
use crate::io::source::Bytes;
use std::path::{Path, PathBuf};

/// One stored (SNP, probe) value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BesdEntry {
    /// 0-based `.esi` row of the SNP.
    pub snp: u32,
    /// Effect of the `.esi` A1 on the probe.
    pub beta: f32,
    /// Its standard error.
    pub se: f32,
}

/// A validated BESD file: header counts agree with `.esi`/`.epi`, the size with the header.
pub struct BesdFile {
    bytes: Bytes,
    path: PathBuf,
    header: BesdHeader,
    n_snps: usize,
    n_probes: usize,
}

impl BesdFile {
    /// Open and validate `path` against `n_snps` (`.esi` rows) and `n_probes` (`.epi` rows).
    pub fn open(path: &Path, n_snps: usize, n_probes: usize) -> Result<Self> {
        let _ = (path, n_snps, n_probes);
        todo!()
    }

    /// Validate bytes already in memory; `path` names them in errors.
    pub fn from_bytes(bytes: Bytes, path: &Path, n_snps: usize, n_probes: usize) -> Result<Self> {
        let _ = (bytes, path, n_snps, n_probes);
        todo!()
    }

    /// The header as read.
    pub fn header(&self) -> &BesdHeader {
        &self.header
    }

    /// The layout.
    pub fn layout(&self) -> BesdLayout {
        self.header.layout
    }

    /// Number of probes.
    pub fn n_probes(&self) -> usize {
        self.n_probes
    }

    /// Number of SNPs.
    pub fn n_snps(&self) -> usize {
        self.n_snps
    }

    /// Append probe `probe`'s entries to `out` (cleared first), in stored order for sparse
    /// layouts and `.esi` order for dense ones; dense cells with se = -9 (or NaN) are absent.
    /// A row id beyond the SNP count is an error naming the probe.
    pub fn read_probe(&self, probe: usize, out: &mut Vec<BesdEntry>) -> Result<()> {
        let _ = (probe, out, &self.bytes, &self.path);
        todo!()
    }
}
