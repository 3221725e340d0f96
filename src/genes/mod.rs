//! `fastsmr genes`: from SMR tables (traits × eQTL datasets) to a defensible gene list
//! (data-spec/genes-output.md): multiple testing over the probes actually tested, a HEIDI
//! cut-off where NA is its own status, gene symbols, an MHC flag, presets of published
//! protocols, a trait × gene matrix, a JSON summary, figures ([`crate::plot`]) and a
//! self-contained HTML report ([`crate::report_html`]).

pub mod annot;
pub mod args;
pub mod mhc;
pub mod output;
pub mod protocol;
pub mod select;

use crate::error::{Error, Result};
use crate::io::smr_table::{read_smr_table, SmrKind, SmrRow};
use annot::GeneAnnot;
use args::{Collapse, GenesArgs};
use clap::Parser as _;
use mhc::Build;
use select::{Correction, HeidiRule, Status};
use std::collections::BTreeMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Validated settings of one run.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Settings {
    /// The tables: (trait name, files).
    pub inputs: Vec<(String, Vec<PathBuf>)>,
    /// Output prefix.
    pub out: PathBuf,
    /// p_SMR correction.
    pub correction: Correction,
    /// Its level.
    pub alpha: f64,
    /// HEIDI rule.
    pub heidi: HeidiRule,
    /// Grouping before correction.
    pub collapse: Collapse,
    /// Genome build (MHC bounds), if given.
    pub build: Option<Build>,
    /// Remove MHC probes before correcting.
    pub exclude_mhc: bool,
    /// Preset used, if any.
    pub protocol: Option<String>,
    /// Source of the preset.
    pub protocol_source: Option<String>,
    /// Gene annotation file.
    pub gene_annot: Option<PathBuf>,
    /// Write figures and the report.
    pub plots: bool,
    /// Genes labelled per Manhattan panel.
    pub top_labels: usize,
}

fn default_name(path: &Path) -> String {
    let mut name = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in [".gz", ".smr", ".msmr", ".txt"] {
        if let Some(s) = name.strip_suffix(ext) {
            name = s.to_string();
        }
    }
    name
}

fn parent_name(path: &Path) -> Option<String> {
    path.parent()
        .and_then(|p| p.file_name())
        .map(|s| s.to_string_lossy().into_owned())
}

/// Trait names for the `--smr` arguments (`NAME=FILE` or `FILE`), grouped by name in order of
/// first appearance. Unnamed files whose default names collide take their parent directory's
/// name; a collision left after that is a usage error.
pub fn name_inputs(specs: &[String]) -> Result<Vec<(String, Vec<PathBuf>)>> {
    let mut named: Vec<(Option<String>, PathBuf)> = Vec::new();
    for s in specs {
        match s.split_once('=') {
            Some((n, f)) if !n.is_empty() && !n.contains('/') => {
                named.push((Some(n.to_string()), PathBuf::from(f)))
            }
            _ => named.push((None, PathBuf::from(s))),
        }
    }
    let defaults: Vec<String> = named
        .iter()
        .map(|(n, p)| n.clone().unwrap_or_else(|| default_name(p)))
        .collect();
    let mut names = Vec::with_capacity(named.len());
    for (i, (n, p)) in named.iter().enumerate() {
        if n.is_some() {
            names.push(defaults[i].clone());
            continue;
        }
        let clash = named
            .iter()
            .enumerate()
            .any(|(j, (_, q))| j != i && defaults[j] == defaults[i] && q != p);
        let name = if clash {
            parent_name(p).unwrap_or_else(|| defaults[i].clone())
        } else {
            defaults[i].clone()
        };
        names.push(name);
    }
    let mut groups: Vec<(String, Vec<PathBuf>)> = Vec::new();
    for (i, (explicit, p)) in named.iter().enumerate() {
        match groups.iter_mut().find(|(n, _)| *n == names[i]) {
            Some((_, files)) => {
                let all_explicit = named
                    .iter()
                    .enumerate()
                    .filter(|(j, _)| names[*j] == names[i])
                    .all(|(_, (e, _))| e.is_some());
                if !all_explicit || explicit.is_none() {
                    return Err(Error::Config(format!(
                        "two --smr tables are both named `{}` ({} and {}); name them with --smr NAME=FILE \
                         (the same NAME on several files reads them as one table)",
                        names[i],
                        files[0].display(),
                        p.display()
                    )));
                }
                if files.contains(p) {
                    return Err(Error::Config(format!("--smr lists {} twice", p.display())));
                }
                files.push(p.clone());
            }
            None => groups.push((names[i].clone(), vec![p.clone()])),
        }
    }
    Ok(groups)
}

impl Settings {
    /// Resolve the parsed arguments: preset first, explicit flags over it.
    pub fn from_args(a: &GenesArgs) -> Result<Self> {
        let preset = match &a.protocol {
            Some(name) => Some(protocol::find(name).ok_or_else(|| {
                let names: Vec<&str> = protocol::PROTOCOLS.iter().map(|p| p.name).collect();
                Error::Config(format!(
                    "--protocol: unknown preset `{name}` (known: {})",
                    names.join(", ")
                ))
            })?),
            None => None,
        };
        let correction = a
            .p_smr
            .or(preset.map(|p| p.correction))
            .unwrap_or(Correction::Bonferroni);
        let alpha = a.alpha.or(preset.map(|p| p.alpha)).unwrap_or(0.05);
        if !(alpha > 0.0 && alpha < 1.0) {
            return Err(Error::Config(format!(
                "--alpha must lie in (0, 1), found {alpha}"
            )));
        }
        let p_heidi = a.p_heidi.or(preset.map(|p| p.p_heidi)).unwrap_or(0.01);
        if !(0.0..=1.0).contains(&p_heidi) {
            return Err(Error::Config(format!(
                "--p-heidi must lie in [0, 1], found {p_heidi}"
            )));
        }
        let heidi = HeidiRule {
            p: p_heidi,
            strict: a.heidi_strict
                || (a.p_heidi.is_none() && preset.is_some_and(|p| p.heidi_strict)),
        };
        let collapse = a
            .collapse
            .unwrap_or(if preset.is_some_and(|p| p.collapse_gene) {
                Collapse::Gene
            } else {
                Collapse::None
            });
        let build = a.build.or(preset.and_then(|p| p.build));
        let exclude_mhc = a.exclude_mhc || preset.is_some_and(|p| p.exclude_mhc);
        if exclude_mhc && build.is_none() {
            return Err(Error::Config(
                "--exclude-mhc needs --build hg19|hg38 (the MHC bounds differ by build)".into(),
            ));
        }
        Ok(Settings {
            inputs: name_inputs(&a.smr)?,
            out: a.out.clone(),
            correction,
            alpha,
            heidi,
            collapse,
            build,
            exclude_mhc,
            protocol: preset.map(|p| p.name.to_string()),
            protocol_source: preset.map(|p| p.source.to_string()),
            gene_annot: a.gene_annot.clone(),
            plots: !a.no_plots,
            top_labels: a.top_labels,
        })
    }

    /// The settings as log lines.
    pub fn describe(&self) -> Vec<String> {
        let mut v = vec![
            format!(
                "p_SMR correction: {} at alpha {}",
                self.correction, self.alpha
            ),
            format!(
                "HEIDI: p_HEIDI {} {} passes; NA = heidi_untested",
                if self.heidi.strict { ">" } else { ">=" },
                self.heidi.p
            ),
            format!(
                "collapse: {}",
                match self.collapse {
                    Collapse::Gene => "best probe per gene (genes are the denominator)",
                    Collapse::None => "none (probes are the denominator)",
                }
            ),
        ];
        if let Some(b) = self.build {
            let (c, lo, hi) = b.mhc();
            v.push(format!(
                "MHC ({}): chr{c}:{lo}-{hi}, {}",
                b.as_str(),
                if self.exclude_mhc {
                    "removed before correcting"
                } else {
                    "flagged"
                }
            ));
        }
        if let (Some(p), Some(s)) = (&self.protocol, &self.protocol_source) {
            v.push(format!("protocol {p}: {s}"));
        }
        v
    }
}

/// One output row: a (trait, probe) or, collapsed, a (trait, gene).
#[derive(Debug, Clone)]
pub struct GeneRow {
    /// The SMR row (the best probe when collapsed).
    pub row: SmrRow,
    /// Gene symbol: from the annotation, else the table's Gene column, else the probe ID.
    pub symbol: String,
    /// Adjusted p_SMR.
    pub p_adj: Option<f64>,
    /// Outcome.
    pub status: Status,
    /// In the MHC (None: no build given or no position).
    pub in_mhc: Option<bool>,
    /// Probes behind the row (1 unless collapsed).
    pub n_probes: usize,
}

/// The result for one table (trait).
#[derive(Debug, Clone)]
pub struct TraitResult {
    /// Trait name.
    pub name: String,
    /// Files read.
    pub files: Vec<PathBuf>,
    /// Layout.
    pub kind: SmrKind,
    /// Rows read.
    pub rows_read: usize,
    /// Rows removed as MHC.
    pub mhc_removed: usize,
    /// Rows (probes or genes) with a p_SMR: the denominator.
    pub denominator: usize,
    /// The p_SMR threshold in effect (None: FDR with nothing passing).
    pub threshold: Option<f64>,
    /// Output rows, sorted by p_SMR (NA last), then probe ID.
    pub rows: Vec<GeneRow>,
    /// Rows per status.
    pub counts: BTreeMap<Status, usize>,
}

/// Apply the rules to one trait's rows.
pub fn select_trait(
    name: &str,
    files: Vec<PathBuf>,
    kind: SmrKind,
    rows: Vec<SmrRow>,
    s: &Settings,
    annot: Option<&GeneAnnot>,
) -> TraitResult {
    let rows_read = rows.len();
    let mut kept = Vec::with_capacity(rows.len());
    let mut mhc_removed = 0;
    for r in rows {
        let rec = annot.and_then(|a| a.lookup(&r.gene, &r.probe_id));
        let symbol = match rec {
            Some(g) => g.name.clone(),
            None if !r.gene.is_empty() && r.gene != "NA" => r.gene.clone(),
            None => r.probe_id.clone(),
        };
        let in_mhc = s.build.and_then(|b| {
            b.in_mhc(r.probe_chr, r.probe_bp)
                .or_else(|| rec.and_then(|g| b.in_mhc(Some(g.chr), Some(g.start))))
        });
        if s.exclude_mhc && in_mhc == Some(true) {
            mhc_removed += 1;
            continue;
        }
        kept.push((r, symbol, in_mhc));
    }
    let p_all: Vec<Option<f64>> = kept.iter().map(|(r, _, _)| r.p_smr).collect();
    let groups: Vec<(usize, usize)> = match s.collapse {
        Collapse::None => (0..kept.len()).map(|i| (i, 1)).collect(),
        Collapse::Gene => {
            let keys: Vec<&str> = kept.iter().map(|(_, sym, _)| sym.as_str()).collect();
            select::collapse(&keys, &p_all)
        }
    };
    let p: Vec<Option<f64>> = groups.iter().map(|&(i, _)| p_all[i]).collect();
    let adj = select::adjust(&p, s.correction, s.alpha);
    let mut out: Vec<GeneRow> = groups
        .iter()
        .enumerate()
        .map(|(g, &(i, n))| {
            let (r, sym, mhc) = &kept[i];
            GeneRow {
                status: select::status(r.p_smr, adj.significant[g], r.p_heidi, s.heidi),
                row: r.clone(),
                symbol: sym.clone(),
                p_adj: adj.p_adj[g],
                in_mhc: *mhc,
                n_probes: n,
            }
        })
        .collect();
    out.sort_by(|a, b| {
        let pa = a.row.log10_p_smr().unwrap_or(f64::INFINITY);
        let pb = b.row.log10_p_smr().unwrap_or(f64::INFINITY);
        pa.total_cmp(&pb)
            .then_with(|| a.row.probe_id.cmp(&b.row.probe_id))
    });
    let mut counts: BTreeMap<Status, usize> = Status::ALL.iter().map(|&st| (st, 0)).collect();
    for r in &out {
        *counts.entry(r.status).or_default() += 1;
    }
    TraitResult {
        name: name.to_string(),
        files,
        kind,
        rows_read,
        mhc_removed,
        denominator: adj.denominator,
        threshold: adj.threshold,
        rows: out,
        counts,
    }
}

/// Read every table and apply the rules.
pub fn compute(s: &Settings, annot: Option<&GeneAnnot>) -> Result<Vec<TraitResult>> {
    let mut results = Vec::new();
    for (name, files) in &s.inputs {
        let mut rows = Vec::new();
        let mut kind = None;
        for f in files {
            let t = read_smr_table(f)?;
            match kind {
                None => kind = Some(t.kind),
                Some(k) if k != t.kind => {
                    return Err(Error::format(
                        f,
                        format!(
                            "table `{name}` mixes layouts: this file is {:?}, {} is {k:?}",
                            t.kind,
                            files[0].display()
                        ),
                    ))
                }
                _ => {}
            }
            rows.extend(t.rows);
        }
        results.push(select_trait(
            name,
            files.clone(),
            kind.unwrap_or(SmrKind::Cis),
            rows,
            s,
            annot,
        ));
    }
    Ok(results)
}

/// Entry point of `fastsmr genes ARGS…` (`args` without the program name and `genes`).
pub fn main(args: Vec<OsString>) -> std::process::ExitCode {
    use std::process::ExitCode;
    let parsed = match GenesArgs::try_parse_from(
        std::iter::once(OsString::from("fastsmr genes")).chain(args),
    ) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    let s = match Settings::from_args(&parsed) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    match run(&s) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Run with validated settings: read, select, write every output (all or none).
pub fn run(s: &Settings) -> Result<()> {
    let mut log = crate::log::RunLog::new(true);
    let command: Vec<String> = std::env::args().collect();
    log.info(format!(
        "fastsmr {} | command: {}",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    ));
    for l in s.describe() {
        log.info(l);
    }
    crate::output::atomic::check_output_dir(&s.out)?;
    let annot = match &s.gene_annot {
        Some(p) => {
            let a = GeneAnnot::read(p)?;
            log.info(format!(
                "gene annotation {}: {} genes ({:?})",
                p.display(),
                a.genes.len(),
                a.format
            ));
            Some(a)
        }
        None => None,
    };
    let results = compute(s, annot.as_ref())?;
    for t in &results {
        let thr = match t.threshold {
            Some(x) => crate::output::format::fmt_e6(x),
            None => "none (no p passes BH)".into(),
        };
        log.info(format!(
            "trait {}: {} rows read from {} file(s), {} MHC rows removed; {} {} tested = the denominator; p_SMR threshold {}",
            t.name,
            t.rows_read,
            t.files.len(),
            t.mhc_removed,
            t.denominator,
            if s.collapse == Collapse::Gene { "genes" } else { "probes" },
            thr
        ));
        let counts: Vec<String> = t
            .counts
            .iter()
            .map(|(st, n)| format!("{} {n}", st.as_str()))
            .collect();
        log.info(format!("trait {}: {}", t.name, counts.join(", ")));
    }
    let files = output::render_all(s, &results, annot.as_ref())?;
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in &files {
        let mut f = crate::output::atomic::AtomicFile::create(path)?;
        f.write_all(bytes)?;
        staged.push(f);
    }
    for f in staged {
        f.commit()?;
    }
    for (path, _) in &files {
        log.info(format!("wrote {}", path.display()));
    }
    log.write(&crate::config::out_path(&s.out, "log"))?;
    Ok(())
}
