#!/usr/bin/env bash
# Resident memory per small hash (4 fields of 2-byte names and 7-byte values): kvnode, loaded
# with pipelined PUT ?type=hash, against Redis 7 loaded with pipelined HSET, in the same run.
# By hand, not a test. Usage: bench/hash_memory.sh [HASH_KEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

hash_keys=${1:-1000000}
kv_port=18712
redis_port=18713

bench_prepare
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
echo "resident memory for $hash_keys hashes of 4 fields (2-byte names, 7-byte values):"
bench_start_kvnode memory "$kv_port" $'[feed]\nhistory_events = 0'
bench_wait_http "http://127.0.0.1:$kv_port/v1/readiness"
before=$(bench_rss_kib "$(bench_pid memory)")
bench/hash_load.py "$kv_port" "$hash_keys"
held=$(bench_key_count "http://127.0.0.1:$kv_port" kvnode)
[[ $held == "$hash_keys" ]] || echo "kvnode holds $held hashes, not $hash_keys" >&2
sleep 2
bench_print_memory "kvnode (hash, no feed history)" "$hash_keys" "$before" \
  "$(bench_rss_kib "$(bench_pid memory)")"
bench_stop memory

bench_start memory-redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --daemonize no --dir "$work"
bench_wait_redis "$redis_port"
before=$(bench_rss_kib "$(bench_pid memory-redis)")
awk -v n="$hash_keys" 'BEGIN {
  for (i = 0; i < n; i++) printf "HSET h%09d f1 value-1 f2 value-2 f3 value-3 f4 value-4\n", i
}' | redis-cli -p "$redis_port" --pipe >/dev/null
[[ $(redis-cli -p "$redis_port" dbsize) == "$hash_keys" ]] ||
  echo "redis holds not $hash_keys hashes" >&2
sleep 2
bench_print_memory "redis (hash)" "$hash_keys" "$before" \
  "$(bench_rss_kib "$(bench_pid memory-redis)")"
