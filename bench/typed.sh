#!/usr/bin/env bash
# Typed values against Redis in the same run: incr of one hot key and of 10,000 keys next to
# PUT (wrk) and Redis INCR (redis-benchmark). Memory per small hash: bench/hash_memory.sh.
# By hand, not a test. Usage: bench/typed.sh [SECONDS_PER_ROW]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
kv_port=18710
redis_port=18711

bench_prepare
bench_start_kvnode kvnode "$kv_port"
bench_start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$work"
bench_wait_http "http://127.0.0.1:$kv_port/v1/readiness"
bench_wait_redis "$redis_port"
server_pids[kvnode]=$(bench_pid kvnode)

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
bench_wait_for_quiet
bench_table_header
url="http://127.0.0.1:$kv_port"
bench_row kvnode "put16" 64 -s bench/put.lua "$url"
bench_row kvnode "incr hot" 64 -s bench/incr.lua "$url"
INCR_KEYS=10000 bench_row kvnode "incr 10k" 64 -s bench/incr.lua "$url"
requests=$((40000 * duration))
for keyspace in 1 10000; do
  redis-benchmark -p "$redis_port" -c 64 -n "$requests" -r "$keyspace" -t incr --csv |
    awk -F'"' -v k="$keyspace" 'NR > 1 { printf "%-15s %-10s %4s %10s %9s %9s\n",
      "redis", "INCR " k, 64, $4, $10 "ms", $14 "ms" }'
done
echo "(wrk -t2 -c64 -d${duration}s; redis-benchmark -c64 -n$requests -r1 or -r10000, unpipelined)"

