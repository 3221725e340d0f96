//! `--trans`: trans-SMR of each trait ([`crate::analyses::trans`]), with the reference's
//! window flags read in command-line order (oracle-notes Q14, data-spec/trans.md §1).

use super::smr::{log_unusable, progress_label, Trait};
use crate::analyses::trans::{Trans, TransSettings};
use crate::cli::Cli;
use crate::config::{out_path, Config};
use crate::engine::{self, Plan, TableSink, Tally};
use crate::error::{Error, Result};
use crate::io::text::MAX_BP;
use crate::log::RunLog;
use crate::output::smr::TransTable;

/// Cis window excluded by `--trans` unless `--cis-wind` is given, in kb.
pub const TRANS_CIS_WINDOW_KB: i64 = 5000;

/// The trans settings of a command line. `args` are the raw arguments (program name first):
/// `--trans` sets the cis window to 5000 kb unless `--cis-wind` came before it; `--cis-wind`
/// after it sets the cis window; `--smr-wind` sets the cis window before `--trans` (then lost
/// to the reset) and the trans window after it (the reference's parse order, Q14).
pub fn resolve(cli: &Cli, cfg: &Config, args: &[String]) -> Result<TransSettings> {
    let t = &cli.trans;
    let mut cis_kb = cfg.cis_window_bp / 1000;
    let mut trans_kb = t.trans_wind;
    let mut cis_given = false;
    let mut seen_trans = false;
    let mut i = 1;
    while i < args.len() {
        let a = args[i].as_str();
        let (flag, inline) = match a.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f, Some(v)),
            _ => (a, None),
        };
        let mut value = || -> Option<i64> {
            match inline {
                Some(v) => v.parse().ok(),
                None => {
                    i += 1;
                    args.get(i).and_then(|v| v.parse().ok())
                }
            }
        };
        match flag {
            "--cis-wind" => {
                cis_kb = value().unwrap_or(cis_kb);
                cis_given = true;
            }
            "--smr-wind" if seen_trans => trans_kb = value().unwrap_or(trans_kb),
            "--smr-wind" => cis_kb = value().unwrap_or(cis_kb),
            "--trans-wind" => trans_kb = value().unwrap_or(trans_kb),
            "--trans" => {
                seen_trans = true;
                if !cis_given {
                    cis_kb = TRANS_CIS_WINDOW_KB;
                }
            }
            _ => {}
        }
        i += 1;
    }
    let bp = |kb: i64, flag: &str| {
        kb.checked_mul(1000)
            .filter(|&w| (0..=MAX_BP).contains(&w))
            .ok_or_else(|| {
                Error::Config(format!(
                    "{flag} {kb} kb: expected 0 to {} kb",
                    MAX_BP / 1000
                ))
            })
    };
    if !(t.peqtl_trans > 0.0 && t.peqtl_trans <= 1.0) {
        return Err(Error::Config(format!(
            "--peqtl-trans {}: expected a p-value in (0, 1]",
            t.peqtl_trans
        )));
    }
    if cfg.target_snp.is_some() {
        return Err(Error::Config(
            "--target-snp with --trans is an SMR 1.3.1 option combination fastsmr does not \
             implement"
                .into(),
        ));
    }
    Ok(TransSettings {
        cis_window_bp: bp(cis_kb, "--cis-wind")?,
        trans_window_bp: bp(trans_kb, "--trans-wind")?,
        p_trans: t.peqtl_trans,
    })
}

/// Trans-SMR of one harmonised trait: every probe through the engine, `<out>.smr` with one
/// row per trans region.
pub(super) fn test_trans(
    t: &Trait<'_>,
    settings: &TransSettings,
    log: &mut RunLog,
) -> Result<Tally> {
    let Trait {
        cfg,
        eqtl,
        gwas_path,
        out,
        snps,
        ld,
        ..
    } = *t;
    super::multi::warn_overlap_not_applied(cfg, "--trans", log);
    let analysis = Trans::new(cfg, *settings, snps, &eqtl.esi, ld);
    let plan = Plan {
        probes: &eqtl.probes,
        snp_filter: None,
    };
    log.info(format!(
        "Trans-SMR of {} probes with {} thread(s) (cis window {} kb excluded, trans window {} kb, \
         --peqtl-trans {:e}, --peqtl-smr {:e}{})",
        plan.probes.len(),
        cfg.threads,
        settings.cis_window_bp / 1000,
        settings.trans_window_bp / 1000,
        settings.p_trans,
        cfg.peqtl_smr,
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
    let table = TransTable {
        epi: &eqtl.epi,
        esi: &eqtl.esi,
        snps,
        heidi: cfg.heidi,
    };
    let mut sink = TableSink::new(table, out_path(out, "smr"), outcomes.probes.len());
    let tally = engine::drain(&outcomes, &mut sink);
    let path = sink.finish()?;
    log.info(format!(
        "{} trans regions tested; results saved in {}",
        tally.rows,
        path.display()
    ));
    engine::log_tally(log, &tally, "p_HEIDI NA");
    Ok(tally)
}
