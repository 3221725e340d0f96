//! `.epi`: the probe table of a BESD triplet (data-spec/epi.md).
//!
//! Whitespace-tokenised, no header, at least 6 columns `chr probe cM bp gene orientation`
//! (extra columns ignored). Empty lines are skipped; a probe's index in the `.besd` is its index
//! among the non-empty lines.

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{
    collect_fields, is_na, line_str, parse_bp, parse_chrom, split_ws, LineReader,
};
use crate::types::{Bp, Chrom, SkippedRow};
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// One probe of an `.epi` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EpiRecord {
    /// Probe chromosome code.
    pub chr: Chrom,
    /// Probe ID (a later duplicate renamed `ID_<line>`).
    pub probe: String,
    /// Probe position.
    pub bp: Bp,
    /// Gene name, verbatim.
    pub gene: String,
    /// Orientation: the first character of the sixth column.
    pub orientation: char,
}

/// Read an `.epi` file (plain or gzipped).
pub fn read_epi(path: &Path) -> Result<Vec<EpiRecord>> {
    parse_epi(open_text(path)?, path)
}

/// [`read_epi`], also returning the duplicate IDs that were renamed (line, original ID, and
/// the reason `duplicate ID, renamed <new>`), so that the caller can warn about them.
pub fn read_epi_flagged(path: &Path) -> Result<(Vec<EpiRecord>, Vec<SkippedRow>)> {
    parse_epi_flagged(open_text(path)?, path)
}

/// Parse `.epi` text from a reader; `path` names the source in errors.
pub fn parse_epi<R: BufRead>(reader: R, path: &Path) -> Result<Vec<EpiRecord>> {
    parse_epi_flagged(reader, path).map(|(records, _)| records)
}

/// [`parse_epi`], also returning the renamed duplicate IDs (see [`read_epi_flagged`]).
pub fn parse_epi_flagged<R: BufRead>(
    reader: R,
    path: &Path,
) -> Result<(Vec<EpiRecord>, Vec<SkippedRow>)> {
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
        if n_toks < 6 {
            return Err(Error::parse(
                path,
                line,
                format!("expected at least 6 columns, found {}", n_toks),
            ));
        }
        if is_na(toks[0]) || toks[0] == "-9" {
            return Err(Error::parse(
                path,
                line,
                format!("column chr: '{}' is not allowed", toks[0]),
            ));
        }
        let chr = parse_chrom(toks[0], true, path, line)?;
        if is_na(toks[3]) {
            return Err(Error::parse(path, line, "column bp: NA is not allowed"));
        }
        let bp = parse_bp(toks[3], path, line)?;
        if bp == 0 {
            return Err(Error::parse(path, line, "column bp: 0 is not allowed"));
        }
        let orientation = toks[5].chars().next().unwrap_or('N');
        let mut probe = toks[1].to_string();
        if !seen.insert(probe.clone()) {
            let new = format!("{probe}_{line}");
            renamed.push(SkippedRow::renamed(line, &probe, &new));
            probe = new;
            seen.insert(probe.clone());
        }
        out.push(EpiRecord {
            chr,
            probe,
            bp,
            gene: toks[4].to_string(),
            orientation,
        });
    }
    Ok((out, renamed))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<EpiRecord>> {
        parse_epi(s.as_bytes(), Path::new("t.epi"))
    }

    #[test]
    fn good_lines() {
        let r = parse("1\tp1\t0\t1000\tGENE1\t+\textra\r\nX p2 0 2000 G,2 NA\n\n").unwrap();
        assert_eq!(
            r[0],
            EpiRecord {
                chr: 1,
                probe: "p1".into(),
                bp: 1000,
                gene: "GENE1".into(),
                orientation: '+'
            }
        );
        assert_eq!(
            (r[1].chr, r[1].gene.as_str(), r[1].orientation),
            (23, "G,2", 'N')
        );
        assert_eq!(r.len(), 2);
    }

    #[test]
    fn duplicates_renamed_by_line() {
        let r = parse("1 p1 0 1 g +\n\n1 p1 0 2 g -\n").unwrap();
        assert_eq!(r[1].probe, "p1_3");
    }

    #[test]
    fn bad_lines() {
        let e = parse("1 p1 0 1 g +\n1 p2 0 1 g\n").unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("at least 6 columns, found 5"),
            "{e}"
        );
        assert!(parse("NA p1 0 1 g +\n").is_err());
        assert!(parse("-9 p1 0 1 g +\n").is_err());
        assert!(parse("1 p1 0 0 g +\n").is_err());
        assert!(parse("1 p1 0 NA g +\n").is_err());
        assert!(parse("1 p1 0 12x g +\n").is_err());
        assert!(parse("Q p1 0 1 g +\n").is_err());
    }
}
