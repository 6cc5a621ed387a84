# Long streams with credits, cancellation, malformed input, non-array items and peer death:
# moatcmd keeps going where the protocol allows and never hangs.
source "$(dirname "$0")/common.sh"
M=$BIN/moatcmd

# A 100 000-item stream each way, 0.3 (no credits on the wire) and 0.4 (credits active).
for d in 0.3 0.4; do
  got=$(seq 100000 | timeout "$wk_timeout" "$M" call --dialect $d -c "exec:$M serve --demo --dialect $d" --stream-w sum)
  expect_eq "$d: sum of a 100000-item stream" "$got" "[5000050000]"
  timeout "$wk_timeout" "$M" call --dialect $d -c "exec:$M serve --demo --dialect $d" --stream-r count 100000 >"$WORK/count.$d"
  expect_eq "$d: items received" "$(wc -l <"$WORK/count.$d")" 100001
  expect_eq "$d: last line is the final" "$(tail -n 1 "$WORK/count.$d")" '["done",100000]'
done

# Cancel mid-stream: the client gives up (timeout) while items still come; it cancels, the
# server stops its producer and the client exits 1 at once.
start=$SECONDS
expect_status "a timed-out stream call exits 1" 1 "$M" call --timeout 0.5 -c "exec:$M serve --demo" --stream-r count 1000 0.05
[ $((SECONDS - start)) -lt 10 ] || fail "cancel took $((SECONDS - start)) s"
pass "cancel is prompt"

# Malformed messages and non-array items are dropped; later commands are still answered.
printf '\x01\xa0\x80\x81\x61\x78\x62\xc3\x28\x82\x00\x64none' >"$WORK/junk.c2s"
timeout "$wk_timeout" "$M" serve --demo <"$WORK/junk.c2s" >"$WORK/junk.s2c" 2>"$WORK/junk.err"
expect_eq "junk: the last command is answered" "$("$M" decode <"$WORK/junk.s2c")" '[-4,null]'
grep -q "dropped 4 malformed messages, skipped 1 bad items" "$WORK/junk.err" || fail "junk: no drop report: $(cat "$WORK/junk.err")"
pass "junk: drops reported"

# Undecodable CBOR: replies owed so far go out, then serve exits 1 naming the reason.
printf '\x82\x00\x64none\xff' >"$WORK/bad.c2s"
status=0
timeout "$wk_timeout" "$M" serve --demo <"$WORK/bad.c2s" >"$WORK/bad.s2c" 2>"$WORK/bad.err" || status=$?
expect_eq "bad CBOR: exit status" "$status" 1
expect_eq "bad CBOR: reply still sent" "$("$M" decode <"$WORK/bad.s2c")" '[-4,null]'
grep -q "bad CBOR from peer" "$WORK/bad.err" || fail "bad CBOR: no reason given"
pass "bad CBOR: reason given"

# Peer death: a server that goes away with calls pending fails them; nothing hangs.
expect_status "peer exits before replying" 1 "$M" call -c "exec:true" sleep 1
expect_status "peer dies mid-stream" 1 "$M" call -c "exec:head -c 5 >/dev/null" --stream-r count 10
out=$("$M" call -c "exec:true" none 2>&1 >/dev/null || true)
expect_eq "peer death message" "$out" "moatcmd: peer closed the link"

# Usage errors exit 2.
expect_status "bad endpoint" 2 "$M" call -c "udp://127.0.0.1:9" none
expect_status "bad dialect" 2 "$M" serve --demo --dialect 9
expect_status "serve needs a handler" 2 "$M" serve
