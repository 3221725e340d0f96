//! `--besd-flist F --meta` / `--mecs`: meta-analysis of the cis entries of several BESD files
//! (data-spec/besd-tools.md §meta; the reference's §21). MeCS never carries one probe's
//! values into the next (the reference does, data-spec/deviations.md).

use crate::besd_tools::make::{finish, read_besd};
use crate::besd_tools::settings::Settings;
use crate::besd_tools::triplet::{Layout, TextStyle};
use crate::besd_tools::{Dataset, Probe, Snp};
use crate::config::out_path;
use crate::error::{Error, Result};
use crate::io::besd::BesdEntry;
use crate::io::source::open_text;
use crate::io::text::{line_str, split_ws, LineReader};
use crate::log::RunLog;
use crate::output::atomic::write_atomic;
use crate::stats::dist::qchisq1_upper;
use nalgebra::{DMatrix, SymmetricEigen};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};

/// Eigenvalues below this magnitude are taken as 0 when inverting MeCS's W.
const EIGEN_ZERO: f64 = 1e-6;

/// Read the list: the first whitespace token of each line.
fn read_list(path: &Path) -> Result<Vec<(u64, PathBuf)>> {
    let mut lines = LineReader::new(open_text(path)?, path);
    let mut out = Vec::new();
    while let Some((line, bytes)) = lines.next_line()? {
        if let Some(t) = split_ws(&line_str(bytes)).next() {
            out.push((line, crate::besd_tools::esd::resolve(path, t)));
        }
    }
    Ok(out)
}

/// One cohort's aligned cis values of a probe: merged SNP index → (beta, se) as double.
type Cohort = HashMap<u32, (f64, f64)>;

/// Inverse-variance fixed-effect estimate of one SNP.
fn ivw(vals: &[(f64, f64)]) -> (f64, f64) {
    let (mut sw, mut swb) = (0.0, 0.0);
    for &(b, s) in vals {
        let w = 1.0 / (s * s);
        sw += w;
        swb += w * b;
    }
    (swb / sw, 1.0 / sw.sqrt())
}

/// Pearson correlation with (n−1) normalisation; 0 when a variance is 0.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    if sxx == 0.0 || syy == 0.0 {
        0.0
    } else {
        (sxy / (n - 1.0)) / ((sxx / (n - 1.0)).sqrt() * (syy / (n - 1.0)).sqrt())
    }
}

/// What MeCS found for one probe.
#[derive(Default)]
struct MecsFlags {
    deficient: bool,
    non_invertible: bool,
    negative: bool,
}

/// MeCS for one probe over `cohorts` (each aligned, cis only), SNPs in `order`.
fn mecs_probe(
    cohorts: &[Cohort],
    order: &[u32],
    q: f64,
    nmecs: usize,
) -> (Vec<BesdEntry>, MecsFlags) {
    let k = cohorts.len();
    let mut flags = MecsFlags::default();
    let mut r = DMatrix::<f64>::identity(k, k);
    let mut enough = vec![vec![false; k]; k];
    let (mut sum, mut n_enough) = (0.0, 0usize);
    for i in 0..k {
        for j in i + 1..k {
            let (mut x, mut y) = (Vec::new(), Vec::new());
            for s in order {
                if let (Some(&(bi, si)), Some(&(bj, sj))) = (cohorts[i].get(s), cohorts[j].get(s)) {
                    let (zi, zj) = (bi / si, bj / sj);
                    if zi * zi < q && zj * zj < q {
                        x.push(bi);
                        y.push(bj);
                    }
                }
            }
            if x.len() >= nmecs {
                let c = pearson(&x, &y);
                r[(i, j)] = c;
                r[(j, i)] = c;
                enough[i][j] = true;
                sum += c;
                n_enough += 1;
            }
        }
    }
    let to_entry = |s: u32, b: f64, se: f64| BesdEntry {
        snp: s,
        beta: b as f32,
        se: se as f32,
    };
    if n_enough == 0 {
        flags.deficient = true;
        let out = order
            .iter()
            .filter_map(|s| cohorts[0].get(s).map(|&(b, se)| to_entry(*s, b, se)))
            .collect();
        return (out, flags);
    }
    let mean = sum / n_enough as f64;
    for i in 0..k {
        for j in i + 1..k {
            if !enough[i][j] {
                r[(i, j)] = mean;
                r[(j, i)] = mean;
            }
        }
    }
    let mut out = Vec::new();
    for &s in order {
        let have: Vec<usize> = (0..k).filter(|&c| cohorts[c].contains_key(&s)).collect();
        if have.is_empty() {
            continue;
        }
        let vals: Vec<(f64, f64)> = have.iter().map(|&c| cohorts[c][&s]).collect();
        if have.len() == 1 {
            out.push(to_entry(s, vals[0].0, vals[0].1));
            continue;
        }
        let m = have.len();
        let w = DMatrix::from_fn(m, m, |a, b| vals[a].1 * r[(have[a], have[b])] * vals[b].1);
        let eig = SymmetricEigen::new(w);
        let mut inv = DMatrix::<f64>::zeros(m, m);
        for (l, &lambda) in eig.eigenvalues.iter().enumerate() {
            if lambda.abs() < EIGEN_ZERO {
                flags.non_invertible = true;
                continue;
            }
            let v = eig.eigenvectors.column(l);
            inv += (v * v.transpose()) / lambda;
        }
        let (mut d, mut num) = (0.0, 0.0);
        for a in 0..m {
            for b in 0..m {
                d += inv[(a, b)];
                num += inv[(a, b)] * vals[b].0;
            }
        }
        if d <= 0.0 {
            flags.negative = true;
            continue;
        }
        out.push(to_entry(s, num / d, 1.0 / d.sqrt()));
    }
    (out, flags)
}

/// Run `--meta` (`mecs` false) or `--mecs`.
pub fn run(s: &Settings, list: &Path, mecs: bool, log: &mut RunLog) -> Result<()> {
    let prefixes = read_list(list)?;
    if prefixes.len() < 2 {
        return Err(Error::format(
            list,
            format!(
                "{} BESD prefix(es) listed; a meta-analysis needs at least 2",
                prefixes.len()
            ),
        ));
    }
    let mut files: Vec<(PathBuf, Dataset, bool)> = Vec::new();
    for (line, p) in prefixes {
        let r =
            read_besd(&p, s, log).map_err(|e| crate::besd_tools::flist::in_list(list, line, e))?;
        let dense = !r.layout.is_sparse();
        files.push((p, r.data, dense));
    }
    // Merged SNPs and probes: union by ID, first file's annotation.
    let mut snps: Vec<Snp> = Vec::new();
    let mut snp_ix: HashMap<String, u32> = HashMap::new();
    let mut probes: Vec<Probe> = Vec::new();
    let mut probe_ix: HashMap<String, usize> = HashMap::new();
    let mut failed: Vec<String> = Vec::new();
    let mut failed_set: HashSet<u32> = HashSet::new();
    // sign[f][local snp] = +1 / -1 (alleles as / swapped against the merged SNP).
    let mut signs: Vec<Vec<f64>> = Vec::new();
    for (path, d, _) in &files {
        let mut sg = Vec::with_capacity(d.snps.len());
        for x in &d.snps {
            let i = match snp_ix.get(&x.id) {
                Some(&i) => i,
                None => {
                    snp_ix.insert(x.id.clone(), snps.len() as u32);
                    snps.push(x.clone());
                    sg.push(1.0);
                    continue;
                }
            };
            let m = &snps[i as usize];
            if m.chr != x.chr || m.bp != x.bp {
                return Err(Error::format(
                    path,
                    format!(
                        "SNP {} is at {}:{} here but at {}:{} in an earlier file",
                        x.id, x.chr, x.bp, m.chr, m.bp
                    ),
                ));
            }
            if m.a1 == x.a1 && m.a2 == x.a2 {
                sg.push(1.0);
            } else if m.a1 == x.a2 && m.a2 == x.a1 {
                sg.push(-1.0);
            } else {
                if failed_set.insert(i) {
                    failed.push(x.id.clone());
                }
                sg.push(0.0);
            }
        }
        signs.push(sg);
        for p in &d.probes {
            match probe_ix.get(&p.id) {
                Some(&i) => {
                    let m = &probes[i];
                    if m.bp != p.bp || m.chr != p.chr {
                        return Err(Error::format(
                            path,
                            format!(
                                "probe {} is at {}:{} here but at {}:{} in an earlier file",
                                p.id, p.chr, p.bp, m.chr, m.bp
                            ),
                        ));
                    }
                }
                None => {
                    probe_ix.insert(p.id.clone(), probes.len());
                    probes.push(p.clone());
                }
            }
        }
    }
    let mut so: Vec<usize> = (0..snps.len()).collect();
    so.sort_by_key(|&i| (snps[i].chr, snps[i].bp));
    let mut rank = vec![0u32; snps.len()];
    for (n, &o) in so.iter().enumerate() {
        rank[o] = n as u32;
    }
    let mut po: Vec<usize> = (0..probes.len()).collect();
    po.sort_by_key(|&i| (probes[i].chr, probes[i].bp));
    let q = qchisq1_upper(s.pmecs);
    let w = s.select.cis_wind_kb * 1000;
    let local_probe: Vec<HashMap<&str, usize>> = files
        .iter()
        .map(|(_, d, _)| {
            d.probes
                .iter()
                .enumerate()
                .map(|(i, p)| (p.id.as_str(), i))
                .collect()
        })
        .collect();
    let (mut deficient, mut non_inv, mut negative) = (Vec::new(), Vec::new(), Vec::new());
    let mut values = Vec::with_capacity(probes.len());
    for &pi in &po {
        let pr = &probes[pi];
        let (lo, hi) = ((pr.bp - w).max(0), pr.bp + w);
        let mut cohorts: Vec<Cohort> = Vec::new();
        for (f, (_, d, dense)) in files.iter().enumerate() {
            let Some(&lp) = local_probe[f].get(pr.id.as_str()) else {
                continue;
            };
            let v = &d.values[lp];
            if v.is_empty() && !dense {
                continue;
            }
            let mut c = Cohort::new();
            for e in v {
                let x = &d.snps[e.snp as usize];
                let sign = signs[f][e.snp as usize];
                if sign == 0.0 || x.chr != pr.chr || x.bp < lo || x.bp > hi {
                    continue;
                }
                let i = snp_ix[&x.id];
                if failed_set.contains(&i) {
                    continue;
                }
                let g = rank[i as usize];
                c.insert(g, (sign * f64::from(e.beta), f64::from(e.se)));
            }
            cohorts.push(c);
        }
        let mut order: Vec<u32> = cohorts.iter().flat_map(|c| c.keys().copied()).collect();
        order.sort_unstable();
        order.dedup();
        let entries: Vec<BesdEntry> = if cohorts.len() <= 1 || !mecs {
            order
                .iter()
                .map(|&g| {
                    let vals: Vec<(f64, f64)> =
                        cohorts.iter().filter_map(|c| c.get(&g).copied()).collect();
                    let (b, se) = if vals.len() == 1 { vals[0] } else { ivw(&vals) };
                    BesdEntry {
                        snp: g,
                        beta: b as f32,
                        se: se as f32,
                    }
                })
                .collect()
        } else {
            let (e, fl) = mecs_probe(&cohorts, &order, q, s.nmecs);
            if fl.deficient {
                deficient.push(pr.id.clone());
            }
            if fl.non_invertible {
                non_inv.push(pr.id.clone());
            }
            if fl.negative {
                negative.push(pr.id.clone());
            }
            e
        };
        values.push(entries);
    }
    let data = Dataset {
        snps: so.iter().map(|&o| snps[o].clone()).collect(),
        probes: po.iter().map(|&o| probes[o].clone()).collect(),
        values,
        sample_size: None,
    };
    let lines = |v: &[String]| v.iter().map(|x| format!("{x}\n")).collect::<String>();
    write_atomic(
        &out_path(&s.out, "failed.snp.list"),
        lines(&failed).as_bytes(),
    )?;
    for (v, name) in [
        (&deficient, format!("nmecs{}.probe.list", s.nmecs)),
        (&non_inv, "non-invertible.probe.list".to_string()),
        (&negative, "negative.probe.list".to_string()),
    ] {
        if !v.is_empty() {
            write_atomic(&out_path(&s.out, &name), lines(v).as_bytes())?;
        }
    }
    log.info(format!(
        "  {}: {} SNPs failed the allele check (listed in {}); {} probes without enough null \
         SNPs for the correlation, {} with a non-invertible W, {} with a negative variance",
        if mecs {
            "MeCS"
        } else {
            "inverse-variance meta-analysis"
        },
        failed.len(),
        out_path(&s.out, "failed.snp.list").display(),
        deficient.len(),
        non_inv.len(),
        negative.len()
    ));
    finish(s, &data, Layout::Sparse, TextStyle::META, None, log)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ivw_by_hand() {
        // w = 4 and 1: b = (4·1 + 1·2)/5 = 1.2, se = 1/sqrt(5).
        let (b, se) = ivw(&[(1.0, 0.5), (2.0, 1.0)]);
        assert!((b - 1.2).abs() < 1e-15 && (se - 1.0 / 5f64.sqrt()).abs() < 1e-15);
    }

    #[test]
    fn mecs_with_uncorrelated_cohorts_is_ivw() {
        // Two cohorts whose null betas are uncorrelated (R = 0) give the IVW estimate.
        let mut a = Cohort::new();
        let mut b = Cohort::new();
        for s in 0..4u32 {
            let x = [0.01, -0.01, 0.01, -0.01][s as usize];
            let y = [0.01, 0.01, -0.01, -0.01][s as usize];
            a.insert(s, (x, 0.1));
            b.insert(s, (y, 0.1));
        }
        // z = 5 in both: beyond q, so not in the correlation estimate; w = 25 and 6.25.
        a.insert(9, (1.0, 0.2));
        b.insert(9, (2.0, 0.4));
        let order: Vec<u32> = vec![0, 1, 2, 3, 9];
        let (e, fl) = mecs_probe(&[a, b], &order, 6.6, 4);
        assert!(!fl.deficient && !fl.negative);
        let last = e.last().unwrap();
        assert_eq!(last.snp, 9);
        assert!((f64::from(last.beta) - 1.2).abs() < 1e-6);
        assert!((f64::from(last.se) - 1.0 / 31.25f64.sqrt()).abs() < 1e-6);
    }
}
