#!/usr/bin/env bash
# memo-send --to → memo-recv ENDPOINT over real sockets (udp loopback and unix datagram):
# 1 MiB memos in every form, 10 000 small memos, two senders at once, an authic receiver
# among forged and unsigned grams, garbage datagrams, timeouts, SIGTERM clean-up.
source "$(dirname "$0")/common.sh"

send=$BIN/memo-send
recv=$BIN/memo-recv
cd "$WORK"

# start_recv NAME ENDPOINT ARGS…: memo-recv in the background, stdout to NAME.out,
# stderr to NAME.err; waits for its "receiving on" line and sets $addr and $recv_pid.
start_recv() {
  local name=$1 where=$2
  shift 2
  wk_bg timeout "$wk_timeout" "$recv" "$where" "$@" >"$name.out" 2>"$name.err"
  recv_pid=$!
  wk_wait_for 10 grep -q 'receiving on' "$name.err" || fail "$name: memo-recv did not start: $(cat "$name.err")"
  addr=$(sed -n 's/^memo-recv: receiving on //p' "$name.err")
}

# wait_recv EXPECTED_STATUS: waits for the background memo-recv and checks its status.
wait_recv() {
  local status=0
  wait "$recv_pid" || status=$?
  [ "$status" -eq "$1" ] || fail "memo-recv exit status $status, expected $1: $(cat ./*.err | tail -5)"
}

# send_raw ADDR HEX…: sends each hex string as one datagram (python: no wirekit involved).
send_raw() {
  python3 - "$@" <<'PY'
import socket, sys
addr = sys.argv[1]
for h in sys.argv[2:]:
    data = bytes.fromhex(h)
    if addr.startswith("uxd:"):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.sendto(data, addr[4:])
    else:
        host, port = addr[len("udp://"):].rsplit(":", 1)
        s = socket.socket(socket.AF_INET6 if host.startswith("[") else socket.AF_INET, socket.SOCK_DGRAM)
        s.sendto(data, (host.strip("[]"), int(port)))
PY
}

head -c 1048576 /dev/urandom >big.bin
"$send" --keygen alice.key >/dev/null

# 1 MiB over udp and unix datagram, unsigned and signed, text and binary headers.
for kind in udp uxd; do
  for sign in "" "--sign alice.key"; do
    for form in "" --binary; do
      what="1 MiB $kind ${sign:+signed }${form:-text}"
      if [ $kind = udp ]; then where=udp://127.0.0.1:0; else where=uxd:$WORK/big.sock; fi
      start_recv big "$where" --format raw --timeout 20
      # shellcheck disable=SC2086
      "$send" --to "$addr" $sign $form <big.bin || fail "$what: memo-send failed"
      wait_recv 0
      cmp -s big.bin big.out || fail "$what: memo differs"
      pass "$what"
    done
  done
done
[ ! -e "$WORK/big.sock" ] || fail "memo-recv left its socket file"
pass "socket file removed on exit"

# IPv6 loopback.
start_recv v6 "udp://[::1]:0" --count 1
"$send" --to "$addr" "over IPv6"
wait_recv 0
expect_eq "udp over ::1" "$(cat v6.out)" "over IPv6"

# 10 000 small memos, one per line, over unix datagram and (paced) udp.
seq 10000 >many.txt
start_recv many "uxd:$WORK/many.sock" --count 10000 --timeout 20
"$send" --to "$addr" --format line <many.txt || fail "10 000 memos: memo-send failed"
wait_recv 0
sort -n many.out | cmp -s - many.txt || fail "10 000 memos over uxd: not all delivered once"
pass "10 000 memos over uxd"
start_recv manyu udp://127.0.0.1:0 --count 10000 --timeout 20
"$send" --to "$addr" --format line --rate 20000 <many.txt || fail "10 000 memos: memo-send failed"
wait_recv 0
sort -n manyu.out | cmp -s - many.txt || fail "10 000 memos over udp: not all delivered once"
pass "10 000 memos over udp"

# Two senders interleaving into one receiver (each memo many grams).
head -c 300000 /dev/urandom | base64 -w0 >a.txt
head -c 300000 /dev/urandom | base64 -w0 >b.txt
start_recv two "uxd:$WORK/two.sock" --count 2 --format netstring --timeout 20
"$send" --to "$addr" --size 1000 <a.txt &
p1=$!
"$send" --to "$addr" --size 1000 --binary <b.txt &
p2=$!
wait $p1 || fail "sender 1 failed"
wait $p2 || fail "sender 2 failed"
wait_recv 0
python3 - two.out a.txt b.txt <<'PY' || fail "two senders: memos differ"
import sys
data = open(sys.argv[1], "rb").read()
memos = []
while data:
    n, rest = data.split(b":", 1)
    memos.append(rest[: int(n)])
    data = rest[int(n) + 1 :]
want = sorted([open(sys.argv[2], "rb").read(), open(sys.argv[3], "rb").read()])
sys.exit(0 if sorted(memos) == want else 1)
PY
pass "two senders interleaved"

# An authic receiver: unsigned and forged grams are dropped, good memos delivered.
start_recv authic "uxd:$WORK/authic.sock" --authic --count 2 -v --timeout 20 --stats
"$send" --to "$addr" "unsigned, must be dropped"
forged=$(printf 'forged memo' | "$send" --emit hex --sign alice.key | python3 -c '
import sys
g = bytearray.fromhex(sys.stdin.read().strip()); g[80] ^= 1; print(g.hex())')
send_raw "$addr" "$forged"
"$send" --to "$addr" --sign alice.key "good one"
"$send" --to "$addr" --sign alice.key --binary "good two"
wait_recv 0
expect_eq "authic delivers only the signed memos" "$(cat authic.out)" "good one
good two"
grep -q 'dropped: unsigned_refused' authic.err || fail "no unsigned_refused line: $(cat authic.err)"
grep -q 'dropped: bad_signature' authic.err || fail "no bad_signature line: $(cat authic.err)"
grep -q 'dropped.bad_signature=1' authic.err || fail "--stats lacks the forged gram: $(cat authic.err)"
pass "authic receiver drops unsigned and forged grams"

# Garbage, truncated, wrongly signed and unknown-code datagrams, then a good memo.
start_recv junk udp://127.0.0.1:0 --count 1 -v --timeout 20
good=$(printf 'next good memo' | "$send" --emit hex)
send_raw "$addr" "00" "ff00ff" "${good:0:20}" "424242" "31414a5a" "$forged" ""
"$send" --to "$addr" "next good memo"
wait_recv 0
expect_eq "good memo after garbage" "$(cat junk.out)" "next good memo"
[ "$(grep -c 'dropped:' junk.err)" -ge 5 ] || fail "expected at least 5 drop lines: $(cat junk.err)"
pass "garbage datagrams dropped with reasons"

# A memo with a newline cannot be a line: reported, the receiver goes on, exit 1.
start_recv nl "uxd:$WORK/nl.sock" --count 2 --timeout 20
"$send" --to "$addr" "two
lines"
"$send" --to "$addr" "one line"
wait_recv 1
expect_eq "line format skips the memo with a newline" "$(cat nl.out)" "one line"
grep -q 'contains a newline' nl.err || fail "no newline error: $(cat nl.err)"
pass "newline memo reported"

# --timeout: exit 1 when nothing completes.
expect_status "timeout with no memo" 1 "$recv" udp://127.0.0.1:0 --timeout 0.3 -q

# SIGTERM: clean stop, socket file removed, exit 3.
start_recv term "uxd:$WORK/term.sock"
[ -S "$WORK/term.sock" ] || fail "no socket file while receiving"
kill -TERM "$recv_pid"
wait_recv 3
[ ! -e "$WORK/term.sock" ] || fail "SIGTERM left the socket file"
pass "SIGTERM removes the socket file"

# SIGTERM the moment the "receiving on" line is read: the signal is already caught by then
# (it once was not, and a fast script killed memo-recv outright, leaving the socket file).
timeout "$wk_timeout" python3 - "$recv" "$WORK" <<'PY' || fail "SIGTERM right after start: not a clean stop"
import os, signal, subprocess, sys
recv, work = sys.argv[1], sys.argv[2]
for i in range(50):
    path = os.path.join(work, f"race{i}.sock")
    # --timeout: a receiver that missed its signal still ends on its own, never outlives the test.
    p = subprocess.Popen([recv, "uxd:" + path, "--timeout", "20"], stdout=subprocess.DEVNULL,
                         stderr=subprocess.PIPE)
    first = p.stderr.readline()
    p.send_signal(signal.SIGTERM)
    status = p.wait(timeout=10)
    p.stderr.close()
    if status != 3 or os.path.exists(path):
        sys.exit(f"round {i}: exit {status}, socket file left: {os.path.exists(path)} ({first!r})")
PY
pass "SIGTERM right after the first line"

# A stale socket file is replaced; a live one is not stolen.
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.bind(sys.argv[1])" "$WORK/stale.sock"
start_recv stale "uxd:$WORK/stale.sock" --count 1 --timeout 20
expect_status "live socket is not stolen" 1 "$recv" "uxd:$WORK/stale.sock" -q
"$send" --to "$addr" "after stale"
wait_recv 0
expect_eq "stale socket replaced" "$(cat stale.out)" "after stale"

# Usage errors and unreachable destinations.
expect_status "stream endpoint refused" 2 "$send" --to tcp://127.0.0.1:1 x
expect_status "bad endpoint refused" 2 "$recv" http://x
expect_status "nobody on the unix socket" 1 "$send" --to "uxd:$WORK/nobody.sock" x
