//! The crate's error type: every variant names the file and, where there is one, the line or
//! record, and says what was expected.

use std::path::PathBuf;

/// Result alias used throughout the crate.
pub type Result<T> = std::result::Result<T, Error>;

/// Everything that can stop a run.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A file could not be opened.
    #[error("cannot open {}: {source}", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Reading a file failed part-way (I/O error, corrupt gzip stream, ...).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The underlying reason.
        source: std::io::Error,
    },
    /// A text file has a line that does not follow its format.
    #[error("{}, line {line}: {msg}", path.display())]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number (header counted).
        line: u64,
        /// What was found and what was expected.
        msg: String,
    },
    /// A binary file (or a whole text file) does not follow its format; `msg` names the record.
    #[error("{}: {msg}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// What is wrong, naming the record (probe, SNP, byte offset) where there is one.
        msg: String,
    },
    /// Writing an output file failed.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// The directory of `--out` does not exist or cannot be written (checked before any input
    /// is read, so a run never does its work only to fail at the end).
    #[error("cannot write to the output directory {} (from --out {}): {source}", dir.display(), out.display())]
    OutputDir {
        /// The directory.
        dir: PathBuf,
        /// The `--out` prefix it comes from.
        out: PathBuf,
        /// The operating system's reason.
        source: std::io::Error,
    },
    /// Options that are invalid or contradict each other.
    #[error("invalid options: {0}")]
    Config(String),
    /// The inputs are individually valid but the analysis cannot proceed (e.g. no SNP in common).
    #[error("{0}")]
    Analysis(String),
}

impl Error {
    /// Shorthand for a [`Error::Parse`].
    pub fn parse(path: impl Into<PathBuf>, line: u64, msg: impl Into<String>) -> Self {
        Error::Parse {
            path: path.into(),
            line,
            msg: msg.into(),
        }
    }

    /// Shorthand for a [`Error::Format`].
    pub fn format(path: impl Into<PathBuf>, msg: impl Into<String>) -> Self {
        Error::Format {
            path: path.into(),
            msg: msg.into(),
        }
    }

    /// Shorthand for a [`Error::Read`].
    pub fn read(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Read {
            path: path.into(),
            source,
        }
    }
}
