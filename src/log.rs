//! The run log: every message goes to stderr as it happens and into `<out>.log` at the end
//! (data-spec/log.md), plus progress over long loops ([`Progress`]).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use std::io::IsTerminal;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// Collects the run's messages.
pub struct RunLog {
    lines: Mutex<Vec<String>>,
    started: Instant,
    echo: bool,
}

impl RunLog {
    /// Start a log; `echo` prints each message to stderr as well.
    pub fn new(echo: bool) -> Self {
        RunLog {
            lines: Mutex::new(Vec::new()),
            started: Instant::now(),
            echo,
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
        let msg = format!("[{:8.2}s] {}", self.elapsed_s(), msg.into());
        if self.echo {
            eprintln!("{msg}");
        }
        self.lines
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(msg);
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

    /// Write the log to `path` atomically.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut text = self.lines().join("\n");
        text.push('\n');
        write_atomic(path, text.as_bytes())
    }
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
                if done % self.step == 0 && done < self.total {
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
