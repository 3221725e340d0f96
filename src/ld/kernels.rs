//! LD kernels: the one-to-many r with the reference's mixed precision and correlation
//! matrices, on column-major matrices and 4-column panels (data-spec/ld.md).

use super::counts::CountColumns;

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
///
/// Columns that hold only allele counts (every individual kept, no missing genotype) may be
/// held as bit planes instead ([`CountColumns`]): every kernel then takes its sums from
/// popcounts, exactly equal to the sums over the decoded values (data-spec/ld.md "Exact sums
/// of counts").
#[derive(Debug, Clone, Default)]
pub struct Panels {
    pub(super) n: usize,
    pub(super) m: usize,
    pub(super) data: Vec<f64>,
    /// The columns as counts when `exact` (then `data` is not used).
    pub(super) counts: CountColumns,
    pub(super) exact: bool,
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

    /// Make room for `m` columns of `n` values, to be filled column by column (e.g. by
    /// [`crate::ld::Genotypes::decode_into`]); the padding lanes are zeroed.
    pub fn shape(&mut self, n: usize, m: usize) {
        self.reset(n, m);
    }

    /// Make room for `m` columns of `n` values; the padding lanes are zeroed, the rest is left
    /// for the caller to overwrite.
    pub(super) fn reset(&mut self, n: usize, m: usize) {
        self.exact = false;
        self.n = n;
        self.m = m;
        // Grown, never shrunk: a buffer reused between probes is zero-filled only once, and the
        // kernels read the panels by offset (`panel`), not to the end of `data`.
        let need = m.div_ceil(PANEL) * n * PANEL;
        if self.data.len() < need {
            self.data.resize(need, 0.0);
        }
        let used = m % PANEL;
        if used != 0 {
            let last = (m / PANEL) * n * PANEL;
            for row in self.data[last..need].chunks_exact_mut(PANEL) {
                row[used..].fill(0.0);
            }
        }
    }

    /// Start an exact set of columns of `n` individuals, to be filled with
    /// [`Panels::push_counts`].
    pub(super) fn begin_counts(&mut self, n: usize) {
        self.exact = true;
        self.n = n;
        self.m = 0;
        self.counts.clear(n);
    }

    /// Append a SNP's `.bed` bytes as a column of counts (see [`CountColumns::push_bed`]);
    /// `false` when a genotype is missing.
    pub(super) fn push_counts(&mut self, bytes: &[u8], swapped: bool) -> bool {
        let ok = self.counts.push_bed(bytes, swapped);
        self.m += usize::from(ok);
        ok
    }

    /// True when the columns are held as counts (the kernels' exact path).
    pub fn is_exact(&self) -> bool {
        self.exact
    }

    fn panel(&self, p: usize) -> &[f64] {
        let w = self.n * PANEL;
        &self.data[p * w..(p + 1) * w]
    }

    /// Value of individual `i` in column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        if self.exact {
            return self.counts.get(i, j);
        }
        self.data[(j / PANEL) * self.n * PANEL + i * PANEL + j % PANEL]
    }

    /// Copy column `j` into `out`.
    pub fn column_into(&self, j: usize, out: &mut Vec<f64>) {
        if self.exact {
            return self.counts.column_into(j, out);
        }
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
        if src.exact {
            self.begin_counts(n);
            for &c in cols {
                self.counts.push_from(&src.counts, c);
            }
            self.m = cols.len();
            return;
        }
        self.reset(n, cols.len());
        let w = n * PANEL;
        // Whole destination panels a row at a time (one row of four values gathered from the
        // four source columns, stored together); the last, partial one column by column.
        let whole = cols.len() / PANEL;
        for (q, four) in cols.chunks_exact(PANEL).enumerate() {
            let from: [&[f64]; PANEL] = std::array::from_fn(|l| {
                let c = four[l];
                &src.data[(c / PANEL) * w + c % PANEL..(c / PANEL + 1) * w]
            });
            let dst = &mut self.data[q * w..(q + 1) * w];
            for (i, row) in dst.chunks_exact_mut(PANEL).enumerate() {
                for l in 0..PANEL {
                    row[l] = from[l][i * PANEL];
                }
            }
        }
        for (j, &c) in cols.iter().enumerate().skip(whole * PANEL) {
            let to = (j / PANEL) * w + j % PANEL;
            let from = (c / PANEL) * w + c % PANEL;
            for i in 0..n {
                self.data[to + i * PANEL] = src.data[from + i * PANEL];
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
    r.clear();
    sums.clear();
    if x.exact {
        // The same formula on the same (exact) sums.
        let c = &x.counts;
        let (s_t, v_t) = target_terms(c.sum(t), c.square(t), x.n);
        c.dots_with(t, |j, d| {
            let s = c.sum(j);
            sums.push(s);
            r.push(r_value(s, c.square(j), d, x.n, s_t, v_t));
        });
        return;
    }
    x.column_into(t, xt);
    let (s_t, v_t) = target_terms_of(xt);
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
    for_each_column_sums(x, xt, |s, q, c| {
        sums.push(s);
        r.push(r_value(s, q, c, x.n, s_t, v_t));
    });
}

/// The target's terms of data-spec/ld.md §r from its `Σx_t` and `Σx_t²`: `S` and
/// `V = Q·n − S²`, both in single precision (returned widened).
#[inline(always)]
fn target_terms(sum: f64, square: f64, n: usize) -> (f64, f64) {
    let (s_t, q_t) = (sum as f32, square as f32);
    let v_t: f32 = q_t * (n as f32) - s_t * s_t;
    (f64::from(s_t), f64::from(v_t))
}

/// [`target_terms`] of the target's decoded column `xt` (its sums over individuals in order).
#[inline]
pub(super) fn target_terms_of(xt: &[f64]) -> (f64, f64) {
    target_terms(xt.iter().sum(), dot(xt, xt), xt.len())
}

/// r of a column with the target (data-spec/ld.md §r), from the column's `Σx`, `Σx²`, `Σx·x_t`
/// and the target's [`target_terms`]; the one formula of both the decoded and the counts path.
#[inline(always)]
pub(super) fn r_value(s: f64, q: f64, c: f64, n: usize, s_t: f64, v_t: f64) -> f64 {
    let n = n as f64;
    (c * n - s * s_t) / ((q * n - s * s) * v_t).sqrt()
}

/// Call `f(Σ v, Σ v², Σ v·t)` for each column in order, over the panels two at a time
/// ([`r_sums_block`]).
#[inline(always)]
fn for_each_column_sums(x: &Panels, xt: &[f64], mut f: impl FnMut(f64, f64, f64)) {
    let np = x.m.div_ceil(PANEL);
    let mut push = |sq: &[[f64; PANEL]; 3], first: usize| {
        let [s, q, c] = sq;
        for l in 0..PANEL.min(x.m - first) {
            f(s[l], q[l], c[l]);
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

/// Per column `j`: Σ v, Σ v² and Σ v·x_t over individuals, each summed in order, into `sums`,
/// `squares` and `dots` (`xt` is scratch). Each is bit-identical to the sum or the dot product
/// [`gram_into`] and [`correlation_into`] take for the same column or pair (products commute,
/// the order of the additions is the same), so one row of the correlation matrix can be had
/// without the whole matrix (multi-SNP pruning, data-spec/multi.md).
pub fn sums_with_column(
    x: &Panels,
    t: usize,
    xt: &mut Vec<f64>,
    sums: &mut Vec<f64>,
    squares: &mut Vec<f64>,
    dots: &mut Vec<f64>,
) {
    sums.clear();
    squares.clear();
    dots.clear();
    if x.exact {
        let c = &x.counts;
        c.dots_with(t, |j, d| {
            sums.push(c.sum(j));
            squares.push(c.square(j));
            dots.push(d);
        });
        return;
    }
    x.column_into(t, xt);
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { column_sums_avx2(x, xt, sums, squares, dots) };
            return;
        }
    }
    column_sums(x, xt, sums, squares, dots);
}

/// [`column_sums`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn column_sums_avx2(
    x: &Panels,
    xt: &[f64],
    sums: &mut Vec<f64>,
    squares: &mut Vec<f64>,
    dots: &mut Vec<f64>,
) {
    column_sums(x, xt, sums, squares, dots);
}

#[inline(always)]
fn column_sums(
    x: &Panels,
    xt: &[f64],
    sums: &mut Vec<f64>,
    squares: &mut Vec<f64>,
    dots: &mut Vec<f64>,
) {
    for_each_column_sums(x, xt, |s, q, c| {
        sums.push(s);
        squares.push(q);
        dots.push(c);
    });
}

/// Per column `j`: the dot product Σ v·x_t over individuals, summed in order, into `dots`
/// (`xt` is scratch): the `dots` of [`sums_with_column`] alone, bit-identical to them.
pub fn dots_with_column(x: &Panels, t: usize, xt: &mut Vec<f64>, dots: &mut Vec<f64>) {
    dots.clear();
    if x.exact {
        x.counts.dots_with(t, |_, d| dots.push(d));
        return;
    }
    x.column_into(t, xt);
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { column_dots_avx2(x, xt, dots) };
            return;
        }
    }
    column_dots(x, xt, dots);
}

/// [`column_dots`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn column_dots_avx2(x: &Panels, xt: &[f64], dots: &mut Vec<f64>) {
    column_dots(x, xt, dots);
}

#[inline(always)]
fn column_dots(x: &Panels, xt: &[f64], dots: &mut Vec<f64>) {
    let np = x.m.div_ceil(PANEL);
    let mut push = |c: &[f64; PANEL], first: usize| {
        dots.extend_from_slice(&c[..PANEL.min(x.m - first)]);
    };
    let mut p = 0;
    while p + 4 <= np {
        let acc = dots_block(
            [x.panel(p), x.panel(p + 1), x.panel(p + 2), x.panel(p + 3)],
            xt,
        );
        for (i, c) in acc.iter().enumerate() {
            push(c, (p + i) * PANEL);
        }
        p += 4;
    }
    while p < np {
        let [c] = dots_block([x.panel(p)], xt);
        push(&c, p * PANEL);
        p += 1;
    }
}

/// Per column of `B` panels: Σ v·t over individuals, summed in order.
#[inline(always)]
fn dots_block<const B: usize>(panels: [&[f64]; B], xt: &[f64]) -> [[f64; PANEL]; B] {
    let mut acc = [[0.0f64; PANEL]; B];
    for p in &panels {
        assert_eq!(p.len(), xt.len() * PANEL);
    }
    for (k, &tk) in xt.iter().enumerate() {
        for b in 0..B {
            let v = &panels[b][k * PANEL..k * PANEL + PANEL];
            for l in 0..PANEL {
                acc[b][l] += v[l] * tk;
            }
        }
    }
    acc
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
    // Every entry is written below (both triangles): old contents need no zeroing.
    g.resize(m * m, 0.0);
    if x.exact {
        x.counts.gram_into(g);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    {
        if std::is_x86_feature_detected!("avx512f") {
            // SAFETY: AVX-512 F is available (checked just above).
            unsafe { gram_panels_avx512(x, g) };
            return;
        }
        if std::is_x86_feature_detected!("avx2") {
            // SAFETY: AVX2 is available (checked just above).
            unsafe { gram_panels_avx2(x, g) };
            return;
        }
    }
    gram_panels::<false>(x, g, portable_pairs, |a0, a1, b| gram_block([a0, a1], b));
}

/// `gram_block([a0, a1], b[i])` for each `b[i]`.
#[inline(always)]
fn portable_pairs(a0: &[f64], a1: &[f64], b: [&[f64]; 2]) -> [[[[f64; PANEL]; PANEL]; 2]; 2] {
    b.map(|b| gram_block([a0, a1], b))
}

/// [`gram_panels`] compiled with AVX2 (wider vectors; no FMA, so the same roundings).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn gram_panels_avx2(x: &Panels, g: &mut [f64]) {
    gram_panels::<false>(x, g, portable_pairs, |a0, a1, b| gram_block([a0, a1], b));
}

/// [`gram_panels`] with AVX-512: two panels against two at a time ([`gram_pairs_avx512`]).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn gram_panels_avx512(x: &Panels, g: &mut [f64]) {
    gram_panels::<true>(
        x,
        g,
        |a0, a1, b| gram_pairs_avx512(a0, a1, b),
        |a0, a1, b| {
            let [pair] = gram_pairs_avx512(a0, a1, [b]);
            pair
        },
    );
}

/// `gram_block([a0, a1], b[i])` for each of the `B` panels `b[i]`, with AVX-512: one
/// individual's values in the eight columns of `a0` and `a1` fill one vector, multiplied by
/// each of the `b` panels' values in turn, `4·B` independent sums in flight. Every dot product
/// sees the same products and additions in the same order (no FMA): the same bits.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn gram_pairs_avx512<const B: usize>(
    a0: &[f64],
    a1: &[f64],
    b: [&[f64]; B],
) -> [[[[f64; PANEL]; PANEL]; 2]; B] {
    use std::arch::x86_64::*;
    let len = a0.len();
    assert!(a1.len() == len && len.is_multiple_of(PANEL) && b.iter().all(|p| p.len() == len));
    let mut acc = [[_mm512_setzero_pd(); PANEL]; B];
    for k in 0..len / PANEL {
        let o = k * PANEL;
        // SAFETY: o + PANEL <= len of each slice (asserted above).
        let xa = _mm512_insertf64x4(
            _mm512_castpd256_pd512(_mm256_loadu_pd(a0.as_ptr().add(o))),
            _mm256_loadu_pd(a1.as_ptr().add(o)),
            1,
        );
        for (acc, b) in acc.iter_mut().zip(&b) {
            for (lb, acc) in acc.iter_mut().enumerate() {
                let y = _mm512_set1_pd(*b.get_unchecked(o + lb));
                *acc = _mm512_add_pd(*acc, _mm512_mul_pd(xa, y));
            }
        }
    }
    let mut out = [[[[0.0f64; PANEL]; PANEL]; 2]; B];
    for (out, acc) in out.iter_mut().zip(&acc) {
        for (lb, v) in acc.iter().enumerate() {
            let mut lanes = [0.0f64; 2 * PANEL];
            _mm512_storeu_pd(lanes.as_mut_ptr(), *v);
            out[0][lb].copy_from_slice(&lanes[..PANEL]);
            out[1][lb].copy_from_slice(&lanes[PANEL..]);
        }
    }
    out
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

/// The Gram matrix of the panels' columns into `g`, two panels against two at a time with
/// `pairs` (when `QUAD`) and against one with `pair` (`gram_block([a0, a1], b)` for each `b`, or a form of
/// it with the same roundings).
#[inline(always)]
fn gram_panels<const QUAD: bool>(
    x: &Panels,
    g: &mut [f64],
    pairs: impl Fn(&[f64], &[f64], [&[f64]; 2]) -> [[[[f64; PANEL]; PANEL]; 2]; 2],
    pair: impl Fn(&[f64], &[f64], &[f64]) -> [[[f64; PANEL]; PANEL]; 2],
) {
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
        // Panels pa, pa + 1 against pb, pb + 1 for pb + 1 < pa (pa is even) when `QUAD`, else
        // against each pb < pa alone; then against pa.
        if QUAD {
            for pb in (0..pa).step_by(2) {
                let both = pairs(x.panel(pa), x.panel(pa + 1), [x.panel(pb), x.panel(pb + 1)]);
                for (q, [a0, a1]) in both.iter().enumerate() {
                    store(pa, pb + q, a0);
                    store(pa + 1, pb + q, a1);
                }
            }
        } else {
            for pb in 0..pa {
                let [a0, a1] = pair(x.panel(pa), x.panel(pa + 1), x.panel(pb));
                store(pa, pb, &a0);
                store(pa + 1, pb, &a1);
            }
        }
        let [a0, a1] = pair(x.panel(pa), x.panel(pa + 1), x.panel(pa));
        store(pa, pa, &a0);
        store(pa + 1, pa, &a1);
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

    /// `Σ_k x_ki · x_kj` in order, one pair at a time: the specification of every Gram path.
    fn naive(x: &Matrix) -> Vec<u64> {
        let m = x.m;
        let mut g = vec![0; m * m];
        for i in 0..m {
            for j in 0..m {
                g[i * m + j] = dot(x.col(i), x.col(j)).to_bits();
            }
        }
        g
    }

    #[test]
    fn every_gram_path_is_the_in_order_dot_products_bit_for_bit() {
        // Values that are not integers, so that the order of the additions shows; column
        // counts with and without a partial panel and an odd number of panels.
        for &(n, m) in &[(1usize, 1usize), (7, 3), (13, 8), (50, 9), (101, 21)] {
            let data: Vec<f64> = (0..n * m)
                .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 7) as f64)
                .collect();
            let x = Matrix { n, m, data };
            let want = naive(&x);
            let p = Panels::from_matrix(&x);
            let bits = |g: &[f64]| g.iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            let mut g = vec![f64::NAN; m * m];
            gram_panels::<false>(&p, &mut g, portable_pairs, |a0, a1, b| {
                gram_block([a0, a1], b)
            });
            assert_eq!(bits(&g), want, "portable, n {n} m {m}");
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx2") {
                let mut g = vec![f64::NAN; m * m];
                // SAFETY: AVX2 is available (checked just above).
                unsafe { gram_panels_avx2(&p, &mut g) };
                assert_eq!(bits(&g), want, "avx2, n {n} m {m}");
            }
            #[cfg(target_arch = "x86_64")]
            if std::is_x86_feature_detected!("avx512f") {
                let mut g = vec![f64::NAN; m * m];
                // SAFETY: AVX-512 F is available (checked just above).
                unsafe { gram_panels_avx512(&p, &mut g) };
                assert_eq!(bits(&g), want, "avx512, n {n} m {m}");
            }
        }
    }
}
