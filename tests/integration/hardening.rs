//! Issue 10 through the binary: runs stopped by SIGTERM/SIGKILL at random points leave no
//! partial output, inputs from pipes and FIFOs work, and the counts the reference prints
//! (`expected/*/stdout.txt`) are the counts our log gives.

use crate::support::{data_dir as data, fastsmr as bin, names};
use std::path::{Path, PathBuf};

/// SIGTERM and SIGKILL at spread-out points of a run (small-seed1, under a second): SIGTERM
/// ends with 143 (or the default action before the handler exists) and no temporary left;
/// whatever either signal leaves under a final name is complete, byte for byte the
/// uninterrupted run's (a finished work unit is published as it completes).
#[test]
fn signals_at_random_points_leave_no_partial_output() {
    let s = data().join("small-seed1");
    let arg = |p: &str| s.join(p).display().to_string();
    let args = [
        "--bfile".to_string(),
        arg("ref/ref"),
        "--gwas-summary".into(),
        arg("gwas/trait.ma"),
        "--beqtl-summary".into(),
        arg("eqtl/eqtl"),
    ];
    // A reference run: the complete set of outputs.
    let full = tempfile::tempdir().unwrap();
    let t0 = std::time::Instant::now();
    let st = bin()
        .args(&args)
        .arg("--out")
        .arg(full.path().join("out"))
        .output()
        .unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let complete: Vec<String> = names(full.path())
        .into_iter()
        .filter(|n| n != "out.manifest.json")
        .collect();
    assert!(complete.contains(&"out.smr".to_string()), "{complete:?}");
    // The delays fall inside the run's own length, whatever the machine's speed.
    let run_ms = (t0.elapsed().as_millis() as u64).max(20);
    // Deterministic "random" delays (a fixed LCG), spread over the run's length.
    let mut x: u64 = 0x2545_f491_4f6c_dd1d;
    let mut stopped = [0usize; 2];
    for round in 0..12 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay_ms = (x >> 33) % run_ms;
        let (sig, name) = if round % 2 == 0 {
            (libc::SIGTERM, "SIGTERM")
        } else {
            (libc::SIGKILL, "SIGKILL")
        };
        let dir = tempfile::tempdir().unwrap();
        let mut child = bin()
            .args(&args)
            .arg("--out")
            .arg(dir.path().join("out"))
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SAFETY: sending a signal to our own child process, which has not been reaped yet.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let status = child.wait().unwrap();
        // The run manifest records a stopped run (which unit was running) for --resume
        // (data-spec/manifest.md): complete, never partial, and so allowed to remain.
        let left: Vec<String> = names(dir.path())
            .into_iter()
            .filter(|n| n != "out.manifest.json")
            .collect();
        // Hidden names are temporaries (`.<name>.<hex>.tmp` files, `.<out>.fastsmr-stage.*`
        // staging directories that --resume clears); every final name is visible.
        let finals: Vec<&String> = left.iter().filter(|n| !n.starts_with('.')).collect();
        if status.success() {
            assert_eq!(left, complete, "{name} after {delay_ms} ms: finished run");
            continue;
        }
        if sig == libc::SIGTERM {
            stopped[0] += 1;
            // 143 from the cleanup handler; before main installs it (the first milliseconds)
            // the default action ends the process, which has written nothing yet.
            use std::os::unix::process::ExitStatusExt;
            assert!(
                status.code() == Some(143) || status.signal() == Some(libc::SIGTERM),
                "{name} after {delay_ms} ms: {status:?}"
            );
            // No temporary survives the cleanup handler.
            assert!(
                left.iter().all(|n| !n.starts_with('.')),
                "{name} after {delay_ms} ms left {left:?}"
            );
        } else {
            stopped[1] += 1;
        }
        // its outputs when it completes (data-spec/shards.md §5): what a signal leaves
        // under a final name is a complete output, byte for byte the uninterrupted run's.
        for f in &finals {
            let got = std::fs::read(dir.path().join(f)).unwrap();
            let want = std::fs::read(full.path().join(f)).unwrap_or_default();
            assert!(
                f.as_str() != "out.log" && got == want,
                "{name} after {delay_ms} ms left a partial {f}"
            );
        }
    }
    // At least some signals landed mid-run (the delays are below the run's length).
    assert!(stopped[0] + stopped[1] >= 4, "{stopped:?}");
}

/// `--make-besd` (small-seed1, an 8.7 MB `.besd`) stopped by SIGTERM or SIGKILL at points
/// spread over its length: the `.besd`, `.esi` and `.epi` appear complete (byte for byte the
/// uninterrupted run's) or not at all; after SIGTERM all three or none, and no temporary
/// (`AtomicFile`s and the streaming sink's scratch spools are all removed by the handler).
#[test]
fn signals_during_make_besd_leave_all_three_files_or_none() {
    let src = data().join("small-seed1/eqtl/eqtl");
    let run = |out: &Path| {
        let mut c = bin();
        c.arg("--beqtl-summary")
            .arg(&src)
            .arg("--make-besd")
            .arg("--out")
            .arg(out);
        c
    };
    let full = tempfile::tempdir().unwrap();
    let t0 = std::time::Instant::now();
    let st = run(&full.path().join("o")).output().unwrap();
    assert!(
        st.status.success(),
        "{}",
        String::from_utf8_lossy(&st.stderr)
    );
    let run_ms = (t0.elapsed().as_millis() as u64).max(20);
    let triplet = ["o.besd", "o.epi", "o.esi"];
    for f in triplet {
        // The uninterrupted conversion is the input, byte for byte (a plain BESD copied).
        let ext = f.rsplit('.').next().unwrap();
        assert_eq!(
            std::fs::read(full.path().join(f)).unwrap(),
            std::fs::read(src.with_extension(ext)).unwrap(),
            "{f}"
        );
    }
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut stopped = 0;
    for round in 0..10 {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let delay_ms = (x >> 33) % run_ms;
        let sig = if round % 2 == 0 {
            libc::SIGTERM
        } else {
            libc::SIGKILL
        };
        let dir = tempfile::tempdir().unwrap();
        let mut child = run(&dir.path().join("o"))
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        // SAFETY: sending a signal to our own child process, which has not been reaped yet.
        unsafe {
            libc::kill(child.id() as i32, sig);
        }
        let status = child.wait().unwrap();
        let left = names(dir.path());
        if status.success() {
            continue;
        }
        stopped += 1;
        let present: Vec<&str> = triplet
            .iter()
            .copied()
            .filter(|f| left.iter().any(|n| n == f))
            .collect();
        for f in &present {
            assert_eq!(
                std::fs::read(dir.path().join(f)).unwrap(),
                std::fs::read(full.path().join(f)).unwrap(),
                "signal {sig} after {delay_ms} ms left a partial {f}"
            );
        }
        if sig == libc::SIGTERM {
            assert!(
                present.is_empty() || present.len() == 3,
                "SIGTERM after {delay_ms} ms left only {present:?}"
            );
            assert!(
                left.iter().all(|n| !n.starts_with('.')),
                "SIGTERM after {delay_ms} ms left {left:?}"
            );
        }
    }
    assert!(stopped >= 3, "only {stopped} signals landed mid-run");
}

/// A GWAS file and an ID list read from FIFOs (as `<(zcat ...)` gives them): the same rows
/// as from regular files; a FIFO is never reported as missing.
#[test]
fn fifo_inputs_are_read_as_streams() {
    let t = data().join("tiny-seed1");
    let dir = tempfile::tempdir().unwrap();
    let probes = dir.path().join("probes.txt");
    let epi = std::fs::read_to_string(t.join("eqtl/eqtl.epi")).unwrap();
    let list: String = epi
        .lines()
        .take(8)
        .map(|l| l.split('\t').nth(1).unwrap().to_string() + "\n")
        .collect();
    std::fs::write(&probes, &list).unwrap();
    let run = |gwas: &Path, probes: &Path, out: &Path| {
        bin()
            .arg("--bfile")
            .arg(t.join("ref/ref"))
            .arg("--gwas-summary")
            .arg(gwas)
            .arg("--beqtl-summary")
            .arg(t.join("eqtl/eqtl"))
            .arg("--extract-probe")
            .arg(probes)
            .arg("--out")
            .arg(out)
            .output()
            .unwrap()
    };
    let plain = run(&t.join("gwas/trait.ma"), &probes, &dir.path().join("plain"));
    assert!(
        plain.status.success(),
        "{}",
        String::from_utf8_lossy(&plain.stderr)
    );
    let (fifo_gwas, fifo_list) = (dir.path().join("gwas.fifo"), dir.path().join("list.fifo"));
    for f in [&fifo_gwas, &fifo_list] {
        let c = std::ffi::CString::new(f.to_str().unwrap()).unwrap();
        // SAFETY: a valid NUL-terminated path; mkfifo only creates a file system node.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    }
    let gwas_bytes = std::fs::read(t.join("gwas/trait.ma")).unwrap();
    let writers = [
        (fifo_gwas.clone(), gwas_bytes),
        (fifo_list.clone(), list.into_bytes()),
    ]
    .map(|(p, bytes)| std::thread::spawn(move || std::fs::write(p, bytes).unwrap()));
    let piped = run(&fifo_gwas, &fifo_list, &dir.path().join("piped"));
    for w in writers {
        w.join().unwrap();
    }
    let err = String::from_utf8_lossy(&piped.stderr);
    assert!(piped.status.success(), "{err}");
    let smr = |p: &str| std::fs::read_to_string(dir.path().join(p)).unwrap();
    assert_eq!(smr("piped.smr"), smr("plain.smr"));
    assert!(smr("plain.smr").lines().count() > 1);
}

/// Numbers the reference prints on stdout and the log line of ours that must give the same
/// number: (reference pattern, our pattern), each with one `(\d+)` as `{}`.
const COUNTS: [(&str, &str); 9] = [
    (
        "GWAS summary data of {} SNPs to be included",
        "{} SNPs read;",
    ),
    (".esi].", "{} SNPs read, "),
    ("{} individuals to be included", "individuals read, {} kept"),
    (".bim].", "{} SNPs read, "),
    (
        "{} SNPs are included after allele checking",
        "{} SNPs matched across inputs",
    ),
    ("{} SNPs (", "{} SNPs ("),
    ("{} Probes to be included from", "{} probes read, "),
    (
        "eQTL summary data of {} Probes",
        "probes read, {} kept after probe filters",
    ),
    (
        "Results of {} probes have been saved",
        "{} probes tested; results saved",
    ),
];

/// The integer just before (`{} text`) or just after (`text, {} more`) the fixed text.
fn number_at(line: &str, pat: &str) -> Option<u64> {
    let (before, after) = pat.split_once("{}").unwrap_or((pat, ""));
    if before.is_empty() {
        // "{} text": the number starts the match.
        let i = line.find(after)?;
        let head = line[..i].trim_end();
        let digits: String = head
            .chars()
            .rev()
            .take_while(|c| c.is_ascii_digit())
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        digits.parse().ok()
    } else {
        let i = line.find(before)? + before.len();
        let digits: String = line[i..]
            .trim_start()
            .chars()
            .take_while(|c| c.is_ascii_digit())
            .collect();
        digits.parse().ok()
    }
}

/// The reference's count for row `k` of [`COUNTS`]; the `.esi`/`.bim` rows are "N SNPs to be
/// included from [x.esi]." lines, told apart by the file.
fn reference_count(stdout: &str, k: usize) -> Option<u64> {
    let (pat, _) = COUNTS[k];
    stdout.lines().find_map(|l| {
        if pat.starts_with('.') {
            (l.contains("SNPs to be included from [") && l.trim_end().ends_with(pat))
                .then(|| l.split_whitespace().next()?.parse().ok())
                .flatten()
        } else if k == 5 && !l.contains("with allele frequency differences") {
            None
        } else {
            number_at(l, pat)
        }
    })
}

/// Our count for row `k`: the n-th matching line (the `.bim` count is the second "SNPs read,
/// N kept" line, after the `.esi` one).
fn our_count(log: &str, k: usize) -> Option<u64> {
    let (_, pat) = COUNTS[k];
    let nth = usize::from(k == 3);
    log.lines()
        .filter(|l| k != 5 || l.contains("with allele frequency differences"))
        .filter_map(|l| number_at(l, pat))
        .nth(nth)
}

#[test]
fn the_reference_counts_on_stdout_are_the_counts_in_our_log() {
    let pending = std::fs::read_to_string(data().join("battery-pending.txt")).unwrap();
    let mut compared = 0;
    let mut cases = 0;
    for fixture in ["tiny-seed1", "small-seed1"] {
        let root = data().join(fixture);
        let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("expected"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.join("stdout.txt").exists())
            .collect();
        dirs.sort();
        for d in dirs {
            let case = d.file_name().unwrap().to_string_lossy().into_owned();
            let stdout = std::fs::read_to_string(d.join("stdout.txt")).unwrap();
            let cmd = std::fs::read_to_string(d.join("cmd.txt")).unwrap();
            // Plain cis runs of the reference that we pass (the battery says which).
            if pending.contains(&format!("{fixture} {case}\n"))
                || !stdout.contains("Results of ")
                || !cmd.contains("--gwas-summary")
                || [
                    "--make-besd",
                    "--smr-multi",
                    "--trans",
                    "--plot",
                    "--extract-target-snp-probe",
                ]
                .iter()
                .any(|f| cmd.contains(f))
            {
                continue;
            }
            let mut args: Vec<String> = cmd.split_whitespace().skip(1).map(String::from).collect();
            let out_dir = tempfile::tempdir().unwrap();
            if let Some(i) = args.iter().position(|a| a == "--out") {
                args[i + 1] = out_dir.path().join("out").display().to_string();
            }
            let o = bin().args(&args).current_dir(&root).output().unwrap();
            assert!(
                o.status.success(),
                "{fixture} {case}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
            let log = std::fs::read_to_string(out_dir.path().join("out.log")).unwrap();
            cases += 1;
            for (k, pair) in COUNTS.iter().enumerate() {
                if let Some(want) = reference_count(&stdout, k) {
                    let got = our_count(&log, k);
                    assert_eq!(
                        got,
                        Some(want),
                        "{fixture} {case}: reference {:?} = {want}, our log {:?}\n{log}",
                        pair.0,
                        pair.1
                    );
                    compared += 1;
                }
            }
        }
    }
    assert!(
        cases >= 5 && compared >= 5 * 6,
        "{cases} cases, {compared} counts"
    );
}
