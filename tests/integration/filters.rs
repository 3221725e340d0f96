//! The SMR analyses honour the probe/SNP range filters and the SNP-probe pair lists
//! (data-spec/ranges.md): each filtered run reproduces the reference's rows for the probes it
//! keeps.

use crate::support::data;
use std::process::Command;

const FIXTURES: [&str; 3] = ["tiny-seed1", "trans-seed1", "small-seed1"];

/// Run fastsmr in the fixture directory with `--out <tmp>/out`; the output file `ext`.
fn run(fixture: &str, args: &[&str], ext: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .arg("--out")
        .arg(dir.path().join("out"))
        .current_dir(data(fixture))
        .output()
        .expect("run fastsmr");
    assert!(
        out.status.success(),
        "{fixture} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_to_string(dir.path().join(format!("out.{ext}"))).unwrap()
}

fn expected(fixture: &str, case: &str, file: &str) -> String {
    std::fs::read_to_string(data(fixture).join("expected").join(case).join(file)).unwrap()
}

/// Two printed fields agree: the same text, or numbers within 2e-6 relative (the battery's
/// tolerance).
fn same_field(a: &str, b: &str) -> bool {
    a == b
        || match (a.parse::<f64>(), b.parse::<f64>()) {
            (Ok(x), Ok(y)) => (x - y).abs() <= 2e-6 * x.abs().max(y.abs()),
            _ => false,
        }
}

fn assert_same_row(ours: &str, theirs: &str, fields: usize, what: &str) {
    let o: Vec<&str> = ours.split('\t').take(fields).collect();
    let t: Vec<&str> = theirs.split('\t').take(fields).collect();
    assert_eq!(o.len(), t.len(), "{what}: {ours} vs {theirs}");
    for (x, y) in o.iter().zip(&t) {
        assert!(same_field(x, y), "{what}: {ours}\n vs reference\n{theirs}");
    }
}

const BASE: [&str; 6] = [
    "--bfile",
    "ref/ref",
    "--gwas-summary",
    "gwas/trait.ma",
    "--beqtl-summary",
    "eqtl/eqtl",
];

#[test]
fn multi_snp_probe_filter_gives_that_probes_row_of_the_full_run() {
    for fixture in FIXTURES {
        let full = expected(fixture, "multi", "out.msmr");
        let rows: Vec<&str> = full.lines().skip(1).collect();
        // The first, a middle and the last probe of the reference's full run.
        for row in [rows[0], rows[rows.len() / 2], rows[rows.len() - 1]] {
            let probe = row.split('\t').next().unwrap();
            let mut args = BASE.to_vec();
            args.extend(["--smr-multi", "--probe", probe]);
            let ours = run(fixture, &args, "msmr");
            let lines: Vec<&str> = ours.lines().collect();
            assert_eq!(lines.len(), 2, "{fixture} --probe {probe}: {ours}");
            assert_eq!(lines[0], full.lines().next().unwrap());
            assert_same_row(lines[1], row, usize::MAX, &format!("{fixture} {probe}"));
        }
    }
}

#[test]
fn extract_snp_probe_centres_the_window_on_the_listed_snp() {
    // Pair each probe the reference tested with its own top cis-eQTL: the window around that
    // SNP holds it and only stored SNPs of the probe, so the instrument and the SMR test
    // (columns 1-19) are the reference's default row; HEIDI may see another SNP set.
    for fixture in FIXTURES {
        let full = expected(fixture, "default", "out.smr");
        let rows: Vec<&str> = full.lines().skip(1).collect();
        let dir = tempfile::tempdir().unwrap();
        let list = dir.path().join("pairs.txt");
        let text: String = rows
            .iter()
            .map(|r| {
                let f: Vec<&str> = r.split('\t').collect();
                format!("{}\t{}\n", f[4], f[0])
            })
            .collect();
        std::fs::write(&list, text).unwrap();
        let mut args = BASE.to_vec();
        let list = list.to_str().unwrap();
        args.extend(["--extract-snp-probe", list]);
        let ours = run(fixture, &args, "smr");
        let lines: Vec<&str> = ours.lines().collect();
        assert_eq!(lines[0], full.lines().next().unwrap(), "{fixture}: header");
        assert_eq!(lines.len(), full.lines().count(), "{fixture}: rows");
        for (o, t) in lines[1..].iter().zip(&rows) {
            assert_same_row(o, t, 19, fixture);
        }
        // A SNP beyond --cis-wind (2000 kb) of the probe's top cis-eQTL: the window around
        // it cannot hold that SNP, so the probe gets another instrument or none.
        let f: Vec<Vec<&str>> = rows.iter().map(|r| r.split('\t').collect()).collect();
        let bp = |r: &Vec<&str>| r[6].parse::<i64>().unwrap();
        let far = f
            .iter()
            .filter(|r| r[5] == f[0][5])
            .max_by_key(|r| (bp(r) - bp(&f[0])).abs())
            .unwrap();
        if (bp(far) - bp(&f[0])).abs() > 2_000_000 {
            let moved = dir.path().join("far.txt");
            std::fs::write(&moved, format!("{}\t{}\n", far[4], f[0][0])).unwrap();
            let mut args = BASE.to_vec();
            args.extend(["--extract-snp-probe", moved.to_str().unwrap()]);
            let ours = run(fixture, &args, "smr");
            for l in ours.lines().skip(1) {
                let o: Vec<&str> = l.split('\t').collect();
                assert_eq!(o[0], f[0][0], "{fixture}: only the listed probe");
                assert_ne!(o[4], f[0][4], "{fixture}: window not moved to {}", far[4]);
            }
        } else {
            eprintln!("{fixture}: no SNP 2 Mb away from {}", f[0][4]);
        }
    }
}
