//! SMR between two xQTL datasets (data-spec/omics.md): two BESD prefixes, the first the
//! exposure, the second the outcome. The outcome `.esi` is harmonised once as a GWAS with the
//! exposure data and the LD reference; then per outcome probe its stored values fill the
//! GWAS columns of the SNP table and the exposure probes near it run through the engine with
//! the cis analysis (`<out>.smr`), or multi-SNP SMR with `--smr-multi` (`<out>.msmr`). Rows
//! outcome-major, exposure `.epi` order within an outcome.

use super::multi::MultiPlan;
use crate::analyses::cis::{Cis, CisRow, Target};
use crate::analyses::multi::{Multi, MultiRow, MultiSettings, Regions};
use crate::analyses::omics::{
    exposure_probes, OmicsMultiRow, OmicsMultiTable, OmicsRow, OmicsTable, OutcomeMap,
};
use crate::cli::omics::OmicsArgs;
use crate::cli::Cli;
use crate::config::{out_path, BesdPaths, Config};
use crate::data::{EqtlData, IdLists, LdReference};
use crate::engine::{self, Analysis, Inputs, Outcome, Plan, Sink, TableSink};
use crate::error::{Error, Result};
use crate::harmonise::{harmonise_read, Harmonised, SnpTable};
use crate::io::gwas::{GwasData, GwasRecord, GwasTable};
use crate::io::gwas_columns::{GwasLayout, GwasRead};
use crate::ld::LdSource;
use crate::log::RunLog;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

const BESD_FLAGS: [&str; 2] = ["--beqtl-summary", "--eqtl-summary"];

/// Modes that take two BESD slots for another purpose.
const NOT_OMICS: [&str; 3] = ["--plot", "--make-besd", "--make-besd-dense"];

/// When the command line names two BESD prefixes (`--beqtl-summary` and/or `--eqtl-summary`,
/// in order), the arguments to parse (the first prefix as `--beqtl-summary`, the other BESD
/// slots removed, and the outcome standing in for a `--gwas-summary` the run ignores) and the
/// outcome prefix. `None` for any other command line.
pub fn split_args(args: &[String]) -> Option<(Vec<String>, PathBuf)> {
    let mut slots: Vec<String> = Vec::new();
    let mut rest: Vec<String> = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if let Some(f) = BESD_FLAGS.iter().find(|f| a.starts_with(&format!("{f}="))) {
            slots.push(a[f.len() + 1..].to_string());
        } else if BESD_FLAGS.contains(&a.as_str()) && i + 1 < args.len() {
            slots.push(args[i + 1].clone());
            i += 1;
        } else {
            rest.push(a.clone());
        }
        i += 1;
    }
    // The multi-omics plot file and the BESD tools keep their own handling of the flags.
    let other_mode = rest.iter().any(|a| {
        NOT_OMICS
            .iter()
            .any(|f| a == f || a.starts_with(&format!("{f}=")))
    });
    if slots.len() < 2 || other_mode {
        return None;
    }
    let outcome = PathBuf::from(&slots[1]);
    rest.push("--beqtl-summary".into());
    rest.push(slots[0].clone());
    if !rest
        .iter()
        .any(|a| a.starts_with("--gwas-summary") || a.starts_with("--gwas-flist"))
    {
        rest.push("--gwas-summary".into());
        rest.push(slots[1].clone());
    }
    Some((rest, outcome))
}

/// The probe filters of one side: `--extract-*-probe` list or single ID (the list wins),
/// `--exclude-*-probe` list or single ID.
struct ProbeLists {
    extract: Option<HashSet<String>>,
    exclude: Option<HashSet<String>>,
}

impl ProbeLists {
    fn read(
        side: &str,
        extract: (&Option<PathBuf>, &Option<String>),
        exclude: (&Option<PathBuf>, &Option<String>),
        log: &mut RunLog,
    ) -> Result<Self> {
        let mut one = |what: &str, list: &Option<PathBuf>, single: &Option<String>| {
            if list.is_some() && single.is_some() {
                log.info(format!(
                    "  warning: --{what}-{side}-probe and --{what}-single-{side}-probe both \
                     given: the list is used"
                ));
            }
            match (list, single) {
                (Some(p), _) => crate::io::lists::read_id_list(p)
                    .map(|v| Some(v.into_iter().collect::<HashSet<String>>())),
                (None, Some(id)) => Ok(Some(std::iter::once(id.clone()).collect())),
                (None, None) => Ok(None),
            }
        };
        Ok(ProbeLists {
            extract: one("extract", extract.0, extract.1)?,
            exclude: one("exclude", exclude.0, exclude.1)?,
        })
    }

    fn apply(&self, data: &mut EqtlData, side: &str, log: &mut RunLog) {
        let before = data.probes.len();
        let epi = &data.epi;
        data.probes.retain(|&p| {
            self.extract
                .as_ref()
                .is_none_or(|s| s.contains(&epi[p].probe))
                && self
                    .exclude
                    .as_ref()
                    .is_none_or(|s| !s.contains(&epi[p].probe))
        });
        if self.extract.is_some() || self.exclude.is_some() {
            log.info(format!(
                "  {} of {before} {side} probes kept by the {side} probe lists",
                data.probes.len()
            ));
        }
    }
}

/// The outcome `.esi` rows kept, as GWAS records (b/se/p placeholders: each outcome probe
/// fills its own values later).
fn outcome_as_gwas(outcome: &EqtlData) -> GwasRead {
    let esi = &outcome.esi;
    let records: Vec<GwasRecord> = outcome
        .esi_keep
        .iter()
        .map(|&i| {
            let r = esi.row(i as usize);
            GwasRecord {
                snp: r.snp.into(),
                a1: r.a1.to_ascii_uppercase().into(),
                a2: r.a2.to_ascii_uppercase().into(),
                freq: esi.freq(i as usize).map(f64::from),
                b: Some(0.0),
                se: Some(1.0),
                p: Some(1.0),
                n: None,
                chr: None,
                bp: None,
            }
        })
        .collect();
    let n_freq_na = records.iter().filter(|r| r.freq.is_none()).count();
    GwasRead {
        layout: GwasLayout::Ma,
        data: GwasData {
            records: GwasTable::from_records(&records),
            flagged: Vec::new(),
            n_freq_na,
            skipped: Vec::new(),
        },
        has_freq: true,
        has_chrpos: false,
    }
}

/// Run SMR between the exposure `cli` names (`--beqtl-summary`) and the outcome BESD
/// `outcome`, writing `<out>.smr`.
pub fn run(cli: &Cli, outcome: &Path, log: &mut RunLog) -> Result<()> {
    let cfg = Config::from_cli(cli)?;
    let multi = if cli.multi.smr_multi {
        let plan = MultiPlan::resolve(cli, &cfg)?;
        if plan.set_list.is_some() || plan.gene_list.is_some() {
            return Err(Error::Config(
                "--set-list/--gene-list with two BESD inputs is an SMR 1.3.1 option combination \
                 fastsmr does not implement (the reference tests the cis regions here)"
                    .into(),
            ));
        }
        Some(plan.settings)
    } else {
        for (given, flag) in [
            (cli.multi.set_wind.is_some(), "--set-wind"),
            (cli.multi.set_list.is_some(), "--set-list"),
            (cli.multi.gene_list.is_some(), "--gene-list"),
        ] {
            if given {
                return Err(Error::Config(format!("{flag} needs --smr-multi")));
            }
        }
        None
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.threads)
        .build()
        .map_err(|e| Error::Config(format!("cannot start {} threads: {e}", cfg.threads)))?;
    pool.install(|| run_in_pool(&cfg, &cli.omics, multi, outcome, log))
}

fn run_in_pool(
    cfg: &Config,
    args: &OmicsArgs,
    multi: Option<MultiSettings>,
    outcome: &Path,
    log: &mut RunLog,
) -> Result<()> {
    log.info(format!(
        "SMR between two xQTL datasets: exposure {}, outcome {}",
        cfg.besd.prefix.display(),
        outcome.display()
    ));
    let outco_lists = ProbeLists::read(
        "outcome",
        (
            &args.extract_outcome_probe,
            &args.extract_single_outcome_probe,
        ),
        (
            &args.exclude_outcome_probe,
            &args.exclude_single_outcome_probe,
        ),
        log,
    )?;
    let expo_lists = ProbeLists::read(
        "exposure",
        (
            &args.extract_exposure_probe,
            &args.extract_single_exposure_probe,
        ),
        (
            &args.exclude_exposure_probe,
            &args.exclude_single_exposure_probe,
        ),
        log,
    )?;
    // --extract-snp / --exclude-snp act on the outcome .esi only (quirk Q71).
    let no_lists = IdLists::default();
    let snp_lists = IdLists::snps(cfg)?;
    let mut ocfg = cfg.clone();
    ocfg.besd = BesdPaths::from_prefix(outcome);
    let mut outco = EqtlData::load(&ocfg, &snp_lists, log)?;
    outco_lists.apply(&mut outco, "outcome", log);
    let mut expo = EqtlData::load(cfg, &no_lists, log)?;
    expo_lists.apply(&mut expo, "exposure", log);
    {
        let expo_ids: HashSet<&str> = expo
            .esi_keep
            .iter()
            .map(|&i| expo.esi.snp(i as usize))
            .collect();
        if !outco
            .esi_keep
            .iter()
            .any(|&i| expo_ids.contains(outco.esi.snp(i as usize)))
        {
            return Err(Error::Analysis(format!(
                "no SNP in common between the exposure data ({}) and the outcome data ({})",
                cfg.besd.prefix.display(),
                outcome.display()
            )));
        }
    }
    let reference = LdReference::load(cfg, &expo, &no_lists, log)?;
    let read = outcome_as_gwas(&outco);
    let Harmonised {
        gwas,
        matched,
        geno,
        ..
    } = harmonise_read(
        cfg,
        &expo,
        reference.as_ref(),
        read,
        &ocfg.besd.esi,
        &cfg.out,
        log,
    )?;
    let mut snps = SnpTable::build(&expo.esi, gwas, &matched);
    let mut map = OutcomeMap::new(outco.esi.len(), &outco.esi_keep, &matched, &mut snps);
    drop(matched);
    let target = match &cfg.target_snp {
        Some(rs) => Some(snps.find(&expo.esi, rs).ok_or_else(|| {
            Error::Analysis(format!(
                "--target-snp {rs} is not among the SNPs common to all inputs"
            ))
        })?),
        None => None,
    };
    let ld = geno.as_ref().map(|g| g as &dyn LdSource);
    let window = (!args.cis_to_all).then_some(args.outcome_wind as i64 * 1000);
    log.info(format!(
        "Testing {} outcome probes against the exposure probes {} ({} thread(s), cis window {} kb{})",
        outco.probes.len(),
        match window {
            Some(w) => format!("within {} kb", w / 1000),
            None => "all (--cis-to-all)".to_string(),
        },
        cfg.threads,
        cfg.cis_window_bp / 1000,
        if multi.is_some() { ", multi-SNP SMR" } else { "" }
    ));
    let pairs = Pairs {
        expo: &expo,
        outco: &outco,
        bed: reference.as_ref().map(|r| &r.bed),
        window,
    };
    let table = |snps| OmicsTable {
        expo_epi: &expo.epi,
        outco_epi: &outco.epi,
        esi: &expo.esi,
        snp_esi: snps,
    };
    let (path, n, skipped) = match multi {
        None => {
            let target = target.map_or(Target::None, Target::Every);
            let mut rows = Vec::new();
            let skipped = pairs.run(&mut snps, &mut map, log, |snps, o, run| {
                let analysis = Cis::new(cfg, snps, &expo.esi, ld, target.clone());
                run.collect(&analysis, &mut rows, |c: &CisRow| OmicsRow {
                    outcome: o,
                    outcome_b: snps.gwas_b[c.top],
                    outcome_se: snps.gwas_se[c.top],
                    outcome_p: snps.gwas_p[c.top],
                    cis: c.clone(),
                })
            })?;
            let mut sink = TableSink::new(table(&snps.esi), out_path(&cfg.out, "smr"), rows.len());
            for (p, r) in &rows {
                sink.row(*p, r);
            }
            (sink.finish()?, rows.len(), skipped)
        }
        Some(settings) => {
            let ld = ld.ok_or_else(|| {
                Error::Config("--smr-multi needs the LD reference --bfile".into())
            })?;
            let mut rows = Vec::new();
            let skipped = pairs.run(&mut snps, &mut map, log, |snps, o, run| {
                let analysis = Multi::new(cfg, settings, snps, ld, Regions::Cis);
                run.collect(&analysis, &mut rows, |m: &MultiRow| OmicsMultiRow {
                    outcome: o,
                    outcome_b: snps.gwas_b[m.top],
                    outcome_se: snps.gwas_se[m.top],
                    multi: m.clone(),
                })
            })?;
            let t = OmicsMultiTable(table(&snps.esi));
            let mut sink = TableSink::new(t, out_path(&cfg.out, "msmr"), rows.len());
            for (p, r) in &rows {
                sink.row(*p, r);
            }
            (sink.finish()?, rows.len(), skipped)
        }
    };
    log.info(format!(
        "{n} (exposure, outcome) pairs tested; results saved in {}",
        path.display()
    ));
    for (reason, n) in &skipped {
        log.info(format!("  {n} pairs without a row: {reason}"));
    }
    Ok(())
}

/// What every outcome probe's run shares: both datasets, the LD reference's genotypes and the
/// outcome window.
struct Pairs<'a> {
    expo: &'a EqtlData,
    outco: &'a EqtlData,
    bed: Option<&'a crate::io::plink::BedFile>,
    window: Option<i64>,
}

/// One outcome probe's run: the exposure probes it meets, ready for an analysis.
struct OutcomeRun<'a> {
    inputs: Inputs<'a>,
    probes: &'a [usize],
    label: String,
    log: &'a RunLog,
    skipped: &'a mut BTreeMap<&'static str, usize>,
}

impl OutcomeRun<'_> {
    /// Run `analysis` on the exposure probes; each row, made by `row`, goes to `rows` with its
    /// exposure probe, and each probe without a row is counted by reason.
    fn collect<A: Analysis, R>(
        &mut self,
        analysis: &A,
        rows: &mut Vec<(usize, R)>,
        row: impl Fn(&A::Row) -> R,
    ) -> Result<()> {
        let plan = Plan {
            probes: self.probes,
            snp_filter: None,
        };
        let label = std::mem::take(&mut self.label);
        let outcomes = engine::run(analysis, &self.inputs, &plan, label, self.log)?;
        for (p, oc) in outcomes.probes {
            if let Outcome::Skipped(r) = &oc {
                *self.skipped.entry(r.label()).or_default() += 1;
            }
            rows.extend(oc.rows().iter().map(|c| (p, row(c))));
        }
        Ok(())
    }
}

impl Pairs<'_> {
    /// Per outcome probe `o` (outcome `.epi` order) that meets an exposure probe: fill its
    /// values into the GWAS columns of `snps`, then `test(snps, o, run)`, which builds the
    /// analysis and runs it with [`OutcomeRun::collect`]. Returns the pairs without a row, by
    /// reason.
    fn run(
        &self,
        snps: &mut SnpTable,
        map: &mut OutcomeMap,
        log: &RunLog,
        mut test: impl FnMut(&SnpTable, usize, &mut OutcomeRun<'_>) -> Result<()>,
    ) -> Result<BTreeMap<&'static str, usize>> {
        let (expo, outco) = (self.expo, self.outco);
        let mut skipped = BTreeMap::<&'static str, usize>::new();
        let mut buf = Vec::new();
        for &o in &outco.probes {
            let n = map.fill(snps, &outco.besd, o, &mut buf)?;
            let probes = exposure_probes(&expo.epi, &expo.probes, &outco.epi[o], self.window);
            if n == 0 || probes.is_empty() {
                continue;
            }
            let snps: &SnpTable = snps;
            let mut run = OutcomeRun {
                inputs: Inputs {
                    snps,
                    besd: &expo.besd,
                    epi: &expo.epi,
                    bed: self.bed,
                },
                probes: &probes,
                label: format!("exposure probes [{}]", outco.epi[o].probe),
                log,
                skipped: &mut skipped,
            };
            test(snps, o, &mut run)?;
        }
        Ok(skipped)
    }
}

#[cfg(test)]
mod tests {
    use super::split_args;
    use std::path::PathBuf;

    fn v(a: &[&str]) -> Vec<String> {
        a.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn two_slots_in_command_line_order() {
        let (args, out) = split_args(&v(&[
            "fastsmr",
            "--eqtl-summary=A",
            "--out",
            "o",
            "--beqtl-summary",
            "B",
        ]))
        .unwrap();
        assert_eq!(out, PathBuf::from("B"));
        assert_eq!(
            args,
            v(&[
                "fastsmr",
                "--out",
                "o",
                "--beqtl-summary",
                "A",
                "--gwas-summary",
                "B"
            ])
        );
        // A --gwas-summary given is kept (and ignored by the run).
        let (args, _) = split_args(&v(&[
            "fastsmr",
            "--beqtl-summary",
            "A",
            "--beqtl-summary",
            "B",
            "--gwas-summary",
            "g.ma",
        ]))
        .unwrap();
        assert_eq!(
            args,
            v(&["fastsmr", "--gwas-summary", "g.ma", "--beqtl-summary", "A"])
        );
    }

    #[test]
    fn one_slot_or_another_mode_is_not_omics() {
        assert!(split_args(&v(&["fastsmr", "--beqtl-summary", "A"])).is_none());
        assert!(split_args(&v(&[
            "fastsmr",
            "--beqtl-summary",
            "A",
            "--eqtl-summary",
            "B",
            "--plot"
        ]))
        .is_none());
    }
}
