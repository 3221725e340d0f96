//! The SNP sets and gene regions of multi-SNP SMR: `--set-list` (`NAME snp1 snp2 ... END`)
//! and `--gene-list` (`chr start end name [strand]`), each naming a probe
//! (data-spec/formats.md §4, algorithm §12 B).

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{line_str, parse_chrom, parse_i64, split_ws, LineReader, MAX_BP};
use crate::types::{Bp, Chrom};
use std::path::Path;

/// One `--set-list` set: a name (a probe ID) and its SNP IDs, in file order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnpSet {
    /// Set name (must be a probe ID).
    pub name: String,
    /// SNP IDs.
    pub snps: Vec<String>,
    /// Line of the name (for messages).
    pub line: u64,
}

/// One `--gene-list` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneRegion {
    /// Chromosome.
    pub chr: Chrom,
    /// First position (inclusive).
    pub start_bp: Bp,
    /// Last position (inclusive).
    pub end_bp: Bp,
    /// Gene name (must be a probe ID).
    pub name: String,
    /// Line (for messages).
    pub line: u64,
}

/// Read a `--set-list` file: whitespace tokens; a set is its name, then SNP IDs up to `END`
/// (or `end`). A set left open at the end of the file is an error.
pub fn read_set_list(path: &Path) -> Result<Vec<SnpSet>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut sets = Vec::new();
    let mut open: Option<SnpSet> = None;
    while let Some((line, bytes)) = lines.next_line()? {
        for tok in split_ws(&line_str(bytes)) {
            match open.as_mut() {
                None => {
                    open = Some(SnpSet {
                        name: tok.to_string(),
                        snps: Vec::new(),
                        line,
                    })
                }
                Some(_) if tok == "END" || tok == "end" => sets.extend(open.take()),
                Some(set) => set.snps.push(tok.to_string()),
            }
        }
    }
    if let Some(set) = open {
        return Err(Error::parse(
            path,
            set.line,
            format!(
                "set {} is not closed: expected END after its SNP IDs",
                set.name
            ),
        ));
    }
    if sets.is_empty() {
        return Err(Error::format(
            path,
            "no set: expected `NAME snp1 snp2 ... END`",
        ));
    }
    Ok(sets)
}

/// Read a `--gene-list` file: `chr start end name [strand]` per line, every line with the
/// same number of columns; `start <= end`.
pub fn read_gene_list(path: &Path) -> Result<Vec<GeneRegion>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut genes = Vec::new();
    let mut columns = None;
    while let Some((line, bytes)) = lines.next_line()? {
        let text = line_str(bytes);
        let toks: Vec<&str> = split_ws(&text).collect();
        if toks.is_empty() {
            continue;
        }
        if !(4..=5).contains(&toks.len()) || columns.is_some_and(|c| c != toks.len()) {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected {} columns (chr start end name [strand]), found {}",
                    columns.map_or("4 or 5".to_string(), |c: usize| c.to_string()),
                    toks.len()
                ),
            ));
        }
        columns = Some(toks.len());
        let chr = parse_chrom(toks[0], false, path, line)?;
        let start_bp = parse_i64(toks[1], path, line, "start")?;
        let end_bp = parse_i64(toks[2], path, line, "end")?;
        if start_bp < 0 || end_bp > MAX_BP || start_bp > end_bp {
            return Err(Error::parse(
                path,
                line,
                format!("bad range {start_bp}..{end_bp}: expected 0 <= start <= end <= {MAX_BP}"),
            ));
        }
        genes.push(GeneRegion {
            chr,
            start_bp,
            end_bp,
            name: toks[3].to_string(),
            line,
        });
    }
    if genes.is_empty() {
        return Err(Error::format(
            path,
            "no gene: expected lines `chr start end name [strand]`",
        ));
    }
    Ok(genes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> (tempfile::TempDir, std::path::PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("list.txt");
        std::fs::write(&p, text).unwrap();
        (dir, p)
    }

    #[test]
    fn sets_span_lines_and_end_in_either_case() {
        let (_d, p) = write("P1 rs1 rs2\nrs3 END P2\nrs4 end\n");
        let sets = read_set_list(&p).unwrap();
        assert_eq!(sets.len(), 2);
        assert_eq!(sets[0].name, "P1");
        assert_eq!(sets[0].snps, ["rs1", "rs2", "rs3"]);
        assert_eq!((sets[1].name.as_str(), sets[1].line), ("P2", 2));
        assert_eq!(sets[1].snps, ["rs4"]);
    }

    #[test]
    fn an_open_set_is_an_error_naming_its_line() {
        let (_d, p) = write("P1 rs1 END\nP2 rs2\n");
        let e = read_set_list(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("P2"), "{e}");
    }

    #[test]
    fn gene_lists_check_columns_and_ranges() {
        let (_d, p) = write("1 100 200 P1\nX 5 5 P2\n");
        let g = read_gene_list(&p).unwrap();
        assert_eq!((g[1].chr, g[1].start_bp, g[1].end_bp), (23, 5, 5));
        let (_d, p) = write("1 100 200 P1\n1 300 250 P2\n");
        let e = read_gene_list(&p).unwrap_err().to_string();
        assert!(e.contains("line 2") && e.contains("300..250"), "{e}");
        let (_d, p) = write("1 100 200 P1 +\n1 300 350 P2\n");
        let e = read_gene_list(&p).unwrap_err().to_string();
        assert!(
            e.contains("line 2") && e.contains("expected 5 columns"),
            "{e}"
        );
    }
}
