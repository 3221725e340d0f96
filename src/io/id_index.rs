//! An index of table rows by their SNP ID, built in parallel (data-spec/memory.md §3): the
//! rows are partitioned by the top bits of their ID's hash into shards, and each shard's hash
//! table (row numbers only, the IDs stay in the table's column) is built by one thread from
//! its rows in row order, so the first row with an ID is the one kept, exactly as one table
//! built row by row would keep it. A shard's table is small enough to stay in cache while it
//! is filled, which is what makes the build fast (one 9 M-row table is filled at the speed of
//! memory latency).

use rayon::prelude::*;

/// The hash of an ID used by every index of SNP IDs.
#[inline]
pub fn hash_id(s: &str) -> u64 {
    use std::hash::BuildHasher;
    rustc_hash::FxBuildHasher.hash_one(s)
}

/// Number of hash bits that choose the shard.
const SHARD_BITS: u32 = 6;

/// Lowest of the shard bits: above the bits a shard's table uses for the slot (the low bits,
/// under 2^40 slots) and below the 7 top bits it keeps as the control byte.
const SHARD_SHIFT: u32 = 40;

/// Row numbers by ID, first occurrence kept (see the module docs).
pub struct IdIndex {
    shards: Vec<hashbrown::HashTable<u32>>,
    unique: bool,
    len: usize,
}

#[inline]
fn shard_of(h: u64) -> usize {
    ((h >> SHARD_SHIFT) & ((1 << SHARD_BITS) - 1)) as usize
}

impl IdIndex {
    /// Index the rows `rows` (in this order) by `id(row)`.
    pub fn build<'a>(rows: &[u32], id: impl Fn(u32) -> &'a str + Sync) -> IdIndex {
        let n_shards = 1usize << SHARD_BITS;
        let hashes: Vec<u64> = rows.par_iter().map(|&r| hash_id(id(r))).collect();
        // Stable partition of the positions by shard: counts, then a scatter in row order.
        let mut counts = vec![0usize; n_shards + 1];
        for &h in &hashes {
            counts[shard_of(h) + 1] += 1;
        }
        for s in 0..n_shards {
            counts[s + 1] += counts[s];
        }
        let starts = counts.clone();
        let mut order = vec![0u32; rows.len()];
        for (k, &h) in hashes.iter().enumerate() {
            let s = shard_of(h);
            order[counts[s]] = k as u32;
            counts[s] += 1;
        }
        let built: Vec<(hashbrown::HashTable<u32>, bool)> = (0..n_shards)
            .into_par_iter()
            .map(|s| {
                let mine = &order[starts[s]..starts[s + 1]];
                let mut t = hashbrown::HashTable::with_capacity(mine.len());
                let mut unique = true;
                for &k in mine {
                    let (row, h) = (rows[k as usize], hashes[k as usize]);
                    let key = id(row);
                    match t.entry(h, |&j| id(j) == key, |&j| hash_id(id(j))) {
                        hashbrown::hash_table::Entry::Vacant(v) => {
                            v.insert(row);
                        }
                        hashbrown::hash_table::Entry::Occupied(_) => unique = false,
                    }
                }
                (t, unique)
            })
            .collect();
        let unique = built.iter().all(|(_, u)| *u);
        let shards: Vec<_> = built.into_iter().map(|(t, _)| t).collect();
        let len = shards.iter().map(|t| t.len()).sum();
        IdIndex {
            shards,
            unique,
            len,
        }
    }

    /// Index rows `0..n`.
    pub fn build_all<'a>(n: usize, id: impl Fn(u32) -> &'a str + Sync) -> IdIndex {
        let rows: Vec<u32> = (0..n as u32).collect();
        Self::build(&rows, id)
    }

    /// The row whose ID hashes to `hash` and satisfies `eq` (the same call as
    /// `hashbrown::HashTable::find`).
    #[inline]
    pub fn find(&self, hash: u64, eq: impl FnMut(&u32) -> bool) -> Option<&u32> {
        self.shards[shard_of(hash)].find(hash, eq)
    }

    /// The first row with ID `key`, given the IDs of the rows.
    #[inline]
    pub fn get<'a>(&self, key: &str, id: impl Fn(u32) -> &'a str) -> Option<u32> {
        self.find(hash_id(key), |&j| id(j) == key).copied()
    }

    /// Every indexed row had a distinct ID.
    pub fn unique(&self) -> bool {
        self.unique
    }

    /// Distinct IDs indexed.
    pub fn len(&self) -> usize {
        self.len
    }

    /// No ID indexed.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_occurrence_is_kept_like_a_sequential_map() {
        // IDs with many repeats, rows in a scrambled order.
        let ids: Vec<String> = (0..20_000)
            .map(|i| format!("rs{}", (i * 37) % 5_003))
            .collect();
        let rows: Vec<u32> = (0..20_000u32).map(|i| (i * 7_919) % 20_000).collect();
        let ix = IdIndex::build(&rows, |r| ids[r as usize].as_str());
        let mut seq: std::collections::HashMap<&str, u32> = Default::default();
        for &r in &rows {
            seq.entry(ids[r as usize].as_str()).or_insert(r);
        }
        assert_eq!(ix.len(), seq.len());
        assert!(!ix.unique());
        for (k, &v) in &seq {
            assert_eq!(ix.get(k, |r| ids[r as usize].as_str()), Some(v), "{k}");
        }
        assert_eq!(ix.get("rs999999", |r| ids[r as usize].as_str()), None);
        let distinct: Vec<String> = (0..1000).map(|i| format!("x{i}")).collect();
        let ix = IdIndex::build_all(distinct.len(), |r| distinct[r as usize].as_str());
        assert!(ix.unique() && ix.len() == 1000);
        assert_eq!(ix.get("x17", |r| distinct[r as usize].as_str()), Some(17));
    }
}
