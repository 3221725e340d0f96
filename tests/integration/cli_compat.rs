//! Drop-in parsing of SMR 1.3.1 command lines (issue 11 part 6): a repeated flag takes its last
//! value, and a reference flag fastsmr lacks is named as such, with no tip towards another flag.

use std::path::Path;
use std::process::Command;

fn fixture() -> &'static Path {
    Path::new(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/tiny-seed1"
    ))
}

fn fastsmr(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .current_dir(fixture())
        .output()
        .unwrap()
}

#[test]
fn repeated_flag_takes_its_last_value() {
    let dir = tempfile::tempdir().unwrap();
    let base = ["--bfile", "ref/ref", "--gwas-summary", "gwas/trait.ma"];
    let once = dir.path().join("once");
    let twice = dir.path().join("twice");
    let mut a: Vec<&str> = base.to_vec();
    a.extend(["--beqtl-summary", "eqtl/eqtl", "--maf", "0.05"]);
    a.extend(["--out", once.to_str().unwrap()]);
    assert!(fastsmr(&a).status.success());
    // A wrapper script's override appended after the first value.
    let mut b: Vec<&str> = base.to_vec();
    b.extend([
        "--beqtl-summary",
        "eqtl/eqtl",
        "--maf",
        "0.3",
        "--maf",
        "0.05",
    ]);
    b.extend(["--out", twice.to_str().unwrap()]);
    assert!(fastsmr(&b).status.success());
    let x = std::fs::read(once.with_extension("smr")).unwrap();
    let y = std::fs::read(twice.with_extension("smr")).unwrap();
    assert_eq!(x, y);
    // And the value really matters: --maf 0.3 alone gives another table.
    let other = dir.path().join("other");
    let mut c: Vec<&str> = base.to_vec();
    c.extend(["--beqtl-summary", "eqtl/eqtl", "--maf", "0.3"]);
    c.extend(["--out", other.to_str().unwrap()]);
    assert!(fastsmr(&c).status.success());
    assert_ne!(x, std::fs::read(other.with_extension("smr")).unwrap());
}

#[test]
fn reference_flag_not_offered_is_named_without_a_tip() {
    // --merlin-fastassoc-format is an SMR 1.3.1 flag with no fastsmr counterpart.
    let out = fastsmr(&["--beqtl-summary", "eqtl/eqtl", "--merlin-fastassoc-format"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--merlin-fastassoc-format is an SMR 1.3.1 option fastsmr does not implement"),
        "{err}"
    );
    assert!(!err.contains("tip"), "{err}");
}

#[test]
fn unknown_flag_gets_no_tip_towards_another_analysis() {
    let out = fastsmr(&["--beqtl-summary", "eqtl/eqtl", "--thread-numb", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unexpected argument '--thread-numb'"), "{err}");
    assert!(!err.contains("similar argument"), "{err}");
}
