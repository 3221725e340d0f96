//! The filters of a run, validated from the command line before any data is read
//! (data-spec/ranges.md §1-§3). Only flag combinations are checked here; names that must be
//! found in the data (`--probe`, `--snp`, ...) are checked by [`Filters::resolve`].

use crate::cli::Cli;
use crate::config::parse_chrom_option;
use crate::error::{Error, Result};
use crate::io::text::MAX_BP;
use crate::types::{Bp, Chrom};
use std::path::PathBuf;

/// Which SNPs of the `.esi` the range part of the SNP filter keeps (data-spec/ranges.md §2).
/// SMR 1.3.1 applies only the first of these that is given, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnpRange {
    /// No range flag: every SNP.
    All,
    /// `--extract-snp FILE`: the listed SNPs.
    List(PathBuf),
    /// `--snp ID --snp-wind KB`: the SNPs on the chromosome of `ID` within `KB` of it.
    Window {
        /// The centre SNP.
        snp: String,
        /// Half-width in kb.
        kb: i64,
    },
    /// `--snp ID`: that SNP only.
    One(String),
    /// `--from-snp A --to-snp B`: the SNPs between two SNPs of one chromosome, inclusive.
    Between {
        /// One end.
        from: String,
        /// The other end.
        to: String,
    },
    /// `--from-snp-kb A --to-snp-kb B` on the SNP chromosome, inclusive.
    Region {
        /// Chromosome (`--snp-chr`, else `--chr`).
        chr: Chrom,
        /// Start, bp (ends swapped when given in reverse).
        from_bp: Bp,
        /// End, bp.
        to_bp: Bp,
    },
}

/// Which probes of the `.epi` the range part of the probe filter keeps (data-spec/ranges.md
/// §3). SMR 1.3.1 applies only the first of these that is given, in this order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProbeRange {
    /// No range flag: every probe.
    All,
    /// `--extract-probe FILE` and/or `--genes FILE` (both: a probe must pass both).
    Lists {
        /// Probe IDs (first column).
        extract: Option<PathBuf>,
        /// Gene names (first column).
        genes: Option<PathBuf>,
    },
    /// `--probe ID --probe-wind KB`: the probes on the chromosome of `ID` within `KB` of it.
    Window {
        /// The centre probe.
        probe: String,
        /// Half-width in kb.
        kb: i64,
    },
    /// `--probe ID`: that probe only.
    One(String),
    /// `--from-probe A --to-probe B`: the probes between two probes of one chromosome.
    Between {
        /// One end.
        from: String,
        /// The other end.
        to: String,
    },
    /// `--from-probe-kb A --to-probe-kb B` on the probe chromosome, inclusive.
    Region {
        /// Chromosome (`--probe-chr`, else `--chr`).
        chr: Chrom,
        /// Start, bp (ends swapped when given in reverse).
        from_bp: Bp,
        /// End, bp.
        to_bp: Bp,
    },
    /// `--gene NAME`: the probes whose gene is exactly `NAME`.
    Gene(String),
}

/// The SNP filter: chromosome, then one range, then the exclusions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SnpFilter {
    /// `--snp-chr`, else `--chr`.
    pub chr: Option<Chrom>,
    /// The range that applies.
    pub range: SnpRange,
    /// `--exclude-snp FILE`.
    pub exclude: Option<PathBuf>,
    /// `--snp-rm ID`.
    pub remove: Option<String>,
    /// Range flags given but not applied because one of higher priority was given.
    pub ignored: Vec<&'static str>,
}

/// The probe filter: chromosome, then one range, then the exclusions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProbeFilter {
    /// `--probe-chr`, else `--chr`.
    pub chr: Option<Chrom>,
    /// The range that applies.
    pub range: ProbeRange,
    /// `--exclude-probe FILE`.
    pub exclude: Option<PathBuf>,
    /// Range flags given but not applied because one of higher priority was given.
    pub ignored: Vec<&'static str>,
}

/// Which SNP-probe pair list was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairKind {
    /// `--extract-target-snp-probe`: the SNP is the instrument of its probe.
    Target,
    /// `--extract-snp-probe`: the probe is tested on the SNPs around its SNP.
    Window,
}

impl PairKind {
    /// The flag that names the list.
    pub fn flag(self) -> &'static str {
        match self {
            PairKind::Target => "--extract-target-snp-probe",
            PairKind::Window => "--extract-snp-probe",
        }
    }
}

/// A SNP-probe pair list to read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PairListSpec {
    /// The file.
    pub path: PathBuf,
    /// Which flag named it.
    pub kind: PairKind,
}

/// Every probe and SNP filter of a run (data-spec/ranges.md), validated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    /// On the `.esi`.
    pub snps: SnpFilter,
    /// On the `.epi`.
    pub probes: ProbeFilter,
    /// `--extract-target-snp-probe` / `--extract-snp-probe`.
    pub pairs: Option<PairListSpec>,
}

impl Default for Filters {
    /// No filter: every probe and every SNP.
    fn default() -> Self {
        Filters {
            snps: SnpFilter {
                chr: None,
                range: SnpRange::All,
                exclude: None,
                remove: None,
                ignored: Vec::new(),
            },
            probes: ProbeFilter {
                chr: None,
                range: ProbeRange::All,
                exclude: None,
                ignored: Vec::new(),
            },
            pairs: None,
        }
    }
}

/// The range and pair-list flags given (those of [`crate::cli::ranges::RangeArgs`]), by
/// name: lets an analysis that does not apply them yet refuse them rather than ignore them.
pub fn range_flags_given(r: &crate::cli::ranges::RangeArgs) -> Vec<&'static str> {
    [
        (r.probe.is_some(), "--probe"),
        (r.probe_wind.is_some(), "--probe-wind"),
        (r.gene.is_some(), "--gene"),
        (r.genes.is_some(), "--genes"),
        (r.from_probe.is_some(), "--from-probe"),
        (r.to_probe.is_some(), "--to-probe"),
        (r.from_probe_kb.is_some(), "--from-probe-kb"),
        (r.to_probe_kb.is_some(), "--to-probe-kb"),
        (r.snp.is_some(), "--snp"),
        (r.snp_wind.is_some(), "--snp-wind"),
        (r.from_snp.is_some(), "--from-snp"),
        (r.to_snp.is_some(), "--to-snp"),
        (r.from_snp_kb.is_some(), "--from-snp-kb"),
        (r.to_snp_kb.is_some(), "--to-snp-kb"),
        (r.snp_rm.is_some(), "--snp-rm"),
        (
            r.extract_target_snp_probe.is_some(),
            "--extract-target-snp-probe",
        ),
        (r.extract_snp_probe.is_some(), "--extract-snp-probe"),
    ]
    .into_iter()
    .filter_map(|(given, name)| given.then_some(name))
    .collect()
}

/// A window half-width in kb: not negative, and as bp within the position range.
fn check_kb(flag: &str, kb: i64) -> Result<i64> {
    if kb < 0 {
        return Err(Error::Config(format!(
            "{flag} expects a number of kb that is 0 or more, got {kb}"
        )));
    }
    if kb.saturating_mul(1000) > MAX_BP {
        return Err(Error::Config(format!(
            "{flag} {kb} kb is larger than any chromosome (at most {} kb)",
            MAX_BP / 1000
        )));
    }
    Ok(kb)
}

/// The bp interval of a `--from-*-kb/--to-*-kb` pair, ends in order.
fn kb_region(names: [&str; 2], from: i64, to: i64) -> Result<(Bp, Bp)> {
    let a = check_kb(names[0], from)? * 1000;
    let b = check_kb(names[1], to)? * 1000;
    Ok((a.min(b), a.max(b)))
}

/// Both or neither of a `--from-*`/`--to-*` pair.
fn both<T: Clone>(names: [&str; 2], from: &Option<T>, to: &Option<T>) -> Result<Option<(T, T)>> {
    match (from, to) {
        (Some(a), Some(b)) => Ok(Some((a.clone(), b.clone()))),
        (None, None) => Ok(None),
        (Some(_), None) => Err(Error::Config(format!(
            "{} needs {} (the other end of the range)",
            names[0], names[1]
        ))),
        (None, Some(_)) => Err(Error::Config(format!(
            "{} needs {} (the other end of the range)",
            names[1], names[0]
        ))),
    }
}

/// The first `Some` of `candidates` wins; the names of the later ones given are returned.
fn first_given<T>(candidates: Vec<(Option<T>, &'static str)>) -> (Option<T>, Vec<&'static str>) {
    let mut chosen = None;
    let mut ignored = Vec::new();
    for (c, name) in candidates {
        match (c, chosen.is_some()) {
            (Some(v), false) => chosen = Some(v),
            (Some(_), true) => ignored.push(name),
            (None, _) => {}
        }
    }
    (chosen, ignored)
}

impl Filters {
    /// Validate the filter flags of the command line (no file is read). Errors are usage
    /// errors ([`Error::Config`]): a window without its centre, a range with one end, a
    /// negative window, a kb region without a chromosome, both pair lists.
    pub fn from_cli(cli: &Cli) -> Result<Self> {
        let f = &cli.filters;
        let r = &cli.ranges;
        let chr = f
            .chr
            .as_deref()
            .map(|s| parse_chrom_option("--chr", s))
            .transpose()?;
        let snp_chr = match &f.snp_chr {
            Some(s) => Some(parse_chrom_option("--snp-chr", s)?),
            None => chr,
        };
        let probe_chr = match &f.probe_chr {
            Some(s) => Some(parse_chrom_option("--probe-chr", s)?),
            None => chr,
        };

        // SNPs (data-spec/ranges.md §2).
        if r.snp_wind.is_some() && r.snp.is_none() {
            return Err(Error::Config(
                "--snp-wind needs --snp (the SNP at the centre of the window)".into(),
            ));
        }
        let snp_window = match (&r.snp, r.snp_wind) {
            (Some(s), Some(kb)) => Some(SnpRange::Window {
                snp: s.clone(),
                kb: check_kb("--snp-wind", kb)?,
            }),
            (Some(s), None) => Some(SnpRange::One(s.clone())),
            _ => None,
        };
        let between = both(["--from-snp", "--to-snp"], &r.from_snp, &r.to_snp)?
            .map(|(from, to)| SnpRange::Between { from, to });
        let region = match both(
            ["--from-snp-kb", "--to-snp-kb"],
            &r.from_snp_kb,
            &r.to_snp_kb,
        )? {
            None => None,
            Some((a, b)) => {
                let Some(chr) = snp_chr else {
                    return Err(Error::Config(
                        "--from-snp-kb/--to-snp-kb need a chromosome: give --snp-chr (or --chr)"
                            .into(),
                    ));
                };
                let (from_bp, to_bp) = kb_region(["--from-snp-kb", "--to-snp-kb"], a, b)?;
                Some(SnpRange::Region {
                    chr,
                    from_bp,
                    to_bp,
                })
            }
        };
        let snp_name = if r.snp_wind.is_some() {
            "--snp/--snp-wind"
        } else {
            "--snp"
        };
        let (snp_range, snp_ignored) = first_given(vec![
            (f.extract_snp.clone().map(SnpRange::List), "--extract-snp"),
            (snp_window, snp_name),
            (between, "--from-snp/--to-snp"),
            (region, "--from-snp-kb/--to-snp-kb"),
        ]);

        // Probes (data-spec/ranges.md §3).
        if r.probe_wind.is_some() && r.probe.is_none() {
            return Err(Error::Config(
                "--probe-wind needs --probe (the probe at the centre of the window)".into(),
            ));
        }
        let lists = (f.extract_probe.is_some() || r.genes.is_some()).then(|| ProbeRange::Lists {
            extract: f.extract_probe.clone(),
            genes: r.genes.clone(),
        });
        let probe_window = match (&r.probe, r.probe_wind) {
            (Some(p), Some(kb)) => Some(ProbeRange::Window {
                probe: p.clone(),
                kb: check_kb("--probe-wind", kb)?,
            }),
            (Some(p), None) => Some(ProbeRange::One(p.clone())),
            _ => None,
        };
        let pbetween = both(["--from-probe", "--to-probe"], &r.from_probe, &r.to_probe)?
            .map(|(from, to)| ProbeRange::Between { from, to });
        let pregion = match both(
            ["--from-probe-kb", "--to-probe-kb"],
            &r.from_probe_kb,
            &r.to_probe_kb,
        )? {
            None => None,
            Some((a, b)) => {
                // SMR 1.3.1 reads only --probe-chr here, so with --chr alone it keeps
                // nothing (oracle-notes Q15); we take --chr too (data-spec/deviations.md).
                let Some(chr) = probe_chr else {
                    return Err(Error::Config(
                        "--from-probe-kb/--to-probe-kb need a chromosome: give --probe-chr (or \
                         --chr)"
                            .into(),
                    ));
                };
                let (from_bp, to_bp) = kb_region(["--from-probe-kb", "--to-probe-kb"], a, b)?;
                Some(ProbeRange::Region {
                    chr,
                    from_bp,
                    to_bp,
                })
            }
        };
        let lists_name = match (f.extract_probe.is_some(), r.genes.is_some()) {
            (true, true) => "--extract-probe/--genes",
            (true, false) => "--extract-probe",
            _ => "--genes",
        };
        let probe_name = if r.probe_wind.is_some() {
            "--probe/--probe-wind"
        } else {
            "--probe"
        };
        let (probe_range, probe_ignored) = first_given(vec![
            (lists, lists_name),
            (probe_window, probe_name),
            (pbetween, "--from-probe/--to-probe"),
            (pregion, "--from-probe-kb/--to-probe-kb"),
            (r.gene.clone().map(ProbeRange::Gene), "--gene"),
        ]);

        let pairs =
            match (&r.extract_target_snp_probe, &r.extract_snp_probe) {
                (Some(_), Some(_)) => return Err(Error::Config(
                    "--extract-target-snp-probe and --extract-snp-probe cannot be combined; give \
                     one SNP-probe list"
                        .into(),
                )),
                (Some(p), None) => Some(PairListSpec {
                    path: p.clone(),
                    kind: PairKind::Target,
                }),
                (None, Some(p)) => Some(PairListSpec {
                    path: p.clone(),
                    kind: PairKind::Window,
                }),
                (None, None) => None,
            };
        Ok(Filters {
            snps: SnpFilter {
                chr: snp_chr,
                range: snp_range.unwrap_or(SnpRange::All),
                exclude: f.exclude_snp.clone(),
                remove: r.snp_rm.clone(),
                ignored: snp_ignored,
            },
            probes: ProbeFilter {
                chr: probe_chr,
                range: probe_range.unwrap_or(ProbeRange::All),
                exclude: f.exclude_probe.clone(),
                ignored: probe_ignored,
            },
            pairs,
        })
    }

    /// True when some filter is given (a run with none sees every probe and SNP).
    pub fn is_active(&self) -> bool {
        *self != Filters::default()
    }

    /// Warnings about flags given but not applied, one line each (SMR 1.3.1 applies only
    /// the first range of each kind, data-spec/ranges.md §2-§3).
    pub fn warnings(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut warn = |ignored: &[&str], kind: &str, chosen: Option<&str>| {
            if let (false, Some(chosen)) = (ignored.is_empty(), chosen) {
                out.push(format!(
                    "warning: {} ignored: only one {kind} range applies and {chosen} comes \
                     first (as in SMR 1.3.1)",
                    ignored.join(", ")
                ));
            }
        };
        warn(
            &self.snps.ignored,
            "SNP",
            match &self.snps.range {
                SnpRange::All => None,
                SnpRange::List(_) => Some("--extract-snp"),
                SnpRange::Window { .. } => Some("--snp/--snp-wind"),
                SnpRange::One(_) => Some("--snp"),
                SnpRange::Between { .. } => Some("--from-snp/--to-snp"),
                SnpRange::Region { .. } => Some("--from-snp-kb/--to-snp-kb"),
            },
        );
        warn(
            &self.probes.ignored,
            "probe",
            match &self.probes.range {
                ProbeRange::All => None,
                ProbeRange::Lists { .. } => Some("--extract-probe/--genes"),
                ProbeRange::Window { .. } => Some("--probe/--probe-wind"),
                ProbeRange::One(_) => Some("--probe"),
                ProbeRange::Between { .. } => Some("--from-probe/--to-probe"),
                ProbeRange::Region { .. } => Some("--from-probe-kb/--to-probe-kb"),
                ProbeRange::Gene(_) => Some("--gene"),
            },
        );
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    fn filters(args: &str) -> Result<Filters> {
        let mut v = vec!["fastsmr"];
        v.extend(args.split_whitespace());
        Filters::from_cli(&Cli::try_parse_from(v).expect("parses"))
    }

    fn usage_error(args: &str) -> String {
        match filters(args) {
            Err(Error::Config(m)) => m,
            other => panic!("expected a usage error for '{args}', got {other:?}"),
        }
    }

    #[test]
    fn no_flag_is_no_filter() {
        let f = filters("").unwrap();
        assert!(!f.is_active());
        assert!(f.warnings().is_empty());
    }

    #[test]
    fn snp_ranges_by_priority() {
        let f = filters("--snp rs1 --snp-wind 100 --from-snp a --to-snp b").unwrap();
        assert_eq!(
            f.snps.range,
            SnpRange::Window {
                snp: "rs1".into(),
                kb: 100
            }
        );
        assert_eq!(f.snps.ignored, ["--from-snp/--to-snp"]);
        let w = f.warnings();
        assert!(
            w.len() == 1 && w[0].contains("--from-snp/--to-snp ignored"),
            "{w:?}"
        );
        let f = filters("--extract-snp l --snp rs1").unwrap();
        assert_eq!(f.snps.range, SnpRange::List("l".into()));
        assert_eq!(f.snps.ignored, ["--snp"]);
        let f = filters("--chr X --from-snp-kb 300 --to-snp-kb 100").unwrap();
        assert_eq!(
            f.snps.range,
            SnpRange::Region {
                chr: 23,
                from_bp: 100_000,
                to_bp: 300_000
            }
        );
        assert_eq!(f.probes.chr, Some(23));
        let f = filters("--chr 2 --snp-chr 3").unwrap();
        assert_eq!((f.snps.chr, f.probes.chr), (Some(3), Some(2)));
    }

    #[test]
    fn probe_ranges_by_priority() {
        let f = filters("--gene G --from-probe a --to-probe b").unwrap();
        assert_eq!(
            f.probes.range,
            ProbeRange::Between {
                from: "a".into(),
                to: "b".into()
            }
        );
        assert_eq!(f.probes.ignored, ["--gene"]);
        let f = filters("--genes g.txt --probe p --probe-wind 5").unwrap();
        assert_eq!(
            f.probes.range,
            ProbeRange::Lists {
                extract: None,
                genes: Some("g.txt".into())
            }
        );
        assert_eq!(f.probes.ignored, ["--probe/--probe-wind"]);
        // --chr is enough for the probe kb region (SMR 1.3.1 needs --probe-chr, Q15).
        let f = filters("--chr 1 --from-probe-kb 1 --to-probe-kb 2").unwrap();
        assert_eq!(
            f.probes.range,
            ProbeRange::Region {
                chr: 1,
                from_bp: 1000,
                to_bp: 2000
            }
        );
        let f = filters("--extract-target-snp-probe t.txt").unwrap();
        assert_eq!(
            f.pairs,
            Some(PairListSpec {
                path: "t.txt".into(),
                kind: PairKind::Target
            })
        );
    }

    #[test]
    fn bad_combinations_are_usage_errors() {
        assert!(usage_error("--snp-wind 100").contains("--snp-wind needs --snp"));
        assert!(usage_error("--probe-wind 100").contains("--probe-wind needs --probe"));
        assert!(usage_error("--snp rs1 --snp-wind -5").contains("0 or more, got -5"));
        assert!(usage_error("--probe p --probe-wind -1").contains("--probe-wind"));
        assert!(usage_error("--snp rs1 --snp-wind 3000000").contains("larger than any"));
        assert!(usage_error("--from-snp a").contains("--from-snp needs --to-snp"));
        assert!(usage_error("--to-probe a").contains("--to-probe needs --from-probe"));
        assert!(usage_error("--from-snp-kb 1 --to-snp-kb 2").contains("--snp-chr"));
        assert!(usage_error("--from-probe-kb 1 --to-probe-kb 2").contains("--probe-chr"));
        assert!(usage_error("--snp-chr 1 --from-snp-kb -1 --to-snp-kb 2").contains("-1"));
        assert!(usage_error("--chr 0").contains("--chr"));
        assert!(
            usage_error("--extract-snp-probe a --extract-target-snp-probe b")
                .contains("cannot be combined")
        );
        // A window that is not a whole number of kb is refused by the parser (exit 2).
        assert!(Cli::try_parse_from(["fastsmr", "--snp", "rs1", "--snp-wind", "1.5"]).is_err());
    }
}
