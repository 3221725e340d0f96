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
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [".gz", ".ma", ".txt", ".tsv"] {
        if let Some(s) = name.strip_suffix(ext) {
            if !s.is_empty() {
                name = s.to_string();
            }
        }
    }
    name
}

/// Parse a `--gwas-flist` file: one `name path` per non-empty line (`#` starts a comment);
/// relative paths are taken relative to the current directory, as on the command line.
pub fn parse_gwas_flist(text: &str, list: &Path) -> Result<Vec<TraitInput>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut toks = line.split_whitespace();
        match (toks.next(), toks.next(), toks.next()) {
            (Some(name), Some(path), None) => out.push(TraitInput {
                name: name.to_string(),
                path: PathBuf::from(path),
            }),
            _ => {
                return Err(Error::Config(format!(
                    "{} line {}: expected 'name path', found '{line}'",
                    list.display(),
                    i + 1
                )))
            }
        }
    }
    Ok(out)
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

/// Every setting of a run, validated.
#[derive(Debug, Clone)]
pub struct Config {
    /// LD reference; `None` with `--heidi-off` (ignored then even if given, as the reference).
    pub bfile: Option<BfilePaths>,
    /// GWAS summary file (the first trait's, when several are given).
    pub gwas: PathBuf,
    /// Every trait to run, in command-line (or list) order. One trait without a list: the
    /// outputs keep their single-trait names (`<out>.smr`).
    pub traits: Vec<TraitInput>,
    /// Several traits (or `--gwas-flist`): each writes `<out>.<name>.*`.
    pub batch: bool,
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
            let text = std::fs::read_to_string(list).map_err(|e| {
                Error::Config(format!("cannot read --gwas-flist {}: {e}", list.display()))
            })?;
            traits.extend(parse_gwas_flist(&text, list)?);
        }
        let Some(first) = traits.first() else {
            return Err(Error::Config(
                "give the GWAS data with --gwas-summary (or --gwas-flist)".into(),
            ));
        };
        let gwas = first.path.clone();
        let batch = traits.len() > 1 || cli.inputs.gwas_flist.is_some();
        if batch {
            check_trait_names(&traits)?;
        }
        Ok(Config {
            bfile,
            gwas,
            traits,
            batch,
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
            cis_window_bp: h.cis_wind * 1000,
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
