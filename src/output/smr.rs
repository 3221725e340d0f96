//! The `.smr` table: the reference's exact columns, order and number formats
//! (data-spec/smr-output.md).

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

impl SmrRow<'_> {
    /// Append the row, tab-separated and newline-terminated, to `buf`.
    pub fn write_to(&self, buf: &mut String) {
        // Writing to a String cannot fail.
        let _ = write!(
            buf,
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
            self.probe,
            self.probe_chr,
            self.gene,
            self.probe_bp,
            self.snp,
            self.snp_chr,
            self.snp_bp,
            self.a1,
            self.a2
        );
        let g = |buf: &mut String, x: f64| {
            push_g6(buf, x);
            buf.push('\t');
        };
        let e = |buf: &mut String, x: f64| {
            push_e6(buf, x);
            buf.push('\t');
        };
        g(buf, self.freq);
        g(buf, self.b_gwas);
        g(buf, self.se_gwas);
        e(buf, self.p_gwas);
        g(buf, self.b_eqtl);
        g(buf, self.se_eqtl);
        e(buf, self.p_eqtl);
        g(buf, self.smr.b);
        g(buf, self.smr.se);
        e(buf, self.smr.p);
        match self.heidi {
            Some(HeidiOutcome::Tested { p, nsnp }) => {
                if p >= 0.0 {
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
        buf.push('\n');
    }
}
