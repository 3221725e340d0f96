//! The table of rsID numbers used while a release is read: open addressing with linear
//! probing over one array of 32-byte slots (key, SNP number, fingerprint), so that a lookup of
//! a random ID costs one cache line rather than the two of a control-byte hash table (the
//! lookups of a p-value-sorted release are random over millions of SNPs and dominate the read).

/// One slot; key 0 marks an empty slot (rs numbers are at least 1).
#[derive(Clone, Copy, Default)]
#[repr(C, align(32))]
struct Slot {
    key: u64,
    fingerprint: u64,
    value: u32,
}

/// rs number → (SNP number, fingerprint).
pub struct RsTable {
    slots: Vec<Slot>,
    len: usize,
    shift: u32,
}

impl Default for RsTable {
    fn default() -> Self {
        RsTable::with_bits(10)
    }
}

impl RsTable {
    fn with_bits(bits: u32) -> Self {
        RsTable {
            slots: vec![Slot::default(); 1 << bits],
            len: 0,
            shift: 64 - bits,
        }
    }

    fn home(&self, key: u64) -> usize {
        (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> self.shift) as usize
    }

    /// The entry of `key` (≥ 1).
    pub fn get(&self, key: u64) -> Option<(u32, u64)> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(key);
        loop {
            let s = &self.slots[i];
            if s.key == key {
                return Some((s.value, s.fingerprint));
            }
            if s.key == 0 {
                return None;
            }
            i = (i + 1) & mask;
        }
    }

    /// Insert a key not yet present (≥ 1).
    pub fn insert(&mut self, key: u64, value: u32, fingerprint: u64) {
        debug_assert!(key != 0);
        if 2 * (self.len + 1) > self.slots.len() {
            let bits = 64 - self.shift + 1;
            let old = std::mem::replace(self, RsTable::with_bits(bits));
            for s in old.slots.iter().filter(|s| s.key != 0) {
                self.place(*s);
            }
        }
        self.place(Slot {
            key,
            fingerprint,
            value,
        });
    }

    fn place(&mut self, slot: Slot) {
        let mask = self.slots.len() - 1;
        let mut i = self.home(slot.key);
        while self.slots[i].key != 0 {
            i = (i + 1) & mask;
        }
        self.slots[i] = slot;
        self.len += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agrees_with_a_hash_map() {
        let mut t = RsTable::default();
        let mut m = std::collections::HashMap::new();
        let mut x = 1u64;
        for i in 0..50_000u32 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            let key = (x >> 20) % 200_000 + 1;
            if m.contains_key(&key) {
                continue;
            }
            t.insert(key, i, key ^ 7);
            m.insert(key, i);
        }
        for key in 1..=200_001u64 {
            assert_eq!(t.get(key), m.get(&key).map(|&i| (i, key ^ 7)), "{key}");
        }
    }
}
