//! Opening inputs alike whether plain or gzipped (detected by magic bytes, never by name)
//! (data-spec/text.md "Compressed inputs").

use crate::error::{Error, Result};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// The gzip magic bytes (RFC 1952 §2.3.1).
pub const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// Buffer size for text readers.
const TEXT_BUFFER: usize = 1 << 20;

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

impl Bytes {
    /// Tell the OS that the pages covering `start..start + len` (widened to whole pages) are
    /// not needed for now, so they stop counting in the resident set; the mapping stays valid
    /// and re-reads them from the page cache on the next access. No-op for owned bytes.
    pub fn release(&self, start: usize, len: usize) {
        if let Bytes::Mapped(m) = self {
            const PAGE: usize = 4096;
            let lo = start / PAGE * PAGE;
            let hi = start.saturating_add(len).min(m.len());
            if hi <= lo {
                return;
            }
            // SAFETY: the map is a read-only shared file mapping, so MADV_DONTNEED only drops
            // our page-table entries; later reads fault the same bytes back in from the file.
            // No reference into these pages is invalidated (contents cannot change).
            let _ = unsafe {
                m.unchecked_advise_range(memmap2::UncheckedAdvice::DontNeed, lo, hi - lo)
            };
        }
    }
}

/// Open `path` and say whether it starts with the gzip magic; the file is left at offset 0.
fn open_and_sniff(path: &Path) -> Result<(File, bool)> {
    let mut file = File::open(path).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        source: e,
    })?;
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match file.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    file.seek(SeekFrom::Start(0))
        .map_err(|e| Error::read(path, e))?;
    Ok((file, got == 2 && magic == GZIP_MAGIC))
}

/// Open a text file for line reading; gzip (magic `1f 8b`) is decompressed on the fly.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    let (file, gz) = open_and_sniff(path)?;
    if gz {
        Ok(Box::new(BufReader::with_capacity(
            TEXT_BUFFER,
            MultiGzDecoder::new(BufReader::new(file)),
        )))
    } else {
        Ok(Box::new(BufReader::with_capacity(TEXT_BUFFER, file)))
    }
}

/// A text input for the block parsers (`io::text::parse_chunks_par` / `parse_chunks_read`).
pub enum TextInput {
    /// A plain file, memory-mapped.
    Mapped(Bytes),
    /// A gzipped file, decompressed as it is read.
    Stream(Box<dyn BufRead + Send>),
}

/// Open a text file for the block parsers: memory-mapped when plain, a decompressing stream
/// when gzipped (magic `1f 8b`), so that a gzipped file is never decompressed whole.
pub fn open_input(path: &Path) -> Result<TextInput> {
    let (_, gz) = open_and_sniff(path)?;
    if gz {
        open_text(path).map(TextInput::Stream)
    } else {
        read_bytes(path).map(TextInput::Mapped)
    }
}

/// Read a whole binary file: memory-map a plain file, decompress a gzipped one into memory.
pub fn read_bytes(path: &Path) -> Result<Bytes> {
    let (file, gz) = open_and_sniff(path)?;
    if gz {
        let mut v = Vec::new();
        MultiGzDecoder::new(BufReader::new(file))
            .read_to_end(&mut v)
            .map_err(|e| Error::read(path, e))?;
        return Ok(Bytes::Owned(v));
    }
    let len = file.metadata().map_err(|e| Error::read(path, e))?.len();
    if len == 0 {
        return Ok(Bytes::Owned(Vec::new()));
    }
    // SAFETY: the map is read-only. As with every mmap, another process truncating or
    // rewriting the file while we run is undefined behaviour; inputs are not expected to be
    // modified during a run.
    let map = unsafe { memmap2::Mmap::map(&file) }.map_err(|e| Error::read(path, e))?;
    Ok(Bytes::Mapped(map))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn plain_and_gzip_text_read_alike() {
        let dir = tempfile::tempdir().unwrap();
        let plain = dir.path().join("a.txt");
        std::fs::write(&plain, b"line1\nline2\n").unwrap();
        // A gzipped file deliberately named without .gz: detection is by magic bytes.
        let gz = dir.path().join("b.txt");
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(b"line1\nline2\n").unwrap();
        std::fs::write(&gz, enc.finish().unwrap()).unwrap();
        for p in [&plain, &gz] {
            let mut s = String::new();
            open_text(p).unwrap().read_to_string(&mut s).unwrap();
            assert_eq!(s, "line1\nline2\n");
            assert_eq!(&*read_bytes(p).unwrap(), b"line1\nline2\n");
        }
    }

    #[test]
    fn empty_and_missing_files() {
        let dir = tempfile::tempdir().unwrap();
        let empty = dir.path().join("e");
        std::fs::write(&empty, b"").unwrap();
        assert!(read_bytes(&empty).unwrap().is_empty());
        let one = dir.path().join("one");
        std::fs::write(&one, b"\x1f").unwrap();
        assert_eq!(&*read_bytes(&one).unwrap(), b"\x1f");
        let missing = dir.path().join("missing");
        assert!(matches!(open_text(&missing), Err(Error::Open { .. })));
        assert!(matches!(read_bytes(&missing), Err(Error::Open { .. })));
    }

    #[test]
    fn corrupt_gzip_is_a_read_error() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("bad.gz");
        std::fs::write(&p, b"\x1f\x8b\x08\x00garbage").unwrap();
        assert!(matches!(read_bytes(&p), Err(Error::Read { .. })));
    }
}
