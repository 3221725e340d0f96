//! GWAS summary statistics in GCTA-COJO `.ma` layout (data-spec/ma.md).
//!
//! T1-tokenised; a header line whose first token (upper-cased) is `SNP`, then data lines of
//! exactly 8 tokens `SNP A1 A2 freq b se p n`. No row is dropped here: rows that cannot be
//! tested, and renamed duplicates, are listed in [`GwasData::flagged`].

use crate::error::{Error, Result};
use crate::io::source::read_bytes;
use crate::io::text::{
    collect_fields, find_duplicates, is_na, parse_lines_par, parse_opt_f64, split_t1, upper_compact,
};
use crate::types::SkippedRow;
use compact_str::CompactString;
use rayon::prelude::*;
use std::io::BufRead;
use std::path::Path;

/// Number of columns of a `.ma` data line (data-spec/ma.md).
pub const MA_COLUMNS: usize = 8;

/// One GWAS row. Values that were `NA` (or unusable, see [`GwasRecord::usable`]) stay in the
/// table so that SNP matching and the frequency check count them as the reference does, but
/// such a SNP never enters an SMR or HEIDI test.
#[derive(Debug, Clone, PartialEq)]
pub struct GwasRecord {
    /// SNP ID (a later duplicate renamed `ID_<data row>`).
    pub snp: CompactString,
    /// Effect allele (upper case).
    pub a1: CompactString,
    /// Other allele (upper case).
    pub a2: CompactString,
    /// Frequency of A1; `None` when `NA`.
    pub freq: Option<f64>,
    /// Effect of A1; `None` when `NA`.
    pub b: Option<f64>,
    /// Standard error; `None` when `NA`.
    pub se: Option<f64>,
    /// p-value as written; `None` when `NA`.
    pub p: Option<f64>,
    /// Sample size; `None` when `NA`.
    pub n: Option<f64>,
    /// Chromosome, for layouts that have one (never for `.ma`); used by `--match-by chrpos`.
    pub chr: Option<crate::types::Chrom>,
    /// Position, for layouts that have one (never for `.ma`).
    pub bp: Option<crate::types::Bp>,
}

impl GwasRecord {
    /// True when b is finite, se is finite and > 0, p is in [0, 1] and both alleles are one of
    /// A, C, G, T: the row can be tested.
    pub fn usable(&self) -> bool {
        matches!((self.b, self.se, self.p), (Some(b), Some(se), Some(p))
            if b.is_finite() && se.is_finite() && se > 0.0 && (0.0..=1.0).contains(&p))
            && is_acgt(&self.a1)
            && is_acgt(&self.a2)
    }

    /// Why the row cannot be tested (reasons joined by `"; "`), or `None` when it is
    /// [`usable`](GwasRecord::usable).
    pub fn unusable_reason(&self) -> Option<String> {
        let mut why: Vec<&str> = Vec::new();
        match self.b {
            None => why.push("b is NA"),
            Some(b) if !b.is_finite() => why.push("b is not finite"),
            _ => {}
        }
        match self.se {
            None => why.push("se is NA"),
            Some(se) if !se.is_finite() => why.push("se is not finite"),
            Some(se) if se <= 0.0 => why.push("se <= 0"),
            _ => {}
        }
        match self.p {
            None => why.push("p is NA"),
            Some(p) if !(0.0..=1.0).contains(&p) => why.push("p outside [0,1]"),
            _ => {}
        }
        if !(is_acgt(&self.a1) && is_acgt(&self.a2)) {
            why.push("allele not A/C/G/T");
        }
        if why.is_empty() {
            None
        } else {
            Some(why.join("; "))
        }
    }
}

/// True for an allele written as a non-empty string of the bases `A`, `C`, `G`, `T` (upper
/// case, as stored): single bases and indel alleles such as `AT` (data-spec/ma.md §flagged).
pub fn is_acgt(allele: &str) -> bool {
    !allele.is_empty()
        && allele
            .bytes()
            .all(|b| matches!(b, b'A' | b'C' | b'G' | b'T'))
}

/// A whole GWAS file.
#[derive(Debug, Clone, Default)]
pub struct GwasData {
    /// Rows in file order.
    pub records: Vec<GwasRecord>,
    /// Rows that are kept in `records` but cannot be tested (NA or out-of-range b/se/p), and
    /// renamed duplicates, each with its line and reason.
    pub flagged: Vec<SkippedRow>,
    /// Number of rows whose frequency is `NA`.
    pub n_freq_na: usize,
    /// Rows left out of `records` because a value is unusable (layouts other than `.ma`;
    /// data-spec/gwas-layouts.md §4).
    pub skipped: Vec<SkippedRow>,
}

/// Read a `.ma` file (plain or gzipped), parsing data lines in parallel.
pub fn read_ma(path: &Path) -> Result<GwasData> {
    parse_ma_bytes(&read_bytes(path)?, path)
}

/// Parse `.ma` text from a reader; `path` names the source in errors.
pub fn parse_ma<R: BufRead>(mut reader: R, path: &Path) -> Result<GwasData> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::read(path, e))?;
    parse_ma_bytes(&data, path)
}

/// Parse a whole `.ma` text held in memory.
pub fn parse_ma_bytes(bytes: &[u8], path: &Path) -> Result<GwasData> {
    if bytes.is_empty() {
        return Err(Error::format(
            path,
            "empty file, expected a header line starting with SNP",
        ));
    }
    let (header, body) = match bytes.iter().position(|&b| b == b'\n') {
        Some(i) => (&bytes[..i], &bytes[i + 1..]),
        None => (bytes, &bytes[bytes.len()..]),
    };
    let header = header.strip_suffix(b"\r").unwrap_or(header);
    let first = split_t1(header).next().unwrap_or("");
    if !first.eq_ignore_ascii_case("SNP") {
        return Err(Error::parse(
            path,
            1,
            format!(
                "expected a header line starting with SNP (SNP A1 A2 freq b se p n), found '{first}'"
            ),
        ));
    }

    let (mut records, lines) =
        parse_lines_par(body, 2, |line, text| parse_ma_line(text, line, path))?;
    let mut data = GwasData {
        n_freq_na: records.par_iter().filter(|r| r.freq.is_none()).count(),
        ..GwasData::default()
    };
    // 1-based index among data rows (data-spec/ma.md "Duplicates").
    let dups = find_duplicates(
        &records,
        |r| r.snp.as_str(),
        |s, i| format!("{s}_{}", i + 1),
    );
    if dups.is_empty() {
        // Only unusable rows are flagged: found in parallel, kept in line order.
        data.flagged = records
            .par_iter()
            .zip(lines.par_iter())
            .filter_map(|(rec, &line)| {
                rec.unusable_reason().map(|reason| SkippedRow {
                    line,
                    id: rec.snp.to_string(),
                    reason,
                })
            })
            .collect();
        data.records = records;
        return Ok(data);
    }
    // Flagged rows in line order: the duplicate note before the row's unusable reason.
    let mut d = dups.into_iter().peekable();
    for (i, rec) in records.iter_mut().enumerate() {
        let original = match d.peek() {
            Some((j, _, _)) if *j == i => {
                let (_, orig, new) = d.next().unwrap_or_default();
                data.flagged.push(SkippedRow {
                    line: lines[i],
                    id: orig.clone(),
                    reason: format!("duplicate SNP ID, renamed {new}"),
                });
                rec.snp = CompactString::from(new.as_str());
                Some(orig)
            }
            _ => None,
        };
        if let Some(reason) = rec.unusable_reason() {
            data.flagged.push(SkippedRow {
                line: lines[i],
                id: original.unwrap_or_else(|| rec.snp.to_string()),
                reason,
            });
        }
    }
    data.records = records;
    Ok(data)
}

fn parse_ma_line(text: &[u8], line: u64, path: &Path) -> Result<Option<GwasRecord>> {
    if text.is_empty() {
        return Ok(None);
    }
    let mut toks = [""; MA_COLUMNS];
    let n_toks = collect_fields(split_t1(text), &mut toks);
    if n_toks != MA_COLUMNS {
        return Err(Error::parse(
            path,
            line,
            format!(
                "expected {MA_COLUMNS} columns (SNP A1 A2 freq b se p n), found {}",
                n_toks
            ),
        ));
    }
    for (i, name) in [(0, "SNP"), (1, "A1"), (2, "A2")] {
        if is_na(toks[i]) {
            return Err(Error::parse(
                path,
                line,
                format!("column {name}: NA is not allowed"),
            ));
        }
    }
    Ok(Some(GwasRecord {
        snp: CompactString::from(toks[0]),
        a1: upper_compact(toks[1]),
        a2: upper_compact(toks[2]),
        freq: parse_opt_f64(toks[3], path, line, "freq")?,
        b: parse_opt_f64(toks[4], path, line, "b")?,
        se: parse_opt_f64(toks[5], path, line, "se")?,
        p: parse_opt_f64(toks[6], path, line, "p")?,
        n: parse_opt_f64(toks[7], path, line, "n")?,
        chr: None,
        bp: None,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEADER: &str = "SNP A1 A2 freq b se p n\n";

    fn parse(s: &str) -> Result<GwasData> {
        parse_ma(s.as_bytes(), Path::new("t.ma"))
    }

    #[test]
    fn good_rows() {
        let d = parse(&format!("{HEADER}rs1 a g 0.3 0.1 0.05 0.04 1000\n\n")).unwrap();
        assert_eq!(
            d.records,
            [GwasRecord {
                snp: "rs1".into(),
                a1: "A".into(),
                a2: "G".into(),
                freq: Some(0.3),
                b: Some(0.1),
                se: Some(0.05),
                p: Some(0.04),
                n: Some(1000.0),
                chr: None,
                bp: None
            }]
        );
        assert!(d.flagged.is_empty());
        assert_eq!(d.n_freq_na, 0);
    }

    #[test]
    fn crlf_comma_and_lowercase_header() {
        let d = parse("snp,A1,A2,freq,b,se,p,n\r\nrs1,A,G,0.3,0.1,0.05,0.04,1e3\r\n").unwrap();
        assert_eq!(d.records[0].n, Some(1000.0));
        assert_eq!(d.records[0].snp, "rs1");
    }

    #[test]
    fn na_values_are_kept_and_flagged() {
        let d = parse(&format!(
            "{HEADER}rs1 A G NA 0.1 NA 0.5 na\nrs2 A G 0.2 NA 0.1 NA 10\nrs3 A G 0.2 0.1 0 2 10\nrs4 A G 0.2 inf -1 0.5 10\n"
        ))
        .unwrap();
        assert_eq!(d.records.len(), 4);
        assert_eq!(d.n_freq_na, 1);
        assert_eq!(d.records[0].n, None);
        let reasons: Vec<(u64, &str)> = d
            .flagged
            .iter()
            .map(|f| (f.line, f.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (2, "se is NA"),
                (3, "b is NA; p is NA"),
                (4, "se <= 0; p outside [0,1]"),
                (5, "b is not finite; se <= 0")
            ]
        );
        assert!(d.records.iter().all(|r| !r.usable()));
    }

    #[test]
    fn regression_issue5_non_acgt_alleles_are_flagged_not_fatal() {
        let d = parse(&format!(
            "{HEADER}rs1 N G 0.3 0.1 0.05 0.04 1\nrs2 A A-T 0.3 0.1 0.05 0.04 1\nrs3 c t 0.3 0.1 0.05 0.04 1\nrs4 A AT 0.3 0.1 0.05 0.04 1\n"
        ))
        .unwrap();
        assert_eq!(d.records.len(), 4);
        let flagged: Vec<(u64, &str)> = d
            .flagged
            .iter()
            .map(|f| (f.line, f.reason.as_str()))
            .collect();
        assert_eq!(
            flagged,
            [(2, "allele not A/C/G/T"), (3, "allele not A/C/G/T")]
        );
        assert!(!d.records[0].usable() && !d.records[1].usable() && d.records[2].usable());
        // An indel allele written in bases is a valid A/C/G/T string.
        assert!(d.records[3].usable());
    }

    #[test]
    fn duplicates_renamed_by_data_row() {
        let d = parse(&format!(
            "{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\n\nrs1 A G 0.3 0.1 0.05 0.04 1\n"
        ))
        .unwrap();
        assert_eq!(d.records[1].snp, "rs1_2");
        assert_eq!(d.flagged.len(), 1);
        assert_eq!(d.flagged[0].line, 4);
        assert_eq!(d.flagged[0].reason, "duplicate SNP ID, renamed rs1_2");
    }

    #[test]
    fn bad_files() {
        let e = parse("").unwrap_err().to_string();
        assert!(e.contains("empty file"), "{e}");
        assert!(parse("rs1 A G 0.3 0.1 0.05 0.04 1\n").is_err());
        assert!(parse("\nrs1 A G 0.3 0.1 0.05 0.04 1\n").is_err());
        let e = parse(&format!("{HEADER}rs1 A G 0.3 0.1 0.05 0.04\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("found 7"), "{e}");
        assert!(parse(&format!("{HEADER}   \n")).is_err());
        let e = parse(&format!("{HEADER}rs1 A G 0.3 0.1x 0.05 0.04 1\n"))
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("column b") && e.contains("0.1x"),
            "{e}"
        );
        assert!(parse(&format!("{HEADER}NA A G 0.3 0.1 0.05 0.04 1\n")).is_err());
        assert!(parse(&format!("{HEADER}rs1 na G 0.3 0.1 0.05 0.04 1\n")).is_err());
        assert!(parse(&format!("{HEADER}rs1 A G . 0.1 0.05 0.04 1\n")).is_err());
    }

    #[test]
    fn gzipped_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("g.ma.gz");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(format!("{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\n").as_bytes())
            .unwrap();
        std::fs::write(&path, enc.finish().unwrap()).unwrap();
        let d = read_ma(&path).unwrap();
        assert_eq!(d.records.len(), 1);
        assert!(d.records[0].usable());
    }
}
