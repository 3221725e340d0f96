//! The run log: every message goes to stderr as it happens and into `<out>.log` at the end
//! (data-spec/log.md), plus progress over long loops ([`Progress`]).

use crate::error::Result;
use crate::output::atomic::write_atomic_kept;
use crate::types::SkippedRow;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// How many example rows [`RunLog::flagged`] lists per reason.
pub const FLAGGED_EXAMPLES: usize = 5;

/// Collects the run's messages.
pub struct RunLog {
    lines: Mutex<Vec<String>>,
    started: Instant,
    echo: bool,
    /// Path prefixes shown as others in every message (units' staging directories shown as
    /// their outputs' prefixes, see [`RunLog::show_paths_as`]).
    rewrite: Mutex<Vec<(String, String)>>,
}

impl RunLog {
    /// Start a log; `echo` prints each message to stderr as well.
    pub fn new(echo: bool) -> Self {
        RunLog {
            lines: Mutex::new(Vec::new()),
            started: Instant::now(),
            echo,
            rewrite: Mutex::new(Vec::new()),
        }
    }

    /// A log on the same clock whose lines are held, not echoed, until [`RunLog::append`]: for
    /// work done beside the caller's whose lines must still come in a fixed order.
    pub fn deferred(&self) -> RunLog {
        RunLog {
            lines: Mutex::new(Vec::new()),
            started: self.started,
            echo: false,
            rewrite: Mutex::new(
                self.rewrite
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .clone(),
            ),
        }
    }

    /// Append the lines of a [`RunLog::deferred`] log (echoed now when this log echoes).
    pub fn append(&mut self, other: RunLog) {
        let lines = other.lines.into_inner().unwrap_or_else(|e| e.into_inner());
        let mut mine = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        for l in lines {
            if self.echo {
                eprintln!("{l}");
            }
            mine.push(l);
        }
    }

    /// Record one message.
    pub fn info(&mut self, msg: impl Into<String>) {
        self.note(msg);
    }

    /// Record one message through a shared reference (for progress lines from worker threads).
    /// Each line starts with the seconds since the run started, so the log shows where the
    /// time goes stage by stage.
    pub fn note(&self, msg: impl Into<String>) {
        let msg = self.rewritten(msg.into());
        let msg = format!("[{:8.2}s] {}", self.elapsed_s(), msg);
        let msg = match memory_stamp() {
            Some(m) => format!("{msg}   [{m}]"),
            None => msg,
        };
        if self.echo {
            eprintln!("{msg}");
        }
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg);
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

    /// From now on, show every occurrence of each `from` in a message as its `to` (empty: stop).
    /// Work units write under staging directories; their messages name the final paths.
    pub fn show_paths_as(&self, rewrite: Vec<(String, String)>) {
        *self.rewrite.lock().unwrap_or_else(|e| e.into_inner()) = rewrite;
    }

    fn rewritten(&self, msg: String) -> String {
        let rewrite = self.rewrite.lock().unwrap_or_else(|e| e.into_inner());
        let mut msg = msg;
        for (from, to) in rewrite.iter() {
            if msg.contains(from.as_str()) {
                msg = msg.replace(from.as_str(), to);
            }
        }
        msg
    }

    /// Seconds since the log started.
    pub fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    /// Everything recorded so far.
    pub fn lines(&self) -> Vec<String> {
        self.lines.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Whether messages are echoed to stderr.
    pub fn echoes(&self) -> bool {
        self.echo
    }

    /// Record one message in the log only (not echoed: the caller printed it already).
    pub fn record(&mut self, msg: impl Into<String>) {
        let msg = self.rewritten(msg.into());
        let msg = format!("[{:8.2}s] {}", self.elapsed_s(), msg);
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg);
    }

    /// Write the log to `path` atomically; it is published even when the run fails (it says
    /// why), see [`crate::output::atomic::AtomicFile::create_kept`].
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = self.lines().join("\n");
        text.push('\n');
        write_atomic_kept(path, text.as_bytes())
    }
}

/// "started <date> <time> UTC on host <name>": when and where the run happened, for the log.
pub fn started_line() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    format!("started {} UTC on host {}", utc_datetime(secs), hostname())
}

/// `YYYY-MM-DD hh:mm:ss` of a Unix time (proleptic Gregorian calendar, UTC).
pub fn utc_datetime(secs: u64) -> String {
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Days since 1970-01-01 to a civil date (H. Hinnant's algorithm, shifted to 0000-03-01).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem / 60 % 60,
        rem % 60
    )
}

/// The machine's host name ("unknown" if the OS does not say).
fn hostname() -> String {
    let mut buf = [0u8; 256];
    // SAFETY: the buffer is valid for `buf.len()` bytes; gethostname writes at most that many
    // and we read only up to the first NUL (or the whole buffer).
    let rc = unsafe { libc::gethostname(buf.as_mut_ptr().cast(), buf.len()) };
    if rc != 0 {
        return "unknown".into();
    }
    let end = buf.iter().position(|&b| b == 0).unwrap_or(buf.len());
    String::from_utf8_lossy(&buf[..end]).into_owned()
}

/// Progress over `total` items processed from several threads: a progress bar when stderr is
/// a terminal, otherwise a plain log line at every 10% (so batch logs show where a run is).
pub struct Progress<'a> {
    log: &'a RunLog,
    label: String,
    total: usize,
    step: usize,
    done: AtomicUsize,
    started: Instant,
    bar: Option<indicatif::ProgressBar>,
}

impl<'a> Progress<'a> {
    /// Start reporting progress over `total` items named by `label` (e.g. "probes").
    pub fn new(log: &'a RunLog, label: impl Into<String>, total: usize) -> Self {
        let label = label.into();
        let bar = (log.echoes() && std::io::stderr().is_terminal()).then(|| {
            let b = indicatif::ProgressBar::new(total as u64);
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} ({eta})",
            ) {
                b.set_style(style);
            }
            b.set_prefix(label.clone());
            b
        });
        Progress {
            log,
            label,
            total,
            step: total.div_ceil(10).max(1),
            done: AtomicUsize::new(0),
            started: Instant::now(),
            bar,
        }
    }

    /// One more item done.
    pub fn inc(&self) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        match &self.bar {
            Some(b) => b.inc(1),
            None => {
                if done.is_multiple_of(self.step) && done < self.total {
                    self.log.note(format!(
                        "  {}: {done}/{} ({:.0}%) after {:.1} s",
                        self.label,
                        self.total,
                        100.0 * done as f64 / self.total as f64,
                        self.started.elapsed().as_secs_f64()
                    ));
                }
            }
        }
    }

    /// Remove the bar (if any); the caller logs the outcome.
    pub fn finish(self) {
        if let Some(b) = self.bar {
            b.finish_and_clear();
        }
    }
}

/// With `FASTSMR_LOG_MEMORY` set, the process's peak and current resident set (`VmHWM`,
/// `VmRSS` of `/proc/self/status`) to append to each log line (data-spec/log.md "Memory
/// stamps"): where a run reaches its peak, for memory work. `None` otherwise, or where the
/// file is not readable.
fn memory_stamp() -> Option<String> {
    static ON: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    if !*ON.get_or_init(|| std::env::var_os("FASTSMR_LOG_MEMORY").is_some()) {
        return None;
    }
    let st = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |k: &str| {
        st.lines()
            .find_map(|l| l.strip_prefix(k))
            .map_or("?", str::trim)
            .to_string()
    };
    Some(format!("peak {} now {}", field("VmHWM:"), field("VmRSS:")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_match_known_instants() {
        // Known instants (independent: `date -u -d @N`).
        assert_eq!(utc_datetime(0), "1970-01-01 00:00:00");
        assert_eq!(utc_datetime(951_782_400), "2000-02-29 00:00:00");
        assert_eq!(utc_datetime(1_700_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc_datetime(4_102_444_799), "2099-12-31 23:59:59");
    }

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
        // Each line starts with "[   x.xxs] " (elapsed time); compare what follows it.
        let lines: Vec<String> = log
            .lines()
            .iter()
            .map(|l| {
                l.split_once("s] ")
                    .map_or(l.as_str(), |(_, m)| m)
                    .to_string()
            })
            .collect();
        assert_eq!(
            lines,
            [
                "  warning: g.ma: se is NA in 7 rows: rs0 (line 2), rs1 (line 3), rs2 (line 4), \
                 rs3 (line 5), rs4 (line 6) and 2 more",
                "  warning: g.ma: duplicate ID in 1 row: rs1 (line 9) -> rs1_9",
            ]
        );
    }
}
