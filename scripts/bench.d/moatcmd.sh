# moatcmd over a pipe (exec: child), as a user runs it: small-item stream rates each way with
# JSON lines at the client end (the tool's own output and input), call rates, and next to
# each stream `cat | cat` moving the very bytes that stream put on the wire, in the same run.
#   scripts/bench moatcmd [ITEMS] [CALLS] [RUNS]
# Wall-clock rates include both processes' start-up; the machine may be shared, so compare
# the ratios of one run, or count instructions (valgrind --tool=callgrind) for load-free
# numbers.
set -euo pipefail
items=${1:-1000000}
calls=${2:-20000}
runs=${3:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }

seq "$items" >"$work/items"
# The wire bytes of each stream, recorded once (tee is not in the timed runs).
moatcmd call -c "exec:moatcmd serve --demo | tee $work/s2c.cbor" --stream-r count "$items" \
  >"$work/s2c.json"
moatcmd call -c "exec:tee $work/c2s.cbor | moatcmd serve --demo" --stream-w sum \
  <"$work/items" >"$work/c2s.json"
[ "$(wc -l <"$work/s2c.json")" -eq $((items + 1)) ] || { echo "bench: count lost items" >&2; exit 1; }
[ "$(cat "$work/c2s.json")" = "[$((items * (items + 1) / 2))]" ] || { echo "bench: bad sum" >&2; exit 1; }
printf 'wire bytes: %s server->client, %s client->server (%s items)\n' \
  "$(wc -c <"$work/s2c.cbor")" "$(wc -c <"$work/c2s.cbor")" "$items"

# Calls: plain echo commands on distinct wire ids (an id is free again only once its reply
# is out, and they all arrive at once), pre-encoded and fed to serve in one go: the rate at
# which serve answers pipelined calls, replies decoded back to JSON lines.
for ((i = 0; i < calls; i++)); do printf '[%d, "echo", %d]\n' $((4 * i)) "$i"; done |
  moatcmd encode >"$work/calls.cbor"

# cat moves each stream's bytes ten times over, so its start-up does not set its rate.
cat10() { cat "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" "$1" | cat >/dev/null; }

for ((r = 1; r <= runs; r++)); do
  t0=$(now)
  moatcmd call -c "exec:moatcmd serve --demo" --stream-r count "$items" >/dev/null
  t1=$(now)
  cat10 "$work/s2c.cbor"
  t2=$(now)
  moatcmd call -c "exec:moatcmd serve --demo" --stream-w sum <"$work/items" >/dev/null
  t3=$(now)
  cat10 "$work/c2s.cbor"
  t4=$(now)
  moatcmd serve --demo <"$work/calls.cbor" | moatcmd decode | wc -l >"$work/replies"
  t5=$(now)
  s2c=$(rate "$items" "$t0" "$t1")
  cat1=$(rate $((10 * items)) "$t1" "$t2")
  c2s=$(rate "$items" "$t2" "$t3")
  cat2=$(rate $((10 * items)) "$t3" "$t4")
  rt=$(rate "$calls" "$t4" "$t5")
  printf 'run %d\n' "$r"
  printf '  stream server->client (count, JSON out) %10s items/s  cat same bytes %10s items/s  (%s x cat)\n' \
    "$s2c" "$cat1" "$(ratio "$s2c" "$cat1")"
  printf '  stream client->server (sum, JSON in)    %10s items/s  cat same bytes %10s items/s  (%s x cat)\n' \
    "$c2s" "$cat2" "$(ratio "$c2s" "$cat2")"
  printf '  pipelined echo calls answered           %10s calls/s  (%s replies)\n' "$rt" \
    "$(cat "$work/replies")"
done

# One call at a time, each waiting for its reply (latency-bound round trips).
bench=${WIREKIT_BUILD:-build}/bench/moat_bench
if [ -x "$bench" ]; then
  MOATCMD=$(command -v moatcmd) "$bench" --benchmark_filter=round_trip 2>&1 | grep -E 'round_trip|^-'
fi
echo "goal: >= 500000 items/s each way"
