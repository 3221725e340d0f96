//! The `.esi`, `.epi`, `.bim` and `.fam` readers on the same bytes: see `fastsmr::fuzzing::tables`.
//! The body is a library function so that `cargo test` runs it too (tests/integration/fuzz_smoke.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fastsmr::fuzzing::tables(data);
});
