//! The `--plot` data file (formats §7.1, data-spec/plot-file.md): blocks `$probe`, `$SNP`,
//! `$GWAS`, `$eQTL` and (with a 5-column gene list) `$Gene`, single-space separated.

use crate::output::format::{push_e6, push_g6};
use crate::stats::heidi::HeidiOutcome;
use crate::types::{Bp, Chrom};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// One line of a `--gene-list` file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Gene {
    /// Chromosome (`X` → 23, `Y` → 24, else the leading integer).
    pub chr: Chrom,
    /// Start.
    pub start: Bp,
    /// End.
    pub end: Bp,
    /// Gene name.
    pub name: String,
    /// Strand as written (5-column lists only).
    pub strand: Option<String>,
}

/// A `$probe` row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotProbe<'a> {
    /// Probe ID.
    pub probe: &'a str,
    /// Probe chromosome.
    pub chr: Chrom,
    /// Probe position.
    pub bp: Bp,
    /// Gene name (`.epi`).
    pub gene: &'a str,
    /// Start and end of that gene in the gene list (`NA` when absent).
    pub gene_span: Option<(Bp, Bp)>,
    /// Orientation (`.epi`).
    pub orientation: char,
    /// p_SMR.
    pub p_smr: f64,
    /// HEIDI (None when not run).
    pub heidi: Option<HeidiOutcome>,
}

/// A `$SNP` row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSnp<'a> {
    /// SNP ID.
    pub snp: &'a str,
    /// Position.
    pub bp: Bp,
    /// Allele 1.
    pub a1: &'a str,
    /// Allele 2.
    pub a2: &'a str,
}

/// A `$GWAS` row (b aligned to the `.esi` A1 where the SNP is there with swapped alleles).
#[derive(Debug, Clone, PartialEq)]
pub struct PlotGwas<'a> {
    /// SNP ID.
    pub snp: &'a str,
    /// Effect.
    pub b: f64,
    /// Standard error.
    pub se: f64,
}

/// One row of an `$eQTL` group.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotEqtl<'a> {
    /// SNP ID.
    pub snp: &'a str,
    /// Stored effect.
    pub b: f32,
    /// Stored standard error.
    pub se: f32,
    /// Signed LD r with the top SNP of the probe's final HEIDI list (`NA` off that list).
    pub ld: Option<f64>,
}

/// An `$eQTL` group: a probe and its rows.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotGroup<'a> {
    /// Probe ID.
    pub probe: &'a str,
    /// Rows, in stored order.
    pub rows: Vec<PlotEqtl<'a>>,
}

/// Everything the file holds.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotData<'a> {
    /// The target probe (`--probe`).
    pub target: &'a str,
    /// The chromosome of the plot (printed for every `$SNP` row).
    pub chr: Chrom,
    /// `$probe` rows.
    pub probes: Vec<PlotProbe<'a>>,
    /// `$SNP` rows, in the insertion order of formats §7.1 (sorted when written).
    pub snps: Vec<PlotSnp<'a>>,
    /// `$GWAS` rows.
    pub gwas: Vec<PlotGwas<'a>>,
    /// `$eQTL` groups.
    pub groups: Vec<PlotGroup<'a>>,
    /// `$Gene` rows; `None` for a 4-column gene list (no block).
    pub genes: Option<Vec<&'a Gene>>,
}

/// The order in which `$SNP` rows are written: by position ascending, ties in reverse
/// insertion order (algorithm-2 §16.4).
pub fn snp_order(bps: &[Bp]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..bps.len()).collect();
    order.sort_by(|&a, &b| bps[a].cmp(&bps[b]).then(b.cmp(&a)));
    order
}

/// G6 of a float32 value promoted.
fn g6f(out: &mut String, x: f32) {
    push_g6(out, f64::from(x));
}

impl PlotData<'_> {
    /// The file's text.
    pub fn render(&self) -> String {
        let mut o = String::with_capacity(64 * (self.snps.len() + self.gwas.len() + 16));
        let _ = writeln!(o, "$probe {} {}", self.probes.len(), self.target);
        for p in &self.probes {
            let _ = write!(o, "{} {} {} {} ", p.probe, p.chr, p.bp, p.gene);
            match p.gene_span {
                Some((s, e)) => {
                    let _ = write!(o, "{s} {e} ");
                }
                None => o.push_str("NA NA "),
            }
            let _ = write!(o, "{} ", p.orientation);
            push_e6(&mut o, p.p_smr);
            o.push(' ');
            match p.heidi {
                Some(HeidiOutcome::Tested { p, .. }) if p >= 0.0 => push_e6(&mut o, p),
                _ => o.push_str("NA"),
            }
            o.push('\n');
        }
        let _ = writeln!(o, "$SNP {}", self.snps.len());
        let bps: Vec<Bp> = self.snps.iter().map(|s| s.bp).collect();
        for i in snp_order(&bps) {
            let s = &self.snps[i];
            let _ = writeln!(o, "{} {} {} {} {}", s.snp, self.chr, s.bp, s.a1, s.a2);
        }
        let _ = writeln!(o, "$GWAS {}", self.gwas.len());
        for g in &self.gwas {
            let _ = write!(o, "{} ", g.snp);
            g6f(&mut o, g.b as f32);
            o.push(' ');
            g6f(&mut o, g.se as f32);
            o.push('\n');
        }
        let _ = writeln!(o, "$eQTL {}", self.groups.len());
        for g in &self.groups {
            let _ = writeln!(o, "{} {}", g.probe, g.rows.len());
            for r in &g.rows {
                let _ = write!(o, "{} ", r.snp);
                g6f(&mut o, r.b);
                o.push(' ');
                g6f(&mut o, r.se);
                o.push(' ');
                match r.ld {
                    Some(v) => push_g6(&mut o, v),
                    None => o.push_str("NA"),
                }
                o.push('\n');
            }
        }
        if let Some(genes) = &self.genes {
            let _ = writeln!(o, "$Gene {}", genes.len());
            for g in genes {
                let _ = writeln!(
                    o,
                    "{} {} {} {} {}",
                    g.chr,
                    g.start,
                    g.end,
                    g.name,
                    g.strand.as_deref().unwrap_or("")
                );
            }
        }
        o
    }
}

/// Where the file goes: `<dir>plot/<base>.<probe>.txt`, `<dir>` being `out` up to its last
/// `/` (the current directory when none) and `<base>` the rest (algorithm-2 §16.6).
pub fn plot_path(out: &Path, probe: &str) -> PathBuf {
    let dir = out.parent().filter(|d| !d.as_os_str().is_empty());
    let base = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let plot_dir = match dir {
        Some(d) => d.join("plot"),
        None => PathBuf::from("plot"),
    };
    plot_dir.join(format!("{base}.{probe}.txt"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snp_rows_sort_by_position_ties_in_reverse_insertion_order() {
        // Positions 30, 10, 20, 10, 10: the three 10s (inserted at 1, 3, 4) come out 4, 3, 1.
        assert_eq!(snp_order(&[30, 10, 20, 10, 10]), vec![4, 3, 1, 2, 0]);
    }

    #[test]
    fn file_goes_to_a_plot_directory_next_to_out() {
        assert_eq!(
            plot_path(Path::new("expected/plot/out"), "P1"),
            PathBuf::from("expected/plot/plot/out.P1.txt")
        );
        assert_eq!(
            plot_path(Path::new("smr"), "P1"),
            PathBuf::from("plot/smr.P1.txt")
        );
    }

    #[test]
    fn rows_print_as_the_reference_does() {
        let gene = Gene {
            chr: 1,
            start: 100,
            end: 200,
            name: "G".into(),
            strand: Some("+".into()),
        };
        let d = PlotData {
            target: "P1",
            chr: 1,
            probes: vec![PlotProbe {
                probe: "P1",
                chr: 1,
                bp: 150,
                gene: "G",
                gene_span: None,
                orientation: '+',
                p_smr: 8.866317e-04,
                heidi: Some(HeidiOutcome::TooFewSignificant),
            }],
            snps: vec![
                PlotSnp {
                    snp: "rs2",
                    bp: 20,
                    a1: "A",
                    a2: "G",
                },
                PlotSnp {
                    snp: "rs1",
                    bp: 10,
                    a1: "C",
                    a2: "T",
                },
            ],
            gwas: vec![PlotGwas {
                snp: "rs1",
                b: -0.00556069,
                se: 0.00383609,
            }],
            groups: vec![PlotGroup {
                probe: "P1",
                rows: vec![PlotEqtl {
                    snp: "rs1",
                    b: 0.0241756,
                    se: 0.0128451,
                    ld: Some(1.0),
                }],
            }],
            genes: Some(vec![&gene]),
        };
        assert_eq!(
            d.render(),
            "$probe 1 P1\nP1 1 150 G NA NA + 8.866317e-04 NA\n$SNP 2\nrs1 1 10 C T\n\
             rs2 1 20 A G\n$GWAS 1\nrs1 -0.00556069 0.00383609\n$eQTL 1\nP1 1\n\
             rs1 0.0241756 0.0128451 1\n$Gene 1\n1 100 200 G +\n"
        );
    }
}
