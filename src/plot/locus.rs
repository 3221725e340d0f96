//! Locus plot of one probe from SMR's `--plot` data file: a GWAS track (−log10 p of every
//! `$GWAS` SNP, with the SMR p-values of the window's probes as diamonds coloured by HEIDI),
//! eQTL tracks (the target probe first; points shaded by LD r² with the HEIDI top SNP where the
//! file gives it), and a gene track. The x axis is the plot window in Mb.

use super::data_file::{Effect, PlotData};
use super::labels::{Placer, Rect};
use super::{colours, de, Chart, FONT};
use crate::genes::annot::GeneAnnot;
use crate::io::smr_table::log10_chisq1_tail_from_z;
use plotters::coord::Shift;
use plotters::prelude::*;

struct Track {
    title: String,
    /// (Mb, −log10 p, r² if known)
    points: Vec<(f64, f64, Option<f64>)>,
}

struct GeneBox {
    start: f64,
    end: f64,
    name: String,
    strand: String,
    target: bool,
}

struct SmrMark {
    x: f64,
    y: f64,
    label: String,
    heidi: Option<bool>,
    target: bool,
}

/// The figure.
pub struct Locus {
    chr: i32,
    x0: f64,
    x1: f64,
    gwas: Vec<(f64, f64)>,
    smr: Vec<SmrMark>,
    tracks: Vec<Track>,
    genes: Vec<GeneBox>,
    target_label: String,
}

fn nlp(e: &Effect) -> Option<f64> {
    if e.se > 0.0 {
        let l = log10_chisq1_tail_from_z(e.b / e.se);
        l.is_finite().then_some(-l)
    } else {
        None
    }
}

/// Colour of an LD r² bin (the usual LocusZoom-like bins), grey when unknown.
pub fn ld_colour(r2: Option<f64>) -> RGBColor {
    match r2 {
        None => RGBColor(150, 150, 150),
        Some(r) if r >= 0.8 => RGBColor(215, 25, 28),
        Some(r) if r >= 0.6 => RGBColor(253, 174, 97),
        Some(r) if r >= 0.4 => RGBColor(26, 150, 65),
        Some(r) if r >= 0.2 => RGBColor(116, 173, 209),
        Some(_) => RGBColor(44, 123, 182),
    }
}

impl Locus {
    /// Prepare the tracks: `p_heidi` colours the SMR marks, `n_tracks` eQTL tracks at most.
    pub fn new(d: &PlotData, annot: Option<&GeneAnnot>, p_heidi: f64, n_tracks: usize) -> Self {
        let chr = d
            .target_probe()
            .map(|p| p.chr)
            .or_else(|| d.probes.first().map(|p| p.chr))
            .unwrap_or(0);
        let mb = |bp: i64| bp as f64 / 1e6;
        let gwas: Vec<(f64, f64)> = d
            .gwas
            .iter()
            .filter_map(|e| Some((mb(d.snps.get(&e.snp)?.bp), nlp(e)?)))
            .collect();
        let mut lo = f64::INFINITY;
        let mut hi = f64::NEG_INFINITY;
        for &(x, _) in &gwas {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        for p in &d.probes {
            lo = lo.min(mb(p.bp));
            hi = hi.max(mb(p.bp));
        }
        if !lo.is_finite() {
            lo = 0.0;
            hi = 1.0;
        }
        let pad = ((hi - lo) * 0.02).max(0.005);
        let (x0, x1) = (lo - pad, hi + pad);
        let smr = d
            .probes
            .iter()
            .filter_map(|p| {
                let y = -p.p_smr.filter(|v| *v > 0.0)?.log10();
                Some(SmrMark {
                    x: mb(p.bp),
                    y,
                    label: p.gene.clone(),
                    heidi: p.p_heidi.map(|h| h >= p_heidi),
                    target: p.id == d.target,
                })
            })
            .collect();
        // eQTL tracks: target first, then the other probes with an eQTL group by p_SMR.
        let mut order: Vec<&super::data_file::PlotProbe> = d.probes.iter().collect();
        order.sort_by(|a, b| {
            (b.id == d.target)
                .cmp(&(a.id == d.target))
                .then(a.p_smr.unwrap_or(1.0).total_cmp(&b.p_smr.unwrap_or(1.0)))
        });
        let tracks = order
            .iter()
            .filter_map(|p| Some((p, d.eqtl_of(&p.id)?)))
            .take(n_tracks)
            .map(|(p, rows)| Track {
                title: format!("eQTL: {} ({})", p.id, p.gene),
                points: rows
                    .iter()
                    .filter_map(|e| {
                        let x = mb(d.snps.get(&e.snp)?.bp);
                        (x >= x0 && x <= x1).then_some(())?;
                        Some((x, nlp(e)?, e.ld.map(|r| r * r)))
                    })
                    .collect(),
            })
            .collect();
        let target_gene = d.target_probe().map(|p| p.gene.clone()).unwrap_or_default();
        let mut genes: Vec<GeneBox> = if !d.genes.is_empty() {
            d.genes
                .iter()
                .map(|g| GeneBox {
                    start: mb(g.start),
                    end: mb(g.end),
                    name: g.name.clone(),
                    strand: g.strand.clone(),
                    target: g.name == target_gene,
                })
                .collect()
        } else if let Some(a) = annot {
            a.in_region(chr, (x0 * 1e6) as i64, (x1 * 1e6) as i64)
                .into_iter()
                .map(|g| GeneBox {
                    start: mb(g.start),
                    end: mb(g.end),
                    name: g.name.clone(),
                    strand: g.strand.map(|c| c.to_string()).unwrap_or_default(),
                    target: g.name == target_gene,
                })
                .collect()
        } else {
            // Neither a $Gene block nor an annotation: the probes' genes from $probe.
            d.probes
                .iter()
                .filter_map(|p| {
                    Some(GeneBox {
                        start: mb(p.gene_start?),
                        end: mb(p.gene_end?),
                        name: p.gene.clone(),
                        strand: p.orientation.clone(),
                        target: p.id == d.target,
                    })
                })
                .collect()
        };
        genes.sort_by(|a, b| a.start.total_cmp(&b.start));
        Locus {
            chr,
            x0,
            x1,
            gwas,
            smr,
            tracks,
            genes,
            target_label: match d.target_probe() {
                Some(p) => format!("{} ({})", p.id, p.gene),
                None => d.target.clone(),
            },
        }
    }

    /// Gene rows: greedy packing so that neither boxes nor labels (≈7 px per character at
    /// 12 px) overlap; returns the row of each gene and the number of rows.
    fn gene_rows(&self, px_per_mb: f64) -> (Vec<usize>, usize) {
        let mut ends: Vec<f64> = Vec::new();
        let mut rows = Vec::with_capacity(self.genes.len());
        for g in &self.genes {
            let chars = g.name.chars().count() + if g.strand.is_empty() { 0 } else { 4 };
            let label_mb = (chars as f64 * 7.5 + 14.0) / px_per_mb;
            let mid = (g.start + g.end) / 2.0;
            let left = g.start.min(mid - label_mb / 2.0);
            let right = g.end.max(mid + label_mb / 2.0);
            let r = match ends.iter().position(|&e| e < left) {
                Some(r) => r,
                None => {
                    ends.push(f64::NEG_INFINITY);
                    ends.len() - 1
                }
            };
            ends[r] = right;
            rows.push(r);
        }
        (rows, ends.len().max(1))
    }
}

const WIDTH: u32 = 1000;
const LEFT: u32 = 84;
const RIGHT: u32 = 30;

impl Chart for Locus {
    fn size(&self) -> (u32, u32) {
        let px_per_mb = (WIDTH - LEFT - RIGHT) as f64 / (self.x1 - self.x0);
        let (_, n_rows) = self.gene_rows(px_per_mb);
        let h = 50 + 300 + 170 * self.tracks.len() as u32 + 60 + 34 * n_rows as u32;
        (WIDTH, h)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let text = (FONT, 13).into_font().color(&colours::TEXT);
        let (title, rest) = root.split_vertically(44);
        title
            .draw(&Text::new(
                format!("SMR locus plot: {}", self.target_label),
                (12, 10),
                (FONT, 20)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&colours::TEXT),
            ))
            .map_err(de)?;
        let (gwas_area, rest) = rest.split_vertically(300);
        let mut areas = Vec::new();
        let mut rest = rest;
        for _ in &self.tracks {
            let (a, r) = rest.split_vertically(170);
            areas.push(a);
            rest = r;
        }
        let gene_area = rest;

        // GWAS + SMR track.
        let ymax = self
            .gwas
            .iter()
            .map(|p| p.1)
            .chain(self.smr.iter().map(|m| m.y))
            .fold(1.0f64, f64::max)
            * 1.2;
        let mut chart = ChartBuilder::on(&gwas_area)
            .margin_right(RIGHT)
            .margin_top(8)
            .y_label_area_size(LEFT)
            .x_label_area_size(8)
            .caption("GWAS (points) and SMR (diamonds)", text.clone())
            .build_cartesian_2d(self.x0..self.x1, 0f64..ymax)
            .map_err(de)?;
        chart
            .configure_mesh()
            .x_labels(0)
            .max_light_lines(1)
            .y_labels(6)
            .y_label_formatter(&super::tick)
            .y_desc("−log10 p")
            .label_style(text.clone())
            .axis_desc_style(text.clone())
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(de)?;
        chart
            .draw_series(
                self.gwas.iter().map(|&(x, y)| {
                    Circle::new((x, y), 3, RGBColor(90, 110, 140).mix(0.75).filled())
                }),
            )
            .map_err(de)?;
        let diamond = |c: (f64, f64), size: i32, style: ShapeStyle| {
            EmptyElement::at(c)
                + Polygon::new(vec![(0, -size), (size, 0), (0, size), (-size, 0)], style)
        };
        for m in &self.smr {
            let col = match m.heidi {
                Some(true) => colours::PRIORITISED,
                Some(false) => colours::HEIDI_REJECTED,
                None => colours::HEIDI_UNTESTED,
            };
            let size = if m.target { 9 } else { 7 };
            chart
                .draw_series(std::iter::once(diamond(
                    (m.x, m.y),
                    size + 1,
                    BLACK.filled(),
                )))
                .map_err(de)?;
            chart
                .draw_series(std::iter::once(diamond((m.x, m.y), size, col.filled())))
                .map_err(de)?;
        }
        // Probe gene labels beside their diamonds, without overlap.
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (ox, oy) = gwas_area.get_base_pixel();
        let mut placer = Placer::new(Rect {
            x0: xr.start,
            y0: yr.start,
            x1: xr.end,
            y1: yr.end,
        });
        for m in &self.smr {
            let (px, py) = chart.backend_coord(&(m.x, m.y));
            placer.placed.push(Rect {
                x0: px - 9,
                y0: py - 9,
                x1: px + 9,
                y1: py + 9,
            });
        }
        let mut by_y: Vec<&SmrMark> = self.smr.iter().collect();
        by_y.sort_by(|a, b| b.y.total_cmp(&a.y));
        let small = (FONT, 12).into_font().color(&colours::TEXT);
        for m in by_y {
            let (w, h) = gwas_area.estimate_text_size(&m.label, &small).map_err(de)?;
            let (px, py) = chart.backend_coord(&(m.x, m.y));
            if let Some((r, moved)) = placer.place((px, py - 6), w as i32, h as i32) {
                if moved {
                    gwas_area
                        .draw(&PathElement::new(
                            vec![(px - ox, py - oy), ((r.x0 + r.x1) / 2 - ox, r.y1 - oy)],
                            RGBColor(120, 120, 120),
                        ))
                        .map_err(de)?;
                }
                gwas_area
                    .draw(&Text::new(
                        m.label.clone(),
                        (r.x0 - ox, r.y0 - oy),
                        small.clone(),
                    ))
                    .map_err(de)?;
            }
        }
        // Legend of the SMR marks (top right).
        let items = [
            (colours::PRIORITISED, "HEIDI passes"),
            (colours::HEIDI_REJECTED, "HEIDI rejects"),
            (colours::HEIDI_UNTESTED, "HEIDI NA"),
        ];
        let mut lx = xr.end - ox - 10;
        for (col, label) in items.iter().rev() {
            let (w, _) = gwas_area.estimate_text_size(label, &small).map_err(de)?;
            lx -= w as i32;
            gwas_area
                .draw(&Text::new(*label, (lx, yr.start - oy + 6), small.clone()))
                .map_err(de)?;
            lx -= 12;
            gwas_area
                .draw(
                    &(EmptyElement::at((lx, yr.start - oy + 13))
                        + Polygon::new(vec![(0, -6), (6, 0), (0, 6), (-6, 0)], col.filled())),
                )
                .map_err(de)?;
            lx -= 16;
        }

        // eQTL tracks.
        for (area, t) in areas.iter().zip(&self.tracks) {
            let ymax = t.points.iter().map(|p| p.1).fold(1.0f64, f64::max) * 1.15;
            let mut c = ChartBuilder::on(area)
                .margin_right(RIGHT)
                .margin_top(4)
                .y_label_area_size(LEFT)
                .x_label_area_size(8)
                .caption(&t.title, text.clone())
                .build_cartesian_2d(self.x0..self.x1, 0f64..ymax)
                .map_err(de)?;
            c.configure_mesh()
                .x_labels(0)
                .max_light_lines(1)
                .y_labels(5)
                .y_label_formatter(&super::tick)
                .y_desc("−log10 p")
                .label_style(text.clone())
                .axis_desc_style(text.clone())
                .light_line_style(RGBColor(240, 240, 240))
                .draw()
                .map_err(de)?;
            // Unknown LD first so that the shaded HEIDI SNPs sit on top.
            c.draw_series(
                t.points
                    .iter()
                    .filter(|p| p.2.is_none())
                    .map(|&(x, y, r)| Circle::new((x, y), 3, ld_colour(r).filled())),
            )
            .map_err(de)?;
            c.draw_series(
                t.points
                    .iter()
                    .filter(|p| p.2.is_some())
                    .map(|&(x, y, r)| Circle::new((x, y), 4, ld_colour(r).filled())),
            )
            .map_err(de)?;
            if t.points.iter().any(|p| p.2.is_some()) {
                let (xr, yr) = c.plotting_area().get_pixel_range();
                let (ox, oy) = area.get_base_pixel();
                let bins = [
                    (Some(0.9), "r² ≥ 0.8"),
                    (Some(0.7), "0.6"),
                    (Some(0.5), "0.4"),
                    (Some(0.3), "0.2"),
                    (Some(0.1), "< 0.2"),
                    (None, "not in HEIDI"),
                ];
                let mut lx = xr.end - ox - 10;
                for (r, label) in bins.iter().rev() {
                    let (w, _) = area.estimate_text_size(label, &small).map_err(de)?;
                    lx -= w as i32;
                    area.draw(&Text::new(*label, (lx, yr.start - oy + 4), small.clone()))
                        .map_err(de)?;
                    lx -= 10;
                    area.draw(&Circle::new(
                        (lx, yr.start - oy + 11),
                        4,
                        ld_colour(*r).filled(),
                    ))
                    .map_err(de)?;
                    lx -= 14;
                }
            }
        }

        // Gene track with the x axis.
        let px_per_mb = (WIDTH - LEFT - RIGHT) as f64 / (self.x1 - self.x0);
        let (rows, n_rows) = self.gene_rows(px_per_mb);
        let mut g = ChartBuilder::on(&gene_area)
            .margin_right(RIGHT)
            .margin_top(4)
            .y_label_area_size(LEFT)
            .x_label_area_size(46)
            .build_cartesian_2d(self.x0..self.x1, 0f64..n_rows as f64)
            .map_err(de)?;
        g.configure_mesh()
            .disable_mesh()
            .y_labels(0)
            .x_desc(format!(
                "chromosome {} position (Mb)",
                super::chr_label(self.chr)
            ))
            .x_label_formatter(&|v| format!("{v:.2}"))
            .label_style(text.clone())
            .axis_desc_style(text.clone())
            .draw()
            .map_err(de)?;
        let (ox, oy) = gene_area.get_base_pixel();
        for (gb, &r) in self.genes.iter().zip(&rows) {
            let y = n_rows as f64 - r as f64 - 0.35;
            let col = if gb.target {
                colours::THRESHOLD
            } else {
                RGBColor(40, 70, 120)
            };
            let (ax, ay) = g.backend_coord(&(gb.start.max(self.x0), y));
            let (bx, _) = g.backend_coord(&(gb.end.min(self.x1), y));
            let bx = bx.max(ax + 2);
            gene_area
                .draw(&Rectangle::new(
                    [(ax - ox, ay - oy - 4), (bx - ox, ay - oy + 4)],
                    col.filled(),
                ))
                .map_err(de)?;
            // Strand arrow head at the 3' end.
            let (tip, dir) = if gb.strand == "-" { (ax, -1) } else { (bx, 1) };
            gene_area
                .draw(&Polygon::new(
                    vec![
                        (tip - ox + dir * 7, ay - oy),
                        (tip - ox, ay - oy - 7),
                        (tip - ox, ay - oy + 7),
                    ],
                    col.filled(),
                ))
                .map_err(de)?;
            let label = if gb.strand.is_empty() {
                gb.name.clone()
            } else {
                format!("{} ({})", gb.name, gb.strand)
            };
            let style = if gb.target {
                (FONT, 12)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&colours::THRESHOLD)
            } else {
                small.clone()
            };
            let (w, _) = gene_area.estimate_text_size(&label, &style).map_err(de)?;
            let mid = (ax + bx) / 2 - w as i32 / 2;
            gene_area
                .draw(&Text::new(label, (mid - ox, ay - oy + 7), style))
                .map_err(de)?;
        }
        Ok(())
    }
}
