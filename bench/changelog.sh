#!/usr/bin/env bash
# Benchmarks the PostgreSQL change log (contract section 13): the PUT rate of a kvnode without
# the change log, with it writing by COPY, and with it writing by multi-row INSERT, in the same
# run against the same PostgreSQL 15 reached over mutual TLS (sslmode=verify-full and a client
# certificate); then how fast the table catches up after a PostgreSQL outage under writes.
# Run by hand, never in CI: `bench/changelog.sh [seconds] [connections] [outage-seconds]`.
# PostgreSQL runs as the postgres user (the bench runs as root) with its default durability
# (fsync on, synchronous_commit on): each transaction of the change log waits for its fsync.
set -euo pipefail
cd "$(dirname "$0")/.."
source bench/lib.sh

duration=${1:-10}
connections=${2:-64}
outage=${3:-60}
keys=10000
off_port=18530
copy_port=18531
insert_port=18532
pg_bin=/usr/lib/postgresql/15/bin

bench_prepare
chmod 755 "$work"
as_postgres() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# The CA, PostgreSQL's server certificate for localhost and the client certificate of the role
# kvnode, whose CN pg_hba.conf's `cert` method checks.
(
  cd "$work"
  key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }
  key ca.key
  openssl req -x509 -new -key ca.key -subj /CN=bench-ca -days 1 -out ca.pem
  for who in server:localhost:serverAuth kvnode:kvnode:clientAuth; do
    IFS=: read -r name cn usage <<<"$who"
    key "$name.key"
    openssl req -new -key "$name.key" -subj "/CN=$cn" -out "$name.csr"
    printf 'subjectAltName=DNS:localhost\nextendedKeyUsage=%s\n' "$usage" >"$name.ext"
    openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 \
      -extfile "$name.ext" -out "$name.pem"
  done
  chmod 600 ./*.key
) >"$work/openssl.log" 2>&1

pg="$work/pg"
pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
mkdir -p "$pg"
cp "$work/server.pem" "$work/server.key" "$work/ca.pem" "$pg/"
[[ $(id -u) -eq 0 ]] && chown -R postgres: "$pg"
chmod 700 "$pg"
as_postgres "$pg_bin/initdb" -A trust -E UTF8 --locale=C -U kvnode -D "$pg/data" >"$work/initdb.log"
as_postgres sh -c "cat >> '$pg/data/postgresql.conf'" <<CONF
port = $pg_port
listen_addresses = '127.0.0.1'
unix_socket_directories = '$pg'
ssl = on
ssl_cert_file = '$pg/server.pem'
ssl_key_file = '$pg/server.key'
ssl_ca_file = '$pg/ca.pem'
CONF
as_postgres sh -c "cat > '$pg/data/pg_hba.conf'" <<HBA
local all all trust
hostssl all kvnode 127.0.0.1/32 cert
HBA
pg_start() { as_postgres "$pg_bin/pg_ctl" -w -D "$pg/data" -l "$pg/server.log" start >/dev/null; }
pg_stop() { as_postgres "$pg_bin/pg_ctl" -w -m fast -D "$pg/data" stop >/dev/null; }
psql_in() { psql -h "$pg" -p "$pg_port" -U kvnode -d "$1" -Atqc "$2"; }
trap 'pg_stop 2>/dev/null || true; bench_cleanup' EXIT
pg_start
for db in copy insert; do psql_in postgres "CREATE DATABASE $db"; done

conninfo() {
  echo "host=localhost hostaddr=127.0.0.1 port=$pg_port dbname=$1 user=kvnode sslmode=verify-full sslrootcert=$work/ca.pem sslcert=$work/kvnode.pem sslkey=$work/kvnode.key"
}
bench_start_kvnode off "$off_port"
bench_start_kvnode copy "$copy_port" "[changelog]
postgres = \"$(conninfo copy)\""
bench_start_kvnode insert "$insert_port" "[changelog]
postgres = \"$(conninfo insert)\"
method = \"insert\""
for port in $off_port $copy_port $insert_port; do
  bench_wait_http "http://127.0.0.1:$port/v1/readiness"
done
server_pids[kvnode]=$(bench_pid off)
server_pids[kvnode copy]=$(bench_pid copy)
server_pids[kvnode insert]=$(bench_pid insert)

metric() {
  curl -sf "http://127.0.0.1:$1/metrics" | awk -v m="$2" '$1 == m { printf "%d", $2 }'
}
# wait_caught_up PORT: seconds (to 0.1 s) until kv_changelog_lag_events is 0.
wait_caught_up() {
  local started now
  started=$(date +%s.%N)
  until [[ $(metric "$1" kv_changelog_lag_events) == 0 ]]; do sleep 0.1; done
  now=$(date +%s.%N)
  awk -v a="$started" -v b="$now" 'BEGIN { printf "%.1f", b - a }'
}

echo "machine: $(lscpu | sed -n 's/^Model name: *//p'), $(nproc) cores; $(date -u '+%F %H:%M UTC')"
echo "$(psql --version); libpqxx $(pkg-config --modversion libpqxx)"
bench_wait_for_quiet
bench_table_header
# machine_ticks: busy and idle CPU ticks of the whole machine so far.
machine_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9, $5 + $6 }' /proc/stat; }
# postgres_ticks: CPU ticks of every PostgreSQL process (server, backends, WAL writer...), and
# of those that have exited, which the server has reaped into its children's times (fields 16
# and 17): autovacuum workers come and go within a row.
postgres_ticks() {
  local pid total=0 ticks
  for pid in $(pgrep -u postgres -x postgres); do
    ticks=$(awk '{ print $14 + $15 + $16 + $17 }' "/proc/$pid/stat" 2>/dev/null) || continue
    total=$((total + ticks))
  done
  echo "$total"
}

# Interleaved, twice, so that a slow moment of the machine does not fall on one server only.
# Each row also says how busy the machine was and how much of it a PUT took (both cores, every
# process); the change log's rows add PostgreSQL's CPU per row written, counted until the table
# caught up: PostgreSQL shares the two cores with kvnode and wrk.
declare -A best=()
for round in 1 2; do
  for target in "kvnode:$off_port" "kvnode copy:$copy_port" "kvnode insert:$insert_port"; do
    IFS=: read -r name port <<<"$target"
    rev_before=0
    [[ $name != kvnode ]] && rev_before=$(metric "$port" kv_changelog_table_rev)
    pg_before=$(postgres_ticks)
    read -r busy_before idle_before < <(machine_ticks)
    row=$(bench_row "$name" "put16" "$connections" -s bench/workloads.lua \
      "http://127.0.0.1:$port" -- kvnode put16 "$keys")
    read -r busy_after idle_after < <(machine_ticks)
    echo "$row"
    rps=$(awk '{ print $(NF - 5) }' <<<"$row")
    busy=$((busy_after - busy_before))
    per_put=$(bench_cpu_per_request "$busy" "$(awk -v r="$rps" -v d="$duration" 'BEGIN { print r * d }')")
    line="  $name: machine $((100 * busy / (busy + idle_after - idle_before)))% busy, $per_put us of it a PUT"
    awk -v a="$rps" -v b="${best[$name]:-0}" 'BEGIN { exit !(a > b) }' && best[$name]=$rps
    if [[ $name != kvnode ]]; then
      caught_up=$(wait_caught_up "$port")
      rows=$(($(metric "$port" kv_changelog_table_rev) - rev_before))
      pg_us=$(bench_cpu_per_request $(($(postgres_ticks) - pg_before)) "$rows")
      line="$line; PostgreSQL $pg_us us a row; the table caught up $caught_up s after the run ended"
    fi
    echo "$line"
  done
done
echo "(wrk -t2 -c$connections -d${duration}s, PUT of 16 bytes to $keys keys; each row once a round)"
for name in "kvnode copy" "kvnode insert"; do
  awk -v n="$name" -v a="${best[$name]}" -v b="${best[kvnode]}" \
    'BEGIN { printf "%s / without the change log, best of each: %.2f\n", n, a / b }'
done
for db in copy insert; do
  echo "$db: $(psql_in "$db" 'SELECT count(*), max(rev) FROM kv_changes') rows, max rev;" \
    "gaps: $(psql_in "$db" 'SELECT count(*) FROM kv_changes_gaps')"
done

echo
bench_wait_for_quiet
echo "outage: PostgreSQL stopped for ${outage} s while one wrk connection writes to the COPY node" \
  "(the default backlog of 1000000 events), then started; the writes stop with the outage"
before=$(metric "$copy_port" kv_changelog_table_rev)
pg_stop
wrk -t1 -c1 -d"${outage}s" -s bench/workloads.lua "http://127.0.0.1:$copy_port" -- kvnode put16 \
  "$keys" >"$work/outage.log"
waiting=$(metric "$copy_port" kv_changelog_backlog_events)
gaps=$(metric "$copy_port" kv_changelog_gap_events_total)
rss=$(bench_rss_kib "$(bench_pid copy)")
echo "  during the outage: $(awk '/Requests\/sec/ { print $2 }' "$work/outage.log") PUT/s," \
  "$waiting events waiting, $gaps gap events, kvnode RSS $((rss / 1024)) MiB"
pg_start
seconds=$(wait_caught_up "$copy_port")
after=$(metric "$copy_port" kv_changelog_table_rev)
awk -v s="$seconds" -v n="$((after - before))" -v w="$waiting" 'BEGIN {
  printf "  caught up %d events (%d were waiting) in %.1f s after PostgreSQL was back: %.0f events/s\n",
    n, w, s, (s > 0 ? w / s : 0) }'
echo "  gaps recorded: $(psql_in copy 'SELECT count(*) FROM kv_changes_gaps');" \
  "rows $(psql_in copy 'SELECT count(*) FROM kv_changes'), max rev $(psql_in copy 'SELECT max(rev) FROM kv_changes')"
