//! How the traits of a batch share work (data-spec/cli.md, benches/RESULTS.md "Cheaper
//! trait"). Results never depend on it.

use clap::Args;

/// `--trait-group`.
#[derive(Debug, Clone, Copy, Default, Args, PartialEq, Eq)]
#[command(next_help_heading = "Batches")]
pub struct BatchArgs {
    /// Traits of a batch tested in one probe loop (cis SMR): each probe's eQTL values are read
    /// and its LD computed once for the group. Faster, but memory grows by ~0.5 GB per further
    /// trait at eQTLGen scale (the --dry-run estimate counts it); 1 tests the traits one by
    /// one. Results are identical for every value. [default: 1]
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub trait_group: Option<u32>,
}
