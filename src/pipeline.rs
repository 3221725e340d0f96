//! The cis SMR run: load → filter → match → genotypes → frequency check → per-probe parallel
//! map → ordered rows (data-spec/algorithm.md §pipeline).

use crate::config::{out_path, Config, HeidiMethod};
use crate::error::{Error, Result};
use crate::harmonise::{
    gwas_alleles_as_written, match_three_way_with, match_two_way_with, rename_by_chrpos,
    DropReason, FreqTriple, MatchIndex, MatchOptions, MatchResult,
};
use crate::io::besd::stream::Keep;
use crate::io::besd::{BesdEntry, BesdFile, BesdLayout};
use crate::io::columns::unpack_opt;
use crate::io::epi::EpiRecord;
use crate::io::eqtl_source::EqtlSource;
use crate::io::esi::EsiTable;
use crate::io::freq::{apply_to_esi, FreqMode};
use crate::io::gwas::GwasData;
use crate::io::gwas_columns::{read_gwas, GwasLayout};
use crate::io::lists::{read_id_list, read_individual_list};
use crate::io::plink::{read_bim_flagged, read_fam, BedFile, BimTable};
use crate::ld::{AlleleCounts, Genotypes};
use crate::log::{Progress, RunLog};
use crate::output::atomic::{write_atomic, write_atomic_kept, OutputSet};
use crate::output::format::push_g6;
use crate::output::smr::{SmrRow, SMR_HEADER, SMR_HEADER_TARGET};
use crate::report::HarmoniseReport;
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
    pub esi: Vec<u32>,
    /// Chromosome (from `.esi`).
    pub chr: Vec<Chrom>,
    /// Position (from `.esi`).
    pub bp: Vec<Bp>,
    /// GWAS values aligned to the eQTL A1, one column each (NaN where NA): effect.
    pub gwas_b: Vec<f64>,
    /// GWAS standard error (NaN where NA).
    pub gwas_se: Vec<f64>,
    /// GWAS p-value as read (NaN where NA).
    pub gwas_p: Vec<f64>,
    /// GWAS row usable for a test (see [`crate::io::gwas::GwasRecord::usable`]).
    pub gwas_usable: Vec<bool>,
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
    /// Stored eQTL values skipped as unusable (see [`usable_entry`]), counted across threads.
    pub unusable_entries: AtomicUsize,
}

/// True when a stored eQTL value can enter a test: finite beta, finite se > 0. The reference
/// would use such values (a zero se gives an infinite z); they never occur in files written by
/// SMR, so skipping them changes no result on real data (data-spec/errors.md).
pub fn usable_entry(e: &BesdEntry) -> bool {
    e.beta.is_finite() && e.se.is_finite() && e.se > 0.0
}

/// One SNP of a probe's cis set.
#[derive(Debug, Clone, Copy)]
struct CisSnp {
    /// Compact SNP index.
    k: u32,
    /// eQTL effect and SE (float32 promoted, so `bx as f32` is the stored value).
    bx: f64,
    sx: f64,
    /// z in double: `bx / sx`.
    zd: f64,
}

impl CisSnp {
    fn k(&self) -> usize {
        self.k as usize
    }

    /// z as the single-precision quotient of the stored values (the `--target-snp` path).
    fn zf(&self) -> f64 {
        f64::from(self.bx as f32 / self.sx as f32)
    }
}

thread_local! {
    /// Each thread's cis-set buffer, reused from probe to probe.
    static CIS: std::cell::RefCell<Vec<CisSnp>> = const { std::cell::RefCell::new(Vec::new()) };
}

impl Analysis<'_> {
    /// Test one probe.
    pub fn probe(
        &self,
        p: usize,
        epi: &EpiRecord,
        entries: &mut Vec<BesdEntry>,
    ) -> Result<ProbeOutcome> {
        CIS.with_borrow_mut(|cis| self.probe_in(p, epi, entries, cis))
    }

    fn probe_in(
        &self,
        p: usize,
        epi: &EpiRecord,
        entries: &mut Vec<BesdEntry>,
        cis: &mut Vec<CisSnp>,
    ) -> Result<ProbeOutcome> {
        let s = self.snps;
        let w = self.cfg.cis_window_bp;
        let (centre_chr, centre_bp) = match self.target {
            Some(t) => (s.chr[t], s.bp[t]),
            None => (epi.chr, epi.bp),
        };
        cis.clear();
        let mut unusable = 0;
        self.besd.for_each_entry(p, entries, |e| {
            if !usable_entry(&e) {
                unusable += 1;
                return;
            }
            let k = s.from_esi[e.snp as usize];
            if k == u32::MAX {
                return;
            }
            let ku = k as usize;
            if s.chr[ku] != centre_chr || (centre_bp - s.bp[ku]).abs() > w || !s.gwas_usable[ku] {
                return;
            }
            let (bx, sx) = (f64::from(e.beta), f64::from(e.se));
            cis.push(CisSnp {
                k,
                bx,
                sx,
                zd: bx / sx,
            });
        })?;
        if unusable > 0 {
            self.unusable_entries.fetch_add(unusable, Ordering::Relaxed);
        }
        if matches!(
            self.besd.layout(),
            BesdLayout::Dense | BesdLayout::DenseLegacy
        ) {
            match self.target {
                // Dense with a target: scanned from the target downwards, then upwards.
                Some(t) => {
                    let t = t as u32;
                    let (mut below, mut above): (Vec<CisSnp>, Vec<CisSnp>) =
                        cis.iter().partition(|c| c.k <= t);
                    below.sort_by_key(|c| std::cmp::Reverse(c.k));
                    above.sort_by_key(|c| c.k);
                    below.extend(above);
                    *cis = below;
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
            // The probe must carry the target itself; the instrument is then the last SNP
            // whose ID is the target or whose position equals the target's.
            Some(t) if cis.iter().any(|c| c.k() == t) => cis
                .iter()
                .rposition(|c| c.k() == t || s.bp[c.k()] == s.bp[t])
                .unwrap_or(0),
            Some(_) => return Ok(ProbeOutcome::TargetAbsent),
            None => max_abs_id(cis.iter().map(|c| c.zd)),
        };
        let c = cis[top];
        let p_eqtl = chisq1_tail(c.zd * c.zd);
        if self.target.is_none() && p_eqtl > self.cfg.peqtl_smr {
            return Ok(ProbeOutcome::NotSignificant);
        }
        let (by, sy) = (s.gwas_b[c.k()], s.gwas_se[c.k()]);
        let smr = smr_test(by, sy, c.bx, c.sx);
        let heidi = match self.geno {
            Some(geno) if smr.p <= self.cfg.psmr => {
                let heidi_snp = |x: &CisSnp, z: f64| HeidiSnp {
                    k: x.k(),
                    by: s.gwas_b[x.k()],
                    sy: s.gwas_se[x.k()],
                    bx: x.bx,
                    z,
                };
                let z = |x: &CisSnp| if self.target.is_some() { x.zf() } else { x.zd };
                Some(match self.cfg.heidi_method {
                    HeidiMethod::New => {
                        // Method 1 looks only at the SNPs passing the threshold (and the
                        // target): hand it just those, in cis order, the target's position
                        // renumbered (data-spec/algorithm.md §heidi step 1).
                        let mut hs = Vec::new();
                        let mut target = None;
                        for (i, x) in cis.iter().enumerate() {
                            let zi = z(x);
                            let is_target = self.target.is_some() && i == top;
                            if zi * zi - self.heidi.threshold > 1e-6 || is_target {
                                if is_target {
                                    target = Some(hs.len());
                                }
                                hs.push(heidi_snp(x, zi));
                            }
                        }
                        heidi_new(&hs, geno, &self.heidi, target)
                    }
                    HeidiMethod::Original => {
                        let hs: Vec<HeidiSnp> = cis.iter().map(|x| heidi_snp(x, z(x))).collect();
                        heidi_original(&hs, geno, &self.heidi, top)
                    }
                })
            }
            _ => None,
        };
        Ok(ProbeOutcome::Tested(ProbeResult {
            top: c.k(),
            bx: c.bx,
            sx: c.sx,
            p_eqtl,
            smr,
            heidi,
        }))
    }
}

/// Apply `--extract-*` (keep only listed IDs) then `--exclude-*` (drop listed IDs) to the
/// rows in `keep`, in order (data-spec/algorithm.md §filters, data-spec/lists.md).
fn apply_id_lists<'a, T: Copy>(
    mut keep: Vec<T>,
    id: impl Fn(T) -> &'a str,
    lists: &IdLists,
) -> Vec<T> {
    for (set, keep_listed) in [(&lists.extract, true), (&lists.exclude, false)] {
        if let Some(set) = set {
            keep.retain(|&i| set.contains(id(i)) == keep_listed);
        }
    }
    keep
}

/// An `--extract-*` and an `--exclude-*` list, each read once.
#[derive(Debug, Default)]
pub struct IdLists {
    extract: Option<HashSet<String>>,
    exclude: Option<HashSet<String>>,
}

impl IdLists {
    /// Read the lists named (either may be absent).
    pub fn read(extract: Option<&Path>, exclude: Option<&Path>) -> Result<Self> {
        let read = |p: Option<&Path>| -> Result<Option<HashSet<String>>> {
            p.map(|p| Ok(read_id_list(p)?.into_iter().collect()))
                .transpose()
        };
        Ok(IdLists {
            extract: read(extract)?,
            exclude: read(exclude)?,
        })
    }

    /// `--extract-snp` / `--exclude-snp`, which filter both the `.esi` and the `.bim`.
    pub fn snps(cfg: &Config) -> Result<Self> {
        Self::read(cfg.extract_snp.as_deref(), cfg.exclude_snp.as_deref())
    }
}

/// Which `.esi` SNPs survive `--snp-chr`/`--chr`, `--extract-snp` and `--exclude-snp`.
fn esi_filter(cfg: &Config, esi: &EsiTable, snp_lists: &IdLists) -> Vec<u32> {
    // Row counts fit in 32 bits: every ID takes at least one byte of a table's 4 GiB of text
    // (data-spec/memory.md §1).
    let keep: Vec<u32> = (0..esi.len() as u32)
        .filter(|&i| cfg.snp_chr.is_none_or(|c| esi.chr(i as usize) == c))
        .collect();
    apply_id_lists(keep, |i| esi.snp(i as usize), snp_lists)
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
    pub esi: EsiTable,
    /// `.esi` rows kept by the SNP filters.
    pub esi_keep: Vec<u32>,
    /// `.epi` rows.
    pub epi: Vec<EpiRecord>,
    /// `.epi` rows kept by the probe filters, in `.epi` order.
    pub probes: Vec<usize>,
    /// The BESD values.
    pub besd: BesdFile,
    /// Where they came from.
    pub source: EqtlSource,
    /// Report rows from reading the eQTL side (`--eqtlgen-freq` mismatches).
    pub report: HarmoniseReport,
}

/// Read the eQTL data and apply the SNP and probe filters (data-spec/algorithm.md §filters).
/// A plain `.besd` is memory-mapped; a gzipped one or an archive member is streamed keeping
/// only the kept probes and SNPs (data-spec/eqtlgen-tarball.md §3).
pub fn load_eqtl(cfg: &Config, snp_lists: &IdLists, log: &mut RunLog) -> Result<EqtlData> {
    log.info(format!(
        "Reading eQTL SNP and probe information from {}",
        cfg.besd.prefix.display()
    ));
    let (source, mut esi, epi, renamed) = EqtlSource::open_tables(&cfg.besd.prefix)?;
    log.info(format!("  eQTL data: {}", source.describe()));
    for (path, rows) in &renamed {
        log.flagged(path, rows);
    }
    let mut report = HarmoniseReport::default();
    if let Some(path) = &cfg.eqtlgen_freq {
        log.info(format!(
            "Reading eQTLGen allele frequencies from {} (mode {})",
            path.display(),
            match cfg.eqtlgen_freq_mode {
                FreqMode::Fill => "fill: used only where the .esi frequency is missing",
                FreqMode::Replace => "replace: used for every SNP whose alleles match",
            }
        ));
        let a = apply_to_esi(path, &mut esi, cfg.eqtlgen_freq_mode, &mut report)?;
        log.info(format!(
            "  {} rows: {} not in the eQTL data; {} with AlleleB = eQTL A1, {} with AlleleA = \
             eQTL A1 (frequency turned into 1 - f); {} allele mismatches (not used, listed in \
             the harmonisation report); {} without a usable frequency",
            a.rows, a.not_in_eqtl, a.b_is_a1, a.a_is_a1, a.mismatched, a.freq_missing
        ));
        log.info(format!(
            "  {} .esi frequencies filled, {} replaced; where both exist {} agree to the file's \
             precision and {} do not (largest difference {:.6})",
            a.filled, a.replaced, a.agree, a.disagree, a.max_difference
        ));
    }
    let esi_keep = esi_filter(cfg, &esi, snp_lists);
    log.info(format!(
        "  {} SNPs read, {} kept after SNP filters",
        esi.len(),
        esi_keep.len()
    ));
    let probes: Vec<usize> = (0..epi.len())
        .filter(|&p| cfg.probe_chr.is_none_or(|c| epi[p].chr == c))
        .collect();
    let probe_lists = IdLists::read(cfg.extract_probe.as_deref(), cfg.exclude_probe.as_deref())?;
    let probes = apply_id_lists(probes, |p| epi[p].probe.as_str(), &probe_lists);
    log.info(format!(
        "  {} probes read, {} kept after probe filters",
        epi.len(),
        probes.len()
    ));
    let mut snp_mask = vec![false; esi.len()];
    for &i in &esi_keep {
        snp_mask[i as usize] = true;
    }
    let mut probe_mask = vec![false; epi.len()];
    for &p in &probes {
        probe_mask[p] = true;
    }
    let keep = Keep {
        probes: &probe_mask,
        snps: &snp_mask,
    };
    log.info(format!(
        "Opening eQTL summary data {}",
        source.label(crate::io::eqtl_source::Part::Besd).display()
    ));
    let besd = source.open_besd(esi.len(), epi.len(), keep)?;
    match besd.n_entries_in_memory() {
        Some(n) => log.info(format!(
            "  layout {:?}; streamed, {n} (SNP, probe) entries of the kept probes and SNPs held in memory",
            besd.layout()
        )),
        None => log.info(format!("  layout {:?} (memory-mapped)", besd.layout())),
    }
    Ok(EqtlData {
        esi,
        esi_keep,
        epi,
        probes,
        besd,
        source,
        report,
    })
}

/// `--make-besd`: convert the eQTL input into a plain BESD at `<out>.{besd,esi,epi}`
/// (data-spec/eqtlgen-tarball.md §4).
pub fn make_besd(cfg: &Config, log: &mut RunLog) -> Result<()> {
    log.info(format!(
        "Converting {} into a plain BESD {}.{{besd,esi,epi}}",
        cfg.besd.prefix.display(),
        cfg.out.display()
    ));
    let c = crate::io::eqtl_source::convert_to_plain(&cfg.besd.prefix, &cfg.out)?;
    log.info(format!("  from {}", c.source.describe()));
    log.info(format!(
        "  {} SNPs, {} probes, layout {:?}, {} bytes of .besd; saved in {}",
        c.n_snps,
        c.n_probes,
        c.layout,
        c.besd_bytes,
        out_path(&cfg.out, "besd").display()
    ));
    Ok(())
}

/// The LD reference, read once per run: individuals kept, SNPs kept, and the packed genotypes.
pub struct Reference {
    /// `.fam` rows kept by `--keep`/`--remove`, in `.fam` order.
    pub keep: Vec<usize>,
    /// Sex code of each kept individual.
    pub sexes: Vec<i32>,
    /// `.bim` rows.
    pub bim: BimTable,
    /// `.bim` rows kept by `--extract-snp`/`--exclude-snp`.
    pub bim_keep: Vec<u32>,
    /// The genotypes.
    pub bed: BedFile,
    /// Allele counts of every `.bed` SNP over the kept individuals.
    pub counts: AlleleCounts,
    /// SNP-ID index of the reference joined with the eQTL SNPs, set by [`index_reference`]
    /// (matching falls back to [`crate::harmonise::match_three_way`] without it).
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
pub fn load_reference(
    cfg: &Config,
    snp_lists: &IdLists,
    log: &mut RunLog,
) -> Result<Option<Reference>> {
    let Some(bf) = &cfg.bfile else {
        log.info("HEIDI is off: the LD reference is not used");
        return Ok(None);
    };
    log.info(format!("Reading PLINK FAM file from {}", bf.fam.display()));
    let fam = read_fam(&bf.fam)?;
    if fam.is_empty() {
        return Err(Error::format(
            &bf.fam,
            "no individuals: expected one line per individual (FID IID father mother sex \
             phenotype)",
        ));
    }
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
    let (bim, renamed) = read_bim_flagged(&bf.bim)?;
    log.flagged(&bf.bim, &renamed);
    // 32-bit row numbers, as for the `.esi` (data-spec/memory.md §1).
    let bim_keep: Vec<u32> = (0..bim.len() as u32).collect();
    let bim_keep = apply_id_lists(bim_keep, |i| bim.snp(i as usize), snp_lists);
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
    // --extract-snp / --exclude-snp filter both sides: read them once.
    let snp_lists = IdLists::snps(cfg)?;
    let eqtl = load_eqtl(cfg, &snp_lists, log)?;
    let mut reference = load_reference(cfg, &snp_lists, log)?;
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
        // Each trait's outputs are one set: a failed trait leaves only what explains it.
        let set = OutputSet::begin();
        let r = run_trait(
            cfg,
            eqtl,
            reference,
            &t.path,
            &trait_out(&cfg.out, &t.name),
            log,
        );
        let r = match r {
            Ok(s) => set.commit().map(|()| s),
            Err(e) => {
                let _ = set.commit_kept();
                Err(e)
            }
        };
        match &r {
            Ok(_) => log.info(format!(
                "trait {} done in {:.2} s",
                t.name,
                started.elapsed().as_secs_f64()
            )),
            Err(e) => log.info(format!("trait {} FAILED: {e}", t.name)),
        }
        out.push((t.name.clone(), r));
        release_free_heap();
    }
    out
}

/// Give the allocator's free memory back to the OS between the traits of a batch: the
/// megabyte-sized chunk tables of a trait's parse are freed into per-thread heaps, where they
/// would stay resident under the next trait's peak (glibc only; elsewhere a no-op).
fn release_free_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` only returns free heap pages to the OS; it takes no pointer and
    // may be called at any time from any thread.
    unsafe {
        libc::malloc_trim(0);
    }
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
    log.info(format!(
        "Reading GWAS summary data from {}",
        gwas_path.display()
    ));
    let read = read_gwas(gwas_path, cfg.gwas_columns.as_ref())?;
    let mut gwas: GwasData = read.data;
    log.info(format!("  layout: {}", read.layout.name()));
    if read.layout == GwasLayout::Ma {
        log.info(format!(
            "  {} SNPs read; {} with frequency NA; {} rows flagged (kept out of the tests)",
            gwas.records.len(),
            gwas.n_freq_na,
            gwas.flagged.len()
        ));
    } else {
        log.info(format!(
            "  {} SNPs read; {} with frequency NA; {} rows skipped for unusable values (listed \
             in the harmonisation report)",
            gwas.records.len(),
            gwas.n_freq_na,
            gwas.skipped.len()
        ));
    }
    if !read.has_freq {
        log.info(
            "  the GWAS file has no frequency column: GWAS frequencies are missing, so the \
             frequency check compares the LD reference with the eQTL frequencies (.esi, or \
             --eqtlgen-freq) only",
        );
    }
    let mut report = HarmoniseReport::default();
    report.extend(&eqtl.report);
    for f in &gwas.flagged {
        if f.reason.starts_with("duplicate SNP ID") {
            report.push(
                &f.id,
                "gwas",
                "renamed",
                "duplicate ID",
                format!("line {}: {}", f.line, f.reason),
            );
        } else {
            report.push(
                &f.id,
                "gwas",
                "dropped",
                "bad value",
                format!(
                    "line {}: {} (kept for the reference's counts, never tested)",
                    f.line, f.reason
                ),
            );
        }
    }
    for f in &gwas.skipped {
        report.push(
            &f.id,
            "gwas",
            "dropped",
            "bad value",
            format!("line {}: {}", f.line, f.reason),
        );
    }
    let opts = MatchOptions {
        strand_flip: cfg.strand_flip,
    };
    if cfg.match_by_chrpos {
        if !read.has_chrpos {
            return Err(Error::Config(format!(
                "--match-by chrpos needs chromosome and position columns, and {} has none \
                 (name them with --gwas-columns chr=..,bp=..)",
                gwas_path.display()
            )));
        }
        let renamed = rename_by_chrpos(&mut gwas.records, esi, &eqtl.esi_keep, &opts, gwas_path)?;
        log.info(format!(
            "  --match-by chrpos: {} GWAS SNPs took the ID of the eQTL SNP at the same position \
             with matching alleles",
            renamed.len()
        ));
        for (old, new) in renamed {
            report.push(
                &new,
                "gwas",
                "renamed",
                "matched by chr:pos",
                format!("GWAS ID {old}"),
            );
        }
    }
    if cfg.strand_flip {
        log.info(
            "  --strand-flip: complementary GWAS alleles accepted; A/T and C/G SNPs aligned by \
             frequency or dropped as strand-ambiguous",
        );
    }
    // Where each GWAS row's ID is, from the per-run index (one lookup per row).
    let mut located = reference.and_then(|r| {
        r.index
            .as_ref()
            .map(|ix| (ix, ix.locate(&gwas.records, esi, &r.bim, &r.bim_keep)))
    });
    match &located {
        Some((_, loc)) => report_not_found_located(&mut report, &gwas, loc),
        None => report_not_found(&mut report, &gwas, esi, &eqtl.esi_keep, reference),
    }
    log.flagged(gwas_path, &gwas.flagged);

    // Matching (three-way with a reference, two-way without).
    let matched: MatchResult = match reference {
        Some(r) => {
            let m = match located.take() {
                Some((ix, loc)) => {
                    ix.match_located(&loc, &gwas.records, esi, &r.bim, &r.bim_keep, &opts)
                }
                None => match_three_way_with(
                    &gwas.records,
                    esi,
                    &eqtl.esi_keep,
                    &r.bim,
                    &r.bim_keep,
                    &opts,
                ),
            };
            log_match(log, &m);
            if m.snps.is_empty() {
                // Which error: checked only when nothing matched (a 9 M-entry set otherwise).
                let gwas_ids: rustc_hash::FxHashSet<&str> = (0..gwas.records.len())
                    .map(|g| gwas.records.snp(g))
                    .collect();
                if !r
                    .bim_keep
                    .iter()
                    .any(|&i| gwas_ids.contains(r.bim.snp(i as usize)))
                {
                    return Err(Error::Analysis(format!(
                        "no SNP in common between the GWAS data ({}) and the LD reference",
                        gwas_path.display()
                    )));
                }
            }
            m
        }
        None => {
            let m = match_two_way_with(&gwas.records, esi, &eqtl.esi_keep, &opts);
            log_match(log, &m);
            m
        }
    };
    drop(located);
    // From here on only the GWAS values are needed: the IDs and alleles are freed before the
    // per-SNP genotype columns are built (data-spec/memory.md §3).
    let gwas = GwasAfterMatch::new(std::mem::take(&mut gwas.records), &matched);
    let mut matched = matched;
    if matched.snps.is_empty() {
        write_report(&mut report, &gwas, esi, reference, &matched, out, log)?;
        return Err(Error::Analysis(
            if reference.is_some() {
                "no SNP is common to the GWAS data, the eQTL data and the LD reference with \
                 consistent alleles"
            } else {
                "no SNP is common to the GWAS data and the eQTL data with consistent alleles"
            }
            .into(),
        ));
    }
    let mut geno: Option<Genotypes> = reference.map(|r| {
        let cols = matched
            .snps
            .iter()
            .map(|s| (s.bim as usize, s.bim_swapped, esi.chr(s.esi as usize)))
            .collect();
        Genotypes::with_counts(&r.bed, &r.keep, &r.sexes, cols, &r.counts)
    });

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
                let id = esi.snp(matched.snps[k].esi as usize);
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
        let (failed, checked) = freq_check(cfg, out, log, esi, &gwas, &mut matched, geno.as_mut());
        for f in &failed {
            report.push(
                &f.snp,
                "gwas",
                "dropped",
                "frequency difference",
                f.detail.clone(),
            );
        }
        if let Err(e) = checked {
            write_report(&mut report, &gwas, esi, reference, &matched, out, log)?;
            return Err(e);
        }
    }
    // The report file is written on its own thread while the probes are tested: most of it
    // is the flipped rows (millions at genome scale), and writing them waits on the disk.
    let job = prepare_report(&mut report, esi, reference, &gwas, &matched, out, log);
    std::thread::scope(|sc| {
        let writer = sc.spawn(|| job.write(esi));
        let tested = test_probes(
            cfg, eqtl, reference, gwas_path, out, log, gwas, matched, geno,
        );
        let written = writer.join().unwrap_or_else(|_| {
            Err(Error::Analysis(
                "the harmonisation report writer stopped unexpectedly".into(),
            ))
        });
        let summary = tested?;
        written?;
        Ok(summary)
    })
}

/// The second half of [`run_trait`]: build the compact SNP table, test every probe, write
/// `<out>.smr`.
#[allow(clippy::too_many_arguments)]
fn test_probes(
    cfg: &Config,
    eqtl: &EqtlData,
    reference: Option<&Reference>,
    gwas_path: &Path,
    out: &Path,
    log: &mut RunLog,
    gwas: GwasAfterMatch,
    matched: MatchResult,
    geno: Option<Genotypes>,
) -> Result<RunSummary> {
    let esi = &eqtl.esi;
    let epi = &eqtl.epi;
    // Compact SNP table (data-spec/memory.md §3): each GWAS value column is freed once its
    // values are copied in analysis order.
    let ms = &matched.snps;
    let gwas_usable = ms
        .par_iter()
        .map(|s| gwas.usable[s.gwas as usize])
        .collect();
    let values = gwas.values;
    drop(values.freq);
    // Each column as `align_gwas` gives it (b negated when swapped), NaN where NA.
    let nan = f64::NAN;
    let column = |v: Vec<f64>, negate: bool| -> Vec<f64> {
        ms.par_iter()
            .map(|s| match unpack_opt(v[s.gwas as usize]) {
                Some(x) if negate && s.gwas_swapped => -x,
                Some(x) => x,
                None => nan,
            })
            .collect()
    };
    let gwas_b = column(values.b, true);
    let gwas_se = column(values.se, false);
    let gwas_p = column(values.p, false);
    let mut from_esi = vec![u32::MAX; esi.len()];
    for (k, s) in ms.iter().enumerate() {
        from_esi[s.esi as usize] = k as u32;
    }
    let snps = SnpTable {
        esi: ms.par_iter().map(|s| s.esi).collect(),
        chr: ms.par_iter().map(|s| esi.chr(s.esi as usize)).collect(),
        bp: ms.par_iter().map(|s| esi.bp(s.esi as usize)).collect(),
        gwas_b,
        gwas_se,
        gwas_p,
        gwas_usable,
        from_esi,
    };
    drop(matched);

    let target = match &cfg.target_snp {
        Some(rs) => {
            match (0..snps.esi.len()).find(|&k| esi.snp(snps.esi[k] as usize) == rs.as_str()) {
                Some(k) => Some(k),
                None => {
                    return Err(Error::Analysis(format!(
                        "--target-snp {rs} is not among the SNPs common to all inputs"
                    )))
                }
            }
        }
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
        unusable_entries: AtomicUsize::new(0),
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
                // (and BESD pages mapped around faults) now and then, so that the resident
                // set stays bounded.
                if done.fetch_add(1, Ordering::Relaxed) % BED_RELEASE_EVERY == 0 {
                    if let Some(rf) = reference {
                        rf.bed.release(0, rf.bed.n_snps());
                    }
                    eqtl.besd.release_all();
                }
                r
            })
            .collect::<Result<Vec<_>>>()
    });
    progress.finish();
    // Nothing of the mapped files stays resident into the output or the next trait.
    if let Some(rf) = reference {
        rf.bed.release(0, rf.bed.n_snps());
    }
    eqtl.besd.release_all();
    let outcomes = outcomes?;
    let unusable = analysis.unusable_entries.load(Ordering::Relaxed);
    if unusable > 0 {
        log.info(format!(
            "  warning: {}: {unusable} stored eQTL values skipped (se <= 0, or beta or se not finite)",
            eqtl.besd.path().display()
        ));
    }

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
        let e = esi.row(snps.esi[r.top] as usize);
        let freq = match &geno {
            Some(geno) => geno.mean(r.top) / 2.0,
            None => e.freq.map_or(-9.0, f64::from),
        };
        let row = SmrRow {
            probe: &epi[p].probe,
            probe_chr: epi[p].chr,
            gene: &epi[p].gene,
            probe_bp: epi[p].bp,
            snp: e.snp,
            snp_chr: e.chr,
            snp_bp: e.bp,
            a1: e.a1,
            a2: e.a2,
            freq,
            b_gwas: snps.gwas_b[r.top],
            se_gwas: snps.gwas_se[r.top],
            p_gwas: snps.gwas_p[r.top],
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
    esi: &EsiTable,
    gwas: &GwasAfterMatch,
    matched: &mut MatchResult,
    geno: Option<&mut Genotypes>,
) -> (Vec<FreqFailure>, Result<()>) {
    let mut failures: Vec<FreqFailure> = Vec::new();
    let result = freq_check_inner(cfg, out, log, esi, gwas, matched, geno, &mut failures);
    (failures, result)
}

#[allow(clippy::too_many_arguments)]
fn freq_check_inner(
    cfg: &Config,
    out: &Path,
    log: &mut RunLog,
    esi: &EsiTable,
    gwas: &GwasAfterMatch,
    matched: &mut MatchResult,
    geno: Option<&mut Genotypes>,
    failures: &mut Vec<FreqFailure>,
) -> Result<()> {
    let with_ref = geno.is_some();
    // Triples are recomputed where needed rather than held for every SNP.
    let triple = |k: usize| {
        let s = &matched.snps[k];
        FreqTriple {
            reference: geno.as_ref().map(|g| g.mean(k) / 2.0),
            // `align_gwas(..).freq`, without the rest of the alignment.
            gwas: match unpack_opt(gwas.values.freq[s.gwas as usize]) {
                Some(f) if s.gwas_swapped && f > 0.0 => Some(1.0 - f),
                f => f,
            },
            eqtl: esi.freq(s.esi as usize).map(f64::from),
        }
    };
    let fails: Vec<bool> = (0..matched.snps.len())
        .into_par_iter()
        .map(|k| triple(k).fails(cfg.diff_freq))
        .collect();
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
        let e = esi.row(s.esi as usize);
        let t = &triple(k);
        text.push_str(e.snp);
        text.push('\t');
        text.push_str(e.a1);
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
        let show = |v: Option<f64>| v.map_or("NA".to_string(), |x| format!("{x:.4}"));
        failures.push(FreqFailure {
            snp: e.snp.to_string(),
            detail: format!(
                "frequency of {}: reference {}, GWAS {}, eQTL {}",
                e.a1,
                show(t.reference),
                show(t.gwas.filter(|&g| g > 0.0)),
                show(t.eqtl.filter(|&g| g > 0.0))
            ),
        });
    }
    // Kept when the run then stops: it is what explains the stop.
    write_atomic_kept(&out_path(out, "snp_failed_freq_ck.list"), text.as_bytes())?;
    let n = matched.snps.len();
    let failed = worst.len();
    // No SNP to check (e.g. --maf 0.5 removed them all): 0%, not NaN.
    let prop = if n == 0 {
        0.0
    } else {
        failed as f64 / n as f64
    };
    log.info(format!(
        "  {failed} SNPs ({:.2}% of {n}) with allele frequency differences > {:.2} between data \
         sets; listed in {}",
        prop * 100.0,
        cfg.diff_freq,
        out_path(out, "snp_failed_freq_ck.list").display()
    ));
    if n == 0 {
        return Err(Error::Analysis(
            "no SNP is left to test: the filters above (e.g. --maf) removed every matched SNP"
                .into(),
        ));
    }
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
            .map(|&(d, k)| {
                let t = &triple(k);
                let show = |v: Option<f64>| v.map_or("NA".to_string(), |x| format!("{x:.3}"));
                format!(
                    "{} (difference {d:.3}; reference {}, GWAS {}, eQTL {})",
                    esi.snp(matched.snps[k].esi as usize),
                    show(t.reference),
                    show(t.gwas),
                    show(t.eqtl)
                )
            })
            .collect();
        let failing: Vec<FreqTriple> = worst.iter().map(|&(_, k)| triple(k)).collect();
        let ks: Vec<usize> = (0..failing.len()).collect();
        let (cause, n_cause) = likely_cause(&failing, &ks, cfg.diff_freq);
        return Err(Error::Analysis(format!(
            "the analysis stopped because more than {:.2}% of the SNPs were removed by the allele \
             frequency difference check ({failed} of {n}, {:.2}%). You can change the proportion \
             threshold by the flag --diff-freq-prop. Most common cause ({n_cause} of the {failed} \
             failing SNPs): {cause}. The five worst: {}. Every failing SNP is listed in {}.",
            cfg.diff_freq_prop * 100.0,
            prop * 100.0,
            examples.join(", "),
            out_path(out, "snp_failed_freq_ck.list").display()
        )));
    }
    let keep: Vec<bool> = fails.iter().map(|f| !f).collect();
    for (k, s) in matched.snps.iter().enumerate() {
        if fails[k] {
            let id = esi.snp(s.esi as usize);
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

/// One SNP that failed the frequency check, for the harmonisation report.
struct FreqFailure {
    snp: String,
    detail: String,
}

/// The most common explanation among failing SNPs `ks` (data-spec/harmonise-report.md §4):
/// the GWAS frequency describes the other allele (1 − f would pass), the GWAS frequency
/// alone disagrees, or the eQTL frequency disagrees with the LD reference.
fn likely_cause(triples: &[FreqTriple], ks: &[usize], d: f64) -> (&'static str, usize) {
    let mut counts = [0usize; 4];
    for &k in ks {
        let t = &triples[k];
        let flipped = FreqTriple {
            gwas: t.gwas.filter(|&g| g > 0.0).map(|g| 1.0 - g),
            ..*t
        };
        let no_gwas = FreqTriple { gwas: None, ..*t };
        let no_eqtl = FreqTriple { eqtl: None, ..*t };
        let i = if t.gwas.is_some_and(|g| g > 0.0) && !flipped.fails(d) {
            0
        } else if !no_gwas.fails(d) {
            1
        } else if !no_eqtl.fails(d) {
            2
        } else {
            3
        };
        counts[i] += 1;
    }
    const CAUSES: [&str; 4] = [
        "the GWAS frequency column describes the other allele (1 - f agrees with the other data)",
        "the GWAS frequencies disagree with the eQTL and LD-reference ones (another population, \
         or a wrong column)",
        "the eQTL (.esi) frequencies disagree with the GWAS and LD reference (check \
         --eqtlgen-freq orientation or the .esi)",
        "every data set disagrees (alleles or populations differ)",
    ];
    let (i, &n) = counts
        .iter()
        .enumerate()
        .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
        .unwrap_or((3, &0));
    (CAUSES[i], n)
}

/// Report GWAS SNPs that are absent from the (filtered) eQTL SNPs or from the LD reference.
/// Rows already reported as unusable are not repeated.
fn report_not_found(
    report: &mut HarmoniseReport,
    gwas: &GwasData,
    esi: &EsiTable,
    esi_keep: &[u32],
    reference: Option<&Reference>,
) {
    let in_eqtl: HashSet<&str> = esi_keep.iter().map(|&i| esi.snp(i as usize)).collect();
    let in_ref: Option<HashSet<&str>> =
        reference.map(|r| r.bim_keep.iter().map(|&i| r.bim.snp(i as usize)).collect());
    for g in gwas.records.rows() {
        if !g.usable() {
            continue;
        }
        if !in_eqtl.contains(g.snp) {
            report.push(g.snp, "gwas", "dropped", "not in eQTL data", "");
        } else if in_ref.as_ref().is_some_and(|s| !s.contains(g.snp)) {
            report.push(g.snp, "gwas", "dropped", "not in reference", "");
        }
    }
}

/// [`report_not_found`] with the GWAS rows located by [`MatchIndex::locate`].
fn report_not_found_located(
    report: &mut HarmoniseReport,
    gwas: &GwasData,
    loc: &crate::harmonise::Located,
) {
    // 0: found everywhere or unusable, 1: not in eQTL data, 2: not in reference.
    let what: Vec<u8> = (0..loc.len())
        .into_par_iter()
        .map(|g| {
            let (in_eqtl, in_ref) = (loc.in_eqtl(g), loc.in_ref(g));
            if (in_eqtl && in_ref) || !gwas.records.row(g).usable() {
                0
            } else if !in_eqtl {
                1
            } else {
                2
            }
        })
        .collect();
    for (g, w) in what.into_iter().enumerate() {
        let id = || gwas.records.snp(g);
        match w {
            1 => report.push(id(), "gwas", "dropped", "not in eQTL data", ""),
            2 => report.push(id(), "gwas", "dropped", "not in reference", ""),
            _ => {}
        }
    }
}

/// Append the report row (TSV) of a matched SNP whose GWAS alleles were swapped or
/// complemented.
fn push_flipped_row(text: &mut String, s: &FlippedSnp, esi: &EsiTable) {
    use crate::report::push_tsv_field;
    // The SNP's ID is the same in every source (matched by ID); the GWAS alleles as written
    // follow from the eQTL's and the alignment.
    let e = esi.row(s.esi as usize);
    let (g1, g2) = gwas_alleles_as_written(e.a1, e.a2, s.swapped, s.strand).unwrap_or(("?", "?"));
    let (reason, what) = if s.strand {
        (
            "strand complement",
            if s.swapped {
                "complemented and swapped: b negated, freq 1 - f"
            } else {
                "complemented"
            },
        )
    } else {
        ("alleles swapped", "b negated, freq 1 - f")
    };
    push_tsv_field(text, e.snp);
    text.push_str("\tgwas\tflipped\t");
    text.push_str(reason);
    text.push('\t');
    // The detail "GWAS A1/A2 {}/{} vs eQTL {}/{}: {what}", without a temporary string.
    let start = text.len();
    for part in [
        "GWAS A1/A2 ",
        g1,
        "/",
        g2,
        " vs eQTL ",
        e.a1,
        "/",
        e.a2,
        ": ",
        what,
    ] {
        text.push_str(part);
    }
    if text[start..].contains(['\t', '\n', '\r']) {
        let detail = text.split_off(start);
        push_tsv_field(text, &detail);
    }
    text.push('\n');
}

/// Index of the first row `i < n` whose ID `id(i)` is in `needed`, per such ID (scanned in
/// parallel; nothing is scanned when `needed` is empty).
fn first_rows<'a>(
    needed: &rustc_hash::FxHashSet<&str>,
    n: usize,
    id: impl Fn(usize) -> &'a str + Sync,
) -> rustc_hash::FxHashMap<&'a str, usize> {
    let mut m = rustc_hash::FxHashMap::default();
    if needed.is_empty() {
        return m;
    }
    let hits: Vec<(&str, usize)> = (0..n)
        .into_par_iter()
        .filter_map(|i| {
            let s = id(i);
            needed.contains(s).then_some((s, i))
        })
        .collect();
    for (s, i) in hits {
        m.entry(s).or_insert(i);
    }
    m
}

/// What a trait's run needs from its GWAS table once matching is done (data-spec/memory.md
/// §3): the value columns, which rows can be tested, and the written alleles of the SNPs
/// dropped for their GWAS alleles (for the report). IDs and alleles are freed.
struct GwasAfterMatch {
    values: crate::io::gwas::GwasValues,
    usable: Vec<bool>,
    alleles: rustc_hash::FxHashMap<String, String>,
}

impl GwasAfterMatch {
    fn new(records: crate::io::gwas::GwasTable, matched: &MatchResult) -> Self {
        let needed: rustc_hash::FxHashSet<&str> = matched
            .dropped
            .iter()
            .filter(|(r, _)| {
                matches!(
                    r,
                    DropReason::AlleleMismatchGwas | DropReason::StrandAmbiguous
                )
            })
            .map(|(_, id)| id.as_str())
            .collect();
        let alleles = first_rows(&needed, records.len(), |i| records.snp(i))
            .into_iter()
            .map(|(id, i)| {
                let g = records.row(i);
                (id.to_string(), format!("{}/{}", g.a1, g.a2))
            })
            .collect();
        let usable = (0..records.len())
            .into_par_iter()
            .map(|i| records.row(i).usable())
            .collect();
        GwasAfterMatch {
            values: records.into_values(),
            usable,
            alleles,
        }
    }
}

/// Add the matching outcomes to the report, write `<out>.harmonise.tsv` and log its summary.
fn write_report(
    report: &mut HarmoniseReport,
    gwas: &GwasAfterMatch,
    esi: &EsiTable,
    reference: Option<&Reference>,
    matched: &MatchResult,
    out: &Path,
    log: &mut RunLog,
) -> Result<()> {
    prepare_report(report, esi, reference, gwas, matched, out, log).write(esi)
}

/// A matched SNP whose GWAS alleles were swapped (`swapped`) or complemented (`strand`).
struct FlippedSnp {
    esi: u32,
    swapped: bool,
    strand: bool,
}

/// The harmonisation report of one trait, ready to be written (by [`ReportJob::write`]).
struct ReportJob {
    report: HarmoniseReport,
    /// Matched SNPs whose GWAS alleles were swapped or complemented, in analysis order.
    flipped: Vec<FlippedSnp>,
    path: std::path::PathBuf,
}

impl ReportJob {
    /// Write `<out>.harmonise.tsv`: the report's rows, then the flipped rows, streamed. Runs
    /// on the caller's thread only (no rayon: it may run beside the probe loop and must not
    /// add threads to the `--thread-num` pool's work).
    fn write(self, esi: &EsiTable) -> Result<()> {
        self.report.write_with(&self.path, |f| {
            let mut text = String::with_capacity(1 << 20);
            for s in &self.flipped {
                push_flipped_row(&mut text, s, esi);
                if text.len() >= 1 << 20 {
                    f.write_all(text.as_bytes())?;
                    text.clear();
                }
            }
            f.write_all(text.as_bytes())
        })
    }
}

/// Add the matching outcomes to `report`, log the report's summary, and return what writing
/// `<out>.harmonise.tsv` needs.
fn prepare_report(
    report: &mut HarmoniseReport,
    esi: &EsiTable,
    reference: Option<&Reference>,
    gwas: &GwasAfterMatch,
    matched: &MatchResult,
    out: &Path,
    log: &mut RunLog,
) -> ReportJob {
    // Rows of the dropped SNPs whose alleles the report shows (first occurrence of each ID);
    // only those IDs are looked up.
    let needed: rustc_hash::FxHashSet<&str> = matched
        .dropped
        .iter()
        .filter(|(r, _)| {
            matches!(
                r,
                DropReason::AlleleMismatchGwas
                    | DropReason::AlleleMismatchReference
                    | DropReason::StrandAmbiguous
            )
        })
        .map(|(_, id)| id.as_str())
        .collect();
    let esi_ix = first_rows(&needed, esi.len(), |i| esi.snp(i));
    let bim_ix = reference.map(|r| first_rows(&needed, r.bim.len(), |i| r.bim.snp(i)));
    let eqtl_alleles = |id: &str| {
        esi_ix.get(id).map_or(String::new(), |&i| {
            let e = esi.row(i);
            format!("{}/{}", e.a1, e.a2)
        })
    };
    let gwas_alleles = |id: &str| gwas.alleles.get(id).cloned().unwrap_or_default();
    for (reason, id) in &matched.dropped {
        match reason {
            DropReason::AlleleMismatchGwas => report.push(
                id,
                "gwas",
                "dropped",
                "allele mismatch",
                format!(
                    "GWAS A1/A2 {} vs eQTL {}",
                    gwas_alleles(id),
                    eqtl_alleles(id)
                ),
            ),
            DropReason::AlleleMismatchReference => {
                let r = match (reference, bim_ix.as_ref().and_then(|m| m.get(id.as_str()))) {
                    (Some(r), Some(&b)) => {
                        let row = r.bim.row(b);
                        format!("{}/{}", row.a1, row.a2)
                    }
                    _ => String::new(),
                };
                report.push(
                    id,
                    "reference",
                    "dropped",
                    "allele mismatch",
                    format!("reference A1/A2 {r} vs eQTL {}", eqtl_alleles(id)),
                )
            }
            DropReason::StrandAmbiguous => report.push(
                id,
                "gwas",
                "dropped",
                "strand-ambiguous",
                format!(
                    "GWAS A1/A2 {} vs eQTL {}: frequencies missing or within 0.5 +/- {}",
                    gwas_alleles(id),
                    eqtl_alleles(id),
                    crate::harmonise::PALINDROMIC_FREQ_MARGIN
                ),
            ),
            DropReason::Maf => report.push(
                id,
                "reference",
                "dropped",
                "MAF",
                "LD-reference MAF at or below --maf",
            ),
            // Reported elsewhere: GWAS SNPs not found, frequency failures with their values.
            DropReason::NotInEqtl
            | DropReason::NotInGwas
            | DropReason::NotInReference
            | DropReason::FreqDifference => {}
        }
    }
    // Rows of the matched SNPs whose GWAS alleles were swapped or complemented, written after
    // the others.
    let flipped: Vec<FlippedSnp> = matched
        .snps
        .par_iter()
        .filter(|s| s.gwas_swapped || s.gwas_strand_flipped)
        .map(|s| FlippedSnp {
            esi: s.esi,
            swapped: s.gwas_swapped,
            strand: s.gwas_strand_flipped,
        })
        .collect();
    let n_strand = flipped.iter().filter(|s| s.strand).count();
    let n_swapped = flipped.len() - n_strand;
    let path = out_path(out, "harmonise.tsv");
    let mut extra_counts = BTreeMap::new();
    for (reason, n) in [
        ("alleles swapped", n_swapped),
        ("strand complement", n_strand),
    ] {
        if n > 0 {
            extra_counts.insert(("gwas", "flipped", reason), n);
        }
    }
    log.info(format!(
        "Harmonisation report: {} rows in {}",
        report.rows.len() + n_swapped + n_strand,
        path.display()
    ));
    for line in report.summary_lines_with(&extra_counts) {
        log.info(line);
    }
    ReportJob {
        report: std::mem::take(report),
        flipped,
        path,
    }
}
