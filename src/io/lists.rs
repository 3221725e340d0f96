//! ID list files for `--extract-snp`, `--exclude-snp`, `--extract-probe`, `--exclude-probe`
//! (first token per line) and `--keep` / `--remove` (FID IID) (data-spec/lists.md).
//!
//! Whitespace-tokenised; lines without a token are skipped; no header.

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{line_str, split_ws, LineReader};
use std::io::BufRead;
use std::path::{Path, PathBuf};

/// Read the first whitespace-separated token of every non-empty line.
pub fn read_id_list(path: &Path) -> Result<Vec<String>> {
    parse_id_list(open_text(path)?, path)
}

/// Read `FID IID` pairs (first two tokens of every non-empty line) as `FID:IID` keys.
pub fn read_individual_list(path: &Path) -> Result<Vec<String>> {
    parse_individual_list(open_text(path)?, path)
}

/// The file name of `path` with each of `exts` stripped in turn when it ends the name and
/// leaves something (e.g. `height.ma.gz` with `[".gz", ".ma"]` → `height`): the default name
/// of a trait or an eQTL dataset in output file names.
pub fn name_without(path: &Path, exts: &[&str]) -> String {
    let mut name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    for ext in exts {
        if let Some(s) = name.strip_suffix(ext) {
            if !s.is_empty() {
                name = s.to_string();
            }
        }
    }
    name
}

/// Parse a `name path` list (`--gwas-flist`, data-spec/lists.md §gwas-flist; `--beqtl-flist`, data-spec/datasets.md): one pair
/// per non-empty line, `#` starting a comment line, relative paths taken as on the command
/// line. Any other line is an error naming `list`, the line and `expected` (e.g.
/// `"'name path'"`).
pub fn parse_name_path_list(
    text: &str,
    list: &Path,
    expected: &str,
) -> Result<Vec<(String, PathBuf)>> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let mut toks = line.split_whitespace();
        match (toks.next(), toks.next(), toks.next()) {
            (Some(name), Some(path), None) => out.push((name.to_string(), PathBuf::from(path))),
            _ => {
                return Err(Error::parse(
                    list,
                    i as u64 + 1,
                    format!("expected two columns {expected}, found '{line}'"),
                ))
            }
        }
    }
    Ok(out)
}

/// A whole small text file (plain or gzipped, a pipe too) as UTF-8, read line by line under
/// the line-length cap; lines joined with `\n`. For list files parsed by their own rules
/// (`--gwas-flist`).
pub fn read_text(path: &Path) -> Result<String> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out = String::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let text = std::str::from_utf8(bytes).map_err(|_| {
            Error::parse(
                path,
                line,
                "not valid UTF-8 text (a path or name must be UTF-8)",
            )
        })?;
        out.push_str(text);
        out.push('\n');
    }
    Ok(out)
}

/// [`read_id_list`] on a reader; `path` names the source in errors.
pub fn parse_id_list<R: BufRead>(reader: R, path: &Path) -> Result<Vec<String>> {
    let mut lines = LineReader::new(reader, path);
    let mut out = Vec::new();
    while let Some((_, bytes)) = lines.next_line()? {
        if let Some(t) = split_ws(&line_str(bytes)).next() {
            out.push(t.to_string());
        }
    }
    Ok(out)
}

/// [`read_individual_list`] on a reader; `path` names the source in errors.
pub fn parse_individual_list<R: BufRead>(reader: R, path: &Path) -> Result<Vec<String>> {
    let mut lines = LineReader::new(reader, path);
    let mut out = Vec::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let text = line_str(bytes);
        let mut toks = split_ws(&text);
        match (toks.next(), toks.next()) {
            (None, _) => {}
            (Some(fid), Some(iid)) => out.push(format!("{fid}:{iid}")),
            (Some(_), None) => {
                return Err(Error::parse(
                    path,
                    line,
                    "expected two columns (FID IID), found 1",
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_list_first_token() {
        let r = parse_id_list(&b"rs1 extra\r\n\n  \n\trs2\n"[..], Path::new("l")).unwrap();
        assert_eq!(r, ["rs1", "rs2"]);
    }

    #[test]
    fn individual_list() {
        let p = Path::new("keep.txt");
        let r = parse_individual_list(&b"F1 I1 x\n\nF2\tI2\r\n"[..], p).unwrap();
        assert_eq!(r, ["F1:I1", "F2:I2"]);
        let e = parse_individual_list(&b"F1 I1\nF2\n"[..], p)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2"), "{e}");
    }

    #[test]
    fn reads_files() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("ids");
        std::fs::write(&f, "a\nb\n").unwrap();
        assert_eq!(read_id_list(&f).unwrap(), ["a", "b"]);
        assert!(read_individual_list(&dir.path().join("none")).is_err());
    }
}
