# The captured 0.3.3 conversations, byte for byte, between `moatcmd call` and
# `moatcmd serve --demo` (tee records each direction), and concurrent calls over a pipe.
source "$(dirname "$0")/common.sh"
M=$BIN/moatcmd
CONV=$VECTORS/moat/conversations

hex_of() { od -An -tx1 -v "$1" | tr -d ' \n'; }
# wanted DIR FILE: the hex of every DIR message of a conversation, concatenated
wanted() { sed -n "s/.*\"dir\": \"$1\", \"hex\": \"\([0-9a-f]*\)\".*/\1/p" "$2" | tr -d '\n'; }

# replay NAME STDIN CALL-ARGS…: runs the call through a recording exec: endpoint
replay() {
  local name=$1 input=$2
  shift 2
  local rec="$WORK/$name"
  local server="sh -c 'tee $rec.c2s | $M serve --demo | tee $rec.s2c'"
  printf '%b' "$input" | timeout "$wk_timeout" "$M" call -c "exec:$server" "$@" >"$rec.out" 2>"$rec.err" || true
  expect_eq "$name client bytes" "$(hex_of "$rec.c2s")" "$(wanted c2s "$CONV/$name.jsonl")"
  expect_eq "$name server bytes" "$(hex_of "$rec.s2c")" "$(wanted s2c "$CONV/$name.jsonl")"
}

replay echo_kw "" echo 1 two x=3
expect_eq "echo_kw output" "$(cat "$WORK/echo_kw.out")" '[1,"two",{"x":3}]'
replay echo_dictarg "" echo '{"a":1}'
expect_eq "echo_dictarg output" "$(cat "$WORK/echo_dictarg.out")" '[{"a":1}]'
replay error "" fail boom
expect_eq "error message" "$(cat "$WORK/error.err")" 'moatcmd: remote error: ["ValueError","boom"]'
replay error_msg_error "" err Custom 1
replay null_result "" none
expect_eq "null_result output" "$(cat "$WORK/null_result.out")" '[null]'
replay ret "" ret '[1,2,3]'
expect_eq "ret output" "$(cat "$WORK/ret.out")" '[[1,2,3]]'
replay server_callback "" ping_back 7
expect_eq "server_callback output" "$(cat "$WORK/server_callback.out")" '[["client said",[["pong",7]]]]'
replay stream_bidi '"a"\n7\n' --stream-r --stream-w bidi
expect_eq "stream_bidi output" "$(tr '\n' ' ' <"$WORK/stream_bidi.out")" '["a","a"] [7,7] ["bidi done",2] '
replay stream_c2s '1\n2\n39\n' --stream-w sum
expect_eq "stream_c2s output" "$(cat "$WORK/stream_c2s.out")" '[42]'
replay stream_s2c "" --stream-r count 5
expect_eq "stream_s2c output" "$(tr '\n' ' ' <"$WORK/stream_s2c.out")" '[0] [1] [2] [3] [4] ["done",5] '
replay unknown_command "" no_such_command 1
expect_status "unknown command exits 1" 1 "$M" call -c "exec:$M serve --demo" no_such_command 1

# concurrent6: the six sleeps go out at once over a pipe; replies come in completion order.
mkfifo "$WORK/in"
"$M" serve --demo <"$WORK/in" >"$WORK/c6.s2c" &
server=$!
wk_pids+=("$server")
exec 3>"$WORK/in"
printf '%b' "$(wanted c2s "$CONV/concurrent6.jsonl" | sed 's/../\\x&/g')" >&3
have6() { [ "$("$M" decode <"$WORK/c6.s2c" 2>/dev/null | wc -l)" -ge 6 ]; }
wk_wait_for 10 have6 || fail "concurrent6: fewer than 6 replies"
exec 3>&-
wait "$server"
expect_eq "concurrent6 server bytes" "$(hex_of "$WORK/c6.s2c")" "$(wanted s2c "$CONV/concurrent6.jsonl")"

# 100 concurrent calls (wire ids 0-99) over one pipe, each answered on its own id.
for i in $(seq 0 99); do printf '[%d, "echo", %d]\n' $((4 * i)) "$i"; done | "$M" encode >"$WORK/c100.c2s"
timeout "$wk_timeout" "$M" serve --demo <"$WORK/c100.c2s" | "$M" decode >"$WORK/c100.out"
expect_eq "100 replies" "$(wc -l <"$WORK/c100.out")" 100
bad=$(awk -F'[][,]' '{ if (-($2 + 4) / 4 != $3) print }' "$WORK/c100.out")
expect_eq "each reply on its call's id" "$bad" ""
