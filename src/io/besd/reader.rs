//! Random access to one probe's stored entries (data-spec/besd.md §3-6).
//!
//! Everything that can be checked without decoding values is checked at open: the layout code,
//! header counts against the `.esi`/`.epi`, the exact file size, and (sparse layouts) the whole
//! offset array. [`BesdFile::read_probe`] then checks each row id as it decodes.

use crate::error::{Error, Result};
use crate::io::besd::header::{decode_header, BesdHeader, BesdLayout};
use crate::io::source::{read_bytes, Bytes};
use std::path::{Path, PathBuf};

/// One stored (SNP, probe) value.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BesdEntry {
    /// 0-based `.esi` row of the SNP.
    pub snp: u32,
    /// Effect of the `.esi` A1 on the probe.
    pub beta: f32,
    /// Its standard error.
    pub se: f32,
}

/// Dense cells whose se is within this distance of -9 are missing (data-spec/besd.md §3).
const DENSE_MISSING_TOLERANCE: f64 = 1e-6;

/// How the sparse offsets (`cols`) are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ColKind {
    U64,
    U32,
    F32,
}

/// Where the arrays of a sparse file live (byte offsets), validated at open.
#[derive(Debug, Clone, Copy)]
struct SparseIndex {
    cols_off: usize,
    col_kind: ColKind,
    rowid_off: usize,
    rowid_f32: bool,
    val_off: usize,
    n_values: usize,
}

#[inline]
fn arr4(b: &[u8]) -> [u8; 4] {
    [b[0], b[1], b[2], b[3]]
}

fn u32_at(bytes: &[u8], off: usize) -> Option<u32> {
    bytes
        .get(off..off.checked_add(4)?)
        .map(|b| u32::from_le_bytes(arr4(b)))
}

fn f32_at(bytes: &[u8], off: usize) -> Option<f32> {
    u32_at(bytes, off).map(f32::from_bits)
}

fn u64_at(bytes: &[u8], off: usize) -> Option<u64> {
    let b = bytes.get(off..off.checked_add(8)?)?;
    Some(u64::from_le_bytes([
        b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7],
    ]))
}

/// A float32-stored integer, truncated as the reference does; `None` when not representable.
#[inline]
fn f32_to_index(v: f32) -> Option<u64> {
    (0.0..1.8e19).contains(&v).then_some(v as u64)
}

/// A stored row id (u32 or float32 bits).
#[inline]
fn decode_rowid(raw: [u8; 4], as_f32: bool) -> Option<u32> {
    if as_f32 {
        let v = f32::from_le_bytes(raw);
        (0.0..4.29e9).contains(&v).then_some(v as u32)
    } else {
        Some(u32::from_le_bytes(raw))
    }
}

/// A validated BESD file: header counts agree with `.esi`/`.epi`, the size with the header.
pub struct BesdFile {
    bytes: Bytes,
    path: PathBuf,
    header: BesdHeader,
    n_snps: usize,
    n_probes: usize,
    sparse: Option<SparseIndex>,
    memory: Option<InMemory>,
}

/// Entries held in memory (a subset decoded from a stream, data-spec/eqtlgen-tarball.md §3):
/// probe `p`'s entries are `entries[starts[p]..starts[p + 1]]`.
struct InMemory {
    starts: Vec<usize>,
    entries: Vec<BesdEntry>,
}

impl std::fmt::Debug for BesdFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BesdFile")
            .field("path", &self.path)
            .field("header", &self.header)
            .field("n_snps", &self.n_snps)
            .field("n_probes", &self.n_probes)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl BesdFile {
    /// Open and validate `path` against `n_snps` (`.esi` rows) and `n_probes` (`.epi` rows).
    pub fn open(path: &Path, n_snps: usize, n_probes: usize) -> Result<Self> {
        Self::from_bytes(read_bytes(path)?, path, n_snps, n_probes)
    }

    /// Size in bytes of the file as read (0 for entries decoded into memory).
    pub fn byte_len(&self) -> usize {
        self.bytes.len()
    }

    /// Validate bytes already in memory; `path` names them in errors.
    pub fn from_bytes(bytes: Bytes, path: &Path, n_snps: usize, n_probes: usize) -> Result<Self> {
        let header = decode_header(&bytes, path)?;
        let fmt_err = |msg: String| Error::format(path, msg);
        if let Some(s) = header.n_snps {
            if u64::from(s) != n_snps as u64 {
                return Err(fmt_err(format!(
                    "the header says {s} SNPs but the .esi has {n_snps}; the .besd does not belong with this .esi"
                )));
            }
        }
        if let Some(p) = header.n_probes {
            if u64::from(p) != n_probes as u64 {
                return Err(fmt_err(format!(
                    "the header says {p} probes but the .epi has {n_probes}; the .besd does not belong with this .epi"
                )));
            }
        }
        let len = bytes.len();
        let h = header.layout.header_len();
        let too_big = || {
            fmt_err(format!(
                "{n_snps} SNPs x {n_probes} probes: expected size overflows"
            ))
        };
        let size_mismatch = |expected: usize, how: &str| {
            fmt_err(format!(
                "file has {len} bytes, expected {expected} ({how}); the file is truncated, has trailing bytes, or does not match the .esi/.epi"
            ))
        };
        let n_cols = n_probes
            .checked_mul(2)
            .and_then(|v| v.checked_add(1))
            .ok_or_else(too_big)?;

        let sparse = match header.layout {
            BesdLayout::Dense | BesdLayout::DenseLegacy => {
                let expected = n_snps
                    .checked_mul(8)
                    .and_then(|v| v.checked_mul(n_probes))
                    .and_then(|v| v.checked_add(h))
                    .ok_or_else(too_big)?;
                if len != expected {
                    return Err(size_mismatch(
                        expected,
                        &format!("{h} + 8 x {n_snps} SNPs x {n_probes} probes"),
                    ));
                }
                None
            }
            BesdLayout::Sparse | BesdLayout::SparseNoHeader | BesdLayout::SparseLegacyU32 => {
                let (col_width, col_kind) = if header.layout == BesdLayout::SparseLegacyU32 {
                    (4usize, ColKind::U32)
                } else {
                    (8usize, ColKind::U64)
                };
                let v64 = u64_at(&bytes, h).ok_or_else(|| {
                    fmt_err(format!(
                        "truncated: file has {len} bytes and ends before the value count (uint64 at byte offset {h})"
                    ))
                })?;
                let n_values = usize::try_from(v64).map_err(|_| too_big())?;
                let cols_off = h + 8;
                let rowid_off = n_cols
                    .checked_mul(col_width)
                    .and_then(|v| v.checked_add(cols_off))
                    .ok_or_else(too_big)?;
                let val_off = n_values
                    .checked_mul(4)
                    .and_then(|v| v.checked_add(rowid_off))
                    .ok_or_else(too_big)?;
                let expected = n_values
                    .checked_mul(4)
                    .and_then(|v| v.checked_add(val_off))
                    .ok_or_else(|| {
                        fmt_err(format!(
                            "value count {v64} (byte offset {h}) implies a size beyond addressable memory; file has {len} bytes"
                        ))
                    })?;
                if len != expected {
                    return Err(size_mismatch(
                        expected,
                        &format!(
                            "{h} + 8 + {col_width} x (2 x {n_probes} probes + 1) + 8 x {n_values} values"
                        ),
                    ));
                }
                Some(SparseIndex {
                    cols_off,
                    col_kind,
                    rowid_off,
                    rowid_f32: false,
                    val_off,
                    n_values,
                })
            }
            BesdLayout::SparseLegacyF32 => {
                let vf = f32_at(&bytes, 4).ok_or_else(|| {
                    fmt_err(format!(
                        "truncated: file has {len} bytes and ends before the value count (float32 at byte offset 4)"
                    ))
                })?;
                let cols_off = 8;
                let fixed = n_cols
                    .checked_mul(4)
                    .and_then(|v| v.checked_add(cols_off))
                    .ok_or_else(too_big)?;
                if len < fixed || !(len - fixed).is_multiple_of(8) {
                    return Err(fmt_err(format!(
                        "file has {len} bytes, expected 8 + 4 x (2 x {n_probes} probes + 1) + 8 x V for some value count V"
                    )));
                }
                // V recomputed from the size (data-spec/besd.md §5); the stored float must agree.
                let n_values = (len - fixed) / 8;
                if vf != n_values as f32 {
                    return Err(fmt_err(format!(
                        "stored value count {vf} (float32 at byte offset 4) disagrees with the file size, which implies {n_values}"
                    )));
                }
                Some(SparseIndex {
                    cols_off,
                    col_kind: ColKind::F32,
                    rowid_off: fixed,
                    rowid_f32: true,
                    val_off: fixed + 4 * n_values,
                    n_values,
                })
            }
        };

        let file = BesdFile {
            bytes,
            path: path.to_path_buf(),
            header,
            n_snps,
            n_probes,
            sparse,
            memory: None,
        };
        if let Some(ix) = &file.sparse {
            file.validate_cols(ix)?;
        }
        Ok(file)
    }

    /// Entries already decoded into memory, e.g. the kept probes of a streamed `.besd`
    /// (data-spec/eqtlgen-tarball.md §3). `starts` has one more element than there are probes;
    /// probe `p`'s entries are `entries[starts[p]..starts[p + 1]]`, in the order
    /// [`BesdFile::read_probe`] would return them for the original file (stored order for
    /// sparse layouts, `.esi` order for dense ones). `header` is the original file's, so
    /// [`BesdFile::layout`] still reports the layout the data came from.
    pub fn from_entries(
        path: &Path,
        header: BesdHeader,
        n_snps: usize,
        starts: Vec<usize>,
        entries: Vec<BesdEntry>,
    ) -> Result<Self> {
        let bad = |msg: String| Err(Error::format(path, msg));
        let Some(n_probes) = starts.len().checked_sub(1) else {
            return bad("no probe offsets".into());
        };
        if starts[0] != 0
            || starts.windows(2).any(|w| w[0] > w[1])
            || starts[n_probes] != entries.len()
        {
            return bad("probe offsets do not partition the entries".into());
        }
        if let Some(e) = entries.iter().find(|e| e.snp as usize >= n_snps) {
            return bad(format!("row id {} beyond the {n_snps} SNPs", e.snp));
        }
        Ok(BesdFile {
            bytes: Bytes::Owned(Vec::new()),
            path: path.to_path_buf(),
            header,
            n_snps,
            n_probes,
            sparse: None,
            memory: Some(InMemory { starts, entries }),
        })
    }

    /// Drop every resident page of a memory-mapped file (see
    /// [`crate::io::source::Bytes::release`]); no-op otherwise. The probe loops call it every
    /// 1,024 probes, so that the probes' entries, read through the map, leave the resident set
    /// (data-spec/memory.md §3).
    pub fn release_all(&self) {
        self.bytes.release(0, self.bytes.len());
    }

    /// Number of entries held in memory (`None` when the file is read from its bytes).
    pub fn n_entries_in_memory(&self) -> Option<usize> {
        self.memory.as_ref().map(|m| m.entries.len())
    }

    /// Offset number `i` of the sparse `cols` array.
    fn col(&self, ix: &SparseIndex, i: usize) -> Result<usize> {
        let raw = match ix.col_kind {
            ColKind::U64 => u64_at(&self.bytes, ix.cols_off + 8 * i),
            ColKind::U32 => u32_at(&self.bytes, ix.cols_off + 4 * i).map(u64::from),
            ColKind::F32 => f32_at(&self.bytes, ix.cols_off + 4 * i).and_then(f32_to_index),
        };
        raw.and_then(|v| usize::try_from(v).ok()).ok_or_else(|| {
            Error::format(
                &self.path,
                format!("offset cols[{i}] is missing or not a valid offset"),
            )
        })
    }

    /// Check the whole offset array: starts at 0, non-decreasing, equal halves, ends at V.
    fn validate_cols(&self, ix: &SparseIndex) -> Result<()> {
        let first = self.col(ix, 0)?;
        if first != 0 {
            return Err(Error::format(
                &self.path,
                format!("offset cols[0] is {first}, expected 0"),
            ));
        }
        let mut b0 = first;
        for p in 0..self.n_probes {
            let s0 = self.col(ix, 2 * p + 1)?;
            let end = self.col(ix, 2 * p + 2)?;
            if let Some((i, v)) = [(2 * p + 1, s0), (2 * p + 2, end)]
                .into_iter()
                .find(|&(_, v)| v > ix.n_values)
            {
                return Err(Error::format(
                    &self.path,
                    format!(
                        "probe index {p} (.epi row {}): offset cols[{i}] = {v} points past the {} stored values",
                        p + 1,
                        ix.n_values
                    ),
                ));
            }
            if s0 < b0 || end < s0 {
                return Err(Error::format(
                    &self.path,
                    format!(
                        "probe index {p} (.epi row {}): offsets decrease (cols[{}..={}] = {b0}, {s0}, {end})",
                        p + 1,
                        2 * p,
                        2 * p + 2
                    ),
                ));
            }
            if s0 - b0 != end - s0 {
                return Err(Error::format(
                    &self.path,
                    format!(
                        "probe index {p} (.epi row {}): {} betas but {} standard errors (cols[{}..={}] = {b0}, {s0}, {end})",
                        p + 1,
                        s0 - b0,
                        end - s0,
                        2 * p,
                        2 * p + 2
                    ),
                ));
            }
            b0 = end;
        }
        if b0 != ix.n_values {
            return Err(Error::format(
                &self.path,
                format!(
                    "last offset cols[{}] is {b0}, expected the value count {}",
                    2 * self.n_probes,
                    ix.n_values
                ),
            ));
        }
        Ok(())
    }

    /// The file's path, as given.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The header as read.
    pub fn header(&self) -> &BesdHeader {
        &self.header
    }

    /// The layout.
    pub fn layout(&self) -> BesdLayout {
        self.header.layout
    }

    /// Number of probes.
    pub fn n_probes(&self) -> usize {
        self.n_probes
    }

    /// Number of SNPs.
    pub fn n_snps(&self) -> usize {
        self.n_snps
    }

    /// Number of stored values (betas + ses) of a sparse file; `None` for dense layouts.
    pub fn n_values(&self) -> Option<usize> {
        self.sparse.map(|ix| ix.n_values)
    }

    /// Append probe `probe`'s entries to `out` (cleared first), in stored order for sparse
    /// layouts and `.esi` order for dense ones; dense cells with se = -9 (or NaN) are absent.
    /// A row id beyond the SNP count is an error naming the probe.
    pub fn read_probe(&self, probe: usize, out: &mut Vec<BesdEntry>) -> Result<()> {
        out.clear();
        self.check_probe(probe)?;
        if let Some(m) = &self.memory {
            out.extend_from_slice(&m.entries[m.starts[probe]..m.starts[probe + 1]]);
            return Ok(());
        }
        match &self.sparse {
            None => self.read_dense(probe, out),
            Some(ix) => self.sparse_entries(ix, probe, |e| out.push(e)),
        }
    }

    /// Call `f` on each of probe `probe`'s entries, in the order of [`BesdFile::read_probe`].
    /// A memory-mapped sparse file is decoded straight from its bytes; other layouts go
    /// through `buf`. On an error, `f` may have seen some of the probe's entries.
    pub fn for_each_entry(
        &self,
        probe: usize,
        buf: &mut Vec<BesdEntry>,
        mut f: impl FnMut(BesdEntry),
    ) -> Result<()> {
        match &self.sparse {
            Some(ix) if self.memory.is_none() => {
                self.check_probe(probe)?;
                self.sparse_entries(ix, probe, f)
            }
            _ => {
                self.read_probe(probe, buf)?;
                buf.iter().for_each(|&e| f(e));
                Ok(())
            }
        }
    }

    fn check_probe(&self, probe: usize) -> Result<()> {
        if probe >= self.n_probes {
            return Err(Error::format(
                &self.path,
                format!(
                    "probe index {probe} out of range ({} probes)",
                    self.n_probes
                ),
            ));
        }
        Ok(())
    }

    fn read_dense(&self, probe: usize, out: &mut Vec<BesdEntry>) -> Result<()> {
        let s = self.n_snps;
        let start = self.header.layout.header_len() + probe * 8 * s;
        let block = self.bytes.get(start..start + 8 * s).ok_or_else(|| {
            Error::format(
                &self.path,
                format!("probe index {probe}: block at byte offset {start} is past the end"),
            )
        })?;
        let (betas, ses) = block.split_at(4 * s);
        for (i, (b, se)) in betas.chunks_exact(4).zip(ses.chunks_exact(4)).enumerate() {
            let se = f32::from_le_bytes(arr4(se));
            // Kept only when |se + 9| > 1e-6 (float32 sum), so a NaN se is missing too.
            if f64::from(se + 9.0).abs() > DENSE_MISSING_TOLERANCE {
                out.push(BesdEntry {
                    snp: i as u32,
                    beta: f32::from_le_bytes(arr4(b)),
                    se,
                });
            }
        }
        Ok(())
    }

    fn sparse_entries(
        &self,
        ix: &SparseIndex,
        probe: usize,
        mut f: impl FnMut(BesdEntry),
    ) -> Result<()> {
        let b0 = self.col(ix, 2 * probe)?;
        let s0 = self.col(ix, 2 * probe + 1)?;
        let n = s0.checked_sub(b0).ok_or_else(|| {
            Error::format(
                &self.path,
                format!("probe index {probe}: offsets {b0} and {s0} are not in order"),
            )
        })?;
        // The probe's row ids (beta half, then se half) and values, decoded straight from the
        // mapped file: no copy. The pages faulted in stay resident until the probe loop drops
        // them, every 1,024 probes (data-spec/memory.md §3).
        let span = |base: usize| {
            let start = base.saturating_add(4 * b0);
            start
                .checked_add(8 * n)
                .and_then(|end| self.bytes.get(start..end))
                .ok_or_else(|| {
                    Error::format(
                        &self.path,
                        format!(
                            "probe index {probe}: entries at byte offset {start} run past the end"
                        ),
                    )
                })
        };
        let rids = span(ix.rowid_off)?;
        let vals = span(ix.val_off)?;
        self.decode_sparse(ix, probe, rids, vals, &mut f)
    }

    /// Decode a probe's entries from its row ids (`rids`: beta half, then se half) and values
    /// (`vals`: betas, then SEs).
    fn decode_sparse(
        &self,
        ix: &SparseIndex,
        probe: usize,
        rids: &[u8],
        vals: &[u8],
        f: &mut impl FnMut(BesdEntry),
    ) -> Result<()> {
        let n = rids.len() / 8;
        let (rid_b, rid_s) = rids.split_at(4 * n);
        let (val_b, val_s) = vals.split_at(4 * n);
        // The usual case, checked in two tight passes: integer row ids, the same in both
        // halves, strictly ascending and below the SNP count. Every check of the general loop
        // below then passes, and the entries are the same.
        if !ix.rowid_f32 && rid_b == rid_s && ascending_below(rid_b, self.n_snps) {
            let rows = rid_b.chunks_exact(4);
            for (rb, (vb, vs)) in rows.zip(val_b.chunks_exact(4).zip(val_s.chunks_exact(4))) {
                f(BesdEntry {
                    snp: u32::from_le_bytes(arr4(rb)),
                    beta: f32::from_le_bytes(arr4(vb)),
                    se: f32::from_le_bytes(arr4(vs)),
                });
            }
            return Ok(());
        }
        let entries = rid_b
            .chunks_exact(4)
            .zip(rid_s.chunks_exact(4))
            .zip(val_b.chunks_exact(4).zip(val_s.chunks_exact(4)));
        for (i, ((rb, rs), (vb, vs))) in entries.enumerate() {
            let row = decode_rowid(arr4(rb), ix.rowid_f32).filter(|&r| (r as usize) < self.n_snps);
            let Some(row) = row else {
                return Err(Error::format(
                    &self.path,
                    format!(
                        "probe index {probe} (.epi row {}): entry {i} has row id {}, beyond the {} SNPs of the .esi",
                        probe + 1,
                        show_rowid(arr4(rb), ix.rowid_f32),
                        self.n_snps
                    ),
                ));
            };
            if decode_rowid(arr4(rs), ix.rowid_f32) != Some(row) {
                return Err(Error::format(
                    &self.path,
                    format!(
                        "probe index {probe} (.epi row {}): entry {i} has row id {row} in the beta half but {} in the se half",
                        probe + 1,
                        show_rowid(arr4(rs), ix.rowid_f32)
                    ),
                ));
            }
            f(BesdEntry {
                snp: row,
                beta: f32::from_le_bytes(arr4(vb)),
                se: f32::from_le_bytes(arr4(vs)),
            });
        }
        check_distinct_rows(
            rid_b
                .chunks_exact(4)
                .filter_map(|c| decode_rowid(arr4(c), ix.rowid_f32)),
            probe,
            &self.path,
        )?;
        Ok(())
    }
}

/// True when the little-endian `u32` row ids in `rids` are strictly ascending and all below
/// `n_snps`.
fn ascending_below(rids: &[u8], n_snps: usize) -> bool {
    let mut prev: i64 = -1;
    let mut ok = true;
    for c in rids.chunks_exact(4) {
        let r = i64::from(u32::from_le_bytes(arr4(c)));
        ok &= r > prev;
        prev = r;
    }
    ok && (prev < 0 || (prev as u64) < n_snps as u64)
}

/// A probe must not store the same SNP twice (data-spec/besd.md §4; the reference silently
/// uses the later copy, data-spec/deviations.md): an error naming the probe and the SNP.
/// Stored row ids are usually ascending, which is checked in one pass; otherwise they are
/// sorted in a per-thread scratch buffer.
pub fn check_distinct_rows(
    rows: impl Iterator<Item = u32> + Clone,
    probe: usize,
    path: &Path,
) -> Result<()> {
    thread_local! {
        static SCRATCH: std::cell::RefCell<Vec<u32>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    let mut prev: Option<u32> = None;
    let ascending = rows.clone().all(|r| {
        let ok = prev.is_none_or(|p| p < r);
        prev = Some(r);
        ok
    });
    if ascending {
        return Ok(());
    }
    let dup = SCRATCH.with(|s| {
        let mut v = s.borrow_mut();
        v.clear();
        v.extend(rows);
        v.sort_unstable();
        v.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
    });
    match dup {
        None => Ok(()),
        Some(r) => Err(Error::format(
            path,
            format!(
                "probe index {probe} (.epi row {}) stores SNP row id {r} (.esi row {}) twice; \
                 a probe holds each SNP at most once",
                probe + 1,
                u64::from(r) + 1
            ),
        )),
    }
}

/// A stored row id as text, for error messages.
fn show_rowid(raw: [u8; 4], as_f32: bool) -> String {
    if as_f32 {
        f32::from_le_bytes(raw).to_string()
    } else {
        u32::from_le_bytes(raw).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascending_below_checks_order_and_bound() {
        let le = |v: &[u32]| v.iter().flat_map(|x| x.to_le_bytes()).collect::<Vec<u8>>();
        assert!(ascending_below(&le(&[0, 1, 5, 9]), 10));
        assert!(!ascending_below(&le(&[0, 1, 5, 10]), 10));
        assert!(!ascending_below(&le(&[0, 5, 5, 9]), 10));
        assert!(!ascending_below(&le(&[3, 2]), 10));
        assert!(ascending_below(&le(&[]), 0));
        assert!(!ascending_below(&le(&[0]), 0));
        assert!(ascending_below(&le(&[u32::MAX - 1, u32::MAX]), usize::MAX));
    }
    use crate::io::besd::writer::{write_dense, write_sparse};

    const RESERVED: [u8; 48] = [
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #4 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #5 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #6 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #7 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #8 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #9 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #10 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #11 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #12 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #13 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #14 = -9
        0xf7, 0xff, 0xff, 0xff, // reserved int32 #15 = -9
    ];

    /// rowid[] and val[] shared by the sparse fixtures (3 SNPs, 2 probes, V = 6):
    /// probe 0 stores SNPs 2 then 0 (unsorted on purpose), probe 1 stores SNP 1.
    const ROWIDS_U32: [u8; 24] = [
        0x02, 0x00, 0x00, 0x00, // rowid[0] = 2 (probe 0 beta half)
        0x00, 0x00, 0x00, 0x00, // rowid[1] = 0
        0x02, 0x00, 0x00, 0x00, // rowid[2] = 2 (probe 0 se half)
        0x00, 0x00, 0x00, 0x00, // rowid[3] = 0
        0x01, 0x00, 0x00, 0x00, // rowid[4] = 1 (probe 1 beta half)
        0x01, 0x00, 0x00, 0x00, // rowid[5] = 1 (probe 1 se half)
    ];
    const VALUES: [u8; 24] = [
        0x00, 0x00, 0x80, 0x3f, // val[0] = 1.0   beta probe 0 SNP 2
        0x00, 0x00, 0x00, 0xbf, // val[1] = -0.5  beta probe 0 SNP 0
        0x00, 0x00, 0x80, 0x3e, // val[2] = 0.25  se probe 0 SNP 2
        0x00, 0x00, 0x00, 0x3f, // val[3] = 0.5   se probe 0 SNP 0
        0x00, 0x00, 0x00, 0x40, // val[4] = 2.0   beta probe 1 SNP 1
        0x00, 0x00, 0x80, 0x3f, // val[5] = 1.0   se probe 1 SNP 1
    ];
    const COLS_U64: [u8; 40] = [
        0x00, 0, 0, 0, 0, 0, 0, 0, // cols[0] = 0 probe 0 betas start
        0x02, 0, 0, 0, 0, 0, 0, 0, // cols[1] = 2 probe 0 ses start
        0x04, 0, 0, 0, 0, 0, 0, 0, // cols[2] = 4 probe 1 betas start
        0x05, 0, 0, 0, 0, 0, 0, 0, // cols[3] = 5 probe 1 ses start
        0x06, 0, 0, 0, 0, 0, 0, 0, // cols[4] = 6 = V
    ];
    const V_U64: [u8; 8] = [0x06, 0, 0, 0, 0, 0, 0, 0]; // V = 6 values

    fn expected_sparse() -> [Vec<BesdEntry>; 2] {
        let e = |snp, beta, se| BesdEntry { snp, beta, se };
        [vec![e(2, 1.0, 0.25), e(0, -0.5, 0.5)], vec![e(1, 2.0, 1.0)]]
    }

    /// Sparse format 3, 160 bytes.
    fn sparse3() -> Vec<u8> {
        let mut v = vec![
            0x03, 0x00, 0x00, 0x00, // layout 3
            0xf7, 0xff, 0xff, 0xff, // sample size -9 (unknown)
            0x03, 0x00, 0x00, 0x00, // 3 SNPs
            0x02, 0x00, 0x00, 0x00, // 2 probes
        ];
        v.extend(RESERVED);
        v.extend(V_U64);
        v.extend(COLS_U64);
        v.extend(ROWIDS_U32);
        v.extend(VALUES);
        assert_eq!(v.len(), 160);
        v
    }

    /// Dense format 5: 2 SNPs, 2 probes, 96 bytes.
    fn dense5() -> Vec<u8> {
        let mut v = vec![
            0x05, 0x00, 0x00, 0x00, // layout 5
            0x64, 0x00, 0x00, 0x00, // sample size 100
            0x02, 0x00, 0x00, 0x00, // 2 SNPs
            0x02, 0x00, 0x00, 0x00, // 2 probes
        ];
        v.extend(RESERVED);
        v.extend(DENSE_BODY);
        v
    }

    const DENSE_BODY: [u8; 32] = [
        0x00, 0x00, 0x80, 0x3f, // probe 0 beta SNP 0 = 1.0
        0x00, 0x00, 0x00, 0x40, // probe 0 beta SNP 1 = 2.0
        0x00, 0x00, 0x00, 0x3f, // probe 0 se SNP 0 = 0.5
        0x00, 0x00, 0x10, 0xc1, // probe 0 se SNP 1 = -9 (missing)
        0x00, 0x00, 0x10, 0xc1, // probe 1 beta SNP 0 = -9
        0x00, 0x00, 0x00, 0x3f, // probe 1 beta SNP 1 = 0.5
        0x00, 0x00, 0xc0, 0x7f, // probe 1 se SNP 0 = NaN (missing)
        0x00, 0x00, 0x80, 0x3e, // probe 1 se SNP 1 = 0.25
    ];

    fn expected_dense() -> [Vec<BesdEntry>; 2] {
        let e = |snp, beta, se| BesdEntry { snp, beta, se };
        [vec![e(0, 1.0, 0.5)], vec![e(1, 0.5, 0.25)]]
    }

    fn open(v: Vec<u8>, s: usize, p: usize) -> Result<BesdFile> {
        BesdFile::from_bytes(Bytes::Owned(v), Path::new("t.besd"), s, p)
    }

    fn all(f: &BesdFile) -> Vec<Vec<BesdEntry>> {
        (0..f.n_probes())
            .map(|p| {
                let mut out = vec![BesdEntry {
                    snp: 99,
                    beta: 0.0,
                    se: 0.0,
                }]; // cleared
                f.read_probe(p, &mut out).unwrap();
                out
            })
            .collect()
    }

    fn err(v: Vec<u8>, s: usize, p: usize) -> String {
        open(v, s, p).unwrap_err().to_string()
    }

    #[test]
    fn sparse3_valid() {
        let f = open(sparse3(), 3, 2).unwrap();
        assert_eq!(f.layout(), BesdLayout::Sparse);
        assert_eq!(f.header().sample_size, None);
        assert_eq!(f.n_values(), Some(6));
        assert_eq!(all(&f), expected_sparse());
        let mut out = Vec::new();
        assert!(f.read_probe(2, &mut out).is_err());
    }

    #[test]
    fn sparse_no_header_valid() {
        let mut v = vec![0x00, 0x00, 0x40, 0x40]; // layout 0x40400000 (float 3.0)
        v.extend(V_U64);
        v.extend(COLS_U64);
        v.extend(ROWIDS_U32);
        v.extend(VALUES);
        let f = open(v, 3, 2).unwrap();
        assert_eq!(f.layout(), BesdLayout::SparseNoHeader);
        assert_eq!(all(&f), expected_sparse());
    }

    #[test]
    fn sparse_legacy_u32_valid() {
        let mut v = vec![0x00, 0x00, 0x00, 0x40]; // layout 0x40000000 (float 2.0)
        v.extend(V_U64);
        v.extend([
            0x00, 0x00, 0x00, 0x00, // cols[0] = 0
            0x02, 0x00, 0x00, 0x00, // cols[1] = 2
            0x04, 0x00, 0x00, 0x00, // cols[2] = 4
            0x05, 0x00, 0x00, 0x00, // cols[3] = 5
            0x06, 0x00, 0x00, 0x00, // cols[4] = 6
        ]);
        v.extend(ROWIDS_U32);
        v.extend(VALUES);
        let f = open(v, 3, 2).unwrap();
        assert_eq!(f.layout(), BesdLayout::SparseLegacyU32);
        assert_eq!(all(&f), expected_sparse());
    }

    fn sparse_f32() -> Vec<u8> {
        let mut v = vec![
            0x00, 0x00, 0x80, 0x3f, // layout 0x3F800000 (float 1.0)
            0x00, 0x00, 0xc0, 0x40, // V = 6.0
            0x00, 0x00, 0x00, 0x00, // cols[0] = 0.0
            0x00, 0x00, 0x00, 0x40, // cols[1] = 2.0
            0x00, 0x00, 0x80, 0x40, // cols[2] = 4.0
            0x00, 0x00, 0xa0, 0x40, // cols[3] = 5.0
            0x00, 0x00, 0xc0, 0x40, // cols[4] = 6.0
            0x00, 0x00, 0x00, 0x40, // rowid[0] = 2.0
            0x00, 0x00, 0x00, 0x00, // rowid[1] = 0.0
            0x00, 0x00, 0x00, 0x40, // rowid[2] = 2.0
            0x00, 0x00, 0x00, 0x00, // rowid[3] = 0.0
            0x00, 0x00, 0x80, 0x3f, // rowid[4] = 1.0
            0x00, 0x00, 0x80, 0x3f, // rowid[5] = 1.0
        ];
        v.extend(VALUES);
        v
    }

    #[test]
    fn sparse_legacy_f32_valid() {
        let f = open(sparse_f32(), 3, 2).unwrap();
        assert_eq!(f.layout(), BesdLayout::SparseLegacyF32);
        assert_eq!(f.n_values(), Some(6));
        assert_eq!(all(&f), expected_sparse());
        // Stored V disagreeing with the size.
        let mut v = sparse_f32();
        v[6] = 0xa0; // V = 5.0
        assert!(err(v, 3, 2).contains("implies 6"));
        // A row id that is not an integer-valued float: NaN.
        let mut v = sparse_f32();
        v[28..32].copy_from_slice(&[0x00, 0x00, 0xc0, 0x7f]); // rowid[0] = NaN
        let f = open(v, 3, 2).unwrap();
        assert!(f.read_probe(0, &mut Vec::new()).is_err());
    }

    #[test]
    fn dense5_and_legacy_dense_valid() {
        let f = open(dense5(), 2, 2).unwrap();
        assert_eq!(f.header().sample_size, Some(100));
        assert_eq!(f.n_values(), None);
        assert_eq!(all(&f), expected_dense());
        let mut v = vec![0x00, 0x00, 0x00, 0x00]; // layout 0 (legacy dense)
        v.extend(DENSE_BODY);
        let f = open(v, 2, 2).unwrap();
        assert_eq!(f.layout(), BesdLayout::DenseLegacy);
        assert_eq!(all(&f), expected_dense());
    }

    #[test]
    fn truncated_header() {
        assert!(err(sparse3()[..3].to_vec(), 3, 2).contains("truncated"));
        assert!(err(sparse3()[..40].to_vec(), 3, 2).contains("truncated"));
        assert!(err(sparse3()[..68].to_vec(), 3, 2).contains("value count"));
        assert!(err(vec![], 0, 0).contains("truncated"));
    }

    #[test]
    fn truncated_values_and_trailing_bytes() {
        let mut v = sparse3();
        v.pop();
        let e = err(v, 3, 2);
        assert!(e.contains("159 bytes") && e.contains("expected 160"), "{e}");
        let mut v = sparse3();
        v.extend([0, 0, 0, 0]);
        assert!(err(v, 3, 2).contains("expected 160"));
        let mut v = dense5();
        v.pop();
        assert!(err(v, 2, 2).contains("expected 96"));
        let mut v = dense5();
        v.push(0);
        assert!(err(v, 2, 2).contains("expected 96"));
    }

    #[test]
    fn unknown_code() {
        let mut v = sparse3();
        v[0] = 0x07; // layout 7 does not exist
        let e = err(v, 3, 2);
        assert!(
            e.contains("07 00 00 00") && e.contains("known codes"),
            "{e}"
        );
    }

    #[test]
    fn header_counts_disagree() {
        assert!(err(sparse3(), 4, 2).contains("3 SNPs but the .esi has 4"));
        assert!(err(sparse3(), 3, 1).contains("2 probes but the .epi has 1"));
        assert!(err(dense5(), 2, 3).contains("2 probes"));
    }

    #[test]
    fn bad_offsets() {
        // cols[2] (byte 64 + 8 + 16) past V: offsets decrease after it.
        let mut v = sparse3();
        v[88] = 0x09;
        let e = err(v, 3, 2);
        assert!(
            e.contains("probe index 0") || e.contains("probe index 1"),
            "{e}"
        );
        // cols[0] != 0.
        let mut v = sparse3();
        v[72] = 0x01;
        assert!(err(v, 3, 2).contains("cols[0]"));
        // Unequal halves: cols[1] = 1.
        let mut v = sparse3();
        v[80] = 0x01;
        assert!(err(v, 3, 2).contains("probe index 0"));
        // Huge V overflowing the size computation.
        let mut v = sparse3();
        v[64..72].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(open(v, 3, 2).is_err());
    }

    #[test]
    fn row_id_beyond_snp_count_and_mismatched_halves() {
        let mut v = sparse3();
        v[112] = 0x05; // rowid[0] = 5 (3 SNPs)
        let f = open(v, 3, 2).unwrap();
        let e = f.read_probe(0, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("probe index 0") && e.contains("row id 5"), "{e}");
        let mut v = sparse3();
        v[120] = 0x01; // rowid[2] = 1 but its beta-half twin rowid[0] = 2
        let f = open(v, 3, 2).unwrap();
        let e = f.read_probe(0, &mut Vec::new()).unwrap_err().to_string();
        assert!(e.contains("se half"), "{e}");
        assert!(f.read_probe(1, &mut Vec::new()).is_ok());
    }

    #[test]
    fn round_trips() {
        let dir = tempfile::tempdir().unwrap();
        let probes = expected_sparse().to_vec();
        let mut with_empty = probes.clone();
        with_empty.insert(1, Vec::new());
        let sp = dir.path().join("s.besd");
        write_sparse(&sp, 3, &with_empty, Some(1234)).unwrap();
        let f = BesdFile::open(&sp, 3, 3).unwrap();
        assert_eq!(f.header().sample_size, Some(1234));
        assert_eq!(all(&f), with_empty);
        // The writer's bytes equal the hand-built fixture.
        write_sparse(&sp, 3, &probes, None).unwrap();
        assert_eq!(std::fs::read(&sp).unwrap(), sparse3());

        let dn = dir.path().join("d.besd");
        write_dense(&dn, 3, &with_empty, None).unwrap();
        let f = BesdFile::open(&dn, 3, 3).unwrap();
        assert_eq!(f.layout(), BesdLayout::Dense);
        assert_eq!(f.header().sample_size, None);
        let mut sorted = with_empty.clone();
        for p in &mut sorted {
            p.sort_by_key(|e| e.snp);
        }
        assert_eq!(all(&f), sorted);
        assert!(write_sparse(&sp, 2, &probes, None).is_err()); // SNP 2 beyond 2 SNPs
                                                               // No temporary files left behind.
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2);
    }

    #[test]
    fn is_sync() {
        fn assert_sync<T: Sync + Send>() {}
        assert_sync::<BesdFile>();
    }
}
