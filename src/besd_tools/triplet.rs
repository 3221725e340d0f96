//! Writing a BESD triplet (`.esi`, `.epi`, `.besd`, optionally `.summary`) all together or not
//! at all: every file is written under a temporary name first, then they are renamed one after
//! the other; if a rename fails the ones already renamed are removed
//! (data-spec/besd-tools.md §writing).

use crate::besd_tools::{Dataset, Probe, Snp, UNKNOWN};
use crate::config::out_path;
use crate::error::{Error, Result};
use crate::io::besd::writer::{check_entries, dense_to, sparse_to};
use crate::output::atomic::AtomicFile;
use crate::output::format::push_g6;
use crate::types::{CHROM_X, CHROM_Y};
use std::path::{Path, PathBuf};

/// How `.esi` / `.epi` fields are printed; the reference's writers differ
/// (data-spec/besd-tools.md §text-styles).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextStyle {
    /// A missing frequency prints `NA` (true) or `-9` (false).
    pub freq_na: bool,
    /// Chromosome or position equal to 0 prints `NA` (the `--qfile` writer).
    pub zero_pos_na: bool,
    /// Chromosomes 23 and 24 print `X` and `Y` (the `--meta` writer).
    pub xy_letters: bool,
    /// Orientation `N` prints `NA` (`--update-esi/epi` rewrites).
    pub orient_n_na: bool,
    /// Orientation `*` prints `NA` (the `--meta` writer).
    pub orient_star_na: bool,
}

impl TextStyle {
    /// BESD → BESD (`--beqtl-summary P --make-besd`): missing frequency `-9`.
    pub const REMAKE: TextStyle = TextStyle {
        freq_na: false,
        zero_pos_na: false,
        xy_letters: false,
        orient_n_na: false,
        orient_star_na: false,
    };
    /// Text → BESD (`--eqtl-flist`) and `--besd-flist`: missing frequency `NA`.
    pub const TEXT: TextStyle = TextStyle {
        freq_na: true,
        ..TextStyle::REMAKE
    };
    /// `--qfile`: missing frequency `NA`, chromosome/position 0 as `NA`.
    pub const QFILE: TextStyle = TextStyle {
        zero_pos_na: true,
        ..TextStyle::TEXT
    };
    /// `--update-esi` / `--update-epi` rewrites and their backups.
    pub const UPDATE: TextStyle = TextStyle {
        orient_n_na: true,
        ..TextStyle::TEXT
    };
    /// `--meta` / `--mecs`.
    pub const META: TextStyle = TextStyle {
        xy_letters: true,
        orient_star_na: true,
        ..TextStyle::TEXT
    };

    fn push_chr(&self, out: &mut String, chr: i32) {
        use std::fmt::Write;
        if i64::from(chr) == UNKNOWN || (self.zero_pos_na && chr == 0) {
            out.push_str("NA");
        } else if self.xy_letters && chr == CHROM_X {
            out.push('X');
        } else if self.xy_letters && chr == CHROM_Y {
            out.push('Y');
        } else {
            let _ = write!(out, "{chr}");
        }
    }

    fn push_bp(&self, out: &mut String, bp: i64) {
        use std::fmt::Write;
        if bp == UNKNOWN || (self.zero_pos_na && bp == 0) {
            out.push_str("NA");
        } else {
            let _ = write!(out, "{bp}");
        }
    }

    /// One `.esi` line: `chr SNP gd bp A1 A2 freq`, TAB-separated.
    pub fn esi_line(&self, out: &mut String, s: &Snp) {
        self.push_chr(out, s.chr);
        out.push('\t');
        out.push_str(&s.id);
        out.push('\t');
        out.push_str(&s.gd);
        out.push('\t');
        self.push_bp(out, s.bp);
        out.push('\t');
        out.push_str(&s.a1);
        out.push('\t');
        out.push_str(&s.a2);
        out.push('\t');
        match s.freq {
            Some(f) if f != -9.0 => push_g6(out, f64::from(f)),
            _ if self.freq_na => out.push_str("NA"),
            _ => out.push_str("-9"),
        }
        out.push('\n');
    }

    /// One `.epi` line: `chr probe gd bp gene orientation`, TAB-separated.
    pub fn epi_line(&self, out: &mut String, p: &Probe) {
        self.push_chr(out, p.chr);
        out.push('\t');
        out.push_str(&p.id);
        out.push('\t');
        out.push_str(&p.gd);
        out.push('\t');
        self.push_bp(out, p.bp);
        out.push('\t');
        out.push_str(&p.gene);
        out.push('\t');
        if (self.orient_n_na && p.orient == "N") || (self.orient_star_na && p.orient == "*") {
            out.push_str("NA");
        } else {
            out.push_str(&p.orient);
        }
        out.push('\n');
    }

    /// The whole `.esi` text.
    pub fn esi_text(&self, snps: &[Snp]) -> String {
        let mut s = String::with_capacity(snps.len() * 40);
        for x in snps {
            self.esi_line(&mut s, x);
        }
        s
    }

    /// The whole `.epi` text.
    pub fn epi_text(&self, probes: &[Probe]) -> String {
        let mut s = String::with_capacity(probes.len() * 40);
        for x in probes {
            self.epi_line(&mut s, x);
        }
        s
    }
}

/// Which `.besd` layout to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Sparse, format code 3.
    Sparse,
    /// Dense, format code 5.
    Dense,
}

/// `io::Write` over an [`AtomicFile`].
struct AtomicWrite<'a>(&'a mut AtomicFile);

impl std::io::Write for AtomicWrite<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .write_all(buf)
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Files written so far, renamed together by [`Staged::commit`].
#[derive(Default)]
pub struct Staged {
    files: Vec<(PathBuf, AtomicFile)>,
}

impl Staged {
    /// Stage a text file.
    pub fn text(&mut self, path: PathBuf, text: &str) -> Result<()> {
        let mut f = AtomicFile::create(&path)?;
        f.write_all(text.as_bytes())?;
        self.files.push((path, f));
        Ok(())
    }

    /// Stage a `.besd` of `data` in `layout`.
    pub fn besd(&mut self, path: PathBuf, data: &Dataset, layout: Layout) -> Result<()> {
        check_entries(&path, data.snps.len(), &data.values)?;
        let mut f = AtomicFile::create(&path)?;
        let mut w = AtomicWrite(&mut f);
        let r = match layout {
            Layout::Sparse => sparse_to(&mut w, data.snps.len(), &data.values, data.sample_size),
            Layout::Dense => dense_to(&mut w, data.snps.len(), &data.values, data.sample_size),
        };
        r.map_err(|source| Error::Write {
            path: path.clone(),
            source,
        })?;
        self.files.push((path, f));
        Ok(())
    }

    /// Rename every staged file into place; on a failure remove those already renamed.
    pub fn commit(self) -> Result<()> {
        let mut done: Vec<PathBuf> = Vec::new();
        for (path, f) in self.files {
            if let Err(e) = f.commit() {
                for p in &done {
                    let _ = std::fs::remove_file(p);
                }
                return Err(e);
            }
            done.push(path);
        }
        Ok(())
    }
}

/// Write `<out>.esi`, `<out>.epi`, `<out>.besd` and, when given, `<out>.summary`, together.
pub fn write(
    out: &Path,
    data: &Dataset,
    layout: Layout,
    style: TextStyle,
    summary: Option<&str>,
) -> Result<()> {
    let mut st = Staged::default();
    st.text(out_path(out, "esi"), &style.esi_text(&data.snps))?;
    st.text(out_path(out, "epi"), &style.epi_text(&data.probes))?;
    st.besd(out_path(out, "besd"), data, layout)?;
    if let Some(s) = summary {
        st.text(out_path(out, "summary"), s)?;
    }
    st.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snp(freq: Option<f32>) -> Snp {
        Snp {
            chr: 23,
            id: "rs1".into(),
            gd: "0".into(),
            bp: 0,
            a1: "A".into(),
            a2: "G".into(),
            freq,
        }
    }

    #[test]
    fn esi_styles() {
        let mut s = String::new();
        TextStyle::REMAKE.esi_line(&mut s, &snp(None));
        TextStyle::TEXT.esi_line(&mut s, &snp(Some(0.2762)));
        TextStyle::QFILE.esi_line(&mut s, &snp(None));
        TextStyle::META.esi_line(&mut s, &snp(Some(0.5)));
        assert_eq!(
            s,
            "23\trs1\t0\t0\tA\tG\t-9\n23\trs1\t0\t0\tA\tG\t0.2762\n\
             23\trs1\t0\tNA\tA\tG\tNA\nX\trs1\t0\t0\tA\tG\t0.5\n"
        );
    }

    #[test]
    fn all_or_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("o");
        let mut data = Dataset {
            snps: vec![snp(None)],
            probes: vec![Probe {
                chr: 1,
                id: "p".into(),
                gd: "0".into(),
                bp: 5,
                gene: "g".into(),
                orient: "+".into(),
            }],
            values: vec![vec![entry(3)]],
            sample_size: None,
        };
        // Row id 3 is beyond the single SNP: nothing may appear.
        assert!(write(&out, &data, Layout::Sparse, TextStyle::TEXT, Some("s")).is_err());
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
        data.values = vec![vec![entry(0)]];
        write(&out, &data, Layout::Dense, TextStyle::TEXT, None).unwrap();
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, ["o.besd", "o.epi", "o.esi"]);
        assert_eq!(std::fs::read(out_path(&out, "besd")).unwrap().len(), 64 + 8);
    }

    fn entry(snp: u32) -> crate::io::besd::BesdEntry {
        crate::io::besd::BesdEntry {
            snp,
            beta: 0.5,
            se: 0.1,
        }
    }
}
