//! Shared domain types, so that `io/` and `stats/` stay independent of each other.

/// Chromosome code as the reference encodes it: 1..22 autosomes, 23 = X, 24 = Y.
pub type Chrom = i32;

/// Base-pair position.
pub type Bp = i64;

/// Chromosome code of X (data-spec/esi.md "Chromosome codes").
pub const CHROM_X: Chrom = 23;
/// Chromosome code of Y (data-spec/esi.md "Chromosome codes").
pub const CHROM_Y: Chrom = 24;

/// A row of input that was readable but not usable: skipped, counted and listed with its reason.
#[derive(Debug, Clone, PartialEq)]
pub struct SkippedRow {
    /// 1-based line number in the file (header counted).
    pub line: u64,
    /// The identifier of the row (SNP or probe ID), as written in the file.
    pub id: String,
    /// Why the row was skipped, in words a user understands.
    pub reason: String,
}

/// Prefix of the reason recorded for a duplicate ID renamed as the reference does
/// (data-spec/text.md "Duplicated IDs"); the new ID follows it.
pub const RENAMED_REASON: &str = "duplicate ID, renamed ";

impl SkippedRow {
    /// The record of a duplicate ID `old` on `line`, renamed `new`.
    pub fn renamed(line: u64, old: &str, new: &str) -> Self {
        SkippedRow {
            line,
            id: old.to_string(),
            reason: format!("{RENAMED_REASON}{new}"),
        }
    }
}
