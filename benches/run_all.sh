#!/bin/bash
# Whole-process runs for benches/RESULTS.md (data from validation/simulate.rs under
# /work/scratch-bench/{small,medium,eqtlgen}). Usage: run_all.sh BINARY TAG [skip-big]
B=$1; TAG=$2; R=/work/scratch-bench/results-$TAG.txt
run() { # dir label args...
  local dir=$1 label=$2; shift 2
  cd $dir
  /usr/bin/time -v "$@" > /work/scratch-bench/$TAG-$label.stderr 2>&1
  local rc=$?
  local wall=$(grep "Elapsed (wall" /work/scratch-bench/$TAG-$label.stderr | awk '{print $NF}')
  local user=$(grep "User time" /work/scratch-bench/$TAG-$label.stderr | awk '{print $NF}')
  local sys=$(grep "System time" /work/scratch-bench/$TAG-$label.stderr | awk '{print $NF}')
  local rss=$(grep "Maximum resident" /work/scratch-bench/$TAG-$label.stderr | awk '{print $NF}')
  local load=$(cut -d' ' -f1 /proc/loadavg)
  echo -e "$label\trc=$rc\twall=$wall\tuser=$user\tsys=$sys\trssKB=$rss\tload1=$load\tcmd=(cd $dir; $*)" | tee -a $R
}
for t in 1 2; do
  run /work/shared/fixtures/small-seed1 fixture_small_t$t $B --bfile ref/ref --gwas-summary gwas/trait.ma --beqtl-summary eqtl/eqtl --out /work/scratch-bench/$TAG/fixture_small_t$t --thread-num $t
  run /work/scratch-bench/small small_t$t $B --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary sim --out /work/scratch-bench/$TAG/small_t$t --thread-num $t
  run /work/scratch-bench/medium medium_t$t $B --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary sim --out /work/scratch-bench/$TAG/medium_t$t --thread-num $t
done
if [ "$3" != "skip-big" ]; then
for t in 1 2; do
  run /work/scratch-bench/eqtlgen eqtlgen_t$t $B --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary sim --out /work/scratch-bench/$TAG/eqtlgen_t$t --thread-num $t
done
GS=""; for i in $(seq 1 10); do GS="$GS --gwas-summary sim.trait$i.ma"; done
run /work/scratch-bench/eqtlgen eqtlgen_batch10_t2 $B --bfile sim $GS --beqtl-summary sim --out /work/scratch-bench/$TAG/batch --thread-num 2
fi
