//! The dry run's memory estimate (data-spec/shards.md §4): a linear model of the peak resident
//! set in the sizes of the inputs, from the table layouts of data-spec/memory.md. Only file
//! sizes are read. It is meant for `sbatch --mem`, so it rounds up and adds a margin.

use crate::config::Config;
use crate::error::{Error, Result};
use std::path::Path;

/// Fixed part: the binary, thread stacks, buffers (MB).
pub const BASE_MB: f64 = 64.0;
/// Bytes held per byte of `.esi` text (≈ 36 bytes per ~30-byte row, plus its index).
pub const ESI_FACTOR: f64 = 1.5;
/// Bytes held per byte of `.bim` text (ID and alleles only, plus the SNP-ID index).
pub const BIM_FACTOR: f64 = 1.0;
/// Bytes held per byte of GWAS text at the peak of matching (columns + locate tables).
pub const GWAS_FACTOR: f64 = 1.6;
/// `.epi` rows as records.
pub const EPI_FACTOR: f64 = 2.0;
/// Resident share of the mapped `.besd` / `.bed` between releases.
pub const MAPPED_FACTOR: f64 = 0.1;
/// Text bytes per byte of a gzipped file.
pub const GZ_RATIO: f64 = 4.0;
/// Bytes held per byte of GWAS text by each further trait of a `--trait-group` (its SNP table
/// and genotype index, kept until the group's probe loop ends; measured 0.50 GB per trait for
/// 556 MB `.ma` files at eQTLGen scale, benches/RESULTS.md).
pub const GROUP_TRAIT_FACTOR: f64 = 0.95;
/// Margin applied to the sum.
pub const MARGIN: f64 = 1.25;

fn size_of(path: &Path) -> Result<f64> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if !meta.is_file() {
        return Ok(0.0);
    }
    let gz = {
        use std::io::Read;
        let mut magic = [0u8; 2];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .is_ok()
            && magic == [0x1f, 0x8b]
    };
    Ok(meta.len() as f64 * if gz { GZ_RATIO } else { 1.0 })
}

/// The shared (per-run) part of the estimate.
#[derive(Debug, Clone)]
pub struct Estimate {
    /// Bytes held whatever the traits and datasets (LD reference, frequency file).
    pub shared_bytes: f64,
    /// Bytes held by each eQTL dataset while its units run (one dataset at a time).
    pub dataset_bytes: Vec<f64>,
    /// Traits tested in one probe loop (`--trait-group`).
    pub group: usize,
}

/// Bytes held by the eQTL dataset `prefix`.
fn dataset_bytes(prefix: &Path) -> Result<f64> {
    let mut b = 0.0;
    for (role, p) in super::eqtl_files(prefix)? {
        let s = size_of(&p)?;
        b += match role.as_str() {
            "esi" => ESI_FACTOR * s,
            "epi" => EPI_FACTOR * s,
            "besd" => MAPPED_FACTOR * s,
            // An archive's members are decompressed whole before parsing (memory.md §2):
            // count its text as the `.esi` would be, and its size once more.
            _ => ESI_FACTOR * s * 0.25 + s / GZ_RATIO,
        };
    }
    Ok(b)
}

impl Estimate {
    /// Sizes of the eQTL datasets and the LD reference of `cfg`.
    pub fn of(cfg: &Config) -> Result<Self> {
        let dataset_bytes = cfg
            .datasets
            .list
            .iter()
            .map(|d| dataset_bytes(&d.prefix))
            .collect::<Result<Vec<_>>>()?;
        let mut b = 0.0;
        if let Some(bf) = &cfg.bfile {
            b += BIM_FACTOR * size_of(&bf.bim)? + MAPPED_FACTOR * size_of(&bf.bed)?;
        }
        if let Some(f) = &cfg.eqtlgen_freq {
            b += size_of(f)?;
        }
        Ok(Estimate {
            shared_bytes: b,
            dataset_bytes,
            group: crate::commands::batch::group_size(cfg),
        })
    }

    /// MB for a shard running `units` (dataset position, trait file) one after the other,
    /// one dataset at a time (the largest dataset with its largest trait counts); rounded up
    /// to a multiple of 100 MB after the margin. With `--trait-group N`, the further traits
    /// of a group are counted as held beside the one being matched.
    pub fn shard_mb(&self, units: &[(usize, &Path)]) -> Result<u64> {
        let mut largest: f64 = 0.0;
        let mut largest_gwas: f64 = 0.0;
        for &(d, p) in units {
            let held = self.dataset_bytes.get(d).copied().unwrap_or(0.0);
            let g = size_of(p)?;
            largest_gwas = largest_gwas.max(g);
            largest = largest.max(held + GWAS_FACTOR * g);
        }
        let further = self.group.min(units.len()).saturating_sub(1) as f64;
        largest += further * GROUP_TRAIT_FACTOR * largest_gwas;
        let bytes = if units.is_empty() {
            0.0
        } else {
            self.shared_bytes + largest
        };
        let mb = (BASE_MB + bytes / 1e6) * MARGIN;
        Ok(((mb / 100.0).ceil() * 100.0) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The shard estimate by hand: 64 MB + 1.6 × GWAS (+ 0.95 × GWAS per further trait of a
    /// group), times 1.25, rounded up to 100 MB.
    #[test]
    fn grouped_traits_are_counted() {
        let d = tempfile::tempdir().unwrap();
        let gwas = d.path().join("t.ma");
        std::fs::File::create(&gwas)
            .unwrap()
            .set_len(100_000_000)
            .unwrap();
        let est = |group| Estimate {
            shared_bytes: 0.0,
            dataset_bytes: vec![0.0],
            group,
        };
        let units = [(0, gwas.as_path()); 3];
        // (64 + 160) × 1.25 = 280 → 300.
        assert_eq!(est(1).shard_mb(&units).unwrap(), 300);
        // (64 + 160 + 2 × 95) × 1.25 = 517.5 → 600.
        assert_eq!(est(3).shard_mb(&units).unwrap(), 600);
        // A group larger than the shard's units counts only the units there are.
        assert_eq!(est(8).shard_mb(&units).unwrap(), 600);
        assert_eq!(est(8).shard_mb(&units[..1]).unwrap(), 300);
    }
}
