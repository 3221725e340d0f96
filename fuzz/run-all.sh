#!/usr/bin/env bash
# Run every fuzz target for $1 seconds (default 600), one at a time, single process.
# Needs cargo-fuzz; on stable Rust set RUSTC_BOOTSTRAP=1 (done here).
set -u
cd "$(dirname "$0")"
export RUSTC_BOOTSTRAP=1
SECS=${1:-600}
shift || true
TARGETS=${*:-besd besd_stream ma bed tables tarball}
mkdir -p logs
for t in $TARGETS; do
  mkdir -p corpus/$t
  start=$(date +%s)
  cargo fuzz run -O -a "$t" corpus/$t seeds/$t -- -max_total_time="$SECS" -print_final_stats=1 \
    > logs/$t.log 2>&1
  rc=$?
  echo "$t rc=$rc seconds=$(( $(date +%s) - start )) corpus_files=$(ls corpus/$t | wc -l)" >> logs/summary.txt
done
