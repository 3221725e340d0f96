//! The multi-SNP SMR test (the reference's algorithm §12 A step 5): greedy LD pruning of the
//! instruments and the test of Σ z_y² z_x² / (z_y² + z_x²) against a weighted sum of χ²₁.

use crate::stats::chisq_sum::pchisqsum;
use crate::stats::dist::chisq1_tail;
use crate::stats::smr::max_abs_id;
use nalgebra::DMatrix;

/// Greedy pruning of `m` SNPs with correlation matrix `c` (row-major `m × m`) and z values
/// `z`: repeatedly keep the [`max_abs_id`] SNP among those remaining (later wins ties) and
/// remove every other remaining SNP with `|C| > cut`. Returns the kept positions in their
/// original order.
pub fn prune_greedy(c: &[f64], z: &[f64], cut: f64) -> Vec<usize> {
    let m = z.len();
    let mut remaining: Vec<usize> = (0..m).collect();
    let mut kept = Vec::new();
    while !remaining.is_empty() {
        let best = remaining[max_abs_id(remaining.iter().map(|&i| z[i]))];
        kept.push(best);
        // A NaN correlation (monomorphic SNP) removes nothing, as `|C| > cut` is false.
        remaining
            .retain(|&j| j != best && (c[best * m + j].abs() <= cut || c[best * m + j].is_nan()));
    }
    kept.sort_unstable();
    kept
}

/// p_SMR_multi for SNPs with GWAS z `zy`, eQTL z `zx` and correlation matrix `c` (row-major,
/// the kept SNPs only). One SNP: the χ²₁ tail of T; otherwise 1 when T < 1e-8, else
/// `pchisqsum(T, λ)` with λ the eigenvalues of `c` (ascending).
pub fn multi_snp_p(zy: &[f64], zx: &[f64], c: &[f64]) -> f64 {
    let m = zy.len();
    let stat: f64 = (0..m)
        .map(|i| {
            let (y2, x2) = (zy[i] * zy[i], zx[i] * zx[i]);
            y2 * x2 / (y2 + x2)
        })
        .sum();
    if m == 1 {
        return chisq1_tail(stat);
    }
    if stat < 1e-8 {
        return 1.0;
    }
    let mat = DMatrix::from_row_slice(m, m, c);
    // Eigenvalues only; the solver reads the lower triangle.
    let mut lambda: Vec<f64> = mat.symmetric_eigenvalues().iter().copied().collect();
    lambda.sort_by(f64::total_cmp);
    pchisqsum(stat, &lambda)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pruning_keeps_the_strongest_of_each_correlated_group() {
        // SNPs 0 and 1 correlated (0.9), 2 independent; 1 has the largest |z|.
        let c = [1.0, 0.9, 0.0, 0.9, 1.0, 0.1, 0.0, 0.1, 1.0];
        assert_eq!(prune_greedy(&c, &[3.0, -5.0, 4.0], 0.5), [1, 2]);
        // Nothing above the cut: all kept.
        assert_eq!(prune_greedy(&c, &[3.0, -5.0, 4.0], 0.95), [0, 1, 2]);
        // Ties go to the later SNP (max_abs_id).
        assert_eq!(prune_greedy(&c, &[5.0, 5.0, 1.0], 0.5), [1, 2]);
    }

    #[test]
    fn one_snp_is_the_chi2_tail_and_independent_snps_add_up() {
        // One SNP: T = zy² zx² / (zy² + zx²) = 4·9/13.
        let p = multi_snp_p(&[2.0], &[3.0], &[1.0]);
        assert!((p - chisq1_tail(36.0 / 13.0)).abs() < 1e-15);
        // Two independent SNPs (λ = 1, 1): T ~ χ²₂, tail exp(-T/2), up to the saddlepoint
        // approximation's error (about 1% here).
        let t: f64 = 36.0 / 13.0 + 16.0 / 17.0;
        let p = multi_snp_p(&[2.0, 1.0], &[3.0, 4.0], &[1.0, 0.0, 0.0, 1.0]);
        let exact = (-t / 2.0).exp();
        assert!((p / exact - 1.0).abs() < 0.02, "{p} vs {exact}");
        // A null statistic is p = 1.
        assert_eq!(
            multi_snp_p(&[0.0, 0.0], &[3.0, 4.0], &[1.0, 0.0, 0.0, 1.0]),
            1.0
        );
    }
}
