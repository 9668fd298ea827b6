#!/usr/bin/env bash
# Benchmarks kvnode against nginx (the HTTP ceiling), a Pistache hello-world, webdis, etcd's JSON
# gateway and Redis in one run on loopback, then resident memory for 1M keys next to Redis.
# Run by hand, never in CI: `make bench` or `bench/run.sh [seconds] [connection counts]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
connection_counts=${2:-"16 64"}
keys=10000
memory_keys=${MEMORY_KEYS:-1000000}
kv_port=18480
nginx_port=18490
hello_port=18492
redis_port=18493
webdis_port=18494
etcd_port=18495
memory_kv_port=18497
memory_redis_port=18498

bench_prepare pistache_hello

# nginx on its own config and prefix, returning a fixed 16-byte body with keep-alive. It forks
# into the background and writes its pid file itself.
mkdir -p "$work/nginx/logs"
cat >"$work/nginx/nginx.conf" <<CONF
worker_processes 2;
pid $work/nginx.pid;
error_log $work/nginx/logs/error.log;
events { worker_connections 1024; }
http {
  access_log off;
  keepalive_requests 1000000;
  server {
    listen 127.0.0.1:$nginx_port;
    location / { default_type application/octet-stream; return 200 "0123456789abcdef"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"

bench_start hello build/release/bin/pistache_hello "$hello_port" 2
bench_start_kvnode kvnode "$kv_port"
bench_start redis redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no \
  --daemonize no --dir "$work"
cat >"$work/webdis.json" <<CONF
{ "redis_host": "127.0.0.1", "redis_port": $redis_port, "http_host": "127.0.0.1",
  "http_port": $webdis_port, "threads": 2, "daemonize": false, "database": 0,
  "verbosity": 1, "logfile": "$work/webdis.log" }
CONF
# Started before Redis listened, webdis once stored nothing (DBSIZE empty after the load).
bench_wait_redis "$redis_port"
bench_start webdis webdis "$work/webdis.json"
# etcd keeps its data in the temporary directory and syncs it to disk as it does by default.
bench_start etcd etcd --name bench --data-dir "$work/etcd" \
  --listen-client-urls "http://127.0.0.1:$etcd_port" \
  --advertise-client-urls "http://127.0.0.1:$etcd_port" \
  --listen-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-advertise-peer-urls "http://127.0.0.1:$((etcd_port + 1))" \
  --initial-cluster "bench=http://127.0.0.1:$((etcd_port + 1))" --logger zap --log-level error

bench_wait_http "http://127.0.0.1:$nginx_port/"
bench_wait_http "http://127.0.0.1:$hello_port/"
bench_wait_http "http://127.0.0.1:$kv_port/v1/readiness"
bench_wait_http "http://127.0.0.1:$webdis_port/PING"
bench_wait_http "http://127.0.0.1:$etcd_port/health"
# nginx answers from its worker processes; webdis's answers cost Redis's CPU as well.
server_pids[nginx]="$(cat "$work/nginx.pid") $(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')"
server_pids[pistache hello]=$(bench_pid hello)
server_pids[kvnode]=$(bench_pid kvnode)
server_pids[webdis]="$(bench_pid webdis) $(bench_pid redis)"
server_pids[etcd gateway]=$(bench_pid etcd)

# The same keys in each store before the reads.
bench_load "http://127.0.0.1:$kv_port" kvnode "$keys"
bench_load "http://127.0.0.1:$webdis_port" webdis "$keys"
bench_load "http://127.0.0.1:$etcd_port" etcd "$keys"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
bench_table_header
for connections in $connection_counts; do
  bench_wait_for_quiet
  bench_row "nginx" "fixed 16 B" "$connections" "http://127.0.0.1:$nginx_port/"
  bench_row "pistache hello" "fixed 16 B" "$connections" "http://127.0.0.1:$hello_port/"
  bench_row "kvnode" "/v1/ping" "$connections" "http://127.0.0.1:$kv_port/v1/ping"
  # The stores' rows run a Lua script per request in wrk, which takes CPU from the server on
  # two cores: nginx with the same script is the ceiling they are divided by.
  bench_row "nginx" "script get" "$connections" -s bench/workloads.lua \
    "http://127.0.0.1:$nginx_port" -- kvnode get "$keys"
  for workload in get miss put16 put4k mixed list; do
    bench_row "kvnode" "$workload" "$connections" -s bench/workloads.lua \
      "http://127.0.0.1:$kv_port" -- kvnode "$workload" "$keys"
  done
  for workload in get miss put16 put4k mixed; do
    bench_row "webdis" "$workload" "$connections" -s bench/workloads.lua \
      "http://127.0.0.1:$webdis_port" -- webdis "$workload" "$keys"
  done
  bench_note_row "webdis" "list" "$connections" "n/a: webdis has no range command"
  for workload in get miss put16 put4k mixed list; do
    bench_row "etcd gateway" "$workload" "$connections" -s bench/workloads.lua \
      "http://127.0.0.1:$etcd_port" -- etcd "$workload" "$keys"
  done
  bench_redis_rows "$redis_port" "$connections" "$keys" "$(bench_pid redis)"
done
echo "(wrk -t2 -c{$connection_counts} -d${duration}s; x nginx: same connection count, same run," \
  "against nginx's row just above: the fixed-body row for hello and ping, the 'script get' row" \
  "(the same wrk script) for the stores; cpu-us/req: microseconds of CPU the server's processes" \
  "used per request answered (webdis: with Redis's); non-2xx: replies that were not 2xx, e.g." \
  "the 404s of kvnode's miss)"

echo
bench_wait_for_quiet
echo "resident memory for $memory_keys keys of 16 bytes with 16-byte values:"
# The default node also retains the last 100000 change-feed events for watch resumption; the
# second node retains none, which shows what the store itself costs.
bench_start_kvnode memory-default "$memory_kv_port"
bench_wait_http "http://127.0.0.1:$memory_kv_port/v1/readiness"
bench_memory_kvnode memory-default "$memory_kv_port" "$memory_keys"
bench_stop memory-default
bench_start_kvnode memory-no-history "$memory_kv_port" $'[feed]\nhistory_events = 0'
bench_wait_http "http://127.0.0.1:$memory_kv_port/v1/readiness"
bench_memory_kvnode memory-no-history "$memory_kv_port" "$memory_keys"
bench_stop memory-no-history
bench_start memory-redis redis-server --port "$memory_redis_port" --bind 127.0.0.1 --save "" \
  --appendonly no --daemonize no --dir "$work"
bench_wait_redis "$memory_redis_port"
bench_memory_redis memory-redis "$memory_redis_port" "$memory_keys"
