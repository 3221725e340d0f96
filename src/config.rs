//! Validated, resolved settings built from the command line (data-spec/cli.md). Everything
//! downstream takes `&Config`.

use crate::cli::Cli;
use crate::error::{Error, Result};
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

/// Every setting of a run, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// LD reference; `None` with `--heidi-off` (ignored then even if given, as the reference).
    pub bfile: Option<BfilePaths>,
    /// GWAS summary file.
    pub gwas: PathBuf,
    /// eQTL BESD files.
    pub besd: BesdPaths,
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
    /// `--thread-num`.
    pub threads: usize,
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

impl Config {
    /// Validate and resolve the parsed command line.
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let f = &cli.filters;
        let h = &cli.heidi;
        let o = &cli.output;
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
        let heidi = !h.heidi_off;
        let bfile = match (&cli.inputs.bfile, heidi) {
            (Some(p), true) => Some(BfilePaths::from_prefix(p)),
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
        Ok(Config {
            bfile,
            gwas: cli.inputs.gwas_summary.clone(),
            besd: BesdPaths::from_prefix(&cli.inputs.beqtl_summary),
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
            threads: o.thread_num,
        })
    }
}
