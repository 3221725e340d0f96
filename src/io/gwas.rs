//! GWAS summary statistics in GCTA-COJO `.ma` layout (data-spec/ma.md).

use crate::error::Result;
use crate::types::SkippedRow;
use std::io::BufRead;
use std::path::Path;

/// One GWAS row. Values that were `NA` (or unusable, see [`GwasRecord::usable`]) stay in the
/// table so that SNP matching and the frequency check count them as the reference does, but
/// such a SNP never enters an SMR or HEIDI test.
#[derive(Debug, Clone, PartialEq)]
pub struct GwasRecord {
    /// SNP ID (a later duplicate renamed `ID_<data row>`).
    pub snp: String,
    /// Effect allele (upper case).
    pub a1: String,
    /// Other allele (upper case).
    pub a2: String,
    /// Frequency of A1; `None` when `NA`.
    pub freq: Option<f64>,
    /// Effect of A1; `None` when `NA`.
    pub b: Option<f64>,
    /// Standard error; `None` when `NA`.
    pub se: Option<f64>,
    /// p-value as written; `None` when `NA`.
    pub p: Option<f64>,
    /// Sample size; `None` when `NA`.
    pub n: Option<f64>,
}

impl GwasRecord {
    /// True when b is finite, se is finite and > 0 and p is in [0, 1]: the row can be tested.
    pub fn usable(&self) -> bool {
        matches!((self.b, self.se, self.p), (Some(b), Some(se), Some(p))
            if b.is_finite() && se.is_finite() && se > 0.0 && (0.0..=1.0).contains(&p))
    }
}

/// A whole GWAS file.
#[derive(Debug, Clone, Default)]
pub struct GwasData {
    /// Rows in file order.
    pub records: Vec<GwasRecord>,
    /// Rows that are kept in `records` but cannot be tested (NA or out-of-range b/se/p), and
    /// renamed duplicates, each with its line and reason.
    pub flagged: Vec<SkippedRow>,
    /// Number of rows whose frequency is `NA`.
    pub n_freq_na: usize,
}

/// Read a `.ma` file (plain or gzipped).
pub fn read_ma(path: &Path) -> Result<GwasData> {
    let _ = path;
    todo!()
}

/// Parse `.ma` text from a reader; `path` names the source in errors.
pub fn parse_ma<R: BufRead>(reader: R, path: &Path) -> Result<GwasData> {
    let _ = (reader, path);
    todo!()
}
