#!/usr/bin/env bash
# pktconn over tls:// on loopback, with certificates made here: `tcpserve --listen tls://`
# hands each connection to `pktconn serve` (DESIGN.md), and `pktconn call --connect tls://`
# verifies the server; pipelined echoes; a wrong CA fails cleanly; and `pktconn serve
# tls://…` as the connecting side, answering a `pktconn call` that tcpserve runs.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/tcpserve_lib.bash"
command -v openssl >/dev/null || fail "openssl is needed"
PK="$BIN/pktconn"

cd "$WORK"
self_signed server localhost
self_signed other localhost

# --- tcpserve terminates TLS, pktconn serve answers over the plain pipe ---------------------
# (-v stands between the repeatable --key and --: right after a repeatable option, tcpserve's
# CLI11 takes -- as the end of that option's values and parses the command's flags as its own.)
start_server demo --listen tls://127.0.0.1:0 --cert server.crt --key server.key -v -- \
  "$PK" serve --demo
port=$(port_of demo)
[ -n "$port" ] || fail "no port in tcpserve's readiness line"

out=$(timeout 30 "$PK" call --connect "tls://localhost:$port" --ca server.crt --type 1 abc def)
expect_eq "demo upper-case over tls://" "$out" $'ABC\nDEF'

out=$(timeout 30 "$PK" call --connect "tls://127.0.0.1:$port" --ca server.crt --server-name localhost \
  --type 5 --json xyz)
expect_eq "flags and reversed over tls:// (--server-name)" "$out" \
  '{"request":1,"tag":2,"ok":true,"flags":17,"payload_hex":"7a7978","payload":"zyx"}'

seq 3000 >numbers
rc=0
timeout 60 "$PK" call --window 256 --connect "tls://localhost:$port" --ca server.crt \
  <numbers >echoes || rc=$?
expect_eq "3000 pipelined echoes over tls:// exit status" "$rc" 0
cmp -s numbers echoes || fail "tls:// echoes differ from their requests"
pass "3000 tls:// echoes equal their requests, in order"

# A request that fails still comes back over TLS, and call exits 1.
rc=0
out=$(timeout 30 "$PK" call --connect "tls://localhost:$port" --ca server.crt --type 2 boom 2>err) || rc=$?
expect_eq "failing request over tls:// exit status" "$rc" 1
grep -q 'request 1 failed: exception during handler' err || fail "no failure line: $(cat err)"
pass "failure reason over tls://"

# The wrong CA: no handshake, a clear one-line error, exit 1, no hang.
rc=0
timeout 30 "$PK" call --connect "tls://localhost:$port" --ca other.crt hello >/dev/null 2>err || rc=$?
expect_eq "unverifiable server: exit status" "$rc" 1
grep -q '^pktconn: cannot connect to tls://localhost' err || fail "no connect error: $(cat err)"
[ "$(wc -l <err)" -eq 1 ] || fail "more than one error line: $(cat err)"
pass "unverifiable server: one clear line"
stop_server "$SERVER_PID"

# --- pktconn serve connects out over TLS ----------------------------------------------------
# tcpserve runs a `pktconn call` on each connection (the connection is its stdin/stdout, so its
# answers go to stderr, which tcpserve passes on to its own stderr).
start_server caller --listen tls://127.0.0.1:0 --cert server.crt --key server.key -v -- \
  "$PK" call --connect - --type 1 served over tls
port=$(port_of caller)
rc=0
timeout 30 "$PK" serve --demo --ca server.crt "tls://localhost:$port" || rc=$?
expect_eq "pktconn serve tls:// exit status after the caller's EOF" "$rc" 0
wk_wait_for 10 grep -q '^SERVED$' caller.err || fail "the caller's answers: $(cat caller.err)"
grep -q '^OVER$' caller.err && grep -q '^TLS$' caller.err || fail "answers missing: $(cat caller.err)"
pass "pktconn serve as the TLS client answered the caller"
stop_server "$SERVER_PID"
