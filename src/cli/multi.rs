//! Multi-SNP SMR flags (`--smr-multi` and its settings; data-spec/cli.md, the reference's
//! algorithm §12).

use clap::Args;
use std::path::PathBuf;

/// Multi-SNP SMR.
#[derive(Debug, Args)]
#[command(next_help_heading = "Multi-SNP SMR")]
pub struct MultiArgs {
    /// Multi-SNP SMR: test every probe with all its cis-eQTLs passing --peqtl-smr (after LD
    /// pruning) as instruments; writes <OUT>.msmr, <OUT>.snps4msmr.list and
    /// <OUT>.prbregion4msmr.list. Needs --bfile, also with --heidi-off.
    #[arg(long)]
    pub smr_multi: bool,
    /// Multi-SNP window: only SNPs within this many kb of the top cis-eQTL (default: the
    /// whole cis window; a larger value also widens the cis window).
    #[arg(long, value_name = "KB", allow_negative_numbers = true)]
    pub set_wind: Option<f64>,
    /// LD r² above which multi-SNP instruments are pruned (keeping the strongest).
    #[arg(long, default_value_t = 0.1, value_name = "R2")]
    pub ld_multi_snp: f64,
    /// SNP sets to test instead of the cis regions: `NAME snp1 snp2 ... END` (NAME = a probe
    /// ID; the SNPs' span is the region).
    #[arg(long, value_name = "FILE", conflicts_with = "gene_list")]
    pub set_list: Option<PathBuf>,
    /// Regions to test instead of the cis regions: `chr start end name [strand]` per line
    /// (name = a probe ID).
    #[arg(long, value_name = "FILE")]
    pub gene_list: Option<PathBuf>,
}
