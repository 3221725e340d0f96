//! `--recode`: every stored value of the kept probes and SNPs as text (data-spec/query.md
//! §5) → `<out>.raw`.

use super::{eqtl_p, select, EqtlTables, LookupSettings, TableWriter};
use crate::error::Result;
use crate::io::besd::BesdEntry;
use crate::log::RunLog;
use crate::output::format::push_g6;
use std::fmt::Write as _;

/// Header of `<out>.raw`.
pub const HEADER: &str = "ProbeID\tSNP\tChr\tA1\tA2\tb\tSE\tp";

/// Run `--recode`; returns the number of rows written.
pub fn run(s: &LookupSettings, log: &mut RunLog) -> Result<usize> {
    let data = EqtlTables::open(&s.eqtl, log)?;
    let sel = select(&s.filters, &data.tables(), log)?;
    let besd = data.open_besd(&sel)?;
    let snp_mask = sel.snp_mask(data.esi.len());
    let mut w = TableWriter::create(&s.output_path(), HEADER)?;
    let mut buf: Vec<BesdEntry> = Vec::new();
    for &p in &sel.probes {
        besd.read_probe(p, &mut buf)?;
        let probe = &data.epi[p].probe;
        for e in buf.iter().filter(|e| snp_mask[e.snp as usize]) {
            let snp = data.esi.row(e.snp as usize);
            let out = w.row();
            let _ = write!(
                out,
                "{probe}\t{}\t{}\t{}\t{}\t",
                snp.snp, snp.chr, snp.a1, snp.a2
            );
            push_g6(out, f64::from(e.beta));
            out.push('\t');
            push_g6(out, f64::from(e.se));
            out.push('\t');
            push_g6(out, eqtl_p(e.beta, e.se));
            out.push('\n');
        }
        w.maybe_flush()?;
    }
    w.finish()
}
