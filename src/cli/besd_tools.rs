//! Flags of the BESD tools: making, converting, merging, updating and meta-analysing BESD
//! files (data-spec/besd-tools.md). The reference's flat flag names and defaults.

use clap::Args;
use std::path::PathBuf;

/// Making and managing BESD files.
#[derive(Debug, Args)]
#[command(next_help_heading = "Making and managing BESD files")]
pub struct BesdToolsArgs {
    /// Write a sparse BESD <OUT>.besd/.esi/.epi (+ <OUT>.summary) from --beqtl-summary,
    /// --eqtl-flist, --qfile, --besd-flist or --eqtl-summary, keeping per probe the cis,
    /// trans-region and "other" entries (data-spec/besd-tools.md §select); honours the SNP and
    /// probe filters.
    #[arg(long)]
    pub make_besd: bool,
    /// Like --make-besd but keep every entry: a dense BESD when at least 40% of the cells are
    /// filled, else a "full" sparse one.
    #[arg(long)]
    pub make_besd_dense: bool,
    /// Text input: a list of per-probe .esd files (header `Chr ProbeID GeneticDistance
    /// ProbeBp Gene Orientation PathOfEsd`), or of per-probe files in another tool's layout
    /// (--plink-qassoc-format, --gemma-format, --bolt-assoc-format).
    #[arg(long, value_name = "FILE")]
    pub eqtl_flist: Option<PathBuf>,
    /// Text input in the --query output layout (14 columns, header `SNP Chr BP ...`).
    #[arg(long, value_name = "FILE")]
    pub qfile: Option<PathBuf>,
    /// A list of BESD prefixes, one per line: merged with --make-besd/--make-besd-dense,
    /// meta-analysed with --meta/--mecs.
    #[arg(long, value_name = "FILE")]
    pub besd_flist: Option<PathBuf>,
    /// One text file of another QTL tool (with --fastqtl-nominal-format, ...); gzipped when
    /// the name ends in gz.
    #[arg(long, value_name = "FILE")]
    pub eqtl_summary: Option<PathBuf>,
    /// With --besd-flist/--eqtl-flist: every file has the same SNPs; only the first is scanned.
    #[arg(long)]
    pub geno_uni: bool,
    /// p-value threshold of the "other" entries kept outside cis and trans regions.
    #[arg(long, default_value_t = 1e-5, value_name = "P")]
    pub peqtl_other: f64,
    /// Keep only the cis entries when making a BESD from a BESD.
    #[arg(long)]
    pub extract_cis: bool,
    /// Keep only entries with p <= this value when making a BESD from a BESD.
    #[arg(long, value_name = "P")]
    pub extract_snp_p: Option<f64>,
    /// Drop entries with p < this value when making a BESD from a BESD.
    #[arg(long, value_name = "P")]
    pub exclude_snp_p: Option<f64>,
    /// Sample size written into the header of the BESD made.
    #[arg(long, value_name = "N")]
    pub add_n: Option<i64>,
    /// Print the sample size stored in the --beqtl-summary header.
    #[arg(long)]
    pub show_n: bool,
    /// Replace chr, bp, alleles (and freq) of the --beqtl-summary .esi from this .esi-layout
    /// file, keeping a backup <PREFIX>.bak.esi.
    #[arg(long, value_name = "FILE")]
    pub update_esi: Option<PathBuf>,
    /// Replace chr, bp, gene and orientation of the --beqtl-summary .epi from this
    /// .epi-layout file, keeping a backup <PREFIX>.bak.epi.
    #[arg(long, value_name = "FILE")]
    pub update_epi: Option<PathBuf>,
    /// Replace the .esi allele frequencies from this file (`SNP A1 A2 freq`, no header).
    #[arg(long, value_name = "FILE")]
    pub update_freq: Option<PathBuf>,
    /// Quality control of BESD → BESD by the implied sample size: 0 = trim the tails,
    /// 1 = drop outliers beyond --z-thresh standard deviations.
    #[arg(long, value_name = "0|1")]
    pub beqtl_qc: Option<u8>,
    /// Outlier threshold of --beqtl-qc 1, in standard deviations.
    #[arg(long, default_value_t = 3, value_name = "K")]
    pub z_thresh: u32,
    /// --eqtl-summary is FastQTL nominal output (probe SNP distance p beta).
    #[arg(long)]
    pub fastqtl_nominal_format: bool,
    /// --eqtl-summary is FastQTL permutation output (11 columns).
    #[arg(long)]
    pub fastqtl_permu_format: bool,
    /// --eqtl-summary is QTLtools nominal output (14 columns).
    #[arg(long)]
    pub qtltools_nominal_format: bool,
    /// --eqtl-summary is QTLtools permutation output (19 columns).
    #[arg(long)]
    pub qtltools_permu_format: bool,
    /// --eqtl-summary is Matrix eQTL output (SNP gene beta t-stat p-value [FDR]).
    #[arg(long)]
    pub matrix_eqtl_format: bool,
    /// --eqtl-flist files are PLINK .qassoc (alleles from the flist's 8th column .bim).
    #[arg(long)]
    pub plink_qassoc_format: bool,
    /// --eqtl-flist files are GEMMA .assoc.txt.
    #[arg(long)]
    pub gemma_format: bool,
    /// --eqtl-flist files are BOLT-LMM statistics.
    #[arg(long)]
    pub bolt_assoc_format: bool,
    /// Inverse-variance fixed-effect meta-analysis of the --besd-flist files (cis entries).
    #[arg(long)]
    pub meta: bool,
    /// MeCS meta-analysis of the --besd-flist files, allowing for sample overlap.
    #[arg(long)]
    pub mecs: bool,
    /// MeCS: p-value above which entries estimate the cohort correlation.
    #[arg(long, default_value_t = 0.01, value_name = "P")]
    pub pmecs: f64,
    /// MeCS: minimum number of null entries for a cohort-pair correlation.
    #[arg(long, default_value_t = 100, value_name = "N")]
    pub nmecs: usize,
}
