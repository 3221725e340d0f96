//! The command layer: one file per command. [`Mode`] is what the flags ask for, resolved from
//! the reference's flat command line; [`run`] dispatches to the command's `run`.

pub mod make_besd;
pub mod smr;

use crate::config::Config;
use crate::error::Result;
use crate::log::RunLog;

/// What a run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// SMR analyses (cis by default), one or several traits.
    Smr,
    /// `--make-besd`: convert the eQTL input into a plain BESD.
    MakeBesd,
    /// `--plot`: the data file of SMR's locus/effect plot.
    Plot,
}

impl Mode {
    /// The mode `cfg` asks for.
    pub fn of(cfg: &Config) -> Mode {
        if cfg.make_besd {
            Mode::MakeBesd
        } else if cfg.plot.is_some() {
            Mode::Plot
        } else {
            Mode::Smr
        }
    }
}

/// Run `mode` with the settings `cfg` on one thread pool of `--thread-num` threads, built
/// here for the whole run.
pub fn run(mode: Mode, cfg: &Config, log: &mut RunLog) -> Result<()> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| {
            crate::error::Error::Config(format!("cannot start {} threads: {e}", cfg.threads))
        })?;
    pool.install(|| match mode {
        Mode::MakeBesd => make_besd::run(cfg, log),
        Mode::Plot => {
            cfg.check_inputs_readable()?;
            crate::analyses::plot::run(cfg, log)
        }
        Mode::Smr => {
            cfg.check_inputs_readable()?;
            smr::run(cfg, log).map(|_| ())
        }
    })
}
