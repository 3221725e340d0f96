//! Opt-in `.smr` extensions (issue 12 parts 5 and 6; data-spec/smr-output.md §extensions):
//! the extended table `<out>.smr.extra` and the scale-free HEIDI, on real runs of tiny-seed1.

use crate::support::{col, table, tiny as fixture};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(ma: &Path, out: &Path, extra: &[&str]) -> Output {
    let f = fixture();
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", ma.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("run fastsmr");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o
}

#[test]
fn extended_table_keeps_the_smr_and_adds_log10_p_and_heidi_status() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("x");
    run(
        &fixture().join("gwas/trait.ma"),
        &out,
        &["--smr-extra-columns"],
    );
    // The default table is unchanged: byte-identical to the reference's.
    let smr = std::fs::read(dir.path().join("x.smr")).unwrap();
    let reference = std::fs::read(fixture().join("expected/default/out.smr")).unwrap();
    assert_eq!(smr, reference);
    let (h, rows) = table(&dir.path().join("x.smr.extra"));
    let (h0, rows0) = table(&dir.path().join("x.smr"));
    assert_eq!(&h[..h0.len()], &h0[..]);
    assert_eq!(
        &h[h0.len()..],
        [
            "log10_p_SMR",
            "log10_p_HEIDI",
            "log10_p_eQTL",
            "log10_p_GWAS",
            "heidi_status"
        ]
    );
    assert_eq!(rows.len(), rows0.len());
    let mut zeros = 0;
    for (r, r0) in rows.iter().zip(&rows0) {
        assert_eq!(&r[..r0.len()], &r0[..]);
        for (p, l) in [
            ("p_SMR", "log10_p_SMR"),
            ("p_HEIDI", "log10_p_HEIDI"),
            ("p_eQTL", "log10_p_eQTL"),
            ("p_GWAS", "log10_p_GWAS"),
        ] {
            let (ps, ls) = (&r[col(&h, p)], &r[col(&h, l)]);
            if ps == "NA" {
                assert_eq!(ls, "NA");
                continue;
            }
            let (pv, lv): (f64, f64) = (ps.parse().unwrap(), ls.parse().unwrap());
            if pv == 0.0 {
                // Printed 0 (underflow): the log is finite and below the smallest double.
                zeros += 1;
                assert!(lv.is_finite() && lv < -307.0, "{p} {ps} {ls}");
            } else {
                // The printed p has 7 significant digits (5e-7 relative → 2.2e-7 in log10).
                assert!((lv - pv.log10()).abs() < 3e-7, "{p} {ps} {ls}");
            }
        }
        let tested = r[col(&h, "p_HEIDI")] != "NA";
        assert_eq!(r[col(&h, "heidi_status")] == "tested", tested);
    }
    // tiny-seed1 has p_eQTL printed as 0 (χ² > 1417) for some probes.
    assert!(zeros > 0);
}

#[test]
fn heidi_status_names_why_p_heidi_is_na() {
    let dir = tempfile::tempdir().unwrap();
    let ma = fixture().join("gwas/trait.ma");
    run(
        &ma,
        &dir.path().join("a"),
        &["--smr-extra-columns", "--psmr", "1e-20"],
    );
    let (h, rows) = table(&dir.path().join("a.smr.extra"));
    for r in &rows {
        let p: f64 = r[col(&h, "p_SMR")].parse().unwrap();
        let want = if p <= 1e-20 { "tested" } else { "not_run_psmr" };
        assert_eq!(r[col(&h, "heidi_status")], want);
    }
    run(
        &ma,
        &dir.path().join("b"),
        &["--smr-extra-columns", "--heidi-min-m", "15"],
    );
    let (h, rows) = table(&dir.path().join("b.smr.extra"));
    let statuses: Vec<&str> = rows
        .iter()
        .map(|r| r[col(&h, "heidi_status")].as_str())
        .collect();
    assert!(
        statuses.iter().any(|s| s.starts_with("too_few_snps")),
        "{statuses:?}"
    );
    let f = fixture();
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--heidi-off", "--smr-extra-columns"])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", ma.to_str().unwrap()])
        .args(["--out", dir.path().join("c").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success());
    let (h, rows) = table(&dir.path().join("c.smr.extra"));
    assert!(rows
        .iter()
        .all(|r| r[col(&h, "heidi_status")] == "off_no_ld_reference"));
}

/// The fixture's `.ma` with b and se multiplied by `k` (p, frequencies untouched).
fn scaled_ma(dir: &Path, k: f64) -> PathBuf {
    let text = std::fs::read_to_string(fixture().join("gwas/trait.ma")).unwrap();
    let mut out = String::new();
    for (i, l) in text.lines().enumerate() {
        if i == 0 {
            out.push_str(l);
        } else {
            let mut f: Vec<String> = l.split('\t').map(String::from).collect();
            for j in [4, 5] {
                if let Ok(v) = f[j].parse::<f64>() {
                    f[j] = format!("{:e}", v * k);
                }
            }
            out.push_str(&f.join("\t"));
        }
        out.push('\n');
    }
    let p = dir.join("scaled.ma");
    std::fs::write(&p, out).unwrap();
    p
}

fn p_heidi(path: &Path) -> Vec<f64> {
    let (h, rows) = table(path);
    let c = col(&h, "p_HEIDI");
    rows.iter().map(|r| r[c].parse().unwrap()).collect()
}

#[test]
fn scale_free_heidi_is_invariant_to_the_units_of_the_gwas_effects() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let ma = fixture().join("gwas/trait.ma");
    let scaled = scaled_ma(d, 0.01);
    run(&ma, &d.join("orig"), &[]);
    run(&scaled, &d.join("scaled"), &[]);
    run(&ma, &d.join("orig_sf"), &["--heidi-scale-free"]);
    run(&scaled, &d.join("scaled_sf"), &["--heidi-scale-free"]);
    let (a, b) = (p_heidi(&d.join("orig.smr")), p_heidi(&d.join("scaled.smr")));
    let (a_sf, b_sf) = (
        p_heidi(&d.join("orig_sf.smr")),
        p_heidi(&d.join("scaled_sf.smr")),
    );
    assert_eq!(a.len(), 18);
    // The reference's HEIDI moves with the units (up to 3.66 log10 on this fixture) ...
    let moved = a
        .iter()
        .zip(&b)
        .map(|(x, y)| (x / y).log10().abs())
        .fold(0.0, f64::max);
    assert!(moved > 3.0, "largest move {moved}");
    // ... and the log says so; the scale-free one does not move (to the printed digit).
    let log = |name: &str| std::fs::read_to_string(d.join(name)).unwrap();
    assert!(log("scaled.log").contains("depend on the units"));
    assert!(!log("scaled_sf.log").contains("depend on the units"));
    for (x, y) in a_sf.iter().zip(&b_sf) {
        assert!(((x - y) / x).abs() < 2e-6, "{x} vs {y}");
    }
    // At the fixture's own scale the constant barely matters: scale-free is close to default.
    for (x, y) in a.iter().zip(&a_sf) {
        assert!(((x - y) / x).abs() < 2e-3, "{x} vs {y}");
    }
}

/// A `--gene-list` line whose range is reversed is an input error naming the file and line;
/// no `.msmr` is written.
#[test]
fn a_gene_list_with_a_bad_range_is_an_input_error_without_output() {
    let f = fixture();
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("genes.txt");
    std::fs::write(
        &list,
        "1 20000000 20300000 ENSG00058880247\n1 20300000 20000000 X\n",
    )
    .unwrap();
    let out = dir.path().join("res");
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", f.join("gwas/trait.ma").to_str().unwrap()])
        .args(["--smr-multi", "--gene-list", list.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("genes.txt, line 2") && err.contains("bad range"),
        "{err}"
    );
    assert!(!dir.path().join("res.msmr").exists());
}
