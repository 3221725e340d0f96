//! The SMR test and the top-SNP choice (data-spec/algorithm.md §smr).

use crate::stats::dist::chisq1_tail;
use std::borrow::Borrow;

/// Index of the SNP with the largest |z|, the reference's way: scanning left to right, a later
/// SNP wins when its |z| is within 1e-6 of the running best (so ties go to the later SNP, and
/// the running value can drift down a chain of near-ties). `z` must not be empty.
pub fn max_abs_id<I>(z: I) -> usize
where
    I: IntoIterator,
    I::Item: Borrow<f64>,
{
    const BLOCK: usize = 8;
    let mut z = z.into_iter();
    let first = z.next().expect("max_abs_id of an empty list");
    let mut best = 0;
    let mut cmp = first.borrow().abs();
    // Eight values at a time: a block none of which passes the test against the running
    // value leaves the scan's state as it was, and is skipped after one vectorisable check;
    // otherwise it is scanned value by value. The same answer as the plain scan.
    let mut block = [0.0f64; BLOCK];
    let mut next = 1;
    loop {
        let mut len = 0;
        for v in z.by_ref().take(BLOCK) {
            block[len] = v.borrow().abs();
            len += 1;
        }
        if block[..len].iter().any(|&v| cmp - v < 1e-6) {
            for (i, &v) in block[..len].iter().enumerate() {
                if cmp - v < 1e-6 {
                    best = next + i;
                    cmp = v;
                }
            }
        }
        next += len;
        if len < BLOCK {
            return best;
        }
    }
}

/// Result of the SMR test for one instrument.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SmrTest {
    /// b_SMR = b_GWAS / b_eQTL.
    pub b: f64,
    /// Delta-method standard error.
    pub se: f64,
    /// χ²₁ upper-tail p-value of (b/se)².
    pub p: f64,
}

/// SMR with GWAS (`by`, `sy`) and eQTL (`bx`, `sx`) effects of one SNP, in the reference's
/// operation order.
pub fn smr_test(by: f64, sy: f64, bx: f64, sx: f64) -> SmrTest {
    let b = by / bx;
    let se = ((sy * sy * bx * bx + sx * sx * by * by) / (bx * bx * bx * bx)).sqrt();
    let t = (b * b) / (se * se);
    SmrTest {
        b,
        se,
        p: chisq1_tail(t),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn max_abs_id_prefers_later_ties_and_near_ties() {
        assert_eq!(max_abs_id([1.0, -3.0, 2.0]), 1);
        assert_eq!(max_abs_id([3.0, -3.0]), 1);
        // A later SNP smaller by less than 1e-6 still wins.
        assert_eq!(max_abs_id([3.0, 3.0 - 5e-7]), 1);
        assert_eq!(max_abs_id([3.0, 3.0 - 2e-6]), 0);
        // Drift: each step within 1e-6 of the previous.
        assert_eq!(max_abs_id([3.0, 3.0 - 9e-7, 3.0 - 1.8e-6]), 2);
    }

    /// The plain left-to-right scan of the reference's rule.
    fn max_abs_id_plain(z: &[f64]) -> usize {
        let (mut best, mut cmp) = (0, z[0].abs());
        for (i, &v) in z.iter().enumerate().skip(1) {
            if cmp - v.abs() < 1e-6 {
                best = i;
                cmp = v.abs();
            }
        }
        best
    }

    #[test]
    fn blocked_max_abs_id_is_the_plain_scan() {
        // Values on a coarse grid with near-ties (steps of 4e-7 around each grid point),
        // NaN now and then, every length across several blocks of eight.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let mut draw = || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        for len in 1..60 {
            for _ in 0..200 {
                let z: Vec<f64> = (0..len)
                    .map(|_| {
                        let r = draw();
                        if r % 97 == 0 {
                            return f64::NAN;
                        }
                        let sign = if r & 1 == 0 { 1.0 } else { -1.0 };
                        sign * ((r >> 1) % 4) as f64 + 4e-7 * ((r >> 8) % 5) as f64
                    })
                    .collect();
                assert_eq!(max_abs_id(&z), max_abs_id_plain(&z), "{z:?}");
            }
        }
    }

    #[test]
    fn smr_matches_hand_calculation() {
        // by = 0.1, sy = 0.02, bx = 0.5, sx = 0.05:
        // b = 0.2; se² = (0.0004*0.25 + 0.0025*0.01)/0.0625 = 0.000125/0.0625 = 0.002
        let t = smr_test(0.1, 0.02, 0.5, 0.05);
        assert!((t.b - 0.2).abs() < 1e-15);
        assert!((t.se - 0.002f64.sqrt()).abs() < 1e-15);
        // T = 0.04 / 0.002 = 20 -> p = erfc(sqrt(10)) = 7.744216431044e-06 (R: pchisq(20,1,lower=F))
        assert!((t.p - 7.744216431044e-06).abs() < 1e-17);
    }
}
