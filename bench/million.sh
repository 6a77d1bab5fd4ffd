# shellcheck shell=bash
# A million volumes, in each shape of $MILLION_SHAPES ("POOLSxVOLUMES", full:
# 10000x100 and 10x100000): the volumes are made on disk as sparse 1 MiB files, the pools
# defined and started through the tree by one process, the daemon stopped and, after dropping
# the caches, started again on the same state directory; then
#   mv-mount      ms from launching `storagefs mount` to the daemon logging that it is mounted
#                 (it answers from then on; pools still starting are waited for by what needs them)
#   mv-mount-info ms from launching it to `cat pools/LAST/info` answering (the last pool started:
#                 every volume of it read, caches dropped before the launch)
#   mv-mount-loaded ms from launching it to the daemon logging that the stored definitions are
#                 loaded (they load after the mount; a request for a pool waits for them)
#   mv-ls-lR      ms for `ls -lR` of every pool's volumes/ (target storagefs: MNT/pools/*/volumes;
#                 target direct: the host directories), caches dropped before each
#   mv-ls-lR-all  ms for `ls -lR` of the whole mount (info files, vol/ control directories:
#                 about eleven entries per volume), once, when MILLION_ALL=1
#   mv-rss        the daemon's VmRSS (MiB) after the ls -lR runs
# Figures carry the shape in their name (mv-ls-lR-10000x100).

bench_million() {
  local shape
  for shape in ${MILLION_SHAPES:-10000x100 10x100000}; do
    bench_million_shape "${shape%x*}" "${shape#*x}"
  done
}

bench_million_shape() {
  local pools=$1 vols=$2 tag="$1x$2"
  local s="$WORK/million-$tag" mnt="$WORK/million-$tag/mnt" host="$WORK/million-$tag/pools" i p last n
  step "million: $pools pools x $vols volumes"
  mkdir -p "$host"
  awk -v n="$vols" 'BEGIN { for (i = 0; i < n; i++) printf "v%06d.raw\n", i }' > "$s.names"
  say "making $((pools * vols)) sparse volume files"
  for ((i = 0; i < pools; i++)); do
    p=$(printf 'p%04d' "$i")
    mkdir -p "$host/$p"
    (cd "$host/$p" && xargs truncate -s 1M < "$s.names")
  done
  last=$(printf 'p%04d' $((pools - 1)))
  sync

  start_mount "sfs-million-$tag" "$mnt"
  local pid=$SFS_PID
  oplat_run "mv-define-start-$tag" storagefs "$pid" write "$mnt/define" "$pools" \
    "<pool type='dir'><name>p{}</name><target><path>$host/p{}</path></target></pool>" "$mnt/pools/p{}/ctl" start
  stop_daemon "$pid" "$mnt"
  drop_caches 3

  local log="$WORK/sfs-million-$tag.log" t0 mounted answered
  : > "$log"
  t0=$EPOCHREALTIME
  dotnet "$STORAGEFS_DLL" mount "$mnt" --config "$WORK/sfs-million-$tag.json" ${BENCH_URING:+--uring "$BENCH_URING"} > "$log" 2>&1 &
  pid=$!
  BENCH_PIDS+=("$pid")
  for ((n = 0; n < 12000; n++)); do
    grep -q "StorageFs mounted on" "$log" && break
    kill -0 "$pid" 2>/dev/null || { cat "$log" >&2; die "storagefs mount ($tag) exited before mounting"; }
    sleep 0.01
  done
  mounted=$(ms_since "$t0")
  # The mount answers from here: the root, pools/ (every pool listed, each started on demand).
  [ "$(ls "$mnt/pools" | wc -l)" = "$pools" ] || die "the mount does not list $pools pools"
  cat "$mnt/pools/$last/info" > /dev/null || die "pools/$last/info did not answer"
  answered=$(ms_since "$t0")
  record "mv-mount-$tag" storagefs "$mounted" ms lower
  record "mv-mount-info-$tag" storagefs "$answered" ms lower
  # The load's end, placed by the log's clock against the mounted line's (HH:MM:SS.mmm).
  for ((n = 0; n < 6000; n++)); do grep -q "Loaded .* pools and" "$log" && break; sleep 0.1; done
  local loaded
  loaded=$(awk -v m="$mounted" '
    function ms(t, a) { split(t, a, ":"); return ((a[1] * 60 + a[2]) * 60 + a[3]) * 1000 }
    /StorageFs mounted on/ && !at { at = ms($1) }
    /Loaded .* pools and/ && !lo { lo = ms($1) }
    END { if (at && lo) printf "%d", m + lo - at }' "$log")
  [ -z "$loaded" ] || record "mv-mount-loaded-$tag" storagefs "$loaded" ms lower
  say "  mv-mount-$tag: mounted after $mounted ms; pools/$last/info answered after $answered ms; definitions loaded after ${loaded:-?} ms"
  n=$(ls "$mnt/pools/$last/volumes" | wc -l)
  [ "$n" = "$vols" ] || die "pool $last lists $n volumes, expected $vols"
  # Wait for the background starts: ls -lR must list every pool's volumes.
  for ((n = 0; n < 6000; n++)); do grep -q "Started .* pools and fspools at load" "$WORK/sfs-million-$tag.log" && break; sleep 0.1; done

  local t0 ms k target
  for ((k = 0; k < ${MILLION_RUNS:-2}; k++)); do
    for target in direct storagefs; do
      drop_caches 3
      t0=$EPOCHREALTIME
      if [ "$target" = direct ]; then
        (cd "$host" && ls -lR -- */ > "$s.lsR.$target" 2> "$s.lsR.err")
      else
        (cd "$mnt/pools" && ls -lR -- */volumes/ > "$s.lsR.$target" 2> "$s.lsR.err")
      fi
      ms=$(ms_since "$t0")
      [ ! -s "$s.lsR.err" ] || { head -n 5 "$s.lsR.err" >&2; die "ls -lR ($target) reported errors"; }
      record "mv-ls-lR-$tag" "$target" "$ms" ms lower
      say "  mv-ls-lR-$tag $target: $ms ms ($(wc -l < "$s.lsR.$target") lines)"
    done
  done
  if [ "${MILLION_ALL:-0}" = 1 ]; then
    t0=$EPOCHREALTIME
    ls -lR "$mnt" > "$s.lsR.all" 2> "$s.lsR.err" || true
    ms=$(ms_since "$t0")
    record "mv-ls-lR-all-$tag" storagefs "$ms" ms lower
    say "  mv-ls-lR-all-$tag: $ms ms ($(wc -l < "$s.lsR.all") lines)"
  fi
  ms=$(rss_mib "$pid")
  record "mv-rss-$tag" storagefs "$ms" MiB lower
  say "  mv-rss-$tag: $ms MiB after ls -lR"
  kill -USR1 "$pid"; sleep 0.5
  say "  requests: $(grep 'FUSE requests served' "$WORK/sfs-million-$tag.log" | tail -n 1 | sed 's/.*served: //' | cut -c1-300)"
  stop_daemon "$pid" "$mnt"
  rm -rf "$host" "$s.lsR".*
}
