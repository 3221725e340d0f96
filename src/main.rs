//! The `fastsmr` binary: parse arguments, run, report errors (file, line, cause), and exit
//! with an honest status (0 success, 1 failure, 2 usage error, 130/143 stopped by
//! SIGINT/SIGTERM).

use clap::Parser;
use fastsmr::cli::Cli;
use fastsmr::commands::Mode;
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
    let command: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // Subcommands for what SMR lacks, each with its own parser.
    match command[1].as_str() {
        // data-spec/shards.md §3
        "merge" => return fastsmr::merge::main(command.iter().skip(1).cloned()),
        // Gene lists, figures and reports from SMR tables (issue 12).
        "genes" => return fastsmr::genes::main(args[2..].to_vec()),
        "plot" => return fastsmr::plot::main(args[2..].to_vec()),
        "export" => return fastsmr::export::main(args[2..].to_vec()),
        _ => {}
    }
    // A repeated --beqtl-summary with a GWAS input: several eQTL datasets
    // (src/commands/datasets.rs); otherwise two BESD prefixes are SMR between two xQTL
    // datasets (src/commands/omics.rs).
    let several = fastsmr::commands::datasets::split_args(&command);
    let omics = several
        .is_none()
        .then(|| fastsmr::commands::omics::split_args(&command))
        .flatten();
    let parsed = match (&several, &omics) {
        (Some(a), _) => Cli::try_parse_from(a),
        (None, Some((a, _))) => Cli::try_parse_from(a),
        (None, None) => Cli::try_parse_from(&args),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => match fastsmr::cli::compat::explain_unknown(&e) {
            Some(msg) => {
                eprintln!("{msg}");
                return ExitCode::from(2);
            }
            None => e.exit(),
        },
    };
    let mut log = RunLog::new(true);
    log.info(format!(
        "fastsmr {} | command: {}",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    ));
    log.info(fastsmr::log::started_line());
    if cli.datasets.beqtl_flist.is_some()
        && (omics.is_some()
            || fastsmr::lookup::requested(&cli)
            || fastsmr::releases::requested(&cli)
            || fastsmr::besd_tools::wants(&cli))
    {
        eprintln!(
            "Error: --beqtl-flist (several eQTL datasets) is for the SMR analyses; look-ups, BESD \
             tools and SMR between two xQTL datasets take --beqtl-summary (data-spec/datasets.md)"
        );
        return ExitCode::from(2);
    }
    // Before any output exists, in every mode: SIGINT/SIGTERM remove the temporaries.
    if let Err(e) = atomic::install_signal_cleanup() {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    if let Some((_, outcome)) = &omics {
        return published_together(|| omics_main(&cli, outcome, &mut log));
    }
    if fastsmr::lookup::requested(&cli) {
        // Look-ups and summaries of the eQTL data (src/lookup): no GWAS, no LD reference.
        return published_together(|| match fastsmr::lookup::run(&cli, &mut log) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e}");
                let usage = matches!(e, fastsmr::error::Error::Config(_));
                ExitCode::from(if usage { 2 } else { 1 })
            }
        });
    }
    if fastsmr::releases::requested(&cli) {
        return published_together(|| fastsmr::releases::main(&cli, &mut log));
    }
    if fastsmr::besd_tools::wants(&cli) {
        return published_together(|| besd_tools_main(&cli, &mut log));
    }
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
    let scale = match fastsmr::shard::ScaleSettings::from_args(&cli.scale) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    if scale.dry_run {
        return match fastsmr::shard::dry_run(&cfg, &scale) {
            Ok(text) => {
                print!("{text}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("Error: {e}");
                ExitCode::from(1)
            }
        };
    }
    let mode = match Mode::resolve(&cli, &cfg, &command) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
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
    log.info("Settings:");
    for line in cfg.describe() {
        log.info(line);
    }
    let log_path = out_path(&cfg.out, "log");
    // The SMR analyses publish each work unit (trait) as it completes, through the shard
    // driver's staging directories (data-spec/shards.md §5); every other mode publishes its
    // outputs together at the end.
    let outputs = (!matches!(mode, Mode::Smr(_))).then(OutputSet::begin);
    let result = atomic::check_output_dir(&cfg.out)
        .and_then(|()| fastsmr::commands::run(&mode, &cfg, &scale, &command, &mut log));
    if let Err(e) = &result {
        // Every variant's message already includes its cause (file, line, OS reason).
        let msg = format!("Error: {e}");
        if cfg.batch {
            log.info(msg);
        } else {
            eprintln!("{msg}");
            log.record(msg);
        }
        // The log says why the run failed; a batch also keeps the traits that completed.
        let written = log.write(&log_path).and_then(|()| match outputs {
            Some(o) if cfg.batch => o.commit(),
            Some(o) => o.commit_kept(),
            None => Ok(()),
        });
        if let Err(w) = written {
            eprintln!("Error: {w}");
        }
        return ExitCode::from(1);
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    let written = log
        .write(&log_path)
        .and_then(|()| outputs.map_or(Ok(()), OutputSet::commit));
    if let Err(e) = written {
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
        "harmonise.summary.tsv",
        "harmonise.tsv.gz",
        "besd",
        "esi",
        "epi",
    ];
    let mut prefixes = vec![cfg.out.clone()];
    prefixes.extend(fastsmr::commands::datasets::prefixes(cfg));
    prefixes
        .iter()
        .flat_map(|p| exts.iter().map(move |e| out_path(p, e)))
        .collect()
}

/// Run a mode that gives its own exit status with every file it writes (its log too) in one
/// [`OutputSet`]: published together when it succeeds, all removed when it fails.
fn published_together(mode: impl FnOnce() -> ExitCode) -> ExitCode {
    let set = OutputSet::begin();
    let code = mode();
    if code != ExitCode::SUCCESS {
        return code;
    }
    match set.commit() {
        Ok(()) => code,
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

/// The BESD tools (`--make-besd`, `--update-esi`, ...): their own settings and dispatch.
fn besd_tools_main(cli: &Cli, log: &mut RunLog) -> ExitCode {
    let out = cli.output.out.clone();
    let result = fastsmr::output::atomic::check_output_dir(&out)
        .and_then(|()| fastsmr::besd_tools::run(cli, log));
    if let Err(e) = result {
        eprintln!("Error: {e}");
        let usage = matches!(e, fastsmr::error::Error::Config(_));
        return ExitCode::from(if usage { 2 } else { 1 });
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    if let Err(e) = log.write(&out_path(&out, "log")) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}

/// SMR between two xQTL datasets: `<out>.smr` and the log.
fn omics_main(cli: &Cli, outcome: &std::path::Path, log: &mut RunLog) -> ExitCode {
    let out = cli.output.out.clone();
    let result = fastsmr::output::atomic::check_output_dir(&out)
        .and_then(|()| fastsmr::commands::omics::run(cli, outcome, log));
    if let Err(e) = result {
        eprintln!("Error: {e}");
        let usage = matches!(e, fastsmr::error::Error::Config(_));
        return ExitCode::from(if usage { 2 } else { 1 });
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    if let Err(e) = log.write(&out_path(&out, "log")) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
}
