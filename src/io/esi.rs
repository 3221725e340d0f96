//! `.esi`: the SNP table of a BESD triplet (data-spec/esi.md).
//!
//! T1-tokenised, no header, 6 or 7 columns: `chr SNP cM bp A1 A2 [freq]`. Zero-length lines are
//! skipped; the SNP's row id in the `.besd` is its index among the non-empty lines.

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{
    collect_fields, is_na, parse_bp, parse_chrom, parse_opt_f64, split_t1, upper, LineReader,
};
use crate::types::{Bp, Chrom, SkippedRow};
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// One SNP of an `.esi` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EsiRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: String,
    /// Position.
    pub bp: Bp,
    /// Effect allele (upper case): the allele every beta refers to.
    pub a1: String,
    /// Other allele (upper case).
    pub a2: String,
    /// Frequency of A1 as stored (float32); `None` when `NA` or absent.
    pub freq: Option<f32>,
}

/// Read an `.esi` file (plain or gzipped).
pub fn read_esi(path: &Path) -> Result<Vec<EsiRecord>> {
    parse_esi(open_text(path)?, path)
}

/// [`read_esi`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_esi_flagged(path: &Path) -> Result<(Vec<EsiRecord>, Vec<SkippedRow>)> {
    parse_esi_flagged(open_text(path)?, path)
}

/// Parse `.esi` text from a reader; `path` names the source in errors.
pub fn parse_esi<R: BufRead>(reader: R, path: &Path) -> Result<Vec<EsiRecord>> {
    parse_esi_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_esi`], also returning the renamed duplicate IDs (see [`read_esi_flagged`]).
pub fn parse_esi_flagged<R: BufRead>(
    reader: R,
    path: &Path,
) -> Result<(Vec<EsiRecord>, Vec<SkippedRow>)> {
    let mut renamed = Vec::new();
    let mut lines = LineReader::new(reader, path);
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((line, text)) = lines.next_line()? {
        if text.is_empty() {
            continue;
        }
        let mut toks = [""; 7];
        let n_toks = collect_fields(split_t1(text), &mut toks);
        if n_toks != 6 && n_toks != 7 {
            return Err(Error::parse(
                path,
                line,
                format!("expected 6 or 7 columns, found {}", n_toks),
            ));
        }
        // Count of non-empty lines so far, this one included (data-spec/esi.md "Duplicates").
        let k = out.len() + 1;
        if is_na(toks[0]) {
            return Err(Error::parse(path, line, "column chr: NA is not allowed"));
        }
        let chr = parse_chrom(toks[0], false, path, line)?;
        if is_na(toks[1]) {
            return Err(Error::parse(path, line, "column SNP: NA is not allowed"));
        }
        if is_na(toks[3]) {
            return Err(Error::parse(path, line, "column bp: NA is not allowed"));
        }
        let bp = parse_bp(toks[3], path, line)?;
        let freq = if n_toks == 7 {
            match parse_opt_f64(toks[6], path, line, "freq")? {
                Some(f) if f != -9.0 => Some(f as f32),
                _ => None,
            }
        } else {
            None
        };
        let mut snp = toks[1].to_string();
        if !seen.insert(snp.clone()) {
            let new = format!("{snp}_{k}");
            renamed.push(SkippedRow::renamed(line, &snp, &new));
            snp = new;
            seen.insert(snp.clone());
        }
        out.push(EsiRecord {
            chr,
            snp,
            bp,
            a1: upper(toks[4]),
            a2: upper(toks[5]),
            freq,
        });
    }
    Ok((out, renamed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<EsiRecord>> {
        parse_esi(s.as_bytes(), Path::new("t.esi"))
    }

    #[test]
    fn good_lines_crlf_and_optional_freq() {
        let r = parse("1\trs1\t0\t100\ta\tg\t0.25\r\n\r\nX rs2 0 200 C T\nchr2,rs3,0,300,T,C,NA\n")
            .unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(
            r[0],
            EsiRecord {
                chr: 1,
                snp: "rs1".into(),
                bp: 100,
                a1: "A".into(),
                a2: "G".into(),
                freq: Some(0.25)
            }
        );
        assert_eq!((r[1].chr, r[1].freq), (23, None));
        assert_eq!((r[2].chr, r[2].bp, r[2].freq), (2, 300, None));
    }

    #[test]
    fn freq_is_float32_and_minus_nine_is_missing() {
        let r = parse("1 rs1 0 1 A G 0.1\n1 rs2 0 2 A G -9\n").unwrap();
        assert_eq!(r[0].freq, Some(0.1f64 as f32));
        assert_eq!(r[1].freq, None);
    }

    #[test]
    fn duplicates_renamed_by_non_empty_line_count() {
        let r = parse("1 rs1 0 1 A G\n\n1 rs1 0 2 A G\n").unwrap();
        assert_eq!(r[1].snp, "rs1_2");
    }

    #[test]
    fn errors_name_the_line() {
        let e = parse("1 rs1 0 1 A G\n1 rs2 0 1 A\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("expected 6 or 7 columns, found 5"),
            "{e}"
        );
        assert!(parse("0 rs1 0 1 A G\n").is_err());
        assert!(parse("NA rs1 0 1 A G\n").is_err());
        assert!(parse("1 NA 0 1 A G\n").is_err());
        assert!(parse("1 rs1 0 NA A G\n").is_err());
        assert!(parse("1 rs1 0 1e6 A G\n").is_err());
        let e = parse("1 rs1 0 1 A G 0.5x\n").unwrap_err().to_string();
        assert!(e.contains("freq") && e.contains("0.5x"), "{e}");
    }
}
