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

/// An opened input: a regular file (seekable, can be memory-mapped) or anything else (a pipe,
/// a FIFO, process substitution `<(zcat ...)`, a character device), which is only ever read
/// front to back: no seek, no map (data-spec/text.md "Compressed inputs").
enum Opened {
    /// A regular file at offset 0, and whether it starts with the gzip magic.
    Regular(File, bool),
    /// A stream with its first bytes already read (put back in front), and whether they are
    /// the gzip magic.
    Stream(Box<dyn Read + Send>, bool),
}

/// True when `path` is something to read (a regular file, a FIFO, a device, ...), not a
/// directory: what "the file exists" means for an input given by name.
pub fn is_input_file(path: &Path) -> bool {
    std::fs::metadata(path).is_ok_and(|m| !m.is_dir())
}

/// Read up to 2 bytes (fewer only at end of input).
fn read_magic(r: &mut impl Read, path: &Path) -> Result<([u8; 2], usize)> {
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match r.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    Ok((magic, got))
}

/// Open `path` and say whether it starts with the gzip magic.
fn open_sniffed(path: &Path) -> Result<Opened> {
    let mut file = File::open(path).map_err(|e| Error::Open {
        path: path.to_path_buf(),
        source: e,
    })?;
    let regular = file.metadata().map_err(|e| Error::read(path, e))?.is_file();
    let (magic, got) = read_magic(&mut file, path)?;
    let gz = got == 2 && magic == GZIP_MAGIC;
    if regular {
        file.seek(SeekFrom::Start(0))
            .map_err(|e| Error::read(path, e))?;
        Ok(Opened::Regular(file, gz))
    } else {
        let head = std::io::Cursor::new(magic[..got].to_vec());
        Ok(Opened::Stream(Box::new(head.chain(file)), gz))
    }
}

/// A reader of the (decompressed) text of an opened input.
fn text_reader(r: Box<dyn Read + Send>, gz: bool) -> Box<dyn BufRead + Send> {
    if gz {
        Box::new(BufReader::with_capacity(
            TEXT_BUFFER,
            MultiGzDecoder::new(BufReader::new(r)),
        ))
    } else {
        Box::new(BufReader::with_capacity(TEXT_BUFFER, r))
    }
}

/// Open a text file for line reading; gzip (magic `1f 8b`) is decompressed on the fly. Pipes
/// and FIFOs are read as streams.
pub fn open_text(path: &Path) -> Result<Box<dyn BufRead + Send>> {
    Ok(match open_sniffed(path)? {
        Opened::Regular(file, gz) => text_reader(Box::new(file), gz),
        Opened::Stream(r, gz) => text_reader(r, gz),
    })
}

/// A text input for the block parsers (`io::text::parse_chunks_par` / `parse_chunks_read`).
pub enum TextInput {
    /// A plain file, memory-mapped.
    Mapped(Bytes),
    /// A gzipped file, a pipe or a FIFO, decompressed (when gzipped) as it is read.
    Stream(Box<dyn BufRead + Send>),
}

/// Open a text file for the block parsers: memory-mapped when a plain regular file, a
/// (decompressing) stream when gzipped (magic `1f 8b`) or not a regular file (a pipe, a
/// FIFO), so that a gzipped file is never decompressed whole and a pipe is never sought.
pub fn open_input(path: &Path) -> Result<TextInput> {
    Ok(match open_sniffed(path)? {
        Opened::Regular(file, false) => TextInput::Mapped(map_file(file, path)?),
        Opened::Regular(file, true) => TextInput::Stream(text_reader(Box::new(file), true)),
        Opened::Stream(r, gz) => TextInput::Stream(text_reader(r, gz)),
    })
}

/// Read a whole binary file: memory-map a plain regular file, decompress a gzipped one into
/// memory (growing as the data arrive), read a pipe or FIFO to its end.
pub fn read_bytes(path: &Path) -> Result<Bytes> {
    let mut v = Vec::new();
    match open_sniffed(path)? {
        Opened::Regular(file, false) => return map_file(file, path),
        Opened::Regular(file, true) => MultiGzDecoder::new(BufReader::new(file))
            .read_to_end(&mut v)
            .map(drop),
        Opened::Stream(r, true) => MultiGzDecoder::new(BufReader::new(r))
            .read_to_end(&mut v)
            .map(drop),
        Opened::Stream(mut r, false) => r.read_to_end(&mut v).map(drop),
    }
    .map_err(|e| Error::read(path, e))?;
    Ok(Bytes::Owned(v))
}

/// Memory-map a plain regular file (an empty one is empty owned bytes: a map cannot be empty).
fn map_file(file: File, path: &Path) -> Result<Bytes> {
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
