# shellcheck shell=bash
# The image toolbox of a volume's ctl (docs/TREE.md "The image toolbox"): archive and restore of a 2 GiB raw volume
# (half data, half holes) against the host pipeline with the same compressor, and clone with
# reflink against clone by copy on an xfs loop.
#
# The volume: 2 GiB, 16 data extents of 64 MiB (real binaries from /usr, compressible as a
# disk image is) each followed by a 64 MiB hole. Per round and compressor (zstd, gzip):
#   archive  storagefs: `archive POOL/v.EXT compress=C` in vol/v.raw/ctl
#            host:      dd if=v.raw bs=1M | C -c > v.EXT           (the tool's default level, as ours)
#   restore  storagefs: `restore POOL/v.EXT` in vol/r.raw/ctl (r.raw 2 GiB)
#            host:      C -d -c v.EXT | dd of=r.raw bs=1M conv=sparse,notrunc
# figure toolbox-archive-C / toolbox-restore-C in MiB/s of the volume's 2048 MiB (wall time,
# caches dropped first). TOOLBOX_COMPRESSORS="zstd gzip xz lzop" (environment) picks others.
# Clone: a 2 GiB raw, all data (the sample 32 times), on an xfs (reflink=1) loop, `clone c.raw
# reflink` vs `clone c.raw copy`, figure toolbox-clone-2g in ms (targets reflink, copy; caches
# dropped first).

toolbox_time() { # FIGURE TARGET PID COMMAND...: MiB/s of the 2 GiB volume for one run
  local figure=$1 target=$2 pid=$3; shift 3
  local t0 secs value before after
  wait_quiet
  drop_caches 3
  before=$( [ -n "$pid" ] && cpu_seconds "$pid" || echo 0)
  t0=$EPOCHREALTIME
  "$@"
  secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
  after=$( [ -n "$pid" ] && cpu_seconds "$pid" || echo 0)
  value=$(awk -v s="$secs" 'BEGIN { printf "%.1f", 2048 / s }')
  record "$figure" "$target" "$value" MiB/s higher daemon_cpu_s "$(cpu_delta "$before" "$after")"
  say "  $figure $target: $value MiB/s ($secs s)"
}

toolbox_host_archive() { dd if="$1" bs=1M status=none | "$2" -c > "$3"; }
toolbox_host_restore() { "$2" -d -c "$1" | dd of="$3" bs=1M conv=sparse,notrunc status=none; }

bench_toolbox() {
  local b="$WORK/toolbox" mnt="$WORK/toolbox/mnt" i round c ext loop
  step "toolbox: archive/restore of a 2 GiB raw (half holes) vs the host pipeline; clone reflink vs copy, $ROUNDS round(s)"
  need_packages zstd:zstd mkfs.xfs:xfsprogs filefrag:e2fsprogs
  mkdir -p "$b/pool"
  start_mount sfs-toolbox "$mnt"
  local sfs_pid=$SFS_PID
  sfs_write "$mnt/define" "<pool type='dir'><name>tb</name><target><path>$b/pool</path></target></pool>"
  sfs_write "$mnt/pools/tb/ctl" start
  # 64 MiB of binaries, the data of every extent.
  { cat /usr/lib/x86_64-linux-gnu/*.so* /usr/bin/* 2>/dev/null || true; } | head -c 64M > "$b/sample" || true
  [ "$(stat -c %s "$b/sample")" = 67108864 ] || die "toolbox: could not gather 64 MiB of binaries for the sample"
  truncate -s 2G "$b/pool/v.raw"
  for ((i = 0; i < 16; i++)); do
    dd if="$b/sample" of="$b/pool/v.raw" bs=1M seek=$((i * 128)) conv=notrunc status=none
  done
  truncate -s 2G "$b/pool/r.raw" "$b/host-r.raw"
  sfs_write "$mnt/pools/tb/ctl" refresh
  for ((round = 1; round <= ROUNDS; round++)); do
    for c in ${TOOLBOX_COMPRESSORS:-zstd gzip}; do
      ext=$c
      say "round $round/$ROUNDS: $c"
      rm -f "$b/pool/v.$ext" "$b/host-v.$ext"
      sfs_write "$mnt/pools/tb/ctl" refresh
      toolbox_time "toolbox-archive-$c" storagefs "$sfs_pid" sfs_write "$mnt/pools/tb/vol/v.raw/ctl" "archive tb/v.$ext compress=$c"
      toolbox_time "toolbox-archive-$c" host "" toolbox_host_archive "$b/pool/v.raw" "$c" "$b/host-v.$ext"
      toolbox_time "toolbox-restore-$c" storagefs "$sfs_pid" sfs_write "$mnt/pools/tb/vol/r.raw/ctl" "restore tb/v.$ext"
      toolbox_time "toolbox-restore-$c" host "" toolbox_host_restore "$b/host-v.$ext" "$c" "$b/host-r.raw"
      cmp "$b/pool/r.raw" "$b/pool/v.raw" || die "toolbox: restored volume differs from the original"
      say "  sizes: storagefs $(stat -c %s "$b/pool/v.$ext"), host $(stat -c %s "$b/host-v.$ext")"
      rm -f "$b/pool/v.$ext" "$b/host-v.$ext"
    done
  done
  # Clone on xfs: a loop device of 6 GiB with a 2 GiB data volume and its copy.
  truncate -s 6G "$b/xfs.img"
  loop=$(losetup --find --show "$b/xfs.img")
  BENCH_LOOPS+=("$loop")
  mkfs.xfs -q -f "$loop"
  mkdir -p "$b/xfs"
  mount "$loop" "$b/xfs"
  BENCH_MOUNTS+=("$b/xfs")
  mkdir -p "$b/xfs/pool"
  sfs_write "$mnt/define" "<pool type='dir'><name>tbx</name><target><path>$b/xfs/pool</path></target></pool>"
  sfs_write "$mnt/pools/tbx/ctl" start
  for ((i = 0; i < 32; i++)); do cat "$b/sample"; done > "$b/xfs/pool/c.raw"
  sfs_write "$mnt/pools/tbx/ctl" refresh
  for ((round = 1; round <= ROUNDS; round++)); do
    for c in reflink copy; do
      wait_quiet
      drop_caches 3
      local t0=$EPOCHREALTIME
      sfs_write "$mnt/pools/tbx/vol/c.raw/ctl" "clone c-$c.raw $c"
      local ms; ms=$(ms_since "$t0")
      record toolbox-clone-2g "$c" "$ms" ms lower
      say "  toolbox-clone-2g $c: $ms ms ($(filefrag "$b/xfs/pool/c-$c.raw" | cut -d: -f2), shared: $(filefrag -v "$b/xfs/pool/c-$c.raw" | grep -c shared))"
      sfs_write "$mnt/pools/tbx/vol/c-$c.raw/ctl" "delete c-$c.raw"
    done
  done
  sfs_write "$mnt/pools/tbx/ctl" stop
  sfs_write "$mnt/pools/tb/ctl" stop
  stop_daemon "$sfs_pid" "$mnt"
  umount "$b/xfs"
}
