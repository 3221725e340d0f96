//! `fastsmr genes`, `fastsmr plot` and `fastsmr export` (issue 12) on the committed reference
//! outputs: selection rules against calculations made here from the tables themselves, files
//! checked for structure, bad input rejected with file and line, nothing written.

use crate::support::data;
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_fastsmr");

fn run(args: &[&str]) -> (i32, String) {
    let o = Command::new(BIN).args(args).output().expect("run fastsmr");
    (
        o.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

/// Rows of a TSV as maps column → value.
fn tsv(path: &Path) -> Vec<HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let h: Vec<String> = lines
        .next()
        .unwrap()
        .split('\t')
        .map(str::to_string)
        .collect();
    lines
        .map(|l| {
            h.iter()
                .cloned()
                .zip(l.split('\t').map(str::to_string))
                .collect()
        })
        .collect()
}

fn p(s: &str) -> Option<f64> {
    (s != "NA").then(|| s.parse().unwrap())
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

#[test]
fn bonferroni_over_the_probes_tested_matches_a_hand_calculation() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    let smr = data("small-seed1/expected/default/out.smr");
    let (rc, err) = run(&[
        "genes",
        "--smr",
        smr.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
    ]);
    assert_eq!(rc, 0, "{err}");
    // The rule, from the table: m = rows with a p_SMR; significant iff p ≤ 0.05/m; then
    // p_HEIDI NA → heidi_untested, < 0.01 → heidi_rejected, else prioritised.
    let input = tsv(&smr);
    let m = input.iter().filter(|r| p(&r["p_SMR"]).is_some()).count();
    assert_eq!(m, 246);
    let thr = 0.05 / m as f64;
    let want: HashMap<String, &str> = input
        .iter()
        .map(|r| {
            let st = match (p(&r["p_SMR"]), p(&r["p_HEIDI"])) {
                (None, _) => "not_tested",
                (Some(x), _) if x > thr => "not_significant",
                (_, None) => "heidi_untested",
                (_, Some(h)) if h < 0.01 => "heidi_rejected",
                _ => "prioritised",
            };
            (r["probeID"].clone(), st)
        })
        .collect();
    let got = tsv(&out.with_extension("genes.tsv"));
    assert_eq!(got.len(), input.len());
    for r in &got {
        assert_eq!(r["status"], want[&r["probeID"]], "{}", r["probeID"]);
        assert_eq!(r["trait"], "out");
        let adj = p(&r["p_SMR_adj"]).unwrap();
        let raw = p(&r["p_SMR"]).unwrap();
        assert!(
            (adj - (raw * m as f64).min(1.0)).abs() <= 1e-6 * adj.max(1e-300),
            "{adj} {raw}"
        );
    }
    // Sorted by p_SMR.
    let ps: Vec<f64> = got.iter().map(|r| p(&r["p_SMR"]).unwrap()).collect();
    assert!(ps.windows(2).all(|w| w[0] <= w[1]));
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.with_extension("summary.json")).unwrap())
            .unwrap();
    let t = &j["traits"][0];
    assert_eq!(t["denominator"], 246);
    assert!((t["p_smr_threshold"].as_f64().unwrap() - thr).abs() < 1e-18);
    let n_prio = want.values().filter(|s| **s == "prioritised").count();
    assert_eq!(t["counts"]["prioritised"], n_prio as u64);
    assert!(n_prio > 0 && n_prio < 246);
    assert!(err.contains("246 probes tested = the denominator"), "{err}");
}

#[test]
fn heidi_na_is_untested_and_fdr_follows_bh() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g");
    // heidi_off: every p_HEIDI is NA, so no significant probe may pass as prioritised.
    let smr = data("tiny-seed1/expected/heidi_off/out.smr");
    let (rc, err) = run(&[
        "genes",
        "--smr",
        smr.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--p-smr",
        "fdr",
    ]);
    assert_eq!(rc, 0, "{err}");
    let got = tsv(&out.with_extension("genes.tsv"));
    assert!(got.iter().all(|r| r["status"] != "prioritised"));
    // BH by hand: sort p, q_(k) = min_{j ≥ k} p_(j) m / j.
    let mut ps: Vec<(f64, String)> = tsv(&smr)
        .iter()
        .map(|r| (p(&r["p_SMR"]).unwrap(), r["probeID"].clone()))
        .collect();
    ps.sort_by(|a, b| a.0.total_cmp(&b.0));
    let m = ps.len() as f64;
    let mut q = vec![0.0; ps.len()];
    let mut run_min = 1.0f64;
    for k in (0..ps.len()).rev() {
        run_min = run_min.min(ps[k].0 * m / (k + 1) as f64);
        q[k] = run_min;
    }
    let by_id: HashMap<&str, f64> = ps
        .iter()
        .zip(&q)
        .map(|((_, id), q)| (id.as_str(), *q))
        .collect();
    let mut n_sig = 0;
    for r in &got {
        let qv = by_id[r["probeID"].as_str()];
        assert!(
            (p(&r["p_SMR_adj"]).unwrap() - qv).abs() <= 1e-6 * qv,
            "{}",
            r["probeID"]
        );
        let sig = r["status"] != "not_significant";
        assert_eq!(sig, qv <= 0.05, "{}", r["probeID"]);
        n_sig += sig as usize;
        if sig {
            assert_eq!(r["status"], "heidi_untested");
        }
    }
    assert!(n_sig > 0);
}

const HEADER: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI";

fn row(probe: &str, chr: u32, gene: &str, bp: u64, p_smr: &str, p_heidi: &str) -> String {
    format!("{probe}\t{chr}\t{gene}\t{bp}\trs1\t{chr}\t{bp}\tA\tG\t0.3\t0.1\t0.01\t1e-20\t0.5\t0.05\t1e-20\t0.2\t0.03\t{p_smr}\t{p_heidi}\t10")
}

#[test]
fn collapse_to_gene_and_mhc_per_build() {
    let dir = tempfile::tempdir().unwrap();
    let smr = dir.path().join("t.smr");
    let rows = [
        row("P1", 6, "HLA1", 26_000_000, "1.000000e-08", "5.000000e-01"), // MHC in hg19 only
        row("P2", 6, "HLA2", 30_000_000, "2.000000e-08", "5.000000e-01"), // MHC in both builds
        row("P3", 1, "GENEA", 1_000_000, "1.000000e-04", "5.000000e-01"),
        row("P4", 1, "GENEA", 1_100_000, "3.000000e-09", "1.000000e-03"),
        row("P5", 2, "GENEB", 5_000_000, "4.000000e-01", "NA"),
    ];
    std::fs::write(&smr, format!("{HEADER}\n{}\n", rows.join("\n"))).unwrap();
    let s = smr.to_str().unwrap();
    // Collapse: GENEA's best probe is P4 (3e-9), the denominator is 4 genes: 0.05/4 = 0.0125.
    let out = dir.path().join("c");
    let (rc, err) = run(&[
        "genes",
        "--smr",
        s,
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--collapse",
        "gene",
    ]);
    assert_eq!(rc, 0, "{err}");
    let got = tsv(&out.with_extension("genes.tsv"));
    assert_eq!(got.len(), 4);
    let a = got.iter().find(|r| r["Gene"] == "GENEA").unwrap();
    assert_eq!(
        (
            a["probeID"].as_str(),
            a["n_probes"].as_str(),
            a["status"].as_str()
        ),
        ("P4", "2", "heidi_rejected")
    );
    assert!((p(&a["p_SMR_adj"]).unwrap() - 1.2e-8).abs() < 1e-20);
    // MHC: hg19 removes P1 and P2, hg38 (28,510,120–33,480,577) only P2.
    for (build, removed, left) in [("hg19", 2, 3), ("hg38", 1, 4)] {
        let out = dir.path().join(build);
        let (rc, err) = run(&[
            "genes",
            "--smr",
            s,
            "--out",
            out.to_str().unwrap(),
            "--no-plots",
            "--build",
            build,
            "--exclude-mhc",
        ]);
        assert_eq!(rc, 0, "{err}");
        let j: serde_json::Value = serde_json::from_str(
            &std::fs::read_to_string(out.with_extension("summary.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(j["traits"][0]["mhc_removed"], removed, "{build}");
        assert_eq!(j["traits"][0]["denominator"], left, "{build}");
    }
    // Flag only: the column says which rows are MHC.
    let out = dir.path().join("flag");
    let (rc, _) = run(&[
        "genes",
        "--smr",
        s,
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--build",
        "hg38",
    ]);
    assert_eq!(rc, 0);
    let got = tsv(&out.with_extension("genes.tsv"));
    let mhc: Vec<&str> = got
        .iter()
        .filter(|r| r["in_MHC"] == "TRUE")
        .map(|r| r["probeID"].as_str())
        .collect();
    assert_eq!(mhc, ["P2"]);
    // The smr-portal preset: collapse, MHC removed (hg38), p_HEIDI > 0.01.
    let out = dir.path().join("portal");
    let (rc, err) = run(&[
        "genes",
        "--smr",
        s,
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--protocol",
        "smr-portal",
    ]);
    assert_eq!(rc, 0, "{err}");
    let j: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.with_extension("summary.json")).unwrap())
            .unwrap();
    assert_eq!(j["traits"][0]["denominator"], 3); // HLA1, GENEA, GENEB
    assert_eq!(j["settings"]["protocol"], "smr-portal");
}

#[test]
fn gene_annotation_gives_symbols() {
    let dir = tempfile::tempdir().unwrap();
    let smr = dir.path().join("e.smr");
    std::fs::write(
        &smr,
        format!(
            "{HEADER}\n{}\n",
            row(
                "ENSG00000172322",
                12,
                "ENSG00000172322",
                10_126_104,
                "1.000000e-10",
                "2.000000e-01"
            )
        ),
    )
    .unwrap();
    let gtf = dir.path().join("g.gtf");
    std::fs::write(&gtf, "chr12\tHAVANA\tgene\t10117369\t10130000\t.\t-\t.\tgene_id \"ENSG00000172322.13\"; gene_name \"CLEC12A\";\n").unwrap();
    let out = dir.path().join("o");
    let (rc, err) = run(&[
        "genes",
        "--smr",
        smr.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--no-plots",
        "--gene-annot",
        gtf.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    let got = tsv(&out.with_extension("genes.tsv"));
    assert_eq!(
        (got[0]["Gene"].as_str(), got[0]["gene_id"].as_str()),
        ("CLEC12A", "ENSG00000172322")
    );
}

#[test]
fn bad_inputs_name_file_and_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let outdir = dir.path().join("out");
    std::fs::create_dir(&outdir).unwrap();
    let out = outdir.join("x");
    let o = out.to_str().unwrap();
    let good = data("tiny-seed1/expected/default/out.smr");
    let missing_col = dir.path().join("m.smr");
    std::fs::write(
        &missing_col,
        format!("{}\n", HEADER.replace("\tp_HEIDI", "")),
    )
    .unwrap();
    let bad_row = dir.path().join("b.smr");
    std::fs::write(
        &bad_row,
        format!(
            "{HEADER}\n{}\n{}\n",
            row("P1", 1, "G", 1, "1e-9", "0.5"),
            row("P2", 1, "G", 1, "2.5", "0.5")
        ),
    )
    .unwrap();
    let glist = dir.path().join("glist");
    std::fs::write(&glist, "1 100 200 AAA +\n1 300 x00 BBB +\n").unwrap();
    let ma = data("tiny-seed1/gwas/trait.ma");
    let cases: Vec<(Vec<String>, String, &str)> = vec![
        (
            vec![format!("a={}", ma.display())],
            format!("{}, line 1", ma.display()),
            "not an SMR table",
        ),
        (
            vec![format!("a={}", missing_col.display())],
            format!("{}, line 1", missing_col.display()),
            "lacks the column `p_HEIDI`",
        ),
        (
            vec![
                format!("a={}", good.display()),
                format!("b={}", bad_row.display()),
            ],
            format!("{}, line 3", bad_row.display()),
            "p_SMR",
        ),
    ];
    for (smr, where_, what) in cases {
        let mut args = vec!["genes".to_string(), "--smr".into()];
        args.extend(smr);
        args.extend(["--out".into(), o.into()]);
        let a: Vec<&str> = args.iter().map(String::as_str).collect();
        let (rc, err) = run(&a);
        assert_eq!(rc, 1, "{err}");
        assert!(err.contains(&where_) && err.contains(what), "{err}");
        assert!(files_in(&outdir).is_empty(), "{:?}", files_in(&outdir));
    }
    let (rc, err) = run(&[
        "genes",
        "--smr",
        good.to_str().unwrap(),
        "--out",
        o,
        "--gene-annot",
        glist.to_str().unwrap(),
    ]);
    assert_eq!(rc, 1, "{err}");
    assert!(
        err.contains(&format!("{}, line 2", glist.display())) && err.contains("`x00`"),
        "{err}"
    );
    assert!(files_in(&outdir).is_empty());
    // Usage errors exit 2.
    let (rc, _) = run(&[
        "genes",
        "--smr",
        good.to_str().unwrap(),
        "--out",
        o,
        "--p-smr",
        "2",
    ]);
    assert_eq!(rc, 2);
    let (rc, err) = run(&[
        "genes",
        "--smr",
        good.to_str().unwrap(),
        "--out",
        o,
        "--protocol",
        "nope",
    ]);
    assert_eq!(rc, 2);
    assert!(err.contains("smr-portal"), "{err}");
}

/// PNG signature, IHDR chunk and its size.
fn png_size(bytes: &[u8]) -> (u32, u32) {
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
    assert_eq!(&bytes[12..16], b"IHDR");
    let w = u32::from_be_bytes(bytes[16..20].try_into().unwrap());
    let h = u32::from_be_bytes(bytes[20..24].try_into().unwrap());
    (w, h)
}

fn check_figure(prefix: &Path, name: &str) -> (u32, u32) {
    let png = std::fs::read(prefix.with_extension(format!("{name}.png"))).unwrap();
    let (w, h) = png_size(&png);
    assert!(w >= 500 && h >= 400, "{name}: {w}x{h}");
    let svg = std::fs::read_to_string(prefix.with_extension(format!("{name}.svg"))).unwrap();
    let tree =
        resvg::usvg::Tree::from_str(&svg, &resvg::usvg::Options::default()).expect("SVG parses");
    let s = tree.size();
    assert_eq!(
        (s.width() as u32, s.height() as u32),
        (w, h),
        "{name}: SVG and PNG sizes"
    );
    (w, h)
}

#[test]
fn figures_and_report_of_several_traits() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("r");
    let args = [
        "genes".to_string(),
        "--smr".into(),
        format!(
            "tiny={}",
            data("tiny-seed1/expected/default/out.smr").display()
        ),
        format!(
            "small={}",
            data("small-seed1/expected/default/out.smr").display()
        ),
        format!(
            "multi={}",
            data("small-seed1/expected/multi/out.msmr").display()
        ),
        "--out".into(),
        out.to_str().unwrap().into(),
    ];
    let a: Vec<&str> = args.iter().map(String::as_str).collect();
    let (rc, err) = run(&a);
    assert_eq!(rc, 0, "{err}");
    let (_, h) = check_figure(&out, "manhattan");
    assert!(h > 900, "three panels");
    check_figure(&out, "qq");
    check_figure(&out, "heatmap");
    let html = std::fs::read_to_string(out.with_extension("report.html")).unwrap();
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert_eq!(html.matches("<svg class=\"fig\"").count(), 3);
    assert!(html.contains("<table class=\"genes\" id=\"genes\">"));
    assert!(
        !html.contains("http://") || !html.contains("src=\"http"),
        "no network references"
    );
    assert!(!html.contains("src=\"http") && !html.contains("href=\"http"));
    // The matrix has one column per trait.
    let m = std::fs::read_to_string(out.with_extension("gene_matrix.tsv")).unwrap();
    assert_eq!(
        m.lines().next().unwrap(),
        "Gene\tn_traits_prioritised\ttiny\tsmall\tmulti"
    );
}

#[test]
fn locus_and_effect_plots_from_the_plot_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("p");
    let pf = data("tiny-seed1/expected/plot/plot/out.ENSG00040394426.txt");
    let (rc, err) = run(&[
        "plot",
        "--plot-file",
        pf.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    check_figure(&out, "locus");
    check_figure(&out, "effect");
    // Not a plot file: error with file and line 1, nothing written.
    let out2 = dir.path().join("sub");
    std::fs::create_dir(&out2).unwrap();
    let smr = data("tiny-seed1/expected/default/out.smr");
    let (rc, err) = run(&[
        "plot",
        "--plot-file",
        smr.to_str().unwrap(),
        "--out",
        out2.join("q").to_str().unwrap(),
    ]);
    assert_eq!(rc, 1);
    assert!(err.contains(&format!("{}, line 1", smr.display())), "{err}");
    assert!(files_in(&out2).is_empty());
}

#[test]
fn twosamplemr_export_of_prioritised_probes() {
    let dir = tempfile::tempdir().unwrap();
    let g = dir.path().join("g");
    let smr = data("small-seed1/expected/default/out.smr");
    let spec = format!("small={}", smr.display());
    let (rc, err) = run(&[
        "genes",
        "--smr",
        &spec,
        "--out",
        g.to_str().unwrap(),
        "--no-plots",
    ]);
    assert_eq!(rc, 0, "{err}");
    let e = dir.path().join("e");
    let gt = g.with_extension("genes.tsv");
    let (rc, err) = run(&[
        "export",
        "twosamplemr",
        "--smr",
        &spec,
        "--genes-tsv",
        gt.to_str().unwrap(),
        "--out",
        e.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    let exp = tsv(&e.with_extension("exposure.tsv"));
    let outc = tsv(&e.with_extension("outcome.tsv"));
    let prio: Vec<String> = tsv(&gt)
        .iter()
        .filter(|r| r["status"] == "prioritised")
        .map(|r| r["probeID"].clone())
        .collect();
    assert_eq!(exp.len(), prio.len());
    assert_eq!(outc.len(), prio.len());
    let input: HashMap<String, HashMap<String, String>> = tsv(&smr)
        .into_iter()
        .map(|r| (r["probeID"].clone(), r))
        .collect();
    for (x, y) in exp.iter().zip(&outc) {
        let r = &input[&x["Phenotype"]];
        assert!(prio.contains(&x["Phenotype"]));
        assert_eq!(x["SNP"], r["topSNP"]);
        assert_eq!(x["effect_allele"], r["A1"]);
        assert_eq!(p(&x["beta"]), p(&r["b_eQTL"]));
        assert_eq!(p(&y["beta"]), p(&r["b_GWAS"]));
        assert_eq!(p(&y["pval"]), p(&r["p_GWAS"]));
        assert_eq!(y["Phenotype"], "small");
    }
}

#[test]
fn coloc_export_aligns_and_squares_se() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("c");
    let pf = data("tiny-seed1/expected/plot/plot/out.ENSG00040394426.txt");
    let ma = data("tiny-seed1/gwas/trait.ma");
    let (rc, err) = run(&[
        "export",
        "coloc",
        "--plot-file",
        pf.to_str().unwrap(),
        "--gwas-summary",
        ma.to_str().unwrap(),
        "--eqtl-n",
        "500",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(rc, 0, "{err}");
    let rows = tsv(&out.with_extension("coloc.tsv"));
    assert!(rows.len() > 100, "{}", rows.len());
    // Every row: the target probe, varbeta = se², MAF ≤ 0.5; values traced back to the files.
    let text = std::fs::read_to_string(&pf).unwrap();
    let gwas_se: HashMap<&str, f64> = text
        .split("$GWAS")
        .nth(1)
        .unwrap()
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with('$'))
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0], f[2].parse().unwrap())
        })
        .collect();
    for r in &rows {
        assert_eq!(r["probeID"], "ENSG00040394426");
        let se = gwas_se[r["SNP"].as_str()];
        let vb = p(&r["varbeta_gwas"]).unwrap();
        assert!((vb - se * se).abs() <= 1e-5 * vb, "{vb} vs {se}²");
        // MAF is NA exactly where the .ma has no frequency (7 SNPs of this region).
        if let Some(maf) = p(&r["MAF"]) {
            assert!(maf <= 0.5);
        }
        assert_eq!(r["N_eqtl"], "500");
    }
    let na: Vec<&str> = rows
        .iter()
        .filter(|r| r["MAF"] == "NA")
        .map(|r| r["SNP"].as_str())
        .collect();
    let ma_text = std::fs::read_to_string(&ma).unwrap();
    for snp in &na {
        let line = ma_text
            .lines()
            .find(|l| l.split('\t').next() == Some(*snp))
            .unwrap();
        assert_eq!(line.split('\t').nth(3), Some("NA"), "{line}");
    }
    assert_eq!(na.len(), 7);
}
