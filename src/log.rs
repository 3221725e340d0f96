//! The run log: every message goes to stderr as it happens and into `<out>.log` at the end
//! (data-spec/log.md).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use crate::types::SkippedRow;
use std::path::Path;
use std::time::Instant;

/// How many example rows [`RunLog::flagged`] lists per reason.
pub const FLAGGED_EXAMPLES: usize = 5;

/// Collects the run's messages.
pub struct RunLog {
    lines: Vec<String>,
    started: Instant,
    echo: bool,
}

impl RunLog {
    /// Start a log; `echo` prints each message to stderr as well.
    pub fn new(echo: bool) -> Self {
        RunLog {
            lines: Vec::new(),
            started: Instant::now(),
            echo,
        }
    }

    /// Record one message.
    pub fn info(&mut self, msg: impl Into<String>) {
        let msg = msg.into();
        if self.echo {
            eprintln!("{msg}");
        }
        self.lines.push(msg);
    }

    /// Warn about rows of `path` that were read but flagged (unusable values, renamed
    /// duplicate IDs): one line per reason with the count and up to
    /// [`FLAGGED_EXAMPLES`] examples `ID (line N)` (`-> NEW` for a renamed duplicate).
    pub fn flagged(&mut self, path: &Path, rows: &[SkippedRow]) {
        // Group by reason, in order of first appearance; a rename's reason names the new ID
        // (`<reason>, renamed <new>`, see `SkippedRow::renamed`), so it is grouped by its prefix.
        let mut groups: Vec<(&str, Vec<String>)> = Vec::new();
        for r in rows {
            let (key, example) = match r.reason.split_once(", renamed ") {
                Some((key, new)) => (key, format!("{} (line {}) -> {new}", r.id, r.line)),
                None => (r.reason.as_str(), format!("{} (line {})", r.id, r.line)),
            };
            match groups.iter_mut().find(|(k, _)| *k == key) {
                Some((_, v)) => v.push(example),
                None => groups.push((key, vec![example])),
            }
        }
        for (key, examples) in groups {
            let n = examples.len();
            let mut shown = examples
                .into_iter()
                .take(FLAGGED_EXAMPLES)
                .collect::<Vec<_>>()
                .join(", ");
            if n > FLAGGED_EXAMPLES {
                shown.push_str(&format!(" and {} more", n - FLAGGED_EXAMPLES));
            }
            self.info(format!(
                "  warning: {}: {key} in {n} row{}: {shown}",
                path.display(),
                if n == 1 { "" } else { "s" }
            ));
        }
    }

    /// Seconds since the log started.
    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Everything recorded so far.
    pub fn lines(&self) -> &[String] {
        &self.lines
    }

    /// Write the log to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = self.lines.join("\n");
        text.push('\n');
        write_atomic(path, text.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flagged_rows_are_grouped_by_reason_with_examples() {
        let mut log = RunLog::new(false);
        let mut rows: Vec<SkippedRow> = (0..7)
            .map(|i| SkippedRow {
                line: i + 2,
                id: format!("rs{i}"),
                reason: "se is NA".into(),
            })
            .collect();
        rows.insert(1, SkippedRow::renamed(9, "rs1", "rs1_9"));
        log.flagged(Path::new("g.ma"), &rows);
        assert_eq!(
            log.lines(),
            [
                "  warning: g.ma: se is NA in 7 rows: rs0 (line 2), rs1 (line 3), rs2 (line 4), \
                 rs3 (line 5), rs4 (line 6) and 2 more",
                "  warning: g.ma: duplicate ID in 1 row: rs1 (line 9) -> rs1_9",
            ]
        );
    }
}
