//! SMR between two xQTL datasets (data-spec/omics.md; reference algorithm-2 §20): per outcome
//! probe, its stored values take the place of the GWAS in the trait's SNP table, and each
//! exposure probe near it is tested exactly as a cis probe by [`crate::analyses::cis::Cis`].
//! This module holds what differs from cis SMR: the outcome values as a GWAS, and which
//! exposure probes an outcome probe meets.

use crate::analyses::cis::CisRow;
use crate::analyses::multi::MultiRow;
use crate::engine::{usable_entry, TableWriter};
use crate::error::Result;
use crate::harmonise::{MatchResult, SnpTable};
use crate::io::besd::{BesdEntry, BesdFile};
use crate::io::epi::EpiRecord;
use crate::io::esi::EsiTable;
use crate::output::format::{push_e6, push_g6};
use crate::output::smr::write_heidi;
use crate::stats::dist::chisq1_tail;
use crate::types::Bp;
use std::fmt::Write;

/// Header of the `.smr` table of SMR between two xQTL datasets (formats §7.4).
pub const OMICS_HEADER: &str = "Expo_ID\tExpo_Chr\tExpo_Gene\tExpo_bp\tOutco_ID\tOutco_Chr\tOutco_Gene\tOutco_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_Outco\tse_Outco\tp_Outco\tb_Expo\tse_Expo\tp_Expo\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI";

/// Header of the `.msmr` table of SMR between two xQTL datasets (`--smr-multi`, formats §7.4):
/// the `.smr` header with `p_SMR_multi` between `p_SMR` and `p_HEIDI`.
pub const OMICS_MULTI_HEADER: &str = "Expo_ID\tExpo_Chr\tExpo_Gene\tExpo_bp\tOutco_ID\tOutco_Chr\tOutco_Gene\tOutco_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_Outco\tse_Outco\tp_Outco\tb_Expo\tse_Expo\tp_Expo\tb_SMR\tse_SMR\tp_SMR\tp_SMR_multi\tp_HEIDI\tnsnp_HEIDI";

/// p-value of an outcome value in the GWAS role: the z quotient taken in single precision,
/// as the reference does in `.smr` (quirk Q70).
pub fn outcome_p(beta: f32, se: f32) -> f64 {
    let z = f64::from(beta / se);
    chisq1_tail(z * z)
}

/// Where each outcome `.esi` row sits in the trait's SNP table, when the outcome table was
/// harmonised as a GWAS whose row `g` is outcome `.esi` row `rows[g]`.
pub struct OutcomeMap {
    /// Per outcome `.esi` row: compact SNP index (`u32::MAX` when not matched) and whether
    /// the outcome alleles are swapped relative to the exposure (β negated).
    slot: Vec<(u32, bool)>,
    /// Usability of each compact SNP's GWAS row (alleles), before any outcome values.
    base_usable: Vec<bool>,
    /// Compact SNPs filled by the last [`OutcomeMap::fill`] (cleared by the next one, so
    /// that a probe costs its own entries, not the whole table).
    filled: Vec<u32>,
}

impl OutcomeMap {
    /// The map of a harmonisation whose GWAS rows were the outcome `.esi` rows `rows`; the
    /// GWAS columns of `snps` are emptied (no SNP testable until a probe fills them).
    pub fn new(n_esi: usize, rows: &[u32], matched: &MatchResult, snps: &mut SnpTable) -> Self {
        let mut slot = vec![(u32::MAX, false); n_esi];
        for (k, m) in matched.snps.iter().enumerate() {
            slot[rows[m.gwas as usize] as usize] = (k as u32, m.gwas_swapped);
        }
        let base_usable = snps.gwas_usable.clone();
        snps.gwas_b.fill(f64::NAN);
        snps.gwas_se.fill(f64::NAN);
        snps.gwas_p.fill(f64::NAN);
        snps.gwas_usable.fill(false);
        OutcomeMap {
            slot,
            base_usable,
            filled: Vec::new(),
        }
    }

    /// Put outcome probe `probe`'s stored values into the GWAS columns of `snps` (aligned to
    /// the exposure A1); SNPs without a usable value for it become untestable. Returns the
    /// number of SNPs filled.
    pub fn fill(
        &mut self,
        snps: &mut SnpTable,
        besd: &BesdFile,
        probe: usize,
        buf: &mut Vec<BesdEntry>,
    ) -> Result<usize> {
        for &k in &self.filled {
            let k = k as usize;
            snps.gwas_b[k] = f64::NAN;
            snps.gwas_se[k] = f64::NAN;
            snps.gwas_p[k] = f64::NAN;
            snps.gwas_usable[k] = false;
        }
        self.filled.clear();
        let (slot, base_usable, filled) = (&self.slot, &self.base_usable, &mut self.filled);
        besd.for_each_entry(probe, buf, |e| {
            let Some(&(k, swapped)) = slot.get(e.snp as usize) else {
                return;
            };
            if k == u32::MAX || !usable_entry(&e) {
                return;
            }
            filled.push(k);
            let k = k as usize;
            let b = f64::from(e.beta);
            snps.gwas_b[k] = if swapped { -b } else { b };
            snps.gwas_se[k] = f64::from(e.se);
            snps.gwas_p[k] = outcome_p(e.beta, e.se);
            snps.gwas_usable[k] = base_usable[k];
        })?;
        Ok(self.filled.len())
    }
}

/// The exposure probes (rows of `probes`, in that order) an outcome probe meets: on its
/// chromosome within `window_bp` of it (`[max(bp − w, 0), bp + w]`), or all with
/// `--cis-to-all` (`window_bp` None).
pub fn exposure_probes(
    epi: &[EpiRecord],
    probes: &[usize],
    outcome: &EpiRecord,
    window_bp: Option<Bp>,
) -> Vec<usize> {
    match window_bp {
        None => probes.to_vec(),
        Some(w) => {
            let (lo, hi) = ((outcome.bp - w).max(0), outcome.bp + w);
            probes
                .iter()
                .copied()
                .filter(|&p| epi[p].chr == outcome.chr && (lo..=hi).contains(&epi[p].bp))
                .collect()
        }
    }
}

/// One row: an (exposure, outcome) pair tested as a cis probe.
#[derive(Debug, Clone, PartialEq)]
pub struct OmicsRow {
    /// Outcome `.epi` row.
    pub outcome: usize,
    /// The outcome's value at the instrument (aligned to the exposure A1): b, se, p.
    pub outcome_b: f64,
    /// Outcome se.
    pub outcome_se: f64,
    /// Outcome p (quirk Q70).
    pub outcome_p: f64,
    /// The cis test of the exposure probe with the outcome as GWAS.
    pub cis: CisRow,
}

/// The `.smr` table (formats §7.4); the row's probe is the exposure `.epi` row.
pub struct OmicsTable<'a> {
    /// Exposure `.epi`.
    pub expo_epi: &'a [EpiRecord],
    /// Outcome `.epi`.
    pub outco_epi: &'a [EpiRecord],
    /// Exposure `.esi` (instrument names and alleles).
    pub esi: &'a EsiTable,
    /// `.esi` row of each compact SNP.
    pub snp_esi: &'a [u32],
}

/// One `.msmr` row: an (exposure, outcome) pair tested by multi-SNP SMR (reference algorithm-2
/// §20, algorithm §12 A per exposure probe).
#[derive(Debug, Clone, PartialEq)]
pub struct OmicsMultiRow {
    /// Outcome `.epi` row.
    pub outcome: usize,
    /// The outcome's b at the top SNP (aligned to the exposure A1).
    pub outcome_b: f64,
    /// Outcome se.
    pub outcome_se: f64,
    /// The multi-SNP test of the exposure probe with the outcome as GWAS; its `p_gwas` (the
    /// double quotient, Q70) is the p_Outco printed.
    pub multi: MultiRow,
}

/// The `.msmr` table (formats §7.4); the row's probe is the exposure `.epi` row.
pub struct OmicsMultiTable<'a>(pub OmicsTable<'a>);

impl TableWriter<OmicsMultiRow> for OmicsMultiTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(OMICS_MULTI_HEADER)
    }

    fn write_row(&self, p: usize, r: &OmicsMultiRow, out: &mut String) {
        let m = &r.multi;
        self.0.write_pair(p, r.outcome, m.top, out);
        for v in [m.freq, r.outcome_b, r.outcome_se] {
            push_g6(out, v);
            out.push('\t');
        }
        push_e6(out, m.p_gwas);
        out.push('\t');
        for v in [m.bx, m.sx] {
            push_g6(out, v);
            out.push('\t');
        }
        push_e6(out, m.p_eqtl);
        out.push('\t');
        push_g6(out, m.smr.b);
        out.push('\t');
        push_g6(out, m.smr.se);
        out.push('\t');
        push_e6(out, m.smr.p);
        out.push('\t');
        push_e6(out, m.p_multi);
        out.push('\t');
        write_heidi(out, m.heidi, false);
        out.push('\n');
    }
}

impl OmicsTable<'_> {
    /// The probe columns of both traits and the instrument's (compact index `top`) name,
    /// position and alleles, each followed by a tab.
    fn write_pair(&self, p: usize, outcome: usize, top: usize, out: &mut String) {
        let (x, o) = (&self.expo_epi[p], &self.outco_epi[outcome]);
        let e = self.esi.row(self.snp_esi[top] as usize);
        let _ = write!(
            out,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
            x.probe,
            x.chr,
            x.gene,
            x.bp,
            o.probe,
            o.chr,
            o.gene,
            o.bp,
            e.snp,
            e.chr,
            e.bp,
            e.a1,
            e.a2
        );
    }
}

impl TableWriter<OmicsRow> for OmicsTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(OMICS_HEADER)
    }

    fn write_row(&self, p: usize, r: &OmicsRow, out: &mut String) {
        let c = &r.cis;
        self.write_pair(p, r.outcome, c.top, out);
        for v in [c.freq, r.outcome_b, r.outcome_se] {
            push_g6(out, v);
            out.push('\t');
        }
        push_e6(out, r.outcome_p);
        out.push('\t');
        for v in [c.bx, c.sx] {
            push_g6(out, v);
            out.push('\t');
        }
        push_e6(out, c.p_eqtl);
        out.push('\t');
        push_g6(out, c.smr.b);
        out.push('\t');
        push_g6(out, c.smr.se);
        out.push('\t');
        push_e6(out, c.smr.p);
        out.push('\t');
        write_heidi(out, c.heidi, false);
        out.push('\n');
    }
}
