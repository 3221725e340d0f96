#!/bin/bash
# A/B of the plain and --smr-multi runs only (benches/RESULTS.md "Cheaper trait, round 3"): two
# binaries alternate for REPS rounds, every input read once (`cat`) before each round so the
# page cache is warm. DATA (default /work/scratch-bench/eqtlgen) holds sim.{bed,bim,fam},
# sim.{besd,esi,epi} and sim.trait1.ma; KEEP, when set, is a directory the outputs are copied to.
# Usage: ab_plain_multi.sh BASE_BINARY NEW_BINARY [REPS] ; one line per run:
#   MODE BINARY WALL_S USER_S SYS_S MAXRSS_KB
BASE=$1; NEW=$2; REPS=${3:-3}
D=${DATA:-/work/scratch-bench/eqtlgen}; O=$(mktemp -d)
cd "$D" || exit 1
for rep in $(seq "$REPS"); do
  for bin in $BASE $NEW; do
    cat sim.bed sim.besd sim.bim sim.esi sim.epi sim.trait1.ma > /dev/null
    for mode in plain multi; do
      extra=""; [ $mode = multi ] && extra=--smr-multi
      tag=$mode.$(basename "$bin")
      /usr/bin/time -f "%e %U %S %M" "$bin" --bfile sim --gwas-summary sim.trait1.ma \
        --beqtl-summary sim $extra --thread-num 2 --out "$O/$tag" > /dev/null 2> "$O/err"
      echo "$mode $(basename "$bin") $(tail -1 "$O/err")"
      [ -n "$KEEP" ] && cp "$O/$tag".*smr "$KEEP"/ 2>/dev/null
    done
  done
done
rm -rf "$O"
