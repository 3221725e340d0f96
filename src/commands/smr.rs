//! `fastsmr` SMR analyses (the reference's `--smr`, the default): the data loaded once, then
//! each trait harmonised and its probes run through the engine with the analysis the flags
//! choose; with several traits, `<out>.<name>.smr` per trait.

use super::multi::{test_multi, LoadedMulti, MultiPlan};
use super::trans::test_trans;
use crate::analyses::cis::{Cis, Target};
use crate::analyses::trans::TransSettings;
use crate::cli::Cli;
use crate::config::{out_path, Config};
use crate::data::{EqtlData, IdLists, LdReference};
use crate::engine::{self, Inputs, Plan, TableSink, Tally};
use crate::error::{Error, Result};
use crate::harmonise::report::prepare_report;
use crate::harmonise::{harmonise_trait, Harmonised, SnpTable};
use crate::ld::LdSource;
use crate::log::RunLog;
use crate::output::extra_columns::{log_heidi_scale, ExtraTable};
use crate::output::smr::CisTable;
use std::path::Path;

/// Run the cis SMR analysis described by `cfg`, writing `<out>.smr` (and side files); with
/// several traits (`cfg.batch`), `<out>.<name>.smr` per trait, see [`run_batch`].
///
/// In a batch, a trait that fails (unreadable file, frequency-check stop, no common SNP) is
/// reported and the others still run; the result is then an error naming the failed traits.
pub fn run(cfg: &Config, analysis: &SmrAnalysis, log: &mut RunLog) -> Result<Tally> {
    // --extract-snp / --exclude-snp filter both sides: read them once.
    let snp_lists = IdLists::snps(cfg)?;
    let (eqtl, reference) = crate::data::load_both(cfg, &snp_lists, None, log)?;
    let analysis = &analysis.load(log)?;
    if !cfg.batch {
        return run_trait(
            cfg,
            analysis,
            &eqtl,
            reference.as_ref(),
            &cfg.gwas,
            &cfg.out,
            log,
        );
    }
    let outcomes = run_batch(cfg, analysis, &eqtl, reference.as_ref(), log);
    let mut total = Tally::default();
    let mut failed = Vec::new();
    for (name, o) in &outcomes {
        match o {
            Ok(s) => total.add(s),
            Err(e) => failed.push(format!("{name} ({e})")),
        }
    }
    log.info(format!(
        "batch: {} of {} traits completed",
        outcomes.len() - failed.len(),
        outcomes.len()
    ));
    if failed.is_empty() {
        Ok(total)
    } else {
        Err(Error::Analysis(format!(
            "{} of {} traits failed: {}",
            failed.len(),
            outcomes.len(),
            failed.join("; ")
        )))
    }
}

/// Output prefix of one trait in a batch: `<out>.<name>`.
pub fn trait_out(out: &Path, name: &str) -> std::path::PathBuf {
    out_path(out, name)
}

/// Run every trait of `cfg.traits` against data loaded once, each writing
/// `<out>.<name>.smr` (and `<out>.<name>.snp_failed_freq_ck.list`) exactly as a single-trait
/// run with `--out <out>.<name>` would. Returns each trait's outcome, in order.
pub fn run_batch(
    cfg: &Config,
    analysis: &Loaded,
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    log: &mut RunLog,
) -> Vec<(String, Result<Tally>)> {
    let n = cfg.traits.len();
    let mut out = Vec::with_capacity(n);
    let plan = cfg
        .traits
        .iter()
        .map(|t| (t.path.clone(), trait_out(&cfg.out, &t.name)))
        .collect();
    let group = super::batch::group_size(cfg);
    let mut runner = super::batch::TraitRunner::new(cfg, analysis, eqtl, reference, plan, group);
    for (i, t) in cfg.traits.iter().enumerate() {
        log.info(format!(
            "==== trait {} ({}/{n}): {} ====",
            t.name,
            i + 1,
            t.path.display()
        ));
        let started = std::time::Instant::now();
        let r = runner.run(i, log);
        match &r {
            Ok(_) => log.info(format!(
                "trait {} done in {:.2} s",
                t.name,
                started.elapsed().as_secs_f64()
            )),
            Err(e) => log.info(format!("trait {} FAILED: {e}", t.name)),
        }
        out.push((t.name.clone(), r));
        release_free_heap();
    }
    out
}

/// Give the allocator's free memory back to the OS between the traits of a batch: the
/// megabyte-sized chunk tables of a trait's parse are freed into per-thread heaps, where they
/// would stay resident under the next trait's peak (glibc only; elsewhere a no-op).
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free heap pages to the OS; it takes no pointer and
    // may be called at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// Run one trait against eQTL data and an LD reference already loaded: harmonise, test every
/// probe, write `<out>.smr` (and the harmonisation report, written on its own thread while
/// the probes are tested: most of it is the flipped rows, millions at genome scale, and
/// writing them waits on the disk).
pub fn run_trait(
    cfg: &Config,
    analysis: &Loaded,
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
) -> Result<Tally> {
    let esi = &eqtl.esi;
    let Harmonised {
        gwas,
        matched,
        geno,
        mut report,
    } = harmonise_trait(cfg, eqtl, reference, gwas_path, out, log)?;
    let job = prepare_report(
        &mut report,
        esi,
        reference,
        &gwas,
        &matched,
        out,
        cfg.harmonise_report,
        log,
    );
    std::thread::scope(|sc| {
        let writer = sc.spawn(|| job.write(esi));
        let n_matched;
        let tested = {
            let snps = SnpTable::build(esi, gwas, &matched);
            n_matched = snps.esi.len();
            drop(matched);
            let ld = geno.as_ref().map(|g| g as &dyn LdSource);
            let t = Trait {
                cfg,
                eqtl,
                reference,
                gwas_path,
                out,
                snps: &snps,
                ld,
            };
            match analysis {
                Loaded::Cis => test_cis(&t, log),
                Loaded::Multi(m) => test_multi(&t, m, log),
                Loaded::Trans(s) => test_trans(&t, s, log),
            }
        };
        let written = writer.join().unwrap_or_else(|_| {
            Err(Error::Analysis(
                "the harmonisation report writer stopped unexpectedly".into(),
            ))
        });
        let mut summary = tested?;
        written?;
        summary.probes = eqtl.probes.len();
        summary.snps_matched = n_matched;
        Ok(summary)
    })
}

/// One harmonised trait, ready for its analysis.
pub(super) struct Trait<'a> {
    pub(super) cfg: &'a Config,
    pub(super) eqtl: &'a EqtlData,
    pub(super) reference: Option<&'a LdReference>,
    pub(super) gwas_path: &'a Path,
    pub(super) out: &'a Path,
    pub(super) snps: &'a SnpTable,
    pub(super) ld: Option<&'a dyn LdSource>,
}

impl Trait<'_> {
    pub(super) fn inputs(&self) -> Inputs<'_> {
        Inputs {
            snps: self.snps,
            besd: &self.eqtl.besd,
            epi: &self.eqtl.epi,
            bed: self.reference.map(|r| &r.bed),
        }
    }
}

/// The cis analysis of one harmonised trait: every probe through the engine, `<out>.smr`.
fn test_cis(t: &Trait<'_>, log: &mut RunLog) -> Result<Tally> {
    let analysis = cis_of(t)?;
    log_testing(t.cfg, t.eqtl.probes.len(), log);
    let plan = Plan {
        probes: &t.eqtl.probes,
        snp_filter: None,
    };
    let outcomes = engine::run(
        &analysis,
        &t.inputs(),
        &plan,
        progress_label(t.cfg, t.gwas_path),
        log,
    )?;
    write_cis(t, &analysis, &outcomes, log)
}

/// The cis analysis of one harmonised trait (its instrument rule from the flags).
pub(super) fn cis_of<'a>(t: &Trait<'a>) -> Result<Cis<'a>> {
    let Trait {
        cfg,
        eqtl,
        snps,
        ld,
        ..
    } = *t;
    let esi = &eqtl.esi;
    let target = match &cfg.target_snp {
        Some(rs) => match snps.find(esi, rs) {
            Some(k) => Target::Every(k),
            None => {
                return Err(Error::Analysis(format!(
                    "--target-snp {rs} is not among the SNPs common to all inputs"
                )))
            }
        },
        None => Target::None,
    };
    Ok(match &eqtl.pairs {
        Some(list) => Cis::new(cfg, snps, esi, ld, target).with_pairs(list),
        None => Cis::new(cfg, snps, esi, ld, target),
    })
}

/// Log the start of a cis probe loop.
pub(super) fn log_testing(cfg: &Config, probes: usize, log: &mut RunLog) {
    log.info(format!(
        "Testing {probes} probes with {} thread(s) (cis window {} kb, --peqtl-smr {:e}{})",
        cfg.threads,
        cfg.cis_window_bp / 1000,
        cfg.peqtl_smr,
        if cfg.heidi { "" } else { ", HEIDI off" }
    ));
}

/// Write the cis outcomes of one trait: `<out>.smr` (and the extended table), log counts.
pub(super) fn write_cis(
    t: &Trait<'_>,
    analysis: &Cis<'_>,
    outcomes: &engine::Outcomes<crate::analyses::cis::CisRow>,
    log: &mut RunLog,
) -> Result<Tally> {
    let Trait {
        cfg,
        eqtl,
        out,
        snps,
        ..
    } = *t;
    let esi = &eqtl.esi;
    log_unusable(log, eqtl, outcomes.unusable_entries);
    let table = || CisTable {
        epi: &eqtl.epi,
        esi,
        snps,
        target: analysis.has_target(),
        heidi: cfg.heidi,
    };
    let n = outcomes.probes.len();
    let mut sink = TableSink::new(table(), out_path(out, "smr"), n);
    let tally = if cfg.extras.smr_extra_columns {
        // data-spec/smr-output.md §extensions: the extended table next to the `.smr`.
        let extra = TableSink::new(ExtraTable::new(table()), out_path(out, "smr.extra"), n);
        let mut both = (sink, extra);
        let tally = engine::drain(outcomes, &mut both);
        let path = both.1.finish()?;
        log.info(format!("extended table saved in {}", path.display()));
        sink = both.0;
        tally
    } else {
        engine::drain(outcomes, &mut sink)
    };
    log_heidi_scale(
        log,
        outcomes.probes.iter().flat_map(|(_, o)| o.rows()),
        cfg.extras.heidi_scale_free,
    );
    let path = sink.finish()?;
    log.info(format!(
        "{} probes tested; results saved in {}",
        tally.rows,
        path.display()
    ));
    engine::log_tally(log, &tally, "p_HEIDI NA");
    Ok(tally)
}

/// The progress bar's label: the trait's file name in a batch.
pub(super) fn progress_label(cfg: &Config, gwas_path: &Path) -> String {
    match gwas_path.file_name() {
        Some(n) if cfg.batch => format!("probes [{}]", n.to_string_lossy()),
        _ => "probes".to_string(),
    }
}

/// Warn about stored eQTL values skipped as unusable (see [`engine::usable_entry`]).
pub(super) fn log_unusable(log: &mut RunLog, eqtl: &EqtlData, unusable: usize) {
    if unusable > 0 {
        log.info(format!(
            "  warning: {}: {unusable} stored eQTL values skipped (se <= 0, or beta or se not finite)",
            eqtl.besd.path().display()
        ));
    }
}

/// Which SMR analysis a run does (resolved from the flags).
#[derive(Debug, Clone, PartialEq)]
pub enum SmrAnalysis {
    /// Cis SMR + HEIDI (the default, `--smr`).
    Cis,
    /// Multi-SNP SMR (`--smr-multi`).
    Multi(MultiPlan),
    /// Trans-SMR (`--trans`).
    Trans(TransSettings),
}

impl SmrAnalysis {
    /// The analysis the flags ask for (`args`: the raw command line, whose order matters
    /// for `--trans`). As in the reference, `--smr-multi` wins over `--trans`.
    pub fn resolve(cli: &Cli, cfg: &Config, args: &[String]) -> Result<Self> {
        if cli.multi.smr_multi {
            if let Some(p) = &cfg.filters.pairs {
                return Err(Error::Config(format!(
                    "{} is not applied by --smr-multi (cis SMR only)",
                    p.kind.flag()
                )));
            }
            return Ok(SmrAnalysis::Multi(MultiPlan::resolve(cli, cfg)?));
        }
        if cli.trans.trans {
            return Ok(SmrAnalysis::Trans(super::trans::resolve(cli, cfg, args)?));
        }
        for (given, flag) in [
            (cli.multi.set_wind.is_some(), "--set-wind"),
            (cli.multi.set_list.is_some(), "--set-list"),
            (cli.multi.gene_list.is_some(), "--gene-list"),
        ] {
            if given {
                return Err(Error::Config(format!("{flag} needs --smr-multi")));
            }
        }
        Ok(SmrAnalysis::Cis)
    }

    /// Read what the analysis needs beyond the common inputs (set and gene lists).
    pub fn load(&self, log: &mut RunLog) -> Result<Loaded> {
        Ok(match self {
            SmrAnalysis::Cis => Loaded::Cis,
            SmrAnalysis::Multi(m) => Loaded::Multi(m.load(log)?),
            SmrAnalysis::Trans(s) => Loaded::Trans(*s),
        })
    }
}

/// A [`SmrAnalysis`] with its own inputs read.
pub enum Loaded {
    /// Cis SMR.
    Cis,
    /// Multi-SNP SMR.
    Multi(LoadedMulti),
    /// Trans-SMR.
    Trans(TransSettings),
}
