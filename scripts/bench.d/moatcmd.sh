# moatcmd over a pipe (exec: child): small-item stream rates each way and call round trips
# per second, next to cat moving the same bytes in the same run. Usage: [ITEMS] [CALLS]
set -euo pipefail
items=${1:-1000000}
calls=${2:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }

seq "$items" >"$work/items"
t0=$(now)
cat "$work/items" | cat >/dev/null
t1=$(now)
cat_rate=$(rate "$items" "$t0" "$t1")

t0=$(now)
moatcmd call -c "exec:moatcmd serve --demo" --stream-r count "$items" >/dev/null
t1=$(now)
s2c=$(rate "$items" "$t0" "$t1")

t0=$(now)
moatcmd call -c "exec:moatcmd serve --demo" --stream-w sum <"$work/items" >/dev/null
t1=$(now)
c2s=$(rate "$items" "$t0" "$t1")

# Round trips: plain echo calls back to back on one link (wire id 0 each time), fed as a
# pre-encoded command stream; each reply frees the id the next command reuses.
for ((i = 0; i < calls; i++)); do printf '[%d, "echo", %d]\n' $((4 * i)) "$i"; done |
  moatcmd encode >"$work/calls.cbor"
t0=$(now)
moatcmd serve --demo <"$work/calls.cbor" | moatcmd decode | wc -l >"$work/replies"
t1=$(now)
rt=$(rate "$calls" "$t0" "$t1")

printf 'cat (lines through a pipe)       %12s lines/s\n' "$cat_rate"
printf 'stream server->client (count)    %12s items/s  (%s x cat)\n' "$s2c" \
  "$(awk -v a="$s2c" -v b="$cat_rate" 'BEGIN { printf "%.3f", a / b }')"
printf 'stream client->server (sum)      %12s items/s  (%s x cat)\n' "$c2s" \
  "$(awk -v a="$c2s" -v b="$cat_rate" 'BEGIN { printf "%.3f", a / b }')"
printf 'calls answered (pipelined echo)  %12s calls/s  (%s replies)\n' "$rt" "$(cat "$work/replies")"
echo "goal: >= 500000 items/s"
