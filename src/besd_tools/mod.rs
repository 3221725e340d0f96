//! BESD tools: making BESD files from BESD, text and other tools' outputs, merging, updating
//! and meta-analysing them (data-spec/besd-tools.md). Flags in [`crate::cli::besd_tools`].
//!
//! Every tool builds a [`Dataset`] (SNP table, probe table, per-probe entries) and hands it to
//! [`triplet::write`], which writes `.esi`, `.epi`, `.besd` (and `.summary`) under temporary
//! names and renames them together.

pub mod esd;
pub mod filters;
pub mod flist;
pub mod formats;
pub mod make;
pub mod meta;
pub mod qfile;
pub mod select;
pub mod settings;
pub mod triplet;
pub mod update;

use crate::cli::Cli;
use crate::error::Result;
use crate::io::besd::BesdEntry;
use crate::log::RunLog;
use crate::types::{Bp, Chrom};

/// Chromosome or position that is not known (tolerant readers, tool converters).
pub const UNKNOWN: i64 = -9;

/// One SNP of a dataset being written (an `.esi` row).
#[derive(Debug, Clone, PartialEq)]
pub struct Snp {
    /// Chromosome code; [`UNKNOWN`] when not known.
    pub chr: Chrom,
    /// SNP ID.
    pub id: String,
    /// Genetic distance column, as written (`0` for the files we make).
    pub gd: String,
    /// Position; [`UNKNOWN`] when not known.
    pub bp: Bp,
    /// Effect allele (the allele every beta refers to); `NA` when not known.
    pub a1: String,
    /// Other allele.
    pub a2: String,
    /// Frequency of A1 (float32), `None` when missing.
    pub freq: Option<f32>,
}

/// One probe of a dataset being written (an `.epi` row).
#[derive(Debug, Clone, PartialEq)]
pub struct Probe {
    /// Chromosome code; [`UNKNOWN`] when not known.
    pub chr: Chrom,
    /// Probe ID.
    pub id: String,
    /// Genetic distance column, as written.
    pub gd: String,
    /// Position; [`UNKNOWN`] when not known.
    pub bp: Bp,
    /// Gene name.
    pub gene: String,
    /// Orientation as written (one character, or `NA`).
    pub orient: String,
}

/// SNPs, probes and each probe's entries (row ids into `snps`), ready to be written.
#[derive(Debug, Clone, Default)]
pub struct Dataset {
    /// The `.esi` rows.
    pub snps: Vec<Snp>,
    /// The `.epi` rows.
    pub probes: Vec<Probe>,
    /// `values[p]`: probe p's entries in the order they are written.
    pub values: Vec<Vec<BesdEntry>>,
    /// Sample size for the header (`None` = -9).
    pub sample_size: Option<i32>,
}

impl Dataset {
    /// Number of stored (probe, SNP) entries.
    pub fn n_entries(&self) -> usize {
        self.values.iter().map(Vec::len).sum()
    }
}

/// True when the command line asks for one of the BESD tools (then [`run`] handles it).
pub fn wants(cli: &Cli) -> bool {
    let a = &cli.besd_tools;
    a.make_besd
        || a.make_besd_dense
        || a.show_n
        || a.update_esi.is_some()
        || a.update_epi.is_some()
        || a.update_freq.is_some()
        || a.meta
        || a.mecs
        || a.eqtl_flist.is_some()
        || a.qfile.is_some()
        || a.besd_flist.is_some()
        || a.eqtl_summary.is_some()
}

/// Run the BESD tool the command line asks for (see [`wants`]).
pub fn run(cli: &Cli, log: &mut RunLog) -> Result<()> {
    let s = settings::Settings::from_cli(cli)?;
    match &s.mode {
        settings::Mode::ShowN(prefix) => update::show_n(prefix, log),
        settings::Mode::UpdateFreq(prefix, file) => update::update_freq(prefix, file, log),
        settings::Mode::UpdateTables { prefix, esi, epi } => {
            if let Some(f) = epi {
                update::update_epi(prefix, f, log)?;
            }
            if let Some(f) = esi {
                update::update_esi(prefix, f, log)?;
            }
            Ok(())
        }
        settings::Mode::Meta { list, mecs } => meta::run(&s, list, *mecs, log),
        settings::Mode::Make(input) => make::run(&s, input, log),
    }
}
