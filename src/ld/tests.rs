//! Unit tests of the genotype decoding and LD kernels.

use super::*;
use crate::io::plink::BedFile;

fn matrix(cols: &[&[f64]]) -> Matrix {
    let n = cols[0].len();
    Matrix {
        n,
        m: cols.len(),
        data: cols.iter().flat_map(|c| c.iter().copied()).collect(),
    }
}

#[test]
fn correlation_matrix_matches_hand_values() {
    let x = matrix(&[
        &[0.0, 1.0, 2.0, 1.0, 0.0, 2.0],
        &[1.0, 1.0, 2.0, 0.0, 0.0, 2.0],
        &[2.0, 1.0, 0.0, 1.0, 2.0, 0.0],
    ]);
    let r = correlation_matrix(&x);
    // By hand: columns c0 = (0,1,2,1,0,2), c1 = (1,1,2,0,0,2), c2 = 2 - c0. Means 1, 1, 1;
    // centred sums: c0·c0 = 4, c1·c1 = 4, c0·c1 = 3, so r01 = 3/4; c2 = 2 - c0 gives
    // r02 = -1 and r12 = -3/4. Every cell (both triangles) against these values.
    let want = [1.0, 0.75, -1.0, 0.75, 1.0, -0.75, -1.0, -0.75, 1.0];
    for (k, (&got, &w)) in r.iter().zip(&want).enumerate() {
        assert!((got - w).abs() < 1e-12, "r[{k}] = {got}, expected {w}");
    }
}

#[test]
fn blocked_matrix_is_bit_identical_to_naive() {
    // Non-integer values (as mean-imputed genotypes are), sizes not multiples of the block.
    for &(n, m) in &[(7usize, 1usize), (13, 5), (50, 9), (101, 30)] {
        let data: Vec<f64> = (0..n * m)
            .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 3) as f64)
            .collect();
        let x = Matrix { n, m, data };
        let a = correlation_matrix(&x);
        let b = correlation_matrix_naive(&x);
        assert_eq!(
            a.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
    }
}

#[test]
fn panels_hold_the_columns_decoded_one_at_a_time() {
    use crate::io::source::Bytes;
    use std::path::Path;
    // 10 SNPs, every code incl. missing; sample sizes below, at and past the 16 individuals
    // of a 32-bit word of the panel decoder, the last byte partly used.
    let m = 10usize;
    for n in [13usize, 16, 17, 37, 100] {
        let mut bytes = vec![0x6c, 0x1b, 0x01];
        for j in 0..m {
            for b in 0..n.div_ceil(4) {
                bytes.push(((j * 37 + b * 11 + b * b * 5) % 256) as u8);
            }
        }
        let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("t.bed"), m, n).unwrap();
        let all: Vec<usize> = (0..n).collect();
        let some: Vec<usize> = vec![0, 2, 3, 7, 12];
        for keep in [&all, &some] {
            let sexes = vec![1; keep.len()];
            let snps = (0..m).map(|k| (k, k % 2 == 1, 1)).collect();
            let g = Genotypes::new(&bed, keep, &sexes, snps);
            // Two whole panels and a partial one; and three whole panels and a partial one
            // (the fused r takes panels two at a time, then one alone).
            for ks in [
                &[5, 0, 3, 3, 1, 9, 8, 2, 6][..],
                &[5, 0, 3, 3, 1, 9, 8, 2, 6, 4, 7, 0, 1, 8],
            ] {
                let mut scratch = Vec::new();
                let x = g.matrix(ks, &mut scratch);
                // A dirty buffer first: padding lanes must come back zeroed.
                let mut p = Panels {
                    data: vec![f64::NAN; 64 * keep.len()],
                    ..Panels::default()
                };
                g.decode_panels(ks, &mut scratch, &mut p);
                for j in 0..ks.len() {
                    for i in 0..keep.len() {
                        assert_eq!(p.get(i, j).to_bits(), x.col(j)[i].to_bits());
                    }
                }
                let used = ks.len().div_ceil(PANEL) * keep.len() * PANEL;
                assert!(p.data[ks.len() / PANEL * keep.len() * PANEL..used]
                    .chunks_exact(PANEL)
                    .all(|row| row[ks.len() % PANEL..].iter().all(|&v| v == 0.0)));
                // r with a target, fused (decoded and summed at once) or from the stored panels.
                for t in [0, 4, ks.len() - 1] {
                    let (mut sums, mut r) = (Vec::new(), Vec::new());
                    let mut fused = crate::ld::TargetScratch::default();
                    g.r_with_target(ks, t, &mut scratch, &mut fused, &mut sums, &mut r);
                    let (mut xt, mut sums2, mut r2) = (Vec::new(), Vec::new(), Vec::new());
                    r_with_target_panels(&p, t, &mut xt, &mut sums2, &mut r2);
                    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&sums), bits(&sums2), "n {n} t {t}");
                    assert_eq!(bits(&r), bits(&r2), "n {n} t {t}");
                }
                let mut sel = Panels::default();
                // A whole panel (gathered a row at a time) and a partial one.
                let pick = [4, 2, 8, 0, 1, 7];
                sel.select_from(&p, &pick);
                for (j, &c) in pick.iter().enumerate() {
                    for i in 0..keep.len() {
                        assert_eq!(sel.get(i, j).to_bits(), x.col(c)[i].to_bits());
                    }
                }
            }
        }
    }
}

#[test]
fn blocked_r_is_bit_identical_to_naive() {
    for &(n, m) in &[(7usize, 1usize), (13, 5), (50, 9), (101, 30)] {
        let data: Vec<f64> = (0..n * m)
            .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 3) as f64)
            .collect();
        let x = Matrix { n, m, data };
        for t in [0, m / 2, m - 1] {
            let a: Vec<u64> = r_with_target(&x, t).iter().map(|v| v.to_bits()).collect();
            let b: Vec<u64> = r_with_target_naive(&x, t)
                .iter()
                .map(|v| v.to_bits())
                .collect();
            assert_eq!(a, b);
        }
    }
}

#[test]
fn r_with_target_matches_pearson_by_hand() {
    // x = (0,1,2,1), y = (1,1,2,0): n*Σxy - ΣxΣy = 4*5 - 4*4 = 4,
    // n*Σx² - (Σx)² = 4*6 - 16 = 8, n*Σy² - (Σy)² = 4*6 - 16 = 8 -> r = 4/8 = 0.5; with z = (0,1,2,2):
    // n*Σxz - ΣxΣz = 4*7 - 4*5 = 8; n*Σx² - (Σx)² = 4*6-16 = 8; n*Σz²-(Σz)² = 4*9-25 = 11
    // r = 8 / sqrt(8*11) = 0.852802865422442...
    let x = matrix(&[
        &[0.0, 1.0, 2.0, 1.0],
        &[1.0, 1.0, 2.0, 0.0],
        &[0.0, 1.0, 2.0, 2.0],
    ]);
    let r = r_with_target(&x, 0);
    assert!((r[0] - 1.0).abs() < 1e-12);
    assert_eq!(r[1], 0.5);
    assert!((r[2] - 8.0 / (88.0f64).sqrt()).abs() < 1e-12);
}

#[test]
fn column_sums_and_dots_are_the_gram_entries_bit_for_bit() {
    // Non-integer values, sizes not multiples of the panels.
    for &(n, m) in &[(7usize, 1usize), (13, 5), (50, 9), (101, 30)] {
        let data: Vec<f64> = (0..n * m)
            .map(|i| ((i * 7919 % 97) as f64 / 48.5).min(2.0) + 1e-3 * (i % 3) as f64)
            .collect();
        let x = Matrix { n, m, data };
        let p = Panels::from_matrix(&x);
        let g = gram(&x);
        let (mut xt, mut s, mut q, mut d, mut d2) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for t in 0..m {
            sums_with_column(&p, t, &mut xt, &mut s, &mut q, &mut d);
            dots_with_column(&p, t, &mut xt, &mut d2);
            for j in 0..m {
                let naive_sum: f64 = x.col(j).iter().sum();
                assert_eq!(s[j].to_bits(), naive_sum.to_bits(), "sum {j}");
                assert_eq!(q[j].to_bits(), g[j * m + j].to_bits(), "square {j}");
                assert_eq!(d[j].to_bits(), g[t * m + j].to_bits(), "dot {t},{j}");
                assert_eq!(d2[j].to_bits(), d[j].to_bits(), "dots only {t},{j}");
            }
        }
    }
}

#[test]
fn exact_count_columns_give_the_decoded_columns_numbers_bit_for_bit() {
    use crate::io::source::Bytes;
    use std::path::Path;
    // 150 individuals (three 64-bit words, the last partial, the last byte half used), 12
    // SNPs without a missing genotype and one with; both orientations.
    let (n, m) = (150usize, 13usize);
    let per = n.div_ceil(4);
    let mut bytes = vec![0x6c, 0x1b, 0x01];
    let mut state = 0x2545_F491_4F6C_DD1Du64;
    for j in 0..m {
        for b in 0..per {
            let mut byte = 0u8;
            for g in 0..4 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                // Codes 0, 2, 3 (no missing), skewed per SNP so frequencies differ.
                let code = [0u8, 0, 2, 3, 3, 2][(state % (2 + (j as u64 % 5))) as usize];
                let code = if j == 7 && b == 3 && g == 1 { 1 } else { code };
                byte |= code << (2 * g);
            }
            bytes.push(byte);
        }
    }
    let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("t.bed"), m, n).unwrap();
    let keep: Vec<usize> = (0..n).collect();
    let sexes = vec![1; n];
    let snps: Vec<(usize, bool, crate::types::Chrom)> =
        (0..m).map(|k| (k, k % 3 == 1, 1)).collect();
    let g = Genotypes::new(&bed, &keep, &sexes, snps.clone());
    // The run's constructor flags the same columns as complete.
    let counts = AlleleCounts::new(&bed, &keep);
    let gc = Genotypes::with_counts(&bed, &keep, &sexes, snps, &counts);
    let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    let mut scratch = Vec::new();
    for (ks, exact) in [
        (vec![5usize, 0, 3, 3, 1, 12, 9, 10, 2, 4, 6], true),
        (vec![2, 7, 4], false),
    ] {
        let mut p = Panels::default();
        gc.decode_panels(&ks, &mut scratch, &mut p);
        assert_eq!(p.is_exact(), exact, "{ks:?}");
        g.decode_panels(&ks, &mut scratch, &mut p);
        assert_eq!(p.is_exact(), exact, "{ks:?}");
        let f = Panels::from_matrix(&g.matrix(&ks, &mut scratch));
        assert!(!f.is_exact());
        for j in 0..ks.len() {
            for i in 0..n {
                assert_eq!(p.get(i, j).to_bits(), f.get(i, j).to_bits());
            }
        }
        let (mut xt, mut s, mut q, mut d, mut r) = (vec![], vec![], vec![], vec![], vec![]);
        let (mut xt2, mut s2, mut q2, mut d2, mut r2) = (vec![], vec![], vec![], vec![], vec![]);
        for t in [0, ks.len() - 1] {
            r_with_target_panels(&p, t, &mut xt, &mut s, &mut r);
            r_with_target_panels(&f, t, &mut xt2, &mut s2, &mut r2);
            assert_eq!((bits(&s), bits(&r)), (bits(&s2), bits(&r2)));
            sums_with_column(&p, t, &mut xt, &mut s, &mut q, &mut d);
            sums_with_column(&f, t, &mut xt2, &mut s2, &mut q2, &mut d2);
            assert_eq!(
                (bits(&s), bits(&q), bits(&d)),
                (bits(&s2), bits(&q2), bits(&d2))
            );
            dots_with_column(&p, t, &mut xt, &mut d);
            assert_eq!(bits(&d), bits(&d2));
        }
        let (mut c, mut c2) = (vec![], vec![]);
        correlation_into(&p, &s, &mut c);
        correlation_into(&f, &s2, &mut c2);
        assert_eq!(bits(&c), bits(&c2));
        // A selection keeps the representation and the numbers.
        let (mut ps, mut fs) = (Panels::default(), Panels::default());
        ps.select_from(&p, &[2, 0]);
        fs.select_from(&f, &[2, 0]);
        assert_eq!(ps.is_exact(), exact);
        let (mut g1, mut g2) = (vec![], vec![]);
        gram_into(&ps, &mut g1);
        gram_into(&fs, &mut g2);
        assert_eq!(bits(&g1), bits(&g2));
    }
}
