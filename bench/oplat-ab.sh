#!/usr/bin/env bash
# A/B of the synchronous FUSE round trip between builds and transports: one `storagefs demo`
# mount per variant (1,000 files in many/), then rounds of bench/oplat getxattr and stat
# (20,000 operations each) on every mount, the mounts' order rotated per round so that load
# hits all alike. Per variant and operation: the median ns per operation over the rounds and
# the daemon's CPU per operation (from /proc/PID/stat, 10 ms ticks: coarse).
#
#   sudo bench/oplat-ab.sh ROUNDS NAME:DLL:URING[:VAR=VALUE] ...
#     DLL    a storagefs.dll (a Release build), URING on|off, VAR=VALUE one environment variable
#
#   e.g. sudo flock /work/bench.lock bench/oplat-ab.sh 10 \
#          dev:src/StorageFs/bin/Release/net10.0/storagefs.dll:off \
#          ring:src/StorageFs/bin/Release/net10.0/storagefs.dll:on
set -uo pipefail
BENCH_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
[ $# -ge 2 ] || { sed -n '2,/^set -uo/p' "${BASH_SOURCE[0]}" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2; }
ROUNDS=$1
shift
W=$(mktemp -d /var/tmp/storagefs-oplat-ab.XXXXXX)
OPLAT=$W/oplat
gcc -O2 -Wall -o "$OPLAT" "$BENCH_DIR/oplat.c" || exit 1
NAMES=() PIDS=() MNTS=()
cleanup() {
  local p m
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  sleep 1
  for m in "${MNTS[@]}"; do mountpoint -q "$m" && umount -l "$m"; done
  rm -rf "$W"
}
trap cleanup EXIT
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for v in "$@"; do
  IFS=: read -r name dll uring envv <<< "$v"
  mkdir -p "$W/$name"
  env ${envv:+"$envv"} dotnet "$dll" demo "$W/$name" --uring "$uring" --populate 1000 > "$W/$name.log" 2>&1 &
  PIDS+=($!) NAMES+=("$name") MNTS+=("$W/$name")
  for _ in $(seq 150); do [ -e "$W/$name/many/file000999" ] && break; sleep 0.2; done
  echo "$name: $(grep -h -m1 'FUSE transport' "$W/$name.log" || echo 'did not mount')"
done
echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
n=${#NAMES[@]}
for ((r = 1; r <= ROUNDS; r++)); do
  for op in getxattr stat; do
    for ((j = 0; j < n; j++)); do
      k=$(((j + r) % n))
      c0=$(cpu_ticks "${PIDS[k]}")
      out=$("$OPLAT" "$op" "${MNTS[k]}/many" 20000)
      c1=$(cpu_ticks "${PIDS[k]}")
      echo "$r $op ${NAMES[k]} $(sed -nE 's/.*ns_per_op=([0-9.]+).*/\1/p' <<< "$out") $(((c1 - c0) * 10000000 / 20000))"
    done
  done
done > "$W/raw"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)"
for op in getxattr stat; do
  for name in "${NAMES[@]}"; do
    awk -v op="$op" -v name="$name" '$2 == op && $3 == name { print $4, $5 }' "$W/raw" | sort -n |
      awk -v op="$op" -v name="$name" '{ v[NR] = $1; c += $2 } END {
        m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
        printf "%-9s %-10s median %8.0f ns/op  daemon cpu %6.0f ns/op  (%d rounds)\n", op, name, m, c / NR, NR }'
  done
done
