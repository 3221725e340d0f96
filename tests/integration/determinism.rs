//! Results do not depend on the thread count: on a 2,000-probe simulation (the model of
//! `validation/sim_model.rs`, with trans-eQTLs on every 10th probe), cis SMR, multi-SNP SMR
//! and trans-SMR with 1 and 8 threads write byte-identical tables, each with rows.

#[path = "../../validation/sim_model.rs"]
mod sim_model;

use std::path::{Path, PathBuf};
use std::process::Command;

fn run(prefix: &Path, out: &Path, threads: usize, extra: &[&str]) {
    let p = prefix.to_str().unwrap();
    let ma = format!("{p}.ma");
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", p, "--beqtl-summary", p, "--gwas-summary", &ma])
        .args(["--out", out.to_str().unwrap()])
        .args(["--thread-num", &threads.to_string()])
        .args(extra)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

fn ext(p: &Path, e: &str) -> PathBuf {
    PathBuf::from(format!("{}.{e}", p.display()))
}

#[test]
fn cis_multi_and_trans_are_byte_identical_with_1_and_8_threads() {
    let dir = tempfile::tempdir().unwrap();
    let prefix = dir.path().join("sim");
    let params = sim_model::Params {
        out: prefix.clone(),
        probes: 2000,
        snps: 30_000,
        indiv: 300,
        cis_kb: 1000,
        trans_every: 10,
        ..sim_model::Params::default()
    };
    sim_model::simulate(&params).unwrap();
    let cases: [(&str, &[&str], &[&str]); 3] = [
        ("cis", &[], &["smr", "snp_failed_freq_ck.list"]),
        (
            "multi",
            &["--smr-multi"],
            &["msmr", "snps4msmr.list", "prbregion4msmr.list"],
        ),
        ("trans", &["--trans"], &["smr"]),
    ];
    for (name, flags, files) in cases {
        let one = dir.path().join(format!("{name}1"));
        let eight = dir.path().join(format!("{name}8"));
        run(&prefix, &one, 1, flags);
        run(&prefix, &eight, 8, flags);
        for f in files {
            let a = std::fs::read(ext(&one, f)).unwrap();
            let b = std::fs::read(ext(&eight, f)).unwrap();
            assert!(a == b, "{name}: {f} differs between 1 and 8 threads");
        }
        // Not vacuous: the main table has rows (header + at least 50).
        let rows = std::fs::read_to_string(ext(&one, files[0]))
            .unwrap()
            .lines()
            .count()
            - 1;
        eprintln!("{name}: {rows} rows");
        assert!(rows >= 50, "{name}: only {rows} rows");
    }
}
