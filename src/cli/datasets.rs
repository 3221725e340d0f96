//! Flags of several eQTL datasets in one run (data-spec/datasets.md).

use clap::Args;
use std::path::PathBuf;

/// Several eQTL datasets in one run.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Several eQTL datasets")]
pub struct DatasetArgs {
    /// A list of eQTL datasets, one `name prefix` per line (`#` comment lines), each prefix
    /// anything --beqtl-summary accepts. Each dataset is read once and tested against every
    /// trait, writing `<OUT>.<name>.<trait>.smr`; the LD reference is read once. Also:
    /// --beqtl-summary repeated together with a GWAS input (names from the prefixes' file
    /// names); without a GWAS, two --beqtl-summary are SMR between two xQTL datasets.
    #[arg(long, value_name = "FILE")]
    pub beqtl_flist: Option<PathBuf>,
    /// Internal: the second and later `--beqtl-summary` of a several-dataset run, split off
    /// the command line by `commands::datasets::split_args`.
    #[arg(long = "beqtl-summary-next", hide = true, value_name = "PREFIX")]
    pub more: Vec<PathBuf>,
}
