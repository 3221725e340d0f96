//! `.bed` (SNP-major) access and 2-bit genotype decoding (data-spec/plink.md §bed).

use crate::error::Result;
use crate::io::source::Bytes;
use std::path::Path;

/// A validated, memory-mapped SNP-major `.bed` file.
pub struct BedFile {
    bytes: Bytes,
    n_snps: usize,
    n_indiv: usize,
}

impl BedFile {
    /// Open `path`, check the magic bytes, the SNP-major mode byte and that the size is exactly
    /// `3 + n_snps * ceil(n_indiv / 4)`.
    pub fn open(path: &Path, n_snps: usize, n_indiv: usize) -> Result<Self> {
        let _ = (path, n_snps, n_indiv);
        todo!()
    }

    /// Validate bytes already in memory (same checks as [`BedFile::open`]).
    pub fn from_bytes(bytes: Bytes, path: &Path, n_snps: usize, n_indiv: usize) -> Result<Self> {
        let _ = (path, n_snps, n_indiv);
        Ok(BedFile {
            bytes,
            n_snps,
            n_indiv,
        })
    }

    /// Number of individuals (columns of the `.fam`).
    pub fn n_indiv(&self) -> usize {
        self.n_indiv
    }

    /// Number of SNPs (rows of the `.bim`).
    pub fn n_snps(&self) -> usize {
        self.n_snps
    }

    /// The packed bytes of SNP `snp` (0-based `.bim` index): `ceil(n_indiv / 4)` bytes.
    pub fn snp_bytes(&self, snp: usize) -> &[u8] {
        let per = self.n_indiv.div_ceil(4);
        &self.bytes[3 + snp * per..3 + (snp + 1) * per]
    }
}

/// Decode one SNP's packed genotypes into counts of `.bim` allele 1 for the individuals listed
/// in `keep` (0-based `.fam` indexes, in the order given); missing genotypes are `None`.
/// `out` is cleared first.
pub fn decode_counts(packed: &[u8], keep: &[usize], out: &mut Vec<Option<u8>>) {
    let _ = (packed, keep, out);
    todo!()
}
