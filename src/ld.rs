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
    /// (32-bit: one per matched SNP, millions of them; data-spec/memory.md §3.)
    snps: Vec<(u32, bool)>,
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
            snps: snps.into_iter().map(|(b, s, _)| (b as u32, s)).collect(),
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
            snps: snps.into_iter().map(|(b, s, _)| (b as u32, s)).collect(),
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
        let n = self.n_indiv();
        self.decode_strided(k, scratch, &mut out[..n], 1);
    }

    /// [`Genotypes::column`] writing individual `i` to `out[i * stride]`; `out` must be
    /// `(n_indiv - 1) * stride + 1` long.
    #[inline(always)]
    fn decode_strided(
        &self,
        k: usize,
        scratch: &mut Vec<Option<u8>>,
        out: &mut [f64],
        stride: usize,
    ) {
        let n = self.n_indiv();
        debug_assert_eq!(out.len(), (n - 1) * stride + 1);
        let (b, swapped) = self.snps[k];
        let b = b as usize;
        let mu = self.mean[k];
        if self.keep_all {
            // Every individual kept: decode a byte (four individuals) at a time.
            let map = if swapped {
                [0.0, mu, 1.0, 2.0]
            } else {
                [2.0, mu, 1.0, 0.0]
            };
            let bytes = self.bed.snp_bytes(b);
            let full = n / 4;
            for (i, &byte) in bytes[..full].iter().enumerate() {
                let codes = &BYTE_TO_CODES[byte as usize];
                let o = &mut out[4 * i * stride..(4 * i + 3) * stride + 1];
                o[0] = map[codes[0] as usize];
                o[stride] = map[codes[1] as usize];
                o[2 * stride] = map[codes[2] as usize];
                o[3 * stride] = map[codes[3] as usize];
            }
            if full * 4 < n {
                let codes = &BYTE_TO_CODES[bytes[full] as usize];
                for (c, i) in (full * 4..n).enumerate() {
                    out[i * stride] = map[codes[c] as usize];
                }
            }
            return;
        }
        decode_counts(self.bed.snp_bytes(b), self.keep, scratch);
        for (i, c) in scratch.iter().enumerate() {
            out[i * stride] = match *c {
                Some(c) if swapped => f64::from(2 - c),
                Some(c) => f64::from(c),
                None => mu,
            };
        }
    }

    /// Decode several compact SNPs into `out` as [`Panels`] (column `j` is `ks[j]`).
    pub fn decode_panels(&self, ks: &[usize], scratch: &mut Vec<Option<u8>>, out: &mut Panels) {
        let n = self.n_indiv();
        out.reset(n, ks.len());
        for (j, &k) in ks.iter().enumerate() {
            let base = (j / PANEL) * n * PANEL + j % PANEL;
            self.decode_strided(
                k,
                scratch,
                &mut out.data[base..base + (n - 1) * PANEL + 1],
                PANEL,
            );
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

/// Columns per panel of [`Panels`]: one AVX2 vector of `f64`.
pub const PANEL: usize = 4;

/// Genotype columns in panels of [`PANEL`] columns, individual-major inside a panel (the last
/// panel zero-padded): one vector load gives one individual's values in four columns, so the
/// r and Gram kernels vectorise across columns while every sum still runs over individuals in
/// order. Meant to be reused between probes.
#[derive(Debug, Clone, Default)]
pub struct Panels {
    n: usize,
    m: usize,
    data: Vec<f64>,
}

impl Panels {
    /// Rows (individuals).
    pub fn n(&self) -> usize {
        self.n
    }

    /// Columns (SNPs).
    pub fn m(&self) -> usize {
        self.m
    }

    /// Make room for `m` columns of `n` values; the padding lanes are zeroed, the rest is left
    /// for the caller to overwrite.
    fn reset(&mut self, n: usize, m: usize) {
        self.n = n;
        self.m = m;
        self.data.resize(m.div_ceil(PANEL) * n * PANEL, 0.0);
        let used = m % PANEL;
        if used != 0 {
            let last = (m / PANEL) * n * PANEL;
            for row in self.data[last..].chunks_exact_mut(PANEL) {
                row[used..].fill(0.0);
            }
        }
    }

    fn panel(&self, p: usize) -> &[f64] {
        let w = self.n * PANEL;
        &self.data[p * w..(p + 1) * w]
    }

    /// Value of individual `i` in column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.data[(j / PANEL) * self.n * PANEL + i * PANEL + j % PANEL]
    }

    /// Copy column `j` into `out`.
    pub fn column_into(&self, j: usize, out: &mut Vec<f64>) {
        let base = (j / PANEL) * self.n * PANEL + j % PANEL;
        out.clear();
        out.extend(self.data[base..].iter().step_by(PANEL).take(self.n));
    }

    /// The columns of a column-major matrix.
    pub fn from_matrix(x: &Matrix) -> Self {
        let mut p = Panels::default();
        p.reset(x.n, x.m);
        for j in 0..x.m {
            let base = (j / PANEL) * x.n * PANEL + j % PANEL;
            for (i, &v) in x.col(j).iter().enumerate() {
                p.data[base + i * PANEL] = v;
            }
        }
        p
    }

    /// Replace the contents with the columns `cols` of `src`, in the order listed.
    pub fn select_from(&mut self, src: &Panels, cols: &[usize]) {
        let n = src.n;
        self.reset(n, cols.len());
        for (j, &c) in cols.iter().enumerate() {
            let to = (j / PANEL) * n * PANEL + j % PANEL;
            let from = (c / PANEL) * n * PANEL + c % PANEL;
            let dst = self.data[to..].iter_mut().step_by(PANEL);
            for (d, &v) in dst.zip(src.data[from..].iter().step_by(PANEL)).take(n) {
                *d = v;
            }
        }
    }
}

/// r between column `t` and every column, with the reference's precision: the target's sums
/// and variance term in single precision, everything else in double (data-spec/ld.md §r).
pub fn r_with_target(x: &Matrix, t: usize) -> Vec<f64> {
    let (mut xt, mut sums, mut r) = (Vec::new(), Vec::new(), Vec::new());
    r_with_target_panels(&Panels::from_matrix(x), t, &mut xt, &mut sums, &mut r);
    r
}

/// [`r_with_target`] on panels, into `r`; also gives each column's sum over individuals in
/// `sums` (what [`correlation_into`] needs). `xt` is scratch. Bit-identical to
/// [`r_with_target_naive`]: every sum runs over individuals in order, the speed comes from
/// vectorising across the columns of a panel and keeping two panels in flight.
pub fn r_with_target_panels(
    x: &Panels,
    t: usize,
    xt: &mut Vec<f64>,
    sums: &mut Vec<f64>,
    r: &mut Vec<f64>,
) {
    x.column_into(t, xt);
    let s_t = xt.iter().sum::<f64>() as f32;
    let q_t = dot(xt, xt) as f32;
    let v_t: f32 = q_t * (x.n as f32) - s_t * s_t;
    let (s_t, v_t) = (f64::from(s_t), f64::from(v_t));
    r.clear();
    sums.clear();
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { r_panels_avx2(x, xt, s_t, v_t, sums, r) };
            return;
        }
    }
    r_panels(x, xt, s_t, v_t, sums, r);
}

/// [`r_panels`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn r_panels_avx2(
    x: &Panels,
    xt: &[f64],
    s_t: f64,
    v_t: f64,
    sums: &mut Vec<f64>,
    r: &mut Vec<f64>,
) {
    r_panels(x, xt, s_t, v_t, sums, r);
}

#[inline(always)]
fn r_panels(x: &Panels, xt: &[f64], s_t: f64, v_t: f64, sums: &mut Vec<f64>, r: &mut Vec<f64>) {
    let n = x.n as f64;
    let np = x.m.div_ceil(PANEL);
    let mut push = |sq: &[[f64; PANEL]; 3], first: usize| {
        let [s, q, c] = sq;
        for l in 0..PANEL.min(x.m - first) {
            sums.push(s[l]);
            r.push((c[l] * n - s[l] * s_t) / ((q[l] * n - s[l] * s[l]) * v_t).sqrt());
        }
    };
    let mut p = 0;
    while p + 2 <= np {
        let [a, b] = r_sums_block([x.panel(p), x.panel(p + 1)], xt);
        push(&a, p * PANEL);
        push(&b, (p + 1) * PANEL);
        p += 2;
    }
    if p < np {
        let [a] = r_sums_block([x.panel(p)], xt);
        push(&a, p * PANEL);
    }
}

/// Per column of `B` panels: Σ v, Σ v² and Σ v·t over individuals, each summed in order.
#[inline(always)]
fn r_sums_block<const B: usize>(panels: [&[f64]; B], xt: &[f64]) -> [[[f64; PANEL]; 3]; B] {
    let mut acc = [[[0.0f64; PANEL]; 3]; B];
    for p in &panels {
        assert_eq!(p.len(), xt.len() * PANEL);
    }
    for (k, &tk) in xt.iter().enumerate() {
        for b in 0..B {
            let v = &panels[b][k * PANEL..k * PANEL + PANEL];
            let [s, q, c] = &mut acc[b];
            for l in 0..PANEL {
                s[l] += v[l];
                q[l] += v[l] * v[l];
                c[l] += v[l] * tk;
            }
        }
    }
    acc
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

/// All dot products `x_iᵀ x_j`, row-major `m × m` (both triangles filled).
///
/// Each dot product is summed sequentially over individuals `0..n`, exactly as a naive loop
/// does, so the result is bit-identical to `Σ_k x_ki · x_kj` in order (no FMA, no reordering):
/// see [`gram_into`].
pub fn gram(x: &Matrix) -> Vec<f64> {
    let mut g = Vec::new();
    gram_into(&Panels::from_matrix(x), &mut g);
    g
}

/// [`gram`] on panels, into `g`. The speed comes from computing an 8 × 4 block of dot products
/// (two panels against one) per pass over the individuals, which vectorises across the block
/// instead of along the individuals.
pub fn gram_into(x: &Panels, g: &mut Vec<f64>) {
    let m = x.m;
    g.clear();
    g.resize(m * m, 0.0);
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { gram_panels_avx2(x, g) };
            return;
        }
    }
    gram_panels(x, g);
}

/// [`gram_panels`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gram_panels_avx2(x: &Panels, g: &mut [f64]) {
    gram_panels(x, g);
}

/// Dot products of the columns of panels `a[0..A]` with those of panel `b`, summed in order;
/// `acc[i][lb][la]` is column `la` of `a[i]` with column `lb` of `b`.
#[inline(always)]
fn gram_block<const A: usize>(a: [&[f64]; A], b: &[f64]) -> [[[f64; PANEL]; PANEL]; A] {
    let mut acc = [[[0.0f64; PANEL]; PANEL]; A];
    for p in &a {
        assert_eq!(p.len(), b.len());
    }
    for (k, xb) in b.chunks_exact(PANEL).enumerate() {
        for lb in 0..PANEL {
            let y = xb[lb];
            for i in 0..A {
                let xa = &a[i][k * PANEL..k * PANEL + PANEL];
                for la in 0..PANEL {
                    acc[i][lb][la] += xa[la] * y;
                }
            }
        }
    }
    acc
}

#[inline(always)]
fn gram_panels(x: &Panels, g: &mut [f64]) {
    let m = x.m;
    let np = m.div_ceil(PANEL);
    let mut store = |pa: usize, pb: usize, acc: &[[f64; PANEL]; PANEL]| {
        for (lb, row) in acc.iter().enumerate() {
            let j = pb * PANEL + lb;
            if j >= m {
                break;
            }
            for (la, &v) in row.iter().enumerate() {
                let i = pa * PANEL + la;
                if i >= m {
                    break;
                }
                g[i * m + j] = v;
                g[j * m + i] = v;
            }
        }
    };
    let mut pa = 0;
    while pa + 2 <= np {
        for pb in 0..=pa {
            let [a0, a1] = gram_block([x.panel(pa), x.panel(pa + 1)], x.panel(pb));
            store(pa, pb, &a0);
            store(pa + 1, pb, &a1);
        }
        let [a1] = gram_block([x.panel(pa + 1)], x.panel(pa + 1));
        store(pa + 1, pa + 1, &a1);
        pa += 2;
    }
    if pa < np {
        for pb in 0..=pa {
            let [a0] = gram_block([x.panel(pa)], x.panel(pb));
            store(pa, pb, &a0);
        }
    }
}

/// Full correlation matrix of the columns, row-major `m × m`, in double
/// (data-spec/ld.md §matrix). The diagonal is computed, not forced to 1. Bit-identical to the
/// naive formula with sequential dot products ([`gram`]).
pub fn correlation_matrix(x: &Matrix) -> Vec<f64> {
    let sums: Vec<f64> = (0..x.m).map(|i| x.col(i).iter().sum()).collect();
    let mut r = Vec::new();
    correlation_into(&Panels::from_matrix(x), &sums, &mut r);
    r
}

/// [`correlation_matrix`] on panels, into `r`, given each column's sum over individuals (in
/// order, as [`r_with_target_panels`] gives them).
pub fn correlation_into(x: &Panels, sums: &[f64], r: &mut Vec<f64>) {
    let n = x.n as f64;
    let m = x.m;
    gram_into(x, r);
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
        // By hand: columns c0 = (0,1,2,1,0,2), c1 = (1,1,2,0,0,2), c2 = 2 - c0. Means 1, 1, 1;
        // centred sums: c0·c0 = 4, c1·c1 = 4, c0·c1 = 3, so r01 = 3/4; c2 = 2 - c0 gives
        // r02 = -1 and r12 = -3/4. Every cell (both triangles) against these values.
        let want = [1.0, 0.75, -1.0, 0.75, 1.0, -0.75, -1.0, -0.75, 1.0];
        for (k, (&got, &w)) in r.iter().zip(&want).enumerate() {
            assert!((got - w).abs() < 1e-12, "r[{k}] = {got}, expected {w}");
        }
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
    fn panels_hold_the_columns_decoded_one_at_a_time() {
        use crate::io::source::Bytes;
        use std::path::Path;
        // 13 individuals (the last byte half used), 6 SNPs, every code incl. missing.
        let (n, m) = (13usize, 6usize);
        let mut bytes = vec![0x6c, 0x1b, 0x01];
        for j in 0..m {
            for b in 0..n.div_ceil(4) {
                bytes.push(((j * 37 + b * 11) % 256) as u8);
            }
        }
        let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("t.bed"), m, n).unwrap();
        let all: Vec<usize> = (0..n).collect();
        let some: Vec<usize> = vec![0, 2, 3, 7, 12];
        for keep in [&all, &some] {
            let sexes = vec![1; keep.len()];
            let snps = (0..m).map(|k| (k, k % 2 == 1, 1)).collect();
            let g = Genotypes::new(&bed, keep, &sexes, snps);
            let ks = [5, 0, 3, 3, 1];
            let mut scratch = Vec::new();
            let x = g.matrix(&ks, &mut scratch);
            // A dirty buffer first: padding lanes must come back zeroed.
            let mut p = Panels {
                data: vec![f64::NAN; 64 * keep.len()],
                ..Panels::default()
            };
            g.decode_panels(&ks, &mut scratch, &mut p);
            for j in 0..ks.len() {
                for i in 0..keep.len() {
                    assert_eq!(p.get(i, j).to_bits(), x.col(j)[i].to_bits());
                }
            }
            assert!(p.data[ks.len() / PANEL * keep.len() * PANEL..]
                .chunks_exact(PANEL)
                .all(|row| row[ks.len() % PANEL..].iter().all(|&v| v == 0.0)));
            let mut sel = Panels::default();
            sel.select_from(&p, &[4, 2]);
            for i in 0..keep.len() {
                assert_eq!(sel.get(i, 0).to_bits(), x.col(4)[i].to_bits());
                assert_eq!(sel.get(i, 1).to_bits(), x.col(2)[i].to_bits());
            }
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
