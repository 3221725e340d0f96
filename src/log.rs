//! The run log: every message goes to stderr as it happens and into `<out>.log` at the end
//! (data-spec/log.md).

use crate::error::Result;
use crate::output::atomic::write_atomic;
use std::path::Path;
use std::time::Instant;

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
