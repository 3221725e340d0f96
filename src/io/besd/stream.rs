//! Decoding a `.besd` from a forward-only byte stream (a gzipped file, a member of a tar
//! archive), keeping only the probes and SNPs a run needs (data-spec/eqtlgen-tarball.md §3).
//!
//! The stream is read once, front to back. Dense layouts are read one probe block at a time;
//! sparse layouts read the offset array, then skip or keep each probe's row ids and values.
//! Only kept (probe, SNP) entries are held, in the order [`BesdFile::read_probe`] returns
//! them for the original file, and the result is a [`BesdFile`] that reports the original
//! layout, so downstream code cannot tell it from the memory-mapped file.

use crate::error::{Error, Result};
use crate::io::besd::header::{decode_header, BesdLayout, CODE_LEN, EXTENDED_HEADER_LEN};
use crate::io::besd::reader::{BesdEntry, BesdFile};
use crate::io::source::Bytes;
use std::io::Read;
use std::path::Path;

/// Dense cells whose se is within this distance of -9 are missing (data-spec/besd.md §3).
const DENSE_MISSING_TOLERANCE: f64 = 1e-6;

/// Which probes and SNPs to keep: `probes[p]` for `.epi` row `p`, `snps[i]` for `.esi` row `i`.
#[derive(Debug, Clone, Copy)]
pub struct Keep<'a> {
    /// One flag per `.epi` row.
    pub probes: &'a [bool],
    /// One flag per `.esi` row.
    pub snps: &'a [bool],
}

struct Stream<'p, R> {
    inner: R,
    path: &'p Path,
    /// Bytes consumed so far (for error messages).
    pos: u64,
}

impl<R: Read> Stream<'_, R> {
    fn fill(&mut self, buf: &mut [u8], what: &str) -> Result<()> {
        let mut got = 0;
        while got < buf.len() {
            match self.inner.read(&mut buf[got..]) {
                Ok(0) => {
                    return Err(Error::format(
                        self.path,
                        format!(
                            "truncated: the stream ends at byte offset {} inside {what} \
                             ({} of {} bytes read)",
                            self.pos + got as u64,
                            got,
                            buf.len()
                        ),
                    ))
                }
                Ok(n) => got += n,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::read(self.path, e)),
            }
        }
        self.pos += buf.len() as u64;
        Ok(())
    }

    /// Read exactly `n` bytes into `buf` (replacing its contents), growing it only as the
    /// bytes arrive: `n` comes from the file's own offsets, so a header that claims more data
    /// than the stream holds ends in a "truncated" error, never in an allocation of its size.
    fn fill_vec(&mut self, buf: &mut Vec<u8>, n: u64, what: &str) -> Result<()> {
        buf.clear();
        let got = (&mut self.inner)
            .take(n)
            .read_to_end(buf)
            .map_err(|e| Error::read(self.path, e))? as u64;
        if got != n {
            return Err(Error::format(
                self.path,
                format!(
                    "truncated: the stream ends at byte offset {} inside {what} ({got} of {n} \
                     bytes read)",
                    self.pos + got
                ),
            ));
        }
        self.pos += n;
        Ok(())
    }

    fn skip(&mut self, n: u64, what: &str) -> Result<()> {
        let copied = std::io::copy(&mut (&mut self.inner).take(n), &mut std::io::sink())
            .map_err(|e| Error::read(self.path, e))?;
        if copied != n {
            return Err(Error::format(
                self.path,
                format!(
                    "truncated: the stream ends at byte offset {} inside {what}",
                    self.pos + copied
                ),
            ));
        }
        self.pos += n;
        Ok(())
    }

    fn expect_end(&mut self) -> Result<()> {
        let mut one = [0u8; 1];
        loop {
            match self.inner.read(&mut one) {
                Ok(0) => return Ok(()),
                Ok(_) => {
                    return Err(Error::format(
                        self.path,
                        format!(
                            "trailing bytes after the last value (byte offset {}); the file does \
                             not match the .esi/.epi",
                            self.pos
                        ),
                    ))
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(Error::read(self.path, e)),
            }
        }
    }
}

fn le_u32(b: &[u8]) -> u32 {
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

/// Read a `.besd` byte stream, keeping `keep`'s probes and SNPs (data-spec/eqtlgen-tarball.md
/// §3). `path` names the stream in errors. The same checks as [`BesdFile::from_bytes`] apply:
/// header counts, offsets, row ids, exact length.
pub fn read_filtered<R: Read>(
    reader: R,
    path: &Path,
    n_snps: usize,
    n_probes: usize,
    keep: Keep<'_>,
) -> Result<BesdFile> {
    debug_assert_eq!(keep.probes.len(), n_probes);
    debug_assert_eq!(keep.snps.len(), n_snps);
    let mut s = Stream {
        inner: reader,
        path,
        pos: 0,
    };
    let mut head = vec![0u8; CODE_LEN];
    s.fill(&mut head, "the layout code")?;
    let code = le_u32(&head);
    if BesdLayout::from_code(code).is_some_and(|l| l.has_extended_header()) {
        head.resize(EXTENDED_HEADER_LEN, 0);
        s.fill(&mut head[CODE_LEN..], "the 64-byte header")?;
    }
    let header = decode_header(&head, path)?;
    for (stated, actual, what, file) in [
        (header.n_snps, n_snps, "SNPs", ".esi"),
        (header.n_probes, n_probes, "probes", ".epi"),
    ] {
        if let Some(v) = stated {
            if v as usize != actual {
                return Err(Error::format(
                    path,
                    format!(
                        "the header says {v} {what} but the {file} has {actual}; the .besd does \
                         not belong with this {file}"
                    ),
                ));
            }
        }
    }
    let mut starts = Vec::with_capacity(n_probes + 1);
    starts.push(0usize);
    let mut entries: Vec<BesdEntry> = Vec::new();
    match header.layout {
        BesdLayout::Dense | BesdLayout::DenseLegacy => {
            let block_len = n_snps.checked_mul(8).ok_or_else(|| {
                Error::format(path, format!("{n_snps} SNPs: block size overflows"))
            })?;
            let mut block = vec![0u8; block_len];
            for p in 0..n_probes {
                if !keep.probes[p] {
                    s.skip(block_len as u64, &format!("probe index {p}'s block"))?;
                    starts.push(entries.len());
                    continue;
                }
                s.fill(&mut block, &format!("probe index {p}'s block"))?;
                let (betas, ses) = block.split_at(4 * n_snps);
                for (i, (b, se)) in betas.chunks_exact(4).zip(ses.chunks_exact(4)).enumerate() {
                    if !keep.snps[i] {
                        continue;
                    }
                    let se = f32::from_bits(le_u32(se));
                    if f64::from(se + 9.0).abs() > DENSE_MISSING_TOLERANCE {
                        entries.push(BesdEntry {
                            snp: i as u32,
                            beta: f32::from_bits(le_u32(b)),
                            se,
                        });
                    }
                }
                starts.push(entries.len());
            }
            s.expect_end()?;
        }
        BesdLayout::Sparse | BesdLayout::SparseNoHeader | BesdLayout::SparseLegacyU32 => {
            let wide = header.layout != BesdLayout::SparseLegacyU32;
            let mut v8 = [0u8; 8];
            s.fill(&mut v8, "the value count")?;
            let n_values = u64::from_le_bytes(v8);
            let n_cols = 2 * n_probes + 1;
            let width = if wide { 8 } else { 4 };
            let mut raw = vec![0u8; n_cols * width];
            s.fill(&mut raw, "the offset array")?;
            let cols: Vec<u64> = if wide {
                raw.chunks_exact(8)
                    .map(|c| u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]))
                    .collect()
            } else {
                raw.chunks_exact(4).map(|c| u64::from(le_u32(c))).collect()
            };
            drop(raw);
            validate_offsets(&cols, n_values, n_probes, path)?;
            decode_sparse_arrays(
                &mut s,
                &cols,
                n_snps,
                n_probes,
                keep,
                &mut starts,
                &mut entries,
            )?;
            s.expect_end()?;
        }
        BesdLayout::SparseLegacyF32 => {
            // Rare legacy layout whose value count comes from the file size: read it whole
            // (data-spec/eqtlgen-tarball.md §3).
            let mut all = head.clone();
            s.inner
                .read_to_end(&mut all)
                .map_err(|e| Error::read(path, e))?;
            let file = BesdFile::from_bytes(Bytes::Owned(all), path, n_snps, n_probes)?;
            let mut buf = Vec::new();
            for p in 0..n_probes {
                if keep.probes[p] {
                    file.read_probe(p, &mut buf)?;
                    entries.extend(buf.iter().filter(|e| keep.snps[e.snp as usize]));
                }
                starts.push(entries.len());
            }
        }
    }
    entries.shrink_to_fit();
    BesdFile::from_entries(path, header, n_snps, starts, entries)
}

/// Offsets start at 0, never decrease, have equal beta and se halves and end at the value
/// count (data-spec/besd.md §4).
fn validate_offsets(cols: &[u64], n_values: u64, n_probes: usize, path: &Path) -> Result<()> {
    if cols[0] != 0 {
        return Err(Error::format(
            path,
            format!("offset cols[0] is {}, expected 0", cols[0]),
        ));
    }
    for p in 0..n_probes {
        let (b0, s0, end) = (cols[2 * p], cols[2 * p + 1], cols[2 * p + 2]);
        if s0 < b0 || end < s0 || s0 - b0 != end - s0 {
            return Err(Error::format(
                path,
                format!(
                    "probe index {p} (.epi row {}): inconsistent offsets cols[{}..={}] = {b0}, {s0}, {end}",
                    p + 1,
                    2 * p,
                    2 * p + 2
                ),
            ));
        }
    }
    if cols[2 * n_probes] != n_values {
        return Err(Error::format(
            path,
            format!(
                "last offset cols[{}] is {}, expected the value count {n_values}",
                2 * n_probes,
                cols[2 * n_probes]
            ),
        ));
    }
    Ok(())
}

/// Probe `p`'s entry count and the bytes of its row ids (or values): both halves, 4 bytes each.
fn probe_len(cols: &[u64], p: usize, path: &Path) -> Result<(usize, u64)> {
    let n = cols[2 * p + 1] - cols[2 * p];
    match (usize::try_from(n), n.checked_mul(8)) {
        (Ok(n), Some(bytes)) => Ok((n, bytes)),
        _ => Err(Error::format(
            path,
            format!(
                "probe index {p} (.epi row {}): {n} stored values is beyond addressable memory",
                p + 1
            ),
        )),
    }
}

/// Stream `rowid[V]` then `val[V]`, keeping the kept probes' entries.
fn decode_sparse_arrays<R: Read>(
    s: &mut Stream<'_, R>,
    cols: &[u64],
    n_snps: usize,
    n_probes: usize,
    keep: Keep<'_>,
    starts: &mut Vec<usize>,
    entries: &mut Vec<BesdEntry>,
) -> Result<()> {
    // Pass over rowid[]: the beta half of each kept probe, checked against its se half.
    let mut rows: Vec<u32> = Vec::new();
    let mut buf: Vec<u8> = Vec::new();
    let mut kept_counts: Vec<usize> = Vec::with_capacity(n_probes);
    for p in 0..n_probes {
        let (n, n_bytes) = probe_len(cols, p, s.path)?;
        if !keep.probes[p] {
            s.skip(n_bytes, &format!("probe index {p}'s row ids"))?;
            kept_counts.push(0);
            continue;
        }
        s.fill_vec(&mut buf, n_bytes, &format!("probe index {p}'s row ids"))?;
        let (bh, sh) = buf.split_at(4 * n);
        for (i, (b, se)) in bh.chunks_exact(4).zip(sh.chunks_exact(4)).enumerate() {
            let (rb, rs) = (le_u32(b), le_u32(se));
            if rb as usize >= n_snps {
                return Err(Error::format(
                    s.path,
                    format!(
                        "probe index {p} (.epi row {}): entry {i} has row id {rb}, beyond the \
                         {n_snps} SNPs of the .esi",
                        p + 1
                    ),
                ));
            }
            if rb != rs {
                return Err(Error::format(
                    s.path,
                    format!(
                        "probe index {p} (.epi row {}): entry {i} has row id {rb} in the beta \
                         half but {rs} in the se half",
                        p + 1
                    ),
                ));
            }
        }
        crate::io::besd::reader::check_distinct_rows(bh.chunks_exact(4).map(le_u32), p, s.path)?;
        rows.extend(bh.chunks_exact(4).map(le_u32));
        kept_counts.push(n);
    }
    // Pass over val[]: betas then ses of each probe.
    let mut next_row = 0usize;
    #[allow(clippy::needless_range_loop)] // `p` also names the probe in messages
    for p in 0..n_probes {
        let (n, n_bytes) = probe_len(cols, p, s.path)?;
        if !keep.probes[p] {
            s.skip(n_bytes, &format!("probe index {p}'s values"))?;
            starts.push(entries.len());
            continue;
        }
        debug_assert_eq!(kept_counts[p], n);
        s.fill_vec(&mut buf, n_bytes, &format!("probe index {p}'s values"))?;
        let (bh, sh) = buf.split_at(4 * n);
        for (i, (b, se)) in bh.chunks_exact(4).zip(sh.chunks_exact(4)).enumerate() {
            let snp = rows[next_row + i];
            if keep.snps[snp as usize] {
                entries.push(BesdEntry {
                    snp,
                    beta: f32::from_bits(le_u32(b)),
                    se: f32::from_bits(le_u32(se)),
                });
            }
        }
        next_row += n;
        starts.push(entries.len());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::besd::writer::{write_dense, write_sparse};

    fn e(snp: u32, beta: f32, se: f32) -> BesdEntry {
        BesdEntry { snp, beta, se }
    }

    /// 4 SNPs, 3 probes; probe 0 stores SNPs 3, 0 (unsorted), probe 1 none, probe 2 SNPs 1, 2, 3.
    fn probes() -> Vec<Vec<BesdEntry>> {
        vec![
            vec![e(3, 1.0, 0.5), e(0, -2.0, 0.25)],
            vec![],
            vec![e(1, 0.125, 1.0), e(2, 3.0, 2.0), e(3, -1.5, 0.75)],
        ]
    }

    fn all(v: &BesdFile) -> Vec<Vec<BesdEntry>> {
        let mut buf = Vec::new();
        (0..v.n_probes())
            .map(|p| {
                v.read_probe(p, &mut buf).unwrap();
                buf.clone()
            })
            .collect()
    }

    #[test]
    fn streamed_equals_mapped_for_sparse_and_dense_with_filters() {
        let dir = tempfile::tempdir().unwrap();
        for dense in [false, true] {
            let path = dir.path().join(if dense { "d.besd" } else { "s.besd" });
            if dense {
                write_dense(&path, 4, &probes(), Some(100)).unwrap();
            } else {
                write_sparse(&path, 4, &probes(), None).unwrap();
            }
            let mapped = BesdFile::open(&path, 4, 3).unwrap();
            let bytes = std::fs::read(&path).unwrap();
            // Everything kept: identical to the mapped file, same layout and header.
            let k = Keep {
                probes: &[true; 3],
                snps: &[true; 4],
            };
            let st = read_filtered(&bytes[..], &path, 4, 3, k).unwrap();
            assert_eq!(st.layout(), mapped.layout());
            assert_eq!(st.header(), mapped.header());
            assert_eq!(all(&st), all(&mapped));
            // Probe 2 dropped, SNP 0 dropped: only probe 0's SNP 3 remains.
            let k = Keep {
                probes: &[true, true, false],
                snps: &[false, true, true, true],
            };
            let st = read_filtered(&bytes[..], &path, 4, 3, k).unwrap();
            assert_eq!(all(&st), vec![vec![e(3, 1.0, 0.5)], vec![], vec![]]);
            assert_eq!(st.n_entries_in_memory(), Some(1));
        }
    }

    #[test]
    fn truncated_trailing_and_mismatched_streams_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.besd");
        write_sparse(&path, 4, &probes(), None).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let k = Keep {
            probes: &[true; 3],
            snps: &[true; 4],
        };
        let err = read_filtered(&bytes[..bytes.len() - 1], &path, 4, 3, k)
            .unwrap_err()
            .to_string();
        assert!(err.contains("truncated"), "{err}");
        let mut long = bytes.clone();
        long.push(0);
        let err = read_filtered(&long[..], &path, 4, 3, k)
            .unwrap_err()
            .to_string();
        assert!(err.contains("trailing bytes"), "{err}");
        let err = read_filtered(
            &bytes[..],
            &path,
            5,
            3,
            Keep {
                probes: &[true; 3],
                snps: &[true; 5],
            },
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("header says 4 SNPs"), "{err}");
        // A row id beyond the SNP count, in a legacy u32 sparse file without header.
        let mut legacy = vec![0x00, 0x00, 0x00, 0x40]; // layout code 0x40000000
        legacy.extend(2u64.to_le_bytes()); // V = 2
        for c in [0u32, 1, 2] {
            legacy.extend(c.to_le_bytes()); // cols for 1 probe
        }
        legacy.extend(7u32.to_le_bytes()); // row id 7 (beta half): only 4 SNPs
        legacy.extend(7u32.to_le_bytes()); // row id 7 (se half)
        legacy.extend(1.0f32.to_le_bytes());
        legacy.extend(0.5f32.to_le_bytes());
        let k1 = Keep {
            probes: &[true],
            snps: &[true; 4],
        };
        let err = read_filtered(&legacy[..], &path, 4, 1, k1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("row id 7"), "{err}");
        legacy[24..28].copy_from_slice(&2u32.to_le_bytes()); // row id 2 (beta half)
        legacy[28..32].copy_from_slice(&2u32.to_le_bytes()); // row id 2 (se half)
        let st = read_filtered(&legacy[..], &path, 4, 1, k1).unwrap();
        assert_eq!(all(&st), vec![vec![e(2, 1.0, 0.5)]]);
        assert_eq!(st.layout(), BesdLayout::SparseLegacyU32);
    }
}
