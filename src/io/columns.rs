//! Column storage for the big SNP tables (`.esi`, `.bim`, GWAS): strings packed into one byte
//! buffer, and optional values without a separate tag (data-spec/memory.md).
//!
//! At eQTLGen scale the three tables hold ~26 M rows; one struct per row with an inline
//! 24-byte string per ID and allele took 96–176 bytes per row. Packed, an rsID costs its length
//! plus 4 bytes and a single-base allele 5 bytes.

use crate::error::{Error, Result};
use std::path::Path;

/// Many strings in one buffer: entry `i` is `bytes[ends[i - 1]..ends[i]]`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StrColumn {
    bytes: Vec<u8>,
    ends: Vec<u32>,
}

impl StrColumn {
    /// An empty column.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of strings.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// True when the column holds no string.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// String `i` (panics when `i >= len()`, as slice indexing does).
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let lo = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        let hi = self.ends[i] as usize;
        // SAFETY: every entry was appended from a `&str` (`push`), so `lo..hi` is a whole
        // UTF-8 string.
        unsafe { std::str::from_utf8_unchecked(&self.bytes[lo..hi]) }
    }

    /// Append `s`; `path` names the input in the error when the column would pass 4 GiB of
    /// text (offsets are 32-bit).
    pub fn push(&mut self, s: &str, path: &Path) -> Result<()> {
        let end = self.bytes.len() + s.len();
        let Ok(end) = u32::try_from(end) else {
            return Err(Error::format(
                path,
                "more than 4 GiB of SNP IDs or alleles: too large for one table",
            ));
        };
        self.bytes.extend_from_slice(s.as_bytes());
        self.ends.push(end);
        Ok(())
    }

    /// Append `s` in upper case (ASCII letters; alleles).
    pub fn push_upper(&mut self, s: &str, path: &Path) -> Result<()> {
        let start = self.bytes.len();
        self.push(s, path)?;
        self.bytes[start..].make_ascii_uppercase();
        Ok(())
    }

    /// Append every string of `other` after these.
    pub fn append(&mut self, other: &StrColumn, path: &Path) -> Result<()> {
        let base = self.bytes.len();
        if base + other.bytes.len() > u32::MAX as usize {
            return Err(Error::format(
                path,
                "more than 4 GiB of SNP IDs or alleles: too large for one table",
            ));
        }
        self.bytes.extend_from_slice(&other.bytes);
        self.ends
            .extend(other.ends.iter().map(|&e| e + base as u32));
        Ok(())
    }

    /// The strings in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Replace strings `(index, new)` (indexes increasing); the column is rebuilt once.
    pub fn replace(&mut self, changes: &[(usize, String)], path: &Path) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut out = StrColumn {
            bytes: Vec::with_capacity(self.bytes.len()),
            ends: Vec::with_capacity(self.ends.len()),
        };
        let mut c = changes.iter().peekable();
        for i in 0..self.len() {
            match c.peek() {
                Some((j, new)) if *j == i => {
                    out.push(new, path)?;
                    c.next();
                }
                _ => out.push(self.get(i), path)?,
            }
        }
        *self = out;
        Ok(())
    }

    /// Release spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.bytes.shrink_to_fit();
        self.ends.shrink_to_fit();
    }
}

/// An allele per row, one byte each when it is a single (non-NUL) ASCII character, the usual
/// case (data-spec/memory.md §1): 1 byte a row where a [`StrColumn`] takes 5, which is ~35 MB
/// per allele column at eQTLGen scale, six columns alive at once. Other alleles (indels,
/// multi-base codes, an empty field) are kept aside by row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AlleleColumn {
    /// Per row: the allele's byte, or 0 when the allele is in `long`.
    short: Vec<u8>,
    /// `(row, allele)` of the rows with a 0 in `short`, rows ascending.
    long: Vec<(u32, Box<str>)>,
}

impl AlleleColumn {
    /// An empty column.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of alleles.
    pub fn len(&self) -> usize {
        self.short.len()
    }

    /// True when the column holds no allele.
    pub fn is_empty(&self) -> bool {
        self.short.is_empty()
    }

    /// Allele `i` (panics when `i >= len()`, as slice indexing does).
    #[inline]
    pub fn get(&self, i: usize) -> &str {
        let b = &self.short[i..=i];
        if b[0] != 0 {
            // SAFETY: `push` stores only bytes 1..=127 in `short` (one ASCII character is a
            // whole UTF-8 string).
            return unsafe { std::str::from_utf8_unchecked(b) };
        }
        let k = self
            .long
            .binary_search_by_key(&(i as u32), |e| e.0)
            .expect("every 0 byte of an allele column has its row in `long`");
        &self.long[k].1
    }

    /// Append `s`; `path` names the input in the error when the table would pass 2^32 rows
    /// (rows are numbered in 32 bits, data-spec/memory.md §3).
    pub fn push(&mut self, s: &str, path: &Path) -> Result<()> {
        let Ok(row) = u32::try_from(self.short.len()) else {
            return Err(Error::format(
                path,
                "more than 2^32 alleles in one column: too large for one table",
            ));
        };
        match s.as_bytes() {
            &[b] if b != 0 && b.is_ascii() => self.short.push(b),
            _ => {
                self.short.push(0);
                self.long.push((row, s.into()));
            }
        }
        Ok(())
    }

    /// Append `s` in upper case (ASCII letters).
    pub fn push_upper(&mut self, s: &str, path: &Path) -> Result<()> {
        // Alleles are nearly always written in upper case already: no copy then.
        if s.bytes().any(|b| b.is_ascii_lowercase()) {
            self.push(&s.to_ascii_uppercase(), path)
        } else {
            self.push(s, path)
        }
    }

    /// Append every allele of `other` after these.
    pub fn append(&mut self, other: &AlleleColumn, path: &Path) -> Result<()> {
        let base = self.short.len();
        if base + other.short.len() > u32::MAX as usize {
            return Err(Error::format(
                path,
                "more than 2^32 alleles in one column: too large for one table",
            ));
        }
        self.short.extend_from_slice(&other.short);
        self.long
            .extend(other.long.iter().map(|(r, a)| (r + base as u32, a.clone())));
        Ok(())
    }

    /// The alleles in order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    /// Release spare capacity.
    pub fn shrink_to_fit(&mut self) {
        self.short.shrink_to_fit();
        self.long.shrink_to_fit();
    }
}

/// A column table filled line by line, with an ID column whose later duplicates are renamed
/// (`.esi`, `.bim`).
pub trait RowTable: Default + Send {
    /// Append the rows of `other` after these.
    fn append_table(&mut self, other: Self, path: &Path) -> Result<()>;
    /// The ID column.
    fn ids_mut(&mut self) -> &mut StrColumn;
    /// Release spare capacity.
    fn shrink(&mut self);
}

/// Parse a whole text into a [`RowTable`] (data-spec/memory.md §2): `parse_line(table, text,
/// line)` appends a line's row to `table` straight into its columns and says whether it did
/// (`false` skips the line); chunks of lines are parsed in parallel into their own tables,
/// appended in file order. Later duplicate IDs are then renamed `rename(id, row, line)` (the
/// reader's rule); returns the table and the renamed rows.
pub fn parse_table<T: RowTable>(
    data: &crate::io::source::Bytes,
    path: &Path,
    parse_line: impl Fn(&mut T, &[u8], u64) -> Result<bool> + Sync,
    rename: impl Fn(&str, usize, u64) -> String,
) -> Result<(T, Vec<crate::types::SkippedRow>)> {
    use crate::io::text::{find_duplicates, parse_chunks_par_named, RowLines};
    let mut t = T::default();
    let mut lines_of = RowLines::default();
    parse_chunks_par_named(
        data,
        path,
        0,
        1,
        <(T, RowLines)>::default,
        |acc: &mut (T, RowLines), line, text| {
            if parse_line(&mut acc.0, text, line)? {
                acc.1.push(line);
            }
            Ok(())
        },
        |chunks| {
            for (c, l) in chunks {
                t.append_table(c, path)?;
                lines_of.append(&l);
            }
            Ok(())
        },
    )?;
    t.shrink();
    let ids = t.ids_mut();
    let dups = find_duplicates(
        ids.len(),
        |i| ids.get(i),
        |s, i| rename(s, i, lines_of.line(i)),
    );
    let mut renamed = Vec::with_capacity(dups.len());
    let mut changes = Vec::with_capacity(dups.len());
    for (i, old, new) in dups {
        renamed.push(crate::types::SkippedRow::renamed(
            lines_of.line(i),
            &old,
            &new,
        ));
        changes.push((i, new));
    }
    ids.replace(&changes, path)?;
    Ok((t, renamed))
}

/// Bit pattern of a missing value stored in an `f64` column: a quiet NaN with a payload that
/// no parsed number has (parsing `nan` gives the canonical NaN, a different pattern).
const NA_BITS: u64 = 0x7FF8_0000_5AFE_0A0A;

/// Store `Option<f64>` in 8 bytes: `None` becomes a NaN with a payload no parser produces.
#[inline]
pub fn pack_opt(v: Option<f64>) -> f64 {
    match v {
        Some(x) => x,
        None => f64::from_bits(NA_BITS),
    }
}

/// Inverse of [`pack_opt`]; any other NaN (a `nan` in the file) stays `Some(NaN)`.
#[inline]
pub fn unpack_opt(x: f64) -> Option<f64> {
    if x.to_bits() == NA_BITS {
        None
    } else {
        Some(x)
    }
}

/// Bit pattern of a missing value in an `f32` column (as [`NA_BITS`]).
const NA_BITS_F32: u32 = 0x7FC0_5AFE;

/// Store `Option<f32>` in 4 bytes: `None` becomes a NaN with a payload no parser produces.
#[inline]
pub fn pack_opt_f32(v: Option<f32>) -> f32 {
    match v {
        Some(x) => x,
        None => f32::from_bits(NA_BITS_F32),
    }
}

/// Inverse of [`pack_opt_f32`].
#[inline]
pub fn unpack_opt_f32(x: f32) -> Option<f32> {
    if x.to_bits() == NA_BITS_F32 {
        None
    } else {
        Some(x)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_replace() {
        let p = Path::new("t");
        let mut c = StrColumn::new();
        for s in ["rs1", "", "A", "rs100"] {
            c.push(s, p).unwrap();
        }
        assert_eq!(c.iter().collect::<Vec<_>>(), ["rs1", "", "A", "rs100"]);
        c.replace(&[(1, "x_2".into()), (3, "rs100_4".into())], p)
            .unwrap();
        assert_eq!(c.iter().collect::<Vec<_>>(), ["rs1", "x_2", "A", "rs100_4"]);
        assert_eq!(c.len(), 4);
        let mut d = StrColumn::new();
        d.push_upper("a-t", p).unwrap();
        c.append(&d, p).unwrap();
        assert_eq!(
            c.iter().collect::<Vec<_>>(),
            ["rs1", "x_2", "A", "rs100_4", "A-T"]
        );
    }

    #[test]
    fn alleles_one_byte_or_aside_round_trip() {
        let p = Path::new("t");
        let given = ["A", "g", "", "ACGT", "-", "T", "I", "\u{e9}"];
        let mut c = AlleleColumn::new();
        for s in &given[..4] {
            c.push_upper(s, p).unwrap();
        }
        let mut d = AlleleColumn::new();
        for s in &given[4..] {
            d.push(s, p).unwrap();
        }
        c.append(&d, p).unwrap();
        let want = ["A", "G", "", "ACGT", "-", "T", "I", "\u{e9}"];
        assert_eq!(c.len(), want.len());
        assert_eq!(c.iter().collect::<Vec<_>>(), want);
        // The same strings as a StrColumn holds them; only the one-byte ones in `short`.
        let mut s = StrColumn::new();
        for w in want {
            s.push(w, p).unwrap();
        }
        assert!(c.iter().eq(s.iter()));
        assert_eq!(c.long.len(), 3);
        assert_eq!(c.long.iter().map(|e| e.0).collect::<Vec<_>>(), [2, 3, 7]);
    }

    #[test]
    fn optional_values() {
        for v in [None, Some(0.0), Some(-1.5), Some(f64::INFINITY)] {
            assert_eq!(unpack_opt(pack_opt(v)), v);
        }
        let nan: f64 = "nan".parse().unwrap();
        assert!(unpack_opt(pack_opt(Some(nan))).is_some_and(f64::is_nan));
        for v in [None, Some(0.25f32), Some(-9.0)] {
            assert_eq!(unpack_opt_f32(pack_opt_f32(v)), v);
        }
        assert!(unpack_opt_f32(pack_opt_f32(Some(nan as f32))).is_some_and(f32::is_nan));
    }
}
