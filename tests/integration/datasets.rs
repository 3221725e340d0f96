//! Several eQTL datasets in one run (issue 9 part 5, data-spec/datasets.md): each dataset ×
//! trait table equals its single-dataset single-trait run byte for byte; the list-file form;
//! usage and input errors; sharded and merged equals unsharded. Data: the tiny-seed1 fixture,
//! a second dataset made from it by `--make-besd` (half of the probes, four SNPs in five, so
//! its `.esi` differs and the LD reference's index must be rebuilt), and a second trait
//! without every 7th row.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny-seed1")
}

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

fn run(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .output()
        .expect("run fastsmr")
}

fn ok(o: Output) -> Output {
    assert!(
        o.status.success(),
        "exit {:?}: {}",
        o.status.code(),
        String::from_utf8_lossy(&o.stderr)
    );
    o
}

fn with(prefix: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", prefix.display()))
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// Files in `prefix`'s directory named `<prefix file name>.*`, sorted.
fn files_of(prefix: &Path) -> Vec<String> {
    let base = format!("{}.", prefix.file_name().unwrap().to_string_lossy());
    let mut v: Vec<String> = std::fs::read_dir(prefix.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&base))
        .map(|n| n[base.len()..].to_string())
        .collect();
    v.sort();
    v
}

/// The test data in `dir`: the fixture's eQTL prefix, the derived dataset `sub`, and the
/// traits `alpha` (the fixture's) and `beta` (every 7th row dropped).
struct Data {
    eqtl: PathBuf,
    sub: PathBuf,
    alpha: PathBuf,
    beta: PathBuf,
}

fn data(dir: &Path) -> Data {
    let f = fixture();
    let eqtl = f.join("eqtl/eqtl");
    let epi = std::fs::read_to_string(with(&eqtl, "epi")).unwrap();
    let half: Vec<&str> = epi
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 2 == 1)
        .map(|(_, l)| l.split_whitespace().nth(1).unwrap())
        .collect();
    std::fs::write(dir.join("half.txt"), half.join("\n") + "\n").unwrap();
    let esi = std::fs::read_to_string(with(&eqtl, "esi")).unwrap();
    let snps: Vec<&str> = esi
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 5 != 4)
        .map(|(_, l)| l.split_whitespace().nth(1).unwrap())
        .collect();
    std::fs::write(dir.join("snps.txt"), snps.join("\n") + "\n").unwrap();
    let sub = dir.join("sub");
    ok(run(&[
        "--beqtl-summary".into(),
        s(&eqtl),
        "--extract-probe".into(),
        s(&dir.join("half.txt")),
        "--extract-snp".into(),
        s(&dir.join("snps.txt")),
        "--make-besd".into(),
        "--out".into(),
        s(&sub),
    ]));
    let text = std::fs::read_to_string(f.join("gwas/trait.ma")).unwrap();
    let alpha = dir.join("alpha.ma");
    std::fs::write(&alpha, &text).unwrap();
    let beta = dir.join("beta.ma");
    let kept: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| *i == 0 || i % 7 != 3)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&beta, kept.join("\n") + "\n").unwrap();
    Data {
        eqtl,
        sub,
        alpha,
        beta,
    }
}

fn args(parts: &[&[&str]]) -> Vec<String> {
    let mut v = vec!["--bfile".to_string(), s(&fixture().join("ref/ref"))];
    for p in parts {
        v.extend(p.iter().map(|x| x.to_string()));
    }
    v
}

/// The 2 × 2 run with a repeated `--beqtl-summary`.
fn two_by_two(d: &Data, out: &Path, extra: &[&str]) -> Output {
    run(&args(&[
        &[
            "--beqtl-summary",
            &s(&d.eqtl),
            "--gwas-summary",
            &s(&d.alpha),
            "--beqtl-summary",
            &s(&d.sub),
            "--gwas-summary",
            &s(&d.beta),
            "--out",
            &s(out),
        ],
        extra,
    ]))
}

const TABLES: [&str; 3] = ["smr", "harmonise.summary.tsv", "snp_failed_freq_ck.list"];

#[test]
fn two_datasets_by_two_traits_equal_their_single_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path());
    let out = dir.path().join("two");
    ok(two_by_two(&d, &out, &[]));
    let mut want = vec!["log".to_string(), "manifest.json".to_string()];
    for ds in ["eqtl", "sub"] {
        for t in ["alpha", "beta"] {
            want.extend(TABLES.iter().map(|e| format!("{ds}.{t}.{e}")));
        }
    }
    want.sort();
    assert_eq!(files_of(&out), want);
    let mut smr = Vec::new();
    for (ds, prefix) in [("eqtl", &d.eqtl), ("sub", &d.sub)] {
        for (t, gwas) in [("alpha", &d.alpha), ("beta", &d.beta)] {
            let one = dir.path().join(format!("one_{ds}_{t}"));
            ok(run(&args(&[&[
                "--beqtl-summary",
                &s(prefix),
                "--gwas-summary",
                &s(gwas),
                "--out",
                &s(&one),
            ]])));
            for e in TABLES {
                let name = format!("{ds}.{t}.{e}");
                assert_eq!(
                    bytes(&with(&out, &name)),
                    bytes(&with(&one, e)),
                    "{name} differs from its single run"
                );
            }
            smr.push(bytes(&with(&one, "smr")));
        }
    }
    // Four different tables (the datasets and the traits each change the rows).
    for i in 0..4 {
        for j in i + 1..4 {
            assert_ne!(smr[i], smr[j], "tables {i} and {j}");
        }
    }
    let rows = |b: &[u8]| b.iter().filter(|&&c| c == b'\n').count();
    assert!(rows(&smr[2]) > 1 && rows(&smr[2]) < rows(&smr[0]));
    // The log: a section per dataset, the LD reference read once, final paths only.
    let log = String::from_utf8(bytes(&with(&out, "log"))).unwrap();
    assert!(log.contains("==== eQTL dataset eqtl (1/2)"), "{log}");
    assert!(log.contains("==== eQTL dataset sub (2/2)"), "{log}");
    assert_eq!(log.matches("Reading PLINK BIM file").count(), 1, "{log}");
    assert!(!log.contains("fastsmr-stage"), "{log}");
    let m: serde_json::Value =
        serde_json::from_slice(&bytes(&with(&out, "manifest.json"))).unwrap();
    let units = m["units"].as_array().unwrap();
    assert_eq!(units.len(), 4);
    assert_eq!(units[2]["dataset_name"], "sub");
    assert_eq!(units[2]["trait_name"], "alpha");
    assert!(units.iter().all(|u| u["status"] == "done"));
    // Resuming the finished run keeps every unit.
    ok(two_by_two(&d, &out, &["--resume"]));
    let m: serde_json::Value =
        serde_json::from_slice(&bytes(&with(&out, "manifest.json"))).unwrap();
    assert!(m["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["resumed"] == true));
}

#[test]
fn the_list_file_names_the_datasets() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path());
    let list = dir.path().join("datasets.txt");
    std::fs::write(
        &list,
        format!(
            "# name prefix\nblood {}\n\n  brain\t{}\n",
            s(&d.eqtl),
            s(&d.sub)
        ),
    )
    .unwrap();
    let out = dir.path().join("l");
    ok(run(&args(&[&[
        "--beqtl-flist",
        &s(&list),
        "--gwas-summary",
        &s(&d.beta),
        "--out",
        &s(&out),
    ]])));
    // One trait: still `<out>.<dataset>.<trait>.*`.
    for ds in ["blood", "brain"] {
        assert!(with(&out, &format!("{ds}.beta.smr")).exists(), "{ds}");
    }
    let two = dir.path().join("two");
    ok(two_by_two(&d, &two, &[]));
    for (named, repeated) in [("blood", "eqtl"), ("brain", "sub")] {
        for e in TABLES {
            assert_eq!(
                bytes(&with(&out, &format!("{named}.beta.{e}"))),
                bytes(&with(&two, &format!("{repeated}.beta.{e}"))),
                "{named} {e}"
            );
        }
    }
    // A list with one dataset keeps the dataset in the names, as --gwas-flist does traits.
    std::fs::write(&list, format!("blood {}\n", s(&d.eqtl))).unwrap();
    let one = dir.path().join("one");
    ok(run(&args(&[&[
        "--beqtl-flist",
        &s(&list),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&one),
    ]])));
    assert!(with(&one, "blood.alpha.smr").exists());
    // A bad line is an input error naming the file and line.
    std::fs::write(&list, format!("blood {}\nbrain\n", s(&d.eqtl))).unwrap();
    let o = run(&args(&[&[
        "--beqtl-flist",
        &s(&list),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&dir.path().join("bad")),
    ]]));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("datasets.txt") && err.contains("line 2"),
        "{err}"
    );
}

#[test]
fn duplicate_names_are_usage_errors_and_a_missing_dataset_an_input_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path());
    // The same file name in two directories.
    let other = dir.path().join("other");
    std::fs::create_dir(&other).unwrap();
    for e in ["besd", "esi", "epi"] {
        std::fs::copy(with(&d.sub, e), with(&other.join("sub"), e)).unwrap();
    }
    let out = dir.path().join("dup");
    let o = run(&args(&[&[
        "--beqtl-summary",
        &s(&d.sub),
        "--beqtl-summary",
        &s(&other.join("sub")),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&out),
    ]]));
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("two eQTL datasets are named 'sub'"), "{err}");
    assert!(files_of(&out).is_empty(), "{:?}", files_of(&out));
    let list = dir.path().join("l.txt");
    std::fs::write(&list, format!("a {}\na {}\n", s(&d.eqtl), s(&d.sub))).unwrap();
    let o = run(&args(&[&[
        "--beqtl-flist",
        &s(&list),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&out),
    ]]));
    assert_eq!(o.status.code(), Some(2));
    assert!(files_of(&out).is_empty());
    // --beqtl-flist with --beqtl-summary: which one is meant?
    let o = run(&args(&[&[
        "--beqtl-flist",
        &s(&list),
        "--beqtl-summary",
        &s(&d.eqtl),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&out),
    ]]));
    assert_eq!(o.status.code(), Some(2));
    // A dataset that does not exist: exit 1 naming it, before any table is written.
    let missing = dir.path().join("nowhere/blood");
    let out = dir.path().join("miss");
    let o = run(&args(&[&[
        "--beqtl-summary",
        &s(&d.eqtl),
        "--beqtl-summary",
        &s(&missing),
        "--gwas-summary",
        &s(&d.alpha),
        "--out",
        &s(&out),
    ]]));
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("nowhere/blood"), "{err}");
    let left: Vec<String> = files_of(&out).into_iter().filter(|f| f != "log").collect();
    assert!(left.is_empty(), "{left:?}");
    // Several datasets are for the SMR analyses.
    std::fs::write(&list, format!("a {}\nb {}\n", s(&d.eqtl), s(&d.sub))).unwrap();
    let o = run(&[
        "--beqtl-flist".to_string(),
        s(&list),
        "--query".into(),
        "5e-8".into(),
        "--out".into(),
        s(&out),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("is for the SMR analyses"));
    let o = run(&args(&[&[
        "--beqtl-summary",
        &s(&d.eqtl),
        "--beqtl-summary",
        &s(&d.sub),
        "--gwas-summary",
        &s(&d.alpha),
        "--unpack-besd",
        "--out",
        &s(&out),
    ]]));
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn two_by_two_sharded_and_merged_equals_unsharded() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path());
    let full = dir.path().join("full");
    ok(two_by_two(&d, &full, &[]));
    // The dry run lists the four units of each shard.
    let o = ok(two_by_two(
        &d,
        &dir.path().join("dry"),
        &["--shard", "1/3", "--dry-run"],
    ));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("shard 1/3: 2 unit(s)"), "{text}");
    assert!(
        text.contains("unit 3: sub (") && text.contains(" x beta -> "),
        "{text}"
    );
    assert!(text.contains("summary: shards=3 units=4"), "{text}");
    let shards: Vec<PathBuf> = (1..=3).map(|k| dir.path().join(format!("s{k}"))).collect();
    for (k, p) in shards.iter().enumerate() {
        ok(two_by_two(&d, p, &["--shard", &format!("{}/3", k + 1)]));
    }
    // Round-robin over dataset-major units: shard 1 has units 0 (eqtl x alpha) and 3.
    assert!(with(&shards[0], "eqtl.alpha.smr").exists());
    assert!(with(&shards[0], "sub.beta.smr").exists());
    assert!(!with(&shards[0], "eqtl.beta.smr").exists());
    let merged = dir.path().join("merged");
    let mut a = vec!["merge".to_string(), "--out".into(), s(&merged)];
    a.extend(shards.iter().rev().map(|p| s(p)));
    ok(run(&a));
    let strip = |v: Vec<String>| -> Vec<String> {
        v.into_iter()
            .filter(|n| n != "log" && n != "manifest.json")
            .collect()
    };
    let want = strip(files_of(&full));
    assert_eq!(want.len(), 12);
    assert_eq!(strip(files_of(&merged)), want);
    for name in want {
        assert_eq!(
            bytes(&with(&merged, &name)),
            bytes(&with(&full, &name)),
            "{name}"
        );
    }
    // A shard of another dataset list is not a shard of this job.
    let foreign = dir.path().join("foreign");
    ok(run(&args(&[&[
        "--beqtl-summary",
        &s(&d.eqtl),
        "--gwas-summary",
        &s(&d.alpha),
        "--beqtl-summary",
        &s(&d.eqtl.parent().unwrap().join("eqtl_dense")),
        "--gwas-summary",
        &s(&d.beta),
        "--out",
        &s(&foreign),
        "--shard",
        "2/3",
    ]])));
    let out = dir.path().join("m2");
    let o = run(&[
        "merge".to_string(),
        "--out".into(),
        s(&out),
        s(&shards[0]),
        s(&foreign),
        s(&shards[2]),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(files_of(&out).is_empty());
}

#[test]
fn multi_snp_and_trans_run_per_dataset_and_a_corrupt_dataset_fails_its_units_only() {
    let dir = tempfile::tempdir().unwrap();
    let d = data(dir.path());
    for (flag, tables) in [
        (
            "--smr-multi",
            &["msmr", "snps4msmr.list", "prbregion4msmr.list"][..],
        ),
        ("--trans", &["smr"][..]),
    ] {
        let name = flag.trim_start_matches('-');
        let out = dir.path().join(name);
        ok(run(&args(&[&[
            "--beqtl-summary",
            &s(&d.eqtl),
            "--beqtl-summary",
            &s(&d.sub),
            "--gwas-summary",
            &s(&d.beta),
            flag,
            "--out",
            &s(&out),
        ]])));
        for (ds, prefix) in [("eqtl", &d.eqtl), ("sub", &d.sub)] {
            let one = dir.path().join(format!("{name}_{ds}"));
            ok(run(&args(&[&[
                "--beqtl-summary",
                &s(prefix),
                "--gwas-summary",
                &s(&d.beta),
                flag,
                "--out",
                &s(&one),
            ]])));
            for t in tables {
                assert_eq!(
                    bytes(&with(&out, &format!("{ds}.beta.{t}"))),
                    bytes(&with(&one, t)),
                    "{flag} {ds} {t}"
                );
            }
        }
    }
    // The second dataset's .esi cut short: its units fail, the first dataset's are written.
    let bad = dir.path().join("bad");
    for e in ["besd", "epi"] {
        std::fs::copy(with(&d.sub, e), with(&bad, e)).unwrap();
    }
    let esi = std::fs::read_to_string(with(&d.sub, "esi")).unwrap();
    let mut lines: Vec<&str> = esi.lines().collect();
    lines.truncate(lines.len() / 2);
    std::fs::write(with(&bad, "esi"), lines.join("\n") + "\n").unwrap();
    let out = dir.path().join("partly");
    let o = two_by_two_with(&d.eqtl, &bad, &d, &out);
    assert_eq!(o.status.code(), Some(1));
    assert!(with(&out, "eqtl.alpha.smr").exists() && with(&out, "eqtl.beta.smr").exists());
    assert!(!with(&out, "bad.alpha.smr").exists());
    let m: serde_json::Value =
        serde_json::from_slice(&bytes(&with(&out, "manifest.json"))).unwrap();
    let status: Vec<&str> = m["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["status"].as_str().unwrap())
        .collect();
    assert_eq!(status, ["done", "done", "failed", "failed"]);
    let log = String::from_utf8(bytes(&with(&out, "log"))).unwrap();
    assert!(log.contains("eQTL dataset bad FAILED"), "{log}");
    assert!(
        log.contains("2 of 4 work units (dataset x trait) failed"),
        "{log}"
    );
}

fn two_by_two_with(a: &Path, b: &Path, d: &Data, out: &Path) -> Output {
    run(&args(&[&[
        "--beqtl-summary",
        &s(a),
        "--beqtl-summary",
        &s(b),
        "--gwas-summary",
        &s(&d.alpha),
        "--gwas-summary",
        &s(&d.beta),
        "--out",
        &s(out),
    ]]))
}
