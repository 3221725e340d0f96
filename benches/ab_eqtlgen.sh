#!/bin/bash
# A/B whole-process runs at eQTLGen scale (benches/RESULTS.md "Cheaper trait, round 2"): two
# binaries alternate, REPS rounds of the plain, multi-SNP, tarball and tarball+frequency runs,
# then one ten-trait batch each; every input is read once (`cat`) before its run so the page
# cache is warm. Data: /work/scratch-bench/eqtlgen (validation/simulate.rs at eQTLGen scale),
# /work/scratch-bench/load (the same data in the eQTLGen release layout),
# /work/scratch-bench/trait/var (ten traits with differing SNP sets).
# Usage: ab_eqtlgen.sh BASE_BINARY NEW_BINARY [REPS] ; one line per run on stdout.
BASE=$1; NEW=$2; REPS=${3:-3}
D=/work/scratch-bench/eqtlgen; L=/work/scratch-bench/load; O=$(mktemp -d)
TAR=$L/cis-eQTL-SMR_20191212.tar.gz
AF=$L/2018-07-18_SNP_AF_for_AlleleB_combined_allele_counts_and_MAF_pos_added.txt.gz
T=""; for i in $(seq 1 10); do T="$T --gwas-summary /work/scratch-bench/trait/var/var.trait$i.ma"; done
cd $D || exit 1
one() { # label binary args...
  local label=$1 bin=$2; shift 2
  local load=$(cut -d' ' -f1 /proc/loadavg) tag=$label.$(basename $bin)
  /usr/bin/time -f "%e %U %S %M" $bin "$@" --thread-num 2 --out $O/$tag > /dev/null 2> $O/$tag.err
  echo "$label $(basename $bin) rc=$? $(tail -1 $O/$tag.err | awk '{printf "wall=%s user=%s sys=%s maxrss_kB=%s", $1,$2,$3,$4}') load1=$load"
}
warm() { cat "$@" > /dev/null; }
for rep in $(seq $REPS); do
  for bin in $BASE $NEW; do
    warm sim.bed sim.besd sim.bim sim.esi sim.epi sim.trait1.ma
    one plain $bin --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary sim
    one multi $bin --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary sim --smr-multi
    warm $TAR sim.bed sim.bim sim.trait1.ma
    one tar $bin --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary $TAR
    warm $TAR $AF sim.bed sim.bim sim.trait1.ma
    one tarfreq $bin --bfile sim --gwas-summary sim.trait1.ma --beqtl-summary $TAR --eqtlgen-freq $AF
  done
done
for bin in $BASE $NEW; do
  warm sim.bed sim.besd sim.bim sim.esi sim.epi /work/scratch-bench/trait/var/var.trait*.ma
  one batch10 $bin --bfile sim $T --beqtl-summary sim
done
# Outputs must not differ between the two binaries.
for f in plain.%s.smr multi.%s.msmr multi.%s.snps4msmr.list tar.%s.smr tarfreq.%s.smr; do
  a=$(printf "$f" $(basename $BASE)); b=$(printf "$f" $(basename $NEW))
  cmp -s $O/$a $O/$b && echo "identical: $a $b" || echo "DIFFERENT: $a $b"
done
for i in $(seq 1 10); do
  cmp -s $O/batch10.$(basename $BASE).var.trait$i.smr $O/batch10.$(basename $NEW).var.trait$i.smr \
    && echo "identical: batch10 var.trait$i" || echo "DIFFERENT: batch10 var.trait$i"
done
rm -rf $O
