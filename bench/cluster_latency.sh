#!/usr/bin/env bash
# The latency table of docs/cluster.md: three kvnodes in a raft cluster on loopback, one client
# with keep-alive, 200 sequential requests per row. Usage: bench/cluster_latency.sh [KVNODE]
# (default build/release/bin/kvnode; BASE_PORT, default 19100, and the 8 ports after it are used).
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

kvnode=${1:-build/release/bin/kvnode}
base=${BASE_PORT:-19100}
work=$(mktemp -d)
trap bench_cleanup EXIT

peers="" http_peers=""
for id in 1 2 3; do
  peers+="${peers:+, }\"127.0.0.1:$((base + id))\""
  http_peers+="${http_peers:+, }\"127.0.0.1:$((base + 3 + id))\""
done
for id in 1 2 3; do
  cat >"$work/member-$id.toml" <<TOML
[node]
id = "member-$id"
data_dir = "$work/data-$id"
[http]
listen = "127.0.0.1:$((base + 3 + id))"
[feed]
zmq_endpoint = "tcp://127.0.0.1:$((base + 6 + id))"
[cluster]
node_id = $id
peers = [$peers]
raft_listen = "127.0.0.1:$((base + id))"
http_peers = [$http_peers]
TOML
done
bench_start member-1 "$kvnode" --config "$work/member-1.toml" --bootstrap
bench_start member-2 "$kvnode" --config "$work/member-2.toml"
bench_start member-3 "$kvnode" --config "$work/member-3.toml"

ready() { curl -fs "http://127.0.0.1:$1/v1/readiness" >/dev/null; }
for _ in $(seq 300); do
  if ready $((base + 4)) && ready $((base + 5)) && ready $((base + 6)); then break; fi
  sleep 0.1
done
leader=$(curl -fs "http://127.0.0.1:$((base + 4))/v1/cluster" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["leader"])')
follower=$((leader % 3 + 1))
python3 bench/cluster_latency.py $((base + 3 + leader)) $((base + 3 + follower)) 200
