#!/usr/bin/env bash
# Benchmarks persistence by hand, never in CI: PUT throughput and p99 for persistence none and
# wal with each fsync mode; then 1 million keys loaded, the node restarted, and the recovery time
# and peak memory measured; and the snapshot pauses logged while loading.
# Usage: bench/durability.sh [seconds] [connections]
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10}
connections=${2:-64}
port=18580
feed_port=18581
keys=1000000
batch=10000

scripts/install-deps.sh --bench
make --no-print-directory programs >/dev/null

work=$(mktemp -d)
node_pid=
stop_node() {
  if [[ -n $node_pid ]]; then
    kill "$node_pid" 2>/dev/null || true
    wait "$node_pid" 2>/dev/null || true
  fi
  node_pid=
}
trap 'stop_node; rm -rf "$work"' EXIT

# Starts kvnode on config $1 with its log in $2, and waits until readiness answers 200.
start_node() {
  build/release/bin/kvnode --config "$1" --http-listen "127.0.0.1:$port" \
    --feed-endpoint "tcp://127.0.0.1:$feed_port" --data-dir "$work/data" 2>"$2" &
  node_pid=$!
  until curl -sf "http://127.0.0.1:$port/v1/readiness" >/dev/null; do
    if ! kill -0 "$node_pid" 2>/dev/null; then  # it exited instead of getting ready
      echo "kvnode exited before it was ready; its log:" >&2
      cat "$2" >&2
      node_pid=
      exit 1
    fi
    sleep 0.01
  done
}

# Prints "req/s p99" for one wrk run of PUTs.
measure_put() {
  wrk -t2 -c"$connections" -d"${duration}s" --latency -s bench/put.lua "http://127.0.0.1:$port" |
    awk '/Requests\/sec/ {rps=$2} /^ +99%/ {p99=$2} END {print rps, p99}'
}

# Prints "fsyncs mean-ms" from the node's fsync histogram, or "- -" without one.
fsync_stats() {
  curl -sf "http://127.0.0.1:$port/metrics" |
    awk '/^kv_wal_fsync_duration_seconds_count/ {n=$2} /^kv_wal_fsync_duration_seconds_sum/ {s=$2}
      END {if (n > 0) printf "%d %.2f\n", n, s * 1000 / n; else print "- -"}'
}

echo "== PUT 16 B, wrk -t2 -c$connections -d${duration}s"
printf "%-22s %12s %10s %8s %14s\n" persistence req/s p99 fsyncs "mean fsync ms"
for mode in none no everysec always; do
  rm -rf "$work/data"
  if [[ $mode == none ]]; then
    printf '[storage]\npersistence = "none"\n' >"$work/put.toml"
  else
    printf '[storage]\npersistence = "wal"\nfsync = "%s"\n' "$mode" >"$work/put.toml"
  fi
  start_node "$work/put.toml" "$work/put.log"
  read -r rps p99 < <(measure_put)
  read -r fsyncs fsync_ms < <(fsync_stats)
  stop_node
  printf "%-22s %12s %10s %8s %14s\n" \
    "$([[ $mode == none ]] && echo none || echo "wal, fsync $mode")" "$rps" "$p99" "$fsyncs" \
    "$fsync_ms"
done

# 16 partitions split evenly over the keys k000000000000000 ... (16 bytes each), so that every
# partition recovers a sixteenth. Snapshots once a partition's log outgrows its data.
split_points=$(seq 1 15 | awk -v n="$keys" '{printf "%s\"k%015d\"", (NR > 1 ? ", " : ""), $1 * n / 16}')
cat >"$work/load.toml" <<CONF
[partitions]
split_points = [$split_points]
[storage]
persistence = "wal"
fsync = "everysec"
snapshot_log_multiple = 1
snapshot_min_log_bytes = 1048576
CONF

echo "== $keys keys of 16 bytes with 16-byte values, POST /v1/keys in batches of $batch"
rm -rf "$work/data"
start_node "$work/load.toml" "$work/load.log"
started=$(date +%s.%N)
for ((first = 0; first < keys; first += batch)); do
  awk -v first="$first" -v count="$batch" 'BEGIN {
    printf "{"
    for (i = first; i < first + count; i++) printf "%s\"k%015d\":\"0123456789abcdef\"", (i > first ? "," : ""), i
    printf "}"
  }' | curl -sf -X POST --data-binary @- "http://127.0.0.1:$port/v1/keys" >/dev/null
done
echo "loaded in $(awk -v s="$started" -v e="$(date +%s.%N)" 'BEGIN {printf "%.1f", e - s}') s;" \
  "RSS $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$node_pid/status")," \
  "peak $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$node_pid/status")"
stop_node
# Each snapshot logs its longest pause (one chunk copied on the actor's thread, by the wall
# clock and in CPU time) and how long its background write took. Prints the median and the max
# of the numbers that the extended regex $1 picks out.
spread() {
  grep -oE "$1" "$work/load.log" | grep -oE '[0-9]+\.[0-9]+' | sort -n |
    awk '{v[NR] = $1} END {printf "median %s ms, max %s ms", v[int((NR + 1) / 2)], v[NR]}'
}
echo "snapshots while loading: $(grep -c 'snapshot at seq' "$work/load.log");" \
  "longest pause per snapshot: $(spread 'longest pause [0-9.]+ ms')," \
  "in CPU time: $(spread '[0-9.]+ ms of CPU');" \
  "background write: $(spread 'written in [0-9.]+ ms')"
echo "data dir: $(du -sh "$work/data" | cut -f1)"

started=$(date +%s.%N)
start_node "$work/load.toml" "$work/recover.log"
ready=$(date +%s.%N)
echo "restart to readiness 200: $(awk -v s="$started" -v e="$ready" 'BEGIN {printf "%.2f", e - s}') s;" \
  "$(grep -o 'recovered .*' "$work/recover.log");" \
  "peak RSS $(awk '/VmHWM/ {printf "%.0f MiB", $2 / 1024}' "/proc/$node_pid/status")," \
  "RSS once ready $(awk '/VmRSS/ {printf "%.0f MiB", $2 / 1024}' "/proc/$node_pid/status")"
stop_node
echo "(load average: $(cut -d' ' -f1-3 /proc/loadavg), $(nproc) cores, $(date -u +%Y-%m-%d))"
