//! Several eQTL datasets in one run (data-spec/datasets.md): how a repeated `--beqtl-summary`
//! is told from SMR between two xQTL datasets, the output prefix of each dataset × trait, and
//! the settings of one dataset. The loop itself (dataset outer, traits inner, the LD
//! reference read once) is the shard driver's (`crate::shard::run`).

use crate::config::{out_path, BesdPaths, Config};
use crate::data::datasets::Dataset;
use crate::error::{Error, Result};
use std::path::PathBuf;

/// The flags that only SMR between two xQTL datasets reads: with any of them, two
/// `--beqtl-summary` keep that meaning.
const OMICS_ONLY: &[&str] = &[
    "--outcome-wind",
    "--cis-to-all",
    "--extract-exposure-probe",
    "--extract-single-exposure-probe",
    "--exclude-exposure-probe",
    "--exclude-single-exposure-probe",
    "--extract-outcome-probe",
    "--extract-single-outcome-probe",
    "--exclude-outcome-probe",
    "--exclude-single-outcome-probe",
];

/// Modes whose two BESD slots mean something else (the multi-omics plot, the BESD tools) and
/// the second slot flag `--eqtl-summary`: they keep their own handling.
const OTHER_MEANING: &[&str] = &[
    "--plot",
    "--make-besd",
    "--make-besd-dense",
    "--eqtl-summary",
];

/// The trait inputs: with one of them, a repeated `--beqtl-summary` names several datasets.
const GWAS_FLAGS: &[&str] = &["--gwas-summary", "--gwas-flist"];

fn is_flag(a: &str, flags: &[&str]) -> bool {
    flags
        .iter()
        .any(|f| a == *f || a.strip_prefix(f).is_some_and(|r| r.starts_with('=')))
}

/// When `args` (program name first) give `--beqtl-summary` more than once together with a
/// GWAS input (`--gwas-summary`, `--gwas-flist`) and no flag of SMR between two xQTL datasets,
/// the arguments to parse: the first prefix stays `--beqtl-summary`, each later one becomes
/// the hidden `--beqtl-summary-next`. `None` for any other command line (two
/// `--beqtl-summary` without a GWAS input are two xQTL datasets, `commands::omics`).
pub fn split_args(args: &[String]) -> Option<Vec<String>> {
    let slots = args
        .iter()
        .filter(|a| is_flag(a, &["--beqtl-summary"]))
        .count();
    let gwas = args.iter().any(|a| is_flag(a, GWAS_FLAGS));
    let other = args
        .iter()
        .any(|a| is_flag(a, OMICS_ONLY) || is_flag(a, OTHER_MEANING));
    if slots < 2 || !gwas || other {
        return None;
    }
    let mut seen = 0;
    Some(
        args.iter()
            .map(|a| {
                if !is_flag(a, &["--beqtl-summary"]) {
                    return a.clone();
                }
                seen += 1;
                if seen == 1 {
                    a.clone()
                } else {
                    a.replacen("--beqtl-summary", "--beqtl-summary-next", 1)
                }
            })
            .collect(),
    )
}

/// Several datasets are for the SMR analyses (cis, multi-SNP, trans): any other mode of a
/// several-dataset run is a usage error.
pub fn check_mode(cfg: &Config) -> Result<()> {
    if !cfg.datasets.named {
        return Ok(());
    }
    let other = if cfg.unpack_besd {
        Some("--unpack-besd")
    } else if cfg.plot.is_some() {
        Some("--plot")
    } else {
        None
    };
    match other {
        Some(flag) => Err(Error::Config(format!(
            "several eQTL datasets (--beqtl-flist or a repeated --beqtl-summary) are for the SMR \
             analyses (cis --smr, --smr-multi, --trans); {flag} takes one --beqtl-summary"
        ))),
        None => Ok(()),
    }
}

/// Output prefix of `trait_name` against `dataset`: `<out>.<dataset>.<trait>` when the run
/// names its datasets, else `<out>.<trait>` in a batch and `<out>` for a single trait.
pub fn unit_prefix(
    out: &std::path::Path,
    dataset: Option<&str>,
    batch: bool,
    trait_name: &str,
) -> PathBuf {
    match dataset {
        Some(d) => out_path(&out_path(out, d), trait_name),
        None if batch => out_path(out, trait_name),
        None => out.to_path_buf(),
    }
}

/// Every unit output prefix of `cfg` (what no output may overwrite is checked under each).
pub fn prefixes(cfg: &Config) -> Vec<PathBuf> {
    let named = cfg.datasets.named;
    cfg.datasets
        .list
        .iter()
        .flat_map(|d| {
            cfg.traits.iter().map(move |t| {
                unit_prefix(
                    &cfg.out,
                    named.then_some(d.name.as_str()),
                    cfg.batch,
                    &t.name,
                )
            })
        })
        .collect()
}

/// The settings of one dataset's units: `cfg` with `--beqtl-summary` set to the dataset.
pub fn config_for(cfg: &Config, dataset: &Dataset) -> Config {
    let mut c = cfg.clone();
    c.besd = BesdPaths::from_prefix(&dataset.prefix);
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_repeated_beqtl_summary_with_a_gwas_names_datasets() {
        let a = v(&[
            "fastsmr",
            "--beqtl-summary",
            "a",
            "--gwas-summary",
            "t.ma",
            "--beqtl-summary=b",
            "--beqtl-summary",
            "c",
        ]);
        assert_eq!(
            split_args(&a).unwrap(),
            v(&[
                "fastsmr",
                "--beqtl-summary",
                "a",
                "--gwas-summary",
                "t.ma",
                "--beqtl-summary-next=b",
                "--beqtl-summary-next",
                "c",
            ])
        );
    }

    #[test]
    fn two_xqtl_datasets_keep_their_meaning() {
        // No GWAS: SMR between two xQTL datasets.
        assert!(split_args(&v(&["x", "--beqtl-summary", "a", "--beqtl-summary", "b"])).is_none());
        // An omics flag, --eqtl-summary, or a plot: not several datasets.
        for extra in [
            &["--outcome-wind", "500"][..],
            &["--cis-to-all"],
            &["--eqtl-summary", "c"],
            &["--plot"],
        ] {
            let mut a = v(&[
                "x",
                "--beqtl-summary",
                "a",
                "--beqtl-summary",
                "b",
                "--gwas-summary",
                "t",
            ]);
            a.extend(v(extra));
            assert!(split_args(&a).is_none(), "{extra:?}");
        }
        // One --beqtl-summary: nothing to split.
        assert!(split_args(&v(&["x", "--beqtl-summary", "a", "--gwas-summary", "t"])).is_none());
    }

    #[test]
    fn prefixes_carry_the_dataset_then_the_trait() {
        let out = std::path::Path::new("d/run");
        assert_eq!(
            unit_prefix(out, Some("blood"), false, "height"),
            PathBuf::from("d/run.blood.height")
        );
        assert_eq!(
            unit_prefix(out, None, true, "height"),
            PathBuf::from("d/run.height")
        );
        assert_eq!(unit_prefix(out, None, false, "height"), PathBuf::from(out));
    }
}
