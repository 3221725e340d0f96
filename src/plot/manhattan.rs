//! Manhattan plot of −log10 p_SMR, one panel per trait: probes by genomic position, the
//! p_SMR threshold as a dashed line, significant probes coloured by HEIDI outcome, the top
//! genes labelled without overlap.

use super::labels::{Placer, Rect};
use super::{chr_label, colours, de, neg_log10, status_colour, Chart, FONT};
use crate::genes::select::{Correction, Status};
use crate::genes::TraitResult;
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::BTreeMap;

/// At most this many panels are drawn (the first traits); the report says so when cut.
pub const MAX_PANELS: usize = 8;

struct Point {
    x: f64,
    y: f64,
    chr: i32,
    status: Status,
    label: String,
}

struct Panel {
    title: String,
    threshold: Option<f64>,
    points: Vec<Point>,
    unplaced: usize,
}

/// The figure.
pub struct Manhattan {
    panels: Vec<Panel>,
    /// Chromosome → (offset, first bp, last bp) on the shared x axis.
    layout: BTreeMap<i32, (f64, f64, f64)>,
    xmax: f64,
    top_labels: usize,
}

fn rule_text(c: Correction, alpha: f64, m: usize, unit: &str) -> String {
    match c {
        Correction::Bonferroni => format!("Bonferroni {alpha}/{m} {unit}"),
        Correction::Fdr => format!("BH-FDR {alpha} over {m} {unit}"),
        Correction::Fixed(p) => format!("fixed p ≤ {p}; {m} {unit} tested"),
    }
}

impl Manhattan {
    /// Lay out the panels of `results` (rules from `s`), labelling `top_labels` genes each.
    pub fn new(results: &[TraitResult], s: &crate::genes::Settings, top_labels: usize) -> Self {
        let unit = if s.collapse == crate::genes::args::Collapse::Gene {
            "genes"
        } else {
            "probes"
        };
        let mut span: BTreeMap<i32, (i64, i64)> = BTreeMap::new();
        for t in results.iter().take(MAX_PANELS) {
            for g in &t.rows {
                if let (Some(c), Some(b)) = (g.row.probe_chr, g.row.probe_bp) {
                    let e = span.entry(c).or_insert((b, b));
                    e.0 = e.0.min(b);
                    e.1 = e.1.max(b);
                }
            }
        }
        let total: f64 = span
            .values()
            .map(|(a, b)| (b - a) as f64)
            .sum::<f64>()
            .max(1.0);
        let gap = if span.len() > 1 {
            (total / span.len() as f64 * 0.15).max(1.0)
        } else {
            0.0
        };
        let mut layout = BTreeMap::new();
        let mut off = 0.0;
        for (&c, &(a, b)) in &span {
            layout.insert(c, (off, a as f64, b as f64));
            off += (b - a) as f64 + gap;
        }
        let xmax = (off - gap).max(1.0);
        let panels = results
            .iter()
            .take(MAX_PANELS)
            .map(|t| {
                let mut unplaced = 0;
                let mut points = Vec::new();
                for g in &t.rows {
                    let (Some(c), Some(b), Some(y)) = (
                        g.row.probe_chr,
                        g.row.probe_bp,
                        neg_log10(g.row.log10_p_smr()),
                    ) else {
                        unplaced += 1;
                        continue;
                    };
                    let (o, a, _) = layout[&c];
                    points.push(Point {
                        x: o + (b as f64 - a),
                        y,
                        chr: c,
                        status: g.status,
                        label: g.symbol.clone(),
                    });
                }
                let thr = match t.threshold {
                    Some(p) => format!("threshold p = {p:.3e}"),
                    None => "no probe passes".into(),
                };
                Panel {
                    title: format!(
                        "{}: {}; {}",
                        t.name,
                        rule_text(s.correction, s.alpha, t.denominator, unit),
                        thr
                    ),
                    threshold: t.threshold,
                    points,
                    unplaced,
                }
            })
            .collect();
        Manhattan {
            panels,
            layout,
            xmax,
            top_labels,
        }
    }

    fn single_chr(&self) -> Option<(i32, f64)> {
        if self.layout.len() == 1 {
            let (&c, &(_, a, _)) = self.layout.iter().next().unwrap();
            Some((c, a))
        } else {
            None
        }
    }
}

impl Chart for Manhattan {
    fn size(&self) -> (u32, u32) {
        (1100, 60 + 330 * self.panels.len().max(1) as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title_area, body) = root.split_vertically(40);
        title_area
            .draw(&Text::new(
                "SMR Manhattan plot",
                (12, 10),
                (FONT, 22)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&colours::TEXT),
            ))
            .map_err(de)?;
        // Legend in the title strip, right-aligned.
        let legend = [
            (Status::Prioritised, "prioritised (HEIDI passes)"),
            (Status::HeidiRejected, "HEIDI rejects"),
            (Status::HeidiUntested, "HEIDI NA"),
            (Status::NotSignificant, "not significant"),
        ];
        let style = (FONT, 14).into_font().color(&colours::TEXT);
        let mut x = 1100 - 12;
        for (st, text) in legend.iter().rev() {
            let (w, _) = title_area.estimate_text_size(text, &style).map_err(de)?;
            x -= w as i32;
            title_area
                .draw(&Text::new(*text, (x, 14), style.clone()))
                .map_err(de)?;
            x -= 14;
            title_area
                .draw(&Circle::new((x + 5, 21), 5, status_colour(*st).filled()))
                .map_err(de)?;
            x -= 22;
        }
        if self.panels.is_empty() {
            return Ok(());
        }
        let areas = body.split_evenly((self.panels.len(), 1));
        for (area, p) in areas.iter().zip(&self.panels) {
            self.draw_panel(area, p)?;
        }
        Ok(())
    }
}

impl Manhattan {
    fn draw_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        p: &Panel,
    ) -> Result<(), String> {
        let ymax_data = p.points.iter().map(|q| q.y).fold(0.0f64, f64::max);
        let ythr = p.threshold.map(|t| -t.log10()).unwrap_or(0.0);
        let ymax = (ymax_data.max(ythr) * 1.18).max(2.0);
        let single = self.single_chr();
        // Single chromosome: absolute Mb (round ticks); several: the shared genome axis.
        let pad = self.xmax * 0.015;
        let (x0, x1) = match single {
            Some((_, a)) => ((a - pad) * 1e-6, (a + self.xmax + pad) * 1e-6),
            None => (-pad, self.xmax + pad),
        };
        let xm = |x: f64| match single {
            Some((_, a)) => (x + a) * 1e-6,
            None => x,
        };
        let mut chart = ChartBuilder::on(area)
            .caption(&p.title, (FONT, 15).into_font().color(&colours::TEXT))
            .margin_left(10)
            .margin_right(20)
            .margin_top(6)
            .x_label_area_size(42)
            .y_label_area_size(60)
            .build_cartesian_2d(x0..x1, 0f64..ymax)
            .map_err(de)?;
        let label_style = (FONT, 13).into_font().color(&colours::TEXT);
        let fmt_mb = |v: &f64| format!("{v:.2}");
        {
            let mut mesh = chart.configure_mesh();
            mesh.disable_x_mesh()
                .max_light_lines(1)
                .y_labels(8)
                .y_label_formatter(&super::tick)
                .y_desc("−log10 p_SMR")
                .label_style(label_style.clone())
                .axis_desc_style((FONT, 14).into_font().color(&colours::TEXT))
                .light_line_style(RGBColor(238, 238, 238));
            match single {
                Some((c, _)) => {
                    mesh.x_desc(format!("chromosome {} position (Mb)", chr_label(c)))
                        .x_label_formatter(&fmt_mb);
                    mesh.draw().map_err(de)?;
                }
                None => {
                    mesh.x_labels(0).x_desc("chromosome");
                    mesh.draw().map_err(de)?;
                }
            }
        }
        if single.is_none() {
            // Chromosome names under the axis at each chromosome's middle, skipping names that
            // would touch their neighbour.
            let mut last_right = i32::MIN;
            for (&c, &(o, a, b)) in &self.layout {
                let mid = o + (b - a) / 2.0;
                let (px, py) = chart.backend_coord(&(mid, 0.0));
                let text = chr_label(c);
                let (w, _) = area.estimate_text_size(&text, &label_style).map_err(de)?;
                let left = px - w as i32 / 2;
                if left <= last_right + 4 {
                    continue;
                }
                last_right = left + w as i32;
                let (ox, oy) = area.get_base_pixel();
                area.draw(&Text::new(
                    text,
                    (left - ox, py - oy + 6),
                    label_style.clone(),
                ))
                .map_err(de)?;
            }
        }
        // Alternate chromosomes on a faint band so that the segments of the shared axis read apart.
        if single.is_none() {
            for (k, (_, &(o, a, b))) in self.layout.iter().enumerate() {
                if k % 2 == 1 {
                    chart
                        .draw_series(std::iter::once(Rectangle::new(
                            [(o, 0.0), (o + (b - a), ymax)],
                            RGBColor(244, 246, 248).filled(),
                        )))
                        .map_err(de)?;
                }
            }
        }
        let sig = |s: Status| {
            matches!(
                s,
                Status::Prioritised | Status::HeidiRejected | Status::HeidiUntested
            )
        };
        chart
            .draw_series(p.points.iter().filter(|q| !sig(q.status)).map(|q| {
                let col = if q.chr % 2 == 1 {
                    colours::GREY_DARK
                } else {
                    colours::GREY_LIGHT
                };
                Circle::new((xm(q.x), q.y), 3, col.filled())
            }))
            .map_err(de)?;
        if let Some(t) = p.threshold {
            let y = -t.log10();
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(x0, y), (x1, y)],
                    8,
                    5,
                    colours::THRESHOLD.stroke_width(2),
                ))
                .map_err(de)?;
        }
        chart
            .draw_series(
                p.points
                    .iter()
                    .filter(|q| sig(q.status))
                    .map(|q| Circle::new((xm(q.x), q.y), 5, status_colour(q.status).filled())),
            )
            .map_err(de)?;
        // Labels: the top significant genes, best first.
        let mut top: Vec<&Point> = p.points.iter().filter(|q| sig(q.status)).collect();
        top.sort_by(|a, b| b.y.total_cmp(&a.y));
        let (xr, yr) = chart.plotting_area().get_pixel_range();
        let (ox, oy) = area.get_base_pixel();
        let mut placer = Placer::new(Rect {
            x0: xr.start,
            y0: yr.start,
            x1: xr.end,
            y1: yr.end,
        });
        // Points occupy space too: labels must not cover the top hits.
        for q in &top {
            let (px, py) = chart.backend_coord(&(xm(q.x), q.y));
            placer.placed.push(Rect {
                x0: px - 5,
                y0: py - 5,
                x1: px + 5,
                y1: py + 5,
            });
        }
        let style = (FONT, 12).into_font().color(&colours::TEXT);
        let mut seen = std::collections::HashSet::new();
        for q in top
            .iter()
            .filter(|q| seen.insert(q.label.clone()))
            .take(self.top_labels)
        {
            let (w, h) = area.estimate_text_size(&q.label, &style).map_err(de)?;
            let (px, py) = chart.backend_coord(&(xm(q.x), q.y));
            if let Some((r, moved)) = placer.place((px, py), w as i32, h as i32) {
                if moved {
                    let tx = (r.x0 + r.x1) / 2;
                    let ty = if r.y1 < py { r.y1 } else { r.y0 + h as i32 / 2 };
                    area.draw(&PathElement::new(
                        vec![(px - ox, py - oy), (tx - ox, ty - oy)],
                        RGBColor(120, 120, 120),
                    ))
                    .map_err(de)?;
                }
                area.draw(&Text::new(
                    q.label.clone(),
                    (r.x0 - ox, r.y0 - oy),
                    style.clone(),
                ))
                .map_err(de)?;
            }
        }
        if p.unplaced > 0 {
            let note = format!("{} rows without a position not drawn", p.unplaced);
            area.draw(&Text::new(
                note,
                (xr.start - ox + 6, yr.start - oy + 4),
                (FONT, 12).into_font().color(&colours::GREY_DARK),
            ))
            .map_err(de)?;
        }
        Ok(())
    }
}
