//! Figures rendered by fastsmr itself, PNG and SVG, with no R and no system fonts
//! (data-spec/genes-output.md §8): plotters draws with the DejaVu Sans font embedded in the
//! binary. [`genes_figures`] makes the Manhattan, QQ and heatmap figures of `fastsmr genes`;
//! [`main`] is `fastsmr plot`, the locus and effect plots of one probe from SMR's `--plot`
//! data file ([`data_file`]).

pub mod data_file;
pub mod effect;
pub mod heatmap;
pub mod labels;
pub mod locus;
pub mod manhattan;
pub mod qq;

use crate::error::{Error, Result};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::sync::Once;

/// One rendered figure.
#[derive(Debug, Clone)]
pub struct Figure {
    /// File-name part (`manhattan` → `PREFIX.manhattan.png`).
    pub name: String,
    /// Human title (report headings, alt text).
    pub title: String,
    /// PNG bytes.
    pub png: Vec<u8>,
    /// SVG text.
    pub svg: String,
}

/// Font family name under which the embedded DejaVu Sans is registered.
pub const FONT: &str = "sans-serif";

static FONT_INIT: Once = Once::new();

/// Register the embedded DejaVu Sans (regular and bold) with plotters, once per process.
pub fn ensure_font() {
    FONT_INIT.call_once(|| {
        // The bytes are a valid TTF shipped by the `dejavu` crate; a failure here is a build
        // defect, not a user error.
        plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
            .map_err(|_| ())
            .expect("embedded DejaVu Sans regular");
        plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
            .map_err(|_| ())
            .expect("embedded DejaVu Sans bold");
    });
}

/// Something drawable on any plotters backend.
pub trait Chart {
    /// Width and height in pixels.
    fn size(&self) -> (u32, u32);
    /// Draw on `root` (already filled white).
    fn draw<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
    ) -> std::result::Result<(), String>;
}

/// Stringify a plotters error (its types differ per backend).
pub fn de<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Render `chart` to PNG and SVG.
pub fn render(chart: &impl Chart, name: &str, title: &str) -> Result<Figure> {
    ensure_font();
    let (w, h) = chart.size();
    let fail = |e: String| Error::Analysis(format!("drawing the {title}: {e}"));
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(de).map_err(fail)?;
        chart.draw(&root).map_err(fail)?;
        root.present().map_err(de).map_err(fail)?;
    }
    let png = svg_to_png(&svg).map_err(fail)?;
    Ok(Figure {
        name: name.to_string(),
        title: title.to_string(),
        png,
        svg,
    })
}

/// The font database of the rasteriser: only the embedded DejaVu Sans (no system fonts).
fn font_db() -> std::sync::Arc<resvg::usvg::fontdb::Database> {
    static DB: std::sync::OnceLock<std::sync::Arc<resvg::usvg::fontdb::Database>> =
        std::sync::OnceLock::new();
    DB.get_or_init(|| {
        let mut db = resvg::usvg::fontdb::Database::new();
        db.load_font_data(dejavu::sans::regular().to_vec());
        db.load_font_data(dejavu::sans::bold().to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        std::sync::Arc::new(db)
    })
    .clone()
}

/// Rasterise an SVG document (as written by plotters) to PNG bytes at its own pixel size.
pub fn svg_to_png(svg: &str) -> std::result::Result<Vec<u8>, String> {
    let opt = resvg::usvg::Options {
        fontdb: font_db(),
        font_family: "DejaVu Sans".into(),
        ..Default::default()
    };
    let tree = resvg::usvg::Tree::from_str(svg, &opt).map_err(de)?;
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height())
        .ok_or_else(|| "empty figure".to_string())?;
    pixmap.fill(resvg::tiny_skia::Color::WHITE);
    resvg::render(
        &tree,
        resvg::tiny_skia::Transform::default(),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(de)
}

/// Colours of the statuses (Okabe–Ito palette, readable with colour-vision deficiency).
pub mod colours {
    use plotters::style::RGBColor;
    /// prioritised.
    pub const PRIORITISED: RGBColor = RGBColor(0, 114, 178);
    /// heidi_rejected.
    pub const HEIDI_REJECTED: RGBColor = RGBColor(213, 94, 0);
    /// heidi_untested.
    pub const HEIDI_UNTESTED: RGBColor = RGBColor(230, 159, 0);
    /// not significant, odd chromosomes.
    pub const GREY_DARK: RGBColor = RGBColor(120, 130, 140);
    /// not significant, even chromosomes.
    pub const GREY_LIGHT: RGBColor = RGBColor(185, 192, 200);
    /// threshold lines.
    pub const THRESHOLD: RGBColor = RGBColor(204, 0, 0);
    /// text.
    pub const TEXT: RGBColor = RGBColor(30, 30, 30);
}

/// Colour of a status.
pub fn status_colour(s: crate::genes::select::Status) -> RGBColor {
    use crate::genes::select::Status;
    match s {
        Status::Prioritised => colours::PRIORITISED,
        Status::HeidiRejected => colours::HEIDI_REJECTED,
        Status::HeidiUntested => colours::HEIDI_UNTESTED,
        Status::NotSignificant | Status::NotTested => colours::GREY_DARK,
    }
}

/// −log10 p with a finite cap for p = 0 and no z available.
pub fn neg_log10(l10: Option<f64>) -> Option<f64> {
    l10.map(|l| if l.is_finite() { -l } else { 320.0 })
}

/// Tick label of a −log10 p axis: at most two decimals, trailing zeros dropped (`40`, `2.5`).
pub fn tick(v: &f64) -> String {
    let t = format!("{v:.2}");
    let t = t.trim_end_matches('0').trim_end_matches('.');
    if t == "-0" {
        "0".into()
    } else {
        t.to_string()
    }
}

/// Chromosome label (23 → X, 24 → Y).
pub fn chr_label(c: i32) -> String {
    match c {
        23 => "X".into(),
        24 => "Y".into(),
        _ => c.to_string(),
    }
}

/// The figures of `fastsmr genes`: Manhattan, QQ, and (two or more traits) the heatmap.
pub fn genes_figures(
    s: &crate::genes::Settings,
    results: &[crate::genes::TraitResult],
    matrix: &crate::genes::output::GeneMatrix,
) -> Result<Vec<Figure>> {
    let mut v = vec![
        render(
            &manhattan::Manhattan::new(results, s, s.top_labels),
            "manhattan",
            "Manhattan plot of p_SMR",
        )?,
        render(&qq::Qq::new(results), "qq", "QQ plot of p_SMR")?,
    ];
    if results.len() >= 2 {
        v.push(render(
            &heatmap::Heatmap::new(matrix, 40),
            "heatmap",
            "Trait × gene heatmap",
        )?);
    }
    Ok(v)
}

/// Command line of `fastsmr plot`.
#[derive(Debug, clap::Parser)]
#[command(
    name = "fastsmr plot",
    about = "Locus and effect plots of one probe from SMR's --plot data file (PNG and SVG)"
)]
pub struct PlotArgs {
    /// SMR's `--plot` data file (`plot/<out>.<probe>.txt`).
    #[arg(long, value_name = "FILE")]
    pub plot_file: std::path::PathBuf,
    /// Output prefix: writes PREFIX.locus.{png,svg} and PREFIX.effect.{png,svg}.
    #[arg(long, value_name = "PREFIX")]
    pub out: std::path::PathBuf,
    /// Gene annotation for the gene track when the file has no `$Gene` block (SMR gene list or GTF).
    #[arg(long, value_name = "FILE")]
    pub gene_annot: Option<std::path::PathBuf>,
    /// HEIDI cut-off used to colour the SMR track (pass = p_HEIDI ≥ it).
    #[arg(long, default_value_t = 0.01, value_name = "P")]
    pub p_heidi: f64,
    /// Number of eQTL tracks (the target probe first, then the others by p_SMR).
    #[arg(long, default_value_t = 3, value_name = "N")]
    pub eqtl_tracks: usize,
}

/// Entry point of `fastsmr plot ARGS…`.
pub fn main(args: Vec<std::ffi::OsString>) -> std::process::ExitCode {
    use clap::Parser;
    use std::process::ExitCode;
    let a = match PlotArgs::try_parse_from(
        std::iter::once(std::ffi::OsString::from("fastsmr plot")).chain(args),
    ) {
        Ok(a) => a,
        Err(e) => e.exit(),
    };
    match run_plot(&a) {
        Ok(paths) => {
            for p in paths {
                eprintln!("wrote {}", p.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("Error: {e}");
            ExitCode::from(1)
        }
    }
}

/// Read the plot file, draw both figures, write them (all or none).
pub fn run_plot(a: &PlotArgs) -> Result<Vec<std::path::PathBuf>> {
    crate::output::atomic::check_output_dir(&a.out)?;
    let data = data_file::read_plot_file(&a.plot_file)?;
    let annot = match &a.gene_annot {
        Some(p) => Some(crate::genes::annot::GeneAnnot::read(p)?),
        None => None,
    };
    let figs = vec![
        render(
            &locus::Locus::new(&data, annot.as_ref(), a.p_heidi, a.eqtl_tracks),
            "locus",
            &format!("Locus plot of {}", data.target),
        )?,
        render(
            &effect::Effect::new(&data)?,
            "effect",
            &format!("Effect plot of {}", data.target),
        )?,
    ];
    write_figures(&a.out, &figs)
}

/// Write `PREFIX.<name>.png/.svg` for each figure, all or none.
pub fn write_figures(out: &std::path::Path, figs: &[Figure]) -> Result<Vec<std::path::PathBuf>> {
    let mut staged = Vec::new();
    let mut paths = Vec::new();
    for f in figs {
        for (ext, bytes) in [("png", f.png.as_slice()), ("svg", f.svg.as_bytes())] {
            let p = crate::config::out_path(out, &format!("{}.{ext}", f.name));
            let mut w = crate::output::atomic::AtomicFile::create(&p)?;
            w.write_all(bytes)?;
            staged.push(w);
            paths.push(p);
        }
    }
    for w in staged {
        w.commit()?;
    }
    Ok(paths)
}
