//! `fastsmr merge --out PREFIX SHARD_PREFIX...` (data-spec/shards.md §3): join the outputs of
//! the shards of one job into the tables the unsharded run would have written, after checking
//! from their manifests that they belong together, that none is missing or duplicated, and
//! that every unit finished. Any failed check exits 1 and writes nothing.

use crate::config::out_path;
use crate::error::{Error, Result};
use crate::io::eqtl_source::{scan_archive, Part};
use crate::manifest::{
    now_unix, peak_rss_kib, InputFile, Manifest, MergedShard, OutputFile, RunStatus, ShardSpec,
    Unit, UnitStatus, FORMAT, FORMAT_VERSION, REGION_FLAGS,
};
use crate::output::atomic::{write_atomic, AtomicFile};
use crate::shard::shard_of;
use crate::types::Chrom;
use clap::Parser;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// Command line of `fastsmr merge`.
#[derive(Debug, Parser)]
#[command(
    name = "fastsmr merge",
    bin_name = "fastsmr merge",
    version,
    about = "Merge the outputs of the shards of one fastsmr job (checked against their manifests)"
)]
pub struct MergeCli {
    /// Output prefix of the merged tables (`<OUT>.smr` or `<OUT>.<trait>.smr`, and
    /// `<OUT>.manifest.json`).
    #[arg(long, value_name = "PREFIX")]
    pub out: PathBuf,
    /// The `--out` prefixes of the shards (each has `<PREFIX>.manifest.json`).
    #[arg(required = true, value_name = "SHARD_PREFIX")]
    pub shards: Vec<PathBuf>,
}

/// Entry point from `main`: `args` starts with `merge`.
pub fn main(args: impl IntoIterator<Item = String>) -> ExitCode {
    let cli = match MergeCli::try_parse_from(args) {
        Ok(c) => c,
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { 2 } else { 0 });
        }
    };
    let command: Vec<String> = std::env::args().collect();
    match merge(&cli.out, &cli.shards, &command) {
        Ok(report) => {
            eprintln!("{report}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            eprintln!("fastsmr merge: nothing written");
            ExitCode::from(1)
        }
    }
}

fn refuse(msg: impl Into<String>) -> Error {
    Error::Analysis(msg.into())
}

/// A shard's manifest and the prefix it was read from.
struct Shard {
    prefix: PathBuf,
    m: Manifest,
}

/// One file the merge will write.
enum Planned {
    /// Bytes built in memory (a merged `.smr`).
    Bytes(Vec<u8>),
    /// A shard's file copied as it is.
    Copy(PathBuf),
}

/// The probe chromosome a region selects: `--probe-chr` (the log's resolved form of `--chr`).
fn region_chr(region: &BTreeMap<String, String>) -> Option<&str> {
    region.get("--probe-chr").map(String::as_str)
}

fn describe_region(region: &BTreeMap<String, String>) -> String {
    if region.is_empty() {
        "the whole genome".to_string()
    } else {
        region
            .iter()
            .map(|(k, v)| format!("{k} {v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// Each probe ID's row number in one dataset's `.epi`.
type EpiIndex = HashMap<String, usize>;

/// Read the `.epi` of a dataset of the job (the input named in the manifests, role `epi`, or
/// `epi:<dataset>` when the run names its datasets; checked against its hash): each probe
/// ID's row number and chromosome.
fn read_epi_index(
    inputs: &[InputFile],
    dataset: Option<&str>,
) -> Result<(EpiIndex, BTreeSet<Chrom>)> {
    let role = |r: &str| match dataset {
        Some(d) => format!("{r}:{d}"),
        None => r.to_string(),
    };
    let records = if let Some(epi) = inputs.iter().find(|i| i.role == role("epi")) {
        check_unchanged(epi)?;
        crate::io::epi::read_epi(&epi.path)?
    } else if let Some(ar) = inputs.iter().find(|i| i.role == role("beqtl-archive")) {
        check_unchanged(ar)?;
        let mut out = None;
        scan_archive(&ar.path, |part, label, r| {
            if part == Part::Epi {
                out = Some(crate::io::epi::parse_epi(r, label)?);
            } else {
                // Drain other members without keeping them.
                std::io::copy(&mut r.take(u64::MAX), &mut std::io::sink())
                    .map_err(|e| Error::read(label, e))?;
            }
            Ok(())
        })?;
        out.ok_or_else(|| refuse(format!("{}: no .epi member", ar.path.display())))?
    } else {
        return Err(refuse("the manifests name no .epi input"));
    };
    let mut index = HashMap::with_capacity(records.len());
    let mut chrs = BTreeSet::new();
    for (i, r) in records.iter().enumerate() {
        index.entry(r.probe.to_string()).or_insert(i);
        chrs.insert(r.chr);
    }
    Ok((index, chrs))
}

fn check_unchanged(input: &InputFile) -> Result<()> {
    let now = InputFile::of(input.role.clone(), &input.path)?;
    if !now.same_content(input) {
        return Err(refuse(format!(
            "{} has changed since the shards read it (size or content hash differ)",
            input.path.display()
        )));
    }
    Ok(())
}

/// How the rows of one table of a unit are found and keyed by probe, for a merge of genome
/// regions (data-spec/shards.md §3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Layout {
    /// A header line, then one line per row keyed by its first column (`.smr` cis or trans,
    /// `.smr.extra`, `.msmr`).
    Table,
    /// No header; records of a probe line, its SNP lines and `end` (`.snps4msmr.list`).
    Blocks,
    /// No header; one line per row keyed by its fourth column (`.prbregion4msmr.list`).
    Regions,
}

/// The layout of a table the merge joins by probe; `None` for a side file.
fn layout_of(suffix: &str) -> Option<Layout> {
    match suffix {
        "smr" | "smr.extra" | "msmr" => Some(Layout::Table),
        "snps4msmr.list" => Some(Layout::Blocks),
        "prbregion4msmr.list" => Some(Layout::Regions),
        _ => None,
    }
}

/// One record of a table: the probe it belongs to, its first line number, its text.
type Record<'t> = (&'t str, u64, String);

/// The records of `text` (a table of `layout`) with the probe each belongs to and its line.
fn records<'t>(
    text: &'t str,
    layout: Layout,
    path: &Path,
) -> Result<(Option<&'t str>, Vec<Record<'t>>)> {
    let mut lines = text.split_inclusive('\n');
    let header = match layout {
        Layout::Table => Some(
            lines
                .next()
                .ok_or_else(|| Error::format(path, "empty table, expected a header line"))?,
        ),
        _ => None,
    };
    let first = if header.is_some() { 2 } else { 1 };
    let mut out = Vec::new();
    let mut open: Option<Record<'t>> = None;
    for (ln, line) in lines.enumerate() {
        let n = ln as u64 + first;
        match layout {
            Layout::Table => out.push((line.split('\t').next().unwrap_or(""), n, line.into())),
            Layout::Regions => {
                let key = line.trim_end_matches(['\n', '\r']).split('\t').nth(3);
                let key = key.ok_or_else(|| {
                    Error::parse(
                        path,
                        n,
                        "expected four columns: chr, first bp, last bp, probe",
                    )
                })?;
                out.push((key, n, line.into()));
            }
            Layout::Blocks => match open.as_mut() {
                None => open = Some((line.trim_end_matches(['\n', '\r']), n, line.into())),
                Some((_, _, body)) => {
                    body.push_str(line);
                    if line.trim_end_matches(['\n', '\r']) == "end" {
                        out.extend(open.take());
                    }
                }
            },
        }
    }
    if let Some((probe, n, _)) = open {
        return Err(Error::parse(
            path,
            n,
            format!("the SNP list of probe {probe} has no closing `end` line"),
        ));
    }
    Ok((header, out))
}

/// Merge one table (`layout`) of one unit from several genome regions, rows in `.epi` order
/// (a probe's rows, e.g. its trans regions, in the order the region's run wrote them).
fn merge_rows(parts: &[PathBuf], layout: Layout, index: &EpiIndex) -> Result<Vec<u8>> {
    let mut header: Option<String> = None;
    let mut rows: Vec<(usize, usize, String)> = Vec::new();
    for (pi, p) in parts.iter().enumerate() {
        let text = std::fs::read_to_string(p).map_err(|source| Error::Open {
            path: p.clone(),
            source,
        })?;
        let (h, recs) = records(&text, layout, p)?;
        match (&header, h) {
            (None, Some(h)) => header = Some(h.to_string()),
            (Some(first), Some(h)) if first != h => {
                return Err(refuse(format!(
                    "{}: header differs from {}",
                    p.display(),
                    parts[0].display()
                )))
            }
            _ => {}
        }
        for (probe, line, rec) in recs {
            let &i = index.get(probe).ok_or_else(|| {
                Error::parse(
                    p,
                    line,
                    format!("probe '{probe}' is not in the .epi of the job"),
                )
            })?;
            rows.push((i, pi, rec));
        }
    }
    // Stable: a probe ID used twice keeps region order.
    rows.sort_by_key(|r| (r.0, r.1));
    for w in rows.windows(2) {
        if w[0].0 == w[1].0 && w[0].1 != w[1].1 {
            return Err(refuse(format!(
                "probe row {} of the .epi has a row in two shards ({} and {}): the regions overlap",
                w[0].0 + 1,
                parts[w[0].1].display(),
                parts[w[1].1].display()
            )));
        }
    }
    let mut out = header.unwrap_or_default().into_bytes();
    for (_, _, line) in rows {
        out.extend_from_slice(line.as_bytes());
    }
    Ok(out)
}

/// Whether every file of `paths` holds the same bytes as the first.
fn same_bytes(paths: &[&PathBuf]) -> Result<bool> {
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|source| Error::Open {
            path: p.to_path_buf(),
            source,
        })
    };
    let first = read(paths[0])?;
    for p in &paths[1..] {
        let len = std::fs::metadata(p)
            .map_err(|source| Error::Open {
                path: p.to_path_buf(),
                source,
            })?
            .len();
        if len != first.len() as u64 || read(p)? != first {
            return Ok(false);
        }
    }
    Ok(true)
}

/// Genome regions the job's analysis cannot be split into: trans-SMR regions lie on other
/// chromosomes than their probe, so a region restricting the SNPs (`--chr`, `--snp-chr`, SNP
/// ranges) changes its rows; `--set-list`/`--gene-list` tables are in list order, which
/// the merge cannot restore.
fn check_analysis_regions(
    m: &Manifest,
    regions: &BTreeMap<BTreeMap<String, String>, Vec<usize>>,
) -> Result<()> {
    if m.settings.contains_key("--trans") {
        if let Some(r) = regions.keys().find(|r| {
            r.keys()
                .any(|k| k.starts_with("--snp") || k.contains("-snp-") || k.ends_with("-snp"))
        }) {
            return Err(refuse(format!(
                "trans-SMR shards cannot be merged by genome region {}: its trans regions lie on \
                 other chromosomes than the probe, so restricting the SNPs changes the rows; \
                 split trans-SMR jobs with --probe-chr (or by trait with --shard)",
                describe_region(r)
            )));
        }
    }
    for list in ["--set-list", "--gene-list"] {
        if m.settings.contains_key(list) {
            return Err(refuse(format!(
                "multi-SNP shards run with {list} cannot be merged by genome region: their rows \
                 are in list order; split such jobs by trait (--shard) only"
            )));
        }
    }
    Ok(())
}

/// Check and merge; returns a one-paragraph report. Nothing is written unless every check
/// passes.
pub fn merge(out: &Path, prefixes: &[PathBuf], command: &[String]) -> Result<String> {
    let started = Instant::now();
    let started_unix = now_unix();
    // Every shard's manifest.
    let mut seen = BTreeSet::new();
    let mut shards = Vec::new();
    for p in prefixes {
        if !seen.insert(p.clone()) {
            return Err(refuse(format!("shard {} is given twice", p.display())));
        }
        let m = Manifest::read(p)?;
        if m.kind != "run" {
            return Err(refuse(format!(
                "{} was written by a merge, not by a shard run",
                Manifest::path(p).display()
            )));
        }
        if out_path(out, "manifest.json") == Manifest::path(p) {
            return Err(refuse(format!(
                "--out {} is one of the shards; merge into a new prefix",
                out.display()
            )));
        }
        shards.push(Shard {
            prefix: p.clone(),
            m,
        });
    }
    let first = &shards[0];
    let name0 = Manifest::path(&first.prefix);
    // Every shard finished every unit of its own.
    for s in &shards {
        let name = Manifest::path(&s.prefix);
        for u in s.m.units.iter().filter(|u| u.shard == s.m.shard.k) {
            if u.status != UnitStatus::Done {
                return Err(refuse(format!(
                    "{}: unit {} ({}) is {:?}{}: shard {}/{} did not finish (rerun it, e.g. \
                     with --resume)",
                    name.display(),
                    u.index,
                    u.trait_name,
                    u.status,
                    u.error
                        .as_ref()
                        .map(|e| format!(" ({e})"))
                        .unwrap_or_default(),
                    s.m.shard.k,
                    s.m.shard.n
                )));
            }
            for f in &u.outputs {
                if !f.intact(&u.out_prefix) {
                    return Err(refuse(format!(
                        "{} is missing or changed since {} recorded it",
                        out_path(&u.out_prefix, &f.suffix).display(),
                        name.display()
                    )));
                }
            }
        }
        if s.m.status != RunStatus::Finished {
            return Err(refuse(format!(
                "{}: the run is {:?}{}: shard {}/{} did not finish",
                name.display(),
                s.m.status,
                s.m.error
                    .as_ref()
                    .map(|e| format!(" ({e})"))
                    .unwrap_or_default(),
                s.m.shard.k,
                s.m.shard.n
            )));
        }
    }
    // Same job: version, settings, inputs, units.
    for s in &shards[1..] {
        let name = Manifest::path(&s.prefix);
        if s.m.fastsmr_version != first.m.fastsmr_version {
            return Err(refuse(format!(
                "{} was written by fastsmr {}, {} by {}",
                name.display(),
                s.m.fastsmr_version,
                name0.display(),
                first.m.fastsmr_version
            )));
        }
        let (a, b) = (first.m.job_settings(), s.m.job_settings());
        if a != b || first.m.batch != s.m.batch {
            let keys: BTreeSet<&str> = a.keys().chain(b.keys()).copied().collect();
            let diff: Vec<String> = keys
                .into_iter()
                .filter(|k| a.get(k) != b.get(k))
                .map(|k| {
                    format!(
                        "{k}: {} vs {}",
                        a.get(k).copied().unwrap_or("(not set)"),
                        b.get(k).copied().unwrap_or("(not set)")
                    )
                })
                .collect();
            return Err(refuse(format!(
                "{} and {} were run with other settings ({}): not shards of one job",
                name0.display(),
                name.display(),
                diff.join(", ")
            )));
        }
        let roles = |m: &Manifest| m.inputs.iter().map(|i| i.role.clone()).collect::<Vec<_>>();
        if roles(&first.m) != roles(&s.m) {
            return Err(refuse(format!(
                "{} and {} name other input files: not shards of one job",
                name0.display(),
                name.display()
            )));
        }
        for (x, y) in first.m.inputs.iter().zip(&s.m.inputs) {
            if !x.same_content(y) {
                return Err(refuse(format!(
                    "{} and {} read different {} inputs ({} vs {}: path, size or content hash \
                     differ): not shards of one job",
                    name0.display(),
                    name.display(),
                    x.role,
                    x.path.display(),
                    y.path.display()
                )));
            }
        }
        let key = |m: &Manifest| {
            m.units
                .iter()
                .map(|u| {
                    (
                        u.index,
                        u.dataset.clone(),
                        u.dataset_name.clone(),
                        u.trait_name.clone(),
                        u.gwas.clone(),
                    )
                })
                .collect::<Vec<_>>()
        };
        if key(&first.m) != key(&s.m) {
            return Err(refuse(format!(
                "{} and {} list other work units (datasets x traits): not shards of one job",
                name0.display(),
                name.display()
            )));
        }
    }
    // Regions × shard numbers: each (region, K) once, K = 1..N in every region.
    let mut regions: BTreeMap<BTreeMap<String, String>, Vec<usize>> = BTreeMap::new();
    for (i, s) in shards.iter().enumerate() {
        regions.entry(s.m.region.clone()).or_default().push(i);
    }
    for (region, members) in &regions {
        let n = shards[members[0]].m.shard.n;
        let mut ks: BTreeMap<usize, &Path> = BTreeMap::new();
        for &i in members {
            let s = &shards[i];
            if s.m.shard.n != n {
                return Err(refuse(format!(
                    "{} splits {} into {} shards, {} into {n}",
                    s.prefix.display(),
                    describe_region(region),
                    s.m.shard.n,
                    shards[members[0]].prefix.display()
                )));
            }
            if let Some(other) = ks.insert(s.m.shard.k, &s.prefix) {
                return Err(refuse(format!(
                    "shard {}/{n} of {} is given twice ({} and {})",
                    s.m.shard.k,
                    describe_region(region),
                    other.display(),
                    s.prefix.display()
                )));
            }
        }
        let missing: Vec<String> = (1..=n)
            .filter(|k| !ks.contains_key(k))
            .map(|k| format!("{k}/{n}"))
            .collect();
        if !missing.is_empty() {
            return Err(refuse(format!(
                "shard(s) {} of {} missing",
                missing.join(", "),
                describe_region(region)
            )));
        }
    }
    let genome_split = regions.len() > 1 || !regions.keys().next().is_some_and(|r| r.is_empty());
    let mut epi_index: Option<BTreeMap<Option<String>, EpiIndex>> = None;
    if genome_split {
        if regions.keys().any(|r| r.is_empty()) {
            return Err(refuse(
                "shards of the whole genome and of a region overlap (duplicated work)",
            ));
        }
        // Each dataset's .epi: its row order, and the chromosomes every region must cover.
        let mut index = BTreeMap::new();
        let mut chrs = BTreeSet::new();
        for name in first.m.units.iter().map(|u| u.dataset_name.clone()) {
            if let std::collections::btree_map::Entry::Vacant(e) = index.entry(name) {
                let (i, c) = read_epi_index(&first.m.inputs, e.key().as_deref())?;
                chrs.extend(c);
                e.insert(i);
            }
        }
        check_analysis_regions(&first.m, &regions)?;
        let chr_only = regions
            .keys()
            .all(|r| r.keys().all(|k| k == "--probe-chr" || k == "--snp-chr"));
        for r in regions.keys() {
            if let (Some(p), Some(s)) = (r.get("--probe-chr"), r.get("--snp-chr")) {
                if p != s {
                    return Err(refuse(format!(
                        "region {}: SNPs and probes on other chromosomes change the cis results",
                        describe_region(r)
                    )));
                }
            }
        }
        if chr_only {
            let mut covered: BTreeMap<String, usize> = BTreeMap::new();
            for r in regions.keys() {
                match region_chr(r) {
                    Some(c) => *covered.entry(c.to_string()).or_default() += 1,
                    None => {
                        return Err(refuse(format!(
                            "region {} selects SNPs only: probes would be tested twice",
                            describe_region(r)
                        )))
                    }
                }
            }
            if let Some((c, _)) = covered.iter().find(|(_, &n)| n > 1) {
                return Err(refuse(format!(
                    "chromosome {c} is covered by two regions (duplicated work)"
                )));
            }
            let missing: Vec<String> = chrs
                .iter()
                .map(|c| c.to_string())
                .filter(|c| !covered.contains_key(c))
                .collect();
            if !missing.is_empty() {
                return Err(refuse(format!(
                    "no shard covers chromosome(s) {} of the .epi",
                    missing.join(", ")
                )));
            }
        }
        epi_index = Some(index);
    }
    // Plan every output.
    let batch = first.m.batch;
    let mut plan: Vec<(PathBuf, Planned)> = Vec::new();
    let mut planned_suffixes: Vec<Vec<String>> = Vec::new();
    let mut suffixes_of_unit: Vec<String>;
    let mut units: Vec<Unit> = Vec::new();
    let mut region_left = Vec::new();
    for ju in &first.m.units {
        let prefix = crate::commands::datasets::unit_prefix(
            out,
            ju.dataset_name.as_deref(),
            batch,
            &ju.trait_name,
        );
        // The unit as each region's shard ran it.
        let ran: Vec<&Unit> = regions
            .values()
            .map(|members| {
                let s = members
                    .iter()
                    .map(|&i| &shards[i])
                    .find(|s| shard_of(ju.index, s.m.shard.n) == s.m.shard.k)
                    .expect("K = 1..N checked");
                &s.m.units[ju.index]
            })
            .collect();
        let mut u = ju.clone();
        u.out_prefix = prefix.clone();
        u.status = UnitStatus::Done;
        u.shard = 1;
        u.resumed = false;
        u.outputs.clear();
        u.wall_s = Some(ran.iter().filter_map(|r| r.wall_s).sum());
        u.probes = ran.iter().map(|r| r.probes).sum();
        u.probes_tested = ran.iter().map(|r| r.probes_tested).sum();
        u.snps_matched = if genome_split && regions.keys().any(|r| !r.contains_key("--snp-chr")) {
            None
        } else {
            ran.iter().map(|r| r.snps_matched).sum()
        };
        let add = |a: &mut BTreeMap<String, usize>, b: &BTreeMap<String, usize>| {
            for (k, v) in b {
                *a.entry(k.clone()).or_default() += v;
            }
        };
        u.probes_skipped.clear();
        u.heidi_na.clear();
        for r in &ran {
            add(&mut u.probes_skipped, &r.probes_skipped);
            add(&mut u.heidi_na, &r.heidi_na);
        }
        suffixes_of_unit = Vec::new();
        match &epi_index {
            None => {
                for f in &ran[0].outputs {
                    suffixes_of_unit.push(f.suffix.clone());
                    plan.push((
                        out_path(&prefix, &f.suffix),
                        Planned::Copy(out_path(&ran[0].out_prefix, &f.suffix)),
                    ));
                }
            }
            Some(indexes) => {
                let index = indexes
                    .get(&ju.dataset_name)
                    .ok_or_else(|| refuse("internal error: no .epi index for the dataset"))?;
                // Every file any region's run of the unit wrote, in suffix order.
                let all: BTreeSet<&str> = ran
                    .iter()
                    .flat_map(|r| r.outputs.iter().map(|f| f.suffix.as_str()))
                    .collect();
                for suffix in all {
                    let parts: Vec<Option<PathBuf>> = ran
                        .iter()
                        .map(|r| {
                            r.outputs
                                .iter()
                                .any(|f| f.suffix == suffix)
                                .then(|| out_path(&r.out_prefix, suffix))
                        })
                        .collect();
                    match layout_of(suffix) {
                        Some(layout) => {
                            let parts = parts
                                .into_iter()
                                .zip(&ran)
                                .map(|(p, r)| {
                                    p.ok_or_else(|| {
                                        refuse(format!(
                                            "unit {} ({}) of {} wrote no .{suffix}, the other \
                                             regions did",
                                            r.index,
                                            r.trait_name,
                                            r.out_prefix.display()
                                        ))
                                    })
                                })
                                .collect::<Result<Vec<_>>>()?;
                            plan.push((
                                out_path(&prefix, suffix),
                                Planned::Bytes(merge_rows(&parts, layout, index)?),
                            ));
                            suffixes_of_unit.push(suffix.to_string());
                        }
                        None => {
                            // A side file is merged only where every region wrote the same
                            // bytes (the unsharded run's, e.g. with --probe-chr regions);
                            // otherwise it describes its region and stays with its shard.
                            let present: Vec<&PathBuf> = parts.iter().flatten().collect();
                            if present.len() == parts.len() && same_bytes(&present)? {
                                plan.push((
                                    out_path(&prefix, suffix),
                                    Planned::Copy(present[0].clone()),
                                ));
                                suffixes_of_unit.push(suffix.to_string());
                            } else {
                                region_left.extend(present.into_iter().cloned());
                            }
                        }
                    }
                }
            }
        }
        units.push(u);
        planned_suffixes.push(std::mem::take(&mut suffixes_of_unit));
    }
    // Nothing is written over a shard's own file.
    for (to, _) in &plan {
        if shards.iter().any(|s| {
            s.m.units.iter().any(|u| {
                u.outputs
                    .iter()
                    .any(|f| out_path(&u.out_prefix, &f.suffix) == *to)
            })
        }) {
            return Err(refuse(format!(
                "{} is a shard's output; merge into a new --out prefix",
                to.display()
            )));
        }
    }
    crate::output::atomic::check_output_dir(out)?;
    // Write.
    for (to, what) in &plan {
        match what {
            Planned::Bytes(b) => write_atomic(to, b)?,
            Planned::Copy(from) => {
                let mut src = std::fs::File::open(from).map_err(|source| Error::Open {
                    path: from.clone(),
                    source,
                })?;
                let mut f = AtomicFile::create(to)?;
                let mut buf = vec![0u8; 1 << 20];
                loop {
                    let n = src.read(&mut buf).map_err(|e| Error::read(from, e))?;
                    if n == 0 {
                        break;
                    }
                    f.write_all(&buf[..n])?;
                }
                f.commit()?;
            }
        }
    }
    for (u, suffixes) in units.iter_mut().zip(&planned_suffixes) {
        u.outputs = suffixes
            .iter()
            .map(|s| OutputFile::of(&u.out_prefix, s))
            .collect::<Result<_>>()?;
    }
    let mut settings = first.m.settings.clone();
    settings.retain(|k, _| !REGION_FLAGS.contains(&k.as_str()));
    settings.insert("--out".into(), out.display().to_string());
    let merged = Manifest {
        format: FORMAT.into(),
        format_version: FORMAT_VERSION,
        kind: "merge".into(),
        fastsmr_version: env!("CARGO_PKG_VERSION").into(),
        command: command.to_vec(),
        status: RunStatus::Finished,
        error: None,
        started_unix,
        wall_s: started.elapsed().as_secs_f64(),
        peak_rss_kib: peak_rss_kib(),
        out: out.to_path_buf(),
        batch,
        settings,
        region: BTreeMap::new(),
        shard: ShardSpec { k: 1, n: 1 },
        inputs: first.m.inputs.clone(),
        units,
        merged_from: shards
            .iter()
            .map(|s| MergedShard {
                prefix: s.prefix.clone(),
                shard: s.m.shard,
                region: s.m.region.clone(),
            })
            .collect(),
    };
    merged.write(out)?;
    let mut report = format!(
        "fastsmr merge: {} shard(s), {} region(s), {} unit(s); {} file(s) written under {}",
        shards.len(),
        regions.len(),
        merged.units.len(),
        plan.len(),
        out.display()
    );
    if !region_left.is_empty() {
        report.push_str(&format!(
            "; the per-region side files ({} files, e.g. {}) stay with their shards \
             (data-spec/shards.md §3)",
            region_left.len(),
            region_left[0].display()
        ));
    }
    Ok(report)
}
