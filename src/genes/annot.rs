//! Gene annotation for `fastsmr genes` and `fastsmr plot` (`--gene-annot`, data-spec/gene-annot.md):
//! SMR's gene list (`chr start end name [strand]`, algorithm-2.md §16.1) or a GTF (gene rows;
//! `gene_id` → `gene_name`), so Ensembl IDs (eQTLGen's `.epi` Gene column) get symbols.

use crate::error::{Error, Result};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};

/// The layout of an annotation file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AnnotFormat {
    /// SMR's gene list, 4 or 5 whitespace-separated columns, no header.
    Glist,
    /// GTF (9 tab-separated columns), `gene` rows.
    Gtf,
}

/// One gene.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneRecord {
    /// Chromosome (X = 23, Y = 24).
    pub chr: i32,
    /// Start bp.
    pub start: i64,
    /// End bp.
    pub end: i64,
    /// Gene symbol (glist name; GTF `gene_name`, or `gene_id` when it has none).
    pub name: String,
    /// Ensembl (or other) ID without version suffix (GTF `gene_id`).
    pub id: Option<String>,
    /// Strand (`+`, `-`), when given.
    pub strand: Option<char>,
}

/// A gene annotation with lookups by ID and by name (first record wins, as SMR's gene list).
#[derive(Debug, Clone)]
pub struct GeneAnnot {
    /// The file.
    pub path: PathBuf,
    /// Its layout.
    pub format: AnnotFormat,
    /// Genes in file order.
    pub genes: Vec<GeneRecord>,
    by_id: HashMap<String, usize>,
    by_name: HashMap<String, usize>,
}

/// An Ensembl-style ID without its version suffix (`ENSG00000172322.12` → `ENSG00000172322`).
pub fn strip_version(id: &str) -> &str {
    match id.rsplit_once('.') {
        Some((base, v)) if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) => base,
        _ => id,
    }
}

fn parse_chr(tok: &str) -> Option<i32> {
    let t = tok
        .strip_prefix("chr")
        .or_else(|| tok.strip_prefix("Chr"))
        .unwrap_or(tok);
    match t {
        "X" | "x" => Some(23),
        "Y" | "y" => Some(24),
        _ => t.parse::<i32>().ok().filter(|c| *c > 0),
    }
}

impl GeneAnnot {
    /// Read a gene list or a GTF (`.gtf` / `.gtf.gz` by name, or a 9-column tab-separated first
    /// data line); gzip recognised by its magic bytes.
    pub fn read(path: &Path) -> Result<Self> {
        let file = std::fs::File::open(path).map_err(|source| Error::Open {
            path: path.to_path_buf(),
            source,
        })?;
        let mut buf = BufReader::new(file);
        let gz = buf
            .fill_buf()
            .map_err(|e| Error::read(path, e))?
            .starts_with(&[0x1f, 0x8b]);
        let reader: Box<dyn Read> = if gz {
            Box::new(flate2::read::MultiGzDecoder::new(buf))
        } else {
            Box::new(buf)
        };
        let name = path.to_string_lossy().to_ascii_lowercase();
        let gtf_name = name.ends_with(".gtf") || name.ends_with(".gtf.gz");
        Self::read_from(BufReader::new(reader), path, gtf_name)
    }

    /// Read from any reader; `path` names it in errors.
    pub fn read_from<R: BufRead>(reader: R, path: &Path, gtf_hint: bool) -> Result<Self> {
        let mut genes = Vec::new();
        let mut format: Option<AnnotFormat> = gtf_hint.then_some(AnnotFormat::Gtf);
        let mut ncol_glist: Option<usize> = None;
        for (i, line) in reader.lines().enumerate() {
            let lineno = i as u64 + 1;
            let line = line.map_err(|e| Error::read(path, e))?;
            let text = line.trim_end_matches('\r');
            if text.trim().is_empty() || text.starts_with('#') {
                continue;
            }
            let fmt = *format.get_or_insert_with(|| {
                if text.split('\t').count() == 9 {
                    AnnotFormat::Gtf
                } else {
                    AnnotFormat::Glist
                }
            });
            match fmt {
                AnnotFormat::Glist => {
                    let f: Vec<&str> = text.split_whitespace().collect();
                    if f.len() != 4 && f.len() != 5 {
                        return Err(Error::parse(
                            path,
                            lineno,
                            format!(
                                "gene list: expected 4 or 5 columns `chr start end name [strand]`, found {}",
                                f.len()
                            ),
                        ));
                    }
                    let n0 = *ncol_glist.get_or_insert(f.len());
                    if f.len() != n0 {
                        return Err(Error::parse(
                            path,
                            lineno,
                            format!(
                                "gene list: {} columns, but earlier lines have {n0}",
                                f.len()
                            ),
                        ));
                    }
                    let chr = parse_chr(f[0]).ok_or_else(|| {
                        Error::parse(
                            path,
                            lineno,
                            format!("gene list: bad chromosome `{}`", f[0]),
                        )
                    })?;
                    let (start, end) = coords(f[1], f[2], path, lineno)?;
                    let strand = match f.get(4) {
                        Some(s) => Some(strand_of(s).ok_or_else(|| {
                            Error::parse(
                                path,
                                lineno,
                                format!("gene list: strand must be + or -, found `{s}`"),
                            )
                        })?),
                        None => None,
                    };
                    genes.push(GeneRecord {
                        chr,
                        start,
                        end,
                        name: f[3].to_string(),
                        id: None,
                        strand,
                    });
                }
                AnnotFormat::Gtf => {
                    let f: Vec<&str> = text.split('\t').collect();
                    if f.len() != 9 {
                        return Err(Error::parse(
                            path,
                            lineno,
                            format!("GTF: expected 9 tab-separated columns, found {}", f.len()),
                        ));
                    }
                    if f[2] != "gene" {
                        continue;
                    }
                    let (start, end) = coords(f[3], f[4], path, lineno)?;
                    let Some(chr) = parse_chr(f[0]) else {
                        // Contigs other than 1–22, X, Y (MT, scaffolds) cannot hold a probe of
                        // an SMR table; they are skipped, not an error.
                        continue;
                    };
                    let attr = |key: &str| -> Option<String> {
                        f[8].split(';').find_map(|kv| {
                            let kv = kv.trim();
                            let rest = kv.strip_prefix(key)?;
                            let rest = rest.strip_prefix(' ')?;
                            Some(rest.trim().trim_matches('"').to_string())
                        })
                    };
                    let id = attr("gene_id").ok_or_else(|| {
                        Error::parse(path, lineno, "GTF: gene row without a gene_id attribute")
                    })?;
                    let id = strip_version(&id).to_string();
                    let name = attr("gene_name").unwrap_or_else(|| id.clone());
                    genes.push(GeneRecord {
                        chr,
                        start,
                        end,
                        name,
                        id: Some(id),
                        strand: strand_of(f[6]),
                    });
                }
            }
        }
        if genes.is_empty() {
            return Err(Error::format(
                path,
                "no gene in the annotation (expected SMR gene-list lines or GTF `gene` rows)",
            ));
        }
        let mut by_id = HashMap::new();
        let mut by_name = HashMap::new();
        for (i, g) in genes.iter().enumerate() {
            if let Some(id) = &g.id {
                by_id.entry(id.clone()).or_insert(i);
            }
            by_name.entry(g.name.clone()).or_insert(i);
        }
        Ok(GeneAnnot {
            path: path.to_path_buf(),
            format: format.unwrap_or(AnnotFormat::Glist),
            genes,
            by_id,
            by_name,
        })
    }

    /// The gene of a table row: by ID (the Gene column, then the probe ID, version suffixes
    /// stripped), then by name (the Gene column).
    pub fn lookup(&self, gene: &str, probe_id: &str) -> Option<&GeneRecord> {
        self.by_id
            .get(strip_version(gene))
            .or_else(|| self.by_id.get(strip_version(probe_id)))
            .or_else(|| self.by_name.get(gene))
            .map(|&i| &self.genes[i])
    }

    /// Genes overlapping `[lo, hi]` on `chr`, in file order.
    pub fn in_region(&self, chr: i32, lo: i64, hi: i64) -> Vec<&GeneRecord> {
        self.genes
            .iter()
            .filter(|g| g.chr == chr && g.end >= lo && g.start <= hi)
            .collect()
    }
}

fn strand_of(s: &str) -> Option<char> {
    match s {
        "+" => Some('+'),
        "-" => Some('-'),
        _ => None,
    }
}

fn coords(a: &str, b: &str, path: &Path, line: u64) -> Result<(i64, i64)> {
    let parse = |t: &str, what: &str| {
        t.parse::<i64>().map_err(|_| {
            Error::parse(
                path,
                line,
                format!("{what}: expected a whole number, found `{t}`"),
            )
        })
    };
    let start = parse(a, "start")?;
    let end = parse(b, "end")?;
    if end < start {
        return Err(Error::parse(
            path,
            line,
            format!("end {end} is before start {start}"),
        ));
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, gtf: bool) -> Result<GeneAnnot> {
        GeneAnnot::read_from(
            std::io::Cursor::new(text.as_bytes()),
            Path::new("g.txt"),
            gtf,
        )
    }

    #[test]
    fn glist_with_and_without_strand() {
        let a = read("1\t100\t200\tAAA\t+\nX 5 9 BBB -\n", false).unwrap();
        assert_eq!(a.format, AnnotFormat::Glist);
        assert_eq!(a.genes[1].chr, 23);
        assert_eq!(a.lookup("BBB", "P1").unwrap().start, 5);
        let a = read("1 100 200 AAA\n", false).unwrap();
        assert_eq!(a.genes[0].strand, None);
    }

    #[test]
    fn glist_bad_rows_name_the_line() {
        let e = read("1 100 200 AAA +\n1 100 200 BBB\n", false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("g.txt, line 2") && e.contains("earlier lines have 5"),
            "{e}"
        );
        let e = read("1 100 2x0 AAA\n", false).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("`2x0`"), "{e}");
        let e = read("1 300 200 AAA\n", false).unwrap_err().to_string();
        assert!(e.contains("before start"), "{e}");
        let e = read("1 100 200\n", false).unwrap_err().to_string();
        assert!(e.contains("4 or 5 columns"), "{e}");
    }

    #[test]
    fn gtf_maps_ensembl_ids_to_symbols() {
        let gtf = "#!genome-build GRCh37\n\
chr12\tHAVANA\tgene\t10117369\t10130000\t.\t-\t.\tgene_id \"ENSG00000172322.13\"; gene_type \"protein_coding\"; gene_name \"CLEC12A\";\n\
chr12\tHAVANA\ttranscript\t10117369\t10130000\t.\t-\t.\tgene_id \"ENSG00000172322.13\"; gene_name \"CLEC12A\";\n\
chrM\tENSEMBL\tgene\t1\t50\t.\t+\t.\tgene_id \"ENSG00000210049\"; gene_name \"MT-TF\";\n";
        let a = read(gtf, false).unwrap();
        assert_eq!(a.format, AnnotFormat::Gtf);
        assert_eq!(a.genes.len(), 1);
        let g = a.lookup("ENSG00000172322", "ENSG00000172322").unwrap();
        assert_eq!(
            (g.name.as_str(), g.chr, g.strand),
            ("CLEC12A", 12, Some('-'))
        );
        assert!(a.lookup("ENSG00000000001", "x").is_none());
        let e = read("chr1\tX\tgene\t1\t9\t.\t+\t.\tgene_name \"A\";\n", true)
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 1") && e.contains("gene_id"), "{e}");
    }
}
