//! `<out>.snp_failed_freq_ck.list`: the SNPs removed by the allele-frequency check
//! (data-spec/formats.md §6.6).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use crate::output::format::push_g6;
use std::path::Path;

/// Header with an LD reference.
pub const HEADER_WITH_REFERENCE: &str = "SNP\tAllele\tReferencePanel\tGWAS\teQTL";
/// Header without one (`--heidi-off`).
pub const HEADER_WITHOUT_REFERENCE: &str = "SNP\tAllele\tGWAS\teQTL";

/// The list, built row by row and written once.
pub struct FreqListWriter {
    text: String,
    with_reference: bool,
}

impl FreqListWriter {
    /// An empty list (header only); `with_reference` selects the columns.
    pub fn new(with_reference: bool) -> Self {
        let mut text = String::from(if with_reference {
            HEADER_WITH_REFERENCE
        } else {
            HEADER_WITHOUT_REFERENCE
        });
        text.push('\n');
        FreqListWriter {
            text,
            with_reference,
        }
    }

    /// One failing SNP: its ID, the eQTL A1, and the frequencies compared (`-9` when missing;
    /// `reference` is ignored without an LD reference).
    pub fn push(
        &mut self,
        snp: &str,
        a1: &str,
        reference: Option<f64>,
        gwas: Option<f64>,
        eqtl: Option<f64>,
    ) {
        let text = &mut self.text;
        text.push_str(snp);
        text.push('\t');
        text.push_str(a1);
        let mut cell = |v: Option<f64>| {
            text.push('\t');
            push_g6(text, v.unwrap_or(-9.0));
        };
        if self.with_reference {
            cell(reference);
        }
        cell(gwas);
        cell(eqtl);
        text.push('\n');
    }

    /// Write the list to `path` (atomically).
    pub fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, self.text.as_bytes())
    }
}
