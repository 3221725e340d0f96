//! Allele codes: comparing a pair with the eQTL's (A1, A2), the opt-in strand rules, and GWAS
//! values re-expressed for the eQTL A1 (data-spec/harmonise.md §alleles).
//!
//! Alleles are compared as upper-case strings, exactly as the reference does: no strand
//! flipping, palindromic SNPs treated like any other (unless `--strand-flip`).

use crate::io::esi::EsiRow;
use crate::io::gwas::GwasRow;

/// How a pair of allele codes relates to the eQTL's (A1, A2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlleleMatch {
    /// Same A1 and A2.
    Same,
    /// A1 and A2 swapped.
    Swapped,
    /// Anything else.
    Mismatch,
}

/// Compare `(a1, a2)` with the eQTL's `(e1, e2)` (data-spec/harmonise.md §alleles).
pub fn match_alleles(e1: &str, e2: &str, a1: &str, a2: &str) -> AlleleMatch {
    if e1 == a1 && e2 == a2 {
        AlleleMatch::Same
    } else if e1 == a2 && e2 == a1 {
        AlleleMatch::Swapped
    } else {
        AlleleMatch::Mismatch
    }
}

/// Opt-in matching rules the reference lacks (data-spec/harmonise-report.md §3).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MatchOptions {
    /// `--strand-flip`: accept complementary GWAS alleles; settle A/T and C/G SNPs by frequency.
    pub strand_flip: bool,
}

/// How the GWAS alleles relate to the eQTL's under [`MatchOptions`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GwasAlleles {
    /// Aligned: `swapped` (b negated) and `strand` (complement taken).
    Aligned {
        /// GWAS A1 is the eQTL A2.
        swapped: bool,
        /// The GWAS alleles were complemented first.
        strand: bool,
    },
    /// A/T or C/G SNP whose strand the frequencies cannot settle.
    Ambiguous,
    /// No relation.
    Mismatch,
}

/// Complement of a single-base allele (`None` for anything else).
fn complement(a: &str) -> Option<&'static str> {
    match a {
        "A" => Some("T"),
        "T" => Some("A"),
        "C" => Some("G"),
        "G" => Some("C"),
        _ => None,
    }
}

/// Frequencies within this distance of 0.5 cannot settle the strand of an A/T or C/G SNP.
pub const PALINDROMIC_FREQ_MARGIN: f64 = 0.1;

/// Compare GWAS alleles with the eQTL's (data-spec/harmonise-report.md §3). Without
/// `strand_flip` this is [`match_alleles`], as the reference does. With it, complementary
/// alleles are accepted, and an A/T or C/G SNP is aligned by comparing the GWAS frequency of
/// its A1 with the eQTL frequency: both must be known and outside 0.5 ± 0.1.
pub fn match_gwas_alleles(e: EsiRow<'_>, g: GwasRow<'_>, opts: &MatchOptions) -> GwasAlleles {
    let direct = match_alleles(e.a1, e.a2, g.a1, g.a2);
    if !opts.strand_flip {
        return aligned(direct, false);
    }
    let palindromic = complement(e.a1) == Some(e.a2);
    if palindromic {
        if direct == AlleleMatch::Mismatch {
            return GwasAlleles::Mismatch;
        }
        let settled = |f: Option<f64>| f.filter(|v| (v - 0.5).abs() > PALINDROMIC_FREQ_MARGIN);
        let (Some(gf), Some(ef)) = (settled(g.freq), settled(e.freq.map(f64::from))) else {
            return GwasAlleles::Ambiguous;
        };
        // Frequencies on the same side of 0.5 when the GWAS A1 is the eQTL A1.
        let same_side = (gf - 0.5) * (ef - 0.5) > 0.0;
        let written_same = direct == AlleleMatch::Same;
        // Consistent as written: same strand. Otherwise consistent only on the other strand,
        // where A1 and A2 trade places.
        let strand = written_same != same_side;
        return GwasAlleles::Aligned {
            swapped: written_same == strand,
            strand,
        };
    }
    if direct != AlleleMatch::Mismatch {
        return aligned(direct, false);
    }
    match (complement(g.a1), complement(g.a2)) {
        (Some(c1), Some(c2)) => aligned(match_alleles(e.a1, e.a2, c1, c2), true),
        _ => GwasAlleles::Mismatch,
    }
}

/// The GWAS alleles (A1, A2) as written in the GWAS file of a SNP matched to eQTL alleles
/// `(e1, e2)` with the alignment `swapped`/`strand` that [`match_gwas_alleles`] gave: matching
/// compares exact strings, so the written alleles follow from the eQTL's. `None` only for a
/// strand flip of an allele that has no complement, which matching never produces.
pub fn gwas_alleles_as_written<'a>(
    e1: &'a str,
    e2: &'a str,
    swapped: bool,
    strand: bool,
) -> Option<(&'a str, &'a str)> {
    match (strand, swapped) {
        (false, false) => Some((e1, e2)),
        (false, true) => Some((e2, e1)),
        (true, false) => Some((complement(e1)?, complement(e2)?)),
        (true, true) => Some((complement(e2)?, complement(e1)?)),
    }
}

/// The outcome for an allele comparison made on the GWAS's own strand (`strand` false) or on
/// the complementary one (`strand` true).
fn aligned(m: AlleleMatch, strand: bool) -> GwasAlleles {
    match m {
        AlleleMatch::Same => GwasAlleles::Aligned {
            swapped: false,
            strand,
        },
        AlleleMatch::Swapped => GwasAlleles::Aligned {
            swapped: true,
            strand,
        },
        AlleleMatch::Mismatch => GwasAlleles::Mismatch,
    }
}

/// GWAS values re-expressed for the eQTL A1 (data-spec/harmonise.md §alleles).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AlignedGwas {
    /// Effect of the eQTL A1 (`None` when NA).
    pub b: Option<f64>,
    /// Standard error.
    pub se: Option<f64>,
    /// p-value as read.
    pub p: Option<f64>,
    /// Frequency of the eQTL A1: `1 - f` when swapped and `f > 0`, else as read.
    pub freq: Option<f64>,
    /// Row usable for a test.
    pub usable: bool,
}

/// Align one GWAS row to the eQTL alleles.
pub fn align_gwas(g: GwasRow<'_>, swapped: bool) -> AlignedGwas {
    let (b, freq) = if swapped {
        (
            g.b.map(|b| -b),
            g.freq.map(|f| if f > 0.0 { 1.0 - f } else { f }),
        )
    } else {
        (g.b, g.freq)
    };
    AlignedGwas {
        b,
        se: g.se,
        p: g.p,
        freq,
        usable: g.usable(),
    }
}
