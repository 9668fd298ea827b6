#!/usr/bin/env bash
# Benchmarks the HTTP port over TLS against plain HTTP on the same kvnode build, and nginx with
# and without TLS in the same run, then the rate of full TLS handshakes of each.
# Run by hand, never in CI: `bench/tls.sh [seconds] [connections]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
connections=${2:-64}
keys=10000
plain_port=18520
tls_port=18521
nginx_port=18522
nginx_tls_port=18523

bench_prepare

# A CA and a server certificate for 127.0.0.1, made for this run. curl (the waits and the key
# counts of lib.sh) trusts the CA through CURL_CA_BUNDLE; wrk does not verify certificates.
(
  cd "$work"
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca.key
  openssl req -x509 -new -key ca.key -subj /CN=bench-ca -days 1 -out ca.pem
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out server.key
  openssl req -new -key server.key -subj /CN=127.0.0.1 -out server.csr
  printf 'subjectAltName=IP:127.0.0.1\n' >server.ext
  openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
    -extfile server.ext -out server.pem
) >"$work/openssl.log" 2>&1
export CURL_CA_BUNDLE="$work/ca.pem"

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
    listen 127.0.0.1:$nginx_tls_port ssl;
    ssl_certificate $work/server.pem;
    ssl_certificate_key $work/server.key;
    ssl_protocols TLSv1.2 TLSv1.3;
    location / { default_type application/octet-stream; return 200 "0123456789abcdef"; }
  }
}
CONF
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf"

bench_start_kvnode plain "$plain_port"
bench_start_kvnode tls "$tls_port" "[http.tls]
cert_file = \"$work/server.pem\"
key_file = \"$work/server.key\""

bench_wait_http "http://127.0.0.1:$nginx_port/"
bench_wait_http "https://127.0.0.1:$nginx_tls_port/"
bench_wait_http "http://127.0.0.1:$plain_port/v1/readiness"
bench_wait_http "https://127.0.0.1:$tls_port/v1/readiness"
server_pids[nginx]="$(cat "$work/nginx.pid") $(pgrep -P "$(cat "$work/nginx.pid")" | tr '\n' ' ')"
server_pids[nginx tls]=${server_pids[nginx]}
server_pids[kvnode]=$(bench_pid plain)
server_pids[kvnode tls]=$(bench_pid tls)

bench_load "http://127.0.0.1:$plain_port" kvnode "$keys"
bench_load "https://127.0.0.1:$tls_port" kvnode "$keys"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
echo "$(openssl version); $(nginx -v 2>&1)"
bench_wait_for_quiet
bench_table_header
# x-nginx: against the plain nginx row with the same script, then the TLS one.
bench_row "nginx" "script get" "$connections" -s bench/workloads.lua \
  "http://127.0.0.1:$nginx_port" -- kvnode get "$keys"
for workload in get put16; do
  bench_row "kvnode" "$workload" "$connections" -s bench/workloads.lua \
    "http://127.0.0.1:$plain_port" -- kvnode "$workload" "$keys"
done
bench_row "nginx" "script get" "$connections" -s bench/workloads.lua \
  "https://127.0.0.1:$nginx_tls_port" -- kvnode get "$keys"
for workload in get put16; do
  bench_row "kvnode tls" "$workload" "$connections" -s bench/workloads.lua \
    "https://127.0.0.1:$tls_port" -- kvnode "$workload" "$keys"
done
echo "(wrk -t2 -c$connections -d${duration}s; the first nginx row is plain HTTP and divides the" \
  "plain rows, the second is TLS and divides the TLS rows)"

echo
bench_wait_for_quiet
echo "full handshakes: a new TLS connection per request (wrk, Connection: close), then" \
  "handshakes alone (openssl s_time -new, one connection at a time; whole real seconds):"
printf "%-15s %12s %16s\n" server "req/s close" "s_time conn/s"
for target in "nginx tls:$nginx_tls_port:/" "kvnode tls:$tls_port:/v1/ping"; do
  IFS=: read -r name port path <<<"$target"
  read -r rps _ < <(bench_measure "$connections" -H "Connection: close" \
    "https://127.0.0.1:$port$path")
  handshakes=$(openssl s_time -connect "127.0.0.1:$port" -new -time "$duration" \
    -CAfile "$work/ca.pem" 2>/dev/null | awk '/connections in .* real seconds/ {
      printf "%.0f", $1 / $4 }')
  printf "%-15s %12s %16s\n" "$name" "$rps" "${handshakes:-?}"
done
