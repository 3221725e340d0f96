//! Reference genotypes and LD: allele counts of the eQTL A1 with mean imputation, the
//! one-to-many r with the reference's mixed precision, and correlation matrices
//! (data-spec/ld.md).

use crate::io::plink::bed::{count_all, decode_counts, BedFile, BYTE_TO_CODES};
use crate::types::{Chrom, CHROM_X};
use rayon::prelude::*;

/// Genotypes of the matched SNPs, decoded on demand from the packed `.bed`.
pub struct Genotypes<'a> {
    bed: &'a BedFile,
    keep: &'a [usize],
    /// Per compact SNP: `.bim` index and whether counts must be turned into `2 - count`.
    snps: Vec<(usize, bool)>,
    /// Per compact SNP: mean count of the eQTL A1 (2 × reference frequency).
    mean: Vec<f64>,
    /// `keep` is every individual in `.fam` order.
    keep_all: bool,
}

/// Weight of an individual in the reference-frequency mean (data-spec/ld.md §frequency):
/// 1 on autosomes; on X 0.5 for males, 1 for females, 0 for unknown sex; 0.5 beyond X.
fn weight(chr: Chrom, sex: i32) -> f64 {
    if chr < CHROM_X {
        1.0
    } else if chr == CHROM_X {
        match sex {
            1 => 0.5,
            2 => 1.0,
            _ => 0.0,
        }
    } else {
        0.5
    }
}

/// Per `.bed` SNP: the sum of `.bim` A1 counts and the number of non-missing genotypes over
/// the kept individuals. Computed once per LD reference; gives every autosomal SNP's mean
/// without decoding it again for each trait.
#[derive(Debug, Clone, Default)]
pub struct AlleleCounts {
    /// Sum of `.bim` A1 counts.
    pub sum: Vec<u32>,
    /// Non-missing genotypes.
    pub observed: Vec<u32>,
}

impl AlleleCounts {
    /// Count every SNP of `bed` over the individuals `keep` (in the current rayon pool). The
    /// file's pages are released as blocks are done, so counting does not keep the whole
    /// `.bed` resident.
    pub fn new(bed: &BedFile, keep: &[usize]) -> Self {
        const BLOCK: usize = 1 << 14;
        let n = bed.n_indiv();
        let all = keep.len() == n && keep.iter().enumerate().all(|(i, &k)| i == k);
        let blocks: Vec<(Vec<u32>, Vec<u32>)> = (0..bed.n_snps())
            .into_par_iter()
            .step_by(BLOCK)
            .map_init(Vec::new, |scratch, first| {
                let last = (first + BLOCK).min(bed.n_snps());
                let mut sum = Vec::with_capacity(last - first);
                let mut observed = Vec::with_capacity(last - first);
                for j in first..last {
                    let (s, c) = if all {
                        count_all(bed.snp_bytes(j), n)
                    } else {
                        decode_counts(bed.snp_bytes(j), keep, scratch);
                        scratch
                            .iter()
                            .flatten()
                            .fold((0u32, 0u32), |(s, c), &x| (s + u32::from(x), c + 1))
                    };
                    sum.push(s);
                    observed.push(c);
                }
                bed.release(first, last - first);
                (sum, observed)
            })
            .collect();
        let mut out = AlleleCounts::default();
        for (s, c) in blocks {
            out.sum.extend(s);
            out.observed.extend(c);
        }
        out
    }
}

/// Mean count of the eQTL A1 of `.bed` SNP `b` with the reference's weights.
fn weighted_mean(
    bed: &BedFile,
    keep: &[usize],
    sexes: &[i32],
    b: usize,
    swapped: bool,
    chr: Chrom,
    counts: &mut Vec<Option<u8>>,
) -> f64 {
    decode_counts(bed.snp_bytes(b), keep, counts);
    let (mut sum, mut wsum) = (0.0f64, 0.0f64);
    for (c, &sex) in counts.iter().zip(sexes) {
        if let Some(c) = *c {
            let x = if swapped { 2 - c } else { c } as f64;
            let w = weight(chr, sex);
            sum += w * x;
            wsum += w;
        }
    }
    if wsum > 0.0 {
        sum / wsum
    } else {
        0.0
    }
}

impl<'a> Genotypes<'a> {
    /// As [`Genotypes::new`], taking autosomal SNPs' means from `counts` (bit-identical: the
    /// weighted sums of the reference are exact integers on autosomes, weight 1).
    pub fn with_counts(
        bed: &'a BedFile,
        keep: &'a [usize],
        sexes: &[i32],
        snps: Vec<(usize, bool, Chrom)>,
        counts: &AlleleCounts,
    ) -> Self {
        let mut counts_scratch = Vec::new();
        let mean = snps
            .iter()
            .map(|&(b, swapped, chr)| {
                if chr < CHROM_X {
                    let (s, c) = (counts.sum[b], counts.observed[b]);
                    if c == 0 {
                        0.0
                    } else {
                        let s = if swapped { 2 * c - s } else { s };
                        f64::from(s) / f64::from(c)
                    }
                } else {
                    weighted_mean(bed, keep, sexes, b, swapped, chr, &mut counts_scratch)
                }
            })
            .collect();
        Genotypes {
            bed,
            keep,
            snps: snps.into_iter().map(|(b, s, _)| (b, s)).collect(),
            mean,
            keep_all: keep.len() == bed.n_indiv() && keep.iter().enumerate().all(|(i, &k)| i == k),
        }
    }

    /// Build the genotype view. `keep` are the `.fam` indexes kept (in `.fam` order) and
    /// `sexes` their sex codes; `snps` gives, per compact SNP, its `.bim` index, whether the
    /// eQTL A1 is the `.bim` A2, and its chromosome.
    pub fn new(
        bed: &'a BedFile,
        keep: &'a [usize],
        sexes: &[i32],
        snps: Vec<(usize, bool, Chrom)>,
    ) -> Self {
        let mut counts = Vec::with_capacity(keep.len());
        let mean = snps
            .iter()
            .map(|&(b, swapped, chr)| weighted_mean(bed, keep, sexes, b, swapped, chr, &mut counts))
            .collect();
        Genotypes {
            bed,
            keep,
            snps: snps.into_iter().map(|(b, s, _)| (b, s)).collect(),
            mean,
            keep_all: keep.len() == bed.n_indiv() && keep.iter().enumerate().all(|(i, &k)| i == k),
        }
    }

    /// Keep only the compact SNPs with `keep[k]` true (the compact index is renumbered).
    pub fn retain(&mut self, keep: &[bool]) {
        let mut i = 0;
        self.snps.retain(|_| {
            i += 1;
            keep[i - 1]
        });
        let mut i = 0;
        self.mean.retain(|_| {
            i += 1;
            keep[i - 1]
        });
    }

    /// Number of individuals kept.
    pub fn n_indiv(&self) -> usize {
        self.keep.len()
    }

    /// Mean count of the eQTL A1 for compact SNP `k` (2 × reference frequency).
    pub fn mean(&self, k: usize) -> f64 {
        self.mean[k]
    }

    /// Decode compact SNP `k` into `out` (length `n_indiv`): counts of the eQTL A1, missing
    /// genotypes imputed with the SNP's mean. `scratch` is reused between calls.
    pub fn column(&self, k: usize, scratch: &mut Vec<Option<u8>>, out: &mut [f64]) {
        let (b, swapped) = self.snps[k];
        if self.keep_all {
            // Every individual kept: decode a byte at a time (same values as below).
            let mu = self.mean[k];
            let map = if swapped {
                [0.0, mu, 1.0, 2.0]
            } else {
                [2.0, mu, 1.0, 0.0]
            };
            for (o4, &byte) in out.chunks_mut(4).zip(self.bed.snp_bytes(b)) {
                for (o, &code) in o4.iter_mut().zip(&BYTE_TO_CODES[byte as usize]) {
                    *o = map[code as usize];
                }
            }
            return;
        }
        decode_counts(self.bed.snp_bytes(b), self.keep, scratch);
        let mu = self.mean[k];
        for (o, c) in out.iter_mut().zip(scratch.iter()) {
            *o = match *c {
                Some(c) if swapped => f64::from(2 - c),
                Some(c) => f64::from(c),
                None => mu,
            };
        }
    }

    /// Decode several compact SNPs into a column-major matrix (`n_indiv` rows).
    pub fn matrix(&self, ks: &[usize], scratch: &mut Vec<Option<u8>>) -> Matrix {
        let n = self.n_indiv();
        let mut data = vec![0.0; n * ks.len()];
        for (j, &k) in ks.iter().enumerate() {
            self.column(k, scratch, &mut data[j * n..(j + 1) * n]);
        }
        Matrix {
            n,
            m: ks.len(),
            data,
        }
    }
}

/// A column-major genotype matrix: `n` individuals × `m` SNPs.
pub struct Matrix {
    /// Rows (individuals).
    pub n: usize,
    /// Columns (SNPs).
    pub m: usize,
    /// Column-major values.
    pub data: Vec<f64>,
}

impl Matrix {
    /// Column `j`.
    pub fn col(&self, j: usize) -> &[f64] {
        &self.data[j * self.n..(j + 1) * self.n]
    }

    /// Keep only the columns listed, in the order listed.
    pub fn select(&self, cols: &[usize]) -> Matrix {
        let mut data = Vec::with_capacity(self.n * cols.len());
        for &j in cols {
            data.extend_from_slice(self.col(j));
        }
        Matrix {
            n: self.n,
            m: cols.len(),
            data,
        }
    }
}

fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// r between column `t` and every column, with the reference's precision: the target's sums
/// and variance term in single precision, everything else in double (data-spec/ld.md §r).
pub fn r_with_target(x: &Matrix, t: usize) -> Vec<f64> {
    let n = x.n as f64;
    let xt = x.col(t);
    let s_t = xt.iter().sum::<f64>() as f32;
    let q_t = dot(xt, xt) as f32;
    let v_t: f32 = q_t * (x.n as f32) - s_t * s_t;
    let (s_t, v_t) = (f64::from(s_t), f64::from(v_t));
    let r = |s: f64, q: f64, c: f64| (c * n - s * s_t) / ((q * n - s * s) * v_t).sqrt();
    let mut out = Vec::with_capacity(x.m);
    // Four columns per pass with separate accumulators: every sum is still sequential over
    // individuals (bit-identical to the naive loop), but four chains run at once.
    let mut i = 0;
    while i + 4 <= x.m {
        let cols = [x.col(i), x.col(i + 1), x.col(i + 2), x.col(i + 3)];
        let (mut s, mut q, mut c) = ([0.0f64; 4], [0.0f64; 4], [0.0f64; 4]);
        for (k, &tk) in xt.iter().enumerate() {
            for a in 0..4 {
                let v = cols[a][k];
                s[a] += v;
                q[a] += v * v;
                c[a] += v * tk;
            }
        }
        for a in 0..4 {
            out.push(r(s[a], q[a], c[a]));
        }
        i += 4;
    }
    for i in i..x.m {
        let xi = x.col(i);
        out.push(r(xi.iter().sum::<f64>(), dot(xi, xi), dot(xi, xt)));
    }
    out
}

/// The naive form of [`r_with_target`] (one column at a time): its specification.
pub fn r_with_target_naive(x: &Matrix, t: usize) -> Vec<f64> {
    let n = x.n as f64;
    let xt = x.col(t);
    let s_t = xt.iter().sum::<f64>() as f32;
    let q_t = dot(xt, xt) as f32;
    let v_t: f32 = q_t * (x.n as f32) - s_t * s_t;
    let (s_t, v_t) = (f64::from(s_t), f64::from(v_t));
    (0..x.m)
        .map(|i| {
            let xi = x.col(i);
            let s = xi.iter().sum::<f64>();
            let q = dot(xi, xi);
            let c = dot(xi, xt);
            (c * n - s * s_t) / ((q * n - s * s) * v_t).sqrt()
        })
        .collect()
}

/// Width of the register block of [`gram`]: 4 × 4 dot products per pass over the individuals.
const GRAM_BLOCK: usize = 4;

/// All dot products `x_iᵀ x_j`, row-major `m × m` (both triangles filled).
///
/// Each dot product is summed sequentially over individuals `0..n`, exactly as a naive loop
/// does, so the result is bit-identical to `Σ_k x_ki · x_kj` in order (no FMA, no reordering):
/// the speed comes from computing a 4 × 4 block of dot products per pass over the individuals
/// on an individual-major copy, which vectorises across the block instead of along `k`.
pub fn gram(x: &Matrix) -> Vec<f64> {
    let (n, m) = (x.n, x.m);
    let np = m.div_ceil(GRAM_BLOCK);
    // Panels of 4 columns, individual-major inside a panel (zero-padded), so that one block
    // of dot products streams two small contiguous panels.
    let mut panels = vec![0.0f64; np * n * GRAM_BLOCK];
    for j in 0..m {
        let (p, l) = (j / GRAM_BLOCK, j % GRAM_BLOCK);
        let panel = &mut panels[p * n * GRAM_BLOCK..(p + 1) * n * GRAM_BLOCK];
        for (k, &v) in x.col(j).iter().enumerate() {
            panel[k * GRAM_BLOCK + l] = v;
        }
    }
    let mut g = vec![0.0f64; m * m];
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { gram_panels_avx2(&panels, n, np, m, &mut g) };
            return g;
        }
    }
    gram_panels(&panels, n, np, m, &mut g);
    g
}

/// [`gram_panels`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gram_panels_avx2(panels: &[f64], n: usize, np: usize, m: usize, g: &mut [f64]) {
    gram_panels(panels, n, np, m, g);
}

#[inline(always)]
fn gram_panels(panels: &[f64], n: usize, np: usize, m: usize, g: &mut [f64]) {
    let w = n * GRAM_BLOCK;
    for pi in 0..np {
        let pa = &panels[pi * w..(pi + 1) * w];
        for pj in 0..=pi {
            let pb = &panels[pj * w..(pj + 1) * w];
            let mut acc = [[0.0f64; GRAM_BLOCK]; GRAM_BLOCK];
            for (xa, xb) in pa.chunks_exact(GRAM_BLOCK).zip(pb.chunks_exact(GRAM_BLOCK)) {
                for a in 0..GRAM_BLOCK {
                    for b in 0..GRAM_BLOCK {
                        acc[a][b] += xa[a] * xb[b];
                    }
                }
            }
            for (a, acc_a) in acc.iter().enumerate() {
                let i = pi * GRAM_BLOCK + a;
                if i >= m {
                    break;
                }
                for (b, &v) in acc_a.iter().enumerate() {
                    let j = pj * GRAM_BLOCK + b;
                    if j >= m {
                        break;
                    }
                    g[i * m + j] = v;
                    g[j * m + i] = v;
                }
            }
        }
    }
}

/// Full correlation matrix of the columns, row-major `m × m`, in double
/// (data-spec/ld.md §matrix). The diagonal is computed, not forced to 1. Bit-identical to the
/// naive formula with sequential dot products ([`gram`]).
pub fn correlation_matrix(x: &Matrix) -> Vec<f64> {
    let n = x.n as f64;
    let m = x.m;
    let sums: Vec<f64> = (0..m).map(|i| x.col(i).iter().sum()).collect();
    let mut r = gram(x);
    let sd: Vec<f64> = (0..m)
        .map(|i| (n * r[i * m + i] - sums[i] * sums[i]).sqrt())
        .collect();
    for i in 0..m {
        for j in 0..=i {
            let v = (n * r[i * m + j] - sums[i] * sums[j]) / (sd[i] * sd[j]);
            r[i * m + j] = v;
            r[j * m + i] = v;
        }
    }
    r
}

/// The naive correlation matrix (one sequential dot product per pair): the specification
/// [`correlation_matrix`] must reproduce bit for bit; kept for tests and benchmarks.
pub fn correlation_matrix_naive(x: &Matrix) -> Vec<f64> {
    let n = x.n as f64;
    let m = x.m;
    let sums: Vec<f64> = (0..m).map(|i| x.col(i).iter().sum()).collect();
    let sd: Vec<f64> = (0..m)
        .map(|i| (n * dot(x.col(i), x.col(i)) - sums[i] * sums[i]).sqrt())
        .collect();
    let mut r = vec![0.0; m * m];
    for i in 0..m {
        for j in 0..=i {
            let xtx = dot(x.col(i), x.col(j));
            let v = (n * xtx - sums[i] * sums[j]) / (sd[i] * sd[j]);
            r[i * m + j] = v;
            r[j * m + i] = v;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(cols: &[&[f64]]) -> Matrix {
        let n = cols[0].len();
        Matrix {
            n,
            m: cols.len(),
            data: cols.iter().flat_map(|c| c.iter().copied()).collect(),
        }
    }

    #[test]
    fn correlation_matrix_is_symmetric_with_unit_diagonal() {
        let x = matrix(&[
            &[0.0, 1.0, 2.0, 1.0, 0.0, 2.0],
            &[1.0, 1.0, 2.0, 0.0, 0.0, 2.0],
            &[2.0, 1.0, 0.0, 1.0, 2.0, 0.0],
        ]);
        let r = correlation_matrix(&x);
        for i in 0..3 {
            assert!((r[i * 3 + i] - 1.0).abs() < 1e-12);
            for j in 0..3 {
                assert_eq!(r[i * 3 + j], r[j * 3 + i]);
            }
        }
        // Column 2 is 2 - column 0: r = -1 exactly.
        assert!((r[2] + 1.0).abs() < 1e-12);
    }

    #[test]
    fn blocked_matrix_is_bit_identical_to_naive() {
        // Non-integer values (as mean-imputed genotypes are), sizes not multiples of the block.
        for &(n, m) in &[(7usize, 1usize), (13, 5), (50, 9), (101, 30)] {
            let data: Vec<f64> = (0..n * m)
                .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 3) as f64)
                .collect();
            let x = Matrix { n, m, data };
            let a = correlation_matrix(&x);
            let b = correlation_matrix_naive(&x);
            assert_eq!(
                a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
                b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn blocked_r_is_bit_identical_to_naive() {
        for &(n, m) in &[(7usize, 1usize), (13, 5), (50, 9), (101, 30)] {
            let data: Vec<f64> = (0..n * m)
                .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 3) as f64)
                .collect();
            let x = Matrix { n, m, data };
            for t in [0, m / 2, m - 1] {
                let a: Vec<u64> = r_with_target(&x, t).iter().map(|v| v.to_bits()).collect();
                let b: Vec<u64> = r_with_target_naive(&x, t)
                    .iter()
                    .map(|v| v.to_bits())
                    .collect();
                assert_eq!(a, b);
            }
        }
    }

    #[test]
    fn r_with_target_matches_pearson_by_hand() {
        // x = (0,1,2,1), y = (1,1,2,0): n*Σxy - ΣxΣy = 4*5 - 4*4 = 4,
        // n*Σx² - (Σx)² = 4*6 - 16 = 8, n*Σy² - (Σy)² = 4*6 - 16 = 8 -> r = 4/8 = 0.5; with z = (0,1,2,2):
        // n*Σxz - ΣxΣz = 4*7 - 4*5 = 8; n*Σx² - (Σx)² = 4*6-16 = 8; n*Σz²-(Σz)² = 4*9-25 = 11
        // r = 8 / sqrt(8*11) = 0.852802865422442...
        let x = matrix(&[
            &[0.0, 1.0, 2.0, 1.0],
            &[1.0, 1.0, 2.0, 0.0],
            &[0.0, 1.0, 2.0, 2.0],
        ]);
        let r = r_with_target(&x, 0);
        assert!((r[0] - 1.0).abs() < 1e-12);
        assert_eq!(r[1], 0.5);
        assert!((r[2] - 8.0 / (88.0f64).sqrt()).abs() < 1e-12);
    }
}
