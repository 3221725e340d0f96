//! Streamed BESD decoder (gzipped `.besd`, tarball members): `read_filtered` on the bytes as a
//! forward-only stream, gunzipped first when they start with the gzip magic (as
//! `eqtl_source::maybe_gunzip` does), keeping every other probe and SNP.
//!
//! Input: bytes 0..2 = SNP count (u16 LE, mod 4096), byte 2 = probe count, the rest is the
//! stream. A header that claims more values than the stream holds must end in an error, never
//! in an allocation of the claimed size (issue 10).
#![no_main]

use fastsmr::io::besd::stream::{read_filtered, Keep};
use fastsmr::io::eqtl_source::maybe_gunzip;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let n_snps = usize::from(u16::from_le_bytes([data[0], data[1]])) % 4096;
    let n_probes = usize::from(data[2]);
    let probes: Vec<bool> = (0..n_probes).map(|p| p % 2 == 0).collect();
    let snps: Vec<bool> = (0..n_snps).map(|i| i % 3 != 1).collect();
    let keep = Keep {
        probes: &probes,
        snps: &snps,
    };
    let Ok(stream) = maybe_gunzip(&data[3..]) else {
        return;
    };
    if let Ok(besd) = read_filtered(stream, Path::new("fuzz.besd"), n_snps, n_probes, keep) {
        let mut out = Vec::new();
        for p in 0..besd.n_probes() {
            if besd.read_probe(p, &mut out).is_ok() {
                assert!(out.iter().all(|e| (e.snp as usize) < n_snps && snps[e.snp as usize]));
                assert!(probes[p] || out.is_empty());
            }
        }
    }
});
