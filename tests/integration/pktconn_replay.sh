# The captured conversations through the real binary: the client's bytes, in the capture's
# interleaving, into `pktconn serve --demo` give the reference server's packets; and
# `pktconn call` sends the reference client's bytes.
source "$(dirname "$0")/common.sh"
PK="$BIN/pktconn"
CONV="${VECTORS:?WIREKIT_VECTORS must be set}/packet/conversations"

packets_in() { "$PK" decode < "$1" 2>/dev/null | wc -l; }
has_packets() { [ "$(packets_in "$1")" -ge "$2" ]; }
file_has() { [ "$(stat -c %s "$1")" -ge "$2" ]; }

replayed=0
for conv in "$CONV"/*.jsonl; do
  name=$(basename "$conv" .jsonl)
  fifo="$WORK/$name.in" out="$WORK/$name.out" status="$WORK/$name.status"
  mkfifo "$fifo"
  : > "$out"
  # A pipe on each side: the server's stdin and stdout must be pipes or sockets.
  (
    set +e
    "$PK" serve --demo < "$fifo" 2> "$WORK/$name.err" | cat > "$out"
    echo "${PIPESTATUS[0]}" > "$status"
  ) &
  wk_pids+=($!)
  exec 3> "$fifo"
  answered=0
  batch=""
  # The client's packets since the last server packet, in one write: the capture's client
  # sent them back to back (a probe like duplicate_tag_inflight needs the second while the
  # first's 0.5 s handler still runs, which a process start per packet may miss under load).
  send_batch() {
    [ -n "$batch" ] || return 0
    # The capture's client wrote these after seeing $answered packets: wait for as many.
    wk_wait_for 20 has_packets "$out" "$answered" || fail "$name: no answer within 20 s"
    # After a malformed packet the server stops reading and may be gone: EPIPE is fine.
    printf '%s' "$batch" | "$PK" encode >&3 2>/dev/null || true
    batch=""
  }
  while IFS= read -r line; do
    if [[ $line == *'"dir": "c2s"'* ]]; then
      batch+="$line"$'\n'
    else
      send_batch
      answered=$((answered + 1))
    fi
  done < "$conv"
  send_batch
  exec 3>&-
  wk_wait_for 20 test -s "$status" || fail "$name: serve did not exit"
  expected=$("$PK" encode --dir s2c < "$conv" | "$PK" decode --hex)
  actual=$("$PK" decode --hex < "$out")
  expect_eq "$name: server packets" "$actual" "$expected"
  case $name in
    probe_malformed_body_stops_receive | probe_truncated_then_close)
      expect_eq "$name: exit status" "$(cat "$status")" 1
      grep -q "pktconn: serve: " "$WORK/$name.err" || fail "$name: no error message"
      ;;
    *) expect_eq "$name: exit status" "$(cat "$status")" 0 ;;
  esac
  replayed=$((replayed + 1))
done
expect_eq "conversations replayed" "$replayed" 16

# The client side: the library client's requests as `pktconn call --format json` input.
# (request_after_erq sends ERQ in the middle, which pktconn call never does: the engine's
# unit test covers it.)
called=0
for name in erq_eof_idle handler_raises mixed_handlers pipelined_echo_10 shutdown_waits_for_pending; do
  conv="$CONV/$name.jsonl"
  python3 -c '
import json, sys
for line in open(sys.argv[1]):
    o = json.loads(line)
    d = o["decoded"]
    if o["dir"] != "c2s" or "control" in d:
        continue
    print(json.dumps({"type": d["rq_type"], "flags": d["flags"], "payload_hex": d["payload_hex"]}))
' "$conv" > "$WORK/$name.requests"
  want=$("$PK" encode --dir c2s < "$conv" | od -An -tx1 | tr -d ' \n')
  rc=0
  timeout 60 "$PK" call --format json --connect "exec:tee $WORK/$name.c2s | $PK serve --demo" \
    < "$WORK/$name.requests" > "$WORK/$name.answers" 2>/dev/null || rc=$?
  # tee passes the bytes on before it writes its file: wait until the file has them all.
  wk_wait_for 10 file_has "$WORK/$name.c2s" $((${#want} / 2)) || true
  got=$(od -An -tx1 < "$WORK/$name.c2s" | tr -d ' \n')
  expect_eq "$name: call sends the reference client's bytes" "$got" "$want"
  case $name in
    handler_raises | mixed_handlers) expect_eq "$name: call exit status" "$rc" 1 ;;
    *) expect_eq "$name: call exit status" "$rc" 0 ;;
  esac
  called=$((called + 1))
done
expect_eq "client conversations" "$called" 5
