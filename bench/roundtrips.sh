# shellcheck shell=bash
# Round trips: small-file workloads inside an fspool item against the same in a
# host directory on the same filesystem, each with the FUSE requests it cost, by opcode (the
# daemon logs its counts on SIGUSR1; the suite logs the difference around each run).
#   rt-rsync        rsync -aH /usr/share/doc DEST/            (DEST emptied before each run)
#   rt-untar        tar -xf of $RT_FILES files of 100 bytes in directories of 100 (a tarball on the host)
#   rt-rm           rm -rf of that tree
#   rt-find-cold    find DIR -type f | wc -l over it, dentries and inodes dropped first
#   rt-du-cold      du -s DIR, the same
#   rt-ls-lR        ls -lR DIR, warm
#   rt-readdir-cold / -warm   ls -U1 of a dir pool's $NFILES volumes (target bindfs: bindfs over
#                   the pool's directory)
# Targets: direct (the host directory), storagefs (the item, or pools/v/volumes), bindfs.
# Each figure is the median of $RT_RUNS runs (ms). After each storagefs figure a line
# "requests FIGURE TARGET (last run): N per run: OP n, ..." is printed (the requests of the
# last run's timed command; kept in $WORK/rt-requests.txt).

RT_COUNTS_FILE=""

# The prepare of a cold figure: the kernel drops its dentries and inodes, and half a second
# passes before the timed run, for every target alike. Over FUSE, dropping them sends the daemon
# a FORGET for every node the kernel knew (20,000 after the tar of the previous figures, each
# closing a descriptor); without the pause the daemon served those during the timed run, work
# of the eviction, not of the cold listing (du 1.71x the host with it, 1.13-1.18x without,
# quiet, docs/PERFORMANCE.md).
RT_COLD="sync; echo 2 > /proc/sys/vm/drop_caches; sleep 0.5"

# rt_counts PID LOG: the daemon's request counts so far, as "OP N" lines (SIGUSR1, then its log).
rt_counts() {
  local pid=$1 log=$2 before n
  before=$(grep -c 'FUSE requests served' "$log" || true)
  kill -USR1 "$pid"
  for ((n = 0; n < 100; n++)); do
    [ "$(grep -c 'FUSE requests served' "$log" || true)" -gt "$before" ] && break
    sleep 0.02
  done
  grep 'FUSE requests served' "$log" | tail -n 1 | sed 's/.*served: [0-9]* requests, [0-9]* over io_uring//; s/^: //' | tr ',' '\n' | awk 'NF == 2 { print $1, $2 }'
}

# rt_delta BEFORE AFTER RUNS: "N per run: OP n, ..." (most frequent first).
rt_delta() {
  local per total
  per=$(awk -v runs="$3" 'FNR == NR { b[$1] = $2; next } { d = $2 - b[$1]; if (d > 0) printf "%.0f %s\n", d / runs, $1 }' \
    <(printf '%s\n' "$1") <(printf '%s\n' "$2") | sort -rn)
  total=$(awk '{ t += $1 } END { print t + 0 }' <<< "$per")
  echo "$total per run: $(awk '{ printf "%s%s %s", (NR > 1 ? ", " : ""), $2, $1 }' <<< "$per")"
}

# rt_figure FIGURE TARGET PID LOG PREPARE CMD: $RT_RUNS timed runs of CMD (each after PREPARE,
# untimed), the daemon's requests counted around the timed part when PID is given.
rt_figure() {
  local figure=$1 target=$2 pid=$3 log=$4 prepare=$5 cmd=$6 k t0 ms before="" after cpu0 cpu1
  local samples=()
  [ -z "$pid" ] || cpu0=$(cpu_seconds "$pid")
  for ((k = 0; k < RT_RUNS; k++)); do
    [ -z "$prepare" ] || sh -c "$prepare" > /dev/null 2>&1
    [ -z "$pid" ] || [ "$k" != $((RT_RUNS - 1)) ] || before=$(rt_counts "$pid" "$log")
    t0=$EPOCHREALTIME
    sh -c "$cmd" > /dev/null 2>&1 || die "$figure $target: '$cmd' failed"
    ms=$(ms_since "$t0")
    [ -z "$pid" ] || [ "$k" != $((RT_RUNS - 1)) ] || after=$(rt_counts "$pid" "$log")
    samples+=("$ms")
    record "$figure" "$target" "$ms" ms lower
  done
  if [ -n "$pid" ]; then
    cpu1=$(cpu_seconds "$pid")
    local line
    line="requests $figure $target (last run): $(rt_delta "$before" "$after" 1)"
    echo "$line" >> "$WORK/rt-requests.txt"
    say "  $figure $target: $(printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms (daemon CPU $(cpu_delta "$cpu0" "$cpu1" "$RT_RUNS") s per run, its prepare included)"
    say "    $line"
  else
    say "  $figure $target: $(printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }') ms"
  fi
}

bench_roundtrips() {
  local r="$WORK/rt" mnt="$WORK/rt/mnt" host="$WORK/rt/fs/host" pool="$WORK/rt/fs/fspool" vols="$WORK/rt/vols" loop
  step "roundtrips: small files in an item against a host directory, requests by opcode"
  : > "$WORK/rt-requests.txt"
  need_packages rsync:rsync mkfs.ext4:e2fsprogs
  # The host directory and the item's fspool on one fresh ext4 with a journal (mkfs.ext4's
  # defaults, as a Debian install makes it). The work disk's own ext4 may have no journal (this
  # machine's has none), and without one ext4 passes over every inode freed in the last 60 s
  # (360 s while its table block is dirty) when it allocates a new one (fs/ext4/ialloc.c,
  # recently_deleted), so every rm -rf made the next runs' creations slower for whichever target
  # ran later: the host's own tar of 20,000 files took 0.3 s on a fresh disk and 4-8 s after the
  # item's runs (docs/PERFORMANCE.md, "Round trips").
  mkdir -p "$r/fs"
  truncate -s 8G "$r/ext4.img"
  loop=$(losetup --find --show "$r/ext4.img")
  BENCH_LOOPS+=("$loop")
  mkfs.ext4 -q -F "$loop"
  mount "$loop" "$r/fs"
  BENCH_MOUNTS+=("$r/fs")
  say "host directory and fspool on $loop (ext4, $(dumpe2fs -h "$loop" 2>/dev/null | grep -q has_journal && echo journal || echo 'no journal'))"
  mkdir -p "$host" "$pool" "$vols" "$r/src/tree"
  local d f
  for ((d = 0; d < RT_FILES / 100; d++)); do
    mkdir -p "$r/src/tree/d$d"
    (cd "$r/src/tree/d$d" && for ((f = 0; f < 100; f++)); do printf '%0100d' "$f" > "f$f"; done)
  done
  tar -cf "$r/tree.tar" -C "$r/src" tree
  awk -v n="$NFILES" 'BEGIN { for (i = 0; i < n; i++) printf "vol%06d.raw\n", i }' | (cd "$vols" && xargs touch)
  sync

  start_mount sfs-rt "$mnt" ${RT_OPTIONS:-}
  local pid=$SFS_PID log="$WORK/sfs-rt.log"
  sfs_write "$mnt/define" "<fspool type='dir'><name>rt</name><target><path>$pool</path></target></fspool>"
  sfs_write "$mnt/fspools/rt/ctl" start
  mkdir "$mnt/fspools/rt/items/it"
  sfs_write "$mnt/define" "<pool type='dir'><name>v</name><target><path>$vols</path></target></pool>"
  sfs_write "$mnt/pools/v/ctl" start
  [ "$(ls "$mnt/pools/v/volumes" | wc -l)" = "$NFILES" ] || die "pools/v/volumes does not list $NFILES volumes"
  start_bindfs bindfs-rt "$vols" "$r/bindfs"
  local bpid=$BINDFS_PID

  local x name p dir targets=("direct||$host" "storagefs|$pid|$mnt/fspools/rt/items/it")
  for x in "${targets[@]}"; do
    IFS='|' read -r name p dir <<< "$x"
    wait_quiet
    rt_figure rt-rsync "$name" "$p" "$log" "rm -rf $dir/doc" "rsync -aH /usr/share/doc $dir/"
    rm -rf "${dir:?}/doc"
    rt_figure rt-untar "$name" "$p" "$log" "rm -rf $dir/tree" "tar -xf $r/tree.tar -C $dir"
    rt_figure rt-find-cold "$name" "$p" "$log" "$RT_COLD" "find $dir/tree -type f | wc -l"
    rt_figure rt-du-cold "$name" "$p" "$log" "$RT_COLD" "du -s $dir/tree"
    rt_figure rt-ls-lR "$name" "$p" "$log" "" "ls -lR $dir/tree"
    rt_figure rt-rm "$name" "$p" "$log" "rm -rf $dir/tree; tar -xf $r/tree.tar -C $dir" "rm -rf $dir/tree"
  done
  for x in "direct||$vols" "bindfs|$bpid|$r/bindfs" "storagefs|$pid|$mnt/pools/v/volumes"; do
    IFS='|' read -r name p dir <<< "$x"
    [ "$name" = storagefs ] || p=""
    # One untimed listing first: the volume files were made just before the pool started, so
    # the daemon's first listings re-read the pool until its directory is over a second older
    # than its last read (docs/TREE.md, "Freshness"); that one-off refresh is not the listing.
    ls -U1 "$dir" > /dev/null
    rt_figure rt-readdir-cold "$name" "$p" "$log" "$RT_COLD" "ls -U1 $dir"
    rt_figure rt-readdir-warm "$name" "$p" "$log" "" "ls -U1 $dir"
  done
  stop_daemon "$bpid" "$r/bindfs"
  stop_daemon "$pid" "$mnt"
  umount "$r/fs"
  losetup -d "$loop"
}
