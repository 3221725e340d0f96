//! The bodies of the fuzz targets (tests/FUZZING.md), one function per reader, called by the
//! cargo-fuzz targets in `fuzz/fuzz_targets/` and by the bounded smoke test that runs in
//! `cargo test` (`tests/integration/fuzz_smoke.rs`: seeds plus seeded mutations).
//!
//! Each function takes arbitrary bytes, runs one reader on them as the program would, and
//! returns what the reader said: `Ok` when the input was accepted, or the reader's own error.
//! Along the way it checks the promises a reader makes on any input, and **panics** when one
//! is broken (which is what a fuzzer reports as a crash):
//!
//! * no panic inside the reader (an index out of range, an overflow in a debug build);
//! * an accepted input gives values within what it declares (row ids below the SNP count,
//!   flagged rows on real lines, usable GWAS rows with a finite se > 0, genotype counts ≤ 2);
//! * every error names the input (the path the reader was given), see [`check_error`];
//! * (not checked here, but by the fuzzer's `-rss_limit_mb` and by the smoke test's process)
//!   no allocation sized by a header that the input cannot fill.
//!
//! The layouts of the inputs (which leading bytes choose the counts) are given per function.

use crate::error::{Error, Result};
use crate::io::besd::header::decode_header;
use crate::io::besd::stream::{read_filtered, Keep};
use crate::io::besd::{BesdEntry, BesdFile};
use crate::io::eqtl_source::{maybe_gunzip, EqtlSource};
use crate::io::plink::bed::{decode_all_mapped, decode_counts};
use crate::io::plink::BedFile;
use crate::io::source::Bytes;
use std::path::{Path, PathBuf};

/// The path the readers are given for a `.besd` input (errors must name it).
pub const BESD_NAME: &str = "fuzz.besd";
/// The path of a `.ma` input.
pub const MA_NAME: &str = "fuzz.ma";
/// The path of a `.bed` input.
pub const BED_NAME: &str = "fuzz.bed";
/// The stem of every text-table input (`fuzz.esi`, `fuzz.epi`, `fuzz.bim`, `fuzz.fam`).
pub const TABLE_STEM: &str = "fuzz";
/// The start of a tarball input's file name (`fastsmr-fuzz-<pid>-<n>.tar`).
pub const TARBALL_STEM: &str = "fastsmr-fuzz-";

/// Panic unless `e`'s message names `name` (the input's path or file name) and is not empty:
/// what the project promises of every error on user data.
pub fn check_error(e: &Error, name: &str) {
    let msg = e.to_string();
    assert!(
        msg.contains(name),
        "the error does not name the input {name}: {msg}"
    );
}

/// Read every probe of `besd`, checking row ids against `n_snps` and that probe `n_probes`
/// (one past the end) is refused.
fn read_all_probes(besd: &BesdFile, n_snps: usize, name: &str) {
    let mut out: Vec<BesdEntry> = Vec::new();
    for p in 0..besd.n_probes() {
        match besd.read_probe(p, &mut out) {
            Ok(()) => assert!(
                out.iter().all(|e| (e.snp as usize) < n_snps),
                "probe {p}: a row id beyond the {n_snps} SNPs was returned"
            ),
            Err(e) => check_error(&e, name),
        }
    }
    match besd.read_probe(besd.n_probes(), &mut out) {
        Ok(()) => panic!("a probe index past the end was read"),
        Err(e) => check_error(&e, name),
    }
}

/// The counts the leading bytes of a BESD input choose: bytes 0–1 the SNP count (u16 LE,
/// mod 4096), byte 2 the probe count; the rest is the file. `None` below 3 bytes.
fn besd_counts(data: &[u8]) -> Option<(usize, usize, &[u8])> {
    if data.len() < 3 {
        return None;
    }
    let n_snps = usize::from(u16::from_le_bytes([data[0], data[1]])) % 4096;
    Some((n_snps, usize::from(data[2]), &data[3..]))
}

/// The memory-mapped BESD reader: `BesdFile::from_bytes` (header, counts, size, the whole
/// offset array) then `read_probe` on every probe. Every layout: dense (0, 5), sparse (3,
/// 3F), legacy.
///
/// Input: bytes 0–1 SNP count (u16 LE, mod 4096), byte 2 probe count, rest the `.besd`. When
/// the file has an extended header, its own counts are tried too (bounded: 2¹⁶ SNPs, 2¹²
/// probes), so that the decoder is reached without guessing them. Returns the result for the
/// leading-byte counts.
pub fn besd(data: &[u8]) -> Result<()> {
    let Some((n_snps, n_probes, file)) = besd_counts(data) else {
        return Ok(());
    };
    let path = Path::new(BESD_NAME);
    let exercise = |s: usize, p: usize| -> Result<()> {
        match BesdFile::from_bytes(Bytes::Owned(file.to_vec()), path, s, p) {
            Ok(b) => {
                assert_eq!((b.n_snps(), b.n_probes()), (s, p));
                read_all_probes(&b, s, BESD_NAME);
                Ok(())
            }
            Err(e) => {
                check_error(&e, BESD_NAME);
                Err(e)
            }
        }
    };
    let first = exercise(n_snps, n_probes);
    if let Ok(h) = decode_header(file, path) {
        if let (Some(s), Some(p)) = (h.n_snps, h.n_probes) {
            let (s, p) = (s as usize, p as usize);
            if s <= 1 << 16 && p <= 1 << 12 && (s, p) != (n_snps, n_probes) {
                let _ = exercise(s, p);
            }
        }
    }
    first
}

/// The streamed BESD reader (gzipped `.besd` files, tarball members, pipes):
/// `read_filtered` on the bytes as a forward-only stream, gunzipped first when they start with
/// the gzip magic, keeping every other probe and two SNPs in three; then `read_probe` on every
/// probe. Kept probes hold only kept SNPs; dropped probes are empty.
///
/// Input: as [`besd`] (without the header-count retry).
pub fn besd_stream(data: &[u8]) -> Result<()> {
    let Some((n_snps, n_probes, file)) = besd_counts(data) else {
        return Ok(());
    };
    let probes: Vec<bool> = (0..n_probes).map(|p| p % 2 == 0).collect();
    let snps: Vec<bool> = (0..n_snps).map(|i| i % 3 != 1).collect();
    let keep = Keep {
        probes: &probes,
        snps: &snps,
    };
    let path = Path::new(BESD_NAME);
    let stream = maybe_gunzip(file).map_err(|e| Error::read(path, e))?;
    let besd = read_filtered(stream, path, n_snps, n_probes, keep).inspect_err(|e| {
        check_error(e, BESD_NAME);
    })?;
    assert_eq!((besd.n_snps(), besd.n_probes()), (n_snps, n_probes));
    let mut out = Vec::new();
    for (p, &kept) in probes.iter().enumerate() {
        match besd.read_probe(p, &mut out) {
            Ok(()) => {
                assert!(
                    out.iter()
                        .all(|e| (e.snp as usize) < n_snps && snps[e.snp as usize]),
                    "probe {p}: a SNP that was not kept was returned"
                );
                assert!(
                    kept || out.is_empty(),
                    "probe {p} was not kept but has entries"
                );
            }
            Err(e) => check_error(&e, BESD_NAME),
        }
    }
    Ok(())
}

/// The GWAS `.ma` reader: `io::gwas::parse_ma` on the whole input. Flagged rows point at real
/// lines (2 … number of lines); usable rows have a finite se > 0.
pub fn ma(data: &[u8]) -> Result<()> {
    let d = crate::io::gwas::parse_ma(data, Path::new(MA_NAME)).inspect_err(|e| {
        check_error(e, MA_NAME);
    })?;
    let n_lines = data.split(|&b| b == b'\n').count() as u64;
    for f in &d.flagged {
        assert!(
            f.line >= 2 && f.line <= n_lines,
            "a flagged row names line {} of {n_lines}",
            f.line
        );
    }
    for r in d.records.rows() {
        if r.usable() {
            let se = r.se.unwrap_or(f64::NAN);
            assert!(se > 0.0 && se.is_finite(), "a usable row has se = {se}");
        }
    }
    Ok(())
}

/// The PLINK `.bed` reader: `BedFile::from_bytes` (magic, mode, exact size) then, for every
/// SNP, `decode_counts` (all individuals, and reversed) and `decode_all_mapped`: one value per
/// individual, counts 0–2 or missing.
///
/// Input: byte 0 SNP count, byte 1 individual count, rest the `.bed`.
pub fn bed(data: &[u8]) -> Result<()> {
    if data.len() < 2 {
        return Ok(());
    }
    let (n_snps, n_indiv) = (usize::from(data[0]), usize::from(data[1]));
    let file = data[2..].to_vec();
    let bed = BedFile::from_bytes(Bytes::Owned(file), Path::new(BED_NAME), n_snps, n_indiv)
        .inspect_err(|e| check_error(e, BED_NAME))?;
    assert_eq!((bed.n_snps(), bed.n_indiv()), (n_snps, n_indiv));
    let all: Vec<usize> = (0..n_indiv).collect();
    let reversed: Vec<usize> = all.iter().rev().copied().collect();
    let mut out = Vec::new();
    let mut f = Vec::new();
    for s in 0..bed.n_snps() {
        decode_counts(bed.snp_bytes(s), &all, &mut out);
        assert_eq!(out.len(), n_indiv);
        assert!(out.iter().all(|c| c.is_none_or(|c| c <= 2)));
        let forward = out.clone();
        decode_counts(bed.snp_bytes(s), &reversed, &mut out);
        assert!(
            out.iter().eq(forward.iter().rev()),
            "SNP {s}: order differs"
        );
        decode_all_mapped(
            bed.snp_bytes(s),
            n_indiv,
            &[2.0, f64::NAN, 1.0, 0.0],
            &mut f,
        );
        assert_eq!(f.len(), n_indiv);
    }
    Ok(())
}

/// The text tables beside a BESD and a PLINK set: the same bytes parsed as an `.esi`, an
/// `.epi`, a `.bim` and a `.fam` (each reader's errors name its own file). Returns `Ok` when
/// at least one reader accepted the input, else the `.esi` reader's error.
pub fn tables(data: &[u8]) -> Result<()> {
    let name = |ext: &str| PathBuf::from(format!("{TABLE_STEM}.{ext}"));
    let check = |r: &Result<()>, ext: &str| {
        if let Err(e) = r {
            check_error(e, &format!("{TABLE_STEM}.{ext}"));
        }
    };
    let esi = crate::io::esi::parse_esi_flagged(data, &name("esi")).map(|(t, flagged)| {
        assert!(flagged.iter().all(|f| f.line >= 1));
        let _ = t.len();
    });
    check(&esi, "esi");
    let epi = crate::io::epi::parse_epi_flagged(data, &name("epi")).map(|_| ());
    check(&epi, "epi");
    let bim = crate::io::plink::bim::parse_bim_flagged(data, &name("bim")).map(|(t, _)| {
        for i in 0..t.len() {
            let _ = t.row(i);
        }
    });
    check(&bim, "bim");
    let fam = crate::io::plink::fam::parse_fam(data, &name("fam")).map(|_| ());
    check(&fam, "fam");
    if epi.is_ok() || bim.is_ok() || fam.is_ok() {
        return Ok(());
    }
    esi
}

/// The eQTL tarball reader (eQTLGen's `cis-eQTL-SMR_*.tar.gz`, data-spec/eqtlgen-tarball.md):
/// the input is written to a temporary file and read as `--beqtl-summary` would read it:
/// [`EqtlSource::open_tables`] (the archive plain or gzipped, members plain or gzipped, the
/// `.esi` and `.epi` parsed), then [`EqtlSource::open_besd`] streams the `.besd` member
/// keeping every probe and SNP, and every probe is read.
///
/// Input: the whole archive. The temporary (`<tmp>/fastsmr-fuzz-<pid>-<n>.tar`) is removed
/// before returning; errors name it.
pub fn tarball(data: &[u8]) -> Result<()> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let name = format!("{TARBALL_STEM}{}-{n}.tar", std::process::id());
    let path = std::env::temp_dir().join(&name);
    std::fs::write(&path, data).map_err(|source| Error::Write {
        path: path.clone(),
        source,
    })?;
    /// Removes the temporary however the body ends (a panic included).
    struct Remove<'a>(&'a Path);
    impl Drop for Remove<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
        }
    }
    let _remove = Remove(&path);
    let run = || -> Result<()> {
        let (source, esi, epi, _renamed) = EqtlSource::open_tables(&path)?;
        let (n_snps, n_probes) = (esi.len(), epi.len());
        let probes = vec![true; n_probes];
        let snps = vec![true; n_snps];
        let keep = Keep {
            probes: &probes,
            snps: &snps,
        };
        let besd = source.open_besd(n_snps, n_probes, keep)?;
        assert_eq!((besd.n_snps(), besd.n_probes()), (n_snps, n_probes));
        read_all_probes(&besd, n_snps, &name);
        Ok(())
    };
    run().inspect_err(|e| check_error(e, &name))
}

/// A target: the reader's result on one input (a broken promise panics).
pub type Target = fn(&[u8]) -> Result<()>;

/// Every target by name (the fuzz/ target of the same name calls it).
pub const TARGETS: [(&str, Target); 6] = [
    ("besd", besd),
    ("besd_stream", besd_stream),
    ("ma", ma),
    ("bed", bed),
    ("tables", tables),
    ("tarball", tarball),
];
