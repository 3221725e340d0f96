//! The BESD layout code (first 4 bytes) and the 64-byte extended header (data-spec/besd.md §1-2).

/// Which of the BESD layouts a file uses, from its first 4 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BesdLayout {
    /// `0x00000000`: legacy dense, no extended header.
    DenseLegacy,
    /// `0x00000005`: dense with the 64-byte header.
    Dense,
    /// `0x00000003`: sparse with the 64-byte header, 64-bit offsets.
    Sparse,
    /// `0x40400000` (float 3.0): sparse, no extended header, 64-bit offsets.
    SparseNoHeader,
    /// `0x40000000` (float 2.0): legacy sparse with 32-bit offsets.
    SparseLegacyU32,
    /// `0x3F800000` (float 1.0): legacy sparse, every number stored as float32.
    SparseLegacyF32,
}

/// What the start of a BESD file says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BesdHeader {
    /// The layout.
    pub layout: BesdLayout,
    /// Sample size from the extended header; `None` when -9 or when there is no extended header.
    pub sample_size: Option<i32>,
    /// SNP count from the extended header (`None` when there is none).
    pub n_snps: Option<u32>,
    /// Probe count from the extended header (`None` when there is none).
    pub n_probes: Option<u32>,
}
