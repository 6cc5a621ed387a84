# serve --listen: tcp:// and unix: listeners, each accepted connection served on its own
# link (two at once here), SIGTERM ends serve with status 3 and removes the socket file; a
# positional tcp:// or unix: ENDPOINT is still a link serve connects to, as in pktconn.
source "$(dirname "$0")/common.sh"
M=$BIN/moatcmd

# listening_at FILE: the endpoint of the "listening ENDPOINT" line serve printed, if any
listening_at() { sed -n 's/^listening \(.*\)$/\1/p' "$1" | head -n 1; }
has_listening() { [ -n "$(listening_at "$1")" ]; }

# TCP on an ephemeral port.
wk_bg "$M" serve --demo --listen tcp://127.0.0.1:0 >"$WORK/tcp.out" 2>"$WORK/tcp.err"
tcp_pid=$!
wk_wait_for 20 has_listening "$WORK/tcp.out" || fail "tcp: no listening line: $(cat "$WORK/tcp.err")"
at=$(listening_at "$WORK/tcp.out")
case $at in tcp://127.0.0.1:[1-9]*) pass "tcp: listening on $at" ;; *) fail "tcp: listening on '$at'" ;; esac

# A slow stream (5 s) on one connection while a second connection is answered at once.
timeout "$wk_timeout" "$M" call -c "$at" --stream-r count 100 0.05 >"$WORK/slow.out" &
slow=$!
has_items() { [ -s "$WORK/slow.out" ]; }
wk_wait_for 20 has_items || fail "tcp: the stream did not start"
expect_eq "tcp: a call on a second connection" "$(timeout "$wk_timeout" "$M" call -c "$at" ret 5)" "[5]"
kill -0 "$slow" 2>/dev/null || fail "tcp: the stream had ended before the second call was answered"
pass "tcp: the second connection was answered while the first one streamed"
wait "$slow" || fail "tcp: the stream call failed"
expect_eq "tcp: the stream on the first connection" "$(tail -n 1 "$WORK/slow.out")" '["done",100]'
expect_eq "tcp: still serving after both ended" "$(timeout "$wk_timeout" "$M" call -c "$at" echo 1 two x=3)" '[1,"two",{"x":3}]'

kill -TERM "$tcp_pid"
status=0
wait "$tcp_pid" || status=$?
expect_eq "tcp: SIGTERM ends serve with status 3" "$status" 3

# A unix socket; the file is removed at the end.
sock=$WORK/m.sock
wk_bg "$M" serve --demo --listen "unix:$sock" >"$WORK/unix.out" 2>"$WORK/unix.err"
unix_pid=$!
wk_wait_for 20 has_listening "$WORK/unix.out" || fail "unix: no listening line: $(cat "$WORK/unix.err")"
expect_eq "unix: a call" "$(timeout "$wk_timeout" "$M" call -c "unix:$sock" ret '"hi"')" '["hi"]'
seq 1000 >"$WORK/items"
expect_eq "unix: a client stream" "$(timeout "$wk_timeout" "$M" call -c "unix:$sock" --stream-w sum <"$WORK/items")" "[500500]"
kill -TERM "$unix_pid"
status=0
wait "$unix_pid" || status=$?
expect_eq "unix: SIGTERM ends serve with status 3" "$status" 3
[ ! -e "$sock" ] || fail "unix: socket file left behind"
pass "unix: socket file removed"

# --coproc: each connection gets a child of its own (the handler answers with its pid).
cat >"$WORK/handler.sh" <<'SH'
while IFS= read -r line; do
  case $line in
    *'"event":"command"'*)
      id=$(printf '%s' "$line" | sed 's/.*"id":\([0-9]*\).*/\1/')
      printf '{"id":%s,"result":["child",%s]}\n' "$id" "$$"
      ;;
  esac
done
SH
wk_bg "$M" serve --coproc "sh $WORK/handler.sh" --listen "unix:$WORK/c.sock" >"$WORK/co.out" 2>"$WORK/co.err"
co_pid=$!
wk_wait_for 20 has_listening "$WORK/co.out" || fail "coproc: no listening line: $(cat "$WORK/co.err")"
one=$(timeout "$wk_timeout" "$M" call -c "unix:$WORK/c.sock" hello)
two=$(timeout "$wk_timeout" "$M" call -c "unix:$WORK/c.sock" hello)
case $one in '["child",'[0-9]*']') pass "coproc: answered by a child" ;; *) fail "coproc: got '$one'" ;; esac
[ "$one" != "$two" ] || fail "coproc: two connections shared one child ($one)"
pass "coproc: a child per connection"
kill -TERM "$co_pid"
status=0
wait "$co_pid" || status=$?
expect_eq "coproc: SIGTERM ends serve with status 3" "$status" 3

# A positional unix: endpoint is a peer to connect to: with nobody there, serve fails.
expect_status "a positional unix: endpoint connects (nobody listens: exit 1)" 1 "$M" serve --demo "unix:$WORK/nobody.sock"

expect_status "--listen with tls:// is a usage error" 2 "$M" serve --demo --listen tls://127.0.0.1:0
expect_status "--listen and an ENDPOINT together is a usage error" 2 "$M" serve --demo --listen tcp://127.0.0.1:0 "unix:$WORK/x.sock"
expect_status "--listen on a datagram endpoint is a usage error" 2 "$M" serve --demo --listen udp://127.0.0.1:0
