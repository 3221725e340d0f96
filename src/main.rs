//! The `fastsmr` binary: parse arguments, run, report errors (file, line, cause), and exit
//! with an honest status (0 success, 1 failure, 2 usage error, 130/143 stopped by
//! SIGINT/SIGTERM).

use clap::Parser;
use fastsmr::cli::Cli;
use fastsmr::config::{out_path, Config};
use fastsmr::log::RunLog;
use fastsmr::output::atomic::{self, OutputSet};
use std::process::ExitCode;

/// Printed for `fastsmr` without arguments.
const SHORT_USAGE: &str = "\
fastsmr: SMR and HEIDI tests (Summary-data-based Mendelian Randomization), as SMR 1.3.1.

Usage:
  fastsmr --bfile REF --gwas-summary TRAIT.ma --beqtl-summary EQTL --out OUT
  fastsmr --beqtl-summary EQTL --make-besd --out OUT

  --bfile          PLINK .bed/.bim/.fam prefix (LD reference; not needed with --heidi-off)
  --gwas-summary   GWAS summary statistics (.ma or another layout, plain or gzipped)
  --beqtl-summary  eQTL BESD prefix (.besd/.esi/.epi), a directory or a tar archive
  --out            output prefix: writes OUT.smr and OUT.log

Every option: fastsmr --help";

fn main() -> ExitCode {
    // Blocks of 256 KiB and more get their own mappings, returned to the OS when freed: the
    // parsers' chunk tables would otherwise stay in glibc's heaps under later peaks
    // (data-spec/memory.md §4; a fixed threshold also stops glibc from raising it).
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: called first thing in `main`, before any thread exists; it only changes where
    // glibc places later allocations.
    unsafe {
        libc::mallopt(libc::M_MMAP_THRESHOLD, 256 << 10);
    }
    // Arguments as the OS gave them: a path need not be UTF-8 (shown lossily in the log).
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if args.len() <= 1 {
        eprintln!("{SHORT_USAGE}");
        return ExitCode::from(2);
    }
    let cli = Cli::parse_from(&args);
    let mut log = RunLog::new(true);
    let command: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    log.info(format!(
        "fastsmr {} | command: {}",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    ));
    log.info(fastsmr::log::started_line());
    let cfg =
        match Config::from_cli(&cli).and_then(|c| atomic::check_out_prefix(&c.out).map(|()| c)) {
            Ok(c) => c,
            Err(e) => {
                eprintln!("Error: {e}");
                // Invalid options are usage errors (2); a list file that cannot be read or parsed
                // (--gwas-flist) is an input error like any other (1).
                let usage = matches!(e, fastsmr::error::Error::Config(_));
                return ExitCode::from(if usage { 2 } else { 1 });
            }
        };
    // No output may replace an input (also checked for each file as it is created).
    let mut inputs = cfg.input_files();
    inputs.extend(cli.inputs.gwas_flist.iter().cloned());
    atomic::register_inputs(inputs.iter().map(|p| p.as_path()));
    if let Err(e) = atomic::refuse_inputs(expected_outputs(&cfg).iter().map(|p| p.as_path())) {
        eprintln!("Error: {e}");
        return ExitCode::from(2);
    }
    if let Err(e) = atomic::install_signal_cleanup() {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    log.info("Settings:");
    for line in cfg.describe() {
        log.info(line);
    }
    let log_path = out_path(&cfg.out, "log");
    let outputs = OutputSet::begin();
    let result = atomic::check_output_dir(&cfg.out).and_then(|()| {
        if cfg.make_besd {
            fastsmr::pipeline::make_besd(&cfg, &mut log)
        } else {
            cfg.check_inputs_readable()
                .and_then(|()| fastsmr::pipeline::run(&cfg, &mut log).map(|_| ()))
        }
    });
    if let Err(e) = &result {
        // Every variant's message already includes its cause (file, line, OS reason).
        let msg = format!("Error: {e}");
        if cfg.batch {
            log.info(msg);
        } else {
            eprintln!("{msg}");
            log.record(msg);
        }
        // The log says why the run failed. A batch also keeps the traits that completed
        // (the log lists them); a single run keeps nothing else but the files that explain
        // the failure (e.g. the SNPs that failed the frequency check).
        let written = log.write(&log_path).and_then(|()| {
            if cfg.batch {
                outputs.commit()
            } else {
                outputs.commit_kept()
            }
        });
        if let Err(w) = written {
            eprintln!("Error: {w}");
        }
        return ExitCode::from(1);
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    if let Err(e) = log.write(&log_path).and_then(|()| outputs.commit()) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// The outputs a run is known to write, checked against the inputs before any work.
fn expected_outputs(cfg: &Config) -> Vec<std::path::PathBuf> {
    let exts = [
        "smr",
        "log",
        "snp_failed_freq_ck.list",
        "harmonise.tsv",
        "besd",
        "esi",
        "epi",
    ];
    let mut prefixes = vec![cfg.out.clone()];
    if cfg.batch {
        prefixes.extend(cfg.traits.iter().map(|t| out_path(&cfg.out, &t.name)));
    }
    prefixes
        .iter()
        .flat_map(|p| exts.iter().map(move |e| out_path(p, e)))
        .collect()
}
