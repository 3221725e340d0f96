//! `.fam` reader (data-spec/plink.md §fam).
//!
//! Whitespace-tokenised, exactly 6 columns `FID IID father mother sex phenotype` per non-empty
//! line; `FID:IID` must be unique.

use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{collect_fields, line_str, split_ws, LineReader};
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// One individual of a `.fam` file.
#[derive(Debug, Clone, PartialEq)]
pub struct FamRecord {
    /// Family ID.
    pub fid: String,
    /// Individual ID.
    pub iid: String,
    /// Sex code: 1 male, 2 female, anything else unknown.
    pub sex: i32,
}

impl FamRecord {
    /// The `FID:IID` key used by `--keep` / `--remove`.
    pub fn key(&self) -> String {
        format!("{}:{}", self.fid, self.iid)
    }
}

/// Read a `.fam` file.
pub fn read_fam(path: &Path) -> Result<Vec<FamRecord>> {
    parse_fam(open_text(path)?, path)
}

/// [`read_fam`] on a reader; `path` names the source in errors.
pub fn parse_fam<R: BufRead>(reader: R, path: &Path) -> Result<Vec<FamRecord>> {
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
                format!(
                    "expected 6 columns (FID IID father mother sex phenotype), found {}",
                    n_toks
                ),
            ));
        }
        // 1 male, 2 female; any other code (0, -9, text) means unknown.
        let sex = match toks[4] {
            "1" => 1,
            "2" => 2,
            _ => 0,
        };
        let rec = FamRecord {
            fid: toks[0].to_string(),
            iid: toks[1].to_string(),
            sex,
        };
        let key = rec.key();
        if !seen.insert(key) {
            return Err(Error::parse(
                path,
                line,
                format!("duplicate individual {}", rec.key()),
            ));
        }
        out.push(rec);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Vec<FamRecord>> {
        parse_fam(s.as_bytes(), Path::new("t.fam"))
    }

    #[test]
    fn good() {
        let r = parse("F1 I1 0 0 1 -9\r\n\nF1\tI2 0 0 2 1\nF2 I1 0 0 0 1\n").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].key(), "F1:I1");
        assert_eq!((r[0].sex, r[1].sex, r[2].sex), (1, 2, 0));
    }

    #[test]
    fn bad() {
        let e = parse("F1 I1 0 0 1\n").unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("found 5"), "{e}");
        let e = parse("F1 I1 0 0 1 1\nF1 I1 0 0 1 1\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("duplicate individual F1:I1"),
            "{e}"
        );
    }
}
