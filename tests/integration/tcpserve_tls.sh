#!/usr/bin/env bash
# tcpserve over TLS with openssl s_client and curl as clients: echo, handler SSL_* variables,
# client certificates (none/optional/required; good, missing, wrong; X.509 v1 self-signed),
# SNI, ALPN, --tls-min, handshake timeout, SIGHUP reload with a live connection.
source "$(dirname "$0")/common.sh"
source "$(dirname "$0")/tcpserve_lib.bash"
command -v openssl >/dev/null || fail "openssl is needed"

# --- certificates, all made here ---------------------------------------------------------
cd "$WORK"
self_signed server localhost
self_signed server2 localhost
self_signed other other.test
openssl req -x509 "${EC_KEY[@]}" -keyout ca.key -out ca.crt -subj "/CN=wirekit test CA" 2>/dev/null
openssl req -new "${EC_KEY[@]}" -keyout client.key -out client.csr -subj "/CN=alice/O=wirekit" 2>/dev/null
openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -set_serial 0x1234AB -days 2 \
  -out client.crt 2>/dev/null
self_signed stranger stranger
# The reference's kind of test certificate: self-signed, X.509 v1, no extensions.
openssl req -new "${EC_KEY[@]}" -keyout v1.key -out v1.csr -subj "/CN=localhost" 2>/dev/null
openssl x509 -req -in v1.csr -signkey v1.key -days 2 -out v1.crt 2>/dev/null
openssl x509 -in v1.crt -noout -text | grep -q 'Version: 1 (0x0)' || fail "v1.crt is not X.509 v1"

# s_echo PORT TEXT CAFILE [s_client args…]: one round trip through s_client; stdin stays open
# until the echo is back, then EOF makes s_client close.
s_echo() {
  local port=$1 text=$2 ca=$3 out
  shift 3
  out=$(mktemp -p "$WORK")
  { printf '%s\n' "$text"; wk_wait_for 10 grep -qF "$text" "$out"; } |
    timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$ca" \
      -verify_return_error -quiet -no_ign_eof "$@" >"$out" 2>"$out.err" || true
  cat "$out"
}
# s_run PORT CAFILE [s_client args…]: connects with no input and prints what the server sends
# until it closes.
s_run() {
  local port=$1 ca=$2
  shift 2
  timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile "$ca" \
    -verify_return_error -quiet "$@" </dev/null 2>/dev/null || true
}

# --- echo with s_client ------------------------------------------------------------------
start_server echo --listen tls://127.0.0.1:0 --cert server.crt --key server.key --echo -v
port=$(port_of echo)
expect_eq "TLS echo with s_client" "$(s_echo "$port" 'hello over TLS' server.crt)" 'hello over TLS'
expect_eq "TLS 1.2 echo" "$(s_echo "$port" 'hello 1.2' server.crt -tls1_2)" 'hello 1.2'
wk_wait_for 5 grep -q 'tls=TLSv1.2 cipher=' "$WORK/echo.err" || fail "no -v TLS line"
pass "-v line names TLS version and cipher"
echo_pid=$SERVER_PID

# Forward plaintext to a TLS server, verified against --forward-ca.
start_server fwd --listen tcp://127.0.0.1:0 --forward "tls://localhost:$port" --forward-ca server.crt -v
expect_eq "forward to tls:// with verification" \
  "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$(port_of fwd)" 'via TLS')" 'via TLS'
stop_server "$SERVER_PID"
start_server fwdbad --listen tcp://127.0.0.1:0 --forward "tls://localhost:$port" --forward-ca other.crt -v
expect_eq "forward to an unverifiable tls:// server is refused" \
  "$("${CLIENT[@]}" echo "tcp:127.0.0.1:$(port_of fwdbad)" 'nope')" ''
wk_wait_for 5 grep -q 'reason=handler-failed: cannot connect to tls://localhost' "$WORK/fwdbad.err" ||
  fail "no handler-failed line for the forward"
pass "failed forward logged"
stop_server "$SERVER_PID"
stop_server "$echo_pid"
expect_eq "TLS server SIGTERM" "$STOP_STATUS" 3

# --ciphers limits TLS 1.2 suites.
start_server ciphers --listen tls://127.0.0.1:0 --cert server.crt --key server.key --echo -v \
  --ciphers ECDHE-ECDSA-AES128-GCM-SHA256
port=$(port_of ciphers)
expect_eq "--ciphers suite accepted" "$(s_echo "$port" c1 server.crt -tls1_2)" c1
wk_wait_for 5 grep -q 'cipher=ECDHE-ECDSA-AES128-GCM-SHA256' "$WORK/ciphers.err" || fail "cipher"
expect_eq "--ciphers refuses other suites" \
  "$(s_echo "$port" c2 server.crt -tls1_2 -cipher ECDHE-ECDSA-CHACHA20-POLY1305)" ''
stop_server "$SERVER_PID"

# --- exec handler: SSL_* variables, curl as client ---------------------------------------
cat >env.sh <<'SH'
#!/bin/sh
read -r request
printf 'HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n'
echo "PROTO=$PROTO REMOTE=$TCPREMOTEIP"
echo "SSL_PROTOCOL=$SSL_PROTOCOL"
echo "SSL_CIPHER=$SSL_CIPHER"
echo "SSL_CLIENT_S_DN=${SSL_CLIENT_S_DN:-}"
echo "SSL_CLIENT_I_DN=${SSL_CLIENT_I_DN:-}"
echo "SSL_CLIENT_M_SERIAL=${SSL_CLIENT_M_SERIAL:-}"
printf '%s\n' "${SSL_CLIENT_CERT:-}" | head -n 1
SH
chmod +x env.sh
start_server env --listen tls://127.0.0.1:0 --cert server.crt --key server.key \
  --ca ca.crt --verify optional -- ./env.sh
port=$(port_of env)
if command -v curl >/dev/null; then
  out=$(timeout 20 curl -sS --cacert server.crt --cert client.crt --key client.key \
    "https://localhost:$port/")
  grep -q '^PROTO=TCP REMOTE=127.0.0.1$' <<<"$out" || fail "curl: PROTO/REMOTE: $out"
  grep -q '^SSL_PROTOCOL=TLSv1.3$' <<<"$out" || fail "curl: SSL_PROTOCOL: $out"
  grep -q '^SSL_CIPHER=TLS_' <<<"$out" || fail "curl: SSL_CIPHER: $out"
  grep -q '^SSL_CLIENT_S_DN=O=wirekit,CN=alice$' <<<"$out" || fail "curl: S_DN: $out"
  grep -q '^SSL_CLIENT_I_DN=CN=wirekit test CA$' <<<"$out" || fail "curl: I_DN: $out"
  grep -q '^SSL_CLIENT_M_SERIAL=1234AB$' <<<"$out" || fail "curl: serial: $out"
  grep -q '^-----BEGIN CERTIFICATE-----$' <<<"$out" || fail "curl: SSL_CLIENT_CERT: $out"
  pass "curl over TLS: handler sees SSL_* and the client certificate"
  out=$(timeout 20 curl -sS --cacert server.crt "https://localhost:$port/")
  grep -q '^SSL_CLIENT_S_DN=$' <<<"$out" || fail "curl without cert: $out"
  pass "optional mode serves a client without a certificate"
else
  echo "skip: curl is not installed"
fi
stop_server "$SERVER_PID"

# --- client certificate modes ------------------------------------------------------------
# served MODE CERT: whether a connection with CERT ("" for none) gets the handler's output.
served() {
  local args=()
  [ -z "$2" ] || args=(-cert "$2.crt" -key "$2.key")
  s_run "$port" server.crt "${args[@]}" | grep -q '^hello$'
}
for mode in none optional required; do
  start_server "mode-$mode" --listen tls://127.0.0.1:0 --cert server.crt --key server.key \
    --ca ca.crt --verify "$mode" -v -- sh -c 'echo hello'
  port=$(port_of "mode-$mode")
  case $mode in
    none) want_good=yes want_missing=yes want_wrong=yes ;;
    optional) want_good=yes want_missing=yes want_wrong=no ;;
    required) want_good=yes want_missing=no want_wrong=no ;;
  esac
  for case_ in good:client missing: wrong:stranger; do
    name=${case_%%:*} cert=${case_#*:}
    got=no
    served "$mode" "$cert" && got=yes
    want_var="want_$name"
    expect_eq "verify $mode, $name certificate served" "$got" "${!want_var}"
  done
  stop_server "$SERVER_PID"
done
grep -q 'reason=handshake-failed' "$WORK/mode-required.err" || fail "no handshake-failed line"
pass "refused handshakes are logged"

# The reference's self-signed X.509 v1 certificate is accepted when listed in --ca.
start_server v1 --listen tls://127.0.0.1:0 --cert server.crt --key server.key --ca v1.crt \
  -- sh -c 'echo "hello $SSL_CLIENT_S_DN"'
port=$(port_of v1)
expect_eq "X.509 v1 self-signed client certificate accepted (required by default with --ca)" \
  "$(s_run "$port" server.crt -cert v1.crt -key v1.key)" "hello CN=localhost"
expect_eq "default with --ca requires a certificate" "$(s_run "$port" server.crt)" ""
stop_server "$SERVER_PID"

# --- SNI, ALPN, --tls-min ----------------------------------------------------------------
start_server sni --listen tls://127.0.0.1:0 --cert server.crt --key server.key \
  --cert other.crt --key other.key --alpn h2,http/1.1 --tls-min 1.3 --json --echo
port=$(port_of sni)
expect_eq "SNI default certificate" "$(s_echo "$port" sni-default server.crt)" sni-default
expect_eq "SNI picks the second certificate" \
  "$(s_echo "$port" sni-other other.crt -servername other.test -verify_hostname other.test)" \
  sni-other
expect_eq "ALPN negotiated" "$(s_echo "$port" alpn other.crt -servername other.test \
  -alpn http/1.1)" alpn
wk_wait_for 5 grep -q '"alpn":"http/1.1"' "$WORK/sni.out" || fail "no ALPN in the JSON event"
pass "ALPN reported"
expect_eq "ALPN without overlap is refused" "$(s_echo "$port" noalpn server.crt -alpn spdy/1)" ""
expect_eq "--tls-min 1.3 refuses TLS 1.2" "$(s_echo "$port" old server.crt -tls1_2)" ""
stop_server "$SERVER_PID"

# --- session tickets: one by default (OpenSSL's own default is two), --tls-tickets N -------
# tickets_seen PORT: NewSessionTicket messages s_client receives before its echo comes back.
tickets_seen() {
  s_echo "$1" tickets server.crt -msg | grep -c 'NewSessionTicket' || true
}
for tickets in default 0 3; do
  args=()
  [ "$tickets" = default ] || args=(--tls-tickets "$tickets")
  start_server "tickets-$tickets" --listen tls://127.0.0.1:0 --cert server.crt --key server.key \
    --echo "${args[@]}"
  expect_eq "session tickets sent ($tickets)" "$(tickets_seen "$(port_of "tickets-$tickets")")" \
    "$([ "$tickets" = default ] && echo 1 || echo "$tickets")"
  stop_server "$SERVER_PID"
done
expect_status "--tls-tickets above 16 is a usage error" 2 "$BIN/tcpserve" \
  --listen tls://127.0.0.1:0 --cert server.crt --key server.key --echo --tls-tickets 17

# --- handshake timeout -------------------------------------------------------------------
start_server hs --listen tls://127.0.0.1:0 --cert server.crt --key server.key --echo \
  --handshake-timeout 0.3 -v
out=$(timeout 10 "${CLIENT[@]}" idle "tcp:127.0.0.1:$(port_of hs)")
[[ $out == closed* ]] || fail "handshake timeout: $out"
wk_wait_for 5 grep -q 'reason=handshake-timeout' "$WORK/hs.err" || fail "no handshake-timeout line"
pass "a silent client is cut at the handshake timeout"
stop_server "$SERVER_PID"

# --- SIGHUP reload while a connection stays open -----------------------------------------
cp server.crt live.crt
cp server.key live.key
start_server reload --listen tls://127.0.0.1:0 --cert live.crt --key live.key --echo
port=$(port_of reload)
mkfifo live.in
: >live.out
timeout 60 openssl s_client -connect "127.0.0.1:$port" -servername localhost -CAfile server.crt \
  -verify_return_error -quiet -no_ign_eof <live.in >live.out 2>/dev/null &
live_client=$!
exec 7>live.in
echo before >&7
wk_wait_for 10 grep -q '^before$' live.out || fail "live connection: no echo"
cp server2.crt live.crt
cp server2.key live.key
kill -HUP "$SERVER_PID"
wk_wait_for 10 grep -q 'reloaded' "$WORK/reload.err" || fail "no reload line"
expect_eq "after SIGHUP new connections get the new certificate" \
  "$(s_echo "$port" fresh server2.crt)" fresh
expect_eq "after SIGHUP the old certificate is gone" "$(s_echo "$port" stale server.crt)" ""
echo after >&7
wk_wait_for 10 grep -q '^after$' live.out || fail "the live connection broke on SIGHUP"
pass "the live connection survives SIGHUP"
exec 7>&-
wait "$live_client" || true
# A reload that fails keeps the old files in use.
echo garbage >live.key
kill -HUP "$SERVER_PID"
wk_wait_for 10 grep -q 'reload failed' "$WORK/reload.err" || fail "no reload failure line"
expect_eq "a failed reload keeps serving" "$(s_echo "$port" still server2.crt)" still
stop_server "$SERVER_PID"
expect_eq "reloaded server stops cleanly" "$STOP_STATUS" 3

expect_status "mismatched key is a usage error" 2 "$BIN/tcpserve" --listen tls://127.0.0.1:0 \
  --cert server.crt --key other.key --echo
