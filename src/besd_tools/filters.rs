//! SNP and probe filters of the BESD tools (data-spec/besd-tools.md §filters): chromosome
//! first, then `--extract-*`, then `--exclude-*`; kept rows stay in file order.

use crate::besd_tools::settings::Filters;
use crate::error::Result;
use crate::io::lists::read_id_list;
use crate::types::Chrom;
use std::collections::HashSet;
use std::path::Path;

/// The ID lists of one kind (SNP or probe), read once.
#[derive(Debug, Default)]
pub struct IdFilter {
    chr: Option<Chrom>,
    extract: Option<HashSet<String>>,
    exclude: Option<HashSet<String>>,
}

fn read_set(p: Option<&Path>) -> Result<Option<HashSet<String>>> {
    p.map(|p| Ok(read_id_list(p)?.into_iter().collect()))
        .transpose()
}

impl IdFilter {
    /// The SNP filters of `f`.
    pub fn snps(f: &Filters) -> Result<Self> {
        Ok(IdFilter {
            chr: f.snp_chr,
            extract: read_set(f.extract_snp.as_deref())?,
            exclude: read_set(f.exclude_snp.as_deref())?,
        })
    }

    /// The probe filters of `f`.
    pub fn probes(f: &Filters) -> Result<Self> {
        Ok(IdFilter {
            chr: f.probe_chr,
            extract: read_set(f.extract_probe.as_deref())?,
            exclude: read_set(f.exclude_probe.as_deref())?,
        })
    }

    /// True when a row with this chromosome and ID is kept.
    pub fn keeps(&self, chr: Chrom, id: &str) -> bool {
        self.chr.is_none_or(|c| c == chr)
            && self.extract.as_ref().is_none_or(|s| s.contains(id))
            && self.exclude.as_ref().is_none_or(|s| !s.contains(id))
    }

    /// True when nothing is filtered.
    pub fn is_empty(&self) -> bool {
        self.chr.is_none() && self.extract.is_none() && self.exclude.is_none()
    }
}
