# Start and stop a private single-node SLURM (sourced by workflows/slurm/test.sh and
# workflows/snakemake/test.sh). Needs root. Recipe: ../shared/ecosystem.md §3 of the project;
# state, logs and pid files live in "$work"; the configuration in /etc/slurm/slurm.conf
# only if none exists there (and removed afterwards), else in "$work" (SLURM_CONF). Only the daemons started here are stopped, by their pids.
#
#   work=$(mktemp -d); . workflows/slurm/cluster.sh; cluster_start; ...; cluster_stop

started_munge="" ctld_pid="" slurmd_pid="" placed_conf=""

# Stop one daemon by pid; wait up to 10 s, then SIGKILL.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.2; done
  kill -9 "$pid" 2>/dev/null || true
}

# Stop slurmd, slurmctld and (if started here) munged.
cluster_stop() {
  [ -f "$work/run/slurmd.pid" ] && slurmd_pid=$(cat "$work/run/slurmd.pid")
  [ -f "$work/run/slurmctld.pid" ] && ctld_pid=$(cat "$work/run/slurmctld.pid")
  stop_pid "$slurmd_pid"
  stop_pid "$ctld_pid"
  [ -n "$started_munge" ] && stop_pid "$started_munge"
  if [ -n "$placed_conf" ]; then cp "$SLURM_CONF" "$work/slurm.conf"; rm -f "$SLURM_CONF"; fi
  echo "daemons stopped; scratch directory $work"
}

# Install if needed, start munged (unless one answers), slurmctld and slurmd in "$work"
# (created if unset), wait until the node is idle. Exports SLURM_CONF.
cluster_start() {
  [ -n "${work:-}" ] || work=$(mktemp -d /tmp/fastsmr-slurm.XXXXXX)
  chmod 755 "$work"
  mkdir -p "$work/run" "$work/log" "$work/state" "$work/spool"
  chown slurm:slurm "$work/run" "$work/log" "$work/state"

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
  # srun inside a job (Snakemake's SLURM executor uses it) looks for the default path only,
  # so the configuration goes to /etc/slurm/slurm.conf when no other is there (removed again
  # by cluster_stop); otherwise it stays private in "$work" (SLURM_CONF).
  if [ ! -e /etc/slurm/slurm.conf ]; then
    mkdir -p /etc/slurm
    export SLURM_CONF=/etc/slurm/slurm.conf
    placed_conf=1
  else
    export SLURM_CONF="$work/slurm.conf"
  fi
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
}
