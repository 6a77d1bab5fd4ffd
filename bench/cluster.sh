# shellcheck shell=bash
# The cost of the cluster's volume leases (docs/CLUSTER.md): open + close of a volume, for writing and
# for reading, in a cluster-wide pool against local pools on the same kind of storage.
#
# A private etcd (one member, data under $WORK: a real disk, so each raft commit pays a WAL
# fsync as a production store does) and a private tgtd (its own mount namespace, two targets of
# one 64 MiB LUN) on 127.0.0.1; one `storagefs mount` in a cluster of its own with:
#   shared  an iscsi-direct pool on target 1, cluster-wide (<storagefs:cluster/>)
#   local   an iscsi-direct pool on target 2 (same daemon, same kind of LUN, no lease)
#   dir     a dir pool with a 64 MiB raw file (passthrough)
# CLUSTER_OPENS (default 200; --quick 50) opens, each followed by its close, one after the
# other, timed in one python process; figures in ms (median of the opens, p90 beside it):
#   cluster-open-write  targets shared (lease take at open, release at last close), local, dir
#   cluster-open-read   targets shared (read-only: no lease), local
#   cluster-lease       target take+release: shared write minus local write (medians)

cluster_free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

bench_cluster() {
  local b="$WORK/cluster" mnt="$WORK/cluster/mnt" opens=${CLUSTER_OPENS:-200} cport pport tport etcd_pid tgt_pid n line
  [ "$QUICK" = 1 ] && opens=${CLUSTER_OPENS:-50}
  step "cluster: open + close of a volume with and without a cluster lease, $opens opens each"
  need_packages etcd:etcd-server tgtd:tgt iscsi-ls:libiscsi-bin python3:python3
  mkdir -p "$b/etcd" "$b/dir"
  cport=$(cluster_free_port); pport=$(cluster_free_port); tport=$(cluster_free_port)
  etcd --name bench --data-dir "$b/etcd" --listen-client-urls "http://127.0.0.1:$cport" --advertise-client-urls "http://127.0.0.1:$cport" \
    --listen-peer-urls "http://127.0.0.1:$pport" --initial-advertise-peer-urls "http://127.0.0.1:$pport" \
    --initial-cluster "bench=http://127.0.0.1:$pport" --log-level warn > "$WORK/cluster-etcd.log" 2>&1 &
  etcd_pid=$!
  BENCH_PIDS+=("$etcd_pid")
  unshare --mount --propagation private sh -c \
    "mount -t tmpfs -o mode=0755,size=1m storagefs-tgt /run && exec tgtd -f -C 0 --iscsi portal=127.0.0.1:$tport" > "$WORK/cluster-tgtd.log" 2>&1 &
  tgt_pid=$!
  BENCH_PIDS+=("$tgt_pid")
  for ((n = 0; n < 200; n++)); do
    python3 -c "import urllib.request, sys; sys.exit(0 if b'true' in urllib.request.urlopen('http://127.0.0.1:$cport/health', timeout=1).read() else 1)" 2>/dev/null &&
      nsenter --mount="/proc/$tgt_pid/ns/mnt" tgtadm --lld iscsi --mode portal --op show >/dev/null 2>&1 && break
    sleep 0.1
  done
  local t
  for t in 1 2; do
    truncate -s 64M "$b/lun$t"
    nsenter --mount="/proc/$tgt_pid/ns/mnt" tgtadm --lld iscsi --op new --mode target --tid "$t" -T "iqn.2026-12.org.storagefs:bench$t"
    nsenter --mount="/proc/$tgt_pid/ns/mnt" tgtadm --lld iscsi --op new --mode logicalunit --tid "$t" --lun 1 -b "$b/lun$t"
    nsenter --mount="/proc/$tgt_pid/ns/mnt" tgtadm --lld iscsi --op bind --mode target --tid "$t" -I ALL
  done
  BENCH_CONFIG="\"cluster\": { \"endpoints\": [\"http://127.0.0.1:$cport\"], \"name\": \"bench\", \"host\": \"h1\", \"leaseTtl\": 10 }${BENCH_CONFIG:+, $BENCH_CONFIG}" \
    start_mount sfs-cluster "$mnt"
  local sfs_pid=$SFS_PID
  for t in shared local; do
    local tid=1 el="<storagefs:cluster autostart='no'/>"
    [ "$t" = local ] && { tid=2; el=""; }
    # A cluster-wide pool is defined (never created transient), then started.
    sfs_write "$mnt/define" "<pool type='iscsi-direct' xmlns:storagefs='urn:storagefs:cluster:1.0'><name>$t</name><source><host name='127.0.0.1' port='$tport'/><device path='iqn.2026-12.org.storagefs:bench$tid'/><initiator><iqn name='iqn.2026-12.org.storagefs:benchhost'/></initiator></source>$el</pool>"
    sfs_write "$mnt/pools/$t/ctl" start
  done
  sfs_write "$mnt/create" "<pool type='dir'><name>dir</name><target><path>$b/dir</path></target></pool>"
  truncate -s 64M "$b/dir/v.raw"
  sfs_write "$mnt/pools/dir/ctl" refresh
  for ((n = 0; n < 200; n++)); do [ -e "$mnt/pools/shared/volumes/unit:0:0:1" ] && break; sleep 0.1; done
  wait_quiet
  # One line per case: "NAME median_ms p90_ms".
  python3 - "$opens" "$mnt" > "$b/times" <<'PY'
import os, sys, time
n, m = int(sys.argv[1]), sys.argv[2]
cases = [("write shared", "pools/shared/volumes/unit:0:0:1", os.O_WRONLY),
         ("write local", "pools/local/volumes/unit:0:0:1", os.O_WRONLY),
         ("write dir", "pools/dir/volumes/v.raw", os.O_WRONLY),
         ("read shared", "pools/shared/volumes/unit:0:0:1", os.O_RDONLY),
         ("read local", "pools/local/volumes/unit:0:0:1", os.O_RDONLY)]
for name, path, flags in cases:
    p = os.path.join(m, path)
    os.close(os.open(p, flags))
    t = []
    for _ in range(n):
        a = time.perf_counter()
        os.close(os.open(p, flags))
        t.append((time.perf_counter() - a) * 1000)
    t.sort()
    print(name, "%.3f" % t[len(t) // 2], "%.3f" % t[int(len(t) * 0.9)])
PY
  while read -r mode target median p90; do
    record "cluster-open-$mode" "$target" "$median" ms lower p90_ms "$p90"
    say "  cluster-open-$mode $target: $median ms (p90 $p90 ms)"
  done < "$b/times"
  line=$(awk '$1 == "write" && $2 == "shared" { s = $3 } $1 == "write" && $2 == "local" { l = $3 } END { printf "%.3f", s - l }' "$b/times")
  record cluster-lease take+release "$line" ms lower
  say "  cluster-lease take+release: $line ms"
  stop_daemon "$sfs_pid" "$mnt"
  kill -KILL "$tgt_pid" 2>/dev/null || true
  kill -TERM "$etcd_pid" 2>/dev/null || true
  wait "$tgt_pid" "$etcd_pid" 2>/dev/null || true
}
