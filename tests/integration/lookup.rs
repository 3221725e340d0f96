//! Look-ups beyond the battery (data-spec/query.md, data-spec/ranges.md): the tarball form of
//! the eQTL data, `--query` without a value, `--query --probe --cis-wind`, and bad input
//! (exit 1 or 2, a message naming the flag and file, nothing written). Plus the range filters
//! against the counts SMR 1.3.1 printed for every battery case that uses them.

use crate::support::data;
use clap::Parser;
use fastsmr::cli::Cli;
use fastsmr::filters::{Filters, Tables};
use fastsmr::io::eqtl_source::{EqtlSource, Part};
use std::path::PathBuf;
use std::process::{Command, Output};

struct Run {
    out: Output,
    dir: tempfile::TempDir,
}

impl Run {
    fn file(&self, ext: &str) -> PathBuf {
        self.dir.path().join(format!("out.{ext}"))
    }
    fn text(&self, ext: &str) -> String {
        std::fs::read_to_string(self.file(ext)).expect("output written")
    }
    fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.out.stderr).into_owned()
    }
    fn code(&self) -> Option<i32> {
        self.out.status.code()
    }
    /// Nothing but the directory itself: no output, no temporary file.
    fn wrote_nothing(&self) -> bool {
        std::fs::read_dir(self.dir.path()).unwrap().next().is_none()
    }
}

/// Run fastsmr in `fixture`'s directory with `args` (and `--out <tmp>/out`).
fn run(fixture: &str, args: &str) -> Run {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args.split_whitespace())
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(data(fixture))
        .output()
        .expect("run fastsmr");
    Run { out, dir }
}

fn expected(fixture: &str, case: &str, file: &str) -> String {
    std::fs::read_to_string(data(fixture).join("expected").join(case).join(file)).unwrap()
}

#[test]
fn query_and_recode_read_the_tarball() {
    // The tarball holds the same values as eqtl/eqtl (dense, gzipped members): the same rows.
    let r = run(
        "tiny-seed1",
        "--beqtl-summary cis-eQTL-SMR_20191212.tar.gz --query 5e-8",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(r.text("txt"), expected("tiny-seed1", "query", "out.txt"));
    let r = run(
        "tiny-seed1",
        "--beqtl-summary cis-eQTL-SMR_20191212.tar.gz --recode --extract-probe \
         expected/probes_few.list",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(r.text("raw"), expected("tiny-seed1", "recode", "out.raw"));
    // Filters are not applied by the summaries (as by the reference): same file with one.
    let r = run(
        "tiny-seed1",
        "--beqtl-summary cis-eQTL-SMR_20191212.tar.gz --descriptive-cis --probe ENSG00040394426",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(
        r.text("cis.summary.txt"),
        expected("tiny-seed1", "descriptive_cis", "out.cis.summary.txt")
    );
    assert!(r.text("log").contains("filters given are not applied"));
}

#[test]
fn descriptive_windows_follow_the_flags() {
    // --descriptive-trans with --cis-wind 5000 given is the default run (5000 kb when absent);
    // --descriptive-cis with --peqtl-cis 1 and a tiny window reports the probes with a SNP
    // within 1 kb, each row's SNP inside its printed bounds.
    let r = run(
        "trans-seed1",
        "--beqtl-summary eqtl/eqtl --descriptive-trans --cis-wind 5000",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(
        r.text("trans.summary.txt"),
        expected("trans-seed1", "descriptive_trans", "out.trans.summary.txt")
    );
    let r = run(
        "tiny-seed1",
        "--beqtl-summary eqtl/eqtl --descriptive-cis --cis-wind 1 --peqtl-cis 1",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    let text = r.text("cis.summary.txt");
    assert!(text.lines().count() > 1, "no probe has a SNP within 1 kb");
    for l in text.lines().skip(1) {
        let t: Vec<i64> = l
            .split('\t')
            .enumerate()
            .filter(|(i, _)| [2, 6, 7, 10].contains(i))
            .map(|(_, v)| v.parse().unwrap())
            .collect();
        let (probe_bp, left, right, bp) = (t[0], t[1], t[2], t[3]);
        assert_eq!(
            (left, right),
            ((probe_bp - 1000).max(0), probe_bp + 1000),
            "{l}"
        );
        assert!(left <= bp && bp <= right, "{l}");
    }
}

#[test]
fn query_without_a_value_uses_5e_8() {
    let r = run("tiny-seed1", "--beqtl-summary eqtl/eqtl_dense --query");
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    assert_eq!(r.text("txt"), expected("tiny-seed1", "query", "out.txt"));
}

#[test]
fn query_probe_with_cis_wind_keeps_the_probe_cis_window() {
    // ENSG00040394426 is on chromosome 1 at 22786531; with --cis-wind 100 only its SNPs in
    // [22686531, 22886531] are reported. The reference's --recode of the same probe lists
    // all its values: the query must be exactly those rows whose SNP lies in the window.
    let (lo, hi) = (22_686_531i64, 22_886_531i64);
    let esi = std::fs::read_to_string(data("tiny-seed1").join("eqtl/eqtl.esi")).unwrap();
    let bp: std::collections::HashMap<&str, i64> = esi
        .lines()
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            (t[1], t[3].parse().unwrap())
        })
        .collect();
    let want: Vec<String> = expected("tiny-seed1", "recode", "out.raw")
        .lines()
        .skip(1)
        .filter(|l| l.starts_with("ENSG00040394426\t"))
        .filter(|l| {
            let b = bp[l.split('\t').nth(1).unwrap()];
            lo <= b && b <= hi
        })
        .map(|l| {
            let t: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t{}\t{}\t{}", t[1], t[3], t[4], t[5], t[6])
        })
        .collect();
    assert!(want.len() > 10, "{}", want.len());
    let r = run(
        "tiny-seed1",
        "--beqtl-summary eqtl/eqtl --query 1 --probe ENSG00040394426 --cis-wind 100",
    );
    assert_eq!(r.code(), Some(0), "{}", r.stderr());
    let got: Vec<String> = r
        .text("txt")
        .lines()
        .skip(1)
        .map(|l| {
            let t: Vec<&str> = l.split('\t').collect();
            format!("{}\t{}\t{}\t{}\t{}", t[0], t[3], t[4], t[11], t[12])
        })
        .collect();
    assert_eq!(got, want);
    // Without --cis-wind, every SNP of the probe.
    let r = run(
        "tiny-seed1",
        "--beqtl-summary eqtl/eqtl --query 1 --probe ENSG00040394426",
    );
    let n_all = expected("tiny-seed1", "recode", "out.raw")
        .lines()
        .filter(|l| l.starts_with("ENSG00040394426\t"))
        .count();
    assert_eq!(r.text("txt").lines().count() - 1, n_all);
}

fn assert_fails(r: &Run, code: i32, words: &[&str]) {
    let e = r.stderr();
    assert_eq!(r.code(), Some(code), "{e}");
    for w in words {
        assert!(e.contains(w), "'{w}' not in: {e}");
    }
    assert!(r.wrote_nothing(), "a failed run wrote files");
}

#[test]
fn bad_input_is_a_clear_error_and_writes_nothing() {
    let b = "--beqtl-summary eqtl/eqtl";
    // Names that are not in the data: input errors naming the table.
    assert_fails(
        &run("tiny-seed1", &format!("{b} --query --probe NOPE")),
        1,
        &["eqtl/eqtl.epi", "--probe NOPE", "no probe of this ID"],
    );
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --recode --snp rsNOPE --snp-wind 10"),
        ),
        1,
        &["eqtl/eqtl.esi", "--snp rsNOPE"],
    );
    assert_fails(
        &run("tiny-seed1", &format!("{b} --query --gene NOGENE")),
        1,
        &["--gene NOGENE"],
    );
    assert_fails(
        &run(
            "trans-seed1",
            &format!("{b} --query 1 --from-snp rs1_0001 --to-snp rs2_0127"),
        ),
        1,
        &["one chromosome"],
    );
    // Filters that leave nothing.
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --query 1 --snp rs836370931 --snp-rm rs836370931"),
        ),
        1,
        &["no SNP of", "passes the SNP filters"],
    );
    // Usage errors.
    assert_fails(
        &run("tiny-seed1", &format!("{b} --query --snp-wind 100")),
        2,
        &["--snp-wind needs --snp"],
    );
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --query --snp rs1 --snp-wind -3"),
        ),
        2,
        &["--snp-wind", "-3"],
    );
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --query --snp rs1 --snp-wind 1.5"),
        ),
        2,
        &["--snp-wind"],
    );
    assert_fails(
        &run("tiny-seed1", &format!("{b} --query 2")),
        2,
        &["--query must be in [0, 1]"],
    );
    assert_fails(
        &run("tiny-seed1", &format!("{b} --query --recode")),
        2,
        &["--query and --recode"],
    );
    assert_fails(
        &run("tiny-seed1", "--descriptive-cis"),
        2,
        &["--beqtl-summary"],
    );
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --query --from-probe-kb 1 --to-probe-kb 2"),
        ),
        2,
        &["--probe-chr"],
    );
    // A broken pair list names its line.
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("pairs.txt");
    std::fs::write(&list, "rs1 ENSG00040394426\nrs2 ENSG00040394426\n").unwrap();
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --query --extract-snp-probe {}", list.display()),
        ),
        1,
        &["pairs.txt, line 2", "listed twice"],
    );
    // --unpack-besd converts the whole input: a range flag is refused, not ignored.
    assert_fails(
        &run(
            "tiny-seed1",
            &format!("{b} --unpack-besd --probe ENSG00040394426"),
        ),
        2,
        &["--probe cannot be combined with --unpack-besd"],
    );
}

/// The count SMR 1.3.1 printed on the line of `stdout` containing `marker` (its first token).
fn printed_count(stdout: &str, marker: &str) -> Option<usize> {
    stdout
        .lines()
        .find(|l| l.contains(marker))
        .and_then(|l| l.split_whitespace().next())
        .and_then(|t| t.parse().ok())
}

#[test]
fn range_filters_keep_what_the_reference_kept() {
    // (case, marker of the reference's log line, probes or SNPs)
    let checks: &[(&str, &str, bool)] = &[
        ("probe_wind", "probes are extracted from the region", true),
        ("query_all", "probes are extracted from the region", true),
        ("query_all", "SNPs are extracted from the region", false),
        ("snp_wind", "SNPs are extracted from the region", false),
        ("probe_range", "probes are extracted from probe :", true),
        ("probe_kb", "probes are extracted from probe BP:", true),
        ("snp_kb", "SNPs are extracted from SNP BP:", false),
        (
            "gene",
            "probes are extracted that are mapping to gene",
            true,
        ),
        (
            "extract_target",
            "probes are extracted from [expected/targets.txt]",
            true,
        ),
        (
            "query",
            "probes are extracted from [expected/besd_probes.list]",
            true,
        ),
    ];
    let mut compared = 0;
    for fixture in ["tiny-seed1", "trans-seed1", "small-seed1"] {
        let dir = data(fixture);
        let (source, esi, epi, _) = EqtlSource::open_tables(&dir.join("eqtl/eqtl")).unwrap();
        let (esi_path, epi_path) = (source.label(Part::Esi), source.label(Part::Epi));
        let tables = Tables {
            esi: &esi,
            epi: &epi,
            esi_path: &esi_path,
            epi_path: &epi_path,
        };
        for &(case, marker, probes) in checks {
            let case_dir = dir.join("expected").join(case);
            let Ok(stdout) = std::fs::read_to_string(case_dir.join("stdout.txt")) else {
                continue;
            };
            let Some(want) = printed_count(&stdout, marker) else {
                continue;
            };
            let cmd = std::fs::read_to_string(case_dir.join("cmd.txt")).unwrap();
            let args: Vec<String> = std::iter::once("fastsmr".to_string())
                .chain(cmd.split_whitespace().skip(1).map(|a| {
                    if a.starts_with("expected/") || a.starts_with("eqtl/") {
                        dir.join(a).display().to_string()
                    } else {
                        a.to_string()
                    }
                }))
                .collect();
            let cli = Cli::try_parse_from(&args).unwrap();
            let sel = Filters::from_cli(&cli).unwrap().resolve(&tables).unwrap();
            let got = if probes {
                sel.probes.len()
            } else {
                sel.snps.len()
            };
            assert_eq!(got, want, "{fixture} {case}: {marker}");
            compared += 1;
        }
    }
    assert!(compared >= 25, "only {compared} counts compared");
}

#[test]
fn query_and_recode_do_not_depend_on_the_thread_count() {
    for mode in ["--query 1e-3", "--recode --chr 4"] {
        let args = format!("--beqtl-summary eqtl/eqtl {mode}");
        let one = run("small-seed1", &format!("{args} --thread-num 1"));
        let three = run("small-seed1", &format!("{args} --thread-num 3"));
        let ext = if mode.starts_with("--query") {
            "txt"
        } else {
            "raw"
        };
        assert_eq!(one.code(), Some(0), "{}", one.stderr());
        let (a, b) = (one.text(ext), three.text(ext));
        assert!(
            a.lines().count() > 1000,
            "{mode}: {} lines",
            a.lines().count()
        );
        assert!(a == b, "{mode}: outputs differ between 1 and 3 threads");
    }
}
