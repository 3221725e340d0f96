//! `--sample-overlap` (reference algorithm-2 §22): SMR and HEIDI corrected for overlapping
//! eQTL and GWAS samples. Its threshold `--pmecs` is shared with the MeCS meta-analysis
//! ([`crate::cli::besd_tools::BesdToolsArgs::pmecs`]).

use clap::Args;

/// Sample overlap between the eQTL and GWAS data.
#[derive(Debug, Args)]
#[command(next_help_heading = "Sample overlap")]
pub struct OverlapArgs {
    /// The eQTL and GWAS samples overlap: per probe, estimate the correlation θ of their
    /// sampling errors from the cis SNPs null on both sides (|z| below sqrt(qchisq(--pmecs)))
    /// and use it in the SMR standard error and the HEIDI covariance. Applies to cis SMR, SMR
    /// between two xQTL datasets and --plot (as in SMR 1.3.1).
    #[arg(long)]
    pub sample_overlap: bool,
    /// --sample-overlap: a probe needs at least this many null SNPs to estimate θ (no row
    /// otherwise).
    #[arg(long, default_value_t = 2, value_name = "M")]
    pub mmecs: usize,
}
