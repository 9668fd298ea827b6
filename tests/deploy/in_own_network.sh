#!/usr/bin/env bash
# Runs a command in a network namespace of its own with only loopback, as a pod has one: kvnode
# gets the fixed ports of its config whatever else this machine is running.
#
#   in_own_network.sh [--mount] COMMAND [ARG...]
#
# --mount: in a mount namespace of its own as well, where the command may mount over this
# machine's files (a pod's /etc/hosts, say) and nothing outside sees it.
#
# OUTER_NET_NAMESPACE (and with --mount OUTER_MOUNT_NAMESPACE) name the namespaces it left, so
# that a command which adds addresses or mounts files can make sure it is not there any more.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # where Debian keeps `ip`
namespaces=(--net)
OUTER_NET_NAMESPACE="$(readlink /proc/self/ns/net)"
export OUTER_NET_NAMESPACE
if [ "${1:-}" = --mount ]; then
  shift
  namespaces+=(--mount)
  OUTER_MOUNT_NAMESPACE="$(readlink /proc/self/ns/mnt)"
  export OUTER_MOUNT_NAMESPACE
fi
exec unshare "${namespaces[@]}" --map-root-user \
  bash -c 'ip link set lo up && exec "$@"' in_own_network "$@"
