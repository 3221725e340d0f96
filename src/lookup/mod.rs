//! Look-ups and summaries of the eQTL data alone (no GWAS, no LD reference)
//! (data-spec/query.md): `--query` → `<out>.txt`, `--descriptive-cis` →
//! `<out>.cis.summary.txt`, `--descriptive-trans` → `<out>.trans.summary.txt`, `--recode` →
//! `<out>.raw`. Any BESD layout and any form of `--beqtl-summary` (prefix, directory,
//! tarball) is read.

pub mod descriptive;
pub mod query;
pub mod recode;

use crate::cli::Cli;
use crate::config::out_path;
use crate::error::{Error, Result};
use crate::filters::{Filters, Selection, Tables};
use crate::io::besd::stream::Keep;
use crate::io::besd::{BesdEntry, BesdFile};
use crate::io::epi::EpiRecord;
use crate::io::eqtl_source::{EqtlSource, Part};
use crate::io::esi::EsiTable;
use crate::io::text::MAX_BP;
use crate::log::RunLog;
use crate::output::atomic::{check_output_dir, AtomicFile};
use std::path::{Path, PathBuf};

/// Cis window of `--descriptive-trans` when `--cis-wind` is not given, kb (algorithm-2 §17).
pub const TRANS_DEFAULT_CIS_WIND_KB: i64 = 5000;

/// Which look-up runs.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// `--query P`: every stored value with p ≤ P.
    Query {
        /// The p threshold.
        threshold: f64,
    },
    /// `--descriptive-cis`.
    DescriptiveCis,
    /// `--descriptive-trans`.
    DescriptiveTrans,
    /// `--recode`.
    Recode,
}

impl Mode {
    /// The flag that selects the mode.
    pub fn flag(self) -> &'static str {
        match self {
            Mode::Query { .. } => "--query",
            Mode::DescriptiveCis => "--descriptive-cis",
            Mode::DescriptiveTrans => "--descriptive-trans",
            Mode::Recode => "--recode",
        }
    }

    /// The output file's extension after `<out>.`.
    pub fn extension(self) -> &'static str {
        match self {
            Mode::Query { .. } => "txt",
            Mode::DescriptiveCis => "cis.summary.txt",
            Mode::DescriptiveTrans => "trans.summary.txt",
            Mode::Recode => "raw",
        }
    }
}

/// Validated settings of a look-up run.
#[derive(Debug, Clone)]
pub struct LookupSettings {
    /// The mode.
    pub mode: Mode,
    /// `--beqtl-summary`.
    pub eqtl: PathBuf,
    /// `--out`.
    pub out: PathBuf,
    /// Probe and SNP filters (ignored by the descriptive summaries, as by the reference).
    pub filters: Filters,
    /// Cis window half-width, kb: `--cis-wind`, else 2000 (5000 for `--descriptive-trans`).
    pub cis_wind_kb: i64,
    /// `--cis-wind` (or `--smr-wind`) was given on the command line.
    pub cis_wind_given: bool,
    /// `--peqtl-cis`.
    pub peqtl_cis: f64,
    /// `--peqtl-trans`.
    pub peqtl_trans: f64,
    /// `--trans-wind`, kb.
    pub trans_wind_kb: i64,
    /// `--thread-num` (the output does not depend on it).
    pub threads: usize,
}

/// True when the command line asks for a look-up or summary (these take precedence over the
/// SMR analyses, as in the reference's dispatch order).
pub fn requested(cli: &Cli) -> bool {
    let l = &cli.lookup;
    l.query.is_some() || l.descriptive_cis || l.descriptive_trans || l.recode
}

/// True when `args` (the program's arguments) name `--cis-wind` or its alias `--smr-wind`.
pub fn cis_wind_given<S: AsRef<str>>(args: &[S]) -> bool {
    args.iter().any(|a| {
        let a = a.as_ref();
        ["--cis-wind", "--smr-wind"]
            .iter()
            .any(|f| a == *f || a.starts_with(&format!("{f}=")))
    })
}

fn check_p(flag: &str, p: f64) -> Result<()> {
    if (0.0..=1.0).contains(&p) {
        Ok(())
    } else {
        Err(Error::Config(format!("{flag} must be in [0, 1], got {p}")))
    }
}

fn check_wind(flag: &str, kb: i64, min: i64) -> Result<()> {
    if kb < min || kb.saturating_mul(1000) > MAX_BP {
        return Err(Error::Config(format!(
            "{flag} expects a number of kb from {min} to {}, got {kb}",
            MAX_BP / 1000
        )));
    }
    Ok(())
}

impl LookupSettings {
    /// Validate the command line of a look-up; `cis_wind_given` says whether `--cis-wind`
    /// appeared (it changes the `--descriptive-trans` window and restricts `--query --probe`).
    pub fn from_cli(cli: &Cli, cis_wind_given: bool) -> Result<Self> {
        let l = &cli.lookup;
        let mut modes = Vec::new();
        if let Some(threshold) = l.query {
            modes.push(Mode::Query { threshold });
        }
        if l.descriptive_cis {
            modes.push(Mode::DescriptiveCis);
        }
        if l.descriptive_trans {
            modes.push(Mode::DescriptiveTrans);
        }
        if l.recode {
            modes.push(Mode::Recode);
        }
        let mode = match modes.as_slice() {
            [m] => *m,
            [] => return Err(Error::Config("no look-up requested".into())),
            many => {
                let names: Vec<&str> = many.iter().map(|m| m.flag()).collect();
                return Err(Error::Config(format!(
                    "{} are separate analyses; give one per run",
                    names.join(" and ")
                )));
            }
        };
        if cli.besd_tools.make_besd || cli.besd_tools.make_besd_dense {
            return Err(Error::Config(format!(
                "{} and --make-besd are separate analyses; give one per run",
                mode.flag()
            )));
        }
        if let Mode::Query { threshold } = mode {
            check_p("--query", threshold)?;
        }
        check_p("--peqtl-cis", l.peqtl_cis)?;
        check_p("--peqtl-trans", cli.trans.peqtl_trans)?;
        check_wind("--trans-wind", cli.trans.trans_wind, 0)?;
        check_wind("--cis-wind", cli.heidi.cis_wind, 1)?;
        if cli.output.thread_num == 0 {
            return Err(Error::Config("--thread-num must be at least 1".into()));
        }
        let cis_wind_kb = match (mode, cis_wind_given) {
            (Mode::DescriptiveTrans, false) => TRANS_DEFAULT_CIS_WIND_KB,
            _ => cli.heidi.cis_wind,
        };
        let Some(eqtl) = cli.inputs.beqtl_summary.clone() else {
            return Err(Error::Config(format!(
                "{} needs --beqtl-summary (the eQTL data: a BESD prefix, directory or tar \
                 archive)",
                mode.flag()
            )));
        };
        Ok(LookupSettings {
            mode,
            eqtl,
            out: cli.output.out.clone(),
            filters: Filters::from_cli(cli)?,
            cis_wind_kb,
            cis_wind_given,
            peqtl_cis: l.peqtl_cis,
            peqtl_trans: cli.trans.peqtl_trans,
            trans_wind_kb: cli.trans.trans_wind,
            threads: cli.output.thread_num,
        })
    }

    /// The output file.
    pub fn output_path(&self) -> PathBuf {
        out_path(&self.out, self.mode.extension())
    }
}

/// The eQTL tables of a look-up, read once.
pub struct EqtlTables {
    /// Where they came from.
    pub source: EqtlSource,
    /// SNPs.
    pub esi: EsiTable,
    /// Probes.
    pub epi: Vec<EpiRecord>,
    esi_label: PathBuf,
    epi_label: PathBuf,
}

impl EqtlTables {
    /// Locate `--beqtl-summary` and read its `.esi` and `.epi`.
    pub fn open(given: &Path, log: &mut RunLog) -> Result<Self> {
        let (source, esi, epi, renamed) = EqtlSource::open_tables(given)?;
        log.info(format!("eQTL data: {}", source.describe()));
        for (path, rows) in &renamed {
            log.flagged(path, rows);
        }
        log.info(format!("  {} SNPs, {} probes", esi.len(), epi.len()));
        Ok(EqtlTables {
            esi_label: source.label(Part::Esi),
            epi_label: source.label(Part::Epi),
            source,
            esi,
            epi,
        })
    }

    /// The tables with their names, for [`Filters::resolve`].
    pub fn tables(&self) -> Tables<'_> {
        Tables {
            esi: &self.esi,
            epi: &self.epi,
            esi_path: &self.esi_label,
            epi_path: &self.epi_label,
        }
    }

    /// Open the `.besd`, streaming only `sel`'s probes and SNPs when it cannot be mapped.
    pub fn open_besd(&self, sel: &Selection) -> Result<BesdFile> {
        let probes = sel.probe_mask(self.epi.len());
        let snps = sel.snp_mask(self.esi.len());
        self.source.open_besd(
            self.esi.len(),
            self.epi.len(),
            Keep {
                probes: &probes,
                snps: &snps,
            },
        )
    }
}

/// Text output written in pieces through an [`AtomicFile`]: nothing appears at the final
/// path unless [`TableWriter::finish`] is reached.
pub struct TableWriter {
    file: AtomicFile,
    buf: String,
    rows: usize,
}

/// Flush the buffer to the file beyond this many bytes.
const FLUSH_AT: usize = 1 << 20;

impl TableWriter {
    /// Start `path` with its header line (without the newline).
    pub fn create(path: &Path, header: &str) -> Result<Self> {
        let mut buf = String::with_capacity(FLUSH_AT + 4096);
        buf.push_str(header);
        buf.push('\n');
        Ok(TableWriter {
            file: AtomicFile::create(path)?,
            buf,
            rows: 0,
        })
    }

    /// The buffer to append one row to; the row must end with `\n`.
    pub fn row(&mut self) -> &mut String {
        self.rows += 1;
        &mut self.buf
    }

    /// Write the buffer out if it is large.
    pub fn maybe_flush(&mut self) -> Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.file.write_all(self.buf.as_bytes())?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Append a block of `rows` complete rows.
    pub fn push_block(&mut self, text: &str, rows: usize) -> Result<()> {
        self.rows += rows;
        self.buf.push_str(text);
        self.maybe_flush()
    }

    /// Write the rest and move the file into place; returns the number of rows.
    pub fn finish(mut self) -> Result<usize> {
        self.file.write_all(self.buf.as_bytes())?;
        self.file.commit()?;
        Ok(self.rows)
    }
}

/// Run the look-up the command line asks for, logging to `log`, and write `<out>.log`.
pub fn run(cli: &Cli, log: &mut RunLog) -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let s = LookupSettings::from_cli(cli, cis_wind_given(&args))?;
    check_output_dir(&s.out)?;
    log.info(format!("Mode: {}", s.mode.flag()));
    let rows = match s.mode {
        Mode::Query { threshold } => query::run(&s, threshold, log)?,
        Mode::DescriptiveCis => descriptive::run_cis(&s, log)?,
        Mode::DescriptiveTrans => descriptive::run_trans(&s, log)?,
        Mode::Recode => recode::run(&s, log)?,
    };
    log.info(format!(
        "{rows} rows written to {}",
        s.output_path().display()
    ));
    log.info(format!("finished in {:.2} s", log.elapsed_s()));
    log.write(&out_path(&s.out, "log"))
}

/// Resolve the filters on `t`, log what they did, and require at least one probe and SNP.
pub fn select(filters: &Filters, t: &Tables<'_>, log: &mut RunLog) -> Result<Selection> {
    let sel = filters.resolve(t)?;
    for n in &sel.notes {
        log.info(format!("  {n}"));
    }
    if let Some(pairs) = &sel.pairs {
        log.flagged(&pairs.path, &pairs.skipped);
    }
    sel.require_nonempty(t)?;
    log.info(format!(
        "  {} probes and {} SNPs kept by the filters",
        sel.probes.len(),
        sel.snps.len()
    ));
    Ok(sel)
}

/// Probes formatted per task by [`write_probes`].
const PROBES_PER_TASK: usize = 16;

/// Format the rows of `probes` with `rows_of(probe, scratch, out) -> rows appended`, on
/// `threads` threads, and write them to `w` in `probes` order: the file does not depend on
/// the thread count. At most `4 × threads` tasks of [`PROBES_PER_TASK`] probes are held at
/// once.
pub fn write_probes<F>(
    w: &mut TableWriter,
    probes: &[usize],
    threads: usize,
    rows_of: F,
) -> Result<()>
where
    F: Fn(usize, &mut Vec<BesdEntry>, &mut String) -> Result<usize> + Sync,
{
    use rayon::prelude::*;
    let task = |chunk: &[usize]| -> Result<(String, usize)> {
        let (mut text, mut buf, mut n) = (String::new(), Vec::new(), 0);
        for &p in chunk {
            n += rows_of(p, &mut buf, &mut text)?;
        }
        Ok((text, n))
    };
    if threads <= 1 {
        for chunk in probes.chunks(PROBES_PER_TASK) {
            let (text, n) = task(chunk)?;
            w.push_block(&text, n)?;
        }
        return Ok(());
    }
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {threads} threads: {e}")))?;
    let chunks: Vec<&[usize]> = probes.chunks(PROBES_PER_TASK).collect();
    for wave in chunks.chunks(4 * threads) {
        let done: Vec<Result<(String, usize)>> =
            pool.install(|| wave.par_iter().map(|c| task(c)).collect());
        for r in done {
            let (text, n) = r?;
            w.push_block(&text, n)?;
        }
    }
    Ok(())
}

/// `p = χ²₁tail((b/se)²)` with the quotient in double from the stored float32 values.
#[inline]
pub fn eqtl_p(beta: f32, se: f32) -> f64 {
    let z = f64::from(beta) / f64::from(se);
    crate::stats::dist::chisq1_tail(z * z)
}
