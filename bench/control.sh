# shellcheck shell=bash
# Control plane: the /storage tree (`storagefs mount`) against virsh and a private libvirtd
# (bench/libvirt.sh), on the same pool directories. Both daemons define dir pools over
#   small/  10 volumes        large/  $NFILES volumes   (sparse 1 MiB raw files)
# Whole-process figures (hyperfine, median of $CP_RUNS runs, ms):
#   cp-info             cat pools/small/info            vs virsh pool-info small
#   cp-xml              cat pools/small/xml             vs virsh pool-dumpxml small
#   cp-ls-l-10          ls -l pools/small/volumes       vs virsh vol-list small --details
#   cp-ls-l-10k         ls -l pools/large/volumes       vs virsh vol-list large --details
#                       (both ls figures also with target=direct: ls -l of the host directory)
#   cp-define-start-100 100 pools defined and started: a sh script of 100 x (echo DOC > define;
#                       echo start > pools/P/ctl)  vs  a sh script of 100 x (virsh pool-define-as;
#                       virsh pool-start). Target directories exist, so neither builds.
#   cp-create-1000      1,000 volumes: one `touch` of 1,000 names in volumes/ (storagefs-touch),
#                       1,000 `create` documents written by one process (storagefs-create) vs one
#                       virsh process reading 1,000 `vol-create-as P NAME 0` (virsh: starting
#                       1,000 virsh processes would mostly time process start-up).
# Per-operation figures, one process each side (us per operation): bench/oplat on our side,
# one virsh process reading the same commands from stdin on libvirt's (its start-up and
# connection are spread over the $CP_OPS operations); our daemon is warmed up first:
#   cp-op-info, cp-op-xml, cp-op-ls-l-10, cp-op-ls-l-10k (readdir + lstat of every entry),
#   cp-op-define-start (define + start one pool).
# Between timed runs (hyperfine --prepare, not timed) the 100 pools are stopped and undefined
# and the created volumes removed on disk and the pool refreshed, on each side.

bench_control() {
  local c="$WORK/cp" mnt="$WORK/cp/mnt" host="$WORK/cp/host" s
  step "control plane: storagefs vs virsh (libvirtd), $CP_RUNS runs, $CP_OPS operations per-op"
  need_libvirt
  mkdir -p "$host/small" "$host/large" "$host/bp" "$host/cvs" "$host/cvv" "$c/scripts"
  say "making 10 + $NFILES volume files"
  awk 'BEGIN { for (i = 0; i < 10; i++) printf "vol%06d.raw\n", i }' | (cd "$host/small" && xargs truncate -s 1M)
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "vol%06d.raw\n", i }' | (cd "$host/large" && xargs truncate -s 1M)
  for ((s = 0; s < 100; s++)); do mkdir -p "$host/bp/bp$(printf %04d "$s")"; done

  start_libvirtd
  start_mount sfs-cp "$mnt"
  local sfs_pid=$SFS_PID p
  for p in small large cvs cvv; do
    [ "$p" = cvv ] || {
      sfs_write "$mnt/define" "<pool type='dir'><name>$p</name><target><path>$host/$p</path></target></pool>"
      sfs_write "$mnt/pools/$p/ctl" start
    }
    [ "$p" = cvs ] || {
      vsh pool-define-as "$p" dir --target "$host/$p" > /dev/null
      vsh pool-start "$p" > /dev/null
    }
  done
  local n
  n=$(ls "$mnt/pools/large/volumes" | wc -l)
  [ "$n" = "$NFILES" ] || die "storagefs lists $n volumes in large, expected $NFILES"
  n=$(vsh vol-list large | grep -c 'vol')
  [ "$n" = "$NFILES" ] || die "virsh lists $n volumes in large, expected $NFILES"

  local V="virsh -q -c '$VIRSH_URI'"
  # cat / virsh, whole process.
  hyper cp-info storagefs "$sfs_pid" "$CP_RUNS" 3 "" "cat $mnt/pools/small/info"
  hyper cp-info virsh "$LV_PID" "$CP_RUNS" 3 "" "$V pool-info small"
  hyper cp-xml storagefs "$sfs_pid" "$CP_RUNS" 3 "" "cat $mnt/pools/small/xml"
  hyper cp-xml virsh "$LV_PID" "$CP_RUNS" 3 "" "$V pool-dumpxml small"
  hyper cp-ls-l-10 storagefs "$sfs_pid" "$CP_RUNS" 3 "" "ls -l $mnt/pools/small/volumes"
  hyper cp-ls-l-10 virsh "$LV_PID" "$CP_RUNS" 3 "" "$V vol-list small --details"
  # The floor: the same ls -l of the pool's host directory (ls's own start-up is most of it).
  hyper cp-ls-l-10 direct "" "$CP_RUNS" 3 "" "ls -l $host/small"
  hyper cp-ls-l-10k storagefs "$sfs_pid" "$CP_LARGE_RUNS" 1 "" "ls -l $mnt/pools/large/volumes"
  hyper cp-ls-l-10k virsh "$LV_PID" "$CP_LARGE_RUNS" 1 "" "$V vol-list large --details"
  hyper cp-ls-l-10k direct "" "$CP_LARGE_RUNS" 1 "" "ls -l $host/large"

  # Per operation, one process; the daemon's code paths are warmed first (.NET compiles a
  # method again, optimised, after its first calls: that is start-up, not the steady state).
  "$OPLAT" cat "$mnt/pools/small/info" 500 > /dev/null
  "$OPLAT" cat "$mnt/pools/small/xml" 500 > /dev/null
  "$OPLAT" lsl "$mnt/pools/small/volumes" 200 > /dev/null
  oplat_run cp-op-info storagefs "$sfs_pid" cat "$mnt/pools/small/info" "$CP_OPS"
  virsh_batch cp-op-info "$CP_OPS" "pool-info small"
  oplat_run cp-op-xml storagefs "$sfs_pid" cat "$mnt/pools/small/xml" "$CP_OPS"
  virsh_batch cp-op-xml "$CP_OPS" "pool-dumpxml small"
  oplat_run cp-op-ls-l-10 storagefs "$sfs_pid" lsl "$mnt/pools/small/volumes" "$CP_OPS"
  virsh_batch cp-op-ls-l-10 "$CP_OPS" "vol-list small --details"
  oplat_run cp-op-ls-l-10k storagefs "$sfs_pid" lsl "$mnt/pools/large/volumes" "$CP_LARGE_RUNS"
  virsh_batch cp-op-ls-l-10k "$CP_LARGE_RUNS" "vol-list large --details"

  # 100 pools defined and started; undone between runs.
  {
    echo "set -e"
    for ((s = 0; s < 100; s++)); do
      p=bp$(printf %04d "$s")
      echo "echo \"<pool type='dir'><name>$p</name><target><path>$host/bp/$p</path></target></pool>\" > $mnt/define"
      echo "echo start > $mnt/pools/$p/ctl"
    done
  } > "$c/scripts/sfs-define100.sh"
  {
    for ((s = 0; s < 100; s++)); do
      p=bp$(printf %04d "$s")
      echo "echo stop > $mnt/pools/$p/ctl 2>/dev/null; echo 'undefine $p' > $mnt/pools/$p/ctl 2>/dev/null"
    done
    echo "true"
  } > "$c/scripts/sfs-undefine100.sh"
  {
    echo "set -e"
    for ((s = 0; s < 100; s++)); do
      p=bp$(printf %04d "$s")
      echo "$V pool-define-as $p dir --target $host/bp/$p > /dev/null"
      echo "$V pool-start $p > /dev/null"
    done
  } > "$c/scripts/virsh-define100.sh"
  {
    for ((s = 0; s < 100; s++)); do
      p=bp$(printf %04d "$s")
      echo "pool-destroy $p"
      echo "pool-undefine $p"
    done
  } > "$c/scripts/virsh-undefine100.cmds"
  echo "$V < $c/scripts/virsh-undefine100.cmds > /dev/null 2>&1; true" > "$c/scripts/virsh-undefine100.sh"
  hyper cp-define-start-100 storagefs "$sfs_pid" "$CP_POOL_RUNS" 0 "sh $c/scripts/sfs-undefine100.sh" "sh $c/scripts/sfs-define100.sh"
  hyper cp-define-start-100 virsh "$LV_PID" "$CP_POOL_RUNS" 0 "sh $c/scripts/virsh-undefine100.sh" "sh $c/scripts/virsh-define100.sh"
  sh "$c/scripts/sfs-undefine100.sh"; sh "$c/scripts/virsh-undefine100.sh"
  oplat_run cp-op-define-start storagefs "$sfs_pid" write "$mnt/define" 100 \
    "<pool type='dir'><name>bp{}</name><target><path>$host/bp/bp{}</path></target></pool>" "$mnt/pools/bp{}/ctl" start
  {
    for ((s = 0; s < 100; s++)); do
      p=bp$(printf %04d "$s")
      echo "pool-define-as $p dir --target $host/bp/$p"
      echo "pool-start $p"
    done
  } > "$c/scripts/virsh-define100.cmds"
  virsh_batch_file cp-op-define-start 100 "$c/scripts/virsh-define100.cmds"
  sh "$c/scripts/sfs-undefine100.sh"; sh "$c/scripts/virsh-undefine100.sh"

  # 1,000 volumes; removed between runs.
  local names
  names=$(awk 'BEGIN { for (i = 0; i < 1000; i++) printf " t%04d", i }')
  echo "cd $mnt/pools/cvs/volumes && touch$names" > "$c/scripts/sfs-touch1000.sh"
  echo "find $host/cvs -mindepth 1 -delete; echo refresh > $mnt/pools/cvs/ctl" > "$c/scripts/sfs-reset.sh"
  awk 'BEGIN { for (i = 0; i < 1000; i++) printf "vol-create-as cvv t%04d 0\n", i }' > "$c/scripts/virsh-create1000.cmds"
  echo "$V < $c/scripts/virsh-create1000.cmds > /dev/null" > "$c/scripts/virsh-create1000.sh"
  echo "find $host/cvv -mindepth 1 -delete; $V pool-refresh cvv > /dev/null" > "$c/scripts/virsh-reset.sh"
  hyper cp-create-1000 storagefs-touch "$sfs_pid" "$CP_POOL_RUNS" 0 "sh $c/scripts/sfs-reset.sh" "sh $c/scripts/sfs-touch1000.sh"
  hyper cp-create-1000 virsh "$LV_PID" "$CP_POOL_RUNS" 0 "sh $c/scripts/virsh-reset.sh" "sh $c/scripts/virsh-create1000.sh"
  sh "$c/scripts/sfs-reset.sh"
  oplat_run cp-op-create storagefs "$sfs_pid" write "$mnt/pools/cvs/create" 1000 \
    "<volume><name>d{}</name><capacity>0</capacity></volume>"
  sh "$c/scripts/virsh-reset.sh"
  virsh_batch_file cp-op-create 1000 "$c/scripts/virsh-create1000.cmds"
  n=$(ls "$mnt/pools/cvs/volumes" | wc -l)
  [ "$n" = 1000 ] || die "storagefs lists $n volumes in cvs after 1,000 creates"
  n=$(vsh vol-list cvv | grep -c 't0')
  [ "$n" = 1000 ] || die "virsh lists $n volumes in cvv after 1,000 creates"
  # The 1,000 create documents as a whole-process figure too (one oplat process).
  hyper cp-create-1000 storagefs-create "$sfs_pid" "$CP_POOL_RUNS" 0 "sh $c/scripts/sfs-reset.sh" \
    "$OPLAT write $mnt/pools/cvs/create 1000 '<volume><name>d{}</name><capacity>0</capacity></volume>'"

  stop_daemon "$sfs_pid" "$mnt"
  stop_daemon "$LV_PID" /nonexistent
}

# virsh_batch FIGURE N COMMAND: one virsh process runs COMMAND N times (read from stdin);
# records the mean time per command in us.
virsh_batch() {
  local figure=$1 n=$2 cmd=$3 f="$WORK/virsh-batch.cmds" i
  for ((i = 0; i < n; i++)); do echo "$cmd"; done > "$f"
  virsh_batch_file "$figure" "$n" "$f"
}

# virsh_batch_file FIGURE N FILE: one virsh process reads FILE's N commands; us per command.
virsh_batch_file() {
  local figure=$1 n=$2 f=$3 t0 before after value
  wait_quiet
  before=$(cpu_seconds "$LV_PID")
  t0=$EPOCHREALTIME
  virsh -q -c "$VIRSH_URI" < "$f" > "$WORK/virsh-batch.out" 2>&1 || { tail -n 5 "$WORK/virsh-batch.out" >&2; die "virsh batch for $figure failed"; }
  value=$(awk -v a="$t0" -v b="$EPOCHREALTIME" -v n="$n" 'BEGIN { printf "%.2f", (b - a) * 1e6 / n }')
  after=$(cpu_seconds "$LV_PID")
  if grep -q '^error' "$WORK/virsh-batch.out"; then
    grep -m 3 '^error' "$WORK/virsh-batch.out" >&2
    die "virsh batch for $figure reported errors"
  fi
  record "$figure" virsh "$value" us lower daemon_cpu_us_per_op "$(cpu_delta "$before" "$after" "$n" 1000000)"
  say "  $figure virsh: $value us per operation"
}
