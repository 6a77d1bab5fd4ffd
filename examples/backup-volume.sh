#!/usr/bin/env bash
# Copies a volume out of a pool with cp and compresses it: a download is a read.
# Usage: examples/backup-volume.sh POOL VOLUME DESTDIR [STORAGE]
set -euo pipefail
P=$1 V=$2 D=$3 S=${4:-/storage}
test -e "$S/pools/$P/volumes/$V" || { echo "no volume $V in pool $P" >&2; exit 1; }
out="$D/$V.$(date +%Y%m%d%H%M%S).gz"
gzip -c < "$S/pools/$P/volumes/$V" > "$out"
echo "$out: $(stat -c %s "$S/pools/$P/volumes/$V") bytes -> $(stat -c %s "$out") compressed"
