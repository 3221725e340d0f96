//! Presets for published gene-selection protocols (`--protocol`, data-spec/genes-output.md §4).
//! Each sets defaults that explicit flags still override. Sources: ecosystem.md §1.

use super::mhc::Build;
use super::select::Correction;

/// A published protocol's settings.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Protocol {
    /// Name given to `--protocol`.
    pub name: &'static str,
    /// p_SMR correction.
    pub correction: Correction,
    /// Level of the correction.
    pub alpha: f64,
    /// HEIDI cut-off.
    pub p_heidi: f64,
    /// Whether HEIDI must be strictly above the cut-off.
    pub heidi_strict: bool,
    /// Collapse to the best probe per gene before correcting (genes are the denominator).
    pub collapse_gene: bool,
    /// Remove MHC probes before correcting.
    pub exclude_mhc: bool,
    /// Genome build the protocol assumes (for the MHC bounds).
    pub build: Option<Build>,
    /// Where the rule is published.
    pub source: &'static str,
}

/// Every preset.
pub const PROTOCOLS: [Protocol; 4] = [
    Protocol {
        name: "smr-portal",
        correction: Correction::Bonferroni,
        alpha: 0.05,
        p_heidi: 0.01,
        heidi_strict: true,
        collapse_gene: true,
        exclude_mhc: true,
        build: Some(Build::Hg38),
        source: "SMR-Portal (jianyanglab/SMR-Portal, SMR/analysis/post_SMR.py and its Tutorial): \
                 min p_SMR per gene, Bonferroni 0.05 / genes tested, p_HEIDI > 0.01, MHC removed, hg38",
    },
    Protocol {
        name: "mullins2021",
        correction: Correction::Bonferroni,
        alpha: 0.05,
        p_heidi: 0.0146,
        heidi_strict: false,
        collapse_gene: false,
        exclude_mhc: false,
        build: None,
        source: "Mullins et al. 2021, bipolar disorder GWAS (Nat Genet 53:817): Bonferroni over \
                 the transcripts tested (those with a cis-eQTL p < 5e-8, SMR's default), p_HEIDI >= 0.0146",
    },
    Protocol {
        name: "coga",
        correction: Correction::Bonferroni,
        alpha: 0.05,
        p_heidi: 0.05,
        heidi_strict: true,
        collapse_gene: false,
        exclude_mhc: false,
        build: None,
        source: "COGA alcohol-use and suicide papers: Bonferroni over probes tested, p_HEIDI > 0.05",
    },
    Protocol {
        name: "mdd-fdr",
        correction: Correction::Fdr,
        alpha: 0.05,
        p_heidi: 1.57e-3,
        heidi_strict: true,
        collapse_gene: false,
        exclude_mhc: false,
        build: None,
        source: "MDD x eQTLGen analysis scripts: BH-FDR 0.05, p_HEIDI > 1.57e-3",
    },
];

/// The preset named `name`.
pub fn find(name: &str) -> Option<&'static Protocol> {
    PROTOCOLS.iter().find(|p| p.name == name)
}
