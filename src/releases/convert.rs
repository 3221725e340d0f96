//! Text release → sparse BESD, in bounded memory (data-spec/releases-eqtlgen.md §4, the
//! conversion shared by every layout).
//!
//! 1. Every file is read once, line by line. Each (probe, SNP) row becomes a 24-byte entry
//!    (first-seen probe and SNP numbers, two values) appended to a spool file in the output
//!    directory; only the SNP and probe tables stay in memory.
//! 2. eQTLGen: the allele-frequency file gives each SNP the frequency of its assessed allele
//!    (oriented with [`crate::io::freq::orientation`]).
//! 3. SNPs and probes are sorted by (chromosome, position), ties in first-seen order.
//! 4. Probes are cut into buckets of at most `bucket_entries` entries (in sorted order); the
//!    spool is split into one file per bucket (skipped when one bucket holds everything); each
//!    bucket is read, counting-sorted by probe, each probe's entries sorted by SNP, and handed
//!    to the streaming [`SparseSink`].
//! 5. The `.esi`, `.epi` and `.besd` are renamed into place together at the end.

use crate::error::{Error, Result};
use crate::io::besd::reader::BesdEntry;
use crate::io::besd::sink::SparseSink;
use crate::io::freq::{orientation, Orientation};
use crate::io::releases::eqtl_catalogue::{read_metadata, ProbeInfo};
use crate::io::releases::eqtlgen::beta_se_from_z;
use crate::io::releases::{Build, Effect, Header, Layout, ReleaseRow, RowParser};
use crate::io::source::open_text;
use crate::io::text::LineReader;
use crate::output::atomic::{AtomicFile, ScratchFile};
use crate::output::format::fmt_g6;
use crate::types::{Bp, Chrom};
use compact_str::CompactString;
use std::fs::File;
use std::hash::BuildHasher;
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};

/// Validated settings of a conversion.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The layout of every file, or `None` to take each file's from its header.
    pub layout: Option<Layout>,
    /// The release's files, read as one set.
    pub files: Vec<PathBuf>,
    /// eQTLGen allele-frequency file (needed by the eqtlgen layout).
    pub eqtlgen_freq: Option<PathBuf>,
    /// eQTL Catalogue phenotype metadata (needed by the eqtl-catalogue layout).
    pub probes: Option<PathBuf>,
    /// Output prefix.
    pub out: PathBuf,
    /// Entries sorted in memory at once.
    pub bucket_entries: usize,
}

/// What a conversion read and wrote.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Summary {
    /// Each file with its layout and data rows.
    pub files: Vec<(PathBuf, Layout, u64)>,
    /// Rows without an effect (NA beta/se/z/N), skipped.
    pub no_effect: u64,
    /// Rows whose alleles are swapped relative to the SNP's first row (effect negated).
    pub flipped: u64,
    /// `.esi` rows.
    pub n_snps: usize,
    /// `.epi` rows.
    pub n_probes: usize,
    /// Stored (probe, SNP) entries.
    pub n_entries: u64,
    /// Sorting buckets used.
    pub buckets: usize,
    /// Sample size written to the header (the largest per-row N).
    pub sample_size: Option<i32>,
    /// The set's genome build.
    pub build: Option<Build>,
}

/// Where a SNP or probe was first seen: file number and line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Origin {
    file: u32,
    line: u64,
}

/// Why an eQTLGen SNP has no frequency (yet).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum AfState {
    NotInFile,
    Mismatch,
    Missing,
    Monomorphic,
    Ok,
}

struct Snp {
    chr: Chrom,
    bp: Bp,
    a1: CompactString,
    a2: CompactString,
    /// Frequency of A1, as read (rounded to float32 only in the `.esi`).
    freq: Option<f64>,
    af: AfState,
    origin: Origin,
}

struct Probe {
    id: String,
    chr: Chrom,
    bp: Bp,
    gene: String,
    strand: Option<char>,
    origin: Origin,
    count: u64,
}

/// One spooled row: first-seen probe and SNP numbers and (beta, se) or (z, N), the effect
/// already turned to the SNP's first-seen A1.
#[derive(Debug, Clone, Copy)]
struct RawEntry {
    probe: u32,
    snp: u32,
    x: f64,
    y: f64,
}

const RAW_BYTES: usize = 24;

impl RawEntry {
    fn encode(&self, out: &mut [u8; RAW_BYTES]) {
        out[0..4].copy_from_slice(&self.probe.to_le_bytes());
        out[4..8].copy_from_slice(&self.snp.to_le_bytes());
        out[8..16].copy_from_slice(&self.x.to_le_bytes());
        out[16..24].copy_from_slice(&self.y.to_le_bytes());
    }

    fn decode(b: &[u8]) -> RawEntry {
        let u32_at = |i: usize| u32::from_le_bytes(b[i..i + 4].try_into().expect("4 bytes"));
        let f64_at = |i: usize| f64::from_le_bytes(b[i..i + 8].try_into().expect("8 bytes"));
        RawEntry {
            probe: u32_at(0),
            snp: u32_at(4),
            x: f64_at(8),
            y: f64_at(16),
        }
    }
}

fn with_ext(out: &Path, ext: &str) -> PathBuf {
    crate::config::out_path(out, ext)
}

/// The SNP and probe tables and the spool, filled file by file.
struct Collector {
    files: Vec<PathBuf>,
    snps: Vec<Snp>,
    snp_ids: Vec<Box<str>>,
    snp_index: hashbrown::HashTable<u32>,
    /// IDs `rs<digits>` keyed by their number: one probe of a small-entry table per row
    /// instead of following the ID string (the release files are rsIDs, in random order).
    /// The value holds the SNP number and a 64-bit fingerprint of its (chr, bp, A1, A2), so
    /// that a row agreeing with the SNP's first row (nearly every row) is checked without
    /// reading the SNP record; any other row takes the full comparison.
    rs_index: super::rs_table::RsTable,
    hasher: rustc_hash::FxBuildHasher,
    probes: Vec<Probe>,
    probe_index: rustc_hash::FxHashMap<String, u32>,
    spool: BufWriter<File>,
    spool_path: PathBuf,
    n_entries: u64,
    max_n: f64,
    summary: Summary,
    metadata: Option<rustc_hash::FxHashMap<String, ProbeInfo>>,
    z_scores: bool,
}

impl Collector {
    fn origin_text(&self, o: Origin) -> String {
        format!("{} line {}", self.files[o.file as usize].display(), o.line)
    }

    /// The SNP number of an ID, if seen.
    fn find_snp(&self, id: &str) -> Option<u32> {
        match rs_key(id) {
            Some(k) => self.rs_index.get(k).map(|v| v.0),
            None => {
                let h = self.hasher.hash_one(id);
                let ids = &self.snp_ids;
                self.snp_index
                    .find(h, |&i| &*ids[i as usize] == id)
                    .copied()
            }
        }
    }

    fn snp_number(&mut self, row: &ReleaseRow<'_>, file: u32, path: &Path) -> Result<(u32, f64)> {
        let key = rs_key(row.snp);
        if let Some((i, fp)) = key.and_then(|k| self.rs_index.get(k)) {
            if fp == fingerprint(row.chr, row.bp, &row.a1, &row.a2) {
                return Ok((i, 1.0));
            }
            if fp == fingerprint(row.chr, row.bp, &row.a2, &row.a1) {
                self.summary.flipped += 1;
                return Ok((i, -1.0));
            }
        }
        if let Some(i) = self.find_snp(row.snp) {
            let s = &self.snps[i as usize];
            if (s.chr, s.bp) != (row.chr, row.bp) {
                return Err(Error::parse(
                    path,
                    row.line,
                    format!(
                        "SNP {} is at {}:{} here but at {}:{} in {}: positions of two genome \
                         builds in one set, or two SNPs with one ID",
                        row.snp,
                        row.chr,
                        row.bp,
                        s.chr,
                        s.bp,
                        self.origin_text(s.origin)
                    ),
                ));
            }
            if s.a1 == row.a1 && s.a2 == row.a2 {
                return Ok((i, 1.0));
            }
            if s.a1 == row.a2 && s.a2 == row.a1 {
                self.summary.flipped += 1;
                return Ok((i, -1.0));
            }
            return Err(Error::parse(
                path,
                row.line,
                format!(
                    "unknown allele: SNP {} has alleles {}/{} here but {}/{} in {}",
                    row.snp,
                    row.a1,
                    row.a2,
                    s.a1,
                    s.a2,
                    self.origin_text(s.origin)
                ),
            ));
        }
        let i = u32::try_from(self.snps.len())
            .map_err(|_| Error::format(path, "more than 2^32 SNPs"))?;
        self.snps.push(Snp {
            chr: row.chr,
            bp: row.bp,
            a1: row.a1.clone(),
            a2: row.a2.clone(),
            freq: row.freq,
            af: AfState::NotInFile,
            origin: Origin {
                file,
                line: row.line,
            },
        });
        self.snp_ids.push(row.snp.into());
        match key {
            Some(k) => {
                let fp = fingerprint(row.chr, row.bp, &row.a1, &row.a2);
                self.rs_index.insert(k, i, fp);
            }
            None => {
                let (ids, hasher) = (&self.snp_ids, &self.hasher);
                let h = hasher.hash_one(row.snp);
                self.snp_index
                    .insert_unique(h, i, |&j| hasher.hash_one(&*ids[j as usize]));
            }
        }
        Ok((i, 1.0))
    }

    fn probe_number(&mut self, row: &ReleaseRow<'_>, file: u32, path: &Path) -> Result<u32> {
        if let Some(&i) = self.probe_index.get(row.probe) {
            let p = &mut self.probes[i as usize];
            if let Some(pos) = row.probe_pos {
                if pos != (p.chr, p.bp) {
                    let first = p.origin;
                    let (c, b) = (p.chr, p.bp);
                    return Err(Error::parse(
                        path,
                        row.line,
                        format!(
                            "probe {} is at {}:{} here but at {c}:{b} in {}",
                            row.probe,
                            pos.0,
                            pos.1,
                            self.origin_text(first)
                        ),
                    ));
                }
            }
            p.count += 1;
            return Ok(i);
        }
        let (chr, bp, gene, strand) = match (row.probe_pos, &self.metadata) {
            (Some((c, b)), _) => (c, b, row.gene.unwrap_or(row.probe).to_string(), row.strand),
            (None, Some(meta)) => match meta.get(row.probe) {
                Some(m) => (m.chr, m.bp, m.gene.clone(), m.strand),
                None => {
                    return Err(Error::parse(
                        path,
                        row.line,
                        format!(
                        "molecular_trait_id {} is not in the phenotype metadata (--release-probes)",
                        row.probe
                    ),
                    ))
                }
            },
            (None, None) => {
                return Err(Error::parse(
                    path,
                    row.line,
                    format!(
                        "probe {} has no position (give --release-probes)",
                        row.probe
                    ),
                ))
            }
        };
        let gene = if gene.trim().is_empty() {
            "NA".to_string()
        } else {
            gene
        };
        let i = u32::try_from(self.probes.len())
            .map_err(|_| Error::format(path, "more than 2^32 probes"))?;
        self.probes.push(Probe {
            id: row.probe.to_string(),
            chr,
            bp,
            gene,
            strand,
            origin: Origin {
                file,
                line: row.line,
            },
            count: 1,
        });
        self.probe_index.insert(row.probe.to_string(), i);
        Ok(i)
    }

    fn push(&mut self, row: &ReleaseRow<'_>, file: u32, path: &Path) -> Result<()> {
        let Some(effect) = row.effect else {
            self.summary.no_effect += 1;
            return Ok(());
        };
        let (snp, sign) = self.snp_number(row, file, path)?;
        let probe = self.probe_number(row, file, path)?;
        let (x, y) = match effect {
            Effect::Beta { beta, se } => (sign * beta, se),
            Effect::Z(z) => (sign * z, row.n.unwrap_or(f64::NAN)),
        };
        if let Some(n) = row.n {
            self.max_n = self.max_n.max(n);
        }
        let mut b = [0u8; RAW_BYTES];
        RawEntry { probe, snp, x, y }.encode(&mut b);
        self.spool.write_all(&b).map_err(|source| Error::Write {
            path: self.spool_path.clone(),
            source,
        })?;
        self.n_entries += 1;
        Ok(())
    }

    /// Read one file of the set.
    fn read_file(&mut self, settings: &Settings, file: u32) -> Result<()> {
        let path = settings.files[file as usize].clone();
        let mut lines = LineReader::new(open_text(&path)?, &path);
        let header = match lines.next_line()? {
            Some((_, h)) => Header::parse(h),
            None => return Err(Error::format(&path, "empty file, expected a header line")),
        };
        let layout = match settings.layout {
            Some(l) => l,
            None => Layout::detect(&header).ok_or_else(|| {
                Error::parse(
                    &path,
                    1,
                    "the header fits none of the release layouts (eqtlgen, metabrain, eqtl-catalogue)",
                )
            })?,
        };
        if let Some((first, first_layout, _)) = self.summary.files.first() {
            if first_layout.build() != layout.build() {
                return Err(Error::parse(
                    &path,
                    1,
                    format!(
                        "mixed genome builds in one set: this file is {} ({}) but {} is {} ({})",
                        layout.name(),
                        layout.build(),
                        first.display(),
                        first_layout.name(),
                        first_layout.build()
                    ),
                ));
            }
        }
        if layout == Layout::EqtlGen && settings.eqtlgen_freq.is_none() {
            return Err(Error::Config(format!(
                "{} is eQTLGen text (z-scores only): b and se need the allele frequencies, give --eqtlgen-freq",
                path.display()
            )));
        }
        if layout == Layout::EqtlCatalogue && self.metadata.is_none() {
            match &settings.probes {
                Some(m) => self.metadata = Some(read_metadata(m)?),
                None => {
                    return Err(Error::Config(format!(
                    "{} is eQTL Catalogue data, which has no gene positions: give the dataset's \
                         phenotype metadata with --release-probes",
                    path.display()
                )))
                }
            }
        }
        self.z_scores |= layout == Layout::EqtlGen;
        let parser = RowParser::new(layout, &header, &path)?;
        // Two stages: a reader thread reads (and inflates), splits and parses the lines into
        // batches of owned rows; this thread resolves their SNP and probe IDs and spools them.
        // Batches arrive in file order and a parse error comes after the rows before it, so
        // the first error in file order is still the one reported.
        let (to_main, batches) = std::sync::mpsc::sync_channel::<Result<RowBatch>>(4);
        let (to_reader, spare) = std::sync::mpsc::channel::<RowBatch>();
        let mut rows = 0u64;
        std::thread::scope(|scope| -> Result<()> {
            let reader_path = path.clone();
            let (parser, header) = (&parser, &header);
            scope.spawn(move || {
                let r = parse_batches(lines, header, parser, &reader_path, &to_main, &spare);
                if let Err(e) = r {
                    let _ = to_main.send(Err(e));
                }
            });
            for batch in batches {
                let batch = batch?;
                for row in &batch.rows {
                    self.push(&row.view(&batch.arena), file, &path)?;
                }
                rows += batch.rows.len() as u64;
                let _ = to_reader.send(batch);
            }
            Ok(())
        })?;
        self.summary.files.push((path, layout, rows));
        self.summary.build = Some(layout.build());
        Ok(())
    }

    /// eQTLGen: the frequency of each SNP's A1 from the allele-frequency file.
    fn apply_eqtlgen_freq(&mut self, af: &Path) -> Result<()> {
        crate::io::freq::for_each_row(af, |r| {
            let Some(i) = self.find_snp(&r.snp) else {
                return Ok(());
            };
            let s = &mut self.snps[i as usize];
            if s.af == AfState::Ok {
                return Ok(()); // first usable row wins
            }
            let f = match orientation(&s.a1, &s.a2, &r.allele_a, &r.allele_b) {
                Orientation::Mismatch => {
                    s.af = AfState::Mismatch;
                    return Ok(());
                }
                o => match r.freq_b {
                    None => {
                        s.af = AfState::Missing;
                        return Ok(());
                    }
                    Some(fb) if o == Orientation::BIsA1 => fb,
                    Some(fb) => 1.0 - fb,
                },
            };
            if f <= 0.0 || f >= 1.0 {
                s.af = AfState::Monomorphic;
                return Ok(());
            }
            s.freq = Some(f);
            s.af = AfState::Ok;
            Ok(())
        })?;
        if let Some((i, s)) = self
            .snps
            .iter()
            .enumerate()
            .filter(|(_, s)| s.af != AfState::Ok)
            .min_by_key(|(_, s)| s.origin)
        {
            let why = match s.af {
                AfState::NotInFile => "is not in",
                AfState::Mismatch => "has other alleles in",
                AfState::Missing => "has no frequency (NA) in",
                AfState::Monomorphic => "has frequency 0 or 1 (no b/se) in",
                AfState::Ok => unreachable!("filtered"),
            };
            return Err(Error::parse(
                &self.files[s.origin.file as usize],
                s.origin.line,
                format!(
                    "a z-score without a frequency: SNP {} ({}/{}) {why} the --eqtlgen-freq file {}",
                    self.snp_ids[i],
                    s.a1,
                    s.a2,
                    af.display()
                ),
            ));
        }
        Ok(())
    }
}

/// Rows per batch handed from the reader thread to the ID resolution.
const BATCH_ROWS: usize = 16 * 1024;

/// [`ReleaseRow`] with its strings as ranges of a batch's arena, so that it can cross threads.
#[derive(Debug)]
struct OwnedRow {
    line: u64,
    probe: std::ops::Range<usize>,
    probe_pos: Option<(Chrom, Bp)>,
    gene: Option<std::ops::Range<usize>>,
    strand: Option<char>,
    snp: std::ops::Range<usize>,
    chr: Chrom,
    bp: Bp,
    a1: CompactString,
    a2: CompactString,
    freq: Option<f64>,
    effect: Option<Effect>,
    n: Option<f64>,
}

impl OwnedRow {
    /// The row, its strings borrowed from `arena`.
    fn view<'a>(&self, arena: &'a str) -> ReleaseRow<'a> {
        ReleaseRow {
            line: self.line,
            probe: &arena[self.probe.clone()],
            probe_pos: self.probe_pos,
            gene: self.gene.clone().map(|g| &arena[g]),
            strand: self.strand,
            snp: &arena[self.snp.clone()],
            chr: self.chr,
            bp: self.bp,
            a1: self.a1.clone(),
            a2: self.a2.clone(),
            freq: self.freq,
            effect: self.effect,
            n: self.n,
        }
    }
}

/// Consecutive parsed rows of one file, their strings in one buffer.
#[derive(Debug, Default)]
struct RowBatch {
    arena: String,
    rows: Vec<OwnedRow>,
}

impl RowBatch {
    fn push(&mut self, row: ReleaseRow<'_>) {
        let mut keep = |s: &str| {
            let start = self.arena.len();
            self.arena.push_str(s);
            start..self.arena.len()
        };
        let probe = keep(row.probe);
        let gene = row.gene.map(&mut keep);
        let snp = keep(row.snp);
        self.rows.push(OwnedRow {
            line: row.line,
            probe,
            probe_pos: row.probe_pos,
            gene,
            strand: row.strand,
            snp,
            chr: row.chr,
            bp: row.bp,
            a1: row.a1,
            a2: row.a2,
            freq: row.freq,
            effect: row.effect,
            n: row.n,
        });
    }
}

/// The reader thread of [`Collector::read_file`]: lines after the header, parsed into batches
/// sent in file order (emptied batches come back through `spare`). Stops at the first error
/// (returned, after the rows before it were sent) or when the receiver is gone.
fn parse_batches<R: std::io::BufRead>(
    mut lines: LineReader<R>,
    header: &Header,
    parser: &RowParser,
    path: &Path,
    to_main: &std::sync::mpsc::SyncSender<Result<RowBatch>>,
    spare: &std::sync::mpsc::Receiver<RowBatch>,
) -> Result<()> {
    let fresh = |spare: &std::sync::mpsc::Receiver<RowBatch>| {
        let mut b = spare.try_recv().unwrap_or_default();
        b.arena.clear();
        b.rows.clear();
        b
    };
    let mut batch = fresh(spare);
    // One field vector for every line: emptied and re-collected (in place, no allocation)
    // so that it can borrow each line's buffer in turn.
    let mut spare_fields: Vec<&'static str> = Vec::with_capacity(header.len());
    let mut outcome = Ok(());
    loop {
        let (line, bytes) = match lines.next_line() {
            Ok(Some(l)) => l,
            Ok(None) => break,
            Err(e) => {
                outcome = Err(e);
                break;
            }
        };
        if bytes.is_empty() {
            continue;
        }
        let mut fields: Vec<&str> = spare_fields.into_iter().map(|_| "").collect();
        let parsed = header
            .split(bytes, line, path, &mut fields)
            .and_then(|()| parser.row(&fields, line, path));
        match parsed {
            Ok(row) => batch.push(row),
            Err(e) => {
                outcome = Err(e);
                break;
            }
        }
        fields.clear();
        spare_fields = fields.into_iter().map(|_| "").collect();
        if batch.rows.len() == BATCH_ROWS {
            if to_main.send(Ok(batch)).is_err() {
                return Ok(());
            }
            batch = fresh(spare);
        }
    }
    if !batch.rows.is_empty() && to_main.send(Ok(batch)).is_err() {
        return Ok(());
    }
    outcome
}

/// The number of an ID `rs<digits>` whose text is exactly `"rs"` and the number's decimal
/// form (no leading zero, at most 18 digits), so that the number identifies the text.
fn rs_key(id: &str) -> Option<u64> {
    let d = id.strip_prefix("rs")?.as_bytes();
    if d.is_empty() || d.len() > 18 || d[0] == b'0' || !d.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(d.iter().fold(0u64, |k, &b| k * 10 + u64::from(b - b'0')))
}

/// A 64-bit fingerprint of a SNP's position and ordered alleles (see `rs_index`).
fn fingerprint(chr: Chrom, bp: Bp, a1: &str, a2: &str) -> u64 {
    use std::hash::Hasher;
    let mut h = rustc_hash::FxHasher::default();
    h.write_i32(chr);
    h.write_i64(bp);
    h.write(a1.as_bytes());
    h.write_u8(0xff);
    h.write(a2.as_bytes());
    h.finish()
}

/// Stable order of indices by (chromosome, position), and the rank of each index.
fn sort_by_position(keys: impl ExactSizeIterator<Item = (Chrom, Bp)>) -> (Vec<u32>, Vec<u32>) {
    let keys: Vec<(Chrom, Bp)> = keys.collect();
    let mut order: Vec<u32> = (0..keys.len() as u32).collect();
    order.sort_by_key(|&i| keys[i as usize]);
    let mut rank = vec![0u32; keys.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i as usize] = r as u32;
    }
    (order, rank)
}

fn write_esi(path: &Path, c: &Collector, order: &[u32]) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path)?;
    let mut line = String::new();
    for &i in order {
        let s = &c.snps[i as usize];
        line.clear();
        let freq = s
            .freq
            .map(|v| fmt_g6(f64::from(v as f32)))
            .unwrap_or_else(|| "NA".to_string());
        use std::fmt::Write as _;
        let _ = writeln!(
            line,
            "{}\t{}\t0\t{}\t{}\t{}\t{}",
            s.chr, c.snp_ids[i as usize], s.bp, s.a1, s.a2, freq
        );
        f.write_all(line.as_bytes())?;
    }
    Ok(f)
}

fn write_epi(path: &Path, c: &Collector, order: &[u32]) -> Result<AtomicFile> {
    let mut f = AtomicFile::create(path)?;
    let mut text = String::new();
    for &i in order {
        let p = &c.probes[i as usize];
        use std::fmt::Write as _;
        let strand = p.strand.map(String::from).unwrap_or_else(|| "NA".into());
        let _ = writeln!(
            text,
            "{}\t{}\t0\t{}\t{}\t{}",
            p.chr, p.id, p.bp, p.gene, strand
        );
    }
    f.write_all(text.as_bytes())?;
    Ok(f)
}

/// Convert the set described by `settings` into `<out>.besd/.esi/.epi`.
pub fn convert(settings: &Settings) -> Result<Summary> {
    // Scratch files (the spool, the buckets) beside the outputs, removed when dropped and on
    // a signal (output::atomic::ScratchFile).
    let (spool_guard, spool) = ScratchFile::create(&settings.out, "spool")?;
    let spool_path = spool_guard.path().to_path_buf();
    let mut c = Collector {
        files: settings.files.clone(),
        snps: Vec::new(),
        snp_ids: Vec::new(),
        snp_index: hashbrown::HashTable::new(),
        rs_index: Default::default(),
        hasher: rustc_hash::FxBuildHasher,
        probes: Vec::new(),
        probe_index: Default::default(),
        spool: BufWriter::with_capacity(1 << 20, spool),
        spool_path: spool_path.clone(),
        n_entries: 0,
        max_n: 0.0,
        summary: Summary::default(),
        metadata: None,
        z_scores: false,
    };
    for file in 0..settings.files.len() {
        c.read_file(settings, file as u32)?;
    }
    c.spool.flush().map_err(|source| Error::Write {
        path: spool_path.clone(),
        source,
    })?;
    if c.n_entries == 0 {
        return Err(Error::Analysis(
            "the release files hold no (probe, SNP) row with an effect: nothing to convert"
                .to_string(),
        ));
    }
    if c.z_scores {
        let af = settings
            .eqtlgen_freq
            .as_ref()
            .expect("checked when the file was read");
        c.apply_eqtlgen_freq(af)?;
    }
    c.snp_index = hashbrown::HashTable::new();
    c.rs_index = Default::default();
    c.probe_index = Default::default();
    let (snp_order, snp_rank) = sort_by_position(c.snps.iter().map(|s| (s.chr, s.bp)));
    let (probe_order, probe_rank) = sort_by_position(c.probes.iter().map(|p| (p.chr, p.bp)));

    // Buckets: consecutive probes (in sorted order) of at most `bucket_entries` entries.
    let budget = settings.bucket_entries.max(1) as u64;
    let mut bucket_start: Vec<usize> = vec![0]; // sorted-probe index where each bucket starts
    let mut acc = 0u64;
    for (r, &p) in probe_order.iter().enumerate() {
        let n = c.probes[p as usize].count;
        if acc > 0 && acc + n > budget {
            bucket_start.push(r);
            acc = 0;
        }
        acc += n;
    }
    bucket_start.push(probe_order.len());
    let n_buckets = bucket_start.len() - 1;
    let mut bucket_of = vec![0u32; c.probes.len()]; // by sorted rank
    for k in 0..n_buckets {
        for slot in &mut bucket_of[bucket_start[k]..bucket_start[k + 1]] {
            *slot = k as u32;
        }
    }
    let read_err = |p: &Path| {
        let p = p.to_path_buf();
        move |e| Error::read(p.clone(), e)
    };
    let bucket_files: Vec<ScratchFile> = if n_buckets == 1 {
        Vec::new()
    } else {
        let (files, handles): (Vec<ScratchFile>, Vec<File>) = (0..n_buckets)
            .map(|k| ScratchFile::create(&settings.out, &format!("bucket{k}")))
            .collect::<Result<Vec<_>>>()?
            .into_iter()
            .unzip();
        let mut writers: Vec<BufWriter<File>> = handles
            .into_iter()
            .map(|f| BufWriter::with_capacity(1 << 16, f))
            .collect();
        let mut r = BufReader::with_capacity(
            1 << 20,
            File::open(&spool_path).map_err(read_err(&spool_path))?,
        );
        let mut b = [0u8; RAW_BYTES];
        for _ in 0..c.n_entries {
            r.read_exact(&mut b).map_err(read_err(&spool_path))?;
            let e = RawEntry::decode(&b);
            let k = bucket_of[probe_rank[e.probe as usize] as usize] as usize;
            writers[k].write_all(&b).map_err(|source| Error::Write {
                path: files[k].path().to_path_buf(),
                source,
            })?;
        }
        for (w, t) in writers.into_iter().zip(&files) {
            w.into_inner().map_err(|e| Error::Write {
                path: t.path().to_path_buf(),
                source: e.into_error(),
            })?;
        }
        files
    };
    if n_buckets > 1 {
        drop(spool_guard);
    }
    let sample_size =
        (c.max_n >= 1.0 && c.max_n <= i32::MAX as f64).then(|| c.max_n.round() as i32);
    let besd_path = with_ext(&settings.out, "besd");
    let mut sink = SparseSink::create(&besd_path, c.snps.len(), sample_size)?;
    let mut raw: Vec<u8> = Vec::new();
    let mut sorted: Vec<(u32, f32, f32)> = Vec::new();
    let mut entries: Vec<BesdEntry> = Vec::new();
    for k in 0..n_buckets {
        let (lo, hi) = (bucket_start[k], bucket_start[k + 1]);
        let path = if n_buckets == 1 {
            spool_path.clone()
        } else {
            bucket_files[k].path().to_path_buf()
        };
        raw.clear();
        File::open(&path)
            .and_then(|mut f| f.read_to_end(&mut raw))
            .map_err(read_err(&path))?;
        // Counting sort by probe rank, stable (file order kept within a probe).
        let mut start = vec![0usize; hi - lo + 1];
        for b in raw.chunks_exact(RAW_BYTES) {
            let e = RawEntry::decode(b);
            start[probe_rank[e.probe as usize] as usize - lo + 1] += 1;
        }
        for i in 1..start.len() {
            start[i] += start[i - 1];
        }
        let mut next = start.clone();
        sorted.clear();
        sorted.resize(raw.len() / RAW_BYTES, (0, 0.0, 0.0));
        for b in raw.chunks_exact(RAW_BYTES) {
            let e = RawEntry::decode(b);
            let slot = &mut next[probe_rank[e.probe as usize] as usize - lo];
            let (beta, se) = if c.z_scores {
                let f = c.snps[e.snp as usize]
                    .freq
                    .expect("every SNP has a frequency");
                beta_se_from_z(e.x, f, e.y)
            } else {
                (e.x, e.y)
            };
            sorted[*slot] = (snp_rank[e.snp as usize], beta as f32, se as f32);
            *slot += 1;
        }
        for r in lo..hi {
            let probe = &mut sorted[start[r - lo]..start[r - lo + 1]];
            probe.sort_by_key(|e| e.0);
            if let Some(w) = probe.windows(2).find(|w| w[0].0 == w[1].0) {
                let p = &c.probes[probe_order[r] as usize];
                let s = snp_order[w[0].0 as usize] as usize;
                return Err(Error::parse(
                    &c.files[p.origin.file as usize],
                    p.origin.line,
                    format!(
                        "probe {} has SNP {} twice in the set (one row per probe and SNP expected; \
                         two datasets of one release mixed?)",
                        p.id, c.snp_ids[s]
                    ),
                ));
            }
            entries.clear();
            entries.extend(
                probe
                    .iter()
                    .map(|&(snp, beta, se)| BesdEntry { snp, beta, se }),
            );
            sink.push_probe(&entries)?;
        }
    }
    drop(raw);
    drop(sorted);
    drop(bucket_files);
    let besd = sink.finish()?;
    let esi = write_esi(&with_ext(&settings.out, "esi"), &c, &snp_order)?;
    let epi = write_epi(&with_ext(&settings.out, "epi"), &c, &probe_order)?;
    commit_all(vec![
        (besd, with_ext(&settings.out, "besd")),
        (esi, with_ext(&settings.out, "esi")),
        (epi, with_ext(&settings.out, "epi")),
    ])?;
    let mut s = c.summary;
    s.n_snps = c.snps.len();
    s.n_probes = c.probes.len();
    s.n_entries = c.n_entries;
    s.buckets = n_buckets;
    s.sample_size = sample_size;
    Ok(s)
}

/// Rename the complete files into place; if one rename fails, the ones already renamed are
/// removed again, so the triplet appears whole or not at all.
fn commit_all(files: Vec<(AtomicFile, PathBuf)>) -> Result<()> {
    let mut done: Vec<PathBuf> = Vec::new();
    for (f, path) in files {
        if let Err(e) = f.commit() {
            for p in &done {
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        done.push(path);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rs_keys_identify_the_text() {
        assert_eq!(rs_key("rs12230244"), Some(12230244));
        for other in [
            "rs",
            "rs0",
            "rs012",
            "rs12a",
            "RS12",
            "1:100",
            "rs1234567890123456789",
        ] {
            assert_eq!(rs_key(other), None, "{other}");
        }
    }

    /// A MetaBrain row of probe `g`, SNP `rs<k>` at chr 1 position `k`, alleles `ea`/`oa`.
    fn metabrain_row(g: u32, k: u32, ea: &str, oa: &str) -> String {
        format!(
            "ENSG{g:011}\t1\t{}\t+\tG{g}\trs{k}\t1\t{k}\t{oa}/{ea}\t{ea}\t0.3\t0.01\t100\t1.5\t0.1\t0.02\t1\t0.1\t1\t100",
            1000 + g
        )
    }

    /// Errors found by either stage (parse on the reader thread, SNP identity on this one) are
    /// reported in file order, also when they fall in different batches.
    #[test]
    fn first_error_in_file_order_across_batches() {
        let dir = tempfile::tempdir().unwrap();
        let run = |lines: &[String]| {
            let path = dir.path().join("mb.txt");
            let text = format!(
                "{}\n{}\n",
                crate::io::releases::metabrain::HEADER,
                lines.join("\n")
            );
            std::fs::write(&path, text).unwrap();
            convert(&Settings {
                layout: None,
                files: vec![path],
                eqtlgen_freq: None,
                probes: None,
                out: dir.path().join("out"),
                bucket_entries: 1 << 20,
            })
        };
        let n = 3 * BATCH_ROWS as u32;
        let good: Vec<String> = (1..=n).map(|k| metabrain_row(k % 7, k, "A", "G")).collect();
        assert_eq!(run(&good).unwrap().files[0].2, u64::from(n));
        // SNP rs5 again with other alleles (an error of the ID stage) on line k1, a line with
        // a missing column (an error of the parse stage) later, on line k2 in another batch.
        let (k1, k2) = (BATCH_ROWS + 10, 2 * BATCH_ROWS + 10);
        let mut bad = good.clone();
        bad[k1 - 2] = metabrain_row(1, 5, "C", "T");
        bad[k2 - 2] = "ENSG1\t1".to_string();
        let e = run(&bad).unwrap_err().to_string();
        assert!(
            e.contains(&format!("line {k1}")) && e.contains("unknown allele"),
            "{e}"
        );
        // The parse error alone is found, with its own line.
        let mut bad = good;
        bad[k2 - 2] = "ENSG1\t1".to_string();
        let e = run(&bad).unwrap_err().to_string();
        assert!(
            e.contains(&format!("line {k2}")) && e.contains("missing column"),
            "{e}"
        );
    }
}
