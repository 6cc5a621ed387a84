# tcpserve: server CPU per connection and connections/s for (a) TLS 1.3 full handshakes with no
# handler, (b) TLS with an exec handler, (c) plain TCP with an exec handler, each next to
# openssl s_server (a only), ncat, socat and stunnel where installed, under the same load; then
# (d) the RSS of idle TLS connections.
#
# Conditions: ECDSA P-256 certificate; the server on CPU 0, the load generator on CPU 1
# (taskset); full handshakes only (`openssl s_time -new`: no session resumption; the client
# offers X25519 first, so no HelloRetryRequest); plain TCP: a Python connect/close loop.
# Server CPU is user+system time of the server process from /proc/PID/stat, and "+children"
# adds the CPU of the processes it forked or spawned and reaped (handlers, socat's per-
# connection copies): that is what a connection costs the machine on the server side.
# Load from other processes on the machine changes the rates, so compare the ratios printed
# in one run. Floors under (a): the smallest real OpenSSL server (blocking, no event loop) under
# the same load, OpenSSL's server side of the handshake in memory, the same
# flights over loopback TCP without TLS, their sum (what any OpenSSL-based server pays per
# connection here), and the public-key operations alone (openssl speed: one ECDSA P-256
# signature and two X25519 operations).
#   scripts/bench tcpserve [SECONDS] [IDLE_CONNECTIONS]
set -euo pipefail
seconds=${1:-5}
idle=${2:-10000}
build=${WIREKIT_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
work=$(mktemp -d)
server=
cleanup() {
  [ -z "$server" ] || kill "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work"

pin_server=()
pin_load=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_server=(taskset -c 0)
  pin_load=(taskset -c 1)
else
  echo "note: fewer than 2 CPUs or no taskset: server and load share the CPUs"
fi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -keyout k.pem \
  -out c.pem -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
tck=$(getconf CLK_TCK)

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Server CPU ticks: "self children user system" (children: reaped descendants; user and system:
# the server process alone).
cpu_ticks() { awk '{print $14 + $15, $16 + $17, $14, $15}' "/proc/$1/stat"; }

# serve CMD…: starts a server pinned to CPU 0 on $port (chosen before) and waits until it listens.
serve() {
  "${pin_server[@]}" "$@" >server.out 2>&1 &
  server=$!
  for _ in $(seq 200); do
    [ -n "$(ss -Hltn "sport = :$port" 2>/dev/null)" ] && return 0
    kill -0 "$server" 2>/dev/null || break
    sleep 0.05
  done
  echo "server did not start: $*" >&2
  cat server.out >&2
  exit 1
}
stop() {
  kill -TERM "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  server=
}

# Load generators: print the number of connections completed.
tls_load() {
  local i
  for i in 1 2; do
    "${pin_load[@]}" openssl s_time -connect "127.0.0.1:$port" -new -time "$seconds" \
      >"s_time.$i" 2>&1 &
  done
  wait
  cat s_time.1 s_time.2 | awk '/connections in .* real seconds/ {n += $1} END {print n + 0}'
}
plain_load() {
  "${pin_load[@]}" python3 - "$port" "$seconds" <<'PY'
import socket, sys, time
port, end, n = int(sys.argv[1]), time.monotonic() + float(sys.argv[2]), 0
while time.monotonic() < end:
    s = socket.create_connection(("127.0.0.1", port))
    s.shutdown(socket.SHUT_WR)
    while s.recv(4096):
        pass
    s.close()
    n += 1
print(n)
PY
}

declare -A self_ms child_ms user_ms sys_ms
# measure KEY LABEL LOAD CMD…: one row; remembers the CPU per connection under KEY.
measure() {
  local key=$1 label=$2 load=$3 before after conns
  shift 3
  port=$(free_port)
  serve "${@//@PORT@/$port}"
  read -r -a before < <(cpu_ticks "$server")
  conns=$($load)
  sleep 0.2  # let the last handlers be reaped
  read -r -a after < <(cpu_ticks "$server")
  stop
  if [ "$conns" -le 0 ]; then
    printf '  %-30s no connections completed\n' "$label"
    return
  fi
  read -r self_ms["$key"] child_ms["$key"] user_ms["$key"] sys_ms["$key"] < <(awk -v c="$conns" \
    -v hz="$tck" -v s="$((after[0] - before[0]))" -v k="$((after[1] - before[1]))" \
    -v u="$((after[2] - before[2]))" -v y="$((after[3] - before[3]))" \
    'BEGIN { printf "%.3f %.3f %.3f %.3f\n", 1000 * s / hz / c, 1000 * (s + k) / hz / c,
                    1000 * u / hz / c, 1000 * y / hz / c }')
  printf '  %-30s %7d conns %7.0f conn/s  %7s ms  %7s ms' "$label" "$conns" \
    "$(awk -v c="$conns" -v s="$seconds" 'BEGIN { print c / s }')" "${self_ms[$key]}" \
    "${child_ms[$key]}"
}
# ratio KEY BASE: tcpserve's CPU (with children) over a peer's, in this run.
ratio() {
  if [ -n "${child_ms[$1]:-}" ] && [ -n "${child_ms[$2]:-}" ]; then
    awk -v a="${child_ms[$1]}" -v b="${child_ms[$2]}" \
      'BEGIN { if (b > 0) printf "  tcpserve/this %.2f", a / b }'
  fi
  echo
}
have() { command -v "$1" >/dev/null; }
stunnel_bin=$(command -v stunnel4 || command -v stunnel || true)
# stunnel reads its port from a file: this shell writes it, then becomes stunnel.
stunnel_serve=(bash -c 'printf "foreground = yes\npid =\n[bench]\naccept = 127.0.0.1:%s\ncert = %s\nkey = %s\nexec = %s\n" "$2" c.pem k.pem "$(command -v true)" >stunnel.conf && exec "$1" stunnel.conf' stunnel)

floor=$(openssl speed -seconds 1 ecdsap256 ecdhx25519 2>/dev/null | awk '
  /^ *256 bits ecdsa \(nistp256\)/ { sign = $7 }
  /^ *253 bits ecdh \(X25519\)/ { x = $NF }
  END { if (sign > 0 && x > 0) printf "%.3f", 1000 * (1 / sign + 2 / x) }')

printf 'tcpserve bench: %ss per row, server on CPU 0, load on CPU 1; CPU = ms of server CPU per connection\n' \
  "$seconds"
printf '  %-30s %13s %14s %10s %10s\n' "" "" "" "self" "+children"
echo "(a) TLS 1.3 full handshake (ECDSA P-256, X25519), no handler"
measure a_tcpserve "tcpserve --echo" tls_load \
  tcpserve --listen "tls://127.0.0.1:@PORT@" --cert c.pem --key k.pem --echo
echo
printf '  %-30s %36s ms user, %s ms system\n' "  of which" "${user_ms[a_tcpserve]:-?}" \
  "${sys_ms[a_tcpserve]:-?}"
measure a_s_server "openssl s_server" tls_load \
  openssl s_server -accept @PORT@ -cert c.pem -key k.pem -quiet -naccept 100000000
ratio a_tcpserve a_s_server
if have ncat; then
  measure a_ncat "ncat --ssl -l -k" tls_load \
    ncat --ssl --ssl-cert c.pem --ssl-key k.pem -l -k 127.0.0.1 @PORT@
  ratio a_tcpserve a_ncat
fi
if have socat; then
  measure a_socat "socat OPENSSL-LISTEN,fork PIPE" tls_load \
    socat "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=c.pem,key=k.pem,verify=0" PIPE
  ratio a_tcpserve a_socat
fi
# The smallest real OpenSSL server under the same load: blocking calls, one connection at a
# time, tcpserve's TLS settings, no event loop (tests/bench/tls_handshake_bench.cpp).
handshake_bench=$build/bench/tls_handshake_bench
if [ -x "$handshake_bench" ]; then
  measure a_minimal "minimal blocking OpenSSL server" tls_load \
    "$handshake_bench" --blocking-server @PORT@ c.pem k.pem
  ratio a_tcpserve a_minimal
fi
# OpenSSL alone: the same TLS settings, one full handshake over a BIO pair in memory, only the
# server's calls timed.
if [ -x "$handshake_bench" ]; then
  mem_ms=$("${pin_server[@]}" "$handshake_bench" --benchmark_filter='tickets:1/p256_share:0' \
    --benchmark_min_time="$seconds" 2>/dev/null | sed -n 's/.*server_ms=\([0-9.]*\).*/\1/p')
  if [ -n "$mem_ms" ]; then
    printf '  %-30s %36.3f ms  tcpserve/this %s\n' "OpenSSL in memory (no sockets)" "$mem_ms" \
      "$(awk -v a="${child_ms[a_tcpserve]:-0}" -v b="$mem_ms" 'BEGIN { printf "%.2f", a / b }')"
  fi
fi
# The sockets alone: the same flights over loopback TCP without TLS or an event loop. OpenSSL in
# memory plus this is the floor for any OpenSSL server on this machine.
if [ -x "$handshake_bench" ]; then
  sock_ms=$("${pin_server[@]}" "$handshake_bench" --benchmark_filter='socket_exchange' \
    2>/dev/null | sed -n 's/.*server_ms=\([0-9.]*\).*/\1/p')
  if [ -n "$sock_ms" ] && [ -n "${mem_ms:-}" ]; then
    printf '  %-30s %36.3f ms (the same flights over loopback TCP, no TLS)\n' "sockets alone" \
      "$sock_ms"
    sum_ms=$(awk -v a="$mem_ms" -v b="$sock_ms" 'BEGIN { printf "%.3f", a + b }')
    printf '  %-30s %36s ms  tcpserve/this %s\n' "floor: in memory + sockets" "$sum_ms" \
      "$(awk -v a="${child_ms[a_tcpserve]:-0}" -v b="$sum_ms" 'BEGIN { printf "%.2f", a / b }')"
  fi
fi
if [ -n "$floor" ]; then
  printf '  %-30s %36s ms (1 ECDSA sign + 2 X25519, openssl speed)\n' "OpenSSL public-key floor" "$floor"
fi

echo "(b) TLS 1.3 + exec handler (true)"
measure b_tcpserve "tcpserve -- true" tls_load \
  tcpserve --listen "tls://127.0.0.1:@PORT@" --cert c.pem --key k.pem -- true
echo
if have ncat; then
  measure b_ncat "ncat --ssl -k --exec" tls_load \
    ncat --ssl --ssl-cert c.pem --ssl-key k.pem -l -k --exec "$(command -v true)" 127.0.0.1 @PORT@
  ratio b_tcpserve b_ncat
fi
if have socat; then
  measure b_socat "socat OPENSSL-LISTEN,fork EXEC" tls_load \
    socat "OPENSSL-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork,cert=c.pem,key=k.pem,verify=0" \
    EXEC:true
  ratio b_tcpserve b_socat
fi
if [ -n "$stunnel_bin" ]; then
  measure b_stunnel "stunnel exec=" tls_load "${stunnel_serve[@]}" "$stunnel_bin" @PORT@
  ratio b_tcpserve b_stunnel
fi

# The handler alone: posix_spawn of true and its wait, from a small process, no socket. The
# CPU of the parent and of the child is what any server pays per handler on top of TCP/TLS.
spawn_ms=$("${pin_server[@]}" python3 - "$seconds" <<'PY'
import os, resource, sys, time
true, end, n = "/usr/bin/true" if os.path.exists("/usr/bin/true") else "/bin/true", 0, 0
end = time.monotonic() + float(sys.argv[1]) / 2
r0 = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
while time.monotonic() < end:
    os.waitpid(os.posix_spawn(true, [true], {}), 0)
    n += 1
r1 = (resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN))
cpu = sum(b.ru_utime + b.ru_stime - a.ru_utime - a.ru_stime for a, b in zip(r0, r1))
print("%.3f" % (1000 * cpu / n))
PY
)
printf '  %-30s %36s ms (posix_spawn + exec + wait of true, no socket)\n' "handler floor" "$spawn_ms"

echo "(c) plain TCP + exec handler (true)"
measure c_tcpserve "tcpserve -- true" plain_load tcpserve --listen "tcp://127.0.0.1:@PORT@" -- true
echo
if have ncat; then
  measure c_ncat "ncat -k --exec" plain_load \
    ncat -l -k --exec "$(command -v true)" 127.0.0.1 @PORT@
  ratio c_tcpserve c_ncat
fi
if have socat; then
  measure c_socat "socat TCP-LISTEN,fork EXEC" plain_load \
    socat "TCP-LISTEN:@PORT@,bind=127.0.0.1,reuseaddr,fork" EXEC:true
  ratio c_tcpserve c_socat
fi
if have tcpserver; then
  measure c_tcpserver "tcpserver (ucspi-tcp)" plain_load tcpserver -c 1000 127.0.0.1 @PORT@ true
  ratio c_tcpserve c_tcpserver
fi
for other in ncat socat stunnel4 tcpserver; do
  have "$other" || printf '  %s not installed, not compared\n' "$other"
done

# (d) Idle TLS connections: RSS of the server process alone, before and with them all open.
echo "(d) idle TLS connections"
need=$((idle + 64))
if [ "$(ulimit -Sn)" -lt "$need" ]; then
  ulimit -Sn "$need" 2>/dev/null || ulimit -n "$need" 2>/dev/null || true
fi
if [ "$(ulimit -Sn)" -lt "$need" ]; then
  have=$(($(ulimit -Sn) - 64))
  echo "  cannot raise the open-files limit to $need (hard limit $(ulimit -Hn));" \
    "measuring $have connections instead (raise it with ulimit -Hn as root)"
  idle=$have
fi
port=$(free_port)
serve tcpserve --listen "tls://127.0.0.1:$port" --cert c.pem --key k.pem --echo \
  --max-conns $((idle + 10)) --idle-timeout 0
rss_before=$(awk '/VmRSS/ {print $2}' "/proc/$server/status")
"${pin_load[@]}" python3 - "$port" "$idle" "$server" <<'PY'
import socket, ssl, sys
port, n, pid = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
ctx = ssl.create_default_context(cafile="c.pem")
held = []
for _ in range(n):
    s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port)), server_hostname="localhost")
    s.setblocking(False)
    try:
        s.recv(1)  # take the session tickets, so the server has nothing left to send
    except (ssl.SSLWantReadError, BlockingIOError):
        pass
    held.append(s)
for line in open("/proc/%s/status" % pid):
    if line.startswith("VmRSS:"):
        open("rss_after", "w").write(line.split()[1])
PY
rss_after=$(cat rss_after)
awk -v n="$idle" -v a="$rss_after" -v b="$rss_before" 'BEGIN {
  printf "  %d idle TLS connections: server RSS %.1f MB (%.1f MB before), %.1f kB per connection\n",
         n, a / 1024, b / 1024, (a - b) / n
  printf "  10 000 would take ~%.0f MB (goal: under 200 MB)\n", (b + 10000 * (a - b) / n) / 1024 }'
stop
