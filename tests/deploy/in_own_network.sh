#!/usr/bin/env bash
# Runs a command in a network namespace of its own with only loopback, as a pod has one: kvnode
# gets the fixed ports of its config whatever else this machine is running.
set -euo pipefail
export PATH="$PATH:/usr/sbin:/sbin"  # where Debian keeps `ip`
exec unshare --net --map-root-user bash -c 'ip link set lo up && exec "$@"' in_own_network "$@"
