#!/usr/bin/env bash
# A 3-member kvnode cluster against a standalone kvnode and a 3-member etcd cluster, in one run
# on loopback: PUT and GET through the leader and a follower, failover after kill -9 of the
# leader, and how long a member that missed CATCHUP_KEYS writes takes to catch up.
# Run by hand, never in CI: `bench/cluster.sh [seconds] [connections]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
connections=${2:-64}
keys=10000
catchup_keys=${CATCHUP_KEYS:-1000000}
standalone_port=18580
member_http=(18581 18582 18583)
member_raft=(18591 18592 18593)
etcd_client=(18601 18603 18605)  # each etcd's peer port is its client port + 1

bench_prepare

# The standalone node as the image runs it: write-ahead log, fsync every second.
bench_start_kvnode standalone "$standalone_port" "$(printf '%s\n' '[storage]' \
  'persistence = "wal"' 'fsync = "everysec"' '[node]' "data_dir = \"$work/standalone\"")"

# member_config ID: the member's config file (the raft log is its write-ahead log, fsynced).
member_config() {
  local id=$1 i peers="" http_peers=""
  for i in 0 1 2; do
    peers+="${peers:+, }\"127.0.0.1:${member_raft[i]}\""
    http_peers+="${http_peers:+, }\"127.0.0.1:${member_http[i]}\""
  done
  printf '%s\n' "[node]" "data_dir = \"$work/member-$id\"" "[http]" \
    "listen = \"127.0.0.1:${member_http[id - 1]}\"" "[feed]" \
    "zmq_endpoint = \"tcp://127.0.0.1:$((member_http[id - 1] + 10000))\"" "[log]" \
    'level = "warn"' "[cluster]" "node_id = $id" "peers = [$peers]" \
    "raft_listen = \"127.0.0.1:${member_raft[id - 1]}\"" "http_peers = [$http_peers]" \
    >"$work/member-$id.toml"
}

start_member() {
  local id=$1
  shift
  bench_start "member-$id" build/release/bin/kvnode --config "$work/member-$id.toml" "$@"
}

member_url() { echo "http://127.0.0.1:${member_http[$1 - 1]}"; }

# cluster_field ID FIELD: a field of GET /v1/cluster of member ID.
cluster_field() {
  curl -sf --max-time 1 "$(member_url "$1")/v1/cluster" | jq -r ".$2"
}

wait_ready() {
  local id
  for id in "$@"; do bench_wait_http "$(member_url "$id")/v1/readiness"; done
}

for id in 1 2 3; do member_config "$id"; done
start_member 1 --bootstrap
start_member 2
start_member 3
wait_ready 1 2 3

# etcd's three members sync their logs to disk as they do by default.
etcd_cluster=""
for i in 0 1 2; do
  etcd_cluster+="${etcd_cluster:+,}e$i=http://127.0.0.1:$((etcd_client[i] + 1))"
done
for i in 0 1 2; do
  bench_start "etcd-$i" etcd --name "e$i" --data-dir "$work/etcd-$i" \
    --listen-client-urls "http://127.0.0.1:${etcd_client[i]}" \
    --advertise-client-urls "http://127.0.0.1:${etcd_client[i]}" \
    --listen-peer-urls "http://127.0.0.1:$((etcd_client[i] + 1))" \
    --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_client[i] + 1))" \
    --initial-cluster "$etcd_cluster" --initial-cluster-state new --logger zap --log-level error
done
for i in 0 1 2; do bench_wait_http "http://127.0.0.1:${etcd_client[i]}/health"; done

leader=$(cluster_field 1 leader)
follower=$((leader % 3 + 1))
# etcd's leader, from each member's status (its member id against the header's leader id).
etcd_leader=0
for i in 0 1 2; do
  status=$(curl -sf -X POST -d '{}' "http://127.0.0.1:${etcd_client[i]}/v3/maintenance/status")
  if [[ $(jq -r '.header.member_id == .leader' <<<"$status") == true ]]; then etcd_leader=$i; fi
done
etcd_follower=$(((etcd_leader + 1) % 3))

server_pids["standalone"]=$(bench_pid standalone)
server_pids["cluster-leader"]="$(bench_pid member-1) $(bench_pid member-2) $(bench_pid member-3)"
server_pids["cluster-follower"]=${server_pids["cluster-leader"]}
server_pids["etcd-leader"]="$(bench_pid etcd-0) $(bench_pid etcd-1) $(bench_pid etcd-2)"
server_pids["etcd-follower"]=${server_pids["etcd-leader"]}

bench_load "http://127.0.0.1:$standalone_port" kvnode "$keys"
bench_load "$(member_url "$leader")" kvnode "$keys"
bench_load "http://127.0.0.1:${etcd_client[etcd_leader]}" etcd "$keys"

echo "# $(date -u +%FT%TZ), wrk -t2 -c$connections -d${duration}s; kvnode leader is member" \
  "$leader, etcd leader e$etcd_leader; cpu-us/req counts every member's CPU"
bench_wait_for_quiet
bench_table_header
for workload in put16 get; do
  bench_row standalone "$workload" "$connections" -s bench/workloads.lua \
    "http://127.0.0.1:$standalone_port" -- kvnode "$workload" "$keys"
  bench_row cluster-leader "$workload" "$connections" -s bench/workloads.lua \
    "$(member_url "$leader")" -- kvnode "$workload" "$keys"
  bench_row cluster-follower "$workload" "$connections" -s bench/workloads.lua \
    "$(member_url "$follower")" -- kvnode "$workload" "$keys"
  bench_row etcd-leader "$workload" "$connections" -s bench/workloads.lua \
    "http://127.0.0.1:${etcd_client[etcd_leader]}" -- etcd "$workload" "$keys"
  bench_row etcd-follower "$workload" "$connections" -s bench/workloads.lua \
    "http://127.0.0.1:${etcd_client[etcd_follower]}" -- etcd "$workload" "$keys"
done
# A stale read is local: the cost of linearizability is the difference to the follower's row.
bench_row cluster-follower get-stale "$connections" -s bench/workloads.lua \
  "$(member_url "$follower")" -- kvnode-stale get "$keys"

# Failover: kill -9 of the leader, then the time until a PUT through another member succeeds.
survivor=$((leader % 3 + 1))
kill -9 "$(bench_pid "member-$leader")"
started=$(date +%s%N)
until curl -sf -o /dev/null --max-time 1 -X PUT -d x "$(member_url "$survivor")/v1/keys/failover"; do
  sleep 0.01
done
echo "# failover: kill -9 of the leader (member $leader) to the first PUT acknowledged through" \
  "member $survivor: $((($(date +%s%N) - started) / 1000000)) ms"
rm -f "$work/member-$leader.pid"
start_member "$leader"
wait_ready "$leader"

# Catch-up: a follower stopped while the others take CATCHUP_KEYS writes, then restarted.
leader=$(cluster_field "$survivor" leader)
behind=$((leader % 3 + 1))
bench_stop "member-$behind"
leader_url=$(member_url "$leader")
written=0
# One wrk thread writing keys in order, each run from where the keys stored so far end.
while (($(bench_key_count "$leader_url" kvnode) < catchup_keys)); do
  written=$((written + $(wrk -t1 -c"$connections" -d10s -s bench/workloads.lua "$leader_url" -- \
    kvnode load "$catchup_keys" "$(bench_key_count "$leader_url" kvnode)" |
    awk '/requests in/ { print $1 }')))
done
target=$(cluster_field "$leader" commit_index)
started=$(date +%s%N)
start_member "$behind"
until [[ $(cluster_field "$behind" applied_index || echo 0) -ge $target ]]; do
  sleep 0.05
done
echo "# catch-up: member $behind restarted $written writes behind ($catchup_keys keys, raft" \
  "index $target), applied them all in $((($(date +%s%N) - started) / 1000000)) ms"
