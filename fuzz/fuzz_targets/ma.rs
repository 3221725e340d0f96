//! `.ma` line parser: `io::gwas::parse_ma` on arbitrary bytes.
#![no_main]

use fastsmr::io::gwas::parse_ma;
use libfuzzer_sys::fuzz_target;
use std::path::Path;

fuzz_target!(|data: &[u8]| {
    if let Ok(d) = parse_ma(data, Path::new("fuzz.ma")) {
        // Every flagged row points at a real line; usable rows have usable values.
        let n_lines = data.split(|&b| b == b'\n').count() as u64;
        assert!(d.flagged.iter().all(|f| f.line >= 2 && f.line <= n_lines));
        for r in d.records.rows() {
            if r.usable() {
                let se = r.se.unwrap_or(f64::NAN);
                assert!(se > 0.0 && se.is_finite());
            }
        }
    }
});
