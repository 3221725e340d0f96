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
    // Subcommands with their own parsers (issue 12), before the reference's flat flags.
    let mut args = std::env::args_os().skip(1);
    if let Some(first) = args.next() {
        match first.to_str() {
            Some("genes") => return fastsmr::genes::main(args.collect()),
            Some("plot") => return fastsmr::plot::main(args.collect()),
            Some("export") => return fastsmr::export::main(args.collect()),
            _ => {}
        }
    }
    let cli = Cli::parse();
    let mut log = RunLog::new(true);
    let command: Vec<String> = std::env::args().collect();
    log.info(format!(
        "fastsmr {} | command: {}",
        env!("CARGO_PKG_VERSION"),
        command.join(" ")
    ));
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
    let result = fastsmr::output::atomic::check_output_dir(&cfg.out).and_then(|()| {
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
