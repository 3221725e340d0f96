//! `--sample-overlap`: SMR and HEIDI when the eQTL and GWAS samples overlap (reference
//! algorithm-2 §22, algorithm §6 and §7.3; data-spec/algorithm.md §sample-overlap).
//!
//! Per probe, θ (the correlation of the eQTL and GWAS sampling errors) is estimated as the
//! Pearson correlation of `(z_x, z_y)` over the probe's cis SNPs that look null on both sides
//! (`|z| < sqrt(qχ²₁(--pmecs))`); with fewer than `--mmecs` such SNPs the probe has no row.
//! θ then enters the SMR standard error and the covariance of the HEIDI deviations.

use crate::stats::dist::{chisq1_tail, qchisq1_upper};
use crate::stats::smr::{max_abs_id, SmrTest};
use nalgebra::DMatrix;

/// The `--sample-overlap` settings of a run.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct OverlapSettings {
    /// `--pmecs`: a SNP estimates θ when both its |z| are below `sqrt(qχ²₁(pmecs))`.
    pub pmecs: f64,
    /// `--mmecs`: the least number of such SNPs for a probe to be tested.
    pub mmecs: usize,
}

impl OverlapSettings {
    /// The |z| bound a SNP must stay under on both sides to estimate θ.
    pub fn z_bound(&self) -> f64 {
        qchisq1_upper(self.pmecs).sqrt()
    }
}

/// θ over the pairs `(z_x, z_y)` with both `|z| < bound`: their Pearson correlation, or
/// `None` when fewer than `min_snps` (or fewer than 2) pairs qualify or the correlation is
/// undefined (no spread on a side).
pub fn estimate_theta<I>(pairs: I, bound: f64, min_snps: usize) -> Option<f64>
where
    I: IntoIterator<Item = (f64, f64)>,
{
    let (mut n, mut sx, mut sy) = (0usize, 0.0, 0.0);
    let mut kept = Vec::new();
    for (x, y) in pairs {
        if x.abs() < bound && y.abs() < bound {
            n += 1;
            sx += x;
            sy += y;
            kept.push((x, y));
        }
    }
    if n < min_snps.max(2) {
        return None;
    }
    let (mx, my) = (sx / n as f64, sy / n as f64);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (x, y) in kept {
        let (dx, dy) = (x - mx, y - my);
        sxy += dx * dy;
        sxx += dx * dx;
        syy += dy * dy;
    }
    let theta = sxy / (sxx * syy).sqrt();
    theta.is_finite().then_some(theta)
}

/// SMR of one instrument under sample overlap θ:
/// `se = sqrt(sy²/bx² + sx²·by²/bx⁴ − 2θ·sy·sx·by/bx³)` (θ = 0 gives the usual delta-method
/// se up to rounding). A negative variance gives a NaN se and p.
pub fn smr_test_overlap(by: f64, sy: f64, bx: f64, sx: f64, theta: f64) -> SmrTest {
    let b = by / bx;
    let bx2 = bx * bx;
    let var =
        sy * sy / bx2 + sx * sx * by * by / (bx2 * bx2) - 2.0 * theta * sy * sx * by / (bx2 * bx);
    let se = var.sqrt();
    let t = (b * b) / (se * se);
    SmrTest {
        b,
        se,
        p: if t.is_nan() { f64::NAN } else { chisq1_tail(t) },
    }
}

/// The HEIDI deviation statistic T and its eigenvalues λ (ascending) under sample overlap θ,
/// for `m` SNPs with LD matrix `r` (row-major `m × m`); `None` when `m <= 1`.
///
/// The covariance of `b_xy,i = by_i/bx_i` is (reference algorithm §7.3)
/// `V_ij = R_ij·sy_i·sy_j/(bx_i·bx_j) + R_ij·sx_i·sx_j·by_i·by_j/(bx_i·bx_j)² − 2θ·R_ij·sy_i·sx_j·by_i/(bx_i²·bx_j)`,
/// with `sx = bx/z` (the z HEIDI uses on the path): the second term is `R_ij·b_xy,i·b_xy,j/(z_i·z_j)`
/// and the third `2θ·R_ij·sy_i·b_xy,i/(bx_i·z_j)`. V is not symmetric; the deviations,
/// variances and T are then as in [`crate::stats::heidi::deviation_statistic`] (constant
/// `eps` added), and the correlation of the deviations is made symmetric by copying its
/// upper triangle to the lower before the eigenvalues.
pub fn deviation_statistic_overlap(
    by: &[f64],
    sy: &[f64],
    bx: &[f64],
    z: &[f64],
    r: &[f64],
    theta: f64,
    eps: Eps,
) -> Option<(f64, Vec<f64>)> {
    let m = by.len();
    if m <= 1 {
        return None;
    }
    let bxy: Vec<f64> = (0..m).map(|i| by[i] / bx[i]).collect();
    let t = max_abs_id(z);
    let mut v = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let rij = r[i * m + j];
            v[i * m + j] = rij * sy[i] * sy[j] / (bx[i] * bx[j])
                + rij * bxy[i] * bxy[j] / (z[i] * z[j])
                - 2.0 * theta * rij * sy[i] * bxy[i] / (bx[i] * z[j]);
        }
    }
    let others: Vec<usize> = (0..m).filter(|&k| k != t).collect();
    let vt = v[t * m + t];
    let eps = match eps {
        Eps::Fixed => 1e-8,
        Eps::ScaleFree => 1e-8 * vt.abs(),
    };
    let k = others.len();
    let mut d = DMatrix::<f64>::zeros(k, k);
    let mut stat = 0.0;
    for (a, &oa) in others.iter().enumerate() {
        let ca = v[t * m + oa];
        for (b, &ob) in others.iter().enumerate() {
            let cb = v[t * m + ob];
            d[(a, b)] = ((vt + v[oa * m + ob]) - cb) - ca;
        }
        d[(a, a)] += eps;
        let diff = bxy[t] - bxy[oa];
        let var = vt + v[oa * m + oa] - 2.0 * ca + eps;
        stat += diff * diff / var;
    }
    let mut rho = DMatrix::<f64>::zeros(k, k);
    for a in 0..k {
        for b in a..k {
            let x = d[(a, b)] / (d[(a, a)] * d[(b, b)]).sqrt();
            rho[(a, b)] = x;
            rho[(b, a)] = x;
        }
    }
    let mut lambda: Vec<f64> = rho.symmetric_eigenvalues().iter().copied().collect();
    lambda.sort_by(f64::total_cmp);
    Some((stat, lambda))
}

/// The constant added to the variances of the deviation test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Eps {
    /// `1e-8`, the reference's.
    Fixed,
    /// `--heidi-scale-free`: `1e-8 × v_tt`.
    ScaleFree,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::heidi::deviation_statistic;
    use crate::stats::smr::smr_test;

    #[test]
    fn theta_is_the_pearson_correlation_of_the_null_pairs() {
        // Bound 2.5: (3, 0) and (0.5, -2.6) are left out. Kept x = 1, 2, -1, 0; y = 0.5, 1, 0, -1.
        // mx = 0.5, my = 0.125; Sxy = 0.5*0.375 + 1.5*0.875 + (-1.5)(-0.125) + (-0.5)(-1.125)
        //    = 0.1875 + 1.3125 + 0.1875 + 0.5625 = 2.25; Sxx = 0.25+2.25+2.25+0.25 = 5;
        // Syy = 0.140625+0.765625+0.015625+1.265625 = 2.1875; θ = 2.25/sqrt(10.9375).
        let pairs = [
            (1.0, 0.5),
            (3.0, 0.0),
            (2.0, 1.0),
            (0.5, -2.6),
            (-1.0, 0.0),
            (0.0, -1.0),
        ];
        let theta = estimate_theta(pairs, 2.5, 2).unwrap();
        assert!((theta - 2.25 / 10.9375f64.sqrt()).abs() < 1e-15, "{theta}");
        // --mmecs above the count: no estimate; one pair is never enough.
        assert_eq!(estimate_theta(pairs, 2.5, 5), None);
        assert_eq!(estimate_theta([(1.0, 1.0)], 2.5, 1), None);
        // No spread on one side: undefined.
        assert_eq!(estimate_theta([(1.0, 1.0), (1.0, 2.0)], 2.5, 2), None);
        // The bound of --pmecs 0.01: qχ²₁(0.01) = 6.634896601021214 (R: qchisq(0.01,1,lower=F)).
        let s = OverlapSettings {
            pmecs: 0.01,
            mmecs: 2,
        };
        assert!((s.z_bound() - 6.634896601021214f64.sqrt()).abs() < 1e-9);
    }

    #[test]
    fn smr_se_with_overlap_matches_a_hand_calculation() {
        // by = 0.1, sy = 0.02, bx = 0.5, sx = 0.05, θ = 0.3:
        // sy²/bx² = 0.0016; sx²by²/bx⁴ = 0.000025/0.0625 = 0.0004;
        // 2θ·sy·sx·by/bx³ = 0.6·0.0001/0.125 = 0.00048; var = 0.00152.
        let t = smr_test_overlap(0.1, 0.02, 0.5, 0.05, 0.3);
        assert!((t.b - 0.2).abs() < 1e-15);
        assert!((t.se - 0.00152f64.sqrt()).abs() < 1e-15, "{}", t.se);
        // T = 0.04/0.00152 = 26.315789473684212; p = pchisq(T, 1, lower = FALSE) (mpmath:
        // erfc(sqrt(T/2)) = 2.8990882828776e-07).
        assert!((t.p - 2.8990882828776e-07).abs() < 1e-18, "{}", t.p);
        // θ = 0: the usual test.
        let a = smr_test_overlap(0.1, 0.02, 0.5, 0.05, 0.0);
        let b = smr_test(0.1, 0.02, 0.5, 0.05);
        assert!((a.se - b.se).abs() <= 1e-16 * b.se);
    }

    /// The case of `heidi::tests::deviation_test_on_a_hand_sized_case` with θ = 0.4. Expected
    /// values from an independent mpmath (50 digits) evaluation of the formula in the
    /// reference's §7.3 with sx = bx/z: T = 14.030931468752523, λ = 0.676390070444, 1.32360992956; θ = 0: T = 17.398480462420346.
    #[test]
    fn deviation_with_overlap_matches_a_hand_calculation() {
        let r = [1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0];
        let by = [0.05, -0.01, 0.02];
        let sy = [0.01, 0.01, 0.012];
        let bx = [0.5, 0.3, 0.25];
        let z = [10.0, 6.0, 5.0];
        let (stat, lambda) =
            deviation_statistic_overlap(&by, &sy, &bx, &z, &r, 0.4, Eps::Fixed).unwrap();
        assert!((stat - T_04).abs() < 1e-10 * T_04, "{stat}");
        assert!((lambda[0] - L_04[0]).abs() < 1e-8, "{lambda:?}");
        assert!((lambda[1] - L_04[1]).abs() < 1e-8, "{lambda:?}");
        assert!(deviation_statistic_overlap(
            &by[..1],
            &sy[..1],
            &bx[..1],
            &z[..1],
            &[1.0],
            0.4,
            Eps::Fixed
        )
        .is_none());
        // θ = 0 is the plain covariance without its last term −b_xy,i·b_xy,j/(z_i·z_j)².
        let (s0, _) = deviation_statistic_overlap(&by, &sy, &bx, &z, &r, 0.0, Eps::Fixed).unwrap();
        let (plain, _) = deviation_statistic(&by, &sy, &bx, &z, &r).unwrap();
        assert!((s0 - T_00).abs() < 1e-10 * T_00, "{s0}");
        assert!(s0 != plain);
    }

    const T_04: f64 = 14.030931468752523;
    const L_04: [f64; 2] = [0.676390070444, 1.32360992956];
    const T_00: f64 = 17.398480462420346;
}
