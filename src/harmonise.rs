//! SNP matching across GWAS, eQTL and LD reference, allele alignment to the eQTL effect allele,
//! and the allele-frequency consistency check (data-spec/harmonise.md).
//!
//! SNPs are matched by ID only and alleles compared as upper-case strings, exactly as the
//! reference does: no strand flipping, palindromic SNPs treated like any other.

use crate::io::esi::{EsiRow, EsiTable};
use crate::io::gwas::{GwasRow, GwasTable};
use crate::io::plink::BimTable;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

/// How a pair of allele codes relates to the eQTL's (A1, A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlleleMatch {
    /// Same A1 and A2.
    Same,
    /// A1 and A2 swapped.
    Swapped,
    /// Anything else.
    Mismatch,
}

/// Compare `(a1, a2)` with the eQTL's `(e1, e2)` (data-spec/harmonise.md §alleles).
pub fn match_alleles(e1: &str, e2: &str, a1: &str, a2: &str) -> AlleleMatch {
    if e1 == a1 && e2 == a2 {
        AlleleMatch::Same
    } else if e1 == a2 && e2 == a1 {
        AlleleMatch::Swapped
    } else {
        AlleleMatch::Mismatch
    }
}

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

/// Opt-in matching rules the reference lacks (data-spec/harmonise-report.md §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// `--strand-flip`: accept complementary GWAS alleles; settle A/T and C/G SNPs by frequency.
    pub strand_flip: bool,
}

/// How the GWAS alleles relate to the eQTL's under [`MatchOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GwasAlleles {
    /// Aligned: `swapped` (b negated) and `strand` (complement taken).
    Aligned {
        /// GWAS A1 is the eQTL A2.
        swapped: bool,
        /// The GWAS alleles were complemented first.
        strand: bool,
    },
    /// A/T or C/G SNP whose strand the frequencies cannot settle.
    Ambiguous,
    /// No relation.
    Mismatch,
}

/// Complement of a single-base allele (`None` for anything else).
fn complement(a: &str) -> Option<&'static str> {
    match a {
        "A" => Some("T"),
        "T" => Some("A"),
        "C" => Some("G"),
        "G" => Some("C"),
        _ => None,
    }
}

/// Frequencies within this distance of 0.5 cannot settle the strand of an A/T or C/G SNP.
pub const PALINDROMIC_FREQ_MARGIN: f64 = 0.1;

/// Compare GWAS alleles with the eQTL's (data-spec/harmonise-report.md §3). Without
/// `strand_flip` this is [`match_alleles`], as the reference does. With it, complementary
/// alleles are accepted, and an A/T or C/G SNP is aligned by comparing the GWAS frequency of
/// its A1 with the eQTL frequency: both must be known and outside 0.5 ± 0.1.
pub fn match_gwas_alleles(e: EsiRow<'_>, g: GwasRow<'_>, opts: &MatchOptions) -> GwasAlleles {
    let direct = match_alleles(e.a1, e.a2, g.a1, g.a2);
    if !opts.strand_flip {
        return aligned(direct, false);
    }
    let palindromic = complement(e.a1) == Some(e.a2);
    if palindromic {
        if direct == AlleleMatch::Mismatch {
            return GwasAlleles::Mismatch;
        }
        let settled = |f: Option<f64>| f.filter(|v| (v - 0.5).abs() > PALINDROMIC_FREQ_MARGIN);
        let (Some(gf), Some(ef)) = (settled(g.freq), settled(e.freq.map(f64::from))) else {
            return GwasAlleles::Ambiguous;
        };
        // Frequencies on the same side of 0.5 when the GWAS A1 is the eQTL A1.
        let same_side = (gf - 0.5) * (ef - 0.5) > 0.0;
        let written_same = direct == AlleleMatch::Same;
        // Consistent as written: same strand. Otherwise consistent only on the other strand,
        // where A1 and A2 trade places.
        let strand = written_same != same_side;
        return GwasAlleles::Aligned {
            swapped: written_same == strand,
            strand,
        };
    }
    if direct != AlleleMatch::Mismatch {
        return aligned(direct, false);
    }
    match (complement(g.a1), complement(g.a2)) {
        (Some(c1), Some(c2)) => aligned(match_alleles(e.a1, e.a2, c1, c2), true),
        _ => GwasAlleles::Mismatch,
    }
}

/// The GWAS alleles (A1, A2) as written in the GWAS file of a SNP matched to eQTL alleles
/// `(e1, e2)` with the alignment `swapped`/`strand` that [`match_gwas_alleles`] gave: matching
/// compares exact strings, so the written alleles follow from the eQTL's. `None` only for a
/// strand flip of an allele that has no complement, which matching never produces.
pub fn gwas_alleles_as_written<'a>(
    e1: &'a str,
    e2: &'a str,
    swapped: bool,
    strand: bool,
) -> Option<(&'a str, &'a str)> {
    match (strand, swapped) {
        (false, false) => Some((e1, e2)),
        (false, true) => Some((e2, e1)),
        (true, false) => Some((complement(e1)?, complement(e2)?)),
        (true, true) => Some((complement(e2)?, complement(e1)?)),
    }
}

/// The outcome for an allele comparison made on the GWAS's own strand (`strand` false) or on
/// the complementary one (`strand` true).
fn aligned(m: AlleleMatch, strand: bool) -> GwasAlleles {
    match m {
        AlleleMatch::Same => GwasAlleles::Aligned {
            swapped: false,
            strand,
        },
        AlleleMatch::Swapped => GwasAlleles::Aligned {
            swapped: true,
            strand,
        },
        AlleleMatch::Mismatch => GwasAlleles::Mismatch,
    }
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
    bim_table: hashbrown::HashTable<u32>,
    /// Kept `.esi` row index (first occurrence among `esi_keep`) by SNP ID.
    esi_table: hashbrown::HashTable<u32>,
    /// Per `.bim` row: the `.esi` row with that ID among `esi_keep` (first occurrence), or
    /// `u32::MAX` (also for `.bim` rows not in `bim_keep`).
    bim_esi: Vec<u32>,
    /// Per `.bim` row: in `bim_keep`.
    bim_kept: Vec<bool>,
    /// Every `.bim` ID occurs once (then "the first row with this ID is kept" is "some row
    /// with this ID is kept").
    bim_unique: bool,
}

fn hash_id(s: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Index rows by ID, first occurrence kept (as [`index_by_id`]); also says whether every ID
/// was distinct.
fn id_table<'a>(
    ids: impl ExactSizeIterator<Item = (u32, &'a str)>,
    get: impl Fn(u32) -> &'a str,
) -> (hashbrown::HashTable<u32>, bool) {
    let mut t = hashbrown::HashTable::with_capacity(ids.len());
    let mut unique = true;
    for (i, id) in ids {
        let h = hash_id(id);
        match t.entry(h, |&j| get(j) == id, |&j| hash_id(get(j))) {
            hashbrown::hash_table::Entry::Vacant(v) => {
                v.insert(i);
            }
            hashbrown::hash_table::Entry::Occupied(_) => unique = false,
        }
    }
    (t, unique)
}

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
        let ((bim_table, bim_unique), (esi_table, _)) = rayon::join(
            || {
                id_table(
                    (0..bim.len() as u32).map(|i| (i, bim.snp(i as usize))),
                    |j| bim.snp(j as usize),
                )
            },
            || {
                id_table(esi_keep.iter().map(|&i| (i, esi.snp(i as usize))), |j| {
                    esi.snp(j as usize)
                })
            },
        );
        let mut bim_kept = vec![false; bim.len()];
        for &b in bim_keep {
            bim_kept[b as usize] = true;
        }
        let bim_esi = (0..bim.len())
            .into_par_iter()
            .zip(bim_kept.par_iter())
            .map(|(b, &kept)| {
                if !kept {
                    return u32::MAX;
                }
                let id = bim.snp(b);
                esi_table
                    .find(hash_id(id), |&j| esi.snp(j as usize) == id)
                    .copied()
                    .unwrap_or(u32::MAX)
            })
            .collect();
        MatchIndex {
            bim_table,
            esi_table,
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
                        Some(b) if kept => self.bim_esi[b] != u32::MAX,
                        _ => self
                            .esi_table
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
        let parts: Vec<MatchResult> = bim_keep
            .par_chunks(1 << 16)
            .map(|chunk| {
                let mut out = MatchResult::default();
                for &b in chunk {
                    let b = b as usize;
                    let Some(g) = loc.gwas_of_bim(b) else {
                        continue;
                    };
                    let e = self.bim_esi[b];
                    let e = (e != u32::MAX).then_some(e as usize);
                    classify(&mut out, b, g, e, gwas, esi, bim, opts);
                }
                out
            })
            .collect();
        concat_results(parts)
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

/// GWAS values re-expressed for the eQTL A1 (data-spec/harmonise.md §alleles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignedGwas {
    /// Effect of the eQTL A1 (`None` when NA).
    pub b: Option<f64>,
    /// Standard error.
    pub se: Option<f64>,
    /// p-value as read.
    pub p: Option<f64>,
    /// Frequency of the eQTL A1: `1 - f` when swapped and `f > 0`, else as read.
    pub freq: Option<f64>,
    /// Row usable for a test.
    pub usable: bool,
}

/// Align one GWAS row to the eQTL alleles.
pub fn align_gwas(g: GwasRow<'_>, swapped: bool) -> AlignedGwas {
    let (b, freq) = if swapped {
        (
            g.b.map(|b| -b),
            g.freq.map(|f| if f > 0.0 { 1.0 - f } else { f }),
        )
    } else {
        (g.b, g.freq)
    };
    AlignedGwas {
        b,
        se: g.se,
        p: g.p,
        freq,
        usable: g.usable(),
    }
}

/// The frequencies compared for one SNP by the frequency check.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FreqTriple {
    /// LD-reference frequency of the eQTL A1 (`None` without a reference).
    pub reference: Option<f64>,
    /// GWAS frequency aligned to the eQTL A1.
    pub gwas: Option<f64>,
    /// `.esi` frequency (float32 promoted).
    pub eqtl: Option<f64>,
}

fn positive(x: Option<f64>) -> Option<f64> {
    x.filter(|&v| v > 0.0)
}

fn negative(x: Option<f64>) -> bool {
    x.is_none_or(|v| v < 0.0)
}

impl FreqTriple {
    /// Does this SNP fail the check with maximum difference `d` (data-spec/harmonise.md §freq)?
    /// A frequency of exactly 0 counts as unavailable, as in the reference.
    pub fn fails(&self, d: f64) -> bool {
        match self.reference {
            Some(rf) => match (positive(self.gwas), positive(self.eqtl)) {
                (None, Some(ef)) if negative(self.gwas) => (rf - ef).abs() > d,
                (Some(gf), None) if negative(self.eqtl) => (rf - gf).abs() > d,
                (Some(gf), Some(ef)) => {
                    (rf - gf).abs() > d || (rf - ef).abs() > d || (gf - ef).abs() > d
                }
                _ => false,
            },
            None => match (positive(self.gwas), positive(self.eqtl)) {
                (Some(gf), Some(ef)) => (gf - ef).abs() > d,
                _ => false,
            },
        }
    }

    /// The largest pairwise difference among the available frequencies (for ranking failures).
    pub fn max_difference(&self) -> f64 {
        let v: Vec<f64> = [self.reference, positive(self.gwas), positive(self.eqtl)]
            .into_iter()
            .flatten()
            .collect();
        let mut m: f64 = 0.0;
        for i in 0..v.len() {
            for j in 0..i {
                m = m.max((v[i] - v[j]).abs());
            }
        }
        m
    }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::esi::EsiRecord;
    use crate::io::gwas::GwasRecord;
    use crate::io::plink::BimRecord;

    fn esi_rec(snp: &str, a1: &str, a2: &str, freq: Option<f32>) -> EsiRecord {
        EsiRecord {
            chr: 1,
            snp: snp.into(),
            bp: 100,
            a1: a1.into(),
            a2: a2.into(),
            freq,
        }
    }

    fn gwas_rec(snp: &str, a1: &str, a2: &str, freq: Option<f64>) -> GwasRecord {
        GwasRecord {
            snp: snp.into(),
            a1: a1.into(),
            a2: a2.into(),
            freq,
            b: Some(0.1),
            se: Some(0.01),
            p: Some(0.5),
            n: None,
            chr: Some(1),
            bp: Some(100),
        }
    }

    #[test]
    fn strand_flip_is_opt_in_and_settles_palindromes_by_frequency() {
        let on = MatchOptions { strand_flip: true };
        let off = MatchOptions::default();
        let al = |swapped, strand| GwasAlleles::Aligned { swapped, strand };
        let e = esi_rec("rs1", "A", "G", Some(0.2));
        // Complement T/C of A/G: mismatch by default, same orientation with --strand-flip.
        let g = gwas_rec("rs1", "T", "C", Some(0.2));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &off),
            GwasAlleles::Mismatch
        );
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            al(false, true)
        );
        let g = gwas_rec("rs1", "C", "T", Some(0.8));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            al(true, true)
        );
        // Palindromic A/T: default matches as written; with the flag, frequency decides.
        let e = esi_rec("rs2", "A", "T", Some(0.2));
        let g = gwas_rec("rs2", "A", "T", Some(0.8));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &off),
            al(false, false)
        );
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            al(true, true)
        );
        let g = gwas_rec("rs2", "A", "T", Some(0.15));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            al(false, false)
        );
        let g = gwas_rec("rs2", "T", "A", Some(0.85));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            al(true, false)
        );
        let g = gwas_rec("rs2", "A", "T", Some(0.45));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            GwasAlleles::Ambiguous
        );
        let g = gwas_rec("rs2", "A", "T", None);
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            GwasAlleles::Ambiguous
        );
        let g = gwas_rec("rs2", "A", "C", Some(0.2));
        assert_eq!(
            match_gwas_alleles(e.as_row(), g.as_row(), &on),
            GwasAlleles::Mismatch
        );
    }

    #[test]
    fn written_gwas_alleles_follow_from_the_alignment() {
        // Every pair of GWAS alleles against every eQTL pair, palindromic ones included, with
        // and without --strand-flip, and frequencies on both sides of 0.5.
        let bases = ["A", "C", "G", "T", "AT"];
        let mut aligned = 0;
        for opts in [MatchOptions::default(), MatchOptions { strand_flip: true }] {
            for e1 in bases {
                for e2 in bases.into_iter().filter(|&b| b != e1) {
                    for g1 in bases {
                        for g2 in bases.into_iter().filter(|&b| b != g1) {
                            for (ef, gf) in [(0.2, 0.2), (0.2, 0.8), (0.8, 0.2)] {
                                let e = esi_rec("rs", e1, e2, Some(ef));
                                let g = gwas_rec("rs", g1, g2, Some(gf));
                                if let GwasAlleles::Aligned { swapped, strand } =
                                    match_gwas_alleles(e.as_row(), g.as_row(), &opts)
                                {
                                    aligned += 1;
                                    assert_eq!(
                                        gwas_alleles_as_written(e1, e2, swapped, strand),
                                        Some((g1, g2)),
                                        "eQTL {e1}/{e2} GWAS {g1}/{g2} {opts:?}"
                                    );
                                }
                            }
                        }
                    }
                }
            }
        }
        assert!(aligned > 100, "{aligned}");
    }

    #[test]
    fn chrpos_renames_only_matching_alleles() {
        let esi = vec![
            esi_rec("rs1", "A", "G", None),
            esi_rec("rs2", "C", "T", None),
        ];
        let esi = EsiTable::from_records(&esi);
        let mut g = vec![
            gwas_rec("1:100_A_G", "G", "A", None), // rs1 (swapped alleles)
            gwas_rec("x", "C", "A", None),         // no allele match at 1:100
            gwas_rec("rs1", "A", "G", None),       // already rs1: kept
        ];
        let p = std::path::Path::new("g");
        let mut t = GwasTable::from_records(&g);
        let r = rename_by_chrpos(&mut t, &esi, &[0], &MatchOptions::default(), p).unwrap();
        assert!(r.is_empty(), "rs1 is taken by the third row: {r:?}");
        g.pop();
        let mut t = GwasTable::from_records(&g);
        let r = rename_by_chrpos(&mut t, &esi, &[0, 1], &MatchOptions::default(), p).unwrap();
        assert_eq!(r, [("1:100_A_G".to_string(), "rs1".to_string())]);
        assert_eq!((t.snp(0), t.snp(1)), ("rs1", "x"));
    }

    fn triple(r: Option<f64>, g: Option<f64>, e: Option<f64>) -> FreqTriple {
        FreqTriple {
            reference: r,
            gwas: g,
            eqtl: e,
        }
    }

    #[test]
    fn indexed_matching_equals_three_way_matching() {
        for reversed in [true, false] {
            indexed_matching_case(reversed);
        }
    }

    fn indexed_matching_case(reversed: bool) {
        // IDs: s0..s39 with a deterministic mix of absences, allele swaps, mismatches and a
        // duplicated GWAS ID; .bim in a different order from the .esi and GWAS (the hash
        // lookups), or in the same order (the look-ahead of `locate`).
        let ids: Vec<String> = (0..40).map(|i| format!("s{i}")).collect();
        let esi: Vec<EsiRecord> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 != 3)
            .map(|(i, id)| EsiRecord {
                chr: 1,
                snp: id.as_str().into(),
                bp: i as i64,
                a1: "A".into(),
                a2: if i % 11 == 5 { "C" } else { "G" }.into(),
                freq: None,
            })
            .collect();
        let mut order: Vec<(usize, &String)> = ids.iter().enumerate().collect();
        if reversed {
            order.reverse();
        }
        let bim: Vec<BimRecord> = order
            .into_iter()
            .filter(|(i, _)| i % 5 != 2)
            .map(|(i, id)| BimRecord {
                chr: 1,
                snp: id.as_str().into(),
                cm: 0.0,
                bp: i as i64,
                a1: if i % 2 == 0 { "A" } else { "G" }.into(),
                a2: if i % 2 == 0 { "G" } else { "A" }.into(),
            })
            .collect();
        let mut gwas: Vec<GwasRecord> = ids
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 6 != 1)
            .map(|(i, id)| GwasRecord {
                snp: id.as_str().into(),
                a1: if i % 3 == 0 { "G" } else { "A" }.into(),
                a2: if i % 3 == 0 {
                    "A"
                } else if i % 13 == 4 {
                    "T"
                } else {
                    "G"
                }
                .into(),
                freq: None,
                b: Some(0.1),
                se: Some(0.01),
                p: Some(0.5),
                n: None,
                chr: None,
                bp: None,
            })
            .collect();
        gwas.push(gwas[2].clone());
        let (esi, bim, gwas) = (
            EsiTable::from_records(&esi),
            BimTable::from_records(&bim),
            GwasTable::from_records(&gwas),
        );
        let esi_keep: Vec<u32> = (0..esi.len() as u32).filter(|i| i % 9 != 8).collect();
        let bim_keep: Vec<u32> = (0..bim.len() as u32).filter(|i| i % 8 != 7).collect();
        let ix = MatchIndex::new(&esi, &esi_keep, &bim, &bim_keep);
        // Each GWAS row located as a linear search gives it.
        let loc = ix.locate(&gwas, &esi, &bim, &bim_keep);
        assert_eq!(loc.len(), gwas.len());
        for g in 0..gwas.len() {
            let id = gwas.snp(g);
            let b = (0..bim.len()).find(|&b| bim.snp(b) == id);
            assert_eq!(
                loc.in_ref(g),
                b.is_some_and(|b| bim_keep.contains(&(b as u32))),
                "{id}"
            );
            assert_eq!(
                loc.in_eqtl(g),
                esi_keep.iter().any(|&e| esi.snp(e as usize) == id)
            );
        }
        for b in 0..bim.len() {
            let first = (0..gwas.len()).find(|&g| gwas.snp(g) == bim.snp(b));
            assert_eq!(loc.gwas_of_bim(b), first, "{}", bim.snp(b));
        }
        for opts in [MatchOptions::default(), MatchOptions { strand_flip: true }] {
            let a = match_three_way_with(&gwas, &esi, &esi_keep, &bim, &bim_keep, &opts);
            let b = ix.match_gwas(&gwas, &esi, &bim, &bim_keep, &opts);
            assert!(!a.snps.is_empty() && !a.dropped.is_empty());
            assert_eq!(a.snps, b.snps);
            assert_eq!(a.dropped, b.dropped);
        }
    }

    #[test]
    fn allele_matching_is_exact_and_ordered() {
        assert_eq!(match_alleles("A", "G", "A", "G"), AlleleMatch::Same);
        assert_eq!(match_alleles("A", "G", "G", "A"), AlleleMatch::Swapped);
        // No strand flipping: the complement is a mismatch (reference behaviour).
        assert_eq!(match_alleles("A", "G", "T", "C"), AlleleMatch::Mismatch);
        // Palindromic SNPs match directly like any other.
        assert_eq!(match_alleles("A", "T", "T", "A"), AlleleMatch::Swapped);
    }

    #[test]
    fn swapping_twice_is_identity() {
        let g = GwasRecord {
            snp: "rs1".into(),
            a1: "A".into(),
            a2: "G".into(),
            freq: Some(0.3),
            b: Some(0.25),
            se: Some(0.01),
            p: Some(0.5),
            n: None,
            chr: None,
            bp: None,
        };
        let once = align_gwas(g.as_row(), true);
        assert_eq!(once.b, Some(-0.25));
        assert_eq!(once.freq, Some(0.7));
        let mut g2 = g.clone();
        g2.b = once.b;
        g2.freq = once.freq;
        let twice = align_gwas(g2.as_row(), true);
        assert_eq!(twice.b, g.b);
        assert!((twice.freq.unwrap() - 0.3).abs() < 1e-15);
    }

    #[test]
    fn zero_or_missing_frequency_is_not_flipped() {
        let mut g = GwasRecord {
            snp: "rs1".into(),
            a1: "A".into(),
            a2: "G".into(),
            freq: Some(0.0),
            b: Some(1.0),
            se: Some(1.0),
            p: Some(0.3),
            n: None,
            chr: None,
            bp: None,
        };
        assert_eq!(align_gwas(g.as_row(), true).freq, Some(0.0));
        g.freq = None;
        assert_eq!(align_gwas(g.as_row(), true).freq, None);
    }

    #[test]
    fn frequency_check_cases_from_the_rule_table() {
        let d = 0.2;
        // GWAS missing, eQTL present: reference vs eQTL only.
        assert!(triple(Some(0.5), None, Some(0.75)).fails(d));
        assert!(!triple(Some(0.5), None, Some(0.65)).fails(d));
        // GWAS present, eQTL missing.
        assert!(triple(Some(0.1), Some(0.35), None).fails(d));
        // All present: any pair.
        assert!(triple(Some(0.5), Some(0.5), Some(0.25)).fails(d));
        assert!(!triple(Some(0.5), Some(0.45), Some(0.55)).fails(d));
        // Both missing, or a frequency of exactly 0: passes.
        assert!(!triple(Some(0.9), None, None).fails(d));
        assert!(!triple(Some(0.9), Some(0.0), Some(0.1)).fails(d));
        // Without reference only GWAS vs eQTL.
        assert!(triple(None, Some(0.1), Some(0.9)).fails(d));
        assert!(!triple(None, None, Some(0.9)).fails(d));
    }
}
