//! `--besd-flist F --meta` / `--mecs`: meta-analysis of the cis entries of several BESD files
//! (data-spec/besd-tools.md §meta).

use crate::besd_tools::settings::Settings;
use crate::error::{Error, Result};
use crate::log::RunLog;
use std::path::Path;

/// Run the meta-analysis.
pub fn run(_s: &Settings, list: &Path, mecs: bool, _log: &mut RunLog) -> Result<()> {
    Err(Error::Config(format!(
        "--{} (list {}) is not available in this build yet",
        if mecs { "mecs" } else { "meta" },
        list.display()
    )))
}
