#!/usr/bin/env bash
# What a management container runs with /storage bind-mounted in: report every pool, start the
# autostart ones that are down, and follow events until told to stop.
# Usage: examples/management-container.sh [STORAGE]
set -uo pipefail
S=${1:-/storage}
for p in "$S"/pools/*/; do
  name=$(basename "$p")
  state=$(cat "$p/state")
  auto=$(cat "$p/autostart")
  printf '%-20s %-12s autostart=%s\n' "$name" "$state" "$auto"
  if [ "$state" = inactive ] && [ "$auto" = yes ]; then
    echo start > "$p/ctl" || grep " path=pools/$name/ctl " "$S/errors" | tail -n1 >&2
  fi
done
# one record per line: SEQ time=… event=… object=…
exec cat "$S/events"
