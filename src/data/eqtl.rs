//! The eQTL dataset, read once per run: `.esi` and `.epi` tables with the SNP and probe
//! filters applied, and the BESD values (memory-mapped or streamed).

use super::lists::{apply_id_lists, IdLists};
use crate::config::Config;
use crate::error::Result;
use crate::harmonise::report::HarmoniseReport;
use crate::io::besd::stream::Keep;
use crate::io::besd::BesdFile;
use crate::io::epi::EpiRecord;
use crate::io::eqtl_source::EqtlSource;
use crate::io::esi::EsiTable;
use crate::io::freq::{apply_to_esi, FreqMode};
use crate::log::RunLog;

/// Which `.esi` SNPs survive `--snp-chr`/`--chr`, `--extract-snp` and `--exclude-snp`.
fn esi_filter(cfg: &Config, esi: &EsiTable, snp_lists: &IdLists) -> Vec<u32> {
    // Row counts fit in 32 bits: every ID takes at least one byte of a table's 4 GiB of text
    // (data-spec/memory.md §1).
    let keep: Vec<u32> = (0..esi.len() as u32)
        .filter(|&i| cfg.snp_chr.is_none_or(|c| esi.chr(i as usize) == c))
        .collect();
    apply_id_lists(keep, |i| esi.snp(i as usize), snp_lists)
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
impl EqtlData {
    /// Read the eQTL data and apply the SNP and probe filters (see the module docs).
    pub fn load(cfg: &Config, snp_lists: &IdLists, log: &mut RunLog) -> Result<EqtlData> {
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
        let probe_lists =
            IdLists::read(cfg.extract_probe.as_deref(), cfg.exclude_probe.as_deref())?;
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
}
