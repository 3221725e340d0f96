//! Trans-SMR flags (`--trans` and its settings; the reference's algorithm §11). The two
//! region settings are shared by every analysis that finds trans regions (trans-SMR,
//! `--descriptive-trans`, the cis/trans/other selection of `--make-besd`), so each flag has
//! one meaning and one default.

use clap::Args;

/// Trans-SMR.
#[derive(Debug, Args)]
#[command(next_help_heading = "Trans-SMR")]
pub struct TransArgs {
    /// Trans-SMR: test each probe's trans-eQTL regions (SNPs outside a 5000 kb cis window,
    /// unless --cis-wind is given) instead of its cis region; one row per region.
    #[arg(long)]
    pub trans: bool,
    /// Half-width of a trans region around its anchor SNPs, in kb.
    #[arg(
        long,
        default_value_t = 1000,
        value_name = "KB",
        allow_negative_numbers = true
    )]
    pub trans_wind: i64,
    /// p-value a SNP must reach to start or extend a trans region.
    #[arg(long, default_value_t = 5e-8, value_name = "P")]
    pub peqtl_trans: f64,
}
