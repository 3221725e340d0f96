//! Flags of the reference's `--plot` data file (algorithm-2 §16.1; data-spec/plot-file.md).
//! The plot region and genes come from the shared `--probe`/`--probe-wind`
//! (src/cli/ranges.rs) and `--gene-list` (src/cli/multi.rs) flags, as in the reference.

use clap::Args;

/// `--plot` and its settings.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Plot data file (--plot)")]
pub struct PlotArgs {
    /// Write SMR's locus/effect plot data file <dir of OUT>/plot/<OUT name>.<PROBE>.txt for
    /// the probes within --probe-wind of --probe (needs --probe, --probe-wind, --gene-list).
    #[arg(long)]
    pub plot: bool,
    /// With --plot, only probes with p_HEIDI >= this value get their eQTL data written
    /// (0 = every probe).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub phet: f64,
}
