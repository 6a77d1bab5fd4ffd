# shellcheck shell=bash
# Metadata: a directory of $NFILES empty files through three targets.
#   direct     a host directory of $NFILES empty files (reference)
#   storagefs  storagefs demo --populate $NFILES: many/ (in-memory nodes)
#   bindfs     bindfs (libfuse, defaults) over the host directory
# Figures, each timed by hyperfine (median):
#   readdir   ls -U1 DIR         names only (getdents; READDIRPLUS through FUSE)
#   ls-l      ls -l DIR          readdir + statx + 2 getxattr per entry (security.selinux,
#                                system.posix_acl_access: GNU ls asks for both)
#   stat-all  find DIR -type f -printf '%s %m %u %T@\n'   readdir + fstatat per entry
# -cold: sync + echo 2 > /proc/sys/vm/drop_caches before every run (dentries and inodes
#        dropped, so FUSE has to look every name up again; the host's buffer cache stays).
# -warm: after warmup runs, back to back.
# Per-operation latency (bench/oplat.c, one process, no start-up in the figure), median of
# $META_ROUNDS rounds of $OPLAT_OPS operations cycling over the entries:
#   op-getxattr  lgetxattr("security.selinux"): never cached by the kernel, a pure round trip
#   op-stat      lstat: served by the kernel while the attribute timeout holds
#   op-open      open+close: OPEN, FLUSH, RELEASE

bench_metadata() {
  local m="$WORK/meta" host="$WORK/meta/host"
  step "metadata: $NFILES entries, hyperfine $META_RUNS runs (warm: $META_WARMUP warmup)"
  mkdir -p "$host"
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "file%06d\n", i }' | (cd "$host" && xargs touch)

  local sfs_pid bf_pid
  start_storagefs sfs-meta "$m/storagefs" --populate "$NFILES"
  sfs_pid=$SFS_PID
  start_bindfs bindfs-meta "$host" "$m/bindfs"
  bf_pid=$BINDFS_PID
  local targets=(
    "direct||$host"
    "storagefs|$sfs_pid|$m/storagefs/many"
    "bindfs|$bf_pid|$m/bindfs"
  )
  local n t name pid dir
  for t in "${targets[@]}"; do
    IFS='|' read -r name pid dir <<< "$t"
    n=$(find "$dir" -maxdepth 1 -type f | wc -l)
    [ "$n" = "$NFILES" ] || die "$name: $dir holds $n files, expected $NFILES"
  done

  local drop="sh -c 'sync; echo 2 > /proc/sys/vm/drop_caches'"
  local fig cmd
  for fig in readdir ls-l stat-all; do
    for t in "${targets[@]}"; do
      IFS='|' read -r name pid dir <<< "$t"
      case "$fig" in
        readdir) cmd="ls -U1 $dir" ;;
        ls-l) cmd="ls -l $dir" ;;
        stat-all) cmd="find $dir -type f -printf '%s %m %u %T@\\n'" ;;
      esac
      hyper "$fig-cold" "$name" "$pid" "$META_RUNS" 0 "$drop" "$cmd"
      hyper "$fig-warm" "$name" "$pid" "$META_RUNS" "$META_WARMUP" "" "$cmd"
    done
  done

  local op round
  for ((round = 1; round <= META_ROUNDS; round++)); do
    for op in getxattr stat open; do
      for t in "${targets[@]}"; do
        IFS='|' read -r name pid dir <<< "$t"
        oplat_run "op-$op" "$name" "$pid" "$op" "$dir" "$OPLAT_OPS"
      done
    done
  done

  stop_daemon "$sfs_pid" "$m/storagefs"
  stop_daemon "$bf_pid" "$m/bindfs"
}
