# shellcheck shell=bash
# Items: `ls` of an fspool's items/ holding $NFILES items (directories) against `ls` of the host
# directory, and against `ls` of a dir pool's volumes/ holding $NFILES volumes (listing
# items re-reads the host as listing volumes does, at no more cost).
#   direct             ls $WORK/items/host                      (the fspool's directory)
#   storagefs          ls MNT/fspools/it/items
#   storagefs-volumes  ls MNT/pools/vols/volumes                ($NFILES empty volume files)
# Warm hyperfine runs of `ls DIR` (sorted, one name a line, as typed):
#   items-ls           the directory unchanged since the last listing (the daemon sees an
#                      unchanged, settled mtime and skips re-reading the host)
#   items-ls-changed   an entry made and removed on the host before every run (--prepare), so
#                      every listing re-reads the host: items read names only, volumes re-read
#                      the pool (a stat and probe per volume)

bench_items() {
  local t="$WORK/items" mnt="$WORK/items/mnt" host="$WORK/items/host" vols="$WORK/items/vols"
  step "items: ls of $NFILES items through storagefs mount against the host directory and volumes/"
  mkdir -p "$host" "$vols"
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "item%06d\n", i }' | (cd "$host" && xargs mkdir)
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "vol%06d.raw\n", i }' | (cd "$vols" && xargs touch)
  sync

  start_mount sfs-items "$mnt"
  local pid=$SFS_PID
  sfs_write "$mnt/define" "<fspool type='dir'><name>it</name><target><path>$host</path></target></fspool>"
  sfs_write "$mnt/fspools/it/ctl" start
  sfs_write "$mnt/define" "<pool type='dir'><name>vols</name><target><path>$vols</path></target></pool>"
  sfs_write "$mnt/pools/vols/ctl" start
  local n
  n=$(ls "$mnt/fspools/it/items" | wc -l)
  [ "$n" = "$NFILES" ] || die "items/ lists $n items, expected $NFILES"
  n=$(ls "$mnt/pools/vols/volumes" | wc -l)
  [ "$n" = "$NFILES" ] || die "volumes/ lists $n volumes, expected $NFILES"
  # Let the directories' mtimes settle (over a second old), as a long-lived pool's are.
  sleep 1.5

  local x name p dir targets=(
    "direct||$host|$host"
    "storagefs|$pid|$mnt/fspools/it/items|$host"
    "storagefs-volumes|$pid|$mnt/pools/vols/volumes|$vols"
  )
  for x in "${targets[@]}"; do
    IFS='|' read -r name p dir _ <<< "$x"
    hyper items-ls "$name" "$p" "$META_RUNS" "$META_WARMUP" "" "ls $dir"
  done
  for x in "${targets[@]}"; do
    IFS='|' read -r name p dir hostdir <<< "$x"
    hyper items-ls-changed "$name" "$p" "$META_RUNS" "$META_WARMUP" "sh -c 'mkdir $hostdir/zz-new && rmdir $hostdir/zz-new'" "ls $dir"
  done
  # A directory made on the host is listed by the very next ls (what the figures above pay for).
  mkdir "$host/zz-made-on-host"
  ls "$mnt/fspools/it/items" | grep -qx zz-made-on-host || die "an item made on the host is not listed"
  rmdir "$host/zz-made-on-host"
  ! ls "$mnt/fspools/it/items" | grep -qx zz-made-on-host || die "an item removed on the host is still listed"

  stop_daemon "$pid" "$mnt"
}
