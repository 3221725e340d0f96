//! Flags of the look-up and summary modes (data-spec/query.md): `--query`,
//! `--descriptive-cis`, `--descriptive-trans`, `--recode`. Parsing only;
//! [`crate::lookup::LookupSettings::from_cli`] validates them.

use clap::Args;

/// Look-ups and summaries of the eQTL data (no GWAS, no LD reference).
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Look-ups and summaries")]
pub struct LookupArgs {
    /// Write every stored (probe, SNP) with eQTL p at most P (default 5e-8) to <OUT>.txt,
    /// after the probe and SNP filters.
    #[arg(long, value_name = "P", num_args = 0..=1, default_missing_value = "5e-8")]
    pub query: Option<f64>,
    /// Write the top cis-eQTL of every probe (p <= --peqtl-cis) to <OUT>.cis.summary.txt.
    #[arg(long)]
    pub descriptive_cis: bool,
    /// Write the top SNP of every trans region of every probe to <OUT>.trans.summary.txt
    /// (cis window 5000 kb unless --cis-wind is given).
    #[arg(long)]
    pub descriptive_trans: bool,
    /// Write every stored value (after the probe and SNP filters) to <OUT>.raw.
    #[arg(long)]
    pub recode: bool,
    /// eQTL p threshold of --descriptive-cis.
    #[arg(long, default_value_t = 5e-8, value_name = "P")]
    pub peqtl_cis: f64,
}

#[cfg(test)]
mod tests {
    use crate::cli::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn flags_are_well_formed_and_unique() {
        // clap's own consistency checks (duplicate names, bad defaults), which otherwise run
        // only in debug builds: two option groups defining the same flag fail here.
        Cli::command().debug_assert();
    }

    #[test]
    fn query_value_is_optional() {
        let c = Cli::try_parse_from(["fastsmr", "--query", "--probe", "p"]).unwrap();
        assert_eq!(c.lookup.query, Some(5e-8));
        assert_eq!(c.ranges.probe.as_deref(), Some("p"));
        let c = Cli::try_parse_from(["fastsmr", "--query", "1e-3"]).unwrap();
        assert_eq!(c.lookup.query, Some(1e-3));
        let c = Cli::try_parse_from(["fastsmr", "--recode"]).unwrap();
        assert_eq!((c.lookup.query, c.lookup.recode), (None, true));
    }
}
