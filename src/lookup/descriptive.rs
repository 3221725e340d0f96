//! `--descriptive-cis` and `--descriptive-trans`: the top cis-eQTL of every probe, and the
//! top SNP of every trans region of every probe (data-spec/query.md §3-§4,
//! algorithm-2 §17). Both read the whole BESD: the reference ignores every probe and SNP
//! filter here, and so do we (the log says so).

use super::{eqtl_p, EqtlTables, LookupSettings, TableWriter};
use crate::error::Result;
use crate::filters::{window_bounds, Selection};
use crate::io::besd::BesdEntry;
use crate::io::epi::EpiRecord;
use crate::io::esi::EsiTable;
use crate::log::RunLog;
use crate::output::format::{fmt_g6, push_g6};
use crate::stats::dist::chisq1_tail;
use crate::types::{Bp, Chrom};
use std::fmt::Write as _;

/// Header of `<out>.cis.summary.txt`.
pub const CIS_HEADER: &str = "Probe\tProbe_Chr\tProbe_bp\tGene\tOrientation\tcis_Chr\tcis_left\tcis_right\tTopSNP\tSNP_Chr\tBP\tA1\tA2\tFreq\tb\tse\tp";
/// Header of `<out>.trans.summary.txt`.
pub const TRANS_HEADER: &str = "Probe\tProbe_Chr\tProbe_bp\tGene\tOrientation\tTrans_Chr\tTrans_left\tTrans_right\tTopSNP\tChr\tBP\tA1\tA2\tFreq\tb\tse\tp";

fn open_all(s: &LookupSettings, log: &mut RunLog) -> Result<(EqtlTables, Selection)> {
    if s.filters.is_active() {
        log.info(format!(
            "  note: {} reads every probe and SNP; the probe and SNP filters given are not \
             applied (as in SMR 1.3.1)",
            s.mode.flag()
        ));
    }
    let data = EqtlTables::open(&s.eqtl, log)?;
    let all = Selection::everything(data.esi.len(), data.epi.len());
    Ok((data, all))
}

/// The top cis SNP of one probe: among `entries` (stored order) on `chr` within
/// `[lo, hi]`, the one with the smallest p; ties go to the later entry (the running minimum
/// starts at 1 and is replaced when `p ≤ current`). Returns the entry's index and its p.
pub fn top_cis(
    entries: &[BesdEntry],
    esi: &EsiTable,
    chr: Chrom,
    (lo, hi): (Bp, Bp),
) -> Option<(usize, f64)> {
    let mut best: Option<(usize, f64)> = None;
    let mut current = 1.0;
    for (k, e) in entries.iter().enumerate() {
        let i = e.snp as usize;
        if esi.chr(i) != chr || !(lo..=hi).contains(&esi.bp(i)) {
            continue;
        }
        let p = eqtl_p(e.beta, e.se);
        if p <= current {
            current = p;
            best = Some((k, p));
        }
    }
    best
}

/// Append the probe columns and the SNP columns shared by both summaries.
fn push_row(
    out: &mut String,
    pr: &EpiRecord,
    region: (Chrom, Bp, Bp),
    esi: &EsiTable,
    e: &BesdEntry,
    p: f64,
) {
    let snp = esi.row(e.snp as usize);
    let _ = write!(
        out,
        "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t",
        pr.probe,
        pr.chr,
        pr.bp,
        pr.gene,
        pr.orientation,
        region.0,
        region.1,
        region.2,
        snp.snp,
        snp.chr,
        snp.bp,
        snp.a1,
        snp.a2
    );
    match snp.freq {
        Some(f) => push_g6(out, f64::from(f)),
        None => out.push_str("NA"),
    }
    out.push('\t');
    push_g6(out, f64::from(e.beta));
    out.push('\t');
    push_g6(out, f64::from(e.se));
    out.push('\t');
    push_g6(out, p);
    out.push('\n');
}

/// Run `--descriptive-cis`; returns the number of rows.
pub fn run_cis(s: &LookupSettings, log: &mut RunLog) -> Result<usize> {
    let (data, all) = open_all(s, log)?;
    log.info(format!(
        "  top cis-eQTL per probe: window {} kb, p <= {}",
        s.cis_wind_kb,
        fmt_g6(s.peqtl_cis)
    ));
    let besd = data.open_besd(&all)?;
    let mut w = TableWriter::create(&s.output_path(), CIS_HEADER)?;
    let mut buf: Vec<BesdEntry> = Vec::new();
    for (p, pr) in data.epi.iter().enumerate() {
        besd.read_probe(p, &mut buf)?;
        let (lo, hi) = window_bounds(pr.bp, s.cis_wind_kb);
        let Some((k, pv)) = top_cis(&buf, &data.esi, pr.chr, (lo, hi)) else {
            continue;
        };
        if pv <= s.peqtl_cis {
            let chr = data.esi.chr(buf[k].snp as usize);
            push_row(w.row(), pr, (chr, lo, hi), &data.esi, &buf[k], pv);
        }
        w.maybe_flush()?;
    }
    w.finish()
}

/// One candidate row of the trans scan.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TransRow {
    /// SNP chromosome.
    pub chr: Chrom,
    /// SNP position.
    pub bp: Bp,
    /// χ²₁ tail of the single-precision z, `f32(b/se)²`: what starts and extends a region.
    pub p_f32: f64,
}

/// A trans region: bounds and the rows selected, in selection order (anchor, rows leftwards
/// by decreasing position, rows rightwards).
#[derive(Debug, Clone, PartialEq)]
pub struct TransRegion {
    /// Chromosome.
    pub chr: Chrom,
    /// Left bound, bp.
    pub left: Bp,
    /// Right bound, bp.
    pub right: Bp,
    /// Indexes into the rows, in selection order.
    pub members: Vec<usize>,
}

/// Find the trans regions among `rows`, sorted by (chr, bp) (data-spec/query.md §4,
/// algorithm §9 and §11 step 2). A row with `p ≤ p_trans` starts a region: the rows to its
/// left on its chromosome within `wind` bp of it are taken (reaching the previous region
/// merges the two), then the rows to its right within `wind` of the current anchor, a taken
/// row with `p < p_trans` becoming the anchor. Bounds: the last row visited on each side, or
/// the anchor ∓ `wind` when there is none. The scan resumes after the last row taken.
pub fn trans_regions(rows: &[TransRow], p_trans: f64, wind: Bp) -> Vec<TransRegion> {
    let mut regions: Vec<TransRegion> = Vec::new();
    // Index of the last row the previous region took.
    let mut prev_last: Option<usize> = None;
    let mut i = 0;
    while i < rows.len() {
        // A NaN p never starts a region.
        if rows[i].p_f32.is_nan() || rows[i].p_f32 > p_trans {
            i += 1;
            continue;
        }
        let (chr, bp0) = (rows[i].chr, rows[i].bp);
        let mut members = vec![i];
        let mut left = None;
        let mut merge = false;
        for j in (0..i).rev() {
            if rows[j].chr != chr || bp0 - rows[j].bp > wind {
                break;
            }
            left = Some(rows[j].bp);
            if prev_last.is_some_and(|last| j <= last) {
                merge = regions.last().is_some_and(|r| r.chr == chr);
                break;
            }
            members.push(j);
        }
        let mut anchor = i;
        let mut right = None;
        let mut k = i + 1;
        while k < rows.len() && rows[k].chr == chr && rows[k].bp - rows[anchor].bp <= wind {
            right = Some(rows[k].bp);
            members.push(k);
            if rows[k].p_f32 < p_trans {
                anchor = k;
            }
            k += 1;
        }
        let left = left.unwrap_or((bp0 - wind).max(0));
        let right = right.unwrap_or(rows[anchor].bp + wind);
        match regions.last_mut() {
            Some(prev) if merge => {
                prev.members.extend(members);
                prev.right = right;
            }
            _ => regions.push(TransRegion {
                chr,
                left,
                right,
                members,
            }),
        }
        prev_last = Some(k - 1);
        i = k;
    }
    regions
}

/// Run `--descriptive-trans`; returns the number of rows (one per trans region).
pub fn run_trans(s: &LookupSettings, log: &mut RunLog) -> Result<usize> {
    let (data, all) = open_all(s, log)?;
    log.info(format!(
        "  trans regions per probe: outside the {} kb cis window, p <= {}, {} kb around each \
         trans-eQTL",
        s.cis_wind_kb,
        fmt_g6(s.peqtl_trans),
        s.trans_wind_kb
    ));
    let besd = data.open_besd(&all)?;
    let mut w = TableWriter::create(&s.output_path(), TRANS_HEADER)?;
    let mut buf: Vec<BesdEntry> = Vec::new();
    let mut cand: Vec<BesdEntry> = Vec::new();
    let mut seen = vec![false; data.esi.len()];
    let cis = s.cis_wind_kb * 1000;
    let wind = s.trans_wind_kb * 1000;
    for (p, pr) in data.epi.iter().enumerate() {
        besd.read_probe(p, &mut buf)?;
        cand.clear();
        for e in &buf {
            let i = e.snp as usize;
            let trans = data.esi.chr(i) != pr.chr || (data.esi.bp(i) - pr.bp).abs() > cis;
            // One row per SNP, the first stored (algorithm §9 de-duplication).
            if trans && !std::mem::replace(&mut seen[i], true) {
                cand.push(*e);
            }
        }
        for e in &cand {
            seen[e.snp as usize] = false;
        }
        cand.sort_by_key(|e| (data.esi.chr(e.snp as usize), data.esi.bp(e.snp as usize)));
        let rows: Vec<TransRow> = cand
            .iter()
            .map(|e| {
                let zf = f64::from(e.beta / e.se);
                TransRow {
                    chr: data.esi.chr(e.snp as usize),
                    bp: data.esi.bp(e.snp as usize),
                    p_f32: chisq1_tail(zf * zf),
                }
            })
            .collect();
        for region in trans_regions(&rows, s.peqtl_trans, wind) {
            // Top SNP: the largest double z², the first one on ties.
            let mut top = region.members[0];
            let mut best = f64::NEG_INFINITY;
            for &m in &region.members {
                let z = f64::from(cand[m].beta) / f64::from(cand[m].se);
                if z * z > best {
                    best = z * z;
                    top = m;
                }
            }
            push_row(
                w.row(),
                pr,
                (region.chr, region.left, region.right),
                &data.esi,
                &cand[top],
                chisq1_tail(best),
            );
        }
        w.maybe_flush()?;
    }
    w.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::esi::EsiRecord;

    fn row(chr: Chrom, bp: Bp, p_f32: f64) -> TransRow {
        TransRow { chr, bp, p_f32 }
    }

    #[test]
    fn trans_regions_by_hand() {
        // Window 100 bp, threshold 1e-8.
        let rows = [
            row(1, 100, 0.5),  // 0: taken leftwards from 1
            row(1, 150, 1e-9), // 1: starts region A
            row(1, 230, 0.5),  // 2: 80 bp right of the anchor (1): taken
            row(1, 260, 1e-9), // 3: 110 bp from anchor 1: A stops; starts B, whose left scan
            //                      reaches 2 (A's last row): B merges into A
            row(1, 340, 1e-9), // 4: taken, becomes the anchor
            row(1, 430, 0.9),  // 5: 90 bp from anchor 4: taken
            row(1, 545, 0.9),  // 6: 205 bp from the anchor: stop; not significant
            row(2, 50, 1e-9),  // 7: region C alone: bounds max(50-100, 0) and 50+100
        ];
        let r = trans_regions(&rows, 1e-8, 100);
        assert_eq!(
            r,
            [
                TransRegion {
                    chr: 1,
                    left: 100,
                    right: 430,
                    members: vec![1, 0, 2, 3, 4, 5]
                },
                TransRegion {
                    chr: 2,
                    left: 0,
                    right: 150,
                    members: vec![7]
                },
            ]
        );
    }

    #[test]
    fn trans_region_start_is_inclusive_extension_strict() {
        // p = threshold starts a region but does not move the anchor.
        let rows = [row(3, 1000, 1e-8), row(3, 1090, 1e-8), row(3, 1150, 1e-9)];
        let r = trans_regions(&rows, 1e-8, 100);
        // Row 2 is 150 bp from the anchor (row 0): outside; it then starts its own region,
        // whose left scan stops at row 1 (the previous region's last row): merged.
        assert_eq!(
            r,
            [TransRegion {
                chr: 3,
                left: 900,
                right: 1250,
                members: vec![0, 1, 2]
            }]
        );
        let r = trans_regions(&rows[..2], 1e-8, 100);
        assert_eq!((r[0].left, r[0].right, r.len()), (900, 1090, 1));
        assert!(trans_regions(&[row(1, 5, 0.1)], 1e-8, 100).is_empty());
    }

    #[test]
    fn top_cis_takes_the_later_of_equal_p() {
        let esi = EsiTable::from_records(
            &[(1, 100), (1, 200), (1, 300), (2, 150)]
                .iter()
                .enumerate()
                .map(|(i, &(chr, bp))| EsiRecord {
                    chr,
                    snp: format!("rs{i}").into(),
                    bp,
                    a1: "A".into(),
                    a2: "G".into(),
                    freq: None,
                })
                .collect::<Vec<_>>(),
        );
        let e = |snp, beta, se| BesdEntry { snp, beta, se };
        // |z| = 10 for rows 0 and 1 (equal p); row 3 is stronger but on chromosome 2; row 2
        // is outside [0, 250].
        let entries = [
            e(0, 1.0, 0.1),
            e(3, 5.0, 0.1),
            e(1, -1.0, 0.1),
            e(2, 9.0, 0.1),
        ];
        let (k, p) = top_cis(&entries, &esi, 1, (0, 250)).unwrap();
        assert_eq!(k, 2);
        let z = 1.0f32 as f64 / 0.1f32 as f64;
        assert_eq!(p, chisq1_tail(z * z));
        assert_eq!(top_cis(&entries, &esi, 1, (400, 500)), None);
    }
}
