#!/usr/bin/env bash
# A/B of two kvnode builds on the same machine in the same run: this tree's release kvnode
# against OTHER (e.g. the previous release, built in another checkout), rounds alternating so
# that the machine's slow spells hit both alike. By hand, not a test.
# Usage: bench/ab.sh OTHER_KVNODE [SECONDS_PER_ROW] [ROUNDS] [CONNECTIONS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

other=${1:?usage: bench/ab.sh OTHER_KVNODE [SECONDS_PER_ROW] [ROUNDS] [CONNECTIONS]}
duration=${2:-5}
rounds=${3:-3}
connections=${4:-64}
keys=10000
this_port=18610
other_port=18620

bench_prepare
bench_start this build/release/bin/kvnode --http-listen "127.0.0.1:$this_port" \
  --feed-endpoint "tcp://127.0.0.1:$((this_port + 10000))" --log-level warn
bench_start other "$other" --http-listen "127.0.0.1:$other_port" \
  --feed-endpoint "tcp://127.0.0.1:$((other_port + 10000))" --log-level warn
bench_wait_http "http://127.0.0.1:$this_port/v1/readiness"
bench_wait_http "http://127.0.0.1:$other_port/v1/readiness"
server_pids[this]=$(bench_pid this)
server_pids[other]=$(bench_pid other)
bench_load "http://127.0.0.1:$this_port" kvnode "$keys"
bench_load "http://127.0.0.1:$other_port" kvnode "$keys"

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
echo "this: $(git rev-parse --short HEAD) build/release/bin/kvnode; other: $other"
bench_table_header
for round in $(seq "$rounds"); do
  bench_wait_for_quiet
  for server in this other; do
    port=${server}_port
    url="http://127.0.0.1:${!port}"
    bench_row "$server" ping "$connections" "$url/v1/ping"
    for workload in get put16 list; do
      bench_row "$server" "$workload" "$connections" -s bench/workloads.lua "$url" -- kvnode \
        "$workload" "$keys"
    done
  done
done
echo "(wrk -t2 -c$connections -d${duration}s, $rounds rounds; cpu-us/req: microseconds of CPU" \
  "the node used per request answered)"
