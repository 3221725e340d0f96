//! Managing a BESD in place: `--show-n`, `--update-esi`, `--update-epi`, `--update-freq`,
//! and the `--beqtl-qc` filter of BESD → BESD (data-spec/besd-tools.md §update, §qc).

use crate::besd_tools::settings::{QcSettings, Settings};
use crate::besd_tools::triplet::{Staged, TextStyle};
use crate::besd_tools::{Dataset, Probe, Snp, UNKNOWN};
use crate::config::out_path;
use crate::error::{Error, Result};
use crate::io::besd::header::{decode_header, EXTENDED_HEADER_LEN};
use crate::io::esi::read_esi;
use crate::io::source::open_text;
use crate::io::text::{
    decode_chrom, is_na, line_str, parse_bp, split_t1, split_ws, upper, LineReader,
};
use crate::log::RunLog;
use crate::output::atomic::write_atomic;
use crate::output::format::push_g6;
use crate::types::{Bp, Chrom};
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// `--show-n`: print the sample size in the header of `<prefix>.besd`.
pub fn show_n(prefix: &Path, log: &mut RunLog) -> Result<()> {
    let path = out_path(prefix, "besd");
    let mut f = std::fs::File::open(&path).map_err(|source| Error::Open {
        path: path.clone(),
        source,
    })?;
    let mut head = Vec::with_capacity(EXTENDED_HEADER_LEN);
    (&mut f)
        .take(EXTENDED_HEADER_LEN as u64)
        .read_to_end(&mut head)
        .map_err(|e| Error::read(&path, e))?;
    let h = decode_header(&head, &path)?;
    let msg = if !h.layout.has_extended_header() {
        format!(
            "{} is in an old BESD layout ({:?}) without a sample size",
            path.display(),
            h.layout
        )
    } else {
        match h.sample_size {
            Some(n) => format!("The sample size is {n}."),
            None => "The sample size is missing (-9).".to_string(),
        }
    };
    println!("{msg}");
    log.info(msg);
    Ok(())
}

fn chrom_tolerant(t: &str) -> Chrom {
    if is_na(t) {
        return UNKNOWN as Chrom;
    }
    match decode_chrom(t) {
        Some(c) if c > 0 => c,
        _ => UNKNOWN as Chrom,
    }
}

fn bp_tolerant(t: &str) -> Bp {
    if is_na(t) {
        UNKNOWN
    } else {
        t.parse::<Bp>().unwrap_or(UNKNOWN)
    }
}

/// Read an `.esi` tolerantly (chromosome NA/0 and bp NA kept as unknown), for rewriting.
pub fn read_esi_tolerant(path: &Path) -> Result<Vec<Snp>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out = Vec::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        if t.is_empty() {
            continue;
        }
        if t.len() != 6 && t.len() != 7 {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected 6 or 7 columns (chr SNP cM bp A1 A2 [freq]), found {}",
                    t.len()
                ),
            ));
        }
        let freq = match t.get(6) {
            None => None,
            Some(x) if is_na(x) => None,
            Some(x) => match x.parse::<f32>() {
                Ok(f) if f != -9.0 => Some(f),
                Ok(_) => None,
                Err(_) => {
                    return Err(Error::parse(
                        path,
                        line,
                        format!("frequency '{x}': expected a number or NA"),
                    ))
                }
            },
        };
        out.push(Snp {
            chr: chrom_tolerant(t[0]),
            id: t[1].to_string(),
            gd: t[2].to_string(),
            bp: bp_tolerant(t[3]),
            a1: upper(t[4]),
            a2: upper(t[5]),
            freq,
        });
    }
    Ok(out)
}

/// Read an `.epi` tolerantly (chromosome and bp NA kept as unknown), for rewriting.
pub fn read_epi_tolerant(path: &Path) -> Result<Vec<Probe>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out = Vec::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let text = line_str(bytes);
        let t: Vec<&str> = split_ws(&text).collect();
        if t.is_empty() {
            continue;
        }
        if t.len() < 6 {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected 6 columns (chr probe cM bp gene orientation), found {}",
                    t.len()
                ),
            ));
        }
        out.push(Probe {
            chr: chrom_tolerant(t[0]),
            id: t[1].to_string(),
            gd: t[2].to_string(),
            bp: bp_tolerant(t[3]),
            gene: t[4].to_string(),
            orient: t[5].chars().next().unwrap_or('N').to_string(),
        });
    }
    Ok(out)
}

/// The fields of an update line: at least 6 T1 tokens.
fn update_fields<'a>(path: &Path, line: u64, bytes: &'a [u8]) -> Result<Vec<&'a str>> {
    let t: Vec<&str> = split_t1(bytes).collect();
    if t.len() < 6 {
        return Err(Error::parse(
            path,
            line,
            format!("expected at least 6 columns, found {}", t.len()),
        ));
    }
    Ok(t)
}

fn update_chrom(t: &str, path: &Path, line: u64) -> Result<Chrom> {
    match decode_chrom(t) {
        Some(c) if c > 0 => Ok(c),
        _ => Err(Error::parse(
            path,
            line,
            format!("chromosome '{t}': expected 1-22, X, Y or another positive code"),
        )),
    }
}

fn index<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<String, Vec<usize>> {
    let mut m: HashMap<String, Vec<usize>> = HashMap::new();
    for (i, id) in ids.enumerate() {
        m.entry(id.to_string()).or_default().push(i);
    }
    m
}

/// `--update-esi F`: replace chr, bp, alleles (verbatim) and, with a 7th column, the
/// frequency of the listed SNPs; `<prefix>.bak.esi` keeps the old table.
pub fn update_esi(prefix: &Path, file: &Path, log: &mut RunLog) -> Result<()> {
    let esi_path = out_path(prefix, "esi");
    let old = read_esi_tolerant(&esi_path)?;
    let mut new = old.clone();
    let ix = index(old.iter().map(|s| s.id.as_str()));
    let mut lines = LineReader::new(open_text(file)?, file);
    let mut updated = vec![false; new.len()];
    while let Some((line, bytes)) = lines.next_line()? {
        let t = update_fields(file, line, bytes)?;
        let Some(rows) = ix.get(t[1]) else { continue };
        let chr = update_chrom(t[0], file, line)?;
        if is_na(t[3]) {
            return Err(Error::parse(file, line, "the bp is NA"));
        }
        let bp = parse_bp(t[3], file, line)?;
        let freq = match t.get(6) {
            Some(x) if !is_na(x) => Some(x.parse::<f32>().map_err(|_| {
                Error::parse(
                    file,
                    line,
                    format!("frequency '{x}': expected a number or NA"),
                )
            })?),
            _ => None,
        };
        for &i in rows {
            let s = &mut new[i];
            s.chr = chr;
            s.bp = bp;
            s.a1 = t[4].to_string();
            s.a2 = t[5].to_string();
            if freq.is_some() {
                s.freq = freq;
            }
            updated[i] = true;
        }
    }
    let texts = (
        TextStyle::UPDATE.esi_text(&old),
        TextStyle::UPDATE.esi_text(&new),
    );
    publish_with_backup(prefix, "esi", texts, (&updated, "SNPs"), log)
}

/// Write the updated table to `<prefix>.<ext>` and the old one to `<prefix>.bak.<ext>`, both
/// or neither (`texts` = old, new), and log how many of `updated`'s rows changed.
fn publish_with_backup(
    prefix: &Path,
    ext: &str,
    texts: (String, String),
    (updated, what): (&[bool], &str),
    log: &mut RunLog,
) -> Result<()> {
    let (path, bak) = (
        out_path(prefix, ext),
        out_path(prefix, &format!("bak.{ext}")),
    );
    let mut st = Staged::default();
    st.text(bak.clone(), &texts.0)?;
    st.text(path.clone(), &texts.1)?;
    st.commit()?;
    log.info(format!(
        "{} of {} {what} are updated in {} (backup {})",
        updated.iter().filter(|&&u| u).count(),
        updated.len(),
        path.display(),
        bak.display()
    ));
    Ok(())
}

/// `--update-epi F`: replace chr, bp, gene and orientation (`NA` → `*`) of the listed probes;
/// `<prefix>.bak.epi` keeps the old table.
pub fn update_epi(prefix: &Path, file: &Path, log: &mut RunLog) -> Result<()> {
    let epi_path = out_path(prefix, "epi");
    let old = read_epi_tolerant(&epi_path)?;
    let mut new = old.clone();
    let ix = index(old.iter().map(|s| s.id.as_str()));
    let mut lines = LineReader::new(open_text(file)?, file);
    let mut updated = vec![false; new.len()];
    while let Some((line, bytes)) = lines.next_line()? {
        let t = update_fields(file, line, bytes)?;
        let Some(rows) = ix.get(t[1]) else { continue };
        let chr = update_chrom(t[0], file, line)?;
        if is_na(t[3]) {
            return Err(Error::parse(file, line, "the bp is NA"));
        }
        let bp = parse_bp(t[3], file, line)?;
        let orient = if is_na(t[5]) {
            "*".to_string()
        } else {
            t[5].chars().next().unwrap_or('*').to_string()
        };
        for &i in rows {
            let p = &mut new[i];
            p.chr = chr;
            p.bp = bp;
            p.gene = t[4].to_string();
            p.orient = orient.clone();
            updated[i] = true;
        }
    }
    let texts = (
        TextStyle::UPDATE.epi_text(&old),
        TextStyle::UPDATE.epi_text(&new),
    );
    publish_with_backup(prefix, "epi", texts, (&updated, "probes"), log)
}

/// `--update-freq F` (`SNP A1 A2 freq`, no header): set the `.esi` frequencies, oriented to
/// the `.esi` A1; unmatched SNPs are listed in `F.unmatched.snp.list`.
pub fn update_freq(prefix: &Path, file: &Path, log: &mut RunLog) -> Result<()> {
    let esi_path = out_path(prefix, "esi");
    let esi = read_esi(&esi_path)?;
    let mut snps: Vec<Snp> = esi
        .rows()
        .map(|r| Snp {
            chr: r.chr,
            id: r.snp.to_string(),
            gd: "0".into(),
            bp: r.bp,
            a1: r.a1.to_string(),
            a2: r.a2.to_string(),
            freq: r.freq,
        })
        .collect();
    let ix = index(snps.iter().map(|s| s.id.as_str()));
    let mut lines = LineReader::new(open_text(file)?, file);
    let mut unmatched = String::new();
    let mut hits = 0usize;
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        if t.is_empty() {
            continue;
        }
        if t.len() != 4 {
            return Err(Error::parse(
                file,
                line,
                format!(
                    "expected 4 columns (SNP A1 A2 freq, no header), found {}",
                    t.len()
                ),
            ));
        }
        if is_na(t[0]) || t[0] == "0" {
            return Err(Error::parse(file, line, "the SNP is NA"));
        }
        let f: f64 = t[3]
            .parse()
            .ok()
            .filter(|f| *f > 0.0 && *f < 1.0)
            .ok_or_else(|| {
                Error::parse(
                    file,
                    line,
                    format!("frequency '{}': expected a value between 0 and 1", t[3]),
                )
            })?;
        let Some(rows) = ix.get(t[0]) else {
            unmatched.push_str(&format!("{}\tfailedSNPMatch\n", t[0]));
            continue;
        };
        for &i in rows {
            let s = &mut snps[i];
            if s.a1 == t[1] && s.a2 == t[2] {
                s.freq = Some(f as f32);
                hits += 1;
            } else if s.a1 == t[2] && s.a2 == t[1] {
                s.freq = Some((1.0 - f) as f32);
                hits += 1;
            } else {
                unmatched.push_str(&format!("{}\tfailedAlleleCheck\n", t[0]));
            }
        }
    }
    let mut list = file.as_os_str().to_owned();
    list.push(".unmatched.snp.list");
    let mut st = Staged::default();
    st.text(esi_path.clone(), &TextStyle::REMAKE.esi_text(&snps))?;
    st.text(list.clone().into(), &unmatched)?;
    st.commit()?;
    log.info(format!(
        "{hits} SNP frequencies updated in {}; unmatched SNPs in {}",
        esi_path.display(),
        std::path::PathBuf::from(list).display()
    ));
    Ok(())
}

/// Implied sample size of an entry, the reference's single-precision evaluation
/// (data-spec/besd-tools.md §qc).
pub fn implied_n(f: f32, beta: f32, se: f32) -> f32 {
    let h = 2.0f32 * f * (1.0 - f);
    let a = h * beta * beta;
    let c = h * se * se;
    ((1.0 - f64::from(a)) / f64::from(c)) as f32
}

/// `--beqtl-qc`: drop each probe's entries whose implied sample size is an outlier; writes
/// `<out>.qc.summary` and `<out>.outlier`.
pub fn beqtl_qc(s: &Settings, data: &mut Dataset, qc: QcSettings, log: &mut RunLog) -> Result<()> {
    let mut summary = String::from("ProbeID\tmaxn\tminn\tavgn\tmediann\tsdn\tttlnum\trmnum\n");
    let mut outlier = String::from(
        "SNP\tChr\tBP\tA1\tA2\tFreq\tProbe\tProbe_Chr\tProbe_bp\tGene\tOrientation\tb\tse\test_n\n",
    );
    let mut removed_total = 0usize;
    for (p, v) in data.probes.iter().zip(data.values.iter_mut()) {
        let mut est: Vec<(f32, usize)> = Vec::new();
        for (k, e) in v.iter().enumerate() {
            let Some(f) = data.snps[e.snp as usize].freq else {
                continue;
            };
            if f < 1e-8 {
                continue;
            }
            let n = implied_n(f, e.beta, e.se);
            if n < 0.0 {
                let x = &data.snps[e.snp as usize];
                return Err(Error::Analysis(format!(
                    "--beqtl-qc: probe {}, SNP {}: the implied sample size is negative ({n}); \
                     beta {} and se {} do not fit frequency {f}",
                    p.id, x.id, e.beta, e.se
                )));
            }
            est.push((n, k));
        }
        if est.is_empty() {
            v.clear();
            continue;
        }
        est.sort_by(|a, b| a.0.total_cmp(&b.0));
        let t = est.len();
        let mut sum = 0f32;
        for &(n, _) in &est {
            sum += n;
        }
        let mean = sum / t as f32;
        let mut ss = 0f32;
        for &(n, _) in &est {
            ss += (n - mean) * (n - mean);
        }
        let sd = if t > 1 {
            (ss / (t - 1) as f32).sqrt()
        } else {
            0.0
        };
        let (low, high) = match qc.method {
            0 => {
                let c = (0.0005 * t as f64).ceil() as usize;
                (
                    (c + 1).min(t),
                    c.saturating_sub(1).min(t.saturating_sub((c + 1).min(t))),
                )
            }
            _ => {
                let z = |n: f32| ((n - mean) / sd).abs();
                let low = est.iter().take_while(|&&(n, _)| z(n) > 3.0).count();
                let high = est[low..]
                    .iter()
                    .rev()
                    .take_while(|&&(n, _)| z(n) > qc.z_thresh as f32)
                    .count();
                (low, high)
            }
        };
        let mut drop = vec![false; v.len()];
        let removed: Vec<(f32, usize)> = est[..low]
            .iter()
            .chain(est[t - high..].iter().rev())
            .copied()
            .collect();
        for &(n, k) in &removed {
            drop[k] = true;
            let e = &v[k];
            let x = &data.snps[e.snp as usize];
            let mut line = format!("{}\t{}\t{}\t{}\t{}\t", x.id, x.chr, x.bp, x.a1, x.a2);
            match x.freq {
                Some(f) => push_g6(&mut line, f64::from(f)),
                None => line.push_str("NA"),
            }
            line.push_str(&format!(
                "\t{}\t{}\t{}\t{}\t{}\t",
                p.id, p.chr, p.bp, p.gene, p.orient
            ));
            push_g6(&mut line, f64::from(e.beta));
            line.push('\t');
            push_g6(&mut line, f64::from(e.se));
            line.push('\t');
            push_g6(&mut line, f64::from(n));
            line.push('\n');
            outlier.push_str(&line);
        }
        summary.push_str(&p.id);
        for x in [est[t - 1].0, est[0].0, mean, est[t / 2].0, sd] {
            summary.push('\t');
            push_g6(&mut summary, f64::from(x));
        }
        summary.push_str(&format!("\t{t}\t{}\n", removed.len()));
        removed_total += removed.len();
        // Entries without an implied sample size (no frequency) are dropped too.
        let usable: std::collections::HashSet<usize> = est.iter().map(|&(_, k)| k).collect();
        let mut k = 0;
        v.retain(|_| {
            let keep = usable.contains(&k) && !drop[k];
            k += 1;
            keep
        });
    }
    write_atomic(&out_path(&s.out, "qc.summary"), summary.as_bytes())?;
    write_atomic(&out_path(&s.out, "outlier"), outlier.as_bytes())?;
    log.info(format!(
        "  --beqtl-qc {}: {removed_total} entries removed (listed in {})",
        qc.method,
        out_path(&s.out, "outlier").display()
    ));
    Ok(())
}
