//! `.fam` reader (data-spec/plink.md §fam).

use crate::error::Result;
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
    let _ = path;
    todo!()
}
