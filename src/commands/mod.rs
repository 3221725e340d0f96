//! The command layer: one file per command. [`Mode`] is what the flags ask for, resolved from
//! the reference's flat command line; [`run`] dispatches to the command's `run`.

pub mod multi;
pub mod omics;
pub mod smr;
pub mod unpack_besd;

use crate::cli::Cli;
use crate::config::Config;
use crate::error::{Error, Result};
use crate::log::RunLog;
use smr::SmrAnalysis;

/// What a run does.
#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// SMR analyses, one or several traits: which analysis.
    Smr(SmrAnalysis),
    /// `--unpack-besd`: convert the eQTL input into a plain BESD.
    UnpackBesd,
}

impl Mode {
    /// The mode the flags ask for (`cfg` is their validated common part); a bad
    /// combination is a usage error ([`Error::Config`]).
    pub fn resolve(cli: &Cli, cfg: &Config) -> Result<Mode> {
        if cfg.unpack_besd {
            if cli.multi.smr_multi {
                return Err(Error::Config(
                    "--smr-multi cannot be combined with --unpack-besd".into(),
                ));
            }
            return Ok(Mode::UnpackBesd);
        }
        Ok(Mode::Smr(SmrAnalysis::resolve(cli, cfg)?))
    }
}

/// Run `mode` with the settings `cfg` on one thread pool of `--thread-num` threads, built
/// here for the whole run.
pub fn run(mode: &Mode, cfg: &Config, log: &mut RunLog) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", cfg.threads)))?;
    pool.install(|| match mode {
        Mode::UnpackBesd => unpack_besd::run(cfg, log),
        Mode::Smr(analysis) => {
            cfg.check_inputs_readable()?;
            smr::run(cfg, analysis, log).map(|_| ())
        }
    })
}
