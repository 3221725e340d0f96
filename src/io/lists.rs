//! ID list files for `--extract-snp`, `--exclude-snp`, `--extract-probe`, `--exclude-probe`
//! (first token per line) and `--keep` / `--remove` (FID IID) (data-spec/lists.md).

use crate::error::Result;
use std::path::Path;

/// Read the first whitespace-separated token of every non-empty line.
pub fn read_id_list(path: &Path) -> Result<Vec<String>> {
    let _ = path;
    todo!()
}

/// Read `FID IID` pairs (first two tokens of every non-empty line) as `FID:IID` keys.
pub fn read_individual_list(path: &Path) -> Result<Vec<String>> {
    let _ = path;
    todo!()
}
