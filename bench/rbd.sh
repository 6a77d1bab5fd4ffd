# shellcheck shell=bash
# rbd volumes through /storage against librbd's own tools on the same cluster.
# A private single-node Ceph cluster (bench/ceph.sh) and `storagefs mount` started inside its
# network namespace, with client.admin's key in the secret store and an rbd pool "ceph" on the
# Ceph pool "rbd". Per round, on fresh 1 GiB images:
#   rbd-seqwrite-4M, rbd-seqread-4M   MiB/s   `rbd bench --io-threads 16 --io-total 1G` (seq)
#   rbd-randwrite-4K, rbd-randread-4K IOPS    `rbd bench --io-threads 16 --io-total 128M` (rand)
#     storagefs side: fio on pools/ceph/volumes/IMAGE, libaio, O_DIRECT, queue depth 16, the
#     same block size and total; the rbd side records its process's CPU (client_cpu_s), the
#     storagefs side the daemon's (daemon_cpu_s): both hold librbd
#   rbd-cp-1G                         MiB/s   `rbd import` of a 1 GiB raw file vs `cp` of it to
#                                             volumes/NEW (checked with `rbd export | cmp`)
# Targets: rbd (librbd's tools) and storagefs; the issue's target is a ratio >= 0.8.

rbd_tool() { "${CEPH_ENTER[@]}" rbd -c "$CEPH_CONF" "$@"; }

rbd_bench_side() { # TYPE SIZE TOTAL PATTERN: "ops/s MiB/s CPU-seconds" of rbd bench on rbd/bench-a
  # The summary line: "elapsed: S  ops: N  ops/sec: X  bytes/sec: Y UNIT"; MiB/s from ops/sec.
  # The CPU is the rbd process's (librbd and its threads, as the daemon's holds the same).
  local TIMEFORMAT='%U %S'
  { time rbd_tool bench --io-type "$1" --io-size "$2" --io-threads 16 --io-total "$3" --io-pattern "$4" rbd/bench-a \
      > "$WORK/rbd-bench.out"; } 2> "$WORK/rbd-bench.time"
  awk -v size="$2" -v cpu="$(awk '{ print $1 + $2 }' "$WORK/rbd-bench.time")" \
    'BEGIN { m = size + 0; u = substr(size, length(size)); m *= (u == "M") ? 1 : (u == "K") ? 1 / 1024 : 1 / 1048576 }
      /^elapsed/ { for (i = 1; i <= NF; i++) if ($i == "ops/sec:") o = $(i + 1) } END { printf "%s %.1f %s\n", o, o * m, cpu }' "$WORK/rbd-bench.out"
}

rbd_fio_side() { # BS RW TOTAL METRIC(jq): the figure from fio on volumes/bench-b
  run_child fio --name=rbd --filename="$RBD_VOLS/bench-b" --ioengine=libaio --direct=1 --iodepth=16 --bs="$1" --rw="$2" \
    --size=1G --io_size="$3" --randrepeat=0 --output-format=json --output="$WORK/rbd-fio.json"
  jq -r "$4 | . * 10 | round / 10" "$WORK/rbd-fio.json"
}

rbd_figure() { # FIGURE UNIT RBD_TYPE SIZE TOTAL PATTERN FIO_BS FIO_RW FIO_TOTAL
  local figure=$1 unit=$2 ops bw cpu v before after
  wait_quiet
  read -r ops bw cpu < <(rbd_bench_side "$3" "$4" "$5" "$6")
  if [ "$unit" = IOPS ]; then v=$ops; else v=$bw; fi
  record "$figure" rbd "$v" "$unit" higher client_cpu_s "$cpu"
  say "  $figure rbd: $v $unit"
  wait_quiet
  before=$(cpu_seconds "$RBD_SFS_PID")
  case "$8" in
    *write) v=$(rbd_fio_side "$7" "$8" "$9" "$( [ "$unit" = IOPS ] && echo .jobs[0].write.iops || echo '.jobs[0].write.bw_bytes / 1048576')") ;;
    *)      v=$(rbd_fio_side "$7" "$8" "$9" "$( [ "$unit" = IOPS ] && echo .jobs[0].read.iops || echo '.jobs[0].read.bw_bytes / 1048576')") ;;
  esac
  after=$(cpu_seconds "$RBD_SFS_PID")
  record "$figure" storagefs "$v" "$unit" higher daemon_cpu_s "$(cpu_delta "$before" "$after")"
  say "  $figure storagefs: $v $unit"
}

bench_rbd() {
  local b="$WORK/rbd" mnt="$WORK/rbd/mnt" round uuid t0 t1
  step "rbd: volumes/ through librbd vs rbd bench and rbd import on the same cluster, $ROUNDS round(s)"
  need_packages fio:fio jq:jq
  mkdir -p "$b"
  ceph_start "$b/ceph"
  SFS_WRAP=("${CEPH_ENTER[@]}")
  start_mount sfs-rbd "$mnt"
  SFS_WRAP=()
  RBD_SFS_PID=$SFS_PID
  uuid=$(cat /proc/sys/kernel/random/uuid)
  sfs_write "$mnt/secrets/define" "<secret ephemeral='no' private='yes'><uuid>$uuid</uuid><usage type='ceph'><name>bench</name></usage></secret>"
  sfs_write "$mnt/secrets/$uuid/value" "$CEPH_KEY"
  sfs_write "$mnt/define" "<pool type='rbd'><name>ceph</name><source><name>rbd</name><host name='127.0.0.1' port='3300'/><auth type='ceph' username='admin'><secret uuid='$uuid'/></auth></source></pool>"
  sfs_write "$mnt/pools/ceph/ctl" start
  RBD_VOLS="$mnt/pools/ceph/volumes"
  head -c 1G /dev/urandom > "$b/src.raw"
  for ((round = 1; round <= ROUNDS; round++)); do
    say "round $round/$ROUNDS"
    rbd_tool rm --no-progress rbd/bench-a >/dev/null 2>&1 || true
    rbd_tool rm --no-progress rbd/bench-b >/dev/null 2>&1 || true
    rbd_tool create --size 1G rbd/bench-a
    rbd_tool create --size 1G rbd/bench-b
    sfs_write "$mnt/pools/ceph/ctl" refresh
    rbd_figure rbd-seqwrite-4M MiB/s write 4M 1G seq 4M write 1G
    rbd_figure rbd-seqread-4M MiB/s read 4M 1G seq 4M read 1G
    rbd_figure rbd-randwrite-4K IOPS write 4K 128M rand 4k randwrite 128M
    rbd_figure rbd-randread-4K IOPS read 4K 128M rand 4k randread 128M
    rbd_tool rm --no-progress rbd/bench-imp >/dev/null 2>&1 || true
    rm -f "$RBD_VOLS/bench-cp" 2>/dev/null || rbd_tool rm --no-progress rbd/bench-cp >/dev/null 2>&1 || true
    wait_quiet
    t0=$EPOCHREALTIME
    rbd_tool import --no-progress "$b/src.raw" rbd/bench-imp
    t1=$EPOCHREALTIME
    record rbd-cp-1G rbd "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", 1024 / (b - a) }')" MiB/s higher
    wait_quiet
    t0=$EPOCHREALTIME
    cp "$b/src.raw" "$RBD_VOLS/bench-cp"
    t1=$EPOCHREALTIME
    record rbd-cp-1G storagefs "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", 1024 / (b - a) }')" MiB/s higher
    say "  rbd-cp-1G: rbd import $(tail -n 2 "$RAW" | head -n 1 | cut -d' ' -f3), cp $(tail -n 1 "$RAW" | cut -d' ' -f3) MiB/s"
    rbd_tool export --no-progress rbd/bench-cp - | cmp - "$b/src.raw" || die "rbd: the image written by cp differs from the file"
  done
  stop_daemon "$RBD_SFS_PID" "$mnt"
}
