# Sourced by every integration test. Gives: $BIN (the built tools), $VECTORS, a private
# $WORK folder removed on exit, and helpers that fail with a message. No sleeps: wait with
# wk_wait_for (bounded polling with a deadline).
set -euo pipefail

BIN=${WIREKIT_BIN:?WIREKIT_BIN must point at the built tools}
VECTORS=${WIREKIT_VECTORS:-}
WORK=$(mktemp -d)
wk_pids=()

wk_cleanup() {
  local pid
  for pid in "${wk_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap wk_cleanup EXIT

# Every test script is bounded by ctest's TIMEOUT too; this is the per-command bound.
wk_timeout=${WK_TIMEOUT:-60}

fail() {
  printf 'FAIL: %s\n' "$*" >&2
  exit 1
}

pass() { printf 'ok: %s\n' "$*"; }

# expect_eq WHAT ACTUAL EXPECTED
expect_eq() {
  [ "$2" == "$3" ] || fail "$1: expected [$3], got [$2]"
  pass "$1"
}

# expect_status WHAT EXPECTED_STATUS CMD…: runs CMD (bounded) and checks its exit status.
expect_status() {
  local what=$1 want=$2
  shift 2
  local got=0
  timeout "$wk_timeout" "$@" || got=$?
  [ "$got" -eq "$want" ] || fail "$what: exit status $got, expected $want"
  pass "$what"
}

# wk_wait_for SECONDS CMD…: polls CMD every 50 ms until it succeeds or the deadline passes.
wk_wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@"; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# wk_bg CMD…: starts CMD in the background, remembered for cleanup; sets $! as usual.
wk_bg() {
  "$@" &
  wk_pids+=($!)
}

# wk_loaded_objects PROGRAM: the shared objects the dynamic loader maps for PROGRAM, as ldd
# shows them (the program itself is not run). Use as loaded=$(wk_loaded_objects P) || fail …:
# inside $(…) its own fail ends only the subshell.
wk_loaded_objects() {
  local loaded
  loaded=$(timeout "$wk_timeout" env LD_TRACE_LOADED_OBJECTS=1 "$1")
  grep -q 'libc\.so' <<<"$loaded" || fail "$1: no loader trace (is it a dynamic program?)"
  printf '%s\n' "$loaded"
}
