//! `--make-besd` / `--make-besd-dense`: read the input into a [`Dataset`], filter, select and
//! write (data-spec/besd-tools.md §make).

use crate::besd_tools::filters::IdFilter;
use crate::besd_tools::select::{select, Candidate, SelectParams, Summary};
use crate::besd_tools::settings::{Input, Settings};
use crate::besd_tools::triplet::{self, Layout, TextStyle};
use crate::besd_tools::{esd, flist, formats, qfile, update, Dataset, Probe, Snp};
use crate::config::out_path;
use crate::error::Result;
use crate::io::besd::stream::Keep;
use crate::io::besd::{BesdEntry, BesdLayout};
use crate::io::eqtl_source::{EqtlSource, Part};
use crate::log::RunLog;
use crate::stats::dist::chisq1_tail;

/// p-value of a stored entry: χ²₁ tail of (b/se)², the quotient in double.
pub fn entry_p(e: &BesdEntry) -> f64 {
    let z = f64::from(e.beta) / f64::from(e.se);
    chisq1_tail(z * z)
}

/// Run `--make-besd` / `--make-besd-dense` on `input`.
pub fn run(s: &Settings, input: &Input, log: &mut RunLog) -> Result<()> {
    match input {
        Input::Besd(p) => remake(s, p, log),
        Input::EqtlFlist(p, fmt) => {
            let data = esd::read_flist(p, *fmt, s, log)?;
            write_text_dataset(s, data, TextStyle::TEXT, false, log)
        }
        Input::Qfile(p) => {
            let data = qfile::read_qfile(p, s.dense, log)?;
            write_text_dataset(s, data, TextStyle::QFILE, true, log)
        }
        Input::BesdFlist(p) => flist::run(s, p, log),
        Input::Tool(p, t) => formats::convert(s, p, *t, log),
    }
}

/// Apply the SNP and probe filters to a dataset built from text (rows renumbered; SNPs and
/// probes kept in order).
pub fn filter_dataset(s: &Settings, data: &mut Dataset) -> Result<()> {
    if s.filters.is_empty() {
        return Ok(());
    }
    let sf = IdFilter::snps(&s.filters)?;
    let pf = IdFilter::probes(&s.filters)?;
    let mut new_idx = vec![u32::MAX; data.snps.len()];
    let mut snps = Vec::new();
    for (i, x) in data.snps.drain(..).enumerate() {
        if sf.keeps(x.chr, &x.id) {
            new_idx[i] = snps.len() as u32;
            snps.push(x);
        }
    }
    data.snps = snps;
    let mut probes = Vec::new();
    let mut values = Vec::new();
    for (p, v) in data.probes.drain(..).zip(data.values.drain(..)) {
        if pf.keeps(p.chr, &p.id) {
            probes.push(p);
            values.push(
                v.into_iter()
                    .filter_map(|mut e| {
                        let n = new_idx[e.snp as usize];
                        (n != u32::MAX).then(|| {
                            e.snp = n;
                            e
                        })
                    })
                    .collect(),
            );
        }
    }
    data.probes = probes;
    data.values = values;
    Ok(())
}

/// Replace each probe's entries by its cis/trans/other selection (in position order) and
/// return the `.summary` text.
pub fn select_dataset(data: &mut Dataset, prm: &SelectParams) -> String {
    let mut summary = Summary::new(prm);
    let snps = &data.snps;
    for (p, v) in data.probes.iter().zip(data.values.iter_mut()) {
        let mut order: Vec<usize> = (0..v.len()).collect();
        order.sort_by_key(|&i| {
            let x = &snps[v[i].snp as usize];
            (x.chr, x.bp)
        });
        let cands: Vec<Candidate> = order
            .iter()
            .map(|&i| {
                let x = &snps[v[i].snp as usize];
                Candidate {
                    chr: x.chr,
                    bp: x.bp,
                    p: entry_p(&v[i]),
                }
            })
            .collect();
        let sel = select(p.chr, p.bp, &cands, prm);
        summary.probe(&p.id, p.chr, p.bp, &sel);
        *v = sel.keep.iter().map(|&k| v[order[k]]).collect();
    }
    summary.text().to_string()
}

/// Write a dataset read from text: the selection with `--make-besd`; with `--make-besd-dense`
/// every entry, dense when the filled fraction reaches 0.4 (`strict`: exceeds it).
fn write_text_dataset(
    s: &Settings,
    mut data: Dataset,
    style: TextStyle,
    strict: bool,
    log: &mut RunLog,
) -> Result<()> {
    filter_dataset(s, &mut data)?;
    if let Some(n) = s.add_n {
        data.sample_size = Some(n);
    }
    if s.dense {
        let cells = data.snps.len() as f64 * data.probes.len() as f64;
        let density = if cells > 0.0 {
            data.n_entries() as f64 / cells
        } else {
            0.0
        };
        let dense = if strict {
            density > 0.4
        } else {
            density >= 0.4
        };
        log.info(format!(
            "  {} of {} cells filled ({density:.4}): writing a {} BESD",
            data.n_entries(),
            cells,
            if dense { "dense" } else { "full sparse" }
        ));
        let layout = if dense { Layout::Dense } else { Layout::Sparse };
        finish(s, &data, layout, style, None, log)
    } else {
        let summary = select_dataset(&mut data, &s.select);
        finish(s, &data, Layout::Sparse, style, Some(&summary), log)
    }
}

/// Write and log.
pub fn finish(
    s: &Settings,
    data: &Dataset,
    layout: Layout,
    style: TextStyle,
    summary: Option<&str>,
    log: &mut RunLog,
) -> Result<()> {
    triplet::write(&s.out, data, layout, style, summary)?;
    log.info(format!(
        "  {} SNPs, {} probes, {} entries written to {} ({:?}){}",
        data.snps.len(),
        data.probes.len(),
        data.n_entries(),
        out_path(&s.out, "besd").display(),
        layout,
        if summary.is_some() {
            format!("; regions in {}", out_path(&s.out, "summary").display())
        } else {
            String::new()
        }
    ));
    Ok(())
}

/// A BESD read with the filters applied: its dataset (entries in stored order, row ids
/// renumbered to the kept SNPs) and its layout.
pub struct ReadBesd {
    /// Tables and entries.
    pub data: Dataset,
    /// Layout of the input `.besd`.
    pub layout: BesdLayout,
}

/// Read `--beqtl-summary` (any layout, directory or tarball) with the SNP/probe filters.
pub fn read_besd(prefix: &std::path::Path, s: &Settings, log: &mut RunLog) -> Result<ReadBesd> {
    let sf = IdFilter::snps(&s.filters)?;
    let pf = IdFilter::probes(&s.filters)?;
    log.info(format!("Reading BESD {}", prefix.display()));
    let (source, esi, epi, renamed) = EqtlSource::open_tables(prefix)?;
    for (path, rows) in &renamed {
        log.flagged(path, rows);
    }
    let snp_mask: Vec<bool> = (0..esi.len())
        .map(|i| sf.keeps(esi.chr(i), esi.snp(i)))
        .collect();
    let probe_mask: Vec<bool> = epi.iter().map(|p| pf.keeps(p.chr, &p.probe)).collect();
    let besd = source.open_besd(
        esi.len(),
        epi.len(),
        Keep {
            probes: &probe_mask,
            snps: &snp_mask,
        },
    )?;
    let mut new_idx = vec![u32::MAX; esi.len()];
    let mut snps = Vec::new();
    for i in 0..esi.len() {
        if snp_mask[i] {
            new_idx[i] = snps.len() as u32;
            let r = esi.row(i);
            snps.push(Snp {
                chr: r.chr,
                id: r.snp.to_string(),
                gd: "0".into(),
                bp: r.bp,
                a1: r.a1.to_string(),
                a2: r.a2.to_string(),
                freq: r.freq,
            });
        }
    }
    let mut probes = Vec::new();
    let mut values = Vec::new();
    let mut buf = Vec::new();
    for (p, rec) in epi.iter().enumerate() {
        if !probe_mask[p] {
            continue;
        }
        besd.read_probe(p, &mut buf)?;
        values.push(
            buf.iter()
                .filter_map(|e| {
                    let n = new_idx[e.snp as usize];
                    (n != u32::MAX).then_some(BesdEntry { snp: n, ..*e })
                })
                .collect::<Vec<_>>(),
        );
        probes.push(Probe {
            chr: rec.chr,
            id: rec.probe.clone(),
            gd: "0".into(),
            bp: rec.bp,
            gene: rec.gene.clone(),
            orient: rec.orientation.to_string(),
        });
    }
    log.info(format!(
        "  {} of {} SNPs and {} of {} probes kept by the filters; layout {:?}, {} entries ({})",
        snps.len(),
        esi.len(),
        probes.len(),
        epi.len(),
        besd.layout(),
        values.iter().map(Vec::len).sum::<usize>(),
        source.label(Part::Besd).display()
    ));
    Ok(ReadBesd {
        data: Dataset {
            snps,
            probes,
            values,
            sample_size: besd.header().sample_size,
        },
        layout: besd.layout(),
    })
}

/// BESD → BESD.
fn remake(s: &Settings, prefix: &std::path::Path, log: &mut RunLog) -> Result<()> {
    let ReadBesd { mut data, layout } = read_besd(prefix, s, log)?;
    let dense_in = !layout.is_sparse();
    if let Some(n) = s.add_n {
        data.sample_size = Some(n);
    }
    if s.dense {
        if dense_in {
            // Probes without any value are dropped (data-spec/besd-tools.md §make).
            let keep: Vec<bool> = data.values.iter().map(|v| !v.is_empty()).collect();
            let mut k = keep.iter();
            data.probes.retain(|_| *k.next().unwrap_or(&true));
            data.values.retain(|v| !v.is_empty());
            finish(s, &data, Layout::Dense, TextStyle::REMAKE, None, log)
        } else {
            finish(s, &data, Layout::Sparse, TextStyle::REMAKE, None, log)
        }
    } else {
        prefilter(s, &mut data, log)?;
        let summary = select_dataset(&mut data, &s.select);
        finish(
            s,
            &data,
            Layout::Sparse,
            TextStyle::REMAKE,
            Some(&summary),
            log,
        )
    }
}

/// The BESD → BESD per-entry filters before the selection: `--extract-snp-p`,
/// `--exclude-snp-p`, then `--beqtl-qc` (data-spec/besd-tools.md §remake-filters).
fn prefilter(s: &Settings, data: &mut Dataset, log: &mut RunLog) -> Result<()> {
    if s.extract_snp_p.is_some() || s.exclude_snp_p.is_some() {
        let before = data.n_entries();
        for v in &mut data.values {
            v.retain(|e| {
                let p = entry_p(e);
                s.extract_snp_p.is_none_or(|t| p <= t) && s.exclude_snp_p.is_none_or(|t| p >= t)
            });
        }
        log.info(format!(
            "  {} of {before} entries kept by --extract-snp-p/--exclude-snp-p",
            data.n_entries()
        ));
    }
    if let Some(qc) = s.qc {
        update::beqtl_qc(s, data, qc, log)?;
    }
    Ok(())
}
