//! Distribution of a weighted sum of independent chi-square(1) variables: saddlepoint with a
//! Satterthwaite fallback, as the reference computes the HEIDI p-value (data-spec/numerics.md).

/// P(Σ λ_i χ²₁ > x): saddlepoint approximation, Satterthwaite when it fails.
pub fn pchisqsum(x: f64, lambda: &[f64]) -> f64 {
    let _ = (x, lambda);
    todo!()
}
