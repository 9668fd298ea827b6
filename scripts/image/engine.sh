#!/usr/bin/env bash
# Prints the container engine that builds and runs the image: docker when its daemon answers,
# else podman, configured for a root without every capability. Installs what the image needs.
set -euo pipefail

"$(dirname "$0")/../install-deps.sh" --image >&2

if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  echo docker
  exit 0
fi

# Root in a VM or container may lack CAP_SYS_RESOURCE: podman's default limits of open files and
# processes for root (over a million) are then refused, so containers get this machine's own
# (podman itself runs with at most kernel.pid_max processes, and a container cannot get more).
# runc copes with a mix of cgroup v1 and v2 mounts; netavark and the file events log need
# neither CNI plugins nor journald.
dropin=/etc/containers/containers.conf.d/kvactor.conf
nofile=$(ulimit -Hn)
nproc=$(ulimit -Hu)
pid_max=$(cat /proc/sys/kernel/pid_max)
[[ $nproc == unlimited || $nproc -gt $pid_max ]] && nproc=$pid_max
wanted="# Written by the kvactor image scripts: see docs/deploy.md.
[containers]
default_ulimits = [\"nofile=$nofile:$nofile\", \"nproc=$nproc:$nproc\"]

[engine]
runtime = \"runc\"
events_logger = \"file\"
cgroup_manager = \"cgroupfs\"

[network]
network_backend = \"netavark\""
if [[ "$(cat "$dropin" 2>/dev/null)" != "$wanted" ]]; then
  sudo=""
  [[ $(id -u) -ne 0 ]] && sudo="sudo"
  $sudo mkdir -p "$(dirname "$dropin")"
  echo "$wanted" | $sudo tee "$dropin" >/dev/null
  echo "wrote $dropin" >&2
fi
echo podman
