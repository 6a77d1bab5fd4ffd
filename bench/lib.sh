# shellcheck shell=bash
# Shared pieces of bench/run: logging, the cleanup registry (PIDs and mounts this run made),
# mounting StorageFs and bindfs, timing fio and hyperfine, and collecting figures.
# Sourced by bench/run; every function assumes `set -euo pipefail`.

BENCH_PIDS=()     # daemons we started, stopped by PID in cleanup (never by name)
BENCH_MOUNTS=()   # mountpoints we mounted, unmounted in cleanup
BENCH_LOOPS=()    # loop devices we attached, detached in cleanup (after the daemons and mounts)
BENCH_CHILD=""    # the measuring command running right now (fio, hyperfine)
BENCH_KEEP=0
BENCH_URING=""    # --uring MODE for every storagefs daemon (bench/run --uring)
BENCH_URING_PARAM="" # enable_uring as found, when this run changed it
WORK=""

say() { printf '%s\n' "$*" >&2; }
step() { printf '\n== %s\n' "$*" >&2; }
die() { say "bench: $*"; exit 1; }

# ---- cleanup ---------------------------------------------------------------------------------

bench_cleanup() {
  local rc=$?
  set +e
  trap - EXIT INT TERM
  if [ -n "$BENCH_CHILD" ] && kill -0 "$BENCH_CHILD" 2>/dev/null; then
    kill -TERM "$BENCH_CHILD" 2>/dev/null
    wait "$BENCH_CHILD" 2>/dev/null
  fi
  local i pid m n
  # Daemons first: storagefs and bindfs unmount themselves on SIGTERM.
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${BENCH_PIDS[i]}
    kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null
  done
  for ((i = ${#BENCH_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${BENCH_PIDS[i]}
    for ((n = 0; n < 100; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$pid" 2>/dev/null; then
      say "bench: PID $pid did not stop on SIGTERM; killing it"
      kill -KILL "$pid" 2>/dev/null
    fi
    wait "$pid" 2>/dev/null
  done
  for ((i = ${#BENCH_MOUNTS[@]} - 1; i >= 0; i--)); do
    m=${BENCH_MOUNTS[i]}
    if mountpoint -q "$m" 2>/dev/null; then
      umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || say "bench: could not unmount $m"
    fi
  done
  if [ -n "$BENCH_URING_PARAM" ]; then
    echo "$BENCH_URING_PARAM" > /sys/module/fuse/parameters/enable_uring
  fi
  for m in "${BENCH_LOOPS[@]}"; do
    for ((n = 0; n < 50; n++)); do
      losetup -d "$m" 2>/dev/null || true
      losetup "$m" >/dev/null 2>&1 || break
      sleep 0.2
    done
  done
  if [ -n "$WORK" ] && [ -d "$WORK" ]; then
    if [ "$BENCH_KEEP" = 1 ]; then
      say "bench: kept $WORK"
    else
      # Never follow into a mount that survived: rm -rf --one-file-system stays on this disk.
      rm -rf --one-file-system "$WORK"
    fi
  fi
  exit "$rc"
}

bench_traps() {
  trap bench_cleanup EXIT
  trap 'say "bench: interrupted"; exit 130' INT
  trap 'say "bench: terminated"; exit 143' TERM
  trap 'say "bench: failed at line $LINENO: $BASH_COMMAND"' ERR
}

# Runs a measuring command in the background and waits, so SIGINT/SIGTERM reach the trap at once
# (bash defers traps until a foreground child exits).
run_child() {
  "$@" &
  BENCH_CHILD=$!
  local rc=0
  wait "$BENCH_CHILD" || rc=$?
  BENCH_CHILD=""
  return "$rc"
}

# ---- setup -----------------------------------------------------------------------------------

# Installs the Debian packages given whose commands are missing ("command:package" pairs).
need_packages() {
  local missing=() pair cmd pkg
  for pair in "$@"; do
    cmd=${pair%%:*}; pkg=${pair#*:}
    command -v "$cmd" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # A background apt job may hold the dpkg lock for a while: wait for it rather than fail.
  if ! apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >&2; then
    apt-get -o DPkg::Lock::Timeout=300 update -q >&2
    apt-get -o DPkg::Lock::Timeout=300 install -y -q --no-install-recommends "${missing[@]}" >&2
  fi
}

# Percent of CPU time idle over the next second, machine-wide (/proc/stat).
idle_percent() {
  local a b
  a=$(head -n 1 /proc/stat); sleep 1; b=$(head -n 1 /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN {
    n = split(a, x, " "); split(b, y, " "); t = 0
    for (i = 2; i <= n; i++) t += y[i] - x[i]
    idle = (y[5] - x[5]) + (y[6] - x[6])
    printf "%d\n", (t > 0) ? 100 * idle / t : 100 }'
}

# wait_quiet: on a shared machine, waits before each measurement (at most $WAIT_QUIET seconds;
# 0 = not at all) until at least 80% of the CPU is idle, so that other people's work lands
# inside as few measurements as possible.
wait_quiet() {
  [ "${WAIT_QUIET:-0}" -gt 0 ] || return 0
  local start=$SECONDS idle
  while :; do
    idle=$(idle_percent)
    if [ "$idle" -ge 80 ]; then
      [ $((SECONDS - start)) -le 1 ] || say "  (waited $((SECONDS - start)) s for a quiet machine)"
      return 0
    fi
    if [ $((SECONDS - start)) -ge "$WAIT_QUIET" ]; then
      say "  (machine still busy after $WAIT_QUIET s: ${idle}% idle; measuring anyway)"
      BUSY_MEASUREMENTS=$((${BUSY_MEASUREMENTS:-0} + 1))
      return 0
    fi
    sleep 2
  done
}

drop_caches() { # 3: page cache + dentries/inodes; 2: dentries/inodes only
  sync
  echo "${1:-3}" > /proc/sys/vm/drop_caches
}

# ---- daemons and mounts ----------------------------------------------------------------------

wait_mounted() { # MOUNTPOINT PID LOG
  local n
  for ((n = 0; n < 600; n++)); do
    mountpoint -q "$1" && return 0
    kill -0 "$2" 2>/dev/null || { cat "$3" >&2; die "the daemon for $1 exited before mounting"; }
    sleep 0.1
  done
  cat "$3" >&2
  die "$1 was not mounted within 60 s"
}

# uring_setup: with --uring on, turns the fuse module's enable_uring on (restored in cleanup).
uring_setup() {
  local p=/sys/module/fuse/parameters/enable_uring
  [ "$BENCH_URING" = on ] || return 0
  [ -e "$p" ] || die "--uring on: this kernel has no FUSE over io_uring ($p)"
  if [ -z "$BENCH_URING_PARAM" ]; then BENCH_URING_PARAM=$(cat "$p"); fi
  echo Y > "$p"
}

# start_storagefs NAME MOUNTPOINT [demo options...]: mounts `storagefs demo` in the background.
# Sets SFS_PID. The daemon logs to $WORK/NAME.log.
start_storagefs() {
  local name=$1 mnt=$2; shift 2
  local log="$WORK/$name.log" n
  mkdir -p "$mnt"
  uring_setup
  dotnet "$STORAGEFS_DLL" demo "$mnt" "$@" ${BENCH_URING:+--uring "$BENCH_URING"} > "$log" 2>&1 &
  SFS_PID=$!
  BENCH_PIDS+=("$SFS_PID")
  BENCH_MOUNTS+=("$mnt")
  # Ready when it says so (the mount appears before INIT is answered).
  for ((n = 0; n < 600; n++)); do
    grep -q "Demo filesystem mounted on" "$log" && break
    kill -0 "$SFS_PID" 2>/dev/null || { cat "$log" >&2; die "storagefs ($name) exited before mounting"; }
    sleep 0.1
  done
  grep -q "Demo filesystem mounted on" "$log" || { cat "$log" >&2; die "storagefs ($name) did not mount within 60 s"; }
  say "storagefs $name: PID $SFS_PID, $(grep -o 'passthrough [A-Za-z]*' "$log" | tail -n 1), $(grep -o 'transport [^ ]*' "$log" | tail -n 1), options: $*"
}

# start_mount NAME MOUNTPOINT [extra options...]: the real daemon, `storagefs mount`, in the
# background on a state directory of its own ($WORK/NAME.state, kept across restarts of the same
# NAME), with a configuration allowing pools anywhere under $WORK and no default pools. Sets
# SFS_PID and SFS_STARTED (bash's $EPOCHREALTIME just before the launch). Logs to $WORK/NAME.log.
start_mount() {
  local name=$1 mnt=$2; shift 2
  local log="$WORK/$name.log" conf="$WORK/$name.json" n
  mkdir -p "$mnt" "$WORK/$name.state" "$WORK/run"
  # BENCH_CONFIG: more configuration keys for every daemon, e.g. '"itemCacheSeconds": 10'.
  printf '{ "stateDir": "%s", "allowedDirectories": ["%s"], "defaultPools": false, "allowOther": false, "runtimeDir": "%s"%s }\n' \
    "$WORK/$name.state" "$WORK" "$WORK/run" "${BENCH_CONFIG:+, $BENCH_CONFIG}" > "$conf"
  SFS_STARTED=$EPOCHREALTIME
  uring_setup
  # SFS_WRAP: an argv prefix the daemon runs under (the rbd suite: nsenter into Ceph's namespace).
  ${SFS_WRAP[@]+"${SFS_WRAP[@]}"} dotnet "$STORAGEFS_DLL" mount "$mnt" --config "$conf" "$@" ${BENCH_URING:+--uring "$BENCH_URING"} > "$log" 2>&1 &
  SFS_PID=$!
  BENCH_PIDS+=("$SFS_PID")
  BENCH_MOUNTS+=("$mnt")
  for ((n = 0; n < 1200; n++)); do
    grep -q "StorageFs mounted on" "$log" && break
    kill -0 "$SFS_PID" 2>/dev/null || { cat "$log" >&2; die "storagefs mount ($name) exited before mounting"; }
    sleep 0.05
  done
  grep -q "StorageFs mounted on" "$log" || { cat "$log" >&2; die "storagefs mount ($name) did not mount within 60 s"; }
  say "storagefs mount $name: PID $SFS_PID, $(grep -o 'passthrough [A-Za-z]*' "$log" | tail -n 1), $(grep -o 'transport [^ ]*' "$log" | tail -n 1)"
}

# sfs_write FILE TEXT: one write(2) of TEXT to a /storage control file, as `echo TEXT > FILE`
# does; on a refusal prints the reply the file holds and fails.
sfs_write() {
  local out
  out=$("$OPLAT" write "$1" 1 "$2" 2>&1 >/dev/null) || die "writing '$2' to $1 failed: $out"
}

# rss_mib PID: the process's resident memory (VmRSS) in MiB.
rss_mib() { awk '/^VmRSS:/ { printf "%.1f\n", $2 / 1024 }' "/proc/$1/status"; }

# ms_since T0: milliseconds since an $EPOCHREALTIME reading.
ms_since() { awk -v a="$1" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.1f\n", (b - a) * 1000 }'; }

# start_bindfs NAME SOURCE MOUNTPOINT: bindfs in the foreground (-f) so that we hold its PID.
# bindfs's own defaults are kept (single-threaded, entry/attr timeouts 0); they are recorded in
# the report. Sets BINDFS_PID.
start_bindfs() {
  local name=$1 src=$2 mnt=$3
  local log="$WORK/$name.log"
  mkdir -p "$mnt"
  bindfs -f "$src" "$mnt" > "$log" 2>&1 &
  BINDFS_PID=$!
  BENCH_PIDS+=("$BINDFS_PID")
  BENCH_MOUNTS+=("$mnt")
  wait_mounted "$mnt" "$BINDFS_PID" "$log"
  say "bindfs $name: PID $BINDFS_PID"
}

# stop_daemon PID MOUNTPOINT: SIGTERM (both daemons unmount on it), then make sure.
stop_daemon() {
  local pid=$1 mnt=$2 n
  kill -TERM "$pid" 2>/dev/null || true
  for ((n = 0; n < 100; n++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then
    say "bench: PID $pid did not stop on SIGTERM; killing it"
    kill -KILL "$pid" 2>/dev/null || true
  fi
  wait "$pid" 2>/dev/null || true
  if mountpoint -q "$mnt"; then umount "$mnt" 2>/dev/null || umount -l "$mnt"; fi
}

# CPU seconds (user+system) a process has used so far; 0 when there is no such process.
cpu_seconds() {
  local pid=$1
  [ -n "$pid" ] && [ -r "/proc/$pid/stat" ] || { echo 0; return; }
  # Fields after the ")" of comm: utime is the 12th, stime the 13th (proc(5) fields 14 and 15).
  awk -v hz="$(getconf CLK_TCK)" '{ sub(/.*\) /, ""); split($0, f, " "); printf "%.3f\n", (f[12] + f[13]) / hz }' "/proc/$pid/stat"
}

# ---- figures ---------------------------------------------------------------------------------
# Every measurement appends "figure target value unit better [cpu-key cpu-value]" to $RAW;
# report() folds repeated rounds into their median and prints one line per figure with its
# ratio to the figure's reference target and the daemon's mean CPU use.

record() { # FIGURE TARGET VALUE UNIT BETTER(higher|lower) [CPU_KEY CPU_VALUE]
  printf '%s %s %s %s %s %s %s\n' "$1" "$2" "$3" "$4" "$5" "${6:--}" "${7:--}" >> "$RAW"
}

# CPU seconds between two cpu_seconds readings, divided by DIVISOR and scaled by SCALE.
cpu_delta() { # BEFORE AFTER [DIVISOR] [SCALE]
  awk -v a="$1" -v b="$2" -v d="${3:-1}" -v s="${4:-1}" 'BEGIN { printf "%.3f", (b - a) / d * s }'
}

# fio_run FIGURE TARGET PID FILE [fio options...]: runs one fio job on FILE and records its
# bandwidth (MiB/s) or IOPS, with the daemon's CPU time during the run.
fio_run() {
  local figure=$1 target=$2 pid=$3 file=$4; shift 4
  local json="$WORK/fio.json" before after value unit=MiB/s metric
  wait_quiet
  before=$(cpu_seconds "$pid")
  # invalidate=0: fio would otherwise fadvise(DONTNEED) the file first, which empties the host
  # page cache for the direct file but not for files behind FUSE. Cache state is set explicitly.
  run_child fio --name="$figure" --filename="$file" --ioengine=psync --invalidate=0 \
    --output-format=json --output="$json" "$@"
  after=$(cpu_seconds "$pid")
  case "${figure#tree-}" in
    seqread*)  metric='.jobs[0].read.bw_bytes / 1048576' ;;
    seqwrite*) metric='.jobs[0].write.bw_bytes / 1048576' ;;
    randread*) metric='.jobs[0].read.iops'; unit=IOPS ;;
    *) die "no metric for $figure" ;;
  esac
  value=$(jq -r "$metric | . * 10 | round / 10" "$json")
  if [ -n "$pid" ]; then
    record "$figure" "$target" "$value" "$unit" higher daemon_cpu_s "$(cpu_delta "$before" "$after")"
  else
    record "$figure" "$target" "$value" "$unit" higher
  fi
  say "  $figure $target: $value $unit"
}

# hyper FIGURE TARGET PID RUNS WARMUP PREPARE COMMAND: times COMMAND with hyperfine (no shell
# in between) and records every timed run in ms. PREPARE ("" for none) runs before each run.
hyper() {
  local figure=$1 target=$2 pid=$3 runs=$4 warmup=$5 prepare=$6 cmd=$7
  local json="$WORK/hyperfine.json" before after value args=()
  [ -n "$prepare" ] && args+=(--prepare "$prepare")
  wait_quiet
  before=$(cpu_seconds "$pid")
  run_child hyperfine -N --style none --runs "$runs" --warmup "$warmup" "${args[@]}" \
    --export-json "$json" "$cmd" > /dev/null
  after=$(cpu_seconds "$pid")
  local cpu="" t
  [ -z "$pid" ] || cpu=$(cpu_delta "$before" "$after" "$((runs + warmup))" 1000)
  for t in $(jq -r '.results[0].times[] * 1000 | . * 100 | round / 100' "$json"); do
    if [ -n "$pid" ]; then
      record "$figure" "$target" "$t" ms lower daemon_cpu_ms_per_run "$cpu"
    else
      record "$figure" "$target" "$t" ms lower
    fi
  done
  value=$(jq -r '.results[0].median * 1000 | . * 100 | round / 100' "$json")
  say "  $figure $target: $value ms (median of $runs)"
}

# oplat_run FIGURE TARGET PID OP DIR N [ARGS...]: per-operation latency from bench/oplat (one
# process, N operations), recorded in microseconds with the daemon's CPU microseconds per
# operation. OPLAT_OUT holds oplat's line (p50_ns, p99_ns, max_ns) afterwards.
oplat_run() {
  local figure=$1 target=$2 pid=$3 op=$4 dir=$5 n=$6
  shift 6
  local out before after value
  wait_quiet
  before=$(cpu_seconds "$pid")
  out=$("$OPLAT" "$op" "$dir" "$n" "$@")
  OPLAT_OUT=$out
  after=$(cpu_seconds "$pid")
  value=$(sed -nE 's/.*ns_per_op=([0-9.]+).*/\1/p' <<< "$out" | awk '{ printf "%.2f", $1 / 1000 }')
  if [ -n "$pid" ]; then
    record "$figure" "$target" "$value" us lower daemon_cpu_us_per_op "$(cpu_delta "$before" "$after" "$n" 1000000)"
  else
    record "$figure" "$target" "$value" us lower
  fi
  say "  $figure $target: $value us per operation"
}

# report REFS_SPEC: REFS_SPEC lines "figure-prefix ref-target". Prints one line per figure and
# target (figures and targets in the order first measured):
#   figure=seqread-cold target=passthrough value=3921 unit=MiB/s ref=direct ratio=0.97 better=higher runs=3 min=.. max=.. daemon_cpu_s=..
report() {
  awk -v refs="$1" '
    BEGIN {
      n = split(refs, lines, "\n")
      for (i = 1; i <= n; i++) { split(lines[i], p, " "); if (p[1] != "") { rp[++nr] = p[1]; rt[nr] = p[2] } }
    }
    function ref_of(fig,   i) { for (i = 1; i <= nr; i++) if (index(fig, rp[i]) == 1) return rt[i]; return "" }
    function median(key,   m, i, j, t, v) {
      m = cnt[key]; for (i = 1; i <= m; i++) v[i] = vals[key, i]
      for (i = 2; i <= m; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
      lo[key] = v[1]; hi[key] = v[m]
      return (m % 2) ? v[(m + 1) / 2] : (v[m / 2] + v[m / 2 + 1]) / 2
    }
    {
      key = $1 SUBSEP $2
      if (!($1 in seenf)) { seenf[$1] = 1; figs[++nf] = $1 }
      if (!($2 in seent)) { seent[$2] = 1; tgts[++nt] = $2 }
      if (!(key in cnt)) { fig[key] = $1; tgt[key] = $2; unit[key] = $4; better[key] = $5 }
      vals[key, ++cnt[key]] = $3 + 0
      if ($6 != "-") { cpukey[key] = $6; cpu[key] += $7; ncpu[key]++ }
    }
    END {
      for (a = 1; a <= nf; a++) for (b = 1; b <= nt; b++) if ((figs[a], tgts[b]) in cnt) { key = figs[a] SUBSEP tgts[b]; order[++nk] = key; med[key] = median(key) }
      for (k = 1; k <= nk; k++) {
        key = order[k]; r = ref_of(fig[key]); rkey = fig[key] SUBSEP r
        ratio = "-"
        if (r != "" && (rkey in med) && med[rkey] > 0 && med[key] > 0) ratio = sprintf("%.2f", med[key] / med[rkey])
        line = sprintf("figure=%s target=%s value=%s unit=%s ref=%s ratio=%s better=%s runs=%d min=%s max=%s",
          fig[key], tgt[key], fmt(med[key]), unit[key], (r == "" ? "-" : r), ratio, better[key], cnt[key], fmt(lo[key]), fmt(hi[key]))
        if (ncpu[key] > 0) line = line sprintf(" %s=%.2f", cpukey[key], cpu[key] / ncpu[key])
        print line
      }
    }
    function fmt(x) { return (x >= 100) ? sprintf("%.0f", x) : sprintf("%.2f", x) }
  ' "$RAW"
}

# field NAME LINE: the value of NAME=... in a figure line.
field() { sed -nE "s/.*(^| )$1=([^ ]*).*/\\2/p" <<< "$2"; }
