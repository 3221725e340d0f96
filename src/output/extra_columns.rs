//! The extended SMR table `<out>.smr.extra` (`--smr-extra-columns`, data-spec/smr-output.md
//! §extensions): every `.smr` column, then `log10_p_SMR log10_p_HEIDI log10_p_eQTL
//! log10_p_GWAS heidi_status`. Also the log's HEIDI scale warning.

use crate::analyses::cis::CisRow;
use crate::engine::TableWriter;
use crate::log::RunLog;
use crate::output::smr::{CisTable, SMR_HEADER, SMR_HEADER_TARGET};
use crate::stats::heidi::HeidiOutcome;
use crate::stats::log_tail::{log10_chisq1_tail, log10_or};
use std::fmt::Write;

/// The extra columns' names, tab-separated (appended to the `.smr` header).
pub const EXTRA_HEADER: &str =
    "log10_p_SMR\tlog10_p_HEIDI\tlog10_p_eQTL\tlog10_p_GWAS\theidi_status";

/// Above this share of a variance, the constant HEIDI adds is reported as moving p_HEIDI.
pub const CONSTANT_SHARE_WARN: f64 = 1e-3;

/// Why p_HEIDI is what it is (the `heidi_status` column).
pub fn heidi_status(row: &CisRow, heidi_on: bool) -> &'static str {
    match row.heidi {
        None if heidi_on => "not_run_psmr",
        None => "off_no_ld_reference",
        Some(HeidiOutcome::Tested { p, .. }) if p >= 0.0 => "tested",
        Some(HeidiOutcome::Tested { .. }) => "tested_p_invalid",
        Some(HeidiOutcome::TooFewSignificant) => "too_few_snps_peqtl_heidi",
        Some(HeidiOutcome::TooFewAfterLdFilter) => "too_few_snps_ld_filter",
        Some(HeidiOutcome::TooFewAfterPruning) => "too_few_snps_pruning",
        Some(HeidiOutcome::TooFewForTest) => "too_few_snps_test",
    }
}

/// The extended table: the `.smr` row of [`CisTable`] and the extra columns.
pub struct ExtraTable<'a> {
    /// The `.smr` table whose rows are extended.
    pub base: CisTable<'a>,
    header: String,
}

impl<'a> ExtraTable<'a> {
    /// The extended form of `base`.
    pub fn new(base: CisTable<'a>) -> Self {
        let h = if base.target {
            SMR_HEADER_TARGET
        } else {
            SMR_HEADER
        };
        ExtraTable {
            header: format!("{h}\t{EXTRA_HEADER}"),
            base,
        }
    }
}

/// A log10 value: shortest round-trip decimal, `NA` when not a number.
fn push_log(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str("NA");
    } else {
        let _ = write!(out, "{v}");
    }
}

impl TableWriter<CisRow> for ExtraTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(&self.header)
    }

    fn write_row(&self, probe: usize, r: &CisRow, out: &mut String) {
        self.base.write_row(probe, r, out);
        if out.ends_with('\n') {
            out.pop();
        }
        let s = self.base.snps;
        // Each from the statistic its p-value is computed from (data-spec/smr-output.md).
        let smr_chi2 = (r.smr.b * r.smr.b) / (r.smr.se * r.smr.se);
        let zd = r.bx / r.sx;
        let (b, se, p) = (s.gwas_b[r.top], s.gwas_se[r.top], s.gwas_p[r.top]);
        let gwas = log10_or(p, || {
            let z = b / se;
            log10_chisq1_tail(z * z)
        });
        let heidi = match r.heidi {
            Some(HeidiOutcome::Tested { p, .. }) if p >= 0.0 => r.heidi_detail.log10_p,
            _ => f64::NAN,
        };
        for v in [
            log10_or(r.smr.p, || log10_chisq1_tail(smr_chi2)),
            heidi,
            log10_or(r.p_eqtl, || log10_chisq1_tail(zd * zd)),
            gwas,
        ] {
            out.push('\t');
            push_log(out, v);
        }
        out.push('\t');
        out.push_str(heidi_status(r, self.base.heidi));
        out.push('\n');
    }

    fn note(&self, r: &CisRow) -> Option<&'static str> {
        self.base.note(r)
    }
}

/// Warn in the log when the constant HEIDI adds to its variances (1e-8 in the reference) is
/// large enough, relative to a variance of the test, to move p_HEIDI: the result then depends
/// on the units of the effects (data-spec/smr-output.md §heidi-scale).
pub fn log_heidi_scale<'a>(
    log: &mut RunLog,
    rows: impl Iterator<Item = &'a CisRow>,
    scale_free: bool,
) {
    let (mut n, mut tested, mut max) = (0usize, 0usize, 0.0f64);
    for r in rows {
        if let Some(HeidiOutcome::Tested { .. }) = r.heidi {
            tested += 1;
            let share = r.heidi_detail.constant_share;
            if share > CONSTANT_SHARE_WARN {
                n += 1;
            }
            max = max.max(share);
        }
    }
    if n == 0 {
        return;
    }
    if scale_free {
        log.info(format!(
            "  note: in {n} of {tested} HEIDI tests the (scale-free) constant is more than \
             {:.1}% of a variance (largest {:.3}%): SNPs in near-perfect LD with the top SNP",
            CONSTANT_SHARE_WARN * 100.0,
            max * 100.0
        ));
    } else {
        log.info(format!(
            "  warning: in {n} of {tested} HEIDI tests the constant 1e-8 added to the variances \
             is more than {:.1}% of a variance (largest {:.3}%): these p_HEIDI depend on the \
             units of b_GWAS and b_eQTL (rescaling them changes p_HEIDI); \
             --heidi-scale-free removes the dependence",
            CONSTANT_SHARE_WARN * 100.0,
            max * 100.0
        ));
    }
}
