//! Other QTL tools' outputs → BESD (data-spec/besd-tools.md §formats; the reference's §18):
//! FastQTL, QTLtools and Matrix eQTL single files (`--eqtl-summary`), and PLINK `.qassoc`,
//! GEMMA and BOLT-LMM per-probe files listed in an `--eqtl-flist`.

use crate::besd_tools::esd::{text_row, FlistLine, TextRow, P_ZERO};
use crate::besd_tools::make::finish;
use crate::besd_tools::settings::Settings;
use crate::besd_tools::triplet::{Layout, TextStyle};
use crate::besd_tools::{Dataset, Probe, Snp, UNKNOWN};
use crate::error::{Error, Result};
use crate::io::besd::BesdEntry;
use crate::io::plink::read_bim;
use crate::io::source::open_text;
use crate::io::text::{is_na, parse_opt_f64, split_t1, upper, LineReader};
use crate::log::RunLog;
use crate::stats::dist::qchisq1_upper;
use crate::types::Chrom;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Layouts of a single `--eqtl-summary` file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ToolFormat {
    /// FastQTL nominal pass: `probe SNP distance p beta`, no header.
    FastqtlNominal,
    /// FastQTL permutation pass: 11 columns, no header.
    FastqtlPermu,
    /// QTLtools nominal pass: 14 columns, no header.
    QtltoolsNominal,
    /// QTLtools permutation pass: 19 columns, no header.
    QtltoolsPermu,
    /// Matrix eQTL: header `SNP gene beta t-stat p-value [FDR]`.
    MatrixEqtl,
}

/// Layouts of the per-probe files of an `--eqtl-flist`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FlistFormat {
    /// SMR `.esd` (the default).
    Esd,
    /// PLINK `.qassoc`; alleles from the flist's 8th column (a PLINK prefix).
    PlinkQassoc,
    /// GEMMA `.assoc.txt`.
    Gemma,
    /// BOLT-LMM statistics.
    Bolt,
}

/// Column numbers (0-based) of a tool layout: count, probe, SNP, beta, p.
struct Cols {
    n: usize,
    probe: usize,
    snp: usize,
    beta: usize,
    p: usize,
    qtltools: bool,
}

fn cols(t: ToolFormat) -> Cols {
    let c = |n, probe, snp, beta, p, qtltools| Cols {
        n,
        probe,
        snp,
        beta,
        p,
        qtltools,
    };
    match t {
        ToolFormat::FastqtlNominal => c(5, 0, 1, 4, 3, false),
        ToolFormat::FastqtlPermu => c(11, 0, 5, 8, 7, false),
        ToolFormat::QtltoolsNominal => c(14, 0, 7, 12, 11, true),
        ToolFormat::QtltoolsPermu => c(19, 0, 7, 16, 15, true),
        ToolFormat::MatrixEqtl => c(6, 1, 0, 2, 4, false),
    }
}

/// SE "rule B" of the tool layouts (data-spec/besd-tools.md §formats): 1e10 at p = 1, else
/// `|beta| / sqrt(qχ²₁(p))`; p = 0 is taken as 2.2e-308 (the reference stores NaN there,
/// data-spec/deviations.md).
pub fn se_rule_b(beta: f64, p: f64) -> f64 {
    if p == 1.0 {
        return 1e10;
    }
    let p = if p == 0.0 { P_ZERO } else { p };
    beta.abs() / qchisq1_upper(p).sqrt()
}

fn tool_chrom(t: &str, path: &Path, line: u64) -> Result<Chrom> {
    let rest = match t.get(..3) {
        Some(p) if p.eq_ignore_ascii_case("chr") => &t[3..],
        _ => t,
    };
    crate::io::text::decode_chrom(rest)
        .filter(|&c| c > 0)
        .ok_or_else(|| {
            Error::parse(
                path,
                line,
                format!("chromosome '{t}': expected 1-22, X or Y"),
            )
        })
}

fn mid(a: &str, b: &str, path: &Path, line: u64) -> Result<i64> {
    let x: i64 = a
        .parse()
        .map_err(|_| Error::parse(path, line, format!("position '{a}': expected an integer")))?;
    let y: i64 = b
        .parse()
        .map_err(|_| Error::parse(path, line, format!("position '{b}': expected an integer")))?;
    Ok((x + y).div_euclid(2))
}

/// Read one `--eqtl-summary` file of layout `t` into a dataset: SNPs and probes in
/// first-appearance order, each probe's entries in input order.
pub fn read_tool(path: &Path, t: ToolFormat) -> Result<Dataset> {
    let mut c = cols(t);
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut header = t != ToolFormat::MatrixEqtl;
    let mut snps: Vec<Snp> = Vec::new();
    let mut snp_ix: HashMap<String, u32> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut probe_ix: HashMap<String, usize> = HashMap::new();
    let mut values: Vec<Vec<BesdEntry>> = Vec::new();
    let mut pairs: HashSet<(u32, usize)> = HashSet::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let f: Vec<&str> = split_t1(bytes).collect();
        if f.is_empty() {
            continue;
        }
        if !header {
            if upper(f[0]) != "SNP" || !(5..=7).contains(&f.len()) {
                return Err(Error::parse(
                    path,
                    line,
                    "expected the Matrix eQTL header 'SNP gene beta t-stat p-value [FDR]'",
                ));
            }
            c.n = if f.len() == 5 { 5 } else { 6 };
            header = true;
            continue;
        }
        if f.len() != c.n {
            return Err(Error::parse(
                path,
                line,
                format!("expected {} columns, found {}", c.n, f.len()),
            ));
        }
        if is_na(f[c.snp]) || is_na(f[c.probe]) {
            return Err(Error::parse(path, line, "the SNP or the probe is NA"));
        }
        let beta = parse_opt_f64(f[c.beta], path, line, "beta")?;
        let p = parse_opt_f64(f[c.p], path, line, "p")?;
        let (Some(b), Some(p)) = (beta, p) else {
            continue;
        };
        if !(0.0..=1.0).contains(&p) {
            return Err(Error::parse(
                path,
                line,
                format!("p-value {p}: expected a number from 0 to 1"),
            ));
        }
        let (pchr, pbp, strand, schr, sbp) = if c.qtltools {
            (
                tool_chrom(f[1], path, line)?,
                mid(f[2], f[3], path, line)?,
                f[4].chars().next().unwrap_or('N').to_string(),
                tool_chrom(f[8], path, line)?,
                mid(f[9], f[10], path, line)?,
            )
        } else {
            (
                UNKNOWN as Chrom,
                UNKNOWN,
                "NA".to_string(),
                UNKNOWN as Chrom,
                UNKNOWN,
            )
        };
        let n = snps.len() as u32;
        let si = *snp_ix.entry(f[c.snp].to_string()).or_insert_with(|| {
            snps.push(Snp {
                chr: schr,
                id: f[c.snp].to_string(),
                gd: "0".into(),
                bp: sbp,
                a1: "NA".into(),
                a2: "NA".into(),
                freq: None,
            });
            n
        });
        let np = probes.len();
        let pi = *probe_ix.entry(f[c.probe].to_string()).or_insert_with(|| {
            probes.push(Probe {
                chr: pchr,
                id: f[c.probe].to_string(),
                gd: "0".into(),
                bp: pbp,
                gene: "NA".into(),
                orient: strand.clone(),
            });
            values.push(Vec::new());
            np
        });
        if !pairs.insert((si, pi)) {
            return Err(Error::parse(
                path,
                line,
                format!("SNP {} and probe {} are listed twice", f[c.snp], f[c.probe]),
            ));
        }
        values[pi].push(BesdEntry {
            snp: si,
            beta: b as f32,
            se: se_rule_b(b, p) as f32,
        });
    }
    if !header {
        return Err(Error::format(
            path,
            "empty: expected the Matrix eQTL header",
        ));
    }
    Ok(Dataset {
        snps,
        probes,
        values,
        sample_size: None,
    })
}

/// `--eqtl-summary F --<tool>-format --make-besd`: dense when more than 40% of the cells are
/// filled, else a full sparse file in input order.
pub fn convert(s: &Settings, path: &Path, t: ToolFormat, log: &mut RunLog) -> Result<()> {
    log.info(format!("Reading {t:?} output from {}", path.display()));
    let mut data = read_tool(path, t)?;
    crate::besd_tools::make::filter_dataset(s, &mut data)?;
    data.sample_size = s.add_n;
    let cells = data.snps.len() as f64 * data.probes.len() as f64;
    let dense = cells > 0.0 && data.n_entries() as f64 / cells > 0.4;
    let layout = if dense { Layout::Dense } else { Layout::Sparse };
    finish(s, &data, layout, TextStyle::TEXT, None, log)
}

/// Read one per-probe file of an `--eqtl-flist` in a tool layout (PLINK, GEMMA, BOLT).
pub fn read_flist_file(fmt: FlistFormat, l: &FlistLine) -> Result<Vec<TextRow>> {
    let path = &l.file;
    let (first, n) = match fmt {
        FlistFormat::PlinkQassoc => ("CHR", 9),
        FlistFormat::Gemma => ("CHR", 11),
        FlistFormat::Bolt => ("SNP", 12),
        FlistFormat::Esd => ("CHR", 9),
    };
    let alleles: Option<HashMap<String, (String, String)>> = match fmt {
        FlistFormat::PlinkQassoc => {
            let prefix = l.extra.as_ref().ok_or_else(|| {
                Error::parse(
                    path,
                    l.line,
                    "--plink-qassoc-format needs the PLINK prefix in the flist's 8th column",
                )
            })?;
            let bim = read_bim(&crate::config::out_path(prefix, "bim"))?;
            Some(
                (0..bim.len())
                    .map(|i| {
                        let r = bim.row(i);
                        (r.snp.to_string(), (r.a1.to_string(), r.a2.to_string()))
                    })
                    .collect(),
            )
        }
        _ => None,
    };
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut header = false;
    let mut rows = Vec::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let f: Vec<&str> = split_t1(bytes).collect();
        if f.is_empty() {
            continue;
        }
        if !header {
            if upper(f[0]) != first {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "expected a header starting with '{first}', found '{}'",
                        f[0]
                    ),
                ));
            }
            header = true;
            continue;
        }
        if f.len() != n {
            return Err(Error::parse(
                path,
                line,
                format!("expected {n} columns, found {}", f.len()),
            ));
        }
        let fields: [&str; 9] = match fmt {
            FlistFormat::PlinkQassoc => {
                let (a1, a2) = alleles
                    .as_ref()
                    .and_then(|m| m.get(f[1]))
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .ok_or_else(|| {
                        Error::parse(path, line, format!("SNP {} is not in the .bim", f[1]))
                    })?;
                [f[0], f[1], f[2], a1, a2, "NA", f[4], f[5], f[8]]
            }
            FlistFormat::Gemma => [f[0], f[1], f[2], f[4], f[5], f[6], f[7], f[8], f[10]],
            FlistFormat::Bolt => [f[1], f[0], f[2], f[4], f[5], f[6], f[8], f[9], f[11]],
            FlistFormat::Esd => [f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7], f[8]],
        };
        rows.push(text_row(path, line, fields)?);
    }
    Ok(rows)
}
