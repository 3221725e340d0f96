//! `--eqtl-release LAYOUT FILE... --make-besd`: the text eQTL releases users download
//! (eQTLGen, MetaBrain, eQTL Catalogue) converted into a sparse BESD without hand
//! reformatting (data-spec/releases-eqtlgen.md, releases-metabrain.md,
//! releases-eqtl-catalogue.md).

pub mod convert;
pub mod rs_table;

use crate::cli::Cli;
use crate::config::out_path;
use crate::error::{Error, Result};
use crate::io::releases::Layout;
use crate::log::RunLog;
use convert::{Settings, Summary};
use std::process::ExitCode;

/// Whether the command line asks for a release conversion.
pub fn requested(cli: &Cli) -> bool {
    !cli.releases.eqtl_release.is_empty()
}

/// Validate the conversion's options (usage errors are [`Error::Config`]).
pub fn settings(cli: &Cli) -> Result<Settings> {
    let r = &cli.releases;
    let (name, files) = r
        .eqtl_release
        .split_first()
        .ok_or_else(|| Error::Config("--eqtl-release needs a layout and files".into()))?;
    let layout = match name.as_str() {
        "auto" => None,
        n => Some(Layout::from_name(n).ok_or_else(|| {
            Error::Config(format!(
                "--eqtl-release: unknown layout '{n}', expected eqtlgen, metabrain, eqtl-catalogue or auto"
            ))
        })?),
    };
    if files.is_empty() {
        return Err(Error::Config(format!(
            "--eqtl-release {name}: no file given"
        )));
    }
    if !cli.besd_tools.make_besd {
        return Err(Error::Config(
            "--eqtl-release converts a release into BESD: add --make-besd (and --out PREFIX)"
                .into(),
        ));
    }
    if cli.inputs.beqtl_summary.is_some()
        || !cli.inputs.gwas_summary.is_empty()
        || cli.inputs.bfile.is_some()
    {
        return Err(Error::Config(
            "--eqtl-release --make-besd only converts: it takes no --beqtl-summary, --gwas-summary or --bfile".into(),
        ));
    }
    if r.release_bucket_entries == 0 {
        return Err(Error::Config(
            "--release-bucket-entries must be positive".into(),
        ));
    }
    Ok(Settings {
        layout,
        files: files.iter().map(Into::into).collect(),
        eqtlgen_freq: cli.inputs.eqtlgen_freq.clone(),
        probes: r.release_probes.clone(),
        out: cli.output.out.clone(),
        bucket_entries: r.release_bucket_entries,
    })
}

/// Run the conversion and log what it read and wrote.
pub fn run(settings: &Settings, log: &mut RunLog) -> Result<Summary> {
    log.info(format!(
        "Converting {} release file(s) into {}.{{besd,esi,epi}}",
        settings.files.len(),
        settings.out.display()
    ));
    let s = convert::convert(settings)?;
    for (path, layout, rows) in &s.files {
        log.info(format!(
            "  {}: {} layout, {} data rows",
            path.display(),
            layout.name(),
            rows
        ));
    }
    if let Some(b) = s.build {
        log.info(format!("  genome build {b} (positions written as given)"));
    }
    log.info(format!(
        "  {} rows without an effect skipped; {} rows with alleles swapped relative to the SNP's first row (effect negated)",
        s.no_effect, s.flipped
    ));
    log.info(format!(
        "  {} SNPs, {} probes, {} (probe, SNP) entries sorted in {} bucket(s); header sample size {}",
        s.n_snps,
        s.n_probes,
        s.n_entries,
        s.buckets,
        s.sample_size.map_or("-9 (none)".to_string(), |n| n.to_string())
    ));
    log.info(format!(
        "  saved {}",
        out_path(&settings.out, "besd").display()
    ));
    Ok(s)
}

/// The whole mode, for `main`: settings, output-directory check, conversion, log file; the
/// exit status is 0, 1 (input error) or 2 (usage error).
pub fn main(cli: &Cli, log: &mut RunLog) -> ExitCode {
    let settings = match settings(cli) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    let result =
        crate::output::atomic::check_output_dir(&settings.out).and_then(|()| run(&settings, log));
    if let Err(e) = result {
        eprintln!("Error: {e}");
        return ExitCode::from(if matches!(e, Error::Config(_)) { 2 } else { 1 });
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    if let Err(e) = log.write(&out_path(&settings.out, "log")) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
