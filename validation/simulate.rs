//! Synthetic SMR inputs at any scale: sparse BESD (`.besd/.esi/.epi`), a PLINK LD reference
//! (`.bed/.bim/.fam`) and one or more GWAS `.ma` files, with LD structure.
//!
//! ```text
//! cargo run --release --example simulate -- --out DIR/prefix [--probes 300] [--snps 50000]
//!     [--indiv 500] [--genome-scale 0.01] [--cis-kb 2000] [--cis-frac 0.5] [--traits 1]
//!     [--seed 1] [--founders 8] [--segment-snps 200] [--missing 0.005] [--trans-every 0]
//! ```
//!
//! The model is documented in `sim_model.rs`.

#[path = "sim_model.rs"]
mod sim_model;

use sim_model::Params;
use std::path::PathBuf;

fn parse_args() -> Params {
    let mut p = Params::default();
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < args.len() {
        let v = args.get(i + 1).cloned().unwrap_or_default();
        let num = |s: &str| -> f64 {
            s.parse()
                .unwrap_or_else(|_| panic!("{} expects a number, got '{s}'", args[i]))
        };
        match args[i].as_str() {
            "--out" => p.out = PathBuf::from(&v),
            "--probes" => p.probes = num(&v) as usize,
            "--snps" => p.snps = num(&v) as usize,
            "--indiv" => p.indiv = num(&v) as usize,
            "--genome-scale" => p.genome_scale = num(&v),
            "--cis-kb" => p.cis_kb = num(&v) as u64,
            "--cis-frac" => p.cis_frac = num(&v),
            "--traits" => p.traits = num(&v) as usize,
            "--seed" => p.seed = num(&v) as u64,
            "--founders" => p.founders = num(&v) as usize,
            "--segment-snps" => p.segment_snps = num(&v),
            "--missing" => p.missing = num(&v),
            "--n-eqtl" => p.n_eqtl = num(&v),
            "--n-gwas" => p.n_gwas = num(&v),
            "--trans-every" => p.trans_every = num(&v) as usize,
            other => panic!("unknown option {other}"),
        }
        i += 2;
    }
    p
}

fn main() -> std::io::Result<()> {
    sim_model::simulate(&parse_args())
}
