//! p-values in log space (data-spec/smr-output.md §extensions): `log10 p` that never
//! underflows, for the extended table (`--smr-extra-columns`). The reference prints p = 0
//! once χ²₁ > ~1417; these functions follow the same formulas as the printed p-values
//! (`crate::stats::dist`, `crate::stats::chisq_sum`) and agree with `log10` of them wherever
//! those are normal numbers.

use super::chisq_sum::{saddlepoint_point, PCHISQSUM_FAILED};
use super::dist::chisq1_tail;
use statrs::function::gamma::{checked_gamma_ur, ln_gamma};

/// Below this χ²₁ the tail is a normal double (≥ 1e-306) and `log10` of [`chisq1_tail`] is
/// used as is.
const CHISQ1_DIRECT: f64 = 1400.0;

/// Smallest p whose `log10` is taken directly (normal doubles, full precision).
const P_DIRECT: f64 = 1e-300;

/// `log10 P(χ²₁ > x)`: `log10` of [`chisq1_tail`] while that is a normal double, then
/// `−x/2 + ln erfcx(√(x/2))` with the asymptotic series of erfcx (`√(x/2)` ≥ 26: twelve terms
/// reach 1e-30). NaN for x < 0 or NaN.
pub fn log10_chisq1_tail(x: f64) -> f64 {
    if x.is_nan() || x < 0.0 {
        return f64::NAN;
    }
    if x < CHISQ1_DIRECT {
        return chisq1_tail(x).log10();
    }
    if x.is_infinite() {
        return f64::NEG_INFINITY;
    }
    let h = x / 2.0;
    // erfcx(z) √π z = Σ (−1)ⁿ (2n−1)!! / (2z²)ⁿ.
    let (mut term, mut sum) = (1.0f64, 1.0f64);
    for n in 1..=12 {
        term *= -(2.0 * f64::from(n) - 1.0) / (2.0 * h);
        sum += term;
    }
    let ln_p = -h - 0.5 * h.ln() - 0.5 * std::f64::consts::PI.ln() + sum.ln();
    ln_p / std::f64::consts::LN_10
}

/// `log10` of the Abramowitz–Stegun normal upper tail
/// ([`crate::stats::dist::pnorm_upper_as`]) evaluated in log space: `−a²/2 − ln 2.50662827463
/// + ln(t·poly(t))` for x ≥ 0.
pub fn log10_pnorm_upper_as(x: f64) -> f64 {
    if x.is_nan() {
        return f64::NAN;
    }
    if x < 0.0 {
        return crate::stats::dist::pnorm_upper_as(x).log10();
    }
    let a = x;
    let t = 1.0 / (1.0 + 0.2316419 * a);
    let poly = t
        * (0.31938153
            + t * (-0.356563782 + t * (1.781477937 + t * (-1.821255978 + 1.330274429 * t))));
    (-a * a / 2.0 - 2.50662827463f64.ln() + poly.ln()) / std::f64::consts::LN_10
}

/// `log10 Q(s, y)`, the regularised upper incomplete gamma: `log10` of statrs' value while it
/// is a normal double, else `−y + s ln y − lnΓ(s) + ln CF` with the continued fraction of Q
/// (modified Lentz; converges for y > s + 1, the only case where Q can underflow).
pub fn log10_gamma_q(s: f64, y: f64) -> f64 {
    if s.is_nan() || y.is_nan() || s <= 0.0 || y < 0.0 {
        return f64::NAN;
    }
    if let Ok(q) = checked_gamma_ur(s, y) {
        if q > P_DIRECT || y <= s + 1.0 {
            return q.log10();
        }
    }
    const TINY: f64 = 1e-300;
    let mut b = y + 1.0 - s;
    let mut c = 1.0 / TINY;
    let mut d = 1.0 / b;
    let mut h = d;
    for i in 1..10_000 {
        let an = -f64::from(i) * (f64::from(i) - s);
        b += 2.0;
        d = an * d + b;
        if d.abs() < TINY {
            d = TINY;
        }
        c = b + an / c;
        if c.abs() < TINY {
            c = TINY;
        }
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-16 {
            break;
        }
    }
    (-y + s * y.ln() - ln_gamma(s) + h.ln()) / std::f64::consts::LN_10
}

/// `log10` of [`crate::stats::chisq_sum::pchisqsum`] (the HEIDI p-value), same branches: the
/// saddlepoint's normal tail in log space, else Satterthwaite's χ² tail in log space (its
/// failure value 2 gives log10 2, as the reference prints p = 2).
pub fn log10_pchisqsum(x: f64, lambda: &[f64]) -> f64 {
    if let Some(a) = saddlepoint_point(x, lambda) {
        let p = crate::stats::dist::pnorm_upper_as(a);
        if p <= 1.0 || p.is_nan() {
            return log10_pnorm_upper_as(a);
        }
    }
    let s: f64 = lambda.iter().sum();
    if s.abs() < f64::EPSILON {
        return PCHISQSUM_FAILED.log10();
    }
    let s2: f64 = lambda.iter().map(|&l| l * l).sum();
    let (a, b) = (s2 / s, s * s / s2);
    if x.is_nan() || x < 0.0 || b <= 0.0 {
        return f64::NAN;
    }
    if b == 1.0 {
        log10_chisq1_tail(x / a)
    } else {
        log10_gamma_q(b / 2.0, x / a / 2.0)
    }
}

/// `log10` of a p-value computed elsewhere, falling back to `fallback()` (a log-space value)
/// when p is 0 or too small for a full-precision `log10`.
pub fn log10_or(p: f64, fallback: impl FnOnce() -> f64) -> f64 {
    if p > P_DIRECT {
        p.log10()
    } else {
        fallback()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::chisq_sum::pchisqsum;
    use crate::stats::dist::pnorm_upper_as;

    // From tests/data/log_tail/mpmath_values.py (mpmath 1.3.0, 50 digits), as printed.
    #[allow(clippy::excessive_precision)]
    const CHISQ1: &[(f64, f64)] = &[
        (0.0, 0.0),
        (1e-06, -0.0003466551179578636452),
        (0.5, -0.31921127782572033173),
        (1.0, -0.49851554582798930482),
        (3.841458820694124, -1.3010299956639806963),
        (10.0, -2.8053740440709201949),
        (37.0, -8.9276425663459614659),
        (100.0, -22.817023409822094699),
        (500.0, -110.02202970476328911),
        (1000.0, -218.7457341042050113),
        (1400.0, -305.67757094696974061),
        (1416.0, -309.15439091821474756),
        (1417.0, -309.37169124192646477),
        (1500.0, -327.40725604416649263),
        (2000.0, -436.04327371607294795),
        (5000.0, -1087.6838365143223765),
        (10000.0, -2173.5705128733703953),
        (30000.0, -6516.7538635899288772),
        (100000.0, -21717.32215944394271),
    ];
    #[allow(clippy::excessive_precision)]
    const GAMMA_Q: &[(f64, f64, f64)] = &[
        (0.5, 10.0, -5.1110225181099560588),
        (1.0, 50.0, -21.714724095162591383),
        (2.5, 100.0, -40.546586416368336712),
        (7.3, 800.0, -332.2469796100640127),
        (12.0, 2000.0, -839.87639556603098197),
        (3.0, 50000.0, -21705.627167777804055),
    ];

    fn close(got: f64, want: f64, rel: f64) -> bool {
        (got - want).abs() <= rel * want.abs().max(1e-300) + 1e-15
    }

    #[test]
    fn chisq1_log_tail_matches_mpmath_deep_into_the_tail() {
        for &(x, want) in CHISQ1 {
            let got = log10_chisq1_tail(x);
            assert!(close(got, want, 1e-13), "x {x}: got {got}, mpmath {want}");
        }
        // The printed p underflows to 0 there; the log does not.
        assert_eq!(chisq1_tail(1417.0), 0.0);
        assert!(log10_chisq1_tail(1e5).is_finite());
    }

    #[test]
    fn chisq1_log_tail_is_log10_of_the_printed_p_where_that_is_not_zero() {
        let mut x = 1e-3;
        while x < 1416.0 {
            let p = chisq1_tail(x);
            assert!(p > 0.0);
            let (got, want) = (log10_chisq1_tail(x), p.log10());
            // p is printed with 7 significant digits: 1e-12 relative in log10 is far below.
            assert!(close(got, want, 1e-12), "x {x}: {got} vs {want}");
            x *= 1.1;
        }
        // Continuous across the switch to the series.
        let (a, b) = (log10_chisq1_tail(1399.999999), log10_chisq1_tail(1400.0));
        assert!((a - b).abs() < 1e-6, "{a} {b}");
    }

    #[test]
    fn gamma_log_tail_matches_mpmath() {
        for &(s, y, want) in GAMMA_Q {
            let got = log10_gamma_q(s, y);
            assert!(
                close(got, want, 1e-12),
                "Q({s}, {y}): got {got}, mpmath {want}"
            );
        }
    }

    #[test]
    fn normal_log_tail_is_log10_of_the_as_tail() {
        for &a in &[0.0, 0.3, 1.0, 2.5, 5.0, 10.0, 20.0, 37.0] {
            let (got, want) = (log10_pnorm_upper_as(a), pnorm_upper_as(a).log10());
            assert!(close(got, want, 1e-13), "{a}: {got} vs {want}");
        }
        // Far beyond where the tail underflows: ln of the exact tail φ(100)/100·(1 − 1e-4…)
        // is −5005.52; the A-S form (a few % off the exact tail there) stays within 1 of it.
        let ln = log10_pnorm_upper_as(100.0) * std::f64::consts::LN_10;
        assert!((ln + 5005.52).abs() < 1.0, "{ln}");
    }

    #[test]
    fn heidi_log_p_follows_pchisqsum_and_does_not_underflow() {
        let lambda = [0.6, 0.9, 1.1, 1.4];
        for &x in &[2.0, 10.0, 40.0, 200.0] {
            let p = pchisqsum(x, &lambda);
            let got = log10_pchisqsum(x, &lambda);
            assert!(
                close(got, p.log10(), 1e-12),
                "x {x}: {got} vs {}",
                p.log10()
            );
        }
        // A statistic far beyond underflow: finite, and decreasing in x.
        let (a, b) = (
            log10_pchisqsum(5000.0, &lambda),
            log10_pchisqsum(9000.0, &lambda),
        );
        assert!(a.is_finite() && b < a && a < -300.0, "{a} {b}");
    }
}
