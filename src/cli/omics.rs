//! Flags of SMR between two xQTL datasets (data-spec/omics.md): the outcome window, and the
//! probe lists of each side. The two BESD prefixes themselves are `--beqtl-summary` given
//! twice (or with `--eqtl-summary`), split off before parsing (`crate::commands::omics`).

use clap::Args;
use std::path::PathBuf;

/// SMR between two xQTL datasets.
#[derive(Debug, Args)]
#[command(next_help_heading = "SMR between two xQTL datasets (two BESD prefixes)")]
pub struct OmicsArgs {
    /// Exposure probes within this many kb of the outcome probe are tested.
    #[arg(long, default_value_t = 2000, value_name = "KB")]
    pub outcome_wind: u64,
    /// Test every exposure probe against every outcome probe (no --outcome-wind).
    #[arg(long)]
    pub cis_to_all: bool,
    /// Keep only the exposure probes listed in this file.
    #[arg(long, value_name = "FILE")]
    pub extract_exposure_probe: Option<PathBuf>,
    /// Keep only this exposure probe.
    #[arg(long, value_name = "ID")]
    pub extract_single_exposure_probe: Option<String>,
    /// Drop the exposure probes listed in this file.
    #[arg(long, value_name = "FILE")]
    pub exclude_exposure_probe: Option<PathBuf>,
    /// Drop this exposure probe.
    #[arg(long, value_name = "ID")]
    pub exclude_single_exposure_probe: Option<String>,
    /// Keep only the outcome probes listed in this file.
    #[arg(long, value_name = "FILE")]
    pub extract_outcome_probe: Option<PathBuf>,
    /// Keep only this outcome probe.
    #[arg(long, value_name = "ID")]
    pub extract_single_outcome_probe: Option<String>,
    /// Drop the outcome probes listed in this file.
    #[arg(long, value_name = "FILE")]
    pub exclude_outcome_probe: Option<PathBuf>,
    /// Drop this outcome probe.
    #[arg(long, value_name = "ID")]
    pub exclude_single_outcome_probe: Option<String>,
}
