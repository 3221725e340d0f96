//! The fuzz targets as a bounded smoke test (tests/FUZZING.md §CI): each target of
//! `fastsmr::fuzzing` (the same functions the cargo-fuzz targets in `fuzz/` call) is fed its
//! seeds (`fuzz/seeds/<target>/`), the kept corpus samples (`tests/data/bad/fuzz/<target>/`)
//! and a few thousand mutations of them drawn from a seeded RNG: bit flips, byte values,
//! truncations, splices of two seeds, huge values written over header fields, inserted and
//! deleted ranges, text tokens (NA, inf, separators, an over-long line), and for compressed or
//! archived inputs the same mutations applied inside the gzip stream or to one tar member.
//!
//! Every input must end without a panic, in `Ok` or an error naming the input (the target
//! functions check that and their own invariants; a broken promise is a panic). A panicking
//! input is written to `$CARGO_TARGET_TMPDIR/fuzz-smoke/<target>-<n>` for the corpus. Valid
//! seeds must be accepted, and the mutations must reach both outcomes (so that the smoke is
//! not all rejected at the first byte).

use fastsmr::fuzzing;
use fastsmr::fuzzing::Target;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::io::{Read, Write};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::{Path, PathBuf};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The seeds and corpus samples of `target`, by file name, sorted.
fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    for dir in [
        root().join("fuzz/seeds").join(target),
        root().join("tests/data/bad/fuzz").join(target),
    ] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut names: Vec<PathBuf> = rd.map(|e| e.expect("dir entry").path()).collect();
        names.sort();
        for p in names {
            let name = p.file_name().expect("name").to_string_lossy().into_owned();
            out.push((name, std::fs::read(&p).expect("read seed")));
        }
    }
    out
}

fn gzip(b: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(b).expect("gzip");
    e.finish().expect("gzip")
}

fn gunzip(b: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(b)
        .read_to_end(&mut out)
        .ok()?;
    Some(out)
}

fn is_gzip(b: &[u8]) -> bool {
    b.starts_with(&[0x1f, 0x8b])
}

/// Values written over header fields: int32 limits, -9 (missing), 2³¹, 2⁴⁰ and u64::MAX.
const HUGE: [u64; 8] = [
    0xFFFF_FFFF,
    0x7FFF_FFFF,
    0x8000_0000,
    0xFFFF_FFF7, // -9 as an int32
    1 << 40,
    u64::MAX,
    0,
    1,
];

/// Text that readers must take apart carefully.
const TOKENS: [&[u8]; 14] = [
    b"\n",
    b"\t",
    b" ",
    b"\r\n",
    b",",
    b"NA",
    b"nan",
    b"inf",
    b"-1e308",
    b"1e309",
    b"-0.5",
    b"\xef\xbb\xbf",
    b"99999999999999999999",
    b"\xe9",
];

/// One mutation of `seed` (with `other`, another seed of the target, for splices).
fn mutate_bytes(rng: &mut ChaCha8Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let mut d = seed.to_vec();
    for _ in 0..rng.gen_range(1..=3) {
        let len = d.len();
        match rng.gen_range(0..10) {
            0 | 1 if len > 0 => {
                let i = rng.gen_range(0..len);
                d[i] ^= 1 << rng.gen_range(0..8);
            }
            2 if len > 0 => {
                let i = rng.gen_range(0..len);
                d[i] = rng.gen();
            }
            3 if len > 0 => d.truncate(rng.gen_range(0..len)),
            4 => {
                let i = rng.gen_range(0..=len);
                let j = rng.gen_range(0..=other.len());
                d.truncate(i);
                d.extend_from_slice(&other[j..]);
            }
            5 | 6 if len >= 4 => {
                // A huge value over a header field: mostly in the first 128 bytes, aligned
                // to 4 (counts, the value count, offsets), sometimes anywhere.
                let v = HUGE[rng.gen_range(0..HUGE.len())];
                let width = if rng.gen_bool(0.5) || len < 8 { 4 } else { 8 };
                let span = len.min(128).saturating_sub(width) + 1;
                let mut at = rng.gen_range(0..span.max(1));
                if rng.gen_bool(0.7) {
                    at -= at % 4;
                } else if len > width {
                    at = rng.gen_range(0..=len - width);
                }
                if at + width <= len {
                    d[at..at + width].copy_from_slice(&v.to_le_bytes()[..width]);
                }
            }
            7 => {
                let i = rng.gen_range(0..=len);
                let n = rng.gen_range(1..=16);
                let fill: Vec<u8> = if rng.gen_bool(0.5) && len > 0 {
                    // Duplicate a chunk of the input itself.
                    let s = rng.gen_range(0..len);
                    d[s..(s + n).min(len)].to_vec()
                } else {
                    (0..n).map(|_| rng.gen()).collect()
                };
                d.splice(i..i, fill);
            }
            8 if len > 0 => {
                let i = rng.gen_range(0..len);
                let j = rng.gen_range(i..=len.min(i + 64));
                d.drain(i..j);
            }
            _ => {
                let i = rng.gen_range(0..=len);
                let t: Vec<u8> = if rng.gen_ratio(1, 200) {
                    // A line longer than every reader's 1 MiB cap.
                    vec![b'7'; (1 << 20) + 10]
                } else {
                    TOKENS[rng.gen_range(0..TOKENS.len())].to_vec()
                };
                d.splice(i..i, t);
            }
        }
    }
    d
}

/// A mutation that keeps the input's shape where it has one: the leading count bytes of a
/// BESD input kept or changed on their own, a gzip stream mutated inside (re-compressed).
fn mutate_besd(rng: &mut ChaCha8Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    if seed.len() < 3 || rng.gen_bool(0.3) {
        return mutate_bytes(rng, seed, other);
    }
    let (counts, file) = seed.split_at(3);
    let mut counts = counts.to_vec();
    if rng.gen_bool(0.2) {
        let i = rng.gen_range(0..3);
        counts[i] = counts[i].wrapping_add(rng.gen_range(1..=3));
    }
    let other_file = other.get(3..).unwrap_or(&[]);
    let body = match gunzip(file).filter(|_| is_gzip(file)) {
        Some(plain) => {
            let m = mutate_bytes(rng, &plain, &gunzip(other_file).unwrap_or_default());
            let mut z = gzip(&m);
            if rng.gen_ratio(1, 10) {
                z.truncate(rng.gen_range(0..z.len()));
            }
            z
        }
        None => mutate_bytes(rng, file, other_file),
    };
    counts.extend_from_slice(&body);
    counts
}

/// The members of a tar archive (name, regular file, data), or `None` if it is not one.
fn tar_members(archive: &[u8]) -> Option<Vec<(String, bool, Vec<u8>)>> {
    let mut ar = tar::Archive::new(archive);
    let mut out = Vec::new();
    for e in ar.entries().ok()? {
        let mut e = e.ok()?;
        let name = e.path().ok()?.to_string_lossy().into_owned();
        let regular = e.header().entry_type().is_file();
        let mut data = Vec::new();
        e.read_to_end(&mut data).ok()?;
        out.push((name, regular, data));
    }
    Some(out)
}

fn tar_build(members: &[(String, bool, Vec<u8>)]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for (name, regular, data) in members {
        let mut h = tar::Header::new_ustar();
        h.set_mode(0o644);
        h.set_mtime(0);
        if *regular {
            h.set_size(data.len() as u64);
            b.append_data(&mut h, name, &data[..]).expect("tar");
        } else {
            h.set_entry_type(tar::EntryType::Symlink);
            h.set_size(0);
            b.append_link(&mut h, name, "x.besd").expect("tar");
        }
    }
    b.into_inner().expect("tar")
}

/// Overwrite a field of the first tar header (size, name, type) and fix its checksum, so
/// that the mutation gets past the checksum test.
fn mutate_tar_header(rng: &mut ChaCha8Rng, tar: &mut [u8]) {
    if tar.len() < 512 {
        return;
    }
    let h = &mut tar[..512];
    match rng.gen_range(0..4) {
        0 => h[124..136].copy_from_slice(b"77777777777\0"), // size 8 GiB - 1
        1 => h[124..136].copy_from_slice(&[0x80, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0xff, 0xff]), // base-256 size
        2 => h[156] = [b'2', b'1', b'5', b'6', b'L', b'x'][rng.gen_range(0..6)], // entry type
        _ => {
            let i = rng.gen_range(0..100);
            h[i] = [b'/', b'.', 0x1b, 0, b'\n'][rng.gen_range(0..5)];
        }
    }
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    let s = format!("{sum:06o}\0 ");
    h[148..156].copy_from_slice(s.as_bytes());
}

/// A tarball mutation: raw bytes, one member's content mutated (inside its gzip when it has
/// one) and the archive rebuilt, members dropped, duplicated or reordered, or a header field.
fn mutate_tarball(rng: &mut ChaCha8Rng, seed: &[u8], other: &[u8]) -> Vec<u8> {
    let outer_gz = is_gzip(seed);
    let plain = if outer_gz {
        gunzip(seed).unwrap_or_default()
    } else {
        seed.to_vec()
    };
    let Some(mut members) = tar_members(&plain).filter(|m| !m.is_empty()) else {
        return mutate_bytes(rng, seed, other);
    };
    let mut tar = match rng.gen_range(0..10) {
        0 => return mutate_bytes(rng, seed, other),
        1 => {
            let mut t = tar_build(&members);
            mutate_tar_header(rng, &mut t);
            t
        }
        2 => {
            match rng.gen_range(0..3) {
                0 => {
                    members.remove(rng.gen_range(0..members.len()));
                }
                1 => {
                    let m = members[rng.gen_range(0..members.len())].clone();
                    members.push(m);
                }
                _ => members.reverse(),
            }
            tar_build(&members)
        }
        _ => {
            let i = rng.gen_range(0..members.len());
            let data = &members[i].2;
            let new = if is_gzip(data) {
                gzip(&mutate_bytes(rng, &gunzip(data).unwrap_or_default(), &[]))
            } else {
                mutate_bytes(rng, data, &[])
            };
            members[i].2 = new;
            tar_build(&members)
        }
    };
    if rng.gen_ratio(1, 20) {
        tar.truncate(rng.gen_range(0..tar.len()));
    }
    if outer_gz {
        gzip(&tar)
    } else {
        tar
    }
}

type Mutator = fn(&mut ChaCha8Rng, &[u8], &[u8]) -> Vec<u8>;

/// Run `f` on `seeds(target)` and `n_mutants` mutations; panic with the failing inputs'
/// names (saved to disk) if any panicked. `must_accept` seeds must return `Ok`.
fn smoke(target: &str, f: Target, mutate: Mutator, n_mutants: usize, must_accept: &[&str]) {
    let seeds = seeds(target);
    assert!(seeds.len() >= 2, "{target}: only {} seeds", seeds.len());
    let crash_dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join("fuzz-smoke");
    let mut crashes = Vec::new();
    let (mut ok, mut err) = (0usize, 0usize);
    let mut try_one = |label: String, input: &[u8]| -> Option<bool> {
        match catch_unwind(AssertUnwindSafe(|| f(input))) {
            Ok(r) => {
                if r.is_ok() {
                    ok += 1;
                } else {
                    err += 1;
                }
                Some(r.is_ok())
            }
            Err(_) => {
                std::fs::create_dir_all(&crash_dir).expect("crash dir");
                let p = crash_dir.join(format!("{target}-{}", crashes.len()));
                std::fs::write(&p, input).expect("save crash");
                crashes.push(format!("{label} (saved as {})", p.display()));
                None
            }
        }
    };
    for (name, bytes) in &seeds {
        let accepted = try_one(format!("seed {name}"), bytes);
        if must_accept.contains(&name.as_str()) {
            assert_eq!(
                accepted,
                Some(true),
                "{target}: the valid seed {name} was refused"
            );
        }
    }
    let mut rng = ChaCha8Rng::seed_from_u64(0x5eed_0000 + target.len() as u64);
    let started = std::time::Instant::now();
    for k in 0..n_mutants {
        let (name, seed) = &seeds[rng.gen_range(0..seeds.len())];
        let other = &seeds[rng.gen_range(0..seeds.len())].1;
        let input = mutate(&mut rng, seed, other);
        try_one(format!("mutant {k} of {name}"), &input);
    }
    eprintln!(
        "fuzz smoke {target}: {} seeds + {n_mutants} mutants in {:.1} s: {ok} accepted, {err} refused, {} panics",
        seeds.len(),
        started.elapsed().as_secs_f64(),
        crashes.len()
    );
    assert!(crashes.is_empty(), "{target}: panics on {crashes:#?}");
    // The mutants reach both outcomes: a smoke where nothing gets past the first check, or
    // nothing is refused, tests little.
    assert!(ok > n_mutants / 50, "{target}: only {ok} inputs accepted");
    assert!(err > n_mutants / 50, "{target}: only {err} inputs refused");
}

/// Every target of `fastsmr::fuzzing` has a smoke test here and a cargo-fuzz target and seeds.
#[test]
fn fuzz_smoke_covers_every_target() {
    let here =
        std::fs::read_to_string(root().join("tests/integration/fuzz_smoke.rs")).expect("self");
    for (name, _) in fuzzing::TARGETS {
        assert!(
            here.contains(&format!("fuzzing::{name},")),
            "no smoke test for {name}"
        );
        assert!(
            root()
                .join(format!("fuzz/fuzz_targets/{name}.rs"))
                .is_file(),
            "no fuzz target {name}"
        );
        assert!(seeds(name).len() >= 2, "no seeds for {name}");
    }
}

#[test]
fn fuzz_smoke_besd_every_layout() {
    smoke(
        "besd",
        fuzzing::besd,
        mutate_besd,
        20_000,
        &[
            "dense0",
            "dense5",
            "legacy_f32",
            "legacy_u32",
            "sparse3",
            "sparse3f",
        ],
    );
}

#[test]
fn fuzz_smoke_besd_stream_plain_and_gzipped() {
    smoke(
        "besd_stream",
        fuzzing::besd_stream,
        mutate_besd,
        10_000,
        &[
            "dense5.gz",
            "sparse3",
            "sparse3.gz",
            "sparse3f.gz",
            "legacy_u32.gz",
        ],
    );
}

#[test]
fn fuzz_smoke_ma() {
    smoke(
        "ma",
        fuzzing::ma,
        mutate_bytes,
        10_000,
        &["good", "crlf_comma"],
    );
}

#[test]
fn fuzz_smoke_bed() {
    smoke("bed", fuzzing::bed, mutate_bytes, 20_000, &["good"]);
}

#[test]
fn fuzz_smoke_esi_epi_bim_fam() {
    smoke(
        "tables",
        fuzzing::tables,
        mutate_bytes,
        10_000,
        &["esi", "epi", "bim", "fam"],
    );
}

#[test]
fn fuzz_smoke_tarball_plain_gzipped_and_gzipped_members() {
    smoke(
        "tarball",
        fuzzing::tarball,
        mutate_tarball,
        6000,
        &["plain", "gzipped", "eqtlgen_like", "symlink_and_dir"],
    );
}

/// The smoke's premise: the tarball target reads the same values as the plain reader on
/// the same BESD (the `plain` seed holds the `sparse3` seed's file) — and a member listed
/// twice is refused, as the archive reader promises.
#[test]
fn fuzz_smoke_tarball_reads_what_the_plain_reader_reads() {
    let seed = std::fs::read(root().join("fuzz/seeds/tarball/plain")).expect("seed");
    assert!(fuzzing::tarball(&seed).is_ok());
    let members = tar_members(&seed).expect("tar");
    let sparse = std::fs::read(root().join("fuzz/seeds/besd/sparse3")).expect("seed");
    let besd = members.iter().find(|m| m.0 == "x.besd").expect("member");
    assert_eq!(besd.2, sparse[3..]);
    let mut twice = members.clone();
    twice.push(members[1].clone());
    let e = fuzzing::tarball(&tar_build(&twice))
        .unwrap_err()
        .to_string();
    assert!(e.contains("expected exactly one"), "{e}");
}
