#!/usr/bin/env bash
# Typed values against Redis in the same run: incr of one hot key and of 10,000 keys next to
# PUT (wrk) and Redis INCR (redis-benchmark), and resident memory per small hash of 4 fields.
# By hand, not a test. Usage: bench/typed.sh [SECONDS_PER_ROW] [HASH_KEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
hash_keys=${2:-1000000}
kv_port=18710
redis_port=18711
memory_kv_port=18712
memory_redis_port=18713

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

echo
bench_wait_for_quiet
echo "resident memory for $hash_keys hashes of 4 fields (2-byte names, 7-byte values):"
bench_start_kvnode memory "$memory_kv_port" $'[feed]\nhistory_events = 0'
bench_wait_http "http://127.0.0.1:$memory_kv_port/v1/readiness"
before=$(bench_rss_kib "$(bench_pid memory)")
held=0
for _ in $(seq 60); do
  HASH_KEYS=$hash_keys wrk -t2 -c64 -d10s -s bench/hash_load.lua \
    "http://127.0.0.1:$memory_kv_port" >/dev/null
  held=$(bench_key_count "http://127.0.0.1:$memory_kv_port" kvnode)
  [[ $held == "$hash_keys" ]] && break
done
[[ $held == "$hash_keys" ]] || echo "kvnode holds $held hashes, not $hash_keys" >&2
sleep 2
bench_print_memory "kvnode (hash, no feed history)" "$hash_keys" "$before" \
  "$(bench_rss_kib "$(bench_pid memory)")"
bench_stop memory
bench_start memory-redis redis-server --port "$memory_redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --daemonize no --dir "$work"
bench_wait_redis "$memory_redis_port"
before=$(bench_rss_kib "$(bench_pid memory-redis)")
awk -v n="$hash_keys" 'BEGIN { for (i = 0; i < n; i++) printf "HSET h%09d f1 value-1 f2 value-2 f3 value-3 f4 value-4\n", i }' |
  redis-cli -p "$memory_redis_port" --pipe >/dev/null
[[ $(redis-cli -p "$memory_redis_port" dbsize) == "$hash_keys" ]] ||
  echo "redis holds not $hash_keys hashes" >&2
sleep 2
bench_print_memory "redis (hash)" "$hash_keys" "$before" \
  "$(bench_rss_kib "$(bench_pid memory-redis)")"
