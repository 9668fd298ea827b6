#!/usr/bin/env bash
# Measures kvnode's GET and PUT at 64 connections for each partition count and HTTP thread
# count, to choose the defaults for this machine. By hand: `bench/tune.sh [seconds] [rounds]`.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
rounds=${2:-2}
keys=10000
port=18520

# shellcheck disable=SC2119 # no extra targets to build
bench_prepare

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
printf "%-10s %-12s %-8s %10s %9s %9s\n" partitions http.threads workload req/s p50 p99
for _ in $(seq "$rounds"); do
  bench_wait_for_quiet
  for partitions in 1 4 16 64; do
    for threads in 1 2 4; do
      bench_start_kvnode tuned "$port" \
        $'[http]\nthreads = '"$threads"$'\n[partitions]\ncount = '"$partitions"
      bench_wait_http "http://127.0.0.1:$port/v1/readiness"
      bench_load "http://127.0.0.1:$port" kvnode "$keys"
      for workload in get put16; do
        read -r rps p50 p99 _ < <(bench_measure 64 -s bench/workloads.lua \
          "http://127.0.0.1:$port" -- kvnode "$workload" "$keys")
        printf "%-10s %-12s %-8s %10s %9s %9s\n" "$partitions" "$threads" "$workload" "$rps" \
          "$p50" "$p99"
      done
      bench_stop tuned
    done
  done
done
echo "(wrk -t2 -c64 -d${duration}s, bench/workloads.lua keys; round after round)"
