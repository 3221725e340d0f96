//! Golden tests: fastsmr against SMR 1.3.1's own outputs for the tiny fixture
//! (`tests/data/tiny-seed1/expected/<case>/`), compared as oracle-notes §5 prescribes.

use crate::compare;
use crate::support::tiny as fixture;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Run {
    out: Output,
    dir: tempfile::TempDir,
}

impl Run {
    fn file(&self, ext: &str) -> PathBuf {
        self.dir.path().join(format!("out.{ext}"))
    }
}

fn run_case_with(case: &str, extra: &[&str]) -> Run {
    let cmd = std::fs::read_to_string(fixture().join("expected").join(case).join("cmd.txt"))
        .expect("cmd.txt");
    let dir = tempfile::tempdir().expect("tempdir");
    let out_prefix = dir.path().join("out");
    let mut args = compare::command_args(&cmd, out_prefix.to_str().expect("utf-8 path"));
    args.extend(extra.iter().map(|s| s.to_string()));
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(&args)
        .current_dir(fixture())
        .output()
        .expect("run fastsmr");
    Run { out, dir }
}

fn expected(case: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(fixture().join("expected").join(case).join(file)).ok()
}

/// Run one case and compare every file the reference wrote.
fn check_case(case: &str) {
    let run = run_case_with(case, &[]);
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    let rc: i32 = expected(case, "rc.txt").unwrap().trim().parse().unwrap();
    assert_eq!(rc, 0, "use check_failure_case for failing cases");
    assert!(
        run.out.status.success(),
        "{case}: fastsmr failed:\n{stderr}"
    );
    let exp = expected(case, "out.smr").unwrap();
    let ours = std::fs::read_to_string(run.file("smr")).unwrap();
    let diff = compare::compare_tables(&exp, &ours);
    assert!(diff.ok(), "{case}: .smr differs:\n{}", diff.report());
    match expected(case, "out.snp_failed_freq_ck.list") {
        Some(list) => {
            let ours = std::fs::read_to_string(run.file("snp_failed_freq_ck.list")).unwrap();
            assert_eq!(list, ours, "{case}: snp_failed_freq_ck.list differs");
        }
        None => assert!(
            !run.file("snp_failed_freq_ck.list").exists(),
            "{case}: the reference wrote no frequency-check list"
        ),
    }
    assert!(run.file("log").exists(), "{case}: no log written");
}

#[test]
fn default_case() {
    check_case("default");
}

#[test]
fn heidi_method_0() {
    check_case("mtd0");
}

#[test]
fn heidi_off() {
    check_case("heidi_off");
}

#[test]
fn threads2_maf() {
    check_case("threads2_maf");
}

#[test]
fn filters() {
    check_case("filters");
}

#[test]
fn dense_besd() {
    check_case("dense");
}

#[test]
fn no_freq_ck() {
    check_case("no_freq_ck");
}

#[test]
fn gwas_only_swap() {
    check_case("gwas_only_swap");
}

#[test]
fn freq_abort_stops_with_the_reference_reason_and_no_smr() {
    let case = "freq_abort";
    let rc: i32 = expected(case, "rc.txt").unwrap().trim().parse().unwrap();
    assert_ne!(rc, 0);
    let run = run_case_with(case, &[]);
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    assert_eq!(run.out.status.code(), Some(1), "stderr:\n{stderr}");
    assert!(
        stderr.contains(
            "the analysis stopped because more than 0.01% of the SNPs were removed by the allele \
             frequency difference check"
        ),
        "stderr:\n{stderr}"
    );
    assert!(
        !run.file("smr").exists(),
        "a failed run must not leave a .smr"
    );
    let list = expected(case, "out.snp_failed_freq_ck.list").unwrap();
    let ours = std::fs::read_to_string(run.file("snp_failed_freq_ck.list")).unwrap();
    assert_eq!(list, ours);
}

#[test]
fn one_and_two_threads_give_identical_bytes() {
    let one = run_case_with("default", &["--thread-num", "1"]);
    let two = run_case_with("default", &["--thread-num", "2"]);
    assert!(one.out.status.success() && two.out.status.success());
    let a = std::fs::read(one.file("smr")).unwrap();
    let b = std::fs::read(two.file("smr")).unwrap();
    assert!(!a.is_empty());
    assert_eq!(a, b);
}

/// Reference bug Q2: `--heidi-off` without `--bfile` writes a correct `.smr` and then crashes
/// (exit 139). We write the same table and exit 0.
#[test]
fn heidi_off_without_bfile_matches_and_exits_zero() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let res = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args([
            "--gwas-summary",
            "gwas/trait.ma",
            "--beqtl-summary",
            "eqtl/eqtl",
            "--heidi-off",
            "--out",
            out.to_str().unwrap(),
        ])
        .current_dir(fixture())
        .output()
        .unwrap();
    assert_eq!(
        res.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&res.stderr)
    );
    let exp = expected("heidi_off", "out.smr").unwrap();
    let ours = std::fs::read_to_string(dir.path().join("out.smr")).unwrap();
    let diff = compare::compare_tables(&exp, &ours);
    assert!(diff.ok(), "{}", diff.report());
    let list = expected("heidi_off", "out.snp_failed_freq_ck.list").unwrap();
    let ours = std::fs::read_to_string(dir.path().join("out.snp_failed_freq_ck.list")).unwrap();
    assert_eq!(list, ours);
}

/// `--target-snp` set to a probe's own top cis-eQTL (rs925659175 for ENSG00034789397 in the
/// reference's default output) must give that probe the same instrument and the same SMR
/// columns as the default run; the header names the target columns.
#[test]
fn target_snp_equal_to_the_top_snp_reproduces_the_smr_columns() {
    let run = run_case_with("default", &["--target-snp", "rs925659175"]);
    assert!(
        run.out.status.success(),
        "{}",
        String::from_utf8_lossy(&run.out.stderr)
    );
    let ours = std::fs::read_to_string(run.file("smr")).unwrap();
    assert!(ours.starts_with("probeID\tProbeChr\tGene\tProbe_bp\ttargetSNP\t"));
    let pick = |t: &str| -> Vec<String> {
        t.lines()
            .find(|l| l.starts_with("ENSG00034789397\t"))
            .expect("row present")
            .split('\t')
            .take(19)
            .map(str::to_string)
            .collect()
    };
    let exp = expected("default", "out.smr").unwrap();
    assert_eq!(pick(&exp), pick(&ours));
    // Every row uses the target as instrument.
    for l in ours.lines().skip(1) {
        assert_eq!(l.split('\t').nth(4), Some("rs925659175"));
    }
}

/// Run a multi-SNP case and compare the three tables the reference wrote.
fn check_multi_case(case: &str) {
    let run = run_case_with(case, &[]);
    let stderr = String::from_utf8_lossy(&run.out.stderr);
    assert!(
        run.out.status.success(),
        "{case}: fastsmr failed:\n{stderr}"
    );
    let exp = expected(case, "out.msmr").unwrap();
    let ours = std::fs::read_to_string(run.file("msmr")).unwrap();
    let diff = compare::compare_tables(&exp, &ours);
    assert!(diff.ok(), "{case}: .msmr differs:\n{}", diff.report());
    for list in ["snps4msmr.list", "prbregion4msmr.list"] {
        let exp = expected(case, &format!("out.{list}")).unwrap();
        let ours = std::fs::read_to_string(run.file(list)).unwrap();
        assert_eq!(exp, ours, "{case}: .{list} differs");
    }
}

#[test]
fn multi_snp_smr() {
    check_multi_case("multi");
}

#[test]
fn multi_snp_smr_with_a_set_window_and_heidi_off() {
    check_multi_case("multi_setwind");
    check_multi_case("multi_heidioff");
}

#[test]
fn multi_snp_smr_of_gene_regions_and_snp_sets() {
    check_multi_case("genelist");
    check_multi_case("setlist");
}

#[test]
fn multi_snp_smr_needs_the_ld_reference_even_with_heidi_off() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args([
            "--gwas-summary",
            "gwas/trait.ma",
            "--beqtl-summary",
            "eqtl/eqtl",
            "--smr-multi",
            "--heidi-off",
            "--out",
        ])
        .arg(dir.path().join("out"))
        .current_dir(fixture())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--bfile"));
}

#[test]
fn a_set_list_naming_no_probe_is_an_input_error_with_no_output() {
    let dir = tempfile::tempdir().unwrap();
    let sets = dir.path().join("sets.txt");
    std::fs::write(&sets, "NOT_A_PROBE rs1 rs2 END\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args([
            "--bfile",
            "ref/ref",
            "--gwas-summary",
            "gwas/trait.ma",
            "--beqtl-summary",
            "eqtl/eqtl",
            "--smr-multi",
            "--set-list",
        ])
        .arg(&sets)
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(fixture())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("sets.txt") && stderr.contains("names a probe"),
        "{stderr}"
    );
    assert!(!dir.path().join("out.msmr").exists());
}

#[test]
fn multi_snp_smr_does_not_depend_on_the_thread_count() {
    let one = run_case_with("multi", &["--thread-num", "1"]);
    let two = run_case_with("multi", &["--thread-num", "3"]);
    assert!(one.out.status.success() && two.out.status.success());
    for f in ["msmr", "snps4msmr.list", "prbregion4msmr.list"] {
        let a = std::fs::read(one.file(f)).unwrap();
        assert!(!a.is_empty());
        assert_eq!(a, std::fs::read(two.file(f)).unwrap(), "{f}");
    }
}

/// Run fastsmr on the trans fixture with `args` (`--out` appended) and compare its `.smr` with
/// the reference's `expected/<case>/out.smr`.
fn check_trans(case: &str, args: &[&str]) {
    let fix = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trans-seed1");
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args([
            "--bfile",
            "ref/ref",
            "--gwas-summary",
            "gwas/trait.ma",
            "--beqtl-summary",
            "eqtl/eqtl",
        ])
        .args(args)
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(&fix)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let exp = std::fs::read_to_string(fix.join("expected").join(case).join("out.smr")).unwrap();
    let ours = std::fs::read_to_string(dir.path().join("out.smr")).unwrap();
    assert!(exp.lines().count() > 1);
    let diff = compare::compare_tables(&exp, &ours);
    assert!(
        diff.ok(),
        "{case} {args:?}: .smr differs:\n{}",
        diff.report()
    );
}

#[test]
fn trans_smr_one_row_per_region() {
    check_trans("trans", &["--trans"]);
    check_trans(
        "trans_wind",
        &["--trans", "--trans-wind", "500", "--peqtl-trans", "1e-6"],
    );
}

/// oracle-notes Q14: `--smr-wind` before `--trans` is lost to the 5000 kb cis reset, and after
/// it sets the trans window.
#[test]
fn trans_reads_smr_wind_in_command_line_order() {
    check_trans("trans", &["--smr-wind", "500", "--trans"]);
    check_trans(
        "trans_wind",
        &["--trans", "--smr-wind", "500", "--peqtl-trans", "1e-6"],
    );
}
