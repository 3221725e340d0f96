//! `.bed` decoder: `BedFile::from_bytes` then `decode_counts` for every SNP.
//!
//! Input: byte 0 = SNP count, byte 1 = individual count, the rest is the `.bed` file.
#![no_main]

use fastsmr::io::plink::bed::{decode_all_mapped, decode_counts};
use fastsmr::io::plink::BedFile;
use fastsmr::io::source::Bytes;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if data.len() < 2 {
        return;
    }
    let (n_snps, n_indiv) = (usize::from(data[0]), usize::from(data[1]));
    let file = data[2..].to_vec();
    let Ok(bed) = BedFile::from_bytes(Bytes::Owned(file), Path::new("fuzz.bed"), n_snps, n_indiv)
    else {
        return;
    };
    let all: Vec<usize> = (0..n_indiv).collect();
    let reversed: Vec<usize> = all.iter().rev().copied().collect();
    let mut out = Vec::new();
    let mut f = Vec::new();
    for s in 0..bed.n_snps() {
        decode_counts(bed.snp_bytes(s), &all, &mut out);
        assert_eq!(out.len(), n_indiv);
        assert!(out.iter().all(|c| c.is_none_or(|c| c <= 2)));
        decode_counts(bed.snp_bytes(s), &reversed, &mut out);
        decode_all_mapped(
            bed.snp_bytes(s),
            n_indiv,
            &[2.0, f64::NAN, 1.0, 0.0],
            &mut f,
        );
        assert_eq!(f.len(), n_indiv);
    }
});
