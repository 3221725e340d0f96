//! MetaBrain's per-chromosome eQTL files (de Klein et al. 2023; data-spec/releases-metabrain.md):
//! GRCh38 positions, an explicit effect allele (`SNPEffectAllele`, one of `SNPAlleles`
//! `X/Y`), its frequency, the meta-analysis beta and se, and N (`MetaPN`) per row. `SNP` packs
//! `chr:pos:rsid:alleles`; the rsID is used as the SNP ID and the packed position must be the
//! row's `SNPChr:SNPPos` (a packed ID from another build is an error). `Gene` carries an
//! Ensembl version suffix, removed from the probe ID.

use super::{
    parse_allele, parse_bp, parse_chr, parse_num, strip_version, Effect, Header, Layout, ReleaseRow,
};
use crate::error::{Error, Result};
use std::path::Path;

/// The columns read.
pub const REQUIRED: &[&str] = &[
    "Gene",
    "GeneChr",
    "GenePos",
    "GeneStrand",
    "GeneSymbol",
    "SNP",
    "SNPChr",
    "SNPPos",
    "SNPAlleles",
    "SNPEffectAllele",
    "SNPEffectAlleleFreq",
    "MetaPN",
    "MetaBeta",
    "MetaSE",
];

/// The 20-column header of the released files (data-spec/releases-metabrain.md §1).
pub const HEADER: &str = "Gene\tGeneChr\tGenePos\tGeneStrand\tGeneSymbol\tSNP\tSNPChr\tSNPPos\tSNPAlleles\tSNPEffectAllele\tSNPEffectAlleleFreq\tMetaP\tMetaPN\tMetaPZ\tMetaBeta\tMetaSE\tNrDatasets\tDatasetCorrelationCoefficients\tDatasetZScores\tDatasetSampleSizes";

/// Column positions found in the header.
#[derive(Debug, Clone)]
pub struct Columns {
    gene: usize,
    gene_chr: usize,
    gene_pos: usize,
    strand: usize,
    symbol: usize,
    snp: usize,
    chr: usize,
    pos: usize,
    alleles: usize,
    effect: usize,
    freq: usize,
    n: usize,
    beta: usize,
    se: usize,
}

/// The SNP ID of a packed `chr:pos:rsid:alleles` token and its packed (chr, pos) when it has
/// that shape; other tokens are their own ID.
pub fn unpack_snp(tok: &str) -> (&str, Option<(&str, &str)>) {
    let mut it = tok.split(':');
    match (it.next(), it.next(), it.next(), it.next(), it.next()) {
        (Some(c), Some(p), Some(id), Some(_), None) => {
            let id = if super::is_na(id) { tok } else { id };
            (id, Some((c, p)))
        }
        _ => (tok, None),
    }
}

impl Columns {
    /// Find the columns (an error naming the first missing one).
    pub fn find(h: &Header, path: &Path) -> Result<Columns> {
        let need = |c| h.need(c, Layout::MetaBrain, path);
        Ok(Columns {
            gene: need("Gene")?,
            gene_chr: need("GeneChr")?,
            gene_pos: need("GenePos")?,
            strand: need("GeneStrand")?,
            symbol: need("GeneSymbol")?,
            snp: need("SNP")?,
            chr: need("SNPChr")?,
            pos: need("SNPPos")?,
            alleles: need("SNPAlleles")?,
            effect: need("SNPEffectAllele")?,
            freq: need("SNPEffectAlleleFreq")?,
            n: need("MetaPN")?,
            beta: need("MetaBeta")?,
            se: need("MetaSE")?,
        })
    }

    /// Decode one data line's fields.
    pub fn row<'a>(&self, f: &[&'a str], line: u64, path: &Path) -> Result<ReleaseRow<'a>> {
        let chr = parse_chr(f[self.chr], "SNPChr", path, line)?;
        let bp = parse_bp(f[self.pos], "SNPPos", path, line)?;
        let (snp, packed) = unpack_snp(f[self.snp]);
        if let Some((pc, pp)) = packed {
            let same =
                crate::io::text::decode_chrom(pc) == Some(chr) && pp.parse::<i64>() == Ok(bp);
            if !same {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "SNP {} packs position {pc}:{pp} but SNPChr:SNPPos is {}:{}: the ID and the \
                         position come from different genome builds (MetaBrain is GRCh38 throughout)",
                        f[self.snp], f[self.chr], f[self.pos]
                    ),
                ));
            }
        }
        let (x, y) = f[self.alleles].split_once('/').ok_or_else(|| {
            Error::parse(
                path,
                line,
                format!(
                    "column SNPAlleles: expected two alleles as X/Y, found '{}'",
                    f[self.alleles]
                ),
            )
        })?;
        let x = parse_allele(x, "SNPAlleles", path, line)?;
        let y = parse_allele(y, "SNPAlleles", path, line)?;
        let a1 = parse_allele(f[self.effect], "SNPEffectAllele", path, line)?;
        let a2 = if a1 == x {
            y
        } else if a1 == y {
            x
        } else {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "unknown allele: SNPEffectAllele {} is not one of SNPAlleles {}",
                    f[self.effect], f[self.alleles]
                ),
            ));
        };
        let freq = parse_num(f[self.freq], "SNPEffectAlleleFreq", path, line)?;
        if let Some(v) = freq {
            if !(0.0..=1.0).contains(&v) {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "column SNPEffectAlleleFreq: expected a frequency in [0, 1], found '{}'",
                        f[self.freq]
                    ),
                ));
            }
        }
        let beta = parse_num(f[self.beta], "MetaBeta", path, line)?;
        let se = parse_num(f[self.se], "MetaSE", path, line)?;
        let strand = match f[self.strand] {
            "+" | "1" => Some('+'),
            "-" | "-1" => Some('-'),
            _ => None,
        };
        Ok(ReleaseRow {
            line,
            probe: strip_version(f[self.gene]),
            probe_pos: Some((
                parse_chr(f[self.gene_chr], "GeneChr", path, line)?,
                parse_bp(f[self.gene_pos], "GenePos", path, line)?,
            )),
            gene: Some(f[self.symbol]),
            strand,
            snp,
            chr,
            bp,
            a1,
            a2,
            freq,
            effect: match (beta, se) {
                (Some(beta), Some(se)) if se > 0.0 => Some(Effect::Beta { beta, se }),
                _ => None,
            },
            n: parse_num(f[self.n], "MetaPN", path, line)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(line: &str) -> Result<(String, String, String, Option<Effect>)> {
        let h = Header::parse(HEADER.as_bytes());
        let c = Columns::find(&h, Path::new("m.txt")).unwrap();
        let mut f = Vec::new();
        h.split(line.as_bytes(), 3, Path::new("m.txt"), &mut f)?;
        let r = c.row(&f, 3, Path::new("m.txt"))?;
        Ok((
            format!("{} {}", r.probe, r.snp),
            r.a1.to_string(),
            r.a2.to_string(),
            r.effect,
        ))
    }

    #[test]
    fn effect_allele_from_its_own_column() {
        let base = "ENSG00000223972.5\t1\t11869\t+\tDDX11L1\t1:14677:rs201327123:G_A\t1\t14677\tG/A\tA\t0.07\t0.5\t1000\t0.67\t0.05\t0.02\t3\t-\t-\t-";
        let (ids, a1, a2, e) = row(base).unwrap();
        assert_eq!(ids, "ENSG00000223972 rs201327123");
        // The effect allele is the second of SNPAlleles here: taking A1/A2 from the order
        // would be wrong.
        assert_eq!((a1.as_str(), a2.as_str()), ("A", "G"));
        assert_eq!(
            e,
            Some(Effect::Beta {
                beta: 0.05,
                se: 0.02
            })
        );
        let e = row(&base.replace("\tA\t0.07", "\tC\t0.07"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("unknown allele"), "{e}");
        let e = row(&base.replace("1:14677:rs", "1:19999:rs"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("genome builds"), "{e}");
    }
}
