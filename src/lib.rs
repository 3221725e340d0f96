//! fastsmr: Summary-data-based Mendelian Randomization (SMR) and the HEIDI test, reproducing
//! the output of SMR 1.3.1's cis analysis.
//!
//! The pipeline, in five lines:
//! 1. read the GWAS `.ma`, the eQTL `.esi`/`.epi` and the PLINK reference ([`io`]);
//! 2. match SNPs by ID and align alleles to the eQTL effect allele, check frequencies ([`harmonise`]);
//! 3. for each probe, in parallel, take its cis SNPs and the top cis-eQTL ([`pipeline`]);
//! 4. run the SMR test and HEIDI with LD from the reference ([`stats`], [`ld`]);
//! 5. write the reference's `.smr` table in probe order ([`output`]).
#![warn(missing_docs)]

pub mod cli;
pub mod config;
pub mod error;
pub mod export;
pub mod genes;
pub mod harmonise;
pub mod io;
pub mod ld;
pub mod log;
pub mod output;
pub mod pipeline;
pub mod plot;
pub mod report;
pub mod report_html;
pub mod stats;
pub mod types;
