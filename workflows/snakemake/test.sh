#!/usr/bin/env bash
# Test workflows/snakemake: the trans-seed1 fixture (three chromosomes), two traits,
# 2 trait shards x 3 chromosomes, run by Snakemake locally, and with --slurm also through
# snakemake-executor-plugin-slurm on the private single-node SLURM of workflows/slurm/cluster.sh
# (needs root). Compares the merged .smr tables with the unsharded run; exits 0 only if
# identical.
#
#   bash workflows/snakemake/test.sh [--slurm]
#   SNAKEMAKE=/path/to/snakemake FASTSMR=/path/to/fastsmr bash workflows/snakemake/test.sh
#
# Without SNAKEMAKE (and no snakemake on PATH) a venv with snakemake and the SLURM plugin is
# made in the scratch directory (pip, from PyPI).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
use_slurm=0
[ "${1:-}" = --slurm ] && use_slurm=1
if [ -z "${FASTSMR:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  FASTSMR="$repo/target/release/fastsmr"
fi
work=$(mktemp -d /tmp/fastsmr-smk.XXXXXX)
if [ -z "${SNAKEMAKE:-}" ]; then
  if command -v snakemake >/dev/null; then
    SNAKEMAKE=$(command -v snakemake)
  else
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install -q snakemake snakemake-executor-plugin-slurm
    SNAKEMAKE="$work/venv/bin/snakemake"
  fi
fi
export PATH="$(dirname "$SNAKEMAKE"):$PATH"
. "$repo/workflows/example-traits.sh"
trans="$repo/tests/data/trans-seed1"
mkdir -p "$work/data"
make_traits "$trans/gwas/trait.ma" "$work/data/trans" 2
args=(--bfile "$trans/ref/ref" --beqtl-summary "$trans/eqtl/eqtl" --gwas-flist "$work/data/trans.list")
"$FASTSMR" "${args[@]}" --out "$work/unsharded" 2>/dev/null

write_config() { # OUTDIR
  {
    echo "fastsmr: $FASTSMR"
    echo "args:"
    for a in "${args[@]}"; do echo "  - '$a'"; done
    echo "shards: 2"
    echo "chrs: [1, 2, 3]"
    echo "threads: 1"
    echo "outdir: $1"
  } > "$1.yaml"
}
fail=0
compare() { # MERGED_PREFIX
  local n=0
  for x in "$work"/unsharded.*.smr; do
    y="$1${x#"$work/unsharded"}"
    if cmp -s "$x" "$y"; then n=$((n + 1)); else echo "DIFFERS: $x vs $y"; fail=1; fi
  done
  echo "$n .smr tables identical ($1 vs the unsharded run)"
  [ "$n" = 2 ] || fail=1
}
smk=(-s "$repo/workflows/snakemake/Snakefile" --directory "$work")

write_config "$work/local"
"$SNAKEMAKE" "${smk[@]}" --configfile "$work/local.yaml" \
  --profile "$repo/workflows/snakemake/profiles/local" --quiet > "$work/local.log" 2>&1 \
  || { tail -30 "$work/local.log"; exit 1; }
echo "snakemake (local): done"
compare "$work/local/merged/out"

if [ "$use_slurm" = 1 ]; then
  . "$repo/workflows/slurm/cluster.sh"
  trap cluster_stop EXIT
  cluster_start
  write_config "$work/slurm"
  start=$(date +%s)
  timeout 900 "$SNAKEMAKE" "${smk[@]}" --configfile "$work/slurm.yaml" \
    --profile "$repo/workflows/snakemake/profiles/slurm" > "$work/slurm.log" 2>&1 \
    || { tail -40 "$work/slurm.log"; exit 1; }
  echo "snakemake (SLURM executor): done in $(( $(date +%s) - start )) s"
  compare "$work/slurm/merged/out"
fi
if [ "$fail" = 0 ]; then echo "PASS"; else echo "FAIL"; fi
exit "$fail"
