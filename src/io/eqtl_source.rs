//! Where the eQTL summary data come from: a BESD prefix (members plain or gzipped), a
//! directory holding one `.besd/.esi/.epi` (each optionally `.gz`), or a tar archive (plain
//! or gzipped) such as eQTLGen's `cis-eQTL-SMR_20191212.tar.gz`
//! (data-spec/eqtlgen-tarball.md).
//!
//! A tar archive is streamed, never unpacked to disk: pass 1 reads the `.esi` and `.epi`
//! members (whatever their order in the archive); pass 2 streams the `.besd` member through
//! [`read_filtered`], keeping only the probes and SNPs the run needs.

use crate::error::{Error, Result};
use crate::io::besd::stream::{read_filtered, Keep};
use crate::io::besd::BesdFile;
use crate::io::epi::{parse_epi_flagged, EpiRecord};
use crate::io::esi::{parse_esi_flagged, read_esi_flagged, EsiTable};
use crate::types::SkippedRow;

/// Rows renamed for a duplicate ID, per table file.
pub type Renamed = Vec<(PathBuf, Vec<SkippedRow>)>;
use crate::io::read_ahead::ReadAhead;
use crate::io::source::{is_input_file, Bytes, GZIP_MAGIC};
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// Buffer for streamed members.
const STREAM_BUFFER: usize = 1 << 20;

/// The three parts of a BESD triplet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// `.besd`: the values.
    Besd,
    /// `.esi`: the SNPs.
    Esi,
    /// `.epi`: the probes.
    Epi,
}

impl Part {
    /// The three parts, in the order they are listed in messages.
    pub const ALL: [Part; 3] = [Part::Besd, Part::Esi, Part::Epi];

    /// The file extension without dot.
    pub fn ext(self) -> &'static str {
        match self {
            Part::Besd => "besd",
            Part::Esi => "esi",
            Part::Epi => "epi",
        }
    }

    /// Which part a file or member name is, by suffix `.besd`, `.esi`, `.epi`, each optionally
    /// followed by `.gz` (data-spec/eqtlgen-tarball.md §2).
    pub fn of_name(name: &str) -> Option<Part> {
        let base = name.strip_suffix(".gz").unwrap_or(name);
        Part::ALL
            .into_iter()
            .find(|p| base.ends_with(&format!(".{}", p.ext())))
    }
}

/// The eQTL input, resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EqtlSource {
    /// Three files (each plain or gzipped, detected by content).
    Files {
        /// `.besd` or `.besd.gz`.
        besd: PathBuf,
        /// `.esi` or `.esi.gz`.
        esi: PathBuf,
        /// `.epi` or `.epi.gz`.
        epi: PathBuf,
    },
    /// Members of a tar archive (the archive plain or gzipped, each member plain or gzipped).
    Tar {
        /// The archive.
        path: PathBuf,
        /// Member names of the `.besd`, `.esi` and `.epi`.
        besd: String,
        /// `.esi` member.
        esi: String,
        /// `.epi` member.
        epi: String,
    },
}

fn with_suffix(prefix: &Path, suffix: &str) -> PathBuf {
    let mut s = prefix.as_os_str().to_owned();
    s.push(suffix);
    PathBuf::from(s)
}

/// Can the file be memory-mapped: a regular file that does not start with the gzip magic?
/// (A pipe or FIFO is not even peeked at: its bytes are read once, by the stream decoder.)
fn is_mappable(path: &Path) -> Result<bool> {
    let mut f = File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if !f.metadata().map_err(|e| Error::read(path, e))?.is_file() {
        return Ok(false);
    }
    let mut magic = [0u8; 2];
    let mut got = 0;
    while got < 2 {
        match f.read(&mut magic[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::read(path, e)),
        }
    }
    Ok(!(got == 2 && magic == GZIP_MAGIC))
}

/// The BESD prefix of a path that names one part (`x.besd`, `x.esi.gz`, ...), if it does.
fn strip_part_suffix(given: &Path) -> Option<PathBuf> {
    let s = given.to_str()?;
    let base = s.strip_suffix(".gz").unwrap_or(s);
    Part::ALL.iter().find_map(|p| {
        base.strip_suffix(&format!(".{}", p.ext()))
            .filter(|b| !b.is_empty() && !b.ends_with('/'))
            .map(PathBuf::from)
    })
}

/// A tar member name as messages show it: control characters (which could rewrite the
/// terminal) escaped, e.g. `\u{1b}`; every other character as it is.
pub fn escape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// Wrap a reader, gunzipping it when it starts with the gzip magic.
pub fn maybe_gunzip<'a, R: Read + 'a>(r: R) -> std::io::Result<Box<dyn BufRead + 'a>> {
    let mut br = BufReader::with_capacity(STREAM_BUFFER, r);
    let head = br.fill_buf()?;
    if head.len() >= 2 && head[..2] == GZIP_MAGIC {
        Ok(Box::new(BufReader::with_capacity(
            STREAM_BUFFER,
            MultiGzDecoder::new(br),
        )))
    } else {
        Ok(Box::new(br))
    }
}

fn open_file(path: &Path) -> Result<File> {
    File::open(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })
}

/// Open an archive for entry iteration. A gzipped archive is inflated on a reader thread of
/// its own ([`ReadAhead`]), so that the outer inflate overlaps with the inner inflate of the
/// members and the parsing of their text.
fn open_archive(path: &Path) -> Result<tar::Archive<Box<dyn BufRead>>> {
    let mut br = BufReader::with_capacity(STREAM_BUFFER, open_file(path)?);
    let head = br.fill_buf().map_err(|e| Error::read(path, e))?;
    let r: Box<dyn BufRead> = if head.len() >= 2 && head[..2] == GZIP_MAGIC {
        Box::new(ReadAhead::spawn(MultiGzDecoder::new(br)))
    } else {
        Box::new(br)
    };
    Ok(tar::Archive::new(r))
}

/// The name of the path an error message uses for one member: `archive[member]`.
pub fn member_label(archive: &Path, member: &str) -> PathBuf {
    PathBuf::from(format!("{}[{member}]", archive.display()))
}

/// Choose one file per part among `names` (file or member names); errors name `container`
/// and list what it holds.
fn pick_members(container: &Path, kind: &str, names: &[String]) -> Result<[String; 3]> {
    let mut found: [Vec<&String>; 3] = [Vec::new(), Vec::new(), Vec::new()];
    for n in names {
        if let Some(p) = Part::of_name(n) {
            found[Part::ALL.iter().position(|&q| q == p).unwrap_or(0)].push(n);
        }
    }
    let listing = || {
        if names.is_empty() {
            "nothing".to_string()
        } else {
            names.join(", ")
        }
    };
    let mut out: [String; 3] = Default::default();
    for (i, part) in Part::ALL.into_iter().enumerate() {
        match found[i].as_slice() {
            [one] => out[i] = (*one).clone(),
            [] => {
                return Err(Error::format(
                    container,
                    format!(
                        "this {kind} has no .{e} (or .{e}.gz) file; it holds: {}",
                        listing(),
                        e = part.ext()
                    ),
                ))
            }
            many => {
                let many: Vec<&str> = many.iter().map(|s| s.as_str()).collect();
                return Err(Error::format(
                    container,
                    format!(
                        "this {kind} has {} .{e} files ({}); expected exactly one",
                        many.len(),
                        many.join(", "),
                        e = part.ext()
                    ),
                ));
            }
        }
    }
    Ok(out)
}

/// Read a tar archive once, calling `f` with the first member of each part as it comes
/// (decompressed), then check that the archive holds exactly one member per part. Returns
/// the resolved source. Errors name the archive and list its members.
pub fn scan_archive(
    path: &Path,
    mut f: impl FnMut(Part, &Path, &mut dyn BufRead) -> Result<()>,
) -> Result<EqtlSource> {
    let mut ar = open_archive(path)?;
    let mut names = Vec::new();
    let mut seen = [false; 3];
    for entry in ar.entries().map_err(|e| tar_error(path, e))? {
        let entry = entry.map_err(|e| tar_error(path, e))?;
        let name = entry_name(&entry, path)?;
        let kind = entry.header().entry_type();
        if !kind.is_file() {
            // Listed (so that "it holds: ..." is the whole truth) but never read as a part.
            if let Some(what) = member_kind(kind) {
                names.push(format!("{name} ({what})"));
            }
            continue;
        }
        names.push(name.clone());
        let Some(part) = Part::of_name(&name) else {
            continue;
        };
        let i = Part::ALL.iter().position(|&q| q == part).unwrap_or(0);
        if seen[i] {
            continue;
        }
        seen[i] = true;
        let label = member_label(path, &name);
        let mut r = maybe_gunzip(entry).map_err(|e| Error::read(&label, e))?;
        f(part, &label, &mut r)?;
    }
    let [besd, esi, epi] = pick_members(path, "archive", &names)?;
    Ok(EqtlSource::Tar {
        path: path.to_path_buf(),
        besd,
        esi,
        epi,
    })
}

/// What `--beqtl-summary` names, before any archive is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Located {
    /// Three files, resolved.
    Files(EqtlSource),
    /// A tar archive (members resolved while it is read).
    Archive(PathBuf),
}

fn tar_error(path: &Path, e: std::io::Error) -> Error {
    Error::format(
        path,
        format!("not a readable tar archive (plain or gzipped): {e}"),
    )
}

fn entry_name<R: Read>(entry: &tar::Entry<'_, R>, archive: &Path) -> Result<String> {
    let p = entry.path().map_err(|e| tar_error(archive, e))?;
    Ok(escape_name(&p.to_string_lossy()))
}

/// What a member that is not a regular file is, for the archive's listing; `None` for the
/// entries that are not members (directories, extended headers).
fn member_kind(kind: tar::EntryType) -> Option<&'static str> {
    use tar::EntryType as T;
    match kind {
        T::Symlink => Some("symbolic link"),
        T::Link => Some("hard link"),
        T::Fifo => Some("FIFO"),
        T::Char => Some("character device"),
        T::Block => Some("block device"),
        T::Directory | T::XGlobalHeader | T::XHeader | T::GNULongName | T::GNULongLink => None,
        _ => Some("not a regular file"),
    }
}

impl EqtlSource {
    /// Resolve `--beqtl-summary` (data-spec/eqtlgen-tarball.md §1): a directory; else a BESD
    /// prefix whose `.besd`, `.esi`, `.epi` each exist plain or with `.gz`; else a tar archive.
    pub fn locate(given: &Path) -> Result<Located> {
        if given.is_dir() {
            let mut names: Vec<String> = std::fs::read_dir(given)
                .map_err(|source| Error::Open {
                    path: given.to_path_buf(),
                    source,
                })?
                .filter_map(|e| e.ok())
                .filter(|e| is_input_file(&e.path()))
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            let [besd, esi, epi] = pick_members(given, "directory", &names)?;
            return Ok(Located::Files(EqtlSource::Files {
                besd: given.join(besd),
                esi: given.join(esi),
                epi: given.join(epi),
            }));
        }
        let mut parts: Vec<Option<PathBuf>> = Vec::new();
        for part in Part::ALL {
            let plain = with_suffix(given, &format!(".{}", part.ext()));
            let gz = with_suffix(given, &format!(".{}.gz", part.ext()));
            parts.push(match (is_input_file(&plain), is_input_file(&gz)) {
                (true, true) => {
                    return Err(Error::Config(format!(
                        "both {} and {} exist; remove one so the eQTL input is unambiguous",
                        plain.display(),
                        gz.display()
                    )))
                }
                (true, false) => Some(plain),
                (false, true) => Some(gz),
                (false, false) => None,
            });
        }
        if parts.iter().any(|p| p.is_some()) {
            let mut it = parts.into_iter().zip(Part::ALL);
            let mut next = || -> Result<PathBuf> {
                let (p, part) = it.next().expect("three parts");
                p.ok_or_else(|| {
                    let path = with_suffix(given, &format!(".{}", part.ext()));
                    let why = format!(
                        "No such file or directory (nor {}.gz), while the other BESD parts of \
                         --beqtl-summary {} exist",
                        path.display(),
                        given.display()
                    );
                    Error::Open {
                        path,
                        source: std::io::Error::new(std::io::ErrorKind::NotFound, why),
                    }
                })
            };
            let (besd, esi, epi) = (next()?, next()?, next()?);
            return Ok(Located::Files(EqtlSource::Files { besd, esi, epi }));
        }
        // `--beqtl-summary x.besd` (or .esi/.epi, optionally .gz) for the prefix `x`.
        if let Some(prefix) = strip_part_suffix(given) {
            if Part::ALL.iter().all(|p| {
                is_input_file(&with_suffix(&prefix, &format!(".{}", p.ext())))
                    || is_input_file(&with_suffix(&prefix, &format!(".{}.gz", p.ext())))
            }) {
                return Self::locate(&prefix);
            }
        }
        if is_input_file(given) {
            return Ok(Located::Archive(given.to_path_buf()));
        }
        Err(Error::Config(format!(
            "--beqtl-summary {}: no such BESD prefix ({0}.besd/.esi/.epi, optionally .gz), \
             directory or tar archive",
            given.display()
        )))
    }

    /// `--beqtl-summary given` names a tar archive (read as one stream).
    pub fn is_archive(given: &Path) -> bool {
        matches!(Self::locate(given), Ok(Located::Archive(_)))
    }

    /// A one-line description for the log.
    pub fn describe(&self) -> String {
        match self {
            EqtlSource::Files { besd, esi, epi } => {
                format!("{}, {}, {}", besd.display(), esi.display(), epi.display())
            }
            EqtlSource::Tar { path, besd, .. } => format!(
                "tar archive {} (members {{besd,esi,epi}} like {besd})",
                path.display()
            ),
        }
    }

    /// The name errors use for one part.
    pub fn label(&self, part: Part) -> PathBuf {
        match self {
            EqtlSource::Files { besd, esi, epi } => match part {
                Part::Besd => besd.clone(),
                Part::Esi => esi.clone(),
                Part::Epi => epi.clone(),
            },
            EqtlSource::Tar {
                path,
                besd,
                esi,
                epi,
            } => member_label(
                path,
                match part {
                    Part::Besd => besd,
                    Part::Esi => esi,
                    Part::Epi => epi,
                },
            ),
        }
    }

    fn member(&self, part: Part) -> Option<&str> {
        match self {
            EqtlSource::Files { .. } => None,
            EqtlSource::Tar { besd, esi, epi, .. } => Some(match part {
                Part::Besd => besd,
                Part::Esi => esi,
                Part::Epi => epi,
            }),
        }
    }

    /// Call `f` with each wanted part's (decompressed) bytes as a stream. Files are opened in
    /// `wanted` order; an archive is read once and parts come in archive order.
    pub fn for_each_part(
        &self,
        wanted: &[Part],
        mut f: impl FnMut(Part, &mut dyn BufRead) -> Result<()>,
    ) -> Result<()> {
        match self {
            EqtlSource::Files { .. } => {
                for &part in wanted {
                    let label = self.label(part);
                    let mut r =
                        maybe_gunzip(open_file(&label)?).map_err(|e| Error::read(&label, e))?;
                    f(part, &mut r)?;
                }
                Ok(())
            }
            EqtlSource::Tar { path, .. } => {
                let mut remaining: Vec<Part> = wanted.to_vec();
                let mut ar = open_archive(path)?;
                for entry in ar.entries().map_err(|e| tar_error(path, e))? {
                    if remaining.is_empty() {
                        break;
                    }
                    let entry = entry.map_err(|e| tar_error(path, e))?;
                    if !entry.header().entry_type().is_file() {
                        continue;
                    }
                    let name = entry_name(&entry, path)?;
                    let Some(i) = remaining
                        .iter()
                        .position(|&p| self.member(p) == Some(name.as_str()))
                    else {
                        continue;
                    };
                    let part = remaining.swap_remove(i);
                    let label = self.label(part);
                    let mut r = maybe_gunzip(entry).map_err(|e| Error::read(&label, e))?;
                    f(part, &mut r)?;
                }
                match remaining.first() {
                    None => Ok(()),
                    Some(&p) => Err(Error::format(
                        path,
                        format!(
                            "member {} disappeared between two reads of the archive",
                            self.member(p).unwrap_or("")
                        ),
                    )),
                }
            }
        }
    }

    /// Locate `--beqtl-summary` and read its `.esi` and `.epi` (one pass over an archive).
    /// Also returns, per table, the rows whose duplicate ID was renamed (for the log).
    pub fn open_tables(given: &Path) -> Result<(Self, EsiTable, Vec<EpiRecord>, Renamed)> {
        Self::open_tables_spilling(given, None)
    }

    /// [`EqtlSource::open_tables`] that, with `spill`, also copies an archive's `.besd` member
    /// into it during the same pass over the archive (data-spec/eqtlgen-tarball.md §3), so that
    /// the archive is read once and [`EqtlSource::open_besd_spilled`] maps the copy.
    pub fn open_tables_spilling(
        given: &Path,
        mut spill: Option<&mut Spill>,
    ) -> Result<(Self, EsiTable, Vec<EpiRecord>, Renamed)> {
        let located = Self::locate(given)?;
        let (mut esi, mut epi) = (None, None);
        let mut renamed: Renamed = Vec::new();
        if let Located::Files(src) = &located {
            // A plain `.esi` is memory-mapped and parsed in place, not copied into memory
            // first (`read_esi_flagged`; a gzipped one is decompressed into memory as before).
            let label = src.label(Part::Esi);
            let (t, f) = read_esi_flagged(&label)?;
            esi = Some(t);
            renamed.push((label, f));
        }
        let mut read = |part: Part, label: &Path, r: &mut dyn BufRead| -> Result<()> {
            match part {
                Part::Esi => {
                    let (t, f) = parse_esi_flagged(r, label)?;
                    esi = Some(t);
                    renamed.push((label.to_path_buf(), f));
                }
                Part::Epi => {
                    let (t, f) = parse_epi_flagged(r, label)?;
                    epi = Some(t);
                    renamed.push((label.to_path_buf(), f));
                }
                Part::Besd => {
                    if let Some(sp) = spill.as_deref_mut() {
                        sp.fill(r, label)?;
                    }
                }
            }
            Ok(())
        };
        let source = match located {
            Located::Files(src) => {
                src.for_each_part(&[Part::Epi], |part, r| read(part, &src.label(part), r))?;
                src
            }
            Located::Archive(path) => scan_archive(&path, read)?,
        };
        match (esi, epi) {
            (Some(s), Some(p)) => Ok((source, s, p, renamed)),
            _ => Err(Error::format(given, "the .esi or .epi could not be read")),
        }
    }

    /// Open the `.besd` (data-spec/eqtlgen-tarball.md §3): memory-mapped when plain; otherwise,
    /// with `spill`, decompressed into it (unless [`EqtlSource::open_tables_spilling`] did
    /// already) and memory-mapped from there; without, as [`EqtlSource::open_besd`]. Also
    /// returns the bytes written to the temporary file.
    pub fn open_besd_spilled(
        &self,
        n_snps: usize,
        n_probes: usize,
        keep: Keep<'_>,
        spill: Option<Spill>,
    ) -> Result<(BesdFile, Option<u64>)> {
        if let EqtlSource::Files { besd, .. } = self {
            if is_mappable(besd)? {
                return Ok((BesdFile::open(besd, n_snps, n_probes)?, None));
            }
        }
        let Some(mut spill) = spill else {
            return Ok((self.open_besd(n_snps, n_probes, keep)?, None));
        };
        let label = self.label(Part::Besd);
        if !spill.filled {
            self.for_each_part(&[Part::Besd], |part, r| spill.fill(r, &self.label(part)))?;
        }
        let n = spill.len();
        let bytes = spill.map(&label)?;
        Ok((
            BesdFile::from_bytes(bytes, &label, n_snps, n_probes)?,
            Some(n),
        ))
    }

    /// The `.besd` is a plain file that can be memory-mapped.
    pub fn besd_is_mappable(&self) -> Result<bool> {
        match self {
            EqtlSource::Files { besd, .. } => is_mappable(besd),
            EqtlSource::Tar { .. } => Ok(false),
        }
    }

    /// Open the `.besd`: memory-mapped when plain, otherwise streamed keeping only `keep`'s
    /// probes and SNPs (data-spec/eqtlgen-tarball.md §3).
    pub fn open_besd(&self, n_snps: usize, n_probes: usize, keep: Keep<'_>) -> Result<BesdFile> {
        if let EqtlSource::Files { besd, .. } = self {
            if is_mappable(besd)? {
                return BesdFile::open(besd, n_snps, n_probes);
            }
        }
        let mut out = None;
        self.for_each_part(&[Part::Besd], |part, r| {
            out = Some(read_filtered(r, &self.label(part), n_snps, n_probes, keep)?);
            Ok(())
        })?;
        out.ok_or_else(|| Error::format(self.label(Part::Besd), "the .besd could not be read"))
    }
}

/// A `.besd` that cannot be memory-mapped where it is (an archive member, a gzipped file),
/// decompressed into a temporary file that can (data-spec/eqtlgen-tarball.md §3). The file is
/// unlinked as soon as it is created, so it disappears with the process however the run ends;
/// its pages are the kernel's page cache, not the process's memory.
pub struct Spill {
    file: File,
    dir: PathBuf,
    written: u64,
    filled: bool,
}

impl Spill {
    /// An empty, already unlinked temporary file in `dir`.
    pub fn create(dir: &Path) -> std::io::Result<Spill> {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let name = dir.join(format!(
            ".fastsmr-besd.{}.{}.tmp",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&name)?;
        std::fs::remove_file(&name)?;
        Ok(Spill {
            file,
            dir: dir.to_path_buf(),
            written: 0,
            filled: false,
        })
    }

    /// The directory the temporary file is in.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Bytes written.
    pub fn len(&self) -> u64 {
        self.written
    }

    /// Nothing written yet.
    pub fn is_empty(&self) -> bool {
        self.written == 0
    }

    /// Copy the (decompressed) stream `r` of `label` into the file.
    fn fill(&mut self, r: &mut dyn BufRead, label: &Path) -> Result<()> {
        use std::io::Write;
        loop {
            let buf = r.fill_buf().map_err(|e| Error::read(label, e))?;
            if buf.is_empty() {
                break;
            }
            let n = buf.len();
            if let Err(e) = self.file.write_all(buf) {
                return Err(Error::Write {
                    path: PathBuf::from(format!(
                        "a temporary copy of {} in {}",
                        label.display(),
                        self.dir.display()
                    )),
                    source: std::io::Error::new(
                        e.kind(),
                        format!(
                            "{e} after {} bytes (the decompressed .besd must fit there; or \
                             unpack it once with --unpack-besd and use the plain BESD)",
                            self.written
                        ),
                    ),
                });
            }
            r.consume(n);
            self.written += n as u64;
        }
        self.filled = true;
        Ok(())
    }

    /// Memory-map what was written.
    fn map(self, label: &Path) -> Result<Bytes> {
        if self.written == 0 {
            return Ok(Bytes::Owned(Vec::new()));
        }
        // SAFETY: the map is read-only and the file is unlinked: no other process can reach
        // it, and this process never writes to it again.
        let map = unsafe { memmap2::Mmap::map(&self.file) }.map_err(|e| Error::read(label, e))?;
        Ok(Bytes::Mapped(map))
    }
}

/// What [`convert_to_plain`] wrote.
#[derive(Debug, Clone)]
pub struct Converted {
    /// The input, resolved.
    pub source: EqtlSource,
    /// `.esi` rows.
    pub n_snps: usize,
    /// `.epi` rows.
    pub n_probes: usize,
    /// Layout of the `.besd` (unchanged from the input).
    pub layout: crate::io::besd::BesdLayout,
    /// Size of the written `.besd`.
    pub besd_bytes: u64,
}

/// Write the eQTL input `given` (any form [`EqtlSource::locate`] accepts) as a plain BESD
/// `<out>.besd/.esi/.epi` (data-spec/eqtlgen-tarball.md §4): every member decompressed byte
/// for byte, so layout, stored order and values are unchanged. The three files are written
/// under temporary names, checked against each other (counts, sizes, offsets), then renamed.
pub fn convert_to_plain(given: &Path, out: &Path) -> Result<Converted> {
    use crate::output::atomic::{AtomicFile, OutputSet};
    let fin = |part: Part| with_suffix(out, &format!(".{}", part.ext()));
    // The three files are one set: published together once checked, removed on any error.
    let set = OutputSet::begin();
    let mut tmps: Vec<(Part, PathBuf)> = Vec::new();
    let mut copy = |part: Part, label: &Path, r: &mut dyn BufRead| -> Result<()> {
        let mut f = AtomicFile::create(&fin(part))?;
        let werr = |source| Error::Write {
            path: fin(part),
            source,
        };
        std::io::copy(r, f.writer()).map_err(|e| {
            if e.kind() == std::io::ErrorKind::InvalidInput
                || e.kind() == std::io::ErrorKind::InvalidData
                || e.kind() == std::io::ErrorKind::UnexpectedEof
            {
                Error::read(label, e)
            } else {
                werr(e)
            }
        })?;
        tmps.push((part, f.temp_path().to_path_buf()));
        f.commit()
    };
    let source = match EqtlSource::locate(given)? {
        Located::Files(src) => {
            src.for_each_part(&Part::ALL, |part, r| copy(part, &src.label(part), r))?;
            src
        }
        Located::Archive(path) => scan_archive(&path, &mut copy)?,
    };
    // Read back what was written (errors name the final files, never the temporaries).
    let tmp = |part: Part| -> Result<crate::io::source::Bytes> {
        let t = tmps
            .iter()
            .find(|(p, _)| *p == part)
            .map(|(_, t)| t.clone())
            .ok_or_else(|| Error::format(given, format!("no .{} was written", part.ext())))?;
        crate::io::source::read_bytes(&t).map_err(|e| match e {
            Error::Open { source, .. } | Error::Read { source, .. } => {
                Error::read(fin(part), source)
            }
            other => other,
        })
    };
    let n_snps = crate::io::esi::parse_esi_source(&tmp(Part::Esi)?, &fin(Part::Esi))?
        .0
        .len();
    let n_probes = crate::io::epi::parse_epi(&tmp(Part::Epi)?[..], &fin(Part::Epi))?.len();
    let besd = BesdFile::from_bytes(tmp(Part::Besd)?, &fin(Part::Besd), n_snps, n_probes)?;
    let layout = besd.layout();
    let besd_bytes = besd.byte_len() as u64;
    drop(besd);
    set.commit()?;
    Ok(Converted {
        source,
        n_snps,
        n_probes,
        layout,
        besd_bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_by_suffix() {
        assert_eq!(Part::of_name("a/x.besd.gz"), Some(Part::Besd));
        assert_eq!(Part::of_name("x_besd-dense.esi"), Some(Part::Esi));
        assert_eq!(Part::of_name("x.epi.gz"), Some(Part::Epi));
        assert_eq!(Part::of_name("x.epi.gz.bak"), None);
        assert_eq!(Part::of_name("README"), None);
    }

    #[test]
    fn missing_and_duplicated_members_are_named() {
        let names: Vec<String> = ["a.besd.gz", "a.esi", "README"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = pick_members(Path::new("t.tar"), "archive", &names)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("t.tar") && e.contains("no .epi") && e.contains("a.besd.gz, a.esi, README"),
            "{e}"
        );
        let names: Vec<String> = ["a.besd", "b.besd.gz", "a.esi", "a.epi"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let e = pick_members(Path::new("d"), "directory", &names)
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 .besd files (a.besd, b.besd.gz)"), "{e}");
    }
}
