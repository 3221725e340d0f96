//! Comparison of fastsmr's output with the reference's, as `shared/reference/oracle-notes.md`
//! §5 prescribes: rows keyed by probeID in the same order; every column text-identical except
//! p_HEIDI, which may differ by 2e-6 relative (same NA pattern, identical nsnp_HEIDI).
//!
//! Shared by the golden tests (`tests/integration/golden.rs`) and the validation tool (`validate.rs`).

#![allow(dead_code)]

use std::collections::HashMap;

/// Relative tolerance for p_HEIDI (oracle-notes §5).
pub const P_HEIDI_REL_TOL: f64 = 2e-6;

/// How one column compared.
#[derive(Debug, Clone, Default)]
pub struct ColumnDiff {
    /// Column name.
    pub name: String,
    /// Cells outside the column's tolerance.
    pub mismatches: usize,
    /// Largest relative difference seen among numeric cells (0 when all identical).
    pub worst_rel: f64,
    /// First mismatch, for the report.
    pub example: Option<String>,
}

/// How a whole table compared.
#[derive(Debug, Clone, Default)]
pub struct TableDiff {
    /// Rows in the reference's table.
    pub rows_expected: usize,
    /// Rows in ours.
    pub rows_actual: usize,
    /// Rows present in both (joined on the first column).
    pub rows_compared: usize,
    /// Rows where every column is within tolerance.
    pub rows_matching: usize,
    /// Keys only in the reference's table.
    pub missing: Vec<String>,
    /// Keys only in ours.
    pub extra: Vec<String>,
    /// The common keys appear in the same order.
    pub same_order: bool,
    /// Header lines identical.
    pub same_header: bool,
    /// Per column.
    pub columns: Vec<ColumnDiff>,
}

impl TableDiff {
    /// Everything matches within tolerance.
    pub fn ok(&self) -> bool {
        self.same_header
            && self.same_order
            && self.missing.is_empty()
            && self.extra.is_empty()
            && self.rows_matching == self.rows_expected
            && self.rows_expected == self.rows_actual
    }

    /// A human-readable multi-line report.
    pub fn report(&self) -> String {
        let mut s = format!(
            "rows expected {} / ours {} / compared {} / matching {}{}{}\n",
            self.rows_expected,
            self.rows_actual,
            self.rows_compared,
            self.rows_matching,
            if self.same_order {
                ""
            } else {
                " / ORDER DIFFERS"
            },
            if self.same_header {
                ""
            } else {
                " / HEADER DIFFERS"
            },
        );
        if !self.missing.is_empty() {
            s += &format!("  missing rows: {:?}\n", self.missing);
        }
        if !self.extra.is_empty() {
            s += &format!("  extra rows: {:?}\n", self.extra);
        }
        for c in &self.columns {
            s += &format!(
                "  {:<12} mismatches {:>4}  worst relative difference {:.3e}{}\n",
                c.name,
                c.mismatches,
                c.worst_rel,
                c.example
                    .as_ref()
                    .map(|e| format!("  e.g. {e}"))
                    .unwrap_or_default()
            );
        }
        s
    }
}

fn rel_diff(a: &str, b: &str) -> Option<f64> {
    let (x, y) = (a.parse::<f64>().ok()?, b.parse::<f64>().ok()?);
    if x == y {
        return Some(0.0);
    }
    let scale = x.abs().max(y.abs());
    Some((x - y).abs() / scale)
}

/// Compare two `.smr`-like tables (tab-separated, header line, key in column 1).
pub fn compare_tables(expected: &str, actual: &str) -> TableDiff {
    let parse = |t: &str| -> (String, Vec<Vec<String>>) {
        let mut lines = t.lines();
        let header = lines.next().unwrap_or("").to_string();
        let rows = lines
            .filter(|l| !l.is_empty())
            .map(|l| l.split('\t').map(str::to_string).collect())
            .collect();
        (header, rows)
    };
    let (he, re) = parse(expected);
    let (ha, ra) = parse(actual);
    let names: Vec<String> = he.split('\t').map(str::to_string).collect();
    let mut d = TableDiff {
        rows_expected: re.len(),
        rows_actual: ra.len(),
        same_header: he == ha,
        columns: names
            .iter()
            .map(|n| ColumnDiff {
                name: n.clone(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    };
    let idx_a: HashMap<&str, usize> = ra
        .iter()
        .enumerate()
        .map(|(i, r)| (r[0].as_str(), i))
        .collect();
    let idx_e: HashMap<&str, usize> = re
        .iter()
        .enumerate()
        .map(|(i, r)| (r[0].as_str(), i))
        .collect();
    let mut order_a = Vec::new();
    for r in &re {
        let Some(&ia) = idx_a.get(r[0].as_str()) else {
            d.missing.push(r[0].clone());
            continue;
        };
        order_a.push(ia);
        d.rows_compared += 1;
        let a = &ra[ia];
        let mut row_ok = a.len() == r.len();
        for (c, col) in d.columns.iter_mut().enumerate() {
            let (ve, va) = (
                r.get(c).map(String::as_str).unwrap_or(""),
                a.get(c).map(String::as_str).unwrap_or(""),
            );
            let rel = rel_diff(ve, va);
            if let Some(x) = rel {
                col.worst_rel = col.worst_rel.max(x);
            }
            let ok = if col.name == "p_HEIDI" {
                ve == va || rel.is_some_and(|x| x <= P_HEIDI_REL_TOL)
            } else {
                ve == va
            };
            if !ok {
                row_ok = false;
                col.mismatches += 1;
                if col.example.is_none() {
                    col.example = Some(format!("{}: expected {ve}, got {va}", r[0]));
                }
            }
        }
        if row_ok {
            d.rows_matching += 1;
        }
    }
    d.same_order = order_a.windows(2).all(|w| w[0] < w[1]);
    d.extra = ra
        .iter()
        .filter(|r| !idx_e.contains_key(r[0].as_str()))
        .map(|r| r[0].clone())
        .collect();
    d
}

/// Turn a reference command line (`cmd.txt`) into fastsmr arguments with `--out` replaced.
pub fn command_args(cmd: &str, out: &str) -> Vec<String> {
    let toks: Vec<&str> = cmd.split_whitespace().collect();
    let mut args = Vec::new();
    let mut i = 1; // skip the program name
    while i < toks.len() {
        if toks[i] == "--out" {
            args.push("--out".to_string());
            args.push(out.to_string());
            i += 2;
            continue;
        }
        args.push(toks[i].to_string());
        i += 1;
    }
    args
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_applies_to_p_heidi_only() {
        let h = "probeID\tp_SMR\tp_HEIDI\n";
        let e = format!("{h}P1\t1.000000e-02\t4.118040e-01\n");
        let a = format!("{h}P1\t1.000000e-02\t4.118041e-01\n");
        assert!(compare_tables(&e, &a).ok());
        let a = format!("{h}P1\t1.000001e-02\t4.118040e-01\n");
        assert!(!compare_tables(&e, &a).ok());
        let a = format!("{h}P1\t1.000000e-02\t4.118140e-01\n");
        assert!(!compare_tables(&e, &a).ok());
    }
}
