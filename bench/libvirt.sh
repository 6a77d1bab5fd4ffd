# shellcheck shell=bash
# A private libvirtd for the side-by-side figures, started and stopped by the bench itself.
#
# Debian 12 ships only the monolithic libvirtd, and run as root it keeps its state in fixed
# places (/etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt).
# So it runs in its own mount namespace, where those five directories are the bench's
# ($WORK/libvirt/{etc,run,lib,cache,log}; /run becomes an empty tmpfs) and the host's
# libvirt state is never read or written; its sockets go to $WORK/libvirt/sock (unix_sock_dir),
# which virsh reaches through the URI's socket parameter. The exact commands:
#
#   unshare -m --propagation private -- sh -c '
#     mount --bind $LV/etc /etc/libvirt && mount -t tmpfs tmpfs /run && \
#     mount --bind $LV/lib /var/lib/libvirt && mount --bind $LV/cache /var/cache/libvirt && \
#     mount --bind $LV/log /var/log/libvirt && exec libvirtd --config $LV/etc/libvirtd.conf'
#   virsh -c "qemu:///system?socket=$LV/sock/libvirt-sock" ...
#
# unshare and sh exec into libvirtd, so the PID we hold is libvirtd's; when it exits the
# namespace and its mounts go with it.

# Installs libvirtd and virsh if missing, without starting any service: Debian's maintainer
# scripts ask /usr/sbin/policy-rc.d first; when the machine has none, one that answers 101
# ("action forbidden") is put there for the install and removed afterwards.
need_libvirt() {
  command -v libvirtd >/dev/null 2>&1 && command -v virsh >/dev/null 2>&1 && return 0
  local added=0
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\n# written by StorageFs bench/run for the libvirt install; removed after it\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod 755 /usr/sbin/policy-rc.d
    added=1
  fi
  local rc=0
  need_packages libvirtd:libvirt-daemon-system virsh:libvirt-clients || rc=$?
  [ "$added" = 0 ] || rm -f /usr/sbin/policy-rc.d
  [ "$rc" = 0 ] || die "could not install libvirt-daemon-system and libvirt-clients"
}

# start_libvirtd: sets LV (its directory), LV_PID and VIRSH_URI.
start_libvirtd() {
  LV="$WORK/libvirt"
  local d
  mkdir -p "$LV"/{etc,lib,cache,log,sock}
  # The package's configuration, without any pool, network or domain a previous user defined.
  cp -a /etc/libvirt/. "$LV/etc/"
  rm -rf "$LV/etc/storage" "$LV/etc/qemu/networks/autostart" "$LV/etc/qemu/autostart"
  find "$LV/etc/qemu" -maxdepth 1 -name '*.xml' -delete 2>/dev/null || true
  cat > "$LV/etc/libvirtd.conf" <<EOF
# bench/run: a private libvirtd; see bench/libvirt.sh
unix_sock_dir = "$LV/sock"
unix_sock_group = "root"
unix_sock_ro_perms = "0700"
unix_sock_rw_perms = "0700"
auth_unix_ro = "none"
auth_unix_rw = "none"
log_outputs = "3:file:$LV/libvirtd.log"
EOF
  for d in /etc/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt; do
    [ -d "$d" ] || die "$d is missing: is libvirt-daemon-system installed?"
  done
  unshare -m --propagation private -- sh -c '
    set -e
    LV=$1
    mount --bind "$LV/etc" /etc/libvirt
    mount -t tmpfs -o mode=755 tmpfs /run
    mount --bind "$LV/lib" /var/lib/libvirt
    mount --bind "$LV/cache" /var/cache/libvirt
    mount --bind "$LV/log" /var/log/libvirt
    exec libvirtd --config "$LV/etc/libvirtd.conf"' sh "$LV" > "$LV/stdout.log" 2>&1 &
  LV_PID=$!
  BENCH_PIDS+=("$LV_PID")
  VIRSH_URI="qemu:///system?socket=$LV/sock/libvirt-sock"
  local n
  for ((n = 0; n < 300; n++)); do
    virsh -q -c "$VIRSH_URI" uri > /dev/null 2>&1 && break
    kill -0 "$LV_PID" 2>/dev/null || { cat "$LV/stdout.log" "$LV/libvirtd.log" >&2 2>/dev/null; die "libvirtd exited at start"; }
    sleep 0.1
  done
  virsh -q -c "$VIRSH_URI" uri > /dev/null 2>&1 || die "libvirtd did not answer within 30 s (see $LV/libvirtd.log)"
  say "libvirtd: PID $LV_PID, $(libvirtd --version | awk '{print $NF}'), $VIRSH_URI"
}

# vsh ARGS...: virsh against the private libvirtd, quiet.
vsh() { virsh -q -c "$VIRSH_URI" "$@"; }
