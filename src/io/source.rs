//! Opening inputs alike whether plain or gzipped (detected by magic bytes, never by name).

use crate::error::Result;
use std::io::BufRead;
use std::path::Path;

/// Bytes of a whole binary input: memory-mapped when plain, decompressed into memory when gzipped.
pub enum Bytes {
    /// A memory-mapped plain file.
    Mapped(memmap2::Mmap),
    /// Bytes held in memory (decompressed, or built by a test).
    Owned(Vec<u8>),
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

/// Open a text file for line reading; gzip (magic `1f 8b`) is decompressed on the fly.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let _ = path;
    todo!()
}

/// Read a whole binary file: memory-map a plain file, decompress a gzipped one into memory.
pub fn read_bytes(path: &Path) -> Result<Bytes> {
    let _ = path;
    todo!()
}
