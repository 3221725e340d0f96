//! The command layer: one file per command. [`Mode`] is what the flags ask for, resolved from
//! the reference's flat command line; [`run`] dispatches to the command's `run`.

pub mod batch;
pub mod datasets;
pub mod multi;
pub mod omics;
pub mod smr;
pub mod trans;
pub mod unpack_besd;

use crate::cli::Cli;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::log::RunLog;
use crate::shard::ScaleSettings;
use smr::SmrAnalysis;

/// What a run does.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// SMR analyses, one or several traits: which analysis.
    Smr(SmrAnalysis),
    /// `--unpack-besd`: convert the eQTL input into a plain BESD.
    UnpackBesd,
    /// `--plot`: the data file of SMR's locus/effect plot.
    Plot,
}

impl Mode {
    /// The mode the flags ask for (`cfg` is their validated common part); a bad
    /// combination is a usage error ([`Error::Config`]).
    /// `args` is the raw command line (program name first).
    pub fn resolve(cli: &Cli, cfg: &Config, args: &[String]) -> Result<Mode> {
        datasets::check_mode(cfg)?;
        if cfg.unpack_besd {
            if cli.multi.smr_multi {
                return Err(Error::Config(
                    "--smr-multi cannot be combined with --unpack-besd".into(),
                ));
            }
            return Ok(Mode::UnpackBesd);
        }
        if cfg.plot.is_some() {
            return Ok(Mode::Plot);
        }
        Ok(Mode::Smr(SmrAnalysis::resolve(cli, cfg, args)?))
    }
}

/// Run `mode` with the settings `cfg` on one thread pool of `--thread-num` threads, built
/// here for the whole run.
///
/// SMR analyses run through [`crate::shard::run`]: this shard's work units (`--shard`,
/// `--resume`), each recorded in `<out>.manifest.json`; `command` is the command line for it.
pub fn run(
    mode: &Mode,
    cfg: &Config,
    scale: &ScaleSettings,
    command: &[String],
    log: &mut RunLog,
) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", cfg.threads)))?;
    pool.install(|| match mode {
        Mode::UnpackBesd => unpack_besd::run(cfg, log),
        Mode::Plot => {
            cfg.check_inputs_readable()?;
            crate::analyses::plot::run(cfg, log)
        }
        Mode::Smr(analysis) => {
            cfg.check_inputs_readable()?;
            crate::shard::run(cfg, analysis, scale, command, log)
        }
    })
}
