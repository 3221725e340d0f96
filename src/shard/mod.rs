//! Work units, shards, resume and the dry run (data-spec/shards.md), and the run driver that
//! writes the run manifest (data-spec/manifest.md) unit by unit.
//!
//! A work unit is one eQTL dataset × one trait, restricted to the run's genome region
//! (`--chr`, probe ranges), dataset-major (data-spec/datasets.md). `--shard K/N` deals the
//! units round-robin; each unit's outputs are
//! written in a staging directory and moved into place together once the unit ends, and the
//! manifest is rewritten (atomically) after every unit, so that a killed run leaves a
//! manifest saying exactly which units finished.

pub mod estimate;

use crate::cli::scale::ScaleArgs;
use crate::commands::smr::{self, SmrAnalysis};
use crate::config::{out_path, Config};
use crate::data::{EqtlData, IdLists, LdReference};
use crate::engine::Tally;
use crate::error::{Error, Result};
use crate::io::eqtl_source::{EqtlSource, Located};
use crate::log::RunLog;
use crate::manifest::{
    now_unix, peak_rss_kib, settings_map, InputFile, Manifest, OutputFile, RunStatus, ShardSpec,
    Unit, UnitStatus, FORMAT, FORMAT_VERSION, REGION_FLAGS,
};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Parse `--shard K/N` (1 ≤ K ≤ N).
pub fn parse_shard(s: &str) -> Result<ShardSpec> {
    let bad = || {
        Error::Config(format!(
            "--shard expects K/N with 1 <= K <= N (e.g. 3/10), got '{s}'"
        ))
    };
    let (k, n) = s.split_once('/').ok_or_else(bad)?;
    let k: usize = k.trim().parse().map_err(|_| bad())?;
    let n: usize = n.trim().parse().map_err(|_| bad())?;
    if k == 0 || n == 0 || k > n {
        return Err(bad());
    }
    Ok(ShardSpec { k, n })
}

/// The shard (1-based) of unit `index` among `n` shards: round-robin.
pub fn shard_of(index: usize, n: usize) -> usize {
    index % n + 1
}

/// The validated scale-out settings of a run.
#[derive(Debug, Clone, Copy)]
pub struct ScaleSettings {
    /// `--shard` (1/1 without).
    pub shard: ShardSpec,
    /// `--resume`.
    pub resume: bool,
    /// `--dry-run`.
    pub dry_run: bool,
}

impl ScaleSettings {
    /// From the parsed flags.
    pub fn from_args(a: &ScaleArgs) -> Result<Self> {
        Ok(ScaleSettings {
            shard: match &a.shard {
                Some(s) => parse_shard(s)?,
                None => ShardSpec { k: 1, n: 1 },
            },
            resume: a.resume,
            dry_run: a.dry_run,
        })
    }
}

/// Output prefix of the trait `name` of `cfg` against the dataset `dataset` (its name when
/// the run names its datasets): `<out>` for a single trait, `<out>.<name>` in a batch,
/// `<out>.<dataset>.<name>` with several datasets.
pub fn unit_prefix(cfg: &Config, dataset: Option<&str>, name: &str) -> PathBuf {
    crate::commands::datasets::unit_prefix(&cfg.out, dataset, cfg.batch, name)
}

/// Every unit of the job described by `cfg` (all shards), all pending / in other shards:
/// dataset-major, index `dataset × traits + trait`.
pub fn job_units(cfg: &Config, shard: ShardSpec) -> Vec<Unit> {
    let named = cfg.datasets.named;
    cfg.datasets
        .list
        .iter()
        .flat_map(|d| cfg.traits.iter().map(move |t| (d, t)))
        .enumerate()
        .map(|(i, (d, t))| {
            let s = shard_of(i, shard.n);
            let dataset_name = named.then(|| d.name.clone());
            Unit {
                index: i,
                dataset: d.prefix.clone(),
                out_prefix: unit_prefix(cfg, dataset_name.as_deref(), &t.name),
                dataset_name,
                trait_name: t.name.clone(),
                gwas: t.path.clone(),
                shard: s,
                status: if s == shard.k {
                    UnitStatus::Pending
                } else {
                    UnitStatus::OtherShard
                },
                outputs: Vec::new(),
                probes: None,
                probes_tested: None,
                snps_matched: None,
                probes_skipped: BTreeMap::new(),
                heidi_na: BTreeMap::new(),
                wall_s: None,
                resumed: false,
                error: None,
            }
        })
        .collect()
}

/// The eQTL input files of `--beqtl-summary` (three files, or the archive).
pub fn eqtl_files(prefix: &Path) -> Result<Vec<(String, PathBuf)>> {
    Ok(match EqtlSource::locate(prefix)? {
        Located::Files(EqtlSource::Files { besd, esi, epi }) => vec![
            ("besd".to_string(), besd),
            ("esi".to_string(), esi),
            ("epi".to_string(), epi),
        ],
        Located::Files(EqtlSource::Tar { path, .. }) | Located::Archive(path) => {
            vec![("beqtl-archive".to_string(), path)]
        }
    })
}

/// The eQTL input files of every dataset: roles `besd`, `esi`, `epi` (or `beqtl-archive`)
/// for a single dataset, `besd:<dataset>`, ... when the run names its datasets.
pub fn dataset_files(cfg: &Config) -> Result<Vec<(String, PathBuf)>> {
    if !cfg.datasets.named {
        return eqtl_files(&cfg.besd.prefix);
    }
    let mut v = Vec::new();
    for d in &cfg.datasets.list {
        let files = eqtl_files(&d.prefix).map_err(|e| {
            Error::Analysis(format!(
                "eQTL dataset {} ({}): {e}",
                d.name,
                d.prefix.display()
            ))
        })?;
        v.extend(
            files
                .into_iter()
                .map(|(role, p)| (format!("{role}:{}", d.name), p)),
        );
    }
    Ok(v)
}

/// Every input file of the run with its role, the traits' GWAS files included.
pub fn input_files(cfg: &Config) -> Result<Vec<(String, PathBuf)>> {
    let mut v = dataset_files(cfg)?;
    if let Some(b) = &cfg.bfile {
        v.push(("bed".into(), b.bed.clone()));
        v.push(("bim".into(), b.bim.clone()));
        v.push(("fam".into(), b.fam.clone()));
    }
    let opt = [
        ("eqtlgen-freq", &cfg.eqtlgen_freq),
        ("extract-snp", &cfg.extract_snp),
        ("exclude-snp", &cfg.exclude_snp),
        ("extract-probe", &cfg.extract_probe),
        ("exclude-probe", &cfg.exclude_probe),
        ("keep", &cfg.keep),
        ("remove", &cfg.remove),
    ];
    for (role, p) in opt {
        if let Some(p) = p {
            v.push((role.into(), p.clone()));
        }
    }
    for t in &cfg.traits {
        v.push((format!("gwas:{}", t.name), t.path.clone()));
    }
    Ok(v)
}

/// The settings of the analysis beyond [`Config::describe`], as flag → value: `--smr-multi`
/// (its window and pruning settings), `--set-list`, `--gene-list`, `--trans` (its windows and
/// threshold). Shards of one job must agree on them; the merge reads which analysis ran.
pub fn analysis_settings(analysis: &SmrAnalysis) -> Vec<(String, String)> {
    let path = |p: &Path| p.display().to_string();
    match analysis {
        SmrAnalysis::Cis => Vec::new(),
        SmrAnalysis::Multi(plan) => {
            let mut v = vec![("--smr-multi".to_string(), format!("{:?}", plan.settings))];
            if let Some(p) = &plan.set_list {
                v.push(("--set-list".into(), path(p)));
            }
            if let Some(p) = &plan.gene_list {
                v.push(("--gene-list".into(), path(p)));
            }
            v
        }
        SmrAnalysis::Trans(t) => vec![("--trans".to_string(), format!("{t:?}"))],
    }
}

/// A new manifest for this run (status running, every unit pending or in another shard).
pub fn new_manifest(
    cfg: &Config,
    analysis: &SmrAnalysis,
    scale: &ScaleSettings,
    command: &[String],
    started_unix: f64,
) -> Result<Manifest> {
    let mut settings = settings_map(&cfg.describe());
    settings.extend(analysis_settings(analysis));
    if cfg.datasets.named {
        let list = &cfg.datasets;
        // The datasets themselves are the units' and the inputs'; the log lists them.
        settings.insert(
            "--beqtl-summary".into(),
            list.list
                .iter()
                .map(|d| format!("{}={}", d.name, d.prefix.display()))
                .collect::<Vec<_>>()
                .join(" "),
        );
    }
    let region = settings
        .iter()
        .filter(|(k, _)| REGION_FLAGS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let inputs = input_files(cfg)?
        .into_iter()
        .map(|(role, p)| InputFile::of(role, &p))
        .collect::<Result<Vec<_>>>()?;
    Ok(Manifest {
        format: FORMAT.to_string(),
        format_version: FORMAT_VERSION,
        kind: "run".to_string(),
        fastsmr_version: env!("CARGO_PKG_VERSION").to_string(),
        command: command.to_vec(),
        status: RunStatus::Running,
        error: None,
        started_unix,
        wall_s: 0.0,
        peak_rss_kib: None,
        out: cfg.out.clone(),
        batch: cfg.batch,
        settings,
        region,
        shard: scale.shard,
        inputs,
        units: job_units(cfg, scale.shard),
        merged_from: Vec::new(),
    })
}

/// The units of `old` (an earlier run's manifest at the same `--out`) that `--resume` may
/// carry over into `new`: same version, settings (but the thread count), region, shard and
/// shared inputs; per unit the same trait file, status done, and every output still intact.
/// Returns the indexes carried over, or why none can be.
pub fn resumable(old: &Manifest, new: &Manifest) -> std::result::Result<Vec<usize>, String> {
    if old.kind != "run" {
        return Err("the manifest there was written by a merge".into());
    }
    if old.fastsmr_version != new.fastsmr_version {
        return Err(format!(
            "it was written by fastsmr {} (this is {})",
            old.fastsmr_version, new.fastsmr_version
        ));
    }
    let strip = |m: &Manifest| {
        let mut s = m.settings.clone();
        s.remove("--thread-num");
        s.remove("--gwas-summary");
        s
    };
    if strip(old) != strip(new) || old.region != new.region || old.batch != new.batch {
        return Err("its settings differ".into());
    }
    if old.shard != new.shard {
        return Err(format!(
            "it ran shard {}/{} (this is {}/{})",
            old.shard.k, old.shard.n, new.shard.k, new.shard.n
        ));
    }
    let shared = |m: &Manifest| -> Vec<InputFile> {
        m.inputs
            .iter()
            .filter(|i| !i.role.starts_with("gwas:"))
            .cloned()
            .collect()
    };
    let (a, b) = (shared(old), shared(new));
    if a.len() != b.len()
        || a.iter()
            .zip(&b)
            .any(|(x, y)| x.role != y.role || !x.same_content(y))
    {
        return Err("its eQTL data, LD reference or list files differ".into());
    }
    let input = |m: &Manifest, name: &str| {
        m.inputs
            .iter()
            .find(|i| i.role == format!("gwas:{name}"))
            .cloned()
    };
    let mut carried = Vec::new();
    for u in &new.units {
        if u.status != UnitStatus::Pending {
            continue;
        }
        let Some(o) = old.units.iter().find(|o| {
            o.index == u.index
                && o.dataset == u.dataset
                && o.dataset_name == u.dataset_name
                && o.trait_name == u.trait_name
                && o.gwas == u.gwas
                && o.out_prefix == u.out_prefix
                && o.status == UnitStatus::Done
        }) else {
            continue;
        };
        let same_input = match (input(old, &u.trait_name), input(new, &u.trait_name)) {
            (Some(x), Some(y)) => x.same_content(&y),
            _ => false,
        };
        if same_input && !o.outputs.is_empty() && o.outputs.iter().all(|f| f.intact(&o.out_prefix))
        {
            carried.push(u.index);
        }
    }
    Ok(carried)
}

/// Print the dry run of `cfg`: the units of every shard and a memory estimate per shard.
pub fn dry_run(cfg: &Config, scale: &ScaleSettings) -> Result<String> {
    let units = job_units(cfg, scale.shard);
    let est = estimate::Estimate::of(cfg)?;
    let position = |u: &Unit| u.index / cfg.traits.len().max(1);
    let settings = settings_map(&cfg.describe());
    let region: Vec<String> = settings
        .iter()
        .filter(|(k, _)| REGION_FLAGS.contains(&k.as_str()))
        .map(|(k, v)| format!("{k} {v}"))
        .collect();
    let mut s = format!(
        "fastsmr dry run: {} work unit(s) (eQTL dataset x trait), {} shard(s); region: {}\n",
        units.len(),
        scale.shard.n,
        if region.is_empty() {
            "whole genome".to_string()
        } else {
            region.join(" ")
        }
    );
    let mut max_mb = 0u64;
    for k in 1..=scale.shard.n {
        let mine: Vec<&Unit> = units.iter().filter(|u| u.shard == k).collect();
        let work: Vec<(usize, &Path)> = mine
            .iter()
            .map(|u| (position(u), u.gwas.as_path()))
            .collect();
        let mb = est.shard_mb(&work)?;
        max_mb = max_mb.max(mb);
        s.push_str(&format!(
            "shard {k}/{}: {} unit(s), memory estimate {mb} MB{}\n",
            scale.shard.n,
            mine.len(),
            if k == scale.shard.k && scale.shard.n > 1 {
                " (this shard)"
            } else {
                ""
            }
        ));
        for u in mine {
            let dataset = match &u.dataset_name {
                Some(n) => format!("{n} ({})", u.dataset.display()),
                None => u.dataset.display().to_string(),
            };
            s.push_str(&format!(
                "  unit {}: {dataset} x {} -> {}.smr\n",
                u.index,
                u.trait_name,
                u.out_prefix.display()
            ));
        }
    }
    s.push_str(&format!(
        "summary: shards={} units={} max_mem_mb={max_mb} cpus={}\n",
        scale.shard.n,
        units.len(),
        cfg.threads
    ));
    Ok(s)
}

/// The staging directory of one unit, beside its outputs.
fn stage_dir(prefix: &Path, index: usize) -> PathBuf {
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(
        ".{base}.fastsmr-stage.{}.{index}",
        std::process::id()
    ))
}

/// Remove the staging directories that killed runs left for unit `index` of `prefix`
/// (called with `--resume`, which says the earlier run is over).
fn remove_stale_stages(prefix: &Path, index: usize, log: &mut RunLog) {
    let dir = match prefix.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let base = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let (head, tail) = (format!(".{base}.fastsmr-stage."), format!(".{index}"));
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let pid = name
            .strip_prefix(&head)
            .and_then(|r| r.strip_suffix(&tail))
            .filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if pid.is_some_and(|p| p != std::process::id().to_string())
            && std::fs::remove_dir_all(e.path()).is_ok()
        {
            log.info(format!(
                "--resume: removed {} (left by a killed run)",
                e.path().display()
            ));
        }
    }
}

/// Move every file the unit wrote under `stage/<base>` to `<prefix>.<suffix>`; returns the
/// suffixes, sorted.
fn publish(stage: &Path, prefix: &Path) -> Result<Vec<String>> {
    let base = prefix
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let wrap = |source| Error::Write {
        path: stage.to_path_buf(),
        source,
    };
    let mut suffixes = Vec::new();
    for e in std::fs::read_dir(stage).map_err(wrap)? {
        let e = e.map_err(wrap)?;
        let name = e.file_name().to_string_lossy().into_owned();
        if crate::output::atomic::is_temporary_name(&name) {
            continue;
        }
        if let Some(suffix) = name.strip_prefix(&format!("{base}.")) {
            suffixes.push(suffix.to_string());
        }
    }
    suffixes.sort();
    for s in &suffixes {
        let to = out_path(prefix, s);
        std::fs::rename(stage.join(format!("{base}.{s}")), &to)
            .map_err(|source| Error::Write { path: to, source })?;
    }
    let _ = std::fs::remove_dir_all(stage);
    crate::output::atomic::forget_temp_dir(stage);
    Ok(suffixes)
}

fn record_summary(u: &mut Unit, s: &Tally) {
    u.probes = Some(s.probes);
    u.probes_tested = Some(s.rows);
    u.snps_matched = Some(s.snps_matched);
    u.probes_skipped = s.skipped.iter().map(|(k, v)| (k.to_string(), *v)).collect();
    u.heidi_na = s.notes.iter().map(|(k, v)| (k.to_string(), *v)).collect();
}

/// Return free heap to the OS between units (as the pipeline's batch does).
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free heap pages to the OS.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Run the analysis of `cfg` with the scale-out settings: select this shard's units, carry
/// over finished ones with `--resume`, run the rest against data loaded once, and keep
/// `<out>.manifest.json` up to date. Errors like [`smr::run`].
pub fn run(
    cfg: &Config,
    analysis: &SmrAnalysis,
    scale: &ScaleSettings,
    command: &[String],
    log: &mut RunLog,
) -> Result<()> {
    let started = Instant::now();
    let mut m = new_manifest(cfg, analysis, scale, command, now_unix())?;
    if scale.resume {
        match Manifest::read(&cfg.out) {
            Ok(old) => match resumable(&old, &m) {
                Ok(carried) => {
                    for u in m.units.iter_mut().filter(|u| carried.contains(&u.index)) {
                        let o = old
                            .units
                            .iter()
                            .find(|o| o.index == u.index)
                            .expect("found");
                        *u = o.clone();
                        u.resumed = true;
                    }
                    log.info(format!(
                        "--resume: {} unit(s) finished by an earlier run are kept",
                        carried.len()
                    ));
                }
                Err(why) => log.info(format!(
                    "--resume: {} cannot be resumed ({why}); every unit runs",
                    Manifest::path(&cfg.out).display()
                )),
            },
            Err(e) => log.info(format!("--resume: no earlier run to resume ({e})")),
        }
    }
    let todo: Vec<usize> = m
        .units
        .iter()
        .filter(|u| u.status == UnitStatus::Pending)
        .map(|u| u.index)
        .collect();
    let mine = m.units.iter().filter(|u| u.shard == scale.shard.k).count();
    log.info(format!(
        "work units: {} in the job, {mine} in shard {}/{}, {} to run",
        m.units.len(),
        scale.shard.k,
        scale.shard.n,
        todo.len()
    ));
    let finish = |m: &mut Manifest, err: Option<&Error>| -> Result<()> {
        m.wall_s = started.elapsed().as_secs_f64();
        m.peak_rss_kib = peak_rss_kib();
        let failed = m.units.iter().any(|u| u.status == UnitStatus::Failed);
        m.status = if err.is_some() || failed {
            RunStatus::Failed
        } else {
            RunStatus::Finished
        };
        m.error = err.map(|e| e.to_string());
        m.write(&cfg.out)
    };
    m.write(&cfg.out)?;
    if todo.is_empty() {
        return finish(&mut m, None);
    }
    let outcome = run_units(cfg, analysis, &mut m, &todo, started, scale.resume, log);
    match outcome {
        Ok(()) => {
            let failed: Vec<String> = m
                .units
                .iter()
                .filter(|u| u.status == UnitStatus::Failed)
                .map(|u| {
                    let what = match &u.dataset_name {
                        Some(d) => format!("{d} x {}", u.trait_name),
                        None => u.trait_name.clone(),
                    };
                    format!("{what} ({})", u.error.clone().unwrap_or_default())
                })
                .collect();
            if cfg.datasets.named {
                log.info(format!(
                    "datasets x traits: {} of {} work units completed",
                    todo.len() - failed.len(),
                    todo.len()
                ));
            } else if cfg.batch {
                log.info(format!(
                    "batch: {} of {} traits completed",
                    todo.len() - failed.len(),
                    todo.len()
                ));
            }
            let err = if failed.is_empty() {
                None
            } else if !cfg.batch && !cfg.datasets.named {
                // A single trait's error as the pipeline gives it.
                Some(Error::Analysis(
                    m.units[todo[0]].error.clone().unwrap_or_default(),
                ))
            } else {
                Some(Error::Analysis(format!(
                    "{} of {} {} failed: {}",
                    failed.len(),
                    todo.len(),
                    if cfg.datasets.named {
                        "work units (dataset x trait)"
                    } else {
                        "traits"
                    },
                    failed.join("; ")
                )))
            };
            finish(&mut m, err.as_ref())?;
            err.map_or(Ok(()), Err)
        }
        Err(e) => {
            finish(&mut m, Some(&e))?;
            Err(e)
        }
    }
}

/// A genome shard whose region holds no probe: every unit gets its analysis' tables with
/// their headers and no row (the merge adds no row for them) and is done
/// (data-spec/shards.md §2).
fn empty_region(
    cfg: &Config,
    analysis: &smr::Loaded,
    m: &mut Manifest,
    todo: &[usize],
    log: &mut RunLog,
) -> Result<()> {
    use crate::output::smr::{SMR_HEADER, SMR_HEADER_TARGET, SMR_HEADER_TRANS};
    let cis = if cfg.target_snp.is_some() {
        SMR_HEADER_TARGET
    } else {
        SMR_HEADER
    };
    let tables: Vec<(&str, String)> = match analysis {
        smr::Loaded::Cis => {
            let mut v = vec![("smr", format!("{cis}\n"))];
            if cfg.extras.smr_extra_columns {
                let extra = crate::output::extra_columns::EXTRA_HEADER;
                v.push(("smr.extra", format!("{cis}\t{extra}\n")));
            }
            v
        }
        smr::Loaded::Trans(_) => vec![("smr", format!("{SMR_HEADER_TRANS}\n"))],
        smr::Loaded::Multi(_) => vec![
            ("msmr", format!("{}\n", crate::output::msmr::MSMR_HEADER)),
            ("prbregion4msmr.list", String::new()),
            ("snps4msmr.list", String::new()),
        ],
    };
    log.info(format!(
        "no probe in the region ({}): header-only tables",
        m.region
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(" ")
    ));
    for &i in todo {
        let u = &mut m.units[i];
        u.outputs.clear();
        for (suffix, text) in &tables {
            crate::output::atomic::write_atomic(&out_path(&u.out_prefix, suffix), text.as_bytes())?;
            u.outputs.push(OutputFile::of(&u.out_prefix, suffix)?);
        }
        u.probes = Some(0);
        u.probes_tested = Some(0);
        u.wall_s = Some(0.0);
        u.status = UnitStatus::Done;
    }
    Ok(())
}

/// Run the units `todo` (indexes, ascending: dataset-major) of `m`: each dataset's data read
/// once, when its first unit comes, and dropped before the next dataset's; the LD reference
/// read once, with the first dataset, its SNP-ID index rebuilt for each later one.
fn run_units(
    cfg: &Config,
    analysis: &SmrAnalysis,
    m: &mut Manifest,
    todo: &[usize],
    started: Instant,
    resume: bool,
    log: &mut RunLog,
) -> Result<()> {
    // On the run's one thread pool (commands::run).
    let snp_lists = IdLists::snps(cfg)?;
    let n_traits = cfg.traits.len().max(1);
    let named = cfg.datasets.named;
    let mut reference: Option<Option<LdReference>> = None;
    let mut loaded = None;
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for &i in todo {
        let d = i / n_traits;
        match groups.last_mut() {
            Some((g, v)) if *g == d => v.push(i),
            _ => groups.push((d, vec![i])),
        }
    }
    let n_groups = groups.len();
    for (gi, (d, units)) in groups.into_iter().enumerate() {
        let dataset = &cfg.datasets.list[d];
        let dcfg = crate::commands::datasets::config_for(cfg, dataset);
        if named {
            log.info(format!(
                "==== eQTL dataset {} ({}/{n_groups}): {} ====",
                dataset.name,
                gi + 1,
                dataset.prefix.display()
            ));
        }
        // The first dataset is read side by side with the LD reference (data::load_both);
        // later ones only rebuild the reference's SNP-ID index.
        let data = match &mut reference {
            None => crate::data::load_both(
                &dcfg,
                &snp_lists,
                units.first().map(|&i| m.units[i].gwas.as_path()),
                log,
            )
            .map(|(eqtl, r)| {
                reference = Some(r);
                eqtl
            }),
            Some(r) => EqtlData::load(&dcfg, &snp_lists, log).inspect(|eqtl| {
                if let Some(r) = r {
                    r.reindex(eqtl);
                    log.info(format!(
                        "  SNP-ID index of the LD reference (read once) rebuilt for dataset {}",
                        dataset.name
                    ));
                }
            }),
        }
        .and_then(|eqtl| {
            if loaded.is_none() {
                loaded = Some(analysis.load(log)?);
            }
            Ok(eqtl)
        });
        let eqtl = match data {
            Ok(e) => e,
            // Several datasets: a dataset that cannot be read fails its own units only.
            Err(e) if named => {
                log.info(format!("eQTL dataset {} FAILED: {e}", dataset.name));
                for &i in &units {
                    let u = &mut m.units[i];
                    u.status = UnitStatus::Failed;
                    u.error = Some(format!("eQTL dataset {}: {e}", dataset.name));
                }
                m.wall_s = started.elapsed().as_secs_f64();
                m.write(&cfg.out)?;
                continue;
            }
            Err(e) => return Err(e),
        };
        let (Some(reference), Some(analysis)) = (&reference, &loaded) else {
            return Err(Error::Analysis(
                "internal error: the LD reference or the analysis was not loaded".into(),
            ));
        };
        if eqtl.probes.is_empty() && !m.region.is_empty() {
            empty_region(&dcfg, analysis, m, &units, log)?;
            continue;
        }
        run_dataset(
            &dcfg,
            analysis,
            &eqtl,
            reference.as_ref(),
            m,
            &units,
            started,
            resume,
            log,
        )?;
        drop(eqtl);
        release_free_heap();
    }
    Ok(())
}

/// Run the units `todo` of one dataset, loaded as `eqtl`, one after the other.
#[allow(clippy::too_many_arguments)]
fn run_dataset(
    cfg: &Config,
    analysis: &smr::Loaded,
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    m: &mut Manifest,
    todo: &[usize],
    started: Instant,
    resume: bool,
    log: &mut RunLog,
) -> Result<()> {
    let several = cfg.batch || cfg.datasets.named;
    // Traits may share probe loops (commands::batch): each writes into its own stage, and
    // every unit's messages name its outputs where they will be, not the staging directory.
    let mut plan = Vec::with_capacity(todo.len());
    let mut shown_as = Vec::with_capacity(todo.len());
    for &i in todo {
        let u = &m.units[i];
        let base = u
            .out_prefix
            .file_name()
            .map(PathBuf::from)
            .unwrap_or_default();
        let staged = stage_dir(&u.out_prefix, i).join(base);
        shown_as.push((
            format!("{}", staged.display()),
            format!("{}", u.out_prefix.display()),
        ));
        plan.push((u.gwas.clone(), staged));
    }
    let group = crate::commands::batch::group_size(cfg);
    let mut runner =
        crate::commands::batch::TraitRunner::new(cfg, analysis, eqtl, reference, plan, group);
    log.show_paths_as(shown_as);
    for (n, &i) in todo.iter().enumerate() {
        let (name, gwas, prefix) = {
            let u = &m.units[i];
            (u.trait_name.clone(), u.gwas.clone(), u.out_prefix.clone())
        };
        if several {
            log.info(format!(
                "==== trait {name} ({}/{}): {} ====",
                n + 1,
                todo.len(),
                gwas.display()
            ));
        }
        let unit_started = Instant::now();
        if resume {
            remove_stale_stages(&prefix, i, log);
        }
        // The staging directory exists before the manifest says `running`: a run killed
        // inside a unit always leaves both (data-spec/shards.md §5).
        let stage = stage_dir(&prefix, i);
        crate::output::atomic::register_temp_dir(&stage);
        std::fs::create_dir_all(&stage).map_err(|source| Error::Write {
            path: stage.clone(),
            source,
        })?;
        // "running" only once the staging directory exists: a unit marked running always
        // has one for --resume to clear.
        m.units[i].status = UnitStatus::Running;
        m.wall_s = started.elapsed().as_secs_f64();
        m.write(&cfg.out)?;
        let r = runner.run(n, log);
        let suffixes = publish(&stage, &prefix)?;
        if !suffixes.is_empty() {
            log.info(format!(
                "  unit {i} ({name}): outputs moved into place: {}.{{{}}}",
                prefix.display(),
                suffixes.join(",")
            ));
        }
        let u = &mut m.units[i];
        u.outputs = suffixes
            .iter()
            .map(|s| OutputFile::of(&prefix, s))
            .collect::<Result<Vec<_>>>()?;
        u.wall_s = Some(unit_started.elapsed().as_secs_f64());
        match r {
            Ok(s) => {
                record_summary(u, &s);
                u.status = UnitStatus::Done;
                if several {
                    log.info(format!(
                        "trait {name} done in {:.2} s",
                        u.wall_s.unwrap_or(0.0)
                    ));
                }
            }
            Err(e) => {
                u.status = UnitStatus::Failed;
                u.error = Some(e.to_string());
                if several {
                    log.info(format!("trait {name} FAILED: {e}"));
                }
            }
        }
        m.wall_s = started.elapsed().as_secs_f64();
        m.peak_rss_kib = peak_rss_kib();
        m.write(&cfg.out)?;
        release_free_heap();
    }
    log.show_paths_as(Vec::new());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shard_spec_parses_and_rejects() {
        assert_eq!(parse_shard("2/5").unwrap(), ShardSpec { k: 2, n: 5 });
        for bad in ["0/3", "4/3", "3", "a/b", "1/0", "-1/2"] {
            assert!(parse_shard(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn round_robin_covers_each_unit_once() {
        let n = 4;
        for i in 0..17 {
            let owners: Vec<usize> = (1..=n).filter(|&k| shard_of(i, n) == k).collect();
            assert_eq!(owners.len(), 1);
        }
        assert_eq!(shard_of(0, 4), 1);
        assert_eq!(shard_of(5, 4), 2);
    }
}
