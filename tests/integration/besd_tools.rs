//! The BESD tools beyond the reference battery: other tools' layouts written from the fixture
//! and converted back (round trip), errors that name the file and line and leave no output,
//! the sample size kept when re-making, `--update-freq`, and `--make-besd` on the tarball.

use crate::support::{ok, tiny as fixture};
use fastsmr::io::besd::{BesdEntry, BesdFile};
use fastsmr::io::epi::read_epi;
use fastsmr::io::esi::read_esi;
use fastsmr::stats::dist::chisq1_tail;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `<prefix>.<e>` (the prefix may contain dots).
fn ext(prefix: &Path, e: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(".");
    s.push(e);
    PathBuf::from(s)
}

fn run(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap()
}

/// (probe ID, SNP ID) → (beta, se) of every stored entry of a BESD prefix.
fn entries(prefix: &Path) -> HashMap<(String, String), (f32, f32)> {
    let esi = read_esi(&ext(prefix, "esi")).unwrap();
    let epi = read_epi(&ext(prefix, "epi")).unwrap();
    let besd = BesdFile::open(&ext(prefix, "besd"), esi.len(), epi.len()).unwrap();
    let mut out = HashMap::new();
    let mut buf: Vec<BesdEntry> = Vec::new();
    for (p, rec) in epi.iter().enumerate() {
        besd.read_probe(p, &mut buf).unwrap();
        for e in &buf {
            out.insert(
                (rec.probe.clone(), esi.snp(e.snp as usize).to_string()),
                (e.beta, e.se),
            );
        }
    }
    out
}

/// The first `n` probes of the fixture with their entries: (probe, chr, bp, strand,
/// [(snp, chr, bp, a1, a2, freq, beta, se)]).
#[allow(clippy::type_complexity)]
fn sample(
    n: usize,
) -> Vec<(
    String,
    i32,
    i64,
    char,
    Vec<(String, i32, i64, String, String, Option<f32>, f32, f32)>,
)> {
    let pre = fixture().join("eqtl/eqtl");
    let esi = read_esi(&ext(&pre, "esi")).unwrap();
    let epi = read_epi(&ext(&pre, "epi")).unwrap();
    let besd = BesdFile::open(&ext(&pre, "besd"), esi.len(), epi.len()).unwrap();
    let mut buf = Vec::new();
    (0..n)
        .map(|p| {
            besd.read_probe(p, &mut buf).unwrap();
            let rows = buf
                .iter()
                .map(|e| {
                    let r = esi.row(e.snp as usize);
                    (
                        r.snp.to_string(),
                        r.chr,
                        r.bp,
                        r.a1.to_string(),
                        r.a2.to_string(),
                        r.freq,
                        e.beta,
                        e.se,
                    )
                })
                .collect();
            let e = &epi[p];
            (e.probe.clone(), e.chr, e.bp, e.orientation, rows)
        })
        .collect()
}

/// p of a stored entry, printed with 17 significant digits.
fn p_of(b: f32, se: f32) -> f64 {
    let z = f64::from(b) / f64::from(se);
    chisq1_tail(z * z)
}

/// Every entry of `got` is one of `want`'s with the same beta, and an se within 1e-6 relative
/// (the converters derive the se from p); every entry of `want` is there.
fn same_entries(
    got: &HashMap<(String, String), (f32, f32)>,
    want: &HashMap<(String, String), (f32, f32)>,
) {
    assert_eq!(got.len(), want.len());
    for (k, (b, s)) in want {
        let (gb, gs) = got.get(k).unwrap_or_else(|| panic!("{k:?} missing"));
        assert_eq!(gb, b, "{k:?}");
        assert!(((gs - s) / s).abs() < 1e-6, "{k:?}: se {gs} vs {s}");
    }
}

#[test]
fn tool_layouts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let probes = sample(3);
    let mut want = HashMap::new();
    let (mut fq_nom, mut fq_perm, mut qt_nom, mut qt_perm) =
        (String::new(), String::new(), String::new(), String::new());
    let mut meqtl = String::from("SNP\tgene\tbeta\tt-stat\tp-value\tFDR\n");
    for (probe, pchr, pbp, strand, rows) in &probes {
        for (snp, chr, bp, _, _, _, b, se) in rows {
            // Keep entries whose p the converters can turn back into the se.
            let p = p_of(*b, *se);
            if !(1e-150..1.0).contains(&p) {
                continue;
            }
            want.insert((probe.clone(), snp.clone()), (*b, *se));
            let d = bp - pbp;
            writeln!(fq_nom, "{probe} {snp} {d} {p:.17e} {b:e}").unwrap();
            writeln!(fq_perm, "{probe} 10 1 1 1 {snp} {d} {p:.17e} {b:e} 1 1").unwrap();
            writeln!(
                qt_nom,
                "{probe} chr{pchr} {pbp} {pbp} {strand} 10 {d} {snp} {chr} {bp} {bp} {p:.17e} {b:e} 1"
            )
            .unwrap();
            writeln!(
                qt_perm,
                "{probe} {pchr} {} {} {strand} 10 {d} {snp} {chr} {bp} {bp} 1 1 1 1 {p:.17e} {b:e} 1 1",
                pbp - 1,
                pbp + 1
            )
            .unwrap();
            writeln!(meqtl, "{snp}\t{probe}\t{b:e}\t1\t{p:.17e}\t1").unwrap();
        }
    }
    for (name, text, flag) in [
        ("fq_nom.txt", &fq_nom, "--fastqtl-nominal-format"),
        ("fq_perm.txt", &fq_perm, "--fastqtl-permu-format"),
        ("qt_nom.txt", &qt_nom, "--qtltools-nominal-format"),
        ("qt_perm.txt", &qt_perm, "--qtltools-permu-format"),
        ("meqtl.txt", &meqtl, "--matrix-eqtl-format"),
    ] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let o = run(
            dir.path(),
            &["--eqtl-summary", name, flag, "--make-besd", "--out", name],
        );
        ok(&o);
        let out = dir.path().join(name);
        same_entries(&entries_raw(&out), &want);
        let esi = std::fs::read_to_string(ext(&out, "esi")).unwrap();
        let first = esi.lines().next().unwrap();
        if flag.starts_with("--qtltools") {
            // QTLtools carries positions: chr:bp of the SNP, midpoints for the probe.
            let (_, _, _, _, rows) = &probes[0];
            assert!(first.starts_with(&format!("{}\t", rows[0].1)), "{first}");
            let epi = std::fs::read_to_string(ext(&out, "epi")).unwrap();
            let (p0, c0, b0, s0, _) = &probes[0];
            assert_eq!(
                epi.lines().next().unwrap(),
                format!("{c0}\t{p0}\t0\t{b0}\tNA\t{s0}")
            );
        } else {
            assert!(
                first.starts_with("NA\t") && first.ends_with("\tNA\tNA\tNA"),
                "{first}"
            );
        }
    }
}

/// [`entries`] for files whose .esi/.epi have NA positions (the tool converters' output):
/// read directly from the text and the .besd.
fn entries_raw(prefix: &Path) -> HashMap<(String, String), (f32, f32)> {
    let ids = |e: &str| -> Vec<String> {
        std::fs::read_to_string(ext(prefix, e))
            .unwrap()
            .lines()
            .map(|l| l.split('\t').nth(1).unwrap().to_string())
            .collect()
    };
    let (snps, probes) = (ids("esi"), ids("epi"));
    let besd = BesdFile::open(&ext(prefix, "besd"), snps.len(), probes.len()).unwrap();
    let mut out = HashMap::new();
    let mut buf = Vec::new();
    for (p, id) in probes.iter().enumerate() {
        besd.read_probe(p, &mut buf).unwrap();
        for e in &buf {
            out.insert((id.clone(), snps[e.snp as usize].clone()), (e.beta, e.se));
        }
    }
    out
}

#[test]
fn per_probe_layouts_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let probes = sample(3);
    let mut want = HashMap::new();
    // GEMMA and BOLT: SNPs at odd positions are written with swapped alleles, so their first
    // (and every) appearance defines A1 = the original A2 and a negated beta.
    let mut want_swapped = HashMap::new();
    let mut bim = String::new();
    let mut seen = std::collections::HashSet::new();
    let (mut fl_plink, mut fl_gemma, mut fl_bolt) = (
        String::from("Chr ProbeID GeneticDistance ProbeBp Gene Orientation PathOfEsd bfile\n"),
        String::from("Chr ProbeID GeneticDistance ProbeBp Gene Orientation PathOfEsd\n"),
        String::from("Chr ProbeID GeneticDistance ProbeBp Gene Orientation PathOfEsd\n"),
    );
    for (probe, pchr, pbp, strand, rows) in &probes {
        let (mut q, mut g, mut bo) = (
            String::from("CHR SNP BP NMISS BETA SE R2 T P\n"),
            String::from("chr rs ps n_miss allele1 allele0 af beta se logl_H1 p_wald\n"),
            String::from(
                "SNP CHR BP GENPOS ALLELE1 ALLELE0 A1FREQ F_MISS BETA SE P_BOLT_LMM_INF P_BOLT_LMM\n",
            ),
        );
        for (snp, chr, bp, a1, a2, freq, b, se) in rows {
            let p = p_of(*b, *se);
            if !(1e-150..1.0).contains(&p) {
                continue;
            }
            want.insert((probe.clone(), snp.clone()), (*b, *se));
            let sign = if bp % 2 == 0 { 1.0 } else { -1.0 };
            want_swapped.insert((probe.clone(), snp.clone()), (sign * *b, *se));
            if seen.insert(snp.clone()) {
                writeln!(bim, "{chr}\t{snp}\t0\t{bp}\t{a1}\t{a2}").unwrap();
            }
            let f = freq.map_or("NA".to_string(), |f| format!("{f:e}"));
            writeln!(q, "{chr} {snp} {bp} 100 {b:e} {se:e} 0.1 1 {p:.17e}").unwrap();
            // GEMMA and BOLT: alleles swapped on every other row, beta negated to match.
            let (x1, x2, bb) = if bp % 2 == 0 {
                (a1.to_lowercase(), a2.clone(), *b)
            } else {
                (a2.clone(), a1.clone(), -*b)
            };
            writeln!(
                g,
                "{chr} {snp} {bp} 0 {x1} {x2} {f} {bb:e} {se:e} 1 {p:.17e}"
            )
            .unwrap();
            writeln!(
                bo,
                "{snp} {chr} {bp} 0 {x1} {x2} {f} 0 {bb:e} {se:e} 1 {p:.17e}"
            )
            .unwrap();
        }
        for (text, ext, list) in [
            (&q, "qassoc", &mut fl_plink),
            (&g, "assoc.txt", &mut fl_gemma),
            (&bo, "bolt", &mut fl_bolt),
        ] {
            let name = format!("{probe}.{ext}");
            std::fs::write(dir.path().join(&name), text).unwrap();
            write!(list, "{pchr} {probe} 0 {pbp} G {strand} {name}").unwrap();
            list.push_str(if ext == "qassoc" { " ref\n" } else { "\n" });
        }
    }
    std::fs::write(dir.path().join("ref.bim"), bim).unwrap();
    for (fl, flag, want) in [
        (&fl_plink, "--plink-qassoc-format", &want),
        (&fl_gemma, "--gemma-format", &want_swapped),
        (&fl_bolt, "--bolt-assoc-format", &want_swapped),
    ] {
        let name = &flag[2..];
        std::fs::write(dir.path().join(name), fl).unwrap();
        let out = format!("{name}.out");
        let o = run(
            dir.path(),
            &[
                "--eqtl-flist",
                name,
                flag,
                "--make-besd-dense",
                "--out",
                &out,
            ],
        );
        ok(&o);
        same_entries(&entries(&dir.path().join(&out)), want);
    }
}

#[test]
fn bad_input_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let q = std::fs::read_to_string(fixture().join("expected/query_all/out.txt")).unwrap();
    let mut lines: Vec<String> = q.lines().map(String::from).collect();
    // Line 6: the b column is not a number.
    let mut f: Vec<&str> = lines[5].split('\t').collect();
    f[11] = "x1";
    lines[5] = f.join("\t");
    std::fs::write(dir.path().join("q.txt"), lines.join("\n") + "\n").unwrap();
    let o = run(
        dir.path(),
        &["--qfile", "q.txt", "--make-besd", "--out", "o"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("q.txt, line 6") && err.contains("'x1'"),
        "{err}"
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('o'))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // Two inputs at once is a usage error.
    let o = run(
        dir.path(),
        &["--qfile", "q.txt", "--beqtl-summary", "x", "--make-besd"],
    );
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn remaking_a_dense_besd_keeps_its_sample_size() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture();
    let dense = fx.join("eqtl/eqtl_dense");
    let o = run(
        dir.path(),
        &[
            "--beqtl-summary",
            dense.to_str().unwrap(),
            "--make-besd-dense",
            "--add-n",
            "321",
            "--out",
            "d",
        ],
    );
    ok(&o);
    let b = std::fs::read(dir.path().join("d.besd")).unwrap();
    assert_eq!(&b[..8], &[5, 0, 0, 0, 0x41, 1, 0, 0]);
    let o = run(
        dir.path(),
        &["--beqtl-summary", "d", "--make-besd", "--out", "s"],
    );
    ok(&o);
    let s = std::fs::read(dir.path().join("s.besd")).unwrap();
    assert_eq!(&s[..8], &[3, 0, 0, 0, 0x41, 1, 0, 0]);
    // Same content as the reference's re-making of the dense file (which writes n = -9).
    let want = std::fs::read(fx.join("expected/make_besd_from_dense/out.besd")).unwrap();
    assert_eq!(s[8..], want[8..]);
    let o = run(dir.path(), &["--beqtl-summary", "s", "--show-n"]);
    ok(&o);
    assert!(String::from_utf8_lossy(&o.stdout).contains("The sample size is 321."));
}

#[test]
fn make_besd_reads_the_tarball_with_chr_filter() {
    let dir = tempfile::tempdir().unwrap();
    let fx = fixture();
    let tar = fx.join("cis-eQTL-SMR_20191212.tar.gz");
    let plain = fx.join("eqtl/eqtl");
    for (src, out) in [(&tar, "t"), (&plain, "p")] {
        let o = run(
            dir.path(),
            &[
                "--beqtl-summary",
                src.to_str().unwrap(),
                "--make-besd",
                "--chr",
                "1",
                "--out",
                out,
            ],
        );
        ok(&o);
    }
    for ext in ["besd", "esi", "epi"] {
        let t = std::fs::read(dir.path().join(format!("t.{ext}"))).unwrap();
        let p = std::fs::read(dir.path().join(format!("p.{ext}"))).unwrap();
        assert!(t == p, "{ext}");
    }
    // The fixture is on chromosome 1 only: the re-selection equals the reference's make_besd.
    let want = std::fs::read(fx.join("expected/make_besd/out.besd")).unwrap();
    assert!(std::fs::read(dir.path().join("t.besd")).unwrap() == want);
}

#[test]
fn update_freq_orients_to_a1_and_lists_failures() {
    let dir = tempfile::tempdir().unwrap();
    for ext in ["besd", "esi", "epi"] {
        std::fs::copy(
            fixture().join(format!("expected/make_besd_sub/out.{ext}")),
            dir.path().join(format!("b.{ext}")),
        )
        .unwrap();
    }
    let esi = std::fs::read_to_string(dir.path().join("b.esi")).unwrap();
    let rows: Vec<Vec<&str>> = esi.lines().map(|l| l.split('\t').collect()).collect();
    let (r0, r1, r2) = (&rows[0], &rows[1], &rows[2]);
    let f = format!(
        "{} {} {} 0.25\n{} {} {} 0.25\n{} A Q 0.5\nnot_a_snp A G 0.5\n",
        r0[1], r0[4], r0[5], r1[1], r1[5], r1[4], r2[1]
    );
    std::fs::write(dir.path().join("f.txt"), f).unwrap();
    let o = run(
        dir.path(),
        &["--beqtl-summary", "b", "--update-freq", "f.txt"],
    );
    ok(&o);
    let new = std::fs::read_to_string(dir.path().join("b.esi")).unwrap();
    let n: Vec<Vec<&str>> = new.lines().map(|l| l.split('\t').collect()).collect();
    assert_eq!(n[0][6], "0.25");
    assert_eq!(n[1][6], "0.75");
    assert_eq!(n[2][6], r2[6]);
    assert_eq!(n.len(), rows.len());
    let list = std::fs::read_to_string(dir.path().join("f.txt.unmatched.snp.list")).unwrap();
    assert_eq!(
        list,
        format!("{}\tfailedAlleleCheck\nnot_a_snp\tfailedSNPMatch\n", r2[1])
    );
}

#[test]
fn meta_of_a_file_with_itself_halves_the_variance_and_mecs_sees_full_overlap() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("c2")).unwrap();
    for ext in ["besd", "esi", "epi"] {
        let src = fixture().join(format!("eqtl/eqtl.{ext}"));
        std::fs::copy(&src, dir.path().join(format!("a.{ext}"))).unwrap();
        std::fs::copy(&src, dir.path().join(format!("c2/a.{ext}"))).unwrap();
    }
    std::fs::write(dir.path().join("l.txt"), "a\nc2/a\n").unwrap();
    let one = entries(&dir.path().join("a"));
    for (flag, out) in [("--meta", "m"), ("--mecs", "mc")] {
        ok(&run(
            dir.path(),
            &["--besd-flist", "l.txt", flag, "--out", out],
        ));
        let got = entries(&dir.path().join(out));
        // Only cis entries (±2000 kb of the probe) enter: every fixture entry is cis except
        // those beyond the window, so the count is the reference's 18095.
        assert_eq!(got.len(), 18095);
        for (k, (b, s)) in &got {
            let (b0, s0) = one[k];
            assert_eq!(*b, b0, "{k:?}");
            let want = if flag == "--meta" {
                (f64::from(s0) / 2f64.sqrt()) as f32
            } else {
                // Identical cohorts are perfectly correlated: no information is added.
                s0
            };
            assert!(((s - want) / want).abs() < 1e-6, "{k:?}: {s} vs {want}");
        }
    }
}

#[test]
fn extract_cis_keeps_exactly_the_reference_cis_regions() {
    // trans-seed1's subset B has trans regions; its reference .summary gives each probe's cis
    // SNP count, which --extract-cis must store, and nothing outside the cis window.
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/trans-seed1");
    let dir = tempfile::tempdir().unwrap();
    let b = fx.join("expected/make_besd_sub/out");
    ok(&run(
        dir.path(),
        &[
            "--beqtl-summary",
            b.to_str().unwrap(),
            "--make-besd",
            "--extract-cis",
            "--out",
            "c",
        ],
    ));
    let summary = std::fs::read_to_string(ext(&b, "summary")).unwrap();
    let mut want: HashMap<String, usize> = HashMap::new();
    for l in summary.lines().filter(|l| l.starts_with("{PR")) {
        let id = l[1..l.find(',').unwrap()].to_string();
        let cis = &l[l.find('[').unwrap() + 1..l.find(']').unwrap()];
        want.insert(id, cis.rsplit(',').next().unwrap().parse().unwrap());
    }
    let got = entries(&dir.path().join("c"));
    let mut count: HashMap<String, usize> = HashMap::new();
    for (p, _) in got.keys() {
        *count.entry(p.clone()).or_default() += 1;
    }
    assert_eq!(count, want);
    let all = entries(&b);
    assert!(all.len() > got.len(), "B has trans entries");
    for (k, v) in &got {
        assert_eq!(all[k], *v);
    }
}
