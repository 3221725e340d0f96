//! SNP-probe pair lists: `--extract-target-snp-probe`, `--extract-snp-probe`
//! (data-spec/ranges.md §5).
//!
//! T1-tokenised (formats: commas and non-printable bytes separate), exactly two tokens per
//! non-empty line, `SNP probe`; a probe listed twice is an error. A pair whose SNP or probe is
//! not in the data, or whose probe the probe filters removed, is skipped with its reason.

use super::resolve::Tables;
use super::spec::PairKind;
use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::{collect_fields, split_t1, LineReader};
use crate::types::SkippedRow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One usable pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnpProbePair {
    /// 1-based line of the list.
    pub line: u64,
    /// `.esi` row of the SNP.
    pub snp: u32,
    /// `.epi` row of the probe.
    pub probe: usize,
}

/// A resolved SNP-probe pair list.
#[derive(Debug, Clone, PartialEq)]
pub struct PairList {
    /// Which flag named it (target SNP or SNP window).
    pub kind: PairKind,
    /// The file.
    pub path: PathBuf,
    /// Usable pairs, in `.epi` order of their probe (one per probe).
    pub pairs: Vec<SnpProbePair>,
    /// Lines not used, with the reason.
    pub skipped: Vec<SkippedRow>,
}

impl PairList {
    /// The SNP paired with `probe` (an `.epi` row), if any.
    pub fn snp_for(&self, probe: usize) -> Option<u32> {
        self.pairs
            .binary_search_by_key(&probe, |p| p.probe)
            .ok()
            .map(|i| self.pairs[i].snp)
    }
}

/// One line of a pair list, as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairLine {
    /// 1-based line number.
    pub line: u64,
    /// SNP ID.
    pub snp: String,
    /// Probe ID.
    pub probe: String,
}

/// Parse a pair list from a reader; `path` names it in errors.
pub fn parse_pair_lines<R: std::io::BufRead>(reader: R, path: &Path) -> Result<Vec<PairLine>> {
    let mut lines = LineReader::new(reader, path);
    let mut out = Vec::new();
    let mut first_line: HashMap<String, u64> = HashMap::new();
    while let Some((line, bytes)) = lines.next_line()? {
        let mut toks = [""; 2];
        match collect_fields(split_t1(bytes), &mut toks) {
            0 => continue,
            2 => {}
            n => {
                return Err(Error::parse(
                    path,
                    line,
                    format!("expected 2 columns 'SNP probe', found {n}"),
                ))
            }
        }
        if let Some(first) = first_line.insert(toks[1].to_string(), line) {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "probe {} is listed twice (first on line {first}); each probe takes one SNP",
                    toks[1]
                ),
            ));
        }
        out.push(PairLine {
            line,
            snp: toks[0].to_string(),
            probe: toks[1].to_string(),
        });
    }
    Ok(out)
}

/// Read and resolve a pair list against `t`: `probes` are the probes the probe filters kept,
/// `snps` the SNPs the SNP filters kept (both ascending). A target SNP must be a kept SNP;
/// the SNP of a window pair only places the window, so any `.esi` SNP will do.
pub fn read_pair_list(
    path: &Path,
    kind: PairKind,
    t: &Tables<'_>,
    probes: &[usize],
    snps: &[u32],
) -> Result<PairList> {
    let lines = parse_pair_lines(open_text(path)?, path)?;
    let mut snp_row: HashMap<&str, Option<u32>> =
        lines.iter().map(|l| (l.snp.as_str(), None)).collect();
    for i in 0..t.esi.len() {
        if let Some(slot) = snp_row.get_mut(t.esi.snp(i)) {
            slot.get_or_insert(i as u32);
        }
    }
    let mut probe_row: HashMap<&str, Option<usize>> =
        lines.iter().map(|l| (l.probe.as_str(), None)).collect();
    for (p, r) in t.epi.iter().enumerate() {
        if let Some(slot) = probe_row.get_mut(r.probe.as_str()) {
            slot.get_or_insert(p);
        }
    }
    let mut pairs = Vec::new();
    let mut skipped = Vec::new();
    for l in &lines {
        let skip = |why: &str| SkippedRow {
            line: l.line,
            id: format!("{} {}", l.snp, l.probe),
            reason: why.to_string(),
        };
        let (Some(snp), Some(probe)) = (snp_row[l.snp.as_str()], probe_row[l.probe.as_str()])
        else {
            skipped.push(skip(if snp_row[l.snp.as_str()].is_none() {
                "SNP not in the eQTL data"
            } else {
                "probe not in the eQTL data"
            }));
            continue;
        };
        if probes.binary_search(&probe).is_err() {
            skipped.push(skip("probe removed by the probe filters"));
        } else if kind == PairKind::Target && snps.binary_search(&snp).is_err() {
            skipped.push(skip("target SNP removed by the SNP filters"));
        } else {
            pairs.push(SnpProbePair {
                line: l.line,
                snp,
                probe,
            });
        }
    }
    pairs.sort_by_key(|p| p.probe);
    Ok(PairList {
        kind,
        path: path.to_path_buf(),
        pairs,
        skipped,
    })
}
