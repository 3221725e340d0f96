//! Genotype columns held as allele counts in two bit planes, for the LD kernels' exact path
//! (data-spec/ld.md "Exact sums of counts").
//!
//! When every individual is kept and a SNP has no missing genotype, its decoded column holds
//! only the counts 0, 1 and 2. Every sum the kernels take over such columns (Σ v, Σ v², Σ v·w)
//! is then a sum of small integers, which `f64` addition computes exactly in any order: the
//! same number comes from counting bits. A `.bed` code gives `s`, the number of copies of the
//! `.bim` A2 (`00` → 0, `10` → 1, `11` → 2; `01` is missing), as two planes: `h` (s ≥ 1) and
//! `l` (s = 2), so `s = h + l`, `s² = h + l + 2·h·l`, and the value a kernel sees is
//! `v = a + c·s` with `(a, c) = (2, −1)` (the count of the `.bim` A1) or `(0, 1)` (swapped).
//! A pair's `Σ s·s'` is four popcounts per 64 individuals instead of 64 multiply-adds, and no
//! column is ever decoded to doubles.

/// Columns of counts as bit planes: per column `words` words of `h`, then `words` of `l`.
#[derive(Debug, Clone, Default)]
pub struct CountColumns {
    n: usize,
    words: usize,
    planes: Vec<u64>,
    /// Per column: `(a, c)` of `v = a + c·s`.
    orient: Vec<(i64, i64)>,
    /// Per column: `Σ s` and `Σ s²`.
    s1: Vec<i64>,
    s2: Vec<i64>,
}

/// The even bits of `x` (bits 0, 2, …, 62) packed into the low 32 bits.
#[inline]
fn even_bits(x: u64) -> u64 {
    let mut x = x & 0x5555_5555_5555_5555;
    x = (x | (x >> 1)) & 0x3333_3333_3333_3333;
    x = (x | (x >> 2)) & 0x0F0F_0F0F_0F0F_0F0F;
    x = (x | (x >> 4)) & 0x00FF_00FF_00FF_00FF;
    x = (x | (x >> 8)) & 0x0000_FFFF_0000_FFFF;
    (x | (x >> 16)) & 0x0000_0000_FFFF_FFFF
}

impl CountColumns {
    /// Empty, for columns of `n` individuals.
    pub fn clear(&mut self, n: usize) {
        self.n = n;
        self.words = n.div_ceil(64);
        self.planes.clear();
        self.orient.clear();
        self.s1.clear();
        self.s2.clear();
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.orient.len()
    }

    /// True when there is no column.
    pub fn is_empty(&self) -> bool {
        self.orient.is_empty()
    }

    /// Append the SNP whose `.bed` bytes are `bytes` (`n` individuals, four per byte), as the
    /// count of the `.bim` A1, or of A2 when `swapped`. `false`, with nothing appended, when a
    /// genotype is missing (its column would hold the imputed mean, not a count).
    pub fn push_bed(&mut self, bytes: &[u8], swapped: bool) -> bool {
        let (n, w) = (self.n, self.words);
        debug_assert!(bytes.len() >= n.div_ceil(4));
        let start = self.planes.len();
        self.planes.resize(start + 2 * w, 0);
        let (mut s1, mut both) = (0i64, 0i64);
        for i in 0..w {
            // 64 individuals: 16 bytes, two little-endian words of 32 codes each.
            let mut chunk = [0u8; 16];
            let lo = 16 * i;
            let hi = (lo + 16).min(bytes.len()).min(n.div_ceil(4));
            chunk[..hi - lo].copy_from_slice(&bytes[lo..hi]);
            let x0 = u64::from_le_bytes(chunk[..8].try_into().expect("8 bytes"));
            let x1 = u64::from_le_bytes(chunk[8..].try_into().expect("8 bytes"));
            let low = even_bits(x0) | (even_bits(x1) << 32);
            let high = even_bits(x0 >> 1) | (even_bits(x1 >> 1) << 32);
            // Individuals past `n` (the last byte's padding) count for nothing.
            let valid = if 64 * (i + 1) <= n {
                !0u64
            } else {
                (1u64 << (n - 64 * i)) - 1
            };
            let (low, high) = (low & valid, high & valid);
            if low & !high != 0 {
                self.planes.truncate(start);
                return false;
            }
            self.planes[start + i] = high;
            self.planes[start + w + i] = low;
            s1 += i64::from(high.count_ones() + low.count_ones());
            both += i64::from(low.count_ones());
        }
        // l ⊆ h, so h·l = l: Σ s² = Σ h + Σ l + 2 Σ l.
        self.s1.push(s1);
        self.s2.push(s1 + 2 * both);
        self.orient.push(if swapped { (0, 1) } else { (2, -1) });
        true
    }

    /// Append column `j` of `src`.
    pub fn push_from(&mut self, src: &CountColumns, j: usize) {
        let w = src.words;
        self.planes
            .extend_from_slice(&src.planes[2 * w * j..2 * w * (j + 1)]);
        self.orient.push(src.orient[j]);
        self.s1.push(src.s1[j]);
        self.s2.push(src.s2[j]);
    }

    /// `(h, l)` planes of column `j`.
    #[inline]
    fn planes(&self, j: usize) -> (&[u64], &[u64]) {
        let w = self.words;
        self.planes[2 * w * j..2 * w * (j + 1)].split_at(w)
    }

    /// Σ v over individuals, for column `j`.
    #[inline]
    pub fn sum(&self, j: usize) -> f64 {
        let (a, c) = self.orient[j];
        (self.n as i64 * a + c * self.s1[j]) as f64
    }

    /// Σ v² over individuals, for column `j` (c² = 1).
    #[inline]
    pub fn square(&self, j: usize) -> f64 {
        let (a, c) = self.orient[j];
        (self.n as i64 * a * a + 2 * a * c * self.s1[j] + self.s2[j]) as f64
    }

    /// Σ v_i·v_j over individuals, given `p = Σ s_i·s_j`.
    #[inline]
    fn dot_from(&self, i: usize, j: usize, p: i64) -> f64 {
        let ((ai, ci), (aj, cj)) = (self.orient[i], self.orient[j]);
        (self.n as i64 * ai * aj + ai * cj * self.s1[j] + aj * ci * self.s1[i] + ci * cj * p) as f64
    }

    /// Σ v_i·v_j over individuals.
    pub fn dot(&self, i: usize, j: usize) -> f64 {
        self.dot_from(i, j, self.count_products(i, j))
    }

    /// Σ s_i·s_j: popcounts of the four plane pairs.
    #[inline(always)]
    fn count_products(&self, i: usize, j: usize) -> i64 {
        let ((hi, li), (hj, lj)) = (self.planes(i), self.planes(j));
        let mut p = 0u32;
        for k in 0..self.words {
            p += (hi[k] & hj[k]).count_ones()
                + (hi[k] & lj[k]).count_ones()
                + (li[k] & hj[k]).count_ones()
                + (li[k] & lj[k]).count_ones();
        }
        i64::from(p)
    }

    /// `f(j, Σ v_j·v_t)` for every column `j` in order.
    pub fn dots_with(&self, t: usize, mut f: impl FnMut(usize, f64)) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU has POPCNT (checked just above).
                unsafe { self.dots_with_popcnt(t, &mut f) };
                return;
            }
        }
        for j in 0..self.len() {
            f(j, self.dot_from(j, t, self.count_products(j, t)));
        }
    }

    /// [`CountColumns::dots_with`] compiled with the POPCNT instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn dots_with_popcnt(&self, t: usize, f: &mut impl FnMut(usize, f64)) {
        for j in 0..self.len() {
            f(j, self.dot_from(j, t, self.count_products(j, t)));
        }
    }

    /// Every Σ v_i·v_j, row-major `m × m` into `g` (both triangles).
    pub fn gram_into(&self, g: &mut [f64]) {
        #[cfg(target_arch = "x86_64")]
        {
            if std::is_x86_feature_detected!("popcnt") {
                // SAFETY: the CPU has POPCNT (checked just above).
                unsafe { self.gram_popcnt(g) };
                return;
            }
        }
        self.gram_plain(g);
    }

    /// [`CountColumns::gram_into`] compiled with the POPCNT instruction.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt")]
    unsafe fn gram_popcnt(&self, g: &mut [f64]) {
        self.gram_plain(g);
    }

    #[inline(always)]
    fn gram_plain(&self, g: &mut [f64]) {
        let m = self.len();
        for i in 0..m {
            for j in 0..=i {
                let v = self.dot_from(i, j, self.count_products(i, j));
                g[i * m + j] = v;
                g[j * m + i] = v;
            }
        }
    }

    /// The value of individual `i` in column `j`.
    pub fn get(&self, i: usize, j: usize) -> f64 {
        let (h, l) = self.planes(j);
        let s = ((h[i / 64] >> (i % 64)) & 1) + ((l[i / 64] >> (i % 64)) & 1);
        let (a, c) = self.orient[j];
        (a + c * s as i64) as f64
    }

    /// Column `j` as values, into `out`.
    pub fn column_into(&self, j: usize, out: &mut Vec<f64>) {
        out.clear();
        out.extend((0..self.n).map(|i| self.get(i, j)));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `.bed` bytes of the codes (0..=3 each), four per byte, low bits first.
    fn bed_bytes(codes: &[u8]) -> Vec<u8> {
        codes
            .chunks(4)
            .map(|c| c.iter().enumerate().map(|(i, &v)| v << (2 * i)).sum())
            .collect()
    }

    #[test]
    fn sums_and_dots_are_those_of_the_decoded_values() {
        // 150 individuals (three words, the last partial), codes without missing.
        let n = 150;
        let cols: Vec<Vec<u8>> = (0..5)
            .map(|j| {
                (0..n)
                    .map(|i| [0u8, 2, 3][(i * 7 + j * 13 + i * j) % 3])
                    .collect()
            })
            .collect();
        let value = |code: u8, swapped: bool| -> f64 {
            let s = [0.0, f64::NAN, 1.0, 2.0][code as usize];
            if swapped {
                s
            } else {
                2.0 - s
            }
        };
        let mut cc = CountColumns::default();
        cc.clear(n);
        let mut vals: Vec<Vec<f64>> = Vec::new();
        for (j, c) in cols.iter().enumerate() {
            let mut bytes = bed_bytes(c);
            // Padding codes in the last byte must not count.
            *bytes.last_mut().unwrap() |= 0b1111_0000;
            let swapped = j % 2 == 1;
            assert!(cc.push_bed(&bytes, swapped));
            vals.push(c.iter().map(|&v| value(v, swapped)).collect());
        }
        for (i, v) in vals.iter().enumerate() {
            assert_eq!(cc.sum(i), v.iter().sum::<f64>());
            assert_eq!(cc.square(i), v.iter().map(|x| x * x).sum::<f64>());
            let mut col = Vec::new();
            cc.column_into(i, &mut col);
            assert_eq!(&col, v);
            for (j, w) in vals.iter().enumerate() {
                let want: f64 = v.iter().zip(w).map(|(x, y)| x * y).sum();
                assert_eq!(cc.dot(i, j), want, "{i} {j}");
            }
        }
        let mut g = vec![0.0; 25];
        cc.gram_into(&mut g);
        let mut seen = Vec::new();
        cc.dots_with(3, |j, d| seen.push((j, d)));
        for j in 0..5 {
            assert_eq!(g[j * 5 + 3], cc.dot(j, 3));
            assert_eq!(seen[j], (j, cc.dot(j, 3)));
        }
    }

    #[test]
    fn a_missing_genotype_is_refused() {
        let mut cc = CountColumns::default();
        cc.clear(9);
        assert!(!cc.push_bed(&bed_bytes(&[0, 2, 3, 0, 1, 0, 0, 0, 3]), false));
        assert!(cc.is_empty());
        assert!(cc.push_bed(&bed_bytes(&[0, 2, 3, 0, 3, 0, 0, 0, 3]), false));
        assert_eq!(cc.len(), 1);
    }
}
