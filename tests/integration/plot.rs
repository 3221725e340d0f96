//! `--plot` (issue 12 part 4; data-spec/plot-file.md) beyond the battery's `plot` case: the
//! counts the reference notes record for other settings (algorithm-2 §16.9), the LD column
//! attached to its own probe (Q47 fixed), and bad input.

use crate::support::tiny as fixture;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `--plot` around ENSG00026305663 ±100 kb on tiny-seed1 (the probe of the notes' table).
fn plot(out: &Path, gene_list: &Path, extra: &[&str]) -> Output {
    let f = fixture();
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", f.join("gwas/trait.ma").to_str().unwrap()])
        .args([
            "--plot",
            "--probe",
            "ENSG00026305663",
            "--probe-wind",
            "100",
        ])
        .args(["--gene-list", gene_list.to_str().unwrap()])
        .args(["--out", out.to_str().unwrap()])
        .args(extra)
        .output()
        .expect("run fastsmr")
}

fn gene_anno() -> PathBuf {
    fixture().join("expected/gene_anno.txt")
}

/// Block header lines (`$name count ...`) and, per `$eQTL` group, the number of rows with an
/// LD value and how many of them are exactly 1.
struct Parsed {
    blocks: Vec<String>,
    probes: Vec<Vec<String>>,
    ld: Vec<(String, usize, usize)>,
}

fn parse(text: &str) -> Parsed {
    let mut blocks = Vec::new();
    let mut probes = Vec::new();
    let mut ld: Vec<(String, usize, usize)> = Vec::new();
    let mut block = String::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split(' ').collect();
        if line.starts_with('$') {
            blocks.push(format!("{} {}", f[0], f[1]));
            block = f[0].to_string();
            continue;
        }
        match (block.as_str(), f.len()) {
            ("$probe", _) => probes.push(f.iter().map(|s| s.to_string()).collect()),
            ("$eQTL", 2) => ld.push((f[0].to_string(), 0, 0)),
            ("$eQTL", 4) if f[3] != "NA" => {
                let g = ld.last_mut().unwrap();
                g.1 += 1;
                if f[3] == "1" {
                    g.2 += 1;
                }
            }
            _ => {}
        }
    }
    Parsed { blocks, probes, ld }
}

fn read_plot(dir: &Path) -> Parsed {
    let p = dir.join("plot/out.ENSG00026305663.txt");
    parse(&std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display())))
}

/// p_SMR, p_HEIDI and nsnp_HEIDI of a probe in the reference's default `.smr`.
fn reference_smr(probe: &str) -> (String, String, usize) {
    let t = std::fs::read_to_string(fixture().join("expected/default/out.smr")).unwrap();
    let f: Vec<&str> = t
        .lines()
        .find(|l| l.starts_with(&format!("{probe}\t")))
        .unwrap()
        .split('\t')
        .collect();
    (f[18].into(), f[19].into(), f[20].parse().unwrap())
}

#[test]
fn plot_blocks_and_ld_column_match_the_reference_notes() {
    let dir = tempfile::tempdir().unwrap();
    let o = plot(&dir.path().join("out"), &gene_anno(), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = read_plot(dir.path());
    // algorithm-2 §16.9: `$probe 2`, `$SNP 692`, `$GWAS 87`, `$eQTL 2`, `$Gene 2`.
    assert_eq!(
        p.blocks,
        ["$probe 2", "$SNP 692", "$GWAS 87", "$eQTL 2", "$Gene 2"]
    );
    // p_SMR and p_HEIDI equal the reference's `.smr`; the LD values are the final HEIDI list
    // (nsnp_HEIDI of them, one of which is the anchor's 1).
    for (row, (probe, n_ld, ones)) in p.probes.iter().zip(&p.ld) {
        assert_eq!(&row[0], probe);
        let (p_smr, p_heidi, nsnp) = reference_smr(probe);
        assert_eq!((&row[7], &row[8]), (&p_smr, &p_heidi), "{probe}");
        assert_eq!((*n_ld, *ones), (nsnp, 1), "{probe}");
    }
    assert_eq!(p.ld.len(), 2);
}

#[test]
fn ld_values_stay_with_their_own_probe_when_an_earlier_heidi_is_na() {
    // With --heidi-min-m 8 the first probe (MYWEO7, 7 HEIDI SNPs) has no HEIDI: the reference
    // wrote CVFQ6's 20 LD values into MYWEO7's group (Q47); fastsmr keeps them with CVFQ6.
    let dir = tempfile::tempdir().unwrap();
    let o = plot(
        &dir.path().join("out"),
        &gene_anno(),
        &["--heidi-min-m", "8"],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = read_plot(dir.path());
    assert_eq!(p.probes[0][8], "NA");
    let n_ld: Vec<(&str, usize)> = p.ld.iter().map(|g| (g.0.as_str(), g.1)).collect();
    assert_eq!(n_ld, [("ENSG00026305663", 0), ("ENSG00066742716", 20)]);
}

#[test]
fn phet_keeps_only_probes_with_p_heidi_at_least_it() {
    // algorithm-2 §16.9: `--phet 0.0001` → `$eQTL 1` (p_HEIDI 2.06e-4 kept, 8.87e-5 not) and
    // `$SNP 676` (the kept probe's 676 rows: its GWAS SNPs are all among them).
    let dir = tempfile::tempdir().unwrap();
    let o = plot(&dir.path().join("out"), &gene_anno(), &["--phet", "0.0001"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = read_plot(dir.path());
    assert_eq!(p.blocks[1], "$SNP 676");
    assert_eq!(p.blocks[3], "$eQTL 1");
    assert_eq!(p.ld[0].0, "ENSG00026305663");
}

#[test]
fn four_column_gene_list_has_no_gene_block_and_unknown_genes_print_na() {
    let dir = tempfile::tempdir().unwrap();
    // The annotation minus its strand column and minus MYWEO7's line.
    let text = std::fs::read_to_string(gene_anno()).unwrap();
    let four: String = text
        .lines()
        .filter(|l| !l.contains("MYWEO7"))
        .map(|l| l.split('\t').take(4).collect::<Vec<_>>().join("\t") + "\n")
        .collect();
    let g = dir.path().join("genes4.txt");
    std::fs::write(&g, four).unwrap();
    let o = plot(&dir.path().join("out"), &g, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let p = read_plot(dir.path());
    assert_eq!(p.blocks.last().unwrap(), "$eQTL 2");
    assert_eq!(
        (&p.probes[0][4], &p.probes[0][5]),
        (&"NA".into(), &"NA".into())
    );
    assert_ne!(p.probes[1][4], "NA");
}

#[test]
fn bad_gene_list_and_missing_flags_are_errors_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("bad.txt");
    std::fs::write(&g, "1 100 200 A +\n1 300 400 B\n").unwrap();
    let o = plot(&dir.path().join("out"), &g, &[]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("bad.txt") && err.contains("line 2"), "{err}");
    assert!(!dir.path().join("plot").exists());

    let f = fixture();
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args(["--beqtl-summary", f.join("eqtl/eqtl").to_str().unwrap()])
        .args(["--gwas-summary", f.join("gwas/trait.ma").to_str().unwrap()])
        .args(["--plot", "--probe", "ENSG00026305663"])
        .args(["--out", dir.path().join("o2").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("--probe-wind"));

    let o = plot(
        &dir.path().join("out"),
        &gene_anno(),
        &["--probe", "NO_SUCH_PROBE"],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&o.stderr).contains("NO_SUCH_PROBE"));
    assert!(!dir.path().join("plot").exists());
}

#[test]
fn dense_besd_and_two_threads_give_the_reference_file() {
    // algorithm-2 §16.9: "same with dense BESD: identical file"; the battery case's command on
    // the fixture's dense copy, with two threads.
    let dir = tempfile::tempdir().unwrap();
    let f = fixture();
    let o = Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(["--bfile", f.join("ref/ref").to_str().unwrap()])
        .args([
            "--beqtl-summary",
            f.join("eqtl/eqtl_dense").to_str().unwrap(),
        ])
        .args(["--gwas-summary", f.join("gwas/trait.ma").to_str().unwrap()])
        .args([
            "--plot",
            "--probe",
            "ENSG00040394426",
            "--probe-wind",
            "500",
        ])
        .args(["--gene-list", gene_anno().to_str().unwrap()])
        .args(["--out", dir.path().join("out").to_str().unwrap()])
        .args(["--thread-num", "2"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let got = std::fs::read(dir.path().join("plot/out.ENSG00040394426.txt")).unwrap();
    let want = std::fs::read(f.join("expected/plot/plot/out.ENSG00040394426.txt")).unwrap();
    assert!(got == want, "dense plot file differs from the reference's");
}
