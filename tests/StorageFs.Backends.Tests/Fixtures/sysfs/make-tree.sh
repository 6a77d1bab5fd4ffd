#!/bin/sh
# Rebuilds the fixture tree (sys/, dev/) next to this script. Real layouts; see README.md.
set -eu
cd "$(dirname "$0")"
rm -rf sys dev
w() { mkdir -p "$(dirname "$1")"; printf '%s\n' "$2" > "$1"; }
lnk() { mkdir -p "$(dirname "$2")"; ln -s "$1" "$2"; }

AHCI=sys/devices/pci0000:00/0000:00:1f.2/ata1/host0
w $AHCI/scsi_host/host0/unique_id 1
w $AHCI/scsi_host/host0/proc_name ahci
w $AHCI/scsi_host/host0/scan ""
w $AHCI/target0:0:0/0:0:0:0/type 0
w $AHCI/target0:0:0/0:0:0:0/vendor "ATA     "
w $AHCI/target0:0:0/0:0:0:0/model "Samsung SSD 860 "
w $AHCI/target0:0:0/0:0:0:0/wwid "t10.ATA     Samsung SSD 860 EVO 500GB               S3Z1NB0K123456A"
w $AHCI/target0:0:0/0:0:0:0/block/sda/size 976773168
w $AHCI/target0:0:1/0:0:1:0/type 5
w $AHCI/target0:0:1/0:0:1:0/block/sr0/size 2097151

ISCSI=sys/devices/platform/host2
w $ISCSI/scsi_host/host2/unique_id 0
w $ISCSI/scsi_host/host2/proc_name iscsi_tcp
w $ISCSI/scsi_host/host2/scan ""
w $ISCSI/session1/iscsi_session/session1/targetname iqn.2013-06.com.example:demo
w $ISCSI/session1/iscsi_session/session1/tpgt 1
w $ISCSI/session1/target2:0:0/2:0:0:0/type 12
w $ISCSI/session1/target2:0:0/2:0:0:1/type 0
w $ISCSI/session1/target2:0:0/2:0:0:1/vendor "IET     "
w $ISCSI/session1/target2:0:0/2:0:0:1/model "VIRTUAL-DISK    "
w $ISCSI/session1/target2:0:0/2:0:0:1/wwid "naa.60000000000000000e00000000010001"
w $ISCSI/session1/target2:0:0/2:0:0:1/block/sdb/size 131072
w $ISCSI/session1/target2:0:0/2:0:0:2/type 0
w $ISCSI/session1/target2:0:0/2:0:0:2/wwid "naa.60000000000000000e00000000010002"
w $ISCSI/session1/target2:0:0/2:0:0:2/block:sdc/size 65536

FC=sys/devices/pci0000:00/0000:00:03.0/0000:05:00.0/host5
w $FC/scsi_host/host5/unique_id 5
w $FC/scsi_host/host5/proc_name lpfc
w $FC/scsi_host/host5/scan ""
w $FC/fc_host/host5/node_name 0x20000000c9831b4b
w $FC/fc_host/host5/port_name 0x10000000c9831b4b
w $FC/fc_host/host5/fabric_name 0x2001000dec9877c1
w $FC/fc_host/host5/port_state Online
w $FC/fc_host/host5/max_npiv_vports 255
w $FC/fc_host/host5/npiv_vports_inuse 0
w $FC/fc_host/host5/vport_create ""
w $FC/fc_host/host5/vport_delete ""
w $FC/rport-5:0-0/target5:0:0/5:0:0:0/type 0
w $FC/rport-5:0-0/target5:0:0/5:0:0:0/block/sdd/size 2097152

lnk ../../devices/pci0000:00/0000:00:1f.2/ata1/host0/scsi_host/host0 sys/class/scsi_host/host0
lnk ../../devices/platform/host2/scsi_host/host2 sys/class/scsi_host/host2
lnk ../../devices/pci0000:00/0000:00:03.0/0000:05:00.0/host5/scsi_host/host5 sys/class/scsi_host/host5
lnk ../../devices/pci0000:00/0000:00:03.0/0000:05:00.0/host5/fc_host/host5 sys/class/fc_host/host5
lnk ../../devices/platform/host2/session1/iscsi_session/session1 sys/class/iscsi_session/session1
lnk ../../../session1 $ISCSI/session1/iscsi_session/session1/device
for d in 0:0:0:0:$AHCI/target0:0:0 0:0:1:0:$AHCI/target0:0:1 2:0:0:0:$ISCSI/session1/target2:0:0 \
         2:0:0:1:$ISCSI/session1/target2:0:0 2:0:0:2:$ISCSI/session1/target2:0:0 5:0:0:0:$FC/rport-5:0-0/target5:0:0; do
  addr=${d%%:sys/*}; dir=sys/${d#*:sys/}
  lnk "../../../${dir#sys/}/$addr" "sys/bus/scsi/devices/$addr"
done
lnk ../../../devices/pci0000:00/0000:00:1f.2/ata1/host0 sys/bus/scsi/devices/host0
lnk ../../../devices/platform/host2 sys/bus/scsi/devices/host2
lnk ../../../devices/platform/host2/session1/target2:0:0 sys/bus/scsi/devices/target2:0:0

w sys/devices/virtual/block/dm-0/dm/name mpatha
w sys/devices/virtual/block/dm-0/dm/uuid mpath-360000000000000000e00000000010001
w sys/devices/virtual/block/dm-0/size 131072
w sys/devices/virtual/block/dm-0/dev 254:0
lnk ../../../../platform/host2/session1/target2:0:0/2:0:0:1/block/sdb sys/devices/virtual/block/dm-0/slaves/sdb
lnk ../../../../platform/host2/session1/target2:0:0/2:0:0:2/block:sdc sys/devices/virtual/block/dm-0/slaves/sdc
w sys/devices/virtual/block/dm-1/dm/name vg0-root
w sys/devices/virtual/block/dm-1/dm/uuid LVM-Xq8wQ2pQmM1cZ7kI7f3nN8t0cQ2aB1c2d3e4f5g6h7i8j9k0l1m2n3o4p5q6r7s8
w sys/devices/virtual/block/dm-1/size 41943040
w sys/devices/virtual/block/dm-1/dev 254:1
lnk ../devices/virtual/block/dm-0 sys/block/dm-0
lnk ../devices/virtual/block/dm-1 sys/block/dm-1
lnk ../devices/platform/host2/session1/target2:0:0/2:0:0:1/block/sdb sys/block/sdb

w sys/devices/virtual/misc/device-mapper/dev 10:236
lnk ../../devices/virtual/misc/device-mapper sys/class/misc/device-mapper

mkdir -p dev/disk/by-path dev/mapper
for n in sda sr0 sdb sdc sdd dm-0 dm-1; do : > dev/$n; done
lnk ../../sdb dev/disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2013-06.com.example:demo-lun-1
lnk ../../sdc dev/disk/by-path/ip-192.168.122.10:3260-iscsi-iqn.2013-06.com.example:demo-lun-2
lnk ../../sda dev/disk/by-path/pci-0000:00:1f.2-ata-1
lnk ../../sdd dev/disk/by-path/pci-0000:05:00.0-fc-0x500601603ce0013b-lun-0
lnk ../dm-0 dev/mapper/mpatha
lnk ../dm-1 dev/mapper/vg0-root
