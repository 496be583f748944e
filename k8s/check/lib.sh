# Sourced by the shell checks in k8s/check: a scratch directory ($tmp) and
# the child processes started ($children, by name), both cleaned up on
# exit, and ok/fail counting with a summary line.
# shellcheck shell=bash

tmp=$(mktemp -d)
declare -A children=()

# Stops the child process named $1 (if it runs) and forgets it.
stop_child() {
  [[ -n "${children[$1]:-}" ]] || return 0
  kill "${children[$1]}" 2>/dev/null || true
  wait "${children[$1]}" 2>/dev/null || true
  unset "children[$1]"
}

cleanup() {
  local name
  for name in "${!children[@]}"; do
    kill "${children[${name}]}" 2>/dev/null || true
  done
  for name in "${!children[@]}"; do
    wait "${children[${name}]}" 2>/dev/null || true
  done
  rm -rf "${tmp}"
}
trap cleanup EXIT

passed=0
failed=0
ok() {
  passed=$((passed + 1))
  echo "ok: $*"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL: $*"
}

# "<name>: N passed, M failed"; succeeds when nothing failed.
summary() {
  echo "$1: ${passed} passed, ${failed} failed"
  ((failed == 0))
}
