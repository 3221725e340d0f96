//! The fast content hash of the manifest (data-spec/manifest.md §3): XXH3-64 of the whole file
//! up to [`FULL_LIMIT`] bytes; beyond, of the size, the first and last MiB and
//! [`SAMPLES`] blocks of 64 KiB spread evenly between them — a few MB read whatever the file's
//! size, enough to tell a re-simulated, re-sorted, truncated or appended file from the one
//! a shard read.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use xxhash_rust::xxh3::Xxh3;

/// Files up to this size are hashed whole.
pub const FULL_LIMIT: u64 = 64 << 20;
/// Head and tail read by the sampled hash.
pub const EDGE: u64 = 1 << 20;
/// Sampled blocks between head and tail.
pub const SAMPLES: u64 = 64;
/// Size of a sampled block.
pub const BLOCK: u64 = 64 << 10;

/// A file's content hash and how it was taken.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct FileHash {
    /// `xxh3-64-full` or `xxh3-64-sampled`.
    pub method: String,
    /// The 64-bit hash, 16 hex digits.
    pub value: String,
}

/// Hash `path` (see the module doc).
pub fn hash_file(path: &Path) -> Result<FileHash> {
    let wrap = |source| Error::Read {
        path: path.to_path_buf(),
        source,
    };
    let mut f = File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    let size = f.metadata().map_err(wrap)?.len();
    let mut h = Xxh3::new();
    h.update(&size.to_le_bytes());
    let mut buf = vec![0u8; 1 << 20];
    let method = if size <= FULL_LIMIT {
        loop {
            let n = f.read(&mut buf).map_err(wrap)?;
            if n == 0 {
                break;
            }
            h.update(&buf[..n]);
        }
        "xxh3-64-full"
    } else {
        let mut take = |off: u64, len: u64, h: &mut Xxh3| -> Result<()> {
            f.seek(SeekFrom::Start(off)).map_err(wrap)?;
            let b = &mut buf[..len as usize];
            f.read_exact(b).map_err(wrap)?;
            h.update(b);
            Ok(())
        };
        take(0, EDGE, &mut h)?;
        let span = size - 2 * EDGE - BLOCK;
        for i in 0..SAMPLES {
            take(EDGE + span * i / (SAMPLES - 1), BLOCK, &mut h)?;
        }
        take(size - EDGE, EDGE, &mut h)?;
        "xxh3-64-sampled"
    };
    Ok(FileHash {
        method: method.to_string(),
        value: format!("{:016x}", h.digest()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn full_hash_is_xxh3_of_size_then_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a");
        std::fs::write(&p, b"hello").unwrap();
        let mut expect = Xxh3::new();
        expect.update(&5u64.to_le_bytes());
        expect.update(b"hello");
        let h = hash_file(&p).unwrap();
        assert_eq!(h.method, "xxh3-64-full");
        assert_eq!(h.value, format!("{:016x}", expect.digest()));
    }

    #[test]
    fn sampled_hash_sees_head_tail_and_samples_not_the_gaps() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("big");
        let size = FULL_LIMIT + 12345;
        let mut f = File::create(&p).unwrap();
        f.write_all(&vec![7u8; size as usize]).unwrap();
        drop(f);
        let base = hash_file(&p).unwrap();
        assert_eq!(base.method, "xxh3-64-sampled");
        let poke = |off: u64| {
            let mut bytes = std::fs::read(&p).unwrap();
            bytes[off as usize] = 8;
            let q = dir.path().join("poked");
            std::fs::write(&q, &bytes).unwrap();
            hash_file(&q).unwrap()
        };
        // Head, tail and the first sampled block change the hash.
        assert_ne!(poke(10), base);
        assert_ne!(poke(size - 1), base);
        assert_ne!(poke(EDGE), base);
        // A byte between two sampled blocks does not (the documented trade-off).
        let span = size - 2 * EDGE - BLOCK;
        assert_eq!(poke(EDGE + span / (SAMPLES - 1) / 2 + BLOCK), base);
    }
}
