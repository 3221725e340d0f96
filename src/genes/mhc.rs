//! The MHC region per genome build (data-spec/genes-output.md §3).
//!
//! Bounds, inclusive, on chromosome 6:
//! * hg19 / GRCh37: 25,000,000–35,000,000, the "chr6 ~25–35 Mb" convention that SMR users
//!   apply to hg19 tables (ecosystem.md §1);
//! * hg38 / GRCh38: 28,510,120–33,480,577, the region SMR-Portal removes
//!   (`jianyanglab/SMR-Portal`, `SMR/analysis/post_SMR.py`; ecosystem.md §1), which is the
//!   GRC's MHC region on GRCh38.

/// A genome build.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Build {
    /// GRCh37.
    Hg19,
    /// GRCh38.
    Hg38,
}

impl Build {
    /// The MHC bounds `(chr, first bp, last bp)`, inclusive.
    pub fn mhc(self) -> (i32, i64, i64) {
        match self {
            Build::Hg19 => (6, 25_000_000, 35_000_000),
            Build::Hg38 => (6, 28_510_120, 33_480_577),
        }
    }

    /// Whether a probe at `chr:bp` lies in the MHC (None when the position is unknown).
    pub fn in_mhc(self, chr: Option<i32>, bp: Option<i64>) -> Option<bool> {
        let (c, lo, hi) = self.mhc();
        match (chr, bp) {
            (Some(ch), _) if ch != c => Some(false),
            (Some(_), Some(b)) => Some((lo..=hi).contains(&b)),
            _ => None,
        }
    }

    /// The build's name as written in outputs.
    pub fn as_str(self) -> &'static str {
        match self {
            Build::Hg19 => "hg19",
            Build::Hg38 => "hg38",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounds_per_build_are_inclusive() {
        let b = Build::Hg19;
        assert_eq!(b.in_mhc(Some(6), Some(25_000_000)), Some(true));
        assert_eq!(b.in_mhc(Some(6), Some(24_999_999)), Some(false));
        assert_eq!(b.in_mhc(Some(6), Some(35_000_000)), Some(true));
        assert_eq!(b.in_mhc(Some(6), Some(35_000_001)), Some(false));
        assert_eq!(b.in_mhc(Some(5), Some(30_000_000)), Some(false));
        assert_eq!(b.in_mhc(Some(6), None), None);
        let b = Build::Hg38;
        // 28.0 Mb is MHC in hg19 but not in hg38's narrower SMR-Portal bounds.
        assert_eq!(Build::Hg19.in_mhc(Some(6), Some(28_000_000)), Some(true));
        assert_eq!(b.in_mhc(Some(6), Some(28_000_000)), Some(false));
        assert_eq!(b.in_mhc(Some(6), Some(28_510_120)), Some(true));
        assert_eq!(b.in_mhc(Some(6), Some(33_480_577)), Some(true));
        assert_eq!(b.in_mhc(Some(6), Some(33_480_578)), Some(false));
    }
}
