//! Several eQTL datasets in one run (data-spec/datasets.md): the datasets of `--beqtl-flist`
//! (one `name prefix` per line) or of a repeated `--beqtl-summary`, each with the name its
//! output files carry (`<out>.<dataset>.<trait>.smr`).

use crate::error::{Error, Result};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// One eQTL dataset of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dataset {
    /// The name used in output file names.
    pub name: String,
    /// What `--beqtl-summary` would be given: a BESD prefix, a directory or an archive.
    pub prefix: PathBuf,
}

/// The datasets of a run and whether its file names carry the dataset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datasets {
    /// In command-line / list order; one entry for a single-dataset run.
    pub list: Vec<Dataset>,
    /// Several datasets (or `--beqtl-flist`): outputs are `<out>.<dataset>.<trait>.*`.
    pub named: bool,
}

/// The dataset name of a `--beqtl-summary` given on the command line: the file name of the
/// prefix without an archive extension (`.tar.gz`, `.tgz`, `.tar`) or a part extension
/// (`.besd`, `.esi`, `.epi`, each optionally `.gz`).
pub fn dataset_name(prefix: &Path) -> String {
    crate::io::lists::name_without(
        prefix,
        &[".tar.gz", ".tgz", ".tar", ".gz", ".besd", ".esi", ".epi"],
    )
}

/// Parse a `--beqtl-flist` file: one `name prefix` per non-empty line (`#` starts a comment
/// line); relative prefixes are taken relative to the current directory, as on the command
/// line. A list without any dataset is an error naming the file.
pub fn parse_beqtl_flist(text: &str, list: &Path) -> Result<Vec<Dataset>> {
    let out: Vec<Dataset> = crate::io::lists::parse_name_path_list(text, list, "'name prefix'")?
        .into_iter()
        .map(|(name, prefix)| Dataset { name, prefix })
        .collect();
    if out.is_empty() {
        return Err(Error::format(
            list,
            "no dataset: expected lines 'name prefix' (a BESD prefix, directory or archive)",
        ));
    }
    Ok(out)
}

/// Check the datasets' names: non-empty, usable in a file name, unique (a usage error,
/// [`Error::Config`], otherwise).
pub fn check_names(list: &[Dataset]) -> Result<()> {
    let mut seen = HashSet::new();
    for d in list {
        if d.name.is_empty() || d.name.contains('/') || d.name == "." || d.name == ".." {
            return Err(Error::Config(format!(
                "eQTL dataset name '{}' (for {}) cannot be used in an output file name",
                d.name,
                d.prefix.display()
            )));
        }
        if !seen.insert(d.name.as_str()) {
            return Err(Error::Config(format!(
                "two eQTL datasets are named '{}' ({}); output files would collide: give them \
                 distinct names with --beqtl-flist",
                d.name,
                d.prefix.display()
            )));
        }
    }
    Ok(())
}

/// Resolve the datasets from `--beqtl-summary` (its first value, then the repeated ones split
/// off by `commands::datasets::split_args`) or `--beqtl-flist`. `None` when neither names
/// one (the caller reports `--beqtl-summary` missing).
pub fn resolve(
    first: Option<&Path>,
    more: &[PathBuf],
    flist: Option<&Path>,
) -> Result<Option<Datasets>> {
    if let Some(list) = flist {
        if first.is_some() {
            return Err(Error::Config(
                "--beqtl-flist and --beqtl-summary cannot be combined: list every dataset in \
                 the --beqtl-flist file"
                    .into(),
            ));
        }
        let text = crate::io::lists::read_text(list)?;
        let list = parse_beqtl_flist(&text, list)?;
        check_names(&list)?;
        return Ok(Some(Datasets { list, named: true }));
    }
    let Some(first) = first else {
        return Ok(None);
    };
    let list: Vec<Dataset> = std::iter::once(first)
        .chain(more.iter().map(PathBuf::as_path))
        .map(|p| Dataset {
            name: dataset_name(p),
            prefix: p.to_path_buf(),
        })
        .collect();
    let named = list.len() > 1;
    if named {
        check_names(&list)?;
    }
    Ok(Some(Datasets { list, named }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_archive_and_part_extensions() {
        assert_eq!(dataset_name(Path::new("a/blood")), "blood");
        assert_eq!(
            dataset_name(Path::new("/d/cis-eQTL-SMR_20191212.tar.gz")),
            "cis-eQTL-SMR_20191212"
        );
        assert_eq!(dataset_name(Path::new("x/brain.besd")), "brain");
        assert_eq!(dataset_name(Path::new("x/brain.esi.gz")), "brain");
        assert_eq!(dataset_name(Path::new("x/gtex.v8")), "gtex.v8");
    }

    #[test]
    fn lists_parse_with_comments_and_reject_bad_lines() {
        let l = Path::new("l.txt");
        let d = parse_beqtl_flist("# tissues\nblood a/b\n\n  brain  c/d.tar.gz\n", l).unwrap();
        assert_eq!(d.len(), 2);
        assert_eq!(d[1].name, "brain");
        assert_eq!(d[1].prefix, PathBuf::from("c/d.tar.gz"));
        let e = parse_beqtl_flist("blood\n", l).unwrap_err().to_string();
        assert!(e.contains("line 1") && e.contains("name prefix"), "{e}");
        assert!(parse_beqtl_flist("a b c\n", l).is_err());
        let e = parse_beqtl_flist("# nothing\n", l).unwrap_err().to_string();
        assert!(e.contains("no dataset"), "{e}");
    }

    #[test]
    fn duplicate_and_unusable_names_are_usage_errors() {
        let d = |n: &str, p: &str| Dataset {
            name: n.into(),
            prefix: p.into(),
        };
        let e = check_names(&[d("a", "x/a"), d("a", "y/a")]).unwrap_err();
        assert!(matches!(e, Error::Config(_)) && e.to_string().contains("'a'"));
        assert!(matches!(
            check_names(&[d("a/b", "x")]).unwrap_err(),
            Error::Config(_)
        ));
        assert!(check_names(&[d("a", "x"), d("b", "x")]).is_ok());
        // Repeated --beqtl-summary: names from the prefixes' file names.
        let r = resolve(
            Some(Path::new("p/blood")),
            &[PathBuf::from("q/blood")],
            None,
        );
        assert!(matches!(r, Err(Error::Config(_))));
        let r = resolve(Some(Path::new("p/blood")), &[], None)
            .unwrap()
            .unwrap();
        assert!(!r.named && r.list.len() == 1);
    }
}
