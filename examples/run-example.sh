#!/usr/bin/env bash
# Run fastsmr's default analysis (cis SMR + HEIDI) on the small example dataset shipped in the
# repo (tests/data/tiny-seed1) and say where the results are.
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p out
cargo run --release --quiet -- \
  --bfile tests/data/tiny-seed1/ref/ref \
  --gwas-summary tests/data/tiny-seed1/gwas/trait.ma \
  --beqtl-summary tests/data/tiny-seed1/eqtl/eqtl \
  --thread-num 2 \
  --out out/example
echo "Results: out/example.smr (log: out/example.log)"
