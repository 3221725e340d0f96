//! Reference genotypes and LD (data-spec/ld.md): genotype decoding with mean imputation
//! ([`genotypes`]), the r and correlation kernels ([`kernels`]), and the [`LdSource`] trait,
//! which is all that [`crate::stats`] sees of the reference.

pub mod counts;
pub mod genotypes;
pub mod kernels;
pub mod source;

pub use genotypes::{AlleleCounts, Genotypes};
pub use kernels::{
    correlation_into, correlation_matrix, correlation_matrix_naive, dots_with_column, gram,
    gram_into, r_with_target, r_with_target_naive, r_with_target_panels, sums_with_column, Matrix,
    Panels, PANEL,
};
pub use source::{LdSource, TargetScratch};

#[cfg(test)]
mod tests;
