//! fastsmr: Summary-data-based Mendelian Randomization (SMR) and the HEIDI test, reproducing
//! the output of SMR 1.3.1's cis analysis.
//!
//! The pipeline, in five lines:
//! 1. read the GWAS `.ma`, the eQTL `.esi`/`.epi` and the PLINK reference ([`io`]);
//! 2. match SNPs by ID and align alleles to the eQTL effect allele, check frequencies ([`harmonise`]);
//! 3. for each probe, in parallel, the engine selects its SNPs and an analysis tests them
//!    ([`engine`], [`analyses`]);
//! 4. SMR, HEIDI and the multi-SNP test with LD from the reference ([`stats`], [`ld`]);
//! 5. write the reference's tables in probe order ([`output`]).
//!
//! [`commands`] chooses and runs what the flags ask for; [`data`] holds what is loaded once.
#![warn(missing_docs)]

pub mod analyses;
pub mod besd_tools;
pub mod cli;
pub mod commands;
pub mod config;
pub mod data;
pub mod engine;
pub mod error;
pub mod export;
pub mod filters;
pub mod fuzzing;
pub mod genes;
pub mod harmonise;
pub mod io;
pub mod ld;
pub mod log;
pub mod lookup;
pub mod manifest;
pub mod merge;
pub mod output;
pub mod plot;
pub mod releases;
pub mod report_html;
pub mod shard;
pub mod stats;
pub mod types;

/// The harmonisation report, also at its former path (`io::freq` names it so).
pub use harmonise::report;
