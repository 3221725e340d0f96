//! `--recode`: every stored value of the kept probes and SNPs as text (data-spec/query.md
//! §5) → `<out>.raw`.

use super::{eqtl_p, select, write_probes, EqtlTables, LookupSettings, TableWriter};
use crate::error::Result;
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
    write_probes(&mut w, &sel.probes, s.threads, |p, buf, out| {
        besd.read_probe(p, buf)?;
        let probe = &data.epi[p].probe;
        let mut n = 0;
        for e in buf.iter().filter(|e| snp_mask[e.snp as usize]) {
            n += 1;
            let snp = data.esi.row(e.snp as usize);
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
        Ok(n)
    })?;
    w.finish()
}
