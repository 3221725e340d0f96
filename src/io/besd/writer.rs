//! BESD writers: sparse type 3 and dense type 5 (data-spec/besd.md §7). Used by `--make-besd`
//! and by the tests' own builders.
//!
//! [`write_sparse`] and [`write_dense`] write through the atomic writer
//! ([`crate::output::atomic::AtomicFile`]): an exclusive temporary in the target directory,
//! renamed into place when complete (with the other outputs of the run, inside an
//! [`crate::output::atomic::OutputSet`]), so a failed run never leaves a half-written `.besd`
//! under the final name.

use crate::error::{Error, Result};
use crate::io::besd::header::{CODE_DENSE, CODE_SPARSE, HEADER_MISSING};
use crate::io::besd::reader::BesdEntry;
use crate::output::atomic::AtomicFile;
use std::io::Write;
use std::path::Path;

/// Missing beta/se in a dense file (data-spec/besd.md §3).
const DENSE_MISSING: f32 = -9.0;

/// The 64-byte extended header: code, sample size, SNP and probe counts, twelve -9.
fn extended_header(code: u32, n_snps: i32, n_probes: i32, sample_size: Option<i32>) -> [u8; 64] {
    let mut h = [0u8; 64];
    let fields = [
        code as i32,
        sample_size.unwrap_or(HEADER_MISSING),
        n_snps,
        n_probes,
    ];
    for (i, chunk) in h.chunks_exact_mut(4).enumerate() {
        let v = fields.get(i).copied().unwrap_or(HEADER_MISSING);
        chunk.copy_from_slice(&v.to_le_bytes());
    }
    h
}

/// Check that the counts fit the header's int32 fields and every entry's SNP is in range.
fn check_input(path: &Path, n_snps: usize, probes: &[Vec<BesdEntry>]) -> Result<(i32, i32)> {
    let s = i32::try_from(n_snps)
        .map_err(|_| Error::format(path, format!("{n_snps} SNPs do not fit a BESD header")))?;
    let p = i32::try_from(probes.len()).map_err(|_| {
        Error::format(
            path,
            format!("{} probes do not fit a BESD header", probes.len()),
        )
    })?;
    for (pi, entries) in probes.iter().enumerate() {
        if let Some(e) = entries.iter().find(|e| e.snp as usize >= n_snps) {
            return Err(Error::format(
                path,
                format!(
                    "cannot write probe index {pi}: SNP row id {} is beyond the {n_snps} SNPs",
                    e.snp
                ),
            ));
        }
    }
    Ok((s, p))
}

/// Write `path` through an [`AtomicFile`]: `body` writes the bytes; committed when it succeeds,
/// removed otherwise. Errors name `path`.
fn write_atomic(
    path: &Path,
    body: impl FnOnce(&mut AtomicFile) -> std::io::Result<()>,
) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    body(&mut f).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })?;
    f.commit()
}

/// Write a sparse (format code 3) `.besd` with `probes[p]` as probe p's entries in stored order.
pub fn write_sparse(
    path: &Path,
    n_snps: usize,
    probes: &[Vec<BesdEntry>],
    sample_size: Option<i32>,
) -> Result<()> {
    check_input(path, n_snps, probes)?;
    write_atomic(path, |w| sparse_to(w, n_snps, probes, sample_size))
}

/// Write a dense (format code 5) `.besd`; cells without an entry get beta = se = -9.
pub fn write_dense(
    path: &Path,
    n_snps: usize,
    probes: &[Vec<BesdEntry>],
    sample_size: Option<i32>,
) -> Result<()> {
    check_input(path, n_snps, probes)?;
    write_atomic(path, |w| dense_to(w, n_snps, probes, sample_size))
}

/// Check what [`sparse_to`] / [`dense_to`] need: counts that fit the header and row ids below
/// `n_snps`; `path` names the output in the error.
pub fn check_entries(path: &Path, n_snps: usize, probes: &[Vec<BesdEntry>]) -> Result<()> {
    check_input(path, n_snps, probes).map(|_| ())
}

/// The bytes of a sparse (format code 3) `.besd` written to `w`. The caller checked the input
/// with [`check_entries`] (counts are truncated otherwise).
pub fn sparse_to<W: Write>(
    w: &mut W,
    n_snps: usize,
    probes: &[Vec<BesdEntry>],
    sample_size: Option<i32>,
) -> std::io::Result<()> {
    let n_values: u64 = probes.iter().map(|e| 2 * e.len() as u64).sum();
    w.write_all(&extended_header(
        CODE_SPARSE,
        n_snps as i32,
        probes.len() as i32,
        sample_size,
    ))?;
    w.write_all(&n_values.to_le_bytes())?;
    // cols[2P+1]: start of each probe's betas and ses, then the total.
    let mut off = 0u64;
    w.write_all(&off.to_le_bytes())?;
    for e in probes {
        let n = e.len() as u64;
        w.write_all(&(off + n).to_le_bytes())?;
        off += 2 * n;
        w.write_all(&off.to_le_bytes())?;
    }
    // rowid[V]: each probe's row ids twice (beta half, se half).
    for e in probes {
        for _half in 0..2 {
            for x in e {
                w.write_all(&x.snp.to_le_bytes())?;
            }
        }
    }
    // val[V]: each probe's betas then its ses.
    for e in probes {
        for x in e {
            w.write_all(&x.beta.to_le_bytes())?;
        }
        for x in e {
            w.write_all(&x.se.to_le_bytes())?;
        }
    }
    Ok(())
}

/// The bytes of a dense (format code 5) `.besd` written to `w`; cells without an entry get
/// beta = se = -9. The caller checked the input with [`check_entries`].
pub fn dense_to<W: Write>(
    w: &mut W,
    n_snps: usize,
    probes: &[Vec<BesdEntry>],
    sample_size: Option<i32>,
) -> std::io::Result<()> {
    w.write_all(&extended_header(
        CODE_DENSE,
        n_snps as i32,
        probes.len() as i32,
        sample_size,
    ))?;
    let mut block = vec![DENSE_MISSING; 2 * n_snps];
    let mut bytes = Vec::with_capacity(8 * n_snps);
    for e in probes {
        block.fill(DENSE_MISSING);
        for x in e {
            let i = x.snp as usize;
            block[i] = x.beta;
            block[n_snps + i] = x.se;
        }
        bytes.clear();
        for v in &block {
            bytes.extend_from_slice(&v.to_le_bytes());
        }
        w.write_all(&bytes)?;
    }
    Ok(())
}
