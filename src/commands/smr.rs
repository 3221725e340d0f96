//! `fastsmr` SMR analyses (the reference's `--smr`, the default): the data loaded once, then
//! each trait harmonised and its probes run through the engine with the analysis the flags
//! choose; with several traits, `<out>.<name>.smr` per trait.

use crate::analyses::cis::Cis;
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
pub fn run(cfg: &Config, log: &mut RunLog) -> Result<Tally> {
    // --extract-snp / --exclude-snp filter both sides: read them once.
    let snp_lists = IdLists::snps(cfg)?;
    let eqtl = EqtlData::load(cfg, &snp_lists, log)?;
    let reference = LdReference::load(cfg, &eqtl, &snp_lists, log)?;
    if !cfg.batch {
        return run_trait(cfg, &eqtl, reference.as_ref(), &cfg.gwas, &cfg.out, log);
    }
    let outcomes = run_batch(cfg, &eqtl, reference.as_ref(), log);
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
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    log: &mut RunLog,
) -> Vec<(String, Result<Tally>)> {
    let n = cfg.traits.len();
    let mut out = Vec::with_capacity(n);
    for (i, t) in cfg.traits.iter().enumerate() {
        log.info(format!(
            "==== trait {} ({}/{n}): {} ====",
            t.name,
            i + 1,
            t.path.display()
        ));
        let started = std::time::Instant::now();
        let r = run_trait(
            cfg,
            eqtl,
            reference,
            &t.path,
            &trait_out(&cfg.out, &t.name),
            log,
        );
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
    let job = prepare_report(&mut report, esi, reference, &gwas, &matched, out, log);
    std::thread::scope(|sc| {
        let writer = sc.spawn(|| job.write(esi));
        let tested = {
            let snps = SnpTable::build(esi, gwas, &matched);
            drop(matched);
            let ld = geno.as_ref().map(|g| g as &dyn LdSource);
            test_cis(cfg, eqtl, reference, gwas_path, out, log, &snps, ld)
        };
        let written = writer.join().unwrap_or_else(|_| {
            Err(Error::Analysis(
                "the harmonisation report writer stopped unexpectedly".into(),
            ))
        });
        let summary = tested?;
        written?;
        Ok(summary)
    })
}

/// The cis analysis of one harmonised trait: every probe through the engine, `<out>.smr`.
#[allow(clippy::too_many_arguments)]
fn test_cis(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
    snps: &SnpTable,
    ld: Option<&dyn LdSource>,
) -> Result<Tally> {
    let esi = &eqtl.esi;
    let target = match &cfg.target_snp {
        Some(rs) => match snps.find(esi, rs) {
            Some(k) => Some(k),
            None => {
                return Err(Error::Analysis(format!(
                    "--target-snp {rs} is not among the SNPs common to all inputs"
                )))
            }
        },
        None => None,
    };
    let analysis = Cis::new(cfg, snps, esi, ld, target);
    let plan = Plan {
        probes: &eqtl.probes,
        snp_filter: None,
    };
    log.info(format!(
        "Testing {} probes with {} thread(s) (cis window {} kb, --peqtl-smr {:e}{})",
        plan.probes.len(),
        cfg.threads,
        cfg.cis_window_bp / 1000,
        cfg.peqtl_smr,
        if cfg.heidi { "" } else { ", HEIDI off" }
    ));
    let inputs = Inputs {
        snps,
        besd: &eqtl.besd,
        epi: &eqtl.epi,
        bed: reference.map(|r| &r.bed),
    };
    let outcomes = engine::run(
        &analysis,
        &inputs,
        &plan,
        progress_label(cfg, gwas_path),
        log,
    )?;
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
        let tally = engine::drain(&outcomes, &mut both);
        let path = both.1.finish()?;
        log.info(format!("extended table saved in {}", path.display()));
        sink = both.0;
        tally
    } else {
        engine::drain(&outcomes, &mut sink)
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
fn progress_label(cfg: &Config, gwas_path: &Path) -> String {
    match gwas_path.file_name() {
        Some(n) if cfg.batch => format!("probes [{}]", n.to_string_lossy()),
        _ => "probes".to_string(),
    }
}

/// Warn about stored eQTL values skipped as unusable (see [`engine::usable_entry`]).
fn log_unusable(log: &mut RunLog, eqtl: &EqtlData, unusable: usize) {
    if unusable > 0 {
        log.info(format!(
            "  warning: {}: {unusable} stored eQTL values skipped (se <= 0, or beta or se not finite)",
            eqtl.besd.path().display()
        ));
    }
}
