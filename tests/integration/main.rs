//! The integration tests: one binary (one link, one process) holding every suite, each in
//! the module named after what it checks. They run fastsmr as a user would (the built binary
//! on the fixtures under `tests/data/`) or call the library on the same files.

/// The comparison rules of oracle-notes §5, shared with `validation/validate.rs`.
#[path = "../../validation/compare.rs"]
mod compare;

mod batch;
mod battery;
mod besd_tools;
mod cli_compat;
mod corpus;
mod datasets;
mod determinism;
mod eqtlgen;
mod filters;
mod fuzz_smoke;
mod genes;
mod golden;
mod hardening;
mod lookup;
mod omics;
mod overlap;
mod plot;
mod properties;
mod releases;
mod report_browser;
mod scale;
mod smr_extensions;
/// Helpers shared by the suites.
mod support;
