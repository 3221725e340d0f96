//! Text → BESD from an `--eqtl-flist`: the flist, the per-probe `.esd` files (and the other
//! per-probe layouts of [`crate::besd_tools::formats`]), and the assembly of SNP and probe
//! tables (data-spec/esd.md).

use crate::besd_tools::formats::FlistFormat;
use crate::besd_tools::settings::Settings;
use crate::besd_tools::{Dataset, Probe, Snp};
use crate::error::{Error, Result};
use crate::io::besd::BesdEntry;
use crate::io::source::open_text;
use crate::io::text::{is_na, parse_bp, parse_chrom, parse_opt_f64, split_t1, upper, LineReader};
use crate::log::RunLog;
use crate::stats::dist::qchisq1_upper;
use crate::types::{Bp, Chrom};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// p = 0 is replaced by the smallest normal double (data-spec/esd.md §se).
pub const P_ZERO: f64 = 2.2250738585072014e-308;

/// The stored SE of a text row, "rule A" (data-spec/esd.md §se): the se column when p is
/// missing, 1, or below 1e-150 with an se given; otherwise `|beta| / sqrt(qχ²₁(p))`.
pub fn se_rule_a(
    beta: f64,
    se: Option<f64>,
    p: Option<f64>,
    path: &Path,
    line: u64,
) -> Result<f64> {
    let Some(p) = p else {
        return Ok(se.unwrap_or(0.0));
    };
    if !(0.0..=1.0).contains(&p) {
        return Err(Error::parse(
            path,
            line,
            format!("p-value {p}: expected a number from 0 to 1"),
        ));
    }
    let p = if p == 0.0 { P_ZERO } else { p };
    if (p < 1e-150 && se.is_some()) || p == 1.0 {
        return Ok(se.unwrap_or(0.0));
    }
    Ok(beta.abs() / qchisq1_upper(p).sqrt())
}

/// A number or `NA` in any case (the reference upper-cases these fields before the NA test).
pub fn opt_num(tok: &str, path: &Path, line: u64, column: &str) -> Result<Option<f64>> {
    if tok.eq_ignore_ascii_case("NA") {
        return Ok(None);
    }
    parse_opt_f64(tok, path, line, column)
}

/// One data row of a per-probe text file, as the assembly needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextRow {
    /// 1-based line number.
    pub line: u64,
    /// SNP chromosome.
    pub chr: Chrom,
    /// SNP ID.
    pub snp: String,
    /// Position.
    pub bp: Bp,
    /// Effect allele (upper case).
    pub a1: String,
    /// Other allele (upper case).
    pub a2: String,
    /// Frequency of A1.
    pub freq: Option<f32>,
    /// Effect and SE (`None`: the row registers its SNP but stores no value).
    pub value: Option<(f32, f32)>,
}

/// One line of the flist.
#[derive(Debug, Clone)]
pub struct FlistLine {
    /// Line number in the flist.
    pub line: u64,
    /// The probe.
    pub probe: Probe,
    /// The per-probe file, resolved.
    pub file: PathBuf,
    /// Optional 8th column (PLINK prefix).
    pub extra: Option<PathBuf>,
}

/// Resolve a path of a list file: as given (relative to the working directory, as the
/// reference does), else relative to the list's directory (data-spec/deviations.md).
pub fn resolve(list: &Path, given: &str) -> PathBuf {
    let p = PathBuf::from(given);
    if p.is_absolute() || p.exists() {
        return p;
    }
    match list.parent() {
        Some(d) if !d.as_os_str().is_empty() => {
            let q = d.join(&p);
            if q.exists() {
                q
            } else {
                p
            }
        }
        _ => p,
    }
}

/// Read an `--eqtl-flist` (data-spec/esd.md §flist).
pub fn read_flist_lines(path: &Path) -> Result<Vec<FlistLine>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out: Vec<FlistLine> = Vec::new();
    let mut header = false;
    let mut seen_files: HashSet<PathBuf> = HashSet::new();
    let mut pos: HashMap<String, (Chrom, Bp, u64)> = HashMap::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        if t.is_empty() {
            continue;
        }
        if !header {
            if upper(t[0]) != "CHR" {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "expected the header 'Chr ProbeID GeneticDistance ProbeBp Gene \
                         Orientation PathOfEsd', found '{}'",
                        t[0]
                    ),
                ));
            }
            header = true;
            continue;
        }
        if t.len() != 7 && t.len() != 8 {
            return Err(Error::parse(
                path,
                line,
                format!("expected 7 or 8 columns, found {}", t.len()),
            ));
        }
        for (i, what) in [
            (0, "chromosome"),
            (1, "probe ID"),
            (3, "probe bp"),
            (6, "path"),
        ] {
            if is_na(t[i]) {
                return Err(Error::parse(path, line, format!("the {what} is NA")));
            }
        }
        let chr = parse_chrom(t[0], false, path, line)?;
        let bp = parse_bp(t[3], path, line)?;
        if let Some(&(c0, b0, l0)) = pos.get(t[1]) {
            if c0 != chr || b0 != bp {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "probe {} is at {chr}:{bp} here but at {c0}:{b0} on line {l0}",
                        t[1]
                    ),
                ));
            }
        } else {
            pos.insert(t[1].to_string(), (chr, bp, line));
        }
        let file = resolve(path, t[6]);
        if !seen_files.insert(file.clone()) {
            return Err(Error::parse(
                path,
                line,
                format!("the file {} is listed twice", t[6]),
            ));
        }
        out.push(FlistLine {
            line,
            probe: Probe {
                chr,
                id: t[1].to_string(),
                gd: "0".into(),
                bp,
                gene: t[4].to_string(),
                orient: t[5].chars().next().unwrap_or('N').to_string(),
            },
            file,
            extra: t.get(7).map(|x| resolve(path, x)),
        });
    }
    if !header {
        return Err(Error::format(
            path,
            "empty: expected a header line and one line per probe",
        ));
    }
    Ok(out)
}

/// Read one `.esd` file (data-spec/esd.md §esd).
pub fn read_esd(path: &Path) -> Result<Vec<TextRow>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut rows = Vec::new();
    let mut header = false;
    while let Some((line, bytes)) = lines.next_line()? {
        let t: Vec<&str> = split_t1(bytes).collect();
        if t.is_empty() {
            continue;
        }
        if !header {
            if upper(t[0]) != "CHR" {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "expected the header 'Chr SNP Bp A1 A2 Freq Beta se p', found '{}'",
                        t[0]
                    ),
                ));
            }
            header = true;
            continue;
        }
        if t.len() != 9 {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected 9 columns (Chr SNP Bp A1 A2 Freq Beta se p), found {}",
                    t.len()
                ),
            ));
        }
        rows.push(text_row(
            path,
            line,
            [t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8]],
        )?);
    }
    Ok(rows)
}

/// One row from its nine fields `chr snp bp a1 a2 freq beta se p` (the `.esd` order; other
/// layouts map their columns onto it, `NA` where they have none).
pub fn text_row(path: &Path, line: u64, f: [&str; 9]) -> Result<TextRow> {
    for (i, what) in [(0, "chromosome"), (1, "SNP"), (2, "bp")] {
        if is_na(f[i]) {
            return Err(Error::parse(path, line, format!("the {what} is NA")));
        }
    }
    let chr = parse_chrom(f[0], false, path, line)?;
    let bp = parse_bp(f[2], path, line)?;
    let freq = match parse_opt_f64(f[5], path, line, "Freq")? {
        None => None,
        Some(v) if v > 0.0 && v < 1.0 => Some(v as f32),
        Some(v) => {
            return Err(Error::parse(
                path,
                line,
                format!("frequency {v}: expected a value between 0 and 1 (or NA)"),
            ))
        }
    };
    let beta = opt_num(f[6], path, line, "Beta")?;
    let se = opt_num(f[7], path, line, "se")?;
    let p = opt_num(f[8], path, line, "p")?;
    let value = match (beta, se, p) {
        (None, _, _) | (_, None, None) => None,
        (Some(b), se, p) => {
            let s = se_rule_a(b, se, p, path, line)?;
            Some((b as f32, s as f32))
        }
    };
    Ok(TextRow {
        line,
        chr,
        snp: f[1].to_string(),
        bp,
        a1: upper(f[3]),
        a2: upper(f[4]),
        freq,
        value,
    })
}

/// How SNPs of different files are identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnpKey {
    /// `chr:SNP` (`.esd`).
    ChrSnp,
    /// The SNP ID alone (PLINK, GEMMA, BOLT).
    Id,
}

/// Whether values are aligned to the first file's alleles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    /// Swap → beta negated; other pair → error.
    Yes,
    /// Taken as written (PLINK: the beta refers to the .bim A1).
    No,
}

/// Build SNP and probe tables from the flist's probes (already in flist order) and each
/// probe's rows (data-spec/esd.md §assembly): probes sorted by (chr, bp), duplicate IDs
/// merged; SNPs the union in first-appearance order, then sorted by (chr, bp).
pub fn assemble(
    lines: Vec<FlistLine>,
    key: SnpKey,
    align: Align,
    mut read: impl FnMut(&FlistLine) -> Result<Vec<TextRow>>,
    log: &mut RunLog,
) -> Result<Dataset> {
    let mut order: Vec<usize> = (0..lines.len()).collect();
    order.sort_by_key(|&i| (lines[i].probe.chr, lines[i].probe.bp));
    let mut probe_ix: HashMap<String, usize> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut files: Vec<Vec<usize>> = Vec::new();
    for &i in &order {
        let id = &lines[i].probe.id;
        let k = *probe_ix.entry(id.clone()).or_insert_with(|| {
            probes.push(lines[i].probe.clone());
            files.push(Vec::new());
            probes.len() - 1
        });
        files[k].push(i);
    }
    let mut snp_ix: HashMap<String, u32> = HashMap::new();
    let mut snps: Vec<Snp> = Vec::new();
    let mut values: Vec<Vec<BesdEntry>> = Vec::with_capacity(probes.len());
    let mut dup_rows = 0usize;
    for fl in &files {
        let mut seen: HashSet<u32> = HashSet::new();
        let mut v = Vec::new();
        for &i in fl {
            let file = &lines[i].file;
            for r in read(&lines[i])? {
                let k = match key {
                    SnpKey::ChrSnp => format!("{}:{}", r.chr, r.snp),
                    SnpKey::Id => r.snp.clone(),
                };
                let n = snps.len() as u32;
                let ix = *snp_ix.entry(k).or_insert_with(|| {
                    snps.push(Snp {
                        chr: r.chr,
                        id: r.snp.clone(),
                        gd: "0".into(),
                        bp: r.bp,
                        a1: r.a1.clone(),
                        a2: r.a2.clone(),
                        freq: r.freq,
                    });
                    n
                });
                let Some((b, se)) = r.value else { continue };
                if !seen.insert(ix) {
                    dup_rows += 1;
                    continue;
                }
                let s = &snps[ix as usize];
                let beta = if align == Align::No || (s.a1 == r.a1 && s.a2 == r.a2) {
                    b
                } else if s.a1 == r.a2 && s.a2 == r.a1 {
                    -b
                } else {
                    return Err(Error::parse(
                        file,
                        r.line,
                        format!(
                            "SNP {} has alleles {}/{} here but {}/{} in the first file that \
                             lists it (inconsistent allele pairs)",
                            r.snp, r.a1, r.a2, s.a1, s.a2
                        ),
                    ));
                };
                v.push(BesdEntry { snp: ix, beta, se });
            }
        }
        values.push(v);
    }
    if dup_rows > 0 {
        log.info(format!(
            "  {dup_rows} rows skipped: the same SNP listed again for a probe (first kept)"
        ));
    }
    // Sort SNPs by (chr, bp), stably, and renumber.
    let mut sorder: Vec<u32> = (0..snps.len() as u32).collect();
    sorder.sort_by_key(|&i| (snps[i as usize].chr, snps[i as usize].bp));
    let mut new_idx = vec![0u32; snps.len()];
    for (n, &o) in sorder.iter().enumerate() {
        new_idx[o as usize] = n as u32;
    }
    let mut sorted: Vec<Option<Snp>> = snps.into_iter().map(Some).collect();
    let snps: Vec<Snp> = sorder
        .iter()
        .map(|&o| sorted[o as usize].take().expect("each SNP once"))
        .collect();
    for v in &mut values {
        for e in v.iter_mut() {
            e.snp = new_idx[e.snp as usize];
        }
        v.sort_by_key(|e| e.snp);
    }
    Ok(Dataset {
        snps,
        probes,
        values,
        sample_size: None,
    })
}

/// Read an `--eqtl-flist` in `fmt` into a dataset.
pub fn read_flist(
    path: &Path,
    fmt: FlistFormat,
    s: &Settings,
    log: &mut RunLog,
) -> Result<Dataset> {
    log.info(format!("Reading the probe list {}", path.display()));
    let lines = read_flist_lines(path)?;
    log.info(format!("  {} files listed", lines.len()));
    let _ = s;
    let (key, align) = match fmt {
        FlistFormat::Esd => (SnpKey::ChrSnp, Align::Yes),
        FlistFormat::PlinkQassoc => (SnpKey::Id, Align::No),
        FlistFormat::Gemma | FlistFormat::Bolt => (SnpKey::Id, Align::Yes),
    };
    assemble(
        lines,
        key,
        align,
        |l| {
            let r = match fmt {
                FlistFormat::Esd => read_esd(&l.file),
                other => crate::besd_tools::formats::read_flist_file(other, l),
            };
            // A file that cannot be opened is named with the flist line that lists it.
            r.map_err(|e| match e {
                Error::Open { source, .. } => Error::parse(
                    path,
                    l.line,
                    format!(
                        "cannot open {} (relative paths are tried from the working directory, \
                         then from the flist's directory): {source}",
                        l.file.display()
                    ),
                ),
                other => other,
            })
        },
        log,
    )
}
