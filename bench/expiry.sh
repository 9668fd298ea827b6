#!/usr/bin/env bash
# Expiry under load: a client reads 1000 live keys while 100,000 other keys expire in the same
# second; its latency against the same reads with nothing expiring, the time until the sweep
# has removed them all, and resident memory before, loaded and after.
# By hand, not a test. Usage: bench/expiry.sh [EXPIRING_KEYS]
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

expiring=${1:-100000}
port=18720
url="http://127.0.0.1:$port"
ttl=4

# batch_json FIRST COUNT PREFIX: {"PREFIX<i>":"value-<i>",...} for i in FIRST..FIRST+COUNT-1.
batch_json() {
  awk -v first="$1" -v n="$2" -v p="$3" 'BEGIN {
    printf "{"
    for (i = first; i < first + n; i++) printf "%s\"%s%d\":\"value-%d\"", (i > first ? "," : ""), p, i, i
    printf "}"
  }'
}

metric() { curl -sf "$url/metrics" | awk -v m="$1" '$1 == m { printf "%d", $2 }'; }

bench_prepare
echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
# No feed history, so that memory measures the keys alone.
bench_start_kvnode expiry "$port" $'[feed]\nhistory_events = 0'
bench_wait_http "$url/v1/readiness"
pid=$(bench_pid expiry)
batch_json 0 1000 reader- | curl -sf -X POST --data-binary @- "$url/v1/keys" >/dev/null
rss_before=$(bench_rss_kib "$pid")

bench_wait_for_quiet
duration=6
read -r rps p50 p99 _ <<<"$(bench_measure 16 -s bench/get_reader.lua "$url")"
echo "reads, nothing expiring:           $rps req/s, p50 $p50, p99 $p99"
# After the reads too: connections and threads the reads brought up are not the keys' memory.
rss_warm=$(bench_rss_kib "$pid")

# Written in batches of 10,000 within well under a second, so all deadlines fall within about
# one second of each other, $ttl s from now.
for ((first = 0; first < expiring; first += 10000)); do
  batch_json "$first" $((expiring - first < 10000 ? expiring - first : 10000)) expiring- |
    curl -sf -X POST --data-binary @- "$url/v1/keys?ttl=$ttl" >/dev/null
done
written_at=$(date +%s.%N)
rss_loaded=$(bench_rss_kib "$pid")
[[ $(metric kv_keys) == $((expiring + 1000)) ]] || echo "the node holds $(metric kv_keys) keys" >&2

# Meanwhile, the moment the last expiry is counted, polled every 50 ms.
(
  for _ in $(seq 1200); do
    [[ $(metric kv_expired_keys_total) == "$expiring" ]] && break
    sleep 0.05
  done
  date +%s.%N >"$work/all-expired"
) &
poller=$!
# The reads start about two seconds before the deadlines and go on past them.
sleep $((ttl - 2))
read -r rps p50 p99 _ <<<"$(bench_measure 16 -s bench/get_reader.lua "$url")"
echo "reads while $expiring keys expire: $rps req/s, p50 $p50, p99 $p99"
wait "$poller"
echo "expired: $(metric kv_expired_keys_total) of $expiring, the last $(awk -v w="$written_at" \
  -v n="$(cat "$work/all-expired")" -v t="$ttl" 'BEGIN { printf "%.2f", n - w - t }') s after the last deadline; keys left: $(metric kv_keys)"
sleep 1
rss_after=$(bench_rss_kib "$pid")
awk -v b="$rss_before" -v w="$rss_warm" -v l="$rss_loaded" -v a="$rss_after" 'BEGIN {
  printf "resident memory: %.1f MiB before, %.1f MiB after the first reads, %.1f MiB with the expiring keys, %.1f MiB after\n",
    b / 1024, w / 1024, l / 1024, a / 1024 }'
