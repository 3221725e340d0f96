//! The eQTLGen path (issue 3): the SMR tarball read directly, gzipped members, `--make-besd`
//! conversion, GWAS files in every supported layout, `--eqtlgen-freq`, the harmonisation
//! report, and the opt-in `--strand-flip` / `--match-by chrpos`. Everything is checked
//! against SMR 1.3.1's outputs for the tiny fixture or against the plain-BESD run.

use crate::compare;

use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TARBALL: &str = "cis-eQTL-SMR_20191212.tar.gz";
const FREQ: &str =
    "eqtlgen_af/2018-07-18_SNP_AF_for_AlleleB_combined_allele_counts_and_MAF_pos_added.txt.gz";
const MEMBER: &str = "cis-eQTLs-full_eQTLGen_AF_incl_nr_formatted_20191212.new.txt_besd-dense";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/tiny-seed1")
}

fn run(args: &[String]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .current_dir(fixture())
        .output()
        .expect("run fastsmr")
}

fn s(v: &[&str]) -> Vec<String> {
    v.iter().map(|x| x.to_string()).collect()
}

fn expected(case: &str, file: &str) -> Option<String> {
    std::fs::read_to_string(fixture().join("expected").join(case).join(file)).ok()
}

/// A case's arguments with `--beqtl-summary` (and optionally `--gwas-summary`) replaced.
fn case_args(case: &str, out: &Path, beqtl: Option<&Path>, gwas: Option<&Path>) -> Vec<String> {
    let cmd = expected(case, "cmd.txt").expect("cmd.txt");
    let mut args = compare::command_args(&cmd, out.to_str().unwrap());
    for (flag, value) in [("--beqtl-summary", beqtl), ("--gwas-summary", gwas)] {
        if let Some(v) = value {
            let i = args.iter().position(|a| a == flag).unwrap();
            args[i + 1] = v.to_str().unwrap().to_string();
        }
    }
    args
}

fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A gzipped tar of gzipped members, members in the order given (like eQTLGen's release).
fn write_tarball(path: &Path, members: &[(&str, Vec<u8>)]) {
    let mut b = tar::Builder::new(GzEncoder::new(
        std::fs::File::create(path).unwrap(),
        Compression::fast(),
    ));
    for (name, data) in members {
        let mut h = tar::Header::new_gnu();
        h.set_size(data.len() as u64);
        h.set_mode(0o644);
        h.set_cksum();
        b.append_data(&mut h, name, &data[..]).unwrap();
    }
    b.into_inner().unwrap().finish().unwrap();
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// The full harmonisation report (`--harmonise-report full`), decompressed.
fn read_report(p: &Path) -> String {
    use std::io::Read;
    let f = std::fs::File::open(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mut t = String::new();
    flate2::read::MultiGzDecoder::new(f)
        .read_to_string(&mut t)
        .unwrap();
    t
}

/// `args` asking for the full harmonisation report.
fn full_report(mut args: Vec<String>) -> Vec<String> {
    args.extend(s(&["--harmonise-report", "full"]));
    args
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Run `case` with the eQTL data from `beqtl` and check every output against the reference's.
fn check_case_with_eqtl(case: &str, beqtl: &Path) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    let o = run(&case_args(case, &out, Some(beqtl), None));
    let rc: i32 = expected(case, "rc.txt").unwrap().trim().parse().unwrap();
    let smr = dir.path().join("out.smr");
    if rc != 0 {
        assert_eq!(o.status.code(), Some(1), "{case}: {}", stderr(&o));
        assert!(!smr.exists());
    } else {
        assert!(o.status.success(), "{case}: {}", stderr(&o));
        let d = compare::compare_tables(&expected(case, "out.smr").unwrap(), &read(&smr));
        assert!(d.ok(), "{case}: {}", d.report());
        // Byte-identical to the plain-BESD run of the same case.
        let plain = dir.path().join("plain");
        assert!(run(&case_args(case, &plain, None, None)).status.success());
        assert_eq!(read(&smr), read(&dir.path().join("plain.smr")), "{case}");
    }
    if let Some(list) = expected(case, "out.snp_failed_freq_ck.list") {
        assert_eq!(
            list,
            read(&dir.path().join("out.snp_failed_freq_ck.list")),
            "{case}"
        );
    }
}

#[test]
fn tarball_gives_the_reference_results_for_every_case() {
    let tarball = fixture().join(TARBALL);
    for case in [
        "default",
        "mtd0",
        "heidi_off",
        "threads2_maf",
        "filters",
        "no_freq_ck",
        "gwas_only_swap",
        "freq_abort",
    ] {
        check_case_with_eqtl(case, &tarball);
    }
}

#[test]
fn dense_tarball_with_members_in_any_order_keeps_the_dense_snp_order() {
    let dir = tempfile::tempdir().unwrap();
    let e = fixture().join("eqtl");
    let t = dir.path().join("dense.tar.gz");
    // .epi first, .besd last, gzipped and plain members mixed.
    write_tarball(
        &t,
        &[
            (
                &format!("{MEMBER}.epi.gz"),
                gz(&std::fs::read(e.join("eqtl_dense.epi")).unwrap()),
            ),
            (
                &format!("{MEMBER}.esi"),
                std::fs::read(e.join("eqtl_dense.esi")).unwrap(),
            ),
            (
                &format!("{MEMBER}.besd.gz"),
                gz(&std::fs::read(e.join("eqtl_dense.besd")).unwrap()),
            ),
        ],
    );
    check_case_with_eqtl("dense", &t);
}

#[test]
fn gzipped_members_in_a_directory_or_under_a_prefix() {
    let dir = tempfile::tempdir().unwrap();
    let e = fixture().join("eqtl");
    let d = dir.path().join("besd_dir");
    std::fs::create_dir(&d).unwrap();
    for ext in ["besd", "esi", "epi"] {
        let bytes = std::fs::read(e.join(format!("eqtl_dense.{ext}"))).unwrap();
        // .besd and .epi gzipped, .esi plain: any mix is accepted.
        if ext == "esi" {
            std::fs::write(d.join(format!("x.{ext}")), bytes).unwrap();
        } else {
            std::fs::write(d.join(format!("x.{ext}.gz")), gz(&bytes)).unwrap();
        }
    }
    check_case_with_eqtl("dense", &d);
    check_case_with_eqtl("dense", &d.join("x"));
    // Two .besd files make the directory ambiguous.
    std::fs::write(d.join("y.besd"), b"").unwrap();
    let out = dir.path().join("o");
    let o = run(&case_args("dense", &out, Some(&d), None));
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("2 .besd files (x.besd.gz, y.besd)"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn archive_missing_a_member_is_named_with_its_contents() {
    let dir = tempfile::tempdir().unwrap();
    let t = dir.path().join("bad.tar.gz");
    write_tarball(
        &t,
        &[
            ("a.besd.gz", gz(b"x")),
            ("a.esi.gz", gz(b"1 rs1 0 100 A G 0.5\n")),
        ],
    );
    let o = run(&case_args("default", &dir.path().join("o"), Some(&t), None));
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("bad.tar.gz") && e.contains("no .epi") && e.contains("a.besd.gz, a.esi.gz"),
        "{e}"
    );
}

#[test]
fn make_besd_round_trip_is_byte_identical_and_gives_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let conv = dir.path().join("conv");
    let o = run(&s(&[
        "--beqtl-summary",
        TARBALL,
        "--unpack-besd",
        "--out",
        conv.to_str().unwrap(),
    ]));
    assert!(o.status.success(), "{}", stderr(&o));
    // The tarball holds the fixture's sparse BESD: the conversion is byte for byte.
    for ext in ["besd", "esi", "epi"] {
        let a = std::fs::read(dir.path().join(format!("conv.{ext}"))).unwrap();
        let b = std::fs::read(fixture().join(format!("eqtl/eqtl.{ext}"))).unwrap();
        assert!(a == b, "conv.{ext} differs from eqtl.{ext}");
    }
    assert!(!std::fs::read_dir(dir.path()).unwrap().any(|e| e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .contains(".tmp")));
    check_case_with_eqtl("default", &conv);
    check_case_with_eqtl("filters", &conv);
    // A filter makes no sense for a conversion.
    let o = run(&s(&[
        "--beqtl-summary",
        TARBALL,
        "--unpack-besd",
        "--extract-probe",
        "expected/probes.list",
        "--out",
        conv.to_str().unwrap(),
    ]));
    assert_eq!(o.status.code(), Some(2));
}

/// The fixture's `.ma` rows: SNP A1 A2 freq b se p n.
fn ma_rows() -> Vec<Vec<String>> {
    read(&fixture().join("gwas/trait.ma"))
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect()
}

/// Positions of the `.esi` SNPs (for layouts with chromosome and position columns).
fn esi_positions() -> std::collections::HashMap<String, (String, String)> {
    read(&fixture().join("eqtl/eqtl.esi"))
        .lines()
        .map(|l| {
            let t: Vec<&str> = l.split_whitespace().collect();
            (t[1].to_string(), (t[0].to_string(), t[3].to_string()))
        })
        .collect()
}

fn minus_log10(p: &str) -> String {
    format!("{:?}", -p.parse::<f64>().unwrap().log10())
}

/// Write the fixture's `.ma` in `layout`; `id` maps a row to the ID written.
fn write_layout(path: &Path, layout: &str, id: &dyn Fn(&[String]) -> String) {
    let pos = esi_positions();
    let mut t = String::new();
    let header = match layout {
        "ssf" => "chromosome\tbase_pair_location\teffect_allele\tother_allele\tbeta\tstandard_error\teffect_allele_frequency\tp_value\tvariant_id\tn",
        "plink2" => "#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tTEST\tOBS_CT\tBETA\tSE\tT_STAT\tP",
        "regenie" => "CHROM GENPOS ID ALLELE0 ALLELE1 A1FREQ INFO N TEST BETA SE CHISQ LOG10P EXTRA",
        "bolt" => "SNP\tCHR\tBP\tGENPOS\tALLELE1\tALLELE0\tA1FREQ\tF_MISS\tBETA\tSE\tP_BOLT_LMM_INF\tP_BOLT_LMM",
        "saige" => "CHR POS MarkerID Allele1 Allele2 AC_Allele2 AF_Allele2 imputationInfo N BETA SE Tstat p.value",
        _ => unreachable!(),
    };
    t.push_str(header);
    t.push('\n');
    for (i, r) in ma_rows().iter().enumerate() {
        let (chr, bp) = pos
            .get(&r[0])
            .cloned()
            .unwrap_or(("1".into(), format!("{}", 900_000_000 + i)));
        let (snp, a1, a2, f, b, se, p, n) =
            (id(r), &r[1], &r[2], &r[3], &r[4], &r[5], &r[6], &r[7]);
        let line = match layout {
            "ssf" => format!("{chr}\t{bp}\t{a1}\t{a2}\t{b}\t{se}\t{f}\t{p}\t{snp}\t{n}"),
            // REF/ALT alternate so both derivations of the other allele are exercised.
            "plink2" => {
                let (rf, alt) = if i % 2 == 0 { (a2, a1) } else { (a1, a2) };
                format!("{chr}\t{bp}\t{snp}\t{rf}\t{alt}\t{a1}\t{f}\tADD\t{n}\t{b}\t{se}\t1.0\t{p}")
            }
            "regenie" => format!(
                "{chr} {bp} {snp} {a2} {a1} {f} 1 {n} ADD {b} {se} 1.0 {} NA",
                minus_log10(p)
            ),
            "bolt" => format!("{snp}\t{chr}\t{bp}\t0\t{a1}\t{a2}\t{f}\t0.01\t{b}\t{se}\t{p}\t{p}"),
            "saige" => format!("{chr} {bp} {snp} {a2} {a1} 10 {f} 1 {n} {b} {se} 1.0 {p}"),
            _ => unreachable!(),
        };
        t.push_str(&line);
        t.push('\n');
    }
    std::fs::write(path, t).unwrap();
}

fn ma_run(dir: &Path) -> String {
    let out = dir.join("ma");
    assert!(run(&case_args("default", &out, None, None))
        .status
        .success());
    read(&dir.join("ma.smr"))
}

#[test]
fn every_gwas_layout_gives_the_same_smr_as_the_ma() {
    let dir = tempfile::tempdir().unwrap();
    let reference = ma_run(dir.path());
    let d = compare::compare_tables(&expected("default", "out.smr").unwrap(), &reference);
    assert!(d.ok(), "{}", d.report());
    for (layout, name) in [
        ("ssf", "GWAS-SSF"),
        ("plink2", "PLINK 2 .glm"),
        ("regenie", "REGENIE"),
        ("bolt", "BOLT-LMM"),
        ("saige", "SAIGE"),
    ] {
        for zipped in [false, true] {
            let g = dir
                .path()
                .join(format!("{layout}{}", if zipped { ".gz" } else { "" }));
            write_layout(&g, layout, &|r| r[0].clone());
            if zipped {
                let bytes = std::fs::read(&g).unwrap();
                std::fs::write(&g, gz(&bytes)).unwrap();
            }
            let out = dir.path().join(format!("out_{layout}{zipped}"));
            let o = run(&case_args("default", &out, None, Some(&g)));
            assert!(o.status.success(), "{layout}: {}", stderr(&o));
            assert!(
                stderr(&o).contains(&format!("layout: {name}")),
                "{}",
                stderr(&o)
            );
            let smr = read(&out.with_extension("smr"));
            let d = compare::compare_tables(&reference, &smr);
            assert!(d.ok(), "{layout}: {}", d.report());
            assert_eq!(smr, reference, "{layout} (gz {zipped})");
        }
    }
}

#[test]
fn malformed_rows_are_skipped_counted_and_listed() {
    let dir = tempfile::tempdir().unwrap();
    let reference = ma_run(dir.path());
    let g = dir.path().join("bad.ssf.tsv");
    write_layout(&g, "ssf", &|r| r[0].clone());
    let mut text = read(&g);
    let bad = [
        "1\t5\tA\tG\t0.1\t0\t0.2\t0.5\tbad_se\t100",
        "1\t6\tA\tG\tinf\t0.1\t0.2\t0.5\tbad_b\t100",
        "1\t7\tA\tG\t0.1\t0.1\t0.2\t1.5\tbad_p\t100",
        "1\t8\tA\tI\t0.1\t0.1\t0.2\t0.5\tbad_allele\t100",
        "1\t9\tA\tG\t0.1\t0.1",
    ];
    for b in bad {
        text.push_str(b);
        text.push('\n');
    }
    std::fs::write(&g, text).unwrap();
    let out = dir.path().join("o");
    let o = run(&full_report(case_args("default", &out, None, Some(&g))));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&dir.path().join("o.smr")), reference);
    assert!(
        stderr(&o).contains("2039 SNPs read; 33 with frequency NA; 5 rows skipped"),
        "{}",
        stderr(&o)
    );
    let report = read_report(&dir.path().join("o.harmonise.tsv.gz"));
    let n = ma_rows().len() + 2; // data lines start at 2
    for (i, (id, why)) in [
        ("bad_se", "se <= 0"),
        ("bad_b", "b is not finite"),
        ("bad_p", "p outside [0,1]"),
        ("bad_allele", "allele 'I' is not an A/C/G/T string"),
        ("", "6 fields, the header has 10"),
    ]
    .iter()
    .enumerate()
    {
        let row = format!("{id}\tgwas\tdropped\tbad value\tline {}: {why}\n", n + i);
        assert!(report.contains(&row), "missing {row:?} in\n{report}");
    }
}

#[test]
fn match_by_chrpos_joins_gwas_with_other_ids() {
    let dir = tempfile::tempdir().unwrap();
    let reference = ma_run(dir.path());
    let g = dir.path().join("chrpos.tsv");
    // IDs in chr:pos form: no GWAS ID equals an eQTL ID.
    let pos = esi_positions();
    write_layout(&g, "ssf", &|r| match pos.get(&r[0]) {
        Some((c, b)) => format!("{c}:{b}"),
        None => format!("x_{}", r[0]),
    });
    let out = dir.path().join("id");
    let o = run(&case_args("default", &out, None, Some(&g)));
    assert_eq!(o.status.code(), Some(1), "without chrpos nothing matches");
    let out = dir.path().join("cp");
    let mut args = case_args("default", &out, None, Some(&g));
    args.extend(s(&["--match-by", "chrpos"]));
    let o = run(&full_report(args));
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&dir.path().join("cp.smr")), reference);
    let report = read_report(&dir.path().join("cp.harmonise.tsv.gz"));
    assert!(report.contains("\tgwas\trenamed\tmatched by chr:pos\tGWAS ID 1:"));
    // The .ma has no positions: a clear error.
    let out = dir.path().join("ma_cp");
    let mut args = case_args("default", &out, None, None);
    args.extend(s(&["--match-by", "chrpos"]));
    let o = run(&args);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--match-by chrpos needs chromosome and position columns"));
}

#[test]
fn eqtlgen_frequency_oriented_to_the_effect_allele_equals_the_esi() {
    use fastsmr::io::freq::{for_each_row, oriented_freq, precision_tolerance};
    let esi = fastsmr::io::esi::read_esi(&fixture().join("eqtl/eqtl.esi")).unwrap();
    let by_id: std::collections::HashMap<&str, fastsmr::io::esi::EsiRow> =
        esi.rows().map(|e| (e.snp, e)).collect();
    let (mut compared, mut a_is_effect) = (0, 0);
    for_each_row(&fixture().join(FREQ), |row| {
        let e = by_id[row.snp.as_str()];
        let f = oriented_freq(e.a1, e.a2, &row).expect("alleles match one way");
        if row.allele_a == e.a1 {
            a_is_effect += 1;
        }
        let d = (f - f64::from(e.freq.unwrap())).abs();
        assert_eq!(row.decimals, 4);
        assert!(
            d <= precision_tolerance(row.decimals),
            "{}: {f} vs {:?}",
            row.snp,
            e.freq
        );
        compared += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(compared, esi.len());
    // AlleleB is not always the effect allele: both orientations occur.
    assert!(a_is_effect > 0 && a_is_effect < compared);
}

/// The frequency file with deliberate problems: a mismatching allele pair and a wrong value.
fn doctored_freq(dir: &Path) -> (PathBuf, String, String) {
    let text = {
        use std::io::Read;
        let mut s = String::new();
        flate2::read::GzDecoder::new(std::fs::File::open(fixture().join(FREQ)).unwrap())
            .read_to_string(&mut s)
            .unwrap();
        s
    };
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut t: Vec<String> = lines[1].split('\t').map(str::to_string).collect();
    let mismatch = t[0].clone();
    // AlleleA replaced by a base that is neither allele: matches the eQTL neither way.
    let other = ["A", "C", "G", "T"]
        .into_iter()
        .find(|b| *b != t[3] && *b != t[4])
        .unwrap();
    t[3] = other.to_string();
    lines[1] = t.join("\t");
    let mut t: Vec<String> = lines[2].split('\t').map(str::to_string).collect();
    let wrong = t[0].clone();
    let f: f64 = t[8].parse().unwrap();
    t[8] = format!("{:.4}", 1.0 - f);
    lines[2] = t.join("\t");
    let p = dir.join("af.txt.gz");
    std::fs::write(&p, gz((lines.join("\n") + "\n").as_bytes())).unwrap();
    (p, mismatch, wrong)
}

#[test]
fn eqtlgen_freq_mismatches_are_reported_and_fill_keeps_parity() {
    let dir = tempfile::tempdir().unwrap();
    let (af, mismatch, wrong) = doctored_freq(dir.path());
    let out = dir.path().join("o");
    let mut args = case_args("default", &out, Some(&fixture().join(TARBALL)), None);
    args.extend(s(&["--eqtlgen-freq", af.to_str().unwrap()]));
    let o = run(&full_report(args));
    assert!(o.status.success(), "{}", stderr(&o));
    let e = stderr(&o);
    assert!(e.contains("1 allele mismatches"), "{e}");
    assert!(
        e.contains("2091 agree to the file's precision and 1 do not"),
        "{e}"
    );
    let d = compare::compare_tables(
        &expected("default", "out.smr").unwrap(),
        &read(&dir.path().join("o.smr")),
    );
    assert!(d.ok(), "{}", d.report());
    let report = read_report(&dir.path().join("o.harmonise.tsv.gz"));
    assert!(
        report.contains(&format!(
            "{mismatch}\teqtlgen-freq\tnot used\tallele mismatch\tline 2: "
        )),
        "{report}"
    );
    assert!(
        report.contains(&format!(
            "{wrong}\teqtlgen-freq\tflagged\tfrequency difference\tline 3: "
        )),
        "{report}"
    );
}

#[test]
fn eqtlgen_freq_fills_missing_esi_frequencies() {
    // A 6-column .esi (no frequencies): --heidi-off prints the .esi frequency as Freq, so the
    // filled values must reproduce the reference's Freq column to the file's precision.
    let dir = tempfile::tempdir().unwrap();
    let e = fixture().join("eqtl");
    let esi6: String = read(&e.join("eqtl.esi"))
        .lines()
        .map(|l| l.split('\t').take(6).collect::<Vec<_>>().join("\t") + "\n")
        .collect();
    std::fs::write(dir.path().join("nf.esi"), esi6).unwrap();
    std::fs::copy(e.join("eqtl.epi"), dir.path().join("nf.epi")).unwrap();
    std::fs::copy(e.join("eqtl.besd"), dir.path().join("nf.besd")).unwrap();
    let out = dir.path().join("o");
    let mut args = case_args("heidi_off", &out, Some(&dir.path().join("nf")), None);
    args.extend(s(&["--eqtlgen-freq", FREQ]));
    let o = run(&args);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("2093 .esi frequencies filled"),
        "{}",
        stderr(&o)
    );
    let exp = expected("heidi_off", "out.smr").unwrap();
    let ours = read(&dir.path().join("o.smr"));
    let col = |t: &str| -> Vec<f64> {
        t.lines()
            .skip(1)
            .map(|l| l.split('\t').nth(9).unwrap().parse().unwrap())
            .collect()
    };
    let (a, b) = (col(&exp), col(&ours));
    assert_eq!(a.len(), b.len());
    assert!(!a.is_empty());
    for (x, y) in a.iter().zip(&b) {
        assert!((x - y).abs() <= 0.5e-4 + 1e-6, "Freq {x} vs filled {y}");
    }
}

#[test]
fn strand_flip_recovers_complemented_snps_only_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let mut args = case_args("default", &out, None, None);
    args.push("--strand-flip".into());
    let o = run(&full_report(args));
    assert!(o.status.success(), "{}", stderr(&o));
    let report = read_report(&dir.path().join("o.harmonise.tsv.gz"));
    let count = |what: &str| report.lines().filter(|l| l.contains(what)).count();
    // The default run drops 15 GWAS SNPs for allele mismatch; with --strand-flip each is now
    // recovered on the other strand, dropped as strand-ambiguous, or still a mismatch.
    let recovered = count("\tflipped\tstrand complement\t");
    let ambiguous = count("\tstrand-ambiguous\t");
    let mismatch = count("\tgwas\tdropped\tallele mismatch\t");
    assert!(recovered > 0, "{report}");
    let default_dir = tempfile::tempdir().unwrap();
    let o = run(&case_args(
        "default",
        &default_dir.path().join("d"),
        None,
        None,
    ));
    assert!(o.status.success());
    // The default run writes only the summary: its count is the full list's line count.
    assert!(!default_dir.path().join("d.harmonise.tsv.gz").exists());
    let summary = read(&default_dir.path().join("d.harmonise.summary.tsv"));
    assert!(
        summary.starts_with("source\taction\treason\tSNPs\n"),
        "{summary}"
    );
    let default_mismatch: usize = summary
        .lines()
        .find_map(|l| l.strip_prefix("gwas\tdropped\tallele mismatch\t"))
        .expect("allele mismatches counted")
        .parse()
        .unwrap();
    assert_eq!(default_mismatch, 15);
    // With --strand-flip the summary counts exactly the full list's rows per reason.
    let flip_summary = read(&dir.path().join("o.harmonise.summary.tsv"));
    for l in flip_summary.lines().skip(1) {
        let f: Vec<&str> = l.split('\t').collect();
        let key = format!("\t{}\t{}\t{}\t", f[0], f[1], f[2]);
        let rows = report.lines().filter(|r| r.contains(&key)).count();
        assert_eq!(rows.to_string(), f[3], "{l}");
    }
    assert!(recovered + ambiguous + mismatch >= default_mismatch);
    assert!(mismatch < default_mismatch);
}

#[test]
fn tarball_besd_is_mapped_from_an_unlinked_temporary_file() {
    // The .besd member is decompressed into a nameless file beside the outputs (issue 13):
    // the log says so, nothing is left in the output directory, and the results are the
    // plain BESD's.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("o");
    let o = run(&case_args(
        "default",
        &out,
        Some(&fixture().join(TARBALL)),
        None,
    ));
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("decompressed into a temporary file in"),
        "{}",
        stderr(&o)
    );
    let left: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.contains("fastsmr-besd"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
    let d = compare::compare_tables(
        &expected("default", "out.smr").unwrap(),
        &read(&dir.path().join("o.smr")),
    );
    assert!(d.ok(), "{}", d.report());
}

/// With an archive, the first trait's GWAS file is read while the archive is inflated
/// (data::load_both): its results, log lines and errors are those of reading it afterwards.
#[test]
fn gwas_read_beside_the_archive_gives_the_same_results_log_and_errors() {
    let dir = tempfile::tempdir().unwrap();
    let tarball = fixture().join(TARBALL);
    // Two traits in one run: the first is read ahead, the second when its turn comes.
    let good = fixture().join("gwas/trait.ma");
    let text = read(&good);
    let second = dir.path().join("second.ma");
    let mut lines: Vec<&str> = text.lines().collect();
    lines.remove(5);
    std::fs::write(&second, lines.join("\n") + "\n").unwrap();
    // One run with output prefix `label`, the eQTL data from the archive or the plain BESD.
    let smr = |label: &str, archive: bool, gwas: &[&Path]| {
        let beqtl = if archive {
            tarball.as_path()
        } else {
            Path::new("eqtl/eqtl")
        };
        let mut args = vec!["--bfile", "ref/ref"];
        for g in gwas {
            args.extend(["--gwas-summary", g.to_str().unwrap()]);
        }
        let out = dir.path().join(label);
        args.extend(["--beqtl-summary", beqtl.to_str().unwrap()]);
        args.extend(["--out", out.to_str().unwrap()]);
        run(&s(&args))
    };
    for (label, archive) in [("tar", true), ("plain", false)] {
        let o = smr(label, archive, &[&good, &second]);
        assert!(o.status.success(), "{label}: {}", stderr(&o));
    }
    for t in ["trait", "second"] {
        let (a, b) = (
            read(&dir.path().join(format!("tar.{t}.smr"))),
            read(&dir.path().join(format!("plain.{t}.smr"))),
        );
        assert!(a.lines().count() > 1, "{t}: rows expected");
        assert_eq!(a, b, "{t}");
    }
    // The log reads the GWAS file where a sequential run reads it: after the eQTL data.
    let log = read(&dir.path().join("tar.log"));
    let at = |needle: &str| {
        log.find(needle)
            .unwrap_or_else(|| panic!("{needle} in {log}"))
    };
    assert!(at("eQTL data: tar archive") < at("Reading GWAS summary data from"));
    // A bad first GWAS file: the same error and exit code as without the archive, no output.
    let bad = dir.path().join("bad.ma");
    std::fs::write(
        &bad,
        text.replacen("\n", "\nrs_bad A G 0.1 x 0.1 0.5 100\n", 2),
    )
    .unwrap();
    let mut errors = Vec::new();
    for (label, archive) in [("badtar", true), ("badplain", false)] {
        let o = smr(label, archive, &[&bad]);
        assert_eq!(o.status.code(), Some(1), "{label}: {}", stderr(&o));
        assert!(!dir.path().join(format!("{label}.smr")).exists());
        let e = stderr(&o);
        let line = e
            .lines()
            .find(|l| l.starts_with("Error"))
            .unwrap_or_else(|| panic!("{label}: {e}"))
            .to_string();
        assert!(line.contains("bad.ma") && line.contains("line"), "{line}");
        errors.push(line);
    }
    assert_eq!(errors[0], errors[1]);
}
