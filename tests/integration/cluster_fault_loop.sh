#!/usr/bin/env bash
# Runs the cluster fault tests (and the kill -9 test of cluster_test.cpp) N times, one process
# per test and run, and prints pass/fail counts per test; by hand, not in CI (it is slow).
# Usage: tests/integration/cluster_fault_loop.sh [N] [GTEST_BINARY]
#   N defaults to 20; the binary to build/release/bin/kv_integration_tests. A failed run's output
#   is kept in $LOG_DIR (default: a new temporary directory), whose path is printed at the end.
set -uo pipefail

runs="${1:-20}"
binary="${2:-build/release/bin/kv_integration_tests}"
if [[ ! -x "$binary" ]]; then
  echo "no test binary at $binary: build the kv_integration_tests target first" >&2
  exit 2
fi
log_dir="${LOG_DIR:-$(mktemp -d -t cluster-fault-loop.XXXXXX)}"
mkdir -p "$log_dir"

tests=(Cluster.KillingTheLeaderUnderWritersLosesNoAcknowledgedWrite)
while IFS= read -r name; do tests+=("$name"); done < <(
  "$binary" --gtest_list_tests --gtest_filter='ClusterFault.*' |
    awk '/^[^ ]/ { suite = $1 } /^  / { print suite $1 }')

declare -A passed failed
for name in "${tests[@]}"; do passed[$name]=0; failed[$name]=0; done

for ((run = 1; run <= runs; run++)); do
  for name in "${tests[@]}"; do
    log="$log_dir/${name}.run${run}.log"
    # 300 s: the per-test timeout ctest gives the integration tests.
    if timeout 300 "$binary" --gtest_filter="$name" >"$log" 2>&1 &&
      ! grep -q '^\[  SKIPPED \]' "$log"; then
      passed[$name]=$((passed[$name] + 1))
      rm -f "$log"
    else
      failed[$name]=$((failed[$name] + 1))
      echo "run $run: $name FAILED (log: $log)"
    fi
  done
done

status=0
printf '%-84s %6s %6s\n' test passed failed
for name in "${tests[@]}"; do
  printf '%-84s %6d %6d\n' "$name" "${passed[$name]}" "${failed[$name]}"
  ((failed[$name] == 0)) || status=1
done
echo "logs of failed runs: $log_dir"
exit "$status"
