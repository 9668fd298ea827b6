#!/usr/bin/env bash
# The Go client's tests (clients/go) against a real kvnode, as ctest runs them: a gofmt check
# and `go test` (which runs go vet's main checks too), with the build and module caches in the
# build tree and no network (the module has no dependencies). Exit 77 (ctest's skip) where go
# is not installed.
# Usage: go_client_test.sh KVNODE_BINARY BUILD_DIR
set -euo pipefail
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: go is not installed; scripts/install-deps.sh installs Debian's golang-go"
  exit 77
fi
export KVNODE_BINARY="$1"
export GOCACHE="$2/go/cache" GOPATH="$2/go/path" GOFLAGS=-mod=mod GOPROXY=off GOWORK=off \
  GO111MODULE=on GOTOOLCHAIN=local
cd "$(dirname "$0")/../../clients/go"
go version
unformatted=$(gofmt -l .)
if [[ -n "$unformatted" ]]; then
  echo "FAIL: not gofmt-formatted: $unformatted"
  exit 1
fi
exec go test -count=1 -v ./...
