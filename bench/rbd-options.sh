#!/usr/bin/env bash
# A/B of librbd options (and of builds) on rbd volumes, alternating within one run so that both
# sides see the same load: one private Ceph (bench/ceph.sh), one `storagefs mount` per build,
# one rbd pool per variant on a Ceph pool of its own (so the variants are not duplicate sources)
# with the variant's <rbd:config_opts>, one pre-filled 1 GiB image per variant. Each round runs,
# per phase, `rbd bench` (16 threads) on an image of its own, then fio (libaio, O_DIRECT, queue
# depth 16) on every variant's volume, the variants' order rotated per round. Per run it prints
# the figure (IOPS, or MiB/s for seq*), the CPU seconds and the context switches of the process
# holding librbd (`rbd bench`, or the daemon; summed over its threads), then per variant the
# means and the mean ratio to `rbd bench` of the same round.
#
#   sudo bench/rbd-options.sh on|off ROUNDS PHASES VARIANT...
#     on|off   the FUSE transport (io_uring, or /dev/fuse)
#     PHASES   comma-separated: randread, randwrite (4 KiB, 128 MiB), seqread, seqwrite (4 MiB, 1 GiB)
#     VARIANT  NAME:DLLDIR:OPTION=VALUE,...  (DLLDIR holds storagefs.dll; options may be empty)
#
#   e.g. sudo bench/rbd-options.sh on 8 randread,randwrite \
#          base:src/StorageFs/bin/Release/net10.0: \
#          nba:src/StorageFs/bin/Release/net10.0:rbd_non_blocking_aio=false
set -euo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=bench/lib.sh
. "$BENCH_DIR/lib.sh"
# shellcheck source=bench/ceph.sh
. "$BENCH_DIR/ceph.sh"
[ $# -ge 4 ] || { sed -n '2,/^set -euo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2; }
[ "$(id -u)" = 0 ] || die "run as root"
BENCH_URING=$1 ROUNDS=$2 PHASES=$3
shift 3
VARIANTS=("$@")
bench_traps
need_packages fio:fio jq:jq gcc:gcc
WORK=$(mktemp -d /var/tmp/storagefs-rbdopts.XXXXXX)
RAW=$WORK/raw.txt
: > "$RAW"
OPLAT="$WORK/oplat"
gcc -O2 -Wall -o "$OPLAT" "$BENCH_DIR/oplat.c"
say "load average at start: $(cut -d' ' -f1-3 /proc/loadavg); CPU idle: $(idle_percent)%"
ceph_start "$WORK/ceph"

switches() { { cat /proc/"$1"/task/*/status 2>/dev/null || true; } | awk '/ctxt_switches/ { s += $2 } END { print s + 0 }'; }
rbd_tool() { "${CEPH_ENTER[@]}" rbd -c "$CEPH_CONF" "$@"; }
ceph_tool() { "${CEPH_ENTER[@]}" ceph -c "$CEPH_CONF" "$@"; }

declare -A PID_OF MNT_OF SECRET_OF
VOL_OF=() PIDV=()
n=0
for v in "${VARIANTS[@]}"; do
  IFS=: read -r name dll opts <<< "$v"
  [ -f "$dll/storagefs.dll" ] || die "$dll/storagefs.dll is missing"
  if [ -z "${MNT_OF[$dll]:-}" ]; then
    n=$((n + 1))
    STORAGEFS_DLL=$dll/storagefs.dll
    SFS_WRAP=("${CEPH_ENTER[@]}")
    start_mount "sfs$n" "$WORK/mnt$n"
    SFS_WRAP=()
    PID_OF[$dll]=$SFS_PID
    MNT_OF[$dll]=$WORK/mnt$n
    uuid=$(cat /proc/sys/kernel/random/uuid)
    sfs_write "$WORK/mnt$n/secrets/define" "<secret ephemeral='no' private='yes'><uuid>$uuid</uuid><usage type='ceph'><name>bench$n</name></usage></secret>"
    sfs_write "$WORK/mnt$n/secrets/$uuid/value" "$CEPH_KEY"
    SECRET_OF[$dll]=$uuid
  fi
  mnt=${MNT_OF[$dll]}
  xo=""
  if [ -n "$opts" ]; then
    xo="<rbd:config_opts>"
    IFS=, read -ra kv <<< "$opts"
    for o in "${kv[@]}"; do xo+="<rbd:option name='${o%%=*}' value='${o#*=}'/>"; done
    xo+="</rbd:config_opts>"
  fi
  ceph_tool osd pool create "p-$name" 8 8 replicated >/dev/null 2>&1
  ceph_tool osd pool set "p-$name" size 1 --yes-i-really-mean-it >/dev/null 2>&1
  rbd_tool pool init "p-$name"
  rbd_tool create --size 1G "p-$name/img-$name"
  sfs_write "$mnt/define" "<pool type='rbd' xmlns:rbd='http://libvirt.org/schemas/storagepool/rbd/1.0'><name>$name</name><source><name>p-$name</name><host name='127.0.0.1' port='3300'/><auth type='ceph' username='admin'><secret uuid='${SECRET_OF[$dll]}'/></auth></source>$xo</pool>"
  sfs_write "$mnt/pools/$name/ctl" start
  VOL_OF+=("$mnt/pools/$name/volumes/img-$name")
  PIDV+=("${PID_OF[$dll]}")
done
rbd_tool create --size 1G rbd/bench-a
rbd_tool bench --io-type write --io-size 4M --io-threads 16 --io-total 1G --io-pattern seq rbd/bench-a >/dev/null
for vol in "${VOL_OF[@]}"; do
  run_child fio --name=fill --filename="$vol" --ioengine=libaio --direct=1 --iodepth=16 --bs=4M --rw=write --size=1G >/dev/null
done

nv=${#VARIANTS[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for ph in ${PHASES//,/ }; do
    case $ph in
      randread) io=read bs=4K total=128M pattern=rand rw=randread ;;
      randwrite) io=write bs=4K total=128M pattern=rand rw=randwrite ;;
      seqread) io=read bs=4M total=1G pattern=seq rw=read ;;
      seqwrite) io=write bs=4M total=1G pattern=seq rw=write ;;
      *) die "unknown phase $ph" ;;
    esac
    wait_quiet
    run_child "${CEPH_ENTER[@]}" /usr/bin/time -o "$WORK/rbd.time" -f "%U %S %w %c" rbd -c "$CEPH_CONF" bench --io-type $io \
      --io-size $bs --io-threads 16 --io-total $total --io-pattern $pattern rbd/bench-a > "$WORK/rbd.out"
    v=$(awk -v seq=$([ $pattern = seq ] && echo 1 || echo 0) '/^elapsed/ { for (i = 1; i <= NF; i++) if ($i == "ops/sec:") o = $(i + 1) }
      END { printf "%.1f\n", seq ? o * 4 : o }' "$WORK/rbd.out")
    echo "$r $ph rbd $v $(awk '{ printf "%.2f %d\n", $1 + $2, $3 + $4 }' "$WORK/rbd.time")" | tee -a "$RAW"
    for ((j = 0; j < nv; j++)); do
      k=$(((j + r) % nv))
      name=${VARIANTS[k]%%:*}
      pid=${PIDV[k]}
      wait_quiet
      c0=$(cpu_seconds "$pid") s0=$(switches "$pid")
      run_child fio --name=x --filename="${VOL_OF[k]}" --ioengine=libaio --direct=1 --iodepth=16 --bs=$bs --rw=$rw --size=1G \
        --io_size=$total --randrepeat=0 --output-format=json --output="$WORK/fio.json"
      c1=$(cpu_seconds "$pid") s1=$(switches "$pid")
      v=$(jq -r "if \"$pattern\" == \"seq\" then .jobs[0].$io.bw_bytes / 1048576 else .jobs[0].$io.iops end | . * 10 | round / 10" "$WORK/fio.json")
      echo "$r $ph $name $v $(cpu_delta "$c0" "$c1") $((s1 - s0))" | tee -a "$RAW"
    done
  done
done
say "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
# Per phase and side: means of the figure, CPU and switches; per variant the mean of its ratio
# to rbd bench's figure of the same round.
awk '{ k = $2 " " $3; s[k] += $4; c[k] += $5; w[k] += $6; n[k]++
       if ($3 == "rbd") ref[$1 " " $2] = $4; else q[k] += (ref[$1 " " $2] > 0) ? $4 / ref[$1 " " $2] : 0 }
     END { for (k in s) { split(k, p, " ")
       printf "%-9s %-10s figure %9.1f  cpu %5.2f s  switches %7d  %s\n", p[1], p[2], s[k] / n[k], c[k] / n[k], w[k] / n[k],
         p[2] == "rbd" ? "" : sprintf("ratio %.2f", q[k] / n[k]) } }' "$RAW" | sort
