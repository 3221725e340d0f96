//! The reference battery: every case of every committed fixture
//! (`tests/data/<fixture>/expected/<case>/cmd.txt`, the commands SMR 1.3.1 was run with) is run
//! through fastsmr and every file the reference wrote is compared, as
//! `shared/tools/casecmp.py` does: `.besd` byte for byte, text files field by field, each field
//! equal as text or both numbers within 2e-6 relative; the reference's own logs (`*.log`,
//! `*.summary`) and the case's bookkeeping files are not compared. Exit statuses must agree
//! (both zero or both non-zero).
//!
//! `tests/data/battery-pending.txt` lists the cases fastsmr does not pass yet (`fixture case`
//! per line). A pending case that passes fails the test too, so the list only ever shrinks and
//! says exactly where the project stands.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

const FIXTURES: &[&str] = &["tiny-seed1", "trans-seed1", "small-seed1"];
const TOL: f64 = 2e-6;
/// Bookkeeping files of a case directory, never outputs.
const SKIP: &[&str] = &[
    "cmd.txt",
    "stdout.txt",
    "rc.txt",
    "prep.txt",
    "cmp.txt",
    "time.txt",
];

fn data() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).unwrap();
        }
    }
}

fn num(s: &str) -> Option<f64> {
    s.parse::<f64>().ok()
}

/// casecmp.py's text comparison: `None` when equal.
fn same_text(a: &str, b: &str) -> Option<String> {
    let (la, lb): (Vec<&str>, Vec<&str>) = (a.lines().collect(), b.lines().collect());
    if la.len() != lb.len() {
        return Some(format!("{} vs {} lines", la.len(), lb.len()));
    }
    for (i, (x, y)) in la.iter().zip(&lb).enumerate() {
        if x == y {
            continue;
        }
        let (fx, fy): (Vec<&str>, Vec<&str>) = (
            x.split_whitespace().collect(),
            y.split_whitespace().collect(),
        );
        if fx.len() != fy.len() {
            return Some(format!(
                "line {}: {} vs {} fields",
                i + 1,
                fx.len(),
                fy.len()
            ));
        }
        for (u, v) in fx.iter().zip(&fy) {
            if u == v {
                continue;
            }
            match (num(u), num(v)) {
                (Some(p), Some(q)) if (p - q).abs() <= TOL * p.abs().max(1e-300) => {}
                _ => return Some(format!("line {}: {u} vs {v}", i + 1)),
            }
        }
    }
    None
}

fn files_under(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir.join(rel))
        .unwrap()
        .map(|e| e.unwrap())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            files_under(dir, &r, out);
        } else {
            out.push(r);
        }
    }
}

/// Compare every reference output of `exp` with the candidate directory; `None` when all match.
fn compare_case(exp: &Path, cand: &Path) -> Option<String> {
    let mut files = Vec::new();
    files_under(exp, Path::new(""), &mut files);
    let mut bad = Vec::new();
    for rel in files {
        let name = rel.file_name().unwrap().to_string_lossy().to_string();
        if SKIP.contains(&name.as_str()) || name.ends_with(".summary") || name.ends_with(".log") {
            continue;
        }
        let Ok(ours) = std::fs::read(cand.join(&rel)) else {
            bad.push(format!("{}: missing", rel.display()));
            continue;
        };
        let theirs = std::fs::read(exp.join(&rel)).unwrap();
        if ours == theirs {
            continue;
        }
        if name.ends_with(".besd") {
            bad.push(format!("{}: bytes differ", rel.display()));
            continue;
        }
        let latin1 = |b: &[u8]| b.iter().map(|&c| c as char).collect::<String>();
        if let Some(why) = same_text(&latin1(&theirs), &latin1(&ours)) {
            bad.push(format!("{}: {why}", rel.display()));
        }
    }
    (!bad.is_empty()).then(|| bad.join("; "))
}

/// Run one case in the scratch copy `dir` of its fixture, as `shared/tools/battery.sh` does.
fn run_case(dir: &Path, case: &str) -> Result<(), String> {
    let exp_rel = format!("expected/{case}/");
    let out_rel = format!("cand/{case}/");
    std::fs::create_dir_all(dir.join(&out_rel)).unwrap();
    let case_dir = dir.join("expected").join(case);
    if let Ok(prep) = std::fs::read_to_string(case_dir.join("prep.txt")) {
        let st = Command::new("bash")
            .arg("-c")
            .arg(prep.replace(&exp_rel, &out_rel))
            .current_dir(dir)
            .status()
            .unwrap();
        assert!(st.success(), "{case}: prep.txt failed");
    }
    let cmd = std::fs::read_to_string(case_dir.join("cmd.txt")).unwrap();
    let args: Vec<String> = cmd
        .split_whitespace()
        .skip(1)
        .map(|a| a.replace(&exp_rel, &out_rel))
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(&args)
        .current_dir(dir)
        .output()
        .unwrap();
    let want: i32 = std::fs::read_to_string(case_dir.join("rc.txt"))
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let ok = out.status.success();
    if want != 0 {
        return if ok {
            Err(format!("exit 0, the reference exits {want}"))
        } else {
            Ok(())
        };
    }
    if !ok {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "exit {:?}: {}",
            out.status.code(),
            err.lines().last().unwrap_or("")
        ));
    }
    match compare_case(&case_dir, &dir.join(&out_rel)) {
        None => Ok(()),
        Some(why) => Err(why),
    }
}

fn pending() -> BTreeSet<(String, String)> {
    let text = std::fs::read_to_string(data().join("battery-pending.txt")).unwrap();
    text.lines()
        .map(|l| l.split('#').next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .map(|l| {
            let mut it = l.split_whitespace();
            (
                it.next().unwrap().to_string(),
                it.next().unwrap().to_string(),
            )
        })
        .collect()
}

fn run_fixture(fixture: &str) {
    let src = data().join(fixture);
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join(fixture);
    copy_dir(&src, &dir);
    let mut cases: Vec<String> = std::fs::read_dir(src.join("expected"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("cmd.txt").exists())
        .map(|e| e.file_name().to_string_lossy().to_string())
        .collect();
    cases.sort();
    let pend = pending();
    let mut problems = Vec::new();
    let mut passed = 0;
    for case in &cases {
        let is_pending = pend.contains(&(fixture.to_string(), case.clone()));
        match (run_case(&dir, case), is_pending) {
            (Ok(()), false) => passed += 1,
            (Err(why), true) => eprintln!("{fixture} {case}: pending ({why})"),
            (Ok(()), true) => problems.push(format!(
                "{fixture} {case}: passes now; remove it from tests/data/battery-pending.txt"
            )),
            (Err(why), false) => problems.push(format!("{fixture} {case}: {why}")),
        }
    }
    eprintln!(
        "{fixture}: {passed}/{} cases match the reference",
        cases.len()
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn battery_tiny_seed1() {
    run_fixture(FIXTURES[0]);
}

#[test]
fn battery_trans_seed1() {
    run_fixture(FIXTURES[1]);
}

#[test]
fn battery_small_seed1() {
    run_fixture(FIXTURES[2]);
}
