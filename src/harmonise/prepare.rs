//! The harmonisation of one trait, step by step (data-spec/algorithm.md §2 steps 1–4):
//! GWAS read, report rows of the GWAS file, matching (three-way with an LD reference, two-way
//! without), genotype columns, `--maf`, the frequency check.

use super::alleles::MatchOptions;
use super::freq_check::{freq_check, retain_matched};
use super::matching::{match_two_way_with, rename_by_chrpos, DropReason, MatchResult};
use super::report::{report_not_found, report_not_found_located, write_report, HarmoniseReport};
use super::snp_table::GwasAfterMatch;
use crate::config::Config;
use crate::data::{EqtlData, LdReference};
use crate::error::{Error, Result};
use crate::io::gwas::GwasData;
use crate::io::gwas_columns::{read_gwas, GwasLayout, GwasRead};
use crate::ld::Genotypes;
use crate::log::RunLog;
use std::path::Path;

/// One trait after harmonisation: what the SNP table, the report and the analyses need.
pub struct Harmonised<'a> {
    /// GWAS values of the matched rows (IDs and alleles freed).
    pub gwas: GwasAfterMatch,
    /// The matched SNPs in analysis order, and the dropped ones with their reasons.
    pub matched: MatchResult,
    /// Genotype columns of the matched SNPs (None without an LD reference).
    pub geno: Option<Genotypes<'a>>,
    /// Report rows so far (GWAS file, eQTL side, frequency check).
    pub report: HarmoniseReport,
}

/// Harmonise one trait against eQTL data and an LD reference already loaded: read the GWAS
/// file, match, build the genotype columns, apply `--maf`, check frequencies. On an error
/// after matching, the harmonisation report is written before returning it.
pub fn harmonise_trait<'a>(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&'a LdReference>,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
) -> Result<Harmonised<'a>> {
    log.info(format!(
        "Reading GWAS summary data from {}",
        gwas_path.display()
    ));
    // Read now, or already while the eQTL data were (data::load_both).
    let read = match eqtl.take_prefetched(gwas_path) {
        Some(read) => read?,
        None => read_gwas(gwas_path, cfg.gwas_columns.as_ref())?,
    };
    harmonise_read(cfg, eqtl, reference, read, gwas_path, out, log)
}

/// [`harmonise_trait`] on a GWAS table already in memory (`gwas_path` names its source in
/// messages), e.g. an outcome trait's stored values in SMR between two xQTL datasets.
pub fn harmonise_read<'a>(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&'a LdReference>,
    read: GwasRead,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
) -> Result<Harmonised<'a>> {
    let esi = &eqtl.esi;
    let mut gwas: GwasData = read.data;
    log.info(format!("  layout: {}", read.layout.name()));
    if read.layout == GwasLayout::Ma {
        log.info(format!(
            "  {} SNPs read; {} with frequency NA; {} rows flagged (kept out of the tests)",
            gwas.records.len(),
            gwas.n_freq_na,
            gwas.flagged.len()
        ));
    } else {
        log.info(format!(
            "  {} SNPs read; {} with frequency NA; {} rows skipped for unusable values (listed \
             in the harmonisation report)",
            gwas.records.len(),
            gwas.n_freq_na,
            gwas.skipped.len()
        ));
    }
    if !read.has_freq {
        log.info(
            "  the GWAS file has no frequency column: GWAS frequencies are missing, so the \
             frequency check compares the LD reference with the eQTL frequencies (.esi, or \
             --eqtlgen-freq) only",
        );
    }
    let mut report = HarmoniseReport::default();
    report.extend(&eqtl.report);
    for f in &gwas.flagged {
        if f.reason.starts_with("duplicate SNP ID") {
            report.push(
                &f.id,
                "gwas",
                "renamed",
                "duplicate ID",
                format!("line {}: {}", f.line, f.reason),
            );
        } else {
            report.push(
                &f.id,
                "gwas",
                "dropped",
                "bad value",
                format!(
                    "line {}: {} (kept for the reference's counts, never tested)",
                    f.line, f.reason
                ),
            );
        }
    }
    for f in &gwas.skipped {
        report.push(
            &f.id,
            "gwas",
            "dropped",
            "bad value",
            format!("line {}: {}", f.line, f.reason),
        );
    }
    let opts = MatchOptions {
        strand_flip: cfg.strand_flip,
    };
    if cfg.match_by_chrpos {
        if !read.has_chrpos {
            return Err(Error::Config(format!(
                "--match-by chrpos needs chromosome and position columns, and {} has none \
                 (name them with --gwas-columns chr=..,bp=..)",
                gwas_path.display()
            )));
        }
        let renamed = rename_by_chrpos(&mut gwas.records, esi, &eqtl.esi_keep, &opts, gwas_path)?;
        log.info(format!(
            "  --match-by chrpos: {} GWAS SNPs took the ID of the eQTL SNP at the same position \
             with matching alleles",
            renamed.len()
        ));
        for (old, new) in renamed {
            report.push(
                &new,
                "gwas",
                "renamed",
                "matched by chr:pos",
                format!("GWAS ID {old}"),
            );
        }
    }
    if cfg.strand_flip {
        log.info(
            "  --strand-flip: complementary GWAS alleles accepted; A/T and C/G SNPs aligned by \
             frequency or dropped as strand-ambiguous",
        );
    }
    // Where each GWAS row's ID is, from the per-run index (one lookup per row).
    let mut located = reference.map(|r| {
        (
            &r.index,
            r.index.locate(&gwas.records, esi, &r.bim, &r.bim_keep),
        )
    });
    match &located {
        Some((_, loc)) => report_not_found_located(&mut report, &gwas, loc),
        None => report_not_found(&mut report, &gwas, esi, &eqtl.esi_keep, reference),
    }
    log.flagged(gwas_path, &gwas.flagged);

    // Matching (three-way with a reference, two-way without).
    let matched: MatchResult = match reference {
        Some(r) => {
            let (ix, loc) = located.take().expect("located with every LD reference");
            let m = ix.match_located(&loc, &gwas.records, esi, &r.bim, &r.bim_keep, &opts);
            log_match(log, &m);
            if m.snps.is_empty() {
                // Which error: checked only when nothing matched (a 9 M-entry set otherwise).
                let gwas_ids: rustc_hash::FxHashSet<&str> = (0..gwas.records.len())
                    .map(|g| gwas.records.snp(g))
                    .collect();
                if !r
                    .bim_keep
                    .iter()
                    .any(|&i| gwas_ids.contains(r.bim.snp(i as usize)))
                {
                    return Err(Error::Analysis(format!(
                        "no SNP in common between the GWAS data ({}) and the LD reference",
                        gwas_path.display()
                    )));
                }
            }
            m
        }
        None => {
            let m = match_two_way_with(&gwas.records, esi, &eqtl.esi_keep, &opts);
            log_match(log, &m);
            m
        }
    };
    drop(located);
    // From here on only the GWAS values are needed: the IDs and alleles are freed before the
    // per-SNP genotype columns are built (data-spec/memory.md §3).
    let gwas = GwasAfterMatch::new(std::mem::take(&mut gwas.records), &matched);
    let mut matched = matched;
    if matched.snps.is_empty() {
        write_report(
            &mut report,
            &gwas,
            esi,
            reference,
            &matched,
            out,
            cfg.harmonise_report,
            log,
        )?;
        return Err(Error::Analysis(
            if reference.is_some() {
                "no SNP is common to the GWAS data, the eQTL data and the LD reference with \
                 consistent alleles"
            } else {
                "no SNP is common to the GWAS data and the eQTL data with consistent alleles"
            }
            .into(),
        ));
    }
    let mut geno: Option<Genotypes> = reference.map(|r| {
        let cols = matched
            .snps
            .iter()
            .map(|s| (s.bim as usize, s.bim_swapped, esi.chr(s.esi as usize)));
        Genotypes::with_counts(&r.bed, &r.keep, &r.sexes, cols, &r.counts)
    });

    // MAF filter on the LD reference.
    if let (Some(g), true) = (geno.as_mut(), cfg.maf > 0.0) {
        let keep: Vec<bool> = (0..matched.snps.len())
            .map(|k| {
                let f = g.mean(k) / 2.0;
                !(f <= cfg.maf || 1.0 - f <= cfg.maf)
            })
            .collect();
        let before = matched.snps.len();
        for (k, &kp) in keep.iter().enumerate() {
            if !kp {
                let id = esi.snp(matched.snps[k].esi as usize);
                matched.dropped.push((DropReason::Maf, id.to_string()));
            }
        }
        retain_matched(&mut matched, &keep);
        g.retain(&keep);
        log.info(format!(
            "  {} SNPs removed with MAF <= {} in the LD reference; {} left",
            before - matched.snps.len(),
            cfg.maf,
            matched.snps.len()
        ));
    }

    // Allele-frequency check.
    if cfg.freq_check {
        let (failed, checked) = freq_check(cfg, out, log, esi, &gwas, &mut matched, geno.as_mut());
        for f in &failed {
            report.push(
                &f.snp,
                "gwas",
                "dropped",
                "frequency difference",
                f.detail.clone(),
            );
        }
        if let Err(e) = checked {
            write_report(
                &mut report,
                &gwas,
                esi,
                reference,
                &matched,
                out,
                cfg.harmonise_report,
                log,
            )?;
            return Err(e);
        }
    }
    Ok(Harmonised {
        gwas,
        matched,
        geno,
        report,
    })
}

pub(crate) fn log_match(log: &mut RunLog, m: &MatchResult) {
    log.info(format!(
        "  {} SNPs matched across inputs with consistent alleles",
        m.snps.len()
    ));
    for reason in [
        DropReason::NotInEqtl,
        DropReason::AlleleMismatchReference,
        DropReason::AlleleMismatchGwas,
    ] {
        let n = m.count(reason);
        if n > 0 {
            log.info(format!("  {n} SNPs dropped: {}", reason.label()));
        }
    }
}
