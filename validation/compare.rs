//! Comparison of fastsmr's output with the reference's, as `shared/reference/oracle-notes.md`
//! §5 prescribes: rows keyed by probeID in the same order; every column text-identical except
//! p_HEIDI, which may differ by 2e-6 relative (same NA pattern, identical nsnp_HEIDI).
//!
//! Shared by the golden tests (`tests/integration/golden.rs`) and the validation tool (`validate.rs`).
//!
//! [`compare_file`] is the battery's rule for any file a case wrote (`shared/tools/casecmp.py`,
//! `tests/integration/battery.rs`): `.besd` and other binary files byte for byte; text line by
//! line, each whitespace-separated field equal as text or both numbers within 2e-6 relative;
//! with rows compared, rows matching and the worst difference per column.

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

/// Relative tolerance of the battery for any number in a text output.
pub const FIELD_REL_TOL: f64 = 2e-6;

/// One column of a text file compared with [`compare_file`].
#[derive(Debug, Clone, Default)]
pub struct FieldStats {
    /// Header name (when the file has a header line) or `col<N>` (1-based).
    pub name: String,
    /// Fields outside the tolerance (or different text).
    pub mismatches: usize,
    /// Largest relative difference among numeric fields (0 when identical).
    pub worst_rel: f64,
    /// First mismatch, for the report.
    pub example: Option<String>,
}

/// How one output file compared.
#[derive(Debug, Clone, Default)]
pub struct FileDiff {
    /// File name.
    pub name: String,
    /// Compared byte for byte (`.besd`, or not text).
    pub binary: bool,
    /// Ours is missing.
    pub missing: bool,
    /// Lines (rows, header included) in the reference's file / ours; bytes when binary.
    pub len_expected: usize,
    /// See `len_expected`.
    pub len_actual: usize,
    /// Rows compared (lines present in both, header excluded when the file has one).
    pub rows_compared: usize,
    /// Rows whose every field is within tolerance.
    pub rows_matching: usize,
    /// Per column.
    pub columns: Vec<FieldStats>,
}

impl FileDiff {
    /// Matches by the battery's rule.
    pub fn ok(&self) -> bool {
        !self.missing
            && self.len_expected == self.len_actual
            && self.rows_matching == self.rows_compared
    }

    /// The column with the largest relative difference, if any differs.
    pub fn worst(&self) -> Option<&FieldStats> {
        self.columns
            .iter()
            .filter(|c| c.worst_rel > 0.0 || c.mismatches > 0)
            .max_by(|a, b| a.worst_rel.total_cmp(&b.worst_rel))
    }
}

/// A first line that names columns: several fields, none a number.
fn is_header(line: &str) -> bool {
    line.split_whitespace().all(|f| f.parse::<f64>().is_err())
        && line.split_whitespace().count() > 1
}

/// Compare one output file, the reference's `expected` bytes with ours (`None`: missing).
pub fn compare_file(name: &str, expected: &[u8], actual: Option<&[u8]>) -> FileDiff {
    let binary = name.ends_with(".besd") || expected.contains(&0);
    let mut d = FileDiff {
        name: name.to_string(),
        binary,
        ..Default::default()
    };
    let Some(actual) = actual else {
        d.missing = true;
        return d;
    };
    if binary {
        d.len_expected = expected.len();
        d.len_actual = actual.len();
        d.rows_compared = 1;
        d.rows_matching = usize::from(expected == actual);
        return d;
    }
    let latin1 = |b: &[u8]| b.iter().map(|&c| c as char).collect::<String>();
    let (te, ta) = (latin1(expected), latin1(actual));
    let (le, la): (Vec<&str>, Vec<&str>) = (te.lines().collect(), ta.lines().collect());
    d.len_expected = le.len();
    d.len_actual = la.len();
    let header = le.first().filter(|h| is_header(h)).copied();
    let start = usize::from(header.is_some());
    let mut names: Vec<String> = header
        .map(|h| h.split_whitespace().map(str::to_string).collect())
        .unwrap_or_default();
    for (i, (x, y)) in le.iter().zip(&la).enumerate() {
        let (fx, fy): (Vec<&str>, Vec<&str>) = (
            x.split_whitespace().collect(),
            y.split_whitespace().collect(),
        );
        while names.len() < fx.len().max(fy.len()) {
            names.push(format!("col{}", names.len() + 1));
        }
        while d.columns.len() < names.len() {
            let n = d.columns.len();
            d.columns.push(FieldStats {
                name: names[n].clone(),
                ..Default::default()
            });
        }
        if i < start {
            // The header: text-identical or every column mismatches.
            if x != y {
                for c in &mut d.columns {
                    c.mismatches += 1;
                    c.example.get_or_insert_with(|| format!("header: {y}"));
                }
            }
            continue;
        }
        d.rows_compared += 1;
        let mut row_ok = fx.len() == fy.len();
        for (c, col) in d.columns.iter_mut().enumerate() {
            let (u, v) = (
                fx.get(c).copied().unwrap_or(""),
                fy.get(c).copied().unwrap_or(""),
            );
            if u == v {
                continue;
            }
            let ok = match (u.parse::<f64>(), v.parse::<f64>()) {
                (Ok(p), Ok(q)) => {
                    let rel = (p - q).abs() / p.abs().max(q.abs()).max(1e-300);
                    col.worst_rel = col.worst_rel.max(rel);
                    (p - q).abs() <= FIELD_REL_TOL * p.abs().max(1e-300)
                }
                _ => false,
            };
            if !ok {
                row_ok = false;
                col.mismatches += 1;
                col.example
                    .get_or_insert_with(|| format!("line {}: {u} vs {v}", i + 1));
            }
        }
        if row_ok {
            d.rows_matching += 1;
        }
    }
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
    fn a_file_compares_per_column_within_the_battery_tolerance() {
        let e = b"probeID\tb\tp\nP1\t0.5\t1.000000e-02\nP2\tNA\t2.0e-3\n";
        let same = compare_file("x.smr", e, Some(e));
        assert!(same.ok() && same.rows_compared == 2 && same.worst().is_none());
        // 1e-6 relative in p: within; the b of P2 as text: a mismatch in column b only.
        let a = b"probeID\tb\tp\nP1\t0.5\t1.000001e-02\nP2\t0.1\t2.0e-3\n";
        let d = compare_file("x.smr", e, Some(a));
        assert!(!d.ok());
        assert_eq!((d.rows_compared, d.rows_matching), (2, 1));
        assert_eq!(d.columns[1].name, "b");
        assert_eq!(d.columns[1].mismatches, 1);
        assert_eq!(d.columns[2].mismatches, 0);
        assert!((d.columns[2].worst_rel - 1e-6 / 1.000001).abs() < 1e-12);
        // No header: columns by position; a missing line is a length difference.
        let d = compare_file("x.list", b"1 2\n3 4\n", Some(b"1 2\n"));
        assert!(!d.ok() && d.columns[0].name == "col1");
        // Binary: bytes.
        assert!(!compare_file("x.besd", b"ab", Some(b"ac")).ok());
        assert!(compare_file("x.smr", e, None).missing);
    }

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
