# shellcheck shell=bash
# Data path: one host file read and written through four targets.
#   direct         the host file itself
#   passthrough    storagefs demo --backing (FUSE passthrough: the kernel does the I/O)
#   nopassthrough  storagefs demo --backing --no-passthrough (the daemon serves pread/pwrite)
#   bindfs         bindfs (libfuse, defaults) mounted on the same host directory
# Each round visits every target in turn, in an order rotated every round (so drift on a shared
# machine hits all of them alike), first for the reads, then for the writes. Per target:
#   drop caches -> seqread-cold ($COLD_REPS times: cold reads of this VM's disk vary most),
#                  then seqread-warm (the cold pass filled the caches),
#                  randread-4k-warm (1 job), randread-4k-warm-2jobs (2 jobs)
#   drop caches -> randread-4k-cold
# and, once every target's reads are done:
#   drop caches -> seqwrite (1 MiB blocks over the whole file, end_fsync: the flush is timed)
# "drop caches" is sync + echo 3 > /proc/sys/vm/drop_caches (page cache, dentries and inodes).
# The storagefs daemons run with --no-watch: inotify would turn every write into notifications.

bench_data() {
  local d="$WORK/data" host="$WORK/data/host" size="${SIZE_MIB}m"
  step "data: one ${SIZE_MIB} MiB file, $ROUNDS round(s), random reads for ${RAND_SECONDS} s"
  mkdir -p "$host"
  say "writing $host/data.bin from /dev/urandom"
  dd if=/dev/urandom of="$host/data.bin" bs=1M count="$SIZE_MIB" status=none
  sync

  local pt_pid np_pid bf_pid
  start_storagefs sfs-passthrough "$d/passthrough" --backing "$host" --no-watch
  pt_pid=$SFS_PID
  grep -q "passthrough True" "$WORK/sfs-passthrough.log" \
    || say "warning: the kernel did not accept FUSE passthrough; 'passthrough' figures are the daemon serving data"
  start_storagefs sfs-nopassthrough "$d/nopassthrough" --backing "$host" --no-watch --no-passthrough
  np_pid=$SFS_PID
  start_bindfs bindfs-data "$host" "$d/bindfs"
  bf_pid=$BINDFS_PID

  local targets=(
    "direct||$host/data.bin"
    "passthrough|$pt_pid|$d/passthrough/backing/data.bin"
    "nopassthrough|$np_pid|$d/nopassthrough/backing/data.bin"
    "bindfs|$bf_pid|$d/bindfs/data.bin"
  )
  local round t name pid file k i order
  for ((round = 1; round <= ROUNDS; round++)); do
    # Rotate the order every round, and keep writes out of the read phase: on this VM a cold
    # read right after another target's 2 GiB write competes with the host still flushing it.
    order=()
    for ((i = 0; i < ${#targets[@]}; i++)); do order+=("${targets[(i + round - 1) % ${#targets[@]}]}"); done
    for t in "${order[@]}"; do
      IFS='|' read -r name pid file <<< "$t"
      say "round $round/$ROUNDS, reads: $name"
      for ((k = 0; k < COLD_REPS; k++)); do
        drop_caches 3
        fio_run seqread-cold "$name" "$pid" "$file" --rw=read --bs=1M --size="$size"
      done
      fio_run seqread-warm "$name" "$pid" "$file" --rw=read --bs=1M --size="$size"
      fio_run randread-4k-warm "$name" "$pid" "$file" --rw=randread --bs=4k --size="$size" \
        --iodepth=1 --time_based --runtime="$RAND_SECONDS"
      fio_run randread-4k-warm-2jobs "$name" "$pid" "$file" --rw=randread --bs=4k --size="$size" \
        --iodepth=1 --numjobs=2 --group_reporting --time_based --runtime="$RAND_SECONDS"
      drop_caches 3
      fio_run randread-4k-cold "$name" "$pid" "$file" --rw=randread --bs=4k --size="$size" \
        --iodepth=1 --time_based --runtime="$RAND_SECONDS"
    done
    for t in "${order[@]}"; do
      IFS='|' read -r name pid file <<< "$t"
      say "round $round/$ROUNDS, write: $name"
      drop_caches 3
      fio_run seqwrite "$name" "$pid" "$file" --rw=write --bs=1M --size="$size" --end_fsync=1
    done
  done

  if grep -q "passthrough refused" "$WORK/sfs-passthrough.log"; then
    say "warning: $(grep -m1 'passthrough refused' "$WORK/sfs-passthrough.log")"
  fi
  stop_daemon "$pt_pid" "$d/passthrough"
  stop_daemon "$np_pid" "$d/nopassthrough"
  stop_daemon "$bf_pid" "$d/bindfs"
  rm -f "$host/data.bin"
}
