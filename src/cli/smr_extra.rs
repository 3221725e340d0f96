//! Opt-in additions to the `.smr` analysis the reference lacks (data-spec/smr-output.md
//! §extensions): the extended table and the scale-free HEIDI. Off by default, so the default
//! outputs stay byte-identical to the reference's.

use clap::Args;

/// `--smr-extra-columns`, `--heidi-scale-free`.
#[derive(Debug, Clone, Copy, Default, Args, PartialEq, Eq)]
#[command(next_help_heading = "Output extensions")]
pub struct SmrExtraArgs {
    /// Also write <OUT>.smr.extra: the .smr columns plus log10_p_SMR, log10_p_HEIDI,
    /// log10_p_eQTL, log10_p_GWAS (computed from the χ² statistic, never underflowing) and
    /// heidi_status (why p_HEIDI is NA). The .smr itself is unchanged.
    #[arg(long)]
    pub smr_extra_columns: bool,
    /// Scale-free HEIDI: the constant the reference adds to the variances of the deviation
    /// test (1e-8, in units of b_xy²) becomes 1e-8 × the top SNP's variance, so p_HEIDI does
    /// not change when the GWAS or eQTL effects are rescaled. Changes p_HEIDI.
    #[arg(long)]
    pub heidi_scale_free: bool,
}
