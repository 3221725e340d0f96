//! Which probes and which SNPs of the eQTL data an analysis sees: the reference's chromosome
//! filters, ID lists, range filters and SNP-probe pair lists (data-spec/ranges.md).
//!
//! Two steps: [`Filters::from_cli`] validates the flags (usage errors, before any file is
//! read); [`Filters::resolve`] applies them to the `.esi`/`.epi` tables and returns a
//! [`Selection`]: kept SNP rows, kept probe rows (both in file order), the SNP-probe pairs,
//! and notes for the log. An analysis takes the selection (or its masks for
//! [`crate::io::besd::stream::Keep`]) and never looks at the flags itself.
//!
//! ```no_run
//! # fn main() -> fastsmr::error::Result<()> {
//! use clap::Parser;
//! use fastsmr::filters::{Filters, Tables};
//! use fastsmr::io::eqtl_source::{EqtlSource, Part};
//! let cli = fastsmr::cli::Cli::parse();
//! let filters = Filters::from_cli(&cli)?; // usage errors: exit 2
//! let (source, esi, epi, _renamed) = EqtlSource::open_tables("eqtl/eqtl".as_ref())?;
//! let (esi_path, epi_path) = (source.label(Part::Esi), source.label(Part::Epi));
//! let t = Tables { esi: &esi, epi: &epi, esi_path: &esi_path, epi_path: &epi_path };
//! let sel = filters.resolve(&t)?; // a --probe not in the .epi: exit 1
//! for p in &sel.probes {
//!     // .epi order; with a pair list, sel.pairs.as_ref().and_then(|l| l.snp_for(*p))
//! }
//! # Ok(()) }
//! ```

mod pairs;
mod resolve;
mod spec;

pub use pairs::{parse_pair_lines, read_pair_list, PairLine, PairList, SnpProbePair};
pub use resolve::{gene_listed, window_bounds, Selection, Tables};
pub use spec::{
    range_flags_given, Filters, PairKind, PairListSpec, ProbeFilter, ProbeRange, SnpFilter,
    SnpRange,
};

#[cfg(test)]
mod tests;
