//! The validated settings of a BESD-tool run, built from the command line
//! (data-spec/besd-tools.md §flags). Usage errors are [`Error::Config`] (exit 2).

use crate::besd_tools::formats::{FlistFormat, ToolFormat};
use crate::besd_tools::select::SelectParams;
use crate::cli::Cli;
use crate::error::{Error, Result};
use crate::io::text::decode_chrom;
use crate::types::Chrom;
use std::path::{Path, PathBuf};

/// Where the entries of `--make-besd` come from.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// `--beqtl-summary P`: an existing BESD (any layout, directory or tarball).
    Besd(PathBuf),
    /// `--eqtl-flist F`: per-probe text files.
    EqtlFlist(PathBuf, FlistFormat),
    /// `--qfile F`: the `--query` layout.
    Qfile(PathBuf),
    /// `--besd-flist F`: BESD files to merge.
    BesdFlist(PathBuf),
    /// `--eqtl-summary F` with a tool format flag.
    Tool(PathBuf, ToolFormat),
}

/// What to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// `--show-n`.
    ShowN(PathBuf),
    /// `--update-freq F` on a BESD prefix.
    UpdateFreq(PathBuf, PathBuf),
    /// `--update-esi` and/or `--update-epi` on a BESD prefix.
    UpdateTables {
        /// The BESD prefix.
        prefix: PathBuf,
        /// New `.esi` rows.
        esi: Option<PathBuf>,
        /// New `.epi` rows.
        epi: Option<PathBuf>,
    },
    /// `--besd-flist F --meta` or `--mecs`.
    Meta {
        /// The list of BESD prefixes.
        list: PathBuf,
        /// MeCS rather than inverse-variance.
        mecs: bool,
    },
    /// `--make-besd` / `--make-besd-dense`.
    Make(Input),
}

/// SNP and probe filters (data-spec/besd-tools.md §filters).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Filters {
    /// `--extract-snp`.
    pub extract_snp: Option<PathBuf>,
    /// `--exclude-snp`.
    pub exclude_snp: Option<PathBuf>,
    /// `--extract-probe`.
    pub extract_probe: Option<PathBuf>,
    /// `--exclude-probe`.
    pub exclude_probe: Option<PathBuf>,
    /// `--snp-chr`, else `--chr`.
    pub snp_chr: Option<Chrom>,
    /// `--probe-chr`, else `--chr`.
    pub probe_chr: Option<Chrom>,
}

impl Filters {
    /// True when no filter is given.
    pub fn is_empty(&self) -> bool {
        *self == Filters::default()
    }
}

/// `--beqtl-qc` settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QcSettings {
    /// 0 = trim the tails, 1 = drop outliers by z.
    pub method: u8,
    /// `--z-thresh`.
    pub z_thresh: u32,
}

/// Everything a BESD tool needs.
#[derive(Debug, Clone)]
pub struct Settings {
    /// What to do.
    pub mode: Mode,
    /// `--out`.
    pub out: PathBuf,
    /// `--make-besd-dense`.
    pub dense: bool,
    /// The cis/trans/other selection.
    pub select: SelectParams,
    /// SNP and probe filters.
    pub filters: Filters,
    /// `--add-n`.
    pub add_n: Option<i32>,
    /// `--extract-snp-p`.
    pub extract_snp_p: Option<f64>,
    /// `--exclude-snp-p`.
    pub exclude_snp_p: Option<f64>,
    /// `--beqtl-qc`.
    pub qc: Option<QcSettings>,
    /// `--geno-uni`.
    pub geno_uni: bool,
    /// `--pmecs`.
    pub pmecs: f64,
    /// `--nmecs`.
    pub nmecs: usize,
}

fn chrom(flag: &str, v: &Option<String>) -> Result<Option<Chrom>> {
    v.as_deref()
        .map(|t| {
            decode_chrom(t)
                .filter(|&c| c > 0)
                .ok_or_else(|| Error::Config(format!("{flag} {t}: expected 1-22, X or Y")))
        })
        .transpose()
}

fn prob(flag: &str, v: f64) -> Result<f64> {
    if (0.0..=1.0).contains(&v) {
        Ok(v)
    } else {
        Err(Error::Config(format!(
            "{flag} {v}: expected a p-value from 0 to 1"
        )))
    }
}

impl Settings {
    /// Validate the command line.
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let a = &cli.besd_tools;
        let f = &cli.filters;
        let besd = cli.inputs.beqtl_summary.clone();
        let need_besd = |what: &str| -> Result<PathBuf> {
            besd.clone()
                .ok_or_else(|| Error::Config(format!("{what} needs --beqtl-summary PREFIX")))
        };
        let make = a.make_besd || a.make_besd_dense;
        if a.make_besd && a.make_besd_dense {
            return Err(Error::Config(
                "give one of --make-besd and --make-besd-dense".into(),
            ));
        }
        let tools: Vec<ToolFormat> = [
            (a.fastqtl_nominal_format, ToolFormat::FastqtlNominal),
            (a.fastqtl_permu_format, ToolFormat::FastqtlPermu),
            (a.qtltools_nominal_format, ToolFormat::QtltoolsNominal),
            (a.qtltools_permu_format, ToolFormat::QtltoolsPermu),
            (a.matrix_eqtl_format, ToolFormat::MatrixEqtl),
        ]
        .into_iter()
        .filter_map(|(on, t)| on.then_some(t))
        .collect();
        let flists: Vec<FlistFormat> = [
            (a.plink_qassoc_format, FlistFormat::PlinkQassoc),
            (a.gemma_format, FlistFormat::Gemma),
            (a.bolt_assoc_format, FlistFormat::Bolt),
        ]
        .into_iter()
        .filter_map(|(on, t)| on.then_some(t))
        .collect();
        if tools.len() + flists.len() > 1 {
            return Err(Error::Config(
                "give at most one of the format flags (--fastqtl-*-format, --qtltools-*-format, \
                 --matrix-eqtl-format, --plink-qassoc-format, --gemma-format, --bolt-assoc-format)"
                    .into(),
            ));
        }
        let mode = if a.show_n {
            Mode::ShowN(need_besd("--show-n")?)
        } else if let Some(fr) = &a.update_freq {
            Mode::UpdateFreq(need_besd("--update-freq")?, fr.clone())
        } else if a.update_esi.is_some() || a.update_epi.is_some() {
            Mode::UpdateTables {
                prefix: need_besd("--update-esi/--update-epi")?,
                esi: a.update_esi.clone(),
                epi: a.update_epi.clone(),
            }
        } else if a.meta || a.mecs {
            if a.meta && a.mecs {
                return Err(Error::Config("give one of --meta and --mecs".into()));
            }
            let list = a
                .besd_flist
                .clone()
                .ok_or_else(|| Error::Config("--meta and --mecs need --besd-flist FILE".into()))?;
            Mode::Meta { list, mecs: a.mecs }
        } else if make {
            let mut inputs = Vec::new();
            if let Some(p) = &a.besd_flist {
                inputs.push(Input::BesdFlist(p.clone()));
            }
            if let Some(p) = &a.eqtl_flist {
                inputs.push(Input::EqtlFlist(
                    p.clone(),
                    flists.first().copied().unwrap_or(FlistFormat::Esd),
                ));
            }
            if let Some(p) = &a.qfile {
                inputs.push(Input::Qfile(p.clone()));
            }
            if let Some(p) = &a.eqtl_summary {
                let t = tools.first().copied().ok_or_else(|| {
                    Error::Config(
                        "--eqtl-summary needs a format flag (--fastqtl-nominal-format, \
                         --fastqtl-permu-format, --qtltools-nominal-format, \
                         --qtltools-permu-format or --matrix-eqtl-format)"
                            .into(),
                    )
                })?;
                inputs.push(Input::Tool(p.clone(), t));
            }
            if let Some(p) = &besd {
                inputs.push(Input::Besd(p.clone()));
            }
            if inputs.len() != 1 {
                return Err(Error::Config(format!(
                    "--make-besd needs exactly one input of --beqtl-summary, --eqtl-flist, \
                     --qfile, --besd-flist, --eqtl-summary; {} given",
                    inputs.len()
                )));
            }
            if !tools.is_empty() && !matches!(inputs[0], Input::Tool(..)) {
                return Err(Error::Config(
                    "the --fastqtl/--qtltools/--matrix-eqtl format flags go with --eqtl-summary"
                        .into(),
                ));
            }
            if !flists.is_empty() && !matches!(inputs[0], Input::EqtlFlist(..)) {
                return Err(Error::Config(
                    "--plink-qassoc-format, --gemma-format and --bolt-assoc-format go with \
                     --eqtl-flist"
                        .into(),
                ));
            }
            Mode::Make(inputs.remove(0))
        } else {
            return Err(Error::Config(
                "no BESD tool requested (--make-besd, --make-besd-dense, --show-n, \
                 --update-esi, --update-epi, --update-freq, --meta, --mecs)"
                    .into(),
            ));
        };
        let add_n = a
            .add_n
            .map(|n| {
                i32::try_from(n).ok().filter(|&n| n >= 0).ok_or_else(|| {
                    Error::Config(format!("--add-n {n}: expected 0 to {}", i32::MAX))
                })
            })
            .transpose()?;
        if a.add_n.is_some() && !make {
            return Err(Error::Config(
                "--add-n goes with --make-besd or --make-besd-dense".into(),
            ));
        }
        let chr = chrom("--chr", &f.chr)?;
        let filters = Filters {
            extract_snp: f.extract_snp.clone(),
            exclude_snp: f.exclude_snp.clone(),
            extract_probe: f.extract_probe.clone(),
            exclude_probe: f.exclude_probe.clone(),
            snp_chr: chrom("--snp-chr", &f.snp_chr)?.or(chr),
            probe_chr: chrom("--probe-chr", &f.probe_chr)?.or(chr),
        };
        let extract_snp_p = a
            .extract_snp_p
            .map(|p| prob("--extract-snp-p", p))
            .transpose()?;
        let exclude_snp_p = a
            .exclude_snp_p
            .map(|p| prob("--exclude-snp-p", p))
            .transpose()?;
        if let (Some(x), Some(y)) = (extract_snp_p, exclude_snp_p) {
            if x < y {
                return Err(Error::Config(format!(
                    "--extract-snp-p {x} is below --exclude-snp-p {y}: no entry would be kept"
                )));
            }
        }
        let qc = match a.beqtl_qc {
            None => None,
            Some(m @ (0 | 1)) => Some(QcSettings {
                method: m,
                z_thresh: a.z_thresh,
            }),
            Some(m) => {
                return Err(Error::Config(format!(
                    "--beqtl-qc {m}: expected 0 (trim the tails) or 1 (z outliers)"
                )))
            }
        };
        let besd_only = [
            (a.extract_cis, "--extract-cis"),
            (extract_snp_p.is_some(), "--extract-snp-p"),
            (exclude_snp_p.is_some(), "--exclude-snp-p"),
            (qc.is_some(), "--beqtl-qc"),
        ];
        if let Some((_, name)) = besd_only.iter().find(|(on, _)| *on) {
            if !matches!(mode, Mode::Make(Input::Besd(_))) {
                return Err(Error::Config(format!(
                    "{name} goes with --beqtl-summary PREFIX --make-besd"
                )));
            }
        }
        if cli.heidi.cis_wind < 0 || cli.trans.trans_wind < 0 {
            return Err(Error::Config(
                "--cis-wind and --trans-wind must be >= 0".into(),
            ));
        }
        let select = SelectParams {
            cis_wind_kb: cli.heidi.cis_wind,
            trans_wind_kb: cli.trans.trans_wind,
            p_trans: prob("--peqtl-trans", cli.trans.peqtl_trans)?,
            p_other: prob("--peqtl-other", a.peqtl_other)?,
            cis_only: a.extract_cis,
        };
        if !(0.0..1.0).contains(&a.pmecs) || a.pmecs == 0.0 {
            return Err(Error::Config(format!(
                "--pmecs {}: expected a p-value between 0 and 1",
                a.pmecs
            )));
        }
        Ok(Settings {
            mode,
            out: cli.output.out.clone(),
            dense: a.make_besd_dense,
            select,
            filters,
            add_n,
            extract_snp_p,
            exclude_snp_p,
            qc,
            geno_uni: a.geno_uni,
            pmecs: a.pmecs,
            nmecs: a.nmecs,
        })
    }

    /// `--out`.
    pub fn out(&self) -> &Path {
        &self.out
    }
}
