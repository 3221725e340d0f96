//! `.bed` (SNP-major) access and 2-bit genotype decoding (data-spec/plink.md §bed).
//!
//! Unlike the reference, which skips the first 3 bytes unchecked, the magic bytes, the
//! SNP-major mode byte and the exact file size are all validated before any genotype is read.

use crate::error::{Error, Result};
use crate::io::source::{read_bytes, Bytes};
use std::path::Path;

/// `.bed` magic bytes (data-spec/plink.md §bed).
pub const BED_MAGIC: [u8; 2] = [0x6c, 0x1b];
/// Mode byte of a SNP-major `.bed` (data-spec/plink.md §bed).
pub const BED_SNP_MAJOR: u8 = 0x01;
/// Mode byte of an individual-major `.bed` (not supported) (data-spec/plink.md §bed).
pub const BED_INDIVIDUAL_MAJOR: u8 = 0x00;
/// Length of the `.bed` header: magic + mode (data-spec/plink.md §bed).
pub const BED_HEADER_LEN: usize = 3;

/// Count of `.bim` allele 1 for each 2-bit code, indexed by the code read low bit first
/// (data-spec/plink.md §bed): `00` → 2, `01` → missing, `10` → 1, `11` → 0.
pub const CODE_TO_COUNT: [Option<u8>; 4] = [Some(2), None, Some(1), Some(0)];

/// For every byte, its four 2-bit codes in individual order (individual `4j + k` is entry `k`).
pub const BYTE_TO_CODES: [[u8; 4]; 256] = {
    let mut t = [[0u8; 4]; 256];
    let mut b = 0;
    while b < 256 {
        t[b] = [
            (b & 3) as u8,
            ((b >> 2) & 3) as u8,
            ((b >> 4) & 3) as u8,
            ((b >> 6) & 3) as u8,
        ];
        b += 1;
    }
    t
};

/// A validated, memory-mapped SNP-major `.bed` file.
pub struct BedFile {
    bytes: Bytes,
    n_snps: usize,
    n_indiv: usize,
}

impl std::fmt::Debug for BedFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BedFile")
            .field("n_snps", &self.n_snps)
            .field("n_indiv", &self.n_indiv)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl BedFile {
    /// Open `path`, check the magic bytes, the SNP-major mode byte and that the size is exactly
    /// `3 + n_snps * ceil(n_indiv / 4)`.
    pub fn open(path: &Path, n_snps: usize, n_indiv: usize) -> Result<Self> {
        Self::from_bytes(read_bytes(path)?, path, n_snps, n_indiv)
    }

    /// Validate bytes already in memory (same checks as [`BedFile::open`]).
    pub fn from_bytes(bytes: Bytes, path: &Path, n_snps: usize, n_indiv: usize) -> Result<Self> {
        let head = bytes.get(..BED_HEADER_LEN).ok_or_else(|| {
            Error::format(
                path,
                format!(
                    "truncated .bed header: {} bytes, expected at least {BED_HEADER_LEN}",
                    bytes.len()
                ),
            )
        })?;
        if head[..2] != BED_MAGIC {
            return Err(Error::format(
                path,
                format!(
                    "not a PLINK .bed file: first bytes {:02x} {:02x}, expected 6c 1b",
                    head[0], head[1]
                ),
            ));
        }
        match head[2] {
            BED_SNP_MAJOR => {}
            BED_INDIVIDUAL_MAJOR => {
                return Err(Error::format(
                    path,
                    "individual-major .bed (mode byte 00) is not supported; convert it to SNP-major with PLINK (--make-bed)",
                ))
            }
            m => {
                return Err(Error::format(
                    path,
                    format!("unknown .bed mode byte {m:02x}, expected 01 (SNP-major)"),
                ))
            }
        }
        let per = n_indiv.div_ceil(4);
        let expected = per
            .checked_mul(n_snps)
            .and_then(|v| v.checked_add(BED_HEADER_LEN));
        match expected {
            Some(e) if e == bytes.len() => Ok(BedFile {
                bytes,
                n_snps,
                n_indiv,
            }),
            _ => Err(Error::format(
                path,
                format!(
                    "file has {} bytes but {n_snps} SNPs (.bim) x {n_indiv} individuals (.fam) need {} (3 + {n_snps} x {per}); the .bed must match the .bim and .fam",
                    bytes.len(),
                    expected.map_or_else(|| "more than can be addressed".to_string(), |e| e.to_string())
                ),
            )),
        }
    }

    /// Number of individuals (columns of the `.fam`).
    pub fn n_indiv(&self) -> usize {
        self.n_indiv
    }

    /// Number of SNPs (rows of the `.bim`).
    pub fn n_snps(&self) -> usize {
        self.n_snps
    }

    /// The packed bytes of SNP `snp` (0-based `.bim` index): `ceil(n_indiv / 4)` bytes.
    ///
    /// # Panics
    /// If `snp >= n_snps()` (a caller bug: the file size was validated at open).
    pub fn snp_bytes(&self, snp: usize) -> &[u8] {
        assert!(snp < self.n_snps, "SNP index {snp} >= {}", self.n_snps);
        let per = self.n_indiv.div_ceil(4);
        &self.bytes[BED_HEADER_LEN + snp * per..BED_HEADER_LEN + (snp + 1) * per]
    }
}

impl BedFile {
    /// Drop the resident pages of SNPs `first..first + count` (see [`Bytes::release`]).
    pub fn release(&self, first: usize, count: usize) {
        let per = self.n_indiv.div_ceil(4);
        self.bytes
            .release(BED_HEADER_LEN + first * per, count.saturating_mul(per));
    }
}

/// Per-byte sum of `.bim` A1 counts over the 4 genotypes of a byte (missing counts 0).
const BYTE_SUM: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 4 {
            t[b] += match (b >> (2 * k)) & 3 {
                0 => 2,
                2 => 1,
                _ => 0,
            };
            k += 1;
        }
        b += 1;
    }
    t
};

/// Per-byte number of non-missing genotypes among the 4 of a byte.
const BYTE_OBSERVED: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let mut k = 0;
        while k < 4 {
            if (b >> (2 * k)) & 3 != 1 {
                t[b] += 1;
            }
            k += 1;
        }
        b += 1;
    }
    t
};

/// Sum of `.bim` A1 counts and number of non-missing genotypes of the first `n_indiv`
/// individuals of one SNP's packed bytes: 32 genotypes at a time by popcounts over the low and
/// high bits of each 2-bit code (data-spec/plink.md §bed "Allele counts"), the last few bytes
/// through lookup tables.
pub fn count_all(packed: &[u8], n_indiv: usize) -> (u32, u32) {
    #[cfg(target_arch = "x86_64")]
    if std::is_x86_feature_detected!("popcnt") {
        // SAFETY: the CPU has the popcnt instruction (checked just above).
        return unsafe { count_all_popcnt(packed, n_indiv) };
    }
    count_all_words(packed, n_indiv)
}

/// [`count_all`] compiled with the popcnt instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "popcnt")]
unsafe fn count_all_popcnt(packed: &[u8], n_indiv: usize) -> (u32, u32) {
    count_all_words(packed, n_indiv)
}

/// The body of [`count_all`]. In a 64-bit word, `lo` holds the low bit of each code and `hi`
/// its high bit (both at the even bit positions): code `00` (hom. A1, count 2) has neither,
/// `10` (het., count 1) only the high bit, `01` (missing) only the low bit.
#[inline(always)]
fn count_all_words(packed: &[u8], n_indiv: usize) -> (u32, u32) {
    const EVEN: u64 = 0x5555_5555_5555_5555;
    let full = n_indiv / 4;
    let words = full / 8;
    let (mut hom, mut het, mut missing) = (0u32, 0u32, 0u32);
    for w in packed[..words * 8].chunks_exact(8) {
        let w = u64::from_le_bytes(w.try_into().expect("8 bytes"));
        let (lo, hi) = (w & EVEN, (w >> 1) & EVEN);
        hom += (!(lo | hi) & EVEN).count_ones();
        het += (hi & !lo).count_ones();
        missing += (lo & !hi).count_ones();
    }
    let mut s = 2 * hom + het;
    let mut c = (words * 32) as u32 - missing;
    for &b in &packed[words * 8..full] {
        s += u32::from(BYTE_SUM[b as usize]);
        c += u32::from(BYTE_OBSERVED[b as usize]);
    }
    for i in full * 4..n_indiv {
        if let Some(x) = CODE_TO_COUNT[((packed[i >> 2] >> ((i & 3) << 1)) & 3) as usize] {
            s += u32::from(x);
            c += 1;
        }
    }
    (s, c)
}

/// Decode one SNP's packed genotypes into counts of `.bim` allele 1 for the individuals listed
/// in `keep` (0-based `.fam` indexes, in the order given); missing genotypes are `None`.
/// `out` is cleared first.
///
/// # Panics
/// If an index of `keep` lies beyond `packed` (a caller bug).
pub fn decode_counts(packed: &[u8], keep: &[usize], out: &mut Vec<Option<u8>>) {
    decode_mapped(packed, keep, &CODE_TO_COUNT, out);
}

/// Decode the individuals listed in `keep` through `map`, indexed by the 2-bit code read low bit
/// first (`map[0]` hom. A1, `map[1]` missing, `map[2]` het., `map[3]` hom. A2); e.g.
/// `[2.0, f64::NAN, 1.0, 0.0]` gives A1 dosages. `out` is cleared first.
///
/// # Panics
/// If an index of `keep` lies beyond `packed` (a caller bug).
pub fn decode_mapped<T: Copy>(packed: &[u8], keep: &[usize], map: &[T; 4], out: &mut Vec<T>) {
    out.clear();
    out.reserve(keep.len());
    out.extend(
        keep.iter()
            .map(|&i| map[((packed[i >> 2] >> ((i & 3) << 1)) & 3) as usize]),
    );
}

/// Decode the first `n_indiv` individuals of `packed` through `map` (as [`decode_mapped`]),
/// a byte at a time through [`BYTE_TO_CODES`]. `out` is cleared first; if `packed` holds fewer
/// than `n_indiv` genotypes only those are decoded.
pub fn decode_all_mapped<T: Copy>(packed: &[u8], n_indiv: usize, map: &[T; 4], out: &mut Vec<T>) {
    out.clear();
    out.reserve(n_indiv);
    for &b in packed {
        let codes = &BYTE_TO_CODES[b as usize];
        for &c in codes {
            if out.len() == n_indiv {
                return;
            }
            out.push(map[c as usize]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bed(v: Vec<u8>, s: usize, n: usize) -> Result<BedFile> {
        BedFile::from_bytes(Bytes::Owned(v), Path::new("t.bed"), s, n)
    }

    /// 2 SNPs x 5 individuals: 2 bytes per SNP.
    fn good_bytes() -> Vec<u8> {
        vec![
            0x6c, 0x1b, // magic
            0x01, // SNP-major
            // SNP 0, byte 0: individuals 0..4 codes (low bits first) 00,01,10,11 -> 0b11_10_01_00
            0xe4, // SNP 0, byte 1: individual 4 code 10 (het), padding 00
            0x02, // SNP 1, byte 0: all 11 (hom A2)
            0xff, // SNP 1, byte 1: individual 4 code 00 (hom A1)
            0x00,
        ]
    }

    #[test]
    fn decodes_codes() {
        let b = bed(good_bytes(), 2, 5).unwrap();
        let mut out = Vec::new();
        decode_counts(b.snp_bytes(0), &[0, 1, 2, 3, 4], &mut out);
        assert_eq!(out, [Some(2), None, Some(1), Some(0), Some(1)]);
        decode_counts(b.snp_bytes(0), &[4, 0], &mut out);
        assert_eq!(out, [Some(1), Some(2)]);
        decode_counts(b.snp_bytes(1), &[0, 4], &mut out);
        assert_eq!(out, [Some(0), Some(2)]);
        let mut f = Vec::new();
        decode_all_mapped(b.snp_bytes(0), 5, &[2.0, -1.0, 1.0, 0.0], &mut f);
        assert_eq!(f, [2.0, -1.0, 1.0, 0.0, 1.0]);
        let mut g = Vec::new();
        decode_mapped(b.snp_bytes(0), &[3, 2, 1], &[0.0, -1.0, 1.0, 2.0], &mut g);
        assert_eq!(g, [2.0, 1.0, -1.0]);
    }

    #[test]
    fn count_all_matches_decoding() {
        let b = bed(good_bytes(), 2, 5).unwrap();
        for snp in 0..2 {
            let mut out = Vec::new();
            decode_counts(b.snp_bytes(snp), &[0, 1, 2, 3, 4], &mut out);
            let s: u32 = out.iter().flatten().map(|&x| u32::from(x)).sum();
            let c = out.iter().flatten().count() as u32;
            assert_eq!(count_all(b.snp_bytes(snp), 5), (s, c));
        }
        // 0xe4 = codes 00,01,10,11: counts 2, missing, 1, 0.
        assert_eq!(count_all(&[0xe4], 4), (3, 3));
        assert_eq!(count_all(&[0xe4], 2), (2, 1));
    }

    #[test]
    fn count_all_words_match_decoding_every_length() {
        // Pseudo-random bytes (xorshift), every sample size from 0 to 300: the 64-bit word
        // path, the byte tail and the last partial byte all against one-by-one decoding.
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let bytes: Vec<u8> = (0..75)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                x as u8
            })
            .collect();
        let mut out = Vec::new();
        for n in 0..=300 {
            let keep: Vec<usize> = (0..n).collect();
            decode_counts(&bytes, &keep, &mut out);
            let s: u32 = out.iter().flatten().map(|&x| u32::from(x)).sum();
            let c = out.iter().flatten().count() as u32;
            assert_eq!(count_all(&bytes, n), (s, c), "n = {n}");
            assert_eq!(count_all_words(&bytes, n), (s, c), "n = {n}");
        }
    }

    #[test]
    fn byte_table_decodes_the_plink_example_bytes() {
        // PLINK 1 .bed documentation: genotypes are packed four to a byte, the first
        // individual in the two lowest bits. Its example byte 0x6C = 01 10 11 00 holds, for
        // individuals 1..4, the codes 00, 11, 10, 01.
        assert_eq!(BYTE_TO_CODES[0x6C], [0, 3, 2, 1]);
        // 11 10 01 00 and its mirror; all-equal bytes.
        assert_eq!(BYTE_TO_CODES[0xE4], [0, 1, 2, 3]);
        assert_eq!(BYTE_TO_CODES[0x1B], [3, 2, 1, 0]);
        assert_eq!(BYTE_TO_CODES[0x00], [0; 4]);
        assert_eq!(BYTE_TO_CODES[0x55], [1; 4]);
        assert_eq!(BYTE_TO_CODES[0xAA], [2; 4]);
        assert_eq!(BYTE_TO_CODES[0xFF], [3; 4]);
        // Round trip: packing the four codes back gives every byte.
        for (b, c) in BYTE_TO_CODES.iter().enumerate() {
            let packed = c[0] | c[1] << 2 | c[2] << 4 | c[3] << 6;
            assert_eq!(usize::from(packed), b);
        }
    }

    #[test]
    fn rejects_bad_files() {
        // Truncated header.
        assert!(bed(vec![0x6c, 0x1b], 0, 0).is_err());
        // Bad magic.
        let mut v = good_bytes();
        v[0] = 0x00;
        assert!(bed(v, 2, 5)
            .unwrap_err()
            .to_string()
            .contains("not a PLINK"));
        // Individual-major.
        let mut v = good_bytes();
        v[2] = 0x00;
        assert!(bed(v, 2, 5)
            .unwrap_err()
            .to_string()
            .contains("individual-major"));
        // Truncated genotypes.
        let mut v = good_bytes();
        v.pop();
        let e = bed(v, 2, 5).unwrap_err().to_string();
        assert!(e.contains("6 bytes") && e.contains("need 7"), "{e}");
        // Trailing byte.
        let mut v = good_bytes();
        v.push(0);
        assert!(bed(v, 2, 5).is_err());
        // Size overflow.
        assert!(bed(good_bytes(), usize::MAX, 5).is_err());
        // Empty .fam/.bim with header only.
        assert!(bed(vec![0x6c, 0x1b, 0x01], 0, 0).is_ok());
    }
}
