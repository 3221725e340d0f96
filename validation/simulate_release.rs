//! A simulated eQTLGen full cis-eQTL text release of any size, with its allele-frequency file,
//! for the release-conversion benchmark (benches/RESULTS.md "Text releases").
//!
//! ```text
//! cargo run --release --example simulate_release -- --out DIR/prefix [--probes 16000]
//!     [--window 2100] [--snps 3000000] [--seed 1]
//! ```
//!
//! Writes `<prefix>.txt` (the 15-column eQTLGen layout, data-spec/releases-eqtlgen.md §1) and
//! `<prefix>.af.txt` (the AF file, data-spec/eqtlgen-freq.md). SNPs are spread over 22
//! chromosomes, 1 kb apart; probe `p` tests the `--window` consecutive SNPs around its
//! position, so neighbouring probes share SNPs as eQTLGen's do. Rows come in a pseudo-random
//! order over all (probe, SNP) pairs (an affine permutation), as the real file's p-value order
//! interleaves probes and SNPs; nothing is held in memory. z ~ a hash-derived normal-ish value,
//! N varies per row, and the AF file states AlleleB as the assessed allele for half the SNPs.

use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};

/// SplitMix64: a reproducible hash of an index.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

const BASES: [&str; 4] = ["A", "C", "G", "T"];

struct Snp {
    chr: u32,
    bp: u64,
    a1: &'static str,
    a2: &'static str,
    freq: f64,
}

fn snp(i: u64, n_snps: u64, seed: u64) -> Snp {
    let per_chr = n_snps.div_ceil(22);
    let h = mix(i ^ seed);
    let a = (h & 3) as usize;
    let b = (a + 1 + ((h >> 2) % 3) as usize) % 4;
    Snp {
        chr: (i / per_chr) as u32 + 1,
        bp: 10_000 + (i % per_chr) * 1000 + (h >> 8) % 900,
        a1: BASES[a],
        a2: BASES[b],
        freq: 0.01 + 0.98 * unit(mix(h)),
    }
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str, default: &str| -> String {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1).cloned())
            .unwrap_or_else(|| default.to_string())
    };
    let out = get("--out", "release");
    let n_probes: u64 = get("--probes", "16000").parse().expect("--probes");
    let window: u64 = get("--window", "2100").parse().expect("--window");
    let n_snps: u64 = get("--snps", "3000000").parse().expect("--snps");
    let seed: u64 = get("--seed", "1").parse().expect("--seed");
    assert!(window <= n_snps, "--window exceeds --snps");
    let total = n_probes * window;
    // An affine permutation of 0..total: multiplier coprime with total.
    let mut mult = (total as f64 * 0.618_033_988_75) as u64 | 1;
    while gcd(mult, total) != 1 {
        mult += 2;
    }
    let mut w = BufWriter::with_capacity(1 << 20, File::create(format!("{out}.txt"))?);
    writeln!(w, "Pvalue\tSNP\tSNPChr\tSNPPos\tAssessedAllele\tOtherAllele\tZscore\tGene\tGeneSymbol\tGeneChr\tGenePos\tNrCohorts\tNrSamples\tFDR\tBonferroniP")?;
    let mut line = String::with_capacity(256);
    for k in 0..total {
        let i = ((k as u128 * mult as u128 + 12_345) % total as u128) as u64;
        let (p, j) = (i / window, i % window);
        let start = p * (n_snps - window) / n_probes.max(1);
        let s_idx = start + j;
        let s = snp(s_idx, n_snps, seed);
        let centre = snp(start + window / 2, n_snps, seed);
        let h = mix(i ^ (seed << 32));
        // Sum of 4 uniforms, centred and scaled: roughly normal, heavier near 0.
        let z = (unit(h) + unit(mix(h)) + unit(mix(h ^ 1)) + unit(mix(h ^ 2)) - 2.0) * 6.0;
        let pval = (-z * z / 2.0).exp() * 0.8;
        let n = 15_000 + (h >> 40) % 16_000;
        line.clear();
        let _ = writeln!(
            line,
            "{pval:.4E}\trs{}\t{}\t{}\t{}\t{}\t{z:.4}\tENSG{:011}\tGENE{p}\t{}\t{}\t{}\t{n}\t0.0\t{:.4E}",
            100_000 + s_idx * 7,
            s.chr,
            s.bp,
            s.a1,
            s.a2,
            p,
            centre.chr,
            centre.bp + 500,
            1 + (h >> 50) % 37,
            (pval * 1e7).min(1.0)
        );
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    let mut w = BufWriter::with_capacity(1 << 20, File::create(format!("{out}.af.txt"))?);
    writeln!(
        w,
        "SNP\thg19_chr\thg19_pos\tAlleleA\tAlleleB\tallA_total\tallAB_total\tallB_total\tAlleleB_all"
    )?;
    for i in 0..n_snps {
        let s = snp(i, n_snps, seed);
        let (a, b, fb) = if i % 2 == 0 {
            (s.a2, s.a1, s.freq)
        } else {
            (s.a1, s.a2, 1.0 - s.freq)
        };
        line.clear();
        let _ = writeln!(
            line,
            "rs{}\t{}\t{}\t{a}\t{b}\t100\t200\t300\t{fb:.4}",
            100_000 + i * 7,
            s.chr,
            s.bp
        );
        w.write_all(line.as_bytes())?;
    }
    w.flush()?;
    eprintln!("{total} rows, {n_probes} probes, {n_snps} SNPs written to {out}.txt / {out}.af.txt");
    Ok(())
}

fn gcd(a: u64, b: u64) -> u64 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}
