//! `--qfile`: text in the `--query` output layout → BESD (data-spec/qfile.md).

use crate::besd_tools::esd::{opt_num, se_rule_a};
use crate::besd_tools::{Dataset, Probe, Snp, UNKNOWN};
use crate::error::{Error, Result};
use crate::io::besd::BesdEntry;
use crate::io::source::open_text;
use crate::io::text::{is_na, parse_bp, parse_chrom, parse_opt_f64, split_t1, upper, LineReader};
use crate::log::RunLog;
use crate::types::{Bp, Chrom};
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// Columns of the layout.
pub const QFILE_HEADER: [&str; 14] = [
    "SNP",
    "Chr",
    "BP",
    "A1",
    "A2",
    "Freq",
    "Probe",
    "Probe_Chr",
    "Probe_bp",
    "Gene",
    "Orientation",
    "b",
    "SE",
    "p",
];

fn chrom_or_unknown(t: &str, need: bool, what: &str, path: &Path, line: u64) -> Result<Chrom> {
    if is_na(t) {
        if need {
            return Err(Error::parse(path, line, format!("the {what} is NA")));
        }
        return Ok(UNKNOWN as Chrom);
    }
    parse_chrom(t, false, path, line)
}

fn bp_or_unknown(t: &str, need: bool, what: &str, path: &Path, line: u64) -> Result<Bp> {
    if is_na(t) {
        if need {
            return Err(Error::parse(path, line, format!("the {what} is NA")));
        }
        return Ok(UNKNOWN);
    }
    parse_bp(t, path, line)
}

/// Read a `--qfile` into a dataset: SNPs and probes in first-appearance order, then each
/// sorted by (chr, bp) (stable); entries aligned to the first row's alleles of each SNP.
/// `dense`: chromosome/position `NA` is allowed (`--make-besd-dense`).
pub fn read_qfile(path: &Path, dense: bool, log: &mut RunLog) -> Result<Dataset> {
    log.info(format!(
        "Reading query-format eQTL data from {}",
        path.display()
    ));
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut header = false;
    let mut snps: Vec<Snp> = Vec::new();
    let mut snp_ix: HashMap<String, u32> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut probe_ix: HashMap<String, usize> = HashMap::new();
    let mut values: Vec<Vec<BesdEntry>> = Vec::new();
    let mut pairs: HashSet<(u32, usize)> = HashSet::new();
    let (mut dropped, mut flipped, mut p_zero) = (0usize, 0usize, 0usize);
    let need = !dense;
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        if t.is_empty() {
            continue;
        }
        if !header {
            if upper(t[0]) != "SNP" {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "expected the header '{}', found '{}'",
                        QFILE_HEADER.join(" "),
                        t[0]
                    ),
                ));
            }
            if t.len() != 14 {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "the header has {} columns; expected the 14 of '{}'{}",
                        t.len(),
                        QFILE_HEADER.join(" "),
                        if t.len() == 13 {
                            " (13 columns is the old query format without Orientation)"
                        } else {
                            ""
                        }
                    ),
                ));
            }
            header = true;
            continue;
        }
        if t.len() != 14 {
            return Err(Error::parse(
                path,
                line,
                format!("expected 14 columns, found {}", t.len()),
            ));
        }
        if is_na(t[0]) {
            return Err(Error::parse(path, line, "the SNP is NA"));
        }
        if need && is_na(t[6]) {
            return Err(Error::parse(path, line, "the probe is NA"));
        }
        let chr = chrom_or_unknown(t[1], need, "SNP chromosome", path, line)?;
        let bp = bp_or_unknown(t[2], need, "SNP bp", path, line)?;
        let pchr = chrom_or_unknown(t[7], need, "probe chromosome", path, line)?;
        let pbp = bp_or_unknown(t[8], need, "probe bp", path, line)?;
        let (a1, a2) = (upper(t[3]), upper(t[4]));
        let freq = match parse_opt_f64(t[5], path, line, "Freq")? {
            None => None,
            Some(f) if f > 1e-8 && f < 1.0 => Some(f as f32),
            Some(f) => {
                return Err(Error::parse(
                    path,
                    line,
                    format!("frequency {f}: expected a value between 1e-8 and 1 (or NA)"),
                ))
            }
        };
        let beta = opt_num(t[11], path, line, "b")?;
        let se = opt_num(t[12], path, line, "SE")?;
        let p = opt_num(t[13], path, line, "p")?;
        let Some(b) = beta else {
            dropped += 1;
            continue;
        };
        if se.is_none() && p.is_none() {
            dropped += 1;
            continue;
        }
        if p == Some(0.0) {
            p_zero += 1;
        }
        let sev = se_rule_a(b, se, p, path, line)?;
        // The SNP.
        let n = snps.len() as u32;
        let si = *snp_ix.entry(t[0].to_string()).or_insert_with(|| {
            snps.push(Snp {
                chr,
                id: t[0].to_string(),
                gd: "0".into(),
                bp,
                a1: a1.clone(),
                a2: a2.clone(),
                freq,
            });
            n
        });
        let s = &snps[si as usize];
        if s.chr != chr || s.bp != bp {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "SNP {} is at {chr}:{bp} here but at {}:{} earlier in the file",
                    t[0], s.chr, s.bp
                ),
            ));
        }
        let beta = if s.a1 == a1 && s.a2 == a2 {
            b
        } else if s.a1 == a2 && s.a2 == a1 {
            flipped += 1;
            -b
        } else {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "SNP {} has alleles {a1}/{a2} here but {}/{} earlier in the file",
                    t[0], s.a1, s.a2
                ),
            ));
        };
        // The probe.
        let np = probes.len();
        let pi = *probe_ix.entry(t[6].to_string()).or_insert_with(|| {
            probes.push(Probe {
                chr: pchr,
                id: t[6].to_string(),
                gd: "0".into(),
                bp: pbp,
                gene: t[9].to_string(),
                orient: t[10].chars().next().unwrap_or('N').to_string(),
            });
            values.push(Vec::new());
            np
        });
        let pr = &probes[pi];
        if pr.chr != pchr || pr.bp != pbp {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "probe {} is at {pchr}:{pbp} here but at {}:{} earlier in the file",
                    t[6], pr.chr, pr.bp
                ),
            ));
        }
        if !pairs.insert((si, pi)) {
            return Err(Error::parse(
                path,
                line,
                format!("SNP {} and probe {} are listed twice", t[0], t[6]),
            ));
        }
        values[pi].push(BesdEntry {
            snp: si,
            beta: beta as f32,
            se: sev as f32,
        });
    }
    if !header {
        return Err(Error::format(path, "empty: expected a header line"));
    }
    log.info(format!(
        "  {} SNPs, {} probes, {} entries; {dropped} rows without b or without both SE and p \
         skipped; {flipped} betas flipped to the first row's alleles; {p_zero} p-values of 0 \
         taken as 2.2e-308",
        snps.len(),
        probes.len(),
        pairs.len()
    ));
    // Sort SNPs and probes by (chr, bp), stably.
    let mut so: Vec<usize> = (0..snps.len()).collect();
    so.sort_by_key(|&i| (snps[i].chr, snps[i].bp));
    let mut new_idx = vec![0u32; snps.len()];
    for (n, &o) in so.iter().enumerate() {
        new_idx[o] = n as u32;
    }
    let snps_sorted: Vec<Snp> = so.iter().map(|&o| snps[o].clone()).collect();
    let mut po: Vec<usize> = (0..probes.len()).collect();
    po.sort_by_key(|&i| (probes[i].chr, probes[i].bp));
    let probes_sorted: Vec<Probe> = po.iter().map(|&o| probes[o].clone()).collect();
    let values_sorted: Vec<Vec<BesdEntry>> = po
        .iter()
        .map(|&o| {
            let mut v: Vec<BesdEntry> = values[o]
                .iter()
                .map(|e| BesdEntry {
                    snp: new_idx[e.snp as usize],
                    ..*e
                })
                .collect();
            v.sort_by_key(|e| e.snp);
            v
        })
        .collect();
    Ok(Dataset {
        snps: snps_sorted,
        probes: probes_sorted,
        values: values_sorted,
        sample_size: None,
    })
}
