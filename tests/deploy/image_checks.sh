# The helpers of image_container_test.sh, sourced by it: counted checks, bounded waits, HTTP
# requests to the node under test (at $node_url) and the engine's view of a container.
# shellcheck shell=bash disable=SC2154  # engine and node_url are the caller's

passed=0
failed=0

# check DESCRIPTION COMMAND...: runs the command, counts it, and shows its output when it fails.
# Not in a subshell, so that a command may set variables for the checks after it.
check() {
  local what=$1 output
  shift
  output=$(mktemp)
  if "$@" >"$output" 2>&1; then
    passed=$((passed + 1))
    echo "ok    $what"
  else
    failed=$((failed + 1))
    echo "FAIL  $what"
    sed 's/^/      /' "$output" | tail -n 20
  fi
  rm -f "$output"
}

summary() {
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
}

# wait_for SECONDS COMMAND...: retries until the command succeeds. The bound only keeps a broken
# image from hanging the test; no check depends on how fast anything is.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      "$@"
      return 1
    fi
    sleep 0.5
  done
}

# status_is CODE METHOD PATH [BODY]
status_is() {
  local want=$1 method=$2 path=$3 got
  local body=()
  [[ $# -ge 4 ]] && body=(--data-binary "$4")
  got=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" "${body[@]}" "$node_url$path")
  [[ $got == "$want" ]] || {
    echo "$method $path: status $got, not $want"
    return 1
  }
}

# body_is TEXT PATH: a GET answers 200 with exactly TEXT.
body_is() {
  local want=$1 path=$2 got
  got=$(curl -fsS "$node_url$path") || return 1
  [[ $got == "$want" ]] || {
    echo "GET $path: '$got', not '$want'"
    return 1
  }
}

# body_has PATTERN METHOD PATH [BODY]: the answer is 2xx and has a line matching the pattern.
body_has() {
  local pattern=$1 method=$2 path=$3 got
  local body=()
  [[ $# -ge 4 ]] && body=(--data-binary "$4")
  got=$(curl -fsS -X "$method" "${body[@]}" "$node_url$path") || return 1
  grep -qE -- "$pattern" <<<"$got" || {
    echo "$method $path has no line matching $pattern:"
    head -c 2000 <<<"$got"
    return 1
  }
}

# inspect_is TEXT CONTAINER FORMAT: what the engine reports of the container.
inspect_is() {
  local want=$1 got
  got=$("$engine" inspect --format "$3" "$2") || return 1
  [[ $got == "$want" ]] || {
    echo "$3 of $2 is '$got', not '$want'"
    return 1
  }
}

# The host port that a container's port is published on.
host_port() {
  "$engine" port "$1" "$2/tcp" | head -n 1 | sed 's/.*://'
}
