#!/usr/bin/env bash
# What the change feed costs: wrk PUTs at 64 connections with no subscriber, 1 and 10 ZeroMQ
# subscribers and 10 watch streams; events each received, seq gaps and the node's drop counters.
# By hand, never in CI: `bench/feed.sh [seconds] [rounds]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
rounds=${2:-2}
keys=10000
port=18540
url="http://127.0.0.1:$port"
feed_endpoint="tcp://127.0.0.1:$((port + 10000))"

bench_prepare feed_subscriber

bench_start_kvnode feed "$port"
bench_wait_http "$url/v1/readiness"
bench_load "$url" kvnode "$keys"

metric() {
  curl -sf "$url/metrics" | awk -v name="$1" '$1 == name { printf "%d\n", $2 }'
}

# start_subscribers KIND COUNT: each writes its tally to sub-N.out when it stops, a little
# after the wrk run ends.
start_subscribers() {
  local kind=$1 count=$2 i
  rm -f "$work"/sub-*.out
  subscriber_pids=()
  for i in $(seq "$count"); do
    if [[ $kind == zmq ]]; then
      build/release/bin/feed_subscriber zmq "$feed_endpoint" $((duration + 3)) \
        >"$work/sub-$i.out" &
      subscriber_pids+=($!)
    else
      { curl -sN --max-time $((duration + 3)) "$url/v1/watch" || true; } |
        build/release/bin/feed_subscriber sse >"$work/sub-$i.out" &
      subscriber_pids+=($!)
    fi
  done
  sleep 1  # ZeroMQ's slow joiner: a subscription takes effect a moment after connecting
}

# Prints "min_events_per_second mean_events_per_second total_seq_gaps subscribers".
subscriber_summary() {
  cat "$work"/sub-*.out 2>/dev/null | awk '
    { rate = $6; gaps += $8; sum += rate; n++; if (n == 1 || rate < low) low = rate }
    END { if (n) printf "%.0f %.0f %d %d\n", low, sum / n, gaps, n; else print "- - - 0" }'
}

printf "%-14s %10s %9s %8s %14s %14s %9s %9s %9s %10s\n" subscribers put-req/s p99 x-none \
  events/s-min events/s-mean seq-gaps drop-zmq drop-sse published/s
for _ in $(seq "$rounds"); do
  bench_wait_for_quiet
  none_rps=0
  for setup in none zmq:1 zmq:10 sse:10; do
    kind=${setup%%:*}
    count=${setup##*:}
    [[ $kind == none ]] && count=0
    [[ $count -gt 0 ]] && start_subscribers "$kind" "$count"
    zmq_before=$(metric 'kv_feed_dropped_total{transport="zmq"}')
    sse_before=$(metric 'kv_feed_dropped_total{transport="sse"}')
    events_before=$(metric kv_feed_events_total)
    read -r rps _ p99 _ < <(bench_measure 64 -s bench/workloads.lua "$url" -- kvnode put16 "$keys")
    events_after=$(metric kv_feed_events_total)
    [[ $count -gt 0 ]] && wait "${subscriber_pids[@]}"
    [[ $kind == none ]] && none_rps=$rps
    read -r low mean gaps _ < <(if [[ $count -gt 0 ]]; then subscriber_summary; else
      echo "- - -"; fi)
    label=$([[ $kind == none ]] && echo "none" || echo "$count $kind")
    printf "%-14s %10s %9s %8s %14s %14s %9s %9s %9s %10s\n" "$label" "$rps" "$p99" \
      "$(awk -v a="$rps" -v b="$none_rps" 'BEGIN { printf "%.2f", a / b }')" "$low" "$mean" \
      "$gaps" \
      "$(($(metric 'kv_feed_dropped_total{transport="zmq"}') - zmq_before))" \
      "$(($(metric 'kv_feed_dropped_total{transport="sse"}') - sse_before))" \
      "$(((events_after - events_before) / duration))"
  done
done
echo "(wrk -t2 -c64 -d${duration}s PUT 16 B; events/s per subscriber from its first to last event;"
echo " drops: kv_feed_dropped_total deltas, zmq in events and sse in streams closed)"
