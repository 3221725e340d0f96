//! HEIDI: the test of heterogeneity of SMR estimates across SNPs in LD with the top cis-eQTL
//! (data-spec/algorithm.md §heidi). Method 1 (default), method 0 and the target-SNP variant.

use crate::ld::{
    correlation_into, correlation_matrix, r_with_target, LdSource, Panels, TargetScratch,
};
use crate::stats::chisq_sum::pchisqsum;
use crate::stats::log_tail::{log10_or, log10_pchisqsum};
use crate::stats::smr::max_abs_id;
use nalgebra::DMatrix;
use std::cell::RefCell;

/// Internal cap on SNPs before LD pruning (method 1).
pub const PRE_PRUNE_CAP: usize = 500;

/// One SNP of a probe's cis set as HEIDI sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeidiSnp {
    /// Compact SNP index (genotype column).
    pub k: usize,
    /// GWAS effect (aligned).
    pub by: f64,
    /// GWAS standard error.
    pub sy: f64,
    /// eQTL effect.
    pub bx: f64,
    /// The z used by HEIDI on this path (double or single-precision quotient).
    pub z: f64,
}

/// HEIDI parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HeidiParams {
    /// χ² threshold a SNP's z² must exceed (by more than 1e-6).
    pub threshold: f64,
    /// `--heidi-min-m`.
    pub min_m: usize,
    /// `--heidi-max-m`.
    pub max_m: usize,
    /// `--ld-upper-limit` (r²).
    pub ld_upper: f64,
    /// `--ld-lower-limit` (r²).
    pub ld_lower: f64,
}

/// Variants of HEIDI the default run does not use (all off by default: the reference's
/// `.smr` behaviour).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct HeidiVariant {
    /// Method 1's LD filter with the top SNP keeps `r² − upper < 1e-6` (tolerant), as the
    /// reference's `--plot` path does (algorithm-2 §16.3, Q49), instead of `r² < upper`.
    pub tolerant_upper: bool,
    /// `--heidi-scale-free`: the constant added to the variances of the deviation test is
    /// `1e-8 × var(b_xy,top)` instead of `1e-8`, so p_HEIDI does not depend on the units of
    /// b_xy (data-spec/smr-output.md §extensions).
    pub scale_free: bool,
    /// Record the final SNP list with each SNP's r with the top SNP of that list (the LD
    /// column of the `--plot` file, data-spec/plot-file.md §4).
    pub record_ld: bool,
    /// `--sample-overlap`: the probe's θ, which enters the covariance of the deviations
    /// ([`crate::stats::overlap::deviation_statistic_overlap`]; p_HEIDI rounded to float32,
    /// as the reference's overlap variant returns it).
    pub overlap_theta: Option<f64>,
}

/// What a HEIDI run found beyond its [`HeidiOutcome`].
#[derive(Debug, Clone, PartialEq)]
pub struct HeidiDetail {
    /// The largest share `c / var` of the constant `c` added to the variances of the
    /// deviation test, over the variances of that test (0 when no test ran). Above ~1e-3 the
    /// constant moves p_HEIDI, which then depends on the units of the data.
    pub constant_share: f64,
    /// log10 p_HEIDI, computed in log space where p_HEIDI underflows (NaN when no test ran;
    /// `crate::stats::log_tail`).
    pub log10_p: f64,
    /// With [`HeidiVariant::record_ld`]: each final SNP (compact index) with its signed LD r
    /// with the max-|z| SNP of the final list (1 for that SNP), in final-list order.
    pub ld: Vec<(usize, f64)>,
}

impl Default for HeidiDetail {
    fn default() -> Self {
        HeidiDetail {
            constant_share: 0.0,
            log10_p: f64::NAN,
            ld: Vec::new(),
        }
    }
}

/// Why HEIDI produced no p-value, or its result.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum HeidiOutcome {
    /// The test ran: p-value (may be negative or NaN, printed NA) and SNPs used incl. the top.
    Tested {
        /// p_HEIDI.
        p: f64,
        /// nsnp_HEIDI.
        nsnp: usize,
    },
    /// Fewer than `--heidi-min-m` SNPs passed the eQTL threshold.
    TooFewSignificant,
    /// Fewer than `--heidi-min-m` SNPs remained after the LD filter with the top SNP.
    TooFewAfterLdFilter,
    /// Fewer than `--heidi-min-m` SNPs remained after pairwise LD pruning.
    TooFewAfterPruning,
    /// One SNP or none left for the deviation test.
    TooFewForTest,
}

impl HeidiOutcome {
    /// Short reason label for the log, `None` when the test ran.
    pub fn reason(&self) -> Option<&'static str> {
        match self {
            HeidiOutcome::Tested { .. } => None,
            HeidiOutcome::TooFewSignificant => Some("too few SNPs pass --peqtl-heidi"),
            HeidiOutcome::TooFewAfterLdFilter => Some("too few SNPs after LD filter with top SNP"),
            HeidiOutcome::TooFewAfterPruning => Some("too few SNPs after pairwise LD pruning"),
            HeidiOutcome::TooFewForTest => Some("one SNP or none left for the test"),
        }
    }
}

/// Keep the `cap` SNPs with largest |z|, ordered by descending |z| then descending position
/// (the order a max-heap of (|z|, position) pops); unchanged when no more than `cap`.
fn cap_by_z(list: &[usize], snps: &[HeidiSnp], cap: usize) -> Vec<usize> {
    if list.len() <= cap {
        return list.to_vec();
    }
    let mut v: Vec<(f64, usize)> = list.iter().map(|&i| (snps[i].z.abs(), i)).collect();
    v.sort_by(|a, b| b.0.total_cmp(&a.0).then(b.1.cmp(&a.1)));
    v.truncate(cap);
    v.into_iter().map(|(_, i)| i).collect()
}

/// Pairwise pruning: for each pair with |r| > `cut`, remove the member that appears in more
/// such pairs (ties: the earlier one). Returns the positions kept, in order.
fn prune_pairs(c: &[f64], m: usize, cut: f64) -> Vec<usize> {
    let mut pairs = Vec::new();
    for i in 0..m {
        for j in 0..i {
            if c[i * m + j].abs() > cut {
                pairs.push((j, i));
            }
        }
    }
    let mut count = vec![0usize; m];
    for &(a, b) in &pairs {
        count[a] += 1;
        count[b] += 1;
    }
    let mut removed = vec![false; m];
    for &(a, b) in &pairs {
        let first = if count[a] < count[b] { b } else { a };
        removed[first] = true;
    }
    (0..m).filter(|&i| !removed[i]).collect()
}

/// Buffers of [`heidi_new`], kept per worker so that a probe allocates nothing large.
#[derive(Default)]
pub struct HeidiScratch {
    codes: Vec<Option<u8>>,
    ks: Vec<usize>,
    ks_kept: Vec<usize>,
    /// r with the anchor of the SNPs passing the threshold.
    target: TargetScratch,
    /// Genotypes of the SNPs kept by the LD filter.
    xk: Panels,
    r: Vec<f64>,
    sums: Vec<f64>,
    sums_kept: Vec<f64>,
    c: Vec<f64>,
}

thread_local! {
    static SCRATCH: RefCell<HeidiScratch> = RefCell::default();
}

/// HEIDI method 1 (`--heidi-mtd 1`). `target` is `Some(position)` for the target-SNP variant:
/// the target is always kept and is the LD anchor; otherwise the anchor is the max-|z| SNP.
///
/// Uses a per-thread [`HeidiScratch`]; [`heidi_new_with`] takes the caller's.
pub fn heidi_new<L: LdSource + ?Sized>(
    snps: &[HeidiSnp],
    ld: &L,
    prm: &HeidiParams,
    target: Option<usize>,
) -> HeidiOutcome {
    SCRATCH.with_borrow_mut(|sc| heidi_new_with(snps, ld, prm, target, sc))
}

/// [`heidi_new`] with the caller's buffers.
pub fn heidi_new_with<L: LdSource + ?Sized>(
    snps: &[HeidiSnp],
    ld: &L,
    prm: &HeidiParams,
    target: Option<usize>,
    sc: &mut HeidiScratch,
) -> HeidiOutcome {
    heidi_new_detailed(snps, ld, prm, HeidiVariant::default(), target, sc).0
}

/// [`heidi_new_with`] in a [`HeidiVariant`], with what the run found beyond its outcome.
pub fn heidi_new_detailed<L: LdSource + ?Sized>(
    snps: &[HeidiSnp],
    ld: &L,
    prm: &HeidiParams,
    variant: HeidiVariant,
    target: Option<usize>,
    sc: &mut HeidiScratch,
) -> (HeidiOutcome, HeidiDetail) {
    let none = |o| (o, HeidiDetail::default());
    let sel = match heidi_select(snps, prm, target) {
        Ok(s) => s,
        Err(o) => return none(o),
    };
    sc.ks.clear();
    sc.ks.extend(sel.ids.iter().map(|&i| snps[i].k));
    ld.r_with_target(
        &sc.ks,
        sel.t_pos,
        &mut sc.codes,
        &mut sc.target,
        &mut sc.sums,
        &mut sc.r,
    );
    let kept = match heidi_ld_filter(&sel, &sc.r, prm, variant, target) {
        Ok(k) => k,
        Err(o) => return none(o),
    };
    // Most SNPs are dropped by the filter: the kept ones are decoded again.
    sc.ks_kept.clear();
    sc.ks_kept.extend(kept.iter().map(|&j| sc.ks[j]));
    ld.panels(&sc.ks_kept, &mut sc.codes, &mut sc.xk);
    sc.sums_kept.clear();
    sc.sums_kept.extend(kept.iter().map(|&j| sc.sums[j]));
    correlation_into(&sc.xk, &sc.sums_kept, &mut sc.c);
    heidi_finish(snps, &sel, &kept, &sc.c, prm, variant, target)
}

/// The SNPs method 1 looks at (step 1 of [`heidi_new_detailed`]): positions into `snps`.
#[derive(Debug, Clone, Default)]
pub struct HeidiSelected {
    /// Positions into `snps` of the SNPs passing the threshold (at most
    /// [`PRE_PRUNE_CAP`], and the target), in the order LD is computed for them.
    pub ids: Vec<usize>,
    /// Position in `ids` of the LD anchor (the target, or the max-|z| SNP).
    pub t_pos: usize,
}

/// Step 1 of method 1: the SNPs over the threshold, capped, and the LD anchor; `Err` with the
/// outcome when too few pass. The LD of the selected SNPs (r with the anchor, the correlation
/// of those kept) depends only on their genotypes, so several traits may compute it once.
pub fn heidi_select(
    snps: &[HeidiSnp],
    prm: &HeidiParams,
    target: Option<usize>,
) -> std::result::Result<HeidiSelected, HeidiOutcome> {
    let mut ids: Vec<usize> = (0..snps.len())
        .filter(|&i| snps[i].z * snps[i].z - prm.threshold > 1e-6 || Some(i) == target)
        .collect();
    if ids.len() < prm.min_m {
        return Err(HeidiOutcome::TooFewSignificant);
    }
    ids = cap_by_z(&ids, snps, PRE_PRUNE_CAP);
    if let Some(t) = target {
        if !ids.contains(&t) {
            ids.push(t);
        }
    }
    let t_pos = match target {
        Some(t) => ids.iter().position(|&i| i == t).unwrap_or(0),
        None => max_abs_id(ids.iter().map(|&i| snps[i].z)),
    };
    Ok(HeidiSelected { ids, t_pos })
}

/// Step 2 of method 1: the LD filter with the anchor, given `r[j]`, the r of `sel.ids[j]`
/// with the anchor. Returns the positions (into `sel.ids`) kept, in order.
pub fn heidi_ld_filter(
    sel: &HeidiSelected,
    r: &[f64],
    prm: &HeidiParams,
    variant: HeidiVariant,
    target: Option<usize>,
) -> std::result::Result<Vec<usize>, HeidiOutcome> {
    let t_pos = sel.t_pos;
    let mut kept: Vec<usize> = (0..sel.ids.len()).collect();
    if (prm.ld_upper - 1.0).abs() > 1e-6 || prm.ld_lower > 0.0 {
        kept.retain(|&j| {
            if j == t_pos {
                return true;
            }
            let r2 = r[j] * r[j];
            let upper_ok = if target.is_some() || variant.tolerant_upper {
                r2 - prm.ld_upper < 1e-6
            } else {
                r2 < prm.ld_upper
            };
            upper_ok && r2 > prm.ld_lower
        });
        if kept.len() < prm.min_m {
            return Err(HeidiOutcome::TooFewAfterLdFilter);
        }
    }
    Ok(kept)
}

/// Step 3 of method 1: pruning, the max-m cap and the deviation test, given `c`, the
/// correlation matrix (row-major, `kept.len()` square) of the SNPs `sel.ids[kept[..]]`.
pub fn heidi_finish(
    snps: &[HeidiSnp],
    sel: &HeidiSelected,
    kept: &[usize],
    c: &[f64],
    prm: &HeidiParams,
    variant: HeidiVariant,
    target: Option<usize>,
) -> (HeidiOutcome, HeidiDetail) {
    let none = |o| (o, HeidiDetail::default());
    let ids = &sel.ids;
    let m = kept.len();
    let mut remain: Vec<usize> = (0..m).collect();
    let cut = prm.ld_upper.sqrt();
    if cut < 1.0 {
        remain = prune_pairs(c, m, cut);
        if remain.len() < prm.min_m {
            return none(HeidiOutcome::TooFewAfterPruning);
        }
    }
    // Positions (into `snps`) of the remaining SNPs, then the max-m cap.
    let remain_snps: Vec<usize> = remain.iter().map(|&p| ids[kept[p]]).collect();
    let mut fin = cap_by_z(&remain_snps, snps, prm.max_m);
    if let Some(t) = target {
        if !fin.contains(&t) {
            if let Some(last) = fin.last_mut() {
                *last = t;
            }
        }
    }
    // Row/column of each final SNP in `c` (the target, if re-inserted, is always in `kept`;
    // `ids` has no repeats).
    let pos_in_c: Vec<usize> = fin
        .iter()
        .map(|&s| {
            kept.iter()
                .position(|&kp| ids[kp] == s)
                .expect("a final SNP is among those kept")
        })
        .collect();
    let f = fin.len();
    let mut rf = vec![0.0; f * f];
    for a in 0..f {
        for b in 0..f {
            rf[a * f + b] = c[pos_in_c[a] * m + pos_in_c[b]];
        }
    }
    deviation_outcome(snps, &fin, &rf, variant)
}

/// HEIDI method 0 (`--heidi-mtd 0`): `top` is the position of the SMR instrument.
pub fn heidi_original<L: LdSource + ?Sized>(
    snps: &[HeidiSnp],
    ld: &L,
    prm: &HeidiParams,
    top: usize,
) -> HeidiOutcome {
    heidi_original_detailed(snps, ld, prm, HeidiVariant::default(), top).0
}

/// [`heidi_original`] in a [`HeidiVariant`] (its `tolerant_upper` does not apply: method 0
/// is tolerant already), with what the run found beyond its outcome.
pub fn heidi_original_detailed<L: LdSource + ?Sized>(
    snps: &[HeidiSnp],
    ld: &L,
    prm: &HeidiParams,
    variant: HeidiVariant,
    top: usize,
) -> (HeidiOutcome, HeidiDetail) {
    let pass: Vec<usize> = (0..snps.len())
        .filter(|&i| snps[i].z * snps[i].z - prm.threshold > 1e-6)
        .collect();
    let ids: Vec<usize> = if (prm.ld_upper - 1.0).abs() < 1e-6 {
        pass
    } else {
        // r of each passing SNP with the top SNP (r of a column depends only on it and the top).
        let mut cols = pass.clone();
        cols.push(top);
        let ks: Vec<usize> = cols.iter().map(|&i| snps[i].k).collect();
        let mut scratch = Vec::new();
        let x = ld.matrix(&ks, &mut scratch);
        let r = r_with_target(&x, cols.len() - 1);
        pass.iter()
            .enumerate()
            .filter(|&(j, &i)| i == top || r[j] * r[j] - prm.ld_upper < 1e-6)
            .map(|(_, &i)| i)
            .collect()
    };
    if ids.len() < prm.min_m {
        return (HeidiOutcome::TooFewSignificant, HeidiDetail::default());
    }
    let ks: Vec<usize> = ids.iter().map(|&i| snps[i].k).collect();
    let mut scratch = Vec::new();
    let x = ld.matrix(&ks, &mut scratch);
    let c = correlation_matrix(&x);
    deviation_outcome(snps, &ids, &c, variant)
}

/// The deviation test on the final list `list` (positions into `snps`) with its LD matrix
/// `r` (row-major, `list.len()` square).
fn deviation_outcome(
    snps: &[HeidiSnp],
    list: &[usize],
    r: &[f64],
    variant: HeidiVariant,
) -> (HeidiOutcome, HeidiDetail) {
    let by: Vec<f64> = list.iter().map(|&i| snps[i].by).collect();
    let sy: Vec<f64> = list.iter().map(|&i| snps[i].sy).collect();
    let bx: Vec<f64> = list.iter().map(|&i| snps[i].bx).collect();
    let z: Vec<f64> = list.iter().map(|&i| snps[i].z).collect();
    let mut detail = HeidiDetail::default();
    if variant.record_ld && !list.is_empty() {
        // The anchor is the max-|z| SNP of the final list, as in the deviation test.
        let m = list.len();
        let t = max_abs_id(&z);
        detail.ld = (0..m).map(|j| (snps[list[j]].k, r[t * m + j])).collect();
    }
    if let Some(theta) = variant.overlap_theta {
        let (outcome, log10_p) = overlap_outcome(&by, &sy, &bx, &z, r, theta, variant);
        detail.log10_p = log10_p;
        return (outcome, detail);
    }
    let outcome = match deviation_statistic_with(&by, &sy, &bx, &z, r, variant.scale_free) {
        Some(d) => {
            detail.constant_share = d.constant_share;
            let p = pchisqsum(d.stat, &d.lambda);
            detail.log10_p = log10_or(p, || log10_pchisqsum(d.stat, &d.lambda));
            HeidiOutcome::Tested {
                p,
                nsnp: list.len(),
            }
        }
        None => HeidiOutcome::TooFewForTest,
    };
    (outcome, detail)
}

/// The deviation test under sample overlap θ (reference algorithm §7.3): its p-value
/// rounded to float32, as the reference's overlap variant returns it, and its log10.
fn overlap_outcome(
    by: &[f64],
    sy: &[f64],
    bx: &[f64],
    z: &[f64],
    r: &[f64],
    theta: f64,
    variant: HeidiVariant,
) -> (HeidiOutcome, f64) {
    use crate::stats::overlap::{deviation_statistic_overlap, Eps};
    let eps = if variant.scale_free {
        Eps::ScaleFree
    } else {
        Eps::Fixed
    };
    match deviation_statistic_overlap(by, sy, bx, z, r, theta, eps) {
        Some((stat, lambda)) => {
            let p = f64::from(pchisqsum(stat, &lambda) as f32);
            let log10_p = log10_or(p, || log10_pchisqsum(stat, &lambda));
            (HeidiOutcome::Tested { p, nsnp: by.len() }, log10_p)
        }
        None => (HeidiOutcome::TooFewForTest, f64::NAN),
    }
}

/// The HEIDI deviation statistic and its p-value for `m` SNPs with LD matrix `r` (row-major
/// `m × m`), in the reference's operation order. `None` when `m <= 1`.
pub fn deviation_test(by: &[f64], sy: &[f64], bx: &[f64], z: &[f64], r: &[f64]) -> Option<f64> {
    deviation_statistic(by, sy, bx, z, r).map(|(stat, lambda)| pchisqsum(stat, &lambda))
}

/// The deviation statistic T and the eigenvalues λ (ascending) of the correlation of the
/// deviations (data-spec/algorithm.md §deviation); `None` when `m <= 1`.
pub fn deviation_statistic(
    by: &[f64],
    sy: &[f64],
    bx: &[f64],
    z: &[f64],
    r: &[f64],
) -> Option<(f64, Vec<f64>)> {
    deviation_statistic_with(by, sy, bx, z, r, false).map(|d| (d.stat, d.lambda))
}

/// The deviation test's statistic, eigenvalues and the weight of its regularising constant.
#[derive(Debug, Clone, PartialEq)]
pub struct Deviation {
    /// T = Σ d²/var(d).
    pub stat: f64,
    /// Eigenvalues (ascending) of the correlation of the deviations.
    pub lambda: Vec<f64>,
    /// max over the deviations of `c / var(d)` (`c` the constant added to each variance).
    pub constant_share: f64,
}

/// [`deviation_statistic`] with the constant added to the variances chosen: `1e-8` (the
/// reference) or, `scale_free`, `1e-8 × v_tt` (v_tt the variance of the top SNP's b_xy),
/// which makes T and the eigenvalues invariant when b_xy is rescaled.
pub fn deviation_statistic_with(
    by: &[f64],
    sy: &[f64],
    bx: &[f64],
    z: &[f64],
    r: &[f64],
    scale_free: bool,
) -> Option<Deviation> {
    let m = by.len();
    if m <= 1 {
        return None;
    }
    let bxy: Vec<f64> = (0..m).map(|i| by[i] / bx[i]).collect();
    let t = max_abs_id(z);
    let mut v = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..m {
            let zz = z[i] * z[j];
            let bb = bxy[i] * bxy[j];
            v[i * m + j] =
                r[i * m + j] * (sy[i] * sy[j] / (bx[i] * bx[j]) + bb / zz) - bb / (zz * zz);
        }
    }
    let others: Vec<usize> = (0..m).filter(|&k| k != t).collect();
    let vt = v[t * m + t];
    let eps = if scale_free { 1e-8 * vt.abs() } else { 1e-8 };
    let k = others.len();
    let mut d = DMatrix::<f64>::zeros(k, k);
    let mut stat = 0.0;
    let mut share: f64 = 0.0;
    for (a, &oa) in others.iter().enumerate() {
        let ca = v[t * m + oa];
        for (b, &ob) in others.iter().enumerate() {
            let cb = v[t * m + ob];
            d[(a, b)] = ((vt + v[oa * m + ob]) - cb) - ca;
        }
        d[(a, a)] += eps;
        let diff = bxy[t] - bxy[oa];
        let var0 = vt + v[oa * m + oa] - 2.0 * ca;
        let var = var0 + eps;
        share = share.max(eps / var0.abs());
        stat += diff * diff / var;
    }
    let mut rho = DMatrix::<f64>::zeros(k, k);
    for a in 0..k {
        for b in 0..k {
            rho[(a, b)] = d[(a, b)] / (d[(a, a)] * d[(b, b)]).sqrt();
        }
    }
    // Eigenvalues only (the eigenvectors are never used); reads the lower triangle.
    let mut lambda: Vec<f64> = rho.symmetric_eigenvalues().iter().copied().collect();
    lambda.sort_by(f64::total_cmp);
    Some(Deviation {
        stat,
        lambda,
        constant_share: share,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cap_orders_by_descending_abs_z_then_position() {
        let snps: Vec<HeidiSnp> = [1.0, -5.0, 3.0, 5.0, 2.0]
            .iter()
            .enumerate()
            .map(|(k, &z)| HeidiSnp {
                k,
                by: 0.0,
                sy: 1.0,
                bx: 1.0,
                z,
            })
            .collect();
        assert_eq!(cap_by_z(&[0, 1, 2, 3, 4], &snps, 3), vec![3, 1, 2]);
        assert_eq!(cap_by_z(&[0, 1, 2], &snps, 3), vec![0, 1, 2]);
    }

    /// Three SNPs with heterogeneous SMR estimates (by/bx = 0.1, -0.0333, 0.08). Expected
    /// values from an independent NumPy implementation of data-spec/algorithm.md §deviation
    /// (T = 17.46103932353098, λ = 0.73845043, 1.26154957); the exact tail of Σλχ²₁ by Imhof
    /// numerical integration (SciPy quad) is 3.2788e-4; an independent saddlepoint (SciPy brentq
    /// root, exact normal tail) gives 3.466380e-4. Ours uses the Abramowitz-Stegun normal tail
    /// (absolute error < 7.5e-8, i.e. < 2.2e-4 relative here), as the reference does.
    #[test]
    fn deviation_test_on_a_hand_sized_case() {
        let r = [1.0, 0.5, 0.2, 0.5, 1.0, 0.3, 0.2, 0.3, 1.0];
        let by = [0.05, -0.01, 0.02];
        let sy = [0.01, 0.01, 0.012];
        let bx = [0.5, 0.3, 0.25];
        let z = [10.0, 6.0, 5.0];
        let (stat, lambda) = deviation_statistic(&by, &sy, &bx, &z, &r).unwrap();
        assert!((stat - 17.46103932353098).abs() < 1e-11, "{stat}");
        assert!((lambda[0] - 0.73845043).abs() < 1e-8, "{lambda:?}");
        assert!((lambda[1] - 1.26154957).abs() < 1e-8, "{lambda:?}");
        // Eigenvalues of a 2x2 correlation matrix sum to 2.
        assert!((lambda[0] + lambda[1] - 2.0).abs() < 1e-12);
        let p = deviation_test(&by, &sy, &bx, &z, &r).unwrap();
        assert!((p - 3.466380e-4).abs() / 3.466380e-4 < 2.2e-4, "{p}");
        assert!((p - 3.2788e-4).abs() / 3.2788e-4 < 0.1, "{p}");
        // One SNP: no test.
        assert!(deviation_test(&by[..1], &sy[..1], &bx[..1], &z[..1], &[1.0]).is_none());
    }

    #[test]
    fn pruning_removes_the_member_in_more_pairs_ties_the_earlier() {
        // 3 SNPs: 0-1 and 1-2 in high LD, 0-2 not: SNP 1 is in two pairs and is removed.
        let c = [1.0, 0.99, 0.1, 0.99, 1.0, 0.98, 0.1, 0.98, 1.0];
        assert_eq!(prune_pairs(&c, 3, 0.9f64.sqrt()), vec![0, 2]);
        // One pair: tie, the earlier one goes.
        let c = [1.0, 0.99, 0.99, 1.0];
        assert_eq!(prune_pairs(&c, 2, 0.9f64.sqrt()), vec![1]);
    }
}
