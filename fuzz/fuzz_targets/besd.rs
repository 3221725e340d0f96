//! BESD decoder: `BesdFile::from_bytes` then `read_probe` over every probe.
//!
//! Input: bytes 0..2 = SNP count (u16 LE, mod 4096), byte 2 = probe count, the rest is the
//! `.besd` file. When the file has an extended header, its own counts are tried as well (so
//! the fuzzer reaches the decoding stage without having to guess them).
#![no_main]

use fastsmr::io::besd::header::decode_header;
use fastsmr::io::besd::{BesdEntry, BesdFile};
use fastsmr::io::source::Bytes;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fn exercise(file: &[u8], n_snps: usize, n_probes: usize) {
    let path = Path::new("fuzz.besd");
    if let Ok(besd) = BesdFile::from_bytes(Bytes::Owned(file.to_vec()), path, n_snps, n_probes) {
        let mut out: Vec<BesdEntry> = Vec::new();
        for p in 0..besd.n_probes() {
            if besd.read_probe(p, &mut out).is_ok() {
                assert!(out.iter().all(|e| (e.snp as usize) < n_snps));
            }
        }
        // Out-of-range probe: an error, never a panic.
        assert!(besd.read_probe(n_probes, &mut out).is_err());
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let n_snps = usize::from(u16::from_le_bytes([data[0], data[1]])) % 4096;
    let n_probes = usize::from(data[2]);
    let file = &data[3..];
    exercise(file, n_snps, n_probes);
    if let Ok(h) = decode_header(file, Path::new("fuzz.besd")) {
        if let (Some(s), Some(p)) = (h.n_snps, h.n_probes) {
            let (s, p) = (s as usize, p as usize);
            if s <= 1 << 16 && p <= 1 << 12 {
                exercise(file, s, p);
            }
        }
    }
});
