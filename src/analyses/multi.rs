//! Multi-SNP SMR (the reference's algorithm §12): per probe, every SNP of its region whose
//! eQTL passes `--peqtl-smr`, pruned for LD, enters one test of the combined evidence; the
//! single-SNP SMR of the top SNP and HEIDI are reported beside it. The region is the cis
//! window (optionally narrowed to `--set-wind` around the top SNP), or with `--set-list` /
//! `--gene-list` a given range per named probe (data-spec/multi.md). One row per probe in `<out>.msmr`, its SNPs
//! in `<out>.snps4msmr.list`, its region in `<out>.prbregion4msmr.list` (formats §6.4).

use crate::analyses::cis::heidi_params;
use crate::config::Config;
use crate::engine::{Analysis, Outcome, ProbeCtx, ProbeSnp, SkipReason, SnpSelection};
use crate::error::Result;
use crate::harmonise::SnpTable;
use crate::ld::{correlation_into, dots_with_column, sums_with_column, LdSource, Panels};
use crate::stats::dist::{chisq1_tail, qchisq1_upper};
use crate::stats::heidi::{heidi_new_with, HeidiOutcome, HeidiParams, HeidiScratch, HeidiSnp};
use crate::stats::multi::multi_snp_p;
#[cfg(doc)]
use crate::stats::multi::prune_greedy;
use crate::stats::smr::{max_abs_id, smr_test, SmrTest};
use crate::types::{Bp, Chrom};

/// Settings of multi-SNP SMR (`--set-wind`, `--ld-multi-snp`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct MultiSettings {
    /// `--set-wind` in bp (`None`: the whole cis window).
    pub set_window_bp: Option<Bp>,
    /// `--ld-multi-snp` (r²).
    pub ld_multi_r2: f64,
}

/// One tested probe of multi-SNP SMR.
#[derive(Debug, Clone, PartialEq)]
pub struct MultiRow {
    /// Compact index of the top SNP.
    pub top: usize,
    /// Reference frequency of A1 at the top SNP.
    pub freq: f64,
    /// eQTL effect of the top SNP (float32 promoted).
    pub bx: f64,
    /// eQTL SE.
    pub sx: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// GWAS p-value recomputed from b/se (Q37).
    pub p_gwas: f64,
    /// Single-SNP SMR of the top SNP.
    pub smr: SmrTest,
    /// p_SMR_multi.
    pub p_multi: f64,
    /// HEIDI (None when not run).
    pub heidi: Option<HeidiOutcome>,
    /// Compact indexes of the SNPs in the multi-SNP test, in region order.
    pub snps: Vec<u32>,
    /// Chromosome, first and last position of the SNPs considered (cis mode only).
    pub region: Option<(Chrom, Bp, Bp)>,
}

/// Where each planned probe's SNPs come from.
pub enum Regions {
    /// The cis window of every probe (top-SNP mode).
    Cis,
    /// A range per plan slot (`--gene-list`): the probe's SNPs there, in stored order.
    Genes(Vec<(Chrom, Bp, Bp)>),
    /// A SNP set per plan slot (`--set-list`): its span, and its matched SNPs (compact
    /// indexes, unique, in the set's order) which are taken in that order.
    Sets(Vec<((Chrom, Bp, Bp), Vec<u32>)>),
}

/// Multi-SNP SMR of one trait.
pub struct Multi<'a> {
    cfg: &'a Config,
    settings: MultiSettings,
    snps: &'a SnpTable,
    ld: &'a dyn LdSource,
    heidi: HeidiParams,
    regions: Regions,
    /// |z| an instrument must reach: sqrt(qchisq(--peqtl-smr)).
    z_threshold: f64,
}

/// Per-worker buffers of [`Multi`].
#[derive(Default)]
pub struct MultiScratch {
    heidi_snps: Vec<HeidiSnp>,
    heidi: HeidiScratch,
    codes: Vec<Option<u8>>,
    ks: Vec<usize>,
    zx: Vec<f64>,
    region: Vec<ProbeSnp>,
    panels: Panels,
    col: Vec<f64>,
    sums: Vec<f64>,
    corr: Vec<f64>,
    rows: RowScratch,
}

/// Buffers of [`prune_by_rows`].
#[derive(Default)]
pub struct RowScratch {
    xt: Vec<f64>,
    sums: Vec<f64>,
    squares: Vec<f64>,
    dots: Vec<f64>,
    sd: Vec<f64>,
    /// Genotypes of the remaining SNPs once compacted (see [`prune_by_rows`]), and a second
    /// buffer.
    cur: Panels,
    next: Panels,
    /// The remaining SNPs: (position, column of the current panels), positions ascending.
    remaining: Vec<(usize, usize)>,
    /// Per kept SNP, in pruning order: its position, and its correlation with each SNP that
    /// remained when it was picked (`(position, r)`, positions ascending).
    picked: Vec<(usize, Vec<(usize, f64)>)>,
}

/// [`prune_greedy`] on the correlation matrix of the columns of `x`, computing only what it
/// looks at: the correlations of each kept SNP with the SNPs remaining when it is kept (one
/// pass over the genotypes per kept SNP, instead of the whole matrix: a probe has hundreds of
/// instruments and keeps a few). The genotypes are compacted to the remaining SNPs when fewer
/// than half of the columns remain (a copy costs about one pass). A later-kept SNP was
/// remaining when each earlier one was kept, so every pair of kept SNPs is among the values
/// computed. Every entry is the one [`correlation_into`] gives, bit for bit (see
/// [`sums_with_column`]; the formula's products commute). Returns the kept positions in their
/// original order and their correlation matrix (row-major).
fn prune_by_rows(x: &Panels, z: &[f64], cut: f64, sc: &mut RowScratch) -> (Vec<usize>, Vec<f64>) {
    let n = x.n() as f64;
    sc.remaining.clear();
    sc.remaining.extend((0..z.len()).map(|j| (j, j)));
    sc.picked.clear();
    let mut compacted = false;
    while !sc.remaining.is_empty() {
        let (best, t) = sc.remaining[max_abs_id(sc.remaining.iter().map(|&(j, _)| z[j]))];
        let panels = if compacted { &sc.cur } else { x };
        if sc.picked.is_empty() {
            // The sums and squares are the same for every target: computed once, for all.
            sums_with_column(
                x,
                t,
                &mut sc.xt,
                &mut sc.sums,
                &mut sc.squares,
                &mut sc.dots,
            );
            sc.sd.clear();
            sc.sd.extend(
                sc.sums
                    .iter()
                    .zip(&sc.squares)
                    .map(|(&s, &q)| (n * q - s * s).sqrt()),
            );
        } else {
            dots_with_column(panels, t, &mut sc.xt, &mut sc.dots);
        }
        let (sb, db) = (sc.sums[best], sc.sd[best]);
        let row: Vec<(usize, f64)> = sc
            .remaining
            .iter()
            .map(|&(j, q)| (j, (n * sc.dots[q] - sb * sc.sums[j]) / (db * sc.sd[j])))
            .collect();
        // A NaN correlation (monomorphic SNP) removes nothing, as `|C| > cut` is false.
        let columns = panels.m();
        let mut k = 0;
        sc.remaining.retain(|&(j, _)| {
            let r = row[k].1;
            k += 1;
            j != best && (r.abs() <= cut || r.is_nan())
        });
        sc.picked.push((best, row));
        if !sc.remaining.is_empty() && 2 * sc.remaining.len() < columns {
            let cols: Vec<usize> = sc.remaining.iter().map(|&(_, q)| q).collect();
            sc.next
                .select_from(if compacted { &sc.cur } else { x }, &cols);
            std::mem::swap(&mut sc.cur, &mut sc.next);
            for (q, r) in sc.remaining.iter_mut().enumerate() {
                r.1 = q;
            }
            compacted = true;
        }
    }
    // Pair (a, b) of kept SNPs: in the row of whichever was kept first.
    let mut order: Vec<usize> = (0..sc.picked.len()).collect();
    order.sort_unstable_by_key(|&i| sc.picked[i].0);
    let kept: Vec<usize> = order.iter().map(|&i| sc.picked[i].0).collect();
    let f = kept.len();
    let lookup = |row: &[(usize, f64)], j: usize| {
        row.binary_search_by_key(&j, |e| e.0)
            .map(|i| row[i].1)
            .expect("a SNP kept later remained when an earlier one was kept")
    };
    let mut ck = vec![0.0; f * f];
    for (a, &ia) in order.iter().enumerate() {
        for (b, &ib) in order.iter().enumerate() {
            let (earlier, later) = if ia <= ib { (ia, ib) } else { (ib, ia) };
            ck[a * f + b] = lookup(&sc.picked[earlier].1, sc.picked[later].0);
        }
    }
    (kept, ck)
}

impl<'a> Multi<'a> {
    /// The analysis for `cfg` on a trait's SNP table with LD from `ld`.
    pub fn new(
        cfg: &'a Config,
        settings: MultiSettings,
        snps: &'a SnpTable,
        ld: &'a dyn LdSource,
        regions: Regions,
    ) -> Self {
        Multi {
            cfg,
            settings,
            snps,
            ld,
            heidi: heidi_params(cfg),
            regions,
            z_threshold: qchisq1_upper(cfg.peqtl_smr).sqrt(),
        }
    }

    fn cis_window_bp(&self) -> Bp {
        match self.settings.set_window_bp {
            Some(w) if w > self.cfg.cis_window_bp => w,
            _ => self.cfg.cis_window_bp,
        }
    }
}

fn range((chr, start_bp, end_bp): (Chrom, Bp, Bp)) -> SnpSelection {
    SnpSelection::Range {
        chr,
        start_bp,
        end_bp,
    }
}

impl Analysis for Multi<'_> {
    type Row = MultiRow;
    type Scratch = MultiScratch;

    fn scratch(&self) -> MultiScratch {
        MultiScratch::default()
    }

    fn selection(&self, probe: &ProbeCtx<'_>) -> SnpSelection {
        match &self.regions {
            Regions::Cis => SnpSelection::around(probe.epi.chr, probe.epi.bp, self.cis_window_bp()),
            Regions::Genes(r) => range(r[probe.slot]),
            Regions::Sets(r) => range(r[probe.slot].0),
        }
    }

    fn test(
        &self,
        probe: &ProbeCtx<'_>,
        region: &mut Vec<ProbeSnp>,
        sc: &mut MultiScratch,
    ) -> Result<Outcome<MultiRow>> {
        let s = self.snps;
        if region.is_empty() {
            return Ok(Outcome::Skipped(SkipReason::NoSnpInWindow));
        }
        let cis_mode = matches!(self.regions, Regions::Cis);
        if let Regions::Sets(sets) = &self.regions {
            // A set's SNPs in the set's order, those the probe has data for.
            region.sort_by_key(|x| x.k);
            sc.region.clear();
            for &k in &sets[probe.slot].1 {
                if let Ok(i) = region.binary_search_by_key(&k, |x| x.k) {
                    sc.region.push(region[i]);
                }
            }
            std::mem::swap(region, &mut sc.region);
            if region.is_empty() {
                return Ok(Outcome::Skipped(SkipReason::NoSnpInWindow));
            }
        }
        let top = max_abs_id(region.iter().map(|c| c.zd));
        let c = region[top];
        let p_eqtl = chisq1_tail(c.zd * c.zd);
        if cis_mode && p_eqtl > self.cfg.peqtl_smr {
            return Ok(Outcome::Skipped(SkipReason::NotSignificant));
        }
        let top_k = c.k;
        if let (true, Some(w)) = (cis_mode, self.settings.set_window_bp) {
            let bp_top = s.bp[c.k()];
            let (lo, hi) = ((bp_top - w).max(0), bp_top + w);
            region.retain(|x| (lo..=hi).contains(&s.bp[x.k()]));
        }
        // The instruments: |z| at the threshold or above, pruned for LD.
        sc.ks.clear();
        sc.zx.clear();
        for x in region.iter().filter(|x| x.zd.abs() >= self.z_threshold) {
            sc.ks.push(x.k());
            sc.zx.push(x.zd);
        }
        if sc.ks.is_empty() {
            return Ok(Outcome::Skipped(SkipReason::NoInstrument));
        }
        // Genotypes decoded straight into the worker's panels (no per-probe matrix).
        self.ld.panels(&sc.ks, &mut sc.codes, &mut sc.panels);
        let cut = self.settings.ld_multi_r2.sqrt();
        let (kept, ck) = if cut < 1.0 {
            prune_by_rows(&sc.panels, &sc.zx, cut, &mut sc.rows)
        } else {
            // No pruning: every instrument is kept, the whole correlation matrix is needed.
            let m = sc.zx.len();
            sc.sums.clear();
            for j in 0..m {
                sc.panels.column_into(j, &mut sc.col);
                sc.sums.push(sc.col.iter().sum());
            }
            correlation_into(&sc.panels, &sc.sums, &mut sc.corr);
            ((0..m).collect(), sc.corr.clone())
        };
        let kept_k: Vec<u32> = kept.iter().map(|&i| sc.ks[i] as u32).collect();
        let zy: Vec<f64> = kept_k
            .iter()
            .map(|&k| s.gwas_b[k as usize] / s.gwas_se[k as usize])
            .collect();
        let zxk: Vec<f64> = kept.iter().map(|&i| sc.zx[i]).collect();
        let p_multi = multi_snp_p(&zy, &zxk, &ck);

        let (by, sy) = (s.gwas_b[c.k()], s.gwas_se[c.k()]);
        let smr = smr_test(by, sy, c.bx, c.sx);
        let zg = by / sy;
        let heidi = (self.cfg.heidi && smr.p <= self.cfg.psmr).then(|| {
            // HEIDI method 1 on the region; the set/gene modes use the single-precision z.
            // Method 1 looks only at the SNPs passing its threshold: hand it just those, in
            // region order (as the cis analysis does; the same result).
            let hs = &mut sc.heidi_snps;
            hs.clear();
            let threshold = self.heidi.threshold;
            hs.extend(region.iter().filter_map(|x| {
                let z = if cis_mode { x.zd } else { x.zf() };
                (z * z - threshold > 1e-6).then(|| HeidiSnp {
                    k: x.k(),
                    by: s.gwas_b[x.k()],
                    sy: s.gwas_se[x.k()],
                    bx: x.bx,
                    z,
                })
            }));
            heidi_new_with(hs, self.ld, &self.heidi, None, &mut sc.heidi)
        });
        let bps = region.iter().map(|x| s.bp[x.k()]);
        let range = (bps.clone().min(), bps.max());
        let region_out = match (cis_mode, range) {
            (true, (Some(lo), Some(hi))) => Some((s.chr[top_k as usize], lo, hi)),
            _ => None,
        };
        Ok(Outcome::One(MultiRow {
            top: c.k(),
            freq: self.ld.freq(c.k()),
            bx: c.bx,
            sx: c.sx,
            p_eqtl,
            p_gwas: chisq1_tail(zg * zg),
            smr,
            p_multi,
            heidi,
            snps: kept_k,
            region: region_out,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ld::{correlation_matrix, Matrix};
    use crate::stats::multi::prune_greedy;

    #[test]
    fn pruning_by_rows_is_pruning_on_the_whole_matrix() {
        // Correlated blocks of columns (shared base plus noise), a monomorphic column (NaN
        // correlations), z values with ties; several cuts.
        let n = 60;
        let m = 23;
        let mut data = Vec::with_capacity(n * m);
        for j in 0..m {
            for i in 0..n {
                let base = ((i * 31 + (j / 4) * 17) % 7) as f64 / 3.5;
                let noise = ((i * 7919 + j * 104_729) % 13) as f64 / 26.0;
                data.push(if j == 5 {
                    1.0
                } else {
                    (base + noise * (j % 3) as f64).min(2.0)
                });
            }
        }
        let x = Matrix { n, m, data };
        let z: Vec<f64> = (0..m).map(|j| ((j * 37 % 11) as f64 - 5.0) * 1.7).collect();
        let full = correlation_matrix(&x);
        let panels = Panels::from_matrix(&x);
        let mut sc = RowScratch::default();
        for cut in [0.1f64, 0.3, 0.5, 0.9, 0.99] {
            let want = prune_greedy(&full, &z, cut);
            let (kept, ck) = prune_by_rows(&panels, &z, cut, &mut sc);
            assert_eq!(kept, want, "cut {cut}");
            assert!(
                kept.len() > 1 && kept.len() < m,
                "cut {cut}: {} kept",
                kept.len()
            );
            let f = kept.len();
            for (a, &i) in kept.iter().enumerate() {
                for (b, &j) in kept.iter().enumerate() {
                    assert_eq!(
                        ck[a * f + b].to_bits(),
                        full[i * m + j].to_bits(),
                        "{i},{j}"
                    );
                }
            }
        }
    }
}
