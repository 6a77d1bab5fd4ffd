#!/usr/bin/env bash
# A dir pool with a qcow2 and a raw volume, driven with plain file tools.
# Usage: examples/dir-pool.sh [STORAGE] [TARGET]   (defaults: /storage, /srv/example-images)
set -euo pipefail
S=${1:-/storage}
T=${2:-/srv/example-images}
fail() { tail -n1 "$S/errors" >&2; exit 1; }

echo "<pool type='dir'><name>example</name><target><path>$T</path></target></pool>" > "$S/define" || fail
echo build > "$S/pools/example/ctl" || fail
echo start > "$S/pools/example/ctl" || fail
echo yes > "$S/pools/example/autostart" || fail

# a qcow2 volume from a document, a raw one by writing a file
echo "<volume><name>vm1.qcow2</name><capacity unit='G'>10</capacity><target><format type='qcow2'/></target></volume>" \
  > "$S/pools/example/create" || fail
head -c 1M /dev/zero > "$S/pools/example/volumes/seed.raw" || fail
truncate -s 64M "$S/pools/example/volumes/seed.raw" || fail

ls -l "$S/pools/example/volumes"
cat "$S/pools/example/info"
cat "$S/pools/example/vol/vm1.qcow2/info"
