#!/usr/bin/env bash
# Builds the container image (`make image`): picks and sets up the engine, makes the base image
# the Dockerfile names when it is missing, then builds. Usage: scripts/image/build.sh IMAGE
set -euo pipefail

image=${1:?usage: build.sh IMAGE}
cd "$(dirname "$0")/../.."

engine=$(scripts/image/engine.sh)
base=$(awk 'toupper($1) == "FROM" { print $2; exit }' Dockerfile)
scripts/image/base-image.sh "$engine" "$base"

# podman writes OCI images by default, and the OCI format has no HEALTHCHECK.
format=()
[[ $engine == podman ]] && format=(--format docker)
"$engine" build "${format[@]}" --tag "$image" .
