# demo: tcpserve: a TLS echo server, one round trip with openssl s_client, a clean SIGTERM
set -euo pipefail
cd "$DEMO_WORK"

openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
  -keyout demo.key -out demo.crt -subj /CN=localhost \
  -addext subjectAltName=DNS:localhost,IP:127.0.0.1 2>/dev/null
echo "made a self-signed certificate: $(openssl x509 -in demo.crt -noout -subject)"

tcpserve --listen tls://127.0.0.1:0 --cert demo.crt --key demo.key --echo -v \
  >tcpserve.out 2>tcpserve.err &
server=$!
trap 'kill "$server" 2>/dev/null || true' EXIT
for _ in $(seq 200); do grep -q '^listening' tcpserve.out && break; sleep 0.05; done
grep -q '^listening' tcpserve.out || { echo "tcpserve did not start"; cat tcpserve.err; exit 1; }
cat tcpserve.out
port=$(sed -n 's/^listening .*:\([0-9]*\)$/\1/p' tcpserve.out)

# stdin stays open until the echo is back; then EOF makes s_client close the connection.
: >reply.txt
{
  echo 'hello through TLS'
  for _ in $(seq 200); do grep -q 'hello' reply.txt && break; sleep 0.05; done
} | timeout 20 openssl s_client -connect "127.0.0.1:$port" -servername localhost \
  -CAfile demo.crt -verify_return_error -quiet -no_ign_eof >reply.txt 2>/dev/null
echo "s_client got back: $(cat reply.txt)"
[ "$(cat reply.txt)" = 'hello through TLS' ] || { echo "unexpected reply"; exit 1; }

for _ in $(seq 100); do grep -q 'reason=' tcpserve.err && break; sleep 0.05; done
kill -TERM "$server"
status=0
wait "$server" || status=$?
trap - EXIT
cat tcpserve.err
[ "$status" -eq 3 ] || { echo "tcpserve exit status $status, expected 3"; exit 1; }
echo "tcpserve stopped cleanly on SIGTERM (exit status 3)"
