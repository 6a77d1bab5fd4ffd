# shellcheck shell=bash
# Scale: $SCALE_POOLS dir pools holding $SCALE_VOLS volumes each ($SCALE_POOLS x $SCALE_VOLS in
# total; 1,000 x 100 = 100,000 in the full run), made directly on disk as sparse 1 MiB files (every
# volume has a size and is probed at start, as real images are), plus one ${SCALE_BIG_MIB} MiB
# volume big.raw in the first pool to wipe.
# The pools are defined and started through the tree by one process (bench/oplat write:
# define + start per pool; scale-define-start, us per pool), then the daemon is stopped and
# started again on the same state directory, and:
#   scale-mount     ms from launching `storagefs mount` to the mount answering
#                   `cat pools/LAST/info` (.NET start-up, loading every definition, refreshing
#                   every pool: the daemon restarts the pools left running, then mounting)
#   scale-ls-lR     ms for `ls -lR` of the whole mount (every pool's info files, volumes, vol/
#                   control directories)
#   scale-rss       the daemon's VmRSS (MiB) after that ls -lR
#   scale-ls-idle   ms for `ls -l pools/SECOND/volumes` ($SCALE_VOLS entries), repeated
#   scale-ls-busy   the same while `wipe dod` of big.raw runs in the first pool (value = the
#                   slowest ls seen during the wipe; p50 in the log). dod writes random data,
#                   zeros, ones and reads it all back; `wipe zero` would only punch a hole.
# Each ls is timed with bash's $EPOCHREALTIME around `ls -l DIR > /dev/null`.

bench_scale() {
  local s="$WORK/scale" mnt="$WORK/scale/mnt" host="$WORK/scale/pools" i p first last second
  step "scale: $SCALE_POOLS pools x $SCALE_VOLS volumes"
  mkdir -p "$host"
  say "making $((SCALE_POOLS * SCALE_VOLS)) volume files"
  awk -v n="$SCALE_VOLS" 'BEGIN { for (i = 0; i < n; i++) printf "v%05d.raw\n", i }' > "$s.names"
  for ((i = 0; i < SCALE_POOLS; i++)); do
    p=$(printf 'p%04d' "$i")
    mkdir -p "$host/$p"
    (cd "$host/$p" && xargs truncate -s 1M < "$s.names")
  done
  first=p0000; second=p0001; last=$(printf 'p%04d' $((SCALE_POOLS - 1)))
  truncate -s "${SCALE_BIG_MIB}M" "$host/$first/big.raw"
  sync

  start_mount sfs-scale "$mnt"
  local pid=$SFS_PID
  oplat_run scale-define-start storagefs "$pid" write "$mnt/define" "$SCALE_POOLS" \
    "<pool type='dir'><name>p{}</name><target><path>$host/p{}</path></target></pool>" "$mnt/pools/p{}/ctl" start
  stop_daemon "$pid" "$mnt"
  drop_caches 3

  # Restart on the same state: every pool is loaded and started again.
  start_mount_timed sfs-scale "$mnt" "$mnt/pools/$last/info"
  pid=$SFS_PID
  record scale-mount storagefs "$SFS_ANSWERED_MS" ms lower
  say "  scale-mount: $SFS_ANSWERED_MS ms to answer (log says mounted after $SFS_LOGGED_MS ms)"
  local n
  n=$(ls "$mnt/pools" | wc -l)
  [ "$n" = "$SCALE_POOLS" ] || die "the scale mount lists $n pools, expected $SCALE_POOLS"
  n=$(ls "$mnt/pools/$last/volumes" | wc -l)
  [ "$n" = "$SCALE_VOLS" ] || die "pool $last lists $n volumes, expected $SCALE_VOLS"

  local t0 ms
  t0=$EPOCHREALTIME
  ls -lR "$mnt" > "$s.lsR" 2> "$s.lsR.err" || true
  ms=$(ms_since "$t0")
  [ ! -s "$s.lsR.err" ] || { head -n 5 "$s.lsR.err" >&2; die "ls -lR of the scale mount reported errors"; }
  record scale-ls-lR storagefs "$ms" ms lower
  say "  scale-ls-lR: $ms ms ($(wc -l < "$s.lsR") lines)"
  ms=$(rss_mib "$pid")
  record scale-rss storagefs "$ms" MiB lower
  say "  scale-rss: $ms MiB after ls -lR"

  local dir="$mnt/pools/$second/volumes" k
  for ((k = 0; k < 20; k++)); do
    t0=$EPOCHREALTIME; ls -l "$dir" > /dev/null; ms=$(ms_since "$t0")
    record scale-ls-idle storagefs "$ms" ms lower
  done
  say "  scale-ls-idle: $(ls_summary scale-ls-idle)"

  # The wipe runs through the tree, as an administrator would start it, in the background.
  sh -c "echo 'wipe dod' > '$mnt/pools/$first/vol/big.raw/ctl'" &
  local wipe=$!
  BENCH_PIDS+=("$wipe")
  # Wait until the job is listed, then ls the other pool for as long as it runs.
  for ((k = 0; k < 100; k++)); do [ -n "$(ls "$mnt/jobs")" ] && break; sleep 0.02; done
  [ -n "$(ls "$mnt/jobs")" ] || die "the wipe job did not start"
  local busy=0 max=0
  t0=$EPOCHREALTIME
  while kill -0 "$wipe" 2>/dev/null; do
    local t1=$EPOCHREALTIME
    ls -l "$dir" > /dev/null
    ms=$(ms_since "$t1")
    kill -0 "$wipe" 2>/dev/null || break # finished during this ls: not a busy sample
    echo "$ms" >> "$s.busy"
    busy=$((busy + 1))
  done
  wait "$wipe" || die "wipe dod of big.raw failed"
  local wipe_ms
  wipe_ms=$(ms_since "$t0")
  [ "$busy" -gt 0 ] || die "no ls ran during the wipe (it took $wipe_ms ms); raise SCALE_BIG_MIB"
  max=$(sort -n "$s.busy" | tail -n 1)
  record scale-ls-busy storagefs "$max" ms lower
  say "  scale-ls-busy: $busy listings during a $wipe_ms ms wipe: p50 $(sort -n "$s.busy" | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms, max $max ms"

  stop_daemon "$pid" "$mnt"
}

# ls_summary FIGURE: "p50 X ms, max Y ms" over the recorded samples of FIGURE.
ls_summary() {
  awk -v f="$1" '$1 == f { print $3 }' "$RAW" | sort -n | awk '{ a[NR] = $1 } END { printf "p50 %s ms, max %s ms (%d runs)\n", a[int((NR + 1) / 2)], a[NR], NR }'
}

# start_mount_timed NAME MOUNTPOINT PROBE [options...]: start_mount, timing from the launch to
# the first successful read of PROBE (polled with cat). Sets SFS_ANSWERED_MS and SFS_LOGGED_MS.
start_mount_timed() {
  local name=$1 mnt=$2 probe=$3; shift 3
  local log="$WORK/$name.log" conf="$WORK/$name.json" t0 n logged=""
  : > "$log"
  t0=$EPOCHREALTIME
  dotnet "$STORAGEFS_DLL" mount "$mnt" --config "$conf" "$@" > "$log" 2>&1 &
  SFS_PID=$!
  BENCH_PIDS+=("$SFS_PID")
  BENCH_MOUNTS+=("$mnt")
  for ((n = 0; n < 6000; n++)); do
    if cat "$probe" > /dev/null 2>&1; then break; fi
    sleep 0.01
    kill -0 "$SFS_PID" 2>/dev/null || { cat "$log" >&2; die "storagefs mount ($name) exited before answering"; }
    [ -n "$logged" ] || ! grep -q "StorageFs mounted on" "$log" || logged=$(ms_since "$t0")
  done
  SFS_ANSWERED_MS=$(ms_since "$t0")
  cat "$probe" > /dev/null 2>&1 || die "storagefs mount ($name) did not answer"
  SFS_LOGGED_MS=${logged:-$SFS_ANSWERED_MS}
}
