//! Flags of the release conversion (`--eqtl-release`; data-spec/releases-eqtlgen.md,
//! releases-metabrain.md, releases-eqtl-catalogue.md).

use clap::Args;
use std::path::PathBuf;

/// Default number of (probe, SNP) entries sorted in memory at once (24 + 12 bytes each).
pub const DEFAULT_BUCKET_ENTRIES: usize = 16 << 20;

/// Converting the text eQTL releases users download into BESD.
#[derive(Debug, Args)]
#[command(next_help_heading = "eQTL releases (text to BESD)")]
pub struct ReleaseArgs {
    /// With --make-besd: convert a text eQTL release into a sparse BESD <OUT>.besd/.esi/.epi.
    /// LAYOUT is eqtlgen (full cis-eQTL text, z-scores; needs --eqtlgen-freq), metabrain
    /// (per-chromosome files), eqtl-catalogue (needs --release-probes) or auto (each file's
    /// layout from its header). Then the files, plain or gzipped; several files (one per
    /// chromosome, say) are one set. Written in bounded memory; all three files or none.
    #[arg(long, num_args = 2.., value_name = "LAYOUT FILE")]
    pub eqtl_release: Vec<String>,
    /// eQTL Catalogue phenotype metadata (phenotype_id gene_id chromosome gene_start gene_end
    /// strand gene_name [phenotype_pos]): the probes' positions and gene names, which the
    /// Catalogue's summary files do not hold.
    #[arg(long, value_name = "FILE")]
    pub release_probes: Option<PathBuf>,
    /// (tuning, tests) (probe, SNP) entries sorted in memory at once; more are sorted in
    /// buckets spooled to the output directory.
    #[arg(long, hide = true, default_value_t = DEFAULT_BUCKET_ENTRIES, value_name = "N")]
    pub release_bucket_entries: usize,
}
