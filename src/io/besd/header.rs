//! The BESD layout code (first 4 bytes) and the 64-byte extended header (data-spec/besd.md §1-2).

use crate::error::{Error, Result};
use std::path::Path;

/// Layout code of the legacy dense file, no extended header (data-spec/besd.md §1).
pub const CODE_DENSE_LEGACY: u32 = 0x0000_0000;
/// Layout code of the dense file with the 64-byte header (data-spec/besd.md §1).
pub const CODE_DENSE: u32 = 0x0000_0005;
/// Layout code of the sparse file with the 64-byte header (data-spec/besd.md §1).
pub const CODE_SPARSE: u32 = 0x0000_0003;
/// Layout code (float 3.0) of the sparse file without extended header (data-spec/besd.md §1).
pub const CODE_SPARSE_NO_HEADER: u32 = 0x4040_0000;
/// Layout code (float 2.0) of the legacy sparse file with 32-bit offsets (data-spec/besd.md §1).
pub const CODE_SPARSE_LEGACY_U32: u32 = 0x4000_0000;
/// Layout code (float 1.0) of the legacy all-float32 sparse file (data-spec/besd.md §1).
pub const CODE_SPARSE_LEGACY_F32: u32 = 0x3F80_0000;
/// Length of the extended header: 16 little-endian int32 (data-spec/besd.md §2).
pub const EXTENDED_HEADER_LEN: usize = 64;
/// Length of the layout code alone (data-spec/besd.md §1).
pub const CODE_LEN: usize = 4;
/// The "unknown" sentinel of the extended header's int32 fields (data-spec/besd.md §2).
pub const HEADER_MISSING: i32 = -9;

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

impl BesdLayout {
    /// The layout for a code read as a little-endian u32; `None` when unknown.
    pub fn from_code(code: u32) -> Option<Self> {
        match code {
            CODE_DENSE_LEGACY => Some(BesdLayout::DenseLegacy),
            CODE_DENSE => Some(BesdLayout::Dense),
            CODE_SPARSE => Some(BesdLayout::Sparse),
            CODE_SPARSE_NO_HEADER => Some(BesdLayout::SparseNoHeader),
            CODE_SPARSE_LEGACY_U32 => Some(BesdLayout::SparseLegacyU32),
            CODE_SPARSE_LEGACY_F32 => Some(BesdLayout::SparseLegacyF32),
            _ => None,
        }
    }

    /// The layout's code (first 4 bytes, little-endian u32).
    pub fn code(self) -> u32 {
        match self {
            BesdLayout::DenseLegacy => CODE_DENSE_LEGACY,
            BesdLayout::Dense => CODE_DENSE,
            BesdLayout::Sparse => CODE_SPARSE,
            BesdLayout::SparseNoHeader => CODE_SPARSE_NO_HEADER,
            BesdLayout::SparseLegacyU32 => CODE_SPARSE_LEGACY_U32,
            BesdLayout::SparseLegacyF32 => CODE_SPARSE_LEGACY_F32,
        }
    }

    /// Bytes before the data: 64 with the extended header, else 4 (the code alone).
    pub fn header_len(self) -> usize {
        if self.has_extended_header() {
            EXTENDED_HEADER_LEN
        } else {
            CODE_LEN
        }
    }

    /// True for the layouts with the 64-byte extended header (codes 3 and 5).
    pub fn has_extended_header(self) -> bool {
        matches!(self, BesdLayout::Dense | BesdLayout::Sparse)
    }

    /// True for the sparse layouts.
    pub fn is_sparse(self) -> bool {
        !matches!(self, BesdLayout::Dense | BesdLayout::DenseLegacy)
    }
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

/// Little-endian int32 number `i` of `bytes` (caller checked the length).
fn i32_field(bytes: &[u8], i: usize) -> Option<i32> {
    let b = bytes.get(4 * i..4 * i + 4)?;
    Some(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
}

/// Decode the layout code and, for codes 3 and 5, the extended header. Checks only what the
/// header itself says (known code, complete header, non-negative counts); the caller compares
/// counts with the `.esi`/`.epi` and the file size with the layout.
pub fn decode_header(bytes: &[u8], path: &Path) -> Result<BesdHeader> {
    let code_bytes = bytes.get(..CODE_LEN).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "truncated BESD header: file has {} bytes, expected at least {CODE_LEN} (the layout code)",
                bytes.len()
            ),
        )
    })?;
    let code = u32::from_le_bytes([code_bytes[0], code_bytes[1], code_bytes[2], code_bytes[3]]);
    let layout = BesdLayout::from_code(code).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "unknown BESD layout: first 4 bytes {:02x} {:02x} {:02x} {:02x}; known codes (little-endian u32): \
                 0x00000000 dense, 0x00000005 dense with header, 0x00000003 sparse, 0x40400000 sparse without header, \
                 0x40000000 legacy sparse, 0x3F800000 legacy float sparse",
                code_bytes[0], code_bytes[1], code_bytes[2], code_bytes[3]
            ),
        )
    })?;
    if !layout.has_extended_header() {
        return Ok(BesdHeader {
            layout,
            sample_size: None,
            n_snps: None,
            n_probes: None,
        });
    }
    let head = bytes.get(..EXTENDED_HEADER_LEN).ok_or_else(|| {
        Error::format(
            path,
            format!(
                "truncated BESD header: file has {} bytes, layout {code} needs a {EXTENDED_HEADER_LEN}-byte header",
                bytes.len()
            ),
        )
    })?;
    let sample = i32_field(head, 1).unwrap_or(HEADER_MISSING);
    let count = |i: usize, what: &str| -> Result<u32> {
        let v = i32_field(head, i).unwrap_or(HEADER_MISSING);
        u32::try_from(v).map_err(|_| {
            Error::format(
                path,
                format!("header int32 #{i} ({what} count, byte offset {}) is {v}, expected a count >= 0", 4 * i),
            )
        })
    };
    Ok(BesdHeader {
        layout,
        sample_size: (sample != HEADER_MISSING).then_some(sample),
        n_snps: Some(count(2, "SNP")?),
        n_probes: Some(count(3, "probe")?),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for l in [
            BesdLayout::DenseLegacy,
            BesdLayout::Dense,
            BesdLayout::Sparse,
            BesdLayout::SparseNoHeader,
            BesdLayout::SparseLegacyU32,
            BesdLayout::SparseLegacyF32,
        ] {
            assert_eq!(BesdLayout::from_code(l.code()), Some(l));
        }
        assert_eq!(BesdLayout::from_code(1), None);
    }

    #[test]
    fn extended_header() {
        let mut v = vec![
            0x05, 0x00, 0x00, 0x00, // layout 5
            0xe8, 0x03, 0x00, 0x00, // sample size 1000
            0x02, 0x00, 0x00, 0x00, // 2 SNPs
            0x01, 0x00, 0x00, 0x00, // 1 probe
        ];
        v.extend([0xf7, 0xff, 0xff, 0xff].repeat(12)); // reserved int32 -9 x 12
        let h = decode_header(&v, Path::new("x")).unwrap();
        assert_eq!(
            h,
            BesdHeader {
                layout: BesdLayout::Dense,
                sample_size: Some(1000),
                n_snps: Some(2),
                n_probes: Some(1)
            }
        );
        v[8..12].copy_from_slice(&(-1i32).to_le_bytes()); // negative SNP count
        assert!(decode_header(&v, Path::new("x")).is_err());
        assert!(decode_header(&v[..63], Path::new("x")).is_err()); // truncated header
        assert!(decode_header(&v[..3], Path::new("x")).is_err()); // truncated code
        let e = decode_header(&[0x01, 0x02, 0x03, 0x04], Path::new("x"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("01 02 03 04") && e.contains("0x40400000"), "{e}");
    }
}
