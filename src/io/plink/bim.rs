//! `.bim` reader (data-spec/plink.md §bim).
//!
//! Whitespace-tokenised, exactly 6 columns `chr SNP cM bp A1 A2` per non-empty line. Unlike the
//! reference (which silently stops at a non-numeric chromosome), `X`, `Y`, `XY`, `MT` and a
//! `chr` prefix are decoded and reading goes on; anything else is an error.

use crate::error::{Error, Result};
use crate::io::columns::{parse_table, AlleleColumn, RowTable, StrColumn};
use crate::io::fields::fields_ws;
use crate::io::source::{read_bytes, Bytes};
use crate::io::text::{line_str, parse_chrom, parse_f64, parse_i64};
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

/// The SNPs of a `.bim` file in column storage (data-spec/memory.md): what the analysis uses
/// after reading (ID and alleles); chromosome, cM and position are checked when read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct BimTable {
    snp: StrColumn,
    a1: AlleleColumn,
    a2: AlleleColumn,
}

/// One row of a [`BimTable`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BimRow<'a> {
    /// SNP ID.
    pub snp: &'a str,
    /// Allele 1 (upper case): the allele counted by the `.bed` codes.
    pub a1: &'a str,
    /// Allele 2 (upper case).
    pub a2: &'a str,
}

impl BimTable {
    /// Number of SNPs.
    pub fn len(&self) -> usize {
        self.snp.len()
    }

    /// True when there is no SNP.
    pub fn is_empty(&self) -> bool {
        self.snp.is_empty()
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> BimRow<'_> {
        BimRow {
            snp: self.snp.get(i),
            a1: self.a1.get(i),
            a2: self.a2.get(i),
        }
    }

    /// SNP ID of row `i`.
    #[inline]
    pub fn snp(&self, i: usize) -> &str {
        self.snp.get(i)
    }

    /// Append a record; `path` names the input in errors.
    pub fn push(&mut self, r: &BimRecord, path: &Path) -> Result<()> {
        self.snp.push(&r.snp, path)?;
        self.a1.push(&r.a1, path)?;
        self.a2.push(&r.a2, path)
    }

    /// A table of `records` (tests and small inputs).
    pub fn from_records(records: &[BimRecord]) -> Self {
        let mut t = BimTable::default();
        for r in records {
            // Cannot fail below 4 GiB of text, which a slice of records in memory is not.
            let _ = t.push(r, Path::new(""));
        }
        t
    }
}

/// Read a `.bim` file (plain or gzipped), parsing in parallel.
pub fn read_bim(path: &Path) -> Result<BimTable> {
    read_bim_flagged(path).map(|(records, _)| records)
}

/// [`read_bim`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_bim_flagged(path: &Path) -> Result<(BimTable, Vec<SkippedRow>)> {
    parse_bim_source(&read_bytes(path)?, path)
}

/// [`read_bim`] on a reader; `path` names the source in errors.
pub fn parse_bim<R: BufRead>(reader: R, path: &Path) -> Result<BimTable> {
    parse_bim_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_bim`], also returning the renamed duplicate IDs (see [`read_bim_flagged`]).
pub fn parse_bim_flagged<R: BufRead>(
    mut reader: R,
    path: &Path,
) -> Result<(BimTable, Vec<SkippedRow>)> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::read(path, e))?;
    parse_bim_source(&Bytes::Owned(data), path)
}

/// Parse a whole `.bim` text (lines in parallel, block by block, duplicates renamed after),
/// returning the table and the renamed duplicate IDs.
pub fn parse_bim_source(data: &Bytes, path: &Path) -> Result<(BimTable, Vec<SkippedRow>)> {
    // A later duplicate is renamed `ID_<line>` (data-spec/plink.md §bim).
    parse_table(
        data,
        path,
        |t, bytes, line| parse_bim_line(t, bytes, line, path),
        |s, _, line| format!("{s}_{line}"),
    )
}

impl RowTable for BimTable {
    fn append_table(&mut self, other: Self, path: &Path) -> Result<()> {
        self.snp.append(&other.snp, path)?;
        self.a1.append(&other.a1, path)?;
        self.a2.append(&other.a2, path)
    }
    fn ids_mut(&mut self) -> &mut StrColumn {
        &mut self.snp
    }
    fn shrink(&mut self) {
        self.snp.shrink_to_fit();
        self.a1.shrink_to_fit();
        self.a2.shrink_to_fit();
    }
}

/// The fields of one `.bim` line, checked (data-spec/plink.md §bim); alleles as written.
#[derive(Debug, Clone, Copy, PartialEq)]
struct BimLine<'a> {
    chr: Chrom,
    snp: &'a str,
    cm: f64,
    bp: Bp,
    a1: &'a str,
    a2: &'a str,
}

/// Split and check one non-empty line.
fn bim_fields<'a>(text: &'a str, line: u64, path: &Path) -> Result<BimLine<'a>> {
    let mut toks = [""; 6];
    let n_toks = fields_ws(text, &mut toks);
    if n_toks != 6 {
        return Err(Error::parse(
            path,
            line,
            format!("expected 6 columns (chr SNP cM bp A1 A2), found {}", n_toks),
        ));
    }
    Ok(BimLine {
        chr: parse_chrom(toks[0], true, path, line)?,
        snp: toks[1],
        cm: parse_f64(toks[2], path, line, "cM")?,
        bp: parse_bim_bp(toks[3], path, line)?,
        a1: toks[4],
        a2: toks[5],
    })
}

/// Parse one line into `t` (the columns it keeps: ID and upper-cased alleles); `false` for an
/// empty line.
fn parse_bim_line(t: &mut BimTable, bytes: &[u8], line: u64, path: &Path) -> Result<bool> {
    if bytes.is_empty() {
        return Ok(false);
    }
    let text = line_str(bytes);
    let f = bim_fields(&text, line, path)?;
    t.snp.push(f.snp, path)?;
    t.a1.push_upper(f.a1, path)?;
    t.a2.push_upper(f.a2, path)?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::text::upper_compact;

    fn parse(s: &str) -> Result<BimTable> {
        parse_bim(s.as_bytes(), Path::new("t.bim"))
    }

    fn line(s: &str) -> BimRecord {
        let f = bim_fields(s, 1, Path::new("t.bim")).unwrap();
        BimRecord {
            chr: f.chr,
            snp: f.snp.into(),
            cm: f.cm,
            bp: f.bp,
            a1: upper_compact(f.a1),
            a2: upper_compact(f.a2),
        }
    }

    #[test]
    fn good() {
        let r =
            parse("1\trs1\t0\t100\ta\tg\r\nX rs2 0.5 200 C T\n0 rs3 0 0 A G\nchrMT rs1 0 5 A G\n")
                .unwrap();
        assert_eq!(
            line("1\trs1\t0\t100\ta\tg"),
            BimRecord {
                chr: 1,
                snp: "rs1".into(),
                cm: 0.0,
                bp: 100,
                a1: "A".into(),
                a2: "G".into()
            }
        );
        assert_eq!(
            r.row(0),
            BimRow {
                snp: "rs1",
                a1: "A",
                a2: "G"
            }
        );
        let x = line("X rs2 0.5 200 C T");
        assert_eq!((x.chr, x.cm), (23, 0.5));
        assert_eq!(line("0 rs3 0 0 A G").chr, 0);
        assert_eq!((line("chrMT rs1 0 5 A G").chr, r.snp(3)), (26, "rs1_4"));
        assert_eq!(r.len(), 4);
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
