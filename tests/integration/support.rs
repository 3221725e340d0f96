//! Helpers shared by the suites: where the fixtures are, the binary, and what a run printed.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// `tests/data` of the repository.
pub fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// `tests/data/<rel>` (a fixture directory or a file in one).
pub fn data(rel: &str) -> PathBuf {
    data_dir().join(rel)
}

/// The tiny fixture, `tests/data/tiny-seed1`.
pub fn tiny() -> PathBuf {
    data("tiny-seed1")
}

/// The built `fastsmr` binary, as a command to add arguments to.
pub fn fastsmr() -> Command {
    Command::new(env!("CARGO_BIN_EXE_fastsmr"))
}

/// A run's standard error, as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Assert that a run succeeded, showing its standard error if not.
pub fn ok(o: &Output) {
    assert!(o.status.success(), "{}", stderr(o));
}

/// The names in `dir`, sorted.
pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// A tab-separated table: its header and its rows, each split at tabs.
pub fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header = lines
        .next()
        .unwrap_or_else(|| panic!("{}: no header", path.display()))
        .split('\t')
        .map(String::from)
        .collect();
    let rows = lines
        .map(|l| l.split('\t').map(String::from).collect())
        .collect();
    (header, rows)
}

/// Index of column `name` in `header`.
pub fn col(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}
