# pktconn call ⇄ pktconn serve over every kind of byte stream: exec:, two named pipes,
# a TCP loopback connection and a unix socket; 100 000 pipelined echoes on exec:.
source "$(dirname "$0")/common.sh"
PK="$BIN/pktconn"

# exec: 100 000 pipelined echoes, answers in request order.
seq 100000 > "$WORK/numbers"
rc=0
timeout 120 "$PK" call --window 1000 --connect "exec:$PK serve --echo" < "$WORK/numbers" > "$WORK/echoes" || rc=$?
expect_eq "100000 pipelined echoes over exec: exit status" "$rc" 0
cmp -s "$WORK/numbers" "$WORK/echoes" || fail "echoes differ from the requests"
pass "100000 echoes equal their requests, in order"

# exec: big lines, sent from where they were read and answered from where they arrived
# (no copies): lines of 1 byte to 300 KB, cut across reads and pipe writes, from a file and
# from a pipe, each answer equal to its request.
python3 - "$WORK/big_lines" <<'PY'
import random, sys
rng = random.Random(11)
with open(sys.argv[1], "w") as f:
    for i in range(400):
        n = rng.choice([1, 17, 4096, 16383, 16384, 65537, 70000, 300000]) + rng.randrange(50)
        f.write(chr(ord("a") + i % 26) * n + "\n")
PY
for source in file pipe; do
  rc=0
  if [ "$source" = file ]; then
    timeout 120 "$PK" call --window 64 --connect "exec:$PK serve --echo" < "$WORK/big_lines" > "$WORK/big_echoes" || rc=$?
  else
    cat "$WORK/big_lines" | timeout 120 "$PK" call --window 64 --connect "exec:$PK serve --echo" > "$WORK/big_echoes" || rc=$?
  fi
  expect_eq "big lines from a $source over exec: exit status" "$rc" 0
  cmp -s "$WORK/big_lines" "$WORK/big_echoes" || fail "big lines from a $source: echoes differ"
done
pass "big lines echo intact from a file and from a pipe"

# Named pipes: the server reads one fifo and writes the other; the caller reaches it
# through exec:, whose stdin/stdout are the other ends.
mkfifo "$WORK/to_server" "$WORK/from_server"
# (A subshell: opening a fifo blocks until its other end opens.)
(exec "$PK" serve --demo < "$WORK/to_server" > "$WORK/from_server") &
wk_pids+=($!)
out=$(timeout 30 "$PK" call --type 1 --connect "exec:exec 3<&0; cat <&3 > $WORK/to_server & cat < $WORK/from_server" abc def)
expect_eq "demo over named pipes" "$out" $'ABC\nDEF'

# A listener for one connection, handing the socket to `pktconn serve` as stdin/stdout.
listen_once() { # FAMILY ADDRESS PORTFILE SERVE-ARGS…
  python3 - "$@" <<'PY' &
import os, socket, subprocess, sys
family, address, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
serve = sys.argv[4:]
if family == "tcp":
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((address, 0))
else:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(address)
s.listen(1)
s.settimeout(60)
with open(portfile + ".tmp", "w") as f:
    f.write(str(s.getsockname()[1]) if family == "tcp" else address)
os.rename(portfile + ".tmp", portfile)
conn, _ = s.accept()
sys.exit(subprocess.call(serve, stdin=conn.fileno(), stdout=conn.fileno()))
PY
  wk_pids+=($!)
}

listen_once tcp 127.0.0.1 "$WORK/tcp.port" "$PK" serve --echo
wk_wait_for 20 test -s "$WORK/tcp.port" || fail "TCP listener did not start"
port=$(cat "$WORK/tcp.port")
seq 5000 > "$WORK/five"
rc=0
timeout 60 "$PK" call --window 100 --connect "tcp://127.0.0.1:$port" < "$WORK/five" > "$WORK/tcp.out" || rc=$?
expect_eq "5000 echoes over TCP loopback exit status" "$rc" 0
cmp -s "$WORK/five" "$WORK/tcp.out" || fail "TCP echoes differ"
pass "TCP echoes equal their requests"

listen_once unix "$WORK/pk.sock" "$WORK/unix.ready" "$PK" serve --demo --channels 4
wk_wait_for 20 test -s "$WORK/unix.ready" || fail "unix listener did not start"
out=$(timeout 30 "$PK" call --channels 4 --channel 3 --type 5 --json --connect "unix:$WORK/pk.sock" abc)
expect_eq "channel 3 between wirekit peers over a unix socket" "$out" \
  '{"request":1,"tag":0,"channel":3,"ok":true,"flags":17,"payload_hex":"636261","payload":"cba"}'

# A socketpair-like stream: the server's stdin and stdout are one connected socket.
out=$(timeout 30 "$PK" call --connect "exec:python3 -c 'import socket,subprocess,sys,os
a,b=socket.socketpair()
p=subprocess.Popen([sys.argv[1],\"serve\",\"--echo\"],stdin=b.fileno(),stdout=b.fileno()); b.close()
import threading
def up():
    while True:
        d=os.read(0,65536)
        if not d: a.shutdown(socket.SHUT_WR); return
        a.sendall(d)
threading.Thread(target=up,daemon=True).start()
while True:
    d=a.recv(65536)
    if not d: break
    os.write(1,d)
sys.exit(p.wait())' $PK" one two)
expect_eq "echo over a socketpair" "$out" $'one\ntwo'
