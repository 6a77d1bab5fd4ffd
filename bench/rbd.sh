#!/usr/bin/env bash
# rbd volumes through /storage against librbd's own tools on the same cluster (issue 18):
#   bench/rbd.sh MOUNT POOL CEPHPOOL [PREFIX...]
# MOUNT is a running `storagefs mount` whose rbd pool POOL is started on Ceph pool CEPHPOOL;
# PREFIX is how to run the rbd tool against that cluster (e.g. nsenter --net=NS -- rbd -c CONF,
# default: rbd). For each figure the same work is done by `rbd bench`/`rbd import` and through
# MOUNT/pools/POOL/volumes/ (fio libaio O_DIRECT, queue depth 16; cp), on fresh 1 GiB images,
# and printed as one line: figure=… rbd=… storagefs=… unit=… ratio=storagefs/rbd.
set -euo pipefail
M=${1:?mount}; P=${2:?pool}; C=${3:?ceph pool}; shift 3
RBD=("$@"); [ ${#RBD[@]} -gt 0 ] || RBD=(rbd)
W=$(mktemp -d /var/tmp/storagefs-rbdbench.XXXXXX)
trap 'rm -rf "$W"; for i in a b imp cp; do "${RBD[@]}" rm --no-progress "$C/bench-$i" >/dev/null 2>&1 || true; done' EXIT
V="$M/pools/$P/volumes"
"${RBD[@]}" create --size 1G "$C/bench-a"
"${RBD[@]}" create --size 1G "$C/bench-b"
ls "$V" > /dev/null
bench() { "${RBD[@]}" bench --io-type "$1" --io-size "$2" --io-threads 16 --io-total "$3" --io-pattern "$4" "$C/bench-a" |
  awk '/^elapsed/ { for (i = 1; i <= NF; i++) { if ($i == "ops/sec:") o = $(i + 1); if ($i == "bytes/sec:") b = $(i + 1) } } END { print o, b }'; }
fiojob() { fio --name=x --filename="$V/bench-b" --ioengine=libaio --direct=1 --iodepth=16 --bs="$1" --rw="$2" --size=1G \
  --io_size="$3" --randrepeat=0 --output-format=terse; }
line() { awk -v f="$1" -v r="$2" -v s="$3" -v u="$4" 'BEGIN { printf "figure=%s rbd=%.0f storagefs=%.0f unit=%s ratio=%.2f\n", f, r, s, u, s / r }'; }
read -r _ bw < <(bench write 4M 1G seq); s=$(fiojob 4M write 1G | awk -F';' '{ print $48 / 1024 }'); line seqwrite-4M "$bw" "$s" MiB/s
read -r _ bw < <(bench read 4M 1G seq); s=$(fiojob 4M read 1G | awk -F';' '{ print $7 / 1024 }'); line seqread-4M "$bw" "$s" MiB/s
read -r ops _ < <(bench write 4K 128M rand); s=$(fiojob 4k randwrite 128M | awk -F';' '{ print $49 }'); line randwrite-4K "$ops" "$s" IOPS
read -r ops _ < <(bench read 4K 128M rand); s=$(fiojob 4k randread 128M | awk -F';' '{ print $8 }'); line randread-4K "$ops" "$s" IOPS
head -c 1G /dev/urandom > "$W/src.raw"
t0=$EPOCHREALTIME; "${RBD[@]}" import --no-progress "$W/src.raw" "$C/bench-imp"; t1=$EPOCHREALTIME
cp "$W/src.raw" "$V/bench-cp"; t2=$EPOCHREALTIME
"${RBD[@]}" export --no-progress "$C/bench-cp" - | cmp - "$W/src.raw"
line cp-1G "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print 1024 / (b - a) }')" "$(awk -v a="$t1" -v b="$t2" 'BEGIN { print 1024 / (b - a) }')" MiB/s
