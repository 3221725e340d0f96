//! Typed reader of our own SMR result tables: the cis/trans `.smr` and the multi-SNP `.msmr`
//! (data-spec/formats.md §6.2–§6.4; layouts of the reference, SMR 1.3.1), read back as the
//! input of `fastsmr genes` and `fastsmr export`.
//!
//! Columns are found by name in the header, so the trans table (three extra columns), the
//! multi-SNP table (`p_SMR_multi`), the `targetSNP` variant and tables with appended columns are
//! all read. `NA`, `nan` and `-nan` read as missing. Every error names the file and the 1-based
//! line (header = line 1) and says what was expected.

use crate::error::{Error, Result};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Which SMR layout a table has (recognised from its header).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SmrKind {
    /// cis `.smr` (formats §6.2).
    Cis,
    /// trans `.smr` (formats §6.3): one row per (probe, trans region).
    Trans,
    /// multi-SNP `.msmr` (formats §6.4).
    Multi,
}

/// One row of an SMR table. Missing values (`NA`, `nan`) are `None`.
#[derive(Debug, Clone, PartialEq)]
pub struct SmrRow {
    /// 1-based line of the row in its file.
    pub line: u64,
    /// Probe ID.
    pub probe_id: String,
    /// Probe chromosome (`ProbeChr`; X = 23, Y = 24).
    pub probe_chr: Option<i32>,
    /// Gene name as in the table (`Gene`; eQTLGen tables hold Ensembl IDs here).
    pub gene: String,
    /// Probe position (`Probe_bp`).
    pub probe_bp: Option<i64>,
    /// Top (or target) SNP.
    pub top_snp: String,
    /// Chromosome of the top SNP.
    pub top_snp_chr: Option<i32>,
    /// Position of the top SNP.
    pub top_snp_bp: Option<i64>,
    /// Effect allele of every beta in the row.
    pub a1: String,
    /// Other allele.
    pub a2: String,
    /// Frequency of A1.
    pub freq: Option<f64>,
    /// GWAS effect of the top SNP, aligned to A1.
    pub b_gwas: Option<f64>,
    /// Its standard error.
    pub se_gwas: Option<f64>,
    /// GWAS p-value of the top SNP.
    pub p_gwas: Option<f64>,
    /// eQTL effect of the top SNP.
    pub b_eqtl: Option<f64>,
    /// Its standard error.
    pub se_eqtl: Option<f64>,
    /// eQTL p-value of the top SNP.
    pub p_eqtl: Option<f64>,
    /// SMR effect.
    pub b_smr: Option<f64>,
    /// Its standard error.
    pub se_smr: Option<f64>,
    /// SMR p-value (`0` when it underflowed in the writer).
    pub p_smr: Option<f64>,
    /// Multi-SNP SMR p-value (`.msmr` only).
    pub p_smr_multi: Option<f64>,
    /// HEIDI p-value.
    pub p_heidi: Option<f64>,
    /// Number of SNPs in HEIDI.
    pub nsnp_heidi: Option<u32>,
}

impl SmrRow {
    /// log10 of p_SMR that does not underflow: from the printed p when it is a normal positive
    /// number, else from z = b_SMR / se_SMR through the normal tail's asymptotic series
    /// (the writer prints `0.000000e+00` once χ² exceeds about 1417).
    pub fn log10_p_smr(&self) -> Option<f64> {
        match self.p_smr {
            Some(p) if p >= f64::MIN_POSITIVE => Some(p.log10()),
            Some(p) => match (self.b_smr, self.se_smr) {
                (Some(b), Some(se)) if se > 0.0 && (b / se).is_finite() => {
                    Some(log10_chisq1_tail_from_z(b / se))
                }
                _ if p == 0.0 => Some(f64::NEG_INFINITY),
                _ => Some(p.log10()),
            },
            None => None,
        }
    }
}

/// log10 of the χ²₁ upper tail at z² (two-sided normal p), valid for every |z|: exact through
/// erfc while the tail is a normal double, then `p = 2 φ(z)/z · (1 − 1/z² + 3/z⁴ − 15/z⁶)`.
pub fn log10_chisq1_tail_from_z(z: f64) -> f64 {
    let z = z.abs();
    let p = crate::stats::dist::chisq1_tail(z * z);
    if p >= 1e-300 {
        return p.log10();
    }
    let z2 = z * z;
    let series = 1.0 - 1.0 / z2 + 3.0 / (z2 * z2) - 15.0 / (z2 * z2 * z2);
    // ln p = ln 2 − z²/2 − ln(z √(2π)) + ln(series)
    let ln_p = std::f64::consts::LN_2 - z2 / 2.0 - (z * (2.0 * std::f64::consts::PI).sqrt()).ln()
        + series.ln();
    ln_p / std::f64::consts::LN_10
}

/// One SMR table read from a file.
#[derive(Debug, Clone)]
pub struct SmrTable {
    /// The file.
    pub path: PathBuf,
    /// Layout.
    pub kind: SmrKind,
    /// Rows in file order.
    pub rows: Vec<SmrRow>,
}

/// Column indexes of the fields we read.
struct Cols {
    probe_id: usize,
    probe_chr: usize,
    gene: usize,
    probe_bp: usize,
    top_snp: usize,
    top_snp_chr: usize,
    top_snp_bp: usize,
    a1: usize,
    a2: usize,
    freq: usize,
    b_gwas: usize,
    se_gwas: usize,
    p_gwas: usize,
    b_eqtl: usize,
    se_eqtl: usize,
    p_eqtl: usize,
    b_smr: usize,
    se_smr: usize,
    p_smr: usize,
    p_smr_multi: Option<usize>,
    p_heidi: usize,
    nsnp_heidi: usize,
}

/// The header columns every SMR table has (formats §6.2), `topSNP` standing for `targetSNP` too.
pub const REQUIRED_COLUMNS: [&str; 21] = [
    "probeID",
    "ProbeChr",
    "Gene",
    "Probe_bp",
    "topSNP",
    "topSNP_chr",
    "topSNP_bp",
    "A1",
    "A2",
    "Freq",
    "b_GWAS",
    "se_GWAS",
    "p_GWAS",
    "b_eQTL",
    "se_eQTL",
    "p_eQTL",
    "b_SMR",
    "se_SMR",
    "p_SMR",
    "p_HEIDI",
    "nsnp_HEIDI",
];

fn find_cols(header: &[&str], path: &Path) -> Result<(Cols, SmrKind)> {
    if !header.contains(&"probeID") || !header.contains(&"p_SMR") {
        return Err(Error::parse(
            path,
            1,
            format!(
                "not an SMR table: the header has no `probeID` and `p_SMR` columns \
                 (expected the .smr/.msmr header `{}`)",
                REQUIRED_COLUMNS.join(" ")
            ),
        ));
    }
    let find = |name: &str| -> Result<usize> {
        let alt = match name {
            "topSNP" => "targetSNP",
            "topSNP_chr" => "targetSNP_chr",
            "topSNP_bp" => "targetSNP_bp",
            _ => name,
        };
        header
            .iter()
            .position(|h| *h == name || *h == alt)
            .ok_or_else(|| {
                Error::parse(
                    path,
                    1,
                    format!("SMR table header lacks the column `{name}`"),
                )
            })
    };
    let cols = Cols {
        probe_id: find("probeID")?,
        probe_chr: find("ProbeChr")?,
        gene: find("Gene")?,
        probe_bp: find("Probe_bp")?,
        top_snp: find("topSNP")?,
        top_snp_chr: find("topSNP_chr")?,
        top_snp_bp: find("topSNP_bp")?,
        a1: find("A1")?,
        a2: find("A2")?,
        freq: find("Freq")?,
        b_gwas: find("b_GWAS")?,
        se_gwas: find("se_GWAS")?,
        p_gwas: find("p_GWAS")?,
        b_eqtl: find("b_eQTL")?,
        se_eqtl: find("se_eQTL")?,
        p_eqtl: find("p_eQTL")?,
        b_smr: find("b_SMR")?,
        se_smr: find("se_SMR")?,
        p_smr: find("p_SMR")?,
        p_smr_multi: header.iter().position(|h| *h == "p_SMR_multi"),
        p_heidi: find("p_HEIDI")?,
        nsnp_heidi: find("nsnp_HEIDI")?,
    };
    let kind = if cols.p_smr_multi.is_some() {
        SmrKind::Multi
    } else if header.contains(&"trans_chr") {
        SmrKind::Trans
    } else {
        SmrKind::Cis
    };
    Ok((cols, kind))
}

fn missing(tok: &str) -> bool {
    matches!(tok, "NA" | "nan" | "-nan" | "NaN" | "")
}

fn num(tok: &str, path: &Path, line: u64, col: &str) -> Result<Option<f64>> {
    if missing(tok) {
        return Ok(None);
    }
    tok.parse::<f64>().map(Some).map_err(|_| {
        Error::parse(
            path,
            line,
            format!("column `{col}`: expected a number or NA, found `{tok}`"),
        )
    })
}

fn int<T: std::str::FromStr>(tok: &str, path: &Path, line: u64, col: &str) -> Result<Option<T>> {
    if missing(tok) {
        return Ok(None);
    }
    tok.parse::<T>().map(Some).map_err(|_| {
        Error::parse(
            path,
            line,
            format!("column `{col}`: expected a whole number or NA, found `{tok}`"),
        )
    })
}

fn chrom(tok: &str, path: &Path, line: u64, col: &str) -> Result<Option<i32>> {
    match tok {
        "X" | "x" => Ok(Some(23)),
        "Y" | "y" => Ok(Some(24)),
        _ => int::<i32>(tok, path, line, col),
    }
}

fn prob(tok: &str, path: &Path, line: u64, col: &str) -> Result<Option<f64>> {
    let v = num(tok, path, line, col)?;
    if let Some(p) = v {
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::parse(
                path,
                line,
                format!("column `{col}`: a p-value must lie in [0, 1], found `{tok}`"),
            ));
        }
    }
    Ok(v)
}

/// Read an SMR table (`.smr` or `.msmr`; gzip recognised by its magic bytes).
pub fn read_smr_table(path: &Path) -> Result<SmrTable> {
    let file = std::fs::File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let mut buf = BufReader::new(file);
    let gz = buf
        .fill_buf()
        .map_err(|e| Error::read(path, e))?
        .starts_with(&[0x1f, 0x8b]);
    let reader: Box<dyn Read> = if gz {
        Box::new(flate2::read::MultiGzDecoder::new(buf))
    } else {
        Box::new(buf)
    };
    read_smr_from(BufReader::new(reader), path)
}

/// Read an SMR table from any reader; `path` names it in errors.
pub fn read_smr_from<R: BufRead>(mut reader: R, path: &Path) -> Result<SmrTable> {
    let mut line = String::new();
    let n = reader
        .read_line(&mut line)
        .map_err(|e| Error::read(path, e))?;
    if n == 0 {
        return Err(Error::parse(
            path,
            1,
            "empty file: expected an SMR table header",
        ));
    }
    let header_line = line.trim_end_matches(['\n', '\r']).to_string();
    let header: Vec<&str> = header_line.split('\t').collect();
    let (c, kind) = find_cols(&header, path)?;
    let ncol = header.len();
    let mut rows = Vec::new();
    let mut lineno = 1u64;
    loop {
        line.clear();
        let n = reader
            .read_line(&mut line)
            .map_err(|e| Error::read(path, e))?;
        if n == 0 {
            break;
        }
        lineno += 1;
        let text = line.trim_end_matches(['\n', '\r']);
        if text.is_empty() {
            continue;
        }
        let f: Vec<&str> = text.split('\t').collect();
        if f.len() != ncol {
            return Err(Error::parse(
                path,
                lineno,
                format!(
                    "expected {ncol} tab-separated fields as in the header, found {}",
                    f.len()
                ),
            ));
        }
        let p = path;
        let l = lineno;
        rows.push(SmrRow {
            line: l,
            probe_id: f[c.probe_id].to_string(),
            probe_chr: chrom(f[c.probe_chr], p, l, "ProbeChr")?,
            gene: f[c.gene].to_string(),
            probe_bp: int(f[c.probe_bp], p, l, "Probe_bp")?,
            top_snp: f[c.top_snp].to_string(),
            top_snp_chr: chrom(f[c.top_snp_chr], p, l, "topSNP_chr")?,
            top_snp_bp: int(f[c.top_snp_bp], p, l, "topSNP_bp")?,
            a1: f[c.a1].to_string(),
            a2: f[c.a2].to_string(),
            freq: num(f[c.freq], p, l, "Freq")?,
            b_gwas: num(f[c.b_gwas], p, l, "b_GWAS")?,
            se_gwas: num(f[c.se_gwas], p, l, "se_GWAS")?,
            p_gwas: prob(f[c.p_gwas], p, l, "p_GWAS")?,
            b_eqtl: num(f[c.b_eqtl], p, l, "b_eQTL")?,
            se_eqtl: num(f[c.se_eqtl], p, l, "se_eQTL")?,
            p_eqtl: prob(f[c.p_eqtl], p, l, "p_eQTL")?,
            b_smr: num(f[c.b_smr], p, l, "b_SMR")?,
            se_smr: num(f[c.se_smr], p, l, "se_SMR")?,
            p_smr: prob(f[c.p_smr], p, l, "p_SMR")?,
            p_smr_multi: match c.p_smr_multi {
                Some(i) => prob(f[i], p, l, "p_SMR_multi")?,
                None => None,
            },
            p_heidi: prob(f[c.p_heidi], p, l, "p_HEIDI")?,
            nsnp_heidi: int(f[c.nsnp_heidi], p, l, "nsnp_HEIDI")?,
        });
    }
    Ok(SmrTable {
        path: path.to_path_buf(),
        kind,
        rows,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI\n";

    fn read(text: &str) -> Result<SmrTable> {
        read_smr_from(std::io::Cursor::new(text.as_bytes()), Path::new("t.smr"))
    }

    #[test]
    fn reads_the_verified_example_row() {
        // formats.md §6.2's verified row.
        let t = read(&format!("{HEADER}P1\t1\tGENE1\t1060000\trs1010\t1\t1040000\tC\tA\t0.666667\t-0.230975\t0.0302388\t2.200110e-14\t-0.559889\t0.0642526\t2.936540e-18\t0.412537\t0.0718209\t9.248183e-09\t4.118040e-01\t9\n")).unwrap();
        assert_eq!(t.kind, SmrKind::Cis);
        let r = &t.rows[0];
        assert_eq!(r.probe_id, "P1");
        assert_eq!(r.line, 2);
        assert_eq!(r.p_smr, Some(9.248183e-09));
        assert_eq!(r.p_heidi, Some(0.411804));
        assert_eq!(r.nsnp_heidi, Some(9));
    }

    #[test]
    fn na_is_missing_and_bad_number_names_line_and_column() {
        let ok = read(&format!("{HEADER}P1\t1\tG\t1\trs1\t1\t1\tC\tA\t0.5\t0.1\t0.1\t0.3\t1\t0.1\t1e-20\t0.1\t0.1\t0.3\tNA\tNA\n")).unwrap();
        assert_eq!(ok.rows[0].p_heidi, None);
        assert_eq!(ok.rows[0].nsnp_heidi, None);
        let e = read(&format!("{HEADER}P1\t1\tG\t1\trs1\t1\t1\tC\tA\t0.5\t0.1\t0.1\t0.3\t1\t0.1\t1e-20\t0.1\t0.1\tzero\tNA\tNA\n")).unwrap_err().to_string();
        assert!(
            e.contains("t.smr, line 2") && e.contains("p_SMR") && e.contains("zero"),
            "{e}"
        );
        let e = read(&format!("{HEADER}P1\t1\tG\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("expected 21"), "{e}");
    }

    #[test]
    fn rejects_tables_that_are_not_smr() {
        let e = read("SNP\tA1\tA2\tfreq\tb\tse\tp\tn\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 1") && e.contains("not an SMR table"),
            "{e}"
        );
        let h = HEADER.replace("\tp_HEIDI", "");
        let e = read(&h).unwrap_err().to_string();
        assert!(e.contains("lacks the column `p_HEIDI`"), "{e}");
    }

    #[test]
    fn log10_p_does_not_underflow() {
        // Reference values: log10 of the two-sided normal tail, from mpmath
        // (mp.log10(mp.erfc(z/mp.sqrt(2)))) at 50 digits.
        for (z, want) in [
            (5.0_f64, -6.24161567672667),
            (40.0, -349.135976463682),
            (100.0, -2173.57051287337),
        ] {
            let got = log10_chisq1_tail_from_z(z);
            assert!(
                (got - want).abs() < 1e-9 * want.abs(),
                "z={z}: {got} vs {want}"
            );
        }
    }
}
