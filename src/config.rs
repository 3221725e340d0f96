//! Validated, resolved settings built from the command line (data-spec/cli.md). Everything
//! downstream takes `&Config`.

use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::io::freq::FreqMode;
use crate::io::gwas_columns::ColumnOverride;
use crate::types::{Chrom, CHROM_X, CHROM_Y};
use std::path::{Path, PathBuf};

/// HEIDI variant (`--heidi-mtd`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HeidiMethod {
    /// Original HEIDI (`--heidi-mtd 0`).
    Original,
    /// New HEIDI with LD pruning and the SNP cap (`--heidi-mtd 1`, default).
    New,
}

/// The eQTL input, resolved to its three files.
#[derive(Debug, Clone)]
pub struct BesdPaths {
    /// The prefix as given.
    pub prefix: PathBuf,
    /// `.besd` file.
    pub besd: PathBuf,
    /// `.esi` file.
    pub esi: PathBuf,
    /// `.epi` file.
    pub epi: PathBuf,
}

/// PLINK fileset paths.
#[derive(Debug, Clone)]
pub struct BfilePaths {
    /// The prefix as given.
    pub prefix: PathBuf,
    /// `.bed`.
    pub bed: PathBuf,
    /// `.bim`.
    pub bim: PathBuf,
    /// `.fam`.
    pub fam: PathBuf,
}

/// One GWAS input of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TraitInput {
    /// Trait name used in output file names (`<out>.<name>.smr`) in a batch.
    pub name: String,
    /// The GWAS summary file.
    pub path: PathBuf,
}

/// The trait name of a GWAS file given by `--gwas-summary`: its file name without the
/// extensions `.gz`, then `.ma`/`.txt`/`.tsv` (e.g. `height.ma.gz` → `height`).
pub fn trait_name(path: &Path) -> String {
    crate::io::lists::name_without(path, &[".gz", ".ma", ".txt", ".tsv"])
}

/// Parse a `--gwas-flist` file: one `name path` per non-empty line (`#` starts a comment);
/// relative paths are taken relative to the current directory, as on the command line.
pub fn parse_gwas_flist(text: &str, list: &Path) -> Result<Vec<TraitInput>> {
    Ok(
        crate::io::lists::parse_name_path_list(text, list, "'name path'")?
            .into_iter()
            .map(|(name, path)| TraitInput { name, path })
            .collect(),
    )
}

/// Check a batch's trait names: non-empty, usable in a file name, unique.
fn check_trait_names(traits: &[TraitInput]) -> Result<()> {
    let mut seen = std::collections::HashSet::new();
    for t in traits {
        if t.name.is_empty() || t.name.contains('/') {
            return Err(Error::Config(format!(
                "trait name '{}' (for {}) cannot be used in an output file name",
                t.name,
                t.path.display()
            )));
        }
        if !seen.insert(t.name.as_str()) {
            return Err(Error::Config(format!(
                "two traits are named '{}' ({}); output files would collide: rename a file or \
                 use --gwas-flist with distinct names",
                t.name,
                t.path.display()
            )));
        }
    }
    Ok(())
}

/// The most `--thread-num` accepts: far beyond any machine's useful parallelism, small enough
/// that a typo (`--thread-num 100000`) is a usage error at once rather than a minute spent
/// starting threads.
pub const MAX_THREADS: usize = 1024;

/// Every setting of a run, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// LD reference; `None` with `--heidi-off` (ignored then even if given, as the reference).
    pub bfile: Option<BfilePaths>,
    /// GWAS summary file (the first trait's when several are given; empty with `--make-besd`).
    pub gwas: PathBuf,
    /// `--unpack-besd`: convert the eQTL input to a plain BESD and stop.
    pub unpack_besd: bool,
    /// `--gwas-columns`.
    pub gwas_columns: Option<ColumnOverride>,
    /// `--eqtlgen-freq`.
    pub eqtlgen_freq: Option<PathBuf>,
    /// `--eqtlgen-freq-mode`.
    pub eqtlgen_freq_mode: FreqMode,
    /// `--strand-flip`.
    pub strand_flip: bool,
    /// `--match-by chrpos`.
    pub match_by_chrpos: bool,
    /// `--harmonise-report`: the per-reason summary only (default) or also the full
    /// per-SNP list (data-spec/harmonise-report.md).
    pub harmonise_report: crate::harmonise::report::ReportMode,
    /// `--trait-group`: traits of a batch per probe loop (None: the default).
    pub trait_group: Option<usize>,
    /// Every trait to run, in command-line (or list) order. One trait without a list: the
    /// outputs keep their single-trait names (`<out>.smr`).
    pub traits: Vec<TraitInput>,
    /// Several traits (or `--gwas-flist`): each writes `<out>.<name>.*`.
    pub batch: bool,
    /// eQTL BESD files.
    pub besd: BesdPaths,
    /// The eQTL datasets of the run (one unless several are given; the first is `besd`).
    pub datasets: crate::data::datasets::Datasets,
    /// Output prefix.
    pub out: PathBuf,
    /// `--maf` (0 = off).
    pub maf: f64,
    /// `--peqtl-smr`.
    pub peqtl_smr: f64,
    /// `--peqtl-heidi`.
    pub peqtl_heidi: f64,
    /// `--heidi-min-m`.
    pub heidi_min_m: usize,
    /// `--heidi-max-m`.
    pub heidi_max_m: usize,
    /// `--ld-upper-limit` (r²).
    pub ld_upper: f64,
    /// `--ld-lower-limit` (r²).
    pub ld_lower: f64,
    /// `--heidi-mtd`.
    pub heidi_method: HeidiMethod,
    /// HEIDI runs (no `--heidi-off`).
    pub heidi: bool,
    /// Cis window half-width in bp (`--cis-wind` kb × 1000).
    pub cis_window_bp: i64,
    /// `--psmr`.
    pub psmr: f64,
    /// `--diff-freq`.
    pub diff_freq: f64,
    /// `--diff-freq-prop`.
    pub diff_freq_prop: f64,
    /// Frequency check on (no `--disable-freq-ck`).
    pub freq_check: bool,
    /// `--extract-snp`.
    pub extract_snp: Option<PathBuf>,
    /// `--exclude-snp`.
    pub exclude_snp: Option<PathBuf>,
    /// `--extract-probe`.
    pub extract_probe: Option<PathBuf>,
    /// `--exclude-probe`.
    pub exclude_probe: Option<PathBuf>,
    /// Chromosome filter on SNPs (`--snp-chr`, else `--chr`).
    pub snp_chr: Option<Chrom>,
    /// Chromosome filter on probes (`--probe-chr`, else `--chr`).
    pub probe_chr: Option<Chrom>,
    /// `--keep`.
    pub keep: Option<PathBuf>,
    /// `--remove`.
    pub remove: Option<PathBuf>,
    /// `--target-snp`.
    pub target_snp: Option<String>,
    /// The probe and SNP filters of the eQTL data (data-spec/ranges.md), applied once when
    /// the data is read ([`crate::data::EqtlData::load`]).
    pub filters: crate::filters::Filters,
    /// `--thread-num`.
    pub threads: usize,
    /// Opt-in `.smr` extensions (`--smr-extra-columns`, `--heidi-scale-free`).
    pub extras: crate::cli::smr_extra::SmrExtraArgs,
    /// `--plot`: the plot data file instead of the `.smr` analysis.
    pub plot: Option<crate::analyses::plot::PlotSettings>,
    /// `--sample-overlap` with `--pmecs`/`--mmecs` (None: off).
    pub sample_overlap: Option<crate::stats::overlap::OverlapSettings>,
}

fn check_unit(name: &str, v: f64) -> Result<()> {
    if (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(Error::Config(format!("{name} must be in [0, 1], got {v}")))
    }
}

/// Parse a chromosome option value: 1..22 (any positive integer), X, Y, optional `chr` prefix.
pub fn parse_chrom_option(flag: &str, s: &str) -> Result<Chrom> {
    let t = s.strip_prefix("chr").unwrap_or(s);
    match t {
        "X" | "x" => Ok(CHROM_X),
        "Y" | "y" => Ok(CHROM_Y),
        _ => match t.parse::<Chrom>() {
            Ok(c) if c > 0 => Ok(c),
            _ => Err(Error::Config(format!(
                "{flag} expects a chromosome (1-22, X or Y), got '{s}'"
            ))),
        },
    }
}

fn with_ext(prefix: &Path, ext: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(ext);
    PathBuf::from(s)
}

impl BesdPaths {
    /// The three files of a BESD prefix.
    pub fn from_prefix(prefix: &Path) -> Self {
        BesdPaths {
            prefix: prefix.to_path_buf(),
            besd: with_ext(prefix, "besd"),
            esi: with_ext(prefix, "esi"),
            epi: with_ext(prefix, "epi"),
        }
    }
}

impl BfilePaths {
    /// The three files of a PLINK prefix.
    pub fn from_prefix(prefix: &Path) -> Self {
        BfilePaths {
            prefix: prefix.to_path_buf(),
            bed: with_ext(prefix, "bed"),
            bim: with_ext(prefix, "bim"),
            fam: with_ext(prefix, "fam"),
        }
    }
}

/// An output file name: `<out>.<ext>`.
pub fn out_path(out: &Path, ext: &str) -> PathBuf {
    with_ext(out, ext)
}

/// `--sample-overlap` and its thresholds (`--pmecs` in (0, 1), `--mmecs` at least 2).
fn overlap_settings(cli: &Cli) -> Result<Option<crate::stats::overlap::OverlapSettings>> {
    if !cli.overlap.sample_overlap {
        return Ok(None);
    }
    let pmecs = cli.besd_tools.pmecs;
    if !(pmecs > 0.0 && pmecs < 1.0) {
        return Err(Error::Config(format!(
            "--pmecs {pmecs}: expected a p-value between 0 and 1"
        )));
    }
    if cli.overlap.mmecs < 2 {
        return Err(Error::Config(format!(
            "--mmecs {}: expected at least 2 (a correlation needs two SNPs)",
            cli.overlap.mmecs
        )));
    }
    Ok(Some(crate::stats::overlap::OverlapSettings {
        pmecs,
        mmecs: cli.overlap.mmecs,
    }))
}

impl Config {
    /// Validate and resolve the parsed command line.
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let f = &cli.filters;
        let h = &cli.heidi;
        let o = &cli.output;
        // Several eQTL datasets (data-spec/datasets.md); the first is `besd`.
        let datasets = crate::data::datasets::resolve(
            cli.inputs.beqtl_summary.as_deref(),
            &cli.datasets.more,
            cli.datasets.beqtl_flist.as_deref(),
        )?;
        let Some(datasets) = datasets else {
            return Err(Error::Config(
                "--beqtl-summary is required (the eQTL data: a BESD prefix, directory or tar \
                 archive)"
                    .into(),
            ));
        };
        let beqtl_summary = datasets.list[0].prefix.clone();
        if !(0.0..=0.5).contains(&f.maf) {
            return Err(Error::Config(format!(
                "--maf must be in [0, 0.5], got {}",
                f.maf
            )));
        }
        check_unit("--peqtl-smr", h.peqtl_smr)?;
        check_unit("--peqtl-heidi", h.peqtl_heidi)?;
        check_unit("--ld-upper-limit", h.ld_upper_limit)?;
        check_unit("--ld-lower-limit", h.ld_lower_limit)?;
        check_unit("--psmr", h.psmr)?;
        check_unit("--diff-freq", f.diff_freq)?;
        check_unit("--diff-freq-prop", f.diff_freq_prop)?;
        if h.ld_lower_limit > h.ld_upper_limit {
            return Err(Error::Config(format!(
                "--ld-lower-limit ({}) is larger than --ld-upper-limit ({})",
                h.ld_lower_limit, h.ld_upper_limit
            )));
        }
        let heidi_method = match h.heidi_mtd {
            0 => HeidiMethod::Original,
            1 => HeidiMethod::New,
            m => {
                return Err(Error::Config(format!(
                    "--heidi-mtd must be 0 or 1, got {m}"
                )))
            }
        };
        if h.cis_wind <= 0 {
            return Err(Error::Config(format!(
                "--cis-wind must be a positive number of kb, got {}",
                h.cis_wind
            )));
        }
        let cis_window_bp = h
            .cis_wind
            .checked_mul(1000)
            .filter(|&w| w <= crate::io::text::MAX_BP)
            .ok_or_else(|| {
                Error::Config(format!(
                    "--cis-wind {} kb is larger than any chromosome",
                    h.cis_wind
                ))
            })?;
        if h.heidi_min_m < 1 || h.heidi_max_m < 1 {
            return Err(Error::Config(
                "--heidi-min-m and --heidi-max-m must be at least 1".into(),
            ));
        }
        if o.thread_num == 0 {
            return Err(Error::Config("--thread-num must be at least 1".into()));
        }
        if o.thread_num > MAX_THREADS {
            return Err(Error::Config(format!(
                "--thread-num {} is more than the {MAX_THREADS} threads fastsmr allows (this \
                 machine has {} cores)",
                o.thread_num,
                std::thread::available_parallelism().map_or(1, |n| n.get())
            )));
        }
        let heidi = !h.heidi_off;
        let make_besd = o.unpack_besd;
        if make_besd {
            let filters = [
                (f.extract_snp.is_some(), "--extract-snp"),
                (f.exclude_snp.is_some(), "--exclude-snp"),
                (f.extract_probe.is_some(), "--extract-probe"),
                (f.exclude_probe.is_some(), "--exclude-probe"),
                (f.chr.is_some(), "--chr"),
                (f.probe_chr.is_some(), "--probe-chr"),
                (f.snp_chr.is_some(), "--snp-chr"),
                (cli.inputs.eqtlgen_freq.is_some(), "--eqtlgen-freq"),
            ];
            let ranges = crate::filters::range_flags_given(&cli.ranges);
            let named = filters.iter().find(|(on, _)| *on).map(|(_, n)| *n);
            if let Some(name) = named.or(ranges.first().copied()) {
                return Err(Error::Config(format!(
                    "{name} cannot be combined with --unpack-besd, which converts the whole input \
                     unchanged (--make-besd filters and re-selects)"
                )));
            }
        }
        let gwas_columns = cli
            .inputs
            .gwas_columns
            .as_deref()
            .map(ColumnOverride::parse)
            .transpose()?;
        let eqtlgen_freq_mode = match cli.inputs.eqtlgen_freq_mode.as_str() {
            "replace" => FreqMode::Replace,
            _ => FreqMode::Fill,
        };
        // Multi-SNP SMR and --plot need the LD reference even with --heidi-off (algorithm §12,
        // algorithm-2 §16.1).
        let multi = cli.multi.smr_multi;
        let bfile = match (
            &cli.inputs.bfile,
            (heidi || multi || cli.plot.plot) && !make_besd,
        ) {
            (Some(p), true) => Some(BfilePaths::from_prefix(p)),
            (None, true) if multi => {
                return Err(Error::Config(
                    "--smr-multi needs the LD reference --bfile (also with --heidi-off)".into(),
                ))
            }
            (None, true) => {
                return Err(Error::Config(
                    "--bfile is required for HEIDI (or give --heidi-off)".into(),
                ))
            }
            (_, false) => None,
        };
        let chr = f
            .chr
            .as_deref()
            .map(|s| parse_chrom_option("--chr", s))
            .transpose()?;
        let snp_chr = match &f.snp_chr {
            Some(s) => Some(parse_chrom_option("--snp-chr", s)?),
            None => chr,
        };
        let probe_chr = match &f.probe_chr {
            Some(s) => Some(parse_chrom_option("--probe-chr", s)?),
            None => chr,
        };
        let filters = crate::filters::Filters::from_cli(cli)?;
        if filters.pairs.is_some() && h.target_snp.is_some() {
            return Err(Error::Config(
                "--target-snp cannot be combined with a SNP-probe list (--extract-target-snp-probe \
                 / --extract-snp-probe), which names each probe's SNP"
                    .into(),
            ));
        }
        let mut traits: Vec<TraitInput> = cli
            .inputs
            .gwas_summary
            .iter()
            .map(|p| TraitInput {
                name: trait_name(p),
                path: p.clone(),
            })
            .collect();
        if let Some(list) = &cli.inputs.gwas_flist {
            let text = crate::io::lists::read_text(list)?;
            traits.extend(parse_gwas_flist(&text, list)?);
        }
        let gwas = match (traits.first(), make_besd) {
            (Some(first), _) => first.path.clone(),
            (None, true) => PathBuf::new(),
            (None, false) => {
                return Err(Error::Config(
                    "--gwas-summary is required (or --gwas-flist; neither is needed with \
                     --unpack-besd)"
                        .into(),
                ))
            }
        };
        let batch = traits.len() > 1 || cli.inputs.gwas_flist.is_some();
        if batch || datasets.named {
            check_trait_names(&traits)?;
        }
        Ok(Config {
            bfile,
            gwas,
            unpack_besd: make_besd,
            gwas_columns,
            eqtlgen_freq: cli.inputs.eqtlgen_freq.clone(),
            eqtlgen_freq_mode,
            strand_flip: cli.harmonise.strand_flip,
            match_by_chrpos: cli.harmonise.match_by == "chrpos",
            trait_group: cli.batch.trait_group.map(|n| n as usize),
            harmonise_report: if cli.harmonise.harmonise_report == "full" {
                crate::harmonise::report::ReportMode::Full
            } else {
                crate::harmonise::report::ReportMode::Summary
            },
            traits,
            batch,
            besd: BesdPaths::from_prefix(&beqtl_summary),
            datasets,
            out: o.out.clone(),
            maf: f.maf,
            peqtl_smr: h.peqtl_smr,
            peqtl_heidi: h.peqtl_heidi,
            heidi_min_m: h.heidi_min_m,
            heidi_max_m: h.heidi_max_m,
            ld_upper: h.ld_upper_limit,
            ld_lower: h.ld_lower_limit,
            heidi_method,
            heidi,
            cis_window_bp,
            psmr: h.psmr,
            diff_freq: f.diff_freq,
            diff_freq_prop: f.diff_freq_prop,
            freq_check: !f.disable_freq_ck,
            extract_snp: f.extract_snp.clone(),
            exclude_snp: f.exclude_snp.clone(),
            extract_probe: f.extract_probe.clone(),
            exclude_probe: f.exclude_probe.clone(),
            snp_chr,
            probe_chr,
            keep: f.keep.clone(),
            remove: f.remove.clone(),
            target_snp: h.target_snp.clone(),
            filters,
            threads: o.thread_num,
            extras: cli.smr_extra,
            plot: crate::analyses::plot::PlotSettings::from_cli(cli)?,
            sample_overlap: overlap_settings(cli)?,
        })
    }

    /// Check, before any work, that every input file named on the command line (every trait's
    /// GWAS file included) can be opened, so that a typo fails in milliseconds rather than after
    /// the large inputs are read. A trait whose file opens but cannot be parsed fails on its
    /// own, and the other traits of a batch still run.
    pub fn check_inputs_readable(&self) -> Result<()> {
        for f in self.input_files() {
            // A pipe or FIFO is not opened twice (a FIFO's writer would see its reader go).
            if std::fs::metadata(&f).is_ok_and(|m| !m.is_file()) {
                continue;
            }
            std::fs::File::open(&f).map_err(|source| Error::Open { path: f, source })?;
        }
        Ok(())
    }

    /// Every input file named by the settings (GWAS files, frequency file, PLINK fileset,
    /// ID lists), and the eQTL files that exist under `--beqtl-summary` (each part plain or
    /// `.gz`, or the archive itself): what no output may overwrite.
    pub fn input_files(&self) -> Vec<PathBuf> {
        let mut v: Vec<PathBuf> = Vec::new();
        for p in [&self.besd.besd, &self.besd.esi, &self.besd.epi] {
            let mut gz = p.as_os_str().to_owned();
            gz.push(".gz");
            v.extend(
                [p.clone(), PathBuf::from(gz)]
                    .into_iter()
                    .filter(|p| p.exists()),
            );
        }
        if self.besd.prefix.is_file() {
            v.push(self.besd.prefix.clone());
        }
        for d in self.datasets.list.iter().skip(1) {
            let b = BesdPaths::from_prefix(&d.prefix);
            for p in [&b.besd, &b.esi, &b.epi, &b.prefix] {
                let mut gz = p.as_os_str().to_owned();
                gz.push(".gz");
                v.extend(
                    [p.clone(), PathBuf::from(gz)]
                        .into_iter()
                        .filter(|p| p.is_file()),
                );
            }
        }
        v.extend(self.check_list().into_iter().map(Path::to_path_buf));
        v
    }

    fn check_list(&self) -> Vec<&Path> {
        // Every trait's GWAS file (the first one is `gwas`).
        let mut files: Vec<&Path> = vec![&self.gwas];
        files.extend(self.traits.iter().skip(1).map(|t| t.path.as_path()));
        if let Some(f) = &self.eqtlgen_freq {
            files.push(f);
        }
        if let Some(b) = &self.bfile {
            files.extend([b.bed.as_path(), b.bim.as_path(), b.fam.as_path()]);
        }
        for p in [
            &self.extract_snp,
            &self.exclude_snp,
            &self.extract_probe,
            &self.exclude_probe,
            &self.keep,
            &self.remove,
        ]
        .into_iter()
        .flatten()
        {
            files.push(p);
        }
        files.retain(|f| !f.as_os_str().is_empty());
        files
    }

    /// The resolved settings, one `--flag value` per line, for the log.
    pub fn describe(&self) -> Vec<String> {
        let mut v = Vec::new();
        let mut opt = |name: &str, val: Option<String>| {
            if let Some(val) = val {
                v.push(format!("  {name} {val}"));
            }
        };
        opt(
            "--bfile",
            self.bfile.as_ref().map(|b| b.prefix.display().to_string()),
        );
        if self.traits.len() > 1 {
            for t in &self.traits {
                opt(
                    "--gwas-summary",
                    Some(format!("{} (trait {})", t.path.display(), t.name)),
                );
            }
        } else {
            opt("--gwas-summary", Some(self.gwas.display().to_string()));
        }
        if self.datasets.named {
            for d in &self.datasets.list {
                opt(
                    "--beqtl-summary",
                    Some(format!("{} (dataset {})", d.prefix.display(), d.name)),
                );
            }
        } else {
            opt(
                "--beqtl-summary",
                Some(self.besd.prefix.display().to_string()),
            );
        }
        opt("--out", Some(self.out.display().to_string()));
        opt("--maf", Some(self.maf.to_string()));
        opt("--peqtl-smr", Some(format!("{:e}", self.peqtl_smr)));
        opt("--peqtl-heidi", Some(format!("{:e}", self.peqtl_heidi)));
        opt("--heidi-min-m", Some(self.heidi_min_m.to_string()));
        opt("--heidi-max-m", Some(self.heidi_max_m.to_string()));
        opt("--ld-upper-limit", Some(self.ld_upper.to_string()));
        opt("--ld-lower-limit", Some(self.ld_lower.to_string()));
        opt(
            "--heidi-mtd",
            Some(
                match self.heidi_method {
                    HeidiMethod::Original => "0",
                    HeidiMethod::New => "1",
                }
                .into(),
            ),
        );
        opt("--heidi-off", (!self.heidi).then(String::new));
        opt("--cis-wind", Some((self.cis_window_bp / 1000).to_string()));
        opt("--psmr", Some(self.psmr.to_string()));
        opt("--diff-freq", Some(self.diff_freq.to_string()));
        opt("--diff-freq-prop", Some(self.diff_freq_prop.to_string()));
        opt("--disable-freq-ck", (!self.freq_check).then(String::new));
        let path = |p: &Option<PathBuf>| p.as_ref().map(|p| p.display().to_string());
        opt("--extract-snp", path(&self.extract_snp));
        opt("--exclude-snp", path(&self.exclude_snp));
        opt("--extract-probe", path(&self.extract_probe));
        opt("--exclude-probe", path(&self.exclude_probe));
        opt("--snp-chr", self.snp_chr.map(|c| c.to_string()));
        opt("--probe-chr", self.probe_chr.map(|c| c.to_string()));
        opt("--keep", path(&self.keep));
        opt("--remove", path(&self.remove));
        opt("--target-snp", self.target_snp.clone());
        opt("--unpack-besd", self.unpack_besd.then(String::new));
        opt(
            "--gwas-columns",
            self.gwas_columns.as_ref().map(|c| format!("{c:?}")),
        );
        opt("--eqtlgen-freq", path(&self.eqtlgen_freq));
        opt(
            "--eqtlgen-freq-mode",
            self.eqtlgen_freq
                .as_ref()
                .map(|_| format!("{:?}", self.eqtlgen_freq_mode).to_lowercase()),
        );
        opt("--strand-flip", self.strand_flip.then(String::new));
        opt(
            "--match-by",
            self.match_by_chrpos.then(|| "chrpos".to_string()),
        );
        opt(
            "--harmonise-report",
            (self.harmonise_report == crate::harmonise::report::ReportMode::Full)
                .then(|| "full".to_string()),
        );
        opt("--thread-num", Some(self.threads.to_string()));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trait_names_strip_known_extensions() {
        assert_eq!(trait_name(Path::new("a/height.ma")), "height");
        assert_eq!(trait_name(Path::new("bmi.ma.gz")), "bmi");
        assert_eq!(trait_name(Path::new("x.y.txt")), "x.y");
        assert_eq!(trait_name(Path::new(".ma")), ".ma");
    }

    #[test]
    fn flist_parses_and_rejects() {
        let l = Path::new("l");
        let t = parse_gwas_flist("# c\nA a.ma\n\nB  dir/b.ma\n", l).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            (t[1].name.as_str(), t[1].path.as_path()),
            ("B", Path::new("dir/b.ma"))
        );
        assert!(parse_gwas_flist("A\n", l).is_err());
        assert!(parse_gwas_flist("A a b\n", l).is_err());
        let dup = parse_gwas_flist("A a\nA b\n", l).unwrap();
        assert!(check_trait_names(&dup).is_err());
    }
}
