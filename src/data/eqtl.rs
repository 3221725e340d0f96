//! The eQTL dataset, read once per run: `.esi` and `.epi` tables with the SNP and probe
//! filters applied, and the BESD values (memory-mapped or streamed).

use super::lists::IdLists;
use crate::config::Config;
use crate::error::Result;
use crate::filters::{PairList, Tables};
use crate::harmonise::report::HarmoniseReport;
use crate::io::besd::stream::Keep;
use crate::io::besd::BesdFile;
use crate::io::epi::EpiRecord;
use crate::io::eqtl_source::{EqtlSource, Part, Spill};
use crate::io::esi::EsiTable;
use crate::io::freq::{apply_to_esi, FreqMode};
use crate::io::gwas_columns::GwasRead;
use crate::log::RunLog;

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
    /// The SNP-probe pairs of `--extract-target-snp-probe` / `--extract-snp-probe` (its
    /// probes are exactly [`EqtlData::probes`]), `None` without a pair list.
    pub pairs: Option<PairList>,
    /// The BESD values.
    pub besd: BesdFile,
    /// Where they came from.
    pub source: EqtlSource,
    /// Report rows from reading the eQTL side (`--eqtlgen-freq` mismatches).
    pub report: HarmoniseReport,
    /// A GWAS file read while the eQTL data were (see [`crate::data::load_both`]), with its
    /// path, until the trait's harmonisation takes it ([`EqtlData::take_prefetched`]).
    pub prefetched: std::sync::Mutex<Option<(std::path::PathBuf, Result<GwasRead>)>>,
}

/// Read the eQTL data and apply the SNP and probe filters (data-spec/algorithm.md §filters).
/// A plain `.besd` is memory-mapped; a gzipped one or an archive member is streamed keeping
/// only the kept probes and SNPs (data-spec/eqtlgen-tarball.md §3).
impl EqtlData {
    /// Read the eQTL data and apply the SNP and probe filters (see the module docs).
    pub fn load(cfg: &Config, _snp_lists: &IdLists, log: &mut RunLog) -> Result<EqtlData> {
        log.info(format!(
            "Reading eQTL SNP and probe information from {}",
            cfg.besd.prefix.display()
        ));
        // A `.besd` that cannot be memory-mapped where it is (an archive member, a gzipped
        // file) is decompressed into an unlinked temporary file beside the outputs and mapped
        // from there (data-spec/eqtlgen-tarball.md §3); an archive is then read once.
        let spill_dir = match cfg.out.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => std::path::PathBuf::from("."),
        };
        let (mut spill, spill_error) = match Spill::create(&spill_dir) {
            Ok(s) => (Some(s), None),
            Err(e) => (None, Some(e)),
        };
        let (source, mut esi, epi, renamed) =
            EqtlSource::open_tables_spilling(&cfg.besd.prefix, spill.as_mut())?;
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
        // The filters of data-spec/ranges.md (chromosomes, ID lists, ranges, pair lists).
        // `_snp_lists` (--extract-snp/--exclude-snp, read by the caller) are part of
        // `cfg.filters` here; the LD reference applies them to the .bim as well.
        let (esi_path, epi_path) = (source.label(Part::Esi), source.label(Part::Epi));
        let tables = Tables {
            esi: &esi,
            epi: &epi,
            esi_path: &esi_path,
            epi_path: &epi_path,
        };
        let sel = cfg.filters.resolve(&tables)?;
        for note in &sel.notes {
            log.info(format!("  {note}"));
        }
        log.info(format!(
            "  {} SNPs read, {} kept after SNP filters",
            esi.len(),
            sel.snps.len()
        ));
        log.info(format!(
            "  {} probes read, {} kept after probe filters",
            epi.len(),
            sel.probes.len()
        ));
        let snp_mask = sel.snp_mask(esi.len());
        let probe_mask = sel.probe_mask(epi.len());
        let (esi_keep, probes, pairs) = (sel.snps, sel.probes, sel.pairs);
        let keep = Keep {
            probes: &probe_mask,
            snps: &snp_mask,
        };
        log.info(format!(
            "Opening eQTL summary data {}",
            source.label(Part::Besd).display()
        ));
        let (besd, spilled) = source.open_besd_spilled(esi.len(), epi.len(), keep, spill)?;
        if let (Some(_), Some(e)) = (besd.n_entries_in_memory(), &spill_error) {
            log.info(format!(
                "  note: no temporary file in {} ({e}): the .besd is held in memory",
                spill_dir.display()
            ));
        }
        match (besd.n_entries_in_memory(), spilled) {
            (Some(n), _) => log.info(format!(
                "  layout {:?}; streamed, {n} (SNP, probe) entries of the kept probes and SNPs held in memory",
                besd.layout()
            )),
            (None, Some(bytes)) => log.info(format!(
                "  layout {:?}; decompressed into a temporary file in {} ({bytes} bytes, removed \
                 at exit), memory-mapped",
                besd.layout(),
                spill_dir.display()
            )),
            (None, None) => log.info(format!("  layout {:?} (memory-mapped)", besd.layout())),
        }
        Ok(EqtlData {
            esi,
            esi_keep,
            epi,
            probes,
            pairs,
            besd,
            source,
            report,
            prefetched: std::sync::Mutex::new(None),
        })
    }

    /// The GWAS file `path` as read ahead of its trait, once (then `None`): the same result
    /// [`crate::io::gwas_columns::read_gwas`] gives now, errors included.
    pub fn take_prefetched(&self, path: &std::path::Path) -> Option<Result<GwasRead>> {
        let mut slot = self.prefetched.lock().unwrap_or_else(|e| e.into_inner());
        match slot.take() {
            Some((p, read)) if p == path => Some(read),
            other => {
                *slot = other;
                None
            }
        }
    }
}
