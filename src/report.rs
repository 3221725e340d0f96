//! The harmonisation report `<out>.harmonise.tsv`: one row per SNP dropped, flipped, renamed
//! or flagged on the way from the inputs to the tests, with the reason, and the summary table
//! written to the log (data-spec/harmonise-report.md).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use std::collections::BTreeMap;
use std::path::Path;

/// Header of `<out>.harmonise.tsv` (data-spec/harmonise-report.md §1).
pub const REPORT_HEADER: &str = "SNP\tsource\taction\treason\tdetail";

/// One row of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportRow {
    /// SNP ID as written in `source`.
    pub snp: String,
    /// Which input the row is about: `gwas`, `eqtl`, `reference` or `eqtlgen-freq`.
    pub source: &'static str,
    /// What happened: `dropped`, `flipped`, `renamed`, `not used` or `flagged`.
    pub action: &'static str,
    /// Why, from a fixed vocabulary (data-spec/harmonise-report.md §2).
    pub reason: &'static str,
    /// Free text: the line, the alleles or frequencies compared.
    pub detail: String,
}

/// Rows collected during a run.
#[derive(Debug, Clone, Default)]
pub struct HarmoniseReport {
    /// Rows in the order the events happened.
    pub rows: Vec<ReportRow>,
}

impl HarmoniseReport {
    /// Add a row.
    pub fn push(
        &mut self,
        snp: impl AsRef<str>,
        source: &'static str,
        action: &'static str,
        reason: &'static str,
        detail: impl Into<String>,
    ) {
        self.rows.push(ReportRow {
            snp: snp.as_ref().to_string(),
            source,
            action,
            reason,
            detail: detail.into(),
        });
    }

    /// Append all rows of `other`.
    pub fn extend(&mut self, other: &HarmoniseReport) {
        self.rows.extend(other.rows.iter().cloned());
    }

    /// Counts by (source, action, reason), in sorted order.
    pub fn counts(&self) -> BTreeMap<(&'static str, &'static str, &'static str), usize> {
        let mut m = BTreeMap::new();
        for r in &self.rows {
            *m.entry((r.source, r.action, r.reason)).or_default() += 1;
        }
        m
    }

    /// The summary table for the log: a header and one line per (source, action, reason).
    pub fn summary_lines(&self) -> Vec<String> {
        self.summary_lines_with(&BTreeMap::new())
    }

    /// The report as TSV text (fields never contain tabs or newlines: they are replaced by
    /// spaces).
    pub fn to_tsv(&self) -> String {
        let push_clean = push_tsv_field;
        let len: usize = self
            .rows
            .iter()
            .map(|r| {
                r.snp.len() + r.source.len() + r.action.len() + r.reason.len() + r.detail.len() + 5
            })
            .sum();
        let mut t = String::with_capacity(len + REPORT_HEADER.len() + 1);
        t.push_str(REPORT_HEADER);
        t.push('\n');
        for r in &self.rows {
            push_clean(&mut t, &r.snp);
            t.push('\t');
            t.push_str(r.source);
            t.push('\t');
            t.push_str(r.action);
            t.push('\t');
            t.push_str(r.reason);
            t.push('\t');
            push_clean(&mut t, &r.detail);
            t.push('\n');
        }
        t
    }

    /// Write the report atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.to_tsv().as_bytes())
    }

    /// Write the report followed by more rows that `extra` writes to the file as TSV text
    /// (whole lines, fields cleaned with [`push_tsv_field`]), streamed without one big buffer.
    pub fn write_with(
        &self,
        path: &Path,
        extra: impl FnOnce(&mut crate::output::atomic::AtomicFile) -> Result<()>,
    ) -> Result<()> {
        let mut f = crate::output::atomic::AtomicFile::create(path)?;
        f.write_all(self.to_tsv().as_bytes())?;
        extra(&mut f)?;
        f.commit()
    }

    /// [`HarmoniseReport::summary_lines`] counting also `extra` rows by (source, action,
    /// reason).
    pub fn summary_lines_with(
        &self,
        extra: &BTreeMap<(&'static str, &'static str, &'static str), usize>,
    ) -> Vec<String> {
        let mut counts = self.counts();
        for (k, n) in extra {
            *counts.entry(*k).or_default() += n;
        }
        let mut out = vec![format!(
            "  {:<14} {:<9} {:<24} {:>10}",
            "source", "action", "reason", "SNPs"
        )];
        for ((s, a, r), n) in counts {
            out.push(format!("  {s:<14} {a:<9} {r:<24} {n:>10}"));
        }
        out
    }
}

/// Append a TSV field: tabs and line breaks become spaces (pushed as is when there are none,
/// the usual case, without a copy).
pub fn push_tsv_field(t: &mut String, s: &str) {
    if s.contains(['\t', '\n', '\r']) {
        t.push_str(&s.replace(['\t', '\n', '\r'], " "));
    } else {
        t.push_str(s);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tsv_and_summary() {
        let mut r = HarmoniseReport::default();
        r.push("rs2", "gwas", "dropped", "bad value", "line 3: se <= 0");
        r.push("rs1", "gwas", "flipped", "alleles swapped", "A/G\tvs G/A");
        r.push(
            "rs3",
            "gwas",
            "dropped",
            "bad value",
            "line 5: p outside [0,1]",
        );
        assert_eq!(
            r.to_tsv(),
            "SNP\tsource\taction\treason\tdetail\n\
             rs2\tgwas\tdropped\tbad value\tline 3: se <= 0\n\
             rs1\tgwas\tflipped\talleles swapped\tA/G vs G/A\n\
             rs3\tgwas\tdropped\tbad value\tline 5: p outside [0,1]\n"
        );
        let c = r.counts();
        assert_eq!(c[&("gwas", "dropped", "bad value")], 2);
        assert_eq!(c[&("gwas", "flipped", "alleles swapped")], 1);
        let lines = r.summary_lines();
        assert_eq!(lines.len(), 3);
        assert!(lines[1].contains("bad value") && lines[1].trim_end().ends_with('2'));
    }
}
