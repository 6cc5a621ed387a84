#!/usr/bin/env bash
# Acknowledged delivery (memo-send --sure) over real udp sockets: through a lossy relay (10%
# loss, 5% duplication, reordering, both ways) 1000 memos of mixed sizes up to 1 MiB arrive
# exactly once and byte-identical; a receiver killed mid-transfer makes the sender fail by
# its deadline; receivers that do not ack (a plain UDP sink, memo-recv --no-ack) make it
# report the memos unacknowledged; acks of signed memos must be signed.
source "$(dirname "$0")/common.sh"

send=$BIN/memo-send
recv=$BIN/memo-recv
relay=$(cd "$(dirname "$0")" && pwd)/lossy_relay.py
cd "$WORK"

# start_recv NAME ENDPOINT ARGS…: memo-recv in the background; sets $addr and $recv_pid.
start_recv() {
  local name=$1 where=$2
  shift 2
  wk_bg timeout "$wk_timeout" "$recv" "$where" "$@" >"$name.out" 2>"$name.err"
  recv_pid=$!
  wk_wait_for 30 grep -q 'receiving on' "$name.err" || fail "$name: memo-recv did not start: $(cat "$name.err")"
  addr=$(sed -n 's/^memo-recv: receiving on //p' "$name.err")
}

# start_relay NAME TARGET ARGS…: the lossy relay in the background; sets $relay_addr, $relay_pid.
start_relay() {
  local name=$1 target=$2
  shift 2
  wk_bg timeout "$wk_timeout" python3 "$relay" --target "${target#udp://}" "$@" >"$name.out" 2>"$name.err"
  relay_pid=$!
  wk_wait_for 30 grep -q 'relay on' "$name.out" || fail "$name: relay did not start: $(cat "$name.err")"
  relay_addr=$(sed -n 's/^relay on //p' "$name.out")
}

# 1000 memos as netstrings: most small, a few of 100 KiB, two of 1 MiB; each starts with its
# number, so every memo is distinct and "exactly once" can be checked.
python3 - <<'PY'
import random
rng = random.Random(7)
sizes = [rng.randint(1, 3000) for _ in range(990)] + [100 * 1024] * 8 + [1 << 20] * 2
rng.shuffle(sizes)
with open("memos.ns", "wb") as f:
    for i, n in enumerate(sizes):
        memo = b"%04d:" % i + rng.randbytes(n)
        f.write(b"%d:%s," % (len(memo), memo))
PY

start_recv lossy udp://127.0.0.1:0 --format netstring --stats
start_relay relay1 "$addr" --loss 0.10 --dup 0.05 --reorder 0.10 --delay 2 --seed 11
started=$SECONDS
status=0
timeout "$wk_timeout" "$send" --to "$relay_addr" --sure --json --stats --format netstring \
  --deadline 40 <memos.ns >lossy.json 2>lossy.send.err || status=$?
[ "$status" -eq 0 ] || fail "1000 memos through the lossy relay: memo-send exit $status: $(tail -3 lossy.send.err)"
kill -TERM "$relay_pid" "$recv_pid"
wait "$relay_pid" || true
wait "$recv_pid" || true
python3 - memos.ns lossy.out lossy.json <<'PY' || fail "1000 memos through the lossy relay: not all delivered exactly once"
import collections, json, sys
def netstrings(path):
    data, out = open(path, "rb").read(), []
    while data:
        n, rest = data.split(b":", 1)
        out.append(rest[: int(n)])
        data = rest[int(n) + 1 :]
    return out
sent, got = netstrings(sys.argv[1]), netstrings(sys.argv[2])
counts = collections.Counter(got)
assert len(sent) == 1000, len(sent)
assert len(got) == 1000, f"{len(got)} memos delivered"
assert all(counts[m] == 1 for m in sent), "a memo missing or delivered twice"
report = [json.loads(l) for l in open(sys.argv[3])]
assert len(report) == 1000 and all(r["status"] == "delivered" for r in report), "report"
assert sum(r["retransmissions"] for r in report) > 0, "no retransmission through a lossy relay?"
PY
grep -Eq 'lost=[1-9][0-9]* duplicated=[1-9]' relay1.err || fail "the relay lost or duplicated nothing: $(cat relay1.err)"
pass "1000 memos (up to 1 MiB) through 10% loss, 5% dup, reordering: exactly once, identical ($((SECONDS - started)) s; $(cat relay1.err))"

# Receiver killed mid-transfer: the sender fails by its deadline, exit 1, no hang.
# (started directly: SIGKILL must reach memo-recv itself, not a timeout wrapper)
"$recv" udp://127.0.0.1:0 >killed.out 2>killed.err &
recv_pid=$!
wk_pids+=("$recv_pid")
wk_wait_for 30 grep -q 'receiving on' killed.err || fail "killed: memo-recv did not start"
addr=$(sed -n 's/^memo-recv: receiving on //p' killed.err)
seq 100000 >many.txt
# (not wk_bg: a background command inside a function reads /dev/null)
timeout "$wk_timeout" "$send" --to "$addr" --sure --format line --rate 5000 --deadline 2 \
  <many.txt >killed.send.out 2>killed.send.err &
send_pid=$!
wk_pids+=("$send_pid")
wk_wait_for 20 test -s killed.out || fail "receiver got nothing"
wk_wait_for 20 bash -c '[ "$(wc -l <killed.out)" -ge 200 ]' || fail "receiver got too little"
kill -KILL "$recv_pid"
killed_at=$SECONDS
status=0
wait "$send_pid" || status=$?
[ "$status" -eq 1 ] || fail "receiver killed: memo-send exit $status, expected 1: $(tail -3 killed.send.err)"
[ $((SECONDS - killed_at)) -le 10 ] || fail "receiver killed: memo-send took $((SECONDS - killed_at)) s (deadline 2 s)"
grep -q 'not acknowledged' killed.send.err || fail "no failure reason: $(cat killed.send.err)"
[ "$(wc -l <killed.send.err)" -le 12 ] || fail "more than 10 failure lines: $(wc -l <killed.send.err)"
pass "receiver killed mid-transfer: memo-send exits 1 after $((SECONDS - killed_at)) s: $(tail -1 killed.send.err)"

# A receiver that never acks: a plain UDP sink.
python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 0))
print("udp://127.0.0.1:%d" % s.getsockname()[1], flush=True)
while True:
    s.recv(65536)
' >sink.out &
wk_pids+=($!)
wk_wait_for 30 test -s sink.out || fail "sink did not start"
sink=$(cat sink.out)
status=0
timeout 20 "$send" --to "$sink" --sure --retries 3 --json "hello" "there" >sink.json 2>sink.err || status=$?
[ "$status" -eq 1 ] || fail "silent sink: exit $status, expected 1"
grep -q '"status":"failed","reason":"unacknowledged: 1 of 1 grams after 3 retries (no ack received)"' sink.json ||
  fail "silent sink: report: $(cat sink.json)"
grep -q '2 of 2 memos not acknowledged' sink.err || fail "silent sink: $(cat sink.err)"
pass "a receiver that does not ack: memos reported unacknowledged, exit 1"

# memo-recv --no-ack delivers but does not answer.
start_recv noack udp://127.0.0.1:0 --no-ack --count 1
expect_status "memo-recv --no-ack: sender exits 1" 1 "$send" --to "$addr" --sure --retries 1 "quiet"
wait "$recv_pid" || fail "memo-recv --no-ack failed"
expect_eq "memo-recv --no-ack still delivers" "$(cat noack.out)" "quiet"

# Signed memos need signed acks: memo-recv --sign answers 1AAZ; without a key its 1AAY acks
# are ignored and counted.
"$send" --keygen alice.key >/dev/null
bob_vid=$("$send" --keygen bob.key)
start_recv signed "uxd:$WORK/signed.sock" --sign bob.key
expect_status "signed sure memo, signed acks" 0 "$send" --to "$addr" --sure --sign alice.key \
  --ack-vid "$bob_vid" "signed and sure"
kill -TERM "$recv_pid"
wait "$recv_pid" || true
start_recv unsigned "uxd:$WORK/unsigned.sock"
status=0
"$send" --to "$addr" --sure --sign alice.key --retries 1 "needs a signed ack" 2>unsigned.send.err || status=$?
[ "$status" -eq 1 ] || fail "unsigned acks for a signed memo: exit $status"
grep -q 'last: unsigned_ack' unsigned.send.err || fail "unsigned acks: $(cat unsigned.send.err)"
pass "unsigned acks for a signed memo are ignored"
kill -TERM "$recv_pid"
wait "$recv_pid" || true

# Usage errors.
expect_status "--sure with legacy" 2 "$send" --to udp://127.0.0.1:9 --sure --dialect legacy x
expect_status "--retries without --sure" 2 "$send" --to udp://127.0.0.1:9 --retries 3 x
