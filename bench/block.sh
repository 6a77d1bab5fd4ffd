# shellcheck shell=bash
# A block volume's data through the real tree (`storagefs mount`) against dd on the device
# directly.
#
# A disk pool over a loop device (direct I/O on, so the loop device reads and writes its image
# file the way a disk would, outside the page cache) of ${SIZE_MIB} MiB + 8 MiB with a GPT and one
# partition of ${SIZE_MIB} MiB made through `create`:
#   direct     /dev/loopNp1
#   storagefs  MNT/pools/blk/volumes/loopNp1 (the daemon serves it: the kernel takes only
#              regular files as passthrough backing files)
# Per round and target: drop caches -> block-seqwrite (dd if=/dev/zero bs=1M conv=notrunc,fdatasync),
# drop caches -> block-seqread-cold (dd of=/dev/null bs=1M), in MiB/s from the wall time.

# dd_run FIGURE TARGET PID MIB dd-options...: one dd, its bandwidth in MiB/s recorded.
dd_run() {
  local figure=$1 target=$2 pid=$3 mib=$4; shift 4
  local before after t0 secs value
  wait_quiet
  before=$(cpu_seconds "$pid")
  t0=$EPOCHREALTIME
  run_child dd "$@" bs=1M count="$mib" status=none
  secs=$(awk -v a="$t0" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.6f", b - a }')
  after=$(cpu_seconds "$pid")
  value=$(awk -v m="$mib" -v s="$secs" 'BEGIN { printf "%.1f", m / s }')
  if [ -n "$pid" ]; then
    record "$figure" "$target" "$value" MiB/s higher daemon_cpu_s "$(cpu_delta "$before" "$after")"
  else
    record "$figure" "$target" "$value" MiB/s higher
  fi
  say "  $figure $target: $value MiB/s"
}

bench_block() {
  local b="$WORK/block" mnt="$WORK/block/mnt" loop part
  step "block: ${SIZE_MIB} MiB partition of a disk pool on a loop device, $ROUNDS round(s), through storagefs mount vs the device"
  need_packages parted:parted
  mkdir -p "$b"
  truncate -s "$((SIZE_MIB + 8))M" "$b/disk.img"
  loop=$(losetup --find --show --direct-io=on "$b/disk.img")
  BENCH_LOOPS+=("$loop")
  start_mount sfs-block "$mnt"
  local sfs_pid=$SFS_PID
  sfs_write "$mnt/define" "<pool type='disk'><name>blk</name><source><device path='$loop'/><format type='gpt'/></source><target><path>/dev</path></target></pool>"
  sfs_write "$mnt/pools/blk/ctl" build
  sfs_write "$mnt/pools/blk/ctl" start
  part=$(basename "$loop")p1
  sfs_write "$mnt/pools/blk/create" "<volume><name>$part</name><capacity unit='MiB'>$SIZE_MIB</capacity></volume>"
  dd if=/dev/urandom of="/dev/$part" bs=1M count="$SIZE_MIB" status=none
  local targets=("direct||/dev/$part" "storagefs|$sfs_pid|$mnt/pools/blk/volumes/$part")
  local round x name pid file i order
  for ((round = 1; round <= ROUNDS; round++)); do
    order=()
    for ((i = 0; i < ${#targets[@]}; i++)); do order+=("${targets[(i + round - 1) % ${#targets[@]}]}"); done
    for x in "${order[@]}"; do
      IFS='|' read -r name pid file <<< "$x"
      say "round $round/$ROUNDS: $name"
      drop_caches 3
      dd_run block-seqwrite "$name" "$pid" "$SIZE_MIB" if=/dev/zero of="$file" conv=notrunc,fdatasync
      drop_caches 3
      dd_run block-seqread-cold "$name" "$pid" "$SIZE_MIB" if="$file" of=/dev/null
    done
  done
  sfs_write "$mnt/pools/blk/ctl" stop
  stop_daemon "$sfs_pid" "$mnt"
}
