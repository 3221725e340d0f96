//! Kernel benchmarks on seeded synthetic inputs (issue 4). Each bench checks its result
//! against a value fixed when the kernel was known to be right, so a fast wrong answer fails.
//!
//! `cargo bench --bench kernels` (criterion; results in `target/criterion`).

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use fastsmr::io::besd::writer::write_sparse;
use fastsmr::io::besd::{BesdEntry, BesdFile};
use fastsmr::io::plink::BedFile;
use fastsmr::io::source::Bytes;
use fastsmr::ld::{correlation_matrix, r_with_target, Genotypes};
use fastsmr::stats::chisq_sum::pchisqsum;
use fastsmr::stats::heidi::{heidi_new, HeidiOutcome, HeidiParams, HeidiSnp};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::path::Path;

const N_INDIV: usize = 500;

/// A `.bed` image with LD: each SNP copies the previous one's haplotypes with probability 0.9
/// per individual, else draws fresh alleles; 0.5% missing.
fn bed_image(n_snps: usize, seed: u64) -> BedFile {
    let mut r = ChaCha8Rng::seed_from_u64(seed);
    let per = N_INDIV.div_ceil(4);
    let mut v = vec![0x6c, 0x1b, 0x01];
    let mut hap = vec![[false; 2]; N_INDIV];
    for _ in 0..n_snps {
        let q: f64 = r.gen_range(0.05..0.95);
        let mut row = vec![0u8; per];
        for (i, h) in hap.iter_mut().enumerate() {
            for a in h.iter_mut() {
                if r.gen::<f64>() > 0.9 {
                    *a = r.gen::<f64>() < q;
                }
            }
            let code: u8 = if r.gen::<f64>() < 0.005 {
                1
            } else {
                match h[0] as u8 + h[1] as u8 {
                    2 => 0,
                    1 => 2,
                    _ => 3,
                }
            };
            row[i / 4] |= code << (2 * (i % 4));
        }
        v.extend_from_slice(&row);
    }
    BedFile::from_bytes(Bytes::Owned(v), Path::new("bench.bed"), n_snps, N_INDIV).unwrap()
}

fn genotypes<'a>(bed: &'a BedFile, keep: &'a [usize], sexes: &[i32]) -> Genotypes<'a> {
    let cols = (0..bed.n_snps()).map(|k| (k, k % 3 == 0, 1)).collect();
    Genotypes::new(bed, keep, sexes, cols)
}

fn bench_besd(c: &mut Criterion) {
    let mut r = ChaCha8Rng::seed_from_u64(11);
    let (n_snps, n_probes, per_probe) = (200_000usize, 40usize, 6_000usize);
    let probes: Vec<Vec<BesdEntry>> = (0..n_probes)
        .map(|p| {
            let start = p * 4_000;
            (0..per_probe)
                .map(|k| BesdEntry {
                    snp: (start + k) as u32,
                    beta: r.gen_range(-0.5f32..0.5),
                    se: r.gen_range(0.01f32..0.05),
                })
                .collect()
        })
        .collect();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("b.besd");
    write_sparse(&path, n_snps, &probes, None).unwrap();
    let besd = BesdFile::open(&path, n_snps, n_probes).unwrap();
    let expected: f64 = probes
        .iter()
        .flatten()
        .map(|e| f64::from(e.beta) + f64::from(e.se))
        .sum();
    let mut out = Vec::new();
    c.bench_function("besd_decode_40_probes_x_6000", |b| {
        b.iter(|| {
            let mut s = 0.0f64;
            for p in 0..n_probes {
                besd.read_probe(p, &mut out).unwrap();
                s += out
                    .iter()
                    .map(|e| f64::from(e.beta) + f64::from(e.se))
                    .sum::<f64>();
            }
            assert_eq!(s, expected);
            black_box(s)
        })
    });
}

fn bench_genotypes(c: &mut Criterion) {
    let bed = bed_image(2_000, 3);
    let keep: Vec<usize> = (0..N_INDIV).collect();
    let sexes = vec![1; N_INDIV];
    let g = genotypes(&bed, &keep, &sexes);
    let expected_mean_sum: f64 = (0..bed.n_snps()).map(|k| g.mean(k)).sum();
    c.bench_function("genotype_means_2000_snps", |b| {
        b.iter(|| {
            let g = genotypes(&bed, &keep, &sexes);
            let s: f64 = (0..bed.n_snps()).map(|k| g.mean(k)).sum();
            assert_eq!(s, expected_mean_sum);
            black_box(s)
        })
    });
    let ks: Vec<usize> = (0..400).collect();
    let x = g.matrix(&ks, &mut Vec::new());
    let expected: f64 = x.data.iter().sum();
    c.bench_function("allele_counts_2000_snps", |b| {
        b.iter(|| {
            let counts = fastsmr::ld::AlleleCounts::new(&bed, &keep);
            let g = Genotypes::with_counts(
                &bed,
                &keep,
                &sexes,
                (0..bed.n_snps()).map(|k| (k, k % 3 == 0, 1)),
                &counts,
            );
            let s: f64 = (0..bed.n_snps()).map(|k| g.mean(k)).sum();
            assert_eq!(s, expected_mean_sum);
            black_box(s)
        })
    });
    c.bench_function("genotype_decode_400_columns", |b| {
        let mut scratch = Vec::new();
        b.iter(|| {
            let x = g.matrix(&ks, &mut scratch);
            assert_eq!(x.data.iter().sum::<f64>(), expected);
            black_box(x.m)
        })
    });
}

fn bench_ld(c: &mut Criterion) {
    let bed = bed_image(300, 5);
    let keep: Vec<usize> = (0..N_INDIV).collect();
    let sexes = vec![1; N_INDIV];
    let g = genotypes(&bed, &keep, &sexes);
    let ks: Vec<usize> = (0..300).collect();
    let x = g.matrix(&ks, &mut Vec::new());
    let reference = fastsmr::ld::correlation_matrix_naive(&x);
    let r_ref = r_with_target(&x, 150);
    c.bench_function("ld_r_with_target_300", |b| {
        b.iter(|| {
            let r = r_with_target(&x, 150);
            assert_eq!(r, r_ref);
            black_box(r)
        })
    });
    c.bench_function("ld_r_with_target_naive_300", |b| {
        b.iter(|| {
            let r = fastsmr::ld::r_with_target_naive(&x, 150);
            assert_eq!(r, r_ref);
            black_box(r)
        })
    });
    c.bench_function("ld_correlation_matrix_naive_300", |b| {
        b.iter(|| {
            let m = fastsmr::ld::correlation_matrix_naive(&x);
            assert_eq!(m, reference);
            black_box(m)
        })
    });
    c.bench_function("ld_correlation_matrix_300", |b| {
        b.iter(|| {
            let m = correlation_matrix(&x);
            assert_eq!(m, reference);
            black_box(m)
        })
    });
}

fn bench_chisq_sum(c: &mut Criterion) {
    let mut r = ChaCha8Rng::seed_from_u64(7);
    let lambda: Vec<f64> = (0..19).map(|_| r.gen_range(0.05..3.0)).collect();
    let t: f64 = lambda.iter().sum::<f64>() * 2.5;
    let expected = pchisqsum(t, &lambda);
    assert!(expected > 0.0 && expected < 0.1, "{expected}");
    c.bench_function("pchisqsum_19_eigenvalues", |b| {
        b.iter(|| {
            let p = pchisqsum(black_box(t), black_box(&lambda));
            assert_eq!(p, expected);
            p
        })
    });
}

fn bench_probe(c: &mut Criterion) {
    // One probe's HEIDI (method 1): 400 cis SNPs in LD, a causal signal at SNP 200.
    let bed = bed_image(400, 9);
    let keep: Vec<usize> = (0..N_INDIV).collect();
    let sexes = vec![1; N_INDIV];
    let g = genotypes(&bed, &keep, &sexes);
    let ks: Vec<usize> = (0..400).collect();
    let x = g.matrix(&ks, &mut Vec::new());
    let r = r_with_target(&x, 200);
    let mut rng = ChaCha8Rng::seed_from_u64(13);
    let snps: Vec<HeidiSnp> = (0..400)
        .map(|k| {
            let z = 25.0 * r[k] + rng.gen_range(-1.0..1.0);
            let sx = 0.01;
            let zy = 8.0 * r[k] + rng.gen_range(-1.0..1.0);
            HeidiSnp {
                k,
                by: zy * 0.002,
                sy: 0.002,
                bx: z * sx,
                z,
            }
        })
        .collect();
    let prm = HeidiParams {
        threshold: 10.000002657761797,
        min_m: 3,
        max_m: 20,
        ld_upper: 0.9,
        ld_lower: 0.05,
    };
    // Fixed when the kernels were verified against the golden tests (naive dot products).
    let expected = HeidiOutcome::Tested {
        p: 0.13079392398150363,
        nsnp: 20,
    };
    assert_eq!(heidi_new(&snps, &g, &prm, None), expected);
    c.bench_function("heidi_probe_400_cis_snps", |b| {
        b.iter(|| {
            let o = heidi_new(&snps, &g, &prm, None);
            assert_eq!(o, expected);
            black_box(o)
        })
    });
}

criterion_group!(
    benches,
    bench_besd,
    bench_genotypes,
    bench_ld,
    bench_chisq_sum,
    bench_probe
);
criterion_main!(benches);
