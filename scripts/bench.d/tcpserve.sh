# tcpserve: server CPU per connection and connections/s for (a) TLS 1.3 full handshakes with
# no handler (--echo), (b) TLS with an exec handler, (c) plain TCP with an exec handler; then
# the memory of idle TLS connections. The server runs on CPU 0, the load on CPU 1 (taskset).
# Full handshakes: `openssl s_time -new` (no session resumption); plain TCP: a Python loop.
#   scripts/bench tcpserve [SECONDS] [IDLE_CONNECTIONS]
set -euo pipefail
seconds=${1:-5}
idle=${2:-2000}
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"
ulimit -Sn "$(ulimit -Hn)" 2>/dev/null || true

pin_server=()
pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0)
  pin_load=(taskset -c 1)
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -keyout k.pem \
  -out c.pem -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
tck=$(getconf CLK_TCK)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start ARGS…: tcpserve with --json on CPU 0; sets server and port.
start() {
  "${pin_server[@]}" tcpserve --listen "$1" --json "${@:2}" >events.json 2>server.err &
  server=$!
  for _ in $(seq 200); do grep -q '"listening"' events.json && break; sleep 0.05; done
  port=$(sed -n 's/.*"endpoint":"[^"]*:\([0-9]*\)".*/\1/p' events.json | head -n 1)
}
stop() {
  kill -TERM "$server"
  wait "$server" || true
  server=
}

# report NAME TICKS_BEFORE: connections served, rate and server CPU per connection.
report() {
  local name=$1 before=$2 after conns
  after=$(cpu_ticks "$server")
  conns=$(grep -c '"event":"closed"' events.json || true)
  [ "$conns" -gt 0 ] || { printf '%-34s no connections\n' "$name"; return; }
  awk -v n="$name" -v c="$conns" -v t="$((after - before))" -v hz="$tck" -v s="$seconds" \
    'BEGIN { printf "%-34s %7d conns  %8.0f conn/s  %6.3f ms server CPU/conn\n",
             n, c, c / s, 1000 * t / hz / c }'
}

# s_time_load: two s_time loops with full handshakes on CPU 1 for $seconds.
s_time_load() {
  local i
  for i in 1 2; do
    "${pin_load[@]}" openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" \
      >/dev/null 2>&1 &
  done
  wait %2 %3 2>/dev/null || wait
}

plain_load() {
  "${pin_load[@]}" python3 - "$port" "$seconds" <<'PY'
import socket, sys, time
port, end = int(sys.argv[1]), time.monotonic() + float(sys.argv[2])
while time.monotonic() < end:
    s = socket.create_connection(("127.0.0.1", port))
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
PY
}

printf '%-34s %s\n' "scenario" "(server on CPU 0, load on CPU 1, ${seconds}s each)"
start tls://127.0.0.1:0 --cert c.pem --key k.pem --echo
before=$(cpu_ticks "$server")
s_time_load
report "(a) TLS 1.3 full handshake, echo" "$before"
stop

start tls://127.0.0.1:0 --cert c.pem --key k.pem -- true
before=$(cpu_ticks "$server")
s_time_load
report "(b) TLS 1.3 + exec handler (true)" "$before"
stop

start tcp://127.0.0.1:0 -- true
before=$(cpu_ticks "$server")
plain_load
report "(c) plain TCP + exec handler (true)" "$before"
stop

for other in ncat socat stunnel4 stunnel; do
  command -v "$other" >/dev/null || printf '%-34s not installed, not compared\n' "$other"
done

# Idle TLS connections: RSS growth per connection.
start tls://127.0.0.1:0 --cert c.pem --key k.pem --echo --max-conns $((idle + 10))
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
"${pin_load[@]}" python3 - "$port" "$idle" "$server" <<'PY'
import socket, ssl, sys
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile="c.pem")
held = []
for _ in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    held.append(s)
for line in open("/proc/%s/status" % pid):
    if line.startswith("VmRSS:"):
        open("rss_after", "w").write(line.split()[1])
PY
rss_after=$(cat rss_after)
awk -v n="$idle" -v a="$rss_after" -v b="$rss_before" \
  'BEGIN { printf "%-34s %d idle TLS conns: RSS %.1f MB, %.1f kB/conn (10 000 would be ~%.0f MB)\n",
           "(d) idle TLS connections", n, a / 1024, (a - b) / n, (b + 10000 * (a - b) / n) / 1024 }'
stop
