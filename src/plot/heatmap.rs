//! Trait × gene heatmap: cells shaded by −log10 p_SMR, a marker for the status (● prioritised,
//! × HEIDI rejects, ○ HEIDI NA), genes significant in at least one trait, best first.

use super::{colours, de, status_colour, Chart, FONT};
use crate::genes::output::GeneMatrix;
use crate::genes::select::Status;
use plotters::coord::Shift;
use plotters::prelude::*;

type Cell = crate::genes::output::MatrixCell;

/// The figure.
pub struct Heatmap {
    traits: Vec<String>,
    genes: Vec<String>,
    cells: Vec<Vec<Cell>>,
    vmax: f64,
    dropped: usize,
}

fn significant(s: Status) -> bool {
    matches!(
        s,
        Status::Prioritised | Status::HeidiRejected | Status::HeidiUntested
    )
}

/// White → dark blue ramp for t in [0, 1].
fn ramp(t: f64) -> RGBColor {
    let t = t.clamp(0.0, 1.0);
    let lerp = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
    RGBColor(lerp(247.0, 8.0), lerp(251.0, 48.0), lerp(255.0, 107.0))
}

impl Heatmap {
    /// The first `max_genes` genes of the matrix that are significant in some trait.
    pub fn new(m: &GeneMatrix, max_genes: usize) -> Self {
        let keep: Vec<usize> = (0..m.genes.len())
            .filter(|&g| {
                m.cells[g]
                    .iter()
                    .any(|c| c.is_some_and(|(s, _, _)| significant(s)))
            })
            .collect();
        let dropped = keep.len().saturating_sub(max_genes);
        let keep: Vec<usize> = keep.into_iter().take(max_genes).collect();
        let cells: Vec<Vec<Cell>> = keep.iter().map(|&g| m.cells[g].clone()).collect();
        let vmax = cells
            .iter()
            .flatten()
            .filter_map(|c| {
                c.and_then(|(_, _, l)| l)
                    .map(|l| if l.is_finite() { -l } else { 320.0 })
            })
            .fold(1.0f64, f64::max);
        Heatmap {
            traits: m.traits.clone(),
            genes: keep.iter().map(|&g| m.genes[g].clone()).collect(),
            cells,
            vmax,
            dropped,
        }
    }

    fn geometry(&self) -> (i32, i32, i32, i32) {
        // left margin (gene names), top margin, cell width, cell height
        let longest = self
            .genes
            .iter()
            .map(|g| g.chars().count())
            .max()
            .unwrap_or(4) as i32;
        let longest_trait = self
            .traits
            .iter()
            .map(|t| t.chars().count())
            .max()
            .unwrap_or(4) as i32;
        let cw = (longest_trait * 8 + 16).clamp(56, 160);
        (longest * 8 + 30, 70, cw, 20)
    }
}

impl Chart for Heatmap {
    fn size(&self) -> (u32, u32) {
        let (left, top, cw, ch) = self.geometry();
        let w = left + cw * self.traits.len() as i32 + 220;
        let h = (top + ch * self.genes.len().max(1) as i32 + 40).max(top + 120 + 90);
        (w.max(560) as u32, h as u32)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (left, top, cw, ch) = self.geometry();
        let text = (FONT, 13).into_font().color(&colours::TEXT);
        root.draw(&Text::new(
            "Traits × genes: −log10 p_SMR of the best probe",
            (12, 10),
            (FONT, 18)
                .into_font()
                .style(FontStyle::Bold)
                .color(&colours::TEXT),
        ))
        .map_err(de)?;
        if self.genes.is_empty() {
            root.draw(&Text::new(
                "No gene is significant in any trait.",
                (12, 50),
                text.clone(),
            ))
            .map_err(de)?;
            return Ok(());
        }
        for (ti, t) in self.traits.iter().enumerate() {
            let (w, _) = root.estimate_text_size(t, &text).map_err(de)?;
            let x = left + ti as i32 * cw + (cw - w as i32) / 2;
            root.draw(&Text::new(t.clone(), (x, top - 20), text.clone()))
                .map_err(de)?;
        }
        for (gi, g) in self.genes.iter().enumerate() {
            let y = top + gi as i32 * ch;
            let (w, h) = root.estimate_text_size(g, &text).map_err(de)?;
            root.draw(&Text::new(
                g.clone(),
                (left - 8 - w as i32, y + (ch - h as i32) / 2),
                text.clone(),
            ))
            .map_err(de)?;
            for (ti, c) in self.cells[gi].iter().enumerate() {
                let x = left + ti as i32 * cw;
                let fill = match c {
                    Some((_, _, Some(l))) => {
                        let v = if l.is_finite() { -l } else { 320.0 };
                        ramp(v / self.vmax)
                    }
                    _ => RGBColor(235, 235, 235),
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + cw - 1, y + ch - 1)],
                    fill.filled(),
                ))
                .map_err(de)?;
                let (cx, cy) = (x + cw / 2, y + ch / 2);
                match c {
                    Some((Status::Prioritised, _, _)) => {
                        root.draw(&Circle::new((cx, cy), 6, WHITE.filled()))
                            .map_err(de)?;
                        root.draw(&Circle::new(
                            (cx, cy),
                            5,
                            status_colour(Status::Prioritised).filled(),
                        ))
                        .map_err(de)?;
                    }
                    Some((Status::HeidiRejected, _, _)) => {
                        let col = status_colour(Status::HeidiRejected).stroke_width(3);
                        root.draw(&PathElement::new(
                            vec![(cx - 5, cy - 5), (cx + 5, cy + 5)],
                            col,
                        ))
                        .map_err(de)?;
                        root.draw(&PathElement::new(
                            vec![(cx - 5, cy + 5), (cx + 5, cy - 5)],
                            col,
                        ))
                        .map_err(de)?;
                    }
                    Some((Status::HeidiUntested, _, _)) => {
                        root.draw(&Circle::new(
                            (cx, cy),
                            5,
                            status_colour(Status::HeidiUntested).stroke_width(2),
                        ))
                        .map_err(de)?;
                    }
                    None => {
                        root.draw(&Text::new(
                            "NA",
                            (cx - 8, cy - 7),
                            (FONT, 11).into_font().color(&colours::GREY_DARK),
                        ))
                        .map_err(de)?;
                    }
                    _ => {}
                }
            }
        }
        // Colour bar and marker legend at the right.
        let lx = left + cw * self.traits.len() as i32 + 30;
        root.draw(&Text::new("−log10 p_SMR", (lx, top - 20), text.clone()))
            .map_err(de)?;
        let bar_h = 120;
        for k in 0..bar_h {
            let t = 1.0 - k as f64 / (bar_h - 1) as f64;
            root.draw(&Rectangle::new(
                [(lx, top + k), (lx + 18, top + k + 1)],
                ramp(t).filled(),
            ))
            .map_err(de)?;
        }
        root.draw(&Text::new(
            format!("{:.1}", self.vmax),
            (lx + 24, top - 2),
            text.clone(),
        ))
        .map_err(de)?;
        root.draw(&Text::new("0", (lx + 24, top + bar_h - 12), text.clone()))
            .map_err(de)?;
        let ly = top + bar_h + 20;
        let items = [
            (Status::Prioritised, "prioritised"),
            (Status::HeidiRejected, "HEIDI rejects"),
            (Status::HeidiUntested, "HEIDI NA"),
        ];
        for (k, (st, label)) in items.iter().enumerate() {
            let y = ly + k as i32 * 20;
            let col = status_colour(*st);
            match st {
                Status::Prioritised => root
                    .draw(&Circle::new((lx + 8, y + 7), 5, col.filled()))
                    .map_err(de)?,
                Status::HeidiRejected => {
                    root.draw(&PathElement::new(
                        vec![(lx + 3, y + 2), (lx + 13, y + 12)],
                        col.stroke_width(3),
                    ))
                    .map_err(de)?;
                    root.draw(&PathElement::new(
                        vec![(lx + 3, y + 12), (lx + 13, y + 2)],
                        col.stroke_width(3),
                    ))
                    .map_err(de)?;
                }
                _ => root
                    .draw(&Circle::new((lx + 8, y + 7), 5, col.stroke_width(2)))
                    .map_err(de)?,
            }
            root.draw(&Text::new(*label, (lx + 22, y), text.clone()))
                .map_err(de)?;
        }
        let foot_y = top + ch * self.genes.len() as i32 + 14;
        let foot = if self.dropped > 0 {
            format!("NA: gene not tested in that trait. {} more significant genes not shown (see PREFIX.gene_matrix.tsv).", self.dropped)
        } else {
            "NA: gene not tested in that trait.".to_string()
        };
        root.draw(&Text::new(
            foot,
            (12, foot_y),
            (FONT, 12).into_font().color(&colours::GREY_DARK),
        ))
        .map_err(de)?;
        Ok(())
    }
}
