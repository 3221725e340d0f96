//! Flags of the reference's `--plot` data file (algorithm-2 §16.1; data-spec/plot-file.md).
//! `--probe`, `--probe-wind` and `--gene-list` are the reference's names; `--plot` makes them
//! select the plot region and the genes drawn.

use clap::Args;
use std::path::PathBuf;

/// `--plot` and its settings.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Plot data file (--plot)")]
pub struct PlotArgs {
    /// Write SMR's locus/effect plot data file <dir of OUT>/plot/<OUT name>.<PROBE>.txt for
    /// the probes within --probe-wind of --probe (needs --probe, --probe-wind, --gene-list).
    #[arg(long)]
    pub plot: bool,
    /// The probe at the centre of the plot (its .epi ID).
    #[arg(long, value_name = "PROBE")]
    pub probe: Option<String>,
    /// Half-width of the plot region around --probe, in kb (without a value: 1000).
    #[arg(long, value_name = "KB", num_args = 0..=1, default_missing_value = "1000")]
    pub probe_wind: Option<i64>,
    /// Gene annotation for the plot: `chr start end name [strand]` per line.
    #[arg(long, value_name = "FILE")]
    pub gene_list: Option<PathBuf>,
    /// With --plot, only probes with p_HEIDI >= this value get their eQTL data written
    /// (0 = every probe).
    #[arg(long, default_value_t = 0.0, value_name = "P")]
    pub phet: f64,
}
