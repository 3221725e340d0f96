//! Trans-SMR (the reference's algorithm §11): per probe, its SNPs outside the cis window are
//! grouped into trans-eQTL regions around SNPs passing `--peqtl-trans`; each region gives one
//! SMR + HEIDI row with its top SNP as instrument (`<out>.smr` in the trans layout, formats
//! §6.3; data-spec/trans.md).

use crate::analyses::cis::heidi_params;
use crate::config::Config;
use crate::engine::{Analysis, Outcome, ProbeCtx, ProbeSnp, SkipReason, SnpSelection};
use crate::error::Result;
use crate::harmonise::SnpTable;
use crate::io::esi::EsiTable;
use crate::ld::LdSource;
use crate::stats::dist::chisq1_tail;
use crate::stats::heidi::{heidi_new_with, HeidiOutcome, HeidiParams, HeidiScratch, HeidiSnp};
use crate::stats::smr::{max_abs_id, smr_test, SmrTest};
use crate::types::{Bp, Chrom};

/// Settings of trans-SMR.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransSettings {
    /// The cis window excluded around the probe, in bp (5000 kb unless `--cis-wind` given).
    pub cis_window_bp: Bp,
    /// `--trans-wind` in bp: how far a region extends from its anchor SNPs.
    pub trans_window_bp: Bp,
    /// `--peqtl-trans`: p-value a SNP must reach to start or extend a region.
    pub p_trans: f64,
}

/// One trans region of a probe, tested.
#[derive(Debug, Clone, PartialEq)]
pub struct TransRow {
    /// Chromosome of the region.
    pub chr: Chrom,
    /// Left bound (bp).
    pub left_bp: Bp,
    /// Right bound (bp).
    pub right_bp: Bp,
    /// Compact index of the top SNP.
    pub top: usize,
    /// Frequency of A1 (reference; `.esi` with `--heidi-off`).
    pub freq: f64,
    /// eQTL effect (float32 promoted).
    pub bx: f64,
    /// eQTL SE.
    pub sx: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// SMR test.
    pub smr: SmrTest,
    /// HEIDI (None when not run).
    pub heidi: Option<HeidiOutcome>,
}

/// Trans-SMR of one trait.
pub struct Trans<'a> {
    cfg: &'a Config,
    settings: TransSettings,
    snps: &'a SnpTable,
    esi: &'a EsiTable,
    ld: Option<&'a dyn LdSource>,
    heidi: HeidiParams,
}

/// Per-worker buffers of [`Trans`].
#[derive(Default)]
pub struct TransScratch {
    heidi_snps: Vec<HeidiSnp>,
    heidi: HeidiScratch,
    region: Vec<ProbeSnp>,
}

/// A region found by the scan: rows of the sorted candidate list in selection order.
struct Region {
    chr: Chrom,
    left_bp: Bp,
    right_bp: Bp,
    rows: Vec<usize>,
    /// Last candidate row the region took (a later region's leftward scan reaching it merges).
    last_row: usize,
}

impl<'a> Trans<'a> {
    /// The analysis for `cfg` on a trait's SNP table, with LD from `ld` (None: HEIDI off).
    pub fn new(
        cfg: &'a Config,
        settings: TransSettings,
        snps: &'a SnpTable,
        esi: &'a EsiTable,
        ld: Option<&'a dyn LdSource>,
    ) -> Self {
        Trans {
            cfg,
            settings,
            snps,
            esi,
            ld,
            heidi: heidi_params(cfg),
        }
    }

    /// The trans regions of candidates `c` (sorted by chromosome and position) of a probe at
    /// (`chr`, `bp`) (data-spec/trans.md §2).
    fn regions(&self, c: &[ProbeSnp], chr: Chrom, bp: Bp) -> Vec<Region> {
        let s = self.snps;
        let w = self.settings.trans_window_bp;
        let pt = self.settings.p_trans;
        let (cis_lo, cis_hi) = (
            (bp - self.settings.cis_window_bp).max(0),
            bp + self.settings.cis_window_bp,
        );
        let in_cis =
            |i: usize| s.chr[c[i].k()] == chr && (cis_lo..=cis_hi).contains(&s.bp[c[i].k()]);
        let p = |i: usize| {
            let z = c[i].zf();
            chisq1_tail(z * z)
        };
        let pos = |i: usize| (s.chr[c[i].k()], s.bp[c[i].k()]);
        let mut regions: Vec<Region> = Vec::new();
        let mut i = 0;
        while i < c.len() {
            if p(i) > pt {
                i += 1;
                continue;
            }
            let (rc, start_bp) = pos(i);
            let mut rows = vec![i];
            // Leftwards from the start SNP.
            let mut left = None;
            let mut merge = false;
            let mut j = i;
            while j > 0 {
                j -= 1;
                let (cj, bj) = pos(j);
                if cj != rc || start_bp - bj > w {
                    break;
                }
                left = Some(bj);
                if regions
                    .last()
                    .is_some_and(|r| r.chr == rc && j <= r.last_row)
                {
                    merge = true;
                    break;
                }
                if in_cis(j) {
                    break;
                }
                rows.push(j);
            }
            // Rightwards from the current anchor, which moves to each SNP below the threshold.
            let mut anchor_bp = start_bp;
            let mut right = None;
            let mut last = i;
            let mut k = i + 1;
            while k < c.len() {
                let (ck, bk) = pos(k);
                if ck != rc || bk - anchor_bp > w {
                    break;
                }
                right = Some(bk);
                if in_cis(k) {
                    break;
                }
                rows.push(k);
                last = k;
                if p(k) < pt {
                    anchor_bp = bk;
                }
                k += 1;
            }
            let right_bp = right.unwrap_or(anchor_bp + w);
            if merge {
                let r = regions.last_mut().expect("merging with a region");
                r.rows.extend(rows);
                r.right_bp = right_bp;
                r.last_row = last;
            } else {
                regions.push(Region {
                    chr: rc,
                    left_bp: left.unwrap_or((start_bp - w).max(0)),
                    right_bp,
                    rows,
                    last_row: last,
                });
            }
            i = last + 1;
        }
        regions
    }
}

impl Analysis for Trans<'_> {
    type Row = TransRow;
    type Scratch = TransScratch;

    fn scratch(&self) -> TransScratch {
        TransScratch::default()
    }

    fn selection(&self, _probe: &ProbeCtx<'_>) -> SnpSelection {
        SnpSelection::All
    }

    fn test(
        &self,
        probe: &ProbeCtx<'_>,
        snps: &mut Vec<ProbeSnp>,
        sc: &mut TransScratch,
    ) -> Result<Outcome<TransRow>> {
        let s = self.snps;
        let (pchr, pbp, w) = (probe.epi.chr, probe.epi.bp, self.settings.cis_window_bp);
        // The candidates: SNPs not in the cis window, sorted by position (stable).
        snps.retain(|x| s.chr[x.k()] != pchr || (pbp - s.bp[x.k()]).abs() > w);
        snps.sort_by_key(|x| (s.chr[x.k()], s.bp[x.k()]));
        let regions = self.regions(snps, pchr, pbp);
        if regions.is_empty() {
            return Ok(Outcome::Skipped(SkipReason::NoTransRegion));
        }
        let mut rows = Vec::with_capacity(regions.len());
        for r in &regions {
            sc.region.clear();
            sc.region.extend(r.rows.iter().map(|&i| snps[i]));
            let region = &sc.region;
            let top = max_abs_id(region.iter().map(|x| x.zd));
            let c = region[top];
            let p_eqtl = chisq1_tail(c.zd * c.zd);
            if p_eqtl > self.cfg.peqtl_smr {
                continue;
            }
            // The trans workspace holds the GWAS effect and SE in single precision.
            let f32r = |x: f64| f64::from(x as f32);
            let (by, sy) = (f32r(s.gwas_b[c.k()]), f32r(s.gwas_se[c.k()]));
            let smr = smr_test(by, sy, c.bx, c.sx);
            let heidi = match self.ld {
                Some(ld) if smr.p <= self.cfg.psmr => {
                    // The "ref" variant with the top SNP as target, single-precision z.
                    let hs = &mut sc.heidi_snps;
                    hs.clear();
                    hs.extend(region.iter().map(|x| HeidiSnp {
                        k: x.k(),
                        by: f32r(s.gwas_b[x.k()]),
                        sy: f32r(s.gwas_se[x.k()]),
                        bx: x.bx,
                        z: x.zf(),
                    }));
                    Some(heidi_new_with(
                        hs,
                        ld,
                        &self.heidi,
                        Some(top),
                        &mut sc.heidi,
                    ))
                }
                _ => None,
            };
            let freq = match self.ld {
                Some(ld) => ld.freq(c.k()),
                None => self.esi.freq(s.esi[c.k()] as usize).map_or(-9.0, f64::from),
            };
            rows.push(TransRow {
                chr: r.chr,
                left_bp: r.left_bp,
                right_bp: r.right_bp,
                top: c.k(),
                freq,
                bx: c.bx,
                sx: c.sx,
                p_eqtl,
                smr,
                heidi,
            });
        }
        Ok(if rows.is_empty() {
            Outcome::Skipped(SkipReason::NotSignificant)
        } else {
            Outcome::Many(rows)
        })
    }
}
