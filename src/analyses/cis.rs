//! Cis SMR and HEIDI (data-spec/algorithm.md §6–§7): per probe, the SNPs within the cis
//! window, the top cis-eQTL (or `--target-snp`) as instrument, the SMR test, and HEIDI with
//! LD from the reference. One row per tested probe (`<out>.smr`, formats §6.2).

use crate::config::{Config, HeidiMethod};
use crate::engine::{Analysis, Outcome, ProbeCtx, ProbeSnp, SkipReason, SnpSelection};
use crate::error::Result;
use crate::filters::{PairKind, PairList};
use crate::harmonise::SnpTable;
use crate::io::esi::EsiTable;
use crate::ld::LdSource;
use crate::stats::dist::{chi_val, chisq1_tail};
use crate::stats::heidi::{
    heidi_new_detailed, heidi_original_detailed, HeidiDetail, HeidiOutcome, HeidiParams,
    HeidiScratch, HeidiSnp, HeidiVariant,
};
use crate::stats::overlap::{estimate_theta, smr_test_overlap};
use crate::stats::smr::{max_abs_id, smr_test, SmrTest};
use rustc_hash::FxHashMap;

/// One tested probe of the cis analysis.
#[derive(Debug, Clone, PartialEq)]
pub struct CisRow {
    /// Compact index of the instrument SNP.
    pub top: usize,
    /// Frequency of A1 printed in `Freq`: LD reference, or `.esi` (-9 when missing) without.
    pub freq: f64,
    /// eQTL effect of the instrument (float32 promoted).
    pub bx: f64,
    /// eQTL SE.
    pub sx: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// SMR test.
    pub smr: SmrTest,
    /// HEIDI (None when not run).
    pub heidi: Option<HeidiOutcome>,
    /// What HEIDI found beyond its outcome (empty when not run).
    pub heidi_detail: HeidiDetail,
}

/// The cis analysis of one trait, shared read-only across the workers.
pub struct Cis<'a> {
    cfg: &'a Config,
    snps: &'a SnpTable,
    esi: &'a EsiTable,
    ld: Option<&'a dyn LdSource>,
    heidi: HeidiParams,
    /// The instrument imposed per probe, if any.
    target: Target,
    /// HEIDI variant (default: the reference's `.smr` HEIDI).
    variant: HeidiVariant,
    /// The `--plot` path: with a target, HEIDI is the plain method (no target variant) and
    /// z is always the double quotient (algorithm-2 §16.3).
    plot_path: bool,
    /// The probes' own SNPs of a SNP-probe list (data-spec/ranges.md §5), when given.
    pairs: Option<ProbePairs>,
}

/// Which SNP is the instrument, when it is imposed rather than the top cis-eQTL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// The top cis-eQTL of each probe.
    None,
    /// `--target-snp`: this compact SNP index for every probe.
    Every(usize),
    /// One per plan slot (the hook for `--extract-target-snp-probe`): the compact index of
    /// the slot's target SNP.
    PerSlot(Vec<usize>),
}

impl Target {
    /// The target of plan slot `slot`.
    #[inline]
    fn at(&self, slot: usize) -> Option<usize> {
        match self {
            Target::None => None,
            Target::Every(k) => Some(*k),
            Target::PerSlot(v) => Some(v[slot]),
        }
    }
}

/// Each probe's SNP of a SNP-probe list: `.epi` row to (`.esi` row, compact index when the
/// SNP is common to all inputs).
struct ProbePairs {
    kind: PairKind,
    by_probe: FxHashMap<usize, (u32, Option<usize>)>,
}

/// The instrument rule for one probe.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Instrument {
    /// The top cis-eQTL (max |z|), p-value threshold applied.
    Top,
    /// This SNP (compact index), no threshold (data-spec/algorithm.md §7.4).
    Snp(usize),
    /// The probe's target SNP is not among the SNPs common to all inputs.
    Missing,
}

/// Per-worker buffers of [`Cis`].
#[derive(Default)]
pub struct CisScratch {
    heidi_snps: Vec<HeidiSnp>,
    heidi: HeidiScratch,
    below: Vec<ProbeSnp>,
}

/// The HEIDI parameters of `cfg`.
pub fn heidi_params(cfg: &Config) -> HeidiParams {
    HeidiParams {
        threshold: chi_val(1.0, cfg.peqtl_heidi),
        min_m: cfg.heidi_min_m,
        max_m: cfg.heidi_max_m,
        ld_upper: cfg.ld_upper,
        ld_lower: cfg.ld_lower,
    }
}

impl<'a> Cis<'a> {
    /// The analysis for `cfg` on a trait's SNP table, with LD from `ld` (None: HEIDI off)
    /// and `target` the imposed instrument (see [`Target`]).
    pub fn new(
        cfg: &'a Config,
        snps: &'a SnpTable,
        esi: &'a EsiTable,
        ld: Option<&'a dyn LdSource>,
        target: Target,
    ) -> Self {
        Cis {
            cfg,
            snps,
            esi,
            ld,
            heidi: heidi_params(cfg),
            target,
            variant: HeidiVariant {
                scale_free: cfg.extras.heidi_scale_free,
                ..HeidiVariant::default()
            },
            plot_path: false,
            pairs: None,
        }
    }

    /// The analysis as the reference's `--plot` runs it (algorithm-2 §16.3): tolerant LD
    /// upper limit, plain HEIDI with a target SNP, and the final HEIDI list recorded with its
    /// LD (for the plot file's LD column).
    pub fn for_plot(mut self) -> Self {
        self.variant.tolerant_upper = true;
        self.variant.record_ld = true;
        self.plot_path = true;
        self
    }

    /// Test each probe of `list` around its own SNP (data-spec/ranges.md §5): with
    /// `--extract-target-snp-probe` that SNP is the probe's instrument (as `--target-snp`,
    /// data-spec/algorithm.md §7.4; a probe whose SNP is not common to all inputs is skipped),
    /// with `--extract-snp-probe` the cis window is centred on it and the instrument is the
    /// top cis-eQTL as usual.
    pub fn with_pairs(mut self, list: &PairList) -> Self {
        let mut compact: FxHashMap<u32, Option<usize>> =
            list.pairs.iter().map(|p| (p.snp, None)).collect();
        for (k, &e) in self.snps.esi.iter().enumerate() {
            if let Some(slot) = compact.get_mut(&e) {
                *slot = Some(k);
            }
        }
        let by_probe = list
            .pairs
            .iter()
            .map(|p| (p.probe, (p.snp, compact[&p.snp])))
            .collect();
        self.pairs = Some(ProbePairs {
            kind: list.kind,
            by_probe,
        });
        self
    }

    /// True with `--target-snp` or `--extract-target-snp-probe` (the table's columns 5-7
    /// are then named `targetSNP*`).
    pub fn has_target(&self) -> bool {
        self.target != Target::None
            || self
                .pairs
                .as_ref()
                .is_some_and(|p| p.kind == PairKind::Target)
    }

    /// The instrument rule of `probe`.
    fn target_of(&self, probe: &ProbeCtx<'_>) -> Instrument {
        if let Some(t) = self.target.at(probe.slot) {
            return Instrument::Snp(t);
        }
        match &self.pairs {
            Some(p) if p.kind == PairKind::Target => match p.by_probe.get(&probe.index) {
                Some(&(_, Some(k))) => Instrument::Snp(k),
                _ => Instrument::Missing,
            },
            _ => Instrument::Top,
        }
    }
}

impl Analysis for Cis<'_> {
    type Row = CisRow;
    type Scratch = CisScratch;

    fn scratch(&self) -> CisScratch {
        CisScratch::default()
    }

    fn selection(&self, probe: &ProbeCtx<'_>) -> SnpSelection {
        let s = self.snps;
        let pair = self
            .pairs
            .as_ref()
            .and_then(|p| p.by_probe.get(&probe.index));
        let (chr, centre_bp) = match (self.target.at(probe.slot), pair) {
            (Some(t), _) => (s.chr[t], s.bp[t]),
            // A pair's SNP, common to all inputs or not: only its position is needed.
            (None, Some(&(e, _))) => (self.esi.chr(e as usize), self.esi.bp(e as usize)),
            (None, None) => (probe.epi.chr, probe.epi.bp),
        };
        SnpSelection::around(chr, centre_bp, self.cfg.cis_window_bp)
    }

    fn test(
        &self,
        probe: &ProbeCtx<'_>,
        cis: &mut Vec<ProbeSnp>,
        sc: &mut CisScratch,
    ) -> Result<Outcome<CisRow>> {
        Ok(match self.instrument(probe, cis, sc) {
            Step::Done(o) => o,
            Step::Heidi {
                row,
                top,
                targeted,
                theta,
            } => self.finish_heidi(cis, row, top, targeted, theta, sc),
        })
    }
}

/// A probe after its instrument and SMR test ([`Cis::instrument`]).
pub enum Step {
    /// Its outcome (no HEIDI to run).
    Done(Outcome<CisRow>),
    /// The row so far; HEIDI is to be run with the instrument at position `top` of the cis
    /// set (`targeted`: a target SNP).
    Heidi {
        /// The row, without HEIDI.
        row: CisRow,
        /// Position of the instrument in the cis set.
        top: usize,
        /// The instrument is a target SNP.
        targeted: bool,
        /// The sample-overlap correlation θ (`--sample-overlap`), else `None`.
        theta: Option<f64>,
    },
}

impl Cis<'_> {
    /// Everything of [`Analysis::test`] but HEIDI: the instrument, the SMR test and the
    /// frequency; says whether HEIDI is to run.
    pub fn instrument(
        &self,
        probe: &ProbeCtx<'_>,
        cis: &mut Vec<ProbeSnp>,
        sc: &mut CisScratch,
    ) -> Step {
        let s = self.snps;
        let target = self.target_of(probe);
        if let Instrument::Snp(t) = target {
            if probe.index_order {
                // Dense with a target: scanned from the target downwards, then upwards.
                let t = t as u32;
                sc.below.clear();
                sc.below
                    .extend(cis.iter().filter(|c| c.k <= t).rev().copied());
                sc.below.extend(cis.iter().filter(|c| c.k > t).copied());
                std::mem::swap(cis, &mut sc.below);
            }
        }
        if cis.is_empty() {
            return Step::Done(Outcome::Skipped(match target {
                Instrument::Top => SkipReason::NoSnpInWindow,
                _ => SkipReason::TargetAbsent,
            }));
        }
        let top = match target {
            // The probe must carry the target itself; the instrument is then the last SNP
            // whose ID is the target or whose position equals the target's.
            Instrument::Snp(t) if cis.iter().any(|c| c.k() == t) => cis
                .iter()
                .rposition(|c| c.k() == t || s.bp[c.k()] == s.bp[t])
                .unwrap_or(0),
            Instrument::Snp(_) | Instrument::Missing => {
                return Step::Done(Outcome::Skipped(SkipReason::TargetAbsent))
            }
            Instrument::Top => max_abs_id(cis.iter().map(|c| c.zd)),
        };
        let c = cis[top];
        let p_eqtl = chisq1_tail(c.zd * c.zd);
        let targeted = target != Instrument::Top;
        if !targeted && p_eqtl > self.cfg.peqtl_smr {
            return Step::Done(Outcome::Skipped(SkipReason::NotSignificant));
        }
        let (by, sy) = (s.gwas_b[c.k()], s.gwas_se[c.k()]);
        // --sample-overlap: θ from the probe's null cis SNPs (crate::stats::overlap).
        let theta = match self.cfg.sample_overlap {
            Some(o) => {
                let zy = |x: &ProbeSnp| s.gwas_b[x.k()] / s.gwas_se[x.k()];
                let pairs = cis.iter().map(|x| (x.zd, zy(x)));
                match estimate_theta(pairs, o.z_bound(), o.mmecs) {
                    Some(t) => Some(t),
                    None => return Step::Done(Outcome::Skipped(SkipReason::TooFewNullSnps)),
                }
            }
            None => None,
        };
        let smr = match theta {
            Some(t) => smr_test_overlap(by, sy, c.bx, c.sx, t),
            None => smr_test(by, sy, c.bx, c.sx),
        };
        let freq = match self.ld {
            Some(ld) => ld.freq(c.k()),
            None => self.esi.freq(s.esi[c.k()] as usize).map_or(-9.0, f64::from),
        };
        let row = CisRow {
            top: c.k(),
            freq,
            bx: c.bx,
            sx: c.sx,
            p_eqtl,
            smr,
            heidi: None,
            heidi_detail: HeidiDetail::default(),
        };
        if self.ld.is_some() && smr.p <= self.cfg.psmr {
            Step::Heidi {
                row,
                top,
                targeted,
                theta,
            }
        } else {
            Step::Done(Outcome::One(row))
        }
    }

    /// The SNPs HEIDI method 1 is given for the cis set `cis` (instrument not a target, the
    /// default `.smr` path), in cis order: those over the threshold. `None` when this probe's
    /// HEIDI is not that one (method 0, a target SNP, the plot path): run
    /// [`Analysis::test`]'s HEIDI instead.
    pub fn heidi_snps_plain(
        &self,
        cis: &[ProbeSnp],
        targeted: bool,
        out: &mut Vec<HeidiSnp>,
    ) -> bool {
        if targeted
            || self.plot_path
            || self.cfg.heidi_method != HeidiMethod::New
            || self.cfg.sample_overlap.is_some()
        {
            return false;
        }
        let s = self.snps;
        out.clear();
        for x in cis {
            let zi = x.zd;
            if zi * zi - self.heidi.threshold > 1e-6 {
                out.push(HeidiSnp {
                    k: x.k(),
                    by: s.gwas_b[x.k()],
                    sy: s.gwas_se[x.k()],
                    bx: x.bx,
                    z: zi,
                });
            }
        }
        true
    }

    /// Complete a [`Step::Heidi`] row with HEIDI run on this trait alone.
    pub fn finish_heidi(
        &self,
        cis: &[ProbeSnp],
        mut row: CisRow,
        top: usize,
        targeted: bool,
        theta: Option<f64>,
        sc: &mut CisScratch,
    ) -> Outcome<CisRow> {
        let ld = self
            .ld
            .expect("HEIDI is asked for only with an LD reference");
        let (o, d) = self.heidi(cis, top, targeted, theta, ld, sc);
        row.heidi = Some(o);
        row.heidi_detail = d;
        Outcome::One(row)
    }

    /// The HEIDI parameters.
    pub fn heidi_params(&self) -> &HeidiParams {
        &self.heidi
    }

    /// The HEIDI variant.
    pub fn heidi_variant(&self) -> HeidiVariant {
        self.variant
    }

    /// The trait's SNP table.
    pub fn snps(&self) -> &SnpTable {
        self.snps
    }
}

impl Cis<'_> {
    /// HEIDI for the probe's cis set `cis` with instrument at position `top` (`targeted`: a
    /// target SNP, data-spec/algorithm.md §7.4; `theta`: the sample overlap).
    fn heidi(
        &self,
        cis: &[ProbeSnp],
        top: usize,
        targeted: bool,
        theta: Option<f64>,
        ld: &dyn LdSource,
        sc: &mut CisScratch,
    ) -> (HeidiOutcome, HeidiDetail) {
        let variant = HeidiVariant {
            overlap_theta: theta,
            ..self.variant
        };
        let s = self.snps;
        // On the plot path a target SNP is the instrument but HEIDI is the plain method.
        let targeted = targeted && !self.plot_path;
        let heidi_snp = |x: &ProbeSnp, z: f64| HeidiSnp {
            k: x.k(),
            by: s.gwas_b[x.k()],
            sy: s.gwas_se[x.k()],
            bx: x.bx,
            z,
        };
        let z = |x: &ProbeSnp| if targeted { x.zf() } else { x.zd };
        match self.cfg.heidi_method {
            HeidiMethod::New => {
                // Method 1 looks only at the SNPs passing the threshold (and the target):
                // hand it just those, in cis order, the target's position renumbered
                // (data-spec/algorithm.md §heidi step 1).
                let hs = &mut sc.heidi_snps;
                hs.clear();
                let mut target_pos = None;
                for (i, x) in cis.iter().enumerate() {
                    let zi = z(x);
                    let is_target = targeted && i == top;
                    if zi * zi - self.heidi.threshold > 1e-6 || is_target {
                        if is_target {
                            target_pos = Some(hs.len());
                        }
                        hs.push(heidi_snp(x, zi));
                    }
                }
                heidi_new_detailed(hs, ld, &self.heidi, variant, target_pos, &mut sc.heidi)
            }
            HeidiMethod::Original => {
                let hs: Vec<HeidiSnp> = cis.iter().map(|x| heidi_snp(x, z(x))).collect();
                heidi_original_detailed(&hs, ld, &self.heidi, variant, top)
            }
        }
    }
}
