//! Many traits in one run (issue 4): `--gwas-summary` given several times and `--gwas-flist`
//! write, per trait, exactly the files a single-trait run writes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny-seed1")
}

fn fastsmr(args: &[&str], extra: &[String]) -> Output {
    let f = fixture();
    let bfile = f.join("ref/ref");
    let besd = f.join("eqtl/eqtl");
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", bfile.to_str().unwrap()])
        .args(["--beqtl-summary", besd.to_str().unwrap()])
        .args(args)
        .args(extra)
        .output()
        .expect("run fastsmr")
}

/// Two traits: the fixture's `.ma` and a copy with some effects changed (so the outputs differ).
fn two_traits(dir: &Path) -> (PathBuf, PathBuf) {
    let text = std::fs::read_to_string(fixture().join("gwas/trait.ma")).unwrap();
    let a = dir.join("alpha.ma");
    std::fs::write(&a, &text).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for (i, l) in lines.iter_mut().enumerate().skip(1) {
        if i % 7 == 0 {
            let mut f: Vec<String> = l.split('\t').map(String::from).collect();
            if let Ok(b) = f[4].parse::<f64>() {
                f[4] = format!("{}", -1.5 * b);
                *l = f.join("\t");
            }
        }
    }
    let b = dir.join("beta.ma");
    std::fs::write(&b, lines.join("\n") + "\n").unwrap();
    (a, b)
}

fn read(p: PathBuf) -> String {
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn single(dir: &Path, ma: &Path, name: &str) -> PathBuf {
    let out = dir.join(name);
    let o = fastsmr(
        &[
            "--gwas-summary",
            ma.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    out
}

fn ext(prefix: &Path, e: &str) -> PathBuf {
    PathBuf::from(format!("{}.{e}", prefix.display()))
}

#[test]
fn batch_outputs_are_byte_identical_to_single_trait_runs() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = two_traits(dir.path());
    let sa = single(dir.path(), &a, "single_alpha");
    let sb = single(dir.path(), &b, "single_beta");
    assert_ne!(read(ext(&sa, "smr")), read(ext(&sb, "smr")));

    // Repeated --gwas-summary, 2 threads (results must not depend on it).
    let out = dir.path().join("batch");
    let o = fastsmr(
        &[
            "--gwas-summary",
            a.to_str().unwrap(),
            "--gwas-summary",
            b.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--thread-num",
            "2",
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for (name, s) in [("alpha", &sa), ("beta", &sb)] {
        for e in ["smr", "snp_failed_freq_ck.list"] {
            assert_eq!(
                read(ext(&out, &format!("{name}.{e}"))),
                read(ext(s, e)),
                "{name}.{e}"
            );
        }
    }
    let log = read(ext(&out, "log"));
    assert!(log.contains("==== trait alpha (1/2)") && log.contains("==== trait beta (2/2)"));
    assert!(!ext(&out, "smr").exists());

    // --gwas-flist with chosen names.
    let list = dir.path().join("traits.txt");
    std::fs::write(
        &list,
        format!("# name path\nT1 {}\nT2 {}\n", a.display(), b.display()),
    )
    .unwrap();
    let out2 = dir.path().join("flist");
    let o = fastsmr(
        &[
            "--gwas-flist",
            list.to_str().unwrap(),
            "--out",
            out2.to_str().unwrap(),
        ],
        &[],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert_eq!(read(ext(&out2, "T1.smr")), read(ext(&sa, "smr")));
    assert_eq!(read(ext(&out2, "T2.smr")), read(ext(&sb, "smr")));
}

#[test]
fn a_failing_trait_does_not_stop_the_others_but_the_run_fails() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_traits(dir.path());
    // Opens fine, fails when parsed (no header): only this trait fails.
    let broken = dir.path().join("broken.ma");
    std::fs::write(&broken, "rs1 A G 0.5 0.1 0.01 0.5 100\n").unwrap();
    let out = dir.path().join("batch");
    let o = fastsmr(
        &[
            "--gwas-summary",
            broken.to_str().unwrap(),
            "--gwas-summary",
            a.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let sa = single(dir.path(), &a, "single_alpha");
    assert_eq!(read(ext(&out, "alpha.smr")), read(ext(&sa, "smr")));
    assert!(!ext(&out, "broken.smr").exists());
    let log = read(ext(&out, "log"));
    assert!(
        log.contains("trait broken FAILED") && log.contains("1 of 2 traits failed"),
        "{log}"
    );
}

/// An unreadable GWAS path in a batch is a typo found before any work: the run stops at once.
#[test]
fn a_missing_trait_file_stops_the_batch_before_any_work() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_traits(dir.path());
    let missing = dir.path().join("missing.ma");
    let out = dir.path().join("batch");
    let o = fastsmr(
        &[
            "--gwas-summary",
            a.to_str().unwrap(),
            "--gwas-summary",
            missing.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cannot open") && err.contains("missing.ma"),
        "{err}"
    );
    assert!(!ext(&out, "alpha.smr").exists());
}

#[test]
fn duplicate_trait_names_are_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let (a, _) = two_traits(dir.path());
    let sub = dir.path().join("sub");
    std::fs::create_dir(&sub).unwrap();
    let a2 = sub.join("alpha.ma");
    std::fs::copy(&a, &a2).unwrap();
    let out = dir.path().join("batch");
    let o = fastsmr(
        &[
            "--gwas-summary",
            a.to_str().unwrap(),
            "--gwas-summary",
            a2.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("two traits are named 'alpha'"));
}

/// Traits whose SNP sets differ: trait `i` drops a different ~1/(5+i) of the rows, and swaps
/// A1/A2 (b negated, freq 1 − f) on others; trait 2 also changes effects, so its tops differ.
fn varied_traits(dir: &Path, n: usize) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(fixture().join("gwas/trait.ma")).unwrap();
    (0..n)
        .map(|t| {
            let mut out = Vec::new();
            for (i, l) in text.lines().enumerate() {
                if i == 0 {
                    out.push(l.to_string());
                    continue;
                }
                if (i + 3 * t) % (5 + t) == 0 {
                    continue;
                }
                let mut f: Vec<String> = l.split('\t').map(String::from).collect();
                if (i + t) % (11 + t) == 0 {
                    f.swap(1, 2);
                    if let Ok(b) = f[4].parse::<f64>() {
                        f[4] = format!("{}", -b);
                    }
                    if let Ok(q) = f[3].parse::<f64>() {
                        f[3] = format!("{:.4}", 1.0 - q);
                    }
                }
                if t == 2 && i % 13 == 0 {
                    if let Ok(b) = f[4].parse::<f64>() {
                        f[4] = format!("{}", 3.0 * b);
                    }
                }
                out.push(f.join("\t"));
            }
            let p = dir.join(format!("v{t}.ma"));
            std::fs::write(&p, out.join("\n") + "\n").unwrap();
            p
        })
        .collect()
}

#[test]
fn traits_sharing_a_probe_loop_match_single_trait_runs() {
    let dir = tempfile::tempdir().unwrap();
    let traits = varied_traits(dir.path(), 4);
    let singles: Vec<PathBuf> = traits
        .iter()
        .enumerate()
        .map(|(t, p)| single(dir.path(), p, &format!("single{t}")))
        .collect();
    // The traits differ in their results, and HEIDI ran (the shared part is exercised).
    let first = read(ext(&singles[0], "smr"));
    assert!(singles[1..].iter().all(|s| read(ext(s, "smr")) != first));
    let tested_heidi = first
        .lines()
        .skip(1)
        .filter(|l| l.split('\t').nth(19).is_some_and(|p| p != "NA"))
        .count();
    assert!(tested_heidi > 0, "{first}");
    for (group, threads) in [("1", "1"), ("2", "2"), ("3", "1"), ("4", "2")] {
        let out = dir.path().join(format!("g{group}t{threads}"));
        let mut args: Vec<String> = Vec::new();
        for p in &traits {
            args.push("--gwas-summary".into());
            args.push(p.to_str().unwrap().into());
        }
        let o = fastsmr(
            &[
                "--out",
                out.to_str().unwrap(),
                "--thread-num",
                threads,
                "--trait-group",
                group,
            ],
            &args,
        );
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        for (t, s) in singles.iter().enumerate() {
            for e in ["smr", "snp_failed_freq_ck.list", "harmonise.summary.tsv"] {
                assert_eq!(
                    read(ext(&out, &format!("v{t}.{e}"))),
                    read(ext(s, e)),
                    "group {group}, trait v{t}, {e}"
                );
            }
        }
        let log = read(ext(&out, "log"));
        assert_eq!(
            log.contains("traits in one probe loop"),
            group != "1",
            "{log}"
        );
    }
}
