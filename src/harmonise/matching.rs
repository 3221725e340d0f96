//! Matching SNPs by ID across GWAS, eQTL and LD reference (data-spec/harmonise.md
//! §three-way, §two-way), the per-run SNP-ID index, and `--match-by chrpos`.

use super::alleles::{match_alleles, match_gwas_alleles, AlleleMatch, GwasAlleles, MatchOptions};
use crate::io::esi::EsiTable;
use crate::io::gwas::GwasTable;
use crate::io::plink::BimTable;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// One SNP present in every source used, with its alignment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MatchedSnp {
    /// Index into the `.esi` rows (32-bit: millions of these are held per trait).
    pub esi: u32,
    /// Index into the GWAS rows.
    pub gwas: u32,
    /// Index into the `.bim` rows, or [`NO_BIM`] without an LD reference (a sentinel rather
    /// than an `Option`: 16 bytes per matched SNP instead of 20).
    pub bim: u32,
    /// The eQTL A1 is the `.bim` A2: genotype counts must be turned into `2 - count`.
    pub bim_swapped: bool,
    /// The GWAS alleles are swapped relative to the eQTL: b negated, freq turned into 1 - f.
    pub gwas_swapped: bool,
    /// The GWAS alleles are on the other strand (only with `--strand-flip`).
    pub gwas_strand_flipped: bool,
}

/// [`MatchedSnp::bim`] of a SNP matched without an LD reference.
pub const NO_BIM: u32 = u32::MAX;

/// Why a SNP left the analysis during matching (data-spec/harmonise.md §report).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropReason {
    /// In the LD reference and GWAS but not among the (filtered) eQTL SNPs.
    NotInEqtl,
    /// In the LD reference but not in the GWAS.
    NotInGwas,
    /// In the GWAS and eQTL data but not in the LD reference.
    NotInReference,
    /// eQTL alleles differ from the LD reference's.
    AlleleMismatchReference,
    /// eQTL alleles differ from the GWAS's.
    AlleleMismatchGwas,
    /// LD-reference minor allele frequency at or below `--maf`.
    Maf,
    /// Allele frequencies differ by more than `--diff-freq`.
    FreqDifference,
    /// A/T or C/G SNP whose strand the frequencies cannot settle (only with `--strand-flip`).
    StrandAmbiguous,
}

impl DropReason {
    /// Short label used in the log and the harmonisation report.
    pub fn label(self) -> &'static str {
        match self {
            DropReason::NotInEqtl => "not in eQTL data",
            DropReason::NotInGwas => "not in GWAS",
            DropReason::NotInReference => "not in LD reference",
            DropReason::AlleleMismatchReference => "allele mismatch eQTL vs LD reference",
            DropReason::AlleleMismatchGwas => "allele mismatch eQTL vs GWAS",
            DropReason::Maf => "MAF at or below --maf in LD reference",
            DropReason::FreqDifference => "allele frequency difference",
            DropReason::StrandAmbiguous => "strand-ambiguous A/T or C/G SNP",
        }
    }
}

/// Result of matching: the SNPs kept (their order defines the compact SNP index) and counts of
/// those dropped by reason.
#[derive(Debug, Clone, Default)]
pub struct MatchResult {
    /// Matched SNPs in analysis order (`.bim` order with a reference, `.esi` order without).
    pub snps: Vec<MatchedSnp>,
    /// Dropped SNPs: (reason, SNP ID).
    pub dropped: Vec<(DropReason, String)>,
}

impl MatchResult {
    /// Number of dropped SNPs for `reason`.
    pub fn count(&self, reason: DropReason) -> usize {
        self.dropped.iter().filter(|(r, _)| *r == reason).count()
    }
}

fn index_by_id<'a, I: Iterator<Item = (usize, &'a str)>>(it: I) -> FxHashMap<&'a str, usize> {
    let mut m = FxHashMap::default();
    m.reserve(it.size_hint().0);
    for (i, id) in it {
        m.entry(id).or_insert(i);
    }
    m
}

/// Three-way matching in `.bim` order (data-spec/harmonise.md §three-way).
///
/// `esi_keep` and `bim_keep` are the indexes that survived the SNP filters.
pub fn match_three_way(
    gwas: &GwasTable,
    esi: &EsiTable,
    esi_keep: &[u32],
    bim: &BimTable,
    bim_keep: &[u32],
) -> MatchResult {
    match_three_way_with(gwas, esi, esi_keep, bim, bim_keep, &MatchOptions::default())
}

/// [`match_three_way`] with opt-in rules (`--strand-flip`).
pub fn match_three_way_with(
    gwas: &GwasTable,
    esi: &EsiTable,
    esi_keep: &[u32],
    bim: &BimTable,
    bim_keep: &[u32],
    opts: &MatchOptions,
) -> MatchResult {
    // The two ID indexes are built side by side, then `.bim` chunks are matched in parallel
    // and concatenated in order, so the result is the sequential one.
    let (gwas_ix, esi_ix) = rayon::join(
        || index_by_id((0..gwas.len()).map(|i| (i, gwas.snp(i)))),
        || index_by_id(esi_keep.iter().map(|&i| (i as usize, esi.snp(i as usize)))),
    );
    let parts: Vec<MatchResult> = bim_keep
        .par_chunks(1 << 16)
        .map(|chunk| {
            let mut out = MatchResult::default();
            for &b in chunk {
                match_one_bim(
                    &mut out, b as usize, gwas, esi, bim, &gwas_ix, &esi_ix, opts,
                );
            }
            out
        })
        .collect();
    concat_results(parts)
}

/// Match `.bim` SNP `b` (three-way rule) and record the outcome in `out`.
#[allow(clippy::too_many_arguments)]
fn match_one_bim(
    out: &mut MatchResult,
    b: usize,
    gwas: &GwasTable,
    esi: &EsiTable,
    bim: &BimTable,
    gwas_ix: &FxHashMap<&str, usize>,
    esi_ix: &FxHashMap<&str, usize>,
    opts: &MatchOptions,
) {
    let id = bim.snp(b);
    if let Some(&g) = gwas_ix.get(id) {
        classify(out, b, g, esi_ix.get(id).copied(), gwas, esi, bim, opts);
    }
}

/// SNP-ID indexes of the LD reference and the eQTL SNPs, and their join, built once per run
/// and reused for every trait: [`MatchIndex::match_gwas`] gives exactly what
/// [`match_three_way`] gives, with one hash lookup per GWAS row instead of building two
/// 9 M-entry indexes and doing two lookups per `.bim` row for each trait.
pub struct MatchIndex {
    /// `.bim` row index (first occurrence) by SNP ID.
    bim_table: IdIndex,
    /// Kept `.esi` rows whose ID is in no `.bim` row, by SNP ID (first occurrence among
    /// `esi_keep`); every kept `.esi` row when `.bim` IDs repeat.
    esi_rest: IdIndex,
    /// Per `.bim` row (kept or not): the `.esi` row with that ID among `esi_keep` (first
    /// occurrence), or `u32::MAX`.
    bim_esi: Vec<u32>,
    /// Per `.bim` row: in `bim_keep`.
    bim_kept: Vec<bool>,
    /// Every `.bim` ID occurs once (then "the first row with this ID is kept" is "some row
    /// with this ID is kept").
    bim_unique: bool,
}

use crate::io::id_index::{hash_id, IdIndex};

/// Where the GWAS rows' IDs are, from [`MatchIndex::locate`]: one byte per GWAS row and four
/// per `.bim` row (data-spec/memory.md §3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    /// Per `.bim` row: the first GWAS row with its ID, or `u32::MAX`.
    gwas_of_bim: Vec<u32>,
    /// Per GWAS row: [`IN_EQTL`] and [`IN_REF`] bits.
    found: Vec<u8>,
}

/// [`Located`] bit: the ID is among the kept `.esi` rows.
const IN_EQTL: u8 = 1;
/// [`Located`] bit: the ID is among the kept `.bim` rows.
const IN_REF: u8 = 2;

impl Located {
    /// GWAS row `g`'s ID is among the kept `.esi` rows.
    pub fn in_eqtl(&self, g: usize) -> bool {
        self.found[g] & IN_EQTL != 0
    }

    /// GWAS row `g`'s ID is among the kept `.bim` rows.
    pub fn in_ref(&self, g: usize) -> bool {
        self.found[g] & IN_REF != 0
    }

    /// The first GWAS row with the ID of `.bim` row `b`.
    pub fn gwas_of_bim(&self, b: usize) -> Option<usize> {
        let g = self.gwas_of_bim[b];
        (g != u32::MAX).then_some(g as usize)
    }

    /// Number of GWAS rows.
    pub fn len(&self) -> usize {
        self.found.len()
    }

    /// True when there is no GWAS row.
    pub fn is_empty(&self) -> bool {
        self.found.is_empty()
    }
}

/// [`MatchedSnp`] is held once per matched SNP (millions per trait): keep it at 16 bytes.
const _: () = assert!(std::mem::size_of::<MatchedSnp>() == 16);

impl MatchIndex {
    /// Build the indexes for the filtered `.esi` rows `esi_keep` and `.bim` rows `bim_keep`.
    pub fn new(esi: &EsiTable, esi_keep: &[u32], bim: &BimTable, bim_keep: &[u32]) -> Self {
        // The `.bim` index is built in parallel (data-spec/memory.md §5); the kept `.esi`
        // rows are then looked up in it, and only those whose ID the `.bim` lacks get an
        // index of their own (usually few): a GWAS ID found in no `.bim` row can only be
        // among them.
        let bim_table = IdIndex::build_all(bim.len(), |j| bim.snp(j as usize));
        let bim_unique = bim_table.unique();
        let mut bim_kept = vec![false; bim.len()];
        for &b in bim_keep {
            bim_kept[b as usize] = true;
        }
        if !bim_unique {
            // Repeated `.bim` IDs: every row with an ID maps to the ID's `.esi` row, so each
            // `.bim` row is looked up in an index of all the kept `.esi` rows.
            let esi_rest = IdIndex::build(esi_keep, |j| esi.snp(j as usize));
            let bim_esi = (0..bim.len())
                .into_par_iter()
                .map(|b| {
                    let id = bim.snp(b);
                    esi_rest
                        .find(hash_id(id), |&j| esi.snp(j as usize) == id)
                        .copied()
                        .unwrap_or(u32::MAX)
                })
                .collect();
            return MatchIndex {
                bim_table,
                esi_rest,
                bim_esi,
                bim_kept,
                bim_unique,
            };
        }
        // The `.esi` and `.bim` are usually in the same (genome) order: each chunk first tries
        // the `.bim` rows just after the previous match (a string compare on neighbouring
        // memory) and falls back to the hash table; with distinct `.bim` IDs the row found
        // either way is the same row.
        const CHUNK: usize = 1 << 14;
        let mut esi_bim = vec![u32::MAX; esi_keep.len()];
        esi_bim
            .par_chunks_mut(CHUNK)
            .zip(esi_keep.par_chunks(CHUNK))
            .for_each(|(out, rows)| {
                let mut next = usize::MAX;
                for (o, &e) in out.iter_mut().zip(rows) {
                    let id = esi.snp(e as usize);
                    let guess = (next..next.saturating_add(2))
                        .take_while(|&b| b < bim.len())
                        .find(|&b| bim.snp(b) == id);
                    let b = guess.or_else(|| {
                        bim_table
                            .find(hash_id(id), |&j| bim.snp(j as usize) == id)
                            .map(|&j| j as usize)
                    });
                    if let Some(b) = b {
                        next = b + 1;
                        *o = b as u32;
                    }
                }
            });
        // Per `.bim` row, the first kept `.esi` row with its ID (in `esi_keep` order).
        let mut bim_esi = vec![u32::MAX; bim.len()];
        let mut rest = Vec::new();
        for (&e, &b) in esi_keep.iter().zip(&esi_bim) {
            if b == u32::MAX {
                rest.push(e);
            } else if bim_esi[b as usize] == u32::MAX {
                bim_esi[b as usize] = e;
            }
        }
        drop(esi_bim);
        let esi_rest = IdIndex::build(&rest, |j| esi.snp(j as usize));
        MatchIndex {
            bim_table,
            esi_rest,
            bim_esi,
            bim_kept,
            bim_unique,
        }
    }

    /// Locate every GWAS row's ID in the indexed reference and eQTL SNPs (in parallel).
    pub fn locate(
        &self,
        gwas: &GwasTable,
        esi: &EsiTable,
        bim: &BimTable,
        bim_keep: &[u32],
    ) -> Located {
        // GWAS files and the reference are usually in the same (genome) order: each chunk of
        // GWAS rows first tries the `.bim` rows just after the previous match (a string
        // compare on neighbouring memory) and falls back to the hash table. With unique `.bim`
        // IDs the row found either way is the same row.
        use std::sync::atomic::{AtomicU32, Ordering};
        const CHUNK: usize = 1 << 14;
        // The first GWAS row of each `.bim` row: the smallest row index written there.
        let first: Vec<AtomicU32> = (0..bim.len()).map(|_| AtomicU32::new(u32::MAX)).collect();
        let mut found = vec![0u8; gwas.len()];
        found
            .par_chunks_mut(CHUNK)
            .enumerate()
            .for_each(|(c, out)| {
                let mut next = usize::MAX;
                for (o, g) in out.iter_mut().zip(c * CHUNK..) {
                    let id = gwas.snp(g);
                    let guess = if self.bim_unique {
                        (next..next.saturating_add(2))
                            .take_while(|&b| b < bim.len())
                            .find(|&b| bim.snp(b) == id)
                    } else {
                        None
                    };
                    let b = match guess {
                        Some(b) => Some(b),
                        None => self
                            .bim_table
                            .find(hash_id(id), |&j| bim.snp(j as usize) == id)
                            .map(|&j| j as usize),
                    };
                    let kept = b.is_some_and(|b| self.bim_kept[b]);
                    let in_eqtl = match b {
                        Some(b) => self.bim_esi[b] != u32::MAX,
                        None => self
                            .esi_rest
                            .find(hash_id(id), |&j| esi.snp(j as usize) == id)
                            .is_some(),
                    };
                    if let Some(b) = b {
                        next = b + 1;
                        first[b].fetch_min(g as u32, Ordering::Relaxed);
                    }
                    *o = (u8::from(in_eqtl) * IN_EQTL) | (u8::from(kept) * IN_REF);
                }
            });
        if !self.bim_unique {
            // Duplicate `.bim` IDs: membership of the kept rows by ID, as a set gives it.
            let kept_ids: rustc_hash::FxHashSet<&str> =
                bim_keep.iter().map(|&i| bim.snp(i as usize)).collect();
            for (g, f) in found.iter_mut().enumerate() {
                *f = (*f & !IN_REF) | (u8::from(kept_ids.contains(gwas.snp(g))) * IN_REF);
            }
        }
        Located {
            gwas_of_bim: first.into_iter().map(AtomicU32::into_inner).collect(),
            found,
        }
    }

    /// Three-way matching of one GWAS against the indexed reference and eQTL SNPs; the same
    /// result as `match_three_way(gwas, esi, esi_keep, bim, bim_keep)` with the arguments of
    /// [`MatchIndex::new`].
    pub fn match_gwas(
        &self,
        gwas: &GwasTable,
        esi: &EsiTable,
        bim: &BimTable,
        bim_keep: &[u32],
        opts: &MatchOptions,
    ) -> MatchResult {
        let loc = self.locate(gwas, esi, bim, bim_keep);
        self.match_located(&loc, gwas, esi, bim, bim_keep, opts)
    }

    /// [`MatchIndex::match_gwas`] with the GWAS rows already located by
    /// [`MatchIndex::locate`].
    pub fn match_located(
        &self,
        loc: &Located,
        gwas: &GwasTable,
        esi: &EsiTable,
        bim: &BimTable,
        bim_keep: &[u32],
        opts: &MatchOptions,
    ) -> MatchResult {
        // The matched SNPs are written in place: each chunk of `.bim` rows gets a slice of
        // one vector as long as its candidates (rows with a GWAS row), fills its front, and
        // the slices are closed up in order. Matching millions of SNPs then holds them once,
        // not once in the chunks' vectors and again in their concatenation (data-spec/memory.md
        // §3: the end of matching was the peak of a trait).
        const CHUNK: usize = 1 << 16;
        let bounds: Vec<usize> = bim_keep
            .par_chunks(CHUNK)
            .map(|chunk| {
                chunk
                    .iter()
                    .filter(|&&b| loc.gwas_of_bim(b as usize).is_some())
                    .count()
            })
            .collect();
        let total: usize = bounds.iter().sum();
        let blank = MatchedSnp {
            esi: 0,
            gwas: 0,
            bim: 0,
            bim_swapped: false,
            gwas_swapped: false,
            gwas_strand_flipped: false,
        };
        let mut snps = vec![blank; total];
        let mut slices: Vec<&mut [MatchedSnp]> = Vec::with_capacity(bounds.len());
        let mut rest = snps.as_mut_slice();
        for &n in &bounds {
            let (mine, tail) = rest.split_at_mut(n);
            slices.push(mine);
            rest = tail;
        }
        let dropped: Vec<(usize, Vec<(DropReason, String)>)> = bim_keep
            .par_chunks(CHUNK)
            .zip(slices.into_par_iter())
            .map(|(chunk, slot)| {
                let mut out = MatchResult::default();
                let mut filled = 0;
                for &b in chunk {
                    let b = b as usize;
                    let Some(g) = loc.gwas_of_bim(b) else {
                        continue;
                    };
                    let e = self.bim_esi[b];
                    let e = (e != u32::MAX).then_some(e as usize);
                    classify(&mut out, b, g, e, gwas, esi, bim, opts);
                    if let Some(m) = out.snps.pop() {
                        slot[filled] = m;
                        filled += 1;
                    }
                }
                (filled, out.dropped)
            })
            .collect();
        // Close up the slices, in order.
        let mut at = 0;
        let mut start = 0;
        let mut out = MatchResult::default();
        for (k, (filled, d)) in dropped.into_iter().enumerate() {
            snps.copy_within(start..start + filled, at);
            at += filled;
            start += bounds[k];
            out.dropped.extend(d);
        }
        snps.truncate(at);
        snps.shrink_to_fit();
        out.snps = snps;
        out
    }
}

fn concat_results(parts: Vec<MatchResult>) -> MatchResult {
    let mut out = MatchResult::default();
    out.snps.reserve(parts.iter().map(|p| p.snps.len()).sum());
    for p in parts {
        out.snps.extend(p.snps);
        out.dropped.extend(p.dropped);
    }
    out
}

/// The three-way rule for `.bim` row `b` present in the GWAS (row `g`), with the `.esi` row
/// `e` of the same ID if any.
#[allow(clippy::too_many_arguments)]
fn classify(
    out: &mut MatchResult,
    b: usize,
    g: usize,
    e: Option<usize>,
    gwas: &GwasTable,
    esi: &EsiTable,
    bim: &BimTable,
    opts: &MatchOptions,
) {
    let r = bim.row(b);
    let Some(e) = e else {
        out.dropped.push((DropReason::NotInEqtl, r.snp.to_string()));
        return;
    };
    let er = esi.row(e);
    let ref_match = match_alleles(er.a1, er.a2, r.a1, r.a2);
    if ref_match == AlleleMatch::Mismatch {
        out.dropped
            .push((DropReason::AlleleMismatchReference, r.snp.to_string()));
        return;
    }
    let (swapped, strand) = match match_gwas_alleles(er, gwas.row(g), opts) {
        GwasAlleles::Aligned { swapped, strand } => (swapped, strand),
        GwasAlleles::Mismatch => {
            out.dropped
                .push((DropReason::AlleleMismatchGwas, r.snp.to_string()));
            return;
        }
        GwasAlleles::Ambiguous => {
            out.dropped
                .push((DropReason::StrandAmbiguous, r.snp.to_string()));
            return;
        }
    };
    out.snps.push(MatchedSnp {
        esi: e as u32,
        gwas: g as u32,
        bim: b as u32,
        bim_swapped: ref_match == AlleleMatch::Swapped,
        gwas_swapped: swapped,
        gwas_strand_flipped: strand,
    });
}

/// Two-way GWAS/eQTL matching in `.esi` order, used with `--heidi-off`
/// (data-spec/harmonise.md §two-way).
pub fn match_two_way(gwas: &GwasTable, esi: &EsiTable, esi_keep: &[u32]) -> MatchResult {
    match_two_way_with(gwas, esi, esi_keep, &MatchOptions::default())
}

/// [`match_two_way`] with opt-in rules.
pub fn match_two_way_with(
    gwas: &GwasTable,
    esi: &EsiTable,
    esi_keep: &[u32],
    opts: &MatchOptions,
) -> MatchResult {
    let gwas_ix = index_by_id((0..gwas.len()).map(|i| (i, gwas.snp(i))));
    let mut out = MatchResult::default();
    for e in esi_keep.iter().map(|&e| e as usize) {
        let er = esi.row(e);
        let Some(&g) = gwas_ix.get(er.snp) else {
            continue;
        };
        match match_gwas_alleles(er, gwas.row(g), opts) {
            GwasAlleles::Mismatch => out
                .dropped
                .push((DropReason::AlleleMismatchGwas, er.snp.to_string())),
            GwasAlleles::Ambiguous => out
                .dropped
                .push((DropReason::StrandAmbiguous, er.snp.to_string())),
            GwasAlleles::Aligned { swapped, strand } => out.snps.push(MatchedSnp {
                esi: e as u32,
                gwas: g as u32,
                bim: NO_BIM,
                bim_swapped: false,
                gwas_swapped: swapped,
                gwas_strand_flipped: strand,
            }),
        }
    }
    out
}

/// `--match-by chrpos` (data-spec/harmonise-report.md §3): give each GWAS row with a
/// chromosome and position the ID of the eQTL SNP (among `esi_keep`) at that position whose
/// alleles match (as [`match_gwas_alleles`] decides), so the ID-based matching that follows
/// joins them. A row keeps its ID when it already equals the eQTL's or when another GWAS row
/// has that ID. Returns (old ID, new ID) of every renamed row.
pub fn rename_by_chrpos(
    gwas: &mut GwasTable,
    esi: &EsiTable,
    esi_keep: &[u32],
    opts: &MatchOptions,
    path: &std::path::Path,
) -> crate::error::Result<Vec<(String, String)>> {
    let mut at: FxHashMap<(crate::types::Chrom, crate::types::Bp), Vec<usize>> =
        FxHashMap::default();
    for i in esi_keep.iter().map(|&i| i as usize) {
        at.entry((esi.chr(i), esi.bp(i))).or_default().push(i);
    }
    let mut taken: std::collections::HashSet<String> =
        (0..gwas.len()).map(|g| gwas.snp(g).to_string()).collect();
    let mut renamed = Vec::new();
    let mut changes = Vec::new();
    for k in 0..gwas.len() {
        let g = gwas.row(k);
        let (Some(c), Some(bp)) = (g.chr, g.bp) else {
            continue;
        };
        let Some(cands) = at.get(&(c, bp)) else {
            continue;
        };
        let Some(&i) = cands.iter().find(|&&i| {
            matches!(
                match_gwas_alleles(esi.row(i), g, opts),
                GwasAlleles::Aligned { .. }
            )
        }) else {
            continue;
        };
        let id = esi.snp(i);
        if id == g.snp || taken.contains(id) {
            continue;
        }
        taken.insert(id.to_string());
        renamed.push((g.snp.to_string(), id.to_string()));
        changes.push((k, id.to_string()));
    }
    gwas.rename(&changes, path)?;
    Ok(renamed)
}
