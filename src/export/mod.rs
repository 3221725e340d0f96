//! `fastsmr export`: tables for the next tool (data-spec/genes-output.md §10).
//!
//! * `twosamplemr`: exposure and outcome tables with TwoSampleMR's default column names
//!   (`SNP beta se effect_allele other_allele eaf pval samplesize gene Phenotype`, as read by
//!   `read_exposure_data` / `read_outcome_data`; ecosystem.md §5), from SMR tables (the top
//!   cis-eQTL of each probe, optionally only the probes a `genes.tsv` marks prioritised) or
//!   from a `--plot` data file (every eQTL SNP of the target probe below a p threshold).
//! * `coloc`: per probe of a `--plot` data file, every SNP in both the GWAS and the eQTL
//!   data, both effects aligned to one allele (the `$SNP` A1), with varbeta = se², MAF and N
//!   from the GWAS `.ma` (the eQTL N from `--eqtl-n`), as `coloc.abf` wants them.

use crate::error::{Error, Result};
use crate::output::format::{fmt_e6, fmt_g6};
use crate::plot::data_file::{read_plot_file, PlotData};
use clap::{Parser, Subcommand};
use std::collections::{HashMap, HashSet};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// fastsmr export: tables for TwoSampleMR and coloc.
#[derive(Debug, Parser)]
#[command(
    name = "fastsmr export",
    about = "Export SMR inputs/results for TwoSampleMR or coloc"
)]
pub struct ExportArgs {
    /// The target tool.
    #[command(subcommand)]
    pub tool: Tool,
}

/// Target tools.
#[derive(Debug, Subcommand)]
pub enum Tool {
    /// PREFIX.exposure.tsv and PREFIX.outcome.tsv with TwoSampleMR's column names.
    Twosamplemr(TwoSampleMrArgs),
    /// PREFIX.coloc.tsv: per probe, the region's SNPs with beta, varbeta, MAF, N of both datasets.
    Coloc(ColocArgs),
}

/// `fastsmr export twosamplemr`.
#[derive(Debug, clap::Args)]
pub struct TwoSampleMrArgs {
    /// SMR tables (`[NAME=]FILE`, as `fastsmr genes --smr`): one instrument (the top cis-eQTL)
    /// per probe.
    #[arg(long, num_args = 1.., value_name = "[NAME=]FILE", conflicts_with = "plot_file", required_unless_present = "plot_file")]
    pub smr: Vec<String>,
    /// Keep only the (trait, probe) rows of this `fastsmr genes` table whose status is in --status.
    #[arg(long, value_name = "FILE", requires = "smr")]
    pub genes_tsv: Option<PathBuf>,
    /// Statuses kept with --genes-tsv (comma-separated).
    #[arg(long, default_value = "prioritised", value_delimiter = ',')]
    pub status: Vec<String>,
    /// SMR `--plot` data file: instruments = the target probe's eQTL SNPs with p < --p-exposure.
    #[arg(long, value_name = "FILE")]
    pub plot_file: Option<PathBuf>,
    /// p threshold of eQTL SNPs taken from a --plot-file.
    #[arg(long, default_value_t = 5e-8, value_name = "P")]
    pub p_exposure: f64,
    /// Outcome name written in the Phenotype column with --plot-file.
    #[arg(long, default_value = "outcome", value_name = "NAME")]
    pub outcome_name: String,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

/// `fastsmr export coloc`.
#[derive(Debug, clap::Args)]
pub struct ColocArgs {
    /// SMR `--plot` data file.
    #[arg(long, value_name = "FILE")]
    pub plot_file: PathBuf,
    /// The GWAS `.ma` behind it (MAF and N per SNP).
    #[arg(long, value_name = "FILE")]
    pub gwas_summary: PathBuf,
    /// Sample size of the eQTL data (BESD does not store it); NA when not given.
    #[arg(long, value_name = "N")]
    pub eqtl_n: Option<f64>,
    /// All probes of the file (default: the target probe only).
    #[arg(long)]
    pub all_probes: bool,
    /// Output prefix.
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
}

/// Entry point of `fastsmr export ARGS…`.
pub fn main(args: Vec<std::ffi::OsString>) -> std::process::ExitCode {
    use std::process::ExitCode;
    let a = match ExportArgs::try_parse_from(
        std::iter::once(std::ffi::OsString::from("fastsmr export")).chain(args),
    ) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let r = match &a.tool {
        Tool::Twosamplemr(t) => twosamplemr(t),
        Tool::Coloc(c) => coloc(c),
    };
    match r {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e @ Error::Config(_)) => {
            eprintln!("Error: {e}");
            ExitCode::from(2)
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Column names of the exposure and outcome tables (TwoSampleMR defaults).
pub const TSMR_HEADER: [&str; 10] = [
    "SNP",
    "beta",
    "se",
    "effect_allele",
    "other_allele",
    "eaf",
    "pval",
    "samplesize",
    "gene",
    "Phenotype",
];

/// One row of a TwoSampleMR table, in [`TSMR_HEADER`] order (`samplesize` is always NA).
struct TsmrRow<'a> {
    snp: &'a str,
    beta: String,
    se: String,
    effect_allele: &'a str,
    other_allele: &'a str,
    eaf: String,
    pval: String,
    gene: &'a str,
    phenotype: &'a str,
}

impl TsmrRow<'_> {
    /// Append the row, tab-separated, with its newline.
    fn push_to(self, buf: &mut String) {
        let fields = [
            self.snp,
            &self.beta,
            &self.se,
            self.effect_allele,
            self.other_allele,
            &self.eaf,
            &self.pval,
            "NA",
            self.gene,
            self.phenotype,
        ];
        buf.push_str(&fields.join("\t"));
        buf.push('\n');
    }
}

fn opt_g(x: Option<f64>) -> String {
    x.map(fmt_g6).unwrap_or_else(|| "NA".into())
}

fn opt_e(x: Option<f64>) -> String {
    x.map(fmt_e6).unwrap_or_else(|| "NA".into())
}

/// Keys `(trait, probeID)` of a genes.tsv whose status is in `keep`.
pub fn read_genes_selection(path: &Path, keep: &[String]) -> Result<HashSet<(String, String)>> {
    let f = std::fs::File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut lines = std::io::BufReader::new(f).lines();
    let header = match lines.next() {
        Some(l) => l.map_err(|e| Error::read(path, e))?,
        None => {
            return Err(Error::parse(
                path,
                1,
                "empty file: expected a fastsmr genes table",
            ))
        }
    };
    let h: Vec<&str> = header.split('\t').collect();
    let col = |n: &str| {
        h.iter().position(|c| *c == n).ok_or_else(|| {
            Error::parse(
                path,
                1,
                format!("not a fastsmr genes table: no `{n}` column"),
            )
        })
    };
    let (ct, cp, cs) = (col("trait")?, col("probeID")?, col("status")?);
    let mut set = HashSet::new();
    for (i, l) in lines.enumerate() {
        let l = l.map_err(|e| Error::read(path, e))?;
        if l.is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() != h.len() {
            return Err(Error::parse(
                path,
                i as u64 + 2,
                format!("expected {} fields, found {}", h.len(), f.len()),
            ));
        }
        if keep.iter().any(|k| k == f[cs]) {
            set.insert((f[ct].to_string(), f[cp].to_string()));
        }
    }
    Ok(set)
}

/// Render the TwoSampleMR tables from SMR tables: one row per probe (its top SNP).
pub fn twosamplemr_from_smr(
    tables: &[(String, Vec<crate::io::smr_table::SmrRow>)],
    keep: Option<&HashSet<(String, String)>>,
) -> (String, String) {
    let mut exp = TSMR_HEADER.join("\t") + "\n";
    let mut out = exp.clone();
    for (name, rows) in tables {
        for r in rows {
            if keep.is_some_and(|k| !k.contains(&(name.clone(), r.probe_id.clone()))) {
                continue;
            }
            // Exposure: the probe's expression; Phenotype = probe ID so that each probe is its
            // own exposure in TwoSampleMR.
            TsmrRow {
                snp: &r.top_snp,
                beta: opt_g(r.b_eqtl),
                se: opt_g(r.se_eqtl),
                effect_allele: &r.a1,
                other_allele: &r.a2,
                eaf: opt_g(r.freq),
                pval: opt_e(r.p_eqtl),
                gene: &r.gene,
                phenotype: &r.probe_id,
            }
            .push_to(&mut exp);
            TsmrRow {
                snp: &r.top_snp,
                beta: opt_g(r.b_gwas),
                se: opt_g(r.se_gwas),
                effect_allele: &r.a1,
                other_allele: &r.a2,
                eaf: opt_g(r.freq),
                pval: opt_e(r.p_gwas),
                gene: &r.gene,
                phenotype: name,
            }
            .push_to(&mut out);
        }
    }
    (exp, out)
}

/// Render the TwoSampleMR tables from a plot file: the target probe's eQTL SNPs with
/// p < `p_max` that are also in `$GWAS`.
pub fn twosamplemr_from_plot(d: &PlotData, p_max: f64, outcome: &str) -> Result<(String, String)> {
    let rows = d.eqtl_of(&d.target).ok_or_else(|| {
        Error::format(
            &d.path,
            format!("no $eQTL group for the target probe {}", d.target),
        )
    })?;
    let gwas: HashMap<&str, &crate::plot::data_file::Effect> =
        d.gwas.iter().map(|e| (e.snp.as_str(), e)).collect();
    let gene = d
        .target_probe()
        .map(|p| p.gene.clone())
        .unwrap_or_else(|| "NA".into());
    let mut exp = TSMR_HEADER.join("\t") + "\n";
    let mut out = exp.clone();
    let lmax = p_max.log10();
    for e in rows {
        let (Some(g), Some(s)) = (gwas.get(e.snp.as_str()), d.snps.get(&e.snp)) else {
            continue;
        };
        if e.se.is_nan() || e.se <= 0.0 {
            continue;
        }
        let l = crate::io::smr_table::log10_chisq1_tail_from_z(e.b / e.se);
        if l >= lmax {
            continue;
        }
        let pe = 10f64.powf(l);
        let pg = if g.se > 0.0 {
            10f64.powf(crate::io::smr_table::log10_chisq1_tail_from_z(g.b / g.se))
        } else {
            f64::NAN
        };
        TsmrRow {
            snp: &e.snp,
            beta: fmt_g6(e.b),
            se: fmt_g6(e.se),
            effect_allele: &s.a1,
            other_allele: &s.a2,
            eaf: "NA".into(),
            pval: fmt_e6(pe),
            gene: &gene,
            phenotype: &d.target,
        }
        .push_to(&mut exp);
        TsmrRow {
            snp: &e.snp,
            beta: fmt_g6(g.b),
            se: fmt_g6(g.se),
            effect_allele: &s.a1,
            other_allele: &s.a2,
            eaf: "NA".into(),
            pval: fmt_e6(pg),
            gene: &gene,
            phenotype: outcome,
        }
        .push_to(&mut out);
    }
    Ok((exp, out))
}

fn twosamplemr(a: &TwoSampleMrArgs) -> Result<Vec<PathBuf>> {
    crate::output::atomic::check_output_dir(&a.out)?;
    let (exp, out) = if let Some(pf) = &a.plot_file {
        let d = read_plot_file(pf)?;
        twosamplemr_from_plot(&d, a.p_exposure, &a.outcome_name)?
    } else {
        let groups = crate::genes::name_inputs(&a.smr)?;
        let mut tables = Vec::new();
        for (name, files) in groups {
            let mut rows = Vec::new();
            for f in files {
                rows.extend(crate::io::smr_table::read_smr_table(&f)?.rows);
            }
            tables.push((name, rows));
        }
        let keep = match &a.genes_tsv {
            Some(p) => Some(read_genes_selection(p, &a.status)?),
            None => None,
        };
        twosamplemr_from_smr(&tables, keep.as_ref())
    };
    let pe = crate::config::out_path(&a.out, "exposure.tsv");
    let po = crate::config::out_path(&a.out, "outcome.tsv");
    write_all(&[(pe.clone(), exp), (po.clone(), out)])?;
    Ok(vec![pe, po])
}

fn write_all(files: &[(PathBuf, String)]) -> Result<()> {
    let mut staged = Vec::new();
    for (p, t) in files {
        let mut f = crate::output::atomic::AtomicFile::create(p)?;
        f.write_all(t.as_bytes())?;
        staged.push(f);
    }
    for f in staged {
        f.commit()?;
    }
    Ok(())
}

/// A GWAS `.ma` row as coloc needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct MaRow {
    /// Effect allele.
    pub a1: String,
    /// Other allele.
    pub a2: String,
    /// Frequency of A1.
    pub freq: Option<f64>,
    /// Sample size.
    pub n: Option<f64>,
}

/// Read `SNP A1 A2 freq b se p n` (GCTA-COJO `.ma`, columns by position; data-spec/ma.md).
pub fn read_ma_freq_n<R: BufRead>(r: R, path: &Path) -> Result<HashMap<String, MaRow>> {
    let mut m = HashMap::new();
    for (i, l) in r.lines().enumerate() {
        let l = l.map_err(|e| Error::read(path, e))?;
        let line = i as u64 + 1;
        let f: Vec<&str> = l.split_whitespace().collect();
        if f.is_empty() {
            continue;
        }
        if line == 1 {
            if !f[0].eq_ignore_ascii_case("snp") || f.len() < 8 {
                return Err(Error::parse(
                    path,
                    1,
                    "expected the .ma header `SNP A1 A2 freq b se p n`",
                ));
            }
            continue;
        }
        if f.len() < 8 {
            return Err(Error::parse(
                path,
                line,
                format!("expected 8 fields, found {}", f.len()),
            ));
        }
        let opt = |t: &str, col: &str| -> Result<Option<f64>> {
            if t == "NA" || t == "." {
                return Ok(None);
            }
            t.parse::<f64>().map(Some).map_err(|_| {
                Error::parse(path, line, format!("{col}: expected a number, found `{t}`"))
            })
        };
        m.entry(f[0].to_string()).or_insert(MaRow {
            a1: f[1].to_ascii_uppercase(),
            a2: f[2].to_ascii_uppercase(),
            freq: opt(f[3], "freq")?,
            n: opt(f[7], "n")?,
        });
    }
    Ok(m)
}

/// Header of `PREFIX.coloc.tsv`.
pub const COLOC_HEADER: [&str; 14] = [
    "probeID",
    "SNP",
    "chr",
    "bp",
    "A1",
    "A2",
    "beta_gwas",
    "varbeta_gwas",
    "N_gwas",
    "beta_eqtl",
    "varbeta_eqtl",
    "N_eqtl",
    "MAF",
    "type_gwas",
];

/// Render the coloc table: per probe, the SNPs in both `$GWAS` and its `$eQTL` group, effects
/// aligned to the `$SNP` A1 (the plot file already aligns `$GWAS` to the eQTL allele; SNPs whose
/// `.ma` alleles are neither A1/A2 nor A2/A1 are left out). MAF = min(f, 1 − f) of the `.ma` freq.
pub fn coloc_table(
    d: &PlotData,
    ma: &HashMap<String, MaRow>,
    eqtl_n: Option<f64>,
    all: bool,
) -> String {
    let mut s = COLOC_HEADER.join("\t") + "\n";
    let gwas: HashMap<&str, &crate::plot::data_file::Effect> =
        d.gwas.iter().map(|e| (e.snp.as_str(), e)).collect();
    for (probe, rows) in &d.eqtl {
        if !all && *probe != d.target {
            continue;
        }
        for e in rows {
            let (Some(g), Some(snp)) = (gwas.get(e.snp.as_str()), d.snps.get(&e.snp)) else {
                continue;
            };
            let m = ma.get(&e.snp);
            if let Some(m) = m {
                let same = m.a1 == snp.a1 && m.a2 == snp.a2;
                let swapped = m.a1 == snp.a2 && m.a2 == snp.a1;
                if !same && !swapped {
                    continue;
                }
            }
            let maf = m.and_then(|m| m.freq).map(|f| f.min(1.0 - f));
            s.push_str(
                &[
                    probe.clone(),
                    e.snp.clone(),
                    snp.chr.to_string(),
                    snp.bp.to_string(),
                    snp.a1.clone(),
                    snp.a2.clone(),
                    fmt_g6(g.b),
                    fmt_g6(g.se * g.se),
                    opt_g(m.and_then(|m| m.n)),
                    fmt_g6(e.b),
                    fmt_g6(e.se * e.se),
                    opt_g(eqtl_n),
                    opt_g(maf),
                    "quant".into(),
                ]
                .join("\t"),
            );
            s.push('\n');
        }
    }
    s
}

fn coloc(a: &ColocArgs) -> Result<Vec<PathBuf>> {
    crate::output::atomic::check_output_dir(&a.out)?;
    let d = read_plot_file(&a.plot_file)?;
    let f = std::fs::File::open(&a.gwas_summary).map_err(|source| Error::Open {
        path: a.gwas_summary.clone(),
        source,
    })?;
    let ma = read_ma_freq_n(std::io::BufReader::new(f), &a.gwas_summary)?;
    let t = coloc_table(&d, &ma, a.eqtl_n, a.all_probes);
    let p = crate::config::out_path(&a.out, "coloc.tsv");
    write_all(&[(p.clone(), t)])?;
    Ok(vec![p])
}
