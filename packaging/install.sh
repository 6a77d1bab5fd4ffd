#!/usr/bin/env bash
# Publishes StorageFs to /opt/storagefs and installs the systemd unit (root, Debian 12).
set -euo pipefail
cd "$(dirname "$0")/.."
apt-get install -y --no-install-recommends fuse3
dotnet publish src/StorageFs -c Release -o /opt/storagefs
install -m 0644 README.md /opt/storagefs/README.md
install -m 0644 storagefs.service /etc/systemd/system/storagefs.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  echo "installed: systemctl enable --now storagefs"
else
  echo "installed (systemd is not running here: start /usr/bin/dotnet /opt/storagefs/storagefs.dll by hand)"
fi
