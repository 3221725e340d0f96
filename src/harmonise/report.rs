//! The harmonisation report (data-spec/harmonise-report.md): the counts per (source, action,
//! reason) in the log and `<out>.harmonise.summary.tsv`, always; with `--harmonise-report
//! full` also one row per SNP dropped, flipped, renamed or flagged on the way from the inputs
//! to the tests, with the reason, in `<out>.harmonise.tsv.gz`.

use super::alleles::gwas_alleles_as_written;
use super::matching::{DropReason, Located, MatchResult};
use super::snp_table::{first_rows, GwasAfterMatch};
use crate::config::out_path;
use crate::data::reference::LdReference;
use crate::error::Result;
use crate::io::esi::EsiTable;
use crate::io::gwas::GwasData;
use crate::log::RunLog;
use crate::output::atomic::write_atomic;
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;

/// Header of the full report `<out>.harmonise.tsv.gz` (data-spec/harmonise-report.md §1).
pub const REPORT_HEADER: &str = "SNP\tsource\taction\treason\tdetail";

/// Header of `<out>.harmonise.summary.tsv` (data-spec/harmonise-report.md §1).
pub const SUMMARY_HEADER: &str = "source\taction\treason\tSNPs";

/// Suffix of the summary file.
pub const SUMMARY_SUFFIX: &str = "harmonise.summary.tsv";

/// Suffix of the full per-SNP report.
pub const FULL_SUFFIX: &str = "harmonise.tsv.gz";

/// What a run writes of the harmonisation report (`--harmonise-report`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum ReportMode {
    /// The counts per (source, action, reason): log and `<out>.harmonise.summary.tsv`.
    #[default]
    Summary,
    /// The summary and the per-SNP list `<out>.harmonise.tsv.gz`.
    Full,
}

/// Counts per (source, action, reason).
pub type ReportCounts = BTreeMap<(&'static str, &'static str, &'static str), usize>;

/// The summary file's text: [`SUMMARY_HEADER`], then one line per (source, action, reason)
/// in sorted order.
pub fn summary_tsv(counts: &ReportCounts) -> String {
    let mut t = String::from(SUMMARY_HEADER);
    t.push('\n');
    for ((s, a, r), n) in counts {
        t.push_str(&format!("{s}\t{a}\t{r}\t{n}\n"));
    }
    t
}

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
    pub fn counts(&self) -> ReportCounts {
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

    /// Write the report gzip-compressed, followed by more rows that `extra` writes as TSV
    /// text (whole lines, fields cleaned with [`push_tsv_field`]), streamed without one big
    /// buffer.
    pub fn write_gz_with(
        &self,
        path: &Path,
        extra: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
    ) -> Result<()> {
        use std::io::Write;
        let f = crate::output::atomic::AtomicFile::create(path)?;
        // Level 1: the full report is millions of similar lines; faster levels matter more
        // than a few per cent of size.
        let mut gz = flate2::write::GzEncoder::new(f, flate2::Compression::fast());
        let io_err = |source| crate::error::Error::Write {
            path: path.to_path_buf(),
            source,
        };
        gz.write_all(self.to_tsv().as_bytes()).map_err(io_err)?;
        extra(&mut gz).map_err(io_err)?;
        gz.finish().map_err(io_err)?.commit()
    }

    /// [`HarmoniseReport::summary_lines`] counting also `extra` rows by (source, action,
    /// reason).
    pub fn summary_lines_with(&self, extra: &ReportCounts) -> Vec<String> {
        summary_lines_of(&self.counts_with(extra))
    }

    /// [`HarmoniseReport::counts`] plus `extra`.
    pub fn counts_with(&self, extra: &ReportCounts) -> ReportCounts {
        let mut counts = self.counts();
        for (k, n) in extra {
            *counts.entry(*k).or_default() += n;
        }
        counts
    }
}

/// The log's summary table of `counts`: a header and one line per (source, action, reason).
pub fn summary_lines_of(counts: &ReportCounts) -> Vec<String> {
    let mut out = vec![format!(
        "  {:<14} {:<9} {:<24} {:>10}",
        "source", "action", "reason", "SNPs"
    )];
    for ((s, a, r), n) in counts {
        out.push(format!("  {s:<14} {a:<9} {r:<24} {n:>10}"));
    }
    out
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

/// Report GWAS SNPs that are absent from the (filtered) eQTL SNPs or from the LD reference.
/// Rows already reported as unusable are not repeated.
pub(crate) fn report_not_found(
    report: &mut HarmoniseReport,
    gwas: &GwasData,
    esi: &EsiTable,
    esi_keep: &[u32],
    reference: Option<&LdReference>,
) {
    let in_eqtl: HashSet<&str> = esi_keep.iter().map(|&i| esi.snp(i as usize)).collect();
    let in_ref: Option<HashSet<&str>> =
        reference.map(|r| r.bim_keep.iter().map(|&i| r.bim.snp(i as usize)).collect());
    for g in gwas.records.rows() {
        if !g.usable() {
            continue;
        }
        if !in_eqtl.contains(g.snp) {
            report.push(g.snp, "gwas", "dropped", "not in eQTL data", "");
        } else if in_ref.as_ref().is_some_and(|s| !s.contains(g.snp)) {
            report.push(g.snp, "gwas", "dropped", "not in reference", "");
        }
    }
}

/// [`report_not_found`] with the GWAS rows located by [`MatchIndex::locate`].
pub(crate) fn report_not_found_located(
    report: &mut HarmoniseReport,
    gwas: &GwasData,
    loc: &Located,
) {
    // 0: found everywhere or unusable, 1: not in eQTL data, 2: not in reference.
    let what: Vec<u8> = (0..loc.len())
        .into_par_iter()
        .map(|g| {
            let (in_eqtl, in_ref) = (loc.in_eqtl(g), loc.in_ref(g));
            if (in_eqtl && in_ref) || !gwas.records.row(g).usable() {
                0
            } else if !in_eqtl {
                1
            } else {
                2
            }
        })
        .collect();
    for (g, w) in what.into_iter().enumerate() {
        let id = || gwas.records.snp(g);
        match w {
            1 => report.push(id(), "gwas", "dropped", "not in eQTL data", ""),
            2 => report.push(id(), "gwas", "dropped", "not in reference", ""),
            _ => {}
        }
    }
}

/// Append the report row (TSV) of a matched SNP whose GWAS alleles were swapped or
/// complemented.
fn push_flipped_row(text: &mut String, s: &FlippedSnp, esi: &EsiTable) {
    // The SNP's ID is the same in every source (matched by ID); the GWAS alleles as written
    // follow from the eQTL's and the alignment.
    let e = esi.row(s.esi as usize);
    let (g1, g2) = gwas_alleles_as_written(e.a1, e.a2, s.swapped, s.strand).unwrap_or(("?", "?"));
    let (reason, what) = if s.strand {
        (
            "strand complement",
            if s.swapped {
                "complemented and swapped: b negated, freq 1 - f"
            } else {
                "complemented"
            },
        )
    } else {
        ("alleles swapped", "b negated, freq 1 - f")
    };
    push_tsv_field(text, e.snp);
    text.push_str("\tgwas\tflipped\t");
    text.push_str(reason);
    text.push('\t');
    // The detail "GWAS A1/A2 {}/{} vs eQTL {}/{}: {what}", without a temporary string.
    let start = text.len();
    for part in [
        "GWAS A1/A2 ",
        g1,
        "/",
        g2,
        " vs eQTL ",
        e.a1,
        "/",
        e.a2,
        ": ",
        what,
    ] {
        text.push_str(part);
    }
    if text[start..].contains(['\t', '\n', '\r']) {
        let detail = text.split_off(start);
        push_tsv_field(text, &detail);
    }
    text.push('\n');
}

/// Add the matching outcomes to the report, write it (`<out>.harmonise.summary.tsv`, and
/// `<out>.harmonise.tsv.gz` in `mode` [`ReportMode::Full`]) and log its summary.
#[allow(clippy::too_many_arguments)]
pub(crate) fn write_report(
    report: &mut HarmoniseReport,
    gwas: &GwasAfterMatch,
    esi: &EsiTable,
    reference: Option<&LdReference>,
    matched: &MatchResult,
    out: &Path,
    mode: ReportMode,
    log: &mut RunLog,
) -> Result<()> {
    prepare_report(report, esi, reference, gwas, matched, out, mode, log).write(esi)
}

/// A matched SNP whose GWAS alleles were swapped (`swapped`) or complemented (`strand`).
struct FlippedSnp {
    esi: u32,
    swapped: bool,
    strand: bool,
}

/// The full per-SNP report of one trait, ready to be written.
struct FullReport {
    report: HarmoniseReport,
    /// Matched SNPs whose GWAS alleles were swapped or complemented, in analysis order.
    flipped: Vec<FlippedSnp>,
    path: std::path::PathBuf,
}

/// The harmonisation report of one trait, ready to be written (by [`ReportJob::write`]).
pub(crate) struct ReportJob {
    counts: ReportCounts,
    summary_path: std::path::PathBuf,
    full: Option<FullReport>,
}

impl ReportJob {
    /// Write `<out>.harmonise.summary.tsv` and, when asked for, `<out>.harmonise.tsv.gz`
    /// (the report's rows, then the flipped rows, streamed). Runs on the caller's thread only
    /// (no rayon: it may run beside the probe loop and must not add threads to the
    /// `--thread-num` pool's work).
    pub(crate) fn write(self, esi: &EsiTable) -> Result<()> {
        write_atomic(&self.summary_path, summary_tsv(&self.counts).as_bytes())?;
        let Some(full) = self.full else {
            return Ok(());
        };
        full.report.write_gz_with(&full.path, |f| {
            let mut text = String::with_capacity(1 << 20);
            for s in &full.flipped {
                push_flipped_row(&mut text, s, esi);
                if text.len() >= 1 << 20 {
                    f.write_all(text.as_bytes())?;
                    text.clear();
                }
            }
            f.write_all(text.as_bytes())
        })
    }
}

/// Add the matching outcomes to `report`, log the report's summary, and return what writing
/// the report needs (`mode`: also the full per-SNP list).
#[allow(clippy::too_many_arguments)]
pub(crate) fn prepare_report(
    report: &mut HarmoniseReport,
    esi: &EsiTable,
    reference: Option<&LdReference>,
    gwas: &GwasAfterMatch,
    matched: &MatchResult,
    out: &Path,
    mode: ReportMode,
    log: &mut RunLog,
) -> ReportJob {
    // Rows of the dropped SNPs whose alleles the report shows (first occurrence of each ID);
    // only those IDs are looked up.
    let needed: rustc_hash::FxHashSet<&str> = matched
        .dropped
        .iter()
        .filter(|(r, _)| {
            matches!(
                r,
                DropReason::AlleleMismatchGwas
                    | DropReason::AlleleMismatchReference
                    | DropReason::StrandAmbiguous
            )
        })
        .map(|(_, id)| id.as_str())
        .collect();
    let esi_ix = first_rows(&needed, esi.len(), |i| esi.snp(i));
    let bim_ix = reference.map(|r| first_rows(&needed, r.bim.len(), |i| r.bim.snp(i)));
    let eqtl_alleles = |id: &str| {
        esi_ix.get(id).map_or(String::new(), |&i| {
            let e = esi.row(i);
            format!("{}/{}", e.a1, e.a2)
        })
    };
    let gwas_alleles = |id: &str| gwas.alleles.get(id).cloned().unwrap_or_default();
    for (reason, id) in &matched.dropped {
        match reason {
            DropReason::AlleleMismatchGwas => report.push(
                id,
                "gwas",
                "dropped",
                "allele mismatch",
                format!(
                    "GWAS A1/A2 {} vs eQTL {}",
                    gwas_alleles(id),
                    eqtl_alleles(id)
                ),
            ),
            DropReason::AlleleMismatchReference => {
                let r = match (reference, bim_ix.as_ref().and_then(|m| m.get(id.as_str()))) {
                    (Some(r), Some(&b)) => {
                        let row = r.bim.row(b);
                        format!("{}/{}", row.a1, row.a2)
                    }
                    _ => String::new(),
                };
                report.push(
                    id,
                    "reference",
                    "dropped",
                    "allele mismatch",
                    format!("reference A1/A2 {r} vs eQTL {}", eqtl_alleles(id)),
                )
            }
            DropReason::StrandAmbiguous => report.push(
                id,
                "gwas",
                "dropped",
                "strand-ambiguous",
                format!(
                    "GWAS A1/A2 {} vs eQTL {}: frequencies missing or within 0.5 +/- {}",
                    gwas_alleles(id),
                    eqtl_alleles(id),
                    super::alleles::PALINDROMIC_FREQ_MARGIN
                ),
            ),
            DropReason::Maf => report.push(
                id,
                "reference",
                "dropped",
                "MAF",
                "LD-reference MAF at or below --maf",
            ),
            // Reported elsewhere: GWAS SNPs not found, frequency failures with their values.
            DropReason::NotInEqtl
            | DropReason::NotInGwas
            | DropReason::NotInReference
            | DropReason::FreqDifference => {}
        }
    }
    // Rows of the matched SNPs whose GWAS alleles were swapped or complemented, written after
    // the others (only counted for the summary).
    let is_flipped = |s: &super::matching::MatchedSnp| s.gwas_swapped || s.gwas_strand_flipped;
    let flipped: Vec<FlippedSnp> = match mode {
        ReportMode::Full => matched
            .snps
            .par_iter()
            .filter(|s| is_flipped(s))
            .map(|s| FlippedSnp {
                esi: s.esi,
                swapped: s.gwas_swapped,
                strand: s.gwas_strand_flipped,
            })
            .collect(),
        ReportMode::Summary => Vec::new(),
    };
    let (n_swapped, n_strand) = matched
        .snps
        .par_iter()
        .filter(|s| is_flipped(s))
        .map(|s| {
            if s.gwas_strand_flipped {
                (0, 1)
            } else {
                (1, 0)
            }
        })
        .reduce(|| (0usize, 0usize), |a, b| (a.0 + b.0, a.1 + b.1));
    let mut extra_counts = BTreeMap::new();
    for (reason, n) in [
        ("alleles swapped", n_swapped),
        ("strand complement", n_strand),
    ] {
        if n > 0 {
            extra_counts.insert(("gwas", "flipped", reason), n);
        }
    }
    let counts = report.counts_with(&extra_counts);
    let summary_path = out_path(out, SUMMARY_SUFFIX);
    let total: usize = counts.values().sum();
    let full = match mode {
        ReportMode::Full => {
            let path = out_path(out, FULL_SUFFIX);
            log.info(format!(
                "Harmonisation report: {total} rows in {}; counts in {}",
                path.display(),
                summary_path.display()
            ));
            Some(FullReport {
                report: std::mem::take(report),
                flipped,
                path,
            })
        }
        ReportMode::Summary => {
            log.info(format!(
                "Harmonisation report: {total} rows (SNPs dropped, flipped, renamed or flagged) \
                 counted in {} \
                 (every SNP with --harmonise-report full)",
                summary_path.display()
            ));
            *report = HarmoniseReport::default();
            None
        }
    };
    for line in summary_lines_of(&counts) {
        log.info(line);
    }
    ReportJob {
        counts,
        summary_path,
        full,
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
        let mut extra = ReportCounts::new();
        extra.insert(("gwas", "flipped", "alleles swapped"), 4);
        assert_eq!(
            summary_tsv(&r.counts_with(&extra)),
            "source\taction\treason\tSNPs\n\
             gwas\tdropped\tbad value\t2\n\
             gwas\tflipped\talleles swapped\t5\n"
        );
        assert_eq!(
            summary_tsv(&ReportCounts::new()),
            "source\taction\treason\tSNPs\n"
        );
        assert!(lines[1].contains("bad value") && lines[1].trim_end().ends_with('2'));
    }
}
