#!/usr/bin/env bash
# End-to-end test on a real (single-node) SLURM: installs slurm-wlm and munge from Debian's
# packages if missing, starts munged, slurmctld and slurmd with a private configuration
# (workflows/slurm/cluster.sh), submits two array jobs over
# the example data with submit.sh, waits for the dependent merge jobs, compares the merged
# tables with the unsharded runs, stops the daemons it started by their pids, and exits 0
# only if every compared file is identical.
#
#   bash workflows/slurm/test.sh            # builds target/release/fastsmr first
#   FASTSMR=/path/to/fastsmr bash workflows/slurm/test.sh
#
# Needs root (apt-get, daemons). Job 1: tests/data/tiny-seed1, four traits (the .ma and three
# edits of it: rows dropped, alleles swapped) as a --gwas-flist batch in 3 trait shards; every
# output file is compared. Job 2: tests/data/trans-seed1 (three chromosomes), two traits,
# 2 trait shards x 3 chromosomes = 6 array tasks; the .smr tables are compared.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
here="$repo/workflows/slurm"
if [ -z "${FASTSMR:-}" ]; then
  (cd "$repo" && cargo build --release --quiet)
  FASTSMR="$repo/target/release/fastsmr"
fi
[ "$(id -u)" = 0 ] || { echo "test.sh: needs root (apt-get, slurm daemons)" >&2; exit 2; }

work=$(mktemp -d /tmp/fastsmr-slurm.XXXXXX)
. "$here/cluster.sh"
trap cluster_stop EXIT
cluster_start

# Traits: the fixture's .ma and edits of it (a few percent of rows dropped, alleles swapped).
data="$work/data"
mkdir -p "$data"
. "$repo/workflows/example-traits.sh"
tiny="$repo/tests/data/tiny-seed1"
trans="$repo/tests/data/trans-seed1"
make_traits "$tiny/gwas/trait.ma" "$data/tiny" 4
make_traits "$trans/gwas/trait.ma" "$data/trans" 2
args1=(--bfile "$tiny/ref/ref" --beqtl-summary "$tiny/eqtl/eqtl" --gwas-flist "$data/tiny.list" --thread-num 1)
args2=(--bfile "$trans/ref/ref" --beqtl-summary "$trans/eqtl/eqtl" --gwas-flist "$data/trans.list" --thread-num 1)

# Unsharded references.
mkdir -p "$work/unsharded"
"$FASTSMR" "${args1[@]}" --out "$work/unsharded/tiny" 2>/dev/null
"$FASTSMR" "${args2[@]}" --out "$work/unsharded/trans" 2>/dev/null

# Submit.
j1=$("$here/submit.sh" --jobdir "$work/job1" --shards 3 --fastsmr "$FASTSMR" -- "${args1[@]}")
j2=$("$here/submit.sh" --jobdir "$work/job2" --shards 2 --chrs "1 2 3" --fastsmr "$FASTSMR" -- "${args2[@]}")
echo "job 1: $j1"
echo "job 2: $j2"
ids=""
for j in "$j1" "$j2"; do
  for kv in $j; do case $kv in array=*|merge=*) ids="$ids,${kv#*=}" ;; esac; done
done
ids=${ids#,}
start=$(date +%s)
while [ -n "$(squeue -h -j "$ids" 2>/dev/null)" ]; do
  if [ $(( $(date +%s) - start )) -gt 600 ]; then
    echo "jobs still queued after 600 s:"; squeue; exit 1
  fi
  sleep 1
done
echo "all jobs left the queue after $(( $(date +%s) - start )) s"

fail=0
for j in "$j1" "$j2"; do
  m=$(sed -n 's/.*merge=\([0-9]*\).*/\1/p' <<<"$j")
  st=$(scontrol show job "$m" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p')
  echo "merge job $m: ${st:-unknown}"
  [ "$st" = COMPLETED ] || fail=1
done
compare() { # UNSHARDED_PREFIX MERGED_PREFIX PATTERN...
  local a=$1 b=$2; shift 2
  local n=0
  for f in "$@"; do
    for x in $a.$f; do
      [ -e "$x" ] || continue
      y="$b${x#"$a"}"
      if cmp -s "$x" "$y"; then n=$((n + 1)); else echo "DIFFERS: $x vs $y"; fail=1; fi
    done
  done
  echo "$n files identical ($b vs $a)"
  [ "$n" -gt 0 ] || fail=1
}
compare "$work/unsharded/tiny" "$work/job1/merged/out" '*.smr' '*.harmonise.summary.tsv' '*.snp_failed_freq_ck.list'
compare "$work/unsharded/trans" "$work/job2/merged/out" '*.smr'
if [ "$fail" = 0 ]; then
  echo "PASS: merged SLURM array outputs identical to the unsharded runs"
else
  echo "FAIL"; for f in "$work"/job*/logs/*; do echo "== $f"; tail -5 "$f"; done
fi
exit "$fail"
