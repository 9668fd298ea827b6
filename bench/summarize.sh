#!/usr/bin/env bash
# Medians over several outputs of bench/run.sh: on two cores shared with the client, one run can
# be slowed by half in any row, so the docs report the median of a few runs and their range.
# Usage: bench/summarize.sh RUN_OUTPUT...
set -euo pipefail
[[ $# -ge 1 ]] || { echo "usage: $0 RUN_OUTPUT..." >&2; exit 2; }
awk '
  function ms(latency) {  # wrk writes 512.00us, 3.41ms or 1.02s
    if (latency ~ /us$/) return latency / 1000
    if (latency ~ /ms$/) return latency + 0
    if (latency ~ /s$/) return latency * 1000
    return latency + 0
  }
  function median(list,    values, n, i, j, swap) {
    n = split(list, values, " ")
    for (i = 2; i <= n; i++)
      for (j = i; j > 1 && values[j - 1] + 0 > values[j] + 0; j--) {
        swap = values[j]; values[j] = values[j - 1]; values[j - 1] = swap
      }
    return n % 2 ? values[(n + 1) / 2] : (values[n / 2] + values[n / 2 + 1]) / 2
  }
  function range(list,    values, n, i, low, high) {
    n = split(list, values, " ")
    low = high = values[1] + 0
    for (i = 2; i <= n; i++) {
      if (values[i] + 0 < low) low = values[i] + 0
      if (values[i] + 0 > high) high = values[i] + 0
    }
    return sprintf("%.0f-%.0f", low, high)
  }
  / bytes per key$/ {
    name = substr($0, 1, 34)
    if (!(name in per_key)) memory_order[++memory_rows] = name
    per_key[name] = per_key[name] " " $(NF - 3)
    next
  }
  # Table rows: a 15-character server name, a 10-character workload, then the numbers.
  /^(nginx|pistache hello|kvnode|webdis|etcd gateway|redis-benchmark) / {
    split(substr($0, 28), field, " ")
    if (field[1] !~ /^[0-9]+$/ || field[2] !~ /^[0-9.]+$/) next  # the n/a rows
    key = substr($0, 1, 15) " " substr($0, 17, 10) " " sprintf("%4s", field[1])
    if (!(key in runs)) order[++rows] = key
    runs[key]++
    rps[key] = rps[key] " " field[2]
    p99[key] = p99[key] " " ms(field[4])
    ratio[key] = ratio[key] " " field[5]
    cpu[key] = cpu[key] " " field[6]
  }
  END {
    printf "%-15s %-10s %4s %5s %10s %13s %9s %8s %9s\n", "server", "workload", "-c", "runs",
      "req/s", "range", "p99 ms", "x-nginx", "cpu-us/req"
    for (i = 1; i <= rows; i++) {
      key = order[i]
      printf "%s %5d %10.0f %13s %9.2f %8s %9s\n", key, runs[key], median(rps[key]),
        range(rps[key]), median(p99[key]), ratio[key] ~ /-/ ? "-" : sprintf("%.2f", median(ratio[key])),
        cpu[key] ~ /-/ ? "-" : sprintf("%.1f", median(cpu[key]))
    }
    print "(medians over the runs given; range: lowest and highest req/s)"
    for (i = 1; i <= memory_rows; i++) {
      name = memory_order[i]
      printf "%s resident bytes per key: median %.1f of %s\n", name, median(per_key[name]),
        per_key[name]
    }
  }' "$@"
