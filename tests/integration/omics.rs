//! SMR between two xQTL datasets (data-spec/omics.md), checked by the identity the reference
//! specification verified (algorithm-2 §20): every (exposure, outcome) row equals the row of a
//! cis `--smr` run of the exposure whose GWAS is the outcome probe's stored data written as a
//! `.ma`. The outcome BESD is made here from the fixture: 7 probes renamed and moved, β
//! perturbed, every 5th SNP's alleles swapped (β negated, freq 1 − f) so that the outcome's
//! allele alignment is exercised.

use crate::support::{ok, table, tiny as fixture};
use fastsmr::io::besd::writer::write_sparse;
use fastsmr::io::besd::{BesdEntry, BesdFile};
use fastsmr::io::epi::read_epi;
use fastsmr::io::esi::read_esi;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const N_OUTCOME: usize = 7;

fn ext(prefix: &Path, e: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(e);
    PathBuf::from(s)
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .output()
        .unwrap()
}

fn tmp(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("fastsmr-omics-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// The outcome entries of one probe: (SNP ID, A1, A2, freq, beta, se) as the outcome stores them.
type OutcomeProbe = Vec<(String, String, String, f32, f32, f32)>;

/// Write the outcome BESD under `dir`; `rename` renames every SNP (for the no-common-SNP
/// case). Returns its prefix and per outcome probe its entries.
fn make_outcome(dir: &Path, rename: bool) -> (PathBuf, Vec<OutcomeProbe>) {
    let pre = fixture().join("eqtl/eqtl");
    let esi = read_esi(&ext(&pre, "esi")).unwrap();
    let epi = read_epi(&ext(&pre, "epi")).unwrap();
    let besd = BesdFile::open(&ext(&pre, "besd"), esi.len(), epi.len()).unwrap();
    let swapped = |i: usize| i % 5 == 2;
    let mut esi_text = String::new();
    for (i, r) in esi.rows().enumerate() {
        let f = esi.freq(i).unwrap();
        let (a1, a2, f) = if swapped(i) {
            (r.a2, r.a1, 1.0 - f)
        } else {
            (r.a1, r.a2, f)
        };
        let id = if rename {
            format!("x{}", r.snp)
        } else {
            r.snp.to_string()
        };
        let _ = writeln!(esi_text, "{}\t{id}\t0\t{}\t{a1}\t{a2}\t{f}", r.chr, r.bp);
    }
    std::fs::write(dir.join("out.esi"), esi_text).unwrap();
    let mut epi_text = String::new();
    let mut probes = Vec::new();
    let mut stored = Vec::new();
    let mut buf = Vec::new();
    for (p, rec) in epi.iter().take(N_OUTCOME).enumerate() {
        let _ = writeln!(
            epi_text,
            "{}\tOUT{p}\t0\t{}\t{}x\t+",
            rec.chr,
            rec.bp + 1234,
            rec.gene
        );
        besd.read_probe(p, &mut buf).unwrap();
        let mut entries = Vec::new();
        let mut rows = Vec::new();
        for e in &buf {
            let i = e.snp as usize;
            let k = i as f32;
            // A perturbed effect, some rows much weaker than the exposure's.
            let b = e.beta * (0.3 + 0.05 * (k * 0.7).sin()) + 0.002 * (k * 1.3).cos();
            let se = e.se * 1.1;
            let b = if swapped(i) { -b } else { b };
            entries.push(BesdEntry {
                snp: e.snp,
                beta: b,
                se,
            });
            let r = esi.row(i);
            let f = esi.freq(i).unwrap();
            let (a1, a2, f) = if swapped(i) {
                (r.a2, r.a1, 1.0 - f)
            } else {
                (r.a1, r.a2, f)
            };
            rows.push((r.snp.to_string(), a1.into(), a2.into(), f, b, se));
        }
        probes.push(entries);
        stored.push(rows);
    }
    std::fs::write(dir.join("out.epi"), epi_text).unwrap();
    write_sparse(&dir.join("out.besd"), esi.len(), &probes, None).unwrap();
    (dir.join("out"), stored)
}

fn close(a: &str, b: &str, rel: f64) -> bool {
    if a == b {
        return true;
    }
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() <= rel * x.abs().max(y.abs()),
        _ => false,
    }
}

fn d_bfile() -> PathBuf {
    fixture().join("ref/ref")
}

/// The `--bfile` arguments, or `--heidi-off`.
fn ld_args(bfile: &Path, heidi: bool) -> Vec<String> {
    if heidi {
        vec!["--bfile".into(), s(bfile).into()]
    } else {
        vec!["--heidi-off".into()]
    }
}

fn run_with(ld: &[String], args: &[&str]) -> Output {
    let mut all: Vec<&str> = ld.iter().map(String::as_str).collect();
    all.extend_from_slice(args);
    run(&all)
}

#[test]
fn every_pair_equals_a_cis_run_with_the_outcome_as_gwas() {
    identity(true, &[]);
}

#[test]
fn every_pair_equals_a_cis_run_with_heidi_off() {
    identity(false, &[]);
}

/// `--sample-overlap` applies to this path as to cis SMR (algorithm-2 §22): θ from the
/// outcome probe's values.
#[test]
fn every_pair_equals_a_cis_run_with_sample_overlap() {
    identity(true, &["--sample-overlap"]);
}

fn identity(heidi: bool, extra: &[&str]) {
    let dir = tmp(match (heidi, extra.is_empty()) {
        (true, true) => "identity",
        (false, _) => "identity-heidi-off",
        (true, false) => "identity-extra",
    });
    let mut ld = ld_args(&d_bfile(), heidi);
    ld.extend(extra.iter().map(|s| s.to_string()));
    let (outcome, stored) = make_outcome(&dir, false);
    let d = fixture();
    let expo = d.join("eqtl/eqtl");
    let bfile = d_bfile();
    let out = dir.join("omics");
    // The second slot given with --eqtl-summary, the first with --beqtl-summary.
    ok(&run_with(
        &ld,
        &[
            "--beqtl-summary",
            s(&expo),
            "--eqtl-summary",
            s(&outcome),
            "--outcome-wind",
            "300",
            "--out",
            s(&out),
        ],
    ));
    let (head, rows) = table(&ext(&out, "smr"));
    assert_eq!(head.len(), 25);
    assert_eq!(head[0], "Expo_ID");
    assert_eq!(head[16], "p_Outco");
    let expo_epi = read_epi(&ext(&expo, "epi")).unwrap();
    let outco_epi = read_epi(&ext(&outcome, "epi")).unwrap();
    let bp_of: HashMap<&str, (i32, i64)> = expo_epi
        .iter()
        .map(|r| (r.probe.as_str(), (r.chr, r.bp)))
        .collect();
    let mut compared = 0;
    let mut order = Vec::new();
    for (o, entries) in stored.iter().enumerate() {
        // The outcome probe's data as a GWAS, b/se printed exactly (the float32 values).
        let mut ma = String::from("SNP\tA1\tA2\tfreq\tb\tse\tp\tn\n");
        for (snp, a1, a2, f, b, se) in entries {
            let z = f64::from(*b) / f64::from(*se);
            let p = fastsmr::stats::dist::chisq1_tail(z * z);
            let _ = writeln!(
                ma,
                "{snp}\t{a1}\t{a2}\t{f}\t{}\t{}\t{p:e}\t1000",
                f64::from(*b),
                f64::from(*se)
            );
        }
        let ma_path = dir.join(format!("o{o}.ma"));
        std::fs::write(&ma_path, ma).unwrap();
        let cis_out = dir.join(format!("cis{o}"));
        ok(&run_with(
            &ld,
            &[
                "--beqtl-summary",
                s(&expo),
                "--gwas-summary",
                s(&ma_path),
                "--out",
                s(&cis_out),
            ],
        ));
        let (_, cis) = table(&ext(&cis_out, "smr"));
        let oname = &outco_epi[o].probe;
        let (ochr, obp) = (outco_epi[o].chr, outco_epi[o].bp);
        // The cis rows of exposure probes within 300 kb of the outcome probe, in .epi order.
        let want: Vec<&Vec<String>> = cis
            .iter()
            .filter(|r| {
                let (c, bp) = bp_of[r[0].as_str()];
                c == ochr && (bp - obp).abs() <= 300_000
            })
            .collect();
        let got: Vec<&Vec<String>> = rows.iter().filter(|r| &r[4] == oname).collect();
        assert_eq!(
            got.iter().map(|r| &r[0]).collect::<Vec<_>>(),
            want.iter().map(|r| &r[0]).collect::<Vec<_>>(),
            "exposure probes of outcome {oname}"
        );
        for (g, w) in got.iter().zip(&want) {
            assert_eq!(g[5], outco_epi[o].chr.to_string());
            assert_eq!(g[7], (obp).to_string());
            // topSNP .. Freq, b/se of both traits: as printed.
            for (gi, wi) in (8..=15).zip(4..=11).chain((17..=19).zip(13..=15)) {
                assert_eq!(g[gi], w[wi], "{oname} {}: column {gi}", g[0]);
            }
            // p_Outco: single-precision z quotient (quirk Q70) vs the double one of the .ma.
            assert!(close(&g[16], &w[12], 1e-4), "{oname} {}: p_Outco", g[0]);
            // SMR and HEIDI.
            for (gi, wi) in (20..=24).zip(16..=20) {
                assert!(
                    close(&g[gi], &w[wi], 1e-5),
                    "{oname} {}: column {gi}: {} vs {}",
                    g[0],
                    g[gi],
                    w[wi]
                );
            }
            compared += 1;
        }
        order.extend(got.iter().map(|r| r[4].clone()));
    }
    eprintln!("heidi {heidi}: {compared} pairs compared with cis runs");
    assert_eq!(compared, rows.len());
    assert!(compared >= 10, "only {compared} pairs compared");
    // Outcome-major.
    let mut sorted = order.clone();
    sorted.sort_by_key(|n| outco_epi.iter().position(|r| &r.probe == n));
    assert_eq!(order, sorted);
    // Some swapped outcome alleles entered: at least one b_Outco sign differs from b_Expo.
    assert!(rows
        .iter()
        .any(|r| r[14].starts_with('-') != r[17].starts_with('-')));

    if !heidi || !extra.is_empty() {
        assert!(heidi || rows.iter().all(|r| r[23] == "NA" && r[24] == "NA"));
        let _ = std::fs::remove_dir_all(&dir);
        return;
    }
    // --cis-to-all: a superset; single-probe flags: only that pair.
    let all = dir.join("all");
    ok(&run(&[
        "--bfile",
        s(&bfile),
        "--beqtl-summary",
        s(&expo),
        "--beqtl-summary",
        s(&outcome),
        "--cis-to-all",
        "--out",
        s(&all),
    ]));
    let (_, all_rows) = table(&ext(&all, "smr"));
    assert!(all_rows.len() > rows.len());
    for r in &rows {
        assert!(all_rows.iter().any(|a| a[0] == r[0] && a[4] == r[4]));
    }
    let one = dir.join("one");
    let (e0, o0) = (rows[0][0].clone(), rows[0][4].clone());
    ok(&run(&[
        "--bfile",
        s(&bfile),
        "--beqtl-summary",
        s(&expo),
        "--beqtl-summary",
        s(&outcome),
        "--extract-single-exposure-probe",
        &e0,
        "--extract-single-outcome-probe",
        &o0,
        "--out",
        s(&one),
    ]));
    let (_, one_rows) = table(&ext(&one, "smr"));
    assert_eq!(one_rows.len(), 1);
    assert_eq!(
        one_rows[0],
        all_rows
            .iter()
            .find(|a| a[0] == e0 && a[4] == o0)
            .unwrap()
            .clone()
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_common_snp_is_an_input_error_without_output() {
    let dir = tmp("nocommon");
    let (outcome, _) = make_outcome(&dir, true);
    let d = fixture();
    let out = dir.join("res");
    let o = run(&[
        "--bfile",
        s(&d.join("ref/ref")),
        "--beqtl-summary",
        s(&d.join("eqtl/eqtl")),
        "--beqtl-summary",
        s(&outcome),
        "--out",
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("no SNP in common"), "{err}");
    assert!(err.contains("out"), "{err}");
    assert!(!ext(&out, "smr").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// `--smr-multi` with two BESD (algorithm-2 §20): every `.msmr` row equals the `.msmr` row of
/// a cis `--smr-multi` run whose GWAS is the outcome probe's data as a `.ma` (the p_Outco
/// column is the double quotient there as in the `.msmr`'s p_GWAS, Q70); no side lists.
#[test]
fn every_multi_snp_pair_equals_a_multi_snp_run_with_the_outcome_as_gwas() {
    let dir = tmp("multi");
    let (outcome, stored) = make_outcome(&dir, false);
    let d = fixture();
    let expo = d.join("eqtl/eqtl");
    let bfile = d_bfile();
    let out = dir.join("omics");
    let common = ["--smr-multi", "--set-wind", "500", "--ld-multi-snp", "0.2"];
    let mut args = vec![
        "--bfile",
        s(&bfile),
        "--beqtl-summary",
        s(&expo),
        "--beqtl-summary",
        s(&outcome),
        "--outcome-wind",
        "300",
        "--out",
        s(&out),
    ];
    args.extend(common);
    ok(&run(&args));
    assert!(!ext(&out, "snps4msmr.list").exists());
    assert!(!ext(&out, "prbregion4msmr.list").exists());
    assert!(!ext(&out, "smr").exists());
    let (head, rows) = table(&ext(&out, "msmr"));
    assert_eq!(head.len(), 26);
    assert_eq!(head[23], "p_SMR_multi");
    assert_eq!(head[24], "p_HEIDI");
    let outco_epi = read_epi(&ext(&outcome, "epi")).unwrap();
    let expo_epi = read_epi(&ext(&expo, "epi")).unwrap();
    let mut compared = 0;
    for (o, entries) in stored.iter().enumerate() {
        let mut ma = String::from("SNP\tA1\tA2\tfreq\tb\tse\tp\tn\n");
        for (snp, a1, a2, f, b, se) in entries {
            let _ = writeln!(
                ma,
                "{snp}\t{a1}\t{a2}\t{f}\t{}\t{}\t0.5\t1000",
                f64::from(*b),
                f64::from(*se)
            );
        }
        let ma_path = dir.join(format!("o{o}.ma"));
        std::fs::write(&ma_path, ma).unwrap();
        let cis_out = dir.join(format!("multi{o}"));
        let mut args = vec![
            "--bfile",
            s(&bfile),
            "--beqtl-summary",
            s(&expo),
            "--gwas-summary",
            s(&ma_path),
            "--out",
            s(&cis_out),
        ];
        args.extend(common);
        ok(&run(&args));
        let (_, want_all) = table(&ext(&cis_out, "msmr"));
        let oname = &outco_epi[o].probe;
        let (ochr, obp) = (outco_epi[o].chr, outco_epi[o].bp);
        let near = |id: &str| {
            let e = expo_epi.iter().find(|r| r.probe == id).unwrap();
            e.chr == ochr && (e.bp - obp).abs() <= 300_000
        };
        let want: Vec<&Vec<String>> = want_all.iter().filter(|r| near(&r[0])).collect();
        let got: Vec<&Vec<String>> = rows.iter().filter(|r| &r[4] == oname).collect();
        assert_eq!(
            got.iter().map(|r| &r[0]).collect::<Vec<_>>(),
            want.iter().map(|r| &r[0]).collect::<Vec<_>>(),
            "exposure probes of outcome {oname}"
        );
        for (g, w) in got.iter().zip(&want) {
            // topSNP .. p_SMR_multi as printed; HEIDI within the battery's tolerance.
            for (gi, wi) in (8..=23).zip(4..=19) {
                assert_eq!(g[gi], w[wi], "{oname} {}: column {}", g[0], head[gi]);
            }
            assert!(close(&g[24], &w[20], 2e-6), "{oname} {}: p_HEIDI", g[0]);
            assert_eq!(g[25], w[21]);
            compared += 1;
        }
    }
    assert_eq!(compared, rows.len());
    assert!(compared >= 10, "only {compared} pairs");
    // The multi-SNP test used several SNPs somewhere: p_SMR_multi differs from p_SMR.
    assert!(rows.iter().any(|r| r[22] != r[23]));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Set and gene lists do not apply between two BESD; `--set-wind` needs `--smr-multi`.
#[test]
fn multi_snp_lists_with_two_besd_are_usage_errors() {
    let dir = tmp("multi-usage");
    let (outcome, _) = make_outcome(&dir, false);
    let d = fixture();
    let list = dir.join("genes.txt");
    std::fs::write(&list, "1 20000000 20300000 ENSG00058880247\n").unwrap();
    let (bfile, expo) = (d_bfile(), d.join("eqtl/eqtl"));
    for extra in [
        vec!["--smr-multi", "--gene-list", s(&list)],
        vec!["--set-wind", "100"],
    ] {
        let out = dir.join("res");
        let mut args = vec![
            "--bfile",
            s(&bfile),
            "--beqtl-summary",
            s(&expo),
            "--beqtl-summary",
            s(&outcome),
            "--out",
            s(&out),
        ];
        args.extend(extra.iter().copied());
        let o = run(&args);
        assert_eq!(o.status.code(), Some(2), "{extra:?}");
        assert!(!ext(&out, "msmr").exists() && !ext(&out, "smr").exists());
    }
    let _ = std::fs::remove_dir_all(&dir);
}
