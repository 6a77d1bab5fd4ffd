#!/usr/bin/env bash
# The image lifecycle (docs/TREE.md "The image toolbox"), end to end through /storage, every step one line written to
# a volume's ctl file (each blocks until its job ends; its exit status is the result):
#   1. create a zeroed raw volume          (create document; new space reads zero)
#   2. restore a base image into it        (restore SRC)
#   3. grow its filesystem to fill it      (growfs)
#   4. archive it, through a snapshot, into another pool   (archive DEST snapshot)
#   5. restore a second volume from that archive           (create + restore SRC)
#   6. grow that volume                                     (resize SIZE)
#   7. grow its filesystem                                  (growfs)
#
# Usage: examples/image-lifecycle.sh POOL BASE ARCHIVE_POOL [SIZE] [GROWN] [STORAGE]
#   POOL          a running dir/fs pool that gets the volumes vm.raw and vm-restored.raw
#   BASE          the base image: POOL/NAME of a volume, or an absolute path under an allowed
#                 directory (a raw image holding ext2/3/4, xfs or btrfs)
#   ARCHIVE_POOL  a running file pool that gets the archive vm.raw.zst
#   SIZE          the new volumes' size (default 2G); GROWN the restored one's after step 6 (default 3G)
#   STORAGE       where StorageFs is mounted (default /storage)
# Run it twice and it stops at step 1: the names exist (remove them with rm in volumes/).
set -euo pipefail
P=$1 BASE=$2 A=$3 SIZE=${4:-2G} GROWN=${5:-3G} S=${6:-/storage}
vol=vm.raw restored=vm-restored.raw archive=vm.raw.zst

ctl() { # VOLUME COMMAND: one command, one write; on failure say why (the tree's errors file)
  if ! echo "$2" > "$S/pools/$P/vol/$1/ctl"; then
    echo "'$2' on $1 failed: $(tail -n1 "$S/errors" | sed 's/.* msg=//')" >&2
    exit 1
  fi
}
zeroed() { # NAME: a raw volume of SIZE that reads as zeros and allocates nothing yet
  echo "<volume><name>$1</name><capacity unit='bytes'>$(numfmt --from=iec "$SIZE")</capacity><allocation>0</allocation><target><format type='raw'/></target></volume>" \
    > "$S/pools/$P/create"
}
show() { # VOLUME: what info says about it
  grep -E '^(Name|Capacity|Filesystem|Mounted|Backing|Compressed):' "$S/pools/$P/vol/$1/info" | sed 's/^/    /'
}

echo "1. create $P/$vol ($SIZE, zeroed)";            zeroed "$vol"
echo "2. restore $BASE into it";                     ctl "$vol" "restore $BASE"
echo "3. growfs";                                    ctl "$vol" growfs;            show "$vol"
echo "4. archive to $A/$archive through a snapshot"; ctl "$vol" "archive $A/$archive snapshot"
grep -E '^(Name|Capacity|Compressed):' "$S/pools/$A/vol/$archive/info" | sed 's/^/    /'
echo "5. create $P/$restored and restore it from $A/$archive"
zeroed "$restored";                                  ctl "$restored" "restore $A/$archive"
echo "6. resize $restored to $GROWN";                ctl "$restored" "resize $GROWN"
echo "7. growfs";                                    ctl "$restored" growfs;       show "$restored"
