//! `--query P`: every stored (probe, SNP) value with eQTL p ≤ P, after the probe and SNP
//! filters (data-spec/query.md §2) → `<out>.txt`.

use super::{eqtl_p, select, write_probes, EqtlTables, LookupSettings, TableWriter};
use crate::error::Result;
use crate::filters::{window_bounds, ProbeRange};
use crate::log::RunLog;
use crate::output::format::push_g6;
use std::fmt::Write as _;

/// Header of `<out>.txt` (also the `--qfile` input layout).
pub const HEADER: &str =
    "SNP\tChr\tBP\tA1\tA2\tFreq\tProbe\tProbe_Chr\tProbe_bp\tGene\tOrientation\tb\tSE\tp";

/// Run `--query threshold`; returns the number of rows written.
pub fn run(s: &LookupSettings, threshold: f64, log: &mut RunLog) -> Result<usize> {
    let data = EqtlTables::open(&s.eqtl, log)?;
    let t = data.tables();
    let mut sel = select(&s.filters, &t, log)?;
    // `--probe ID` with `--cis-wind`: only the SNPs in that probe's cis window (algorithm §13).
    if s.cis_wind_given {
        if let ProbeRange::Window { probe, .. } | ProbeRange::One(probe) = &s.filters.probes.range {
            if let Some(a) = data.epi.iter().position(|r| &r.probe == probe) {
                let (c, (lo, hi)) = (
                    data.epi[a].chr,
                    window_bounds(data.epi[a].bp, s.cis_wind_kb),
                );
                let before = sel.snps.len();
                sel.retain_snps(|i| {
                    let i = i as usize;
                    data.esi.chr(i) == c && (lo..=hi).contains(&data.esi.bp(i))
                });
                log.info(format!(
                    "  --cis-wind {} around {probe} (chromosome {c}, bp {lo}-{hi}): {} of {before} \
                     SNPs kept",
                    s.cis_wind_kb,
                    sel.snps.len()
                ));
                sel.require_nonempty(&t)?;
            }
        }
    }
    let besd = data.open_besd(&sel)?;
    let snp_mask = sel.snp_mask(data.esi.len());
    let mut w = TableWriter::create(&s.output_path(), HEADER)?;
    write_probes(&mut w, &sel.probes, s.threads, |p, buf, out| {
        besd.read_probe(p, buf)?;
        let pr = &data.epi[p];
        let mut n = 0;
        for e in buf.iter() {
            if !snp_mask[e.snp as usize] {
                continue;
            }
            let pv = eqtl_p(e.beta, e.se);
            // A NaN p is never reported.
            if pv.is_nan() || pv > threshold {
                continue;
            }
            n += 1;
            let snp = data.esi.row(e.snp as usize);
            let _ = write!(
                out,
                "{}\t{}\t{}\t{}\t{}\t",
                snp.snp, snp.chr, snp.bp, snp.a1, snp.a2
            );
            match snp.freq {
                Some(f) => push_g6(out, f64::from(f)),
                None => out.push_str("NA"),
            }
            let _ = write!(
                out,
                "\t{}\t{}\t{}\t{}\t{}\t",
                pr.probe, pr.chr, pr.bp, pr.gene, pr.orientation
            );
            push_g6(out, f64::from(e.beta));
            out.push('\t');
            push_g6(out, f64::from(e.se));
            out.push('\t');
            push_g6(out, pv);
            out.push('\n');
        }
        Ok(n)
    })?;
    w.finish()
}
