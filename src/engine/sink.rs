//! Where rows go: a [`Sink`] receives every row in probe order. [`TableSink`] formats them
//! with a [`TableWriter`] (one per output table) and writes the file atomically; a tuple of
//! sinks feeds several tables from the same rows; a `Vec` captures the rows for later use
//! (plots, gene reports).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Counts of a run, for the log and callers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    /// Rows written.
    pub rows: usize,
    /// Probes without a row, by reason label.
    pub skipped: BTreeMap<&'static str, usize>,
    /// Rows with a note (e.g. why p_HEIDI is NA), by note.
    pub notes: BTreeMap<&'static str, usize>,
    /// Probes considered (kept by the probe filters), for the run manifest.
    pub probes: usize,
    /// SNPs common to the inputs that entered the tests, for the run manifest.
    pub snps_matched: usize,
}

impl Tally {
    /// Add `other`'s counts to these.
    pub fn add(&mut self, other: &Tally) {
        self.rows += other.rows;
        self.probes += other.probes;
        self.snps_matched += other.snps_matched;
        for (k, v) in &other.skipped {
            *self.skipped.entry(k).or_default() += v;
        }
        for (k, v) in &other.notes {
            *self.notes.entry(k).or_default() += v;
        }
    }
}

/// A consumer of rows, called in probe order.
pub trait Sink<R> {
    /// One row of probe `probe` (`.epi` row).
    fn row(&mut self, probe: usize, row: &R);
    /// A note to count for this row (the first sink's note counts for a tuple).
    fn note(&self, _row: &R) -> Option<&'static str> {
        None
    }
}

/// Formats the rows of one output table.
pub trait TableWriter<R> {
    /// The header line (without the newline); `None` for a headerless table.
    fn header(&self) -> Option<&str>;
    /// Append one row, newline included (a row may write several lines, or none).
    fn write_row(&self, probe: usize, row: &R, out: &mut String);
    /// A note to count for this row in the log.
    fn note(&self, _row: &R) -> Option<&'static str> {
        None
    }
}

/// A table written to `path` once every row is in ([`TableSink::finish`]).
pub struct TableSink<W> {
    writer: W,
    path: PathBuf,
    text: String,
}

impl<W> TableSink<W> {
    /// A table at `path`, formatted by `writer`; `rows` sizes the buffer.
    pub fn new<R>(writer: W, path: PathBuf, rows: usize) -> Self
    where
        W: TableWriter<R>,
    {
        let mut text = String::with_capacity(256 * (rows + 1));
        if let Some(h) = writer.header() {
            text.push_str(h);
            text.push('\n');
        }
        TableSink { writer, path, text }
    }

    /// Write the table (atomically); returns its path.
    pub fn finish(self) -> Result<PathBuf> {
        write_atomic(&self.path, self.text.as_bytes())?;
        Ok(self.path)
    }

    /// Where the table goes.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl<R, W: TableWriter<R>> Sink<R> for TableSink<W> {
    fn row(&mut self, probe: usize, row: &R) {
        self.writer.write_row(probe, row, &mut self.text);
    }

    fn note(&self, row: &R) -> Option<&'static str> {
        self.writer.note(row)
    }
}

impl<R, A: Sink<R>, B: Sink<R>> Sink<R> for (A, B) {
    fn row(&mut self, probe: usize, row: &R) {
        self.0.row(probe, row);
        self.1.row(probe, row);
    }

    fn note(&self, row: &R) -> Option<&'static str> {
        self.0.note(row)
    }
}

impl<R, A: Sink<R>, B: Sink<R>, C: Sink<R>> Sink<R> for (A, B, C) {
    fn row(&mut self, probe: usize, row: &R) {
        self.0.row(probe, row);
        self.1.row(probe, row);
        self.2.row(probe, row);
    }

    fn note(&self, row: &R) -> Option<&'static str> {
        self.0.note(row)
    }
}

/// Capture: keeps `(probe, row)` pairs.
impl<R: Clone> Sink<R> for Vec<(usize, R)> {
    fn row(&mut self, probe: usize, row: &R) {
        self.push((probe, row.clone()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::{drain, Outcome, Outcomes, SkipReason};

    struct Lines;

    impl TableWriter<u32> for Lines {
        fn header(&self) -> Option<&str> {
            Some("h")
        }
        fn write_row(&self, probe: usize, row: &u32, out: &mut String) {
            out.push_str(&format!("{probe}:{row}\n"));
        }
        fn note(&self, row: &u32) -> Option<&'static str> {
            (row % 2 == 1).then_some("odd")
        }
    }

    #[test]
    fn rows_reach_every_sink_in_probe_order_and_skips_are_counted() {
        let outcomes = Outcomes {
            probes: vec![
                (4, Outcome::Many(vec![1, 2])),
                (7, Outcome::Skipped(SkipReason::NotSignificant)),
                (9, Outcome::One(3)),
                (11, Outcome::Many(vec![])),
                (12, Outcome::Skipped(SkipReason::NotSignificant)),
            ],
            unusable_entries: 0,
        };
        let dir = tempfile::tempdir().unwrap();
        let mut sinks = (
            TableSink::new(Lines, dir.path().join("t.txt"), 4),
            Vec::<(usize, u32)>::new(),
        );
        let tally = drain(&outcomes, &mut sinks);
        assert_eq!(tally.rows, 3);
        assert_eq!(
            tally.skipped.get(SkipReason::NotSignificant.label()),
            Some(&2)
        );
        assert_eq!(tally.notes.get("odd"), Some(&2));
        assert_eq!(sinks.1, [(4, 1), (4, 2), (9, 3)]);
        let path = sinks.0.finish().unwrap();
        assert_eq!(std::fs::read_to_string(path).unwrap(), "h\n4:1\n4:2\n9:3\n");
    }
}
