//! `PREFIX.report.html` of `fastsmr genes` (data-spec/genes-output.md §9): one self-contained
//! file (inline SVG figures, inline CSS and a few lines of JS, no network) with the run's
//! settings, per-trait denominators and status counts, the figures and a sortable gene table.

use crate::genes::select::Status;
use crate::genes::{Settings, TraitResult};
use crate::output::format::fmt_e6;
use crate::plot::Figure;
use std::fmt::Write as _;

/// Not-significant rows shown per trait in the report (all rows are in `PREFIX.genes.tsv`).
pub const NOT_SIGNIFICANT_SHOWN: usize = 50;

/// Escape text for HTML element content and attribute values.
pub fn escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(c),
        }
    }
    o
}

/// An SVG document made fit for inlining: no XML declaration, scalable to the page width.
pub fn inline_svg(svg: &str) -> String {
    let body = match svg.find("<svg") {
        Some(i) => &svg[i..],
        None => svg,
    };
    body.replacen("<svg", "<svg class=\"fig\" role=\"img\"", 1)
}

const CSS: &str = "body{font-family:'DejaVu Sans',Verdana,sans-serif;margin:24px;color:#1e1e1e}\
h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ccc;padding-bottom:4px}\
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #d0d0d0;padding:3px 8px;text-align:left}\
th{background:#f0f3f6}table.genes th{cursor:pointer;user-select:none}table.genes th:after{content:' \\2195';color:#999}\
td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}table.genes td,table.genes th{white-space:nowrap;font-size:12px;padding:2px 5px}\
.st-prioritised{color:#0072b2;font-weight:bold}.st-heidi_rejected{color:#d55e00}.st-heidi_untested{color:#b07800}.st-not_significant,.st-not_tested{color:#777}\
svg.fig{max-width:100%;height:auto;display:block;margin:8px 0}.scroll{overflow-x:auto}\
.note{color:#555;font-size:13px}input#filter{font-size:13px;padding:3px;width:260px;margin:6px 0}";

const JS: &str = r#"(function(){
var t=document.getElementById('genes');if(!t)return;
var body=t.tBodies[0];var dir={};
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,i){
th.addEventListener('click',function(){
var rows=Array.prototype.slice.call(body.rows);var d=dir[i]=-(dir[i]||-1);
rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i];
var u=x.getAttribute('data-v'),v=y.getAttribute('data-v');
if(u!==null&&v!==null){return d*(parseFloat(u)-parseFloat(v));}
return d*x.textContent.localeCompare(y.textContent);});
rows.forEach(function(r){body.appendChild(r);});});});
var f=document.getElementById('filter');
if(f){f.addEventListener('input',function(){var q=f.value.toLowerCase();
Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)>=0?'':'none';});});}
})();"#;

fn num_cell(out: &mut String, x: Option<f64>, sort_key: Option<f64>) {
    match (x, sort_key) {
        (Some(v), Some(k)) => {
            let _ = write!(out, "<td class=\"num\" data-v=\"{k}\">{}</td>", fmt_e6(v));
        }
        (Some(v), None) => {
            let _ = write!(out, "<td class=\"num\" data-v=\"{v}\">{}</td>", fmt_e6(v));
        }
        _ => out.push_str("<td class=\"num\" data-v=\"1e308\">NA</td>"),
    }
}

/// The report's HTML text.
pub fn genes_report(
    s: &Settings,
    results: &[TraitResult],
    figures: &[Figure],
    summary_json: &str,
) -> String {
    let mut h = String::with_capacity(1 << 20);
    h.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(
        h,
        "<title>fastsmr genes: {}</title>",
        escape(&s.out.display().to_string())
    );
    let _ = write!(h, "<style>{CSS}</style></head><body>");
    let _ = write!(
        h,
        "<h1>SMR gene prioritisation</h1><p class=\"note\">fastsmr {} · output prefix <code>{}</code> · full table in <code>{}</code></p>",
        env!("CARGO_PKG_VERSION"),
        escape(&s.out.display().to_string()),
        escape(&crate::config::out_path(&s.out, "genes.tsv").display().to_string())
    );

    h.push_str("<h2>Settings</h2><table><tbody>");
    for line in s.describe() {
        let (k, v) = line.split_once(": ").unwrap_or((&line, ""));
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(v));
    }
    if let Some(a) = &s.gene_annot {
        let _ = write!(
            h,
            "<tr><th>gene annotation</th><td>{}</td></tr>",
            escape(&a.display().to_string())
        );
    }
    h.push_str("</tbody></table>");

    h.push_str("<h2>Tables and counts</h2><table id=\"counts\"><thead><tr><th>trait</th><th>files</th><th>rows</th><th>MHC removed</th><th>tested (denominator)</th><th>p_SMR threshold</th>");
    for st in Status::ALL {
        let _ = write!(h, "<th class=\"st-{0}\">{0}</th>", st.as_str());
    }
    h.push_str("</tr></thead><tbody>");
    for t in results {
        let files: Vec<String> = t
            .files
            .iter()
            .map(|f| escape(&f.display().to_string()))
            .collect();
        let thr = t
            .threshold
            .map(fmt_e6)
            .unwrap_or_else(|| "none passes".into());
        let _ = write!(
            h,
            "<tr><td>{}</td><td>{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td>",
            escape(&t.name),
            files.join("<br>"),
            t.rows_read,
            t.mhc_removed,
            t.denominator,
            thr
        );
        for st in Status::ALL {
            let _ = write!(
                h,
                "<td class=\"num st-{}\">{}</td>",
                st.as_str(),
                t.counts.get(&st).copied().unwrap_or(0)
            );
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");

    h.push_str("<h2>Figures</h2>");
    if results.len() > crate::plot::manhattan::MAX_PANELS {
        let _ = write!(
            h,
            "<p class=\"note\">The Manhattan and QQ plots show the first {} traits.</p>",
            crate::plot::manhattan::MAX_PANELS
        );
    }
    for f in figures {
        let _ = write!(
            h,
            "<h3>{}</h3><figure>{}</figure>",
            escape(&f.title),
            inline_svg(&f.svg)
        );
    }

    h.push_str("<h2>Genes</h2>");
    let _ = write!(
        h,
        "<p class=\"note\">Every significant row, and the {NOT_SIGNIFICANT_SHOWN} best not-significant rows of each trait. Click a column to sort; type to filter.</p><input id=\"filter\" type=\"search\" placeholder=\"filter rows (gene, probe, status, trait)\">"
    );
    h.push_str("<div class=\"scroll\"><table class=\"genes\" id=\"genes\"><thead><tr>");
    for c in [
        "trait",
        "Gene",
        "probeID",
        "chr",
        "bp",
        "topSNP",
        "b_SMR",
        "p_SMR",
        "p_SMR_adj",
        "p_HEIDI",
        "nsnp_HEIDI",
        "n_probes",
        "in_MHC",
        "status",
    ] {
        let _ = write!(h, "<th>{c}</th>");
    }
    h.push_str("</tr></thead><tbody>");
    for t in results {
        let mut ns = 0;
        for g in &t.rows {
            if matches!(g.status, Status::NotSignificant | Status::NotTested) {
                ns += 1;
                if ns > NOT_SIGNIFICANT_SHOWN {
                    continue;
                }
            }
            let r = &g.row;
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td>",
                escape(&t.name),
                escape(&g.symbol),
                escape(&r.probe_id),
                r.probe_chr.unwrap_or(99),
                r.probe_chr.map(crate::plot::chr_label).unwrap_or_else(|| "NA".into()),
                r.probe_bp.unwrap_or(-1),
                r.probe_bp.map(|b| b.to_string()).unwrap_or_else(|| "NA".into()),
                escape(&r.top_snp)
            );
            match r.b_smr {
                Some(b) => {
                    let _ = write!(
                        h,
                        "<td class=\"num\" data-v=\"{b}\">{}</td>",
                        crate::output::format::fmt_g6(b)
                    );
                }
                None => h.push_str("<td class=\"num\" data-v=\"0\">NA</td>"),
            }
            num_cell(
                &mut h,
                r.p_smr,
                r.log10_p_smr()
                    .map(|l| if l.is_finite() { l } else { -1e4 }),
            );
            num_cell(&mut h, g.p_adj, None);
            num_cell(&mut h, r.p_heidi, None);
            let _ = write!(
                h,
                "<td class=\"num\" data-v=\"{}\">{}</td><td class=\"num\" data-v=\"{}\">{}</td><td>{}</td><td class=\"st-{}\">{}</td></tr>",
                r.nsnp_heidi.map(|v| v as i64).unwrap_or(-1),
                r.nsnp_heidi.map(|v| v.to_string()).unwrap_or_else(|| "NA".into()),
                g.n_probes,
                g.n_probes,
                match g.in_mhc {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "NA",
                },
                g.status.as_str(),
                g.status.as_str()
            );
        }
    }
    h.push_str("</tbody></table></div>");
    // The summary as data, for scripts that scrape the report.
    let _ = write!(
        h,
        "<script type=\"application/json\" id=\"summary\">{}</script>",
        summary_json.replace("</", "<\\/")
    );
    let _ = writeln!(h, "<script>{JS}</script></body></html>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup() {
        assert_eq!(
            escape("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
    }

    #[test]
    fn inline_svg_drops_the_declaration() {
        let s = inline_svg("<?xml version=\"1.0\"?>\n<svg width=\"10\"></svg>");
        assert!(s.starts_with("<svg class=\"fig\""), "{s}");
    }
}
