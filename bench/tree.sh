# shellcheck shell=bash
# Data and metadata through the real tree (`storagefs mount`), against the host directly and
# bindfs over the same host directory.
#
# Data: a dir pool "data" over $WORK/tree/data holding one ${SIZE_MIB} MiB raw volume, disk.raw.
#   direct     $WORK/tree/data/disk.raw
#   storagefs  MNT/pools/data/volumes/disk.raw (FUSE passthrough when the kernel grants it)
#   bindfs     bindfs over $WORK/tree/data
# Same fio jobs as bench/data.sh (prefixed tree-): per round and target, drop caches ->
# tree-seqread-cold, tree-seqread-warm, tree-randread-4k-warm; drop caches ->
# tree-randread-4k-cold; after every target's reads, drop caches -> tree-seqwrite.
#
# Metadata: a dir pool "meta" over $WORK/tree/meta holding $NFILES empty volumes.
#   direct     $WORK/tree/meta     storagefs  MNT/pools/meta/volumes     bindfs  over the same
# Same hyperfine commands as bench/metadata.sh (prefixed tree-), cold (sync; drop dentries and
# inodes before every run) and warm:
#   tree-readdir   ls -U1 DIR       tree-ls-l   ls -l DIR
#   tree-stat-all  find DIR -type f -printf '%s %m %u %T@\n'
# and per operation (bench/oplat, one process): tree-op-stat (lstat of every volume in turn),
# tree-op-lsl (readdir + lstat of every entry, us per listing).

bench_tree() {
  local t="$WORK/tree" mnt="$WORK/tree/mnt" size="${SIZE_MIB}m"
  step "tree: data (${SIZE_MIB} MiB volume, $ROUNDS round(s)) and metadata ($NFILES volumes) through storagefs mount"
  mkdir -p "$t/data" "$t/meta"
  say "writing $t/data/disk.raw from /dev/urandom"
  dd if=/dev/urandom of="$t/data/disk.raw" bs=1M count="$SIZE_MIB" status=none
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "vol%06d.raw\n", i }' | (cd "$t/meta" && xargs touch)
  sync

  start_mount sfs-tree "$mnt"
  local sfs_pid=$SFS_PID p
  for p in data meta; do
    sfs_write "$mnt/define" "<pool type='dir'><name>$p</name><target><path>$t/$p</path></target></pool>"
    sfs_write "$mnt/pools/$p/ctl" start
  done
  grep -q "passthrough True" "$WORK/sfs-tree.log" \
    || say "warning: the kernel did not accept FUSE passthrough; storagefs figures are the daemon serving data"
  start_bindfs bindfs-tree-data "$t/data" "$t/bindfs-data"
  local bfd_pid=$BINDFS_PID
  start_bindfs bindfs-tree-meta "$t/meta" "$t/bindfs-meta"
  local bfm_pid=$BINDFS_PID

  # ---- data
  local targets=(
    "direct||$t/data/disk.raw"
    "storagefs|$sfs_pid|$mnt/pools/data/volumes/disk.raw"
    "bindfs|$bfd_pid|$t/bindfs-data/disk.raw"
  )
  local round x name pid file i order
  for ((round = 1; round <= ROUNDS; round++)); do
    order=()
    for ((i = 0; i < ${#targets[@]}; i++)); do order+=("${targets[(i + round - 1) % ${#targets[@]}]}"); done
    for x in "${order[@]}"; do
      IFS='|' read -r name pid file <<< "$x"
      say "round $round/$ROUNDS, reads: $name"
      drop_caches 3
      fio_run tree-seqread-cold "$name" "$pid" "$file" --rw=read --bs=1M --size="$size"
      fio_run tree-seqread-warm "$name" "$pid" "$file" --rw=read --bs=1M --size="$size"
      fio_run tree-randread-4k-warm "$name" "$pid" "$file" --rw=randread --bs=4k --size="$size" \
        --iodepth=1 --time_based --runtime="$RAND_SECONDS"
      drop_caches 3
      fio_run tree-randread-4k-cold "$name" "$pid" "$file" --rw=randread --bs=4k --size="$size" \
        --iodepth=1 --time_based --runtime="$RAND_SECONDS"
    done
    for x in "${order[@]}"; do
      IFS='|' read -r name pid file <<< "$x"
      say "round $round/$ROUNDS, write: $name"
      drop_caches 3
      fio_run tree-seqwrite "$name" "$pid" "$file" --rw=write --bs=1M --size="$size" --end_fsync=1
    done
  done
  stop_daemon "$bfd_pid" "$t/bindfs-data"

  # ---- metadata
  targets=(
    "direct||$t/meta"
    "storagefs|$sfs_pid|$mnt/pools/meta/volumes"
    "bindfs|$bfm_pid|$t/bindfs-meta"
  )
  local n dir fig cmd
  for x in "${targets[@]}"; do
    IFS='|' read -r name pid dir <<< "$x"
    n=$(find "$dir" -maxdepth 1 -type f | wc -l)
    [ "$n" = "$NFILES" ] || die "$name: $dir holds $n files, expected $NFILES"
  done
  local drop="sh -c 'sync; echo 2 > /proc/sys/vm/drop_caches'"
  for fig in readdir ls-l stat-all; do
    for x in "${targets[@]}"; do
      IFS='|' read -r name pid dir <<< "$x"
      case "$fig" in
        readdir) cmd="ls -U1 $dir" ;;
        ls-l) cmd="ls -l $dir" ;;
        stat-all) cmd="find $dir -type f -printf '%s %m %u %T@\\n'" ;;
      esac
      hyper "tree-$fig-cold" "$name" "$pid" "$META_RUNS" 0 "$drop" "$cmd"
      hyper "tree-$fig-warm" "$name" "$pid" "$META_RUNS" "$META_WARMUP" "" "$cmd"
    done
  done
  for ((round = 1; round <= META_ROUNDS; round++)); do
    for x in "${targets[@]}"; do
      IFS='|' read -r name pid dir <<< "$x"
      oplat_run tree-op-stat "$name" "$pid" stat "$dir" "$OPLAT_OPS"
      oplat_run tree-op-lsl "$name" "$pid" lsl "$dir" "$TREE_LSL_OPS"
    done
  done

  stop_daemon "$sfs_pid" "$mnt"
  stop_daemon "$bfm_pid" "$t/bindfs-meta"
  rm -f "$t/data/disk.raw"
}
