//! The eQTLGen full cis-eQTL text file
//! (`2019-12-11-cis-eQTLsFDR-ProbeLevel-CohortInfoRemoved-BonferroniAdded.txt.gz`;
//! data-spec/releases-eqtlgen.md): GRCh37 positions, rsIDs, a z-score of the assessed allele
//! and the sample size per row, no effect size. b and se are computed later from z, N and the
//! frequency of the assessed allele (the eQTLGen allele-frequency file, `--eqtlgen-freq`).

use super::{parse_allele, parse_bp, parse_chr, parse_num, Effect, Header, Layout, ReleaseRow};
use crate::error::{Error, Result};
use std::path::Path;

/// The columns read (`GeneSymbol` is used when present).
pub const REQUIRED: &[&str] = &[
    "SNP",
    "SNPChr",
    "SNPPos",
    "AssessedAllele",
    "OtherAllele",
    "Zscore",
    "Gene",
    "GeneChr",
    "GenePos",
    "NrSamples",
];

/// The header of the released file (data-spec/releases-eqtlgen.md §1).
pub const HEADER: &str = "Pvalue\tSNP\tSNPChr\tSNPPos\tAssessedAllele\tOtherAllele\tZscore\tGene\tGeneSymbol\tGeneChr\tGenePos\tNrCohorts\tNrSamples\tFDR\tBonferroniP";

/// Column positions found in the header.
#[derive(Debug, Clone)]
pub struct Columns {
    snp: usize,
    chr: usize,
    pos: usize,
    assessed: usize,
    other: usize,
    z: usize,
    gene: usize,
    symbol: Option<usize>,
    gene_chr: usize,
    gene_pos: usize,
    n: usize,
}

impl Columns {
    /// Find the columns (an error naming the first missing one).
    pub fn find(h: &Header, path: &Path) -> Result<Columns> {
        let need = |c| h.need(c, Layout::EqtlGen, path);
        Ok(Columns {
            snp: need("SNP")?,
            chr: need("SNPChr")?,
            pos: need("SNPPos")?,
            assessed: need("AssessedAllele")?,
            other: need("OtherAllele")?,
            z: need("Zscore")?,
            gene: need("Gene")?,
            symbol: h.find("GeneSymbol"),
            gene_chr: need("GeneChr")?,
            gene_pos: need("GenePos")?,
            n: need("NrSamples")?,
        })
    }

    /// Decode one data line's fields.
    pub fn row<'a>(&self, f: &[&'a str], line: u64, path: &Path) -> Result<ReleaseRow<'a>> {
        let z = parse_num(f[self.z], "Zscore", path, line)?;
        let n = parse_num(f[self.n], "NrSamples", path, line)?;
        if let Some(n) = n {
            if n <= 0.0 {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "column NrSamples: expected a positive sample size, found '{}'",
                        f[self.n]
                    ),
                ));
            }
        }
        Ok(ReleaseRow {
            line,
            probe: f[self.gene],
            probe_pos: Some((
                parse_chr(f[self.gene_chr], "GeneChr", path, line)?,
                parse_bp(f[self.gene_pos], "GenePos", path, line)?,
            )),
            gene: self.symbol.map(|i| f[i]),
            strand: None,
            snp: f[self.snp],
            chr: parse_chr(f[self.chr], "SNPChr", path, line)?,
            bp: parse_bp(f[self.pos], "SNPPos", path, line)?,
            a1: parse_allele(f[self.assessed], "AssessedAllele", path, line)?,
            a2: parse_allele(f[self.other], "OtherAllele", path, line)?,
            freq: None,
            // A z without N cannot give b/se: treated like a missing z.
            effect: z.filter(|_| n.is_some()).map(Effect::Z),
            n,
        })
    }
}

/// b and se of a z-score (data-spec/releases-eqtlgen.md §2, eQTLGen's own formula):
/// `b = z / sqrt(2f(1-f)(N + z²))`, `se = 1 / sqrt(2f(1-f)(N + z²))`, with `f` the frequency of
/// the assessed allele and `N` the row's sample size. Symmetric in `f` and `1 - f`.
pub fn beta_se_from_z(z: f64, freq: f64, n: f64) -> (f64, f64) {
    let se = 1.0 / (2.0 * freq * (1.0 - freq) * (n + z * z)).sqrt();
    (z * se, se)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_released_row() {
        // The first row of the real file (data-spec/releases-eqtlgen.md §1).
        let line = "3.2717E-310\trs12230244\t12\t10117369\tT\tA\t200.7534\tENSG00000172322\tCLEC12A\t12\t10126104\t34\t30596\t0.0\t4.1662E-302";
        let h = Header::parse(HEADER.as_bytes());
        let c = Columns::find(&h, Path::new("e.txt")).unwrap();
        let mut f = Vec::new();
        h.split(line.as_bytes(), 2, Path::new("e.txt"), &mut f)
            .unwrap();
        let r = c.row(&f, 2, Path::new("e.txt")).unwrap();
        assert_eq!((r.snp, r.chr, r.bp), ("rs12230244", 12, 10117369));
        assert_eq!((r.a1.as_str(), r.a2.as_str()), ("T", "A"));
        assert_eq!(
            (r.probe, r.probe_pos, r.gene),
            ("ENSG00000172322", Some((12, 10126104)), Some("CLEC12A"))
        );
        assert_eq!(r.effect, Some(Effect::Z(200.7534)));
        assert_eq!(r.n, Some(30596.0));
    }

    #[test]
    fn formula_by_hand() {
        // z = 2, f = 0.2, N = 96: 2f(1-f) = 0.32, N + z² = 100, sqrt(32) = 5.656854249...
        let (b, se) = beta_se_from_z(2.0, 0.2, 96.0);
        assert!((se - 0.176_776_695_296_636_9).abs() < 1e-15, "{se}");
        assert!((b - 0.353_553_390_593_273_8).abs() < 1e-15, "{b}");
        // The other allele's frequency gives the same se and the sign of its z.
        let (b2, se2) = beta_se_from_z(-2.0, 0.8, 96.0);
        assert!(
            (b2 + b).abs() < 1e-15 && (se2 - se).abs() < 1e-15,
            "{b2} {se2}"
        );
    }
}
