//! Cis SMR and HEIDI (data-spec/algorithm.md §6–§7): per probe, the SNPs within the cis
//! window, the top cis-eQTL (or `--target-snp`) as instrument, the SMR test, and HEIDI with
//! LD from the reference. One row per tested probe (`<out>.smr`, formats §6.2).

use crate::config::{Config, HeidiMethod};
use crate::engine::{Analysis, Outcome, ProbeCtx, ProbeSnp, SkipReason, SnpSelection};
use crate::error::Result;
use crate::harmonise::SnpTable;
use crate::io::esi::EsiTable;
use crate::ld::LdSource;
use crate::stats::dist::{chi_val, chisq1_tail};
use crate::stats::heidi::{
    heidi_new_detailed, heidi_original_detailed, HeidiDetail, HeidiOutcome, HeidiParams,
    HeidiScratch, HeidiSnp, HeidiVariant,
};
use crate::stats::smr::{max_abs_id, smr_test, SmrTest};

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

    /// True with `--target-snp` (the table's columns 5-7 are then named `targetSNP*`).
    pub fn has_target(&self) -> bool {
        self.target != Target::None
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
        let (chr, centre_bp) = match self.target.at(probe.slot) {
            Some(t) => (s.chr[t], s.bp[t]),
            None => (probe.epi.chr, probe.epi.bp),
        };
        SnpSelection::around(chr, centre_bp, self.cfg.cis_window_bp)
    }

    fn test(
        &self,
        probe: &ProbeCtx<'_>,
        cis: &mut Vec<ProbeSnp>,
        sc: &mut CisScratch,
    ) -> Result<Outcome<CisRow>> {
        let s = self.snps;
        let target = self.target.at(probe.slot);
        if let Some(t) = target {
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
            return Ok(Outcome::Skipped(match target {
                Some(_) => SkipReason::TargetAbsent,
                None => SkipReason::NoSnpInWindow,
            }));
        }
        let top = match target {
            // The probe must carry the target itself; the instrument is then the last SNP
            // whose ID is the target or whose position equals the target's.
            Some(t) if cis.iter().any(|c| c.k() == t) => cis
                .iter()
                .rposition(|c| c.k() == t || s.bp[c.k()] == s.bp[t])
                .unwrap_or(0),
            Some(_) => return Ok(Outcome::Skipped(SkipReason::TargetAbsent)),
            None => max_abs_id(cis.iter().map(|c| c.zd)),
        };
        let c = cis[top];
        let p_eqtl = chisq1_tail(c.zd * c.zd);
        if target.is_none() && p_eqtl > self.cfg.peqtl_smr {
            return Ok(Outcome::Skipped(SkipReason::NotSignificant));
        }
        let (by, sy) = (s.gwas_b[c.k()], s.gwas_se[c.k()]);
        let smr = smr_test(by, sy, c.bx, c.sx);
        let (heidi, heidi_detail) = match self.ld {
            Some(ld) if smr.p <= self.cfg.psmr => {
                let (o, d) = self.heidi(cis, top, target.is_some(), ld, sc);
                (Some(o), d)
            }
            _ => (None, HeidiDetail::default()),
        };
        let freq = match self.ld {
            Some(ld) => ld.freq(c.k()),
            None => self.esi.freq(s.esi[c.k()] as usize).map_or(-9.0, f64::from),
        };
        Ok(Outcome::One(CisRow {
            top: c.k(),
            freq,
            bx: c.bx,
            sx: c.sx,
            p_eqtl,
            smr,
            heidi,
            heidi_detail,
        }))
    }
}

impl Cis<'_> {
    /// HEIDI for the probe's cis set `cis` with instrument at position `top`.
    fn heidi(
        &self,
        cis: &[ProbeSnp],
        top: usize,
        targeted: bool,
        ld: &dyn LdSource,
        sc: &mut CisScratch,
    ) -> (HeidiOutcome, HeidiDetail) {
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
                heidi_new_detailed(hs, ld, &self.heidi, self.variant, target_pos, &mut sc.heidi)
            }
            HeidiMethod::Original => {
                let hs: Vec<HeidiSnp> = cis.iter().map(|x| heidi_snp(x, z(x))).collect();
                heidi_original_detailed(&hs, ld, &self.heidi, self.variant, top)
            }
        }
    }
}
