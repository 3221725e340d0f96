//! `.bim` reader (data-spec/plink.md §bim).
//!
//! Whitespace-tokenised, exactly 6 columns `chr SNP cM bp A1 A2` per non-empty line. Unlike the
//! reference (which silently stops at a non-numeric chromosome), `X`, `Y`, `XY`, `MT` and a
//! `chr` prefix are decoded and reading goes on; anything else is an error.

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{
    collect_fields, line_str, parse_chrom, parse_f64, parse_i64, split_ws, upper, LineReader,
};
use crate::types::{Bp, Chrom, SkippedRow};
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// One SNP of a `.bim` file.
#[derive(Debug, Clone, PartialEq)]
pub struct BimRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: String,
    /// Genetic distance (unused).
    pub cm: f64,
    /// Position.
    pub bp: Bp,
    /// Allele 1 (upper case): the allele counted by the `.bed` codes.
    pub a1: String,
    /// Allele 2 (upper case).
    pub a2: String,
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

/// Read a `.bim` file.
pub fn read_bim(path: &Path) -> Result<Vec<BimRecord>> {
    parse_bim(open_text(path)?, path)
}

/// [`read_bim`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_bim_flagged(path: &Path) -> Result<(Vec<BimRecord>, Vec<SkippedRow>)> {
    parse_bim_flagged(open_text(path)?, path)
}

/// [`read_bim`] on a reader; `path` names the source in errors.
pub fn parse_bim<R: BufRead>(reader: R, path: &Path) -> Result<Vec<BimRecord>> {
    parse_bim_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_bim`], also returning the renamed duplicate IDs (see [`read_bim_flagged`]).
pub fn parse_bim_flagged<R: BufRead>(
    reader: R,
    path: &Path,
) -> Result<(Vec<BimRecord>, Vec<SkippedRow>)> {
    let mut renamed = Vec::new();
    let mut lines = LineReader::new(reader, path);
    let mut out = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((line, bytes)) = lines.next_line()? {
        if bytes.is_empty() {
            continue;
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
        let mut snp = toks[1].to_string();
        if !seen.insert(snp.clone()) {
            let new = format!("{snp}_{line}");
            renamed.push(SkippedRow::renamed(line, &snp, &new));
            snp = new;
            seen.insert(snp.clone());
        }
        out.push(BimRecord {
            chr,
            snp,
            cm,
            bp,
            a1: upper(toks[4]),
            a2: upper(toks[5]),
        });
    }
    Ok((out, renamed))
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
