//! All-or-nothing output files (data-spec/errors.md §atomic).
//!
//! Every output is written under a temporary name in its own directory and renamed into place
//! only when the whole run has succeeded:
//!
//! * [`AtomicFile::create`] makes the temporary `.<name>.<random>.tmp` beside the final path,
//!   exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`: never through a planted file or symlink,
//!   retried with a new random name if taken). [`AtomicFile::commit`] finishes it (flushed,
//!   closed).
//! * While an [`OutputSet`] is open (a run; `main` opens one), a finished file stays under its
//!   temporary name until [`OutputSet::commit`] renames every finished file of the set, after
//!   checking that none of them would replace a directory or an input. A set dropped without
//!   commit (any error) removes its temporaries. Sets nest: committing an inner set (one trait
//!   of a batch) hands its files to the outer one, so a batch publishes at its end too; an
//!   inner set that fails loses only its own files.
//! * Files made with [`AtomicFile::create_kept`] (the log, the list of SNPs that failed the
//!   frequency check) explain a failure: [`OutputSet::commit_kept`] publishes only those.
//! * With no set open, [`AtomicFile::commit`] renames at once (one file on its own).
//! * [`ScratchFile`]: a working file that is never published (a spool, a sort bucket),
//!   named `.<name>.<what>.<random>.tmp` beside the output it serves, created the same way,
//!   removed when dropped or when a signal stops the run.
//! * [`is_temporary_name`] tells these hidden names from final ones.
//! * [`install_signal_cleanup`]: on SIGINT or SIGTERM every temporary is removed and the
//!   process exits with 130 or 143. (SIGKILL cannot be caught: it can leave temporaries, but
//!   never a final-named partial file.)
//! * [`register_inputs`]: the files the run reads; an output whose final path is one of them
//!   (same device and inode, e.g. through another name or a symlink) is refused before anything
//!   is written ([`refuse_inputs`] checks names up front).
//!
//! Errors always name the final path, never the temporary.

use crate::error::{Error, Result};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

/// One temporary known to the registry.
#[derive(Debug)]
struct Entry {
    tmp: PathBuf,
    final_path: PathBuf,
    /// Written and closed ([`AtomicFile::commit`] was called).
    finished: bool,
    /// Published even when the run fails ([`AtomicFile::create_kept`]).
    kept: bool,
}

/// The process-wide bookkeeping: open sets (innermost last), temporaries outside any set, the
/// inputs, and whether a signal is tearing the process down.
#[derive(Debug, Default)]
struct Registry {
    sets: Vec<(u64, Vec<Entry>)>,
    loose: Vec<Entry>,
    next_id: u64,
    inputs: Vec<(u64, u64, PathBuf)>,
    temp_dirs: Vec<PathBuf>,
    /// Live [`ScratchFile`]s.
    scratch: Vec<PathBuf>,
    shutting_down: bool,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    sets: Vec::new(),
    loose: Vec::new(),
    next_id: 0,
    inputs: Vec::new(),
    temp_dirs: Vec::new(),
    scratch: Vec::new(),
    shutting_down: false,
});

fn registry() -> MutexGuard<'static, Registry> {
    // A panic while the lock was held leaves consistent data (every step is a push/remove).
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

impl Registry {
    /// The list a new temporary joins: the innermost open set, else the loose list.
    fn current(&mut self) -> (Option<u64>, &mut Vec<Entry>) {
        match self.sets.last_mut() {
            Some((id, v)) => (Some(*id), v),
            None => (None, &mut self.loose),
        }
    }

    fn list(&mut self, set: Option<u64>) -> Option<&mut Vec<Entry>> {
        match set {
            None => Some(&mut self.loose),
            Some(id) => self.sets.iter_mut().find(|(i, _)| *i == id).map(|(_, v)| v),
        }
    }

    fn find(&mut self, set: Option<u64>, tmp: &Path) -> Option<&mut Entry> {
        self.list(set)?.iter_mut().find(|e| e.tmp == tmp)
    }

    fn forget(&mut self, set: Option<u64>, tmp: &Path) {
        if let Some(v) = self.list(set) {
            v.retain(|e| e.tmp != tmp);
        }
    }

    fn forget_anywhere(&mut self, tmp: &Path) {
        self.loose.retain(|e| e.tmp != tmp);
        for (_, v) in &mut self.sets {
            v.retain(|e| e.tmp != tmp);
        }
    }

    /// The input that `path` is (same device and inode), if any.
    fn input_at(&self, path: &Path) -> Option<&Path> {
        let m = std::fs::metadata(path).ok()?;
        self.inputs
            .iter()
            .find(|(d, i, _)| *d == m.dev() && *i == m.ino())
            .map(|(_, _, p)| p.as_path())
    }
}

/// 64 random bits for a temporary's name (from the OS; a per-process random hash otherwise).
fn random_u64() -> u64 {
    use std::io::Read;
    let mut b = [0u8; 8];
    if File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut b))
        .is_ok()
    {
        return u64::from_le_bytes(b);
    }
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(t) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(t.as_nanos());
    }
    h.finish()
}

/// The directory a file at `path` lives in (`.` for a bare name).
fn dir_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// Create `dir/.<stem>.<random>.tmp` exclusively (`O_CREAT | O_EXCL | O_NOFOLLOW`: never
/// through a planted file or symlink), with a new random name if one is taken.
fn create_exclusive(dir: &Path, stem: &str) -> std::io::Result<(PathBuf, File)> {
    let mut attempt = 0;
    loop {
        let tmp = dir.join(format!(".{stem}.{:016x}.tmp", random_u64()));
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && attempt < 16 => {
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

/// Why no file can be made or finished while a signal stops the run.
fn stopping() -> std::io::Error {
    std::io::Error::new(
        std::io::ErrorKind::Interrupted,
        "the run is being stopped by a signal",
    )
}

/// Is `name` (a file name) one of the temporaries made here: hidden, ending in `.tmp`? Final
/// outputs never are.
pub fn is_temporary_name(name: &str) -> bool {
    name.starts_with('.') && name.ends_with(".tmp")
}

/// Refuse to write `path` when it is a directory or one of the run's inputs.
fn check_target(reg: &Registry, path: &Path) -> Result<()> {
    if let Some(input) = reg.input_at(path) {
        return Err(Error::Config(format!(
            "the output {} is the input {} (the same file); choose another --out",
            path.display(),
            input.display()
        )));
    }
    if path.is_dir() {
        return Err(Error::Write {
            path: path.to_path_buf(),
            source: std::io::Error::new(
                std::io::ErrorKind::IsADirectory,
                "a directory has this name",
            ),
        });
    }
    Ok(())
}

/// A file being written; reaches its final path only through [`AtomicFile::commit`] (and,
/// inside an [`OutputSet`], the set's commit).
pub struct AtomicFile {
    final_path: PathBuf,
    tmp_path: PathBuf,
    writer: Option<BufWriter<File>>,
    set: Option<u64>,
}

impl AtomicFile {
    /// Start writing `path`: a new temporary in its directory, in the current set.
    pub fn create(path: &Path) -> Result<Self> {
        Self::create_with(path, false)
    }

    /// [`AtomicFile::create`] for a file that explains a failure (the log, a list of the rows
    /// that stopped the run): [`OutputSet::commit_kept`] publishes it when the run fails.
    pub fn create_kept(path: &Path) -> Result<Self> {
        Self::create_with(path, true)
    }

    fn create_with(path: &Path, kept: bool) -> Result<Self> {
        let dir = dir_of(path);
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let wrap = |source| Error::Write {
            path: path.to_path_buf(),
            source,
        };
        let mut reg = registry();
        if reg.shutting_down {
            return Err(wrap(stopping()));
        }
        check_target(&reg, path)?;
        let (tmp_path, file) = create_exclusive(&dir, &name).map_err(wrap)?;
        let (set, list) = reg.current();
        list.push(Entry {
            tmp: tmp_path.clone(),
            final_path: path.to_path_buf(),
            finished: false,
            kept,
        });
        Ok(AtomicFile {
            final_path: path.to_path_buf(),
            tmp_path,
            writer: Some(BufWriter::with_capacity(1 << 20, file)),
            set,
        })
    }

    /// The temporary being written, for reading back what was written before the set is
    /// committed; errors about it must name [`AtomicFile::path`] (the temporary is gone after
    /// the run, successful or not).
    pub fn temp_path(&self) -> &Path {
        &self.tmp_path
    }

    /// The final path (what errors name).
    pub fn path(&self) -> &Path {
        &self.final_path
    }

    /// Append bytes.
    pub fn write_all(&mut self, bytes: &[u8]) -> Result<()> {
        let w = self.writer.as_mut().expect("writer present until commit");
        w.write_all(bytes).map_err(|source| Error::Write {
            path: self.final_path.clone(),
            source,
        })
    }

    /// The writer, for code that formats straight into a [`Write`] (errors must then be
    /// wrapped by the caller with [`AtomicFile::path`]).
    pub fn writer(&mut self) -> &mut BufWriter<File> {
        self.writer.as_mut().expect("writer present until commit")
    }

    /// Finish the file: flushed and closed. Inside an [`OutputSet`] it is published by the
    /// set's commit; with no set open it is renamed into place now. Not synced to disk
    /// (data-spec/errors.md §atomic): the rename makes a failed run leave nothing
    /// half-written; durability across a machine crash is left to the file system.
    pub fn commit(mut self) -> Result<()> {
        let w = self.writer.take().expect("writer present until commit");
        let wrap = |source| Error::Write {
            path: self.final_path.clone(),
            source,
        };
        let result = w.into_inner().map_err(|e| wrap(e.into_error())).map(drop);
        let mut reg = registry();
        if let Err(e) = result {
            let _ = std::fs::remove_file(&self.tmp_path);
            reg.forget_anywhere(&self.tmp_path);
            return Err(e);
        }
        if reg.shutting_down {
            return Err(wrap(stopping()));
        }
        if self.set.is_some() {
            if let Some(e) = reg.find(self.set, &self.tmp_path) {
                e.finished = true;
                return Ok(());
            }
            // The set ended while this file was written (its run failed or was committed
            // without it): the file is not part of any publication.
            let _ = std::fs::remove_file(&self.tmp_path);
            reg.forget_anywhere(&self.tmp_path);
            return Err(wrap(std::io::Error::other(
                "finished after its run's outputs were already published or discarded",
            )));
        }
        // On its own: publish now.
        let r = check_target(&reg, &self.final_path)
            .and_then(|()| std::fs::rename(&self.tmp_path, &self.final_path).map_err(wrap));
        if r.is_err() {
            let _ = std::fs::remove_file(&self.tmp_path);
        }
        reg.forget(None, &self.tmp_path);
        r
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if self.writer.take().is_some() {
            let _ = std::fs::remove_file(&self.tmp_path);
            registry().forget_anywhere(&self.tmp_path);
        }
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.writer().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.writer().flush()
    }
}

/// The outputs of one run (or of one trait of a batch), published together by
/// [`OutputSet::commit`]; dropped uncommitted, its temporaries are removed.
#[must_use = "an output set publishes nothing unless committed"]
pub struct OutputSet {
    id: u64,
    done: bool,
}

impl OutputSet {
    /// Open a set: every [`AtomicFile`] created from now on (by any thread) joins it, until
    /// an inner set is opened or this one ends.
    pub fn begin() -> Self {
        let mut reg = registry();
        reg.next_id += 1;
        let id = reg.next_id;
        reg.sets.push((id, Vec::new()));
        OutputSet { id, done: false }
    }

    /// Publish every finished file of the set: renamed to its final path (or, in an inner
    /// set, handed to the enclosing set). First checks that no final path is a directory or
    /// an input, so that a check failing publishes nothing. Files still being written are
    /// left to their [`AtomicFile`] (removed when it is dropped).
    pub fn commit(mut self) -> Result<()> {
        self.done = true;
        self.finish(|_| true)
    }

    /// Publish only the files made with [`AtomicFile::create_kept`] and remove the others:
    /// what a failed run leaves (its log, the list that explains the failure).
    pub fn commit_kept(mut self) -> Result<()> {
        self.done = true;
        self.finish(|e| e.kept)
    }

    fn finish(&self, publish: impl Fn(&Entry) -> bool) -> Result<()> {
        let mut reg = registry();
        let Some(pos) = reg.sets.iter().position(|(i, _)| *i == self.id) else {
            return Ok(());
        };
        let (_, entries) = reg.sets.remove(pos);
        let (ready, rest): (Vec<Entry>, Vec<Entry>) = entries.into_iter().partition(|e| e.finished);
        // Unfinished files stay registered (loose) until their AtomicFile is dropped.
        reg.loose.extend(rest);
        let (ready, dropped): (Vec<Entry>, Vec<Entry>) = ready.into_iter().partition(&publish);
        for e in &dropped {
            let _ = std::fs::remove_file(&e.tmp);
        }
        if pos > 0 {
            // An inner set: the enclosing set publishes these with its own files.
            reg.sets[pos - 1].1.extend(ready);
            return Ok(());
        }
        let checked = ready
            .iter()
            .try_for_each(|e| check_target(&reg, &e.final_path));
        if let Err(err) = checked {
            for e in &ready {
                let _ = std::fs::remove_file(&e.tmp);
            }
            return Err(err);
        }
        let mut first_err = None;
        for e in &ready {
            if first_err.is_some() {
                let _ = std::fs::remove_file(&e.tmp);
                continue;
            }
            if let Err(source) = std::fs::rename(&e.tmp, &e.final_path) {
                let _ = std::fs::remove_file(&e.tmp);
                first_err = Some(Error::Write {
                    path: e.final_path.clone(),
                    source,
                });
            }
        }
        first_err.map_or(Ok(()), Err)
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut reg = registry();
        if let Some(pos) = reg.sets.iter().position(|(i, _)| *i == self.id) {
            let (_, entries) = reg.sets.remove(pos);
            for e in entries {
                if e.finished {
                    let _ = std::fs::remove_file(&e.tmp);
                } else {
                    // Still being written: its AtomicFile removes it when dropped.
                    reg.loose.push(e);
                }
            }
        }
    }
}

/// A working file beside an output, never published: `.<name>.<what>.<random>.tmp` in the
/// directory of `beside` (the output it serves), created exclusively like an
/// [`AtomicFile`]'s temporary, removed when dropped and by the signal cleanup. For spools and
/// sort buckets too large for memory.
#[derive(Debug)]
pub struct ScratchFile {
    path: PathBuf,
}

impl ScratchFile {
    /// Create one for the output `beside`; `what` says what it holds (`spool`, `rowid`, ...).
    /// Returns the file opened for writing; errors name `beside`.
    pub fn create(beside: &Path, what: &str) -> Result<(Self, File)> {
        let wrap = |source| Error::Write {
            path: beside.to_path_buf(),
            source,
        };
        let mut reg = registry();
        if reg.shutting_down {
            return Err(wrap(stopping()));
        }
        let name = beside
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let (path, file) =
            create_exclusive(&dir_of(beside), &format!("{name}.{what}")).map_err(wrap)?;
        reg.scratch.push(path.clone());
        Ok((ScratchFile { path }, file))
    }

    /// Where it is (to reopen it for reading).
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for ScratchFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
        registry().scratch.retain(|p| p != &self.path);
    }
}

/// Remove every registered temporary and stop new ones (the signal path).
fn remove_all_temporaries(reg: &mut Registry) {
    reg.shutting_down = true;
    let sets = std::mem::take(&mut reg.sets);
    for e in sets
        .iter()
        .flat_map(|(_, v)| v.iter())
        .chain(reg.loose.iter())
    {
        let _ = std::fs::remove_file(&e.tmp);
    }
    for d in reg.temp_dirs.drain(..) {
        let _ = std::fs::remove_dir_all(d);
    }
    for p in reg.scratch.drain(..) {
        let _ = std::fs::remove_file(p);
    }
}

/// Register a temporary directory (e.g. a work unit's staging directory) to be removed,
/// with everything in it, if a signal stops the run; [`forget_temp_dir`] once it is gone.
pub fn register_temp_dir(dir: &Path) {
    registry().temp_dirs.push(dir.to_path_buf());
}

/// The temporary directory `dir` was removed or published: no longer the signal path's.
pub fn forget_temp_dir(dir: &Path) {
    registry().temp_dirs.retain(|d| d != dir);
}

/// On SIGINT or SIGTERM: remove every temporary output and exit with 128 + the signal number
/// (130, 143), as a shell reports a process killed by it. Installed once by `main`; the
/// handler only wakes a thread (signal-hook), which does the cleanup outside signal context.
pub fn install_signal_cleanup() -> Result<()> {
    use signal_hook::consts::{SIGINT, SIGTERM};
    let mut signals = signal_hook::iterator::Signals::new([SIGINT, SIGTERM])
        .map_err(|e| Error::Analysis(format!("cannot install the signal handler: {e}")))?;
    std::thread::Builder::new()
        .name("signal-cleanup".into())
        .spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let mut reg = registry();
                remove_all_temporaries(&mut reg);
                // Exit while holding the lock: no output can be created or published now.
                std::process::exit(128 + sig);
            }
        })
        .map_err(|e| Error::Analysis(format!("cannot start the signal thread: {e}")))?;
    Ok(())
}

/// Remember the run's input files (those that exist; directories and prefixes are skipped)
/// so that no output replaces one (same device and inode).
pub fn register_inputs<'a>(paths: impl IntoIterator<Item = &'a Path>) {
    let mut reg = registry();
    for p in paths {
        if let Ok(m) = std::fs::metadata(p) {
            if !m.is_dir()
                && !reg
                    .inputs
                    .iter()
                    .any(|(d, i, _)| *d == m.dev() && *i == m.ino())
            {
                reg.inputs.push((m.dev(), m.ino(), p.to_path_buf()));
            }
        }
    }
}

/// Refuse, before any work, outputs that would replace an input (see [`register_inputs`]):
/// a usage error naming both.
pub fn refuse_inputs<'a>(outputs: impl IntoIterator<Item = &'a Path>) -> Result<()> {
    let reg = registry();
    for o in outputs {
        if let Some(input) = reg.input_at(o) {
            return Err(Error::Config(format!(
                "the output {} is the input {} (the same file); choose another --out",
                o.display(),
                input.display()
            )));
        }
    }
    Ok(())
}

/// `--out` is a prefix (`dir/run` writes `dir/run.smr`): one that ends with `/` names a
/// directory and would write hidden files `dir/.smr`; a usage error before any work.
pub fn check_out_prefix(out: &Path) -> Result<()> {
    use std::os::unix::ffi::OsStrExt;
    let b = out.as_os_str().as_bytes();
    if b.is_empty() || b.ends_with(b"/") || out.file_name().is_none() {
        return Err(Error::Config(format!(
            "--out {} is not a file prefix: give a name to put before .smr/.log, e.g. --out {}",
            out.display(),
            out.join("run").display()
        )));
    }
    Ok(())
}

/// Check that the directory of the output prefix `out` exists and accepts new files, by
/// creating and removing an empty probe file there (exclusively, under a random name).
pub fn check_output_dir(out: &Path) -> Result<()> {
    let dir = dir_of(out);
    let wrap = |source| Error::OutputDir {
        dir: dir.clone(),
        out: out.to_path_buf(),
        source,
    };
    let (probe, _file) = create_exclusive(&dir, "fastsmr-write-check").map_err(wrap)?;
    std::fs::remove_file(&probe).map_err(wrap)
}

/// Write a whole file atomically (in the current set, if one is open).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create(path)?;
    f.write_all(bytes)?;
    f.commit()
}

/// [`write_atomic`] for a file that explains a failure ([`AtomicFile::create_kept`]).
pub fn write_atomic_kept(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut f = AtomicFile::create_kept(path)?;
    f.write_all(bytes)?;
    f.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    // The registry is process-wide: these tests take a lock so that their sets do not nest
    // into each other's.
    static SERIAL: Mutex<()> = Mutex::new(());

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn a_set_publishes_together_and_a_dropped_set_leaves_nothing() {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("x.smr"), dir.path().join("x.log"));
        let set = OutputSet::begin();
        write_atomic(&a, b"a").unwrap();
        // Finished but not published: only a temporary exists.
        assert!(!a.exists());
        assert_eq!(names(dir.path()).len(), 1);
        assert!(names(dir.path())[0].ends_with(".tmp"));
        write_atomic(&b, b"b").unwrap();
        set.commit().unwrap();
        assert_eq!(names(dir.path()), ["x.log", "x.smr"]);
        assert_eq!(std::fs::read(&a).unwrap(), b"a");

        let dir = tempfile::tempdir().unwrap();
        let set = OutputSet::begin();
        write_atomic(&dir.path().join("y.smr"), b"y").unwrap();
        let mut open = AtomicFile::create(&dir.path().join("y.besd")).unwrap();
        open.write_all(b"partial").unwrap();
        drop(set);
        drop(open);
        assert!(names(dir.path()).is_empty(), "{:?}", names(dir.path()));
    }

    #[test]
    fn commit_kept_publishes_only_the_explanations_and_inner_sets_nest() {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let set = OutputSet::begin();
        write_atomic(&dir.path().join("z.smr"), b"rows").unwrap();
        write_atomic_kept(&dir.path().join("z.log"), b"why").unwrap();
        set.commit_kept().unwrap();
        assert_eq!(names(dir.path()), ["z.log"]);

        let dir = tempfile::tempdir().unwrap();
        let outer = OutputSet::begin();
        let inner = OutputSet::begin();
        write_atomic(&dir.path().join("t1.smr"), b"1").unwrap();
        inner.commit().unwrap();
        let failed = OutputSet::begin();
        write_atomic(&dir.path().join("t2.smr"), b"2").unwrap();
        drop(failed);
        // The inner set's file waits for the outer commit.
        assert!(!dir.path().join("t1.smr").exists());
        outer.commit().unwrap();
        assert_eq!(names(dir.path()), ["t1.smr"]);
    }

    #[test]
    fn temporaries_are_exclusive_and_never_follow_a_planted_symlink() {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::write(&victim, b"keep me").unwrap();
        // The old predictable name, planted as a symlink: not used any more.
        let planted = dir
            .path()
            .join(format!("out.smr.tmp.{}", std::process::id()));
        std::os::unix::fs::symlink(&victim, &planted).unwrap();
        let out = dir.path().join("out.smr");
        write_atomic(&out, b"result").unwrap();
        assert_eq!(std::fs::read(&victim).unwrap(), b"keep me");
        assert_eq!(std::fs::read(&out).unwrap(), b"result");
        // Two temporaries for the same output get different names.
        let f1 = AtomicFile::create(&out).unwrap();
        let f2 = AtomicFile::create(&out).unwrap();
        assert_ne!(f1.tmp_path, f2.tmp_path);
    }

    #[test]
    fn scratch_files_are_exclusive_hidden_and_removed_when_dropped() {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("x.besd");
        let (a, mut fa) = ScratchFile::create(&out, "rowid").unwrap();
        let (b, _fb) = ScratchFile::create(&out, "rowid").unwrap();
        assert_ne!(a.path(), b.path());
        fa.write_all(b"spooled").unwrap();
        assert_eq!(std::fs::read(a.path()).unwrap(), b"spooled");
        let n = names(dir.path());
        assert_eq!(n.len(), 2);
        for name in &n {
            assert!(
                name.starts_with(".x.besd.rowid.") && is_temporary_name(name),
                "{name}"
            );
        }
        // Final names never look like temporaries.
        for name in ["x.besd", "x.bak.esi", ".hidden", "x.tmp"] {
            assert!(!is_temporary_name(name), "{name}");
        }
        drop((a, b));
        assert!(names(dir.path()).is_empty());
        // An output set is not involved: a scratch file is never published.
        let set = OutputSet::begin();
        let (c, _) = ScratchFile::create(&out, "value").unwrap();
        set.commit().unwrap();
        assert!(c.path().exists() && !out.exists());
    }

    #[test]
    fn an_input_or_a_directory_is_never_replaced() {
        let _g = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("x.smr");
        std::fs::write(&input, b"GWAS").unwrap();
        register_inputs([input.as_path()]);
        let e = write_atomic(&input, b"out").unwrap_err().to_string();
        assert!(e.contains("is the input"), "{e}");
        // Through another name (a hard link) too.
        let other = dir.path().join("y.smr");
        std::fs::hard_link(&input, &other).unwrap();
        assert!(refuse_inputs([other.as_path()]).is_err());
        assert_eq!(std::fs::read(&input).unwrap(), b"GWAS");
        let d = dir.path().join("d.smr");
        std::fs::create_dir(&d).unwrap();
        let e = write_atomic(&d, b"x").unwrap_err().to_string();
        assert!(
            e.contains(&d.display().to_string()) && !e.contains(".d.smr."),
            "{e}"
        );
        assert_eq!(names(dir.path()), ["d.smr", "x.smr", "y.smr"]);
    }
}
