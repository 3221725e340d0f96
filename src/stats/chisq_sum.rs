//! Distribution of a weighted sum of independent chi-square(1) variables: saddlepoint with a
//! Satterthwaite fallback, as the reference computes the HEIDI p-value (data-spec/numerics.md;
//! reference algorithm.md §10.5).
//!
//! Everything here is reproduced in the reference's operation order: the saddlepoint root is
//! found only to 1e-8 by a particular Brent variant whose branch decisions shape the 6th–7th
//! printed digit of p_HEIDI, and the final normal tail is the Abramowitz–Stegun approximation.

use super::dist::{chisq_tail, pnorm_upper_as};

/// Failure sentinel of [`saddlepoint`] and [`satterthwaite`] (any value > 1 means failure to
/// [`pchisqsum`]; Satterthwaite's 2 is printed as is by the reference).
pub const PCHISQSUM_FAILED: f64 = 2.0;

/// Tolerance of the saddlepoint root search (algorithm.md §10.5 step 4).
pub const SADDLEPOINT_ROOT_TOL: f64 = 1e-8;

/// Iteration limit of [`brent_root`]; beyond it the search returns `hi + 10`.
pub const BRENT_MAX_ITER: u32 = 1000;

/// P(Σ λ_i χ²₁ > x): saddlepoint approximation, Satterthwaite when it fails.
///
/// The saddlepoint result is used unless it is > 1 (the failure sentinel 2); NaN passes
/// through as the reference lets it.
pub fn pchisqsum(x: f64, lambda: &[f64]) -> f64 {
    let p = saddlepoint(x, lambda);
    if p > 1.0 {
        satterthwaite(x, lambda)
    } else {
        p
    }
}

/// Kuonen's saddlepoint approximation to P(Σ λ_i χ²₁ > x), as algorithm.md §10.5 writes it;
/// returns [`PCHISQSUM_FAILED`] (2) when it does not apply.
///
/// 1. `d = max λ` (2 if d ≤ 0); scale λ and x by 1/d.
/// 2. Bracket: `lo = 0.499995/min λ` if min λ < 0, else −0.01 if x > Σλ, else `−k/(2x)`;
///    `hi = 0.499995/max λ`.
/// 3. `ζ̂` = root of `K'(ζ) − x` on [lo, hi] by [`brent_root`] (tolerance 1e-8).
/// 4. 2 if `ζ̂ > hi + 9` (search failed) or `|ζ̂| < 1e-4`; otherwise with
///    `w = sgn(ζ̂) sqrt(2(ζ̂x − K(ζ̂)))`, `v = ζ̂ sqrt(K''(ζ̂))` return
///    `pnorm(w + ln(v/w)/w)` ([`pnorm_upper_as`]).
pub fn saddlepoint(x: f64, lambda: &[f64]) -> f64 {
    saddlepoint_point(x, lambda).map_or(PCHISQSUM_FAILED, pnorm_upper_as)
}

/// The normal quantile `w + ln(v/w)/w` whose upper tail [`saddlepoint`] returns; `None` where
/// it returns the failure sentinel (used for p-values in log space, `crate::stats::log_tail`).
pub fn saddlepoint_point(x: f64, lambda: &[f64]) -> Option<f64> {
    let d = lambda.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if lambda.is_empty() || d <= 0.0 {
        return None;
    }
    let lam: Vec<f64> = lambda.iter().map(|&l| l / d).collect();
    let x = x / d;
    let min = lam.iter().copied().fold(f64::INFINITY, f64::min);
    let max = lam.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let sum: f64 = lam.iter().sum();
    let k = lam.len() as f64;
    let lo = if min < 0.0 {
        0.499995 / min
    } else if x > sum {
        -0.01
    } else {
        -0.5 * k / x
    };
    let hi = 0.499995 / max;

    let zeta = brent_root(|z| k_prime(z, &lam) - x, lo, hi, SADDLEPOINT_ROOT_TOL);
    if zeta > hi + 9.0 {
        return None;
    }
    let sign = if zeta < 0.0 { -1.0 } else { 1.0 };
    let w = sign * (2.0 * (zeta * x - k_cgf(zeta, &lam))).sqrt();
    let v = zeta * k_second(zeta, &lam).sqrt();
    if zeta.abs() < 1e-4 {
        return None;
    }
    Some(w + (v / w).ln() / w)
}

/// Satterthwaite approximation: `Σλ χ²₁ ≈ a χ²_b` with `a = Σλ²/Σλ`, `b = (Σλ)²/Σλ²`, so
/// `P = χ²tail(x/a, b)` (non-integer df). Returns [`PCHISQSUM_FAILED`] (2) when
/// `|Σλ| < DBL_EPSILON` — the reference then prints p = 2.
pub fn satterthwaite(x: f64, lambda: &[f64]) -> f64 {
    let s: f64 = lambda.iter().sum();
    if s.abs() < f64::EPSILON {
        return PCHISQSUM_FAILED;
    }
    let s2: f64 = lambda.iter().map(|&l| l * l).sum();
    let a = s2 / s;
    let b = s * s / s2;
    chisq_tail(x / a, b)
}

/// Root of `f` on `[lo, hi]` by the reference's Brent variant (algorithm.md §10.5), reproduced
/// operation for operation because p_HEIDI's last digits depend on the path:
///
/// * no sign change (`f(lo)·f(hi) ≥ 0`): return the end with the smaller `f` value (signed);
/// * inverse quadratic interpolation when the three values differ, else the secant step;
/// * bisection when the step is not strictly between `(3a+b)/4` and `b`, or too small relative
///   to the previous steps (`|s−b| ≥ |b−c|/2` after a bisection, `≥ |c−d|/2` otherwise), or
///   when `|b−c|` (resp. `|c−d|`) is below `tol`;
/// * stops when `f(b) = 0` or `|a−b| ≤ tol`; returns `hi + 10` after more than 1000 steps.
pub fn brent_root<F: FnMut(f64) -> f64>(mut f: F, lo: f64, hi: f64, tol: f64) -> f64 {
    let mut a = lo;
    let mut b = hi;
    let mut fa = f(a);
    let mut fb = f(b);
    if fa * fb >= 0.0 {
        return if fa < fb { a } else { b };
    }
    if fa.abs() < fb.abs() {
        std::mem::swap(&mut a, &mut b);
        std::mem::swap(&mut fa, &mut fb);
    }
    let mut c = a;
    let mut fc = fa;
    let mut mflag = true;
    let mut d = f64::MAX;
    let mut i = 0u32;
    while fb != 0.0 && (a - b).abs() > tol {
        let mut s = if fa != fc && fb != fc {
            a * fb * fc / (fa - fb) / (fa - fc)
                + b * fa * fc / (fb - fa) / (fb - fc)
                + c * fa * fb / (fc - fa) / (fc - fb)
        } else {
            b - fb * (b - a) / (fb - fa)
        };
        let m = (3.0 * a + b) / 4.0;
        let between = (m < s && s < b) || (b < s && s < m);
        if !between
            || (mflag && (s - b).abs() >= (b - c).abs() / 2.0)
            || (!mflag && (s - b).abs() >= (c - d).abs() / 2.0)
            || (mflag && (b - c).abs() < tol)
            || (!mflag && (c - d).abs() < tol)
        {
            s = (a + b) / 2.0;
            mflag = true;
        } else {
            mflag = false;
        }
        let fs = f(s);
        d = c;
        c = b;
        fc = fb;
        if fa * fs < 0.0 {
            b = s;
            fb = fs;
        } else {
            a = s;
            fa = fs;
        }
        if fa.abs() < fb.abs() {
            std::mem::swap(&mut a, &mut b);
            std::mem::swap(&mut fa, &mut fb);
        }
        i += 1;
        if i > BRENT_MAX_ITER {
            return hi + 10.0;
        }
    }
    b
}

/// Cumulant generating function `K(ζ) = −½ Σ ln(1 − 2ζλ_i)`.
fn k_cgf(zeta: f64, lambda: &[f64]) -> f64 {
    let s: f64 = lambda.iter().map(|&l| (1.0 - 2.0 * zeta * l).ln()).sum();
    -0.5 * s
}

/// `K'(ζ) = Σ λ_i/(1 − 2ζλ_i)`.
fn k_prime(zeta: f64, lambda: &[f64]) -> f64 {
    lambda.iter().map(|&l| l / (1.0 - 2.0 * zeta * l)).sum()
}

/// `K''(ζ) = 2 Σ λ_i²/(1 − 2ζλ_i)²`.
fn k_second(zeta: f64, lambda: &[f64]) -> f64 {
    let s: f64 = lambda
        .iter()
        .map(|&l| {
            let den = 1.0 - 2.0 * zeta * l;
            l * l / (den * den)
        })
        .sum();
    2.0 * s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::stats::dist::chisq1_tail;

    fn assert_rel(got: f64, want: f64, tol: f64, what: &str) {
        let rel = ((got - want) / want).abs();
        assert!(
            rel <= tol,
            "{what}: got {got:e}, want {want:e}, rel {rel:e}"
        );
    }

    /// (x, λ, saddlepoint from an independent Python transcription of algorithm.md §10.5,
    /// exact P from Imhof's integral with mpmath `quadosc` at 30 digits).
    const CASES: &[(f64, &[f64], f64, f64)] = &[
        (3.0, &[1.0], 0.08547946756325721, 0.0832645166635504),
        (10.0, &[1.0], 0.001664462400946327, 0.0015654022580025497),
        (
            25.0,
            &[2.5, 1.3, 0.7, 0.2],
            0.003157078600425643,
            0.0030321921573728456,
        ),
        (
            4.0,
            &[2.5, 1.3, 0.7, 0.2],
            0.436603293134463,
            0.44436886673474135,
        ),
        (
            12.3,
            &[1.7, 1.1, 0.9, 0.6, 0.4, 0.2, 0.05],
            0.03489048786635247,
            0.036173434242869,
        ),
        (
            60.0,
            &[3.0, 2.0, 1.0, 0.5, 0.25],
            2.1742393393888726e-05,
            2.0427074127844907e-05,
        ),
        (
            0.5,
            &[1.0, 1.0, 0.5],
            0.8900314269882861,
            0.8905841961015628,
        ),
        (
            7.0,
            &[1.2, 0.9, 0.8, 0.6, 0.3, 0.1, 0.05, 0.01, 0.005],
            0.1157353275544291,
            0.11792701234761109,
        ),
    ];

    #[test]
    fn saddlepoint_matches_independent_transcription() {
        for &(x, lam, want, _) in CASES {
            assert_rel(
                saddlepoint(x, lam),
                want,
                1e-14,
                &format!("saddle({x}, {lam:?})"),
            );
            assert_eq!(pchisqsum(x, lam), saddlepoint(x, lam));
        }
    }

    #[test]
    fn saddlepoint_close_to_exact_distribution() {
        // Saddlepoint accuracy is a few percent in these cases (Imhof integral via mpmath).
        for &(x, lam, _, exact) in CASES {
            assert_rel(
                pchisqsum(x, lam),
                exact,
                0.08,
                &format!("exact({x}, {lam:?})"),
            );
        }
    }

    #[test]
    fn single_lambda_near_chisq1_tail() {
        // λ = [1]: the distribution is χ²₁ (its tail by mpmath in dist tests); the saddlepoint
        // is within 10% of it over 1 ≤ x ≤ 20, p stays in [0, 1] and decreases in x.
        let mut prev = 1.0;
        for i in 1..=80 {
            let x = 0.5 * f64::from(i);
            let p = pchisqsum(x, &[1.0]);
            assert!((0.0..=1.0).contains(&p), "p({x}) = {p}");
            assert!(p <= prev, "not decreasing at {x}");
            prev = p;
            if (1.0..=20.0).contains(&x) {
                assert_rel(p, chisq1_tail(x), 0.1, &format!("x = {x}"));
            }
        }
    }

    #[test]
    fn satterthwaite_cases() {
        // One λ: a = λ²/λ, b = 1 exactly, so it is the χ²₁ tail of x/a (identity).
        for x in [0.3, 4.0, 17.5] {
            assert_eq!(satterthwaite(x, &[1.0]), chisq1_tail(x));
        }
        // λ = [0.6, 0.3]: a = 0.45/0.9 = 0.5, b = 0.81/0.45 = 1.8; x = 0.85 ⇒ x/a = 1.7 ⇒
        // Q(b/2, 1.7/2) = Q(0.9, 0.85) = 0.3807738222769785 (mpmath gammainc, regularized).
        assert_rel(
            satterthwaite(0.85, &[0.6, 0.3]),
            0.3807738222769785,
            1e-13,
            "satterthwaite",
        );
        // Σλ ≈ 0: the sentinel 2 that the reference prints as is.
        assert_eq!(satterthwaite(1.0, &[1e-17]), 2.0);
        assert_eq!(satterthwaite(1.0, &[]), 2.0);
    }

    #[test]
    fn saddlepoint_failure_falls_back() {
        // λ = [1, 1], x = 2 = K'(0): ζ̂ ≈ 0 so the saddlepoint declines (|ζ̂| < 1e-4) and the
        // result is Satterthwaite's χ²₂ tail at 2 = e^{-1} (hand calculation).
        assert_eq!(saddlepoint(2.0, &[1.0, 1.0]), 2.0);
        assert_rel(
            pchisqsum(2.0, &[1.0, 1.0]),
            0.36787944117144233,
            1e-14,
            "fallback",
        );
        // No positive λ: saddlepoint fails.
        assert_eq!(saddlepoint(1.0, &[-1.0, 0.0]), 2.0);
        assert_eq!(saddlepoint(1.0, &[]), 2.0);
    }

    #[test]
    fn brent_root_finds_simple_roots() {
        // Root of z³ − 2 on [0, 2] is 2^(1/3) = 1.2599210498948732 (hand), to within tol.
        let r = brent_root(|z| z * z * z - 2.0, 0.0, 2.0, 1e-8);
        assert!((r - 1.2599210498948732).abs() < 1e-8);
        // No sign change: returns the end with the smaller f.
        assert_eq!(brent_root(|z| z * z + 1.0, -1.0, 2.0, 1e-8), -1.0);
        assert_eq!(brent_root(|z| -z * z - 1.0, -1.0, 2.0, 1e-8), 2.0);
    }
}
