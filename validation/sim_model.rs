//! The simulation model of `validation/simulate.rs` (the `simulate` example), also called by
//! the tests (`tests/integration/determinism.rs`).
//!
//! Model (documented so that benchmark numbers can be interpreted):
//! * **Map.** 22 autosomes with hg19 lengths times `--genome-scale`; SNPs spread evenly (with
//!   jitter) in proportion to length; probes at uniform random positions.
//! * **Reference haplotypes.** Li–Stephens-like mosaics: each of the 2·`--indiv` haplotypes
//!   copies one of `--founders` founder haplotypes and switches founder after a geometric number
//!   of SNPs (mean `--segment-snps`), with rare mutations. Founder alleles are independent per
//!   SNP, so SNPs inside a copying segment are in strong LD (many perfect proxies), and LD decays
//!   with distance in SNPs. Genotype = sum of two haplotypes; `--missing` of genotypes are
//!   written as missing in the `.bed`.
//! * **eQTL.** A probe stores a deterministic `--cis-frac` subset of the SNPs within
//!   ±`--cis-kb` (as eQTLGen stores its tested cis SNPs). 85% of probes have 1–3 causal SNPs
//!   with |z| = 4 + Exp(mean 12); a stored SNP's z is Σ_c r(j,c)·z_c + N(0,1), with r computed
//!   from the reference genotypes within ±3 segments (0 beyond). Independent noise per SNP is a
//!   simplification (real noise is LD-correlated). se = 1/sqrt(2f(1-f)(N+z²)), b = z·se.
//! * **GWAS**, per trait: for 5% of eQTL probes the trait is caused through the eQTL
//!   (z_y = z_x·U(0.3,0.8)·sign), for 3% a linked variant 20–150 SNPs away is causal, plus 50
//!   random loci per 1,000 Mb; z as above. 98% of SNPs are present; 30% have A1/A2 swapped.
//!   In 20% of `.esi` rows A1 is the `.bim` A2.
//!
//! Memory: one chromosome's genotypes at a time (2 × SNPs × individuals bytes).

// Index loops over parallel per-SNP arrays read more clearly than zipped iterators here.
#![allow(clippy::needless_range_loop)]

use fastsmr::stats::dist::chisq1_tail;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp, StandardNormal};
use rayon::prelude::*;
use std::fmt::Write as _;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::os::unix::fs::FileExt;
use std::path::PathBuf;

/// hg19 autosome lengths in bp.
const CHR_LEN: [u64; 22] = [
    249_250_621,
    243_199_373,
    198_022_430,
    191_154_276,
    180_915_260,
    171_115_067,
    159_138_663,
    146_364_022,
    141_213_431,
    135_534_747,
    135_006_516,
    133_851_895,
    115_169_878,
    107_349_540,
    102_531_392,
    90_354_753,
    81_195_210,
    78_077_248,
    59_128_983,
    63_025_520,
    48_129_895,
    51_304_566,
];

/// Non-palindromic allele pairs (allele "1", allele "0").
const PAIRS: [(&str, &str); 8] = [
    ("A", "C"),
    ("A", "G"),
    ("C", "A"),
    ("C", "T"),
    ("G", "A"),
    ("G", "T"),
    ("T", "C"),
    ("T", "G"),
];

/// The simulation's settings (the `simulate` example's options, same names).
#[derive(Debug, Clone)]
pub struct Params {
    /// `--out`.
    pub out: PathBuf,
    /// `--probes`.
    pub probes: usize,
    /// `--snps`.
    pub snps: usize,
    /// `--indiv`.
    pub indiv: usize,
    /// `--genome-scale`.
    pub genome_scale: f64,
    /// `--cis-kb`.
    pub cis_kb: u64,
    /// `--cis-frac`.
    pub cis_frac: f64,
    /// `--traits`.
    pub traits: usize,
    /// `--seed`.
    pub seed: u64,
    /// `--founders`.
    pub founders: usize,
    /// `--segment-snps`.
    pub segment_snps: f64,
    /// `--missing`.
    pub missing: f64,
    /// `--n-eqtl`.
    pub n_eqtl: f64,
    /// `--n-gwas`.
    pub n_gwas: f64,
    /// `--trans-every`: every this many probes (0: none) also store, as trans-eQTLs, the
    /// values of a probe on another chromosome (see [`add_trans_signals`]).
    pub trans_every: usize,
}

impl Default for Params {
    fn default() -> Self {
        Params {
            out: PathBuf::from("sim"),
            probes: 300,
            snps: 50_000,
            indiv: 500,
            genome_scale: 0.01,
            cis_kb: 2000,
            cis_frac: 0.5,
            traits: 1,
            seed: 1,
            founders: 8,
            segment_snps: 200.0,
            missing: 0.005,
            n_eqtl: 31_684.0,
            n_gwas: 300_000.0,
            trans_every: 0,
        }
    }
}

/// splitmix64: a well-mixed hash for seeding and deterministic subset choices.
fn mix(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

fn rng(seed: u64, tag: u64, idx: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(mix(mix(seed ^ mix(tag)) ^ idx))
}

/// Uniform in [0,1) from a hash.
fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// Number of failures before the first success, success probability `p`.
fn geom(r: &mut ChaCha8Rng, p: f64) -> usize {
    if p >= 1.0 {
        return 0;
    }
    if p <= 0.0 {
        return usize::MAX / 2;
    }
    let u: f64 = r.gen::<f64>().max(1e-300);
    (u.ln() / (1.0 - p).ln()).floor().min(1e15) as usize
}

/// The SNP map of the whole genome.
struct Map {
    /// First global SNP index of each chromosome, plus the total at the end.
    start: Vec<usize>,
    bp: Vec<u64>,
}

fn make_map(p: &Params) -> Map {
    let total: u64 = CHR_LEN.iter().sum();
    let mut start = vec![0usize];
    let mut bp = Vec::with_capacity(p.snps);
    let mut assigned = 0usize;
    for (c, &len) in CHR_LEN.iter().enumerate() {
        let len = ((len as f64 * p.genome_scale) as u64).max(1000);
        let n = if c == 21 {
            p.snps - assigned
        } else {
            (p.snps as f64 * CHR_LEN[c] as f64 / total as f64).round() as usize
        };
        assigned += n;
        let mut r = rng(p.seed, 1, c as u64);
        let step = len as f64 / n.max(1) as f64;
        let mut last = 0u64;
        for j in 0..n {
            let x = ((j as f64 + r.gen::<f64>()) * step) as u64 + 1;
            let x = x.max(last + 1);
            bp.push(x);
            last = x;
        }
        start.push(bp.len());
    }
    Map { start, bp }
}

struct Probe {
    chr: usize,
    bp: u64,
    /// Global SNP range of the cis window.
    lo: usize,
    hi: usize,
    /// Number of stored SNPs.
    n: usize,
}

fn stored(seed: u64, probe: usize, snp: usize, frac: f64) -> bool {
    unit(mix(seed ^ mix(((probe as u64) << 34) ^ snp as u64 ^ 0xE5))) < frac
}

fn make_probes(p: &Params, map: &Map) -> Vec<Probe> {
    let lens: Vec<u64> = CHR_LEN
        .iter()
        .map(|&l| ((l as f64 * p.genome_scale) as u64).max(1000))
        .collect();
    let total: u64 = lens.iter().sum();
    let mut r = rng(p.seed, 2, 0);
    let mut pos: Vec<(usize, u64)> = (0..p.probes)
        .map(|_| {
            let mut x = r.gen_range(0..total);
            let mut c = 0;
            while x >= lens[c] {
                x -= lens[c];
                c += 1;
            }
            (c, x + 1)
        })
        .collect();
    pos.sort();
    let w = p.cis_kb * 1000;
    pos.into_par_iter()
        .enumerate()
        .map(|(i, (c, bp))| {
            let s = &map.bp[map.start[c]..map.start[c + 1]];
            let lo = map.start[c] + s.partition_point(|&x| x + w < bp);
            let hi = map.start[c] + s.partition_point(|&x| x <= bp + w);
            let n = (lo..hi)
                .filter(|&j| stored(p.seed, i, j, p.cis_frac))
                .count();
            Probe {
                chr: c,
                bp,
                lo,
                hi,
                n,
            }
        })
        .collect()
}

/// One chromosome's reference genotypes, SNP-major (`g[j * n + i]`, counts of allele "1").
struct ChrGeno {
    n: usize,
    g: Vec<u8>,
    sum: Vec<u32>,
    sq: Vec<u32>,
}

impl ChrGeno {
    fn col(&self, j: usize) -> &[u8] {
        &self.g[j * self.n..(j + 1) * self.n]
    }

    fn r(&self, a: usize, b: usize) -> f64 {
        let dot: u32 = self
            .col(a)
            .iter()
            .zip(self.col(b))
            .map(|(&x, &y)| u32::from(x * y))
            .sum();
        let n = self.n as f64;
        let (sa, sb) = (f64::from(self.sum[a]), f64::from(self.sum[b]));
        let va = n * f64::from(self.sq[a]) - sa * sa;
        let vb = n * f64::from(self.sq[b]) - sb * sb;
        if va <= 0.0 || vb <= 0.0 {
            return if a == b { 1.0 } else { 0.0 };
        }
        (n * f64::from(dot) - sa * sb) / (va * vb).sqrt()
    }

    fn freq(&self, j: usize) -> f64 {
        f64::from(self.sum[j]) / (2.0 * self.n as f64)
    }
}

fn make_genotypes(p: &Params, c: usize, m: usize) -> ChrGeno {
    let n = p.indiv;
    let f = p.founders;
    let mut r = rng(p.seed, 3, c as u64);
    // Founder alleles, founder-major; per-SNP allele frequency in (0.03, 0.97).
    let mut fa = vec![0u8; f * m];
    for j in 0..m {
        let q: f64 = r.gen_range(0.03..0.97);
        for k in 0..f {
            fa[k * m + j] = u8::from(r.gen::<f64>() < q);
        }
    }
    let switch = 1.0 / p.segment_snps;
    let mutate = 0.002;
    // Individual-major genotypes, built in parallel.
    let mut ind = vec![0u8; n * m];
    ind.par_chunks_mut(m.max(1))
        .enumerate()
        .for_each(|(i, row)| {
            let mut r = rng(p.seed, 4, ((c as u64) << 32) | i as u64);
            for _hap in 0..2 {
                let mut j = 0usize;
                while j < m {
                    let k = r.gen_range(0..f);
                    let end = (j + 1 + geom(&mut r, switch)).min(m);
                    let src = &fa[k * m + j..k * m + end];
                    for (o, &a) in row[j..end].iter_mut().zip(src) {
                        *o += a;
                    }
                    j = end;
                }
                let mut j = geom(&mut r, mutate);
                while j < m {
                    // Flip the allele of this haplotype: 0 <-> 1 contribution.
                    row[j] = if row[j] == 2 { 1 } else { row[j] + 1 };
                    j += 1 + geom(&mut r, mutate);
                }
            }
        });
    // Transpose to SNP-major.
    let mut g = vec![0u8; n * m];
    g.par_chunks_mut(n * 1024)
        .enumerate()
        .for_each(|(b, block)| {
            for (jj, col) in block.chunks_mut(n).enumerate() {
                let j = b * 1024 + jj;
                for (i, o) in col.iter_mut().enumerate() {
                    *o = ind[i * m + j];
                }
            }
        });
    drop(ind);
    let (sum, sq): (Vec<u32>, Vec<u32>) = g
        .par_chunks(n)
        .map(|col| {
            col.iter().fold((0u32, 0u32), |(s, q), &x| {
                (s + u32::from(x), q + u32::from(x * x))
            })
        })
        .unzip();
    ChrGeno { n, g, sum, sq }
}

/// Per-SNP static attributes.
#[derive(Clone, Copy)]
struct SnpInfo {
    pair: usize,
    /// `.esi` A1 is allele "0" (the `.bim` A2).
    esi_swapped: bool,
    in_gwas: bool,
    gwas_swapped: bool,
}

fn snp_info(seed: u64, j: usize) -> SnpInfo {
    let h = mix(seed ^ mix(j as u64 ^ 0xA11E));
    SnpInfo {
        pair: (h % 8) as usize,
        esi_swapped: unit(mix(h ^ 1)) < 0.2,
        in_gwas: unit(mix(h ^ 2)) < 0.98,
        gwas_swapped: unit(mix(h ^ 3)) < 0.3,
    }
}

fn snp_id(j: usize) -> String {
    format!("rs{}", 10_000_000 + j * 13)
}

fn se_of(f: f64, n: f64, z: f64) -> f64 {
    let f = f.clamp(0.005, 0.995);
    1.0 / (2.0 * f * (1.0 - f) * (n + z * z)).sqrt()
}

/// A causal variant: chromosome-local SNP index and its z (in allele-"1" units).
#[derive(Clone, Copy)]
struct Causal {
    j: usize,
    z: f64,
}

/// Add Σ_c r(j, c)·z_c for j within the LD window of each causal SNP.
fn add_signal(geno: &ChrGeno, causal: &[Causal], lo: usize, sig: &mut [f64], window: usize) {
    let m = geno.sum.len();
    for c in causal {
        let a = c.j.saturating_sub(window).max(lo);
        let b = (c.j + window + 1).min(m).min(lo + sig.len());
        for j in a..b {
            sig[j - lo] += geno.r(j, c.j) * c.z;
        }
    }
}

struct Outputs {
    esi: BufWriter<File>,
    bim: BufWriter<File>,
    bed: BufWriter<File>,
    ma: Vec<BufWriter<File>>,
    besd: File,
}

fn create(path: PathBuf) -> BufWriter<File> {
    BufWriter::with_capacity(
        1 << 22,
        File::create(&path).unwrap_or_else(|e| panic!("cannot create {}: {e}", path.display())),
    )
}

fn path(p: &Params, ext: &str) -> PathBuf {
    let mut s = p.out.as_os_str().to_owned();
    s.push(ext);
    PathBuf::from(s)
}

/// Write the simulated inputs under `p.out` (`.bed/.bim/.fam`, `.besd/.esi/.epi`, `.ma`).
pub fn simulate(p: &Params) -> std::io::Result<()> {
    let p = p.clone();
    let t0 = std::time::Instant::now();
    if let Some(dir) = p.out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let map = make_map(&p);
    let probes = make_probes(&p, &map);
    let n_pairs: usize = probes.iter().map(|q| q.n).sum();
    eprintln!(
        "map: {} SNPs, {} probes, {} stored pairs ({:.1} s)",
        map.bp.len(),
        probes.len(),
        n_pairs,
        t0.elapsed().as_secs_f64()
    );

    // .fam and .epi are small.
    let mut fam = String::new();
    for i in 0..p.indiv {
        let _ = writeln!(fam, "F{i}\tI{i}\t0\t0\t{}\t-9", 1 + (mix(i as u64) & 1));
    }
    std::fs::write(path(&p, ".fam"), fam)?;
    let mut epi = String::new();
    for (i, q) in probes.iter().enumerate() {
        let strand = if mix(i as u64 ^ 77) & 1 == 0 {
            '+'
        } else {
            '-'
        };
        let _ = writeln!(
            epi,
            "{}\tENSG{:011}\t0\t{}\tGENE{}\t{}",
            q.chr + 1,
            i + 1,
            q.bp,
            i + 1,
            strand
        );
    }
    std::fs::write(path(&p, ".epi"), epi)?;

    // Sparse BESD layout (format code 3), written in place with positioned writes.
    let n_values = 2 * n_pairs as u64;
    let mut cols = Vec::with_capacity(2 * probes.len() + 1);
    let mut off = 0u64;
    cols.push(0u64);
    for q in &probes {
        cols.push(off + q.n as u64);
        off += 2 * q.n as u64;
        cols.push(off);
    }
    let header_len = 64u64;
    let cols_off = header_len + 8;
    let rowid_off = cols_off + 8 * cols.len() as u64;
    let val_off = rowid_off + 4 * n_values;
    let besd = File::create(path(&p, ".besd"))?;
    besd.set_len(val_off + 4 * n_values)?;
    {
        let mut head = Vec::with_capacity(rowid_off as usize);
        let fields: [i32; 4] = [3, p.n_eqtl as i32, map.bp.len() as i32, probes.len() as i32];
        for k in 0..16 {
            head.extend_from_slice(&fields.get(k).copied().unwrap_or(-9).to_le_bytes());
        }
        head.extend_from_slice(&n_values.to_le_bytes());
        for c in &cols {
            head.extend_from_slice(&c.to_le_bytes());
        }
        besd.write_all_at(&head, 0)?;
    }
    let mut out = Outputs {
        esi: create(path(&p, ".esi")),
        bim: create(path(&p, ".bim")),
        bed: create(path(&p, ".bed")),
        ma: (0..p.traits)
            .map(|t| {
                let name = if p.traits == 1 {
                    ".ma".to_string()
                } else {
                    format!(".trait{}.ma", t + 1)
                };
                create(path(&p, &name))
            })
            .collect(),
        besd,
    };
    out.bed.write_all(&[0x6c, 0x1b, 0x01])?;
    for w in &mut out.ma {
        w.write_all(b"SNP\tA1\tA2\tfreq\tb\tse\tp\tn\n")?;
    }
    let window = (3.0 * p.segment_snps) as usize;

    for c in 0..22 {
        let (s0, s1) = (map.start[c], map.start[c + 1]);
        let m = s1 - s0;
        if m == 0 {
            continue;
        }
        let geno = make_genotypes(&p, c, m);
        let info: Vec<SnpInfo> = (s0..s1).map(|j| snp_info(p.seed, j)).collect();

        // .bed rows with missing genotypes.
        let per = p.indiv.div_ceil(4);
        let mut bed = vec![0u8; per * m];
        bed.par_chunks_mut(per * 4096)
            .enumerate()
            .for_each(|(b, block)| {
                let mut r = rng(p.seed, 5, ((c as u64) << 32) | b as u64);
                let mut next_missing = geom(&mut r, p.missing);
                let mut pos = 0usize;
                for (jj, row) in block.chunks_mut(per).enumerate() {
                    let col = geno.col(b * 4096 + jj);
                    for (i, &x) in col.iter().enumerate() {
                        let code: u8 = if pos == next_missing {
                            next_missing = pos + 1 + geom(&mut r, p.missing);
                            1
                        } else {
                            match x {
                                2 => 0,
                                1 => 2,
                                _ => 3,
                            }
                        };
                        pos += 1;
                        row[i / 4] |= code << (2 * (i % 4));
                    }
                }
            });
        out.bed.write_all(&bed)?;
        drop(bed);

        // eQTL: per probe, causal SNPs and stored entries.
        let chr_probes: Vec<usize> = (0..probes.len()).filter(|&i| probes[i].chr == c).collect();
        let eqtl_causal: Vec<(usize, Vec<Causal>)> = chr_probes
            .par_iter()
            .map(|&pi| {
                let q = &probes[pi];
                let mut r = rng(p.seed, 6, pi as u64);
                let mut causal = Vec::new();
                if r.gen::<f64>() < 0.85 && q.hi > q.lo {
                    let k = match r.gen::<f64>() {
                        x if x < 0.5 => 1,
                        x if x < 0.8 => 2,
                        _ => 3,
                    };
                    let exp = Exp::new(1.0 / 12.0).expect("rate");
                    for _ in 0..k {
                        let j = r.gen_range(q.lo..q.hi) - s0;
                        let z: f64 = 4.0 + exp.sample(&mut r);
                        let z = if r.gen::<bool>() { z } else { -z };
                        causal.push(Causal { j, z });
                    }
                }
                let (lo, hi) = (q.lo - s0, q.hi - s0);
                let mut sig = vec![0.0f64; hi - lo];
                add_signal(&geno, &causal, lo, &mut sig, window);
                let mut rowid = Vec::with_capacity(2 * q.n);
                let mut beta = Vec::with_capacity(q.n);
                let mut se = Vec::with_capacity(q.n);
                for j in lo..hi {
                    let gj = j + s0;
                    if !stored(p.seed, pi, gj, p.cis_frac) {
                        continue;
                    }
                    let z1 = sig[j - lo] + r.sample::<f64, _>(StandardNormal);
                    let f1 = geno.freq(j);
                    let (z, f) = if info[j].esi_swapped {
                        (-z1, 1.0 - f1)
                    } else {
                        (z1, f1)
                    };
                    let s = se_of(f, p.n_eqtl, z);
                    rowid.push(gj as u32);
                    beta.push((z * s) as f32);
                    se.push(s as f32);
                }
                debug_assert_eq!(beta.len(), q.n);
                let rows: Vec<u8> = rowid
                    .iter()
                    .chain(rowid.iter())
                    .flat_map(|x| x.to_le_bytes())
                    .collect();
                let vals: Vec<u8> = beta
                    .iter()
                    .chain(se.iter())
                    .flat_map(|x| x.to_le_bytes())
                    .collect();
                let at = cols[2 * pi];
                out.besd.write_all_at(&rows, rowid_off + 4 * at)?;
                out.besd.write_all_at(&vals, val_off + 4 * at)?;
                Ok((pi, causal))
            })
            .collect::<std::io::Result<_>>()?;

        // .esi and .bim text.
        let chunk = 1 << 16;
        let texts: Vec<(String, String)> = (0..m)
            .into_par_iter()
            .step_by(chunk)
            .map(|a| {
                let mut esi = String::with_capacity(chunk * 40);
                let mut bim = String::with_capacity(chunk * 36);
                let mut r = rng(p.seed, 7, ((c as u64) << 32) | a as u64);
                for j in a..(a + chunk).min(m) {
                    let inf = info[j];
                    let (a1, a0) = PAIRS[inf.pair];
                    let id = snp_id(s0 + j);
                    let bp = map.bp[s0 + j];
                    let f1 = geno.freq(j);
                    let noise: f64 = r.sample::<f64, _>(StandardNormal) * 0.01;
                    let (e1, e2, ef) = if inf.esi_swapped {
                        (a0, a1, 1.0 - f1)
                    } else {
                        (a1, a0, f1)
                    };
                    let ef = (ef + noise).clamp(0.0, 1.0);
                    let _ = writeln!(esi, "{}\t{id}\t0\t{bp}\t{e1}\t{e2}\t{ef:.6}", c + 1);
                    let _ = writeln!(bim, "{}\t{id}\t0\t{bp}\t{a1}\t{a0}", c + 1);
                }
                (esi, bim)
            })
            .collect();
        for (e, b) in &texts {
            out.esi.write_all(e.as_bytes())?;
            out.bim.write_all(b.as_bytes())?;
        }
        drop(texts);

        // GWAS per trait.
        for t in 0..p.traits {
            let mut r = rng(p.seed, 8 + t as u64, c as u64);
            let mut loci: Vec<Causal> = Vec::new();
            for (_, causal) in &eqtl_causal {
                if causal.is_empty() {
                    continue;
                }
                let u: f64 = r.gen();
                if u < 0.05 {
                    let a: f64 = r.gen_range(0.3..0.8);
                    let a = if r.gen::<bool>() { a } else { -a };
                    loci.extend(causal.iter().map(|x| Causal { j: x.j, z: x.z * a }));
                } else if u < 0.08 {
                    let d = r.gen_range(20..150usize);
                    let j = if r.gen::<bool>() {
                        (causal[0].j + d).min(m - 1)
                    } else {
                        causal[0].j.saturating_sub(d)
                    };
                    let z: f64 = r.gen_range(5.0..15.0);
                    loci.push(Causal {
                        j,
                        z: if r.gen::<bool>() { z } else { -z },
                    });
                }
            }
            let len_mb = CHR_LEN[c] as f64 * p.genome_scale / 1e6;
            let n_random = (len_mb * 0.05).round() as usize + usize::from(r.gen::<f64>() < 0.5);
            for _ in 0..n_random {
                let z: f64 = r.gen_range(3.0..12.0);
                loci.push(Causal {
                    j: r.gen_range(0..m),
                    z: if r.gen::<bool>() { z } else { -z },
                });
            }
            let mut sig = vec![0.0f64; m];
            add_signal(&geno, &loci, 0, &mut sig, window);
            let texts: Vec<String> = (0..m)
                .into_par_iter()
                .step_by(chunk)
                .map(|a| {
                    let mut s = String::with_capacity(chunk * 60);
                    let mut r = rng(p.seed, 100 + t as u64, ((c as u64) << 32) | a as u64);
                    for j in a..(a + chunk).min(m) {
                        let noise: f64 = r.sample(StandardNormal);
                        let fnoise: f64 = r.sample::<f64, _>(StandardNormal) * 0.01;
                        let inf = info[j];
                        if !inf.in_gwas {
                            continue;
                        }
                        let (a1, a0) = PAIRS[inf.pair];
                        let z1 = sig[j] + noise;
                        let f1 = geno.freq(j);
                        let (g1, g2, z, f) = if inf.gwas_swapped {
                            (a0, a1, -z1, 1.0 - f1)
                        } else {
                            (a1, a0, z1, f1)
                        };
                        let se = se_of(f, p.n_gwas, z);
                        let pv = chisq1_tail(z * z);
                        let f = (f + fnoise).clamp(0.001, 0.999);
                        let _ = writeln!(
                            s,
                            "{}\t{g1}\t{g2}\t{f:.4}\t{:.6e}\t{:.6e}\t{pv:.4e}\t{}",
                            snp_id(s0 + j),
                            z * se,
                            se,
                            p.n_gwas as u64
                        );
                    }
                    s
                })
                .collect();
            for s in &texts {
                out.ma[t].write_all(s.as_bytes())?;
            }
        }
        eprintln!(
            "chr{}: {m} SNPs, {} probes ({:.1} s)",
            c + 1,
            chr_probes.len(),
            t0.elapsed().as_secs_f64()
        );
    }
    out.esi.flush()?;
    out.bim.flush()?;
    out.bed.flush()?;
    for w in &mut out.ma {
        w.flush()?;
    }
    out.besd.sync_all()?;
    drop(out);
    if p.trans_every > 0 {
        let chr: Vec<usize> = probes.iter().map(|q| q.chr).collect();
        add_trans_signals(&p, map.bp.len(), &chr)?;
    }
    eprintln!("done in {:.1} s", t0.elapsed().as_secs_f64());
    Ok(())
}

/// Trans-eQTLs: probe i with `i % trans_every == 0` also stores the values of probe
/// `(i + n/2) % n` when that probe is on another chromosome (its cis signal becomes probe i's
/// trans signal there). Rewrites the `.besd` (entries in SNP order).
pub fn add_trans_signals(p: &Params, n_snps: usize, probe_chr: &[usize]) -> std::io::Result<()> {
    use fastsmr::io::besd::{writer::write_sparse, BesdFile};
    let err = |e: fastsmr::error::Error| std::io::Error::other(e.to_string());
    let n = probe_chr.len();
    let besd_path = path(p, ".besd");
    let besd = BesdFile::open(&besd_path, n_snps, n).map_err(err)?;
    let mut all = Vec::with_capacity(n);
    let mut buf = Vec::new();
    for i in 0..n {
        besd.read_probe(i, &mut buf).map_err(err)?;
        all.push(buf.clone());
    }
    drop(besd);
    let own = all.clone();
    let mut added = 0;
    for i in (0..n).step_by(p.trans_every) {
        let j = (i + n / 2) % n;
        if probe_chr[j] == probe_chr[i] {
            continue;
        }
        all[i].extend_from_slice(&own[j]);
        all[i].sort_by_key(|e| e.snp);
        added += 1;
    }
    write_sparse(&besd_path, n_snps, &all, Some(p.n_eqtl as i32)).map_err(err)?;
    eprintln!("{added} probes given trans-eQTLs");
    Ok(())
}
