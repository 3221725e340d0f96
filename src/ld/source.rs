//! [`LdSource`]: everything the statistics see of the LD reference. HEIDI and the multi-SNP
//! test ask for genotype panels or matrices of a set of compact SNP indexes and for the
//! reference frequency; where the genotypes come from (the packed `.bed` today, a stored LD
//! matrix later) is the source's business.

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
    /// What [`r_with_target_panels`](super::kernels::r_with_target_panels) gives on the
    /// panels of `ks`: each column's r with column `t` into `r`, its sum into `sums`.
    /// `scratch` is the caller's; it need not hold the panels afterwards (a source may work
    /// the sums out without storing the panels).
    fn r_with_target(
        &self,
        ks: &[usize],
        t: usize,
        buf: &mut Vec<Option<u8>>,
        scratch: &mut TargetScratch,
        sums: &mut Vec<f64>,
        r: &mut Vec<f64>,
    );
}

/// Buffers of [`LdSource::r_with_target`], kept by the caller between probes.
#[derive(Debug, Default)]
pub struct TargetScratch {
    /// Panels, when the source decodes them.
    pub x: Panels,
    /// The target's column.
    pub xt: Vec<f64>,
}
