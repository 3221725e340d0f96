//! [`LdSource`]: everything the statistics see of the LD reference. HEIDI and the multi-SNP
//! test ask for genotype panels or matrices of a set of compact SNP indexes and for the
//! reference frequency; where the genotypes come from (the packed `.bed` today, a stored LD
//! matrix later) is the source's business.

use super::genotypes::Genotypes;
use super::kernels::{Matrix, Panels};

/// A source of LD between the matched SNPs of one trait, addressed by compact SNP index.
pub trait LdSource: Sync {
    /// Frequency of the eQTL A1 in the reference panel (mean dosage / 2).
    fn freq(&self, k: usize) -> f64;
    /// Genotypes of SNPs `ks` as [`Panels`] (column `j` is `ks[j]`); `buf` is a decoding
    /// buffer the caller keeps between calls.
    fn panels(&self, ks: &[usize], buf: &mut Vec<Option<u8>>, out: &mut Panels);
    /// Genotypes of SNPs `ks` as a column-major [`Matrix`].
    fn matrix(&self, ks: &[usize], buf: &mut Vec<Option<u8>>) -> Matrix;
}

impl LdSource for Genotypes<'_> {
    fn freq(&self, k: usize) -> f64 {
        self.mean(k) / 2.0
    }

    fn panels(&self, ks: &[usize], buf: &mut Vec<Option<u8>>, out: &mut Panels) {
        self.decode_panels(ks, buf, out)
    }

    fn matrix(&self, ks: &[usize], buf: &mut Vec<Option<u8>>) -> Matrix {
        Genotypes::matrix(self, ks, buf)
    }
}
