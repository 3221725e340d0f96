//! A model of the per-row work SMR 1.3.1 does to build a BESD from one text file
//! (`smr --qfile FILE --make-besd`, shared/reference/formats.md §2.2), for the release-conversion
//! benchmark (benches/RESULTS.md "Text releases"). SMR itself is not available here, and it
//! cannot read a release directly (users first rewrite it into the query layout), so this
//! measures a lower bound of what the reference would do on the same rows:
//!
//! * every line split by the T1 tokeniser into owned strings (the reference keeps the tokens
//!   of every row in memory: here too);
//! * ordered maps keyed by string (as C++ `std::map`) for SNPs, probes and the duplicate
//!   (SNP, probe) check the reference makes fatal;
//! * SE recomputed from p for every row (Q13 of oracle-notes.md): `|b| / sqrt(q)` with `q` the
//!   χ²₁ upper-tail quantile of p found, as DCDFLIB's `cdfchi` inverse does (formats.md §10.2),
//!   by a root search on the upper tail to a relative tolerance of 1e-8 (here bisection on
//!   statrs' χ²₁ survival function);
//! * probes and SNPs sorted by (chr, bp), each probe's values gathered and written as a sparse
//!   BESD with the crate's writer.
//!
//! ```text
//! cargo run --release --example reference_qfile_model -- RELEASE.txt OUT.besd [MAX_ROWS]
//! ```
//! Reads an eQTLGen-layout file (b = z·se with se from the formula is not needed for the cost:
//! the beta used is z/sqrt(N), the p-value column drives the SE step as in the reference).

use fastsmr::io::besd::writer::write_sparse;
use fastsmr::io::besd::BesdEntry;
use statrs::distribution::{ChiSquared, ContinuousCDF};
use std::collections::{BTreeMap, BTreeSet};
use std::io::BufRead;

struct Row {
    snp: usize,
    probe: usize,
    beta: f32,
    se: f32,
    _tokens: Vec<String>,
}

/// x with P(χ²₁ > x) = p, by bisection to a relative width of 1e-8.
fn upper_quantile(chi1: &ChiSquared, p: f64) -> f64 {
    if p >= 1.0 {
        return 0.0;
    }
    let (mut lo, mut hi) = (0.0f64, 1500.0f64);
    while hi - lo > 1e-8 * hi {
        let mid = 0.5 * (lo + hi);
        if chi1.sf(mid) > p {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    0.5 * (lo + hi)
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let input = &args[0];
    let out = std::path::Path::new(&args[1]);
    let max_rows: usize = args.get(2).map_or(usize::MAX, |s| s.parse().unwrap());
    let t0 = std::time::Instant::now();
    let r = std::io::BufReader::new(std::fs::File::open(input).unwrap());
    let chi1 = ChiSquared::new(1.0).unwrap();
    let mut snps: BTreeMap<String, usize> = BTreeMap::new();
    let mut snp_pos: Vec<(i32, i64)> = Vec::new();
    let mut probes: BTreeMap<String, usize> = BTreeMap::new();
    let mut probe_pos: Vec<(i32, i64)> = Vec::new();
    let mut pairs: BTreeSet<(String, String)> = BTreeSet::new();
    let mut rows: Vec<Row> = Vec::new();
    for (i, line) in r.lines().enumerate() {
        let line = line.unwrap();
        // T1: printable ASCII other than ',' forms tokens.
        let toks: Vec<String> = line
            .split(|c: char| !c.is_ascii_graphic() || c == ',')
            .filter(|t| !t.is_empty())
            .map(str::to_string)
            .collect();
        if i == 0 {
            continue;
        }
        if rows.len() >= max_rows {
            break;
        }
        let (snp, probe) = (toks[1].clone(), toks[7].clone());
        if !pairs.insert((snp.clone(), probe.clone())) {
            panic!("duplicate pair");
        }
        let n_snps = snps.len();
        let s = *snps.entry(snp).or_insert(n_snps);
        if s == snp_pos.len() {
            snp_pos.push((toks[2].parse().unwrap(), toks[3].parse().unwrap()));
        }
        let n_probes = probes.len();
        let p = *probes.entry(probe).or_insert(n_probes);
        if p == probe_pos.len() {
            probe_pos.push((toks[9].parse().unwrap(), toks[10].parse().unwrap()));
        }
        let z: f64 = toks[6].parse().unwrap();
        let n: f64 = toks[12].parse().unwrap();
        let beta = z / n.sqrt();
        let pval: f64 = toks[0].parse::<f64>().unwrap().max(f64::MIN_POSITIVE);
        let q = upper_quantile(&chi1, pval);
        let se = if q > 0.0 { beta.abs() / q.sqrt() } else { 1.0 };
        rows.push(Row {
            snp: s,
            probe: p,
            beta: beta as f32,
            se: se as f32,
            _tokens: toks,
        });
    }
    let read_s = t0.elapsed().as_secs_f64();
    let mut snp_order: Vec<usize> = (0..snp_pos.len()).collect();
    snp_order.sort_by_key(|&i| snp_pos[i]);
    let mut snp_rank = vec![0u32; snp_pos.len()];
    for (r, &i) in snp_order.iter().enumerate() {
        snp_rank[i] = r as u32;
    }
    let mut probe_order: Vec<usize> = (0..probe_pos.len()).collect();
    probe_order.sort_by_key(|&i| probe_pos[i]);
    let mut probe_rank = vec![0usize; probe_pos.len()];
    for (r, &i) in probe_order.iter().enumerate() {
        probe_rank[i] = r;
    }
    let mut per_probe: Vec<Vec<BesdEntry>> = vec![Vec::new(); probe_pos.len()];
    for r in &rows {
        per_probe[probe_rank[r.probe]].push(BesdEntry {
            snp: snp_rank[r.snp],
            beta: r.beta,
            se: r.se,
        });
    }
    for p in &mut per_probe {
        p.sort_by_key(|e| e.snp);
    }
    write_sparse(out, snp_pos.len(), &per_probe, None).unwrap();
    eprintln!(
        "{} rows, {} SNPs, {} probes: read {:.2} s, total {:.2} s",
        rows.len(),
        snp_pos.len(),
        probe_pos.len(),
        read_s,
        t0.elapsed().as_secs_f64()
    );
}
