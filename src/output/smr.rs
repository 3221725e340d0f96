//! The `.smr` table: the reference's exact columns, order and number formats
//! (data-spec/smr-output.md).

use crate::analyses::cis::CisRow;
use crate::analyses::trans::TransRow;
use crate::engine::TableWriter;
use crate::harmonise::SnpTable;
use crate::io::epi::EpiRecord;
use crate::io::esi::EsiTable;
use crate::output::format::{push_e6, push_g6};
use crate::stats::heidi::HeidiOutcome;
use crate::stats::smr::SmrTest;
use crate::types::{Bp, Chrom};
use std::fmt::Write;

/// Header of the cis `.smr` file.
pub const SMR_HEADER: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI";

/// Header used with `--target-snp` (columns 5-7 renamed).
pub const SMR_HEADER_TARGET: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttargetSNP\ttargetSNP_chr\ttargetSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI";

/// One row of the `.smr` table.
#[derive(Debug, Clone, PartialEq)]
pub struct SmrRow<'a> {
    /// Probe ID.
    pub probe: &'a str,
    /// Probe chromosome.
    pub probe_chr: Chrom,
    /// Gene name.
    pub gene: &'a str,
    /// Probe position.
    pub probe_bp: Bp,
    /// Instrument SNP ID.
    pub snp: &'a str,
    /// Its chromosome.
    pub snp_chr: Chrom,
    /// Its position.
    pub snp_bp: Bp,
    /// `.esi` A1.
    pub a1: &'a str,
    /// `.esi` A2.
    pub a2: &'a str,
    /// Frequency of A1 (LD reference, or `.esi` with `--heidi-off`; -9 when missing).
    pub freq: f64,
    /// GWAS effect aligned to A1.
    pub b_gwas: f64,
    /// GWAS standard error.
    pub se_gwas: f64,
    /// GWAS p-value as read.
    pub p_gwas: f64,
    /// eQTL effect (float32 promoted).
    pub b_eqtl: f64,
    /// eQTL standard error (float32 promoted).
    pub se_eqtl: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// SMR test.
    pub smr: SmrTest,
    /// HEIDI, `None` when not run (`--heidi-off` or p_SMR > `--psmr`).
    pub heidi: Option<HeidiOutcome>,
}

impl<'a> SmrRow<'a> {
    /// The row of probe `epi` whose instrument is compact SNP `top`: IDs, positions and
    /// alleles from the `.epi`/`.esi`, the GWAS values from the trait's SNP table, the tested
    /// values from `t`. One assembly for the cis, trans and multi-SNP tables.
    pub fn of(
        epi: &'a EpiRecord,
        esi: &'a EsiTable,
        snps: &SnpTable,
        top: usize,
        t: Tested,
    ) -> Self {
        let e = esi.row(snps.esi[top] as usize);
        SmrRow {
            probe: &epi.probe,
            probe_chr: epi.chr,
            gene: &epi.gene,
            probe_bp: epi.bp,
            snp: e.snp,
            snp_chr: e.chr,
            snp_bp: e.bp,
            a1: e.a1,
            a2: e.a2,
            freq: t.freq,
            b_gwas: snps.gwas_b[top],
            se_gwas: snps.gwas_se[top],
            p_gwas: snps.gwas_p[top],
            b_eqtl: t.bx,
            se_eqtl: t.sx,
            p_eqtl: t.p_eqtl,
            smr: t.smr,
            heidi: t.heidi,
        }
    }
}

/// What an analysis computed for one row's instrument (see [`SmrRow::of`]).
#[derive(Debug, Clone, Copy)]
pub struct Tested {
    /// Frequency of A1 (LD reference, or `.esi` with `--heidi-off`; -9 when missing).
    pub freq: f64,
    /// eQTL effect.
    pub bx: f64,
    /// eQTL standard error.
    pub sx: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// SMR test.
    pub smr: SmrTest,
    /// HEIDI, `None` when not run.
    pub heidi: Option<HeidiOutcome>,
}

impl SmrRow<'_> {
    /// Append the row, tab-separated and newline-terminated, to `buf` (formats §6.2).
    pub fn write_to(&self, buf: &mut String) {
        self.write_probe(buf);
        self.write_snp_to_smr(buf);
        write_heidi(buf, self.heidi, false);
        buf.push('\n');
    }

    /// The probe's columns (probeID to Probe_bp), each followed by a tab.
    pub fn write_probe(&self, buf: &mut String) {
        // Writing to a String cannot fail.
        let _ = write!(
            buf,
            "{}\t{}\t{}\t{}\t",
            self.probe, self.probe_chr, self.gene, self.probe_bp
        );
    }

    /// The SNP's columns to p_SMR (topSNP to p_SMR), each followed by a tab.
    pub fn write_snp_to_smr(&self, buf: &mut String) {
        let _ = write!(
            buf,
            "{}\t{}\t{}\t{}\t{}\t",
            self.snp, self.snp_chr, self.snp_bp, self.a1, self.a2
        );
        for x in [self.freq, self.b_gwas, self.se_gwas] {
            push_g6(buf, x);
            buf.push('\t');
        }
        push_e6(buf, self.p_gwas);
        buf.push('\t');
        for x in [self.b_eqtl, self.se_eqtl] {
            push_g6(buf, x);
            buf.push('\t');
        }
        push_e6(buf, self.p_eqtl);
        buf.push('\t');
        push_g6(buf, self.smr.b);
        buf.push('\t');
        push_g6(buf, self.smr.se);
        buf.push('\t');
        push_e6(buf, self.smr.p);
        buf.push('\t');
    }
}

/// The p_HEIDI and nsnp_HEIDI columns (no newline): p printed when `>= 0` (`> 0` with
/// `positive_only`, the trans and multi-SNP tables), nsnp when `> 0`, `NA` otherwise.
pub fn write_heidi(buf: &mut String, heidi: Option<HeidiOutcome>, positive_only: bool) {
    match heidi {
        Some(HeidiOutcome::Tested { p, nsnp }) => {
            if p > 0.0 || (p == 0.0 && !positive_only) {
                push_e6(buf, p);
            } else {
                buf.push_str("NA");
            }
            buf.push('\t');
            if nsnp > 0 {
                let _ = write!(buf, "{nsnp}");
            } else {
                buf.push_str("NA");
            }
        }
        _ => buf.push_str("NA\tNA"),
    }
}

/// The cis `.smr` table (formats §6.2): one [`CisRow`] per tested probe, named from the
/// `.epi` and `.esi`.
pub struct CisTable<'a> {
    /// `.epi` rows.
    pub epi: &'a [EpiRecord],
    /// `.esi` rows.
    pub esi: &'a EsiTable,
    /// The trait's SNP table (instrument values).
    pub snps: &'a SnpTable,
    /// `--target-snp` given: columns 5-7 are named `targetSNP*`.
    pub target: bool,
    /// HEIDI on (for the log's count of rows without p_HEIDI).
    pub heidi: bool,
}

impl TableWriter<CisRow> for CisTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(if self.target {
            SMR_HEADER_TARGET
        } else {
            SMR_HEADER
        })
    }

    fn write_row(&self, p: usize, r: &CisRow, out: &mut String) {
        let t = Tested {
            freq: r.freq,
            bx: r.bx,
            sx: r.sx,
            p_eqtl: r.p_eqtl,
            smr: r.smr,
            heidi: r.heidi,
        };
        SmrRow::of(&self.epi[p], self.esi, self.snps, r.top, t).write_to(out);
    }

    fn note(&self, r: &CisRow) -> Option<&'static str> {
        match r.heidi {
            None if self.heidi => Some("p_SMR above --psmr"),
            None => Some("HEIDI off"),
            Some(h) => h.reason(),
        }
    }
}

/// Header of the trans `.smr` (formats §6.3).
pub const SMR_HEADER_TRANS: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttrans_chr\ttrans_leftBound\ttrans_rightBound\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_HEIDI\tnsnp_HEIDI";

/// The trans `.smr` table (formats §6.3): one [`TransRow`] per trans region.
pub struct TransTable<'a> {
    /// `.epi` rows.
    pub epi: &'a [EpiRecord],
    /// `.esi` rows.
    pub esi: &'a EsiTable,
    /// The trait's SNP table.
    pub snps: &'a SnpTable,
    /// HEIDI on (for the log's count of rows without p_HEIDI).
    pub heidi: bool,
}

impl TableWriter<TransRow> for TransTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(SMR_HEADER_TRANS)
    }

    fn write_row(&self, p: usize, r: &TransRow, out: &mut String) {
        let t = Tested {
            freq: r.freq,
            bx: r.bx,
            sx: r.sx,
            p_eqtl: r.p_eqtl,
            smr: r.smr,
            heidi: r.heidi,
        };
        let row = SmrRow::of(&self.epi[p], self.esi, self.snps, r.top, t);
        row.write_probe(out);
        let _ = write!(out, "{}\t{}\t{}\t", r.chr, r.left_bp, r.right_bp);
        row.write_snp_to_smr(out);
        write_heidi(out, r.heidi, true);
        out.push('\n');
    }

    fn note(&self, r: &TransRow) -> Option<&'static str> {
        match r.heidi {
            None if self.heidi => Some("p_SMR above --psmr"),
            None => Some("HEIDI off"),
            Some(h) => h.reason(),
        }
    }
}
