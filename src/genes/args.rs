//! Command line of `fastsmr genes` (its own parser; dispatched before the flat SMR flags).

use super::mhc::Build;
use super::select::Correction;
use clap::Parser;
use std::path::PathBuf;

/// How rows are grouped before correction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Collapse {
    /// One row per probe (default).
    None,
    /// The best probe (smallest p_SMR) per gene; genes are the denominator.
    Gene,
}

/// fastsmr genes: from SMR tables to prioritised genes, with figures and an HTML report.
#[derive(Debug, Parser)]
#[command(
    name = "fastsmr genes",
    about = "Prioritise genes from SMR tables: multiple testing over the probes tested, HEIDI cut-off, gene symbols, MHC flag, figures and an HTML report",
    after_help = "Outputs: PREFIX.genes.tsv, PREFIX.gene_matrix.tsv, PREFIX.gene_matrix_p.tsv, \
PREFIX.summary.json, PREFIX.log and, unless --no-plots, PREFIX.manhattan.{png,svg}, \
PREFIX.qq.{png,svg}, PREFIX.heatmap.{png,svg} (two or more traits) and PREFIX.report.html. \
Layouts: data-spec/genes-output.md."
)]
pub struct GenesArgs {
    /// SMR tables (.smr, .msmr, plain or gzipped), one per trait × eQTL dataset. `NAME=FILE`
    /// names the table; by default the name is the file name without `.smr`/`.msmr`/`.gz`
    /// (the parent directory's name when two files share it). Files given the same NAME are
    /// read as one table (shards, e.g. per chromosome).
    #[arg(long, required = true, num_args = 1.., value_name = "[NAME=]FILE")]
    pub smr: Vec<String>,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// Multiple-testing rule for p_SMR: bonferroni (α / probes tested), fdr (Benjamini–Hochberg)
    /// or a fixed p-value threshold. Default bonferroni.
    #[arg(long, value_name = "bonferroni|fdr|P")]
    pub p_smr: Option<Correction>,
    /// Level of the correction (default 0.05).
    #[arg(long, value_name = "A")]
    pub alpha: Option<f64>,
    /// HEIDI cut-off: a significant probe with p_HEIDI below it is heidi_rejected; NA is
    /// heidi_untested. Default 0.01.
    #[arg(long, value_name = "P")]
    pub p_heidi: Option<f64>,
    /// Pass HEIDI only when p_HEIDI > the cut-off (default: ≥).
    #[arg(long)]
    pub heidi_strict: bool,
    /// Collapse to the best probe per gene before correcting.
    #[arg(long, value_enum, value_name = "gene|none")]
    pub collapse: Option<Collapse>,
    /// Genome build of the tables: adds the in_MHC flag (hg19 chr6:25,000,000-35,000,000;
    /// hg38 chr6:28,510,120-33,480,577).
    #[arg(long, value_enum)]
    pub build: Option<Build>,
    /// Remove MHC probes before correcting (needs --build).
    #[arg(long)]
    pub exclude_mhc: bool,
    /// Preset of a published protocol: smr-portal, mullins2021, coga, mdd-fdr (sources in
    /// data-spec/genes-output.md §4); explicit flags override it.
    #[arg(long, value_name = "NAME")]
    pub protocol: Option<String>,
    /// Gene annotation for symbols (and the MHC when a table lacks positions): SMR's gene list
    /// (`chr start end name [strand]`) or a GTF (gene_id → gene_name).
    #[arg(long, value_name = "FILE")]
    pub gene_annot: Option<PathBuf>,
    /// Write no figures and no HTML report.
    #[arg(long)]
    pub no_plots: bool,
    /// Number of top genes labelled in the Manhattan plot (per trait).
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub top_labels: usize,
}
