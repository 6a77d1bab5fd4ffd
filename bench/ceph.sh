# shellcheck shell=bash
# A single-node Ceph cluster for the rbd suite, as tests/fixtures/CephCluster.cs makes it: one
# monitor, one manager, one BlueStore OSD on a sparse file, cephx, everything under DIR and every
# daemon inside a network namespace of its own holding only loopback (the monitor's
# 127.0.0.1:3300 meets nothing of the host's). The daemons and the namespace's holder are added
# to BENCH_PIDS, so bench_cleanup stops them by PID.
#   ceph_start DIR   sets CEPH_NS (the namespace), CEPH_CONF, CEPH_KEY (client.admin's key),
#                    CEPH_ENTER (the argv prefix that runs a program inside the namespace);
#                    makes the replicated pool "rbd" (size 1), initialised for rbd.

ceph_run() { "${CEPH_ENTER[@]}" "$@"; }

ceph_daemon() { # PROGRAM ARGS...: in the foreground inside the namespace, logging under DIR/log
  local program=$1; shift
  "${CEPH_ENTER[@]}" sh -c "exec $program -f -c $CEPH_CONF $* >>$CEPH_DIR/log/$program.out 2>&1" &
  BENCH_PIDS+=("$!")
  sleep 0.1
  kill -0 "$!" 2>/dev/null || { tail -n 20 "$CEPH_DIR/log/$program.out" >&2; die "$program exited at once"; }
}

ceph_start() {
  CEPH_DIR=$1
  local fsid holder n id uuid secret
  need_packages ceph-mon:ceph-mon ceph-mgr:ceph-mgr ceph-osd:ceph-osd rbd:ceph-common nsenter:util-linux
  mkdir -p "$CEPH_DIR"/{mon,mgr,osd,run,log}
  chmod 700 "$CEPH_DIR"
  unshare --net -- sleep infinity &
  holder=$!
  BENCH_PIDS+=("$holder")
  CEPH_NS=/proc/$holder/ns/net
  for ((n = 0; n < 100; n++)); do
    [ "$(readlink "$CEPH_NS" 2>/dev/null)" != "" ] && [ "$(readlink "$CEPH_NS")" != "$(readlink /proc/self/ns/net)" ] && break
    sleep 0.05
  done
  CEPH_ENTER=(nsenter "--net=$CEPH_NS" --)
  ceph_run ip link set lo up
  CEPH_CONF=$CEPH_DIR/ceph.conf
  fsid=$(cat /proc/sys/kernel/random/uuid)
  cat > "$CEPH_CONF" <<CONF
[global]
fsid = $fsid
mon_host = v2:127.0.0.1:3300
public_addr = 127.0.0.1
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
auth_allow_insecure_global_id_reclaim = false
osd_pool_default_size = 1
osd_pool_default_min_size = 1
osd_pool_default_pg_autoscale_mode = off
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
mon_allow_pool_size_one = true
mon_allow_pool_delete = true
mon_warn_on_pool_no_redundancy = false
mon_data_avail_warn = 1
osd_crush_chooseleaf_type = 0
run_dir = $CEPH_DIR/run
pid_file =
admin_socket = $CEPH_DIR/run/\$name.asok
log_file = $CEPH_DIR/log/\$name.log
keyring = $CEPH_DIR/\$name.keyring
mon_data = $CEPH_DIR/mon
mgr_data = $CEPH_DIR/mgr
osd_data = $CEPH_DIR/osd
osd_objectstore = bluestore
bluestore_block_size = 8589934592
bluestore_block_create = true
bluestore_fsck_on_mkfs = false
osd_memory_target = 1073741824
paxos_propose_interval = 0.1
mgr_stats_period = 1
osd_mon_report_interval = 1
CONF
  ceph-authtool --create-keyring "$CEPH_DIR/mon.keyring" --gen-key -n mon. --cap mon 'allow *' >/dev/null
  ceph-authtool --create-keyring "$CEPH_DIR/client.admin.keyring" --gen-key -n client.admin \
    --cap mon 'allow *' --cap osd 'allow *' --cap mgr 'allow *' >/dev/null
  ceph-authtool "$CEPH_DIR/mon.keyring" --import-keyring "$CEPH_DIR/client.admin.keyring" >/dev/null
  CEPH_KEY=$(ceph-authtool -p -n client.admin "$CEPH_DIR/client.admin.keyring")
  monmaptool --create --addv a '[v2:127.0.0.1:3300]' --fsid "$fsid" "$CEPH_DIR/monmap" >/dev/null
  ceph-mon -c "$CEPH_CONF" --mkfs -i a --monmap "$CEPH_DIR/monmap" --keyring "$CEPH_DIR/mon.keyring"
  ceph_daemon ceph-mon -i a
  ceph_run ceph -c "$CEPH_CONF" --connect-timeout 30 mon stat >/dev/null
  ceph_run ceph -c "$CEPH_CONF" osd pool create rbd 8 8 replicated >/dev/null 2>&1
  ceph_run ceph -c "$CEPH_CONF" osd pool set rbd size 1 --yes-i-really-mean-it >/dev/null 2>&1
  ceph_run ceph -c "$CEPH_CONF" auth get-or-create mgr.x mon 'allow profile mgr' osd 'allow *' -o "$CEPH_DIR/mgr.x.keyring"
  ceph_daemon ceph-mgr -i x
  uuid=$(cat /proc/sys/kernel/random/uuid)
  secret=$(ceph-authtool --gen-print-key)
  id=$(echo "{\"cephx_secret\": \"$secret\"}" | ceph_run ceph -c "$CEPH_CONF" osd new "$uuid" -i -)
  ceph-authtool --create-keyring "$CEPH_DIR/osd.$id.keyring" --name "osd.$id" --add-key "$secret" >/dev/null
  ceph_run ceph-osd -c "$CEPH_CONF" -i "$id" --mkfs --osd-uuid "$uuid" >/dev/null 2>&1
  ceph_daemon ceph-osd -i "$id"
  # Returns once the OSD is up and the pool's placement groups are active.
  ceph_run rbd -c "$CEPH_CONF" pool init rbd
  say "ceph: mon, mgr, osd.$id up in $CEPH_NS ($CEPH_DIR)"
}
