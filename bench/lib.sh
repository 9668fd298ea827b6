# Shared helpers of the bench scripts: servers started and stopped by pid in a temporary
# directory, wrk runs reduced to one table row, and resident memory after loading keys.
# Sourced by bench/run.sh, bench/tune.sh and bench/feed.sh; the caller sets `duration`.
# shellcheck shell=bash

declare -A nginx_rps=()
# The processes that serve each server name of the table, for the CPU they spend per request
# (the caller fills it in once the servers run).
declare -A server_pids=()
clock_ticks=$(getconf CLK_TCK)

# Stops every server that is still running, and removes the directory once they have exited
# (etcd still writes to its data directory while it stops).
bench_cleanup() {
  local pid_file pid
  for pid_file in "$work"/*.pid; do
    [[ -f $pid_file ]] && kill "$(cat "$pid_file")" 2>/dev/null || true
  done
  for pid_file in "$work"/*.pid; do
    [[ -f $pid_file ]] || continue
    pid=$(cat "$pid_file")
    for _ in $(seq 50); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
  done
  rm -rf "$work"
}

# bench_prepare [CMAKE_TARGET...]: the bench's packages, a release kvnode and kvctl and the
# targets named, then the temporary directory the servers run in, removed at exit.
bench_prepare() {
  local target
  scripts/install-deps.sh --bench
  make --no-print-directory programs >/dev/null
  for target in "$@"; do cmake --build build/release --target "$target" >/dev/null; done
  work=$(mktemp -d)
  trap bench_cleanup EXIT
}

# bench_start NAME COMMAND...: runs COMMAND in the background, its output in NAME.log.
bench_start() {
  local name=$1
  shift
  "$@" >"$work/$name.log" 2>&1 &
  echo $! >"$work/$name.pid"
}

bench_stop() {
  local pid
  pid=$(cat "$work/$1.pid")
  kill "$pid"
  wait "$pid" 2>/dev/null || true
  rm -f "$work/$1.pid"
}

bench_pid() {
  cat "$work/$1.pid"
}

# bench_start_kvnode NAME PORT [TOML]: a release kvnode with TOML as its config file, its feed
# 10000 ports above its HTTP port.
bench_start_kvnode() {
  local name=$1 port=$2 config=${3:-}
  printf '%s\n' "$config" >"$work/$name.toml"
  bench_start "$name" build/release/bin/kvnode --config "$work/$name.toml" \
    --http-listen "127.0.0.1:$port" --feed-endpoint "tcp://127.0.0.1:$((port + 10000))" \
    --log-level warn
}

bench_wait_http() {
  for _ in $(seq 100); do
    curl -sf -o /dev/null "$1" && return 0
    sleep 0.1
  done
  echo "no answer from $1; logs are in the temporary directory's *.log" >&2
  tail -n 5 "$work"/*.log >&2
  return 1
}

bench_wait_redis() {
  for _ in $(seq 100); do
    [[ $(redis-cli -p "$1" ping 2>/dev/null) == PONG ]] && return 0
    sleep 0.1
  done
  echo "redis on port $1 does not answer" >&2
  return 1
}

# Other engineers build on the same cores: wait up to a minute for the 1-minute load average to
# fall under 1.5 (our own previous runs count in it too), and say what it was.
bench_wait_for_quiet() {
  local load
  for _ in $(seq 12); do
    load=$(cut -d' ' -f1 /proc/loadavg)
    awk -v l="$load" 'BEGIN { exit !(l < 1.5) }' && break
    sleep 5
  done
  echo "# load average before the next runs: $(cut -d' ' -f1-3 /proc/loadavg)"
}

# bench_key_count URL TARGET: how many keys the store behind URL holds.
bench_key_count() {
  case $2 in
    kvnode) curl -sf "$1/metrics" | awk '/^kv_keys / { printf "%d", $2 }' ;;
    webdis) curl -sf "$1/DBSIZE" | tr -dc 0-9 ;;
    etcd)  # every key from "\0" on
      curl -sf -X POST -d '{"key":"AA==","range_end":"AA==","count_only":true}' \
        "$1/v3/kv/range" | sed -n 's/.*"count":"\([0-9]*\)".*/\1/p' ;;
  esac
}

# bench_load URL TARGET COUNT: writes keys 0..COUNT-1 of bench/workloads.lua for a while, long
# enough to write each of them at least once even on a busy machine, and checks that it did.
bench_load() {
  local held
  wrk -t1 -c16 -d"${BENCH_LOAD_SECONDS:-8}s" -s bench/workloads.lua "$1" -- "$2" load "$3" \
    >"$work/load-$2.log" 2>&1
  held=$(bench_key_count "$1" "$2")
  if [[ $held != "$3" ]]; then
    echo "$2 holds ${held:-no} keys after the load, not $3" >&2
    cat "$work/load-$2.log" >&2
    return 1
  fi
}

# bench_measure CONNECTIONS WRK_ARGS...: prints "req/s p50 p99 non-2xx socket-errors requests".
bench_measure() {
  local connections=$1
  shift
  wrk -t2 -c"$connections" -d"${duration:?the caller sets duration}s" --latency "$@" | awk '
    /requests in/ { requests = $1 }
    /Requests\/sec/ { rps = $2 }
    /^ +50%/ { p50 = $2 }
    /^ +99%/ { p99 = $2 }
    /Non-2xx or 3xx responses/ { non2xx = $NF }
    /Socket errors/ { gsub(",", ""); errors = $4 + $6 + $8 + $10 }
    END { print rps, p50, p99, non2xx + 0, errors + 0, requests + 0 }'
}

# bench_cpu_ticks PID...: the user and system CPU ticks these processes (all their threads)
# have used so far.
bench_cpu_ticks() {
  local pid total=0
  for pid in "$@"; do
    total=$((total + $(awk '{ print $14 + $15 }' "/proc/$pid/stat")))
  done
  echo "$total"
}

# bench_cpu_per_request TICKS REQUESTS: microseconds of server CPU per request. Unlike req/s it
# does not depend on how much of the two cores the client happened to leave the server.
bench_cpu_per_request() {
  awk -v t="$1" -v n="$2" -v hz="$clock_ticks" \
    'BEGIN { if (n > 0) printf "%.1f", t * 1e6 / hz / n; else print "-" }'
}

bench_table_header() {
  printf "%-15s %-10s %4s %10s %9s %9s %8s %9s %8s\n" server workload -c req/s p50 p99 x-nginx \
    "cpu-us/req" non-2xx
}

bench_print_row() {
  local server=$1 workload=$2 connections=$3 rps=$4 p50=$5 p99=$6 cpu=$7 other=$8
  local ratio
  ratio=$(awk -v a="$rps" -v b="${nginx_rps[$connections]:-0}" \
    'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }')
  printf "%-15s %-10s %4s %10s %9s %9s %8s %9s %8s\n" "$server" "$workload" "$connections" \
    "$rps" "$p50" "$p99" "$ratio" "$cpu" "$other"
}

# bench_row SERVER WORKLOAD CONNECTIONS WRK_ARGS...: one wrk run as one row; nginx's rows are
# what the others are divided by.
bench_row() {
  local server=$1 workload=$2 connections=$3 rps p50 p99 non2xx errors requests
  local pids ticks_before ticks_after cpu=-
  read -ra pids <<<"${server_pids[$server]:-}"
  shift 3
  [[ ${#pids[@]} -gt 0 ]] && ticks_before=$(bench_cpu_ticks "${pids[@]}")
  read -r rps p50 p99 non2xx errors requests < <(bench_measure "$connections" "$@")
  if [[ ${#pids[@]} -gt 0 ]]; then
    ticks_after=$(bench_cpu_ticks "${pids[@]}")
    cpu=$(bench_cpu_per_request $((ticks_after - ticks_before)) "$requests")
  fi
  [[ $server == nginx ]] && nginx_rps[$connections]=$rps
  [[ $errors -gt 0 ]] && non2xx="$non2xx+${errors}err"
  bench_print_row "$server" "$workload" "$connections" "$rps" "$p50" "$p99" "$cpu" "$non2xx"
}

bench_note_row() {
  printf "%-15s %-10s %4s %s\n" "$1" "$2" "$3" "$4"
}

# redis-benchmark, unpipelined, as the protocol-native reference: GET and SET of 16 bytes and
# SET of 4 KiB over KEYS random keys, about as many requests as a wrk run answers.
bench_redis_rows() {
  local port=$1 connections=$2 keys=$3 redis_pid=$4
  local requests=$((40000 * ${duration:?the caller sets duration}))
  local name test size count ticks_before ticks_after rps p50 p99
  for name in get put16 put4k; do
    case $name in
      get) test=get size=16 count=$requests ;;
      put16) test=set size=16 count=$requests ;;
      put4k) test=set size=4096 count=$((requests / 4)) ;;
    esac
    ticks_before=$(bench_cpu_ticks "$redis_pid")
    read -r rps p50 p99 < <(redis-benchmark -p "$port" -c "$connections" -n "$count" -r "$keys" \
      -d "$size" -t "$test" --csv | tr -d '"' | awk -F, '$1 != "test" { print $2, $5, $7 }')
    ticks_after=$(bench_cpu_ticks "$redis_pid")
    bench_print_row "redis-benchmark" "$name" "$connections" "$rps" "${p50}ms" "${p99}ms" \
      "$(bench_cpu_per_request $((ticks_after - ticks_before)) "$count")" "-"
  done
}

bench_rss_kib() {
  awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# The memory keys: 16 bytes, starting with one of 62 characters like the workloads' keys.
bench_memory_keys() {
  awk -v n="$1" 'BEGIN {
    alnum = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    for (i = 0; i < n; i++) printf "%s%015d\n", substr(alnum, i % 62 + 1, 1), i
  }'
}

bench_print_memory() {
  local server=$1 count=$2 before=$3 after=$4
  awk -v s="$server" -v n="$count" -v b="$before" -v a="$after" 'BEGIN {
    printf "%-34s RSS %7.1f MiB before, %7.1f MiB after: %5.1f bytes per key\n",
      s, b / 1024, a / 1024, (a - b) * 1024 / n
  }'
}

# bench_memory_kvnode NAME PORT COUNT: COUNT keys written with POST /v1/keys in batches of 10000.
bench_memory_kvnode() {
  local name=$1 port=$2 count=$3 pid before after batch keys_now
  pid=$(bench_pid "$name")
  before=$(bench_rss_kib "$pid")
  mkdir -p "$work/batches"
  bench_memory_keys "$count" | awk -v dir="$work/batches" '
    { file = sprintf("%s/%06d.json", dir, int((NR - 1) / 10000))
      printf "%s\"%s\":\"0123456789abcdef\"", (NR - 1) % 10000 ? "," : "{", $1 > file }
    NR % 10000 == 0 { print "}" > file; close(file) }
    END { if (NR % 10000) print "}" > file }'
  for batch in "$work"/batches/*.json; do
    curl -sf -o /dev/null -X POST --data-binary "@$batch" "http://127.0.0.1:$port/v1/keys"
  done
  rm -rf "$work/batches"
  keys_now=$(curl -sf "http://127.0.0.1:$port/metrics" | awk '/^kv_keys / { printf "%d", $2 }')
  [[ $keys_now == "$count" ]] || echo "kvnode holds $keys_now keys, not $count" >&2
  sleep 2
  after=$(bench_rss_kib "$pid")
  bench_print_memory "kvnode ($name)" "$count" "$before" "$after"
}

# bench_memory_redis NAME PORT COUNT: the same keys and values, pipelined with redis-cli --pipe.
bench_memory_redis() {
  local name=$1 port=$2 count=$3 pid before after
  pid=$(bench_pid "$name")
  before=$(bench_rss_kib "$pid")
  bench_memory_keys "$count" |
    awk '{ printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$16\r\n0123456789abcdef\r\n", length($1), $1 }' |
    redis-cli -p "$port" --pipe >/dev/null
  [[ $(redis-cli -p "$port" dbsize) == "$count" ]] || echo "redis holds not $count keys" >&2
  sleep 2
  after=$(bench_rss_kib "$pid")
  bench_print_memory "redis" "$count" "$before" "$after"
  echo "  redis INFO: $(redis-cli -p "$port" info memory | tr -d '\r' |
    grep -E '^used_memory(_rss)?:' | tr '\n' ' ')"
}
