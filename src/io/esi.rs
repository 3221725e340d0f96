//! `.esi`: the SNP table of a BESD triplet (data-spec/esi.md).
//!
//! T1-tokenised, no header, 6 or 7 columns: `chr SNP cM bp A1 A2 [freq]`. Zero-length lines are
//! skipped; the SNP's row id in the `.besd` is its index among the non-empty lines.

use crate::error::{Error, Result};
use crate::io::columns::{
    pack_opt_f32, parse_table, unpack_opt_f32, AlleleColumn, RowTable, StrColumn,
};
use crate::io::fields::fields_t1;
use crate::io::source::{read_bytes, Bytes};
use crate::io::text::{is_na, parse_bp, parse_chrom, parse_opt_f64};
use crate::types::{Bp, Chrom, SkippedRow};
use compact_str::CompactString;
use std::io::BufRead;
use std::path::Path;

/// One SNP of an `.esi` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EsiRecord {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID (a later duplicate renamed `ID_<line>`).
    pub snp: CompactString,
    /// Position.
    pub bp: Bp,
    /// Effect allele (upper case): the allele every beta refers to.
    pub a1: CompactString,
    /// Other allele (upper case).
    pub a2: CompactString,
    /// Frequency of A1 as stored (float32); `None` when `NA` or absent.
    pub freq: Option<f32>,
}

impl EsiRecord {
    /// The record as a borrowed row.
    pub fn as_row(&self) -> EsiRow<'_> {
        EsiRow {
            chr: self.chr,
            snp: &self.snp,
            bp: self.bp,
            a1: &self.a1,
            a2: &self.a2,
            freq: self.freq,
        }
    }
}

/// The SNPs of an `.esi` file in column storage (data-spec/memory.md); row `i` is the SNP with
/// row id `i` in the `.besd`.
/// (No `PartialEq`: missing values are NaNs, which never compare equal; compare rows.)
#[derive(Debug, Clone, Default)]
pub struct EsiTable {
    chr: Vec<Chrom>,
    snp: StrColumn,
    /// Positions fit in 32 bits (data-spec/text.md, position range).
    bp: Vec<u32>,
    a1: AlleleColumn,
    a2: AlleleColumn,
    /// Packed with [`pack_opt_f32`].
    freq: Vec<f32>,
}

/// One row of an [`EsiTable`], borrowed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EsiRow<'a> {
    /// Chromosome code.
    pub chr: Chrom,
    /// SNP ID.
    pub snp: &'a str,
    /// Position.
    pub bp: Bp,
    /// Effect allele (upper case).
    pub a1: &'a str,
    /// Other allele (upper case).
    pub a2: &'a str,
    /// Frequency of A1 (float32), `None` when missing.
    pub freq: Option<f32>,
}

impl EsiRow<'_> {
    /// An owned copy.
    pub fn to_record(&self) -> EsiRecord {
        EsiRecord {
            chr: self.chr,
            snp: self.snp.into(),
            bp: self.bp,
            a1: self.a1.into(),
            a2: self.a2.into(),
            freq: self.freq,
        }
    }
}

impl EsiTable {
    /// Number of SNPs.
    pub fn len(&self) -> usize {
        self.chr.len()
    }

    /// True when there is no SNP.
    pub fn is_empty(&self) -> bool {
        self.chr.is_empty()
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> EsiRow<'_> {
        EsiRow {
            chr: self.chr[i],
            snp: self.snp.get(i),
            bp: Bp::from(self.bp[i]),
            a1: self.a1.get(i),
            a2: self.a2.get(i),
            freq: unpack_opt_f32(self.freq[i]),
        }
    }

    /// SNP ID of row `i`.
    #[inline]
    pub fn snp(&self, i: usize) -> &str {
        self.snp.get(i)
    }

    /// Chromosome of row `i`.
    #[inline]
    pub fn chr(&self, i: usize) -> Chrom {
        self.chr[i]
    }

    /// Position of row `i`.
    #[inline]
    pub fn bp(&self, i: usize) -> Bp {
        Bp::from(self.bp[i])
    }

    /// Frequency of A1 in row `i`.
    #[inline]
    pub fn freq(&self, i: usize) -> Option<f32> {
        unpack_opt_f32(self.freq[i])
    }

    /// Set the frequency of row `i` (`--eqtlgen-freq`).
    pub fn set_freq(&mut self, i: usize, f: Option<f32>) {
        self.freq[i] = pack_opt_f32(f);
    }

    /// Append a record; `path` names the input in errors.
    pub fn push(&mut self, r: &EsiRecord, path: &Path) -> Result<()> {
        self.push_row(r.as_row(), false, path)
    }

    /// Append a row, upper-casing its alleles when `upper`; `path` names the input in errors.
    pub fn push_row(&mut self, r: EsiRow<'_>, upper: bool, path: &Path) -> Result<()> {
        let Ok(bp) = u32::try_from(r.bp) else {
            return Err(Error::format(
                path,
                format!("SNP {}: position {} outside 0..2^32", r.snp, r.bp),
            ));
        };
        self.snp.push(r.snp, path)?;
        if upper {
            self.a1.push_upper(r.a1, path)?;
            self.a2.push_upper(r.a2, path)?;
        } else {
            self.a1.push(r.a1, path)?;
            self.a2.push(r.a2, path)?;
        }
        self.chr.push(r.chr);
        self.bp.push(bp);
        self.freq.push(pack_opt_f32(r.freq));
        Ok(())
    }

    /// Append the rows of `other` after these.
    pub fn append(&mut self, other: EsiTable, path: &Path) -> Result<()> {
        self.snp.append(&other.snp, path)?;
        self.a1.append(&other.a1, path)?;
        self.a2.append(&other.a2, path)?;
        self.chr.extend(other.chr);
        self.bp.extend(other.bp);
        self.freq.extend(other.freq);
        Ok(())
    }

    /// A table of `records` (tests and small inputs).
    pub fn from_records(records: &[EsiRecord]) -> Self {
        let mut t = EsiTable::default();
        for r in records {
            // Cannot fail below 4 GiB of text, which a slice of records in memory is not.
            let _ = t.push(r, Path::new(""));
        }
        t
    }

    /// The rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = EsiRow<'_>> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }
}

/// Read an `.esi` file (plain or gzipped), parsing in parallel.
pub fn read_esi(path: &Path) -> Result<EsiTable> {
    read_esi_flagged(path).map(|(records, _)| records)
}

/// [`read_esi`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_esi_flagged(path: &Path) -> Result<(EsiTable, Vec<SkippedRow>)> {
    parse_esi_source(&read_bytes(path)?, path)
}

/// Parse `.esi` text from a reader; `path` names the source in errors.
pub fn parse_esi<R: BufRead>(reader: R, path: &Path) -> Result<EsiTable> {
    parse_esi_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_esi`], also returning the renamed duplicate IDs (see [`read_esi_flagged`]).
pub fn parse_esi_flagged<R: BufRead>(
    mut reader: R,
    path: &Path,
) -> Result<(EsiTable, Vec<SkippedRow>)> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::read(path, e))?;
    parse_esi_source(&Bytes::Owned(data), path)
}

/// Parse a whole `.esi` text (lines in parallel, block by block, duplicates renamed after),
/// returning the table and the renamed duplicate IDs.
pub fn parse_esi_source(data: &Bytes, path: &Path) -> Result<(EsiTable, Vec<SkippedRow>)> {
    // A later duplicate is renamed `ID_<k>`, k = count of non-empty lines so far, this one
    // included (data-spec/esi.md "Duplicates").
    parse_table(
        data,
        path,
        |t, text, line| parse_esi_line(t, text, line, path),
        |s, i, _| format!("{s}_{}", i + 1),
    )
}

impl RowTable for EsiTable {
    fn append_table(&mut self, other: Self, path: &Path) -> Result<()> {
        self.append(other, path)
    }
    fn ids_mut(&mut self) -> &mut StrColumn {
        &mut self.snp
    }
    fn shrink(&mut self) {
        self.chr.shrink_to_fit();
        self.snp.shrink_to_fit();
        self.bp.shrink_to_fit();
        self.a1.shrink_to_fit();
        self.a2.shrink_to_fit();
        self.freq.shrink_to_fit();
    }
}

/// Parse one line (data-spec/esi.md) into `t`; `false` for an empty line.
fn parse_esi_line(t: &mut EsiTable, text: &[u8], line: u64, path: &Path) -> Result<bool> {
    if text.is_empty() {
        return Ok(false);
    }
    let mut toks = [""; 7];
    let n_toks = fields_t1(text, &mut toks);
    if n_toks != 6 && n_toks != 7 {
        return Err(Error::parse(
            path,
            line,
            format!("expected 6 or 7 columns, found {}", n_toks),
        ));
    }
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
            Some(-9.0) => None,
            Some(f) if (0.0..=1.0).contains(&f) => Some(f as f32),
            Some(_) => {
                // Printed in the .smr and used in the frequency check: never out of range.
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "column freq: expected a frequency from 0 to 1 (or NA, or -9 for \
                         missing), found '{}'",
                        toks[6]
                    ),
                ));
            }
            None => None,
        }
    } else {
        None
    };
    t.push_row(
        EsiRow {
            chr,
            snp: toks[1],
            bp,
            a1: toks[4],
            a2: toks[5],
            freq,
        },
        true,
        path,
    )?;
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<EsiRecord>> {
        parse_esi(s.as_bytes(), Path::new("t.esi"))
            .map(|t| t.rows().map(|r| r.to_record()).collect())
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
    fn appended_tables_equal_one_table() {
        let recs = parse("1 rs1 0 1 A G 0.5\n2 rs2 0 2 C T\nX rs3 0 3 GA T 0.25\n").unwrap();
        let mut t = EsiTable::from_records(&recs[..1]);
        t.append(EsiTable::from_records(&recs[1..]), Path::new("t"))
            .unwrap();
        let rows: Vec<EsiRecord> = t.rows().map(|r| r.to_record()).collect();
        assert_eq!(rows, recs);
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
