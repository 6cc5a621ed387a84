# pktconn when things go wrong: failing handlers, timeouts, a peer closing mid-request,
# garbage and truncated input, ERQ then late answers then EOF, signals, usage errors.
# Every command is bounded by timeout; none may hang.
source "$(dirname "$0")/common.sh"
PK="$BIN/pktconn"

# run_capture NAME CMD…: runs CMD bounded, keeping stdout, stderr and the exit status.
run_capture() {
  local name=$1
  shift
  local rc=0
  timeout 30 "$@" > "$WORK/$name.out" 2> "$WORK/$name.err" || rc=$?
  echo "$rc" > "$WORK/$name.rc"
}
rc_of() { cat "$WORK/$1.rc"; }
expect_err() { grep -qF -- "$2" "$WORK/$1.err" || fail "$1: stderr lacks [$2]: $(cat "$WORK/$1.err")"; pass "$1: says $2"; }

# Mixed --exec handler results: ok, failure with a reason, failure without one.
cat > "$WORK/handler.sh" <<'SH'
case $PKT_RQ_TYPE in
  0) cat ;;
  1) echo "refused: $(cat)" >&2; exit 3 ;;
  *) exit 5 ;;
esac
SH
printf '%s\n' '{"type":0,"payload":"a"}' '{"type":1,"payload":"b"}' '{"type":2,"payload":"c"}' \
  '{"type":0,"payload":"d"}' > "$WORK/mixed.jsonl"
run_capture mixed "$PK" call --format json --connect "exec:$PK serve --exec 'sh $WORK/handler.sh'" \
  < "$WORK/mixed.jsonl"
expect_eq "mixed handlers: exit status" "$(rc_of mixed)" 1
expect_eq "mixed handlers: ok answers" "$(cat "$WORK/mixed.out")" $'a\nd'
expect_err mixed "request 2 failed: refused: b"
expect_err mixed "request 3 failed: exit status 5"

# The environment an --exec handler sees.
out=$(timeout 30 "$PK" call --type 7 --flags 9 --connect \
  "exec:$PK serve --exec 'echo \$PKT_RQ_TYPE \$PKT_FLAGS \$PKT_TAG \$PKT_CHANNEL'" x)
expect_eq "exec handler environment" "$out" '7 9 2 0'

# A stdin line longer than --max-packet is refused and skipped, however many reads it spans,
# and the lines after it (one without a newline at the end) still go out, from a regular file
# (read on the loop) and from a pipe (read on a thread).
repeat() { head -c "$2" /dev/zero | tr '\0' "$1"; }
{ printf 'first\n'; repeat x 600000; printf '\nthird\n'; repeat y 70000; printf '\nlast'; } \
  > "$WORK/long.txt"
expected_long="$(printf 'first\nthird\n'; repeat y 70000; printf '\nlast')"
run_capture long_file "$PK" call --max-packet 100000 \
  --connect "exec:$PK serve --echo --max-packet 100000" < "$WORK/long.txt"
run_capture long_pipe sh -c "cat '$WORK/long.txt' | '$PK' call --max-packet 100000 \
  --connect 'exec:$PK serve --echo --max-packet 100000'"
for how in file pipe; do
  expect_eq "overlong line from a $how: exit status" "$(rc_of long_$how)" 1
  expect_eq "overlong line from a $how: the other lines answered" \
    "$(cat "$WORK/long_$how.out")" "$expected_long"
  expect_err long_$how "request 2 not sent: payload larger than --max-packet"
done

# A peer that does not read: call stops taking stdin once about 256 KiB of requests wait for
# the pipe, however wide the window (here 256 lines of 64 KiB, 16 MiB, would fit in it).
# The peer reads nothing until the gate opens, and then goes away.
mkfifo "$WORK/gate"
line=$(repeat z 65535)
for _ in $(seq 300); do printf '%s\n' "$line"; done > "$WORK/wide.txt"
# (Not through wk_bg: a background command inside a function reads /dev/null.)
"$PK" call --window 256 --connect "exec:timeout 60 cat '$WORK/gate'" \
  < "$WORK/wide.txt" > "$WORK/wide.out" 2> "$WORK/wide.err" &
wide_pid=$!
wk_pids+=("$wide_pid")
stdin_pos() { awk '$1 == "pos:" { print $2 }' "/proc/$wide_pid/fdinfo/0"; }
# Settled: the loop has read and sleeps in epoll_wait (232) or epoll_pwait (281), twice with
# the same stdin position. Call reads a regular-file stdin on its loop, so nothing moves meanwhile.
last_pos=-1
settled() {
  local call pos
  read -r call _ < "/proc/$wide_pid/syscall" || return 1
  pos=$(stdin_pos)
  [ "$pos" -gt 0 ] && { [ "$call" = 232 ] || [ "$call" = 281 ]; } || { last_pos=-1; return 1; }
  [ "$pos" = "$last_pos" ] && return 0
  last_pos=$pos
  return 1
}
wk_wait_for 20 settled || fail "blocked peer: call never settled (stdin at $(stdin_pos))"
pos=$(stdin_pos)
[ "$pos" -le $((2 << 20)) ] ||
  fail "blocked peer: call read $pos bytes of stdin ahead of a peer that reads nothing"
pass "blocked peer: call read only $pos of 19 MiB of stdin ahead"
: > "$WORK/gate"
# Bash may have reaped it already (wait still gives its status), or it is a zombie.
ended() { ! [ -e "/proc/$wide_pid" ] || [ "$(awk '{ print $3 }' "/proc/$wide_pid/stat")" = Z ]; }
wk_wait_for 30 ended || fail "blocked peer: call did not end"
wide_rc=0
wait "$wide_pid" || wide_rc=$?
expect_eq "blocked peer: exit status once the peer went away" "$wide_rc" 1
expect_err wide "request 1: no answer"


# A peer that answers nothing until it has 1 MiB of requests: call must go on sending as
# its writes end, not only as answers come (it holds requests back while 256 KiB wait).
head -n 40 "$WORK/wide.txt" > "$WORK/held.txt"
run_capture held "$PK" call --window 64 --timeout 10 --connect \
  "exec:{ head -c 1048576 > '$WORK/held.bin'; cat '$WORK/held.bin' -; } | '$PK' serve --echo" \
  < "$WORK/held.txt"
expect_eq "peer holding requests back: exit status" "$(rc_of held)" 0
cmp -s "$WORK/held.out" "$WORK/held.txt" || fail "peer holding requests back: answers differ"
pass "peer holding requests back: all 40 answered"

# A handler that runs too long fails; the answer comes at the timeout, not at the end.
run_capture slow "$PK" call --connect "exec:$PK serve --handler-timeout 0.3 --exec 'sleep 20'" x
expect_eq "handler timeout: exit status" "$(rc_of slow)" 1
expect_err slow "request 1 failed: handler timed out"

# The peer reads a little and goes away without answering: pending requests fail.
run_capture gone "$PK" call --connect "exec:head -c 3 > /dev/null" one two
expect_eq "peer closes mid-request: exit status" "$(rc_of gone)" 1
expect_err gone "request 1: no answer: peer closed the stream without EOF"
expect_err gone "request 2: no answer"

# The peer dies in the middle of an answer.
run_capture cut "$PK" call --connect "exec:head -c 4 > /dev/null; printf '\\010\\002\\004ab'" one
expect_eq "answer cut short: exit status" "$(rc_of cut)" 1
expect_err cut "stream ended inside a packet"

# Garbage into serve: a clear error, exit 1, and still the goodbye (ERQ, EOF).
printf 'GET / HTTP/1.0\r\n\r\n' > "$WORK/http"
printf '\377%.0s' $(seq 20) > "$WORK/ff"
printf '\002\005\001' > "$WORK/nochannel"
for input in http ff nochannel; do
  set +e
  timeout 30 "$PK" serve --echo < "$WORK/$input" 2> "$WORK/g_$input.err" | cat > "$WORK/g_$input.out"
  rc=${PIPESTATUS[0]}
  set -e
  expect_eq "garbage ($input) into serve: exit status" "$rc" 1
  grep -q '^pktconn: serve: ' "$WORK/g_$input.err" || fail "garbage ($input): no error line"
  expect_eq "garbage ($input): goodbye" "$(od -An -tx1 < "$WORK/g_$input.out" | tr -d ' \n')" 0301020003000200
done
expect_err g_http "stream ended inside a packet"
expect_err g_ff "malformed packet: length prefix over-long"
expect_err g_nochannel "malformed packet: body ends before the channel its flags promise"

# decode and encode refuse bad input with the position.
run_capture dec_garbage "$PK" decode < "$WORK/nochannel"
expect_eq "decode garbage: exit status" "$(rc_of dec_garbage)" 1
expect_err dec_garbage "decode: malformed packet at byte 0"
printf '\003\002\002\001\010\002' > "$WORK/short"
run_capture dec_short "$PK" decode < "$WORK/short"
expect_eq "decode truncated: exit status" "$(rc_of dec_short)" 1
expect_eq "decode truncated: the whole packet before it" "$(grep -c tag "$WORK/dec_short.out")" 1
expect_err dec_short "input ends inside a packet at byte 4"
printf '{"tag":2}\nnot json\n' > "$WORK/bad.jsonl"
run_capture enc_bad "$PK" encode < "$WORK/bad.jsonl"
expect_eq "encode bad line: exit status" "$(rc_of enc_bad)" 1
expect_err enc_bad "encode: line 2: not JSON"

# EOF while a handler runs: ERQ first, then the late answer, then EOF.
printf '%s\n' '{"tag":2,"rq_type":6,"payload":"0.2"}' '{"control":"EOF"}' | "$PK" encode > "$WORK/late.in"
set +e
timeout 30 "$PK" serve --demo < "$WORK/late.in" | "$PK" decode > "$WORK/late.json"
set -e
expect_eq "ERQ, late answer, EOF" "$(grep -o '"control":"[A-Z]*"\|"payload_utf8":"0.2"' "$WORK/late.json" | tr '\n' ' ')" \
  '"control":"ERQ" "payload_utf8":"0.2" "control":"EOF" '

# Answers are printed in request order even when they finish out of order.
out=$(timeout 30 "$PK" call --type 6 --connect "exec:$PK serve --demo" 0.3 0.01 0.1)
expect_eq "out-of-order answers printed in request order" "$out" $'0.3\n0.01\n0.1'

# A coprocess: answers out of order, one failure, then it dies with a request pending.
cat > "$WORK/coproc.py" <<'PY'
import json, sys
held = []
for line in sys.stdin:
    r = json.loads(line)
    p = r.get("payload", "")
    if p == "die":
        sys.exit(0)
    if p == "bad":
        print(json.dumps({"tag": r["tag"], "error": "no bad words"}), flush=True)
    elif p == "first":
        held.append(r)
    else:
        print(json.dumps({"tag": r["tag"], "flags": 3, "payload": p.upper()}), flush=True)
        for h in held:
            print(json.dumps({"tag": h["tag"], "payload_hex": "00ff"}), flush=True)
        held = []
PY
run_capture coproc "$PK" call --json --window 8 --connect "exec:$PK serve --coproc 'python3 -u $WORK/coproc.py'" \
  first second bad die after
expect_eq "coproc: exit status" "$(rc_of coproc)" 1
expect_eq "coproc: answers" "$(cat "$WORK/coproc.out")" \
'{"request":1,"tag":2,"ok":true,"flags":0,"payload_hex":"00ff"}
{"request":2,"tag":3,"ok":true,"flags":3,"payload_hex":"5345434f4e44","payload":"SECOND"}
{"request":3,"tag":4,"ok":false,"flags":0,"payload_hex":"6e6f2062616420776f726473","payload":"no bad words"}
{"request":4,"tag":5,"ok":false,"flags":0,"payload_hex":"636f70726f6365737320657869746564","payload":"coprocess exited"}
{"request":5,"tag":6,"ok":false,"flags":0,"payload_hex":"636f70726f6365737320657869746564","payload":"coprocess exited"}'

# SIGTERM: serve says goodbye (ERQ, EOF) and exits 3 once the peer's EOF wait is over.
mkfifo "$WORK/sig.in" "$WORK/sig.pipe"
(exec cat < "$WORK/sig.pipe" > "$WORK/sig.out") &
wk_pids+=($!)
(exec "$PK" serve --echo --timeout 0.5 < "$WORK/sig.in" > "$WORK/sig.pipe") &
serve_pid=$!
wk_pids+=($serve_pid)
exec 3> "$WORK/sig.in"
printf '\004\002\002\001x' >&3
has_answer() { [ "$(stat -c %s "$WORK/sig.out")" -ge 4 ]; }
wk_wait_for 20 has_answer || fail "no answer before the signal"
kill -TERM "$serve_pid"
rc=0
wait "$serve_pid" || rc=$?
exec 3>&-
expect_eq "SIGTERM: exit status" "$rc" 3
has_goodbye() { [ "$(stat -c %s "$WORK/sig.out")" -ge 12 ]; }
wk_wait_for 20 has_goodbye || true
expect_eq "SIGTERM: answer, ERQ, EOF" "$(od -An -tx1 < "$WORK/sig.out" | tr -d ' \n')" 030204780301020003000200

# Usage errors.
expect_status "bad endpoint is a usage error" 2 "$PK" serve nowhere:
expect_status "datagram endpoint is a usage error" 2 "$PK" call --connect udp://127.0.0.1:9 x
expect_status "two handlers is a usage error" 2 "$PK" serve --echo --demo
expect_status "call from stdin over stdin is a usage error" 2 "$PK" call
