//! The bad-input specimen corpus (`tests/data/bad/`, issue 5): every row of `index.tsv` is run
//! through the binary and must end as the index says — for errors: the exit code, a message
//! naming the offending file (and line or record) with the expected words, no `.smr` and no
//! temporary file left behind, and never a panic. Also: the fuzz crash regressions, and an
//! output directory without write permission.

use crate::support::data_dir as data;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// One row of `tests/data/bad/index.tsv`.
#[derive(Debug, Clone)]
struct Case {
    name: String,
    exit: i32,
    kind: String,
    file: String,
    fragments: Vec<String>,
    args: Vec<String>,
}

fn expand(s: &str) -> String {
    s.replace(
        "{good}",
        data().join("tiny-seed1").to_str().expect("utf-8 path"),
    )
    .replace("{bad}", data().join("bad").to_str().expect("utf-8 path"))
}

fn read_index() -> Vec<Case> {
    let text = std::fs::read_to_string(data().join("bad/index.tsv")).expect("index.tsv");
    let mut cases = Vec::new();
    for line in text.lines().filter(|l| !l.starts_with('#')).skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 6, "index.tsv row with {} fields: {line}", f.len());
        cases.push(Case {
            name: f[0].to_string(),
            exit: f[1].parse().expect("exit code"),
            kind: f[2].to_string(),
            file: expand(f[3]),
            fragments: f[4]
                .split('|')
                .filter(|s| !s.is_empty())
                .map(str::to_string)
                .collect(),
            args: f[5].split_whitespace().map(expand).collect(),
        });
    }
    cases
}

fn run(args: &[String], out_dir: &Path) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fastsmr"));
    cmd.args(args);
    if !args.iter().any(|a| a == "--out") {
        cmd.arg("--out").arg(out_dir.join("out"));
    }
    cmd.output().expect("run fastsmr")
}

/// Files left in `dir` that a failed run must not leave: the result table and temporaries.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".smr") || n.contains(".tmp") || n.contains("write-check"))
                .collect()
        })
        .unwrap_or_default()
}

/// What the message must look like for each error kind (src/error.rs Display impls).
fn kind_shape(kind: &str, file: &str) -> Option<String> {
    match kind {
        "Open" => Some(format!("Error: cannot open {file}: ")),
        "Read" => Some(format!("Error: cannot read {file}: ")),
        "Parse" => Some(format!("Error: {file}, line ")),
        "Format" => Some(format!("Error: {file}: ")),
        "OutputDir" => Some(format!(
            "Error: cannot write to the output directory {file} "
        )),
        "Config" => Some("Error: invalid options: ".to_string()),
        "Analysis" => Some("Error: ".to_string()),
        "Usage" => Some("error: ".to_string()),
        _ => None,
    }
}

/// Check one case; the problems found, empty when it behaved.
fn check(case: &Case, good_smr: &str) -> Vec<String> {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = run(&case.args, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let code = out.status.code();
    let mut bad = Vec::new();
    if code != Some(case.exit) {
        bad.push(format!("exit {code:?}, expected {}", case.exit));
    }
    if code == Some(101) || stderr.contains("panicked") {
        bad.push("panicked".into());
    }
    for frag in &case.fragments {
        if !stderr.contains(frag.as_str()) {
            bad.push(format!("stderr lacks {frag:?}"));
        }
    }
    let smr = dir.path().join("out.smr");
    if case.kind.starts_with("ok") {
        if !smr.exists() {
            bad.push("no out.smr".into());
        }
        // Never a non-finite number in a result (issue 10).
        let text = std::fs::read_to_string(&smr).unwrap_or_default();
        if let Some(tok) = text
            .split(['\t', '\n'])
            .find(|t| t.parse::<f64>().is_ok_and(|v| !v.is_finite()))
        {
            bad.push(format!("out.smr holds the non-finite value {tok:?}"));
        }
        if case.kind == "ok-same" && std::fs::read_to_string(&smr).ok().as_deref() != Some(good_smr)
        {
            bad.push("out.smr differs from the run on the good files".into());
        }
        if case.kind == "ok-warned" {
            let log = std::fs::read_to_string(dir.path().join("out.log")).unwrap_or_default();
            if !(log.contains("warning: ") && log.contains(case.file.as_str())) {
                bad.push(format!("out.log has no warning naming {}", case.file));
            }
        }
    } else {
        if !case.file.is_empty() && !stderr.contains(case.file.as_str()) {
            bad.push(format!("stderr does not name {}", case.file));
        }
        match kind_shape(&case.kind, &case.file) {
            Some(shape) if stderr.contains(shape.as_str()) => {}
            Some(shape) => bad.push(format!("stderr lacks the {} shape {shape:?}", case.kind)),
            None => bad.push(format!("unknown kind {}", case.kind)),
        }
        let left = leftovers(dir.path());
        if !left.is_empty() {
            bad.push(format!("left behind: {left:?}"));
        }
    }
    if !bad.is_empty() {
        bad.insert(0, format!("stderr:\n{stderr}"));
    }
    bad
}

fn base_args() -> Vec<String> {
    [
        "--bfile",
        "{good}/ref/ref",
        "--gwas-summary",
        "{good}/gwas/trait.ma",
        "--beqtl-summary",
        "{good}/eqtl/eqtl",
    ]
    .iter()
    .map(|s| expand(s))
    .collect()
}

#[test]
fn every_corpus_case_ends_as_the_index_says() {
    let cases = read_index();
    assert!(cases.len() >= 30, "only {} cases", cases.len());
    let errors = cases.iter().filter(|c| c.exit != 0).count();
    assert!(errors >= 30, "only {errors} error cases");
    let dir = tempfile::tempdir().expect("tempdir");
    let good = run(&base_args(), dir.path());
    assert!(
        good.status.success(),
        "{}",
        String::from_utf8_lossy(&good.stderr)
    );
    let good_smr = std::fs::read_to_string(dir.path().join("out.smr")).expect("good out.smr");

    // Two at a time: the runs are independent.
    let failures: Vec<String> = std::thread::scope(|s| {
        let halves: Vec<_> = cases
            .chunks(cases.len().div_ceil(2))
            .map(|chunk| {
                let good_smr = &good_smr;
                s.spawn(move || {
                    chunk
                        .iter()
                        .filter_map(|c| {
                            let bad = check(c, good_smr);
                            (!bad.is_empty()).then(|| format!("[{}] {}", c.name, bad.join("\n  ")))
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        halves
            .into_iter()
            .flat_map(|h| h.join().expect("thread"))
            .collect()
    });
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_case_directory_is_in_the_index() {
    let names: Vec<String> = read_index().into_iter().map(|c| c.name).collect();
    for e in std::fs::read_dir(data().join("bad")).expect("bad/") {
        let e = e.expect("entry");
        if e.path().is_dir() && e.file_name() != "fuzz" {
            let n = e.file_name().to_string_lossy().into_owned();
            assert!(names.contains(&n), "{n} is not in index.tsv");
        }
    }
}

#[test]
fn regression_issue5_unwritable_output_directory_fails_before_any_work() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let ro = dir.path().join("ro");
    std::fs::create_dir(&ro).expect("mkdir");
    std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).expect("chmod");
    // Privileged users (root in a container) can write anyway: then the check cannot bite.
    if std::fs::write(ro.join("probe"), b"").is_ok() {
        eprintln!("skipped: running with permissions that ignore a read-only directory");
        return;
    }
    let mut args = base_args();
    args.extend(["--out".to_string(), ro.join("out").display().to_string()]);
    let out = run(&args, dir.path());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "cannot write to the output directory {}",
            ro.display()
        )) && stderr.contains("Permission denied"),
        "{stderr}"
    );
    // It failed before reading any input.
    assert!(!stderr.contains("Reading"), "{stderr}");
    assert!(std::fs::read_dir(&ro).expect("ls").next().is_none());
}

/// Degenerate values that are readable but make the arithmetic meaningless: eQTL se = 0, beta
/// = 0, NaN and infinite values, and a reference panel where every SNP is monomorphic (LD is
/// NaN). The run must finish (or stop with a message), never panic or hang.
#[test]
fn regression_issue5_degenerate_values_do_not_panic() {
    use fastsmr::io::besd::writer::write_sparse;
    use fastsmr::io::besd::{BesdEntry, BesdFile};
    let tiny = data().join("tiny-seed1");
    let eqtl = tiny.join("eqtl/eqtl");
    let n_snps = fastsmr::io::esi::read_esi(&eqtl.with_extension("esi"))
        .expect("esi")
        .len();
    let n_probes = 20;
    let besd = BesdFile::open(&eqtl.with_extension("besd"), n_snps, n_probes).expect("besd");
    let mut probes: Vec<Vec<BesdEntry>> = Vec::new();
    let mut buf = Vec::new();
    for p in 0..n_probes {
        besd.read_probe(p, &mut buf).expect("probe");
        let edit = |e: &BesdEntry, i: usize| -> BesdEntry {
            let (beta, se) = match p % 5 {
                0 => (e.beta, 0.0),
                1 => (0.0, e.se),
                2 if i.is_multiple_of(2) => (f32::NAN, e.se),
                3 if i.is_multiple_of(3) => (f32::INFINITY, f32::INFINITY),
                4 if i.is_multiple_of(2) => (e.beta, -e.se),
                _ => (e.beta, e.se),
            };
            BesdEntry { beta, se, ..*e }
        };
        probes.push(buf.iter().enumerate().map(|(i, e)| edit(e, i)).collect());
    }
    let n_unusable = probes
        .iter()
        .flatten()
        .filter(|e: &&BesdEntry| !(e.beta.is_finite() && e.se.is_finite() && e.se > 0.0))
        .count();
    assert!(n_unusable > 1000, "{n_unusable}");
    let dir = tempfile::tempdir().expect("tempdir");
    let prefix = dir.path().join("eqtl");
    std::fs::copy(eqtl.with_extension("esi"), prefix.with_extension("esi")).expect("esi");
    std::fs::copy(eqtl.with_extension("epi"), prefix.with_extension("epi")).expect("epi");
    write_sparse(&prefix.with_extension("besd"), n_snps, &probes, None).expect("write");
    // Monomorphic panel: every genotype homozygous for allele 1 (code 00).
    let mono = dir.path().join("mono");
    for ext in ["bim", "fam"] {
        std::fs::copy(
            tiny.join("ref/ref").with_extension(ext),
            mono.with_extension(ext),
        )
        .expect("copy");
    }
    let bed_len = std::fs::metadata(tiny.join("ref/ref.bed"))
        .expect("bed")
        .len() as usize;
    let mut bed = vec![0u8; bed_len];
    bed[..3].copy_from_slice(&[0x6c, 0x1b, 0x01]);
    std::fs::write(mono.with_extension("bed"), bed).expect("bed");

    let gwas = tiny.join("gwas/trait.ma");
    let variants: [(&Path, &[&str]); 5] = [
        (&tiny.join("ref/ref"), &[]),
        (
            &tiny.join("ref/ref"),
            &["--heidi-mtd", "0", "--thread-num", "2"],
        ),
        (&mono, &["--disable-freq-ck"]),
        (
            &mono,
            &[
                "--disable-freq-ck",
                "--ld-upper-limit",
                "1",
                "--ld-lower-limit",
                "0",
            ],
        ),
        (
            &mono,
            &[
                "--disable-freq-ck",
                "--heidi-mtd",
                "0",
                "--ld-upper-limit",
                "1",
            ],
        ),
    ];
    for (i, (bfile, extra)) in variants.iter().enumerate() {
        let out_dir = dir.path().join(format!("run{i}"));
        std::fs::create_dir(&out_dir).expect("mkdir");
        let mut args: Vec<String> = vec![
            "--bfile".into(),
            bfile.display().to_string(),
            "--gwas-summary".into(),
            gwas.display().to_string(),
            "--beqtl-summary".into(),
            prefix.display().to_string(),
            "--peqtl-smr".into(),
            "1".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        let out = run(&args, &out_dir);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            !stderr.contains("panicked") && out.status.code() != Some(101),
            "variant {i} panicked:\n{stderr}"
        );
        assert_eq!(out.status.code(), Some(0), "variant {i}:\n{stderr}");
        let smr = std::fs::read_to_string(out_dir.join("out.smr")).expect("out.smr");
        assert!(smr.lines().count() > 1, "variant {i}: no rows");
        assert!(
            stderr.contains(&format!(
                "{}: {n_unusable} stored eQTL values skipped",
                prefix.with_extension("besd").display()
            )),
            "variant {i}:\n{stderr}"
        );
        if *bfile == mono.as_path() {
            // No LD in a monomorphic panel: HEIDI can never give a p-value.
            assert!(
                smr.lines()
                    .skip(1)
                    .all(|l| l.split('\t').nth(19) == Some("NA")),
                "variant {i}:\n{smr}"
            );
        }
    }
}

/// Run the binary on inputs built from one fuzz input of `target` (the layout each fuzz target
/// reads, see fuzz/fuzz_targets/); the problems found, empty when it behaved.
fn check_fuzz_input(target: &str, bytes: &[u8]) -> Vec<String> {
    let tiny = data().join("tiny-seed1");
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    let esi_lines: Vec<String> = std::fs::read_to_string(tiny.join("eqtl/eqtl.esi"))
        .expect("esi")
        .lines()
        .map(str::to_string)
        .collect();
    let write_lines = |path: &Path, n: usize, line: &dyn Fn(usize) -> String| {
        let text: String = (0..n).map(|i| line(i) + "\n").collect();
        std::fs::write(path, text).expect("write");
    };
    let mut runs: Vec<(Vec<String>, PathBuf)> = Vec::new();
    let s = |p: &Path| p.display().to_string();
    match target {
        "besd" => {
            if bytes.len() < 3 {
                return Vec::new();
            }
            let n_snps = usize::from(u16::from_le_bytes([bytes[0], bytes[1]])) % 4096;
            let n_probes = usize::from(bytes[2]);
            let file = &bytes[3..];
            let mut counts = vec![(n_snps, n_probes)];
            if file.len() >= 16 && matches!(file[..4], [3, 0, 0, 0] | [5, 0, 0, 0]) {
                let h =
                    |i: usize| i32::from_le_bytes([file[i], file[i + 1], file[i + 2], file[i + 3]]);
                if (0..=4096).contains(&h(8)) && (0..=256).contains(&h(12)) {
                    counts.push((h(8) as usize, h(12) as usize));
                }
            }
            for (k, (ns, np)) in counts.into_iter().enumerate() {
                let prefix = d.join(format!("e{k}"));
                // SNPs of the tiny .esi (so the GWAS matches), cycling when more are needed.
                write_lines(&prefix.with_extension("esi"), ns, &|i| {
                    let l = &esi_lines[i % esi_lines.len()];
                    if i < esi_lines.len() {
                        l.clone()
                    } else {
                        l.replacen("\trs", &format!("\tx{i}rs"), 1)
                    }
                });
                write_lines(&prefix.with_extension("epi"), np, &|i| {
                    format!("1\tP{i}\t0\t{}\tG{i}\t+", 20_000_000 + 10_000 * i)
                });
                std::fs::write(prefix.with_extension("besd"), file).expect("besd");
                let args = vec![
                    "--heidi-off".into(),
                    "--gwas-summary".into(),
                    s(&tiny.join("gwas/trait.ma")),
                    "--beqtl-summary".into(),
                    s(&prefix),
                    "--peqtl-smr".into(),
                    "1".into(),
                ];
                runs.push((args, prefix.with_extension("besd")));
            }
        }
        "ma" => {
            let ma = d.join("fuzz.ma");
            std::fs::write(&ma, bytes).expect("ma");
            let args = vec![
                "--bfile".into(),
                s(&tiny.join("ref/ref")),
                "--gwas-summary".into(),
                s(&ma),
                "--beqtl-summary".into(),
                s(&tiny.join("eqtl/eqtl")),
            ];
            runs.push((args, ma));
        }
        "bed" => {
            if bytes.len() < 2 {
                return Vec::new();
            }
            let (n_snps, n_indiv) = (usize::from(bytes[0]), usize::from(bytes[1]));
            let prefix = d.join("ref");
            write_lines(&prefix.with_extension("bim"), n_snps, &|i| {
                let f: Vec<&str> = esi_lines[i].split('\t').collect();
                format!("1\t{}\t0\t{}\t{}\t{}", f[1], f[3], f[4], f[5])
            });
            write_lines(&prefix.with_extension("fam"), n_indiv, &|i| {
                format!("F{i} I{i} 0 0 {} -9", 1 + i % 2)
            });
            std::fs::write(prefix.with_extension("bed"), &bytes[2..]).expect("bed");
            let args = vec![
                "--bfile".into(),
                s(&prefix),
                "--gwas-summary".into(),
                s(&tiny.join("gwas/trait.ma")),
                "--beqtl-summary".into(),
                s(&tiny.join("eqtl/eqtl")),
                "--disable-freq-ck".into(),
            ];
            runs.push((args, prefix.with_extension("bed")));
        }
        _ => return vec![format!("unknown fuzz target {target}")],
    }
    let mut bad = Vec::new();
    for (args, file) in runs {
        let out_dir = tempfile::tempdir().expect("tempdir");
        let out = run(&args, out_dir.path());
        let stderr = String::from_utf8_lossy(&out.stderr);
        let code = out.status.code();
        if code == Some(101) || stderr.contains("panicked") {
            bad.push(format!("panicked:\n{stderr}"));
        } else if code == Some(1) {
            // A failure must say where: the fuzzed file, or (analysis) the inputs involved.
            // For a fuzzed .bed the generated .fam/.bim of the same prefix may be what is wrong
            // (e.g. zero individuals): naming any file of the set says where.
            let names_file = stderr.contains(&s(&file))
                || ["fam", "bim"]
                    .iter()
                    .any(|e| stderr.contains(&s(&file.with_extension(e))))
                || stderr.contains("no SNP")
                || stderr.contains("allele frequency");
            if !names_file || !leftovers(out_dir.path()).is_empty() {
                bad.push(format!("vague error or leftovers:\n{stderr}"));
            }
        } else if code != Some(0) {
            bad.push(format!("exit {code:?}:\n{stderr}"));
        }
    }
    bad
}

/// Every fuzz input kept in `tests/data/bad/fuzz/<target>/` (crash regressions and a sample of
/// each target's corpus) goes through the binary: exit 0 or 1, never a panic, errors that say
/// where.
#[test]
fn regression_issue5_fuzz_inputs_through_the_binary() {
    let root = data().join("bad/fuzz");
    let mut n = 0;
    let mut failures = Vec::new();
    for target in ["besd", "ma", "bed"] {
        let Ok(rd) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        let mut files: Vec<PathBuf> = rd.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        files.sort();
        for f in files {
            let bytes = std::fs::read(&f).expect("read");
            n += 1;
            let bad = check_fuzz_input(target, &bytes);
            if !bad.is_empty() {
                failures.push(format!("[{}] {}", f.display(), bad.join("\n")));
            }
        }
    }
    assert!(n >= 3, "only {n} fuzz inputs");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
