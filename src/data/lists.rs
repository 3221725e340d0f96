//! SNP and probe ID lists (`--extract-*`, `--exclude-*`), read once and applied in order
//! (data-spec/algorithm.md §filters, data-spec/lists.md).

use crate::config::Config;
use crate::error::Result;
use crate::io::lists::read_id_list;
use std::collections::HashSet;
use std::path::Path;

/// Apply `--extract-*` (keep only listed IDs) then `--exclude-*` (drop listed IDs) to the
/// rows in `keep`, in order (data-spec/algorithm.md §filters, data-spec/lists.md).
pub fn apply_id_lists<'a, T: Copy>(
    mut keep: Vec<T>,
    id: impl Fn(T) -> &'a str,
    lists: &IdLists,
) -> Vec<T> {
    for (set, keep_listed) in [(&lists.extract, true), (&lists.exclude, false)] {
        if let Some(set) = set {
            keep.retain(|&i| set.contains(id(i)) == keep_listed);
        }
    }
    keep
}

/// An `--extract-*` and an `--exclude-*` list, each read once.
#[derive(Debug, Default)]
pub struct IdLists {
    extract: Option<HashSet<String>>,
    exclude: Option<HashSet<String>>,
}

impl IdLists {
    /// Read the lists named (either may be absent).
    pub fn read(extract: Option<&Path>, exclude: Option<&Path>) -> Result<Self> {
        let read = |p: Option<&Path>| -> Result<Option<HashSet<String>>> {
            p.map(|p| Ok(read_id_list(p)?.into_iter().collect()))
                .transpose()
        };
        Ok(IdLists {
            extract: read(extract)?,
            exclude: read(exclude)?,
        })
    }

    /// `--extract-snp` / `--exclude-snp`, which filter both the `.esi` and the `.bim`.
    pub fn snps(cfg: &Config) -> Result<Self> {
        Self::read(cfg.extract_snp.as_deref(), cfg.exclude_snp.as_deref())
    }
}
