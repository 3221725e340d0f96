//! The eQTL tarball reader (`--beqtl-summary archive.tar[.gz]`): see `fastsmr::fuzzing::tarball`.
//! The body is a library function so that `cargo test` runs it too (tests/integration/fuzz_smoke.rs).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fastsmr::fuzzing::tarball(data);
});
