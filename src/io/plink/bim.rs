//! `.bim` reader (data-spec/plink.md §bim).
//!
//! Whitespace-tokenised, exactly 6 columns `chr SNP cM bp A1 A2` per non-empty line. Unlike the
//! reference (which silently stops at a non-numeric chromosome), `X`, `Y`, `XY`, `MT` and a
//! `chr` prefix are decoded and reading goes on; anything else is an error.

use crate::error::{Error, Result};
use crate::io::source::read_bytes;
use crate::io::text::{
    collect_fields, find_duplicates, line_str, parse_chrom, parse_f64, parse_i64, parse_lines_par,
    split_ws, upper_compact,
};
use crate::types::{Bp, Chrom, SkippedRow};
use compact_str::CompactString;
use std::io::BufRead;
use std::path::Path;

/// One SNP of a `.bim` file.
#[derive(Debug, Clone, PartialEq)]
pub struct BimRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: CompactString,
    /// Genetic distance (unused).
    pub cm: f64,
    /// Position.
    pub bp: Bp,
    /// Allele 1 (upper case): the allele counted by the `.bed` codes.
    pub a1: CompactString,
    /// Allele 2 (upper case).
    pub a2: CompactString,
}

/// A `.bim` position: any 32-bit integer (PLINK marks excluded variants with a negative
/// position; fastsmr takes positions from the `.esi`, so this one is only checked).
fn parse_bim_bp(tok: &str, path: &Path, line: u64) -> Result<Bp> {
    let bp = parse_i64(tok, path, line, "bp")?;
    if i32::try_from(bp).is_ok() {
        Ok(bp)
    } else {
        Err(Error::parse(
            path,
            line,
            format!("column bp: expected a 32-bit integer, found '{tok}'"),
        ))
    }
}

/// Read a `.bim` file (plain or gzipped), parsing in parallel.
pub fn read_bim(path: &Path) -> Result<Vec<BimRecord>> {
    read_bim_flagged(path).map(|(records, _)| records)
}

/// [`read_bim`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_bim_flagged(path: &Path) -> Result<(Vec<BimRecord>, Vec<SkippedRow>)> {
    parse_bim_bytes(&read_bytes(path)?, path)
}

/// [`read_bim`] on a reader; `path` names the source in errors.
pub fn parse_bim<R: BufRead>(reader: R, path: &Path) -> Result<Vec<BimRecord>> {
    parse_bim_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_bim`], also returning the renamed duplicate IDs (see [`read_bim_flagged`]).
pub fn parse_bim_flagged<R: BufRead>(
    mut reader: R,
    path: &Path,
) -> Result<(Vec<BimRecord>, Vec<SkippedRow>)> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::read(path, e))?;
    parse_bim_bytes(&data, path)
}

/// Parse a whole `.bim` text held in memory (lines in parallel, duplicates renamed after),
/// returning the records and the renamed duplicate IDs.
pub fn parse_bim_bytes(data: &[u8], path: &Path) -> Result<(Vec<BimRecord>, Vec<SkippedRow>)> {
    let (mut out, lines) =
        parse_lines_par(data, 1, |line, bytes| parse_bim_line(bytes, line, path))?;
    let mut renamed = Vec::new();
    // A later duplicate is renamed `ID_<line>` (data-spec/plink.md §bim).
    for (i, old, new) in
        find_duplicates(&out, |r| r.snp.as_str(), |s, i| format!("{s}_{}", lines[i]))
    {
        renamed.push(SkippedRow::renamed(lines[i], &old, &new));
        out[i].snp = CompactString::from(new);
    }
    Ok((out, renamed))
}

fn parse_bim_line(bytes: &[u8], line: u64, path: &Path) -> Result<Option<BimRecord>> {
    if bytes.is_empty() {
        return Ok(None);
    }
    let text = line_str(bytes);
    let mut toks = [""; 6];
    let n_toks = collect_fields(split_ws(&text), &mut toks);
    if n_toks != 6 {
        return Err(Error::parse(
            path,
            line,
            format!("expected 6 columns (chr SNP cM bp A1 A2), found {}", n_toks),
        ));
    }
    let chr = parse_chrom(toks[0], true, path, line)?;
    let cm = parse_f64(toks[2], path, line, "cM")?;
    let bp = parse_bim_bp(toks[3], path, line)?;
    Ok(Some(BimRecord {
        chr,
        snp: CompactString::from(toks[1]),
        cm,
        bp,
        a1: upper_compact(toks[4]),
        a2: upper_compact(toks[5]),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<BimRecord>> {
        parse_bim(s.as_bytes(), Path::new("t.bim"))
    }

    #[test]
    fn good() {
        let r =
            parse("1\trs1\t0\t100\ta\tg\r\nX rs2 0.5 200 C T\n0 rs3 0 0 A G\nchrMT rs1 0 5 A G\n")
                .unwrap();
        assert_eq!(
            r[0],
            BimRecord {
                chr: 1,
                snp: "rs1".into(),
                cm: 0.0,
                bp: 100,
                a1: "A".into(),
                a2: "G".into()
            }
        );
        assert_eq!((r[1].chr, r[1].cm), (23, 0.5));
        assert_eq!(r[2].chr, 0);
        assert_eq!((r[3].chr, r[3].snp.as_str()), (26, "rs1_4"));
    }

    #[test]
    fn bad() {
        let e = parse("1 rs1 0 100 A\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("found 5"), "{e}");
        assert!(parse("Q rs1 0 100 A G\n").is_err());
        assert!(parse("1 rs1 0 1e6 A G\n").is_err());
        assert!(parse("1 rs1 x 1 A G\n").is_err());
    }
}
