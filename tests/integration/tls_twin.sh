#!/usr/bin/env bash
# Only the code that needs OpenSSL loads it (core/CMakeLists.txt, wirekit_tls): pktconn and
# moatcmd on PATH start without libssl and libcrypto and hand a tls:// run to their twin in
# libexec/wirekit (cli/tls_twin.hpp); tcpserve carries TLS itself. A tool whose twin is
# missing says which file it needs and exits 1; without tls:// it still works.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/tcpserve_lib.bash"
command -v openssl >/dev/null || fail "openssl is needed"
TWINS="$BIN/../libexec/wirekit"

loads_openssl() {
  local loaded
  # (called inside `if`, where set -e is off: a failed trace must still fail the test)
  loaded=$(wk_loaded_objects "$1") || fail "$1: no loader trace"
  grep -qE 'lib(ssl|crypto)\.so' <<<"$loaded"
}

for tool in pktconn moatcmd memo-send memo-recv; do
  if loads_openssl "$BIN/$tool"; then fail "$tool loads OpenSSL when it starts"; fi
  pass "$tool starts without OpenSSL"
done
for twin in "$TWINS/pktconn" "$TWINS/moatcmd" "$BIN/tcpserve"; do
  loads_openssl "$twin" || fail "$twin does not link OpenSSL"
  pass "$twin links OpenSSL"
done

# tls:// through the twins, against tcpserve terminating TLS (pktconn_tls.sh has more).
cd "$WORK"
self_signed server localhost
start_server moat --listen tls://127.0.0.1:0 --cert server.crt --key server.key -v -- \
  "$BIN/moatcmd" serve --demo
port=$(port_of moat)
[ -n "$port" ] || fail "no port in tcpserve's readiness line"
out=$(timeout "$wk_timeout" "$BIN/moatcmd" call -c "tls://localhost:$port" --ca server.crt echo 1 two)
expect_eq "moatcmd call over tls:// (its twin)" "$out" '[1,"two"]'
start_server pk --listen tls://127.0.0.1:0 --cert server.crt --key server.key -v -- \
  "$BIN/pktconn" serve --echo
port=$(port_of pk)
out=$(timeout "$wk_timeout" "$BIN/pktconn" call --connect "tls://localhost:$port" --ca server.crt hi)
expect_eq "pktconn call over tls:// (its twin)" "$out" "hi"

# A copy of the tool without its twin.
mkdir -p alone/bin
cp "$BIN/pktconn" alone/bin/
rc=0
timeout "$wk_timeout" alone/bin/pktconn call --connect "tls://localhost:$port" --ca server.crt hi \
  2>alone.err || rc=$?
expect_eq "no twin: exit status" "$rc" 1
grep -q "^pktconn: tls:// needs .*alone/libexec/wirekit/pktconn.*No such file" alone.err ||
  fail "no twin: unclear error: $(cat alone.err)"
pass "no twin: the error names the missing file"
out=$(printf 'x\n' | timeout "$wk_timeout" alone/bin/pktconn call --connect "exec:$BIN/pktconn serve --echo")
expect_eq "no twin: exec: still works" "$out" "x"
