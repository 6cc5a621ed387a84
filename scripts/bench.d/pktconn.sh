# pktconn: pipelined small-request rate and 64 KiB payload throughput over exec: pipes,
# each next to cat through the same kind of pipes in the same run.
#   scripts/bench pktconn [REQUESTS] [BIG_REQUESTS]
set -euo pipefail
requests=${1:-200000}
big=${2:-2000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

now() { date +%s.%N; }
rate() { python3 -c "import sys; print(f'{float(sys.argv[1])/(float(sys.argv[3])-float(sys.argv[2])):,.0f}')" "$@"; }
mbps() { python3 -c "import sys; print(f'{float(sys.argv[1])/(float(sys.argv[3])-float(sys.argv[2]))/1e6:,.1f}')" "$@"; }

# Small requests: one line each (8 bytes payload), window 4096.
seq -f "%08g" "$requests" > "$work/small"
t0=$(now)
pktconn call --window 4096 --connect "exec:pktconn serve --echo --max-inflight 4096" < "$work/small" > "$work/small.out"
t1=$(now)
cmp -s "$work/small" "$work/small.out" || { echo "bench: echo answers differ" >&2; exit 1; }
t2=$(now)
cat "$work/small" | cat | cat > "$work/small.cat"
t3=$(now)
pk_rate=$(rate "$requests" "$t0" "$t1")
cat_rate=$(rate "$requests" "$t2" "$t3")
echo "small requests: pktconn $pk_rate requests/s (lines through cat: $cat_rate lines/s)"

# 64 KiB payloads: one line each (65536 bytes of letters, then a newline), window 64.
python3 - "$work/big" "$big" <<'PY'
import random, string, sys
path, n = sys.argv[1], int(sys.argv[2])
rng = random.Random(7)
blob = "".join(rng.choice(string.ascii_letters) for _ in range(65536))
with open(path, "w") as f:
    for _ in range(n):
        f.write(blob + "\n")
PY
t0=$(now)
pktconn call --window 64 --connect "exec:pktconn serve --echo" < "$work/big" > "$work/big.out"
t1=$(now)
cmp -s "$work/big" "$work/big.out" || { echo "bench: 64 KiB answers differ" >&2; exit 1; }
t2=$(now)
cat "$work/big" | cat | cat > "$work/big.cat"
t3=$(now)
bytes=$((65537 * big))
pk=$(mbps "$bytes" "$t0" "$t1")
raw=$(mbps "$bytes" "$t2" "$t3")
ratio=$(python3 -c "import sys; print(f'{100*(float(sys.argv[2])-float(sys.argv[1]))/(float(sys.argv[4])-float(sys.argv[3])):.0f}')" "$t2" "$t3" "$t0" "$t1")
echo "64 KiB payloads: pktconn $pk MB/s (cat through the same pipes: $raw MB/s; pktconn at ${ratio}% of cat)"
