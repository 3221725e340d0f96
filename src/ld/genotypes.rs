//! Reference genotypes: allele counts of the eQTL A1 with mean imputation, decoded on demand
//! from the packed `.bed` (data-spec/ld.md).

use super::kernels::{r_value, r_with_target_panels, target_terms_of, Matrix, Panels, PANEL};
use super::source::{LdSource, TargetScratch};
use crate::io::plink::bed::{count_all, decode_counts, BedFile, BYTE_TO_CODES};
use crate::types::{Chrom, CHROM_X};
use rayon::prelude::*;

/// Genotypes of the matched SNPs, decoded on demand from the packed `.bed`.
pub struct Genotypes<'a> {
    bed: &'a BedFile,
    keep: &'a [usize],
    /// Per compact SNP: its `.bed` column (32-bit: one per matched SNP, millions of them;
    /// data-spec/memory.md §3).
    snps: Vec<Column>,
    /// Per compact SNP: mean count of the eQTL A1 (2 × reference frequency).
    mean: Vec<f64>,
    /// `keep` is every individual in `.fam` order.
    keep_all: bool,
}

/// Where a compact SNP's genotypes are (8 bytes, as the `(u32, bool)` it replaced).
#[derive(Debug, Clone, Copy)]
struct Column {
    /// `.bim` index.
    bed: u32,
    /// Counts are turned into `2 - count`.
    swapped: bool,
    /// Every individual is kept and none has a missing genotype: the column holds only counts,
    /// and the LD kernels may take it as bit planes (data-spec/ld.md "Exact sums of counts").
    complete: bool,
}

/// How one column of a panel turns a 2-bit `.bed` code `c` into a value: with `h`, `l` its
/// high and low bits, a genotype counts `a + sign·(h + l)` copies of the eQTL A1 (`2 − h − l`
/// when the eQTL A1 is the `.bim` A1, `h + l` when swapped), and code `01` (missing) is `mu`.
#[derive(Debug, Clone, Copy, Default)]
struct PanelLane {
    a: i32,
    /// `-1` for a negative sign, `0` for a positive one: `(x ^ neg) - neg` is `±x`.
    neg: i32,
    mu: f64,
}

impl PanelLane {
    fn new(swapped: bool, mu: f64) -> Self {
        let (a, neg) = if swapped { (0, 0) } else { (2, -1) };
        PanelLane { a, neg, mu }
    }

    #[inline(always)]
    fn value(&self, c: u32) -> f64 {
        let c = c as i32;
        let hl = (c >> 1) + (c & 1);
        let count = ((hl ^ self.neg) - self.neg) + self.a;
        if c == 1 {
            self.mu
        } else {
            f64::from(count)
        }
    }
}

/// The 2-bit code of individual `i` in a SNP's packed bytes.
#[inline(always)]
fn code_at(bytes: &[u8], i: usize) -> u32 {
    u32::from(bytes[i / 4] >> (2 * (i % 4))) & 3
}

/// The 32-bit word `w` of a SNP's packed bytes: the codes of individuals `16w..16w + 16`,
/// individual `16w + s` in bits `2s` and `2s + 1`.
#[inline(always)]
fn word_at(bytes: &[u8], w: usize) -> u32 {
    u32::from_le_bytes(bytes[4 * w..4 * w + 4].try_into().expect("4 bytes"))
}

/// Decode one panel: `bytes[l]` holds column `l`'s packed codes (`ceil(n / 4)` bytes), `out`
/// receives `n` rows of [`PANEL`] values. Sixteen individuals are taken from a 32-bit word of
/// each column at a time, so that the four lanes' arithmetic vectorises.
#[inline(always)]
fn decode_panel(bytes: [&[u8]; PANEL], lanes: &[PanelLane; PANEL], n: usize, out: &mut [f64]) {
    let words = n / 16;
    for w in 0..words {
        let x: [u32; PANEL] = std::array::from_fn(|l| word_at(bytes[l], w));
        let o = &mut out[64 * w..64 * w + 64];
        for s in 0..16 {
            let row: [f64; PANEL] = std::array::from_fn(|l| lanes[l].value((x[l] >> (2 * s)) & 3));
            o[PANEL * s..PANEL * s + PANEL].copy_from_slice(&row);
        }
    }
    decode_rows(bytes, lanes, 16 * words..n, out);
}

/// Decode rows `rows` of a panel one value at a time (the individuals after the last whole
/// word).
fn decode_rows(
    bytes: [&[u8]; PANEL],
    lanes: &[PanelLane; PANEL],
    rows: std::ops::Range<usize>,
    out: &mut [f64],
) {
    for i in rows {
        for l in 0..PANEL {
            out[PANEL * i + l] = lanes[l].value(code_at(bytes[l], i));
        }
    }
}

/// The AVX2 form of [`PanelLane::value`] for the four lanes of a panel at once: the lanes'
/// codes sit in one 128-bit vector, their counts are converted to four `f64` in one
/// instruction and blended with the means where the code is missing. The same values
/// (small integers and the means, converted exactly).
#[cfg(target_arch = "x86_64")]
struct RowDecoder {
    a: std::arch::x86_64::__m128i,
    neg: std::arch::x86_64::__m128i,
    mu: std::arch::x86_64::__m256d,
}

#[cfg(target_arch = "x86_64")]
impl RowDecoder {
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn new(lanes: &[PanelLane; PANEL]) -> Self {
        use std::arch::x86_64::*;
        RowDecoder {
            a: _mm_setr_epi32(lanes[0].a, lanes[1].a, lanes[2].a, lanes[3].a),
            neg: _mm_setr_epi32(lanes[0].neg, lanes[1].neg, lanes[2].neg, lanes[3].neg),
            mu: _mm256_setr_pd(lanes[0].mu, lanes[1].mu, lanes[2].mu, lanes[3].mu),
        }
    }

    /// Word `w` of each lane's bytes ([`word_at`]), lane `l` in element `l`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn words(bytes: &[&[u8]; PANEL], w: usize) -> std::arch::x86_64::__m128i {
        let word = |l: usize| word_at(bytes[l], w) as i32;
        std::arch::x86_64::_mm_setr_epi32(word(0), word(1), word(2), word(3))
    }

    /// The row of values whose codes are the two low bits of each element of `x`.
    #[target_feature(enable = "avx2")]
    #[inline]
    unsafe fn row(&self, x: std::arch::x86_64::__m128i) -> std::arch::x86_64::__m256d {
        use std::arch::x86_64::*;
        let (one, three) = (_mm_set1_epi32(1), _mm_set1_epi32(3));
        let c = _mm_and_si128(x, three);
        let hl = _mm_add_epi32(_mm_srli_epi32(c, 1), _mm_and_si128(c, one));
        let count = _mm_add_epi32(_mm_sub_epi32(_mm_xor_si128(hl, self.neg), self.neg), self.a);
        let missing = _mm256_castsi256_pd(_mm256_cvtepi32_epi64(_mm_cmpeq_epi32(c, one)));
        _mm256_blendv_pd(_mm256_cvtepi32_pd(count), self.mu, missing)
    }
}

/// [`decode_panel`] with a [`RowDecoder`]: each row of four values is worked out and stored
/// together.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn decode_panel_avx2(
    bytes: [&[u8]; PANEL],
    lanes: &[PanelLane; PANEL],
    n: usize,
    out: &mut [f64],
) {
    use std::arch::x86_64::*;
    let words = n / 16;
    assert!(out.len() >= n * PANEL);
    let dec = RowDecoder::new(lanes);
    let o = out.as_mut_ptr();
    for w in 0..words {
        let mut x = RowDecoder::words(&bytes, w);
        for s in 0..16 {
            // SAFETY: row 16w + s < n, and `out` holds n rows of PANEL values (asserted).
            _mm256_storeu_pd(o.add(PANEL * (16 * w + s)), dec.row(x));
            x = _mm_srli_epi32(x, 2);
        }
    }
    decode_rows(bytes, lanes, 16 * words..n, out);
}

/// [`RowDecoder`] for [`WIDE`] lanes with AVX-512: a vector's eight codes are turned into
/// counts with 256-bit integer operations, converted to eight `f64` at once and blended with
/// the means under a mask. The same values as [`PanelLane::value`].
#[cfg(target_arch = "x86_64")]
struct WideDecoder {
    a: std::arch::x86_64::__m256i,
    neg: std::arch::x86_64::__m256i,
    mu: std::arch::x86_64::__m512d,
}

#[cfg(target_arch = "x86_64")]
impl WideDecoder {
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn new(lanes: &[PanelLane; WIDE]) -> Self {
        use std::arch::x86_64::*;
        WideDecoder {
            a: Self::epi32(lanes.map(|l| l.a)),
            neg: Self::epi32(lanes.map(|l| l.neg)),
            mu: _mm512_loadu_pd(lanes.map(|l| l.mu).as_ptr()),
        }
    }

    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn epi32(v: [i32; WIDE]) -> std::arch::x86_64::__m256i {
        std::arch::x86_64::_mm256_loadu_si256(v.as_ptr().cast())
    }

    /// Word `w` of each lane's bytes ([`word_at`]), lane `l` in element `l`.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn words(bytes: &[&[u8]; WIDE], w: usize) -> std::arch::x86_64::__m256i {
        Self::epi32(bytes.map(|col| word_at(col, w) as i32))
    }

    /// The row of values whose codes are the two low bits of each element of `x`.
    #[target_feature(enable = "avx512f,avx512vl")]
    #[inline]
    unsafe fn row(&self, x: std::arch::x86_64::__m256i) -> std::arch::x86_64::__m512d {
        use std::arch::x86_64::*;
        let (one, three) = (_mm256_set1_epi32(1), _mm256_set1_epi32(3));
        let code = _mm256_and_si256(x, three);
        let hl = _mm256_add_epi32(_mm256_srli_epi32(code, 1), _mm256_and_si256(code, one));
        let count = _mm256_add_epi32(
            _mm256_sub_epi32(_mm256_xor_si256(hl, self.neg), self.neg),
            self.a,
        );
        let missing = _mm256_cmpeq_epi32_mask(code, one);
        _mm512_mask_blend_pd(missing, _mm512_cvtepi32_pd(count), self.mu)
    }
}

/// [`decode_panel`] for two consecutive panels (`out`: the first panel's `n` rows of
/// [`PANEL`] values, then the second's) with AVX-512: one individual's eight codes are turned
/// into eight values at once ([`WideDecoder`]) and stored as the two panels' rows. The same
/// values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn decode_pair_avx512(
    bytes: [&[u8]; WIDE],
    lanes: &[PanelLane; WIDE],
    n: usize,
    out: &mut [f64],
) {
    use std::arch::x86_64::*;
    let words = n / 16;
    assert!(out.len() >= n * WIDE);
    let dec = WideDecoder::new(lanes);
    let (o0, o1) = out.split_at_mut(n * PANEL);
    for w in 0..words {
        let mut x = WideDecoder::words(&bytes, w);
        for k in 0..16 {
            let v = dec.row(x);
            let i = PANEL * (16 * w + k);
            // SAFETY: row 16w + k < n, and each half of `out` holds n rows of PANEL values.
            _mm256_storeu_pd(o0.as_mut_ptr().add(i), _mm512_castpd512_pd256(v));
            _mm256_storeu_pd(o1.as_mut_ptr().add(i), _mm512_extractf64x4_pd::<1>(v));
            x = _mm256_srli_epi32(x, 2);
        }
    }
    let half = |h: usize| -> ([&[u8]; PANEL], [PanelLane; PANEL]) {
        (
            std::array::from_fn(|l| bytes[PANEL * h + l]),
            std::array::from_fn(|l| lanes[PANEL * h + l]),
        )
    };
    let ((b0, l0), (b1, l1)) = (half(0), half(1));
    decode_rows(b0, &l0, 16 * words..n, o0);
    decode_rows(b1, &l1, 16 * words..n, o1);
}

/// Per lane of `B` panels (decoded with [`RowDecoder`]s, not stored): Σ v, Σ v² and Σ v·t
/// over individuals, each summed in order with separate roundings of every product and sum,
/// exactly as the r kernel sums a stored panel (data-spec/ld.md §r, "Decoding four columns
/// at a time"). Each sum is a chain of additions over the individuals, so one panel waits on
/// the latency of an addition per individual; `B` panels interleaved keep `3·B` independent
/// chains in flight, and each lane's operations are still the same, in the same order.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn panel_sums_avx2<const B: usize>(
    bytes: [[&[u8]; PANEL]; B],
    lanes: [&[PanelLane; PANEL]; B],
    n: usize,
    xt: &[f64],
) -> [[[f64; PANEL]; 3]; B] {
    use std::arch::x86_64::*;
    let words = n / 16;
    assert!(xt.len() >= n);
    let dec: [RowDecoder; B] = std::array::from_fn(|b| RowDecoder::new(lanes[b]));
    let zero = _mm256_setzero_pd();
    let (mut s, mut q, mut c) = ([zero; B], [zero; B], [zero; B]);
    for w in 0..words {
        let mut x: [__m128i; B] = std::array::from_fn(|b| RowDecoder::words(&bytes[b], w));
        for k in 0..16 {
            let tk = _mm256_set1_pd(xt[16 * w + k]);
            for b in 0..B {
                let v = dec[b].row(x[b]);
                s[b] = _mm256_add_pd(s[b], v);
                q[b] = _mm256_add_pd(q[b], _mm256_mul_pd(v, v));
                c[b] = _mm256_add_pd(c[b], _mm256_mul_pd(v, tk));
                x[b] = _mm_srli_epi32(x[b], 2);
            }
        }
    }
    let mut out = [[[0.0f64; PANEL]; 3]; B];
    for b in 0..B {
        _mm256_storeu_pd(out[b][0].as_mut_ptr(), s[b]);
        _mm256_storeu_pd(out[b][1].as_mut_ptr(), q[b]);
        _mm256_storeu_pd(out[b][2].as_mut_ptr(), c[b]);
        for (i, &tk) in xt.iter().enumerate().take(n).skip(16 * words) {
            for l in 0..PANEL {
                let v = lanes[b][l].value(code_at(bytes[b][l], i));
                out[b][0][l] += v;
                out[b][1][l] += v * v;
                out[b][2][l] += v * tk;
            }
        }
    }
    out
}

/// Columns of one AVX-512 vector of `f64` (two panels' worth), for [`wide_sums_avx512`].
#[cfg(target_arch = "x86_64")]
const WIDE: usize = 2 * PANEL;

/// [`panel_sums_avx2`] with AVX-512 vectors of [`WIDE`] columns ([`WideDecoder`]), `B` vectors
/// interleaved. The same values, and the same operations per lane in the same order, so the
/// same sums bit for bit.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512vl")]
unsafe fn wide_sums_avx512<const B: usize>(
    bytes: [[&[u8]; WIDE]; B],
    lanes: [&[PanelLane; WIDE]; B],
    n: usize,
    xt: &[f64],
) -> [[[f64; WIDE]; 3]; B] {
    use std::arch::x86_64::*;
    let words = n / 16;
    assert!(xt.len() >= n);
    let dec: [WideDecoder; B] = std::array::from_fn(|b| WideDecoder::new(lanes[b]));
    let zero = _mm512_setzero_pd();
    let (mut s, mut q, mut c) = ([zero; B], [zero; B], [zero; B]);
    for w in 0..words {
        let mut x: [__m256i; B] = std::array::from_fn(|b| WideDecoder::words(&bytes[b], w));
        for k in 0..16 {
            let tk = _mm512_set1_pd(xt[16 * w + k]);
            for b in 0..B {
                let v = dec[b].row(x[b]);
                s[b] = _mm512_add_pd(s[b], v);
                q[b] = _mm512_add_pd(q[b], _mm512_mul_pd(v, v));
                c[b] = _mm512_add_pd(c[b], _mm512_mul_pd(v, tk));
                x[b] = _mm256_srli_epi32(x[b], 2);
            }
        }
    }
    let mut out = [[[0.0f64; WIDE]; 3]; B];
    for b in 0..B {
        _mm512_storeu_pd(out[b][0].as_mut_ptr(), s[b]);
        _mm512_storeu_pd(out[b][1].as_mut_ptr(), q[b]);
        _mm512_storeu_pd(out[b][2].as_mut_ptr(), c[b]);
        for (i, &tk) in xt.iter().enumerate().take(n).skip(16 * words) {
            for l in 0..WIDE {
                let v = lanes[b][l].value(code_at(bytes[b][l], i));
                out[b][0][l] += v;
                out[b][1][l] += v * v;
                out[b][2][l] += v * tk;
            }
        }
    }
    out
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

/// `keep` is every `.fam` individual, in order.
fn keeps_all(bed: &BedFile, keep: &[usize]) -> bool {
    keep.len() == bed.n_indiv() && keep.iter().enumerate().all(|(i, &k)| i == k)
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
        let all = keeps_all(bed, keep);
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
        snps: impl IntoIterator<Item = (usize, bool, Chrom), IntoIter: ExactSizeIterator>,
        counts: &AlleleCounts,
    ) -> Self {
        // One pass, straight into the two per-SNP columns: a matched-SNP list of millions is
        // never also held as an intermediate vector (data-spec/memory.md §3).
        let it = snps.into_iter();
        let mut cols = Vec::with_capacity(it.len());
        let mut mean = Vec::with_capacity(it.len());
        let mut counts_scratch = Vec::new();
        let keep_all = keeps_all(bed, keep);
        for (b, swapped, chr) in it {
            mean.push(if chr < CHROM_X {
                let (s, c) = (counts.sum[b], counts.observed[b]);
                if c == 0 {
                    0.0
                } else {
                    let s = if swapped { 2 * c - s } else { s };
                    f64::from(s) / f64::from(c)
                }
            } else {
                weighted_mean(bed, keep, sexes, b, swapped, chr, &mut counts_scratch)
            });
            cols.push(Column {
                bed: b as u32,
                swapped,
                complete: keep_all && counts.observed[b] as usize == bed.n_indiv(),
            });
        }
        Genotypes {
            bed,
            keep,
            snps: cols,
            mean,
            keep_all,
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
        let keep_all = keeps_all(bed, keep);
        let n = bed.n_indiv();
        Genotypes {
            bed,
            keep,
            snps: snps
                .into_iter()
                .map(|(b, swapped, _)| Column {
                    bed: b as u32,
                    swapped,
                    complete: keep_all && count_all(bed.snp_bytes(b), n).1 as usize == n,
                })
                .collect(),
            mean,
            keep_all,
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
        let Column {
            bed: b, swapped, ..
        } = self.snps[k];
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

    /// What compact SNP `k`'s decoded column depends on besides the reference: its `.bed` SNP
    /// and whether counts are turned into `2 - count`. Two traits' columns with the same
    /// `.esi` row and key are identical.
    pub fn column_key(&self, k: usize) -> (u32, bool) {
        let c = self.snps[k];
        (c.bed, c.swapped)
    }

    /// Decode compact SNP `k` into column `j` of `out` (shaped by [`Panels::shape`] with
    /// this reference's `n_indiv`).
    pub fn decode_into(&self, k: usize, scratch: &mut Vec<Option<u8>>, out: &mut Panels, j: usize) {
        let n = self.n_indiv();
        debug_assert_eq!(out.n(), n);
        let base = (j / PANEL) * n * PANEL + j % PANEL;
        self.decode_strided(
            k,
            scratch,
            &mut out.data[base..base + (n - 1) * PANEL + 1],
            PANEL,
        );
    }

    /// Decode several compact SNPs into `out` as [`Panels`] (column `j` is `ks[j]`).
    /// Held as counts ([`Panels::is_exact`]) when every individual is kept and no SNP has a
    /// missing genotype: the kernels' results are the same either way.
    pub fn decode_panels(&self, ks: &[usize], scratch: &mut Vec<Option<u8>>, out: &mut Panels) {
        let n = self.n_indiv();
        if n > 0 && ks.iter().all(|&k| self.snps[k].complete) {
            out.begin_counts(n);
            let pushed = ks.iter().all(|&k| {
                let c = self.snps[k];
                out.push_counts(self.bed.snp_bytes(c.bed as usize), c.swapped)
            });
            // Always, as the flags were set from the same bytes; decoded otherwise.
            if pushed {
                return;
            }
        }
        out.reset(n, ks.len());
        let mut first = 0;
        if self.keep_all && n > 0 {
            // Whole panels four columns at a time (the last, partial one below).
            first = ks.len() / PANEL * PANEL;
            self.decode_whole_panels(&ks[..first], &mut out.data);
        }
        for (j, &k) in ks.iter().enumerate().skip(first) {
            let base = (j / PANEL) * n * PANEL + j % PANEL;
            self.decode_strided(
                k,
                scratch,
                &mut out.data[base..base + (n - 1) * PANEL + 1],
                PANEL,
            );
        }
    }

    /// The packed bytes and [`PanelLane`]s of the columns `cols` of one group of `N` lanes (a
    /// panel, or an AVX-512 pair of panels; at most `N` columns: the lanes past a partial
    /// group's columns repeat its first column, and their values are not used).
    fn lanes_of<const N: usize>(&self, cols: &[usize]) -> ([&[u8]; N], [PanelLane; N]) {
        let nb = self.n_indiv().div_ceil(4);
        let col = |l: usize| {
            let k = cols[if l < cols.len() { l } else { 0 }];
            (k, self.snps[k])
        };
        (
            std::array::from_fn(|l| &self.bed.snp_bytes(col(l).1.bed as usize)[..nb]),
            std::array::from_fn(|l| {
                let (k, c) = col(l);
                PanelLane::new(c.swapped, self.mean[k])
            }),
        )
    }

    /// Decode `ks` (a multiple of [`PANEL`] SNPs, every individual kept) into the first
    /// `ks.len() / PANEL` panels of `data`, one panel at a time: one individual's four values
    /// are worked out together and stored together (the per-column decoding writes every
    /// fourth value), the same values as [`Genotypes::column`].
    fn decode_whole_panels(&self, ks: &[usize], data: &mut [f64]) {
        let n = self.n_indiv();
        let mut done = 0;
        #[cfg(target_arch = "x86_64")]
        if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl") {
            // Two panels at a time, eight columns to a vector (the last odd panel below).
            for (p, cols) in ks.chunks_exact(WIDE).enumerate() {
                let (bytes, lanes) = self.lanes_of(cols);
                let out = &mut data[p * n * WIDE..(p + 1) * n * WIDE];
                // SAFETY: AVX-512 F and VL are available (checked just above).
                unsafe { decode_pair_avx512(bytes, &lanes, n, out) };
            }
            done = ks.len() / WIDE * WIDE;
        }
        let (ks, data) = (&ks[done..], &mut data[done * n..]);
        #[cfg(target_arch = "x86_64")]
        let avx2 = std::is_x86_feature_detected!("avx2");
        for (p, cols) in ks.chunks_exact(PANEL).enumerate() {
            let (bytes, lanes) = self.lanes_of(cols);
            let out = &mut data[p * n * PANEL..(p + 1) * n * PANEL];
            #[cfg(target_arch = "x86_64")]
            if avx2 {
                // SAFETY: AVX2 is available (checked above).
                unsafe { decode_panel_avx2(bytes, &lanes, n, out) };
                continue;
            }
            decode_panel(bytes, &lanes, n, out);
        }
    }

    /// The fused path of [`LdSource::r_with_target`] for [`Genotypes`], with AVX2: two panels
    /// at a time ([`panel_sums_avx2`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx2")]
    unsafe fn r_with_target_avx2(
        &self,
        ks: &[usize],
        t: usize,
        buf: &mut Vec<Option<u8>>,
        xt: &mut Vec<f64>,
        sums: &mut Vec<f64>,
        r: &mut Vec<f64>,
    ) {
        let n = self.n_indiv();
        self.fused_r::<PANEL>(ks, t, buf, xt, sums, r, |a, b, xt| match b {
            None => {
                let (bytes, lanes) = self.lanes_of(a);
                // SAFETY: called from an AVX2 function only.
                let [s] = unsafe { panel_sums_avx2([bytes], [&lanes], n, xt) };
                [s, s]
            }
            Some(b) => {
                let ((ba, la), (bb, lb)) = (self.lanes_of(a), self.lanes_of(b));
                // SAFETY: called from an AVX2 function only.
                unsafe { panel_sums_avx2([ba, bb], [&la, &lb], n, xt) }
            }
        });
    }

    /// [`Genotypes::r_with_target_avx2`] with AVX-512: eight columns to a vector, two vectors
    /// at a time ([`wide_sums_avx512`]).
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f,avx512vl")]
    unsafe fn r_with_target_avx512(
        &self,
        ks: &[usize],
        t: usize,
        buf: &mut Vec<Option<u8>>,
        xt: &mut Vec<f64>,
        sums: &mut Vec<f64>,
        r: &mut Vec<f64>,
    ) {
        let n = self.n_indiv();
        self.fused_r::<WIDE>(ks, t, buf, xt, sums, r, |a, b, xt| match b {
            None => {
                let (bytes, lanes) = self.lanes_of(a);
                // SAFETY: called from an AVX-512 F and VL function only.
                let [s] = unsafe { wide_sums_avx512([bytes], [&lanes], n, xt) };
                [s, s]
            }
            Some(b) => {
                let ((ba, la), (bb, lb)) = (self.lanes_of(a), self.lanes_of(b));
                // SAFETY: called from an AVX-512 F and VL function only.
                unsafe { wide_sums_avx512([ba, bb], [&la, &lb], n, xt) }
            }
        });
    }

    /// The target's column and terms, then `ks` in groups of `W` columns, two groups at a time
    /// (the last one alone): `sums_of(a, b, xt)` gives Σ v, Σ v², Σ v·t per lane of group `a`
    /// and of group `b` when there is one (the second entry is then unused).
    #[cfg(target_arch = "x86_64")]
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn fused_r<const W: usize>(
        &self,
        ks: &[usize],
        t: usize,
        buf: &mut Vec<Option<u8>>,
        xt: &mut Vec<f64>,
        sums: &mut Vec<f64>,
        r: &mut Vec<f64>,
        sums_of: impl Fn(&[usize], Option<&[usize]>, &[f64]) -> [[[f64; W]; 3]; 2],
    ) {
        let n = self.n_indiv();
        sums.clear();
        r.clear();
        xt.clear();
        xt.resize(n, 0.0);
        self.column(ks[t], buf, xt);
        let (s_t, v_t) = target_terms_of(xt);
        for cols in ks.chunks(2 * W) {
            let (a, b) = cols.split_at(cols.len().min(W));
            let second = (!b.is_empty()).then_some(b);
            let out = sums_of(a, second, xt);
            for (group, [s, q, c]) in [a, b].into_iter().zip(out) {
                for l in 0..group.len() {
                    sums.push(s[l]);
                    r.push(r_value(s[l], q[l], c[l], n, s_t, v_t));
                }
            }
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

    /// When every individual is kept, some SNP has a missing genotype and the CPU has AVX2,
    /// each panel's values are worked out a row at a time and summed at once, never stored
    /// (most of a probe's SNPs are dropped by HEIDI's LD filter right after). The same sums in
    /// the same order as [`r_with_target_panels`] on [`Genotypes::decode_panels`]'s panels, so
    /// the same r.
    fn r_with_target(
        &self,
        ks: &[usize],
        t: usize,
        buf: &mut Vec<Option<u8>>,
        scratch: &mut TargetScratch,
        sums: &mut Vec<f64>,
        r: &mut Vec<f64>,
    ) {
        let n = self.n_indiv();
        let fused = n > 0 && self.keep_all && !ks.iter().all(|&k| self.snps[k].complete);
        #[cfg(target_arch = "x86_64")]
        if fused
            && std::is_x86_feature_detected!("avx512f")
            && std::is_x86_feature_detected!("avx512vl")
        {
            // SAFETY: AVX-512 F and VL are available (checked just above).
            unsafe { self.r_with_target_avx512(ks, t, buf, &mut scratch.xt, sums, r) };
            return;
        }
        #[cfg(target_arch = "x86_64")]
        if fused && std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { self.r_with_target_avx2(ks, t, buf, &mut scratch.xt, sums, r) };
            return;
        }
        self.decode_panels(ks, buf, &mut scratch.x);
        r_with_target_panels(&scratch.x, t, &mut scratch.xt, sums, r);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panel_decoders_give_each_codes_value() {
        // Every code in every lane, both allele orientations, sample sizes around the
        // 16-individual word: the portable and AVX2 decoders against one code at a time.
        let lanes = [
            PanelLane::new(false, 0.25),
            PanelLane::new(true, 1.5),
            PanelLane::new(false, 1.75),
            PanelLane::new(true, 0.125),
        ];
        // The map of data-spec/plink.md §bed: 00 -> 2, 01 missing, 10 -> 1, 11 -> 0 copies
        // of the .bim A1 (the eQTL A1 unless swapped).
        for (l, lane) in lanes.iter().enumerate() {
            let swapped = l % 2 == 1;
            let want = if swapped {
                [0.0, lane.mu, 1.0, 2.0]
            } else {
                [2.0, lane.mu, 1.0, 0.0]
            };
            for c in 0..4 {
                assert_eq!(lane.value(c), want[c as usize]);
            }
        }
        for n in [1usize, 15, 16, 17, 63, 64, 100] {
            let cols: Vec<Vec<u8>> = (0..PANEL)
                .map(|l| {
                    (0..n.div_ceil(4))
                        .map(|b| ((b * 53 + l * 101 + b * b) % 256) as u8)
                        .collect()
                })
                .collect();
            let bytes: [&[u8]; PANEL] = std::array::from_fn(|l| &cols[l][..]);
            let mut want = vec![0.0; n * PANEL];
            for i in 0..n {
                for l in 0..PANEL {
                    want[PANEL * i + l] =
                        lanes[l].value(u32::from(cols[l][i / 4] >> (2 * (i % 4))) & 3);
                }
            }
            let mut got = vec![f64::NAN; n * PANEL];
            decode_panel(bytes, &lanes, n, &mut got);
            assert_eq!(got, want, "portable, n = {n}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let mut got = vec![f64::NAN; n * PANEL];
                // SAFETY: AVX2 is available (checked just above).
                unsafe { decode_panel_avx2(bytes, &lanes, n, &mut got) };
                assert_eq!(got, want, "avx2, n = {n}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
            {
                // The same panel twice, as the two halves of an AVX-512 pair.
                let mut got = vec![f64::NAN; 2 * n * PANEL];
                let pair: [&[u8]; WIDE] = std::array::from_fn(|l| bytes[l % PANEL]);
                let two: [PanelLane; WIDE] = std::array::from_fn(|l| lanes[l % PANEL]);
                // SAFETY: AVX-512 F and VL are available (checked just above).
                unsafe { decode_pair_avx512(pair, &two, n, &mut got) };
                assert_eq!(got[..n * PANEL], want[..], "avx512 first panel, n = {n}");
                assert_eq!(got[n * PANEL..], want[..], "avx512 second panel, n = {n}");
            }
        }
    }

    /// Σ v, Σ v², Σ v·t of one lane, one individual at a time in order: the specification of
    /// the fused kernels.
    fn lane_sums(bytes: &[u8], lane: &PanelLane, n: usize, xt: &[f64]) -> [f64; 3] {
        let mut out = [0.0; 3];
        for (i, &t) in xt.iter().enumerate().take(n) {
            let v = lane.value(code_at(bytes, i));
            out[0] += v;
            out[1] += v * v;
            out[2] += v * t;
        }
        out
    }

    #[test]
    fn fused_sums_are_the_in_order_sums_bit_for_bit() {
        // Sixteen columns with every code, missing included, and means that are not
        // integers; sample sizes around the 16-individual word.
        let wide: [PanelLane; 16] =
            std::array::from_fn(|l| PanelLane::new(l % 3 == 1, 0.1 + 0.37 * l as f64));
        for n in [1usize, 15, 16, 17, 63, 100, 501] {
            let cols: Vec<Vec<u8>> = (0..16)
                .map(|l| {
                    (0..n.div_ceil(4))
                        .map(|b| ((b * 53 + l * 101 + b * b) % 256) as u8)
                        .collect()
                })
                .collect();
            let xt: Vec<f64> = (0..n).map(|i| [0.0, 1.0, 2.0, 0.731][i % 4]).collect();
            let want: Vec<[u64; 3]> = (0..16)
                .map(|l| lane_sums(&cols[l], &wide[l], n, &xt).map(f64::to_bits))
                .collect();
            let bits = |o: [[f64; 3]; 1]| o[0].map(f64::to_bits);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let bytes: [[&[u8]; PANEL]; 4] =
                    std::array::from_fn(|p| std::array::from_fn(|l| &cols[4 * p + l][..]));
                let lanes: [[PanelLane; PANEL]; 4] =
                    std::array::from_fn(|p| std::array::from_fn(|l| wide[4 * p + l]));
                // SAFETY: AVX2 is available (checked just above).
                let one = unsafe { panel_sums_avx2([bytes[0]], [&lanes[0]], n, &xt) };
                let two = unsafe {
                    panel_sums_avx2([bytes[1], bytes[2]], [&lanes[1], &lanes[2]], n, &xt)
                };
                for l in 0..PANEL {
                    let lane = |o: &[[f64; PANEL]; 3]| bits([[o[0][l], o[1][l], o[2][l]]]);
                    assert_eq!(lane(&one[0]), want[l], "avx2 B=1, n {n}, lane {l}");
                    assert_eq!(lane(&two[0]), want[4 + l], "avx2 B=2, n {n}, lane {l}");
                    assert_eq!(lane(&two[1]), want[8 + l], "avx2 B=2, n {n}, lane {l}");
                }
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
            {
                let bytes: [[&[u8]; WIDE]; 2] =
                    std::array::from_fn(|p| std::array::from_fn(|l| &cols[WIDE * p + l][..]));
                let lanes: [[PanelLane; WIDE]; 2] =
                    std::array::from_fn(|p| std::array::from_fn(|l| wide[WIDE * p + l]));
                // SAFETY: AVX-512 F and VL are available (checked just above).
                let one = unsafe { wide_sums_avx512([bytes[1]], [&lanes[1]], n, &xt) };
                let two = unsafe { wide_sums_avx512(bytes, [&lanes[0], &lanes[1]], n, &xt) };
                for l in 0..WIDE {
                    let lane = |o: &[[f64; WIDE]; 3]| bits([[o[0][l], o[1][l], o[2][l]]]);
                    assert_eq!(lane(&one[0]), want[WIDE + l], "avx512 B=1, n {n}, lane {l}");
                    assert_eq!(lane(&two[0]), want[l], "avx512 B=2, n {n}, lane {l}");
                    assert_eq!(lane(&two[1]), want[WIDE + l], "avx512 B=2, n {n}, lane {l}");
                }
            }
        }
    }

    #[test]
    fn every_fused_r_driver_gives_the_panels_r_bit_for_bit() {
        use crate::io::source::Bytes;
        use crate::ld::kernels::r_with_target_panels;
        use std::path::Path;
        // 12 SNPs with missing genotypes, every individual kept; lists of SNPs that end in a
        // partial group, a single group and a pair of groups, for panels and AVX-512 pairs.
        let (m, n) = (12usize, 37usize);
        let mut bytes = vec![0x6c, 0x1b, 0x01];
        for j in 0..m {
            for b in 0..n.div_ceil(4) {
                bytes.push(((j * 37 + b * 11 + b * b * 5) % 256) as u8);
            }
        }
        let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("t.bed"), m, n).unwrap();
        let keep: Vec<usize> = (0..n).collect();
        let g = Genotypes::new(
            &bed,
            &keep,
            &vec![1; n],
            (0..m).map(|k| (k, k % 2 == 1, 1)).collect(),
        );
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        for len in [1usize, 3, 4, 5, 8, 9, 12, 16, 17, 23] {
            let ks: Vec<usize> = (0..len).map(|i| (i * 5 + 2) % m).collect();
            let t = len / 2;
            let mut buf = Vec::new();
            let mut p = Panels::default();
            g.decode_panels(&ks, &mut buf, &mut p);
            let (mut xt, mut want_s, mut want_r) = (Vec::new(), Vec::new(), Vec::new());
            r_with_target_panels(&p, t, &mut xt, &mut want_s, &mut want_r);
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let (mut s, mut r) = (Vec::new(), Vec::new());
                // SAFETY: AVX2 is available (checked just above).
                unsafe { g.r_with_target_avx2(&ks, t, &mut buf, &mut xt, &mut s, &mut r) };
                assert_eq!(
                    (bits(&s), bits(&r)),
                    (bits(&want_s), bits(&want_r)),
                    "avx2, {len}"
                );
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") && std::is_x86_feature_detected!("avx512vl")
            {
                let (mut s, mut r) = (Vec::new(), Vec::new());
                // SAFETY: AVX-512 F and VL are available (checked just above).
                unsafe { g.r_with_target_avx512(&ks, t, &mut buf, &mut xt, &mut s, &mut r) };
                assert_eq!(
                    (bits(&s), bits(&r)),
                    (bits(&want_s), bits(&want_r)),
                    "avx512, {len}"
                );
            }
        }
    }
}
