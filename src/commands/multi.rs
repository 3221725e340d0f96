//! `--smr-multi`: multi-SNP SMR of each trait ([`crate::analyses::multi`]), over the cis
//! regions or the sets of `--set-list` / the regions of `--gene-list`.

use super::smr::{log_unusable, progress_label, Trait};
use crate::analyses::multi::{Multi, MultiSettings, Regions};
use crate::cli::Cli;
use crate::config::{out_path, Config};
use crate::data::sets::{read_gene_list, read_set_list, GeneRegion, SnpSet};
use crate::engine::{self, Plan, TableSink, Tally};
use crate::error::{Error, Result};
use crate::log::RunLog;
use crate::output::msmr::{MsmrTable, MultiNames, RegionTable, SnpListTable};
use crate::types::{Bp, Chrom};
use rustc_hash::FxHashMap;
use std::path::PathBuf;

/// Validated multi-SNP settings and the list files to read.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiPlan {
    /// Window and pruning settings.
    pub settings: MultiSettings,
    /// `--set-list`.
    pub set_list: Option<PathBuf>,
    /// `--gene-list`.
    pub gene_list: Option<PathBuf>,
}

/// The `--set-list` / `--gene-list` contents.
pub enum LoadedMulti {
    /// Cis regions.
    Cis(MultiSettings),
    /// Sets (each resolved per trait: its region is the span of its matched SNPs).
    Sets(MultiSettings, PathBuf, Vec<SnpSet>),
    /// Gene regions.
    Genes(MultiSettings, PathBuf, Vec<GeneRegion>),
}

impl MultiPlan {
    /// Check the multi-SNP flags.
    pub fn resolve(cli: &Cli, cfg: &Config) -> Result<Self> {
        let m = &cli.multi;
        if cfg.target_snp.is_some() {
            return Err(Error::Config(
                "--target-snp with --smr-multi is an SMR 1.3.1 option combination fastsmr does \
                 not implement"
                    .into(),
            ));
        }
        let set_window_bp = match m.set_wind {
            // -9 is the reference's "off".
            None => None,
            Some(-9.0) => None,
            Some(w) if w > 0.0 && w * 1000.0 <= crate::io::text::MAX_BP as f64 => {
                Some((w * 1000.0) as Bp)
            }
            Some(w) => {
                return Err(Error::Config(format!(
                    "--set-wind {w}: expected a window in kb greater than 0"
                )))
            }
        };
        if !(0.0..=1.0).contains(&m.ld_multi_snp) {
            return Err(Error::Config(format!(
                "--ld-multi-snp {}: expected an r² between 0 and 1",
                m.ld_multi_snp
            )));
        }
        Ok(MultiPlan {
            settings: MultiSettings {
                set_window_bp,
                ld_multi_r2: m.ld_multi_snp,
            },
            set_list: m.set_list.clone(),
            gene_list: m.gene_list.clone(),
        })
    }

    /// Read the set or gene list.
    pub fn load(&self, log: &mut RunLog) -> Result<LoadedMulti> {
        let s = self.settings;
        if let Some(p) = &self.set_list {
            let sets = read_set_list(p)?;
            log.info(format!("{} SNP sets read from {}", sets.len(), p.display()));
            return Ok(LoadedMulti::Sets(s, p.clone(), sets));
        }
        if let Some(p) = &self.gene_list {
            let genes = read_gene_list(p)?;
            log.info(format!(
                "{} gene regions read from {}",
                genes.len(),
                p.display()
            ));
            return Ok(LoadedMulti::Genes(s, p.clone(), genes));
        }
        Ok(LoadedMulti::Cis(s))
    }
}

/// A planned region: its span and, for a set, its matched SNPs.
type NamedRegion = ((Chrom, Bp, Bp), Vec<u32>);

/// A named region of `--set-list`/`--gene-list`, resolved to a probe.
struct Named<'a> {
    name: &'a str,
    line: u64,
    region: Option<(Chrom, Bp, Bp)>,
    /// Matched SNPs of a set (compact indexes, unique, in the set's order).
    snps: Vec<u32>,
}

/// Multi-SNP SMR of one harmonised trait.
pub(super) fn test_multi(t: &Trait<'_>, m: &LoadedMulti, log: &mut RunLog) -> Result<Tally> {
    let Trait {
        cfg,
        eqtl,
        gwas_path,
        out,
        snps,
        ..
    } = *t;
    let ld =
        t.ld.ok_or_else(|| Error::Analysis("multi-SNP SMR needs the LD reference".into()))?;
    let esi = &eqtl.esi;
    let (settings, probes, regions) = match m {
        LoadedMulti::Cis(s) => (*s, eqtl.probes.clone(), Regions::Cis),
        LoadedMulti::Sets(s, path, sets) => {
            // Set SNPs matched in this trait (others dropped): the region is their span.
            let compact: FxHashMap<&str, usize> = (0..snps.len())
                .map(|k| (esi.snp(snps.esi[k] as usize), k))
                .collect();
            let mut named = Vec::with_capacity(sets.len());
            for set in sets {
                let mut seen = rustc_hash::FxHashSet::default();
                let ks: Vec<usize> = set
                    .snps
                    .iter()
                    .filter_map(|id| compact.get(id.as_str()).copied())
                    .filter(|&k| seen.insert(k))
                    .collect();
                let mut region: Option<(Chrom, Bp, Bp)> = None;
                for &k in &ks {
                    let (c, bp) = (snps.chr[k], snps.bp[k]);
                    region = match region {
                        None => Some((c, bp, bp)),
                        Some((c0, lo, hi)) if c0 == c => Some((c0, lo.min(bp), hi.max(bp))),
                        Some(_) => {
                            return Err(Error::parse(
                                path,
                                set.line,
                                format!(
                                    "set {} has SNPs on several chromosomes: expected one",
                                    set.name
                                ),
                            ))
                        }
                    };
                }
                named.push(Named {
                    name: &set.name,
                    line: set.line,
                    region,
                    snps: ks.iter().map(|&k| k as u32).collect(),
                });
            }
            let (probes, regions) = plan_named(eqtl, path, named, "set", log)?;
            (*s, probes, Regions::Sets(regions))
        }
        LoadedMulti::Genes(s, path, genes) => {
            let named: Vec<Named> = genes
                .iter()
                .map(|g| Named {
                    name: &g.name,
                    line: g.line,
                    region: Some((g.chr, g.start_bp, g.end_bp)),
                    snps: Vec::new(),
                })
                .collect();
            let (probes, regions) = plan_named(eqtl, path, named, "gene", log)?;
            let regions = regions.into_iter().map(|(r, _)| r).collect();
            (*s, probes, Regions::Genes(regions))
        }
    };
    warn_overlap_not_applied(cfg, "--smr-multi", log);
    let analysis = Multi::new(cfg, settings, snps, ld, regions);
    let plan = Plan {
        probes: &probes,
        snp_filter: None,
    };
    log.info(format!(
        "Multi-SNP SMR of {} probes with {} thread(s) (--peqtl-smr {:e}, --ld-multi-snp {}{})",
        probes.len(),
        cfg.threads,
        cfg.peqtl_smr,
        settings.ld_multi_r2,
        if cfg.heidi { "" } else { ", HEIDI off" }
    ));
    let outcomes = engine::run(
        &analysis,
        &t.inputs(),
        &plan,
        progress_label(cfg, gwas_path),
        log,
    )?;
    log_unusable(log, eqtl, outcomes.unusable_entries);
    let names = MultiNames {
        epi: &eqtl.epi,
        esi,
        snps,
        heidi: cfg.heidi,
    };
    let n = outcomes.probes.len();
    let mut sinks = (
        TableSink::new(MsmrTable(names), out_path(out, "msmr"), n),
        TableSink::new(SnpListTable(names), out_path(out, "snps4msmr.list"), n),
        TableSink::new(RegionTable(names), out_path(out, "prbregion4msmr.list"), n),
    );
    let tally = engine::drain(&outcomes, &mut sinks);
    let (msmr, list, region) = sinks;
    let path = msmr.finish()?;
    list.finish()?;
    region.finish()?;
    log.info(format!(
        "{} probes tested; results saved in {} (SNPs in .snps4msmr.list, regions in \
         .prbregion4msmr.list)",
        tally.rows,
        path.display()
    ));
    engine::log_tally(log, &tally, "p_HEIDI NA");
    Ok(tally)
}

/// `--sample-overlap` is not applied by `analysis` (as in the reference, algorithm-2 §22, which
/// applies it to cis SMR, SMR between two xQTL datasets and `--plot` only): say so in the log.
pub(super) fn warn_overlap_not_applied(cfg: &Config, analysis: &str, log: &mut RunLog) {
    if cfg.sample_overlap.is_some() {
        log.info(format!(
            "  warning: --sample-overlap is not applied by {analysis} (SMR 1.3.1 applies it to \
             cis SMR, SMR between two xQTL datasets and --plot only): rows are uncorrected"
        ));
    }
}

/// The plan of `--set-list`/`--gene-list`: each entry naming a kept probe, in file order,
/// with its region. An entry naming no probe, or with no SNP, is skipped with a message; a
/// region on another chromosome than its probe is an error; so is a list naming no probe.
fn plan_named(
    eqtl: &crate::data::EqtlData,
    path: &std::path::Path,
    named: Vec<Named<'_>>,
    what: &str,
    log: &mut RunLog,
) -> Result<(Vec<usize>, Vec<NamedRegion>)> {
    let by_id: FxHashMap<&str, usize> = eqtl
        .probes
        .iter()
        .map(|&p| (eqtl.epi[p].probe.as_str(), p))
        .collect();
    let mut probes = Vec::new();
    let mut regions = Vec::new();
    let mut found = 0;
    for n in named {
        let Some(&p) = by_id.get(n.name) else {
            log.info(format!(
                "  {what} {} ({}, line {}): no such probe among the kept probes; skipped",
                n.name,
                path.display(),
                n.line
            ));
            continue;
        };
        found += 1;
        let Some(region) = n.region else {
            log.info(format!(
                "  {what} {}: none of its SNPs is among the SNPs common to all inputs; skipped",
                n.name
            ));
            continue;
        };
        if region.0 != eqtl.epi[p].chr {
            return Err(Error::parse(
                path,
                n.line,
                format!(
                    "{what} {} is on chromosome {} but probe {} is on chromosome {}",
                    n.name, region.0, n.name, eqtl.epi[p].chr
                ),
            ));
        }
        probes.push(p);
        regions.push((region, n.snps));
    }
    if found == 0 {
        return Err(Error::format(
            path,
            format!("no {what} names a probe of the eQTL data (names must be probe IDs)"),
        ));
    }
    Ok((probes, regions))
}
