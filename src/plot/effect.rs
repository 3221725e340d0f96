//! Effect plot of the target probe from SMR's `--plot` data file: b_eQTL against b_GWAS with
//! ±1.96 se bars in both directions, the top SNP marked, and the line through the origin of
//! slope b_SMR = b_GWAS / b_eQTL of the top SNP. The SNPs are those HEIDI used (LD column not
//! NA), as in the published R script; a file without LD values falls back to the eQTL SNPs
//! with p_eQTL < 5e-8 that are also in `$GWAS`.

use super::data_file::PlotData;
use super::locus::ld_colour;
use super::{colours, de, Chart, FONT};
use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::collections::HashMap;

struct Snp {
    id: String,
    bx: f64,
    sx: f64,
    by: f64,
    sy: f64,
    r2: Option<f64>,
}

/// The figure.
pub struct Effect {
    title: String,
    subtitle: String,
    snps: Vec<Snp>,
    top: usize,
}

impl Effect {
    /// Join the target probe's eQTL rows with the GWAS rows.
    pub fn new(d: &PlotData) -> Result<Self> {
        let rows = d.eqtl_of(&d.target).ok_or_else(|| {
            Error::format(
                &d.path,
                format!(
                    "no $eQTL group for the target probe {}: nothing to draw in the effect plot",
                    d.target
                ),
            )
        })?;
        let gwas: HashMap<&str, &super::data_file::Effect> =
            d.gwas.iter().map(|e| (e.snp.as_str(), e)).collect();
        let joined = |use_ld: bool| -> Vec<Snp> {
            rows.iter()
                .filter(|e| {
                    if use_ld {
                        e.ld.is_some()
                    } else {
                        e.se > 0.0
                            && crate::io::smr_table::log10_chisq1_tail_from_z(e.b / e.se)
                                < (5e-8f64).log10()
                    }
                })
                .filter_map(|e| {
                    let g = gwas.get(e.snp.as_str())?;
                    Some(Snp {
                        id: e.snp.clone(),
                        bx: e.b,
                        sx: e.se,
                        by: g.b,
                        sy: g.se,
                        r2: e.ld.map(|r| r * r),
                    })
                })
                .collect()
        };
        let mut snps = joined(true);
        let mut basis = "SNPs used by HEIDI (shaded by LD r² with the top SNP)";
        if snps.is_empty() {
            snps = joined(false);
            basis = "eQTL SNPs with p_eQTL < 5e-8 (the file has no HEIDI LD values)";
        }
        if snps.is_empty() {
            return Err(Error::format(
                &d.path,
                format!("the target probe {} has no SNP in both $eQTL and $GWAS: nothing to draw in the effect plot", d.target),
            ));
        }
        let top = snps
            .iter()
            .enumerate()
            .max_by(|a, b| (a.1.bx / a.1.sx).abs().total_cmp(&(b.1.bx / b.1.sx).abs()))
            .map(|(i, _)| i)
            .unwrap_or(0);
        let gene = d.target_probe().map(|p| p.gene.clone()).unwrap_or_default();
        let p = d.target_probe();
        let fmt = |x: Option<f64>| x.map(|v| format!("{v:.3e}")).unwrap_or_else(|| "NA".into());
        Ok(Effect {
            title: format!("SMR effect plot: {} ({gene})", d.target),
            subtitle: format!(
                "{} SNPs, {basis}; p_SMR = {}, p_HEIDI = {}",
                snps.len(),
                fmt(p.and_then(|p| p.p_smr)),
                fmt(p.and_then(|p| p.p_heidi))
            ),
            snps,
            top,
        })
    }
}

impl Chart for Effect {
    fn size(&self) -> (u32, u32) {
        (760, 700)
    }

    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String> {
        let text = (FONT, 13).into_font().color(&colours::TEXT);
        let (head, body) = root.split_vertically(56);
        head.draw(&Text::new(
            self.title.clone(),
            (12, 8),
            (FONT, 19)
                .into_font()
                .style(FontStyle::Bold)
                .color(&colours::TEXT),
        ))
        .map_err(de)?;
        head.draw(&Text::new(
            self.subtitle.clone(),
            (12, 34),
            (FONT, 12).into_font().color(&colours::GREY_DARK),
        ))
        .map_err(de)?;
        let span = |f: &dyn Fn(&Snp) -> (f64, f64)| {
            let (mut lo, mut hi) = (0.0f64, 0.0f64);
            for s in &self.snps {
                let (a, b) = f(s);
                lo = lo.min(a);
                hi = hi.max(b);
            }
            let pad = (hi - lo).max(1e-6) * 0.08;
            (lo - pad, hi + pad)
        };
        let (x0, x1) = span(&|s| (s.bx - 1.96 * s.sx, s.bx + 1.96 * s.sx));
        let (y0, y1) = span(&|s| (s.by - 1.96 * s.sy, s.by + 1.96 * s.sy));
        let mut chart = ChartBuilder::on(&body)
            .margin(14)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(de)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .x_desc("eQTL effect (b_eQTL)")
            .y_desc("GWAS effect (b_GWAS)")
            .label_style(text.clone())
            .axis_desc_style((FONT, 14).into_font().color(&colours::TEXT))
            .light_line_style(RGBColor(240, 240, 240))
            .draw()
            .map_err(de)?;
        let grey = RGBColor(170, 170, 170);
        chart
            .draw_series(LineSeries::new(vec![(x0, 0.0), (x1, 0.0)], grey))
            .map_err(de)?;
        chart
            .draw_series(LineSeries::new(vec![(0.0, y0), (0.0, y1)], grey))
            .map_err(de)?;
        let t = &self.snps[self.top];
        if t.bx != 0.0 {
            let slope = t.by / t.bx;
            // The b_SMR line through the origin, clipped to the plotted box.
            let mut ends: Vec<(f64, f64)> = Vec::new();
            for x in [x0, x1] {
                let y = slope * x;
                if (y0..=y1).contains(&y) {
                    ends.push((x, y));
                }
            }
            if slope != 0.0 {
                for y in [y0, y1] {
                    let x = y / slope;
                    if (x0..=x1).contains(&x) {
                        ends.push((x, y));
                    }
                }
            }
            ends.sort_by(|a, b| a.0.total_cmp(&b.0));
            ends.dedup();
            let pts = if ends.len() >= 2 {
                vec![ends[0], ends[ends.len() - 1]]
            } else {
                Vec::new()
            };
            chart
                .draw_series(DashedLineSeries::new(
                    pts,
                    6,
                    4,
                    colours::THRESHOLD.stroke_width(2),
                ))
                .map_err(de)?
                .label(format!("b_SMR = {slope:.4}"))
                .legend(|(x, y)| {
                    PathElement::new(
                        vec![(x, y), (x + 18, y)],
                        colours::THRESHOLD.stroke_width(2),
                    )
                });
        }
        for s in &self.snps {
            let col = ld_colour(s.r2);
            let bar = col.mix(0.6).stroke_width(1);
            chart
                .draw_series([
                    PathElement::new(
                        vec![(s.bx - 1.96 * s.sx, s.by), (s.bx + 1.96 * s.sx, s.by)],
                        bar,
                    ),
                    PathElement::new(
                        vec![(s.bx, s.by - 1.96 * s.sy), (s.bx, s.by + 1.96 * s.sy)],
                        bar,
                    ),
                ])
                .map_err(de)?;
        }
        chart
            .draw_series(
                self.snps
                    .iter()
                    .map(|s| Circle::new((s.bx, s.by), 4, ld_colour(s.r2).filled())),
            )
            .map_err(de)?;
        chart
            .draw_series(std::iter::once(
                EmptyElement::at((t.bx, t.by))
                    + Polygon::new(
                        vec![(0, -9), (9, 0), (0, 9), (-9, 0)],
                        colours::THRESHOLD.filled(),
                    )
                    + Text::new(
                        format!("top SNP {}", t.id),
                        (12, -8),
                        (FONT, 13).into_font().color(&colours::TEXT),
                    ),
            ))
            .map_err(de)?
            .label("top eQTL SNP")
            .legend(|(x, y)| {
                Polygon::new(
                    vec![(x + 9, y - 6), (x + 15, y), (x + 9, y + 6), (x + 3, y)],
                    colours::THRESHOLD.filled(),
                )
            });
        if self.snps.iter().any(|s| s.r2.is_some()) {
            let (xr, yr) = chart.plotting_area().get_pixel_range();
            let (ox, oy) = body.get_base_pixel();
            let bins = [
                (Some(0.9), "r² ≥ 0.8"),
                (Some(0.7), "0.6"),
                (Some(0.5), "0.4"),
                (Some(0.3), "0.2"),
                (Some(0.1), "< 0.2"),
            ];
            let small = (FONT, 12).into_font().color(&colours::TEXT);
            let mut lx = xr.end - ox - 10;
            for (r, label) in bins.iter().rev() {
                let (w, _) = body.estimate_text_size(label, &small).map_err(de)?;
                lx -= w as i32;
                body.draw(&Text::new(*label, (lx, yr.start - oy + 6), small.clone()))
                    .map_err(de)?;
                lx -= 10;
                body.draw(&Circle::new(
                    (lx, yr.start - oy + 13),
                    4,
                    ld_colour(*r).filled(),
                ))
                .map_err(de)?;
                lx -= 14;
            }
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::LowerRight)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .label_font(text.clone())
            .draw()
            .map_err(de)?;
        Ok(())
    }
}
