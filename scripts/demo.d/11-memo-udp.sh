# demo: memograms over UDP loopback: a signed 200 KB memo from memo-send to memo-recv
set -euo pipefail
cd "$DEMO_WORK"

[ -f alice.key ] || memo-send --keygen alice.key >/dev/null
head -c 150000 /dev/urandom | base64 -w 76 >memo.txt

echo "\$ memo-recv udp://127.0.0.1:0 --authic --format json --count 1 &"
memo-recv udp://127.0.0.1:0 --authic --format json --count 1 --timeout 20 >received.json 2>recv.err &
recv_pid=$!
# Wait (bounded) for the receiver to announce its address.
for _ in $(seq 200); do
  grep -q 'receiving on' recv.err && break
  sleep 0.05
done
addr=$(sed -n 's/^memo-recv: receiving on //p' recv.err)
[ -n "$addr" ] || { echo "memo-recv did not start: $(cat recv.err)" >&2; exit 1; }
echo "memo-recv: receiving on $addr"

echo "\$ memo-send --to $addr --sign alice.key <memo.txt   # $(wc -c <memo.txt) bytes"
memo-send --to "$addr" --sign alice.key <memo.txt
wait "$recv_pid"

python3 - received.json memo.txt <<'PY'
import json, sys
got = json.load(open(sys.argv[1]))
want = open(sys.argv[2]).read()
print(f"received memo {got['mid']} from {got['src']}, signed by {got['vid']}, dialect {got['dialect']}")
if got["memo"] != want:
    sys.exit("the received memo differs from the one sent")
print(f"{len(want)} bytes, identical to the memo sent")
PY
