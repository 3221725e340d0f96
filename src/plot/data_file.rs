//! Reader of SMR's `--plot` data file (single-omics; data-spec formats.md §7.1,
//! algorithm-2.md §16.4): `$probe`, `$SNP`, `$GWAS`, `$eQTL` (groups) and the optional `$Gene`
//! block, single-space separated. Errors name the file and the line.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// A `$probe` row: an SMR result in the window.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotProbe {
    /// Probe ID.
    pub id: String,
    /// Chromosome.
    pub chr: i32,
    /// Probe bp.
    pub bp: i64,
    /// Gene name.
    pub gene: String,
    /// Gene start (NA when the gene is not in the gene list).
    pub gene_start: Option<i64>,
    /// Gene end.
    pub gene_end: Option<i64>,
    /// Orientation.
    pub orientation: String,
    /// p_SMR.
    pub p_smr: Option<f64>,
    /// p_HEIDI.
    pub p_heidi: Option<f64>,
}

/// A `$SNP` row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSnp {
    /// Chromosome.
    pub chr: i32,
    /// bp.
    pub bp: i64,
    /// Allele all betas refer to (the .esi A1 for eQTL SNPs).
    pub a1: String,
    /// Other allele.
    pub a2: String,
}

/// One SNP effect (a `$GWAS` row or a row of an `$eQTL` group).
#[derive(Debug, Clone, PartialEq)]
pub struct Effect {
    /// SNP ID.
    pub snp: String,
    /// Effect.
    pub b: f64,
    /// Standard error.
    pub se: f64,
    /// Signed LD r with the HEIDI top SNP (eQTL rows only; NA for SNPs not in HEIDI).
    pub ld: Option<f64>,
}

/// A `$Gene` row.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotGene {
    /// Chromosome.
    pub chr: i32,
    /// Start bp.
    pub start: i64,
    /// End bp.
    pub end: i64,
    /// Name.
    pub name: String,
    /// Strand.
    pub strand: String,
}

/// The whole file.
#[derive(Debug, Clone)]
pub struct PlotData {
    /// The file.
    pub path: PathBuf,
    /// Target probe ID (from the `$probe` header).
    pub target: String,
    /// `$probe` rows.
    pub probes: Vec<PlotProbe>,
    /// `$SNP` rows keyed by SNP ID (first row wins).
    pub snps: HashMap<String, PlotSnp>,
    /// `$GWAS` rows.
    pub gwas: Vec<Effect>,
    /// `$eQTL` groups: (probe ID, rows).
    pub eqtl: Vec<(String, Vec<Effect>)>,
    /// `$Gene` rows (empty when the block is absent).
    pub genes: Vec<PlotGene>,
}

impl PlotData {
    /// The target probe's `$probe` row.
    pub fn target_probe(&self) -> Option<&PlotProbe> {
        self.probes.iter().find(|p| p.id == self.target)
    }

    /// The eQTL group of `probe`.
    pub fn eqtl_of(&self, probe: &str) -> Option<&[Effect]> {
        self.eqtl
            .iter()
            .find(|(p, _)| p == probe)
            .map(|(_, v)| v.as_slice())
    }
}

struct Lines<R> {
    inner: std::io::Lines<R>,
    no: u64,
    path: PathBuf,
}

impl<R: BufRead> Lines<R> {
    fn next(&mut self, what: &str) -> Result<String> {
        match self.inner.next() {
            Some(Ok(l)) => {
                self.no += 1;
                Ok(l.trim_end_matches('\r').to_string())
            }
            Some(Err(e)) => Err(Error::read(&self.path, e)),
            None => Err(Error::parse(
                &self.path,
                self.no + 1,
                format!("file ends early: expected {what}"),
            )),
        }
    }
    fn err(&self, msg: impl Into<String>) -> Error {
        Error::parse(&self.path, self.no, msg)
    }
}

fn header<R: BufRead>(l: &mut Lines<R>, tag: &str) -> Result<(usize, Vec<String>)> {
    let line = l.next(&format!("the `{tag}` block"))?;
    let f: Vec<&str> = line.split_whitespace().collect();
    if f.first() != Some(&tag) {
        if f.first().is_some_and(|t| *t == "$eprobe") {
            return Err(l.err(
                "a multi-omics plot file ($eprobe/$mprobe); only single-omics files are supported",
            ));
        }
        return Err(l.err(format!(
            "expected the block header `{tag} <count>`, found `{line}` (not an SMR --plot data file?)"
        )));
    }
    let n = f
        .get(1)
        .and_then(|t| t.parse::<usize>().ok())
        .ok_or_else(|| l.err(format!("`{tag}`: expected a row count")))?;
    Ok((n, f[2..].iter().map(|s| s.to_string()).collect()))
}

fn fields<R: BufRead>(l: &mut Lines<R>, what: &str, n: usize) -> Result<Vec<String>> {
    let line = l.next(what)?;
    let f: Vec<String> = line.split_whitespace().map(str::to_string).collect();
    if f.len() != n {
        return Err(l.err(format!(
            "{what}: expected {n} space-separated fields, found {}",
            f.len()
        )));
    }
    Ok(f)
}

fn num<R: BufRead>(l: &Lines<R>, t: &str, col: &str) -> Result<f64> {
    t.parse::<f64>()
        .map_err(|_| l.err(format!("{col}: expected a number, found `{t}`")))
}

fn opt_num<R: BufRead>(l: &Lines<R>, t: &str, col: &str) -> Result<Option<f64>> {
    if t == "NA" || t == "nan" || t == "-nan" {
        Ok(None)
    } else {
        num(l, t, col).map(Some)
    }
}

fn int<R: BufRead>(l: &Lines<R>, t: &str, col: &str) -> Result<i64> {
    t.parse::<i64>()
        .map_err(|_| l.err(format!("{col}: expected a whole number, found `{t}`")))
}

fn effects<R: BufRead>(
    l: &mut Lines<R>,
    n: usize,
    with_ld: bool,
    what: &str,
) -> Result<Vec<Effect>> {
    let mut v = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let f = fields(l, what, if with_ld { 4 } else { 3 })?;
        v.push(Effect {
            snp: f[0].clone(),
            b: num(l, &f[1], "b")?,
            se: num(l, &f[2], "se")?,
            ld: if with_ld {
                opt_num(l, &f[3], "LD r")?
            } else {
                None
            },
        });
    }
    Ok(v)
}

/// Read a single-omics `--plot` data file.
pub fn read_plot_file(path: &Path) -> Result<PlotData> {
    let f = std::fs::File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    read_plot_from(std::io::BufReader::new(f), path)
}

/// Read from any reader; `path` names it in errors.
pub fn read_plot_from<R: BufRead>(r: R, path: &Path) -> Result<PlotData> {
    let mut l = Lines {
        inner: r.lines(),
        no: 0,
        path: path.to_path_buf(),
    };
    let (n, rest) = header(&mut l, "$probe")?;
    let target = rest
        .first()
        .cloned()
        .ok_or_else(|| l.err("`$probe`: expected the target probe ID after the count"))?;
    let mut probes = Vec::new();
    for _ in 0..n {
        let f = fields(&mut l, "a $probe row", 9)?;
        probes.push(PlotProbe {
            id: f[0].clone(),
            chr: int(&l, &f[1], "chr")? as i32,
            bp: int(&l, &f[2], "bp")?,
            gene: f[3].clone(),
            gene_start: if f[4] == "NA" {
                None
            } else {
                Some(int(&l, &f[4], "gene start")?)
            },
            gene_end: if f[5] == "NA" {
                None
            } else {
                Some(int(&l, &f[5], "gene end")?)
            },
            orientation: f[6].clone(),
            p_smr: opt_num(&l, &f[7], "p_SMR")?,
            p_heidi: opt_num(&l, &f[8], "p_HEIDI")?,
        });
    }
    let (n, _) = header(&mut l, "$SNP")?;
    let mut snps = HashMap::new();
    for _ in 0..n {
        let f = fields(&mut l, "a $SNP row", 5)?;
        let s = PlotSnp {
            chr: int(&l, &f[1], "chr")? as i32,
            bp: int(&l, &f[2], "bp")?,
            a1: f[3].clone(),
            a2: f[4].clone(),
        };
        snps.entry(f[0].clone()).or_insert(s);
    }
    let (n, _) = header(&mut l, "$GWAS")?;
    let gwas = effects(&mut l, n, false, "a $GWAS row")?;
    let (k, _) = header(&mut l, "$eQTL")?;
    let mut eqtl = Vec::new();
    for _ in 0..k {
        let f = fields(&mut l, "an $eQTL group header `<probe> <count>`", 2)?;
        let c = int(&l, &f[1], "eQTL group count")?;
        if c < 0 {
            return Err(l.err("eQTL group count must not be negative"));
        }
        let rows = effects(&mut l, c as usize, true, "an $eQTL row")?;
        eqtl.push((f[0].clone(), rows));
    }
    let mut genes = Vec::new();
    loop {
        match l.inner.next() {
            None => break,
            Some(Err(e)) => return Err(Error::read(path, e)),
            Some(Ok(line)) => {
                l.no += 1;
                let t = line.trim();
                if t.is_empty() {
                    continue;
                }
                let f: Vec<&str> = t.split_whitespace().collect();
                if f[0] != "$Gene" || f.len() < 2 {
                    return Err(l.err(format!(
                        "expected `$Gene <count>` or the end of the file, found `{t}`"
                    )));
                }
                let n = int(&l, f[1], "$Gene count")?;
                for _ in 0..n.max(0) {
                    let f = fields(&mut l, "a $Gene row", 5)?;
                    genes.push(PlotGene {
                        chr: int(&l, &f[0], "chr")? as i32,
                        start: int(&l, &f[1], "start")?,
                        end: int(&l, &f[2], "end")?,
                        name: f[3].clone(),
                        strand: f[4].clone(),
                    });
                }
            }
        }
    }
    Ok(PlotData {
        path: path.to_path_buf(),
        target,
        probes,
        snps,
        gwas,
        eqtl,
        genes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINI: &str = "$probe 1 P1\nP1 1 1000 G1 900 1100 + 1.000000e-05 NA\n$SNP 2\nrs1 1 950 A G\nrs2 1 1050 C T\n$GWAS 2\nrs1 0.1 0.01\nrs2 -0.2 0.02\n$eQTL 1\nP1 2\nrs1 0.5 0.05 1\nrs2 0.3 0.05 NA\n$Gene 1\n1 900 1100 G1 +\n";

    #[test]
    fn reads_every_block() {
        let d = read_plot_from(std::io::Cursor::new(MINI), Path::new("p.txt")).unwrap();
        assert_eq!(d.target, "P1");
        assert_eq!(d.probes[0].p_heidi, None);
        assert_eq!(d.snps["rs2"].bp, 1050);
        assert_eq!(d.gwas[1].b, -0.2);
        assert_eq!(d.eqtl[0].1[0].ld, Some(1.0));
        assert_eq!(d.eqtl[0].1[1].ld, None);
        assert_eq!(d.genes[0].name, "G1");
    }

    #[test]
    fn errors_name_the_line() {
        let bad = MINI.replace("rs2 -0.2 0.02", "rs2 -0.2");
        let e = read_plot_from(std::io::Cursor::new(bad), Path::new("p.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.txt, line 8") && e.contains("expected 3"),
            "{e}"
        );
        let e = read_plot_from(std::io::Cursor::new("probeID\tGene\n"), Path::new("p.txt"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("not an SMR --plot data file"),
            "{e}"
        );
        let cut: String = MINI.lines().take(5).map(|l| format!("{l}\n")).collect();
        let e = read_plot_from(std::io::Cursor::new(cut), Path::new("p.txt"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("file ends early"), "{e}");
    }
}
