//! Several traits of a batch through one probe loop (data-spec/cli.md §batches): the traits of a
//! group are harmonised one after the other, then every probe is read once for all of them,
//! and the LD that HEIDI needs (genotype panels, r with the instrument, the correlation of the
//! SNPs kept) is computed once for the union of the traits' SNPs and shared.
//!
//! LD between two SNPs depends only on their genotypes in the reference (their `.esi` row,
//! `.bed` SNP and orientation), never on the trait, and every kernel computes each entry from
//! its two columns alone, summed over individuals in order (src/ld/kernels.rs). So each
//! trait's HEIDI reads exactly the numbers it would have computed alone: outputs are
//! byte-identical to running the traits one by one, whatever the group or thread count.

use super::smr::{cis_of, log_testing, run_trait, write_cis, Loaded, Trait};
use crate::analyses::cis::{Cis, CisRow, CisScratch, Step};
use crate::config::Config;
use crate::data::{EqtlData, LdReference};
use crate::engine::{
    usable_entry, Analysis, Outcome, Outcomes, ProbeCtx, ProbeSnp, Tally, RELEASE_EVERY,
};
use crate::error::{Error, Result};
use crate::harmonise::report::prepare_report;
use crate::harmonise::{harmonise_trait, Harmonised, SnpTable};
use crate::io::besd::{BesdEntry, BesdLayout};
use crate::ld::{correlation_into, r_with_target_panels, Genotypes, LdSource, Panels};
use crate::log::{Progress, RunLog};
use crate::stats::heidi::{
    heidi_finish, heidi_ld_filter, heidi_select, HeidiDetail, HeidiSelected, HeidiSnp,
};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Default number of traits tested in one probe loop (`--trait-group`): one, so that a batch
/// holds no more memory than a single trait. Each further trait of a group holds its SNP
/// table and genotype index (~0.5 GB at eQTLGen scale) until the loop ends, and saves ~2–3 s
/// of CPU per trait there (benches/RESULTS.md "Cheaper trait").
pub const DEFAULT_GROUP: usize = 1;

/// Runs the traits of a batch in order, each on request ([`TraitRunner::run`]); traits that
/// can share a probe loop are computed in groups the first time one of them is asked for,
/// the others' results kept until asked for.
pub struct TraitRunner<'a> {
    cfg: &'a Config,
    analysis: &'a Loaded,
    eqtl: &'a EqtlData,
    reference: Option<&'a LdReference>,
    /// Per trait, in run order: its GWAS file and output prefix.
    plan: Vec<(PathBuf, PathBuf)>,
    group: usize,
    ready: BTreeMap<usize, Result<Tally>>,
}

impl<'a> TraitRunner<'a> {
    /// A runner for the traits of `plan` (GWAS file, output prefix), at most `group` per
    /// probe loop.
    pub fn new(
        cfg: &'a Config,
        analysis: &'a Loaded,
        eqtl: &'a EqtlData,
        reference: Option<&'a LdReference>,
        plan: Vec<(PathBuf, PathBuf)>,
        group: usize,
    ) -> Self {
        TraitRunner {
            cfg,
            analysis,
            eqtl,
            reference,
            plan,
            group: group.max(1),
            ready: BTreeMap::new(),
        }
    }

    /// True when the traits share probe loops: the cis analysis with an LD reference.
    fn joint(&self) -> bool {
        self.group > 1 && matches!(self.analysis, Loaded::Cis) && self.reference.is_some()
    }

    /// The result of trait `n` of the plan: computed now (with the next traits of its group,
    /// whose outputs are written to their own prefixes) or kept from an earlier group.
    pub fn run(&mut self, n: usize, log: &mut RunLog) -> Result<Tally> {
        if let Some(r) = self.ready.remove(&n) {
            log.info("  (tested in the probe loop of an earlier trait of its group)");
            return r;
        }
        let (gwas, out) = &self.plan[n];
        if !self.joint() || n + 1 == self.plan.len() {
            return run_trait(
                self.cfg,
                self.analysis,
                self.eqtl,
                self.reference,
                gwas,
                out,
                log,
            );
        }
        let end = (n + self.group).min(self.plan.len());
        for (_, out) in &self.plan[n + 1..end] {
            // The staging directory a later trait writes into (made here, as its turn would).
            if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
                crate::output::atomic::register_temp_dir(dir);
                std::fs::create_dir_all(dir).map_err(|source| Error::Write {
                    path: dir.to_path_buf(),
                    source,
                })?;
            }
        }
        let results = run_group(self.cfg, self.eqtl, self.reference, &self.plan[n..end], log);
        let mut first = None;
        for (i, r) in results.into_iter().enumerate() {
            if i == 0 {
                first = Some(r);
            } else {
                self.ready.insert(n + i, r);
            }
        }
        first.expect("a group has a first trait")
    }
}

/// One harmonised trait of a group.
struct Member<'r> {
    index: usize,
    gwas: PathBuf,
    out: PathBuf,
    snps: SnpTable,
    geno: Option<Genotypes<'r>>,
}

/// Harmonise the traits of `members` (GWAS file, output prefix), test them in one probe loop
/// and write each one's outputs; one result per trait, in order.
fn run_group(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    members: &[(PathBuf, PathBuf)],
    log: &mut RunLog,
) -> Vec<Result<Tally>> {
    let esi = &eqtl.esi;
    let mut results: Vec<Option<Result<Tally>>> = (0..members.len()).map(|_| None).collect();
    std::thread::scope(|scope| {
        let mut writers = Vec::new();
        let mut ready: Vec<Member> = Vec::new();
        for (i, (gwas, out)) in members.iter().enumerate() {
            if i > 0 {
                log.info(format!(
                    "---- trait {} of this probe loop: {} ----",
                    i + 1,
                    gwas.display()
                ));
            }
            match harmonise_trait(cfg, eqtl, reference, gwas, out, log) {
                Err(e) => results[i] = Some(Err(e)),
                Ok(Harmonised {
                    gwas: values,
                    matched,
                    geno,
                    mut report,
                }) => {
                    let job = prepare_report(
                        &mut report,
                        esi,
                        reference,
                        &values,
                        &matched,
                        out,
                        cfg.harmonise_report,
                        log,
                    );
                    writers.push((i, scope.spawn(move || job.write(esi))));
                    let snps = SnpTable::build(esi, values, &matched);
                    drop(matched);
                    ready.push(Member {
                        index: i,
                        gwas: gwas.clone(),
                        out: out.clone(),
                        snps,
                        geno,
                    });
                }
            }
        }
        let traits: Vec<Trait> = ready
            .iter()
            .map(|m| Trait {
                cfg,
                eqtl,
                reference,
                gwas_path: &m.gwas,
                out: &m.out,
                snps: &m.snps,
                ld: m.geno.as_ref().map(|g| g as &dyn LdSource),
            })
            .collect();
        let mut tested: Vec<(usize, &Trait, Cis, &Member)> = Vec::new();
        for (t, m) in traits.iter().zip(&ready) {
            match cis_of(t) {
                Ok(c) => tested.push((m.index, t, c, m)),
                Err(e) => results[m.index] = Some(Err(e)),
            }
        }
        if !tested.is_empty() {
            log_testing(cfg, eqtl.probes.len(), log);
            if tested.len() > 1 {
                log.info(format!(
                    "  {} traits in one probe loop (LD shared; --trait-group)",
                    tested.len()
                ));
            }
            let lanes: Vec<Lane> = tested
                .iter()
                .map(|(_, _, c, m)| Lane {
                    cis: c,
                    snps: &m.snps,
                    geno: m.geno.as_ref(),
                })
                .collect();
            match joint_loop(&lanes, eqtl, reference, log) {
                Ok(all) => {
                    for ((i, t, c, m), outcomes) in tested.iter().zip(all) {
                        let r = write_cis(t, c, &outcomes, log).map(|mut s| {
                            s.probes = eqtl.probes.len();
                            s.snps_matched = m.snps.esi.len();
                            s
                        });
                        results[*i] = Some(r);
                    }
                }
                Err(e) => {
                    let msg = e.to_string();
                    for (i, ..) in &tested {
                        results[*i] = Some(Err(Error::Analysis(msg.clone())));
                    }
                }
            }
        }
        for (i, w) in writers {
            let written = w.join().unwrap_or_else(|_| {
                Err(Error::Analysis(
                    "the harmonisation report writer stopped unexpectedly".into(),
                ))
            });
            if let (Err(e), Some(Ok(_))) = (written, &results[i]) {
                results[i] = Some(Err(e));
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every trait of a group has a result"))
        .collect()
}

/// One trait in the joint probe loop.
struct Lane<'c> {
    cis: &'c Cis<'c>,
    snps: &'c SnpTable,
    geno: Option<&'c Genotypes<'c>>,
}

/// Per-worker buffers of [`joint_loop`].
struct Worker {
    buf: Vec<BesdEntry>,
    entries: Vec<BesdEntry>,
    cis: Vec<Vec<ProbeSnp>>,
    scratch: Vec<CisScratch>,
    hs: Vec<Vec<HeidiSnp>>,
    shared: SharedLd,
}

/// The shared LD buffers of one probe.
#[derive(Default)]
struct SharedLd {
    /// (`.esi` row, `.bed` SNP, swapped, lane, compact index) of every SNP some lane needs.
    keys: Vec<(u32, u32, bool, usize, usize)>,
    x: Panels,
    xk: Panels,
    codes: Vec<Option<u8>>,
    xt: Vec<f64>,
    sums: Vec<f64>,
    sums_kept: Vec<f64>,
    c: Vec<f64>,
}

/// A lane's probe waiting for the shared LD: its row, HEIDI's SNP selection, and positions.
struct Pending {
    lane: usize,
    row: CisRow,
    sel: HeidiSelected,
    /// Position in the union of each of `sel.ids`.
    upos: Vec<usize>,
    /// Positions (into `sel.ids`) kept by the LD filter.
    kept: Vec<usize>,
}

/// Every probe for every lane: one read of its eQTL values, shared LD. Returns each lane's
/// outcomes in probe order.
fn joint_loop(
    lanes: &[Lane<'_>],
    eqtl: &EqtlData,
    reference: Option<&LdReference>,
    log: &RunLog,
) -> Result<Vec<Outcomes<CisRow>>> {
    let besd = &eqtl.besd;
    let dense = matches!(besd.layout(), BesdLayout::Dense | BesdLayout::DenseLegacy);
    let unusable = AtomicUsize::new(0);
    let progress = Progress::new(log, "probes", eqtl.probes.len());
    let done = AtomicUsize::new(1);
    let release = || {
        if let Some(r) = reference {
            r.bed.release(0, r.bed.n_snps());
        }
        besd.release_all();
    };
    let per_probe: Result<Vec<Vec<Outcome<CisRow>>>> = eqtl
        .probes
        .par_iter()
        .enumerate()
        .map_init(
            || Worker {
                buf: Vec::new(),
                entries: Vec::new(),
                cis: lanes.iter().map(|_| Vec::new()).collect(),
                scratch: lanes.iter().map(|l| l.cis.scratch()).collect(),
                hs: lanes.iter().map(|_| Vec::new()).collect(),
                shared: SharedLd::default(),
            },
            |w, (slot, &p)| {
                let ctx = ProbeCtx {
                    slot,
                    index: p,
                    epi: &eqtl.epi[p],
                    index_order: dense,
                };
                let r = probe_all(lanes, &ctx, w, besd, &unusable);
                progress.inc();
                if done
                    .fetch_add(1, Ordering::Relaxed)
                    .is_multiple_of(RELEASE_EVERY)
                {
                    release();
                }
                r
            },
        )
        .collect();
    progress.finish();
    release();
    let per_probe = per_probe?;
    let unusable = unusable.load(Ordering::Relaxed);
    let mut out: Vec<Outcomes<CisRow>> = lanes
        .iter()
        .map(|_| Outcomes {
            probes: Vec::with_capacity(per_probe.len()),
            unusable_entries: unusable,
        })
        .collect();
    for (o, &p) in per_probe.into_iter().zip(&eqtl.probes) {
        for (lane, x) in o.into_iter().enumerate() {
            out[lane].probes.push((p, x));
        }
    }
    Ok(out)
}

/// One probe for every lane.
fn probe_all(
    lanes: &[Lane<'_>],
    ctx: &ProbeCtx<'_>,
    w: &mut Worker,
    besd: &crate::io::besd::BesdFile,
    unusable_total: &AtomicUsize,
) -> Result<Vec<Outcome<CisRow>>> {
    w.entries.clear();
    let mut unusable = 0;
    let entries = &mut w.entries;
    besd.for_each_entry(ctx.index, &mut w.buf, |e| {
        if usable_entry(&e) {
            entries.push(e);
        } else {
            unusable += 1;
        }
    })?;
    if unusable > 0 {
        unusable_total.fetch_add(unusable, Ordering::Relaxed);
    }
    let mut outs: Vec<Option<Outcome<CisRow>>> = lanes.iter().map(|_| None).collect();
    let mut pending: Vec<Pending> = Vec::new();
    for (j, lane) in lanes.iter().enumerate() {
        // The engine's selection (crate::engine::select), from the entries read once.
        let s = lane.snps;
        let window = lane.cis.selection(ctx);
        let cis = &mut w.cis[j];
        cis.clear();
        for e in &w.entries {
            let k = s.from_esi[e.snp as usize];
            if k == u32::MAX {
                continue;
            }
            let ku = k as usize;
            if !window.contains(s.chr[ku], s.bp[ku]) || !s.gwas_usable[ku] {
                continue;
            }
            let (bx, sx) = (f64::from(e.beta), f64::from(e.se));
            cis.push(ProbeSnp {
                k,
                bx,
                sx,
                zd: bx / sx,
            });
        }
        if ctx.index_order {
            cis.sort_by_key(|c| c.k);
        }
        match lane.cis.instrument(ctx, cis, &mut w.scratch[j]) {
            Step::Done(o) => outs[j] = Some(o),
            Step::Heidi {
                mut row,
                top,
                targeted,
                theta,
            } => {
                if lane.geno.is_none() || !lane.cis.heidi_snps_plain(cis, targeted, &mut w.hs[j]) {
                    outs[j] = Some(lane.cis.finish_heidi(
                        cis,
                        row,
                        top,
                        targeted,
                        theta,
                        &mut w.scratch[j],
                    ));
                    continue;
                }
                match heidi_select(&w.hs[j], lane.cis.heidi_params(), None) {
                    Err(o) => {
                        row.heidi = Some(o);
                        row.heidi_detail = HeidiDetail::default();
                        outs[j] = Some(Outcome::One(row));
                    }
                    Ok(sel) => pending.push(Pending {
                        lane: j,
                        row,
                        sel,
                        upos: Vec::new(),
                        kept: Vec::new(),
                    }),
                }
            }
        }
    }
    if !pending.is_empty() {
        shared_heidi(lanes, &w.hs, &mut pending, &mut w.shared, &mut outs);
    }
    Ok(outs
        .into_iter()
        .map(|o| o.expect("every lane has an outcome"))
        .collect())
}

/// HEIDI method 1 for the `pending` lanes of one probe with LD computed once for the union of
/// their SNPs (see the module doc for why the numbers are each lane's own).
fn shared_heidi(
    lanes: &[Lane<'_>],
    hs: &[Vec<HeidiSnp>],
    pending: &mut [Pending],
    sh: &mut SharedLd,
    outs: &mut [Option<Outcome<CisRow>>],
) {
    // The union of the SNPs the lanes need, by genotype identity.
    sh.keys.clear();
    for p in pending.iter() {
        let lane = &lanes[p.lane];
        let geno = lane.geno.expect("pending lanes have genotypes");
        for &i in &p.sel.ids {
            let k = hs[p.lane][i].k;
            let (b, sw) = geno.column_key(k);
            sh.keys.push((lane.snps.esi[k], b, sw, p.lane, k));
        }
    }
    sh.keys.sort_unstable_by_key(|&(e, b, sw, _, _)| (e, b, sw));
    sh.keys.dedup_by_key(|&mut (e, b, sw, _, _)| (e, b, sw));
    let keys = &sh.keys;
    let find = |e: u32, b: u32, sw: bool| {
        keys.binary_search_by_key(&(e, b, sw), |&(e, b, sw, _, _)| (e, b, sw))
            .expect("every needed SNP is in the union")
    };
    for p in pending.iter_mut() {
        let lane = &lanes[p.lane];
        let geno = lane.geno.expect("pending lanes have genotypes");
        p.upos.clear();
        for &i in &p.sel.ids {
            let k = hs[p.lane][i].k;
            let (b, sw) = geno.column_key(k);
            p.upos.push(find(lane.snps.esi[k], b, sw));
        }
    }
    // Genotype panels of the union, decoded once.
    let n_indiv = lanes[pending[0].lane]
        .geno
        .expect("pending lanes have genotypes")
        .n_indiv();
    sh.x.shape(n_indiv, keys.len());
    for (u, &(_, _, _, lane, k)) in keys.iter().enumerate() {
        let geno = lanes[lane].geno.expect("pending lanes have genotypes");
        geno.decode_into(k, &mut sh.codes, &mut sh.x, u);
    }
    // r with each distinct anchor, once.
    let mut anchors: Vec<usize> = pending.iter().map(|p| p.upos[p.sel.t_pos]).collect();
    anchors.sort_unstable();
    anchors.dedup();
    let mut r_of: Vec<Vec<f64>> = Vec::with_capacity(anchors.len());
    for &t in &anchors {
        let mut r = Vec::new();
        r_with_target_panels(&sh.x, t, &mut sh.xt, &mut sh.sums, &mut r);
        r_of.push(r);
    }
    // Each lane's LD filter; the union of what they keep.
    let mut kept_union: Vec<usize> = Vec::new();
    let mut r_lane: Vec<f64> = Vec::new();
    for p in pending.iter_mut() {
        let cis = lanes[p.lane].cis;
        let a = anchors
            .binary_search(&p.upos[p.sel.t_pos])
            .expect("anchor computed");
        r_lane.clear();
        r_lane.extend(p.upos.iter().map(|&u| r_of[a][u]));
        match heidi_ld_filter(
            &p.sel,
            &r_lane,
            cis.heidi_params(),
            cis.heidi_variant(),
            None,
        ) {
            Ok(kept) => {
                kept_union.extend(kept.iter().map(|&q| p.upos[q]));
                p.kept = kept;
            }
            Err(o) => {
                let mut row = p.row.clone();
                row.heidi = Some(o);
                row.heidi_detail = HeidiDetail::default();
                outs[p.lane] = Some(Outcome::One(row));
            }
        }
    }
    if kept_union.is_empty() {
        return;
    }
    kept_union.sort_unstable();
    kept_union.dedup();
    // One correlation matrix of the union of the kept SNPs.
    sh.xk.select_from(&sh.x, &kept_union);
    sh.sums_kept.clear();
    sh.sums_kept.extend(kept_union.iter().map(|&u| sh.sums[u]));
    correlation_into(&sh.xk, &sh.sums_kept, &mut sh.c);
    let big = kept_union.len();
    let mut c_lane: Vec<f64> = Vec::new();
    let mut kpos: Vec<usize> = Vec::new();
    for p in pending.iter() {
        if outs[p.lane].is_some() {
            continue;
        }
        let cis = lanes[p.lane].cis;
        kpos.clear();
        kpos.extend(p.kept.iter().map(|&q| {
            kept_union
                .binary_search(&p.upos[q])
                .expect("kept SNP in the union")
        }));
        let m = kpos.len();
        c_lane.clear();
        c_lane.resize(m * m, 0.0);
        for (a, &ka) in kpos.iter().enumerate() {
            let row = &sh.c[ka * big..(ka + 1) * big];
            for (b, &kb) in kpos.iter().enumerate() {
                c_lane[a * m + b] = row[kb];
            }
        }
        let (o, d) = heidi_finish(
            &hs[p.lane],
            &p.sel,
            &p.kept,
            &c_lane,
            cis.heidi_params(),
            cis.heidi_variant(),
            None,
        );
        let mut row = p.row.clone();
        row.heidi = Some(o);
        row.heidi_detail = d;
        outs[p.lane] = Some(Outcome::One(row));
    }
}

/// The `--trait-group` value in force (the default when not given).
pub fn group_size(cfg: &Config) -> usize {
    cfg.trait_group.unwrap_or(DEFAULT_GROUP)
}
