//! A streaming sparse BESD writer: probes are handed over one at a time and never held
//! together in memory (data-spec/besd.md §8).
//!
//! A sparse `.besd` (format code 3, data-spec/besd.md §4) puts every row id before every value
//! and the offsets of all probes before both, so a file written probe by probe needs the end
//! before it can write the start. [`SparseSink`] therefore spools each probe's row ids and its
//! values to two scratch files in the output directory
//! ([`ScratchFile`]s `.<name>.rowid.<random>.tmp`, `.<name>.value.<random>.tmp`), keeps only the offsets (two `u64` per
//! probe) in memory, and [`SparseSink::finish`] writes the header, the value count and the
//! offsets and then copies the two spools after them into the output's temporary file. The
//! bytes are identical to [`crate::io::besd::writer::write_sparse`] on the same probes.
//!
//! The output is returned as an uncommitted [`AtomicFile`] so that a caller writing a
//! `.besd/.esi/.epi` triplet can rename all three only when all three are complete. The
//! spools are removed when the sink is finished or dropped (a failed run leaves nothing).

use crate::error::{Error, Result};
use crate::io::besd::header::{CODE_SPARSE, HEADER_MISSING};
use crate::io::besd::reader::BesdEntry;
use crate::output::atomic::{AtomicFile, ScratchFile};
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Buffer of each spool writer and of the final copy.
const SPOOL_BUFFER: usize = 1 << 20;

/// One spool file: a buffered writer on a scratch file (removed when the spool is dropped).
struct Spool {
    writer: Option<BufWriter<File>>,
    file: ScratchFile,
}

impl Spool {
    fn create(beside: &Path, what: &str) -> Result<Self> {
        let (file, f) = ScratchFile::create(beside, what)?;
        Ok(Spool {
            writer: Some(BufWriter::with_capacity(SPOOL_BUFFER, f)),
            file,
        })
    }

    fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("spool open until copied")
    }

    /// Flush, reopen for reading and append the whole spool to `out`.
    fn copy_into(&mut self, out: &mut AtomicFile, label: &Path) -> Result<()> {
        let werr = |source| Error::Write {
            path: label.to_path_buf(),
            source,
        };
        let w = self.writer.take().expect("spool open until copied");
        drop(w.into_inner().map_err(|e| werr(e.into_error()))?);
        let mut r = File::open(self.file.path()).map_err(werr)?;
        let mut buf = vec![0u8; SPOOL_BUFFER];
        loop {
            let n = r.read(&mut buf).map_err(werr)?;
            if n == 0 {
                break;
            }
            out.write_all(&buf[..n])?;
        }
        Ok(())
    }
}

/// A sparse (format code 3) `.besd` written probe by probe (see the module documentation).
pub struct SparseSink {
    path: PathBuf,
    n_snps: usize,
    sample_size: Option<i32>,
    /// `cols[2P+1]` so far: start of each probe's betas and ses, then the running total.
    offsets: Vec<u64>,
    rowids: Spool,
    values: Spool,
    bytes: Vec<u8>,
}

impl SparseSink {
    /// Start a sparse `.besd` at `path` for `n_snps` `.esi` rows; `sample_size` goes to header
    /// field 1 (-9 when `None`).
    pub fn create(path: &Path, n_snps: usize, sample_size: Option<i32>) -> Result<Self> {
        if i32::try_from(n_snps).is_err() {
            return Err(Error::format(
                path,
                format!("{n_snps} SNPs do not fit a BESD header"),
            ));
        }
        Ok(SparseSink {
            path: path.to_path_buf(),
            n_snps,
            sample_size,
            offsets: vec![0],
            rowids: Spool::create(path, "rowid")?,
            values: Spool::create(path, "value")?,
            bytes: Vec::new(),
        })
    }

    /// Probes pushed so far.
    pub fn n_probes(&self) -> usize {
        (self.offsets.len() - 1) / 2
    }

    /// Values (betas and ses together) pushed so far.
    pub fn n_values(&self) -> u64 {
        *self.offsets.last().expect("offsets start with 0")
    }

    /// Append the next probe's entries, in the order they are to be stored (an empty slice is
    /// a probe without entries). A row id beyond the SNP count is an error naming the probe.
    pub fn push_probe(&mut self, entries: &[BesdEntry]) -> Result<()> {
        if let Some(e) = entries.iter().find(|e| e.snp as usize >= self.n_snps) {
            return Err(Error::format(
                &self.path,
                format!(
                    "cannot write probe index {}: SNP row id {} is beyond the {} SNPs",
                    self.n_probes(),
                    e.snp,
                    self.n_snps
                ),
            ));
        }
        let werr = |path: &Path, source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let n = entries.len() as u64;
        let start = self.n_values();
        self.offsets.push(start + n);
        self.offsets.push(start + 2 * n);
        // Row ids twice (beta half, se half).
        self.bytes.clear();
        for _half in 0..2 {
            for x in entries {
                self.bytes.extend_from_slice(&x.snp.to_le_bytes());
            }
        }
        self.rowids
            .writer()
            .write_all(&self.bytes)
            .map_err(|e| werr(&self.path, e))?;
        // Betas, then ses.
        self.bytes.clear();
        for x in entries {
            self.bytes.extend_from_slice(&x.beta.to_le_bytes());
        }
        for x in entries {
            self.bytes.extend_from_slice(&x.se.to_le_bytes());
        }
        self.values
            .writer()
            .write_all(&self.bytes)
            .map_err(|e| werr(&self.path, e))?;
        Ok(())
    }

    /// Write the complete file under its temporary name and return it uncommitted: the caller
    /// renames it into place with [`AtomicFile::commit`] (dropping it removes it).
    pub fn finish(mut self) -> Result<AtomicFile> {
        let n_probes = self.n_probes();
        let p = i32::try_from(n_probes).map_err(|_| {
            Error::format(
                &self.path,
                format!("{n_probes} probes do not fit a BESD header"),
            )
        })?;
        let mut out = AtomicFile::create(&self.path)?;
        let mut head = Vec::with_capacity(72 + 8 * self.offsets.len());
        let fields = [
            CODE_SPARSE as i32,
            self.sample_size.unwrap_or(HEADER_MISSING),
            self.n_snps as i32,
            p,
        ];
        for i in 0..16 {
            let v = fields.get(i).copied().unwrap_or(HEADER_MISSING);
            head.extend_from_slice(&v.to_le_bytes());
        }
        head.extend_from_slice(&self.n_values().to_le_bytes());
        for o in &self.offsets {
            head.extend_from_slice(&o.to_le_bytes());
        }
        out.write_all(&head)?;
        self.rowids.copy_into(&mut out, &self.path)?;
        self.values.copy_into(&mut out, &self.path)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::besd::writer::write_sparse;
    use proptest::prelude::*;

    fn entry(snp: u32, beta: f32, se: f32) -> BesdEntry {
        BesdEntry { snp, beta, se }
    }

    fn via_sink(path: &Path, n_snps: usize, probes: &[Vec<BesdEntry>], n: Option<i32>) {
        let mut s = SparseSink::create(path, n_snps, n).unwrap();
        for p in probes {
            s.push_probe(p).unwrap();
        }
        s.finish().unwrap().commit().unwrap();
    }

    #[test]
    fn bytes_of_a_two_probe_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.besd");
        // Probe 0: SNPs 2 and 0; probe 1: nothing; 3 SNPs; sample size 500.
        via_sink(
            &path,
            3,
            &[vec![entry(2, 0.5, 0.25), entry(0, -1.0, 2.0)], vec![]],
            Some(500),
        );
        let b = std::fs::read(&path).unwrap();
        let i32_at = |i: usize| i32::from_le_bytes(b[4 * i..4 * i + 4].try_into().unwrap());
        let u64_at = |o: usize| u64::from_le_bytes(b[o..o + 8].try_into().unwrap());
        assert_eq!(i32_at(0), 3); // format code
        assert_eq!(i32_at(1), 500); // sample size
        assert_eq!(i32_at(2), 3); // SNPs
        assert_eq!(i32_at(3), 2); // probes
        assert!((4..16).all(|i| i32_at(i) == -9)); // reserved
        assert_eq!(u64_at(64), 4); // V = 2 betas + 2 ses
        let cols: Vec<u64> = (0..5).map(|i| u64_at(72 + 8 * i)).collect();
        assert_eq!(cols, [0, 2, 4, 4, 4]);
        let ids: Vec<u32> = (0..4)
            .map(|i| u32::from_le_bytes(b[112 + 4 * i..116 + 4 * i].try_into().unwrap()))
            .collect();
        assert_eq!(ids, [2, 0, 2, 0]); // row ids of the beta half, then the se half
        let vals: Vec<f32> = (0..4)
            .map(|i| f32::from_le_bytes(b[128 + 4 * i..132 + 4 * i].try_into().unwrap()))
            .collect();
        assert_eq!(vals, [0.5, -1.0, 0.25, 2.0]);
        assert_eq!(b.len(), 144);
        // No spool left behind, only the file itself.
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn bad_row_id_and_dropped_sink_leave_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.besd");
        let mut s = SparseSink::create(&path, 2, None).unwrap();
        s.push_probe(&[entry(1, 1.0, 1.0)]).unwrap();
        let e = s.push_probe(&[entry(2, 1.0, 1.0)]).unwrap_err().to_string();
        assert!(e.contains("probe index 1") && e.contains("row id 2"), "{e}");
        drop(s);
        let mut s = SparseSink::create(&path, 2, None).unwrap();
        s.push_probe(&[entry(1, 1.0, 1.0)]).unwrap();
        drop(s.finish().unwrap()); // finished but not committed
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
    }

    proptest! {
        #[test]
        fn identical_to_write_sparse(
            n_snps in 1usize..40,
            probes in proptest::collection::vec(
                proptest::collection::vec((0u32..1000, -5.0f32..5.0, 0.01f32..2.0), 0..30),
                0..12),
            n in proptest::option::of(1i32..100_000),
        ) {
            let probes: Vec<Vec<BesdEntry>> = probes
                .into_iter()
                .map(|p| p.into_iter().map(|(s, b, se)| entry(s % n_snps as u32, b, se)).collect())
                .collect();
            let dir = tempfile::tempdir().unwrap();
            let a = dir.path().join("a.besd");
            let b = dir.path().join("b.besd");
            write_sparse(&a, n_snps, &probes, n).unwrap();
            via_sink(&b, n_snps, &probes, n);
            prop_assert_eq!(std::fs::read(&a).unwrap(), std::fs::read(&b).unwrap());
        }
    }
}
