//! The `fastsmr` binary: parse arguments, run, report errors (file, line, cause), and exit
//! with an honest status (0 success, 1 failure, 2 usage error).

use clap::Parser;
use fastsmr::cli::Cli;
use fastsmr::config::{out_path, Config};
use fastsmr::log::RunLog;
use std::process::ExitCode;

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
    // Two BESD prefixes: SMR between two xQTL datasets (src/commands/omics.rs).
    let args: Vec<String> = std::env::args().collect();
    let omics = fastsmr::commands::omics::split_args(&args);
    let parsed = match &omics {
        Some((a, _)) => Cli::try_parse_from(a),
        None => Cli::try_parse(),
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
    let command: Vec<String> = std::env::args().collect();
    log.info(format!(
        "fastsmr {} | command: {}",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    ));
    if let Some((_, outcome)) = &omics {
        return omics_main(&cli, outcome, &mut log);
    }
    if fastsmr::lookup::requested(&cli) {
        // Look-ups and summaries of the eQTL data (src/lookup): no GWAS, no LD reference.
        return match fastsmr::lookup::run(&cli, &mut log) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("Error: {e}");
                let usage = matches!(e, fastsmr::error::Error::Config(_));
                ExitCode::from(if usage { 2 } else { 1 })
            }
        };
    }
    if fastsmr::besd_tools::wants(&cli) {
        return besd_tools_main(&cli, &mut log);
    }
    let cfg = match Config::from_cli(&cli) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("Error: {e}");
            // Invalid options are usage errors (2); a list file that cannot be read or parsed
            // (--gwas-flist) is an input error like any other (1).
            let usage = matches!(e, fastsmr::error::Error::Config(_));
            return ExitCode::from(if usage { 2 } else { 1 });
        }
    };
    log.info("Settings:");
    for line in cfg.describe() {
        log.info(line);
    }
    let mode = match fastsmr::commands::Mode::resolve(&cli, &cfg) {
        Ok(m) => m,
        Err(e) => {
            eprintln!("Error: {e}");
            return ExitCode::from(2);
        }
    };
    let result = fastsmr::output::atomic::check_output_dir(&cfg.out)
        .and_then(|()| fastsmr::commands::run(&mode, &cfg, &mut log));
    if let Err(e) = &result {
        // Every variant's message already includes its cause (file, line, OS reason).
        let msg = format!("Error: {e}");
        if cfg.batch {
            // A batch keeps its log: it says which traits succeeded.
            log.info(msg);
            let _ = log.write(&out_path(&cfg.out, "log"));
        } else {
            eprintln!("{msg}");
        }
        return ExitCode::from(1);
    }
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    if let Err(e) = log.write(&out_path(&cfg.out, "log")) {
        eprintln!("Error: {e}");
        return ExitCode::from(1);
    }
    ExitCode::SUCCESS
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
