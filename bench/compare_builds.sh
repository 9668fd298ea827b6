#!/usr/bin/env bash
# A/B of kvnode binaries built from different code: GET latency at 1 connection, throughput at
# 64, and CPU burnt while idle, alternating the binaries so both see the same machine noise.
# Usage: bench/compare_builds.sh BINARY_A BINARY_B [rounds]
set -euo pipefail
[[ $# -ge 2 ]] || { echo "usage: $0 BINARY_A BINARY_B [rounds]" >&2; exit 2; }
a=$1
b=$2
rounds=${3:-2}
port=18500

measure() {
  local bin=$1 round=$2 pid
  "$bin" --http-listen "127.0.0.1:$port" --feed-endpoint "tcp://127.0.0.1:$((port + 1000))" \
    --log-level warn &
  pid=$!
  for _ in $(seq 50); do curl -sf "http://127.0.0.1:$port/v1/ping" >/dev/null && break; sleep 0.1; done
  curl -sf -X PUT --data-binary 0123456789abcdef "http://127.0.0.1:$port/v1/keys/k" >/dev/null
  local one many idle0 idle1
  one=$(wrk -t1 -c1 -d4s --latency "http://127.0.0.1:$port/v1/keys/k" |
    awk '/Requests\/sec/ {r=$2} /^ +50%/ {p=$2} END {print r " req/s, p50 " p}')
  many=$(wrk -t2 -c64 -d4s "http://127.0.0.1:$port/v1/keys/k" | awk '/Requests\/sec/ {print $2}')
  sleep 3
  idle0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  sleep 5
  idle1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
  echo "$bin round $round: 1 connection $one; 64 connections $many req/s; idle CPU $((idle1 - idle0)) ticks/5 s"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  port=$((port + 2))
}

for round in $(seq "$rounds"); do
  measure "$a" "$round"
  measure "$b" "$round"
done
