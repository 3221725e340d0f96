//! Applying [`Filters`] to an `.esi`/`.epi` pair (data-spec/ranges.md §2-§4).

use super::pairs::{read_pair_list, PairList};
use super::spec::{Filters, ProbeRange, SnpRange};
use crate::error::{Error, Result};
use crate::io::epi::EpiRecord;
use crate::io::esi::EsiTable;
use crate::io::lists::read_id_list;
use crate::io::text::split_t1;
use crate::types::{Bp, Chrom};
use std::collections::HashSet;
use std::path::Path;

/// The tables the filters are applied to, with the names errors use for them.
#[derive(Debug, Clone, Copy)]
pub struct Tables<'a> {
    /// The SNPs.
    pub esi: &'a EsiTable,
    /// The probes.
    pub epi: &'a [EpiRecord],
    /// The `.esi` as errors name it (a path or `archive[member]`).
    pub esi_path: &'a Path,
    /// The `.epi` as errors name it.
    pub epi_path: &'a Path,
}

/// What the filters keep (data-spec/ranges.md §4).
#[derive(Debug, Clone, PartialEq)]
pub struct Selection {
    /// Kept `.esi` rows, ascending (`.esi` order).
    pub snps: Vec<u32>,
    /// Kept `.epi` rows, ascending (`.epi` order: the order analyses report probes in).
    pub probes: Vec<usize>,
    /// The SNP-probe pairs, when a pair list was given; its probes are exactly
    /// [`Selection::probes`].
    pub pairs: Option<PairList>,
    /// What each filter did, one line each, for the log.
    pub notes: Vec<String>,
}

impl Selection {
    /// Every probe and SNP of the tables.
    pub fn everything(n_snps: usize, n_probes: usize) -> Self {
        Selection {
            snps: (0..n_snps as u32).collect(),
            probes: (0..n_probes).collect(),
            pairs: None,
            notes: Vec::new(),
        }
    }

    /// One flag per `.esi` row: kept or not (for [`crate::io::besd::stream::Keep`]).
    pub fn snp_mask(&self, n_snps: usize) -> Vec<bool> {
        let mut m = vec![false; n_snps];
        for &i in &self.snps {
            m[i as usize] = true;
        }
        m
    }

    /// One flag per `.epi` row: kept or not.
    pub fn probe_mask(&self, n_probes: usize) -> Vec<bool> {
        let mut m = vec![false; n_probes];
        for &p in &self.probes {
            m[p] = true;
        }
        m
    }

    /// Keep only the SNPs for which `keep` holds (e.g. a probe's cis window).
    pub fn retain_snps(&mut self, mut keep: impl FnMut(u32) -> bool) {
        self.snps.retain(|&i| keep(i));
    }

    /// An error when no probe or no SNP is left, naming the table and the filters.
    pub fn require_nonempty(&self, t: &Tables<'_>) -> Result<()> {
        if self.probes.is_empty() {
            return Err(Error::Analysis(format!(
                "no probe of {} ({} probes) passes the probe filters",
                t.epi_path.display(),
                t.epi.len()
            )));
        }
        if self.snps.is_empty() {
            return Err(Error::Analysis(format!(
                "no SNP of {} ({} SNPs) passes the SNP filters",
                t.esi_path.display(),
                t.esi.len()
            )));
        }
        Ok(())
    }
}

/// `[max(bp − kb·1000, 0), bp + kb·1000]`: the inclusive window of `kb` around `bp` that
/// every window filter of the reference uses (data-spec/ranges.md §1).
pub fn window_bounds(bp: Bp, kb: i64) -> (Bp, Bp) {
    let w = kb.saturating_mul(1000);
    ((bp - w).max(0), bp.saturating_add(w))
}

fn read_set(path: &Path) -> Result<HashSet<String>> {
    Ok(read_id_list(path)?.into_iter().collect())
}

/// The row of SNP `id`, or an error naming the `.esi` and the flag.
fn find_snp(t: &Tables<'_>, flag: &str, id: &str) -> Result<usize> {
    (0..t.esi.len())
        .find(|&i| t.esi.snp(i) == id)
        .ok_or_else(|| {
            Error::format(
                t.esi_path,
                format!("{flag} {id}: there is no SNP of this ID in the eQTL data"),
            )
        })
}

/// The row of probe `id`, or an error naming the `.epi` and the flag.
fn find_probe(t: &Tables<'_>, flag: &str, id: &str) -> Result<usize> {
    t.epi.iter().position(|r| r.probe == id).ok_or_else(|| {
        Error::format(
            t.epi_path,
            format!("{flag} {id}: there is no probe of this ID in the eQTL data"),
        )
    })
}

fn in_range(chr: Chrom, bp: Bp, want: Chrom, lo: Bp, hi: Bp) -> bool {
    chr == want && lo <= bp && bp <= hi
}

fn count(list: &str, before: usize, after: usize) -> String {
    format!("{list}: {after} of {before} kept")
}

impl Filters {
    /// Apply the filters to `t`: which SNPs and which probes an analysis sees, and the
    /// SNP-probe pairs (data-spec/ranges.md §4). Lists are read here. A name that must be in
    /// the data and is not (`--probe`, `--snp`, either end of a range, `--gene`) is an error
    /// naming the table; `--from-*`/`--to-*` ends on two chromosomes are an error too. An
    /// empty result is not an error here (see [`Selection::require_nonempty`]).
    pub fn resolve(&self, t: &Tables<'_>) -> Result<Selection> {
        let mut notes = self.warnings();
        let snps = self.resolve_snps(t, &mut notes)?;
        let mut probes = self.resolve_probes(t, &mut notes)?;
        let pairs = match &self.pairs {
            None => None,
            Some(spec) => {
                let list = read_pair_list(&spec.path, spec.kind, t, &probes, &snps)?;
                let before = probes.len();
                probes = list.pairs.iter().map(|p| p.probe).collect();
                probes.sort_unstable();
                notes.push(format!(
                    "{} {}: {} SNP-probe pairs used, {} lines skipped; {} of {before} probes kept",
                    spec.kind.flag(),
                    spec.path.display(),
                    list.pairs.len(),
                    list.skipped.len(),
                    probes.len()
                ));
                Some(list)
            }
        };
        Ok(Selection {
            snps,
            probes,
            pairs,
            notes,
        })
    }

    fn resolve_snps(&self, t: &Tables<'_>, notes: &mut Vec<String>) -> Result<Vec<u32>> {
        let esi = t.esi;
        let f = &self.snps;
        let mut keep: Vec<u32> = (0..esi.len() as u32).collect();
        if let Some(c) = f.chr {
            keep.retain(|&i| esi.chr(i as usize) == c);
            notes.push(format!(
                "SNP chromosome {c}: {} of {} SNPs kept",
                keep.len(),
                esi.len()
            ));
        }
        let before = keep.len();
        match &f.range {
            SnpRange::All => {}
            SnpRange::List(path) => {
                let set = read_set(path)?;
                keep.retain(|&i| set.contains(esi.snp(i as usize)));
                notes.push(count(
                    &format!("--extract-snp {}", path.display()),
                    before,
                    keep.len(),
                ));
            }
            SnpRange::Window { snp, kb } => {
                let a = find_snp(t, "--snp", snp)?;
                let (c, (lo, hi)) = (esi.chr(a), window_bounds(esi.bp(a), *kb));
                keep.retain(|&i| in_range(esi.chr(i as usize), esi.bp(i as usize), c, lo, hi));
                notes.push(count(
                    &format!("--snp {snp} --snp-wind {kb} (chromosome {c}, bp {lo}-{hi})"),
                    before,
                    keep.len(),
                ));
            }
            SnpRange::One(snp) => {
                let a = find_snp(t, "--snp", snp)? as u32;
                keep.retain(|&i| i == a);
                notes.push(count(&format!("--snp {snp}"), before, keep.len()));
            }
            SnpRange::Between { from, to } => {
                let a = find_snp(t, "--from-snp", from)?;
                let b = find_snp(t, "--to-snp", to)?;
                let c = esi.chr(a);
                if esi.chr(b) != c {
                    return Err(Error::format(
                        t.esi_path,
                        format!(
                            "--from-snp {from} is on chromosome {c} and --to-snp {to} on \
                             chromosome {}: a SNP range must lie on one chromosome",
                            esi.chr(b)
                        ),
                    ));
                }
                let (lo, hi) = (esi.bp(a).min(esi.bp(b)), esi.bp(a).max(esi.bp(b)));
                keep.retain(|&i| in_range(esi.chr(i as usize), esi.bp(i as usize), c, lo, hi));
                notes.push(count(
                    &format!("--from-snp {from} --to-snp {to} (chromosome {c}, bp {lo}-{hi})"),
                    before,
                    keep.len(),
                ));
            }
            SnpRange::Region {
                chr,
                from_bp,
                to_bp,
            } => {
                keep.retain(|&i| {
                    in_range(
                        esi.chr(i as usize),
                        esi.bp(i as usize),
                        *chr,
                        *from_bp,
                        *to_bp,
                    )
                });
                notes.push(count(
                    &format!("--from-snp-kb/--to-snp-kb (chromosome {chr}, bp {from_bp}-{to_bp})"),
                    before,
                    keep.len(),
                ));
            }
        }
        if let Some(path) = &f.exclude {
            let set = read_set(path)?;
            let before = keep.len();
            keep.retain(|&i| !set.contains(esi.snp(i as usize)));
            notes.push(count(
                &format!("--exclude-snp {}", path.display()),
                before,
                keep.len(),
            ));
        }
        if let Some(id) = &f.remove {
            let before = keep.len();
            keep.retain(|&i| esi.snp(i as usize) != id);
            if before == keep.len() {
                notes.push(format!(
                    "warning: --snp-rm {id}: no such SNP among the {before} kept SNPs of {}; \
                     nothing removed",
                    t.esi_path.display()
                ));
            } else {
                notes.push(format!("--snp-rm {id}: removed"));
            }
        }
        Ok(keep)
    }

    fn resolve_probes(&self, t: &Tables<'_>, notes: &mut Vec<String>) -> Result<Vec<usize>> {
        let epi = t.epi;
        let f = &self.probes;
        let mut keep: Vec<usize> = (0..epi.len()).collect();
        if let Some(c) = f.chr {
            keep.retain(|&p| epi[p].chr == c);
            notes.push(format!(
                "probe chromosome {c}: {} of {} probes kept",
                keep.len(),
                epi.len()
            ));
        }
        let before = keep.len();
        match &f.range {
            ProbeRange::All => {}
            ProbeRange::Lists { extract, genes } => {
                if let Some(path) = extract {
                    let set = read_set(path)?;
                    let b = keep.len();
                    keep.retain(|&p| set.contains(&epi[p].probe));
                    notes.push(count(
                        &format!("--extract-probe {}", path.display()),
                        b,
                        keep.len(),
                    ));
                }
                if let Some(path) = genes {
                    let set = read_set(path)?;
                    let b = keep.len();
                    keep.retain(|&p| gene_listed(&epi[p].gene, &set));
                    notes.push(count(&format!("--genes {}", path.display()), b, keep.len()));
                }
            }
            ProbeRange::Window { probe, kb } => {
                let a = find_probe(t, "--probe", probe)?;
                let (c, (lo, hi)) = (epi[a].chr, window_bounds(epi[a].bp, *kb));
                keep.retain(|&p| in_range(epi[p].chr, epi[p].bp, c, lo, hi));
                notes.push(count(
                    &format!("--probe {probe} --probe-wind {kb} (chromosome {c}, bp {lo}-{hi})"),
                    before,
                    keep.len(),
                ));
            }
            ProbeRange::One(probe) => {
                let a = find_probe(t, "--probe", probe)?;
                keep.retain(|&p| p == a);
                notes.push(count(&format!("--probe {probe}"), before, keep.len()));
            }
            ProbeRange::Between { from, to } => {
                let a = find_probe(t, "--from-probe", from)?;
                let b = find_probe(t, "--to-probe", to)?;
                let c = epi[a].chr;
                if epi[b].chr != c {
                    return Err(Error::format(
                        t.epi_path,
                        format!(
                            "--from-probe {from} is on chromosome {c} and --to-probe {to} on \
                             chromosome {}: a probe range must lie on one chromosome",
                            epi[b].chr
                        ),
                    ));
                }
                let (lo, hi) = (epi[a].bp.min(epi[b].bp), epi[a].bp.max(epi[b].bp));
                keep.retain(|&p| in_range(epi[p].chr, epi[p].bp, c, lo, hi));
                notes.push(count(
                    &format!("--from-probe {from} --to-probe {to} (chromosome {c}, bp {lo}-{hi})"),
                    before,
                    keep.len(),
                ));
            }
            ProbeRange::Region {
                chr,
                from_bp,
                to_bp,
            } => {
                keep.retain(|&p| in_range(epi[p].chr, epi[p].bp, *chr, *from_bp, *to_bp));
                notes.push(count(
                    &format!(
                        "--from-probe-kb/--to-probe-kb (chromosome {chr}, bp {from_bp}-{to_bp})"
                    ),
                    before,
                    keep.len(),
                ));
            }
            ProbeRange::Gene(name) => {
                if !epi.iter().any(|r| &r.gene == name) {
                    return Err(Error::format(
                        t.epi_path,
                        format!("--gene {name}: no probe of the eQTL data has this gene"),
                    ));
                }
                keep.retain(|&p| &epi[p].gene == name);
                notes.push(count(&format!("--gene {name}"), before, keep.len()));
            }
        }
        if let Some(path) = &f.exclude {
            let set = read_set(path)?;
            let before = keep.len();
            keep.retain(|&p| !set.contains(&epi[p].probe));
            notes.push(count(
                &format!("--exclude-probe {}", path.display()),
                before,
                keep.len(),
            ));
        }
        Ok(keep)
    }
}

/// `--genes`: the probe's gene is listed, or one of its T1 tokens is when the gene field
/// holds several names (`GENE1,GENE2`) (data-spec/ranges.md §3).
pub fn gene_listed(gene: &str, listed: &HashSet<String>) -> bool {
    listed.contains(gene) || split_t1(gene.as_bytes()).any(|tok| listed.contains(tok))
}
