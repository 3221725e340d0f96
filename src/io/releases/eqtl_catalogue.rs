//! The eQTL Catalogue's per-dataset summary statistics (`QTD*.all.tsv.gz`;
//! data-spec/releases-eqtl-catalogue.md): GRCh38, `alt` is the effect allele, its frequency is
//! `ac / an` (the file's `maf` is a minor-allele frequency), N = `an / 2`. The files hold no
//! gene position: probes are placed with the Catalogue's phenotype metadata file
//! ([`read_metadata`]).

use super::{parse_allele, parse_bp, parse_chr, parse_num, Effect, Header, Layout, ReleaseRow};
use crate::error::{Error, Result};
use crate::io::source::open_text;
use crate::io::text::LineReader;
use crate::types::{Bp, Chrom};
use std::path::Path;

/// The columns read (`rsid` and `variant` name the SNP: the rsID when given, else `variant`).
pub const REQUIRED: &[&str] = &[
    "molecular_trait_id",
    "chromosome",
    "position",
    "ref",
    "alt",
    "variant",
    "beta",
    "se",
    "ac",
    "an",
];

/// The header of the v1 files (data-spec/releases-eqtl-catalogue.md §1; later releases order
/// the same columns differently, which is accepted).
pub const HEADER: &str = "variant\tr2\tpvalue\tmolecular_trait_object_id\tmolecular_trait_id\tmaf\tgene_id\tmedian_tpm\tbeta\tse\tan\tac\tchromosome\tposition\tref\talt\ttype\trsid";

/// Column positions found in the header.
#[derive(Debug, Clone)]
pub struct Columns {
    trait_id: usize,
    chr: usize,
    pos: usize,
    ref_allele: usize,
    alt: usize,
    variant: usize,
    rsid: Option<usize>,
    beta: usize,
    se: usize,
    ac: usize,
    an: usize,
}

impl Columns {
    /// Find the columns (an error naming the first missing one).
    pub fn find(h: &Header, path: &Path) -> Result<Columns> {
        let need = |c| h.need(c, Layout::EqtlCatalogue, path);
        Ok(Columns {
            trait_id: need("molecular_trait_id")?,
            chr: need("chromosome")?,
            pos: need("position")?,
            ref_allele: need("ref")?,
            alt: need("alt")?,
            variant: need("variant")?,
            rsid: h.find("rsid"),
            beta: need("beta")?,
            se: need("se")?,
            ac: need("ac")?,
            an: need("an")?,
        })
    }

    /// Decode one data line's fields.
    pub fn row<'a>(&self, f: &[&'a str], line: u64, path: &Path) -> Result<ReleaseRow<'a>> {
        let ac = parse_num(f[self.ac], "ac", path, line)?;
        let an = parse_num(f[self.an], "an", path, line)?;
        let freq = match (ac, an) {
            (Some(ac), Some(an)) if an > 0.0 => {
                if !(0.0..=an).contains(&ac) {
                    return Err(Error::parse(
                        path,
                        line,
                        format!(
                            "columns ac/an: allele count {} is not within 0..={}",
                            f[self.ac], f[self.an]
                        ),
                    ));
                }
                Some(ac / an)
            }
            _ => None,
        };
        let snp = match self.rsid.map(|i| f[i]) {
            Some(id) if !super::is_na(id) => id,
            _ => f[self.variant],
        };
        let beta = parse_num(f[self.beta], "beta", path, line)?;
        let se = parse_num(f[self.se], "se", path, line)?;
        Ok(ReleaseRow {
            line,
            probe: f[self.trait_id],
            probe_pos: None,
            gene: None,
            strand: None,
            snp,
            chr: parse_chr(f[self.chr], "chromosome", path, line)?,
            bp: parse_bp(f[self.pos], "position", path, line)?,
            a1: parse_allele(f[self.alt], "alt", path, line)?,
            a2: parse_allele(f[self.ref_allele], "ref", path, line)?,
            freq,
            effect: match (beta, se) {
                (Some(beta), Some(se)) if se > 0.0 => Some(Effect::Beta { beta, se }),
                _ => None,
            },
            n: an.map(|an| an / 2.0),
        })
    }
}

/// A probe's place from the phenotype metadata file.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeInfo {
    /// Chromosome.
    pub chr: Chrom,
    /// Position: `phenotype_pos` when the file has it, else the gene's TSS (`gene_start` on
    /// the + strand, `gene_end` on the - strand).
    pub bp: Bp,
    /// `gene_name`, or `gene_id` when the name is missing.
    pub gene: String,
    /// Strand, `+` or `-`, when known.
    pub strand: Option<char>,
}

/// Read the eQTL Catalogue phenotype metadata file (`*_phenotype_metadata.tsv.gz`; columns
/// `phenotype_id gene_id chromosome gene_start gene_end strand gene_name`, `phenotype_pos`
/// optional), keyed by `phenotype_id` (the data files' `molecular_trait_id`).
pub fn read_metadata(path: &Path) -> Result<rustc_hash::FxHashMap<String, ProbeInfo>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let header = match lines.next_line()? {
        Some((_, h)) => Header::parse(h),
        None => return Err(Error::format(path, "empty file, expected a header line")),
    };
    let need = |c: &str| {
        header.find(c).ok_or_else(|| {
            Error::parse(
                path,
                1,
                format!(
                    "header has no {c} column, required in the eQTL Catalogue phenotype metadata \
                     (phenotype_id gene_id chromosome gene_start gene_end strand gene_name)"
                ),
            )
        })
    };
    let (id, gene_id, chr, start, end, strand, name) = (
        need("phenotype_id")?,
        need("gene_id")?,
        need("chromosome")?,
        need("gene_start")?,
        need("gene_end")?,
        need("strand")?,
        need("gene_name")?,
    );
    let pos = header.find("phenotype_pos");
    let mut out = rustc_hash::FxHashMap::default();
    while let Some((line, bytes)) = lines.next_line()? {
        if bytes.is_empty() {
            continue;
        }
        let mut f = Vec::with_capacity(header.len());
        header.split(bytes, line, path, &mut f)?;
        let strand_c = match f[strand] {
            "+" | "1" => Some('+'),
            "-" | "-1" => Some('-'),
            _ => None,
        };
        let bp = match pos {
            Some(p) => parse_bp(f[p], "phenotype_pos", path, line)?,
            None if strand_c == Some('-') => parse_bp(f[end], "gene_end", path, line)?,
            None => parse_bp(f[start], "gene_start", path, line)?,
        };
        let gene = if super::is_na(f[name]) {
            f[gene_id]
        } else {
            f[name]
        };
        let info = ProbeInfo {
            chr: parse_chr(f[chr], "chromosome", path, line)?,
            bp,
            gene: gene.to_string(),
            strand: strand_c,
        };
        if out.insert(f[id].to_string(), info).is_some() {
            return Err(Error::parse(
                path,
                line,
                format!("phenotype_id {} is listed twice", f[id]),
            ));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alt_is_the_effect_allele_and_freq_is_ac_over_an() {
        let line = "chr1_14677_G_A\tNA\t0.01\tENSG00000223972\tENSG00000223972\t0.07\tENSG00000223972\t1.2\t0.05\t0.02\t400\t28\t1\t14677\tG\tA\tSNP\trs201327123";
        let h = Header::parse(HEADER.as_bytes());
        let c = Columns::find(&h, Path::new("c.tsv")).unwrap();
        let mut f = Vec::new();
        h.split(line.as_bytes(), 2, Path::new("c.tsv"), &mut f)
            .unwrap();
        let r = c.row(&f, 2, Path::new("c.tsv")).unwrap();
        assert_eq!((r.a1.as_str(), r.a2.as_str()), ("A", "G"));
        assert_eq!(r.freq, Some(28.0 / 400.0));
        assert_eq!(r.n, Some(200.0));
        assert_eq!(r.snp, "rs201327123");
        let na = line.replace("\trs201327123", "\tNA");
        h.split(na.as_bytes(), 2, Path::new("c.tsv"), &mut f)
            .unwrap();
        assert_eq!(
            c.row(&f, 2, Path::new("c.tsv")).unwrap().snp,
            "chr1_14677_G_A"
        );
    }
}
