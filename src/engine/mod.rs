//! The probe engine shared by every analysis (cis, multi-SNP, trans, ...): for each probe of
//! a [`Plan`], in parallel on the run's one thread pool, it reads the probe's stored eQTL
//! values, keeps the SNPs the analysis's [`SnpSelection`] and the plan's [`SnpFilter`] allow,
//! and hands them to [`Analysis::test`], which returns 0, 1 or N typed rows or a
//! [`SkipReason`] ([`Outcome`]). The outcomes come back in probe order and go to a [`Sink`]
//! (table writers, or a capture for later use); rows are formatted only there.
//!
//! A new analysis plugs in with three pieces:
//! 1. a type implementing [`Analysis`] in `src/analyses/<name>.rs`: its `Row` (typed values,
//!    indexes into the SNP table; no text), its per-worker `Scratch`, the [`SnpSelection`] of
//!    each probe, and `test`, which returns [`Outcome::One`], [`Outcome::Many`] or
//!    [`Outcome::Skipped`] with a [`SkipReason`];
//! 2. one [`TableWriter`] per output table in `src/output/` (header, one row's text, an
//!    optional note counted in the log), wrapped in a [`TableSink`] (tuples of sinks feed
//!    several tables from one row; a `Vec<(probe, row)>` captures rows instead);
//! 3. a command function (`src/commands/`) that builds the analysis for one harmonised trait,
//!    the [`Plan`] (the probes, in output order, and an optional [`SnpFilter`]: the hook for
//!    range filters and per-probe SNP lists), then calls [`run`], [`drain`] and
//!    [`TableSink::finish`].

pub mod outcome;
pub mod selection;
pub mod sink;

pub use outcome::{Outcome, SkipReason};
pub use selection::{Plan, ProbeSnp, SnpFilter, SnpSelection};
pub use sink::{Sink, TableSink, TableWriter, Tally};

use crate::error::Result;
use crate::harmonise::SnpTable;
use crate::io::besd::{BesdEntry, BesdFile, BesdLayout};
use crate::io::epi::EpiRecord;
use crate::io::plink::BedFile;
use crate::log::{Progress, RunLog};
use rayon::prelude::*;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Probes between two releases of the `.bed` and `.besd` pages (see
/// [`crate::io::source::Bytes::release`]), in this loop and in the batch's.
pub(crate) const RELEASE_EVERY: usize = 1024;

/// The probe being tested.
#[derive(Debug, Clone, Copy)]
pub struct ProbeCtx<'a> {
    /// Position in the plan (an analysis may keep per-slot data, e.g. a SNP set).
    pub slot: usize,
    /// `.epi` row.
    pub index: usize,
    /// Its `.epi` record.
    pub epi: &'a EpiRecord,
    /// The SNPs handed to [`Analysis::test`] are in compact SNP index order (dense BESD);
    /// otherwise in the probe's stored entry order (sparse).
    pub index_order: bool,
}

/// One analysis run by the engine.
pub trait Analysis: Sync {
    /// One output row (typed; formatted by a [`TableWriter`]).
    type Row: Send;
    /// Per-worker buffers, created once per rayon job by [`Analysis::scratch`] and reused
    /// from probe to probe.
    type Scratch: Send;
    /// Fresh per-worker buffers.
    fn scratch(&self) -> Self::Scratch;
    /// Where to look for the probe's SNPs.
    fn selection(&self, probe: &ProbeCtx<'_>) -> SnpSelection;
    /// Test one probe. `snps` holds its selected SNPs: in the probe's stored entry order for
    /// sparse BESD, in compact SNP index order for dense (data-spec/algorithm.md §6); the
    /// analysis may reorder it.
    fn test(
        &self,
        probe: &ProbeCtx<'_>,
        snps: &mut Vec<ProbeSnp>,
        scratch: &mut Self::Scratch,
    ) -> Result<Outcome<Self::Row>>;
}

/// What the engine reads: the trait's SNP table, the eQTL values and probes, and the `.bed`
/// (only to release its pages as the probes advance).
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    /// The compact SNP table of the trait.
    pub snps: &'a SnpTable,
    /// eQTL values.
    pub besd: &'a BesdFile,
    /// `.epi` rows.
    pub epi: &'a [EpiRecord],
    /// The LD reference's genotypes, if any.
    pub bed: Option<&'a BedFile>,
}

/// True when a stored eQTL value can enter a test: finite beta, finite se > 0. The reference
/// would use such values (a zero se gives an infinite z); they never occur in files written by
/// SMR, so skipping them changes no result on real data (data-spec/errors.md).
pub fn usable_entry(e: &BesdEntry) -> bool {
    e.beta.is_finite() && e.se.is_finite() && e.se > 0.0
}

/// The outcomes of a run, in plan order.
pub struct Outcomes<R> {
    /// `(epi row, outcome)` per planned probe.
    pub probes: Vec<(usize, Outcome<R>)>,
    /// Stored eQTL values skipped as unusable (see [`usable_entry`]).
    pub unusable_entries: usize,
}

/// Per-worker state of [`run`].
struct Worker<S> {
    entries: Vec<BesdEntry>,
    snps: Vec<ProbeSnp>,
    scratch: S,
}

/// Run `analysis` on every probe of `plan`, in parallel on the current thread pool; the
/// outcomes are in plan order whatever the thread count. `label` names the progress bar.
pub fn run<A: Analysis>(
    analysis: &A,
    inputs: &Inputs<'_>,
    plan: &Plan<'_>,
    label: String,
    log: &RunLog,
) -> Result<Outcomes<A::Row>> {
    let unusable = AtomicUsize::new(0);
    let progress = Progress::new(log, label, plan.probes.len());
    let done = AtomicUsize::new(1);
    let dense = matches!(
        inputs.besd.layout(),
        BesdLayout::Dense | BesdLayout::DenseLegacy
    );
    let outcomes: Result<Vec<(usize, Outcome<A::Row>)>> = plan
        .probes
        .par_iter()
        .enumerate()
        .map_init(
            || Worker {
                entries: Vec::new(),
                snps: Vec::new(),
                scratch: analysis.scratch(),
            },
            |w, (slot, &p)| {
                let ctx = ProbeCtx {
                    slot,
                    index: p,
                    epi: &inputs.epi[p],
                    index_order: dense,
                };
                let r = select(analysis, inputs, plan, &ctx, w, &unusable)
                    .and_then(|()| analysis.test(&ctx, &mut w.snps, &mut w.scratch))
                    .map(|o| (p, o));
                progress.inc();
                // Probes run in genome order: drop the `.bed` pages of the regions passed and
                // the BESD pages of the probes read (decoded from the map, data-spec/memory.md
                // §3) now and then, so that the resident set stays bounded.
                if done
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(RELEASE_EVERY)
                {
                    release(inputs);
                }
                r
            },
        )
        .collect();
    progress.finish();
    // Nothing of the mapped files stays resident into the output or the next trait.
    release(inputs);
    Ok(Outcomes {
        probes: outcomes?,
        unusable_entries: unusable.load(Ordering::Relaxed),
    })
}

fn release(inputs: &Inputs<'_>) {
    if let Some(bed) = inputs.bed {
        bed.release(0, bed.n_snps());
    }
    inputs.besd.release_all();
}

/// Fill `w.snps` with the probe's selected SNPs.
fn select<A: Analysis>(
    analysis: &A,
    inputs: &Inputs<'_>,
    plan: &Plan<'_>,
    ctx: &ProbeCtx<'_>,
    w: &mut Worker<A::Scratch>,
    unusable_total: &AtomicUsize,
) -> Result<()> {
    let s = inputs.snps;
    let window = analysis.selection(ctx);
    let out = &mut w.snps;
    out.clear();
    // Decoded into the worker's buffer first, then filtered: two tight loops (a callback per
    // entry was not inlined, and cost a call per stored value).
    inputs.besd.read_probe(ctx.index, &mut w.entries)?;
    let mut unusable = 0;
    for e in &w.entries {
        if !usable_entry(e) {
            unusable += 1;
            continue;
        }
        let k = s.from_esi[e.snp as usize];
        if k == u32::MAX {
            continue;
        }
        let ku = k as usize;
        if !window.contains(s.chr[ku], s.bp[ku]) || !s.gwas_usable[ku] {
            continue;
        }
        if plan.snp_filter.is_some_and(|f| !f.keep(ctx.index, e.snp)) {
            continue;
        }
        let (bx, sx) = (f64::from(e.beta), f64::from(e.se));
        out.push(ProbeSnp {
            k,
            bx,
            sx,
            zd: bx / sx,
        });
    }
    if unusable > 0 {
        unusable_total.fetch_add(unusable, Ordering::Relaxed);
    }
    if ctx.index_order {
        out.sort_by_key(|c| c.k);
    }
    Ok(())
}

/// Feed the outcomes, in order, to `sink`; returns the rows and skips counted.
pub fn drain<R, S: Sink<R>>(outcomes: &Outcomes<R>, sink: &mut S) -> Tally {
    let mut tally = Tally::default();
    for (p, o) in &outcomes.probes {
        match o {
            Outcome::Skipped(reason) => {
                *tally.skipped.entry(reason.label()).or_default() += 1;
            }
            _ => {
                for row in o.rows() {
                    sink.row(*p, row);
                    tally.rows += 1;
                    if let Some(note) = sink.note(row) {
                        *tally.notes.entry(note).or_default() += 1;
                    }
                }
            }
        }
    }
    tally
}

/// Log what a run found: rows, probes without a row by reason, row notes by reason.
pub fn log_tally(log: &mut RunLog, tally: &Tally, what: &str) {
    for (reason, n) in &tally.skipped {
        log.info(format!("  {n} probes without a row: {reason}"));
    }
    for (note, n) in &tally.notes {
        log.info(format!("  {n} rows with {what}: {note}"));
    }
}
