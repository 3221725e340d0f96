//! The compact SNP table of one trait: the matched SNPs in analysis order with their GWAS
//! values aligned to the eQTL A1 (data-spec/memory.md §3), and the GWAS values kept between
//! matching and the table.

use super::matching::{DropReason, MatchResult};
use crate::io::columns::unpack_opt;
use crate::io::esi::EsiTable;
use crate::types::{Bp, Chrom};
use rayon::prelude::*;

/// The matched SNPs in analysis order (the compact SNP index).
pub struct SnpTable {
    /// `.esi` index of each compact SNP.
    pub esi: Vec<u32>,
    /// Chromosome (from `.esi`).
    pub chr: Vec<Chrom>,
    /// Position (from `.esi`).
    pub bp: Vec<Bp>,
    /// GWAS values aligned to the eQTL A1, one column each (NaN where NA): effect.
    pub gwas_b: Vec<f64>,
    /// GWAS standard error (NaN where NA).
    pub gwas_se: Vec<f64>,
    /// GWAS p-value as read (NaN where NA).
    pub gwas_p: Vec<f64>,
    /// GWAS row usable for a test (see [`crate::io::gwas::GwasRecord::usable`]).
    pub gwas_usable: Vec<bool>,
    /// Compact index of each `.esi` row (`u32::MAX` when not matched).
    pub from_esi: Vec<u32>,
}

/// Index of the first row `i < n` whose ID `id(i)` is in `needed`, per such ID (scanned in
/// parallel; nothing is scanned when `needed` is empty).
pub(crate) fn first_rows<'a>(
    needed: &rustc_hash::FxHashSet<&str>,
    n: usize,
    id: impl Fn(usize) -> &'a str + Sync,
) -> rustc_hash::FxHashMap<&'a str, usize> {
    let mut m = rustc_hash::FxHashMap::default();
    if needed.is_empty() {
        return m;
    }
    let hits: Vec<(&str, usize)> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let s = id(i);
            needed.contains(s).then_some((s, i))
        })
        .collect();
    for (s, i) in hits {
        m.entry(s).or_insert(i);
    }
    m
}

/// What a trait's run needs from its GWAS table once matching is done (data-spec/memory.md
/// §3): the value columns, which rows can be tested, and the written alleles of the SNPs
/// dropped for their GWAS alleles (for the report). IDs and alleles are freed.
pub struct GwasAfterMatch {
    /// GWAS value columns (b, se, p, freq), one slot per GWAS row.
    pub values: crate::io::gwas::GwasValues,
    /// GWAS row usable for a test.
    pub usable: Vec<bool>,
    /// Written alleles of the SNPs dropped for their GWAS alleles.
    pub alleles: rustc_hash::FxHashMap<String, String>,
}

impl GwasAfterMatch {
    /// Keep what the rest of the run needs from `records`, given the matching outcome.
    pub fn new(records: crate::io::gwas::GwasTable, matched: &MatchResult) -> Self {
        let needed: rustc_hash::FxHashSet<&str> = matched
            .dropped
            .iter()
            .filter(|(r, _)| {
                matches!(
                    r,
                    DropReason::AlleleMismatchGwas | DropReason::StrandAmbiguous
                )
            })
            .map(|(_, id)| id.as_str())
            .collect();
        let alleles = first_rows(&needed, records.len(), |i| records.snp(i))
            .into_iter()
            .map(|(id, i)| {
                let g = records.row(i);
                (id.to_string(), format!("{}/{}", g.a1, g.a2))
            })
            .collect();
        let usable = (0..records.len())
            .into_par_iter()
            .map(|i| records.row(i).usable())
            .collect();
        GwasAfterMatch {
            values: records.into_values(),
            usable,
            alleles,
        }
    }
}

impl SnpTable {
    /// Build the table from the matched SNPs; each GWAS value column is freed once its values
    /// are copied in analysis order.
    pub fn build(esi: &EsiTable, gwas: GwasAfterMatch, matched: &MatchResult) -> SnpTable {
        // Compact SNP table (data-spec/memory.md §3): each GWAS value column is freed once its
        // values are copied in analysis order.
        let ms = &matched.snps;
        let gwas_usable = ms
            .par_iter()
            .map(|s| gwas.usable[s.gwas as usize])
            .collect();
        let values = gwas.values;
        drop(values.freq);
        // Each column as `align_gwas` gives it (b negated when swapped), NaN where NA.
        let nan = f64::NAN;
        let column = |v: Vec<f64>, negate: bool| -> Vec<f64> {
            ms.par_iter()
                .map(|s| match unpack_opt(v[s.gwas as usize]) {
                    Some(x) if negate && s.gwas_swapped => -x,
                    Some(x) => x,
                    None => nan,
                })
                .collect()
        };
        let gwas_b = column(values.b, true);
        let gwas_se = column(values.se, false);
        let gwas_p = column(values.p, false);
        let mut from_esi = vec![u32::MAX; esi.len()];
        for (k, s) in ms.iter().enumerate() {
            from_esi[s.esi as usize] = k as u32;
        }
        SnpTable {
            esi: ms.par_iter().map(|s| s.esi).collect(),
            chr: ms.par_iter().map(|s| esi.chr(s.esi as usize)).collect(),
            bp: ms.par_iter().map(|s| esi.bp(s.esi as usize)).collect(),
            gwas_b,
            gwas_se,
            gwas_p,
            gwas_usable,
            from_esi,
        }
    }

    /// Number of SNPs.
    pub fn len(&self) -> usize {
        self.esi.len()
    }

    /// True when no SNP matched.
    pub fn is_empty(&self) -> bool {
        self.esi.is_empty()
    }

    /// Compact index of the SNP named `id`, if matched.
    pub fn find(&self, esi: &EsiTable, id: &str) -> Option<usize> {
        (0..self.len()).find(|&k| esi.snp(self.esi[k] as usize) == id)
    }
}
