#!/usr/bin/env bash
# tcpserve over plain TCP and unix sockets: echo (IPv4, IPv6, unix), half-close, exec handler
# environment, forward, max-conns, idle timeout, SIGTERM grace.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/tcpserve_lib.bash"

# Echo over IPv4 and unix at once; the echo arrives after our half-close, then EOF.
start_server echo --listen tcp://127.0.0.1:0 --listen "unix:$WORK/echo.sock" --echo -v \
  --wire-log "$WORK/wire.log"
port=$(port_of echo)
grep -q "^listening unix:$WORK/echo.sock\$" "$WORK/echo.out" || fail "no unix readiness line"
expect_eq "tcp echo with half-close" "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$port" 'hello tcp')" 'hello tcp'
expect_eq "unix echo" "$("${CLIENT[@]}" echo "unix:$WORK/echo.sock" 'hello unix')" 'hello unix'
wk_wait_for 5 grep -q 'in=9 out=9 .*reason=done' "$WORK/echo.err" || fail "no -v line for the tcp echo"
pass "-v line with bytes each way and reason"
# The wire log holds each chunk as hio's WireLog does: blank line, direction, peer, bytes.
python3 - "$WORK/wire.log" <<'PY' || fail "wire log records"
import re, sys
log = open(sys.argv[1], "rb").read()
rx = re.findall(rb"\nRx \('127\.0\.0\.1', \d+\):\nhello tcp\n", log)
tx = re.findall(rb"\nTx \('127\.0\.0\.1', \d+\):\nhello tcp\n", log)
assert len(rx) == 1 and len(tx) == 1, log
assert b"\nRx unix:\nhello unix\n" in log and b"\nTx unix:\nhello unix\n" in log, log
PY
pass "wire log records in the reference's format"
stop_server "$SERVER_PID"
expect_eq "SIGTERM exit status" "$STOP_STATUS" 3
[ ! -e "$WORK/echo.sock" ] || fail "unix socket file left behind"
pass "unix socket file removed on exit"

# A stale socket file (nobody listening) is replaced.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$WORK/stale.sock"
start_server stale --listen "unix:$WORK/stale.sock" --echo
expect_eq "stale unix socket replaced" "$("${CLIENT[@]}" echo "unix:$WORK/stale.sock" 'x')" 'x'
stale_pid=$SERVER_PID
# ... but a live one is not taken over.
expect_status "live unix socket refused" 1 "$BIN/tcpserve" --listen "unix:$WORK/stale.sock" --echo
stop_server "$stale_pid"

# IPv6 and dual-stack, where the host has IPv6.
if python3 -c "import socket; s=socket.socket(socket.AF_INET6); s.bind(('::1',0))" 2>/dev/null; then
  start_server dual --listen 'tcp://[::]:0' --echo
  port=$(port_of dual)
  expect_eq "dual-stack over IPv6" "$("${CLIENT[@]}" echo "tcp:[::1]:$port" 'six')" 'six'
  expect_eq "dual-stack over IPv4" "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$port" 'four')" 'four'
  stop_server "$SERVER_PID"
fi

# The exec handler sees the UCSPI variables; half-close reaches it as EOF on stdin and its
# exit reaches the client as EOF.
cat >"$WORK/handler.sh" <<'SH'
#!/bin/sh
echo "PROTO=$PROTO"
echo "REMOTE=$TCPREMOTEIP:$TCPREMOTEPORT"
echo "LOCAL=$TCPLOCALIP:$TCPLOCALPORT"
echo "TLS=${SSL_PROTOCOL:-none}"
wc -c | tr -d ' '
SH
chmod +x "$WORK/handler.sh"
start_server exec --listen tcp://127.0.0.1:0 -- "$WORK/handler.sh"
port=$(port_of exec)
out=$("${CLIENT[@]}" echo "tcp:127.0.0.1:$port" '12345')
expect_eq "exec PROTO" "$(sed -n 1p <<<"$out")" "PROTO=TCP"
[[ $(sed -n 2p <<<"$out") =~ ^REMOTE=127\.0\.0\.1:[0-9]+$ ]] || fail "exec TCPREMOTE*: $out"
pass "exec TCPREMOTEIP/TCPREMOTEPORT"
expect_eq "exec TCPLOCAL*" "$(sed -n 3p <<<"$out")" "LOCAL=127.0.0.1:$port"
expect_eq "exec no SSL_* on plain TCP" "$(sed -n 4p <<<"$out")" "TLS=none"
expect_eq "exec stdin ends at the client's half-close" "$(sed -n 5p <<<"$out")" "5"
exec_pid=$SERVER_PID

# The handler is looked up in PATH once, at start: a program of the same name that appears
# later in an earlier PATH directory is not run.
mkdir -p "$WORK/first" "$WORK/second"
printf '#!/bin/sh\necho "second $0"\n' >"$WORK/second/wk-hello"
printf '#!/bin/sh\necho first\n' >"$WORK/first/wk-hello.new"
chmod +x "$WORK/second/wk-hello" "$WORK/first/wk-hello.new"
PATH="$WORK/first:$WORK/second:$PATH" start_server lookup --listen tcp://127.0.0.1:0 -- wk-hello
mv "$WORK/first/wk-hello.new" "$WORK/first/wk-hello"
expect_eq "handler found in PATH once, at start" \
  "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$(port_of lookup)" '')" "second $WORK/second/wk-hello"
stop_server "$SERVER_PID"

# Forward: a second tcpserve relays to the exec server.
start_server forward --listen tcp://127.0.0.1:0 --forward "tcp://127.0.0.1:$port"
fport=$(port_of forward)
out=$("${CLIENT[@]}" echo "tcp:127.0.0.1:$fport" 'abc')
expect_eq "forward relays both ways with half-close" "$(sed -n 5p <<<"$out")" "3"
stop_server "$SERVER_PID"
stop_server "$exec_pid"

# Forward to an exec: endpoint.
start_server fexec --listen tcp://127.0.0.1:0 --forward 'exec:tr a-z A-Z'
expect_eq "forward to exec:" "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$(port_of fexec)" 'shout')" 'SHOUT'
stop_server "$SERVER_PID"

# `--` right after a repeatable option starts the command: its flags are the handler's.
start_server dashes --listen tcp://127.0.0.1:0 -- echo handler -n
expect_eq "handler flags after -- that follows a repeatable option" \
  "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$(port_of dashes)" '')" 'handler -n'
stop_server "$SERVER_PID"

# max-conns: N live connections are served, N+1 is closed at once and counted.
start_server limit --listen tcp://127.0.0.1:0 --echo --max-conns 3 -v
expect_eq "max-conns refuses connection N+1" "$("${CLIENT[@]}" limit "tcp:127.0.0.1:$(port_of limit)" 3)" refused
wk_wait_for 5 grep -q 'refused: max-conns 3 reached' "$WORK/limit.err" || fail "no refusal line"
pass "refusal logged"
stop_server "$SERVER_PID"
grep -q 'stopped: accepted=3 refused_max_conns=1 refused_per_ip=0' "$WORK/limit.err" ||
  fail "refusals not counted: $(tail -n 1 "$WORK/limit.err")"
pass "refusals counted"

start_server perip --listen tcp://127.0.0.1:0 --echo --max-per-ip 2
expect_eq "max-per-ip refuses the third from one address" "$("${CLIENT[@]}" limit "tcp:127.0.0.1:$(port_of perip)" 2)" refused
stop_server "$SERVER_PID"

# Backpressure: a client that sends without ever reading stalls once the kernel buffers and
# tcpserve's one buffer per direction are full; tcpserve's memory does not grow with it.
start_server bp --listen tcp://127.0.0.1:0 --echo --buffer-size 16384
python3 - "$(port_of bp)" "$SERVER_PID" <<'PY' || fail "backpressure"
import socket, sys, time
port, pid = int(sys.argv[1]), sys.argv[2]
def rss_kb():
    for line in open("/proc/%s/status" % pid):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
s = socket.create_connection(("127.0.0.1", port))
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 65536)
s.setblocking(False)
before, sent, chunk = rss_kb(), 0, b"x" * 65536
deadline = time.monotonic() + 20
stalled_since = None
while time.monotonic() < deadline:
    try:
        sent += s.send(chunk)
        stalled_since = None
    except BlockingIOError:
        stalled_since = stalled_since or time.monotonic()
        if time.monotonic() - stalled_since > 0.5:
            break
        time.sleep(0.01)
grown = rss_kb() - before
print("sent %d bytes before the stall, server RSS grew %d kB" % (sent, grown))
assert stalled_since is not None, "never stalled"
assert sent < 64 * 1024 * 1024, sent
assert grown < 8 * 1024, grown
PY
pass "backpressure: a non-reading client stalls, server memory stays flat"
stop_server "$SERVER_PID"

# Idle timeout closes a silent connection.
start_server idle --listen tcp://127.0.0.1:0 --echo --idle-timeout 0.3 --json
out=$(timeout 10 "${CLIENT[@]}" idle "tcp:127.0.0.1:$(port_of idle)")
[[ $out == closed* ]] || fail "idle: $out"
wk_wait_for 5 grep -q '"reason":"idle-timeout"' "$WORK/idle.out" || fail "no idle-timeout event"
pass "idle timeout closes and reports"
stop_server "$SERVER_PID"

# SIGTERM grace: the handler gets EOF and its last words still reach the client.
start_server grace --listen tcp://127.0.0.1:0 --grace 10 -- sh -c 'cat; echo bye'
: >"$WORK/grace.client"
"${CLIENT[@]}" grace "tcp:127.0.0.1:$(port_of grace)" 'hi' >"$WORK/grace.client" &
client=$!
wk_wait_for 10 grep -q '^ready' "$WORK/grace.client" || fail "grace client not ready"
stop_server "$SERVER_PID"
expect_eq "SIGTERM with a live connection exits 3" "$STOP_STATUS" 3
wait "$client" || fail "grace client failed"
expect_eq "handler finished within the grace" "$(sed -n 2p "$WORK/grace.client")" "bye"

# SIGTERM grace expiry: a handler that never ends is cut at the deadline.
start_server cut --listen tcp://127.0.0.1:0 --grace 0.5 -- sh -c 'echo started; exec sleep 30'
: >"$WORK/cut.client"
"${CLIENT[@]}" grace "tcp:127.0.0.1:$(port_of cut)" '12345678' >"$WORK/cut.client" &
client=$!
wk_wait_for 10 grep -q '^ready' "$WORK/cut.client" || fail "cut client not ready"
start=$SECONDS
stop_server "$SERVER_PID"
expect_eq "grace expiry exits 3" "$STOP_STATUS" 3
[ $((SECONDS - start)) -lt 8 ] || fail "grace expiry took too long"
wait "$client" || true
pass "grace expiry is bounded"

# Bad usage.
expect_status "no handler is a usage error" 2 "$BIN/tcpserve" --listen tcp://127.0.0.1:0
expect_status "a handler that does not exist is a usage error" 2 "$BIN/tcpserve" \
  --listen tcp://127.0.0.1:0 -- no-such-handler-program
expect_status "bad endpoint is a usage error" 2 "$BIN/tcpserve" --listen udp://127.0.0.1:0 --echo
"$BIN/tcpserve" --help | grep -q 'tcp://\[::\]:56000' || fail "--help does not show the default"
pass "default endpoint tcp://[::]:56000 in --help"
