#!/usr/bin/env bash
# End-to-end test on a real (single-node) SLURM: installs slurm-wlm and munge from Debian's
# packages if missing, starts munged, slurmctld and slurmd with a private configuration
# (SLURM_CONF in a scratch directory; /etc/slurm is not touched), submits two array jobs over
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

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null \
    || { apt-get update -qq && apt-get install -y --no-install-recommends slurm-wlm munge >/dev/null; }
fi

work=$(mktemp -d /tmp/fastsmr-slurm.XXXXXX)
chmod 755 "$work"
mkdir -p "$work/run" "$work/log" "$work/state" "$work/spool"
chown slurm:slurm "$work/run" "$work/log" "$work/state"
started_munge="" ctld_pid="" slurmd_pid=""
stop_pid() { # stop one daemon by pid, wait up to 10 s
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}
cleanup() {
  [ -f "$work/run/slurmd.pid" ] && slurmd_pid=$(cat "$work/run/slurmd.pid")
  [ -f "$work/run/slurmctld.pid" ] && ctld_pid=$(cat "$work/run/slurmctld.pid")
  stop_pid "$slurmd_pid"
  stop_pid "$ctld_pid"
  [ -n "$started_munge" ] && stop_pid "$started_munge"
  echo "daemons stopped; scratch directory $work"
}
trap cleanup EXIT

# munge (reused if one already answers).
if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
  mkdir -p /run/munge /var/log/munge /var/lib/munge
  chown munge:munge /run/munge /var/log/munge /var/lib/munge
  su -s /bin/sh munge -c /usr/sbin/munged
  for _ in $(seq 50); do [ -s /run/munge/munged.pid ] && break; sleep 0.1; done
  started_munge=$(cat /run/munge/munged.pid)
fi
munge -n | unmunge | grep -q 'STATUS: *Success' || { echo "munge does not work" >&2; exit 1; }

host=$(hostname)
cpus=$(nproc)
mem=$(slurmd -C | sed -n 's/.*RealMemory=\([0-9]*\).*/\1/p')
mem=$((mem * 9 / 10))
export SLURM_CONF="$work/slurm.conf"
cat > "$SLURM_CONF" <<CONF
ClusterName=fastsmr-test
SlurmctldHost=$host
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
SlurmctldPort=16817
SlurmdPort=16818
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
ReturnToService=2
MpiDefault=none
MinJobAge=600
NodeName=$host CPUs=$cpus RealMemory=$mem State=UNKNOWN
PartitionName=debug Nodes=$host Default=YES MaxTime=INFINITE State=UP
CONF
/usr/sbin/slurmctld -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$work/run/slurmctld.pid" ] && break; sleep 0.1; done
ctld_pid=$(cat "$work/run/slurmctld.pid")
/usr/sbin/slurmd -f "$SLURM_CONF"
for _ in $(seq 50); do [ -s "$work/run/slurmd.pid" ] && break; sleep 0.1; done
slurmd_pid=$(cat "$work/run/slurmd.pid")
for i in $(seq 120); do
  state=$(sinfo -h -o %T 2>/dev/null | head -1)
  [ "$state" = idle ] && break
  [ "$i" = 120 ] && { echo "node never became idle ($state)"; tail -20 "$work/log/"*.log; exit 1; }
  sleep 0.5
done
echo "SLURM up: node $host idle ($cpus CPUs, ${mem} MB); slurmctld pid $ctld_pid, slurmd pid $slurmd_pid"

# Traits: the fixture's .ma and edits of it (a few percent of rows dropped, alleles swapped).
data="$work/data"
mkdir -p "$data"
make_traits() { # SRC DEST_PREFIX N -> N trait files and DEST_PREFIX.list
  local src=$1 dest=$2 n=$3
  : > "$dest.list"
  for t in $(seq 0 $((n - 1))); do
    awk -v t="$t" 'NR == 1 { print; next }
      t == 0 { print; next }
      (NR % (7 + 6 * t)) == 3 { next }
      t >= 2 && (NR % 13) == 0 { x = $2; $2 = $3; $3 = x; $4 = 1 - $4; $5 = -$5; print; next }
      { print }' "$src" > "$dest.t$t.ma"
    echo "t$t $dest.t$t.ma" >> "$dest.list"
  done
}
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
compare "$work/unsharded/tiny" "$work/job1/merged/out" '*.smr' '*.harmonise.tsv' '*.snp_failed_freq_ck.list'
compare "$work/unsharded/trans" "$work/job2/merged/out" '*.smr'
if [ "$fail" = 0 ]; then
  echo "PASS: merged SLURM array outputs identical to the unsharded runs"
else
  echo "FAIL"; for f in "$work"/job*/logs/*; do echo "== $f"; tail -5 "$f"; done
fi
exit "$fail"
