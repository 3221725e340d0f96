//! Which SNPs of a probe reach its analysis: the stored eQTL entries of SNPs in the compact
//! SNP table with a usable GWAS value, in the window the analysis asks for, and kept by the
//! run's [`SnpFilter`] (data-spec/algorithm.md §6).

use crate::types::{Bp, Chrom};

/// Where an analysis looks for a probe's SNPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnpSelection {
    /// SNPs on `chr` with `start_bp <= bp <= end_bp`.
    Range {
        /// Chromosome.
        chr: Chrom,
        /// First position (inclusive).
        start_bp: Bp,
        /// Last position (inclusive).
        end_bp: Bp,
    },
    /// Every SNP the probe has data for (the analysis splits cis and trans itself).
    All,
}

impl SnpSelection {
    /// SNPs on `chr` with `|bp - centre_bp| <= half_width_bp` (inclusive, no clamping at 0:
    /// the cis window of data-spec/algorithm.md §6).
    pub fn around(chr: Chrom, centre_bp: Bp, half_width_bp: Bp) -> Self {
        SnpSelection::Range {
            chr,
            start_bp: centre_bp - half_width_bp,
            end_bp: centre_bp + half_width_bp,
        }
    }

    /// Does a SNP at (`chr`, `bp`) fall in the selection?
    #[inline]
    pub fn contains(&self, chr: Chrom, bp: Bp) -> bool {
        match *self {
            SnpSelection::Range {
                chr: c,
                start_bp,
                end_bp,
            } => chr == c && start_bp <= bp && bp <= end_bp,
            SnpSelection::All => true,
        }
    }
}

/// One SNP of a probe as the analyses see it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProbeSnp {
    /// Compact SNP index.
    pub k: u32,
    /// eQTL effect (float32 promoted, so `bx as f32` is the stored value).
    pub bx: f64,
    /// eQTL standard error (float32 promoted).
    pub sx: f64,
    /// z in double: `bx / sx`.
    pub zd: f64,
}

impl ProbeSnp {
    /// Compact SNP index as `usize`.
    #[inline]
    pub fn k(&self) -> usize {
        self.k as usize
    }

    /// z as the single-precision quotient of the stored values (`zf` of
    /// data-spec/algorithm.md §6).
    #[inline]
    pub fn zf(&self) -> f64 {
        f64::from(self.bx as f32 / self.sx as f32)
    }
}

/// A run-wide restriction of the (probe, SNP) pairs tested, on top of the analysis's window:
/// the hook for `--snp-wind`/kb ranges applied per probe and `--extract-target-snp-probe`
/// style pair lists. `probe` is the `.epi` row, `esi` the `.esi` row of the SNP.
pub trait SnpFilter: Sync {
    /// Keep this pair?
    fn keep(&self, probe: usize, esi: u32) -> bool;
}

/// The probes to test and the per-probe SNP restriction: the data the engine is driven by
/// (range filters and per-probe SNP lists plug in here).
#[derive(Clone, Copy)]
pub struct Plan<'a> {
    /// `.epi` rows to test, in output order.
    pub probes: &'a [usize],
    /// Extra (probe, SNP) restriction; `None` keeps every pair.
    pub snp_filter: Option<&'a dyn SnpFilter>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_window_is_inclusive_unclamped_and_on_one_chromosome() {
        let w = SnpSelection::around(2, 1_000, 500);
        for (chr, bp, inside) in [
            (2, 500, true),
            (2, 1_500, true),
            (2, 499, false),
            (2, 1_501, false),
            (1, 1_000, false),
        ] {
            assert_eq!(w.contains(chr, bp), inside, "{chr}:{bp}");
        }
        // No clamping at 0: a window reaching below 0 still ends at centre + half-width.
        let w = SnpSelection::around(1, 100, 500);
        assert!(w.contains(1, 0) && w.contains(1, 600) && !w.contains(1, 601));
        assert!(SnpSelection::All.contains(7, -5));
    }

    #[test]
    fn the_single_precision_z_is_the_quotient_of_the_stored_floats() {
        let s = ProbeSnp {
            k: 0,
            bx: f64::from(0.1f32),
            sx: f64::from(0.3f32),
            zd: f64::from(0.1f32) / f64::from(0.3f32),
        };
        assert_eq!(s.zf(), f64::from(0.1f32 / 0.3f32));
        assert_ne!(s.zf(), s.zd);
    }
}
