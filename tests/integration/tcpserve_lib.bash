# Sourced by the tcpserve_*.sh tests after common.sh (not a test: ctest runs only *.sh).
CLIENT=(python3 "$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tcpserve_client.py")

# Fresh P-256 keys, unencrypted, valid two days: the options every test certificate shares.
EC_KEY=(-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2)

# self_signed NAME CN: NAME.crt/NAME.key in the current directory, for DNS:CN and 127.0.0.1.
self_signed() {
  openssl req -x509 "${EC_KEY[@]}" -keyout "$1.key" -out "$1.crt" -subj "/CN=$2" \
    -addext "subjectAltName=DNS:$2,IP:127.0.0.1" 2>/dev/null
}

# start_server NAME ARGS…: tcpserve in the background, stdout in $WORK/NAME.out and stderr in
# $WORK/NAME.err; sets SERVER_PID and waits (bounded) for its readiness line.
start_server() {
  local name=$1
  shift
  wk_bg "$BIN/tcpserve" "$@" >"$WORK/$name.out" 2>"$WORK/$name.err"
  SERVER_PID=$!
  wk_wait_for 10 grep -q '^listening\|"event":"listening"' "$WORK/$name.out" || {
    cat "$WORK/$name.err" >&2
    fail "$name: no readiness line"
  }
}

# port_of NAME: the port of NAME's first listening line (plain or --json).
port_of() {
  sed -n -e 's/^listening .*:\([0-9]*\)$/\1/p' -e 's/.*"endpoint":"[^"]*:\([0-9]*\)".*/\1/p' \
    "$WORK/$1.out" | head -n 1
}

# stop_server PID: SIGTERM, then waits (bounded) and sets STOP_STATUS to its exit status.
stop_server() {
  kill -TERM "$1"
  timeout 20 tail --pid="$1" -f /dev/null || fail "server $1 did not stop"
  STOP_STATUS=0
  wait "$1" || STOP_STATUS=$?
}
