//! The LD reference, read once per run and shared by every eQTL dataset and trait: the kept
//! individuals, the `.bim` with the SNP filters, the packed genotypes with their allele
//! counts, and the SNP-ID index joining it with the eQTL SNPs.

use super::eqtl::EqtlData;
use super::lists::{apply_id_lists, IdLists};
use crate::config::Config;
use crate::error::{Error, Result};
use crate::harmonise::MatchIndex;
use crate::io::eqtl_source::EqtlSource;
use crate::io::gwas_columns::read_gwas;
use crate::io::lists::read_individual_list;
use crate::io::plink::{read_bim_flagged, read_fam, BedFile, BimTable};
use crate::ld::AlleleCounts;
use crate::log::RunLog;
use std::collections::HashSet;
use std::path::Path;

/// The LD reference, read once per run: individuals kept, SNPs kept, and the packed genotypes.
pub struct LdReference {
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
    /// SNP-ID index of the reference joined with the eQTL SNPs, built once per run.
    pub index: MatchIndex,
}

/// The LD reference before it is joined with the eQTL SNPs: everything
/// [`LdReference::read_panel`] reads without the eQTL data.
pub struct Panel {
    keep: Vec<usize>,
    sexes: Vec<i32>,
    bim: BimTable,
    bim_keep: Vec<u32>,
    bed: BedFile,
    counts: AlleleCounts,
}

impl Panel {
    /// Join with `eqtl`'s kept SNPs (the SNP-ID index).
    pub fn finish(self, eqtl: &EqtlData, log: &mut RunLog) -> LdReference {
        let index = MatchIndex::new(&eqtl.esi, &eqtl.esi_keep, &self.bim, &self.bim_keep);
        log.info("  SNP-ID index of the LD reference and eQTL SNPs built");
        LdReference {
            keep: self.keep,
            sexes: self.sexes,
            bim: self.bim,
            bim_keep: self.bim_keep,
            bed: self.bed,
            counts: self.counts,
            index,
        }
    }
}

/// Read the eQTL data and the LD reference side by side (data-spec/memory.md §5): the
/// reference's `.fam`, `.bim` and allele counts need nothing from the eQTL side, so they are
/// read while the `.esi`/`.epi` (and an archive's `.besd`, and `--eqtlgen-freq`) are; then the
/// two are joined. The log has the eQTL side's lines first, then the reference's, as when they
/// are read one after the other; an error is the eQTL side's first.
///
/// With `first_gwas` (the GWAS file of the first trait to run) and an eQTL archive, whose
/// one gzip stream is inflated on one thread, that GWAS file is read on the other thread too
/// once the reference is done, and kept in [`EqtlData::prefetched`] for its trait: the same
/// result and messages, at the point of the run where it would have been read.
pub fn load_both(
    cfg: &Config,
    snp_lists: &IdLists,
    first_gwas: Option<&Path>,
    log: &mut RunLog,
) -> Result<(EqtlData, Option<LdReference>)> {
    let mut ref_log = log.deferred();
    let prefetch = first_gwas.filter(|_| EqtlSource::is_archive(&cfg.besd.prefix));
    let (eqtl, (panel, gwas)) = rayon::join(
        || EqtlData::load(cfg, snp_lists, log),
        || {
            let panel = LdReference::read_panel(cfg, snp_lists, &mut ref_log);
            let gwas = prefetch.map(|p| (p.to_path_buf(), read_gwas(p, cfg.gwas_columns.as_ref())));
            (panel, gwas)
        },
    );
    // The eQTL side's error first, without the reference's lines (as when read in order).
    let eqtl = eqtl?;
    log.append(ref_log);
    *eqtl.prefetched.lock().unwrap_or_else(|e| e.into_inner()) = gwas;
    let reference = panel?.map(|p| p.finish(&eqtl, log));
    Ok((eqtl, reference))
}

impl LdReference {
    /// Rebuild the SNP-ID index for another eQTL dataset of the run; the individuals, the
    /// `.bim`, the genotypes and their allele counts are kept (read once for all datasets).
    pub fn reindex(&mut self, eqtl: &EqtlData) {
        self.index = MatchIndex::new(&eqtl.esi, &eqtl.esi_keep, &self.bim, &self.bim_keep);
    }

    /// Read the LD reference (`None` with `--heidi-off`).
    /// The SNP-ID index joins the reference with `eqtl`'s kept SNPs.
    pub fn load(
        cfg: &Config,
        eqtl: &EqtlData,
        snp_lists: &IdLists,
        log: &mut RunLog,
    ) -> Result<Option<LdReference>> {
        Ok(Self::read_panel(cfg, snp_lists, log)?.map(|p| p.finish(eqtl, log)))
    }

    /// Read the LD reference without joining it with the eQTL SNPs (`None` with
    /// `--heidi-off`).
    pub fn read_panel(
        cfg: &Config,
        snp_lists: &IdLists,
        log: &mut RunLog,
    ) -> Result<Option<Panel>> {
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
        Ok(Some(Panel {
            keep,
            sexes,
            bim,
            bim_keep,
            bed,
            counts,
        }))
    }
}
