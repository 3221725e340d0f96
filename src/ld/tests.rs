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
    // 13 individuals (the last byte half used), 6 SNPs, every code incl. missing.
    let (n, m) = (13usize, 6usize);
    let mut bytes = vec![0x6c, 0x1b, 0x01];
    for j in 0..m {
        for b in 0..n.div_ceil(4) {
            bytes.push(((j * 37 + b * 11) % 256) as u8);
        }
    }
    let bed = BedFile::from_bytes(Bytes::Owned(bytes), Path::new("t.bed"), m, n).unwrap();
    let all: Vec<usize> = (0..n).collect();
    let some: Vec<usize> = vec![0, 2, 3, 7, 12];
    for keep in [&all, &some] {
        let sexes = vec![1; keep.len()];
        let snps = (0..m).map(|k| (k, k % 2 == 1, 1)).collect();
        let g = Genotypes::new(&bed, keep, &sexes, snps);
        let ks = [5, 0, 3, 3, 1];
        let mut scratch = Vec::new();
        let x = g.matrix(&ks, &mut scratch);
        // A dirty buffer first: padding lanes must come back zeroed.
        let mut p = Panels {
            data: vec![f64::NAN; 64 * keep.len()],
            ..Panels::default()
        };
        g.decode_panels(&ks, &mut scratch, &mut p);
        for j in 0..ks.len() {
            for i in 0..keep.len() {
                assert_eq!(p.get(i, j).to_bits(), x.col(j)[i].to_bits());
            }
        }
        assert!(p.data[ks.len() / PANEL * keep.len() * PANEL..]
            .chunks_exact(PANEL)
            .all(|row| row[ks.len() % PANEL..].iter().all(|&v| v == 0.0)));
        let mut sel = Panels::default();
        sel.select_from(&p, &[4, 2]);
        for i in 0..keep.len() {
            assert_eq!(sel.get(i, 0).to_bits(), x.col(4)[i].to_bits());
            assert_eq!(sel.get(i, 1).to_bits(), x.col(2)[i].to_bits());
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
