//! `--besd-flist F --make-besd`: merging BESD files (data-spec/besd-tools.md §merge).

use crate::besd_tools::make::{finish, read_besd, select_dataset};
use crate::besd_tools::settings::Settings;
use crate::besd_tools::triplet::{Layout, TextStyle};
use crate::besd_tools::{Dataset, Probe, Snp};
use crate::error::{Error, Result};
use crate::io::besd::BesdEntry;
use crate::io::source::open_text;
use crate::io::text::{split_t1, LineReader};
use crate::log::RunLog;
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Read a `--besd-flist`: one prefix per line (T1 tokens); blank lines skipped; a line with
/// several tokens or a repeated prefix is skipped with a log line. Relative prefixes are
/// resolved as in [`crate::besd_tools::esd::resolve`].
pub fn read_list(path: &Path, log: &mut RunLog) -> Result<Vec<(u64, PathBuf)>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        match t.len() {
            0 => {}
            1 => {
                if seen.insert(t[0].to_string()) {
                    out.push((line, resolve_prefix(path, t[0])));
                } else {
                    log.info(format!(
                        "  {}, line {line}: {} listed again, skipped",
                        path.display(),
                        t[0]
                    ));
                }
            }
            n => log.info(format!(
                "  {}, line {line}: {n} tokens, expected one BESD prefix; line skipped",
                path.display()
            )),
        }
    }
    Ok(out)
}

/// An error reading the BESD listed on `line` of `list`, naming both.
pub fn in_list(list: &Path, line: u64, e: Error) -> Error {
    match e {
        Error::Config(msg) => Error::parse(list, line, msg.replace("--beqtl-summary ", "")),
        other => other,
    }
}

/// A BESD prefix of a list: as given, else relative to the list's directory when that is
/// where its `.esi` is.
fn resolve_prefix(list: &Path, given: &str) -> PathBuf {
    let p = PathBuf::from(given);
    let has = |q: &Path| {
        q.exists()
            || crate::config::out_path(q, "esi").exists()
            || crate::config::out_path(q, "esi.gz").exists()
    };
    if p.is_absolute() || has(&p) {
        return p;
    }
    match list.parent() {
        Some(d) if !d.as_os_str().is_empty() && has(&d.join(&p)) => d.join(&p),
        _ => p,
    }
}

/// Merge `files` (datasets read with the filters) into one: SNPs and probes the union by ID
/// (first file's annotation), sorted by (chr, bp) stably; each probe's entries from the files
/// that have it in list order, aligned to the merged alleles, the first file's entry winning.
/// Returns the dataset and the summed stored-cell count used by the density rule.
pub fn merge(files: &[(PathBuf, Dataset, bool)]) -> Result<(Dataset, f64)> {
    let mut snps: Vec<Snp> = Vec::new();
    let mut snp_ix: HashMap<&str, u32> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut probe_ix: HashMap<&str, usize> = HashMap::new();
    let mut sample: Option<(i32, &Path)> = None;
    let mut cells = 0.0;
    for (path, d, dense) in files {
        cells += if *dense {
            d.snps.len() as f64 * d.probes.len() as f64
        } else {
            d.n_entries() as f64
        };
        if let Some(n) = d.sample_size {
            match sample {
                Some((m, first)) if m != n => {
                    return Err(Error::format(
                        path,
                        format!(
                            "sample size {n} differs from the {m} of {}",
                            first.display()
                        ),
                    ))
                }
                None => sample = Some((n, path)),
                _ => {}
            }
        }
        for s in &d.snps {
            if let Some(&i) = snp_ix.get(s.id.as_str()) {
                let f = &snps[i as usize];
                if f.bp != s.bp || f.chr != s.chr {
                    return Err(Error::format(
                        path,
                        format!(
                            "SNP {} is at {}:{} here but at {}:{} in an earlier file \
                             (inconsistent position)",
                            s.id, s.chr, s.bp, f.chr, f.bp
                        ),
                    ));
                }
            } else {
                snp_ix.insert(&s.id, snps.len() as u32);
                snps.push(s.clone());
            }
        }
        for p in &d.probes {
            if let Some(&i) = probe_ix.get(p.id.as_str()) {
                let f = &probes[i];
                if f.bp != p.bp || f.chr != p.chr {
                    return Err(Error::format(
                        path,
                        format!(
                            "probe {} is at {}:{} here but at {}:{} in an earlier file",
                            p.id, p.chr, p.bp, f.chr, f.bp
                        ),
                    ));
                }
            } else {
                probe_ix.insert(&p.id, probes.len());
                probes.push(p.clone());
            }
        }
    }
    // Sorted orders.
    let mut so: Vec<usize> = (0..snps.len()).collect();
    so.sort_by_key(|&i| (snps[i].chr, snps[i].bp));
    let mut new_snp = vec![0u32; snps.len()];
    for (n, &o) in so.iter().enumerate() {
        new_snp[o] = n as u32;
    }
    let mut po: Vec<usize> = (0..probes.len()).collect();
    po.sort_by_key(|&i| (probes[i].chr, probes[i].bp));
    let mut new_probe = vec![0usize; probes.len()];
    for (n, &o) in po.iter().enumerate() {
        new_probe[o] = n;
    }
    let mut values: Vec<Vec<BesdEntry>> = vec![Vec::new(); probes.len()];
    let mut have: Vec<HashSet<u32>> = vec![HashSet::new(); probes.len()];
    for (path, d, _) in files {
        let local: Vec<u32> = d
            .snps
            .iter()
            .map(|s| new_snp[snp_ix[s.id.as_str()] as usize])
            .collect();
        for (p, v) in d.probes.iter().zip(&d.values) {
            let k = new_probe[probe_ix[p.id.as_str()]];
            for e in v {
                let ls = &d.snps[e.snp as usize];
                let g = local[e.snp as usize];
                let ms = &snps[so[g as usize]];
                let beta = if ms.a1 == ls.a1 && ms.a2 == ls.a2 {
                    e.beta
                } else if ms.a1 == ls.a2 && ms.a2 == ls.a1 {
                    -e.beta
                } else {
                    return Err(Error::format(
                        path,
                        format!(
                            "SNP {} has alleles {}/{} here but {}/{} in the first file that \
                             lists it (allele check failed)",
                            ls.id, ls.a1, ls.a2, ms.a1, ms.a2
                        ),
                    ));
                };
                if have[k].insert(g) {
                    values[k].push(BesdEntry {
                        snp: g,
                        beta,
                        se: e.se,
                    });
                }
            }
        }
    }
    for v in &mut values {
        v.sort_by_key(|e| e.snp);
    }
    let snps_sorted = so.iter().map(|&o| snps[o].clone()).collect();
    let probes_sorted = po.iter().map(|&o| probes[o].clone()).collect();
    Ok((
        Dataset {
            snps: snps_sorted,
            probes: probes_sorted,
            values,
            sample_size: sample.map(|(n, _)| n),
        },
        cells,
    ))
}

/// `--besd-flist F --make-besd[-dense]`.
pub fn run(s: &Settings, list: &Path, log: &mut RunLog) -> Result<()> {
    log.info(format!("Reading the BESD list {}", list.display()));
    let prefixes = read_list(list, log)?;
    if prefixes.is_empty() {
        return Err(Error::format(list, "no BESD prefix listed"));
    }
    let mut files = Vec::new();
    for (line, p) in prefixes {
        let r = read_besd(&p, s, log).map_err(|e| in_list(list, line, e))?;
        let dense = !r.layout.is_sparse();
        files.push((p, r.data, dense));
    }
    let (mut data, cells) = merge(&files)?;
    drop(files);
    if let Some(n) = s.add_n {
        data.sample_size = Some(n);
    }
    log.info(format!(
        "  merged: {} SNPs, {} probes, {} entries",
        data.snps.len(),
        data.probes.len(),
        data.n_entries()
    ));
    if s.dense {
        let total = data.snps.len() as f64 * data.probes.len() as f64;
        let dense = total > 0.0 && cells / total >= 0.4;
        let layout = if dense { Layout::Dense } else { Layout::Sparse };
        finish(s, &data, layout, TextStyle::TEXT, None, log)
    } else {
        let summary = select_dataset(&mut data, &s.select);
        finish(
            s,
            &data,
            Layout::Sparse,
            TextStyle::TEXT,
            Some(&summary),
            log,
        )
    }
}
