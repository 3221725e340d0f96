//! Files written by `fastsmr genes` (data-spec/genes-output.md §5–§7): the gene table, the
//! trait × gene matrices, the JSON summary, and (unless `--no-plots`) figures and the report.
//! Everything is rendered in memory first so the caller writes all files or none.

use super::annot::GeneAnnot;
use super::args::Collapse;
use super::select::Status;
use super::{Settings, TraitResult};
use crate::config::out_path;
use crate::error::Result;
use crate::output::format::{fmt_e6, fmt_g6};
use std::collections::HashMap;
use std::path::PathBuf;

/// Header of `PREFIX.genes.tsv` (genes-output.md §5).
pub const GENES_HEADER: [&str; 17] = [
    "trait",
    "probeID",
    "Gene",
    "gene_id",
    "ProbeChr",
    "Probe_bp",
    "topSNP",
    "p_eQTL",
    "b_SMR",
    "se_SMR",
    "p_SMR",
    "p_SMR_adj",
    "p_HEIDI",
    "nsnp_HEIDI",
    "n_probes",
    "in_MHC",
    "status",
];

fn opt_e6(x: Option<f64>) -> String {
    x.map(fmt_e6).unwrap_or_else(|| "NA".into())
}

fn opt_g6(x: Option<f64>) -> String {
    x.map(fmt_g6).unwrap_or_else(|| "NA".into())
}

fn opt_i<T: std::fmt::Display>(x: Option<T>) -> String {
    x.map(|v| v.to_string()).unwrap_or_else(|| "NA".into())
}

/// `PREFIX.genes.tsv`: one row per (trait, probe) — per (trait, gene) when collapsed.
pub fn genes_tsv(results: &[TraitResult]) -> String {
    let mut s = GENES_HEADER.join("\t");
    s.push('\n');
    for t in results {
        for g in &t.rows {
            let r = &g.row;
            let chr = match r.probe_chr {
                Some(23) => "X".to_string(),
                Some(24) => "Y".to_string(),
                c => opt_i(c),
            };
            let fields = [
                t.name.clone(),
                r.probe_id.clone(),
                g.symbol.clone(),
                r.gene.clone(),
                chr,
                opt_i(r.probe_bp),
                r.top_snp.clone(),
                opt_e6(r.p_eqtl),
                opt_g6(r.b_smr),
                opt_g6(r.se_smr),
                opt_e6(r.p_smr),
                opt_e6(g.p_adj),
                opt_e6(r.p_heidi),
                opt_i(r.nsnp_heidi),
                g.n_probes.to_string(),
                match g.in_mhc {
                    Some(true) => "TRUE".into(),
                    Some(false) => "FALSE".into(),
                    None => "NA".into(),
                },
                g.status.as_str().to_string(),
            ];
            s.push_str(&fields.join("\t"));
            s.push('\n');
        }
    }
    s
}

/// One cell of the trait × gene matrix: (status, p_SMR, log10 p_SMR) of the gene's best row.
pub type MatrixCell = Option<(Status, Option<f64>, Option<f64>)>;

/// The trait × gene matrix: genes (rows) in order of (number of traits where prioritised,
/// descending; best −log10 p_SMR across traits, descending; symbol), and per trait the best
/// row's status and p_SMR (None where the trait has no row for the gene).
pub struct GeneMatrix {
    /// Trait names (columns).
    pub traits: Vec<String>,
    /// Gene symbols (rows).
    pub genes: Vec<String>,
    /// `cells[gene][trait]`: (status, p_SMR, log10 p_SMR).
    pub cells: Vec<Vec<MatrixCell>>,
}

impl GeneMatrix {
    /// Build from the per-trait results (a gene with several probes in a trait takes its best).
    pub fn build(results: &[TraitResult]) -> Self {
        let traits: Vec<String> = results.iter().map(|t| t.name.clone()).collect();
        let mut index: HashMap<String, usize> = HashMap::new();
        let mut genes: Vec<String> = Vec::new();
        let mut cells: Vec<Vec<MatrixCell>> = Vec::new();
        for (ti, t) in results.iter().enumerate() {
            // Rows are sorted by p, so the first row of a gene in a trait is its best.
            for g in &t.rows {
                let gi = *index.entry(g.symbol.clone()).or_insert_with(|| {
                    genes.push(g.symbol.clone());
                    cells.push(vec![None; traits.len()]);
                    genes.len() - 1
                });
                if cells[gi][ti].is_none() {
                    cells[gi][ti] = Some((g.status, g.row.p_smr, g.row.log10_p_smr()));
                }
            }
        }
        let key = |gi: usize| {
            let n_prio = cells[gi]
                .iter()
                .filter(|c| matches!(c, Some((Status::Prioritised, _, _))))
                .count();
            let best = cells[gi]
                .iter()
                .filter_map(|c| c.and_then(|(_, _, l)| l))
                .fold(f64::INFINITY, f64::min);
            (n_prio, best)
        };
        let mut order: Vec<usize> = (0..genes.len()).collect();
        order.sort_by(|&a, &b| {
            let (na, pa) = key(a);
            let (nb, pb) = key(b);
            nb.cmp(&na)
                .then(pa.total_cmp(&pb))
                .then_with(|| genes[a].cmp(&genes[b]))
        });
        GeneMatrix {
            traits,
            genes: order.iter().map(|&i| genes[i].clone()).collect(),
            cells: order.iter().map(|&i| cells[i].clone()).collect(),
        }
    }

    /// Number of traits in which gene `gi` is prioritised.
    pub fn n_prioritised(&self, gi: usize) -> usize {
        self.cells[gi]
            .iter()
            .filter(|c| matches!(c, Some((Status::Prioritised, _, _))))
            .count()
    }

    /// `PREFIX.gene_matrix.tsv` (statuses) or, with `p = true`, `PREFIX.gene_matrix_p.tsv`.
    pub fn to_tsv(&self, p: bool) -> String {
        let mut s = String::from("Gene\tn_traits_prioritised");
        for t in &self.traits {
            s.push('\t');
            s.push_str(t);
        }
        s.push('\n');
        for (gi, g) in self.genes.iter().enumerate() {
            s.push_str(g);
            s.push('\t');
            s.push_str(&self.n_prioritised(gi).to_string());
            for c in &self.cells[gi] {
                s.push('\t');
                match c {
                    None => s.push_str("NA"),
                    Some((st, pv, _)) => {
                        if p {
                            s.push_str(&opt_e6(*pv))
                        } else {
                            s.push_str(st.as_str())
                        }
                    }
                }
            }
            s.push('\n');
        }
        s
    }
}

/// `PREFIX.summary.json` (genes-output.md §7).
pub fn summary_json(s: &Settings, results: &[TraitResult], outputs: &[PathBuf]) -> String {
    let traits: Vec<serde_json::Value> = results
        .iter()
        .map(|t| {
            let counts: serde_json::Map<String, serde_json::Value> = t
                .counts
                .iter()
                .map(|(st, n)| (st.as_str().to_string(), serde_json::json!(n)))
                .collect();
            serde_json::json!({
                "trait": t.name,
                "files": t.files,
                "layout": t.kind,
                "rows_read": t.rows_read,
                "mhc_removed": t.mhc_removed,
                "denominator": t.denominator,
                "denominator_unit": if s.collapse == Collapse::Gene { "genes" } else { "probes" },
                "p_smr_threshold": t.threshold,
                "counts": counts,
            })
        })
        .collect();
    let v = serde_json::json!({
        "fastsmr_version": env!("CARGO_PKG_VERSION"),
        "command": std::env::args().collect::<Vec<_>>(),
        "settings": {
            "p_smr": s.correction.to_string(),
            "alpha": s.alpha,
            "p_heidi": s.heidi.p,
            "heidi_pass": if s.heidi.strict { "p_HEIDI > p_heidi" } else { "p_HEIDI >= p_heidi" },
            "heidi_na": "heidi_untested",
            "collapse": s.collapse,
            "build": s.build,
            "mhc": s.build.map(|b| { let (c, lo, hi) = b.mhc(); serde_json::json!({"chr": c, "start": lo, "end": hi}) }),
            "exclude_mhc": s.exclude_mhc,
            "protocol": s.protocol,
            "protocol_source": s.protocol_source,
            "gene_annot": s.gene_annot,
        },
        "traits": traits,
        "outputs": outputs,
    });
    let mut text = serde_json::to_string_pretty(&v).expect("JSON of plain values");
    text.push('\n');
    text
}

/// Every file of a run, rendered: `(path, bytes)` in a fixed order.
pub fn render_all(
    s: &Settings,
    results: &[TraitResult],
    _annot: Option<&GeneAnnot>,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    files.push((
        out_path(&s.out, "genes.tsv"),
        genes_tsv(results).into_bytes(),
    ));
    let matrix = GeneMatrix::build(results);
    files.push((
        out_path(&s.out, "gene_matrix.tsv"),
        matrix.to_tsv(false).into_bytes(),
    ));
    files.push((
        out_path(&s.out, "gene_matrix_p.tsv"),
        matrix.to_tsv(true).into_bytes(),
    ));
    let mut figures = Vec::new();
    if s.plots {
        figures = crate::plot::genes_figures(s, results, &matrix)?;
        for f in &figures {
            files.push((out_path(&s.out, &format!("{}.png", f.name)), f.png.clone()));
            files.push((
                out_path(&s.out, &format!("{}.svg", f.name)),
                f.svg.clone().into_bytes(),
            ));
        }
    }
    let mut outputs: Vec<PathBuf> = files.iter().map(|(p, _)| p.clone()).collect();
    let summary_path = out_path(&s.out, "summary.json");
    outputs.push(summary_path.clone());
    let report_path = out_path(&s.out, "report.html");
    if s.plots {
        outputs.push(report_path.clone());
    }
    outputs.push(out_path(&s.out, "log"));
    let summary = summary_json(s, results, &outputs);
    if s.plots {
        let html = crate::report_html::genes_report(s, results, &figures, &summary);
        files.push((report_path, html.into_bytes()));
    }
    files.push((summary_path, summary.into_bytes()));
    Ok(files)
}
