//! Scale-out flags (data-spec/shards.md): shards, resume, dry run.

use clap::Args;

/// Shards, resumable runs and the dry run of HPC batch jobs.
#[derive(Debug, Args, Default)]
#[command(next_help_heading = "Scale-out (shards, resume)")]
pub struct ScaleArgs {
    /// Run only shard K of N: the work units (eQTL dataset × trait, in command-line/list
    /// order) are dealt round-robin, unit i to shard (i mod N) + 1. Combine with --chr to
    /// split by genome as well; `fastsmr merge` joins the shards' outputs.
    #[arg(long, value_name = "K/N")]
    pub shard: Option<String>,
    /// Skip the units that an earlier run with the same settings, inputs and --out finished
    /// (per <OUT>.manifest.json, outputs still intact); run only the rest.
    #[arg(long)]
    pub resume: bool,
    /// Print the work list of every shard and a memory estimate per shard, then stop
    /// (nothing is read but file sizes; nothing is written).
    #[arg(long)]
    pub dry_run: bool,
}
