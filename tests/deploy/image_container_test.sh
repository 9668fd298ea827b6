#!/usr/bin/env bash
# `make image-test`: runs the built image as a user would (read-only root, uid 10001, a volume for
# the write-ahead log, loopback ports) and checks what docs/deploy.md promises of it.
set -uo pipefail # no -e: a failed check is counted and the run goes on

image=${1:?usage: image_container_test.sh IMAGE}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/deploy/image_checks.sh
source "$here/image_checks.sh"
engine=$("$here/../../scripts/image/engine.sh") || exit 1

run_id=kvactor-image-test-$$
volume=$run_id-data
containers=()
node_url=""
feed_port=""

cleanup() {
  for name in "${containers[@]}"; do
    "$engine" rm --force --volumes "$name" >/dev/null 2>&1
  done
  "$engine" volume rm --force "$volume" >/dev/null 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start_node NAME: a kvnode container on the shared volume, its ports published on loopback at
# ports the engine picks; sets node_url and feed_port and waits until it is ready.
start_node() {
  local name=$run_id-$1
  containers+=("$name")
  "$engine" run --detach --name "$name" --read-only --user 10001 --volume "$volume:/data" \
    --publish 127.0.0.1::8080 --publish 127.0.0.1::5556 "$image" >/dev/null || return 1
  node_url=http://127.0.0.1:$(host_port "$name" 8080)
  feed_port=$(host_port "$name" 5556)
  wait_for 120 status_is 200 GET /v1/readiness || {
    "$engine" logs "$name" 2>&1 | tail -n 20
    return 1
  }
}

# kvctl of the image, on this machine's network: it reaches the node through the published port.
kvctl_gets() {
  local got
  got=$("$engine" run --rm --network host --read-only --user 10001 \
    --entrypoint /usr/local/bin/kvctl "$image" --url "$node_url" get "$2") || return 1
  [[ $got == "$1" ]] || {
    echo "kvctl get $2: '$got', not '$1'"
    return 1
  }
}

root_is_read_only() {
  "$engine" exec "$1" awk '$2 == "/" { print $4 }' /proc/mounts | grep -q '^ro\b'
}

kvnode_uid_is() {
  local uid
  uid=$("$engine" exec "$1" awk '/^Uid:/ { print $2 }' /proc/1/status) || return 1
  [[ $uid == "$2" ]] || {
    echo "kvnode runs as uid $uid"
    return 1
  }
}

volume_holds_data() {
  [[ -n $("$engine" exec "$1" find /data -mindepth 1 -type f) ]]
}

# podman runs a HEALTHCHECK only from systemd timers, so the test runs it once itself; docker's
# daemon runs it on its interval.
is_healthy() {
  if [[ $engine == podman ]]; then podman healthcheck run "$1" || return 1; fi
  wait_for 90 inspect_is healthy "$1" '{{.State.Health.Status}}'
}

# A ZeroMQ subscriber joins a moment after it connects, so writes repeat until it prints one.
feed_delivers() {
  local watcher=$run_id-watch
  containers+=("$watcher")
  "$engine" run --detach --name "$watcher" --network host --read-only --user 10001 \
    --entrypoint /usr/local/bin/kvctl "$image" watch --feed "tcp://127.0.0.1:$feed_port" \
    --prefix feed- >/dev/null || return 1
  wait_for 60 feed_printed "$watcher"
}

feed_printed() {
  curl -fsS -o /dev/null -X PUT --data-binary seen "$node_url/v1/keys/feed-probe" || return 1
  "$engine" logs "$1" 2>&1 | grep -q '^PUT feed-probe seen$'
}

# The engine's stop sends SIGTERM and, after 30 s, SIGKILL (exit status 137).
stops_with_status_0() {
  "$engine" stop --time 30 "$1" >/dev/null || return 1
  inspect_is 0 "$1" '{{.State.ExitCode}}'
}

killed_with_status_137() {
  "$engine" kill --signal KILL "$1" >/dev/null || return 1
  "$engine" wait "$1" >/dev/null
  inspect_is 137 "$1" '{{.State.ExitCode}}'
}

echo "testing $image with $engine"
"$engine" volume create "$volume" >/dev/null || exit 1

first=$run_id-first
check "a container starts read-only as uid 10001 and turns ready" start_node first
check "GET /v1/ping answers 200" status_is 200 GET /v1/ping
check "PUT /v1/keys/greeting creates the key" \
  body_has '"created":true' PUT /v1/keys/greeting "hello from a container"
check "GET /v1/keys/greeting answers the value" body_is "hello from a container" /v1/keys/greeting
check "kvctl of the image reads it through the published port" \
  kvctl_gets "hello from a container" greeting
check "GET /metrics counts the key and the requests" \
  body_has '^kv_keys 1$' GET /metrics
check "GET /metrics labels requests with their route" \
  body_has '^kv_http_requests_total\{.*route="/v1/keys/\{key\}"' GET /metrics
check "the change feed reaches kvctl watch through the published feed port" feed_delivers
check "kvnode runs as uid 10001" kvnode_uid_is "$first" 10001
check "the root filesystem is mounted read-only" root_is_read_only "$first"
check "the write-ahead log is on the volume" volume_holds_data "$first"
check "HEALTHCHECK (kvctl ping) reports healthy" is_healthy "$first"
check "SIGTERM: the node drains and exits with status 0" stops_with_status_0 "$first"
"$engine" rm "$first" >/dev/null 2>&1

replaced=$run_id-replaced
check "a new container on the same volume turns ready" start_node replaced
check "it has the key the removed container wrote" \
  body_is "hello from a container" /v1/keys/greeting
check "PUT /v1/keys/last-word creates the key" \
  body_has '"created":true' PUT /v1/keys/last-word "acknowledged, then killed"
check "kill -9 of the node" killed_with_status_137 "$replaced"
"$engine" rm "$replaced" >/dev/null 2>&1

check "a third container on the volume turns ready after the kill" start_node after-kill
check "it has the write acknowledged before the kill" \
  body_is "acknowledged, then killed" /v1/keys/last-word
check "it has the first container's key" body_is "hello from a container" /v1/keys/greeting

summary
