//! Scale-out (issue 13): shards merged equal the unsharded run, the merge refuses shards that
//! do not belong together, `--resume` after a killed run, empty shards. Data: the trans-seed1
//! fixture (probes on three chromosomes) and trait files derived from its `.ma` by dropping
//! rows and swapping alleles, so that every trait's SNP set differs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trans-seed1")
}

fn base_args() -> Vec<String> {
    let f = fixture();
    vec![
        "--bfile".into(),
        f.join("ref/ref").to_string_lossy().into(),
        "--beqtl-summary".into(),
        f.join("eqtl/eqtl").to_string_lossy().into(),
    ]
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

fn s(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// Three traits: the fixture's `.ma`, one without every 7th row, one without every 5th row
/// and with the alleles (and sign of b, frequency) swapped on every 11th.
fn traits(dir: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(fixture().join("gwas/trait.ma")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let a = dir.join("alpha.ma");
    std::fs::write(&a, &text).unwrap();
    let mut b = vec![lines[0].to_string()];
    b.extend(
        lines[1..]
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 != 3)
            .map(|(_, l)| l.to_string()),
    );
    let bp = dir.join("beta.ma");
    std::fs::write(&bp, b.join("\n") + "\n").unwrap();
    let mut c = vec![lines[0].to_string()];
    for (i, l) in lines[1..].iter().enumerate() {
        if i % 5 == 1 {
            continue;
        }
        let mut f: Vec<String> = l.split_whitespace().map(String::from).collect();
        if i % 11 == 0 {
            f.swap(1, 2);
            if let Ok(fr) = f[3].parse::<f64>() {
                f[3] = format!("{}", 1.0 - fr);
            }
            if let Ok(be) = f[4].parse::<f64>() {
                f[4] = format!("{}", -be);
            }
        }
        c.push(f.join(" "));
    }
    let cp = dir.join("gamma.ma");
    std::fs::write(&cp, c.join("\n") + "\n").unwrap();
    vec![a, bp, cp]
}

fn gwas_args(traits: &[PathBuf]) -> Vec<String> {
    traits
        .iter()
        .flat_map(|t| ["--gwas-summary".to_string(), s(t)])
        .collect()
}

fn analysis(gwas: &[String], out: &Path, extra: &[&str]) -> Output {
    let mut a = base_args();
    a.extend(gwas.iter().cloned());
    a.extend(["--out".to_string(), s(out)]);
    a.extend(extra.iter().map(|x| x.to_string()));
    run(&a)
}

fn merge(out: &Path, shards: &[PathBuf]) -> Output {
    let mut a = vec!["merge".to_string(), "--out".to_string(), s(out)];
    a.extend(shards.iter().map(|p| s(p)));
    run(&a)
}

fn bytes(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn with(prefix: &Path, ext: &str) -> PathBuf {
    PathBuf::from(format!("{}.{ext}", prefix.display()))
}

fn manifest(prefix: &Path) -> serde_json::Value {
    serde_json::from_slice(&bytes(&with(prefix, "manifest.json"))).unwrap()
}

/// Files in `dir` whose names start with the file name of `prefix` followed by a dot.
fn files_of(prefix: &Path) -> Vec<String> {
    let base = format!("{}.", prefix.file_name().unwrap().to_string_lossy());
    let mut v: Vec<String> = std::fs::read_dir(prefix.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(&base))
        .collect();
    v.sort();
    v
}

fn rows(p: &Path) -> usize {
    bytes(p).iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn chromosome_shards_merge_to_the_unsharded_single_run() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t[..1]);
    let full = d.path().join("full");
    ok(analysis(&g, &full, &[]));
    let mut shards = Vec::new();
    for c in ["1", "2", "3"] {
        let p = d.path().join(format!("chr{c}"));
        ok(analysis(&g, &p, &["--chr", c]));
        shards.push(p);
    }
    // Shards hold part of the rows each; together all of them.
    let parts: usize = shards.iter().map(|p| rows(&with(p, "smr")) - 1).sum();
    assert_eq!(parts, rows(&with(&full, "smr")) - 1);
    assert!(shards.iter().all(|p| rows(&with(p, "smr")) > 1));
    // Given in another order: the merge restores .epi order.
    shards.reverse();
    let m = d.path().join("merged");
    ok(merge(&m, &shards));
    assert_eq!(bytes(&with(&m, "smr")), bytes(&with(&full, "smr")));
    let mm = manifest(&m);
    assert_eq!(mm["kind"], "merge");
    assert_eq!(mm["status"], "finished");
    assert_eq!(mm["merged_from"].as_array().unwrap().len(), 3);
    let full_m = manifest(&full);
    assert_eq!(
        mm["units"][0]["probes_tested"],
        full_m["units"][0]["probes_tested"]
    );
}

#[test]
fn trait_shards_merge_to_the_unsharded_batch_file_for_file() {
    let d = tempfile::tempdir().unwrap();
    let g = gwas_args(&traits(d.path()));
    let full = d.path().join("full");
    ok(analysis(&g, &full, &["--thread-num", "2"]));
    let shards: Vec<PathBuf> = (1..=2).map(|k| d.path().join(format!("s{k}"))).collect();
    for (k, p) in shards.iter().enumerate() {
        ok(analysis(&g, p, &["--shard", &format!("{}/2", k + 1)]));
    }
    // Round-robin: shard 1 has units 0 and 2, shard 2 unit 1.
    assert!(with(&shards[0], "alpha.smr").exists() && with(&shards[0], "gamma.smr").exists());
    assert!(!with(&shards[0], "beta.smr").exists());
    assert!(with(&shards[1], "beta.smr").exists());
    let m = d.path().join("merged");
    ok(merge(&m, &shards));
    let strip = |v: Vec<String>, p: &Path| -> Vec<String> {
        let base = p.file_name().unwrap().to_string_lossy().len();
        v.into_iter()
            .map(|n| n[base..].to_string())
            .filter(|n| n != ".log" && n != ".manifest.json")
            .collect()
    };
    let want = strip(files_of(&full), &full);
    assert_eq!(strip(files_of(&m), &m), want);
    assert_eq!(want.len(), 9, "{want:?}");
    for suffix in want {
        let name = &suffix[1..];
        assert_eq!(bytes(&with(&m, name)), bytes(&with(&full, name)), "{name}");
    }
    // The three traits' tables differ (nothing shared by accident).
    assert_ne!(
        bytes(&with(&full, "alpha.smr")),
        bytes(&with(&full, "gamma.smr"))
    );
}

#[test]
fn trait_and_chromosome_shards_together_merge_to_the_unsharded_batch() {
    let d = tempfile::tempdir().unwrap();
    let g = gwas_args(&traits(d.path()));
    let full = d.path().join("full");
    ok(analysis(&g, &full, &[]));
    let mut shards = Vec::new();
    for k in 1..=2 {
        for c in ["1", "2", "3"] {
            let p = d.path().join(format!("s{k}c{c}"));
            ok(analysis(
                &g,
                &p,
                &["--shard", &format!("{k}/2"), "--chr", c],
            ));
            shards.push(p);
        }
    }
    let m = d.path().join("merged");
    ok(merge(&m, &shards));
    for t in ["alpha", "beta", "gamma"] {
        let name = format!("{t}.smr");
        assert_eq!(
            bytes(&with(&m, &name)),
            bytes(&with(&full, &name)),
            "{name}"
        );
    }
}

fn assert_refused(o: Output, out: &Path, why: &str) {
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains(why), "expected '{why}' in: {err}");
    assert!(files_of(out).is_empty(), "merge wrote {:?}", files_of(out));
}

#[test]
fn merge_refuses_missing_duplicated_foreign_and_unfinished_shards() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t);
    let shard = |name: &str, spec: &str, extra: &[&str]| {
        let p = d.path().join(name);
        let mut e = vec!["--shard", spec];
        e.extend_from_slice(extra);
        let o = analysis(&g, &p, &e);
        (p, o)
    };
    let (s1, o) = shard("s1", "1/2", &[]);
    ok(o);
    let (s2, o) = shard("s2", "2/2", &[]);
    ok(o);
    let out = d.path().join("m");
    // Missing.
    assert_refused(
        merge(&out, std::slice::from_ref(&s1)),
        &out,
        "2/2 of the whole genome missing",
    );
    // Duplicated: the same prefix twice, or shard 1 run twice under two prefixes.
    assert_refused(
        merge(&out, &[s1.clone(), s1.clone(), s2.clone()]),
        &out,
        "given twice",
    );
    let (s1b, o) = shard("s1b", "1/2", &[]);
    ok(o);
    assert_refused(
        merge(&out, &[s1.clone(), s1b, s2.clone()]),
        &out,
        "given twice",
    );
    // Foreign settings.
    let (s2maf, o) = shard("s2maf", "2/2", &["--maf", "0.01"]);
    ok(o);
    assert_refused(merge(&out, &[s1.clone(), s2maf]), &out, "--maf: 0 vs 0.01");
    // Foreign inputs: the same path, other content.
    let keep = bytes(&t[1]);
    let text = String::from_utf8(keep.clone()).unwrap();
    let fewer: Vec<&str> = text
        .lines()
        .enumerate()
        .filter(|(i, _)| i % 13 != 5)
        .map(|(_, l)| l)
        .collect();
    std::fs::write(&t[1], fewer.join("\n") + "\n").unwrap();
    let (s2other, o) = shard("s2other", "2/2", &[]);
    ok(o);
    assert_refused(
        merge(&out, &[s1.clone(), s2other]),
        &out,
        "read different gwas:beta inputs",
    );
    std::fs::write(&t[1], &keep).unwrap();
    // Unfinished: a unit that failed (its trait file unreadable as GWAS data).
    std::fs::write(&t[1], "not a GWAS header\n").unwrap();
    let (s2bad, o) = shard("s2bad", "2/2", &[]);
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(manifest(&s2bad)["units"][1]["status"], "failed");
    assert_refused(merge(&out, &[s1.clone(), s2bad]), &out, "did not finish");
    std::fs::write(&t[1], &keep).unwrap();
    // A shard output changed after the run.
    std::fs::write(with(&s2, "beta.smr"), "probeID\n").unwrap();
    assert_refused(
        merge(&out, &[s1.clone(), s2.clone()]),
        &out,
        "missing or changed",
    );
    // Chromosome shards: one missing, one twice (as --chr and as --probe-chr).
    let chr = |name: &str, flags: &[&str]| {
        let p = d.path().join(name);
        ok(analysis(&gwas_args(&t[..1]), &p, flags));
        p
    };
    let (c1, c2, c3) = (
        chr("c1", &["--chr", "1"]),
        chr("c2", &["--chr", "2"]),
        chr("c3", &["--chr", "3"]),
    );
    let c1p = chr("c1p", &["--probe-chr", "1"]);
    assert_refused(
        merge(&out, &[c1.clone(), c2.clone()]),
        &out,
        "no shard covers chromosome(s) 3",
    );
    assert_refused(
        merge(&out, &[c1.clone(), c1p, c2.clone(), c3.clone()]),
        &out,
        "chromosome 1 is covered by two regions",
    );
    ok(merge(&out, &[c1, c2, c3]));
    // The tables, and the side files every region wrote alike (here the frequency-check list).
    for f in files_of(&out) {
        std::fs::remove_file(d.path().join(f)).unwrap();
    }
    // A shard's manifest missing.
    assert_refused(
        merge(&out, &[s1, d.path().join("nothing")]),
        &out,
        "nothing.manifest.json",
    );
}

#[test]
fn resume_after_a_killed_run_gives_the_uninterrupted_result() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let full = d.path().join("full");
    ok(analysis(&gwas_args(&t), &full, &[]));
    // The second trait is a named pipe that never delivers data: the run finishes the first
    // unit and then blocks on the second, where it is killed.
    let fifo_dir = d.path().join("fifo");
    std::fs::create_dir(&fifo_dir).unwrap();
    let pipe = fifo_dir.join("beta.ma");
    assert!(Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap()
        .success());
    let writer = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open(&pipe)
        .unwrap();
    let traits2 = vec![t[0].clone(), pipe.clone(), t[2].clone()];
    let out = d.path().join("r");
    let mut a = base_args();
    a.extend(gwas_args(&traits2));
    a.extend(["--out".to_string(), s(&out)]);
    // One trait per probe loop, so that the first unit finishes before the second blocks
    // (with groups, the units of a group finish together); the uninterrupted run `full` used
    // the default group, which gives the same outputs.
    a.extend(["--trait-group".to_string(), "1".to_string()]);
    let mut child = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(&a)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let running = std::fs::read(with(&out, "manifest.json"))
            .ok()
            .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
            .is_some_and(|m| m["units"][1]["status"] == "running");
        if running {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the run never reached unit 2"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    drop(writer);
    let killed = manifest(&out);
    assert_eq!(killed["status"], "running");
    assert_eq!(killed["units"][0]["status"], "done");
    assert_eq!(killed["units"][2]["status"], "pending");
    assert!(with(&out, "alpha.smr").exists());
    assert!(!with(&out, "beta.smr").exists() && !with(&out, "gamma.smr").exists());
    let alpha_mtime = std::fs::metadata(with(&out, "alpha.smr"))
        .unwrap()
        .modified()
        .unwrap();
    // The pipe is replaced by the real file; the resumed run keeps unit 1's outputs.
    std::fs::remove_file(&pipe).unwrap();
    std::fs::copy(&t[1], &pipe).unwrap();
    let stages = |out: &Path| {
        files_of(
            &d.path()
                .join(format!(".{}", out.file_name().unwrap().to_string_lossy())),
        )
        .into_iter()
        .filter(|n| n.contains(".fastsmr-stage."))
        .count()
    };
    assert_eq!(stages(&out), 1, "the killed unit's staging directory");
    let mut r = a.clone();
    r.push("--resume".into());
    ok(run(&r));
    assert_eq!(stages(&out), 0);
    let m = manifest(&out);
    assert_eq!(m["status"], "finished");
    assert_eq!(m["units"][0]["resumed"], true);
    assert_eq!(m["units"][1]["resumed"], false);
    assert_eq!(
        std::fs::metadata(with(&out, "alpha.smr"))
            .unwrap()
            .modified()
            .unwrap(),
        alpha_mtime
    );
    for name in ["alpha", "beta", "gamma"] {
        for ext in ["smr", "harmonise.summary.tsv", "snp_failed_freq_ck.list"] {
            let f = format!("{name}.{ext}");
            assert_eq!(bytes(&with(&out, &f)), bytes(&with(&full, &f)), "{f}");
        }
    }
    // Resuming a finished run runs nothing and changes nothing.
    ok(run(&r));
    assert!(manifest(&out)["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["resumed"] == true));
}

#[test]
fn empty_shards_exit_0_with_header_only_tables() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t);
    // No probe on chromosome 5: header-only tables for every trait.
    let c5 = d.path().join("c5");
    ok(analysis(&g, &c5, &["--chr", "5"]));
    let header = bytes(&with(&c5, "alpha.smr"));
    assert!(header.starts_with(b"probeID\tProbeChr\t"));
    assert_eq!(rows(&with(&c5, "alpha.smr")), 1);
    assert_eq!(bytes(&with(&c5, "gamma.smr")), header);
    assert_eq!(manifest(&c5)["status"], "finished");
    // More shards than traits: shard 4/4 has no unit; it writes its manifest, exits 0.
    let s4 = d.path().join("s4");
    ok(analysis(&g, &s4, &["--shard", "4/4"]));
    assert_eq!(files_of(&s4), vec!["s4.log", "s4.manifest.json"]);
    let m = manifest(&s4);
    assert!(m["units"]
        .as_array()
        .unwrap()
        .iter()
        .all(|u| u["status"] == "other-shard"));
    // A header-only shard merges like any other (chromosomes 1-3 plus an empty 5).
    let mut shards = vec![c5];
    for c in ["1", "2", "3"] {
        let p = d.path().join(format!("chr{c}"));
        ok(analysis(&g, &p, &["--chr", c]));
        shards.push(p);
    }
    let full = d.path().join("full");
    ok(analysis(&g, &full, &[]));
    let out = d.path().join("m");
    ok(merge(&out, &shards));
    assert_eq!(
        bytes(&with(&out, "beta.smr")),
        bytes(&with(&full, "beta.smr"))
    );
}

#[test]
fn dry_run_lists_every_shard_and_writes_nothing() {
    let d = tempfile::tempdir().unwrap();
    let g = gwas_args(&traits(d.path()));
    let out = d.path().join("dry");
    let o = ok(analysis(&g, &out, &["--shard", "2/2", "--dry-run"]));
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("shard 1/2: 2 unit(s)"), "{text}");
    assert!(text.contains("shard 2/2: 1 unit(s)"), "{text}");
    assert!(
        text.contains("unit 1: ") && text.contains(" x beta -> "),
        "{text}"
    );
    assert!(
        text.contains("summary: shards=2 units=3 max_mem_mb="),
        "{text}"
    );
    assert!(files_of(&out).is_empty());
}

/// Every file of the unsharded run `full` (but its log and manifest) and of the merge `m`:
/// the same names, the same bytes.
fn assert_same_files(m: &Path, full: &Path, want: &[&str]) {
    let strip = |p: &Path| -> Vec<String> {
        let base = p.file_name().unwrap().to_string_lossy().len() + 1;
        files_of(p)
            .into_iter()
            .map(|n| n[base..].to_string())
            .filter(|n| n != "log" && n != "manifest.json")
            .collect()
    };
    let mut w: Vec<String> = want.iter().map(|s| s.to_string()).collect();
    w.sort();
    assert_eq!(strip(full), w, "the unsharded run's files");
    assert_eq!(strip(m), w, "the merged files");
    for name in want {
        assert_eq!(bytes(&with(m, name)), bytes(&with(full, name)), "{name}");
    }
}

#[test]
fn every_table_of_multi_snp_and_extended_runs_merges_from_chromosome_shards() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t[2..]);
    for (name, flag, tables) in [
        (
            "multi",
            "--smr-multi",
            &["msmr", "snps4msmr.list", "prbregion4msmr.list"][..],
        ),
        ("extra", "--smr-extra-columns", &["smr", "smr.extra"][..]),
    ] {
        let full = d.path().join(format!("{name}_full"));
        ok(analysis(&g, &full, &[flag]));
        // --probe-chr regions: every SNP in every region, so every file merges, the
        // harmonisation report and the frequency-check list included.
        let mut shards = Vec::new();
        for c in ["3", "1", "2"] {
            let p = d.path().join(format!("{name}_p{c}"));
            ok(analysis(&g, &p, &[flag, "--probe-chr", c]));
            shards.push(p);
        }
        let m = d.path().join(format!("{name}_m"));
        ok(merge(&m, &shards));
        let mut all = tables.to_vec();
        all.extend(["harmonise.summary.tsv", "snp_failed_freq_ck.list"]);
        assert_same_files(&m, &full, &all);
        // --chr regions (and an empty one): the tables merge; the harmonisation report,
        // which describes each region's SNPs, stays with the shards and the merge says so.
        let mut shards = Vec::new();
        for c in ["1", "2", "3", "5"] {
            let p = d.path().join(format!("{name}_c{c}"));
            ok(analysis(&g, &p, &[flag, "--chr", c]));
            shards.push(p);
        }
        let mc = d.path().join(format!("{name}_mc"));
        let o = ok(merge(&mc, &shards));
        let report = String::from_utf8_lossy(&o.stderr);
        assert!(report.contains("stay with their shards"), "{report}");
        assert!(!with(&mc, "harmonise.summary.tsv").exists());
        for tb in tables {
            assert_eq!(
                bytes(&with(&mc, tb)),
                bytes(&with(&full, tb)),
                "{name} {tb}"
            );
        }
        let rows_full = rows(&with(&full, tables[0]));
        assert!(rows_full > 3, "{name}: {rows_full} rows");
    }
}

#[test]
fn trans_tables_merge_from_probe_chromosome_shards_and_not_from_snp_regions() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t[..1]);
    let full = d.path().join("full");
    ok(analysis(&g, &full, &["--trans"]));
    assert!(rows(&with(&full, "smr")) > 2);
    let mut shards = Vec::new();
    for c in ["1", "2", "3"] {
        let p = d.path().join(format!("p{c}"));
        ok(analysis(&g, &p, &["--trans", "--probe-chr", c]));
        shards.push(p);
    }
    let m = d.path().join("m");
    ok(merge(&m, &shards));
    assert_same_files(
        &m,
        &full,
        &["smr", "harmonise.summary.tsv", "snp_failed_freq_ck.list"],
    );
    // --chr also restricts the SNPs, hence the trans regions: refused, nothing written.
    let mut shards = Vec::new();
    for c in ["1", "2", "3"] {
        let p = d.path().join(format!("c{c}"));
        ok(analysis(&g, &p, &["--trans", "--chr", c]));
        shards.push(p);
    }
    let out = d.path().join("mc");
    assert_refused(
        merge(&out, &shards),
        &out,
        "trans-SMR shards cannot be merged",
    );
    // A cis shard and a trans shard are not one job.
    let cis = d.path().join("cis1");
    ok(analysis(&g, &cis, &["--probe-chr", "1"]));
    let p2 = d.path().join("p2");
    let p3 = d.path().join("p3");
    assert_refused(merge(&out, &[cis, p2, p3]), &out, "--trans: (not set) vs");
}

#[test]
fn unit_log_lines_name_the_final_outputs() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let out = d.path().join("b");
    ok(analysis(&gwas_args(&t[..2]), &out, &[]));
    let log = String::from_utf8(bytes(&with(&out, "log"))).unwrap();
    let saved = format!("results saved in {}", with(&out, "alpha.smr").display());
    assert!(log.contains(&saved), "{log}");
    let report = format!(
        "counted in {}",
        with(&out, "beta.harmonise.summary.tsv").display()
    );
    assert!(log.contains(&report), "{log}");
    assert!(!log.contains("fastsmr-stage"), "{log}");
}

#[test]
fn set_list_shards_are_refused_by_genome_region() {
    let d = tempfile::tempdir().unwrap();
    let t = traits(d.path());
    let g = gwas_args(&t[..1]);
    // One set per chromosome: its first probe with the chromosome's first SNPs.
    let f = fixture();
    let epi = std::fs::read_to_string(f.join("eqtl/eqtl.epi")).unwrap();
    let esi = std::fs::read_to_string(f.join("eqtl/eqtl.esi")).unwrap();
    let mut sets = String::new();
    for c in ["1", "2", "3"] {
        let row = epi
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .find(|r| r[0] == c)
            .unwrap();
        let (probe, bp) = (row[1].to_string(), row[3].parse::<i64>().unwrap());
        let snps: Vec<&str> = esi
            .lines()
            .map(|l| l.split_whitespace().collect::<Vec<_>>())
            .filter(|r| r[0] == c && (r[3].parse::<i64>().unwrap() - bp).abs() < 300_000)
            .map(|r| r[1])
            .collect();
        sets.push_str(&format!("{probe} {} END\n", snps.join(" ")));
    }
    let list = d.path().join("sets.txt");
    std::fs::write(&list, sets).unwrap();
    let flags = [
        "--smr-multi",
        "--set-list",
        list.to_str().unwrap(),
        "--peqtl-smr",
        "1",
    ];
    let mut shards = Vec::new();
    for c in ["1", "2", "3"] {
        let p = d.path().join(format!("c{c}"));
        let mut a = flags.to_vec();
        a.extend(["--chr", c]);
        ok(analysis(&g, &p, &a));
        shards.push(p);
    }
    let out = d.path().join("m");
    assert_refused(
        merge(&out, &shards),
        &out,
        "run with --set-list cannot be merged by genome region",
    );
    // Trait shards of the same job merge as any other.
    let g2 = gwas_args(&t[..2]);
    let full = d.path().join("full");
    ok(analysis(&g2, &full, &flags));
    let mut shards = Vec::new();
    for k in 1..=2 {
        let p = d.path().join(format!("k{k}"));
        let mut a = flags.to_vec();
        let spec = format!("{k}/2");
        a.extend(["--shard", &spec]);
        ok(analysis(&g2, &p, &a));
        shards.push(p);
    }
    let m = d.path().join("mk");
    ok(merge(&m, &shards));
    for name in ["alpha.msmr", "beta.msmr", "beta.snps4msmr.list"] {
        assert_eq!(bytes(&with(&m, name)), bytes(&with(&full, name)), "{name}");
    }
    assert!(rows(&with(&full, "alpha.msmr")) > 1);
}
