//! Command-line interface: the reference program's flag names and defaults (data-spec/cli.md).
//!
//! Parsing only; [`crate::config::Config::from_cli`] validates and resolves.

use clap::{Args, Parser};
use std::path::PathBuf;

pub mod batch;
pub mod besd_tools;
pub mod compat;
pub mod datasets;
pub mod lookup;
pub mod multi;
pub mod omics;
pub mod overlap;
pub mod plot;
pub mod ranges;
pub mod releases;
pub mod scale;
pub mod smr_extra;
pub mod trans;

/// fastsmr: SMR and HEIDI tests, reproducing SMR 1.3.1's cis analysis.
#[derive(Debug, Parser)]
#[command(
    name = "fastsmr",
    version,
    about,
    long_about = None,
    args_override_self = true,
    after_help = "Also: `fastsmr genes` (gene lists, figures, HTML report from SMR tables), `fastsmr plot` (locus/effect plots from a --plot file), `fastsmr export twosamplemr|coloc`, `fastsmr merge` (shards); each has its own --help."
)]
pub struct Cli {
    /// Input files.
    #[command(flatten)]
    pub inputs: InputArgs,
    /// SNP, probe and individual filters.
    #[command(flatten)]
    pub filters: FilterArgs,
    /// SMR and HEIDI settings.
    #[command(flatten)]
    pub heidi: HeidiArgs,
    /// Harmonisation extensions (off by default).
    #[command(flatten)]
    pub harmonise: HarmoniseArgs,
    /// Output and execution.
    #[command(flatten)]
    pub output: OutputArgs,
    /// Trans-SMR and trans regions (shared by trans-SMR, the look-ups and BESD selection).
    #[command(flatten)]
    pub trans: trans::TransArgs,
    /// Probe and SNP ranges, SNP-probe pair lists.
    #[command(flatten)]
    pub ranges: ranges::RangeArgs,
    /// Look-ups and summaries of the eQTL data.
    #[command(flatten)]
    pub lookup: lookup::LookupArgs,
    /// Making and managing BESD files (src/besd_tools).
    #[command(flatten)]
    pub besd_tools: besd_tools::BesdToolsArgs,
    /// Multi-SNP SMR.
    #[command(flatten)]
    pub multi: multi::MultiArgs,
    /// Shards, resume and dry run (data-spec/shards.md).
    #[command(flatten)]
    pub scale: scale::ScaleArgs,
    /// `--plot` data file.
    #[command(flatten)]
    pub plot: plot::PlotArgs,
    /// Opt-in `.smr` extensions.
    #[command(flatten)]
    pub smr_extra: smr_extra::SmrExtraArgs,
    /// SMR between two xQTL datasets.
    #[command(flatten)]
    pub omics: omics::OmicsArgs,
    /// Text eQTL releases converted to BESD.
    #[command(flatten)]
    pub releases: releases::ReleaseArgs,
    /// `--sample-overlap`.
    #[command(flatten)]
    pub overlap: overlap::OverlapArgs,
    /// Several eQTL datasets in one run.
    #[command(flatten)]
    pub datasets: datasets::DatasetArgs,
    /// How the traits of a batch share work.
    #[command(flatten)]
    pub batch: batch::BatchArgs,
}

/// Input files.
#[derive(Debug, Args)]
#[command(next_help_heading = "Inputs")]
pub struct InputArgs {
    /// PLINK 1 binary LD reference prefix (.bed/.bim/.fam); needed unless --heidi-off.
    #[arg(long, value_name = "PREFIX")]
    pub bfile: Option<PathBuf>,
    /// GWAS summary statistics, plain or gzipped: GCTA-COJO .ma, GWAS-SSF, PLINK 2 .glm,
    /// REGENIE, BOLT-LMM or SAIGE, recognised from the header (the log names the layout).
    /// May be given several times: the eQTL data and LD reference are then read once and each
    /// trait writes `<OUT>.<name>.smr`, `<name>` being the file name without `.gz`/`.ma`/`.txt`.
    /// Required unless --gwas-flist, --unpack-besd or a BESD tool (--make-besd, ...).
    #[arg(long, value_name = "FILE")]
    pub gwas_summary: Vec<PathBuf>,
    /// A list of traits, one `name path` per line, run like repeated --gwas-summary (each trait
    /// writes `<OUT>.<name>.smr`).
    #[arg(long, value_name = "FILE")]
    pub gwas_flist: Option<PathBuf>,
    /// Name the GWAS columns by hand (overrides the detected layout), e.g.
    /// snp=ID,a1=ALLELE1,a2=ALLELE0,freq=A1FREQ,b=BETA,se=SE,p=P,n=N. Roles: snp a1 (effect
    /// allele) a2 freq b or (odds ratio, logged) se p log10p (-log10 p) n chr bp test.
    #[arg(long, value_name = "ROLE=COLUMN,...")]
    pub gwas_columns: Option<String>,
    /// eQTL summary data: a BESD prefix (.besd/.esi/.epi, each plain or .gz), a directory
    /// holding one .besd/.esi/.epi (each optionally .gz), or a tar archive (plain or gzipped)
    /// such as eQTLGen's cis-eQTL-SMR_20191212.tar.gz, streamed without unpacking to disk.
    /// Required by every analysis.
    /// Required except with --eqtl-release.
    #[arg(long, value_name = "PREFIX|DIR|TARBALL")]
    pub beqtl_summary: Option<PathBuf>,
    /// eQTLGen allele-frequency file (SNP hg19_chr hg19_pos AlleleA AlleleB ... AlleleB_all).
    /// Alleles are matched to each eQTL's A1/A2 and the frequency oriented to A1; see
    /// --eqtlgen-freq-mode for where it is used. Mismatches are counted in <OUT>.harmonise.summary.tsv
    /// (listed in <OUT>.harmonise.tsv.gz with --harmonise-report full).
    #[arg(long, value_name = "FILE")]
    pub eqtlgen_freq: Option<PathBuf>,
    /// Where the --eqtlgen-freq frequency is used: fill = only SNPs whose .esi frequency is
    /// missing (default; results equal the reference wherever the .esi has one); replace =
    /// every SNP whose alleles match (changes the frequency check and the --heidi-off Freq).
    #[arg(long, value_name = "fill|replace", default_value = "fill",
          value_parser = ["fill", "replace"])]
    pub eqtlgen_freq_mode: String,
}

/// Harmonisation extensions the reference lacks; off by default so results match it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Harmonisation extensions")]
pub struct HarmoniseArgs {
    /// Accept GWAS alleles that are the complement of the eQTL's (other strand). A/T and C/G
    /// SNPs are kept only when the GWAS and eQTL frequencies settle the strand (both known and
    /// outside 0.4-0.6); otherwise dropped as strand-ambiguous.
    #[arg(long)]
    pub strand_flip: bool,
    /// How GWAS rows are joined to eQTL SNPs: id (the reference's way) or chrpos (chromosome,
    /// position and alleles, for GWAS files whose IDs differ; needs chr/bp columns).
    #[arg(long, value_name = "id|chrpos", default_value = "id",
          value_parser = ["id", "chrpos"])]
    pub match_by: String,
    /// The harmonisation report: summary = counts per (source, action, reason) in
    /// <OUT>.harmonise.summary.tsv and the log (default); full = also every SNP dropped,
    /// flipped or renamed, with its reason, in <OUT>.harmonise.tsv.gz (gzip).
    #[arg(long, value_name = "summary|full", default_value = "summary",
          value_parser = ["summary", "full"])]
    pub harmonise_report: String,
}

/// SNP, probe and individual filters.
#[derive(Debug, Args)]
#[command(next_help_heading = "Filters")]
pub struct FilterArgs {
    /// Drop LD-reference SNPs with minor allele frequency <= this value (0 = off).
    #[arg(long, default_value_t = 0.0, value_name = "MAF")]
    pub maf: f64,
    /// Keep only SNPs listed in this file (first column), in eQTL data and LD reference.
    #[arg(long, value_name = "FILE")]
    pub extract_snp: Option<PathBuf>,
    /// Remove SNPs listed in this file (first column).
    #[arg(long, value_name = "FILE")]
    pub exclude_snp: Option<PathBuf>,
    /// Keep only probes listed in this file (first column).
    #[arg(long, value_name = "FILE")]
    pub extract_probe: Option<PathBuf>,
    /// Remove probes listed in this file (first column).
    #[arg(long, value_name = "FILE")]
    pub exclude_probe: Option<PathBuf>,
    /// Restrict SNPs and probes to this chromosome (1-22, X, Y).
    #[arg(long, value_name = "CHR")]
    pub chr: Option<String>,
    /// Restrict probes to this chromosome (overrides --chr for probes).
    #[arg(long, value_name = "CHR")]
    pub probe_chr: Option<String>,
    /// Restrict SNPs to this chromosome (overrides --chr for SNPs).
    #[arg(long, value_name = "CHR")]
    pub snp_chr: Option<String>,
    /// Keep only these LD-reference individuals (file of FID IID).
    #[arg(long, value_name = "FILE")]
    pub keep: Option<PathBuf>,
    /// Remove these LD-reference individuals (file of FID IID).
    #[arg(long, value_name = "FILE")]
    pub remove: Option<PathBuf>,
    /// Allowed allele-frequency difference between GWAS, eQTL and LD reference.
    #[arg(long, default_value_t = 0.2, value_name = "D")]
    pub diff_freq: f64,
    /// Stop when more than this fraction of SNPs fail the frequency check.
    #[arg(long, default_value_t = 0.05, value_name = "Q")]
    pub diff_freq_prop: f64,
    /// Skip the allele-frequency consistency check.
    #[arg(long)]
    pub disable_freq_ck: bool,
}

/// SMR and HEIDI settings.
#[derive(Debug, Args)]
#[command(next_help_heading = "SMR and HEIDI")]
pub struct HeidiArgs {
    /// p-value threshold for the top cis-eQTL used as instrument.
    #[arg(long, default_value_t = 5e-8, value_name = "P")]
    pub peqtl_smr: f64,
    /// eQTL p-value threshold for SNPs entering HEIDI.
    #[arg(long, default_value_t = 1.5654e-3, value_name = "P")]
    pub peqtl_heidi: f64,
    /// Minimum number of SNPs for a HEIDI test.
    #[arg(long, default_value_t = 3, value_name = "M")]
    pub heidi_min_m: usize,
    /// Maximum number of SNPs in a HEIDI test.
    #[arg(long, default_value_t = 20, value_name = "M")]
    pub heidi_max_m: usize,
    /// LD r² upper limit for HEIDI SNPs (pruning).
    #[arg(long, default_value_t = 0.9, value_name = "R2")]
    pub ld_upper_limit: f64,
    /// LD r² lower limit for HEIDI SNPs (with the top SNP).
    #[arg(long, default_value_t = 0.05, value_name = "R2")]
    pub ld_lower_limit: f64,
    /// HEIDI method: 1 = new (default), 0 = original.
    #[arg(long, default_value_t = 1, value_name = "0|1")]
    pub heidi_mtd: u8,
    /// Skip HEIDI; the LD reference is then not read.
    #[arg(long)]
    pub heidi_off: bool,
    /// Half-width of the cis window around a probe, in kb.
    #[arg(
        long,
        visible_alias = "smr-wind",
        default_value_t = 2000,
        value_name = "KB"
    )]
    pub cis_wind: i64,
    /// Run HEIDI only for probes with p_SMR at most this value.
    #[arg(long, default_value_t = 1.0, value_name = "P")]
    pub psmr: f64,
    /// Use this SNP as instrument for every probe whose data contain it.
    #[arg(long, value_name = "SNP")]
    pub target_snp: Option<String>,
    /// Accepted for compatibility: SMR is the default analysis.
    #[arg(long, hide = true)]
    pub smr: bool,
}

/// Output and execution.
#[derive(Debug, Args)]
#[command(next_help_heading = "Output")]
pub struct OutputArgs {
    /// Output prefix: writes <OUT>.smr, <OUT>.log, <OUT>.harmonise.summary.tsv,
    /// <OUT>.snp_failed_freq_ck.list (and <OUT>.harmonise.tsv.gz with --harmonise-report full).
    #[arg(long, default_value = "smr", value_name = "PREFIX")]
    pub out: PathBuf,
    /// Unpack --beqtl-summary (tarball, gzipped members, directory) into a plain BESD
    /// <OUT>.besd/.esi/.epi that later runs memory-map. A format conversion only: layout,
    /// stored order and every value are kept (unlike --make-besd, which re-selects
    /// cis/trans/other entries). --gwas-summary and --bfile are not needed.
    #[arg(long)]
    pub unpack_besd: bool,
    /// Number of threads for the per-probe work (results do not depend on it).
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub thread_num: usize,
}
