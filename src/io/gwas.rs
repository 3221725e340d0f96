//! GWAS summary statistics in GCTA-COJO `.ma` layout (data-spec/ma.md).
//!
//! T1-tokenised; a header line whose first token (upper-cased) is `SNP`, then data lines of
//! exactly 8 tokens `SNP A1 A2 freq b se p n`. No row is dropped here: rows that cannot be
//! tested, and renamed duplicates, are listed in [`GwasData::flagged`].

use crate::error::{Error, Result};
use crate::io::columns::{pack_opt, unpack_opt, AlleleColumn, StrColumn};
use crate::io::source::{open_input, Bytes, TextInput};
use crate::io::text::{
    find_duplicates, is_na, parse_chunks_par_named, parse_chunks_read, parse_opt_f64, split_t1,
    RowLines,
};
use crate::types::SkippedRow;
use compact_str::CompactString;
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
    /// The record as a borrowed row.
    pub fn as_row(&self) -> GwasRow<'_> {
        GwasRow {
            snp: &self.snp,
            a1: &self.a1,
            a2: &self.a2,
            freq: self.freq,
            b: self.b,
            se: self.se,
            p: self.p,
            chr: self.chr,
            bp: self.bp,
        }
    }

    /// See [`GwasRow::usable`].
    pub fn usable(&self) -> bool {
        self.as_row().usable()
    }

    /// See [`GwasRow::unusable_reason`].
    pub fn unusable_reason(&self) -> Option<String> {
        self.as_row().unusable_reason()
    }
}

/// One row of a [`GwasTable`], borrowed (the sample size is not kept: no test uses it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GwasRow<'a> {
    /// SNP ID.
    pub snp: &'a str,
    /// Effect allele (upper case).
    pub a1: &'a str,
    /// Other allele (upper case).
    pub a2: &'a str,
    /// Frequency of A1; `None` when `NA`.
    pub freq: Option<f64>,
    /// Effect of A1; `None` when `NA`.
    pub b: Option<f64>,
    /// Standard error; `None` when `NA`.
    pub se: Option<f64>,
    /// p-value as written; `None` when `NA`.
    pub p: Option<f64>,
    /// Chromosome, for layouts that have one.
    pub chr: Option<crate::types::Chrom>,
    /// Position, for layouts that have one.
    pub bp: Option<crate::types::Bp>,
}

/// The largest |b|, se and |b/se| a GWAS row may have: squares and products of such values
/// stay finite in the SMR and HEIDI arithmetic, so no result is `inf` or `NaN`
/// (data-spec/ma.md §flagged). Real summary statistics are many orders of magnitude below.
pub const MAX_GWAS_MAGNITUDE: f64 = 1e150;

impl GwasRow<'_> {
    /// True when the row can be tested: b finite, se finite and > 0, both at most
    /// [`MAX_GWAS_MAGNITUDE`] as is |b/se|, p in [0, 1], the frequency (when given) in
    /// [0, 1], and both alleles A/C/G/T strings.
    pub fn usable(&self) -> bool {
        matches!((self.b, self.se, self.p), (Some(b), Some(se), Some(p))
            if b.is_finite() && se.is_finite() && se > 0.0 && (0.0..=1.0).contains(&p)
                && in_range(b, se))
            && self.freq.is_none_or(|f| (0.0..=1.0).contains(&f))
            && is_acgt(self.a1)
            && is_acgt(self.a2)
    }

    /// Why the row cannot be tested (reasons joined by `"; "`), or `None` when it is
    /// [`usable`](GwasRow::usable).
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
        if let (Some(b), Some(se)) = (self.b, self.se) {
            if b.is_finite() && se.is_finite() && se > 0.0 && !in_range(b, se) {
                why.push("b, se or b/se beyond 1e150 (the test would overflow)");
            }
        }
        match self.p {
            None => why.push("p is NA"),
            Some(p) if !(0.0..=1.0).contains(&p) => why.push("p outside [0,1]"),
            _ => {}
        }
        if self.freq.is_some_and(|f| !(0.0..=1.0).contains(&f)) {
            why.push("freq outside [0,1]");
        }
        if !(is_acgt(self.a1) && is_acgt(self.a2)) {
            why.push("allele not A/C/G/T");
        }
        if why.is_empty() {
            None
        } else {
            Some(why.join("; "))
        }
    }
}

/// |b|, se and |b/se| all at most [`MAX_GWAS_MAGNITUDE`] (b, se finite, se > 0).
#[inline]
fn in_range(b: f64, se: f64) -> bool {
    b.abs() <= MAX_GWAS_MAGNITUDE
        && se <= MAX_GWAS_MAGNITUDE
        && (b / se).abs() <= MAX_GWAS_MAGNITUDE
}

/// The value columns of a [`GwasTable`] (from [`GwasTable::into_values`]), each packed with
/// [`pack_opt`]: read with [`unpack_opt`].
/// (No `PartialEq`: missing values are NaNs, which never compare equal; compare rows.)
#[derive(Debug, Clone, Default)]
pub struct GwasValues {
    /// Frequency of A1.
    pub freq: Vec<f64>,
    /// Effect of A1.
    pub b: Vec<f64>,
    /// Standard error.
    pub se: Vec<f64>,
    /// p-value.
    pub p: Vec<f64>,
}

/// GWAS rows in column storage (data-spec/memory.md): IDs and alleles packed, values as `f64`
/// with `NA` as a tagged NaN ([`pack_opt`]). Chromosome and position columns exist only when
/// some row has them (not for `.ma`).
/// (No `PartialEq`: missing values are NaNs, which never compare equal; compare rows.)
#[derive(Debug, Clone, Default)]
pub struct GwasTable {
    snp: StrColumn,
    a1: AlleleColumn,
    a2: AlleleColumn,
    freq: Vec<f64>,
    b: Vec<f64>,
    se: Vec<f64>,
    p: Vec<f64>,
    chr: Vec<Option<crate::types::Chrom>>,
    bp: Vec<Option<crate::types::Bp>>,
}

impl GwasTable {
    /// Number of rows.
    pub fn len(&self) -> usize {
        self.snp.len()
    }

    /// True when there is no row.
    pub fn is_empty(&self) -> bool {
        self.snp.is_empty()
    }

    /// Row `i`.
    #[inline]
    pub fn row(&self, i: usize) -> GwasRow<'_> {
        GwasRow {
            snp: self.snp.get(i),
            a1: self.a1.get(i),
            a2: self.a2.get(i),
            freq: unpack_opt(self.freq[i]),
            b: unpack_opt(self.b[i]),
            se: unpack_opt(self.se[i]),
            p: unpack_opt(self.p[i]),
            chr: self.chr.get(i).copied().flatten(),
            bp: self.bp.get(i).copied().flatten(),
        }
    }

    /// SNP ID of row `i`.
    #[inline]
    pub fn snp(&self, i: usize) -> &str {
        self.snp.get(i)
    }

    /// Frequency of A1 in row `i`.
    #[inline]
    pub fn freq(&self, i: usize) -> Option<f64> {
        unpack_opt(self.freq[i])
    }

    /// Effect of row `i`.
    #[inline]
    pub fn b(&self, i: usize) -> Option<f64> {
        unpack_opt(self.b[i])
    }

    /// Standard error of row `i`.
    #[inline]
    pub fn se(&self, i: usize) -> Option<f64> {
        unpack_opt(self.se[i])
    }

    /// p-value of row `i`.
    #[inline]
    pub fn p(&self, i: usize) -> Option<f64> {
        unpack_opt(self.p[i])
    }

    /// Append a record; `path` names the input in errors.
    pub fn push(&mut self, r: &GwasRecord, path: &Path) -> Result<()> {
        self.snp.push(&r.snp, path)?;
        self.a1.push(&r.a1, path)?;
        self.a2.push(&r.a2, path)?;
        self.freq.push(pack_opt(r.freq));
        self.b.push(pack_opt(r.b));
        self.se.push(pack_opt(r.se));
        self.p.push(pack_opt(r.p));
        let i = self.freq.len() - 1;
        if r.chr.is_some() || !self.chr.is_empty() {
            self.chr.resize(i, None);
            self.chr.push(r.chr);
        }
        if r.bp.is_some() || !self.bp.is_empty() {
            self.bp.resize(i, None);
            self.bp.push(r.bp);
        }
        Ok(())
    }

    /// Append the rows of `other` after these.
    pub fn append(&mut self, other: GwasTable, path: &Path) -> Result<()> {
        let (n, m) = (self.len(), other.len());
        self.snp.append(&other.snp, path)?;
        self.a1.append(&other.a1, path)?;
        self.a2.append(&other.a2, path)?;
        self.freq.extend(other.freq);
        self.b.extend(other.b);
        self.se.extend(other.se);
        self.p.extend(other.p);
        if !self.chr.is_empty() || !other.chr.is_empty() {
            self.chr.resize(n, None);
            self.chr.extend(other.chr);
            self.chr.resize(n + m, None);
        }
        if !self.bp.is_empty() || !other.bp.is_empty() {
            self.bp.resize(n, None);
            self.bp.extend(other.bp);
            self.bp.resize(n + m, None);
        }
        Ok(())
    }

    /// A table of `records` (tests and small inputs).
    pub fn from_records(records: &[GwasRecord]) -> Self {
        let mut t = GwasTable::default();
        for r in records {
            // Cannot fail below 4 GiB of text, which a slice of records in memory is not.
            let _ = t.push(r, Path::new(""));
        }
        t
    }

    /// The rows in order.
    pub fn rows(&self) -> impl ExactSizeIterator<Item = GwasRow<'_>> + '_ {
        (0..self.len()).map(|i| self.row(i))
    }

    /// Give rows new IDs `(index, new ID)` (indexes increasing).
    pub fn rename(&mut self, changes: &[(usize, String)], path: &Path) -> Result<()> {
        self.snp.replace(changes, path)
    }

    /// The value columns, packed with [`pack_opt`], without the IDs and alleles.
    pub fn into_values(self) -> GwasValues {
        GwasValues {
            freq: self.freq,
            b: self.b,
            se: self.se,
            p: self.p,
        }
    }

    fn shrink_to_fit(&mut self) {
        self.snp.shrink_to_fit();
        self.a1.shrink_to_fit();
        self.a2.shrink_to_fit();
        for v in [&mut self.freq, &mut self.b, &mut self.se, &mut self.p] {
            v.shrink_to_fit();
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
    pub records: GwasTable,
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
    match open_input(path)? {
        TextInput::Mapped(bytes) => parse_ma_source(&bytes, path),
        // Gzipped: decompressed block by block while parsing, never whole in memory.
        TextInput::Stream(mut reader) => {
            let mut header = Vec::new();
            if crate::io::text::read_line_capped(&mut reader, &mut header, path, 1)? {
                header.push(b'\n');
            }
            parse_ma_after_header(&header, &mut *reader, path)
        }
    }
}

/// Parse a `.ma` stream whose header line (`header`, with its line end) was already read.
pub fn parse_ma_after_header(
    header: &[u8],
    rest: &mut (dyn std::io::Read + Send),
    path: &Path,
) -> Result<GwasData> {
    check_ma_header(header, path)?;
    parse_ma_body(Body::Stream(rest), path)
}

/// Parse `.ma` text from a reader; `path` names the source in errors.
pub fn parse_ma<R: BufRead>(mut reader: R, path: &Path) -> Result<GwasData> {
    let mut data = Vec::new();
    reader
        .read_to_end(&mut data)
        .map_err(|e| Error::read(path, e))?;
    parse_ma_source(&Bytes::Owned(data), path)
}

/// Parse a whole `.ma` text, block by block into column storage.
pub fn parse_ma_source(bytes: &Bytes, path: &Path) -> Result<GwasData> {
    let body_start = match memchr::memchr(b'\n', bytes) {
        Some(i) => i + 1,
        None => bytes.len(),
    };
    check_ma_header(&bytes[..body_start], path)?;
    parse_ma_body(Body::Mapped(bytes, body_start), path)
}

/// Check the header line (with its line end, if any) of a `.ma` file.
fn check_ma_header(header: &[u8], path: &Path) -> Result<()> {
    if header.is_empty() {
        return Err(Error::format(
            path,
            "empty file, expected a header line starting with SNP",
        ));
    }
    let header = header.strip_suffix(b"\n").unwrap_or(header);
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
    Ok(())
}

/// The data lines of a `.ma` file: a buffer (from an offset) or the rest of a stream.
enum Body<'a> {
    Mapped(&'a Bytes, usize),
    Stream(&'a mut (dyn std::io::Read + Send)),
}

/// Parse the data lines (line 2 on) into column storage.
fn parse_ma_body(body: Body<'_>, path: &Path) -> Result<GwasData> {
    let mut data = GwasData::default();
    let mut lines_of = RowLines::default();
    // Unusable rows (in parallel, per chunk), kept in line order: (row, line, reason).
    let mut unusable: Vec<(usize, u64, String)> = Vec::new();
    let parse = |c: &mut MaChunk, line, text: &[u8]| c.parse_line(text, line, path);
    let sink = |chunks: Vec<MaChunk>| {
        for c in chunks {
            let base = data.records.len();
            unusable.extend(c.unusable.into_iter().map(|(i, l, w)| (base + i, l, w)));
            data.n_freq_na += c.n_freq_na;
            lines_of.append(&c.lines);
            data.records.append(c.table, path)?;
        }
        Ok(())
    };
    match body {
        Body::Mapped(bytes, start) => {
            parse_chunks_par_named(bytes, path, start, 2, MaChunk::default, parse, sink)?
        }
        Body::Stream(reader) => parse_chunks_read(reader, path, 2, MaChunk::default, parse, sink)?,
    }
    data.records.shrink_to_fit();
    // 1-based index among data rows (data-spec/ma.md "Duplicates").
    let t = &data.records;
    let dups = find_duplicates(t.len(), |i| t.snp(i), |s, i| format!("{s}_{}", i + 1));
    if dups.is_empty() {
        data.flagged = unusable
            .into_iter()
            .map(|(i, line, reason)| SkippedRow {
                line,
                id: t.snp(i).to_string(),
                reason,
            })
            .collect();
        return Ok(data);
    }
    // Flagged rows in line order: the duplicate note before the row's unusable reason (the
    // reason does not depend on the ID, so it was found before renaming).
    let mut u = unusable.into_iter().peekable();
    let mut changes = Vec::with_capacity(dups.len());
    for (i, orig, new) in dups {
        while let Some((j, line, reason)) = u.next_if(|(j, _, _)| *j < i) {
            data.flagged.push(SkippedRow {
                line,
                id: t.snp(j).to_string(),
                reason,
            });
        }
        data.flagged.push(SkippedRow {
            line: lines_of.line(i),
            id: orig.clone(),
            reason: format!("duplicate SNP ID, renamed {new}"),
        });
        if let Some((_, line, reason)) = u.next_if(|(j, _, _)| *j == i) {
            data.flagged.push(SkippedRow {
                line,
                id: orig,
                reason,
            });
        }
        changes.push((i, new));
    }
    for (j, line, reason) in u {
        data.flagged.push(SkippedRow {
            line,
            id: t.snp(j).to_string(),
            reason,
        });
    }
    data.records.rename(&changes, path)?;
    Ok(data)
}

/// The rows of one chunk of a `.ma` file, parsed straight into columns.
#[derive(Default)]
struct MaChunk {
    table: GwasTable,
    lines: RowLines,
    unusable: Vec<(usize, u64, String)>,
    n_freq_na: usize,
}

impl MaChunk {
    /// Parse one data line (data-spec/ma.md) into the chunk's columns.
    fn parse_line(&mut self, text: &[u8], line: u64, path: &Path) -> Result<()> {
        if text.is_empty() {
            return Ok(());
        }
        let mut toks = [""; MA_COLUMNS];
        let n_toks = crate::io::fields::fields_t1(text, &mut toks);
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
        let freq = parse_opt_f64(toks[3], path, line, "freq")?;
        let b = parse_opt_f64(toks[4], path, line, "b")?;
        let se = parse_opt_f64(toks[5], path, line, "se")?;
        let p = parse_opt_f64(toks[6], path, line, "p")?;
        // Parsed and checked, not kept (data-spec/memory.md §1).
        if !toks[7].bytes().all(|b| b.is_ascii_digit()) {
            parse_opt_f64(toks[7], path, line, "n")?;
        }
        let t = &mut self.table;
        t.snp.push(toks[0], path)?;
        t.a1.push_upper(toks[1], path)?;
        t.a2.push_upper(toks[2], path)?;
        t.freq.push(pack_opt(freq));
        t.b.push(pack_opt(b));
        t.se.push(pack_opt(se));
        t.p.push(pack_opt(p));
        let i = t.len() - 1;
        if let Some(why) = t.row(i).unusable_reason() {
            self.unusable.push((i, line, why));
        }
        self.n_freq_na += usize::from(freq.is_none());
        self.lines.push(line);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    const HEADER: &str = "SNP A1 A2 freq b se p n\n";

    #[test]
    fn usable_is_exactly_having_no_unusable_reason() {
        // A row is tested exactly when it is flagged with no reason: the two must agree.
        let nums = [
            None,
            Some(0.0),
            Some(0.5),
            Some(-0.5),
            Some(1.5),
            Some(2e150),
        ];
        let nums = nums
            .iter()
            .copied()
            .chain([Some(f64::INFINITY), Some(f64::NAN)]);
        let nums: Vec<Option<f64>> = nums.collect();
        for &b in &nums {
            for &se in &nums {
                for &p in &nums {
                    for &freq in &nums[..5] {
                        for (a1, a2) in [("A", "G"), ("AT", "C"), ("N", "A"), ("", "T")] {
                            let r = GwasRow {
                                snp: "rs1",
                                a1,
                                a2,
                                freq,
                                b,
                                se,
                                p,
                                chr: None,
                                bp: None,
                            };
                            assert_eq!(r.usable(), r.unusable_reason().is_none(), "{r:?}");
                        }
                    }
                }
            }
        }
    }

    fn parse(s: &str) -> Result<GwasData> {
        parse_ma(s.as_bytes(), Path::new("t.ma"))
    }

    #[test]
    fn good_rows() {
        let d = parse(&format!("{HEADER}rs1 a g 0.3 0.1 0.05 0.04 1000\n\n")).unwrap();
        assert_eq!(d.records.len(), 1);
        assert_eq!(
            d.records.row(0),
            GwasRow {
                snp: "rs1",
                a1: "A",
                a2: "G",
                freq: Some(0.3),
                b: Some(0.1),
                se: Some(0.05),
                p: Some(0.04),
                chr: None,
                bp: None
            }
        );
        // The sample size is checked, not kept.
        let e = parse(&format!("{HEADER}rs1 a g 0.3 0.1 0.05 0.04 1k\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("column n"), "{e}");
        assert!(d.flagged.is_empty());
        assert_eq!(d.n_freq_na, 0);
    }

    #[test]
    fn crlf_comma_and_lowercase_header() {
        let d = parse("snp,A1,A2,freq,b,se,p,n\r\nrs1,A,G,0.3,0.1,0.05,0.04,1e3\r\n").unwrap();
        assert_eq!(d.records.snp(0), "rs1");
        assert_eq!(d.records.p(0), Some(0.04));
    }

    #[test]
    fn na_values_are_kept_and_flagged() {
        let d = parse(&format!(
            "{HEADER}rs1 A G NA 0.1 NA 0.5 na\nrs2 A G 0.2 NA 0.1 NA 10\nrs3 A G 0.2 0.1 0 2 10\nrs4 A G 0.2 inf -1 0.5 10\n"
        ))
        .unwrap();
        assert_eq!(d.records.len(), 4);
        assert_eq!(d.n_freq_na, 1);
        assert_eq!(d.records.freq(0), None);
        assert_eq!(d.records.se(0), None);
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
        assert!(d.records.rows().all(|r| !r.usable()));
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
        assert!(
            !d.records.row(0).usable() && !d.records.row(1).usable() && d.records.row(2).usable()
        );
        // An indel allele written in bases is a valid A/C/G/T string.
        assert!(d.records.row(3).usable());
    }

    #[test]
    fn duplicates_renamed_by_data_row() {
        let d = parse(&format!(
            "{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\n\nrs1 A G 0.3 0.1 0.05 0.04 1\n"
        ))
        .unwrap();
        assert_eq!(d.records.snp(1), "rs1_2");
        assert_eq!(d.flagged.len(), 1);
        assert_eq!(d.flagged[0].line, 4);
        assert_eq!(d.flagged[0].reason, "duplicate SNP ID, renamed rs1_2");
    }

    #[test]
    fn duplicate_and_unusable_rows_are_flagged_in_line_order() {
        let d = parse(&format!(
            "{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\nrs2 A G 0.3 NA 0.05 0.04 1\nrs1 A G 0.3 0.1 NA 0.04 1\nrs3 A G 0.3 0.1 0.05 2 1\n"
        ))
        .unwrap();
        let f: Vec<(u64, &str, &str)> = d
            .flagged
            .iter()
            .map(|f| (f.line, f.id.as_str(), f.reason.as_str()))
            .collect();
        assert_eq!(
            f,
            [
                (3, "rs2", "b is NA"),
                (4, "rs1", "duplicate SNP ID, renamed rs1_3"),
                (4, "rs1", "se is NA"),
                (5, "rs3", "p outside [0,1]")
            ]
        );
        assert_eq!(
            d.records.rows().map(|r| r.snp).collect::<Vec<_>>(),
            ["rs1", "rs2", "rs1_3", "rs3"]
        );
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
    fn gzipped_file_is_streamed_with_the_same_rows_and_errors() {
        let dir = tempfile::tempdir().unwrap();
        let gz = |name: &str, text: &str| {
            let path = dir.path().join(name);
            let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
            enc.write_all(text.as_bytes()).unwrap();
            std::fs::write(&path, enc.finish().unwrap()).unwrap();
            path
        };
        let text = format!(
            "{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\r\n\nrs2 c t NA 0.2 NA 0.5 1\nrs1 A G 0.3 0.1 0.05 0.04 1"
        );
        let streamed = read_ma(&gz("ok.ma.gz", &text)).unwrap();
        let mapped = parse(&text).unwrap();
        let rows =
            |d: &GwasData| -> Vec<String> { d.records.rows().map(|r| format!("{r:?}")).collect() };
        assert_eq!(rows(&streamed), rows(&mapped));
        assert_eq!(streamed.flagged, mapped.flagged);
        assert_eq!(streamed.records.snp(2), "rs1_3");
        let e = read_ma(&gz(
            "bad.ma.gz",
            &format!("{HEADER}rs1 A G 0.3 0.1 0.05 0.04 1\nrs2 A G x 0.1 0.05 0.04 1\n"),
        ))
        .unwrap_err()
        .to_string();
        assert!(e.contains("line 3") && e.contains("column freq"), "{e}");
        let e = read_ma(&gz("empty.ma.gz", "")).unwrap_err().to_string();
        assert!(e.contains("empty file"), "{e}");
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
        assert!(d.records.row(0).usable());
    }
}
