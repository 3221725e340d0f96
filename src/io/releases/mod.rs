//! Readers of the text eQTL releases users download (data-spec/releases-*.md): the eQTLGen
//! full cis-eQTL file, MetaBrain's per-chromosome files and the eQTL Catalogue's per-dataset
//! files. One file per release; each turns a data line into a [`ReleaseRow`]: one
//! (probe, SNP) record with its effect allele made explicit.
//!
//! Columns are found by header name, so any column order (and extra columns) are accepted;
//! a missing column is an error naming the file, line 1 and the column. Every row is checked
//! as it is read, and an error names the file and the line.

pub mod eqtl_catalogue;
pub mod eqtlgen;
pub mod metabrain;

use crate::error::{Error, Result};
use crate::io::text::parse_chrom;
use crate::types::{Bp, Chrom};
use compact_str::CompactString;
use std::path::Path;

/// A release layout (`--eqtl-release NAME`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// eQTLGen full cis-eQTL text (data-spec/releases-eqtlgen.md).
    EqtlGen,
    /// MetaBrain per-chromosome files (data-spec/releases-metabrain.md).
    MetaBrain,
    /// eQTL Catalogue per-dataset files (data-spec/releases-eqtl-catalogue.md).
    EqtlCatalogue,
}

/// Genome build of a release's positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Build {
    /// GRCh37 / hg19.
    Grch37,
    /// GRCh38 / hg38.
    Grch38,
}

impl std::fmt::Display for Build {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Build::Grch37 => "GRCh37 (hg19)",
            Build::Grch38 => "GRCh38 (hg38)",
        })
    }
}

impl Layout {
    /// Every layout, in the order `auto` tries them.
    pub const ALL: [Layout; 3] = [Layout::EqtlGen, Layout::MetaBrain, Layout::EqtlCatalogue];

    /// The name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Layout::EqtlGen => "eqtlgen",
            Layout::MetaBrain => "metabrain",
            Layout::EqtlCatalogue => "eqtl-catalogue",
        }
    }

    /// Parse a command-line name.
    pub fn from_name(s: &str) -> Option<Layout> {
        Layout::ALL.into_iter().find(|l| l.name() == s)
    }

    /// The genome build of the release's positions.
    pub fn build(self) -> Build {
        match self {
            Layout::EqtlGen => Build::Grch37,
            Layout::MetaBrain | Layout::EqtlCatalogue => Build::Grch38,
        }
    }

    /// The columns the reader needs.
    pub fn required_columns(self) -> &'static [&'static str] {
        match self {
            Layout::EqtlGen => eqtlgen::REQUIRED,
            Layout::MetaBrain => metabrain::REQUIRED,
            Layout::EqtlCatalogue => eqtl_catalogue::REQUIRED,
        }
    }

    /// The layout whose required columns are all in `header`, if exactly one.
    pub fn detect(header: &Header) -> Option<Layout> {
        let mut hits = Layout::ALL.into_iter().filter(|l| {
            l.required_columns()
                .iter()
                .all(|c| header.find(c).is_some())
        });
        let first = hits.next()?;
        hits.next().is_none().then_some(first)
    }
}

/// What a row says about the effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Effect {
    /// Effect size and its standard error, of the effect allele.
    Beta {
        /// Effect size.
        beta: f64,
        /// Standard error.
        se: f64,
    },
    /// A z-score only (eQTLGen); b and se come from z, the frequency and N.
    Z(f64),
}

/// One (probe, SNP) record of a release, effect allele explicit.
#[derive(Debug, Clone, PartialEq)]
pub struct ReleaseRow<'a> {
    /// 1-based line number (header counted).
    pub line: u64,
    /// Probe (gene) ID.
    pub probe: &'a str,
    /// Probe chromosome and position, when the file has them (not the eQTL Catalogue).
    pub probe_pos: Option<(Chrom, Bp)>,
    /// Gene name, when the file has one.
    pub gene: Option<&'a str>,
    /// Gene strand (`+`/`-`), when the file has one.
    pub strand: Option<char>,
    /// SNP ID.
    pub snp: &'a str,
    /// SNP chromosome.
    pub chr: Chrom,
    /// SNP position.
    pub bp: Bp,
    /// The effect allele (upper case): the allele `effect` refers to.
    pub a1: CompactString,
    /// The other allele (upper case).
    pub a2: CompactString,
    /// Frequency of the effect allele, when the row has one.
    pub freq: Option<f64>,
    /// The effect; `None` when the row has none (`NA`): such rows are counted and skipped.
    pub effect: Option<Effect>,
    /// Sample size of the row, when given.
    pub n: Option<f64>,
}

/// A header line: its column names and how fields are separated.
#[derive(Debug, Clone)]
pub struct Header {
    names: Vec<String>,
    tab: bool,
}

impl Header {
    /// Parse a header line. Fields are tab-separated when the line has a tab, otherwise
    /// separated by runs of spaces.
    pub fn parse(line: &[u8]) -> Header {
        let text = String::from_utf8_lossy(line);
        let tab = text.contains('\t');
        let names = if tab {
            text.split('\t').map(|s| s.trim().to_string()).collect()
        } else {
            text.split_whitespace().map(str::to_string).collect()
        };
        Header { names, tab }
    }

    /// Position of a column (exact name).
    pub fn find(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| n == name)
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.names.len()
    }

    /// Whether the header has no column.
    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// Position of a required column of `layout`, or an error naming the file, line 1 and the
    /// column (and the layout the header looks like, if another).
    pub fn need(&self, name: &str, layout: Layout, path: &Path) -> Result<usize> {
        self.find(name).ok_or_else(|| {
            let hint = match Layout::detect(self) {
                Some(l) if l != layout => {
                    format!(" (the header looks like the {} layout)", l.name())
                }
                _ => String::new(),
            };
            Error::parse(
                path,
                1,
                format!(
                    "header has no {name} column, required by the {} layout ({}){hint}",
                    layout.name(),
                    layout.required_columns().join(" ")
                ),
            )
        })
    }

    /// Split a data line into `fields` (cleared first); an error naming the line when it has
    /// fewer fields than the header.
    pub fn split<'a>(
        &self,
        line: &'a [u8],
        lineno: u64,
        path: &Path,
        fields: &mut Vec<&'a str>,
    ) -> Result<()> {
        let text = std::str::from_utf8(line)
            .map_err(|_| Error::parse(path, lineno, "line is not valid UTF-8 text"))?;
        fields.clear();
        if self.tab {
            let mut start = 0;
            for i in memchr::memchr_iter(b'\t', line) {
                fields.push(&text[start..i]);
                start = i + 1;
            }
            fields.push(&text[start..]);
        } else {
            fields.extend(text.split_whitespace());
        }
        if fields.len() < self.names.len() {
            return Err(Error::parse(
                path,
                lineno,
                format!(
                    "expected {} fields like the header, found {} (a missing column)",
                    self.names.len(),
                    fields.len()
                ),
            ));
        }
        Ok(())
    }
}

/// Whether a token is a missing value.
pub fn is_na(tok: &str) -> bool {
    matches!(tok, "" | "NA" | "na" | "NaN" | "nan" | "-" | ".")
}

/// Parse a number column strictly (`None` for an NA token); `what` names the column.
pub fn parse_num(tok: &str, what: &str, path: &Path, line: u64) -> Result<Option<f64>> {
    if is_na(tok) {
        return Ok(None);
    }
    match tok.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(Some(v)),
        // A p-value below the double range (eQTLGen prints 3.2717E-310) parses fine; other
        // non-finite values are errors.
        _ => Err(Error::parse(
            path,
            line,
            format!("column {what}: expected a number, found '{tok}'"),
        )),
    }
}

/// Parse a required position column (a positive integer).
pub fn parse_bp(tok: &str, what: &str, path: &Path, line: u64) -> Result<Bp> {
    match tok.parse::<Bp>() {
        Ok(v) if v > 0 => Ok(v),
        _ => Err(Error::parse(
            path,
            line,
            format!("column {what}: expected a position (a positive integer), found '{tok}'"),
        )),
    }
}

/// Parse a required chromosome column.
pub fn parse_chr(tok: &str, what: &str, path: &Path, line: u64) -> Result<Chrom> {
    parse_chrom(tok, false, path, line).map_err(|_| {
        Error::parse(
            path,
            line,
            format!("column {what}: expected a chromosome (1-22, X, Y, MT, optionally 'chr'), found '{tok}'"),
        )
    })
}

/// An allele: one or more of A, C, G, T (any case), returned upper-cased; anything else
/// (`N`, `0`, `-`, `I`/`D`, empty) is an "unknown allele" error naming the line.
pub fn parse_allele(tok: &str, what: &str, path: &Path, line: u64) -> Result<CompactString> {
    if !tok.is_empty()
        && tok
            .bytes()
            .all(|b| matches!(b.to_ascii_uppercase(), b'A' | b'C' | b'G' | b'T'))
    {
        Ok(CompactString::from(tok).to_ascii_uppercase())
    } else {
        Err(Error::parse(
            path,
            line,
            format!(
                "column {what}: unknown allele '{tok}' (expected A, C, G, T or a sequence of them)"
            ),
        ))
    }
}

/// A gene ID without its Ensembl version suffix (`ENSG00000123.5` → `ENSG00000123`); IDs
/// that are not Ensembl IDs are kept as they are.
pub fn strip_version(id: &str) -> &str {
    match id.rsplit_once('.') {
        Some((stem, v))
            if stem.starts_with("ENS")
                && !v.is_empty()
                && v.bytes().all(|b| b.is_ascii_digit()) =>
        {
            stem
        }
        _ => id,
    }
}

/// A reader of one layout's data lines, built from the header.
#[derive(Debug)]
pub enum RowParser {
    /// eQTLGen.
    EqtlGen(eqtlgen::Columns),
    /// MetaBrain.
    MetaBrain(metabrain::Columns),
    /// eQTL Catalogue.
    EqtlCatalogue(eqtl_catalogue::Columns),
}

impl RowParser {
    /// Find `layout`'s columns in `header` (an error naming the missing one).
    pub fn new(layout: Layout, header: &Header, path: &Path) -> Result<RowParser> {
        Ok(match layout {
            Layout::EqtlGen => RowParser::EqtlGen(eqtlgen::Columns::find(header, path)?),
            Layout::MetaBrain => RowParser::MetaBrain(metabrain::Columns::find(header, path)?),
            Layout::EqtlCatalogue => {
                RowParser::EqtlCatalogue(eqtl_catalogue::Columns::find(header, path)?)
            }
        })
    }

    /// Decode the split fields of data line `line`.
    pub fn row<'a>(&self, fields: &[&'a str], line: u64, path: &Path) -> Result<ReleaseRow<'a>> {
        match self {
            RowParser::EqtlGen(c) => c.row(fields, line, path),
            RowParser::MetaBrain(c) => c.row(fields, line, path),
            RowParser::EqtlCatalogue(c) => c.row(fields, line, path),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_and_missing_columns() {
        let h = Header::parse(eqtlgen::HEADER.as_bytes());
        assert_eq!(Layout::detect(&h), Some(Layout::EqtlGen));
        let h = Header::parse(metabrain::HEADER.as_bytes());
        assert_eq!(Layout::detect(&h), Some(Layout::MetaBrain));
        let h = Header::parse(eqtl_catalogue::HEADER.as_bytes());
        assert_eq!(Layout::detect(&h), Some(Layout::EqtlCatalogue));
        let e = h
            .need("Zscore", Layout::EqtlGen, Path::new("f.tsv"))
            .unwrap_err();
        let e = e.to_string();
        assert!(
            e.contains("f.tsv, line 1")
                && e.contains("no Zscore column")
                && e.contains("eqtl-catalogue layout"),
            "{e}"
        );
        assert_eq!(Layout::detect(&Header::parse(b"a\tb")), None);
    }

    #[test]
    fn tokens() {
        let p = Path::new("f");
        assert_eq!(parse_allele("ac", "x", p, 2).unwrap(), "AC");
        for bad in ["N", "0", "-", "", "I", "A/G"] {
            let e = parse_allele(bad, "x", p, 7).unwrap_err().to_string();
            assert!(e.contains("line 7") && e.contains("unknown allele"), "{e}");
        }
        assert_eq!(strip_version("ENSG00000172322.13"), "ENSG00000172322");
        assert_eq!(strip_version("ENSG00000172322"), "ENSG00000172322");
        assert_eq!(strip_version("ILMN_1.2"), "ILMN_1.2");
        assert_eq!(
            parse_num("3.2717E-310", "p", p, 2).unwrap(),
            Some(3.2717e-310)
        );
        assert_eq!(parse_num("NA", "p", p, 2).unwrap(), None);
        assert!(parse_num("1.2x", "p", p, 2).is_err());
        assert!(parse_bp("0", "pos", p, 2).is_err());
        assert_eq!(parse_chr("chrX", "chr", p, 2).unwrap(), 23);
        let h = Header::parse(b"a\tb\tc");
        let mut f = Vec::new();
        let e = h.split(b"1\t2", 5, p, &mut f).unwrap_err().to_string();
        assert!(e.contains("line 5") && e.contains("found 2"), "{e}");
    }
}
