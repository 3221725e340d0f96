//! Harmonisation of one trait with the eQTL data and the LD reference
//! (data-spec/harmonise.md): allele codes ([`alleles`]), matching by ID ([`matching`]), the
//! allele-frequency check ([`freq_check`]), the compact SNP table the analyses read
//! ([`snp_table`]), the harmonisation report ([`report`]), and the steps in order
//! ([`prepare`]).
//!
//! SNPs are matched by ID only and alleles compared as upper-case strings, exactly as the
//! reference does: no strand flipping, palindromic SNPs treated like any other.

pub mod alleles;
pub mod freq_check;
pub mod matching;
pub mod prepare;
pub mod report;
pub mod snp_table;

pub use alleles::{
    align_gwas, gwas_alleles_as_written, match_alleles, match_gwas_alleles, AlignedGwas,
    AlleleMatch, GwasAlleles, MatchOptions, PALINDROMIC_FREQ_MARGIN,
};
pub use freq_check::FreqTriple;
pub use matching::{
    match_three_way, match_three_way_with, match_two_way, match_two_way_with, rename_by_chrpos,
    DropReason, Located, MatchIndex, MatchResult, MatchedSnp, NO_BIM,
};
pub use prepare::{harmonise_read, harmonise_trait, Harmonised};
pub use snp_table::{GwasAfterMatch, SnpTable};

#[cfg(test)]
mod tests;
