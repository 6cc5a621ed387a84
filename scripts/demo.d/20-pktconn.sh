# demo: pktconn — cs.packetstream requests over a child process and a pipe
set -euo pipefail
cd "$DEMO_WORK"

echo "\$ pktconn call --connect exec:'pktconn serve --demo' --type 1 hello packets"
out=$(pktconn call --connect exec:'pktconn serve --demo' --type 1 hello packets)
echo "$out"
[ "$out" = $'HELLO\nPACKETS' ] || { echo "demo: unexpected answer: $out" >&2; exit 1; }

echo
echo "\$ printf 'one\ntwo\n' | pktconn call --json --connect exec:'pktconn serve --exec \"rev\"'"
out=$(printf 'one\ntwo\n' | pktconn call --json --connect exec:'pktconn serve --exec "rev"')
echo "$out"
[ "$(echo "$out" | grep -c '"ok":true')" = 2 ] || { echo "demo: --exec answers missing" >&2; exit 1; }

echo
echo "# the bytes on the wire: requests encoded from JSON, answered through a pipe, decoded"
printf '%s\n' '{"tag":2,"rq_type":5,"payload":"abc"}' '{"control":"ERQ"}' '{"control":"EOF"}' \
  | pktconn encode | pktconn serve --demo | pktconn decode --hex | tee answers.jsonl
grep -q '"payload_utf8":"cba"' answers.jsonl || { echo "demo: no reversed answer" >&2; exit 1; }
