//! The multi-SNP SMR tables (formats §6.4): `<out>.msmr`, `<out>.snps4msmr.list` and
//! `<out>.prbregion4msmr.list`.

use crate::analyses::multi::MultiRow;
use crate::engine::TableWriter;
use crate::harmonise::SnpTable;
use crate::io::epi::EpiRecord;
use crate::io::esi::EsiTable;
use crate::output::format::push_e6;
use crate::output::smr::{write_heidi, SmrRow, Tested};
use std::fmt::Write;

/// Header of `<out>.msmr`.
pub const MSMR_HEADER: &str = "probeID\tProbeChr\tGene\tProbe_bp\ttopSNP\ttopSNP_chr\ttopSNP_bp\tA1\tA2\tFreq\tb_GWAS\tse_GWAS\tp_GWAS\tb_eQTL\tse_eQTL\tp_eQTL\tb_SMR\tse_SMR\tp_SMR\tp_SMR_multi\tp_HEIDI\tnsnp_HEIDI";

/// What the multi-SNP writers name rows from.
#[derive(Clone, Copy)]
pub struct MultiNames<'a> {
    /// `.epi` rows.
    pub epi: &'a [EpiRecord],
    /// `.esi` rows.
    pub esi: &'a EsiTable,
    /// The trait's SNP table.
    pub snps: &'a SnpTable,
    /// HEIDI on (for the log's count of rows without p_HEIDI).
    pub heidi: bool,
}

/// `<out>.msmr`: the `.smr` columns with p_GWAS recomputed, then p_SMR_multi.
pub struct MsmrTable<'a>(pub MultiNames<'a>);

impl TableWriter<MultiRow> for MsmrTable<'_> {
    fn header(&self) -> Option<&str> {
        Some(MSMR_HEADER)
    }

    fn write_row(&self, p: usize, r: &MultiRow, out: &mut String) {
        let t = Tested {
            freq: r.freq,
            bx: r.bx,
            sx: r.sx,
            p_eqtl: r.p_eqtl,
            smr: r.smr,
            heidi: r.heidi,
        };
        // The .msmr's p_GWAS is the multi analysis's own (formats §6.4).
        let row = SmrRow {
            p_gwas: r.p_gwas,
            ..SmrRow::of(&self.0.epi[p], self.0.esi, self.0.snps, r.top, t)
        };
        row.write_probe(out);
        row.write_snp_to_smr(out);
        push_e6(out, r.p_multi);
        out.push('\t');
        write_heidi(out, r.heidi, true);
        out.push('\n');
    }

    fn note(&self, r: &MultiRow) -> Option<&'static str> {
        match r.heidi {
            None if self.0.heidi => Some("p_SMR above --psmr"),
            None => Some("HEIDI off"),
            Some(h) => h.reason(),
        }
    }
}

/// `<out>.snps4msmr.list`: per row the probe ID, the IDs of the SNPs in the multi-SNP test,
/// then `end`.
pub struct SnpListTable<'a>(pub MultiNames<'a>);

impl TableWriter<MultiRow> for SnpListTable<'_> {
    fn header(&self) -> Option<&str> {
        None
    }

    fn write_row(&self, p: usize, r: &MultiRow, out: &mut String) {
        out.push_str(&self.0.epi[p].probe);
        out.push('\n');
        for &k in &r.snps {
            out.push_str(self.0.esi.snp(self.0.snps.esi[k as usize] as usize));
            out.push('\n');
        }
        out.push_str("end\n");
    }
}

/// `<out>.prbregion4msmr.list`: `chr  first bp  last bp  probe` of the SNPs considered (rows
/// of the top-SNP mode only; empty with `--set-list`/`--gene-list`).
pub struct RegionTable<'a>(pub MultiNames<'a>);

impl TableWriter<MultiRow> for RegionTable<'_> {
    fn header(&self) -> Option<&str> {
        None
    }

    fn write_row(&self, p: usize, r: &MultiRow, out: &mut String) {
        if let Some((chr, lo, hi)) = r.region {
            let _ = writeln!(out, "{chr}\t{lo}\t{hi}\t{}", self.0.epi[p].probe);
        }
    }
}
