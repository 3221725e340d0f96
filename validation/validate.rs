//! Run fastsmr on every reference case of one or more fixture directories (`expected/<case>/`,
//! as `tests/integration/battery.rs` and `shared/tools/battery.sh` do) and compare **every file
//! the reference wrote** with ours by the battery's rule ([`compare::compare_file`]: `.besd`
//! byte for byte, text field by field, numbers within 2e-6 relative). Per case and file it
//! prints rows compared, rows matching and the worst relative difference per column; at the end
//! a summary table, also written as markdown with `--markdown PATH`.
//!
//! Usage: `cargo run --release --example validate -- FIXTURE_DIR... [--fastsmr PATH]
//! [--beqtl SRC] [--markdown PATH] [--case NAME]...` (PATH defaults to
//! `target/release/fastsmr`; build it first). `--beqtl SRC` replaces every case's
//! `--beqtl-summary` value (e.g. the fixture's eQTLGen-style tarball), to check that another
//! form of the same eQTL data gives the same results. Exit status 1 when any case differs.

mod compare;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Bookkeeping files of a case directory, never outputs (as the battery).
const SKIP: &[&str] = &[
    "cmd.txt",
    "stdout.txt",
    "rc.txt",
    "prep.txt",
    "cmp.txt",
    "time.txt",
];

struct Options {
    fixtures: Vec<PathBuf>,
    bin: PathBuf,
    beqtl: Option<String>,
    markdown: Option<PathBuf>,
    cases: Vec<String>,
}

fn options() -> Options {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut o = Options {
        fixtures: Vec::new(),
        bin: PathBuf::from("target/release/fastsmr"),
        beqtl: None,
        markdown: None,
        cases: Vec::new(),
    };
    let mut i = 0;
    while i < args.len() {
        let value = || {
            args.get(i + 1).cloned().unwrap_or_else(|| {
                eprintln!("{} needs a value", args[i]);
                std::process::exit(2)
            })
        };
        match args[i].as_str() {
            "--fastsmr" => o.bin = PathBuf::from(value()),
            "--beqtl" => o.beqtl = Some(value()),
            "--markdown" => o.markdown = Some(PathBuf::from(value())),
            "--case" => o.cases.push(value()),
            a if a.starts_with("--") => {
                eprintln!("unknown option {a}");
                std::process::exit(2)
            }
            a => {
                o.fixtures.push(PathBuf::from(a));
                i += 1;
                continue;
            }
        }
        i += 2;
    }
    if o.fixtures.is_empty() {
        eprintln!(
            "usage: validate FIXTURE_DIR... [--fastsmr PATH] [--beqtl SRC] [--markdown PATH] \
             [--case NAME]..."
        );
        std::process::exit(2);
    }
    o.bin = std::fs::canonicalize(&o.bin).unwrap_or_else(|e| {
        eprintln!("cannot find the fastsmr binary {}: {e}", o.bin.display());
        std::process::exit(2)
    });
    o
}

/// One case's result.
struct CaseResult {
    fixture: String,
    case: String,
    rc_expected: i32,
    rc: i32,
    files: Vec<compare::FileDiff>,
}

impl CaseResult {
    fn ok(&self) -> bool {
        (self.rc == 0) == (self.rc_expected == 0) && self.files.iter().all(|f| f.ok())
    }
}

fn main() {
    let o = options();
    let scratch = std::env::temp_dir().join(format!("fastsmr-validate-{}", std::process::id()));
    let mut results = Vec::new();
    for fixture in &o.fixtures {
        let name = fixture
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default();
        // A scratch copy: cases may write next to their inputs (prep.txt, BESD tools).
        let dir = scratch.join(&name);
        copy_dir(fixture, &dir);
        let mut cases: Vec<String> = std::fs::read_dir(dir.join("expected"))
            .expect("expected/ directory")
            .filter_map(|e| e.ok())
            .filter(|e| e.path().join("cmd.txt").exists())
            .map(|e| e.file_name().to_string_lossy().to_string())
            .filter(|c| o.cases.is_empty() || o.cases.contains(c))
            .collect();
        cases.sort();
        for case in cases {
            let r = run_case(&o, &dir, &name, &case);
            print_case(&r);
            results.push(r);
        }
    }
    let _ = std::fs::remove_dir_all(&scratch);
    let table = summary(&results);
    println!("\n{table}");
    if let Some(p) = &o.markdown {
        std::fs::write(p, &table).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    }
    std::process::exit(if results.iter().all(CaseResult::ok) {
        0
    } else {
        1
    });
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).expect("scratch directory");
    for e in std::fs::read_dir(from).expect("fixture directory") {
        let e = e.expect("fixture entry");
        let t = to.join(e.file_name());
        if e.file_type().expect("file type").is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), &t).expect("copy");
        }
    }
}

fn files_under(dir: &Path, rel: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir.join(rel))
        .expect("case directory")
        .filter_map(|e| e.ok())
        .collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let r = rel.join(e.file_name());
        if e.file_type().is_ok_and(|t| t.is_dir()) {
            files_under(dir, &r, out);
        } else {
            out.push(r);
        }
    }
}

/// Run one case in the scratch copy `dir` of its fixture and compare its files.
fn run_case(o: &Options, dir: &Path, fixture: &str, case: &str) -> CaseResult {
    let exp_rel = format!("expected/{case}/");
    let out_rel = format!("cand/{case}/");
    let cand = dir.join(&out_rel);
    std::fs::create_dir_all(&cand).expect("candidate directory");
    let case_dir = dir.join("expected").join(case);
    if let Ok(prep) = std::fs::read_to_string(case_dir.join("prep.txt")) {
        let _ = Command::new("bash")
            .arg("-c")
            .arg(prep.replace(&exp_rel, &out_rel))
            .current_dir(dir)
            .status();
    }
    let cmd = std::fs::read_to_string(case_dir.join("cmd.txt")).unwrap_or_default();
    let mut args: Vec<String> = cmd
        .split_whitespace()
        .skip(1)
        .map(|a| a.replace(&exp_rel, &out_rel))
        .collect();
    if let Some(src) = &o.beqtl {
        if let Some(i) = args.iter().position(|a| a == "--beqtl-summary") {
            args[i + 1] = src.clone();
        }
    }
    let res = Command::new(&o.bin)
        .args(&args)
        .current_dir(dir)
        .output()
        .expect("run fastsmr");
    let rc_expected: i32 = std::fs::read_to_string(case_dir.join("rc.txt"))
        .ok()
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(0);
    let rc = res.status.code().unwrap_or(-1);
    let mut files = Vec::new();
    // A case the reference fails is compared by its exit status only (as the battery).
    if rc_expected == 0 && rc == 0 {
        let mut rels = Vec::new();
        files_under(&case_dir, Path::new(""), &mut rels);
        for rel in rels {
            let name = rel.file_name().unwrap().to_string_lossy().to_string();
            if SKIP.contains(&name.as_str()) || name.ends_with(".summary") || name.ends_with(".log")
            {
                continue;
            }
            let theirs = std::fs::read(case_dir.join(&rel)).expect("reference output");
            let ours = std::fs::read(cand.join(&rel)).ok();
            files.push(compare::compare_file(
                &rel.to_string_lossy(),
                &theirs,
                ours.as_deref(),
            ));
        }
    } else if rc != 0 && rc_expected == 0 {
        let err = String::from_utf8_lossy(&res.stderr);
        if let Some(last) = err.lines().rev().find(|l| l.starts_with("Error")) {
            println!("   {last}");
        }
    }
    CaseResult {
        fixture: fixture.to_string(),
        case: case.to_string(),
        rc_expected,
        rc,
        files,
    }
}

fn print_case(r: &CaseResult) {
    println!(
        "== {}/{}: exit status reference {} / ours {} => {}",
        r.fixture,
        r.case,
        r.rc_expected,
        r.rc,
        if r.ok() { "MATCH" } else { "DIFFERENT" }
    );
    for f in &r.files {
        if f.missing {
            println!("   {}: MISSING", f.name);
            continue;
        }
        if f.binary {
            println!(
                "   {}: {} bytes vs {}, {}",
                f.name,
                f.len_expected,
                f.len_actual,
                if f.ok() { "identical" } else { "BYTES DIFFER" }
            );
            continue;
        }
        println!(
            "   {}: lines {} / ours {}, rows compared {}, matching {}",
            f.name, f.len_expected, f.len_actual, f.rows_compared, f.rows_matching
        );
        let differing: Vec<&compare::FieldStats> = f
            .columns
            .iter()
            .filter(|c| c.worst_rel > 0.0 || c.mismatches > 0)
            .collect();
        if differing.is_empty() {
            println!("     every column text-identical");
        }
        for c in differing {
            println!(
                "     {:<14} worst relative difference {:.3e}, outside tolerance {}{}",
                c.name,
                c.worst_rel,
                c.mismatches,
                c.example
                    .as_ref()
                    .map(|e| format!("  e.g. {e}"))
                    .unwrap_or_default()
            );
        }
    }
}

/// The markdown summary: one row per case.
fn summary(results: &[CaseResult]) -> String {
    let mut s = String::new();
    let n_ok = results.iter().filter(|r| r.ok()).count();
    let _ = writeln!(
        s,
        "# Validation against the reference's outputs\n\n\
         Written by `cargo run --release --example validate -- tests/data/tiny-seed1 \
         tests/data/trans-seed1 tests/data/small-seed1 --markdown validation/RESULTS.md` \
         (`validation/validate.rs`).\n\n\
         {n_ok} of {} cases match: every file the reference wrote is compared, `.besd` byte for \
         byte, text field by field with numbers within 2e-6 relative (the battery's rule, \
         `validation/compare.rs`). Rows compared: the data lines of the text files (a binary file \
         counts as one row); worst difference: the largest relative difference of any numeric \
         field, with its file and column. A case the reference fails is compared by its exit \
         status only. The differing cases are the ones `tests/data/battery-pending.txt` lists, \
         each explained in `data-spec/deviations.md`.\n",
        results.len()
    );
    s.push_str("| fixture | case | exit ref/ours | files matching | rows compared | rows matching | worst difference (file: column) | result |\n");
    s.push_str("|---|---|---|---|---|---|---|---|\n");
    for r in results {
        let files_ok = r.files.iter().filter(|f| f.ok()).count();
        let rows: usize = r.files.iter().map(|f| f.rows_compared).sum();
        let matching: usize = r.files.iter().map(|f| f.rows_matching).sum();
        let bytes: Vec<&str> = r
            .files
            .iter()
            .filter(|f| f.binary && !f.ok())
            .map(|f| f.name.as_str())
            .collect();
        let worst = r
            .files
            .iter()
            .filter_map(|f| f.worst().map(|c| (f, c)))
            .max_by(|a, b| a.1.worst_rel.total_cmp(&b.1.worst_rel))
            .map(|(f, c)| {
                let what = if c.mismatches > 0 {
                    format!(", {} outside", c.mismatches)
                } else {
                    String::new()
                };
                format!("{:.2e} ({}: {}{what})", c.worst_rel, f.name, c.name)
            })
            .unwrap_or_else(|| {
                if !bytes.is_empty() {
                    format!("bytes differ ({})", bytes.join(", "))
                } else if r.files.is_empty() {
                    "—".into()
                } else {
                    "0 (identical)".into()
                }
            });
        let _ = writeln!(
            s,
            "| {} | {} | {}/{} | {}/{} | {rows} | {matching} | {worst} | {} |",
            r.fixture,
            r.case,
            r.rc_expected,
            r.rc,
            files_ok,
            r.files.len(),
            if r.ok() { "match" } else { "**differs**" }
        );
    }
    s
}
