//! The run manifest `<out>.manifest.json` (data-spec/manifest.md): what a run read, with which
//! settings, which work units it did and how each ended. Written by every analysis run (also a
//! failed one) and by `fastsmr merge`; the merge and `--resume` rely on it.

pub mod hash;

use crate::error::{Error, Result};
use crate::output::atomic::write_atomic;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub use hash::{hash_file, FileHash};

/// The `format` field of every manifest.
pub const FORMAT: &str = "fastsmr-manifest";
/// The `format_version` this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;

/// Settings that select *where* in the genome a run works (a genome shard), not *how*: they
/// may differ between the shards of one job (data-spec/shards.md §2). The probe and SNP range
/// flags are listed so that they are treated as such once they exist.
pub const REGION_FLAGS: &[&str] = &[
    "--chr",
    "--probe-chr",
    "--snp-chr",
    "--probe",
    "--probe-wind",
    "--from-probe",
    "--to-probe",
    "--from-probe-kb",
    "--to-probe-kb",
    "--gene",
    "--snp",
    "--snp-wind",
    "--from-snp",
    "--to-snp",
    "--from-snp-kb",
    "--to-snp-kb",
];

/// Settings that may differ between shards without changing any result: the output prefix,
/// the thread count (results do not depend on it) and the first trait (`--gwas-summary` in the
/// log's list; the traits themselves are compared as work units).
pub const FREE_FLAGS: &[&str] = &["--out", "--thread-num", "--gwas-summary"];

/// One input file.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct InputFile {
    /// What the file is (`besd`, `esi`, `epi`, `bed`, `bim`, `fam`, `gwas:<trait>`, ...).
    pub role: String,
    /// The path as given.
    pub path: PathBuf,
    /// Size in bytes (`None` when not a regular file, e.g. a named pipe).
    pub size: Option<u64>,
    /// Modification time, seconds since the Unix epoch.
    pub mtime_unix: Option<f64>,
    /// Content hash (manifest.md §3); `None` when not a regular file.
    pub hash: Option<FileHash>,
}

impl InputFile {
    /// Describe `path` (its metadata and hash); a missing file is an error naming it.
    pub fn of(role: impl Into<String>, path: &Path) -> Result<Self> {
        let meta = std::fs::metadata(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mtime_unix = meta
            .modified()
            .ok()
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs_f64());
        let (size, hash) = if meta.is_file() {
            (Some(meta.len()), Some(hash_file(path)?))
        } else {
            (None, None)
        };
        Ok(InputFile {
            role: role.into(),
            path: path.to_path_buf(),
            size,
            mtime_unix,
            hash,
        })
    }

    /// Same file content as `other` (path, size and hash; the modification time is not
    /// compared: a copy or a `touch` does not change a result).
    pub fn same_content(&self, other: &InputFile) -> bool {
        self.path == other.path
            && self.size == other.size
            && self.hash.is_some()
            && self.hash == other.hash
    }
}

/// One file a unit wrote.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct OutputFile {
    /// The part after the unit's output prefix (`smr`, `harmonise.tsv`, ...).
    pub suffix: String,
    /// Size in bytes.
    pub size: u64,
    /// Content hash.
    pub hash: FileHash,
}

impl OutputFile {
    /// Describe `<prefix>.<suffix>`.
    pub fn of(prefix: &Path, suffix: &str) -> Result<Self> {
        let path = crate::config::out_path(prefix, suffix);
        let size = std::fs::metadata(&path)
            .map_err(|source| Error::Open {
                path: path.clone(),
                source,
            })?
            .len();
        Ok(OutputFile {
            suffix: suffix.to_string(),
            size,
            hash: hash_file(&path)?,
        })
    }

    /// The file is still there at `<prefix>.<suffix>` with the recorded size and hash.
    pub fn intact(&self, prefix: &Path) -> bool {
        OutputFile::of(prefix, &self.suffix).is_ok_and(|now| now == *self)
    }
}

/// Status of a work unit.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum UnitStatus {
    /// Not started yet (a manifest read after a kill shows what was left).
    Pending,
    /// Running now.
    Running,
    /// Finished; every output listed.
    Done,
    /// Stopped with an error (`error` says why); its outputs, if any, are listed.
    Failed,
    /// Belongs to another shard of the job.
    OtherShard,
}

/// One work unit: an eQTL dataset × a trait, restricted to the run's region.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Unit {
    /// Position in the job's unit list (0-based; command-line / list order).
    pub index: usize,
    /// The eQTL dataset (the `--beqtl-summary` prefix).
    pub dataset: PathBuf,
    /// The dataset's name when the run has several (file names carry it:
    /// `<out>.<dataset>.<trait>.*`); absent for a single-dataset run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dataset_name: Option<String>,
    /// The trait name (file names use it in a batch).
    pub trait_name: String,
    /// The GWAS file.
    pub gwas: PathBuf,
    /// The shard (1-based) that runs this unit, of `--shard K/N` (1 without sharding).
    pub shard: usize,
    /// Status.
    pub status: UnitStatus,
    /// Output prefix of the unit (`<out>` alone, `<out>.<trait>` in a batch).
    pub out_prefix: PathBuf,
    /// Files written, once done (or failed).
    #[serde(default)]
    pub outputs: Vec<OutputFile>,
    /// Probes considered (after the probe and region filters).
    #[serde(default)]
    pub probes: Option<usize>,
    /// Probes tested (rows of the `.smr` table).
    #[serde(default)]
    pub probes_tested: Option<usize>,
    /// SNPs common to the inputs that entered the tests.
    #[serde(default)]
    pub snps_matched: Option<usize>,
    /// Probes without a row, by reason.
    #[serde(default)]
    pub probes_skipped: BTreeMap<String, usize>,
    /// Rows with p_HEIDI NA, by reason.
    #[serde(default)]
    pub heidi_na: BTreeMap<String, usize>,
    /// Wall time of the unit, seconds.
    #[serde(default)]
    pub wall_s: Option<f64>,
    /// Carried over from an earlier run by `--resume`.
    #[serde(default)]
    pub resumed: bool,
    /// Why it failed.
    #[serde(default)]
    pub error: Option<String>,
}

/// Status of a whole run.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "kebab-case")]
pub enum RunStatus {
    /// Still running (or killed: the manifest was not finalised).
    Running,
    /// Every unit of the run is done.
    Finished,
    /// The run stopped with an error (`error`), or a unit failed.
    Failed,
}

/// `--shard K/N`.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
pub struct ShardSpec {
    /// This shard, 1-based.
    pub k: usize,
    /// Number of shards.
    pub n: usize,
}

/// A shard that went into a merged manifest.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct MergedShard {
    /// The shard's output prefix.
    pub prefix: PathBuf,
    /// Its `--shard`.
    pub shard: ShardSpec,
    /// Its region flags.
    pub region: BTreeMap<String, String>,
}

/// The manifest (data-spec/manifest.md §2).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Manifest {
    /// Always [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub format_version: u32,
    /// `run` or `merge`.
    pub kind: String,
    /// The fastsmr version that wrote it.
    pub fastsmr_version: String,
    /// The command line.
    pub command: Vec<String>,
    /// Overall status.
    pub status: RunStatus,
    /// The error that stopped the run.
    #[serde(default)]
    pub error: Option<String>,
    /// Start, seconds since the Unix epoch.
    pub started_unix: f64,
    /// Wall time so far / in total, seconds.
    pub wall_s: f64,
    /// Peak resident set size of the process (VmHWM), KiB.
    pub peak_rss_kib: Option<u64>,
    /// Output prefix.
    pub out: PathBuf,
    /// Several traits: file names carry the trait (`<out>.<trait>.smr`).
    pub batch: bool,
    /// The resolved settings, flag → value (`""` for a switch), as in the log.
    pub settings: BTreeMap<String, String>,
    /// The subset of `settings` that selects a genome region ([`REGION_FLAGS`]).
    pub region: BTreeMap<String, String>,
    /// `--shard K/N` (1/1 without).
    pub shard: ShardSpec,
    /// Every input file.
    pub inputs: Vec<InputFile>,
    /// Every unit of the job (all shards), with the status of this run's own.
    pub units: Vec<Unit>,
    /// Merged manifests: the shards merged.
    #[serde(default)]
    pub merged_from: Vec<MergedShard>,
}

impl Manifest {
    /// `<out>.manifest.json`.
    pub fn path(out: &Path) -> PathBuf {
        crate::config::out_path(out, "manifest.json")
    }

    /// Write atomically to `<out>.manifest.json`.
    pub fn write(&self, out: &Path) -> Result<()> {
        let mut text = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Analysis(format!("cannot serialise the manifest: {e}")))?;
        text.push('\n');
        write_atomic(&Manifest::path(out), text.as_bytes())
    }

    /// Read `<out>.manifest.json`; an unreadable or malformed file is an error naming it.
    pub fn read(out: &Path) -> Result<Self> {
        let path = Manifest::path(out);
        let text = std::fs::read_to_string(&path).map_err(|source| Error::Open {
            path: path.clone(),
            source,
        })?;
        let m: Manifest = serde_json::from_str(&text)
            .map_err(|e| Error::format(&path, format!("not a fastsmr manifest: {e}")))?;
        if m.format != FORMAT || m.format_version != FORMAT_VERSION {
            return Err(Error::format(
                &path,
                format!(
                    "manifest format {} version {}, expected {FORMAT} version {FORMAT_VERSION}",
                    m.format, m.format_version
                ),
            ));
        }
        Ok(m)
    }

    /// The settings that must agree between the shards of one job: all but the region,
    /// output and thread settings.
    pub fn job_settings(&self) -> BTreeMap<&str, &str> {
        self.settings
            .iter()
            .filter(|(k, _)| {
                !REGION_FLAGS.contains(&k.as_str()) && !FREE_FLAGS.contains(&k.as_str())
            })
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect()
    }
}

/// Parse the log's `--flag value` lines ([`crate::config::Config::describe`]) into a map.
pub fn settings_map(lines: &[String]) -> BTreeMap<String, String> {
    lines
        .iter()
        .filter_map(|l| {
            let l = l.trim();
            let (k, v) = l.split_once(' ').unwrap_or((l, ""));
            k.starts_with("--").then(|| (k.to_string(), v.to_string()))
        })
        .collect()
}

/// Peak resident set size of this process in KiB (`VmHWM` in /proc/self/status; Linux), else
/// `ru_maxrss` from getrusage.
pub fn peak_rss_kib() -> Option<u64> {
    if let Ok(s) = std::fs::read_to_string("/proc/self/status") {
        for line in s.lines() {
            if let Some(v) = line.strip_prefix("VmHWM:") {
                return v.trim().trim_end_matches("kB").trim().parse().ok();
            }
        }
    }
    // SAFETY: getrusage only writes into the zeroed struct we pass.
    unsafe {
        let mut ru: libc::rusage = std::mem::zeroed();
        (libc::getrusage(libc::RUSAGE_SELF, &mut ru) == 0).then_some(ru.ru_maxrss as u64)
    }
}

/// Seconds since the Unix epoch, now.
pub fn now_unix() -> f64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_lines_parse_to_flags() {
        let m = settings_map(&[
            "  --maf 0.01".to_string(),
            "  --heidi-off ".to_string(),
            "  --out a b".to_string(),
        ]);
        assert_eq!(m["--maf"], "0.01");
        assert_eq!(m["--heidi-off"], "");
        assert_eq!(m["--out"], "a b");
    }
}
