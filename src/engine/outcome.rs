//! What the engine gets back for one probe: 0, 1 or N typed rows, or a typed reason why the
//! probe has no row.

/// Why a probe has no row. A probe that cannot be tested is data, not an error: the engine
/// counts these by reason and the log lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SkipReason {
    /// No SNP with eQTL and GWAS data inside the probe's window.
    NoSnpInWindow,
    /// The top eQTL's p-value is above `--peqtl-smr`.
    NotSignificant,
    /// `--target-snp` is not among the probe's SNPs.
    TargetAbsent,
    /// No SNP passes the multi-SNP instrument threshold (multi-SNP SMR).
    NoInstrument,
    /// No trans-eQTL region (trans-SMR).
    NoTransRegion,
    /// `--sample-overlap`: fewer than `--mmecs` cis SNPs null on both sides to estimate θ.
    TooFewNullSnps,
}

impl SkipReason {
    /// The label the log prints.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::NoSnpInWindow => "no cis SNP with eQTL and GWAS data",
            SkipReason::NotSignificant => "top cis-eQTL p-value above --peqtl-smr",
            SkipReason::TargetAbsent => "target SNP not in the probe's data",
            SkipReason::NoInstrument => "no SNP passes the multi-SNP instrument threshold",
            SkipReason::NoTransRegion => "no trans-eQTL region",
            SkipReason::TooFewNullSnps => {
                "too few null cis SNPs (--pmecs, --mmecs) to estimate the sample overlap"
            }
        }
    }
}

/// The result of testing one probe.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome<R> {
    /// No row, and why.
    Skipped(SkipReason),
    /// One row (cis, multi-SNP).
    One(R),
    /// Any number of rows (trans: one per region); empty is allowed.
    Many(Vec<R>),
}

impl<R> Outcome<R> {
    /// The rows, in order (none for a skipped probe).
    pub fn rows(&self) -> &[R] {
        match self {
            Outcome::Skipped(_) => &[],
            Outcome::One(r) => std::slice::from_ref(r),
            Outcome::Many(v) => v,
        }
    }

    /// The reason, for a skipped probe.
    pub fn skip_reason(&self) -> Option<SkipReason> {
        match self {
            Outcome::Skipped(r) => Some(*r),
            _ => None,
        }
    }
}
