//! The text eQTL releases (issue 9, parts 4 and 6): the tiny fixture's eQTL data written out
//! in each release's layout (eQTLGen, MetaBrain, eQTL Catalogue), converted back with
//! `--eqtl-release ... --make-besd`, and checked: the converted BESD gives the same `.smr` bytes
//! as the original (MetaBrain, eQTL Catalogue), or b/se equal to eQTLGen's formula computed by
//! hand from the written z, N and frequency (eQTLGen, z-scores only). Bad inputs exit 1 or 2
//! with the file and line named, and leave no BESD file behind.

use crate::support::{stderr, tiny as fixture};
use fastsmr::io::besd::BesdFile;
use fastsmr::io::epi::{read_epi, EpiRecord};
use fastsmr::io::esi::{read_esi, EsiRecord};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
        .args(args)
        .current_dir(fixture())
        .output()
        .expect("run fastsmr")
}

/// One stored value of the original BESD.
#[derive(Debug, Clone)]
struct Cell {
    probe: usize,
    snp: usize,
    beta: f32,
    se: f32,
}

/// The fixture's eQTL data, in stored order.
struct Data {
    esi: Vec<EsiRecord>,
    epi: Vec<EpiRecord>,
    cells: Vec<Cell>,
}

fn data() -> Data {
    let base = fixture().join("eqtl/eqtl");
    let esi_t = read_esi(&base.with_extension("esi")).unwrap();
    let esi: Vec<EsiRecord> = esi_t.rows().map(|r| r.to_record()).collect();
    let epi = read_epi(&base.with_extension("epi")).unwrap();
    let besd = BesdFile::open(&base.with_extension("besd"), esi.len(), epi.len()).unwrap();
    let mut cells = Vec::new();
    let mut v = Vec::new();
    for p in 0..epi.len() {
        besd.read_probe(p, &mut v).unwrap();
        cells.extend(v.iter().map(|e| Cell {
            probe: p,
            snp: e.snp as usize,
            beta: e.beta,
            se: e.se,
        }));
    }
    Data { esi, epi, cells }
}

/// The exact decimal of a float32, read back to the same float32 through f64.
fn num(x: f32) -> String {
    format!("{:?}", f64::from(x))
}

fn chr_name(c: i32) -> String {
    c.to_string()
}

/// Cells in an order where each SNP's first row comes before its other rows, with every
/// `k`-th later row of a SNP written with the alleles swapped (effect negated, frequency
/// 1 - f): the converter must turn them back to the SNP's first alleles.
fn flip_later(cells: &[Cell], k: usize) -> Vec<(Cell, bool)> {
    let mut seen = vec![false; 1 << 16];
    cells
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let later = std::mem::replace(&mut seen[c.snp], true);
            (c.clone(), later && i % k == 0)
        })
        .collect()
}

/// MetaBrain layout, split into two files (probes of the first and second half), GRCh38-like
/// packed SNP IDs, SNPAlleles in both orders, versioned gene IDs.
fn write_metabrain(d: &Data, dir: &Path) -> Vec<PathBuf> {
    let header = fastsmr::io::releases::metabrain::HEADER;
    let half = d.epi.len() / 2;
    let mut texts = [format!("{header}\n"), format!("{header}\n")];
    for (i, (c, flip)) in flip_later(&d.cells, 3).into_iter().enumerate() {
        let s = &d.esi[c.snp];
        let p = &d.epi[c.probe];
        let f = s.freq.unwrap();
        let (ea, oa, beta, freq) = if flip {
            (&s.a2, &s.a1, -f64::from(c.beta), 1.0 - f64::from(f))
        } else {
            (&s.a1, &s.a2, f64::from(c.beta), f64::from(f))
        };
        let alleles = if i % 2 == 0 {
            format!("{oa}/{ea}")
        } else {
            format!("{ea}/{oa}")
        };
        let packed = format!("{}:{}:{}:{}_{}", chr_name(s.chr), s.bp, s.snp, s.a1, s.a2);
        let t = &mut texts[usize::from(c.probe >= half)];
        writeln!(
            t,
            "{}.{}\t{}\t{}\t{}\t{}\t{packed}\t{}\t{}\t{alleles}\t{ea}\t{freq:?}\t0.01\t{}\t1.5\t{beta:?}\t{}\t3\t0.1;0.2\t1;2\t100;200",
            p.probe,
            1 + i % 9,
            chr_name(p.chr),
            p.bp,
            p.orientation,
            p.gene,
            chr_name(s.chr),
            s.bp,
            900 + i % 17,
            num(c.se),
        )
        .unwrap();
    }
    let paths = vec![dir.join("chr1a.txt"), dir.join("chr1b.txt.gz")];
    std::fs::write(&paths[0], &texts[0]).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, texts[1].as_bytes()).unwrap();
    std::fs::write(&paths[1], gz.finish().unwrap()).unwrap();
    paths
}

/// eQTL Catalogue layout (the later column order), rows sorted by position as the Catalogue
/// files are (probes interleaved), alt = A1; and its phenotype metadata file.
fn write_catalogue(d: &Data, dir: &Path) -> (PathBuf, PathBuf) {
    let mut text = String::from(
        "molecular_trait_id\tchromosome\tposition\tref\talt\tvariant\tma_samples\tmaf\tpvalue\tbeta\tse\ttype\tac\tan\tr2\tmolecular_trait_object_id\tgene_id\tmedian_tpm\trsid\n",
    );
    let mut rows = flip_later(&d.cells, 4);
    // Position order; the first row of each SNP keeps its place among that SNP's rows.
    let first_probe: Vec<usize> = {
        let mut v = vec![usize::MAX; d.esi.len()];
        for (c, _) in &rows {
            if v[c.snp] == usize::MAX {
                v[c.snp] = c.probe;
            }
        }
        v
    };
    rows.sort_by_key(|(c, flip)| (d.esi[c.snp].bp, *flip, c.probe != first_probe[c.snp]));
    let an = 1_000_000_000_000u64; // enough digits for every float32 frequency
    for (c, flip) in rows {
        let s = &d.esi[c.snp];
        let p = &d.epi[c.probe];
        let f = f64::from(s.freq.unwrap());
        let (alt, refa, beta, ac) = if flip {
            (
                &s.a2,
                &s.a1,
                -f64::from(c.beta),
                an - (f * an as f64).round() as u64,
            )
        } else {
            (
                &s.a1,
                &s.a2,
                f64::from(c.beta),
                (f * an as f64).round() as u64,
            )
        };
        writeln!(
            text,
            "{}\t{}\t{}\t{refa}\t{alt}\tchr{}_{}_{refa}_{alt}\t50\t0.2\t0.01\t{beta:?}\t{}\tSNP\t{ac}\t{an}\tNA\t{}\t{}\t3.5\t{}",
            p.probe,
            chr_name(s.chr),
            s.bp,
            chr_name(s.chr),
            s.bp,
            num(c.se),
            p.probe,
            p.probe,
            s.snp
        )
        .unwrap();
    }
    let mut meta = String::from(
        "phenotype_id\tquant_id\tgroup_id\tgene_id\tchromosome\tgene_start\tgene_end\tstrand\tgene_name\tgene_type\tgene_version\tphenotype_pos\n",
    );
    for p in &d.epi {
        let strand = if p.orientation == '-' { "-1" } else { "1" };
        writeln!(
            meta,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{strand}\t{}\tprotein_coding\t1\t{}",
            p.probe,
            p.probe,
            p.probe,
            p.probe,
            chr_name(p.chr),
            p.bp - 100,
            p.bp + 5000,
            p.gene,
            p.bp
        )
        .unwrap();
    }
    let (a, b) = (dir.join("QTD000001.all.tsv"), dir.join("meta.tsv"));
    std::fs::write(&a, text).unwrap();
    std::fs::write(&b, meta).unwrap();
    (a, b)
}

/// eQTLGen layout: rows sorted by p (|z| descending) like the released file, z = b/se, N per
/// row; and an allele-frequency file with AlleleB alternately A1 and A2.
fn write_eqtlgen(d: &Data, dir: &Path) -> (PathBuf, PathBuf, Vec<(String, f64, f64)>) {
    let mut rows: Vec<(Cell, bool, f64, f64)> = flip_later(&d.cells, 5)
        .into_iter()
        .enumerate()
        .map(|(i, (c, flip))| {
            let z = f64::from(c.beta) / f64::from(c.se);
            (c, flip, z, 1000.0 + (i % 50) as f64)
        })
        .collect();
    // Sorted by p, but flipped rows after the unflipped ones (each SNP's first row unflipped).
    rows.sort_by(|a, b| a.1.cmp(&b.1).then(b.2.abs().total_cmp(&a.2.abs())));
    let mut text = format!("{}\n", fastsmr::io::releases::eqtlgen::HEADER);
    let mut written = Vec::new();
    for (c, flip, z, n) in &rows {
        let s = &d.esi[c.snp];
        let p = &d.epi[c.probe];
        let (aa, oa, zz) = if *flip {
            (&s.a2, &s.a1, -z)
        } else {
            (&s.a1, &s.a2, *z)
        };
        writeln!(
            text,
            "1e-10\t{}\t{}\t{}\t{aa}\t{oa}\t{zz:?}\t{}\t{}\t{}\t{}\t30\t{n}\t0.0\t1e-5",
            s.snp,
            chr_name(s.chr),
            s.bp,
            p.probe,
            p.gene,
            chr_name(p.chr),
            p.bp
        )
        .unwrap();
        written.push((format!("{} {}", p.probe, s.snp), *z, *n));
    }
    let mut af = String::from(
        "SNP\thg19_chr\thg19_pos\tAlleleA\tAlleleB\tallA_total\tallAB_total\tallB_total\tAlleleB_all\n",
    );
    for (i, s) in d.esi.iter().enumerate() {
        let f = f64::from(s.freq.unwrap());
        let (a, b, fb) = if i % 2 == 0 {
            (&s.a2, &s.a1, f)
        } else {
            (&s.a1, &s.a2, 1.0 - f)
        };
        writeln!(
            af,
            "{}\t{}\t{}\t{a}\t{b}\t1\t2\t3\t{fb:?}",
            s.snp,
            chr_name(s.chr),
            s.bp
        )
        .unwrap();
    }
    let (a, b) = (dir.join("eqtlgen-cis.txt"), dir.join("af.txt"));
    std::fs::write(&a, text).unwrap();
    std::fs::write(&b, af).unwrap();
    (a, b, written)
}

/// Two texts equal, or the first differing line shown.
fn assert_same_text(a: &str, b: &str, what: &str) {
    if let Some((i, (x, y))) = a
        .lines()
        .zip(b.lines())
        .enumerate()
        .find(|(_, (x, y))| x != y)
    {
        panic!("{what} line {}: {x:?} vs {y:?}", i + 1);
    }
    assert_eq!(a.lines().count(), b.lines().count(), "{what}: line counts");
}

fn read_text(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

fn smr(beqtl: &Path, out: &Path) -> Vec<u8> {
    let o = run(&[
        "--bfile",
        "ref/ref",
        "--gwas-summary",
        "gwas/trait.ma",
        "--beqtl-summary",
        beqtl.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    std::fs::read(out.with_extension("smr")).unwrap()
}

fn convert(args: &[&str]) -> Output {
    run(args)
}

fn p(x: &Path) -> &str {
    x.to_str().unwrap()
}

/// The three BESD files of `prefix` do not exist, nor any temporary file in its directory.
fn assert_nothing_written(dir: &Path, prefix: &str) {
    let names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    for n in &names {
        assert!(
            !n.starts_with(prefix) && !n.starts_with(&format!(".{prefix}")),
            "left behind: {n} (all: {names:?})"
        );
    }
}

#[test]
fn metabrain_round_trip_gives_the_same_smr_output() {
    let d = data();
    let dir = tempfile::tempdir().unwrap();
    let files = write_metabrain(&d, dir.path());
    let out = dir.path().join("mb");
    let o = convert(&[
        "--eqtl-release",
        "metabrain",
        p(&files[0]),
        p(&files[1]),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let log = std::fs::read_to_string(out.with_extension("log")).unwrap();
    assert!(log.contains("GRCh38"), "{log}");
    // Same tables as the original (gene versions stripped, effect alleles explicit).
    let orig = fixture().join("eqtl/eqtl");
    assert_same_text(
        &read_text(&out.with_extension("epi")),
        &read_text(&orig.with_extension("epi")),
        "epi",
    );
    assert_same_text(
        &read_text(&out.with_extension("esi")),
        &read_text(&orig.with_extension("esi")),
        "esi",
    );
    let a = smr(&orig, &dir.path().join("orig"));
    let b = smr(&out, &dir.path().join("conv"));
    assert!(!a.is_empty());
    assert_same_text(
        &String::from_utf8(a).unwrap(),
        &String::from_utf8(b).unwrap(),
        ".smr",
    );
}

#[test]
fn catalogue_round_trip_gives_the_same_smr_output_in_any_bucket_count() {
    let d = data();
    let dir = tempfile::tempdir().unwrap();
    let (file, meta) = write_catalogue(&d, dir.path());
    let out = dir.path().join("cat");
    let o = convert(&[
        "--eqtl-release",
        "auto",
        p(&file),
        "--release-probes",
        p(&meta),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let orig = fixture().join("eqtl/eqtl");
    assert_same_text(
        &read_text(&out.with_extension("esi")),
        &read_text(&orig.with_extension("esi")),
        "esi",
    );
    let a = smr(&orig, &dir.path().join("orig"));
    let b = smr(&out, &dir.path().join("conv"));
    assert_same_text(
        &String::from_utf8(a).unwrap(),
        &String::from_utf8(b).unwrap(),
        ".smr",
    );
    // Sorting in many small buckets spooled to disk gives the same bytes.
    let out2 = dir.path().join("cat2");
    let o = convert(&[
        "--eqtl-release",
        "eqtl-catalogue",
        p(&file),
        "--release-probes",
        p(&meta),
        "--make-besd",
        "--release-bucket-entries",
        "300",
        "--out",
        p(&out2),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let log = std::fs::read_to_string(out2.with_extension("log")).unwrap();
    assert!(!log.contains("in 1 bucket(s)"), "{log}");
    for ext in ["besd", "esi", "epi"] {
        assert_eq!(
            std::fs::read(out.with_extension(ext)).unwrap(),
            std::fs::read(out2.with_extension(ext)).unwrap(),
            "{ext}"
        );
    }
    assert_nothing_written(dir.path(), "cat2.tmp");
}

#[test]
fn eqtlgen_b_and_se_follow_the_formula_by_hand() {
    let d = data();
    let dir = tempfile::tempdir().unwrap();
    let (file, af, written) = write_eqtlgen(&d, dir.path());
    let out = dir.path().join("eg");
    let o = convert(&[
        "--eqtl-release",
        "eqtlgen",
        p(&file),
        "--eqtlgen-freq",
        p(&af),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    // The frequency of each SNP's assessed allele, oriented from AlleleB: the .esi is the
    // original one.
    let orig = fixture().join("eqtl/eqtl");
    assert_same_text(
        &read_text(&out.with_extension("esi")),
        &read_text(&orig.with_extension("esi")),
        "esi",
    );
    let esi = read_esi(&out.with_extension("esi")).unwrap();
    let epi = read_epi(&out.with_extension("epi")).unwrap();
    let besd = BesdFile::open(&out.with_extension("besd"), esi.len(), epi.len()).unwrap();
    let by_key: std::collections::HashMap<&str, (f64, f64)> = written
        .iter()
        .map(|(k, z, n)| (k.as_str(), (*z, *n)))
        .collect();
    let mut v = Vec::new();
    let mut checked = 0;
    for (pi, probe) in epi.iter().enumerate() {
        besd.read_probe(pi, &mut v).unwrap();
        for e in &v {
            let snp = esi.row(e.snp as usize);
            let (z, n) = by_key[format!("{} {}", probe.probe, snp.snp).as_str()];
            // The AF file's token, oriented to A1 (every SNP's A1 is the original's).
            let f = f64::from(d.esi[e.snp as usize].freq.unwrap());
            let f = if e.snp % 2 == 0 { f } else { 1.0 - (1.0 - f) };
            let denom = (2.0 * f * (1.0 - f) * (n + z * z)).sqrt();
            assert_eq!(e.beta, (z / denom) as f32, "{} {}", probe.probe, snp.snp);
            assert_eq!(e.se, (1.0 / denom) as f32, "{} {}", probe.probe, snp.snp);
            checked += 1;
        }
    }
    assert_eq!(checked, d.cells.len());
    // N: the header holds the largest row N.
    assert_eq!(besd.header().sample_size, Some(1049));
    // b/se = z as before, so the SMR test's p-values (which depend on the z-scores only)
    // agree with the original's; b_eQTL and b_SMR are on the new scale.
    let a = String::from_utf8(smr(&orig, &dir.path().join("orig"))).unwrap();
    let b = String::from_utf8(smr(&out, &dir.path().join("conv"))).unwrap();
    let cols: Vec<&str> = a.lines().next().unwrap().split('\t').collect();
    let col = |name: &str| cols.iter().position(|c| *c == name).unwrap();
    let (top, p_eqtl, p_smr) = (col("topSNP"), col("p_eQTL"), col("p_SMR"));
    assert_eq!(a.lines().count(), b.lines().count());
    for (x, y) in a.lines().zip(b.lines()).skip(1) {
        let (x, y): (Vec<&str>, Vec<&str>) = (x.split('\t').collect(), y.split('\t').collect());
        assert_eq!(x[..top + 1], y[..top + 1]);
        for c in [p_eqtl, p_smr] {
            let (u, v): (f64, f64) = (x[c].parse().unwrap(), y[c].parse().unwrap());
            assert!(
                (u - v).abs() <= 1e-3 * u.abs().max(1e-300),
                "{} {u} vs {v}",
                cols[c]
            );
        }
    }
}

#[test]
fn bad_inputs_name_file_and_line_and_write_nothing() {
    let d = data();
    let dir = tempfile::tempdir().unwrap();
    let files = write_metabrain(&d, dir.path());
    let text = std::fs::read_to_string(&files[0]).unwrap();
    let out = dir.path().join("bad");
    let case = |name: &str, body: &str, extra: &[&str]| -> (i32, String) {
        let f = dir.path().join(name);
        std::fs::write(&f, body).unwrap();
        let mut args = vec!["--eqtl-release", "metabrain", p(&f)];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["--make-besd", "--out", p(&out)]);
        let o = convert(&args);
        assert_nothing_written(dir.path(), "bad");
        (o.status.code().unwrap(), stderr(&o))
    };
    // A missing column in the header.
    let (rc, e) = case("nose.txt", &text.replacen("MetaSE", "MetaSEx", 1), &[]);
    assert_eq!(rc, 1);
    assert!(
        e.contains("nose.txt, line 1") && e.contains("no MetaSE column"),
        "{e}"
    );
    // A row with a field missing (line 5).
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = lines[4].rsplit_once('\t').unwrap().0.to_string();
    let (rc, e) = case("short.txt", &(lines.join("\n") + "\n"), &[]);
    assert_eq!(rc, 1);
    assert!(
        e.contains("short.txt, line 5") && e.contains("missing column"),
        "{e}"
    );
    // An unknown allele (line 7): the effect allele is not one of SNPAlleles.
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    let mut f: Vec<String> = lines[6].split('\t').map(String::from).collect();
    f[9] = "N".into();
    lines[6] = f.join("\t");
    let (rc, e) = case("allele.txt", &(lines.join("\n") + "\n"), &[]);
    assert_eq!(rc, 1);
    assert!(
        e.contains("allele.txt, line 7") && e.contains("unknown allele 'N'"),
        "{e}"
    );
    // The same dataset twice (two datasets of one release in one set): found while sorting,
    // after the BESD was begun; still nothing written.
    let twice = dir.path().join("twice.txt");
    std::fs::write(&twice, &text).unwrap();
    let o = convert(&[
        "--eqtl-release",
        "metabrain",
        p(&files[0]),
        p(&twice),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    // The same SNP and probe rows in a second file: every SNP position agrees, the pair repeats.
    assert!(stderr(&o).contains("twice in the set"), "{}", stderr(&o));
    assert_nothing_written(dir.path(), "bad");

    // Mixed genome builds: an eQTLGen (GRCh37) file and a MetaBrain (GRCh38) file in one set.
    let (eg, af, _) = write_eqtlgen(&d, dir.path());
    let o = convert(&[
        "--eqtl-release",
        "auto",
        p(&files[0]),
        p(&eg),
        "--eqtlgen-freq",
        p(&af),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains("eqtlgen-cis.txt, line 1")
            && e.contains("mixed genome builds")
            && e.contains("chr1a.txt"),
        "{e}"
    );
    assert_nothing_written(dir.path(), "bad");

    // A z without a frequency: the AF file lacks one SNP; the error names the eQTLGen line
    // where that SNP first appears.
    let af_text = std::fs::read_to_string(&af).unwrap();
    let dropped = af_text
        .lines()
        .nth(10)
        .unwrap()
        .split('\t')
        .next()
        .unwrap()
        .to_string();
    let af2 = dir.path().join("af2.txt");
    std::fs::write(
        &af2,
        af_text
            .lines()
            .filter(|l| !l.starts_with(&format!("{dropped}\t")))
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let eg_text = std::fs::read_to_string(&eg).unwrap();
    let line = 1 + eg_text
        .lines()
        .position(|l| l.split('\t').nth(1) == Some(dropped.as_str()))
        .unwrap();
    let o = convert(&[
        "--eqtl-release",
        "eqtlgen",
        p(&eg),
        "--eqtlgen-freq",
        p(&af2),
        "--make-besd",
        "--out",
        p(&out),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let e = stderr(&o);
    assert!(
        e.contains(&format!("eqtlgen-cis.txt, line {line}"))
            && e.contains("z-score without a frequency")
            && e.contains(&dropped),
        "{e}"
    );
    assert_nothing_written(dir.path(), "bad");

    // Usage errors exit 2: eQTLGen without its frequency file; an unknown layout; no
    // --make-besd.
    for args in [
        vec![
            "--eqtl-release",
            "eqtlgen",
            p(&eg),
            "--make-besd",
            "--out",
            p(&out),
        ],
        vec![
            "--eqtl-release",
            "gtex",
            p(&eg),
            "--make-besd",
            "--out",
            p(&out),
        ],
        vec![
            "--eqtl-release",
            "metabrain",
            p(&files[0]),
            "--out",
            p(&out),
        ],
    ] {
        let o = convert(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert_nothing_written(dir.path(), "bad");
    }
}
