//! QQ plot of p_SMR per trait: observed against expected −log10 p (uniform null), the identity
//! line, and the genomic-control λ of each trait in the legend.

use super::{colours, de, neg_log10, Chart, FONT};
use crate::genes::TraitResult;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Trait colours (Okabe–Ito, then greys).
const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(120, 120, 120),
    RGBColor(0, 0, 0),
];

struct Series {
    name: String,
    lambda: Option<f64>,
    /// (expected, observed) −log10 p, ascending.
    points: Vec<(f64, f64)>,
}

/// The figure.
pub struct Qq {
    series: Vec<Series>,
}

/// Genomic-control λ: median χ²₁ of the p-values over the χ²₁ median (0.454936).
pub fn lambda_gc(p: &[f64]) -> Option<f64> {
    if p.is_empty() {
        return None;
    }
    let mut v = p.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let med = if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    };
    if med <= 0.0 {
        return None;
    }
    Some(crate::stats::dist::qchisq1_upper(med) / 0.454_936_423_119_572_8)
}

impl Qq {
    /// One series per trait (first 8 traits).
    pub fn new(results: &[TraitResult]) -> Self {
        let series = results
            .iter()
            .take(PALETTE.len())
            .map(|t| {
                let mut obs: Vec<f64> = t
                    .rows
                    .iter()
                    .filter_map(|g| neg_log10(g.row.log10_p_smr()))
                    .collect();
                obs.sort_by(f64::total_cmp);
                let n = obs.len();
                let points = obs
                    .iter()
                    .enumerate()
                    .map(|(i, &o)| {
                        // The i-th smallest −log10 p pairs with the i-th smallest expected value:
                        // rank n − i among p ascending, expected p = (rank − 0.5) / n.
                        let rank = (n - i) as f64;
                        (-((rank - 0.5) / n as f64).log10(), o)
                    })
                    .collect();
                let ps: Vec<f64> = t.rows.iter().filter_map(|g| g.row.p_smr).collect();
                Series {
                    name: t.name.clone(),
                    lambda: lambda_gc(&ps),
                    points,
                }
            })
            .collect();
        Qq { series }
    }
}

impl Chart for Qq {
    fn size(&self) -> (u32, u32) {
        (720, 640)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let xmax = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.0))
            .fold(1.0f64, f64::max)
            * 1.05;
        let ymax = self
            .series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .fold(1.0f64, f64::max)
            .max(xmax)
            * 1.08;
        let mut chart = ChartBuilder::on(root)
            .caption(
                "QQ plot of p_SMR",
                (FONT, 20)
                    .into_font()
                    .style(FontStyle::Bold)
                    .color(&colours::TEXT),
            )
            .margin(16)
            .x_label_area_size(50)
            .y_label_area_size(60)
            .build_cartesian_2d(0f64..xmax, 0f64..ymax)
            .map_err(de)?;
        chart
            .configure_mesh()
            .max_light_lines(1)
            .x_label_formatter(&super::tick)
            .y_label_formatter(&super::tick)
            .x_desc("expected −log10 p")
            .y_desc("observed −log10 p_SMR")
            .label_style((FONT, 13).into_font().color(&colours::TEXT))
            .axis_desc_style((FONT, 14).into_font().color(&colours::TEXT))
            .light_line_style(RGBColor(238, 238, 238))
            .draw()
            .map_err(de)?;
        let m = xmax.min(ymax);
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (m, m)],
                colours::THRESHOLD.stroke_width(1),
            ))
            .map_err(de)?;
        for (i, s) in self.series.iter().enumerate() {
            let col = PALETTE[i];
            let label = match s.lambda {
                Some(l) => format!("{} (n = {}, λGC = {:.3})", s.name, s.points.len(), l),
                None => format!("{} (n = {})", s.name, s.points.len()),
            };
            chart
                .draw_series(
                    s.points
                        .iter()
                        .map(|&(x, y)| Circle::new((x, y), 3, col.filled())),
                )
                .map_err(de)?
                .label(label)
                .legend(move |(x, y)| Circle::new((x + 6, y), 4, col.filled()));
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .background_style(WHITE.mix(0.9))
            .border_style(RGBColor(200, 200, 200))
            .label_font((FONT, 13).into_font().color(&colours::TEXT))
            .draw()
            .map_err(de)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lambda_of_uniform_quantiles_is_one() {
        // Midpoints of a uniform grid: the median is 0.5 exactly, χ²₁ median / 0.454936 = 1.
        let p: Vec<f64> = (0..999).map(|i| (i as f64 + 0.5) / 999.0).collect();
        let l = lambda_gc(&p).unwrap();
        assert!((l - 1.0).abs() < 1e-6, "{l}");
        assert_eq!(lambda_gc(&[]), None);
    }
}
