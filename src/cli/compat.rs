//! Drop-in behaviour for SMR 1.3.1 command lines (data-spec/cli.md §"Drop-in parsing").
//!
//! Scripts written for the reference pass its flags; a flag fastsmr does not offer must say
//! exactly that rather than suggest a similarly spelled flag of another analysis. Suggestions
//! are off in the parser (clap is built without its `suggestions` feature), and an unknown
//! argument that is one of the reference's flags is reported by [`explain_unknown`].

/// Every flag of SMR 1.3.1 (`shared/reference/*.md`), sorted.
pub const REFERENCE_FLAGS: &[&str] = &[
    "--add-n",
    "--beqtl-qc",
    "--beqtl-summary",
    "--besd-flist",
    "--bfile",
    "--bld",
    "--bolt-assoc-format",
    "--chr",
    "--cis-to-all",
    "--cis-wind",
    "--descriptive-cis",
    "--descriptive-trans",
    "--diff-freq",
    "--diff-freq-prop",
    "--disable-freq-ck",
    "--efile",
    "--eqtl-flist",
    "--eqtl-summary",
    "--esd-std",
    "--est-n",
    "--exclude-exposure-probe",
    "--exclude-outcome-probe",
    "--exclude-probe",
    "--exclude-single-exposure-probe",
    "--exclude-single-outcome-probe",
    "--exclude-snp",
    "--exclude-snp-p",
    "--extract-cis",
    "--extract-exposure-probe",
    "--extract-outcome-probe",
    "--extract-probe",
    "--extract-single-exposure-probe",
    "--extract-single-outcome-probe",
    "--extract-snp",
    "--extract-snp-p",
    "--extract-snp-probe",
    "--extract-target-snp-probe",
    "--extract-trait",
    "--fastqtl-nominal-format",
    "--fastqtl-permu-format",
    "--from-probe",
    "--from-probe-kb",
    "--from-snp",
    "--from-snp-kb",
    "--gemma-format",
    "--gene",
    "--gene-list",
    "--genes",
    "--geno-uni",
    "--gwas-summary",
    "--heidi-max-m",
    "--heidi-min-m",
    "--heidi-mtd",
    "--heidi-off",
    "--keep",
    "--ld-lower-limit",
    "--ld-multi-snp",
    "--ld-pruning",
    "--ld-upper-limit",
    "--ld-wind",
    "--maf",
    "--make-besd",
    "--make-besd-dense",
    "--make-bld",
    "--matrix-eqtl-format",
    "--mecs",
    "--merlin-fastassoc-format",
    "--meta",
    "--mmecs",
    "--nmecs",
    "--opt-selection",
    "--out",
    "--outcome-wind",
    "--p-technical",
    "--peqtl-cis",
    "--peqtl-heidi",
    "--peqtl-other",
    "--peqtl-smr",
    "--peqtl-trans",
    "--phet",
    "--plink-qassoc-format",
    "--plot",
    "--pmecs",
    "--probe",
    "--probe-chr",
    "--probe-var",
    "--probe-wind",
    "--psmr",
    "--qfile",
    "--query",
    "--r",
    "--r2",
    "--recode",
    "--remove",
    "--rm-technical",
    "--sample-overlap",
    "--set-list",
    "--set-wind",
    "--show-n",
    "--smr",
    "--smr-file",
    "--smr-format",
    "--smr-multi",
    "--smr-wind",
    "--snp",
    "--snp-chr",
    "--snp-rm",
    "--snp-wind",
    "--target-snp",
    "--thread-num",
    "--to-probe",
    "--to-probe-kb",
    "--to-snp",
    "--to-snp-kb",
    "--trans",
    "--trans-wind",
    "--update-epi",
    "--update-esi",
    "--update-freq",
    "--z-thresh",
];

/// Whether `flag` (with its leading `--`, any `=value` ignored) is a flag of SMR 1.3.1.
pub fn is_reference_flag(flag: &str) -> bool {
    let name = flag.split('=').next().unwrap_or(flag);
    REFERENCE_FLAGS.binary_search(&name).is_ok()
}

/// For a parse error on an unknown argument that is an SMR 1.3.1 flag, the message to print
/// instead of the parser's; `None` for any other error.
pub fn explain_unknown(err: &clap::Error) -> Option<String> {
    use clap::error::{ContextKind, ContextValue, ErrorKind};
    if err.kind() != ErrorKind::UnknownArgument {
        return None;
    }
    let Some(ContextValue::String(arg)) = err.get(ContextKind::InvalidArg) else {
        return None;
    };
    let name = arg.split('=').next().unwrap_or(arg);
    is_reference_flag(name).then(|| {
        format!(
            "error: {name} is an SMR 1.3.1 option fastsmr does not implement \
             (see `fastsmr --help` for what it offers; data-spec/cli.md)"
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_sorted_and_unique() {
        // binary_search needs it; a duplicate would hide a typo in the list.
        assert!(REFERENCE_FLAGS.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn reference_flags_recognised_with_and_without_value() {
        assert!(is_reference_flag("--smr-multi"));
        assert!(is_reference_flag("--set-wind=1000"));
        assert!(!is_reference_flag("--smr-mult"));
        assert!(!is_reference_flag("--gwas-flist"));
    }
}
