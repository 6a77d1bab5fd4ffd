#!/usr/bin/env bash
# A filesystem pool of type dir whose items are directories: mkdir creates, rmdir deletes.
# Usage: examples/fspool.sh [STORAGE] [TARGET]   (defaults: /storage, /srv/example-shares)
set -euo pipefail
S=${1:-/storage}
T=${2:-/srv/example-shares}
fail() { tail -n1 "$S/errors" >&2; exit 1; }

echo "<fspool type='dir'><name>shares</name><target><path>$T</path></target></fspool>" > "$S/define" || fail
echo build > "$S/fspools/shares/ctl" || fail
echo start > "$S/fspools/shares/ctl" || fail

mkdir "$S/fspools/shares/items/web1"
echo '<h1>hello</h1>' > "$S/fspools/shares/items/web1/index.html"
cp -a /etc/hostname "$S/fspools/shares/items/web1/"
ls -l "$S/fspools/shares/items" "$S/fspools/shares/items/web1"
cat "$S/fspools/shares/item/web1/info"

# rmdir only removes an empty item; a full one is deleted through its ctl, as a job
rmdir "$S/fspools/shares/items/web1" 2>/dev/null || echo "delete web1" > "$S/fspools/shares/item/web1/ctl"
ls "$S/fspools/shares/items"
