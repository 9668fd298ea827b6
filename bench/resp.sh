#!/usr/bin/env bash
# Redis 7 (Debian's redis-server) against kvnode's RESP port, both driven by redis-benchmark in
# the same run: GET and SET of 3-byte values over KEYS random keys, 64 connections, unpipelined
# (-P 1) and 16 commands per pipeline (-P 16); each row the median of RUNS runs, with the server's
# CPU per request. Run by hand, never in CI: `bench/resp.sh [requests] [runs] [keys]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

requests=${1:-200000}
runs=${2:-3}
keys=${3:-100000}
connections=64
redis_port=18630
kv_http_port=18631
kv_resp_port=18632

bench_prepare
bench_start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no
bench_start_kvnode kvnode "$kv_http_port" "[resp]
listen = \"127.0.0.1:$kv_resp_port\""
bench_wait_redis "$redis_port"
bench_wait_redis "$kv_resp_port"

# One redis-benchmark run: "rps p50 p99 cpu-us/req".
measure() {
  local port=$1 pid=$2 test=$3 pipeline=$4 before after rps p50 p99
  before=$(bench_cpu_ticks "$pid")
  read -r rps p50 p99 < <(redis-benchmark -p "$port" -c "$connections" -n "$requests" \
    -r "$keys" -P "$pipeline" -t "$test" --csv | tr -d '"' |
    awk -F, '$1 != "test" { print $2, $5, $7 }')
  after=$(bench_cpu_ticks "$pid")
  echo "$rps $p50 $p99 $(bench_cpu_per_request $((after - before)) "$requests")"
}

# The median (by req/s) of the runs' lines.
median() {
  sort -n -k1,1 | awk '{ line[NR] = $0 } END { print line[int((NR + 1) / 2)] }'
}

# Both servers hold the keys before GET is measured.
for port in "$redis_port" "$kv_resp_port"; do
  redis-benchmark -p "$port" -c "$connections" -n "$keys" -r "$keys" -P 16 -t set -q >/dev/null
done

bench_wait_for_quiet
printf "%-8s %-4s %3s %10s %8s %8s %10s %8s\n" server test -P req/s p50-ms p99-ms cpu-us/req \
  x-redis
for pipeline in 1 16; do
  for test in get set; do
    declare -A result=()
    for server in redis kvnode; do
      port=$redis_port
      [[ $server == kvnode ]] && port=$kv_resp_port
      result[$server]=$(for _ in $(seq "$runs"); do
        measure "$port" "$(bench_pid "$server")" "$test" "$pipeline"
      done | median)
    done
    for server in redis kvnode; do
      read -r rps p50 p99 cpu <<<"${result[$server]}"
      ratio=$(awk -v a="$rps" -v b="$(cut -d' ' -f1 <<<"${result[redis]}")" \
        'BEGIN { printf "%.2f", a / b }')
      printf "%-8s %-4s %3s %10s %8s %8s %10s %8s\n" "$server" "$test" "$pipeline" "$rps" "$p50" \
        "$p99" "$cpu" "$ratio"
    done
  done
done
