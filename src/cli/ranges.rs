//! The reference's range filters and per-probe SNP lists (data-spec/ranges.md): which probes
//! and which SNPs of the eQTL data an analysis sees. Parsing only;
//! [`crate::filters::Filters::from_cli`] validates and resolves them.
//!
//! The chromosome filters `--chr`, `--probe-chr`, `--snp-chr` and the ID lists
//! `--extract-*`/`--exclude-*` live in [`crate::cli::FilterArgs`]; they take part in the same
//! resolution.

use clap::Args;
use std::path::PathBuf;

/// Probe and SNP ranges (SMR 1.3.1's `--probe`, `--snp`, `--from-*`, ... flags).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Probe and SNP ranges")]
pub struct RangeArgs {
    /// Keep only this probe (with --probe-wind: the probes within that many kb of it).
    #[arg(long, value_name = "PROBE")]
    pub probe: Option<String>,
    /// With --probe: keep the probes on its chromosome within this many kb of it (inclusive).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub probe_wind: Option<i64>,
    /// Keep only the probes of this gene (the .epi gene column, exact).
    #[arg(long, value_name = "GENE")]
    pub gene: Option<String>,
    /// Keep only the probes of the genes listed in this file (first column).
    #[arg(long, value_name = "FILE")]
    pub genes: Option<PathBuf>,
    /// First probe of a range of probes on one chromosome (with --to-probe).
    #[arg(long, value_name = "PROBE")]
    pub from_probe: Option<String>,
    /// Last probe of a range of probes on one chromosome (with --from-probe).
    #[arg(long, value_name = "PROBE")]
    pub to_probe: Option<String>,
    /// Start of a probe region in kb (with --to-probe-kb and --probe-chr or --chr).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub from_probe_kb: Option<i64>,
    /// End of a probe region in kb (with --from-probe-kb and --probe-chr or --chr).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub to_probe_kb: Option<i64>,
    /// Keep only this SNP (with --snp-wind: the SNPs within that many kb of it).
    #[arg(long, value_name = "SNP")]
    pub snp: Option<String>,
    /// With --snp: keep the SNPs on its chromosome within this many kb of it (inclusive).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub snp_wind: Option<i64>,
    /// First SNP of a range of SNPs on one chromosome (with --to-snp).
    #[arg(long, value_name = "SNP")]
    pub from_snp: Option<String>,
    /// Last SNP of a range of SNPs on one chromosome (with --from-snp).
    #[arg(long, value_name = "SNP")]
    pub to_snp: Option<String>,
    /// Start of a SNP region in kb (with --to-snp-kb and --snp-chr or --chr).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub from_snp_kb: Option<i64>,
    /// End of a SNP region in kb (with --from-snp-kb and --snp-chr or --chr).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub to_snp_kb: Option<i64>,
    /// Remove this one SNP (after every other SNP filter).
    #[arg(long, value_name = "SNP")]
    pub snp_rm: Option<String>,
    /// SNP-probe pairs (`SNP probe` per line): test each listed probe with its SNP forced as
    /// the instrument (the `.smr` columns become targetSNP...).
    #[arg(long, value_name = "FILE")]
    pub extract_target_snp_probe: Option<PathBuf>,
    /// SNP-probe pairs (`SNP probe` per line): test each listed probe on the SNPs around its
    /// SNP.
    #[arg(long, value_name = "FILE")]
    pub extract_snp_probe: Option<PathBuf>,
}
