//! BESD writers: sparse type 3 and dense type 5 (data-spec/besd.md §7). Used by `--make-besd`
//! and by the tests' own builders.

use crate::error::Result;
use crate::io::besd::reader::BesdEntry;
use std::path::Path;

/// Write a sparse (format code 3) `.besd` with `probes[p]` as probe p's entries in stored order.
pub fn write_sparse(path: &Path, n_snps: usize, probes: &[Vec<BesdEntry>], sample_size: Option<i32>) -> Result<()> {
    let _ = (path, n_snps, probes, sample_size);
    todo!()
}

/// Write a dense (format code 5) `.besd`; cells without an entry get beta = se = -9.
pub fn write_dense(path: &Path, n_snps: usize, probes: &[Vec<BesdEntry>], sample_size: Option<i32>) -> Result<()> {
    let _ = (path, n_snps, probes, sample_size);
    todo!()
}
