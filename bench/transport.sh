# shellcheck shell=bash
# Transport: the same storagefs demo tree served over /dev/fuse reads (--uring off, target
# devfuse, the reference) and over FUSE over io_uring (--uring on, target uring), both mounted
# at once and measured alternately, round after round, so machine load hits both alike.
# The fuse module's enable_uring parameter is turned on for the suite and restored after.
# Per-operation latency (bench/oplat.c, median of $META_ROUNDS rounds of $OPLAT_OPS operations
# cycling over $NFILES entries of many/):
#   tr-op-getxattr  lgetxattr("security.selinux"): one round trip, never cached
#   tr-op-stat      lstat (attributes cached for 1 s: mostly the kernel's cache)
#   tr-op-open      open+close: OPEN, FLUSH, RELEASE
#   tr-op-lsl       readdir + lstat of every entry of many/ (us per whole listing)
# Small files (hyperfine, median of $META_RUNS runs):
#   tr-untar        tar -xf of 5,000 files of 100 bytes in 50 directories (a tarball on the host)
#   tr-rm           rm -rf of that tree

bench_transport() {
  local m="$WORK/transport" p=/sys/module/fuse/parameters/enable_uring
  step "transport: /dev/fuse and io_uring side by side, $META_ROUNDS rounds of $OPLAT_OPS operations"
  [ -e "$p" ] || { say "transport: this kernel has no FUSE over io_uring ($p); suite skipped"; return 0; }
  if [ -z "$BENCH_URING_PARAM" ]; then BENCH_URING_PARAM=$(cat "$p"); fi
  echo Y > "$p"
  local saved=$BENCH_URING dev_pid ring_pid
  BENCH_URING=""
  start_storagefs sfs-devfuse "$m/devfuse" --populate "$NFILES" --uring off
  dev_pid=$SFS_PID
  start_storagefs sfs-uring "$m/uring" --populate "$NFILES" --uring on
  ring_pid=$SFS_PID
  BENCH_URING=$saved
  grep -q "transport io_uring" "$WORK/sfs-uring.log" || { cat "$WORK/sfs-uring.log" >&2; die "the io_uring daemon does not serve over io_uring"; }
  mkdir -p "$m/src/doc"
  local d f
  for ((d = 0; d < 50; d++)); do
    mkdir -p "$m/src/doc/d$d"
    for ((f = 0; f < 100; f++)); do printf '%0100d' "$f" > "$m/src/doc/d$d/f$f"; done
  done
  tar -cf "$m/doc.tar" -C "$m/src" doc
  local targets=("devfuse|$dev_pid|$m/devfuse" "uring|$ring_pid|$m/uring")
  local round op t name pid dir order
  for ((round = 1; round <= META_ROUNDS; round++)); do
    # Alternate which side goes first.
    if ((round % 2)); then order=("${targets[@]}"); else order=("${targets[1]}" "${targets[0]}"); fi
    for op in getxattr stat open lsl; do
      for t in "${order[@]}"; do
        IFS='|' read -r name pid dir <<< "$t"
        if [ "$op" = lsl ]; then
          oplat_run "tr-op-$op" "$name" "$pid" lsl "$dir/many" "$TREE_LSL_OPS"
        else
          oplat_run "tr-op-$op" "$name" "$pid" "$op" "$dir/many" "$OPLAT_OPS"
        fi
      done
    done
  done
  for t in "${targets[@]}"; do
    IFS='|' read -r name pid dir <<< "$t"
    hyper tr-untar "$name" "$pid" "$META_RUNS" 0 "sh -c 'rm -rf $dir/untar; mkdir $dir/untar'" "tar -xf $m/doc.tar -C $dir/untar"
    hyper tr-rm "$name" "$pid" "$META_RUNS" 0 "sh -c 'rm -rf $dir/untar; mkdir $dir/untar; tar -xf $m/doc.tar -C $dir/untar'" "rm -rf $dir/untar/doc"
  done
  for t in "${targets[@]}"; do
    IFS='|' read -r name pid dir <<< "$t"
    kill -USR1 "$pid"
  done
  sleep 0.5
  say "  requests: devfuse: $(grep 'FUSE requests served' "$WORK/sfs-devfuse.log" | tail -n 1 | sed 's/.*served: //' | cut -c1-200)"
  say "  requests: uring:   $(grep 'FUSE requests served' "$WORK/sfs-uring.log" | tail -n 1 | sed 's/.*served: //' | cut -c1-200)"
}
