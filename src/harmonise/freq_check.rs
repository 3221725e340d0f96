//! The allele-frequency consistency check (data-spec/harmonise.md §freq): the rule for one
//! SNP ([`FreqTriple`]) and the check over a trait's matched SNPs (`freq_check`).

use super::matching::{DropReason, MatchResult};
use super::snp_table::GwasAfterMatch;
use crate::config::{out_path, Config};
use crate::error::{Error, Result};
use crate::io::columns::unpack_opt;
use crate::io::esi::EsiTable;
use crate::ld::Genotypes;
use crate::log::RunLog;
use crate::output::freq_list::FreqListWriter;
use rayon::prelude::*;
use std::path::Path;

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

/// Keep the matched SNPs whose `keep` entry is true (same order).
pub(crate) fn retain_matched(m: &mut MatchResult, keep: &[bool]) {
    let mut i = 0;
    m.snps.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}

/// The allele-frequency consistency check (data-spec/harmonise.md §freq): fills
/// `<out>.snp_failed_freq_ck.list`, removes failing SNPs, stops when too many fail.
pub(crate) fn freq_check(
    cfg: &Config,
    out: &Path,
    log: &mut RunLog,
    esi: &EsiTable,
    gwas: &GwasAfterMatch,
    matched: &mut MatchResult,
    geno: Option<&mut Genotypes>,
) -> (Vec<FreqFailure>, Result<()>) {
    let mut failures: Vec<FreqFailure> = Vec::new();
    let result = freq_check_inner(cfg, out, log, esi, gwas, matched, geno, &mut failures);
    (failures, result)
}

#[allow(clippy::too_many_arguments)]
fn freq_check_inner(
    cfg: &Config,
    out: &Path,
    log: &mut RunLog,
    esi: &EsiTable,
    gwas: &GwasAfterMatch,
    matched: &mut MatchResult,
    geno: Option<&mut Genotypes>,
    failures: &mut Vec<FreqFailure>,
) -> Result<()> {
    let with_ref = geno.is_some();
    // Triples are recomputed where needed rather than held for every SNP.
    let triple = |k: usize| {
        let s = &matched.snps[k];
        FreqTriple {
            reference: geno.as_ref().map(|g| g.mean(k) / 2.0),
            // `align_gwas(..).freq`, without the rest of the alignment.
            gwas: match unpack_opt(gwas.values.freq[s.gwas as usize]) {
                Some(f) if s.gwas_swapped && f > 0.0 => Some(1.0 - f),
                f => f,
            },
            eqtl: esi.freq(s.esi as usize).map(f64::from),
        }
    };
    let fails: Vec<bool> = (0..matched.snps.len())
        .into_par_iter()
        .map(|k| triple(k).fails(cfg.diff_freq))
        .collect();
    let mut list = FreqListWriter::new(with_ref);
    let mut worst: Vec<(f64, usize)> = Vec::new();
    for (k, s) in matched.snps.iter().enumerate() {
        if !fails[k] {
            continue;
        }
        let e = esi.row(s.esi as usize);
        let t = &triple(k);
        list.push(e.snp, e.a1, t.reference, t.gwas, t.eqtl);
        worst.push((t.max_difference(), k));
        let show = |v: Option<f64>| v.map_or("NA".to_string(), |x| format!("{x:.4}"));
        failures.push(FreqFailure {
            snp: e.snp.to_string(),
            detail: format!(
                "frequency of {}: reference {}, GWAS {}, eQTL {}",
                e.a1,
                show(t.reference),
                show(t.gwas.filter(|&g| g > 0.0)),
                show(t.eqtl.filter(|&g| g > 0.0))
            ),
        });
    }
    list.write(&out_path(out, "snp_failed_freq_ck.list"))?;
    let n = matched.snps.len();
    let failed = worst.len();
    // No SNP to check (e.g. --maf 0.5 removed them all): 0%, not NaN.
    let prop = if n == 0 {
        0.0
    } else {
        failed as f64 / n as f64
    };
    log.info(format!(
        "  {failed} SNPs ({:.2}% of {n}) with allele frequency differences > {:.2} between data \
         sets; listed in {}",
        prop * 100.0,
        cfg.diff_freq,
        out_path(out, "snp_failed_freq_ck.list").display()
    ));
    if n == 0 {
        return Err(Error::Analysis(
            "no SNP is left to test: the filters above (e.g. --maf) removed every matched SNP"
                .into(),
        ));
    }
    if failed == n {
        return Err(Error::Analysis(
            "no SNP passed the allele frequency check".into(),
        ));
    }
    if prop > cfg.diff_freq_prop {
        worst.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let examples: Vec<String> = worst
            .iter()
            .take(5)
            .map(|&(d, k)| {
                let t = &triple(k);
                let show = |v: Option<f64>| v.map_or("NA".to_string(), |x| format!("{x:.3}"));
                format!(
                    "{} (difference {d:.3}; reference {}, GWAS {}, eQTL {})",
                    esi.snp(matched.snps[k].esi as usize),
                    show(t.reference),
                    show(t.gwas),
                    show(t.eqtl)
                )
            })
            .collect();
        let failing: Vec<FreqTriple> = worst.iter().map(|&(_, k)| triple(k)).collect();
        let ks: Vec<usize> = (0..failing.len()).collect();
        let (cause, n_cause) = likely_cause(&failing, &ks, cfg.diff_freq);
        return Err(Error::Analysis(format!(
            "the analysis stopped because more than {:.2}% of the SNPs were removed by the allele \
             frequency difference check ({failed} of {n}, {:.2}%). You can change the proportion \
             threshold by the flag --diff-freq-prop. Most common cause ({n_cause} of the {failed} \
             failing SNPs): {cause}. The five worst: {}. Every failing SNP is listed in {}.",
            cfg.diff_freq_prop * 100.0,
            prop * 100.0,
            examples.join(", "),
            out_path(out, "snp_failed_freq_ck.list").display()
        )));
    }
    let keep: Vec<bool> = fails.iter().map(|f| !f).collect();
    for (k, s) in matched.snps.iter().enumerate() {
        if fails[k] {
            let id = esi.snp(s.esi as usize);
            matched
                .dropped
                .push((DropReason::FreqDifference, id.to_string()));
        }
    }
    retain_matched(matched, &keep);
    if let Some(g) = geno {
        g.retain(&keep);
    }
    Ok(())
}

/// One SNP that failed the frequency check, for the harmonisation report.
pub(crate) struct FreqFailure {
    pub(crate) snp: String,
    pub(crate) detail: String,
}

/// The most common explanation among failing SNPs `ks` (data-spec/harmonise-report.md §4):
/// the GWAS frequency describes the other allele (1 − f would pass), the GWAS frequency
/// alone disagrees, or the eQTL frequency disagrees with the LD reference.
fn likely_cause(triples: &[FreqTriple], ks: &[usize], d: f64) -> (&'static str, usize) {
    let mut counts = [0usize; 4];
    for &k in ks {
        let t = &triples[k];
        let flipped = FreqTriple {
            gwas: t.gwas.filter(|&g| g > 0.0).map(|g| 1.0 - g),
            ..*t
        };
        let no_gwas = FreqTriple { gwas: None, ..*t };
        let no_eqtl = FreqTriple { eqtl: None, ..*t };
        let i = if t.gwas.is_some_and(|g| g > 0.0) && !flipped.fails(d) {
            0
        } else if !no_gwas.fails(d) {
            1
        } else if !no_eqtl.fails(d) {
            2
        } else {
            3
        };
        counts[i] += 1;
    }
    const CAUSES: [&str; 4] = [
        "the GWAS frequency column describes the other allele (1 - f agrees with the other data)",
        "the GWAS frequencies disagree with the eQTL and LD-reference ones (another population, \
         or a wrong column)",
        "the eQTL (.esi) frequencies disagree with the GWAS and LD reference (check \
         --eqtlgen-freq orientation or the .esi)",
        "every data set disagrees (alleles or populations differ)",
    ];
    let (i, &n) = counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .unwrap_or((3, &0));
    (CAUSES[i], n)
}
