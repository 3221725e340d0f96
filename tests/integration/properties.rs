//! Property tests (issue 5): BESD dense ↔ sparse round trips through the writers, allele flips,
//! the χ²-sum p-value, LD matrices, and results that depend neither on the thread count nor on
//! the order probes are listed in the `.epi`.

use fastsmr::harmonise::{align_gwas, match_alleles, AlleleMatch};
use fastsmr::io::besd::writer::{write_dense, write_sparse};
use fastsmr::io::besd::{BesdEntry, BesdFile};
use fastsmr::io::gwas::GwasRecord;
use fastsmr::io::plink::BedFile;
use fastsmr::io::source::Bytes;
use fastsmr::ld::{correlation_matrix, r_with_target, Genotypes, Matrix};
use fastsmr::stats::chisq_sum::pchisqsum;
use proptest::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Command;

// ---- BESD round trips ----------------------------------------------------------------------

/// Probes for `n_snps` SNPs: each stores a subset of SNPs (in ascending order, as SMR writes
/// them) with finite betas and positive ses (never the dense missing code -9).
fn probes_strategy() -> impl Strategy<Value = (usize, Vec<Vec<BesdEntry>>)> {
    (1usize..40).prop_flat_map(|n_snps| {
        let entry_set = proptest::collection::btree_map(
            0..n_snps as u32,
            (-10.0f32..10.0, 0.001f32..5.0),
            0..=n_snps,
        )
        .prop_map(|m| {
            m.into_iter()
                .map(|(snp, (beta, se))| BesdEntry { snp, beta, se })
                .collect::<Vec<_>>()
        });
        (
            Just(n_snps),
            proptest::collection::vec(entry_set, 1..8usize),
        )
    })
}

fn read_all(path: &Path, n_snps: usize, n_probes: usize) -> Vec<Vec<BesdEntry>> {
    let f = BesdFile::open(path, n_snps, n_probes).expect("open");
    let mut out = Vec::new();
    (0..n_probes)
        .map(|p| {
            f.read_probe(p, &mut out).expect("read_probe");
            out.clone()
        })
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn besd_dense_sparse_round_trip((n_snps, probes) in probes_strategy()) {
        let dir = tempfile::tempdir().unwrap();
        let (sparse, dense, again) =
            (dir.path().join("s.besd"), dir.path().join("d.besd"), dir.path().join("s2.besd"));
        write_sparse(&sparse, n_snps, &probes, None).unwrap();
        write_dense(&dense, n_snps, &probes, Some(123)).unwrap();
        let from_sparse = read_all(&sparse, n_snps, probes.len());
        let from_dense = read_all(&dense, n_snps, probes.len());
        prop_assert_eq!(&from_sparse, &probes);
        prop_assert_eq!(&from_dense, &probes);
        // Dense → sparse → read gives the same entries again.
        write_sparse(&again, n_snps, &from_dense, None).unwrap();
        prop_assert_eq!(read_all(&again, n_snps, probes.len()), probes);
    }

    #[test]
    fn sparse_keeps_the_stored_order((n_snps, probes) in probes_strategy()) {
        // Reversed storage order must come back reversed (tie-breaking depends on it).
        let reversed: Vec<Vec<BesdEntry>> =
            probes.iter().map(|p| p.iter().rev().copied().collect()).collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.besd");
        write_sparse(&path, n_snps, &reversed, None).unwrap();
        prop_assert_eq!(read_all(&path, n_snps, probes.len()), reversed);
    }
}

// ---- allele flips --------------------------------------------------------------------------

fn allele() -> impl Strategy<Value = String> {
    prop_oneof![Just("A"), Just("C"), Just("G"), Just("T")].prop_map(str::to_string)
}

proptest! {
    #[test]
    fn flipping_gwas_alleles_twice_is_the_identity(
        b in -5.0f64..5.0, freq in 0.0f64..1.0, se in 0.001f64..1.0, p in 0.0f64..=1.0,
    ) {
        let g = GwasRecord {
            snp: "rs1".into(), a1: "A".into(), a2: "G".into(),
            freq: Some(freq), b: Some(b), se: Some(se), p: Some(p), n: None, chr: None, bp: None,
        };
        let once = align_gwas(g.as_row(), true);
        let g2 = GwasRecord { b: once.b, freq: once.freq, ..g.clone() };
        let twice = align_gwas(g2.as_row(), true);
        prop_assert_eq!(twice.b, g.b);
        prop_assert_eq!((twice.se, twice.p), (g.se, g.p));
        let (f0, f2) = (g.freq.unwrap(), twice.freq.unwrap());
        prop_assert!((f0 - f2).abs() <= f64::EPSILON, "{} -> {}", f0, f2);
        prop_assert_eq!(align_gwas(g.as_row(), false).b, g.b);
    }

    #[test]
    fn swapping_the_allele_pair_swaps_the_match(
        e1 in allele(), e2 in allele(), a1 in allele(), a2 in allele(),
    ) {
        prop_assume!(e1 != e2);
        let m = match_alleles(&e1, &e2, &a1, &a2);
        let swapped = match_alleles(&e1, &e2, &a2, &a1);
        let expect = match m {
            AlleleMatch::Same => AlleleMatch::Swapped,
            AlleleMatch::Swapped => AlleleMatch::Same,
            AlleleMatch::Mismatch => AlleleMatch::Mismatch,
        };
        prop_assert_eq!(swapped, expect);
    }

    #[test]
    fn recoding_genotypes_to_the_other_allele_mirrors_them(
        (n_indiv, packed) in (1usize..40).prop_flat_map(|n| {
            (Just(n), proptest::collection::vec(any::<u8>(), n.div_ceil(4)))
        }),
    ) {
        let mut bytes = vec![0x6c, 0x1b, 0x01];
        bytes.extend(&packed);
        let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("p.bed"), 1, n_indiv).unwrap();
        let keep: Vec<usize> = (0..n_indiv).collect();
        let sexes = vec![2; n_indiv];
        let as_is = Genotypes::new(&bed, &keep, &sexes, vec![(0, false, 1)]);
        let flipped = Genotypes::new(&bed, &keep, &sexes, vec![(0, true, 1)]);
        let (mut s, mut x, mut y) = (Vec::new(), vec![0.0; n_indiv], vec![0.0; n_indiv]);
        as_is.column(0, &mut s, &mut x);
        flipped.column(0, &mut s, &mut y);
        prop_assert!((as_is.mean(0) + flipped.mean(0) - 2.0).abs() < 1e-12
            || (as_is.mean(0) == 0.0 && flipped.mean(0) == 0.0));
        for (a, b) in x.iter().zip(&y) {
            prop_assert!((a + b - 2.0).abs() < 1e-12 || (*a == 0.0 && *b == 0.0));
        }
    }
}

// ---- χ²-sum p-value ------------------------------------------------------------------------

proptest! {
    #[test]
    fn chisq_sum_p_is_a_probability_that_falls_as_the_statistic_grows(
        lambda in proptest::collection::vec(0.01f64..5.0, 1..20),
        xs in proptest::collection::vec(0.0f64..200.0, 2..12),
    ) {
        let mut xs = xs;
        xs.sort_by(f64::total_cmp);
        let ps: Vec<f64> = xs.iter().map(|&x| pchisqsum(x, &lambda)).collect();
        for (&x, &p) in xs.iter().zip(&ps) {
            prop_assert!((0.0..=1.0).contains(&p), "p({}) = {} for {:?}", x, p, lambda);
        }
        for w in xs.iter().zip(&ps).collect::<Vec<_>>().windows(2) {
            let ((x0, p0), (x1, p1)) = (w[0], w[1]);
            // The approximation switches method near the mean; allow that seam 1e-6.
            prop_assert!(p1 <= &(p0 + 1e-6), "p({}) = {} < p({}) = {} for {:?}", x0, p0, x1, p1, lambda);
        }
    }
}

#[test]
fn chisq_sum_with_one_unit_weight_approximates_the_chisq1_tail() {
    // The saddlepoint (with the reference's Abramowitz–Stegun normal tail) overestimates the
    // χ²₁ tail slowly more as x grows (ratio 1.033 at 3.84, 1.063 at 10, 1.19 at 200); at the
    // mean (x = 1) it falls back to Satterthwaite, which is exact for one term.
    let exact = fastsmr::stats::dist::chisq1_tail;
    assert_eq!(pchisqsum(1.0, &[1.0]), exact(1.0));
    for (x, lo, hi) in [
        (0.5, 0.99, 1.0),
        (3.84, 1.03, 1.04),
        (10.0, 1.06, 1.07),
        (200.0, 1.19, 1.2),
    ] {
        let ratio = pchisqsum(x, &[1.0]) / exact(x);
        assert!((lo..=hi).contains(&ratio), "x = {x}: ratio {ratio}");
    }
}

// ---- LD ------------------------------------------------------------------------------------

/// (individuals, SNPs, column-major allele counts).
fn genotype_matrix() -> impl Strategy<Value = (usize, usize, Vec<f64>)> {
    (4usize..60, 2usize..10).prop_flat_map(|(n, m)| {
        proptest::collection::vec(0u8..=2, n * m)
            .prop_map(move |v| (n, m, v.into_iter().map(f64::from).collect()))
    })
}

/// Pearson correlation, two-pass: means first, then centred sums.
fn pearson(a: &[f64], b: &[f64]) -> f64 {
    let n = a.len() as f64;
    let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
    let (mut sab, mut saa, mut sbb) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        sab += (x - ma) * (y - mb);
        saa += (x - ma) * (x - ma);
        sbb += (y - mb) * (y - mb);
    }
    sab / (saa * sbb).sqrt()
}

fn polymorphic(x: &Matrix) -> bool {
    (0..x.m).all(|j| x.col(j).iter().any(|&v| v != x.col(j)[0]))
}

proptest! {
    #[test]
    fn ld_matrix_is_symmetric_with_unit_diagonal((n, m, data) in genotype_matrix()) {
        let x = Matrix { n, m, data };
        prop_assume!(polymorphic(&x));
        let r = correlation_matrix(&x);
        let m = x.m;
        for i in 0..m {
            prop_assert!((r[i * m + i] - 1.0).abs() < 1e-12, "r[{},{}] = {}", i, i, r[i * m + i]);
            for j in 0..m {
                // Against the textbook two-pass Pearson correlation of the two columns (an
                // independent computation; both triangles are checked, not compared).
                let want = pearson(x.col(i), x.col(j));
                prop_assert!((r[i * m + j] - want).abs() < 1e-9, "r[{},{}] = {} vs {}", i, j, r[i * m + j], want);
                prop_assert!(r[i * m + j].abs() <= 1.0 + 1e-12);
            }
        }
        // The one-to-many r (single-precision target terms) agrees with the matrix row.
        let rt = r_with_target(&x, 0);
        for j in 0..m {
            prop_assert!((rt[j] - r[j]).abs() < 1e-5, "{} vs {}", rt[j], r[j]);
        }
    }
}

// ---- thread count and probe order ----------------------------------------------------------

fn tiny() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny-seed1")
}

/// Run on `eqtl_prefix` and return the `.smr` data rows sorted, and the frequency-check list.
fn run_sorted(eqtl_prefix: &Path, threads: usize, out_dir: &Path) -> (Vec<String>, String) {
    let out = out_dir.join(format!("out{threads}"));
    let res = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .arg("--bfile")
        .arg(tiny().join("ref/ref"))
        .arg("--gwas-summary")
        .arg(tiny().join("gwas/trait.ma"))
        .arg("--beqtl-summary")
        .arg(eqtl_prefix)
        .args(["--thread-num", &threads.to_string(), "--out"])
        .arg(&out)
        .output()
        .expect("run fastsmr");
    assert!(
        res.status.success(),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let smr = std::fs::read_to_string(out.with_extension("smr")).expect(".smr");
    let mut rows: Vec<String> = smr.lines().skip(1).map(str::to_string).collect();
    assert!(
        rows.len() > 3,
        "too few rows to say anything: {}",
        rows.len()
    );
    rows.sort();
    let list =
        std::fs::read_to_string(out.with_extension("snp_failed_freq_ck.list")).expect("list");
    (rows, list)
}

/// xorshift64*: a small seeded generator for the permutations.
fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    for i in (1..v.len()).rev() {
        s ^= s >> 12;
        s ^= s << 25;
        s ^= s >> 27;
        let j = (s.wrapping_mul(0x2545_F491_4F6C_DD1D) % (i as u64 + 1)) as usize;
        v.swap(i, j);
    }
}

#[test]
fn results_do_not_depend_on_threads_or_probe_order() {
    let eqtl = tiny().join("eqtl/eqtl");
    let epi_text = std::fs::read_to_string(eqtl.with_extension("epi")).expect("epi");
    let epi_lines: Vec<&str> = epi_text.lines().collect();
    let n_snps = fastsmr::io::esi::read_esi(&eqtl.with_extension("esi"))
        .expect("esi")
        .len();
    let probes = read_all(&eqtl.with_extension("besd"), n_snps, epi_lines.len());

    let dir = tempfile::tempdir().expect("tempdir");
    let (reference, list) = run_sorted(&eqtl, 1, dir.path());
    let (two, list2) = run_sorted(&eqtl, 2, dir.path());
    assert_eq!(two, reference, "2 threads differ from 1");
    assert_eq!(list2, list);

    for seed in 1..=3u64 {
        let mut order: Vec<usize> = (0..epi_lines.len()).collect();
        shuffle(&mut order, seed);
        assert_ne!(order, (0..epi_lines.len()).collect::<Vec<_>>());
        let case = dir.path().join(format!("perm{seed}"));
        std::fs::create_dir(&case).expect("mkdir");
        let prefix = case.join("eqtl");
        std::fs::copy(eqtl.with_extension("esi"), prefix.with_extension("esi")).expect("esi");
        let mut epi: String = order
            .iter()
            .map(|&p| format!("{}\n", epi_lines[p]))
            .collect();
        if seed == 3 {
            epi = epi.replace('\n', "\r\n");
        }
        std::fs::write(prefix.with_extension("epi"), epi).expect("epi");
        let permuted: Vec<Vec<BesdEntry>> = order.iter().map(|&p| probes[p].clone()).collect();
        // One permutation as a dense file: the layout must not matter either.
        if seed == 2 {
            write_dense(&prefix.with_extension("besd"), n_snps, &permuted, None).expect("dense");
        } else {
            write_sparse(&prefix.with_extension("besd"), n_snps, &permuted, None).expect("sparse");
        }
        let threads = 1 + (seed as usize % 2);
        let (rows, l) = run_sorted(&prefix, threads, &case);
        assert_eq!(
            rows, reference,
            "permutation {seed} ({threads} threads) differs"
        );
        assert_eq!(l, list);
    }
}
