//! The cis SMR run: load → filter → match → genotypes → frequency check → per-probe parallel
//! map → ordered rows (data-spec/algorithm.md §pipeline).

use crate::config::{out_path, Config, HeidiMethod};
use crate::error::{Error, Result};
use crate::harmonise::{
    align_gwas, match_three_way, match_two_way, AlignedGwas, DropReason, FreqTriple, MatchIndex,
    MatchResult,
};
use crate::io::besd::{BesdEntry, BesdFile, BesdLayout};
use crate::io::epi::{read_epi, EpiRecord};
use crate::io::esi::{read_esi, EsiRecord};
use crate::io::gwas::{read_ma, GwasData};
use crate::io::lists::{read_id_list, read_individual_list};
use crate::io::plink::{read_bim, read_fam, BedFile, BimRecord};
use crate::ld::{AlleleCounts, Genotypes};
use crate::log::{Progress, RunLog};
use crate::output::atomic::write_atomic;
use crate::output::format::push_g6;
use crate::output::smr::{SmrRow, SMR_HEADER, SMR_HEADER_TARGET};
use crate::stats::dist::{chi_val, chisq1_tail};
use crate::stats::heidi::{heidi_new, heidi_original, HeidiOutcome, HeidiParams, HeidiSnp};
use crate::stats::smr::{max_abs_id, smr_test};
use crate::types::{Bp, Chrom};
use rayon::prelude::*;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};

/// Probes between two releases of the `.bed` pages (see [`crate::io::source::Bytes::release`]).
const BED_RELEASE_EVERY: usize = 1024;

/// What happened to one probe.
#[derive(Debug, Clone, PartialEq)]
pub enum ProbeOutcome {
    /// Tested: the row's values.
    Tested(ProbeResult),
    /// No SNP with eQTL and GWAS data inside the cis window.
    NoCisSnp,
    /// The top cis-eQTL's p-value is above `--peqtl-smr`.
    NotSignificant,
    /// `--target-snp` is not among the probe's SNPs.
    TargetAbsent,
}

impl ProbeOutcome {
    /// Reason label for a probe without a row.
    pub fn skip_reason(&self) -> Option<&'static str> {
        match self {
            ProbeOutcome::Tested(_) => None,
            ProbeOutcome::NoCisSnp => Some("no cis SNP with eQTL and GWAS data"),
            ProbeOutcome::NotSignificant => Some("top cis-eQTL p-value above --peqtl-smr"),
            ProbeOutcome::TargetAbsent => Some("target SNP not in the probe's data"),
        }
    }
}

/// Values of one tested probe.
#[derive(Debug, Clone, PartialEq)]
pub struct ProbeResult {
    /// Compact index of the instrument SNP.
    pub top: usize,
    /// eQTL effect and SE of the instrument (float32 promoted).
    pub bx: f64,
    /// eQTL SE.
    pub sx: f64,
    /// eQTL p-value.
    pub p_eqtl: f64,
    /// SMR test.
    pub smr: crate::stats::smr::SmrTest,
    /// HEIDI (None when not run).
    pub heidi: Option<HeidiOutcome>,
}

/// The matched SNPs in analysis order (the compact SNP index).
pub struct SnpTable {
    /// `.esi` index of each compact SNP.
    pub esi: Vec<usize>,
    /// Chromosome (from `.esi`).
    pub chr: Vec<Chrom>,
    /// Position (from `.esi`).
    pub bp: Vec<Bp>,
    /// GWAS values aligned to the eQTL A1.
    pub gwas: Vec<AlignedGwas>,
    /// Compact index of each `.esi` row (`u32::MAX` when not matched).
    pub from_esi: Vec<u32>,
}

/// Everything a per-probe test needs, shared read-only across threads.
pub struct Analysis<'a> {
    /// Settings.
    pub cfg: &'a Config,
    /// SNP table.
    pub snps: &'a SnpTable,
    /// Reference genotypes (None with `--heidi-off`).
    pub geno: Option<&'a Genotypes<'a>>,
    /// eQTL data.
    pub besd: &'a BesdFile,
    /// HEIDI parameters.
    pub heidi: HeidiParams,
    /// Compact index of `--target-snp`, when given.
    pub target: Option<usize>,
}

/// One SNP of a probe's cis set.
#[derive(Debug, Clone, Copy)]
struct CisSnp {
    k: usize,
    bx: f64,
    sx: f64,
    zd: f64,
    zf: f64,
}

impl Analysis<'_> {
    /// Test one probe.
    pub fn probe(
        &self,
        p: usize,
        epi: &EpiRecord,
        entries: &mut Vec<BesdEntry>,
    ) -> Result<ProbeOutcome> {
        self.besd.read_probe(p, entries)?;
        let s = self.snps;
        let w = self.cfg.cis_window_bp;
        let (centre_chr, centre_bp) = match self.target {
            Some(t) => (s.chr[t], s.bp[t]),
            None => (epi.chr, epi.bp),
        };
        let mut cis: Vec<CisSnp> = Vec::with_capacity(entries.len());
        for e in entries.iter() {
            let k = s.from_esi[e.snp as usize];
            if k == u32::MAX {
                continue;
            }
            let k = k as usize;
            if s.chr[k] != centre_chr || (centre_bp - s.bp[k]).abs() > w || !s.gwas[k].usable {
                continue;
            }
            let (bx, sx) = (f64::from(e.beta), f64::from(e.se));
            cis.push(CisSnp {
                k,
                bx,
                sx,
                zd: bx / sx,
                zf: f64::from(e.beta / e.se),
            });
        }
        if matches!(
            self.besd.layout(),
            BesdLayout::Dense | BesdLayout::DenseLegacy
        ) {
            match self.target {
                // Dense with a target: scanned from the target downwards, then upwards.
                Some(t) => {
                    let (mut below, mut above): (Vec<CisSnp>, Vec<CisSnp>) =
                        cis.iter().partition(|c| c.k <= t);
                    below.sort_by_key(|c| std::cmp::Reverse(c.k));
                    above.sort_by_key(|c| c.k);
                    below.extend(above);
                    cis = below;
                }
                None => cis.sort_by_key(|c| c.k),
            }
        }
        if cis.is_empty() {
            return Ok(match self.target {
                Some(_) => ProbeOutcome::TargetAbsent,
                None => ProbeOutcome::NoCisSnp,
            });
        }
        let top = match self.target {
            Some(t) => {
                let (tc, tbp) = (s.chr[t], s.bp[t]);
                let _ = tc;
                match cis.iter().rposition(|c| c.k == t || s.bp[c.k] == tbp) {
                    Some(i) => i,
                    None => return Ok(ProbeOutcome::TargetAbsent),
                }
            }
            None => {
                let zd: Vec<f64> = cis.iter().map(|c| c.zd).collect();
                max_abs_id(&zd)
            }
        };
        let c = cis[top];
        let p_eqtl = chisq1_tail(c.zd * c.zd);
        if self.target.is_none() && p_eqtl > self.cfg.peqtl_smr {
            return Ok(ProbeOutcome::NotSignificant);
        }
        let g = &s.gwas[c.k];
        let (by, sy) = (g.b.unwrap_or(f64::NAN), g.se.unwrap_or(f64::NAN));
        let smr = smr_test(by, sy, c.bx, c.sx);
        let heidi = match self.geno {
            Some(geno) if smr.p <= self.cfg.psmr => {
                let hs: Vec<HeidiSnp> = cis
                    .iter()
                    .map(|x| {
                        let g = &s.gwas[x.k];
                        HeidiSnp {
                            k: x.k,
                            by: g.b.unwrap_or(f64::NAN),
                            sy: g.se.unwrap_or(f64::NAN),
                            bx: x.bx,
                            z: if self.target.is_some() { x.zf } else { x.zd },
                        }
                    })
                    .collect();
                Some(match self.cfg.heidi_method {
                    HeidiMethod::New => heidi_new(&hs, geno, &self.heidi, self.target.map(|_| top)),
                    HeidiMethod::Original => heidi_original(&hs, geno, &self.heidi, top),
                })
            }
            _ => None,
        };
        Ok(ProbeOutcome::Tested(ProbeResult {
            top: c.k,
            bx: c.bx,
            sx: c.sx,
            p_eqtl,
            smr,
            heidi,
        }))
    }
}

fn filter_by_list<'a>(
    ids: impl Iterator<Item = (usize, &'a str)>,
    list: &HashSet<String>,
    keep_listed: bool,
) -> Vec<usize> {
    ids.filter(|(_, id)| list.contains(*id) == keep_listed)
        .map(|(i, _)| i)
        .collect()
}

fn read_set(path: &std::path::Path) -> Result<HashSet<String>> {
    Ok(read_id_list(path)?.into_iter().collect())
}

/// Which `.esi` SNPs survive `--snp-chr`/`--chr`, `--extract-snp` and `--exclude-snp`.
fn esi_filter(cfg: &Config, esi: &[EsiRecord]) -> Result<Vec<usize>> {
    let mut keep: Vec<usize> = (0..esi.len())
        .filter(|&i| cfg.snp_chr.is_none_or(|c| esi[i].chr == c))
        .collect();
    if let Some(p) = &cfg.extract_snp {
        let set = read_set(p)?;
        keep = filter_by_list(keep.iter().map(|&i| (i, esi[i].snp.as_str())), &set, true);
    }
    if let Some(p) = &cfg.exclude_snp {
        let set = read_set(p)?;
        keep = filter_by_list(keep.iter().map(|&i| (i, esi[i].snp.as_str())), &set, false);
    }
    Ok(keep)
}

/// Summary of a finished run, for callers and tests.
#[derive(Debug, Clone, Default)]
pub struct RunSummary {
    /// Rows written.
    pub rows: usize,
    /// Probes without a row, by reason.
    pub skipped: BTreeMap<&'static str, usize>,
    /// HEIDI not computed, by reason.
    pub heidi_na: BTreeMap<&'static str, usize>,
}

/// The eQTL side, read once per run: SNP and probe tables (with the filters applied) and the
/// BESD file.
pub struct EqtlData {
    /// `.esi` rows.
    pub esi: Vec<EsiRecord>,
    /// `.esi` rows kept by the SNP filters.
    pub esi_keep: Vec<usize>,
    /// `.epi` rows.
    pub epi: Vec<EpiRecord>,
    /// `.epi` rows kept by the probe filters, in `.epi` order.
    pub probes: Vec<usize>,
    /// The BESD values.
    pub besd: BesdFile,
}

/// Read the eQTL data and apply the SNP and probe filters (data-spec/algorithm.md §filters).
pub fn load_eqtl(cfg: &Config, log: &mut RunLog) -> Result<EqtlData> {
    log.info(format!(
        "Reading eQTL SNP information from {}",
        cfg.besd.esi.display()
    ));
    let esi = read_esi(&cfg.besd.esi)?;
    let esi_keep = esi_filter(cfg, &esi)?;
    log.info(format!(
        "  {} SNPs read, {} kept after SNP filters",
        esi.len(),
        esi_keep.len()
    ));
    log.info(format!(
        "Reading eQTL probe information from {}",
        cfg.besd.epi.display()
    ));
    let epi = read_epi(&cfg.besd.epi)?;
    let mut probes: Vec<usize> = (0..epi.len())
        .filter(|&p| cfg.probe_chr.is_none_or(|c| epi[p].chr == c))
        .collect();
    if let Some(path) = &cfg.extract_probe {
        let set = read_set(path)?;
        probes = filter_by_list(
            probes.iter().map(|&p| (p, epi[p].probe.as_str())),
            &set,
            true,
        );
    }
    if let Some(path) = &cfg.exclude_probe {
        let set = read_set(path)?;
        probes = filter_by_list(
            probes.iter().map(|&p| (p, epi[p].probe.as_str())),
            &set,
            false,
        );
    }
    log.info(format!(
        "  {} probes read, {} kept after probe filters",
        epi.len(),
        probes.len()
    ));
    log.info(format!(
        "Opening eQTL summary data {}",
        cfg.besd.besd.display()
    ));
    let besd = BesdFile::open(&cfg.besd.besd, esi.len(), epi.len())?;
    log.info(format!("  layout {:?}", besd.layout()));
    Ok(EqtlData {
        esi,
        esi_keep,
        epi,
        probes,
        besd,
    })
}

/// The LD reference, read once per run: individuals kept, SNPs kept, and the packed genotypes.
pub struct Reference {
    /// `.fam` rows kept by `--keep`/`--remove`, in `.fam` order.
    pub keep: Vec<usize>,
    /// Sex code of each kept individual.
    pub sexes: Vec<i32>,
    /// `.bim` rows.
    pub bim: Vec<BimRecord>,
    /// `.bim` rows kept by `--extract-snp`/`--exclude-snp`.
    pub bim_keep: Vec<usize>,
    /// The genotypes.
    pub bed: BedFile,
    /// Allele counts of every `.bed` SNP over the kept individuals.
    pub counts: AlleleCounts,
    /// SNP-ID index of the reference joined with the eQTL SNPs, set by [`index_reference`]
    /// (matching falls back to [`match_three_way`] without it).
    pub index: Option<MatchIndex>,
}

/// Build the reference's SNP-ID index and its join with the eQTL SNPs, once per run.
pub fn index_reference(eqtl: &EqtlData, reference: &mut Reference, log: &mut RunLog) {
    reference.index = Some(MatchIndex::new(
        &eqtl.esi,
        &eqtl.esi_keep,
        &reference.bim,
        &reference.bim_keep,
    ));
    log.info("  SNP-ID index of the LD reference and eQTL SNPs built");
}

/// Read the LD reference (`None` with `--heidi-off`).
pub fn load_reference(cfg: &Config, log: &mut RunLog) -> Result<Option<Reference>> {
    let Some(bf) = &cfg.bfile else {
        log.info("HEIDI is off: the LD reference is not used");
        return Ok(None);
    };
    log.info(format!("Reading PLINK FAM file from {}", bf.fam.display()));
    let fam = read_fam(&bf.fam)?;
    let mut keep: Vec<usize> = (0..fam.len()).collect();
    if let Some(p) = &cfg.keep {
        let set: HashSet<String> = read_individual_list(p)?.into_iter().collect();
        keep.retain(|&i| set.contains(&fam[i].key()));
    }
    if let Some(p) = &cfg.remove {
        let set: HashSet<String> = read_individual_list(p)?.into_iter().collect();
        keep.retain(|&i| !set.contains(&fam[i].key()));
    }
    if keep.is_empty() {
        return Err(Error::Analysis(
            "no individual of the LD reference is left after --keep/--remove".into(),
        ));
    }
    log.info(format!(
        "  {} individuals read, {} kept",
        fam.len(),
        keep.len()
    ));
    log.info(format!("Reading PLINK BIM file from {}", bf.bim.display()));
    let bim = read_bim(&bf.bim)?;
    let mut bim_keep: Vec<usize> = (0..bim.len()).collect();
    if let Some(p) = &cfg.extract_snp {
        let set = read_set(p)?;
        bim_keep = filter_by_list(
            bim_keep.iter().map(|&i| (i, bim[i].snp.as_str())),
            &set,
            true,
        );
    }
    if let Some(p) = &cfg.exclude_snp {
        let set = read_set(p)?;
        bim_keep = filter_by_list(
            bim_keep.iter().map(|&i| (i, bim[i].snp.as_str())),
            &set,
            false,
        );
    }
    log.info(format!(
        "  {} SNPs read, {} kept after SNP filters",
        bim.len(),
        bim_keep.len()
    ));
    log.info(format!("Opening PLINK BED file {}", bf.bed.display()));
    let bed = BedFile::open(&bf.bed, bim.len(), fam.len())?;
    let sexes = keep.iter().map(|&i| fam[i].sex).collect();
    let counts = AlleleCounts::new(&bed, &keep);
    log.info(format!("  allele counts of {} SNPs done", bed.n_snps()));
    Ok(Some(Reference {
        keep,
        sexes,
        bim,
        bim_keep,
        bed,
        counts,
        index: None,
    }))
}

/// Run the cis SMR analysis described by `cfg`, writing `<out>.smr` (and side files); with
/// several traits (`cfg.batch`), `<out>.<name>.smr` per trait, see [`run_batch`].
///
/// In a batch, a trait that fails (unreadable file, frequency-check stop, no common SNP) is
/// reported and the others still run; the result is then an error naming the failed traits.
pub fn run(cfg: &Config, log: &mut RunLog) -> Result<RunSummary> {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", cfg.threads)))?;
    pool.install(|| run_in_pool(cfg, log))
}

fn run_in_pool(cfg: &Config, log: &mut RunLog) -> Result<RunSummary> {
    let eqtl = load_eqtl(cfg, log)?;
    let mut reference = load_reference(cfg, log)?;
    if let Some(r) = reference.as_mut() {
        index_reference(&eqtl, r, log);
    }
    if !cfg.batch {
        return run_trait(cfg, &eqtl, reference.as_ref(), &cfg.gwas, &cfg.out, log);
    }
    let outcomes = run_batch(cfg, &eqtl, reference.as_ref(), log);
    let mut total = RunSummary::default();
    let mut failed = Vec::new();
    for (name, o) in &outcomes {
        match o {
            Ok(s) => {
                total.rows += s.rows;
                for (k, v) in &s.skipped {
                    *total.skipped.entry(k).or_default() += v;
                }
                for (k, v) in &s.heidi_na {
                    *total.heidi_na.entry(k).or_default() += v;
                }
            }
            Err(e) => failed.push(format!("{name} ({e})")),
        }
    }
    log.info(format!(
        "batch: {} of {} traits completed",
        outcomes.len() - failed.len(),
        outcomes.len()
    ));
    if failed.is_empty() {
        Ok(total)
    } else {
        Err(Error::Analysis(format!(
            "{} of {} traits failed: {}",
            failed.len(),
            outcomes.len(),
            failed.join("; ")
        )))
    }
}

/// Output prefix of one trait in a batch: `<out>.<name>`.
pub fn trait_out(out: &Path, name: &str) -> std::path::PathBuf {
    out_path(out, name)
}

/// Run every trait of `cfg.traits` against data loaded once, each writing
/// `<out>.<name>.smr` (and `<out>.<name>.snp_failed_freq_ck.list`) exactly as a single-trait
/// run with `--out <out>.<name>` would. Returns each trait's outcome, in order.
pub fn run_batch(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&Reference>,
    log: &mut RunLog,
) -> Vec<(String, Result<RunSummary>)> {
    let n = cfg.traits.len();
    let mut out = Vec::with_capacity(n);
    for (i, t) in cfg.traits.iter().enumerate() {
        log.info(format!(
            "==== trait {} ({}/{n}): {} ====",
            t.name,
            i + 1,
            t.path.display()
        ));
        let started = std::time::Instant::now();
        let r = run_trait(
            cfg,
            eqtl,
            reference,
            &t.path,
            &trait_out(&cfg.out, &t.name),
            log,
        );
        match &r {
            Ok(_) => log.info(format!(
                "trait {} done in {:.2} s",
                t.name,
                started.elapsed().as_secs_f64()
            )),
            Err(e) => log.info(format!("trait {} FAILED: {e}", t.name)),
        }
        out.push((t.name.clone(), r));
    }
    out
}

/// Run one trait against eQTL data and an LD reference already loaded: read the GWAS file,
/// match, check frequencies, test every probe, write `<out>.smr`.
pub fn run_trait(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&Reference>,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
) -> Result<RunSummary> {
    let esi = &eqtl.esi;
    let epi = &eqtl.epi;
    log.info(format!(
        "Reading GWAS summary data from {}",
        gwas_path.display()
    ));
    let gwas: GwasData = read_ma(gwas_path)?;
    log.info(format!(
        "  {} SNPs read; {} with frequency NA; {} rows flagged (kept out of the tests)",
        gwas.records.len(),
        gwas.n_freq_na,
        gwas.flagged.len()
    ));

    // Matching (three-way with a reference, two-way without).
    let (mut matched, mut geno): (MatchResult, Option<Genotypes>) = match reference {
        Some(r) => {
            let m = match &r.index {
                Some(ix) => ix.match_gwas(&gwas.records, esi, &r.bim, &r.bim_keep),
                None => match_three_way(&gwas.records, esi, &eqtl.esi_keep, &r.bim, &r.bim_keep),
            };
            log_match(log, &m);
            if m.snps.is_empty() {
                // Which error: checked only when nothing matched (a 9 M-entry set otherwise).
                let gwas_ids: rustc_hash::FxHashSet<&str> =
                    gwas.records.iter().map(|g| g.snp.as_str()).collect();
                if !r
                    .bim_keep
                    .iter()
                    .any(|&i| gwas_ids.contains(r.bim[i].snp.as_str()))
                {
                    return Err(Error::Analysis(format!(
                        "no SNP in common between the GWAS data ({}) and the LD reference",
                        gwas_path.display()
                    )));
                }
                return Err(Error::Analysis(
                    "no SNP is common to the GWAS data, the eQTL data and the LD reference \
                     with consistent alleles"
                        .into(),
                ));
            }
            let cols = m
                .snps
                .iter()
                .map(|s| (s.bim.unwrap_or(0), s.bim_swapped, esi[s.esi].chr))
                .collect();
            let g = Genotypes::with_counts(&r.bed, &r.keep, &r.sexes, cols, &r.counts);
            (m, Some(g))
        }
        None => {
            let m = match_two_way(&gwas.records, esi, &eqtl.esi_keep);
            log_match(log, &m);
            if m.snps.is_empty() {
                return Err(Error::Analysis(
                    "no SNP is common to the GWAS data and the eQTL data with consistent alleles"
                        .into(),
                ));
            }
            (m, None)
        }
    };

    // MAF filter on the LD reference.
    if let (Some(g), true) = (geno.as_mut(), cfg.maf > 0.0) {
        let keep: Vec<bool> = (0..matched.snps.len())
            .map(|k| {
                let f = g.mean(k) / 2.0;
                !(f <= cfg.maf || 1.0 - f <= cfg.maf)
            })
            .collect();
        let before = matched.snps.len();
        for (k, &kp) in keep.iter().enumerate() {
            if !kp {
                let id = esi[matched.snps[k].esi].snp.clone();
                matched.dropped.push((DropReason::Maf, id.to_string()));
            }
        }
        retain_matched(&mut matched, &keep);
        g.retain(&keep);
        log.info(format!(
            "  {} SNPs removed with MAF <= {} in the LD reference; {} left",
            before - matched.snps.len(),
            cfg.maf,
            matched.snps.len()
        ));
    }

    // Allele-frequency check.
    if cfg.freq_check {
        freq_check(cfg, out, log, esi, &gwas, &mut matched, geno.as_mut())?;
    }

    // Compact SNP table.
    let mut from_esi = vec![u32::MAX; esi.len()];
    for (k, s) in matched.snps.iter().enumerate() {
        from_esi[s.esi] = k as u32;
    }
    let ms = &matched.snps;
    let snps = SnpTable {
        esi: ms.par_iter().map(|s| s.esi).collect(),
        chr: ms.par_iter().map(|s| esi[s.esi].chr).collect(),
        bp: ms.par_iter().map(|s| esi[s.esi].bp).collect(),
        gwas: ms
            .par_iter()
            .map(|s| align_gwas(&gwas.records[s.gwas], s.gwas_swapped))
            .collect(),
        from_esi,
    };
    drop(gwas);

    let target = match &cfg.target_snp {
        Some(rs) => match (0..snps.esi.len()).find(|&k| esi[snps.esi[k]].snp == *rs) {
            Some(k) => Some(k),
            None => {
                return Err(Error::Analysis(format!(
                    "--target-snp {rs} is not among the SNPs common to all inputs"
                )))
            }
        },
        None => None,
    };

    // Per-probe tests in parallel, collected in probe order.
    let probes = &eqtl.probes;
    let analysis = Analysis {
        cfg,
        snps: &snps,
        geno: geno.as_ref(),
        besd: &eqtl.besd,
        heidi: HeidiParams {
            threshold: chi_val(1.0, cfg.peqtl_heidi),
            min_m: cfg.heidi_min_m,
            max_m: cfg.heidi_max_m,
            ld_upper: cfg.ld_upper,
            ld_lower: cfg.ld_lower,
        },
        target,
    };
    log.info(format!(
        "Testing {} probes with {} thread(s) (cis window {} kb, --peqtl-smr {:e}{})",
        probes.len(),
        cfg.threads,
        cfg.cis_window_bp / 1000,
        cfg.peqtl_smr,
        if cfg.heidi { "" } else { ", HEIDI off" }
    ));
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", cfg.threads)))?;
    let label = match gwas_path.file_name() {
        Some(n) if cfg.batch => format!("probes [{}]", n.to_string_lossy()),
        _ => "probes".to_string(),
    };
    let progress = Progress::new(log, label, probes.len());
    let done = AtomicUsize::new(1);
    let outcomes: Result<Vec<ProbeOutcome>> = pool.install(|| {
        probes
            .par_iter()
            .map_init(Vec::new, |entries, &p| {
                let r = analysis.probe(p, &epi[p], entries);
                progress.inc();
                // Probes run in genome order: drop the `.bed` pages of the regions passed
                // now and then, so that the resident set stays bounded.
                if let Some(rf) = reference {
                    if done.fetch_add(1, Ordering::Relaxed) % BED_RELEASE_EVERY == 0 {
                        rf.bed.release(0, rf.bed.n_snps());
                    }
                }
                r
            })
            .collect::<Result<Vec<_>>>()
    });
    progress.finish();
    let outcomes = outcomes?;

    // Output.
    let mut summary = RunSummary::default();
    let mut text = String::with_capacity(256 * (outcomes.len() + 1));
    text.push_str(if target.is_some() {
        SMR_HEADER_TARGET
    } else {
        SMR_HEADER
    });
    text.push('\n');
    for (&p, o) in probes.iter().zip(&outcomes) {
        let r = match o {
            ProbeOutcome::Tested(r) => r,
            other => {
                if let Some(reason) = other.skip_reason() {
                    *summary.skipped.entry(reason).or_default() += 1;
                }
                continue;
            }
        };
        let e = &esi[snps.esi[r.top]];
        let g = &snps.gwas[r.top];
        let freq = match &geno {
            Some(geno) => geno.mean(r.top) / 2.0,
            None => e.freq.map_or(-9.0, f64::from),
        };
        let row = SmrRow {
            probe: &epi[p].probe,
            probe_chr: epi[p].chr,
            gene: &epi[p].gene,
            probe_bp: epi[p].bp,
            snp: &e.snp,
            snp_chr: e.chr,
            snp_bp: e.bp,
            a1: &e.a1,
            a2: &e.a2,
            freq,
            b_gwas: g.b.unwrap_or(f64::NAN),
            se_gwas: g.se.unwrap_or(f64::NAN),
            p_gwas: g.p.unwrap_or(f64::NAN),
            b_eqtl: r.bx,
            se_eqtl: r.sx,
            p_eqtl: r.p_eqtl,
            smr: r.smr,
            heidi: r.heidi,
        };
        row.write_to(&mut text);
        summary.rows += 1;
        match r.heidi {
            None => {
                let reason = if cfg.heidi {
                    "p_SMR above --psmr"
                } else {
                    "HEIDI off"
                };
                *summary.heidi_na.entry(reason).or_default() += 1;
            }
            Some(h) => {
                if let Some(reason) = h.reason() {
                    *summary.heidi_na.entry(reason).or_default() += 1;
                }
            }
        }
    }
    let smr_path = out_path(out, "smr");
    write_atomic(&smr_path, text.as_bytes())?;
    log.info(format!(
        "{} probes tested; results saved in {}",
        summary.rows,
        smr_path.display()
    ));
    for (reason, n) in &summary.skipped {
        log.info(format!("  {n} probes without a row: {reason}"));
    }
    for (reason, n) in &summary.heidi_na {
        log.info(format!("  {n} rows with p_HEIDI NA: {reason}"));
    }
    Ok(summary)
}

fn log_match(log: &mut RunLog, m: &MatchResult) {
    log.info(format!(
        "  {} SNPs matched across inputs with consistent alleles",
        m.snps.len()
    ));
    for reason in [
        DropReason::NotInEqtl,
        DropReason::AlleleMismatchReference,
        DropReason::AlleleMismatchGwas,
    ] {
        let n = m.count(reason);
        if n > 0 {
            log.info(format!("  {n} SNPs dropped: {}", reason.label()));
        }
    }
}

fn retain_matched(m: &mut MatchResult, keep: &[bool]) {
    let mut i = 0;
    m.snps.retain(|_| {
        let k = keep[i];
        i += 1;
        k
    });
}

/// The allele-frequency consistency check (data-spec/harmonise.md §freq): fills
/// `<out>.snp_failed_freq_ck.list`, removes failing SNPs, stops when too many fail.
fn freq_check(
    cfg: &Config,
    out: &Path,
    log: &mut RunLog,
    esi: &[EsiRecord],
    gwas: &GwasData,
    matched: &mut MatchResult,
    geno: Option<&mut Genotypes>,
) -> Result<()> {
    let with_ref = geno.is_some();
    let triples: Vec<FreqTriple> = matched
        .snps
        .par_iter()
        .enumerate()
        .map(|(k, s)| FreqTriple {
            reference: geno.as_ref().map(|g| g.mean(k) / 2.0),
            gwas: align_gwas(&gwas.records[s.gwas], s.gwas_swapped).freq,
            eqtl: esi[s.esi].freq.map(f64::from),
        })
        .collect();
    let fails: Vec<bool> = triples.par_iter().map(|t| t.fails(cfg.diff_freq)).collect();
    let mut text = String::from(if with_ref {
        "SNP\tAllele\tReferencePanel\tGWAS\teQTL\n"
    } else {
        "SNP\tAllele\tGWAS\teQTL\n"
    });
    let mut worst: Vec<(f64, usize)> = Vec::new();
    for (k, s) in matched.snps.iter().enumerate() {
        if !fails[k] {
            continue;
        }
        let e = &esi[s.esi];
        let t = &triples[k];
        text.push_str(&e.snp);
        text.push('\t');
        text.push_str(&e.a1);
        let mut cell = |v: Option<f64>| {
            text.push('\t');
            push_g6(&mut text, v.unwrap_or(-9.0));
        };
        if with_ref {
            cell(t.reference);
        }
        cell(t.gwas);
        cell(t.eqtl);
        text.push('\n');
        worst.push((t.max_difference(), k));
    }
    write_atomic(&out_path(out, "snp_failed_freq_ck.list"), text.as_bytes())?;
    let n = matched.snps.len();
    let failed = worst.len();
    let prop = failed as f64 / n as f64;
    log.info(format!(
        "  {failed} SNPs ({:.2}% of {n}) with allele frequency differences > {:.2} between data \
         sets; listed in {}",
        prop * 100.0,
        cfg.diff_freq,
        out_path(out, "snp_failed_freq_ck.list").display()
    ));
    if failed == n {
        return Err(Error::Analysis(
            "no SNP passed the allele frequency check".into(),
        ));
    }
    if prop > cfg.diff_freq_prop {
        worst.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        let examples: Vec<String> = worst
            .iter()
            .take(5)
            .map(|&(d, k)| format!("{} (difference {:.3})", esi[matched.snps[k].esi].snp, d))
            .collect();
        return Err(Error::Analysis(format!(
            "the analysis stopped because more than {:.2}% of the SNPs were removed by the allele \
             frequency difference check ({failed} of {n}, {:.2}%). You can change the proportion \
             threshold by the flag --diff-freq-prop. Largest differences: {}. A common cause is a \
             GWAS frequency column that describes the other allele.",
            cfg.diff_freq_prop * 100.0,
            prop * 100.0,
            examples.join(", ")
        )));
    }
    let keep: Vec<bool> = fails.iter().map(|f| !f).collect();
    for (k, s) in matched.snps.iter().enumerate() {
        if fails[k] {
            let id = esi[s.esi].snp.clone();
            matched
                .dropped
                .push((DropReason::FreqDifference, id.to_string()));
        }
    }
    retain_matched(matched, &keep);
    if let Some(g) = geno {
        g.retain(&keep);
    }
    Ok(())
}
