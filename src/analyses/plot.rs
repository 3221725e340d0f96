//! `--plot`: the data file of SMR's published locus/effect plot script (algorithm-2 §16,
//! data-spec/plot-file.md). The probes within `--probe-wind` of `--probe` are analysed like
//! cis SMR on the SNPs of the analysis region (the engine runs [`Cis::for_plot`], whose rows
//! carry the final HEIDI list with its LD), and a display copy of the region's GWAS and eQTL
//! values is written next to the results (`crate::output::plot_file`).

use crate::analyses::cis::{Cis, CisRow};
use crate::config::Config;
use crate::data::{EqtlData, IdLists, LdReference};
use crate::engine::{self, Inputs, Plan};
use crate::error::{Error, Result};
use crate::harmonise::{harmonise_trait, Harmonised, MatchIndex, SnpTable};
use crate::io::gwas_columns::read_gwas;
use crate::io::source::read_bytes;
use crate::io::text::{line_str, split_t1, split_ws, upper};
use crate::ld::LdSource;
use crate::log::RunLog;
use crate::output::atomic::write_atomic;
use crate::output::plot_file::{
    plot_path, Gene, PlotData, PlotEqtl, PlotGroup, PlotGwas, PlotProbe, PlotSnp,
};
use crate::types::{Bp, Chrom, CHROM_X, CHROM_Y};
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::{Path, PathBuf};

/// Validated `--plot` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotSettings {
    /// `--probe`.
    pub probe: String,
    /// `--probe-wind` in bp.
    pub wind_bp: Bp,
    /// `--gene-list`.
    pub gene_list: PathBuf,
    /// `--phet`.
    pub phet: f64,
}

impl PlotSettings {
    /// The settings of the command line (`None` without `--plot`): `--plot`, `--phet`, and
    /// the region and genes from the shared `--probe`/`--probe-wind` (range filters) and
    /// `--gene-list` (multi-SNP) flags; a missing or bad value is a usage error.
    pub fn from_cli(cli: &crate::cli::Cli) -> Result<Option<Self>> {
        let args = &cli.plot;
        if !args.plot {
            return Ok(None);
        }
        let need = |what: &str| Error::Config(format!("--plot needs {what}"));
        let probe = cli
            .ranges
            .probe
            .clone()
            .ok_or_else(|| need("--probe PROBE"))?;
        let kb = cli
            .ranges
            .probe_wind
            .ok_or_else(|| need("--probe-wind KB"))?;
        let gene_list = cli
            .multi
            .gene_list
            .clone()
            .ok_or_else(|| need("--gene-list FILE"))?;
        if !(0..=crate::io::text::MAX_BP / 1000).contains(&kb) {
            return Err(Error::Config(format!(
                "--probe-wind must be a number of kb between 0 and the longest chromosome, got {kb}"
            )));
        }
        if !(0.0..=1.0).contains(&args.phet) {
            return Err(Error::Config(format!(
                "--phet must be in [0, 1], got {}",
                args.phet
            )));
        }
        Ok(Some(PlotSettings {
            probe,
            wind_bp: kb * 1000,
            gene_list,
            phet: args.phet,
        }))
    }
}

/// The leading integer of `tok` as C's `atoi` reads it (0 when there is none).
fn atoi(tok: &str) -> i64 {
    let t = tok.trim_start();
    let (sign, digits) = match t.as_bytes().first() {
        Some(b'-') => (-1, &t[1..]),
        Some(b'+') => (1, &t[1..]),
        _ => (1, t),
    };
    let end = digits
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(digits.len());
    sign * digits[..end].parse::<i64>().unwrap_or(0)
}

/// Parse a `--gene-list` text: `chr start end name [strand]`, T1 tokens, no header, every
/// line with the same number of columns (4 or 5); blank lines are skipped
/// (algorithm-2 §16.1).
pub fn parse_gene_list(text: &[u8], path: &Path) -> Result<Vec<Gene>> {
    let mut genes = Vec::new();
    let mut width = None;
    for (i, raw) in text.split(|&b| b == b'\n').enumerate() {
        let toks: Vec<&str> = split_t1(raw).collect();
        if toks.is_empty() {
            continue;
        }
        let line = i as u64 + 1;
        if toks.len() != 4 && toks.len() != 5 {
            return Err(Error::parse(
                path,
                line,
                format!(
                    "expected 4 or 5 columns (chr start end name [strand]), found {}",
                    toks.len()
                ),
            ));
        }
        match width {
            None => width = Some(toks.len()),
            Some(w) if w != toks.len() => {
                return Err(Error::parse(
                    path,
                    line,
                    format!(
                        "{} columns, but the first line has {w}: every line needs the same",
                        toks.len()
                    ),
                ))
            }
            _ => {}
        }
        let chr = match toks[0] {
            "X" | "x" => CHROM_X,
            "Y" | "y" => CHROM_Y,
            t => Chrom::try_from(atoi(t)).unwrap_or(0),
        };
        genes.push(Gene {
            chr,
            start: atoi(toks[1]),
            end: atoi(toks[2]),
            name: toks[3].to_string(),
            strand: toks.get(4).map(|s| s.to_string()),
        });
    }
    Ok(genes)
}

/// The regions of a plot (algorithm-2 §16.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Regions {
    /// Chromosome of the target probe.
    pub chr: Chrom,
    /// Plot region `[P₀, P₁]`.
    pub plot: (Bp, Bp),
    /// Analysis region as applied to SNPs: both ends of `[max(P₀−W, 0), P₁+W]` rounded up to
    /// whole kb.
    pub snps: (Bp, Bp),
}

impl Regions {
    /// The regions around a probe at (`chr`, `bp`) with plot half-width `w` and cis window
    /// `cis_w` (bp).
    pub fn new(chr: Chrom, bp: Bp, w: Bp, cis_w: Bp) -> Self {
        let p0 = (bp - w).max(0);
        let p1 = bp + w;
        let a0 = (p0 - cis_w).max(0);
        let a1 = p1 + cis_w;
        let up = |x: Bp| (x + 999).div_euclid(1000) * 1000;
        Regions {
            chr,
            plot: (p0, p1),
            snps: (up(a0), up(a1)),
        }
    }

    /// Is a SNP at (`chr`, `bp`) in the analysis region?
    pub fn has_snp(&self, chr: Chrom, bp: Bp) -> bool {
        chr == self.chr && self.snps.0 <= bp && bp <= self.snps.1
    }

    /// Is a position of the plot's chromosome in the plot region?
    pub fn in_plot(&self, bp: Bp) -> bool {
        self.plot.0 <= bp && bp <= self.plot.1
    }
}

/// Chromosome and position of every `.bim` row (the `.bim` table keeps neither); rows are the
/// non-empty lines, in order, as in [`crate::io::plink::BimTable`].
fn bim_positions(path: &Path) -> Result<Vec<(Chrom, Bp)>> {
    let bytes = read_bytes(path)?;
    let mut out = Vec::new();
    for (i, raw) in bytes.split(|&b| b == b'\n').enumerate() {
        let text = line_str(raw);
        let toks: Vec<&str> = split_ws(&text).collect();
        if toks.is_empty() {
            continue;
        }
        let line = i as u64 + 1;
        if toks.len() != 6 {
            return Err(Error::parse(path, line, "expected 6 columns"));
        }
        let chr = crate::io::text::parse_chrom(toks[0], true, path, line)?;
        let bp = crate::io::text::parse_i64(toks[3], path, line, "bp")?;
        out.push((chr, bp));
    }
    Ok(out)
}

/// Run `--plot` (algorithm-2 §16): write `<dir>plot/<base>.<probe>.txt` and
/// `<out>.snp_failed_freq_ck.list`.
pub fn run(cfg: &Config, log: &mut RunLog) -> Result<()> {
    let Some(ps) = cfg.plot.as_ref() else {
        return Err(Error::Config("--plot settings missing".into()));
    };
    let Some(bf) = cfg.bfile.as_ref() else {
        return Err(Error::Config(
            "--plot needs --bfile (the plot computes HEIDI even with --heidi-off)".into(),
        ));
    };
    log.info(format!(
        "Reading gene annotation from {}",
        ps.gene_list.display()
    ));
    let genes = parse_gene_list(&read_bytes(&ps.gene_list)?, &ps.gene_list)?;
    log.info(format!("  {} genes", genes.len()));

    // Probe filters and --chr are ignored; --extract-snp applies to the .bim only.
    let mut pcfg = cfg.clone();
    pcfg.extract_probe = None;
    pcfg.exclude_probe = None;
    pcfg.probe_chr = None;
    pcfg.snp_chr = None;
    let cfg = &pcfg;
    let esi_lists = IdLists::read(None, cfg.exclude_snp.as_deref())?;
    let mut eqtl = EqtlData::load(cfg, &esi_lists, log)?;
    let target = eqtl
        .epi
        .iter()
        .position(|e| e.probe == ps.probe)
        .ok_or_else(|| {
            Error::Analysis(format!(
                "--probe {} is not in {}",
                ps.probe,
                cfg.besd.epi.display()
            ))
        })?;
    let t = &eqtl.epi[target];
    let rg = Regions::new(t.chr, t.bp, ps.wind_bp, cfg.cis_window_bp);
    eqtl.probes = (0..eqtl.epi.len())
        .filter(|&p| eqtl.epi[p].chr == rg.chr && rg.in_plot(eqtl.epi[p].bp))
        .collect();
    log.info(format!(
        "{} probes in the plot region [{}, {}] around {} (chromosome {})",
        eqtl.probes.len(),
        rg.plot.0,
        rg.plot.1,
        ps.probe,
        rg.chr
    ));
    let esi = &eqtl.esi;
    eqtl.esi_keep
        .retain(|&i| rg.has_snp(esi.chr(i as usize), esi.bp(i as usize)));
    log.info(format!(
        "  analysis region [{}, {}]: {} eQTL SNPs",
        rg.snps.0,
        rg.snps.1,
        eqtl.esi_keep.len()
    ));
    let mut reference = LdReference::load(cfg, &eqtl, &IdLists::snps(cfg)?, log)?
        .ok_or_else(|| Error::Config("--plot needs --bfile".into()))?;
    let pos = bim_positions(&bf.bim)?;
    if pos.len() != reference.bim.len() {
        return Err(Error::format(
            &bf.bim,
            format!(
                "{} rows read for positions but {} SNPs in the table",
                pos.len(),
                reference.bim.len()
            ),
        ));
    }
    reference
        .bim_keep
        .retain(|&i| rg.has_snp(pos[i as usize].0, pos[i as usize].1));
    if reference.bim_keep.is_empty() {
        return Err(Error::Analysis(format!(
            "no SNP of the LD reference {} in the analysis region {}:{}-{}",
            bf.bim.display(),
            rg.chr,
            rg.snps.0,
            rg.snps.1
        )));
    }
    reference.index = MatchIndex::new(
        &eqtl.esi,
        &eqtl.esi_keep,
        &reference.bim,
        &reference.bim_keep,
    );
    log.info(format!(
        "  {} LD-reference SNPs in the analysis region",
        reference.bim_keep.len()
    ));

    // The display copy's GWAS rows (algorithm-2 §16.3b): read before the SMR copy consumes
    // its own reading.
    let display_gwas = read_gwas(&cfg.gwas, cfg.gwas_columns.as_ref())?
        .data
        .records;

    // The SMR copy (algorithm-2 §16.3a).
    let Harmonised {
        gwas,
        matched,
        geno,
        ..
    } = harmonise_trait(cfg, &eqtl, Some(&reference), &cfg.gwas, &cfg.out, log)?;
    let snps = SnpTable::build(&eqtl.esi, gwas, &matched);
    drop(matched);
    let geno = geno.ok_or_else(|| Error::Config("--plot needs --bfile".into()))?;
    let target_snp = match &cfg.target_snp {
        Some(rs) => Some(snps.find(&eqtl.esi, rs).ok_or_else(|| {
            Error::Analysis(format!(
                "--target-snp {rs} is not among the SNPs common to all inputs"
            ))
        })?),
        None => None,
    };
    let analysis = Cis::new(
        cfg,
        &snps,
        &eqtl.esi,
        Some(&geno as &dyn LdSource),
        target_snp.map_or(
            crate::analyses::cis::Target::None,
            crate::analyses::cis::Target::Every,
        ),
    )
    .for_plot();
    let inputs = Inputs {
        snps: &snps,
        besd: &eqtl.besd,
        epi: &eqtl.epi,
        bed: Some(&reference.bed),
    };
    let plan = Plan {
        probes: &eqtl.probes,
        snp_filter: None,
    };
    let outcomes = engine::run(&analysis, &inputs, &plan, "plot probes".into(), log)?;
    let mut rows: Vec<(usize, CisRow)> = Vec::new();
    let tally = engine::drain(&outcomes, &mut rows);
    engine::log_tally(log, &tally, "p_HEIDI NA");
    if rows.is_empty() {
        return Err(Error::Analysis(format!(
            "no probe of the plot region around {} passes --peqtl-smr {:e}: nothing to plot",
            ps.probe, cfg.peqtl_smr
        )));
    }
    log.info(format!("  SMR results for {} probes", rows.len()));

    let text = render(
        ps,
        &rg,
        &eqtl,
        &reference,
        &pos,
        &display_gwas,
        &snps,
        &genes,
        &rows,
    )?;
    let path = plot_path(&cfg.out, &ps.probe);
    if let Some(dir) = path.parent() {
        if !dir.is_dir() {
            std::fs::create_dir(dir).map_err(|e| {
                Error::Analysis(format!("cannot create directory {}: {e}", dir.display()))
            })?;
        }
    }
    write_atomic(&path, text.as_bytes())?;
    log.info(format!("Plot data saved in {}", path.display()));
    Ok(())
}

/// The display copy and the file's text (algorithm-2 §16.3b–§16.5).
#[allow(clippy::too_many_arguments)]
fn render(
    ps: &PlotSettings,
    rg: &Regions,
    eqtl: &EqtlData,
    reference: &LdReference,
    pos: &[(Chrom, Bp)],
    gwas: &crate::io::gwas::GwasTable,
    snps: &SnpTable,
    genes: &[Gene],
    rows: &[(usize, CisRow)],
) -> Result<String> {
    let esi = &eqtl.esi;
    // The region's .esi SNPs (minus --exclude-snp) by ID.
    let mut esi_by_id: FxHashMap<&str, u32> = FxHashMap::default();
    for &i in &eqtl.esi_keep {
        esi_by_id.entry(esi.snp(i as usize)).or_insert(i);
    }
    // The region's .bim SNPs by ID, with their positions.
    let mut bim_bp: FxHashMap<&str, Bp> = FxHashMap::default();
    for &i in &reference.bim_keep {
        bim_bp
            .entry(reference.bim.snp(i as usize))
            .or_insert(pos[i as usize].1);
    }
    // Two-way allele check of the GWAS rows in the region's .bim with the .esi: swapped → b
    // negated; another pair → the SNP leaves both tables.
    let mut removed_esi: FxHashSet<u32> = FxHashSet::default();
    let mut display: Vec<(usize, f64, Bp)> = Vec::new();
    for g in 0..gwas.len() {
        let r = gwas.row(g);
        let Some(&bp) = bim_bp.get(r.snp) else {
            continue;
        };
        let (Some(mut b), Some(_)) = (r.b, r.se) else {
            continue;
        };
        if let Some(&e) = esi_by_id.get(r.snp) {
            let er = esi.row(e as usize);
            let (a1, a2) = (upper(r.a1), upper(r.a2));
            if a1 == er.a1 && a2 == er.a2 {
            } else if a1 == er.a2 && a2 == er.a1 {
                b = -b;
            } else {
                removed_esi.insert(e);
                continue;
            }
        }
        display.push((g, b, bp));
    }

    let gene_span = |name: &str| {
        genes
            .iter()
            .find(|g| g.name == name)
            .map(|g| (g.start, g.end))
    };
    let probes: Vec<PlotProbe> = rows
        .iter()
        .map(|(p, r)| {
            let e = &eqtl.epi[*p];
            PlotProbe {
                probe: &e.probe,
                chr: e.chr,
                bp: e.bp,
                gene: &e.gene,
                gene_span: gene_span(&e.gene),
                orientation: e.orientation,
                p_smr: r.smr.p,
                heidi: r.heidi,
            }
        })
        .collect();

    // $eQTL: probes with --phet 0 or p_HEIDI >= --phet, each probe's own LD list attached to
    // its own group (the reference pairs them by rank: Q47, data-spec/deviations.md).
    let mut groups = Vec::new();
    let mut buf = Vec::new();
    for (p, r) in rows {
        let p_heidi = match r.heidi {
            Some(crate::stats::heidi::HeidiOutcome::Tested { p, .. }) if p >= 0.0 => Some(p),
            _ => None,
        };
        if ps.phet > 0.0 && p_heidi.is_none_or(|h| h < ps.phet) {
            continue;
        }
        let ld: FxHashMap<u32, f64> = match p_heidi {
            Some(_) => r
                .heidi_detail
                .ld
                .iter()
                .map(|&(k, v)| (snps.esi[k], v))
                .collect(),
            None => FxHashMap::default(),
        };
        let keep =
            |i: u32| esi_by_id.get(esi.snp(i as usize)) == Some(&i) && !removed_esi.contains(&i);
        let mut out = Vec::new();
        eqtl.besd.for_each_entry(*p, &mut buf, |e| {
            if keep(e.snp) {
                out.push(PlotEqtl {
                    snp: esi.snp(e.snp as usize),
                    b: e.beta,
                    se: e.se,
                    ld: ld.get(&e.snp).copied(),
                });
            }
        })?;
        groups.push((*p, out));
    }

    // $SNP: the $eQTL SNPs (first appearance), then the $GWAS SNPs not among them.
    let mut seen: FxHashSet<&str> = FxHashSet::default();
    let mut snp_rows = Vec::new();
    for (_, rows) in &groups {
        for r in rows {
            if seen.insert(r.snp) {
                let er = esi.row(esi_by_id[r.snp] as usize);
                snp_rows.push((r.snp, er.bp, er.a1.to_string(), er.a2.to_string()));
            }
        }
    }
    let plot_gwas: Vec<&(usize, f64, Bp)> = display.iter().filter(|d| rg.in_plot(d.2)).collect();
    for &&(g, _, bp) in &plot_gwas {
        let r = gwas.row(g);
        if seen.insert(r.snp) {
            snp_rows.push((r.snp, bp, upper(r.a1), upper(r.a2)));
        }
    }
    let snp_list: Vec<PlotSnp> = snp_rows
        .iter()
        .map(|(s, bp, a1, a2)| PlotSnp {
            snp: s,
            bp: *bp,
            a1,
            a2,
        })
        .collect();
    let gwas_rows: Vec<PlotGwas> = plot_gwas
        .iter()
        .map(|&&(g, b, _)| PlotGwas {
            snp: gwas.snp(g),
            b,
            se: gwas.se(g).unwrap_or(f64::NAN),
        })
        .collect();
    let plot_genes: Vec<&Gene> = genes
        .iter()
        .filter(|g| g.chr == rg.chr && g.start >= rg.plot.0 && g.end <= rg.plot.1)
        .collect();
    let five = genes.first().is_some_and(|g| g.strand.is_some());
    let data = PlotData {
        target: &ps.probe,
        chr: rg.chr,
        probes,
        snps: snp_list,
        gwas: gwas_rows,
        groups: groups
            .into_iter()
            .map(|(p, rows)| PlotGroup {
                probe: &eqtl.epi[p].probe,
                rows,
            })
            .collect(),
        genes: five.then_some(plot_genes),
    };
    Ok(data.render())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regions_round_the_analysis_bounds_up_to_whole_kb() {
        // Probe at 22786531, plot ±500 kb, cis window 2000 kb (the tiny-seed1 plot case: the
        // reference logs [22286531, 23286531], [20286531, 25286531], SNPs 20287-25287 kb).
        let r = Regions::new(1, 22_786_531, 500_000, 2_000_000);
        assert_eq!(r.plot, (22_286_531, 23_286_531));
        assert_eq!(r.snps, (20_287_000, 25_287_000));
        assert!(!r.has_snp(1, 20_286_999));
        assert!(r.has_snp(1, 20_287_000));
        assert!(!r.has_snp(2, 22_000_000));
        // Clamped at 0, and an exact kb stays.
        let r = Regions::new(1, 100_000, 500_000, 2_000_000);
        assert_eq!(r.plot, (0, 600_000));
        assert_eq!(r.snps, (0, 2_600_000));
    }

    #[test]
    fn gene_list_columns_and_chromosomes() {
        let g = parse_gene_list(
            b"1\t10\t20\tA\t+\nX 5 6 B -\n\nchr2 7 8 C +\n",
            Path::new("g"),
        )
        .unwrap();
        assert_eq!(g.len(), 3);
        assert_eq!((g[0].chr, g[0].start, g[0].end), (1, 10, 20));
        assert_eq!(g[1].chr, CHROM_X);
        // atoi("chr2") = 0, as the reference reads it.
        assert_eq!(g[2].chr, 0);
        assert_eq!(g[0].strand.as_deref(), Some("+"));
        let e = parse_gene_list(b"1 10 20 A +\n1 10 20 B\n", Path::new("g")).unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse_gene_list(b"1 10 20\n", Path::new("g")).unwrap_err();
        assert!(e.to_string().contains("4 or 5 columns"), "{e}");
    }
}
