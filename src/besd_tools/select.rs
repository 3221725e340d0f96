//! Which entries of a probe a sparse BESD keeps: cis, trans regions and "other"
//! (data-spec/besd-tools.md §select; the reference's algorithm §9), and the `.summary` text
//! that records the regions.

use crate::output::format::push_e6;
use crate::types::{Bp, Chrom};
use std::fmt::Write;

/// Selection parameters.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SelectParams {
    /// `--cis-wind`, kb.
    pub cis_wind_kb: i64,
    /// `--trans-wind`, kb.
    pub trans_wind_kb: i64,
    /// `--peqtl-trans`: a trans region starts at `p <= p_trans` and extends at `p < p_trans`.
    pub p_trans: f64,
    /// `--peqtl-other`: other entries kept at `p < p_other`.
    pub p_other: f64,
    /// `--extract-cis`: keep the cis entries only.
    pub cis_only: bool,
}

impl Default for SelectParams {
    fn default() -> Self {
        SelectParams {
            cis_wind_kb: 2000,
            trans_wind_kb: 1000,
            p_trans: 5e-8,
            p_other: 1e-5,
            cis_only: false,
        }
    }
}

/// One entry of a probe, as the selection sees it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Candidate {
    /// SNP chromosome.
    pub chr: Chrom,
    /// SNP position.
    pub bp: Bp,
    /// χ²₁ upper tail of (b/se)².
    pub p: f64,
}

/// A region of selected entries: chromosome, first and last bp, number of entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Region {
    /// Chromosome.
    pub chr: Chrom,
    /// Left bound.
    pub start: Bp,
    /// Right bound.
    pub end: Bp,
    /// Entries.
    pub n: usize,
}

/// The entries kept for one probe.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Selection {
    /// Indices into the candidates (which the caller sorted by (chr, bp)), ascending.
    pub keep: Vec<usize>,
    /// The cis region (`None` when no cis entry).
    pub cis: Option<Region>,
    /// The trans regions in position order.
    pub trans: Vec<Region>,
    /// Number of "other" entries.
    pub other: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Class {
    None,
    Cis,
    Trans(usize),
    Other,
}

/// Select among `c` (sorted by (chr, bp), stably) for a probe at (`chr`, `bp`).
pub fn select(chr: Chrom, bp: Bp, c: &[Candidate], prm: &SelectParams) -> Selection {
    let w = prm.cis_wind_kb * 1000;
    let tw = prm.trans_wind_kb * 1000;
    let (lo, hi) = ((bp - w).max(0), bp + w);
    let is_cis = |x: &Candidate| x.chr == chr && x.bp >= lo && x.bp <= hi;
    let mut class = vec![Class::None; c.len()];
    let mut trans: Vec<Region> = Vec::new();
    let mut other = 0usize;
    let mut i = 0;
    while i < c.len() {
        let x = &c[i];
        if is_cis(x) {
            class[i] = Class::Cis;
            i += 1;
            continue;
        }
        if prm.cis_only {
            i += 1;
            continue;
        }
        if x.p <= prm.p_trans {
            // A trans region starts here.
            let anchor0 = x.bp;
            let mut n = 1usize;
            let mut left = (anchor0 - tw).max(0);
            let mut merge_into: Option<usize> = None;
            let mut left_taken: Vec<usize> = Vec::new();
            let mut j = i;
            while j > 0 {
                j -= 1;
                let y = &c[j];
                if y.chr != x.chr || anchor0 - y.bp > tw {
                    break;
                }
                left = y.bp;
                match class[j] {
                    Class::Cis => break,
                    Class::Trans(r) => {
                        merge_into = Some(r);
                        break;
                    }
                    Class::Other => {
                        other -= 1;
                        left_taken.push(j);
                    }
                    Class::None => left_taken.push(j),
                }
            }
            n += left_taken.len();
            let mut anchor = anchor0;
            let mut right = anchor + tw;
            let mut right_taken: Vec<usize> = Vec::new();
            let mut k = i + 1;
            while k < c.len() {
                let y = &c[k];
                if y.chr != x.chr || y.bp - anchor > tw {
                    break;
                }
                right = y.bp;
                if is_cis(y) {
                    break;
                }
                right_taken.push(k);
                if y.p < prm.p_trans {
                    anchor = y.bp;
                }
                k += 1;
            }
            n += right_taken.len();
            let r = match merge_into {
                Some(r) => {
                    trans[r].n += n;
                    trans[r].end = right;
                    r
                }
                None => {
                    trans.push(Region {
                        chr: x.chr,
                        start: left,
                        end: right,
                        n,
                    });
                    trans.len() - 1
                }
            };
            class[i] = Class::Trans(r);
            for &t in left_taken.iter().chain(&right_taken) {
                class[t] = Class::Trans(r);
            }
            i = right_taken.last().map_or(i + 1, |&l| l + 1);
            continue;
        }
        if x.p < prm.p_other {
            class[i] = Class::Other;
            other += 1;
        }
        i += 1;
    }
    let keep: Vec<usize> = (0..c.len()).filter(|&i| class[i] != Class::None).collect();
    let cis_idx: Vec<usize> = (0..c.len()).filter(|&i| class[i] == Class::Cis).collect();
    let cis = match (cis_idx.first(), cis_idx.last()) {
        (Some(&a), Some(&b)) => Some(Region {
            chr: c[a].chr,
            start: c[a].bp,
            end: c[b].bp,
            n: cis_idx.len(),
        }),
        _ => None,
    };
    Selection {
        keep,
        cis,
        trans,
        other,
    }
}

/// The `.summary` text of a sparse writer: parameters, legend, then one line per probe.
#[derive(Debug, Clone)]
pub struct Summary {
    text: String,
}

impl Summary {
    /// Header lines for these parameters.
    pub fn new(prm: &SelectParams) -> Self {
        let mut text = String::new();
        let _ = writeln!(text, "cis-window:\t{}Kb", prm.cis_wind_kb);
        let _ = writeln!(text, "trans-window:\t{}Kb", prm.trans_wind_kb);
        text.push_str("p-value threshold of trans:\t");
        push_e6(&mut text, prm.p_trans);
        text.push_str("\np-value threshold of others:\t");
        push_e6(&mut text, prm.p_other);
        text.push_str(
            "\n\ncis region is indicated by [Chr, Start bp, End bp, nsnp];\n\
             trans region is indicated by <Chr, Start bp, End bp, nsnp>;\n\
             the number of other SNPs selected is indicated by (NumSNPs beyond cis and trans).\n\n\
             {ProbeID, ProbeChr, ProbeBP}\t[Chr,cis_startBP,cis_endBP,NumSNPs]\t\
             <Chr,trans_startBP,trans_endBP,NumSNPs>\t(NumSNPs)\n",
        );
        Summary { text }
    }

    /// Add the line of one probe.
    pub fn probe(&mut self, id: &str, chr: Chrom, bp: Bp, s: &Selection) {
        let t = &mut self.text;
        let _ = write!(t, "{{{id},{chr},{bp}}}\t");
        match s.cis {
            Some(r) => {
                let _ = write!(t, "[{},{},{},{}]", r.chr, r.start, r.end, r.n);
            }
            None => t.push_str("[]"),
        }
        t.push('\t');
        if s.trans.is_empty() {
            t.push_str("<>");
        }
        for r in &s.trans {
            let _ = write!(t, "<{},{},{},{}>", r.chr, r.start, r.end, r.n);
        }
        t.push('\t');
        if s.other > 0 {
            let _ = write!(t, "({})", s.other);
        } else {
            t.push_str("()");
        }
        t.push('\n');
    }

    /// The text.
    pub fn text(&self) -> &str {
        &self.text
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cand(chr: Chrom, bp: Bp, p: f64) -> Candidate {
        Candidate { chr, bp, p }
    }

    #[test]
    fn cis_trans_other_by_hand() {
        let prm = SelectParams {
            cis_wind_kb: 100,
            trans_wind_kb: 10,
            ..SelectParams::default()
        };
        // Probe at chr1:1,000,000: cis is [900000, 1100000].
        let c = [
            cand(1, 899_999, 0.5),    // outside cis, nothing
            cand(1, 900_000, 0.5),    // cis (inclusive bound)
            cand(1, 1_100_000, 0.9),  // cis
            cand(1, 1_100_001, 1e-6), // other (p < 1e-5)
            cand(2, 5_000, 0.3),      // left of the trans anchor within 10 kb: trans
            cand(2, 10_000, 1e-9),    // trans anchor
            cand(2, 19_000, 0.4),     // right within 10 kb of the anchor: trans
            cand(2, 20_000, 1e-10),   // moves the anchor
            cand(2, 29_000, 0.5),     // within 10 kb of the new anchor: trans
            cand(2, 40_000, 0.5),     // beyond: nothing
            cand(3, 1, 2e-5),         // not other (p >= 1e-5)
        ];
        let s = select(1, 1_000_000, &c, &prm);
        assert_eq!(s.keep, vec![1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            s.cis,
            Some(Region {
                chr: 1,
                start: 900_000,
                end: 1_100_000,
                n: 2
            })
        );
        assert_eq!(s.trans.len(), 1);
        assert_eq!((s.trans[0].n, s.trans[0].start), (5, 5_000));
        assert_eq!(s.other, 1);
        let cis = select(
            1,
            1_000_000,
            &c,
            &SelectParams {
                cis_only: true,
                ..prm
            },
        );
        assert_eq!(cis.keep, vec![1, 2]);
    }
}
