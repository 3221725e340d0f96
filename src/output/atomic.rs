//! Atomic output files: written under a temporary name in the same directory and renamed into
//! place only when complete, so a failed run never leaves a half-written file.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file being written; becomes visible at its final path only on [`AtomicFile::commit`].
pub struct AtomicFile {
    final_path: PathBuf,
    tmp_path: PathBuf,
    writer: Option<BufWriter<File>>,
}

impl AtomicFile {
    /// Start writing `path` (through `<path>.tmp.<pid>`).
    pub fn create(path: &Path) -> Result<Self> {
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(format!(".tmp.{}", std::process::id()));
        let tmp_path = PathBuf::from(tmp);
        let file = File::create(&tmp_path).map_err(|source| Error::Write {
            path: path.to_path_buf(),
            source,
        })?;
        Ok(AtomicFile {
            final_path: path.to_path_buf(),
            tmp_path,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
        })
    }

    /// Append bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self.writer.as_mut().expect("writer present until commit");
        w.write_all(bytes).map_err(|source| Error::Write {
            path: self.final_path.clone(),
            source,
        })
    }

    /// Flush and rename into place. Not synced to disk (data-spec/errors.md §atomic): the
    /// rename makes a failed run leave nothing half-written; durability across a machine
    /// crash is left to the file system, as for any program that does not sync, and syncing
    /// the multi-hundred-MB reports of a batch cost about half a second per trait.
    pub fn commit(mut self) -> Result<()> {
        let w = self.writer.take().expect("writer present until commit");
        let wrap = |source| Error::Write {
            path: self.final_path.clone(),
            source,
        };
        let file = w.into_inner().map_err(|e| wrap(e.into_error()))?;
        drop(file);
        std::fs::rename(&self.tmp_path, &self.final_path).map_err(wrap)
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.is_some() {
            self.writer = None;
            let _ = std::fs::remove_file(&self.tmp_path);
        }
    }
}

/// Check that the directory of the output prefix `out` exists and accepts new files, by
/// creating and removing an empty probe file there.
pub fn check_output_dir(out: &Path) -> Result<()> {
    let dir = match out.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let probe = dir.join(format!(".fastsmr-write-check.{}", std::process::id()));
    let wrap = |source| Error::OutputDir {
        dir: dir.clone(),
        out: out.to_path_buf(),
        source,
    };
    std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .map_err(wrap)?;
    std::fs::remove_file(&probe).map_err(wrap)
}

/// Write a whole file atomically.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}
