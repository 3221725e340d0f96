//! `--sample-overlap` (reference algorithm-2 §22, algorithm §6 and §7.3) on tiny-seed1 with a
//! GWAS written here whose null z are correlated with the eQTL z (θ ≈ 0.4), so that the
//! correction is large enough to see. Checked against a calculation in this file: per probe,
//! the cis SNPs, θ (Pearson correlation of the null z pairs), the top SNP and the SMR test of
//! the reference's formula; the columns that do not depend on θ equal the plain run's.

use crate::support::{ok, table, tiny as fixture};
use fastsmr::io::besd::BesdFile;
use fastsmr::io::epi::read_epi;
use fastsmr::io::esi::read_esi;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ext(prefix: &Path, e: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(e);
    PathBuf::from(s)
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fastsmr-overlap-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn run(ma: &Path, out: &Path, extra: &[&str]) -> Output {
    let f = fixture();
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", ma.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap(), "--disable-freq-ck"])
        .args(extra)
        .output()
        .expect("run fastsmr")
}

/// A deterministic value in [-1, 1].
fn wobble(i: usize) -> f64 {
    ((i as f64) * 12.9898).sin() * 0.5 + ((i as f64) * 4.1414).cos() * 0.5
}

/// The GWAS of this file: per SNP of the LD reference whose alleles are the `.esi`'s, by =
/// (0.4·z_x + 0.9·wobble)·sy with z_x the SNP's value in the first probe storing it (GWAS
/// values 0 elsewhere: z 0.9·wobble), sy = 0.02, alleles as the `.esi`. Returns the `.ma`
/// path and the GWAS (by, sy) per `.esi` row.
fn make_gwas(dir: &Path) -> (PathBuf, HashMap<usize, (f64, f64)>) {
    let pre = fixture().join("eqtl/eqtl");
    let esi = read_esi(&ext(&pre, "esi")).unwrap();
    let epi = read_epi(&ext(&pre, "epi")).unwrap();
    let besd = BesdFile::open(&ext(&pre, "besd"), esi.len(), epi.len()).unwrap();
    let bim = std::fs::read_to_string(fixture().join("ref/ref.bim")).unwrap();
    let bim: HashMap<String, (String, String)> = bim
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[1].to_string(), (f[4].to_string(), f[5].to_string()))
        })
        .collect();
    let mut zx = vec![None; esi.len()];
    let mut buf = Vec::new();
    for p in 0..epi.len() {
        besd.read_probe(p, &mut buf).unwrap();
        for e in &buf {
            let i = e.snp as usize;
            zx[i].get_or_insert(f64::from(e.beta) / f64::from(e.se));
        }
    }
    let mut ma = String::from("SNP\tA1\tA2\tfreq\tb\tse\tp\tn\n");
    let mut gwas = HashMap::new();
    for (i, r) in esi.rows().enumerate() {
        let same = |(a, b): &(String, String)| (a == r.a1 && b == r.a2) || (a == r.a2 && b == r.a1);
        if !bim.get(r.snp).is_some_and(same) {
            continue;
        }
        let sy = 0.02;
        let by = (0.4 * zx[i].unwrap_or(0.0) + 0.9 * wobble(i)) * sy;
        let _ = writeln!(
            ma,
            "{}\t{}\t{}\t{}\t{by}\t{sy}\t0.5\t1000",
            r.snp,
            r.a1,
            r.a2,
            esi.freq(i).unwrap_or(0.5)
        );
        gwas.insert(i, (by, sy));
    }
    let path = dir.join("overlap.ma");
    std::fs::write(&path, ma).unwrap();
    (path, gwas)
}

/// Pearson correlation over the pairs with both |z| below `bound`.
fn theta(pairs: &[(f64, f64)], bound: f64) -> (usize, f64) {
    let kept: Vec<(f64, f64)> = pairs
        .iter()
        .copied()
        .filter(|(x, y)| x.abs() < bound && y.abs() < bound)
        .collect();
    let n = kept.len() as f64;
    let mx = kept.iter().map(|p| p.0).sum::<f64>() / n;
    let my = kept.iter().map(|p| p.1).sum::<f64>() / n;
    let cov: f64 = kept.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let vx: f64 = kept.iter().map(|p| (p.0 - mx).powi(2)).sum();
    let vy: f64 = kept.iter().map(|p| (p.1 - my).powi(2)).sum();
    (kept.len(), cov / (vx * vy).sqrt())
}

fn rel(a: f64, b: f64) -> f64 {
    (a - b).abs() / a.abs().max(b.abs())
}

#[test]
fn sample_overlap_se_smr_and_p_smr_match_a_calculation_from_the_inputs() {
    let dir = tmp("hand");
    let (ma, gwas) = make_gwas(&dir);
    let plain = dir.join("plain");
    let over = dir.join("over");
    ok(&run(&ma, &plain, &[]));
    ok(&run(&ma, &over, &["--sample-overlap"]));
    let (h, prow) = table(&ext(&plain, "smr"));
    let (h2, orow) = table(&ext(&over, "smr"));
    assert_eq!(h, h2);
    assert!(orow.len() >= 10, "{} rows", orow.len());
    assert_eq!(prow.len(), orow.len());

    let pre = fixture().join("eqtl/eqtl");
    let esi = read_esi(&ext(&pre, "esi")).unwrap();
    let epi = read_epi(&ext(&pre, "epi")).unwrap();
    let besd = BesdFile::open(&ext(&pre, "besd"), esi.len(), epi.len()).unwrap();
    // qχ²₁(0.01) (R: qchisq(0.01, 1, lower = FALSE)).
    let bound = 6.634896601021214f64.sqrt();
    let col = |n: &str| h.iter().position(|x| x == n).unwrap();
    let (c_se, c_p, c_heidi) = (col("se_SMR"), col("p_SMR"), col("p_HEIDI"));
    let mut buf = Vec::new();
    let mut thetas = Vec::new();
    for (p_row, o_row) in prow.iter().zip(&orow) {
        // Every column but se_SMR, p_SMR and p_HEIDI is as without the flag.
        for (i, (a, b)) in p_row.iter().zip(o_row).enumerate() {
            if ![c_se, c_p, c_heidi].contains(&i) {
                assert_eq!(a, b, "{}: column {}", p_row[0], h[i]);
            }
        }
        let p = epi.iter().position(|r| r.probe == o_row[0]).unwrap();
        let rec = &epi[p];
        besd.read_probe(p, &mut buf).unwrap();
        // The cis set: the probe's stored SNPs within 2000 kb that the GWAS has.
        let cis: Vec<(f64, f64, f64, f64)> = buf
            .iter()
            .filter(|e| {
                let i = e.snp as usize;
                esi.chr(i) == rec.chr && (esi.bp(i) - rec.bp).abs() <= 2_000_000
            })
            .filter_map(|e| {
                let (by, sy) = gwas.get(&(e.snp as usize))?;
                Some((f64::from(e.beta), f64::from(e.se), *by, *sy))
            })
            .collect();
        let pairs: Vec<(f64, f64)> = cis.iter().map(|c| (c.0 / c.1, c.2 / c.3)).collect();
        let (n, th) = theta(&pairs, bound);
        assert!(n >= 2);
        thetas.push(th);
        // The top SNP: largest |z_x| (no near-ties in this data).
        let top = cis
            .iter()
            .max_by(|a, b| (a.0 / a.1).abs().total_cmp(&(b.0 / b.1).abs()))
            .unwrap();
        let (bx, sx, by, sy) = *top;
        let var = sy * sy / (bx * bx) + sx * sx * by * by / bx.powi(4)
            - 2.0 * th * sy * sx * by / bx.powi(3);
        let se: f64 = o_row[c_se].parse().unwrap();
        assert!(
            rel(se, var.sqrt()) < 5e-6,
            "{}: se_SMR {se} vs {}",
            o_row[0],
            var.sqrt()
        );
        let t = (by / bx).powi(2) / var;
        let p_smr = fastsmr::stats::dist::chisq1_tail(t);
        let got: f64 = o_row[c_p].parse().unwrap();
        assert!(
            rel(got, p_smr) < 5e-6 || (got == 0.0 && p_smr < 1e-300),
            "{}: p_SMR",
            o_row[0]
        );
    }
    // The data were made with θ ≈ 0.4 for the SNPs' first probes: some estimates show it
    // (other probes see other eQTL z), and the se moved.
    let big = thetas.iter().filter(|t| t.abs() > 0.2).count();
    assert!(big >= 2, "θ {thetas:?}");
    assert!(prow.iter().zip(&orow).any(|(a, b)| a[c_se] != b[c_se]));
    assert!(prow
        .iter()
        .zip(&orow)
        .any(|(a, b)| a[c_heidi] != b[c_heidi]));
    // HEIDI under overlap returns float32 p-values (algorithm §7.3): each printed p_HEIDI is
    // the float32 nearest to itself at 6 digits.
    for r in &orow {
        if let Ok(v) = r[c_heidi].parse::<f64>() {
            let f = f64::from(v as f32);
            assert!(rel(f, v) < 1e-6, "{}", r[c_heidi]);
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn too_few_null_snps_leave_no_row_and_bad_thresholds_are_usage_errors() {
    let dir = tmp("mmecs");
    let (ma, _) = make_gwas(&dir);
    let out = dir.join("few");
    let o = run(&ma, &out, &["--sample-overlap", "--mmecs", "10000"]);
    ok(&o);
    let text = std::fs::read_to_string(ext(&out, "smr")).unwrap();
    assert_eq!(text.lines().count(), 1, "header only: {text}");
    let log = String::from_utf8_lossy(&o.stdout).to_string() + &String::from_utf8_lossy(&o.stderr);
    assert!(log.contains("too few null cis SNPs"), "{log}");
    for bad in [["--pmecs", "0"], ["--pmecs", "1.5"], ["--mmecs", "1"]] {
        let out = dir.join("bad");
        let o = run(&ma, &out, &["--sample-overlap", bad[0], bad[1]]);
        assert_eq!(o.status.code(), Some(2), "{bad:?}");
        assert!(String::from_utf8_lossy(&o.stderr).contains(bad[0]));
        assert!(!ext(&out, "smr").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
