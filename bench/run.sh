#!/usr/bin/env bash
# Benchmarks kvnode against nginx (the HTTP ceiling on this machine) in one run, with wrk on
# loopback. Run by hand, never in CI: `make bench` or `bench/run.sh [seconds] [connections]`.
set -euo pipefail
cd "$(dirname "$0")/.."

duration=${1:-10}
connections=${2:-64}
kv_port=18480
nginx_port=18490

scripts/install-deps.sh --bench
make --no-print-directory programs >/dev/null

work=$(mktemp -d)
cleanup() {
  [[ -f $work/kvnode.pid ]] && kill "$(cat "$work/kvnode.pid")" 2>/dev/null || true
  [[ -f $work/nginx.pid ]] && kill "$(cat "$work/nginx.pid")" 2>/dev/null || true
  sleep 0.5
  rm -rf "$work"
}
trap cleanup EXIT

# nginx on its own config and prefix, returning a fixed 16-byte body with keep-alive.
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

build/release/bin/kvnode --http-listen "127.0.0.1:$kv_port" --feed-endpoint "tcp://127.0.0.1:18491" \
  --log-level warn &
echo $! >"$work/kvnode.pid"
for _ in $(seq 50); do curl -sf "http://127.0.0.1:$kv_port/v1/ping" >/dev/null && break; sleep 0.1; done
curl -sf -X PUT --data-binary 0123456789abcdef "http://127.0.0.1:$kv_port/v1/keys/bench-key" >/dev/null

# Prints "req/s p50 p99" for one wrk run.
measure() {
  wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" |
    awk '/Requests\/sec/ {rps=$2} /^ +50%/ {p50=$2} /^ +99%/ {p99=$2} END {print rps, p50, p99}'
}

printf "%-28s %12s %10s %10s %8s\n" workload req/s p50 p99 x-nginx
nginx_rps=0
row() {
  local name=$1
  shift
  read -r rps p50 p99 < <(measure "$@")
  [[ $name == nginx* ]] && nginx_rps=$rps
  printf "%-28s %12s %10s %10s %8s\n" "$name" "$rps" "$p50" "$p99" \
    "$(awk -v a="$rps" -v b="$nginx_rps" 'BEGIN { printf "%.2f", a / b }')"
}
row "nginx fixed 16 B" "http://127.0.0.1:$nginx_port/"
row "kvnode /v1/ping (no actor)" "http://127.0.0.1:$kv_port/v1/ping"
row "kvnode GET 16 B (hit)" "http://127.0.0.1:$kv_port/v1/keys/bench-key"
row "kvnode PUT 16 B" -s bench/put.lua "http://127.0.0.1:$kv_port"
echo "(wrk -t2 -c$connections -d${duration}s, $(nproc) cores, $(date -u +%Y-%m-%d))"
