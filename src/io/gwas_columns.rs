//! GWAS summary statistics in the layouts users have: GWAS-SSF, PLINK 2 `.glm`, REGENIE,
//! BOLT-LMM, SAIGE and GCTA-COJO `.ma`, plain or gzipped, recognised from the header, with
//! `--gwas-columns` to name the columns by hand (data-spec/gwas-layouts.md).
//!
//! `.ma` files go through [`crate::io::gwas::read_ma`] unchanged (every row kept, unusable
//! ones flagged, as the reference counts them). In the other layouts a row with an unusable
//! value is left out of the table and listed in [`GwasData::skipped`].

use crate::error::{Error, Result};
use crate::io::gwas::{is_acgt, parse_ma_after_header, parse_ma_source, GwasData, GwasRecord};
use crate::io::source::{open_input, Bytes, TextInput};
use crate::io::text::{decode_chrom, line_str, read_line_capped, LineReader};
use crate::types::SkippedRow;
use std::collections::HashSet;
use std::io::BufRead;
use std::path::Path;

/// A recognised layout.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GwasLayout {
    /// GCTA-COJO `.ma`: `SNP A1 A2 freq b se p n`, the reference's own format.
    Ma,
    /// GWAS Catalog summary-statistics standard (GWAS-SSF).
    Ssf,
    /// PLINK 2 `--glm` output.
    Plink2,
    /// REGENIE step 2 output.
    Regenie,
    /// BOLT-LMM output.
    Bolt,
    /// SAIGE step 2 output.
    Saige,
    /// Columns named by `--gwas-columns` only.
    Custom,
}

impl GwasLayout {
    /// Name for the log.
    pub fn name(self) -> &'static str {
        match self {
            GwasLayout::Ma => "GCTA-COJO .ma",
            GwasLayout::Ssf => "GWAS-SSF (GWAS Catalog)",
            GwasLayout::Plink2 => "PLINK 2 .glm",
            GwasLayout::Regenie => "REGENIE",
            GwasLayout::Bolt => "BOLT-LMM",
            GwasLayout::Saige => "SAIGE",
            GwasLayout::Custom => "custom (--gwas-columns)",
        }
    }
}

/// The roles a column can play.
const ROLES: [&str; 13] = [
    "snp", "a1", "a2", "freq", "b", "or", "se", "p", "log10p", "n", "chr", "bp", "test",
];

/// Header names per layout and role, first match wins (data-spec/gwas-layouts.md §2).
/// Roles: effect allele `a1`, other allele `a2`, `b` (beta) or `or` (odds ratio, logged),
/// `p` or `log10p` (−log10 p).
fn layout_names(layout: GwasLayout, role: &str) -> &'static [&'static str] {
    use GwasLayout::*;
    match (layout, role) {
        (Ssf, "snp") => &["rsid", "variant_id"],
        (Ssf, "a1") => &["effect_allele"],
        (Ssf, "a2") => &["other_allele"],
        (Ssf, "freq") => &["effect_allele_frequency"],
        (Ssf, "b") => &["beta"],
        (Ssf, "or") => &["odds_ratio"],
        (Ssf, "se") => &["standard_error"],
        (Ssf, "p") => &["p_value"],
        (Ssf, "log10p") => &["neg_log_10_p_value"],
        (Ssf, "n") => &["n"],
        (Ssf, "chr") => &["chromosome"],
        (Ssf, "bp") => &["base_pair_location"],
        (Plink2, "snp") => &["ID"],
        (Plink2, "a1") => &["A1"],
        (Plink2, "a2") => &["OMITTED", "AX"],
        (Plink2, "freq") => &["A1_FREQ", "A1_CASE_FREQ"],
        (Plink2, "b") => &["BETA"],
        (Plink2, "or") => &["OR"],
        (Plink2, "se") => &["SE", "LOG(OR)_SE"],
        (Plink2, "p") => &["P"],
        (Plink2, "log10p") => &["LOG10_P"],
        (Plink2, "n") => &["OBS_CT"],
        (Plink2, "chr") => &["#CHROM", "CHROM"],
        (Plink2, "bp") => &["POS"],
        (Plink2, "test") => &["TEST"],
        (Regenie, "snp") => &["ID"],
        (Regenie, "a1") => &["ALLELE1"],
        (Regenie, "a2") => &["ALLELE0"],
        (Regenie, "freq") => &["A1FREQ"],
        (Regenie, "b") => &["BETA"],
        (Regenie, "se") => &["SE"],
        (Regenie, "log10p") => &["LOG10P"],
        (Regenie, "n") => &["N"],
        (Regenie, "chr") => &["CHROM"],
        (Regenie, "bp") => &["GENPOS"],
        (Regenie, "test") => &["TEST"],
        (Bolt, "snp") => &["SNP"],
        (Bolt, "a1") => &["ALLELE1"],
        (Bolt, "a2") => &["ALLELE0"],
        (Bolt, "freq") => &["A1FREQ"],
        (Bolt, "b") => &["BETA"],
        (Bolt, "se") => &["SE"],
        (Bolt, "p") => &["P_BOLT_LMM_INF", "P_BOLT_LMM", "P_LINREG"],
        (Bolt, "chr") => &["CHR"],
        (Bolt, "bp") => &["BP"],
        (Saige, "snp") => &["MarkerID", "SNPID", "rsid"],
        (Saige, "a1") => &["Allele2"],
        (Saige, "a2") => &["Allele1"],
        (Saige, "freq") => &["AF_Allele2"],
        (Saige, "b") => &["BETA"],
        (Saige, "se") => &["SE"],
        (Saige, "p") => &["p.value"],
        (Saige, "n") => &["N"],
        (Saige, "chr") => &["CHR"],
        (Saige, "bp") => &["POS"],
        _ => &[],
    }
}

/// Which layout a header is (data-spec/gwas-layouts.md §1).
pub fn detect_layout(names: &[&str]) -> Option<GwasLayout> {
    let has = |n: &str| names.iter().any(|h| h.eq_ignore_ascii_case(n));
    let first = names.first().copied().unwrap_or("");
    if (first.eq_ignore_ascii_case("#CHROM") || has("#CHROM")) && has("A1") && has("ID") {
        Some(GwasLayout::Plink2)
    } else if has("effect_allele") && has("other_allele") && has("standard_error") {
        Some(GwasLayout::Ssf)
    } else if has("ALLELE1") && has("ALLELE0") && has("LOG10P") {
        Some(GwasLayout::Regenie)
    } else if has("ALLELE1")
        && has("ALLELE0")
        && (has("P_BOLT_LMM_INF") || has("P_BOLT_LMM") || has("P_LINREG"))
    {
        Some(GwasLayout::Bolt)
    } else if has("Allele1") && has("Allele2") && has("p.value") {
        Some(GwasLayout::Saige)
    } else if first.eq_ignore_ascii_case("SNP") {
        Some(GwasLayout::Ma)
    } else {
        None
    }
}

/// `--gwas-columns role=NAME,...`, parsed (data-spec/gwas-layouts.md §3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnOverride {
    /// (role, header name) pairs in the order given.
    pub pairs: Vec<(String, String)>,
}

impl ColumnOverride {
    /// Parse `snp=ID,a1=A1,...`; roles: snp a1 a2 freq b or se p log10p n chr bp test.
    pub fn parse(spec: &str) -> Result<Self> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for item in spec.split(',').filter(|s| !s.trim().is_empty()) {
            let (k, v) = item.split_once('=').ok_or_else(|| {
                Error::Config(format!(
                    "--gwas-columns: '{item}' is not role=COLUMN (roles: {})",
                    ROLES.join(" ")
                ))
            })?;
            let k = k.trim().to_ascii_lowercase();
            if !ROLES.contains(&k.as_str()) {
                return Err(Error::Config(format!(
                    "--gwas-columns: unknown role '{k}' (roles: {})",
                    ROLES.join(" ")
                )));
            }
            if pairs.iter().any(|(r, _)| *r == k) {
                return Err(Error::Config(format!(
                    "--gwas-columns: role '{k}' given twice"
                )));
            }
            pairs.push((k, v.trim().to_string()));
        }
        if pairs.is_empty() {
            return Err(Error::Config("--gwas-columns is empty".into()));
        }
        Ok(ColumnOverride { pairs })
    }

    fn get(&self, role: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(r, _)| r == role)
            .map(|(_, v)| v.as_str())
    }
}

/// How the other allele is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Other {
    Col(usize),
    /// PLINK 2 without OMITTED/AX: the one of REF/ALT that is not A1.
    RefAlt(usize, usize),
}

/// Column positions for each role.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ColumnMap {
    snp: usize,
    a1: usize,
    a2: Other,
    freq: Option<usize>,
    /// (column, is odds ratio)
    b: (usize, bool),
    se: usize,
    /// (column, is −log10 p)
    p: (usize, bool),
    n: Option<usize>,
    chr: Option<usize>,
    bp: Option<usize>,
    test: Option<usize>,
}

fn build_map(
    names: &[&str],
    layout: Option<GwasLayout>,
    over: Option<&ColumnOverride>,
    path: &Path,
) -> Result<ColumnMap> {
    let pos = |name: &str| names.iter().position(|h| h.eq_ignore_ascii_case(name));
    // A role named in the override must exist; otherwise the layout's names are tried.
    let find = |role: &str| -> Result<Option<usize>> {
        if let Some(name) = over.and_then(|o| o.get(role)) {
            return pos(name).map(Some).ok_or_else(|| {
                Error::parse(
                    path,
                    1,
                    format!(
                        "--gwas-columns {role}={name}: no such column; the header has: {}",
                        names.join(" ")
                    ),
                )
            });
        }
        Ok(layout.and_then(|l| layout_names(l, role).iter().find_map(|n| pos(n))))
    };
    let missing = |what: &str| {
        Error::parse(
            path,
            1,
            format!(
                "no {what} column found for layout {}; header: {}. Name it with --gwas-columns",
                layout.map_or("unknown", |l| l.name()),
                names.join(" ")
            ),
        )
    };
    let snp = find("snp")?.ok_or_else(|| missing("SNP ID (snp)"))?;
    let a1 = find("a1")?.ok_or_else(|| missing("effect allele (a1)"))?;
    let a2 = match find("a2")? {
        Some(c) => Other::Col(c),
        None => match (pos("REF"), pos("ALT")) {
            (Some(r), Some(a)) if layout == Some(GwasLayout::Plink2) => Other::RefAlt(r, a),
            _ => return Err(missing("other allele (a2)")),
        },
    };
    // An explicit override of one form wins over the layout's other form.
    let b = match (
        over.and_then(|o| o.get("b")),
        over.and_then(|o| o.get("or")),
    ) {
        (Some(_), _) => (find("b")?.ok_or_else(|| missing("b"))?, false),
        (None, Some(_)) => (find("or")?.ok_or_else(|| missing("or"))?, true),
        (None, None) => match (find("b")?, find("or")?) {
            (Some(c), _) => (c, false),
            (None, Some(c)) => (c, true),
            _ => return Err(missing("effect size (b or or)")),
        },
    };
    let p = match (
        over.and_then(|o| o.get("p")),
        over.and_then(|o| o.get("log10p")),
    ) {
        (Some(_), _) => (find("p")?.ok_or_else(|| missing("p"))?, false),
        (None, Some(_)) => (find("log10p")?.ok_or_else(|| missing("log10p"))?, true),
        (None, None) => match (find("p")?, find("log10p")?) {
            (Some(c), _) => (c, false),
            (None, Some(c)) => (c, true),
            _ => return Err(missing("p-value (p or log10p)")),
        },
    };
    Ok(ColumnMap {
        snp,
        a1,
        a2,
        freq: find("freq")?,
        b,
        se: find("se")?.ok_or_else(|| missing("standard error (se)"))?,
        p,
        n: find("n")?,
        chr: find("chr")?,
        bp: find("bp")?,
        test: find("test")?,
    })
}

/// What was read, with the layout and which optional columns were found, for the log.
#[derive(Debug, Clone)]
pub struct GwasRead {
    /// The layout used.
    pub layout: GwasLayout,
    /// The table.
    pub data: GwasData,
    /// The file has a frequency column.
    pub has_freq: bool,
    /// The file has chromosome and position columns.
    pub has_chrpos: bool,
}

/// How the fields of a GWAS file are separated, decided once from its header
/// (data-spec/gwas-layouts.md §1): tabs (empty fields kept, spaces around a field ignored),
/// commas (CSV, likewise), or runs of whitespace. A header whose tab- or comma-separated names
/// still hold spaces (tabs and spaces mixed) is split on whitespace instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sep {
    Tab,
    Comma,
    Space,
}

impl Sep {
    fn of_header(header: &str) -> Sep {
        let candidate = if header.contains('\t') {
            Sep::Tab
        } else if header.contains(',') {
            Sep::Comma
        } else {
            return Sep::Space;
        };
        let inner_space = fields(header, candidate)
            .iter()
            .any(|f| f.contains(char::is_whitespace));
        if inner_space {
            Sep::Space
        } else {
            candidate
        }
    }
}

/// Split a line into fields by `sep`.
fn fields(text: &str, sep: Sep) -> Vec<&str> {
    fn trim(f: &str) -> &str {
        f.trim_matches(|c: char| c == ' ' || c == '\r')
    }
    match sep {
        Sep::Tab => text.split('\t').map(trim).collect(),
        Sep::Comma => text.split(',').map(trim).collect(),
        Sep::Space => text.split_whitespace().collect(),
    }
}

/// The header line as text: a UTF-8 byte-order mark and surrounding blanks removed.
fn header_text(line: &[u8]) -> String {
    let h = line_str(line);
    h.trim_start_matches('\u{feff}').trim().to_string()
}

fn is_missing(tok: &str) -> bool {
    matches!(tok, "" | "NA" | "na" | "NaN" | "nan" | "." | "-")
}

/// The header's separator and names.
fn fields_of(header_line: &[u8]) -> (Sep, Vec<String>) {
    let h = header_text(header_line);
    let sep = Sep::of_header(&h);
    let names = fields(&h, sep).into_iter().map(str::to_string).collect();
    (sep, names)
}

/// True when the header is a `.ma` header (read by [`crate::io::gwas`]).
fn is_ma_header(header_line: &[u8]) -> bool {
    let (_, names) = fields_of(header_line);
    let names: Vec<&str> = names.iter().map(|s| s.as_str()).collect();
    detect_layout(&names) == Some(GwasLayout::Ma)
}

/// A `.ma` file read by [`crate::io::gwas`], as a [`GwasRead`].
fn ma_read(data: GwasData) -> GwasRead {
    GwasRead {
        layout: GwasLayout::Ma,
        data,
        has_freq: true,
        has_chrpos: false,
    }
}

/// The data lines after the header: the rest of a mapped file, or of a stream.
enum GwasBody {
    Mapped(Bytes, usize),
    Stream(Box<dyn BufRead + Send>),
}

impl std::io::Read for GwasBody {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let avail = self.fill_buf()?;
        let n = avail.len().min(buf.len());
        buf[..n].copy_from_slice(&avail[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for GwasBody {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        match self {
            GwasBody::Mapped(b, at) => Ok(&b[*at..]),
            GwasBody::Stream(r) => r.fill_buf(),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            GwasBody::Mapped(_, at) => *at += n,
            GwasBody::Stream(r) => r.consume(n),
        }
    }
}

/// Read a GWAS file in any supported layout (data-spec/gwas-layouts.md).
pub fn read_gwas(path: &Path, over: Option<&ColumnOverride>) -> Result<GwasRead> {
    // Opened once: a pipe (`<(zcat ...)`) cannot be read twice.
    let input = open_input(path)?;
    let mut header_line = Vec::new();
    let (has_header, mut lines) = match input {
        TextInput::Mapped(bytes) => {
            let end = memchr::memchr(b'\n', &bytes).map_or(bytes.len(), |i| i + 1);
            let mut head = &bytes[..end];
            let has = read_line_capped(&mut head, &mut header_line, path, 1)?;
            if has && over.is_none() && is_ma_header(&header_line) {
                return Ok(ma_read(parse_ma_source(&bytes, path)?));
            }
            let body = GwasBody::Mapped(bytes, end);
            (has, LineReader::new(body, path).starting_after(1))
        }
        TextInput::Stream(mut reader) => {
            let has = read_line_capped(&mut reader, &mut header_line, path, 1)?;
            if has && over.is_none() && is_ma_header(&header_line) {
                let mut h = header_line.clone();
                h.push(b'\n');
                return Ok(ma_read(parse_ma_after_header(&h, &mut *reader, path)?));
            }
            (
                has,
                LineReader::new(GwasBody::Stream(reader), path).starting_after(1),
            )
        }
    };
    if !has_header {
        return Err(Error::format(path, "empty file, expected a header line"));
    }
    let (sep, names_owned) = fields_of(&header_line);
    let header = header_text(&header_line);
    let names: Vec<&str> = names_owned.iter().map(|s| s.as_str()).collect();
    let layout = detect_layout(&names);
    if layout.is_none() && over.is_none() {
        return Err(Error::parse(
            path,
            1,
            format!(
                "unrecognised GWAS header: {header}. Supported: GWAS-SSF, PLINK 2 .glm, REGENIE, \
                 BOLT-LMM, SAIGE, GCTA-COJO .ma; otherwise name the columns with \
                 --gwas-columns snp=..,a1=..,a2=..,b=..,se=..,p=.. (freq, n optional)"
            ),
        ));
    }
    let layout_used = if over.is_some() && layout.is_none() {
        GwasLayout::Custom
    } else {
        layout.unwrap_or(GwasLayout::Custom)
    };
    // With an override, a `.ma` header's names are used by role like any other layout.
    let base = if layout == Some(GwasLayout::Ma) {
        None
    } else {
        layout
    };
    let map = build_map(&names, base, over, path)?;
    let n_fields = names.len();
    let mut data = GwasData::default();
    let mut seen: HashSet<String> = HashSet::new();
    while let Some((line, bytes)) = lines.next_line()? {
        if bytes.is_empty() {
            continue;
        }
        let text = line_str(bytes);
        let t = fields(&text, sep);
        let skip = |data: &mut GwasData, id: &str, reason: String| {
            data.skipped.push(SkippedRow {
                line,
                id: id.to_string(),
                reason,
            })
        };
        if t.len() != n_fields {
            let id = t.get(map.snp).copied().unwrap_or("");
            skip(
                &mut data,
                id,
                format!("{} fields, the header has {n_fields}", t.len()),
            );
            continue;
        }
        let id = t[map.snp];
        if let Some(c) = map.test {
            if !t[c].eq_ignore_ascii_case("ADD") {
                skip(
                    &mut data,
                    id,
                    format!("not the additive test (TEST = {})", t[c]),
                );
                continue;
            }
        }
        if is_missing(id) {
            skip(&mut data, id, "SNP ID is missing".into());
            continue;
        }
        let a1 = t[map.a1].to_ascii_uppercase();
        let a2 = match map.a2 {
            Other::Col(c) => t[c].to_ascii_uppercase(),
            Other::RefAlt(r, a) => {
                let (r, a) = (t[r].to_ascii_uppercase(), t[a].to_ascii_uppercase());
                if a1 == a {
                    r
                } else if a1 == r {
                    a
                } else {
                    skip(
                        &mut data,
                        id,
                        format!("A1 {a1} is neither REF {r} nor ALT {a}"),
                    );
                    continue;
                }
            }
        };
        if let Some(bad) = [&a1, &a2].into_iter().find(|a| !is_acgt(a)) {
            skip(
                &mut data,
                id,
                format!("allele '{bad}' is not an A/C/G/T string"),
            );
            continue;
        }
        let mut why: Vec<String> = Vec::new();
        let mut num = |col: usize, what: &str| -> Option<f64> {
            let tok = t[col];
            if is_missing(tok) {
                return None;
            }
            match crate::io::text::parse_f64_fast(tok) {
                Ok(v) => Some(v),
                Err(_) => {
                    why.push(format!("{what} '{tok}' is not a number"));
                    None
                }
            }
        };
        let b = num(map.b.0, "b").map(|v| if map.b.1 { v.ln() } else { v });
        let se = num(map.se, "se");
        let p = num(map.p.0, "p").map(|v| if map.p.1 { 10f64.powf(-v) } else { v });
        let freq = map.freq.and_then(|c| num(c, "freq"));
        let n = map.n.and_then(|c| num(c, "n"));
        let chr = map.chr.and_then(|c| decode_chrom(t[c]));
        let bp = map.bp.and_then(|c| t[c].parse::<i64>().ok());
        // (A frequency outside [0, 1] is one of `unusable_reason`'s reasons.)
        let rec = GwasRecord {
            snp: id.into(),
            a1: a1.into(),
            a2: a2.into(),
            freq,
            b,
            se,
            p,
            n,
            chr,
            bp,
        };
        if let Some(r) = rec.unusable_reason() {
            why.push(r);
        }
        if !why.is_empty() {
            skip(&mut data, id, why.join("; "));
            continue;
        }
        if !seen.insert(rec.snp.to_string()) {
            skip(
                &mut data,
                id,
                "duplicate SNP ID (the first row is kept)".into(),
            );
            continue;
        }
        if rec.freq.is_none() {
            data.n_freq_na += 1;
        }
        data.records.push(&rec, path)?;
    }
    Ok(GwasRead {
        layout: layout_used,
        data,
        has_freq: map.freq.is_some(),
        has_chrpos: map.chr.is_some() && map.bp.is_some(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, over: Option<&str>) -> Result<GwasRead> {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("g.txt");
        std::fs::write(&p, text).unwrap();
        let o = over.map(|s| ColumnOverride::parse(s).unwrap());
        read_gwas(&p, o.as_ref())
    }

    #[test]
    fn detects_each_layout() {
        let d = |h: &str| detect_layout(&h.split_whitespace().collect::<Vec<_>>());
        assert_eq!(d("SNP A1 A2 freq b se p n"), Some(GwasLayout::Ma));
        assert_eq!(
            d("chromosome base_pair_location effect_allele other_allele beta standard_error effect_allele_frequency p_value rsid"),
            Some(GwasLayout::Ssf)
        );
        assert_eq!(
            d("#CHROM POS ID REF ALT A1 TEST OBS_CT BETA SE T_STAT P"),
            Some(GwasLayout::Plink2)
        );
        assert_eq!(
            d("CHROM GENPOS ID ALLELE0 ALLELE1 A1FREQ INFO N TEST BETA SE CHISQ LOG10P EXTRA"),
            Some(GwasLayout::Regenie)
        );
        assert_eq!(
            d("SNP CHR BP GENPOS ALLELE1 ALLELE0 A1FREQ F_MISS BETA SE P_BOLT_LMM_INF"),
            Some(GwasLayout::Bolt)
        );
        assert_eq!(
            d("CHR POS MarkerID Allele1 Allele2 AC_Allele2 AF_Allele2 imputationInfo N BETA SE Tstat p.value"),
            Some(GwasLayout::Saige)
        );
        assert_eq!(d("foo bar"), None);
    }

    #[test]
    fn plink2_odds_ratio_log10p_and_ref_alt() {
        let r = read(
            "#CHROM\tPOS\tID\tREF\tALT\tA1\tA1_FREQ\tTEST\tOBS_CT\tOR\tLOG(OR)_SE\tLOG10_P\n\
             1\t100\trs1\tA\tG\tG\t0.2\tADD\t1000\t2\t0.1\t2\n\
             1\t200\trs2\tC\tT\tC\t0.3\tADD\t1000\t1\t0.1\t0.5\n\
             1\t200\trs2\tC\tT\tC\t0.3\tAGE\t1000\t1\t0.1\t0.5\n\
             1\t300\trs3\tC\tT\tA\t0.3\tADD\t1000\t1\t0.1\t0.5\n",
            None,
        )
        .unwrap();
        assert_eq!(r.layout, GwasLayout::Plink2);
        assert!(r.has_freq && r.has_chrpos);
        let t = &r.data.records;
        assert_eq!(t.len(), 2);
        let g = [t.row(0), t.row(1)];
        assert_eq!((g[0].a1, g[0].a2), ("G", "A"));
        assert_eq!((g[1].a1, g[1].a2), ("C", "T"));
        assert!((g[0].b.unwrap() - 2f64.ln()).abs() < 1e-15);
        assert!((g[0].p.unwrap() - 0.01).abs() < 1e-15);
        assert_eq!(g[1].b, Some(0.0));
        assert_eq!((g[0].chr, g[0].bp), (Some(1), Some(100)));
        let reasons: Vec<(u64, &str)> = r
            .data
            .skipped
            .iter()
            .map(|s| (s.line, s.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                (4, "not the additive test (TEST = AGE)"),
                (5, "A1 A is neither REF C nor ALT T")
            ]
        );
    }

    #[test]
    fn malformed_rows_are_skipped_and_listed() {
        let r = read(
            "SNP CHR BP ALLELE1 ALLELE0 A1FREQ BETA SE P_BOLT_LMM_INF\n\
             rs1 1 10 A G 0.1 0.5 0.1 0.01\n\
             rs2 1 11 A G 0.1 0.5 0 0.01\n\
             rs3 1 12 A G 0.1 inf 0.1 0.01\n\
             rs4 1 13 A G 0.1 0.5 0.1 1.5\n\
             rs5 1 14 A N 0.1 0.5 0.1 0.5\n\
             rs6 1 15 A G 0.1 0.5 -0.1 0.5\n\
             rs7 1 16 A G NA 0.5 0.1 0.5\n\
             rs8 1 17 A G 0.1 x 0.1 0.5\n\
             rs9 1 18 A G 0.1 0.5 0.1\n\
             rs1 1 10 A G 0.1 0.5 0.1 0.01\n",
            None,
        )
        .unwrap();
        assert_eq!(r.layout, GwasLayout::Bolt);
        let ids: Vec<&str> = r.data.records.rows().map(|g| g.snp).collect();
        assert_eq!(ids, ["rs1", "rs7"]);
        assert_eq!(r.data.n_freq_na, 1);
        let reasons: Vec<(&str, &str)> = r
            .data
            .skipped
            .iter()
            .map(|s| (s.id.as_str(), s.reason.as_str()))
            .collect();
        assert_eq!(
            reasons,
            [
                ("rs2", "se <= 0"),
                ("rs3", "b is not finite"),
                ("rs4", "p outside [0,1]"),
                ("rs5", "allele 'N' is not an A/C/G/T string"),
                ("rs6", "se <= 0"),
                ("rs8", "b 'x' is not a number; b is NA"),
                ("rs9", "8 fields, the header has 9"),
                ("rs1", "duplicate SNP ID (the first row is kept)"),
            ]
        );
    }

    #[test]
    fn override_and_unknown_header() {
        let text = "id ea oa beta_x sd pv\nrs1 a g 0.1 0.01 0.5\n";
        let e = read(text, None).unwrap_err().to_string();
        assert!(e.contains("unrecognised GWAS header"), "{e}");
        let r = read(text, Some("snp=id,a1=ea,a2=oa,b=beta_x,se=sd,p=pv")).unwrap();
        assert_eq!(r.layout, GwasLayout::Custom);
        assert!(!r.has_freq);
        assert_eq!(r.data.records.row(0).a1, "A");
        assert_eq!(r.data.records.freq(0), None);
        let e = read(text, Some("snp=id,a1=ea,a2=oa,b=nope,se=sd,p=pv"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("b=nope: no such column"), "{e}");
        assert!(ColumnOverride::parse("snp").is_err());
        assert!(ColumnOverride::parse("foo=x").is_err());
        assert!(ColumnOverride::parse("snp=a,snp=b").is_err());
    }
}
