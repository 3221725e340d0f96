//! Filters on a small hand-made table; every expected set is worked out by hand in the
//! comments (windows are inclusive, `[max(bp - kb*1000, 0), bp + kb*1000]`).

use super::*;
use crate::cli::Cli;
use crate::error::Error;
use crate::io::epi::EpiRecord;
use crate::io::esi::{EsiRecord, EsiTable};
use clap::Parser;
use std::path::{Path, PathBuf};

fn esi() -> EsiTable {
    let rows = [
        (1, "rs1", 100),  // 0
        (1, "rs2", 1100), // 1
        (1, "rs3", 2100), // 2
        (2, "rs4", 1000), // 3
        (1, "rs5", 5000), // 4
        (1, "rs6", 1000), // 5
    ];
    EsiTable::from_records(
        &rows
            .iter()
            .map(|&(chr, snp, bp)| EsiRecord {
                chr,
                snp: snp.into(),
                bp,
                a1: "A".into(),
                a2: "G".into(),
                freq: None,
            })
            .collect::<Vec<_>>(),
    )
}

fn epi() -> Vec<EpiRecord> {
    [
        (1, "p1", 1000, "GA"),    // 0
        (1, "p2", 3000, "GB,GC"), // 1
        (2, "p3", 1000, "GA"),    // 2
        (1, "p4", 1500, "GD"),    // 3
        (1, "p5", 10000, "GB"),   // 4
    ]
    .iter()
    .map(|&(chr, probe, bp, gene)| EpiRecord {
        chr,
        probe: probe.into(),
        bp,
        gene: gene.into(),
        orientation: '+',
    })
    .collect()
}

struct Fixture {
    dir: tempfile::TempDir,
    esi: EsiTable,
    epi: Vec<EpiRecord>,
}

impl Fixture {
    fn new() -> Self {
        Fixture {
            dir: tempfile::tempdir().unwrap(),
            esi: esi(),
            epi: epi(),
        }
    }

    fn file(&self, name: &str, text: &str) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    }

    fn run(&self, args: &str) -> crate::error::Result<Selection> {
        let mut v = vec!["fastsmr".to_string()];
        v.extend(
            args.split_whitespace()
                .map(|a| a.replace("DIR", &self.dir.path().display().to_string())),
        );
        let f = Filters::from_cli(&Cli::try_parse_from(v).expect("parses"))?;
        f.resolve(&Tables {
            esi: &self.esi,
            epi: &self.epi,
            esi_path: Path::new("eq.esi"),
            epi_path: Path::new("eq.epi"),
        })
    }

    fn snps(&self, args: &str) -> Vec<u32> {
        self.run(args).unwrap().snps
    }

    fn probes(&self, args: &str) -> Vec<usize> {
        self.run(args).unwrap().probes
    }

    fn err(&self, args: &str) -> String {
        self.run(args).unwrap_err().to_string()
    }
}

#[test]
fn no_filter_keeps_everything() {
    let f = Fixture::new();
    let s = f.run("").unwrap();
    assert_eq!(s, Selection::everything(6, 5));
}

#[test]
fn snp_windows_and_ranges() {
    let f = Fixture::new();
    // rs2 at 1100, 1 kb: chr 1, [100, 2100] -> rs1 (100), rs2, rs3 (2100), rs6 (1000).
    assert_eq!(f.snps("--snp rs2 --snp-wind 1"), [0, 1, 2, 5]);
    // rs1 at 100, 1 kb: [max(-900, 0), 1100] -> rs1, rs2, rs6.
    assert_eq!(f.snps("--snp rs1 --snp-wind 1"), [0, 1, 5]);
    // 0 kb: the SNPs at exactly bp 1000 on chr 2 -> rs4 only.
    assert_eq!(f.snps("--snp rs4 --snp-wind 0"), [3]);
    assert_eq!(f.snps("--snp rs3"), [2]);
    // Ends in either order: chr 1, [100, 2100].
    assert_eq!(f.snps("--from-snp rs3 --to-snp rs1"), [0, 1, 2, 5]);
    // kb ends swapped: chr 1, [1000, 2000] -> rs2 (1100), rs6 (1000).
    assert_eq!(f.snps("--snp-chr 1 --from-snp-kb 2 --to-snp-kb 1"), [1, 5]);
    assert_eq!(f.snps("--chr 1 --from-snp-kb 1 --to-snp-kb 2"), [1, 5]);
    // The chromosome filter and the range both apply: rs1 is on chr 1.
    assert_eq!(f.snps("--chr 2 --snp rs1"), Vec::<u32>::new());
    assert_eq!(f.snps("--snp-chr 1"), [0, 1, 2, 4, 5]);
}

#[test]
fn snp_lists_and_removal() {
    let f = Fixture::new();
    let keep = f.file("keep", "rs5\nrs1 x\nrsX\n");
    let drop = f.file("drop", "rs2\n");
    let _ = (&keep, &drop);
    // The list is intersected in .esi order, then the window is ignored (it comes later).
    let s = f
        .run("--extract-snp DIR/keep --snp rs2 --snp-wind 1")
        .unwrap();
    assert_eq!(s.snps, [0, 4]);
    assert!(s
        .notes
        .iter()
        .any(|n| n.contains("--snp/--snp-wind ignored")));
    assert_eq!(
        f.snps("--snp rs2 --snp-wind 1 --exclude-snp DIR/drop"),
        [0, 2, 5]
    );
    assert_eq!(f.snps("--snp rs2 --snp-wind 1 --snp-rm rs3"), [0, 1, 5]);
    let s = f.run("--snp-rm rs99").unwrap();
    assert_eq!(s.snps.len(), 6);
    assert!(s
        .notes
        .iter()
        .any(|n| n.contains("--snp-rm rs99") && n.contains("nothing removed")));
}

#[test]
fn names_not_in_the_data_are_errors() {
    let f = Fixture::new();
    let e = f.err("--snp rs9");
    assert!(e.contains("eq.esi") && e.contains("--snp rs9"), "{e}");
    let e = f.err("--snp rs9 --snp-wind 10");
    assert!(e.contains("eq.esi") && e.contains("rs9"), "{e}");
    let e = f.err("--from-snp rs1 --to-snp rs4");
    assert!(
        e.contains("one chromosome") && e.contains("chromosome 2"),
        "{e}"
    );
    let e = f.err("--probe p9");
    assert!(e.contains("eq.epi") && e.contains("--probe p9"), "{e}");
    let e = f.err("--from-probe p1 --to-probe p3");
    assert!(e.contains("one chromosome"), "{e}");
    let e = f.err("--to-probe p1 --from-probe nope");
    assert!(e.contains("--from-probe nope"), "{e}");
    let e = f.err("--gene GX");
    assert!(e.contains("--gene GX") && e.contains("eq.epi"), "{e}");
    assert!(matches!(f.run("--probe p9"), Err(Error::Format { .. })));
}

#[test]
fn probe_windows_ranges_and_genes() {
    let f = Fixture::new();
    // p1 at 1000, 1 kb: chr 1, [0, 2000] -> p1, p4 (1500).
    assert_eq!(f.probes("--probe p1 --probe-wind 1"), [0, 3]);
    // p2 at 3000, 2 kb: [1000, 5000] -> p1, p2, p4; p3 is on chr 2.
    assert_eq!(f.probes("--probe p2 --probe-wind 2"), [0, 1, 3]);
    assert_eq!(f.probes("--probe p5"), [4]);
    assert_eq!(f.probes("--from-probe p2 --to-probe p1"), [0, 1, 3]);
    assert_eq!(
        f.probes("--probe-chr 1 --from-probe-kb 1 --to-probe-kb 3"),
        [0, 1, 3]
    );
    // --chr alone also places the kb region (SMR 1.3.1 keeps nothing here, Q15).
    assert_eq!(
        f.probes("--chr 1 --from-probe-kb 1 --to-probe-kb 3"),
        [0, 1, 3]
    );
    assert_eq!(f.probes("--probe-chr 2"), [2]);
    // --gene is exact: "GB,GC" is not GB.
    assert_eq!(f.probes("--gene GA"), [0, 2]);
    assert_eq!(f.probes("--gene GB"), [4]);
    assert_eq!(f.probes("--gene GB,GC"), [1]);
    // --genes also matches one name of a multi-gene field.
    f.file("gb", "GB\n");
    f.file("gc", "GC other\n");
    f.file("ga", "GA\n");
    f.file("pl", "p1\np2\n");
    f.file("xp", "p4\n");
    assert_eq!(f.probes("--genes DIR/gb"), [1, 4]);
    assert_eq!(f.probes("--genes DIR/gc"), [1]);
    // --extract-probe and --genes together: both must hold.
    assert_eq!(f.probes("--extract-probe DIR/pl --genes DIR/ga"), [0]);
    assert_eq!(
        f.probes("--probe p1 --probe-wind 1 --exclude-probe DIR/xp"),
        [0]
    );
    // The list wins over --probe, with a warning.
    let s = f.run("--extract-probe DIR/pl --probe p5").unwrap();
    assert_eq!(s.probes, [0, 1]);
    assert!(s
        .notes
        .iter()
        .any(|n| n.starts_with("warning: --probe ignored")));
}

#[test]
fn pair_lists() {
    let f = Fixture::new();
    f.file("pairs", "rs1 p1\nrs4\tp3\nrs9 p2\nrs2 p9\n\nrs3,p4\r\n");
    let s = f
        .run("--probe-chr 1 --extract-snp-probe DIR/pairs")
        .unwrap();
    let pairs = s.pairs.as_ref().unwrap();
    assert_eq!(pairs.kind, PairKind::Window);
    assert_eq!(
        pairs.pairs,
        [
            SnpProbePair {
                line: 1,
                snp: 0,
                probe: 0
            },
            SnpProbePair {
                line: 6,
                snp: 2,
                probe: 3
            },
        ]
    );
    let reasons: Vec<(u64, &str)> = pairs
        .skipped
        .iter()
        .map(|r| (r.line, r.reason.as_str()))
        .collect();
    assert_eq!(
        reasons,
        [
            (2, "probe removed by the probe filters"),
            (3, "SNP not in the eQTL data"),
            (4, "probe not in the eQTL data"),
        ]
    );
    assert_eq!(s.probes, [0, 3]);
    assert_eq!((pairs.snp_for(3), pairs.snp_for(1)), (Some(2), None));
    // A target SNP must survive the SNP filters; a window SNP need not.
    let s = f
        .run("--snp rs3 --extract-target-snp-probe DIR/pairs")
        .unwrap();
    assert_eq!(s.probes, [3]);
    assert!(s
        .pairs
        .unwrap()
        .skipped
        .iter()
        .any(|r| r.line == 1 && r.reason == "target SNP removed by the SNP filters"));
    let s = f.run("--snp rs3 --extract-snp-probe DIR/pairs").unwrap();
    assert_eq!(s.probes, [0, 2, 3]);

    f.file("dup", "rs1 p1\nrs2 p2\nrs3 p1\n");
    let e = f.err("--extract-snp-probe DIR/dup");
    assert!(
        e.contains("line 3") && e.contains("listed twice (first on line 1)"),
        "{e}"
    );
    f.file("three", "rs1 p1 x\n");
    let e = f.err("--extract-target-snp-probe DIR/three");
    assert!(e.contains("line 1") && e.contains("found 3"), "{e}");
    let e = f.err("--extract-snp-probe DIR/none");
    assert!(e.contains("none"), "{e}");
}

#[test]
fn masks_and_window_bounds() {
    let f = Fixture::new();
    let s = f.run("--snp rs2 --snp-wind 1 --probe p2").unwrap();
    assert_eq!(s.snp_mask(6), [true, true, true, false, false, true]);
    assert_eq!(s.probe_mask(5), [false, true, false, false, false]);
    assert_eq!(window_bounds(1500, 1), (500, 2500));
    assert_eq!(window_bounds(500, 1), (0, 1500));
    let mut s = s;
    s.retain_snps(|i| i != 1);
    assert_eq!(s.snps, [0, 2, 5]);
    let t = Tables {
        esi: &f.esi,
        epi: &f.epi,
        esi_path: Path::new("eq.esi"),
        epi_path: Path::new("eq.epi"),
    };
    assert!(s.require_nonempty(&t).is_ok());
    s.retain_snps(|_| false);
    let e = s.require_nonempty(&t).unwrap_err().to_string();
    assert!(e.contains("no SNP of eq.esi (6 SNPs)"), "{e}");
}
