#!/usr/bin/env bash
# Installs the Debian 12 packages kvactor builds and tests with, skipping what is already there.
# Used by `make` and by the container build, so both always agree on the dependency list.
set -euo pipefail

packages=(
  build-essential cmake pkg-config curl
  libcaf-dev libhttp-parser-dev nlohmann-json3-dev prometheus-cpp-dev
  libzmq3-dev cppzmq-dev libspdlog-dev libcli11-dev libtomlplusplus-dev
  libgtest-dev libgmock-dev libcpp-httplib-dev
  libssl-dev  # OpenSSL: the HTTP port's TLS, and SHA-256 of bearer tokens
  libpqxx-dev  # libpqxx (and libpq): the PostgreSQL change log
  libraft-dev libuv1-dev  # cluster mode: Canonical raft 0.15 with raft_uv (cluster/)
  libabsl-dev  # abseil's flat_hash_set: the partitions' index of keys (core/partition_store)
  libgoogle-perftools-dev  # tcmalloc, kvnode's allocator (actors/, docs/performance.md)
)
# What the tests run besides their own binaries. The container image's build stage only builds
# kvnode, so `scripts/install-deps.sh --build-only` leaves these out.
if [[ "${1:-}" != "--build-only" ]]; then
  packages+=(
    prometheus  # promtool and a real server for the metrics tests
    yamllint nodejs iproute2  # the deploy tests: manifests, and kvnode in a network of its own
    python3-socketio python3-requests  # yuvraj9's `kv watch` client, run against kvnode
    python3-redis redis-tools  # Redis's clients, redis-cli and redis-benchmark on the RESP port
    libfaketime  # the expiry test that steps kvnode's system clock
    openssl  # the TLS tests make their certificates with it
    golang-go  # the Go client's tests (clients/go)
    python3-pip python3-setuptools  # the Python client built and installed from its pyproject
    postgresql  # the change-log tests run a real PostgreSQL 15 of their own
  )
  # NodeSource's nodejs carries its own npm and conflicts with Debian's npm package.
  command -v npm >/dev/null || packages+=(npm)
fi
# The bench needs these too; `scripts/install-deps.sh --bench` adds them. The peers it compares
# against (redis, webdis, etcd's JSON gateway, nginx) each run on a config of the bench's own.
if [[ "${1:-}" == "--bench" ]]; then
  packages+=(wrk nginx redis-server redis-tools webdis etcd-server jq linux-perf libpistache-dev
    libhiredis-dev)  # hiredis: the RESP parser's comparison (bench/resp_parse_bench.cpp)
fi

# The container image's build and run (`make image`, `make image-test`) need only a container
# engine, debootstrap for a base image without a registry, and curl to talk to the container:
# `scripts/install-deps.sh --image`. The image's build stage installs the rest itself.
if [[ "${1:-}" == "--image" ]]; then
  packages=(podman runc netavark aardvark-dns catatonit iptables uidmap debootstrap curl)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing: ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
