//! The eQTLGen allele-frequency file
//! (`2018-07-18_SNP_AF_for_AlleleB_combined_allele_counts_and_MAF_pos_added.txt.gz`) and its
//! use as the eQTL effect-allele frequency (data-spec/eqtlgen-freq.md).
//!
//! Columns are found by header name: `SNP`, `AlleleA`, `AlleleB`, `AlleleB_all` are
//! required; `hg19_chr`, `hg19_pos` are read when present. `AlleleB_all` is the frequency of
//! AlleleB, which is *not* always the eQTL's effect allele: each SNP's alleles are matched to
//! the `.esi` A1/A2 explicitly and the frequency is oriented to A1.

use crate::error::{Error, Result};
use crate::harmonise::{match_alleles, AlleleMatch};
use crate::io::esi::EsiTable;
use crate::io::source::open_text;
use crate::io::text::{line_str, LineReader};
use crate::report::HarmoniseReport;
use std::io::BufRead;
use std::path::Path;

/// How the eQTLGen frequency is used (`--eqtlgen-freq-mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FreqMode {
    /// Only where the `.esi` frequency is missing (default).
    Fill,
    /// For every SNP whose alleles match, replacing the `.esi` frequency.
    Replace,
}

/// One data row of the file.
#[derive(Debug, Clone, PartialEq)]
pub struct FreqRow {
    /// 1-based line number (header counted).
    pub line: u64,
    /// SNP ID.
    pub snp: String,
    /// AlleleA (upper case).
    pub allele_a: String,
    /// AlleleB (upper case): the allele `freq_b` describes.
    pub allele_b: String,
    /// Frequency of AlleleB; `None` when `NA` or not a number in [0, 1].
    pub freq_b: Option<f64>,
    /// Decimal places of the `AlleleB_all` token (its precision).
    pub decimals: u32,
}

/// How an eQTLGen row's alleles relate to the eQTL's (A1, A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Orientation {
    /// AlleleB is A1: the frequency is used as is.
    BIsA1,
    /// AlleleA is A1: the frequency becomes `1 - f`.
    AIsA1,
    /// Neither: the row is not used.
    Mismatch,
}

/// Match an eQTLGen row's alleles to the eQTL's `(a1, a2)` (data-spec/eqtlgen-freq.md §2).
pub fn orientation(a1: &str, a2: &str, allele_a: &str, allele_b: &str) -> Orientation {
    // The same allele rule as everywhere else, with (AlleleB, AlleleA) as the pair.
    match match_alleles(a1, a2, allele_b, allele_a) {
        AlleleMatch::Same => Orientation::BIsA1,
        AlleleMatch::Swapped => Orientation::AIsA1,
        AlleleMatch::Mismatch => Orientation::Mismatch,
    }
}

/// The frequency of the eQTL's A1 from a row, or `None` when the alleles do not match or the
/// frequency is missing.
pub fn oriented_freq(a1: &str, a2: &str, row: &FreqRow) -> Option<f64> {
    let f = row.freq_b?;
    match orientation(a1, a2, &row.allele_a, &row.allele_b) {
        Orientation::BIsA1 => Some(f),
        Orientation::AIsA1 => Some(1.0 - f),
        Orientation::Mismatch => None,
    }
}

/// Half a unit in the last decimal place of a token with `decimals` places, plus a float32
/// allowance for the `.esi` value: the largest difference "equal to the file's precision"
/// allows (data-spec/eqtlgen-freq.md §3).
pub fn precision_tolerance(decimals: u32) -> f64 {
    0.5 * 10f64.powi(-(decimals.min(15) as i32)) + 1e-7
}

fn decimals_of(tok: &str) -> u32 {
    match tok.split_once('.') {
        Some((_, frac)) => frac.bytes().take_while(|b| b.is_ascii_digit()).count() as u32,
        None => 0,
    }
}

/// Column positions found in the header.
struct Columns {
    snp: usize,
    a: usize,
    b: usize,
    freq: usize,
    n: usize,
}

fn find_columns(header: &str, path: &Path) -> Result<Columns> {
    let names: Vec<&str> = header.split_whitespace().collect();
    let find = |want: &str| names.iter().position(|n| n.eq_ignore_ascii_case(want));
    let need = |want: &str| {
        find(want).ok_or_else(|| {
            Error::parse(
                path,
                1,
                format!(
                    "header has no {want} column; expected the eQTLGen layout SNP hg19_chr \
                     hg19_pos AlleleA AlleleB allA_total allAB_total allB_total AlleleB_all, \
                     found: {header}"
                ),
            )
        })
    };
    Ok(Columns {
        snp: need("SNP")?,
        a: need("AlleleA")?,
        b: need("AlleleB")?,
        freq: need("AlleleB_all")?,
        n: names.len(),
    })
}

/// Read the file (plain or gzipped) row by row. Rows with too few fields are an error naming
/// the line.
pub fn for_each_row(path: &Path, f: impl FnMut(FreqRow) -> Result<()>) -> Result<()> {
    parse_rows(open_text(path)?, path, f)
}

/// [`for_each_row`] on any reader; `path` names it in errors.
pub fn parse_rows<R: BufRead>(
    reader: R,
    path: &Path,
    mut f: impl FnMut(FreqRow) -> Result<()>,
) -> Result<()> {
    let mut lines = LineReader::new(reader, path);
    let cols = match lines.next_line()? {
        Some((_, h)) => find_columns(&line_str(h), path)?,
        None => return Err(Error::format(path, "empty file, expected a header line")),
    };
    let mut toks: Vec<String> = Vec::with_capacity(cols.n);
    while let Some((line, bytes)) = lines.next_line()? {
        if bytes.is_empty() {
            continue;
        }
        let text = line_str(bytes);
        toks.clear();
        toks.extend(text.split_whitespace().map(str::to_string));
        if toks.len() != cols.n {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected {} fields like the header, found {}",
                    cols.n,
                    toks.len()
                ),
            ));
        }
        let ftok = toks[cols.freq].as_str();
        let freq_b = crate::io::text::parse_f64_fast(ftok)
            .ok()
            .filter(|v| (0.0..=1.0).contains(v));
        f(FreqRow {
            line,
            snp: toks[cols.snp].clone(),
            allele_a: toks[cols.a].to_ascii_uppercase(),
            allele_b: toks[cols.b].to_ascii_uppercase(),
            freq_b,
            decimals: decimals_of(ftok),
        })?;
    }
    Ok(())
}

/// What applying the file to the `.esi` did.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FreqApplied {
    /// Data rows read.
    pub rows: usize,
    /// Rows whose SNP is not in the `.esi`.
    pub not_in_eqtl: usize,
    /// Rows whose AlleleB is the eQTL A1.
    pub b_is_a1: usize,
    /// Rows whose AlleleA is the eQTL A1 (frequency turned into `1 - f`).
    pub a_is_a1: usize,
    /// Rows whose alleles match neither way (listed in the report).
    pub mismatched: usize,
    /// Rows with a missing or out-of-range frequency.
    pub freq_missing: usize,
    /// `.esi` frequencies set where they were missing.
    pub filled: usize,
    /// `.esi` frequencies replaced.
    pub replaced: usize,
    /// SNPs with both frequencies where they agree to the file's precision.
    pub agree: usize,
    /// SNPs with both frequencies where they do not (listed in the report).
    pub disagree: usize,
    /// Largest |eQTLGen oriented − `.esi`| among SNPs with both.
    pub max_difference: f64,
}

/// A data row as the parallel parse of [`apply_to_esi`] leaves it; the rules of
/// data-spec/eqtlgen-freq.md §3 are then applied row by row in file order.
struct Parsed {
    /// 1-based line number.
    line: u64,
    /// The `.esi` row with the row's SNP ID, or [`NOT_IN_ESI`].
    esi: u32,
    /// How the row's alleles relate to that `.esi` row's.
    orient: Orientation,
    /// Frequency of AlleleB (`None` when missing or out of range).
    freq_b: Option<f64>,
    /// Decimal places of the frequency token.
    decimals: u32,
    /// AlleleA and AlleleB (upper case) of a row whose alleles match neither way, for the
    /// report.
    alleles: Option<Box<(String, String)>>,
}

/// Upper case, without a copy when it already is.
fn up(t: &str) -> std::borrow::Cow<'_, str> {
    if t.bytes().any(|b| b.is_ascii_lowercase()) {
        std::borrow::Cow::Owned(t.to_ascii_uppercase())
    } else {
        std::borrow::Cow::Borrowed(t)
    }
}

/// [`Parsed::esi`] of a row whose SNP is not in the `.esi`.
const NOT_IN_ESI: u32 = u32::MAX;

/// One chunk's rows, and the `.esi` row after the chunk's last match (where the next row's
/// SNP usually is: the file and the `.esi` are both in genome order).
#[derive(Default)]
struct Chunk {
    rows: Vec<Parsed>,
    next: usize,
}

/// Apply the eQTLGen file to the `.esi` table (data-spec/eqtlgen-freq.md §3): orient each
/// matching SNP's frequency to A1, compare it with the `.esi` value, and fill or replace.
/// Mismatched alleles and disagreeing frequencies are added to `report`.
///
/// The text is parsed in parallel, block by block as it is decompressed
/// ([`crate::io::text::parse_chunks_read`]), each row reduced to its `.esi` row, allele
/// orientation and frequency; the rows are then applied in file order, so counts, report
/// rows and the first error are those of a row-by-row reading.
pub fn apply_to_esi(
    path: &Path,
    esi: &mut EsiTable,
    mode: FreqMode,
    report: &mut HarmoniseReport,
) -> Result<FreqApplied> {
    use crate::io::id_index::IdIndex;
    use crate::io::text::{parse_chunks_read, read_line_capped};
    let mut reader = open_text(path)?;
    let mut header = Vec::new();
    if !read_line_capped(&mut reader, &mut header, path, 1)? {
        return Err(Error::format(path, "empty file, expected a header line"));
    }
    let cols = find_columns(&line_str(&header), path)?;
    let table: &EsiTable = esi;
    // First occurrence of each ID.
    let index = IdIndex::build_all(table.len(), |j| table.snp(j as usize));
    let unique = index.unique();
    let parse = |acc: &mut Chunk, line: u64, bytes: &[u8]| -> Result<()> {
        if bytes.is_empty() {
            return Ok(());
        }
        let text = line_str(bytes);
        let mut f: [&str; 4] = [""; 4];
        let mut n = 0;
        for (k, tok) in text.split_whitespace().enumerate() {
            for (slot, &c) in f.iter_mut().zip(&[cols.snp, cols.a, cols.b, cols.freq]) {
                if k == c {
                    *slot = tok;
                }
            }
            n += 1;
        }
        if n != cols.n {
            return Err(Error::parse(
                path,
                line,
                format!("expected {} fields like the header, found {n}", cols.n),
            ));
        }
        let [snp, ta, tb, ftok] = f;
        let freq_b = crate::io::text::parse_f64_fast(ftok)
            .ok()
            .filter(|v| (0.0..=1.0).contains(v));
        let decimals = decimals_of(ftok);
        // With distinct `.esi` IDs the row just after the previous match, when its ID is
        // this one, is the row the index would give.
        let guess = (unique && acc.next < table.len() && table.snp(acc.next) == snp)
            .then_some(acc.next as u32);
        let Some(i) = guess.or_else(|| index.get(snp, |j| table.snp(j as usize))) else {
            acc.rows.push(Parsed {
                line,
                esi: NOT_IN_ESI,
                orient: Orientation::Mismatch,
                freq_b,
                decimals,
                alleles: None,
            });
            return Ok(());
        };
        acc.next = i as usize + 1;
        let (a, b) = (up(ta), up(tb));
        let e = table.row(i as usize);
        let orient = orientation(e.a1, e.a2, &a, &b);
        acc.rows.push(Parsed {
            line,
            esi: i,
            orient,
            freq_b,
            decimals,
            alleles: (orient == Orientation::Mismatch)
                .then(|| Box::new((a.into_owned(), b.into_owned()))),
        });
        Ok(())
    };
    // Each row is used once (`done`), so the new frequencies are applied after the scan.
    let mut updates: Vec<(usize, f32)> = Vec::new();
    let mut s = FreqApplied::default();
    let mut done = vec![false; table.len()];
    let mut apply = |row: &Parsed| {
        s.rows += 1;
        if row.esi == NOT_IN_ESI {
            s.not_in_eqtl += 1;
            return;
        }
        let i = row.esi as usize;
        let e = table.row(i);
        if std::mem::replace(&mut done[i], true) {
            report.push(
                e.snp,
                "eqtlgen-freq",
                "not used",
                "duplicate ID",
                format!("line {}: SNP already seen in the file", row.line),
            );
            return;
        }
        match row.orient {
            Orientation::BIsA1 => s.b_is_a1 += 1,
            Orientation::AIsA1 => s.a_is_a1 += 1,
            Orientation::Mismatch => {
                s.mismatched += 1;
                let (a, b) = row.alleles.as_deref().map_or(("", ""), |(a, b)| (a, b));
                report.push(
                    e.snp,
                    "eqtlgen-freq",
                    "not used",
                    "allele mismatch",
                    format!(
                        "line {}: AlleleA/AlleleB {a}/{b} vs eQTL A1/A2 {}/{}",
                        row.line, e.a1, e.a2
                    ),
                );
                return;
            }
        }
        let Some(f) = row.freq_b.map(|f| match row.orient {
            Orientation::AIsA1 => 1.0 - f,
            _ => f,
        }) else {
            s.freq_missing += 1;
            return;
        };
        match e.freq {
            Some(old) => {
                let d = (f - f64::from(old)).abs();
                s.max_difference = s.max_difference.max(d);
                if d <= precision_tolerance(row.decimals) {
                    s.agree += 1;
                } else {
                    s.disagree += 1;
                    report.push(
                        e.snp,
                        "eqtlgen-freq",
                        if mode == FreqMode::Replace {
                            "replaced"
                        } else {
                            "flagged"
                        },
                        "frequency difference",
                        format!(
                            "line {}: eQTLGen frequency of A1 {} {:.6} vs .esi {}",
                            row.line, e.a1, f, old
                        ),
                    );
                }
                if mode == FreqMode::Replace {
                    updates.push((i, f as f32));
                    s.replaced += 1;
                }
            }
            None => {
                updates.push((i, f as f32));
                s.filled += 1;
            }
        }
    };
    parse_chunks_read(&mut reader, path, 2, Chunk::default, parse, |chunks| {
        for c in &chunks {
            c.rows.iter().for_each(&mut apply);
        }
        Ok(())
    })?;
    drop(index);
    for (i, f) in updates {
        esi.set_freq(i, Some(f));
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::esi::EsiRecord;

    const HEADER: &str = "SNP\thg19_chr\thg19_pos\tAlleleA\tAlleleB\tallA_total\tallAB_total\tallB_total\tAlleleB_all\n";

    fn esi(snp: &str, a1: &str, a2: &str, freq: Option<f32>) -> EsiRecord {
        EsiRecord {
            chr: 1,
            snp: snp.into(),
            bp: 100,
            a1: a1.into(),
            a2: a2.into(),
            freq,
        }
    }

    fn apply(text: &str, table: &mut EsiTable, mode: FreqMode) -> (FreqApplied, HarmoniseReport) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("af.txt");
        std::fs::write(&p, text).unwrap();
        let mut rep = HarmoniseReport::default();
        let s = apply_to_esi(&p, table, mode, &mut rep).unwrap();
        (s, rep)
    }

    #[test]
    fn orientation_both_ways_and_mismatch() {
        assert_eq!(orientation("A", "G", "G", "A"), Orientation::BIsA1);
        assert_eq!(orientation("A", "G", "A", "G"), Orientation::AIsA1);
        assert_eq!(orientation("A", "G", "T", "C"), Orientation::Mismatch);
        // "Equal to the file's precision": a 4-decimal token 0.8929 stands for [0.89285,
        // 0.89295]; float32 .esi values just inside that pass, just outside do not.
        let tol = precision_tolerance(decimals_of("0.8929"));
        assert!((f64::from(0.89294f32) - 0.8929).abs() <= tol);
        assert!((f64::from(0.89286f32) - 0.8929).abs() <= tol);
        assert!((f64::from(0.89296f32) - 0.8929).abs() > tol);
        assert!((f64::from(0.8928f32) - 0.8929).abs() > tol);
        assert_eq!(decimals_of("0.8929"), 4);
        assert_eq!(decimals_of("1"), 0);
    }

    #[test]
    fn fill_orients_and_reports() {
        let text = format!(
            "{HEADER}rs1\t1\t100\tG\tA\t1\t2\t3\t0.8929\n\
             rs2\t1\t200\tA\tC\t1\t2\t3\t0.25\n\
             rs3\t1\t300\tT\tC\t1\t2\t3\t0.5\n\
             rs4\t1\t400\tA\tG\t1\t2\t3\t0.3000\n\
             rs9\t1\t900\tA\tG\t1\t2\t3\t0.3\n"
        );
        let mut t = EsiTable::from_records(&[
            esi("rs1", "A", "G", Some(0.892895)), // B = A1, agrees to 4 decimals
            esi("rs2", "A", "C", None),           // A = A1: filled with 0.75
            esi("rs3", "A", "G", None),           // mismatch
            esi("rs4", "G", "A", Some(0.9)),      // B = A1 -> 0.3 vs .esi 0.9: disagrees
        ]);
        let (s, rep) = apply(&text, &mut t, FreqMode::Fill);
        assert_eq!(s.rows, 5);
        assert_eq!(s.not_in_eqtl, 1);
        assert_eq!((s.b_is_a1, s.a_is_a1, s.mismatched), (2, 1, 1));
        assert_eq!((s.filled, s.replaced, s.agree, s.disagree), (1, 0, 1, 1));
        assert_eq!(t.freq(1), Some(0.75));
        assert_eq!(t.freq(0), Some(0.892895)); // fill keeps existing values
        assert_eq!(t.freq(3), Some(0.9));
        let reasons: Vec<(&str, &str, &str)> = rep
            .rows
            .iter()
            .map(|r| (r.snp.as_str(), r.action, r.reason))
            .collect();
        assert_eq!(
            reasons,
            [
                ("rs3", "not used", "allele mismatch"),
                ("rs4", "flagged", "frequency difference")
            ]
        );
        assert!(rep.rows[0].detail.contains("T/C vs eQTL A1/A2 A/G"));
        // Replace mode overwrites.
        let (s, _) = apply(&text, &mut t, FreqMode::Replace);
        assert_eq!(s.replaced, 3);
        assert_eq!(t.freq(3), Some(0.3));
        assert_eq!(t.freq(0), Some(0.8929));
    }

    #[test]
    fn rows_out_of_order_duplicates_lower_case_and_na() {
        // Rows in another order than the .esi (the look-ahead misses), a repeated SNP, lower-
        // case alleles, an NA frequency and an empty line: the row-by-row rules still apply.
        let text = format!(
            "{HEADER}rs3\t1\t300\tg\ta\t1\t2\t3\t0.5000\n\
             rs1\t1\t100\tG\tA\t1\t2\t3\tNA\n\
             \n\
             rs2\t1\t200\tA\tC\t1\t2\t3\t0.25\n\
             rs3\t1\t300\tG\tA\t1\t2\t3\t0.1\n\
             rs7\t1\t700\tG\tA\t1\t2\t3\t0.1\n"
        );
        let mut t = EsiTable::from_records(&[
            esi("rs1", "A", "G", None),
            esi("rs2", "A", "C", None),
            esi("rs3", "A", "G", Some(0.5)),
        ]);
        let (s, rep) = apply(&text, &mut t, FreqMode::Fill);
        assert_eq!((s.rows, s.not_in_eqtl), (5, 1));
        assert_eq!((s.b_is_a1, s.a_is_a1, s.mismatched), (2, 1, 0));
        assert_eq!((s.freq_missing, s.filled, s.agree), (1, 1, 1));
        assert_eq!(t.freq(0), None);
        assert_eq!(t.freq(1), Some(0.75));
        assert_eq!(rep.rows.len(), 1);
        assert_eq!(
            (rep.rows[0].snp.as_str(), rep.rows[0].reason),
            ("rs3", "duplicate ID")
        );
        assert!(
            rep.rows[0].detail.starts_with("line 6:"),
            "{}",
            rep.rows[0].detail
        );
    }

    #[test]
    fn bad_header_and_short_row() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("af.txt");
        std::fs::write(&p, "SNP\tA1\tA2\n").unwrap();
        let e = for_each_row(&p, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("no AlleleA column"), "{e}");
        std::fs::write(&p, format!("{HEADER}rs1\t1\t100\tG\tA\n")).unwrap();
        let e = for_each_row(&p, |_| Ok(())).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("found 5"), "{e}");
    }
}
