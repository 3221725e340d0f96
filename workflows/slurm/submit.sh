#!/usr/bin/env bash
# Submit a fastsmr job to SLURM as an array (one task per shard, or per shard x chromosome)
# plus a merge job that starts only when every task succeeded (afterok).
#
#   workflows/slurm/submit.sh --jobdir DIR [--shards N] [--chrs "1 2 ... 22"] \
#       [--fastsmr BIN] [--partition P] [--time T] -- FASTSMR_ARGS...
#
# FASTSMR_ARGS are the arguments of the unsharded run without --out, --shard, --chr
# (e.g. --bfile ref --beqtl-summary eqtl --gwas-flist traits.list --thread-num 2).
# The memory (--mem) and CPUs (--cpus-per-task) of the array tasks come from
# `fastsmr ... --dry-run` (largest shard's estimate; --thread-num). Shard outputs go to
# DIR/shards/<task>, the merged tables to DIR/merged/out.*; the job ids are printed as
# `array=<id> merge=<id>` and written to DIR/jobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
jobdir="" shards=1 chrs="" fastsmr=fastsmr partition="" time_limit=""
while [ $# -gt 0 ]; do
  case "$1" in
    --jobdir) jobdir=$2; shift 2 ;;
    --shards) shards=$2; shift 2 ;;
    --chrs) chrs=$2; shift 2 ;;
    --fastsmr) fastsmr=$2; shift 2 ;;
    --partition) partition=$2; shift 2 ;;
    --time) time_limit=$2; shift 2 ;;
    --) shift; break ;;
    *) echo "submit.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$jobdir" ] || { echo "submit.sh: --jobdir is required" >&2; exit 2; }
[ $# -gt 0 ] || { echo "submit.sh: fastsmr arguments expected after --" >&2; exit 2; }
mkdir -p "$jobdir/shards" "$jobdir/merged" "$jobdir/logs"
jobdir=$(cd "$jobdir" && pwd)
fastsmr=$(command -v "$fastsmr" || echo "$fastsmr")
printf '%s\n' "$@" > "$jobdir/job.args"
nchr=1
[ -n "$chrs" ] && nchr=$(wc -w <<<"$chrs")
cat > "$jobdir/job.env" <<ENV
FASTSMR_BIN='$fastsmr'
NSHARDS=$shards
CHRS='$chrs'
ENV
# Resources from the dry run (nothing is read but file sizes).
dry=$("$fastsmr" "$@" --out "$jobdir/shards/dry" --shard "1/$shards" --dry-run 2>/dev/null)
printf '%s\n' "$dry" > "$jobdir/dry-run.txt"
summary=$(grep '^summary:' <<<"$dry")
mem=$(sed -n 's/.*max_mem_mb=\([0-9]*\).*/\1/p' <<<"$summary")
cpus=$(sed -n 's/.*cpus=\([0-9]*\).*/\1/p' <<<"$summary")
ntasks=$((shards * nchr))
opts=()
[ -n "$partition" ] && opts+=(--partition "$partition")
[ -n "$time_limit" ] && opts+=(--time "$time_limit")
array=$(sbatch --parsable "${opts[@]}" --job-name fastsmr-shard --array "1-$ntasks" \
  --cpus-per-task "$cpus" --mem "${mem}M" --output "$jobdir/logs/shard_%A_%a.out" \
  --export "ALL,FASTSMR_JOBDIR=$jobdir" "$here/fastsmr-array.sbatch")
array=${array%%;*}
merge=$(sbatch --parsable "${opts[@]}" --job-name fastsmr-merge --dependency "afterok:$array" \
  --cpus-per-task 1 --mem "${mem}M" --output "$jobdir/logs/merge_%j.out" \
  --export "ALL,FASTSMR_JOBDIR=$jobdir" "$here/fastsmr-merge.sbatch")
merge=${merge%%;*}
echo "array=$array merge=$merge tasks=$ntasks mem=${mem}M cpus=$cpus" | tee "$jobdir/jobs"
